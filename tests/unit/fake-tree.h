/*
 * fake-tree.h — plain files under a test's temporary directory `dir`,
 * standing in for cgroupfs (the cgroup code takes another root, the same
 * code). put() creates a file and its parents; get() reads one back.
 * Included by one test file each: the definitions are static.
 */
#ifndef TAPER_TESTS_FAKE_TREE_H
#define TAPER_TESTS_FAKE_TREE_H

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fs.h"

static char dir[64];

/* Creates dir/path (and its parents) holding content. */
static void put(const char *path, const char *content)
{
	char p[512];
	_cleanup_close_ int fd = -1;

	snprintf(p, sizeof(p), "%s/%s", dir, path);
	*strrchr(p, '/') = '\0';
	assert_int_equal(mkdir_p(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/%s", dir, path);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
}

/* The content of dir/path, "<missing>" when absent. Static buffer, one
 * at a time. */
static const char *get(const char *path)
{
	static char buf[4096];
	_cleanup_free_ char *s = NULL;
	char p[512];

	snprintf(p, sizeof(p), "%s/%s", dir, path);
	if (read_file(p, sizeof(buf) - 1, &s) < 0)
		return "<missing>";
	snprintf(buf, sizeof(buf), "%s", s);
	return buf;
}

#endif
