/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hooks.c — run a phase's OCI hooks (see hooks.h).
 *
 * The state goes in a memfd rather than a pipe: a hook that never reads
 * its stdin cannot block us on a full pipe, none gets SIGPIPE'd state, and
 * the timeout needs to watch one thing only, the hook's pidfd. An exec
 * failure comes back over a CLOEXEC pipe as its errno, so that "no such
 * file" is told from a hook that exits 127.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "run/hooks.h"
#include "util/cleanup.h"
#include "util/err.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

static const char *const phase_names[TAPER_HOOK_COUNT] = {
	[TAPER_HOOK_PRESTART] = "prestart",
	[TAPER_HOOK_CREATE_RUNTIME] = "createRuntime",
	[TAPER_HOOK_CREATE_CONTAINER] = "createContainer",
	[TAPER_HOOK_START_CONTAINER] = "startContainer",
	[TAPER_HOOK_POSTSTART] = "poststart",
	[TAPER_HOOK_POSTSTOP] = "poststop",
};

const char *hooks_phase_name(enum taper_hook_phase phase)
{
	return (unsigned)phase < TAPER_HOOK_COUNT ? phase_names[phase] : "?";
}

int hooks_state_body(const struct taper_spec *spec, char **ret)
{
	json_t *o = json_object(), *ann = json_object();
	char *text = NULL;

	*ret = NULL;
	if (o && ann) {
		for (char **a = spec->annotations; a && *a; a++) {
			char *eq = strchr(*a, '=');
			char key[256];

			if (!eq || (size_t)(eq - *a) >= sizeof(key))
				continue;
			snprintf(key, sizeof(key), "%.*s", (int)(eq - *a), *a);
			json_object_set_new(ann, key, json_string(eq + 1));
		}
		json_object_set_new(o, "ociVersion", json_string("1.1.0"));
		json_object_set_new(o, "id", json_string(spec->name ? spec->name : ""));
		json_object_set_new(o, "bundle", json_string(spec->bundle ? spec->bundle : ""));
		json_object_set_new(o, "annotations", ann);
		ann = NULL;
		text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	}
	json_decref(ann);
	json_decref(o);
	if (!text || strlen(text) < 2)
		return free(text), -ENOMEM;
	/* The members alone: hooks_run() closes the object. */
	memmove(text, text + 1, strlen(text) - 1);
	text[strlen(text) - 2] = '\0';
	*ret = text;
	return 0;
}

static int write_all(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t w = write(fd, s, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

static int state_fd(const char *body, const char *status, pid_t pid, struct taper_err *err)
{
	_cleanup_close_ int fd = memfd_create("oci-state", MFD_CLOEXEC);
	char tail[96];
	int r;

	if (fd < 0)
		return err_set(err, errno, "hook state");
	snprintf(tail, sizeof(tail), ",\"status\":\"%s\",\"pid\":%d}", status, (int)pid);
	if ((r = write_all(fd, "{", 1)) < 0 || (r = write_all(fd, body, strlen(body))) < 0 ||
	    (r = write_all(fd, tail, strlen(tail))) < 0)
		return err_set(err, r, "hook state");
	return TAKE_FD(fd);
}

_Noreturn static void hook_exec(const struct taper_hook *h, int state, int report)
{
	char *const path_only[] = { h->path, NULL };
	char *const no_env[] = { NULL };
	struct sigaction sa;
	sigset_t none;
	int e;

	/* A group of its own, so that the timeout ends what it started too. */
	(void)setpgid(0, 0);
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	for (int sig = 1; sig < NSIG; sig++)
		if (sigaction(sig, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN) {
			sa.sa_handler = SIG_DFL;
			(void)sigaction(sig, &sa, NULL);
		}
	if (state == 0 ? fcntl(0, F_SETFD, 0) < 0 : dup2(state, 0) < 0)
		goto fail;
	(void)lseek(0, 0, SEEK_SET);
	/* Nothing of ours but 0, 1, 2 (and the report pipe, until exec). */
	if (syscall(SYS_close_range, 3u, ~0u, CLOSE_RANGE_CLOEXEC) < 0)
		for (int fd = 3; fd < 1024; fd++)
			if (fd != report)
				(void)close(fd);
	execve(h->path, h->args && h->args[0] ? h->args : path_only, h->env ? h->env : no_env);
fail:
	e = errno;
	(void)!write(report, &e, sizeof(e));
	_exit(127);
}

/* A fork-like child with a pidfd. */
static pid_t clone_pidfd(int *ret_pidfd)
{
	struct clone_args args = {
		.flags = CLONE_PIDFD,
		.pidfd = (uint64_t)(uintptr_t)ret_pidfd,
		.exit_signal = SIGCHLD,
	};
	long pid = syscall(SYS_clone3, &args, sizeof(args));

	if (pid < 0 && errno == ENOSYS) {
		pid = syscall(SYS_clone, (unsigned long)SIGCHLD, 0, 0, 0, 0);
		if (pid > 0 && (*ret_pidfd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0)) < 0) {
			(void)kill((pid_t)pid, SIGKILL);
			(void)waitpid((pid_t)pid, NULL, 0);
			return -1;
		}
	}
	return (pid_t)pid;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for the hook's end, killing it when its timeout passes: 1 when it
 * was killed for that. */
static int await_hook(pid_t pid, int pidfd, unsigned timeout, siginfo_t *si)
{
	int64_t end = now_ms() + (int64_t)timeout * 1000;
	bool killed = false;

	while (timeout) {
		int64_t left = end - now_ms();
		struct pollfd p = { .fd = pidfd, .events = POLLIN };
		int n = left > 0 ? poll(&p, 1, left > INT32_MAX ? INT32_MAX : (int)left) : 0;

		if (n > 0 || (n < 0 && errno != EINTR))
			break;
		if (n == 0) {
			/* The group first: its leader is ours to reap, so its
			 * pgid cannot have been reused yet. */
			(void)kill(-pid, SIGKILL);
			(void)syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
			killed = true;
			break;
		}
	}
	for (;;) {
		memset(si, 0, sizeof(*si));
		if (waitid(P_PIDFD, (id_t)pidfd, si, WEXITED) == 0)
			return killed;
		if (errno != EINTR)
			return -errno;
	}
}

static int run_one(const struct taper_hook *h, int state, const char *what, struct taper_err *err)
{
	_cleanup_close_ int pidfd = -1, rd = -1, wr = -1;
	int fds[2], e = 0, r;
	siginfo_t si;
	ssize_t n;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return err_set(err, errno, "%s", what);
	rd = fds[0];
	wr = fds[1];
	pid = clone_pidfd(&pidfd);
	if (pid < 0)
		return err_set(err, errno, "%s: clone", what);
	if (pid == 0)
		hook_exec(h, state, wr);
	wr = safe_close(wr);
	do
		n = read(rd, &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	r = await_hook(pid, pidfd, h->timeout, &si);
	if (r < 0)
		return err_set(err, -r, "%s: wait", what);
	if (n == sizeof(e))
		return err_set(err, e, "%s: exec", what);
	if (r == 1)
		return err_set(err, ETIMEDOUT, "%s: killed after its timeout of %u s", what, h->timeout);
	if (si.si_code == CLD_EXITED && si.si_status == 0)
		return 0;
	if (si.si_code == CLD_EXITED)
		return err_set(err, 0, "%s: exited with status %d", what, si.si_status);
	return err_set(err, 0, "%s: killed by signal %d", what, si.si_status);
}

int hooks_run(const struct taper_spec *spec, enum taper_hook_phase phase, const char *body,
	      const char *status, pid_t pid, bool all, struct taper_err *err)
{
	_cleanup_close_ int state = -1;
	int first = 0;

	if ((unsigned)phase >= TAPER_HOOK_COUNT || !spec->n_hooks[phase])
		return 0;
	if ((state = state_fd(body ? body : "\"ociVersion\":\"1.1.0\"", status, pid, err)) < 0)
		return state;
	for (size_t i = 0; i < spec->n_hooks[phase]; i++) {
		const struct taper_hook *h = &spec->hooks[phase][i];
		char what[4200];
		int r;

		snprintf(what, sizeof(what), "%s hook %zu (%s)", phase_names[phase], i, h->path);
		if (lseek(state, 0, SEEK_SET) < 0)
			return err_set(err, errno, "%s", what);
		r = run_one(h, state, what, first < 0 ? NULL : err);
		if (r < 0 && !all)
			return r;
		if (r < 0 && first == 0)
			first = r;
	}
	return first;
}
