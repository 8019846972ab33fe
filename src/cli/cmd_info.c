/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * taper info NAME [--format text|json|yaml] — state, pid, addresses, usage
 * (cpu, memory, pids from the cgroup), uptime and a config summary.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

#define VERB "info"
#define USAGE "NAME [--format text|json|yaml]"

static void print_text(json_t *o)
{
	json_t *usage = json_object_get(o, "usage"), *cfg = json_object_get(o, "config");
	json_t *ips = json_object_get(o, "ipv4"), *init = json_object_get(cfg, "init"), *v;
	json_t *last = json_object_get(o, "last_exit");
	char mem[32];
	size_t i;

	printf("Name:        %s\n", json_string_value(json_object_get(o, "name")));
	printf("State:       %s\n", json_string_value(json_object_get(o, "state")));
	if (json_integer_value(json_object_get(o, "pid"))) {
		printf("PID:         %lld\n", (long long)json_integer_value(json_object_get(o, "pid")));
		if (json_integer_value(json_object_get(o, "monitor_pid")))
			printf("Monitor PID: %lld\n",
			       (long long)json_integer_value(json_object_get(o, "monitor_pid")));
		else
			printf("Monitor PID: none (stop, attach and freeze work without it)\n");
		printf("Uptime:      %llds\n",
		       (long long)json_integer_value(json_object_get(o, "uptime_seconds")));
		printf("CPU time:    %.3fs\n",
		       (double)json_integer_value(json_object_get(usage, "cpu_ns")) / 1e9);
		cli_human_bytes(mem, sizeof(mem),
				(uint64_t)json_integer_value(json_object_get(usage, "memory_bytes")));
		printf("Memory:      %s\n", mem);
		printf("Processes:   %lld\n", (long long)json_integer_value(json_object_get(usage, "pids")));
	}
	json_array_foreach (ips, i, v)
		printf("IPv4:        %s\n", json_string_value(v));
	printf("Rootfs:      %s\n", json_string_value(json_object_get(cfg, "rootfs")));
	printf("Init:       ");
	json_array_foreach (init, i, v)
		printf(" %s", json_string_value(v));
	printf("\nAutostart:   %s (order %lld)\n",
	       json_is_true(json_object_get(cfg, "autostart")) ? "yes" : "no",
	       (long long)json_integer_value(json_object_get(cfg, "start_order")));
	if (last) {
		int sig = (int)json_integer_value(json_object_get(last, "signal"));

		printf("Last exit:   code %lld",
		       (long long)json_integer_value(json_object_get(last, "code")));
		if (json_is_true(json_object_get(last, "oom")))
			printf(" (OOM killed)");
		else if (sig > 0 && sigabbrev_np(sig))
			printf(" (killed by SIG%s)", sigabbrev_np(sig));
		printf("\n");
	}
}

int cmd_info(int argc, char **argv, struct cli_ctx *ctx)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct taper_store *s = NULL;
	struct taper_err err = { 0 };
	enum cli_format fmt = CLI_FORMAT_TABLE;
	char *text = NULL;
	json_t *o;
	int c, r;

	while ((c = getopt_long(argc, argv, "f:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if ((r = cli_format_parse(VERB, optarg, "text", &fmt)) != 0)
				return r;
			break;
		case 'h':
			return cli_usage(VERB, USAGE, false);
		default:
			return cli_bad_option(VERB, USAGE, "f:h", argv);
		}
	}
	if ((r = cli_args(VERB, USAGE, argc - optind, argv + optind, CLI_NAME)) != 0)
		return r;
	if ((r = cli_open_store(ctx, VERB, &s)) != 0)
		return r;
	r = taper_container_info(s, argv[optind], &text, &err);
	taper_store_close(s);
	if (r < 0)
		return cli_fail(VERB, &err);
	o = json_loads(text, 0, NULL);
	free(text);
	if (!o)
		return cli_failf(1, VERB, "out of memory");
	if (fmt == CLI_FORMAT_TABLE)
		print_text(o);
	else
		r = cli_print_doc(VERB, o, fmt);
	json_decref(o);
	return r;
}
