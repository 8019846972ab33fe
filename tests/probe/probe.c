/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * probe — a tiny static program copied into test rootfses. It performs one
 * system-level action per invocation and prints the result as one line, so
 * that the black-box tests can see what the container allows:
 *
 *   probe keyctl            "ok" or "errno N NAME"  (seccomp denies keyctl)
 *   probe fork N            forks up to N sleepers, prints how many forked
 *                           ("forked 9 errno 11" when a fork failed)
 *   probe open-write PATH   tries open(PATH, O_WRONLY): "ok" or "errno ..."
 *   probe fds               the open fds of the probe itself
 *   probe init-module       init_module(NULL, 0, ""): "errno 1 ..." without
 *                           CAP_SYS_MODULE, "errno 14 ..." (EFAULT) with it
 *   probe personality HEX   personality(HEX): "ok" or "errno ..."
 *   probe socket FAMILY     socket(FAMILY, SOCK_STREAM, 0)
 *   probe clone HEX         clone(HEX | SIGCHLD) of a child that exits at once
 *   probe clone3            clone3 with an empty clone_args (seccomp: ENOSYS)
 *   probe int80 NR          x86 syscall NR through int 0x80, arguments 0
 *                           (x86_64 only): "ok" or "errno ..."
 *   probe open-read PATH    open(PATH, O_RDONLY)
 *   probe write PATH DATA   open(PATH, O_WRONLY) and write DATA: "ok", or
 *                           "errno ..." of the first step that failed
 *   probe mount SRC DST TYPE [FLAGS_HEX [DATA]]   mount(2)
 *   probe finit-module      finit_module() of the probe's own file
 *   probe mknod PATH b|c MAJ MIN           mknod(2), mode 0600
 *   probe bpf               bpf(BPF_MAP_CREATE) of a one-entry array
 *   probe perf-cpu          perf_event_open of a software clock on CPU 0,
 *                           every process (system-wide)
 *   probe userfaultfd       userfaultfd(O_CLOEXEC)
 *   probe shocker           open_by_handle_at(/, handle of inode 2)
 *   probe chroot-escape PATH   chroot into a subdirectory, climb with "..",
 *                           chroot("."), then open(PATH): "ok" or "errno ..."
 *   probe ids               "ruid euid suid" and CapEff, after exec
 *   probe as UID GID PATH [ARGS...]   drop to UID:GID and exec PATH
 *   probe kill PID SIG      kill(PID, SIG): "ok" or "errno ..."
 *   probe io_uring          io_uring_setup(1, zeroed params): "ok" or "errno ..."
 *   probe ptrace PID        PTRACE_ATTACH (then detach)
 *   probe wait-stopped PID  waits until PID is in a stop state (T or t)
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

static int report(long r)
{
	if (r < 0)
		printf("errno %d %s\n", errno, strerror(errno));
	else
		printf("ok\n");
	return 0;
}

static int do_fork(int n)
{
	pid_t pids[4096];
	int ok = 0, fork_errno = 0;

	if (n > 4096)
		n = 4096;
	for (; ok < n; ok++) {
		pid_t p = fork();

		if (p < 0) {
			fork_errno = errno;
			break;
		}
		if (p == 0) {
			pause();
			_exit(0);
		}
		pids[ok] = p;
	}
	if (fork_errno)
		printf("forked %d errno %d\n", ok, fork_errno);
	else
		printf("forked %d\n", ok);
	fflush(stdout);
	for (int i = 0; i < ok; i++) {
		kill(pids[i], SIGKILL);
		waitpid(pids[i], NULL, 0);
	}
	return 0;
}

static int do_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int self;

	if (!d)
		return report(-1);
	self = dirfd(d);
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' && atoi(de->d_name) != self)
			printf("%s\n", de->d_name);
	closedir(d);
	return 0;
}

static int do_clone(unsigned long flags)
{
	long pid = syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, 0UL);

	if (pid == 0)
		_exit(0);
	if (pid > 0)
		waitpid((pid_t)pid, NULL, 0);
	return report(pid);
}

static int do_int80(long nr)
{
#if defined(__x86_64__)
	long r;

	__asm__ volatile("int $0x80" : "=a"(r) : "a"(nr), "b"(0L), "c"(0L), "d"(0L) : "memory");
	if (r < 0 && r > -4096) {
		errno = (int)-r;
		r = -1;
	}
	return report(r);
#else
	(void)nr;
	printf("unsupported\n");
	return 0;
#endif
}

static int do_write(const char *path, const char *data)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return report(-1);
	if (write(fd, data, strlen(data)) < 0)
		return report(-1);
	return report(close(fd));
}

static int do_mknod(const char *path, const char *type, const char *maj, const char *min)
{
	mode_t kind = type[0] == 'b' ? S_IFBLK : S_IFCHR;

	return report(mknod(path, kind | 0600, makedev(atoi(maj), atoi(min))));
}

static int do_bpf(void)
{
	/* union bpf_attr for BPF_MAP_CREATE: type, key size, value size, entries. */
	unsigned int attr[32] = { 2 /* BPF_MAP_TYPE_ARRAY */, 4, 4, 1 };

	return report(syscall(SYS_bpf, 0 /* BPF_MAP_CREATE */, attr, sizeof(attr)));
}

static int do_perf_cpu(void)
{
	/* struct perf_event_attr (PERF_ATTR_SIZE_VER0): PERF_TYPE_SOFTWARE,
	 * PERF_COUNT_SW_CPU_CLOCK; pid -1 and cpu 0 is every process on CPU 0. */
	unsigned int attr[16] = { 1 /* type */, 64 /* size */, 0 /* config */ };

	return report(syscall(SYS_perf_event_open, attr, -1, 0, -1, 0UL));
}

static int do_shocker(void)
{
	/* struct file_handle: bytes, type, then FILEID_INO32_GEN (ino, gen). */
	struct {
		unsigned int bytes;
		int type;
		unsigned int ino, gen;
	} h = { 8, 1, 2, 0 };
	int root = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	return report(syscall(SYS_open_by_handle_at, root, &h, O_RDONLY));
}

static int do_chroot_escape(const char *path)
{
	(void)mkdir("/tmp/.probe-jail", 0700);
	if (chroot("/tmp/.probe-jail") < 0)
		return report(-1);
	/* The cwd stayed outside the new root: ".." is not stopped by it. */
	for (int i = 0; i < 64; i++)
		if (chdir("..") < 0)
			return report(-1);
	if (chroot(".") < 0)
		return report(-1);
	return report(open(path, O_RDONLY | O_CLOEXEC));
}

static int do_ids(void)
{
	char line[256];
	uid_t r, e, s;
	FILE *f = fopen("/proc/self/status", "re");

	getresuid(&r, &e, &s);
	printf("%u %u %u", (unsigned)r, (unsigned)e, (unsigned)s);
	/* The CapEff line brings its own newline. */
	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, "CapEff:", 7) == 0)
			printf(" %s", line + 7 + strspn(line + 7, "\t "));
	if (f)
		fclose(f);
	return 0;
}

static int do_as(char **argv)
{
	gid_t g = (gid_t)atoi(argv[1]);
	uid_t u = (uid_t)atoi(argv[0]);

	if (setgroups(0, NULL) < 0 || setresgid(g, g, g) < 0 || setresuid(u, u, u) < 0)
		return report(-1);
	execv(argv[2], argv + 2);
	return report(-1);
}

static int do_ptrace(pid_t pid)
{
	long r = ptrace(PTRACE_ATTACH, pid, NULL, NULL);

	if (r == 0) {
		waitpid(pid, NULL, __WALL);
		ptrace(PTRACE_DETACH, pid, NULL, NULL);
	}
	return report(r);
}

static int do_wait_stopped(const char *pid)
{
	char path[64], buf[512];

	snprintf(path, sizeof(path), "/proc/%s/stat", pid);
	for (;;) {
		FILE *f = fopen(path, "re");
		char *p;

		if (!f)
			return report(-1);
		p = fgets(buf, sizeof(buf), f) ? strrchr(buf, ')') : NULL;
		fclose(f);
		if (p && (p[2] == 'T' || p[2] == 't')) {
			printf("stopped\n");
			return 0;
		}
		usleep(10000);
	}
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "keyctl") == 0)
		/* KEYCTL_GET_KEYRING_ID of the session keyring, create=0. */
		return report(syscall(SYS_keyctl, 0, -3, 0));
	if (argc >= 3 && strcmp(argv[1], "fork") == 0)
		return do_fork(atoi(argv[2]));
	if (argc >= 3 && strcmp(argv[1], "open-write") == 0)
		return report(open(argv[2], O_WRONLY | O_CLOEXEC));
	if (argc >= 2 && strcmp(argv[1], "fds") == 0)
		return do_fds();
	if (argc >= 2 && strcmp(argv[1], "init-module") == 0)
		return report(syscall(SYS_init_module, NULL, 0UL, ""));
	if (argc >= 3 && strcmp(argv[1], "personality") == 0)
		return report(syscall(SYS_personality, strtoul(argv[2], NULL, 16)));
	if (argc >= 3 && strcmp(argv[1], "socket") == 0)
		return report(syscall(SYS_socket, atoi(argv[2]), 1 /* SOCK_STREAM */, 0));
	if (argc >= 3 && strcmp(argv[1], "clone") == 0)
		return do_clone(strtoul(argv[2], NULL, 16));
	if (argc >= 2 && strcmp(argv[1], "clone3") == 0) {
		unsigned long args[11] = { 0 }; /* struct clone_args, CLONE_ARGS_SIZE_VER2 */

		long pid;

		args[4] = SIGCHLD; /* exit_signal */
		pid = syscall(SYS_clone3, args, sizeof(args));
		if (pid == 0)
			_exit(0);
		if (pid > 0)
			waitpid((pid_t)pid, NULL, 0);
		return report(pid);
	}
	if (argc >= 3 && strcmp(argv[1], "int80") == 0)
		return do_int80(atol(argv[2]));
	if (argc >= 4 && strcmp(argv[1], "kill") == 0)
		return report(kill(atoi(argv[2]), atoi(argv[3])));
	if (argc >= 2 && strcmp(argv[1], "io_uring") == 0) {
		unsigned char params[120] = { 0 }; /* struct io_uring_params */
		long fd = syscall(425 /* __NR_io_uring_setup, every arch but alpha */, 1, params);

		if (fd >= 0)
			close((int)fd);
		return report(fd);
	}
	if (argc >= 3 && strcmp(argv[1], "open-read") == 0)
		return report(open(argv[2], O_RDONLY | O_CLOEXEC));
	if (argc >= 4 && strcmp(argv[1], "write") == 0)
		return do_write(argv[2], argv[3]);
	if (argc >= 5 && strcmp(argv[1], "mount") == 0)
		return report(mount(argv[2], argv[3], argv[4], argc > 5 ? strtoul(argv[5], NULL, 16) : 0,
				    argc > 6 ? argv[6] : NULL));
	if (argc >= 2 && strcmp(argv[1], "finit-module") == 0)
		return report(syscall(SYS_finit_module, open("/proc/self/exe", O_RDONLY | O_CLOEXEC), "", 0));
	if (argc >= 6 && strcmp(argv[1], "mknod") == 0)
		return do_mknod(argv[2], argv[3], argv[4], argv[5]);
	if (argc >= 2 && strcmp(argv[1], "bpf") == 0)
		return do_bpf();
	if (argc >= 2 && strcmp(argv[1], "perf-cpu") == 0)
		return do_perf_cpu();
	if (argc >= 2 && strcmp(argv[1], "userfaultfd") == 0)
		return report(syscall(SYS_userfaultfd, O_CLOEXEC));
	if (argc >= 2 && strcmp(argv[1], "shocker") == 0)
		return do_shocker();
	if (argc >= 3 && strcmp(argv[1], "chroot-escape") == 0)
		return do_chroot_escape(argv[2]);
	if (argc >= 2 && strcmp(argv[1], "ids") == 0)
		return do_ids();
	if (argc >= 5 && strcmp(argv[1], "as") == 0)
		return do_as(argv + 2);
	if (argc >= 3 && strcmp(argv[1], "ptrace") == 0)
		return do_ptrace(atoi(argv[2]));
	if (argc >= 3 && strcmp(argv[1], "wait-stopped") == 0)
		return do_wait_stopped(argv[2]);
	fprintf(stderr, "usage: probe keyctl|fork N|open-write PATH|fds|init-module|personality HEX|"
			"socket FAMILY|clone HEX|clone3|int80 NR|open-read PATH|write PATH DATA|"
			"mount SRC DST TYPE [FLAGS [DATA]]|finit-module|mknod PATH b|c MAJ MIN|bpf|perf-cpu|"
			"userfaultfd|shocker|chroot-escape PATH|ids|as UID GID PATH [ARGS]|ptrace PID|"
			"wait-stopped PID|kill PID SIG|io_uring\n");
	return 2;
}
