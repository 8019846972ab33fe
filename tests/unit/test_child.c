/* Fork and report (util/child.h): the one way a child's result, progress
 * and output come back, and the report encoding taper-monitor shares. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "util/child.h"
#include "util/cleanup.h"
#include "util/err.h"

static pid_t parent_pid;

static int say_pid(void *arg, int report_fd, struct taper_err *err)
{
	char out[64];
	int n;

	/* Runs in another process: its pid is not the caller's. */
	if (getpid() == parent_pid)
		return err_set(err, 0, "ran in the caller");
	n = snprintf(out, sizeof(out), "%s %d", (const char *)arg, 42);
	return child_report_output(report_fd, out, (size_t)n);
}

static int nothing(void *arg, int report_fd, struct taper_err *err)
{
	return 0;
}

static int refuse(void *arg, int report_fd, struct taper_err *err)
{
	return err_set(err, EACCES, "open %s", (const char *)arg);
}

static int quiet_enoent(void *arg, int report_fd, struct taper_err *err)
{
	return -ENOENT;
}

static int crash(void *arg, int report_fd, struct taper_err *err)
{
	raise(SIGKILL);
	return 0;
}

static int leave(void *arg, int report_fd, struct taper_err *err)
{
	_exit(3);
}

static int hang(void *arg, int report_fd, struct taper_err *err)
{
	for (;;)
		pause();
	return 0;
}

static int progress_and_big_output(void *arg, int report_fd, struct taper_err *err)
{
	size_t n = 1u << 20; /* far past a pipe's buffer */
	char *big = malloc(n);

	if (!big)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		big[i] = (char)('a' + i % 26);
	child_report_progress(report_fd, "one", 1, 2);
	child_report_progress(report_fd, "two\nlines", 2, 2);
	return child_report_output(report_fd, big, n);
}

struct seen {
	char stages[64];
	unsigned long long done_sum;
};

static void note(void *data, const char *stage, uint64_t done, uint64_t total)
{
	struct seen *s = data;

	strcat(s->stages, stage);
	strcat(s->stages, "|");
	s->done_sum += done * 10 + total;
}

static size_t count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	size_t n = 0;

	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static void test_output_comes_back(void **state)
{
	struct taper_err err = { 0 };
	_cleanup_free_ char *out = NULL, *none = NULL, *empty = NULL;

	parent_pid = getpid();
	assert_int_equal(child_run(say_pid, "hello", &(struct child_opts){ .ret_out = &out }, &err), 0);
	assert_string_equal(out, "hello 42");
	assert_int_equal(child_run(say_pid, "x", NULL, &err), 0);
	assert_int_equal(child_run(quiet_enoent, NULL, NULL, &err), -ENOENT);
	/* No output: an empty string, not NULL; a failure: none at all. */
	assert_int_equal(child_run(nothing, NULL, &(struct child_opts){ .ret_out = &empty }, &err), 0);
	assert_string_equal(empty, "");
	assert_int_equal(child_run(refuse, "/x", &(struct child_opts){ .ret_out = &none }, NULL), -EACCES);
	assert_null(none);
}

static void test_error_comes_back(void **state)
{
	struct taper_err err = { 0 };

	assert_int_equal(child_run(refuse, "/x", NULL, &err), -EACCES);
	assert_int_equal(err.code, EACCES);
	assert_string_equal(err.msg, "open /x: Permission denied");
	/* A message of many lines comes back as one. */
	assert_int_equal(child_run(refuse, "a\nb", NULL, &err), -EACCES);
	assert_string_equal(err.msg, "open a b: Permission denied");
}

static void test_quiet_error_leaves_err_alone(void **state)
{
	struct taper_err err = { .code = 1, .msg = "before" };

	assert_int_equal(child_run(quiet_enoent, NULL, NULL, &err), -ENOENT);
	assert_string_equal(err.msg, "before");
}

static void test_how_a_child_ended(void **state)
{
	struct taper_err err = { 0 };

	assert_int_equal(child_run(crash, NULL, &(struct child_opts){ .what = "copy" }, &err), -EIO);
	assert_int_equal(err.code, EIO);
	assert_true(strncmp(err.msg, "copy: process ", 14) == 0);
	assert_non_null(strstr(err.msg, " killed by signal 9 (Killed)"));

	assert_int_equal(child_run(leave, NULL, NULL, &err), -EIO);
	assert_non_null(strstr(err.msg, " exited with status 3 and no report"));
	assert_true(strncmp(err.msg, "child: process ", 15) == 0);
}

static void test_timeout_and_cancel(void **state)
{
	volatile sig_atomic_t stop = 1;
	struct taper_err err = { 0 };

	assert_int_equal(
		child_run(hang, NULL, &(struct child_opts){ .what = "probe", .timeout_ms = 50 }, &err),
		-ETIMEDOUT);
	assert_string_equal(err.msg, "probe: no answer within 50 ms");
	assert_int_equal(
		child_run(hang, NULL, &(struct child_opts){ .what = "unpack", .cancel = &stop }, &err),
		-ECANCELED);
	assert_string_equal(err.msg, "unpack: interrupted");
}

static void test_progress_and_big_output(void **state)
{
	struct seen seen = { "", 0 };
	struct taper_err err = { 0 };
	_cleanup_free_ char *out = NULL;
	const struct child_opts opts = { .progress = note, .data = &seen, .ret_out = &out };
	size_t before = count_fds();

	assert_int_equal(child_run(progress_and_big_output, NULL, &opts, &err), 0);
	assert_string_equal(seen.stages, "one|two lines|");
	assert_int_equal(seen.done_sum, 12 + 22);
	assert_non_null(out);
	assert_int_equal(out ? strlen(out) : 0, 1u << 20);
	assert_true(out && out[(1u << 20) - 1] == 'a' + ((1u << 20) - 1) % 26);
	/* The report pipe is gone on both sides, on every path. */
	assert_int_equal(child_run(crash, NULL, NULL, NULL), -EIO);
	assert_int_equal(child_run(hang, NULL, &(struct child_opts){ .timeout_ms = 10 }, NULL), -ETIMEDOUT);
	assert_int_equal(count_fds(), before);
}

/* The result record as taper-monitor writes and its starter reads it. */
static void test_result_encoding(void **state)
{
	struct taper_err err = { 0 }, in = { .code = EEXIST, .msg = "create veth: netlink: File exists" };
	char buf[256];
	int p[2], r = 1;
	ssize_t n;

	assert_true(child_report_decode("OK\n", 3, &r, &err));
	assert_int_equal(r, 0);
	assert_true(child_report_decode("ERR 13 open /x: Permission denied\n", 34, &r, &err));
	assert_int_equal(r, -EACCES);
	assert_int_equal(err.code, EACCES);
	assert_string_equal(err.msg, "open /x: Permission denied");
	err = (struct taper_err){ .code = 1, .msg = "before" };
	assert_true(child_report_decode("ERR 2 \n", 7, &r, &err));
	assert_int_equal(r, -ENOENT);
	assert_string_equal(err.msg, "before");
	assert_true(child_report_decode("ERR 0 odd\n", 10, &r, &err));
	assert_int_equal(r, -EINVAL);
	assert_false(child_report_decode("OK", 2, &r, &err));
	assert_false(child_report_decode("ERR x y\n", 8, &r, &err));
	assert_false(child_report_decode("hello\n", 6, &r, &err));

	assert_int_equal(pipe(p), 0);
	assert_int_equal(child_report_result(p[1], -EEXIST, &in), 0);
	assert_int_equal(child_report_result(p[1], 0, NULL), 0);
	close(p[1]);
	n = read(p[0], buf, sizeof(buf) - 1);
	close(p[0]);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_string_equal(buf, "ERR 17 create veth: netlink: File exists\nOK\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_output_comes_back),
		cmocka_unit_test(test_error_comes_back),
		cmocka_unit_test(test_quiet_error_leaves_err_alone),
		cmocka_unit_test(test_how_a_child_ended),
		cmocka_unit_test(test_timeout_and_cancel),
		cmocka_unit_test(test_progress_and_big_output),
		cmocka_unit_test(test_result_encoding),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
