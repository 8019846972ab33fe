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
	uint64_t caps = spec_caps_default();

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

/* The default device list: mknod of anything, the standard nodes, and no
 * rule that would let a disk or /dev/mem through. */
static void test_default_devices(void **state)
{
	struct taper_spec *s = spec_new();
	char buf[48];
	bool null = false, pts = false;

	assert_non_null(s);
	assert_true(s->limits.n_devices >= 10);
	for (size_t i = 0; i < s->limits.n_devices; i++) {
		const struct taper_device_rule *r = &s->limits.devices[i];

		assert_true(r->allow);
		assert_true(r->type == 'c' || r->type == 'b' ||
			    (r->type == 'a' && r->access == TAPER_DEV_MKNOD));
		/* Wildcard majors only for mknod. */
		if (r->major == TAPER_DEV_ANY)
			assert_int_equal(r->access, TAPER_DEV_MKNOD);
		assert_false(r->type == 'b' && (r->access & (TAPER_DEV_READ | TAPER_DEV_WRITE)));
		spec_format_device_rule(r, buf, sizeof(buf));
		null |= strcmp(buf, "c 1:3 rwm") == 0;
		pts |= strcmp(buf, "c 136:* rwm") == 0;
	}
	assert_true(null && pts);
	spec_free(s);
}

static void test_device_rule_syntax(void **state)
{
	static const char *const good[] = { "c 1:3 rwm", "b *:* m", "c 136:* rw", "a *:* r",
					    "c 4294967295:0 w" };
	static const char *const bad[] = {
		"",         "c",       "c 1:3",    "c 1:3 ",           "x 1:3 r",  "c 1 r",  "c 1:3 rwx",
		"c 1:3 rr", "a 1:3 r", "c -1:3 r", "c 4294967296:0 r", "c 1:3  r", "c1:3 r", "c 1:3 r m"
	};
	struct taper_device_rule r;
	char buf[48];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(spec_parse_device_rule(good[i], false, &r), 0);
		assert_false(r.allow);
		spec_format_device_rule(&r, buf, sizeof(buf));
		/* Round trip, access letters in rwm order. */
		if (strcmp(good[i], "c 136:* rw") != 0)
			assert_string_equal(buf, good[i]);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (spec_parse_device_rule(bad[i], true, &r) != -EINVAL)
			fail_msg("accepted \"%s\"", bad[i]);
	assert_int_equal(spec_parse_device_rule("a", true, &r), 0);
	assert_true(r.allow && r.type == 'a' && r.major == TAPER_DEV_ANY && r.access == TAPER_DEV_RWM);
	assert_int_equal(spec_parse_device_rule("c 136:* mw", true, &r), 0);
	spec_format_device_rule(&r, buf, sizeof(buf));
	assert_string_equal(buf, "c 136:* wm");
}

static void test_caps_add_drop(void **state)
{
	struct taper_caps c = { .inheritable = 1u << 3, .ambient = 1u << 3 };

	spec_caps_add(&c, (1u << 3) | (1u << 5));
	assert_true(c.bounding == 0x28 && c.effective == 0x28 && c.permitted == 0x28);
	assert_true(c.inheritable == 0x8 && c.ambient == 0x8);
	spec_caps_drop(&c, 1u << 3);
	assert_true(c.bounding == 0x20 && c.effective == 0x20 && c.permitted == 0x20);
	assert_true(c.inheritable == 0 && c.ambient == 0);
}

static void test_caps_by_name(void **state)
{
	assert_int_equal(spec_cap_from_name("CAP_NET_ADMIN"), CAP_NET_ADMIN);
	assert_int_equal(spec_cap_from_name("net_admin"), CAP_NET_ADMIN);
	assert_int_equal(spec_cap_from_name("SYS_ADMIN"), CAP_SYS_ADMIN);
	assert_int_equal(spec_cap_from_name("CAP_BOGUS"), -EINVAL);
	assert_int_equal(spec_cap_from_name("12"), -EINVAL);
	assert_int_equal(spec_cap_from_name("cap_"), -EINVAL);
	assert_int_equal(spec_cap_from_name(""), -EINVAL);
	assert_int_equal(spec_cap_from_name("Cap_Checkpoint_Restore"), CAP_CHECKPOINT_RESTORE);
	/* Every name the table prints is read back (no libcap behind it). */
	for (int cap = 0; spec_cap_to_name(cap); cap++)
		assert_int_equal(spec_cap_from_name(spec_cap_to_name(cap)), cap);
	assert_string_equal(spec_cap_to_name(CAP_KILL), "CAP_KILL");
	assert_null(spec_cap_to_name(99));
	assert_true(spec_cap_last() >= CAP_AUDIT_READ);
}

static void test_ns_table(void **state)
{
	assert_string_equal(spec_ns_name(TAPER_NS_MNT), "mnt");
	assert_string_equal(spec_ns_name(TAPER_NS_CGROUP), "cgroup");
	assert_null(spec_ns_name(3));
	assert_int_not_equal(spec_ns_clone_flag(TAPER_NS_USER), 0);
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
		cmocka_unit_test(test_append_helpers),      cmocka_unit_test(test_default_devices),
		cmocka_unit_test(test_device_rule_syntax),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
