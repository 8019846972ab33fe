/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * taper create NAME -t TEMPLATE [TEMPLATE OPTIONS]
 *
 * Every usage error (bad name, unknown template or option, missing file)
 * is found before the store is touched. The container is then built in
 * the store's hidden temporary directory and renamed into place only when
 * the rootfs and the config are complete: a failure, SIGINT, SIGTERM or
 * SIGHUP at any point leaves no container and no temporary directory.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "util/cleanup.h"

#define VERB "create"
#define USAGE "NAME -t TEMPLATE [TEMPLATE OPTIONS]"

/* Set by the signal handler; the create polls it through opts.cancel. */
static volatile sig_atomic_t arg_cancel;

static void on_signal(int sig)
{
	arg_cancel = sig;
}

static void usage(FILE *f)
{
	struct taper_template t;

	fprintf(f, "Usage: taper create " USAGE "\n\nTemplates:\n");
	for (size_t i = 0; taper_template_get(i, &t) == 0; i++) {
		fprintf(f, "  %-10s %s\n", t.name, t.doc);
		for (size_t k = 0; k < t.n_options; k++) {
			const struct taper_template_option *o = &t.options[k];
			char left[64];

			snprintf(left, sizeof(left), "--%s%s%s", o->name, o->arg ? " " : "",
				 o->arg ? o->arg : "");
			fprintf(f, "      %-22s %s%s\n", left, o->doc, o->required ? " (required)" : "");
		}
	}
}

struct create_args {
	const char *name;
	const char *template;
	char **topts; /* the template's words, in order (borrowed strings) */
	size_t n_topts;
};

static const char *template_arg(int argc, char **argv)
{
	const char *found = NULL;

	for (int i = 1; i < argc; i++) {
		if ((strcmp(argv[i], "-t") == 0 || strcmp(argv[i], "--template") == 0) && i + 1 < argc)
			found = argv[++i];
		else if (strncmp(argv[i], "--template=", 11) == 0)
			found = argv[i] + 11;
		else if (strncmp(argv[i], "-t", 2) == 0 && argv[i][2])
			found = argv[i] + 2;
	}
	return found;
}

/* Does the template option in word a ("--file" or "--file=x") take the
 * next word as its value? Unknown options take none: the template parser
 * names them. */
static bool takes_next(const struct taper_template *t, const char *a)
{
	if (!t || strchr(a, '='))
		return false;
	for (size_t k = 0; k < t->n_options; k++)
		if (strcmp(a + 2, t->options[k].name) == 0)
			return t->options[k].arg != NULL;
	return false;
}

/* 0, -1 for --help, or the exit status of a usage error. */
static int parse_args(int argc, char **argv, struct create_args *a)
{
	struct taper_template tmpl, *t = NULL;

	a->template = template_arg(argc, argv);
	if (a->template && taper_template_find(a->template, &tmpl) == 0)
		t = &tmpl;
	a->topts = calloc((size_t)argc + 1, sizeof(char *));
	if (!a->topts)
		return cli_failf(1, VERB, "%s", strerror(ENOMEM));
	for (int i = 1; i < argc; i++) {
		const char *s = argv[i];

		if (strcmp(s, "-h") == 0 || strcmp(s, "--help") == 0) {
			usage(stdout);
			return -1;
		} else if (strcmp(s, "-t") == 0 || strcmp(s, "--template") == 0) {
			if (++i >= argc)
				return cli_failf(2, VERB, "%s needs a template name", s);
		} else if (strncmp(s, "--template=", 11) == 0 || (strncmp(s, "-t", 2) == 0 && s[2])) {
			continue;
		} else if (strncmp(s, "--", 2) == 0 && s[2]) {
			a->topts[a->n_topts++] = argv[i];
			if (takes_next(t, s) && i + 1 < argc)
				a->topts[a->n_topts++] = argv[++i];
		} else if (s[0] == '-' && s[1]) {
			return cli_usage_error(VERB, USAGE,
					       "unknown option \"%s\" (see \"taper create --help\")", s);
		} else if (!a->name) {
			a->name = s;
		} else {
			return cli_usage_error(VERB, USAGE, "unexpected argument \"%s\"", s);
		}
	}
	if (!a->name)
		return cli_usage_error(VERB, USAGE, "missing NAME");
	if (!a->template)
		return cli_usage_error(VERB, USAGE, "missing -t TEMPLATE (see \"taper create --help\")");
	return 0;
}

/* A progress line on a terminal, redrawn only when it changes. */
struct progress {
	bool tty;
	char last[96];
};

static void draw_progress(void *userdata, const char *stage, uint64_t done, uint64_t total)
{
	struct progress *p = userdata;
	char line[96];

	if (!p->tty)
		return;
	if (total > 0)
		snprintf(line, sizeof(line), "%s %3u%%", stage,
			 (unsigned)(done >= total ? 100 : done * 100 / total));
	else
		snprintf(line, sizeof(line), "%s", stage);
	if (strcmp(line, p->last) == 0)
		return;
	memcpy(p->last, line, sizeof(line));
	fprintf(stderr, "\r\033[K%s", line);
	fflush(stderr);
}

static void end_progress(struct progress *p)
{
	if (p->tty && p->last[0])
		fprintf(stderr, "\r\033[K");
}

int cmd_create(int argc, char **argv, struct cli_ctx *cli)
{
	struct create_args a = {};
	_cleanup_free_ char **topts = NULL;
	_cleanup_free_ char *created_by = NULL;
	struct taper_store *store = NULL;
	struct taper_template t;
	struct taper_create_opts opts;
	struct progress prog = { .tty = isatty(STDERR_FILENO) };
	struct sigaction sa = { .sa_handler = on_signal }; /* no SA_RESTART: reads see EINTR */
	struct taper_err err = {};
	int r;

	r = parse_args(argc, argv, &a);
	topts = a.topts;
	if (r != 0)
		return r < 0 ? 0 : r;
	if (taper_container_name_check(a.name, &err) < 0) {
		cli_fail(VERB, &err);
		return 2;
	}
	if (taper_template_find(a.template, &t) < 0)
		return cli_failf(2, VERB, "unknown template \"%s\" (see \"taper create --help\")",
				 a.template);
	if (taper_template_check(a.template, a.topts, &err) < 0) {
		cli_fail(VERB, &err);
		return 2;
	}
	if (asprintf(&created_by, "\"taper create -t %s\"", t.name) < 0)
		return cli_failf(1, VERB, "%s", strerror(ENOMEM));

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	taper_create_opts_init(&opts);
	opts.progress = draw_progress;
	opts.userdata = &prog;
	opts.cancel = &arg_cancel;
	opts.wait = false;
	opts.created_by = created_by;
	r = taper_store_create(cli->store_path, &store, &err);
	if (r >= 0)
		r = taper_container_create(store, a.name, a.template, a.topts, &opts, &err);
	end_progress(&prog);
	taper_store_close(store);
	if (r < 0)
		return cli_fail(VERB, &err);
	printf("created %s\n", a.name);
	return 0;
}
