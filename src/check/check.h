/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * check.h — what this kernel and host offer containers, found by probing.
 *
 * A static table of probes (check_probes()): one row per feature with its
 * name, category, whether a default container needs it, the probe, what it
 * is for and how to fix it. check_run() gathers the facts every probe shares
 * once (cgroup mounts, /proc/cgroups, the kernel config), runs each probe and
 * returns one result per row, in table order.
 *
 * Probes test the real thing rather than trusting the kernel config: a
 * namespace is created, a veth pair made and deleted, a seccomp filter
 * installed. Every probe runs in a worker process of its own, all side by
 * side (the run takes as long as the slowest probe, not the sum); anything
 * that changes process state runs in a further forked child (bounded in
 * time); network probes only inside a throw-away network namespace of that
 * child, mount probes only inside a private mount namespace. Nothing on
 * the host changes.
 *
 * Required (a default container cannot start without it): the pid, mount,
 * uts, ipc, net and cgroup namespaces; a usable cgroup hierarchy; veth and
 * bridge links; seccomp filters; no_new_privs; pivot_root; clone3; openat2.
 * Everything else (user and time namespaces, single controllers, macvlan,
 * nftables, overlayfs, pidfd_open, close_range, rootless helpers) degrades
 * one feature only and is reported, not required.
 *
 * Test hook: check_options.force_fail is a comma-separated list of probe
 * names marked failed after probing (the CLI passes $TAPER_CHECK_FORCE_FAIL),
 * so that the failure paths of a front end can be exercised on a kernel that
 * has everything. An unknown name is an error, so a typo cannot pass a test.
 */
#ifndef TAPER_CHECK_CHECK_H
#define TAPER_CHECK_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include <taper.h>

#include "cgroup/cgroup.h"

enum check_category {
	CHECK_CAT_NAMESPACES,
	CHECK_CAT_CGROUPS,
	CHECK_CAT_NETWORK,
	CHECK_CAT_SECURITY,
	CHECK_CAT_MOUNTS,
	CHECK_CAT_SYSCALLS,
	CHECK_CAT_ROOTLESS,
	CHECK_CAT_MAX,
};

#define CHECK_DETAIL_MAX 320

struct check_env;

struct check_probe {
	const char *name; /* "ns.pid", "cgroup.memory", "net.veth", ... */
	enum check_category category;
	bool required;
	/* Fills detail (what was found, or why it failed); true when present. */
	bool (*probe)(struct check_env *env, const struct check_probe *p, char *detail, size_t len);
	unsigned long flag; /* probe argument: a CLONE_NEW* flag, ... */
	const char *word;   /* probe argument: a controller, a link kind, a path */
	const char *purpose;
	const char *fix;
	/* The fix when the kernel lacks the thing altogether (a controller
	 * absent from /proc/cgroups: nothing to mount); NULL: fix. */
	const char *fix_absent;
	const char *kconfig; /* space-separated CONFIG_ options it rests on, or NULL */
};

struct check_result {
	const struct check_probe *probe;
	bool ok;
	bool forced; /* failed by check_options.force_fail */
	char detail[CHECK_DETAIL_MAX];
};

struct check_report {
	enum cgroup_mode cgroup_mode; /* from mountinfo: cgroup_mounts_mode() */
	struct check_result *results; /* one per check_probes() row, same order */
	size_t n_results;
	const char *kconfig_source; /* "/proc/config.gz", "/boot/config-<release>" or NULL */
	struct check_env *env;      /* owned: facts behind check_report_kconfig() */
};

struct check_options {
	const char *force_fail; /* test hook, see above; NULL for none */
};

const struct check_probe *check_probes(size_t *ret_n);
const char *check_category_name(enum check_category c);  /* "namespaces", ... */
const char *check_category_title(enum check_category c); /* "Namespaces", ... */

int check_run(const struct check_options *opts, struct check_report *ret, struct taper_err *err);
void check_report_clear(struct check_report *r);

/* True when every required probe passed. */
bool check_report_ok(const struct check_report *r);

/* How to fix a failed probe on this kernel: never to mount a controller
 * the kernel does not have. */
const char *check_result_fix(const struct check_report *rep, const struct check_result *r);

/* A CONFIG_ option's value in the kernel config ("y", "m", "n" for "is not
 * set", or the literal value); NULL when absent or no config was found. */
const char *check_report_kconfig(const struct check_report *r, const char *option);

#endif
