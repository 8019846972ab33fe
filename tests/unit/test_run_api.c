/* The spec and run calls of include/taper.h, as a front end uses them:
 * adjusters that refuse bad values and leave the spec as it was, and the
 * create/start split (the command held until the start; a created run
 * freed, or one whose start fails, leaves no process and no cgroup).
 * Real namespaces and cgroups on a busybox rootfs; needs root (the run
 * tests are skipped otherwise). */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <taper.h>

#include "util/cleanup.h"
#include "util/fs.h"

#include "busybox-root.h"

static char dir[64], rootfs[96], store[96];

static int setup(void **state)
{
	static const char *const applets[] = { "sh", "true", "hostname", "sleep", "cat", NULL };

	snprintf(dir, sizeof(dir), "/tmp/taper-unit-run-api-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	chmod(dir, 0755);
	snprintf(rootfs, sizeof(rootfs), "%s/rootfs", dir);
	snprintf(store, sizeof(store), "%s/store", dir);
	return busybox_root(rootfs, applets);
}

static int teardown(void **state)
{
	if (dir[0])
		rm_rf_at(AT_FDCWD, dir);
	return 0;
}

/* A spec running sh -c cmd on the rootfs. */
static struct taper_spec *spec_for(const char *cmd)
{
	char *argv[] = { "sh", "-c", (char *)cmd, NULL };
	struct taper_err err = { 0 };
	struct taper_spec *s = NULL;

	assert_int_equal(taper_spec_new(&s, &err), 0);
	assert_int_equal(taper_spec_set_rootfs(s, rootfs, false, &err), 0);
	assert_int_equal(taper_spec_set_args(s, argv, &err), 0);
	return s;
}

static void opts_for(struct taper_run_opts *o, int *status)
{
	taper_run_opts_init(o);
	o->store_path = store;
	o->ret_status = status;
}

static bool alive(pid_t pid)
{
	char path[64], buf[512], *p;
	_cleanup_free_ char *text = NULL;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (read_file(path, sizeof(buf), &text) < 0 || !(p = strrchr(text, ')')))
		return false;
	return p[1] == ' ' && p[2] != 'Z';
}

/* The directories of pid's cgroups under taper/, one per hierarchy. */
static size_t taper_cgroups_of(pid_t pid, char paths[][256], size_t max)
{
	char file[64], *save = NULL;
	_cleanup_free_ char *text = NULL;
	size_t n = 0;

	snprintf(file, sizeof(file), "/proc/%d/cgroup", (int)pid);
	assert_int_equal(read_file(file, 1 << 16, &text), 0);
	for (char *l = strtok_r(text, "\n", &save); l && n < max; l = strtok_r(NULL, "\n", &save)) {
		char *ctrl = strchr(l, ':'), *path = ctrl ? strchr(ctrl + 1, ':') : NULL;
		struct stat st;

		if (!path || !strstr(path, "/taper/"))
			continue;
		*path++ = '\0';
		ctrl++;
		if (!*ctrl)
			snprintf(paths[n], 256, "/sys/fs/cgroup/%s%s",
				 stat("/sys/fs/cgroup/unified", &st) == 0 ? "unified" : "", path);
		else
			snprintf(paths[n], 256, "/sys/fs/cgroup/%s%s",
				 strncmp(ctrl, "name=", 5) == 0 ? ctrl + 5 : ctrl, path);
		n++;
	}
	return n;
}

static bool exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

static void test_adjusters_refuse_and_keep(void **state)
{
	struct taper_spec *s = spec_for("true");
	struct taper_err err = { 0 };
	char *bad_env[] = { "A=1", "novalue", NULL };

	assert_int_equal(taper_spec_set_cwd(s, "relative", &err), -EINVAL);
	assert_non_null(strstr(err.msg, "'relative' is not absolute"));
	assert_int_equal(taper_spec_set_limit(s, "cgroup.memory.max", "lots", &err), -EINVAL);
	assert_string_equal(err.msg, "cgroup.memory.max: invalid size \"lots\" (e.g. 256M, 1G, or max)");
	assert_int_equal(taper_spec_set_limit(s, "cgroup.nope", "1", &err), -EINVAL);
	assert_int_equal(taper_spec_set_env(s, bad_env, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "'novalue'"));
	assert_int_equal(taper_spec_set_namespace(s, TAPER_NS_MNT, true, "/proc/1/ns/mnt", &err), -EINVAL);
	assert_int_equal(taper_spec_set_namespace(s, TAPER_NS_NET | TAPER_NS_PID, true, NULL, &err), -EINVAL);
	assert_int_equal(taper_spec_add_mount(s, "rel", "/x", NULL, NULL, TAPER_MOUNT_BIND, &err), -EINVAL);
	assert_int_equal(taper_spec_add_mount(s, "tmpfs", "x", "tmpfs", NULL, 0, &err), -EINVAL);
	assert_int_equal(taper_spec_add_idmap(s, false, 0, 100000, 0, &err), -EINVAL);
	assert_int_equal(taper_spec_change_cap(s, "CAP_NOPE", true, &err), -EINVAL);
	assert_int_equal(taper_spec_set_rootfs(s, "/no/such/dir", false, &err), -ENOENT);
	assert_int_equal(taper_spec_set_hostname(s, "", &err), -EINVAL);
	taper_spec_free(s);
}

/* Between create and start the command has not run; the start runs it. */
static void test_create_holds_until_start(void **state)
{
	struct taper_spec *s = spec_for("echo ran > /tmp/mark; exit 3");
	struct taper_run *run = NULL;
	struct taper_run_opts o;
	struct taper_run_exit ex;
	struct taper_err err = { 0 };
	char mark[160], ns_ours[64] = "", ns_its[64] = "", p[64];
	int status = -1;
	pid_t pid;

	if (geteuid() != 0)
		skip();
	snprintf(mark, sizeof(mark), "%s/tmp/mark", rootfs);
	unlink(mark);
	assert_int_equal(taper_spec_set_hostname(s, "held", &err), 0);
	opts_for(&o, &status);
	assert_int_equal(taper_run_create(s, &o, &run, &err), 0);
	taper_spec_free(s); /* a run keeps no reference to its spec */
	pid = taper_run_pid(run);
	assert_true(pid > 0 && alive(pid));
	assert_int_equal(status, 0);
	/* Created: in its own namespaces already, the command not run. */
	snprintf(p, sizeof(p), "/proc/%d/ns/uts", (int)pid);
	assert_true(readlink(p, ns_its, sizeof(ns_its) - 1) > 0);
	assert_true(readlink("/proc/self/ns/uts", ns_ours, sizeof(ns_ours) - 1) > 0);
	assert_string_not_equal(ns_its, ns_ours);
	usleep(50 * 1000);
	assert_false(exists(mark));
	assert_true(alive(pid));

	assert_int_equal(taper_run_start(run, &err), 0);
	assert_int_equal(taper_run_start(run, &err), -EALREADY);
	assert_int_equal(taper_run_wait(run, &ex, &err), 0);
	assert_int_equal(ex.code, 3);
	assert_true(exists(mark));
	taper_run_free(run);
}

/* Freed before its start: the held process and its cgroup are gone. */
static void test_free_of_a_created_run_undoes_it(void **state)
{
	struct taper_spec *s = spec_for("echo ran > /tmp/mark2");
	struct taper_run *run = NULL;
	struct taper_run_opts o;
	struct taper_err err = { 0 };
	char groups[16][256], mark[160];
	size_t n;
	int status;
	pid_t pid;

	if (geteuid() != 0)
		skip();
	snprintf(mark, sizeof(mark), "%s/tmp/mark2", rootfs);
	unlink(mark);
	opts_for(&o, &status);
	assert_int_equal(taper_spec_set_limit(s, "cgroup.pids.max", "50", &err), 0);
	assert_int_equal(taper_run_create(s, &o, &run, &err), 0);
	pid = taper_run_pid(run);
	n = taper_cgroups_of(pid, groups, ARRAY_SIZE(groups));
	assert_true(n > 0);
	for (size_t i = 0; i < n; i++)
		assert_true(exists(groups[i]));
	taper_run_free(run);
	assert_false(alive(pid));
	assert_int_equal(kill(pid, 0), -1); /* reaped, not a zombie */
	for (size_t i = 0; i < n; i++)
		if (exists(groups[i]))
			fail_msg("cgroup %s left behind", groups[i]);
	assert_false(exists(mark));
	taper_spec_free(s);
}

/* A start that fails (no such command) says why, with the shell's status,
 * and leaves nothing. */
static void test_failed_start_undoes_it(void **state)
{
	char *argv[] = { "/no/such/cmd", NULL };
	struct taper_spec *s = spec_for("true");
	struct taper_run *run = NULL;
	struct taper_run_opts o;
	struct taper_err err = { 0 };
	char groups[16][256];
	size_t n;
	int status = -1;
	pid_t pid;

	if (geteuid() != 0)
		skip();
	assert_int_equal(taper_spec_set_args(s, argv, &err), 0);
	opts_for(&o, &status);
	assert_int_equal(taper_run_create(s, &o, &run, &err), 0);
	pid = taper_run_pid(run);
	n = taper_cgroups_of(pid, groups, ARRAY_SIZE(groups));
	assert_int_equal(taper_run_start(run, &err), -ENOENT);
	assert_int_equal(status, TAPER_STATUS_NOT_FOUND);
	assert_non_null(strstr(err.msg, "exec /no/such/cmd"));
	assert_false(alive(pid));
	for (size_t i = 0; i < n; i++)
		if (exists(groups[i]))
			fail_msg("cgroup %s left behind", groups[i]);
	taper_run_free(run);
	taper_spec_free(s);
}

/* A held run can be killed, and waited for. */
static void test_kill_a_created_run(void **state)
{
	struct taper_spec *s = spec_for("true");
	struct taper_run *run = NULL;
	struct taper_run_opts o;
	struct taper_run_exit ex;
	struct taper_err err = { 0 };
	int status;

	if (geteuid() != 0)
		skip();
	opts_for(&o, &status);
	assert_int_equal(taper_run_create(s, &o, &run, &err), 0);
	assert_int_equal(taper_run_kill(run, SIGKILL, &err), 0);
	assert_int_equal(taper_run_wait(run, &ex, &err), 0);
	assert_int_equal(ex.signal, SIGKILL);
	assert_int_equal(ex.code, 128 + SIGKILL);
	assert_int_equal(taper_run_kill(run, SIGTERM, &err), -ESRCH);
	taper_run_free(run);
	taper_spec_free(s);
}

/* Spawn is create and start in one: the same result. */
static void test_spawn(void **state)
{
	struct taper_spec *s = spec_for("test \"$(hostname)\" = spawned && exit 4");
	struct taper_run *run = NULL;
	struct taper_run_opts o;
	struct taper_run_exit ex;
	struct taper_err err = { 0 };
	int status;

	if (geteuid() != 0)
		skip();
	assert_int_equal(taper_spec_set_hostname(s, "spawned", &err), 0);
	opts_for(&o, &status);
	assert_int_equal(taper_run_spawn(s, &o, &run, &err), 0);
	assert_int_equal(taper_run_start(run, &err), -EALREADY);
	assert_int_equal(taper_run_wait(run, &ex, &err), 0);
	assert_int_equal(ex.code, 4);
	taper_run_free(run);
	taper_spec_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_adjusters_refuse_and_keep),
		cmocka_unit_test(test_create_holds_until_start),
		cmocka_unit_test(test_free_of_a_created_run_undoes_it),
		cmocka_unit_test(test_failed_start_undoes_it),
		cmocka_unit_test(test_kill_a_created_run),
		cmocka_unit_test(test_spawn),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
