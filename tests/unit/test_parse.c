#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "util/parse.h"

static void test_size(void **state)
{
	uint64_t v;

	assert_int_equal(parse_size("1024", &v), 0);
	assert_int_equal(v, 1024);
	assert_int_equal(parse_size("256M", &v), 0);
	assert_int_equal(v, 256ull << 20);
	assert_int_equal(parse_size("1g", &v), 0);
	assert_int_equal(v, 1ull << 30);
	assert_int_equal(parse_size("512KiB", &v), 0);
	assert_int_equal(v, 512ull << 10);
	assert_int_equal(parse_size("2TB", &v), 0);
	assert_int_equal(v, 2ull << 40);
	assert_int_equal(parse_size("100b", &v), 0);
	assert_int_equal(v, 100);
	assert_int_equal(parse_size("-1M", &v), -EINVAL);
	assert_int_equal(parse_size("", &v), -EINVAL);
	assert_int_equal(parse_size("12Q", &v), -EINVAL);
	assert_int_equal(parse_size("1MX", &v), -EINVAL);
	assert_int_equal(parse_size(" 1M", &v), -EINVAL);
	assert_int_equal(parse_size("99999999999999999999", &v), -ERANGE);
	assert_int_equal(parse_size("99999999999T", &v), -ERANGE);
}

static void test_ints(void **state)
{
	uint64_t u;
	int64_t i;
	uint32_t w;

	assert_int_equal(parse_u64_range("5", 1, 10, &u), 0);
	assert_int_equal(u, 5);
	assert_int_equal(parse_u64_range("0", 1, 10, &u), -ERANGE);
	assert_int_equal(parse_u64_range("11", 1, 10, &u), -ERANGE);
	assert_int_equal(parse_u64("+5", &u), -EINVAL);
	assert_int_equal(parse_u64("5x", &u), -EINVAL);
	assert_int_equal(parse_i64("-42", &i), 0);
	assert_int_equal(i, -42);
	assert_int_equal(parse_i64("-", &i), -EINVAL);
	assert_int_equal(parse_u32("4294967296", &w), -ERANGE);
	assert_int_equal(parse_u32("4294967295", &w), 0);
}

static void test_bool(void **state)
{
	bool b;

	assert_int_equal(parse_bool("yes", &b), 0);
	assert_true(b);
	assert_int_equal(parse_bool("0", &b), 0);
	assert_false(b);
	assert_int_equal(parse_bool("OFF", &b), 0);
	assert_false(b);
	assert_int_equal(parse_bool("2", &b), -EINVAL);
}

static void test_cpus(void **state)
{
	uint64_t m;

	assert_int_equal(parse_cpus("1.5", &m), 0);
	assert_int_equal(m, 1500000);
	assert_int_equal(parse_cpus("0.5", &m), 0);
	assert_int_equal(m, 500000);
	assert_int_equal(parse_cpus("2", &m), 0);
	assert_int_equal(m, 2000000);
	assert_int_equal(parse_cpus("0", &m), -ERANGE);
	assert_int_equal(parse_cpus("-1", &m), -EINVAL);
	assert_int_equal(parse_cpus("1.", &m), -EINVAL);
	assert_int_equal(parse_cpus("0.0000001", &m), -EINVAL);
}

static void test_cpu_list(void **state)
{
	unsigned max;

	assert_int_equal(parse_cpu_list("0-1", 2, &max), 0);
	assert_int_equal(max, 1);
	assert_int_equal(parse_cpu_list("0,2-3,7", 8, &max), 0);
	assert_int_equal(max, 7);
	assert_int_equal(parse_cpu_list("0-2", 2, &max), -ERANGE);
	assert_int_equal(parse_cpu_list("3-1", 8, &max), -EINVAL);
	assert_int_equal(parse_cpu_list("1,1", 8, &max), -EINVAL);
	assert_int_equal(parse_cpu_list("", 8, &max), -EINVAL);
	assert_int_equal(parse_cpu_list("0,", 8, &max), -EINVAL);
	assert_int_equal(parse_cpu_list("a", 8, &max), -EINVAL);
}

/* The kernel's own list format, as the cgroup layer reads it back. */
static void test_cpu_set_kernel(void **state)
{
	unsigned char bits[2];
	unsigned id;

	assert_int_equal(parse_cpu_set("5,0-1,1\n", 16, CPU_LIST_KERNEL, bits, &id), 0);
	assert_int_equal(bits[0], 0x23);
	assert_int_equal(bits[1], 0);
	assert_int_equal(id, 5);
	/* The same text is refused where a user typed it. */
	assert_int_equal(parse_cpu_set("5,0-1,1\n", 16, 0, bits, &id), -EINVAL);
	assert_int_equal(parse_cpu_set(" \n", 16, CPU_LIST_KERNEL, bits, &id), 0);
	assert_int_equal(bits[0], 0);
	assert_int_equal(parse_cpu_set("", 16, CPU_LIST_KERNEL, bits, NULL), 0);
	assert_int_equal(parse_cpu_set("", 16, 0, bits, NULL), -EINVAL);
	assert_int_equal(parse_cpu_set("0-1 ", 16, CPU_LIST_KERNEL, bits, NULL), -EINVAL);
	assert_int_equal(parse_cpu_set("1-x", 16, CPU_LIST_KERNEL, bits, NULL), -EINVAL);
	/* Past the end: the first id out of range, the bits below it set. */
	assert_int_equal(parse_cpu_set("14-20", 16, CPU_LIST_KERNEL, bits, &id), -ERANGE);
	assert_int_equal(id, 16);
	assert_int_equal(bits[1], 0xc0);
	assert_int_equal(parse_cpu_set("0,30", 16, CPU_LIST_KERNEL, bits, &id), -ERANGE);
	assert_int_equal(id, 30);
	/* parse_cpu_list() leaves ret_max alone on failure. */
	id = 99;
	assert_int_equal(parse_cpu_list("0-20", 16, &id), -ERANGE);
	assert_int_equal(id, 99);
}

static void test_names(void **state)
{
	assert_true(name_is_valid("web1"));
	assert_true(name_is_valid("una-caja"));
	assert_true(name_is_valid("A.b_c-9"));
	assert_false(name_is_valid(""));
	assert_false(name_is_valid(".hidden"));
	assert_false(name_is_valid("-x"));
	assert_false(name_is_valid("../etc"));
	assert_false(name_is_valid("a/b"));
	assert_false(name_is_valid("a b"));
	assert_false(name_is_valid("caf\xc3\xa9"));
	assert_true(name_is_valid("a123456789012345678901234567890123456789012345678901234567890123"));
	assert_false(name_is_valid("a1234567890123456789012345678901234567890123456789012345678901234"));
	/* Groups: OCI's cgroupsPath absolute or relative, of names. */
	assert_true(cgroup_path_is_valid("s1/c1"));
	assert_true(cgroup_path_is_valid("/kubepods/besteffort/pod1-2/c.3"));
	assert_true(cgroup_path_is_valid("c1"));
	/* podman's: longer than a container name may be. */
	assert_true(cgroup_path_is_valid(
		"/libpod_parent/libpod-6fd252eb9f4108df9f9d561cb8ad91ecb29c1e3f9b9d208364b658942"
		"5ee3dae"));
	assert_false(cgroup_path_is_valid(NULL));
	assert_false(cgroup_path_is_valid("/"));
	assert_false(cgroup_path_is_valid("//a"));
	assert_false(cgroup_path_is_valid("/a//b"));
	assert_false(cgroup_path_is_valid("/a/"));
	assert_false(cgroup_path_is_valid("/a/../b"));
	assert_false(cgroup_path_is_valid("/a/./b"));
	assert_false(cgroup_path_is_valid("system.slice:taper:c1"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_size),           cmocka_unit_test(test_ints),
		cmocka_unit_test(test_bool),           cmocka_unit_test(test_cpus),
		cmocka_unit_test(test_cpu_list),       cmocka_unit_test(test_names),
		cmocka_unit_test(test_cpu_set_kernel),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
