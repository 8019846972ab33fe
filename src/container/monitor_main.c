/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * monitor_main.c — taper-monitor, the program a start executes: the
 * container layer's side of a start (its config, residue, shared
 * namespaces, the callbacks of struct monitor_cfg) around monitor_run(),
 * in a process of its own (monitor.h, launch.c).
 *
 *   taper-monitor [--foreground [--input]] [--debug] STORE NAME [-- COMMAND...]
 *
 * fd 3 is the report pipe: one result record of util/child.h, "OK" once
 * the container runs or "ERR <errno> <message>", then EOF. The starter holds the container's
 * lock until it has read to EOF, so everything here runs under it.
 * Detached, the program starts a session and forks once, so that the
 * monitor is nobody's child but init's and the starter reaps only the
 * first process. With --foreground, fd 1 (and fd 0 with --input) is the
 * console, relayed from (and to) the container's pty, the monitor stays the starter's
 * child and exits with the init's status. A COMMAND (foreground only,
 * taper_container_execute) runs instead of init.cmd under the built-in
 * init, with fd 0-2 as its stdio and no pty; when it never runs the exit
 * status is 125, 126 or 127, as a shell reports it.
 *
 * Executed from the installed file, not from a sealed copy
 * (security/sealed-exe.c): the monitor never enters the container's
 * namespaces, so no container process sees it in its /proc; the init it
 * clones is non-dumpable until its execve; and for as long as the
 * container lives its monitor runs this very file, which the kernel then
 * refuses to open for writing (ETXTBSY). A command that re-executes
 * /proc/self/exe inside the container finds itself pid 1 and is refused
 * below before it reads anything. With a COMMAND the built-in init stays
 * in the container running this program, so the starter executes a sealed
 * copy instead (launch.c), as `taper run` does.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "container/container.h"
#include "container/ports.h"
#include "monitor/monitor.h"
#include "util/child.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/log.h"
#include "util/strv.h"

#define REPORT_FD 3

static void close_ns(int (*fds)[TAPER_NS_COUNT])
{
	for (unsigned i = 0; i < TAPER_NS_COUNT; i++)
		safe_close((*fds)[i]);
}

struct residue {
	struct taper_store *store;
	const char *name;
	const struct taper_spec *spec;
};

/* The residue of an earlier run (cgroup, runtime files, veths, leases,
 * nftables rules), cleared in a child: the netlink dumps and the nftables
 * listing (jansson) it takes leave their heap and libraries there, not
 * in a process that lives as long as the container. */
static int clear_residue(void *arg, int report_fd, struct taper_err *err)
{
	const struct residue *a = arg;
	int r;

	if ((r = container_cleanup(a->store, a->name, err)) < 0)
		return r;
	return container_net_reset(a->store, a->name, a->spec, err);
}

/* What the starter left for us to do under its lock: the residue of an
 * earlier run, the namespaces of other containers to join, leases a crash
 * left, then the monitor itself. */
/* The monitor's callbacks (monitor.h): what of a start is this layer's. */
static int monitor_mount_overlay(const struct monitor_cfg *cfg, struct taper_err *err)
{
	return container_mount_overlay(cfg->store, cfg->name, err);
}

static int monitor_net_ready(const struct monitor_cfg *cfg, const struct net_state *net,
			     struct taper_err *err)
{
	return container_ports_up(cfg->store, cfg->name, cfg->settings, net, err);
}

static void monitor_stopped(const struct monitor_cfg *cfg)
{
	if (cfg->settings->ephemeral)
		container_ephemeral_reap(cfg->store, cfg->name);
}

/* COMMAND instead of init.cmd, under the built-in init (lxc-execute runs
 * its command under lxc-init too): the command is not PID 1, so its
 * signals and exit status are as anywhere, and orphans are reaped. */
static int override_argv(struct taper_spec *spec, char *const *argv, struct taper_err *err)
{
	char **copy = strv_copy(argv);

	if (!copy)
		return taper_err_set(err, ENOMEM, "command");
	strv_free(spec->process.argv);
	spec->process.argv = copy;
	spec->init = true;
	return 0;
}

static int start(const char *path, const char *name, bool foreground, bool input, char *const *cmd,
		 int *ret_code, struct taper_err *err)
{
	static const int stdio[3] = { STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO };
	_cleanup_(store_freep) struct taper_store *s = NULL;
	_cleanup_(spec_freep) struct taper_spec *spec = NULL;
	_cleanup_(close_ns) int ns_fds[TAPER_NS_COUNT];
	struct container_settings settings;
	struct monitor_cfg cfg;
	struct run_exit ex;
	int r;

	for (unsigned i = 0; i < TAPER_NS_COUNT; i++)
		ns_fds[i] = -1;
	if ((r = store_open(path, NULL, false, &s, err)) < 0 ||
	    (r = config_load_container(s, name, &spec, &settings, err)) < 0 ||
	    /* An idmapped snapshot: the runtime builds its overlay. */
	    (spec->rootfs_idmap && (r = container_overlay_spec(s, name, spec, err)) < 0) ||
	    (cmd && (r = override_argv(spec, cmd, err)) < 0) ||
	    (r = child_run(clear_residue, &(struct residue){ s, name, spec },
			   &(struct child_opts){ .what = "clear residue" }, err)) < 0 ||
	    (r = container_open_shared_ns(s, name, spec, &settings, ns_fds, err)) < 0)
		return r;
	cfg = (struct monitor_cfg){ .store = s,
				    .name = name,
				    .spec = TAKE_PTR(spec),
				    .settings = &settings,
				    .report_fd = REPORT_FD,
				    .console_in = input ? STDIN_FILENO : -1,
				    .console_out = foreground && !cmd ? STDOUT_FILENO : -1,
				    .stdio = cmd ? stdio : NULL,
				    .ret_status = cmd ? ret_code : NULL,
				    .mount_overlay = monitor_mount_overlay,
				    .net_ready = monitor_net_ready,
				    .stopped = monitor_stopped };
	r = monitor_run(&cfg, &ex, err);
	spec_free(cfg.spec); /* left to us when the start failed */
	if (r < 0)
		return r;
	*ret_code = ex.code;
	return 0;
}

int main(int argc, char **argv)
{
	struct taper_err err = { 0 };
	bool foreground = false, input = false;
	char **cmd = NULL;
	struct stat st;
	int i = 1, code = TAPER_STATUS_RUNTIME_ERROR, r;
	pid_t pid;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--foreground") == 0)
			foreground = true;
		else if (strcmp(argv[i], "--input") == 0)
			input = true;
		else if (strcmp(argv[i], "--debug") == 0)
			taper_log_set_level(TAPER_LOG_DEBUG);
		else
			break;
	}
	if (argc - i > 3 && strcmp(argv[i + 2], "--") == 0 && foreground)
		cmd = argv + i + 3;
	if ((argc - i != 2 && !cmd) || getpid() == 1 || fstat(REPORT_FD, &st) < 0 || !S_ISFIFO(st.st_mode)) {
		fprintf(stderr, "taper-monitor: run by taper start, not by hand\n");
		return 2;
	}
	/* Nothing past the report pipe is ours but, with a command, fd 4: the
	 * sealed copy we were executed from, which the init must not get. */
	(void)syscall(SYS_close_range, REPORT_FD + 1, ~0U, 0);
	if (!foreground) {
		if (setsid() < 0)
			return 1;
		pid = fork();
		if (pid != 0)
			_exit(pid < 0);
	}
	r = start(argv[i], argv[i + 1], foreground, input, cmd, &code, &err);
	if (r < 0) {
		(void)child_report_result(REPORT_FD, r, &err);
		return cmd ? code : 1;
	}
	return code;
}
