/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * taper config NAME [KEY [VALUE]] | NAME --unset KEY | --keys [--format text|md|json|yaml]
 *
 * Options are parsed by hand rather than by getopt: a VALUE is taken
 * verbatim even when it starts with '-' (init.oom_score_adj = -500).
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "util/cleanup.h"
#include "util/strv.h"

#define VERB "config"
#define USAGE "NAME [KEY [VALUE]] | NAME --unset KEY | --keys [--format FORMAT]"

static void usage(FILE *f)
{
	fprintf(f, "Usage: taper config NAME               print the config file\n"
		   "       taper config NAME KEY           print the value(s) of KEY\n"
		   "       taper config NAME KEY VALUE     set KEY (a list key gets one more entry)\n"
		   "       taper config NAME --unset KEY   remove every KEY line\n"
		   "       taper config --keys [--format text|md|json|yaml]   describe every key\n");
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
			return cli_usage_error(VERB, USAGE, "option \"%s\" needs a value", s);
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
			return cli_usage_error(VERB, USAGE, "unknown option \"%s\"", s);
		} else if (a->n_pos < 3) {
			a->pos[a->n_pos++] = s;
			if (a->n_pos == 3)
				opts = false;
		} else {
			return cli_usage_error(VERB, USAGE,
					       "unexpected argument \"%s\" (quote a VALUE with spaces)", s);
		}
	}
	if (!a->keys && a->n_pos == 0)
		return cli_usage_error(VERB, USAGE, "missing NAME");
	if (a->keys && a->n_pos > 0)
		return cli_usage_error(VERB, USAGE, "unexpected argument \"%s\"", a->pos[0]);
	if (a->keys && a->unset)
		return cli_usage_error(VERB, USAGE, "--keys and --unset do not go together");
	if (a->unset && a->n_pos > 1)
		return cli_usage_error(VERB, USAGE, "unexpected argument \"%s\"", a->pos[1]);
	if (a->format && strcmp(a->format, "md") != 0 && strcmp(a->format, "text") != 0 &&
	    strcmp(a->format, "json") != 0 && strcmp(a->format, "yaml") != 0)
		return cli_usage_error(VERB, USAGE, "unknown format \"%s\" (text, md, json, yaml)",
				       a->format);
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

/* A running container reads its config when it starts: say so, and
 * name `taper limit` for the keys it changes live. */
static void note_running(struct taper_store *store, const char *name, const char *key, const char *value)
{
	struct taper_container_state st;
	struct taper_limit_info o;
	bool running;

	if (taper_container_state(store, name, &st, NULL) < 0)
		return;
	running = st.state != TAPER_STATE_STOPPED;
	taper_container_state_clear(&st);
	if (!running)
		return;
	for (size_t i = 0; taper_limit_info_get(i, &o) == 0; i++)
		if (strcmp(o.key, key) == 0) {
			fprintf(stderr,
				"taper: config: note: container \"%s\" is running; %s applies at its next "
				"start (\"taper limit %s --%s %s\" changes it now)\n",
				name, key, name, o.option, value ? value : "max");
			return;
		}
	fprintf(stderr, "taper: config: note: container \"%s\" is running; %s applies at its next start\n",
		name, key);
}

/* set (value != NULL) or unset, under the container's lock. */
static int edit_key(struct taper_store *store, const char *name, const char *key, const char *value)
{
	struct taper_err err = { 0 };

	if (taper_container_config_set(store, name, key, value, &err) < 0)
		return cli_fail(VERB, &err);
	note_running(store, name, key, value);
	return 0;
}

/* The key table: text or markdown (docs/config.md), or one JSON or YAML
 * array of {key, syntax, list, doc, example}. */
static int print_keys(const char *format)
{
	_cleanup_free_ char *text = NULL;
	struct taper_err err = { 0 };
	struct taper_config_key_info k;
	enum cli_format fmt;
	json_t *doc;
	int r;

	if (!format || strcmp(format, "text") == 0 || strcmp(format, "md") == 0) {
		if (taper_config_keys_doc(format && strcmp(format, "md") == 0, &text, &err) < 0)
			return cli_fail(VERB, &err);
		fputs(text, stdout);
		return 0;
	}
	if ((r = cli_format_parse(VERB, format, "text", &fmt)) != 0)
		return r;
	doc = json_array();
	for (size_t i = 0; doc && taper_config_key_get(i, &k) == 0; i++)
		if (json_array_append_new(doc, json_pack("{s:s, s:s, s:b, s:s, s:s?}", "key", k.key, "syntax",
							 k.syntax, "list", k.list, "doc", k.doc, "example",
							 k.example)) < 0) {
			json_decref(doc);
			doc = NULL;
		}
	r = cli_print_doc(VERB, doc, fmt);
	json_decref(doc);
	return r;
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
