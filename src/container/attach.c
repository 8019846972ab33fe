/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * attach.c — a command in a running container (run_attach: setns on the
 * init's pidfd, its cgroup, the config's security context), and the
 * console through the monitor. Both relay with one poll loop.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "container/container.h"
#include "monitor/monitor.h"
#include "run/run.h"
#include "security/security.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/err.h"
#include "util/strv.h"

#define CONSOLE_ESCAPE 0x01 /* Ctrl-a, then 'q' */

static bool getenv_in(char *const *env, const char *key)
{
	size_t n = strlen(key);

	for (; env && *env; env++)
		if (strncmp(*env, key, n) == 0 && (*env)[n] == '=')
			return true;
	return false;
}

TAPER_EXPORT void taper_attach_opts_init(struct taper_attach_opts *o)
{
	*o = (struct taper_attach_opts){ .stdio = { 0, 1, 2 } };
}

/* pty master <-> in/out until the attached process exits. */
static void relay_pty(struct run_child *c, int in, int out)
{
	int master = run_child_pty_master(c);
	bool in_open = in >= 0;

	for (;;) {
		struct pollfd p[3] = {
			{ .fd = run_child_pidfd(c), .events = POLLIN },
			{ .fd = master, .events = POLLIN },
			{ .fd = in_open ? in : -1, .events = POLLIN },
		};
		char buf[4096];
		ssize_t n;

		if (poll(p, 3, -1) < 0 && errno != EINTR)
			return;
		if (p[1].revents & (POLLIN | POLLHUP)) {
			n = read(master, buf, sizeof(buf));
			if (n > 0)
				(void)write_all(out, buf, (size_t)n);
			else if (p[0].revents & POLLIN)
				return;
		} else if (p[0].revents & POLLIN) {
			return;
		}
		if (p[2].revents & (POLLIN | POLLHUP)) {
			n = read(in, buf, sizeof(buf));
			if (n > 0)
				(void)write_all(master, buf, (size_t)n);
			else
				in_open = false;
		}
	}
}

/* --user and --group, looked up in the container's own files through its
 * root as its init sees it (/proc/PID/root): in that root, never out of
 * it (root_lookup_id(): RESOLVE_IN_ROOT, no device or fifo opened). */
static int attach_ids(struct taper_process *p, pid_t init, const struct taper_attach_opts *o,
		      struct taper_err *err)
{
	_cleanup_close_ int root = -1;
	char path[64];
	uint32_t uid = p->uid, gid = p->gid;
	int r;

	if (!o->user && !o->group)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/root", (int)init);
	root = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return err_set(err, errno, "root of init %d", (int)init);
	if (o->user &&
	    (r = root_lookup_id(root, "etc/passwd", o->user, &uid, o->group ? NULL : &gid, err)) < 0)
		return err_wrap(err, "user \"%s\"", o->user);
	if (o->group && (r = root_lookup_id(root, "etc/group", o->group, &gid, NULL, err)) < 0)
		return err_wrap(err, "group \"%s\"", o->group);
	p->uid = uid;
	p->gid = gid;
	/* The groups of the config's user are not this one's. */
	free(p->additional_gids);
	p->additional_gids = NULL;
	p->n_additional_gids = 0;
	/* As su(1) from root: a user other than root keeps capabilities in
	 * its bounding set only. */
	if (uid != 0) {
		p->caps.effective = 0;
		p->caps.permitted = 0;
		p->caps.inheritable = 0;
		p->caps.ambient = 0;
	}
	return 0;
}

static int attach_process(struct taper_spec *spec, const struct taper_attach_opts *o, struct taper_err *err)
{
	struct taper_process *p = &spec->process;
	char **argv;

	argv = o->argv && o->argv[0] ? strv_copy(o->argv) : strv_split("/bin/sh -l", ' ');
	if (!argv)
		return err_set(err, ENOMEM, "command");
	strv_free(p->argv);
	p->argv = argv;
	if (o->clear_env) {
		strv_free(p->env);
		p->env = NULL;
	}
	if (!getenv_in(p->env, "PATH") &&
	    strv_env_set(&p->env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin") < 0)
		return err_set(err, ENOMEM, "environment");
	if (o->pty && strv_env_set(&p->env, "TERM=xterm") < 0)
		return err_set(err, ENOMEM, "environment");
	for (char *const *e = o->env; e && *e; e++) {
		if (!strchr(*e, '=') || **e == '=')
			return err_set(err, EINVAL, "environment entry \"%s\" is not K=V", *e);
		if (strv_env_set(&p->env, *e) < 0)
			return err_set(err, ENOMEM, "environment");
	}
	if (o->cwd) {
		char *cwd = strdup(o->cwd);

		if (!cwd)
			return err_set(err, ENOMEM, "cwd");
		free(p->cwd);
		p->cwd = cwd;
	}
	return 0;
}

TAPER_EXPORT int taper_container_attach(struct taper_store *s, const char *name,
					const struct taper_attach_opts *o, struct taper_err *err)
{
	_cleanup_(spec_freep) struct taper_spec *spec = NULL;
	_cleanup_(cgroup_manager_freep) struct cgroup_manager *cgm = NULL;
	_cleanup_(run_child_freep) struct run_child *c = NULL;
	struct container_probe pr;
	struct run_opts ro;
	_cleanup_(cgroup_freep) struct taper_cgroup *cg = NULL;
	struct run_exit ex;
	bool frozen;
	char group[128];
	pid_t init;
	int r;

	if ((r = config_load_container(s, name, &spec, NULL, err)) < 0)
		return container_err(err, name);
	if ((r = container_probe(s, name, &pr)) < 0)
		return err_set(err, r, "container \"%s\": state", name);
	init = pr.init_alive ? pr.rec.init_pid : 0;
	container_probe_clear(&pr);
	if (!init)
		return err_plain(err, ESRCH, "container \"%s\" is not running", name);
	if ((r = attach_process(spec, o, err)) < 0 || (r = attach_ids(&spec->process, init, o, err)) < 0)
		return container_err(err, name);
	run_opts_init(&ro);
	if (o->pty) {
		ro.pty = true;
		(void)ioctl(o->stdio[0], TIOCGWINSZ, &ro.winsize);
	} else {
		memcpy(ro.stdio, o->stdio, sizeof(ro.stdio));
	}
	if ((r = run_cgroup_group(group, sizeof(group), store_id(s), name)) < 0 ||
	    (r = cgroup_manager_open(NULL, &cgm, err)) < 0 || (r = cgroup_open(cgm, group, &cg, err)) < 0)
		return container_err(err, name);
	/* The new process would join the frozen cgroup and stop before its
	 * first instruction: say so now rather than hang. */
	if (cgroup_is_frozen(cg, &frozen) == 0 && frozen)
		return err_plain(err, EBUSY, "container \"%s\" is FROZEN (taper unfreeze %s first)", name,
				 name);
	ro.cgroups = cgm;
	ro.cgroup_group = group;
	ro.ret_status = o->ret_status;
	if ((r = run_attach(init, &spec->process, &ro, &c, err)) < 0)
		return container_err(err, name);
	if (o->pty)
		relay_pty(c, o->stdio[0], o->stdio[1]);
	if ((r = run_wait(c, &ex, err)) < 0)
		return container_err(err, name);
	return ex.code;
}

/* Input from the user: Ctrl-a q detaches, Ctrl-a Ctrl-a sends one Ctrl-a.
 * Returns true on detach; *esc carries a pending Ctrl-a across reads. */
static bool console_input(int sock, const char *buf, size_t n, bool *esc)
{
	char out[MONITOR_IO_MAX + 1];
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		char ch = buf[i];

		if (*esc) {
			*esc = false;
			if (ch == 'q')
				return true;
			if (ch != CONSOLE_ESCAPE)
				out[k++] = CONSOLE_ESCAPE;
		} else if (ch == CONSOLE_ESCAPE) {
			*esc = true;
			continue;
		}
		out[k++] = ch;
	}
	if (k)
		(void)send(sock, out, k, MSG_NOSIGNAL);
	return false;
}

TAPER_EXPORT int taper_container_console(struct taper_store *s, const char *name, int in, int out,
					 struct taper_err *err)
{
	_cleanup_close_ int sock = -1;
	struct monitor_req req = { .op = MONITOR_OP_CONSOLE };
	struct monitor_resp resp;
	struct container_probe pr;
	char rundir[256];
	bool esc = false, in_open = in >= 0, monitor;
	int r;

	if (!store_exists(s, name))
		return err_plain(err, ENOENT, "container \"%s\" not found", name);
	if ((r = container_probe(s, name, &pr)) < 0)
		return err_set(err, r, "container \"%s\": state", name);
	monitor = pr.monitor_alive && pr.init_alive;
	container_probe_clear(&pr);
	if (!monitor)
		return err_plain(err, ESRCH, "container \"%s\" is not running (or has no monitor)", name);
	if ((r = container_runtime_path(s, name, rundir, sizeof(rundir))) < 0 ||
	    (r = monitor_connect(rundir, &sock)) < 0 || (r = monitor_call(sock, &req, &resp)) < 0)
		return err_set(err, r, "container \"%s\": monitor", name);
	for (;;) {
		struct pollfd p[2] = { { .fd = sock, .events = POLLIN },
				       { .fd = in_open ? in : -1, .events = POLLIN } };
		char buf[MONITOR_IO_MAX];
		ssize_t n;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return err_set(err, errno, "container \"%s\": poll", name);
		}
		if (p[0].revents) {
			n = recv(sock, buf, sizeof(buf), 0);
			if (n <= 0)
				return 0; /* the container stopped */
			(void)write_all(out, buf, (size_t)n);
		}
		if (p[1].revents) {
			n = read(in, buf, sizeof(buf));
			if (n <= 0)
				return 0;
			if (console_input(sock, buf, (size_t)n, &esc))
				return 0;
		}
	}
}

TAPER_EXPORT int taper_runtime_prepare(int argc, char **argv, struct taper_err *err)
{
	return exe_ensure_sealed(argc, argv, err);
}
