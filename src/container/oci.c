/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * oci.c — include/taper.h's calls for a runtime of the OCI kind: a spec
 * from a bundle's config.json (spec/oci-*.c), a process in a run made by
 * another process (exec), and a named run's cgroup reached by name from
 * any process (state, kill --all, pause, update, ps, events, delete).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "container/container.h"
#include "limits/limits.h"
#include "run/hooks.h"
#include "run/run.h"
#include "spec/oci.h"
#include "spec/spec.h"
#include "store/store.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/parse.h"

TAPER_EXPORT int taper_spec_from_oci(const char *bundle, bool strict, struct taper_spec **ret,
				     char ***ret_ignored, struct taper_err *err)
{
	return spec_from_oci_bundle(bundle, strict ? SPEC_OCI_STRICT : 0, ret, ret_ignored, err);
}

TAPER_EXPORT int taper_spec_run_hooks(const struct taper_spec *spec, enum taper_hook_phase phase, pid_t pid,
				      struct taper_err *err)
{
	static const char *const status[TAPER_HOOK_COUNT] = {
		[TAPER_HOOK_PRESTART] = "creating",         [TAPER_HOOK_CREATE_RUNTIME] = "creating",
		[TAPER_HOOK_CREATE_CONTAINER] = "creating", [TAPER_HOOK_START_CONTAINER] = "created",
		[TAPER_HOOK_POSTSTART] = "running",         [TAPER_HOOK_POSTSTOP] = "stopped",
	};
	_cleanup_free_ char *body = NULL;
	int r;

	if ((unsigned)phase >= TAPER_HOOK_COUNT)
		return err_set(err, EINVAL, "hook phase %d: unknown", (int)phase);
	if (!spec->n_hooks[phase])
		return 0;
	if ((r = hooks_state_body(spec, &body)) < 0)
		return err_set(err, -r, "%s hooks' state", hooks_phase_name(phase));
	return hooks_run(spec, phase, body, status[phase], pid, true, err);
}

TAPER_EXPORT int taper_spec_from_oci_text(const char *label, const char *text, size_t len, const char *bundle,
					  struct taper_spec **ret, struct taper_err *err)
{
	return spec_oci_compile(label, text, len, bundle, 0, ret, NULL, err);
}

TAPER_EXPORT int taper_spec_set_oci_process(struct taper_spec *spec, const char *label, const char *json,
					    size_t len, struct taper_err *err)
{
	return spec_oci_compile_process(label, json, len, spec, err);
}

TAPER_EXPORT char *const *taper_spec_annotations(const struct taper_spec *spec)
{
	return spec->annotations;
}

TAPER_EXPORT const char *taper_spec_rootfs(const struct taper_spec *spec)
{
	return spec->rootfs;
}

TAPER_EXPORT bool taper_spec_terminal(const struct taper_spec *spec)
{
	return spec->process.terminal;
}

TAPER_EXPORT const char *const *taper_oci_mount_options(void)
{
	return spec_oci_mount_options();
}

/* The group of run `name` of the store at store_path, opened. */
static int group_open(const char *store_path, const char *name, struct cgroup_manager **ret_m,
		      struct taper_cgroup **ret, struct taper_err *err)
{
	char canon[PATH_MAX], id[STORE_ID_LEN + 1], group[STORE_ID_LEN + 1 + CGROUP_PATH_MAX];
	const char *store = store_path ? store_path : TAPER_STORE_DEFAULT;
	int r;

	/* A name, or a cgroup path as taper_spec_set_cgroup_path() takes it. */
	if (!cgroup_path_is_valid(name))
		return err_set(err, EINVAL, "cgroup \"%s\": not a cgroup path", name);
	store_id_of_path(realpath(store, canon) ? canon : store, id);
	if (name[0] == '/')
		snprintf(group, sizeof(group), "%s", name);
	else if ((r = run_cgroup_group(group, sizeof(group), id, name)) < 0)
		return err_set(err, -r, "cgroup group %s/%s", id, name);
	if ((r = cgroup_manager_open(NULL, ret_m, err)) < 0)
		return r;
	r = cgroup_open(*ret_m, group, ret, err);
	return r == -ENOENT ? err_set(err, ENOENT, "run \"%s\": no cgroup", name) : r;
}

#define GROUP_OPEN(store, name, err)                                     \
	_cleanup_(cgroup_manager_freep) struct cgroup_manager *m = NULL; \
	_cleanup_(cgroup_freep) struct taper_cgroup *cg = NULL;          \
	int r = group_open(store, name, &m, &cg, err);                   \
	if (r < 0)                                                       \
	return r

TAPER_EXPORT int taper_run_group_pids(const char *store_path, const char *name, pid_t **ret, size_t *ret_n,
				      struct taper_err *err)
{
	GROUP_OPEN(store_path, name, err);
	return cgroup_pids(cg, ret, ret_n, err);
}

TAPER_EXPORT int taper_run_group_freeze(const char *store_path, const char *name, bool frozen,
					struct taper_err *err)
{
	GROUP_OPEN(store_path, name, err);
	return cgroup_freeze(cg, frozen, err);
}

TAPER_EXPORT int taper_run_group_frozen(const char *store_path, const char *name, bool *ret,
					struct taper_err *err)
{
	GROUP_OPEN(store_path, name, err);
	r = cgroup_is_frozen(cg, ret);
	return r < 0 ? err_set(err, r, "run \"%s\": freezer state", name) : 0;
}

TAPER_EXPORT int taper_run_group_set_limit(const char *store_path, const char *name, const char *key,
					   const char *value, struct taper_err *err)
{
	const struct limit_opt *o = key ? limit_opt_by_key(key) : NULL;
	struct taper_limits l;

	if (!o)
		return err_set(err, EINVAL, "unknown limit \"%s\"", key ? key : "");
	GROUP_OPEN(store_path, name, err);
	limits_init(&l);
	if ((r = limit_opt_parse(o, value, &l, err)) < 0 || (r = cgroup_validate(m, &l, err)) < 0 ||
	    (r = cgroup_set_limits(cg, &l, err)) < 0)
		r = err_wrap(err, "%s", key);
	limits_clear(&l);
	return r;
}

TAPER_EXPORT int taper_run_group_stats(const char *store_path, const char *name, struct taper_stats *ret,
				       struct taper_err *err)
{
	struct cgroup_stats st;
	struct timespec ts;

	GROUP_OPEN(store_path, name, err);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	if ((r = cgroup_stats(cg, &st, err)) < 0)
		return r;
	*ret = (struct taper_stats){
		.timestamp_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec,
		.cpu_usage_ns = st.cpu_usage_ns,
		.memory_bytes = st.memory_current,
		.memory_peak_bytes = st.memory_peak,
		.memory_limit_bytes = st.memory_limit,
		.pids = st.pids_current,
		.pids_limit = st.pids_limit,
		.io_read_bytes = st.io_read_bytes,
		.io_write_bytes = st.io_write_bytes,
		.oom_kills = st.oom_kills,
	};
	return 0;
}

TAPER_EXPORT int taper_run_group_remove(const char *store_path, const char *name, struct taper_err *err)
{
	_cleanup_(cgroup_manager_freep) struct cgroup_manager *m = NULL;
	_cleanup_(cgroup_freep) struct taper_cgroup *cg = NULL;
	int r = group_open(store_path, name, &m, &cg, err);

	if (r == -ENOENT)
		return 0;
	return r < 0 ? r : cgroup_destroy(cg, err);
}
