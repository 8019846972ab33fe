/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * nsholder.c — a child of ours parked in a user namespace, for its /proc
 * files: a new namespace whose maps we then write (the user namespace an
 * idmapped mount takes its own maps from), or a joined one whose maps we
 * read (/proc/PID/uid_map shows them in host ids). The child makes system
 * calls only: it joins (when asked), says how that went with one byte on
 * its socket, and waits for EOF there, so that it dies with us too; every signal
 * stays blocked in it.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "run/run-internal.h"
#include "util/cleanup.h"
#include "util/err.h"

int nsholder_start(int join_fd, struct nsholder *h, struct taper_err *err)
{
	struct clone_args args = {
		.flags = CLONE_PIDFD | (join_fd < 0 ? CLONE_NEWUSER : 0),
		.pidfd = (uint64_t)(uintptr_t)&h->pidfd,
		.exit_signal = SIGCHLD,
	};
	_cleanup_close_ int mine = -1, theirs = -1;
	sigset_t all, old;
	int sv[2], saved;
	long pid;
	char c;
	ssize_t n;

	*h = (struct nsholder){ .pid = -1, .pidfd = -1, .sock = -1 };
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return err_set(err, errno, "user namespace helper: socketpair");
	mine = sv[0];
	theirs = sv[1];
	sigfillset(&all);
	if (sigprocmask(SIG_SETMASK, &all, &old) < 0)
		return err_set(err, errno, "user namespace helper: block signals");
	pid = syscall(SYS_clone3, &args, sizeof(args));
	if (pid == 0) {
		(void)close(mine);
		/* One byte: 0, or the errno of the join (all fit). */
		c = (char)(join_fd >= 0 && setns(join_fd, CLONE_NEWUSER) < 0 ? errno : 0);
		if (write(theirs, &c, 1) != 1 || c)
			_exit(1);
		while (read(theirs, &c, 1) > 0)
			;
		_exit(0);
	}
	saved = errno;
	(void)sigprocmask(SIG_SETMASK, &old, NULL);
	if (pid < 0)
		return err_set(err, saved, "user namespace helper: clone");
	h->pid = (pid_t)pid;
	theirs = safe_close(theirs);
	do
		n = read(mine, &c, 1);
	while (n < 0 && errno == EINTR);
	h->sock = TAKE_FD(mine);
	if (n != 1 || c) {
		nsholder_release(h);
		return err_set(err, n == 1 ? (unsigned char)c : EPROTO, "join it");
	}
	return 0;
}

void nsholder_release(struct nsholder *h)
{
	siginfo_t si;

	h->sock = safe_close(h->sock);
	if (h->pidfd >= 0) {
		while (waitid(P_PIDFD, (id_t)h->pidfd, &si, WEXITED) < 0 && errno == EINTR)
			;
		h->pidfd = safe_close(h->pidfd);
	}
	h->pid = -1;
}
