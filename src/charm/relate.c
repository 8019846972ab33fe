/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * relate.c — relations and exposure. A relation joins a provides endpoint
 * of one service to a requires endpoint of another with the same
 * interface; when the words given leave more than one such pair, or none,
 * the refusal names the candidates.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "charm/internal.h"
#include "util/cleanup.h"
#include "util/err.h"

struct side {
	char svc[64];
	const char *ep; /* NULL: any */
};

static int parse_side(const char *s, struct side *ret, struct taper_err *err)
{
	const char *colon = strchr(s, ':');
	size_t n = colon ? (size_t)(colon - s) : strlen(s);

	if (n == 0 || n >= sizeof(ret->svc) || (colon && !colon[1]))
		return err_set(err, 0, "\"%s\": expected SERVICE or SERVICE:ENDPOINT", s);
	memcpy(ret->svc, s, n);
	ret->svc[n] = '\0';
	ret->ep = colon ? colon + 1 : NULL;
	return 0;
}

/* The endpoint pairs (provides/requires, same interface) two sides allow. */
static int candidates(struct charm_env *e, const struct side *a, const struct side *b, struct mrows *ret,
		      struct taper_err *err)
{
	return model_query(
		e->m, ret, err,
		"SELECT x.service, x.name, y.service, y.name, x.interface FROM endpoints x, endpoints y"
		" WHERE x.service = ?1 AND (?2 IS NULL OR x.name = ?2) AND y.service = ?3"
		" AND (?4 IS NULL OR y.name = ?4) AND x.interface = y.interface"
		" AND ((x.role = 'provides' AND y.role = 'requires') OR (x.role = 'requires' AND y.role = 'provides'))"
		" ORDER BY x.name, y.name",
		"ssss", a->svc, a->ep, b->svc, b->ep);
}

static int endpoints_text(struct charm_env *e, const char *svc, char *buf, size_t n)
{
	struct taper_err err = { 0 };
	struct mrows rows;
	size_t len = 0;

	buf[0] = '\0';
	if (model_query(e->m, &rows, &err,
			"SELECT name, role, interface FROM endpoints WHERE service = ? ORDER BY name", "s",
			svc) < 0)
		return -EIO;
	for (size_t i = 0; i < rows.n && len < n; i++)
		len += (size_t)snprintf(buf + len, n - len, "%s%s:%s (%s %s)", i ? ", " : "", svc,
					mrows_get(&rows, i, 0), mrows_get(&rows, i, 1),
					mrows_get(&rows, i, 2));
	if (rows.n == 0)
		snprintf(buf, n, "%s has no endpoints", svc);
	mrows_clear(&rows);
	return 0;
}

static int check_services(struct charm_env *e, const struct side *a, const struct side *b,
			  struct taper_err *err)
{
	const struct side *s[2] = { a, b };

	for (int i = 0; i < 2; i++) {
		_cleanup_free_ char *x = NULL;
		int r = model_get(e->m, &x, err, "SELECT name FROM services WHERE name = ? AND dying = 0",
				  "s", s[i]->svc);

		if (r < 0)
			return r;
		if (!x)
			return err_set(err, ENOENT, "service \"%s\": no such service", s[i]->svc);
	}
	if (strcmp(a->svc, b->svc) == 0)
		return err_set(err, 0, "%s: a service relates to itself through its peers only", a->svc);
	return 0;
}

int charm_relate(struct charm_env *e, const char *as, const char *bs, struct taper_err *err)
{
	_cleanup_free_ char *dup = NULL;
	struct side a, b;
	struct mrows c;
	int r;

	if ((r = parse_side(as, &a, err)) < 0 || (r = parse_side(bs, &b, err)) < 0 ||
	    (r = check_services(e, &a, &b, err)) < 0)
		return r;
	if ((r = candidates(e, &a, &b, &c, err)) < 0)
		return r;
	if (c.n != 1) {
		char ea[1024], eb[1024], list[2048] = "";
		size_t len = 0;

		for (size_t i = 0; i < c.n && len < sizeof(list); i++)
			len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s:%s %s:%s",
						i ? ", " : "", mrows_get(&c, i, 0), mrows_get(&c, i, 1),
						mrows_get(&c, i, 2), mrows_get(&c, i, 3));
		endpoints_text(e, a.svc, ea, sizeof(ea));
		endpoints_text(e, b.svc, eb, sizeof(eb));
		r = c.n == 0
			    ? err_set(err, 0,
				      "no relation between %s and %s: no provides/requires pair shares an interface (%s; %s)",
				      as, bs, ea, eb)
			    : err_set(err, 0, "ambiguous relation %s %s: could be %s (name the endpoints)",
				      as, bs, list);
		mrows_clear(&c);
		return r;
	}
	if ((r = model_get(
		     e->m, &dup, err,
		     "SELECT id FROM relations WHERE dying = 0 AND ((svc1 = ?1 AND ep1 = ?2 AND svc2 = ?3 AND ep2 = ?4)"
		     " OR (svc1 = ?3 AND ep1 = ?4 AND svc2 = ?1 AND ep2 = ?2))",
		     "ssss", mrows_get(&c, 0, 0), mrows_get(&c, 0, 1), mrows_get(&c, 0, 2),
		     mrows_get(&c, 0, 3))) < 0)
		goto out;
	if (dup) {
		r = err_set(err, EEXIST, "relation %s:%s %s:%s", mrows_get(&c, 0, 0), mrows_get(&c, 0, 1),
			    mrows_get(&c, 0, 2), mrows_get(&c, 0, 3));
		goto out;
	}
	if ((r = model_begin(e->m, err)) < 0)
		goto out;
	if ((r = model_exec(e->m, err,
			    "INSERT INTO relations(interface, svc1, ep1, svc2, ep2) VALUES(?, ?, ?, ?, ?)",
			    "sssss", mrows_get(&c, 0, 4), mrows_get(&c, 0, 0), mrows_get(&c, 0, 1),
			    mrows_get(&c, 0, 2), mrows_get(&c, 0, 3))) < 0 ||
	    (r = queue_relation_joins(e, model_last_id(e->m), NULL, err)) < 0 ||
	    (r = model_commit(e->m, err)) < 0) {
		model_rollback(e->m);
		goto out;
	}
	env_say(e, "related %s:%s and %s:%s (%s)", mrows_get(&c, 0, 0), mrows_get(&c, 0, 1),
		mrows_get(&c, 0, 2), mrows_get(&c, 0, 3), mrows_get(&c, 0, 4));
	mrows_clear(&c);
	return queue_run(e, err);
out:
	mrows_clear(&c);
	return r;
}

int charm_unrelate(struct charm_env *e, const char *as, const char *bs, struct taper_err *err)
{
	struct side a, b;
	struct mrows rel, units;
	int r;

	if ((r = parse_side(as, &a, err)) < 0 || (r = parse_side(bs, &b, err)) < 0 ||
	    (r = check_services(e, &a, &b, err)) < 0)
		return r;
	if ((r = model_query(
		     e->m, &rel, err,
		     "SELECT id, svc1, ep1, svc2, ep2 FROM relations WHERE dying = 0 AND"
		     " ((svc1 = ?1 AND (?2 IS NULL OR ep1 = ?2) AND svc2 = ?3 AND (?4 IS NULL OR ep2 = ?4)) OR"
		     "  (svc1 = ?3 AND (?4 IS NULL OR ep1 = ?4) AND svc2 = ?1 AND (?2 IS NULL OR ep2 = ?2)))",
		     "ssss", a.svc, a.ep, b.svc, b.ep)) < 0)
		return r;
	if (rel.n != 1) {
		r = err_set(err, rel.n ? 0 : ENOENT, "relation %s %s%s", as, bs,
			    rel.n ? ": more than one, name the endpoints" : "");
		mrows_clear(&rel);
		return r;
	}
	int64_t id = strtoll(mrows_get(&rel, 0, 0), NULL, 10);

	if ((r = model_begin(e->m, err)) < 0)
		goto out;
	/* Every unit on each side: -departed for each one on the other,
	 * then -broken. */
	for (int side = 0; side < 2 && r >= 0; side++) {
		const char *svc = mrows_get(&rel, 0, side ? 3 : 1), *ep = mrows_get(&rel, 0, side ? 4 : 2);

		if ((r = model_query(e->m, &units, err,
				     "SELECT name FROM units WHERE service = ? AND dying = 0 ORDER BY rowid",
				     "s", svc)) < 0)
			break;
		for (size_t i = 0; i < units.n && r >= 0; i++) {
			_cleanup_free_ char *dep = NULL, *brk = NULL;
			struct mrows remote;

			if (asprintf(&dep, "%s-relation-departed", ep) < 0 ||
			    asprintf(&brk, "%s-relation-broken", ep) < 0) {
				r = -ENOMEM;
				break;
			}
			if ((r = relation_remote_units(e, id, mrows_get(&units, i, 0), &remote, err)) < 0)
				break;
			for (size_t j = 0; j < remote.n && r >= 0; j++)
				r = queue_add(e, mrows_get(&units, i, 0), dep, id, mrows_get(&remote, j, 0),
					      err);
			mrows_clear(&remote);
			if (r >= 0)
				r = queue_add(e, mrows_get(&units, i, 0), brk, id, NULL, err);
		}
		mrows_clear(&units);
	}
	if (r < 0 ||
	    (r = model_exec(e->m, err, "UPDATE relations SET dying = 1 WHERE id = ?", "i", id)) < 0 ||
	    (r = model_commit(e->m, err)) < 0) {
		model_rollback(e->m);
		goto out;
	}
	mrows_clear(&rel);
	return queue_run(e, err);
out:
	mrows_clear(&rel);
	return r;
}

int charm_expose(struct charm_env *e, const char *service, bool expose, struct taper_err *err)
{
	_cleanup_free_ char *x = NULL;
	struct mrows units;
	int r;

	if ((r = model_get(e->m, &x, err, "SELECT name FROM services WHERE name = ? AND dying = 0", "s",
			   service)) < 0)
		return r;
	if (!x)
		return err_set(err, ENOENT, "service \"%s\": no such service", service);
	if ((r = model_exec(e->m, err, "UPDATE services SET exposed = ? WHERE name = ?", "is",
			    (int64_t)expose, service)) < 0 ||
	    (r = model_query(e->m, &units, err, "SELECT name FROM units WHERE service = ? ORDER BY rowid",
			     "s", service)) < 0)
		return r;
	for (size_t i = 0; i < units.n && r >= 0; i++)
		r = ports_sync(e, mrows_get(&units, i, 0), err);
	mrows_clear(&units);
	return r < 0 ? r : 0;
}
