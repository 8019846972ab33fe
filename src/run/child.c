/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * child.c — the cloned child, from its first instruction to execve.
 *
 * It runs on a copy of the parent's memory, or in that memory itself while
 * the parent sleeps (spawn.c picks the clone), and must not return into the
 * parent's code: every path ends in execve or _exit. Up to the exec (or
 * run_init_main(), which only a fork-like child reaches) it must not
 * allocate nor write the parent's memory: ctx is its own copy, the rest is
 * read. Non-dumpable first (nothing in the container may ptrace it or
 * open its /proc files), then every fd of the caller's closed but those the
 * container is handed and the sync socket; wait for the parent's go, build
 * the root, place the stdio (nothing else stays open), enter the working
 * directory as resolved inside the root, (held: say "ready" and wait for
 * the start,) apply the security context (seccomp last), exec. The cwd comes last among the paths because it is
 * the one a process keeps: taken while an fd of a host directory is open,
 * or through a magic link of /proc, it would start the command on the
 * host's tree (CVE-2024-21626). A failure is sent to the parent as the one
 * error line and errno, and the child exits.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "run/hooks.h"
#include "run/run-internal.h"
#include "security/security.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"

_Noreturn void run_child_fail(int sock, enum run_msg_kind kind, const struct taper_err *err)
{
	struct run_msg m = { .kind = kind, .errnum = err->code };

	snprintf(m.what, sizeof(m.what), "%s", err->msg);
	(void)send(sock, &m, sizeof(m), MSG_NOSIGNAL);
	if (kind == RUN_MSG_EXEC_FAILED)
		_exit(err->code == ENOENT ? RUN_STATUS_NOT_FOUND : RUN_STATUS_NOT_EXECUTABLE);
	_exit(RUN_STATUS_RUNTIME_ERROR);
}

static const char *env_path(char *const *env)
{
	for (; env && *env; env++)
		if (strncmp(*env, "PATH=", 5) == 0)
			return *env + 5;
	return "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
}

int run_exec(const struct taper_process *p, struct taper_err *err)
{
	const char *file = p->argv ? p->argv[0] : NULL;
	char *const *env = p->env ? p->env : (char *const[]){ NULL };
	char buf[PATH_MAX];
	int saved = ENOENT;

	if (!file || !*file)
		return err_set(err, ENOENT, "exec: no command");
	if (strchr(file, '/')) {
		execve(file, p->argv, env);
		return err_set(err, errno, "exec %s", file);
	}
	/* execvpe() would search the runtime's PATH, not the container's. */
	for (const char *dir = env_path(env); dir;) {
		const char *end = strchr(dir, ':');
		size_t len = end ? (size_t)(end - dir) : strlen(dir);

		if (len + strlen(file) + 2 <= sizeof(buf)) {
			snprintf(buf, sizeof(buf), "%.*s%s%s", (int)len, dir, len ? "/" : "", file);
			execve(buf, p->argv, env);
			if (errno == EACCES || errno == ENOEXEC || errno == EPERM)
				saved = errno;
			else if (errno != ENOENT && errno != ENOTDIR)
				return err_set(err, errno, "exec %s", file);
		}
		dir = end ? end + 1 : NULL;
	}
	return err_set(err, saved, "exec %s", file);
}

/* fds above every target slot, so that dup2 into 0..2+n never clobbers a
 * source still to be placed. */
static int lift_fd(int fd, int min)
{
	return fd < 0 || fd >= min ? fd : fcntl(fd, F_DUPFD_CLOEXEC, min);
}

/* Close every fd not in keep (-1 entries mean nothing); -errno. */
static int close_fds_except(const int *keep, size_t n_keep)
{
	unsigned lo = 0;

	/* Close the gaps between kept fds, lowest first: no allocation, and
	 * as many close_range() calls as there are gaps. */
	for (;;) {
		unsigned next = ~0U;

		for (size_t i = 0; i < n_keep; i++)
			if (keep[i] >= 0 && (unsigned)keep[i] >= lo && (unsigned)keep[i] < next)
				next = (unsigned)keep[i];
		if (next > lo && syscall(SYS_close_range, lo, next == ~0U ? ~0U : next - 1, 0) < 0)
			return -errno;
		if (next == ~0U)
			return 0;
		lo = next + 1;
	}
}

int run_child_close_inherited(const struct run_ctx *ctx, int keep_also, struct taper_err *err)
{
	const struct run_opts *o = ctx->opts;
	int keep[9 + o->n_extra_fds];
	size_t n = 0;
	int r;

	/* 0, 1 and 2 are the caller's stdio, the container's where the opts
	 * leave them (-1). */
	for (int i = 0; i < 3; i++) {
		keep[n++] = i;
		keep[n++] = o->stdio[i];
	}
	keep[n++] = ctx->sock;
	keep[n++] = ctx->pty_slave;
	keep[n++] = keep_also;
	for (size_t i = 0; i < o->n_extra_fds; i++)
		keep[n++] = o->extra_fds[i];
	if ((r = close_fds_except(keep, n)) < 0)
		return err_set(err, r, "close the runtime's fds");
	return 0;
}

/* 0, 1, 2 from the opts (or the pty), the extra fds as 3.., the sync
 * socket right after them, and every other fd closed, not only marked
 * close-on-exec: an fd of a host directory still open when the process
 * chdirs would be its way out through /proc/self/fd/N, and in an init,
 * which never execs, one through /proc/1/fd/N for good. */
int run_child_place_fds(struct run_ctx *ctx, struct taper_err *err)
{
	const struct run_opts *o = ctx->opts;
	int min = 3 + (int)o->n_extra_fds + 3;
	int sock_slot = 3 + (int)o->n_extra_fds;
	int src[3];

	if ((ctx->sock = lift_fd(ctx->sock, min)) < 0)
		return err_set(err, errno, "move the sync socket");
	for (int i = 0; i < 3; i++) {
		src[i] = ctx->pty_slave >= 0 ? ctx->pty_slave : o->stdio[i];
		if (src[i] >= 0 && src[i] != i && (src[i] = lift_fd(src[i], min)) < 0)
			return err_set(err, errno, "move fd %d", i);
	}
	int extra[o->n_extra_fds ? o->n_extra_fds : 1];
	for (size_t i = 0; i < o->n_extra_fds; i++)
		if ((extra[i] = lift_fd(o->extra_fds[i], min)) < 0)
			return err_set(err, errno, "move fd %d", o->extra_fds[i]);
	for (int i = 0; i < 3; i++)
		if (src[i] >= 0 && src[i] != i && dup2(src[i], i) < 0)
			return err_set(err, errno, "set up fd %d", i);
	for (size_t i = 0; i < o->n_extra_fds; i++)
		if (dup2(extra[i], 3 + (int)i) < 0)
			return err_set(err, errno, "pass fd %d", o->extra_fds[i]);
	if (dup3(ctx->sock, sock_slot, O_CLOEXEC) < 0)
		return err_set(err, errno, "move the sync socket");
	ctx->sock = sock_slot;
	/* The slave lives on as 0, 1 and 2. */
	if (ctx->pty_slave >= 0)
		ctx->pty_slave = 0;
	if (syscall(SYS_close_range, sock_slot + 1, ~0U, 0) < 0)
		return err_set(err, errno, "close the runtime's fds");
	return 0;
}

int run_child_enter_cwd(const char *cwd, struct taper_err *err)
{
	_cleanup_close_ int root = -1, dir = -1;
	char buf[PATH_MAX];
	const char *at;

	if (!cwd)
		cwd = "/";
	root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return err_set(err, errno, "open the container's root");
	/* ".." and symlinks stay inside the root, and no magic link
	 * (/proc/self/fd/N, /proc/N/cwd) may lead out of it. */
	dir = openat2_in_root(root, cwd, O_PATH | O_DIRECTORY, 0);
	if (dir == -ELOOP)
		return err_set(err, ELOOP, "chdir to %s: a magic link (/proc/PID/fd/N) or a symlink loop",
			       cwd);
	if (dir < 0)
		return err_set(err, dir, "chdir to %s", cwd);
	if (fchdir(dir) < 0)
		return err_set(err, errno, "chdir to %s", cwd);
	/* The kernel tells a cwd out of reach of the root by a path that does
	 * not start with "/" ("(unreachable)/..."), which getcwd() refuses. */
	at = getcwd(buf, sizeof(buf));
	if (!at || at[0] != '/')
		return err_set(err, at ? ENOENT : errno, "chdir to %s: not under the container's root", cwd);
	return 0;
}

/* sched_setattr(2)'s argument: <linux/sched/types.h> clashes with glibc's
 * <sched.h>, and glibc 2.36 has no wrapper. */
struct sched_attr {
	uint32_t size;
	uint32_t sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime;
	uint64_t sched_deadline;
	uint64_t sched_period;
};

int run_child_set_sched(const struct taper_process *p, struct taper_err *err)
{
	if (p->io_priority != TAPER_UNSET &&
	    syscall(SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, 0, p->io_priority) < 0)
		return err_set(err, errno, "set I/O priority class %d level %d", p->io_priority >> 13,
			       p->io_priority & 0x1fff);
	if (p->sched.policy != TAPER_UNSET) {
		struct sched_attr attr = {
			.size = sizeof(attr),
			.sched_policy = (uint32_t)p->sched.policy,
			.sched_flags = p->sched.flags,
			.sched_nice = p->sched.nice,
			.sched_priority = (uint32_t)p->sched.priority,
			.sched_runtime = p->sched.runtime,
			.sched_deadline = p->sched.deadline,
			.sched_period = p->sched.period,
		};

		if (syscall(SYS_sched_setattr, 0, &attr, 0) < 0)
			return err_set(err, errno, "set scheduling policy %d", p->sched.policy);
	}
	return 0;
}

int run_child_take_tty(struct run_ctx *ctx, struct taper_err *err)
{
	if (setsid() < 0)
		return err_set(err, errno, "setsid");
	if (ioctl(0, TIOCSCTTY, 0) < 0)
		return err_set(err, errno, "make the pty the controlling terminal");
	return 0;
}

/* The caller may block signals (for a signalfd) or ignore SIGPIPE; the
 * command starts with neither. */
int run_child_reset_signals(struct taper_err *err)
{
	static const int sigs[] = { SIGPIPE, SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGCHLD, SIGTTOU, SIGTTIN };
	sigset_t none;

	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		signal(sigs[i], SIG_DFL);
	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) < 0)
		return err_set(err, errno, "reset the signal mask");
	return 0;
}

static int child_setup(struct run_ctx *ctx, struct taper_err *err)
{
	const struct taper_spec *spec = ctx->spec;
	const struct taper_process *p = &spec->process;

	if (ctx->userns) {
		/* Become root of the new namespace, so that files we create
		 * belong to a mapped id. */
		/* Raw, as security_switch_user(): no setxid broadcast. */
		if (syscall(SYS_setresgid, 0, 0, 0) < 0 || syscall(SYS_setresuid, 0, 0, 0) < 0)
			return err_set(err, errno, "become root in the user namespace");
	}
	if (ctx->unshare_cgroupns && unshare(CLONE_NEWCGROUP) < 0)
		return err_set(err, errno, "unshare the cgroup namespace");
	if (spec->hostname && (spec->namespaces & TAPER_NS_UTS) &&
	    sethostname(spec->hostname, strlen(spec->hostname)) < 0)
		return err_set(err, errno, "set hostname %s", spec->hostname);
	if (spec->domainname && (spec->namespaces & TAPER_NS_UTS) &&
	    setdomainname(spec->domainname, strlen(spec->domainname)) < 0)
		return err_set(err, errno, "set domainname %s", spec->domainname);
	if (p->oom_score_adj != TAPER_UNSET) {
		char v[16];
		int r;

		snprintf(v, sizeof(v), "%d", p->oom_score_adj);
		if ((r = write_file("/proc/self/oom_score_adj", v)) < 0)
			return err_set(err, r, "set oom_score_adj %s", v);
	}
	if (rootfs_setup(ctx, err) < 0)
		return err_ret(err);
	if (run_child_place_fds(ctx, err) < 0)
		return err_ret(err);
	/* Detached, the container's init starts a session of its own and has
	 * its console (the pty) as stdio only, not as its controlling
	 * terminal, as the kernel starts PID 1 and LXC its init: the init then
	 * hands the console to a getty, whose TIOCSCTTY fails with EPERM while
	 * another session holds it. Attached, the command owns its terminal
	 * (job control, ^C), or under our init (init.c) the command does. */
	if (ctx->opts->detach) {
		if (setsid() < 0)
			return err_set(err, errno, "setsid");
	} else if (!spec->init && ctx->pty_slave >= 0 && run_child_take_tty(ctx, err) < 0) {
		return err_ret(err);
	}
	if (run_child_enter_cwd(p->cwd, err) < 0)
		return err_ret(err);
	umask(p->umask == TAPER_UNSET ? 022 : (mode_t)p->umask);
	if (run_child_reset_signals(err) < 0)
		return err_ret(err);
	if (run_child_set_sched(p, err) < 0)
		return err_ret(err);
	if (spec->personality != TAPER_UNSET && personality((unsigned long)spec->personality) < 0)
		return err_set(err, errno, "set personality 0x%llx", (unsigned long long)spec->personality);
	return 0;
}

/* The last step before exec (or init): the security context. */
static int child_confine(struct run_ctx *ctx, struct taper_err *err)
{
	if (security_apply(&ctx->spec->process, ctx->seccomp, err) < 0)
		return err_ret(err);
	/* A change of credentials clears the parent-death signal. */
	if (!ctx->opts->detach && prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		return err_set(err, errno, "set the parent-death signal");
	return 0;
}

/* The parent's go; an fd riding along is the idmapped rootfs. Before it,
 * the idmapped binds' trees, one a message in the order of the mounts
 * (ctx->mount_trees is our copy of the parent's array: a child that waits
 * for the go is a fork-like one). */
static int recv_go(struct run_ctx *ctx)
{
	const struct taper_spec *spec = ctx->spec;
	size_t next = 0;

	for (;;) {
		struct run_msg m;
		int fd;
		ssize_t n = run_msg_recv(ctx->sock, &m, &fd);

		/* A short message leaves m.kind unwritten. */
		/* cppcheck-suppress uninitvar ; recvmsg() wrote m through the iovec */
		if (n >= (ssize_t)sizeof(m.kind) && m.kind == RUN_MSG_GO) {
			ctx->rootfs_tree = fd;
			return 0;
		}
		while (next < spec->n_mounts && !spec->mounts[next].idmap)
			next++;
		if (n < (ssize_t)sizeof(m.kind) || m.kind != RUN_MSG_MOUNT_TREE || !ctx->mount_trees ||
		    next == spec->n_mounts) {
			safe_close(fd);
			return -EPROTO;
		}
		ctx->mount_trees[next++] = fd;
	}
}

/* Created: the root is built, the cwd entered. Say so, and wait for the
 * start. The security context comes after, so that no seccomp profile has
 * to allow the wait's calls. EOF instead of the start (the creator is
 * gone, or freed the run): exit. */
static int child_hold(struct run_ctx *ctx)
{
	struct run_msg m = { .kind = RUN_MSG_READY };
	int fd;
	ssize_t n;

	if (run_msg_send(ctx->sock, &m, sizeof(m.kind), -1) < 0)
		return -EPIPE;
	n = run_msg_recv(ctx->sock, &m, &fd);
	safe_close(fd);
	/* cppcheck-suppress uninitvar ; recvmsg() wrote m through the iovec */
	if (n < (ssize_t)sizeof(m.kind) || m.kind != RUN_MSG_START)
		return -EPROTO;
	return 0;
}

/* Caught signals back to their defaults, before any is unblocked: the
 * handlers are the parent's, and after a shared-memory clone they would
 * run on the parent's data (see spawn.c). */
static void reset_caught_signals(void)
{
	struct sigaction sa;

	for (int sig = 1; sig < NSIG; sig++)
		if (sigaction(sig, NULL, &sa) == 0 && sa.sa_handler != SIG_DFL && sa.sa_handler != SIG_IGN) {
			sa.sa_handler = SIG_DFL;
			sa.sa_flags = 0;
			(void)sigaction(sig, &sa, NULL);
		}
}

_Noreturn void run_child_main(struct run_ctx *ctx)
{
	struct taper_err err = { 0 };
	int r;

	/* Into the group's v1 parts before anything we do is counted there
	 * (spawn.c: the parent has left that to us). */
	if (ctx->birth && (r = cgroup_birth_join(ctx->birth)) < 0) {
		err_set(&err, -r, "join cgroup %s", ctx->opts->cgroup_group);
		run_child_fail(ctx->sock, RUN_MSG_SETUP_FAILED, &err);
	}
	reset_caught_signals();
	if (security_set_nondumpable(&err) < 0)
		run_child_fail(ctx->sock, RUN_MSG_SETUP_FAILED, &err);
	/* We live in the container's namespaces from now on: nothing of the
	 * caller's (its cgroup and store directories, the rootfs) comes along
	 * but what the container is handed. */
	if (run_child_close_inherited(ctx, -1, &err) < 0)
		run_child_fail(ctx->sock, RUN_MSG_SETUP_FAILED, &err);
	if (!ctx->opts->detach)
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
	umask(0);
	if (ctx->wait_go && recv_go(ctx) < 0)
		_exit(RUN_STATUS_RUNTIME_ERROR);
	if (child_setup(ctx, &err) < 0)
		run_child_fail(ctx->sock, RUN_MSG_SETUP_FAILED, &err);
	if (ctx->hold && child_hold(ctx) < 0)
		_exit(RUN_STATUS_RUNTIME_ERROR);
	/* OCI's startContainer hooks: in the container, its root entered,
	 * before the command's security context (as root of its namespaces,
	 * so that no seccomp profile has to allow what a hook does). */
	if (ctx->hook_state && hooks_run(ctx->spec, TAPER_HOOK_START_CONTAINER, ctx->hook_state, "created",
					 getpid(), false, &err) < 0)
		run_child_fail(ctx->sock, RUN_MSG_SETUP_FAILED, &err);
	if (child_confine(ctx, &err) < 0)
		run_child_fail(ctx->sock, RUN_MSG_SETUP_FAILED, &err);
	if (ctx->spec->init)
		run_init_main(ctx);
	run_exec(&ctx->spec->process, &err);
	run_child_fail(ctx->sock, RUN_MSG_EXEC_FAILED, &err);
}
