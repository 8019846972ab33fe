/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * gc.c — taper_store_gc(): what SIGKILLed commands left in a store.
 *
 * Every item is judged by the kernel, never by a file alone: a run's group
 * by its owner's pid and start time (run/rungroup.c), a container's
 * residue by container_probe() (monitor and init both gone), a lock by
 * taking it. Each container name is handled under its lock, taken without
 * waiting: a busy name is some command's, and is left alone.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "container/container.h"
#include "run/run.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/parse.h"
#include "util/strv.h"

static int add(char ***list, const char *kind, const char *what)
{
	_cleanup_free_ char *line = NULL;

	if (asprintf(&line, "%s %s", kind, what) < 0)
		return -ENOMEM;
	return strv_extend(list, line);
}

static int gc_runs(struct taper_store *s, bool dry_run, char ***list, struct taper_err *err)
{
	_cleanup_(cgroup_manager_freep) struct cgroup_manager *cgm = NULL;
	_cleanup_strv_free_ char **groups = NULL;
	int r;

	if (cgroup_manager_open(NULL, &cgm, NULL) < 0)
		return 0; /* no cgroups, no groups to reclaim */
	if ((r = run_reclaim_groups(cgm, store_id(s), dry_run, &groups, err)) < 0)
		return r;
	for (char **g = groups; *g; g++) {
		char rel[256];

		snprintf(rel, sizeof(rel), "taper/%s", *g);
		if (add(list, "cgroup", rel) < 0)
			return err_set(err, ENOMEM, "gc");
	}
	return 0;
}

/* One runtime directory: the residue of a dead container, or all of it
 * when the name is no container any more. */
static int gc_runtime_one(struct taper_store *s, const char *name, bool dry_run, char ***list)
{
	_cleanup_(container_probe_clear) struct container_probe pr = { 0 };
	_cleanup_close_ int lock = -1;
	char path[256];
	bool exists;

	if (store_lock_new(s, name, false, &lock, NULL) < 0)
		return 0; /* busy: some command's */
	exists = store_exists(s, name);
	if (container_probe(s, name, &pr) < 0 || pr.monitor_alive || pr.init_alive ||
	    container_runtime_path(s, name, path, sizeof(path)) < 0 || (exists && !pr.have_record)) {
		store_unlock(s, name, TAKE_FD(lock));
		return 0;
	}
	if (!dry_run) {
		_cleanup_close_ int base = -1;
		char *slash = strrchr(path, '/');

		if (container_cleanup(s, name, NULL) < 0) {
			store_unlock(s, name, TAKE_FD(lock));
			return 0;
		}
		*slash = '\0';
		if (!exists && (base = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) >= 0)
			(void)rm_rf_at(base, name);
		*slash = '/';
	}
	store_unlock(s, name, TAKE_FD(lock));
	return add(list, exists ? "residue" : "runtime", exists ? name : path);
}

static int gc_runtime(struct taper_store *s, bool dry_run, char ***list, struct taper_err *err)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	char base[256];
	int fd;

	snprintf(base, sizeof(base), "%s/%s", TAPER_RUN_DEFAULT, store_id(s));
	fd = open(base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : err_set(err, errno, "runtime directory %s", base);
	if (!(d = fdopendir(fd))) {
		safe_close(fd);
		return err_set(err, errno, "runtime directory %s", base);
	}
	while ((de = readdir(d)))
		if (name_is_valid(de->d_name) && gc_runtime_one(s, de->d_name, dry_run, list) < 0)
			return err_set(err, ENOMEM, "gc");
	return 0;
}

TAPER_EXPORT int taper_store_gc(struct taper_store *s, bool dry_run, char ***ret_removed,
				struct taper_err *err)
{
	_cleanup_strv_free_ char **list = NULL, **locks = NULL;
	int r;

	if (!(list = calloc(1, sizeof(char *))))
		return err_set(err, ENOMEM, "gc");
	if ((r = gc_runs(s, dry_run, &list, err)) < 0 || (r = gc_runtime(s, dry_run, &list, err)) < 0 ||
	    (r = store_clean_locks(s, dry_run, &locks, err)) < 0)
		return err_wrap(err, "gc");
	for (char **l = locks; *l; l++)
		if (add(&list, "lock", *l) < 0)
			return err_set(err, ENOMEM, "gc");
	*ret_removed = TAKE_PTR(list);
	return 0;
}
