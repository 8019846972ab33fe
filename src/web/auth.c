/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * auth.c — who may use the panel.
 *
 * One secret, the token, made at random on the first run and kept in
 * <store>/.web-token (0600). A browser trades it once (the login URL) for
 * a session cookie (HttpOnly, SameSite=Strict, Secure under TLS); every
 * request that changes something also carries the session's CSRF token
 * in X-CSRF-Token. Scripts send "Authorization: Bearer TOKEN" instead and
 * need no CSRF token (a browser never adds that header on its own).
 * Wrong tokens are counted per client address: past WEB_LOGIN_FAILURES in
 * a minute, that address gets 429 until the minute is over.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "web/web-internal.h"

#define WEB_LOGIN_FAILURES 5
#define WEB_LOGIN_WINDOW_NS (60ull * 1000000000ull)
#define WEB_SESSION_IDLE_NS (12ull * 3600ull * 1000000000ull)
#define COOKIE "taper_session"

int web_random_token(char out[WEB_TOKEN_LEN + 1])
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	unsigned char raw[33] = { 0 };
	size_t k = 0;

	if (getrandom(raw, 32, 0) != 32)
		return -EIO;
	for (size_t i = 0; i < 33; i += 3) {
		uint32_t v = (uint32_t)raw[i] << 16 | (uint32_t)raw[i + 1] << 8 | raw[i + 2];

		for (int j = 3; j >= 0 && k < WEB_TOKEN_LEN; j--)
			out[k++] = b64[(v >> (6 * j)) & 63];
	}
	out[WEB_TOKEN_LEN] = '\0';
	return 0;
}

/* In time independent of where the strings differ. */
bool web_token_equal(const char *a, const char *b)
{
	size_t la, lb;
	unsigned char d = 0;

	if (!a || !b)
		return false;
	la = strlen(a);
	lb = strlen(b);
	if (la != lb || la == 0)
		return false;
	for (size_t i = 0; i < la; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

static bool token_valid(const char *t)
{
	if (strlen(t) != WEB_TOKEN_LEN)
		return false;
	for (; *t; t++)
		if (!((*t >= 'A' && *t <= 'Z') || (*t >= 'a' && *t <= 'z') || (*t >= '0' && *t <= '9') ||
		      *t == '-' || *t == '_'))
			return false;
	return true;
}

int web_token_load(struct web *w, struct taper_err *err)
{
	_cleanup_free_ char *path = NULL, *text = NULL;
	_cleanup_close_ int fd = -1;
	struct stat st;
	size_t len = 0;
	int r;

	if (asprintf(&path, "%s/.web-token", w->opts->store_path) < 0)
		return err_set(err, ENOMEM, "token");
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd >= 0) {
		if ((r = web_random_token(w->token)) < 0 ||
		    (r = write_all(fd, w->token, WEB_TOKEN_LEN)) < 0 || (r = write_all(fd, "\n", 1)) < 0 ||
		    fsync(fd) < 0) {
			(void)unlink(path);
			return err_set(err, r < 0 ? -r : errno, "write %s", path);
		}
		return 0;
	}
	if (errno != EEXIST)
		return err_set(err, errno, "create %s", path);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0)
		return err_set(err, errno, "open %s", path);
	if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077))
		return err_set(err, 0, "%s: must be a file of this user with mode 0600", path);
	if ((r = read_fd_all(fd, 256, &text, &len)) < 0)
		return err_set(err, -r, "read %s", path);
	text[strcspn(text, "\r\n")] = '\0';
	if (!token_valid(text))
		return err_set(err, 0, "%s: not a token (remove it to make a new one)", path);
	memcpy(w->token, text, WEB_TOKEN_LEN + 1);
	return 0;
}

static void client_addr(struct MHD_Connection *conn, char *buf, size_t n)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;
	socklen_t len;

	snprintf(buf, n, "?");
	if (!sa)
		return;
	len = sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
	(void)getnameinfo(sa, len, buf, (socklen_t)n, NULL, 0, NI_NUMERICHOST);
}

static struct web_client *client_get(struct web *w, const char *addr, bool make)
{
	struct web_client *oldest = &w->clients[0];
	uint64_t now = web_now_ns();

	for (size_t i = 0; i < WEB_CLIENTS_MAX; i++) {
		struct web_client *c = &w->clients[i];

		if (c->addr[0] && now - c->window_start_ns > WEB_LOGIN_WINDOW_NS)
			c->addr[0] = '\0'; /* the minute is over */
		if (c->addr[0] && strcmp(c->addr, addr) == 0)
			return c;
		if (!c->addr[0] || c->window_start_ns < oldest->window_start_ns)
			oldest = c;
	}
	if (!make)
		return NULL;
	snprintf(oldest->addr, sizeof(oldest->addr), "%s", addr);
	oldest->failures = 0;
	oldest->window_start_ns = now;
	return oldest;
}

static bool limited(struct web_req *req, struct web_reply *reply)
{
	char addr[64];
	struct web_client *c;

	client_addr(req->conn, addr, sizeof(addr));
	c = client_get(req->w, addr, false);
	if (!c || c->failures < WEB_LOGIN_FAILURES)
		return false;
	web_reply_error(reply, 429, NULL, "too many wrong tokens from %s; try again in a minute", addr);
	return true;
}

static void failed(struct web_req *req, struct web_reply *reply)
{
	char addr[64];
	struct web_client *c;

	client_addr(req->conn, addr, sizeof(addr));
	if ((c = client_get(req->w, addr, true)))
		c->failures++;
	web_reply_error(reply, 401, NULL, "authentication required");
}

static struct web_session *session_find(struct web *w, const char *id)
{
	uint64_t now = web_now_ns();

	if (!id)
		return NULL;
	for (size_t i = 0; i < WEB_SESSIONS_MAX; i++) {
		struct web_session *s = &w->sessions[i];

		if (s->id[0] && now - s->last_used_ns > WEB_SESSION_IDLE_NS)
			s->id[0] = '\0';
		if (s->id[0] && web_token_equal(s->id, id)) {
			s->last_used_ns = now;
			return s;
		}
	}
	return NULL;
}

int web_authenticate(struct web_req *req, bool mutating, struct web_reply *reply)
{
	const char *auth = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "Authorization");
	const char *cookie = MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND, COOKIE);
	struct web_session *s;

	if (limited(req, reply))
		return -EACCES;
	if (auth) {
		if (strncasecmp(auth, "Bearer ", 7) == 0 && web_token_equal(auth + 7, req->w->token)) {
			req->session = NULL;
			return 0;
		}
		failed(req, reply);
		return -EACCES;
	}
	if (!(s = session_find(req->w, cookie))) {
		web_reply_error(reply, 401, NULL, "authentication required");
		return -EACCES;
	}
	req->session = s;
	if (mutating) {
		const char *csrf = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "X-CSRF-Token");

		if (!csrf)
			csrf = MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, "csrf");
		if (!web_token_equal(csrf, s->csrf)) {
			web_reply_error(reply, 403, NULL, "missing or wrong CSRF token (X-CSRF-Token)");
			return -EACCES;
		}
	}
	return 0;
}

bool web_host_allowed(const struct web *w, const char *host)
{
	char name[256];
	const char *end;
	struct in6_addr a6;
	struct in_addr a4;
	size_t n;

	/* HTTP/1.0 has no Host, and no browser sends such a request. */
	if (!w->loopback || !host)
		return true;
	if (host[0] == '[') {
		end = strchr(host, ']');
		if (!end || (end[1] && end[1] != ':'))
			return false;
		n = (size_t)(end - host - 1);
		if (n >= sizeof(name))
			return false;
		memcpy(name, host + 1, n);
		name[n] = '\0';
		return inet_pton(AF_INET6, name, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
	}
	end = strrchr(host, ':');
	n = end ? (size_t)(end - host) : strlen(host);
	if (n == 0 || n >= sizeof(name) || (end && strspn(end + 1, "0123456789") != strlen(end + 1)))
		return false;
	memcpy(name, host, n);
	name[n] = '\0';
	if (inet_pton(AF_INET, name, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	return strcasecmp(name, "localhost") == 0 || (w->opts->host && strcasecmp(name, w->opts->host) == 0);
}

/* Sec-Fetch-Site: a browser says so of a request a page of another site
 * (another port of this host included) made. */
static bool from_another_site(struct web_req *req)
{
	const char *site = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "Sec-Fetch-Site");

	return site && (strcmp(site, "cross-site") == 0 || strcmp(site, "same-site") == 0);
}

void web_login(struct web_req *req, const char *token, struct web_reply *reply)
{
	struct web *w = req->w;
	struct web_session *s = &w->sessions[0];

	/* Any page can make the browser try a token here: counted, five
	 * would lock the user's own address out; right, it would log the
	 * user in to a session of that page's choosing. Neither. */
	if (from_another_site(req)) {
		web_reply_error(reply, 403, NULL, "log in from the login URL, not from another site's page");
		return;
	}
	if (limited(req, reply))
		return;
	if (!web_token_equal(token, w->token)) {
		failed(req, reply);
		return;
	}
	for (size_t i = 0; i < WEB_SESSIONS_MAX; i++) {
		if (!w->sessions[i].id[0]) {
			s = &w->sessions[i];
			break;
		}
		if (w->sessions[i].last_used_ns < s->last_used_ns)
			s = &w->sessions[i];
	}
	if (web_random_token(s->id) < 0 || web_random_token(s->csrf) < 0) {
		s->id[0] = '\0';
		web_reply_error(reply, 500, NULL, "no randomness");
		return;
	}
	s->last_used_ns = web_now_ns();
	web_reply_text(reply, 303, "text/plain; charset=utf-8", "", 0);
	reply->location = "/";
	if (asprintf(&reply->set_cookie, COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict%s", s->id,
		     w->tls ? "; Secure" : "") < 0)
		reply->set_cookie = NULL;
}

void web_logout(struct web_req *req, struct web_reply *reply)
{
	if (req->session)
		memset(req->session, 0, sizeof(*req->session));
	web_reply_json(reply, 200, json_object());
	if (asprintf(&reply->set_cookie, COOKIE "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0%s",
		     req->w->tls ? "; Secure" : "") < 0)
		reply->set_cookie = NULL;
}
