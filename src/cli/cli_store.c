/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cli_store.c — what the verbs share: opening the store, the error line
 * ("taper: VERB: ..."), the usage errors (that line, then the usage
 * line), and the arguments a verb expects.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

int cli_open_store(struct cli_ctx *ctx, const char *verb, struct taper_store **ret)
{
	struct taper_err err = { 0 };

	if (taper_store_open(ctx->store_path, ret, &err) < 0)
		return cli_fail(verb, &err);
	return 0;
}

int cli_fail(const char *verb, const struct taper_err *err)
{
	return cli_failf(1, verb, "%s", err->msg[0] ? err->msg : "failed");
}

static void vfail(const char *verb, const char *fmt, va_list ap)
{
	fprintf(stderr, "taper: %s: ", verb);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int cli_failf(int status, const char *verb, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(verb, fmt, ap);
	va_end(ap);
	return status;
}

int cli_usage(const char *verb, const char *usage, bool error)
{
	fprintf(error ? stderr : stdout, "Usage: taper %s %s\n", verb, usage);
	return error ? 2 : 0;
}

int cli_usage_error(const char *verb, const char *usage, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(verb, fmt, ap);
	va_end(ap);
	return cli_usage(verb, usage, true);
}

int cli_bad_option(const char *verb, const char *usage, const char *shortopts, char **argv)
{
	const char *word = optind > 0 ? argv[optind - 1] : "";
	size_t len = strcspn(word, "=");
	bool is_long = strncmp(word, "--", 2) == 0;

	/* getopt_long() leaves optopt 0 for an unknown long option, the
	 * option's value for one whose value is missing, and the letter for
	 * a short option either way. */
	if (optopt && (is_long || (optopt < 256 && strchr(shortopts, optopt) && optopt != ':')))
		return is_long ? cli_usage_error(verb, usage, "option \"%.*s\" needs a value", (int)len, word)
			       : cli_usage_error(verb, usage, "option \"-%c\" needs a value", optopt);
	if (is_long)
		return cli_usage_error(verb, usage, "unknown option \"%.*s\"", (int)len, word);
	return cli_usage_error(verb, usage, "unknown option \"-%c\"", optopt ? optopt : '?');
}

/* The length of a word's name without a final "..."; *more: it had one. */
static int name_len(const char *name, bool *more)
{
	size_t len = strlen(name);

	*more = len > 3 && strcmp(name + len - 3, "...") == 0;
	return (int)(*more ? len - 3 : len);
}

int cli_args(const char *verb, const char *usage, int argc, char **argv, const char *const *names)
{
	int n = 0, min = 0;
	bool more = false;

	for (; names[n]; n++)
		if (names[n][0] != '[')
			min = n + 1;
	if (argc < min)
		return cli_usage_error(verb, usage, "missing %.*s", name_len(names[argc], &more),
				       names[argc]);
	if (n)
		name_len(names[n - 1], &more);
	if (argc > n && !more)
		return cli_usage_error(verb, usage, "unexpected argument \"%s\"", argv[n]);
	return 0;
}

int cli_no_options(const char *verb, const char *usage, int argc, char **argv)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' }, {} };
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c != 'h')
			return cli_bad_option(verb, usage, "h", argv);
		cli_usage(verb, usage, false);
		return -1;
	}
	return 0;
}
