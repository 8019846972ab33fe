/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * taper deploy CHARM [SERVICE] [-n UNITS] [--config FILE|K=V]...
 * taper deploy --bundle FILE
 * taper add-unit SERVICE [-n N]
 *
 * A service from a charm (a directory, or a name found in
 * TAPER_CHARM_PATH, then in the charms shipped with taper), each unit in
 * a container of its own, its hooks run: install, config-changed, start.
 * The work is in src/charm/.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "charm/charm.h"
#include "cli/cli.h"
#include "util/cleanup.h"
#include "util/strv.h"

static int parse_n(const char *verb, const char *s, unsigned *ret)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (!*s || *end || v < 1 || v > 100)
		return cli_failf(2, verb, "-n \"%s\": a number of units, 1 to 100", s);
	*ret = (unsigned)v;
	return 0;
}

int cmd_deploy(int argc, char **argv, struct cli_ctx *ctx)
{
	static const char usage[] = "CHARM [SERVICE] [-n UNITS] [--config FILE|K=V]... | --bundle FILE";
	static const struct option opts[] = {
		{ "num-units", required_argument, NULL, 'n' },
		{ "config", required_argument, NULL, 'c' },
		{ "bundle", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	_cleanup_strv_free_ char **kv = calloc(1, sizeof(char *));
	struct charm_deploy_opts o = { .n_units = 1 };
	struct taper_err err = { 0 };
	struct charm_env *e = NULL;
	const char *bundle = NULL;
	int c, r;

	while ((c = getopt_long(argc, argv, "n:c:b:h", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if ((r = parse_n("deploy", optarg, &o.n_units)) != 0)
				return r;
			break;
		case 'c':
			if (strchr(optarg, '=')) {
				if (strv_extend(&kv, optarg) < 0)
					return cli_failf(1, "deploy", "out of memory");
			} else if (o.config_file) {
				return cli_failf(2, "deploy", "--config: one file at most");
			} else {
				o.config_file = optarg;
			}
			break;
		case 'b':
			bundle = optarg;
			break;
		case 'h':
			return cli_usage("deploy", usage, false);
		default:
			return cli_bad_option("deploy", usage, "n:c:b:h", argv);
		}
	}
	if (bundle ? optind != argc : (argc - optind < 1 || argc - optind > 2))
		return cli_usage("deploy", usage, true);
	if (taper_runtime_prepare(ctx->argc, ctx->argv, &err) < 0)
		return cli_fail("deploy", &err);
	if ((r = cli_charm_open(ctx, "deploy", true, &e)) != 0)
		return r;
	o.charm = argv[optind];
	o.service = argc - optind == 2 ? argv[optind + 1] : NULL;
	o.config = kv;
	r = bundle ? charm_deploy_bundle(e, bundle, &err) : charm_deploy(e, &o, &err);
	charm_env_close(e);
	return r < 0 ? cli_fail("deploy", &err) : 0;
}

int cmd_add_unit(int argc, char **argv, struct cli_ctx *ctx)
{
	static const struct option opts[] = {
		{ "num-units", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct taper_err err = { 0 };
	struct charm_env *e = NULL;
	unsigned n = 1;
	int c, r;

	while ((c = getopt_long(argc, argv, "n:h", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if ((r = parse_n("add-unit", optarg, &n)) != 0)
				return r;
			break;
		case 'h':
			return cli_usage("add-unit", "SERVICE [-n N]", false);
		default:
			return cli_bad_option("add-unit", "SERVICE [-n N]", "n:h", argv);
		}
	}
	if (argc - optind != 1)
		return cli_usage("add-unit", "SERVICE [-n N]", true);
	if (taper_runtime_prepare(ctx->argc, ctx->argv, &err) < 0)
		return cli_fail("add-unit", &err);
	if ((r = cli_charm_open(ctx, "add-unit", true, &e)) != 0)
		return r;
	r = charm_add_unit(e, argv[optind], n, &err);
	charm_env_close(e);
	return r < 0 ? cli_fail("add-unit", &err) : 0;
}
