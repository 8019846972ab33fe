/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * taper port NAME add [HOSTIP:]HOSTPORT:CTRPORT[/tcp|udp]
 * taper port NAME rm  SPEC|HOSTPORT[/tcp|udp]
 * taper port NAME ls  [--format table|json]
 *
 * Published ports of a system container (its net.port config lines),
 * applied at once when it runs. The work is in src/container/ports.c.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "util/cleanup.h"
#include "util/err.h"

#define VERB "port"
#define USAGE \
	"NAME add [HOSTIP:]HOSTPORT:CTRPORT[/tcp|udp] | rm SPEC|HOSTPORT[/tcp|udp] | ls [--format table|json|yaml]"

static int port_ls(struct taper_store *s, const char *name, enum cli_format fmt, struct taper_err *err)
{
	_cleanup_free_ struct taper_port *ports = NULL;
	size_t n;
	int r = taper_container_ports(s, name, &ports, &n, err);

	if (r < 0)
		return r;
	if (fmt != CLI_FORMAT_TABLE) {
		json_auto_t *a = json_array();

		for (size_t i = 0; a && i < n; i++)
			if (json_array_append_new(
				    a, json_pack("{s:s, s:i, s:i, s:s, s:b}", "host_ip", ports[i].host_ip,
						 "host_port", ports[i].host_port, "container_port",
						 ports[i].container_port, "proto", ports[i].proto, "active",
						 ports[i].active)) < 0)
				return err_set(err, ENOMEM, "ports");
		/* Printed here: its error line is the whole story. */
		return cli_print_doc(VERB, a, fmt) ? -EIO : 0;
	}
	printf("%-16s %-9s %-9s %-5s %s\n", "HOST IP", "HOST", "CONTAINER", "PROTO", "ACTIVE");
	for (size_t i = 0; i < n; i++)
		printf("%-16s %-9u %-9u %-5s %s\n", ports[i].host_ip[0] ? ports[i].host_ip : "*",
		       ports[i].host_port, ports[i].container_port, ports[i].proto,
		       ports[i].active ? "yes" : "no");
	return 0;
}

int cmd_port(int argc, char **argv, struct cli_ctx *ctx)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct taper_store *s = NULL;
	struct taper_err err = { 0 };
	enum cli_format fmt = CLI_FORMAT_TABLE;
	const char *name, *op;
	int c, r;

	while ((c = getopt_long(argc, argv, "+f:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if ((r = cli_format_parse(VERB, optarg, "table", &fmt)) != 0)
				return r;
			break;
		case 'h':
			return cli_usage(VERB, USAGE, false);
		default:
			return cli_bad_option(VERB, USAGE, "+f:h", argv);
		}
	}
	/* Options may follow the operation too: "port web1 ls --format json". */
	if (optind >= argc)
		return cli_usage_error(VERB, USAGE, "missing NAME");
	if (optind + 1 >= argc)
		return cli_usage_error(VERB, USAGE, "missing add, rm or ls");
	name = argv[optind];
	op = argv[optind + 1];
	optind += 2;
	while ((c = getopt_long(argc, argv, "f:h", opts, NULL)) != -1) {
		if (c == 'f' && (r = cli_format_parse(VERB, optarg, "table", &fmt)) != 0)
			return r;
		else if (c == 'f')
			continue;
		else if (c == 'h')
			return cli_usage(VERB, USAGE, false);
		else
			return cli_bad_option(VERB, USAGE, "f:h", argv);
	}
	if (strcmp(op, "add") != 0 && strcmp(op, "rm") != 0 && strcmp(op, "ls") != 0)
		return cli_usage_error(VERB, USAGE, "unknown operation \"%s\" (add, rm, ls)", op);
	static const char *const ls_args[] = { NULL }, *const spec_args[] = { "SPEC", NULL };

	if ((r = cli_args(VERB, USAGE, argc - optind, argv + optind,
			  strcmp(op, "ls") == 0 ? ls_args : spec_args)) != 0)
		return r;
	if ((r = cli_open_store(ctx, VERB, &s)) != 0)
		return r;
	if (strcmp(op, "add") == 0)
		r = taper_container_port_add(s, name, argv[optind], &err);
	else if (strcmp(op, "rm") == 0)
		r = taper_container_port_remove(s, name, argv[optind], &err);
	else
		r = port_ls(s, name, fmt, &err);
	taper_store_close(s);
	if (r == -EIO)
		return 1;
	return r < 0 ? cli_fail(VERB, &err) : 0;
}
