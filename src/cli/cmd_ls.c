/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * taper ls [--format table|json|yaml] [--running|--frozen|--stopped] [-q]
 *
 * One row per container: name, state, pid, IPv4, memory, autostart. All
 * of it comes from taper_container_state(): files and the cgroup, nothing
 * spawned per container. YAML is emitted by hand: every scalar is a
 * double-quoted string or a plain number, so no escaping can go wrong
 * beyond '"' and '\\'. -q prints the names alone, one a line (for scripts
 * and shell completion).
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

enum fmt {
	FMT_TABLE,
	FMT_JSON,
	FMT_YAML,
	FMT_NAMES
};

static const struct {
	const char *name;
	enum fmt fmt;
} formats[] = { { "table", FMT_TABLE }, { "json", FMT_JSON }, { "yaml", FMT_YAML } };

struct row {
	char *name;
	struct taper_container_state st;
};

static void human_size(uint64_t b, char *buf, size_t n)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)b;
	unsigned u = 0;

	while (v >= 1024 && u + 1 < ARRAY_SIZE(units)) {
		v /= 1024;
		u++;
	}
	snprintf(buf, n, u ? "%.1f%s" : "%.0f%s", v, units[u]);
}

static void yaml_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			putchar('\\');
		if ((unsigned char)*s < 0x20)
			printf("\\x%02x", (unsigned char)*s);
		else
			putchar(*s);
	}
	putchar('"');
}

static void print_table(struct row *rows, size_t n)
{
	printf("%-20s %-9s %-8s %-16s %-10s %s\n", "NAME", "STATE", "PID", "IPV4", "MEMORY", "AUTOSTART");
	for (size_t i = 0; i < n; i++) {
		const struct taper_container_state *st = &rows[i].st;
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
			human_size(st->memory_bytes, mem, sizeof(mem));
		}
		printf("%-20s %-9s %-8s %-16s %-10s %s\n", rows[i].name, taper_state_name(st->state), pid,
		       ips && *ips ? ips : "-", mem, st->autostart ? "yes" : "no");
	}
}

static int print_json(struct row *rows, size_t n)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < n; i++) {
		const struct taper_container_state *st = &rows[i].st;
		json_t *ips = json_array();

		for (char **p = st->ipv4; p && *p; p++)
			json_array_append_new(ips, json_string(*p));
		json_array_append_new(arr, json_pack("{s:s, s:s, s:I, s:o, s:I, s:b, s:I}", "name",
						     rows[i].name, "state", taper_state_name(st->state),
						     "pid", (json_int_t)st->pid, "ipv4", ips, "memory_bytes",
						     (json_int_t)st->memory_bytes, "autostart", st->autostart,
						     "start_order", (json_int_t)st->start_order));
	}
	if (!arr || json_dumpf(arr, stdout, JSON_INDENT(2)) < 0)
		return cli_failf(1, VERB, "cannot write JSON");
	putchar('\n');
	json_decref(arr);
	return 0;
}

static void print_yaml(struct row *rows, size_t n)
{
	if (n == 0)
		printf("[]\n");
	for (size_t i = 0; i < n; i++) {
		const struct taper_container_state *st = &rows[i].st;

		printf("- name: ");
		yaml_str(rows[i].name);
		printf("\n  state: ");
		yaml_str(taper_state_name(st->state));
		printf("\n  pid: %d\n  ipv4:%s\n", (int)st->pid, st->ipv4 && st->ipv4[0] ? "" : " []");
		for (char **p = st->ipv4; p && *p; p++) {
			printf("    - ");
			yaml_str(*p);
			putchar('\n');
		}
		printf("  memory_bytes: %llu\n  autostart: %s\n  start_order: %lld\n",
		       (unsigned long long)st->memory_bytes, st->autostart ? "true" : "false",
		       (long long)st->start_order);
	}
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
	_cleanup_(strv_freep) char **names = NULL;
	_cleanup_free_ struct row *rows = NULL;
	struct taper_store *s = NULL;
	struct taper_err err = { 0 };
	enum fmt fmt = FMT_TABLE;
	int filter = -1, c, r = 0;
	size_t n = 0;
	bool found;

	while ((c = getopt_long(argc, argv, "f:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			found = false;
			for (size_t i = 0; i < ARRAY_SIZE(formats); i++)
				if (strcmp(optarg, formats[i].name) == 0) {
					fmt = formats[i].fmt;
					found = true;
				}
			if (!found)
				return cli_failf(2, VERB, "unknown format \"%s\" (table, json, yaml)",
						 optarg);
			break;
		case 'q':
			fmt = FMT_NAMES;
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
			return cli_usage(VERB, USAGE, true);
		}
	}
	if (optind != argc)
		return cli_usage(VERB, USAGE, true);
	if ((r = cli_open_store(ctx, VERB, &s)) != 0)
		return r;
	if (taper_container_list(s, &names, &err) < 0) {
		taper_store_close(s);
		return cli_fail(VERB, &err);
	}
	if (fmt == FMT_NAMES && filter < 0) {
		/* Names alone need no state. */
		taper_store_close(s);
		for (char **p = names; *p; p++)
			puts(*p);
		return 0;
	}
	rows = calloc(strv_length(names) + 1, sizeof(*rows));
	for (char **p = names; rows && *p; p++) {
		struct taper_container_state st;

		/* A container destroyed meanwhile is no error. */
		if (taper_container_state(s, *p, &st, NULL) < 0)
			continue;
		if (filter >= 0 && (int)st.state != filter) {
			taper_container_state_clear(&st);
			continue;
		}
		rows[n++] = (struct row){ .name = *p, .st = st };
	}
	taper_store_close(s);
	if (!rows)
		return cli_failf(1, VERB, "out of memory");
	if (fmt == FMT_TABLE)
		print_table(rows, n);
	else if (fmt == FMT_JSON)
		r = print_json(rows, n);
	else if (fmt == FMT_NAMES)
		for (size_t i = 0; i < n; i++)
			puts(rows[i].name);
	else
		print_yaml(rows, n);
	for (size_t i = 0; i < n; i++)
		taper_container_state_clear(&rows[i].st);
	return r;
}
