/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * taper config NAME [KEY [VALUE]] | NAME --unset KEY | --keys [--format md]
 *
 * Options are parsed by hand rather than by getopt: a VALUE is taken
 * verbatim even when it starts with '-' (init.oom_score_adj = -500).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "util/cleanup.h"
#include "util/strv.h"

#define VERB "config"

static void usage(FILE *f)
{
	fprintf(f, "Usage: taper config NAME               print the config file\n"
		   "       taper config NAME KEY           print the value(s) of KEY\n"
		   "       taper config NAME KEY VALUE     set KEY (a list key gets one more entry)\n"
		   "       taper config NAME --unset KEY   remove every KEY line\n"
		   "       taper config --keys [--format md|text]   describe every key\n");
}

struct config_args {
	const char *pos[3];
	size_t n_pos;
	const char *unset;
	const char *format;
	bool keys;
};

/* 0, or the exit status of a usage error / --help. */
static int parse_args(int argc, char **argv, struct config_args *a)
{
	bool opts = true;

	for (int i = 1; i < argc; i++) {
		const char *s = argv[i];
		bool needs_arg = opts && (strcmp(s, "--unset") == 0 || strcmp(s, "--format") == 0);

		if (needs_arg && i + 1 >= argc) {
			fprintf(stderr, "taper: config: %s needs an argument\n", s);
			return 2;
		}
		if (needs_arg && strcmp(s, "--unset") == 0) {
			a->unset = argv[++i];
		} else if (needs_arg) {
			a->format = argv[++i];
		} else if (opts && strcmp(s, "--keys") == 0) {
			a->keys = true;
		} else if (opts && (strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0)) {
			usage(stdout);
			return -1;
		} else if (opts && strcmp(s, "--") == 0) {
			opts = false;
		} else if (opts && s[0] == '-' && a->n_pos < 2) {
			/* An option before NAME and KEY; a VALUE may start with '-'. */
			fprintf(stderr, "taper: config: unknown option '%s'\n", s);
			return 2;
		} else if (a->n_pos < 3) {
			a->pos[a->n_pos++] = s;
			if (a->n_pos == 3)
				opts = false;
		} else {
			fprintf(stderr, "taper: config: too many arguments (quote a VALUE with spaces)\n");
			return 2;
		}
	}
	if (a->keys ? a->n_pos > 0 || a->unset : a->n_pos == 0 || (a->unset && a->n_pos > 1)) {
		usage(stderr);
		return 2;
	}
	if (a->format && strcmp(a->format, "md") != 0 && strcmp(a->format, "text") != 0) {
		fprintf(stderr, "taper: config: unknown format '%s' (md, text)\n", a->format);
		return 2;
	}
	return 0;
}

static int print_file(struct taper_store *store, const char *name)
{
	_cleanup_free_ char *text = NULL;
	struct taper_err err = { 0 };
	size_t len = 0;

	if (taper_container_config_text(store, name, &text, &len, &err) < 0)
		return cli_fail(VERB, &err);
	fwrite(text, 1, len, stdout);
	return 0;
}

static int get_key(struct taper_store *store, const char *name, const char *key)
{
	_cleanup_strv_free_ char **values = NULL;
	struct taper_err err = { 0 };

	if (taper_container_config_get(store, name, key, &values, &err) < 0)
		return cli_fail(VERB, &err);
	if (!values[0])
		return cli_failf(1, VERB, "%s: key \"%s\" is not set", name, key);
	for (char **v = values; *v; v++)
		printf("%s\n", *v);
	return 0;
}

/* set (value != NULL) or unset, under the container's lock. */
static int edit_key(struct taper_store *store, const char *name, const char *key, const char *value)
{
	struct taper_err err = { 0 };

	if (taper_container_config_set(store, name, key, value, &err) < 0)
		return cli_fail(VERB, &err);
	return 0;
}

static int print_keys(const char *format)
{
	_cleanup_free_ char *text = NULL;
	struct taper_err err = { 0 };

	if (taper_config_keys_doc(format && strcmp(format, "md") == 0, &text, &err) < 0)
		return 1;
	fputs(text, stdout);
	return 0;
}

static int run(struct taper_store *store, const struct config_args *a)
{
	if (a->unset)
		return edit_key(store, a->pos[0], a->unset, NULL);
	if (a->n_pos == 1)
		return print_file(store, a->pos[0]);
	if (a->n_pos == 2)
		return get_key(store, a->pos[0], a->pos[1]);
	return edit_key(store, a->pos[0], a->pos[1], a->pos[2]);
}

int cmd_config(int argc, char **argv, struct cli_ctx *ctx)
{
	struct taper_store *store = NULL;
	struct config_args a = { 0 };
	struct taper_err err = { 0 };
	int r;

	r = parse_args(argc, argv, &a);
	if (r)
		return r < 0 ? 0 : r;
	if (a.keys)
		return print_keys(a.format);
	if (taper_container_name_check(a.pos[0], &err) < 0)
		return cli_fail(VERB, &err);
	if (taper_store_open(ctx->store_path, &store, &err) < 0)
		return cli_fail(VERB, &err);
	r = run(store, &a);
	taper_store_close(store);
	return r;
}
