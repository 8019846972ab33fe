/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * state.c — what a container is doing, from the kernel's point of view.
 *
 * The monitor's state file says which pids to look at; /proc says whether
 * they are still those processes (start time) and the cgroup says whether
 * the init is still the container's. FROZEN comes from the freezer.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "container/container.h"
#include "run/run.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/kv.h"
#include "util/parse.h"
#include "util/strv.h"

TAPER_EXPORT void taper_strv_free(char **v)
{
	strv_free(v);
}

void container_probe_clear(struct container_probe *p)
{
	container_record_clear(&p->rec);
}

int container_runtime_path(const struct taper_store *s, const char *name, char *buf, size_t n)
{
	int w = snprintf(buf, n, "%s/%s/%s", TAPER_RUN_DEFAULT, store_id(s), name);

	return w < 0 || (size_t)w >= n ? -ENAMETOOLONG : 0;
}

int container_runtime_open(const struct taper_store *s, const char *name)
{
	char p[256];
	int fd, r;

	if ((r = container_runtime_path(s, name, p, sizeof(p))) < 0)
		return r;
	fd = open(p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

bool container_err_names(const struct taper_err *err, const char *name)
{
	char quoted[STORE_NAME_MAX + 3];

	snprintf(quoted, sizeof(quoted), "\"%s\"", name ? name : "");
	return err && strstr(err->msg, quoted);
}

int container_err(struct taper_err *err, const char *name)
{
	if (err && !container_err_names(err, name))
		return err_wrap(err, "container \"%s\"", name ? name : "");
	return err_ret(err);
}

bool proc_in_group(pid_t pid, const char *group)
{
	char path[64], want[256];
	_cleanup_free_ char *text = NULL;
	_cleanup_strv_free_ char **lines = NULL;
	size_t wl;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	wl = (size_t)snprintf(want, sizeof(want), "/taper/%s", group);
	if (wl >= sizeof(want) || read_file(path, 65536, &text) < 0)
		return false;
	lines = strv_split(text, '\n');
	for (char **l = lines; l && *l; l++) {
		/* "N:controllers:/path" */
		char *p = strchr(*l, ':');

		p = p ? strchr(p + 1, ':') : NULL;
		if (!p)
			continue;
		p++;
		if (strncmp(p, want, wl) == 0 && (p[wl] == '\0' || p[wl] == '/'))
			return true;
	}
	return false;
}

int proc_wait_exit(pid_t pid, uint64_t start, int timeout_ms)
{
	_cleanup_close_ int pfd = -1;
	int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;

	if (!proc_matches(pid, start))
		return 0;
	pfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pfd < 0)
		return errno == ESRCH ? 0 : -errno;
	/* The pidfd names the process we verified only if it is still it. */
	if (!proc_matches(pid, start))
		return 0;
	for (;;) {
		struct pollfd p = { .fd = pfd, .events = POLLIN };
		int left = deadline < 0 ? 200 : (int)(deadline - now_ms());
		int r;

		if (deadline >= 0 && left <= 0)
			return -ETIMEDOUT;
		r = poll(&p, 1, left > 200 ? 200 : left);
		if (r > 0)
			return 0;
		/* A zombie (not ours to reap) counts as gone. */
		if (!proc_matches(pid, start))
			return 0;
	}
}

/* container_probe() on the container's runtime directory, open already
 * (rt < 0: none, i.e. never run since boot). */
static int probe_at(struct taper_store *s, const char *name, int rt, struct container_probe *ret)
{
	_cleanup_free_ char *text = NULL;
	char group[128];
	int r;

	*ret = (struct container_probe){ .state = TAPER_STATE_STOPPED };
	if (rt < 0)
		return rt == -ENOENT ? 0 : rt;
	r = read_file_at(rt, CONTAINER_STATE_FILE, 65536, &text, NULL);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	if (container_record_parse(text, &ret->rec) < 0)
		return 0; /* a torn file cannot happen (atomic writes); treat as none */
	ret->have_record = true;
	if (run_cgroup_group(group, sizeof(group), store_id(s), name) < 0)
		return -ENAMETOOLONG;
	ret->monitor_alive = proc_matches(ret->rec.monitor_pid, ret->rec.monitor_start);
	ret->init_alive = ret->rec.init_pid > 0 && proc_matches(ret->rec.init_pid, ret->rec.init_start) &&
			  proc_in_group(ret->rec.init_pid, group);
	if (ret->monitor_alive) {
		ret->state = ret->rec.state;
		if (ret->state == TAPER_STATE_RUNNING && !ret->init_alive)
			ret->state = TAPER_STATE_STOPPING;
		else if (ret->state == TAPER_STATE_STOPPED)
			ret->state = TAPER_STATE_STOPPING;
	} else if (ret->init_alive) {
		ret->state = TAPER_STATE_RUNNING;
	}
	return 0;
}

int container_probe(struct taper_store *s, const char *name, struct container_probe *ret)
{
	_cleanup_close_ int rt = container_runtime_open(s, name);

	return probe_at(s, name, rt, ret);
}

TAPER_EXPORT void taper_container_state_clear(struct taper_container_state *st)
{
	strv_free(st->ipv4);
	*st = (struct taper_container_state){ 0 };
}

/* The monitor's "exit" record: code, signal and oom, each once. */
static void read_exit(int rt, struct taper_container_state *st)
{
	_cleanup_(kv_reader_done) struct kv_reader kv = { 0 };
	_cleanup_free_ char *text = NULL;
	static const char *const keys[] = { "code", "signal", "oom" };
	int64_t v[3];
	unsigned seen = 0;
	int r;

	if (rt < 0 || read_file_at(rt, CONTAINER_EXIT_FILE, 4096, &text, NULL) < 0)
		return;
	kv_reader_init(&kv, text, CONTAINER_EXIT_FILE, 0);
	while ((r = kv_next(&kv, NULL)) > 0) {
		for (unsigned i = 0; kv.key && i < ARRAY_SIZE(keys); i++)
			if (strcmp(kv.key, keys[i]) == 0) {
				if (parse_i64(kv.value, &v[i]) < 0 || v[i] < INT_MIN || v[i] > INT_MAX)
					return;
				seen |= 1u << i;
			}
	}
	if (r < 0 || seen != 7)
		return; /* torn or foreign: no exit to report */
	st->has_exit = true;
	st->exit_code = (int)v[0];
	st->exit_signal = (int)v[1];
	st->exit_oom = v[2] != 0;
}

/* Settings without compiling a spec: ls reads a thousand of these. */
static void read_settings(int dfd, const char *name, struct taper_container_state *st)
{
	struct taper_config *c = NULL;
	char **v = NULL;
	bool b;
	int64_t i;
	uint32_t u;

	if (config_load_at(dfd, STORE_CONFIG_FILE, name, &c, NULL) < 0)
		return;
	if (config_get(c, "start.auto", &v) == 0 && v[0] && parse_bool(v[0], &b) == 0)
		st->autostart = b;
	strv_free(v);
	v = NULL;
	if (config_get(c, "start.order", &v) == 0 && v[0] && parse_i64(v[0], &i) == 0)
		st->start_order = i;
	strv_free(v);
	v = NULL;
	if (config_get(c, "start.delay", &v) == 0 && v[0] && parse_u32(v[0], &u) == 0)
		st->start_delay = u;
	strv_free(v);
	config_free(c);
}

/* What the states of several containers share, set up on first need. */
struct state_ctx {
	struct cgroup_manager *cgm;
	bool cgm_tried;
};

static int state_of(struct taper_store *s, const char *name, struct state_ctx *ctx,
		    struct taper_container_state *st, struct taper_err *err)
{
	_cleanup_close_ int dfd = -1, rt = -1;
	struct container_probe pr;
	int r;

	*st = (struct taper_container_state){ 0 };
	if ((r = store_open_container(s, name, &dfd, err)) < 0)
		return r;
	rt = container_runtime_open(s, name);
	if ((r = probe_at(s, name, rt, &pr)) < 0)
		return err_set(err, r, "container \"%s\": state", name);
	st->state = pr.state;
	if (pr.monitor_alive)
		st->monitor_pid = pr.rec.monitor_pid;
	if (pr.init_alive) {
		_cleanup_(cgroup_freep) struct taper_cgroup *cg = NULL;
		struct cgroup_stats stats;
		char group[128];
		bool frozen;

		st->pid = pr.rec.init_pid;
		st->started_at = pr.rec.started_at;
		st->ipv4 = TAKE_PTR(pr.rec.ipv4);
		if (!ctx->cgm_tried) {
			ctx->cgm_tried = true;
			(void)cgroup_manager_open(NULL, &ctx->cgm, NULL);
		}
		if (ctx->cgm && run_cgroup_group(group, sizeof(group), store_id(s), name) == 0 &&
		    cgroup_open(ctx->cgm, group, &cg, NULL) == 0) {
			if (cgroup_is_frozen(cg, &frozen) == 0 && frozen && st->state == TAPER_STATE_RUNNING)
				st->state = TAPER_STATE_FROZEN;
			if (cgroup_stats(cg, &stats, NULL) == 0) {
				st->memory_bytes = stats.memory_current;
				st->cpu_ns = stats.cpu_usage_ns;
				st->pids = stats.pids_current;
			}
		}
	}
	container_probe_clear(&pr);
	if (!st->ipv4 && !(st->ipv4 = calloc(1, sizeof(char *))))
		return err_set(err, ENOMEM, "container \"%s\": state", name);
	read_settings(dfd, name, st);
	if (rt >= 0)
		read_exit(rt, st);
	return 0;
}

TAPER_EXPORT int taper_container_state(struct taper_store *s, const char *name,
				       struct taper_container_state *st, struct taper_err *err)
{
	struct state_ctx ctx = { 0 };
	int r = state_of(s, name, &ctx, st, err);

	cgroup_manager_free(ctx.cgm);
	return r;
}

TAPER_EXPORT void taper_container_entries_free(struct taper_container_entry *e, size_t n)
{
	for (size_t i = 0; e && i < n; i++) {
		free(e[i].name);
		taper_container_state_clear(&e[i].state);
	}
	free(e);
}

TAPER_EXPORT int taper_container_list_states(struct taper_store *s, struct taper_container_entry **ret,
					     size_t *ret_n, struct taper_err *err)
{
	_cleanup_strv_free_ char **names = NULL;
	struct taper_container_entry *e = NULL;
	struct state_ctx ctx = { 0 };
	size_t n = 0;
	int r;

	if ((r = store_list(s, &names, err)) < 0)
		return r;
	e = calloc(strv_length(names) + 1, sizeof(*e));
	if (!e)
		return err_set(err, ENOMEM, "list containers");
	for (char **p = names; *p; p++) {
		/* One destroyed meanwhile is left out. */
		if (state_of(s, *p, &ctx, &e[n].state, NULL) < 0) {
			taper_container_state_clear(&e[n].state);
			continue;
		}
		if (!(e[n].name = strdup(*p))) {
			taper_container_state_clear(&e[n].state);
			cgroup_manager_free(ctx.cgm);
			taper_container_entries_free(e, n);
			return err_set(err, ENOMEM, "list containers");
		}
		n++;
	}
	cgroup_manager_free(ctx.cgm);
	*ret = e;
	*ret_n = n;
	return 0;
}
