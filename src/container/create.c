/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * create.c — taper_container_create(): a template into the store's
 * crash-safe create, with the base config every new container gets; and
 * the template table as the public API shows it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "container/container.h"
#include "container/idrange.h"
#include "template/template.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/strv.h"

#define DEFAULT_BRIDGE "taperbr0"
/* Processes and threads a new container may have: podman's default
 * (containers.conf pids_limit). Without one, a fork bomb in any container
 * takes every pid the host has (pid_max is 32768 on machines with up to
 * 32 CPUs); with it, one container takes at most 1/16 of that. Written
 * into the config, where the user sees it and may raise it (`taper limit
 * NAME --pids N`, or "max"). */
#define DEFAULT_PIDS_MAX "2048"

static void template_public(const struct template_def *t, struct taper_template *ret)
{
	*ret = (struct taper_template){
		.name = t->name,
		.doc = t->doc,
		.options = t->options,
		.n_options = template_option_count(t),
	};
}

TAPER_EXPORT int taper_template_get(size_t i, struct taper_template *ret)
{
	size_t n;
	const struct template_def *const *t = template_table(&n);

	if (i >= n)
		return -ENOENT;
	template_public(t[i], ret);
	return 0;
}

TAPER_EXPORT int taper_template_find(const char *name, struct taper_template *ret)
{
	const struct template_def *t = template_find(name ? name : "");

	if (!t)
		return -ENOENT;
	template_public(t, ret);
	return 0;
}

/* The template and its option values; the values are freed with the
 * template. */
static int parse_template(const char *template_name, char *const *options, const struct template_def **ret_t,
			  char ***ret_values, struct taper_err *err)
{
	const struct template_def *t = template_find(template_name ? template_name : "");

	if (!t) {
		err_set(err, 0, "unknown template \"%s\"", template_name ? template_name : "");
		return -ENOENT;
	}
	*ret_t = t;
	return template_parse_options(t, (int)strv_length(options), options, ret_values, err) < 0 ? -EINVAL
												  : 0;
}

TAPER_EXPORT int taper_template_check(const char *template_name, char *const *options, struct taper_err *err)
{
	const struct template_def *t = NULL;
	char **values = NULL;
	int r = parse_template(template_name, options, &t, &values, err);

	if (r == 0)
		template_values_free(t, values);
	return r;
}

TAPER_EXPORT void taper_create_opts_init(struct taper_create_opts *o)
{
	*o = (struct taper_create_opts){ .wait = true };
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

static int write_config(struct taper_store *s, struct store_create *c, const char *name, const char *hostname,
			const char *created_by, char *const *lines, struct taper_err *err)
{
	_cleanup_(config_freep) struct taper_config *cfg = NULL;
	_cleanup_free_ char *header = NULL;
	const char *base[][2] = {
		{ "rootfs.path", STORE_ROOTFS_DIR },
		{ "uts.name", hostname },
		{ "net.0.type", "veth" },
		{ "net.0.link", DEFAULT_BRIDGE },
		{ "cgroup.pids.max", DEFAULT_PIDS_MAX },
	};
	int r;

	if (asprintf(&header, "# %s: created by %s\n", name, created_by) < 0)
		return err_set(err, ENOMEM, "config");
	if ((r = config_parse(header, "config", &cfg, err)) < 0)
		return r;
	for (size_t i = 0; i < ARRAY_SIZE(base); i++)
		if ((r = config_set(cfg, base[i][0], base[i][1], err)) < 0)
			return r;
	/* A host id range no other container of the store maps. */
	if ((r = idrange_assign(s, cfg, NULL, NULL, err)) < 0)
		return r;
	/* The template's lines go through the same key table as any edit. */
	if ((r = config_set_lines(cfg, lines, err)) < 0)
		return r;
	return config_save_at(cfg, store_create_dirfd(c), STORE_CONFIG_FILE, err);
}

static int create_locked(struct taper_store *s, const char *name, const struct template_def *t,
			 char *const *values, const struct taper_create_opts *o, const char *created_by,
			 struct taper_err *err)
{
	_cleanup_(store_create_freep) struct store_create *c = NULL;
	_cleanup_strv_free_ char **lines = NULL;
	_cleanup_free_ char *hostname = hostname_of(name);
	_cleanup_close_ int rootfs = -1, ids = -1;
	struct template_ctx ctx = {
		.name = hostname,
		.cache_dir = template_cache_dir(),
		.progress = o->progress,
		.userdata = o->userdata,
		.cancel = o->cancel,
	};
	int r;

	if (!hostname)
		return err_set(err, ENOMEM, "create");
	r = store_create_begin(s, name, &c, err);
	if (r == -EEXIST) {
		return err_plain(err, EEXIST, "container \"%s\" already exists", name);
	}
	if (r < 0)
		return r;
	rootfs = openat(store_create_dirfd(c), STORE_ROOTFS_DIR,
			O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (rootfs < 0)
		return err_set(err, errno, "open %s/%s", store_create_path(c), STORE_ROOTFS_DIR);
	/* The id lock from the pick of the range until the commit shows it
	 * to the next pick; not during the template build, which may take
	 * minutes. */
	if ((r = template_build(t, &ctx, rootfs, values, &lines, err)) < 0 ||
	    (r = store_lock_ids(s, &ids, err)) < 0 ||
	    (r = write_config(s, c, name, hostname, created_by, lines, err)) < 0)
		return err_wrap(err, "container \"%s\"", name);
	/* A cancel after the template finished still counts: nothing is
	 * visible until the commit below. */
	if (template_cancelled(&ctx))
		return err_plain(err, ECANCELED, "container \"%s\": interrupted", name);
	return store_create_commit(c, err);
}

TAPER_EXPORT int taper_container_create(struct taper_store *s, const char *name, const char *template_name,
					char *const *options, const struct taper_create_opts *opts,
					struct taper_err *err)
{
	struct taper_create_opts o;
	const struct template_def *t = NULL;
	_cleanup_free_ char *by = NULL;
	_cleanup_close_ int lock = -1;
	char **values = NULL;
	int r;

	if (opts)
		o = *opts;
	else
		taper_create_opts_init(&o);
	if ((r = store_check_name(name, err)) < 0 ||
	    (r = parse_template(template_name, options, &t, &values, err)) < 0)
		return r;
	if (!o.created_by && asprintf(&by, "taper_container_create(\"%s\")", t->name) < 0)
		r = err_set(err, ENOMEM, "create");
	if (r >= 0)
		r = store_lock_new(s, name, o.wait, &lock, err);
	if (r >= 0)
		r = create_locked(s, name, t, values, &o, o.created_by ? o.created_by : by, err);
	store_unlock(s, name, TAKE_FD(lock));
	template_values_free(t, values);
	return r;
}

TAPER_EXPORT int taper_container_name_check(const char *name, struct taper_err *err)
{
	return store_check_name(name, err);
}

TAPER_EXPORT bool taper_container_exists(struct taper_store *s, const char *name)
{
	return store_exists(s, name);
}
