/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * taper status [--format yaml|json|tabular]
 * taper debug-log [-n LINES] [-f]
 *
 * The model as Juju 1.x's `juju status` shows it, and the hooks' output.
 * Both only read: they run while a deploy does.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "charm/charm.h"
#include "cli/cli.h"

int cmd_status(int argc, char **argv, struct cli_ctx *ctx)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	static const char usage[] = "[--format yaml|json|tabular]";
	struct taper_err err = { 0 };
	struct charm_env *e = NULL;
	const char *format = "yaml";
	int c, r;

	while ((c = getopt_long(argc, argv, "f:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			format = optarg;
			break;
		case 'h':
			return cli_usage("status", usage, false);
		default:
			return cli_bad_option("status", usage, "f:h", argv);
		}
	}
	if (optind != argc)
		return cli_usage("status", usage, true);
	if (strcmp(format, "yaml") != 0 && strcmp(format, "json") != 0 && strcmp(format, "tabular") != 0)
		return cli_failf(2, "status", "--format \"%s\": yaml, json or tabular", format);
	if ((r = cli_charm_open(ctx, "status", false, &e)) != 0)
		return r;
	r = charm_status(e, format, stdout, &err);
	charm_env_close(e);
	return r < 0 ? cli_fail("status", &err) : 0;
}

static volatile int stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int cmd_debug_log(int argc, char **argv, struct cli_ctx *ctx)
{
	static const struct option opts[] = {
		{ "lines", required_argument, NULL, 'n' },
		{ "follow", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	static const char usage[] = "[-n LINES] [-f|--follow]";
	struct taper_err err = { 0 };
	struct charm_env *e = NULL;
	bool follow = false;
	unsigned lines = 0;
	char *end;
	int c, r;

	while ((c = getopt_long(argc, argv, "n:fh", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			lines = (unsigned)strtoul(optarg, &end, 10);
			if (!*optarg || *end)
				return cli_failf(2, "debug-log", "-n \"%s\": a number of lines", optarg);
			break;
		case 'f':
			follow = true;
			break;
		case 'h':
			return cli_usage("debug-log", usage, false);
		default:
			return cli_bad_option("debug-log", usage, "n:fh", argv);
		}
	}
	if (optind != argc)
		return cli_usage("debug-log", usage, true);
	if ((r = cli_charm_open(ctx, "debug-log", false, &e)) != 0)
		return r;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	r = charm_debug_log(e, lines, follow, &stop, stdout, &err);
	charm_env_close(e);
	return r < 0 ? cli_fail("debug-log", &err) : 0;
}
