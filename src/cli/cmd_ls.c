/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * taper ls [--format table|json|yaml] [--running|--frozen|--stopped] [-q]
 *
 * One row per container: name, state, pid, IPv4, memory, autostart. All
 * of it comes from taper_container_list_states(): files and the cgroup,
 * nothing spawned per container. JSON and YAML are one document (cli_format.c).
 * -q prints the names alone, one a line (for scripts and shell
 * completion).
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "util/cleanup.h"
#include "util/strv.h"

#define VERB "ls"
#define USAGE "[--format table|json|yaml] [--running|--frozen|--stopped] [-q|--quiet]"

static void print_table(const struct taper_container_entry *rows, size_t n)
{
	printf("%-20s %-9s %-8s %-16s %-10s %s\n", "NAME", "STATE", "PID", "IPV4", "MEMORY", "AUTOSTART");
	for (size_t i = 0; i < n; i++) {
		const struct taper_container_state *st = &rows[i].state;
		char pid[16] = "-", mem[32] = "-";
		_cleanup_free_ char *ips = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&ips, &len);

		for (char **p = st->ipv4; f && p && *p; p++)
			fprintf(f, "%s%s", p == st->ipv4 ? "" : ",", *p);
		if (f)
			fclose(f);
		if (st->pid) {
			snprintf(pid, sizeof(pid), "%d", (int)st->pid);
			cli_human_bytes(mem, sizeof(mem), st->memory_bytes);
		}
		printf("%-20s %-9s %-8s %-16s %-10s %s\n", rows[i].name, taper_state_name(st->state), pid,
		       ips && *ips ? ips : "-", mem, st->autostart ? "yes" : "no");
	}
}

static json_t *rows_json(const struct taper_container_entry *rows, size_t n)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < n; i++) {
		const struct taper_container_state *st = &rows[i].state;
		json_t *ips = json_array();

		for (char **p = st->ipv4; p && *p; p++)
			json_array_append_new(ips, json_string(*p));
		if (json_array_append_new(arr,
					  json_pack("{s:s, s:s, s:I, s:o, s:I, s:b, s:I}", "name",
						    rows[i].name, "state", taper_state_name(st->state), "pid",
						    (json_int_t)st->pid, "ipv4", ips, "memory_bytes",
						    (json_int_t)st->memory_bytes, "autostart", st->autostart,
						    "start_order", (json_int_t)st->start_order)) < 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

int cmd_ls(int argc, char **argv, struct cli_ctx *ctx)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "running", no_argument, NULL, 'r' },
		{ "frozen", no_argument, NULL, 'z' },
		{ "stopped", no_argument, NULL, 's' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct taper_container_entry *rows = NULL;
	struct taper_store *s = NULL;
	struct taper_err err = { 0 };
	enum cli_format fmt = CLI_FORMAT_TABLE;
	int filter = -1, c, r = 0;
	bool names_only = false;
	size_t n = 0, all = 0;

	while ((c = getopt_long(argc, argv, "f:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if ((r = cli_format_parse(VERB, optarg, "table", &fmt)) != 0)
				return r;
			break;
		case 'q':
			names_only = true;
			break;
		case 'r':
			filter = TAPER_STATE_RUNNING;
			break;
		case 'z':
			filter = TAPER_STATE_FROZEN;
			break;
		case 's':
			filter = TAPER_STATE_STOPPED;
			break;
		case 'h':
			return cli_usage(VERB, USAGE, false);
		default:
			return cli_bad_option(VERB, USAGE, "f:qh", argv);
		}
	}
	if ((r = cli_args(VERB, USAGE, argc - optind, argv + optind, (const char *const[]){ NULL })) != 0)
		return r;
	if ((r = cli_open_store(ctx, VERB, &s)) != 0)
		return r;
	if (names_only && filter < 0) {
		/* Names alone need no state. */
		_cleanup_(strv_freep) char **names = NULL;

		r = taper_container_list(s, &names, &err);
		taper_store_close(s);
		if (r < 0)
			return cli_fail(VERB, &err);
		for (char **p = names; *p; p++)
			puts(*p);
		return 0;
	}
	r = taper_container_list_states(s, &rows, &all, &err);
	taper_store_close(s);
	if (r < 0)
		return cli_fail(VERB, &err);
	for (size_t i = 0; i < all; i++) {
		if (filter < 0 || (int)rows[i].state.state == filter) {
			rows[n++] = rows[i];
			continue;
		}
		free(rows[i].name);
		taper_container_state_clear(&rows[i].state);
	}
	if (names_only) {
		for (size_t i = 0; i < n; i++)
			puts(rows[i].name);
	} else if (fmt == CLI_FORMAT_TABLE) {
		print_table(rows, n);
	} else {
		json_t *doc = rows_json(rows, n);

		r = cli_print_doc(VERB, doc, fmt);
		json_decref(doc);
	}
	taper_container_entries_free(rows, n);
	return r;
}
