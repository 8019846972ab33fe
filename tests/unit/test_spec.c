#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/resource.h>
#include <cmocka.h>

#include "spec/spec.h"
#include "util/strv.h"

static void test_defaults_are_secure(void **state)
{
	struct taper_spec *s = spec_new();
	uint64_t caps = taper_caps_default();

	assert_non_null(s);
	assert_int_equal(s->namespaces & TAPER_NS_USER, 0);
	assert_int_not_equal(s->namespaces & TAPER_NS_PID, 0);
	assert_int_not_equal(s->namespaces & TAPER_NS_NET, 0);
	assert_true(s->process.no_new_privs);
	assert_string_equal(s->process.seccomp, "default");
	assert_true(s->process.caps.bounding == caps);
	assert_true(s->process.caps.effective == caps);
	assert_true(s->process.caps.inheritable == 0);
	assert_true(s->process.caps.ambient == 0);
	assert_false(caps & (UINT64_C(1) << CAP_SYS_ADMIN));
	assert_true(caps & (UINT64_C(1) << CAP_NET_BIND_SERVICE));
	assert_int_equal(__builtin_popcountll(caps), 14);
	assert_true(strv_contains(s->masked_paths, "/proc/kcore"));
	assert_true(strv_contains(s->readonly_paths, "/proc/sys"));
	assert_int_equal(s->limits.memory_max, TAPER_UNSET);
	spec_free(s);
}

static void test_caps_add_drop(void **state)
{
	struct taper_caps c = { .inheritable = 1u << 3, .ambient = 1u << 3 };

	taper_caps_add(&c, (1u << 3) | (1u << 5));
	assert_true(c.bounding == 0x28 && c.effective == 0x28 && c.permitted == 0x28);
	assert_true(c.inheritable == 0x8 && c.ambient == 0x8);
	taper_caps_drop(&c, 1u << 3);
	assert_true(c.bounding == 0x20 && c.effective == 0x20 && c.permitted == 0x20);
	assert_true(c.inheritable == 0 && c.ambient == 0);
}

static void test_caps_by_name(void **state)
{
	assert_int_equal(taper_cap_from_name("CAP_NET_ADMIN"), CAP_NET_ADMIN);
	assert_int_equal(taper_cap_from_name("net_admin"), CAP_NET_ADMIN);
	assert_int_equal(taper_cap_from_name("SYS_ADMIN"), CAP_SYS_ADMIN);
	assert_int_equal(taper_cap_from_name("CAP_BOGUS"), -EINVAL);
	assert_int_equal(taper_cap_from_name("12"), -EINVAL);
	assert_int_equal(taper_cap_from_name("cap_"), -EINVAL);
	assert_int_equal(taper_cap_from_name(""), -EINVAL);
	assert_int_equal(taper_cap_from_name("Cap_Checkpoint_Restore"), CAP_CHECKPOINT_RESTORE);
	/* Every name the table prints is read back (no libcap behind it). */
	for (int cap = 0; taper_cap_to_name(cap); cap++)
		assert_int_equal(taper_cap_from_name(taper_cap_to_name(cap)), cap);
	assert_string_equal(taper_cap_to_name(CAP_KILL), "CAP_KILL");
	assert_null(taper_cap_to_name(99));
	assert_true(taper_cap_last() >= CAP_AUDIT_READ);
}

static void test_ns_table(void **state)
{
	assert_string_equal(taper_ns_name(TAPER_NS_MNT), "mnt");
	assert_string_equal(taper_ns_name(TAPER_NS_CGROUP), "cgroup");
	assert_null(taper_ns_name(3));
	assert_int_not_equal(taper_ns_clone_flag(TAPER_NS_USER), 0);
}

static void test_append_helpers(void **state)
{
	struct taper_spec *s = spec_new();
	struct taper_netif *n = NULL;

	assert_int_equal(spec_add_mount(s, "/a", "/b", NULL, NULL, TAPER_MOUNT_BIND), 0);
	assert_int_equal(s->n_mounts, 1);
	assert_string_equal(s->mounts[0].target, "/b");
	assert_int_equal(spec_set_rlimit(s, RLIMIT_NOFILE, 10, 20), 0);
	assert_int_equal(spec_set_rlimit(s, RLIMIT_NPROC, 1, 2), 0);
	assert_int_equal(s->process.n_rlimits, 2);
	assert_int_equal(s->process.rlimits[0].hard, 20);
	assert_int_equal(spec_add_idmap(&s->uid_map, &s->n_uid_map, 0, 100000, 65536), 0);
	assert_int_equal(s->uid_map[0].host_id, 100000);
	assert_int_equal(spec_add_netif(s, TAPER_NETIF_VETH, &n), 0);
	assert_int_equal(n->type, TAPER_NETIF_VETH);
	spec_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_are_secure), cmocka_unit_test(test_caps_by_name),
		cmocka_unit_test(test_caps_add_drop),       cmocka_unit_test(test_ns_table),
		cmocka_unit_test(test_append_helpers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
