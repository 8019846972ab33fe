/* The one "key = value" reader (util/kv.h). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "util/cleanup.h"
#include "util/kv.h"

/* Each line of text as "LINENO|KEY|VALUE" ("LINENO|#|RAW" for a comment),
 * joined by '\n'; or the error message. */
static char *read_all(const char *text, size_t max_line)
{
	_cleanup_(kv_reader_done) struct kv_reader kv = { 0 };
	struct taper_err err = { 0 };
	char *out = calloc(1, 1);
	int r;

	kv_reader_init(&kv, text, "/s/f", max_line);
	while ((r = kv_next(&kv, &err)) > 0) {
		char *n = NULL;

		if (kv.key)
			assert_true(asprintf(&n, "%s%u|%s|%s\n", out, kv.lineno, kv.key, kv.value) > 0);
		else
			assert_true(asprintf(&n, "%s%u|#|%.*s\n", out, kv.lineno, (int)kv.raw_len, kv.raw) >
				    0);
		free(out);
		out = n;
	}
	if (r < 0) {
		assert_int_equal(r, -EINVAL);
		free(out);
		out = strdup(err.msg);
	}
	return out;
}

#define assert_reads(text, max, want)                           \
	do {                                                    \
		_cleanup_free_ char *got = read_all(text, max); \
		assert_string_equal(got, want);                 \
	} while (0)

static void test_syntax(void **state)
{
	assert_reads("", 0, "");
	assert_reads("a = 1\n", 0, "1|a|1\n");
	/* Blanks around key and value go; '=' and blanks inside the value
	 * stay; CRs before the line end go; no final newline is needed. */
	assert_reads("# c\n\n  \t\n\t# indented\n \tkey.x\t=  A=b c \r\r\nk=\ny = last", 0,
		     "1|#|# c\n2|#|\n3|#|  \t\n4|#|\t# indented\n5|key.x|A=b c\n6|k|\n7|y|last\n");
	/* A '#' after a key is part of the value: no trailing comments. */
	assert_reads("a = b # c\n", 0, "1|a|b # c\n");
	/* The text ends at a NUL. */
	assert_reads("a = 1\0b = 2\n", 0, "1|a|1\n");
}

static void test_malformed(void **state)
{
	assert_reads("a = 1\n\nnot a pair\n", 0, "/s/f:3: expected \"key = value\"");
	assert_reads(" = 1\n", 0, "/s/f:1: missing key before '='");
	assert_reads("\t=\n", 0, "/s/f:1: missing key before '='");
}

static void test_line_length(void **state)
{
	_cleanup_free_ char *at = NULL, *over = NULL;

	/* At the limit it reads; one byte more is an error naming the line
	 * and the key, never a value cut short. */
	assert_reads("k = 12345\n", 9, "1|k|12345\n");
	assert_reads("k = 123456\n", 9, "/s/f:1: k: line longer than 9 bytes");
	assert_reads("k = 12345\r\n", 9, "1|k|12345\n");
	assert_reads("0123456789\n", 9, "/s/f:1: line longer than 9 bytes");
	/* A long comment is a line like any other. */
	assert_reads("# 34567890\n", 9, "/s/f:1: line longer than 9 bytes");

	assert_true(asprintf(&at, "a = 1\nlong = %0*d\n", KV_LINE_MAX - 7, 0) > 0);
	_cleanup_free_ char *got_at = read_all(at, 0);
	assert_int_equal(strlen(got_at), strlen("1|a|1\n2|long|\n") + KV_LINE_MAX - 7);
	assert_true(asprintf(&over, "a = 1\nlong = %0*d\n", KV_LINE_MAX - 6, 0) > 0);
	assert_reads(over, 0, "/s/f:2: long: line longer than 4096 bytes");
}

static void test_error_shape(void **state)
{
	_cleanup_(kv_reader_done) struct kv_reader kv = { 0 };
	struct taper_err err = { 0 };

	kv_reader_init(&kv, "# c\nmtu = 20\n", "/s/net", 0);
	assert_int_equal(kv_next(&kv, &err), 1);
	assert_int_equal(kv_error(&kv, &err, "not here"), -EINVAL);
	assert_string_equal(err.msg, "/s/net:1: not here");
	assert_int_equal(kv_next(&kv, &err), 1);
	assert_int_equal(kv_error(&kv, &err, "must be %d..%d", 68, 65535), -EINVAL);
	assert_string_equal(err.msg, "/s/net:2: mtu: must be 68..65535");
	assert_int_equal(kv_next(&kv, &err), 0);
	assert_int_equal(kv_next(&kv, &err), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_syntax),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_line_length),
		cmocka_unit_test(test_error_shape),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
