/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cmd_run.c — `taper run`: flags to spec (taper_spec_from_run_flags),
 * spawn, relay, wait, and exit with the command's status. `taper run
 * --container NAME CMD...` (lxc-execute) runs CMD in a stored container's
 * configuration through taper_container_execute() instead.
 *
 * Signals for the container are taken through a signalfd (blocked before
 * the spawn, so none is lost) and forwarded to its init; with -t the
 * terminal is put in raw mode and relayed to the pty master, window size
 * included. Exit status: the command's, 128+N when killed by signal N,
 * 125/126/127 when it never ran.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <unistd.h>

#include "cli/cli.h"
#include "util/cleanup-api.h"

#define VERB "run"

static const int relayed_signals[] = {
	SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH,
};

struct relay {
	struct taper_run *run;
	int sigfd;
	int master; /* -1 without -t */
	bool stdin_open;
};

static int copy_some(int from, int to)
{
	char buf[8192];
	ssize_t n = read(from, buf, sizeof(buf));

	if (n <= 0)
		return n < 0 && (errno == EAGAIN || errno == EINTR) ? 1 : -1;
	for (ssize_t off = 0; off < n;) {
		ssize_t w = write(to, buf + off, (size_t)(n - off));

		if (w < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -1;
		}
		off += w;
	}
	return 0;
}

static void on_signal(struct relay *r)
{
	struct signalfd_siginfo si;

	while (read(r->sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGWINCH) {
			struct winsize ws;

			if (r->master >= 0 && ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
				(void)ioctl(r->master, TIOCSWINSZ, &ws);
			continue;
		}
		(void)taper_run_kill(r->run, (int)si.ssi_signo, NULL);
	}
}

/* Until the container's init exits: signals, and the pty both ways. */
static void relay_loop(struct relay *r)
{
	for (;;) {
		struct pollfd p[4] = {
			{ .fd = taper_run_pidfd(r->run), .events = POLLIN },
			{ .fd = r->sigfd, .events = POLLIN },
			{ .fd = r->master, .events = POLLIN },
			{ .fd = r->stdin_open && r->master >= 0 ? STDIN_FILENO : -1, .events = POLLIN },
		};

		if (poll(p, 4, -1) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		if (p[1].revents)
			on_signal(r);
		if (p[2].revents && copy_some(r->master, STDOUT_FILENO) < 0)
			r->master = -1;
		if (p[3].revents && copy_some(STDIN_FILENO, r->master) < 0)
			r->stdin_open = false;
		if (p[0].revents) {
			/* Output written before the exit is still in the pty. */
			if (r->master >= 0) {
				fcntl(r->master, F_SETFL, fcntl(r->master, F_GETFL) | O_NONBLOCK);
				while (copy_some(r->master, STDOUT_FILENO) == 0)
					;
			}
			return;
		}
	}
}

static int run_help(void)
{
	_cleanup_free_ char *text = NULL;
	struct taper_err err = { 0 };

	if (taper_run_flags_help(&text, &err) < 0)
		return cli_fail(VERB, &err), TAPER_STATUS_RUNTIME_ERROR;
	fputs(text, stdout);
	return 0;
}

/* taper run --container NAME [--] CMD...: lxc-execute, through the
 * library (taper_container_execute); the container's config says all,
 * so no other flag is taken. */
static int run_container(const char *name, int argc, char **argv, struct cli_ctx *ctx)
{
	struct taper_execute_opts o;
	struct taper_store *s = NULL;
	struct taper_err err = { 0 };
	int r, status = TAPER_STATUS_RUNTIME_ERROR;

	if (argc > 0 && strcmp(argv[0], "--") == 0) {
		argc--;
		argv++;
	} else if (argc > 0 && argv[0][0] == '-') {
		return cli_failf(TAPER_STATUS_RUNTIME_ERROR, VERB,
				 "--container %s takes no other flag (its config says it all): %s", name,
				 argv[0]);
	}
	if (argc == 0)
		return cli_failf(TAPER_STATUS_RUNTIME_ERROR, VERB, "--container %s: no command", name);
	/* The built-in init under the command is this program. */
	if (taper_runtime_prepare(ctx->argc, ctx->argv, &err) < 0)
		return cli_fail(VERB, &err), TAPER_STATUS_RUNTIME_ERROR;
	if (taper_store_open(ctx->store_path, &s, &err) < 0)
		return cli_fail(VERB, &err), TAPER_STATUS_RUNTIME_ERROR;
	taper_execute_opts_init(&o);
	o.argv = argv;
	o.ret_status = &status;
	r = taper_container_execute(s, name, &o, &err);
	taper_store_close(s);
	if (r < 0)
		return cli_fail(VERB, &err), status;
	return r;
}

int cmd_run(int argc, char **argv, struct cli_ctx *ctx)
{
	_cleanup_(taper_spec_freep) struct taper_spec *spec = NULL;
	_cleanup_(taper_run_freep) struct taper_run *run = NULL;
	_cleanup_close_ int sigfd = -1, devnull = -1;
	struct taper_err err = { 0 };
	struct taper_run_flags flags;
	struct taper_run_opts opts;
	struct taper_run_exit ex;
	struct termios saved_tio;
	bool raw = false;
	int status = TAPER_STATUS_RUNTIME_ERROR;
	sigset_t set;

	if (argc >= 3 && strcmp(argv[1], "--container") == 0)
		return run_container(argv[2], argc - 3, argv + 3, ctx);
	if (argc >= 2 && strncmp(argv[1], "--container=", 12) == 0)
		return run_container(argv[1] + 12, argc - 2, argv + 2, ctx);
	if (argc == 2 && strcmp(argv[1], "--container") == 0)
		return cli_failf(TAPER_STATUS_RUNTIME_ERROR, VERB, "--container needs a container's name");
	/* A usage error (an unknown flag, no command) is followed by the
	 * usage line, as every verb's; the status stays 125, docker's
	 * "taper itself failed". */
	if (taper_spec_from_run_flags(argc, argv, &spec, &flags, &err) < 0) {
		cli_fail(VERB, &err);
		if (flags.usage)
			cli_usage(VERB, TAPER_RUN_USAGE, true);
		return TAPER_STATUS_RUNTIME_ERROR;
	}
	if (flags.help)
		return run_help();
	/* A container process must never reach the binary on disk. */
	if (taper_runtime_prepare(ctx->argc, ctx->argv, &err) < 0)
		return cli_fail(VERB, &err), TAPER_STATUS_RUNTIME_ERROR;
	if (flags.caps_unavailable) {
		fprintf(stderr, "taper: run: warning: --cap-add ALL: the host's bounding set lacks");
		for (int cap = 0; cap < 64; cap++)
			if (flags.caps_unavailable & (UINT64_C(1) << cap))
				fprintf(stderr, " %s", taper_cap_name(cap));
		fprintf(stderr, "; running without\n");
	}

	taper_run_opts_init(&opts);
	opts.ret_status = &status;
	opts.store_path = ctx->store_path;
	opts.minimal_cgroup = true;
	if (!flags.interactive) {
		devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
		opts.stdio[0] = devnull;
	}
	if (flags.tty) {
		struct winsize ws = { 0 };

		opts.pty = true;
		(void)ioctl(STDIN_FILENO, TIOCGWINSZ, &ws);
		opts.rows = ws.ws_row;
		opts.cols = ws.ws_col;
	}

	sigemptyset(&set);
	for (size_t i = 0; i < ARRAY_SIZE(relayed_signals); i++)
		sigaddset(&set, relayed_signals[i]);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sigfd < 0)
		return cli_failf(TAPER_STATUS_RUNTIME_ERROR, VERB, "signalfd: %s", strerror(errno));

	if (taper_run_spawn(spec, &opts, &run, &err) < 0)
		return cli_fail(VERB, &err), status;

	if (flags.tty && flags.interactive && isatty(STDIN_FILENO) &&
	    tcgetattr(STDIN_FILENO, &saved_tio) == 0) {
		struct termios tio = saved_tio;

		cfmakeraw(&tio);
		raw = tcsetattr(STDIN_FILENO, TCSANOW, &tio) == 0;
	}
	relay_loop(&(struct relay){ .run = run,
				    .sigfd = sigfd,
				    .master = taper_run_pty_master(run),
				    .stdin_open = flags.interactive });
	if (raw)
		(void)tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);

	if (taper_run_wait(run, &ex, &err) < 0)
		return cli_fail(VERB, &err), TAPER_STATUS_RUNTIME_ERROR;
	if (ex.oom_killed) {
		char limit[32];

		cli_human_bytes(limit, sizeof(limit), ex.memory_limit > 0 ? (uint64_t)ex.memory_limit : 0);
		if (ex.memory_limit > 0)
			cli_failf(0, VERB, "container killed by the OOM killer (memory limit %s)", limit);
		else
			cli_failf(0, VERB, "container killed by the OOM killer");
	}
	return ex.code;
}
