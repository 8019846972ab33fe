/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cgroup.h — one interface to cgroup v1 and v2.
 *
 * cgroup_manager_open() probes the layout under a root ("/sys/fs/cgroup", or
 * a fake tree in tests: the same code with another root) and picks a backend
 * (v1.c, v2.c) behind struct cgroup_ops. A struct taper_cgroup is one
 * container's cgroup: "<hierarchy>/taper/<store-id>/<name>" in every
 * hierarchy taper uses (v1), or the one directory (v2). taper never writes
 * outside its own "taper" subtree, except enabling controllers in
 * cgroup.subtree_control on the way down to it (v2), and for a group the
 * caller names by an absolute path (OCI's cgroupsPath).
 *
 * Detection looks at the tree, so a test tree of plain files is detected
 * like the real one: "cgroup.controllers" at the root is v2 (so
 * cgroup_manager_open("/sys/fs/cgroup/unified") opens a hybrid host's
 * cgroup2 mount as a pure v2 manager); directories holding "cgroup.procs"
 * are v1 hierarchies; v1 hierarchies plus a cgroup2 directory is hybrid.
 * /proc/self/mountinfo is read only to learn which controllers a real v1
 * mount carries (a test tree names them by directory: "cpu,cpuacct"). In
 * hybrid mode every limit goes to v1 and the group is also created in the
 * cgroup2 hierarchy, for cgroup.kill and a sane cgroup namespace.
 *
 * On a systemd host the "taper" directory would be a delegated taper.slice
 * (Delegate=yes, created over D-Bus); that is not implemented: taper owns
 * "<root>/<hierarchy>/taper" directly.
 *
 * Limits use one set of names (struct taper_limits in spec/spec.h) and are
 * all validated before the first write; error messages name the limit by
 * its v2 file name ("memory.max: invalid value -5", "cpuset.cpus: cpu 7 out
 * of range (host has 0-1)") whatever the version. A numeric limit of
 * CGROUP_LIMIT_MAX writes "max" (unlimited). Every function returns 0 or
 * -errno with err filled.
 */
#ifndef TAPER_CGROUP_CGROUP_H
#define TAPER_CGROUP_CGROUP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <taper.h>

#include "spec/spec.h"
#include "util/cleanup.h"

enum cgroup_mode {
	CGROUP_MODE_NONE = 0,   /* no cgroup filesystem (cgroup_mounts_mode() only) */
	CGROUP_MODE_V1 = 1,     /* legacy: a hierarchy per controller */
	CGROUP_MODE_HYBRID = 2, /* v1 controllers + a cgroup2 mount with none or few */
	CGROUP_MODE_V2 = 3,     /* unified */
};

/* A numeric limit meaning "max": no limit (memory, swap, pids, cpu quota). */
#define CGROUP_LIMIT_MAX INT64_MAX

struct cgroup_manager;
struct taper_cgroup;

struct cgroup_stats {
	uint64_t cpu_usage_ns;
	uint64_t memory_current;
	uint64_t memory_peak; /* 0 when the kernel does not track it */
	int64_t memory_limit; /* TAPER_UNSET: unlimited */
	uint64_t pids_current;
	int64_t pids_limit; /* TAPER_UNSET: unlimited */
	uint64_t io_read_bytes;
	uint64_t io_write_bytes;
	uint64_t oom_kills;
};

/* root: NULL for "/sys/fs/cgroup". */
int cgroup_manager_open(const char *root, struct cgroup_manager **ret, struct taper_err *err);
void cgroup_manager_free(struct cgroup_manager *m);
DEFINE_CLEANUP_FUNC(struct cgroup_manager, cgroup_manager_free)
enum cgroup_mode cgroup_manager_mode(const struct cgroup_manager *m);
/* "v1", "hybrid", "v2"; NULL for CGROUP_MODE_NONE. */
const char *cgroup_mode_name(enum cgroup_mode mode);

/* Validate limits against this manager (controllers present, cpuset within
 * the host's CPUs, ranges). Writes nothing. err names the limit. */
int cgroup_validate(struct cgroup_manager *m, const struct taper_limits *l, struct taper_err *err);

/* Create (or reuse a stale, empty) "taper/<group>" in every hierarchy and
 * apply limits (NULL: none). group is "<store-id>/<name>": components that
 * pass name_is_valid(); or, for OCI's absolute cgroupsPath, "/a/b": that
 * group from every hierarchy's root, whose parents are made on the way
 * but never removed (cgroup_path_is_valid()). -EBUSY when the group exists
 * and has processes. On failure nothing is left behind. */
int cgroup_create(struct cgroup_manager *m, const char *group, const struct taper_limits *l,
		  struct taper_cgroup **ret, struct taper_err *err);
/* The same, in as few hierarchies as l needs: the v1 ones its limits use,
 * the cgroup2 one (else, for device rules, v1 devices). Each hierarchy
 * costs a mkdir, an rmdir and, in a container with a cgroup mount, a
 * mount. On a hybrid host the cgroup2 part carries what every group needs:
 * the device program, cgroup.kill, the freezer, the pids, CPU time; memory,
 * pids and I/O statistics only come from a v1 part, which a limit set later
 * makes (cgroup_set_limits()). */
int cgroup_create_minimal(struct cgroup_manager *m, const char *group, const struct taper_limits *l,
			  struct taper_cgroup **ret, struct taper_err *err);
/* An O_PATH fd for clone3's CLONE_INTO_CGROUP when the group lives in the
 * cgroup2 hierarchy alone (a v2 host, or a minimal group on a hybrid one);
 * -1 otherwise, when it must be entered with cgroup_enter(). */
int cgroup_clone_fd(const struct taper_cgroup *cg);
/* How a new process enters a group with no write of its pid to a
 * cgroup.procs file: in a v1 hierarchy that write takes the threadgroup
 * lock's writer side, which waits for an RCU grace period (1-15 ms on a
 * busy host). The process is born in the cgroup2 part by clone3's
 * CLONE_INTO_CGROUP (clone_fd; -1 when the group has none) and moves
 * itself into each v1 part by writing "0" to its "tasks" file, which
 * moves the calling thread alone and takes no such lock: the process must
 * be single-threaded, as a clone's child is. The files are opened here,
 * by the caller, whose credentials the kernel checks at the write. */
struct cgroup_birth {
	int clone_fd;
	int *tasks; /* "tasks" of each v1 part, O_WRONLY */
	size_t n_tasks;
};
int cgroup_birth_open(const struct taper_cgroup *cg, struct cgroup_birth *ret, struct taper_err *err);
void cgroup_birth_close(struct cgroup_birth *b);
/* The new process's side, first thing after the clone: allocates nothing,
 * touches no memory but b (safe in a child that shares the caller's
 * memory). 0, or -errno of the first write that failed. */
int cgroup_birth_join(const struct cgroup_birth *b);
/* Attach an existing group (for stats, limit, freeze, destroy of a running
 * container). -ENOENT when it does not exist. */
int cgroup_open(struct cgroup_manager *m, const char *group, struct taper_cgroup **ret,
		struct taper_err *err);
void cgroup_free(struct taper_cgroup *cg);
DEFINE_CLEANUP_FUNC(struct taper_cgroup, cgroup_free)

/* Move pid into the group in every hierarchy. On v1 a task's memory
 * already charged stays where it was: enter before the process allocates
 * (right after clone, before exec). */
int cgroup_enter(struct taper_cgroup *cg, pid_t pid, struct taper_err *err);
/* Apply limits to a live group (only the fields that are set). A limit
 * of a v1 hierarchy a minimal group has no part in makes that part first
 * and moves the group's processes in (memory charged before the move
 * stays charged where it was, as for any move between v1 groups). */
int cgroup_set_limits(struct taper_cgroup *cg, const struct taper_limits *l, struct taper_err *err);
/* Read back what is set, into a struct initialised by limits_init().
 * Unlimited values read back as TAPER_UNSET. cpu_weight is filled on both
 * versions (on v1 from cpu.shares, with cpu_shares too); the pair always
 * agrees, so the struct can be handed back to cgroup_set_limits(). Caller
 * releases it with limits_clear(). */
int cgroup_get_limits(struct taper_cgroup *cg, struct taper_limits *ret, struct taper_err *err);
int cgroup_stats(struct taper_cgroup *cg, struct cgroup_stats *ret, struct taper_err *err);
/* Freeze (or thaw) and wait, bounded, until the kernel reports it done:
 * v1 freezer.state FROZEN/THAWED, v2 cgroup.events "frozen 1"/"frozen 0".
 * -ETIMEDOUT when it does not settle. */
int cgroup_freeze(struct taper_cgroup *cg, bool frozen, struct taper_err *err);
/* -errno (no err): -EOPNOTSUPP without a v1 freezer hierarchy. */
int cgroup_is_frozen(struct taper_cgroup *cg, bool *ret);
/* The freezer file opened for writing (O_CLOEXEC) and what to write to it
 * to thaw the group: v1 freezer.state "THAWED", v2 cgroup.freeze "0". For
 * a process that keeps no manager, only this fd (the monitor's
 * supervisor): it thaws without waiting, as a signal is all it has to
 * deliver. -errno (no err): -EOPNOTSUPP without a freezer. */
int cgroup_thaw_file(struct taper_cgroup *cg, int *ret_fd, const char **ret_value);
/* Pids in the group and its sub-groups (read from the cgroup2 hierarchy
 * when there is one, else v1 freezer); -errno. Caller frees *ret. */
int cgroup_pids(struct taper_cgroup *cg, pid_t **ret, size_t *ret_n, struct taper_err *err);
/* Kill every process (cgroup.kill where the kernel has it, v2 or the
 * hybrid's cgroup2 mount; else freeze, SIGKILL each pid, thaw), wait until
 * empty (bounded: -EBUSY), rmdir the group and its sub-groups, then its
 * parents below "taper" when empty. A frozen group is fine. cg must still
 * be released with cgroup_free(). */
int cgroup_destroy(struct taper_cgroup *cg, struct taper_err *err);
/* Remove a group no process is in (nor in a sub-group), in every
 * hierarchy, and its parents below "taper" when empty; -EBUSY, removing
 * nothing, when processes are left. Unlike cgroup_destroy() it kills
 * nothing: for residue whose owner is gone. */
int cgroup_remove_empty(struct taper_cgroup *cg, struct taper_err *err);
/* Names of the groups directly under "taper/<parent>" in any hierarchy
 * (parent: a store id), sorted, each once, NULL-terminated; an empty
 * list when there is no such parent. For cleanup of residue. */
int cgroup_list(struct cgroup_manager *m, const char *parent, char ***ret_names, struct taper_err *err);
/* One hierarchy as a container with its own cgroup namespace mounts it:
 * a fresh cgroup (or cgroup2) mount shows the container's group as its
 * root. dir is the name under /sys/fs/cgroup ("memory", "cpu,cpuacct",
 * "systemd", "unified"), "" for a v2 host's one mount at /sys/fs/cgroup
 * itself; options is the v1 mount data ("memory", "cpu,cpuacct",
 * "none,name=systemd"), "" for cgroup2. self_managed marks what an init
 * manages on its own and may get writable: a named v1 hierarchy (no
 * controller, so no limit a container could raise) and cgroup2 (whose
 * delegation is by file ownership, see cgroup_delegate()). */
struct cgroup_mount_info {
	const char *dir; /* points into the manager */
	bool unified;
	bool self_managed;
	char options[96];
};
/* The manager's hierarchies in mount order (a v2 host: one); with cg, only
 * those cg has a group in (a minimal group of a hybrid host: cgroup2 and
 * the v1 hierarchies its limits use). *ret is one allocation, valid while
 * m lives. -ENOMEM. */
int cgroup_mount_layout(const struct cgroup_manager *m, const struct taper_cgroup *cg,
			struct cgroup_mount_info **ret, size_t *ret_n);

/* Hand the self-managed hierarchies' part of the group to uid:gid (root of
 * a container's user namespace), as cgroup v2 delegation prescribes: the
 * directory, and the files that create sub-groups and move processes
 * (cgroup.procs, cgroup.threads, cgroup.subtree_control; v1: cgroup.procs,
 * tasks). Limit files stay root's, so the container cannot raise its own
 * limits; sub-groups it makes are bounded by the group. */
int cgroup_delegate(struct taper_cgroup *cg, uid_t uid, gid_t gid, struct taper_err *err);

/* The group's absolute path in the hierarchy carrying controller
 * ("memory", "cpu", "systemd", "unified"), e.g.
 * "/sys/fs/cgroup/memory/taper/ab12/web1", for bind mounts and messages.
 * v2: the one path for any name (or NULL). NULL when no such hierarchy. */
const char *cgroup_path(const struct taper_cgroup *cg, const char *controller);

#endif
