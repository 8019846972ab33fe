/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * taper monitor [NAME...] [--format text|json|yaml] — lxc-monitor: one line per
 * state change of the store's containers (or of those named), until
 * SIGINT or SIGTERM, which end it with status 0. Text lines are "TIME
 * NAME STATE" (TIME in UTC, milliseconds); json lines are one object
 * each, yaml one document ("---") each. Every line is flushed at once, for pipes.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"

#define VERB "monitor"
#define USAGE "[NAME...] [--format text|json|yaml]"

static void format_time(int64_t ns, char *buf, size_t n)
{
	time_t t = (time_t)(ns / 1000000000);
	struct tm tm;
	char sec[32];

	if (!gmtime_r(&t, &tm) || !strftime(sec, sizeof(sec), "%Y-%m-%dT%H:%M:%S", &tm))
		snprintf(sec, sizeof(sec), "%lld", (long long)t);
	snprintf(buf, n, "%s.%03dZ", sec, (int)(ns % 1000000000 / 1000000));
}

/* text and json: a line per event; yaml: a document per event. */
static void print_event(const struct taper_event *e, enum cli_format fmt)
{
	char when[48];

	format_time(e->time_ns, when, sizeof(when));
	if (fmt != CLI_FORMAT_TABLE) {
		json_t *o = json_pack("{s:s, s:s, s:s, s:I}", "name", e->name, "state",
				      taper_state_name(e->state), "time", when, "timestamp_ns",
				      (json_int_t)e->time_ns);
		char *text = o && fmt == CLI_FORMAT_JSON ? json_dumps(o, JSON_COMPACT) : NULL;

		if (text)
			puts(text);
		else if (fmt == CLI_FORMAT_YAML && printf("---\n") > 0)
			(void)cli_print_doc(VERB, o, fmt);
		free(text);
		json_decref(o);
	} else {
		printf("%s %s %s\n", when, e->name, taper_state_name(e->state));
	}
	fflush(stdout);
}

int cmd_monitor(int argc, char **argv, struct cli_ctx *ctx)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct taper_watch *w = NULL;
	struct taper_store *s = NULL;
	struct taper_err err = { 0 };
	enum cli_format fmt = CLI_FORMAT_TABLE;
	int c, r, sigfd;
	sigset_t set;

	while ((c = getopt_long(argc, argv, "f:h", opts, NULL)) != -1) {
		if (c == 'f' && (r = cli_format_parse(VERB, optarg, "text", &fmt)) != 0)
			return r;
		else if (c == 'h')
			return cli_usage(VERB, USAGE, false);
		else if (c != 'f')
			return cli_bad_option(VERB, USAGE, "f:h", argv);
	}
	for (int i = optind; i < argc; i++)
		if (taper_container_name_check(argv[i], &err) < 0)
			return cli_fail(VERB, &err);
	if ((r = cli_open_store(ctx, VERB, &s)) != 0)
		return r;
	/* SIGINT and SIGTERM through a signalfd, polled with the watch: no
	 * window between a check and a wait where one is lost. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sigfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sigfd < 0 || taper_watch_open(s, optind < argc ? argv + optind : NULL, &w, &err) < 0) {
		if (sigfd < 0)
			snprintf(err.msg, sizeof(err.msg), "signalfd: %s", strerror(errno));
		taper_store_close(s);
		return cli_fail(VERB, &err);
	}
	for (;;) {
		struct pollfd p[2] = { { .fd = taper_watch_fd(w), .events = POLLIN },
				       { .fd = sigfd, .events = POLLIN } };
		struct taper_event e;

		/* What is there now, then a wait; the library's own timer
		 * (the freezer) runs on the poll's timeout. */
		while ((r = taper_watch_next(w, 0, &e, &err)) > 0)
			print_event(&e, fmt);
		if (r < 0 && r != -EINTR)
			break;
		if (poll(p, 2, 1000) < 0 && errno != EINTR) {
			r = -errno;
			snprintf(err.msg, sizeof(err.msg), "poll: %s", strerror(errno));
			break;
		}
		if (p[1].revents) {
			/* What happened before the signal is printed, not lost. */
			while ((r = taper_watch_next(w, 0, &e, &err)) > 0)
				print_event(&e, fmt);
			if (r == -EINTR)
				r = 0;
			break;
		}
	}
	close(sigfd);
	taper_watch_close(w);
	taper_store_close(s);
	return r < 0 ? cli_fail(VERB, &err) : 0;
}
