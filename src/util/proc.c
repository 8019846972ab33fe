/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * proc.c — a process named by its pid and its start time (see proc.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/proc.h"

static int stat_start_time(pid_t pid, bool zombie_ok, uint64_t *ret)
{
	char path[64], buf[1024], *p;
	_cleanup_close_ int fd = -1;
	ssize_t n;

	if (pid <= 0)
		return -ESRCH;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -ESRCH;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return -ESRCH;
	buf[n] = '\0';
	/* comm may hold spaces and ')': fields count from the last ')'. */
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ' || !p[2])
		return -EIO;
	/* Field 3 is the state: a zombie is as good as gone. */
	if (!zombie_ok && (p[2] == 'Z' || p[2] == 'X'))
		return -ESRCH;
	p++;
	/* After ')': fields 3 .. 22 (starttime), one space before each. */
	for (int field = 3; field < 22 && p; field++)
		p = strchr(p + 1, ' ');
	if (!p)
		return -EIO;
	*ret = strtoull(p + 1, NULL, 10);
	return 0;
}

int proc_start_time(pid_t pid, uint64_t *ret)
{
	return stat_start_time(pid, false, ret);
}

int proc_child_start_time(pid_t pid, uint64_t *ret)
{
	return stat_start_time(pid, true, ret);
}

bool proc_matches(pid_t pid, uint64_t start)
{
	uint64_t t;

	return pid > 0 && proc_start_time(pid, &t) == 0 && t == start;
}
