/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * taper snapshot NAME [create [SNAP] [-c TEXT] | ls [--format table|json|yaml] |
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
#define USAGE                                                                                               \
	"NAME [create [SNAP] [-c|--comment TEXT] | ls [--format table|json|yaml] | restore SNAP [NEWNAME] " \
	"| rm SNAP]"

static void format_time(int64_t t, char *buf, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!t || !gmtime_r(&tt, &tm) || !strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, n, "-");
}

static int snapshot_ls(struct taper_store *s, const char *name, enum cli_format fmt, struct taper_err *err)
{
	struct taper_snapshot *v = NULL;
	size_t n;
	int r = taper_snapshot_list(s, name, &v, &n, err);

	if (r < 0)
		return r;
	if (fmt != CLI_FORMAT_TABLE) {
		json_auto_t *a = json_array();

		for (size_t i = 0; a && i < n; i++) {
			char when[32];

			format_time(v[i].created, when, sizeof(when));
			json_array_append_new(a, json_pack("{s:s, s:I, s:s, s:s}", "name", v[i].name,
							   "created", (json_int_t)v[i].created, "time", when,
							   "comment", v[i].comment));
		}
		taper_snapshots_free(v, n);
		/* Printed here: its error line is the whole story. */
		return cli_print_doc(VERB, a, fmt) ? -EIO : 0;
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
	enum cli_format fmt = CLI_FORMAT_TABLE;
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
			return cli_bad_option(VERB, USAGE, "c:f:h", argv);
		}
	}
	if (optind >= argc)
		return cli_usage_error(VERB, USAGE, "missing NAME");
	name = argv[optind++];
	if (optind < argc)
		op = argv[optind++];
	rest = argv + optind;
	nrest = argc - optind;
	if (format && (r = cli_format_parse(VERB, format, "table", &fmt)) != 0)
		return r;
	if (strcmp(op, "create") != 0 && strcmp(op, "ls") != 0 && strcmp(op, "restore") != 0 &&
	    strcmp(op, "rm") != 0)
		return cli_usage_error(VERB, USAGE, "unknown operation \"%s\" (create, ls, restore, rm)", op);
	if (format && strcmp(op, "ls") != 0)
		return cli_usage_error(VERB, USAGE, "--format goes with ls");
	if (comment && strcmp(op, "create") != 0)
		return cli_usage_error(VERB, USAGE, "--comment goes with create");
	/* create [SNAP], ls, restore SNAP [NEWNAME], rm SNAP */
	r = 0;
	if (strcmp(op, "ls") == 0)
		r = cli_args(VERB, USAGE, nrest, rest, (const char *const[]){ NULL });
	else if (strcmp(op, "create") != 0 && nrest == 0)
		r = cli_usage_error(VERB, USAGE, "missing SNAP");
	else if (nrest > (strcmp(op, "restore") == 0 ? 2 : 1))
		r = cli_usage_error(VERB, USAGE, "unexpected argument \"%s\"",
				    rest[strcmp(op, "restore") == 0 ? 2 : 1]);
	if (r != 0)
		return r;
	if ((r = cli_open_store(ctx, VERB, &s)) != 0)
		return r;
	if (strcmp(op, "create") == 0) {
		_cleanup_free_ char *made = NULL;

		r = taper_snapshot_create(s, name, nrest ? rest[0] : NULL, comment, &made, &err);
		if (r == 0)
			printf("%s\n", made);
	} else if (strcmp(op, "ls") == 0) {
		r = snapshot_ls(s, name, fmt, &err);
	} else if (strcmp(op, "restore") == 0) {
		r = taper_snapshot_restore(s, name, rest[0], nrest > 1 ? rest[1] : NULL, &err);
	} else {
		r = taper_snapshot_remove(s, name, rest[0], &err);
	}
	taper_store_close(s);
	if (r == -EIO)
		return 1;
	return r < 0 ? cli_fail(VERB, &err) : 0;
}
