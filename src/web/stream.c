/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * stream.c — GET /api/v1/containers/NAME/stats as Server-Sent Events: one
 * "data: {...}" event per interval, sampled by the poll loop
 * (taper_container_stats, a few cgroup files). Between samples the
 * connection is suspended, so a stream costs nothing while it waits. A
 * stopped container gives {"running":false} events and the stream goes
 * on: a restart shows up in it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"
#include "web/web-internal.h"

static ssize_t reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct web_stream *st = cls;
	size_t n;

	if (st->off < st->len) {
		n = st->len - st->off;
		if (n > max)
			n = max;
		memcpy(buf, st->buf + st->off, n);
		st->off += n;
		if (st->off == st->len)
			st->off = st->len = 0;
		return (ssize_t)n;
	}
	if (st->ended)
		return MHD_CONTENT_READER_END_OF_STREAM;
	st->suspended = true;
	MHD_suspend_connection(st->conn);
	return 0;
}

static void stream_free(void *cls)
{
	struct web_stream *st = cls;
	struct web_stream **pp;

	for (pp = &st->w->streams; *pp; pp = &(*pp)->next)
		if (*pp == st) {
			*pp = st->next;
			break;
		}
	free(st->name);
	free(st->buf);
	free(st);
}

static void sample(struct web *w, struct web_stream *st)
{
	struct taper_err err = { 0 };
	struct taper_stats cur;
	json_t *doc = json_object();
	_cleanup_free_ char *text = NULL;
	int r;

	r = taper_container_stats(w->store, st->name, &cur, &err);
	json_object_set_new(doc, "name", json_string(st->name));
	json_object_set_new(doc, "running", json_boolean(r >= 0));
	if (r >= 0) {
		json_object_set_new(doc, "t", json_integer((json_int_t)(cur.timestamp_ns / 1000000)));
		json_object_set_new(doc, "cpu",
				    st->have_prev ? json_real(taper_stats_cpu_percent(&st->prev, &cur))
						  : json_null());
		json_object_set_new(doc, "memory", json_integer((json_int_t)cur.memory_bytes));
		json_object_set_new(doc, "memory_peak", json_integer((json_int_t)cur.memory_peak_bytes));
		json_object_set_new(doc, "memory_limit",
				    cur.memory_limit_bytes < 0 ? json_null()
							       : json_integer(cur.memory_limit_bytes));
		json_object_set_new(doc, "pids", json_integer((json_int_t)cur.pids));
		json_object_set_new(doc, "pids_limit",
				    cur.pids_limit < 0 ? json_null() : json_integer(cur.pids_limit));
		json_object_set_new(doc, "io_read", json_integer((json_int_t)cur.io_read_bytes));
		json_object_set_new(doc, "io_write", json_integer((json_int_t)cur.io_write_bytes));
		json_object_set_new(doc, "oom_kills", json_integer((json_int_t)cur.oom_kills));
		st->prev = cur;
		st->have_prev = true;
	} else {
		st->have_prev = false;
		if (r != -ESRCH) {
			json_object_set_new(doc, "error", json_string(err.msg));
			st->ended = !taper_container_exists(w->store, st->name);
		}
	}
	text = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	if (text) {
		size_t n = strlen(text) + 8; /* "data: " TEXT "\n\n" */
		char *b;

		if (st->len > 64 * 1024) /* a client that does not read */
			st->ended = true;
		else if ((b = realloc(st->buf, st->len + n + 1))) {
			snprintf(b + st->len, n + 1, "data: %s\n\n", text);
			st->buf = b;
			st->len += n;
		}
	}
}

struct MHD_Response *web_stream_new(struct web *w, struct MHD_Connection *conn, const char *name,
				    uint64_t interval_ns)
{
	struct web_stream *st = calloc(1, sizeof(*st));
	struct MHD_Response *resp;

	if (!st || !(st->name = strdup(name))) {
		free(st);
		return NULL;
	}
	st->w = w;
	st->conn = conn;
	st->interval_ns = interval_ns;
	sample(w, st); /* the first event at once */
	st->next_ns = web_now_ns() + interval_ns;
	resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, reader, st, stream_free);
	if (!resp) {
		free(st->name);
		free(st->buf);
		free(st);
		return NULL;
	}
	st->next = w->streams;
	w->streams = st;
	MHD_add_response_header(resp, "Content-Type", "text/event-stream");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	return resp;
}

void web_streams_tick(struct web *w, uint64_t now)
{
	for (struct web_stream *st = w->streams; st; st = st->next) {
		if (now < st->next_ns)
			continue;
		sample(w, st);
		st->next_ns = now + st->interval_ns;
		if (st->suspended) {
			st->suspended = false;
			MHD_resume_connection(st->conn);
		}
	}
}

uint64_t web_streams_next(struct web *w)
{
	uint64_t next = 0;

	for (struct web_stream *st = w->streams; st; st = st->next)
		if (!next || st->next_ns < next)
			next = st->next_ns;
	return next;
}
