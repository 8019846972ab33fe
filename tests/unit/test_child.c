#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "util/child.h"
#include "util/cleanup.h"
#include "util/err.h"

static int parent_pid;

static int say_pid(void *arg, char **ret_out, struct taper_err *err)
{
	/* Runs in another process: its pid is not the caller's. */
	if (getpid() == parent_pid)
		return taper_err_set(err, 0, "ran in the caller");
	if (ret_out && asprintf(ret_out, "%s %d", (const char *)arg, 42) < 0)
		return -ENOMEM;
	return 7;
}

static int refuse(void *arg, char **ret_out, struct taper_err *err)
{
	return taper_err_set(err, EACCES, "open %s", (const char *)arg);
}

static int quiet_enoent(void *arg, char **ret_out, struct taper_err *err)
{
	return -ENOENT;
}

static int crash(void *arg, char **ret_out, struct taper_err *err)
{
	raise(SIGKILL);
	return 0;
}

static void test_output_and_value_come_back(void **state)
{
	struct taper_err err = { 0 };
	_cleanup_free_ char *out = NULL;

	parent_pid = getpid();
	assert_int_equal(fork_call(say_pid, "hello", &out, &err), 7);
	assert_string_equal(out, "hello 42");
	assert_int_equal(fork_call(say_pid, "x", NULL, &err), 7);
}

static void test_error_comes_back(void **state)
{
	struct taper_err err = { 0 };

	assert_int_equal(fork_call(refuse, "/x", NULL, &err), -EACCES);
	assert_int_equal(err.code, EACCES);
	assert_string_equal(err.msg, "open /x: Permission denied");
}

static void test_quiet_error_leaves_err_alone(void **state)
{
	struct taper_err err = { .code = 1, .msg = "before" };

	assert_int_equal(fork_call(quiet_enoent, NULL, NULL, &err), -ENOENT);
	assert_string_equal(err.msg, "before");
}

static void test_dead_child_is_an_error(void **state)
{
	struct taper_err err = { 0 };

	assert_int_equal(fork_call(crash, NULL, NULL, &err), -EIO);
	assert_non_null(strstr(err.msg, "died"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_output_and_value_come_back),
		cmocka_unit_test(test_error_comes_back),
		cmocka_unit_test(test_quiet_error_leaves_err_alone),
		cmocka_unit_test(test_dead_child_is_an_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
