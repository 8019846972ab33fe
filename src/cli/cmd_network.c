/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * taper network ls | create NAME --subnet CIDR [--gateway IP] [--nat]
 *                    [--bridge IF] [--mtu N] | rm NAME | inspect NAME [--format json]
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

static int usage_error(const char *verb, const char *msg)
{
	return cli_failf(2, verb, "%s (see 'taper network --help')", msg);
}

static int net_ls(int argc, char **argv, struct cli_ctx *ctx)
{
	_cleanup_strv_free_ char **names = NULL;
	struct taper_store *s = NULL;
	struct taper_err err = { 0 };
	int r = 0;

	(void)argv;
	if (argc > 1)
		return usage_error("network ls", "unexpected argument");
	if ((r = cli_open_store(ctx, "network ls", &s)) != 0)
		return r;
	if (taper_network_list(s, &names, &err) < 0)
		r = cli_fail("network ls", &err);
	if (r == 0)
		printf("%-16s %-15s %-18s %-15s %-4s %s\n", "NAME", "BRIDGE", "SUBNET", "GATEWAY", "NAT",
		       "LEASES");
	for (char **n = names; r == 0 && *n; n++) {
		struct taper_network d;

		if (taper_network_inspect(s, *n, &d, &err) < 0)
			r = cli_fail("network ls", &err);
		else
			printf("%-16s %-15s %-18s %-15s %-4s %d\n", d.name, d.bridge, d.subnet, d.gateway,
			       d.nat ? "yes" : "no", d.n_leases);
	}
	taper_store_close(s);
	return r;
}

static int net_create(int argc, char **argv, struct cli_ctx *ctx)
{
	static const struct option opts[] = {
		{ "subnet", required_argument, NULL, 's' }, { "gateway", required_argument, NULL, 'g' },
		{ "nat", no_argument, NULL, 'n' },          { "bridge", required_argument, NULL, 'b' },
		{ "mtu", required_argument, NULL, 'm' },    {},
	};
	const char *verb = "network create", *field = NULL;
	struct taper_network_def d = { 0 };
	struct taper_store *s = NULL;
	struct taper_err err = { 0 };
	uint64_t mtu = 0;
	int c, r;

	while ((c = getopt_long(argc, argv, "s:g:nb:m:", opts, NULL)) != -1) {
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
				return cli_failf(1, verb, "--mtu %s: must be 68..65535", optarg);
			break;
		default:
			return usage_error(verb, "bad option");
		}
	}
	if (optind + 1 != argc)
		return usage_error(verb, "expected one network NAME");
	d.name = argv[optind];
	if (!d.subnet)
		return usage_error(verb, "--subnet CIDR is required");
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

	if (argc != 2)
		return usage_error(verb, "expected one network NAME");
	if ((r = cli_open_store(ctx, verb, &s)) != 0)
		return r;
	r = taper_network_remove(s, argv[1], &err);
	taper_store_close(s);
	return r < 0 ? cli_fail(verb, &err) : 0;
}

static int inspect(struct taper_store *s, const char *verb, const char *name, bool json)
{
	_cleanup_free_ struct taper_network_lease *leases = NULL;
	_cleanup_free_ char *out = NULL;
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
			return cli_failf(1, verb, "network %s: out of memory", d.name);
	o = l ? json_pack("{s:s,s:s,s:s,s:s,s:b,s:i,s:b,s:b,s:O}", "name", d.name, "bridge", d.bridge,
			  "subnet", d.subnet, "gateway", d.gateway, "nat", d.nat, "mtu", d.mtu, "builtin",
			  d.builtin, "bridge_exists", d.bridge_exists, "leases", l)
	      : NULL;
	if (!o)
		return cli_failf(1, verb, "network %s: out of memory", d.name);
	if (json) {
		out = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		printf("%s\n", out ? out : "{}");
		return 0;
	}
	printf("name = %s\nbridge = %s\nsubnet = %s\ngateway = %s\nnat = %s\nmtu = %d\nbridge_exists = %s\n",
	       d.name, d.bridge, d.subnet, d.gateway, d.nat ? "true" : "false", d.mtu,
	       d.bridge_exists ? "true" : "false");
	for (size_t i = 0; i < n; i++)
		printf("lease = %s %s\n", leases[i].address, leases[i].owner);
	return 0;
}

static int net_inspect(int argc, char **argv, struct cli_ctx *ctx)
{
	static const struct option opts[] = { { "format", required_argument, NULL, 'f' }, {} };
	const char *verb = "network inspect", *format = "text";
	struct taper_store *s = NULL;
	int ch, r;

	while ((ch = getopt_long(argc, argv, "f:", opts, NULL)) != -1) {
		if (ch != 'f')
			return usage_error(verb, "bad option");
		format = optarg;
	}
	if (strcmp(format, "json") != 0 && strcmp(format, "text") != 0)
		return cli_failf(1, verb, "--format %s: expected json or text", format);
	if (optind + 1 != argc)
		return usage_error(verb, "expected one network NAME");
	if ((r = cli_open_store(ctx, verb, &s)) != 0)
		return r;
	r = inspect(s, verb, argv[optind], strcmp(format, "json") == 0);
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

		fprintf(f,
			"Usage: taper network ls\n"
			"       taper network create NAME --subnet CIDR [--gateway IP] [--nat] [--bridge IF] [--mtu N]\n"
			"       taper network rm NAME\n"
			"       taper network inspect NAME [--format json]\n");
		return argc < 2 ? 2 : 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(subs); i++)
		if (strcmp(argv[1], subs[i].name) == 0) {
			optind = 0; /* full getopt re-initialisation (glibc) */
			return subs[i].run(argc - 1, argv + 1, ctx);
		}
	return cli_failf(2, "network", "unknown subcommand '%s'", argv[1]);
}
