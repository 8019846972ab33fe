/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * jobs.c — library calls that may take long, or wait on a container's
 * lock, run in a forked child of the (single-threaded) server. The child
 * reports on a pipe: progress lines {"progress":{...}}, then one final
 * line {"ok":true,"result":...} or {"ok":false,"code":E,"error":"..."}.
 * The request that started it stays suspended until the pipe's EOF; a
 * create answers at once with the job's URL and is followed there.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "web/web-internal.h"

#define JOB_OUTPUT_MAX (256u * 1024u)
#define JOB_KEEP_NS (600ull * 1000000000ull)

static void write_line(int fd, json_t *doc)
{
	char *text = json_dumps(doc, JSON_COMPACT);

	json_decref(doc);
	if (!text)
		return;
	(void)write_all(fd, text, strlen(text));
	(void)write_all(fd, "\n", 1);
	free(text);
}

void web_job_progress(int fd, const char *stage, uint64_t done, uint64_t total)
{
	json_t *p = json_object();
	json_t *doc = json_object();

	json_object_set_new(p, "stage", json_string(stage ? stage : ""));
	json_object_set_new(p, "done", json_integer((json_int_t)done));
	json_object_set_new(p, "total", json_integer((json_int_t)total));
	json_object_set_new(doc, "progress", p);
	write_line(fd, doc);
}

static struct web_job *slot(struct web *w)
{
	struct web_job *oldest = NULL;

	for (size_t i = 0; i < WEB_JOBS_MAX; i++) {
		struct web_job *j = &w->jobs[i];

		if (!j->id)
			return j;
		if (j->finished && !j->req && (!oldest || j->finished_ns < oldest->finished_ns))
			oldest = j;
	}
	if (oldest) {
		free(oldest->what);
		free(oldest->buf);
		json_decref(oldest->result);
		*oldest = (struct web_job){ 0 };
	}
	return oldest;
}

int web_job_start(struct web *w, struct web_req *req, const char *what, web_job_fn fn, void *arg,
		  unsigned ok_status, bool raw, struct web_job **ret, struct taper_err *err)
{
	struct web_job *j = slot(w);
	int p[2];
	pid_t pid;

	if (!j)
		return err_set(err, EAGAIN, "%s: %d calls are running already", what, WEB_JOBS_MAX);
	if (pipe2(p, O_CLOEXEC) < 0)
		return err_set(err, errno, "%s: pipe", what);
	pid = fork();
	if (pid < 0) {
		safe_close(p[0]);
		safe_close(p[1]);
		return err_set(err, errno, "%s: fork", what);
	}
	if (pid == 0) {
		struct taper_err cerr = { 0 };
		json_t *result = NULL, *doc;
		int r;

		safe_close(p[0]);
		web_child_setup(w);
		r = fn(w->store, arg, p[1], &result, &cerr);
		if (raw)
			_exit(r < 0);
		doc = json_object();
		json_object_set_new(doc, "ok", json_boolean(r >= 0));
		if (r < 0) {
			json_object_set_new(doc, "code", json_integer(cerr.code ? cerr.code : -r));
			json_object_set_new(doc, "error", json_string(cerr.msg[0] ? cerr.msg : strerror(-r)));
		}
		if (result)
			json_object_set_new(doc, "result", result);
		write_line(p[1], doc);
		_exit(0);
	}
	safe_close(p[1]);
	(void)fcntl(p[0], F_SETFL, O_NONBLOCK);
	if (++w->next_job_id == 0)
		w->next_job_id = 1;
	*j = (struct web_job){
		.id = w->next_job_id,
		.pid = pid,
		.fd = p[0],
		.what = strdup(what),
		.raw = raw,
		.req = req,
		.ok_status = ok_status,
	};
	if (ret)
		*ret = j;
	return 0;
}

struct web_job *web_job_find(struct web *w, unsigned id)
{
	for (size_t i = 0; i < WEB_JOBS_MAX; i++)
		if (id && w->jobs[i].id == id)
			return &w->jobs[i];
	return NULL;
}

json_t *web_job_json(const struct web_job *j)
{
	json_t *doc = json_object();
	json_t *p = json_object();

	json_object_set_new(doc, "id", json_integer(j->id));
	json_object_set_new(doc, "what", json_string(j->what ? j->what : ""));
	json_object_set_new(doc, "state",
			    json_string(!j->finished                                     ? "running"
					: json_is_true(json_object_get(j->result, "ok")) ? "done"
											 : "failed"));
	json_object_set_new(p, "stage", json_string(j->stage));
	json_object_set_new(p, "done", json_integer((json_int_t)j->done));
	json_object_set_new(p, "total", json_integer((json_int_t)j->total));
	json_object_set_new(doc, "progress", p);
	if (j->finished && !json_is_true(json_object_get(j->result, "ok"))) {
		json_t *e = json_object_get(j->result, "error");
		json_t *c = json_object_get(j->result, "code");

		json_object_set_new(doc, "error", e ? json_incref(e) : json_string("failed"));
		json_object_set_new(doc, "status",
				    json_integer(web_errno_status((int)json_integer_value(c))));
	}
	return doc;
}

/* Progress lines update the job; the last line stays in buf. */
static void take_lines(struct web_job *j)
{
	char *nl;

	while ((nl = memchr(j->buf, '\n', j->len))) {
		size_t n = (size_t)(nl - j->buf) + 1;
		json_t *doc = json_loadb(j->buf, n, 0, NULL);
		json_t *p = json_object_get(doc, "progress");

		if (p) {
			snprintf(j->stage, sizeof(j->stage), "%s",
				 json_string_value(json_object_get(p, "stage")) ?: "");
			j->done = (uint64_t)json_integer_value(json_object_get(p, "done"));
			j->total = (uint64_t)json_integer_value(json_object_get(p, "total"));
		} else if (doc) {
			json_decref(j->result);
			j->result = json_incref(doc);
		}
		json_decref(doc);
		memmove(j->buf, j->buf + n, j->len - n);
		j->len -= n;
	}
}

static void answer(struct web_job *j)
{
	struct web_req *req = j->req;
	struct web_reply *reply = &req->reply;
	json_t *res = j->result;

	if (j->raw) {
		web_reply_text(reply, j->ok_status, "text/plain; charset=utf-8", j->buf ? j->buf : "",
			       j->len);
	} else if (json_is_true(json_object_get(res, "ok"))) {
		json_t *r = json_object_get(res, "result");

		web_reply_json(reply, j->ok_status, r ? json_incref(r) : json_object());
	} else {
		int code = (int)json_integer_value(json_object_get(res, "code"));
		const char *msg = json_string_value(json_object_get(res, "error"));
		const char *field =
			json_string_value(json_object_get(json_object_get(res, "result"), "field"));

		web_reply_error(reply, web_errno_status(code), field, "%s", msg ? msg : "failed");
	}
	req->have_reply = true;
	MHD_resume_connection(req->conn);
	j->req = NULL;
}

static void finish(struct web_job *j)
{
	j->fd = safe_close(j->fd);
	j->finished = true;
	j->finished_ns = web_now_ns();
	if (!j->raw) {
		take_lines(j);
		if (!j->result) {
			json_t *doc = json_object();
			json_object_set_new(doc, "ok", json_false());
			json_object_set_new(doc, "code", json_integer(EIO));
			char msg[256];

			snprintf(msg, sizeof(msg), "%s: the call died", j->what);
			json_object_set_new(doc, "error", json_string(msg));
			j->result = doc;
		}
	}
	if (j->req) {
		answer(j);
		if (j->raw) { /* nothing to look up later */
			free(j->what);
			free(j->buf);
			*j = (struct web_job){ 0 };
		}
	}
}

void web_job_read(struct web *w, struct web_job *j)
{
	for (;;) {
		char buf[8192];
		ssize_t n = read(j->fd, buf, sizeof(buf));

		if (n < 0 && (errno == EINTR))
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			finish(j);
			return;
		}
		if (j->len + (size_t)n > JOB_OUTPUT_MAX) {
			size_t drop = j->len + (size_t)n - JOB_OUTPUT_MAX;

			if (drop > j->len)
				drop = j->len;
			memmove(j->buf, j->buf + drop, j->len - drop);
			j->len -= drop;
		}
		char *b = realloc(j->buf, j->len + (size_t)n + 1);

		if (!b)
			return;
		memcpy(b + j->len, buf, (size_t)n);
		j->buf = b;
		j->len += (size_t)n;
		j->buf[j->len] = '\0';
		if (!j->raw)
			take_lines(j);
	}
}

void web_jobs_reap(struct web *w)
{
	uint64_t now = web_now_ns();

	for (size_t i = 0; i < WEB_JOBS_MAX; i++) {
		struct web_job *j = &w->jobs[i];

		if (j->id && j->finished && !j->req && now - j->finished_ns > JOB_KEEP_NS) {
			free(j->what);
			free(j->buf);
			json_decref(j->result);
			*j = (struct web_job){ 0 };
		}
	}
}
