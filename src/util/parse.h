/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * parse.h — strict parsers for the values users type: integers, sizes,
 * booleans, CPU counts, CPU lists, container names.
 *
 * Each returns 0 or -EINVAL/-ERANGE and never accepts trailing garbage,
 * leading whitespace, signs where none belong, or an empty string.
 */
#ifndef TAPER_UTIL_PARSE_H
#define TAPER_UTIL_PARSE_H

#include <stdbool.h>
#include <stdint.h>

int parse_u64(const char *s, uint64_t *ret);
int parse_u64_range(const char *s, uint64_t min, uint64_t max, uint64_t *ret);
int parse_i64(const char *s, int64_t *ret);
int parse_u32(const char *s, uint32_t *ret);

/* "1048576", "512k", "256M", "1G", "2T" (binary multiples, optional "B" or
 * "iB": "256MiB", "256MB" are 256*2^20), case-insensitive unit. */
int parse_size(const char *s, uint64_t *ret);

/* "1", "0", "true", "false", "yes", "no", "on", "off". */
int parse_bool(const char *s, bool *ret);

/* "1.5" -> 1500000 millionths of a CPU; at most 6 decimals; > 0. */
int parse_cpus(const char *s, uint64_t *ret_micro);

/* A cpuset list "0-3,5,7-8": ascending ranges, each id < limit.
 * ret_max (optional) receives the highest id named. */
int parse_cpu_list(const char *s, unsigned limit, unsigned *ret_max);

/* The one cpu/node list parser behind parse_cpu_list(), for callers that
 * need the set itself. Strict as above by default; CPU_LIST_KERNEL takes
 * the list as the kernel reads and prints it: ranges in any order and
 * overlapping, leading blanks, a final newline, an empty set. bits
 * (optional, (limit + 7) / 8 bytes) is cleared and gets one bit per id.
 * *ret_id (optional): the highest id named (0 for an empty set); on
 * -ERANGE the first id at or past limit, with bits filled up to it. */
#define CPU_LIST_KERNEL (1u << 0)
int parse_cpu_set(const char *s, unsigned limit, unsigned flags, unsigned char *bits, unsigned *ret_id);

/* The line of an /etc/passwd or /etc/group text ("name:password:id:group:
 * ...") for name, or, when name is a decimal id, for that id: *ret gets
 * the id, and *ret_group (may be NULL) a passwd line's primary group when
 * it has one. -ENOENT when no line matches, -EINVAL when name's line is
 * malformed, -ENOMEM. */
int parse_id_file(const char *text, const char *name, uint32_t *ret, uint32_t *ret_group);

/* Container and network names: [A-Za-z0-9][A-Za-z0-9_.-]{0,63}. */
bool name_is_valid(const char *s);
/* A cgroup group path as taper makes it ("<store-id>/<name>", OCI's
 * cgroupsPath "/a/b" or "a/b"): at most one leading '/', then components
 * of name_is_valid()'s characters up to 255 long (no ".", "..", "//" or
 * trailing '/'), shorter than CGROUP_PATH_MAX - 1 bytes. */
#define CGROUP_PATH_MAX 400
bool cgroup_path_is_valid(const char *s);

#endif
