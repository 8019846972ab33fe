/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * oci-process.c — config.json's "process": the command, its user, umask,
 * capabilities in all five sets, rlimits, no_new_privs, OOM score,
 * scheduler, I/O priority and terminal.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "spec/oci-internal.h"
#include "spec/oci.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/strv.h"

/* ---- process ------------------------------------------------------- */

static int f_terminal(struct oci_ctx *c, const char *path, json_t *v)
{
	return oci_bool(c, path, v, &c->spec->process.terminal);
}

static int f_console_height(struct oci_ctx *c, const char *path, json_t *v)
{
	int64_t i = 0;
	int r = oci_int(c, path, v, 0, UINT16_MAX, &i);

	if (r == 0)
		c->spec->process.console_rows = (unsigned short)i;
	return r;
}

static int f_console_width(struct oci_ctx *c, const char *path, json_t *v)
{
	int64_t i = 0;
	int r = oci_int(c, path, v, 0, UINT16_MAX, &i);

	if (r == 0)
		c->spec->process.console_cols = (unsigned short)i;
	return r;
}

static const struct oci_field console_fields[] = {
	{ "height", f_console_height, NULL },
	{ "width", f_console_width, NULL },
	{ NULL, NULL, NULL },
};

static int f_console(struct oci_ctx *c, const char *path, json_t *v)
{
	return oci_walk(c, path, v, console_fields);
}

static int f_uid(struct oci_ctx *c, const char *path, json_t *v)
{
	uint32_t id = 0;
	int r = oci_u32(c, path, v, &id);

	if (r == 0)
		c->spec->process.uid = id;
	return r;
}

static int f_gid(struct oci_ctx *c, const char *path, json_t *v)
{
	uint32_t id = 0;
	int r = oci_u32(c, path, v, &id);

	if (r == 0)
		c->spec->process.gid = id;
	return r;
}

static int f_umask(struct oci_ctx *c, const char *path, json_t *v)
{
	int64_t m = 0;
	int r = oci_int(c, path, v, 0, 0777, &m);

	if (r == 0)
		c->spec->process.umask = (int)m;
	return r;
}

static int f_additional_gids(struct oci_ctx *c, const char *path, json_t *v)
{
	struct taper_process *p = &c->spec->process;
	json_t *e;
	size_t i;
	int r;

	if ((r = oci_array(c, path, v)) < 0)
		return r;
	free(p->additional_gids);
	p->n_additional_gids = 0;
	p->additional_gids = calloc(json_array_size(v) + 1, sizeof(gid_t));
	if (!p->additional_gids)
		return -ENOMEM;
	json_array_foreach (v, i, e) {
		char sub[OCI_PATH_MAX];
		uint32_t g = 0;

		if ((r = oci_u32(c, oci_idx(sub, path, i), e, &g)) < 0)
			return r;
		p->additional_gids[p->n_additional_gids++] = g;
	}
	return 0;
}

static const struct oci_field user_fields[] = {
	{ "uid", f_uid, NULL },
	{ "gid", f_gid, NULL },
	{ "umask", f_umask, NULL },
	{ "additionalGids", f_additional_gids, NULL },
	{ "username", NULL, "user names are for Windows; give uid and gid" },
	{ NULL, NULL, NULL },
};

static int f_user(struct oci_ctx *c, const char *path, json_t *v)
{
	char sub[OCI_PATH_MAX];
	int r;

	if ((r = oci_object(c, path, v)) < 0 || (r = oci_required(c, path, v, "uid", sub, NULL)) < 0 ||
	    (r = oci_required(c, path, v, "gid", sub, NULL)) < 0)
		return r;
	return oci_walk(c, path, v, user_fields);
}

static int f_args(struct oci_ctx *c, const char *path, json_t *v)
{
	char **l = NULL;
	int r = oci_strv(c, path, v, &l);

	if (r < 0)
		return r;
	if (!l[0] || !l[0][0]) {
		strv_free(l);
		return oci_fail(c, path, "no command");
	}
	strv_free(c->spec->process.argv);
	c->spec->process.argv = l;
	return 0;
}

static int f_env(struct oci_ctx *c, const char *path, json_t *v)
{
	char **l = NULL;
	int r = oci_strv(c, path, v, &l);

	if (r < 0)
		return r;
	for (size_t i = 0; l[i]; i++)
		if (!strchr(l[i], '=') || l[i][0] == '=') {
			char sub[OCI_PATH_MAX];

			r = oci_fail(c, oci_idx(sub, path, i), "\"%s\" is not KEY=VALUE", l[i]);
			strv_free(l);
			return r;
		}
	strv_free(c->spec->process.env);
	c->spec->process.env = l;
	return 0;
}

static int f_cwd(struct oci_ctx *c, const char *path, json_t *v)
{
	const char *s;
	int r = oci_abs_path(c, path, v, &s);

	return r < 0 ? r : oci_dup_str(&c->spec->process.cwd, s);
}

static int cap_set(struct oci_ctx *c, const char *path, json_t *v, uint64_t *ret)
{
	json_t *e;
	size_t i;
	int r;

	if ((r = oci_array(c, path, v)) < 0)
		return r;
	*ret = 0;
	json_array_foreach (v, i, e) {
		char sub[OCI_PATH_MAX];
		const char *s;
		int cap;

		if ((r = oci_string(c, oci_idx(sub, path, i), e, &s)) < 0)
			return r;
		/* OCI spells them "CAP_NET_ADMIN"; the bare names are ours. */
		cap = strncmp(s, "CAP_", 4) == 0 ? spec_cap_from_name(s) : -EINVAL;
		if (cap < 0 || cap > 63)
			return oci_fail(c, sub, "unknown capability \"%s\"", s);
		*ret |= UINT64_C(1) << cap;
	}
	return 0;
}

static int f_cap_bounding(struct oci_ctx *c, const char *path, json_t *v)
{
	return cap_set(c, path, v, &c->spec->process.caps.bounding);
}

static int f_cap_effective(struct oci_ctx *c, const char *path, json_t *v)
{
	return cap_set(c, path, v, &c->spec->process.caps.effective);
}

static int f_cap_permitted(struct oci_ctx *c, const char *path, json_t *v)
{
	return cap_set(c, path, v, &c->spec->process.caps.permitted);
}

static int f_cap_inheritable(struct oci_ctx *c, const char *path, json_t *v)
{
	return cap_set(c, path, v, &c->spec->process.caps.inheritable);
}

static int f_cap_ambient(struct oci_ctx *c, const char *path, json_t *v)
{
	return cap_set(c, path, v, &c->spec->process.caps.ambient);
}

static const struct oci_field cap_fields[] = {
	{ "bounding", f_cap_bounding, NULL },   { "effective", f_cap_effective, NULL },
	{ "permitted", f_cap_permitted, NULL }, { "inheritable", f_cap_inheritable, NULL },
	{ "ambient", f_cap_ambient, NULL },     { NULL, NULL, NULL },
};

static int f_caps(struct oci_ctx *c, const char *path, json_t *v)
{
	return oci_walk(c, path, v, cap_fields);
}

static const struct {
	const char *name;
	int resource;
} rlimits[] = {
	{ "RLIMIT_AS", RLIMIT_AS },
	{ "RLIMIT_CORE", RLIMIT_CORE },
	{ "RLIMIT_CPU", RLIMIT_CPU },
	{ "RLIMIT_DATA", RLIMIT_DATA },
	{ "RLIMIT_FSIZE", RLIMIT_FSIZE },
	{ "RLIMIT_LOCKS", RLIMIT_LOCKS },
	{ "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },
	{ "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
	{ "RLIMIT_NICE", RLIMIT_NICE },
	{ "RLIMIT_NOFILE", RLIMIT_NOFILE },
	{ "RLIMIT_NPROC", RLIMIT_NPROC },
	{ "RLIMIT_RSS", RLIMIT_RSS },
	{ "RLIMIT_RTPRIO", RLIMIT_RTPRIO },
	{ "RLIMIT_RTTIME", RLIMIT_RTTIME },
	{ "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
	{ "RLIMIT_STACK", RLIMIT_STACK },
};

static int f_rlimits(struct oci_ctx *c, const char *path, json_t *v)
{
	static const char *const known[] = { "type", "soft", "hard", NULL };
	json_t *e;
	size_t i;
	int r;

	if ((r = oci_array(c, path, v)) < 0)
		return r;
	json_array_foreach (v, i, e) {
		char at[OCI_PATH_MAX], sub[OCI_PATH_MAX];
		const char *type;
		uint64_t soft = 0, hard = 0;
		int res = -1;

		oci_idx(at, path, i);
		if ((r = oci_check_keys(c, at, e, known)) < 0)
			return r;
		if ((r = oci_get_string(c, at, e, "type", sub, &type)) < 0 ||
		    (r = oci_get_u64(c, at, e, "soft", sub, &soft)) < 0 ||
		    (r = oci_get_u64(c, at, e, "hard", sub, &hard)) < 0)
			return r;
		for (size_t k = 0; k < ARRAY_SIZE(rlimits); k++)
			if (strcmp(rlimits[k].name, type) == 0)
				res = rlimits[k].resource;
		if (res < 0)
			return oci_fail(c, oci_key(sub, at, "type"), "unknown rlimit \"%s\"", type);
		if (soft > hard)
			return oci_fail(c, at, "soft limit %llu above the hard one %llu",
					(unsigned long long)soft, (unsigned long long)hard);
		for (size_t k = 0; k < c->spec->process.n_rlimits; k++)
			if (c->spec->process.rlimits[k].resource == res)
				return oci_fail(c, oci_key(sub, at, "type"), "%s given twice", type);
		if (spec_set_rlimit(c->spec, res, soft, hard) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int f_no_new_privs(struct oci_ctx *c, const char *path, json_t *v)
{
	return oci_bool(c, path, v, &c->spec->process.no_new_privs);
}

static int f_oom_score_adj(struct oci_ctx *c, const char *path, json_t *v)
{
	int64_t i = 0;
	int r = oci_int(c, path, v, -1000, 1000, &i);

	if (r == 0)
		c->spec->process.oom_score_adj = (int)i;
	return r;
}

static int f_ioprio(struct oci_ctx *c, const char *path, json_t *v)
{
	static const char *const classes[] = { NULL, "IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE",
					       "IOPRIO_CLASS_IDLE" };
	char sub[OCI_PATH_MAX];
	const char *key, *cls = NULL;
	json_t *val;
	int64_t prio = 0;
	int r, k;

	if ((r = oci_object(c, path, v)) < 0)
		return r;
	json_object_foreach (v, key, val) {
		if (strcmp(key, "class") == 0)
			r = oci_string(c, oci_key(sub, path, key), val, &cls);
		else if (strcmp(key, "priority") == 0)
			r = oci_int(c, oci_key(sub, path, key), val, 0, 7, &prio);
		else
			r = oci_unknown(c, oci_key(sub, path, key));
		if (r < 0)
			return r;
	}
	if (!cls)
		return oci_fail(c, oci_key(sub, path, "class"), "missing");
	for (k = 1; k < (int)ARRAY_SIZE(classes) && strcmp(classes[k], cls) != 0; k++)
		;
	if (k == (int)ARRAY_SIZE(classes))
		return oci_fail(c, oci_key(sub, path, "class"), "unknown class \"%s\"", cls);
	c->spec->process.io_priority = k << 13 | (int)prio;
	return 0;
}

static const struct {
	const char *name;
	int policy;
} sched_policies[] = {
	{ "SCHED_OTHER", 0 }, { "SCHED_FIFO", 1 }, { "SCHED_RR", 2 },
	{ "SCHED_BATCH", 3 }, { "SCHED_IDLE", 5 }, { "SCHED_DEADLINE", 6 },
};

static const struct {
	const char *name;
	uint64_t flag;
} sched_flags[] = {
	{ "SCHED_FLAG_RESET_ON_FORK", 0x01 },  { "SCHED_FLAG_RECLAIM", 0x02 },
	{ "SCHED_FLAG_DL_OVERRUN", 0x04 },     { "SCHED_FLAG_KEEP_POLICY", 0x08 },
	{ "SCHED_FLAG_KEEP_PARAMS", 0x10 },    { "SCHED_FLAG_UTIL_CLAMP_MIN", 0x20 },
	{ "SCHED_FLAG_UTIL_CLAMP_MAX", 0x40 },
};

static int f_scheduler(struct oci_ctx *c, const char *path, json_t *v)
{
	struct taper_sched *s = &c->spec->process.sched;
	char sub[OCI_PATH_MAX];
	const char *key;
	json_t *val;
	int64_t i = 0;
	int r;

	if ((r = oci_object(c, path, v)) < 0 || (r = oci_required(c, path, v, "policy", sub, NULL)) < 0)
		return r;
	json_object_foreach (v, key, val) {
		oci_key(sub, path, key);
		if (strcmp(key, "policy") == 0) {
			const char *name;
			size_t k;

			if ((r = oci_string(c, sub, val, &name)) < 0)
				return r;
			for (k = 0; k < ARRAY_SIZE(sched_policies) && strcmp(sched_policies[k].name, name);
			     k++)
				;
			if (k == ARRAY_SIZE(sched_policies))
				return oci_fail(c, sub, "unknown or unsupported policy \"%s\"", name);
			s->policy = sched_policies[k].policy;
		} else if (strcmp(key, "nice") == 0) {
			if ((r = oci_int(c, sub, val, -20, 19, &i)) == 0)
				s->nice = (int)i;
		} else if (strcmp(key, "priority") == 0) {
			if ((r = oci_int(c, sub, val, 0, 99, &i)) == 0)
				s->priority = (int)i;
		} else if (strcmp(key, "runtime") == 0) {
			r = oci_u64(c, sub, val, &s->runtime);
		} else if (strcmp(key, "deadline") == 0) {
			r = oci_u64(c, sub, val, &s->deadline);
		} else if (strcmp(key, "period") == 0) {
			r = oci_u64(c, sub, val, &s->period);
		} else if (strcmp(key, "flags") == 0) {
			_cleanup_strv_free_ char **l = NULL;

			if ((r = oci_strv(c, sub, val, &l)) < 0)
				return r;
			for (size_t n = 0; l[n]; n++) {
				size_t k;

				for (k = 0; k < ARRAY_SIZE(sched_flags) && strcmp(sched_flags[k].name, l[n]);
				     k++)
					;
				if (k == ARRAY_SIZE(sched_flags)) {
					char at[OCI_PATH_MAX];

					return oci_fail(c, oci_idx(at, sub, n), "unknown flag \"%s\"", l[n]);
				}
				s->flags |= sched_flags[k].flag;
			}
		} else {
			r = oci_unknown(c, sub);
		}
		if (r < 0)
			return r;
	}
	return 0;
}

static const struct oci_field process_fields[] = {
	{ "terminal", f_terminal, NULL },
	{ "consoleSize", f_console, NULL },
	{ "user", f_user, NULL },
	{ "args", f_args, NULL },
	{ "commandLine", NULL, "a command line string is for Windows; give args" },
	{ "env", f_env, NULL },
	{ "cwd", f_cwd, NULL },
	{ "capabilities", f_caps, NULL },
	{ "rlimits", f_rlimits, NULL },
	{ "apparmorProfile", NULL, "AppArmor is not supported (no AppArmor on this runtime's hosts)" },
	{ "selinuxLabel", NULL, "SELinux labels are not supported" },
	{ "noNewPrivileges", f_no_new_privs, NULL },
	{ "oomScoreAdj", f_oom_score_adj, NULL },
	{ "scheduler", f_scheduler, NULL },
	{ "ioPriority", f_ioprio, NULL },
	{ "execCPUAffinity", NULL, "CPU affinity of the runtime's processes is not supported" },
	{ NULL, NULL, NULL },
};

int oci_process(struct oci_ctx *c, const char *path, json_t *v)
{
	const struct taper_caps *caps;
	char sub[OCI_PATH_MAX];
	uint64_t lost;
	int r;

	if ((r = oci_object(c, path, v)) < 0 || (r = oci_required(c, path, v, "cwd", sub, NULL)) < 0 ||
	    (r = oci_required(c, path, v, "args", sub, NULL)) < 0 ||
	    (r = oci_required(c, path, v, "user", sub, NULL)) < 0 ||
	    (r = oci_walk(c, path, v, process_fields)) < 0)
		return r;
	if (c->spec->process.sched.policy == 6 /* SCHED_DEADLINE */ &&
	    (!c->spec->process.sched.runtime || !c->spec->process.sched.deadline))
		return oci_fail(c, oci_key(sub, path, "scheduler"),
				"SCHED_DEADLINE needs runtime and deadline");
	caps = &c->spec->process.caps;
	lost = caps->ambient & ~(caps->permitted & caps->inheritable);
	if (lost) {
		/* runc drops these without a word; the kernel raises an ambient
		 * capability only when it is permitted and inheritable. */
		oci_key(sub, path, "capabilities.ambient");
		return oci_fail(c, sub, "%s is not both permitted and inheritable: it cannot be ambient",
				spec_cap_to_name(__builtin_ctzll(lost)));
	}
	return 0;
}
