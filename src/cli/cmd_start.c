/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * taper start NAME [-F]
 *
 * Detached by default: returns once the container is RUNNING, leaving its
 * monitor behind. -F waits until the container stops, with its console on
 * the terminal; SIGINT/SIGTERM/SIGHUP then stop the container cleanly, and
 * the exit status is the init's.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "cli/cli.h"

static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* No SA_RESTART: the library's wait returns EINTR and looks at the flag. */
static void catch_stop_signals(void)
{
	struct sigaction sa = { .sa_handler = on_stop_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

#define VERB "start"
#define USAGE "NAME [-F|--foreground]"

int cmd_start(int argc, char **argv, struct cli_ctx *ctx)
{
	static const struct option opts[] = {
		{ "foreground", no_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct taper_start_opts so;
	struct taper_store *s = NULL;
	struct taper_err err = { 0 };
	int c, r;

	taper_start_opts_init(&so);
	while ((c = getopt_long(argc, argv, "Fh", opts, NULL)) != -1) {
		switch (c) {
		case 'F':
			so.foreground = true;
			break;
		case 'h':
			return cli_usage(VERB, USAGE, false);
		default:
			return cli_bad_option(VERB, USAGE, "Fh", argv);
		}
	}
	if ((r = cli_args(VERB, USAGE, argc - optind, argv + optind, CLI_NAME)) != 0)
		return r;
	if ((r = cli_open_store(ctx, VERB, &s)) != 0)
		return r;
	if (so.foreground) {
		so.console_in = isatty(STDIN_FILENO) ? STDIN_FILENO : -1;
		so.console_out = STDOUT_FILENO;
		so.stop = &stop_requested;
		catch_stop_signals();
	}
	r = taper_container_start(s, argv[optind], &so, &err);
	taper_store_close(s);
	if (r < 0)
		return cli_fail(VERB, &err);
	return so.foreground ? r : 0;
}
