#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "util/cleanup.h"
#include "util/strv.h"

static void test_split_and_copy(void **state)
{
	_cleanup_strv_free_ char **v = strv_split("a,,b,c,", ',');
	_cleanup_strv_free_ char **c = NULL;

	assert_non_null(v);
	assert_int_equal(strv_length(v), 3);
	assert_string_equal(v[1], "b");
	c = strv_copy(v);
	assert_int_equal(strv_length(c), 3);
	assert_true(strv_contains(c, "c"));
	assert_false(strv_contains(c, ""));
}

static void test_env_set_replaces(void **state)
{
	_cleanup_strv_free_ char **env = NULL;

	assert_int_equal(strv_env_set(&env, "A=1"), 0);
	assert_int_equal(strv_env_set(&env, "AB=2"), 0);
	assert_int_equal(strv_env_set(&env, "A=3"), 0);
	assert_int_equal(strv_length(env), 2);
	assert_string_equal(env[0], "A=3");
	assert_string_equal(env[1], "AB=2");
	assert_int_equal(strv_env_set(&env, "=x"), -EINVAL);
	assert_int_equal(strv_env_set(&env, "novalue"), -EINVAL);
}

static void test_pushf_appends_the_formatted_string(void **state)
{
	_cleanup_strv_free_ char **v = NULL;

	assert_int_equal(strv_pushf(&v, "%s=%s", "a", "1"), 0);
	assert_int_equal(strv_pushf(&v, "%s=%d", "b", 2), 0);
	assert_int_equal(strv_length(v), 2);
	assert_string_equal(v[0], "a=1");
	assert_string_equal(v[1], "b=2");
}

static void test_list_has_word(void **state)
{
	assert_true(list_has_word("cpu io memory pids\n", "pids", ' '));
	assert_true(list_has_word("cpu io memory pids\n", "cpu", ' '));
	assert_false(list_has_word("cpuset io\n", "cpu", ' '));
	assert_true(list_has_word("cpu,cpuacct", "cpuacct", ','));
	assert_false(list_has_word("", "cpu", ' '));
	assert_false(list_has_word(NULL, "cpu", ' '));
	assert_false(list_has_word("cpu", "", ' '));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_and_copy),
		cmocka_unit_test(test_env_set_replaces),
		cmocka_unit_test(test_pushf_appends_the_formatted_string),
		cmocka_unit_test(test_list_has_word),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
