/* `taper run` flags -> struct taper_spec (src/spec/flags.c): a pure
 * function, tested without running anything. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/capability.h>
#include <cmocka.h>

#include "spec/flags.h"
#include "spec/spec.h"
#include "util/strv.h"

#define ARGV(...) ((char *[]){ "run", __VA_ARGS__, NULL })
#define ARGC(...) ((int)(sizeof((char *[]){ "run", __VA_ARGS__ }) / sizeof(char *)))
#define PARSE(spec, flags, err, ...) \
	spec_from_run_flags(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), spec, flags, err)

static void test_minimal(void **state)
{
	struct taper_spec *s = NULL;
	struct taper_run_flags f;
	struct taper_err err = { 0 };

	assert_int_equal(PARSE(&s, &f, &err, "--rootfs", "/r", "--", "sh", "-c", "x"), 0);
	assert_string_equal(s->rootfs, "/r");
	assert_int_equal(strv_length(s->process.argv), 3);
	assert_string_equal(s->process.argv[2], "x");
	assert_int_equal(s->namespaces, TAPER_NS_DEFAULT);
	assert_true(s->process.caps.effective == spec_caps_default());
	assert_int_equal(s->limits.memory_max, TAPER_UNSET);
	assert_false(f.tty);
	assert_false(s->init);
	spec_free(s);
}

static void test_limits_and_switches(void **state)
{
	struct taper_spec *s = NULL;
	struct taper_run_flags f;
	struct taper_err err = { 0 };

	assert_int_equal(PARSE(&s, &f, &err, "--rootfs", "/r", "-m", "64M", "--cpus", "1.5", "--pids-limit",
			       "10", "--net", "host", "--read-only", "--init", "-t", "-i", "--hostname",
			       "box", "-e", "A=1", "--cwd", "/tmp", "--seccomp", "unconfined", "true"),
			 0);
	assert_int_equal(s->limits.memory_max, 64 << 20);
	assert_int_equal(s->limits.cpu_period_us, 100000);
	assert_int_equal(s->limits.cpu_quota_us, 150000);
	assert_int_equal(s->limits.pids_max, 10);
	assert_int_equal(s->namespaces & TAPER_NS_NET, 0);
	assert_true(s->rootfs_readonly);
	assert_true(s->init);
	assert_true(f.tty && f.interactive);
	assert_true(s->process.terminal);
	assert_string_equal(s->hostname, "box");
	assert_true(strv_contains(s->process.env, "A=1"));
	assert_true(strv_contains(s->process.env, "TERM=xterm"));
	assert_string_equal(s->process.cwd, "/tmp");
	assert_string_equal(s->process.seccomp, "unconfined");
	spec_free(s);
}

static void test_mounts(void **state)
{
	struct taper_spec *s = NULL;
	struct taper_run_flags f;
	struct taper_err err = { 0 };

	assert_int_equal(PARSE(&s, &f, &err, "--rootfs", "/r", "--bind", "/a:/b:ro", "-v", "/c:/d", "--tmpfs",
			       "/t:size=1m", "true"),
			 0);
	assert_int_equal(s->n_mounts, 3);
	assert_string_equal(s->mounts[0].source, "/a");
	assert_string_equal(s->mounts[0].target, "/b");
	assert_true(s->mounts[0].flags & TAPER_MOUNT_READONLY);
	assert_true(s->mounts[0].flags & TAPER_MOUNT_BIND);
	assert_false(s->mounts[1].flags & TAPER_MOUNT_READONLY);
	assert_string_equal(s->mounts[2].fstype, "tmpfs");
	assert_string_equal(s->mounts[2].data, "size=1m");
	spec_free(s);
}

/* A tmpfs gets a bounded size and inode count unless its options say. */
static void test_tmpfs_default_size(void **state)
{
	static const struct {
		char *flag;
		const char *data;
	} cases[] = {
		{ "/t", "mode=1777,size=64m,nr_inodes=16k" },
		{ "/t:", "mode=1777,size=64m,nr_inodes=16k" },
		{ "/t:mode=700", "mode=700,size=64m,nr_inodes=16k" },
		{ "/t:nr_inodes=100", "nr_inodes=100,size=64m" },
		{ "/t:mode=700,size=1g", "mode=700,size=1g" },
		{ "/t:nr_blocks=10", "nr_blocks=10" },
		{ "/t:mysize=1,nr_inodesx=2", "mysize=1,nr_inodesx=2,size=64m,nr_inodes=16k" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct taper_spec *s = NULL;
		struct taper_run_flags f;
		struct taper_err err = { 0 };

		assert_int_equal(PARSE(&s, &f, &err, "--rootfs", "/r", "--tmpfs", cases[i].flag, "true"), 0);
		assert_int_equal(s->n_mounts, 1);
		assert_string_equal(s->mounts[0].data, cases[i].data);
		assert_true(s->mounts[0].flags & TAPER_MOUNT_NOSUID);
		spec_free(s);
	}
}

static void test_users_and_caps(void **state)
{
	struct taper_spec *s = NULL;
	struct taper_run_flags f;
	struct taper_err err = { 0 };

	assert_int_equal(PARSE(&s, &f, &err, "--rootfs", "/r", "--user", "1000:100", "--cap-add", "NET_ADMIN",
			       "--cap-drop", "chown", "true"),
			 0);
	assert_int_equal(s->process.uid, 1000);
	assert_int_equal(s->process.gid, 100);
	/* A non-root user keeps capabilities in its bounding set only. */
	assert_true(s->process.caps.effective == 0);
	assert_true(s->process.caps.bounding & (1ULL << CAP_NET_ADMIN));
	assert_false(s->process.caps.bounding & (1ULL << CAP_CHOWN));
	spec_free(s);

	assert_int_equal(PARSE(&s, &f, &err, "--rootfs", "/r", "--uidmap", "0:200000:1000", "--gidmap",
			       "0:300000:1000", "true"),
			 0);
	assert_true(s->namespaces & TAPER_NS_USER);
	assert_int_equal(s->n_uid_map, 1);
	assert_int_equal(s->uid_map[0].host_id, 200000);
	assert_int_equal(s->gid_map[0].host_id, 300000);
	assert_int_equal(s->gid_map[0].count, 1000);
	spec_free(s);

	assert_int_equal(PARSE(&s, &f, &err, "--rootfs", "/r", "--userns", "true"), 0);
	assert_int_equal(s->n_uid_map, 1);
	assert_int_equal(s->uid_map[0].container_id, 0);
	assert_true(s->uid_map[0].host_id > 0);
	spec_free(s);
}

static void test_errors_name_the_flag(void **state)
{
	const struct {
		int argc;
		char **argv;
		const char *msg;
	} cases[] = {
		{ ARGC("--rootfs", "/r", "--frob", "x"), ARGV("--rootfs", "/r", "--frob", "x"),
		  "unknown flag \"--frob\"" },
		{ ARGC("--rootfs", "/r", "-m", "lots", "x"), ARGV("--rootfs", "/r", "-m", "lots", "x"),
		  "--memory: invalid size \"lots\"" },
		{ ARGC("--rootfs", "/r", "--cpus", "0", "x"), ARGV("--rootfs", "/r", "--cpus", "0", "x"),
		  "--cpus: invalid CPU count \"0\"" },
		{ ARGC("--rootfs", "/r", "--net", "bridge", "x"),
		  ARGV("--rootfs", "/r", "--net", "bridge", "x"), "--net: expected none, host or ns:PATH" },
		{ ARGC("--rootfs", "/r", "--pid", "ns:proc/1/ns/pid", "x"),
		  ARGV("--rootfs", "/r", "--pid", "ns:proc/1/ns/pid", "x"),
		  "--pid: expected private, host or ns:PATH (absolute), got \"ns:proc/1/ns/pid\"" },
		{ ARGC("--rootfs", "/r", "--uts", "host", "-h", "box", "x"),
		  ARGV("--rootfs", "/r", "--uts", "host", "-h", "box", "x"),
		  "--hostname needs a UTS namespace of the container's" },
		{ ARGC("--rootfs", "/r", "--bind", "rel:/x", "x"),
		  ARGV("--rootfs", "/r", "--bind", "rel:/x", "x"), "--bind: expected /SRC:/DST[:ro]" },
		{ ARGC("--rootfs", "/r", "--cap-add", "CAP_NOPE", "x"),
		  ARGV("--rootfs", "/r", "--cap-add", "CAP_NOPE", "x"), "unknown capability \"CAP_NOPE\"" },
		{ ARGC("--rootfs", "/r", "--uidmap", "0:1", "x"),
		  ARGV("--rootfs", "/r", "--uidmap", "0:1", "x"), "--uidmap: expected CONTAINER:HOST:COUNT" },
		{ ARGC("--rootfs", "/r"), ARGV("--rootfs", "/r"), "no command given" },
		{ ARGC("true"), ARGV("true"), "--rootfs is required" },
		{ ARGC("--rootfs"), ARGV("--rootfs"), "missing value for flag \"--rootfs\"" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct taper_spec *s = NULL;
		struct taper_run_flags f;
		struct taper_err err = { 0 };

		assert_true(spec_from_run_flags(cases[i].argc, cases[i].argv, &s, &f, &err) < 0);
		assert_null(s);
		if (!strstr(err.msg, cases[i].msg))
			fail_msg("case %zu: '%s' does not contain '%s'", i, err.msg, cases[i].msg);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minimal),        cmocka_unit_test(test_limits_and_switches),
		cmocka_unit_test(test_mounts),         cmocka_unit_test(test_tmpfs_default_size),
		cmocka_unit_test(test_users_and_caps), cmocka_unit_test(test_errors_name_the_flag),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
