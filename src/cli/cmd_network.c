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
#include "net/bridge.h"
#include "net/link.h"
#include "net/netdef.h"
#include "store/store.h"
#include "util/cleanup.h"
#include "util/parse.h"
#include "util/strv.h"

static int usage_error(const char *verb, const char *msg)
{
	return cli_failf(2, verb, "%s (see 'taper network --help')", msg);
}

static int leases_of(const char *store, const char *name, struct taper_err *err)
{
	_cleanup_free_ char *dir = store_leases_path(store, name);

	return dir ? ipam_count(dir, err) : -ENOMEM;
}

static int net_ls(int argc, char **argv, struct cli_ctx *ctx)
{
	_cleanup_strv_free_ char **names = NULL;
	struct taper_err err = { 0 };

	if (argc > 1)
		return usage_error("network ls", "unexpected argument");
	if (netdef_list(ctx->store_path, &names, &err) < 0)
		return cli_fail("network ls", &err);
	printf("%-16s %-15s %-18s %-15s %-4s %s\n", "NAME", "BRIDGE", "SUBNET", "GATEWAY", "NAT", "LEASES");
	for (char **n = names; *n; n++) {
		struct net_def d;
		char c[IPV4_CIDR_STRLEN], g[IPV4_STRLEN];

		if (netdef_load(ctx->store_path, *n, &d, &err) < 0)
			return cli_fail("network ls", &err);
		ipv4_net_format(&d.subnet, c);
		ipv4_format(d.subnet.gateway, g);
		printf("%-16s %-15s %-18s %-15s %-4s %d\n", d.name, d.bridge, c, g, d.nat ? "yes" : "no",
		       leases_of(ctx->store_path, d.name, NULL));
	}
	return 0;
}

static int net_create(int argc, char **argv, struct cli_ctx *ctx)
{
	static const struct option opts[] = {
		{ "subnet", required_argument, NULL, 's' }, { "gateway", required_argument, NULL, 'g' },
		{ "nat", no_argument, NULL, 'n' },          { "bridge", required_argument, NULL, 'b' },
		{ "mtu", required_argument, NULL, 'm' },    {},
	};
	const char *verb = "network create", *subnet = NULL, *gateway = NULL, *bridge = NULL;
	struct taper_err err = { 0 };
	_cleanup_nl_ struct nl *nl = NULL;
	struct net_def d = { 0 };
	uint64_t mtu = 0;
	int c;

	while ((c = getopt_long(argc, argv, "s:g:nb:m:", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			subnet = optarg;
			break;
		case 'g':
			gateway = optarg;
			break;
		case 'n':
			d.nat = true;
			break;
		case 'b':
			bridge = optarg;
			break;
		case 'm':
			if (parse_u64_range(optarg, 68, 65535, &mtu) < 0)
				return cli_failf(1, verb, "--mtu %s: must be 68..65535", optarg);
			break;
		default:
			return usage_error(verb, "bad option");
		}
	}
	if (optind + 1 != argc)
		return usage_error(verb, "expected one network NAME");
	if (!name_is_valid(argv[optind]))
		return cli_failf(1, verb, "network name \"%s\": use letters, digits, '_', '.', '-'",
				 argv[optind]);
	if (!subnet)
		return usage_error(verb, "--subnet CIDR is required");
	if (ipv4_net_parse(subnet, NULL, &d.subnet, &err) < 0)
		return cli_failf(1, verb, "--subnet %s", err.msg);
	if (gateway && ipv4_net_parse(subnet, gateway, &d.subnet, &err) < 0)
		return cli_failf(1, verb, "--gateway %s", err.msg + strlen("gateway "));
	snprintf(d.name, sizeof(d.name), "%s", argv[optind]);
	if (bridge && (strlen(bridge) >= IFNAMSIZ || !name_is_valid(bridge)))
		return cli_failf(1, verb, "--bridge %s: invalid interface name (at most 15 characters)",
				 bridge);
	if (bridge)
		snprintf(d.bridge, sizeof(d.bridge), "%s", bridge);
	else
		netdef_bridge_name(d.name, d.bridge);
	d.mtu = (int)mtu;
	if (netdef_create(ctx->store_path, &d, &err) < 0)
		return cli_fail(verb, &err);
	if (nl_open(-1, &nl, &err) < 0 || net_bridge_ensure(nl, &d, &err) < 0) {
		netdef_remove(ctx->store_path, d.name, NULL);
		return cli_fail(verb, &err);
	}
	printf("%s\n", d.name);
	return 0;
}

static int net_rm(int argc, char **argv, struct cli_ctx *ctx)
{
	const char *verb = "network rm";
	struct taper_err err = { 0 };
	_cleanup_nl_ struct nl *nl = NULL;
	struct net_def d;
	int n;

	if (argc != 2)
		return usage_error(verb, "expected one network NAME");
	if (netdef_load(ctx->store_path, argv[1], &d, &err) < 0)
		return cli_fail(verb, &err);
	n = leases_of(ctx->store_path, d.name, &err);
	if (n < 0)
		return cli_fail(verb, &err);
	if (n > 0)
		return cli_failf(1, verb,
				 "network %s: in use by %d address lease(s); stop those containers first",
				 d.name, n);
	if (nl_open(-1, &nl, &err) < 0 || net_bridge_remove(nl, &d, &err) < 0 ||
	    netdef_remove(ctx->store_path, d.name, &err) < 0)
		return cli_fail(verb, &err);
	return 0;
}

static int lease_json(uint32_t addr, const char *owner, void *data)
{
	char a[IPV4_STRLEN];

	ipv4_format(addr, a);
	return json_array_append_new(data, json_pack("{s:s,s:s}", "address", a, "owner", owner)) < 0 ? -ENOMEM
												     : 0;
}

static int net_inspect(int argc, char **argv, struct cli_ctx *ctx)
{
	static const struct option opts[] = { { "format", required_argument, NULL, 'f' }, {} };
	const char *verb = "network inspect", *format = "text";
	_cleanup_free_ char *dir = NULL, *out = NULL;
	struct taper_err err = { 0 };
	_cleanup_nl_ struct nl *nl = NULL;
	json_auto_t *leases = json_array(), *o = NULL;
	char c[IPV4_CIDR_STRLEN], g[IPV4_STRLEN];
	struct net_def d;
	int exists = 0, ch;

	while ((ch = getopt_long(argc, argv, "f:", opts, NULL)) != -1) {
		if (ch != 'f')
			return usage_error(verb, "bad option");
		format = optarg;
	}
	if (strcmp(format, "json") != 0 && strcmp(format, "text") != 0)
		return cli_failf(1, verb, "--format %s: expected json or text", format);
	if (optind + 1 != argc)
		return usage_error(verb, "expected one network NAME");
	if (netdef_load(ctx->store_path, argv[optind], &d, &err) < 0)
		return cli_fail(verb, &err);
	dir = store_leases_path(ctx->store_path, d.name);
	if (!dir || !leases || ipam_foreach(dir, lease_json, leases, &err) < 0)
		return cli_fail(verb, &err);
	if (nl_open(-1, &nl, NULL) == 0)
		exists = link_exists(nl, d.bridge, NULL) == 1;
	ipv4_net_format(&d.subnet, c);
	ipv4_format(d.subnet.gateway, g);
	o = json_pack("{s:s,s:s,s:s,s:s,s:b,s:i,s:b,s:b,s:O}", "name", d.name, "bridge", d.bridge, "subnet",
		      c, "gateway", g, "nat", d.nat, "mtu", d.mtu, "builtin", d.builtin, "bridge_exists",
		      exists, "leases", leases);
	if (!o)
		return cli_failf(1, verb, "network %s: out of memory", d.name);
	if (strcmp(format, "json") == 0) {
		out = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		printf("%s\n", out ? out : "{}");
		return 0;
	}
	printf("name = %s\nbridge = %s\nsubnet = %s\ngateway = %s\nnat = %s\nmtu = %d\nbridge_exists = %s\n",
	       d.name, d.bridge, c, g, d.nat ? "true" : "false", d.mtu, exists ? "true" : "false");
	for (size_t i = 0; i < json_array_size(leases); i++) {
		json_t *l = json_array_get(leases, i);

		printf("lease = %s %s\n", json_string_value(json_object_get(l, "address")),
		       json_string_value(json_object_get(l, "owner")));
	}
	return 0;
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
