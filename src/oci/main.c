/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * main.c — taper-oci's global options and command table (runc's names).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oci/oci.h"
#include "util/cleanup.h"

static int cmd_unsupported(int argc, char **argv, struct oci_global *g)
{
	return oci_error(g, "%s: not supported (taper has no CRIU support)", argv[0]);
}

static const struct {
	const char *name;
	int (*run)(int argc, char **argv, struct oci_global *g);
	const char *summary;
} cmds[] = {
	{ "create", oci_cmd_create, "create a container from a bundle, held before its command" },
	{ "start", oci_cmd_start, "run the command of a created container" },
	{ "run", oci_cmd_run, "create and start a container" },
	{ "state", oci_cmd_state, "print the state of a container as JSON" },
	{ "kill", oci_cmd_kill, "send a signal to the init of a container (--all: every process)" },
	{ "delete", oci_cmd_delete, "remove a stopped container (--force: any)" },
	{ "list", oci_cmd_list, "list the containers under --root" },
	{ "exec", oci_cmd_exec, "run a process in a running container" },
	{ "ps", oci_cmd_ps, "list the processes of a container" },
	{ "pause", oci_cmd_pause, "freeze every process of a container" },
	{ "resume", oci_cmd_resume, "thaw a paused container" },
	{ "update", oci_cmd_update, "change the resource limits of a container" },
	{ "events", oci_cmd_events, "print a container's resource usage (--stats: once)" },
	{ "spec", oci_cmd_spec, "write a config.json to start from" },
	{ "features", oci_cmd_features, "print what this runtime supports, as JSON" },
	{ "checkpoint", cmd_unsupported, "not supported" },
	{ "restore", cmd_unsupported, "not supported" },
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: taper-oci [--root DIR] [--log FILE] [--log-format text|json] [--debug] COMMAND ...\n\n"
		"An OCI runtime (runtime-spec 1.1) with runc's command line, on libtaper.\n\nCommands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++)
		fprintf(f, "  %-11s %s\n", cmds[i].name, cmds[i].summary);
}

int oci_main(int argc, char **argv, int main_argc, char **main_argv)
{
	static const struct option opts[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "log", required_argument, NULL, 'l' },
		{ "log-format", required_argument, NULL, 'f' },
		{ "debug", no_argument, NULL, 'd' },
		{ "systemd-cgroup", no_argument, NULL, 's' },
		{ "rootless", required_argument, NULL, 'R' },
		{ "criu", required_argument, NULL, 'C' },
		{ "version", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct oci_global g = { .root = "/run/taper-oci", .argc = main_argc, .argv = main_argv };
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+vh", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			if (optarg[0] != '/')
				return oci_error(&g, "--root: \"%s\" is not an absolute path", optarg);
			g.root = optarg;
			break;
		case 'l':
			g.log = optarg;
			break;
		case 'f':
			if (strcmp(optarg, "json") != 0 && strcmp(optarg, "text") != 0)
				return oci_error(&g, "--log-format: \"%s\" is not text or json", optarg);
			g.log_json = strcmp(optarg, "json") == 0;
			break;
		case 'd':
			g.debug = true;
			break;
		case 's':
			g.systemd_cgroup = true;
			break;
		case 'R':
			if (strcmp(optarg, "true") != 0 && strcmp(optarg, "false") != 0 &&
			    strcmp(optarg, "auto") != 0)
				return oci_error(&g, "--rootless: \"%s\" is not true, false or auto", optarg);
			break;
		case 'C':
			break;
		case 'v':
			printf("taper-oci version %s\nspec: 1.1.0\n", taper_version());
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return oci_error(&g, "unknown option %s", argv[optind - 1]);
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 1;
	}
	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++)
		if (strcmp(cmds[i].name, argv[optind]) == 0) {
			char **cargv = argv + optind;
			int cargc = argc - optind;

			optind = 0;
			return cmds[i].run(cargc, cargv, &g);
		}
	return oci_error(&g, "unknown command \"%s\" (taper-oci --help lists them)", argv[optind]);
}
