/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * supervise.h — the monitor's long-lived loop, once the container runs.
 *
 * taper-monitor sets a container up (monitor.c), then execve()s
 * taper-supervise, a small static program that runs this loop alone: the
 * same process (it stays the init's parent), none of the setup's
 * libraries, heap or stack. One poll loop, no thread, no allocation but
 * the state record's: reap the init through its pidfd, keep the console's
 * recent output in a ring of ring_cap bytes (a mapping of its own), the
 * console log and attached consoles, answer the control socket
 * (monitor.h's protocol), carry out a stop (thaw through the freezer
 * file, signal through the pidfd, SIGKILL when the timer fires) and
 * rewrite the state record. When the init has exited it stops answering,
 * drains the console, writes STOPPING and reaps the init; then it
 * execve()s the setup's own program again, from fd SUPERVISE_FD_EXE, with
 * teardown_argv and "--exited=..." (supervise_exited_parse()) as argv[1],
 * to remove the cgroup and the network and record the exit.
 *
 * The hand-over is an fd layout and an argv, written by supervise_exec()
 * and read by supervise_adopt(): both here, so the two programs cannot
 * disagree. When the supervisor cannot be executed, taper-monitor runs
 * the same loop itself (supervise_run()). This module links only libc and
 * util/'s fs, strv, parse, err, and record.c: the static supervisor is
 * built from it (meson.build, "taper-supervise").
 */
#ifndef TAPER_MONITOR_SUPERVISE_H
#define TAPER_MONITOR_SUPERVISE_H

#include <stdbool.h>
#include <stddef.h>

#include "monitor/proto.h"
#include "monitor/record.h"

/* The fds the supervisor gets, at these numbers; one absent is closed. */
enum supervise_fd {
	SUPERVISE_FD_RUNTIME = 3, /* the runtime directory */
	SUPERVISE_FD_INIT,        /* the init's pidfd */
	SUPERVISE_FD_SOCKET,      /* the listening control socket */
	SUPERVISE_FD_SIGNAL,      /* signalfd: SIGTERM, SIGINT, SIGHUP = stop */
	SUPERVISE_FD_TIMER,       /* timerfd: the stop's deadline */
	SUPERVISE_FD_LOG,         /* console.log, O_APPEND */
	SUPERVISE_FD_PTY,         /* the console's pty master (none: stdio) */
	SUPERVISE_FD_PTY_PEER,    /* its slave, held so the master never reads EIO */
	SUPERVISE_FD_THAW,        /* the freezer file (cgroup_thaw_file()) */
	SUPERVISE_FD_EXE,         /* the program to execute for the teardown */
	SUPERVISE_FD_END,
};

#define SUPERVISE_CLIENTS 8

struct supervise_client {
	int fd;
	bool console;
};

struct supervise {
	/* Given: fds (-1: none), owned from supervise_init() on. */
	int rtfd, pidfd, lsock, sigfd, timerfd, logfd, master, slave_hold, thawfd, exefd;
	/* Foreground: the console relayed to and from these (-1: not). */
	int console_in, console_out;
	const char *thaw_value; /* what thawfd takes ("THAWED", "0") */
	unsigned stop_timeout;  /* seconds */
	int stop_signal;
	size_t ring_cap; /* console.buffer.size, 0: no ring */
	/* What the teardown is executed with (argv[0] first); NULL: none. */
	char *const *teardown_argv;

	/* The loop's own. */
	struct container_record rec;
	struct supervise_client clients[SUPERVISE_CLIENTS];
	char *ring;
	size_t ring_pos, ring_len;
	size_t log_size;
	bool stopping;
	bool stop_heard;    /* the init caught the stop signal when it was sent */
	unsigned stop_left; /* seconds until SIGKILL while stopping */
	bool sigkilled;     /* we sent the init SIGKILL (not an OOM kill) */
	/* The one I/O buffer (console, requests): one page, not one in each
	 * frame that reads. */
	char buf[MONITOR_IO_MAX];
};

/* How the init ended, as waitid() told the supervisor. */
struct supervise_exited {
	int error;  /* 0, or the errno of a failed waitid() (then nothing else) */
	int how;    /* waitid()'s si_code: CLD_EXITED, CLD_KILLED, CLD_DUMPED */
	int status; /* si_status: the exit status or the signal */
	bool sigkilled;
};

/* Every fd -1 and no ring: then fill in what is given. */
void supervise_clear(struct supervise *s);
/* Map the ring (none if that fails) and read the state record back from
 * rtfd; -errno when the record cannot be read, and then the init is
 * killed (the loop goes on, to reap it and hand over to the teardown). */
int supervise_init(struct supervise *s);
/* The loop until the init has exited, then the drain, STOPPING and the
 * reap (ret). The control socket is closed and unlinked on return. */
void supervise_run(struct supervise *s, struct supervise_exited *ret);
/* Close and unmap everything; the record too. */
void supervise_free(struct supervise *s);

/* Setup side: move s's fds to their numbers (everything else becomes
 * close-on-exec), then execve() program with the parameters in argv.
 * Returns -errno only when the execve() failed; s then holds the fds at
 * their new numbers, for supervise_run() in this process. */
int supervise_exec(struct supervise *s, const char *program);
/* Supervisor side: s from the fd layout and argv (argv[0] the program).
 * -EINVAL for an argv it did not write. */
int supervise_adopt(struct supervise *s, int argc, char **argv);
/* After supervise_run(): execve() the teardown (teardown_argv, from
 * exefd) with "--exited=..." as its argv[1]. Returns -errno on failure. */
int supervise_exec_teardown(struct supervise *s, const struct supervise_exited *ex);
/* "--exited=..." (with or without the "--exited=" prefix) back. -EINVAL. */
int supervise_exited_parse(const char *arg, struct supervise_exited *ret);

#endif
