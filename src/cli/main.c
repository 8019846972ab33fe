/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "util/log.h"

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
	{ "rename", cmd_rename, "rename a stopped container" },
	{ "destroy", cmd_destroy, "remove a container" },
	{ "config", cmd_config, "show or change a container's configuration" },
	{ "limit", cmd_limit, "show or change a container's resource limits" },
	{ "stats", cmd_stats, "CPU, memory, pids and I/O of running containers" },
	{ "wait", cmd_wait, "wait until a container reaches a state" },
	{ "port", cmd_port, "publish, unpublish and list a container's ports" },
	{ "autostart", cmd_autostart, "start the containers marked start.auto" },
	{ "gc", cmd_gc, "remove what killed commands left: cgroups, runtime and lock files" },
	{ "run", cmd_run, "run a command in a fresh container" },
	{ "network", cmd_network, "list, create, remove and inspect networks" },
	{ "checkconfig", cmd_checkconfig, "what this kernel offers containers, and how to fix the rest" },
	{ "version", cmd_version, "print the version" },
};

int cli_fail(const char *verb, const struct taper_err *err)
{
	fprintf(stderr, "taper: %s: %s\n", verb, err->msg[0] ? err->msg : "failed");
	return 1;
}

int cli_failf(int status, const char *verb, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "taper: %s: ", verb);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return status;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: taper [--path DIR] [--debug] VERB [OPTIONS]\n\n"
		   "Lightweight Linux containers.\n\nVerbs:\n");
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		fprintf(f, "  %-12s %s\n", verbs[i].name, verbs[i].summary);
	fprintf(f, "\nRun 'taper VERB --help' for a verb's options.\n");
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
	int c;

	/* '+': stop at the verb; its own options are parsed by the verb. */
	while ((c = getopt_long(argc, argv, "+P:dhV", opts, NULL)) != -1) {
		switch (c) {
		case 'P':
			ctx.store_path = optarg;
			break;
		case 'd':
			ctx.debug = true;
			taper_log_set_level(TAPER_LOG_DEBUG);
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
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
		if (strcmp(argv[optind], verbs[i].name) == 0) {
			char **vargv = argv + optind;
			int vargc = argc - optind;

			optind = 0; /* reset getopt for the verb */
			return verbs[i].run(vargc, vargv, &ctx);
		}
	}
	fprintf(stderr, "taper: unknown verb '%s' (see 'taper --help')\n", argv[optind]);
	return 2;
}
