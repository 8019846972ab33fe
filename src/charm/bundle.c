/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bundle.c — `taper deploy --bundle FILE`: services (charm, num_units,
 * options, expose), relations, from one YAML file (Juju's bundle format,
 * "services" or "applications"). Every charm and option is checked before
 * anything is deployed; services go in dependency order (a service after
 * those providing what it requires), then the relations, then exposure.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "charm/internal.h"
#include "charm/yamlio.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/strv.h"

struct bsvc {
	const char *name;
	char *dir;
	struct charm_meta *meta;
	char **config; /* K=V */
	unsigned units;
	bool expose;
	bool done;
};

static void bsvcs_free(struct bsvc *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].dir);
		charm_meta_free(v[i].meta);
		strv_free(v[i].config);
	}
	free(v);
}

static struct bsvc *find(struct bsvc *v, size_t n, const char *side)
{
	size_t len = strcspn(side, ":");

	for (size_t i = 0; i < n; i++)
		if (strlen(v[i].name) == len && strncmp(v[i].name, side, len) == 0)
			return &v[i];
	return NULL;
}

/* Does a require b (an endpoint of a requires an interface b provides)? */
static bool requires(const struct bsvc *a, const struct bsvc *b)
{
	for (size_t i = 0; i < a->meta->n_eps; i++)
		for (size_t j = 0; j < b->meta->n_eps; j++)
			if (strcmp(a->meta->eps[i].role, "requires") == 0 &&
			    strcmp(b->meta->eps[j].role, "provides") == 0 &&
			    strcmp(a->meta->eps[i].interface, b->meta->eps[j].interface) == 0)
				return true;
	return false;
}

/* "cs:trusty/mysql-1", "local:mysql", "mysql": the name is what counts;
 * a path stays a path. */
static char *charm_ref(const char *cs)
{
	const char *p = cs;
	char *name, *dash;

	if (cs[0] == '.' || cs[0] == '/')
		return strdup(cs);
	if (strchr(p, ':'))
		p = strchr(p, ':') + 1;
	if (strrchr(p, '/'))
		p = strrchr(p, '/') + 1;
	if (!(name = strdup(p)))
		return NULL;
	if ((dash = strrchr(name, '-')) && dash[1] && strspn(dash + 1, "0123456789") == strlen(dash + 1))
		*dash = '\0';
	return name;
}

static int parse_services(struct charm_env *e, const char *file, json_t *svcs, struct bsvc **ret,
			  size_t *ret_n, struct taper_err *err)
{
	struct bsvc *v = calloc(json_object_size(svcs) + 1, sizeof(*v));
	const char *name;
	json_t *s;
	size_t n = 0;
	int r = 0;

	if (!v)
		return -ENOMEM;
	json_object_foreach (svcs, name, s) {
		struct bsvc *b = &v[n++];
		json_t *charm = json_object_get(s, "charm"), *units = json_object_get(s, "num_units"),
		       *opts = json_object_get(s, "options"), *expose = json_object_get(s, "expose"), *ov;
		const char *k;

		b->name = name;
		b->units = 1;
		if (!json_is_object(s) || !json_is_string(charm)) {
			r = err_set(err, 0, "%s: services.%s.charm: missing", file, name);
			break;
		}
		if (units) {
			char *end;
			long u = json_is_string(units) ? strtol(json_string_value(units), &end, 10) : -1;

			if (u < 1 || u > 100 || *end) {
				r = err_set(err, 0,
					    "%s: services.%s.num_units: not a number of units (1-100)", file,
					    name);
				break;
			}
			b->units = (unsigned)u;
		}
		if (expose)
			b->expose =
				json_is_string(expose) && (strcmp(json_string_value(expose), "true") == 0 ||
							   strcmp(json_string_value(expose), "yes") == 0);
		_cleanup_free_ char *cname = charm_ref(json_string_value(charm));

		if (!cname) {
			r = -ENOMEM;
			break;
		}
		if ((r = charm_find(e, cname, &b->dir, err)) < 0 ||
		    (r = charm_meta_load(b->dir, &b->meta, err)) < 0) {
			err_wrap(err, "%s: services.%s", file, name);
			break;
		}
		if (!(b->config = calloc(1, sizeof(char *)))) {
			r = -ENOMEM;
			break;
		}
		if (opts && !json_is_object(opts)) {
			r = err_set(err, 0, "%s: services.%s.options: not a mapping", file, name);
			break;
		}
		json_object_foreach (opts, k, ov) {
			_cleanup_free_ char *norm = NULL;
			const struct charm_option *o = charm_meta_option(b->meta, k);

			if (!o) {
				r = err_set(err, 0,
					    "%s: services.%s.options.%s: no such option in %s/config.yaml",
					    file, name, k, b->meta->name);
				break;
			}
			if (!json_is_string(ov) ||
			    (r = charm_value_check(o->type, json_string_value(ov), &norm, err)) < 0) {
				if (!json_is_string(ov))
					r = err_set(err, 0, "not a scalar");
				err_wrap(err, "%s: services.%s.options.%s (%s)", file, name, k, o->type);
				break;
			}
			if (strv_pushf(&b->config, "%s=%s", k, norm) < 0) {
				r = -ENOMEM;
				break;
			}
		}
		if (r < 0)
			break;
	}
	if (r < 0) {
		bsvcs_free(v, n);
		return r;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

int charm_deploy_bundle(struct charm_env *e, const char *file, struct taper_err *err)
{
	json_t *doc = NULL, *svcs, *rels;
	struct bsvc *v = NULL;
	size_t n = 0, i;
	json_t *rel;
	int r;

	if ((r = yaml_parse_file(file, file, &doc, err)) < 0)
		return r;
	svcs = json_object_get(doc, "services");
	if (!svcs)
		svcs = json_object_get(doc, "applications");
	rels = json_object_get(doc, "relations");
	if (!json_is_object(svcs)) {
		r = err_set(err, 0, "%s: services: missing or not a mapping", file);
		goto out;
	}
	if (rels && !json_is_array(rels)) {
		r = err_set(err, 0, "%s: relations: not a list", file);
		goto out;
	}
	if ((r = parse_services(e, file, svcs, &v, &n, err)) < 0)
		goto out;
	json_array_foreach (rels, i, rel) {
		for (size_t k = 0; k < 2; k++) {
			json_t *side = json_array_get(rel, k);

			if (!json_is_array(rel) || json_array_size(rel) != 2 || !json_is_string(side) ||
			    !find(v, n, json_string_value(side))) {
				r = err_set(
					err, 0,
					"%s: relations[%zu]: expected [SERVICE[:ENDPOINT], SERVICE[:ENDPOINT]] of the bundle's services",
					file, i);
				goto out;
			}
		}
	}
	/* Dependency order: a service whose related providers are all
	 * deployed goes next; a cycle falls back to the file's order. */
	for (size_t done = 0; done < n;) {
		struct bsvc *next = NULL;

		for (size_t a = 0; a < n && !next; a++) {
			bool ready = !v[a].done;

			json_array_foreach (rels, i, rel) {
				struct bsvc *x = find(v, n, json_string_value(json_array_get(rel, 0))),
					    *y = find(v, n, json_string_value(json_array_get(rel, 1)));
				struct bsvc *other = x == &v[a] ? y : (y == &v[a] ? x : NULL);

				if (ready && other && !other->done && requires(&v[a], other))
					ready = false;
			}
			if (ready)
				next = &v[a];
		}
		for (size_t a = 0; a < n && !next; a++)
			if (!v[a].done)
				next = &v[a];
		struct charm_deploy_opts o = { .charm = next->dir,
					       .service = next->name,
					       .n_units = next->units,
					       .config = next->config };

		if ((r = charm_deploy(e, &o, err)) < 0) {
			err_wrap(err, "%s: %s", file, next->name);
			goto out;
		}
		next->done = true;
		done++;
	}
	json_array_foreach (rels, i, rel) {
		if ((r = charm_relate(e, json_string_value(json_array_get(rel, 0)),
				      json_string_value(json_array_get(rel, 1)), err)) < 0)
			goto out;
	}
	for (size_t a = 0; a < n; a++)
		if (v[a].expose && (r = charm_expose(e, v[a].name, true, err)) < 0)
			goto out;
out:
	bsvcs_free(v, n);
	json_decref(doc);
	return r;
}
