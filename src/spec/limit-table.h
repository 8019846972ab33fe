/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * limit-table.h — the one table of resource limits.
 *
 * A row per limit a user can set: its name (`taper limit --NAME`, `taper
 * run --NAME`, the web API's field), its config key, its unit and range,
 * what it is in cgroup v2 and v1 files, and its help and doc text. Every
 * path that names, parses, range-checks or converts a limit goes through
 * it: the config keys (config/), the `taper run` flags (spec/flags.c),
 * `taper limit` and the web API (limits/), the cgroup backends' checks and
 * their v1 <-> v2 conversions (cgroup/).
 *
 * The contract: a value is accepted or refused by limit_opt_parse() alone,
 * the same way on every path, and a refusal is one reason that names the
 * value ("invalid size \"0\" (1 to 9223372036854775807 bytes, or max)");
 * the caller puts the key or flag the user typed in front of it.
 * "max" (where the unit has it) parses to LIMIT_MAX, "no limit":
 * a live change writes it; a new container (config, run flags) leaves
 * the limit unset instead (limit_opt_unset_max()). Weights and lists have
 * no "max".
 */
#ifndef TAPER_SPEC_LIMIT_TABLE_H
#define TAPER_SPEC_LIMIT_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <taper.h>

#include "spec/spec.h"

/* A numeric limit meaning "max": no limit (the cgroup layer's
 * CGROUP_LIMIT_MAX). */
#define LIMIT_MAX INT64_MAX

/* CPU bandwidth: a count of CPUs is a quota per LIMIT_CPU_PERIOD_US;
 * the kernel takes periods of 1ms to 1s and quotas of at least 1ms. */
#define LIMIT_CPU_PERIOD_US 100000
#define LIMIT_CPU_PERIOD_MIN_US 1000
#define LIMIT_CPU_PERIOD_MAX_US 1000000
#define LIMIT_CPU_QUOTA_MIN_US 1000

enum limit_kind {
	LIMIT_SIZE,   /* bytes with k/M/G/T units, or max */
	LIMIT_COUNT,  /* an integer in min..max, or max */
	LIMIT_CPUS,   /* a CPU count "0.5", or max: quota per period */
	LIMIT_WEIGHT, /* an integer in min..max; no max */
	LIMIT_LIST,   /* a CPU or node list "0-1,3"; no max */
};

struct limit_opt {
	const char *option;    /* `taper limit --X`, `taper run --X`, the web field */
	char run_short;        /* `taper run -X`, or 0 */
	const char *run_alias; /* another `taper run` name (docker's), or NULL */
	const char *key;       /* config key */
	const char *cgname;    /* the name cgroup messages use (a v2 file name) */
	const char *v2, *v1;   /* what it is in cgroup v2 and v1 files (doc) */
	enum limit_kind kind;
	size_t offset; /* int64_t or char * field of struct taper_limits */
	int64_t min, max;
	const char *other;   /* a config key this one replaces (weight <-> shares) */
	const char *metavar; /* flags: "SIZE|max" */
	const char *syntax;  /* config: "size|max" */
	const char *help;    /* one line, for flags */
	const char *doc;     /* the config key's paragraph (docs/config.md) */
	const char *example;
};

const struct limit_opt *limit_opts(size_t *ret_n);
const struct limit_opt *limit_opt_by_option(const char *option);
const struct limit_opt *limit_opt_by_key(const char *key);

/* The values o accepts, as its refusals and docs say them: "at least 1
 * byte, or max", "an integer from 1 to 10000". */
void limit_opt_range(const struct limit_opt *o, char *buf, size_t n);
/* Does the row's unit have "max"? */
bool limit_opt_has_max(const struct limit_opt *o);
/* Parse value into o's field of l (and cpu_period_us for LIMIT_CPUS);
 * l is untouched on failure. err: the reason, naming the value. */
int limit_opt_parse(const struct limit_opt *o, const char *value, struct taper_limits *l,
		    struct taper_err *err);
/* LIMIT_MAX in o's field becomes TAPER_UNSET ("no limit" on a new group). */
void limit_opt_unset_max(const struct limit_opt *o, struct taper_limits *l);
/* Is o's field set in l? (not TAPER_UNSET / NULL) */
bool limit_opt_is_set(const struct limit_opt *o, const struct taper_limits *l);
/* o's field of l as text in o's syntax, canonical: bytes, "max", "0.5",
 * "0-1". NULL when unset and the kind has no "max" (weights, lists). */
int limit_opt_format(const struct limit_opt *o, const struct taper_limits *l, char **ret);
/* Copy o's field from src to dst (strings duplicated). -ENOMEM. */
int limit_opt_copy(const struct limit_opt *o, struct taper_limits *dst, const struct taper_limits *src);
/* A numeric field of l against o's range: unset, LIMIT_MAX (where the
 * unit has it) or within min..max. For limits that did not come through
 * limit_opt_parse() (OCI, the kernel). */
bool limit_opt_in_range(const struct limit_opt *o, const struct taper_limits *l);

/* The conversions, each written once. A CPU count in millionths of a CPU
 * to a quota per period (at least LIMIT_CPU_QUOTA_MIN_US). */
int64_t limit_cpus_to_quota(uint64_t micro_cpus, int64_t period_us);
/* cpu.weight (1..10000) <-> v1 cpu.shares (2..262144). */
int64_t limit_weight_to_shares(int64_t weight);
int64_t limit_shares_to_weight(int64_t shares);
/* io.weight (1..10000) <-> v1 blkio.weight (10..1000). */
int64_t limit_io_weight_to_blkio(int64_t weight);
int64_t limit_blkio_to_io_weight(int64_t blkio);

#endif
