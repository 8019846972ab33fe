/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * manage.c — destroy, rename, config get/set.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "container/container.h"
#include "net/netsetup.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/strv.h"

static enum taper_state state_now(struct taper_store *s, const char *name)
{
	struct container_probe pr;
	enum taper_state st = TAPER_STATE_STOPPED;

	if (container_probe(s, name, &pr) == 0)
		st = pr.state;
	container_probe_clear(&pr);
	return st;
}

int container_destroy_locked(struct taper_store *s, const char *name, unsigned flags, struct taper_err *err)
{
	_cleanup_strv_free_ char **snaps = NULL;
	bool force = flags & TAPER_DESTROY_FORCE;
	enum taper_state st;
	size_t n_saved = 0;
	int r;

	if (!store_exists(s, name))
		return err_plain(err, ENOENT, "container \"%s\" not found", name);
	if ((r = container_snapshots_of(s, name, &snaps, err)) < 0)
		return r;
	if (snaps[0] && !force)
		return err_plain(err, EBUSY, "snapshot \"%s\" is based on container \"%s\" (use -f)",
				 snaps[0], name);
	/* As lxc-destroy: the snapshots it keeps go only when asked for. */
	if ((r = container_snapshot_count(s, name, &n_saved, err)) < 0)
		return r;
	if (n_saved && !(flags & TAPER_DESTROY_SNAPSHOTS))
		return err_plain(err, EBUSY, "container \"%s\" has %zu snapshot%s (use -s to destroy %s too)",
				 name, n_saved, n_saved == 1 ? "" : "s", n_saved == 1 ? "it" : "them");
	st = state_now(s, name);
	if (st != TAPER_STATE_STOPPED) {
		if (!force)
			return err_plain(err, EBUSY, "container \"%s\" is %s (use -f to stop it first)", name,
					 taper_state_name(st));
		r = container_stop_locked(s, name, 0, true, err);
		if (r < 0 && r != -ESRCH)
			return r;
	}
	/* Whatever a killed monitor left: cgroup, leases, runtime files. */
	if ((r = container_cleanup(s, name, err)) < 0)
		return r;
	return store_destroy(s, name, err);
}

TAPER_EXPORT int taper_container_destroy(struct taper_store *s, const char *name, unsigned flags,
					 struct taper_err *err)
{
	_cleanup_close_ int lock = -1;
	int r;

	if ((r = store_check_name(name, err)) < 0)
		return r;
	if ((r = store_lock(s, name, true, &lock, err)) < 0)
		return container_err(err, name);
	r = container_destroy_locked(s, name, flags, err);
	store_unlock(s, name, TAKE_FD(lock));
	return r < 0 ? container_err(err, name) : 0;
}

/* Snapshots name their source: follow a rename. */
static int repoint_snapshots(struct taper_store *s, char **snaps, const char *new_name, struct taper_err *err)
{
	for (char **n = snaps; n && *n; n++) {
		_cleanup_close_ int dfd = -1, od = -1;
		int r;

		if ((r = store_open_container(s, *n, &dfd, err)) < 0)
			return r;
		od = openat(dfd, CONTAINER_OVERLAY_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (od < 0 || write_file_atomic_at(od, "lower", new_name, strlen(new_name), 0600) < 0)
			return err_set(err, errno, "snapshot \"%s\": point at \"%s\"", *n, new_name);
	}
	return 0;
}

static int rename_config(struct taper_store *s, const char *old_name, const char *new_name,
			 struct taper_err *err)
{
	_cleanup_(config_freep) struct taper_config *c = NULL;
	_cleanup_strv_free_ char **host = NULL;
	_cleanup_close_ int dfd = -1;
	int r;

	if ((r = store_open_container(s, new_name, &dfd, err)) < 0 ||
	    (r = config_load_at(dfd, STORE_CONFIG_FILE, new_name, &c, err)) < 0)
		return r;
	if (config_get(c, "uts.name", &host) < 0 || !host[0] || strcmp(host[0], old_name) != 0)
		return 0;
	if ((r = config_set(c, "uts.name", new_name, err)) < 0)
		return r;
	return config_save_at(c, dfd, STORE_CONFIG_FILE, err);
}

static int rename_locked(struct taper_store *s, const char *old_name, const char *new_name,
			 struct taper_err *err)
{
	_cleanup_strv_free_ char **snaps = NULL;
	enum taper_state st;
	int r;

	if (!store_exists(s, old_name))
		return err_plain(err, ENOENT, "container \"%s\" not found", old_name);
	if (store_exists(s, new_name))
		return err_plain(err, EEXIST, "container \"%s\" already exists", new_name);
	st = state_now(s, old_name);
	if (st != TAPER_STATE_STOPPED)
		return err_plain(err, EBUSY, "container \"%s\" is %s; stop it first", old_name,
				 taper_state_name(st));
	if ((r = container_cleanup(s, old_name, err)) < 0 ||
	    (r = container_snapshots_of(s, old_name, &snaps, err)) < 0)
		return r;
	if ((r = store_rename(s, old_name, new_name, err)) < 0)
		return r;
	if ((r = repoint_snapshots(s, snaps, new_name, err)) < 0)
		return r;
	return rename_config(s, old_name, new_name, err);
}

TAPER_EXPORT int taper_container_rename(struct taper_store *s, const char *old_name, const char *new_name,
					struct taper_err *err)
{
	_cleanup_close_ int la = -1, lb = -1;
	int r;

	if ((r = store_check_name(old_name, err)) < 0 || (r = store_check_name(new_name, err)) < 0)
		return r;
	if (strcmp(old_name, new_name) == 0)
		return err_plain(err, EINVAL, "container \"%s\": the new name is the same", old_name);
	if ((r = store_lock2(s, old_name, new_name, true, &la, &lb, err)) < 0)
		return container_err(err, old_name);
	r = rename_locked(s, old_name, new_name, err);
	store_unlock(s, old_name, TAKE_FD(la));
	store_unlock(s, new_name, TAKE_FD(lb));
	/* A failure about the new name names it; any other is the old one's. */
	if (r < 0 && !container_err_names(err, new_name))
		return container_err(err, old_name);
	return r < 0 ? r : 0;
}

/* The container's config, named in messages by its full path. */
static int config_load(struct taper_store *s, const char *name, int *ret_dirfd, struct taper_config **ret,
		       struct taper_err *err)
{
	_cleanup_free_ char *origin = NULL;
	int r;

	if ((r = store_open_container(s, name, ret_dirfd, err)) < 0)
		return r;
	if (asprintf(&origin, "%s/%s/%s", store_path(s), name, STORE_CONFIG_FILE) < 0)
		return err_set(err, ENOMEM, "config");
	return config_load_at(*ret_dirfd, STORE_CONFIG_FILE, origin, ret, err);
}

TAPER_EXPORT int taper_container_config_get(struct taper_store *s, const char *name, const char *key,
					    char ***ret_values, struct taper_err *err)
{
	_cleanup_(config_freep) struct taper_config *c = NULL;
	_cleanup_close_ int dfd = -1;
	int r;

	if ((r = store_check_name(name, err)) < 0 || (r = config_load(s, name, &dfd, &c, err)) < 0)
		return r;
	if (!config_key_find(key))
		return err_set(err, 0, "unknown key \"%s\"", key);
	if ((r = config_get(c, key, ret_values)) < 0)
		return err_set(err, -r, "container \"%s\": config", name);
	return 0;
}

/* A veth.pair naming an interface of the host that is not the container's
 * own would be refused at start (net_veth_pair_check): say so now, in the
 * caller's network namespace, before the config says it. */
static int check_veth_pair(struct taper_store *s, const char *name, const char *key, const char *value,
			   struct taper_err *err)
{
	unsigned index;
	int end = 0;

	if (!value || sscanf(key, "net.%u.veth.pair%n", &index, &end) != 1 || end == 0 || key[end] != '\0')
		return 0;
	return net_veth_pair_check(store_id(s), name, index, value, err);
}

TAPER_EXPORT int taper_container_config_set(struct taper_store *s, const char *name, const char *key,
					    const char *value, struct taper_err *err)
{
	_cleanup_(config_freep) struct taper_config *c = NULL;
	_cleanup_close_ int lock = -1, dfd = -1;
	int r;

	if ((r = store_check_name(name, err)) < 0 || (r = store_lock(s, name, true, &lock, err)) < 0 ||
	    (r = config_load(s, name, &dfd, &c, err)) < 0)
		return r;
	r = value ? config_set(c, key, value, err) : config_unset(c, key, err);
	if (r < 0)
		return r;
	/* The file as a whole must still make a container (net.port needs a
	 * veth, a shared network namespace no net.N, ...): else keep the old. */
	if ((r = config_check(c, err)) < 0 || (r = check_veth_pair(s, name, key, value, err)) < 0)
		return r;
	return config_save_at(c, dfd, STORE_CONFIG_FILE, err);
}

TAPER_EXPORT int taper_container_config_text(struct taper_store *s, const char *name, char **ret_text,
					     size_t *ret_len, struct taper_err *err)
{
	_cleanup_close_ int dfd = -1;
	int r;

	if ((r = store_check_name(name, err)) < 0 || (r = store_open_container(s, name, &dfd, err)) < 0)
		return r;
	r = read_file_at(dfd, STORE_CONFIG_FILE, 1u << 20, ret_text, ret_len);
	if (r < 0)
		return err_set(err, -r, "%s/%s/%s", store_path(s), name, STORE_CONFIG_FILE);
	return 0;
}

TAPER_EXPORT int taper_config_key_get(size_t i, struct taper_config_key_info *ret)
{
	size_t n;
	const struct config_key *k = config_keys(&n);

	if (i >= n)
		return -ENOENT;
	*ret = (struct taper_config_key_info){ .key = k[i].key, .list = k[i].flags & CONFIG_KEY_LIST };
	config_key_docs(&k[i], &ret->syntax, &ret->doc, &ret->example);
	return 0;
}

TAPER_EXPORT int taper_config_keys_doc(bool markdown, char **ret_text, struct taper_err *err)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int r;

	if (!f)
		return err_set(err, errno, "config keys");
	r = config_keys_write(f, markdown);
	if (fclose(f) != 0 || r < 0)
		return err_set(err, r < 0 ? -r : ENOMEM, "config keys");
	*ret_text = TAKE_PTR(text);
	return 0;
}
