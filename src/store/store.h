/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * store.h — where system containers live on disk, and who may touch them.
 *
 * A store is a directory (default /var/lib/taper; --path / TAPER_PATH):
 *
 *   <store>/<name>/config          hand-editable key = value (config/)
 *   <store>/<name>/rootfs/         default root filesystem
 *   <store>/.locks/<name>          per-container lock file (flock), removed by a
 *                                  holder once no container has that name
 *   <store>/.tmp-<name>-XXXXXX/    a create in progress (flock held on the dir)
 *   <store>/.trash-<name>-XXXXXX/  a destroy in progress (flock held on the dir)
 *   <store>/.networks/<network>    a network definition (net/netdef.h)
 *   /run/taper/<store-id>/<name>/  runtime state: pid, state, sockets (0700)
 *   /run/taper/net/<netns>/<bridge>/  address leases of a bridge, shared by
 *                                  every store (net/ipam.h)
 *
 * store-id is 16 hex digits of FNV-1a-64 over the store's canonical path, so
 * two stores never share runtime directories or cgroups; the cgroup group of
 * a container is "<store-id>/<name>".
 *
 * A valid container is a directory (not a symlink) with a valid name whose
 * "config" is a regular file. Names are [A-Za-z0-9][A-Za-z0-9_.-]{0,63}:
 * never hidden, never a path. Everything is done relative to the store's
 * dirfd with O_NOFOLLOW|O_CLOEXEC; a container directory replaced by a
 * symlink is refused, never followed.
 *
 * Locking: every mutating verb holds the container's lock for its whole run
 * (store_lock); store_create_*, store_rename and store_destroy expect the
 * caller to hold it (both names for a rename). Verbs on one container
 * serialize; verbs on different containers run in parallel.
 *
 * Crash safety: a create is built in a hidden temporary directory and
 * renamed into place at the end (RENAME_NOREPLACE); a destroy renames the
 * container to a hidden trash name first. A crash leaves only hidden
 * entries, which store_open() removes once nobody holds their flock.
 *
 * Every function returns 0 or -errno with err filled ("container \"web1\":
 * ..."); err may be NULL.
 */
#ifndef TAPER_STORE_STORE_H
#define TAPER_STORE_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include <taper.h>

#include "util/cleanup.h"

#define TAPER_STORE_DEFAULT "/var/lib/taper"
#define TAPER_RUN_DEFAULT "/run/taper"
#define STORE_ID_LEN 16
#define STORE_NAME_MAX 64 /* characters of a container name */
#define STORE_CONFIG_FILE "config"
#define STORE_ROOTFS_DIR "rootfs"
#define STORE_NETWORKS_DIR ".networks"

struct taper_store;

/* Open the store at path (NULL: the default) with runtime directories
 * under run_root (NULL: /run/taper). A missing store is -ENOENT ("no store
 * at PATH") unless create: then it is made, 0711, with its parents.
 * Removes stale .tmp-* and .trash-* entries left by a crash (best effort:
 * a failure there does not fail the open). */
int store_open(const char *path, const char *run_root, bool create, struct taper_store **ret,
	       struct taper_err *err);
void store_free(struct taper_store *s);
DEFINE_CLEANUP_FUNC(struct taper_store, store_free)

const char *store_path(const struct taper_store *s); /* canonical (realpath) */
const char *store_id(const struct taper_store *s);   /* 16 hex digits */
int store_dirfd(const struct taper_store *s);        /* owned by the store */

/* FNV-1a-64 of a canonical path as 16 lower-case hex digits + NUL. */
void store_id_of_path(const char *canonical, char ret[STORE_ID_LEN + 1]);

/* 0, or -EINVAL with err naming the refused name. */
int store_check_name(const char *name, struct taper_err *err);

/* Does a valid container of that name exist? (false for bad names) */
bool store_exists(struct taper_store *s, const char *name);

/* Open the container directory (O_DIRECTORY|O_NOFOLLOW|O_CLOEXEC).
 * -ENOENT "container \"x\" not found" when it does not exist or is not a
 * valid container (a symlink included). */
int store_open_container(struct taper_store *s, const char *name, int *ret_fd, struct taper_err *err);

/* Malloc'ed host paths "<store>/<name>" and "<store>/<name>/rootfs";
 * -ENOMEM or -EINVAL (bad name). */
int store_container_path(const struct taper_store *s, const char *name, char **ret);
int store_rootfs_path(const struct taper_store *s, const char *name, char **ret);

/* "<store>/.networks", the directory of its network definitions (made by
 * the first one). */
const char *store_networks_dir(const struct taper_store *s);

/* "<run_root>/<store-id>/<name>", created 0700 (parents too) on demand. */
int store_runtime_dir(struct taper_store *s, const char *name, char **ret_path, struct taper_err *err);
/* The cgroup group "<store-id>/<name>" (malloc'ed). */
int store_cgroup_group(const struct taper_store *s, const char *name, char **ret);

/* Valid container names, sorted (strcmp), NULL-terminated; one readdir and
 * at most two fstatat per entry, no process spawned. */
int store_list(struct taper_store *s, char ***ret_names, struct taper_err *err);

/* The container's lock: flock(LOCK_EX) on <store>/.locks/<name>. wait:
 * block until free; otherwise -EBUSY ("container \"x\" is busy") at once.
 * -ENOENT ("container \"x\" not found"), leaving no lock file, when no
 * such container exists (also when it went away while we waited).
 * *ret_fd holds the lock until released with store_unlock() (or closed,
 * when the container certainly still exists). */
int store_lock(struct taper_store *s, const char *name, bool wait, int *ret_fd, struct taper_err *err);
/* The same for a name that need not exist yet (a create). */
int store_lock_new(struct taper_store *s, const char *name, bool wait, int *ret_fd, struct taper_err *err);
/* Both names of a rename or clone, in a fixed order (no deadlock): a must
 * exist, b need not. */
int store_lock2(struct taper_store *s, const char *a, const char *b, bool wait, int *ret_fd_a, int *ret_fd_b,
		struct taper_err *err);
/* Release a lock; its file goes when no container of that name exists
 * (destroyed, renamed away, never created). fd < 0: nothing. */
void store_unlock(struct taper_store *s, const char *name, int fd);
/* Remove lock files of names that are no container and that nobody holds
 * (dry_run: only name them); *ret_names gets the names. */
int store_clean_locks(struct taper_store *s, bool dry_run, char ***ret_names, struct taper_err *err);
/* The store's id-range lock (<store>/.locks/.idmap), blocking: held by
 * whoever picks a new container's host id range (container/idrange.h)
 * from reading the other configs until the config naming the new range is
 * committed, so that two creates never pick the same range. Taken after a
 * container's lock, never before. */
int store_lock_ids(struct taper_store *s, int *ret_fd, struct taper_err *err);

/* Crash-safe create. begin: -EEXIST if name is taken; makes
 * .tmp-<name>-XXXXXX (0700) with an empty rootfs/ (0755) under it, locked.
 * The caller fills it through store_create_dirfd()/store_create_path()
 * (templates write rootfs/ and "config"), then commits: -EINVAL if no
 * config was written, -EEXIST if the name was taken meanwhile (the
 * temporary directory is kept for abort). abort (or free without commit)
 * removes the temporary directory. */
struct store_create;
int store_create_begin(struct taper_store *s, const char *name, struct store_create **ret,
		       struct taper_err *err);
int store_create_dirfd(const struct store_create *c);
const char *store_create_path(const struct store_create *c); /* host path of the tmp dir */
int store_create_commit(struct store_create *c, struct taper_err *err);
void store_create_free(struct store_create *c); /* aborts if not committed */
DEFINE_CLEANUP_FUNC(struct store_create, store_create_free)

/* rename OLD NEW (RENAME_NOREPLACE: -EEXIST if NEW is taken); the runtime
 * directory follows. The caller holds both locks and has checked that the
 * container is not running. */
int store_rename(struct taper_store *s, const char *old_name, const char *new_name, struct taper_err *err);

/* Rename to .trash-<name>-XXXXXX, then remove it (never following a
 * symlink, never crossing a mount) and the runtime directory. -ENOENT if
 * not a valid container. The caller holds the lock and has stopped it. */
int store_destroy(struct taper_store *s, const char *name, struct taper_err *err);

/* Remove stale .tmp-* / .trash-* entries nobody holds (store_open does
 * this); returns how many were removed, or -errno. */
int store_clean_stale(struct taper_store *s, struct taper_err *err);

#endif
