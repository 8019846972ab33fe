/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * supervise_main.c — taper-supervise, the monitor once the container runs
 * (supervise.h): executed by taper-monitor in its own process, it runs the
 * loop until the init has exited and reaped, then executes taper-monitor
 * again for the teardown. Linked statically, of libc and the few modules
 * the loop needs: a long-lived process that maps no shared library, so
 * that every page it keeps is one it uses.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "monitor/supervise.h"

int main(int argc, char **argv)
{
	struct supervise_exited ex;
	struct supervise s;
	int r;

	if (getpid() == 1 || supervise_adopt(&s, argc, argv) < 0) {
		fprintf(stderr, "taper-supervise: run by taper-monitor, not by hand\n");
		return 2;
	}
	if ((r = supervise_init(&s)) < 0 && s.logfd >= 0)
		dprintf(s.logfd, "taper: read the state record: %s\r\n", strerror(-r));
	supervise_run(&s, &ex);
	r = supervise_exec_teardown(&s, &ex);
	/* Still here: the cgroup and the network stay behind, for the next
	 * start, stop or `taper gc` (docs/lifecycle.md). */
	if (s.logfd >= 0)
		dprintf(s.logfd, "\r\ntaper: run the teardown: %s\r\n", strerror(-r));
	return 1;
}
