/* The lifecycle layer's pure parts: the state file, state names, and the
 * /proc readers that decide whether a recorded pid is still believed. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "container/container.h"
#include "util/cleanup.h"
#include "util/strv.h"

static void test_record_round_trip(void **state)
{
	struct container_record r = { .state = TAPER_STATE_RUNNING,
				      .monitor_pid = 10,
				      .monitor_start = 99,
				      .init_pid = 11,
				      .init_start = 100,
				      .started_at = 1700000000 };
	struct container_record back;
	_cleanup_free_ char *text = NULL;

	assert_int_equal(strv_extend(&r.ipv4, "10.0.3.2"), 0);
	assert_int_equal(strv_extend(&r.ipv4, "10.0.4.2"), 0);
	assert_int_equal(container_record_format(&r, &text), 0);
	assert_int_equal(container_record_parse(text, &back), 0);
	assert_int_equal(back.state, TAPER_STATE_RUNNING);
	assert_int_equal(back.monitor_pid, 10);
	assert_int_equal(back.init_start, 100);
	assert_int_equal(back.started_at, 1700000000);
	assert_int_equal(strv_length(back.ipv4), 2);
	assert_string_equal(back.ipv4[1], "10.0.4.2");
	container_record_clear(&back);
	container_record_clear(&r);
}

static void test_record_refuses_garbage(void **state)
{
	struct container_record r;

	assert_int_equal(container_record_parse("state = DANCING\n", &r), -EINVAL);
	assert_int_equal(container_record_parse("init.pid = -4\n", &r), -EINVAL);
	assert_int_equal(container_record_parse("init.start = 12x\n", &r), -EINVAL);
	/* A pid is a pid_t: no wrapping onto another process (2^32 + 1 is 1). */
	assert_int_equal(container_record_parse("monitor.pid = 4294967297\n", &r), -ERANGE);
	assert_int_equal(container_record_parse("init.pid = 4242123456\n", &r), -ERANGE);
	/* Unknown keys and blank lines are ignored (forward compatible). */
	assert_int_equal(container_record_parse("\nfuture = 1\nstate = STOPPING\n", &r), 0);
	/* A malformed line is an error, not a line skipped. */
	assert_int_equal(container_record_parse("state = RUNNING\nstate STOPPED\n", &r), -EINVAL);
	assert_int_equal(r.state, TAPER_STATE_STOPPING);
	container_record_clear(&r);
}

static void test_state_names(void **state)
{
	enum taper_state s;

	for (int i = 0; i < TAPER_STATE_COUNT; i++) {
		assert_non_null(taper_state_name((enum taper_state)i));
		assert_int_equal(taper_state_from_name(taper_state_name((enum taper_state)i), &s), 0);
		assert_int_equal(s, i);
	}
	assert_int_equal(taper_state_from_name("frozen", &s), 0);
	assert_int_equal(s, TAPER_STATE_FROZEN);
	assert_null(taper_state_name(TAPER_STATE_COUNT));
	assert_int_equal(taper_state_from_name("", &s), -EINVAL);
}

static void test_start_time_tells_pids_apart(void **state)
{
	uint64_t mine, child_start;
	pid_t child;
	int status;

	assert_int_equal(proc_start_time(getpid(), &mine), 0);
	assert_true(proc_matches(getpid(), mine));
	assert_false(proc_matches(getpid(), mine + 1));
	assert_false(proc_matches(0, 0));
	child = fork();
	if (child == 0)
		_exit(0);
	assert_true(child > 0);
	/* A zombie is gone as far as the container layer cares. */
	while (proc_start_time(child, &child_start) == 0)
		usleep(1000);
	assert_int_equal(proc_start_time(child, &child_start), -ESRCH);
	assert_int_equal(proc_wait_exit(child, 1, 100), 0);
	waitpid(child, &status, 0);
	assert_int_equal(proc_start_time(child, &child_start), -ESRCH);
}

static void test_not_in_a_taper_group(void **state)
{
	assert_false(proc_in_group(getpid(), "0123456789abcdef/x"));
	assert_false(proc_in_group(999999999, "0123456789abcdef/x"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record_round_trip),
		cmocka_unit_test(test_record_refuses_garbage),
		cmocka_unit_test(test_state_names),
		cmocka_unit_test(test_start_time_tells_pids_apart),
		cmocka_unit_test(test_not_in_a_taper_group),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
