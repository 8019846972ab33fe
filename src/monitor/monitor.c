/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * monitor.c — the monitor's setup, its hand-over to the supervisor and its
 * teardown (see monitor.h; the loop in between is supervise.c).
 *
 * Memory is not this file's concern any more: whatever the setup maps
 * (libseccomp, libmnl, netlink buffers, the spec) is gone at the execve()
 * of the supervisor, which keeps only the fds it needs.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "monitor/monitor.h"
#include "monitor/record.h"
#include "monitor/supervise.h"
#include "net/etcfiles.h"
#include "net/netsetup.h"
#include "util/child.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/proc.h"
#include "util/strv.h"

#ifndef TAPER_SUPERVISE_PATH
#define TAPER_SUPERVISE_PATH "/usr/local/libexec/taper/taper-supervise"
#endif

struct mon {
	struct monitor_cfg *cfg;
	char rundir[256];
	int rtfd;
	int lsock;
	int sigfd;
	int timerfd;
	int logfd;
	struct run_child *child;
	struct cgroup_manager *cgm;
	int master;
	int slave_hold; /* keeps the master from reading EIO when init closes its console */
	struct container_record rec;
	struct net_state net;
	bool net_up;
	bool host_net; /* net_ifs_reach_host(): the teardown takes the network down */
	char group[128];
};

static void mon_save(struct mon *m, enum taper_state st)
{
	(void)container_record_save(m->rtfd, &m->rec, st);
}

/* ---- the network, in the prestart hook ------------------------------- */

/* /etc/hosts and /etc/resolv.conf belong to the container: one that is not
 * a regular file (a fifo, a device node, a symlink) is its own choice and
 * is left alone, with a word on the console log; only a regular file or
 * none is (re)written, through root_write_file(). */
static int write_etc(struct mon *m, int root_fd, const char *path, const char *text, struct taper_err *err)
{
	struct taper_err werr = { 0 };
	int r = root_write_file(root_fd, path, text, strlen(text), 0644, &werr);

	if (r == -ENOENT)
		return 0; /* no /etc: nothing to tell */
	if (r == -EBADFD) {
		log_warn("%s; left alone", werr.msg);
		if (m->logfd >= 0)
			dprintf(m->logfd, "taper: %s; left alone\r\n", werr.msg);
		return 0;
	}
	if (r < 0) {
		*err = werr;
		return r;
	}
	return 0;
}

static int etc_files(struct mon *m, struct taper_err *err)
{
	const struct taper_spec *spec = m->cfg->spec;
	_cleanup_free_ char *hosts = NULL, *resolv = NULL, *host_resolv = NULL;
	_cleanup_close_ int root = -1;
	int r;

	/* An idmapped snapshot's overlay is the runtime's, not built yet:
	 * write through one of our own, gone before the runtime's is made
	 * (two overlays must not share an upper directory). Host root's
	 * files land in the upper layer with the ids they have on disk. */
	if (spec->overlay_dir) {
		if (m->cfg->mount_overlay && (r = m->cfg->mount_overlay(m->cfg, err)) < 0)
			return r;
		root = open(spec->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (umount2(spec->rootfs, MNT_DETACH) < 0)
			return err_set(err, errno, "unmount overlay %s", spec->rootfs);
	} else {
		root = open(spec->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	}
	if (root < 0)
		return err_set(err, errno, "rootfs %s", spec->rootfs);
	(void)read_file("/etc/resolv.conf", 65536, &host_resolv);
	if (net_hosts_content(spec->hostname ? spec->hostname : m->cfg->name, &m->net, &hosts) < 0 ||
	    net_resolv_content(host_resolv, NULL, &resolv) < 0)
		return err_set(err, ENOMEM, "/etc/hosts");
	if ((r = write_etc(m, root, "/etc/hosts", hosts, err)) < 0 ||
	    (r = write_etc(m, root, "/etc/resolv.conf", resolv, err)) < 0)
		return r;
	return 0;
}

static int prestart(void *data, pid_t pid, struct taper_err *err)
{
	struct mon *m = data;
	const struct taper_spec *spec = m->cfg->spec;
	const struct net_scope scope = { .owner = store_id(m->cfg->store),
					 .defs = store_networks_dir(m->cfg->store) };
	_cleanup_free_ char *text = NULL;
	bool wired = false;
	int r;

	if (spec->n_netifs == 0)
		return 0;
	r = net_container_up_pid(&scope, m->cfg->name, spec->netifs, spec->n_netifs, pid, &m->net, err);
	if (r < 0)
		return err_wrap(err, "network");
	m->net_up = true;
	if (net_state_format(&m->net, &text) == 0)
		(void)write_file_replace_at(m->rtfd, CONTAINER_NET_FILE, text, strlen(text), 0600);
	/* net.port; a failure here is undone with the network. */
	if (m->cfg->net_ready && (r = m->cfg->net_ready(m->cfg, &m->net, err)) < 0)
		return r;
	for (size_t i = 0; i < m->net.n; i++) {
		char ip[IPV4_STRLEN];

		if (!m->net.ifs[i].addr)
			continue;
		ipv4_format(m->net.ifs[i].addr, ip);
		if (strv_extend(&m->rec.ipv4, ip) < 0)
			return err_set(err, ENOMEM, "addresses");
		wired = true;
	}
	for (size_t i = 0; i < spec->n_netifs; i++)
		wired |= spec->netifs[i].type == TAPER_NETIF_VETH ||
			 spec->netifs[i].type == TAPER_NETIF_MACVLAN;
	return wired ? etc_files(m, err) : 0;
}

/* ---- setup and teardown ---------------------------------------------- */

static int listen_socket(struct mon *m, struct taper_err *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	mode_t old;
	int r;

	if ((size_t)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", m->rundir, CONTAINER_SOCK_FILE) >=
	    sizeof(sa.sun_path))
		return err_set(err, ENAMETOOLONG, "control socket in %s", m->rundir);
	m->lsock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (m->lsock < 0)
		return err_set(err, errno, "control socket");
	(void)unlink(sa.sun_path);
	old = umask(0177);
	r = bind(m->lsock, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r < 0 || listen(m->lsock, 16) < 0)
		return err_set(err, errno, "control socket %s", sa.sun_path);
	return 0;
}

/* A private mount namespace: a snapshot's overlay lives and dies with the
 * monitor and its container, never left on the host. */
static int private_mounts(struct mon *m, struct taper_err *err)
{
	if (unshare(CLONE_NEWNS) < 0)
		return err_set(err, errno, "unshare mount namespace");
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return err_set(err, errno, "make / a slave mount");
	if (m->cfg->spec->overlay_dir)
		return 0; /* the runtime builds it (etc_files() below) */
	return m->cfg->mount_overlay ? m->cfg->mount_overlay(m->cfg, err) : 0;
}

static void record_exit(int rtfd, const struct run_exit *ex)
{
	char text[128];
	int n = snprintf(text, sizeof(text), "code = %d\nsignal = %d\noom = %d\n", ex->code,
			 ex->signaled ? ex->signal : 0, ex->oom_killed ? 1 : 0);

	(void)write_file_replace_at(rtfd, CONTAINER_EXIT_FILE, text, (size_t)n, 0600);
}

/* The runtime files but exit, and the network. */
static void remove_runtime(struct taper_store *store, const char *name, bool net, int rtfd)
{
	if (net)
		(void)net_container_down(store_id(store), name, NULL);
	(void)unlinkat(rtfd, CONTAINER_SOCK_FILE, 0);
	(void)unlinkat(rtfd, CONTAINER_NET_FILE, 0);
	(void)unlinkat(rtfd, CONTAINER_STATE_FILE, 0);
}

int monitor_teardown(struct taper_store *store, const char *name, bool net, int rtfd,
		     const struct supervise_exited *ex, struct run_exit *ret_exit, struct taper_err *err)
{
	struct cgroup_manager *cgm = NULL;
	struct taper_cgroup *cg = NULL;
	char group[128];
	int r;

	*ret_exit = (struct run_exit){ .memory_limit = TAPER_UNSET };
	if (ex->error) {
		r = err_set(err, ex->error, "wait for container init");
	} else if ((r = run_cgroup_group(group, sizeof(group), store_id(store), name)) < 0) {
		r = err_set(err, r, "cgroup group");
	} else {
		/* No group (none on this host, or removed by hand): the exit
		 * is still recorded, with no OOM count. */
		if (cgroup_manager_open(NULL, &cgm, NULL) == 0)
			(void)cgroup_open(cgm, group, &cg, NULL);
		r = run_exit_from(ex->how, ex->status, ex->sigkilled, cg, ret_exit, err);
		cgroup_free(cg);
		cgroup_manager_free(cgm);
	}
	if (r < 0) {
		_cleanup_close_ int log =
			openat(rtfd, CONTAINER_CONSOLE_LOG, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);

		if (log >= 0)
			dprintf(log, "\r\ntaper: %s\r\n", err->msg);
	}
	record_exit(rtfd, ret_exit);
	remove_runtime(store, name, net, rtfd);
	return r;
}

static int setup(struct mon *m, struct cgroup_manager **cgm, struct taper_err *err)
{
	const struct monitor_cfg *cfg = m->cfg;
	_cleanup_free_ char *rundir = NULL;
	struct run_opts opts;
	sigset_t set;
	int r;

	if ((r = store_runtime_dir(cfg->store, cfg->name, &rundir, err)) < 0)
		return r;
	snprintf(m->rundir, sizeof(m->rundir), "%s", rundir);
	m->rtfd = open(rundir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (m->rtfd < 0)
		return err_set(err, errno, "runtime directory %s", rundir);
	(void)unlinkat(m->rtfd, CONTAINER_EXIT_FILE, 0);
	m->rec.monitor_pid = getpid();
	if ((r = proc_start_time(getpid(), &m->rec.monitor_start)) < 0)
		return err_set(err, r, "own start time");
	mon_save(m, TAPER_STATE_STARTING);

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	m->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	m->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (m->sigfd < 0 || m->timerfd < 0)
		return err_set(err, errno, "signalfd/timerfd");
	if ((r = listen_socket(m, err)) < 0)
		return r;
	m->logfd = openat(m->rtfd, CONTAINER_CONSOLE_LOG,
			  O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
	m->host_net = net_ifs_reach_host(cfg->spec->netifs, cfg->spec->n_netifs);
	if ((r = private_mounts(m, err)) < 0)
		return r;

	if ((r = cgroup_manager_open(NULL, cgm, err)) < 0 || !(m->cgm = *cgm) ||
	    (r = cgroup_validate(*cgm, &cfg->spec->limits, err)) < 0)
		return r;
	if ((r = run_cgroup_group(m->group, sizeof(m->group), store_id(cfg->store), cfg->name)) < 0)
		return err_set(err, r, "cgroup group");
	run_opts_init(&opts);
	opts.pty = !cfg->stdio;
	for (int i = 0; cfg->stdio && i < 3; i++)
		opts.stdio[i] = cfg->stdio[i];
	opts.detach = true;
	opts.ret_status = cfg->ret_status;
	opts.cgroups = *cgm;
	opts.cgroup_group = m->group;
	opts.prestart = prestart;
	opts.prestart_data = m;
	if (cfg->console_in >= 0)
		(void)ioctl(cfg->console_in, TIOCGWINSZ, &opts.winsize);
	if ((r = run_spawn(cfg->spec, &opts, &m->child, err)) < 0)
		return r;
	if (!cfg->stdio) {
		m->master = run_child_pty_master(m->child);
		(void)fcntl(m->master, F_SETFL, O_NONBLOCK);
		m->slave_hold = ioctl(m->master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	}
	m->rec.init_pid = run_child_pid(m->child);
	/* Ours and not reaped: a command that has exited already (a zombie)
	 * still has its start time, and the loop sees its exit at once. */
	if ((r = proc_child_start_time(m->rec.init_pid, &m->rec.init_start)) < 0)
		return err_set(err, r, "start time of init %d", (int)m->rec.init_pid);
	m->rec.started_at = (int64_t)time(NULL);
	mon_save(m, TAPER_STATE_RUNNING);
	return 0;
}

/* The supervisor: the poll loop, executed as taper-supervise (which
 * executes cfg->teardown_argv when the init has exited), else run here. */
static void supervise(struct mon *m, struct run_exit *ret_exit)
{
	const struct monitor_cfg *cfg = m->cfg;
	struct taper_cgroup *cg = NULL;
	struct taper_err werr = { 0 };
	struct supervise_exited ex;
	struct supervise sv;
	char buf[PATH_MAX];
	const char *prog = monitor_program_path("TAPER_SUPERVISE", "taper-supervise", TAPER_SUPERVISE_PATH,
						buf, sizeof(buf));
	int r;

	supervise_clear(&sv);
	sv.pidfd = fcntl(run_child_pidfd(m->child), F_DUPFD_CLOEXEC, 3);
	if (m->master >= 0)
		sv.master = fcntl(m->master, F_DUPFD_CLOEXEC, 3);
	if (sv.pidfd < 0 || (m->master >= 0 && sv.master < 0)) {
		/* Out of fds: nothing can be supervised; end it. */
		safe_close(sv.pidfd);
		safe_close(sv.master);
		(void)run_kill(m->child, SIGKILL, NULL);
		(void)run_wait(m->child, ret_exit, NULL);
		record_exit(m->rtfd, ret_exit);
		remove_runtime(cfg->store, cfg->name, m->host_net, m->rtfd);
		return;
	}
	/* Started and detached: freeing it only closes. */
	run_child_free(m->child);
	m->child = NULL;
	m->master = -1;
	sv.rtfd = TAKE_FD(m->rtfd);
	sv.lsock = TAKE_FD(m->lsock);
	sv.sigfd = TAKE_FD(m->sigfd);
	sv.timerfd = TAKE_FD(m->timerfd);
	sv.logfd = TAKE_FD(m->logfd);
	sv.slave_hold = TAKE_FD(m->slave_hold);
	if (cgroup_open(m->cgm, m->group, &cg, NULL) == 0)
		(void)cgroup_thaw_file(cg, &sv.thawfd, &sv.thaw_value);
	cgroup_free(cg);
	sv.exefd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	sv.console_in = cfg->console_in;
	sv.console_out = cfg->console_out;
	sv.stop_timeout = cfg->settings->stop_timeout;
	sv.stop_signal = cfg->settings->stop_signal;
	sv.ring_cap = cfg->settings->console_buffer_size;
	sv.teardown_argv = cfg->teardown_argv;
	if (sv.teardown_argv && sv.exefd >= 0) {
		r = supervise_exec(&sv, prog);
		/* Still here: the same loop in this process. */
		log_warn("run %s: %s; supervising from taper-monitor", prog, strerror(-r));
		if (sv.logfd >= 0)
			dprintf(sv.logfd, "taper: run %s: %s; supervising from taper-monitor\r\n", prog,
				strerror(-r));
	}
	if ((r = supervise_init(&sv)) < 0 && sv.logfd >= 0)
		dprintf(sv.logfd, "taper: read the state record: %s\r\n", strerror(-r));
	supervise_run(&sv, &ex);
	(void)monitor_teardown(cfg->store, cfg->name, m->host_net, sv.rtfd, &ex, ret_exit, &werr);
	supervise_free(&sv);
}

int monitor_run(struct monitor_cfg *cfg, struct run_exit *ret_exit, struct taper_err *err)
{
	struct cgroup_manager *cgm = NULL;
	struct mon m = { .cfg = cfg,
			 .rtfd = -1,
			 .lsock = -1,
			 .sigfd = -1,
			 .timerfd = -1,
			 .logfd = -1,
			 .master = -1,
			 .slave_hold = -1 };
	int r;

	r = setup(&m, &cgm, err);
	if (r < 0) {
		if (m.rtfd >= 0) {
			mon_save(&m, TAPER_STATE_ABORTING);
			if (m.child) {
				/* A failure after the spawn: a detached child is
				 * ours to kill and reap. */
				struct taper_cgroup *cg = NULL;
				struct run_exit ex;

				if (cgroup_open(cgm, m.group, &cg, NULL) == 0)
					(void)cgroup_freeze(cg, false, NULL);
				cgroup_free(cg);
				(void)run_kill(m.child, SIGKILL, NULL);
				(void)run_wait(m.child, &ex, NULL);
			}
			remove_runtime(cfg->store, cfg->name, m.net_up || m.host_net, m.rtfd);
		}
	} else {
		if (cfg->report_fd >= 0)
			(void)child_report_result(cfg->report_fd, 0, NULL);
		cfg->report_fd = safe_close(cfg->report_fd);
		spec_free(cfg->spec);
		cfg->spec = NULL;
		supervise(&m, ret_exit);
		if (cfg->stopped)
			cfg->stopped(cfg);
	}
	/* Exited and waited: free only closes. */
	run_child_free(m.child);
	cgroup_manager_free(cgm);
	container_record_clear(&m.rec);
	safe_close(m.slave_hold);
	safe_close(m.logfd);
	safe_close(m.lsock);
	safe_close(m.sigfd);
	safe_close(m.timerfd);
	safe_close(m.rtfd);
	/* report_fd stays open on failure: the caller writes the error. */
	return r;
}
