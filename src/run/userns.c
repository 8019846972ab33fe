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
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "run/run-internal.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"

/* Does the map cover host id `id`? */
bool userns_maps_id(const struct taper_idmap *map, size_t n, uint32_t id)
{
	for (size_t i = 0; i < n; i++)
		if (id >= map[i].host_id && id - map[i].host_id < map[i].count)
			return true;
	return false;
}

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
	if (!userns_maps_id(spec->uid_map, spec->n_uid_map, st.st_uid))
		return taper_err_set(err, 0,
				     "rootfs %s is owned by host uid %u, which the uid map does not cover "
				     "(chown it into the mapped range)",
				     spec->rootfs, (unsigned)st.st_uid);
	if (!userns_maps_id(spec->gid_map, spec->n_gid_map, st.st_gid))
		return taper_err_set(err, 0,
				     "rootfs %s is owned by host gid %u, which the gid map does not cover",
				     spec->rootfs, (unsigned)st.st_gid);
	return 0;
}

static int format_map(const struct taper_idmap *map, size_t n, char *buf, size_t size)
{
	size_t len = 0;

	for (size_t i = 0; i < n; i++) {
		int w = snprintf(buf + len, size - len, "%u %u %u\n", map[i].container_id,
				 map[i].host_id, map[i].count);
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
