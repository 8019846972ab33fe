/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * init.c — a tiny PID 1 for containers whose command is no init.
 *
 * The kernel gives PID 1 of a namespace two jobs a plain command does not
 * do: reaping orphans re-parented to it, and deciding which signals it
 * accepts (a PID 1 without a handler ignores SIGTERM and SIGINT, even
 * SIGKILL sent from inside). This init forks the command, forwards every
 * catchable signal to it, reaps every child, and exits with the command's
 * status (128+N when a signal N killed it) as soon as the command ends;
 * the kernel then kills whatever is left in the namespace.
 *
 * It runs already confined (rootfs, credentials, seccomp) and, never
 * exec'ing, stays non-dumpable: /proc/1/exe is not the container's to open.
 * Nor are its fds of the runtime's, which a process with CAP_SYS_PTRACE
 * could open through /proc/1/fd: child.c closed every one but the
 * container's stdio and the sync socket, and the socket goes once the
 * command is forked.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "run/run-internal.h"
#include "util/cleanup.h"
#include "util/err.h"

/* This process is a fork of the runtime, so /proc/1/cmdline (readable by
 * everyone in the container) would show the host's taper command line:
 * binary and rootfs paths, flags. Overwrite that memory with "init"; the
 * environment goes too. Addresses from /proc/self/stat (fields 48-51). */
static void hide_runtime_args(void)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/stat", "re");
	uintptr_t arg_start, arg_end, env_start, env_end;
	char buf[1024], *p;

	if (!f || !fgets(buf, sizeof(buf), f) || !(p = strrchr(buf, ')')))
		return;
	/* After "pid (comm)", field 3 onwards; skip to field 48. */
	for (int field = 2; p && field < 48; field++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p, " %" SCNuPTR " %" SCNuPTR " %" SCNuPTR " %" SCNuPTR, &arg_start, &arg_end,
			 &env_start, &env_end) != 4)
		return;
	if (env_end > env_start)
		memset((void *)env_start, 0, env_end - env_start);
	if (arg_end > arg_start + 5) {
		memset((void *)arg_start, 0, arg_end - arg_start);
		memcpy((void *)arg_start, "init", 5);
	}
}

static const int forwarded[] = {
	SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT, SIGALRM, SIGPWR,
};

_Noreturn void run_init_main(struct run_ctx *ctx)
{
	struct taper_err err = { 0 };
	sigset_t set, old;
	int hidden[2];
	pid_t cmd;

	sigemptyset(&set);
	for (size_t i = 0; i < ARRAY_SIZE(forwarded); i++)
		sigaddset(&set, forwarded[i]);
	sigaddset(&set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &set, &old) < 0) {
		err_set(&err, errno, "init: block signals");
		run_child_fail(ctx->sock, RUN_MSG_SETUP_FAILED, &err);
	}
	/* The command waits on this pipe's EOF until the runtime's arguments
	 * are hidden: it must not be able to read /proc/1/cmdline first. */
	if (pipe2(hidden, O_CLOEXEC) < 0) {
		err_set(&err, errno, "init: pipe");
		run_child_fail(ctx->sock, RUN_MSG_SETUP_FAILED, &err);
	}
	cmd = fork();
	if (cmd < 0) {
		err_set(&err, errno, "init: fork the command");
		run_child_fail(ctx->sock, RUN_MSG_SETUP_FAILED, &err);
	}
	if (cmd == 0) {
		char c;

		safe_close(hidden[1]);
		while (read(hidden[0], &c, 1) < 0 && errno == EINTR)
			;
		safe_close(hidden[0]);
		sigprocmask(SIG_SETMASK, &old, NULL);
		if (ctx->pty_slave >= 0 && run_child_take_tty(ctx, &err) < 0)
			run_child_fail(ctx->sock, RUN_MSG_SETUP_FAILED, &err);
		run_exec(&ctx->spec->process, &err);
		run_child_fail(ctx->sock, RUN_MSG_EXEC_FAILED, &err);
	}
	/* The command holds the sync socket until its execve closes it. */
	safe_close(ctx->sock);
	(void)prctl(PR_SET_NAME, "init");
	hide_runtime_args();
	safe_close(hidden[0]);
	safe_close(hidden[1]);

	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(&set, &si);
		int status;
		pid_t w;

		if (sig < 0)
			continue;
		if (sig != SIGCHLD) {
			(void)kill(cmd, sig);
			continue;
		}
		while ((w = waitpid(-1, &status, WNOHANG)) > 0) {
			if (w != cmd)
				continue;
			if (WIFSIGNALED(status))
				_exit(128 + WTERMSIG(status));
			_exit(WEXITSTATUS(status));
		}
	}
}
