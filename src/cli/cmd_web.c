/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * taper web [--listen ADDR:PORT] [--cert PEM --key PEM] [--insecure]
 *
 * The browser panel and its JSON API over the store (src/web/). Serves
 * until SIGINT or SIGTERM. Makes the store when there is none: the panel
 * creates containers.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "web/web.h"

#define VERB "web"
#define USAGE "[--listen ADDR:PORT] [--cert PEM --key PEM] [--insecure]"
/* include/taper.h: a NULL store path is this one. */
#define DEFAULT_STORE "/var/lib/taper"

static void usage(FILE *f)
{
	fprintf(f, "Usage: taper web " USAGE "\n\n"
		   "A panel to see, start, stop, freeze and limit containers from a browser, and\n"
		   "its JSON API (/api/v1/). Prints a login URL carrying the store's token\n"
		   "(<store>/.web-token, made on the first run).\n\n"
		   "Options:\n"
		   "  --listen ADDR:PORT   where to listen (default 127.0.0.1:8080; [::1]:8080)\n"
		   "  --cert FILE          TLS certificate (PEM); with --key: HTTPS\n"
		   "  --key FILE           TLS private key (PEM)\n"
		   "  --insecure           allow plain HTTP on a non-loopback address\n"
		   "  --url-host HOST      the host name the login URL shows\n");
}

int cmd_web(int argc, char **argv, struct cli_ctx *ctx)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "cert", required_argument, NULL, 'c' },
		{ "key", required_argument, NULL, 'k' },
		{ "insecure", no_argument, NULL, 'I' },
		{ "url-host", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct web_opts o = { .listen = "127.0.0.1:8080" };
	struct taper_store *s = NULL;
	struct taper_err err = { 0 };
	int c, r;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			o.listen = optarg;
			break;
		case 'c':
			o.cert_file = optarg;
			break;
		case 'k':
			o.key_file = optarg;
			break;
		case 'I':
			o.insecure = true;
			break;
		case 'H':
			o.host = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			return cli_bad_option(VERB, USAGE, "h", argv);
		}
	}
	if (optind < argc)
		return cli_usage_error(VERB, USAGE, "unexpected argument \"%s\"", argv[optind]);
	/* The terminal puts processes into containers. */
	if (taper_runtime_prepare(ctx->argc, ctx->argv, &err) < 0)
		return cli_fail(VERB, &err);
	o.store_path = ctx->store_path ? ctx->store_path : DEFAULT_STORE;
	if (taper_store_create(o.store_path, &s, &err) < 0)
		return cli_fail(VERB, &err);
	r = web_serve(s, &o, &err);
	taper_store_close(s);
	if (r < 0)
		return cli_fail(VERB, &err);
	return 0;
}
