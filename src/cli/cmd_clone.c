/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * taper clone SRC DST [--snapshot | --ephemeral] — a full copy of a stopped
 * container (rootfs and config), an overlay snapshot sharing SRC's rootfs,
 * or (lxc-copy -e) an overlay started at once and destroyed when it stops.
 */
#include <getopt.h>

#include "cli/cli.h"

#define VERB "clone"
#define USAGE "SRC DST [-s|--snapshot | -e|--ephemeral]"

int cmd_clone(int argc, char **argv, struct cli_ctx *ctx)
{
	static const struct option opts[] = {
		{ "snapshot", no_argument, NULL, 's' },
		{ "ephemeral", no_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct taper_store *s = NULL;
	struct taper_err err = { 0 };
	bool snapshot = false, ephemeral = false;
	int c, r;

	while ((c = getopt_long(argc, argv, "seh", opts, NULL)) != -1) {
		if (c == 's')
			snapshot = true;
		else if (c == 'e')
			ephemeral = true;
		else if (c == 'h')
			return cli_usage(VERB, USAGE, false);
		else
			return cli_bad_option(VERB, USAGE, "seh", argv);
	}
	if ((r = cli_args(VERB, USAGE, argc - optind, argv + optind,
			  (const char *const[]){ "SRC", "DST", NULL })) != 0)
		return r;
	if (snapshot && ephemeral)
		return cli_usage_error(VERB, USAGE, "--snapshot and --ephemeral do not go together");
	if ((r = cli_open_store(ctx, VERB, &s)) != 0)
		return r;
	if (ephemeral)
		r = taper_container_clone_ephemeral(s, argv[optind], argv[optind + 1], &err);
	else
		r = taper_container_clone(s, argv[optind], argv[optind + 1], snapshot, &err);
	taper_store_close(s);
	return r < 0 ? cli_fail(VERB, &err) : 0;
}
