/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * seccomp-json.c — docker / OCI seccomp profiles into struct sc_profile.
 *
 * Accepted: defaultAction, defaultErrnoRet, architectures, archMap (the
 * native arch's entry adds its subArchitectures), flags, and syscalls[] with
 * names (or the older name), action, errnoRet, args[{index, value,
 * valueTwo, op}], includes/excludes {caps, arches, minKernel} and comment.
 * Unknown keys and values are errors, and every error is one line naming
 * the file and the field: `seccomp profile /x.json: syscalls[3].action:
 * unknown action "SCMP_ACT_FOO"`.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "security/seccomp-internal.h"
#include "spec/spec.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/strv.h"

#define PROFILE_MAX_BYTES (4u << 20)

struct ctx {
	const char *label;
	const struct sc_env *env;
	struct taper_err *err;
};

#define FAIL(c, field, ...) fail(c, field, __VA_ARGS__)

__attribute__((format(printf, 3, 4))) static int fail(const struct ctx *c, const char *field, const char *fmt,
						      ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return err_set(c->err, 0, "seccomp profile %s: %s: %s", c->label, field, msg);
}

static const struct {
	const char *name;
	uint32_t action;
	bool takes_ret; /* errnoRet is the errno / the trace message */
} actions[] = {
	{ "SCMP_ACT_KILL", SCMP_ACT_KILL_THREAD, false },
	{ "SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD, false },
	{ "SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS, false },
	{ "SCMP_ACT_TRAP", SCMP_ACT_TRAP, false },
	{ "SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0), true },
	{ "SCMP_ACT_TRACE", SCMP_ACT_TRACE(0), true },
	{ "SCMP_ACT_ALLOW", SCMP_ACT_ALLOW, false },
	{ "SCMP_ACT_LOG", SCMP_ACT_LOG, false },
};

static const struct {
	const char *name;
	enum scmp_compare op;
} ops[] = {
	{ "SCMP_CMP_NE", SCMP_CMP_NE },
	{ "SCMP_CMP_LT", SCMP_CMP_LT },
	{ "SCMP_CMP_LE", SCMP_CMP_LE },
	{ "SCMP_CMP_EQ", SCMP_CMP_EQ },
	{ "SCMP_CMP_GE", SCMP_CMP_GE },
	{ "SCMP_CMP_GT", SCMP_CMP_GT },
	{ "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
};

static const struct {
	const char *name;
	unsigned flag;
} filter_flags[] = {
	{ "SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC },
	{ "SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG },
	{ "SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW },
};

/* Every key of obj must be in allowed (NULL-terminated). */
static int check_keys(const struct ctx *c, const char *field, json_t *obj, const char *const *allowed)
{
	const char *key;
	json_t *v;
	char path[320];

	if (!json_is_object(obj))
		return FAIL(c, field, "not an object");
	json_object_foreach (obj, key, v) {
		bool ok = false;

		for (const char *const *a = allowed; *a && !ok; a++)
			ok = strcmp(*a, key) == 0;
		if (!ok) {
			snprintf(path, sizeof(path), "%s%s%s", field, *field ? "." : "", key);
			return FAIL(c, path, "unknown field");
		}
	}
	return 0;
}

static int parse_action(const struct ctx *c, const char *field, json_t *j, json_t *errno_ret,
			uint32_t default_ret, uint32_t *ret)
{
	const char *s = json_string_value(j);

	if (!s)
		return FAIL(c, field, "not a string");
	for (size_t i = 0; i < ARRAY_SIZE(actions); i++) {
		json_int_t e = default_ret;

		if (strcmp(actions[i].name, s) != 0)
			continue;
		if (errno_ret) {
			if (!json_is_integer(errno_ret) || json_integer_value(errno_ret) < 0 ||
			    json_integer_value(errno_ret) > 0xffff)
				return FAIL(c, field, "errnoRet is not a number in 0..65535");
			e = json_integer_value(errno_ret);
		}
		*ret = actions[i].takes_ret ? actions[i].action | (uint32_t)e : actions[i].action;
		return 0;
	}
	if (strcmp(s, "SCMP_ACT_NOTIFY") == 0)
		return FAIL(c, field, "SCMP_ACT_NOTIFY is not supported");
	return FAIL(c, field, "unknown action \"%s\"", s);
}

static int parse_arch(const struct ctx *c, const char *field, json_t *j, uint32_t *ret)
{
	const char *s = json_string_value(j);

	if (!s)
		return FAIL(c, field, "not a string");
	*ret = sc_arch_from_name(s);
	if (*ret == 0)
		return FAIL(c, field, "unknown architecture \"%s\"", s);
	return 0;
}

static int push_arch(const struct ctx *c, const char *field, uint32_t *arches, size_t *n, uint32_t arch)
{
	for (size_t i = 0; i < *n; i++)
		if (arches[i] == arch)
			return 0;
	if (*n >= SECCOMP_MAX_ARCHES)
		return FAIL(c, field, "too many architectures");
	arches[(*n)++] = arch;
	return 0;
}

static int parse_arch_list(const struct ctx *c, const char *field, json_t *arr, uint32_t *arches, size_t *n)
{
	char path[320];
	size_t i;
	json_t *v;

	if (!json_is_array(arr))
		return FAIL(c, field, "not an array");
	json_array_foreach (arr, i, v) {
		uint32_t a;
		int r;

		snprintf(path, sizeof(path), "%s[%zu]", field, i);
		r = parse_arch(c, path, v, &a);
		if (r == 0)
			r = push_arch(c, path, arches, n, a);
		if (r < 0)
			return r;
	}
	return 0;
}

static int parse_cond(const struct ctx *c, const char *field, json_t *j, struct sc_cond *cond)
{
	static const char *const keys[] = { "caps", "arches", "minKernel", NULL };
	char path[320];
	json_t *v;
	size_t i;
	int r;

	r = check_keys(c, field, j, keys);
	if (r < 0)
		return r;
	if ((v = json_object_get(j, "caps"))) {
		json_t *cap;

		snprintf(path, sizeof(path), "%s.caps", field);
		if (!json_is_array(v))
			return FAIL(c, path, "not an array");
		json_array_foreach (v, i, cap) {
			int n = json_is_string(cap) ? spec_cap_from_name(json_string_value(cap)) : -EINVAL;

			snprintf(path, sizeof(path), "%s.caps[%zu]", field, i);
			if (n < 0 || n > 63)
				return FAIL(c, path, "unknown capability");
			cond->caps |= UINT64_C(1) << n;
		}
	}
	if ((v = json_object_get(j, "arches"))) {
		snprintf(path, sizeof(path), "%s.arches", field);
		r = parse_arch_list(c, path, v, cond->arches, &cond->n_arches);
		if (r < 0)
			return r;
	}
	if ((v = json_object_get(j, "minKernel"))) {
		unsigned maj, min;
		char end;

		snprintf(path, sizeof(path), "%s.minKernel", field);
		if (!json_is_string(v) || sscanf(json_string_value(v), "%u.%u%c", &maj, &min, &end) != 2 ||
		    min > 999)
			return FAIL(c, path, "not a \"major.minor\" version");
		cond->min_kernel = maj * 1000 + min;
	}
	return 0;
}

static int parse_arg(const struct ctx *c, const char *field, json_t *j, struct sc_arg *a)
{
	static const char *const keys[] = { "index", "value", "valueTwo", "op", NULL };
	json_t *idx = json_object_get(j, "index"), *op = json_object_get(j, "op");
	json_t *v1 = json_object_get(j, "value"), *v2 = json_object_get(j, "valueTwo");
	char path[320];
	int r = check_keys(c, field, j, keys);

	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "%s.index", field);
	if (!json_is_integer(idx) || json_integer_value(idx) < 0 || json_integer_value(idx) > 5)
		return FAIL(c, path, "not an argument index in 0..5");
	a->index = (unsigned)json_integer_value(idx);
	snprintf(path, sizeof(path), "%s.value", field);
	if (v1 && !json_is_integer(v1))
		return FAIL(c, path, "not an integer");
	a->value = v1 ? (uint64_t)json_integer_value(v1) : 0;
	snprintf(path, sizeof(path), "%s.valueTwo", field);
	if (v2 && !json_is_integer(v2))
		return FAIL(c, path, "not an integer");
	a->value_two = v2 ? (uint64_t)json_integer_value(v2) : 0;
	snprintf(path, sizeof(path), "%s.op", field);
	for (size_t i = 0; i < ARRAY_SIZE(ops); i++)
		if (json_is_string(op) && strcmp(ops[i].name, json_string_value(op)) == 0) {
			a->op = ops[i].op;
			return 0;
		}
	if (!json_is_string(op))
		return FAIL(c, path, "missing or not a string");
	return FAIL(c, path, "unknown operator \"%s\"", json_string_value(op));
}

static int parse_names(const struct ctx *c, const char *field, json_t *sc, char ***ret)
{
	_cleanup_strv_free_ char **names = NULL;
	json_t *arr = json_object_get(sc, "names"), *one = json_object_get(sc, "name");
	char path[256];
	json_t *v;
	size_t i;

	if (one) {
		snprintf(path, sizeof(path), "%s.name", field);
		if (!json_is_string(one))
			return FAIL(c, path, "not a string");
		if (strv_extend(&names, json_string_value(one)) < 0)
			return err_set(c->err, ENOMEM, "seccomp profile %s", c->label);
	}
	if (arr) {
		snprintf(path, sizeof(path), "%s.names", field);
		if (!json_is_array(arr))
			return FAIL(c, path, "not an array");
		json_array_foreach (arr, i, v) {
			snprintf(path, sizeof(path), "%s.names[%zu]", field, i);
			if (!json_is_string(v))
				return FAIL(c, path, "not a string");
			if (strv_extend(&names, json_string_value(v)) < 0)
				return err_set(c->err, ENOMEM, "seccomp profile %s", c->label);
		}
	}
	if (!names) {
		snprintf(path, sizeof(path), "%s.names", field);
		return FAIL(c, path, "missing or empty");
	}
	*ret = TAKE_PTR(names);
	return 0;
}

static int parse_syscall(const struct ctx *c, size_t idx, json_t *sc, uint32_t default_errno,
			 struct sc_rule *rule)
{
	static const char *const keys[] = { "names",    "name",     "action",  "errnoRet", "args",
					    "includes", "excludes", "comment", NULL };
	char field[64], path[256];
	char **names = NULL;
	json_t *args, *v;
	size_t i;
	int r;

	snprintf(field, sizeof(field), "syscalls[%zu]", idx);
	r = check_keys(c, field, sc, keys);
	if (r < 0)
		return r;
	r = parse_names(c, field, sc, &names);
	if (r < 0)
		return r;
	rule->names = (const char *const *)names; /* owned by the profile now */
	snprintf(path, sizeof(path), "%s.action", field);
	if (!json_object_get(sc, "action"))
		return FAIL(c, path, "missing");
	r = parse_action(c, path, json_object_get(sc, "action"), json_object_get(sc, "errnoRet"),
			 default_errno, &rule->action);
	if (r < 0)
		return r;
	if ((args = json_object_get(sc, "args")) && !json_is_null(args)) {
		snprintf(path, sizeof(path), "%s.args", field);
		if (!json_is_array(args))
			return FAIL(c, path, "not an array");
		if (json_array_size(args) > SECCOMP_MAX_ARGS)
			return FAIL(c, path, "more than %d comparisons", SECCOMP_MAX_ARGS);
		json_array_foreach (args, i, v) {
			snprintf(path, sizeof(path), "%s.args[%zu]", field, i);
			r = parse_arg(c, path, v, &rule->args[i]);
			if (r < 0)
				return r;
		}
		rule->n_args = json_array_size(args);
	}
	if ((v = json_object_get(sc, "includes"))) {
		snprintf(path, sizeof(path), "%s.includes", field);
		r = parse_cond(c, path, v, &rule->includes);
		if (r < 0)
			return r;
	}
	if ((v = json_object_get(sc, "excludes"))) {
		snprintf(path, sizeof(path), "%s.excludes", field);
		r = parse_cond(c, path, v, &rule->excludes);
		if (r < 0)
			return r;
	}
	return 0;
}

static int parse_arch_map(const struct ctx *c, json_t *map, struct sc_profile *p)
{
	static const char *const keys[] = { "architecture", "subArchitectures", NULL };
	char path[256];
	json_t *e;
	size_t i;

	if (!json_is_array(map))
		return FAIL(c, "archMap", "not an array");
	json_array_foreach (map, i, e) {
		json_t *subs;
		uint32_t a;
		int r;

		snprintf(path, sizeof(path), "archMap[%zu]", i);
		r = check_keys(c, path, e, keys);
		if (r < 0)
			return r;
		snprintf(path, sizeof(path), "archMap[%zu].architecture", i);
		r = parse_arch(c, path, json_object_get(e, "architecture"), &a);
		if (r < 0)
			return r;
		/* Like docker: only the native arch's entry counts. */
		if (a != c->env->arch)
			continue;
		r = push_arch(c, path, p->arches, &p->n_arches, a);
		if (r < 0)
			return r;
		subs = json_object_get(e, "subArchitectures");
		if (subs && !json_is_null(subs)) {
			snprintf(path, sizeof(path), "archMap[%zu].subArchitectures", i);
			r = parse_arch_list(c, path, subs, p->arches, &p->n_arches);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static int parse_flags(const struct ctx *c, json_t *arr, unsigned *ret)
{
	char path[64];
	json_t *v;
	size_t i;

	if (!json_is_array(arr))
		return FAIL(c, "flags", "not an array");
	json_array_foreach (arr, i, v) {
		bool ok = false;

		for (size_t f = 0; f < ARRAY_SIZE(filter_flags) && !ok; f++)
			if (json_is_string(v) && strcmp(json_string_value(v), filter_flags[f].name) == 0) {
				*ret |= filter_flags[f].flag;
				ok = true;
			}
		snprintf(path, sizeof(path), "flags[%zu]", i);
		if (!ok)
			return FAIL(c, path, "unknown or unsupported flag");
	}
	return 0;
}

int sc_profile_parse_json(const char *label, const char *text, size_t len, const struct sc_env *env,
			  struct sc_profile **ret, struct taper_err *err)
{
	static const char *const keys[] = {
		"defaultAction", "defaultErrnoRet", "architectures", "archMap", "syscalls", "flags", NULL
	};
	_cleanup_(json_decrefp) json_t *root = NULL;
	_cleanup_(sc_profile_freep) struct sc_profile *p = NULL;
	const struct ctx c = { .label = label, .env = env, .err = err };
	struct sc_rule *rules;
	json_t *syscalls, *v, *der;
	json_error_t jerr;
	uint32_t default_errno = EPERM;
	size_t i;
	int r;

	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return err_set(err, 0, "seccomp profile %s: line %d column %d: %s", label, jerr.line,
			       jerr.column, jerr.text);
	r = check_keys(&c, "", root, keys);
	if (r < 0)
		return r;
	p = calloc(1, sizeof(*p));
	if (!p)
		return err_set(err, ENOMEM, "seccomp profile %s", label);
	if ((der = json_object_get(root, "defaultErrnoRet"))) {
		if (!json_is_integer(der) || json_integer_value(der) < 0 || json_integer_value(der) > 0xffff)
			return FAIL(&c, "defaultErrnoRet", "not a number in 0..65535");
		default_errno = (uint32_t)json_integer_value(der);
	}
	if (!json_object_get(root, "defaultAction"))
		return FAIL(&c, "defaultAction", "missing");
	r = parse_action(&c, "defaultAction", json_object_get(root, "defaultAction"), der, EPERM,
			 &p->default_action);
	if (r < 0)
		return r;
	if ((v = json_object_get(root, "architectures")) && !json_is_null(v)) {
		r = parse_arch_list(&c, "architectures", v, p->arches, &p->n_arches);
		if (r < 0)
			return r;
	}
	if ((v = json_object_get(root, "archMap")) && !json_is_null(v)) {
		r = parse_arch_map(&c, v, p);
		if (r < 0)
			return r;
	}
	if ((v = json_object_get(root, "flags")) && !json_is_null(v)) {
		r = parse_flags(&c, v, &p->flags);
		if (r < 0)
			return r;
	}
	syscalls = json_object_get(root, "syscalls");
	if (syscalls && !json_is_null(syscalls)) {
		if (!json_is_array(syscalls))
			return FAIL(&c, "syscalls", "not an array");
		rules = calloc(json_array_size(syscalls) + 1, sizeof(*rules));
		if (!rules)
			return err_set(err, ENOMEM, "seccomp profile %s", label);
		p->rules = rules;
		json_array_foreach (syscalls, i, v) {
			r = parse_syscall(&c, i, v, default_errno, &rules[i]);
			p->n_rules = i + 1; /* so that free sees this rule's names */
			if (r < 0)
				return r;
		}
	}
	*ret = TAKE_PTR(p);
	return 0;
}

int sc_profile_load_json(const char *path, const struct sc_env *env, struct sc_profile **ret,
			 struct taper_err *err)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r = read_file_at(AT_FDCWD, path, PROFILE_MAX_BYTES, &text, &len);

	if (r < 0)
		return err_set(err, r, "seccomp profile %s", path);
	return sc_profile_parse_json(path, text, len, env, ret, err);
}

void sc_profile_free(struct sc_profile *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_rules; i++)
		strv_free((char **)p->rules[i].names);
	free((void *)p->rules);
	free(p);
}
