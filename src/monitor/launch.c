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
#include "security/security.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/log.h"

#ifndef TAPER_MONITOR_PATH
#define TAPER_MONITOR_PATH "/usr/local/libexec/taper/taper-monitor"
#endif

extern char **environ;

/* name in the directory of path, into buf; false when there is none (or
 * path has no directory). */
static bool beside(const char *path, const char *name, char *buf, size_t n)
{
	const char *slash = strrchr(path, '/');
	size_t dir = slash ? (size_t)(slash - path) : 0;

	if (!slash || dir + 1 + strlen(name) + 1 > n)
		return false;
	memcpy(buf, path, dir);
	buf[dir] = '/';
	strcpy(buf + dir + 1, name);
	return access(buf, X_OK) == 0;
}

/* A verb that re-executed itself from a sealed memfd has no directory
 * left in /proc/self/exe: then the path it was started by tells. */
const char *monitor_program_path(const char *env, const char *name, const char *installed, char *buf,
				 size_t n)
{
	const char *val = secure_getenv(env);
	char exe[PATH_MAX];
	ssize_t len;

	if (val && *val)
		return val;
	len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (len > 0) {
		exe[len] = '\0';
		if (beside(exe, name, buf, n))
			return buf;
	}
	if (beside(program_invocation_name, name, buf, n))
		return buf;
	return installed;
}

static void close_all(int (*fds)[4])
{
	for (int i = 0; i < 4; i++)
		safe_close((*fds)[i]);
}

int monitor_launch(const char *store_path, const char *name, const struct monitor_launch_opts *o,
		   int report_fd, pid_t *ret_pid, struct taper_err *err)
{
	_cleanup_(close_all) int src[4] = { -1, -1, -1, -1 }; /* what becomes fd 0-3 */
	_cleanup_free_ char **argv = NULL;
	_cleanup_close_ int null = -1, sealed = -1;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	char buf[PATH_MAX];
	const char *prog =
		monitor_program_path("TAPER_MONITOR", "taper-monitor", TAPER_MONITOR_PATH, buf, sizeof(buf));
	size_t n = 0, n_cmd = 0;
	sigset_t none, all;
	int r;

	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0)
		return err_set(err, errno, "open /dev/null");
	if (o->foreground && o->argv) {
		/* The command's stdio, given or the caller's own. */
		for (int i = 0; i < 3; i++)
			src[i] = fcntl(o->stdio && o->stdio[i] >= 0 ? o->stdio[i] : i, F_DUPFD_CLOEXEC, 10);
	} else {
		src[0] = fcntl(o->foreground && o->console_in >= 0 ? o->console_in : null, F_DUPFD_CLOEXEC,
			       10);
		src[1] = fcntl(o->foreground && o->console_out >= 0 ? o->console_out : null, F_DUPFD_CLOEXEC,
			       10);
		/* Its warnings: the caller's stderr in the foreground, else none. */
		src[2] = o->foreground ? fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 10) : -1;
	}
	if (src[2] < 0)
		src[2] = fcntl(null, F_DUPFD_CLOEXEC, 10);
	src[3] = fcntl(report_fd, F_DUPFD_CLOEXEC, 10);
	for (int i = 0; i < 4; i++)
		if (src[i] < 0)
			return err_set(err, errno, "monitor fds");

	while (o->foreground && o->argv && o->argv[n_cmd])
		n_cmd++;
	argv = calloc(9 + n_cmd, sizeof(*argv));
	if (!argv)
		return err_set(err, ENOMEM, "monitor arguments");
	/* The path, not the name: taper-monitor finds taper-supervise beside
	 * it, even when executed from a sealed copy. */
	argv[n++] = (char *)prog;
	if (o->foreground)
		argv[n++] = (char *)"--foreground";
	if (o->foreground && !o->argv && o->console_in >= 0)
		argv[n++] = (char *)"--input";
	if (log_get_level() >= TAPER_LOG_DEBUG)
		argv[n++] = (char *)"--debug";
	argv[n++] = (char *)store_path;
	argv[n++] = (char *)name;
	if (n_cmd) {
		argv[n++] = (char *)"--";
		for (size_t i = 0; i < n_cmd; i++)
			argv[n++] = o->argv[i];
	}
	argv[n] = NULL;

	/* A command given: the built-in init runs monitor code as pid 1 of
	 * the container for as long as the command does, so it comes from a
	 * sealed copy (CVE-2019-5736), as the init of `taper run` does. It
	 * is the monitor's fd 4 until the exec, which names it. */
	if (n_cmd) {
		sealed = exe_sealed_copy(prog, err);
		if (sealed < 0)
			return sealed;
	}
	if ((r = posix_spawn_file_actions_init(&fa)) != 0)
		return err_set(err, r, "spawn %s", prog);
	if ((r = posix_spawnattr_init(&attr)) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return err_set(err, r, "spawn %s", prog);
	}
	for (int i = 0; i < 4 && r == 0; i++)
		r = posix_spawn_file_actions_adddup2(&fa, src[i], i);
	if (r == 0 && sealed >= 0)
		r = posix_spawn_file_actions_adddup2(&fa, sealed, 4);
	/* Whatever the caller left without close-on-exec stays with it. */
	if (r == 0)
		r = posix_spawn_file_actions_addclosefrom_np(&fa, sealed >= 0 ? 5 : 4);
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
		r = posix_spawn(ret_pid, sealed >= 0 ? "/proc/self/fd/4" : prog, &fa, &attr, argv, environ);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	if (r != 0)
		return err_set(err, r, "run the monitor %s", prog);
	log_debug("monitor %s: pid %d", prog, (int)*ret_pid);
	return 0;
}
