/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * create.c — taper_container_create(): a template into the store's
 * crash-safe create, with the same base config as `taper create`.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "container/container.h"
#include "template/template.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/strv.h"

DEFINE_CLEANUP_FUNC(struct store_create, store_create_free)
DEFINE_CLEANUP_FUNC(struct taper_config, config_free)

static int write_config(struct store_create *c, const char *name, const char *tname, char *const *lines,
			struct taper_err *err)
{
	_cleanup_(config_freep) struct taper_config *cfg = NULL;
	_cleanup_free_ char *header = NULL;
	const char *base[][2] = {
		{ "rootfs.path", STORE_ROOTFS_DIR },
		{ "uts.name", name },
		{ "net.0.type", "veth" },
		{ "net.0.link", "taperbr0" },
	};
	int r;

	if (asprintf(&header, "# %s: created by taper_container_create(\"%s\")\n", name, tname) < 0)
		return taper_err_set(err, ENOMEM, "config");
	if ((r = config_parse(header, "config", &cfg, err)) < 0)
		return r;
	for (size_t i = 0; i < ARRAY_SIZE(base); i++)
		if ((r = config_set(cfg, base[i][0], base[i][1], err)) < 0)
			return r;
	if ((r = config_set_userns_defaults(cfg, err)) < 0)
		return r;
	if ((r = config_set_lines(cfg, lines, err)) < 0)
		return r;
	return config_save_at(cfg, store_create_dirfd(c), STORE_CONFIG_FILE, err);
}

static int create_locked(struct taper_store *s, const char *name, const struct template_def *t,
			 char *const *values, struct taper_err *err)
{
	_cleanup_(store_create_freep) struct store_create *c = NULL;
	_cleanup_strv_free_ char **lines = NULL;
	_cleanup_close_ int rootfs = -1;
	struct template_ctx ctx = { .name = name, .cache_dir = template_cache_dir() };
	int r;

	if ((r = store_create_begin(s, name, &c, err)) < 0)
		return r;
	rootfs = openat(store_create_dirfd(c), STORE_ROOTFS_DIR,
			O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (rootfs < 0)
		return taper_err_set(err, errno, "open rootfs");
	if ((r = template_build(t, &ctx, rootfs, values, &lines, err)) < 0 ||
	    (r = write_config(c, name, t->name, lines, err)) < 0)
		return r;
	return store_create_commit(c, err);
}

TAPER_EXPORT int taper_container_create(struct taper_store *s, const char *name, const char *template_name,
					char *const *options, struct taper_err *err)
{
	const struct template_def *t = template_find(template_name ? template_name : "");
	_cleanup_close_ int lock = -1;
	char **values = NULL;
	int r;

	if ((r = store_check_name(name, err)) < 0)
		return taper_err_wrap(err, "create");
	if (!t)
		return taper_err_set(err, 0, "create %s: unknown template \"%s\"", name,
				     template_name ? template_name : "");
	r = template_parse_options(t, (int)strv_length(options), options, &values, err);
	if (r < 0)
		return taper_err_wrap(err, "create %s", name);
	r = store_lock(s, name, true, &lock, err);
	if (r >= 0)
		r = create_locked(s, name, t, values, err);
	template_values_free(t, values);
	return r < 0 ? taper_err_wrap(err, "create %s", name) : 0;
}
