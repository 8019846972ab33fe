/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Namespaces, each created for real by unshare(2) in a forked child. */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check/check-internal.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const struct {
	unsigned long flag;
	const char *name;
} ns_flags[] = {
	{ CLONE_NEWUSER, "CLONE_NEWUSER" },     { CLONE_NEWPID, "CLONE_NEWPID" },
	{ CLONE_NEWNS, "CLONE_NEWNS" },         { CLONE_NEWUTS, "CLONE_NEWUTS" },
	{ CLONE_NEWIPC, "CLONE_NEWIPC" },       { CLONE_NEWNET, "CLONE_NEWNET" },
	{ CLONE_NEWCGROUP, "CLONE_NEWCGROUP" }, { CLONE_NEWTIME, "CLONE_NEWTIME" },
};

static const char *flag_name(unsigned long flag)
{
	for (size_t i = 0; i < sizeof(ns_flags) / sizeof(ns_flags[0]); i++)
		if (ns_flags[i].flag == flag)
			return ns_flags[i].name;
	return "?";
}

static int ns_child(const void *arg, char *msg, size_t len)
{
	unsigned long flag = *(const unsigned long *)arg;
	int status;
	pid_t pid;

	if (unshare((int)flag) < 0) {
		int e = errno;

		snprintf(msg, len, "unshare(%s): %s", flag_name(flag), strerror(e));
		return -e;
	}
	if (flag != CLONE_NEWPID)
		return 0;
	/* A pid namespace is entered by the next child: it must be pid 1. */
	pid = fork();
	if (pid < 0) {
		int e = errno;

		snprintf(msg, len, "fork into the new pid namespace: %s", strerror(e));
		return -e;
	}
	if (pid == 0)
		_exit(getpid() == 1 ? 0 : 1);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(msg, len, "first child of the new pid namespace is not pid 1");
		return -EPROTO;
	}
	return 0;
}

CHECK_PROBE(probe_namespace)
{
	char msg[CHECK_DETAIL_MAX] = "";
	unsigned long flag = p->flag;
	int r = check_in_child(ns_child, &flag, msg, sizeof(msg));

	if (r == 0)
		snprintf(detail, len, "unshare(%s) in a child%s", flag_name(flag),
			 flag == CLONE_NEWPID ? ", its first child is pid 1" : "");
	else
		snprintf(detail, len, "%s", msg);
	return r == 0;
}
