/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * monitor.h — the one small process that owns a running system container.
 *
 * monitor_run() spawns the container's init (run_spawn with a pty as its
 * console, detached, in its cgroup, with the network brought up in the
 * prestart hook), then, with no thread and one poll loop: reaps the init
 * through its pidfd, keeps the console's recent output in a ring buffer
 * and a log file, answers the control socket and carries out a stop. When
 * the init exits it records how ("exit"), removes the cgroup, the network
 * (veths, leases) and its runtime files, and returns.
 *
 * Control socket: AF_UNIX SOCK_SEQPACKET "monitor.sock" in the runtime
 * directory (0600, root only). One struct monitor_req per request, one
 * struct monitor_resp back. After MONITOR_OP_CONSOLE is answered the
 * connection becomes a console stream: each packet from the monitor is
 * output (the ring buffer first), each packet to it is input.
 */
#ifndef TAPER_MONITOR_MONITOR_H
#define TAPER_MONITOR_MONITOR_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <taper.h>

#include "config/config.h"
#include "net/netsetup.h"
#include "run/run.h"
#include "spec/spec.h"

struct taper_store;

enum monitor_op {
	MONITOR_OP_PING = 1,    /* resp.status 0, resp.msg = state name */
	MONITOR_OP_STOP = 2,    /* timeout seconds (< 0: stop.timeout), kill */
	MONITOR_OP_CONSOLE = 3, /* then a stream */
};

struct monitor_req {
	uint32_t op;
	int32_t timeout;
	uint32_t kill;
};

struct monitor_resp {
	int32_t status; /* 0 or -errno */
	char msg[256];
};

#define MONITOR_IO_MAX 4096

struct monitor_cfg {
	struct taper_store *store;
	const char *name;
	struct taper_spec *spec; /* owned: freed once the init runs */
	const struct container_settings *settings;
	/* One line "OK" is written here once RUNNING, then it is closed
	 * (-1: none); on failure it is left open for the error line. */
	int report_fd;
	/* Foreground: the console relayed to these too (-1: not). */
	int console_in;
	int console_out;
	/* Non-NULL: no pty; these fds become the init's 0, 1, 2
	 * (taper_container_execute). */
	const int *stdio;
	/* Optional: when the init could not be run, 125/126/127 (run_opts). */
	int *ret_status;
	/* The container layer's part, called back so that the monitor knows
	 * nothing of it (it sits below container/, which starts it); either
	 * may be NULL. mount_overlay: a snapshot's overlay on the rootfs, when
	 * it has one, in the monitor's private mount namespace. net_ready: once the
	 * container's interfaces are up, before its init goes on (published
	 * ports). A failure aborts the start. */
	int (*mount_overlay)(const struct monitor_cfg *cfg, struct taper_err *err);
	int (*net_ready)(const struct monitor_cfg *cfg, const struct net_state *net, struct taper_err *err);
	/* After a run that started, once its teardown is done (an ephemeral
	 * container's removal). */
	void (*stopped)(const struct monitor_cfg *cfg);
};

/* Runs until the container stops. <0 when it could not be started (err
 * filled, nothing left behind), else 0 with how the init ended. */
int monitor_run(struct monitor_cfg *cfg, struct run_exit *ret_exit, struct taper_err *err);

/* Start side (launch.c): execute taper-monitor for the container name of
 * the store at store_path, with its report on report_fd (a pipe's write
 * end; the caller closes its copy after this returns). Safe in a
 * multi-threaded caller: posix_spawn, no allocation in the child, and
 * nothing of the caller's process changed. Foreground: the monitor stays
 * the caller's child (*ret_pid, to be reaped) and exits with the init's
 * status (125-127 when a command given by argv never ran). Detached:
 * *ret_pid is a short-lived first process, which the caller reaps at
 * once; the monitor itself is re-parented to init. The program is
 * $TAPER_MONITOR, else taper-monitor beside the running executable or
 * the path it was started by (a build tree), else TAPER_MONITOR_PATH (the
 * installed one). */
struct monitor_launch_opts {
	bool foreground;
	/* Foreground: the console, as the monitor's fd 1 and 0 (-1: none). */
	int console_in;
	int console_out;
	/* Foreground: the init's command instead of init.cmd, with stdio as
	 * its 0, 1, 2 (-1: the caller's fd) and no pty. */
	char *const *argv;
	const int *stdio;
};
int monitor_launch(const char *store_path, const char *name, const struct monitor_launch_opts *o,
		   int report_fd, pid_t *ret_pid, struct taper_err *err);

/* Client side (client.c). Connect to a container's monitor: -ENOENT /
 * -ECONNREFUSED when none answers. */
int monitor_connect(const char *runtime_dir, int *ret_fd);
int monitor_call(int fd, const struct monitor_req *req, struct monitor_resp *resp);

#endif
