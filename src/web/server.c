/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * server.c — the HTTP server: libmicrohttpd without threads (MHD_USE_EPOLL
 * in external mode), its epoll fd, a signalfd and the jobs' pipes in one
 * poll loop; the login page, the embedded assets, and the hand-off of
 * /api/v1/ to api.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/log.h"
#include "web/web-internal.h"

int web_mhd_load(struct taper_err *err);

static const char login_page[] =
	"<!doctype html><html lang=en><meta charset=utf-8>"
	"<meta name=viewport content='width=device-width,initial-scale=1'>"
	"<title>taper</title><body style='font:16px system-ui;max-width:30em;margin:3em auto;padding:0 1em'>"
	"<h1>taper</h1><p>Open the login URL that <code>taper web</code> printed, or paste its token:</p>"
	"<form method=get action='/'><label>Token <input name=token type=password autocomplete=off "
	"required></label> <button>Log in</button></form></body></html>\n";

uint64_t web_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void web_reply_text(struct web_reply *r, unsigned status, const char *type, const char *text, size_t len)
{
	free(r->body);
	r->status = status;
	r->type = type;
	r->body = malloc(len + 1);
	r->len = r->body ? len : 0;
	if (r->body) {
		memcpy(r->body, text, len);
		r->body[len] = '\0';
	}
}

void web_reply_json(struct web_reply *r, unsigned status, json_t *doc)
{
	char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;

	json_decref(doc);
	free(r->body);
	r->status = text ? status : 500;
	r->type = "application/json";
	r->body = text ? text : strdup("{\"error\":\"out of memory\"}");
	r->len = r->body ? strlen(r->body) : 0;
}

void web_reply_error(struct web_reply *r, unsigned status, const char *field, const char *fmt, ...)
{
	_cleanup_free_ char *msg = NULL;
	json_t *doc = json_object();
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	json_object_set_new(doc, "error", json_string(msg ? msg : "out of memory"));
	if (field)
		json_object_set_new(doc, "field", json_string(field));
	web_reply_json(r, status, doc);
}

unsigned web_errno_status(int code)
{
	switch (code < 0 ? -code : code) {
	case ENOENT:
		return 404;
	case EINVAL:
	case ERANGE:
	case ENAMETOOLONG:
		return 400;
	case EEXIST:
	case EBUSY:
	case ESRCH:
	case EALREADY:
	case EADDRINUSE:
	case ENOTEMPTY:
	case ECANCELED:
		return 409;
	default:
		return 500;
	}
}

void web_child_setup(struct web *w)
{
	sigset_t all;

	safe_close(w->listen_fd);
	safe_close(w->epoll_fd);
	safe_close(w->signal_fd);
	for (size_t i = 0; i < WEB_JOBS_MAX; i++)
		if (w->jobs[i].id && w->jobs[i].fd >= 0)
			safe_close(w->jobs[i].fd);
	(void)signal(SIGPIPE, SIG_DFL);
	(void)signal(SIGINT, SIG_DFL);
	(void)signal(SIGTERM, SIG_DFL);
	(void)signal(SIGCHLD, SIG_DFL);
	sigemptyset(&all);
	(void)sigprocmask(SIG_SETMASK, &all, NULL);
}

static void reply_clear(struct web_reply *r)
{
	free(r->body);
	free(r->set_cookie);
	*r = (struct web_reply){ 0 };
}

static enum MHD_Result queue(struct MHD_Connection *conn, struct web_reply *r)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(r->len, r->body, MHD_RESPMEM_MUST_FREE);
	if (!resp)
		return MHD_NO;
	r->body = NULL;
	if (r->type)
		MHD_add_response_header(resp, "Content-Type", r->type);
	if (r->location)
		MHD_add_response_header(resp, "Location", r->location);
	if (r->set_cookie)
		MHD_add_response_header(resp, "Set-Cookie", r->set_cookie);
	if (r->status == 401)
		MHD_add_response_header(resp, "WWW-Authenticate", "Bearer realm=\"taper\"");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "Content-Security-Policy",
				"default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
				"form-action 'self'; base-uri 'none'");
	ret = MHD_queue_response(conn, r->status, resp);
	MHD_destroy_response(resp);
	reply_clear(r);
	return ret;
}

/* Everything outside /api/v1/: the login, the page and its files. */
static void route_page(struct web_req *req, struct web_reply *reply)
{
	const char *token = MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, "token");
	const struct web_asset *a;
	bool get = strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0;

	if (strcmp(req->url, "/") == 0 && get && token) {
		web_login(req, token, reply);
		return;
	}
	if (web_authenticate(req, false, reply) < 0) {
		if (reply->status == 401 && strcmp(req->url, "/") == 0 && get)
			web_reply_text(reply, 401, "text/html; charset=utf-8", login_page,
				       sizeof(login_page) - 1);
		return;
	}
	if (!get) {
		web_reply_error(reply, 405, NULL, "%s %s: method not allowed", req->method, req->url);
		return;
	}
	a = web_asset_find(strcmp(req->url, "/") == 0 ? "/index.html" : req->url);
	if (!a) {
		web_reply_error(reply, 404, NULL, "%s: no such page", req->url);
		return;
	}
	web_reply_text(reply, 200, a->type, (const char *)a->data, a->len);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
				  const char *version, const char *upload_data, size_t *upload_data_size,
				  void **con_cls)
{
	struct web *w = cls;
	struct web_req *req = *con_cls;
	int r;

	if (!req) {
		const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");

		if (!(req = calloc(1, sizeof(*req))))
			return MHD_NO;
		*req = (struct web_req){ .w = w, .conn = conn, .method = method, .url = url };
		*con_cls = req;
		if (!web_host_allowed(w, MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Host"))) {
			req->answered_early = true;
			web_reply_error(&req->reply, 421, NULL,
					"host %s: this server listens on loopback and answers loopback "
					"names only (--url-host adds one)",
					MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Host"));
			return queue(conn, &req->reply);
		}
		if (cl && strtoull(cl, NULL, 10) > WEB_BODY_MAX) {
			req->answered_early = true;
			web_reply_error(&req->reply, 413, NULL, "request body over %u bytes", WEB_BODY_MAX);
			return queue(conn, &req->reply);
		}
		return MHD_YES;
	}
	if (*upload_data_size) {
		size_t n = *upload_data_size;

		*upload_data_size = 0;
		if (req->answered_early)
			return MHD_YES;
		if (req->body_len + n > WEB_BODY_MAX) {
			req->answered_early = true;
			free(req->body);
			req->body = NULL;
			web_reply_error(&req->reply, 413, NULL, "request body over %u bytes", WEB_BODY_MAX);
			return queue(conn, &req->reply);
		}
		char *b = realloc(req->body, req->body_len + n + 1);

		if (!b)
			return MHD_NO;
		memcpy(b + req->body_len, upload_data, n);
		req->body = b;
		req->body_len += n;
		req->body[req->body_len] = '\0';
		return MHD_YES;
	}
	if (req->answered_early)
		return MHD_YES; /* answered already */
	if (req->suspended && !req->have_reply)
		return MHD_YES;
	if (!req->have_reply) {
		if (strncmp(url, "/api/v1/", 8) == 0 || strcmp(url, "/api/v1") == 0) {
			r = web_api(req, url + 7, &req->reply);
			if (r == 1) { /* a job: wait for it */
				req->suspended = true;
				MHD_suspend_connection(conn);
				return MHD_YES;
			}
			if (r == 2) /* a stream or an upgrade, queued by the route */
				return MHD_YES;
		} else {
			route_page(req, &req->reply);
		}
	}
	req->have_reply = false;
	return queue(conn, &req->reply);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct web_req *req = *con_cls;
	struct web *w = cls;

	if (!req)
		return;
	for (size_t i = 0; i < WEB_JOBS_MAX; i++)
		if (w->jobs[i].req == req)
			w->jobs[i].req = NULL;
	free(req->body);
	reply_clear(&req->reply);
	free(req);
	*con_cls = NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char buf[512];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	buf[strcspn(buf, "\n")] = '\0';
	log_debug("web: %s", buf);
}

/* "ADDR:PORT", "[V6]:PORT" or ":PORT" (every IPv4 address). */
static int parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len, bool *loopback,
			struct taper_err *err)
{
	_cleanup_free_ char *host = NULL;
	const char *colon = strrchr(s, ':');
	char *end;
	unsigned long port;

	if (!colon)
		return err_set(err, 0, "--listen %s: want ADDRESS:PORT", s);
	port = strtoul(colon + 1, &end, 10);
	if (!colon[1] || *end || port == 0 || port > 65535)
		return err_set(err, 0, "--listen %s: bad port \"%s\"", s, colon + 1);
	host = strndup(s, (size_t)(colon - s));
	if (!host)
		return err_set(err, ENOMEM, "--listen");
	memset(ss, 0, sizeof(*ss));
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		host[strlen(host) - 1] = '\0';
		if (inet_pton(AF_INET6, host + 1, &a->sin6_addr) != 1)
			return err_set(err, 0, "--listen %s: bad IPv6 address \"%s\"", s, host + 1);
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		*len = sizeof(*a);
		*loopback = IN6_IS_ADDR_LOOPBACK(&a->sin6_addr);
		return 0;
	}
	struct sockaddr_in *a = (struct sockaddr_in *)ss;

	if (!host[0])
		a->sin_addr.s_addr = htonl(INADDR_ANY);
	else if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
		return err_set(err, 0, "--listen %s: bad IPv4 address \"%s\"", s, host);
	a->sin_family = AF_INET;
	a->sin_port = htons((uint16_t)port);
	*len = sizeof(*a);
	*loopback = (ntohl(a->sin_addr.s_addr) >> 24) == 127;
	return 0;
}

static void reap(struct web *w)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		web_terms_reap(w, pid);
	web_jobs_reap(w);
}

static int loop(struct web *w, struct taper_err *err)
{
	for (;;) {
		struct pollfd p[2 + WEB_JOBS_MAX];
		struct web_job *owner[2 + WEB_JOBS_MAX];
		MHD_UNSIGNED_LONG_LONG mhd_to;
		uint64_t now = web_now_ns(), next = web_streams_next(w);
		int timeout = -1;
		nfds_t n = 2;

		p[0] = (struct pollfd){ .fd = w->epoll_fd, .events = POLLIN };
		p[1] = (struct pollfd){ .fd = w->signal_fd, .events = POLLIN };
		for (size_t i = 0; i < WEB_JOBS_MAX; i++)
			if (w->jobs[i].id && w->jobs[i].fd >= 0) {
				owner[n] = &w->jobs[i];
				p[n++] = (struct pollfd){ .fd = w->jobs[i].fd, .events = POLLIN };
			}
		if (MHD_get_timeout(w->daemon, &mhd_to) == MHD_YES)
			timeout = mhd_to > 60000 ? 60000 : (int)mhd_to;
		if (next) {
			int t = next <= now ? 0 : (int)((next - now) / 1000000 + 1);

			if (timeout < 0 || t < timeout)
				timeout = t;
		}
		if (poll(p, n, timeout) < 0 && errno != EINTR)
			return err_set(err, errno, "poll");
		if (p[1].revents & POLLIN) {
			struct signalfd_siginfo si;

			while (read(w->signal_fd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGINT || si.ssi_signo == SIGTERM)
					return 0;
			}
			reap(w);
		}
		for (nfds_t i = 2; i < n; i++)
			if (p[i].revents)
				web_job_read(w, owner[i]);
		web_streams_tick(w, web_now_ns());
		MHD_run(w->daemon);
	}
}

static void web_free(struct web *w)
{
	if (w->daemon) {
		/* libmicrohttpd aborts when stopped with a connection suspended:
		 * answer the waiting ones and end the streams first. */
		for (size_t i = 0; i < WEB_JOBS_MAX; i++) {
			struct web_req *req = w->jobs[i].req;

			if (!w->jobs[i].id || !req)
				continue;
			web_reply_error(&req->reply, 503, NULL, "taper web is stopping");
			req->have_reply = true;
			w->jobs[i].req = NULL;
			MHD_resume_connection(req->conn);
		}
		for (struct web_stream *st = w->streams; st; st = st->next) {
			st->ended = true;
			if (st->suspended) {
				st->suspended = false;
				MHD_resume_connection(st->conn);
			}
		}
		/* An open terminal's relay is ended; the pty hangs up its shell. */
		while (w->terms) {
			pid_t pid = w->terms->pid;

			(void)kill(pid, SIGKILL);
			(void)waitpid(pid, NULL, 0);
			web_terms_reap(w, pid);
		}
		MHD_run(w->daemon);
		MHD_stop_daemon(w->daemon);
	}
	safe_close(w->signal_fd);
	for (size_t i = 0; i < WEB_JOBS_MAX; i++) {
		struct web_job *j = &w->jobs[i];

		if (!j->id)
			continue;
		safe_close(j->fd);
		free(j->what);
		free(j->buf);
		json_decref(j->result);
	}
	for (size_t i = 0; i < w->n_cpu; i++)
		free(w->cpu[i].name);
	free(w->cpu);
}

int web_serve(struct taper_store *s, const struct web_opts *o, struct taper_err *err)
{
	struct web w = { .store = s, .opts = o, .listen_fd = -1, .epoll_fd = -1, .signal_fd = -1 };
	_cleanup_free_ char *cert = NULL, *key = NULL;
	struct sockaddr_storage ss;
	socklen_t sslen = 0;
	bool loopback = false;
	unsigned flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_ALLOW_UPGRADE | MHD_USE_ERROR_LOG;
	const union MHD_DaemonInfo *info;
	char addr[INET6_ADDRSTRLEN + 2] = "";
	sigset_t mask;
	int r;

	if ((r = parse_listen(o->listen, &ss, &sslen, &loopback, err)) < 0)
		return r;
	if (!!o->cert_file != !!o->key_file)
		return err_set(err, 0, "--cert and --key go together");
	if (!loopback && !o->cert_file && !o->insecure)
		return err_set(err, 0,
			       "--listen %s: not a loopback address; give --cert and --key (HTTPS), or "
			       "--insecure to serve plain HTTP there",
			       o->listen);
	if ((r = web_mhd_load(err)) < 0)
		return err_wrap(err, "libmicrohttpd (apt-get install libmicrohttpd12)");
	if (o->cert_file) {
		if ((r = read_file(o->cert_file, 1u << 20, &cert)) < 0)
			return err_set(err, -r, "--cert %s", o->cert_file);
		if ((r = read_file(o->key_file, 1u << 20, &key)) < 0)
			return err_set(err, -r, "--key %s", o->key_file);
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
			return err_set(err, 0, "--cert: this libmicrohttpd has no TLS");
		flags |= MHD_USE_TLS;
		w.tls = true;
	}
	w.loopback = loopback;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if ((r = web_token_load(&w, err)) < 0)
		return r;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0 ||
	    (w.signal_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK)) < 0)
		return err_set(err, errno, "signalfd");
	(void)signal(SIGPIPE, SIG_IGN);

	/* clang-format off */
	w.daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, &w,
		MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, &w,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)512,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)300,
		w.tls ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, key,
		MHD_OPTION_HTTPS_MEM_CERT, cert,
		MHD_OPTION_END);
	/* clang-format on */
	if (!w.daemon) {
		r = err_set(err, errno ? errno : EADDRINUSE, "listen on %s", o->listen);
		web_free(&w);
		return r;
	}
	info = MHD_get_daemon_info(w.daemon, MHD_DAEMON_INFO_EPOLL_FD);
	w.epoll_fd = info ? info->epoll_fd : -1;
	info = MHD_get_daemon_info(w.daemon, MHD_DAEMON_INFO_LISTEN_FD);
	w.listen_fd = info ? info->listen_fd : -1;
	if (w.epoll_fd < 0) {
		web_free(&w);
		return err_set(err, EIO, "libmicrohttpd: no epoll fd");
	}
	{
		char port[8];

		if (ss.ss_family == AF_INET6) {
			struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

			addr[0] = '[';
			inet_ntop(AF_INET6, &a->sin6_addr, addr + 1, INET6_ADDRSTRLEN);
			strcat(addr, "]");
			snprintf(port, sizeof(port), "%u", ntohs(a->sin6_port));
		} else {
			struct sockaddr_in *a = (struct sockaddr_in *)&ss;

			inet_ntop(AF_INET, &a->sin_addr, addr, sizeof(addr));
			snprintf(port, sizeof(port), "%u", ntohs(a->sin_port));
		}
		if (!loopback && !w.tls)
			fprintf(stderr,
				"taper: web: WARNING: serving plain HTTP on %s: the token and every "
				"session cross the network unencrypted\n",
				o->listen);
		printf("taper web: serving store %s\n", o->store_path);
		printf("Log in at %s://%s:%s/?token=%s\n", w.tls ? "https" : "http", o->host ? o->host : addr,
		       port, w.token);
		fflush(stdout);
	}
	r = loop(&w, err);
	web_free(&w);
	sigprocmask(SIG_UNBLOCK, &mask, NULL);
	return r;
}
