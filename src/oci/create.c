/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * create.c — create, start and run.
 *
 * create forks a holder, which makes the run with taper_run_create() (the
 * container's init waits, root built, before its execve), writes the pid
 * file, hands the pty master to --console-socket, saves state.json and
 * says "ok" to create, which exits. The holder waits on <root>/<id>/ctl
 * for start, runs taper_run_start(), answers, and exits: the init, now
 * the command, is reparented to the caller's subreaper. An init that dies
 * while created (kill, delete --force) ends the holder too.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "oci/oci.h"
#include "util/cleanup-api.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/parse.h"
#include "util/strv.h"

#define CTL_NAME "ctl"

struct create_args {
	const char *id;
	const char *bundle;
	const char *pid_file;
	const char *console_socket;
	unsigned preserve_fds;
	bool detach; /* run -d */
};

static int parse_create(int argc, char **argv, struct oci_global *g, bool run, struct create_args *a)
{
	static const struct option opts[] = {
		{ "bundle", required_argument, NULL, 'b' },
		{ "pid-file", required_argument, NULL, 'p' },
		{ "console-socket", required_argument, NULL, 'c' },
		{ "preserve-fds", required_argument, NULL, 'P' },
		{ "no-pivot", no_argument, NULL, 'n' },
		{ "no-new-keyring", no_argument, NULL, 'k' },
		{ "detach", no_argument, NULL, 'd' },
		{ "keep", no_argument, NULL, 'K' },
		{},
	};
	uint64_t n;
	int c;

	*a = (struct create_args){ .bundle = "." };
	opterr = 0;
	while ((c = getopt_long(argc, argv, run ? "+b:d" : "+b:", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			a->bundle = optarg;
			break;
		case 'p':
			a->pid_file = optarg;
			break;
		case 'c':
			a->console_socket = optarg;
			break;
		case 'P':
			if (parse_u64_range(optarg, 0, 1000, &n) < 0)
				return oci_error(g, "--preserve-fds: \"%s\" is not a number of fds", optarg);
			a->preserve_fds = (unsigned)n;
			break;
		case 'n': /* taper falls back to MS_MOVE + chroot by itself */
		case 'k': /* taper makes no session keyring */
		case 'K':
			break;
		case 'd':
			if (!run)
				goto bad;
			a->detach = true;
			break;
		default:
bad:
			return oci_error(g, "%s: unknown option %s", argv[0], argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return oci_error(g, "%s: expected one container id", argv[0]);
	a->id = argv[optind];
	return 0;
}

/* cgroupsPath: a path of names is taper's to honour (absolute from the
 * hierarchies' roots, relative under the store's group); systemd's
 * "slice:prefix:name" goes with --systemd-cgroup, and needs systemd to
 * make the scope. */
static int check_cgroup_path(const struct oci_global *g, struct taper_spec *spec, const char *bundle,
			     struct taper_err *err)
{
	const char *p = taper_spec_cgroup_path(spec);
	struct stat sb;

	if (g->systemd_cgroup && stat("/run/systemd/system", &sb) < 0)
		return err_set(err, 0,
			       "--systemd-cgroup: systemd is not running on this host (no "
			       "/run/systemd/system): drop the flag, cgroups are managed directly");
	if (g->systemd_cgroup)
		return err_set(err, 0,
			       "--systemd-cgroup: systemd scopes are not supported yet: drop the flag, "
			       "cgroups are managed directly");
	if (p && strchr(p, ':'))
		return err_set(err, 0,
			       "%s/config.json: linux.cgroupsPath: \"%s\" is systemd's slice:prefix:name "
			       "form, which needs --systemd-cgroup",
			       bundle, p);
	return 0;
}

/* A group under taper's own subtree (no cgroupsPath, or a relative one)
 * is made where the container needs it, as `taper run` makes its own: the
 * cgroup2 part (device rules, kill, freezer, pids, CPU time) and the v1
 * hierarchies its resources use; `update` adds one a new limit needs. An
 * absolute cgroupsPath is the caller's tree (a pod's), whose parents may
 * hold limits of every controller and whose groups the caller reads: the
 * container is in every hierarchy there. */
static bool minimal_group(const struct taper_spec *spec)
{
	const char *p = taper_spec_cgroup_path(spec);

	return !p || p[0] != '/';
}

/* The bundle's spec, named after the container; its state skeleton. */
static int load_spec(struct oci_global *g, const struct create_args *a, struct taper_spec **ret,
		     struct oci_state *st, struct taper_err *err)
{
	_cleanup_strv_free_ char **ignored = NULL;
	char bundle[PATH_MAX], when[96];
	struct timespec ts;
	struct tm tm;
	int r;

	if (!realpath(a->bundle, bundle))
		return err_set(err, errno, "bundle %s", a->bundle);
	if ((r = taper_spec_from_oci(bundle, false, ret, &ignored, err)) < 0)
		return r;
	for (char **i = ignored; i && *i; i++)
		oci_debug(g, "%s/config.json: %s: not a property of the runtime-spec, ignored", bundle, *i);
	if ((r = taper_spec_set_name(*ret, a->id, err)) < 0 ||
	    (r = check_cgroup_path(g, *ret, bundle, err)) < 0)
		return r;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(when, sizeof(when), "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec);
	st->id = strdup(a->id);
	st->bundle = strdup(bundle);
	st->rootfs = strdup(taper_spec_rootfs(*ret) ? taper_spec_rootfs(*ret) : "");
	st->created = strdup(when);
	st->annotations = strv_copy(taper_spec_annotations(*ret));
	st->cgroup = strdup(taper_spec_cgroup_path(*ret) ? taper_spec_cgroup_path(*ret) : a->id);
	if (!st->id || !st->bundle || !st->rootfs || !st->created || !st->cgroup ||
	    (taper_spec_annotations(*ret) && !st->annotations))
		return err_set(err, ENOMEM, "container \"%s\"", a->id);
	return 0;
}

/* <root>/<id>, new. */
static int make_dir(struct oci_global *g, const char *id, struct taper_err *err)
{
	_cleanup_close_ int root = -1;
	char dir[4096];
	int r;

	if ((r = oci_dir(g, id, dir, sizeof(dir), err)) < 0)
		return r;
	if ((root = oci_root_open(g, true, err)) < 0)
		return root;
	if (mkdirat(root, id, 0700) < 0)
		return errno == EEXIST ? err_set(err, 0, "container with id \"%s\" exists already", id)
				       : err_set(err, errno, "%s", dir);
	return 0;
}

/* A copy of the bundle's config.json in <root>/<id>/, for the poststop
 * hooks that delete runs when the bundle may be gone or changed. */
static int keep_config(struct oci_global *g, const char *id, const char *bundle, struct taper_err *err)
{
	_cleanup_close_ int bfd = -1, dfd = -1;
	_cleanup_free_ char *text = NULL;
	char dir[4096];
	size_t len = 0;
	int r;

	if ((r = oci_dir(g, id, dir, sizeof(dir), err)) < 0)
		return r;
	if ((bfd = open(bundle, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    (dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		return err_set(err, errno, "container \"%s\": keep config.json", id);
	if ((r = read_file_at(bfd, "config.json", 4u << 20, &text, &len)) < 0 ||
	    (r = write_file_replace_at(dfd, "config.json", text, len, 0600)) < 0)
		return err_set(err, r, "container \"%s\": keep config.json", id);
	return 0;
}

void oci_run_poststop(struct oci_global *g, const struct oci_state *st)
{
	_cleanup_(taper_spec_freep) struct taper_spec *spec = NULL;
	_cleanup_close_ int dfd = -1;
	_cleanup_free_ char *text = NULL;
	struct taper_err err = { 0 };
	char dir[4096], label[4200];
	size_t len = 0;
	int r;

	if (oci_dir(g, st->id, dir, sizeof(dir), NULL) < 0 ||
	    (dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		return;
	r = read_file_at(dfd, "config.json", 4u << 20, &text, &len);
	if (r == -ENOENT)
		return; /* none kept: no poststop hook */
	snprintf(label, sizeof(label), "%s/config.json", dir);
	if (r < 0) {
		oci_warn(g, "container \"%s\": poststop hooks not run: %s: %s", st->id, label, strerror(-r));
		return;
	}
	if (taper_spec_from_oci_text(label, text, len, st->bundle && st->bundle[0] ? st->bundle : "/", &spec,
				     &err) < 0 ||
	    taper_spec_set_name(spec, st->id, &err) < 0) {
		oci_warn(g, "container \"%s\": poststop hooks not run: %s", st->id, err.msg);
		return;
	}
	if (taper_spec_run_hooks(spec, TAPER_HOOK_POSTSTOP, st->pid, &err) < 0)
		oci_warn(g, "container \"%s\": %s", st->id, err.msg);
}

static void remove_dir(struct oci_global *g, const char *id)
{
	_cleanup_close_ int root = oci_root_open(g, false, NULL);

	if (root >= 0)
		(void)rm_rf_at(root, id);
}

static int fds_to_keep(unsigned n, int **ret)
{
	*ret = calloc(n ? n : 1, sizeof(int));
	if (!*ret)
		return -ENOMEM;
	for (unsigned i = 0; i < n; i++)
		(*ret)[i] = 3 + (int)i;
	return 0;
}

/* Our end of the ctl socket of a container dir, bound or connected. */
static int ctl_socket(const struct oci_global *g, const char *id, bool bind_it, struct taper_err *err)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char dir[4096], path[4200];
	_cleanup_close_ int s = -1;
	int r;

	if ((r = oci_dir(g, id, dir, sizeof(dir), err)) < 0)
		return r;
	/* Through /proc/self/fd of the directory: a deep --root does not fit
	 * sun_path. */
	_cleanup_close_ int dfd = oci_dir_open(g, id, err);

	if (dfd == -ENOENT)
		return err_set(err, ENOENT, "%s", dir);
	if (dfd < 0)
		return dfd;
	snprintf(path, sizeof(path), "/proc/self/fd/%d/" CTL_NAME, dfd);
	if (strlen(path) >= sizeof(addr.sun_path))
		return err_set(err, ENAMETOOLONG, "%s", path);
	strcpy(addr.sun_path, path);
	s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (s < 0)
		return err_set(err, errno, "control socket");
	if (bind_it ? bind(s, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(s, 4) < 0
		    : connect(s, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return err_set(err, errno, "container \"%s\": control socket", id);
	return TAKE_FD(s);
}

static void say(int fd, const char *what)
{
	(void)send(fd, what, strlen(what), MSG_NOSIGNAL);
}

_Noreturn static void holder(struct oci_global *g, const struct create_args *a, struct taper_spec *spec,
			     struct oci_state *st, int sync)
{
	_cleanup_(taper_run_freep) struct taper_run *run = NULL;
	_cleanup_free_ int *fds = NULL;
	struct taper_err err = { 0 };
	struct taper_run_opts o;
	char msg[TAPER_ERR_MSG_MAX + 2];
	int status = 0, ctl, null;

	setsid();
	taper_run_opts_init(&o);
	o.store_path = g->root;
	o.minimal_cgroup = minimal_group(spec);
	o.detach = true;
	o.ret_status = &status;
	if (fds_to_keep(a->preserve_fds, &fds) < 0)
		goto fail_oom;
	o.extra_fds = fds;
	o.n_extra_fds = a->preserve_fds;
	if (taper_run_create(spec, &o, &run, &err) < 0)
		goto fail;
	if (taper_run_pty_master(run) >= 0 && a->console_socket &&
	    oci_send_console(a->console_socket, taper_run_pty_master(run), &err) < 0)
		goto fail;
	st->pid = taper_run_pid(run);
	st->start_time = oci_pid_start_time(st->pid);
	if ((a->pid_file && oci_write_pid_file(a->pid_file, st->pid, &err) < 0) ||
	    oci_state_save(g, st, &err) < 0)
		goto fail;
	if ((ctl = ctl_socket(g, a->id, true, &err)) < 0)
		goto fail;
	say(sync, "ok");
	close(sync);
	/* The caller's stdio is the container's now, not ours to hold. */
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	for (int i = 0; i < 3 && null >= 0; i++)
		dup2(null, i);
	for (;;) {
		struct pollfd p[2] = { { .fd = ctl, .events = POLLIN },
				       { .fd = taper_run_pidfd(run), .events = POLLIN } };
		_cleanup_close_ int conn = -1;
		char req[16] = "";

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		if (p[1].revents)
			_exit(0); /* killed while created: the run's free reaps it */
		conn = accept4(ctl, NULL, NULL, SOCK_CLOEXEC);
		if (conn < 0 || recv(conn, req, sizeof(req) - 1, 0) <= 0 || strcmp(req, "start") != 0)
			continue;
		if (taper_run_start(run, &err) < 0) {
			snprintf(msg, sizeof(msg), "E%s", err.msg);
			say(conn, msg);
			_exit(1);
		}
		st->started = true;
		if (oci_state_save(g, st, &err) < 0) {
			snprintf(msg, sizeof(msg), "E%s", err.msg);
			say(conn, msg);
			_exit(1);
		}
		/* runtime.md: poststart before start returns; a failure is a
		 * warning, which start prints. */
		if (taper_spec_run_hooks(spec, TAPER_HOOK_POSTSTART, st->pid, &err) < 0) {
			snprintf(msg, sizeof(msg), "W%s", err.msg);
			say(conn, msg);
		} else {
			say(conn, "ok");
		}
		taper_run_free(TAKE_PTR(run)); /* started and detached: left running */
		_exit(0);
	}
fail_oom:
	err_set(&err, ENOMEM, "container \"%s\"", a->id);
fail:
	snprintf(msg, sizeof(msg), "E%s", err.msg);
	say(sync, msg);
	taper_run_free(TAKE_PTR(run));
	_exit(1);
}

/* Fork the holder; 0 once the container is created. */
static int create_container(struct oci_global *g, const struct create_args *a, struct taper_err *err)
{
	_cleanup_(taper_spec_freep) struct taper_spec *spec = NULL;
	struct oci_state st = { 0 };
	int sync[2];
	char msg[TAPER_ERR_MSG_MAX + 2] = "";
	ssize_t n;
	pid_t pid;
	int r;

	if ((r = load_spec(g, a, &spec, &st, err)) < 0 ||
	    (taper_spec_terminal(spec) && !a->console_socket &&
	     (r = err_set(err, 0, "process.terminal is set: a detached container needs --console-socket")) <
		     0) ||
	    (r = make_dir(g, a->id, err)) < 0) {
		oci_state_clear(&st);
		return r;
	}
	if (taper_spec_hook_count(spec, TAPER_HOOK_POSTSTOP) &&
	    (r = keep_config(g, a->id, st.bundle, err)) < 0) {
		oci_state_clear(&st);
		remove_dir(g, a->id);
		return r;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sync) < 0) {
		oci_state_clear(&st);
		remove_dir(g, a->id);
		return err_set(err, errno, "socketpair");
	}
	pid = fork();
	if (pid == 0) {
		close(sync[0]);
		holder(g, a, spec, &st, sync[1]);
	}
	close(sync[1]);
	oci_state_clear(&st);
	if (pid < 0) {
		close(sync[0]);
		remove_dir(g, a->id);
		return err_set(err, errno, "fork");
	}
	n = recv(sync[0], msg, sizeof(msg) - 1, 0);
	close(sync[0]);
	if (n == 2 && memcmp(msg, "ok", 2) == 0)
		return 0;
	(void)waitpid(pid, NULL, 0);
	remove_dir(g, a->id);
	if (n > 1 && msg[0] == 'E')
		return err_set(err, 0, "%s", msg + 1);
	return err_set(err, EPROTO, "container \"%s\": the holder died", a->id);
}

int oci_cmd_create(int argc, char **argv, struct oci_global *g)
{
	struct taper_err err = { 0 };
	struct create_args a;

	if (parse_create(argc, argv, g, false, &a))
		return 1;
	if (taper_runtime_prepare(g->argc, g->argv, &err) < 0 || create_container(g, &a, &err) < 0)
		return oci_error_err(g, &err);
	return 0;
}

static int start_container(struct oci_global *g, const char *id, struct taper_err *err)
{
	struct oci_state st;
	char reply[TAPER_ERR_MSG_MAX + 2] = "";
	_cleanup_close_ int s = -1;
	ssize_t n;
	int r;

	if ((r = oci_state_load(g, id, &st, err)) < 0)
		return r;
	r = st.status;
	oci_state_clear(&st);
	if (r != OCI_CREATED)
		return err_set(err, 0, "cannot start a container that is %s (only a created one)",
			       oci_status_name(r));
	if ((s = ctl_socket(g, id, false, err)) < 0)
		return s;
	say(s, "start");
	n = recv(s, reply, sizeof(reply) - 1, 0);
	if (n == 2 && memcmp(reply, "ok", 2) == 0)
		return 0;
	if (n > 1 && reply[0] == 'W') {
		reply[n] = '\0';
		oci_warn(g, "%s", reply + 1);
		return 0;
	}
	if (n > 1 && reply[0] == 'E')
		return err_set(err, 0, "%s", reply + 1);
	return err_set(err, EPROTO, "container \"%s\": no answer to start", id);
}

int oci_cmd_start(int argc, char **argv, struct oci_global *g)
{
	struct taper_err err = { 0 };

	if (argc != 2 || argv[1][0] == '-')
		return oci_error(g, "start: expected one container id");
	return start_container(g, argv[1], &err) < 0 ? oci_error_err(g, &err) : 0;
}

/* run without -d: the run is ours; signals go on to the container. */
static pid_t forward_to;

static void forward(int sig)
{
	if (forward_to > 0)
		kill(forward_to, sig);
}

static int run_attached(struct oci_global *g, const struct create_args *a, struct taper_err *err)
{
	_cleanup_(taper_spec_freep) struct taper_spec *spec = NULL;
	_cleanup_(taper_run_freep) struct taper_run *run = NULL;
	_cleanup_free_ int *fds = NULL;
	struct oci_state st = { 0 };
	struct taper_err hook_err = { 0 };
	struct taper_run_opts o;
	struct taper_run_exit ex;
	int status = 0, r;

	if ((r = load_spec(g, a, &spec, &st, err)) < 0 || (r = make_dir(g, a->id, err)) < 0) {
		oci_state_clear(&st);
		return r;
	}
	taper_run_opts_init(&o);
	o.store_path = g->root;
	o.minimal_cgroup = minimal_group(spec);
	o.ret_status = &status;
	if (fds_to_keep(a->preserve_fds, &fds) < 0) {
		r = err_set(err, ENOMEM, "run");
		goto out;
	}
	o.extra_fds = fds;
	o.n_extra_fds = a->preserve_fds;
	if ((r = taper_run_spawn(spec, &o, &run, err)) < 0) {
		r = -status;
		goto out;
	}
	forward_to = taper_run_pid(run);
	for (int sig = 1; sig < 32; sig++)
		if (sig != SIGKILL && sig != SIGSTOP && sig != SIGCHLD && sig != SIGSEGV && sig != SIGBUS &&
		    sig != SIGFPE && sig != SIGILL && sig != SIGWINCH)
			signal(sig, forward);
	st.pid = taper_run_pid(run);
	st.start_time = oci_pid_start_time(st.pid);
	st.started = true;
	if ((a->pid_file && (r = oci_write_pid_file(a->pid_file, st.pid, err)) < 0) ||
	    (r = oci_state_save(g, &st, err)) < 0)
		goto out;
	if (taper_spec_run_hooks(spec, TAPER_HOOK_POSTSTART, st.pid, &hook_err) < 0)
		oci_warn(g, "container \"%s\": %s", a->id, hook_err.msg);
	if (taper_run_pty_master(run) >= 0) {
		if (a->console_socket &&
		    (r = oci_send_console(a->console_socket, taper_run_pty_master(run), err)) < 0)
			goto out;
		if (!a->console_socket)
			oci_relay_pty(taper_run_pty_master(run));
	}
	if ((r = taper_run_wait(run, &ex, err)) < 0)
		goto out;
	r = ex.code;
out:
	remove_dir(g, a->id);
	if (st.pid > 0 && taper_spec_run_hooks(spec, TAPER_HOOK_POSTSTOP, st.pid, &hook_err) < 0)
		oci_warn(g, "container \"%s\": %s", a->id, hook_err.msg);
	oci_state_clear(&st);
	return r;
}

int oci_cmd_run(int argc, char **argv, struct oci_global *g)
{
	struct taper_err err = { 0 };
	struct create_args a;
	int r;

	if (parse_create(argc, argv, g, true, &a))
		return 1;
	if (taper_runtime_prepare(g->argc, g->argv, &err) < 0)
		return oci_error_err(g, &err);
	if (!a.detach) {
		r = run_attached(g, &a, &err);
		if (r < 0 && err.msg[0])
			oci_error_err(g, &err);
		return r < 0 ? (-r >= 125 && -r <= 127 ? -r : 1) : r;
	}
	if (create_container(g, &a, &err) < 0)
		return oci_error_err(g, &err);
	if (start_container(g, a.id, &err) < 0) {
		char cg[512];

		oci_error_err(g, &err);
		(void)taper_run_group_remove(g->root, oci_cgroup_of(g, a.id, cg, sizeof(cg)), NULL);
		remove_dir(g, a.id);
		return 1;
	}
	return 0;
}
