/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dev.c — the container's /dev: a small tmpfs (755, nosuid, noexec) with
 * the standard character devices, a private devpts instance, /dev/shm,
 * /dev/mqueue and the usual symlinks. The host's /dev is never shown.
 *
 * As real root the nodes are made with mknod (cheapest); in a user
 * namespace mknod is refused, so empty files are created and the host's
 * nodes bound over them. The tmpfs is ours, freshly made: names inside it
 * are used with plain *at() calls, no symlink can be there yet.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "run/run-internal.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"

static const struct {
	const char *name;
	unsigned major, minor;
} nodes[] = {
	{ "null", 1, 3 },   { "zero", 1, 5 },    { "full", 1, 7 },
	{ "random", 1, 8 }, { "urandom", 1, 9 }, { "tty", 5, 0 },
};

static const struct {
	const char *name;
	const char *target;
} links[] = {
	{ "fd", "/proc/self/fd" },       { "stdin", "/proc/self/fd/0" }, { "stdout", "/proc/self/fd/1" },
	{ "stderr", "/proc/self/fd/2" }, { "ptmx", "pts/ptmx" },         { "core", "/proc/kcore" },
};

/* A mount point in our own /dev: mkdir (or create a file) and open it. */
static int dev_child(int dev_fd, const char *name, bool file, struct taper_err *err)
{
	int fd;

	if (file) {
		fd = openat(dev_fd, name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0)
			return err_set(err, errno, "create /dev/%s", name);
		safe_close(fd);
	} else if (mkdirat(dev_fd, name, 0755) < 0) {
		return err_set(err, errno, "create /dev/%s", name);
	}
	fd = openat(dev_fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return err_set(err, errno, "open /dev/%s", name);
	return fd;
}

static int make_nodes(const struct run_ctx *ctx, int dev_fd, struct taper_err *err)
{
	for (size_t i = 0; i < ARRAY_SIZE(nodes); i++) {
		char host[32], what[32];
		_cleanup_close_ int fd = -1;

		if (!ctx->userns) {
			if (mknodat(dev_fd, nodes[i].name, S_IFCHR | 0666,
				    makedev(nodes[i].major, nodes[i].minor)) < 0)
				return err_set(err, errno, "mknod /dev/%s", nodes[i].name);
			continue;
		}
		fd = dev_child(dev_fd, nodes[i].name, true, err);
		if (fd < 0)
			return fd;
		snprintf(host, sizeof(host), "/dev/%s", nodes[i].name);
		snprintf(what, sizeof(what), "/dev/%s", nodes[i].name);
		if (mnt_bind_at(-1, host, fd, what, false, 0, err) < 0)
			return err_ret(err);
	}
	return 0;
}

/* One of spec->dev_nodes, after the standard ones (it replaces one of the
 * same path). In a user namespace mknod is refused: the host's node of
 * the same path is bound over an empty file, as runc does. */
static int make_dev_node(const struct run_ctx *ctx, int root_fd, const struct taper_dev_node *d,
			 struct taper_err *err)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(d->path, '/');
	const char *name = slash + 1;
	_cleanup_close_ int parent = -1, fd = -1;
	mode_t type = d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;

	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - d->path), d->path);
	parent = mnt_open_target(root_fd, *dir ? dir : "/", MNT_TARGET_DIR, false, err);
	if (parent < 0)
		return err_wrap(err, "device %s", d->path);
	if (unlinkat(parent, name, 0) < 0 && errno != ENOENT && errno != EBUSY)
		return err_set(err, errno, "device %s: remove the one there", d->path);
	if (!ctx->userns || type == S_IFIFO) {
		if (mknodat(parent, name, type | (d->mode & 07777), makedev(d->major, d->minor)) < 0 &&
		    errno != EEXIST)
			return err_set(err, errno, "mknod %s", d->path);
		if (fchmodat(parent, name, d->mode & 07777, 0) < 0)
			return err_set(err, errno, "chmod %s", d->path);
		if (fchownat(parent, name, d->uid, d->gid, AT_SYMLINK_NOFOLLOW) < 0)
			return err_set(err, errno, "chown %s", d->path);
		return 0;
	}
	fd = openat(parent, name, O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return err_set(err, errno, "create %s", d->path);
	fd = safe_close(fd);
	fd = openat(parent, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return err_set(err, errno, "open %s", d->path);
	return mnt_bind_at(-1, d->path, fd, d->path, false, 0, err);
}

int dev_setup(struct run_ctx *ctx, int root_fd, struct taper_err *err)
{
	_cleanup_close_ int target = -1, dev_fd = -1, fd = -1;
	char opts[96];
	int r;

	target = mnt_open_target(root_fd, "/dev", MNT_TARGET_DIR, true, err);
	if (target < 0)
		return target;
	r = mnt_fs_at(target, "/dev", NULL, "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=755,size=65536k", err);
	if (r < 0)
		return r;
	dev_fd = openat2_in_root(root_fd, "/dev", O_PATH | O_DIRECTORY, 0);
	if (dev_fd < 0)
		return err_set(err, dev_fd, "open /dev");

	r = make_nodes(ctx, dev_fd, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < ARRAY_SIZE(links); i++)
		if (symlinkat(links[i].target, dev_fd, links[i].name) < 0)
			return err_set(err, errno, "symlink /dev/%s", links[i].name);

	fd = dev_child(dev_fd, "pts", false, err);
	if (fd < 0)
		return fd;
	snprintf(opts, sizeof(opts), "newinstance,ptmxmode=0666,mode=0620%s",
		 ctx->gid5_mapped ? ",gid=5" : "");
	if ((r = mnt_fs_at(fd, "/dev/pts", NULL, "devpts", MS_NOSUID | MS_NOEXEC, opts, err)) < 0)
		return r;
	fd = safe_close(fd);

	fd = dev_child(dev_fd, "shm", false, err);
	if (fd < 0)
		return fd;
	if ((r = mnt_fs_at(fd, "/dev/shm", "shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
			   "mode=1777,size=65536k", err)) < 0)
		return r;
	fd = safe_close(fd);

	fd = dev_child(dev_fd, "mqueue", false, err);
	if (fd < 0)
		return fd;
	if (spec_ns_ours(ctx->spec, TAPER_NS_IPC)) {
		r = mnt_fs_at(fd, "/dev/mqueue", NULL, "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, err);
		if (r < 0)
			return r;
	}
	fd = safe_close(fd);

	for (size_t i = 0; i < ctx->spec->n_dev_nodes; i++)
		if ((r = make_dev_node(ctx, root_fd, &ctx->spec->dev_nodes[i], err)) < 0)
			return r;
	if (ctx->pty_slave >= 0) {
		fd = dev_child(dev_fd, "console", true, err);
		if (fd < 0)
			return fd;
		if (mnt_bind_at(-1, ctx->pty_path, fd, "/dev/console", false, 0, err) < 0)
			return err_ret(err);
	}
	return 0;
}
