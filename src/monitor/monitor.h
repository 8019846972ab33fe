/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * monitor.h — the one small process that owns a running system container.
 *
 * monitor_run() spawns the container's init (run_spawn with a pty as its
 * console, detached, in its cgroup, with the network brought up in the
 * prestart hook), then execve()s taper-supervise, the static program that
 * runs the poll loop for the container's life (supervise.h: same process,
 * so still the init's parent); when the init has exited, that one
 * executes this program again with cfg->teardown_argv, which calls
 * monitor_teardown(): the exit record ("exit"), the cgroup, the network
 * (veths, leases) and the runtime files. Should the supervisor not run,
 * monitor_run() runs the same loop and teardown itself, and returns.
 *
 * The control socket's protocol is proto.h.
 */
#ifndef TAPER_MONITOR_MONITOR_H
#define TAPER_MONITOR_MONITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <taper.h>

#include "config/config.h"
#include "monitor/proto.h"
#include "net/netsetup.h"
#include "run/run.h"
#include "spec/spec.h"

struct taper_store;

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
	 * container's removal); in this process only when the supervisor did
	 * not run, else the teardown's (teardown_argv) to call. */
	void (*stopped)(const struct monitor_cfg *cfg);
	/* The argv of this program's teardown run (NULL: the loop and the
	 * teardown stay in this process). The supervisor executes it from
	 * the file this process runs (/proc/self/exe), with "--exited=..."
	 * inserted as argv[1] (supervise_exited_parse()), and the runtime
	 * directory as fd SUPERVISE_FD_RUNTIME. */
	char *const *teardown_argv;
};

struct supervise_exited;

/* Runs until the container stops. <0 when it could not be started (err
 * filled, nothing left behind), else 0 with how the init ended. */
int monitor_run(struct monitor_cfg *cfg, struct run_exit *ret_exit, struct taper_err *err);

/* The teardown, once the init was reaped (ex, from the supervisor): the
 * cgroup's OOM count and its removal, the exit record, the network (net:
 * the container has interfaces) and the runtime files (rtfd, its runtime
 * directory). ret_exit as run_wait() tells it. <0 (err filled, also
 * written to the console log) when the wait or the cgroup's removal
 * failed; everything else is done all the same. */
int monitor_teardown(struct taper_store *store, const char *name, bool net, int rtfd,
		     const struct supervise_exited *ex, struct run_exit *ret_exit, struct taper_err *err);

/* A program of taper's own, into buf: $env, else name beside the running
 * executable or beside the path it was started by (argv[0]: a build tree,
 * or a start from a sealed copy), else installed. */
const char *monitor_program_path(const char *env, const char *name, const char *installed, char *buf,
				 size_t n);

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
