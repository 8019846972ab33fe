/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * clone.c — taper_container_clone(): a full copy or an overlay snapshot.
 *
 * The full copy walks the source tree by dirfd, never following a symlink
 * (every open is O_NOFOLLOW, every stat AT_SYMLINK_NOFOLLOW), opens no
 * file that is not regular (root_open_regular), keeps holes (copy_fd: a
 * sparse file stays sparse, reflinked where the filesystem can), and keeps
 * owners, modes (set after chown, which clears set-id bits), extended
 * attributes (ACLs and file capabilities included), times, hard links
 * (an inode map), device nodes, fifos and symlinks. It runs in a child in
 * a private mount namespace so that a snapshot source can be copied
 * through its overlay. A snapshot gets overlay/{lower,upper,work} and
 * shares the source's rootfs read-only (overlay.c mounts it at start).
 * Either way the new container is built in the store's hidden temporary
 * directory and appears only when complete.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "container/container.h"
#include "container/idrange.h"
#include "util/child.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/strv.h"

struct hardlink {
	dev_t dev;
	ino_t ino;
	char *path; /* relative to the destination root */
};

struct copier {
	int dst_root;
	struct hardlink *links;
	size_t n_links;
};

static int copy_xattrs(int src, int dst, const char *what, struct taper_err *err)
{
	char names[65536], value[65536];
	ssize_t n = flistxattr(src, names, sizeof(names));

	if (n < 0)
		return errno == ENOTSUP ? 0 : err_set(err, errno, "list xattrs of %s", what);
	for (char *k = names; k < names + n; k += strlen(k) + 1) {
		ssize_t v = fgetxattr(src, k, value, sizeof(value));

		if (v < 0)
			return err_set(err, errno, "xattr %s of %s", k, what);
		if (fsetxattr(dst, k, value, (size_t)v, 0) < 0 && errno != ENOTSUP)
			return err_set(err, errno, "set xattr %s on %s", k, what);
	}
	return 0;
}

/* Owner, then mode, xattrs and times of an open destination. */
static int copy_meta(int src, int dst, const struct stat *st, const char *what, struct taper_err *err)
{
	struct timespec ts[2] = { st->st_atim, st->st_mtim };
	int r;

	if (fchown(dst, st->st_uid, st->st_gid) < 0)
		return err_set(err, errno, "chown %s", what);
	if (fchmod(dst, st->st_mode & 07777) < 0)
		return err_set(err, errno, "chmod %s", what);
	if ((r = copy_xattrs(src, dst, what, err)) < 0)
		return r;
	if (futimens(dst, ts) < 0)
		return err_set(err, errno, "times of %s", what);
	return 0;
}

static int copy_dir(struct copier *c, int src_dir, int dst_dir, const char *rel, struct taper_err *err);

static int copy_entry(struct copier *c, int src_dir, int dst_dir, const char *name, const char *rel,
		      struct taper_err *err)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_close_ int s = -1, d = -1;
	struct stat st;
	int r;

	if (asprintf(&path, "%s%s%s", rel, *rel ? "/" : "", name) < 0)
		return err_set(err, ENOMEM, "copy");
	if (fstatat(src_dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return err_set(err, errno, "stat %s", path);
	if (!S_ISDIR(st.st_mode) && st.st_nlink > 1) {
		for (size_t i = 0; i < c->n_links; i++)
			if (c->links[i].dev == st.st_dev && c->links[i].ino == st.st_ino) {
				if (linkat(c->dst_root, c->links[i].path, dst_dir, name, 0) < 0)
					return err_set(err, errno, "link %s", path);
				return 0;
			}
		struct hardlink *l = realloc(c->links, (c->n_links + 1) * sizeof(*l));

		if (!l)
			return err_set(err, ENOMEM, "copy");
		c->links = l;
		c->links[c->n_links++] =
			(struct hardlink){ .dev = st.st_dev, .ino = st.st_ino, .path = strdup(path) };
		if (!c->links[c->n_links - 1].path)
			return err_set(err, ENOMEM, "copy");
	}
	if (S_ISDIR(st.st_mode)) {
		if (mkdirat(dst_dir, name, 0700) < 0)
			return err_set(err, errno, "mkdir %s", path);
		s = openat(src_dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		d = openat(dst_dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (s < 0 || d < 0)
			return err_set(err, errno, "open %s", path);
		if ((r = copy_dir(c, s, d, path, err)) < 0)
			return r;
		return copy_meta(s, d, &st, path, err);
	}
	if (S_ISREG(st.st_mode)) {
		/* Opened only if still a regular file: never a fifo, never a device. */
		s = root_open_regular(src_dir, name, O_RDONLY, err);
		if (s < 0)
			return err_wrap(err, "copy %s", path);
		d = openat(dst_dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (d < 0)
			return err_set(err, errno, "open %s", path);
		if ((r = copy_fd(s, d)) < 0)
			return err_set(err, r, "copy %s", path);
		return copy_meta(s, d, &st, path, err);
	}
	if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlinkat(src_dir, name, target, sizeof(target) - 1);
		struct timespec ts[2] = { st.st_atim, st.st_mtim };

		if (n < 0)
			return err_set(err, errno, "readlink %s", path);
		target[n] = '\0';
		if (symlinkat(target, dst_dir, name) < 0 ||
		    fchownat(dst_dir, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0 ||
		    utimensat(dst_dir, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
			return err_set(err, errno, "symlink %s", path);
		return 0;
	}
	/* Devices, fifos, sockets: the node itself, never its contents. */
	if (mknodat(dst_dir, name, st.st_mode & (S_IFMT | 0600), st.st_rdev) < 0)
		return err_set(err, errno, "mknod %s", path);
	s = openat(src_dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	d = openat(dst_dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (s < 0 || d < 0)
		return err_set(err, errno, "open %s", path);
	{
		struct timespec ts[2] = { st.st_atim, st.st_mtim };

		if (fchownat(d, "", st.st_uid, st.st_gid, AT_EMPTY_PATH) < 0 ||
		    fchmodat(dst_dir, name, st.st_mode & 07777, 0) < 0 ||
		    utimensat(dst_dir, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
			return err_set(err, errno, "node %s", path);
	}
	return 0;
}

static int copy_dir(struct copier *c, int src_dir, int dst_dir, const char *rel, struct taper_err *err)
{
	_cleanup_closedir_ DIR *d = NULL;
	int fd = dup(src_dir);
	struct dirent *de;

	if (fd < 0 || !(d = fdopendir(fd))) {
		safe_close(fd);
		return err_set(err, errno, "read %s", *rel ? rel : "/");
	}
	while ((errno = 0, de = readdir(d))) {
		int r;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if ((r = copy_entry(c, src_dir, dst_dir, de->d_name, rel, err)) < 0)
			return r;
	}
	return errno ? err_set(err, errno, "read %s", *rel ? rel : "/") : 0;
}

static int copy_tree(int src_root, int dst_root, struct taper_err *err)
{
	struct copier c = { .dst_root = dst_root };
	struct stat st;
	int r = copy_dir(&c, src_root, dst_root, "", err);

	if (r == 0 && fstat(src_root, &st) == 0)
		r = copy_meta(src_root, dst_root, &st, "/", err);
	for (size_t i = 0; i < c.n_links; i++)
		free(c.links[i].path);
	free(c.links);
	return r;
}

struct copy_args {
	struct taper_store *store;
	const char *src, *src_root;
	int dst_root;
};

static int copy_child(void *arg, int report_fd, struct taper_err *err)
{
	const struct copy_args *a = arg;
	_cleanup_close_ int sr = -1;
	int r;

	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return err_set(err, errno, "private mount namespace");
	if (a->src && (r = container_mount_overlay(a->store, a->src, err)) < 0)
		return r;
	sr = open(a->src_root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sr < 0)
		return err_set(err, errno, "rootfs %s", a->src_root);
	return copy_tree(sr, a->dst_root, err);
}

int container_copy_rootfs(struct taper_store *s, const char *src, const char *src_root, int dst_root,
			  struct taper_err *err)
{
	struct copy_args a = { s, src, src_root, dst_root };
	int r = child_run(copy_child, &a, &(struct child_opts){ .what = "copy" }, err);

	return r < 0 ? err_wrap(err, "copy rootfs") : 0;
}

int container_clone_config(struct taper_store *s, int src_fd, int dst_fd, const char *src, const char *dst,
			   struct taper_err *err)
{
	_cleanup_(config_freep) struct taper_config *c = NULL;
	_cleanup_strv_free_ char **host = NULL;
	_cleanup_free_ char *prefix = NULL, *header = NULL;
	int r;

	if ((r = config_load_at(src_fd, STORE_CONFIG_FILE, src, &c, err)) < 0)
		return r;
	/* The source's "# SRC: created by ..." would tell a lie here. */
	if (asprintf(&prefix, "# %s: ", src) < 0 || asprintf(&header, "# %s: copy of %s", dst, src) < 0 ||
	    config_replace_header(c, prefix, header) < 0)
		return err_set(err, ENOMEM, "config");
	if ((r = config_set(c, "rootfs.path", STORE_ROOTFS_DIR, err)) < 0)
		return r;
	if (config_get(c, "uts.name", &host) == 0 && host[0] && strcmp(host[0], src) == 0 &&
	    (r = config_set(c, "uts.name", dst, err)) < 0)
		return r;
	if (idrange_is_assigned(c) && (r = idrange_assign(s, c, NULL, NULL, err)) < 0)
		return r;
	return config_save_at(c, dst_fd, STORE_CONFIG_FILE, err);
}

static int snapshot_dirs(struct store_create *sc, const char *src, struct taper_err *err)
{
	_cleanup_close_ int od = -1;
	int d = store_create_dirfd(sc), r;

	if (mkdirat(d, CONTAINER_OVERLAY_DIR, 0700) < 0 ||
	    mkdirat(d, CONTAINER_OVERLAY_DIR "/upper", 0755) < 0 ||
	    mkdirat(d, CONTAINER_OVERLAY_DIR "/work", 0700) < 0)
		return err_set(err, errno, "overlay directories");
	od = openat(d, CONTAINER_OVERLAY_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (od < 0)
		return err_set(err, errno, "overlay directory");
	if ((r = write_file_atomic_at(od, "lower", src, strlen(src), 0600)) < 0)
		return err_set(err, r, "overlay/lower");
	return 0;
}

/* "ephemeral = true" in the new container's config (ephemeral.c). */
static int mark_ephemeral(int dfd, struct taper_err *err)
{
	_cleanup_(config_freep) struct taper_config *c = NULL;
	int r;

	if ((r = config_load_at(dfd, STORE_CONFIG_FILE, STORE_CONFIG_FILE, &c, err)) < 0 ||
	    (r = config_set(c, "ephemeral", "true", err)) < 0)
		return r;
	return config_save_at(c, dfd, STORE_CONFIG_FILE, err);
}

static int clone_locked(struct taper_store *s, const char *src, const char *dst, unsigned flags,
			struct taper_err *err)
{
	bool snapshot = flags & (CONTAINER_CLONE_OVERLAY | CONTAINER_CLONE_OVERLAY_IF_CAN);
	_cleanup_(store_create_freep) struct store_create *sc = NULL;
	_cleanup_(spec_freep) struct taper_spec *spec = NULL;
	_cleanup_close_ int src_fd = -1, dst_root = -1, probe_lower = -1, ids = -1;
	struct container_probe pr;
	enum taper_state state;
	int r;

	if ((r = store_open_container(s, src, &src_fd, err)) < 0)
		return r;
	if ((r = container_probe(s, src, &pr)) < 0)
		return err_set(err, r, "container \"%s\": state", src);
	state = pr.state;
	container_probe_clear(&pr);
	if (state != TAPER_STATE_STOPPED)
		return err_plain(err, EBUSY, "container \"%s\" is %s; stop it first", src,
				 taper_state_name(state));
	if ((r = config_load_container(s, src, &spec, NULL, err)) < 0)
		return r;
	probe_lower = openat(src_fd, CONTAINER_OVERLAY_DIR, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	/* No overlay on an overlay: a full copy then. An idmapped rootfs takes
	 * one (its layers are idmapped, the overlay is not: overlay.c). */
	if (snapshot && (flags & CONTAINER_CLONE_OVERLAY_IF_CAN) && probe_lower >= 0)
		snapshot = false;
	else if (snapshot && probe_lower >= 0)
		return err_plain(err, EOPNOTSUPP,
				 "container \"%s\" is a snapshot itself; clone it in full first", src);
	if ((r = store_create_begin(s, dst, &sc, err)) < 0)
		return r == -EEXIST ? err_plain(err, EEXIST, "container \"%s\" already exists", dst) : r;
	if (snapshot) {
		if ((r = snapshot_dirs(sc, src, err)) < 0)
			return r;
	} else {
		dst_root = openat(store_create_dirfd(sc), STORE_ROOTFS_DIR,
				  O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (dst_root < 0)
			return err_set(err, errno, "new rootfs");
		if ((r = container_copy_rootfs(s, src, spec->rootfs, dst_root, err)) < 0)
			return r;
	}
	if ((r = store_lock_ids(s, &ids, err)) < 0 ||
	    (r = container_clone_config(s, src_fd, store_create_dirfd(sc), src, dst, err)) < 0)
		return r;
	if ((flags & CONTAINER_CLONE_EPHEMERAL) && (r = mark_ephemeral(store_create_dirfd(sc), err)) < 0)
		return r;
	return store_create_commit(sc, err);
}

TAPER_EXPORT int taper_container_clone(struct taper_store *s, const char *src, const char *dst, bool snapshot,
				       struct taper_err *err)
{
	return container_clone(s, src, dst, snapshot ? CONTAINER_CLONE_OVERLAY : 0, err);
}

int container_clone(struct taper_store *s, const char *src, const char *dst, unsigned flags,
		    struct taper_err *err)
{
	_cleanup_close_ int la = -1, lb = -1;
	int r;

	if ((r = store_check_name(src, err)) < 0 || (r = store_check_name(dst, err)) < 0)
		return r;
	if (strcmp(src, dst) == 0)
		return err_plain(err, EINVAL, "container \"%s\": source and destination are the same", src);
	if ((r = store_lock2(s, src, dst, true, &la, &lb, err)) < 0)
		return container_err(err, src);
	r = clone_locked(s, src, dst, flags, err);
	store_unlock(s, dst, TAKE_FD(lb));
	/* A failure about the new one names it; any other is the source's. */
	if (r < 0 && !container_err_names(err, dst))
		return container_err(err, src);
	return r < 0 ? r : 0;
}
