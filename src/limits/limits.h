/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * limits.h — a system container's resource limits and usage, between its
 * config file and its live cgroup.
 *
 * The limits a user can change, their names, syntax and ranges, are the
 * rows of spec/limit-table.h; values are checked there first.
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

#include "spec/limit-table.h"
#include "spec/spec.h"

struct cgroup_manager;
struct taper_store;

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
