/*
 * ssearch-wasm.c: the search (common/ssearch.h) as a WebAssembly module,
 * for the browser's component (ssearch.mjs). The engine's source is the
 * native command's, so the two give the same report byte for byte.
 *
 * Its ABI, which ssearch.mjs and nothing else relies on:
 *   exports memory; ss_alloc(n) -> ptr; ss_free(ptr);
 *   ss_search(query, query_len, db, db_len, opts, opts_len) -> report,
 *     a NUL-terminated BLAST XML report the caller frees with ss_free,
 *     or 0 on error, then ss_error() -> the message, NUL-terminated;
 *   imports env.ss_progress(done, total), told every few database
 *     sequences; nothing else (no WASI, no Emscripten runtime).
 * opts is text of key=value lines, the task's options, and a line
 * database=NAME, the database's file name, which the report names as
 * ct-ssearch names the file it was given (its base name).
 *
 * Running out of memory ends the program in util.c (ct_die): here that
 * is a trap, which ssearch.mjs reports as an error of the run.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "ssearch.h"

#define EXPORT(name) __attribute__((export_name(name), used))

__attribute__((import_module("env"), import_name("ss_progress")))
extern void ss_progress(int done, int total);

/* The exports, declared for -Wmissing-prototypes: nothing includes them. */
void *ss_alloc(size_t n);
void ss_free(void *p);
const char *ss_error(void);
char *ss_search_wasm(const char *query, size_t qlen, const char *db,
    size_t dblen, const char *opts, size_t optslen);

static char last_error[512];

/*
 * Emscripten's malloc tells its JavaScript runtime when memory grows;
 * there is none here, and the module's memory export is read afresh after
 * every call (ssearch.mjs), so the news is dropped here rather than
 * imported.
 */
void emscripten_notify_memory_growth(size_t index);
void
emscripten_notify_memory_growth(size_t index)
{
	(void)index;
}

noreturn void
ct_die(int code, const char *fmt, ...)
{
	(void)code;
	(void)fmt;
	__builtin_trap();
}

/* Pairs done of total, scaled down to fit the import's i32s. */
static void
progress(void *arg, size_t done, size_t total)
{
	unsigned long long d = done, t = total, scale = t / 0x7fffffffULL + 1;

	(void)arg;
	ss_progress((int)(d / scale), (int)(t / scale));
}

EXPORT("ss_alloc") void *
ss_alloc(size_t n)
{
	return malloc(n ? n : 1);
}

EXPORT("ss_free") void
ss_free(void *p)
{
	free(p);
}

EXPORT("ss_error") const char *
ss_error(void)
{
	return last_error;
}

EXPORT("ss_search") char *
ss_search_wasm(const char *query, size_t qlen, const char *db, size_t dblen,
    const char *opts, size_t optslen)
{
	struct ss_opts o;
	struct buf rest = { 0 }, out = { 0 };
	const char *p = opts, *end = opts + optslen;
	char dbname[256] = "database";

	last_error[0] = '\0';
	ss_opts_default(&o);
	/* The database's name apart; the rest are the search's options. */
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t n;

		if (eol == NULL)
			eol = end;
		n = (size_t)(eol - p);
		if (n > 9 && memcmp(p, "database=", 9) == 0)
			snprintf(dbname, sizeof dbname, "%.*s", (int)(n - 9),
			    p + 9);
		else {
			buf_append(&rest, p, n);
			buf_append(&rest, "\n", 1);
		}
		p = eol < end ? eol + 1 : end;
	}
	if (ss_opts_parse(&o, rest.data, rest.len, last_error,
	    sizeof last_error) != 0 ||
	    ss_search(query, qlen, db, dblen, dbname, &o, progress, NULL, &out,
	    last_error, sizeof last_error) != 0) {
		buf_free(&rest);
		buf_free(&out);
		return NULL;
	}
	buf_free(&rest);
	return out.data;	/* NUL-terminated, as every buf */
}
