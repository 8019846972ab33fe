/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * taper destroy NAME [-f] [-s] — refuses a running container, or one that
 * overlay clones are based on, unless -f (which stops it first); and one
 * that keeps named snapshots unless -s (as lxc-destroy -s).
 */
#include <getopt.h>

#include "cli/cli.h"

#define VERB "destroy"
#define USAGE "NAME [-f|--force] [-s|--snapshots]"

int cmd_destroy(int argc, char **argv, struct cli_ctx *ctx)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "snapshots", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct taper_store *s = NULL;
	struct taper_err err = { 0 };
	unsigned flags = 0;
	int c, r;

	while ((c = getopt_long(argc, argv, "fsh", opts, NULL)) != -1) {
		if (c == 'f')
			flags |= TAPER_DESTROY_FORCE;
		else if (c == 's')
			flags |= TAPER_DESTROY_SNAPSHOTS;
		else if (c == 'h')
			return cli_usage(VERB, USAGE, false);
		else
			return cli_bad_option(VERB, USAGE, "fsh", argv);
	}
	if ((r = cli_args(VERB, USAGE, argc - optind, argv + optind, CLI_NAME)) != 0)
		return r;
	if ((r = cli_open_store(ctx, VERB, &s)) != 0)
		return r;
	r = taper_container_destroy(s, argv[optind], flags, &err);
	taper_store_close(s);
	return r < 0 ? cli_fail(VERB, &err) : 0;
}
