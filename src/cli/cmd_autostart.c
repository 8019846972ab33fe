/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * taper autostart — start every container with start.auto = 1, by
 * start.order, waiting start.delay seconds after each (the boot unit
 * contrib/systemd/taper-autostart.service runs this). Exit status 1 when
 * any failed; each failure is reported, the rest still start.
 */
#include <errno.h>
#include <stdio.h>
#include <getopt.h>
#include <string.h>

#include "cli/cli.h"

#define VERB "autostart"

int cmd_autostart(int argc, char **argv, struct cli_ctx *ctx)
{
	struct taper_store *s = NULL;
	struct taper_err err = { 0 };
	int r;

	if ((r = cli_no_options(VERB, "", argc, argv)) != 0)
		return r < 0 ? 0 : r;
	if ((r = cli_args(VERB, "", argc - optind, argv + optind, (const char *const[]){ NULL })) != 0)
		return r;
	/* No store yet (a fresh host at boot): nothing to start. */
	if (taper_store_open(ctx->store_path, &s, &err) < 0)
		return err.code == ENOENT ? 0 : cli_fail(VERB, &err);
	r = taper_autostart(s, &err);
	taper_store_close(s);
	if (r < 0)
		return cli_fail(VERB, &err);
	if (r > 0)
		return cli_failf(1, VERB, "%d container(s) failed to start; first: %s", r, err.msg);
	return 0;
}
