/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "template/template.h"
#include "util/child.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/strv.h"

static const struct template_def *const templates[] = {
	&template_busybox,
	&template_debian,
	&template_oci,
	&template_tarball,
};

const struct template_def *const *template_table(size_t *ret_n)
{
	*ret_n = ARRAY_SIZE(templates);
	return templates;
}

const struct template_def *template_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(templates); i++)
		if (strcmp(templates[i]->name, name) == 0)
			return templates[i];
	return NULL;
}

size_t template_option_count(const struct template_def *t)
{
	size_t n = 0;

	while (t->options && t->options[n].name)
		n++;
	return n;
}

void template_values_free(const struct template_def *t, char **values)
{
	if (!values)
		return;
	for (size_t i = 0; i < template_option_count(t); i++)
		free(values[i]);
	free(values);
}

const char *template_value(const struct template_def *t, char *const *values, const char *name)
{
	for (size_t i = 0; i < template_option_count(t); i++)
		if (strcmp(t->options[i].name, name) == 0)
			return values[i];
	return NULL;
}

static ssize_t option_index(const struct template_def *t, const char *name, size_t len)
{
	for (size_t i = 0; i < template_option_count(t); i++)
		if (strlen(t->options[i].name) == len && strncmp(t->options[i].name, name, len) == 0)
			return (ssize_t)i;
	return -1;
}

/* The value vector has NULL holes, so it is not a strv: own it with the
 * template that sizes it. */
struct values_owner {
	const struct template_def *t;
	char **v;
};

static void values_ownerp(struct values_owner *o)
{
	template_values_free(o->t, o->v);
}

int template_parse_options(const struct template_def *t, int argc, char *const *argv, char ***ret_values,
			   struct taper_err *err)
{
	size_t n = template_option_count(t);
	_cleanup_(values_ownerp) struct values_owner vals = { t, calloc(n + 1, sizeof(char *)) };

	if (!vals.v)
		return err_set(err, ENOMEM, "template %s", t->name);
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *eq, *value;
		ssize_t k;

		if (strncmp(a, "--", 2) != 0 || !a[2])
			return err_set(err, 0, "template %s: unexpected argument \"%s\"", t->name, a);
		a += 2;
		eq = strchr(a, '=');
		k = option_index(t, a, eq ? (size_t)(eq - a) : strlen(a));
		if (k < 0)
			return err_set(err, 0, "template %s: unknown option \"--%.*s\"", t->name,
				       eq ? (int)(eq - a) : (int)strlen(a), a);
		if (!t->options[k].arg) {
			if (eq)
				return err_set(err, 0, "template %s: option \"--%s\" takes no value", t->name,
					       t->options[k].name);
			value = "1";
		} else if (eq) {
			value = eq + 1;
		} else if (i + 1 < argc) {
			value = argv[++i];
		} else {
			return err_set(err, 0, "template %s: option \"--%s\" needs a value %s", t->name,
				       t->options[k].name, t->options[k].arg);
		}
		free(vals.v[k]);
		vals.v[k] = strdup(value);
		if (!vals.v[k])
			return err_set(err, ENOMEM, "template %s", t->name);
	}
	for (size_t i = 0; i < n; i++)
		if (t->options[i].required && !vals.v[i])
			return err_set(err, 0, "template %s: missing option \"--%s %s\"", t->name,
				       t->options[i].name, t->options[i].arg);
	if (t->check && t->check(vals.v, err) < 0)
		return err_wrap(err, "template %s", t->name);
	*ret_values = TAKE_PTR(vals.v);
	return 0;
}

int template_build(const struct template_def *t, const struct template_ctx *ctx, int rootfs_fd,
		   char *const *values, char ***ret_config, struct taper_err *err)
{
	_cleanup_strv_free_ char **config = NULL;
	int r;

	if (template_cancelled(ctx))
		return err_set(err, ECANCELED, "template %s", t->name);
	r = t->build(ctx, rootfs_fd, values, &config, err);
	if (r < 0)
		return err_wrap(err, "template %s", t->name);
	if (ret_config)
		*ret_config = TAKE_PTR(config);
	return 0;
}

const char *template_cache_dir(void)
{
	const char *e = getenv("TAPER_CACHE");

	return e && *e ? e : TEMPLATE_CACHE_DEFAULT;
}

void template_progress(const struct template_ctx *ctx, const char *stage, uint64_t done, uint64_t total)
{
	if (ctx->progress)
		ctx->progress(ctx->userdata, stage, done, total);
}

int template_config_add(char ***config, const char *key, const char *value)
{
	char *line = NULL;

	if (asprintf(&line, "%s = %s", key, value) < 0)
		return -ENOMEM;
	return strv_push(config, line);
}

int template_write(int rootfs_fd, const char *path, const char *content, mode_t mode, struct taper_err *err)
{
	/* The tree may come from an archive or a package: a symlink, fifo or
	 * device node at path fails the build, it is never written through. */
	return root_write_file(rootfs_fd, path, content, strlen(content), mode, err);
}

int template_write_identity(const struct template_ctx *ctx, int rootfs_fd, struct taper_err *err)
{
	_cleanup_free_ char *hostname = NULL, *hosts = NULL;
	int r;

	if (asprintf(&hostname, "%s\n", ctx->name) < 0 ||
	    asprintf(&hosts,
		     "127.0.0.1\tlocalhost\n127.0.1.1\t%s\n::1\tlocalhost ip6-localhost ip6-loopback\n"
		     "ff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n",
		     ctx->name) < 0)
		return err_set(err, ENOMEM, "identity");
	r = template_write(rootfs_fd, "etc/hostname", hostname, 0644, err);
	if (r < 0)
		return r;
	return template_write(rootfs_fd, "etc/hosts", hosts, 0644, err);
}

void template_child_progress(int report_fd, const char *stage, uint64_t done, uint64_t total)
{
	(void)child_report_progress(report_fd, stage, done, total);
}

static void forward_progress(void *data, const char *stage, uint64_t done, uint64_t total)
{
	template_progress(data, stage, done, total);
}

int template_run_child(const struct template_ctx *ctx, template_child_fn fn, void *arg, struct taper_err *err)
{
	return child_run(fn, arg,
			 &(struct child_opts){ .what = "template",
					       .cancel = ctx->cancel,
					       .progress = forward_progress,
					       .data = (void *)ctx },
			 err);
}
