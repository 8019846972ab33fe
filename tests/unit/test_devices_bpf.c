/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The cgroup2 device program (cgroup/devices_bpf.c) on this machine's
 * kernel. Each case attaches a rule list to a fresh directory
 * "taper-test-devbpf-<pid>-<n>" under the cgroup2 mount, moves a child
 * into it and lets the child open device nodes and mknod them on a tmpfs
 * of its own mount namespace; the parent compares what the kernel allowed
 * with what the rules say, after removing the directory. The validation of
 * rules is checked without the kernel.
 *
 * The kernel tests are skipped when neither /sys/fs/cgroup (pure v2) nor
 * /sys/fs/cgroup/unified (hybrid) is a cgroup2 mount, or when not root.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/bpf.h>
#include <linux/magic.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "cgroup/devices.h"
#include "spec/spec.h"
#include "util/cleanup.h"
#include "util/fs.h"

#define M TAPER_DEV_MKNOD
#define R TAPER_DEV_READ
#define W TAPER_DEV_WRITE
#define RW (R | W)
#define RWM (R | W | M)
#define ANY TAPER_DEV_ANY

#define ALLOW(t, ma, mi, acc)                                                             \
	{                                                                                 \
		.allow = true, .type = (t), .major = (ma), .minor = (mi), .access = (acc) \
	}
#define DENY(t, ma, mi, acc)                                                               \
	{                                                                                  \
		.allow = false, .type = (t), .major = (ma), .minor = (mi), .access = (acc) \
	}

static const char *cg_root;    /* the cgroup2 mount, NULL: skip */
static char scratch[PATH_MAX]; /* the child's tmpfs mount point */
static char prefix[64];        /* "taper-test-devbpf-<pid>" */
static int seq;

/* ---- validation, without the kernel ------------------------------------ */

static void test_check_errors(void **state)
{
	static const struct {
		struct taper_device_rule rule;
		const char *msg;
	} rows[] = {
		{ ALLOW('x', 1, 3, RW), "device rule 2: type 'x' is not a, c or b" },
		{ ALLOW('\0', 1, 3, RW), "device rule 2: type 0x00 is not a, c or b" },
		{ ALLOW('C', 1, 3, RW), "device rule 2: type 'C' is not a, c or b" },
		{ ALLOW('c', 1, 3, 0), "device rule 2: no access given (r, w, m)" },
		{ DENY('c', 1, 3, 8), "device rule 2: access 0x8 has bits other than r, w and m" },
		{ ALLOW('b', 1, 3, RWM | 0x100),
		  "device rule 2: access 0x107 has bits other than r, w and m" },
		{ ALLOW('c', -2, 3, RW), "device rule 2: major -2 out of range (0..4294967295, or any)" },
		{ ALLOW('c', 1LL << 32, 3, RW),
		  "device rule 2: major 4294967296 out of range (0..4294967295, or any)" },
		{ DENY('b', 8, -5, RW), "device rule 2: minor -5 out of range (0..4294967295, or any)" },
		{ DENY('b', 8, INT64_MAX, RW),
		  "device rule 2: minor 9223372036854775807 out of range (0..4294967295, or any)" },
		{ ALLOW('a', 1, ANY, RWM),
		  "device rule 2: type 'a' matches every device and takes no major or minor" },
		{ ALLOW('a', ANY, 0, RWM),
		  "device rule 2: type 'a' matches every device and takes no major or minor" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		struct taper_device_rule rules[] = { ALLOW('c', 1, 3, RWM), DENY('a', ANY, ANY, W),
						     rows[i].rule, ALLOW('c', 1, 5, R) };
		struct taper_err err = { 0 };

		assert_int_equal(cg_devices_check(rules, ARRAY_SIZE(rules), &err), -EINVAL);
		assert_string_equal(err.msg, rows[i].msg);
		assert_int_equal(err.code, EINVAL);
		/* Refused before the kernel is asked: fd -1 would fail later. */
		memset(&err, 0, sizeof(err));
		assert_int_equal(cg_devices_bpf_attach(-1, rules, ARRAY_SIZE(rules), &err), -EINVAL);
		assert_string_equal(err.msg, rows[i].msg);
	}
}

static void test_check_accepts(void **state)
{
	struct taper_device_rule rules[] = {
		ALLOW('a', ANY, ANY, RWM), DENY('a', ANY, ANY, M),
		ALLOW('c', 0, 0, R),       ALLOW('b', UINT32_MAX, UINT32_MAX, W),
		DENY('c', ANY, 3, RW),     DENY('b', 8, ANY, M | W),
	};
	struct taper_err err = { 0 };

	assert_int_equal(cg_devices_check(rules, ARRAY_SIZE(rules), &err), 0);
	for (unsigned a = 1; a <= RWM; a++) {
		rules[0].access = a;
		assert_int_equal(cg_devices_check(rules, ARRAY_SIZE(rules), &err), 0);
	}
	/* No rule: everything is denied, which is a valid list. */
	assert_int_equal(cg_devices_check(NULL, 0, &err), 0);
	assert_string_equal(err.msg, "");
}

static void test_check_count(void **state)
{
	_cleanup_free_ struct taper_device_rule *rules = calloc(CG_DEVICES_MAX_RULES + 1, sizeof(*rules));
	struct taper_err err = { 0 };

	assert_non_null(rules);
	for (size_t i = 0; i <= CG_DEVICES_MAX_RULES; i++)
		rules[i] = (struct taper_device_rule)ALLOW('c', 1, (int64_t)i, R);
	assert_int_equal(cg_devices_check(rules, CG_DEVICES_MAX_RULES, &err), 0);
	assert_int_equal(cg_devices_check(rules, CG_DEVICES_MAX_RULES + 1, &err), -E2BIG);
	assert_string_equal(err.msg, "device rules: 513 given, at most 512");
	memset(&err, 0, sizeof(err));
	assert_int_equal(cg_devices_bpf_attach(-1, rules, CG_DEVICES_MAX_RULES + 1, &err), -E2BIG);
	assert_string_equal(err.msg, "device rules: 513 given, at most 512");
}

/* ---- the kernel: cgroup directories ------------------------------------- */

static bool is_cgroup2(const char *path)
{
	struct statfs sf;

	return statfs(path, &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC;
}

/* rmdir, waiting out the moment after a child is reaped when the kernel
 * still counts it in the group (EBUSY). */
static int remove_group(const char *path)
{
	for (int i = 0; i < 500; i++) {
		if (rmdir(path) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			return -errno;
		usleep(10000);
	}
	return -EBUSY;
}

static void new_group(char *path, size_t size)
{
	snprintf(path, size, "%s/%s-%d", cg_root, prefix, seq++);
	if (mkdir(path, 0755) < 0)
		fail_msg("mkdir %s: %s", path, strerror(errno));
}

/* Programs attached to the cgroup directory fd, or -errno. */
static int attached_programs(int fd)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.query.target_fd = (uint32_t)fd;
	attr.query.attach_type = BPF_CGROUP_DEVICE;
	if (syscall(SYS_bpf, BPF_PROG_QUERY, &attr, sizeof(attr)) < 0)
		return -errno;
	return (int)attr.query.prog_cnt;
}

static int count_fds(void)
{
	_cleanup_closedir_ DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	while (d && (de = readdir(d)))
		n += de->d_name[0] != '.';
	return n;
}

/* ---- the kernel: the child's probes ------------------------------------- */

enum probe_op {
	OPEN,
	MKNOD
};

/* One device access by the child: open an existing node, or mknod one on
 * the child's tmpfs. Relative paths are on that tmpfs. */
struct probe {
	enum probe_op op;
	const char *path;
	int flags; /* OPEN: O_RDONLY, O_WRONLY or O_RDWR */
	char type; /* MKNOD: 'c' or 'b' */
	unsigned major, minor;
	int want; /* 0 or the errno */
};

#define OPEN_(p, f, w)                                             \
	{                                                          \
		.op = OPEN, .path = (p), .flags = (f), .want = (w) \
	}
#define MKNOD_(p, t, ma, mi, w)                                                                  \
	{                                                                                        \
		.op = MKNOD, .path = (p), .type = (t), .major = (ma), .minor = (mi), .want = (w) \
	}

#define MAX_PROBES 16

static const char *const stages[] = { "probes", "join the cgroup", "unshare the mount namespace",
				      "make / private", "mount the tmpfs" };

struct report {
	int stage; /* index in stages[], 0 when every probe ran */
	int err;
	int res[MAX_PROBES];
};

static int do_probe(const struct probe *p)
{
	if (p->op == MKNOD) {
		mode_t mode = (p->type == 'b' ? S_IFBLK : S_IFCHR) | 0600;

		unlink(p->path);
		return mknod(p->path, mode, makedev(p->major, p->minor)) < 0 ? errno : 0;
	}
	int fd = open(p->path, p->flags | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static void describe(const struct probe *p, char *buf, size_t size)
{
	if (p->op == MKNOD)
		snprintf(buf, size, "mknod %s %c %u:%u", p->path, p->type, p->major, p->minor);
	else
		snprintf(buf, size, "open %s %s", p->path,
			 p->flags == O_RDONLY   ? "O_RDONLY"
			 : p->flags == O_WRONLY ? "O_WRONLY"
						: "O_RDWR");
}

static void child(const char *group, const struct probe *probes, size_t n, int wfd)
{
	struct report rep = { 0 };
	char path[PATH_MAX], pid[16];

	snprintf(path, sizeof(path), "%s/cgroup.procs", group);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	if (write_file(path, pid) < 0)
		rep.stage = 1;
	else if (unshare(CLONE_NEWNS) < 0)
		rep.stage = 2;
	else if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		rep.stage = 3;
	else if (mount("tmpfs", scratch, "tmpfs", MS_NOSUID, "mode=0700") < 0 || chdir(scratch) < 0)
		rep.stage = 4;
	rep.err = errno;
	for (size_t i = 0; !rep.stage && i < n; i++)
		rep.res[i] = do_probe(&probes[i]);
	_exit(write_all(wfd, &rep, sizeof(rep)) < 0 ? 1 : 0);
}

/* Attach rules to a new group, run the probes in a child inside it, remove
 * the group, then check the results. */
static void run_case(const char *name, const struct taper_device_rule *rules, size_t n_rules,
		     const struct probe *probes, size_t n_probes)
{
	struct taper_err err = { 0 };
	struct report rep = { 0 };
	char group[256];
	int fd, pipefd[2], r, fds_before, fds_after, progs, status = 0;
	ssize_t got = 0;
	pid_t pid;

	if (!cg_root)
		skip();
	assert_true(n_probes <= MAX_PROBES);
	new_group(group, sizeof(group));
	fd = open(group, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	fds_before = count_fds();
	r = cg_devices_bpf_attach(fd, rules, n_rules, &err);
	fds_after = count_fds();
	progs = attached_programs(fd);
	close(fd);
	if (r < 0) {
		remove_group(group);
		fail_msg("%s: attach: %s", name, err.msg);
	}

	assert_int_equal(pipe2(pipefd, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(pipefd[0]);
		child(group, probes, n_probes, pipefd[1]);
	}
	close(pipefd[1]);
	got = read(pipefd[0], &rep, sizeof(rep));
	close(pipefd[0]);
	waitpid(pid, &status, 0);
	if ((r = remove_group(group)) < 0)
		fail_msg("%s: rmdir %s: %s", name, group, strerror(-r));

	assert_int_equal(fds_after, fds_before); /* the program's fd is closed */
	assert_int_equal(progs, 1);
	if (got != (ssize_t)sizeof(rep) || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("%s: the child reported nothing (status 0x%x)", name, status);
	if (rep.stage)
		fail_msg("%s: child: %s: %s", name, stages[rep.stage], strerror(rep.err));
	for (size_t i = 0; i < n_probes; i++) {
		char what[128];

		describe(&probes[i], what, sizeof(what));
		if (rep.res[i] != probes[i].want)
			fail_msg("%s: %s: got %s, want %s", name, what,
				 rep.res[i] ? strerror(rep.res[i]) : "success",
				 probes[i].want ? strerror(probes[i].want) : "success");
	}
}

#define RUN(name, rules, probes) run_case(name, rules, ARRAY_SIZE(rules), probes, ARRAY_SIZE(probes))

/* /dev/null is c 1:3, /dev/zero c 1:5, /dev/full c 1:7. */

static void test_allowlist(void **state)
{
	const struct taper_device_rule rules[] = { ALLOW('c', 1, 3, RW) };
	const struct probe probes[] = {
		OPEN_("/dev/null", O_RDONLY, 0),     OPEN_("/dev/null", O_RDWR, 0),
		OPEN_("/dev/zero", O_RDONLY, EPERM), OPEN_("/dev/full", O_WRONLY, EPERM),
		MKNOD_("null", 'c', 1, 3, EPERM), /* no m in the rule */
	};

	RUN("allowlist", rules, probes);
}

static void test_empty_list_denies(void **state)
{
	const struct probe probes[] = {
		OPEN_("/dev/null", O_RDONLY, EPERM),
		MKNOD_("null", 'c', 1, 3, EPERM),
		MKNOD_("loop", 'b', 7, 0, EPERM),
	};

	run_case("empty list", NULL, 0, probes, ARRAY_SIZE(probes));
}

/* What checkconfig asks: a program loads here (this test binary runs as
 * root on a kernel the attach tests use too). */
static void test_probe_loads(void **state)
{
	struct taper_err err = { 0 };

	if (geteuid() != 0)
		skip();
	if (cg_devices_bpf_probe(&err) < 0)
		fail_msg("probe: %s", err.msg);
}

static void test_mknod_only(void **state)
{
	const struct taper_device_rule rules[] = { ALLOW('c', 1, 5, M), ALLOW('c', 1, 3, RWM) };
	const struct probe probes[] = {
		MKNOD_("zero", 'c', 1, 5, 0),
		OPEN_("zero", O_RDONLY, EPERM),
		/* The control: nodes on this tmpfs open when the rules say so. */
		MKNOD_("null", 'c', 1, 3, 0),
		OPEN_("null", O_RDWR, 0),
		MKNOD_("full", 'c', 1, 7, EPERM),
	};

	RUN("mknod only", rules, probes);
}

/* An allow rule needs every requested bit, a deny rule any one. */
static void test_access_bits(void **state)
{
	const struct taper_device_rule read_only[] = { ALLOW('c', 1, 3, R) };
	const struct probe read_only_probes[] = {
		OPEN_("/dev/null", O_RDONLY, 0),
		OPEN_("/dev/null", O_RDWR, EPERM),
		OPEN_("/dev/null", O_WRONLY, EPERM),
	};
	const struct taper_device_rule no_write[] = { ALLOW('a', ANY, ANY, RWM), DENY('c', 1, 3, W) };
	const struct probe no_write_probes[] = {
		OPEN_("/dev/null", O_RDONLY, 0),     OPEN_("/dev/null", O_RDWR, EPERM),
		OPEN_("/dev/null", O_WRONLY, EPERM), OPEN_("/dev/zero", O_RDWR, 0),
		MKNOD_("null", 'c', 1, 3, 0),
	};

	RUN("read only", read_only, read_only_probes);
	RUN("no write", no_write, no_write_probes);
}

static void test_last_rule_decides(void **state)
{
	const struct taper_device_rule deny_after[] = { ALLOW('c', 1, 3, RWM), DENY('c', 1, 3, RWM) };
	const struct probe deny_after_probes[] = {
		OPEN_("/dev/null", O_RDONLY, EPERM),
		MKNOD_("null", 'c', 1, 3, EPERM),
	};
	const struct taper_device_rule allow_after[] = { DENY('c', 1, 3, RWM), ALLOW('c', 1, 3, RW) };
	const struct probe allow_after_probes[] = {
		OPEN_("/dev/null", O_RDWR, 0),
		MKNOD_("null", 'c', 1, 3, EPERM), /* m: only the deny matches */
	};
	const struct taper_device_rule narrow_deny[] = { ALLOW('c', ANY, ANY, RWM), DENY('c', 1, 5, RWM) };
	const struct probe narrow_deny_probes[] = {
		OPEN_("/dev/null", O_RDWR, 0),
		OPEN_("/dev/zero", O_RDONLY, EPERM),
		OPEN_("/dev/full", O_RDONLY, 0),
	};
	const struct taper_device_rule narrow_allow[] = { DENY('a', ANY, ANY, RWM), ALLOW('c', 1, 3, RW) };
	const struct probe narrow_allow_probes[] = {
		OPEN_("/dev/null", O_RDWR, 0),
		OPEN_("/dev/zero", O_RDONLY, EPERM),
	};

	RUN("deny after allow", deny_after, deny_after_probes);
	RUN("allow after deny", allow_after, allow_after_probes);
	RUN("narrow deny after allow", narrow_deny, narrow_deny_probes);
	RUN("narrow allow after deny", narrow_allow, narrow_allow_probes);
}

static void test_type_a(void **state)
{
	const struct taper_device_rule all[] = { ALLOW('a', ANY, ANY, RWM) };
	const struct probe all_probes[] = {
		OPEN_("/dev/null", O_RDWR, 0),
		OPEN_("/dev/zero", O_RDONLY, 0),
		MKNOD_("tty", 'c', 5, 0, 0),
		MKNOD_("loop", 'b', 7, 0, 0),
	};
	const struct taper_device_rule mknod_all[] = { ALLOW('a', ANY, ANY, M) };
	const struct probe mknod_all_probes[] = {
		MKNOD_("null", 'c', 1, 3, 0),
		MKNOD_("loop", 'b', 7, 1, 0),
		OPEN_("/dev/null", O_RDONLY, EPERM),
	};
	const struct taper_device_rule no_mknod[] = { ALLOW('a', ANY, ANY, RWM), DENY('a', ANY, ANY, M) };
	const struct probe no_mknod_probes[] = {
		OPEN_("/dev/null", O_RDWR, 0),
		MKNOD_("null", 'c', 1, 3, EPERM),
		MKNOD_("loop", 'b', 7, 0, EPERM),
	};

	RUN("a: all", all, all_probes);
	RUN("a: mknod everything", mknod_all, mknod_all_probes);
	RUN("a: deny mknod", no_mknod, no_mknod_probes);
}

static void test_type_and_numbers(void **state)
{
	const struct taper_device_rule block[] = { ALLOW('b', ANY, ANY, RWM) };
	const struct probe block_probes[] = {
		OPEN_("/dev/null", O_RDONLY, EPERM),
		MKNOD_("null", 'c', 1, 3, EPERM),
		MKNOD_("loop", 'b', 7, 0, 0),
	};
	const struct taper_device_rule any_minor[] = { ALLOW('c', 1, ANY, RW) };
	const struct probe any_minor_probes[] = {
		OPEN_("/dev/null", O_RDONLY, 0), OPEN_("/dev/zero", O_RDONLY, 0),
		OPEN_("/dev/tty", O_RDONLY, EPERM), /* c 5:0 */
	};
	const struct taper_device_rule any_major[] = { ALLOW('c', ANY, 3, RWM) };
	const struct probe any_major_probes[] = {
		OPEN_("/dev/null", O_RDONLY, 0), OPEN_("/dev/zero", O_RDONLY, EPERM),
		MKNOD_("x", 'c', 5, 3, 0),       MKNOD_("y", 'c', 5, 4, EPERM),
		MKNOD_("z", 'b', 5, 3, EPERM),
	};
	/* The largest numbers are numbers, not wildcards. */
	const struct taper_device_rule high[] = { ALLOW('c', 1, 3, RWM),
						  DENY('c', UINT32_MAX, UINT32_MAX, RWM),
						  ALLOW('c', UINT32_MAX, 5, RWM) };
	const struct probe high_probes[] = {
		OPEN_("/dev/null", O_RDONLY, 0),
		OPEN_("/dev/zero", O_RDONLY, EPERM),
	};

	RUN("block only", block, block_probes);
	RUN("any minor", any_minor, any_minor_probes);
	RUN("any major", any_major, any_major_probes);
	RUN("major and minor 4294967295", high, high_probes);
}

/* The largest list loads, and its last rule still decides. */
static void test_max_rules(void **state)
{
	_cleanup_free_ struct taper_device_rule *rules = calloc(CG_DEVICES_MAX_RULES, sizeof(*rules));
	const struct probe probes[] = {
		OPEN_("/dev/null", O_RDWR, 0),
		MKNOD_("loop5", 'b', 7, 5, EPERM),
		MKNOD_("loop600", 'b', 7, 600, EPERM),
		MKNOD_("zero", 'c', 1, 5, 0),
	};

	assert_non_null(rules);
	rules[0] = (struct taper_device_rule)ALLOW('c', 1, 3, RW);
	for (size_t i = 1; i < CG_DEVICES_MAX_RULES - 1; i++)
		rules[i] = (struct taper_device_rule)DENY('b', 7, (int64_t)i, M);
	rules[CG_DEVICES_MAX_RULES - 1] = (struct taper_device_rule)ALLOW('c', 1, 5, M);
	run_case("512 rules", rules, CG_DEVICES_MAX_RULES, probes, ARRAY_SIZE(probes));
}

/* A refused list attaches nothing. */
static void test_refused_attaches_nothing(void **state)
{
	const struct taper_device_rule rules[] = { ALLOW('c', 1, 3, RW), ALLOW('c', 1, 5, 0) };
	struct taper_err err = { 0 };
	char group[256];
	int fd, r, progs;

	if (!cg_root)
		skip();
	new_group(group, sizeof(group));
	fd = open(group, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	r = cg_devices_bpf_attach(fd, rules, ARRAY_SIZE(rules), &err);
	progs = attached_programs(fd);
	if (fd >= 0)
		close(fd);
	assert_int_equal(remove_group(group), 0);
	assert_true(fd >= 0);
	assert_int_equal(r, -EINVAL);
	assert_string_equal(err.msg, "device rule 1: no access given (r, w, m)");
	assert_int_equal(progs, 0);
}

/* ---- fixture ------------------------------------------------------------ */

/* Whatever a failed test left: kill its processes, remove its groups. */
static void scrub(void)
{
	_cleanup_closedir_ DIR *d = cg_root ? opendir(cg_root) : NULL;
	struct dirent *de;
	char path[PATH_MAX];

	while (d && (de = readdir(d))) {
		_cleanup_free_ char *procs = NULL;

		if (strncmp(de->d_name, prefix, strlen(prefix)) != 0 || de->d_name[strlen(prefix)] != '-')
			continue;
		snprintf(path, sizeof(path), "%s/%s/cgroup.procs", cg_root, de->d_name);
		if (read_file(path, 1 << 16, &procs) == 0)
			for (char *s = procs, *end; *s; s = end + (*end == '\n')) {
				long pid = strtol(s, &end, 10);

				if (end == s)
					break;
				kill((pid_t)pid, SIGKILL);
			}
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		snprintf(path, sizeof(path), "%s/%s", cg_root, de->d_name);
		remove_group(path);
	}
}

static int group_setup(void **state)
{
	snprintf(prefix, sizeof(prefix), "taper-test-devbpf-%d", (int)getpid());
	if (geteuid() == 0) {
		if (is_cgroup2("/sys/fs/cgroup"))
			cg_root = "/sys/fs/cgroup";
		else if (is_cgroup2("/sys/fs/cgroup/unified"))
			cg_root = "/sys/fs/cgroup/unified";
	}
	snprintf(scratch, sizeof(scratch), "/tmp/%s-XXXXXX", prefix);
	return mkdtemp(scratch) ? 0 : -1;
}

static int group_teardown(void **state)
{
	scrub();
	rmdir(scratch);
	return 0;
}

static int teardown(void **state)
{
	scrub();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_errors),
		cmocka_unit_test(test_check_accepts),
		cmocka_unit_test(test_check_count),
		cmocka_unit_test(test_probe_loads),
		cmocka_unit_test_teardown(test_allowlist, teardown),
		cmocka_unit_test_teardown(test_empty_list_denies, teardown),
		cmocka_unit_test_teardown(test_mknod_only, teardown),
		cmocka_unit_test_teardown(test_access_bits, teardown),
		cmocka_unit_test_teardown(test_last_rule_decides, teardown),
		cmocka_unit_test_teardown(test_type_a, teardown),
		cmocka_unit_test_teardown(test_type_and_numbers, teardown),
		cmocka_unit_test_teardown(test_max_rules, teardown),
		cmocka_unit_test_teardown(test_refused_attaches_nothing, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
