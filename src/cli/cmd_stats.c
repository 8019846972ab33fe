/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * taper stats [NAME...] [--format table|json|yaml] [--watch [--interval S]] [--all]
 *
 * Usage of running containers, read from their cgroups. CPU percent needs
 * two snapshots: one-shot mode takes them --interval apart; watch mode
 * compares each refresh with the one before. On a terminal, watch mode
 * redraws in place on the alternate screen (ANSI escapes) and reads q
 * without echo; piped, it prints one block (or JSON array) per refresh.
 * SIGINT, SIGTERM and SIGHUP arrive through a signalfd, so the terminal
 * is always restored.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/cli.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/parse.h"
#include "util/strv.h"

#define VERB "stats"

struct row {
	char *name;
	bool running;
	bool have_prev;
	struct taper_stats prev, cur;
	double cpu_percent;
};

struct stats_args {
	char **names; /* borrowed from argv */
	size_t n_names;
	enum cli_format fmt;
	bool watch, all;
	uint64_t interval_us;
	uint64_t count; /* refreshes in watch mode, 0: until q */
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: taper stats [NAME...] [OPTIONS]\n\n"
		   "CPU, memory, pids, I/O and OOM kills of running containers (every running\n"
		   "container of the store when no NAME is given). CPU %% is measured between two\n"
		   "samples --interval apart; 100%% is one CPU.\n\n"
		   "Options:\n"
		   "  --format table|json|yaml  output (default table); json, yaml: an array of objects\n"
		   "  --watch               refresh every --interval until q or Ctrl-C\n"
		   "  --interval SECONDS    time between samples (default 1, e.g. 0.5)\n"
		   "  --count N             with --watch: stop after N refreshes\n"
		   "  --all                 include stopped containers\n");
}

static int parse_args(int argc, char **argv, struct stats_args *a)
{
	enum {
		O_FORMAT = 1000,
		O_WATCH,
		O_INTERVAL,
		O_COUNT,
		O_ALL,
		O_HELP
	};
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, O_FORMAT },
		{ "watch", no_argument, NULL, O_WATCH },
		{ "interval", required_argument, NULL, O_INTERVAL },
		{ "count", required_argument, NULL, O_COUNT },
		{ "all", no_argument, NULL, O_ALL },
		{ "help", no_argument, NULL, O_HELP },
		{ 0 },
	};
	int c;

	a->interval_us = 1000000;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case O_FORMAT:
			if ((c = cli_format_parse(VERB, optarg, "table", &a->fmt)) != 0)
				return c;
			break;
		case O_WATCH:
			a->watch = true;
			break;
		case O_INTERVAL:
			/* Seconds with up to 6 decimals: the CPU count syntax. */
			if (parse_cpus(optarg, &a->interval_us) < 0)
				return cli_failf(2, VERB, "--interval %s: not a number of seconds above 0",
						 optarg);
			break;
		case O_COUNT:
			if (parse_u64_range(optarg, 1, UINT32_MAX, &a->count) < 0)
				return cli_failf(2, VERB, "--count %s: not a positive integer", optarg);
			break;
		case O_ALL:
			a->all = true;
			break;
		case 'h':
		case O_HELP:
			usage(stdout);
			return -1;
		default:
			return cli_bad_option(VERB, "[NAME...] [OPTIONS]", "h", argv);
		}
	}
	a->names = argv + optind;
	a->n_names = (size_t)(argc - optind);
	return 0;
}

static void rows_free(struct row *rows, size_t n)
{
	for (size_t i = 0; rows && i < n; i++)
		free(rows[i].name);
	free(rows);
}

/* Sample every row; a container that stopped becomes not running. */
static int sample(struct taper_store *store, struct row *rows, size_t n, struct taper_err *err)
{
	for (size_t i = 0; i < n; i++) {
		struct taper_stats st;
		int r = taper_container_stats(store, rows[i].name, &st, err);

		if (r == -ESRCH || r == -ENOENT) {
			rows[i].running = false;
			rows[i].have_prev = false;
			taper_err_clear(err);
			continue;
		}
		if (r < 0)
			return r;
		rows[i].prev = rows[i].cur;
		rows[i].cur = st;
		rows[i].cpu_percent = rows[i].have_prev && rows[i].running
					      ? taper_stats_cpu_percent(&rows[i].prev, &st)
					      : 0.0;
		rows[i].have_prev = rows[i].running = true;
	}
	return 0;
}

static json_t *limit_or_null(int64_t v)
{
	return v < 0 ? json_null() : json_integer(v);
}

static json_t *row_json(const struct row *r)
{
	json_t *o = json_object();
	const struct taper_stats *s = &r->cur;

	json_object_set_new(o, "name", json_string(r->name));
	json_object_set_new(o, "state", json_string(r->running ? "RUNNING" : "STOPPED"));
	if (!r->running)
		return o;
	json_object_set_new(o, "cpu_usage_ns", json_integer((json_int_t)s->cpu_usage_ns));
	json_object_set_new(o, "cpu_percent",
			    json_real((double)(int64_t)(r->cpu_percent * 10.0 + 0.5) / 10.0));
	json_object_set_new(o, "memory_bytes", json_integer((json_int_t)s->memory_bytes));
	json_object_set_new(o, "memory_peak_bytes", json_integer((json_int_t)s->memory_peak_bytes));
	json_object_set_new(o, "memory_limit_bytes", limit_or_null(s->memory_limit_bytes));
	json_object_set_new(o, "pids", json_integer((json_int_t)s->pids));
	json_object_set_new(o, "pids_limit", limit_or_null(s->pids_limit));
	json_object_set_new(o, "io_read_bytes", json_integer((json_int_t)s->io_read_bytes));
	json_object_set_new(o, "io_write_bytes", json_integer((json_int_t)s->io_write_bytes));
	json_object_set_new(o, "oom_kills", json_integer((json_int_t)s->oom_kills));
	return o;
}

/* pretty: one document; else compact JSON, one line per refresh, or a
 * YAML document per refresh ("---" first). */
static int print_json(const struct stats_args *a, const struct row *rows, size_t n, bool pretty)
{
	_cleanup_(json_decrefp) json_t *arr = json_array();
	_cleanup_free_ char *text = NULL;

	for (size_t i = 0; i < n; i++)
		if (rows[i].running || a->all)
			json_array_append_new(arr, row_json(&rows[i]));
	if (pretty || a->fmt == CLI_FORMAT_YAML) {
		if (!pretty)
			printf("---\n");
		return cli_print_doc(VERB, arr, a->fmt) ? -EIO : 0;
	}
	text = json_dumps(arr, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
	if (!text)
		return -ENOMEM;
	printf("%s\n", text);
	return 0;
}

/* One table; eol ends each line ("\033[K\n" when redrawing in place). */
static void print_table(const struct stats_args *a, const struct row *rows, size_t n, const char *eol)
{
	printf("%-20s %7s %10s %9s %9s %9s %11s %9s %9s %4s%s", "NAME", "CPU%", "CPU-TIME", "MEM", "MEM-PEAK",
	       "MEM-LIMIT", "PIDS", "IO-READ", "IO-WRITE", "OOM", eol);
	for (size_t i = 0; i < n; i++) {
		const struct taper_stats *s = &rows[i].cur;
		char mem[16], peak[16], lim[16], rd[16], wr[16], pids[24], cpu[16];

		if (!rows[i].running) {
			if (a->all)
				printf("%-20s %7s%s", rows[i].name, "stopped", eol);
			continue;
		}
		cli_human_bytes(mem, sizeof(mem), s->memory_bytes);
		cli_human_bytes(peak, sizeof(peak), s->memory_peak_bytes);
		if (s->memory_limit_bytes < 0)
			snprintf(lim, sizeof(lim), "-");
		else
			cli_human_bytes(lim, sizeof(lim), (uint64_t)s->memory_limit_bytes);
		cli_human_bytes(rd, sizeof(rd), s->io_read_bytes);
		cli_human_bytes(wr, sizeof(wr), s->io_write_bytes);
		if (s->pids_limit < 0)
			snprintf(pids, sizeof(pids), "%" PRIu64, s->pids);
		else
			snprintf(pids, sizeof(pids), "%" PRIu64 "/%" PRId64, s->pids, s->pids_limit);
		snprintf(cpu, sizeof(cpu), "%.2fs", (double)s->cpu_usage_ns / 1e9);
		printf("%-20s %6.1f%% %10s %9s %9s %9s %11s %9s %9s %4" PRIu64 "%s", rows[i].name,
		       rows[i].cpu_percent, cpu, mem, peak, lim, pids, rd, wr, s->oom_kills, eol);
	}
}

/* The rows to show: the names given, or every container of the store. */
static int collect(struct taper_store *store, const struct stats_args *a, struct row **ret, size_t *ret_n,
		   struct taper_err *err)
{
	_cleanup_strv_free_ char **all = NULL;
	char **names = a->names;
	size_t n = a->n_names;
	struct row *rows;
	int r;

	if (n == 0) {
		if ((r = taper_container_list(store, &all, err)) < 0)
			return r;
		names = all;
		n = strv_length(all);
	}
	rows = calloc(n ? n : 1, sizeof(*rows));
	if (!rows)
		return err_set(err, ENOMEM, "stats");
	for (size_t i = 0; i < n; i++) {
		if (!(rows[i].name = strdup(names[i]))) {
			rows_free(rows, n);
			return err_set(err, ENOMEM, "stats");
		}
	}
	*ret = rows;
	*ret_n = n;
	return 0;
}

struct term {
	int sigfd;
	bool tty_out, tty_in;
	struct termios saved;
};

static void term_enter(struct term *t)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	t->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	t->tty_out = isatty(STDOUT_FILENO);
	if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &t->saved) == 0) {
		struct termios tio = t->saved;

		/* q without Enter and without echo; Ctrl-C still signals. */
		tio.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
		tio.c_cc[VMIN] = 1;
		tio.c_cc[VTIME] = 0;
		t->tty_in = tcsetattr(STDIN_FILENO, TCSANOW, &tio) == 0;
	}
	if (t->tty_out)
		fputs("\033[?1049h\033[?25l", stdout); /* alternate screen, hide cursor */
}

static void term_leave(struct term *t)
{
	if (t->tty_out)
		fputs("\033[?25h\033[?1049l", stdout);
	fflush(stdout);
	if (t->tty_in)
		(void)tcsetattr(STDIN_FILENO, TCSANOW, &t->saved);
	safe_close(t->sigfd);
}

/* Wait up to ms; false when asked to quit (q, signal). */
static bool term_wait(struct term *t, int ms)
{
	struct timespec start, now;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		struct pollfd p[2] = {
			{ .fd = t->sigfd, .events = POLLIN },
			{ .fd = t->tty_in ? STDIN_FILENO : -1, .events = POLLIN },
		};
		int left;

		clock_gettime(CLOCK_MONOTONIC, &now);
		left = ms -
		       (int)((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000);
		if (left <= 0)
			return true;
		if (poll(p, 2, left) < 0 && errno != EINTR)
			return false;
		if (p[0].revents)
			return false;
		if (p[1].revents) {
			char ch;

			if (read(STDIN_FILENO, &ch, 1) != 1 || ch == 'q' || ch == 'Q')
				return false;
		}
	}
}

static int watch(struct taper_store *store, const struct stats_args *a, struct row *rows, size_t n)
{
	struct taper_err err = { 0 };
	struct term t = { .sigfd = -1 };
	int ms = (int)(a->interval_us / 1000), status = 0;

	term_enter(&t);
	if (sample(store, rows, n, &err) < 0) {
		term_leave(&t);
		return cli_fail(VERB, &err);
	}
	for (uint64_t k = 0; (a->count == 0 || k < a->count) && term_wait(&t, ms); k++) {
		if (sample(store, rows, n, &err) < 0) {
			status = 1;
			break;
		}
		if (t.tty_out)
			fputs("\033[H", stdout);
		if (a->fmt != CLI_FORMAT_TABLE)
			print_json(a, rows, n, false);
		else
			print_table(a, rows, n, t.tty_out ? "\033[K\n" : "\n");
		if (t.tty_out)
			fputs("\033[J", stdout);
		else if (a->fmt == CLI_FORMAT_TABLE)
			putchar('\n');
		fflush(stdout);
	}
	term_leave(&t);
	return status ? cli_fail(VERB, &err) : 0;
}

/* One sample (or the watch) of the containers to show. */
static int run(struct taper_store *store, const struct stats_args *a, struct taper_err *err)
{
	struct row *rows = NULL;
	size_t n = 0;
	int r;

	if (collect(store, a, &rows, &n, err) < 0)
		return cli_fail(VERB, err);
	if (a->watch) {
		r = watch(store, a, rows, n);
		rows_free(rows, n);
		return r;
	}
	r = sample(store, rows, n, err);
	if (r == 0) {
		/* A container named on the command line must be there. */
		for (size_t i = 0; i < a->n_names && !a->all; i++)
			if (!rows[i].running) {
				if (!taper_container_exists(store, rows[i].name))
					r = err_set(err, 0, "container \"%s\" not found", rows[i].name);
				else
					r = err_set(err, 0, "container \"%s\" is not running", rows[i].name);
				break;
			}
	}
	if (r == 0) {
		struct timespec ts = { .tv_sec = (time_t)(a->interval_us / 1000000),
				       .tv_nsec = (long)(a->interval_us % 1000000) * 1000 };

		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
		r = sample(store, rows, n, err);
	}
	if (r == 0) {
		if (a->fmt != CLI_FORMAT_TABLE) {
			if (print_json(a, rows, n, true) < 0) {
				rows_free(rows, n);
				return 1;
			}
		} else {
			print_table(a, rows, n, "\n");
		}
	}
	rows_free(rows, n);
	return r < 0 ? cli_fail(VERB, err) : 0;
}

int cmd_stats(int argc, char **argv, struct cli_ctx *ctx)
{
	struct taper_store *store = NULL;
	struct stats_args a = { 0 };
	struct taper_err err = { 0 };
	int r;

	r = parse_args(argc, argv, &a);
	if (r)
		return r < 0 ? 0 : r;
	for (size_t i = 0; i < a.n_names; i++)
		if (taper_container_name_check(a.names[i], &err) < 0)
			return cli_fail(VERB, &err);
	if (taper_store_open(ctx->store_path, &store, &err) < 0)
		return cli_fail(VERB, &err);
	r = run(store, &a, &err);
	taper_store_close(store);
	return r;
}
