/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * floor.c — the least a container start can do, as the floor row of
 * bench/table.py: clone into new mount, pid, uts, ipc and cgroup
 * namespaces (and a network one unless -N), bind the rootfs onto itself,
 * pivot_root into it, detach the old root, mount a fresh /proc and exec.
 * With -m BYTES the child is first put into a new v1 memory cgroup with
 * that limit (removed after the exit), the cost a runtime pays to honour
 * a memory limit on this kind of host. Nothing else: no /dev, no
 * capability or seccomp step, no user namespace, no error text worth the
 * name. Exits with the command's status.
 *
 * Usage: floor [-N] [-m BYTES] ROOTFS CMD [ARG...]
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define MEMCG "/sys/fs/cgroup/memory/taper-bench-floor"

static char stack[64 * 1024] __attribute__((aligned(16)));
static char *const *cmd;
static const char *rootfs;
static int go[2];

static int child(void *arg)
{
	char b;

	(void)arg;
	if (read(go[0], &b, 1) != 1)
		_exit(126);
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL) < 0 || chdir(rootfs) < 0 ||
	    syscall(SYS_pivot_root, ".", ".") < 0 || umount2(".", MNT_DETACH) < 0 || chdir("/") < 0 ||
	    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
		perror("floor: setup");
		_exit(126);
	}
	execv(cmd[0], cmd);
	perror("floor: exec");
	_exit(127);
}

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : write(fd, s, strlen(s));

	if (fd >= 0)
		close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

int main(int argc, char **argv)
{
	int flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWCGROUP | CLONE_NEWNET;
	char group[128] = "", path[192], num[32];
	const char *limit = NULL;
	int opt, status;
	pid_t pid;

	while ((opt = getopt(argc, argv, "+Nm:")) != -1) {
		if (opt == 'N')
			flags &= ~CLONE_NEWNET;
		else if (opt == 'm')
			limit = optarg;
		else
			return 2;
	}
	if (argc - optind < 2) {
		fprintf(stderr, "usage: floor [-N] [-m BYTES] ROOTFS CMD [ARG...]\n");
		return 2;
	}
	rootfs = argv[optind];
	cmd = argv + optind + 1;
	if (pipe2(go, O_CLOEXEC) < 0)
		return 1;
	pid = clone(child, stack + sizeof(stack), flags | SIGCHLD, NULL);
	if (pid < 0) {
		perror("floor: clone");
		return 1;
	}
	if (limit) {
		snprintf(group, sizeof(group), MEMCG "/%d", (int)pid);
		snprintf(path, sizeof(path), "%s/memory.limit_in_bytes", group);
		snprintf(num, sizeof(num), "%d", (int)pid);
		(void)mkdir(MEMCG, 0755);
		if (mkdir(group, 0755) < 0 || write_str(path, limit) < 0 ||
		    (snprintf(path, sizeof(path), "%s/cgroup.procs", group), write_str(path, num)) < 0) {
			perror("floor: memory cgroup");
			kill(pid, SIGKILL);
		}
	}
	if (write(go[1], "x", 1) != 1)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0)
		;
	if (group[0])
		(void)rmdir(group);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
