/*
 * blobstore.h: files kept by their content, each named by its SHA-256
 * (sha256.h), in one directory: ct-serve's blobs/ (the BLAST databases
 * volunteers fetch, and later the code they run), and ct-volunteer's
 * cache, which verifies what it fetched by the same names. A blob is
 * written whole in a temporary directory, fsynced, and renamed to its
 * digest, never over another: two writers of one content make one blob,
 * and a name always holds the content it names.
 *
 * A manifest is a blob that names others: a set of files, each a name
 * (one component, never a path) and the blob that is its content, as
 * JSON (cputorrent-volunteer(7), Blobs). A BLAST database travels as one,
 * and a FASTA database (ct-ssearch(1)) as one of one file.
 *
 * Errors: nothing here prints; functions return -1 with errno set, or,
 * for the manifests, the reason in why.
 */
#ifndef CT_BLOBSTORE_H
#define CT_BLOBSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sha256.h"

/* The largest manifest, and the most files one names. */
#define MANIFEST_MAX_SIZE (64 * 1024)
#define MANIFEST_MAX_FILES 32
/* The longest file name in a manifest. */
#define MANIFEST_NAME_MAX 64

/*
 * Copy fd to its end, at most max bytes, into blobs/ (a directory
 * descriptor), staged in tmp/: its digest into id, its size into *size.
 * A blob already there is kept as it is. Returns 0, or -1 with errno set
 * (EFBIG: over max), leaving nothing behind.
 */
int blob_put_fd(int blobs, int tmp, int fd, uint64_t max,
    char id[SHA256_HEX_LEN + 1], uint64_t *size);

/* blob_put_fd of data[0..len). */
int blob_put(int blobs, int tmp, const void *data, size_t len,
    char id[SHA256_HEX_LEN + 1]);

/*
 * Open blob id for reading: its descriptor in *fd, its size in *size.
 * Returns 0; 1 if there is no such blob (or id is not a digest); -1.
 */
int blob_open(int blobs, const char *id, int *fd, uint64_t *size);

/*
 * Put the FASTA database at path (one file, for ct-ssearch(1)) into
 * blobs/: the file, then its manifest, of kind "fasta", naming it by its
 * base name, whose ID goes into id. Returns 0, or -1 with the reason in
 * why.
 */
int blob_put_fasta(int blobs, int tmp, const char *path, uint64_t max,
    char id[SHA256_HEX_LEN + 1], char *why, size_t whylen);

/* One file of a manifest. */
struct manifest_file {
	char name[MANIFEST_NAME_MAX + 1];
	char blob[SHA256_HEX_LEN + 1];
	uint64_t size;
};

/*
 * A manifest: what kind of set it is ("blastdb", "component"), its
 * files, and for a component the file that is its entry module.
 */
struct manifest {
	char kind[17];
	char entry[MANIFEST_NAME_MAX + 1];	/* "" if none */
	size_t n;
	struct manifest_file files[MANIFEST_MAX_FILES];
};

/*
 * Whether s may name a file of a manifest: 1 to MANIFEST_NAME_MAX of
 * [A-Za-z0-9._-], not starting with '.': one component, never a path.
 */
bool manifest_name_valid(const char *s);

/*
 * Parse and check the manifest data[0..len) into *m: JSON
 * {"kind": K, "files": [{"name": N, "blob": ID, "size": S}, ...]}, each
 * name valid and once, each blob a digest, sizes at most max_size in
 * all; and an "entry", one of its files' names, that a "component" must
 * have. Returns 0, or -1 with the reason in why.
 */
int manifest_parse(const char *data, size_t len, uint64_t max_size,
    struct manifest *m, char *why, size_t whylen);

/*
 * Put the BLAST database at path prefix (the -db of blastp: its files
 * PREFIX.pin, PREFIX.phr, ...) into blobs/: each of its files, then its
 * manifest, of kind "blastdb", whose ID goes into id. A file larger than
 * max is refused. Returns 0, or -1 with the reason in why.
 */
int blob_put_blastdb(int blobs, int tmp, const char *prefix, uint64_t max,
    char id[SHA256_HEX_LEN + 1], char *why, size_t whylen);

/*
 * The manifest that is blob id, parsed and checked (manifest_parse) into
 * *m. Returns 0; 1 if there is no such blob; -1 with the reason in why.
 */
int blob_manifest(int blobs, const char *id, struct manifest *m, char *why,
    size_t whylen);

/* The manifest's JSON, keys sorted, files in their order; allocated. */
char *manifest_text(const struct manifest *m);

/*
 * The manifest of kind "component" of the regular files in directory dir
 * (each at most max bytes; no subdirectory, no other kind of file), its
 * entry the one file whose name ends in ".mjs": each file's blob ID
 * computed, nothing stored. Returns 0, or -1 with the reason in why.
 */
int manifest_of_component(const char *dir, uint64_t max, struct manifest *m,
    char *why, size_t whylen);

#endif
