/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rootfs.c — the container's mount tree, built in its own mount namespace.
 *
 * Order: stop propagation to the host (rslave "/"), bind the rootfs onto
 * itself (pivot_root needs a mount point; with spec->rootfs_idmap the
 * parent's idmapped clone of it is attached there instead), mount /proc,
 * /sys, /sys/fs/cgroup (cgmount.c), /dev, the
 * spec's extra mounts, mask and write-protect the OCI paths, make the
 * rootfs read-only if asked, then pivot_root(".", ".") and detach the old
 * root from under ourselves. Every target goes through mount.c, resolved
 * inside the rootfs. The kernel objects that need namespaces (proc needs the
 * pid namespace, a fresh sysfs the network namespace) are new instances;
 * otherwise the host's are bound read-only.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "run/hooks.h"
#include "run/run-internal.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"

#define MS_SAFE (MS_NOSUID | MS_NODEV | MS_NOEXEC)
#define ATTR_SAFE (MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC)

static int mount_proc(const struct run_ctx *ctx, int root_fd, struct taper_err *err)
{
	_cleanup_close_ int fd = mnt_open_target(root_fd, "/proc", MNT_TARGET_DIR, true, err);

	if (fd < 0)
		return fd;
	if (!(ctx->spec->namespaces & TAPER_NS_PID))
		return mnt_bind_at(-1, "/proc", fd, "/proc", true, 0, err);
	return mnt_fs_at(fd, "/proc", NULL, "proc", MS_SAFE, NULL, err);
}

static int mount_sys(const struct run_ctx *ctx, int root_fd, struct taper_err *err)
{
	_cleanup_close_ int fd = mnt_open_target(root_fd, "/sys", MNT_TARGET_DIR, true, err);

	if (fd < 0)
		return fd;
	/* sysfs shows the network devices of the mounter's network namespace:
	 * a fresh instance only makes sense (and is only allowed in a user
	 * namespace) with a network namespace of our own, and one joined from
	 * outside our user namespace is not ours to mount it for. */
	if (spec_ns_ours(ctx->spec, TAPER_NS_NET))
		return mnt_fs_at(fd, "/sys", NULL, "sysfs", MS_SAFE | MS_RDONLY, NULL, err);
	return mnt_bind_at(-1, "/sys", fd, "/sys", true, ATTR_SAFE | MOUNT_ATTR_RDONLY, err);
}

/* mount_setattr(2) on the mount now at path (its whole subtree when rec). */
static int mount_attr_at(int root_fd, const char *path, struct mount_attr *attr, bool rec,
			 struct taper_err *err)
{
	_cleanup_close_ int fd = mnt_open_target(root_fd, path, MNT_TARGET_EXISTING, false, err);

	if (fd < 0)
		return fd;
	if (mount_setattr(fd, "", AT_EMPTY_PATH | (rec ? AT_RECURSIVE : 0), attr, sizeof(*attr)) < 0)
		return err_set(err, errno, "set attributes of mount %s", path);
	return 0;
}

/* The mount attributes of the MS_* flags a bind may take, but the atime
 * mode (the caller sets it apart). */
static uint64_t bind_attrs(unsigned long ms)
{
	return (ms & MS_NODIRATIME ? MOUNT_ATTR_NODIRATIME : 0) |
	       (ms & MS_NOSYMFOLLOW ? MOUNT_ATTR_NOSYMFOLLOW : 0);
}

static int mount_propagation(int root_fd, const struct taper_mount *m, struct taper_err *err)
{
	struct mount_attr attr = { .propagation = m->propagation & ~(unsigned long)MS_REC };

	if (!m->propagation)
		return 0;
	return mount_attr_at(root_fd, m->target, &attr, m->propagation & MS_REC, err);
}

/* spec->sysctl, under the /proc just mounted: a key with a '/' is a path
 * under /proc/sys as it is (an interface name may have dots), else its
 * dots are the separators. No allocation: we are the cloned child. */
static int write_sysctls(const struct taper_spec *spec, int root_fd, struct taper_err *err)
{
	for (char **kv = spec->sysctl; kv && *kv; kv++) {
		const char *eq = strchr(*kv, '=');
		size_t klen = eq ? (size_t)(eq - *kv) : strlen(*kv);
		bool slashes = memchr(*kv, '/', klen) != NULL;
		char path[PATH_MAX];
		_cleanup_close_ int fd = -1;
		int n;

		if (!eq)
			continue;
		n = snprintf(path, sizeof(path), "/proc/sys/%.*s", (int)klen, *kv);
		if (n < 0 || (size_t)n >= sizeof(path))
			return err_set(err, ENAMETOOLONG, "sysctl %.*s", (int)klen, *kv);
		for (char *c = path + 10; !slashes && *c; c++)
			if (*c == '.')
				*c = '/';
		fd = openat2_in_root(root_fd, path, O_WRONLY | O_NOFOLLOW, 0);
		if (fd < 0)
			return err_set(err, fd, "sysctl %.*s", (int)klen, *kv);
		if (write_all(fd, eq + 1, strlen(eq + 1)) < 0)
			return err_set(err, errno, "sysctl %.*s = %s", (int)klen, *kv, eq + 1);
	}
	return 0;
}

static int mount_extra(int root_fd, const struct taper_mount *m, int tree, struct taper_err *err)
{
	_cleanup_close_ int fd = -1;
	uint64_t attrs = 0;
	unsigned long flags = 0;
	enum mnt_target kind = MNT_TARGET_DIR;
	struct stat st;
	int r;

	if (m->flags & TAPER_MOUNT_READONLY) {
		attrs |= MOUNT_ATTR_RDONLY;
		flags |= MS_RDONLY;
	}
	if (m->flags & TAPER_MOUNT_NOSUID) {
		attrs |= MOUNT_ATTR_NOSUID;
		flags |= MS_NOSUID;
	}
	if (m->flags & TAPER_MOUNT_NODEV) {
		attrs |= MOUNT_ATTR_NODEV;
		flags |= MS_NODEV;
	}
	if (m->flags & TAPER_MOUNT_NOEXEC) {
		attrs |= MOUNT_ATTR_NOEXEC;
		flags |= MS_NOEXEC;
	}
	if (!(m->flags & TAPER_MOUNT_BIND)) {
		fd = mnt_open_target(root_fd, m->target, MNT_TARGET_DIR, false, err);
		if (fd < 0)
			return fd;
		r = mnt_fs_at(fd, m->target, m->source, m->fstype ? m->fstype : "tmpfs", flags | m->ms_flags,
			      m->data, err);
		return r < 0 ? r : mount_propagation(root_fd, m, err);
	}
	/* An idmapped bind: the parent's tree (idmount.c), which it stat()ed
	 * and left out when optional and missing. */
	if (m->idmap) {
		if (tree < 0)
			return (m->flags & TAPER_MOUNT_OPTIONAL)
				       ? 0
				       : err_set(err, EPROTO, "idmapped mount %s: no tree", m->target);
		if (fstat(tree, &st) < 0)
			return err_set(err, errno, "idmapped mount %s", m->target);
	} else if (stat(m->source, &st) < 0) {
		/* The source is a host path, looked up before pivot_root. */
		if (errno == ENOENT && (m->flags & TAPER_MOUNT_OPTIONAL))
			return 0;
		return err_set(err, errno, "bind source %s", m->source);
	}
	if (!S_ISDIR(st.st_mode) || (m->flags & TAPER_MOUNT_CREATE_FILE))
		kind = MNT_TARGET_FILE;
	fd = mnt_open_target(root_fd, m->target, kind, false, err);
	if (fd < 0)
		return fd;
	attrs |= bind_attrs(m->ms_flags);
	if (m->idmap)
		r = mnt_attach_tree(tree, fd, m->target, m->flags & TAPER_MOUNT_RECURSIVE, attrs, err);
	else
		r = mnt_bind_at(-1, m->source, fd, m->target, m->flags & TAPER_MOUNT_RECURSIVE, attrs, err);
	if (r < 0)
		return r;
	if (m->ms_flags & (MS_RELATIME | MS_NOATIME | MS_STRICTATIME)) {
		/* The atime mode is a field of its own: cleared, then set
		 * (MOUNT_ATTR_RELATIME is 0). */
		struct mount_attr attr = {
			.attr_clr = MOUNT_ATTR__ATIME,
			.attr_set = m->ms_flags & MS_NOATIME       ? MOUNT_ATTR_NOATIME
				    : m->ms_flags & MS_STRICTATIME ? MOUNT_ATTR_STRICTATIME
								   : MOUNT_ATTR_RELATIME,
		};

		if ((r = mount_attr_at(root_fd, m->target, &attr, m->flags & TAPER_MOUNT_RECURSIVE, err)) < 0)
			return r;
	}
	return mount_propagation(root_fd, m, err);
}

/* OCI masked paths: /dev/null over files, an empty read-only tmpfs over
 * directories. Paths the kernel does not have are skipped. */
static int mask_paths(const struct run_ctx *ctx, int root_fd, struct taper_err *err)
{
	_cleanup_close_ int null_fd = -1;

	for (char **p = ctx->spec->masked_paths; p && *p; p++) {
		_cleanup_close_ int fd = mnt_open_target(root_fd, *p, MNT_TARGET_EXISTING, false, NULL);
		struct stat st;

		if (fd == -ENOENT)
			continue;
		if (fd < 0)
			return err_set(err, fd, "mask %s", *p);
		if (fstat(fd, &st) < 0)
			return err_set(err, errno, "mask %s", *p);
		if (S_ISDIR(st.st_mode)) {
			if (mnt_fs_at(fd, *p, NULL, "tmpfs", MS_RDONLY | MS_SAFE, "size=0,mode=555", err) < 0)
				return err_wrap(err, "mask %s", *p);
			continue;
		}
		if (null_fd < 0) {
			null_fd = openat2_in_root(root_fd, "/dev/null", O_PATH, 0);
			if (null_fd < 0)
				return err_set(err, null_fd, "open /dev/null");
		}
		if (mnt_bind_at(null_fd, NULL, fd, *p, false, 0, err) < 0)
			return err_wrap(err, "mask %s", *p);
	}
	return 0;
}

static int readonly_paths(const struct run_ctx *ctx, int root_fd, struct taper_err *err)
{
	for (char **p = ctx->spec->readonly_paths; p && *p; p++) {
		_cleanup_close_ int fd = mnt_open_target(root_fd, *p, MNT_TARGET_EXISTING, false, NULL);

		if (fd == -ENOENT)
			continue;
		if (fd < 0)
			return err_set(err, fd, "make %s read-only", *p);
		if (mnt_bind_at(fd, NULL, fd, *p, true, ATTR_SAFE | MOUNT_ATTR_RDONLY, err) < 0)
			return err_wrap(err, "make %s read-only", *p);
	}
	return 0;
}

/* A new network namespace has lo down; bring it up as every runtime does. */
static int loopback_up(struct taper_err *err)
{
	_cleanup_close_ int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr = { .ifr_name = "lo" };

	if (s < 0)
		return err_set(err, errno, "bring lo up: socket");
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		return err_set(err, errno, "bring lo up");
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		return err_set(err, errno, "bring lo up");
	return 0;
}

static int enter_root(int root_fd, const char *rootfs, struct taper_err *err)
{
	if (fchdir(root_fd) < 0)
		return err_set(err, errno, "chdir to rootfs %s", rootfs);
	if (syscall(SYS_pivot_root, ".", ".") == 0) {
		/* The old root is now stacked on top of the new one at ".":
		 * detach it, and the new root shows through. */
		if (umount2(".", MNT_DETACH) < 0)
			return err_set(err, errno, "detach the host's root");
	} else if (errno == EINVAL) {
		/* pivot_root cannot leave an initramfs/ramfs root: move the
		 * rootfs over "/" and chroot, as switch_root does. */
		if (mount(".", "/", NULL, MS_MOVE, NULL) < 0)
			return err_set(err, errno, "move rootfs %s to /", rootfs);
		if (chroot(".") < 0)
			return err_set(err, errno, "chroot to rootfs %s", rootfs);
	} else {
		return err_set(err, errno, "pivot_root to %s", rootfs);
	}
	if (chdir("/") < 0)
		return err_set(err, errno, "chdir to /");
	return 0;
}

/* A mount namespace joined by path is the container's file system as it
 * is: setns() made its root our root and cwd, and nothing is mounted in it
 * (the front end refuses what would need a mount). The createContainer
 * hooks still run at their point. */
static int joined_mount_ns(struct run_ctx *ctx, struct taper_err *err)
{
	int r;

	if (ctx->hook_state && (r = hooks_run(ctx->spec, TAPER_HOOK_CREATE_CONTAINER, ctx->hook_state,
					      "creating", getpid(), false, err)) < 0)
		return r;
	if (chdir("/") < 0)
		return err_set(err, errno, "chdir to / of mount namespace %s",
			       ctx->spec->ns_path[spec_ns_index(TAPER_NS_MNT)]);
	return 0;
}

int rootfs_setup(struct run_ctx *ctx, struct taper_err *err)
{
	const struct taper_spec *spec = ctx->spec;
	_cleanup_close_ int root_fd = -1;
	int r;

	/* A joined network namespace is someone else's to configure. */
	if (spec_ns_new(spec, TAPER_NS_NET)) {
		r = loopback_up(err);
		if (r < 0)
			return r;
	}
	if (spec->ns_path[spec_ns_index(TAPER_NS_MNT)])
		return joined_mount_ns(ctx, err);
	/* Nothing we mount from here on may propagate back to the host. */
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return err_set(err, errno, "make / a slave mount");
	/* The rootfs is a detached tree (a recursive clone of its path, or the
	 * idmapped one the parent built) attached on top of our "/", not at
	 * its path: root of a user namespace may not be allowed to look that
	 * path up (a store under a 0700 directory), and a bind of "/" onto
	 * itself could not be reached by the path "/" (a process's root is
	 * not moved by a mount stacked on it). For the same reason absolute
	 * paths still resolve in the host's tree below it, as the host
	 * sources of binds need, until pivot_root. */
	root_fd = ctx->rootfs_tree >= 0 ? TAKE_FD(ctx->rootfs_tree)
					: open_tree(AT_FDCWD, spec->rootfs,
						    OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
	if (root_fd < 0)
		return err_set(err, errno, "bind rootfs %s", spec->rootfs);
	if (move_mount(root_fd, "", AT_FDCWD, "/", MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return err_set(err, errno, "attach rootfs %s", spec->rootfs);

	/* In the order of every runtime's default config (runtime-spec: "in
	 * the listed order"): /proc, /dev and its mounts, /sys, its cgroups. */
	if ((r = mount_proc(ctx, root_fd, err)) < 0 || (r = write_sysctls(spec, root_fd, err)) < 0 ||
	    (r = dev_setup(ctx, root_fd, err)) < 0 || (r = mount_sys(ctx, root_fd, err)) < 0 ||
	    (r = cgmount_setup(ctx, root_fd, err)) < 0)
		return r;
	for (size_t i = 0; i < spec->n_mounts; i++) {
		int tree = ctx->mount_trees ? ctx->mount_trees[i] : -1;

		r = mount_extra(root_fd, &spec->mounts[i], tree, err);
		if (tree >= 0)
			ctx->mount_trees[i] = safe_close(tree);
		if (r < 0)
			return r;
	}
	if ((r = mask_paths(ctx, root_fd, err)) < 0 || (r = readonly_paths(ctx, root_fd, err)) < 0)
		return r;
	if (spec->rootfs_readonly) {
		struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };

		if (mount_setattr(root_fd, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0)
			return err_set(err, errno, "make rootfs read-only");
	}
	/* OCI's createContainer hooks: in the container's namespaces, its
	 * mounts made, paths still the host's. */
	if (ctx->hook_state && (r = hooks_run(spec, TAPER_HOOK_CREATE_CONTAINER, ctx->hook_state, "creating",
					      getpid(), false, err)) < 0)
		return r;
	if ((r = enter_root(root_fd, spec->rootfs, err)) < 0)
		return r;
	if (spec->rootfs_propagation && mount(NULL, "/", NULL, spec->rootfs_propagation, NULL) < 0)
		return err_set(err, errno, "set the propagation of the container's /");
	return 0;
}
