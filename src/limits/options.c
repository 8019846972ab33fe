/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * options.c — the table of limits a user can change, and each value
 * between text and struct taper_limits.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup/cgroup.h"
#include "limits/limits.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/parse.h"

#define L_OFF(field) offsetof(struct taper_limits, field)
#define CPU_PERIOD_US 100000

/* clang-format off */
static const struct limit_opt opts[] = {
	{ "memory", "cgroup.memory.max", "memory.max", LIMIT_SIZE, L_OFF(memory_max), 1, INT64_MAX,
	  NULL, "SIZE|max", "hard memory limit, e.g. 256M; the OOM killer acts above it" },
	{ "memory-high", "cgroup.memory.high", "memory.high", LIMIT_SIZE, L_OFF(memory_high), 1,
	  INT64_MAX, NULL, "SIZE|max", "memory level above which the container is reclaimed" },
	{ "swap", "cgroup.swap.max", "memory.swap.max", LIMIT_SIZE, L_OFF(swap_max), 0, INT64_MAX,
	  NULL, "SIZE|max", "swap on top of the memory limit" },
	{ "cpus", "cgroup.cpu.max", "cpu.max", LIMIT_CPUS, L_OFF(cpu_quota_us), 0, 0,
	  NULL, "N|max", "CPU bandwidth in CPUs, e.g. 0.5 (50ms per 100ms)" },
	{ "cpu-weight", "cgroup.cpu.weight", "cpu.weight", LIMIT_WEIGHT, L_OFF(cpu_weight), 1, 10000,
	  "cgroup.cpu.shares", "1-10000", "relative CPU weight (default 100)" },
	{ "cpu-shares", "cgroup.cpu.shares", "cpu.shares", LIMIT_WEIGHT, L_OFF(cpu_shares), 2, 262144,
	  "cgroup.cpu.weight", "2-262144", "relative CPU weight in v1 terms (default 1024)" },
	{ "cpuset", "cgroup.cpuset.cpus", "cpuset.cpus", LIMIT_LIST, L_OFF(cpuset_cpus), 0, 0,
	  NULL, "LIST", "CPUs the container may run on, e.g. 0-1" },
	{ "cpuset-mems", "cgroup.cpuset.mems", "cpuset.mems", LIMIT_LIST, L_OFF(cpuset_mems), 0, 0,
	  NULL, "LIST", "memory nodes the container may allocate from" },
	{ "pids", "cgroup.pids.max", "pids.max", LIMIT_COUNT, L_OFF(pids_max), 1, INT64_MAX,
	  NULL, "N|max", "maximum number of processes and threads" },
	{ "io-weight", "cgroup.io.weight", "io.weight", LIMIT_WEIGHT, L_OFF(io_weight), 1, 10000,
	  NULL, "1-10000", "relative block I/O weight (default 100)" },
};
/* clang-format on */

const struct limit_opt *limit_opts(size_t *ret_n)
{
	*ret_n = ARRAY_SIZE(opts);
	return opts;
}

const struct limit_opt *limit_opt_by_option(const char *option)
{
	for (size_t i = 0; i < ARRAY_SIZE(opts); i++)
		if (strcmp(opts[i].option, option) == 0)
			return &opts[i];
	return NULL;
}

const struct limit_opt *limit_opt_by_key(const char *key)
{
	for (size_t i = 0; i < ARRAY_SIZE(opts); i++)
		if (strcmp(opts[i].key, key) == 0)
			return &opts[i];
	return NULL;
}

static int64_t *i64_field(const struct limit_opt *o, struct taper_limits *l)
{
	return (int64_t *)((char *)l + o->offset);
}

static char **str_field(const struct limit_opt *o, struct taper_limits *l)
{
	return (char **)((char *)l + o->offset);
}

int limit_opt_parse(const struct limit_opt *o, const char *value, struct taper_limits *l,
		    struct taper_err *err)
{
	bool has_max = o->kind == LIMIT_SIZE || o->kind == LIMIT_COUNT || o->kind == LIMIT_CPUS;
	uint64_t u;
	int64_t v;
	char *dup;

	if (has_max && strcmp(value, "max") == 0) {
		*i64_field(o, l) = CGROUP_LIMIT_MAX;
		if (o->kind == LIMIT_CPUS)
			l->cpu_period_us = CPU_PERIOD_US;
		return 0;
	}
	switch (o->kind) {
	case LIMIT_SIZE:
		if (value[0] == '-')
			return taper_err_set(err, 0, "negative size");
		if (parse_size(value, &u) < 0 || u > INT64_MAX)
			return taper_err_set(err, 0, "invalid size (e.g. 256M, 1G, max)");
		if ((int64_t)u < o->min)
			return taper_err_set(err, 0, "must be at least %" PRId64 " bytes (or max)", o->min);
		*i64_field(o, l) = (int64_t)u;
		return 0;
	case LIMIT_COUNT:
	case LIMIT_WEIGHT:
		if (parse_i64(value, &v) < 0)
			return taper_err_set(err, 0, "not an integer%s", has_max ? " (or max)" : "");
		if (v < o->min || v > o->max) {
			if (o->max == INT64_MAX)
				return taper_err_set(err, 0, "must be at least %" PRId64 "%s", o->min,
						     has_max ? " (or max)" : "");
			return taper_err_set(err, 0, "out of range (%" PRId64 "-%" PRId64 ")", o->min,
					     o->max);
		}
		*i64_field(o, l) = v;
		return 0;
	case LIMIT_CPUS:
		if (parse_cpus(value, &u) < 0)
			return taper_err_set(err, 0, "invalid CPU count (more than 0, e.g. 0.5, 2, or max)");
		/* As the config file compiles it: at least the kernel's 1ms. */
		v = (int64_t)(u * CPU_PERIOD_US / 1000000);
		l->cpu_quota_us = v < 1000 ? 1000 : v;
		l->cpu_period_us = CPU_PERIOD_US;
		return 0;
	case LIMIT_LIST:
		if (parse_cpu_list(value, 1u << 16, NULL) < 0)
			return taper_err_set(err, 0, "invalid list (ascending ids and ranges, e.g. 0-1,3)");
		dup = strdup(value);
		if (!dup)
			return taper_err_set(err, ENOMEM, "%s", o->option);
		free(*str_field(o, l));
		*str_field(o, l) = dup;
		return 0;
	}
	return taper_err_set(err, EINVAL, "%s", o->option);
}

bool limit_opt_is_set(const struct limit_opt *o, const struct taper_limits *l)
{
	struct taper_limits *m = (struct taper_limits *)l;

	return o->kind == LIMIT_LIST ? *str_field(o, m) != NULL : *i64_field(o, m) != TAPER_UNSET;
}

int limit_opt_format(const struct limit_opt *o, const struct taper_limits *l, char **ret)
{
	struct taper_limits *m = (struct taper_limits *)l;
	int64_t v;
	int r = 0;

	*ret = NULL;
	if (o->kind == LIMIT_LIST) {
		const char *s = *str_field(o, m);

		if (s && !(*ret = strdup(s)))
			return -ENOMEM;
		return 0;
	}
	v = *i64_field(o, m);
	if (v == TAPER_UNSET && o->kind == LIMIT_WEIGHT)
		return 0;
	if (v == TAPER_UNSET || v == CGROUP_LIMIT_MAX)
		r = asprintf(ret, "max");
	else if (o->kind == LIMIT_CPUS) {
		int64_t period = l->cpu_period_us > 0 ? l->cpu_period_us : CPU_PERIOD_US;
		/* Millionths of a CPU, printed without trailing zeros. */
		int64_t micro = v * 1000000 / period;
		char frac[8];
		size_t n;

		snprintf(frac, sizeof(frac), "%06" PRId64, micro % 1000000);
		for (n = strlen(frac); n > 0 && frac[n - 1] == '0'; n--)
			frac[n - 1] = '\0';
		r = asprintf(ret, "%" PRId64 "%s%s", micro / 1000000, n ? "." : "", frac);
	} else
		r = asprintf(ret, "%" PRId64, v);
	if (r < 0) {
		*ret = NULL;
		return -ENOMEM;
	}
	return 0;
}

int limit_opt_copy(const struct limit_opt *o, struct taper_limits *dst, const struct taper_limits *src)
{
	struct taper_limits *s = (struct taper_limits *)src;

	if (o->kind == LIMIT_LIST) {
		const char *v = *str_field(o, s);
		char *dup = v ? strdup(v) : NULL;

		if (v && !dup)
			return -ENOMEM;
		free(*str_field(o, dst));
		*str_field(o, dst) = dup;
		return 0;
	}
	*i64_field(o, dst) = *i64_field(o, s);
	if (o->kind == LIMIT_CPUS)
		dst->cpu_period_us = src->cpu_period_us;
	return 0;
}
