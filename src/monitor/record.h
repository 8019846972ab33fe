/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * record.h — the runtime directory of a running container (under
 * /run/taper/<store-id>/<name>/) as its monitor writes it: the file names,
 * and the "state" file's record ("key = value" lines). The monitor writes
 * it atomically; the container layer reads it back (container_probe) and
 * believes it only as far as the kernel confirms it.
 */
#ifndef TAPER_MONITOR_RECORD_H
#define TAPER_MONITOR_RECORD_H

#include <stdint.h>
#include <sys/types.h>

#include <taper.h>

#define CONTAINER_STATE_FILE "state"
#define CONTAINER_SOCK_FILE "monitor.sock"
#define CONTAINER_NET_FILE "net"
#define CONTAINER_EXIT_FILE "exit"
#define CONTAINER_CONSOLE_LOG "console.log"

/* What the monitor records (the state file), parsed back. */
struct container_record {
	enum taper_state state;
	pid_t monitor_pid;
	uint64_t monitor_start;
	pid_t init_pid;
	uint64_t init_start;
	int64_t started_at;
	char **ipv4;
	/* When this run entered each state it passed through (CLOCK_REALTIME
	 * ns, 0: not yet): a watcher that wakes after two renames of the
	 * state file still reports both ("since.RUNNING = NS" lines). */
	int64_t since[TAPER_STATE_COUNT];
};
void container_record_clear(struct container_record *r);
int container_record_format(const struct container_record *r, char **ret);
int container_record_parse(const char *text, struct container_record *ret);
/* The monitor's write: r->state = st (and since[st], the first time), then
 * the state file in the runtime directory rtfd, atomically for readers and
 * not synced (write_file_replace_at(): a runtime file). */
int container_record_save(int rtfd, struct container_record *r, enum taper_state st);

#endif
