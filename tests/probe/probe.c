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
 *   probe kill PID SIG      kill(PID, SIG): "ok" or "errno ..."
 *   probe ptrace PID        PTRACE_SEIZE of PID (then detach): "ok" or "errno ..."
 *   probe io_uring          io_uring_setup(1, zeroed params): "ok" or "errno ..."
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
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
	if (argc >= 3 && strcmp(argv[1], "ptrace") == 0) {
		long r = ptrace(PTRACE_SEIZE, atoi(argv[2]), NULL, NULL);

		if (r == 0)
			ptrace(PTRACE_DETACH, atoi(argv[2]), NULL, NULL);
		return report(r);
	}
	if (argc >= 2 && strcmp(argv[1], "io_uring") == 0) {
		unsigned char params[120] = { 0 }; /* struct io_uring_params */
		long fd = syscall(425 /* __NR_io_uring_setup, every arch but alpha */, 1, params);

		if (fd >= 0)
			close((int)fd);
		return report(fd);
	}
	fprintf(stderr, "usage: probe keyctl|fork N|open-write PATH|fds|init-module|personality HEX|"
			"socket FAMILY|clone HEX|clone3|int80 NR|kill PID SIG|ptrace PID|io_uring\n");
	return 2;
}
