/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * v1.c — one hierarchy per controller (and hybrid: the same, plus the
 * group in the cgroup2 mount). Limits are written in the hierarchy of their
 * controller with the v1 file names and units (Documentation/admin-guide/
 * cgroup-v1/); a new cpuset group is given its parent's cpus and mems, since
 * the kernel creates it empty; freezing goes through freezer.state; killing
 * is freeze, SIGKILL every pid, thaw — or cgroup.kill in the cgroup2 mount
 * when hybrid and the kernel has it.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup/cgroup-internal.h"
#include "spec/limit-table.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/time.h"

/* What memory.limit_in_bytes and friends read when unlimited
 * (PAGE_COUNTER_MAX pages); anything this large means "no limit". */
#define V1_UNLIMITED 0x7FFFFFFFFFFFF000LL

#define MEMSW "memory.memsw.limit_in_bytes"

/* The group's directory in the hierarchy of controller c, or -1. */
static int fd_of(struct taper_cgroup *cg, enum cg_ctrl c)
{
	int i = cg_hier_index(cg->m, c);

	return i < 0 ? -1 : cg->fds[i];
}

/* A hybrid host's cgroup2 part of the group, or -1: what a minimal group
 * (cgroup_create_minimal()) has where it has no v1 part. */
static int unified_part(struct taper_cgroup *cg)
{
	int u = cg_unified_index(cg->m);

	return u < 0 ? -1 : cg->fds[u];
}

static int need(struct cgroup_manager *m, const char *name, enum cg_ctrl c, struct taper_err *err)
{
	if (cg_hier_index(m, c) >= 0)
		return 0;
	return cg_refuse(err, EOPNOTSUPP, "%s: no v1 %s hierarchy under %s", name, cg_ctrl_name(c), m->root);
}

/* bfq shows blkio.bfq.weight in child groups only; its statistics files
 * at the root tell that it is there. */
static bool blkio_has_weight(struct cgroup_manager *m)
{
	int i = cg_hier_index(m, CG_BLKIO);
	int fd = i < 0 ? -1 : m->hiers[i].fd;

	return fd >= 0 && (cg_file_exists(fd, "blkio.weight") || cg_file_exists(fd, "blkio.bfq.weight") ||
			   cg_file_exists(fd, "blkio.bfq.io_service_bytes"));
}

static int v1_validate(struct cgroup_manager *m, const struct taper_limits *l, struct taper_err *err)
{
	int i = cg_hier_index(m, CG_MEMORY), r;

	if ((l->memory_max != TAPER_UNSET && (r = need(m, "memory.max", CG_MEMORY, err)) < 0) ||
	    (l->memory_high != TAPER_UNSET && (r = need(m, "memory.high", CG_MEMORY, err)) < 0) ||
	    (l->swap_max != TAPER_UNSET && (r = need(m, "memory.swap.max", CG_MEMORY, err)) < 0) ||
	    (l->pids_max != TAPER_UNSET && (r = need(m, "pids.max", CG_PIDS, err)) < 0) ||
	    (l->cpu_weight != TAPER_UNSET && (r = need(m, "cpu.weight", CG_CPU, err)) < 0) ||
	    (l->cpu_shares != TAPER_UNSET && (r = need(m, "cpu.shares", CG_CPU, err)) < 0) ||
	    ((l->cpu_quota_us != TAPER_UNSET || l->cpu_period_us != TAPER_UNSET) &&
	     (r = need(m, "cpu.max", CG_CPU, err)) < 0) ||
	    (l->cpuset_cpus && (r = need(m, "cpuset.cpus", CG_CPUSET, err)) < 0) ||
	    (l->cpuset_mems && (r = need(m, "cpuset.mems", CG_CPUSET, err)) < 0) ||
	    (l->io_weight != TAPER_UNSET && (r = need(m, "io.weight", CG_BLKIO, err)) < 0))
		return r;
	if (l->swap_max != TAPER_UNSET) {
		if (!cg_file_exists(m->hiers[i].fd, MEMSW))
			return cg_refuse(err, EOPNOTSUPP,
					 "memory.swap.max: not supported: swap accounting is off "
					 "(no " MEMSW ")");
		if (l->memory_max == TAPER_UNSET || l->memory_max == CGROUP_LIMIT_MAX)
			if (l->swap_max != CGROUP_LIMIT_MAX)
				return cg_refuse(err, EINVAL,
						 "memory.swap.max: needs memory.max on cgroup v1");
	}
	if (l->io_weight != TAPER_UNSET && !blkio_has_weight(m))
		return cg_refuse(err, EOPNOTSUPP,
				 "io.weight: not supported: the blkio controller has no weight file "
				 "(no cfq or bfq scheduler)");
	for (size_t k = 0; k < l->n_raw; k++) {
		const char *f = l->raw[k].file;
		size_t n = strcspn(f, ".");
		int c = cg_ctrl_from_name(f, n);

		if (l->raw[k].version != 1)
			continue;
		if (c < 0 || cg_hier_index(m, (enum cg_ctrl)c) < 0)
			return cg_refuse(err, EOPNOTSUPP, "cgroup.v1.%s: no v1 hierarchy for \"%.*s\"", f,
					 (int)n, f);
	}
	return 0;
}

/* The kernel creates a cpuset group with empty cpus and mems, and refuses
 * tasks until they are set: copy them down from the parent. */
static int v1_prepare(struct cgroup_manager *m, const struct cg_hier *h, int parent_fd, int child_fd,
		      struct taper_err *err)
{
	static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };

	if (h->unified || !(h->ctrls & CG_BIT(CG_CPUSET)))
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		_cleanup_free_ char *mine = NULL, *theirs = NULL;
		int r;

		r = cg_read(child_fd, files[i], &mine);
		if (r < 0)
			return err_set(err, r, "read %s", files[i]);
		if (mine[strspn(mine, " \n")] != '\0')
			continue;
		r = cg_read(parent_fd, files[i], &theirs);
		if (r < 0)
			return err_set(err, r, "read parent's %s", files[i]);
		theirs[strcspn(theirs, "\n")] = '\0';
		r = cg_write(child_fd, files[i], theirs);
		if (r < 0)
			return err_set(err, r, "%s: write \"%s\"", files[i], theirs);
	}
	return 0;
}

/* Writes value to file; name is the limit's one name, for the message. */
static int put(int fd, const char *name, const char *file, const char *value, struct taper_err *err)
{
	int r = fd < 0 ? -ENOENT : cg_write(fd, file, value);

	if (r >= 0)
		return 0;
	if (strcmp(name, file) == 0)
		return err_set(err, r, "%s: write \"%s\"", file, value);
	return err_set(err, r, "%s: write \"%s\" to %s", name, value, file);
}

static int putn(int fd, const char *name, const char *file, int64_t v, struct taper_err *err)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%lld", v == CGROUP_LIMIT_MAX ? -1LL : (long long)v);
	return put(fd, name, file, buf, err);
}

static int apply_memory(struct taper_cgroup *cg, const struct taper_limits *l, struct taper_err *err)
{
	int fd = fd_of(cg, CG_MEMORY), r;
	int64_t memsw = TAPER_UNSET;

	if (l->swap_max != TAPER_UNSET)
		memsw = l->swap_max == CGROUP_LIMIT_MAX || l->memory_max == CGROUP_LIMIT_MAX
				? CGROUP_LIMIT_MAX
				: l->memory_max + l->swap_max;
	if (l->memory_max != TAPER_UNSET) {
		/* memory <= memsw at every moment: when raising memory above
		 * the current memsw, memsw has to go first. */
		r = putn(fd, "memory.max", "memory.limit_in_bytes", l->memory_max, NULL);
		if (r == -EINVAL && memsw != TAPER_UNSET) {
			if ((r = putn(fd, "memory.swap.max", MEMSW, memsw, err)) < 0)
				return r;
			memsw = TAPER_UNSET;
		}
		if ((r = putn(fd, "memory.max", "memory.limit_in_bytes", l->memory_max, err)) < 0)
			return r;
	}
	if (memsw != TAPER_UNSET && (r = putn(fd, "memory.swap.max", MEMSW, memsw, err)) < 0)
		return r;
	if (l->memory_high != TAPER_UNSET &&
	    (r = putn(fd, "memory.high", "memory.soft_limit_in_bytes", l->memory_high, err)) < 0)
		return r;
	return 0;
}

static int apply_cpu(struct taper_cgroup *cg, const struct taper_limits *l, struct taper_err *err)
{
	int fd = fd_of(cg, CG_CPU), r;

	if (l->cpu_shares != TAPER_UNSET || l->cpu_weight != TAPER_UNSET) {
		int64_t shares =
			l->cpu_shares != TAPER_UNSET ? l->cpu_shares : limit_weight_to_shares(l->cpu_weight);

		if ((r = putn(fd, l->cpu_shares != TAPER_UNSET ? "cpu.shares" : "cpu.weight", "cpu.shares",
			      shares, err)) < 0)
			return r;
	}
	if (l->cpu_quota_us != TAPER_UNSET || l->cpu_period_us != TAPER_UNSET) {
		int64_t period = l->cpu_period_us != TAPER_UNSET ? l->cpu_period_us : LIMIT_CPU_PERIOD_US;

		if ((r = putn(fd, "cpu.max", "cpu.cfs_period_us", period, err)) < 0)
			return r;
		if (l->cpu_quota_us != TAPER_UNSET &&
		    (r = putn(fd, "cpu.max", "cpu.cfs_quota_us", l->cpu_quota_us, err)) < 0)
			return r;
	}
	return 0;
}

static int v1_apply(struct taper_cgroup *cg, const struct taper_limits *l, struct taper_err *err)
{
	int r, fd;

	fd = fd_of(cg, CG_CPUSET);
	if (l->cpuset_cpus && (r = put(fd, "cpuset.cpus", "cpuset.cpus", l->cpuset_cpus, err)) < 0)
		return r;
	if (l->cpuset_mems && (r = put(fd, "cpuset.mems", "cpuset.mems", l->cpuset_mems, err)) < 0)
		return r;
	if ((r = apply_cpu(cg, l, err)) < 0 || (r = apply_memory(cg, l, err)) < 0)
		return r;
	if (l->pids_max != TAPER_UNSET) {
		char v[24];

		if (l->pids_max == CGROUP_LIMIT_MAX)
			snprintf(v, sizeof(v), "max");
		else
			snprintf(v, sizeof(v), "%lld", (long long)l->pids_max);
		if ((r = put(fd_of(cg, CG_PIDS), "pids.max", "pids.max", v, err)) < 0)
			return r;
	}
	if (l->io_weight != TAPER_UNSET) {
		fd = fd_of(cg, CG_BLKIO);
		const char *file =
			fd >= 0 && cg_file_exists(fd, "blkio.weight") ? "blkio.weight" : "blkio.bfq.weight";

		if (fd >= 0 && !cg_file_exists(fd, file))
			return cg_refuse(err, EOPNOTSUPP,
					 "io.weight: not supported: no blkio.weight or "
					 "blkio.bfq.weight in %s",
					 cg->paths[cg_hier_index(cg->m, CG_BLKIO)]);
		if ((r = putn(fd, "io.weight", file, limit_io_weight_to_blkio(l->io_weight), err)) < 0)
			return r;
	}
	for (size_t i = 0; i < l->n_raw; i++) {
		const char *f = l->raw[i].file;
		int c;

		if (l->raw[i].version != 1)
			continue;
		c = cg_ctrl_from_name(f, strcspn(f, "."));
		if ((r = put(c < 0 ? -1 : fd_of(cg, (enum cg_ctrl)c), f, f, l->raw[i].value, err)) < 0)
			return err_wrap(err, "cgroup.v1.%s", f);
	}
	return 0;
}

/* A limit read back: unset when the file is missing or unlimited. */
static int64_t get(int fd, const char *file)
{
	int64_t v;

	if (fd < 0 || cg_read_i64(fd, file, &v) < 0 || v < 0 || v >= V1_UNLIMITED)
		return TAPER_UNSET;
	return v;
}

static int read_list(int fd, const char *file, char **ret)
{
	_cleanup_free_ char *s = NULL;

	if (fd < 0 || cg_read(fd, file, &s) < 0)
		return 0;
	s[strcspn(s, "\n")] = '\0';
	if (*s)
		*ret = TAKE_PTR(s);
	return 0;
}

static int v1_read_limits(struct taper_cgroup *cg, struct taper_limits *l, struct taper_err *err)
{
	int mem = fd_of(cg, CG_MEMORY), cpu = fd_of(cg, CG_CPU), blk = fd_of(cg, CG_BLKIO);
	int64_t memsw, w;

	l->memory_max = get(mem, "memory.limit_in_bytes");
	l->memory_high = get(mem, "memory.soft_limit_in_bytes");
	memsw = get(mem, MEMSW);
	if (memsw != TAPER_UNSET && l->memory_max != TAPER_UNSET)
		l->swap_max = memsw - l->memory_max;
	l->pids_max = get(fd_of(cg, CG_PIDS), "pids.max");
	l->cpu_shares = get(cpu, "cpu.shares");
	if (l->cpu_shares != TAPER_UNSET)
		l->cpu_weight = limit_shares_to_weight(l->cpu_shares);
	l->cpu_quota_us = get(cpu, "cpu.cfs_quota_us");
	l->cpu_period_us = get(cpu, "cpu.cfs_period_us");
	w = get(blk, "blkio.weight");
	if (w == TAPER_UNSET)
		w = get(blk, "blkio.bfq.weight");
	if (w != TAPER_UNSET)
		l->io_weight = limit_blkio_to_io_weight(w);
	read_list(fd_of(cg, CG_CPUSET), "cpuset.cpus", &l->cpuset_cpus);
	read_list(fd_of(cg, CG_CPUSET), "cpuset.mems", &l->cpuset_mems);
	return 0;
}

/* "8:0 Read 4096" lines of a blkio service-bytes file; 0 when found. */
static int read_blkio(int fd, const char *file, struct cgroup_stats *st)
{
	_cleanup_free_ char *s = NULL;
	char *save = NULL;

	if (fd < 0 || cg_read(fd, file, &s) < 0)
		return -ENOENT;
	for (char *line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char dev[32], op[16];
		unsigned long long n;

		if (sscanf(line, "%31s %15s %llu", dev, op, &n) != 3)
			continue;
		if (strcmp(op, "Read") == 0)
			st->io_read_bytes += n;
		else if (strcmp(op, "Write") == 0)
			st->io_write_bytes += n;
	}
	return 0;
}

static int v1_stats(struct taper_cgroup *cg, struct cgroup_stats *st, struct taper_err *err)
{
	static const char *const blkio_files[] = {
		"blkio.throttle.io_service_bytes_recursive",
		"blkio.io_service_bytes_recursive",
		"blkio.io_service_bytes",
	};
	int mem = fd_of(cg, CG_MEMORY), pids = fd_of(cg, CG_PIDS), acct = fd_of(cg, CG_CPUACCT);
	int64_t v;
	uint64_t u;

	if (acct >= 0 && cg_read_i64(acct, "cpuacct.usage", &v) == 0)
		st->cpu_usage_ns = (uint64_t)v;
	else if (acct < 0 && unified_part(cg) >= 0 &&
		 cg_read_keyed(unified_part(cg), "cpu.stat", "usage_usec", &u) == 0)
		st->cpu_usage_ns = u * 1000; /* cgroup2's own CPU time, with or without a controller */
	if (mem >= 0 && cg_read_i64(mem, "memory.usage_in_bytes", &v) == 0)
		st->memory_current = (uint64_t)v;
	if (mem >= 0 && cg_read_i64(mem, "memory.max_usage_in_bytes", &v) == 0)
		st->memory_peak = (uint64_t)v;
	st->memory_limit = get(mem, "memory.limit_in_bytes");
	if (mem >= 0 && cg_read_keyed(mem, "memory.oom_control", "oom_kill", &u) == 0)
		st->oom_kills = u;
	if (pids >= 0 && cg_read_i64(pids, "pids.current", &v) == 0)
		st->pids_current = (uint64_t)v;
	st->pids_limit = get(pids, "pids.max");
	for (size_t i = 0; i < ARRAY_SIZE(blkio_files); i++)
		if (read_blkio(fd_of(cg, CG_BLKIO), blkio_files[i], st) == 0)
			break;
	return 0;
}

static int freezer_state(int fd, bool *ret)
{
	_cleanup_free_ char *s = NULL;
	int r = cg_read(fd, "freezer.state", &s);

	if (r < 0)
		return r;
	*ret = strncmp(s, "FROZEN", 6) == 0;
	return 0;
}

static int is_frozen_pred(struct taper_cgroup *cg)
{
	bool frozen = false;
	int r = freezer_state(fd_of(cg, CG_FREEZER), &frozen);

	return r < 0 ? r : frozen;
}

static int is_thawed_pred(struct taper_cgroup *cg)
{
	bool frozen = true;
	int r = freezer_state(fd_of(cg, CG_FREEZER), &frozen);

	return r < 0 ? r : !frozen;
}

/*
 * v1 freezes a snapshot of the task list: a task forked while the write
 * walks the cgroup can stay unfrozen and freezer.state reads FREEZING for
 * good. Each write of FROZEN walks the tasks again, so keep writing it for
 * a short while; every few rounds thaw and start over, as a task caught
 * half-way through a state change may only settle once thawed. A freeze
 * that does not settle is undone, never left half done.
 */
static int v1_freeze(struct taper_cgroup *cg, bool frozen, struct taper_err *err)
{
	const char *want = frozen ? "FROZEN" : "THAWED";
	int64_t deadline = now_ms() + CG_WAIT_MS;
	int fd = fd_of(cg, CG_FREEZER), r;

	if (fd < 0 && (fd = unified_part(cg)) >= 0)
		return cg2_freeze(fd, frozen, err);
	if (fd < 0)
		return err_set(err, EOPNOTSUPP, "no v1 freezer hierarchy under %s", cg->m->root);
	for (unsigned round = 1;; round++) {
		if (frozen && round % 8 == 0)
			(void)cg_write(fd, "freezer.state", "THAWED");
		r = cg_write(fd, "freezer.state", want);
		if (r < 0)
			break;
		r = cg_wait(cg, frozen ? is_frozen_pred : is_thawed_pred, 50);
		if (r != -ETIMEDOUT || now_ms() >= deadline)
			break;
	}
	if (r >= 0)
		return 0;
	if (frozen)
		(void)cg_write(fd, "freezer.state", "THAWED");
	if (r == -ETIMEDOUT)
		return err_set(err, r, "freezer.state: not %s after %d ms", want, CG_WAIT_MS);
	return err_set(err, r, "freezer.state: write \"%s\"", want);
}

static int v1_is_frozen(struct taper_cgroup *cg, bool *ret)
{
	int fd = fd_of(cg, CG_FREEZER);

	if (fd < 0 && (fd = unified_part(cg)) >= 0)
		return cg2_is_frozen(fd, ret);
	return fd < 0 ? -EOPNOTSUPP : freezer_state(fd, ret);
}

static int v1_thaw_file(struct taper_cgroup *cg, int *ret_dirfd, const char **ret_file,
			const char **ret_value)
{
	*ret_dirfd = fd_of(cg, CG_FREEZER);
	*ret_file = "freezer.state";
	*ret_value = "THAWED";
	if (*ret_dirfd < 0 && (*ret_dirfd = unified_part(cg)) >= 0) {
		*ret_file = "cgroup.freeze"; /* as v1_freeze() */
		*ret_value = "0";
	}
	return *ret_dirfd < 0 ? -EOPNOTSUPP : 0;
}

static int v1_kill(struct taper_cgroup *cg, struct taper_err *err)
{
	int u = cg_unified_index(cg->m);
	bool frozen = false;

	/* Hybrid with cgroup.kill: one write kills the whole tree, forks
	 * included; the sweep below then finds nothing. */
	if (u >= 0 && cg->fds[u] >= 0)
		(void)cg_write(cg->fds[u], "cgroup.kill", "1");
	if (fd_of(cg, CG_FREEZER) >= 0)
		frozen = v1_freeze(cg, true, NULL) == 0;
	for (size_t i = 0; i < cg->m->n_hiers; i++) {
		_cleanup_free_ pid_t *pids = NULL;
		size_t n = 0;

		if (cg->fds[i] < 0 || cg_collect_pids(cg->fds[i], &pids, &n) < 0)
			continue;
		for (size_t k = 0; k < n; k++)
			(void)kill(pids[k], SIGKILL);
	}
	/* SIGKILL is delivered once the tasks thaw. */
	if (frozen && v1_freeze(cg, false, err) < 0)
		return err_ret(err);
	return 0;
}

static int v1_is_empty(struct taper_cgroup *cg)
{
	for (size_t i = 0; i < cg->m->n_hiers; i++) {
		_cleanup_free_ pid_t *pids = NULL;
		size_t n = 0;
		int r;

		if (cg->fds[i] < 0)
			continue;
		r = cg_collect_pids(cg->fds[i], &pids, &n);
		if (r < 0)
			return r;
		if (n > 0)
			return 0;
	}
	return 1;
}

const struct cgroup_ops cgroup_v1_ops = {
	.name = "v1",
	.validate = v1_validate,
	.prepare = v1_prepare,
	.apply = v1_apply,
	.read_limits = v1_read_limits,
	.stats = v1_stats,
	.freeze = v1_freeze,
	.is_frozen = v1_is_frozen,
	.thaw_file = v1_thaw_file,
	.kill = v1_kill,
	.is_empty = v1_is_empty,
};
