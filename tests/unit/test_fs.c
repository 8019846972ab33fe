#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "util/cleanup.h"
#include "util/fs.h"

static char dir[64];

static int setup(void **state)
{
	strcpy(dir, "/tmp/taper-test-fs.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	return rm_rf_at(AT_FDCWD, dir);
}

static void test_atomic_write_and_read(void **state)
{
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_free_ char *s = NULL;
	size_t len = 0;

	assert_int_equal(write_file_atomic_at(dfd, "cfg", "a = 1\n", 6, 0644), 0);
	assert_int_equal(write_file_atomic_at(dfd, "cfg", "b = 2\n", 6, 0600), 0);
	assert_int_equal(read_file_at(dfd, "cfg", 1024, &s, &len), 0);
	assert_string_equal(s, "b = 2\n");
	assert_int_equal(len, 6);
	assert_int_equal(read_file_at(dfd, "cfg", 3, &s, &len), -EFBIG);
	assert_int_equal(write_file_atomic_at(dfd, "a/b", "x", 1, 0644), -EINVAL);
}

static void test_in_root_stays_in_root(void **state)
{
	char p[128];
	_cleanup_close_ int root = -1;
	int fd;

	snprintf(p, sizeof(p), "%s/root", dir);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/root/escape", dir);
	assert_int_equal(symlink("/etc/../../etc", p), 0);
	snprintf(p, sizeof(p), "%s/root/etc", dir);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/root", dir);
	root = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
	/* /etc/passwd exists on the host, not in this root. */
	fd = openat2_in_root(root, "escape/passwd", O_RDONLY, 0);
	assert_int_equal(fd, -ENOENT);
	fd = openat2_in_root(root, "escape", O_RDONLY | O_DIRECTORY, 0);
	assert_true(fd >= 0);
	close(fd);
}

static void test_rm_rf_does_not_follow_symlinks(void **state)
{
	char p[128], outside[128];

	snprintf(outside, sizeof(outside), "%s/outside", dir);
	assert_int_equal(mkdir(outside, 0755), 0);
	snprintf(p, sizeof(p), "%s/outside/keep", dir);
	close(open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
	snprintf(p, sizeof(p), "%s/tree/a/b", dir);
	assert_int_equal(mkdir_p(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/tree/a/link", dir);
	assert_int_equal(symlink(outside, p), 0);
	snprintf(p, sizeof(p), "%s/tree", dir);
	assert_int_equal(rm_rf_at(AT_FDCWD, p), 0);
	assert_int_equal(access(p, F_OK), -1);
	snprintf(p, sizeof(p), "%s/outside/keep", dir);
	assert_int_equal(access(p, F_OK), 0);
	assert_int_equal(rm_rf_at(AT_FDCWD, "/nonexistent/taper-test"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_atomic_write_and_read),
		cmocka_unit_test(test_in_root_stays_in_root),
		cmocka_unit_test(test_rm_rf_does_not_follow_symlinks),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
