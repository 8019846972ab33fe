/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * supervise.c — the monitor's poll loop and its hand-over (supervise.h).
 *
 * Memory is kept small on purpose: no thread, no allocation in the loop
 * but the state record's, at most SUPERVISE_CLIENTS connections, and the
 * ring buffer mapped once on its own, so that only the pages the console
 * has written are memory.
 */
#include <errno.h>
#include <linux/close_range.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "monitor/proto.h"
#include "monitor/supervise.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/parse.h"

#define CONSOLE_LOG_MAX (1u << 20)

extern char **environ;

void supervise_clear(struct supervise *s)
{
	*s = (struct supervise){ .rtfd = -1,
				 .pidfd = -1,
				 .lsock = -1,
				 .sigfd = -1,
				 .timerfd = -1,
				 .logfd = -1,
				 .master = -1,
				 .slave_hold = -1,
				 .thawfd = -1,
				 .exefd = -1,
				 .console_in = -1,
				 .console_out = -1 };
	for (int i = 0; i < SUPERVISE_CLIENTS; i++)
		s->clients[i].fd = -1;
}

/* The fds of s in the order of enum supervise_fd. */
static int *const *fd_slots(struct supervise *s, int *(*slots)[SUPERVISE_FD_END - SUPERVISE_FD_RUNTIME])
{
	int *const v[] = { &s->rtfd,  &s->pidfd,  &s->lsock,      &s->sigfd,  &s->timerfd,
			   &s->logfd, &s->master, &s->slave_hold, &s->thawfd, &s->exefd };

	_Static_assert(sizeof(v) / sizeof(v[0]) == SUPERVISE_FD_END - SUPERVISE_FD_RUNTIME, "fd slots");
	memcpy(*slots, v, sizeof(v));
	return *slots;
}

static void signal_init(struct supervise *s, int sig);

int supervise_init(struct supervise *s)
{
	_cleanup_free_ char *text = NULL;
	int r;

	if (s->ring_cap) {
		s->ring = mmap(NULL, s->ring_cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (s->ring == MAP_FAILED)
			s->ring = NULL; /* no history for `taper console`, all else works */
	}
	if (s->logfd >= 0) {
		off_t end = lseek(s->logfd, 0, SEEK_END);

		s->log_size = end > 0 ? (size_t)end : 0;
	}
	if ((r = read_file_at(s->rtfd, CONTAINER_STATE_FILE, 65536, &text, NULL)) < 0 ||
	    (r = container_record_parse(text, &s->rec)) < 0) {
		/* Without it no state can be told: end the container, which
		 * the loop then reaps and the teardown removes. */
		signal_init(s, SIGKILL);
		return r;
	}
	return 0;
}

void supervise_free(struct supervise *s)
{
	int *slots[SUPERVISE_FD_END - SUPERVISE_FD_RUNTIME];

	for (int i = 0; i < SUPERVISE_CLIENTS; i++)
		s->clients[i].fd = safe_close(s->clients[i].fd);
	fd_slots(s, &slots);
	for (size_t i = 0; i < sizeof(slots) / sizeof(slots[0]); i++)
		*slots[i] = safe_close(*slots[i]);
	if (s->ring)
		munmap(s->ring, s->ring_cap);
	s->ring = NULL;
	container_record_clear(&s->rec);
}

static void save(struct supervise *s, enum taper_state st)
{
	(void)container_record_save(s->rtfd, &s->rec, st);
}

/* ---- console --------------------------------------------------------- */

static void ring_put(struct supervise *s, const char *p, size_t n)
{
	if (!s->ring)
		return;
	if (n >= s->ring_cap) {
		p += n - s->ring_cap;
		n = s->ring_cap;
	}
	for (size_t done = 0; done < n;) {
		size_t chunk = s->ring_cap - s->ring_pos;

		if (chunk > n - done)
			chunk = n - done;
		memcpy(s->ring + s->ring_pos, p + done, chunk);
		s->ring_pos = (s->ring_pos + chunk) % s->ring_cap;
		done += chunk;
	}
	s->ring_len = s->ring_len + n > s->ring_cap ? s->ring_cap : s->ring_len + n;
}

static void client_close(struct supervise_client *c)
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

static void console_output(struct supervise *s, const char *p, size_t n)
{
	ring_put(s, p, n);
	if (s->logfd >= 0) {
		if (s->log_size + n > CONSOLE_LOG_MAX && ftruncate(s->logfd, 0) == 0)
			s->log_size = 0;
		write_full(s->logfd, p, n);
		s->log_size += n;
	}
	if (s->console_out >= 0)
		write_full(s->console_out, p, n);
	for (int i = 0; i < SUPERVISE_CLIENTS; i++)
		if (s->clients[i].fd >= 0 && s->clients[i].console)
			send_all(s->clients[i].fd, p, n);
}

/* Read what the pty has; false once it has nothing more (EAGAIN, EIO). */
static bool pump_master(struct supervise *s)
{
	ssize_t n;

	if (s->master < 0)
		return false;
	n = read(s->master, s->buf, sizeof(s->buf));
	if (n <= 0)
		return false;
	console_output(s, s->buf, (size_t)n);
	return true;
}

static void replay_ring(struct supervise *s, int fd)
{
	size_t start = (s->ring_pos + s->ring_cap - s->ring_len) % (s->ring_cap ? s->ring_cap : 1);

	if (!s->ring_len)
		return;
	if (start + s->ring_len <= s->ring_cap) {
		send_all(fd, s->ring + start, s->ring_len);
	} else {
		send_all(fd, s->ring + start, s->ring_cap - start);
		send_all(fd, s->ring, s->ring_len - (s->ring_cap - start));
	}
}

/* ---- stop ------------------------------------------------------------ */

/* Signals to a frozen group wait for the thaw: thaw first. No wait for
 * the kernel to report it: a signal is all that follows. */
static void thaw(struct supervise *s)
{
	if (s->thawfd >= 0 && s->thaw_value)
		(void)!pwrite(s->thawfd, s->thaw_value, strlen(s->thaw_value), 0);
}

static void signal_init(struct supervise *s, int sig)
{
	if (syscall(SYS_pidfd_send_signal, s->pidfd, sig, NULL, 0) == 0)
		s->sigkilled |= sig == SIGKILL;
}

static void kill_now(struct supervise *s)
{
	/* SIGKILL of a pid namespace's init takes all of it along. */
	thaw(s);
	signal_init(s, SIGKILL);
}

/* Whether the init has a handler for sig (SigCgt of its status): the
 * kernel drops a signal that a pid namespace's init does not catch. */
static bool init_catches(const struct supervise *s, int sig)
{
	char path[64];
	_cleanup_free_ char *text = NULL;
	const char *p;
	unsigned long long mask;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)s->rec.init_pid);
	if (read_file(path, 16384, &text) < 0 || !(p = strstr(text, "\nSigCgt:")))
		return true; /* cannot tell: believe it heard */
	mask = strtoull(p + 8, NULL, 16);
	return sig >= 1 && sig <= 64 && (mask >> (sig - 1)) & 1;
}

/* The stop signal, until the init catches it: one sent before its
 * handler was set (a stop right after a start) is dropped, and would
 * leave it to the SIGKILL of the timeout. Sent again each second then. */
static void send_stop_signal(struct supervise *s)
{
	if (s->stop_heard)
		return;
	s->stop_heard = init_catches(s, s->stop_signal);
	signal_init(s, s->stop_signal);
}

static void begin_stop(struct supervise *s, int timeout, bool kill)
{
	struct itimerspec its = { .it_value.tv_sec = 1, .it_interval.tv_sec = 1 };

	if (timeout < 0)
		timeout = (int)s->stop_timeout;
	if (!s->stopping) {
		s->stopping = true;
		save(s, TAPER_STATE_STOPPING);
	}
	if (kill || timeout == 0) {
		kill_now(s);
		return;
	}
	thaw(s);
	s->stop_heard = false;
	s->stop_left = (unsigned)timeout;
	send_stop_signal(s);
	(void)timerfd_settime(s->timerfd, 0, &its, NULL);
}

/* ---- control socket -------------------------------------------------- */

static void on_accept(struct supervise *s)
{
	int fd = accept4(s->lsock, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
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
	for (int i = 0; i < SUPERVISE_CLIENTS; i++)
		if (s->clients[i].fd < 0) {
			s->clients[i] = (struct supervise_client){ .fd = fd };
			return;
		}
	safe_close(fd); /* full: the client sees EOF and may retry */
}

static void on_client(struct supervise *s, struct supervise_client *c)
{
	struct monitor_req req;
	struct monitor_resp resp = { 0 };
	ssize_t n = recv(c->fd, s->buf, sizeof(s->buf), MSG_DONTWAIT);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		client_close(c);
		return;
	}
	if (c->console) {
		if (s->master >= 0)
			write_full(s->master, s->buf, (size_t)n);
		return;
	}
	if ((size_t)n != sizeof(req)) {
		client_close(c);
		return;
	}
	memcpy(&req, s->buf, sizeof(req));
	switch (req.op) {
	case MONITOR_OP_PING:
		snprintf(resp.msg, sizeof(resp.msg), "%s", taper_state_name(s->rec.state));
		break;
	case MONITOR_OP_STOP:
		begin_stop(s, req.timeout, req.kill);
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
		replay_ring(s, c->fd);
}

/* ---- the loop -------------------------------------------------------- */

static void loop(struct supervise *s)
{
	for (;;) {
		struct pollfd p[5 + SUPERVISE_CLIENTS];
		int n = 0, ipid, imaster, ilsock, isig, itimer, iin = -1, icl;

		ipid = n;
		p[n++] = (struct pollfd){ .fd = s->pidfd, .events = POLLIN };
		imaster = n;
		p[n++] = (struct pollfd){ .fd = s->master, .events = POLLIN };
		ilsock = n;
		p[n++] = (struct pollfd){ .fd = s->lsock, .events = POLLIN };
		isig = n;
		p[n++] = (struct pollfd){ .fd = s->sigfd, .events = POLLIN };
		itimer = n;
		p[n++] = (struct pollfd){ .fd = s->timerfd, .events = POLLIN };
		if (s->console_in >= 0) {
			iin = n;
			p[n++] = (struct pollfd){ .fd = s->console_in, .events = POLLIN };
		}
		icl = n;
		for (int i = 0; i < SUPERVISE_CLIENTS; i++)
			p[n++] = (struct pollfd){ .fd = s->clients[i].fd, .events = POLLIN };

		if (poll(p, (nfds_t)n, -1) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		if (p[imaster].revents & POLLIN)
			(void)pump_master(s);
		if (p[ipid].revents & POLLIN)
			return;
		if (p[ilsock].revents & POLLIN)
			on_accept(s);
		if (p[isig].revents & POLLIN) {
			struct signalfd_siginfo si;

			while (read(s->sigfd, &si, sizeof(si)) == sizeof(si))
				begin_stop(s, -1, false);
		}
		if (p[itimer].revents & POLLIN) {
			uint64_t ticks;

			if (read(s->timerfd, &ticks, sizeof(ticks)) != sizeof(ticks))
				ticks = 1;
			if (ticks >= s->stop_left) {
				s->stop_left = 0;
				kill_now(s);
			} else {
				s->stop_left -= (unsigned)ticks;
				send_stop_signal(s);
			}
		}
		if (iin >= 0 && p[iin].revents & (POLLIN | POLLHUP)) {
			ssize_t r = read(s->console_in, s->buf, sizeof(s->buf));

			if (r > 0 && s->master >= 0)
				write_full(s->master, s->buf, (size_t)r);
			else if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
				s->console_in = -1;
		}
		for (int i = 0; i < SUPERVISE_CLIENTS; i++)
			if (p[icl + i].fd >= 0 && p[icl + i].revents)
				on_client(s, &s->clients[i]);
	}
}

void supervise_run(struct supervise *s, struct supervise_exited *ret)
{
	siginfo_t si;

	loop(s);
	/* Nobody is answered any more: refuse connections at once. */
	s->lsock = safe_close(s->lsock);
	(void)unlinkat(s->rtfd, CONTAINER_SOCK_FILE, 0);
	for (int i = 0; i < SUPERVISE_CLIENTS; i++)
		client_close(&s->clients[i]);
	/* The init is gone: take the last words off the console. */
	while (pump_master(s))
		;
	if (!s->stopping)
		save(s, TAPER_STATE_STOPPING);
	*ret = (struct supervise_exited){ .sigkilled = s->sigkilled };
	for (;;) {
		memset(&si, 0, sizeof(si));
		if (waitid(P_PIDFD, (id_t)s->pidfd, &si, WEXITED) == 0)
			break;
		if (errno != EINTR) {
			ret->error = errno;
			return;
		}
	}
	ret->how = si.si_code;
	ret->status = si.si_status;
}

/* ---- the hand-over --------------------------------------------------- */

#define ARG_STOP_TIMEOUT "--stop-timeout="
#define ARG_STOP_SIGNAL "--stop-signal="
#define ARG_RING "--ring="
#define ARG_THAW "--thaw="
#define ARG_CONSOLE_IN "--console-in"
#define ARG_CONSOLE_OUT "--console-out"
#define ARG_EXITED "--exited="

int supervise_exec(struct supervise *s, const char *program)
{
	enum {
		N = SUPERVISE_FD_END - SUPERVISE_FD_RUNTIME
	};
	int *slots[N], moved[N], saved[N], r = 0;
	char a_timeout[32], a_signal[32], a_ring[48], a_thaw[32];
	const char *argv[16 + 64];
	size_t n = 0, n_td = 0;

	/* The console stays where monitor_main.c has it: fds 0 and 1. */
	if ((s->console_in >= 0 && s->console_in != STDIN_FILENO) ||
	    (s->console_out >= 0 && s->console_out != STDOUT_FILENO))
		return -EINVAL;
	while (s->teardown_argv && s->teardown_argv[n_td])
		n_td++;
	if (n_td + 16 > sizeof(argv) / sizeof(argv[0]))
		return -E2BIG;
	snprintf(a_timeout, sizeof(a_timeout), ARG_STOP_TIMEOUT "%u", s->stop_timeout);
	snprintf(a_signal, sizeof(a_signal), ARG_STOP_SIGNAL "%d", s->stop_signal);
	snprintf(a_ring, sizeof(a_ring), ARG_RING "%zu", s->ring_cap);
	snprintf(a_thaw, sizeof(a_thaw), ARG_THAW "%s", s->thaw_value ? s->thaw_value : "");
	argv[n++] = "taper-supervise";
	argv[n++] = a_timeout;
	argv[n++] = a_signal;
	argv[n++] = a_ring;
	if (s->thaw_value)
		argv[n++] = a_thaw;
	if (s->console_in >= 0)
		argv[n++] = ARG_CONSOLE_IN;
	if (s->console_out >= 0)
		argv[n++] = ARG_CONSOLE_OUT;
	argv[n++] = "--";
	for (size_t i = 0; i < n_td; i++)
		argv[n++] = s->teardown_argv[i];
	argv[n] = NULL;

	/* Each fd above the layout first, so that no move clobbers another's
	 * source; whatever of this process sat at a slot is kept aside, to be
	 * put back should the execve() fail. */
	fd_slots(s, &slots);
	for (int i = 0; i < N; i++) {
		moved[i] = saved[i] = -1;
		if (*slots[i] >= 0 && (moved[i] = fcntl(*slots[i], F_DUPFD_CLOEXEC, SUPERVISE_FD_END)) < 0)
			r = -errno;
	}
	for (int i = 0; i < N && r == 0; i++) {
		int fd = SUPERVISE_FD_RUNTIME + i;

		if (fcntl(fd, F_GETFD) >= 0 && (saved[i] = fcntl(fd, F_DUPFD_CLOEXEC, SUPERVISE_FD_END)) < 0)
			r = -errno;
	}
	if (r == 0) {
		for (int i = 0; i < N; i++)
			*slots[i] = safe_close(*slots[i]);
		/* Nothing else crosses the execve(). */
		(void)syscall(SYS_close_range, SUPERVISE_FD_RUNTIME, ~0U, CLOSE_RANGE_CLOEXEC);
		for (int i = 0; i < N; i++)
			if (moved[i] >= 0 && dup2(moved[i], SUPERVISE_FD_RUNTIME + i) < 0 && r == 0)
				r = -errno;
		if (r == 0) {
			execve(program, (char *const *)argv, environ);
			r = -errno;
		}
		/* Put it all back as it was, the moved fds at their new numbers. */
		for (int i = 0; i < N; i++) {
			int fd = SUPERVISE_FD_RUNTIME + i;

			if (saved[i] >= 0)
				(void)dup3(saved[i], fd, O_CLOEXEC);
			else if (moved[i] >= 0)
				(void)close(fd);
		}
		for (int i = 0; i < N; i++) {
			*slots[i] = moved[i];
			saved[i] = safe_close(saved[i]);
		}
		return r;
	}
	for (int i = 0; i < N; i++) {
		safe_close(moved[i]);
		safe_close(saved[i]);
	}
	return r;
}

static int parse_arg_u64(const char *arg, const char *prefix, uint64_t max, uint64_t *ret)
{
	size_t len = strlen(prefix);

	if (strncmp(arg, prefix, len) != 0)
		return -ENOENT;
	return parse_u64_range(arg + len, 0, max, ret);
}

int supervise_adopt(struct supervise *s, int argc, char **argv)
{
	int *slots[SUPERVISE_FD_END - SUPERVISE_FD_RUNTIME];
	bool have_timeout = false, have_signal = false, have_ring = false;
	int i = 1;

	supervise_clear(s);
	for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
		uint64_t v;
		int r;

		if ((r = parse_arg_u64(argv[i], ARG_STOP_TIMEOUT, UINT32_MAX, &v)) != -ENOENT) {
			s->stop_timeout = (unsigned)v;
			have_timeout = r == 0;
		} else if ((r = parse_arg_u64(argv[i], ARG_STOP_SIGNAL, 64, &v)) != -ENOENT) {
			s->stop_signal = (int)v;
			have_signal = r == 0 && v > 0;
		} else if ((r = parse_arg_u64(argv[i], ARG_RING, SIZE_MAX, &v)) != -ENOENT) {
			s->ring_cap = (size_t)v;
			have_ring = r == 0;
		} else if (strncmp(argv[i], ARG_THAW, strlen(ARG_THAW)) == 0) {
			s->thaw_value = argv[i] + strlen(ARG_THAW);
		} else if (strcmp(argv[i], ARG_CONSOLE_IN) == 0) {
			s->console_in = STDIN_FILENO;
		} else if (strcmp(argv[i], ARG_CONSOLE_OUT) == 0) {
			s->console_out = STDOUT_FILENO;
		} else {
			return -EINVAL;
		}
	}
	if (!have_timeout || !have_signal || !have_ring || i + 1 >= argc)
		return -EINVAL;
	s->teardown_argv = argv + i + 1;
	fd_slots(s, &slots);
	for (int k = 0; k < SUPERVISE_FD_END - SUPERVISE_FD_RUNTIME; k++) {
		int fd = SUPERVISE_FD_RUNTIME + k;

		if (fcntl(fd, F_SETFD, FD_CLOEXEC) == 0)
			*slots[k] = fd;
	}
	/* Without these there is nothing to supervise. */
	if (s->rtfd < 0 || s->pidfd < 0 || s->lsock < 0 || s->sigfd < 0 || s->timerfd < 0 || s->exefd < 0)
		return -EBADF;
	return 0;
}

int supervise_exec_teardown(struct supervise *s, const struct supervise_exited *ex)
{
	char exited[64];
	const char *argv[64];
	size_t n = 0;

	if (ex->error)
		snprintf(exited, sizeof(exited), ARG_EXITED "error,%d", ex->error);
	else
		snprintf(exited, sizeof(exited), ARG_EXITED "%d,%d,%d", ex->how, ex->status,
			 ex->sigkilled ? 1 : 0);
	if (!s->teardown_argv || !s->teardown_argv[0])
		return -EINVAL;
	argv[n++] = s->teardown_argv[0];
	argv[n++] = exited;
	for (size_t i = 1; s->teardown_argv[i]; i++) {
		if (n + 2 > sizeof(argv) / sizeof(argv[0]))
			return -E2BIG;
		argv[n++] = s->teardown_argv[i];
	}
	argv[n] = NULL;
	/* The runtime directory stays open: the teardown's proof that it was
	 * executed by the container's monitor (monitor_main.c). */
	if (fcntl(s->rtfd, F_SETFD, 0) < 0)
		return -errno;
	syscall(SYS_execveat, s->exefd, "", (char *const *)argv, environ, AT_EMPTY_PATH);
	return -errno;
}

int supervise_exited_parse(const char *arg, struct supervise_exited *ret)
{
	struct supervise_exited ex = { 0 };
	char *end;
	long v[3];

	if (strncmp(arg, ARG_EXITED, strlen(ARG_EXITED)) == 0)
		arg += strlen(ARG_EXITED);
	if (strncmp(arg, "error,", 6) == 0) {
		errno = 0;
		v[0] = strtol(arg + 6, &end, 10);
		if (errno || *end || v[0] <= 0 || v[0] > 4095)
			return -EINVAL;
		*ret = (struct supervise_exited){ .error = (int)v[0] };
		return 0;
	}
	for (int i = 0; i < 3; i++) {
		errno = 0;
		v[i] = strtol(arg, &end, 10);
		if (errno || end == arg || *end != (i < 2 ? ',' : '\0') || v[i] < 0 || v[i] > 255)
			return -EINVAL;
		arg = end + 1;
	}
	if (v[0] < CLD_EXITED || v[0] > CLD_DUMPED || v[2] > 1)
		return -EINVAL;
	ex.how = (int)v[0];
	ex.status = (int)v[1];
	ex.sigkilled = v[2] == 1;
	*ret = ex;
	return 0;
}
