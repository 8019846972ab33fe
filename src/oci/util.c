/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * util.c — taper-oci's messages (stderr and --log, as text or runc's JSON
 * lines), the console socket, pid files, signal names.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "oci/oci.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"

static void log_line(const struct oci_global *g, const char *level, const char *msg)
{
	_cleanup_close_ int fd = -1;
	char line[TAPER_ERR_MSG_MAX + 128], when[40];
	struct timespec ts;
	struct tm tm;

	if (!g->log)
		return;
	fd = open(g->log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (g->log_json) {
		json_t *o = json_pack("{s:s, s:s, s:s}", "level", level, "msg", msg, "time", when);
		_cleanup_free_ char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;

		json_decref(o);
		if (!s)
			return;
		snprintf(line, sizeof(line), "%s\n", s);
	} else {
		snprintf(line, sizeof(line), "time=\"%s\" level=%s msg=\"%s\"\n", when, level, msg);
	}
	(void)write_all(fd, line, strlen(line));
}

/* "taper-oci: [what: ]MSG" on stderr, and the --log line at level. */
__attribute__((format(printf, 4, 0))) static void say(const struct oci_global *g, const char *level,
						      const char *what, const char *fmt, va_list ap)
{
	char msg[TAPER_ERR_MSG_MAX];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	fprintf(stderr, "taper-oci: %s%s\n", what, msg);
	log_line(g, level, msg);
}

int oci_error(const struct oci_global *g, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(g, "error", "", fmt, ap);
	va_end(ap);
	return 1;
}

void oci_warn(const struct oci_global *g, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(g, "warning", "warning: ", fmt, ap);
	va_end(ap);
}

int oci_error_err(const struct oci_global *g, const struct taper_err *err)
{
	return oci_error(g, "%s", err->msg[0] ? err->msg : "unknown error");
}

void oci_debug(const struct oci_global *g, const char *fmt, ...)
{
	char msg[TAPER_ERR_MSG_MAX];
	va_list ap;

	if (!g->debug)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "taper-oci: debug: %s\n", msg);
	log_line(g, "debug", msg);
}

int oci_send_console(const char *path, int fd, struct taper_err *err)
{
	_cleanup_close_ int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char name[] = "/dev/ptmx";
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u = { 0 };
	struct iovec iov = { .iov_base = name, .iov_len = sizeof(name) - 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf)
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

	if (sock < 0)
		return err_set(err, errno, "console socket %s", path);
	if (strlen(path) >= sizeof(addr.sun_path))
		return err_set(err, ENAMETOOLONG, "console socket %s", path);
	strcpy(addr.sun_path, path);
	if (connect(sock, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return err_set(err, errno, "console socket %s", path);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	if (sendmsg(sock, &msg, MSG_NOSIGNAL) < 0)
		return err_set(err, errno, "console socket %s: send the pty", path);
	return 0;
}

int oci_write_pid_file(const char *path, pid_t pid, struct taper_err *err)
{
	_cleanup_free_ char *dir = strdup(path);
	char *slash, text[24];
	_cleanup_close_ int dfd = -1;
	int r;

	if (!dir)
		return err_set(err, ENOMEM, "pid file %s", path);
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	dfd = open(slash ? (*dir ? dir : "/") : ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return err_set(err, errno, "pid file %s", path);
	/* runc writes the number without a newline; conmon reads it so. */
	snprintf(text, sizeof(text), "%d", (int)pid);
	r = write_file_replace_at(dfd, slash ? slash + 1 : path, text, strlen(text), 0644);
	return r < 0 ? err_set(err, r, "pid file %s", path) : 0;
}

void oci_relay_pty(int master)
{
	bool in_open = true;
	char buf[4096];

	for (;;) {
		struct pollfd p[2] = { { .fd = master, .events = POLLIN },
				       { .fd = in_open ? 0 : -1, .events = POLLIN } };
		ssize_t n;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			n = read(master, buf, sizeof(buf));
			if (n <= 0)
				return;
			if (write_all(1, buf, (size_t)n) < 0)
				return;
		}
		if (p[1].revents & (POLLIN | POLLHUP)) {
			n = read(0, buf, sizeof(buf));
			if (n <= 0)
				in_open = false;
			else
				(void)write_all(master, buf, (size_t)n);
		}
	}
}

int oci_parse_signal(const char *s)
{
	char *end;
	long n;

	if (!s || !*s)
		return -EINVAL;
	n = strtol(s, &end, 10);
	if (!*end)
		return n > 0 && n < NSIG ? (int)n : -EINVAL;
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (int sig = 1; sig < NSIG; sig++) {
		const char *name = sigabbrev_np(sig);

		if (name && strcasecmp(name, s) == 0)
			return sig;
	}
	return -EINVAL;
}
