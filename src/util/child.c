/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/child.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"

/* What the child writes first; its message or output follows. */
struct fork_reply {
	int32_t r;
	int32_t code;
};

int fork_call(fork_call_fn fn, void *arg, char **ret_out, struct taper_err *err)
{
	_cleanup_close_ int rd = -1;
	_cleanup_free_ char *buf = NULL;
	struct fork_reply reply;
	int p[2], status, r;
	size_t len = 0;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return taper_err_set(err, errno, "pipe");
	rd = p[0];
	pid = fork();
	if (pid < 0) {
		safe_close(p[1]);
		return taper_err_set(err, errno, "fork");
	}
	if (pid == 0) {
		struct taper_err cerr = { 0 };
		_cleanup_free_ char *out = NULL;
		const char *tail;

		r = fn(arg, ret_out ? &out : NULL, &cerr);
		reply = (struct fork_reply){ .r = r, .code = cerr.code };
		tail = r < 0 ? cerr.msg : out ? out : "";
		_exit(write_all(p[1], &reply, sizeof(reply)) < 0 || write_all(p[1], tail, strlen(tail)) < 0);
	}
	safe_close(p[1]);
	r = read_fd_all(rd, 64u << 20, &buf, &len);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return taper_err_set(err, errno, "wait for child %d", (int)pid);
	if (r < 0)
		return taper_err_set(err, r, "read from child %d", (int)pid);
	if (len < sizeof(reply) || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return taper_err_set(err, EIO, "child %d died", (int)pid);
	memcpy(&reply, buf, sizeof(reply));
	if (reply.r < 0) {
		if (buf[sizeof(reply)] && err) {
			err->code = reply.code > 0 ? reply.code : -reply.r;
			snprintf(err->msg, sizeof(err->msg), "%s", buf + sizeof(reply));
		}
		return reply.r;
	}
	if (ret_out && !(*ret_out = strdup(buf + sizeof(reply))))
		return taper_err_set(err, ENOMEM, "output of child %d", (int)pid);
	return reply.r;
}
