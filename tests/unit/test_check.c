#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "check/check-internal.h"

static void test_kconfig(void **state)
{
	static const char text[] = "#\n"
				   "# Automatically generated file; DO NOT EDIT.\n"
				   "CONFIG_USER_NS=y\n"
				   "CONFIG_VETH=m\n"
				   "# CONFIG_CGROUP_RDMA is not set\n"
				   "CONFIG_LOCALVERSION=\"-fc\"\n"
				   "CONFIG_NR_CPUS=64\n"
				   "# CONFIG_ weird is not set\n"
				   "NOT_CONFIG=y\n"
				   "CONFIG_BAD NAME=y\n"
				   "\n"
				   "CONFIG_LAST=y"; /* no final newline */
	struct kconfig k = {};

	assert_int_equal(kconfig_parse(strdup(text), &k), 0);
	assert_int_equal(k.n, 6);
	assert_string_equal(kconfig_get(&k, "CONFIG_USER_NS"), "y");
	assert_string_equal(kconfig_get(&k, "CONFIG_VETH"), "m");
	assert_string_equal(kconfig_get(&k, "CONFIG_CGROUP_RDMA"), "n");
	assert_string_equal(kconfig_get(&k, "CONFIG_LOCALVERSION"), "\"-fc\"");
	assert_string_equal(kconfig_get(&k, "CONFIG_NR_CPUS"), "64");
	assert_string_equal(kconfig_get(&k, "CONFIG_LAST"), "y");
	assert_null(kconfig_get(&k, "CONFIG_MISSING"));
	assert_null(kconfig_get(&k, "NOT_CONFIG"));
	assert_null(kconfig_get(&k, "CONFIG_BAD"));
	kconfig_clear(&k);

	assert_int_equal(kconfig_parse(strdup(""), &k), 0);
	assert_int_equal(k.n, 0);
	assert_null(kconfig_get(&k, "CONFIG_USER_NS"));
	kconfig_clear(&k);
}

static void test_subsys(void **state)
{
	static const char text[] = "#subsys_name\thierarchy\tnum_cgroups\tenabled\n"
				   "cpuset\t3\t1\t1\n"
				   "memory\t4\t23\t1\n"
				   "hugetlb\t0\t1\t1\n"
				   "net_cls\t0\t1\t0\n";
	struct cg_subsys *s = NULL;
	size_t n = 0;

	assert_int_equal(cg_subsys_parse(text, &s, &n), 0);
	assert_int_equal(n, 4);
	assert_string_equal(s[1].name, "memory");
	assert_int_equal(s[1].hierarchy, 4);
	assert_true(s[1].enabled);
	assert_int_equal(s[2].hierarchy, 0);
	assert_false(s[3].enabled);
	free(s);

	assert_int_equal(cg_subsys_parse("memory 4 x 1\n", &s, &n), -EINVAL);
	assert_int_equal(cg_subsys_parse("memory 4 1 1 extra\n", &s, &n), -EINVAL);
	assert_int_equal(cg_subsys_parse("memory 4 1 2\n", &s, &n), -EINVAL);
}

/* The table is the documentation: walk it. */
static void test_probe_table(void **state)
{
	static const char *const required[] = {
		"ns.pid",       "ns.mount",         "ns.uts",   "ns.ipc",     "ns.net",
		"ns.cgroup",    "cgroup.hierarchy", "net.veth", "net.bridge", "seccomp",
		"no_new_privs", "pivot_root",       "clone3",   "openat2",    "cgroup.device_rules",
	};
	size_t n, n_required = 0;
	const struct check_probe *p = check_probes(&n);

	assert_true(n > 30);
	for (size_t i = 0; i < n; i++) {
		assert_non_null(p[i].name);
		assert_non_null(p[i].probe);
		assert_true(p[i].category < CHECK_CAT_MAX);
		assert_non_null(check_category_name(p[i].category));
		assert_true(p[i].purpose && strlen(p[i].purpose) > 5);
		assert_true(p[i].fix && strlen(p[i].fix) > 5);
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(p[i].name, p[j].name);
		/* Names travel through TAPER_CHECK_FORCE_FAIL and JSON. */
		assert_null(strpbrk(p[i].name, ", \t\""));
		n_required += p[i].required;
	}
	assert_int_equal(n_required, sizeof(required) / sizeof(required[0]));
	for (size_t r = 0; r < sizeof(required) / sizeof(required[0]); r++) {
		bool found = false;

		for (size_t i = 0; i < n; i++)
			if (strcmp(p[i].name, required[r]) == 0) {
				assert_true(p[i].required);
				found = true;
			}
		assert_true(found);
	}
}

/* The test hook against the real probes. */
static void test_force_fail(void **state)
{
	struct check_options o = { .force_fail = "no_new_privs,,subuid" };
	struct check_report rep = {};
	struct taper_err err = {};
	size_t forced = 0;

	assert_int_equal(check_run(&o, &rep, &err), 0);
	for (size_t i = 0; i < rep.n_results; i++) {
		if (!rep.results[i].forced)
			continue;
		forced++;
		assert_false(rep.results[i].ok);
		assert_non_null(strstr(rep.results[i].detail, "forced to fail"));
	}
	assert_int_equal(forced, 2);
	assert_false(check_report_ok(&rep));
	check_report_clear(&rep);

	o.force_fail = "no_new_privs,no_such_probe";
	assert_int_equal(check_run(&o, &rep, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "no_such_probe"));
	assert_null(rep.results);
}

static int child_dies(const void *arg, char *msg, size_t len)
{
	raise(SIGKILL);
	return 0;
}

static int child_says(const void *arg, char *msg, size_t len)
{
	snprintf(msg, len, "%s", (const char *)arg);
	return -ENOENT;
}

static void test_child_runner(void **state)
{
	char msg[CHECK_DETAIL_MAX];

	assert_int_equal(check_in_child(child_says, "no such thing", msg, sizeof(msg)), -ENOENT);
	assert_string_equal(msg, "no such thing");
	assert_int_equal(check_in_child(child_dies, NULL, msg, sizeof(msg)), -EIO);
	assert_non_null(strstr(msg, "signal 9"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kconfig),      cmocka_unit_test(test_subsys),
		cmocka_unit_test(test_probe_table),  cmocka_unit_test(test_force_fail),
		cmocka_unit_test(test_child_runner),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
