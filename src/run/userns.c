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
#include <linux/nsfs.h>
#include <linux/securebits.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/fsuid.h>
#include <sys/mount.h>
#include <sys/prctl.h>
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
		return err_set(err, 0, "user namespace without uid and gid maps");
	if (!maps_container_id(spec->uid_map, spec->n_uid_map, spec->process.uid))
		return err_set(err, 0, "user %u is not mapped in the user namespace",
			       (unsigned)spec->process.uid);
	if (!maps_container_id(spec->gid_map, spec->n_gid_map, spec->process.gid))
		return err_set(err, 0, "group %u is not mapped in the user namespace",
			       (unsigned)spec->process.gid);
	if (fstat(rootfs_fd, &st) < 0)
		return err_set(err, errno, "stat rootfs %s", spec->rootfs);
	if (spec->rootfs_idmap) {
		if (!maps_container_id(spec->uid_map, spec->n_uid_map, st.st_uid) ||
		    !maps_container_id(spec->gid_map, spec->n_gid_map, st.st_gid))
			return err_set(err, 0,
				       "rootfs %s is owned by %u:%u, which the id maps do not cover "
				       "as container ids",
				       spec->rootfs, (unsigned)st.st_uid, (unsigned)st.st_gid);
		return 0;
	}
	/* Name the range root maps to: that is where the tree must go. */
	if (!spec_idmap_has_host_id(spec->uid_map, spec->n_uid_map, st.st_uid))
		return err_set(err, 0,
			       "rootfs %s is owned by host uid %u, outside the uid map (root is host uid "
			       "%u): show it through an idmapped mount, or chown the tree into the range",
			       spec->rootfs, (unsigned)st.st_uid, (unsigned)spec->uid_map[0].host_id);
	if (!spec_idmap_has_host_id(spec->gid_map, spec->n_gid_map, st.st_gid))
		return err_set(err, 0,
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

static int write_idmaps(pid_t pid, const struct taper_idmap *uid_map, size_t n_uid,
			const struct taper_idmap *gid_map, size_t n_gid, struct taper_err *err)
{
	char path[64], buf[4096];
	_cleanup_close_ int dir = -1;
	int r;

	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	dir = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return err_set(err, errno, "open %s", path);
	if ((r = format_map(uid_map, n_uid, buf, sizeof(buf))) < 0 ||
	    (r = write_file_at(dir, "uid_map", buf)) < 0)
		return err_set(err, r, "write uid_map of %d", (int)pid);
	if (geteuid() != 0 && (r = write_file_at(dir, "setgroups", "deny")) < 0)
		return err_set(err, r, "write setgroups of %d", (int)pid);
	if ((r = format_map(gid_map, n_gid, buf, sizeof(buf))) < 0 ||
	    (r = write_file_at(dir, "gid_map", buf)) < 0)
		return err_set(err, r, "write gid_map of %d", (int)pid);
	return 0;
}

int userns_write_maps(const struct taper_spec *spec, pid_t pid, struct taper_err *err)
{
	return write_idmaps(pid, spec->uid_map, spec->n_uid_map, spec->gid_map, spec->n_gid_map, err);
}

int userns_fd_with_maps(const struct taper_idmap *uid_map, size_t n_uid, const struct taper_idmap *gid_map,
			size_t n_gid, struct taper_err *err)
{
	struct nsholder h;
	char path[64];
	int fd, r;

	if ((r = nsholder_start(-1, &h, err)) < 0)
		return r;
	if ((r = write_idmaps(h.pid, uid_map, n_uid, gid_map, n_gid, err)) < 0) {
		nsholder_release(&h);
		return r;
	}
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)h.pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	r = fd < 0 ? err_set(err, errno, "open %s", path) : fd;
	nsholder_release(&h);
	return r;
}

/* "inside outside count" lines of /proc/PID/uid_map, read from our
 * namespace: outside is a host id. */
static int read_map(int dir, const char *name, struct taper_idmap **map, size_t *n)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r;

	if ((r = read_file_at(dir, name, 65536, &text, &len)) < 0)
		return r;
	for (char *line = text, *next; line && *line; line = next) {
		unsigned cid, hid, count;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (sscanf(line, "%u %u %u", &cid, &hid, &count) != 3)
			return -EINVAL;
		if ((r = spec_add_idmap(map, n, cid, hid, count)) < 0)
			return r;
	}
	return 0;
}

int userns_read_maps(const char *ns_path, struct taper_idmap **uid_map, size_t *n_uid,
		     struct taper_idmap **gid_map, size_t *n_gid, struct taper_err *err)
{
	_cleanup_close_ int ns = -1, dir = -1;
	struct nsholder h;
	struct stat a, b;
	char path[64];
	int r;

	ns = open(ns_path, O_RDONLY | O_CLOEXEC);
	if (ns < 0)
		return err_set(err, errno, "user namespace %s", ns_path);
	if (ioctl(ns, NS_GET_NSTYPE) != CLONE_NEWUSER)
		return err_set(err, EINVAL, "user namespace %s: not a user namespace", ns_path);
	/* The kernel lets no process re-enter its own (it would regain every
	 * capability there). */
	if (fstat(ns, &a) == 0 && stat("/proc/self/ns/user", &b) == 0 && a.st_dev == b.st_dev &&
	    a.st_ino == b.st_ino)
		return err_set(err, 0,
			       "user namespace %s is the runtime's own: leave the path out to "
			       "share it, or give none to make one",
			       ns_path);
	if ((r = nsholder_start(ns, &h, err)) < 0)
		return err_wrap(err, "user namespace %s", ns_path);
	snprintf(path, sizeof(path), "/proc/%d", (int)h.pid);
	dir = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	r = dir < 0 ? -errno : read_map(dir, "uid_map", uid_map, n_uid);
	if (r == 0)
		r = read_map(dir, "gid_map", gid_map, n_gid);
	nsholder_release(&h);
	if (r < 0)
		return err_set(err, -r, "id maps of user namespace %s", ns_path);
	if (!*n_uid || !*n_gid)
		return err_set(err, 0, "user namespace %s has no %s map yet", ns_path,
			       *n_uid ? "gid" : "uid");
	return 0;
}

/* A detached clone of path idmapped with ns. It stays mounted (in an
 * anonymous mount namespace) only while this fd is open: overlayfs
 * refuses a layer that is not. */
static int idmapped_tree(const char *path, int ns, struct taper_err *err)
{
	_cleanup_close_ int tree = -1;
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)ns };

	tree = open_tree(AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (tree < 0)
		return err_set(err, errno, "clone layer %s", path);
	if (mount_setattr(tree, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0)
		return err_set(err, errno, "idmap layer %s", path);
	return TAKE_FD(tree);
}

/* A directory of tree as an fsconfig() layer: a real open file, not
 * open_tree()'s O_PATH one. */
static int layer_dir(int tree, const char *name, const char *tree_path, struct taper_err *err)
{
	int fd = openat(tree, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return err_set(err, errno, "open layer %s/%s", tree_path, name);
	return fd;
}

/* The kernel's last message about a filesystem context ("e overlayfs:
 * ..."), without its level: why fsconfig() failed, in its words. */
static const char *fs_log(int fs, char *buf, size_t size)
{
	ssize_t n;
	const char *last = "";

	while ((n = read(fs, buf, size - 1)) > 0) {
		buf[n] = '\0';
		last = n > 2 && buf[1] == ' ' ? buf + 2 : buf;
	}
	return last;
}

/* overlayfs works in upper/ and work/ (its work directory, copy-ups) with
 * the credentials of the process that creates it. Host root's fsuid 0 has
 * no id in idmapped layers (EOVERFLOW, and the overlay falls back to
 * read-only), so it is created with container root's host ids as fsuid
 * and fsgid, every capability kept (SECBIT_NO_SETUID_FIXUP), and ours
 * restored at once. */
static int create_as(int fs, uid_t uid, gid_t gid)
{
	int bits = prctl(PR_GET_SECUREBITS, 0, 0, 0, 0), r = 0;
	uid_t old_uid;
	gid_t old_gid;

	if (bits < 0 || prctl(PR_SET_SECUREBITS, bits | SECBIT_NO_SETUID_FIXUP, 0, 0, 0) < 0)
		return -errno;
	old_gid = (gid_t)setfsgid(gid);
	old_uid = (uid_t)setfsuid(uid);
	if ((uid_t)setfsuid((uid_t)-1) != uid || (gid_t)setfsgid((gid_t)-1) != gid)
		r = -EPERM;
	else if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		r = -errno;
	(void)setfsuid(old_uid);
	(void)setfsgid(old_gid);
	(void)prctl(PR_SET_SECUREBITS, bits, 0, 0, 0);
	return r;
}

/* A snapshot's rootfs: an overlay mount cannot itself be idmapped (EINVAL),
 * but its layers can, and overlayfs takes its layers as fds (fsconfig()
 * FSCONFIG_SET_FD, Linux 6.13): the lower tree, and one idmapped clone of
 * overlay_dir for upper/ and work/, which must share a mount. The
 * overlay's files then appear with container ids, and what the container
 * writes lands in upper/ with the ids it has on disk. */
static int idmapped_overlay(const struct taper_spec *spec, int ns, struct taper_err *err)
{
	_cleanup_close_ int lower_tree = -1, dir_tree = -1, lower = -1, upper = -1, work = -1, fs = -1;
	char msg[256];
	uint32_t uid, gid;
	int tree, r;

	if ((lower_tree = idmapped_tree(spec->overlay_lower, ns, err)) < 0 ||
	    (dir_tree = idmapped_tree(spec->overlay_dir, ns, err)) < 0 ||
	    (lower = layer_dir(lower_tree, ".", spec->overlay_lower, err)) < 0 ||
	    (upper = layer_dir(dir_tree, "upper", spec->overlay_dir, err)) < 0 ||
	    (work = layer_dir(dir_tree, "work", spec->overlay_dir, err)) < 0)
		return err_ret(err);
	fs = fsopen("overlay", FSOPEN_CLOEXEC);
	if (fs < 0)
		return err_set(err, errno, "overlay of idmapped layers");
	if (fsconfig(fs, FSCONFIG_SET_FD, "lowerdir+", NULL, lower) < 0 ||
	    fsconfig(fs, FSCONFIG_SET_FD, "upperdir", NULL, upper) < 0 ||
	    fsconfig(fs, FSCONFIG_SET_FD, "workdir", NULL, work) < 0)
		return err_set(err, errno,
			       "overlay of idmapped layers: this kernel takes no layers as fds "
			       "(Linux 6.13 does)");
	if (userns_host_id(spec->uid_map, spec->n_uid_map, 0, &uid) < 0 ||
	    userns_host_id(spec->gid_map, spec->n_gid_map, 0, &gid) < 0)
		return err_set(err, EINVAL, "overlay of idmapped layers: the id map has no root");
	if ((r = create_as(fs, uid, gid)) < 0) {
		const char *why = fs_log(fs, msg, sizeof(msg));

		return err_set(err, r, "overlay of idmapped layers %s and %s%s%s", spec->overlay_lower,
			       spec->overlay_dir, *why ? ": " : "", why);
	}
	tree = fsmount(fs, FSMOUNT_CLOEXEC, 0);
	if (tree < 0)
		return err_set(err, errno, "mount overlay of idmapped layers");
	return tree;
}

int userns_idmapped_rootfs(const struct taper_spec *spec, pid_t pid, struct taper_err *err)
{
	_cleanup_close_ int ns = -1, tree = -1;
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP };
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
	ns = open(path, O_RDONLY | O_CLOEXEC);
	if (ns < 0)
		return err_set(err, errno, "open %s", path);
	if (spec->overlay_dir)
		return idmapped_overlay(spec, ns, err);
	tree = open_tree(AT_FDCWD, spec->rootfs, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
	if (tree < 0)
		return err_set(err, errno, "clone rootfs %s", spec->rootfs);
	attr.userns_fd = (uint64_t)ns;
	if (mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) < 0) {
		if (errno == EINVAL)
			return err_set(err, EINVAL,
				       "idmap rootfs %s: its filesystem cannot be idmapped (set "
				       "rootfs.idmap = false and chown the tree into the id map)",
				       spec->rootfs);
		return err_set(err, errno, "idmap rootfs %s", spec->rootfs);
	}
	return TAKE_FD(tree);
}
