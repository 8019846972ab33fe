/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * child.h — run a function in a forked child and hear how it went; and
 * the report with which any child of taper, forked here or an executed
 * program (taper-monitor), tells its parent.
 *
 * The error convention is the library's: the child's function returns 0
 * or -errno and fills its struct taper_err; the parent gets the same
 * return and the same err. An empty message leaves the caller's err as it
 * was, for an expected result such as -ENOENT.
 *
 * The report is text on a pipe, records one after another:
 *   "P <done> <total> <stage>\n"      progress, any number of them
 *   "D <length>\n" <length bytes>     output, at most one (a probe's
 *                                     detail, a command's JSON)
 *   "OK\n"                            the result: done
 *   "ERR <errno> <message>\n"         the result: failed, errno > 0, the
 *                                     message on one line, maybe empty
 * The result is the last record; the reader stops at it or at EOF.
 * taper-monitor's report is a result record alone (launch.c).
 *
 * child_run() forks; the child dies with its caller (PR_SET_PDEATHSIG),
 * takes SIGINT, SIGTERM and SIGHUP as any program does, runs fn with the
 * write end of the report pipe (close-on-exec, as every other fd it
 * inherits should be), writes fn's result and _exit()s. The parent reads
 * the report and reaps the child. A child that ends without a result is
 * an error naming it and how it ended (opts->what, "child" by default):
 *   -EIO        "copy: process 4242 killed by signal 9 (Killed)"
 *   -EIO        "copy: process 4242 exited with status 3 and no report"
 *   -ETIMEDOUT  "probe: no answer within 5000 ms" (the child is killed)
 *   -ECANCELED  "unpack: interrupted" (*opts->cancel set; killed)
 * The caller must be single-threaded: fn runs after a plain fork().
 */
#ifndef TAPER_UTIL_CHILD_H
#define TAPER_UTIL_CHILD_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <taper.h>

/* Runs in the child; report_fd is for child_report_progress/_output. */
typedef int (*child_fn)(void *arg, int report_fd, struct taper_err *err);

struct child_opts {
	const char *what;              /* names the child in errors */
	int timeout_ms;                /* > 0: a bound on the whole run */
	volatile sig_atomic_t *cancel; /* set by a signal handler: stop */
	void (*progress)(void *data, const char *stage, uint64_t done, uint64_t total);
	void *data;
	char **ret_out; /* the child's output on success ("" if none) */
};

/* fn's result, or -errno of the plumbing or of how the child ended (err
 * names it). opts may be NULL. */
int child_run(child_fn fn, void *arg, const struct child_opts *opts, struct taper_err *err);

/* The records, for the child (or an executed program) to write. A result
 * r > 0 is written as success. 0 or -errno of the write. */
int child_report_progress(int fd, const char *stage, uint64_t done, uint64_t total);
int child_report_output(int fd, const char *data, size_t len);
int child_report_result(int fd, int r, const struct taper_err *err);

/* The result record at the start of text[0, len) (a report with no
 * progress or output before it, as taper-monitor's): true and *ret_r (0
 * or -errno, err filled as child_run() does) when text holds a whole one,
 * false when not. */
bool child_report_decode(const char *text, size_t len, int *ret_r, struct taper_err *err);

#endif
