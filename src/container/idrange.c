/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * idrange.c — the pick of a new container's host id range (idrange.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "container/idrange.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/parse.h"
#include "util/strv.h"

static int cmp_range(const void *a, const void *b)
{
	const struct id_range *x = a, *y = b;

	return x->base < y->base ? -1 : x->base > y->base;
}

int idrange_first_fit(const struct id_range *pool, size_t n_pool, struct id_range *used, size_t n_used,
		      uint32_t count, uint32_t *ret_base)
{
	uint64_t best = UINT64_MAX;

	if (n_used)
		qsort(used, n_used, sizeof(*used), cmp_range);
	for (size_t p = 0; p < n_pool; p++) {
		uint64_t cand = pool[p].base, end = pool[p].base + pool[p].count;

		/* used is sorted by base: once one starts past the candidate's
		 * end, so do all that follow. */
		for (size_t i = 0; i < n_used && used[i].base < cand + count; i++)
			if (used[i].base + used[i].count > cand)
				cand = used[i].base + used[i].count;
		if (cand + count <= end && cand < best)
			best = cand;
	}
	if (best == UINT64_MAX || best + count > UINT32_MAX)
		return -ENOSPC;
	*ret_base = (uint32_t)best;
	return 0;
}

static int range_push(struct id_range **v, size_t *n, uint64_t base, uint64_t count)
{
	struct id_range *nv = realloc(*v, (*n + 1) * sizeof(**v));

	if (!nv)
		return -ENOMEM;
	nv[(*n)++] = (struct id_range){ base, count };
	*v = nv;
	return 0;
}

int idrange_subid_parse(const char *text, struct id_range **ret_root, size_t *n_root,
			struct id_range **ret_other, size_t *n_other)
{
	_cleanup_free_ char *s = strdup(text);
	char *save = NULL;

	if (!s)
		return -ENOMEM;
	for (char *line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *b = strchr(line, ':'), *c;
		uint32_t vb, vc;
		bool root;

		if (!b || !(c = strchr(b + 1, ':')))
			continue;
		*b++ = '\0';
		*c++ = '\0';
		if (parse_u32(b, &vb) < 0 || parse_u32(c, &vc) < 0 || vc == 0)
			continue;
		root = strcmp(line, "root") == 0 || strcmp(line, "0") == 0;
		if (range_push(root ? ret_root : ret_other, root ? n_root : n_other, vb, vc) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* One idmap value, "u|g|b CONTAINER HOST COUNT"; false when malformed
 * (config_parse checked only the key). */
static bool parse_idmap(const char *value, char *ret_kind, uint32_t *ret_container, uint32_t *ret_host,
			uint32_t *ret_count)
{
	_cleanup_strv_free_ char **f = strv_split(value, ' ');

	if (!f || strv_length(f) != 4 || strlen(f[0]) != 1 || !strchr("ugb", f[0][0]) ||
	    parse_u32(f[1], ret_container) < 0 || parse_u32(f[2], ret_host) < 0 ||
	    parse_u32(f[3], ret_count) < 0)
		return false;
	*ret_kind = f[0][0];
	return true;
}

bool idrange_is_assigned(const struct taper_config *c)
{
	_cleanup_strv_free_ char **maps = NULL, **idm = NULL;
	bool rootfs_idmap = false, u = false, g = false;
	uint32_t cid, h, n;
	char kind;

	if (config_get(c, "rootfs.idmap", &idm) < 0 || !idm[0] || parse_bool(idm[0], &rootfs_idmap) < 0 ||
	    !rootfs_idmap || config_get(c, "idmap", &maps) < 0)
		return false;
	for (size_t i = 0; maps[i]; i++) {
		if (!parse_idmap(maps[i], &kind, &cid, &h, &n) || cid != 0 || n != IDRANGE_COUNT)
			return false;
		if ((kind != 'g' && u) || (kind != 'u' && g))
			return false;
		u |= kind != 'g';
		g |= kind != 'u';
	}
	return u && g;
}

struct used_ranges {
	struct id_range *uid, *gid;
	size_t n_uid, n_gid;
};

static void used_ranges_clear(struct used_ranges *u)
{
	free(u->uid);
	free(u->gid);
}

/* The host ranges every config of the store maps. A config that does not
 * parse fails the pick: its range is unknown, and handing it out again
 * would be the very overlap this module exists to prevent. */
static int store_used(struct taper_store *s, struct used_ranges *u, struct taper_err *err)
{
	_cleanup_strv_free_ char **names = NULL;
	int r;

	if ((r = store_list(s, &names, err)) < 0)
		return r;
	for (size_t i = 0; names[i]; i++) {
		_cleanup_(config_freep) struct taper_config *c = NULL;
		_cleanup_strv_free_ char **maps = NULL;
		_cleanup_free_ char *dir = NULL, *origin = NULL;
		_cleanup_close_ int fd = -1;

		if ((r = store_open_container(s, names[i], &fd, err)) < 0)
			return r;
		if (store_container_path(s, names[i], &dir) < 0 ||
		    asprintf(&origin, "%s/%s", dir, STORE_CONFIG_FILE) < 0)
			return err_set(err, ENOMEM, "id ranges");
		if ((r = config_load_at(fd, STORE_CONFIG_FILE, origin, &c, err)) < 0)
			return r;
		if (config_get(c, "idmap", &maps) < 0)
			return err_set(err, ENOMEM, "id ranges");
		for (size_t j = 0; maps[j]; j++) {
			uint32_t cid, h, n;
			char kind;

			if (!parse_idmap(maps[j], &kind, &cid, &h, &n))
				return err_set(err, 0, "%s: invalid id map \"%s\"", origin, maps[j]);
			if ((kind != 'g' && range_push(&u->uid, &u->n_uid, h, n) < 0) ||
			    (kind != 'u' && range_push(&u->gid, &u->n_gid, h, n) < 0))
				return err_set(err, ENOMEM, "id ranges");
		}
	}
	return 0;
}

/* A free base in the pool that file defines, given the store's used
 * ranges of that kind (used is extended with the file's other users). */
static int pick(const char *file, struct id_range **used, size_t *n_used, uint32_t *ret_base,
		struct taper_err *err)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_free_ struct id_range *root = NULL, *other = NULL;
	size_t n_root = 0, n_other = 0;
	struct id_range fallback = { IDRANGE_POOL_FIRST, IDRANGE_POOL_END - IDRANGE_POOL_FIRST };
	int r = read_file(file, 1 << 20, &text);

	if (r < 0 && r != -ENOENT)
		return err_set(err, -r, "read %s", file);
	if (text && idrange_subid_parse(text, &root, &n_root, &other, &n_other) < 0)
		return err_set(err, ENOMEM, "%s", file);
	for (size_t i = 0; i < n_other; i++)
		if (range_push(used, n_used, other[i].base, other[i].count) < 0)
			return err_set(err, ENOMEM, "%s", file);
	r = idrange_first_fit(n_root ? root : &fallback, n_root ? n_root : 1, *used, *n_used, IDRANGE_COUNT,
			      ret_base);
	if (r == -ENOSPC && n_root)
		return err_set(err, 0,
			       "no free range of %u ids left in root's ranges of %s: give root more "
			       "there, destroy a container, or set idmap by hand",
			       IDRANGE_COUNT, file);
	if (r == -ENOSPC)
		return err_set(err, 0, "no free range of %u ids left between %u and %u", IDRANGE_COUNT,
			       IDRANGE_POOL_FIRST, IDRANGE_POOL_END - 1);
	return r;
}

int idrange_assign(struct taper_store *s, struct taper_config *c, const char *subuid, const char *subgid,
		   struct taper_err *err)
{
	struct used_ranges u = { 0 };
	uint32_t ub = 0, gb = 0;
	char v[64];
	int r;

	r = store_used(s, &u, err);
	if (r >= 0)
		r = pick(subuid ? subuid : "/etc/subuid", &u.uid, &u.n_uid, &ub, err);
	if (r >= 0)
		r = pick(subgid ? subgid : "/etc/subgid", &u.gid, &u.n_gid, &gb, err);
	used_ranges_clear(&u);
	if (r < 0)
		return err_wrap(err, "id range");
	r = config_unset(c, "idmap", NULL);
	if (r < 0 && r != -ENOENT)
		return err_set(err, -r, "idmap");
	if (ub == gb) {
		snprintf(v, sizeof(v), "b 0 %u %u", ub, IDRANGE_COUNT);
		r = config_set(c, "idmap", v, err);
	} else {
		snprintf(v, sizeof(v), "u 0 %u %u", ub, IDRANGE_COUNT);
		r = config_set(c, "idmap", v, err);
		snprintf(v, sizeof(v), "g 0 %u %u", gb, IDRANGE_COUNT);
		if (r >= 0)
			r = config_set(c, "idmap", v, err);
	}
	if (r >= 0)
		r = config_set(c, "rootfs.idmap", "true", err);
	return r;
}
