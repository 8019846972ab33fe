/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * launch.c — execute taper-monitor for a start (monitor.h).
 *
 * posix_spawn (glibc: clone(CLONE_VM|CLONE_VFORK), then only system calls
 * until the exec) is safe in a multi-threaded caller, where a fork
 * followed by the monitor's work would not be; and the monitor starts
 * from a clean image instead of keeping the caller's heap pages. The fds
 * it gets are dup'ed above 9 here first (close-on-exec), so that the
 * child's dup2 sequence cannot clobber a source with an earlier target.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "monitor/monitor.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/log.h"

#ifndef TAPER_MONITOR_PATH
#define TAPER_MONITOR_PATH "/usr/local/libexec/taper/taper-monitor"
#endif

extern char **environ;

/* $TAPER_MONITOR, taper-monitor beside /proc/self/exe, the installed one. */
static const char *monitor_program(char *buf, size_t n)
{
	const char *env = secure_getenv("TAPER_MONITOR");
	ssize_t len;
	char *slash;

	if (env && *env)
		return env;
	len = readlink("/proc/self/exe", buf, n - 1);
	if (len > 0) {
		buf[len] = '\0';
		slash = strrchr(buf, '/');
		if (slash && (size_t)(slash - buf) + sizeof("/taper-monitor") <= n) {
			strcpy(slash, "/taper-monitor");
			if (access(buf, X_OK) == 0)
				return buf;
		}
	}
	return TAPER_MONITOR_PATH;
}

static void close_all(int (*fds)[4])
{
	for (int i = 0; i < 4; i++)
		safe_close((*fds)[i]);
}

int monitor_launch(const char *store_path, const char *name, bool foreground, int console_in, int console_out,
		   int report_fd, pid_t *ret_pid, struct taper_err *err)
{
	_cleanup_(close_all) int src[4] = { -1, -1, -1, -1 }; /* what becomes fd 0-3 */
	_cleanup_close_ int null = -1;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	char buf[PATH_MAX];
	const char *prog = monitor_program(buf, sizeof(buf));
	char *argv[7];
	sigset_t none, all;
	int n = 0, r;

	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0)
		return taper_err_set(err, errno, "open /dev/null");
	src[0] = fcntl(foreground && console_in >= 0 ? console_in : null, F_DUPFD_CLOEXEC, 10);
	src[1] = fcntl(foreground && console_out >= 0 ? console_out : null, F_DUPFD_CLOEXEC, 10);
	/* Its warnings: the caller's stderr in the foreground, else none. */
	src[2] = foreground ? fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 10) : -1;
	if (src[2] < 0)
		src[2] = fcntl(null, F_DUPFD_CLOEXEC, 10);
	src[3] = fcntl(report_fd, F_DUPFD_CLOEXEC, 10);
	for (int i = 0; i < 4; i++)
		if (src[i] < 0)
			return taper_err_set(err, errno, "monitor fds");

	argv[n++] = (char *)"taper-monitor";
	if (foreground)
		argv[n++] = (char *)"--foreground";
	if (foreground && console_in >= 0)
		argv[n++] = (char *)"--input";
	if (taper_log_get_level() >= TAPER_LOG_DEBUG)
		argv[n++] = (char *)"--debug";
	argv[n++] = (char *)store_path;
	argv[n++] = (char *)name;
	argv[n] = NULL;

	if ((r = posix_spawn_file_actions_init(&fa)) != 0)
		return taper_err_set(err, r, "spawn %s", prog);
	if ((r = posix_spawnattr_init(&attr)) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return taper_err_set(err, r, "spawn %s", prog);
	}
	for (int i = 0; i < 4 && r == 0; i++)
		r = posix_spawn_file_actions_adddup2(&fa, src[i], i);
	/* Whatever the caller left without close-on-exec stays with it. */
	if (r == 0)
		r = posix_spawn_file_actions_addclosefrom_np(&fa, 4);
	/* Its own signal state, whatever the caller's thread has. */
	sigemptyset(&none);
	sigfillset(&all);
	if (r == 0)
		r = posix_spawnattr_setsigmask(&attr, &none);
	if (r == 0)
		r = posix_spawnattr_setsigdefault(&attr, &all);
	if (r == 0)
		r = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	if (r == 0)
		r = posix_spawn(ret_pid, prog, &fa, &attr, argv, environ);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	if (r != 0)
		return taper_err_set(err, r, "run the monitor %s", prog);
	log_debug("monitor %s: pid %d", prog, (int)*ret_pid);
	return 0;
}
