/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * taper autostart [-s|-k|-r|-L] [-g GROUP[,GROUP]]... [-a] [--format json]
 *
 * lxc-autostart: start (default), stop (-s), kill (-k) or reboot (-r) the
 * containers marked start.auto = 1, or list them in the order that would
 * be used (-L). Without -g only those in no start.group; -g ",web" names
 * the no-group set and web; -a every one. The boot unit
 * contrib/systemd/taper-autostart.service runs it, and -s at shutdown.
 * Exit status 1 when any failed; each failure is counted, the rest still
 * go.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "util/cleanup.h"
#include "util/strv.h"

#define VERB "autostart"
#define USAGE \
	"[-s|--shutdown | -k|--kill | -r|--reboot | -L|--list] [-g|--groups GROUP[,GROUP]]... [-a|--all] [--format table|json]"

static int list(struct taper_store *s, const struct taper_autostart_opts *o, bool json, struct taper_err *err)
{
	struct taper_autostart_entry *v = NULL;
	size_t n;
	int r = taper_autostart_list(s, o, &v, &n, err);

	if (r < 0)
		return r;
	if (json) {
		json_t *a = json_array();
		char *text;

		for (size_t i = 0; a && i < n; i++) {
			json_t *g = json_array();

			for (char **p = v[i].groups; g && *p; p++)
				json_array_append_new(g, json_string(*p));
			json_array_append_new(a, json_pack("{s:s, s:I, s:i, s:o}", "name", v[i].name, "order",
							   (json_int_t)v[i].order, "delay", (int)v[i].delay,
							   "groups", g ? g : json_array()));
		}
		text = a ? json_dumps(a, JSON_INDENT(2)) : NULL;
		json_decref(a);
		taper_autostart_entries_free(v, n);
		if (!text) {
			err->code = ENOMEM;
			snprintf(err->msg, sizeof(err->msg), "json: %s", strerror(ENOMEM));
			return -ENOMEM;
		}
		puts(text);
		free(text);
		return 0;
	}
	printf("%-20s %-7s %-6s %s\n", "NAME", "ORDER", "DELAY", "GROUPS");
	for (size_t i = 0; i < n; i++) {
		printf("%-20s %-7lld %-6u ", v[i].name, (long long)v[i].order, v[i].delay);
		if (!v[i].groups[0])
			fputs("-", stdout);
		for (char **p = v[i].groups; *p; p++)
			printf("%s%s", p == v[i].groups ? "" : ",", *p);
		putchar('\n');
	}
	taper_autostart_entries_free(v, n);
	return 0;
}

/* A comma list into groups; an empty entry ("", ",web") names the
 * no-group set. */
static int add_groups(char ***groups, const char *list)
{
	for (const char *p = list;;) {
		size_t len = strcspn(p, ",");
		_cleanup_free_ char *g = strndup(p, len);

		if (!g || strv_extend(groups, g) < 0)
			return -ENOMEM;
		if (!p[len])
			return 0;
		p += len + 1;
	}
}

int cmd_autostart(int argc, char **argv, struct cli_ctx *ctx)
{
	static const struct option opts[] = {
		{ "shutdown", no_argument, NULL, 's' },
		{ "kill", no_argument, NULL, 'k' },
		{ "reboot", no_argument, NULL, 'r' },
		{ "list", no_argument, NULL, 'L' },
		{ "groups", required_argument, NULL, 'g' },
		{ "all", no_argument, NULL, 'a' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	_cleanup_strv_free_ char **groups = NULL;
	struct taper_autostart_opts o;
	struct taper_store *s = NULL;
	struct taper_err err = { 0 };
	const char *format = NULL;
	int c, r, actions = 0;
	bool listing = false;

	taper_autostart_opts_init(&o);
	while ((c = getopt_long(argc, argv, "skrLg:af:h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			o.action = TAPER_AUTOSTART_STOP;
			actions++;
			break;
		case 'k':
			o.action = TAPER_AUTOSTART_KILL;
			actions++;
			break;
		case 'r':
			o.action = TAPER_AUTOSTART_REBOOT;
			actions++;
			break;
		case 'L':
			listing = true;
			break;
		case 'a':
			o.all = true;
			break;
		case 'f':
			format = optarg;
			break;
		case 'g':
			if (add_groups(&groups, optarg) < 0)
				return cli_failf(1, VERB, "%s", strerror(ENOMEM));
			break;
		case 'h':
			return cli_usage(VERB, USAGE, false);
		default:
			return cli_bad_option(VERB, USAGE, "skrLg:af:h", argv);
		}
	}
	if ((r = cli_args(VERB, USAGE, argc - optind, argv + optind, (const char *const[]){ NULL })) != 0)
		return r;
	if (actions > 1)
		return cli_usage_error(VERB, USAGE, "one of -s, -k and -r at a time");
	if (format && (!listing || (strcmp(format, "table") != 0 && strcmp(format, "json") != 0)))
		return cli_usage_error(VERB, USAGE, "--format \"%s\": table or json, with -L", format);
	o.groups = groups;
	/* No store yet (a fresh host at boot): nothing to act on. */
	if (taper_store_open(ctx->store_path, &s, &err) < 0) {
		if (err.code != ENOENT)
			return cli_fail(VERB, &err);
		if (listing && format && strcmp(format, "json") == 0)
			puts("[]");
		return 0;
	}
	if (listing) {
		r = list(s, &o, format && strcmp(format, "json") == 0, &err);
		taper_store_close(s);
		return r < 0 ? cli_fail(VERB, &err) : 0;
	}
	r = taper_autostart_run(s, &o, &err);
	taper_store_close(s);
	if (r < 0)
		return cli_fail(VERB, &err);
	if (r > 0)
		return cli_failf(1, VERB, "%d container(s) failed; first: %s", r, err.msg);
	return 0;
}
