/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * spawn.c — the parent's half: clone into namespaces, hold the child on
 * the sync socket while ids, cgroup and the prestart hook are settled, let
 * it go, and learn from EOF that it exec'd (or from a message why not).
 * run_create() ends where the child exists; with opts->hold, once it has
 * built its root and waits for run_start() (an OCI "created" container).
 * run_start() lets a held child exec and waits for the EOF; run_spawn()
 * is the two at once.
 *
 * Everything that allocates, reads files or may block long happens here,
 * before clone: opening the rootfs, the user-namespace ownership check,
 * compiling seccomp, creating the cgroup, the pty. The child only makes
 * system calls. On any failure the child is killed and reaped and the
 * cgroup removed before run_spawn() returns; mounts die with the child's
 * mount namespace.
 *
 * Namespaces given by path (spec->ns_path) are joined by the parent around
 * the clone, and left at once: the child inherits net, ipc, uts and cgroup
 * from it, and is born in the pid and time namespaces that setns() makes
 * the parent's "for children" ones. The new namespaces the clone creates
 * are then owned by a user namespace made after the joins, as they must be.
 * A user namespace cannot be left again, and joining a mount namespace
 * moves the caller's root and cwd: when the spec joins either, a
 * short-lived child of ours (the joiner, below) joins them all, user
 * first, and clones the init. A joined mount namespace is the container's
 * file system as it is: nothing is mounted in it (rootfs.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/single_threaded.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "run/hooks.h"
#include "run/run-internal.h"
#include "security/security.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/log.h"

int run_child_new(bool detach, int64_t memory_limit, struct run_child **ret, struct taper_err *err)
{
	struct run_child *c = calloc(1, sizeof(*c));

	if (!c)
		return err_set(err, ENOMEM, "allocate child");
	*c = (struct run_child){ .pid = -1,
				 .pidfd = -1,
				 .pty_master = -1,
				 .sock = -1,
				 .detach = detach,
				 .memory_limit = memory_limit };
	*ret = c;
	return 0;
}

void run_seccomp_freep(struct security_seccomp **f)
{
	security_seccomp_free(*f);
}

void run_opts_init(struct run_opts *opts)
{
	*opts = (struct run_opts){ .stdio = { -1, -1, -1 } };
}

int run_cgroup_group(char *buf, size_t n, const char *store_id, const char *name)
{
	int w = snprintf(buf, n, "%s/%s", store_id, name);

	return w < 0 || (size_t)w >= n ? -ENAMETOOLONG : 0;
}

/* clone3 when the kernel has it (a pidfd, and room for CLONE_INTO_CGROUP);
 * else clone with CLONE_PIDFD. Fork-like: the child returns here on a copy
 * of our stack. The process must be single-threaded. */
static pid_t clone_forklike(uint64_t flags, int cgroup_fd, int *ret_pidfd)
{
	struct clone_args args = {
		.flags = flags | CLONE_PIDFD | (cgroup_fd >= 0 ? CLONE_INTO_CGROUP : 0),
		.pidfd = (uint64_t)(uintptr_t)ret_pidfd,
		.exit_signal = SIGCHLD,
		.cgroup = cgroup_fd >= 0 ? (uint64_t)cgroup_fd : 0,
	};
	long pid = syscall(SYS_clone3, &args, sizeof(args));

	/* Without clone3 (before 5.3) clone() cannot place the child in its
	 * cgroup: that failure goes back to the caller, which then clones
	 * without cgroup_fd and joins the group by cgroup.procs. */
	if (pid < 0 && errno == ENOSYS && cgroup_fd < 0)
		pid = syscall(SYS_clone, (unsigned long)(flags | CLONE_PIDFD | SIGCHLD), NULL, ret_pidfd,
			      NULL, 0);
	return (pid_t)pid;
}

/* ---- the clone that shares our memory until the child's execve ----------
 *
 * A fork-like clone copies our page tables and write-protects our pages,
 * and then both sides take copy-on-write faults until the child's execve
 * throws its copy away. When we have nothing to do between the clone and
 * the child's exec (ctx->wait_go false: no id maps to write, no cgroup to
 * join by cgroup.procs, no prestart hook, no hold until a run_start()),
 * the child can run in our memory instead, on a stack of its own, while we sleep (CLONE_VM|CLONE_VFORK,
 * as posix_spawn does). Why that is safe, and when it is used:
 *
 * - We are suspended until the child execs or exits, so the child must
 *   reach execve or _exit on every path and never wait for us:
 *   run_child_main() does (its failures _exit after one send on the
 *   socket, which the kernel buffers), and recv_go() is skipped without
 *   wait_go. The children that wait for us (wait_go: a user namespace, a
 *   cgroup.procs join, which only the fallback when CLONE_INTO_CGROUP
 *   fails and a child waiting for other reasons take, a prestart hook), a held one (it waits for run_start()) and the one that
 *   never execs, our init (spec->init), take the fork-like clone.
 *   clone_shared() below decides, in this one place.
 * - The child must not write our memory: it works on its own copy of the
 *   run_ctx (on its stack) and, from child.c on, makes system calls and
 *   snprintf()s into stack buffers (strerrordesc_np(), not strerror());
 *   nothing allocates (malloc's state and locks would be ours). What it
 *   changes of the process belongs to its task (ids, capabilities,
 *   seccomp, rlimits, namespaces, fd table, cwd, umask), except two things
 *   of the memory: errno, in the TLS we share, which we read after the
 *   clone only when no child ran; and dumpability, which it clears and
 *   clone_child() gives back. (The kernel unregisters glibc's rseq area
 *   for a CLONE_VM child, so it is not written either.)
 * - Signals: the child has a copy of our handler table, whose handlers
 *   would run on our data. All signals are blocked around the clone (the
 *   child inherits the mask), and the child resets every caught signal
 *   to its default before it unblocks any (run_child_main, in both
 *   flavours).
 * - Its stack is mapped here, with a guard page below, and unmapped when
 *   we resume: after the execve or the _exit, the child no longer uses it.
 *   The deepest child paths measured (a failed exec reported with its
 *   error line, all of the security steps) used 9 KiB, in the debug and
 *   the release build; RUN_CHILD_STACK leaves room, and costs only the
 *   pages touched.
 * - x86_64 only (the entry below is one instruction sequence per
 *   architecture), and not under AddressSanitizer: it knows only the
 *   thread's own stack ("ignoring requested __asan_handle_no_return" in
 *   the child), and the redzones the child's frames poison would stay in
 *   the shadow of a range we unmap and may map again. The sanitizer build
 *   takes the fork-like clone; the normal build's tests cover this one.
 */
#if defined(__SANITIZE_ADDRESS__)
#define RUN_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RUN_ASAN 1
#endif
#endif

#if defined(__x86_64__) && !defined(RUN_ASAN)
#define RUN_CLONE_SHARED 1
#define RUN_CHILD_STACK (256u << 10)
#define RUN_GUARD 4096u

static _Noreturn void shared_child_entry(const struct run_ctx *parent_ctx)
{
	struct run_ctx ctx = *parent_ctx;

	run_child_main(&ctx);
}

/* clone3 with the child starting in entry(arg) on args->stack: a syscall
 * wrapper in C cannot do it, its return would be on a stack the child does
 * not have. The kernel gives the child our registers but rax (0) and rsp
 * (the top of its stack, 16-byte aligned: a call leaves the ABI's entry
 * alignment). */
static long clone3_entry(struct clone_args *args, void (*entry)(const struct run_ctx *),
			 const struct run_ctx *arg)
{
	register long rax __asm__("rax") = SYS_clone3;
	register struct clone_args *rdi __asm__("rdi") = args;
	register long rsi __asm__("rsi") = (long)sizeof(*args);
	register void *r12 __asm__("r12") = (void *)entry;
	register const void *r13 __asm__("r13") = arg;

	__asm__ volatile("syscall\n\t"
			 "test %%rax, %%rax\n\t"
			 "jnz 1f\n\t"
			 "xor %%ebp, %%ebp\n\t"
			 "mov %%r13, %%rdi\n\t"
			 "call *%%r12\n\t"
			 "ud2\n"
			 "1:\n\t"
			 : "+r"(rax)
			 : "r"(rdi), "r"(rsi), "r"(r12), "r"(r13)
			 : "rcx", "r11", "memory", "cc");
	return rax;
}

static pid_t clone_shared_memory(uint64_t flags, int cgroup_fd, int *ret_pidfd, const struct run_ctx *ctx)
{
	struct clone_args args = {
		.flags = flags | CLONE_VM | CLONE_VFORK | CLONE_PIDFD |
			 (cgroup_fd >= 0 ? CLONE_INTO_CGROUP : 0),
		.pidfd = (uint64_t)(uintptr_t)ret_pidfd,
		.exit_signal = SIGCHLD,
		.cgroup = cgroup_fd >= 0 ? (uint64_t)cgroup_fd : 0,
		.stack_size = RUN_CHILD_STACK,
	};
	void *stack;
	long pid;
	int saved;

	stack = mmap(NULL, RUN_CHILD_STACK + RUN_GUARD, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE, -1, 0);
	if (stack == MAP_FAILED)
		return -1;
	if (mprotect(stack, RUN_GUARD, PROT_NONE) < 0) {
		saved = errno;
		munmap(stack, RUN_CHILD_STACK + RUN_GUARD);
		errno = saved;
		return -1;
	}
	args.stack = (uint64_t)(uintptr_t)stack + RUN_GUARD;
	pid = clone3_entry(&args, shared_child_entry, ctx);
	if (pid < 0) {
		saved = (int)-pid;
		munmap(stack, RUN_CHILD_STACK + RUN_GUARD);
		errno = saved;
		return -1;
	}
	munmap(stack, RUN_CHILD_STACK + RUN_GUARD);
	return (pid_t)pid;
}
#else
#define RUN_CLONE_SHARED 0

static pid_t clone_shared_memory(uint64_t flags, int cgroup_fd, int *ret_pidfd, const struct run_ctx *ctx)
{
	(void)flags, (void)cgroup_fd, (void)ret_pidfd, (void)ctx;
	errno = ENOSYS;
	return -1;
}
#endif

/* The one place that picks the clone. Only a single-threaded process
 * shares its memory with the child: another thread would run on while we
 * sleep, on the heap and locks the child may not touch, and could take
 * signals meant for the child's copy of our handlers.
 * __libc_single_threaded turns false with the first thread and stays so. */
static bool clone_shared(const struct run_ctx *ctx)
{
	return RUN_CLONE_SHARED && !ctx->wait_go && !ctx->hold && !ctx->spec->init && __libc_single_threaded;
}

/* The one clone of run_spawn(), all signals blocked across it. The
 * shared-memory child never returns here; the fork-like one returns 0, and
 * the caller sends it to run_child_main() too. pid, or -1 with errno. */
static pid_t clone_child(uint64_t flags, int cgroup_fd, int *ret_pidfd, const struct run_ctx *ctx)
{
	sigset_t all, old;
	bool shared = false;
	pid_t pid = -1;
	int saved = 0;

	sigfillset(&all);
	if (sigprocmask(SIG_SETMASK, &all, &old) < 0)
		return -1;
	if (clone_shared(ctx)) {
		int dumpable = prctl(PR_GET_DUMPABLE);

		log_debug("clone: the child shares our memory until its exec");
		pid = clone_shared_memory(flags, cgroup_fd, ret_pidfd, ctx);
		saved = errno;
		/* Dumpability belongs to the memory: the child's "non-dumpable"
		 * was ours until its exec. */
		if (dumpable > 0 && prctl(PR_GET_DUMPABLE) != dumpable)
			(void)prctl(PR_SET_DUMPABLE, dumpable);
		shared = !(pid < 0 && saved == ENOSYS); /* no clone3: before 5.3 */
	}
	if (!shared) {
		log_debug("clone: fork-like");
		pid = clone_forklike(flags, cgroup_fd, ret_pidfd);
		saved = errno;
	}
	(void)sigprocmask(SIG_SETMASK, &old, NULL);
	errno = saved;
	return pid;
}

/* A pty of the host's devpts: the container's console (bound on
 * /dev/console by dev.c, by its host path). */
static int run_open_pty(const struct run_opts *o, int *ret_master, int *ret_slave, char *path,
			size_t path_size, struct taper_err *err)
{
	_cleanup_close_ int master = -1;
	int slave, unlock = 0;

	master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		return err_set(err, errno, "open /dev/ptmx");
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
		return err_set(err, errno, "unlock pty");
	slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		return err_set(err, errno, "open pty peer");
	if (ptsname_r(master, path, path_size) != 0) {
		safe_close(slave);
		return err_set(err, errno, "name of pty");
	}
	if (o->winsize.ws_row && o->winsize.ws_col)
		(void)ioctl(master, TIOCSWINSZ, &o->winsize);
	*ret_master = TAKE_FD(master);
	*ret_slave = slave;
	return 0;
}

static uint64_t clone_flags(const struct taper_spec *spec, bool cgroupns_later)
{
	uint64_t flags = 0;

	for (unsigned i = 0; i < TAPER_NS_COUNT; i++) {
		unsigned bit = 1u << i;

		if (spec_ns_new(spec, bit) && !(bit == TAPER_NS_CGROUP && cgroupns_later))
			flags |= spec_ns_clone_flag(bit);
	}
	return flags;
}

/* ---- joining namespaces by path ---------------------------------------- */

struct ns_join {
	int target[TAPER_NS_COUNT]; /* to enter; -1: not joined */
	int own[TAPER_NS_COUNT];    /* ours, to return to */
};

static void ns_join_close(struct ns_join *j)
{
	for (unsigned i = 0; i < TAPER_NS_COUNT; i++) {
		j->target[i] = safe_close(j->target[i]);
		j->own[i] = safe_close(j->own[i]);
	}
}

/* Ours, as the parent of the next child sees it: "pid_for_children" and
 * "time_for_children" differ from "pid" and "time" in that. */
static int open_own_ns(unsigned bit)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/ns/%s%s", spec_ns_name(bit),
		 bit == TAPER_NS_PID || bit == TAPER_NS_TIME ? "_for_children" : "");
	return open(path, O_RDONLY | O_CLOEXEC);
}

static void ns_join_init(struct ns_join *j)
{
	for (unsigned i = 0; i < TAPER_NS_COUNT; i++)
		j->target[i] = j->own[i] = -1;
}

/* What the container writes into its namespace of type bit: a sysctl of
 * that namespace (in key, "key=value" cut at '='), the host or domain
 * name. false when nothing. */
static bool ns_written(const struct taper_spec *spec, unsigned bit, char *key, size_t n)
{
	unsigned ns;

	if (bit == TAPER_NS_UTS && (spec->hostname || spec->domainname)) {
		snprintf(key, n, "%s", spec->hostname ? "hostname" : "domainname");
		return true;
	}
	for (char **kv = spec->sysctl; kv && *kv; kv++) {
		snprintf(key, n, "sysctl %.*s", (int)strcspn(*kv, "="), *kv);
		if (spec_sysctl_is_namespaced(key + strlen("sysctl "), &ns) && ns == bit)
			return true;
	}
	return false;
}

/* A namespace joined by path that is the runtime's own is the host's: a
 * sysctl or host name written there would change the host (runc refuses
 * the network case: "sysctl not allowed in host network namespace"). */
static int ns_join_check_own(const struct taper_spec *spec, unsigned i, int target, int own,
			     struct taper_err *err)
{
	struct stat a, b;
	char what[128];

	if (!ns_written(spec, 1u << i, what, sizeof(what)))
		return 0;
	if (fstat(target, &a) < 0 || fstat(own, &b) < 0)
		return err_set(err, errno, "%s namespace %s", spec_ns_name(1u << i), spec->ns_path[i]);
	if (a.st_dev == b.st_dev && a.st_ino == b.st_ino)
		return err_set(err, 0,
			       "%s: the %s namespace %s is the runtime's own: it would change the host", what,
			       spec_ns_name(1u << i), spec->ns_path[i]);
	return 0;
}

static int ns_join_open(const struct taper_spec *spec, struct ns_join *j, struct taper_err *err)
{
	for (unsigned i = 0; i < TAPER_NS_COUNT; i++) {
		unsigned bit = 1u << i;
		const char *name = spec_ns_name(bit), *path = spec->ns_path[i];
		int type, r;

		if (!path)
			continue;
		j->target[i] = open(path, O_RDONLY | O_CLOEXEC);
		if (j->target[i] < 0)
			return err_set(err, errno, "%s namespace %s", name, path);
		type = ioctl(j->target[i], NS_GET_NSTYPE);
		if (type < 0 || (unsigned long)type != spec_ns_clone_flag(bit))
			return err_set(err, EINVAL, "%s namespace %s: not a %s namespace", name, path, name);
		j->own[i] = open_own_ns(bit);
		if (j->own[i] < 0)
			return err_set(err, errno, "own %s namespace", name);
		if ((r = ns_join_check_own(spec, i, j->target[i], j->own[i], err)) < 0)
			return r;
	}
	return 0;
}

/* Enter (or, leave = true, return from) the joined namespaces. A failure
 * to return leaves this process in a foreign namespace: the caller must
 * fail as a whole. */
static int ns_join_switch(const struct taper_spec *spec, struct ns_join *j, bool leave, struct taper_err *err)
{
	int r = 0;

	for (unsigned i = 0; i < TAPER_NS_COUNT; i++) {
		unsigned bit = 1u << i;
		int fd = leave ? j->own[i] : j->target[i];

		if (j->target[i] < 0 || setns(fd, (int)spec_ns_clone_flag(bit)) == 0)
			continue;
		if (leave) {
			r = err_set(err, errno, "return to own %s namespace", spec_ns_name(bit));
			continue; /* return from the others still */
		}
		r = err_set(err, errno, "join %s namespace %s", spec_ns_name(bit), spec->ns_path[i]);
		for (unsigned k = 0; k < i; k++)
			if (j->target[k] >= 0)
				(void)setns(j->own[k], (int)spec_ns_clone_flag(1u << k));
		return r;
	}
	return r;
}

/* ---- the joiner: joining a user or a mount namespace --------------------
 *
 * A user namespace cannot be left again, and joining a mount namespace
 * moves the caller's root and cwd, so neither is joined around the clone
 * as the others are. A short-lived child of ours joins them all instead:
 * the user namespace first, which gives it the capabilities it needs over
 * the namespaces that one owns (the others must be among them, as with
 * runc), then the rest, and it clones the container's init as our child
 * (CLONE_PARENT), whose new namespaces are then owned by the joined user
 * namespace. It writes the init's pid to us and exits; a failure to join
 * is its one error line on the sync socket, as the init's would be. */
static _Noreturn void joiner_main(const struct ns_join *j, uint64_t flags, int pid_pipe, struct run_ctx *ctx)
{
	struct clone_args args = { .flags = flags | CLONE_PARENT };
	struct taper_err err = { 0 };
	long pid;

	for (int pass = 0; pass < 2; pass++)
		for (unsigned i = 0; i < TAPER_NS_COUNT; i++) {
			unsigned bit = 1u << i;

			if (j->target[i] < 0 || (pass == 0) != (bit == TAPER_NS_USER))
				continue;
			if (setns(j->target[i], (int)spec_ns_clone_flag(bit)) < 0) {
				err_set(&err, errno, "join %s namespace %s", spec_ns_name(bit),
					ctx->spec->ns_path[i]);
				run_child_fail(ctx->sock, RUN_MSG_SETUP_FAILED, &err);
			}
		}
	/* exit_signal stays 0: with CLONE_PARENT the init is our parent's
	 * child and signals it as we would (SIGCHLD). */
	pid = syscall(SYS_clone3, &args, sizeof(args));
	if (pid == 0)
		run_child_main(ctx);
	if (pid < 0) {
		err_set(&err, errno, "clone");
		run_child_fail(ctx->sock, RUN_MSG_SETUP_FAILED, &err);
	}
	_exit(write(pid_pipe, &(pid_t){ (pid_t)pid }, sizeof(pid_t)) == sizeof(pid_t) ? 0 : 1);
}

struct joined_maps {
	struct taper_idmap *uid, *gid;
	size_t n_uid, n_gid;
};

static void joined_maps_clear(struct joined_maps *m)
{
	free(m->uid);
	free(m->gid);
}

/* The init through the joiner: its pid and a pidfd of ours, or -errno with
 * the joiner's error line (read from sock) in err. */
static pid_t clone_via_joiner(uint64_t flags, struct ns_join *j, int *ret_pidfd, struct run_ctx *ctx,
			      int sock, int *csock, struct taper_err *err)
{
	_cleanup_close_ int rd = -1, wr = -1, jpidfd = -1;
	sigset_t all, old;
	pid_t jpid, pid = -1;
	siginfo_t si;
	int p[2], saved;
	ssize_t n;

	if (pipe2(p, O_CLOEXEC) < 0)
		return err_set(err, errno, "pipe");
	rd = p[0];
	wr = p[1];
	sigfillset(&all);
	if (sigprocmask(SIG_SETMASK, &all, &old) < 0)
		return err_set(err, errno, "block signals");
	jpid = clone_forklike(0, -1, &jpidfd);
	if (jpid == 0) {
		rd = safe_close(rd);
		joiner_main(j, flags, wr, ctx);
	}
	saved = errno;
	(void)sigprocmask(SIG_SETMASK, &old, NULL);
	if (jpid < 0)
		return err_set(err, saved, "clone");
	wr = safe_close(wr);
	do
		n = read(rd, &pid, sizeof(pid));
	while (n < 0 && errno == EINTR);
	while (waitid(P_PIDFD, (id_t)jpidfd, &si, WEXITED) < 0 && errno == EINTR)
		;
	if (n != sizeof(pid) || pid <= 0) {
		int r;

		/* Its line, or EOF once the last copy of its end is gone. */
		*csock = safe_close(*csock);
		r = run_await_exec(sock, NULL, err);

		return r < 0 ? r : err_set(err, EPROTO, "join the container's namespaces");
	}
	/* Our child: its pid stays its own until we reap it. */
	*ret_pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (*ret_pidfd < 0) {
		saved = errno;
		(void)kill(pid, SIGKILL);
		(void)waitpid(pid, NULL, 0);
		return err_set(err, saved, "pidfd of the container's init");
	}
	return pid;
}

/* A joined mount namespace is used as it is: nothing may ask for a mount
 * in it (the OCI front end names the property; this is for the API). */
static int check_joined_mount_ns(const struct taper_spec *spec, struct taper_err *err)
{
	const char *path = spec->ns_path[spec_ns_index(TAPER_NS_MNT)];
	const char *what = spec->n_mounts                                    ? "mounts"
			   : spec->masked_paths && spec->masked_paths[0]     ? "masked paths"
			   : spec->readonly_paths && spec->readonly_paths[0] ? "read-only paths"
			   : spec->rootfs_readonly || spec->rootfs_propagation
				   ? "a read-only or propagating root"
			   : spec->rootfs_idmap || spec->overlay_dir       ? "an idmapped or overlay root"
			   : spec->n_dev_nodes                             ? "device nodes"
			   : spec->sysctl && spec->sysctl[0]               ? "sysctls"
			   : spec->cgroup_mount != TAPER_CGROUP_MOUNT_NONE ? "a cgroup mount"
									   : NULL;

	if (path && what)
		return err_set(err, 0, "mount namespace %s is joined as it is: %s would need a mount in it",
			       path, what);
	return 0;
}

static int check_idmounts(const struct taper_spec *spec, struct taper_err *err)
{
	for (size_t i = 0; i < spec->n_mounts; i++) {
		const struct taper_mount *m = &spec->mounts[i];

		if (!m->idmap)
			continue;
		if (!(m->flags & TAPER_MOUNT_BIND))
			return err_set(err, 0, "idmapped mount on %s: only a bind can be idmapped",
				       m->target);
		if (!m->n_uid_map != !m->n_gid_map)
			return err_set(err, 0,
				       "idmapped mount on %s: a uid map without a gid map, or "
				       "the reverse",
				       m->target);
		if (!m->n_uid_map && !(spec->namespaces & TAPER_NS_USER))
			return err_set(err, 0,
				       "idmapped mount on %s: no maps of its own, and no user namespace "
				       "to take them from",
				       m->target);
	}
	return 0;
}

static int check_spec(const struct taper_spec *spec, const struct run_opts *opts, struct taper_err *err)
{
	int r;

	if ((r = check_joined_mount_ns(spec, err)) < 0 || (r = check_idmounts(spec, err)) < 0)
		return r;
	if (spec->ns_path[spec_ns_index(TAPER_NS_USER)] && (spec->n_uid_map || spec->n_gid_map))
		return err_set(err, 0, "user namespace %s is joined: it has its maps, none may be given",
			       spec->ns_path[spec_ns_index(TAPER_NS_USER)]);
	if (!spec->rootfs)
		return err_set(err, 0, "no rootfs given");
	if (!spec->process.argv || !spec->process.argv[0])
		return err_set(err, 0, "no command given");
	if (!(spec->namespaces & TAPER_NS_MNT))
		return err_set(err, 0, "a container needs its own mount namespace");
	if (spec->limits.n_devices && !opts->cgroups)
		return err_set(err, 0, "device rules need a cgroup (no cgroup manager given)");
	if (spec->rootfs_idmap && !(spec->namespaces & TAPER_NS_USER))
		return err_set(err, 0, "an idmapped rootfs needs a user namespace");
	if (spec->cgroup_mount != TAPER_CGROUP_MOUNT_NONE && !(spec->namespaces & TAPER_NS_CGROUP))
		return err_set(err, 0, "a cgroup mount needs a cgroup namespace");
	/* /proc is mounted for the pid namespace, by the container's root. */
	if (!spec_ns_ours(spec, TAPER_NS_PID) && spec_ns_new(spec, TAPER_NS_USER) &&
	    (spec->namespaces & TAPER_NS_PID))
		return err_set(err, 0,
			       "pid namespace %s: a container with a user namespace of its own "
			       "cannot join a pid namespace from outside it",
			       spec->ns_path[spec_ns_index(TAPER_NS_PID)]);
	for (int i = 0; i < TAPER_NS_COUNT; i++)
		if (spec->ns_path[i] && !(spec->namespaces & (1u << i)))
			return err_set(err, 0, "%s namespace %s given, but not asked for",
				       spec_ns_name(1u << i), spec->ns_path[i]);
	return 0;
}

/* The go, with the idmapped rootfs attached when there is one. */
static int send_go(int sock, int tree_fd, struct taper_err *err)
{
	struct run_msg go = { .kind = RUN_MSG_GO };
	int r = run_msg_send(sock, &go, sizeof(go), tree_fd);

	return r < 0 ? err_set(err, r, "start the container's init") : 0;
}

/* The hierarchies spec->cgroup_mount mounts, from the caller's manager or
 * one opened for the purpose: those the container's group cg is in. */
static int cgroup_layout(const struct taper_spec *spec, const struct run_opts *opts,
			 const struct taper_cgroup *cg, struct cgroup_mount_info **ret, size_t *ret_n,
			 struct taper_err *err)
{
	struct cgroup_manager *own = NULL;
	int r;

	*ret = NULL;
	*ret_n = 0;
	if (spec->cgroup_mount == TAPER_CGROUP_MOUNT_NONE)
		return 0;
	if (!opts->cgroups && (r = cgroup_manager_open(NULL, &own, err)) < 0)
		return err_wrap(err, "cgroup mount");
	r = cgroup_mount_layout(opts->cgroups ? opts->cgroups : own, cg, ret, ret_n);
	cgroup_manager_free(own);
	return r < 0 ? err_set(err, r, "cgroup mount") : 0;
}

/* The console is the container's: its root must open it (an init reopens
 * /dev/console, a getty chowns it), which it could not while the host's
 * root owns it, as an id outside the map. */
static int chown_pty(const struct taper_spec *spec, int slave, struct taper_err *err)
{
	uint32_t uid, gid;

	if (userns_host_id(spec->uid_map, spec->n_uid_map, 0, &uid) < 0 ||
	    userns_host_id(spec->gid_map, spec->n_gid_map, 0, &gid) < 0)
		return 0;
	if (fchown(slave, uid, gid) < 0)
		return err_set(err, errno, "hand the pty to the container's root");
	return 0;
}

/* Hand the container's root the part of its group its init manages. */
static int delegate_cgroup(const struct taper_spec *spec, struct taper_cgroup *cg, struct taper_err *err)
{
	uint32_t uid, gid;

	if (spec->cgroup_mount != TAPER_CGROUP_MOUNT_MIXED || !cg ||
	    userns_host_id(spec->uid_map, spec->n_uid_map, 0, &uid) < 0 ||
	    userns_host_id(spec->gid_map, spec->n_gid_map, 0, &gid) < 0)
		return 0;
	return cgroup_delegate(cg, uid, gid, err);
}

/* After the go: wait for EOF (exec'd) or the child's failure line; 1 for a
 * held child's "ready". */
int run_await_exec(int sock, int *ret_status, struct taper_err *err)
{
	struct run_msg m;
	ssize_t n;

	do
		n = recv(sock, &m, sizeof(m), 0);
	while (n < 0 && errno == EINTR);
	if (n == 0)
		return 0;
	if (n < 0)
		return err_set(err, errno, "read from the container's init");
	if (n == sizeof(m.kind) && m.kind == RUN_MSG_READY)
		return 1;
	if ((size_t)n < offsetof(struct run_msg, what) + 1)
		return err_set(err, EPROTO, "short message from the container's init");
	m.what[sizeof(m.what) - 1] = '\0';
	if (ret_status && m.kind == RUN_MSG_EXEC_FAILED)
		*ret_status = m.errnum == ENOENT ? RUN_STATUS_NOT_FOUND : RUN_STATUS_NOT_EXECUTABLE;
	if (err) {
		err->code = m.errnum > 0 ? m.errnum : EINVAL;
		snprintf(err->msg, sizeof(err->msg), "%s", m.what);
	}
	return m.errnum > 0 ? -m.errnum : -EINVAL;
}

int run_create(const struct taper_spec *spec, const struct run_opts *opts, struct run_child **ret,
	       struct taper_err *err)
{
	_cleanup_(run_child_freep) struct run_child *c = NULL;
	_cleanup_(run_seccomp_freep) struct security_seccomp *filter = NULL;
	_cleanup_close_ int rootfs_fd = -1, slave = -1, psock = -1, csock = -1, cg_fd = -1, tree = -1;
	_cleanup_free_ struct cgroup_mount_info *layout = NULL;
	_cleanup_free_ char *hook_state = NULL;
	_cleanup_(ns_join_close) struct ns_join joins;
	_cleanup_(cgroup_birth_close) struct cgroup_birth birth = { .clone_fd = -1 };
	_cleanup_(joined_maps_clear) struct joined_maps joined_maps = { 0 };
	_cleanup_(idmount_set_clear) struct idmount_set idset = { .n = spec->n_mounts };
	struct taper_spec joined_spec;
	int *trees = NULL;
	size_t n_layout = 0;
	int sv[2], r, left, dummy;
	/* cppcheck-suppress uninitvar ; takes dummy's address, reads nothing */
	int *status = opts->ret_status ? opts->ret_status : &dummy;
	bool userns = spec->namespaces & TAPER_NS_USER, waits, joins_self;
	bool joiner =
		spec->ns_path[spec_ns_index(TAPER_NS_USER)] || spec->ns_path[spec_ns_index(TAPER_NS_MNT)];
	struct run_ctx ctx;
	char pty_path[64] = "";

	ns_join_init(&joins);
	*status = RUN_STATUS_RUNTIME_ERROR;
	if ((r = check_spec(spec, opts, err)) < 0)
		return r;
	if (spec->ns_path[spec_ns_index(TAPER_NS_USER)]) {
		/* What the spec would say of a user namespace of its own: its
		 * maps, for the checks and the ownership below. */
		if ((r = userns_read_maps(spec->ns_path[spec_ns_index(TAPER_NS_USER)], &joined_maps.uid,
					  &joined_maps.n_uid, &joined_maps.gid, &joined_maps.n_gid, err)) < 0)
			return r;
		joined_spec = *spec;
		joined_spec.uid_map = joined_maps.uid;
		joined_spec.n_uid_map = joined_maps.n_uid;
		joined_spec.gid_map = joined_maps.gid;
		joined_spec.n_gid_map = joined_maps.n_gid;
		spec = &joined_spec;
	}
	if ((r = ns_join_open(spec, &joins, err)) < 0)
		return r;
	if ((r = run_child_new(opts->detach, spec->limits.memory_max, &c, err)) < 0)
		return r;
	c->status = opts->ret_status;

	rootfs_fd = open(spec->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfs_fd < 0)
		return err_set(err, errno, "rootfs %s", spec->rootfs);
	if (userns && !spec->ns_path[spec_ns_index(TAPER_NS_MNT)] &&
	    (r = userns_check_rootfs(spec, rootfs_fd, err)) < 0)
		return r;
	r = security_seccomp_prepare_process(&spec->process, userns, &filter, err);
	if (r < 0)
		return r;
	if ((opts->pty || spec->process.terminal) &&
	    (r = run_open_pty(opts, &c->pty_master, &slave, pty_path, sizeof(pty_path), err)) < 0)
		return r;
	if (c->pty_master >= 0 && !(opts->winsize.ws_row && opts->winsize.ws_col) &&
	    spec->process.console_rows && spec->process.console_cols) {
		struct winsize ws = { .ws_row = spec->process.console_rows,
				      .ws_col = spec->process.console_cols };

		(void)ioctl(c->pty_master, TIOCSWINSZ, &ws);
	}
	if (userns && slave >= 0 && (r = chown_pty(spec, slave, err)) < 0)
		return r;
	if (opts->cgroups && (r = (opts->cgroup_minimal ? cgroup_create_minimal : cgroup_create)(
				      opts->cgroups, opts->cgroup_group, &spec->limits, &c->cg, err)) < 0)
		return r;
	if ((r = cgroup_layout(spec, opts, c->cg, &layout, &n_layout, err)) < 0)
		return r;
	if (userns && (r = delegate_cgroup(spec, c->cg, err)) < 0)
		return r;
	if (spec_has_run_hooks(spec) && (r = hooks_state_body(spec, &hook_state)) < 0)
		return err_set(err, -r, "hooks' state");
	if ((r = idmount_set_new(spec, &idset.fd, err)) < 0)
		return r;
	trees = idset.fd;
	/* Into the group with no write of ours to a v1 cgroup.procs, which
	 * waits for an RCU grace period (cgroup_birth_open()): the child is
	 * born in the cgroup2 part and moves itself into the v1 parts, first
	 * thing. Unless it waits for us anyway (ids to map, hooks that expect
	 * it placed, idmapped trees to take): then it is born in a group of
	 * cgroup2 alone (a v2 host, a minimal group of a hybrid one), else we
	 * move it by cgroup.procs. Not through the joiner: in a joined user
	 * namespace it holds no capability over the group, which is then
	 * joined by cgroup.procs after the clone. */
	waits = userns || opts->prestart || hook_state || trees;
	if (c->cg && !joiner && !waits) {
		if ((r = cgroup_birth_open(c->cg, &birth, err)) < 0)
			return r;
		cg_fd = TAKE_FD(birth.clone_fd);
	} else if (c->cg && !joiner) {
		cg_fd = cgroup_clone_fd(c->cg);
	}
	joins_self = birth.n_tasks > 0;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return err_set(err, errno, "socketpair");
	psock = sv[0];
	csock = sv[1];

	ctx = (struct run_ctx){
		.spec = spec,
		.opts = opts,
		.sock = csock,
		.pty_slave = slave,
		/* Hooks: their runs in the parent come before the go; those in
		 * the child clone, which the shared-memory clone cannot. */
		.wait_go = waits || (c->cg && cg_fd < 0 && !joins_self),
		.hold = opts->hold,
		.birth = joins_self ? &birth : NULL,
		.unshare_cgroupns = c->cg && (cg_fd < 0 || joins_self) && spec_ns_new(spec, TAPER_NS_CGROUP),
		.userns = userns,
		.gid5_mapped = !userns,
		.seccomp = filter,
		.cg_layout = layout,
		.n_cg_layout = n_layout,
		.rootfs_tree = -1,
		.mount_trees = trees,
		.hook_state = hook_state,
	};
	memcpy(ctx.pty_path, pty_path, sizeof(pty_path));
	if (userns) {
		/* gid 5 ("tty") in the container, not on the host. */
		ctx.gid5_mapped = false;
		for (size_t i = 0; i < spec->n_gid_map; i++)
			if (5 >= spec->gid_map[i].container_id &&
			    5 - spec->gid_map[i].container_id < spec->gid_map[i].count)
				ctx.gid5_mapped = true;
	}

	if (joiner) {
		pid_t pid = clone_via_joiner(clone_flags(spec, ctx.unshare_cgroupns), &joins, &c->pidfd, &ctx,
					     psock, &csock, err);

		if (pid < 0)
			return pid;
		c->pid = pid;
		goto cloned;
	}
	if ((r = ns_join_switch(spec, &joins, false, err)) < 0)
		return r;
	c->pid = clone_child(clone_flags(spec, ctx.unshare_cgroupns), cg_fd, &c->pidfd, &ctx);
	if (c->pid < 0 && cg_fd >= 0) {
		/* No CLONE_INTO_CGROUP (before 5.7): join the usual way. */
		cg_fd = safe_close(cg_fd);
		ctx.wait_go = true;
		ctx.birth = NULL;
		ctx.unshare_cgroupns = spec_ns_new(spec, TAPER_NS_CGROUP);
		c->pid = clone_child(clone_flags(spec, ctx.unshare_cgroupns), -1, &c->pidfd, &ctx);
	}
	if (c->pid == 0) {
		/* Fork-like: our copies of the host's namespaces stay out of the
		 * container. (They and psock are CLOEXEC, all the shared-memory
		 * child needs: it execs, and must not write our joins.) */
		ns_join_close(&joins);
		safe_close(psock);
		run_child_main(&ctx);
	}
	r = c->pid < 0 ? err_set(err, errno, "clone") : 0;
	left = ns_join_switch(spec, &joins, true, r < 0 ? NULL : err);
	if (r < 0 || (r = left) < 0)
		return r;
cloned:
	ns_join_close(&joins);
	csock = safe_close(csock);
	slave = safe_close(slave);

	if (spec_ns_new(spec, TAPER_NS_USER) && (r = userns_write_maps(spec, c->pid, err)) < 0)
		return r;
	if (c->cg && cg_fd < 0 && !ctx.birth && (r = cgroup_enter(c->cg, c->pid, err)) < 0)
		return r;
	if (opts->prestart && (r = opts->prestart(opts->prestart_data, c->pid, err)) < 0)
		return err_wrap(err, "prestart hook");
	/* OCI's, in the runtime's namespaces, the container's made. */
	if ((r = hooks_run(spec, TAPER_HOOK_PRESTART, hook_state, "creating", c->pid, false, err)) < 0 ||
	    (r = hooks_run(spec, TAPER_HOOK_CREATE_RUNTIME, hook_state, "creating", c->pid, false, err)) < 0)
		return r;
	/* After prestart, which may write into the rootfs (run.h). */
	if (spec->rootfs_idmap && (tree = userns_idmapped_rootfs(spec, c->pid, err)) < 0)
		return tree;
	if (trees && ((r = idmount_trees(spec, c->pid, trees, err)) < 0 ||
		      (r = idmount_send(psock, spec, trees, err)) < 0))
		return r;
	if (ctx.wait_go && (r = send_go(psock, tree, err)) < 0)
		return r;
	tree = safe_close(tree);
	if (opts->hold) {
		/* Created: the child built its root and waits for the start. */
		r = run_await_exec(psock, status, err);
		if (r == 0)
			return err_set(err, EPROTO, "the container's init exited before it was ready");
		if (r < 0)
			return r;
		c->held = true;
	}
	c->sock = TAKE_FD(psock);
	*status = 0;
	*ret = TAKE_PTR(c);
	return 0;
}

/* What a failed start leaves: nothing but the handle's fds. */
static void run_child_abort(struct run_child *c)
{
	siginfo_t si;

	if (c->pid > 0 && !c->reaped) {
		(void)syscall(SYS_pidfd_send_signal, c->pidfd, SIGKILL, NULL, 0);
		(void)run_reap(c, &si);
	}
	if (c->cg) {
		(void)cgroup_destroy(c->cg, NULL);
		cgroup_free(c->cg);
		c->cg = NULL;
	}
}

int run_start(struct run_child *c, struct taper_err *err)
{
	int dummy = 0, *status = c->status ? c->status : &dummy;
	struct run_msg start = { .kind = RUN_MSG_START };
	int r;

	if (c->started || c->sock < 0)
		return err_set(err, EALREADY, "container init %d already started", (int)c->pid);
	*status = RUN_STATUS_RUNTIME_ERROR;
	if (c->held && (r = run_msg_send(c->sock, &start, sizeof(start.kind), -1)) < 0)
		r = err_set(err, r, "start the container's command");
	else
		r = run_await_exec(c->sock, status, err);
	if (r > 0)
		r = err_set(err, EPROTO, "the container's init was ready twice");
	c->sock = safe_close(c->sock);
	c->held = false;
	if (r < 0) {
		run_child_abort(c);
		return r;
	}
	c->started = true;
	*status = 0;
	return 0;
}

int run_spawn(const struct taper_spec *spec, const struct run_opts *opts, struct run_child **ret,
	      struct taper_err *err)
{
	_cleanup_(run_child_freep) struct run_child *c = NULL;
	struct run_opts o = *opts;
	int r;

	o.hold = false;
	if ((r = run_create(spec, &o, &c, err)) < 0 || (r = run_start(c, err)) < 0)
		return r;
	*ret = TAKE_PTR(c);
	return 0;
}

pid_t run_child_pid(const struct run_child *c)
{
	return c->pid;
}

int run_child_pidfd(const struct run_child *c)
{
	return c->pidfd;
}

int run_child_pty_master(const struct run_child *c)
{
	return c->pty_master;
}

int run_kill(struct run_child *c, int sig, struct taper_err *err)
{
	if (c->reaped)
		return err_set(err, ESRCH, "container init %d already exited", (int)c->pid);
	if (syscall(SYS_pidfd_send_signal, c->pidfd, sig, NULL, 0) < 0)
		return err_set(err, errno, "signal container init %d", (int)c->pid);
	c->sigkilled |= sig == SIGKILL;
	return 0;
}

int run_reap(struct run_child *c, siginfo_t *si)
{
	for (;;) {
		memset(si, 0, sizeof(*si));
		if (waitid(P_PIDFD, (id_t)c->pidfd, si, WEXITED) == 0)
			break;
		if (errno != EINTR)
			return -errno;
	}
	c->reaped = true;
	return 0;
}

int run_exit_from(int how, int status, bool sigkilled, struct taper_cgroup *cg, struct run_exit *ret,
		  struct taper_err *err)
{
	struct cgroup_stats stats;

	*ret = (struct run_exit){ .memory_limit = TAPER_UNSET };
	if (how == CLD_EXITED) {
		ret->code = status;
	} else {
		ret->signaled = true;
		ret->signal = status;
		ret->code = 128 + status;
	}
	if (!cg)
		return 0;
	/* SIGKILL of init (or of the command under our init, which then
	 * exits 137) that we did not send, while the group counted an OOM
	 * kill. The count alone names no process: an earlier kill of another
	 * one must not make a stop -k an OOM. */
	if (ret->code == 128 + SIGKILL && !sigkilled && cgroup_stats(cg, &stats, NULL) == 0 &&
	    stats.oom_kills > 0)
		ret->oom_killed = true;
	if (cgroup_destroy(cg, err) < 0)
		return err_wrap(err, "remove cgroup");
	return 0;
}

int run_wait(struct run_child *c, struct run_exit *ret, struct taper_err *err)
{
	siginfo_t si;
	int r;

	*ret = (struct run_exit){ .memory_limit = c->memory_limit };
	if (c->reaped)
		return err_set(err, ECHILD, "container init %d already reaped", (int)c->pid);
	if ((r = run_reap(c, &si)) < 0)
		return err_set(err, r, "wait for container init %d", (int)c->pid);
	r = run_exit_from(si.si_code, si.si_status, c->sigkilled, c->cg, ret, err);
	ret->memory_limit = c->memory_limit;
	cgroup_free(c->cg);
	c->cg = NULL;
	return r;
}

void run_child_free(struct run_child *c)
{
	siginfo_t si;

	if (!c)
		return;
	if (c->pid > 0 && !c->reaped && !(c->started && c->detach)) {
		(void)syscall(SYS_pidfd_send_signal, c->pidfd, SIGKILL, NULL, 0);
		(void)run_reap(c, &si);
	}
	if (c->cg) {
		if (!(c->started && c->detach))
			(void)cgroup_destroy(c->cg, NULL);
		cgroup_free(c->cg);
	}
	safe_close(c->pidfd);
	safe_close(c->pty_master);
	safe_close(c->sock);
	free(c);
}
