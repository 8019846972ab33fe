/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lifecycle.c — open a store; start, stop, freeze and wait for containers.
 *
 * A start executes taper-monitor (monitor_launch: posix_spawn, safe in a
 * threaded caller), which reports "OK" or its one-line error on a pipe.
 * The caller holds the container's lock until then, so a second start or
 * a stop waits for the first to settle; start.timeout bounds that wait.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "container/container.h"
#include "container/ports.h"
#include "monitor/monitor.h"
#include "net/netsetup.h"
#include "run/run.h"
#include "util/child.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/strv.h"

static void probe_clearp(struct container_probe *p)
{
	container_probe_clear(p);
}

TAPER_EXPORT int taper_store_open(const char *path, struct taper_store **ret, struct taper_err *err)
{
	return store_open(path, NULL, false, ret, err);
}

TAPER_EXPORT int taper_store_create(const char *path, struct taper_store **ret, struct taper_err *err)
{
	return store_open(path, NULL, true, ret, err);
}

TAPER_EXPORT void taper_store_close(struct taper_store *s)
{
	store_free(s);
}

TAPER_EXPORT int taper_container_list(struct taper_store *s, char ***ret_names, struct taper_err *err)
{
	return store_list(s, ret_names, err);
}

TAPER_EXPORT void taper_start_opts_init(struct taper_start_opts *o)
{
	*o = (struct taper_start_opts){ .console_in = -1, .console_out = -1, .stop = NULL };
}

/* ".<file>.tmp.<pid>": a write_file_atomic_at() its writer did not finish
 * (killed between link and rename). Called with no monitor alive. */
static void remove_temp_files(int rt)
{
	_cleanup_closedir_ DIR *d = NULL;
	int fd = openat(rt, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;

	if (fd < 0 || !(d = fdopendir(fd))) {
		safe_close(fd);
		return;
	}
	while ((de = readdir(d))) {
		const char *t = strstr(de->d_name, ".tmp.");

		if (de->d_name[0] == '.' && t && t > de->d_name + 1 && t[5] &&
		    strspn(t + 5, "0123456789") == strlen(t + 5))
			(void)unlinkat(rt, de->d_name, 0);
	}
}

int container_cleanup(struct taper_store *s, const char *name, struct taper_err *err)
{
	_cleanup_(cgroup_manager_freep) struct cgroup_manager *cgm = NULL;
	_cleanup_(cgroup_freep) struct taper_cgroup *cg = NULL;
	_cleanup_free_ char *nettext = NULL;
	_cleanup_close_ int rt = container_runtime_open(s, name);
	char group[128];
	int r = 0;

	if (run_cgroup_group(group, sizeof(group), store_id(s), name) == 0 &&
	    cgroup_manager_open(NULL, &cgm, NULL) == 0 && cgroup_open(cgm, group, &cg, NULL) == 0 &&
	    (r = cgroup_destroy(cg, err)) < 0)
		return err_wrap(err, "remove cgroup");
	if (rt >= 0 && read_file_at(rt, CONTAINER_NET_FILE, 65536, &nettext, NULL) == 0) {
		r = net_container_down(store_id(s), name, err);
		if (r < 0)
			return err_wrap(err, "network");
	}
	if (rt >= 0) {
		(void)unlinkat(rt, CONTAINER_SOCK_FILE, 0);
		(void)unlinkat(rt, CONTAINER_NET_FILE, 0);
		(void)unlinkat(rt, CONTAINER_STATE_FILE, 0);
		remove_temp_files(rt);
	}
	return 0;
}

/* namespaces.share.TYPE = CONTAINER: open that namespace of the running
 * container's init and let the spec join it through /proc/self/fd/N. The
 * init is named by its pid and checked by its start time after the open,
 * so a recycled pid is never joined. */
int container_open_shared_ns(struct taper_store *s, const char *name, struct taper_spec *spec,
			     const struct container_settings *set, int fds[TAPER_NS_COUNT],
			     struct taper_err *err)
{
	for (unsigned i = 0; i < TAPER_NS_COUNT; i++) {
		_cleanup_(probe_clearp) struct container_probe pr = { 0 };
		const char *other = set->share_ns[i], *type = spec_ns_name(1u << i);
		char path[64];
		int r;

		if (!other[0])
			continue;
		if (strcmp(other, name) == 0)
			return err_set(err, 0, "namespaces.share.%s: \"%s\" is this container", type, other);
		if ((r = container_probe(s, other, &pr)) < 0)
			return err_set(err, r, "namespaces.share.%s: state of \"%s\"", type, other);
		if (pr.state != TAPER_STATE_RUNNING && pr.state != TAPER_STATE_FROZEN)
			return err_plain(err, ESRCH, "namespaces.share.%s: container \"%s\" is not running",
					 type, other);
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pr.rec.init_pid, type);
		fds[i] = open(path, O_RDONLY | O_CLOEXEC);
		if (fds[i] < 0 || !proc_matches(pr.rec.init_pid, pr.rec.init_start))
			return err_plain(err, ESRCH, "namespaces.share.%s: container \"%s\" stopped", type,
					 other);
		free(spec->ns_path[i]);
		if (asprintf(&spec->ns_path[i], "/proc/self/fd/%d", fds[i]) < 0) {
			spec->ns_path[i] = NULL;
			return err_set(err, ENOMEM, "namespaces.share.%s", type);
		}
	}
	return 0;
}

/* The monitor's report, a result record of util/child.h: "OK" or "ERR
 * <code> <message>". -ETIMEDOUT, err untouched, when no whole record came
 * within timeout_ms. The monitor is executed, not forked (launch.c), and
 * detached it is not our child: the pipe is read here, not by child_run(). */
static int read_report(int fd, int timeout_ms, struct taper_err *err)
{
	int64_t deadline = now_ms() + timeout_ms;
	char buf[TAPER_ERR_MSG_MAX + 32];
	bool timed_out = false;
	size_t len = 0;
	int r;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int64_t left = deadline - now_ms();
		ssize_t n;

		n = left <= 0 ? 0 : poll(&p, 1, left > INT_MAX ? INT_MAX : (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0) {
			timed_out = true;
			break;
		}
		n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		/* Up to EOF, not the newline: the monitor closes its end
		 * right after "OK", and a start that returns before would
		 * leave the caller racing with that close. */
		if (len == sizeof(buf) - 1)
			break;
	}
	/* running, even if its end was not closed in time */
	if (child_report_decode(buf, len, &r, err))
		return r;
	if (timed_out && !memchr(buf, '\n', len))
		return -ETIMEDOUT;
	return err_set(err, EIO, "the monitor exited without a word");
}

/* No word from the monitor within start.timeout: it is stuck where no
 * bound of its own applies (a frozen cgroup, a hung filesystem). Kill it
 * and undo what it set up, so that the lock handed on next does not come
 * with a half-started container, and a stop or an autostart after this
 * one is not held up. */
static int start_timed_out(struct taper_store *s, const char *name, uint32_t timeout, struct taper_err *err)
{
	_cleanup_(probe_clearp) struct container_probe pr = { 0 };

	if (container_probe(s, name, &pr) == 0 && pr.have_record &&
	    proc_matches(pr.rec.monitor_pid, pr.rec.monitor_start)) {
		(void)kill(pr.rec.monitor_pid, SIGKILL);
		(void)proc_wait_exit(pr.rec.monitor_pid, pr.rec.monitor_start, 10000);
	}
	(void)container_cleanup(s, name, NULL);
	return err_plain(err, ETIMEDOUT,
			 "container \"%s\" not running after start.timeout (%u s): its monitor was killed",
			 name, timeout);
}

/* What taper_container_execute() changes in a foreground start: the
 * monitor runs argv instead of init.cmd, with stdio (-1: the caller's). */
struct exec_override {
	char *const *argv;
	const int *stdio;
	int *ret_status;
};

/* Foreground: the monitor is our child; wait for it, asking it once for
 * a clean stop when *stop becomes non-zero (checked on EINTR and every
 * 250 ms: a signal that lands just before the poll is not lost). Its exit
 * status is the init's. */
static int foreground_wait(struct taper_store *s, const char *name, pid_t pid, volatile sig_atomic_t *stop,
			   struct taper_err *err)
{
	_cleanup_close_ int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
	bool asked = false;
	int status;

	for (;;) {
		struct pollfd p = { .fd = pfd, .events = POLLIN };

		if (stop && *stop && !asked) {
			struct monitor_req req = { .op = MONITOR_OP_STOP, .timeout = -1 };
			struct monitor_resp resp;
			_cleanup_close_ int fd = -1;
			char rundir[256];

			asked = true;
			if (container_runtime_path(s, name, rundir, sizeof(rundir)) == 0 &&
			    monitor_connect(rundir, &fd) == 0)
				(void)monitor_call(fd, &req, &resp);
		}
		if (pfd < 0 || poll(&p, 1, stop ? 250 : -1) > 0)
			break;
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return err_set(err, errno, "wait for the monitor %d", (int)pid);
	if (WIFSIGNALED(status))
		return err_set(err, EIO, "the monitor was killed by signal %d", WTERMSIG(status));
	return WEXITSTATUS(status);
}

/* The caller's lock is held until the monitor's report (and, detached, the
 * monitor is not our child). Foreground, it is released once the
 * container runs, then the wait begins. */
static int start_locked(struct taper_store *s, const char *name, const struct taper_start_opts *o,
			const struct exec_override *x, int *lock_fd, struct taper_err *err)
{
	_cleanup_(spec_freep) struct taper_spec *spec = NULL;
	_cleanup_(probe_clearp) struct container_probe pr = { 0 };
	_cleanup_close_ int rd = -1, wr = -1;
	struct container_settings settings;
	struct monitor_launch_opts lo;
	bool fg = o && o->foreground;
	int p[2], status, r;
	pid_t pid;

	/* The monitor loads it again; here for start.timeout, and for a
	 * broken config to fail before anything runs. */
	if ((r = config_load_container(s, name, &spec, &settings, err)) < 0)
		return r;
	if ((r = container_probe(s, name, &pr)) < 0)
		return err_set(err, r, "state");
	if (pr.state == TAPER_STATE_STOPPING || pr.state == TAPER_STATE_ABORTING) {
		/* A monitor finishing a stop: let it, then start afresh. */
		if (proc_wait_exit(pr.rec.monitor_pid, pr.rec.monitor_start, 30000) < 0)
			return err_plain(err, EBUSY, "container \"%s\" is still stopping", name);
	} else if (pr.state != TAPER_STATE_STOPPED) {
		return err_plain(err, EBUSY, "container \"%s\" is already running", name);
	}
	if (pipe2(p, O_CLOEXEC) < 0)
		return err_set(err, errno, "pipe");
	rd = p[0];
	wr = p[1];
	lo = (struct monitor_launch_opts){ .foreground = fg,
					   .console_in = fg ? o->console_in : -1,
					   .console_out = fg ? o->console_out : -1,
					   .argv = x ? x->argv : NULL,
					   .stdio = x ? x->stdio : NULL };
	if ((r = monitor_launch(store_path(s), name, &lo, wr, &pid, err)) < 0)
		return r;
	wr = safe_close(wr);
	if (!fg)
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	r = read_report(rd, (int)settings.start_timeout * 1000, err);
	if (r == -ETIMEDOUT)
		r = start_timed_out(s, name, settings.start_timeout, err);
	if (!fg)
		return r;
	if (r < 0) {
		/* Our child, not reaped yet: its pid cannot be another's. A
		 * monitor stuck before its state file was not found above. */
		if (r == -ETIMEDOUT)
			(void)kill(pid, SIGKILL);
		status = foreground_wait(s, name, pid, NULL, NULL);
		/* A command that never ran: the monitor exits with 125, 126
		 * or 127, as a shell reports it. */
		if (x && x->ret_status && status >= TAPER_STATUS_RUNTIME_ERROR &&
		    status <= TAPER_STATUS_NOT_FOUND)
			*x->ret_status = status;
		return r;
	}
	*lock_fd = safe_close(*lock_fd);
	return foreground_wait(s, name, pid, o->stop, err);
}

TAPER_EXPORT int taper_container_start(struct taper_store *s, const char *name,
				       const struct taper_start_opts *opts, struct taper_err *err)
{
	_cleanup_close_ int lock = -1;
	int r;

	if ((r = store_check_name(name, err)) < 0)
		return r;
	if ((r = store_lock(s, name, true, &lock, err)) < 0)
		return container_err(err, name);
	r = start_locked(s, name, opts, NULL, &lock, err);
	return r < 0 ? container_err(err, name) : r;
}

TAPER_EXPORT void taper_execute_opts_init(struct taper_execute_opts *o)
{
	*o = (struct taper_execute_opts){ .stdio = { -1, -1, -1 } };
}

/* A foreground start, the monitor running argv for the init with no pty: the container is RUNNING (state file, monitor socket)
 * for as long as the command runs, so a second start is refused, and stop,
 * attach and ls work as for any start. */
TAPER_EXPORT int taper_container_execute(struct taper_store *s, const char *name,
					 const struct taper_execute_opts *opts, struct taper_err *err)
{
	struct taper_start_opts so;
	struct exec_override x = { .argv = opts->argv, .stdio = opts->stdio, .ret_status = opts->ret_status };
	_cleanup_close_ int lock = -1;
	int r;

	if ((r = store_check_name(name, err)) < 0)
		return err_wrap(err, "run");
	if (!opts->argv || !opts->argv[0])
		return err_set(err, EINVAL, "run %s: no command", name);
	if ((r = store_lock(s, name, true, &lock, err)) < 0)
		return err_wrap(err, "run");
	if (!store_exists(s, name))
		return err_set(err, ENOENT, "run %s: container \"%s\" not found", name, name);
	if (opts->ret_status)
		*opts->ret_status = TAPER_STATUS_RUNTIME_ERROR;
	taper_start_opts_init(&so);
	so.foreground = true;
	r = start_locked(s, name, &so, &x, &lock, err);
	return r < 0 ? err_wrap(err, "run %s", name) : r;
}

/* A pidfd on pid, opened and then checked against its start time: the
 * pidfd names the process the state file recorded, never a recycled
 * pid. -ESRCH when it is gone. */
static int pidfd_verified(pid_t pid, uint64_t start)
{
	_cleanup_close_ int pfd = (int)syscall(SYS_pidfd_open, pid, 0);

	if (pfd < 0)
		return -errno;
	if (!proc_matches(pid, start))
		return -ESRCH;
	return TAKE_FD(pfd);
}

static int left_ms(int64_t deadline)
{
	int64_t left = deadline - now_ms();

	return left < 0 ? 0 : left > INT32_MAX ? INT32_MAX : (int)left;
}

/* No monitor (or none any more): the stop signal (sig, 0 when already
 * sent or not wanted), SIGKILL of the init at the deadline, then what
 * is left killed through the cgroup and cleaned up as the monitor would
 * have. Success only once the init is gone. */
static int stop_direct(struct taper_store *s, const char *name, const struct container_probe *pr, int sig,
		       int64_t deadline, struct taper_err *err)
{
	_cleanup_close_ int pfd = -1;
	int r;

	if (pr->init_alive && (pfd = pidfd_verified(pr->rec.init_pid, pr->rec.init_start)) >= 0) {
		if (sig > 0)
			(void)syscall(SYS_pidfd_send_signal, pfd, sig, NULL, 0);
		if (proc_wait_exit(pr->rec.init_pid, pr->rec.init_start, left_ms(deadline)) < 0)
			(void)syscall(SYS_pidfd_send_signal, pfd, SIGKILL, NULL, 0);
	}
	/* Kills the rest (the init too, when the group is frozen). */
	if ((r = container_cleanup(s, name, err)) < 0)
		return r;
	if (pfd >= 0 && proc_wait_exit(pr->rec.init_pid, pr->rec.init_start, 10000) < 0)
		return err_set(err, EBUSY, "container \"%s\" is still running: init %d survived SIGKILL",
			       name, (int)pr->rec.init_pid);
	return 0;
}

/* Ask the monitor to stop the container and wait for it to finish. True
 * when it did (its state file is gone: it tore everything down); false
 * when it could not be asked, wedged (then killed here) or died on the
 * way, and the caller must finish the stop. *ret_signalled: the monitor
 * took the request, and sent the stop signal. */
static bool stop_by_monitor(struct taper_store *s, const char *name, const struct container_probe *pr,
			    int timeout, bool do_kill, bool *ret_signalled)
{
	struct monitor_req req = { .op = MONITOR_OP_STOP, .timeout = timeout, .kill = do_kill };
	_cleanup_(probe_clearp) struct container_probe now = { 0 };
	_cleanup_close_ int fd = -1, pfd = -1;
	struct monitor_resp resp;
	char rundir[256];

	*ret_signalled = false;
	if (container_runtime_path(s, name, rundir, sizeof(rundir)) < 0 || monitor_connect(rundir, &fd) < 0)
		return false;
	pfd = pidfd_verified(pr->rec.monitor_pid, pr->rec.monitor_start);
	if (monitor_call(fd, &req, &resp) == 0) {
		*ret_signalled = true;
		if (proc_wait_exit(pr->rec.monitor_pid, pr->rec.monitor_start,
				   (do_kill ? 0 : timeout * 1000) + 15000) == 0)
			return container_probe(s, name, &now) == 0 && !now.have_record;
	}
	/* Wedged: its work is ours now, and it must not race us for it. */
	if (pfd >= 0 && syscall(SYS_pidfd_send_signal, pfd, SIGKILL, NULL, 0) == 0)
		(void)proc_wait_exit(pr->rec.monitor_pid, pr->rec.monitor_start, 10000);
	return false;
}

int container_stop_locked(struct taper_store *s, const char *name, int timeout, bool do_kill,
			  struct taper_err *err)
{
	_cleanup_(spec_freep) struct taper_spec *spec = NULL;
	_cleanup_(probe_clearp) struct container_probe pr = { 0 };
	struct container_settings settings;
	bool signalled = false;
	int64_t deadline;
	int r;

	if (!store_exists(s, name))
		return err_plain(err, ENOENT, "container \"%s\" not found", name);
	container_settings_init(&settings);
	(void)config_load_container(s, name, &spec, &settings, NULL);
	if (timeout < 0)
		timeout = (int)settings.stop_timeout;
	if (timeout == 0)
		do_kill = true;
	deadline = now_ms() + (do_kill ? 0 : (int64_t)timeout * 1000);
	if ((r = container_probe(s, name, &pr)) < 0)
		return err_set(err, r, "state");
	if (!pr.init_alive) {
		/* Stopped by itself: a monitor may still be tearing down. */
		if (pr.monitor_alive)
			(void)proc_wait_exit(pr.rec.monitor_pid, pr.rec.monitor_start, 30000);
		if (pr.have_record)
			(void)container_cleanup(s, name, NULL);
		return err_plain(err, ESRCH, "container \"%s\" is not running", name);
	}
	if (pr.monitor_alive) {
		if (stop_by_monitor(s, name, &pr, timeout, do_kill, &signalled))
			return 0;
		/* The monitor is gone, its stop maybe half done: look again. */
		container_probe_clear(&pr);
		if ((r = container_probe(s, name, &pr)) < 0)
			return err_set(err, r, "state");
	}
	return stop_direct(s, name, &pr, do_kill || signalled ? 0 : settings.stop_signal, deadline, err);
}

TAPER_EXPORT int taper_container_stop(struct taper_store *s, const char *name, int timeout, bool kill,
				      struct taper_err *err)
{
	_cleanup_close_ int lock = -1;
	int r;

	if ((r = store_check_name(name, err)) < 0)
		return r;
	if ((r = store_lock(s, name, true, &lock, err)) < 0)
		return container_err(err, name);
	r = container_stop_locked(s, name, timeout, kill, err);
	return r < 0 ? container_err(err, name) : r;
}

static int freeze(struct taper_store *s, const char *name, bool frozen, struct taper_err *err)
{
	_cleanup_(probe_clearp) struct container_probe pr = { 0 };
	_cleanup_(cgroup_manager_freep) struct cgroup_manager *cgm = NULL;
	_cleanup_(cgroup_freep) struct taper_cgroup *cg = NULL;
	_cleanup_close_ int lock = -1;
	char group[128];
	int r;

	if ((r = store_check_name(name, err)) < 0 || (r = store_lock(s, name, true, &lock, err)) < 0)
		return r;
	if (!store_exists(s, name))
		return err_plain(err, ENOENT, "container \"%s\" not found", name);
	if ((r = container_probe(s, name, &pr)) < 0)
		return err_set(err, r, "state");
	if (!pr.init_alive)
		return err_plain(err, ESRCH, "container \"%s\" is not running", name);
	if ((r = run_cgroup_group(group, sizeof(group), store_id(s), name)) < 0 ||
	    (r = cgroup_manager_open(NULL, &cgm, err)) < 0 || (r = cgroup_open(cgm, group, &cg, err)) < 0)
		return r;
	if ((r = cgroup_freeze(cg, frozen, err)) < 0)
		return r;
	/* The freezer (v1) tells nobody: touch the runtime directory, which
	 * watchers (taper_watch_*) have an inotify watch on, so that they
	 * read the freezer now. */
	{
		_cleanup_close_ int rt = container_runtime_open(s, name);

		if (rt >= 0)
			(void)futimens(rt, NULL);
	}
	return 0;
}

TAPER_EXPORT int taper_container_freeze(struct taper_store *s, const char *name, struct taper_err *err)
{
	int r = freeze(s, name, true, err);

	return r < 0 ? container_err(err, name) : 0;
}

TAPER_EXPORT int taper_container_unfreeze(struct taper_store *s, const char *name, struct taper_err *err)
{
	int r = freeze(s, name, false, err);

	return r < 0 ? container_err(err, name) : 0;
}

TAPER_EXPORT int taper_container_wait(struct taper_store *s, const char *name, enum taper_state state,
				      int timeout, struct taper_err *err)
{
	int64_t deadline = timeout < 0 ? -1 : now_ms() + (int64_t)timeout * 1000;

	if (!store_exists(s, name))
		return err_plain(err, ENOENT, "container \"%s\" not found", name);
	for (;;) {
		struct taper_container_state st;
		enum taper_state now;
		int r = taper_container_state(s, name, &st, err);

		if (r < 0)
			return r;
		now = st.state;
		taper_container_state_clear(&st);
		if (now == state)
			return 0;
		if (deadline >= 0 && now_ms() >= deadline)
			return err_plain(err, ETIMEDOUT, "container \"%s\" still %s, not %s", name,
					 taper_state_name(now), taper_state_name(state));
		usleep(50000);
	}
}
