/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * idmount.c — idmapped binds (OCI's idmap and ridmap), made by the parent.
 *
 * mount_setattr(MOUNT_ATTR_IDMAP) wants CAP_SYS_ADMIN over the source's
 * filesystem (host root, for a host filesystem) and a mount nobody has
 * seen yet, so the parent makes each tree once the container exists and
 * its maps are written, after the prestart hooks as the rootfs: a clone of
 * the source (open_tree(OPEN_TREE_CLONE), with AT_RECURSIVE for an rbind),
 * idmapped (every mount of it for ridmap) with a user namespace that
 * carries the mount's own maps (userns_fd_with_maps()) or, without maps,
 * the container's own user namespace, made or joined. The trees go to the
 * child one message each, in the order of spec->mounts, before the go;
 * the child moves each onto its target, resolved inside the root as every
 * target is (rootfs.c), and sets the bind's flags there.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "run/run-internal.h"
#include "util/cleanup.h"
#include "util/err.h"

bool idmount_any(const struct taper_spec *spec)
{
	for (size_t i = 0; i < spec->n_mounts; i++)
		if (spec->mounts[i].idmap)
			return true;
	return false;
}

int idmount_set_new(const struct taper_spec *spec, int **ret, struct taper_err *err)
{
	int *t;

	*ret = NULL;
	if (!idmount_any(spec))
		return 0;
	t = malloc(spec->n_mounts * sizeof(*t));
	if (!t)
		return err_set(err, ENOMEM, "idmapped mounts");
	for (size_t i = 0; i < spec->n_mounts; i++)
		t[i] = -1;
	*ret = t;
	return 0;
}

void idmount_set_free(int *trees, size_t n)
{
	if (!trees)
		return;
	for (size_t i = 0; i < n; i++)
		safe_close(trees[i]);
	free(trees);
}

/* Why mount_setattr() refused an idmap, in the terms of the mount. */
static int idmap_failed(const struct taper_mount *m, int e, struct taper_err *err)
{
	const char *why = e == EINVAL       ? "its filesystem cannot be idmapped"
			  : e == ENOSYS     ? "this kernel has no mount_setattr() (Linux 5.12)"
			  : e == EOPNOTSUPP ? "its filesystem cannot be idmapped"
			  : e == EPERM      ? "not permitted (an idmapped mount below it, or no privilege "
					      "over its filesystem)"
					    : NULL;

	if (why)
		return err_set(err, e, "idmapped mount %s on %s: %s", m->source, m->target, why);
	return err_set(err, e, "idmapped mount %s on %s", m->source, m->target);
}

static int idmapped_tree(const struct taper_mount *m, int ns, struct taper_err *err)
{
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)ns };
	bool rec = m->flags & TAPER_MOUNT_RECURSIVE;
	_cleanup_close_ int tree = -1;

	tree = open_tree(AT_FDCWD, m->source, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (rec ? AT_RECURSIVE : 0));
	if (tree < 0)
		return err_set(err, errno, "bind source %s", m->source);
	if (mount_setattr(tree, "", AT_EMPTY_PATH | (m->idmap == TAPER_IDMAP_RECURSIVE ? AT_RECURSIVE : 0),
			  &attr, sizeof(attr)) < 0)
		return idmap_failed(m, errno, err);
	return TAKE_FD(tree);
}

int idmount_trees(const struct taper_spec *spec, pid_t pid, int *trees, struct taper_err *err)
{
	_cleanup_close_ int own = -1;

	for (size_t i = 0; i < spec->n_mounts; i++) {
		const struct taper_mount *m = &spec->mounts[i];
		_cleanup_close_ int maps = -1;
		struct stat st;
		int ns;

		if (!m->idmap)
			continue;
		if (stat(m->source, &st) < 0) {
			if (errno == ENOENT && (m->flags & TAPER_MOUNT_OPTIONAL))
				continue;
			return err_set(err, errno, "bind source %s", m->source);
		}
		if (m->n_uid_map) {
			maps = userns_fd_with_maps(m->uid_map, m->n_uid_map, m->gid_map, m->n_gid_map, err);
			if (maps < 0)
				return err_wrap(err, "idmapped mount %s on %s", m->source, m->target);
			ns = maps;
		} else {
			if (own < 0) {
				char path[64];

				snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
				own = open(path, O_RDONLY | O_CLOEXEC);
				if (own < 0)
					return err_set(err, errno, "open %s", path);
			}
			ns = own;
		}
		if ((trees[i] = idmapped_tree(m, ns, err)) < 0)
			return trees[i];
	}
	return 0;
}

int idmount_send(int sock, const struct taper_spec *spec, int *trees, struct taper_err *err)
{
	struct run_msg msg = { .kind = RUN_MSG_MOUNT_TREE };

	for (size_t i = 0; i < spec->n_mounts; i++) {
		int r;

		if (!spec->mounts[i].idmap)
			continue;
		if ((r = run_msg_send(sock, &msg, sizeof(msg.kind), trees[i])) < 0)
			return err_set(err, r, "hand idmapped mount %s to the container's init",
				       spec->mounts[i].target);
		trees[i] = safe_close(trees[i]);
	}
	return 0;
}
