/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ws.c — GET /api/v1/containers/NAME/terminal: `taper attach -t` over a
 * WebSocket (RFC 6455, server side: the handshake, then frames by hand).
 *
 * After libmicrohttpd hands over the connection, a forked child owns it:
 * it makes a pty pair of its own (raw, sized by ?cols=&rows=) whose slave
 * becomes the attach's stdio, and a grandchild runs taper_container_attach
 * with a pty of the container's. The child then relays WebSocket frames
 * (binary or text: input) to the pty master and its output back as binary
 * frames. When the browser goes away the shell gets Ctrl-C and Ctrl-D; the
 * server only closes its handle on the connection once the child is gone.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fs.h"
#include "web/web-internal.h"

#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define WS_FRAME_MAX (64u * 1024u)

/* SHA-1 (FIPS 180-4), for the handshake's Sec-WebSocket-Accept only. */
static uint32_t rol(uint32_t x, int n)
{
	return (x << n) | (x >> (32 - n));
}

static void sha1(const unsigned char *data, size_t len, unsigned char out[20])
{
	uint32_t h[5] = { 0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0 };
	size_t total = ((len + 8) / 64 + 1) * 64;

	for (size_t off = 0; off < total; off += 64) {
		unsigned char blk[64];
		uint32_t wv[80], a, b, c, d, e;

		for (size_t i = 0; i < 64; i++) {
			size_t k = off + i;

			if (k < len)
				blk[i] = data[k];
			else if (k == len)
				blk[i] = 0x80;
			else if (k >= total - 8)
				blk[i] = (unsigned char)(((uint64_t)len * 8) >> (8 * (total - 1 - k)));
			else
				blk[i] = 0;
		}
		for (int i = 0; i < 16; i++)
			wv[i] = (uint32_t)blk[4 * i] << 24 | (uint32_t)blk[4 * i + 1] << 16 |
				(uint32_t)blk[4 * i + 2] << 8 | blk[4 * i + 3];
		for (int i = 16; i < 80; i++)
			wv[i] = rol(wv[i - 3] ^ wv[i - 8] ^ wv[i - 14] ^ wv[i - 16], 1);
		a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
		for (int i = 0; i < 80; i++) {
			uint32_t f, k, t;

			if (i < 20)
				f = (b & c) | (~b & d), k = 0x5A827999;
			else if (i < 40)
				f = b ^ c ^ d, k = 0x6ED9EBA1;
			else if (i < 60)
				f = (b & c) | (b & d) | (c & d), k = 0x8F1BBCDC;
			else
				f = b ^ c ^ d, k = 0xCA62C1D6;
			t = rol(a, 5) + f + e + k + wv[i];
			e = d, d = c, c = rol(b, 30), b = a, a = t;
		}
		h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e;
	}
	for (int i = 0; i < 20; i++)
		out[i] = (unsigned char)(h[i / 4] >> (24 - 8 * (i % 4)));
}

static void base64(const unsigned char *in, size_t n, char *out)
{
	static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t k = 0;

	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0) |
			     (i + 2 < n ? in[i + 2] : 0);

		out[k++] = t[(v >> 18) & 63];
		out[k++] = t[(v >> 12) & 63];
		out[k++] = i + 1 < n ? t[(v >> 6) & 63] : '=';
		out[k++] = i + 2 < n ? t[v & 63] : '=';
	}
	out[k] = '\0';
}

struct term_ctx {
	struct web *w;
	char *name;
	unsigned cols, rows;
};

static int send_frame(int sock, unsigned opcode, const void *data, size_t n)
{
	unsigned char hdr[10];
	size_t h = 2;

	hdr[0] = (unsigned char)(0x80 | opcode);
	if (n < 126) {
		hdr[1] = (unsigned char)n;
	} else if (n < 65536) {
		hdr[1] = 126;
		hdr[2] = (unsigned char)(n >> 8);
		hdr[3] = (unsigned char)n;
		h = 4;
	} else {
		hdr[1] = 127;
		for (int i = 0; i < 8; i++)
			hdr[2 + i] = (unsigned char)((uint64_t)n >> (56 - 8 * i));
		h = 10;
	}
	if (write_all(sock, hdr, h) < 0 || (n && write_all(sock, data, n) < 0))
		return -EPIPE;
	return 0;
}

/* Frames in buf[0..*len): input to master, pings answered. Returns 1 on
 * a close frame or a protocol error, 0 otherwise; consumed bytes leave buf. */
static int take_frames(int sock, int master, unsigned char *buf, size_t *len)
{
	for (;;) {
		size_t n = *len, h = 2, plen;
		unsigned opcode;

		if (n < 2)
			return 0;
		opcode = buf[0] & 0x0f;
		if (!(buf[1] & 0x80)) /* a client's frames are masked */
			return send_frame(sock, 8, "\x03\xea", 2), 1;
		plen = buf[1] & 0x7f;
		if (plen == 126) {
			if (n < 4)
				return 0;
			plen = (size_t)buf[2] << 8 | buf[3];
			h = 4;
		} else if (plen == 127) {
			if (n < 10)
				return 0;
			plen = 0;
			for (int i = 0; i < 8; i++)
				plen = plen << 8 | buf[2 + i];
			h = 10;
		}
		if (plen > WS_FRAME_MAX)
			return send_frame(sock, 8, "\x03\xf1", 2), 1;
		if (n < h + 4 + plen)
			return 0;
		unsigned char *mask = buf + h, *p = buf + h + 4;

		for (size_t i = 0; i < plen; i++)
			p[i] ^= mask[i % 4];
		switch (opcode) {
		case 0: /* continuation */
		case 1: /* text */
		case 2: /* binary */
			if (plen)
				(void)write_all(master, p, plen);
			break;
		case 8:
			(void)send_frame(sock, 8, p, plen >= 2 ? 2 : 0);
			return 1;
		case 9:
			(void)send_frame(sock, 10, p, plen);
			break;
		case 10:
			break;
		default:
			return send_frame(sock, 8, "\x03\xea", 2), 1;
		}
		memmove(buf, buf + h + 4 + plen, n - h - 4 - plen);
		*len = n - h - 4 - plen;
	}
}

_Noreturn static void attach_child(struct taper_store *s, const char *name, int slave)
{
	struct taper_attach_opts ao;
	struct taper_err err = { 0 };
	int status = TAPER_STATUS_RUNTIME_ERROR, r;

	taper_attach_opts_init(&ao);
	ao.stdio[0] = ao.stdio[1] = ao.stdio[2] = slave;
	ao.pty = true;
	ao.ret_status = &status;
	r = taper_container_attach(s, name, &ao, &err);
	if (r < 0) {
		dprintf(slave, "\r\ntaper: attach: %s\r\n", err.msg);
		_exit(status);
	}
	_exit(r & 0xff);
}

_Noreturn static void term_child(struct web *w, const char *name, unsigned cols, unsigned rows, int sock,
				 const char *extra, size_t extra_len)
{
	struct winsize ws = { .ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols };
	_cleanup_free_ unsigned char *in = malloc(WS_FRAME_MAX + 16);
	struct termios tio;
	size_t in_len = 0;
	int master = -1, slave = -1, flags;
	bool closed = false;
	pid_t pid;

	flags = fcntl(sock, F_GETFL);
	if (flags >= 0)
		(void)fcntl(sock, F_SETFL, flags & ~O_NONBLOCK);
	if (!in || openpty(&master, &slave, NULL, NULL, &ws) < 0) {
		(void)send_frame(sock, 8, "\x03\xf3", 2);
		_exit(1);
	}
	if (tcgetattr(slave, &tio) == 0) {
		cfmakeraw(&tio);
		(void)tcsetattr(slave, TCSANOW, &tio);
	}
	pid = fork();
	if (pid == 0) {
		close(master);
		close(sock);
		attach_child(w->store, name, slave);
	}
	close(slave);
	if (pid < 0) {
		(void)send_frame(sock, 8, "\x03\xf3", 2);
		_exit(1);
	}
	if (extra_len && extra_len <= WS_FRAME_MAX) {
		memcpy(in, extra, extra_len);
		in_len = extra_len;
		closed = take_frames(sock, master, in, &in_len) == 1;
	}
	while (!closed) {
		struct pollfd p[2] = { { .fd = sock, .events = POLLIN }, { .fd = master, .events = POLLIN } };
		char buf[8192];
		ssize_t n;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents) {
			n = read(master, buf, sizeof(buf));
			if (n <= 0) { /* the shell is gone: EIO */
				(void)send_frame(sock, 8, "\x03\xe8", 2);
				break;
			}
			if (send_frame(sock, 2, buf, (size_t)n) < 0)
				closed = true;
		}
		if (p[0].revents && !closed) {
			n = read(sock, in + in_len, WS_FRAME_MAX + 16 - in_len);
			if (n <= 0) {
				closed = true;
				break;
			}
			in_len += (size_t)n;
			if (take_frames(sock, master, in, &in_len) == 1)
				closed = true;
			else if (in_len == WS_FRAME_MAX + 16)
				closed = true;
		}
	}
	/* The browser left: end the shell as a user would, Ctrl-C then
	 * Ctrl-D, a few times (a line editor may be waiting for the answer
	 * to a cursor query and eat the first ones). */
	for (int round = 0; round < 4; round++) {
		struct timespec ts = { 0, 50 * 1000000 };

		if (closed)
			(void)write_all(master, round % 2 ? "\x04" : "\x03", 1);
		for (int i = 0; i < 10; i++) {
			if (waitpid(pid, NULL, WNOHANG) == pid)
				_exit(0);
			nanosleep(&ts, NULL);
		}
	}
	kill(pid, SIGKILL);
	_exit(0);
}

static void on_upgrade(void *cls, struct MHD_Connection *conn, void *con_cls, const char *extra_in,
		       size_t extra_in_size, MHD_socket sock, struct MHD_UpgradeResponseHandle *urh)
{
	struct term_ctx *c = cls;
	struct web *w = c->w;
	struct web_term *t = calloc(1, sizeof(*t));
	pid_t pid = t ? fork() : -1;

	if (pid == 0) {
		web_child_setup(w);
		term_child(w, c->name, c->cols, c->rows, sock, extra_in, extra_in_size);
	}
	if (pid < 0) {
		free(t);
		MHD_upgrade_action(urh, MHD_UPGRADE_ACTION_CLOSE);
	} else {
		t->pid = pid;
		t->urh = urh;
		t->next = w->terms;
		w->terms = t;
	}
	free(c->name);
	free(c);
}

void web_terms_reap(struct web *w, pid_t pid)
{
	for (struct web_term **pp = &w->terms; *pp; pp = &(*pp)->next) {
		struct web_term *t = *pp;

		if (t->pid != pid)
			continue;
		*pp = t->next;
		MHD_upgrade_action(t->urh, MHD_UPGRADE_ACTION_CLOSE);
		free(t);
		return;
	}
}

static bool header_has(struct MHD_Connection *conn, const char *name, const char *word)
{
	const char *v = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name);

	return v && strcasestr(v, word);
}

unsigned web_terminal(struct web_req *req, const char *name, unsigned cols, unsigned rows)
{
	const char *key = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "Sec-WebSocket-Key");
	const char *origin = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "Origin");
	const char *host = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "Host");
	struct taper_container_state st = { 0 };
	struct taper_err err = { 0 };
	struct MHD_Response *resp;
	struct term_ctx *c;
	unsigned char digest[20];
	char accept[32], buf[128];
	int r;

	if (!header_has(req->conn, "Upgrade", "websocket") ||
	    !header_has(req->conn, "Connection", "upgrade") || !key || strlen(key) > 64 ||
	    !header_has(req->conn, "Sec-WebSocket-Version", "13")) {
		web_reply_error(&req->reply, 400, NULL,
				"terminal: a WebSocket (version 13) upgrade is needed");
		return 400;
	}
	/* A page of another site may open a WebSocket here with the user's
	 * cookie: only this origin may. */
	if (origin) {
		const char *o = strstr(origin, "://");

		if (!o || !host || strcmp(o + 3, host) != 0) {
			web_reply_error(&req->reply, 403, NULL, "terminal: origin %s is not this server's",
					origin);
			return 403;
		}
	}
	if ((r = taper_container_state(req->w->store, name, &st, &err)) < 0) {
		web_reply_error(&req->reply, web_errno_status(r), NULL, "%s", err.msg);
		return web_errno_status(r);
	}
	r = st.state;
	taper_container_state_clear(&st);
	if (r != TAPER_STATE_RUNNING) {
		web_reply_error(&req->reply, 409, NULL, "terminal %s: container \"%s\" is %s, not RUNNING",
				name, name, taper_state_name((enum taper_state)r));
		return 409;
	}
	snprintf(buf, sizeof(buf), "%s" WS_GUID, key);
	sha1((const unsigned char *)buf, strlen(buf), digest);
	base64(digest, sizeof(digest), accept);
	if (!(c = calloc(1, sizeof(*c))) || !(c->name = strdup(name))) {
		free(c);
		web_reply_error(&req->reply, 500, NULL, "out of memory");
		return 500;
	}
	c->w = req->w;
	c->cols = cols;
	c->rows = rows;
	resp = MHD_create_response_for_upgrade(on_upgrade, c);
	if (!resp) {
		free(c->name);
		free(c);
		web_reply_error(&req->reply, 500, NULL, "terminal: no upgrade");
		return 500;
	}
	MHD_add_response_header(resp, "Upgrade", "websocket");
	MHD_add_response_header(resp, "Sec-WebSocket-Accept", accept);
	MHD_queue_response(req->conn, MHD_HTTP_SWITCHING_PROTOCOLS, resp);
	MHD_destroy_response(resp);
	return 0;
}
