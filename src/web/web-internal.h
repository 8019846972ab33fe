/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * web-internal.h — what the files of src/web/ share: the server context,
 * one request's state, replies, jobs (forked calls), streams (SSE),
 * terminals (WebSocket) and the session table.
 */
#ifndef TAPER_WEB_WEB_INTERNAL_H
#define TAPER_WEB_WEB_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>
#include <microhttpd.h>

#include <taper.h>

#include "web/web.h"

#define WEB_BODY_MAX (64u * 1024u)
#define WEB_TOKEN_LEN 43 /* 32 random bytes, base64url without padding */
#define WEB_SESSIONS_MAX 64
#define WEB_JOBS_MAX 64
#define WEB_CLIENTS_MAX 64

struct web_session {
	char id[WEB_TOKEN_LEN + 1]; /* "" : a free slot */
	char csrf[WEB_TOKEN_LEN + 1];
	uint64_t last_used_ns;
};

/* Failed logins per client address, for the rate limit. */
struct web_client {
	char addr[64];
	unsigned failures;
	uint64_t window_start_ns;
};

/* A long call in a forked child (jobs.c). */
struct web_req;
typedef int (*web_job_fn)(struct taper_store *s, void *arg, int out_fd, json_t **ret_result,
			  struct taper_err *err);

struct web_job {
	unsigned id; /* 0: a free slot */
	pid_t pid;
	int fd;     /* read end of the child's report pipe, -1 when done */
	char *what; /* "create web1" */
	char *buf;  /* what the child wrote so far */
	size_t len;
	bool raw;            /* the child's output is the result (console tail) */
	struct web_req *req; /* the suspended request waiting for it, or NULL */
	unsigned ok_status;
	/* Progress (create) and the outcome, for GET /api/v1/jobs/ID. */
	char stage[64];
	uint64_t done, total;
	bool finished;
	json_t *result; /* the child's final line */
	uint64_t finished_ns;
};

/* One SSE stream of a container's usage (stream.c). */
struct web_stream {
	struct web_stream *next;
	struct web *w;
	struct MHD_Connection *conn;
	char *name;
	uint64_t interval_ns, next_ns;
	struct taper_stats prev;
	bool have_prev, suspended, ended;
	char *buf;
	size_t len, off;
};

/* One terminal: a forked child speaking WebSocket on the upgraded socket
 * (ws.c); the handle is closed once the child is gone. */
struct web_term {
	struct web_term *next;
	pid_t pid;
	struct MHD_UpgradeResponseHandle *urh;
};

/* CPU time seen at the last list, for a CPU % without a second sample. */
struct web_cpu_sample {
	char *name;
	uint64_t cpu_ns, t_ns;
	double percent;
	bool have_percent;
};

struct web {
	struct taper_store *store;
	const struct web_opts *opts;
	struct MHD_Daemon *daemon;
	bool tls;
	bool loopback; /* listens on a loopback address */
	char token[WEB_TOKEN_LEN + 1];
	struct web_session sessions[WEB_SESSIONS_MAX];
	struct web_client clients[WEB_CLIENTS_MAX];
	struct web_job jobs[WEB_JOBS_MAX];
	unsigned next_job_id;
	struct web_stream *streams;
	struct web_term *terms;
	struct web_cpu_sample *cpu;
	size_t n_cpu;
	int listen_fd, epoll_fd, signal_fd;
};

/* A reply, built by a route and queued by the server. */
struct web_reply {
	unsigned status;
	char *body; /* malloc'ed */
	size_t len;
	const char *type;
	const char *location; /* static or owned by the request */
	char *set_cookie;     /* malloc'ed */
};

/* Per connection (MHD's con_cls). */
struct web_req {
	struct web *w;
	struct MHD_Connection *conn;
	const char *method, *url;
	char *body;
	size_t body_len;
	bool answered_early; /* refused before its body (413, 421): the body is dropped */
	bool suspended;
	bool have_reply;
	struct web_reply reply;
	struct web_session *session; /* NULL for a bearer token */
	char location[256];
};

/* server.c */
uint64_t web_now_ns(void);
void web_reply_json(struct web_reply *r, unsigned status, json_t *doc); /* steals doc */
void web_reply_error(struct web_reply *r, unsigned status, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void web_reply_text(struct web_reply *r, unsigned status, const char *type, const char *text, size_t len);
/* The HTTP status of a failed library call's -errno. */
unsigned web_errno_status(int code);
/* A child must not keep the server's sockets (listen, epoll, signals). */
void web_child_setup(struct web *w);

/* auth.c */
int web_token_load(struct web *w, struct taper_err *err);
int web_random_token(char out[WEB_TOKEN_LEN + 1]);
bool web_token_equal(const char *a, const char *b);
/* Returns 0 when the request may go on; else fills reply (401/403/429). */
int web_authenticate(struct web_req *req, bool mutating, struct web_reply *reply);
/* May a request with this Host header be answered? On loopback, only
 * loopback names and addresses (and --url-host): a name of another site
 * rebound to 127.0.0.1 is that site's origin to the browser. */
bool web_host_allowed(const struct web *w, const char *host);
/* GET /?token=: a session and its cookie, or 401 (403 from a page of
 * another site). */
void web_login(struct web_req *req, const char *token, struct web_reply *reply);
void web_logout(struct web_req *req, struct web_reply *reply);

/* api.c: routes under /api/v1/. Either fills reply, or starts a job and
 * returns 1 (the request is then suspended until the job ends). */
int web_api(struct web_req *req, const char *path, struct web_reply *reply);

/* jobs.c */
/* Fork fn(arg); req (may be NULL) is answered when it ends: ok_status and
 * its result, or the error's status. raw: the child's output is the
 * result (text), not a JSON line. */
int web_job_start(struct web *w, struct web_req *req, const char *what, web_job_fn fn, void *arg,
		  unsigned ok_status, bool raw, struct web_job **ret, struct taper_err *err);
struct web_job *web_job_find(struct web *w, unsigned id);
json_t *web_job_json(const struct web_job *j);
void web_job_read(struct web *w, struct web_job *j);
void web_jobs_reap(struct web *w);
/* Child side: one JSON progress line. */
void web_job_progress(int fd, const char *stage, uint64_t done, uint64_t total);

/* stream.c */
struct MHD_Response *web_stream_new(struct web *w, struct MHD_Connection *conn, const char *name,
				    uint64_t interval_ns);
void web_streams_tick(struct web *w, uint64_t now);
uint64_t web_streams_next(struct web *w);

/* ws.c */
/* 0 and a 101 reply queued, or an HTTP status to answer with. */
unsigned web_terminal(struct web_req *req, const char *name, unsigned cols, unsigned rows);
void web_terms_reap(struct web *w, pid_t pid);

/* assets.c (generated) */
struct web_asset {
	const char *path; /* "/app.js" */
	const char *type;
	const unsigned char *data;
	size_t len;
};
const struct web_asset *web_asset_find(const char *path);

#endif
