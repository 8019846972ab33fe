/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * monitor_main.c — taper-monitor, the program a start executes: the
 * container layer's side of a start (its config, residue, shared
 * namespaces, the callbacks of struct monitor_cfg) around monitor_run(),
 * in a process of its own (monitor.h, launch.c).
 *
 *   taper-monitor [--foreground [--input]] [--debug] STORE NAME [-- COMMAND...]
 *   taper-monitor --exited=... [--net] [--ephemeral] [--debug] STORE NAME
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
 * Once the container runs, the process execve()s taper-supervise (the
 * loop, supervise.h), which executes this program again, from the same
 * file, in its second form when the init has exited: the teardown
 * (monitor_teardown(), then an ephemeral container's removal), with the
 * runtime directory as fd 3, and exits with the init's status. It runs
 * only as the container's recorded monitor: the state file in that
 * directory must name this very process.
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
#include <fcntl.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "container/container.h"
#include "container/ports.h"
#include "monitor/monitor.h"
#include "net/netsetup.h"
#include "monitor/record.h"
#include "monitor/supervise.h"
#include "util/child.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
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
		return err_set(err, ENOMEM, "command");
	strv_free(spec->process.argv);
	spec->process.argv = copy;
	spec->init = true;
	return 0;
}

/* What the supervisor executes once the init has exited (monitor.h). */
static char **teardown_argv(const char *path, const char *name, const struct taper_spec *spec,
			    const struct container_settings *settings)
{
	char **v = calloc(8, sizeof(*v));
	size_t n = 0;

	if (!v)
		return NULL;
	v[n++] = (char *)program_invocation_name;
	if (net_ifs_reach_host(spec->netifs, spec->n_netifs))
		v[n++] = (char *)"--net";
	if (settings->ephemeral)
		v[n++] = (char *)"--ephemeral";
	if (log_get_level() >= TAPER_LOG_DEBUG)
		v[n++] = (char *)"--debug";
	v[n++] = (char *)path;
	v[n++] = (char *)name;
	return v;
}

static int start(const char *path, const char *name, bool foreground, bool input, char *const *cmd,
		 int *ret_code, struct taper_err *err)
{
	static const int stdio[3] = { STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO };
	_cleanup_(store_freep) struct taper_store *s = NULL;
	_cleanup_(spec_freep) struct taper_spec *spec = NULL;
	_cleanup_(close_ns) int ns_fds[TAPER_NS_COUNT];
	_cleanup_free_ char **td_argv = NULL;
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
	if (!(td_argv = teardown_argv(path, name, spec, &settings)))
		return err_set(err, ENOMEM, "monitor arguments");
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
				    .stopped = monitor_stopped,
				    .teardown_argv = td_argv };
	r = monitor_run(&cfg, &ex, err);
	spec_free(cfg.spec); /* left to us when the start failed */
	if (r < 0)
		return r;
	*ret_code = ex.code;
	return 0;
}

/* The second form: executed by the supervisor, in the monitor's process,
 * with the runtime directory as fd SUPERVISE_FD_RUNTIME. */
static int teardown(const char *path, const char *name, const struct supervise_exited *ex, bool net,
		    bool ephemeral)
{
	_cleanup_(store_freep) struct taper_store *s = NULL;
	_cleanup_free_ char *text = NULL;
	struct container_record rec = { 0 };
	struct taper_err err = { 0 };
	struct run_exit exit;
	struct stat st;
	int rtfd = SUPERVISE_FD_RUNTIME;
	bool ours;

	if (fstat(rtfd, &st) < 0 || !S_ISDIR(st.st_mode) ||
	    read_file_at(rtfd, CONTAINER_STATE_FILE, 65536, &text, NULL) < 0 ||
	    container_record_parse(text, &rec) < 0)
		return -1;
	ours = rec.monitor_pid == getpid();
	container_record_clear(&rec);
	if (!ours)
		return -1;
	(void)fcntl(rtfd, F_SETFD, FD_CLOEXEC);
	if (store_open(path, NULL, false, &s, &err) < 0) {
		fprintf(stderr, "taper-monitor: %s\n", err.msg);
		return TAPER_STATUS_RUNTIME_ERROR;
	}
	(void)monitor_teardown(s, name, net, rtfd, ex, &exit, &err);
	if (ephemeral)
		container_ephemeral_reap(s, name);
	return exit.code;
}

int main(int argc, char **argv)
{
	struct taper_err err = { 0 };
	bool foreground = false, input = false, second = false, exited = false, net = false,
	     ephemeral = false;
	struct supervise_exited ex = { 0 };
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
			log_set_level(TAPER_LOG_DEBUG);
		else if (strncmp(argv[i], "--exited=", 9) == 0)
			second = true, exited = supervise_exited_parse(argv[i], &ex) == 0;
		else if (strcmp(argv[i], "--net") == 0)
			second = net = true;
		else if (strcmp(argv[i], "--ephemeral") == 0)
			second = ephemeral = true;
		else
			break;
	}
	if (second) {
		if (exited && argc - i == 2 && getpid() != 1) {
			(void)syscall(SYS_close_range, SUPERVISE_FD_RUNTIME + 1, ~0U, 0);
			code = teardown(argv[i], argv[i + 1], &ex, net, ephemeral);
			if (code >= 0)
				return code;
		}
		fprintf(stderr, "taper-monitor: run by taper start, not by hand\n");
		return 2;
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
