/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/child.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/time.h"

/* What a report may hold in all: a command's output, not a stream. */
#define REPORT_MAX (64u << 20)

/* --- the records --- */

/* text with its line ends turned into blanks: a record is one line. */
static void one_line(char *dst, size_t n, const char *text)
{
	snprintf(dst, n, "%s", text ? text : "");
	for (char *p = dst; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
}

int child_report_progress(int fd, const char *stage, uint64_t done, uint64_t total)
{
	char line[TAPER_ERR_MSG_MAX + 64], s[TAPER_ERR_MSG_MAX];
	int n;

	one_line(s, sizeof(s), stage);
	n = snprintf(line, sizeof(line), "P %" PRIu64 " %" PRIu64 " %s\n", done, total, s);
	return write_all(fd, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

int child_report_output(int fd, const char *data, size_t len)
{
	char head[32];
	int n = snprintf(head, sizeof(head), "D %zu\n", len);
	int r = write_all(fd, head, (size_t)n);

	return r < 0 ? r : write_all(fd, data, len);
}

int child_report_result(int fd, int r, const struct taper_err *err)
{
	char line[TAPER_ERR_MSG_MAX + 32], msg[TAPER_ERR_MSG_MAX];
	int n;

	if (r >= 0)
		return write_all(fd, "OK\n", 3);
	one_line(msg, sizeof(msg), err ? err->msg : "");
	n = snprintf(line, sizeof(line), "ERR %d %s\n", -r, msg);
	if (n >= (int)sizeof(line)) {
		n = (int)sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	return write_all(fd, line, (size_t)n);
}

/* One result line s[0, n) (no '\n'): true when it is one. */
static bool decode_line(const char *s, size_t n, int *ret_r, struct taper_err *err)
{
	char num[16];
	size_t i = 4, d;
	long code;

	if (n == 2 && memcmp(s, "OK", 2) == 0) {
		*ret_r = 0;
		return true;
	}
	if (n < 5 || memcmp(s, "ERR ", 4) != 0)
		return false;
	for (d = 0; i < n && s[i] >= '0' && s[i] <= '9' && d < sizeof(num) - 1; i++)
		num[d++] = s[i];
	num[d] = '\0';
	if (!d || (i < n && s[i] != ' '))
		return false;
	code = strtol(num, NULL, 10);
	if (code <= 0 || code > 4095)
		code = EINVAL;
	if (i < n)
		i++;
	if (i < n && err) {
		size_t m = n - i < sizeof(err->msg) - 1 ? n - i : sizeof(err->msg) - 1;

		err->code = (int)code;
		memcpy(err->msg, s + i, m);
		err->msg[m] = '\0';
	}
	*ret_r = -(int)code;
	return true;
}

bool child_report_decode(const char *text, size_t len, int *ret_r, struct taper_err *err)
{
	const char *nl = memchr(text, '\n', len);

	return nl && decode_line(text, (size_t)(nl - text), ret_r, err);
}

/* --- the parent's side --- */

struct report {
	const struct child_opts *o;
	char *buf;
	size_t len, cap, off;
	char *out;
	bool done, bad;
	int r;
};

/* Act on every whole record past r->off. */
static void consume(struct report *r, struct taper_err *err)
{
	while (!r->done) {
		char *s = r->buf + r->off, *nl = memchr(s, '\n', r->len - r->off), *end;
		size_t n;

		if (!nl)
			return;
		*nl = '\0';
		n = (size_t)(nl - s);
		if (s[0] == 'P' && s[1] == ' ') {
			unsigned long long done = strtoull(s + 2, &end, 10), total = 0;

			if (*end == ' ')
				total = strtoull(end + 1, &end, 10);
			if (*end == ' ')
				end++;
			if (r->o->progress)
				r->o->progress(r->o->data, end, done, total);
		} else if (s[0] == 'D' && s[1] == ' ') {
			unsigned long long m = strtoull(s + 2, &end, 10);

			if (*end || end == s + 2) {
				r->bad = r->done = true;
				return;
			}
			if (m > r->len - r->off - n - 1) {
				*nl = '\n';
				return; /* the rest is still on its way */
			}
			free(r->out);
			if (!(r->out = strndup(nl + 1, (size_t)m)))
				r->bad = r->done = true;
			r->off += (size_t)m;
		} else {
			r->done = true;
			r->bad = !decode_line(s, n, &r->r, err);
		}
		r->off += n + 1;
	}
}

static bool cancelled(const struct child_opts *o)
{
	return o->cancel && *o->cancel;
}

static void kill_and_reap(pid_t pid)
{
	(void)kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

/* Read the report until its result or EOF. 0, or -errno with the child
 * killed and reaped. */
static int read_report(int fd, pid_t pid, struct report *rep, struct taper_err *err)
{
	const struct child_opts *o = rep->o;
	int64_t deadline = o->timeout_ms > 0 ? now_ms() + o->timeout_ms : 0;

	while (!rep->done) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int64_t left = deadline ? deadline - now_ms() : -1;
		ssize_t n;
		int pr;

		if (cancelled(o)) {
			kill_and_reap(pid);
			return err_plain(err, ECANCELED, "%s: interrupted", o->what);
		}
		pr = deadline && left <= 0 ? 0 : poll(&p, 1, left > INT32_MAX ? INT32_MAX : (int)left);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr < 0) {
			kill_and_reap(pid);
			return err_set(err, errno, "%s: poll", o->what);
		}
		if (pr == 0) {
			kill_and_reap(pid);
			return err_plain(err, ETIMEDOUT, "%s: no answer within %d ms", o->what,
					 o->timeout_ms);
		}
		if (rep->len + 4096 > rep->cap) {
			char *b;

			if (rep->cap >= REPORT_MAX) {
				kill_and_reap(pid);
				return err_plain(err, EFBIG, "%s: report larger than %u bytes", o->what,
						 REPORT_MAX);
			}
			b = realloc(rep->buf, rep->cap ? rep->cap * 2 : 8192);
			if (!b) {
				kill_and_reap(pid);
				return err_set(err, ENOMEM, "%s: report", o->what);
			}
			rep->buf = b;
			rep->cap = rep->cap ? rep->cap * 2 : 8192;
		}
		n = read(fd, rep->buf + rep->len, rep->cap - rep->len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			kill_and_reap(pid);
			return err_set(err, errno, "%s: read its report", o->what);
		}
		if (n == 0)
			break;
		rep->len += (size_t)n;
		rep->buf[rep->len] = '\0';
		consume(rep, err);
	}
	return 0;
}

static void report_clear(struct report *r)
{
	free(r->buf);
	free(r->out);
}

int child_run(child_fn fn, void *arg, const struct child_opts *opts, struct taper_err *err)
{
	_cleanup_(report_clear) struct report rep = { 0 };
	_cleanup_close_ int rd = -1, wr = -1;
	struct child_opts o = opts ? *opts : (struct child_opts){ 0 };
	struct taper_err cerr = { 0 };
	pid_t pid, parent = getpid();
	int p[2], status, r;

	if (!o.what)
		o.what = "child";
	rep.o = &o;
	if (pipe2(p, O_CLOEXEC) < 0)
		return err_set(err, errno, "%s: pipe", o.what);
	rd = p[0];
	wr = p[1];
	pid = fork();
	if (pid < 0)
		return err_set(err, errno, "%s: fork", o.what);
	if (pid == 0) {
		/* Never outlive the caller, which would read no report. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
			_exit(1);
		/* The CLI's SIGINT/SIGTERM/SIGHUP handler only sets a flag:
		 * the child must die of those signals like any tool would. */
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		safe_close(rd);
		r = fn(arg, wr, &cerr);
		_exit(child_report_result(wr, r, &cerr) < 0);
	}
	wr = safe_close(wr);
	r = read_report(rd, pid, &rep, &cerr);
	if (r < 0) {
		if (err)
			*err = cerr;
		return r;
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return err_set(err, errno, "%s: wait for process %d", o.what, (int)pid);
	if (cancelled(&o))
		return err_plain(err, ECANCELED, "%s: interrupted", o.what);
	if (!rep.done || rep.bad) {
		if (WIFSIGNALED(status))
			return err_plain(err, EIO, "%s: process %d killed by signal %d (%s)", o.what,
					 (int)pid, WTERMSIG(status), strsignal(WTERMSIG(status)));
		return err_plain(err, EIO, "%s: process %d exited with status %d and no report", o.what,
				 (int)pid, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	}
	if (rep.r < 0) {
		if (cerr.msg[0] && err)
			*err = cerr;
		return rep.r;
	}
	if (o.ret_out) {
		*o.ret_out = rep.out ? rep.out : strdup("");
		rep.out = NULL;
		if (!*o.ret_out)
			return err_set(err, ENOMEM, "%s: output", o.what);
	}
	return 0;
}
