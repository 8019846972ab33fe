/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * watch.c — a stream of state changes of a store's containers (lxc-monitor).
 *
 * One inotify instance: a watch on the store's runtime directory
 * (/run/taper/<store-id>/: a container's directory appearing, going) and
 * one on each container's directory there (its "state" file renamed into
 * place or removed by the monitor; its mtime touched by freeze and
 * unfreeze). Each event re-reads that container alone: its state record,
 * whose since.STATE lines give the time of every state the run passed
 * through (so two renames read as one still report both), and the kernel's
 * verdict (container_probe, the freezer). Freezes made behind taper's back
 * (a write to the cgroup by hand) are seen by a slow re-read of the
 * running containers (WATCH_FREEZER_MS), the only timer.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "container/container.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/strv.h"

#define WATCH_FREEZER_MS 2000
#define WATCH_DIR_MASK (IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF)
#define WATCH_BASE_MASK (IN_CREATE | IN_MOVED_TO | IN_DELETE | IN_MOVED_FROM | IN_ONLYDIR)

struct watched {
	char name[STORE_NAME_MAX + 1];
	int wd;                 /* -1: no runtime directory yet */
	enum taper_state state; /* last reported (or found at open) */
	int64_t seen_since;     /* the latest since.* time reported */
};

struct taper_watch {
	struct taper_store *store;
	char base[PATH_MAX];
	int fd;
	int base_wd;
	char **only; /* names asked for; NULL: every container */
	struct watched *c;
	size_t n;
	/* Events found and not yet returned, in order. */
	struct taper_event *queue;
	size_t q_head, q_len, q_cap;
	int64_t next_freezer_ms;
};

static int64_t now_realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static bool wanted(const struct taper_watch *w, const char *name)
{
	return store_check_name(name, NULL) == 0 && (!w->only || strv_contains(w->only, name));
}

static struct watched *find(struct taper_watch *w, const char *name)
{
	for (size_t i = 0; i < w->n; i++)
		if (strcmp(w->c[i].name, name) == 0)
			return &w->c[i];
	return NULL;
}

static struct watched *find_wd(struct taper_watch *w, int wd)
{
	for (size_t i = 0; i < w->n; i++)
		if (w->c[i].wd == wd)
			return &w->c[i];
	return NULL;
}

static int push(struct taper_watch *w, const char *name, enum taper_state st, int64_t t)
{
	if (w->q_head + w->q_len == w->q_cap) {
		if (w->q_head) {
			memmove(w->queue, w->queue + w->q_head, w->q_len * sizeof(*w->queue));
			w->q_head = 0;
		} else {
			size_t cap = w->q_cap ? 2 * w->q_cap : 16;
			struct taper_event *q = realloc(w->queue, cap * sizeof(*q));

			if (!q)
				return -ENOMEM;
			w->queue = q;
			w->q_cap = cap;
		}
	}
	struct taper_event *e = &w->queue[w->q_head + w->q_len++];

	*e = (struct taper_event){ .state = st, .time_ns = t };
	snprintf(e->name, sizeof(e->name), "%s", name);
	return 0;
}

/* The container's state now: the record's path through this run, then the
 * kernel's verdict; each change from what was last reported is queued. */
static int refresh(struct taper_watch *w, struct watched *c, bool report)
{
	struct taper_container_state st;
	struct container_probe pr;
	enum taper_state now = TAPER_STATE_STOPPED;
	int r;

	if (container_probe(w->store, c->name, &pr) == 0 && pr.have_record) {
		/* States the record passed through since the last report, in
		 * time order (STARTING, RUNNING, STOPPING...). */
		for (;;) {
			int next = -1;

			for (int i = 0; i < TAPER_STATE_COUNT; i++)
				if (pr.rec.since[i] > c->seen_since &&
				    (next < 0 || pr.rec.since[i] < pr.rec.since[next]))
					next = i;
			if (next < 0)
				break;
			c->seen_since = pr.rec.since[next];
			if (report && (enum taper_state)next != c->state) {
				if ((r = push(w, c->name, (enum taper_state)next, c->seen_since)) < 0) {
					container_probe_clear(&pr);
					return r;
				}
				c->state = (enum taper_state)next;
			}
		}
	}
	container_probe_clear(&pr);
	if (taper_container_state(w->store, c->name, &st, NULL) == 0)
		now = st.state;
	taper_container_state_clear(&st);
	if (now == c->state)
		return 0;
	c->state = now;
	return report ? push(w, c->name, now, now_realtime_ns()) : 0;
}

static int add_dir_watch(struct taper_watch *w, struct watched *c)
{
	char path[PATH_MAX];

	if (c->wd >= 0)
		return 0;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", w->base, c->name) >= sizeof(path))
		return -ENAMETOOLONG;
	c->wd = inotify_add_watch(w->fd, path, WATCH_DIR_MASK | IN_ONLYDIR | IN_DONT_FOLLOW);
	return c->wd < 0 && errno != ENOENT ? -errno : 0;
}

static struct watched *track(struct taper_watch *w, const char *name)
{
	struct watched *c = find(w, name), *v;

	if (c)
		return c;
	if (!(v = realloc(w->c, (w->n + 1) * sizeof(*v))))
		return NULL;
	w->c = v;
	c = &w->c[w->n++];
	*c = (struct watched){ .wd = -1, .state = TAPER_STATE_STOPPED };
	snprintf(c->name, sizeof(c->name), "%s", name);
	return c;
}

TAPER_EXPORT int taper_watch_open(struct taper_store *s, char *const *names, struct taper_watch **ret,
				  struct taper_err *err)
{
	_cleanup_strv_free_ char **listed = NULL;
	struct taper_watch *w;
	int r;

	for (char *const *n = names; n && *n; n++)
		if ((r = store_check_name(*n, err)) < 0)
			return err_wrap(err, "monitor");
	if (!(w = calloc(1, sizeof(*w))))
		return err_set(err, ENOMEM, "monitor");
	w->store = s;
	w->fd = -1;
	w->base_wd = -1;
	if (names && names[0] && !(w->only = strv_copy(names))) {
		taper_watch_close(w);
		return err_set(err, ENOMEM, "monitor");
	}
	snprintf(w->base, sizeof(w->base), "%s/%s", TAPER_RUN_DEFAULT, store_id(s));
	/* The runtime directory exists once a container of the store has
	 * run; make it (not the store) so that the first start is seen. */
	if ((r = mkdir_p(w->base, 0700)) < 0) {
		taper_watch_close(w);
		return err_set(err, -r, "monitor: %s", w->base);
	}
	w->fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (w->fd < 0 || (w->base_wd = inotify_add_watch(w->fd, w->base, WATCH_BASE_MASK)) < 0) {
		r = errno;
		taper_watch_close(w);
		return err_set(err, r, "monitor: inotify on %s", w->base);
	}
	/* Watches first, states second: a change in between is read twice,
	 * never missed. */
	if ((r = store_list(s, &listed, err)) < 0) {
		taper_watch_close(w);
		return err_wrap(err, "monitor");
	}
	for (char **n = w->only ? w->only : listed; *n; n++) {
		struct watched *c = track(w, *n);

		if (!c || add_dir_watch(w, c) < 0) {
			taper_watch_close(w);
			return err_set(err, c ? errno : ENOMEM, "monitor: watch %s", *n);
		}
	}
	for (size_t i = 0; i < w->n; i++) {
		w->c[i].seen_since = 0;
		(void)refresh(w, &w->c[i], false);
	}
	w->next_freezer_ms = now_ms() + WATCH_FREEZER_MS;
	*ret = w;
	return 0;
}

TAPER_EXPORT int taper_watch_fd(const struct taper_watch *w)
{
	return w->fd;
}

static int on_event(struct taper_watch *w, const struct inotify_event *ev)
{
	struct watched *c;

	if (ev->wd == w->base_wd) {
		if (!ev->len || !wanted(w, ev->name))
			return 0;
		if (!(c = track(w, ev->name)))
			return -ENOMEM;
		if (ev->mask & (IN_CREATE | IN_MOVED_TO))
			(void)add_dir_watch(w, c);
		return refresh(w, c, true);
	}
	if (!(c = find_wd(w, ev->wd)))
		return 0;
	if (ev->mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF))
		c->wd = -1;
	return refresh(w, c, true);
}

static int read_events(struct taper_watch *w, struct taper_err *err)
{
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));

	for (;;) {
		ssize_t n = read(w->fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n <= 0)
			return err_set(err, n < 0 ? errno : EIO, "monitor: read inotify");
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;
			int r;

			if (ev->mask & IN_Q_OVERFLOW) {
				/* Events were lost: read every container again. */
				for (size_t i = 0; i < w->n; i++)
					if ((r = refresh(w, &w->c[i], true)) < 0)
						return err_set(err, -r, "monitor");
			} else if ((r = on_event(w, ev)) < 0) {
				return err_set(err, -r, "monitor");
			}
			p += sizeof(*ev) + ev->len;
		}
	}
}

static bool any_running(const struct taper_watch *w)
{
	for (size_t i = 0; i < w->n; i++)
		if (w->c[i].state == TAPER_STATE_RUNNING || w->c[i].state == TAPER_STATE_FROZEN)
			return true;
	return false;
}

TAPER_EXPORT int taper_watch_next(struct taper_watch *w, int timeout_ms, struct taper_event *ret,
				  struct taper_err *err)
{
	int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
	int r;

	for (;;) {
		struct pollfd p = { .fd = w->fd, .events = POLLIN };
		int64_t now = now_ms(), wait_ms = -1;

		if (w->q_len) {
			*ret = w->queue[w->q_head++];
			if (--w->q_len == 0)
				w->q_head = 0;
			return 1;
		}
		if (any_running(w) && now >= w->next_freezer_ms) {
			for (size_t i = 0; i < w->n; i++)
				if ((r = refresh(w, &w->c[i], true)) < 0)
					return err_set(err, -r, "monitor");
			w->next_freezer_ms = now + WATCH_FREEZER_MS;
		}
		/* The fd is non-blocking: what is there already, first. */
		if ((r = read_events(w, err)) < 0)
			return r;
		if (w->q_len)
			continue;
		if (deadline >= 0 && now >= deadline)
			return 0;
		if (any_running(w))
			wait_ms = w->next_freezer_ms - now;
		if (deadline >= 0 && (wait_ms < 0 || deadline - now < wait_ms))
			wait_ms = deadline - now;
		r = poll(&p, 1, wait_ms > INT_MAX ? INT_MAX : (int)wait_ms);
		if (r < 0 && errno == EINTR)
			return -EINTR;
		if (r < 0)
			return err_set(err, errno, "monitor: poll");
	}
}

TAPER_EXPORT void taper_watch_close(struct taper_watch *w)
{
	if (!w)
		return;
	safe_close(w->fd);
	strv_free(w->only);
	free(w->c);
	free(w->queue);
	free(w);
}
