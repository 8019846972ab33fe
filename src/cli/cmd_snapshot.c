/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * taper snapshot NAME [create [SNAP] [-c TEXT] | ls [--format table|json] |
 *                      restore SNAP [NEWNAME] | rm SNAP]
 *
 * lxc-snapshot's job: named full copies of a stopped container kept in its
 * directory. Without an operation, create (as lxc-snapshot NAME does).
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "util/cleanup.h"
#include "util/err.h"

#define VERB "snapshot"
#define USAGE                                                                                          \
	"NAME [create [SNAP] [-c|--comment TEXT] | ls [--format table|json] | restore SNAP [NEWNAME] " \
	"| rm SNAP]"

static void format_time(int64_t t, char *buf, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!t || !gmtime_r(&tt, &tm) || !strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, n, "-");
}

static int snapshot_ls(struct taper_store *s, const char *name, bool json, struct taper_err *err)
{
	struct taper_snapshot *v = NULL;
	size_t n;
	int r = taper_snapshot_list(s, name, &v, &n, err);

	if (r < 0)
		return r;
	if (json) {
		json_t *a = json_array();
		char *text;

		for (size_t i = 0; a && i < n; i++) {
			char when[32];

			format_time(v[i].created, when, sizeof(when));
			json_array_append_new(a, json_pack("{s:s, s:I, s:s, s:s}", "name", v[i].name,
							   "created", (json_int_t)v[i].created, "time", when,
							   "comment", v[i].comment));
		}
		text = a ? json_dumps(a, JSON_INDENT(2)) : NULL;
		json_decref(a);
		taper_snapshots_free(v, n);
		if (!text)
			return taper_err_set(err, ENOMEM, "json");
		puts(text);
		free(text);
		return 0;
	}
	printf("%-16s %-20s %s\n", "NAME", "CREATED", "COMMENT");
	for (size_t i = 0; i < n; i++) {
		char when[32];

		format_time(v[i].created, when, sizeof(when));
		/* One line per snapshot: the comment's first line. */
		printf("%-16s %-20s %.*s\n", v[i].name, when, (int)strcspn(v[i].comment, "\n"), v[i].comment);
	}
	taper_snapshots_free(v, n);
	return 0;
}

int cmd_snapshot(int argc, char **argv, struct cli_ctx *ctx)
{
	static const struct option opts[] = {
		{ "comment", required_argument, NULL, 'c' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct taper_store *s = NULL;
	struct taper_err err = { 0 };
	const char *format = NULL, *comment = NULL, *name, *op = "create";
	char **rest;
	int c, r, nrest;

	/* Options anywhere: "snapshot web1 create -c 'before upgrade'". */
	while ((c = getopt_long(argc, argv, "c:f:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			comment = optarg;
			break;
		case 'f':
			format = optarg;
			break;
		case 'h':
			return cli_usage(VERB, USAGE, false);
		default:
			return cli_usage(VERB, USAGE, true);
		}
	}
	if (optind >= argc)
		return cli_usage(VERB, USAGE, true);
	name = argv[optind++];
	if (optind < argc)
		op = argv[optind++];
	rest = argv + optind;
	nrest = argc - optind;
	if (format && strcmp(format, "table") != 0 && strcmp(format, "json") != 0)
		return cli_failf(2, VERB, "unknown format \"%s\" (table, json)", format);
	if (strcmp(op, "create") == 0) {
		if (nrest > 1 || format)
			return cli_usage(VERB, USAGE, true);
	} else if (strcmp(op, "ls") == 0) {
		if (nrest != 0 || comment)
			return cli_usage(VERB, USAGE, true);
	} else if (strcmp(op, "restore") == 0) {
		if (nrest < 1 || nrest > 2 || comment || format)
			return cli_usage(VERB, USAGE, true);
	} else if (strcmp(op, "rm") == 0) {
		if (nrest != 1 || comment || format)
			return cli_usage(VERB, USAGE, true);
	} else {
		return cli_failf(2, VERB, "unknown operation \"%s\" (create, ls, restore, rm)", op);
	}
	if ((r = cli_open_store(ctx, VERB, &s)) != 0)
		return r;
	if (strcmp(op, "create") == 0) {
		_cleanup_free_ char *made = NULL;

		r = taper_snapshot_create(s, name, nrest ? rest[0] : NULL, comment, &made, &err);
		if (r == 0)
			printf("%s\n", made);
	} else if (strcmp(op, "ls") == 0) {
		r = snapshot_ls(s, name, format && strcmp(format, "json") == 0, &err);
	} else if (strcmp(op, "restore") == 0) {
		r = taper_snapshot_restore(s, name, rest[0], nrest > 1 ? rest[1] : NULL, &err);
	} else {
		r = taper_snapshot_remove(s, name, rest[0], &err);
	}
	taper_store_close(s);
	return r < 0 ? cli_fail(VERB, &err) : 0;
}
