/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "charm/meta.h"
#include "charm/yamlio.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/strv.h"

static const char *const roles[] = { "provides", "requires", "peers" };
static const char *const types[] = { "string", "int", "float", "boolean" };
static const char *const rel_events[] = { "joined", "changed", "departed", "broken" };
static const char *const plain_hooks[] = { "install",       "config-changed",  "start",
					   "stop",          "upgrade-charm",   "leader-elected",
					   "update-status", "collect-metrics", "leader-settings-changed" };

bool charm_name_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 40 || s[0] < 'a' || s[0] > 'z' || s[n - 1] == '-' || strstr(s, "--"))
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-'))
			return false;
	return true;
}

static bool package_valid(const char *s)
{
	if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')) || strlen(s) < 2)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || strchr("+-.", *s)))
			return false;
	return true;
}

void charm_meta_free(struct charm_meta *c)
{
	if (!c)
		return;
	free(c->dir);
	free(c->name);
	free(c->summary);
	free(c->description);
	free(c->base);
	free(c->release);
	strv_free(c->packages);
	for (size_t i = 0; i < c->n_eps; i++) {
		free(c->eps[i].name);
		free(c->eps[i].role);
		free(c->eps[i].interface);
	}
	free(c->eps);
	for (size_t i = 0; i < c->n_opts; i++) {
		free(c->opts[i].name);
		free(c->opts[i].type);
		free(c->opts[i].def);
		free(c->opts[i].description);
	}
	free(c->opts);
	free(c);
}

const struct charm_endpoint *charm_meta_endpoint(const struct charm_meta *c, const char *name)
{
	for (size_t i = 0; i < c->n_eps; i++)
		if (strcmp(c->eps[i].name, name) == 0)
			return &c->eps[i];
	return NULL;
}

const struct charm_option *charm_meta_option(const struct charm_meta *c, const char *name)
{
	for (size_t i = 0; i < c->n_opts; i++)
		if (strcmp(c->opts[i].name, name) == 0)
			return &c->opts[i];
	return NULL;
}

int charm_value_check(const char *type, const char *value, char **ret, struct taper_err *err)
{
	static const char *const yes[] = { "true", "yes", "on", "True", "Yes", "On", "TRUE", "YES", "ON" };
	static const char *const no[] = { "false", "no", "off", "False", "No", "Off", "FALSE", "NO", "OFF" };
	char *end;

	if (strcmp(type, "int") == 0) {
		errno = 0;
		(void)strtoll(value, &end, 10);
		if (!*value || *end || errno)
			return err_set(err, 0, "\"%s\" is not an int", value);
	} else if (strcmp(type, "float") == 0) {
		double d;

		errno = 0;
		d = strtod(value, &end);
		if (!*value || *end || errno || !isfinite(d))
			return err_set(err, 0, "\"%s\" is not a float", value);
	} else if (strcmp(type, "boolean") == 0) {
		for (size_t i = 0; i < ARRAY_SIZE(yes); i++)
			if (strcmp(value, yes[i]) == 0)
				return (*ret = strdup("true")) ? 0 : -ENOMEM;
		for (size_t i = 0; i < ARRAY_SIZE(no); i++)
			if (strcmp(value, no[i]) == 0)
				return (*ret = strdup("false")) ? 0 : -ENOMEM;
		return err_set(err, 0, "\"%s\" is not a boolean (true or false)", value);
	}
	return (*ret = strdup(value)) ? 0 : -ENOMEM;
}

/* A string field: absent is fine (NULL), anything but a scalar is not. */
static int get_string(json_t *obj, const char *key, const char *file, const char *field, char **ret,
		      struct taper_err *err)
{
	json_t *v = json_object_get(obj, key);

	*ret = NULL;
	if (!v)
		return 0;
	if (!json_is_string(v))
		return err_set(err, 0, "%s: %s: not a string", file, field);
	return (*ret = strdup(json_string_value(v))) ? 0 : -ENOMEM;
}

static int load_endpoints(struct charm_meta *c, json_t *md, const char *file, struct taper_err *err)
{
	for (size_t r = 0; r < ARRAY_SIZE(roles); r++) {
		json_t *map = json_object_get(md, roles[r]), *v;
		const char *name;

		if (!map)
			continue;
		if (!json_is_object(map))
			return err_set(err, 0, "%s: %s: not a mapping of endpoints", file, roles[r]);
		json_object_foreach (map, name, v) {
			struct charm_endpoint *eps;
			json_t *iface = json_is_object(v) ? json_object_get(v, "interface") : v;

			if (!charm_name_valid(name) || strncmp(name, "juju", 4) == 0)
				return err_set(err, 0, "%s: %s.%s: not a valid endpoint name", file, roles[r],
					       name);
			if (charm_meta_endpoint(c, name))
				return err_set(err, 0, "%s: %s.%s: endpoint named twice", file, roles[r],
					       name);
			if (!iface || !json_is_string(iface))
				return err_set(err, 0, "%s: %s.%s.interface: missing", file, roles[r], name);
			if (!charm_name_valid(json_string_value(iface)) ||
			    strncmp(json_string_value(iface), "juju", 4) == 0)
				return err_set(err, 0, "%s: %s.%s.interface: unknown interface \"%s\"", file,
					       roles[r], name, json_string_value(iface));
			if (!(eps = realloc(c->eps, (c->n_eps + 1) * sizeof(*eps))))
				return -ENOMEM;
			c->eps = eps;
			/* cppcheck-suppress nullPointerRedundantCheck ; the loop's keys are never NULL */
			eps[c->n_eps].name = strdup(name);
			eps[c->n_eps].role = strdup(roles[r]);
			eps[c->n_eps].interface = strdup(json_string_value(iface));
			c->n_eps++; /* freed whole by charm_meta_free() from here */
			if (!eps[c->n_eps - 1].name || !eps[c->n_eps - 1].role ||
			    !eps[c->n_eps - 1].interface)
				return -ENOMEM;
		}
	}
	return 0;
}

static int load_metadata(struct charm_meta *c, const char *label, struct taper_err *err)
{
	_cleanup_free_ char *path = NULL, *file = NULL, *base = NULL;
	json_t *md = NULL, *pk;
	int r;

	if (asprintf(&path, "%s/metadata.yaml", c->dir) < 0 || asprintf(&file, "%s/metadata.yaml", label) < 0)
		return -ENOMEM;
	if ((r = yaml_parse_file(path, file, &md, err)) < 0)
		return r;
	if (!json_is_object(md)) {
		r = err_set(err, 0, "%s: not a mapping", file);
		goto out;
	}
	if ((r = get_string(md, "name", file, "name", &c->name, err)) < 0 ||
	    (r = get_string(md, "summary", file, "summary", &c->summary, err)) < 0 ||
	    (r = get_string(md, "description", file, "description", &c->description, err)) < 0 ||
	    (r = get_string(md, "base", file, "base", &base, err)) < 0)
		goto out;
	if (!c->name) {
		r = err_set(err, 0, "%s: name: missing", file);
		goto out;
	}
	if (!charm_name_valid(c->name)) {
		r = err_set(err, 0, "%s: name: \"%s\" is not a charm name ([a-z][a-z0-9-]*)", file, c->name);
		goto out;
	}
	if (!base || strcmp(base, "busybox") == 0) {
		c->base = strdup("busybox");
	} else if (strcmp(base, "debian") == 0) {
		c->base = strdup("debian");
	} else if (strncmp(base, "debian/", 7) == 0 && charm_name_valid(base + 7)) {
		c->base = strdup("debian");
		c->release = strdup(base + 7);
	} else {
		r = err_set(err, 0, "%s: base: \"%s\" is not busybox, debian or debian/RELEASE", file, base);
		goto out;
	}
	if (!(c->packages = calloc(1, sizeof(char *)))) {
		r = -ENOMEM;
		goto out;
	}
	if ((pk = json_object_get(md, "packages"))) {
		size_t i;
		json_t *v;

		if (!json_is_array(pk)) {
			r = err_set(err, 0, "%s: packages: not a list", file);
			goto out;
		}
		json_array_foreach (pk, i, v) {
			if (!json_is_string(v) || !package_valid(json_string_value(v))) {
				r = err_set(err, 0, "%s: packages[%zu]: not a Debian package name", file, i);
				goto out;
			}
			if (strv_extend(&c->packages, json_string_value(v)) < 0) {
				r = -ENOMEM;
				goto out;
			}
		}
		if (i > 0 && strcmp(c->base, "busybox") == 0) {
			r = err_set(err, 0, "%s: packages: the busybox base installs no packages", file);
			goto out;
		}
	}
	r = load_endpoints(c, md, file, err);
out:
	json_decref(md);
	return r;
}

static int load_config(struct charm_meta *c, const char *label, struct taper_err *err)
{
	_cleanup_free_ char *path = NULL, *file = NULL;
	json_t *cf = NULL, *opts, *v;
	const char *name;
	int r;

	if (asprintf(&path, "%s/config.yaml", c->dir) < 0 || asprintf(&file, "%s/config.yaml", label) < 0)
		return -ENOMEM;
	if (access(path, F_OK) < 0)
		return 0;
	if ((r = yaml_parse_file(path, file, &cf, err)) < 0)
		return r;
	opts = json_object_get(cf, "options");
	if (!json_is_object(cf) || (opts && !json_is_object(opts))) {
		r = err_set(err, 0, "%s: options: not a mapping", file);
		goto out;
	}
	r = 0;
	json_object_foreach (opts, name, v) {
		struct charm_option *o, *n;
		size_t t;

		if (!(n = realloc(c->opts, (c->n_opts + 1) * sizeof(*n)))) {
			r = -ENOMEM;
			goto out;
		}
		c->opts = n;
		o = &c->opts[c->n_opts++];
		*o = (struct charm_option){ .name = strdup(name) };
		if (!json_is_object(v)) {
			r = err_set(err, 0, "%s: options.%s: not a mapping", file, name);
			goto out;
		}
		if ((r = get_string(v, "type", file, "type", &o->type, err)) < 0 ||
		    (r = get_string(v, "description", file, "description", &o->description, err)) < 0)
			goto out;
		if (!o->type && !(o->type = strdup("string"))) {
			r = -ENOMEM;
			goto out;
		}
		for (t = 0; t < ARRAY_SIZE(types) && strcmp(types[t], o->type) != 0; t++)
			;
		if (t == ARRAY_SIZE(types)) {
			r = err_set(err, 0,
				    "%s: options.%s.type: \"%s\" is not string, int, float or boolean", file,
				    name, o->type);
			goto out;
		}
		if (json_object_get(v, "default")) {
			json_t *d = json_object_get(v, "default");

			if (!json_is_string(d)) {
				r = err_set(err, 0, "%s: options.%s.default: not a scalar", file, name);
				goto out;
			}
			if ((r = charm_value_check(o->type, json_string_value(d), &o->def, err)) < 0) {
				err_wrap(err, "%s: options.%s.default", file, name);
				goto out;
			}
		}
	}
out:
	json_decref(cf);
	return r;
}

/* "db-relation-joined" -> "db" when the event is one of the four. */
static bool relation_hook(const char *hook, char *ep, size_t n)
{
	const char *p = strstr(hook, "-relation-");

	if (!p || (size_t)(p - hook) >= n)
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(rel_events); i++)
		if (strcmp(p + strlen("-relation-"), rel_events[i]) == 0) {
			memcpy(ep, hook, (size_t)(p - hook));
			ep[p - hook] = '\0';
			return true;
		}
	return false;
}

static int check_hooks(struct charm_meta *c, const char *label, struct taper_err *err)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;

	if (asprintf(&path, "%s/hooks", c->dir) < 0)
		return -ENOMEM;
	if (!(d = opendir(path)))
		return errno == ENOENT ? 0 : err_set(err, errno, "%s/hooks", label);
	while ((de = readdir(d))) {
		struct stat st;
		char ep[64];
		bool known = false;

		if (de->d_name[0] == '.')
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, 0) < 0)
			return err_set(err, errno, "%s/hooks/%s", label, de->d_name);
		if (!S_ISREG(st.st_mode))
			continue;
		for (size_t i = 0; i < ARRAY_SIZE(plain_hooks); i++)
			known |= strcmp(de->d_name, plain_hooks[i]) == 0;
		if (!known && relation_hook(de->d_name, ep, sizeof(ep))) {
			if (!charm_meta_endpoint(c, ep))
				return err_set(err, 0, "%s/hooks/%s: no endpoint \"%s\" in metadata.yaml",
					       label, de->d_name, ep);
			known = true;
		}
		if (known && (st.st_mode & 0111) != 0111)
			return err_set(err, 0, "%s/hooks/%s: not executable (mode %03o)", label, de->d_name,
				       st.st_mode & 0777);
	}
	return 0;
}

int charm_meta_load(const char *dir, struct charm_meta **ret, struct taper_err *err)
{
	_cleanup_(charm_meta_freep) struct charm_meta *c = NULL;
	char real[PATH_MAX];
	const char *label = dir;
	int r;

	if (!realpath(dir, real))
		return err_set(err, errno, "charm %s", dir);
	if (!(c = calloc(1, sizeof(*c))) || !(c->dir = strdup(real)))
		return -ENOMEM;
	if ((r = load_metadata(c, label, err)) < 0 || (r = load_config(c, label, err)) < 0 ||
	    (r = check_hooks(c, label, err)) < 0)
		return r;
	*ret = TAKE_PTR(c);
	return 0;
}
