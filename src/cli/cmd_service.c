/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * taper set SERVICE K=V...       taper get SERVICE
 * taper remove-unit UNIT...      taper destroy-service SERVICE
 * taper resolved UNIT [--retry]
 *
 * A deployed service's options, its units' removal, and a unit's way out
 * of error. The work is in src/charm/.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "charm/charm.h"
#include "cli/cli.h"

static int parse_help(int argc, char **argv, const char *usage, int min)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' }, {} };
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1)
		return c == 'h' ? cli_usage(argv[0], usage, false) - 1
				: cli_bad_option(argv[0], usage, "h", argv);
	if (argc - optind < min)
		return cli_usage(argv[0], usage, true);
	return 0;
}

int cmd_set(int argc, char **argv, struct cli_ctx *ctx)
{
	struct taper_err err = { 0 };
	struct charm_env *e = NULL;
	int r;

	if ((r = parse_help(argc, argv, "SERVICE KEY=VALUE...", 2)) != 0)
		return r < 0 ? 0 : r;
	if (taper_runtime_prepare(ctx->argc, ctx->argv, &err) < 0)
		return cli_fail("set", &err);
	if ((r = cli_charm_open(ctx, "set", true, &e)) != 0)
		return r;
	r = charm_set(e, argv[optind], argv + optind + 1, &err);
	charm_env_close(e);
	return r < 0 ? cli_fail("set", &err) : 0;
}

int cmd_get(int argc, char **argv, struct cli_ctx *ctx)
{
	struct taper_err err = { 0 };
	struct charm_env *e = NULL;
	int r;

	if ((r = parse_help(argc, argv, "SERVICE", 1)) != 0)
		return r < 0 ? 0 : r;
	if (argc - optind != 1)
		return cli_usage("get", "SERVICE", true);
	if ((r = cli_charm_open(ctx, "get", false, &e)) != 0)
		return r;
	r = charm_get(e, argv[optind], stdout, &err);
	charm_env_close(e);
	return r < 0 ? cli_fail("get", &err) : 0;
}

int cmd_remove_unit(int argc, char **argv, struct cli_ctx *ctx)
{
	struct taper_err err = { 0 };
	struct charm_env *e = NULL;
	int r;

	if ((r = parse_help(argc, argv, "UNIT...", 1)) != 0)
		return r < 0 ? 0 : r;
	if (taper_runtime_prepare(ctx->argc, ctx->argv, &err) < 0)
		return cli_fail("remove-unit", &err);
	if ((r = cli_charm_open(ctx, "remove-unit", true, &e)) != 0)
		return r;
	for (int i = optind; i < argc && r >= 0; i++)
		r = charm_remove_unit(e, argv[i], &err);
	charm_env_close(e);
	return r < 0 ? cli_fail("remove-unit", &err) : 0;
}

int cmd_destroy_service(int argc, char **argv, struct cli_ctx *ctx)
{
	struct taper_err err = { 0 };
	struct charm_env *e = NULL;
	int r;

	if ((r = parse_help(argc, argv, "SERVICE", 1)) != 0)
		return r < 0 ? 0 : r;
	if (argc - optind != 1)
		return cli_usage("destroy-service", "SERVICE", true);
	if (taper_runtime_prepare(ctx->argc, ctx->argv, &err) < 0)
		return cli_fail("destroy-service", &err);
	if ((r = cli_charm_open(ctx, "destroy-service", true, &e)) != 0)
		return r;
	r = charm_destroy_service(e, argv[optind], &err);
	charm_env_close(e);
	return r < 0 ? cli_fail("destroy-service", &err) : 0;
}

int cmd_resolved(int argc, char **argv, struct cli_ctx *ctx)
{
	static const struct option opts[] = {
		{ "retry", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct taper_err err = { 0 };
	struct charm_env *e = NULL;
	bool retry = false;
	int c, r;

	while ((c = getopt_long(argc, argv, "rh", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			retry = true;
			break;
		case 'h':
			return cli_usage("resolved", "UNIT [--retry]", false);
		default:
			return cli_bad_option("resolved", "UNIT [--retry]", "rh", argv);
		}
	}
	if (argc - optind != 1)
		return cli_usage("resolved", "UNIT [--retry]", true);
	if (taper_runtime_prepare(ctx->argc, ctx->argv, &err) < 0)
		return cli_fail("resolved", &err);
	if ((r = cli_charm_open(ctx, "resolved", true, &e)) != 0)
		return r;
	r = charm_resolved(e, argv[optind], retry, &err);
	charm_env_close(e);
	return r < 0 ? cli_fail("resolved", &err) : 0;
}
