/*
 * busybox-root.h — what the tests that run real containers share: a
 * root of the host's static busybox under a test's temporary directory,
 * and reading a pipe or pty to its end. Included by one test file each:
 * the definitions are static (inline: not every file uses both).
 */
#ifndef TAPER_TESTS_BUSYBOX_ROOT_H
#define TAPER_TESTS_BUSYBOX_ROOT_H

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fs.h"

/* Makes root (mode 0755; it may exist) with empty proc, sys, dev and tmp
 * and a bin holding a copy of /bin/busybox and applets (NULL-terminated)
 * as links to it. 0, or -1 (for a cmocka setup function). */
static inline int busybox_root(const char *root, const char *const *applets)
{
	static const char *const dirs[] = { "bin", "proc", "sys", "dev", "tmp" };
	_cleanup_close_ int in = -1, out = -1;
	char p[PATH_MAX];

	if (mkdir(root, 0755) < 0 && errno != EEXIST)
		return -1;
	chmod(root, 0755);
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		snprintf(p, sizeof(p), "%s/%s", root, dirs[i]);
		mkdir(p, 0755);
	}
	in = open("/bin/busybox", O_RDONLY | O_CLOEXEC);
	snprintf(p, sizeof(p), "%s/bin/busybox", root);
	out = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0755);
	if (in < 0 || out < 0 || copy_fd(in, out) < 0)
		return -1;
	for (const char *const *a = applets; *a; a++) {
		snprintf(p, sizeof(p), "%s/bin/%s", root, *a);
		symlink("busybox", p);
	}
	return 0;
}

/* Everything readable from fd until EOF (or, on a pty master, until the
 * last slave closes), in a buffer the next call reuses. */
static inline char *slurp(int fd)
{
	static char buf[8192];
	size_t len = 0;
	ssize_t n;

	while (len < sizeof(buf) - 1 && (n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	return buf;
}

#endif
