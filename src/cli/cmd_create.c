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
#include <fcntl.h>
#include <unistd.h>

#include "cli/cli.h"
#include "config/config.h"
#include "store/store.h"
#include "template/template.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/strv.h"

#define VERB "create"

#define DEFAULT_BRIDGE "taperbr0"

DEFINE_CLEANUP_FUNC(struct taper_store, store_free)
DEFINE_CLEANUP_FUNC(struct taper_config, config_free)
DEFINE_CLEANUP_FUNC(struct store_create, store_create_free)

/* Set by the signal handler; the templates poll it through ctx.cancel. */
static volatile sig_atomic_t arg_cancel;

static void on_signal(int sig)
{
	arg_cancel = sig;
}

static void usage(FILE *f)
{
	size_t n;
	const struct template_def *const *t = template_table(&n);

	fprintf(f, "Usage: taper create NAME -t TEMPLATE [TEMPLATE OPTIONS]\n\nTemplates:\n");
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "  %-10s %s\n", t[i]->name, t[i]->doc);
		for (size_t k = 0; k < template_option_count(t[i]); k++) {
			const struct template_option *o = &t[i]->options[k];
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
static bool takes_next(const struct template_def *t, const char *a)
{
	if (!t || strchr(a, '='))
		return false;
	for (size_t k = 0; k < template_option_count(t); k++)
		if (strcmp(a + 2, t->options[k].name) == 0)
			return t->options[k].arg != NULL;
	return false;
}

/* 0, -1 for --help, or the exit status of a usage error. */
static int parse_args(int argc, char **argv, struct create_args *a)
{
	const struct template_def *t;

	a->template = template_arg(argc, argv);
	t = a->template ? template_find(a->template) : NULL;
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
			return cli_failf(2, VERB, "unknown option '%s' (see 'taper create --help')", s);
		} else if (!a->name) {
			a->name = s;
		} else {
			return cli_failf(2, VERB, "unexpected argument '%s'", s);
		}
	}
	if (!a->name)
		return cli_failf(2, VERB, "missing NAME (taper create NAME -t TEMPLATE)");
	if (!a->template)
		return cli_failf(2, VERB, "missing -t TEMPLATE (see 'taper create --help')");
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

/* The container's host name: its name with '_' (not allowed there) as '-'. */
static char *hostname_of(const char *name)
{
	char *h = strdup(name);

	for (char *c = h; c && *c; c++)
		if (*c == '_')
			*c = '-';
	return h;
}

static int write_config(struct store_create *c, const char *name, const char *hostname, const char *template,
			char *const *lines, struct taper_err *err)
{
	_cleanup_(config_freep) struct taper_config *cfg = NULL;
	_cleanup_free_ char *header = NULL;
	const struct {
		const char *key, *value;
	} base[] = {
		{ "rootfs.path", STORE_ROOTFS_DIR },
		{ "uts.name", hostname },
		{ "net.0.type", "veth" },
		{ "net.0.link", DEFAULT_BRIDGE },
	};
	int r;

	if (asprintf(&header, "# %s: created by \"taper create -t %s\"\n", name, template) < 0)
		return taper_err_set(err, ENOMEM, "config");
	r = config_parse(header, "config", &cfg, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < ARRAY_SIZE(base); i++) {
		r = config_set(cfg, base[i].key, base[i].value, err);
		if (r < 0)
			return r;
	}
	if ((r = config_set_userns_defaults(cfg, err)) < 0)
		return r;
	/* The template's lines go through the same key table as any edit. */
	r = config_set_lines(cfg, lines, err);
	if (r < 0)
		return r;
	return config_save_at(cfg, store_create_dirfd(c), STORE_CONFIG_FILE, err);
}

static int create(struct cli_ctx *cli, const struct create_args *a, const struct template_def *t,
		  char *const *values, struct taper_err *err)
{
	_cleanup_(store_freep) struct taper_store *store = NULL;
	_cleanup_(store_create_freep) struct store_create *c = NULL;
	_cleanup_strv_free_ char **lines = NULL;
	_cleanup_free_ char *hostname = hostname_of(a->name);
	_cleanup_close_ int lock = -1, rootfs = -1;
	struct progress prog = { .tty = isatty(STDERR_FILENO) };
	struct template_ctx ctx = {
		.name = hostname,
		.cache_dir = template_cache_dir(),
		.progress = draw_progress,
		.userdata = &prog,
		.cancel = &arg_cancel,
	};
	int r;

	if (!hostname)
		return taper_err_set(err, ENOMEM, "create");
	r = store_open(cli->store_path, NULL, &store, err);
	if (r < 0)
		return r;
	r = store_lock(store, a->name, false, &lock, err);
	if (r < 0)
		return r;
	r = store_create_begin(store, a->name, &c, err);
	if (r == -EEXIST)
		return taper_err_set(err, 0, "container \"%s\" already exists", a->name);
	if (r < 0)
		return r;
	rootfs = openat(store_create_dirfd(c), STORE_ROOTFS_DIR,
			O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (rootfs < 0)
		return taper_err_set(err, errno, "open %s/%s", store_create_path(c), STORE_ROOTFS_DIR);
	r = template_build(t, &ctx, rootfs, values, &lines, err);
	end_progress(&prog);
	if (r < 0)
		return taper_err_wrap(err, "container \"%s\"", a->name);
	r = write_config(c, a->name, hostname, t->name, lines, err);
	if (r < 0)
		return taper_err_wrap(err, "container \"%s\"", a->name);
	/* A signal after the template finished still cancels: nothing is
	 * visible until the commit below. */
	if (arg_cancel)
		return taper_err_set(err, ECANCELED, "container \"%s\": interrupted", a->name);
	r = store_create_commit(c, err);
	if (r < 0)
		return r;
	return 0;
}

int cmd_create(int argc, char **argv, struct cli_ctx *cli)
{
	struct create_args a = {};
	_cleanup_free_ char **topts = NULL;
	char **values = NULL;
	const struct template_def *t;
	struct sigaction sa = { .sa_handler = on_signal }; /* no SA_RESTART: reads see EINTR */
	struct taper_err err = {};
	int r;

	r = parse_args(argc, argv, &a);
	topts = a.topts;
	if (r != 0)
		return r < 0 ? 0 : r;
	if (store_check_name(a.name, &err) < 0) {
		cli_fail(VERB, &err);
		return 2;
	}
	t = template_find(a.template);
	if (!t)
		return cli_failf(2, VERB, "unknown template '%s' (see 'taper create --help')", a.template);
	if (template_parse_options(t, (int)a.n_topts, a.topts, &values, &err) < 0) {
		cli_fail(VERB, &err);
		return 2;
	}

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	r = create(cli, &a, t, values, &err);
	template_values_free(t, values);
	if (r < 0)
		return cli_fail(VERB, &err);
	printf("created %s\n", a.name);
	return 0;
}
