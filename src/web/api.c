/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * api.c — the routes of /api/v1/ (docs/api-web.md). Reads answer inline;
 * every call that changes something is a job (jobs.c). Bodies are JSON
 * objects; a refused value is answered 400 with the field named.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "util/cleanup.h"
#include "util/err.h"
#include "util/strv.h"
#include "web/web-internal.h"

#define SEGS_MAX 8
#define CPU_SAMPLE_MIN_NS 500000000ull

/* What a job's child needs; the child has its own copy of it. */
struct op {
	char *name;
	char *other; /* clone/rename target, port spec */
	int timeout;
	bool flag;    /* stop: kill; clone: snapshot; destroy: force */
	char **words; /* create: template options */
	struct taper_limit *limits;
	size_t n_limits;
	struct taper_network_def net;
	char *net_strs[4];
};

static void op_free(struct op *o)
{
	if (!o)
		return;
	free(o->name);
	free(o->other);
	strv_free(o->words);
	if (o->limits)
		for (size_t i = 0; i < o->n_limits; i++) {
			free((char *)o->limits[i].key);
			free((char *)o->limits[i].value);
		}
	free(o->limits);
	for (size_t i = 0; i < 4; i++)
		free(o->net_strs[i]);
	free(o);
}

static void opp_free(struct op **o)
{
	op_free(*o);
}

static json_t *state_json(struct taper_store *s, const char *name)
{
	struct taper_container_state st = { 0 };
	json_t *doc = json_object();

	json_object_set_new(doc, "name", json_string(name));
	if (taper_container_state(s, name, &st, NULL) == 0) {
		json_object_set_new(doc, "state", json_string(taper_state_name(st.state)));
		taper_container_state_clear(&st);
	}
	return doc;
}

/* ---- job bodies (run in the child) ---- */

static int do_start(struct taper_store *s, void *arg, int fd, json_t **ret, struct taper_err *err)
{
	struct op *o = arg;
	struct taper_start_opts so;
	int r;

	taper_start_opts_init(&so);
	if ((r = taper_container_start(s, o->name, &so, err)) < 0)
		return r;
	*ret = state_json(s, o->name);
	return 0;
}

static int do_stop(struct taper_store *s, void *arg, int fd, json_t **ret, struct taper_err *err)
{
	struct op *o = arg;
	int r;

	if ((r = taper_container_stop(s, o->name, o->timeout, o->flag, err)) < 0)
		return r;
	*ret = state_json(s, o->name);
	return 0;
}

static int do_restart(struct taper_store *s, void *arg, int fd, json_t **ret, struct taper_err *err)
{
	struct op *o = arg;
	int r = taper_container_stop(s, o->name, o->timeout, o->flag, err);

	if (r < 0 && r != -ESRCH)
		return r;
	taper_err_clear(err);
	return do_start(s, arg, fd, ret, err);
}

static int do_freeze(struct taper_store *s, void *arg, int fd, json_t **ret, struct taper_err *err)
{
	struct op *o = arg;
	int r = o->flag ? taper_container_freeze(s, o->name, err) : taper_container_unfreeze(s, o->name, err);

	if (r < 0)
		return r;
	*ret = state_json(s, o->name);
	return 0;
}

static int do_clone(struct taper_store *s, void *arg, int fd, json_t **ret, struct taper_err *err)
{
	struct op *o = arg;
	int r;

	if ((r = taper_container_clone(s, o->name, o->other, o->flag, err)) < 0)
		return r;
	*ret = state_json(s, o->other);
	return 0;
}

static int do_rename(struct taper_store *s, void *arg, int fd, json_t **ret, struct taper_err *err)
{
	struct op *o = arg;
	int r;

	if ((r = taper_container_rename(s, o->name, o->other, err)) < 0)
		return r;
	*ret = state_json(s, o->other);
	return 0;
}

static int do_destroy(struct taper_store *s, void *arg, int fd, json_t **ret, struct taper_err *err)
{
	struct op *o = arg;
	int r;

	if ((r = taper_container_destroy(s, o->name, o->flag, err)) < 0)
		return r;
	*ret = json_pack("{s:s,s:b}", "name", o->name, "destroyed", 1);
	return 0;
}

static void create_progress(void *userdata, const char *stage, uint64_t done, uint64_t total)
{
	web_job_progress(*(int *)userdata, stage, done, total);
}

static int do_create(struct taper_store *s, void *arg, int fd, json_t **ret, struct taper_err *err)
{
	struct op *o = arg;
	struct taper_create_opts co;
	int r;

	taper_create_opts_init(&co);
	co.progress = create_progress;
	co.userdata = &fd;
	co.created_by = "taper web";
	if ((r = taper_container_create(s, o->name, o->other, o->words, &co, err)) < 0)
		return r;
	*ret = state_json(s, o->name);
	return 0;
}

static json_t *limits_json(struct taper_store *s, const char *name, struct taper_err *err);

static int do_limits(struct taper_store *s, void *arg, int fd, json_t **ret, struct taper_err *err)
{
	struct op *o = arg;
	size_t bad = o->n_limits;
	int r = taper_container_set_limits(s, o->name, o->limits, o->n_limits, &bad, err);

	if (r < 0 && bad < o->n_limits) {
		struct taper_limit_info info;
		const char *field = o->limits[bad].key;
		_cleanup_free_ char *msg = NULL;

		for (size_t i = 0; taper_limit_info_get(i, &info) == 0; i++)
			if (strcmp(info.key, o->limits[bad].key) == 0)
				field = info.option;
		if (asprintf(&msg, "%s: %s", field, err->msg) >= 0)
			snprintf(err->msg, sizeof(err->msg), "%s", msg);
		*ret = json_pack("{s:s}", "field", field);
		return r;
	}
	if (r < 0)
		return r;
	*ret = limits_json(s, o->name, err);
	return *ret ? 0 : -EIO;
}

static int do_port(struct taper_store *s, void *arg, int fd, json_t **ret, struct taper_err *err)
{
	struct op *o = arg;
	int r = o->flag ? taper_container_port_add(s, o->name, o->other, err)
			: taper_container_port_remove(s, o->name, o->other, err);

	if (r < 0) {
		*ret = json_pack("{s:s}", "field", "spec");
		return r;
	}
	*ret = json_pack("{s:s,s:s}", "name", o->name, "spec", o->other);
	return 0;
}

static int do_network(struct taper_store *s, void *arg, int fd, json_t **ret, struct taper_err *err)
{
	struct op *o = arg;
	const char *field = NULL;
	int r;

	if (!o->flag) {
		if ((r = taper_network_remove(s, o->name, err)) < 0)
			return r;
		*ret = json_pack("{s:s,s:b}", "name", o->name, "removed", 1);
		return 0;
	}
	if ((r = taper_network_create(s, &o->net, &field, err)) < 0) {
		if (field)
			*ret = json_pack("{s:s}", "field", field);
		return r;
	}
	*ret = json_pack("{s:s}", "name", o->name);
	return 0;
}

/* The console's recent output: the monitor replays its ring buffer first;
 * whatever came within the timer is the tail. */
static int do_console(struct taper_store *s, void *arg, int fd, json_t **ret, struct taper_err *err)
{
	struct op *o = arg;
	struct itimerval it = { .it_value = { .tv_sec = 0, .tv_usec = 400000 } };

	(void)setitimer(ITIMER_REAL, &it, NULL); /* SIGALRM ends the child */
	return taper_container_console(s, o->name, -1, fd, err);
}

/* ---- helpers ---- */

static json_t *parse_body(struct web_req *req, struct web_reply *reply)
{
	json_error_t jerr;
	json_t *doc;

	if (!req->body || req->body_len == 0)
		return json_object();
	doc = json_loadb(req->body, req->body_len, 0, &jerr);
	if (!doc) {
		web_reply_error(reply, 400, NULL, "malformed JSON: line %d column %d: %s", jerr.line,
				jerr.column, jerr.text);
		return NULL;
	}
	if (!json_is_object(doc)) {
		json_decref(doc);
		web_reply_error(reply, 400, NULL, "malformed JSON: the body must be an object");
		return NULL;
	}
	return doc;
}

/* Field getters: 0, or -EINVAL with a 400 naming the field. */
static int get_str(json_t *body, const char *key, bool required, const char **ret, struct web_reply *reply)
{
	json_t *v = json_object_get(body, key);

	*ret = NULL;
	if (!v || json_is_null(v)) {
		if (!required)
			return 0;
		web_reply_error(reply, 400, key, "%s: missing", key);
		return -EINVAL;
	}
	if (!json_is_string(v)) {
		web_reply_error(reply, 400, key, "%s: must be a string", key);
		return -EINVAL;
	}
	*ret = json_string_value(v);
	return 0;
}

static int get_bool(json_t *body, const char *key, bool *ret, struct web_reply *reply)
{
	json_t *v = json_object_get(body, key);

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_boolean(v)) {
		web_reply_error(reply, 400, key, "%s: must be true or false", key);
		return -EINVAL;
	}
	*ret = json_is_true(v);
	return 0;
}

static int get_int(json_t *body, const char *key, long long min, long long max, int *ret,
		   struct web_reply *reply)
{
	json_t *v = json_object_get(body, key);

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max) {
		web_reply_error(reply, 400, key, "%s: must be an integer from %lld to %lld", key, min, max);
		return -EINVAL;
	}
	*ret = (int)json_integer_value(v);
	return 0;
}

/* Only the fields named may be in body. */
static int known_fields(json_t *body, const char *const *names, struct web_reply *reply)
{
	const char *key;
	json_t *v;

	json_object_foreach (body, key, v) {
		bool ok = false;

		for (const char *const *n = names; *n; n++)
			ok |= strcmp(*n, key) == 0;
		if (!ok) {
			web_reply_error(reply, 400, key, "%s: unknown field", key);
			return -EINVAL;
		}
	}
	return 0;
}

static struct op *op_new(const char *name)
{
	struct op *o = calloc(1, sizeof(*o));

	if (o && !(o->name = strdup(name))) {
		free(o);
		return NULL;
	}
	if (o)
		o->timeout = -1;
	return o;
}

/* Start fn in a child; 1 when the request now waits for it. */
static int job(struct web_req *req, struct web_reply *reply, const char *verb, const char *name,
	       web_job_fn fn, struct op *o, unsigned ok_status)
{
	struct taper_err err = { 0 };
	char what[200];
	int r;

	snprintf(what, sizeof(what), "%s %s", verb, name);
	if ((r = web_job_start(req->w, req, what, fn, o, ok_status, false, NULL, &err)) < 0) {
		web_reply_error(reply, r == -EAGAIN ? 503 : 500, NULL, "%s", err.msg);
		return 0;
	}
	return 1;
}

static int container_known(struct web_req *req, const char *name, struct web_reply *reply)
{
	struct taper_err err = { 0 };

	if (taper_container_name_check(name, &err) < 0) {
		web_reply_error(reply, 404, NULL, "%s", err.msg);
		return -ENOENT;
	}
	if (!taper_container_exists(req->w->store, name)) {
		web_reply_error(reply, 404, NULL, "container \"%s\" not found", name);
		return -ENOENT;
	}
	return 0;
}

/* CPU % since the last list at least CPU_SAMPLE_MIN_NS ago; the table is
 * kept sorted by name (the lists come sorted). */
static json_t *cpu_percent(struct web *w, const char *name, uint64_t cpu_ns, bool running, uint64_t now)
{
	size_t lo = 0, hi = w->n_cpu;
	struct web_cpu_sample *c;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int cmp = strcmp(w->cpu[mid].name, name);

		if (cmp == 0) {
			lo = mid;
			hi = mid + 1;
			break;
		}
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo >= w->n_cpu || strcmp(w->cpu[lo].name, name) != 0) {
		struct web_cpu_sample *n;

		if (!running)
			return json_null();
		n = realloc(w->cpu, (w->n_cpu + 1) * sizeof(*w->cpu));
		if (!n)
			return json_null();
		w->cpu = n;
		memmove(&w->cpu[lo + 1], &w->cpu[lo], (w->n_cpu - lo) * sizeof(*w->cpu));
		w->cpu[lo] = (struct web_cpu_sample){ .name = strdup(name), .cpu_ns = cpu_ns, .t_ns = now };
		if (!w->cpu[lo].name) {
			memmove(&w->cpu[lo], &w->cpu[lo + 1], (w->n_cpu - lo) * sizeof(*w->cpu));
			return json_null();
		}
		w->n_cpu++;
		return json_null();
	}
	c = &w->cpu[lo];
	if (!running) {
		c->have_percent = false;
		c->cpu_ns = 0;
		c->t_ns = now;
		return json_null();
	}
	if (now - c->t_ns >= CPU_SAMPLE_MIN_NS) {
		if (cpu_ns >= c->cpu_ns && c->cpu_ns) {
			c->percent = (double)(cpu_ns - c->cpu_ns) * 100.0 / (double)(now - c->t_ns);
			c->have_percent = true;
		}
		c->cpu_ns = cpu_ns;
		c->t_ns = now;
	}
	return c->have_percent ? json_real(c->percent) : json_null();
}

static json_t *state_row(struct web *w, const char *name, const struct taper_container_state *st,
			 uint64_t now)
{
	json_t *row = json_object(), *ips;
	bool running;

	json_object_set_new(row, "name", json_string(name));
	running = st->state == TAPER_STATE_RUNNING || st->state == TAPER_STATE_FROZEN;
	json_object_set_new(row, "state", json_string(taper_state_name(st->state)));
	json_object_set_new(row, "pid", json_integer(st->pid));
	ips = json_array();
	for (char **ip = st->ipv4; ip && *ip; ip++)
		json_array_append_new(ips, json_string(*ip));
	json_object_set_new(row, "ipv4", ips);
	json_object_set_new(row, "cpu_percent", cpu_percent(w, name, st->cpu_ns, running, now));
	json_object_set_new(row, "cpu_ns", json_integer((json_int_t)st->cpu_ns));
	json_object_set_new(row, "memory", json_integer((json_int_t)st->memory_bytes));
	json_object_set_new(row, "pids", json_integer((json_int_t)st->pids));
	json_object_set_new(row, "started_at", json_integer(st->started_at));
	json_object_set_new(row, "autostart", json_boolean(st->autostart));
	if (st->has_exit) {
		json_t *ex = json_object();

		json_object_set_new(ex, "code", json_integer(st->exit_code));
		json_object_set_new(ex, "signal", json_integer(st->exit_signal));
		json_object_set_new(ex, "oom", json_boolean(st->exit_oom));
		json_object_set_new(row, "exit", ex);
	}
	return row;
}

static json_t *container_row(struct web *w, const char *name, uint64_t now)
{
	struct taper_container_state st = { 0 };
	struct taper_err err = { 0 };
	json_t *row;

	if (taper_container_state(w->store, name, &st, &err) < 0) {
		row = json_object();
		json_object_set_new(row, "name", json_string(name));
		json_object_set_new(row, "state", json_string("UNKNOWN"));
		json_object_set_new(row, "error", json_string(err.msg));
		return row;
	}
	row = state_row(w, name, &st, now);
	taper_container_state_clear(&st);
	return row;
}

static json_t *limits_json(struct taper_store *s, const char *name, struct taper_err *err)
{
	struct taper_limit_value *v = NULL;
	struct taper_limit_info info;
	bool running = false;
	size_t n = 0;
	json_t *doc, *rows;

	if (taper_container_get_limits(s, name, &v, &n, &running, err) < 0)
		return NULL;
	doc = json_object();
	rows = json_array();
	json_object_set_new(doc, "name", json_string(name));
	json_object_set_new(doc, "running", json_boolean(running));
	for (size_t i = 0; i < n && taper_limit_info_get(i, &info) == 0; i++) {
		json_t *row = json_object();

		json_object_set_new(row, "option", json_string(info.option));
		json_object_set_new(row, "key", json_string(v[i].key));
		json_object_set_new(row, "metavar", json_string(info.metavar));
		json_object_set_new(row, "help", json_string(info.help));
		json_object_set_new(row, "is_size", json_boolean(info.is_size));
		json_object_set_new(row, "config", v[i].config ? json_string(v[i].config) : json_null());
		json_object_set_new(row, "kernel", v[i].kernel ? json_string(v[i].kernel) : json_null());
		json_array_append_new(rows, row);
	}
	json_object_set_new(doc, "limits", rows);
	taper_limit_values_free(v, n);
	return doc;
}

static json_t *ports_json(struct taper_store *s, const char *name, struct taper_err *err)
{
	_cleanup_free_ struct taper_port *p = NULL;
	size_t n = 0;
	json_t *arr;

	if (taper_container_ports(s, name, &p, &n, err) < 0)
		return NULL;
	arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr,
				      json_pack("{s:s,s:i,s:i,s:s,s:b}", "host_ip", p[i].host_ip, "host_port",
						p[i].host_port, "container_port", p[i].container_port,
						"proto", p[i].proto, "active", p[i].active));
	return arr;
}

/* ---- routes ---- */

static void list_containers(struct web_req *req, struct web_reply *reply)
{
	struct taper_container_entry *e = NULL;
	struct taper_err err = { 0 };
	uint64_t now = web_now_ns();
	size_t n = 0;
	json_t *arr;

	if (taper_container_list_states(req->w->store, &e, &n, &err) < 0) {
		web_reply_error(reply, 500, NULL, "%s", err.msg);
		return;
	}
	arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, state_row(req->w, e[i].name, &e[i].state, now));
	taper_container_entries_free(e, n);
	web_reply_json(reply, 200, json_pack("{s:o}", "containers", arr));
}

static void container_detail(struct web_req *req, const char *name, struct web_reply *reply)
{
	_cleanup_free_ char *info = NULL, *config = NULL;
	struct taper_err err = { 0 };
	size_t len = 0;
	json_t *doc, *v;
	int r;

	if ((r = taper_container_info(req->w->store, name, &info, &err)) < 0) {
		web_reply_error(reply, web_errno_status(r), NULL, "%s", err.msg);
		return;
	}
	doc = json_loads(info, 0, NULL);
	if (!json_is_object(doc)) {
		json_decref(doc);
		doc = json_object();
	}
	/* the list's row too: addresses, CPU % */
	v = container_row(req->w, name, web_now_ns());
	json_object_set_new(doc, "summary", v);
	if (taper_container_config_text(req->w->store, name, &config, &len, &err) == 0)
		json_object_set_new(doc, "config_text", json_string(config));
	if ((v = limits_json(req->w->store, name, &err)))
		json_object_set_new(doc, "limits", v);
	if ((v = ports_json(req->w->store, name, &err)))
		json_object_set_new(doc, "ports", v);
	web_reply_json(reply, 200, doc);
}

static int create_container(struct web_req *req, struct web_reply *reply)
{
	static const char *const fields[] = { "name", "template", "options", NULL };
	_cleanup_(json_decrefp) json_t *body = parse_body(req, reply);
	_cleanup_(opp_free) struct op *o = NULL;
	struct taper_err err = { 0 };
	const char *name, *tmpl;
	struct web_job *j = NULL;
	json_t *opts, *v;
	const char *key;
	bool wait = false;
	int r;

	if (!body || known_fields(body, fields, reply) < 0 || get_str(body, "name", true, &name, reply) < 0)
		return 0;
	if (get_str(body, "template", false, &tmpl, reply) < 0)
		return 0;
	if (!tmpl)
		tmpl = "busybox";
	if (taper_container_name_check(name, &err) < 0) {
		web_reply_error(reply, 400, "name", "%s", err.msg);
		return 0;
	}
	if (taper_container_exists(req->w->store, name)) {
		web_reply_error(reply, 409, "name", "container \"%s\" exists already", name);
		return 0;
	}
	if (!(o = op_new(name)) || !(o->other = strdup(tmpl)) || !(o->words = calloc(1, sizeof(char *)))) {
		web_reply_error(reply, 500, NULL, "out of memory");
		return 0;
	}
	/* options: ["--file", "x"] as the CLI takes them, or {"file": "x"}
	 * (true for a flag). */
	opts = json_object_get(body, "options");
	if (json_is_array(opts)) {
		for (size_t i = 0; i < json_array_size(opts); i++) {
			v = json_array_get(opts, i);
			if (!json_is_string(v)) {
				web_reply_error(reply, 400, "options", "options: must be strings");
				return 0;
			}
			if (strv_extend(&o->words, json_string_value(v)) < 0)
				return web_reply_error(reply, 500, NULL, "out of memory"), 0;
		}
	} else if (json_is_object(opts)) {
		json_object_foreach (opts, key, v) {
			_cleanup_free_ char *flag = NULL;

			if (asprintf(&flag, "--%s", key) < 0 || strv_extend(&o->words, flag) < 0)
				return web_reply_error(reply, 500, NULL, "out of memory"), 0;
			if (json_is_string(v)) {
				if (strv_extend(&o->words, json_string_value(v)) < 0)
					return web_reply_error(reply, 500, NULL, "out of memory"), 0;
			} else if (!json_is_true(v)) {
				web_reply_error(reply, 400, "options", "options.%s: must be a string or true",
						key);
				return 0;
			}
		}
	} else if (opts && !json_is_null(opts)) {
		web_reply_error(reply, 400, "options", "options: must be an array or an object");
		return 0;
	}
	if ((r = taper_template_check(tmpl, o->words, &err)) < 0) {
		web_reply_error(reply, 400, r == -ENOENT ? "template" : "options", "%s", err.msg);
		return 0;
	}
	{
		const char *w = MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, "wait");

		wait = w && (strcmp(w, "1") == 0 || strcmp(w, "true") == 0);
	}
	char what[200];

	snprintf(what, sizeof(what), "create %s", name);
	if ((r = web_job_start(req->w, wait ? req : NULL, what, do_create, o, 201, false, &j, &err)) < 0) {
		web_reply_error(reply, r == -EAGAIN ? 503 : 500, NULL, "%s", err.msg);
		return 0;
	}
	if (wait)
		return 1;
	snprintf(req->location, sizeof(req->location), "/api/v1/jobs/%u", j->id);
	reply->location = req->location;
	web_reply_json(reply, 202,
		       json_pack("{s:i,s:s,s:s}", "job", j->id, "url", req->location, "name", name));
	return 0;
}

static int action(struct web_req *req, const char *name, const char *verb, struct web_reply *reply)
{
	_cleanup_(json_decrefp) json_t *body = parse_body(req, reply);
	_cleanup_(opp_free) struct op *o = NULL;
	struct taper_err err = { 0 };
	const char *other = NULL;

	if (!body)
		return 0;
	if (!(o = op_new(name)))
		return web_reply_error(reply, 500, NULL, "out of memory"), 0;
	if (strcmp(verb, "start") == 0 || strcmp(verb, "freeze") == 0 || strcmp(verb, "unfreeze") == 0) {
		static const char *const none[] = { NULL };

		if (known_fields(body, none, reply) < 0)
			return 0;
		if (verb[0] == 's')
			return job(req, reply, verb, name, do_start, o, 200);
		o->flag = verb[0] == 'f';
		return job(req, reply, verb, name, do_freeze, o, 200);
	}
	if (strcmp(verb, "stop") == 0 || strcmp(verb, "restart") == 0) {
		static const char *const f[] = { "timeout", "kill", NULL };

		if (known_fields(body, f, reply) < 0 ||
		    get_int(body, "timeout", -1, 86400, &o->timeout, reply) < 0 ||
		    get_bool(body, "kill", &o->flag, reply) < 0)
			return 0;
		return job(req, reply, verb, name, verb[0] == 's' ? do_stop : do_restart, o, 200);
	}
	if (strcmp(verb, "clone") == 0 || strcmp(verb, "rename") == 0) {
		static const char *const fc[] = { "name", "snapshot", NULL };
		static const char *const fr[] = { "name", NULL };

		if (known_fields(body, verb[0] == 'c' ? fc : fr, reply) < 0 ||
		    get_str(body, "name", true, &other, reply) < 0 ||
		    get_bool(body, "snapshot", &o->flag, reply) < 0)
			return 0;
		if (taper_container_name_check(other, &err) < 0)
			return web_reply_error(reply, 400, "name", "%s", err.msg), 0;
		if (taper_container_exists(req->w->store, other))
			return web_reply_error(reply, 409, "name", "container \"%s\" exists already", other),
			       0;
		if (!(o->other = strdup(other)))
			return web_reply_error(reply, 500, NULL, "out of memory"), 0;
		if (verb[0] == 'c')
			return job(req, reply, verb, name, do_clone, o, 201);
		return job(req, reply, verb, name, do_rename, o, 200);
	}
	web_reply_error(reply, 404, NULL,
			"%s: no such action (start, stop, restart, freeze, unfreeze, clone, rename)", verb);
	return 0;
}

static int put_limits(struct web_req *req, const char *name, struct web_reply *reply)
{
	_cleanup_(json_decrefp) json_t *body = parse_body(req, reply);
	_cleanup_(opp_free) struct op *o = NULL;
	const char *key;
	json_t *v;

	if (!body)
		return 0;
	if (json_object_size(body) == 0)
		return web_reply_error(reply, 400, NULL, "no limits given (e.g. {\"memory\": \"256M\"})"), 0;
	if (!(o = op_new(name)) || !(o->limits = calloc(json_object_size(body), sizeof(*o->limits))))
		return web_reply_error(reply, 500, NULL, "out of memory"), 0;
	json_object_foreach (body, key, v) {
		struct taper_limit_info info;
		const char *k = NULL;
		char num[64];
		const char *value;

		for (size_t i = 0; taper_limit_info_get(i, &info) == 0; i++)
			if (strcmp(info.option, key) == 0 || strcmp(info.key, key) == 0)
				k = info.key;
		if (!k)
			return web_reply_error(reply, 400, key, "%s: no such limit", key), 0;
		if (json_is_string(v)) {
			value = json_string_value(v);
		} else if (json_is_integer(v)) {
			snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
			value = num;
		} else if (json_is_real(v)) {
			snprintf(num, sizeof(num), "%g", json_number_value(v));
			value = num;
		} else if (json_is_null(v)) {
			value = "max";
		} else {
			return web_reply_error(reply, 400, key, "%s: must be a string, a number or null",
					       key),
			       0;
		}
		o->limits[o->n_limits].key = strdup(k);
		o->limits[o->n_limits].value = strdup(value);
		o->n_limits++;
		if (!o->limits[o->n_limits - 1].key || !o->limits[o->n_limits - 1].value)
			return web_reply_error(reply, 500, NULL, "out of memory"), 0;
	}
	return job(req, reply, "limits", name, do_limits, o, 200);
}

static int ports(struct web_req *req, const char *name, char **rest, size_t n_rest, struct web_reply *reply)
{
	_cleanup_(opp_free) struct op *o = NULL;
	struct taper_err err = { 0 };
	const char *spec = NULL;
	json_t *arr;

	if (strcmp(req->method, "GET") == 0 && n_rest == 0) {
		if (!(arr = ports_json(req->w->store, name, &err)))
			return web_reply_error(reply, 500, NULL, "%s", err.msg), 0;
		web_reply_json(reply, 200, json_pack("{s:s,s:o}", "name", name, "ports", arr));
		return 0;
	}
	if (!(o = op_new(name)))
		return web_reply_error(reply, 500, NULL, "out of memory"), 0;
	if (strcmp(req->method, "POST") == 0 && n_rest == 0) {
		static const char *const f[] = { "spec", NULL };
		_cleanup_(json_decrefp) json_t *body = parse_body(req, reply);

		if (!body || known_fields(body, f, reply) < 0 ||
		    get_str(body, "spec", true, &spec, reply) < 0)
			return 0;
		o->flag = true;
		if (!(o->other = strdup(spec)))
			return web_reply_error(reply, 500, NULL, "out of memory"), 0;
		return job(req, reply, "port add", name, do_port, o, 201);
	}
	if (strcmp(req->method, "DELETE") == 0 && n_rest > 0) {
		/* "8080" or "8080/tcp", the slash a path separator here */
		if (asprintf(&o->other, "%s%s%s", rest[0], n_rest > 1 ? "/" : "", n_rest > 1 ? rest[1] : "") <
		    0) {
			o->other = NULL;
			return web_reply_error(reply, 500, NULL, "out of memory"), 0;
		}
		return job(req, reply, "port remove", name, do_port, o, 200);
	}
	web_reply_error(reply, 405, NULL, "%s: method not allowed (GET, POST; DELETE .../ports/SPEC)",
			req->method);
	return 0;
}

static json_t *network_json(const struct taper_network *n)
{
	return json_pack("{s:s,s:s,s:s,s:s,s:b,s:i,s:b,s:b,s:i}", "name", n->name, "bridge", n->bridge,
			 "subnet", n->subnet, "gateway", n->gateway, "nat", n->nat, "mtu", n->mtu, "builtin",
			 n->builtin, "bridge_exists", n->bridge_exists, "leases", n->n_leases);
}

static int networks(struct web_req *req, char **seg, size_t n_seg, struct web_reply *reply)
{
	struct taper_store *s = req->w->store;
	struct taper_err err = { 0 };
	struct taper_network net;
	bool get = strcmp(req->method, "GET") == 0;
	int r;

	if (n_seg == 1 && get) {
		_cleanup_strv_free_ char **names = NULL;
		json_t *arr;

		if (taper_network_list(s, &names, &err) < 0)
			return web_reply_error(reply, 500, NULL, "%s", err.msg), 0;
		arr = json_array();
		for (char **n = names; *n; n++)
			if (taper_network_inspect(s, *n, &net, &err) == 0)
				json_array_append_new(arr, network_json(&net));
		web_reply_json(reply, 200, json_pack("{s:o}", "networks", arr));
		return 0;
	}
	if (n_seg == 1 && strcmp(req->method, "POST") == 0) {
		static const char *const f[] = { "name", "subnet", "gateway", "bridge", "nat", "mtu", NULL };
		_cleanup_(json_decrefp) json_t *body = parse_body(req, reply);
		_cleanup_(opp_free) struct op *o = NULL;
		const char *name, *subnet, *gw, *br;

		if (!body || known_fields(body, f, reply) < 0 ||
		    get_str(body, "name", true, &name, reply) < 0 ||
		    get_str(body, "subnet", true, &subnet, reply) < 0 ||
		    get_str(body, "gateway", false, &gw, reply) < 0 ||
		    get_str(body, "bridge", false, &br, reply) < 0)
			return 0;
		if (!(o = op_new(name)))
			return web_reply_error(reply, 500, NULL, "out of memory"), 0;
		o->net.nat = true;
		if (get_bool(body, "nat", &o->net.nat, reply) < 0 ||
		    get_int(body, "mtu", 0, 65535, &o->net.mtu, reply) < 0)
			return 0;
		o->net_strs[0] = strdup(name);
		o->net_strs[1] = strdup(subnet);
		o->net_strs[2] = gw ? strdup(gw) : NULL;
		o->net_strs[3] = br ? strdup(br) : NULL;
		o->net.name = o->net_strs[0];
		o->net.subnet = o->net_strs[1];
		o->net.gateway = o->net_strs[2];
		o->net.bridge = o->net_strs[3];
		o->flag = true;
		return job(req, reply, "network create", name, do_network, o, 201);
	}
	if (n_seg == 2 && get) {
		_cleanup_free_ struct taper_network_lease *l = NULL;
		size_t n = 0;
		json_t *doc, *arr;

		if ((r = taper_network_inspect(s, seg[1], &net, &err)) < 0)
			return web_reply_error(reply, web_errno_status(r), NULL, "%s", err.msg), 0;
		doc = network_json(&net);
		arr = json_array();
		if (taper_network_leases(s, seg[1], &l, &n, &err) == 0)
			for (size_t i = 0; i < n; i++)
				json_array_append_new(arr, json_pack("{s:s,s:s}", "address", l[i].address,
								     "owner", l[i].owner));
		json_object_set_new(doc, "lease_list", arr);
		web_reply_json(reply, 200, doc);
		return 0;
	}
	if (n_seg == 2 && strcmp(req->method, "DELETE") == 0) {
		_cleanup_(opp_free) struct op *o = NULL;

		if ((r = taper_network_inspect(s, seg[1], &net, &err)) < 0)
			return web_reply_error(reply, web_errno_status(r), NULL, "%s", err.msg), 0;
		if (!(o = op_new(seg[1])))
			return web_reply_error(reply, 500, NULL, "out of memory"), 0;
		return job(req, reply, "network remove", seg[1], do_network, o, 200);
	}
	if (n_seg <= 2)
		web_reply_error(reply, 405, NULL, "%s: method not allowed here", req->method);
	else
		web_reply_error(reply, 404, NULL, "no such route");
	return 0;
}

static json_t *templates_json(void)
{
	struct taper_template t;
	json_t *arr = json_array();

	for (size_t i = 0; taper_template_get(i, &t) == 0; i++) {
		json_t *opts = json_array();

		for (size_t k = 0; k < t.n_options; k++)
			json_array_append_new(opts, json_pack("{s:s,s:s?,s:b,s:s}", "name", t.options[k].name,
							      "arg", t.options[k].arg, "required",
							      t.options[k].required, "doc",
							      t.options[k].doc ? t.options[k].doc : ""));
		json_array_append_new(arr, json_pack("{s:s,s:s,s:o}", "name", t.name, "doc",
						     t.doc ? t.doc : "", "options", opts));
	}
	return arr;
}

static unsigned query_uint(struct web_req *req, const char *key, unsigned def, unsigned min, unsigned max)
{
	const char *v = MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, key);
	char *end;
	unsigned long n;

	if (!v || !*v)
		return def;
	n = strtoul(v, &end, 10);
	if (*end || n < min || n > max)
		return def;
	return (unsigned)n;
}

static bool query_true(struct web_req *req, const char *key)
{
	const char *v = MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, key);

	return v && (strcmp(v, "1") == 0 || strcmp(v, "true") == 0 || strcmp(v, "yes") == 0);
}

static int not_allowed(struct web_req *req, struct web_reply *reply, const char *allowed)
{
	web_reply_error(reply, 405, NULL, "%s %s: method not allowed (%s)", req->method, req->url, allowed);
	return 0;
}

static int container_routes(struct web_req *req, char **seg, size_t n, struct web_reply *reply)
{
	const char *name = seg[1], *m = req->method;
	bool get = strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0;
	struct taper_err err = { 0 };
	_cleanup_(opp_free) struct op *o = NULL;

	if (container_known(req, name, reply) < 0)
		return 0;
	if (n == 2) {
		if (get) {
			container_detail(req, name, reply);
			return 0;
		}
		if (strcmp(m, "PATCH") == 0)
			return action(req, name, "rename", reply);
		if (strcmp(m, "DELETE") == 0) {
			if (!(o = op_new(name)))
				return web_reply_error(reply, 500, NULL, "out of memory"), 0;
			o->flag = query_true(req, "force");
			return job(req, reply, "destroy", name, do_destroy, o, 200);
		}
		return not_allowed(req, reply, "GET, PATCH, DELETE");
	}
	if (strcmp(seg[2], "limits") == 0 && n == 3) {
		json_t *doc;

		if (get) {
			if (!(doc = limits_json(req->w->store, name, &err)))
				return web_reply_error(reply, 500, NULL, "%s", err.msg), 0;
			web_reply_json(reply, 200, doc);
			return 0;
		}
		if (strcmp(m, "PUT") == 0 || strcmp(m, "PATCH") == 0)
			return put_limits(req, name, reply);
		return not_allowed(req, reply, "GET, PUT");
	}
	if (strcmp(seg[2], "stats") == 0 && n == 3) {
		struct MHD_Response *resp;

		if (!get)
			return not_allowed(req, reply, "GET");
		resp = web_stream_new(req->w, req->conn, name,
				      (uint64_t)query_uint(req, "interval_ms", 1000, 100, 60000) *
					      1000000ull);
		if (!resp)
			return web_reply_error(reply, 500, NULL, "out of memory"), 0;
		MHD_queue_response(req->conn, 200, resp);
		MHD_destroy_response(resp);
		return 2;
	}
	if (strcmp(seg[2], "console") == 0 && n == 3) {
		struct taper_container_state st = { 0 };
		bool up;

		if (!get)
			return not_allowed(req, reply, "GET");
		if (taper_container_state(req->w->store, name, &st, &err) < 0)
			return web_reply_error(reply, 500, NULL, "%s", err.msg), 0;
		up = st.monitor_pid > 0;
		taper_container_state_clear(&st);
		if (!up)
			return web_reply_error(reply, 409, NULL,
					       "console %s: container \"%s\" is not running", name, name),
			       0;
		if (!(o = op_new(name)))
			return web_reply_error(reply, 500, NULL, "out of memory"), 0;
		if (web_job_start(req->w, req, "console", do_console, o, 200, true, NULL, &err) < 0)
			return web_reply_error(reply, 503, NULL, "%s", err.msg), 0;
		return 1;
	}
	if (strcmp(seg[2], "terminal") == 0 && n == 3) {
		unsigned status;

		if (!get)
			return not_allowed(req, reply, "GET");
		/* A WebSocket carries no custom header: the CSRF token comes
		 * in the query, for a session. */
		if (req->session && web_authenticate(req, true, reply) < 0)
			return 0;
		status = web_terminal(req, name, query_uint(req, "cols", 80, 10, 500),
				      query_uint(req, "rows", 24, 5, 200));
		return status == 0 ? 2 : 0;
	}
	if (strcmp(seg[2], "ports") == 0)
		return ports(req, name, seg + 3, n - 3, reply);
	if (n == 3) {
		if (strcmp(m, "POST") != 0)
			return not_allowed(req, reply, "POST");
		return action(req, name, seg[2], reply);
	}
	web_reply_error(reply, 404, NULL, "%s: no such route", req->url);
	return 0;
}

int web_api(struct web_req *req, const char *path, struct web_reply *reply)
{
	_cleanup_free_ char *copy = strdup(path);
	bool mutating = strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0;
	char *seg[SEGS_MAX], *save = NULL;
	size_t n = 0;

	if (web_authenticate(req, mutating, reply) < 0)
		return 0;
	if (!copy)
		return web_reply_error(reply, 500, NULL, "out of memory"), 0;
	for (char *t = strtok_r(copy, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
		if (n == SEGS_MAX)
			return web_reply_error(reply, 404, NULL, "%s: no such route", req->url), 0;
		seg[n++] = t;
	}
	if (n == 0) {
		web_reply_error(reply, 404, NULL, "%s: no such route (see docs/api-web.md)", req->url);
		return 0;
	}
	if (strcmp(seg[0], "containers") == 0) {
		if (n == 1) {
			if (!mutating) {
				list_containers(req, reply);
				return 0;
			}
			if (strcmp(req->method, "POST") == 0)
				return create_container(req, reply);
			return not_allowed(req, reply, "GET, POST");
		}
		return container_routes(req, seg, n, reply);
	}
	if (strcmp(seg[0], "session") == 0 && n == 1) {
		if (mutating)
			return not_allowed(req, reply, "GET");
		web_reply_json(reply, 200,
			       json_pack("{s:s?,s:s,s:s,s:b}", "csrf",
					 req->session ? req->session->csrf : NULL, "version", taper_version(),
					 "store", req->w->opts->store_path, "tls", req->w->tls));
		return 0;
	}
	if (strcmp(seg[0], "logout") == 0 && n == 1) {
		if (strcmp(req->method, "POST") != 0)
			return not_allowed(req, reply, "POST");
		web_logout(req, reply);
		return 0;
	}
	if (strcmp(seg[0], "templates") == 0 && n == 1) {
		if (mutating)
			return not_allowed(req, reply, "GET");
		web_reply_json(reply, 200, json_pack("{s:o}", "templates", templates_json()));
		return 0;
	}
	if (strcmp(seg[0], "networks") == 0)
		return networks(req, seg, n, reply);
	if (strcmp(seg[0], "jobs") == 0 && n == 2) {
		char *end;
		unsigned long id = strtoul(seg[1], &end, 10);
		struct web_job *j = *end ? NULL : web_job_find(req->w, (unsigned)id);

		if (mutating)
			return not_allowed(req, reply, "GET");
		if (!j)
			return web_reply_error(reply, 404, NULL, "job %s not found", seg[1]), 0;
		web_reply_json(reply, 200, web_job_json(j));
		return 0;
	}
	web_reply_error(reply, 404, NULL, "%s: no such route (see docs/api-web.md)", req->url);
	return 0;
}
