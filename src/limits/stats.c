/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * stats.c — snapshots of a running container's cgroup counters, and the
 * CPU share between two of them.
 */
#include <errno.h>
#include <time.h>

#include "cgroup/cgroup.h"
#include "limits/limits.h"
#include "store/store.h"
#include "util/cleanup.h"
#include "util/err.h"

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int limits_stats(struct taper_store *s, struct cgroup_manager *m, const char *name, struct taper_stats *ret,
		 struct taper_err *err)
{
	_cleanup_(cgroup_freep) struct taper_cgroup *cg = NULL;
	_cleanup_free_ char *group = NULL;
	_cleanup_close_ int dirfd = -1;
	struct cgroup_stats st;
	int r;

	if ((r = store_check_name(name, err)) < 0 || (r = store_open_container(s, name, &dirfd, err)) < 0)
		return r;
	if (store_cgroup_group(s, name, &group) < 0)
		return err_set(err, ENOMEM, "container \"%s\"", name);
	r = cgroup_open(m, group, &cg, err);
	if (r == -ENOENT)
		return err_plain(err, ESRCH, "container \"%s\" is not running", name);
	if (r < 0)
		return err_wrap(err, "container \"%s\"", name);
	/* The clock first: the counters are read right after it. */
	ret->timestamp_ns = now_ns();
	if ((r = cgroup_stats(cg, &st, err)) < 0)
		return err_wrap(err, "container \"%s\"", name);
	ret->cpu_usage_ns = st.cpu_usage_ns;
	ret->memory_bytes = st.memory_current;
	ret->memory_peak_bytes = st.memory_peak;
	ret->memory_limit_bytes = st.memory_limit;
	ret->pids = st.pids_current;
	ret->pids_limit = st.pids_limit;
	ret->io_read_bytes = st.io_read_bytes;
	ret->io_write_bytes = st.io_write_bytes;
	ret->oom_kills = st.oom_kills;
	return 0;
}

double limits_cpu_percent(const struct taper_stats *before, const struct taper_stats *after)
{
	if (after->timestamp_ns <= before->timestamp_ns || after->cpu_usage_ns < before->cpu_usage_ns)
		return 0.0;
	return 100.0 * (double)(after->cpu_usage_ns - before->cpu_usage_ns) /
	       (double)(after->timestamp_ns - before->timestamp_ns);
}

TAPER_EXPORT int taper_container_stats(struct taper_store *s, const char *name, struct taper_stats *ret,
				       struct taper_err *err)
{
	_cleanup_(cgroup_manager_freep) struct cgroup_manager *m = NULL;
	int r;

	r = cgroup_manager_open(NULL, &m, err);
	return r < 0 ? r : limits_stats(s, m, name, ret, err);
}

TAPER_EXPORT double taper_stats_cpu_percent(const struct taper_stats *before, const struct taper_stats *after)
{
	return limits_cpu_percent(before, after);
}
