/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * mount.c — mounting onto paths of an untrusted tree.
 *
 * A target inside the container's rootfs is never handed to mount(2) as a
 * path: it is opened with openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)
 * relative to the rootfs fd, so that ".." and absolute symlinks resolve
 * inside the root, and the mount goes onto /proc/self/fd/N of that O_PATH
 * fd (or move_mount() onto the fd itself). A rootfs whose /proc is a
 * symlink to "/" thus gets its own "/" covered, never the host's.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "run/run-internal.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"

static uint64_t resolve_flags(bool no_symlinks)
{
	return RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | (no_symlinks ? RESOLVE_NO_SYMLINKS : 0);
}

/* Create the missing components of path one at a time, each parent opened
 * safely first; the last one as kind says. */
static int create_path(int root_fd, const char *path, enum mnt_target kind, uint64_t resolve)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);
	char *p;

	if (len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	while (len > 1 && buf[len - 1] == '/')
		buf[--len] = '\0';
	p = buf;
	while (*p == '/')
		p++;
	for (;;) {
		char *slash = strchr(p, '/');
		bool last = !slash;
		_cleanup_close_ int parent = -1;
		const char *name;
		int fd;

		if (slash)
			*slash = '\0';
		fd = openat2_resolve(root_fd, buf, O_PATH, 0, resolve);
		if (fd >= 0) {
			safe_close(fd);
		} else if (fd == -ENOENT) {
			char *cut = strrchr(buf, '/');

			if (cut && cut != buf) {
				*cut = '\0';
				parent = openat2_resolve(root_fd, buf, O_PATH | O_DIRECTORY, 0, resolve);
				*cut = '/';
				name = cut + 1;
			} else {
				parent = openat2_resolve(root_fd, "/", O_PATH | O_DIRECTORY, 0, resolve);
				name = cut ? cut + 1 : buf;
			}
			if (parent < 0)
				return parent;
			if (last && kind == MNT_TARGET_FILE) {
				int f = openat(parent, name,
					       O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
				if (f < 0 && errno != EEXIST)
					return -errno;
				safe_close(f);
			} else if (mkdirat(parent, name, 0755) < 0 && errno != EEXIST) {
				return -errno;
			}
		} else {
			return fd;
		}
		if (last)
			return 0;
		*slash = '/';
		p = slash + 1;
	}
}

int mnt_open_target(int root_fd, const char *path, enum mnt_target kind, bool no_symlinks,
		    struct taper_err *err)
{
	uint64_t resolve = resolve_flags(no_symlinks);
	int fd, r;

	fd = openat2_resolve(root_fd, path, O_PATH, 0, resolve);
	if (fd == -ENOENT && kind != MNT_TARGET_EXISTING) {
		r = create_path(root_fd, path, kind, resolve);
		if (r < 0)
			return err_set(err, r, "create mount target %s", path);
		fd = openat2_resolve(root_fd, path, O_PATH, 0, resolve);
	}
	if (fd == -ELOOP && no_symlinks)
		return err_set(err, ELOOP, "refusing mount target %s: it is or crosses a symlink", path);
	if (fd < 0)
		return err_set(err, fd, "open mount target %s", path);
	return fd;
}

int mnt_fs_at(int target_fd, const char *what, const char *source, const char *fstype, unsigned long flags,
	      const char *data, struct taper_err *err)
{
	char proc[64];

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", target_fd);
	if (mount(source ? source : fstype, proc, fstype, flags, data) < 0)
		return err_set(err, errno, "mount %s on %s", fstype, what);
	return 0;
}

int mnt_bind_at(int src_fd, const char *src, int target_fd, const char *what, bool rec, uint64_t attrs,
		struct taper_err *err)
{
	struct mount_attr attr = { .attr_set = attrs };
	_cleanup_close_ int tree = -1;
	unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (rec ? AT_RECURSIVE : 0);

	if (src)
		tree = open_tree(AT_FDCWD, src, flags);
	else
		tree = open_tree(src_fd, "", flags | AT_EMPTY_PATH);
	if (tree < 0)
		return err_set(err, errno, "bind %s on %s", src ? src : "", what);
	if (attrs &&
	    mount_setattr(tree, "", AT_EMPTY_PATH | (rec ? AT_RECURSIVE : 0), &attr, sizeof(attr)) < 0)
		return err_set(err, errno, "set attributes of bind mount %s", what);
	if (move_mount(tree, "", target_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return err_set(err, errno, "bind %s on %s", src ? src : "", what);
	return 0;
}

int mnt_attach_tree(int tree, int target_fd, const char *what, bool rec, uint64_t attrs,
		    struct taper_err *err)
{
	struct mount_attr attr = { .attr_set = attrs };

	if (move_mount(tree, "", target_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return err_set(err, errno, "attach mount on %s", what);
	/* The fd names the mount now in place. */
	if (attrs &&
	    mount_setattr(tree, "", AT_EMPTY_PATH | (rec ? AT_RECURSIVE : 0), &attr, sizeof(attr)) < 0)
		return err_set(err, errno, "set attributes of mount %s", what);
	return 0;
}
