/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * limits.h — a system container's resource limits and usage, between its
 * config file and its live cgroup.
 *
 * One table (options.c) names every limit a user can change: the `taper
 * limit` option ("cpuset"), the config key ("cgroup.cpuset.cpus"), the
 * cgroup file the cgroup layer names in its messages ("cpuset.cpus") and
 * the value syntax. A value parses into the one field of struct
 * taper_limits the config file would fill for the same text (a unit test
 * compares the two), with "max" meaning "remove the limit".
 *
 * Changing limits (limits_set) checks every value, and then the limits
 * the config will hold afterwards, against the host's cgroups before
 * anything is written; a refusal names the culprit by its index and gives
 * the bare reason ("cpu 7 out of range (host has 0-1)"). Then, under the
 * container's lock: the running cgroup (when it exists) gets the new
 * limits — rolled back if the kernel refuses one — and the config file
 * is rewritten atomically, comments kept. Reading (limits_get) gives, per
 * table row, the config's text and what the kernel holds.
 *
 * Usage (stats.c) is a snapshot of the cgroup's counters with a monotonic
 * timestamp; CPU percent is computed from two snapshots (100 = one CPU).
 *
 * The manager is passed in so that unit tests run the same code against
 * cgroupfs-shaped trees of plain files; include/taper.h wraps these with
 * the host's manager.
 */
#ifndef TAPER_LIMITS_LIMITS_H
#define TAPER_LIMITS_LIMITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <taper.h>

#include "spec/spec.h"

struct cgroup_manager;
struct taper_store;

enum limit_kind {
	LIMIT_SIZE,   /* bytes with k/M/G/T units, or max */
	LIMIT_COUNT,  /* an integer >= min, or max */
	LIMIT_CPUS,   /* a CPU count "0.5", or max: cpu.max quota/period */
	LIMIT_WEIGHT, /* an integer in min..max; no max */
	LIMIT_LIST,   /* a CPU or node list "0-1,3" */
};

struct limit_opt {
	const char *option; /* `taper limit --<option>` */
	const char *key;    /* config key */
	const char *cgname; /* the name cgroup messages use (v2 file name) */
	enum limit_kind kind;
	size_t offset; /* int64_t or char * field of struct taper_limits */
	int64_t min, max;
	const char *other; /* a config key this one replaces (weight <-> shares) */
	const char *metavar;
	const char *help;
};

const struct limit_opt *limit_opts(size_t *ret_n);
const struct limit_opt *limit_opt_by_option(const char *option);
const struct limit_opt *limit_opt_by_key(const char *key);

/* Parse value into o's field of l: CGROUP_LIMIT_MAX for "max" (where the
 * kind has it). err: the bare reason, e.g. "invalid size (e.g. 256M, 1G,
 * max)". */
int limit_opt_parse(const struct limit_opt *o, const char *value, struct taper_limits *l,
		    struct taper_err *err);
/* Is o's field set in l? (not TAPER_UNSET / NULL) */
bool limit_opt_is_set(const struct limit_opt *o, const struct taper_limits *l);
/* o's field of l as text in o's syntax, canonical: bytes, "max", "0.5",
 * "0-1". NULL when unset and the kind has no "max" (weights, lists). */
int limit_opt_format(const struct limit_opt *o, const struct taper_limits *l, char **ret);
/* Copy o's field from src to dst (strings duplicated). -ENOMEM. */
int limit_opt_copy(const struct limit_opt *o, struct taper_limits *dst, const struct taper_limits *src);

/* Change limits of container name: see the header comment. *ret_bad
 * (optional) is the index of the refused entry, n when the failure is
 * not one entry's. */
int limits_set(struct taper_store *s, struct cgroup_manager *m, const char *name,
	       const struct taper_limit *limits, size_t n, size_t *ret_bad, struct taper_err *err);
int limits_get(struct taper_store *s, struct cgroup_manager *m, const char *name,
	       struct taper_limit_value **ret, size_t *ret_n, bool *ret_running, struct taper_err *err);

/* -ESRCH (err filled) when the container has no cgroup: not running. */
int limits_stats(struct taper_store *s, struct cgroup_manager *m, const char *name, struct taper_stats *ret,
		 struct taper_err *err);
/* 100 * cpu time / wall time between two snapshots; 0 when the clock did
 * not advance or the counter went back (a restart in between). */
double limits_cpu_percent(const struct taper_stats *before, const struct taper_stats *after);

#endif
