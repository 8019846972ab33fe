/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * oci-seccomp.c — config.json's "linux.seccomp", checked for shape here,
 * each error naming its path, and kept as JSON text for the executor,
 * which compiles it (with security/'s reader of docker/OCI profiles)
 * before the clone and names the same path in its errors. A seccomp agent
 * (listenerPath, SCMP_ACT_NOTIFY) is refused.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec/oci-internal.h"
#include "spec/oci.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/strv.h"

/* ---- seccomp --------------------------------------------------------- */

static const char *const sc_actions[] = {
	"SCMP_ACT_KILL",  "SCMP_ACT_KILL_THREAD", "SCMP_ACT_KILL_PROCESS",
	"SCMP_ACT_TRAP",  "SCMP_ACT_ERRNO",       "SCMP_ACT_TRACE",
	"SCMP_ACT_ALLOW", "SCMP_ACT_LOG",         NULL,
};
static const char *const sc_ops[] = {
	"SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",        "SCMP_CMP_EQ",
	"SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ", NULL,
};

/* Unknown properties in a seccomp object are refused even when others are
 * ignored: a filter is not loaded with part of it unread. */
static int sc_keys(struct oci_ctx *c, const char *path, json_t *obj, const char *const *known)
{
	const char *key;
	json_t *v;
	int r;

	if ((r = oci_object(c, path, obj)) < 0)
		return r;
	json_object_foreach (obj, key, v)
		if (!strv_contains((char *const *)known, key)) {
			char sub[OCI_PATH_MAX];

			return oci_fail(c, oci_key(sub, path, key), "unknown property of a seccomp filter");
		}
	return 0;
}

static int sc_action(struct oci_ctx *c, const char *path, json_t *v)
{
	const char *s;
	int r = oci_string(c, path, v, &s);

	if (r < 0)
		return r;
	if (strcmp(s, "SCMP_ACT_NOTIFY") == 0)
		return oci_fail(c, path, "SCMP_ACT_NOTIFY needs a seccomp agent, which is not supported");
	if (!strv_contains((char *const *)sc_actions, s))
		return oci_fail(c, path, "unknown action \"%s\"", s);
	return 0;
}

static int sc_strings(struct oci_ctx *c, const char *path, json_t *v, const char *const *allowed)
{
	_cleanup_strv_free_ char **l = NULL;
	int r = oci_strv(c, path, v, &l);

	if (r < 0)
		return r;
	for (size_t i = 0; allowed && l[i]; i++)
		if (!strv_contains((char *const *)allowed, l[i])) {
			char sub[OCI_PATH_MAX];

			return oci_fail(c, oci_idx(sub, path, i), "unknown value \"%s\"", l[i]);
		}
	return 0;
}

static int sc_syscall(struct oci_ctx *c, const char *path, json_t *e)
{
	static const char *const known[] = { "names", "action", "errnoRet", "args", NULL };
	static const char *const arg_known[] = { "index", "value", "valueTwo", "op", NULL };
	char sub[OCI_PATH_MAX];
	json_t *x, *a;
	size_t i;
	int64_t n = 0;
	uint64_t u = 0;
	int r;

	if ((r = sc_keys(c, path, e, known)) < 0)
		return r;
	if ((r = oci_required(c, path, e, "names", sub, &x)) < 0 || (r = sc_strings(c, sub, x, NULL)) < 0)
		return r;
	if (!json_array_size(x))
		return oci_fail(c, sub, "empty");
	x = oci_member(e, path, "action", sub);
	if ((r = sc_action(c, sub, x)) < 0)
		return r;
	if ((x = oci_member(e, path, "errnoRet", sub)) && (r = oci_int(c, sub, x, 0, 0xffff, &n)) < 0)
		return r;
	if (!(x = oci_member(e, path, "args", sub)) || json_is_null(x))
		return 0;
	if ((r = oci_array(c, sub, x)) < 0)
		return r;
	if (json_array_size(x) > 6)
		return oci_fail(c, sub, "more than 6 argument conditions");
	json_array_foreach (x, i, a) {
		char at[OCI_PATH_MAX], f[OCI_PATH_MAX];
		const char *op;

		oci_idx(at, sub, i);
		if ((r = sc_keys(c, at, a, arg_known)) < 0 ||
		    (r = oci_get_int(c, at, a, "index", f, 0, 5, &n)) < 0 ||
		    (r = oci_get_u64(c, at, a, "value", f, &u)) < 0 ||
		    (r = oci_get_string(c, at, a, "op", f, &op)) < 0)
			return r;
		if (!strv_contains((char *const *)sc_ops, op))
			return oci_fail(c, f, "unknown operator \"%s\"", op);
		if ((x = oci_member(a, at, "valueTwo", f)) && (r = oci_u64(c, f, x, &u)) < 0)
			return r;
	}
	return 0;
}

int oci_seccomp(struct oci_ctx *c, const char *path, json_t *v)
{
	static const char *const known[] = { "defaultAction", "defaultErrnoRet",  "architectures", "flags",
					     "listenerPath",  "listenerMetadata", "syscalls",      NULL };
	static const char *const flags[] = { "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
					     "SECCOMP_FILTER_FLAG_SPEC_ALLOW", NULL };
	char sub[OCI_PATH_MAX];
	struct taper_process *p = &c->spec->process;
	json_t *x, *e;
	size_t i;
	int64_t n = 0;
	int r;

	if ((r = sc_keys(c, path, v, known)) < 0)
		return r;
	if ((x = oci_member(v, path, "listenerPath", sub)) &&
	    (r = oci_refuse_unless_empty(c, sub, x, "a seccomp agent (SCMP_ACT_NOTIFY) is not supported")) <
		    0)
		return r;
	if ((x = oci_member(v, path, "listenerMetadata", sub)) &&
	    (r = oci_refuse_unless_empty(c, sub, x, "a seccomp agent (SCMP_ACT_NOTIFY) is not supported")) <
		    0)
		return r;
	if ((r = oci_required(c, path, v, "defaultAction", sub, &x)) < 0 || (r = sc_action(c, sub, x)) < 0)
		return r;
	if ((x = oci_member(v, path, "defaultErrnoRet", sub)) && (r = oci_int(c, sub, x, 0, 0xffff, &n)) < 0)
		return r;
	if ((x = oci_member(v, path, "architectures", sub)) && !json_is_null(x) &&
	    (r = sc_strings(c, sub, x, NULL)) < 0)
		return r;
	if ((x = oci_member(v, path, "flags", sub)) && !json_is_null(x) &&
	    (r = sc_strings(c, sub, x, flags)) < 0)
		return r;
	if ((x = oci_member(v, path, "syscalls", sub)) && !json_is_null(x)) {
		if ((r = oci_array(c, sub, x)) < 0)
			return r;
		json_array_foreach (x, i, e) {
			char at[OCI_PATH_MAX];

			if ((r = sc_syscall(c, oci_idx(at, sub, i), e)) < 0)
				return r;
		}
	}
	free(p->seccomp_json);
	free(p->seccomp_label);
	p->seccomp_label = NULL;
	p->seccomp_json = json_dumps(v, JSON_COMPACT);
	if (!p->seccomp_json || asprintf(&p->seccomp_label, "%s: %s", c->label, path) < 0) {
		p->seccomp_label = NULL;
		return -ENOMEM;
	}
	return 0;
}
