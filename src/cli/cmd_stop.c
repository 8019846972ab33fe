/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * taper stop NAME [-t SECONDS] [-k]
 *
 * The init's stop signal first, SIGKILL of the whole cgroup after the
 * timeout (default: the container's stop.timeout); -k kills at once.
 */
#include <getopt.h>
#include <stdio.h>

#include "cli/cli.h"
#include "util/parse.h"

#define VERB "stop"
#define USAGE "NAME [-t SECONDS] [-k|--kill]"

int cmd_stop(int argc, char **argv, struct cli_ctx *ctx)
{
	static const struct option opts[] = {
		{ "timeout", required_argument, NULL, 't' },
		{ "kill", no_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct taper_store *s = NULL;
	struct taper_err err = { 0 };
	bool kill = false;
	int timeout = -1, c, r;
	uint32_t t;

	while ((c = getopt_long(argc, argv, "t:kh", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (parse_u32(optarg, &t) < 0 || t > 86400)
				return cli_failf(2, VERB, "invalid timeout \"%s\"", optarg);
			timeout = (int)t;
			break;
		case 'k':
			kill = true;
			break;
		case 'h':
			return cli_usage(VERB, USAGE, false);
		default:
			return cli_bad_option(VERB, USAGE, "t:kh", argv);
		}
	}
	if ((r = cli_args(VERB, USAGE, argc - optind, argv + optind, CLI_NAME)) != 0)
		return r;
	if ((r = cli_open_store(ctx, VERB, &s)) != 0)
		return r;
	r = taper_container_stop(s, argv[optind], timeout, kill, &err);
	taper_store_close(s);
	return r < 0 ? cli_fail(VERB, &err) : 0;
}
