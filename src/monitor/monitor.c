/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * monitor.c — the monitor's setup, poll loop and teardown (see monitor.h).
 *
 * Memory is kept small on purpose: no thread, no allocation in the loop,
 * at most MONITOR_CLIENTS connections, and the ring buffer mapped once
 * (console.buffer.size) on its own, so that only the pages the console
 * has written are memory (from the heap, malloc would hand out pages a
 * free left dirty, and its trim could not give back the ones around it).
 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
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
#include "net/etcfiles.h"
#include "net/netsetup.h"
#include "util/child.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/proc.h"
#include "util/strv.h"

#define MONITOR_CLIENTS 8
#define CONSOLE_LOG_MAX (1u << 20)

struct client {
	int fd;
	bool console;
};

struct mon {
	struct monitor_cfg *cfg;
	char rundir[256];
	int rtfd;
	int lsock;
	int sigfd;
	int timerfd;
	int logfd;
	size_t log_size;
	struct run_child *child;
	struct cgroup_manager *cgm;
	int master;
	int slave_hold; /* keeps the master from reading EIO when init closes its console */
	struct client clients[MONITOR_CLIENTS];
	char *ring;
	size_t ring_cap, ring_pos, ring_len;
	struct container_record rec;
	struct net_state net;
	bool net_up;
	size_t n_netifs;
	bool stopping;
	char group[128];
};

static void mon_save(struct mon *m, enum taper_state st)
{
	_cleanup_free_ char *text = NULL;

	m->rec.state = st;
	if (!m->rec.since[st]) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		m->rec.since[st] = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	}
	if (container_record_format(&m->rec, &text) == 0)
		(void)write_file_atomic_at(m->rtfd, CONTAINER_STATE_FILE, text, strlen(text), 0600);
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
			return taper_err_set(err, errno, "unmount overlay %s", spec->rootfs);
	} else {
		root = open(spec->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	}
	if (root < 0)
		return taper_err_set(err, errno, "rootfs %s", spec->rootfs);
	(void)read_file("/etc/resolv.conf", 65536, &host_resolv);
	if (net_hosts_content(spec->hostname ? spec->hostname : m->cfg->name, &m->net, &hosts) < 0 ||
	    net_resolv_content(host_resolv, NULL, &resolv) < 0)
		return taper_err_set(err, ENOMEM, "/etc/hosts");
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
		return taper_err_wrap(err, "network");
	m->net_up = true;
	if (net_state_format(&m->net, &text) == 0)
		(void)write_file_atomic_at(m->rtfd, CONTAINER_NET_FILE, text, strlen(text), 0600);
	/* net.port; a failure here is undone with the network. */
	if (m->cfg->net_ready && (r = m->cfg->net_ready(m->cfg, &m->net, err)) < 0)
		return r;
	for (size_t i = 0; i < m->net.n; i++) {
		char ip[IPV4_STRLEN];

		if (!m->net.ifs[i].addr)
			continue;
		ipv4_format(m->net.ifs[i].addr, ip);
		if (strv_extend(&m->rec.ipv4, ip) < 0)
			return taper_err_set(err, ENOMEM, "addresses");
		wired = true;
	}
	for (size_t i = 0; i < spec->n_netifs; i++)
		wired |= spec->netifs[i].type == TAPER_NETIF_VETH ||
			 spec->netifs[i].type == TAPER_NETIF_MACVLAN;
	return wired ? etc_files(m, err) : 0;
}

/* ---- console --------------------------------------------------------- */

static void ring_put(struct mon *m, const char *p, size_t n)
{
	if (!m->ring_cap)
		return;
	if (n >= m->ring_cap) {
		p += n - m->ring_cap;
		n = m->ring_cap;
	}
	for (size_t done = 0; done < n;) {
		size_t chunk = m->ring_cap - m->ring_pos;

		if (chunk > n - done)
			chunk = n - done;
		memcpy(m->ring + m->ring_pos, p + done, chunk);
		m->ring_pos = (m->ring_pos + chunk) % m->ring_cap;
		done += chunk;
	}
	m->ring_len = m->ring_len + n > m->ring_cap ? m->ring_cap : m->ring_len + n;
}

static void client_close(struct client *c)
{
	c->fd = safe_close(c->fd);
	c->console = false;
}

static void send_all(int fd, const char *p, size_t n)
{
	while (n) {
		size_t chunk = n > MONITOR_IO_MAX ? MONITOR_IO_MAX : n;

		if (send(fd, p, chunk, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
			return; /* a slow console reader loses output, never stalls us */
		p += chunk;
		n -= chunk;
	}
}

static void write_full(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

static void console_output(struct mon *m, const char *p, size_t n)
{
	ring_put(m, p, n);
	if (m->logfd >= 0) {
		if (m->log_size + n > CONSOLE_LOG_MAX && ftruncate(m->logfd, 0) == 0)
			m->log_size = 0;
		write_full(m->logfd, p, n);
		m->log_size += n;
	}
	if (m->cfg->console_out >= 0)
		write_full(m->cfg->console_out, p, n);
	for (int i = 0; i < MONITOR_CLIENTS; i++)
		if (m->clients[i].fd >= 0 && m->clients[i].console)
			send_all(m->clients[i].fd, p, n);
}

/* Read what the pty has; false once it has nothing more (EAGAIN, EIO). */
static bool pump_master(struct mon *m)
{
	char buf[MONITOR_IO_MAX];
	ssize_t n = read(m->master, buf, sizeof(buf));

	if (n <= 0)
		return false;
	console_output(m, buf, (size_t)n);
	return true;
}

static void replay_ring(struct mon *m, int fd)
{
	size_t start = (m->ring_pos + m->ring_cap - m->ring_len) % (m->ring_cap ? m->ring_cap : 1);

	if (!m->ring_len)
		return;
	if (start + m->ring_len <= m->ring_cap) {
		send_all(fd, m->ring + start, m->ring_len);
	} else {
		send_all(fd, m->ring + start, m->ring_cap - start);
		send_all(fd, m->ring, m->ring_len - (m->ring_cap - start));
	}
}

/* ---- stop ------------------------------------------------------------ */

/* Signals to a frozen group wait for the thaw: thaw first. The handle
 * is opened only here, as a stop is rare and each costs an fd per
 * hierarchy. */
static void thaw(struct mon *m)
{
	struct taper_cgroup *cg = NULL;

	if (cgroup_open(m->cgm, m->group, &cg, NULL) == 0) {
		(void)cgroup_freeze(cg, false, NULL);
		cgroup_free(cg);
	}
}

static void kill_now(struct mon *m)
{
	/* SIGKILL of a pid namespace's init takes all of it along. */
	thaw(m);
	(void)run_kill(m->child, SIGKILL, NULL);
}

static void begin_stop(struct mon *m, int timeout, bool kill)
{
	struct itimerspec its = { 0 };

	if (timeout < 0)
		timeout = (int)m->cfg->settings->stop_timeout;
	if (!m->stopping) {
		m->stopping = true;
		mon_save(m, TAPER_STATE_STOPPING);
	}
	if (kill || timeout == 0) {
		kill_now(m);
		return;
	}
	thaw(m);
	(void)run_kill(m->child, m->cfg->settings->stop_signal, NULL);
	its.it_value.tv_sec = timeout;
	(void)timerfd_settime(m->timerfd, 0, &its, NULL);
}

/* ---- control socket -------------------------------------------------- */

static void on_accept(struct mon *m)
{
	int fd = accept4(m->lsock, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (fd < 0)
		return;
	/* The socket is 0600 already; the peer check guards a chmod by hand. */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 ||
	    (cred.uid != 0 && cred.uid != geteuid())) {
		safe_close(fd);
		return;
	}
	for (int i = 0; i < MONITOR_CLIENTS; i++)
		if (m->clients[i].fd < 0) {
			m->clients[i] = (struct client){ .fd = fd };
			return;
		}
	safe_close(fd); /* full: the client sees EOF and may retry */
}

static void on_client(struct mon *m, struct client *c)
{
	char buf[MONITOR_IO_MAX];
	struct monitor_req req;
	struct monitor_resp resp = { 0 };
	ssize_t n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		client_close(c);
		return;
	}
	if (c->console) {
		write_full(m->master, buf, (size_t)n);
		return;
	}
	if ((size_t)n != sizeof(req)) {
		client_close(c);
		return;
	}
	memcpy(&req, buf, sizeof(req));
	switch (req.op) {
	case MONITOR_OP_PING:
		snprintf(resp.msg, sizeof(resp.msg), "%s", taper_state_name(m->rec.state));
		break;
	case MONITOR_OP_STOP:
		begin_stop(m, req.timeout, req.kill);
		break;
	case MONITOR_OP_CONSOLE:
		c->console = true;
		break;
	default:
		resp.status = -EOPNOTSUPP;
		snprintf(resp.msg, sizeof(resp.msg), "unknown request %u", req.op);
	}
	if (send(c->fd, &resp, sizeof(resp), MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
		client_close(c);
		return;
	}
	if (c->console)
		replay_ring(m, c->fd);
}

/* ---- setup and teardown ---------------------------------------------- */

static int listen_socket(struct mon *m, struct taper_err *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	mode_t old;
	int r;

	if ((size_t)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", m->rundir, CONTAINER_SOCK_FILE) >=
	    sizeof(sa.sun_path))
		return taper_err_set(err, ENAMETOOLONG, "control socket in %s", m->rundir);
	m->lsock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (m->lsock < 0)
		return taper_err_set(err, errno, "control socket");
	(void)unlink(sa.sun_path);
	old = umask(0177);
	r = bind(m->lsock, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r < 0 || listen(m->lsock, 16) < 0)
		return taper_err_set(err, errno, "control socket %s", sa.sun_path);
	return 0;
}

/* A private mount namespace: a snapshot's overlay lives and dies with the
 * monitor and its container, never left on the host. */
static int private_mounts(struct mon *m, struct taper_err *err)
{
	if (unshare(CLONE_NEWNS) < 0)
		return taper_err_set(err, errno, "unshare mount namespace");
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return taper_err_set(err, errno, "make / a slave mount");
	if (m->cfg->spec->overlay_dir)
		return 0; /* the runtime builds it (etc_files() below) */
	return m->cfg->mount_overlay ? m->cfg->mount_overlay(m->cfg, err) : 0;
}

static void teardown(struct mon *m)
{
	if (m->net_up || m->n_netifs)
		(void)net_container_down(store_id(m->cfg->store), m->cfg->name, NULL);
	(void)unlinkat(m->rtfd, CONTAINER_SOCK_FILE, 0);
	(void)unlinkat(m->rtfd, CONTAINER_NET_FILE, 0);
	(void)unlinkat(m->rtfd, CONTAINER_STATE_FILE, 0);
}

static void record_exit(struct mon *m, const struct run_exit *ex)
{
	char text[128];
	int n = snprintf(text, sizeof(text), "code = %d\nsignal = %d\noom = %d\n", ex->code,
			 ex->signaled ? ex->signal : 0, ex->oom_killed ? 1 : 0);

	(void)write_file_atomic_at(m->rtfd, CONTAINER_EXIT_FILE, text, (size_t)n, 0600);
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
		return taper_err_set(err, errno, "runtime directory %s", rundir);
	(void)unlinkat(m->rtfd, CONTAINER_EXIT_FILE, 0);
	m->rec.monitor_pid = getpid();
	if ((r = proc_start_time(getpid(), &m->rec.monitor_start)) < 0)
		return taper_err_set(err, r, "own start time");
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
		return taper_err_set(err, errno, "signalfd/timerfd");
	if ((r = listen_socket(m, err)) < 0)
		return r;
	m->logfd = openat(m->rtfd, CONTAINER_CONSOLE_LOG,
			  O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
	m->n_netifs = cfg->spec->n_netifs;
	m->ring_cap = cfg->settings->console_buffer_size;
	if (m->ring_cap) {
		m->ring = mmap(NULL, m->ring_cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m->ring == MAP_FAILED) {
			m->ring = NULL;
			return taper_err_set(err, errno, "console buffer (%zu bytes)", m->ring_cap);
		}
	}
	if ((r = private_mounts(m, err)) < 0)
		return r;

	if ((r = cgroup_manager_open(NULL, cgm, err)) < 0 || !(m->cgm = *cgm) ||
	    (r = cgroup_validate(*cgm, &cfg->spec->limits, err)) < 0)
		return r;
	if ((r = run_cgroup_group(m->group, sizeof(m->group), store_id(cfg->store), cfg->name)) < 0)
		return taper_err_set(err, r, "cgroup group");
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
		return taper_err_set(err, r, "start time of init %d", (int)m->rec.init_pid);
	m->rec.started_at = (int64_t)time(NULL);
	mon_save(m, TAPER_STATE_RUNNING);
	return 0;
}

/* The lowest address of the [stack] mapping, 0 when not found. */
static uintptr_t stack_bottom(void)
{
	_cleanup_close_ int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	char buf[4096];
	size_t len = 0;
	ssize_t n;

	if (fd < 0)
		return 0;
	while ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0) {
		char *line = buf, *nl;

		len += (size_t)n;
		buf[len] = '\0';
		while ((nl = strchr(line, '\n'))) {
			*nl = '\0';
			if (strstr(line, " [stack]"))
				return (uintptr_t)strtoull(line, NULL, 16);
			line = nl + 1;
		}
		len = strlen(line);
		memmove(buf, line, len);
		if (len == sizeof(buf) - 1)
			len = 0; /* no line is that long */
	}
	return 0;
}

/* The setup's deepest frames (config, seccomp, netlink, the clone) touched
 * stack pages that the loop, which runs for the container's life, mostly
 * never uses again: give back all but STACK_KEEP below this frame (the
 * loop's own is at the same depth). What the loop then touches again
 * comes back as fresh zero pages, once. */
#define STACK_KEEP (8u << 10)
static void stack_trim(void)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE), bottom = stack_bottom();
	uintptr_t top = ((uintptr_t)__builtin_frame_address(0) - STACK_KEEP) & ~(page - 1);

	if (bottom && bottom < top)
		(void)madvise((void *)bottom, top - bottom, MADV_DONTNEED);
}

static void loop(struct mon *m)
{
	for (;;) {
		struct pollfd p[5 + MONITOR_CLIENTS];
		int n = 0, ipid, imaster, ilsock, isig, itimer, iin = -1, icl;

		ipid = n;
		p[n++] = (struct pollfd){ .fd = run_child_pidfd(m->child), .events = POLLIN };
		imaster = n;
		p[n++] = (struct pollfd){ .fd = m->master, .events = POLLIN };
		ilsock = n;
		p[n++] = (struct pollfd){ .fd = m->lsock, .events = POLLIN };
		isig = n;
		p[n++] = (struct pollfd){ .fd = m->sigfd, .events = POLLIN };
		itimer = n;
		p[n++] = (struct pollfd){ .fd = m->timerfd, .events = POLLIN };
		if (m->cfg->console_in >= 0) {
			iin = n;
			p[n++] = (struct pollfd){ .fd = m->cfg->console_in, .events = POLLIN };
		}
		icl = n;
		for (int i = 0; i < MONITOR_CLIENTS; i++)
			p[n++] = (struct pollfd){ .fd = m->clients[i].fd, .events = POLLIN };

		if (poll(p, (nfds_t)n, -1) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		if (p[imaster].revents & POLLIN)
			(void)pump_master(m);
		if (p[ipid].revents & POLLIN)
			return;
		if (p[ilsock].revents & POLLIN)
			on_accept(m);
		if (p[isig].revents & POLLIN) {
			struct signalfd_siginfo si;

			while (read(m->sigfd, &si, sizeof(si)) == sizeof(si))
				begin_stop(m, -1, false);
		}
		if (p[itimer].revents & POLLIN) {
			uint64_t ticks;

			(void)!read(m->timerfd, &ticks, sizeof(ticks));
			kill_now(m);
		}
		if (iin >= 0 && p[iin].revents & (POLLIN | POLLHUP)) {
			char buf[MONITOR_IO_MAX];
			ssize_t r = read(m->cfg->console_in, buf, sizeof(buf));

			if (r > 0)
				write_full(m->master, buf, (size_t)r);
			else if (r == 0 || (errno != EAGAIN && errno != EINTR))
				m->cfg->console_in = -1;
		}
		for (int i = 0; i < MONITOR_CLIENTS; i++)
			if (p[icl + i].fd >= 0 && p[icl + i].revents)
				on_client(m, &m->clients[i]);
	}
}

int monitor_run(struct monitor_cfg *cfg, struct run_exit *ret_exit, struct taper_err *err)
{
	struct cgroup_manager *cgm = NULL;
	struct taper_err werr = { 0 };
	struct mon m = { .cfg = cfg,
			 .rtfd = -1,
			 .lsock = -1,
			 .sigfd = -1,
			 .timerfd = -1,
			 .logfd = -1,
			 .master = -1,
			 .slave_hold = -1 };
	int r;

	for (int i = 0; i < MONITOR_CLIENTS; i++)
		m.clients[i].fd = -1;
	r = setup(&m, &cgm, err);
	if (r < 0) {
		if (m.rtfd >= 0) {
			mon_save(&m, TAPER_STATE_ABORTING);
			if (m.child) {
				/* A failure after the spawn: a detached child is
				 * ours to kill and reap. */
				struct run_exit ex;

				kill_now(&m);
				(void)run_wait(m.child, &ex, NULL);
			}
			teardown(&m);
		}
	} else {
		if (cfg->report_fd >= 0)
			(void)child_report_result(cfg->report_fd, 0, NULL);
		cfg->report_fd = safe_close(cfg->report_fd);
		/* Setup's garbage (config, seccomp, netlink buffers) back to
		 * the kernel: the monitor lives as long as the container. */
		spec_free(cfg->spec);
		cfg->spec = NULL;
		malloc_trim(0);
		stack_trim();
		loop(&m);
		/* Nobody is answered any more: refuse connections at once. */
		m.lsock = safe_close(m.lsock);
		(void)unlinkat(m.rtfd, CONTAINER_SOCK_FILE, 0);
		/* The init is gone: take the last words off the console. */
		while (pump_master(&m))
			;
		mon_save(&m, TAPER_STATE_STOPPING);
		if (run_wait(m.child, ret_exit, &werr) < 0 && m.logfd >= 0)
			dprintf(m.logfd, "\r\ntaper: %s\r\n", werr.msg);
		record_exit(&m, ret_exit);
		teardown(&m);
		if (cfg->stopped)
			cfg->stopped(cfg);
	}
	for (int i = 0; i < MONITOR_CLIENTS; i++)
		client_close(&m.clients[i]);
	if (m.child) {
		/* Exited and waited: free only closes. */
		run_child_free(m.child);
	}
	cgroup_manager_free(cgm);
	container_record_clear(&m.rec);
	if (m.ring)
		munmap(m.ring, m.ring_cap);
	safe_close(m.slave_hold);
	safe_close(m.logfd);
	safe_close(m.lsock);
	safe_close(m.sigfd);
	safe_close(m.timerfd);
	safe_close(m.rtfd);
	/* report_fd stays open on failure: the caller writes the error. */
	return r;
}
