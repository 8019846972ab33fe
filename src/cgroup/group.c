/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * group.c — one container's cgroup across the manager's hierarchies: the
 * lifecycle shared by both versions (mkdir on the way down, reuse of a stale
 * group, enter, pids, kill-wait-rmdir), dispatching the version-specific
 * steps to the backend.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup/cgroup-internal.h"
#include "cgroup/devices.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/parse.h"
#include "util/strv.h"

#define RESOLVE_CG (RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV)

static struct taper_cgroup *cg_alloc(struct cgroup_manager *m, const char *group)
{
	struct taper_cgroup *cg = calloc(1, sizeof(*cg));

	if (!cg)
		return NULL;
	cg->m = m;
	cg->group = strdup(group);
	cg->fds = malloc(m->n_hiers * sizeof(*cg->fds));
	cg->paths = calloc(m->n_hiers, sizeof(*cg->paths));
	cg->absolute = group[0] == '/';
	if (!cg->group || !cg->fds || !cg->paths ||
	    (cg->absolute ? !(cg->rel = strdup(group + 1))
			  : asprintf(&cg->rel, CG_TAPER_DIR "/%s", group) < 0)) {
		cg->rel = NULL;
		cgroup_free(cg);
		return NULL;
	}
	for (size_t i = 0; i < m->n_hiers; i++) {
		const struct cg_hier *h = &m->hiers[i];

		cg->fds[i] = -1;
		int r = m->mode == CGROUP_MODE_V2
				? asprintf(&cg->paths[i], "%s/%s", m->root, cg->rel)
				: asprintf(&cg->paths[i], "%s/%s/%s", m->root, h->name, cg->rel);

		if (r < 0) {
			cg->paths[i] = NULL;
			cgroup_free(cg);
			return NULL;
		}
	}
	return cg;
}

void cgroup_free(struct taper_cgroup *cg)
{
	if (!cg)
		return;
	for (size_t i = 0; cg->fds && cg->paths && i < cg->m->n_hiers; i++) {
		safe_close(cg->fds[i]);
		free(cg->paths[i]);
	}
	free(cg->fds);
	free(cg->paths);
	free(cg->group);
	free(cg->rel);
	free(cg);
}

/* Remove dir (a group) after its sub-groups; cgroupfs lets rmdir drop a
 * directory that still lists its control files. */
static int rmdir_tree(int parent_fd, const char *name)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int fd;

	fd = openat2_resolve(parent_fd, name, O_RDONLY | O_DIRECTORY, 0, RESOLVE_CG);
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fd;
	d = fdopendir(fd);
	if (!d) {
		safe_close(fd);
		return -errno;
	}
	while ((de = readdir(d)))
		if (de->d_type == DT_DIR && de->d_name[0] != '.')
			(void)rmdir_tree(dirfd(d), de->d_name);
	if (unlinkat(parent_fd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

/* rmdir the group in every hierarchy it was found in (all: in every one,
 * for a create that failed half-way), then its parents below "taper" as
 * long as they are empty (EBUSY/ENOTEMPTY on a shared parent is fine). An
 * absolute group's parents are not taper's: they stay. */
static int remove_dirs(struct taper_cgroup *cg, bool all, struct taper_err *err)
{
	int ret = 0;

	for (size_t i = 0; i < cg->m->n_hiers; i++) {
		char path[512];
		int hfd = cg->m->hiers[i].fd, r;

		if (cg->fds[i] < 0 && !all)
			continue; /* not there (a minimal group, or half removed) */
		r = rmdir_tree(hfd, cg->rel);
		if (r < 0 && ret == 0)
			ret = err_set(err, r, "remove cgroup %s", cg->paths[i]);
		snprintf(path, sizeof(path), "%s", cg->rel);
		for (char *slash = cg->absolute ? NULL : strrchr(path, '/'); slash;
		     slash = strrchr(path, '/')) {
			*slash = '\0';
			if (strcmp(path, CG_TAPER_DIR) == 0 || unlinkat(hfd, path, AT_REMOVEDIR) < 0)
				break;
		}
	}
	return ret;
}

/* mkdir (or find) every level of rel in hierarchy i, letting the backend
 * prepare each level; keeps the leaf's fd. *ret_existed: leaf was there. */
static int make_dirs_once(struct taper_cgroup *cg, size_t i, bool *ret_existed, struct taper_err *err)
{
	struct cgroup_manager *m = cg->m;
	_cleanup_close_ int parent = -1;
	char buf[512];
	char *save = NULL;
	int r;

	parent = fcntl(m->hiers[i].fd, F_DUPFD_CLOEXEC, 3);
	if (parent < 0)
		return err_set(err, errno, "cgroup %s", cg->paths[i]);
	snprintf(buf, sizeof(buf), "%s", cg->rel);
	for (char *c = strtok_r(buf, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		int child;

		*ret_existed = false;
		if (mkdirat(parent, c, 0755) < 0) {
			if (errno != EEXIST)
				return err_set(err, errno, "create cgroup %s", cg->paths[i]);
			*ret_existed = true;
		}
		child = openat2_resolve(parent, c, O_RDONLY | O_DIRECTORY, 0, RESOLVE_CG);
		if (child < 0)
			return err_set(err, child, "open cgroup %s", cg->paths[i]);
		r = m->ops->prepare(m, &m->hiers[i], parent, child, err);
		safe_close(parent);
		parent = child;
		if (r < 0)
			return err_wrap(err, "prepare cgroup %s", cg->paths[i]);
	}
	cg->fds[i] = TAKE_FD(parent);
	return 0;
}

/* The parents are shared: the last group of a store to go removes them
 * while another may be on its way down to make its own below. The path
 * is walked again from the top when a level vanished under us (ENOENT). */
static int make_dirs(struct taper_cgroup *cg, size_t i, bool *ret_existed, struct taper_err *err)
{
	int r;

	for (int tries = 0;; tries++) {
		r = make_dirs_once(cg, i, ret_existed, err);
		if (r != -ENOENT || tries == 16)
			return r;
	}
}

/* The v1 controllers whose files l writes. */
static unsigned limits_ctrls(const struct taper_limits *l)
{
	unsigned c = 0;

	if (l->memory_max != TAPER_UNSET || l->memory_high != TAPER_UNSET || l->swap_max != TAPER_UNSET)
		c |= CG_BIT(CG_MEMORY);
	if (l->pids_max != TAPER_UNSET)
		c |= CG_BIT(CG_PIDS);
	if (l->cpu_weight != TAPER_UNSET || l->cpu_shares != TAPER_UNSET || l->cpu_quota_us != TAPER_UNSET ||
	    l->cpu_period_us != TAPER_UNSET)
		c |= CG_BIT(CG_CPU) | CG_BIT(CG_CPUACCT); /* usage too, where they are apart */
	if (l->cpuset_cpus || l->cpuset_mems)
		c |= CG_BIT(CG_CPUSET);
	if (l->io_weight != TAPER_UNSET)
		c |= CG_BIT(CG_BLKIO);
	for (size_t i = 0; i < l->n_raw; i++) {
		int k = cg_ctrl_from_name(l->raw[i].file, strcspn(l->raw[i].file, "."));

		if (l->raw[i].version == 1 && k >= 0)
			c |= CG_BIT(k);
	}
	return c;
}

static bool wanted(const struct cgroup_manager *m, const struct cg_hier *h, const struct taper_limits *l,
		   bool minimal)
{
	unsigned need;

	if (!minimal || h->unified)
		return true;
	need = l ? limits_ctrls(l) : 0;
	if (cg_unified_index(m) < 0 && l && l->n_devices)
		need |= CG_BIT(CG_DEVICES);
	return (h->ctrls & need) != 0;
}

static int create(struct cgroup_manager *m, const char *group, const struct taper_limits *l, bool minimal,
		  struct taper_cgroup **ret, struct taper_err *err)
{
	_cleanup_(cgroup_freep) struct taper_cgroup *cg = NULL;
	bool stale = false;
	int r;

	if (!cgroup_path_is_valid(group))
		return cg_refuse(err, EINVAL, "cgroup \"%s\": invalid group name", group ? group : "");
	if (l && (r = cgroup_validate(m, l, err)) < 0)
		return r;
	cg = cg_alloc(m, group);
	if (!cg)
		return err_set(err, ENOMEM, "cgroup %s", group);
	for (size_t i = 0; i < m->n_hiers; i++) {
		bool existed = false;

		if (!wanted(m, &m->hiers[i], l, minimal))
			continue;
		r = make_dirs(cg, i, &existed, err);
		stale |= existed;
		if (r < 0) {
			if (!stale)
				(void)remove_dirs(cg, true, NULL);
			return r;
		}
	}
	/* A leftover of a start that crashed: reuse it only when empty. */
	if (stale && m->ops->is_empty(cg) != 1)
		return err_set(err, EBUSY, "cgroup %s: exists and has processes", cg->paths[0]);
	if (l && ((r = m->ops->apply(cg, l, err)) < 0 ||
		  (l->n_devices && (r = cg_devices_apply(cg, l->devices, l->n_devices, err)) < 0))) {
		(void)remove_dirs(cg, true, NULL);
		return err_wrap(err, "cgroup %s", cg->group);
	}
	*ret = TAKE_PTR(cg);
	return 0;
}

int cgroup_create(struct cgroup_manager *m, const char *group, const struct taper_limits *l,
		  struct taper_cgroup **ret, struct taper_err *err)
{
	return create(m, group, l, false, ret, err);
}

int cgroup_create_minimal(struct cgroup_manager *m, const char *group, const struct taper_limits *l,
			  struct taper_cgroup **ret, struct taper_err *err)
{
	return create(m, group, l, true, ret, err);
}

int cgroup_clone_fd(const struct taper_cgroup *cg)
{
	int u = cg_unified_index(cg->m);

	if (u < 0 || cg->fds[u] < 0)
		return -1;
	for (size_t i = 0; i < cg->m->n_hiers; i++)
		if ((int)i != u && cg->fds[i] >= 0)
			return -1;
	return fcntl(cg->fds[u], F_DUPFD_CLOEXEC, 3);
}

void cgroup_birth_close(struct cgroup_birth *b)
{
	b->clone_fd = safe_close(b->clone_fd);
	for (size_t i = 0; i < b->n_tasks; i++)
		safe_close(b->tasks[i]);
	free(b->tasks);
	b->tasks = NULL;
	b->n_tasks = 0;
}

int cgroup_birth_open(const struct taper_cgroup *cg, struct cgroup_birth *ret, struct taper_err *err)
{
	int u = cg_unified_index(cg->m);

	*ret = (struct cgroup_birth){ .clone_fd = -1 };
	if (!(ret->tasks = calloc(cg->m->n_hiers, sizeof(*ret->tasks))))
		return err_set(err, ENOMEM, "cgroup %s", cg->group);
	for (size_t i = 0; i < cg->m->n_hiers; i++) {
		int fd;

		if (cg->fds[i] < 0)
			continue;
		fd = (int)i == u ? fcntl(cg->fds[i], F_DUPFD_CLOEXEC, 3)
				 : openat(cg->fds[i], "tasks", O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0) {
			int r = -errno;

			cgroup_birth_close(ret);
			return err_set(err, r, "cgroup %s%s", cg->paths[i], (int)i == u ? "" : "/tasks");
		}
		if ((int)i == u)
			ret->clone_fd = fd;
		else
			ret->tasks[ret->n_tasks++] = fd;
	}
	return 0;
}

int cgroup_birth_join(const struct cgroup_birth *b)
{
	for (size_t i = 0; i < b->n_tasks; i++)
		if (write(b->tasks[i], "0", 1) != 1)
			return -errno;
	return 0;
}

int cgroup_open(struct cgroup_manager *m, const char *group, struct taper_cgroup **ret, struct taper_err *err)
{
	_cleanup_(cgroup_freep) struct taper_cgroup *cg = NULL;
	bool found = false;

	if (!cgroup_path_is_valid(group))
		return cg_refuse(err, EINVAL, "cgroup \"%s\": invalid group name", group ? group : "");
	cg = cg_alloc(m, group);
	if (!cg)
		return err_set(err, ENOMEM, "cgroup %s", group);
	/* A group half-removed by a crash is still opened, to finish the job. */
	for (size_t i = 0; i < m->n_hiers; i++) {
		int fd = openat2_resolve(m->hiers[i].fd, cg->rel, O_RDONLY | O_DIRECTORY, 0, RESOLVE_CG);

		if (fd < 0 && fd != -ENOENT)
			return err_set(err, fd, "open cgroup %s", cg->paths[i]);
		cg->fds[i] = fd < 0 ? -1 : fd;
		found |= fd >= 0;
	}
	if (!found)
		return err_set(err, ENOENT, "cgroup %s", cg->group);
	*ret = TAKE_PTR(cg);
	return 0;
}

int cgroup_validate(struct cgroup_manager *m, const struct taper_limits *l, struct taper_err *err)
{
	int r = cg_limits_check(m, l, err);

	if (r >= 0 && l->n_devices)
		r = cg_devices_check(l->devices, l->n_devices, err);
	return r < 0 ? r : m->ops->validate(m, l, err);
}

int cgroup_enter(struct taper_cgroup *cg, pid_t pid, struct taper_err *err)
{
	for (size_t i = 0; i < cg->m->n_hiers; i++) {
		int r;

		if (cg->fds[i] < 0)
			continue;
		r = cg_writef(cg->fds[i], "cgroup.procs", "%d", (int)pid);
		if (r < 0)
			return err_set(err, r, "move pid %d into cgroup %s", (int)pid, cg->paths[i]);
	}
	return 0;
}

static bool has_pid(const pid_t *pids, size_t n, pid_t pid)
{
	for (size_t i = 0; i < n; i++)
		if (pids[i] == pid)
			return true;
	return false;
}

/* Every process of part `from` of the group into part `to`, scanning again
 * until a scan moves none: one that forked meanwhile is found at the next. */
static int move_all(struct taper_cgroup *cg, size_t from, size_t to, struct taper_err *err)
{
	for (int round = 0; round < 64; round++) {
		_cleanup_free_ pid_t *src = NULL, *dst = NULL;
		size_t n_src = 0, n_dst = 0;
		bool moved = false;
		int r;

		if ((r = cg_collect_pids(cg->fds[from], &src, &n_src)) < 0 ||
		    (r = cg_collect_pids(cg->fds[to], &dst, &n_dst)) < 0)
			return err_set(err, r, "cgroup %s: list processes", cg->group);
		for (size_t k = 0; k < n_src; k++) {
			if (has_pid(dst, n_dst, src[k]))
				continue;
			r = cg_writef(cg->fds[to], "cgroup.procs", "%d", (int)src[k]);
			if (r < 0 && r != -ESRCH) /* ESRCH: it exited */
				return err_set(err, r, "move pid %d into cgroup %s", (int)src[k],
					       cg->paths[to]);
			moved |= r >= 0;
		}
		if (!moved)
			return 0;
	}
	return err_set(err, EBUSY, "cgroup %s: processes keep appearing", cg->paths[to]);
}

/* A minimal group has parts only in the hierarchies its limits used at
 * its creation: a limit that needs another makes the group there and
 * moves its processes in. As for every move between v1 groups, memory
 * charged before the move stays charged where it was. */
static int extend(struct taper_cgroup *cg, const struct taper_limits *l, struct taper_err *err)
{
	struct cgroup_manager *m = cg->m;
	unsigned need = limits_ctrls(l);
	int src = cg_unified_index(m);

	for (size_t i = 0; src < 0 && i < m->n_hiers; i++)
		if (cg->fds[i] >= 0)
			src = (int)i;
	if (src < 0 || cg->fds[src] < 0)
		return 0; /* nothing to move from: apply names what is missing */
	for (size_t i = 0; i < m->n_hiers; i++) {
		bool existed = false;
		int r;

		if (cg->fds[i] >= 0 || !(m->hiers[i].ctrls & need))
			continue;
		if ((r = make_dirs(cg, i, &existed, err)) < 0 || (r = move_all(cg, (size_t)src, i, err)) < 0)
			return r;
	}
	return 0;
}

int cgroup_set_limits(struct taper_cgroup *cg, const struct taper_limits *l, struct taper_err *err)
{
	int r = cgroup_validate(cg->m, l, err);

	if (r < 0 || (r = extend(cg, l, err)) < 0)
		return r;
	r = cg->m->ops->apply(cg, l, err);
	return r < 0 ? err_wrap(err, "cgroup %s", cg->group) : 0;
}

int cgroup_get_limits(struct taper_cgroup *cg, struct taper_limits *ret, struct taper_err *err)
{
	int r = cg->m->ops->read_limits(cg, ret, err);

	if (r < 0) {
		limits_clear(ret);
		return err_wrap(err, "cgroup %s", cg->group);
	}
	return 0;
}

int cgroup_stats(struct taper_cgroup *cg, struct cgroup_stats *ret, struct taper_err *err)
{
	*ret = (struct cgroup_stats){ .memory_limit = TAPER_UNSET, .pids_limit = TAPER_UNSET };
	int r = cg->m->ops->stats(cg, ret, err);

	return r < 0 ? err_wrap(err, "cgroup %s: stats", cg->group) : 0;
}

int cgroup_freeze(struct taper_cgroup *cg, bool frozen, struct taper_err *err)
{
	int r = cg->m->ops->freeze(cg, frozen, err);

	return r < 0 ? err_wrap(err, "cgroup %s: %s", cg->group, frozen ? "freeze" : "thaw") : 0;
}

int cgroup_thaw_file(struct taper_cgroup *cg, int *ret_fd, const char **ret_value)
{
	const char *file = NULL;
	int dirfd = -1, fd, r;

	if ((r = cg->m->ops->thaw_file(cg, &dirfd, &file, ret_value)) < 0)
		return r;
	fd = openat(dirfd, file, O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	*ret_fd = fd;
	return 0;
}

int cgroup_is_frozen(struct taper_cgroup *cg, bool *ret)
{
	return cg->m->ops->is_frozen(cg, ret);
}

static int primary_index(const struct taper_cgroup *cg)
{
	int i = cg_unified_index(cg->m);

	if (i < 0 || cg->fds[i] < 0)
		i = cg_hier_index(cg->m, CG_FREEZER);
	if (i < 0 || cg->fds[i] < 0)
		for (i = 0; (size_t)i < cg->m->n_hiers && cg->fds[i] < 0; i++)
			;
	return (size_t)i < cg->m->n_hiers ? i : -1;
}

int cgroup_pids(struct taper_cgroup *cg, pid_t **ret, size_t *ret_n, struct taper_err *err)
{
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;
	int i = primary_index(cg), r;

	if (i < 0)
		return err_set(err, ENOENT, "cgroup %s", cg->group);
	r = cg_collect_pids(cg->fds[i], &pids, &n);
	if (r < 0)
		return err_set(err, r, "read %s/cgroup.procs", cg->paths[i]);
	*ret = TAKE_PTR(pids);
	*ret_n = n;
	return 0;
}

int cgroup_destroy(struct taper_cgroup *cg, struct taper_err *err)
{
	int r = 0;

	/* Kill, wait a little, and kill again: a fork racing the first kill
	 * (without cgroup.kill) leaves a child behind. Bounded overall. */
	for (int round = 0; round < 10; round++) {
		r = cg->m->ops->is_empty(cg);
		if (r != 0)
			break;
		r = cg->m->ops->kill(cg, err);
		if (r < 0)
			return err_wrap(err, "destroy cgroup %s", cg->group);
		r = cg_wait(cg, cg->m->ops->is_empty, CG_WAIT_MS / 10);
		if (r == 0) {
			r = 1;
			break;
		}
	}
	if (r < 0)
		return err_set(err, r, "destroy cgroup %s", cg->group);
	if (r == 0)
		return err_set(err, EBUSY, "destroy cgroup %s: processes left after SIGKILL", cg->group);
	r = remove_dirs(cg, false, err);
	return r < 0 ? err_wrap(err, "destroy cgroup %s", cg->group) : 0;
}

int cgroup_remove_empty(struct taper_cgroup *cg, struct taper_err *err)
{
	int r = cg->m->ops->is_empty(cg);

	if (r < 0)
		return err_set(err, r, "cgroup %s", cg->group);
	if (r == 0)
		return err_set(err, EBUSY, "cgroup %s: processes left", cg->group);
	r = remove_dirs(cg, false, err);
	return r < 0 ? err_wrap(err, "remove cgroup %s", cg->group) : 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int cgroup_list(struct cgroup_manager *m, const char *parent, char ***ret_names, struct taper_err *err)
{
	_cleanup_strv_free_ char **names = NULL;
	char rel[256];
	size_t n = 0, k = 0;

	if (!name_is_valid(parent))
		return cg_refuse(err, EINVAL, "cgroup \"%s\": invalid group name", parent ? parent : "");
	snprintf(rel, sizeof(rel), "%s/%s", CG_TAPER_DIR, parent);
	if (!(names = calloc(1, sizeof(char *))))
		return err_set(err, ENOMEM, "list cgroups");
	for (size_t i = 0; i < m->n_hiers; i++) {
		int fd = openat2_resolve(m->hiers[i].fd, rel, O_RDONLY | O_DIRECTORY, 0, RESOLVE_CG);
		_cleanup_closedir_ DIR *d = NULL;
		struct dirent *de;

		if (fd == -ENOENT)
			continue;
		if (fd < 0)
			return err_set(err, fd, "list cgroups in %s/%s/%s", m->root, m->hiers[i].name, rel);
		if (!(d = fdopendir(fd))) {
			safe_close(fd);
			return err_set(err, errno, "list cgroups");
		}
		while ((de = readdir(d)))
			if (de->d_type == DT_DIR && name_is_valid(de->d_name) &&
			    strv_extend(&names, de->d_name) < 0)
				return err_set(err, ENOMEM, "list cgroups");
	}
	for (char **p = names; *p; p++)
		n++;
	qsort(names, n, sizeof(char *), cmp_str);
	/* Each name once. */
	for (size_t i = 0; i < n; i++) {
		if (k > 0 && strcmp(names[k - 1], names[i]) == 0) {
			free(names[i]);
			continue;
		}
		names[k++] = names[i];
	}
	names[k] = NULL;
	*ret_names = TAKE_PTR(names);
	return 0;
}

const char *cgroup_path(const struct taper_cgroup *cg, const char *controller)
{
	const struct cgroup_manager *m = cg->m;

	if (m->mode == CGROUP_MODE_V2)
		return cg->paths[0];
	if (!controller)
		return NULL;
	for (size_t i = 0; i < m->n_hiers; i++) {
		int c = cg_ctrl_from_name(controller, strlen(controller));

		if (strcmp(m->hiers[i].name, controller) == 0 ||
		    (c >= 0 && !m->hiers[i].unified && (m->hiers[i].ctrls & CG_BIT(c))))
			return cg->paths[i];
	}
	return NULL;
}
