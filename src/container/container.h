/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * container.h — the lifecycle layer behind include/taper.h: start, stop,
 * state, attach, clone... of system containers in a store.
 *
 * Contract:
 *  - runtime files of a container live in /run/taper/<store-id>/<name>/:
 *    "state" (written atomically by the monitor), "monitor.sock", "net"
 *    (net_state_format, for cleanup), "console.log", and "exit" (how the
 *    last run ended; the only file kept after a stop);
 *  - truth comes from the kernel: container_probe() believes a recorded
 *    pid only while that pid is alive with the recorded start time (field
 *    22 of /proc/<pid>/stat) and, for the init, sits in the container's
 *    cgroup. A monitor killed with SIGKILL thus leaves a RUNNING container
 *    (init alive) or a STOPPED one with residue that container_cleanup()
 *    removes (cgroup, veths, leases, runtime files);
 *  - every mutating call holds store_lock() for its whole run; the monitor
 *    never takes the lock (a stop holding it waits for the monitor).
 */
#ifndef TAPER_CONTAINER_CONTAINER_H
#define TAPER_CONTAINER_CONTAINER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <taper.h>

#include "config/config.h"
#include "monitor/record.h"
#include "store/store.h"
#include "util/proc.h"

/* A snapshot's overlay: <dir>/overlay/{lower,upper/,work/}; "lower" holds
 * the source container's name. */
#define CONTAINER_OVERLAY_DIR "overlay"

/* The kernel's view of one container. */
struct container_probe {
	bool have_record; /* a state file exists */
	struct container_record rec;
	bool monitor_alive;
	bool init_alive;
	enum taper_state state; /* the verdict */
};
void container_probe_clear(struct container_probe *p);

/* "/run/taper/<store-id>/<name>" without creating it. -ENAMETOOLONG. */
int container_runtime_path(const struct taper_store *s, const char *name, char *buf, size_t n);
/* The runtime dir's fd, or -ENOENT; O_PATH-free, O_DIRECTORY|O_NOFOLLOW. */
int container_runtime_open(const struct taper_store *s, const char *name);

int container_probe(struct taper_store *s, const char *name, struct container_probe *ret);

/* What every public call of this layer ends a failure with: the message
 * names the container once, as `container "NAME"`, and never the
 * operation (the caller knows it: the CLI prints "taper: stop: ").
 * Prefixes `container "NAME": ` unless a layer below already named it;
 * returns the negative code. */
int container_err(struct taper_err *err, const char *name);
/* The message names the container already ("NAME" in double quotes). */
bool container_err_names(const struct taper_err *err, const char *name);

/* pid sits in (or under) the cgroup group "<store-id>/<name>". */
bool proc_in_group(pid_t pid, const char *group);

/* Remove what a dead container left: kill and remove its cgroup, veths,
 * leases, runtime files (but "exit"). Idempotent. */
int container_cleanup(struct taper_store *s, const char *name, struct taper_err *err);

/* Wait until pid (start time start) exits, up to timeout_ms (< 0:
 * forever). 0 when gone, -ETIMEDOUT. */
int proc_wait_exit(pid_t pid, uint64_t start, int timeout_ms);

/* Mount the snapshot overlay of name on its rootfs, when it has one
 * (the caller is in a private mount namespace). */
int container_mount_overlay(struct taper_store *s, const char *name, struct taper_err *err);
/* Name's snapshot layers into spec->overlay_lower and overlay_dir: 1 when
 * it is a snapshot, 0 (spec untouched) when not. */
int container_overlay_spec(struct taper_store *s, const char *name, struct taper_spec *spec,
			   struct taper_err *err);
/* Names of the containers whose snapshot overlay sits on name's rootfs. */
int container_snapshots_of(struct taper_store *s, const char *name, char ***ret, struct taper_err *err);

/* The hole-preserving tree copy of clone.c, in a child with a private
 * mount namespace: src_root (the rootfs of container src, whose snapshot
 * overlay is mounted there first when it has one; src NULL: a plain
 * directory) into the empty directory dst_root. */
int container_copy_rootfs(struct taper_store *s, const char *src, const char *src_root, int dst_root,
			  struct taper_err *err);
/* The config file "config" of src_fd written into dst_fd, rebased for the
 * container dst: rootfs.path = rootfs, uts.name when it was src, and a
 * host id range of its own when src's came from idrange_assign() (a
 * hand-written map is the user's: it is copied as it is). The caller holds
 * store_lock_ids(). */
int container_clone_config(struct taper_store *s, int src_fd, int dst_fd, const char *src, const char *dst,
			   struct taper_err *err);

/* taper_container_clone() with flags: OVERLAY (clone --snapshot),
 * OVERLAY_IF_CAN (an overlay unless src is an overlay clone itself, then a
 * full copy), EPHEMERAL ("ephemeral = true" in the new config). */
enum {
	CONTAINER_CLONE_OVERLAY = 1u << 0,
	CONTAINER_CLONE_OVERLAY_IF_CAN = 1u << 1,
	CONTAINER_CLONE_EPHEMERAL = 1u << 2,
};
int container_clone(struct taper_store *s, const char *src, const char *dst, unsigned flags,
		    struct taper_err *err);
/* taper_container_destroy() for a caller holding the lock. */
int container_destroy_locked(struct taper_store *s, const char *name, unsigned flags, struct taper_err *err);
/* Called by the monitor of an ephemeral container after its teardown:
 * starts a detached process that takes the lock and destroys the
 * container if it is still stopped and ephemeral (ephemeral.c). Returns
 * at once. */
void container_ephemeral_reap(struct taper_store *s, const char *name);

/* How many named snapshots (snapshot.c) the container keeps. */
int container_snapshot_count(struct taper_store *s, const char *name, size_t *ret, struct taper_err *err);

/* taper_container_stop() for a caller holding the lock. */
int container_stop_locked(struct taper_store *s, const char *name, int timeout, bool do_kill,
			  struct taper_err *err);

/* Clock: CLOCK_MONOTONIC milliseconds. */
int64_t now_ms(void);

/* namespaces.share.TYPE = CONTAINER: open that namespace of the running
 * container's init into fds[TYPE] (the caller made them -1 and closes
 * them) and point spec->ns_path at /proc/self/fd/N. */
int container_open_shared_ns(struct taper_store *s, const char *name, struct taper_spec *spec,
			     const struct container_settings *set, int fds[TAPER_NS_COUNT],
			     struct taper_err *err);

#endif
