/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * taper checkconfig [--format table|json]
 *
 * Runs every probe (taper_check_run()) and prints an aligned table grouped by
 * category (coloured when stdout is a terminal and NO_COLOR is unset), or
 * one JSON object. Exit 0 when every required feature is present, 1
 * otherwise with the missing ones named on stderr in one line.
 * $TAPER_CHECK_FORCE_FAIL=name,... marks probes failed (a test hook, see
 * taper.h).
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <taper.h>

#include "cli/cli.h"
#include "util/cleanup-api.h"

#define VERB "checkconfig"
#define USAGE "[--format table|json]"
#define WRAP 100

struct style {
	const char *bold, *green, *red, *yellow, *dim, *reset;
};

static const struct style plain = { "", "", "", "", "", "" };
static const struct style ansi = { "\033[1m", "\033[32m", "\033[1;31m", "\033[33m", "\033[2m", "\033[0m" };

static const char *state_word(const struct taper_check_item *it, const struct style *s, const char **colour)
{
	if (it->ok) {
		*colour = s->green;
		return "ok";
	}
	*colour = it->required ? s->red : s->yellow;
	return it->required ? "MISSING" : "no";
}

/* The distinct CONFIG_ options the probes rest on, in table order. */
static size_t kconfig_options(const struct taper_check *rep, const char **out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < taper_check_count(rep); i++) {
		const char *k = taper_check_item(rep, i)->kconfig;

		while (k && *k) {
			size_t len = strcspn(k, " ");
			bool seen = false;

			for (size_t j = 0; j < n; j++)
				seen |= strncmp(out[j], k, len) == 0 && (out[j][len] == ' ' || !out[j][len]);
			if (!seen && n < max)
				out[n++] = k;
			k += len;
			k += strspn(k, " ");
		}
	}
	return n;
}

static void print_kconfig(const struct taper_check *rep, const struct style *s)
{
	const char *opts[128];
	size_t n = kconfig_options(rep, opts, ARRAY_SIZE(opts)), col = 2;
	struct utsname u;

	if (!taper_check_kconfig_source(rep)) {
		printf("\n%sKernel config%s\n  no readable /proc/config.gz or /boot/config-%s: "
		       "the live probes above are the whole answer\n",
		       s->bold, s->reset, uname(&u) == 0 ? u.release : "<release>");
		return;
	}
	printf("\n%sKernel config%s (%s)\n ", s->bold, s->reset, taper_check_kconfig_source(rep));
	for (size_t i = 0; i < n; i++) {
		char name[64];
		const char *v;
		size_t w;

		snprintf(name, sizeof(name), "%.*s", (int)strcspn(opts[i], " "), opts[i]);
		v = taper_check_kconfig(rep, name);
		w = strlen(name) + 1 + strlen(v ? v : "absent") + 1;
		if (col + w > WRAP) {
			printf("\n ");
			col = 2;
		}
		printf(" %s=%s%s%s", name, v && (!strcmp(v, "y") || !strcmp(v, "m")) ? "" : s->yellow,
		       v ? v : "absent", s->reset);
		col += w;
	}
	printf("\n");
}

static int print_table(const struct taper_check *rep, bool colour)
{
	const struct style *s = colour ? &ansi : &plain;
	const char *mode = taper_check_cgroup_mode(rep), *category = NULL;
	size_t wname = 0, wpurpose = 0, missing_opt = 0;
	struct utsname u;

	for (size_t i = 0; i < taper_check_count(rep); i++) {
		const struct taper_check_item *it = taper_check_item(rep, i);

		wname = strlen(it->name) > wname ? strlen(it->name) : wname;
		wpurpose = strlen(it->purpose) > wpurpose ? strlen(it->purpose) : wpurpose;
		missing_opt += !it->ok && !it->required;
	}
	printf("%staper checkconfig%s: Linux %s, cgroup mode %s\n", s->bold, s->reset,
	       uname(&u) == 0 ? u.release : "?", mode ? mode : "none");
	if (geteuid() != 0)
		printf("%snot running as root: the probes that need privileges fail below%s\n", s->yellow,
		       s->reset);
	/* Items come grouped by category: a heading where one begins. */
	for (size_t i = 0; i < taper_check_count(rep); i++) {
		const struct taper_check_item *it = taper_check_item(rep, i);
		const char *col;
		const char *word = state_word(it, s, &col);

		if (!category || strcmp(category, it->category_title) != 0)
			printf("\n%s%s%s\n", s->bold, category = it->category_title, s->reset);
		printf("  %-*s  %s%-7s%s  %-*s  %s\n", (int)wname, it->name, col, word, s->reset,
		       (int)wpurpose, it->purpose, it->detail);
		if (!it->ok)
			printf("  %-*s  %-7s  %sfix: %s%s\n", (int)wname, "", "", s->dim, it->fix, s->reset);
	}
	print_kconfig(rep, s);
	if (taper_check_ok(rep))
		printf("\n%sEvery required feature is present%s (%zu optional missing).\n", s->green,
		       s->reset, missing_opt);
	else
		printf("\n%sSome required features are missing%s: containers cannot start here.\n", s->red,
		       s->reset);
	return 0;
}

static json_t *check_json(const struct taper_check_item *it, const struct taper_check *rep)
{
	json_t *o = json_pack("{s:s, s:s, s:b, s:b, s:b, s:s, s:s}", "name", it->name, "category",
			      it->category, "ok", it->ok, "required", it->required, "forced", it->forced,
			      "detail", it->detail, "purpose", it->purpose);
	json_t *kc = json_object();

	if (!o || !kc || (!it->ok && json_object_set_new(o, "fix", json_string(it->fix)) < 0)) {
		json_decref(o);
		json_decref(kc);
		return NULL;
	}
	for (const char *k = it->kconfig; k && *k;) {
		size_t len = strcspn(k, " ");
		char name[64];
		const char *v;

		snprintf(name, sizeof(name), "%.*s", (int)len, k);
		v = taper_check_kconfig(rep, name);
		json_object_set_new(kc, name, v ? json_string(v) : json_null());
		k += len;
		k += strspn(k, " ");
	}
	json_object_set_new(o, "kconfig", kc);
	return o;
}

static int print_json(const struct taper_check *rep, bool colour)
{
	const char *mode = taper_check_cgroup_mode(rep);
	json_t *root = json_object(), *checks = json_array(), *missing = json_array();
	struct utsname u;
	int r = 0;

	(void)colour;
	if (!root || !checks || !missing)
		r = -1;
	for (size_t i = 0; r == 0 && i < taper_check_count(rep); i++) {
		const struct taper_check_item *it = taper_check_item(rep, i);

		if (json_array_append_new(checks, check_json(it, rep)) < 0)
			r = -1;
		if (it->required && !it->ok && json_array_append_new(missing, json_string(it->name)) < 0)
			r = -1;
	}
	if (r == 0) {
		json_object_set_new(root, "kernel", json_string(uname(&u) == 0 ? u.release : ""));
		json_object_set_new(root, "cgroup_mode", mode ? json_string(mode) : json_null());
		json_object_set_new(root, "kernel_config",
				    taper_check_kconfig_source(rep)
					    ? json_string(taper_check_kconfig_source(rep))
					    : json_null());
		json_object_set_new(root, "ok", json_boolean(taper_check_ok(rep)));
		json_object_set_new(root, "missing_required", missing);
		json_object_set_new(root, "checks", checks);
		missing = checks = NULL;
		r = json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		if (r == 0)
			putchar('\n');
	}
	json_decref(root);
	json_decref(checks);
	json_decref(missing);
	return r;
}

static const struct {
	const char *name;
	int (*print)(const struct taper_check *rep, bool colour);
} formats[] = {
	{ "table", print_table },
	{ "json", print_json },
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: taper checkconfig " USAGE "\n\n"
		   "Probe what this kernel and host offer containers: namespaces, cgroups,\n"
		   "networking, seccomp, mounts, system calls, rootless helpers. Exit 0 when\n"
		   "everything a default container needs is present, 1 otherwise.\n\nRequired:");
	const char *name;

	for (size_t i = 0, col = 9; (name = taper_check_required_name(i)); i++) {
		if (col + strlen(name) + 1 > 72) {
			fprintf(f, "\n ");
			col = 1;
		}
		fprintf(f, " %s", name);
		col += strlen(name) + 1;
	}
	fprintf(f, "\n");
}

int cmd_checkconfig(int argc, char **argv, struct cli_ctx *ctx)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	_cleanup_(taper_check_freep) struct taper_check *rep = NULL;
	struct taper_err err = {};
	const char *no_color = getenv("NO_COLOR");
	size_t fmt = 0;
	char missing[1024] = "";
	int c;

	(void)ctx;
	while ((c = getopt_long(argc, argv, "f:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			for (fmt = 0; fmt < ARRAY_SIZE(formats); fmt++)
				if (strcmp(optarg, formats[fmt].name) == 0)
					break;
			if (fmt == ARRAY_SIZE(formats))
				return cli_failf(2, VERB, "unknown format \"%s\" (table or json)", optarg);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			return cli_bad_option(VERB, USAGE, "f:h", argv);
		}
	}
	if ((c = cli_args(VERB, USAGE, argc - optind, argv + optind, (const char *const[]){ NULL })) != 0)
		return c;

	if (taper_check_run(getenv("TAPER_CHECK_FORCE_FAIL"), &rep, &err) < 0)
		return cli_fail(VERB, &err);
	if (formats[fmt].print(rep, isatty(STDOUT_FILENO) && !(no_color && *no_color)) < 0)
		return cli_failf(1, VERB, "write the report: out of memory or output error");
	fflush(stdout);
	if (taper_check_ok(rep))
		return 0;
	for (size_t i = 0; i < taper_check_count(rep); i++) {
		const struct taper_check_item *it = taper_check_item(rep, i);
		size_t used = strlen(missing);

		if (it->required && !it->ok)
			snprintf(missing + used, sizeof(missing) - used, "%s%s", used ? ", " : "", it->name);
	}
	return cli_failf(1, VERB, "missing required features: %s", missing);
}
