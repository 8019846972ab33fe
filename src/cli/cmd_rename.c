/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * taper rename OLD NEW — a stopped container only; its runtime directory
 * and the snapshots based on it follow.
 */
#include <string.h>

#include "cli/cli.h"

#define VERB "rename"
#define USAGE "OLD NEW"

int cmd_rename(int argc, char **argv, struct cli_ctx *ctx)
{
	struct taper_store *s = NULL;
	struct taper_err err = { 0 };
	int r;

	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
		return cli_usage(VERB, USAGE, false);
	if (argc != 3 || argv[1][0] == '-' || argv[2][0] == '-')
		return cli_usage(VERB, USAGE, true);
	if ((r = cli_open_store(ctx, VERB, &s)) != 0)
		return r;
	r = taper_container_rename(s, argv[1], argv[2], &err);
	taper_store_close(s);
	return r < 0 ? cli_fail(VERB, &err) : 0;
}
