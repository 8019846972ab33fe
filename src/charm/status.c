/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * status.c — `taper status` in the shape of Juju 1.x's `juju status`
 * (machines, services, their relations and units, keys spelled as Juju
 * spells them) as YAML, JSON or tables; and the hook log.
 *
 * A unit whose agent says "executing" while no verb holds the model's
 * lock lost the verb that ran its hook: it shows as "lost" until the next
 * verb marks it in error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "charm/internal.h"
#include "charm/yamlio.h"
#include "util/cleanup.h"
#include "util/err.h"

/* Does a verb hold the model's lock (and so run the hooks)? */
static bool executor_alive(struct charm_env *e)
{
	_cleanup_free_ char *lock = NULL;
	_cleanup_close_ int fd = -1;

	if (e->lock_fd >= 0)
		return true;
	if (asprintf(&lock, "%s/.model.lock", e->store_path) < 0 ||
	    (fd = open(lock, O_RDONLY | O_CLOEXEC)) < 0)
		return false;
	if (flock(fd, LOCK_SH | LOCK_NB) < 0)
		return errno == EWOULDBLOCK;
	return false;
}

static const char *const severity[] = { "unknown", "active", "maintenance", "waiting", "blocked", "error" };

static int rank(const char *s)
{
	for (size_t i = 0; i < ARRAY_SIZE(severity); i++)
		if (strcmp(s, severity[i]) == 0)
			return (int)i;
	return 0;
}

static json_t *machines_json(struct charm_env *e, struct taper_err *err)
{
	json_t *ms = json_object();
	struct mrows rows;

	if (model_query(e->m, &rows, err, "SELECT id, container, series FROM machines ORDER BY id", NULL) <
	    0) {
		json_decref(ms);
		return NULL;
	}
	for (size_t i = 0; i < rows.n; i++) {
		struct taper_container_state st = { 0 };
		struct taper_err cerr = { 0 };
		const char *ctr = mrows_get(&rows, i, 1), *agent = "pending", *inst = "pending";
		json_t *m = json_object();
		char lower[16] = "";

		if (taper_container_exists(e->store, ctr) &&
		    taper_container_state(e->store, ctr, &st, &cerr) == 0) {
			const char *n = taper_state_name(st.state);

			for (size_t k = 0; n && n[k] && k < sizeof(lower) - 1; k++)
				lower[k] = (char)(n[k] | 0x20);
			inst = lower;
			agent = st.state == TAPER_STATE_RUNNING ? "started" : "down";
			if (st.ipv4[0])
				json_object_set_new(m, "dns-name", json_string(st.ipv4[0]));
		}
		json_object_set_new(m, "agent-state", json_string(agent));
		json_object_set_new(m, "instance-id", json_string(ctr));
		json_object_set_new(m, "instance-state", json_string(inst));
		json_object_set_new(m, "series", json_string(mrows_get(&rows, i, 2)));
		json_object_set_new(ms, mrows_get(&rows, i, 0), m);
		taper_container_state_clear(&st);
	}
	mrows_clear(&rows);
	return ms;
}

static json_t *units_json(struct charm_env *e, json_t *machines, const char *service, const char **worst,
			  struct taper_err *err)
{
	json_t *us = json_object();
	struct mrows rows;
	bool alive = executor_alive(e);

	if (model_query(
		    e->m, &rows, err,
		    "SELECT name, machine, workload, message, agent, agent_info, hook FROM units WHERE service = ?"
		    " ORDER BY CAST(substr(name, instr(name, '/') + 1) AS INTEGER)",
		    "s", service) < 0) {
		json_decref(us);
		return NULL;
	}
	for (size_t i = 0; i < rows.n; i++) {
		const char *name = mrows_get(&rows, i, 0), *workload = mrows_get(&rows, i, 2),
			   *message = mrows_get(&rows, i, 3), *agent = mrows_get(&rows, i, 4),
			   *info = mrows_get(&rows, i, 5), *hook = mrows_get(&rows, i, 6);
		json_t *u = json_object(), *ws = json_object(), *as = json_object(), *ports = json_array(),
		       *pubs = json_array(), *m;
		_cleanup_free_ char *lost = NULL;
		struct mrows pr;

		if ((strcmp(agent, "executing") == 0 || strcmp(agent, "allocating") == 0) && hook && !alive) {
			agent = "lost";
			if (asprintf(&lost, "hook \"%s\" was interrupted (taper resolved %s)", hook, name) >=
			    0)
				info = lost;
		}
		if (strcmp(agent, "error") == 0) {
			workload = "error";
			message = info;
		}
		if (rank(workload) > rank(*worst))
			*worst = severity[rank(workload)];
		json_object_set_new(ws, "current", json_string(workload));
		if (message[0])
			json_object_set_new(ws, "message", json_string(message));
		json_object_set_new(u, "workload-status", ws);
		json_object_set_new(as, "current", json_string(agent));
		if (info[0])
			json_object_set_new(as, "message", json_string(info));
		json_object_set_new(u, "agent-status", as);
		json_object_set_new(u, "agent-state", json_string(agent));
		if (info[0])
			json_object_set_new(u, "agent-state-info", json_string(info));
		json_object_set_new(u, "machine", json_string(mrows_get(&rows, i, 1)));
		if (model_query(e->m, &pr, err,
				"SELECT port, proto, host_port FROM ports WHERE unit = ? ORDER BY port", "s",
				name) >= 0) {
			for (size_t j = 0; j < pr.n; j++) {
				char buf[48];

				snprintf(buf, sizeof(buf), "%s/%s", mrows_get(&pr, j, 0),
					 mrows_get(&pr, j, 1));
				json_array_append_new(ports, json_string(buf));
				if (mrows_get(&pr, j, 2)) {
					snprintf(buf, sizeof(buf), "%s:%s/%s", mrows_get(&pr, j, 2),
						 mrows_get(&pr, j, 0), mrows_get(&pr, j, 1));
					json_array_append_new(pubs, json_string(buf));
				}
			}
			mrows_clear(&pr);
		}
		if (json_array_size(ports))
			json_object_set_new(u, "open-ports", ports);
		else
			json_decref(ports);
		if (json_array_size(pubs))
			json_object_set_new(u, "published-ports", pubs);
		else
			json_decref(pubs);
		m = json_object_get(machines, mrows_get(&rows, i, 1));
		if (m && json_object_get(m, "dns-name"))
			json_object_set_new(u, "public-address",
					    json_string(json_string_value(json_object_get(m, "dns-name"))));
		json_object_set_new(us, name, u);
	}
	mrows_clear(&rows);
	return us;
}

static json_t *status_json(struct charm_env *e, struct taper_err *err)
{
	json_t *doc = json_object(), *machines, *services = json_object();
	struct mrows svcs;

	json_object_set_new(doc, "environment", json_string("local"));
	if (!e->m) {
		json_object_set_new(doc, "machines", json_object());
		json_object_set_new(doc, "services", services);
		return doc;
	}
	if (!(machines = machines_json(e, err)) ||
	    model_query(e->m, &svcs, err, "SELECT name, charm, series, exposed FROM services ORDER BY name",
			NULL) < 0)
		goto fail;
	json_object_set_new(doc, "machines", machines);
	for (size_t i = 0; i < svcs.n; i++) {
		const char *name = mrows_get(&svcs, i, 0), *worst = "unknown";
		json_t *s = json_object(), *rels = json_object(), *units, *ss = json_object();
		struct mrows rr;
		char url[256];

		snprintf(url, sizeof(url), "local:%s/%s-0", mrows_get(&svcs, i, 2), mrows_get(&svcs, i, 1));
		json_object_set_new(s, "charm", json_string(url));
		json_object_set_new(s, "exposed",
				    strcmp(mrows_get(&svcs, i, 3), "1") == 0 ? json_true() : json_false());
		if (!(units = units_json(e, machines, name, &worst, err)))
			goto fail_svcs;
		json_object_set_new(ss, "current", json_string(worst));
		json_object_set_new(s, "service-status", ss);
		if (model_query(
			    e->m, &rr, err,
			    "SELECT CASE WHEN svc1 = ?1 THEN ep1 ELSE ep2 END, CASE WHEN svc1 = ?1 THEN svc2 ELSE svc1 END"
			    " FROM relations WHERE dying = 0 AND (svc1 = ?1 OR svc2 = ?1) ORDER BY 1, 2",
			    "s", name) < 0) {
			json_decref(units);
			goto fail_svcs;
		}
		for (size_t j = 0; j < rr.n; j++) {
			json_t *l = json_object_get(rels, mrows_get(&rr, j, 0));

			if (!l)
				json_object_set_new(rels, mrows_get(&rr, j, 0), l = json_array());
			json_array_append_new(l, json_string(mrows_get(&rr, j, 1)));
		}
		mrows_clear(&rr);
		if (json_object_size(rels))
			json_object_set_new(s, "relations", rels);
		else
			json_decref(rels);
		json_object_set_new(s, "units", units);
		json_object_set_new(services, name, s);
	}
	mrows_clear(&svcs);
	json_object_set_new(doc, "services", services);
	return doc;
fail_svcs:
	mrows_clear(&svcs);
fail:
	json_decref(services);
	json_decref(doc);
	return NULL;
}

static const char *str(json_t *o, const char *path1, const char *path2)
{
	json_t *v = json_object_get(o, path1);

	if (path2)
		v = json_object_get(v, path2);
	return json_is_string(v) ? json_string_value(v) : "";
}

static void tabular(json_t *doc, FILE *out)
{
	json_t *services = json_object_get(doc, "services"), *machines = json_object_get(doc, "machines"), *s,
	       *u, *m;
	const char *name, *uname;

	fprintf(out, "[Services]\n%-16s %-12s %-8s %s\n", "NAME", "STATUS", "EXPOSED", "CHARM");
	json_object_foreach (services, name, s) {
		fprintf(out, "%-16s %-12s %-8s %s\n", name, str(s, "service-status", "current"),
			json_is_true(json_object_get(s, "exposed")) ? "true" : "false",
			str(s, "charm", NULL));
	}
	fprintf(out, "\n[Units]\n%-16s %-15s %-12s %-8s %-16s %-15s %s\n", "ID", "WORKLOAD-STATE",
		"AGENT-STATE", "MACHINE", "PORTS", "PUBLIC-ADDRESS", "MESSAGE");
	json_object_foreach (services, name, s) {
		json_object_foreach (json_object_get(s, "units"), uname, u) {
			char ports[128] = "";
			size_t i, len = 0;
			json_t *p;

			json_array_foreach (json_object_get(u, "open-ports"), i, p) {
				len += (size_t)snprintf(ports + len, sizeof(ports) - len, "%s%s",
							i ? "," : "", json_string_value(p));
				if (len >= sizeof(ports))
					break;
			}
			fprintf(out, "%-16s %-15s %-12s %-8s %-16s %-15s %s\n", uname,
				str(u, "workload-status", "current"), str(u, "agent-state", NULL),
				str(u, "machine", NULL), ports, str(u, "public-address", NULL),
				str(u, "workload-status", "message"));
		}
	}
	fprintf(out, "\n[Machines]\n%-8s %-10s %-15s %-20s %s\n", "ID", "STATE", "DNS", "INS-ID", "SERIES");
	json_object_foreach (machines, name, m) {
		fprintf(out, "%-8s %-10s %-15s %-20s %s\n", name, str(m, "agent-state", NULL),
			str(m, "dns-name", NULL), str(m, "instance-id", NULL), str(m, "series", NULL));
	}
}

int charm_status(struct charm_env *e, const char *format, FILE *out, struct taper_err *err)
{
	json_t *doc;
	int r = 0;

	if (!(doc = status_json(e, err)))
		return err_ret(err);
	if (!format || strcmp(format, "yaml") == 0)
		r = yaml_emit(doc, out, err);
	else if (strcmp(format, "json") == 0) {
		json_dumpf(doc, out, JSON_COMPACT);
		fputc('\n', out);
	} else
		tabular(doc, out);
	json_decref(doc);
	return r;
}

static int print_log(struct charm_env *e, int64_t *last, FILE *out, struct taper_err *err)
{
	struct mrows rows;
	int r;

	if ((r = model_query(e->m, &rows, err,
			     "SELECT id, time, unit, hook, text FROM log WHERE id > ? ORDER BY id", "i",
			     *last)) < 0)
		return r;
	for (size_t i = 0; i < rows.n; i++) {
		time_t t = (time_t)strtoll(mrows_get(&rows, i, 1), NULL, 10);
		_cleanup_free_ char *ctr = unit_container(mrows_get(&rows, i, 2));
		char when[32];
		struct tm tm;

		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", gmtime_r(&t, &tm));
		fprintf(out, "unit-%s: %s %s %s: %s\n", ctr ? ctr : "?", when, mrows_get(&rows, i, 2),
			mrows_get(&rows, i, 3), mrows_get(&rows, i, 4));
		*last = strtoll(mrows_get(&rows, i, 0), NULL, 10);
	}
	mrows_clear(&rows);
	fflush(out);
	return 0;
}

int charm_debug_log(struct charm_env *e, unsigned lines, bool follow, volatile int *stop, FILE *out,
		    struct taper_err *err)
{
	_cleanup_free_ char *max = NULL;
	int64_t last = 0;
	int r;

	if (!e->m)
		return 0;
	if ((r = model_get(e->m, &max, err, "SELECT coalesce(max(id), 0) FROM log", NULL)) < 0)
		return r;
	if (lines > 0 && max && strtoll(max, NULL, 10) > lines)
		last = strtoll(max, NULL, 10) - lines;
	if ((r = print_log(e, &last, out, err)) < 0)
		return r;
	while (follow && !(stop && *stop)) {
		struct timespec ts = { 0, 200 * 1000 * 1000 };

		nanosleep(&ts, NULL);
		if ((r = print_log(e, &last, out, err)) < 0)
			return r;
	}
	return 0;
}
