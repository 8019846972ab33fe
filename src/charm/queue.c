/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * queue.c — the hook queue: one FIFO for the whole model, a unit's steps
 * in the order they were queued; a unit in error holds only its own.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "charm/internal.h"
#include "util/cleanup.h"
#include "util/err.h"

int relation_endpoint(struct charm_env *e, int64_t id, const char *service, char **ret, struct taper_err *err)
{
	return model_get(
		e->m, ret, err,
		"SELECT CASE WHEN svc1 = ?2 THEN ep1 WHEN svc2 = ?2 THEN ep2 END FROM relations WHERE id = ?1",
		"is", id, service);
}

int relation_remote_units(struct charm_env *e, int64_t id, const char *unit, struct mrows *ret,
			  struct taper_err *err)
{
	return model_query(e->m, ret, err,
			   "SELECT u.name FROM relations r, units me, units u WHERE r.id = ?1 AND r.dying = 0"
			   " AND me.name = ?2 AND u.dying = 0 AND u.name != ?2"
			   " AND u.service = CASE WHEN r.svc1 = me.service THEN r.svc2 ELSE r.svc1 END"
			   " ORDER BY u.service, CAST(substr(u.name, instr(u.name, '/') + 1) AS INTEGER)",
			   "is", id, unit);
}

int queue_add(struct charm_env *e, const char *unit, const char *hook, int64_t relation, const char *remote,
	      struct taper_err *err)
{
	int r = model_exec(
		e->m, err,
		"INSERT INTO queue(unit, hook, relation, remote) SELECT ?1, ?2, ?3, ?4 WHERE NOT EXISTS"
		" (SELECT 1 FROM queue q JOIN units u ON u.name = q.unit WHERE q.unit = ?1 AND q.hook = ?2"
		"  AND q.relation IS ?3 AND q.remote IS ?4 AND u.hook IS NOT q.hook)",
		"ssis", unit, hook, relation, remote);

	return r < 0 ? r : 0;
}

int queue_relation_joins(struct charm_env *e, int64_t id, const char *unit, struct taper_err *err)
{
	struct mrows rel, a, b;
	bool peer;
	int r;

	if ((r = model_query(e->m, &rel, err, "SELECT svc1, ep1, svc2, ep2 FROM relations WHERE id = ?", "i",
			     id)) <= 0)
		return r;
	peer = strcmp(mrows_get(&rel, 0, 0), mrows_get(&rel, 0, 2)) == 0;
	if ((r = model_query(e->m, &a, err,
			     "SELECT name FROM units WHERE service = ? AND dying = 0 ORDER BY rowid", "s",
			     mrows_get(&rel, 0, 0))) < 0)
		goto out_rel;
	if ((r = model_query(e->m, &b, err,
			     "SELECT name FROM units WHERE service = ? AND dying = 0 ORDER BY rowid", "s",
			     mrows_get(&rel, 0, 2))) < 0)
		goto out_a;
	for (size_t i = 0; i < a.n && r >= 0; i++)
		for (size_t j = 0; j < b.n && r >= 0; j++) {
			const char *u = mrows_get(&a, i, 0), *v = mrows_get(&b, j, 0);
			_cleanup_free_ char *uj = NULL, *uc = NULL, *vj = NULL, *vc = NULL;

			if (strcmp(u, v) == 0 || (unit && strcmp(u, unit) != 0 && strcmp(v, unit) != 0))
				continue;
			if (asprintf(&uj, "%s-relation-joined", mrows_get(&rel, 0, 1)) < 0 ||
			    asprintf(&uc, "%s-relation-changed", mrows_get(&rel, 0, 1)) < 0 ||
			    asprintf(&vj, "%s-relation-joined", mrows_get(&rel, 0, 3)) < 0 ||
			    asprintf(&vc, "%s-relation-changed", mrows_get(&rel, 0, 3)) < 0) {
				r = -ENOMEM;
				break;
			}
			if ((r = queue_add(e, u, uj, id, v, err)) < 0 ||
			    (r = queue_add(e, u, uc, id, v, err)) < 0)
				break;
			/* A peer pair comes round again as (v, u). */
			if (!peer && ((r = queue_add(e, v, vj, id, u, err)) < 0 ||
				      (r = queue_add(e, v, vc, id, u, err)) < 0))
				break;
		}
	mrows_clear(&b);
out_a:
	mrows_clear(&a);
out_rel:
	mrows_clear(&rel);
	return r < 0 ? r : 0;
}

/* Relations being removed whose last hooks have run, and what they held. */
static int reap_relations(struct charm_env *e, struct taper_err *err)
{
	int r;

	if ((r = model_exec(e->m, err,
			    "DELETE FROM settings WHERE relation IN (SELECT id FROM relations WHERE dying = 1"
			    " AND id NOT IN (SELECT relation FROM queue WHERE relation IS NOT NULL))",
			    NULL)) < 0)
		return r;
	return model_exec(e->m, err,
			  "DELETE FROM relations WHERE dying = 1"
			  " AND id NOT IN (SELECT relation FROM queue WHERE relation IS NOT NULL)",
			  NULL);
}

int queue_run(struct charm_env *e, struct taper_err *err)
{
	struct taper_err first = { 0 };
	int r;

	if ((r = model_exec(e->m, err, "DELETE FROM queue WHERE unit NOT IN (SELECT name FROM units)",
			    NULL)) < 0)
		return r;
	for (int n = 0;; n++) {
		_cleanup_free_ char *id = NULL;

		if ((r = reap_relations(e, err)) < 0)
			return r;
		if ((r = model_get(
			     e->m, &id, err,
			     "SELECT q.id FROM queue q JOIN units u ON u.name = q.unit WHERE u.agent != 'error'"
			     " ORDER BY q.id LIMIT 1",
			     NULL)) < 0)
			return r;
		if (!id)
			break;
		if (n == MAX_HOOKS)
			return err_set(err, 0,
				       "%d hooks ran and more are queued: relation settings do not settle",
				       MAX_HOOKS);
		r = hook_run(e, strtoll(id, NULL, 10), err);
		if (r < 0)
			return r;
		if (r > 0 && !first.msg[0])
			first = *err;
		taper_err_clear(err);
	}
	if (first.msg[0]) {
		return err_set(err, 0, "%s (see taper status and taper debug-log)", first.msg);
	}
	return 0;
}
