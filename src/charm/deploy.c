/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * deploy.c — services and units: deploy, add-unit, remove-unit,
 * destroy-service, set, get, resolved. Each checks everything it was given
 * first, changes the model in one transaction, then runs the queue.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "charm/internal.h"
#include "charm/yamlio.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/strv.h"

/* Option values: the defaults, then the file's SERVICE section, then K=V
 * words; each checked against its type. ret: a JSON object key -> text. */
static int config_values(const struct charm_meta *c, const char *service, const char *file, char *const *kv,
			 json_t **ret, struct taper_err *err)
{
	json_t *vals = json_object(), *doc = NULL, *sec, *v;
	const char *k;
	int r = 0;

	if (!vals)
		return -ENOMEM;
	for (size_t i = 0; i < c->n_opts; i++)
		if (c->opts[i].def)
			json_object_set_new(vals, c->opts[i].name, json_string(c->opts[i].def));
	if (file) {
		if ((r = yaml_parse_file(file, file, &doc, err)) < 0)
			goto out;
		sec = json_object_get(doc, service);
		if (!json_is_object(doc) || !json_is_object(sec)) {
			r = err_set(err, 0, "%s: %s: no mapping of options for service \"%s\"", file, service,
				    service);
			goto out;
		}
		json_object_foreach (sec, k, v) {
			const struct charm_option *o = charm_meta_option(c, k);
			_cleanup_free_ char *norm = NULL;

			if (!o) {
				r = err_set(err, 0, "%s: %s.%s: no such option in %s/config.yaml", file,
					    service, k, c->name);
				goto out;
			}
			if (!json_is_string(v) ||
			    (r = charm_value_check(o->type, json_string_value(v), &norm, err)) < 0) {
				if (!json_is_string(v))
					r = err_set(err, 0, "not a scalar");
				err_wrap(err, "%s: %s.%s (%s)", file, service, k, o->type);
				goto out;
			}
			json_object_set_new(vals, k, json_string(norm));
		}
	}
	for (; kv && *kv; kv++) {
		_cleanup_free_ char *key = strdup(*kv), *norm = NULL;
		char *eq = key ? strchr(key, '=') : NULL;
		const struct charm_option *o;

		if (!eq || eq == key) {
			r = err_set(err, 0, "config \"%s\": expected KEY=VALUE", *kv);
			goto out;
		}
		*eq = '\0';
		if (!(o = charm_meta_option(c, key))) {
			r = err_set(err, 0, "config %s: no such option in %s/config.yaml", key, c->name);
			goto out;
		}
		if ((r = charm_value_check(o->type, eq + 1, &norm, err)) < 0) {
			err_wrap(err, "config %s (%s)", key, o->type);
			goto out;
		}
		json_object_set_new(vals, key, json_string(norm));
	}
	*ret = vals;
	vals = NULL;
out:
	json_decref(doc);
	json_decref(vals);
	return r;
}

/* The charm as the service holds it (the meta of its copy in the store). */
static int service_meta(struct charm_env *e, const char *service, struct charm_meta **ret,
			struct taper_err *err)
{
	_cleanup_free_ char *dir = NULL;

	if (asprintf(&dir, "%s/.charm/services/%s", e->store_path, service) < 0)
		return -ENOMEM;
	return charm_meta_load(dir, ret, err);
}

static int service_exists(struct charm_env *e, const char *service, struct taper_err *err)
{
	_cleanup_free_ char *x = NULL;
	int r = model_get(e->m, &x, err, "SELECT name FROM services WHERE name = ? AND dying = 0", "s",
			  service);

	if (r == 0)
		return err_set(err, ENOENT, "service \"%s\": no such service", service);
	return r < 0 ? r : 0;
}

/* Units SERVICE/next.. with their machines and first steps, and their
 * joins to the service's relations (in the caller's transaction). */
static int add_units(struct charm_env *e, const char *service, unsigned n, struct taper_err *err)
{
	_cleanup_free_ char *next = NULL, *series = NULL;
	struct mrows rels;
	int r;

	if ((r = model_get(e->m, &next, err, "SELECT next_unit FROM services WHERE name = ?", "s", service)) <
		    0 ||
	    (r = model_get(e->m, &series, err, "SELECT series FROM services WHERE name = ?", "s", service)) <
		    0)
		return r;
	for (unsigned i = 0; i < n; i++) {
		_cleanup_free_ char *unit = NULL, *ctr = NULL;
		long k = strtol(next, NULL, 10) + (long)i;
		static const char *const steps[] = { STEP_PROVISION, "install", "config-changed", "start" };

		if (asprintf(&unit, "%s/%ld", service, k) < 0 || !(ctr = unit_container(unit)))
			return -ENOMEM;
		if (taper_container_exists(e->store, ctr))
			return err_set(err, EEXIST, "unit %s: a container named %s exists already", unit,
				       ctr);
		if ((r = model_exec(e->m, err, "INSERT INTO machines(container, series) VALUES(?, ?)", "ss",
				    ctr, series)) < 0 ||
		    (r = model_exec(e->m, err,
				    "INSERT INTO units(name, service, machine, container, workload, message)"
				    " VALUES(?, ?, ?, ?, 'waiting', 'waiting for machine')",
				    "ssis", unit, service, model_last_id(e->m), ctr)) < 0)
			return r;
		for (size_t s = 0; s < ARRAY_SIZE(steps); s++)
			if ((r = queue_add(e, unit, steps[s], 0, NULL, err)) < 0)
				return r;
		if ((r = model_query(e->m, &rels, err,
				     "SELECT id FROM relations WHERE dying = 0 AND (svc1 = ?1 OR svc2 = ?1)",
				     "s", service)) < 0)
			return r;
		for (size_t j = 0; j < rels.n && r >= 0; j++)
			r = queue_relation_joins(e, strtoll(mrows_get(&rels, j, 0), NULL, 10), unit, err);
		mrows_clear(&rels);
		if (r < 0)
			return r;
	}
	return model_exec(e->m, err, "UPDATE services SET next_unit = next_unit + ? WHERE name = ?", "is",
			  (int64_t)n, service) < 0
		       ? err_ret(err)
		       : 0;
}

int charm_deploy(struct charm_env *e, const struct charm_deploy_opts *o, struct taper_err *err)
{
	_cleanup_free_ char *dir = NULL, *copy = NULL, *tmp = NULL, *taken = NULL;
	struct charm_meta *c = NULL;
	json_t *vals = NULL;
	const char *service;
	int r;

	if ((r = charm_find(e, o->charm, &dir, err)) < 0)
		return r;
	if ((r = charm_meta_load(dir, &c, err)) < 0)
		return r;
	service = o->service ? o->service : c->name;
	if (!charm_name_valid(service)) {
		r = err_set(err, 0, "service \"%s\": not a service name ([a-z][a-z0-9-]*)", service);
		goto out;
	}
	if (o->n_units < 1) {
		r = err_set(err, 0, "-n %u: a service needs at least one unit", o->n_units);
		goto out;
	}
	if ((r = config_values(c, service, o->config_file, o->config, &vals, err)) < 0)
		goto out;
	if ((r = model_get(e->m, &taken, err, "SELECT name FROM services WHERE name = ?", "s", service)) < 0)
		goto out;
	if (taken) {
		r = err_set(err, EEXIST, "service \"%s\"", service);
		goto out;
	}
	for (unsigned i = 0; i < o->n_units; i++) {
		_cleanup_free_ char *ctr = NULL;

		if (asprintf(&ctr, "%s-%u", service, i) < 0) {
			r = -ENOMEM;
			goto out;
		}
		if (taper_container_exists(e->store, ctr)) {
			r = err_set(err, EEXIST, "unit %s/%u: a container named %s exists already", service,
				    i, ctr);
			goto out;
		}
	}
	/* The service's own copy of the charm, in place before the model
	 * names it. */
	if (asprintf(&copy, "%s/.charm/services/%s", e->store_path, service) < 0 ||
	    asprintf(&tmp, "%s/.charm/services/.%s.tmp", e->store_path, service) < 0) {
		r = -ENOMEM;
		goto out;
	}
	(void)rm_rf_at(AT_FDCWD, tmp);
	(void)rm_rf_at(AT_FDCWD, copy);
	if ((r = copy_tree(c->dir, tmp, err)) < 0)
		goto out;
	if (rename(tmp, copy) < 0) {
		r = err_set(err, errno, "%s", copy);
		goto out;
	}
	if ((r = model_begin(e->m, err)) < 0)
		goto out;
	r = model_exec(e->m, err, "INSERT INTO services(name, charm, series) VALUES(?, ?, ?)", "sss", service,
		       c->name,
		       strcmp(c->base, "busybox") == 0 ? "busybox" : (c->release ? c->release : "debian"));
	for (size_t i = 0; i < c->n_eps && r >= 0; i++)
		r = model_exec(e->m, err,
			       "INSERT INTO endpoints(service, name, role, interface) VALUES(?, ?, ?, ?)",
			       "ssss", service, c->eps[i].name, c->eps[i].role, c->eps[i].interface);
	for (size_t i = 0; i < c->n_opts && r >= 0; i++) {
		json_t *v = json_object_get(vals, c->opts[i].name);

		r = model_exec(
			e->m, err,
			"INSERT INTO options(service, key, type, value, def, description) VALUES(?, ?, ?, ?, ?, ?)",
			"ssssss", service, c->opts[i].name, c->opts[i].type, v ? json_string_value(v) : NULL,
			c->opts[i].def, c->opts[i].description ? c->opts[i].description : "");
	}
	for (size_t i = 0; i < c->n_eps && r >= 0; i++)
		if (strcmp(c->eps[i].role, "peers") == 0)
			r = model_exec(
				e->m, err,
				"INSERT INTO relations(interface, svc1, ep1, svc2, ep2) VALUES(?, ?, ?, ?, ?)",
				"sssss", c->eps[i].interface, service, c->eps[i].name, service,
				c->eps[i].name);
	if (r >= 0)
		r = add_units(e, service, o->n_units, err);
	if (r < 0 || (r = model_commit(e->m, err)) < 0) {
		model_rollback(e->m);
		(void)rm_rf_at(AT_FDCWD, copy);
		goto out;
	}
	env_say(e, "deployed %s (charm %s, %u unit%s)", service, c->name, o->n_units,
		o->n_units == 1 ? "" : "s");
	r = queue_run(e, err);
out:
	json_decref(vals);
	charm_meta_free(c);
	return r;
}

int charm_add_unit(struct charm_env *e, const char *service, unsigned n, struct taper_err *err)
{
	int r;

	if (n < 1)
		return err_set(err, 0, "-n %u: at least one unit", n);
	if ((r = service_exists(e, service, err)) < 0 || (r = model_begin(e->m, err)) < 0)
		return r;
	if ((r = add_units(e, service, n, err)) < 0 || (r = model_commit(e->m, err)) < 0) {
		model_rollback(e->m);
		return r;
	}
	return queue_run(e, err);
}

/* Queue what a unit's leaving means: the other side's -departed, its own
 * -departed and -broken, stop, removal. */
static int queue_unit_leaving(struct charm_env *e, const char *unit, bool hooks, struct taper_err *err)
{
	_cleanup_free_ char *service = NULL;
	struct mrows rels;
	int r;

	if ((r = model_get(e->m, &service, err, "SELECT service FROM units WHERE name = ?", "s", unit)) < 0)
		return r;
	if ((r = model_query(e->m, &rels, err, "SELECT id FROM relations WHERE svc1 = ?1 OR svc2 = ?1", "s",
			     service)) < 0)
		return r;
	for (size_t i = 0; i < rels.n && r >= 0; i++) {
		int64_t id = strtoll(mrows_get(&rels, i, 0), NULL, 10);
		_cleanup_free_ char *ep = NULL, *hook = NULL;
		struct mrows remote;

		if ((r = relation_endpoint(e, id, service, &ep, err)) < 0 ||
		    (r = relation_remote_units(e, id, unit, &remote, err)) < 0)
			break;
		for (size_t j = 0; j < remote.n && r >= 0; j++) {
			_cleanup_free_ char *rsvc = NULL, *rep = NULL, *rhook = NULL;
			const char *v = mrows_get(&remote, j, 0);

			free(hook);
			hook = NULL;
			if ((r = model_get(e->m, &rsvc, err, "SELECT service FROM units WHERE name = ?", "s",
					   v)) < 0 ||
			    (r = relation_endpoint(e, id, rsvc, &rep, err)) < 0)
				break;
			if (asprintf(&rhook, "%s-relation-departed", rep) < 0 ||
			    asprintf(&hook, "%s-relation-departed", ep) < 0) {
				r = -ENOMEM;
				break;
			}
			if ((r = queue_add(e, v, rhook, id, unit, err)) < 0 ||
			    (hooks && (r = queue_add(e, unit, hook, id, v, err)) < 0))
				break;
		}
		mrows_clear(&remote);
		free(hook);
		hook = NULL;
		if (r >= 0 && hooks) {
			if (asprintf(&hook, "%s-relation-broken", ep) < 0)
				r = -ENOMEM;
			else
				r = queue_add(e, unit, hook, id, NULL, err);
		}
	}
	mrows_clear(&rels);
	if (r < 0)
		return r;
	if (hooks && (r = queue_add(e, unit, "stop", 0, NULL, err)) < 0)
		return r;
	if ((r = model_exec(e->m, err, "UPDATE units SET dying = 1 WHERE name = ?", "s", unit)) < 0)
		return r;
	return queue_add(e, unit, STEP_REMOVE, 0, NULL, err);
}

/* A unit in error leaves without its own hooks: its queue is dropped and
 * it is removed at once (the others still hear of it). */
static int unit_leave(struct charm_env *e, const char *unit, struct taper_err *err)
{
	_cleanup_free_ char *agent = NULL;
	bool broken;
	int r;

	if ((r = model_get(e->m, &agent, err, "SELECT agent FROM units WHERE name = ?", "s", unit)) < 0)
		return r;
	if (!agent)
		return err_set(err, ENOENT, "unit \"%s\": no such unit", unit);
	broken = strcmp(agent, "error") == 0;
	if (broken &&
	    ((r = model_exec(e->m, err, "DELETE FROM queue WHERE unit = ?", "s", unit)) < 0 ||
	     (r = model_exec(e->m, err, "UPDATE units SET agent = 'idle' WHERE name = ?", "s", unit)) < 0))
		return r;
	return queue_unit_leaving(e, unit, !broken, err);
}

int charm_remove_unit(struct charm_env *e, const char *unit, struct taper_err *err)
{
	int r;

	if ((r = model_begin(e->m, err)) < 0)
		return r;
	if ((r = unit_leave(e, unit, err)) < 0 || (r = model_commit(e->m, err)) < 0) {
		model_rollback(e->m);
		return r;
	}
	return queue_run(e, err);
}

int charm_destroy_service(struct charm_env *e, const char *service, struct taper_err *err)
{
	struct mrows units;
	int r;

	if ((r = service_exists(e, service, err)) < 0 || (r = model_begin(e->m, err)) < 0)
		return r;
	if ((r = model_exec(e->m, err, "UPDATE services SET dying = 1 WHERE name = ?", "s", service)) < 0 ||
	    (r = model_query(e->m, &units, err, "SELECT name FROM units WHERE service = ? AND dying = 0", "s",
			     service)) < 0)
		goto fail;
	for (size_t i = 0; i < units.n && r >= 0; i++)
		r = unit_leave(e, mrows_get(&units, i, 0), err);
	if (r >= 0 && units.n == 0)
		r = service_forget(e, service, err);
	mrows_clear(&units);
	if (r < 0 || (r = model_commit(e->m, err)) < 0)
		goto fail;
	return queue_run(e, err);
fail:
	model_rollback(e->m);
	return r;
}

int charm_set(struct charm_env *e, const char *service, char *const *kv, struct taper_err *err)
{
	struct charm_meta *c = NULL;
	json_t *vals = NULL, *v;
	struct mrows units;
	const char *k;
	int r, changed = 0;

	if ((r = service_exists(e, service, err)) < 0 || (r = service_meta(e, service, &c, err)) < 0)
		return r;
	if ((r = config_values(c, service, NULL, kv, &vals, err)) < 0)
		goto out;
	if ((r = model_begin(e->m, err)) < 0)
		goto out;
	/* Only the options named: the others keep what they hold. */
	for (char *const *p = kv; *p && r >= 0; p++) {
		_cleanup_free_ char *key = strndup(*p, strcspn(*p, "="));

		if (!key || !(v = json_object_get(vals, key)))
			continue;
		r = model_exec(
			e->m, err,
			"UPDATE options SET value = ?1 WHERE service = ?2 AND key = ?3 AND value IS NOT ?1",
			"sss", json_string_value(v), service, key);
		changed += r > 0 ? r : 0;
	}
	(void)k;
	if (r >= 0 && changed &&
	    (r = model_query(e->m, &units, err, "SELECT name FROM units WHERE service = ? AND dying = 0", "s",
			     service)) >= 0) {
		for (size_t i = 0; i < units.n && r >= 0; i++)
			r = queue_add(e, mrows_get(&units, i, 0), "config-changed", 0, NULL, err);
		mrows_clear(&units);
	}
	if (r < 0 || (r = model_commit(e->m, err)) < 0) {
		model_rollback(e->m);
		goto out;
	}
	r = queue_run(e, err);
out:
	json_decref(vals);
	charm_meta_free(c);
	return r;
}

int charm_get(struct charm_env *e, const char *service, FILE *out, struct taper_err *err)
{
	_cleanup_free_ char *charm = NULL;
	json_t *doc, *settings;
	struct mrows rows;
	int r;

	if (!e->m)
		return err_set(err, ENOENT, "service \"%s\": no such service", service);
	if ((r = service_exists(e, service, err)) < 0 ||
	    (r = model_get(e->m, &charm, err, "SELECT charm FROM services WHERE name = ?", "s", service)) < 0)
		return r;
	if ((r = model_query(
		     e->m, &rows, err,
		     "SELECT key, type, value, def, description FROM options WHERE service = ? ORDER BY key",
		     "s", service)) < 0)
		return r;
	doc = json_object();
	settings = json_object();
	json_object_set_new(doc, "charm", json_string(charm));
	json_object_set_new(doc, "service", json_string(service));
	for (size_t i = 0; i < rows.n; i++) {
		const char *type = mrows_get(&rows, i, 1), *val = mrows_get(&rows, i, 2),
			   *def = mrows_get(&rows, i, 3);
		json_t *o = json_object(), *jv;

		json_object_set_new(o, "description", json_string(mrows_get(&rows, i, 4)));
		json_object_set_new(o, "type", json_string(type));
		if (!val)
			jv = json_null();
		else if (strcmp(type, "int") == 0)
			jv = json_integer(strtoll(val, NULL, 10));
		else if (strcmp(type, "float") == 0)
			jv = json_real(strtod(val, NULL));
		else if (strcmp(type, "boolean") == 0)
			jv = strcmp(val, "true") == 0 ? json_true() : json_false();
		else
			jv = json_string(val);
		json_object_set_new(o, "value", jv);
		if ((!val && !def) || (val && def && strcmp(val, def) == 0))
			json_object_set_new(o, "default", json_true());
		json_object_set_new(settings, mrows_get(&rows, i, 0), o);
	}
	mrows_clear(&rows);
	json_object_set_new(doc, "settings", settings);
	r = yaml_emit(doc, out, err);
	json_decref(doc);
	return r;
}

int charm_resolved(struct charm_env *e, const char *unit, bool retry, struct taper_err *err)
{
	_cleanup_free_ char *agent = NULL, *hook = NULL;
	int r;

	if ((r = model_get(e->m, &agent, err, "SELECT agent FROM units WHERE name = ?", "s", unit)) < 0)
		return r;
	if (!agent)
		return err_set(err, ENOENT, "unit \"%s\": no such unit", unit);
	if (strcmp(agent, "error") != 0)
		return err_set(err, 0, "unit \"%s\" is not in an error state", unit);
	if ((r = model_get(e->m, &hook, err, "SELECT hook FROM units WHERE name = ?", "s", unit)) < 0 ||
	    (r = model_begin(e->m, err)) < 0)
		return r;
	/* Without --retry the failed hook counts as done; the steps of
	 * taper's own (provision, remove) are always retried. */
	if (!retry && hook && hook[0] != '(')
		r = model_exec(
			e->m, err,
			"DELETE FROM queue WHERE id = (SELECT min(id) FROM queue WHERE unit = ? AND hook = ?)",
			"ss", unit, hook);
	if (r >= 0)
		r = model_exec(
			e->m, err,
			"UPDATE units SET agent = 'idle', agent_info = '', hook = NULL, output = NULL WHERE name = ?",
			"s", unit);
	if (r < 0 || (r = model_commit(e->m, err)) < 0) {
		model_rollback(e->m);
		return r;
	}
	return queue_run(e, err);
}
