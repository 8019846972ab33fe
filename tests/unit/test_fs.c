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

#include <sys/sysmacros.h>

#include "util/cleanup.h"
#include "util/err.h"
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

/* A root with etc/ holding a fifo, a device node, a symlink and a file. */
static int hostile_root(void)
{
	char p[128];

	snprintf(p, sizeof(p), "%s/hr/etc", dir);
	assert_int_equal(mkdir_p(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/hr/etc/fifo", dir);
	assert_int_equal(mkfifo(p, 0644), 0);
	snprintf(p, sizeof(p), "%s/hr/etc/null", dir);
	assert_int_equal(mknod(p, S_IFCHR | 0644, makedev(1, 3)), 0);
	snprintf(p, sizeof(p), "%s/hr/etc/link", dir);
	assert_int_equal(symlink("file", p), 0);
	snprintf(p, sizeof(p), "%s/hr/etc/up", dir);
	assert_int_equal(symlink("/..", p), 0);
	snprintf(p, sizeof(p), "%s/hr/etc/file", dir);
	close(open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0640));
	assert_int_equal(write_file(p, "old\n"), 0);
	snprintf(p, sizeof(p), "%s/hr", dir);
	return open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

static void test_root_files_only_regular(void **state)
{
	_cleanup_close_ int root = hostile_root();
	_cleanup_free_ char *s = NULL;
	struct taper_err err = { 0 };
	char p[128];
	struct stat st;

	assert_true(root >= 0);
	/* Neither open blocks on the fifo nor opens the device. */
	assert_int_equal(root_open_regular(root, "/etc/fifo", O_RDONLY, &err), -EBADFD);
	assert_string_equal(err.msg, "/etc/fifo: a fifo, not a regular file");
	assert_int_equal(root_read_file(root, "etc/null", 64, &s, NULL, &err), -EBADFD);
	assert_string_equal(err.msg, "/etc/null: a character device, not a regular file");
	assert_int_equal(root_read_file(root, "etc/link", 64, &s, NULL, &err), -EBADFD);
	assert_string_equal(err.msg, "/etc/link: a symlink, not a regular file");
	assert_int_equal(root_read_file(root, "etc", 64, &s, NULL, &err), -EBADFD);
	assert_int_equal(root_read_file(root, "etc/file", 2, &s, NULL, &err), -EFBIG);
	assert_int_equal(root_read_file(root, "etc/up/etc/file", 64, &s, NULL, &err), 0);
	assert_string_equal(s, "old\n");

	/* Writes: never through a fifo, device or symlink. */
	assert_int_equal(root_write_file(root, "/etc/fifo", "x", 1, 0644, &err), -EBADFD);
	assert_int_equal(root_write_file(root, "/etc/null", "x", 1, 0644, &err), -EBADFD);
	assert_int_equal(root_write_file(root, "/etc/link", "x", 1, 0644, &err), -EBADFD);
	snprintf(p, sizeof(p), "%s/hr/etc/fifo", dir);
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISFIFO(st.st_mode));
	/* A regular file is replaced, mode kept; a new one gets mode. */
	assert_int_equal(root_write_file(root, "/etc/file", "new\n", 4, 0600, &err), 0);
	snprintf(p, sizeof(p), "%s/hr/etc/file", dir);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	free(s);
	s = NULL;
	assert_int_equal(root_read_file(root, "etc/link", 64, &s, NULL, &err), -EBADFD);
	assert_int_equal(root_read_file(root, "etc/file", 64, &s, NULL, &err), 0);
	assert_string_equal(s, "new\n");
	assert_int_equal(root_write_file(root, "etc/up/etc/new", "n", 1, 0600, &err), 0);
	snprintf(p, sizeof(p), "%s/hr/etc/new", dir);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(root_write_file(root, "etc/..", "n", 1, 0600, &err), -EINVAL);
	assert_int_equal(root_write_file(root, "nodir/x", "n", 1, 0600, &err), -ENOENT);

	assert_int_equal(root_unlink(root, "etc/new", &err), 0);
	assert_int_equal(root_unlink(root, "etc/new", &err), 0);
	assert_int_equal(root_unlink(root, "nodir/x", &err), 0);
	assert_int_equal(stat(p, &st), -1);
}

static void test_copy_fd_keeps_holes(void **state)
{
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), in = -1, out = -1;
	const off_t size = (off_t)1 << 30;
	char buf[8] = { 0 };
	struct stat st;

	in = openat(dfd, "sparse", O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	out = openat(dfd, "copy", O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	assert_true(in >= 0 && out >= 0);
	assert_int_equal(pwrite(in, "head", 4, 0), 4);
	assert_int_equal(pwrite(in, "mid", 3, size / 2), 3);
	assert_int_equal(ftruncate(in, size), 0);
	assert_int_equal(copy_fd(in, out), 0);
	assert_int_equal(fstat(out, &st), 0);
	assert_int_equal(st.st_size, size);
	assert_true(st.st_blocks * 512 <= (1 << 20));
	assert_int_equal(pread(out, buf, 4, 0), 4);
	assert_memory_equal(buf, "head", 4);
	assert_int_equal(pread(out, buf, 3, size / 2), 3);
	assert_memory_equal(buf, "mid", 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_atomic_write_and_read),
		cmocka_unit_test(test_in_root_stays_in_root),
		cmocka_unit_test(test_rm_rf_does_not_follow_symlinks),
		cmocka_unit_test(test_root_files_only_regular),
		cmocka_unit_test(test_copy_fd_keeps_holes),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
