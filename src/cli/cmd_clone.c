/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * taper clone SRC DST [--snapshot] — a full copy of a stopped container
 * (rootfs and config), or an overlay snapshot sharing SRC's rootfs.
 */
#include <getopt.h>

#include "cli/cli.h"

#define VERB "clone"
#define USAGE "SRC DST [-s|--snapshot]"

int cmd_clone(int argc, char **argv, struct cli_ctx *ctx)
{
	static const struct option opts[] = {
		{ "snapshot", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct taper_store *s = NULL;
	struct taper_err err = { 0 };
	bool snapshot = false;
	int c, r;

	while ((c = getopt_long(argc, argv, "sh", opts, NULL)) != -1) {
		if (c == 's')
			snapshot = true;
		else if (c == 'h')
			return cli_usage(VERB, USAGE, false);
		else
			return cli_bad_option(VERB, USAGE, "sh", argv);
	}
	if ((r = cli_args(VERB, USAGE, argc - optind, argv + optind,
			  (const char *const[]){ "SRC", "DST", NULL })) != 0)
		return r;
	if ((r = cli_open_store(ctx, VERB, &s)) != 0)
		return r;
	r = taper_container_clone(s, argv[optind], argv[optind + 1], snapshot, &err);
	taper_store_close(s);
	return r < 0 ? cli_fail(VERB, &err) : 0;
}
