/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * taper relate A[:ENDPOINT] B[:ENDPOINT]     (add-relation)
 * taper unrelate A[:ENDPOINT] B[:ENDPOINT]   (remove-relation)
 * taper expose SERVICE / taper unexpose SERVICE
 *
 * Relations between services, and publishing the ports their units
 * opened on the host. The work is in src/charm/.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "charm/charm.h"
#include "cli/cli.h"

/* Verbs of fixed arity without options of their own. */
static int words(int argc, char **argv, const char *verb, const char *usage, int n)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' }, {} };
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1)
		return c == 'h' ? cli_usage(verb, usage, false) - 1 : cli_bad_option(verb, usage, "h", argv);
	if (argc - optind != n)
		return cli_usage(verb, usage, true);
	return 0;
}

static int relate(int argc, char **argv, struct cli_ctx *ctx, bool add)
{
	const char *verb = argv[0];
	struct taper_err err = { 0 };
	struct charm_env *e = NULL;
	int r;

	if ((r = words(argc, argv, verb, "SERVICE[:ENDPOINT] SERVICE[:ENDPOINT]", 2)) != 0)
		return r < 0 ? 0 : r;
	if (taper_runtime_prepare(ctx->argc, ctx->argv, &err) < 0)
		return cli_fail(verb, &err);
	if ((r = cli_charm_open(ctx, verb, true, &e)) != 0)
		return r;
	r = add ? charm_relate(e, argv[optind], argv[optind + 1], &err)
		: charm_unrelate(e, argv[optind], argv[optind + 1], &err);
	charm_env_close(e);
	return r < 0 ? cli_fail(verb, &err) : 0;
}

int cmd_relate(int argc, char **argv, struct cli_ctx *ctx)
{
	return relate(argc, argv, ctx, true);
}

int cmd_unrelate(int argc, char **argv, struct cli_ctx *ctx)
{
	return relate(argc, argv, ctx, false);
}

static int expose(int argc, char **argv, struct cli_ctx *ctx, bool on)
{
	const char *verb = argv[0];
	struct taper_err err = { 0 };
	struct charm_env *e = NULL;
	int r;

	if ((r = words(argc, argv, verb, "SERVICE", 1)) != 0)
		return r < 0 ? 0 : r;
	if ((r = cli_charm_open(ctx, verb, true, &e)) != 0)
		return r;
	r = charm_expose(e, argv[optind], on, &err);
	charm_env_close(e);
	return r < 0 ? cli_fail(verb, &err) : 0;
}

int cmd_expose(int argc, char **argv, struct cli_ctx *ctx)
{
	return expose(argc, argv, ctx, true);
}

int cmd_unexpose(int argc, char **argv, struct cli_ctx *ctx)
{
	return expose(argc, argv, ctx, false);
}
