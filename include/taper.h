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
 *
 * Threads. Every call may run in any thread, concurrently with any other
 * call, on the same struct taper_store too (it is not changed after
 * open; close it only once no call uses it). Calls on one container
 * serialize on its lock (a start or stop waits for another one); state,
 * stats, info and listings take no lock. No call changes what belongs to
 * the whole process: signal mask and dispositions, namespaces, cwd,
 * umask, rlimits, stdio; and none leaves a child behind to reap, but the
 * foreground start's monitor, reaped by that call before it returns.
 * Processes are made with posix_spawn or fork-like clones that only run
 * system calls before their exec; a namespace is entered only by the
 * calling thread and left again before the call returns (setns of a
 * network namespace to open a netlink socket). What a caller must do
 * itself: taper_runtime_prepare() re-executes the program, first thing
 * in main(), before any thread. Calls that change nftables rules (port,
 * network, gc, and a stop that finds no monitor to do it), a full clone
 * (a private mount namespace for the copy) and create fork a helper that
 * runs library code: that relies on glibc's fork keeping malloc and the
 * loader usable in the child of a threaded process.
 * The process-wide log level (taper's CLI sets it) is the one global.
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
	int code;                    /* positive errno, 0 when unknown */
	char msg[TAPER_ERR_MSG_MAX]; /* "context: context: strerror" */
};

/* The library's version string, e.g. "0.1.0". */
TAPER_EXPORT const char *taper_version(void);

/* Clears an error object for reuse. */
TAPER_EXPORT void taper_err_clear(struct taper_err *err);

/* ---- system containers (src/container/) ----------------------------------
 *
 * A store holds containers by name; every call below takes the store
 * opened once by taper_store_open(). Mutating calls hold the container's
 * lock for their whole run, so calls from many processes serialize per
 * container. State is read from the kernel (the init's pid, its start time
 * and its cgroup), never trusted from a file alone.
 */
#include <signal.h>
#include <sys/types.h>

struct taper_store;

enum taper_state {
	TAPER_STATE_STOPPED = 0,
	TAPER_STATE_STARTING,
	TAPER_STATE_RUNNING,
	TAPER_STATE_STOPPING,
	TAPER_STATE_FROZEN,
	TAPER_STATE_ABORTING,
};
#define TAPER_STATE_COUNT 6

/* "STOPPED", "RUNNING", ...; NULL for an unknown value. */
TAPER_EXPORT const char *taper_state_name(enum taper_state s);
/* Case-insensitive name -> state; -EINVAL when unknown. */
TAPER_EXPORT int taper_state_from_name(const char *name, enum taper_state *ret);

/* Open the store at path (NULL: /var/lib/taper), which must exist:
 * -ENOENT, "no store at PATH", when it does not; a read never makes one.
 * taper_store_create() makes a missing store (0711) first, for the calls
 * that add to it (create, network create). */
TAPER_EXPORT int taper_store_open(const char *path, struct taper_store **ret, struct taper_err *err);
TAPER_EXPORT int taper_store_create(const char *path, struct taper_store **ret, struct taper_err *err);
TAPER_EXPORT void taper_store_close(struct taper_store *s);

/* Sorted names, NULL-terminated; free with taper_strv_free(). */
TAPER_EXPORT int taper_container_list(struct taper_store *s, char ***ret_names, struct taper_err *err);
TAPER_EXPORT void taper_strv_free(char **v);

/* 0 when name may name a container ([A-Za-z0-9][A-Za-z0-9_.-]{0,63}: never
 * hidden, never a path); -EINVAL with err naming it. Touches nothing, so a
 * front end refuses a bad name before it opens a store. */
TAPER_EXPORT int taper_container_name_check(const char *name, struct taper_err *err);
/* Is there a valid container of that name in the store? (false for bad
 * names) */
TAPER_EXPORT bool taper_container_exists(struct taper_store *s, const char *name);

/* Templates fill a new container's rootfs. Each has options given as
 * "--opt VALUE" / "--opt=VALUE" words (a flag takes no value). */
struct taper_template_option {
	const char *name; /* without "--": "file" */
	const char *arg;  /* its value's name for help ("PATH"); NULL: a flag */
	bool required;
	const char *doc;
};
struct taper_template {
	const char *name; /* "busybox" */
	const char *doc;
	const struct taper_template_option *options; /* n_options entries */
	size_t n_options;
};
/* The i-th template of the table (help output walks i from 0); -ENOENT
 * past the last. The strings are static. */
TAPER_EXPORT int taper_template_get(size_t i, struct taper_template *ret);
/* The template called name; -ENOENT when there is none. */
TAPER_EXPORT int taper_template_find(const char *name, struct taper_template *ret);
/* Every usage error a create with these options would meet (unknown
 * template, unknown or missing option, a --file that cannot be read), found
 * without touching a store: -EINVAL (-ENOENT: unknown template) and err
 * as "template tarball: missing option '--file PATH'". */
TAPER_EXPORT int taper_template_check(const char *template_name, char *const *options, struct taper_err *err);

struct taper_create_opts {
	/* Long steps report here: stage in short words ("extracting",
	 * "layer 2/3"), total 0 when unknown. Called in the calling thread. */
	void (*progress)(void *userdata, const char *stage, uint64_t done, uint64_t total);
	void *userdata;
	/* Polled throughout; once non-zero the create stops with -ECANCELED
	 * and leaves nothing. A caller setting it from a signal handler
	 * installs that handler without SA_RESTART, so that blocking reads
	 * return at once. May be NULL. */
	volatile sig_atomic_t *cancel;
	/* Wait for a lock held on the name; false: -EBUSY at once. */
	bool wait;
	/* Who created it, for the config's first comment ("# NAME: created
	 * by CREATED_BY"); NULL: taper_container_create("TEMPLATE"). */
	const char *created_by;
};
TAPER_EXPORT void taper_create_opts_init(struct taper_create_opts *o);

/* template: "busybox", "tarball", ...; options: that template's "--opt
 * VALUE" words (NULL-terminated, may be NULL); opts NULL: the defaults.
 * The container is built in a hidden directory of the store and appears
 * only complete, with its base config (rootfs, host name = name with '_'
 * as '-', a veth on taperbr0, a user namespace) and the template's lines;
 * on any failure or cancel nothing is left. -EEXIST when name is taken. */
TAPER_EXPORT int taper_container_create(struct taper_store *s, const char *name, const char *template_name,
					char *const *options, const struct taper_create_opts *opts,
					struct taper_err *err);

struct taper_start_opts {
	/* Wait until the container stops instead of returning once it runs:
	 * the monitor (a process of its own, the caller's child until it
	 * exits) relays the console to console_out and from console_in (-1:
	 * not relayed), and the call returns the init's exit as in
	 * taper_container_state.exit_code. */
	bool foreground;
	int console_in;
	int console_out;
	/* Foreground only: polled (on EINTR and every 250 ms); once non-zero
	 * the container is asked once for a clean stop (its stop.signal, then
	 * SIGKILL after stop.timeout) and the call goes on waiting. A caller
	 * setting it from a signal handler installs that handler without
	 * SA_RESTART. May be NULL. */
	volatile sig_atomic_t *stop;
};
TAPER_EXPORT void taper_start_opts_init(struct taper_start_opts *o);

/* Detached (default): returns once the container is RUNNING, with a
 * monitor process left owning it (taper-monitor, executed: it is not the
 * caller's child, and shares nothing of it but the environment); on
 * failure nothing is left behind. */
TAPER_EXPORT int taper_container_start(struct taper_store *s, const char *name,
				       const struct taper_start_opts *opts, struct taper_err *err);

/* lxc-execute: run argv in the stored container's configuration (its
 * rootfs, limits, network, mounts, idmap) instead of init.cmd, under a
 * small built-in init, until it exits: a foreground start whose monitor
 * (executed from a sealed copy, as its init stays in the container) is
 * the caller's child until then. The
 * container is RUNNING meanwhile, exactly as after a foreground start
 * (state file and monitor socket: a second start is refused; stop,
 * attach, ls and wait work), and its lock is held only until then. No
 * pty: stdio[] (-1: the caller's) are the command's 0, 1, 2. Returns the
 * command's exit status as a shell reports it (128+N when killed by N),
 * or -errno when the container could not start (-EBUSY when it runs) or
 * the command could not be run. */
struct taper_execute_opts {
	char *const *argv;
	int stdio[3];
	int *ret_status; /* optional: when the command never ran, 125 (runtime
			  * error), 126 (not executable) or 127 (not found) */
};
TAPER_EXPORT void taper_execute_opts_init(struct taper_execute_opts *o);
TAPER_EXPORT int taper_container_execute(struct taper_store *s, const char *name,
					 const struct taper_execute_opts *opts, struct taper_err *err);

/* Clean shutdown through the init's stop signal, SIGKILL of the whole
 * cgroup after timeout seconds (< 0: the container's stop.timeout); kill:
 * at once. -ESRCH when it is not running. Leaves nothing behind. */
TAPER_EXPORT int taper_container_stop(struct taper_store *s, const char *name, int timeout, bool kill,
				      struct taper_err *err);
TAPER_EXPORT int taper_container_freeze(struct taper_store *s, const char *name, struct taper_err *err);
TAPER_EXPORT int taper_container_unfreeze(struct taper_store *s, const char *name, struct taper_err *err);

struct taper_container_state {
	enum taper_state state;
	pid_t pid;         /* the init's pid on the host, 0 when stopped */
	pid_t monitor_pid; /* 0 when no monitor runs */
	char **ipv4;       /* "10.0.3.2", NULL-terminated, never NULL */
	uint64_t memory_bytes;
	uint64_t cpu_ns;
	uint64_t pids;
	int64_t started_at; /* unix seconds, 0 when stopped */
	bool autostart;
	int64_t start_order;
	uint32_t start_delay;
	/* How the last run ended (has_exit false when unknown). */
	bool has_exit;
	int exit_code;   /* as a shell reports it: 128+N when killed by N */
	int exit_signal; /* 0 unless killed by a signal */
	bool exit_oom;
};
/* Fills st; release with taper_container_state_clear(). */
TAPER_EXPORT int taper_container_state(struct taper_store *s, const char *name,
				       struct taper_container_state *st, struct taper_err *err);
TAPER_EXPORT void taper_container_state_clear(struct taper_container_state *st);

/* Every container of the store with its state, sorted by name: what
 * taper_container_state() says of each, with what they share (the cgroup
 * hierarchies) set up once, as ls and the panel's list want it. One
 * destroyed meanwhile is left out. Free with taper_container_entries_free(). */
struct taper_container_entry {
	char *name;
	struct taper_container_state state;
};
TAPER_EXPORT int taper_container_list_states(struct taper_store *s, struct taper_container_entry **ret,
					     size_t *ret_n, struct taper_err *err);
TAPER_EXPORT void taper_container_entries_free(struct taper_container_entry *e, size_t n);

/* A JSON object (malloc'ed text): state plus usage, uptime and a config
 * summary, the document `taper info --format json` prints. */
TAPER_EXPORT int taper_container_info(struct taper_store *s, const char *name, char **ret_json,
				      struct taper_err *err);

struct taper_attach_opts {
	char *const *argv; /* NULL: /bin/sh -l */
	char *const *env;  /* extra "K=V", may be NULL */
	const char *cwd;   /* NULL: the init's cwd setting or "/" */
	int stdio[3];      /* fds that become 0, 1, 2 (with pty false) */
	bool pty;          /* a new pty of the container's devpts (from its
			       * /dev/ptmx), its master relayed to stdio */
	int *ret_status;   /* optional: when the command never ran, 125
			       * (runtime error), 126 (not executable) or 127
			       * (not found), as a shell reports them */
	/* As lxc-attach's: */
	const char *user;  /* UID or a name of the container's /etc/passwd;
			    * NULL: the config's init.uid. Not root: no
			    * capabilities but in the bounding set */
	const char *group; /* GID or a name of its /etc/group; NULL: the
			    * user's primary group, else init.gid */
	bool clear_env;    /* not the config's environment: PATH, TERM (with
			    * a pty) and env alone */
};
TAPER_EXPORT void taper_attach_opts_init(struct taper_attach_opts *o);
/* Run a command in the running container's namespaces, cgroup and
 * security context; returns its exit status (>= 0) or -errno. */
TAPER_EXPORT int taper_container_attach(struct taper_store *s, const char *name,
					const struct taper_attach_opts *opts, struct taper_err *err);

/* Exit statuses of a command that never ran, as a shell reports them. */
#define TAPER_STATUS_RUNTIME_ERROR 125
#define TAPER_STATUS_NOT_EXECUTABLE 126
#define TAPER_STATUS_NOT_FOUND 127

/* A program that puts its own processes into containers (attach) calls
 * this first thing, with main()'s argc/argv, before any thread starts:
 * unless it already runs from a sealed in-memory copy of its binary, it
 * re-executes itself from one with the same argv and environ (it does not
 * return then). A container process thus finds only an immutable copy
 * behind /proc/<pid>/exe (CVE-2019-5736). One extra execve; a daemon pays
 * it once at startup. Never called by the library itself. */
TAPER_EXPORT int taper_runtime_prepare(int argc, char **argv, struct taper_err *err);

/* Relay the console between in/out through the monitor, first replaying
 * the recent output; returns when the escape (Ctrl-a q) is read from in,
 * in reaches EOF, or the container stops. */
TAPER_EXPORT int taper_container_console(struct taper_store *s, const char *name, int in, int out,
					 struct taper_err *err);

/* A full copy, or (snapshot) an overlay on src's rootfs. src stopped. */
TAPER_EXPORT int taper_container_clone(struct taper_store *s, const char *src, const char *dst, bool snapshot,
				       struct taper_err *err);
/* lxc-copy -e: an overlay clone of src (a full copy when src is an overlay
 * clone itself or has an idmapped rootfs, which an overlay cannot show) with
 * "ephemeral = true", started at once. When it stops,
 * its monitor has it destroyed (under its lock, once it is STOPPED). A
 * failed start destroys it again. */
TAPER_EXPORT int taper_container_clone_ephemeral(struct taper_store *s, const char *src, const char *dst,
						 struct taper_err *err);
/* flags: TAPER_DESTROY_FORCE stops a running container first and
 * destroys a container that overlay clones depend on; TAPER_DESTROY_SNAPSHOTS
 * destroys its named snapshots with it (without it, a container that has
 * any is refused with -EBUSY, as lxc-destroy refuses without -s). */
#define TAPER_DESTROY_FORCE 1u
#define TAPER_DESTROY_SNAPSHOTS 2u
TAPER_EXPORT int taper_container_destroy(struct taper_store *s, const char *name, unsigned flags,
					 struct taper_err *err);

/* ---- named snapshots (src/container/snapshot.c), lxc-snapshot's job -------
 *
 * A snapshot is a full copy of a stopped container's rootfs and config,
 * kept in <store>/NAME/snaps/SNAP/ with its time and a comment; it moves
 * with a rename and goes with a destroy. Every call holds the container's
 * lock; a snapshot appears only complete.
 */
struct taper_snapshot {
	char name[65];   /* "snap0" */
	int64_t created; /* unix seconds, 0 when unknown */
	char *comment;   /* "" when none */
};
/* snap NULL: "snapN", one past the highest N; -EEXIST when taken, -EBUSY
 * unless stopped. *ret_name (optional, malloc'ed) is the name used. */
TAPER_EXPORT int taper_snapshot_create(struct taper_store *s, const char *name, const char *snap,
				       const char *comment, char **ret_name, struct taper_err *err);
/* Sorted by name; free with taper_snapshots_free(). */
TAPER_EXPORT int taper_snapshot_list(struct taper_store *s, const char *name, struct taper_snapshot **ret,
				     size_t *ret_n, struct taper_err *err);
TAPER_EXPORT void taper_snapshots_free(struct taper_snapshot *v, size_t n);
/* new_name NULL: the stopped container's rootfs and config become the
 * snapshot's (an overlay clone is refused: restore it under a new name);
 * otherwise a new container new_name, as a clone of the snapshot. */
TAPER_EXPORT int taper_snapshot_restore(struct taper_store *s, const char *name, const char *snap,
					const char *new_name, struct taper_err *err);
TAPER_EXPORT int taper_snapshot_remove(struct taper_store *s, const char *name, const char *snap,
				       struct taper_err *err);
TAPER_EXPORT int taper_container_rename(struct taper_store *s, const char *old_name, const char *new_name,
					struct taper_err *err);

/* Values of a config key (NULL-terminated, empty when unset); free with
 * taper_strv_free(). -EINVAL: 'unknown key "foo"'; a broken file is named
 * with its line ("<store>/web1/config:3: unknown key ..."). */
TAPER_EXPORT int taper_container_config_get(struct taper_store *s, const char *name, const char *key,
					    char ***ret_values, struct taper_err *err);
/* Under the container's lock: validate and set (a list key gets one more
 * entry) or, value NULL, remove every line of key (-ENOENT when it is not
 * set); then save atomically, comments and order kept. */
TAPER_EXPORT int taper_container_config_set(struct taper_store *s, const char *name, const char *key,
					    const char *value, struct taper_err *err);
/* The config file as it is, comments included (malloc'ed, *ret_len bytes,
 * NUL-terminated). */
TAPER_EXPORT int taper_container_config_text(struct taper_store *s, const char *name, char **ret_text,
					     size_t *ret_len, struct taper_err *err);
/* The reference of every config key (docs/config.md), as markdown or as
 * plain text (malloc'ed). */
TAPER_EXPORT int taper_config_keys_doc(bool markdown, char **ret_text, struct taper_err *err);
/* One row of the key table, for front ends that list the keys. */
struct taper_config_key_info {
	const char *key;     /* "cgroup.memory.max", or a pattern: "net.N.type" */
	const char *syntax;  /* the value's syntax: "size", "bool", "SRC DST TYPE OPTS" */
	const char *doc;     /* one paragraph */
	const char *example; /* a valid value */
	bool list;           /* may repeat: each line adds an entry */
};
/* The i-th key; -ENOENT past the last. The strings are static. */
TAPER_EXPORT int taper_config_key_get(size_t i, struct taper_config_key_info *ret);

/* Wait until the container is in state (timeout < 0: forever); -ETIMEDOUT. */
TAPER_EXPORT int taper_container_wait(struct taper_store *s, const char *name, enum taper_state state,
				      int timeout, struct taper_err *err);

/* lxc-autostart. The containers with start.auto = 1 that opts selects:
 * without groups, those in no start.group; with groups (NULL-terminated),
 * those in any of them, "" naming the ones in no group; with all, every
 * one. START goes by start.order then name, sleeping start.delay after
 * each start and leaving running ones alone; STOP and KILL go in the
 * reverse order, each with its stop.timeout (KILL: SIGKILL at once),
 * leaving stopped ones alone; REBOOT stops them (reverse order), then
 * starts them. */
enum taper_autostart_action {
	TAPER_AUTOSTART_START = 0,
	TAPER_AUTOSTART_STOP,
	TAPER_AUTOSTART_KILL,
	TAPER_AUTOSTART_REBOOT,
};
struct taper_autostart_opts {
	enum taper_autostart_action action;
	char *const *groups; /* NULL or empty: the containers in no group */
	bool all;            /* groups ignored */
};
TAPER_EXPORT void taper_autostart_opts_init(struct taper_autostart_opts *o);
struct taper_autostart_entry {
	char *name;
	int64_t order;
	uint32_t delay;
	char **groups; /* NULL-terminated, never NULL */
};
/* What taper_autostart_run() would act on, in the order it would (opts
 * NULL: the defaults); free with taper_autostart_entries_free(). */
TAPER_EXPORT int taper_autostart_list(struct taper_store *s, const struct taper_autostart_opts *opts,
				      struct taper_autostart_entry **ret, size_t *ret_n,
				      struct taper_err *err);
TAPER_EXPORT void taper_autostart_entries_free(struct taper_autostart_entry *v, size_t n);
/* Failures are counted, not fatal: returns how many failed (the first
 * error in err), or -errno when nothing could be listed. */
TAPER_EXPORT int taper_autostart_run(struct taper_store *s, const struct taper_autostart_opts *opts,
				     struct taper_err *err);
/* taper_autostart_run() with the defaults: START, containers in no group. */
TAPER_EXPORT int taper_autostart(struct taper_store *s, struct taper_err *err);

/* Remove what killed commands left behind in the store: the empty cgroups
 * of SIGKILLed `taper run`s (a run's group is named after its pid and
 * start time, so a reused pid is no owner), the residue of containers
 * whose monitor and init are both gone (cgroup, network, runtime files),
 * the runtime directories of names that are no container, and lock files
 * nobody holds of names that are no container. Nothing running is touched
 * and nothing is killed. dry_run: remove nothing. *ret_removed: one line
 * per item ("cgroup taper/<store-id>/run-412-98231", "runtime
 * /run/taper/<store-id>/old", "lock old"), NULL-terminated. */
TAPER_EXPORT int taper_store_gc(struct taper_store *s, bool dry_run, char ***ret_removed,
				struct taper_err *err);
/* ---- state changes (src/container/watch.c), lxc-monitor's job -------------
 *
 * An inotify watch on the store's runtime directory and on each
 * container's there (the monitor renames its state file into place at
 * every change), plus the freezer: no polling loop. The states a run
 * passes through are recorded with their times, so STARTING, RUNNING and
 * STOPPING are reported even when two come between two reads; FROZEN and
 * the thaw are reported when taper freezes (or, within a few seconds, when
 * the cgroup is frozen by hand); STOPPED when the monitor's record is gone.
 */
struct taper_watch;
struct taper_event {
	char name[65];
	enum taper_state state;
	int64_t time_ns; /* CLOCK_REALTIME of the change */
};
/* names: the containers to report (NULL or empty: every container of the
 * store, those created later included). Makes the store's runtime
 * directory when no container has run yet. */
TAPER_EXPORT int taper_watch_open(struct taper_store *s, char *const *names, struct taper_watch **ret,
				  struct taper_err *err);
/* Readable (poll POLLIN) when taper_watch_next() may have news. */
TAPER_EXPORT int taper_watch_fd(const struct taper_watch *w);
/* The next change: 1 with *ret filled, 0 when timeout_ms (< 0: none)
 * passed without one, -EINTR when a signal interrupted the wait, other
 * -errno on failure. */
TAPER_EXPORT int taper_watch_next(struct taper_watch *w, int timeout_ms, struct taper_event *ret,
				  struct taper_err *err);
TAPER_EXPORT void taper_watch_close(struct taper_watch *w);

/* ---- resource limits and usage (src/limits/) -----------------------------
 *
 * Limits are named by their config key ("cgroup.memory.max", see
 * docs/config.md) and valued as the config file takes them ("256M",
 * "0.5", "0-1"); "max" removes a limit.
 */

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

/* What a limit is, for help output and option tables. */
struct taper_limit_info {
	const char *option;  /* a front end's name for it: "memory", "cpu-weight" */
	const char *key;     /* its config key: "cgroup.memory.max" */
	const char *metavar; /* its value for help: "SIZE|max" */
	const char *help;
	bool is_size; /* valued in bytes (tables may show "256M") */
};
/* The i-th limit, in the order of taper_container_get_limits(); -ENOENT
 * past the last. The strings are static. */
TAPER_EXPORT int taper_limit_info_get(size_t i, struct taper_limit_info *ret);

/* One row per limit a container can have, in a fixed order. */
struct taper_limit_value {
	char *key;    /* "cgroup.memory.max" */
	char *config; /* the config file's value, NULL when unset */
	char *kernel; /* what the cgroup holds ("268435456", "max", "0.5", "0-1");
		       * NULL when not running or not known */
};
TAPER_EXPORT int taper_container_get_limits(struct taper_store *s, const char *name,
					    struct taper_limit_value **ret, size_t *ret_n, bool *ret_running,
					    struct taper_err *err);
TAPER_EXPORT void taper_limit_values_free(struct taper_limit_value *v, size_t n);

/* A snapshot of a running container's counters. */
struct taper_stats {
	uint64_t timestamp_ns; /* CLOCK_MONOTONIC at sampling */
	uint64_t cpu_usage_ns;
	uint64_t memory_bytes;
	uint64_t memory_peak_bytes; /* 0 when the kernel does not track it */
	int64_t memory_limit_bytes; /* -1: unlimited */
	uint64_t pids;
	int64_t pids_limit; /* -1: unlimited */
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

/* ---- published ports (src/container/ports.c) ------------------------------
 *
 * A container's "net.port" config lines: connections to a host port go to
 * a port of the container's first veth address while it runs. Add and
 * remove edit the config under the container's lock and apply the change
 * at once to a running container.
 */
struct taper_port {
	char host_ip[16]; /* "" : every local address */
	uint16_t host_port;
	uint16_t container_port;
	char proto[4]; /* "tcp" or "udp" */
	bool active;   /* its rules are in place (the container runs) */
};
/* spec "[HOSTIP:]HOSTPORT:CTRPORT[/tcp|udp]"; -EINVAL naming the bad part,
 * -EADDRINUSE when a container of the store publishes that host port. */
TAPER_EXPORT int taper_container_port_add(struct taper_store *s, const char *name, const char *spec,
					  struct taper_err *err);
/* spec as for add, or "HOSTPORT[/tcp|udp]"; -ENOENT when none matches. */
TAPER_EXPORT int taper_container_port_remove(struct taper_store *s, const char *name, const char *spec,
					     struct taper_err *err);
/* The list in config order; free(*ret). */
TAPER_EXPORT int taper_container_ports(struct taper_store *s, const char *name, struct taper_port **ret,
				       size_t *ret_n, struct taper_err *err);

/* ---- networks (src/container/network.c) ----------------------------------
 *
 * A network is a definition in the store (subnet, gateway, NAT, MTU,
 * bridge) plus its bridge in the caller's network namespace; containers
 * lease addresses on it. "taper" always exists: when no file defines it,
 * it is the built-in default (taperbr0, 10.0.3.0/24, NAT).
 */
struct taper_network {
	char name[65];
	char bridge[16];
	char subnet[19];  /* "10.0.3.0/24" */
	char gateway[16]; /* "10.0.3.1" */
	bool nat;
	int mtu;            /* 0: the kernel's default */
	bool builtin;       /* the default network, defined by no file */
	bool bridge_exists; /* in the caller's network namespace */
	int n_leases;       /* addresses leased now; -errno when unknown */
};
/* What taper_network_create() takes. */
struct taper_network_def {
	const char *name;
	const char *subnet;  /* "10.66.0.0/24": prefix 8..30, no host bits */
	const char *gateway; /* NULL: the subnet's first address */
	const char *bridge;  /* NULL: "tb-<name>" (or a hash that fits IFNAMSIZ) */
	bool nat;
	int mtu; /* 0: the kernel's default; else 68..65535 */
};
struct taper_network_lease {
	char address[16];
	char owner[128]; /* the container holding it: its name when it is of
			  * this store, else "taper:ctr:<store-id>:<name>" (a
			  * bridge's leases are shared by every store) */
};

/* Sorted names, the default included; free with taper_strv_free(). */
TAPER_EXPORT int taper_network_list(struct taper_store *s, char ***ret_names, struct taper_err *err);
/* -ENOENT: "network lab: no such network". */
TAPER_EXPORT int taper_network_inspect(struct taper_store *s, const char *name, struct taper_network *ret,
				       struct taper_err *err);
/* The leases in address order; free(*ret). */
TAPER_EXPORT int taper_network_leases(struct taper_store *s, const char *name,
				      struct taper_network_lease **ret, size_t *ret_n, struct taper_err *err);
/* Check every value, save the definition, then make the bridge (the
 * definition is removed again when that fails). A refused value sets
 * *ret_field (optional; NULL otherwise) to its field ("subnet", "gateway",
 * "bridge", "mtu") and err to "VALUE: reason"; -EEXIST when the name is
 * taken, or the subnet overlaps another network's. */
TAPER_EXPORT int taper_network_create(struct taper_store *s, const struct taper_network_def *def,
				      const char **ret_field, struct taper_err *err);
/* -EBUSY while a container holds a lease on it; removes the bridge, then
 * the definition. */
TAPER_EXPORT int taper_network_remove(struct taper_store *s, const char *name, struct taper_err *err);

/* ---- one container from a spec (src/container/spec.c, run.c) ------------
 *
 * Every way of asking for a container compiles to one spec; one executor
 * runs it. A front end makes a spec from `taper run` flags, from a stored
 * container's config, or from nothing (taper_spec_new(): the secure
 * defaults), adjusts it with the taper_spec_* calls, and runs it:
 *
 *   taper_run_create()  namespaces, root filesystem, mounts, /dev, cgroup
 *                       and limits made; the container's first process is
 *                       held before its execve (OCI's "created" state)
 *   taper_run_start()   lets it exec; returns once the command runs, or
 *                       with why it does not (exit status 126/127 in
 *                       opts.ret_status)
 *   taper_run_wait()    reaps it and removes the cgroup
 *   taper_run_free()    a run created and not started, or one whose start
 *                       failed, is killed, and its cgroup and mounts go
 *                       with it; a started run not yet waited for is killed
 *                       too, unless opts.detach
 *
 * taper_run_spawn() is create and start in one call: when nothing has to
 * happen between the clone and the exec, the child runs in the caller's
 * memory until its execve (as posix_spawn does), which a held child
 * cannot. The caller must be single-threaded across create and spawn, and
 * should have called taper_runtime_prepare(). A spec is the caller's
 * until freed; a run keeps no reference to it. The held process waits on
 * a socket of the run handle: the process that created a run starts it
 * (if that process exits, the held one exits too).
 */
struct taper_spec;
struct taper_run;

/* Namespace bits (taper_spec_set_namespace). */
enum taper_ns {
	TAPER_NS_USER = 1u << 0,
	TAPER_NS_PID = 1u << 1,
	TAPER_NS_MNT = 1u << 2,
	TAPER_NS_UTS = 1u << 3,
	TAPER_NS_IPC = 1u << 4,
	TAPER_NS_NET = 1u << 5,
	TAPER_NS_CGROUP = 1u << 6,
	TAPER_NS_TIME = 1u << 7,
};
#define TAPER_NS_COUNT 8
/* The namespaces a container gets unless told otherwise. */
#define TAPER_NS_DEFAULT \
	(TAPER_NS_PID | TAPER_NS_MNT | TAPER_NS_UTS | TAPER_NS_IPC | TAPER_NS_NET | TAPER_NS_CGROUP)

/* The points of a run's life where OCI hooks run (taper_spec_add_hook),
 * in the order they come. The executor runs the first four itself, each
 * hook with the state JSON of runtime.md on its stdin and killed after
 * its timeout; a failing one fails the create (or the start) and leaves
 * nothing behind:
 *   PRESTART, CREATE_RUNTIME  in the caller's namespaces, once the
 *                     container's exist (ids mapped, cgroup joined),
 *                     before its root is built; status "creating", the
 *                     init's pid on the host
 *   CREATE_CONTAINER  in the container's namespaces, its mounts made,
 *                     before pivot_root (the path is the host's);
 *                     "creating", the pid seen in the container
 *   START_CONTAINER   in the container, after pivot_root (the path is the
 *                     container's), on taper_run_start() before the
 *                     command's security context and exec; "created"
 * POSTSTART and POSTSTOP are the front end's to run, when the command runs
 * and when the container is gone: taper_spec_run_hooks(). */
enum taper_hook_phase {
	TAPER_HOOK_PRESTART = 0,
	TAPER_HOOK_CREATE_RUNTIME,
	TAPER_HOOK_CREATE_CONTAINER,
	TAPER_HOOK_START_CONTAINER,
	TAPER_HOOK_POSTSTART,
	TAPER_HOOK_POSTSTOP,
};
#define TAPER_HOOK_COUNT 6

/* Mount flags (taper_spec_add_mount). */
enum taper_mount_flag {
	TAPER_MOUNT_BIND = 1u << 0,      /* bind mount source onto target */
	TAPER_MOUNT_RECURSIVE = 1u << 1, /* rbind */
	TAPER_MOUNT_READONLY = 1u << 2,
	TAPER_MOUNT_NOSUID = 1u << 3,
	TAPER_MOUNT_NODEV = 1u << 4,
	TAPER_MOUNT_NOEXEC = 1u << 5,
	TAPER_MOUNT_OPTIONAL = 1u << 6,    /* a missing source is skipped, not an error */
	TAPER_MOUNT_CREATE_FILE = 1u << 7, /* target is a file, not a directory */
};

/* Capability sets (taper_spec_set_caps). */
enum taper_cap_set {
	TAPER_CAPS_BOUNDING = 0,
	TAPER_CAPS_EFFECTIVE,
	TAPER_CAPS_PERMITTED,
	TAPER_CAPS_INHERITABLE,
	TAPER_CAPS_AMBIENT,
};

/* The secure defaults: every namespace of TAPER_NS_DEFAULT, docker's
 * capability set and seccomp profile, no_new_privs, the OCI masked and
 * read-only paths, the default device rules; no rootfs and no command. */
TAPER_EXPORT int taper_spec_new(struct taper_spec **ret, struct taper_err *err);
TAPER_EXPORT void taper_spec_free(struct taper_spec *spec);

/* What `taper run` flags ask of the front end rather than of the spec. */
struct taper_run_flags {
	bool tty;         /* -t: the command gets a pty (the spec's terminal) */
	bool interactive; /* -i: keep stdin open */
	bool help;        /* --help: *ret is an empty spec, nothing checked */
	bool usage;       /* the error is of usage (a flag, the command), not a value */
	/* --cap-add ALL: capabilities (bit n: capability n) left out because
	 * the host's bounding set lacks them, for the front end to warn of. */
	uint64_t caps_unavailable;
};
/* `taper run` flags (argv[0] is the verb, "--" ends the flags, the rest is
 * the command) compiled into a spec; every --rootfs, --memory, --userns...
 * of taper-run(1). -EINVAL with err naming the flag: "--memory: invalid
 * size 'lots'". Uses getopt_long: not reentrant. */
TAPER_EXPORT int taper_spec_from_run_flags(int argc, char **argv, struct taper_spec **ret,
					   struct taper_run_flags *ret_flags, struct taper_err *err);
/* What follows "taper run" in its usage line. */
#define TAPER_RUN_USAGE "--rootfs DIR [OPTIONS] [--] CMD [ARG...]"
/* The flags' help, as `taper run --help` prints it (malloc'ed). */
TAPER_EXPORT int taper_run_flags_help(char **ret_text, struct taper_err *err);
/* A stored container's spec, compiled from its config as
 * taper_container_start() compiles it (system defaults, then the file).
 * Its network interfaces (net.N.*), published ports and namespaces.share
 * are brought up by the start's monitor only: a taper_run of this spec
 * has a network namespace with lo alone. */
TAPER_EXPORT int taper_spec_from_container(struct taper_store *s, const char *name, struct taper_spec **ret,
					   struct taper_err *err);

/* Adjusters: each replaces what the spec had (those named add_ or
 * named for one entry add to it), copies its arguments, and refuses a bad
 * value with -EINVAL naming it, leaving the spec unchanged. */

/* The run's name: its cgroup group is "<store-id>/<name>" (see
 * taper_run_opts.store_path); NULL: "run-<caller's pid>-<its start
 * time>", one run at a time per process. Before an unnamed run, the
 * empty groups of the store's dead unnamed runs are removed. */
TAPER_EXPORT int taper_spec_set_name(struct taper_spec *spec, const char *name, struct taper_err *err);
/* The run's cgroup group instead (OCI's cgroupsPath): "/a/b" is that
 * group from the root of every hierarchy, "a/b" a group under the store's
 * "<store-id>/"; each component a valid name. NULL: after the name. Only
 * the leaf is removed with the run. */
TAPER_EXPORT int taper_spec_set_cgroup_path(struct taper_spec *spec, const char *path, struct taper_err *err);
/* The group the spec asks for (NULL: after its name); owned by the spec. */
TAPER_EXPORT const char *taper_spec_cgroup_path(const struct taper_spec *spec);
/* An existing directory on the host, absolute. */
TAPER_EXPORT int taper_spec_set_rootfs(struct taper_spec *spec, const char *path, bool readonly,
				       struct taper_err *err);
/* The command, argv[0] looked up on the spec's PATH when it has no '/'. */
TAPER_EXPORT int taper_spec_set_args(struct taper_spec *spec, char *const *argv, struct taper_err *err);
/* The whole environment ("K=V" each; NULL: empty). */
TAPER_EXPORT int taper_spec_set_env(struct taper_spec *spec, char *const *env, struct taper_err *err);
/* One "K=V", replacing K's value when set. */
TAPER_EXPORT int taper_spec_setenv(struct taper_spec *spec, const char *kv, struct taper_err *err);
/* Absolute, resolved inside the container's root; NULL: "/". */
TAPER_EXPORT int taper_spec_set_cwd(struct taper_spec *spec, const char *cwd, struct taper_err *err);
/* Needs a UTS namespace of the container's at create time. NULL: none set. */
TAPER_EXPORT int taper_spec_set_hostname(struct taper_spec *spec, const char *hostname,
					 struct taper_err *err);
/* The command's ids (container ids when in a user namespace); n gids. */
TAPER_EXPORT int taper_spec_set_user(struct taper_spec *spec, uint32_t uid, uint32_t gid,
				     const uint32_t *gids, size_t n, struct taper_err *err);
/* A limit by its config key and value, as taper_container_set_limits()
 * takes them ("cgroup.memory.max", "256M"; taper_limit_info_get() lists
 * them). Checked against the host's cgroups by taper_run_create(). */
TAPER_EXPORT int taper_spec_set_limit(struct taper_spec *spec, const char *key, const char *value,
				      struct taper_err *err);
/* One more mount, after the default /proc, /sys and /dev, in order.
 * target: absolute, resolved inside the root; source: a host path for a
 * TAPER_MOUNT_BIND (fstype NULL), else what the filesystem takes. */
TAPER_EXPORT int taper_spec_add_mount(struct taper_spec *spec, const char *source, const char *target,
				      const char *fstype, const char *data, unsigned flags,
				      struct taper_err *err);
/* One namespace (a single TAPER_NS_* bit): on false, the caller's; on
 * with path NULL, a new one; on with an absolute path (/proc/PID/ns/net,
 * /run/netns/NAME), that one joined (not for user and mnt). */
TAPER_EXPORT int taper_spec_set_namespace(struct taper_spec *spec, unsigned ns, bool on, const char *path,
					  struct taper_err *err);
/* One uid (gid false) or gid map entry; the first one turns the user
 * namespace on. A rootfs the map does not own on disk is shown through an
 * idmapped mount (as for `taper run --userns`), decided at create. */
TAPER_EXPORT int taper_spec_add_idmap(struct taper_spec *spec, bool gid, uint32_t container_id,
				      uint32_t host_id, uint32_t count, struct taper_err *err);
/* One set, exactly these capabilities ("CAP_NET_ADMIN", "net_admin";
 * NULL-terminated, NULL: none). */
TAPER_EXPORT int taper_spec_set_caps(struct taper_spec *spec, enum taper_cap_set set, char *const *names,
				     struct taper_err *err);
/* As --cap-add / --cap-drop: a capability (or "ALL") into the bounding,
 * effective and permitted sets, or (add false) out of all five. Added:
 * one the host's bounding set lacks is refused (no process here can have
 * it); ALL is every one it has. */
TAPER_EXPORT int taper_spec_change_cap(struct taper_spec *spec, const char *name, bool add,
				       struct taper_err *err);
/* "CAP_NET_ADMIN" for capability number cap; NULL when unknown. */
TAPER_EXPORT const char *taper_cap_name(int cap);
/* "default" (docker's), "unconfined" or the path of a docker/OCI profile. */
TAPER_EXPORT int taper_spec_set_seccomp(struct taper_spec *spec, const char *profile, struct taper_err *err);
/* resource: RLIMIT_* of <sys/resource.h>. */
TAPER_EXPORT int taper_spec_set_rlimit(struct taper_spec *spec, int resource, uint64_t soft, uint64_t hard,
				       struct taper_err *err);
TAPER_EXPORT void taper_spec_set_no_new_privs(struct taper_spec *spec, bool on);
/* A pty for the command (taper_run_opts.pty does the same). */
TAPER_EXPORT void taper_spec_set_terminal(struct taper_spec *spec, bool on);
/* A tiny PID 1 that forks the command, reaps and forwards signals. */
TAPER_EXPORT void taper_spec_set_init(struct taper_spec *spec, bool on);
/* One hook at the end of phase's list: path absolute; args its argv,
 * args[0] included (NULL: path alone); env its whole environment (NULL:
 * empty); killed after timeout seconds (0: never). */
TAPER_EXPORT int taper_spec_add_hook(struct taper_spec *spec, enum taper_hook_phase phase, const char *path,
				     char *const *args, char *const *env, unsigned timeout,
				     struct taper_err *err);
/* How many hooks phase has. */
TAPER_EXPORT size_t taper_spec_hook_count(const struct taper_spec *spec, enum taper_hook_phase phase);
/* The hooks of phase (POSTSTART: status "running", POSTSTOP: "stopped"),
 * in the caller's namespaces, each with the state of the run whose init is
 * (or was) pid. Every hook runs; the error names the first that failed. */
TAPER_EXPORT int taper_spec_run_hooks(const struct taper_spec *spec, enum taper_hook_phase phase, pid_t pid,
				      struct taper_err *err);

struct taper_run_opts {
	/* fds that become 0, 1, 2; -1: the caller's. */
	int stdio[3];
	/* A pty as the command's 0, 1, 2 and /dev/console, its master
	 * taper_run_pty_master(), rows x cols big (0: the kernel's size). */
	bool pty;
	unsigned short rows, cols;
	/* The cgroup group is "<store-id>/<spec's name>", the id of the store
	 * at this path (NULL: /var/lib/taper), so that runs of two stores never
	 * share a subtree; the store need not exist. */
	const char *store_path;
	/* Made in the cgroup hierarchies the limits need (on a hybrid host
	 * the cgroup2 one, and the v1 ones of the limits): the cheapest
	 * group. A later taper_run_group_set_limit() adds the hierarchy it
	 * needs; memory, pids and I/O statistics come from those it has. */
	bool minimal_cgroup;
	/* Outlives the caller: no parent-death signal, a session of its own,
	 * not killed by taper_run_free() once started. */
	bool detach;
	/* When create, start or spawn fails: 125 (runtime error), 126 (not
	 * executable) or 127 (not found). Read at the start too: it must
	 * outlive it. May be NULL. */
	int *ret_status;
	/* More fds for the command, as its 3, 4, ... in this order (OCI's
	 * --preserve-fds); nothing else of the caller's reaches it. */
	const int *extra_fds;
	size_t n_extra_fds;
};
TAPER_EXPORT void taper_run_opts_init(struct taper_run_opts *o);

/* How a run ended. */
struct taper_run_exit {
	int code;             /* as a shell reports it: 128+N when killed by N */
	int signal;           /* 0 unless killed by a signal */
	bool oom_killed;      /* SIGKILLed while its cgroup counted an OOM kill */
	int64_t memory_limit; /* bytes, -1 when none: for messages */
};

/* Checks the spec (a rootfs, a command, consistent namespaces) and its
 * limits against the host's cgroups, then creates: see above. On failure
 * nothing is left: no process, no cgroup, no mount. */
TAPER_EXPORT int taper_run_create(const struct taper_spec *spec, const struct taper_run_opts *opts,
				  struct taper_run **ret, struct taper_err *err);
/* A created run's exec; -EALREADY when started already. On failure the
 * process is killed and the cgroup removed; free the run still. */
TAPER_EXPORT int taper_run_start(struct taper_run *run, struct taper_err *err);
/* Create and start, with the fast clone where it applies. */
TAPER_EXPORT int taper_run_spawn(const struct taper_spec *spec, const struct taper_run_opts *opts,
				 struct taper_run **ret, struct taper_err *err);
/* Reap the container's first process, fill ret, remove the cgroup. */
TAPER_EXPORT int taper_run_wait(struct taper_run *run, struct taper_run_exit *ret, struct taper_err *err);
/* A signal to the container's first process (held or running); -ESRCH
 * once it was reaped. */
TAPER_EXPORT int taper_run_kill(struct taper_run *run, int sig, struct taper_err *err);
/* Its pid on the host (in the created state too). */
TAPER_EXPORT pid_t taper_run_pid(const struct taper_run *run);
/* A pidfd of it, readable once it exits (for poll); owned by the run. */
TAPER_EXPORT int taper_run_pidfd(const struct taper_run *run);
/* The pty master (opts.pty or the spec's terminal), -1 without; owned by
 * the run. */
TAPER_EXPORT int taper_run_pty_master(const struct taper_run *run);
TAPER_EXPORT void taper_run_free(struct taper_run *run);

/* ---- a runtime of the OCI kind (src/container/oci.c, run.c) --------------
 *
 * An OCI bundle's config.json compiles to a spec like any other request;
 * see docs/oci.md for what is honoured and what is refused. A named run
 * (taper_spec_set_name) keeps its cgroup group "<store-id>/<name>" after
 * its creator exits (opts.detach): the taper_run_group_* calls reach it
 * by name from any process, -ENOENT when there is none. Their name is the
 * run's name or the spec's cgroup path (taper_spec_set_cgroup_path()).
 */

/* <bundle>/config.json (bundle absolute). Each error names the file and
 * the JSON path ("/b/config.json: process.user.uid: not an integer").
 * Properties the runtime-spec does not define are ignored and their paths
 * put in *ret_ignored (may be NULL; free with taper_strv_free()), or
 * refused when strict. */
TAPER_EXPORT int taper_spec_from_oci(const char *bundle, bool strict, struct taper_spec **ret,
				     char ***ret_ignored, struct taper_err *err);
/* The same of a config.json's text kept elsewhere (len bytes), of the
 * bundle at the absolute path bundle, named label in errors; properties
 * the runtime-spec does not define are ignored. */
TAPER_EXPORT int taper_spec_from_oci_text(const char *label, const char *text, size_t len, const char *bundle,
					  struct taper_spec **ret, struct taper_err *err);
/* An OCI process object (JSON text, as `runc exec --process` reads it)
 * replaces the spec's process; the seccomp filter stays. */
TAPER_EXPORT int taper_spec_set_oci_process(struct taper_spec *spec, const char *label, const char *json,
					    size_t len, struct taper_err *err);
/* The config's annotations as "key=value" strings, NULL-terminated (NULL:
 * none); owned by the spec. */
TAPER_EXPORT char *const *taper_spec_annotations(const struct taper_spec *spec);
/* The root filesystem's host path (NULL: none set); owned by the spec. */
TAPER_EXPORT const char *taper_spec_rootfs(const struct taper_spec *spec);
/* Whether the command gets a pty (OCI's process.terminal). */
TAPER_EXPORT bool taper_spec_terminal(const struct taper_spec *spec);
/* The mount options taper_spec_from_oci() takes, NULL-terminated, for
 * `features` (static). */
TAPER_EXPORT const char *const *taper_oci_mount_options(void);
/* The spec's process in the running container whose first process is
 * init (entering its namespaces, joining the group of the run named as
 * the spec is, with the process's own security context). wait, kill, pid,
 * free as for a created run; opts.detach lets it outlive the caller. */
TAPER_EXPORT int taper_run_exec(pid_t init, const struct taper_spec *spec, const struct taper_run_opts *opts,
				struct taper_run **ret, struct taper_err *err);
/* The pids in the group (malloc'ed). */
TAPER_EXPORT int taper_run_group_pids(const char *store_path, const char *name, pid_t **ret, size_t *ret_n,
				      struct taper_err *err);
TAPER_EXPORT int taper_run_group_freeze(const char *store_path, const char *name, bool frozen,
					struct taper_err *err);
TAPER_EXPORT int taper_run_group_frozen(const char *store_path, const char *name, bool *ret,
					struct taper_err *err);
/* One limit by its config key (taper_spec_set_limit()'s), on the live group. */
TAPER_EXPORT int taper_run_group_set_limit(const char *store_path, const char *name, const char *key,
					   const char *value, struct taper_err *err);
TAPER_EXPORT int taper_run_group_stats(const char *store_path, const char *name, struct taper_stats *ret,
				       struct taper_err *err);
/* Kill what is left in the group and remove it; 0 when there is none. */
TAPER_EXPORT int taper_run_group_remove(const char *store_path, const char *name, struct taper_err *err);

/* ---- what this host offers (src/check/), checkconfig's job ---------------
 *
 * taper_check_run() probes the real thing, each probe in a worker process
 * of its own: namespaces are made, a veth pair in a throw-away network
 * namespace, a seccomp filter loaded; nothing on the host changes. One
 * item per probe, grouped by category in a fixed order. force_fail: a
 * comma-separated list of probe names reported failed after probing (to
 * exercise a front end's failure paths on a kernel that has everything);
 * NULL for none, an unknown name is an error.
 */
struct taper_check;

struct taper_check_item {
	const char *name;           /* "ns.pid", "cgroup.memory", "net.veth", ... */
	const char *category;       /* "namespaces", "cgroups", ... */
	const char *category_title; /* "Namespaces", "Cgroups", ... */
	const char *purpose;        /* what a container uses it for */
	const char *detail;         /* what was found, or why it failed */
	const char *fix;            /* how to get it on this kernel; NULL when ok */
	const char *kconfig;        /* CONFIG_ options it rests on, space-separated; NULL: none */
	bool required;              /* a default container cannot start without it */
	bool ok;
	bool forced; /* failed by force_fail */
};

TAPER_EXPORT int taper_check_run(const char *force_fail, struct taper_check **ret, struct taper_err *err);
TAPER_EXPORT void taper_check_free(struct taper_check *c);
TAPER_EXPORT size_t taper_check_count(const struct taper_check *c);
/* Item i, owned by c; NULL past the end. */
TAPER_EXPORT const struct taper_check_item *taper_check_item(const struct taper_check *c, size_t i);
/* Every required item is ok. */
TAPER_EXPORT bool taper_check_ok(const struct taper_check *c);
/* "v1", "hybrid" or "v2" as mounted; NULL: no cgroup hierarchy. */
TAPER_EXPORT const char *taper_check_cgroup_mode(const struct taper_check *c);
/* Where the kernel config was read ("/proc/config.gz", "/boot/config-R"),
 * and an option's value there ("y", "m", "n" for "is not set", or the
 * literal value); NULL when absent or no config was found. */
TAPER_EXPORT const char *taper_check_kconfig_source(const struct taper_check *c);
TAPER_EXPORT const char *taper_check_kconfig(const struct taper_check *c, const char *option);
/* The name of the i-th required probe, without probing; NULL past the end. */
TAPER_EXPORT const char *taper_check_required_name(size_t i);

#ifdef __cplusplus
}
#endif
#endif
