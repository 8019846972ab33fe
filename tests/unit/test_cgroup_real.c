/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The cgroup layer on this machine's real cgroupfs, as root: the v1 (or
 * hybrid) hierarchies under /sys/fs/cgroup and, driven as a pure v2
 * manager, the cgroup2 mount. Every group is "taper/test-<pid>/..."; the
 * teardown kills and removes whatever a failed test left there.
 * Skipped when not root or when the hierarchies are missing.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "cgroup/cgroup.h"
#include "util/cleanup.h"
#include "util/fs.h"

#define ROOT "/sys/fs/cgroup"
#define UNIFIED ROOT "/unified"

static char test_dir[64]; /* "test-<pid>" */

/* ---- independent cleanup: kill, thaw, rmdir depth-first ------------------- */

static void scrub(const char *path)
{
	_cleanup_closedir_ DIR *d = opendir(path);
	struct dirent *de;
	char p[PATH_MAX];

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", path, de->d_name);
		scrub(p);
	}
	for (int i = 0; i < 100; i++) {
		_cleanup_free_ char *procs = NULL;

		snprintf(p, sizeof(p), "%s/freezer.state", path);
		(void)write_file(p, "THAWED");
		snprintf(p, sizeof(p), "%s/cgroup.freeze", path);
		(void)write_file(p, "0");
		snprintf(p, sizeof(p), "%s/cgroup.procs", path);
		if (read_file(p, 1 << 16, &procs) < 0 || !*procs)
			break;
		for (char *s = procs; *s;) {
			char *end;
			long pid = strtol(s, &end, 10);

			if (end == s)
				break;
			kill((pid_t)pid, SIGKILL);
			s = end + (*end == '\n');
		}
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		usleep(10000);
	}
	rmdir(path);
}

static int teardown(void **state)
{
	_cleanup_closedir_ DIR *d = opendir(ROOT);
	struct dirent *de;
	char p[PATH_MAX];

	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), ROOT "/%s/taper/%s", de->d_name, test_dir);
		scrub(p);
	}
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	return 0;
}

static int setup(void **state)
{
	snprintf(test_dir, sizeof(test_dir), "test-%d", (int)getpid());
	return 0;
}

/* No directory of the test is left in any hierarchy. */
static void assert_gone(void)
{
	_cleanup_closedir_ DIR *d = opendir(ROOT);
	struct dirent *de;
	char p[PATH_MAX];

	assert_non_null(d);
	while ((de = readdir(d))) {
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), ROOT "/%s/taper/%s", de->d_name, test_dir);
		if (stat(p, &st) == 0)
			fail_msg("%s is left behind", p);
	}
}

static bool have(const char *path)
{
	return access(path, F_OK) == 0;
}

static const char *read_at(const char *dir, const char *file)
{
	static char buf[4096];
	_cleanup_free_ char *s = NULL;
	char p[PATH_MAX];

	if ((size_t)snprintf(p, sizeof(p), "%s/%s", dir, file) >= sizeof(p) ||
	    read_file(p, sizeof(buf) - 1, &s) < 0)
		return "<missing>";
	snprintf(buf, sizeof(buf), "%s", s);
	return buf;
}

/* A child that waits for a byte on fd, burns a little CPU, then either
 * sleeps or allocates `alloc` bytes page by page. */
static pid_t spawn(int *ret_go, size_t alloc)
{
	int p[2];
	pid_t pid;

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char c;
		struct timespec t0, t;

		close(p[1]);
		if (read(p[0], &c, 1) != 1)
			_exit(1);
		/* 30 ms of CPU time, however busy the machine is. */
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
		do
			clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
		while ((t.tv_sec - t0.tv_sec) * 1000000000L + (t.tv_nsec - t0.tv_nsec) < 30000000L);
		for (size_t done = 0; done < alloc; done += 1 << 20) {
			char *m = malloc(1 << 20);

			if (!m)
				_exit(2);
			memset(m, 1, 1 << 20);
		}
		for (;;)
			pause();
	}
	close(p[0]);
	*ret_go = p[1];
	return pid;
}

static void go(int fd)
{
	assert_int_equal(write(fd, "x", 1), 1);
	close(fd);
}

static bool in_group(pid_t pid, const char *needle)
{
	_cleanup_free_ char *s = NULL;
	char p[64];

	snprintf(p, sizeof(p), "/proc/%d/cgroup", (int)pid);
	return read_file(p, 1 << 16, &s) == 0 && strstr(s, needle);
}

static struct cgroup_manager *open_host(void)
{
	struct cgroup_manager *m = NULL;
	struct taper_err err = { 0 };

	if (geteuid() != 0 || !have(ROOT "/memory/cgroup.procs") || !have(ROOT "/freezer/cgroup.procs"))
		return NULL;
	assert_int_equal(cgroup_manager_open(NULL, &m, &err), 0);
	assert_true(cgroup_manager_mode(m) != CGROUP_MODE_V2);
	return m;
}

static void test_v1_lifecycle(void **state)
{
	struct cgroup_manager *m = open_host();
	struct taper_cgroup *cg = NULL;
	struct taper_err err = { 0 };
	struct cgroup_stats st;
	struct taper_limits l;
	_cleanup_free_ pid_t *pids = NULL;
	char group[96], needle[128];
	size_t n = 0;
	int fd, status;
	bool frozen = false;
	pid_t child;

	if (!m)
		skip();
	snprintf(group, sizeof(group), "%s/c1", test_dir);
	limits_init(&l);
	l.memory_max = 64 << 20;
	l.memory_high = 32 << 20;
	l.cpu_weight = 100;
	l.cpu_quota_us = 50000;
	l.cpu_period_us = 100000;
	l.pids_max = 32;
	l.cpuset_cpus = "0";
	if (have(ROOT "/blkio/blkio.bfq.io_service_bytes"))
		l.io_weight = 100; /* bfq's weight exists in child groups only */
	assert_int_equal(cgroup_create(m, group, &l, &cg, &err), 0);
	if (l.io_weight != TAPER_UNSET)
		assert_string_equal(read_at(cgroup_path(cg, "blkio"), "blkio.bfq.weight"), "19\n");
	assert_string_equal(read_at(cgroup_path(cg, "memory"), "memory.limit_in_bytes"), "67108864\n");
	assert_string_equal(read_at(cgroup_path(cg, "memory"), "memory.soft_limit_in_bytes"), "33554432\n");
	assert_string_equal(read_at(cgroup_path(cg, "cpu"), "cpu.shares"), "1024\n");
	assert_string_equal(read_at(cgroup_path(cg, "cpu"), "cpu.cfs_quota_us"), "50000\n");
	assert_string_equal(read_at(cgroup_path(cg, "cpu"), "cpu.cfs_period_us"), "100000\n");
	assert_string_equal(read_at(cgroup_path(cg, "pids"), "pids.max"), "32\n");
	assert_string_equal(read_at(cgroup_path(cg, "cpuset"), "cpuset.cpus"), "0\n");
	assert_string_equal(read_at(cgroup_path(cg, "cpuset"), "cpuset.mems"), "0\n");

	/* v1 charges only what is allocated after the move. */
	child = spawn(&fd, 4 << 20);
	assert_int_equal(cgroup_enter(cg, child, &err), 0);
	go(fd);
	snprintf(needle, sizeof(needle), ":memory:/taper/%s\n", group);
	assert_true(in_group(child, needle));
	snprintf(needle, sizeof(needle), ":freezer:/taper/%s\n", group);
	assert_true(in_group(child, needle));
	if (cgroup_manager_mode(m) == CGROUP_MODE_HYBRID) {
		snprintf(needle, sizeof(needle), "0::/taper/%s\n", group);
		assert_true(in_group(child, needle));
	}
	assert_int_equal(cgroup_pids(cg, &pids, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(pids[0], child);

	for (int i = 0; i < 200; i++) {
		assert_int_equal(cgroup_stats(cg, &st, &err), 0);
		if (st.cpu_usage_ns >= 20000000 && st.memory_current >= 4 << 20)
			break;
		usleep(10000);
	}
	assert_true(st.cpu_usage_ns >= 20000000);
	assert_true(st.memory_current >= 4 << 20);
	assert_true(st.memory_peak >= st.memory_current);
	assert_int_equal(st.memory_limit, 64 << 20);
	assert_int_equal(st.pids_current, 1);
	assert_int_equal(st.pids_limit, 32);
	assert_int_equal(st.oom_kills, 0);

	assert_int_equal(cgroup_freeze(cg, true, &err), 0);
	assert_string_equal(read_at(cgroup_path(cg, "freezer"), "freezer.state"), "FROZEN\n");
	assert_int_equal(cgroup_is_frozen(cg, &frozen), 0);
	assert_true(frozen);
	assert_int_equal(cgroup_freeze(cg, false, &err), 0);
	assert_string_equal(read_at(cgroup_path(cg, "freezer"), "freezer.state"), "THAWED\n");

	limits_init(&l);
	assert_int_equal(cgroup_get_limits(cg, &l, &err), 0);
	assert_int_equal(l.memory_max, 64 << 20);
	assert_int_equal(l.cpu_weight, 100);
	assert_int_equal(l.cpu_quota_us, 50000);
	assert_int_equal(l.pids_max, 32);
	assert_string_equal(l.cpuset_cpus, "0");
	limits_clear(&l);

	assert_int_equal(cgroup_destroy(cg, &err), 0);
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	assert_gone();
	cgroup_free(cg);
	cgroup_manager_free(m);
}

static void test_v1_oom_kill(void **state)
{
	struct cgroup_manager *m = open_host();
	struct taper_cgroup *cg = NULL;
	struct taper_err err = { 0 };
	struct cgroup_stats st;
	struct taper_limits l;
	char group[96];
	int fd, status;
	pid_t child;

	if (!m)
		skip();
	snprintf(group, sizeof(group), "%s/oom", test_dir);
	limits_init(&l);
	l.memory_max = 32 << 20;
	if (have(ROOT "/memory/memory.memsw.limit_in_bytes"))
		l.swap_max = 0; /* no escape into swap */
	assert_int_equal(cgroup_create(m, group, &l, &cg, &err), 0);
	child = spawn(&fd, 256 << 20);
	assert_int_equal(cgroup_enter(cg, child, &err), 0);
	go(fd);
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	assert_int_equal(cgroup_stats(cg, &st, &err), 0);
	assert_true(st.oom_kills >= 1);
	assert_true(st.memory_peak > 16 << 20 && st.memory_peak <= 32 << 20);
	assert_int_equal(cgroup_destroy(cg, &err), 0);
	assert_gone();
	cgroup_free(cg);
	cgroup_manager_free(m);
}

/* A write the kernel refuses after validation: nothing is left. A stale
 * empty group from a crashed start is reused. */
static void test_v1_failure_and_stale(void **state)
{
	struct cgroup_manager *m = open_host();
	struct taper_cgroup *cg = NULL;
	struct taper_err err = { 0 };
	struct taper_cgroup_raw raw = { 1, "memory.swappiness", "not-a-number" };
	struct taper_limits l;
	char group[96], p[PATH_MAX];

	if (!m)
		skip();
	snprintf(group, sizeof(group), "%s/c3", test_dir);
	limits_init(&l);
	l.pids_max = 10;
	l.raw = &raw;
	l.n_raw = 1;
	assert_int_equal(cgroup_create(m, group, &l, &cg, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "memory.swappiness"));
	assert_null(cg);
	assert_gone();

	snprintf(p, sizeof(p), ROOT "/pids/taper/%s", group);
	assert_int_equal(mkdir_p(p, 0755), 0);
	raw.value = "10";
	assert_int_equal(cgroup_create(m, group, &l, &cg, &err), 0);
	assert_string_equal(read_at(p, "pids.max"), "10\n");
	assert_string_equal(read_at(cgroup_path(cg, "memory"), "memory.swappiness"), "10\n");
	cgroup_free(cg);
	assert_int_equal(cgroup_open(m, group, &cg, &err), 0);
	assert_int_equal(cgroup_destroy(cg, &err), 0);
	assert_gone();
	cgroup_free(cg);
	cgroup_manager_free(m);
}

/* The hybrid host's cgroup2 mount driven as a pure v2 manager: it holds
 * no resource controller, but the core files work. */
static void test_v2_unified_lifecycle(void **state)
{
	struct cgroup_manager *m = NULL;
	struct taper_cgroup *cg = NULL;
	struct taper_err err = { 0 };
	struct cgroup_stats st;
	struct taper_limits l;
	_cleanup_free_ pid_t *pids = NULL;
	_cleanup_free_ char *ctrls = NULL;
	char group[96], needle[128];
	size_t n = 0;
	int fd, status;
	bool frozen = false;
	pid_t child;

	if (geteuid() != 0 || !have(UNIFIED "/cgroup.controllers") || have(ROOT "/cgroup.controllers"))
		skip();
	assert_int_equal(cgroup_manager_open(UNIFIED, &m, &err), 0);
	assert_int_equal(cgroup_manager_mode(m), CGROUP_MODE_V2);
	assert_int_equal(read_file(UNIFIED "/cgroup.controllers", 4096, &ctrls), 0);
	limits_init(&l);
	l.memory_max = 1 << 30;
	if (!strstr(ctrls, "memory")) {
		assert_int_equal(cgroup_validate(m, &l, &err), -EOPNOTSUPP);
		assert_string_equal(err.msg, "memory.max: memory controller not available in " UNIFIED);
	}

	snprintf(group, sizeof(group), "%s/c2", test_dir);
	assert_int_equal(cgroup_create(m, group, NULL, &cg, &err), 0);
	child = spawn(&fd, 0);
	assert_int_equal(cgroup_enter(cg, child, &err), 0);
	go(fd);
	snprintf(needle, sizeof(needle), "0::/taper/%s\n", group);
	assert_true(in_group(child, needle));
	assert_int_equal(cgroup_pids(cg, &pids, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(pids[0], child);
	assert_string_equal(read_at(cgroup_path(cg, NULL), "cgroup.events"), "populated 1\nfrozen 0\n");

	for (int i = 0; i < 200; i++) {
		assert_int_equal(cgroup_stats(cg, &st, &err), 0);
		if (st.cpu_usage_ns >= 20000000)
			break;
		usleep(10000);
	}
	assert_true(st.cpu_usage_ns >= 20000000);

	assert_int_equal(cgroup_freeze(cg, true, &err), 0);
	assert_string_equal(read_at(cgroup_path(cg, NULL), "cgroup.events"), "populated 1\nfrozen 1\n");
	assert_int_equal(cgroup_is_frozen(cg, &frozen), 0);
	assert_true(frozen);
	assert_int_equal(cgroup_freeze(cg, false, &err), 0);
	assert_int_equal(cgroup_is_frozen(cg, &frozen), 0);
	assert_false(frozen);

	assert_int_equal(cgroup_destroy(cg, &err), 0);
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	assert_gone();
	cgroup_free(cg);
	cgroup_manager_free(m);
}

/* Destroy takes a frozen group and processes that fork. */
static void test_v1_destroy_frozen_forking(void **state)
{
	struct cgroup_manager *m = open_host();
	struct taper_cgroup *cg = NULL;
	struct taper_err err = { 0 };
	char group[96];
	int status;
	pid_t child;

	if (!m)
		skip();
	snprintf(group, sizeof(group), "%s/fork", test_dir);
	assert_int_equal(cgroup_create(m, group, NULL, &cg, &err), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		/* Wait to be moved, then fork without end. */
		for (int i = 0; i < 500 && !in_group(getpid(), "/fork\n"); i++)
			usleep(1000);
		for (;;)
			if (fork() == 0)
				pause();
			else
				usleep(1000);
	}
	assert_int_equal(cgroup_enter(cg, child, &err), 0);
	usleep(50000);
	assert_int_equal(cgroup_freeze(cg, true, &err), 0);
	assert_int_equal(cgroup_destroy(cg, &err), 0);
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFSIGNALED(status));
	assert_gone();
	cgroup_free(cg);
	cgroup_manager_free(m);
}

/* The v1 devices controller, on a host with no cgroup2 hierarchy: the
 * manager is opened on a root of our own (a tmpfs in a private mount
 * namespace) holding just the devices and freezer hierarchies. A node of
 * major 240 (no driver) opens with EPERM where the rules deny it and with
 * ENXIO where they allow it: nothing real is opened. Runs in a child; its
 * exit status is the first check that failed. */
static int v1_devices_child(void)
{
	static const struct taper_device_rule allow_240_1 = { true, 'c', 240, 1, TAPER_DEV_READ };
	char root[] = "/tmp/taper-v1dev-XXXXXX", path[PATH_MAX], group[96];
	struct cgroup_manager *m = NULL;
	struct taper_cgroup *cg = NULL;
	struct taper_err err = { 0 };
	struct taper_limits l;
	int status, fd;
	pid_t child;

	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    !mkdtemp(root) || mount("tmpfs", root, "tmpfs", 0, "mode=755") < 0)
		return 10;
	snprintf(path, sizeof(path), "%s/devices", root);
	if (mkdir(path, 0755) < 0 || mount("cgroup", path, "cgroup", 0, "devices") < 0)
		return 11;
	snprintf(path, sizeof(path), "%s/freezer", root);
	if (mkdir(path, 0755) < 0 || mount("cgroup", path, "cgroup", 0, "freezer") < 0)
		return 12;
	if (cgroup_manager_open(root, &m, &err) < 0 || cgroup_manager_mode(m) != CGROUP_MODE_V1)
		return 13;
	limits_init(&l);
	if (spec_default_devices(&l) < 0 || spec_add_device_rule(&l, &allow_240_1) < 0)
		return 14;
	snprintf(group, sizeof(group), "%s/dev", test_dir);
	if (cgroup_create_minimal(m, group, &l, &cg, &err) < 0)
		return 15;
	child = fork();
	if (child == 0) {
		char n0[PATH_MAX], n1[PATH_MAX];

		for (int i = 0; i < 500 && !in_group(getpid(), "/dev\n"); i++)
			usleep(1000);
		snprintf(n0, sizeof(n0), "%s/n240-0", root);
		snprintf(n1, sizeof(n1), "%s/n240-1", root);
		if (mknod(n0, S_IFCHR | 0600, makedev(240, 0)) < 0 ||
		    mknod(n1, S_IFCHR | 0600, makedev(240, 1)) < 0)
			_exit(20);
		if (open(n0, O_RDONLY) >= 0 || errno != EPERM)
			_exit(21);
		if (open(n1, O_RDONLY) >= 0 || errno != ENXIO)
			_exit(22);
		if (open(n1, O_WRONLY) >= 0 || errno != EPERM) /* read only */
			_exit(23);
		if ((fd = open("/dev/null", O_RDWR)) < 0)
			_exit(24);
		_exit(0);
	}
	if (child < 0 || cgroup_enter(cg, child, &err) < 0)
		return 16;
	if (waitpid(child, &status, 0) != child || !WIFEXITED(status))
		return 17;
	if (cgroup_destroy(cg, &err) < 0)
		return 18;
	cgroup_free(cg);
	cgroup_manager_free(m);
	limits_clear(&l);
	return WEXITSTATUS(status);
}

static void test_v1_devices(void **state)
{
	int status;
	pid_t pid;

	if (geteuid() != 0 || !have(ROOT "/devices/cgroup.procs"))
		skip();
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(v1_devices_child());
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_gone();
}

/* Groups that share a parent, made and removed concurrently: the last to
 * leave removes the empty parent while another is on its way down to
 * make its own leaf there. Every create must still succeed. */
static void test_parallel_siblings(void **state)
{
	struct cgroup_manager *probe = open_host();
	int status;

	if (!probe)
		skip();
	cgroup_manager_free(probe);
	for (int w = 0; w < 4; w++) {
		pid_t pid = fork();

		assert_true(pid >= 0);
		if (pid == 0) {
			struct cgroup_manager *m = NULL;
			struct taper_err err = { 0 };

			if (cgroup_manager_open(NULL, &m, &err) < 0)
				_exit(2);
			for (int k = 0; k < 150; k++) {
				struct taper_cgroup *cg = NULL;
				char group[96];

				snprintf(group, sizeof(group), "%s/shared/w%d", test_dir, w);
				if (cgroup_create_minimal(m, group, NULL, &cg, &err) < 0) {
					fprintf(stderr, "worker %d, round %d: %s\n", w, k, err.msg);
					_exit(1);
				}
				if (cgroup_destroy(cg, &err) < 0)
					_exit(3);
				cgroup_free(cg);
			}
			cgroup_manager_free(m);
			_exit(0);
		}
	}
	for (int w = 0; w < 4; w++) {
		assert_true(wait(&status) > 0);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	assert_gone();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_v1_lifecycle, teardown),
		cmocka_unit_test_teardown(test_v1_oom_kill, teardown),
		cmocka_unit_test_teardown(test_v1_failure_and_stale, teardown),
		cmocka_unit_test_teardown(test_v2_unified_lifecycle, teardown),
		cmocka_unit_test_teardown(test_v1_destroy_frozen_forking, teardown),
		cmocka_unit_test_teardown(test_v1_devices, teardown),
		cmocka_unit_test_teardown(test_parallel_siblings, teardown),
	};

	setup(NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
