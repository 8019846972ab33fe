/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * spec.c — include/taper.h's spec calls: make a struct taper_spec (the
 * defaults, `taper run` flags, a stored container's config) and adjust it
 * field by field, as a front end compiling its own format (OCI's
 * config.json) needs. Each adjuster checks its value before it changes
 * anything, so a refused call leaves the spec as it was.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "config/config.h"
#include "limits/limits.h"
#include "spec/flags.h"
#include "spec/spec.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/parse.h"
#include "util/strv.h"

TAPER_EXPORT int taper_spec_new(struct taper_spec **ret, struct taper_err *err)
{
	*ret = spec_new();
	return *ret ? 0 : err_set(err, ENOMEM, "allocate spec");
}

TAPER_EXPORT void taper_spec_free(struct taper_spec *spec)
{
	spec_free(spec);
}

TAPER_EXPORT int taper_spec_from_run_flags(int argc, char **argv, struct taper_spec **ret,
					   struct taper_run_flags *ret_flags, struct taper_err *err)
{
	return spec_from_run_flags(argc, argv, ret, ret_flags, err);
}

TAPER_EXPORT int taper_run_flags_help(char **ret_text, struct taper_err *err)
{
	size_t len;
	FILE *f = open_memstream(ret_text, &len);

	if (!f)
		return err_set(err, ENOMEM, "run flags help");
	spec_run_flags_usage(f);
	if (fclose(f) != 0) {
		free(*ret_text);
		*ret_text = NULL;
		return err_set(err, ENOMEM, "run flags help");
	}
	return 0;
}

TAPER_EXPORT int taper_spec_from_container(struct taper_store *s, const char *name, struct taper_spec **ret,
					   struct taper_err *err)
{
	struct container_settings settings;

	*ret = NULL;
	if (taper_container_name_check(name, err) < 0)
		return -EINVAL;
	return config_load_container(s, name, ret, &settings, err);
}

/* *dst = a copy of v (NULL: NULL). */
static int set_str(char **dst, const char *v, const char *what, struct taper_err *err)
{
	char *c = NULL;

	if (v && !(c = strdup(v)))
		return err_set(err, ENOMEM, "%s", what);
	free(*dst);
	*dst = c;
	return 0;
}

static bool absolute(const char *p)
{
	return p && p[0] == '/';
}

/* A rootfs the user namespace's map does not own on disk (an unpacked
 * image, owned by host root) is shown through an idmapped mount, as
 * `taper run --userns` decides it (spec/flags.c). */
static void decide_rootfs_idmap(struct taper_spec *spec)
{
	struct stat st;

	if (!(spec->namespaces & TAPER_NS_USER) || !spec->rootfs || !spec->n_uid_map ||
	    stat(spec->rootfs, &st) < 0)
		return;
	spec->rootfs_idmap = !spec_idmap_has_host_id(spec->uid_map, spec->n_uid_map, st.st_uid);
}

TAPER_EXPORT int taper_spec_set_name(struct taper_spec *spec, const char *name, struct taper_err *err)
{
	if (name && taper_container_name_check(name, err) < 0)
		return -EINVAL;
	return set_str(&spec->name, name, "name", err);
}

TAPER_EXPORT int taper_spec_set_cgroup_path(struct taper_spec *spec, const char *path, struct taper_err *err)
{
	if (path && !cgroup_path_is_valid(path))
		return err_set(err, EINVAL,
			       "cgroup path \"%s\": not a path of names ([A-Za-z0-9][A-Za-z0-9_.-]*, "
			       "'/' between them)",
			       path);
	return set_str(&spec->cgroup_path, path, "cgroup path", err);
}

TAPER_EXPORT const char *taper_spec_cgroup_path(const struct taper_spec *spec)
{
	return spec->cgroup_path;
}

TAPER_EXPORT int taper_spec_add_hook(struct taper_spec *spec, enum taper_hook_phase phase, const char *path,
				     char *const *args, char *const *env, unsigned timeout,
				     struct taper_err *err)
{
	if ((unsigned)phase >= TAPER_HOOK_COUNT)
		return err_set(err, EINVAL, "hook phase %d: unknown", (int)phase);
	if (!absolute(path))
		return err_set(err, EINVAL, "hook path '%s' is not absolute", path ? path : "");
	if (spec_add_hook(spec, phase, path, args, env, timeout) < 0)
		return err_set(err, ENOMEM, "hook %s", path);
	return 0;
}

TAPER_EXPORT size_t taper_spec_hook_count(const struct taper_spec *spec, enum taper_hook_phase phase)
{
	return (unsigned)phase < TAPER_HOOK_COUNT ? spec->n_hooks[phase] : 0;
}

TAPER_EXPORT int taper_spec_set_rootfs(struct taper_spec *spec, const char *path, bool readonly,
				       struct taper_err *err)
{
	struct stat st;
	int r;

	if (!absolute(path))
		return err_set(err, EINVAL, "rootfs '%s' is not an absolute path", path ? path : "");
	if (stat(path, &st) < 0)
		return err_set(err, errno, "rootfs %s", path);
	if (!S_ISDIR(st.st_mode))
		return err_set(err, ENOTDIR, "rootfs %s", path);
	if ((r = set_str(&spec->rootfs, path, "rootfs", err)) < 0)
		return r;
	spec->rootfs_readonly = readonly;
	decide_rootfs_idmap(spec);
	return 0;
}

TAPER_EXPORT int taper_spec_set_args(struct taper_spec *spec, char *const *argv, struct taper_err *err)
{
	char **v;

	if (!argv || !argv[0] || !argv[0][0])
		return err_set(err, EINVAL, "no command given");
	if (!(v = strv_copy(argv)))
		return err_set(err, ENOMEM, "command");
	strv_free(spec->process.argv);
	spec->process.argv = v;
	return 0;
}

static int check_env(const char *kv, struct taper_err *err)
{
	if (!kv || !strchr(kv, '=') || kv[0] == '=')
		return err_set(err, EINVAL, "environment: expected KEY=VALUE, got '%s'", kv ? kv : "");
	return 0;
}

TAPER_EXPORT int taper_spec_set_env(struct taper_spec *spec, char *const *env, struct taper_err *err)
{
	_cleanup_strv_free_ char **v = NULL;

	for (char *const *e = env; e && *e; e++) {
		if (check_env(*e, err) < 0)
			return -EINVAL;
		if (strv_env_set(&v, *e) < 0)
			return err_set(err, ENOMEM, "environment");
	}
	strv_free(spec->process.env);
	spec->process.env = TAKE_PTR(v);
	return 0;
}

TAPER_EXPORT int taper_spec_setenv(struct taper_spec *spec, const char *kv, struct taper_err *err)
{
	if (check_env(kv, err) < 0)
		return -EINVAL;
	return strv_env_set(&spec->process.env, kv) < 0 ? err_set(err, ENOMEM, "environment") : 0;
}

TAPER_EXPORT int taper_spec_set_cwd(struct taper_spec *spec, const char *cwd, struct taper_err *err)
{
	if (cwd && !absolute(cwd))
		return err_set(err, EINVAL, "working directory '%s' is not absolute", cwd);
	return set_str(&spec->process.cwd, cwd, "working directory", err);
}

TAPER_EXPORT int taper_spec_set_hostname(struct taper_spec *spec, const char *hostname, struct taper_err *err)
{
	if (hostname && (!*hostname || strlen(hostname) > 64))
		return err_set(err, EINVAL, "invalid hostname '%s'", hostname);
	return set_str(&spec->hostname, hostname, "hostname", err);
}

TAPER_EXPORT int taper_spec_set_user(struct taper_spec *spec, uint32_t uid, uint32_t gid,
				     const uint32_t *gids, size_t n, struct taper_err *err)
{
	gid_t *v = NULL;

	if (n && !(v = calloc(n, sizeof(*v))))
		return err_set(err, ENOMEM, "additional gids");
	for (size_t i = 0; i < n; i++)
		v[i] = gids[i];
	free(spec->process.additional_gids);
	spec->process.additional_gids = v;
	spec->process.n_additional_gids = n;
	spec->process.uid = uid;
	spec->process.gid = gid;
	return 0;
}

TAPER_EXPORT int taper_spec_set_limit(struct taper_spec *spec, const char *key, const char *value,
				      struct taper_err *err)
{
	const struct limit_opt *o = key ? limit_opt_by_key(key) : NULL;

	if (!o)
		return err_set(err, EINVAL, "unknown limit \"%s\"", key ? key : "");
	if (limit_opt_parse(o, value, &spec->limits, err) < 0)
		return err_wrap(err, "%s", key);
	/* A new group has no limit to remove. */
	limit_opt_unset_max(o, &spec->limits);
	return 0;
}

TAPER_EXPORT int taper_spec_add_mount(struct taper_spec *spec, const char *source, const char *target,
				      const char *fstype, const char *data, unsigned flags,
				      struct taper_err *err)
{
	const unsigned known = TAPER_MOUNT_BIND | TAPER_MOUNT_RECURSIVE | TAPER_MOUNT_READONLY |
			       TAPER_MOUNT_NOSUID | TAPER_MOUNT_NODEV | TAPER_MOUNT_NOEXEC |
			       TAPER_MOUNT_OPTIONAL | TAPER_MOUNT_CREATE_FILE;
	bool bind = flags & TAPER_MOUNT_BIND;

	if (!absolute(target))
		return err_set(err, EINVAL, "mount target '%s' is not absolute", target ? target : "");
	if (flags & ~known)
		return err_set(err, EINVAL, "mount on %s: unknown flags %#x", target, flags & ~known);
	if (bind ? !absolute(source) || fstype : !source || !fstype || !*fstype)
		return err_set(err, EINVAL, "mount on %s: %s", target,
			       bind ? "a bind takes an absolute source and no fstype"
				    : "a filesystem mount takes a source and an fstype");
	return spec_add_mount(spec, source, target, fstype, data, flags) < 0
		       ? err_set(err, ENOMEM, "mount on %s", target)
		       : 0;
}

TAPER_EXPORT int taper_spec_set_namespace(struct taper_spec *spec, unsigned ns, bool on, const char *path,
					  struct taper_err *err)
{
	const char *name = spec_ns_name(ns);
	char **slot;
	int r;

	if (!name)
		return err_set(err, EINVAL, "unknown namespace %#x", ns);
	if (path && (!on || !absolute(path) || ns == TAPER_NS_USER || ns == TAPER_NS_MNT))
		return err_set(err, EINVAL, "%s namespace: cannot join '%s'%s", name, path,
			       ns == TAPER_NS_USER || ns == TAPER_NS_MNT ? " (not supported)"
			       : on                                      ? " (not an absolute path)"
									 : "");
	slot = &spec->ns_path[spec_ns_index(ns)];
	if ((r = set_str(slot, path, "namespace path", err)) < 0)
		return r;
	if (on)
		spec->namespaces |= ns;
	else
		spec->namespaces &= ~ns;
	if (ns == TAPER_NS_USER)
		decide_rootfs_idmap(spec);
	return 0;
}

TAPER_EXPORT int taper_spec_add_idmap(struct taper_spec *spec, bool gid, uint32_t container_id,
				      uint32_t host_id, uint32_t count, struct taper_err *err)
{
	int r;

	if (count == 0 || (uint64_t)container_id + count - 1 > UINT32_MAX ||
	    (uint64_t)host_id + count - 1 > UINT32_MAX)
		return err_set(err, EINVAL, "%s map %u:%u:%u: out of range", gid ? "gid" : "uid",
			       container_id, host_id, count);
	r = gid ? spec_add_idmap(&spec->gid_map, &spec->n_gid_map, container_id, host_id, count)
		: spec_add_idmap(&spec->uid_map, &spec->n_uid_map, container_id, host_id, count);
	if (r < 0)
		return err_set(err, ENOMEM, "id map");
	spec->namespaces |= TAPER_NS_USER;
	decide_rootfs_idmap(spec);
	return 0;
}

/* One capability or ALL as a mask. held: only those this host's bounding
 * set has (ALL), or -EPERM (one), as `taper run --cap-add` takes them. */
static int cap_mask(const char *name, bool held, uint64_t *ret, struct taper_err *err)
{
	int cap;

	if (name && strcasecmp(name, "ALL") == 0) {
		int last = spec_cap_last();

		*ret = last >= 63 ? ~UINT64_C(0) : (UINT64_C(1) << (last + 1)) - 1;
		for (cap = 0; held && cap <= last && cap < 64; cap++)
			if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 0)
				*ret &= ~(UINT64_C(1) << cap);
		return 0;
	}
	if (!name || (cap = spec_cap_from_name(name)) < 0)
		return err_set(err, EINVAL, "unknown capability '%s'", name ? name : "");
	if (held && prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 0)
		return err_set(err, EPERM,
			       "%s is not in this host's bounding set: no process here can have it",
			       spec_cap_to_name(cap));
	*ret = UINT64_C(1) << cap;
	return 0;
}

TAPER_EXPORT const char *taper_cap_name(int cap)
{
	return cap < 0 ? NULL : spec_cap_to_name(cap);
}

TAPER_EXPORT int taper_spec_set_caps(struct taper_spec *spec, enum taper_cap_set set, char *const *names,
				     struct taper_err *err)
{
	struct taper_caps *c = &spec->process.caps;
	uint64_t *field[] = { &c->bounding, &c->effective, &c->permitted, &c->inheritable, &c->ambient };
	uint64_t mask = 0, m = 0;

	if ((unsigned)set >= ARRAY_SIZE(field))
		return err_set(err, EINVAL, "unknown capability set %d", (int)set);
	for (char *const *n = names; n && *n; n++) {
		if (cap_mask(*n, false, &m, err) < 0)
			return -EINVAL;
		mask |= m;
	}
	*field[set] = mask;
	return 0;
}

TAPER_EXPORT int taper_spec_change_cap(struct taper_spec *spec, const char *name, bool add,
				       struct taper_err *err)
{
	uint64_t m = 0;
	int r;

	if ((r = cap_mask(name, add, &m, err)) < 0)
		return r;
	if (add)
		spec_caps_add(&spec->process.caps, m);
	else
		spec_caps_drop(&spec->process.caps, m);
	return 0;
}

TAPER_EXPORT int taper_spec_set_seccomp(struct taper_spec *spec, const char *profile, struct taper_err *err)
{
	if (!profile || !*profile)
		return err_set(err, EINVAL, "seccomp: expected default, unconfined or a profile path");
	return set_str(&spec->process.seccomp, profile, "seccomp", err);
}

TAPER_EXPORT int taper_spec_set_rlimit(struct taper_spec *spec, int resource, uint64_t soft, uint64_t hard,
				       struct taper_err *err)
{
	if (resource < 0 || resource >= RLIMIT_NLIMITS || soft > hard)
		return err_set(err, EINVAL, "rlimit %d: %s", resource,
			       soft > hard ? "soft limit above the hard one" : "unknown resource");
	return spec_set_rlimit(spec, resource, soft, hard) < 0 ? err_set(err, ENOMEM, "rlimit") : 0;
}

TAPER_EXPORT void taper_spec_set_no_new_privs(struct taper_spec *spec, bool on)
{
	spec->process.no_new_privs = on;
}

TAPER_EXPORT void taper_spec_set_terminal(struct taper_spec *spec, bool on)
{
	spec->process.terminal = on;
}

TAPER_EXPORT void taper_spec_set_init(struct taper_spec *spec, bool on)
{
	spec->init = on;
}
