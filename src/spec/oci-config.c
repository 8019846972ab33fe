/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * oci-config.c — config.json into a struct taper_spec: the walker, the
 * value readers, the top level, root and hooks, and the entry points
 * (oci-process.c, oci-mounts.c, oci-linux.c, oci-resources.c and
 * oci-seccomp.c have the rest).
 *
 * The spec starts as spec_new()'s and is then made what OCI says a config
 * without a property means: no namespace but those listed, no capability,
 * no seccomp filter, no rlimit, no masked or read-only path, an empty
 * environment, no_new_privs off, no device rule but the config's and the
 * standard nodes'.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spec/oci-internal.h"
#include "spec/oci.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/strv.h"

#define CONFIG_MAX_BYTES (4u << 20)

int oci_fail(struct oci_ctx *c, const char *path, const char *fmt, ...)
{
	char msg[TAPER_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return err_set(c->err, 0, "%s: %s: %s", c->label, *path ? path : "(top level)", msg);
}

/* A path too long for the buffer (keys are the config's) ends in "...". */
static const char *truncated(char *buf, int n)
{
	if (n < 0 || n >= OCI_PATH_MAX)
		memcpy(buf + OCI_PATH_MAX - 4, "...", 4);
	return buf;
}

const char *oci_key(char *buf, const char *path, const char *key)
{
	return truncated(buf, snprintf(buf, OCI_PATH_MAX, "%s%s%s", path, *path ? "." : "", key));
}

const char *oci_idx(char *buf, const char *path, size_t i)
{
	return truncated(buf, snprintf(buf, OCI_PATH_MAX, "%s[%zu]", path, i));
}

int oci_each(struct oci_ctx *c, const char *path, json_t *obj, oci_member_fn fn, void *data)
{
	const char *key;
	json_t *v;
	int r;

	if ((r = oci_object(c, path, obj)) < 0)
		return r;
	json_object_foreach (obj, key, v) {
		char sub[OCI_PATH_MAX];

		if ((r = fn(c, oci_key(sub, path, key), key, v, data)) < 0)
			return r;
	}
	return 0;
}

static int walk_member(struct oci_ctx *c, const char *path, const char *key, json_t *v, void *data)
{
	const struct oci_field *f = data;

	while (f->key && strcmp(f->key, key) != 0)
		f++;
	if (!f->key)
		return oci_unknown(c, path);
	if (!f->fn)
		return oci_refuse_unless_empty(c, path, v, f->why);
	return f->fn(c, path, v);
}

int oci_walk(struct oci_ctx *c, const char *path, json_t *obj, const struct oci_field *table)
{
	return oci_each(c, path, obj, walk_member, (void *)table);
}

struct string_map {
	oci_string_fn fn;
};

static int string_member(struct oci_ctx *c, const char *path, const char *key, json_t *v, void *data)
{
	const struct string_map *m = data;
	const char *s;
	int r = oci_string(c, path, v, &s);

	return r < 0 ? r : m->fn(c, path, key, s);
}

int oci_string_map(struct oci_ctx *c, const char *path, json_t *v, oci_string_fn fn)
{
	struct string_map m = { fn };

	return oci_each(c, path, v, string_member, &m);
}

int oci_unknown(struct oci_ctx *c, const char *path)
{
	if (c->flags & SPEC_OCI_STRICT)
		return oci_fail(c, path, "unknown property");
	return c->ignored && strv_extend(c->ignored, path) < 0 ? -ENOMEM : 0;
}

json_t *oci_member(json_t *obj, const char *path, const char *key, char *sub)
{
	oci_key(sub, path, key);
	return json_object_get(obj, key);
}

int oci_required(struct oci_ctx *c, const char *path, json_t *obj, const char *key, char *sub, json_t **ret)
{
	json_t *v = oci_member(obj, path, key, sub);

	if (!v)
		return oci_fail(c, sub, "missing");
	if (ret)
		*ret = v;
	return 0;
}

int oci_get_string(struct oci_ctx *c, const char *path, json_t *obj, const char *key, char *sub,
		   const char **ret)
{
	json_t *v = oci_member(obj, path, key, sub);

	return oci_string(c, sub, v, ret);
}

int oci_get_bool(struct oci_ctx *c, const char *path, json_t *obj, const char *key, char *sub, bool *ret)
{
	json_t *v = oci_member(obj, path, key, sub);

	return oci_bool(c, sub, v, ret);
}

int oci_get_int(struct oci_ctx *c, const char *path, json_t *obj, const char *key, char *sub, int64_t min,
		int64_t max, int64_t *ret)
{
	json_t *v = oci_member(obj, path, key, sub);

	return oci_int(c, sub, v, min, max, ret);
}

int oci_get_u32(struct oci_ctx *c, const char *path, json_t *obj, const char *key, char *sub, uint32_t *ret)
{
	json_t *v = oci_member(obj, path, key, sub);

	return oci_u32(c, sub, v, ret);
}

int oci_get_u64(struct oci_ctx *c, const char *path, json_t *obj, const char *key, char *sub, uint64_t *ret)
{
	json_t *v = oci_member(obj, path, key, sub);

	return oci_u64(c, sub, v, ret);
}

int oci_string(struct oci_ctx *c, const char *path, json_t *v, const char **ret)
{
	*ret = NULL; /* on every path: the -O3 build cannot see oci_fail() is < 0 */
	if (!json_is_string(v))
		return oci_fail(c, path, "not a string");
	*ret = json_string_value(v);
	if (strlen(*ret) != json_string_length(v))
		return oci_fail(c, path, "contains a NUL byte");
	return 0;
}

int oci_bool(struct oci_ctx *c, const char *path, json_t *v, bool *ret)
{
	if (!json_is_boolean(v))
		return oci_fail(c, path, "not true or false");
	*ret = json_is_true(v);
	return 0;
}

int oci_int(struct oci_ctx *c, const char *path, json_t *v, int64_t min, int64_t max, int64_t *ret)
{
	json_int_t i;

	if (!json_is_integer(v))
		return oci_fail(c, path, "not an integer");
	i = json_integer_value(v);
	if (i < min || i > max)
		return oci_fail(c, path, "%lld out of range (%lld to %lld)", (long long)i, (long long)min,
				(long long)max);
	*ret = i;
	return 0;
}

int oci_u64(struct oci_ctx *c, const char *path, json_t *v, uint64_t *ret)
{
	int64_t i = 0;
	int r = oci_int(c, path, v, 0, INT64_MAX, &i);

	if (r == 0)
		*ret = (uint64_t)i;
	return r;
}

int oci_u32(struct oci_ctx *c, const char *path, json_t *v, uint32_t *ret)
{
	int64_t i = 0;
	int r = oci_int(c, path, v, 0, UINT32_MAX, &i);

	if (r == 0)
		*ret = (uint32_t)i;
	return r;
}

int oci_array(struct oci_ctx *c, const char *path, json_t *v)
{
	return json_is_array(v) ? 0 : oci_fail(c, path, "not an array");
}

int oci_object(struct oci_ctx *c, const char *path, json_t *v)
{
	return json_is_object(v) ? 0 : oci_fail(c, path, "not an object");
}

int oci_strv(struct oci_ctx *c, const char *path, json_t *v, char ***ret)
{
	_cleanup_strv_free_ char **l = NULL;
	json_t *e;
	size_t i;
	int r;

	if ((r = oci_array(c, path, v)) < 0)
		return r;
	l = calloc(1, sizeof(char *));
	if (!l)
		return -ENOMEM;
	json_array_foreach (v, i, e) {
		char sub[OCI_PATH_MAX];
		const char *s;

		if ((r = oci_string(c, oci_idx(sub, path, i), e, &s)) < 0)
			return r;
		if (strv_extend(&l, s) < 0)
			return -ENOMEM;
	}
	*ret = TAKE_PTR(l);
	return 0;
}

int oci_refuse_unless_empty(struct oci_ctx *c, const char *path, json_t *v, const char *why)
{
	if (json_is_null(v) || (json_is_string(v) && !*json_string_value(v)) ||
	    (json_is_array(v) && !json_array_size(v)) || (json_is_object(v) && !json_object_size(v)))
		return 0;
	return oci_fail(c, path, "%s", why);
}

int oci_dup_str(char **dst, const char *s)
{
	char *d = strdup(s);

	if (!d)
		return -ENOMEM;
	free(*dst);
	*dst = d;
	return 0;
}

/* An absolute path, no NUL, no "." or ".." component. */
int oci_abs_path(struct oci_ctx *c, const char *path, json_t *v, const char **ret)
{
	const char *s;
	int r = oci_string(c, path, v, &s);

	if (r < 0)
		return r;
	if (s[0] != '/')
		return oci_fail(c, path, "\"%s\" is not an absolute path", s);
	if (strlen(s) >= PATH_MAX)
		return oci_fail(c, path, "path too long");
	*ret = s;
	return 0;
}

static int check_key(struct oci_ctx *c, const char *path, const char *key, json_t *v, void *data)
{
	(void)v;
	return strv_contains(data, key) ? 0 : oci_unknown(c, path);
}

int oci_check_keys(struct oci_ctx *c, const char *path, json_t *obj, const char *const *known)
{
	return oci_each(c, path, obj, check_key, (void *)known);
}

/* ---- top level ----------------------------------------------------- */

static int f_version(struct oci_ctx *c, const char *path, json_t *v)
{
	const char *s;
	unsigned major, minor;
	int r = oci_string(c, path, v, &s);

	if (r < 0)
		return r;
	if (sscanf(s, "%u.%u", &major, &minor) != 2 || major != 1)
		return oci_fail(c, path, "\"%s\" is not a 1.x version of the runtime-spec", s);
	return 0;
}

/* A host or domain name: the kernel's 64 bytes at most; "" is none. */
static int uts_name(struct oci_ctx *c, const char *path, json_t *v, char **dst)
{
	const char *s;
	int r = oci_string(c, path, v, &s);

	if (r < 0)
		return r;
	if (strlen(s) > 64)
		return oci_fail(c, path, "longer than 64 bytes");
	return *s ? oci_dup_str(dst, s) : 0;
}

static int f_hostname(struct oci_ctx *c, const char *path, json_t *v)
{
	return uts_name(c, path, v, &c->spec->hostname);
}

static int f_domainname(struct oci_ctx *c, const char *path, json_t *v)
{
	return uts_name(c, path, v, &c->spec->domainname);
}

static int annotation(struct oci_ctx *c, const char *path, const char *key, const char *value)
{
	if (!*key)
		return oci_fail(c, path, "empty key");
	return strv_pushf(&c->spec->annotations, "%s=%s", key, value);
}

static int f_annotations(struct oci_ctx *c, const char *path, json_t *v)
{
	return oci_string_map(c, path, v, annotation);
}

/* ---- root ---------------------------------------------------------- */

/* Does the relative path p climb out of where it starts ("../x",
 * "a/../../x")? */
static bool climbs_out(const char *p)
{
	int depth = 0;

	while (*p) {
		size_t n = strcspn(p, "/");

		if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (--depth < 0)
				return true;
		} else if (n && !(n == 1 && p[0] == '.')) {
			depth++;
		}
		p += n;
		p += strspn(p, "/");
	}
	return false;
}

static int f_root_path(struct oci_ctx *c, const char *path, json_t *v)
{
	_cleanup_free_ char *joined = NULL, *real = NULL, *real_bundle = NULL;
	const char *s;
	int r = oci_string(c, path, v, &s);

	if (r < 0)
		return r;
	if (!*s)
		return oci_fail(c, path, "empty");
	if (s[0] == '/')
		return oci_dup_str(&c->spec->rootfs, s);
	if (climbs_out(s))
		return oci_fail(c, path, "\"%s\" climbs out of the bundle", s);
	if (asprintf(&joined, "%s/%s", c->bundle, s) < 0)
		return -ENOMEM;
	/* A symlink must not lead out of the bundle either. A root that does
	 * not exist is the executor's to report. */
	real = realpath(joined, NULL);
	real_bundle = realpath(c->bundle, NULL);
	if (real && real_bundle) {
		size_t n = strlen(real_bundle);

		if (n > 1 && (strncmp(real, real_bundle, n) != 0 || (real[n] != '/' && real[n] != '\0')))
			return oci_fail(c, path, "\"%s\" leads out of the bundle (to %s)", s, real);
	}
	return oci_dup_str(&c->spec->rootfs, joined);
}

static int f_root_readonly(struct oci_ctx *c, const char *path, json_t *v)
{
	return oci_bool(c, path, v, &c->spec->rootfs_readonly);
}

static const struct oci_field root_fields[] = {
	{ "path", f_root_path, NULL },
	{ "readonly", f_root_readonly, NULL },
	{ NULL, NULL, NULL },
};

static int f_root(struct oci_ctx *c, const char *path, json_t *v)
{
	char sub[OCI_PATH_MAX];
	int r = oci_required(c, path, v, "path", sub, NULL);

	return r < 0 ? r : oci_walk(c, path, v, root_fields);
}

/* ---- hooks --------------------------------------------------------- */

static const char *const hook_keys[] = { "path", "args", "env", "timeout", NULL };

/* One hook: {path, args, env, timeout} (config.md "POSIX-platform Hooks"). */
static int hook_one(struct oci_ctx *c, const char *path, json_t *v, enum taper_hook_phase phase)
{
	_cleanup_strv_free_ char **args = NULL, **env = NULL;
	char sub[OCI_PATH_MAX];
	const char *exe = NULL;
	int64_t timeout = 0;
	json_t *x;
	int r;

	if (!json_is_object(v))
		return oci_fail(c, path, "not an object");
	if ((r = oci_check_keys(c, path, v, hook_keys)) < 0)
		return r;
	if (!(x = json_object_get(v, "path")))
		return oci_fail(c, oci_key(sub, path, "path"), "missing");
	if ((r = oci_abs_path(c, oci_key(sub, path, "path"), x, &exe)) < 0)
		return r;
	if ((x = json_object_get(v, "args")) && (r = oci_strv(c, oci_key(sub, path, "args"), x, &args)) < 0)
		return r;
	if ((x = json_object_get(v, "env")) && (r = oci_strv(c, oci_key(sub, path, "env"), x, &env)) < 0)
		return r;
	for (char **e = env; e && *e; e++)
		if (!strchr(*e, '=') || **e == '=')
			return oci_fail(c, oci_key(sub, path, "env"), "\"%s\" is not KEY=VALUE", *e);
	/* "MUST be greater than zero". */
	if ((x = json_object_get(v, "timeout")) &&
	    (r = oci_int(c, oci_key(sub, path, "timeout"), x, 1, UINT32_MAX, &timeout)) < 0)
		return r;
	return spec_add_hook(c->spec, phase, exe, args && args[0] ? args : NULL, env, (unsigned)timeout);
}

static int hook_list(struct oci_ctx *c, const char *path, json_t *v, enum taper_hook_phase phase)
{
	char sub[OCI_PATH_MAX];
	int r = oci_array(c, path, v);

	for (size_t i = 0; r == 0 && i < json_array_size(v); i++)
		r = hook_one(c, oci_idx(sub, path, i), json_array_get(v, i), phase);
	return r;
}

#define HOOK_FN(fn, phase)                                            \
	static int fn(struct oci_ctx *c, const char *path, json_t *v) \
	{                                                             \
		return hook_list(c, path, v, phase);                  \
	}
HOOK_FN(f_prestart, TAPER_HOOK_PRESTART)
HOOK_FN(f_create_runtime, TAPER_HOOK_CREATE_RUNTIME)
HOOK_FN(f_create_container, TAPER_HOOK_CREATE_CONTAINER)
HOOK_FN(f_start_container, TAPER_HOOK_START_CONTAINER)
HOOK_FN(f_poststart, TAPER_HOOK_POSTSTART)
HOOK_FN(f_poststop, TAPER_HOOK_POSTSTOP)

static const struct oci_field hook_fields[] = {
	{ "prestart", f_prestart, NULL },
	{ "createRuntime", f_create_runtime, NULL },
	{ "createContainer", f_create_container, NULL },
	{ "startContainer", f_start_container, NULL },
	{ "poststart", f_poststart, NULL },
	{ "poststop", f_poststop, NULL },
	{ NULL, NULL, NULL },
};

static int f_hooks(struct oci_ctx *c, const char *path, json_t *v)
{
	return oci_walk(c, path, v, hook_fields);
}

/* ---- the whole file ------------------------------------------------ */

static const struct oci_field top_fields[] = {
	{ "ociVersion", f_version, NULL },
	{ "root", f_root, NULL },
	{ "mounts", oci_mounts, NULL },
	{ "process", oci_process, NULL },
	{ "hostname", f_hostname, NULL },
	{ "domainname", f_domainname, NULL },
	{ "hooks", f_hooks, NULL },
	{ "annotations", f_annotations, NULL },
	{ "linux", oci_linux, NULL },
	{ "solaris", NULL, "not a Linux container (solaris)" },
	{ "windows", NULL, "not a Linux container (windows)" },
	{ "vm", NULL, "virtual-machine containers are not supported" },
	{ "zos", NULL, "not a Linux container (zos)" },
	{ NULL, NULL, NULL },
};

/* What OCI says an absent property means, where spec_new() says more. */
static void oci_defaults(struct taper_spec *s)
{
	s->namespaces = 0;
	s->process.caps = (struct taper_caps){ 0 };
	s->process.no_new_privs = false;
	strv_free(s->masked_paths);
	strv_free(s->readonly_paths);
	s->masked_paths = s->readonly_paths = NULL;
	free(s->process.seccomp);
	s->process.seccomp = NULL;
	strv_free(s->process.env);
	s->process.env = NULL;
	free(s->process.rlimits);
	s->process.rlimits = NULL;
	s->process.n_rlimits = 0;
	/* The config's rules, then the standard nodes' (oci_linux()). */
	free(s->limits.devices);
	s->limits.devices = NULL;
	s->limits.n_devices = 0;
}

int spec_oci_compile(const char *label, const char *buf, size_t len, const char *bundle, unsigned flags,
		     struct taper_spec **ret, char ***ret_ignored, struct taper_err *err)
{
	_cleanup_(spec_freep) struct taper_spec *spec = NULL;
	_cleanup_strv_free_ char **ignored = NULL;
	struct oci_ctx c = {
		.label = label, .bundle = bundle, .flags = flags, .ignored = &ignored, .err = err
	};
	json_error_t jerr;
	json_t *doc;
	int r;

	*ret = NULL;
	if (ret_ignored)
		*ret_ignored = NULL;
	if (!bundle || bundle[0] != '/')
		return err_set(err, 0, "%s: the bundle path must be absolute", label);
	doc = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc)
		return err_set(err, 0, "%s: line %d column %d: %s", label, jerr.line, jerr.column, jerr.text);
	spec = spec_new();
	if (!spec) {
		json_decref(doc);
		return err_set(err, ENOMEM, "%s", label);
	}
	c.spec = spec;
	oci_defaults(spec);
	if (!(spec->bundle = strdup(bundle))) {
		json_decref(doc);
		return err_set(err, ENOMEM, "%s", label);
	}
	if (!json_is_object(doc))
		r = oci_fail(&c, "", "not a JSON object");
	else if (!json_object_get(doc, "ociVersion"))
		r = oci_fail(&c, "ociVersion", "missing");
	else if (!json_object_get(doc, "root"))
		r = oci_fail(&c, "root", "missing");
	else if (!json_object_get(doc, "process"))
		r = oci_fail(&c, "process", "missing (a container needs a command)");
	else
		r = oci_walk(&c, "", doc, top_fields);
	json_decref(doc);
	if (r == -ENOMEM)
		return err_set(err, ENOMEM, "%s", label);
	if (r < 0)
		return r;
	/* A fresh cgroup mount shows the hierarchy from the mounter's cgroup
	 * namespace root: without a namespace of its own, the host's whole
	 * tree. runc binds the container's own groups there instead; taper
	 * gives the container the namespace, which shows the same groups and
	 * nothing above them (docs/oci.md). */
	if (spec->cgroup_mount != TAPER_CGROUP_MOUNT_NONE && !(spec->namespaces & TAPER_NS_CGROUP))
		spec->namespaces |= TAPER_NS_CGROUP;
	if (!(spec->namespaces & TAPER_NS_MNT))
		return oci_fail(&c, "linux.namespaces", "no mount namespace: taper builds the root in one");
	if ((r = oci_linux_finish(&c)) < 0)
		return r;
	if (spec->hostname && !(spec->namespaces & TAPER_NS_UTS))
		return oci_fail(&c, "hostname", "set without a uts namespace of the container's");
	if (spec->domainname && !(spec->namespaces & TAPER_NS_UTS))
		return oci_fail(&c, "domainname", "set without a uts namespace of the container's");
	if (ret_ignored)
		*ret_ignored = TAKE_PTR(ignored);
	*ret = TAKE_PTR(spec);
	return 0;
}

int spec_from_oci_json(const char *buf, size_t len, const char *bundle, struct taper_spec **ret,
		       struct taper_err *err)
{
	return spec_oci_compile("config.json", buf, len, bundle, 0, ret, NULL, err);
}

int spec_from_oci_bundle(const char *bundle, unsigned flags, struct taper_spec **ret, char ***ret_ignored,
			 struct taper_err *err)
{
	_cleanup_free_ char *label = NULL, *text = NULL;
	_cleanup_close_ int dir = -1;
	size_t len;
	int r;

	*ret = NULL;
	if (!bundle || bundle[0] != '/')
		return err_set(err, 0, "bundle %s: not an absolute path", bundle ? bundle : "");
	if (asprintf(&label, "%s/config.json", bundle) < 0)
		return -ENOMEM;
	dir = open(bundle, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return err_set(err, errno, "bundle %s", bundle);
	r = read_file_at(dir, "config.json", CONFIG_MAX_BYTES, &text, &len);
	if (r == -EFBIG)
		return err_set(err, EFBIG, "%s: larger than %u bytes", label, CONFIG_MAX_BYTES);
	if (r < 0)
		return err_set(err, r, "%s", label);
	return spec_oci_compile(label, text, len, bundle, flags, ret, ret_ignored, err);
}

int spec_oci_compile_process(const char *label, const char *buf, size_t len, struct taper_spec *spec,
			     struct taper_err *err)
{
	struct oci_ctx c = { .label = label, .bundle = "/", .spec = spec, .err = err };
	struct taper_process *p = &spec->process;
	json_error_t jerr;
	json_t *doc;
	int r;

	doc = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc)
		return err_set(err, 0, "%s: line %d column %d: %s", label, jerr.line, jerr.column, jerr.text);
	/* What the process object leaves out, it does not have: as for the
	 * container's first process. The filter stays the container's. */
	p->caps = (struct taper_caps){ 0 };
	p->no_new_privs = false;
	strv_free(p->env);
	p->env = NULL;
	free(p->rlimits);
	p->rlimits = NULL;
	p->n_rlimits = 0;
	free(p->additional_gids);
	p->additional_gids = NULL;
	p->n_additional_gids = 0;
	p->terminal = false;
	p->umask = p->io_priority = p->oom_score_adj = TAPER_UNSET;
	p->sched = (struct taper_sched){ .policy = TAPER_UNSET };
	r = oci_process(&c, "", doc);
	json_decref(doc);
	return r == -ENOMEM ? err_set(err, ENOMEM, "%s", label) : r;
}
