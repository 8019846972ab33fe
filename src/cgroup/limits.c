/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * limits.c — the checks on struct taper_limits that do not depend on the
 * cgroup version: ranges (those of the limit table, spec/limit-table.h),
 * cpusets and CPU bandwidth within the host, raw file names.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup/cgroup-internal.h"
#include "spec/limit-table.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/parse.h"

#define CPU_BITS 8192

/* The host's set: the v1/v2 root file of the cpuset hierarchy, else sysfs. */
static int host_set(struct cgroup_manager *m, bool mems, char **ret)
{
	const char *v2file = mems ? "cpuset.mems.effective" : "cpuset.cpus.effective";
	const char *v1file = mems ? "cpuset.effective_mems" : "cpuset.effective_cpus";
	const char *sysfs = mems ? "/sys/devices/system/node/online" : "/sys/devices/system/cpu/online";
	int i = cg_hier_index(m, CG_CPUSET);
	_cleanup_free_ char *s = NULL;

	if (i >= 0 && (cg_read(m->hiers[i].fd, m->hiers[i].unified ? v2file : v1file, &s) == 0 ||
		       cg_read(m->hiers[i].fd, mems ? "cpuset.mems" : "cpuset.cpus", &s) == 0)) {
		s[strcspn(s, "\n")] = '\0';
		if (*s) {
			*ret = TAKE_PTR(s);
			return 0;
		}
	}
	free(s);
	s = NULL;
	if (read_file(sysfs, 4096, &s) < 0 && !(s = strdup("0")))
		return -ENOMEM;
	s[strcspn(s, "\n")] = '\0';
	*ret = TAKE_PTR(s);
	return 0;
}

static int check_cpuset(struct cgroup_manager *m, const char *name, const char *what, const char *value,
			bool mems, struct taper_err *err)
{
	unsigned char want[CPU_BITS / 8], host[CPU_BITS / 8];
	_cleanup_free_ char *hs = NULL;
	unsigned bad = 0, hbad = 0;
	int r, range;

	range = parse_cpu_set(value, CPU_BITS, CPU_LIST_KERNEL, want, &bad);
	if (range == -EINVAL || !*value)
		return cg_refuse(err, EINVAL, "%s: invalid list \"%s\"", name, value);
	r = host_set(m, mems, &hs);
	if (r < 0)
		return err_set(err, r, "%s: read the host's %ss", name, what);
	if (parse_cpu_set(hs, CPU_BITS, CPU_LIST_KERNEL, host, &hbad) < 0)
		return cg_refuse(err, EINVAL, "%s: cannot parse the host's %ss \"%s\"", name, what, hs);
	if (range == -ERANGE)
		return cg_refuse(err, ERANGE, "%s: %s %u out of range (host has %s)", name, what, bad, hs);
	for (unsigned i = 0; i < CPU_BITS; i++)
		if ((want[i / 8] & (1u << (i % 8))) && !(host[i / 8] & (1u << (i % 8))))
			return cg_refuse(err, ERANGE, "%s: %s %u out of range (host has %s)", name, what, i,
					 hs);
	return 0;
}

/* More CPU time than the host's CPUs give can never be used: refuse it,
 * rather than leave a limit that limits nothing. */
static int check_cpu_max(struct cgroup_manager *m, const struct taper_limits *l, struct taper_err *err)
{
	int64_t period = l->cpu_period_us != TAPER_UNSET ? l->cpu_period_us : LIMIT_CPU_PERIOD_US;
	unsigned char host[CPU_BITS / 8];
	_cleanup_free_ char *hs = NULL;
	unsigned bad = 0, n = 0;
	int r;

	if (l->cpu_quota_us == TAPER_UNSET || l->cpu_quota_us == CGROUP_LIMIT_MAX)
		return 0;
	if ((r = host_set(m, false, &hs)) < 0)
		return err_set(err, r, "cpu.max: read the host's cpus");
	if (parse_cpu_set(hs, CPU_BITS, CPU_LIST_KERNEL, host, &bad) < 0)
		return cg_refuse(err, EINVAL, "cpu.max: cannot parse the host's cpus \"%s\"", hs);
	for (unsigned i = 0; i < CPU_BITS; i++)
		n += !!(host[i / 8] & (1u << (i % 8)));
	if (n > 0 && l->cpu_quota_us > (int64_t)n * period)
		return cg_refuse(err, ERANGE, "cpu.max: %g CPUs is more than the host's %u (cpus %s)",
				 (double)l->cpu_quota_us / (double)period, n, hs);
	return 0;
}

static int check_range(const char *name, int64_t v, int64_t lo, int64_t hi, struct taper_err *err)
{
	if (v == TAPER_UNSET || (v >= lo && v <= hi))
		return 0;
	return cg_refuse(err, EINVAL, "%s: invalid value %lld (%lld-%lld)", name, (long long)v, (long long)lo,
			 (long long)hi);
}

static bool raw_file_is_valid(const char *f)
{
	return f && *f && f[0] != '.' && !strchr(f, '/') && !strstr(f, "..") && strlen(f) < 128;
}

int cg_limits_check(struct cgroup_manager *m, const struct taper_limits *l, struct taper_err *err)
{
	size_t n;
	const struct limit_opt *o = limit_opts(&n);
	int r;

	/* Limits that did not come through the table's parser (OCI's, the
	 * kernel's to restore) meet its ranges here. */
	for (size_t i = 0; i < n; i++) {
		int64_t v = *(const int64_t *)((const char *)l + o[i].offset);
		char range[80];

		if (o[i].kind == LIMIT_LIST || limit_opt_in_range(&o[i], l))
			continue;
		if (o[i].kind == LIMIT_CPUS)
			return cg_refuse(err, EINVAL, "%s: invalid quota %lld (at least %d us)", o[i].cgname,
					 (long long)v, LIMIT_CPU_QUOTA_MIN_US);
		limit_opt_range(&o[i], range, sizeof(range));
		return cg_refuse(err, EINVAL, "%s: invalid value %lld (%s)", o[i].cgname, (long long)v,
				 range);
	}
	if ((r = check_range("cpu.max", l->cpu_period_us, LIMIT_CPU_PERIOD_MIN_US, LIMIT_CPU_PERIOD_MAX_US,
			     err)) < 0)
		return r;
	if (l->cpu_weight != TAPER_UNSET && l->cpu_shares != TAPER_UNSET &&
	    limit_shares_to_weight(l->cpu_shares) != l->cpu_weight)
		return cg_refuse(err, EINVAL, "cpu.shares: %lld conflicts with cpu.weight %lld",
				 (long long)l->cpu_shares, (long long)l->cpu_weight);
	if ((r = check_cpu_max(m, l, err)) < 0)
		return r;
	if (l->cpuset_cpus && (r = check_cpuset(m, "cpuset.cpus", "cpu", l->cpuset_cpus, false, err)) < 0)
		return r;
	if (l->cpuset_mems && (r = check_cpuset(m, "cpuset.mems", "node", l->cpuset_mems, true, err)) < 0)
		return r;
	for (size_t i = 0; i < l->n_raw; i++) {
		const struct taper_cgroup_raw *raw = &l->raw[i];

		if (raw->version != 1 && raw->version != 2)
			return cg_refuse(err, EINVAL, "cgroup.v%d.%s: version must be 1 or 2", raw->version,
					 raw->file ? raw->file : "");
		if (!raw_file_is_valid(raw->file))
			return cg_refuse(err, EINVAL, "cgroup.v%d.%s: invalid file name", raw->version,
					 raw->file ? raw->file : "");
		if (!raw->value)
			return cg_refuse(err, EINVAL, "cgroup.v%d.%s: no value", raw->version, raw->file);
	}
	return 0;
}
