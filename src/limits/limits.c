/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * limits.c — change and read a system container's limits: check
 * everything, then (under the container's lock) the live cgroup and the
 * config file. See limits.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup/cgroup.h"
#include "config/config.h"
#include "limits/limits.h"
#include "store/store.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/strv.h"

static void limits_clearp(struct taper_limits *l)
{
	limits_clear(l);
}
#define _cleanup_limits_ _cleanup_(limits_clearp)

static bool is_removal(const struct limit_opt *o, const char *value)
{
	return limit_opt_has_max(o) && strcmp(value, "max") == 0;
}

static int load_config(struct taper_store *s, const char *name, int *ret_dirfd, struct taper_config **ret,
		       struct taper_err *err)
{
	_cleanup_free_ char *origin = NULL;
	int r;

	r = store_open_container(s, name, ret_dirfd, err);
	if (r < 0)
		return r;
	if (asprintf(&origin, "%s/%s/%s", store_path(s), name, STORE_CONFIG_FILE) < 0) {
		origin = NULL;
		return err_set(err, ENOMEM, "container \"%s\"", name);
	}
	return config_load_at(*ret_dirfd, STORE_CONFIG_FILE, origin, ret, err);
}

/* The container's cgroup, or NULL (*ret stays NULL) when it does not run. */
static int open_group(struct taper_store *s, struct cgroup_manager *m, const char *name,
		      struct taper_cgroup **ret, struct taper_err *err)
{
	_cleanup_free_ char *group = NULL;
	int r;

	*ret = NULL;
	if (store_cgroup_group(s, name, &group) < 0)
		return err_set(err, ENOMEM, "container \"%s\"", name);
	r = cgroup_open(m, group, ret, err);
	if (r == -ENOENT) {
		taper_err_clear(err);
		return 0;
	}
	return r;
}

/* A refusal by the cgroup layer names a limit by its cgroup name; when
 * that is one of the entries, blame it and keep the bare reason. */
static int attribute(const struct limit_opt **rows, size_t n, size_t *ret_bad, int r, struct taper_err *err)
{
	if (!err)
		return r;
	for (size_t i = n; i-- > 0;) {
		size_t len = strlen(rows[i]->cgname);

		if (strncmp(err->msg, rows[i]->cgname, len) == 0 && strncmp(err->msg + len, ": ", 2) == 0) {
			memmove(err->msg, err->msg + len + 2, strlen(err->msg + len + 2) + 1);
			*ret_bad = i;
			return r;
		}
	}
	return r;
}

/* The limits the edited config compiles to, without raw cgroup files. */
static int compile_limits(const struct taper_config *c, struct taper_limits *ret, struct taper_err *err)
{
	_cleanup_(spec_freep) struct taper_spec *spec = spec_new();
	struct container_settings settings;
	int r;

	if (!spec)
		return err_set(err, ENOMEM, "config");
	container_settings_init(&settings);
	r = config_compile(c, NULL, spec, &settings, err);
	if (r < 0)
		return r;
	*ret = spec->limits;
	limits_init(&spec->limits); /* handed over */
	for (size_t i = 0; i < ret->n_raw; i++) {
		free(ret->raw[i].file);
		free(ret->raw[i].value);
	}
	free(ret->raw);
	ret->raw = NULL;
	ret->n_raw = 0;
	return 0;
}

/* What to write to a live group: the touched limits as the config now
 * has them, "max" where removed. memory goes with swap (v1 writes their
 * sum to memory.memsw.limit_in_bytes). */
static int build_apply(const struct limit_opt **rows, size_t n, const struct taper_limits *merged,
		       struct taper_limits *ret)
{
	const struct limit_opt *mem = limit_opt_by_key("cgroup.memory.max");
	const struct limit_opt *swap = limit_opt_by_key("cgroup.swap.max");
	bool memory_touched = false;
	int r;

	for (size_t i = 0; i < n; i++) {
		if ((r = limit_opt_copy(rows[i], ret, merged)) < 0)
			return r;
		memory_touched |= rows[i] == mem || rows[i] == swap;
	}
	if (memory_touched &&
	    ((r = limit_opt_copy(mem, ret, merged)) < 0 || (r = limit_opt_copy(swap, ret, merged)) < 0))
		return r;
	/* Unset in the config now: no limit in the kernel either. */
	for (size_t i = 0; i < n; i++) {
		int64_t *f = (int64_t *)((char *)ret + rows[i]->offset);

		if (rows[i]->kind == LIMIT_WEIGHT || rows[i]->kind == LIMIT_LIST || *f != TAPER_UNSET)
			continue;
		*f = CGROUP_LIMIT_MAX;
		if (rows[i]->kind == LIMIT_CPUS)
			ret->cpu_period_us = 100000;
	}
	if (memory_touched && ret->memory_max == TAPER_UNSET)
		ret->memory_max = CGROUP_LIMIT_MAX;
	return 0;
}

/* The old kernel values of the touched limits, to put back. */
static int build_restore(const struct limit_opt **rows, size_t n, const struct taper_limits *old,
			 struct taper_limits *ret)
{
	int r;

	for (size_t i = 0; i < n; i++) {
		const struct limit_opt *o = rows[i];
		int64_t *f = (int64_t *)((char *)ret + o->offset);

		if ((r = limit_opt_copy(o, ret, old)) < 0)
			return r;
		if (o->kind != LIMIT_WEIGHT && o->kind != LIMIT_LIST && *f == TAPER_UNSET)
			*f = CGROUP_LIMIT_MAX;
		if (o->kind == LIMIT_CPUS && ret->cpu_period_us == TAPER_UNSET)
			ret->cpu_period_us = 100000;
	}
	/* cpu.shares read back on v1 fills cpu.weight too; restore by one. */
	if (ret->cpu_shares != TAPER_UNSET)
		ret->cpu_weight = TAPER_UNSET;
	/* v1: a memsw limit is memory + swap; restoring both keeps it. */
	if (ret->memory_max != TAPER_UNSET && old->swap_max != TAPER_UNSET)
		ret->swap_max = old->swap_max;
	return 0;
}

static int apply_live(struct taper_cgroup *cg, const struct limit_opt **rows, size_t n,
		      const struct taper_limits *merged, struct taper_err *err)
{
	_cleanup_limits_ struct taper_limits want, old, restore;
	int r;

	limits_init(&want);
	limits_init(&old);
	limits_init(&restore);
	if (build_apply(rows, n, merged, &want) < 0)
		return err_set(err, ENOMEM, "limits");
	if ((r = cgroup_get_limits(cg, &old, err)) < 0)
		return r;
	r = cgroup_set_limits(cg, &want, err);
	if (r < 0 && build_restore(rows, n, &old, &restore) == 0)
		(void)cgroup_set_limits(cg, &restore, NULL);
	return r;
}

int limits_set(struct taper_store *s, struct cgroup_manager *m, const char *name,
	       const struct taper_limit *limits, size_t n, size_t *ret_bad, struct taper_err *err)
{
	_cleanup_free_ const struct limit_opt **rows = NULL;
	_cleanup_(config_freep) struct taper_config *c = NULL;
	_cleanup_(cgroup_freep) struct taper_cgroup *cg = NULL;
	_cleanup_limits_ struct taper_limits parsed, merged;
	_cleanup_close_ int lock = -1, dirfd = -1;
	size_t bad_storage;
	int r;

	if (!ret_bad)
		ret_bad = &bad_storage;
	*ret_bad = n;
	limits_init(&parsed);
	limits_init(&merged);
	if ((r = store_check_name(name, err)) < 0)
		return r;
	rows = calloc(n ? n : 1, sizeof(*rows));
	if (!rows)
		return err_set(err, ENOMEM, "limits");
	/* Every value alone first: syntax and ranges, blamed on the entry. */
	for (size_t i = 0; i < n; i++) {
		rows[i] = limits[i].key ? limit_opt_by_key(limits[i].key) : NULL;
		if (!rows[i]) {
			*ret_bad = i;
			return err_set(err, 0, "not a limit key");
		}
		if (!limits[i].value || !limits[i].value[0]) {
			*ret_bad = i;
			return err_set(err, 0, "empty value");
		}
		if ((r = limit_opt_parse(rows[i], limits[i].value, &parsed, err)) < 0) {
			*ret_bad = i;
			return r;
		}
	}
	if ((r = store_lock(s, name, true, &lock, err)) < 0 ||
	    (r = load_config(s, name, &dirfd, &c, err)) < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		const struct limit_opt *o = rows[i];

		if (is_removal(o, limits[i].value))
			r = config_unset(c, o->key, NULL);
		else
			r = config_set(c, o->key, limits[i].value, err);
		if (r < 0 && r != -ENOENT) {
			*ret_bad = i;
			return r;
		}
		/* cpu.weight and cpu.shares are one limit: the new one wins. */
		if (o->other)
			(void)config_unset(c, o->other, NULL);
	}
	/* Then the limits as the config will have them, against the host. */
	if ((r = compile_limits(c, &merged, err)) < 0)
		return r;
	r = cgroup_validate(m, &merged, err);
	if (r < 0)
		return attribute(rows, n, ret_bad, r, err);
	if ((r = open_group(s, m, name, &cg, err)) < 0)
		return err_wrap(err, "container \"%s\"", name);
	if (cg && (r = apply_live(cg, rows, n, &merged, err)) < 0)
		return err_wrap(err, "container \"%s\"", name);
	return config_save_at(c, dirfd, STORE_CONFIG_FILE, err);
}

TAPER_EXPORT void taper_limit_values_free(struct taper_limit_value *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].key);
		free(v[i].config);
		free(v[i].kernel);
	}
	free(v);
}

int limits_get(struct taper_store *s, struct cgroup_manager *m, const char *name,
	       struct taper_limit_value **ret, size_t *ret_n, bool *ret_running, struct taper_err *err)
{
	_cleanup_(config_freep) struct taper_config *c = NULL;
	_cleanup_(cgroup_freep) struct taper_cgroup *cg = NULL;
	_cleanup_limits_ struct taper_limits kernel;
	_cleanup_close_ int dirfd = -1;
	struct taper_limit_value *v;
	const struct limit_opt *o;
	size_t n;
	int r;

	limits_init(&kernel);
	if ((r = store_check_name(name, err)) < 0 || (r = load_config(s, name, &dirfd, &c, err)) < 0)
		return r;
	if ((r = open_group(s, m, name, &cg, err)) < 0)
		return err_wrap(err, "container \"%s\"", name);
	if (cg && (r = cgroup_get_limits(cg, &kernel, err)) < 0)
		return err_wrap(err, "container \"%s\"", name);
	o = limit_opts(&n);
	v = calloc(n, sizeof(*v));
	if (!v)
		return err_set(err, ENOMEM, "limits");
	for (size_t i = 0; i < n; i++) {
		_cleanup_strv_free_ char **values = NULL;

		if (!(v[i].key = strdup(o[i].key)) || config_get(c, o[i].key, &values) < 0 ||
		    (values[0] && !(v[i].config = strdup(values[0]))) ||
		    (cg && limit_opt_format(&o[i], &kernel, &v[i].kernel) < 0)) {
			taper_limit_values_free(v, n);
			return err_set(err, ENOMEM, "limits");
		}
	}
	*ret = v;
	*ret_n = n;
	if (ret_running)
		*ret_running = cg != NULL;
	return 0;
}

TAPER_EXPORT int taper_container_set_limits(struct taper_store *s, const char *name,
					    const struct taper_limit *limits, size_t n, size_t *ret_bad,
					    struct taper_err *err)
{
	_cleanup_(cgroup_manager_freep) struct cgroup_manager *m = NULL;
	int r;

	if (ret_bad)
		*ret_bad = n;
	r = cgroup_manager_open(NULL, &m, err);
	return r < 0 ? r : limits_set(s, m, name, limits, n, ret_bad, err);
}

TAPER_EXPORT int taper_container_get_limits(struct taper_store *s, const char *name,
					    struct taper_limit_value **ret, size_t *ret_n, bool *ret_running,
					    struct taper_err *err)
{
	_cleanup_(cgroup_manager_freep) struct cgroup_manager *m = NULL;
	int r;

	r = cgroup_manager_open(NULL, &m, err);
	return r < 0 ? r : limits_get(s, m, name, ret, ret_n, ret_running, err);
}

TAPER_EXPORT int taper_limit_info_get(size_t i, struct taper_limit_info *ret)
{
	size_t n;
	const struct limit_opt *o = limit_opts(&n);

	if (i >= n)
		return -ENOENT;
	*ret = (struct taper_limit_info){
		.option = o[i].option,
		.key = o[i].key,
		.metavar = o[i].metavar,
		.help = o[i].help,
		.is_size = o[i].kind == LIMIT_SIZE,
	};
	return 0;
}
