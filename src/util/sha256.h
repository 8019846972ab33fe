/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sha256.h — SHA-256 (FIPS 180-4) for verifying content-addressed blobs.
 *
 * Incremental: sha256_init, any number of sha256_update, sha256_final.
 * sha256_fd() hashes a whole fd from its current offset; sha256_hex()
 * formats a digest as 64 lower-case hex characters plus NUL. No
 * allocation; the state lives on the caller's stack.
 */
#ifndef TAPER_UTIL_SHA256_H
#define TAPER_UTIL_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_SIZE 32
#define SHA256_HEX_SIZE 65

struct sha256 {
	uint32_t h[8];
	uint64_t len; /* bytes hashed so far */
	uint8_t buf[64];
	size_t fill;
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
void sha256_final(struct sha256 *s, uint8_t out[SHA256_DIGEST_SIZE]);

/* One-shot helpers. sha256_fd returns 0 or -errno; ret_size may be NULL. */
void sha256_buf(const void *data, size_t len, uint8_t out[SHA256_DIGEST_SIZE]);
int sha256_fd(int fd, uint8_t out[SHA256_DIGEST_SIZE], uint64_t *ret_size);
void sha256_hex(const uint8_t digest[SHA256_DIGEST_SIZE], char out[SHA256_HEX_SIZE]);

#endif
