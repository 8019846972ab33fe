/*
 * sealed_exe_probe — exe_ensure_sealed() as the taper binary sees it.
 *
 *   sealed_exe_probe              re-exec from a sealed memfd, exit 0 (bench)
 *   sealed_exe_probe --plain      no re-exec (bench baseline)
 *   sealed_exe_probe --check ORIG re-exec, then show that /proc/self/exe is a
 *                                 sealed memfd nobody can write, that it
 *                                 equals ORIG, and that ORIG is untouched
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "security/security.h"
#include "util/cleanup.h"
#include "util/fs.h"

static int fail(const char *what)
{
	fprintf(stderr, "sealed_exe_probe: %s (errno %d: %s)\n", what, errno, strerror(errno));
	return 1;
}

static int check(const char *orig)
{
	_cleanup_free_ char *a = NULL, *b = NULL;
	size_t alen, blen;
	struct taper_err err = { 0 };
	char link[256] = { 0 };
	struct stat before, after;
	int fd;

	if (stat(orig, &before) < 0)
		return fail("stat original");
	if (readlink("/proc/self/exe", link, sizeof(link) - 1) < 0)
		return fail("readlink /proc/self/exe");
	if (strncmp(link, "/memfd:taper", 12) != 0) {
		fprintf(stderr, "sealed_exe_probe: /proc/self/exe is %s\n", link);
		return 1;
	}
	/* Open for writing: refused (ETXTBSY while executing), or if a kernel
	 * lets it through, every write and resize hits the seals. */
	fd = open("/proc/self/exe", O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		if (write(fd, "x", 1) != -1 || errno != EPERM)
			return fail("write to /proc/self/exe was not refused with EPERM");
		if (ftruncate(fd, 0) != -1 || errno != EPERM)
			return fail("truncate of /proc/self/exe was not refused with EPERM");
		close(fd);
		printf("open O_RDWR: allowed, write/truncate: EPERM\n");
	} else {
		printf("open O_RDWR: %s\n", strerror(errno));
	}
	fd = open("/proc/self/exe", O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd >= 0)
		return fail("open O_WRONLY|O_TRUNC of /proc/self/exe succeeded");
	/* Same bytes as the original, which is unchanged. */
	if (read_file_at(AT_FDCWD, "/proc/self/exe", 256u << 20, &a, &alen) < 0 ||
	    read_file_at(AT_FDCWD, orig, 256u << 20, &b, &blen) < 0)
		return fail("read binaries");
	if (alen != blen || memcmp(a, b, alen) != 0)
		return fail("memfd copy differs from the original");
	if (stat(orig, &after) < 0 || after.st_size != before.st_size ||
	    after.st_mtim.tv_sec != before.st_mtim.tv_sec || after.st_mtim.tv_nsec != before.st_mtim.tv_nsec)
		return fail("original changed");
	/* A second call sees the seals and does not re-exec again. */
	if (exe_ensure_sealed(0, NULL, &err) != 0) {
		fprintf(stderr, "sealed_exe_probe: second call: %s\n", err.msg);
		return 1;
	}
	printf("ok: %s, %zu bytes\n", link, alen);
	return 0;
}

int main(int argc, char **argv)
{
	struct taper_err err = { 0 };

	if (argc > 1 && strcmp(argv[1], "--plain") == 0)
		return 0;
	if (exe_ensure_sealed(argc, argv, &err) < 0) {
		fprintf(stderr, "sealed_exe_probe: %s\n", err.msg);
		return 1;
	}
	if (argc > 2 && strcmp(argv[1], "--check") == 0)
		return check(argv[2]);
	return 0;
}
