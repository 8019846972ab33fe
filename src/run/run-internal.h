/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * run-internal.h — what the executor's files share, and nothing else does.
 *
 * The child reads the parent's memory (the spec, the opts, the context
 * below) as it was at clone time, a copy of it or, when the parent sleeps
 * until the child's exec, the memory itself (spawn.c), so nothing is
 * serialised; it writes none of it. It talks to the parent over one
 * SOCK_SEQPACKET socket: the parent sends RUN_MSG_GO (when it has work to
 * do first), the child answers only on failure, with the whole error line;
 * EOF (the socket is CLOEXEC) means exec succeeded. A held child (run_opts
 * hold) sends RUN_MSG_READY once its root is built and waits for
 * RUN_MSG_START before its security context and exec.
 */
#ifndef TAPER_RUN_RUN_INTERNAL_H
#define TAPER_RUN_RUN_INTERNAL_H

#include <stdbool.h>
#include <signal.h>
#include <stdint.h>
#include <sys/types.h>

#include <taper.h>

#include "cgroup/cgroup.h"
#include "run/run.h"
#include "spec/spec.h"

enum run_msg_kind {
	RUN_MSG_GO = 1,       /* parent -> child: ids mapped, cgroup joined, hooks run */
	RUN_MSG_SETUP_FAILED, /* child -> parent: building the container failed */
	RUN_MSG_EXEC_FAILED,  /* child -> parent: execve of the command failed */
	RUN_MSG_READY,        /* child -> parent, held: root built, waiting for the start */
	RUN_MSG_START,        /* parent -> child, held: go on to exec */
	RUN_MSG_MOUNT_TREE,   /* parent -> child, before the go: the next idmapped bind */
};

struct run_msg {
	int32_t kind;
	int32_t errnum;
	char what[TAPER_ERR_MSG_MAX];
};

/* msg.c: m's first len bytes, with fd riding along (-1: none); -errno. */
int run_msg_send(int sock, const struct run_msg *m, size_t len, int fd);
/* A message into m, the first fd riding along in *ret_fd (-1: none; any
 * other is closed); recvmsg(2)'s return and errno. */
ssize_t run_msg_recv(int sock, struct run_msg *m, int *ret_fd);

/* Everything the child needs, prepared by the parent before clone. */
struct run_ctx {
	const struct taper_spec *spec;
	const struct run_opts *opts;
	int sock;                                  /* the child's end of the socketpair */
	int pty_slave;                             /* -1 without a pty */
	char pty_path[64];                         /* its host path: an fd of the parent's mount
			    * namespace cannot be the source of a bind here */
	bool wait_go;                              /* the parent has work to do before the child goes on */
	bool hold;                                 /* wait for RUN_MSG_START before exec (run_create) */
	bool unshare_cgroupns;                     /* cgroup namespace after joining the cgroup */
	const struct cgroup_birth *birth;          /* the v1 parts to join first thing, or NULL */
	bool userns;                               /* a new user namespace: no mknod, bind host nodes */
	bool gid5_mapped;                          /* devpts may use gid=5 */
	const void *seccomp;                       /* prepared filter (security module), or NULL */
	const struct cgroup_mount_info *cg_layout; /* spec->cgroup_mount: what to mount */
	size_t n_cg_layout;
	int rootfs_tree; /* spec->rootfs_idmap: the idmapped rootfs, sent with the go */
	/* One fd per spec->mounts entry: its idmapped tree, received before
	 * the go, or -1. The parent's array, which only a fork-like child
	 * (wait_go) writes, in its own copy. NULL without idmapped mounts. */
	int *mount_trees;
	pid_t target; /* attach: the container's init */
	/* The hooks' state but status and pid (run/hooks.h); NULL without
	 * hooks the executor runs. */
	const char *hook_state;
};

/* What run_spawn()/run_attach() hand out. */
struct run_child {
	pid_t pid;
	int pidfd;
	int pty_master;
	bool started; /* exec'd: run_child_free() leaves a detached one alone */
	bool held;    /* created, waiting for run_start()'s RUN_MSG_START */
	int sock;     /* our end of the sync socket until run_start(); -1 after */
	int *status;  /* opts->ret_status, for run_start() (may be NULL) */
	bool reaped;
	bool detach;
	/* We sent the init SIGKILL: a SIGKILL death is ours, not the OOM
	 * killer's, whatever the group's OOM count says. */
	bool sigkilled;
	int64_t memory_limit;
	struct taper_cgroup *cg;
};

/* A child not yet cloned: no pid, no fds. -ENOMEM. */
int run_child_new(bool detach, int64_t memory_limit, struct run_child **ret, struct taper_err *err);
struct security_seccomp;
void run_seccomp_freep(struct security_seccomp **f);
/* spawn.c helpers shared with attach.c. */
/* Wait for EOF (exec'd) or a failure line on sock. */
int run_await_exec(int sock, int *ret_status, struct taper_err *err);
int run_reap(struct run_child *c, siginfo_t *si);

/* pty.c: in a helper inside the container's mount namespace, a pty from
 * the container's /dev/ptmx, checked before it is opened; fd_dir is our own
 * /proc/self/fd, opened before joining. The slave is made owner's. */
int pty_open_in_container(int fd_dir, uid_t owner, int *ret_master, int *ret_slave, struct taper_err *err);
/* 0 when fd is a pty master (the multiplexer device, TIOCGPTN works). */
int pty_check_master(int fd, struct taper_err *err);

/* child.c: runs in the clone; never returns. */
_Noreturn void run_child_main(struct run_ctx *ctx);
/* Report err to the parent over sock and _exit(). */
_Noreturn void run_child_fail(int sock, enum run_msg_kind kind, const struct taper_err *err);
/* Resolve argv[0] on the spec's PATH and execve; returns -errno on failure
 * with err filled ("exec sh: No such file or directory"). */
int run_exec(const struct taper_process *p, struct taper_err *err);
/* Close every fd but the caller's 0, 1, 2, the opts' stdio and extra fds,
 * the pty slave, the sync socket and keep_also (-1: none): first thing in a
 * runtime process that enters the container's namespaces. */
int run_child_close_inherited(const struct run_ctx *ctx, int keep_also, struct taper_err *err);
/* 0, 1, 2 from the opts or the pty, extra fds as 3.., the sync socket
 * (CLOEXEC) right after them in ctx->sock, every other fd closed. */
int run_child_place_fds(struct run_ctx *ctx, struct taper_err *err);
/* Make cwd (NULL: "/") the working directory, resolved inside our root as
 * RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS resolve it, and check that the
 * result is under the root. After run_child_place_fds(): no fd of the
 * host's may be open when a path of the container's is followed. */
int run_child_enter_cwd(const char *cwd, struct taper_err *err);
/* Default dispositions for the signals a caller may block or ignore, and
 * an empty mask. */
int run_child_reset_signals(struct taper_err *err);
/* p's I/O priority and scheduling policy, where it sets them. */
int run_child_set_sched(const struct taper_process *p, struct taper_err *err);
/* setsid() and the pty on fd 0 as controlling terminal. */
int run_child_take_tty(struct run_ctx *ctx, struct taper_err *err);

/* mount.c: mounts whose target is resolved inside the root, never outside. */
enum mnt_target {
	MNT_TARGET_DIR,      /* create a missing target as a directory */
	MNT_TARGET_FILE,     /* create a missing target as an empty file */
	MNT_TARGET_EXISTING, /* a missing target is -ENOENT */
};
/* Open path inside root_fd as O_PATH, creating it when missing as kind
 * asks; no_symlinks refuses any symlink on the way. fd or -errno. */
int mnt_open_target(int root_fd, const char *path, enum mnt_target kind, bool no_symlinks,
		    struct taper_err *err);
/* mount(2) of a filesystem of type fstype from source (the device, or the
 * name /proc/self/mountinfo shows; NULL: fstype) onto the opened target fd. */
int mnt_fs_at(int target_fd, const char *what, const char *source, const char *fstype, unsigned long flags,
	      const char *data, struct taper_err *err);
/* Attach the detached tree onto the target fd, then set MOUNT_ATTR_*
 * attrs on it (its whole subtree when rec). */
int mnt_attach_tree(int tree, int target_fd, const char *what, bool rec, uint64_t attrs,
		    struct taper_err *err);
/* Bind the host path src (or src_fd when src is NULL) onto the target fd,
 * with MOUNT_ATTR_* attrs, recursively when rec. */
int mnt_bind_at(int src_fd, const char *src, int target_fd, const char *what, bool rec, uint64_t attrs,
		struct taper_err *err);

/* rootfs.c: from the host's tree to the container's, ending in pivot_root. */
int rootfs_setup(struct run_ctx *ctx, struct taper_err *err);
/* dev.c: a fresh /dev tmpfs with the standard nodes, devpts, shm, mqueue. */
int dev_setup(struct run_ctx *ctx, int root_fd, struct taper_err *err);

/* cgmount.c: /sys/fs/cgroup as spec->cgroup_mount asks, from inside the
 * cgroup namespace. */
int cgmount_setup(struct run_ctx *ctx, int root_fd, struct taper_err *err);

/* userns.c */
int userns_check_rootfs(const struct taper_spec *spec, int rootfs_fd, struct taper_err *err);
int userns_write_maps(const struct taper_spec *spec, pid_t pid, struct taper_err *err);
/* A detached recursive clone of the rootfs, idmapped with pid's user
 * namespace (the maps written); fd or -errno. */
int userns_idmapped_rootfs(const struct taper_spec *spec, pid_t pid, struct taper_err *err);
/* A user namespace that carries these maps (made by a child of ours whose
 * maps we write, then left): an fd for mount_setattr(MOUNT_ATTR_IDMAP),
 * or -errno. */
int userns_fd_with_maps(const struct taper_idmap *uid_map, size_t n_uid, const struct taper_idmap *gid_map,
			size_t n_gid, struct taper_err *err);
/* The maps of the user namespace at ns_path, in host ids, appended to the
 * arrays (the caller frees them); -errno. */
int userns_read_maps(const char *ns_path, struct taper_idmap **uid_map, size_t *n_uid,
		     struct taper_idmap **gid_map, size_t *n_gid, struct taper_err *err);
/* Host id the container id maps to; -ENOENT when unmapped. */
int userns_host_id(const struct taper_idmap *map, size_t n, uint32_t id, uint32_t *ret);

/* idmount.c: idmapped binds, made by the parent, attached by the child. */
bool idmount_any(const struct taper_spec *spec);
/* An array of spec->n_mounts fds, all -1 (NULL without idmapped mounts). */
int idmount_set_new(const struct taper_spec *spec, int **ret, struct taper_err *err);
void idmount_set_free(int *trees, size_t n);
struct idmount_set {
	int *fd;
	size_t n;
};
static inline void idmount_set_clear(struct idmount_set *s)
{
	idmount_set_free(s->fd, s->n);
}
/* The tree of each idmapped mount into trees[i], with its maps or those of
 * pid's user namespace (the container's init). */
int idmount_trees(const struct taper_spec *spec, pid_t pid, int *trees, struct taper_err *err);
/* One RUN_MSG_MOUNT_TREE per idmapped mount, in order (no fd for an
 * optional mount whose source is missing); each fd closed once sent. */
int idmount_send(int sock, const struct taper_spec *spec, int *trees, struct taper_err *err);

/* nsholder.c: a child parked in a user namespace — a new one (join_fd
 * -1), or the one join_fd names — until nsholder_release(), which ends and
 * reaps it: its /proc/PID files are that namespace's. */
struct nsholder {
	pid_t pid;
	int pidfd;
	int sock; /* its EOF lets the child go */
};
int nsholder_start(int join_fd, struct nsholder *h, struct taper_err *err);
void nsholder_release(struct nsholder *h);

/* init.c: become a tiny PID 1 that forks the command; never returns. */
_Noreturn void run_init_main(struct run_ctx *ctx);

#endif
