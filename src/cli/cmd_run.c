/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cmd_run.c — `taper run`: flags to spec (run_flags.c), spawn, relay,
 * wait, and exit with the command's status. `taper run --container NAME
 * CMD...` (lxc-execute) runs CMD in a stored container's configuration
 * through taper_container_execute() instead.
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

#include "cgroup/cgroup.h"
#include "cli/cli.h"
#include "run/run.h"
#include "security/security.h"
#include "spec/spec.h"
#include "store/store.h"
#include "util/cleanup.h"
#include "util/err.h"

#define VERB "run"

DEFINE_CLEANUP_FUNC(struct taper_spec, spec_free)
DEFINE_CLEANUP_FUNC(struct cgroup_manager, cgroup_manager_free)
DEFINE_CLEANUP_FUNC(struct run_child, run_child_free)

static const int relayed_signals[] = {
	SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH,
};

struct relay {
	struct run_child *child;
	int sigfd;
	int master; /* -1 without -t */
	bool stdin_open;
};

/* "<store-id>/run-<pid>-<start>" (run_group_name()): under the store's
 * id like its containers, so that two stores never share a subtree. */
static int run_group(const struct cli_ctx *ctx, char *buf, size_t n, char id[STORE_ID_LEN + 1],
		     struct taper_err *err)
{
	const char *store = ctx->store_path ? ctx->store_path : TAPER_STORE_DEFAULT;
	char canon[PATH_MAX], name[64];
	int r;

	store_id_of_path(realpath(store, canon) ? canon : store, id);
	if ((r = run_group_name(name, sizeof(name))) < 0 || (r = run_cgroup_group(buf, n, id, name)) < 0)
		return taper_err_set(err, -r, "cgroup group of run %d", (int)getpid());
	return 0;
}

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
		(void)run_kill(r->child, (int)si.ssi_signo, NULL);
	}
}

/* Until the container's init exits: signals, and the pty both ways. */
static void relay_loop(struct relay *r)
{
	for (;;) {
		struct pollfd p[4] = {
			{ .fd = run_child_pidfd(r->child), .events = POLLIN },
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
	run_flags_usage(stdout);
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
	int r, status = RUN_STATUS_RUNTIME_ERROR;

	if (argc > 0 && strcmp(argv[0], "--") == 0) {
		argc--;
		argv++;
	} else if (argc > 0 && argv[0][0] == '-') {
		return cli_failf(RUN_STATUS_RUNTIME_ERROR, VERB,
				 "--container %s takes no other flag (its config says it all): %s", name,
				 argv[0]);
	}
	if (argc == 0)
		return cli_failf(RUN_STATUS_RUNTIME_ERROR, VERB, "--container %s: no command", name);
	/* The built-in init under the command is this program. */
	if (taper_runtime_prepare(ctx->argc, ctx->argv, &err) < 0)
		return cli_fail(VERB, &err), RUN_STATUS_RUNTIME_ERROR;
	if (taper_store_open(ctx->store_path, &s, &err) < 0)
		return cli_fail(VERB, &err), RUN_STATUS_RUNTIME_ERROR;
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
	_cleanup_(spec_freep) struct taper_spec *spec = NULL;
	_cleanup_(cgroup_manager_freep) struct cgroup_manager *cgm = NULL;
	_cleanup_(run_child_freep) struct run_child *child = NULL;
	_cleanup_close_ int sigfd = -1, devnull = -1;
	struct taper_err err = { 0 };
	struct run_flags flags;
	struct run_opts opts;
	struct run_exit ex;
	struct termios saved_tio;
	bool raw = false;
	char group[128], id[STORE_ID_LEN + 1];
	int status = RUN_STATUS_RUNTIME_ERROR;
	sigset_t set;

	if (argc >= 3 && strcmp(argv[1], "--container") == 0)
		return run_container(argv[2], argc - 3, argv + 3, ctx);
	if (argc >= 2 && strncmp(argv[1], "--container=", 12) == 0)
		return run_container(argv[1] + 12, argc - 2, argv + 2, ctx);
	if (argc == 2 && strcmp(argv[1], "--container") == 0)
		return cli_failf(RUN_STATUS_RUNTIME_ERROR, VERB, "--container needs a container's name");
	if (run_flags_to_spec(argc, argv, &spec, &flags, &err) < 0)
		return cli_fail(VERB, &err), RUN_STATUS_RUNTIME_ERROR;
	if (flags.help)
		return run_help();
	/* A container process must never reach the binary on disk. */
	if (exe_ensure_sealed(ctx->argc, ctx->argv, &err) < 0)
		return cli_fail(VERB, &err), RUN_STATUS_RUNTIME_ERROR;
	if (flags.caps_unavailable) {
		fprintf(stderr, "taper: run: warning: --cap-add ALL: the host's bounding set lacks");
		for (int cap = 0; cap < 64; cap++)
			if (flags.caps_unavailable & (UINT64_C(1) << cap))
				fprintf(stderr, " %s", taper_cap_to_name(cap));
		fprintf(stderr, "; running without\n");
	}

	run_opts_init(&opts);
	opts.ret_status = &status;
	if (!flags.interactive) {
		devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
		opts.stdio[0] = devnull;
	}
	if (flags.tty) {
		opts.pty = true;
		(void)ioctl(STDIN_FILENO, TIOCGWINSZ, &opts.winsize);
	}
	/* Always a cgroup: it holds the device rules, and the limits if any. */
	if (run_group(ctx, group, sizeof(group), id, &err) < 0 || cgroup_manager_open(NULL, &cgm, &err) < 0 ||
	    cgroup_validate(cgm, &spec->limits, &err) < 0)
		return cli_fail(VERB, &err), RUN_STATUS_RUNTIME_ERROR;
	/* What SIGKILLed runs of this store left (best effort). */
	(void)run_reclaim_groups(cgm, id, false, NULL, NULL);
	opts.cgroups = cgm;
	opts.cgroup_group = group;
	opts.cgroup_minimal = true;

	sigemptyset(&set);
	for (size_t i = 0; i < ARRAY_SIZE(relayed_signals); i++)
		sigaddset(&set, relayed_signals[i]);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sigfd < 0)
		return cli_failf(RUN_STATUS_RUNTIME_ERROR, VERB, "signalfd: %s", strerror(errno));

	if (run_spawn(spec, &opts, &child, &err) < 0)
		return cli_fail(VERB, &err), status;

	if (flags.tty && flags.interactive && isatty(STDIN_FILENO) &&
	    tcgetattr(STDIN_FILENO, &saved_tio) == 0) {
		struct termios tio = saved_tio;

		cfmakeraw(&tio);
		raw = tcsetattr(STDIN_FILENO, TCSANOW, &tio) == 0;
	}
	relay_loop(&(struct relay){ .child = child,
				    .sigfd = sigfd,
				    .master = run_child_pty_master(child),
				    .stdin_open = flags.interactive });
	if (raw)
		(void)tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);

	if (run_wait(child, &ex, &err) < 0)
		return cli_fail(VERB, &err), RUN_STATUS_RUNTIME_ERROR;
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
