/*
 * sha256.c: SHA-256 digests on Nettle (sha256.h).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "sha256.h"
#include "util.h"

static const char hex_digits[] = "0123456789abcdef";

void
sha256_begin(struct sha256 *h)
{
	sha256_init(&h->ctx);
}

void
sha256_add(struct sha256 *h, const void *data, size_t len)
{
	sha256_update(&h->ctx, len, data);
}

void
sha256_end(struct sha256 *h, char out[SHA256_HEX_LEN + 1])
{
	uint8_t d[SHA256_DIGEST_SIZE];
	size_t i;

	sha256_digest(&h->ctx, sizeof d, d);
	for (i = 0; i < sizeof d; i++) {
		out[2 * i] = hex_digits[d[i] >> 4];
		out[2 * i + 1] = hex_digits[d[i] & 0xf];
	}
	out[SHA256_HEX_LEN] = '\0';
}

void
sha256_of(const void *data, size_t len, char out[SHA256_HEX_LEN + 1])
{
	struct sha256 h;

	sha256_begin(&h);
	sha256_add(&h, data, len);
	sha256_end(&h, out);
}

int
sha256_fd(int fd, int copy_to, uint64_t max, char out[SHA256_HEX_LEN + 1],
    uint64_t *size)
{
	char b[65536];
	struct sha256 h;
	ssize_t n;

	*size = 0;
	sha256_begin(&h);
	for (;;) {
		n = read(fd, b, sizeof b);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		if ((uint64_t)n > max - *size) {
			errno = EFBIG;
			return -1;
		}
		*size += (uint64_t)n;
		sha256_add(&h, b, (size_t)n);
		if (copy_to >= 0 && write_all(copy_to, b, (size_t)n) != 0)
			return -1;
	}
	sha256_end(&h, out);
	return 0;
}
