/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * taper destroy NAME [-f] — refuses a running container, or one that
 * snapshots are based on, unless -f (which stops it first).
 */
#include <getopt.h>

#include "cli/cli.h"

#define VERB "destroy"
#define USAGE "NAME [-f|--force]"

int cmd_destroy(int argc, char **argv, struct cli_ctx *ctx)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct taper_store *s = NULL;
	struct taper_err err = { 0 };
	bool force = false;
	int c, r;

	while ((c = getopt_long(argc, argv, "fh", opts, NULL)) != -1) {
		if (c == 'f')
			force = true;
		else if (c == 'h')
			return cli_usage(VERB, USAGE, false);
		else
			return cli_bad_option(VERB, USAGE, "fh", argv);
	}
	if ((r = cli_args(VERB, USAGE, argc - optind, argv + optind, CLI_NAME)) != 0)
		return r;
	if ((r = cli_open_store(ctx, VERB, &s)) != 0)
		return r;
	r = taper_container_destroy(s, argv[optind], force, &err);
	taper_store_close(s);
	return r < 0 ? cli_fail(VERB, &err) : 0;
}
