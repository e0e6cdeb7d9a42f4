/*
 * sha256.h: SHA-256 digests as ct-serve and ct-volunteer name blobs by
 * them (blobstore.h), 64 lower-case hexadecimal digits, computed by
 * GNU Nettle: a well-kept implementation, not one of our own. Only the
 * programs that name blobs link it (-lnettle).
 *
 * Errors: nothing here prints; sha256_fd returns -1 with errno set.
 */
#ifndef CT_SHA256_H
#define CT_SHA256_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <nettle/sha2.h>

#include "charset.h"

/* The hexadecimal digest's length, without its NUL. */
#define SHA256_HEX_LEN 64

/* A digest being computed: sha256_begin, sha256_add..., sha256_end. */
struct sha256 {
	struct sha256_ctx ctx;
};

void sha256_begin(struct sha256 *h);
void sha256_add(struct sha256 *h, const void *data, size_t len);

/* The digest of everything added, as SHA256_HEX_LEN digits and a NUL. */
void sha256_end(struct sha256 *h, char out[SHA256_HEX_LEN + 1]);

/* The digest of data[0..len) into out. */
void sha256_of(const void *data, size_t len, char out[SHA256_HEX_LEN + 1]);

/*
 * Read fd to its end, at most max bytes, copying what it reads to copy_to
 * (if it is not -1): its digest into out, its size into *size. Returns
 * 0; -1 with errno set (EFBIG: more than max bytes).
 */
int sha256_fd(int fd, int copy_to, uint64_t max, char out[SHA256_HEX_LEN + 1],
    uint64_t *size);

/*
 * Whether s is a digest as these functions write them: 64 of [0-9a-f].
 * Inline, so that a program that only checks names links no Nettle.
 */
static inline bool
sha256_hex_valid(const char *s)
{
	return chars_only(s, "0123456789abcdef", SHA256_HEX_LEN,
	    SHA256_HEX_LEN);
}

#endif
