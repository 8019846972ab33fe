/* The executor's API as a monitor or runtime calls it: prestart hook
 * ordering and failure, stdio fds, a pty, run_kill/run_wait, a v2 cgroup
 * joined with CLONE_INTO_CGROUP. Real namespaces on a busybox rootfs; needs
 * root (skipped otherwise). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "cgroup/cgroup.h"
#include "run/run-internal.h"
#include "run/run.h"
#include "spec/spec.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/strv.h"

#include "busybox-root.h"

static char rootfs[64];

static int setup(void **state)
{
	static const char *const applets[] = { "sh",       "cat", "echo", "sleep", "tty", "true",
					       "hostname", "tr",  "pwd",  "grep",  NULL };

	if (geteuid() != 0)
		return 0;
	snprintf(rootfs, sizeof(rootfs), "/tmp/taper-unit-run-XXXXXX");
	if (!mkdtemp(rootfs))
		return -1;
	return busybox_root(rootfs, applets);
}

static int teardown(void **state)
{
	if (rootfs[0])
		rm_rf_at(AT_FDCWD, rootfs);
	return 0;
}

static struct taper_spec *spec_for(const char *cmd)
{
	struct taper_spec *s = spec_new();

	assert_non_null(s);
	s->rootfs = strdup(rootfs);
	assert_int_equal(strv_extend(&s->process.argv, "sh"), 0);
	assert_int_equal(strv_extend(&s->process.argv, "-c"), 0);
	assert_int_equal(strv_extend(&s->process.argv, cmd), 0);
	/* These tests run without a cgroup, which device rules need (one
	 * test below checks that run_spawn() says so). */
	free(s->limits.devices);
	s->limits.devices = NULL;
	s->limits.n_devices = 0;
	return s;
}

struct hook_data {
	pid_t pid;
	int fail;
	char cgroup[512];
};

static int hook(void *data, pid_t pid, struct taper_err *err)
{
	struct hook_data *h = data;
	char path[128], *s = NULL;
	int dir, r;

	h->pid = pid;
	if (h->fail)
		return -(err->code = h->fail);
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	if (read_file(path, sizeof(h->cgroup) - 1, &s) == 0) {
		snprintf(h->cgroup, sizeof(h->cgroup), "%s", s);
		free(s);
	}
	/* The command reads this: the hook ran before it. */
	snprintf(path, sizeof(path), "%s/tmp", rootfs);
	dir = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	r = dir < 0 ? -errno : write_file_atomic_at(dir, "hook", "hooked\n", 7, 0644);
	close(dir);
	return r;
}

static void test_prestart_runs_before_the_command(void **state)
{
	struct taper_spec *spec;
	struct run_child *c = NULL;
	struct hook_data h = { 0 };
	struct taper_err err = { 0 };
	struct run_opts o;
	struct run_exit ex;
	int p[2];

	if (geteuid() != 0)
		skip();
	spec = spec_for("cat /tmp/hook; echo pid=$$; exit 7");
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	run_opts_init(&o);
	o.stdio[1] = p[1];
	o.prestart = hook;
	o.prestart_data = &h;
	if (run_spawn(spec, &o, &c, &err) < 0)
		fail_msg("run_spawn: %s", err.msg);
	close(p[1]);
	assert_int_equal(run_child_pid(c), h.pid);
	assert_string_equal(slurp(p[0]), "hooked\npid=1\n");
	assert_int_equal(run_wait(c, &ex, &err), 0);
	assert_false(ex.signaled);
	assert_int_equal(ex.code, 7);
	run_child_free(c);
	close(p[0]);
	spec_free(spec);
}

static void test_failed_prestart_leaves_no_process(void **state)
{
	struct taper_spec *spec;
	struct run_child *c = NULL;
	struct hook_data h = { .fail = EADDRINUSE };
	struct taper_err err = { 0 };
	struct run_opts o;
	int status = 0;

	if (geteuid() != 0)
		skip();
	spec = spec_for("sleep 30");
	run_opts_init(&o);
	o.prestart = hook;
	o.prestart_data = &h;
	o.ret_status = &status;
	assert_int_equal(run_spawn(spec, &o, &c, &err), -EADDRINUSE);
	assert_null(c);
	assert_int_equal(status, RUN_STATUS_RUNTIME_ERROR);
	assert_non_null(strstr(err.msg, "prestart hook"));
	assert_true(h.pid > 0);
	assert_int_equal(kill(h.pid, 0), -1);
	assert_int_equal(errno, ESRCH);
	spec_free(spec);
}

static void *park(void *arg)
{
	char c;

	(void)!read(*(int *)arg, &c, 1);
	return NULL;
}

/* The Uid: line of one of our threads. */
static void thread_uids(pid_t tid, char *buf, size_t n)
{
	char path[64], *text = NULL, *line;

	snprintf(path, sizeof(path), "/proc/self/task/%d/status", (int)tid);
	assert_int_equal(read_file(path, 8192, &text), 0);
	line = strstr(text, "\nUid:");
	assert_non_null(line);
	snprintf(buf, n, "%.*s", (int)strcspn(line + 1, "\n"), line + 1);
	free(text);
}

/* A spawn from a process with threads takes the fork-like clone (a child
 * sharing our memory would run beside threads that go on using it), and
 * switches the child's ids and no one else's (glibc's setresuid() works
 * on every thread of the process it believes it is in: SIGSETXID). */
static void test_spawn_leaves_other_threads_ids_alone(void **state)
{
	struct taper_spec *spec;
	struct run_child *c = NULL;
	struct taper_err err = { 0 };
	struct run_opts o;
	struct run_exit ex;
	char before[128], after[128], *text;
	pthread_t t;
	int p[2], log, saved, r;
	pid_t tid;

	if (geteuid() != 0)
		skip();
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	assert_int_equal(pthread_create(&t, NULL, park, &p[0]), 0);
	tid = getpid();
	for (int i = 0; i < 100 && tid == getpid(); i++) {
		/* The other thread: the task that is not us. */
		DIR *d = opendir("/proc/self/task");
		struct dirent *de;

		while (d && (de = readdir(d)))
			if (atoi(de->d_name) > 0 && atoi(de->d_name) != (int)gettid())
				tid = atoi(de->d_name);
		if (d)
			closedir(d);
	}
	thread_uids(tid, before, sizeof(before));
	spec = spec_for("true");
	spec->process.uid = 1000;
	spec->process.gid = 1000;
	run_opts_init(&o);
	/* Which clone was taken, from the debug line that names it. */
	log = memfd_create("log", MFD_CLOEXEC);
	saved = dup(STDERR_FILENO);
	assert_true(log >= 0 && saved >= 0 && dup2(log, STDERR_FILENO) == STDERR_FILENO);
	log_set_level(TAPER_LOG_DEBUG);
	r = run_spawn(spec, &o, &c, &err);
	log_set_level(TAPER_LOG_WARN);
	dup2(saved, STDERR_FILENO);
	close(saved);
	assert_int_equal(r, 0);
	lseek(log, 0, SEEK_SET);
	text = slurp(log);
	close(log);
	assert_non_null(strstr(text, "clone: fork-like"));
	assert_null(strstr(text, "shares our memory"));
	assert_int_equal(run_wait(c, &ex, &err), 0);
	assert_int_equal(ex.code, 0);
	thread_uids(tid, after, sizeof(after));
	assert_string_equal(before, after);
	assert_int_equal(getuid(), 0);
	(void)!write(p[1], "x", 1);
	pthread_join(t, NULL);
	close(p[0]);
	close(p[1]);
	run_child_free(c);
	spec_free(spec);
}

static void test_kill_and_wait_report_the_signal(void **state)
{
	struct taper_spec *spec;
	struct run_child *c = NULL;
	struct taper_err err = { 0 };
	struct run_opts o;
	struct run_exit ex;

	if (geteuid() != 0)
		skip();
	spec = spec_for("sleep 30");
	run_opts_init(&o);
	assert_int_equal(run_spawn(spec, &o, &c, &err), 0);
	assert_true(run_child_pidfd(c) >= 0);
	assert_int_equal(run_kill(c, SIGKILL, &err), 0);
	assert_int_equal(run_wait(c, &ex, &err), 0);
	assert_true(ex.signaled);
	assert_int_equal(ex.signal, SIGKILL);
	assert_int_equal(ex.code, 137);
	assert_false(ex.oom_killed);
	assert_int_equal(run_kill(c, SIGTERM, &err), -ESRCH);
	run_child_free(c);
	spec_free(spec);
}

static void test_pty_is_the_console(void **state)
{
	struct taper_spec *spec;
	struct run_child *c = NULL;
	struct taper_err err = { 0 };
	struct run_opts o;
	struct run_exit ex;

	if (geteuid() != 0)
		skip();
	spec = spec_for("tty");
	run_opts_init(&o);
	o.pty = true;
	assert_int_equal(run_spawn(spec, &o, &c, &err), 0);
	assert_non_null(strstr(slurp(run_child_pty_master(c)), "/dev/console"));
	assert_int_equal(run_wait(c, &ex, &err), 0);
	assert_int_equal(ex.code, 0);
	run_child_free(c);
	spec_free(spec);
}

static void test_v2_cgroup_joined_at_clone(void **state)
{
	struct cgroup_manager *m = NULL;
	struct taper_spec *spec;
	struct run_child *c = NULL;
	struct hook_data h = { 0 };
	struct taper_err err = { 0 };
	struct run_opts o;
	struct run_exit ex;
	char group[64], path[128], *out;
	int p[2];

	if (geteuid() != 0 || cgroup_manager_open("/sys/fs/cgroup/unified", &m, &err) < 0)
		skip();
	if (cgroup_manager_mode(m) != CGROUP_MODE_V2) {
		cgroup_manager_free(m);
		skip();
	}
	snprintf(path, sizeof(path), "unit-%d", (int)getpid());
	assert_int_equal(run_cgroup_group(group, sizeof(group), "run", path), 0);
	spec = spec_for("cat /proc/self/cgroup");
	assert_int_equal(spec_default_devices(&spec->limits), 0); /* a BPF program on the group */
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	run_opts_init(&o);
	o.stdio[1] = p[1];
	o.cgroups = m;
	o.cgroup_group = group;
	o.prestart = hook;
	o.prestart_data = &h;
	if (run_spawn(spec, &o, &c, &err) < 0)
		fail_msg("run_spawn: %s", err.msg);
	close(p[1]);
	/* Seen from the host the child sits in its group from the start... */
	assert_non_null(strstr(h.cgroup, group));
	/* ...and from inside, its group is the root of its namespace. */
	out = slurp(p[0]);
	assert_non_null(strstr(out, "\n0::/\n"));
	assert_int_equal(run_wait(c, &ex, &err), 0);
	snprintf(path, sizeof(path), "/sys/fs/cgroup/unified/taper/%s", group);
	assert_int_equal(access(path, F_OK), -1);
	run_child_free(c);
	close(p[0]);
	spec_free(spec);
	cgroup_manager_free(m);
}

/* The device rules are the boundary to the host's devices: the executor
 * refuses a spec that has them when it has no cgroup to put them in. */
static void test_device_rules_need_a_cgroup(void **state)
{
	struct taper_spec *spec = spec_for("true");
	struct taper_err err = { 0 };
	struct run_child *c = NULL;
	struct run_opts o;

	assert_int_equal(spec_default_devices(&spec->limits), 0);
	run_opts_init(&o);
	assert_int_equal(run_spawn(spec, &o, &c, &err), -EINVAL);
	assert_string_equal(err.msg, "device rules need a cgroup (no cgroup manager given)");
	assert_null(c);
	spec_free(spec);
}

/* Until pid's command line starts with `prefix` (the shell has exec'd its
 * command), at most ~10 s. */
static bool wait_cmdline(pid_t pid, const char *prefix)
{
	char path[64], buf[64];

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	for (int i = 0; i < 10000; i++) {
		_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
		ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

		if (n > 0) {
			buf[n] = '\0';
			if (strncmp(buf, prefix, strlen(prefix)) == 0)
				return true;
		}
		usleep(1000);
	}
	return false;
}

static void test_attach_enters_the_container(void **state)
{
	struct taper_spec *spec, *aspec;
	struct run_child *c = NULL, *a = NULL;
	struct taper_err err = { 0 };
	struct run_opts o;
	struct run_exit ex;
	int p[2];

	if (geteuid() != 0)
		skip();
	spec = spec_for("sleep 30");
	spec->hostname = strdup("attached-box");
	run_opts_init(&o);
	assert_int_equal(run_spawn(spec, &o, &c, &err), 0);
	/* PID 1 is `sh -c "sleep 30"` until the shell execs sleep. */
	assert_true(wait_cmdline(run_child_pid(c), "sleep"));

	aspec = spec_for("hostname; tr '\\0' ' ' < /proc/1/cmdline; echo; echo $$; pwd; "
			 "grep CapEff /proc/self/status");
	free(aspec->process.cwd);
	aspec->process.cwd = strdup("/tmp");
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	o.stdio[1] = p[1];
	if (run_attach(run_child_pid(c), &aspec->process, &o, &a, &err) < 0)
		fail_msg("run_attach: %s", err.msg);
	close(p[1]);
	assert_string_equal(slurp(p[0]), "attached-box\nsleep 30 \n2\n/tmp\nCapEff:\t00000000a80425fb\n");
	assert_int_equal(run_wait(a, &ex, &err), 0);
	assert_int_equal(ex.code, 0);
	run_child_free(a);
	close(p[0]);

	/* A command that does not exist is reported as for run_spawn(). */
	strv_free(aspec->process.argv);
	aspec->process.argv = strv_split("no-such-command", ' ');
	o.stdio[1] = -1;
	o.ret_status = &p[0];
	assert_int_equal(run_attach(run_child_pid(c), &aspec->process, &o, &a, &err), -ENOENT);
	assert_int_equal(p[0], RUN_STATUS_NOT_FOUND);

	assert_int_equal(run_kill(c, SIGKILL, &err), 0);
	assert_int_equal(run_wait(c, &ex, &err), 0);
	run_child_free(c);
	spec_free(aspec);
	spec_free(spec);
}

/* What attach relays must be a pty master, whatever the container's /dev
 * held: not the slave, a pipe, a file or another device. */
static void test_only_a_pty_master_passes(void **state)
{
	struct taper_err err = { 0 };
	int fd_dir, master = -1, slave = -1, p[2], fd;
	struct stat st;

	fd_dir = open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd_dir >= 0);
	/* Our root is the host's: the host's /dev/ptmx, the slave made uid 1000's. */
	if (pty_open_in_container(fd_dir, geteuid() == 0 ? 1000 : 0, &master, &slave, &err) < 0)
		fail_msg("pty_open_in_container: %s", err.msg);
	assert_int_equal(fstat(slave, &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	if (geteuid() == 0)
		assert_int_equal(st.st_uid, 1000);
	assert_int_equal(pty_check_master(master, &err), 0);
	assert_int_equal(pty_check_master(slave, &err), -EINVAL);
	assert_string_equal(err.msg, "pty from the container is not a pty master");
	close(master);
	close(slave);
	close(fd_dir);

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	assert_int_equal(pty_check_master(p[0], &err), -EINVAL);
	assert_int_equal(pty_check_master(p[1], &err), -EINVAL);
	close(p[0]);
	close(p[1]);
	fd = memfd_create("not-a-pty", MFD_CLOEXEC);
	assert_int_equal(pty_check_master(fd, &err), -EINVAL);
	close(fd);
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	assert_int_equal(pty_check_master(fd, &err), -EINVAL);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prestart_runs_before_the_command),
		cmocka_unit_test(test_failed_prestart_leaves_no_process),
		cmocka_unit_test(test_kill_and_wait_report_the_signal),
		cmocka_unit_test(test_pty_is_the_console),
		cmocka_unit_test(test_v2_cgroup_joined_at_clone),
		cmocka_unit_test(test_spawn_leaves_other_threads_ids_alone),
		cmocka_unit_test(test_device_rules_need_a_cgroup),
		cmocka_unit_test(test_attach_enters_the_container),
		cmocka_unit_test(test_only_a_pty_master_passes),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
