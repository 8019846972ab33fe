/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Security, mount and system call probes. seccomp filters, no_new_privs and
 * mounts change the process for good, so they run in a forked child; the
 * mount probes also in a private mount namespace, on a tmpfs that exists
 * only there.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <linux/filter.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check/check-internal.h"
#include "util/cleanup.h"
#include "util/fs.h"

#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif
#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif

/* msg says what failed; -e for check_in_child(). */
#define FAIL(e, ...)                             \
	({                                       \
		snprintf(msg, len, __VA_ARGS__); \
		-(e);                            \
	})

/* Append to a detail buffer. */
static void appendf(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void appendf(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strnlen(buf, len);
	va_list ap;

	if (used + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

/* --- seccomp --- */

static const struct {
	uint32_t action;
	const char *name;
} seccomp_actions[] = {
	{ SECCOMP_RET_KILL_PROCESS, "kill_process" },
	{ SECCOMP_RET_KILL_THREAD, "kill_thread" },
	{ SECCOMP_RET_TRAP, "trap" },
	{ SECCOMP_RET_ERRNO, "errno" },
	{ SECCOMP_RET_USER_NOTIF, "user_notif" },
	{ SECCOMP_RET_TRACE, "trace" },
	{ SECCOMP_RET_LOG, "log" },
	{ SECCOMP_RET_ALLOW, "allow" },
};

/* Each tried alone, with what it depends on. */
static const struct {
	unsigned long flags;
	const char *name;
} seccomp_flags[] = {
	{ SECCOMP_FILTER_FLAG_TSYNC, "tsync" },
	{ SECCOMP_FILTER_FLAG_LOG, "log" },
	{ SECCOMP_FILTER_FLAG_SPEC_ALLOW, "spec_allow" },
	{ SECCOMP_FILTER_FLAG_NEW_LISTENER, "new_listener" },
	{ SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_TSYNC_ESRCH, "tsync_esrch" },
	{ SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, "wait_killable_recv" },
};

static long install_allow_filter(unsigned long flags)
{
	struct sock_filter allow[] = { BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW) };
	struct sock_fprog prog = { .len = 1, .filter = allow };

	return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
}

static int seccomp_child(const void *arg, char *msg, size_t len)
{
	bool notify_only = arg != NULL;
	const struct scmp_version *v = seccomp_version();
	long fd;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return FAIL(errno, "prctl(PR_SET_NO_NEW_PRIVS): %s", strerror(errno));
	if (notify_only) {
		uint32_t act = SECCOMP_RET_USER_NOTIF;

		if (syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &act) < 0)
			return FAIL(errno, "SECCOMP_RET_USER_NOTIF: %s", strerror(errno));
		fd = install_allow_filter(SECCOMP_FILTER_FLAG_NEW_LISTENER);
		if (fd < 0)
			return FAIL(errno, "filter with SECCOMP_FILTER_FLAG_NEW_LISTENER: %s",
				    strerror(errno));
		close((int)fd);
		snprintf(msg, len, "installed a filter with a listener fd in a child");
		return 0;
	}
	if (install_allow_filter(0) < 0)
		return FAIL(errno, "install a filter (SECCOMP_SET_MODE_FILTER): %s", strerror(errno));
	snprintf(msg, len, "filter installed in a child; actions:");
	for (size_t i = 0; i < sizeof(seccomp_actions) / sizeof(seccomp_actions[0]); i++) {
		uint32_t act = seccomp_actions[i].action;

		if (syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &act) == 0)
			appendf(msg, len, " %s", seccomp_actions[i].name);
	}
	appendf(msg, len, "; flags:");
	for (size_t i = 0; i < sizeof(seccomp_flags) / sizeof(seccomp_flags[0]); i++) {
		fd = install_allow_filter(seccomp_flags[i].flags);
		if (fd >= 0)
			appendf(msg, len, " %s", seccomp_flags[i].name);
		if (fd > 0)
			close((int)fd);
	}
	if (v)
		appendf(msg, len, "; libseccomp %u.%u.%u (api %u)", v->major, v->minor, v->micro,
			seccomp_api_get());
	return 0;
}

CHECK_PROBE(probe_seccomp)
{
	return check_in_child(seccomp_child, NULL, detail, len) == 0;
}

CHECK_PROBE(probe_seccomp_notify)
{
	return check_in_child(seccomp_child, "notify", detail, len) == 0;
}

static int nnp_child(const void *arg, char *msg, size_t len)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return FAIL(errno, "prctl(PR_SET_NO_NEW_PRIVS): %s", strerror(errno));
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		return FAIL(EPROTO, "PR_GET_NO_NEW_PRIVS does not read back 1");
	snprintf(msg, len, "set and read back in a child");
	return 0;
}

CHECK_PROBE(probe_no_new_privs)
{
	return check_in_child(nnp_child, NULL, detail, len) == 0;
}

/* --- mounts, in a private mount namespace --- */

/* Enter a private mount namespace and mount a tmpfs there over a directory
 * that exists; the tmpfs is invisible outside it. */
static int private_scratch(char *dir, size_t dlen, char *msg, size_t len)
{
	static const char *const candidates[] = { "/tmp", "/run", "/mnt", "/media", "/srv" };

	if (unshare(CLONE_NEWNS) < 0)
		return FAIL(errno, "unshare(CLONE_NEWNS): %s", strerror(errno));
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return FAIL(errno, "make / private: %s", strerror(errno));
	for (size_t i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++) {
		if (mount("taper-probe", candidates[i], "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0700") ==
		    0) {
			snprintf(dir, dlen, "%s", candidates[i]);
			return 0;
		}
	}
	return FAIL(errno, "mount a scratch tmpfs: %s", strerror(errno));
}

static int pivot_child(const void *arg, char *msg, size_t len)
{
	char dir[64], old[80];
	int r = private_scratch(dir, sizeof(dir), msg, len);

	if (r)
		return r;
	snprintf(old, sizeof(old), "%s/old", dir);
	if (mkdir(old, 0700) < 0)
		return FAIL(errno, "mkdir %s: %s", old, strerror(errno));
	if (syscall(SYS_pivot_root, dir, old) < 0)
		return FAIL(errno, "pivot_root: %s", strerror(errno));
	if (chdir("/") < 0 || umount2("/old", MNT_DETACH) < 0)
		return FAIL(errno, "detach the old root: %s", strerror(errno));
	snprintf(msg, len, "pivoted onto a tmpfs and detached the old root, in a private mount namespace");
	return 0;
}

CHECK_PROBE(probe_pivot_root)
{
	return check_in_child(pivot_child, NULL, detail, len) == 0;
}

static int overlay_child(const void *arg, char *msg, size_t len)
{
	static const char *const dirs[] = { "l", "u", "w", "m" };
	char dir[64], path[128], opts[256];
	_cleanup_close_ int fd = -1;
	struct stat st;
	int r = private_scratch(dir, sizeof(dir), msg, len);

	if (r)
		return r;
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, dirs[i]);
		if (mkdir(path, 0700) < 0)
			return FAIL(errno, "mkdir %s: %s", path, strerror(errno));
	}
	snprintf(opts, sizeof(opts), "lowerdir=%s/l,upperdir=%s/u,workdir=%s/w", dir, dir, dir);
	snprintf(path, sizeof(path), "%s/m", dir);
	if (mount("overlay", path, "overlay", 0, opts) < 0)
		return FAIL(errno, "mount overlay: %s", strerror(errno));
	/* A write through the overlay must land in the upper layer. */
	snprintf(path, sizeof(path), "%s/m/f", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	snprintf(path, sizeof(path), "%s/u/f", dir);
	if (fd < 0 || stat(path, &st) < 0)
		return FAIL(errno ? errno : EIO, "write through the overlay: %s", strerror(errno));
	snprintf(msg, len, "mounted and wrote through an overlay in a private mount namespace");
	return 0;
}

CHECK_PROBE(probe_overlayfs)
{
	_cleanup_free_ char *fs = NULL;
	bool listed = read_file("/proc/filesystems", 64 * 1024, &fs) == 0 && strstr(fs, "\toverlay\n");
	bool ok = check_in_child(overlay_child, NULL, detail, len) == 0;

	appendf(detail, len, "%s", listed ? "; in /proc/filesystems" : "; not in /proc/filesystems");
	return ok;
}

/* --- system calls --- */

struct clone_args_v0 {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

CHECK_PROBE(probe_clone3)
{
	int pidfd = -1, status;
	struct clone_args_v0 args = {
		.flags = CLONE_PIDFD,
		.pidfd = (uint64_t)(uintptr_t)&pidfd,
		.exit_signal = SIGCHLD,
	};
	long pid = syscall(SYS_clone3, &args, sizeof(args));

	if (pid == 0)
		_exit(0);
	if (pid < 0) {
		snprintf(detail, len, "clone3: %s", strerror(errno));
		return false;
	}
	while (waitpid((pid_t)pid, &status, 0) < 0 && errno == EINTR)
		;
	safe_close(pidfd);
	snprintf(detail, len, "clone3(CLONE_PIDFD) started and reaped a child");
	return pidfd >= 0;
}

CHECK_PROBE(probe_pidfd_open)
{
	_cleanup_close_ int fd = (int)syscall(SYS_pidfd_open, getpid(), 0);

	if (fd < 0) {
		snprintf(detail, len, "pidfd_open: %s", strerror(errno));
		return false;
	}
	if (syscall(SYS_pidfd_send_signal, fd, 0, NULL, 0) < 0) {
		snprintf(detail, len, "pidfd_send_signal: %s", strerror(errno));
		return false;
	}
	snprintf(detail, len, "pidfd_open and pidfd_send_signal on this process");
	return true;
}

CHECK_PROBE(probe_openat2)
{
	_cleanup_close_ int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int fd = -1;

	if (root < 0) {
		snprintf(detail, len, "open /: %s", strerror(errno));
		return false;
	}
	/* "/proc" under RESOLVE_IN_ROOT is relative to root, whatever the cwd. */
	fd = openat2_resolve(root, "/proc", O_PATH | O_DIRECTORY | O_CLOEXEC, 0,
			     RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
	if (fd < 0) {
		snprintf(detail, len, "openat2: %s", strerror(-fd));
		return false;
	}
	snprintf(detail, len, "openat2 with RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS");
	return true;
}

CHECK_PROBE(probe_close_range)
{
	int fd = open("/", O_PATH | O_CLOEXEC);
	bool cloexec;

	if (fd < 0) {
		snprintf(detail, len, "open /: %s", strerror(errno));
		return false;
	}
	cloexec = syscall(SYS_close_range, fd, fd, CLOSE_RANGE_CLOEXEC) == 0;
	if (syscall(SYS_close_range, fd, fd, 0) < 0) {
		snprintf(detail, len, "close_range: %s", strerror(errno));
		close(fd);
		return false;
	}
	snprintf(detail, len, "closed a descriptor%s", cloexec ? "; CLOSE_RANGE_CLOEXEC too" : "");
	return true;
}
