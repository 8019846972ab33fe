/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * run.c — include/taper.h's run handle: a spec through the executor
 * (run/), in a cgroup of its own named after the store, with its limits
 * checked against the host's cgroups first.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "run/run.h"
#include "spec/spec.h"
#include "store/store.h"
#include "util/cleanup-api.h"
#include "util/err.h"
#include "util/parse.h"

struct taper_run {
	struct cgroup_manager *cgm;
	struct run_child *child;
	char group[STORE_ID_LEN + 1 + CGROUP_PATH_MAX];
};

TAPER_EXPORT void taper_run_opts_init(struct taper_run_opts *o)
{
	*o = (struct taper_run_opts){ .stdio = { -1, -1, -1 } };
}

TAPER_EXPORT void taper_run_free(struct taper_run *run)
{
	if (!run)
		return;
	run_child_free(run->child);
	cgroup_manager_free(run->cgm);
	free(run);
}

/* "<store-id>/<name>": under the store's id like its containers, so that
 * two stores never share a subtree; run_group_name() for an unnamed spec.
 * The spec's cgroup path instead when it has one: "/a/b" as it is, "a/b"
 * under the store's id. */
static int run_group(const struct taper_spec *spec, const struct taper_run_opts *o, char *buf, size_t n,
		     char id[STORE_ID_LEN + 1], struct taper_err *err)
{
	const char *store = o->store_path ? o->store_path : TAPER_STORE_DEFAULT;
	char canon[PATH_MAX], name[64];
	int r;

	store_id_of_path(realpath(store, canon) ? canon : store, id);
	if (spec->cgroup_path && spec->cgroup_path[0] == '/') {
		if ((size_t)snprintf(buf, n, "%s", spec->cgroup_path) >= n)
			return err_set(err, ENAMETOOLONG, "cgroup %s", spec->cgroup_path);
		return 0;
	}
	if (spec->cgroup_path) {
		if ((r = run_cgroup_group(buf, n, id, spec->cgroup_path)) < 0)
			return err_set(err, -r, "cgroup group %s/%s", id, spec->cgroup_path);
		return 0;
	}
	if (!spec->name && (r = run_group_name(name, sizeof(name))) < 0)
		return err_set(err, -r, "cgroup group of run %d", (int)getpid());
	if ((r = run_cgroup_group(buf, n, id, spec->name ? spec->name : name)) < 0)
		return err_set(err, -r, "cgroup group %s/%s", id, spec->name ? spec->name : name);
	return 0;
}

/* What the executor does not check because its own callers never get it
 * wrong, and an API caller may. */
static int check_spec(const struct taper_spec *spec, struct taper_err *err)
{
	if (spec_ns_new(spec, TAPER_NS_USER) && (!spec->n_uid_map || !spec->n_gid_map))
		return err_set(err, EINVAL, "a user namespace needs a uid and a gid map");
	if (spec->hostname && !(spec->namespaces & TAPER_NS_UTS))
		return err_set(err, EINVAL, "a hostname needs a UTS namespace of the container's");
	return 0;
}

static int run_begin(const struct taper_spec *spec, const struct taper_run_opts *o, bool hold,
		     struct taper_run **ret, struct taper_err *err)
{
	_cleanup_(taper_run_freep) struct taper_run *run = NULL;
	char id[STORE_ID_LEN + 1];
	struct run_opts ro;
	int r;

	*ret = NULL;
	if (o->ret_status)
		*o->ret_status = TAPER_STATUS_RUNTIME_ERROR;
	if ((r = check_spec(spec, err)) < 0)
		return r;
	if (!(run = calloc(1, sizeof(*run))))
		return err_set(err, ENOMEM, "allocate run");
	/* Always a cgroup: it holds the device rules, and the limits if any. */
	if ((r = run_group(spec, o, run->group, sizeof(run->group), id, err)) < 0 ||
	    (r = cgroup_manager_open(NULL, &run->cgm, err)) < 0 ||
	    (r = cgroup_validate(run->cgm, &spec->limits, err)) < 0)
		return r;
	/* What SIGKILLed runs of this store left (best effort). */
	if (!spec->name)
		(void)run_reclaim_groups(run->cgm, id, false, NULL, NULL);
	run_opts_init(&ro);
	for (int i = 0; i < 3; i++)
		ro.stdio[i] = o->stdio[i];
	ro.pty = o->pty;
	ro.winsize = (struct winsize){ .ws_row = o->rows, .ws_col = o->cols };
	ro.cgroups = run->cgm;
	ro.cgroup_group = run->group;
	ro.cgroup_minimal = o->minimal_cgroup;
	ro.detach = o->detach;
	ro.ret_status = o->ret_status;
	ro.extra_fds = o->extra_fds;
	ro.n_extra_fds = o->n_extra_fds;
	ro.hold = hold;
	r = hold ? run_create(spec, &ro, &run->child, err) : run_spawn(spec, &ro, &run->child, err);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(run);
	return 0;
}

TAPER_EXPORT int taper_run_create(const struct taper_spec *spec, const struct taper_run_opts *opts,
				  struct taper_run **ret, struct taper_err *err)
{
	return run_begin(spec, opts, true, ret, err);
}

TAPER_EXPORT int taper_run_spawn(const struct taper_spec *spec, const struct taper_run_opts *opts,
				 struct taper_run **ret, struct taper_err *err)
{
	return run_begin(spec, opts, false, ret, err);
}

TAPER_EXPORT int taper_run_start(struct taper_run *run, struct taper_err *err)
{
	return run_start(run->child, err);
}

TAPER_EXPORT int taper_run_wait(struct taper_run *run, struct taper_run_exit *ret, struct taper_err *err)
{
	struct run_exit ex;
	int r = run_wait(run->child, &ex, err);

	*ret = (struct taper_run_exit){ .code = ex.code,
					.signal = ex.signaled ? ex.signal : 0,
					.oom_killed = ex.oom_killed,
					.memory_limit = ex.memory_limit };
	return r;
}

TAPER_EXPORT int taper_run_kill(struct taper_run *run, int sig, struct taper_err *err)
{
	return run_kill(run->child, sig, err);
}

TAPER_EXPORT pid_t taper_run_pid(const struct taper_run *run)
{
	return run_child_pid(run->child);
}

TAPER_EXPORT int taper_run_pidfd(const struct taper_run *run)
{
	return run_child_pidfd(run->child);
}

TAPER_EXPORT int taper_run_pty_master(const struct taper_run *run)
{
	return run_child_pty_master(run->child);
}

TAPER_EXPORT int taper_run_exec(pid_t init, const struct taper_spec *spec, const struct taper_run_opts *o,
				struct taper_run **ret, struct taper_err *err)
{
	_cleanup_(taper_run_freep) struct taper_run *run = NULL;
	char id[STORE_ID_LEN + 1];
	struct run_opts ro;
	int r;

	*ret = NULL;
	if (o->ret_status)
		*o->ret_status = TAPER_STATUS_RUNTIME_ERROR;
	if (!spec->name)
		return err_set(err, EINVAL, "exec: the spec names no run");
	if (!(run = calloc(1, sizeof(*run))))
		return err_set(err, ENOMEM, "allocate run");
	if ((r = run_group(spec, o, run->group, sizeof(run->group), id, err)) < 0 ||
	    (r = cgroup_manager_open(NULL, &run->cgm, err)) < 0)
		return r;
	run_opts_init(&ro);
	for (int i = 0; i < 3; i++)
		ro.stdio[i] = o->stdio[i];
	ro.pty = o->pty || spec->process.terminal;
	ro.winsize = (struct winsize){ .ws_row = o->rows, .ws_col = o->cols };
	ro.cgroups = run->cgm;
	ro.cgroup_group = run->group;
	ro.detach = o->detach;
	ro.ret_status = o->ret_status;
	ro.extra_fds = o->extra_fds;
	ro.n_extra_fds = o->n_extra_fds;
	if ((r = run_attach(init, &spec->process, &ro, &run->child, err)) < 0)
		return r;
	*ret = TAKE_PTR(run);
	return 0;
}
