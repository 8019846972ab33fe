/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rungroup.c — naming and reclaiming the cgroups of `taper run` (run.h).
 *
 * A run removes its group when its command exits; a run killed with
 * SIGKILL cannot, and its container follows it (parent-death signal),
 * leaving an empty group in every hierarchy it used. The next run of the
 * same store, and `taper gc`, remove those.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "run/run.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/proc.h"
#include "util/strv.h"

int run_group_name(char *buf, size_t n)
{
	uint64_t start;
	int r, w;

	if ((r = proc_start_time(getpid(), &start)) < 0)
		return r;
	w = snprintf(buf, n, "run-%d-%" PRIu64, (int)getpid(), start);
	return w < 0 || (size_t)w >= n ? -ENAMETOOLONG : 0;
}

bool run_group_is_orphan(const char *name)
{
	unsigned long long start;
	int pid, end = 0;
	uint64_t t;

	if (sscanf(name, "run-%d-%llu%n", &pid, &start, &end) == 2 && name[end] == '\0')
		return pid > 0 && !proc_matches(pid, start);
	end = 0;
	if (sscanf(name, "run-%d%n", &pid, &end) == 1 && name[end] == '\0')
		return pid > 0 && proc_start_time(pid, &t) == -ESRCH;
	return false;
}

int run_reclaim_groups(struct cgroup_manager *m, const char *store_id, bool dry_run, char ***ret_removed,
		       struct taper_err *err)
{
	_cleanup_strv_free_ char **names = NULL, **removed = NULL;
	int r;

	if ((r = cgroup_list(m, store_id, &names, err)) < 0)
		return r;
	for (char **p = names; *p; p++) {
		_cleanup_(cgroup_freep) struct taper_cgroup *cg = NULL;
		_cleanup_free_ pid_t *pids = NULL;
		size_t n = 0;
		char group[128];

		if (!run_group_is_orphan(*p) || run_cgroup_group(group, sizeof(group), store_id, *p) < 0 ||
		    cgroup_open(m, group, &cg, NULL) < 0)
			continue;
		if (dry_run ? cgroup_pids(cg, &pids, &n, NULL) < 0 || n > 0
			    : cgroup_remove_empty(cg, NULL) < 0)
			continue; /* processes left, or removed meanwhile */
		if (ret_removed && strv_extend(&removed, group) < 0)
			return err_set(err, ENOMEM, "reclaim cgroups");
	}
	if (ret_removed)
		*ret_removed = removed ? TAKE_PTR(removed) : calloc(1, sizeof(char *));
	if (ret_removed && !*ret_removed)
		return err_set(err, ENOMEM, "reclaim cgroups");
	return 0;
}
