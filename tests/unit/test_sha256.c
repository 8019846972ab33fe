#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "util/cleanup.h"
#include "util/sha256.h"

static void hex_of(const void *data, size_t len, char out[SHA256_HEX_SIZE])
{
	uint8_t d[SHA256_DIGEST_SIZE];

	sha256_buf(data, len, d);
	sha256_hex(d, out);
}

/* FIPS 180-4 / NIST CSRC example vectors. */
static void test_fips_vectors(void **state)
{
	static const struct {
		const char *in, *out;
	} v[] = {
		{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
		{ "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrs"
		  "mnopqrstnopqrstu",
		  "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1" },
	};
	char hex[SHA256_HEX_SIZE];

	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		hex_of(v[i].in, strlen(v[i].in), hex);
		assert_string_equal(hex, v[i].out);
	}
}

static void test_million_a_incremental(void **state)
{
	struct sha256 s;
	uint8_t d[SHA256_DIGEST_SIZE];
	char hex[SHA256_HEX_SIZE], chunk[1000];

	memset(chunk, 'a', sizeof(chunk));
	sha256_init(&s);
	/* Odd chunk sizes cross every block boundary case. */
	for (size_t done = 0, step = 1; done < 1000000; step = step % 997 + 1) {
		size_t n = 1000000 - done < step ? 1000000 - done : step;

		sha256_update(&s, chunk, n);
		done += n;
	}
	sha256_final(&s, d);
	sha256_hex(d, hex);
	assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* Lengths around the 55/56/64-byte padding edges, split vs one-shot. */
static void test_padding_edges(void **state)
{
	char buf[200];

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (char)(i * 7 + 1);
	for (size_t len = 0; len < sizeof(buf); len++) {
		char a[SHA256_HEX_SIZE], b[SHA256_HEX_SIZE];
		uint8_t d[SHA256_DIGEST_SIZE];
		struct sha256 s;

		hex_of(buf, len, a);
		sha256_init(&s);
		sha256_update(&s, buf, len / 3);
		sha256_update(&s, buf + len / 3, len - len / 3);
		sha256_final(&s, d);
		sha256_hex(d, b);
		assert_string_equal(a, b);
	}
	char hex[SHA256_HEX_SIZE];

	/* 56 bytes forces a second padding block. */
	hex_of("01234567890123456789012345678901234567890123456789012345", 56, hex);
	assert_string_equal(hex, "83aa034bda83e458a0dc9cbce0d4e354716aa0ff770ed37ac0ed2b292052e4af");
	/* Exactly one block of data, padding in a block of its own. */
	memset(buf, 'x', 64);
	hex_of(buf, 64, hex);
	assert_string_equal(hex, "7ce100971f64e7001e8fe5a51973ecdfe1ced42befe7ee8d5fd6219506b5393c");
}

static void test_fd(void **state)
{
	char path[] = "/tmp/taper-test-sha.XXXXXX";
	_cleanup_close_ int fd = mkstemp(path);
	uint8_t d[SHA256_DIGEST_SIZE];
	char hex[SHA256_HEX_SIZE];
	uint64_t size = 0;

	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(write(fd, "abc", 3), 3);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(sha256_fd(fd, d, &size), 0);
	sha256_hex(d, hex);
	assert_int_equal(size, 3);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fips_vectors),
		cmocka_unit_test(test_million_a_incremental),
		cmocka_unit_test(test_padding_edges),
		cmocka_unit_test(test_fd),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
