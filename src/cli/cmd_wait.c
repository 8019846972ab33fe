/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * taper wait NAME STATE [-t SECONDS] — until the container is in STATE
 * (STOPPED, RUNNING, FROZEN, ...); exit status 1 on timeout.
 */
#include <getopt.h>

#include "cli/cli.h"
#include "util/parse.h"

#define VERB "wait"
#define USAGE "NAME STATE [-t SECONDS]"

int cmd_wait(int argc, char **argv, struct cli_ctx *ctx)
{
	static const struct option opts[] = {
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct taper_store *s = NULL;
	struct taper_err err = { 0 };
	enum taper_state state;
	int timeout = -1, c, r;
	uint32_t t;

	while ((c = getopt_long(argc, argv, "t:h", opts, NULL)) != -1) {
		if (c == 't') {
			if (parse_u32(optarg, &t) < 0 || t > 86400 * 365)
				return cli_failf(2, VERB, "invalid timeout \"%s\"", optarg);
			timeout = (int)t;
		} else if (c == 'h') {
			return cli_usage(VERB, USAGE, false);
		} else {
			return cli_bad_option(VERB, USAGE, "t:h", argv);
		}
	}
	if ((r = cli_args(VERB, USAGE, argc - optind, argv + optind,
			  (const char *const[]){ "NAME", "STATE", NULL })) != 0)
		return r;
	if (taper_state_from_name(argv[optind + 1], &state) < 0)
		return cli_failf(
			2, VERB,
			"unknown state \"%s\" (STOPPED, STARTING, RUNNING, STOPPING, FROZEN, ABORTING)",
			argv[optind + 1]);
	if ((r = cli_open_store(ctx, VERB, &s)) != 0)
		return r;
	r = taper_container_wait(s, argv[optind], state, timeout, &err);
	taper_store_close(s);
	return r < 0 ? cli_fail(VERB, &err) : 0;
}
