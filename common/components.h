/*
 * components.h: ct-serve's account of the components in its blobs (code
 * that browser volunteers run, cputorrent-volunteer(7), Components):
 * components/ID, an empty file per component manifest ID, its mtime when
 * a task last named it, so that versions no task uses any longer are
 * flushed from the store, files and all.
 *
 * Errors: nothing here prints; functions return -1 with errno set.
 */
#ifndef CT_COMPONENTS_H
#define CT_COMPONENTS_H

#include <stdint.h>

#include "taskstore.h"

/*
 * Note that component manifest id is in the store and was named now (its
 * upload, or a task's submit). Returns 0, or -1.
 */
int components_note(struct taskstore *ts, const char *id);

/*
 * Remove each component last named over grace seconds before now that no
 * open or leased task names: its manifest first (a wrapper that asks for
 * it then uploads it again, whole), then its files that no component kept
 * has, then its note. Returns how many were removed, or -1.
 */
int components_flush(struct taskstore *ts, int64_t now, int64_t grace);

#endif
