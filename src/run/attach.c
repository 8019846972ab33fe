/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * attach.c — run a new process inside a running container.
 *
 * The container is named by the pid of its init, pinned at once with a
 * pidfd so that a recycled pid can never be joined by mistake. A helper is
 * forked and held on the sync socket while the parent puts it in the
 * container's cgroup; it then enters every namespace that differs from
 * ours in one setns(pidfd, flags) call (Linux 5.8), which also moves its
 * root and cwd to the container's. Joining a pid namespace only affects
 * children, so the helper clones the real process with CLONE_PARENT: it is
 * born in the container's pid namespace as *our* child (run_wait() and
 * run_kill() work as for run_spawn()), and the helper exits. That process
 * waits for a go (so that its pid reaches us before any failure of its
 * own, on the same socket), places its stdio, enters its working directory
 * as resolved inside the container's root, applies the security context,
 * and execs; failures come back as for run_spawn(). Both close every fd of
 * the caller's they do not need first thing: the store's and the cgroup
 * directories must not enter the container with them.
 *
 * With a pty, the helper allocates it once inside, from the container's
 * own devpts (pty.c), so that the process's terminal is a /dev/pts/N of
 * the container, as it would be after a login there. The slave goes to
 * the process; the master comes back with the pid message, and is checked
 * again here before the caller relays it.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "run/run-internal.h"
#include "security/security.h"
#include "util/cleanup.h"
#include "util/err.h"

enum {
	RUN_MSG_PID = 100
};

/* CLONE_NEW* flags of the namespaces target has and we do not share. */
static int ns_to_join(pid_t target, unsigned long *ret, bool *ret_userns, struct taper_err *err)
{
	*ret = 0;
	*ret_userns = false;
	for (unsigned i = 0; i < TAPER_NS_COUNT; i++) {
		unsigned bit = 1u << i;
		const char *name = spec_ns_name(bit);
		char path[64];
		struct stat ours, theirs;

		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)target, name);
		if (stat(path, &theirs) < 0) {
			if (errno == ENOENT)
				continue; /* not built into this kernel */
			return err_set(err, errno, "namespace %s of %d", name, (int)target);
		}
		snprintf(path, sizeof(path), "/proc/self/ns/%s", name);
		if (stat(path, &ours) == 0 && ours.st_ino == theirs.st_ino && ours.st_dev == theirs.st_dev)
			continue;
		*ret |= spec_ns_clone_flag(bit);
		if (bit == TAPER_NS_USER)
			*ret_userns = true;
	}
	return 0;
}

/* The process that ends up in the container: never returns. */
_Noreturn static void attached_main(struct run_ctx *ctx, const struct taper_process *p,
				    const struct security_seccomp *filter)
{
	struct taper_err err = { 0 };
	struct run_msg m;

	/* The helper's pidfd of the init and the pty master are not ours. A
	 * failure here cannot be reported before the helper's message. */
	if (run_child_close_inherited(ctx, -1, &err) < 0)
		_exit(RUN_STATUS_RUNTIME_ERROR);
	/* Wait until the parent has our pid (from the helper): only then may
	 * a failure of ours reach it, on the same socket, after that message. */
	if (recv(ctx->sock, &m, sizeof(m), 0) <= 0 || m.kind != RUN_MSG_GO)
		_exit(RUN_STATUS_RUNTIME_ERROR);
	if (run_child_place_fds(ctx, &err) < 0)
		run_child_fail(ctx->sock, RUN_MSG_SETUP_FAILED, &err);
	if (ctx->pty_slave >= 0 && run_child_take_tty(ctx, &err) < 0)
		run_child_fail(ctx->sock, RUN_MSG_SETUP_FAILED, &err);
	if (run_child_enter_cwd(p->cwd, &err) < 0)
		run_child_fail(ctx->sock, RUN_MSG_SETUP_FAILED, &err);
	if (p->umask != TAPER_UNSET)
		umask((mode_t)p->umask);
	if (run_child_reset_signals(&err) < 0 || run_child_set_sched(p, &err) < 0 ||
	    security_apply(p, filter, &err) < 0)
		run_child_fail(ctx->sock, RUN_MSG_SETUP_FAILED, &err);
	run_exec(p, &err);
	run_child_fail(ctx->sock, RUN_MSG_EXEC_FAILED, &err);
}

/* The attached process's pid, with the pty master when there is one. */
static void send_pid(int sock, long pid, int master)
{
	struct run_msg m = { .kind = RUN_MSG_PID, .errnum = (int32_t)pid };

	(void)run_msg_send(sock, &m, offsetof(struct run_msg, what) + 1, master);
}

/* The helper: join, clone the real process as our parent's child, report
 * its pid, exit. */
_Noreturn static void helper_main(struct run_ctx *ctx, int pidfd, unsigned long ns,
				  const struct taper_process *p, const struct security_seccomp *filter)
{
	struct taper_err err = { 0 };
	struct run_msg m;
	int fd_dir = -1, master = -1;
	long pid;

	if (security_set_nondumpable(&err) < 0)
		run_child_fail(ctx->sock, RUN_MSG_SETUP_FAILED, &err);
	/* Of our caller's fds (its store, runtime and cgroup directories)
	 * nothing enters the container's namespaces with us but the pidfd,
	 * the socket and what the process is handed. */
	if (run_child_close_inherited(ctx, pidfd, &err) < 0)
		run_child_fail(ctx->sock, RUN_MSG_SETUP_FAILED, &err);
	/* Our own fds, seen through the host's /proc: the container's /proc
	 * does not show us (nor can it be trusted). */
	if (ctx->opts->pty && (fd_dir = open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) {
		err_set(&err, errno, "open /proc/self/fd");
		run_child_fail(ctx->sock, RUN_MSG_SETUP_FAILED, &err);
	}
	if (recv(ctx->sock, &m, sizeof(m), 0) <= 0 || m.kind != RUN_MSG_GO)
		_exit(RUN_STATUS_RUNTIME_ERROR);
	if (ns && setns(pidfd, (int)ns) < 0) {
		err_set(&err, errno, "enter the namespaces of %d", (int)ctx->target);
		run_child_fail(ctx->sock, RUN_MSG_SETUP_FAILED, &err);
	}
	if (ns & CLONE_NEWUSER) {
		if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0) {
			err_set(&err, errno, "become root in the user namespace");
			run_child_fail(ctx->sock, RUN_MSG_SETUP_FAILED, &err);
		}
	}
	if (ctx->opts->pty && pty_open_in_container(fd_dir, p->uid, &master, &ctx->pty_slave, &err) < 0)
		run_child_fail(ctx->sock, RUN_MSG_SETUP_FAILED, &err);
	fd_dir = safe_close(fd_dir);
	pid = syscall(SYS_clone, (unsigned long)CLONE_PARENT, NULL, NULL, NULL, 0);
	if (pid < 0) {
		err_set(&err, errno, "clone into the container");
		run_child_fail(ctx->sock, RUN_MSG_SETUP_FAILED, &err);
	}
	if (pid == 0)
		attached_main(ctx, p, filter);
	send_pid(ctx->sock, pid, master);
	_exit(0);
}

int run_attach(pid_t target, const struct taper_process *p, const struct run_opts *opts,
	       struct run_child **ret, struct taper_err *err)
{
	_cleanup_(run_child_freep) struct run_child *c = NULL;
	_cleanup_(run_seccomp_freep) struct security_seccomp *filter = NULL;
	_cleanup_(cgroup_freep) struct taper_cgroup *cg = NULL;
	_cleanup_close_ int pidfd = -1, psock = -1, csock = -1, fd = -1;
	int sv[2], r, dummy, status_w;
	/* cppcheck-suppress uninitvar ; takes dummy's address, reads nothing */
	int *status = opts->ret_status ? opts->ret_status : &dummy;
	unsigned long ns;
	bool userns;
	struct run_msg m;
	struct run_ctx ctx;
	pid_t helper;
	ssize_t n;

	*status = RUN_STATUS_RUNTIME_ERROR;
	if (!p->argv || !p->argv[0])
		return err_set(err, 0, "no command given");
	pidfd = (int)syscall(SYS_pidfd_open, target, 0);
	if (pidfd < 0)
		return err_set(err, errno, "container init %d", (int)target);
	if ((r = ns_to_join(target, &ns, &userns, err)) < 0)
		return r;
	/* The pid may have been recycled between pidfd_open and the stats:
	 * a pidfd that still signals proves it was not. */
	if (syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) < 0)
		return err_set(err, errno, "container init %d", (int)target);
	if ((r = run_child_new(opts->detach, TAPER_UNSET, &c, err)) < 0)
		return r;
	r = security_seccomp_prepare_process(p, userns, &filter, err);
	if (r < 0)
		return r;
	ctx = (struct run_ctx){ .opts = opts, .pty_slave = -1, .rootfs_tree = -1, .target = target };
	if (opts->cgroups && opts->cgroup_group &&
	    (r = cgroup_open(opts->cgroups, opts->cgroup_group, &cg, err)) < 0)
		return r;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return err_set(err, errno, "socketpair");
	psock = sv[0];
	ctx.sock = csock = sv[1];

	helper = fork();
	if (helper < 0)
		return err_set(err, errno, "fork");
	if (helper == 0) {
		safe_close(psock);
		helper_main(&ctx, pidfd, ns, p, filter);
	}
	csock = safe_close(csock);
	if (cg)
		r = cgroup_enter(cg, helper, err);
	if (r == 0 && send(psock, &(struct run_msg){ .kind = RUN_MSG_GO }, sizeof(m), MSG_NOSIGNAL) < 0)
		r = err_set(err, errno, "start the attach helper");
	if (r < 0) {
		kill(helper, SIGKILL);
		waitpid(helper, NULL, 0);
		return r;
	}
	n = run_msg_recv(psock, &m, &fd);
	while (waitpid(helper, &status_w, 0) < 0 && errno == EINTR)
		;
	if (n > 0 && m.kind == RUN_MSG_PID) {
		c->pid = m.errnum;
		/* Our own child now: its pid cannot be recycled before we reap. */
		c->pidfd = (int)syscall(SYS_pidfd_open, c->pid, 0);
		if (c->pidfd < 0)
			return err_set(err, errno, "pidfd of attached process %d", (int)c->pid);
		if (opts->pty) {
			/* From a helper of ours, but opened in the container's
			 * /dev: relay nothing but a pty master. */
			if (fd < 0)
				return err_set(err, EPROTO, "no pty from the container");
			if ((r = pty_check_master(fd, err)) < 0)
				return r;
			if (opts->winsize.ws_row && opts->winsize.ws_col)
				(void)ioctl(fd, TIOCSWINSZ, &opts->winsize);
			c->pty_master = TAKE_FD(fd);
		}
		if (send(psock, &(struct run_msg){ .kind = RUN_MSG_GO }, sizeof(m), MSG_NOSIGNAL) < 0)
			return err_set(err, errno, "start attached process %d", (int)c->pid);
	} else if (n > 0) {
		m.what[sizeof(m.what) - 1] = '\0';
		if (err) {
			err->code = m.errnum > 0 ? m.errnum : EINVAL;
			snprintf(err->msg, sizeof(err->msg), "%s", m.what);
		}
		return m.errnum > 0 ? -m.errnum : -EINVAL;
	} else {
		return err_set(err, n < 0 ? errno : EPIPE, "attach helper");
	}
	r = run_await_exec(psock, status, err);
	if (r < 0)
		return r;
	c->started = true;
	*status = 0;
	*ret = TAKE_PTR(c);
	return 0;
}
