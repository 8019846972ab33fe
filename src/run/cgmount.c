/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cgmount.c — /sys/fs/cgroup inside the container (spec->cgroup_mount).
 *
 * Always fresh mounts made from inside the container's cgroup namespace,
 * never binds of the host's: each then shows the container's own group as
 * its root, and nothing above it. The layout follows the host's, as an
 * init expects it:
 *
 *   v1/hybrid  a tmpfs at /sys/fs/cgroup (read-only once filled), one
 *              cgroup mount per hierarchy ("cpu,cpuacct" gets "cpu" and
 *              "cpuacct" links), cgroup2 at unified;
 *   v2         one cgroup2 mount at /sys/fs/cgroup.
 *
 * "ro" makes every hierarchy read-only. "mixed" leaves writable what the
 * container's init manages itself: a named v1 hierarchy (name=systemd: no
 * controller, no limit to raise) always, cgroup2 only in a user namespace,
 * where the root's limit files belong to host root, which the container
 * cannot write even with the mount remounted read-write, while its
 * delegated cgroup.procs and cgroup.subtree_control (cgroup_delegate())
 * let it build its own sub-tree. Without a user namespace a writable
 * cgroup2 mount would let the container's root raise its own limits.
 *
 * The hierarchy list comes from the cgroup manager before clone; here are
 * only system calls.
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

#define MS_SAFE (MS_NOSUID | MS_NODEV | MS_NOEXEC)
#define CG_ROOT "/sys/fs/cgroup"

static bool writable(const struct run_ctx *ctx, const struct cgroup_mount_info *mi)
{
	return ctx->spec->cgroup_mount == TAPER_CGROUP_MOUNT_MIXED && mi->self_managed &&
	       (!mi->unified || ctx->userns);
}

/* Read-only as a property of this mount only (the superblock is the
 * host's hierarchy, shared with every other mount of it). */
static int make_ro(int dir_fd, const char *name, const char *what, struct taper_err *err)
{
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };
	_cleanup_close_ int fd = openat(dir_fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return err_set(err, errno, "open %s", what);
	if (mount_setattr(fd, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0)
		return err_set(err, errno, "make %s read-only", what);
	return 0;
}

/* "cpu,cpuacct" -> links cpu and cpuacct, as systemd hosts have them. */
static int link_aliases(int dir_fd, const char *dir, struct taper_err *err)
{
	char name[96];

	if (!strchr(dir, ','))
		return 0;
	for (const char *p = dir; *p;) {
		size_t n = strcspn(p, ",");

		if (n && n < sizeof(name)) {
			memcpy(name, p, n);
			name[n] = '\0';
			if (symlinkat(dir, dir_fd, name) < 0 && errno != EEXIST)
				return err_set(err, errno, "link " CG_ROOT "/%s", name);
		}
		p += n;
		if (*p == ',')
			p++;
	}
	return 0;
}

static int mount_hier(const struct run_ctx *ctx, int dir_fd, const struct cgroup_mount_info *mi,
		      struct taper_err *err)
{
	_cleanup_close_ int fd = -1;
	char what[160];

	snprintf(what, sizeof(what), CG_ROOT "/%s", mi->dir);
	if (mkdirat(dir_fd, mi->dir, 0755) < 0)
		return err_set(err, errno, "create %s", what);
	fd = openat(dir_fd, mi->dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return err_set(err, errno, "open %s", what);
	if (mnt_fs_at(fd, what, NULL, mi->unified ? "cgroup2" : "cgroup", MS_SAFE,
		      mi->unified ? NULL : mi->options, err) < 0)
		return err_ret(err);
	if (!writable(ctx, mi) && make_ro(dir_fd, mi->dir, what, err) < 0)
		return err_ret(err);
	return link_aliases(dir_fd, mi->dir, err);
}

int cgmount_setup(struct run_ctx *ctx, int root_fd, struct taper_err *err)
{
	_cleanup_close_ int target = -1, dir_fd = -1;
	int r;

	if (ctx->spec->cgroup_mount == TAPER_CGROUP_MOUNT_NONE || ctx->n_cg_layout == 0)
		return 0;
	target = mnt_open_target(root_fd, CG_ROOT, MNT_TARGET_DIR, true, err);
	if (target < 0)
		return target;
	if (ctx->n_cg_layout == 1 && ctx->cg_layout[0].dir[0] == '\0') {
		/* A v2 host: the one hierarchy is /sys/fs/cgroup itself. */
		r = mnt_fs_at(target, CG_ROOT, NULL, "cgroup2", MS_SAFE, NULL, err);
		if (r < 0)
			return r;
		if (writable(ctx, &ctx->cg_layout[0]))
			return 0;
		dir_fd = openat2_in_root(root_fd, "/sys/fs", O_PATH | O_DIRECTORY, 0);
		if (dir_fd < 0)
			return err_set(err, dir_fd, "open /sys/fs");
		return make_ro(dir_fd, "cgroup", CG_ROOT, err);
	}
	r = mnt_fs_at(target, CG_ROOT, NULL, "tmpfs", MS_SAFE, "mode=755,size=64k", err);
	if (r < 0)
		return r;
	dir_fd = openat2_in_root(root_fd, CG_ROOT, O_PATH | O_DIRECTORY, 0);
	if (dir_fd < 0)
		return err_set(err, dir_fd, "open " CG_ROOT);
	for (size_t i = 0; i < ctx->n_cg_layout; i++)
		if ((r = mount_hier(ctx, dir_fd, &ctx->cg_layout[i], err)) < 0)
			return r;
	{
		struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };

		if (mount_setattr(dir_fd, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0)
			return err_set(err, errno, "make " CG_ROOT " read-only");
	}
	return 0;
}
