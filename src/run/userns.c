/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * userns.c — id maps of a new user namespace, written by the parent.
 *
 * The child cannot write its own maps beyond its own id; the parent, as
 * root in the initial namespace, writes uid_map and gid_map while the child
 * waits on the sync socket. "deny" goes to setgroups only when the parent
 * lacks CAP_SETGID over the namespace (an unprivileged caller), as the
 * kernel then requires it before gid_map.
 *
 * Before any of that, the rootfs is checked: a rootfs whose top directory
 * belongs to a host uid the map does not cover would appear owned by
 * "nobody" inside, and root in the container could not write to it. That
 * is refused early with a message that says which id is missing.
 *
 * With spec->rootfs_idmap the rootfs is not shown as it is on disk but
 * through an idmapped mount (mount_setattr(MOUNT_ATTR_IDMAP) with the
 * container's user namespace): on-disk id N appears as container id N, so
 * a tree owned by host root appears owned by the container's root, and
 * what the container writes lands on disk with unshifted ids. Only a
 * process privileged over the filesystem (host root) may idmap a mount, so
 * the parent builds the detached tree once the maps are written and sends
 * it to the child, which attaches it in its own mount namespace. The
 * check then applies to the on-disk ids as container ids.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "run/run-internal.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"

static bool maps_container_id(const struct taper_idmap *map, size_t n, uint32_t id)
{
	for (size_t i = 0; i < n; i++)
		if (id >= map[i].container_id && id - map[i].container_id < map[i].count)
			return true;
	return false;
}

int userns_check_rootfs(const struct taper_spec *spec, int rootfs_fd, struct taper_err *err)
{
	struct stat st;

	if (spec->n_uid_map == 0 || spec->n_gid_map == 0)
		return taper_err_set(err, 0, "user namespace without uid and gid maps");
	if (!maps_container_id(spec->uid_map, spec->n_uid_map, spec->process.uid))
		return taper_err_set(err, 0, "user %u is not mapped in the user namespace",
				     (unsigned)spec->process.uid);
	if (!maps_container_id(spec->gid_map, spec->n_gid_map, spec->process.gid))
		return taper_err_set(err, 0, "group %u is not mapped in the user namespace",
				     (unsigned)spec->process.gid);
	if (fstat(rootfs_fd, &st) < 0)
		return taper_err_set(err, errno, "stat rootfs %s", spec->rootfs);
	if (spec->rootfs_idmap) {
		if (!maps_container_id(spec->uid_map, spec->n_uid_map, st.st_uid) ||
		    !maps_container_id(spec->gid_map, spec->n_gid_map, st.st_gid))
			return taper_err_set(err, 0,
					     "rootfs %s is owned by %u:%u, which the id maps do not cover "
					     "as container ids",
					     spec->rootfs, (unsigned)st.st_uid, (unsigned)st.st_gid);
		return 0;
	}
	/* Name the range root maps to: that is where the tree must go. */
	if (!spec_idmap_has_host_id(spec->uid_map, spec->n_uid_map, st.st_uid))
		return taper_err_set(
			err, 0,
			"rootfs %s is owned by host uid %u, outside the uid map (root is host uid "
			"%u): show it through an idmapped mount, or chown the tree into the range",
			spec->rootfs, (unsigned)st.st_uid, (unsigned)spec->uid_map[0].host_id);
	if (!spec_idmap_has_host_id(spec->gid_map, spec->n_gid_map, st.st_gid))
		return taper_err_set(
			err, 0,
			"rootfs %s is owned by host gid %u, outside the gid map (root is host gid "
			"%u): show it through an idmapped mount, or chown the tree into the range",
			spec->rootfs, (unsigned)st.st_gid, (unsigned)spec->gid_map[0].host_id);
	return 0;
}

int userns_host_id(const struct taper_idmap *map, size_t n, uint32_t id, uint32_t *ret)
{
	for (size_t i = 0; i < n; i++)
		if (id >= map[i].container_id && id - map[i].container_id < map[i].count) {
			*ret = map[i].host_id + (id - map[i].container_id);
			return 0;
		}
	return -ENOENT;
}

static int format_map(const struct taper_idmap *map, size_t n, char *buf, size_t size)
{
	size_t len = 0;

	for (size_t i = 0; i < n; i++) {
		int w = snprintf(buf + len, size - len, "%u %u %u\n", map[i].container_id, map[i].host_id,
				 map[i].count);
		if (w < 0 || (size_t)w >= size - len)
			return -E2BIG;
		len += (size_t)w;
	}
	return 0;
}

int userns_write_maps(const struct taper_spec *spec, pid_t pid, struct taper_err *err)
{
	char path[64], buf[4096];
	_cleanup_close_ int dir = -1;
	int r;

	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	dir = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return taper_err_set(err, errno, "open %s", path);
	if ((r = format_map(spec->uid_map, spec->n_uid_map, buf, sizeof(buf))) < 0 ||
	    (r = write_file_at(dir, "uid_map", buf)) < 0)
		return taper_err_set(err, r, "write uid_map of %d", (int)pid);
	if (geteuid() != 0 && (r = write_file_at(dir, "setgroups", "deny")) < 0)
		return taper_err_set(err, r, "write setgroups of %d", (int)pid);
	if ((r = format_map(spec->gid_map, spec->n_gid_map, buf, sizeof(buf))) < 0 ||
	    (r = write_file_at(dir, "gid_map", buf)) < 0)
		return taper_err_set(err, r, "write gid_map of %d", (int)pid);
	return 0;
}

int userns_idmapped_rootfs(const struct taper_spec *spec, pid_t pid, struct taper_err *err)
{
	_cleanup_close_ int ns = -1, tree = -1;
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP };
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
	ns = open(path, O_RDONLY | O_CLOEXEC);
	if (ns < 0)
		return taper_err_set(err, errno, "open %s", path);
	tree = open_tree(AT_FDCWD, spec->rootfs, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
	if (tree < 0)
		return taper_err_set(err, errno, "clone rootfs %s", spec->rootfs);
	attr.userns_fd = (uint64_t)ns;
	if (mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) < 0) {
		if (errno == EINVAL)
			return taper_err_set(err, EINVAL,
					     "idmap rootfs %s: its filesystem cannot be idmapped (set "
					     "rootfs.idmap = false and chown the tree into the id map)",
					     spec->rootfs);
		return taper_err_set(err, errno, "idmap rootfs %s", spec->rootfs);
	}
	return TAKE_FD(tree);
}
