/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * web.h — `taper web`: a browser panel and a JSON REST API over one store.
 *
 * A front end of libtaper like the CLI: it reaches containers through
 * include/taper.h only. One process, one thread: libmicrohttpd runs
 * without threads of its own, driven by a poll loop in the caller. Every
 * call that changes something (start, stop, create, limits, ...) runs in a
 * forked child of that process that reports one JSON line on a pipe, its
 * HTTP connection suspended until then, so that a long start never blocks
 * another request; reads (list, state, stats, limits) run inline.
 *
 * web_serve() returns on SIGINT or SIGTERM (0), or when the server cannot
 * start (-errno, err says why). It prints the login URL on stdout.
 */
#ifndef TAPER_WEB_WEB_H
#define TAPER_WEB_WEB_H

#include <stdbool.h>

#include <taper.h>

struct web_opts {
	const char *store_path; /* the store's directory (for the token file) */
	const char *listen;     /* "127.0.0.1:8080", "[::1]:8080", ":8080" */
	const char *cert_file;  /* PEM; with key_file: HTTPS */
	const char *key_file;
	bool insecure;    /* allow plain HTTP on a non-loopback address */
	const char *host; /* the host name the login URL shows; NULL: the address */
};

int web_serve(struct taper_store *s, const struct web_opts *o, struct taper_err *err);

#endif
