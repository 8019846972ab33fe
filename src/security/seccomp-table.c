/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * seccomp-table.c — the default seccomp profile, equal in effect to moby's
 * profiles/seccomp/default.json: default ERRNO(EPERM), an allowlist, the
 * syscalls allowed only with a capability in the bounding set, clone with
 * no namespace flags for everyone else, clone3 failing with ENOSYS (so libc
 * falls back to clone, whose flags the filter can see), personality limited
 * to the harmless personas, and socket for every family but AF_VSOCK.
 *
 * Everything not listed is EPERM, notably keyctl, add_key, request_key,
 * kexec_load, kexec_file_load, userfaultfd, uselib, swapon/swapoff, the
 * clock setters without CAP_SYS_TIME, and the module, mount, bpf and
 * perf_event_open families without their capabilities.
 *
 * io_uring_setup, io_uring_enter and io_uring_register are not listed, as
 * in moby's profile since 25.0 (moby#46762) and containerd's since 2.0: a
 * ring performs its operations in kernel workers that no seccomp filter
 * sees, and 60% of the kernel exploits sent to Google's kCTF reward program
 * in 2022 went through io_uring (CVE-2022-29582, CVE-2023-2598, ...).
 * EPERM, docker's answer, makes io_uring users (liburing, tokio, libuv,
 * qemu) fall back to epoll or thread pools.
 *
 * Names unknown to the running libseccomp or absent on an architecture are
 * skipped at compile time, so one table serves every arch.
 */
#include <errno.h>
#include <linux/capability.h>
#include <sched.h>
#include <sys/socket.h>

#include "security/seccomp-internal.h"
#include "util/cleanup.h"

#define NAMES(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define CAP(c) (UINT64_C(1) << (c))
#define ARCHES(...) \
	.arches = { __VA_ARGS__ }, .n_arches = sizeof((uint32_t[]){ __VA_ARGS__ }) / sizeof(uint32_t)
#define KERNEL(maj, min) ((maj)*1000 + (min))

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif

/* The namespace flags an unprivileged clone may not pass. */
#define CLONE_NS_FLAGS                                                                             \
	(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | \
	 CLONE_NEWCGROUP)

/* Name lists packed by hand; a rule's condition groups one per line. */
/* clang-format off */
/* Allowed for every container. */
static const char *const allow_always[] = {
	"_llseek", "_newselect", "accept", "accept4", "access", "adjtimex", "alarm",
	"bind", "brk", "capget", "capset", "chdir", "chmod", "chown", "chown32",
	"clock_adjtime", "clock_adjtime64", "clock_getres", "clock_getres_time64",
	"clock_gettime", "clock_gettime64", "clock_nanosleep", "clock_nanosleep_time64",
	"close", "close_range", "connect", "copy_file_range", "creat",
	"dup", "dup2", "dup3",
	"epoll_create", "epoll_create1", "epoll_ctl", "epoll_ctl_old", "epoll_pwait",
	"epoll_pwait2", "epoll_wait", "epoll_wait_old", "eventfd", "eventfd2",
	"execve", "execveat", "exit", "exit_group",
	"faccessat", "faccessat2", "fadvise64", "fadvise64_64", "fallocate", "fanotify_mark",
	"fchdir", "fchmod", "fchmodat", "fchown", "fchown32", "fchownat", "fcntl", "fcntl64",
	"fdatasync", "fgetxattr", "flistxattr", "flock", "fork", "fremovexattr", "fsetxattr",
	"fstat", "fstat64", "fstatat64", "fstatfs", "fstatfs64", "fsync", "ftruncate",
	"ftruncate64", "futex", "futex_time64", "futex_waitv", "futimesat",
	"get_robust_list", "get_thread_area", "getcpu", "getcwd", "getdents", "getdents64",
	"getegid", "getegid32", "geteuid", "geteuid32", "getgid", "getgid32", "getgroups",
	"getgroups32", "getitimer", "getpeername", "getpgid", "getpgrp", "getpid", "getppid",
	"getpriority", "getrandom", "getresgid", "getresgid32", "getresuid", "getresuid32",
	"getrlimit", "getrusage", "getsid", "getsockname", "getsockopt", "gettid",
	"gettimeofday", "getuid", "getuid32", "getxattr",
	"inotify_add_watch", "inotify_init", "inotify_init1", "inotify_rm_watch",
	"io_cancel", "io_destroy", "io_getevents", "io_pgetevents", "io_pgetevents_time64",
	"io_setup", "io_submit", "ioctl", "ioprio_get", "ioprio_set", "ipc", "kill",
	"landlock_add_rule", "landlock_create_ruleset", "landlock_restrict_self",
	"lchown", "lchown32", "lgetxattr", "link", "linkat", "listen", "listxattr",
	"llistxattr", "lremovexattr", "lseek", "lsetxattr", "lstat", "lstat64",
	"madvise", "membarrier", "memfd_create", "memfd_secret", "mincore", "mkdir",
	"mkdirat", "mknod", "mknodat", "mlock", "mlock2", "mlockall", "mmap", "mmap2",
	"mprotect", "mq_getsetattr", "mq_notify", "mq_open", "mq_timedreceive",
	"mq_timedreceive_time64", "mq_timedsend", "mq_timedsend_time64", "mq_unlink",
	"mremap", "msgctl", "msgget", "msgrcv", "msgsnd", "msync", "munlock", "munlockall",
	"munmap", "name_to_handle_at", "nanosleep", "newfstatat", "open", "openat", "openat2",
	"pause", "pidfd_open", "pidfd_send_signal", "pipe", "pipe2", "pkey_alloc",
	"pkey_free", "pkey_mprotect", "poll", "ppoll", "ppoll_time64", "prctl", "pread64",
	"preadv", "preadv2", "prlimit64", "process_mrelease", "pselect6", "pselect6_time64",
	"pwrite64", "pwritev", "pwritev2",
	"read", "readahead", "readlink", "readlinkat", "readv", "recv", "recvfrom",
	"recvmmsg", "recvmmsg_time64", "recvmsg", "remap_file_pages", "removexattr",
	"rename", "renameat", "renameat2", "restart_syscall", "rmdir", "rseq",
	"rt_sigaction", "rt_sigpending", "rt_sigprocmask", "rt_sigqueueinfo",
	"rt_sigreturn", "rt_sigsuspend", "rt_sigtimedwait", "rt_sigtimedwait_time64",
	"rt_tgsigqueueinfo",
	"sched_get_priority_max", "sched_get_priority_min", "sched_getaffinity",
	"sched_getattr", "sched_getparam", "sched_getscheduler", "sched_rr_get_interval",
	"sched_rr_get_interval_time64", "sched_setaffinity", "sched_setattr",
	"sched_setparam", "sched_setscheduler", "sched_yield", "seccomp", "select",
	"semctl", "semget", "semop", "semtimedop", "semtimedop_time64", "send", "sendfile",
	"sendfile64", "sendmmsg", "sendmsg", "sendto", "set_robust_list", "set_thread_area",
	"set_tid_address", "setfsgid", "setfsgid32", "setfsuid", "setfsuid32", "setgid",
	"setgid32", "setgroups", "setgroups32", "setitimer", "setpgid", "setpriority",
	"setregid", "setregid32", "setresgid", "setresgid32", "setresuid", "setresuid32",
	"setreuid", "setreuid32", "setrlimit", "setsid", "setsockopt", "setuid", "setuid32",
	"setxattr", "shmat", "shmctl", "shmdt", "shmget", "shutdown", "sigaltstack",
	"signalfd", "signalfd4", "sigprocmask", "sigreturn", "socketcall", "socketpair",
	"splice", "stat", "stat64", "statfs", "statfs64", "statx", "symlink", "symlinkat",
	"sync", "sync_file_range", "syncfs", "sysinfo",
	"tee", "tgkill", "time", "timer_create", "timer_delete", "timer_getoverrun",
	"timer_gettime", "timer_gettime64", "timer_settime", "timer_settime64",
	"timerfd_create", "timerfd_gettime", "timerfd_gettime64", "timerfd_settime",
	"timerfd_settime64", "times", "tkill", "truncate", "truncate64",
	"ugetrlimit", "umask", "uname", "unlink", "unlinkat", "utime", "utimensat",
	"utimensat_time64", "utimes", "vfork", "vmsplice", "wait4", "waitid", "waitpid",
	"write", "writev",
	NULL,
};

/* Everything CAP_SYS_ADMIN unlocks: mounts, namespaces, names, and the
 * unfiltered clone/clone3. */
static const char *const allow_sys_admin[] = {
	"bpf", "clone", "clone3", "fanotify_init", "fsconfig", "fsmount", "fsopen", "fspick",
	"lookup_dcookie", "mount", "mount_setattr", "move_mount", "open_tree",
	"perf_event_open", "quotactl", "quotactl_fd", "setdomainname", "sethostname",
	"setns", "syslog", "umount", "umount2", "unshare",
	NULL,
};

#define ALLOW SCMP_ACT_ALLOW
#define ARG0(o, v) .args = { { .index = 0, .op = (o), .value = (v) } }, .n_args = 1

static const struct sc_rule default_rules[] = {
	{ .names = allow_always, .action = ALLOW },
	/* Before 4.8 seccomp could be bypassed through ptrace. */
	{ .names = NAMES("process_vm_readv", "process_vm_writev", "ptrace"), .action = ALLOW,
	  .includes = { .min_kernel = KERNEL(4, 8) } },
	{ .names = NAMES("socket"), .action = ALLOW, ARG0(SCMP_CMP_NE, AF_VSOCK) },
	/* PER_LINUX, PER_LINUX32, UNAME26, UNAME26|PER_LINUX32, and the query. */
	{ .names = NAMES("personality"), .action = ALLOW, ARG0(SCMP_CMP_EQ, 0x0) },
	{ .names = NAMES("personality"), .action = ALLOW, ARG0(SCMP_CMP_EQ, 0x8) },
	{ .names = NAMES("personality"), .action = ALLOW, ARG0(SCMP_CMP_EQ, 0x20000) },
	{ .names = NAMES("personality"), .action = ALLOW, ARG0(SCMP_CMP_EQ, 0x20008) },
	{ .names = NAMES("personality"), .action = ALLOW, ARG0(SCMP_CMP_EQ, 0xffffffff) },
	{ .names = NAMES("sync_file_range2", "swapcontext"), .action = ALLOW,
	  .includes = { ARCHES(SCMP_ARCH_PPC64LE) } },
	{ .names = NAMES("arm_fadvise64_64", "arm_sync_file_range", "sync_file_range2",
			 "breakpoint", "cacheflush", "set_tls"),
	  .action = ALLOW, .includes = { ARCHES(SCMP_ARCH_ARM, SCMP_ARCH_AARCH64) } },
	{ .names = NAMES("arch_prctl"), .action = ALLOW,
	  .includes = { ARCHES(SCMP_ARCH_X86_64, SCMP_ARCH_X32) } },
	{ .names = NAMES("modify_ldt"), .action = ALLOW,
	  .includes = { ARCHES(SCMP_ARCH_X86_64, SCMP_ARCH_X32, SCMP_ARCH_X86) } },
	{ .names = NAMES("s390_pci_mmio_read", "s390_pci_mmio_write", "s390_runtime_instr"),
	  .action = ALLOW, .includes = { ARCHES(SCMP_ARCH_S390, SCMP_ARCH_S390X) } },
	{ .names = NAMES("riscv_flush_icache"), .action = ALLOW,
	  .includes = { ARCHES(SCMP_ARCH_RISCV64) } },
	{ .names = NAMES("open_by_handle_at"), .action = ALLOW,
	  .includes = { .caps = CAP(CAP_DAC_READ_SEARCH) } },
	{ .names = allow_sys_admin, .action = ALLOW, .includes = { .caps = CAP(CAP_SYS_ADMIN) } },
	/* Without CAP_SYS_ADMIN: clone only without namespace flags (s390 swaps
	 * the first two arguments), and clone3 reports ENOSYS because its flags
	 * sit behind a pointer seccomp cannot follow. */
	{ .names = NAMES("clone"), .action = ALLOW,
	  .args = { { .index = 0, .op = SCMP_CMP_MASKED_EQ, .value = CLONE_NS_FLAGS } },
	  .n_args = 1,
	  .excludes = { .caps = CAP(CAP_SYS_ADMIN), ARCHES(SCMP_ARCH_S390, SCMP_ARCH_S390X) } },
	{ .names = NAMES("clone"), .action = ALLOW,
	  .args = { { .index = 1, .op = SCMP_CMP_MASKED_EQ, .value = CLONE_NS_FLAGS } },
	  .n_args = 1, .includes = { ARCHES(SCMP_ARCH_S390, SCMP_ARCH_S390X) },
	  .excludes = { .caps = CAP(CAP_SYS_ADMIN) } },
	{ .names = NAMES("clone3"), .action = SCMP_ACT_ERRNO(ENOSYS),
	  .excludes = { .caps = CAP(CAP_SYS_ADMIN) } },
	{ .names = NAMES("reboot"), .action = ALLOW, .includes = { .caps = CAP(CAP_SYS_BOOT) } },
	{ .names = NAMES("chroot"), .action = ALLOW, .includes = { .caps = CAP(CAP_SYS_CHROOT) } },
	{ .names = NAMES("delete_module", "init_module", "finit_module"), .action = ALLOW,
	  .includes = { .caps = CAP(CAP_SYS_MODULE) } },
	{ .names = NAMES("acct"), .action = ALLOW, .includes = { .caps = CAP(CAP_SYS_PACCT) } },
	{ .names = NAMES("kcmp", "pidfd_getfd", "process_madvise", "process_vm_readv",
			 "process_vm_writev", "ptrace"),
	  .action = ALLOW, .includes = { .caps = CAP(CAP_SYS_PTRACE) } },
	{ .names = NAMES("iopl", "ioperm"), .action = ALLOW,
	  .includes = { .caps = CAP(CAP_SYS_RAWIO) } },
	{ .names = NAMES("settimeofday", "stime", "clock_settime", "clock_settime64"),
	  .action = ALLOW, .includes = { .caps = CAP(CAP_SYS_TIME) } },
	{ .names = NAMES("vhangup"), .action = ALLOW,
	  .includes = { .caps = CAP(CAP_SYS_TTY_CONFIG) } },
	{ .names = NAMES("get_mempolicy", "mbind", "set_mempolicy", "set_mempolicy_home_node"),
	  .action = ALLOW, .includes = { .caps = CAP(CAP_SYS_NICE) } },
	{ .names = NAMES("syslog"), .action = ALLOW, .includes = { .caps = CAP(CAP_SYSLOG) } },
	{ .names = NAMES("bpf"), .action = ALLOW, .includes = { .caps = CAP(CAP_BPF) } },
	{ .names = NAMES("perf_event_open"), .action = ALLOW,
	  .includes = { .caps = CAP(CAP_PERFMON) } },
};
/* clang-format on */

const struct sc_profile sc_default_profile = {
	.default_action = SCMP_ACT_ERRNO(EPERM),
	.rules = default_rules,
	.n_rules = ARRAY_SIZE(default_rules),
};
