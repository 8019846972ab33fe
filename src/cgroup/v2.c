/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * v2.c — the unified hierarchy: controllers enabled in cgroup.subtree_control
 * on the way down, limits as the files the kernel documents in
 * Documentation/admin-guide/cgroup-v2.rst, cgroup.freeze with cgroup.events,
 * and cgroup.kill (5.14+) with a freeze-and-SIGKILL fallback.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cgroup/cgroup-internal.h"
#include "spec/limit-table.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/time.h"

/* Controllers taper enables for its groups when the parent offers them. */
static const enum cg_ctrl wanted[] = { CG_CPU, CG_CPUSET, CG_IO, CG_MEMORY, CG_PIDS };

/* Byte and count limits: one row per file, "max" for CGROUP_LIMIT_MAX. */
static const struct {
	const char *file;
	size_t off;
	enum cg_ctrl ctrl;
} amounts[] = {
	{ "memory.max", offsetof(struct taper_limits, memory_max), CG_MEMORY },
	{ "memory.high", offsetof(struct taper_limits, memory_high), CG_MEMORY },
	{ "memory.swap.max", offsetof(struct taper_limits, swap_max), CG_MEMORY },
	{ "pids.max", offsetof(struct taper_limits, pids_max), CG_PIDS },
};

#define FIELD(l, off) (*(int64_t *)((char *)(l) + (off)))

static int need(struct cgroup_manager *m, const char *name, enum cg_ctrl c, struct taper_err *err)
{
	if (m->ctrls & CG_BIT(c))
		return 0;
	return cg_refuse(err, EOPNOTSUPP, "%s: %s controller not available in %s", name, cg_ctrl_name(c),
			 m->root);
}

static int v2_validate(struct cgroup_manager *m, const struct taper_limits *l, struct taper_err *err)
{
	int r;

	for (size_t i = 0; i < ARRAY_SIZE(amounts); i++)
		if (FIELD(l, amounts[i].off) != TAPER_UNSET &&
		    (r = need(m, amounts[i].file, amounts[i].ctrl, err)) < 0)
			return r;
	if ((l->cpu_weight != TAPER_UNSET && (r = need(m, "cpu.weight", CG_CPU, err)) < 0) ||
	    (l->cpu_shares != TAPER_UNSET && (r = need(m, "cpu.shares", CG_CPU, err)) < 0) ||
	    ((l->cpu_quota_us != TAPER_UNSET || l->cpu_period_us != TAPER_UNSET) &&
	     (r = need(m, "cpu.max", CG_CPU, err)) < 0) ||
	    (l->cpuset_cpus && (r = need(m, "cpuset.cpus", CG_CPUSET, err)) < 0) ||
	    (l->cpuset_mems && (r = need(m, "cpuset.mems", CG_CPUSET, err)) < 0) ||
	    (l->io_weight != TAPER_UNSET && (r = need(m, "io.weight", CG_IO, err)) < 0))
		return r;
	for (size_t i = 0; i < l->n_raw; i++) {
		const char *f = l->raw[i].file;
		size_t n = strcspn(f, ".");
		int c = cg_ctrl_from_name(f, n);

		if (l->raw[i].version != 2 || strncmp(f, "cgroup.", 7) == 0)
			continue;
		if (c < 0 || !(m->ctrls & CG_BIT(c)))
			return cg_refuse(err, EOPNOTSUPP, "cgroup.v2.%s: controller \"%.*s\" not available",
					 f, (int)n, f);
	}
	return 0;
}

static int v2_prepare(struct cgroup_manager *m, const struct cg_hier *h, int parent_fd, int child_fd,
		      struct taper_err *err)
{
	_cleanup_free_ char *avail = NULL, *on = NULL;
	char add[128] = "";
	int r;

	if (cg_read(parent_fd, "cgroup.controllers", &avail) < 0 ||
	    cg_read(parent_fd, "cgroup.subtree_control", &on) < 0)
		return 0; /* nothing to delegate */
	for (size_t i = 0; i < ARRAY_SIZE(wanted); i++) {
		const char *name = cg_ctrl_name(wanted[i]);

		if (cg_has_word(avail, name) && !cg_has_word(on, name))
			snprintf(add + strlen(add), sizeof(add) - strlen(add), "%s+%s", *add ? " " : "",
				 name);
	}
	if (!*add)
		return 0;
	r = cg_write(parent_fd, "cgroup.subtree_control", add);
	return r < 0 ? err_set(err, r, "cgroup.subtree_control: write \"%s\"", add) : 0;
}

static void fmt_amount(char *buf, size_t len, int64_t v)
{
	if (v == CGROUP_LIMIT_MAX)
		snprintf(buf, len, "max");
	else
		snprintf(buf, len, "%lld", (long long)v);
}

static int put(int fd, const char *file, const char *value, struct taper_err *err)
{
	int r = cg_write(fd, file, value);

	return r < 0 ? err_set(err, r, "%s: write \"%s\"", file, value) : 0;
}

static int v2_apply(struct taper_cgroup *cg, const struct taper_limits *l, struct taper_err *err)
{
	int fd = cg->fds[0];
	char v[64];
	int r;

	if (l->cpuset_cpus && (r = put(fd, "cpuset.cpus", l->cpuset_cpus, err)) < 0)
		return r;
	if (l->cpuset_mems && (r = put(fd, "cpuset.mems", l->cpuset_mems, err)) < 0)
		return r;
	if (l->cpu_weight != TAPER_UNSET || l->cpu_shares != TAPER_UNSET) {
		int64_t w =
			l->cpu_weight != TAPER_UNSET ? l->cpu_weight : limit_shares_to_weight(l->cpu_shares);

		snprintf(v, sizeof(v), "%lld", (long long)w);
		if ((r = put(fd, "cpu.weight", v, err)) < 0)
			return r;
	}
	if (l->cpu_quota_us != TAPER_UNSET || l->cpu_period_us != TAPER_UNSET) {
		char q[24];

		fmt_amount(q, sizeof(q), l->cpu_quota_us == TAPER_UNSET ? CGROUP_LIMIT_MAX : l->cpu_quota_us);
		snprintf(v, sizeof(v), "%s %lld", q,
			 (long long)(l->cpu_period_us != TAPER_UNSET ? l->cpu_period_us
								     : LIMIT_CPU_PERIOD_US));
		if ((r = put(fd, "cpu.max", v, err)) < 0)
			return r;
	}
	for (size_t i = 0; i < ARRAY_SIZE(amounts); i++) {
		int64_t x = FIELD(l, amounts[i].off);

		if (x == TAPER_UNSET)
			continue;
		fmt_amount(v, sizeof(v), x);
		if ((r = put(fd, amounts[i].file, v, err)) < 0)
			return r;
	}
	if (l->io_weight != TAPER_UNSET) {
		snprintf(v, sizeof(v), "default %lld", (long long)l->io_weight);
		if ((r = put(fd, "io.weight", v, err)) < 0)
			return r;
	}
	for (size_t i = 0; i < l->n_raw; i++)
		if (l->raw[i].version == 2 && (r = put(fd, l->raw[i].file, l->raw[i].value, err)) < 0)
			return err_wrap(err, "cgroup.v2.%s", l->raw[i].file);
	return 0;
}

static int read_list(int fd, const char *file, char **ret)
{
	_cleanup_free_ char *s = NULL;

	if (cg_read(fd, file, &s) < 0)
		return 0;
	s[strcspn(s, "\n")] = '\0';
	if (*s)
		*ret = TAKE_PTR(s);
	return 0;
}

static int v2_read_limits(struct taper_cgroup *cg, struct taper_limits *l, struct taper_err *err)
{
	_cleanup_free_ char *s = NULL;
	int fd = cg->fds[0];
	int64_t v;

	for (size_t i = 0; i < ARRAY_SIZE(amounts); i++)
		if (cg_read_i64(fd, amounts[i].file, &v) == 0 && v != INT64_MAX)
			FIELD(l, amounts[i].off) = v;
	if (cg_read_i64(fd, "cpu.weight", &v) == 0)
		l->cpu_weight = v;
	if (cg_read(fd, "cpu.max", &s) == 0) {
		char q[24];
		long long p;

		if (sscanf(s, "%23s %lld", q, &p) == 2) {
			l->cpu_period_us = p;
			if (strcmp(q, "max") != 0)
				l->cpu_quota_us = strtoll(q, NULL, 10);
		}
		free(s);
		s = NULL;
	}
	if (cg_read(fd, "io.weight", &s) == 0) {
		long long w;

		if (sscanf(s, "default %lld", &w) == 1)
			l->io_weight = w;
	}
	read_list(fd, "cpuset.cpus", &l->cpuset_cpus);
	read_list(fd, "cpuset.mems", &l->cpuset_mems);
	return 0;
}

/* Sums rbytes= and wbytes= over the devices of io.stat. */
static void read_io_stat(int fd, struct cgroup_stats *st)
{
	_cleanup_free_ char *s = NULL;

	if (cg_read(fd, "io.stat", &s) < 0)
		return;
	for (char *p = s; (p = strstr(p, "bytes=")); p += 6) {
		unsigned long long n = strtoull(p + 6, NULL, 10);

		if (p > s && p[-1] == 'r')
			st->io_read_bytes += n;
		else if (p > s && p[-1] == 'w')
			st->io_write_bytes += n;
	}
}

static int v2_stats(struct taper_cgroup *cg, struct cgroup_stats *st, struct taper_err *err)
{
	int fd = cg->fds[0];
	uint64_t u;
	int64_t v;

	if (cg_read_keyed(fd, "cpu.stat", "usage_usec", &u) == 0)
		st->cpu_usage_ns = u * 1000;
	if (cg_read_i64(fd, "memory.current", &v) == 0)
		st->memory_current = (uint64_t)v;
	if (cg_read_i64(fd, "memory.peak", &v) == 0)
		st->memory_peak = (uint64_t)v;
	if (cg_read_i64(fd, "memory.max", &v) == 0 && v != INT64_MAX)
		st->memory_limit = v;
	if (cg_read_i64(fd, "pids.current", &v) == 0)
		st->pids_current = (uint64_t)v;
	if (cg_read_i64(fd, "pids.max", &v) == 0 && v != INT64_MAX)
		st->pids_limit = v;
	if (cg_read_keyed(fd, "memory.events", "oom_kill", &u) == 0)
		st->oom_kills = u;
	read_io_stat(fd, st);
	return 0;
}

/* Wait until cgroup.events says "key want". The kernel signals changes of
 * this file with POLLPRI; the short poll timeout also covers a tree of
 * plain files, where poll returns at once. */
static int wait_event(int dirfd, const char *key, uint64_t want, int ms)
{
	_cleanup_close_ int fd = -1;
	int64_t deadline = now_ms() + ms;

	fd = openat(dirfd, "cgroup.events", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	for (;;) {
		uint64_t v;
		int r = cg_read_keyed(dirfd, "cgroup.events", key, &v);
		struct pollfd pfd = { .fd = fd, .events = POLLPRI };
		int64_t left = deadline - now_ms();

		if (r < 0)
			return r;
		if (v == want)
			return 0;
		if (left <= 0)
			return -ETIMEDOUT;
		r = poll(&pfd, 1, left < 20 ? (int)left : 20);
		if (r > 0 && !(pfd.revents & POLLPRI))
			usleep(1000);
	}
}

int cg2_freeze(int dirfd, bool frozen, struct taper_err *err)
{
	int r = cg_write(dirfd, "cgroup.freeze", frozen ? "1" : "0");

	if (r < 0)
		return err_set(err, r, "cgroup.freeze: write \"%d\"", frozen);
	r = wait_event(dirfd, "frozen", frozen, CG_WAIT_MS);
	if (r < 0)
		return err_set(err, r, "wait for cgroup.events \"frozen %d\"", frozen);
	return 0;
}

int cg2_is_frozen(int dirfd, bool *ret)
{
	uint64_t v;
	int r = cg_read_keyed(dirfd, "cgroup.events", "frozen", &v);

	if (r < 0)
		return r;
	*ret = v == 1;
	return 0;
}

static int v2_freeze(struct taper_cgroup *cg, bool frozen, struct taper_err *err)
{
	return cg2_freeze(cg->fds[0], frozen, err);
}

static int v2_is_frozen(struct taper_cgroup *cg, bool *ret)
{
	return cg2_is_frozen(cg->fds[0], ret);
}

static int v2_thaw_file(struct taper_cgroup *cg, int *ret_dirfd, const char **ret_file,
			const char **ret_value)
{
	*ret_dirfd = cg->fds[0];
	*ret_file = "cgroup.freeze";
	*ret_value = "0";
	return 0;
}

static int v2_kill(struct taper_cgroup *cg, struct taper_err *err)
{
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;
	int fd = cg->fds[0], r;

	r = cg_write(fd, "cgroup.kill", "1");
	if (r == 0)
		return 0;
	if (r != -ENOENT)
		return err_set(err, r, "cgroup.kill");
	/* Before 5.14: freeze, so nothing forks while we kill, then thaw. */
	(void)v2_freeze(cg, true, NULL);
	r = cg_collect_pids(fd, &pids, &n);
	for (size_t i = 0; r == 0 && i < n; i++)
		(void)kill(pids[i], SIGKILL);
	(void)v2_freeze(cg, false, NULL);
	return r < 0 ? err_set(err, r, "read cgroup.procs") : 0;
}

static int v2_is_empty(struct taper_cgroup *cg)
{
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;
	uint64_t v;
	int r;

	if (cg_read_keyed(cg->fds[0], "cgroup.events", "populated", &v) == 0)
		return v == 0;
	r = cg_collect_pids(cg->fds[0], &pids, &n);
	return r < 0 ? r : n == 0;
}

const struct cgroup_ops cgroup_v2_ops = {
	.name = "v2",
	.validate = v2_validate,
	.prepare = v2_prepare,
	.apply = v2_apply,
	.read_limits = v2_read_limits,
	.stats = v2_stats,
	.freeze = v2_freeze,
	.is_frozen = v2_is_frozen,
	.thaw_file = v2_thaw_file,
	.kill = v2_kill,
	.is_empty = v2_is_empty,
};
