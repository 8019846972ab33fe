/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cli_store.c — what the lifecycle verbs share: opening the store, and the
 * one-line usage error.
 */
#include <errno.h>
#include <stdio.h>

#include "cli/cli.h"

int cli_open_store(struct cli_ctx *ctx, const char *verb, struct taper_store **ret)
{
	struct taper_err err = { 0 };

	if (taper_store_open(ctx->store_path, ret, &err) < 0)
		return cli_fail(verb, &err);
	return 0;
}

int cli_usage(const char *verb, const char *usage, bool error)
{
	fprintf(error ? stderr : stdout, "Usage: taper %s %s\n", verb, usage);
	return error ? 2 : 0;
}
