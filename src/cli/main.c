/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "oci/oci.h"
#include "util/cleanup.h"
#include "util/log.h"

static int cmd_help(int argc, char **argv, struct cli_ctx *ctx);

static const struct cli_verb verbs[] = {
	{ "create", cmd_create, "create a container from a template" },
	{ "start", cmd_start, "start a system container (detached, with a monitor)" },
	{ "stop", cmd_stop, "stop a system container" },
	{ "ls", cmd_ls, "list containers and their states" },
	{ "info", cmd_info, "state, usage and configuration of a container" },
	{ "attach", cmd_attach, "run a command inside a running container" },
	{ "console", cmd_console, "connect to a container's console" },
	{ "freeze", cmd_freeze, "freeze every process of a container" },
	{ "unfreeze", cmd_unfreeze, "thaw a frozen container" },
	{ "clone", cmd_clone, "copy a container, or snapshot it with an overlay" },
	{ "snapshot", cmd_snapshot, "save, list, restore and remove snapshots of a container" },
	{ "rename", cmd_rename, "rename a stopped container" },
	{ "destroy", cmd_destroy, "remove a container" },
	{ "config", cmd_config, "show or change a container's configuration" },
	{ "limit", cmd_limit, "show or change a container's resource limits" },
	{ "stats", cmd_stats, "CPU, memory, pids and I/O of running containers" },
	{ "wait", cmd_wait, "wait until a container reaches a state" },
	{ "monitor", cmd_monitor, "print the state changes of containers as they happen" },
	{ "port", cmd_port, "publish, unpublish and list a container's ports" },
	{ "autostart", cmd_autostart, "start, stop or list the containers marked start.auto" },
	{ "gc", cmd_gc, "remove what killed commands left: cgroups, runtime and lock files" },
	{ "deploy", cmd_deploy, "deploy a service from a charm, each unit in a container" },
	{ "add-unit", cmd_add_unit, "add units to a deployed service" },
	{ "remove-unit", cmd_remove_unit, "remove units of a service, and their containers" },
	{ "destroy-service", cmd_destroy_service, "remove a service, its units and its relations" },
	{ "relate", cmd_relate, "relate two services (add-relation)" },
	{ "unrelate", cmd_unrelate, "remove a relation between two services (remove-relation)" },
	{ "expose", cmd_expose, "publish the ports a service's units opened on the host" },
	{ "unexpose", cmd_unexpose, "stop publishing a service's ports" },
	{ "set", cmd_set, "set options of a deployed service" },
	{ "get", cmd_get, "show the options of a deployed service" },
	{ "resolved", cmd_resolved, "take a unit out of error, skipping or retrying its failed hook" },
	{ "status", cmd_status, "services, units, relations and machines, as juju status shows them" },
	{ "debug-log", cmd_debug_log, "the output of charm hooks" },
	{ "run", cmd_run, "run a command in a fresh container" },
	{ "network", cmd_network, "list, create, remove and inspect networks" },
	{ "web", cmd_web, "a browser panel and JSON API for the store" },
	{ "checkconfig", cmd_checkconfig, "what this kernel offers containers, and how to fix the rest" },
	{ "version", cmd_version, "print the version" },
	{ "help", cmd_help, "describe taper, or one verb's options" },
};

/* Juju's other names for verbs; not listed in help. */
static const struct {
	const char *alias, *verb;
} aliases[] = {
	{ "add-relation", "relate" },
	{ "remove-relation", "unrelate" },
	{ "destroy-relation", "unrelate" },
	{ "destroy-unit", "remove-unit" },
	{ "set-config", "set" },
};

static const struct cli_verb *find_verb(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(aliases); i++)
		if (strcmp(name, aliases[i].alias) == 0)
			name = aliases[i].verb;
	for (size_t i = 0; i < ARRAY_SIZE(verbs); i++)
		if (strcmp(name, verbs[i].name) == 0)
			return &verbs[i];
	return NULL;
}

/* Edit distance (insert, delete, substitute, swap of neighbours) between
 * short words; anything past 32 characters is far from every verb. */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), d[33][33];

	if (la > 32 || lb > 32)
		return SIZE_MAX;
	for (size_t i = 0; i <= la; i++)
		for (size_t j = 0; j <= lb; j++) {
			size_t v;

			if (i == 0 || j == 0) {
				d[i][j] = i + j;
				continue;
			}
			v = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			if (d[i - 1][j] + 1 < v)
				v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	return d[la][lb];
}

/* "taper: unknown verb "strat" (did you mean "start"?)" when one verb is
 * close: at most two edits, and fewer than the word's own length. */
static int unknown_verb(const char *name)
{
	const struct cli_verb *best = NULL;
	size_t best_d = SIZE_MAX;

	for (size_t i = 0; i < ARRAY_SIZE(verbs); i++) {
		size_t d = distance(name, verbs[i].name);

		if (d < best_d) {
			best_d = d;
			best = &verbs[i];
		}
	}
	if (best && best_d <= 2 && best_d < strlen(name))
		fprintf(stderr, "taper: unknown verb \"%s\" (did you mean \"%s\"?)\n", name, best->name);
	else
		fprintf(stderr, "taper: unknown verb \"%s\" (see \"taper help\")\n", name);
	return 2;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: taper [--path DIR] [--debug] VERB [OPTIONS]\n\n"
		   "Lightweight Linux containers.\n\nVerbs:\n");
	for (size_t i = 0; i < ARRAY_SIZE(verbs); i++)
		fprintf(f, "  %-15s %s\n", verbs[i].name, verbs[i].summary);
	fprintf(f, "\nRun 'taper help VERB' for a verb's options, 'man taper-VERB' for more.\n");
}

/* taper help [VERB]: the list of verbs, or what VERB --help prints. */
static int cmd_help(int argc, char **argv, struct cli_ctx *ctx)
{
	const struct cli_verb *v;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	if (argc > 2)
		return cli_failf(2, "help", "one verb at a time, not %d", argc - 1);
	if (!(v = find_verb(argv[1])))
		return unknown_verb(argv[1]);
	optind = 0;
	opterr = 0; /* a verb reports a bad option itself (cli_bad_option) */
	return v->run(2, (char *[]){ argv[1], (char *)"--help", NULL }, ctx);
}

int cmd_version(int argc, char **argv, struct cli_ctx *ctx)
{
	(void)argc;
	(void)argv;
	(void)ctx;
	printf("taper %s\n", taper_version());
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "path", required_argument, NULL, 'P' },
		{ "debug", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{},
	};
	struct cli_ctx ctx = { .store_path = getenv("TAPER_PATH"), .argc = argc, .argv = argv };
	const char *self = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	int c;

	/* One binary, two front ends: installed as taper-oci, it is the OCI
	 * runtime. */
	if (strcmp(self, "taper-oci") == 0)
		return oci_main(argc, argv, argc, argv);

	/* '+': stop at the verb; its own options are parsed by the verb. */
	while ((c = getopt_long(argc, argv, "+P:dhV", opts, NULL)) != -1) {
		switch (c) {
		case 'P':
			ctx.store_path = optarg;
			break;
		case 'd':
			ctx.debug = true;
			log_set_level(TAPER_LOG_DEBUG);
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			return cmd_version(0, NULL, &ctx);
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	const struct cli_verb *v = find_verb(argv[optind]);
	char **vargv = argv + optind;
	int vargc = argc - optind;

	if (!v && strcmp(argv[optind], "oci") == 0)
		return oci_main(vargc, vargv, argc, argv);
	if (!v)
		return unknown_verb(argv[optind]);
	optind = 0; /* reset getopt for the verb */
	opterr = 0; /* a verb reports a bad option itself (cli_bad_option) */
	return v->run(vargc, vargv, &ctx);
}
