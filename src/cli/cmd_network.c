/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * taper network ls | create NAME --subnet CIDR [--gateway IP] [--nat]
 *                    [--bridge IF] [--mtu N] | rm NAME | inspect NAME [--format text|json|yaml]
 *
 * Networks are definitions in the store plus their bridge in the current
 * network namespace; create makes the bridge at once, rm refuses while a
 * container holds a lease on it.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "util/cleanup.h"
#include "util/parse.h"

#define USAGE_LS "[--format table|json|yaml]"
#define USAGE_CREATE "NAME --subnet CIDR [--gateway IP] [--nat] [--bridge IF] [--mtu N]"
#define USAGE_RM "NAME"
#define USAGE_INSPECT "NAME [--format text|json|yaml]"

static const struct option format_opts[] = {
	{ "format", required_argument, NULL, 'f' },
	{ "help", no_argument, NULL, 'h' },
	{},
};

/* --format and --help of ls and inspect: 0, -1 after --help, or 2. */
static int format_opt(const char *verb, const char *usage, const char *table_name, int argc, char **argv,
		      enum cli_format *fmt)
{
	int c, r;

	while ((c = getopt_long(argc, argv, "f:h", format_opts, NULL)) != -1) {
		if (c == 'h') {
			cli_usage(verb, usage, false);
			return -1;
		}
		if (c != 'f')
			return cli_bad_option(verb, usage, "f:h", argv);
		if ((r = cli_format_parse(verb, optarg, table_name, fmt)) != 0)
			return r;
	}
	return 0;
}

static int net_ls(int argc, char **argv, struct cli_ctx *ctx)
{
	_cleanup_strv_free_ char **names = NULL;
	const char *verb = "network ls";
	struct taper_store *s = NULL;
	struct taper_err err = { 0 };
	enum cli_format fmt = CLI_FORMAT_TABLE;
	json_auto_t *doc = json_array();
	int r = 0;

	if ((r = format_opt(verb, USAGE_LS, "table", argc, argv, &fmt)) != 0)
		return r < 0 ? 0 : r;
	if ((r = cli_args(verb, USAGE_LS, argc - optind, argv + optind, (const char *const[]){ NULL })) != 0)
		return r;
	if ((r = cli_open_store(ctx, verb, &s)) != 0)
		return r;
	if (taper_network_list(s, &names, &err) < 0)
		r = cli_fail(verb, &err);
	if (r == 0 && fmt == CLI_FORMAT_TABLE)
		printf("%-16s %-15s %-18s %-15s %-4s %s\n", "NAME", "BRIDGE", "SUBNET", "GATEWAY", "NAT",
		       "LEASES");
	for (char **n = names; r == 0 && *n; n++) {
		struct taper_network d;

		if (taper_network_inspect(s, *n, &d, &err) < 0)
			r = cli_fail(verb, &err);
		else if (fmt == CLI_FORMAT_TABLE)
			printf("%-16s %-15s %-18s %-15s %-4s %d\n", d.name, d.bridge, d.subnet, d.gateway,
			       d.nat ? "yes" : "no", d.n_leases);
		else if (json_array_append_new(doc,
					       json_pack("{s:s,s:s,s:s,s:s,s:b,s:i}", "name", d.name,
							 "bridge", d.bridge, "subnet", d.subnet, "gateway",
							 d.gateway, "nat", d.nat, "leases", d.n_leases)) < 0)
			r = cli_failf(1, verb, "out of memory");
	}
	taper_store_close(s);
	if (r == 0 && fmt != CLI_FORMAT_TABLE)
		r = cli_print_doc(verb, doc, fmt);
	return r;
}

static int net_create(int argc, char **argv, struct cli_ctx *ctx)
{
	static const struct option opts[] = {
		{ "subnet", required_argument, NULL, 's' },
		{ "gateway", required_argument, NULL, 'g' },
		{ "nat", no_argument, NULL, 'n' },
		{ "bridge", required_argument, NULL, 'b' },
		{ "mtu", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	const char *verb = "network create", *field = NULL;
	struct taper_network_def d = { 0 };
	struct taper_store *s = NULL;
	struct taper_err err = { 0 };
	uint64_t mtu = 0;
	int c, r;

	while ((c = getopt_long(argc, argv, "s:g:nb:m:h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			d.subnet = optarg;
			break;
		case 'g':
			d.gateway = optarg;
			break;
		case 'n':
			d.nat = true;
			break;
		case 'b':
			d.bridge = optarg;
			break;
		case 'm':
			/* The range is the library's; 0 would ask for the default. */
			if (parse_u64_range(optarg, 1, 65535, &mtu) < 0)
				return cli_failf(2, verb, "--mtu \"%s\": must be 68..65535", optarg);
			break;
		case 'h':
			return cli_usage(verb, USAGE_CREATE, false);
		default:
			return cli_bad_option(verb, USAGE_CREATE, "s:g:nb:m:h", argv);
		}
	}
	if ((r = cli_args(verb, USAGE_CREATE, argc - optind, argv + optind, CLI_NAME)) != 0)
		return r;
	d.name = argv[optind];
	if (!d.subnet)
		return cli_usage_error(verb, USAGE_CREATE, "missing --subnet CIDR");
	d.mtu = (int)mtu;
	if (taper_store_create(ctx->store_path, &s, &err) < 0)
		return cli_fail(verb, &err);
	r = taper_network_create(s, &d, &field, &err);
	taper_store_close(s);
	if (r < 0)
		return field ? cli_failf(1, verb, "--%s %s", field, err.msg) : cli_fail(verb, &err);
	printf("%s\n", d.name);
	return 0;
}

static int net_rm(int argc, char **argv, struct cli_ctx *ctx)
{
	const char *verb = "network rm";
	struct taper_store *s = NULL;
	struct taper_err err = { 0 };
	int r;

	if ((r = cli_no_options(verb, USAGE_RM, argc, argv)) != 0)
		return r < 0 ? 0 : r;
	if ((r = cli_args(verb, USAGE_RM, argc - optind, argv + optind, CLI_NAME)) != 0)
		return r;
	if ((r = cli_open_store(ctx, verb, &s)) != 0)
		return r;
	r = taper_network_remove(s, argv[optind], &err);
	taper_store_close(s);
	return r < 0 ? cli_fail(verb, &err) : 0;
}

static int inspect(struct taper_store *s, const char *verb, const char *name, enum cli_format fmt)
{
	_cleanup_free_ struct taper_network_lease *leases = NULL;
	struct taper_err err = { 0 };
	struct taper_network d;
	json_auto_t *l = json_array(), *o = NULL;
	size_t n = 0;

	if (taper_network_inspect(s, name, &d, &err) < 0 ||
	    taper_network_leases(s, name, &leases, &n, &err) < 0)
		return cli_fail(verb, &err);
	for (size_t i = 0; l && i < n; i++)
		if (json_array_append_new(l, json_pack("{s:s,s:s}", "address", leases[i].address, "owner",
						       leases[i].owner)) < 0)
			return cli_failf(1, verb, "out of memory");
	o = l ? json_pack("{s:s,s:s,s:s,s:s,s:b,s:i,s:b,s:b,s:O}", "name", d.name, "bridge", d.bridge,
			  "subnet", d.subnet, "gateway", d.gateway, "nat", d.nat, "mtu", d.mtu, "builtin",
			  d.builtin, "bridge_exists", d.bridge_exists, "leases", l)
	      : NULL;
	if (fmt != CLI_FORMAT_TABLE)
		return cli_print_doc(verb, o, fmt);
	printf("name = %s\nbridge = %s\nsubnet = %s\ngateway = %s\nnat = %s\nmtu = %d\nbridge_exists = %s\n",
	       d.name, d.bridge, d.subnet, d.gateway, d.nat ? "true" : "false", d.mtu,
	       d.bridge_exists ? "true" : "false");
	for (size_t i = 0; i < n; i++)
		printf("lease = %s %s\n", leases[i].address, leases[i].owner);
	return 0;
}

static int net_inspect(int argc, char **argv, struct cli_ctx *ctx)
{
	const char *verb = "network inspect";
	enum cli_format fmt = CLI_FORMAT_TABLE;
	struct taper_store *s = NULL;
	int r;

	if ((r = format_opt(verb, USAGE_INSPECT, "text", argc, argv, &fmt)) != 0)
		return r < 0 ? 0 : r;
	if ((r = cli_args(verb, USAGE_INSPECT, argc - optind, argv + optind, CLI_NAME)) != 0)
		return r;
	if ((r = cli_open_store(ctx, verb, &s)) != 0)
		return r;
	r = inspect(s, verb, argv[optind], fmt);
	taper_store_close(s);
	return r;
}

static const struct {
	const char *name;
	int (*run)(int argc, char **argv, struct cli_ctx *ctx);
} subs[] = {
	{ "ls", net_ls },
	{ "create", net_create },
	{ "rm", net_rm },
	{ "inspect", net_inspect },
};

int cmd_network(int argc, char **argv, struct cli_ctx *ctx)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		FILE *f = argc < 2 ? stderr : stdout;

		if (argc < 2)
			fprintf(f, "taper: network: missing ls, create, rm or inspect\n");
		fprintf(f, "Usage: taper network ls " USAGE_LS "\n"
			   "       taper network create " USAGE_CREATE "\n"
			   "       taper network rm " USAGE_RM "\n"
			   "       taper network inspect " USAGE_INSPECT "\n");
		return argc < 2 ? 2 : 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(subs); i++)
		if (strcmp(argv[1], subs[i].name) == 0) {
			optind = 0; /* full getopt re-initialisation (glibc) */
			return subs[i].run(argc - 1, argv + 1, ctx);
		}
	return cli_failf(2, "network", "unknown subcommand \"%s\" (ls, create, rm, inspect)", argv[1]);
}
