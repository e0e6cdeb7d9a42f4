/*
 * blobfetch.h: ct-volunteer's side of the pool's blobs
 * (cputorrent-volunteer(7), Blobs): a blob fetched from a ct-serve,
 * GET /v1/blobs/ID, written to a file as it arrives and checked against
 * its ID before it counts; and the cache of databases (BLAST's, or FASTA
 * files for ct-ssearch) made of them,
 * one directory a version, named by its manifest's ID:
 *
 *	CACHE/ID/manifest	the manifest, as fetched and checked
 *	CACHE/ID/name		the name the tasks gave the database
 *	CACHE/ID/files/NAME	its files, by the manifest's names
 *
 * A version is fetched into CACHE/.ID.PID and renamed to CACHE/ID only
 * once every file is there, checked and synced: a directory named by an
 * ID is whole. No name from the network becomes a path: an ID is checked
 * to be one, and a manifest's names are single components (blobstore.h).
 *
 * Errors: nothing here prints; the reason goes into why.
 */
#ifndef CT_BLOBFETCH_H
#define CT_BLOBFETCH_H

#include <stdbool.h>
#include <stdint.h>

#include "http.h"
#include "sha256.h"

/* Where blobs come from: ct-serve's base URL, a volunteer's token. */
struct blob_source {
	const char *base;
	const char *token;
	struct http_limits lim;
};

/*
 * Fetch version id (a manifest's ID) of the database the tasks call
 * name into cache (a directory descriptor): at most max bytes in all.
 * Returns 0 (also when it is there already), or -1 with the reason in
 * why, leaving nothing behind.
 */
int dbcache_fetch(const struct blob_source *src, int cache, const char *id,
    const char *name, uint64_t max, char *why, size_t whylen);

/*
 * The path, relative to cache, to give BLAST as -db for version id:
 * "ID/files/PREFIX", allocated, into *path; for a FASTA database, the
 * path of its file, "ID/files/NAME". Returns 0; 1 if that version
 * is not in the cache; -1 (errno) if it is there but unreadable.
 */
int dbcache_path(int cache, const char *id, char **path);

/*
 * Remove the versions of database name other than keep, except those
 * in_use(id, ctx) says a task still runs on; and every version fetch
 * left half made (a crash): so only the newest version of a database is
 * kept.
 */
void dbcache_flush(int cache, const char *name, const char *keep,
    bool (*in_use)(const char *id, void *ctx), void *ctx);

#endif
