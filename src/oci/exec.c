/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * exec.c — a process in a running container: the container's config
 * (its seccomp filter among the rest) with the process replaced by
 * --process FILE, or by the command line and its flags.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oci/oci.h"
#include "util/cleanup-api.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/parse.h"
#include "util/strv.h"

struct exec_args {
	const char *process, *console_socket, *pid_file, *cwd, *user;
	char **env, **caps, **gids;
	bool detach, tty, no_new_privs;
	unsigned preserve_fds;
};

static int apply_flags(struct taper_spec *spec, const struct exec_args *a, char **cmd, struct taper_err *err)
{
	int r;

	if (cmd && *cmd && (r = taper_spec_set_args(spec, cmd, err)) < 0)
		return r;
	if (a->cwd && (r = taper_spec_set_cwd(spec, a->cwd, err)) < 0)
		return r;
	for (char **e = a->env; e && *e; e++)
		if ((r = taper_spec_setenv(spec, *e, err)) < 0)
			return r;
	for (char **c = a->caps; c && *c; c++)
		if ((r = taper_spec_change_cap(spec, *c, true, err)) < 0)
			return r;
	if (a->user || a->gids) {
		uint32_t uid = 0, gid = 0, gids[64];
		size_t n = 0;
		_cleanup_free_ char *u = a->user ? strdup(a->user) : strdup("0:0");
		char *colon = u ? strchr(u, ':') : NULL;

		if (!u)
			return err_set(err, ENOMEM, "--user");
		if (colon)
			*colon++ = '\0';
		if (parse_u32(u, &uid) < 0 || (colon && parse_u32(colon, &gid) < 0))
			return err_set(err, 0, "--user: expected UID[:GID], got \"%s\"", a->user);
		for (char **g = a->gids; g && *g; g++)
			if (n == 64 || parse_u32(*g, &gids[n++]) < 0)
				return err_set(err, 0, "--additional-gids: bad gid \"%s\"", *g);
		if ((r = taper_spec_set_user(spec, uid, gid, gids, n, err)) < 0)
			return r;
	}
	if (a->no_new_privs)
		taper_spec_set_no_new_privs(spec, true);
	if (a->tty)
		taper_spec_set_terminal(spec, true);
	return 0;
}

int oci_cmd_exec(int argc, char **argv, struct oci_global *g)
{
	static const struct option opts[] = {
		{ "process", required_argument, NULL, 'p' },
		{ "detach", no_argument, NULL, 'd' },
		{ "tty", no_argument, NULL, 't' },
		{ "console-socket", required_argument, NULL, 'C' },
		{ "pid-file", required_argument, NULL, 'P' },
		{ "cwd", required_argument, NULL, 'w' },
		{ "env", required_argument, NULL, 'e' },
		{ "user", required_argument, NULL, 'u' },
		{ "additional-gids", required_argument, NULL, 'g' },
		{ "cap", required_argument, NULL, 'c' },
		{ "no-new-privs", no_argument, NULL, 'n' },
		{ "preserve-fds", required_argument, NULL, 'F' },
		{ "process-label", required_argument, NULL, 'L' },
		{ "apparmor", required_argument, NULL, 'A' },
		{ "ignore-paused", no_argument, NULL, 'I' },
		{},
	};
	_cleanup_(taper_spec_freep) struct taper_spec *spec = NULL;
	_cleanup_(taper_run_freep) struct taper_run *run = NULL;
	_cleanup_strv_free_ char **env = NULL, **caps = NULL, **gids = NULL;
	_cleanup_free_ int *fds = NULL;
	_cleanup_free_ char *text = NULL;
	struct exec_args a = { 0 };
	struct taper_err err = { 0 };
	struct taper_run_opts o;
	struct taper_run_exit ex;
	struct oci_state st;
	int c, status = 0, r;
	uint64_t n;
	const char *id;
	pid_t init;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+p:dtw:e:u:g:c:", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			a.process = optarg;
			break;
		case 'd':
			a.detach = true;
			break;
		case 't':
			a.tty = true;
			break;
		case 'C':
			a.console_socket = optarg;
			break;
		case 'P':
			a.pid_file = optarg;
			break;
		case 'w':
			a.cwd = optarg;
			break;
		case 'e':
			if (strv_extend(&env, optarg) < 0)
				return oci_error(g, "exec: out of memory");
			break;
		case 'u':
			a.user = optarg;
			break;
		case 'g':
			if (strv_extend(&gids, optarg) < 0)
				return oci_error(g, "exec: out of memory");
			break;
		case 'c':
			if (strv_extend(&caps, optarg) < 0)
				return oci_error(g, "exec: out of memory");
			break;
		case 'n':
			a.no_new_privs = true;
			break;
		case 'F':
			if (parse_u64_range(optarg, 0, 1000, &n) < 0)
				return oci_error(g, "exec: --preserve-fds: \"%s\" is not a number of fds",
						 optarg);
			a.preserve_fds = (unsigned)n;
			break;
		case 'L':
			return oci_error(g, "exec: --process-label: SELinux labels are not supported");
		case 'A':
			return oci_error(g, "exec: --apparmor: AppArmor is not supported");
		case 'I':
			break;
		default:
			return oci_error(g, "exec: unknown option %s", argv[optind - 1]);
		}
	}
	a.env = env;
	a.caps = caps;
	a.gids = gids;
	if (optind >= argc)
		return oci_error(g, "exec: expected a container id");
	id = argv[optind++];
	if (!a.process && optind >= argc)
		return oci_error(g, "exec: expected a command, or --process FILE");
	if (taper_runtime_prepare(g->argc, g->argv, &err) < 0 || oci_state_load(g, id, &st, &err) < 0)
		return oci_error_err(g, &err);
	init = st.pid;
	c = st.status;
	if (c != OCI_RUNNING) {
		r = oci_error(g, "cannot exec in container \"%s\": it is %s", id, oci_status_name(c));
		oci_state_clear(&st);
		return r;
	}
	r = taper_spec_from_oci(st.bundle, false, &spec, NULL, &err);
	oci_state_clear(&st);
	if (r < 0 || taper_spec_set_name(spec, id, &err) < 0)
		return oci_error_err(g, &err);
	if (a.process) {
		size_t len;

		if ((r = read_file_at(AT_FDCWD, a.process, 1 << 20, &text, &len)) < 0)
			return oci_error(g, "exec: --process %s: %s", a.process, strerror(-r));
		if (taper_spec_set_oci_process(spec, a.process, text, len, &err) < 0)
			return oci_error_err(g, &err);
	}
	if (apply_flags(spec, &a, argv + optind, &err) < 0)
		return oci_error(g, "exec: %s", err.msg);
	if (taper_spec_terminal(spec) && !a.console_socket && a.detach)
		return oci_error(g, "exec: a detached process with a terminal needs --console-socket");
	taper_run_opts_init(&o);
	o.store_path = g->root;
	o.detach = a.detach;
	o.ret_status = &status;
	fds = calloc(a.preserve_fds + 1, sizeof(int));
	if (!fds)
		return oci_error(g, "exec: out of memory");
	for (unsigned i = 0; i < a.preserve_fds; i++)
		fds[i] = 3 + (int)i;
	o.extra_fds = fds;
	o.n_extra_fds = a.preserve_fds;
	if (taper_run_exec(init, spec, &o, &run, &err) < 0) {
		oci_error_err(g, &err);
		return status ? status : 1;
	}
	if (a.pid_file && oci_write_pid_file(a.pid_file, taper_run_pid(run), &err) < 0)
		return oci_error_err(g, &err);
	if (taper_run_pty_master(run) >= 0) {
		if (a.console_socket &&
		    oci_send_console(a.console_socket, taper_run_pty_master(run), &err) < 0)
			return oci_error_err(g, &err);
		if (!a.console_socket)
			oci_relay_pty(taper_run_pty_master(run));
	}
	if (a.detach)
		return 0;
	if (taper_run_wait(run, &ex, &err) < 0)
		return oci_error_err(g, &err);
	return ex.code;
}
