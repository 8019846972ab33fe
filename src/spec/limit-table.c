/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * limit-table.c — the table of resource limits, each value between text
 * and struct taper_limits, and the unit conversions (limit-table.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec/limit-table.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/parse.h"

#define L_OFF(field) offsetof(struct taper_limits, field)
#define SIZES "Sizes take k, M, G, T (powers of 1024)."

/* clang-format off */
static const struct limit_opt opts[] = {
	{ .option = "memory", .run_short = 'm', .key = "cgroup.memory.max", .cgname = "memory.max",
	  .v2 = "memory.max", .v1 = "memory.limit_in_bytes", .kind = LIMIT_SIZE,
	  .offset = L_OFF(memory_max), .min = 1, .max = INT64_MAX,
	  .metavar = "SIZE|max", .syntax = "size|max",
	  .help = "hard memory limit, e.g. 256M; the OOM killer acts above it",
	  .doc = "Hard memory limit: the OOM killer acts above it. " SIZES, .example = "512M" },
	{ .option = "memory-high", .key = "cgroup.memory.high", .cgname = "memory.high",
	  .v2 = "memory.high", .v1 = "memory.soft_limit_in_bytes", .kind = LIMIT_SIZE,
	  .offset = L_OFF(memory_high), .min = 1, .max = INT64_MAX,
	  .metavar = "SIZE|max", .syntax = "size|max",
	  .help = "memory level above which the container is reclaimed",
	  .doc = "Memory level above which the container is throttled and reclaimed. " SIZES,
	  .example = "384M" },
	{ .option = "swap", .key = "cgroup.swap.max", .cgname = "memory.swap.max",
	  .v2 = "memory.swap.max", .v1 = "memory.memsw.limit_in_bytes (memory + swap)",
	  .kind = LIMIT_SIZE, .offset = L_OFF(swap_max), .min = 0, .max = INT64_MAX,
	  .metavar = "SIZE|max", .syntax = "size|max",
	  .help = "swap on top of the memory limit",
	  .doc = "Swap the container may use on top of its memory; 0 is none. " SIZES,
	  .example = "1G" },
	{ .option = "cpus", .key = "cgroup.cpu.max", .cgname = "cpu.max",
	  .v2 = "cpu.max", .v1 = "cpu.cfs_quota_us and cpu.cfs_period_us", .kind = LIMIT_CPUS,
	  .offset = L_OFF(cpu_quota_us), .metavar = "N|max", .syntax = "CPUs|max",
	  .help = "CPU bandwidth in CPUs, e.g. 0.5: 50ms per 100ms",
	  .doc = "CPU bandwidth as a number of CPUs, e.g. 1.5: a quota of 150ms per 100ms period "
		 "(at least the kernel's 1ms).",
	  .example = "1.5" },
	{ .option = "cpu-weight", .key = "cgroup.cpu.weight", .cgname = "cpu.weight",
	  .v2 = "cpu.weight", .v1 = "cpu.shares (converted)", .kind = LIMIT_WEIGHT,
	  .offset = L_OFF(cpu_weight), .min = 1, .max = 10000, .other = "cgroup.cpu.shares",
	  .metavar = "1-10000", .syntax = "1-10000",
	  .help = "relative CPU weight, default 100",
	  .doc = "Relative CPU weight. Default 100. Replaces cgroup.cpu.shares.", .example = "200" },
	{ .option = "cpu-shares", .key = "cgroup.cpu.shares", .cgname = "cpu.shares",
	  .v2 = "cpu.weight (converted)", .v1 = "cpu.shares", .kind = LIMIT_WEIGHT,
	  .offset = L_OFF(cpu_shares), .min = 2, .max = 262144, .other = "cgroup.cpu.weight",
	  .metavar = "2-262144", .syntax = "2-262144",
	  .help = "relative CPU weight in v1 terms, default 1024",
	  .doc = "Relative CPU weight in v1 terms. Default 1024. Replaces cgroup.cpu.weight.",
	  .example = "512" },
	{ .option = "cpuset", .key = "cgroup.cpuset.cpus", .cgname = "cpuset.cpus",
	  .v2 = "cpuset.cpus", .v1 = "cpuset.cpus", .kind = LIMIT_LIST,
	  .offset = L_OFF(cpuset_cpus), .metavar = "LIST", .syntax = "CPU list",
	  .help = "CPUs the container may run on, e.g. 0-1",
	  .doc = "CPUs the container may run on.", .example = "0-1" },
	{ .option = "cpuset-mems", .key = "cgroup.cpuset.mems", .cgname = "cpuset.mems",
	  .v2 = "cpuset.mems", .v1 = "cpuset.mems", .kind = LIMIT_LIST,
	  .offset = L_OFF(cpuset_mems), .metavar = "LIST", .syntax = "node list",
	  .help = "memory nodes the container may allocate from",
	  .doc = "Memory nodes the container may allocate from.", .example = "0" },
	{ .option = "pids", .run_alias = "pids-limit", .key = "cgroup.pids.max", .cgname = "pids.max",
	  .v2 = "pids.max", .v1 = "pids.max", .kind = LIMIT_COUNT, .offset = L_OFF(pids_max),
	  .min = 1, .max = INT64_MAX, .metavar = "N|max", .syntax = "integer|max",
	  .help = "maximum number of processes and threads",
	  .doc = "Maximum number of processes and threads. `taper create` writes 2048 (podman's "
		 "default), so that a fork bomb in one container cannot take the host's pids; "
		 "`max` or no line is unlimited.",
	  .example = "512" },
	{ .option = "io-weight", .key = "cgroup.io.weight", .cgname = "io.weight",
	  .v2 = "io.weight", .v1 = "blkio.weight (scaled to 10-1000)", .kind = LIMIT_WEIGHT,
	  .offset = L_OFF(io_weight), .min = 1, .max = 10000, .metavar = "1-10000",
	  .syntax = "1-10000", .help = "relative block I/O weight, default 100",
	  .doc = "Relative block I/O weight. Default 100.", .example = "500" },
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

bool limit_opt_has_max(const struct limit_opt *o)
{
	return o->kind == LIMIT_SIZE || o->kind == LIMIT_COUNT || o->kind == LIMIT_CPUS;
}

void limit_opt_range(const struct limit_opt *o, char *buf, size_t n)
{
	const char *max = limit_opt_has_max(o) ? ", or max" : "";

	switch (o->kind) {
	case LIMIT_SIZE:
		snprintf(buf, n, "at least %" PRId64 " byte%s%s", o->min, o->min == 1 ? "" : "s", max);
		return;
	case LIMIT_COUNT:
	case LIMIT_WEIGHT:
		if (o->max == INT64_MAX)
			snprintf(buf, n, "an integer of at least %" PRId64 "%s", o->min, max);
		else
			snprintf(buf, n, "an integer from %" PRId64 " to %" PRId64 "%s", o->min, o->max, max);
		return;
	case LIMIT_CPUS:
		snprintf(buf, n, "more than 0, up to 6 decimals, e.g. 0.5, 2%s", max);
		return;
	case LIMIT_LIST:
		snprintf(buf, n, "ascending ids and ranges, e.g. 0-1,3");
		return;
	}
	snprintf(buf, n, "?");
}

static int refuse(const struct limit_opt *o, const char *what, const char *value, struct taper_err *err)
{
	char range[80];

	limit_opt_range(o, range, sizeof(range));
	return err_set(err, 0, "invalid %s \"%s\" (%s)", what, value, range);
}

/* Past what a limit holds (2^63 - 1): "max" is the way to say no limit. */
static int too_large(const char *what, const char *value, struct taper_err *err)
{
	return err_set(err, 0, "invalid %s \"%s\" (too large; max is no limit)", what, value);
}

int limit_opt_parse(const struct limit_opt *o, const char *value, struct taper_limits *l,
		    struct taper_err *err)
{
	uint64_t u;
	int64_t v;
	char *dup;
	int r;

	if (!value)
		value = "";
	if (limit_opt_has_max(o) && strcmp(value, "max") == 0) {
		*i64_field(o, l) = LIMIT_MAX;
		if (o->kind == LIMIT_CPUS)
			l->cpu_period_us = LIMIT_CPU_PERIOD_US;
		return 0;
	}
	switch (o->kind) {
	case LIMIT_SIZE:
		/* A negative size is out of range, not garbage. */
		r = parse_size(value[0] == '-' ? value + 1 : value, &u);
		if (r == -EINVAL)
			return err_set(err, 0, "invalid size \"%s\" (e.g. 256M, 1G, or max)", value);
		if (value[0] == '-')
			return refuse(o, "size", value, err);
		if (r < 0 || u > (uint64_t)o->max)
			return too_large("size", value, err);
		if ((int64_t)u < o->min)
			return refuse(o, "size", value, err);
		*i64_field(o, l) = (int64_t)u;
		return 0;
	case LIMIT_COUNT:
	case LIMIT_WEIGHT:
		r = parse_i64(value, &v);
		if (r == -ERANGE && value[0] != '-' && o->max == INT64_MAX)
			return too_large("value", value, err);
		if (r < 0 || v < o->min || v > o->max)
			return refuse(o, "value", value, err);
		*i64_field(o, l) = v;
		return 0;
	case LIMIT_CPUS:
		if (parse_cpus(value, &u) < 0)
			return refuse(o, "CPU count", value, err);
		l->cpu_quota_us = limit_cpus_to_quota(u, LIMIT_CPU_PERIOD_US);
		l->cpu_period_us = LIMIT_CPU_PERIOD_US;
		return 0;
	case LIMIT_LIST:
		if (!value[0] || parse_cpu_list(value, 1u << 16, NULL) < 0)
			return refuse(o, "list", value, err);
		dup = strdup(value);
		if (!dup)
			return err_set(err, ENOMEM, "%s", o->option);
		free(*str_field(o, l));
		*str_field(o, l) = dup;
		return 0;
	}
	return err_set(err, EINVAL, "%s", o->option);
}

void limit_opt_unset_max(const struct limit_opt *o, struct taper_limits *l)
{
	if (!limit_opt_has_max(o) || *i64_field(o, l) != LIMIT_MAX)
		return;
	*i64_field(o, l) = TAPER_UNSET;
	if (o->kind == LIMIT_CPUS)
		l->cpu_period_us = TAPER_UNSET;
}

bool limit_opt_is_set(const struct limit_opt *o, const struct taper_limits *l)
{
	struct taper_limits *m = (struct taper_limits *)l;

	return o->kind == LIMIT_LIST ? *str_field(o, m) != NULL : *i64_field(o, m) != TAPER_UNSET;
}

bool limit_opt_in_range(const struct limit_opt *o, const struct taper_limits *l)
{
	int64_t v;

	if (o->kind == LIMIT_LIST)
		return true;
	v = *i64_field(o, (struct taper_limits *)l);
	if (v == TAPER_UNSET || (limit_opt_has_max(o) && v == LIMIT_MAX))
		return true;
	if (o->kind == LIMIT_CPUS)
		return v >= LIMIT_CPU_QUOTA_MIN_US;
	return v >= o->min && v <= o->max;
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
	if (v == TAPER_UNSET || v == LIMIT_MAX)
		r = asprintf(ret, "max");
	else if (o->kind == LIMIT_CPUS) {
		int64_t period = l->cpu_period_us > 0 ? l->cpu_period_us : LIMIT_CPU_PERIOD_US;
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

/* ---- conversions ---------------------------------------------------- */

int64_t limit_cpus_to_quota(uint64_t micro_cpus, int64_t period_us)
{
	/* parse_cpus() bounds micro_cpus to 10^12: no overflow below 10^6 us. */
	int64_t q = (int64_t)(micro_cpus * (uint64_t)period_us / 1000000);

	return q < LIMIT_CPU_QUOTA_MIN_US ? LIMIT_CPU_QUOTA_MIN_US : q;
}

/* Two straight lines through the defaults (weight 100 is 1024 shares, as
 * systemd maps CPUWeight to CPUShares) and the ends (1 is 2, 10000 is
 * 262144): the one line of the OCI conversion (2 + (w - 1) * 262142 /
 * 9999) showed a v1 host's default 1024 shares as weight 40, against the
 * "default 100" of cpu.weight. */
int64_t limit_weight_to_shares(int64_t weight)
{
	if (weight <= 100)
		return 2 + ((weight - 1) * 1022) / 99;
	return 1024 + ((weight - 100) * 261120) / 9900;
}

/* Rounds up, so that weight -> shares -> weight is the identity. */
int64_t limit_shares_to_weight(int64_t shares)
{
	if (shares <= 1024)
		return 1 + ((shares - 2) * 99 + 1021) / 1022;
	return 100 + ((shares - 1024) * 9900 + 261119) / 261120;
}

int64_t limit_io_weight_to_blkio(int64_t weight)
{
	return 10 + ((weight - 1) * 990) / 9999;
}

/* Rounds up, so that blkio -> io.weight -> blkio is the identity. */
int64_t limit_blkio_to_io_weight(int64_t blkio)
{
	if (blkio < 10)
		blkio = 10;
	return 1 + ((blkio - 10) * 9999 + 989) / 990;
}
