/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * taper freeze NAME / taper unfreeze NAME — the cgroup freezer; the
 * FROZEN state is read back from the cgroup, never from a file.
 */
#include <getopt.h>

#include "cli/cli.h"

static int freeze_verb(int argc, char **argv, struct cli_ctx *ctx, const char *verb,
		       int (*fn)(struct taper_store *, const char *, struct taper_err *))
{
	struct taper_store *s = NULL;
	struct taper_err err = { 0 };
	int r;

	if ((r = cli_no_options(verb, "NAME", argc, argv)) != 0)
		return r < 0 ? 0 : r;
	if ((r = cli_args(verb, "NAME", argc - optind, argv + optind, CLI_NAME)) != 0)
		return r;
	if ((r = cli_open_store(ctx, verb, &s)) != 0)
		return r;
	r = fn(s, argv[optind], &err);
	taper_store_close(s);
	return r < 0 ? cli_fail(verb, &err) : 0;
}

int cmd_freeze(int argc, char **argv, struct cli_ctx *ctx)
{
	return freeze_verb(argc, argv, ctx, "freeze", taper_container_freeze);
}

int cmd_unfreeze(int argc, char **argv, struct cli_ctx *ctx)
{
	return freeze_verb(argc, argv, ctx, "unfreeze", taper_container_unfreeze);
}
