#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "util/err.h"

static void test_set_appends_strerror(void **state)
{
	struct taper_err err = { 0 };

	assert_int_equal(err_set(&err, ENOENT, "open %s", "/x"), -ENOENT);
	assert_int_equal(err.code, ENOENT);
	assert_string_equal(err.msg, "open /x: No such file or directory");
}

static void test_set_plain_message_is_einval(void **state)
{
	struct taper_err err = { 0 };

	assert_int_equal(err_set(&err, 0, "bad value %d", 3), -EINVAL);
	assert_string_equal(err.msg, "bad value 3");
	assert_int_equal(err_set(&err, -EPERM, "mount"), -EPERM);
	assert_string_equal(err.msg, "mount: Operation not permitted");
}

static void test_wrap_prefixes_each_layer(void **state)
{
	struct taper_err err = { 0 };

	err_set(&err, EEXIST, "netlink");
	assert_int_equal(err_wrap(&err, "create veth"), -EEXIST);
	err_wrap(&err, "start %s", "web1");
	assert_string_equal(err.msg, "start web1: create veth: netlink: File exists");
}

static void test_null_err_returns_code(void **state)
{
	assert_int_equal(err_set(NULL, EBUSY, "x"), -EBUSY);
	assert_int_equal(err_wrap(NULL, "y"), -EINVAL);
}

static void test_truncates_long_messages(void **state)
{
	struct taper_err err = { 0 };
	char big[3000];

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	err_set(&err, EIO, "%s", big);
	assert_int_equal(strlen(err.msg), sizeof(err.msg) - 1);
	err_wrap(&err, "ctx");
	assert_int_equal(strncmp(err.msg, "ctx: aaa", 8), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_appends_strerror),
		cmocka_unit_test(test_set_plain_message_is_einval),
		cmocka_unit_test(test_wrap_prefixes_each_layer),
		cmocka_unit_test(test_null_err_returns_code),
		cmocka_unit_test(test_truncates_long_messages),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
