/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * taper gc [-n|--dry-run] — remove what SIGKILLed commands left in the
 * store (taper_store_gc()): one line per item removed ("would remove"
 * with --dry-run), nothing when there was nothing.
 */
#include <getopt.h>
#include <stdio.h>

#include "cli/cli.h"

#define VERB "gc"
#define USAGE "[-n|--dry-run]"

int cmd_gc(int argc, char **argv, struct cli_ctx *ctx)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct taper_store *s = NULL;
	struct taper_err err = { 0 };
	char **items = NULL;
	bool dry_run = false;
	int c, r;

	while ((c = getopt_long(argc, argv, "nh", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			dry_run = true;
			break;
		case 'h':
			return cli_usage(VERB, USAGE, false);
		default:
			return cli_bad_option(VERB, USAGE, "nh", argv);
		}
	}
	if ((r = cli_args(VERB, USAGE, argc - optind, argv + optind, (const char *const[]){ NULL })) != 0)
		return r;
	if ((r = cli_open_store(ctx, VERB, &s)) != 0)
		return r;
	r = taper_store_gc(s, dry_run, &items, &err);
	taper_store_close(s);
	if (r < 0)
		return cli_fail(VERB, &err);
	for (char **i = items; *i; i++)
		printf("%s %s\n", dry_run ? "would remove" : "removed", *i);
	taper_strv_free(items);
	return 0;
}
