/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cgroup-internal.h — what the common layer (cgroup.c, group.c) shares with
 * the backends (v1.c, v2.c). Nothing outside src/cgroup/ includes this.
 *
 * A manager is a list of hierarchies, each an open directory fd: one per v1
 * mount (plus the cgroup2 mount in hybrid mode), or the single cgroup2 root.
 * A group holds one fd per hierarchy, on "<hierarchy>/taper/<group>". The
 * common layer owns the lifecycle (mkdir, enter, wait, rmdir); a backend
 * owns everything that differs between the versions: validation, limit
 * files, stats, freezing and killing.
 */
#ifndef TAPER_CGROUP_INTERNAL_H
#define TAPER_CGROUP_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "cgroup/cgroup.h"

/* The directory under every hierarchy root that taper owns. */
#define CG_TAPER_DIR "taper"

/* Bounded waits (freeze, empty after kill), in milliseconds. */
#define CG_WAIT_MS 5000

enum cg_ctrl {
	CG_CPU,
	CG_CPUACCT,
	CG_CPUSET,
	CG_MEMORY,
	CG_DEVICES,
	CG_FREEZER,
	CG_BLKIO, /* v1 name */
	CG_IO,    /* v2 name */
	CG_PIDS,
	CG_HUGETLB,
	CG_NET_CLS,
	CG_NET_PRIO,
	CG_PERF_EVENT,
	CG_RDMA,
	CG_MISC,
	CG_CTRL_MAX,
};
#define CG_BIT(c) (1u << (c))

/* "memory" -> CG_MEMORY; -1 when unknown. */
int cg_ctrl_from_name(const char *name, size_t len);
const char *cg_ctrl_name(enum cg_ctrl c);

struct cg_hier {
	char *name;     /* directory name under the root: "memory", "unified" */
	int fd;         /* the hierarchy's root directory */
	unsigned ctrls; /* CG_BIT() set of controllers bound here */
	bool unified;   /* a cgroup2 hierarchy */
};

struct cgroup_manager {
	enum cgroup_mode mode;
	const struct cgroup_ops *ops;
	char *root; /* "/sys/fs/cgroup" or a test tree */
	struct cg_hier *hiers;
	size_t n_hiers;
	unsigned ctrls; /* controllers usable for limits */
};

struct taper_cgroup {
	struct cgroup_manager *m;
	char *group;   /* "<store-id>/<name>", or "/a/b" from the hierarchies' roots */
	char *rel;     /* "taper/<store-id>/<name>" ("a/b"), relative to each hierarchy */
	bool absolute; /* group is "/a/b": not under "taper" */
	int *fds;      /* per hierarchy (index as m->hiers), the group's directory */
	char **paths;  /* per hierarchy, absolute path for messages and mounts */
};

struct cgroup_ops {
	const char *name;
	/* Backend rules on top of cg_limits_check() (controllers, files). */
	int (*validate)(struct cgroup_manager *m, const struct taper_limits *l, struct taper_err *err);
	/* Called after the common layer made (or found) directory `child_fd`
	 * below `parent_fd` in hierarchy h: enable controllers (v2), copy
	 * cpuset values down (v1). */
	int (*prepare)(struct cgroup_manager *m, const struct cg_hier *h, int parent_fd, int child_fd,
		       struct taper_err *err);
	int (*apply)(struct taper_cgroup *cg, const struct taper_limits *l, struct taper_err *err);
	int (*read_limits)(struct taper_cgroup *cg, struct taper_limits *ret, struct taper_err *err);
	int (*stats)(struct taper_cgroup *cg, struct cgroup_stats *ret, struct taper_err *err);
	int (*freeze)(struct taper_cgroup *cg, bool frozen, struct taper_err *err);
	int (*is_frozen)(struct taper_cgroup *cg, bool *ret);
	/* The directory, file and value of a thaw; -EOPNOTSUPP without one. */
	int (*thaw_file)(struct taper_cgroup *cg, int *ret_dirfd, const char **ret_file,
			 const char **ret_value);
	/* Send SIGKILL to every process of the group (and its sub-groups). */
	int (*kill)(struct taper_cgroup *cg, struct taper_err *err);
	/* 1 when no process is left, 0 when some are. */
	int (*is_empty)(struct taper_cgroup *cg);
};

extern const struct cgroup_ops cgroup_v1_ops;
extern const struct cgroup_ops cgroup_v2_ops;

/* The hierarchy a v1 controller is bound to, or the cgroup2 one. */
int cg_hier_index(const struct cgroup_manager *m, enum cg_ctrl c);
int cg_unified_index(const struct cgroup_manager *m);

/* File access inside a cgroup directory (no symlinks, O_CLOEXEC). Writes
 * truncate, so that a test tree of plain files reads back exactly what the
 * kernel was given; cgroupfs ignores the truncation. */
int cg_write(int dirfd, const char *file, const char *value);
int cg_writef(int dirfd, const char *file, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int cg_read(int dirfd, const char *file, char **ret);
/* A file holding one number or "max" (INT64_MAX for "max"). */
int cg_read_i64(int dirfd, const char *file, int64_t *ret);
/* "key value" lines (cpu.stat, memory.events, memory.oom_control). */
int cg_read_keyed(int dirfd, const char *file, const char *key, uint64_t *ret);
bool cg_file_exists(int dirfd, const char *file);
/* One whitespace-separated token equal to word. */
bool cg_has_word(const char *list, const char *word);

/* cgroup2's own freezer on the group directory dirfd (v2.c): write
 * cgroup.freeze and wait for cgroup.events; a hybrid host's group without
 * a v1 freezer part freezes there. */
int cg2_freeze(int dirfd, bool frozen, struct taper_err *err);
int cg2_is_frozen(int dirfd, bool *ret);

/* Every pid in cgroup.procs of dir and of its sub-directories. */
int cg_collect_pids(int dirfd, pid_t **pids, size_t *n);
/* Sleep up to `ms` total in small steps until pred(cg) returns != 0. */
int cg_wait(struct taper_cgroup *cg, int (*pred)(struct taper_cgroup *cg), int ms);

/* A refusal of a limit: err says what and why, without a strerror
 * suffix ("memory.max: invalid value -5"); returns -code. */
int cg_refuse(struct taper_err *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Device access of a new group (devices.c): a BPF program on its cgroup2
 * directory where it has one (v2, and the cgroup2 part of a hybrid host),
 * else the v1 devices controller; -EOPNOTSUPP with neither. */
int cg_devices_apply(struct taper_cgroup *cg, const struct taper_device_rule *rules, size_t n,
		     struct taper_err *err);

/* Checks common to both versions: the limit table's ranges, cpusets and
 * CPU bandwidth within the host, raw file names. Names the limit in err.
 * The v1 <-> v2 unit conversions are the table's too. */
int cg_limits_check(struct cgroup_manager *m, const struct taper_limits *l, struct taper_err *err);
#endif
