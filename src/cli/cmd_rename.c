/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * taper rename OLD NEW — a stopped container only; its runtime directory
 * and the snapshots based on it follow.
 */
#include <getopt.h>

#include "cli/cli.h"

#define VERB "rename"
#define USAGE "OLD NEW"

int cmd_rename(int argc, char **argv, struct cli_ctx *ctx)
{
	struct taper_store *s = NULL;
	struct taper_err err = { 0 };
	int r;

	if ((r = cli_no_options(VERB, USAGE, argc, argv)) != 0)
		return r < 0 ? 0 : r;
	if ((r = cli_args(VERB, USAGE, argc - optind, argv + optind,
			  (const char *const[]){ "OLD", "NEW", NULL })) != 0)
		return r;
	if ((r = cli_open_store(ctx, VERB, &s)) != 0)
		return r;
	r = taper_container_rename(s, argv[optind], argv[optind + 1], &err);
	taper_store_close(s);
	return r < 0 ? cli_fail(VERB, &err) : 0;
}
