/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * delegate.c — the cgroup tree as a container sees it: which hierarchies
 * it mounts, and which part of its group it may manage itself.
 *
 * The executor mounts what cgroup_mount_layout() lists inside the
 * container's cgroup namespace; cgroup_delegate() chowns the writable part
 * to the container's root when the container has a user namespace. Nothing
 * here mounts: the manager knows the host's layout, the executor the
 * container's namespaces.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup/cgroup-internal.h"
#include "util/cleanup.h"
#include "util/err.h"

int cgroup_mount_layout(const struct cgroup_manager *m, const struct taper_cgroup *cg,
			struct cgroup_mount_info **ret, size_t *ret_n)
{
	struct cgroup_mount_info *v = calloc(m->n_hiers ? m->n_hiers : 1, sizeof(*v));
	size_t n = 0;

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < m->n_hiers; i++) {
		const struct cg_hier *h = &m->hiers[i];
		struct cgroup_mount_info *mi;
		size_t len = 0;

		/* Outside the group's hierarchies the cgroup namespace's root
		 * is the caller's group: nothing of the container's to show. */
		if (cg && cg->fds[i] < 0)
			continue;
		mi = &v[n++];
		mi->dir = m->mode == CGROUP_MODE_V2 ? "" : h->name;
		mi->unified = h->unified;
		mi->self_managed = h->unified || h->ctrls == 0;
		if (h->unified)
			continue;
		if (h->ctrls == 0) {
			/* A named hierarchy: mounted by its name, which is the
			 * directory's ("systemd" for name=systemd). */
			snprintf(mi->options, sizeof(mi->options), "none,name=%s", h->name);
			continue;
		}
		for (int c = 0; c < CG_CTRL_MAX; c++) {
			if (!(h->ctrls & CG_BIT(c)))
				continue;
			int w = snprintf(mi->options + len, sizeof(mi->options) - len, "%s%s", len ? "," : "",
					 cg_ctrl_name(c));
			if (w < 0 || (size_t)w >= sizeof(mi->options) - len)
				break;
			len += (size_t)w;
		}
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

/* The files of a group that a delegatee writes to manage its sub-groups. */
static const char *const v1_delegated[] = { "cgroup.procs", "tasks" };
static const char *const v2_delegated[] = { "cgroup.procs", "cgroup.threads", "cgroup.subtree_control" };

int cgroup_delegate(struct taper_cgroup *cg, uid_t uid, gid_t gid, struct taper_err *err)
{
	const struct cgroup_manager *m = cg->m;

	for (size_t i = 0; i < m->n_hiers; i++) {
		const struct cg_hier *h = &m->hiers[i];
		const char *const *files = h->unified ? v2_delegated : v1_delegated;
		size_t n = h->unified ? ARRAY_SIZE(v2_delegated) : ARRAY_SIZE(v1_delegated);

		if (!(h->unified || h->ctrls == 0) || cg->fds[i] < 0)
			continue;
		if (fchown(cg->fds[i], uid, gid) < 0)
			return err_set(err, errno, "delegate cgroup %s", cg->paths[i]);
		for (size_t f = 0; f < n; f++)
			if (fchownat(cg->fds[i], files[f], uid, gid, AT_SYMLINK_NOFOLLOW) < 0 &&
			    errno != ENOENT)
				return err_set(err, errno, "delegate cgroup %s/%s", cg->paths[i], files[f]);
	}
	return 0;
}
