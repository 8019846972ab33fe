/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * taper.h — the public API of libtaper, the only header outsiders include.
 *
 * Conventions, for every function here:
 *  - a fallible call returns int: 0 (or a non-negative value) on success, a
 *    negative errno on failure;
 *  - the last argument is a caller-owned struct taper_err *, filled on failure
 *    with one line of context ("start web1: create veth: File exists");
 *  - the library never prints and never exits.
 */
#ifndef TAPER_H
#define TAPER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TAPER_EXPORT __attribute__((visibility("default")))

#define TAPER_ERR_MSG_MAX 1024

/* An error as one line of context. Lives on the caller's stack. */
struct taper_err {
	int code;                     /* positive errno, 0 when unknown */
	char msg[TAPER_ERR_MSG_MAX];  /* "context: context: strerror" */
};

/* The library's version string, e.g. "0.1.0". */
TAPER_EXPORT const char *taper_version(void);

/* Clears an error object for reuse. */
TAPER_EXPORT void taper_err_clear(struct taper_err *err);

/* ---- resource limits and usage (src/limits/) -----------------------------
 *
 * Limits are named by their config key ("cgroup.memory.max", see
 * docs/config.md) and valued as the config file takes them ("256M",
 * "0.5", "0-1"); "max" removes a limit.
 */
struct taper_store;

struct taper_limit {
	const char *key;
	const char *value;
};

/* Check every value and the limits that result, against this host's
 * cgroups, before writing anything; then, holding the container's lock,
 * apply them to its cgroup when it runs and save them in its config
 * (comments kept). A refused value sets *ret_bad (optional) to its index
 * and err to the bare reason ("cpu 7 out of range (host has 0-1)");
 * otherwise *ret_bad is n. */
TAPER_EXPORT int taper_container_set_limits(struct taper_store *s, const char *name,
					    const struct taper_limit *limits, size_t n, size_t *ret_bad,
					    struct taper_err *err);

/* One row per limit a container can have, in a fixed order. */
struct taper_limit_value {
	char *key;    /* "cgroup.memory.max" */
	char *config; /* the config file's value, NULL when unset */
	char *kernel; /* what the cgroup holds ("268435456", "max", "0.5", "0-1");
		       * NULL when not running or not known */
};
TAPER_EXPORT int taper_container_get_limits(struct taper_store *s, const char *name,
					    struct taper_limit_value **ret, size_t *ret_n,
					    bool *ret_running, struct taper_err *err);
TAPER_EXPORT void taper_limit_values_free(struct taper_limit_value *v, size_t n);

/* A snapshot of a running container's counters. */
struct taper_stats {
	uint64_t timestamp_ns;      /* CLOCK_MONOTONIC at sampling */
	uint64_t cpu_usage_ns;
	uint64_t memory_bytes;
	uint64_t memory_peak_bytes; /* 0 when the kernel does not track it */
	int64_t memory_limit_bytes; /* -1: unlimited */
	uint64_t pids;
	int64_t pids_limit;         /* -1: unlimited */
	uint64_t io_read_bytes;
	uint64_t io_write_bytes;
	uint64_t oom_kills;
};
/* -ESRCH when the container is not running. */
TAPER_EXPORT int taper_container_stats(struct taper_store *s, const char *name, struct taper_stats *ret,
				       struct taper_err *err);
/* CPU use between two snapshots of one container, 100 = one CPU busy. */
TAPER_EXPORT double taper_stats_cpu_percent(const struct taper_stats *before,
					    const struct taper_stats *after);

#ifdef __cplusplus
}
#endif
#endif
