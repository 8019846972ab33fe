/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * run.h — the executor: a struct taper_spec in, an isolated process out.
 *
 * run_create() clones a child into fresh namespaces and holds it on a
 * SOCK_SEQPACKET socketpair while the parent writes id maps, places it in
 * its cgroup and runs the caller's prestart hook; then the child builds its
 * root (rootfs.c, dev.c), applies the security context and execs. With
 * opts->hold, the child stops before its security context: run_create()
 * returns once it is there (the OCI "created" state), and run_start() lets
 * it go on. Every failure in the child comes back as one line naming the
 * step and errno ("mount proc on /proc: Operation not permitted"); exec
 * success is learnt from EOF on the CLOEXEC socket, so run_start() returns
 * only once the command runs (or with the reason it does not, and nothing
 * left behind: no process, no cgroup, no mount on the host). run_spawn()
 * is both, with the cheaper clone when nothing waits (spawn.c).
 *
 * run_wait() reaps the child, tells whether the OOM killer struck, and
 * destroys the cgroup. The executor never parses files and never prints.
 */
#ifndef TAPER_RUN_RUN_H
#define TAPER_RUN_RUN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/types.h>

#include <taper.h>

#include "spec/spec.h"
#include "util/cleanup.h"

struct cgroup_manager;
struct taper_cgroup;
struct run_child;

/* Exit statuses a front end uses when the container never ran its command
 * (as docker, podman and crun use them). */
enum {
	RUN_STATUS_RUNTIME_ERROR = 125,
	RUN_STATUS_NOT_EXECUTABLE = 126,
	RUN_STATUS_NOT_FOUND = 127,
};

struct run_opts {
	/* fds that become 0, 1, 2 in the container; -1 keeps the caller's. */
	int stdio[3];
	/* Extra fds handed on as 3, 4, ... in this order; nothing else of the
	 * caller's reaches the container. */
	const int *extra_fds;
	size_t n_extra_fds;
	/* Allocate a pty (also when spec->process.terminal): its slave is
	 * the container's 0, 1, 2 and /dev/console; the master is
	 * run_child_pty_master(). */
	bool pty;
	struct winsize winsize; /* initial size when pty (0x0: leave) */

	/* Cgroup: NULL manager means none, which a spec with device rules
	 * (every default one) refuses. group is run_cgroup_group(). minimal:
	 * cgroup_create_minimal(), for a container nobody takes stats of. */
	struct cgroup_manager *cgroups;
	const char *cgroup_group;
	bool cgroup_minimal;

	/* Called in the parent once the child exists in its namespaces (id
	 * maps written, cgroup joined) and before it builds its root: veth
	 * setup goes here. A failure aborts the spawn. */
	int (*prestart)(void *data, pid_t pid, struct taper_err *err);
	void *prestart_data;

	/* Detached: the container outlives its parent (no parent-death
	 * signal) and starts a new session. */
	bool detach;

	/* run_create(): the child waits, root built, for run_start(). */
	bool hold;

	/* When run_create(), run_start() or run_spawn() fails: the exit
	 * status a front end should use (125 runtime error, 126 not
	 * executable, 127 not found). Optional; read by run_start() too, so
	 * it must outlive the start. */
	int *ret_status;
};

/* Fills opts with the defaults: caller's stdio, nothing else. */
void run_opts_init(struct run_opts *opts);

struct run_exit {
	bool signaled; /* killed by signal (then code = 128 + signal) */
	int signal;
	int code;             /* exit status as a shell reports it */
	bool oom_killed;      /* SIGKILLed, not by run_kill(), while the cgroup counted an OOM kill */
	int64_t memory_limit; /* bytes, TAPER_UNSET when none: for messages */
};

/* On failure nothing is left. Without opts->hold the child goes on to
 * exec at once, and run_start() only learns how that went. */
int run_create(const struct taper_spec *spec, const struct run_opts *opts, struct run_child **ret,
	       struct taper_err *err);
/* The exec; on failure the child is killed and its cgroup removed (free
 * the handle still). -EALREADY when started. */
int run_start(struct run_child *c, struct taper_err *err);
/* run_create() (hold ignored) and run_start(). */
int run_spawn(const struct taper_spec *spec, const struct run_opts *opts, struct run_child **ret,
	      struct taper_err *err);
/* Reap the container's init, fill ret, destroy its cgroup. */
int run_wait(struct run_child *c, struct run_exit *ret, struct taper_err *err);
/* run_wait()'s account of an init reaped elsewhere (the monitor's
 * supervisor reaps its own): waitid()'s si_code (how) and si_status,
 * whether SIGKILL was ours; with cg, the OOM check and the group destroyed (cg
 * still to be freed). */
int run_exit_from(int how, int status, bool sigkilled, struct taper_cgroup *cg, struct run_exit *ret,
		  struct taper_err *err);
pid_t run_child_pid(const struct run_child *c);
int run_child_pidfd(const struct run_child *c);
int run_child_pty_master(const struct run_child *c);
int run_kill(struct run_child *c, int sig, struct taper_err *err);
/* A child not yet waited for is killed and reaped (unless detached), and
 * its cgroup destroyed. */
void run_child_free(struct run_child *c);
DEFINE_CLEANUP_FUNC(struct run_child, run_child_free)

/* The cgroup group of a container: "<store-id>/<name>" ("taper run" uses
 * run_group_name()). Writes into buf of size n. */
int run_cgroup_group(char *buf, size_t n, const char *store_id, const char *name);

/* Groups of `taper run` (rungroup.c). A run's group is named after the
 * process that made it, "run-<pid>-<start time>", so that a SIGKILLed
 * run's group can be told from a live one's whatever became of its pid:
 * the owner is alive while a process has that pid with that start time
 * (util/proc.h). The pid is of the caller's pid namespace: a reclaim in
 * another one sees foreign runs as dead, and may then remove a group
 * still empty because its run has not placed its child yet. */
int run_group_name(char *buf, size_t n);
/* name is a run's group whose owner is gone (an older "run-<pid>": no
 * process has that pid). False for any other name. */
bool run_group_is_orphan(const char *name);
/* Remove the empty groups of dead runs under "taper/<store_id>" in every
 * hierarchy (a group with processes left is kept: nothing is killed).
 * dry_run: remove nothing, name what would go. *ret_removed (NULL: not
 * wanted) gets the groups' names. */
int run_reclaim_groups(struct cgroup_manager *m, const char *store_id, bool dry_run, char ***ret_removed,
		       struct taper_err *err);

/* Run p in the running container whose init is target: enter every
 * namespace of target that differs from ours (one setns on a pidfd), join
 * the cgroup opts names (cgroups + cgroup_group, opened, not created),
 * apply p's security context, exec. opts' stdio, pty and ret_status work as
 * for run_spawn(), but the pty is one of the container's devpts, from its
 * /dev/ptmx (an attach fails when that is not the pty multiplexer), and
 * is not its console; prestart is not called. The process is our child:
 * run_wait() (which destroys no cgroup here), run_kill(), run_child_free(). */
int run_attach(pid_t target, const struct taper_process *p, const struct run_opts *opts,
	       struct run_child **ret, struct taper_err *err);

#endif
