/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * child.c — the cloned child, from its first instruction to execve.
 *
 * It runs on a copy of the parent's memory, or in that memory itself while
 * the parent sleeps (spawn.c picks the clone), and must not return into the
 * parent's code: every path ends in execve or _exit. Up to the exec (or
 * run_init_main(), which only a fork-like child reaches) it must not
 * allocate nor write the parent's memory: ctx is its own copy, the rest is
 * read. Non-dumpable first
 * (nothing in the container may ptrace it or open its /proc files), wait
 * for the parent's go, build the root, place the stdio, apply the security
 * context (seccomp last), exec. A failure is sent to the parent as the one
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
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "run/run-internal.h"
#include "security/security.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

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
		return taper_err_set(err, ENOENT, "exec: no command");
	if (strchr(file, '/')) {
		execve(file, p->argv, env);
		return taper_err_set(err, errno, "exec %s", file);
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
				return taper_err_set(err, errno, "exec %s", file);
		}
		dir = end ? end + 1 : NULL;
	}
	return taper_err_set(err, saved, "exec %s", file);
}

/* fds above every target slot, so that dup2 into 0..2+n never clobbers a
 * source still to be placed. */
static int lift_fd(int fd, int min)
{
	return fd < 0 || fd >= min ? fd : fcntl(fd, F_DUPFD_CLOEXEC, min);
}

/* 0, 1, 2 from the opts (or the pty), the extra fds as 3.., and
 * everything else marked close-on-exec. */
int run_child_place_fds(struct run_ctx *ctx, struct taper_err *err)
{
	const struct run_opts *o = ctx->opts;
	int min = 3 + (int)o->n_extra_fds + 3;
	int src[3];

	ctx->sock = lift_fd(ctx->sock, min);
	for (int i = 0; i < 3; i++) {
		src[i] = ctx->pty_slave >= 0 ? ctx->pty_slave : o->stdio[i];
		if (src[i] >= 0 && src[i] != i && (src[i] = lift_fd(src[i], min)) < 0)
			return taper_err_set(err, errno, "move fd %d", i);
	}
	int extra[o->n_extra_fds ? o->n_extra_fds : 1];
	for (size_t i = 0; i < o->n_extra_fds; i++)
		if ((extra[i] = lift_fd(o->extra_fds[i], min)) < 0)
			return taper_err_set(err, errno, "move fd %d", o->extra_fds[i]);
	for (int i = 0; i < 3; i++)
		if (src[i] >= 0 && src[i] != i && dup2(src[i], i) < 0)
			return taper_err_set(err, errno, "set up fd %d", i);
	for (size_t i = 0; i < o->n_extra_fds; i++)
		if (dup2(extra[i], 3 + (int)i) < 0)
			return taper_err_set(err, errno, "pass fd %d", o->extra_fds[i]);
	if (syscall(SYS_close_range, 3 + o->n_extra_fds, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		return taper_err_set(err, errno, "mark fds close-on-exec");
	return 0;
}

int run_child_take_tty(struct run_ctx *ctx, struct taper_err *err)
{
	if (setsid() < 0)
		return taper_err_set(err, errno, "setsid");
	if (ioctl(0, TIOCSCTTY, 0) < 0)
		return taper_err_set(err, errno, "make the pty the controlling terminal");
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
		return taper_err_set(err, errno, "reset the signal mask");
	return 0;
}

static int child_setup(struct run_ctx *ctx, struct taper_err *err)
{
	const struct taper_spec *spec = ctx->spec;
	const struct taper_process *p = &spec->process;

	if (ctx->userns) {
		/* Become root of the new namespace, so that files we create
		 * belong to a mapped id. */
		if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
			return taper_err_set(err, errno, "become root in the user namespace");
	}
	if (ctx->unshare_cgroupns && unshare(CLONE_NEWCGROUP) < 0)
		return taper_err_set(err, errno, "unshare the cgroup namespace");
	if (spec->hostname && (spec->namespaces & TAPER_NS_UTS) &&
	    sethostname(spec->hostname, strlen(spec->hostname)) < 0)
		return taper_err_set(err, errno, "set hostname %s", spec->hostname);
	if (p->oom_score_adj != TAPER_UNSET) {
		char v[16];
		int r;

		snprintf(v, sizeof(v), "%d", p->oom_score_adj);
		if ((r = write_file("/proc/self/oom_score_adj", v)) < 0)
			return taper_err_set(err, r, "set oom_score_adj %s", v);
	}
	if (rootfs_setup(ctx, err) < 0)
		return taper_err_ret(err);
	if (run_child_place_fds(ctx, err) < 0)
		return taper_err_ret(err);
	/* Detached, the container's init starts a session of its own and has
	 * its console (the pty) as stdio only, not as its controlling
	 * terminal, as the kernel starts PID 1 and LXC its init: the init then
	 * hands the console to a getty, whose TIOCSCTTY fails with EPERM while
	 * another session holds it. Attached, the command owns its terminal
	 * (job control, ^C), or under our init (init.c) the command does. */
	if (ctx->opts->detach) {
		if (setsid() < 0)
			return taper_err_set(err, errno, "setsid");
	} else if (!spec->init && ctx->pty_slave >= 0 && run_child_take_tty(ctx, err) < 0) {
		return taper_err_ret(err);
	}
	if (chdir(p->cwd ? p->cwd : "/") < 0)
		return taper_err_set(err, errno, "chdir to %s", p->cwd ? p->cwd : "/");
	umask(022);
	if (run_child_reset_signals(err) < 0)
		return taper_err_ret(err);
	if (security_apply(p, ctx->seccomp, err) < 0)
		return taper_err_ret(err);
	/* A change of credentials clears the parent-death signal. */
	if (!ctx->opts->detach && prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		return taper_err_set(err, errno, "set the parent-death signal");
	return 0;
}

/* The parent's go; an fd riding along is the idmapped rootfs. */
static int recv_go(struct run_ctx *ctx)
{
	struct run_msg m;
	ssize_t n = run_msg_recv(ctx->sock, &m, &ctx->rootfs_tree);

	/* A short message leaves m.kind unwritten. */
	/* cppcheck-suppress uninitvar ; recvmsg() wrote m through the iovec */
	if (n < (ssize_t)sizeof(m.kind) || m.kind != RUN_MSG_GO)
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

	reset_caught_signals();
	if (security_set_nondumpable(&err) < 0)
		run_child_fail(ctx->sock, RUN_MSG_SETUP_FAILED, &err);
	if (!ctx->opts->detach)
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
	umask(0);
	if (ctx->wait_go && recv_go(ctx) < 0)
		_exit(RUN_STATUS_RUNTIME_ERROR);
	if (child_setup(ctx, &err) < 0)
		run_child_fail(ctx->sock, RUN_MSG_SETUP_FAILED, &err);
	if (ctx->spec->init)
		run_init_main(ctx);
	run_exec(&ctx->spec->process, &err);
	run_child_fail(ctx->sock, RUN_MSG_EXEC_FAILED, &err);
}
