/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * check-internal.h — shared by the files of src/check/ and its unit tests:
 * the pure parsers (kernel config, /proc/cgroups), the facts
 * gathered once per run (struct check_env), the forked-child runner and the
 * probe functions the table in check.c points at.
 */
#ifndef TAPER_CHECK_INTERNAL_H
#define TAPER_CHECK_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "cgroup/mounts.h"
#include "check/check.h"

/* --- kernel config (kconfig.c) --- */

struct kconfig_entry {
	const char *name;  /* "CONFIG_USER_NS" */
	const char *value; /* "y", "m", "n" ("# ... is not set"), or the value as written */
};

struct kconfig {
	char *text;                    /* owned; entries point into it */
	struct kconfig_entry *entries; /* sorted by name */
	size_t n;
};

/* Parse a .config text, taking ownership of text (freed on failure too).
 * Lines that are neither "CONFIG_X=v" nor "# CONFIG_X is not set" are
 * ignored. -ENOMEM only. */
int kconfig_parse(char *text, struct kconfig *ret);
const char *kconfig_get(const struct kconfig *k, const char *name);
void kconfig_clear(struct kconfig *k);
/* /proc/config.gz, else /boot/config-<release>. -ENOENT when neither
 * exists; *ret_source is a static string or points into release. */
int kconfig_load(const char *release, struct kconfig *ret, char *ret_source, size_t source_len,
		 struct taper_err *err);

/* --- cgroup facts (check_cgroup.c) --- */

struct cg_subsys {
	char name[32];
	unsigned hierarchy; /* 0: not on a v1 hierarchy (unmounted, or on v2) */
	bool enabled;
};

/* /proc/cgroups. -EINVAL on a malformed line, -ENOMEM. */
int cg_subsys_parse(const char *text, struct cg_subsys **ret, size_t *ret_n);

/* --- facts shared by every probe, gathered once --- */

struct check_env {
	char release[128]; /* uname -r */
	struct cgroup_mounts cg;
	struct cg_subsys *subsys;
	size_t n_subsys;
	char *v2_controllers; /* cgroup.controllers at the cgroup2 root, or NULL */
	char *v2_subtree;     /* cgroup.subtree_control there, or NULL */
	struct kconfig kconfig;
	bool have_kconfig;
	char kconfig_source[160];
};

/* --- running a probe in a child (check.c) --- */

/* Runs in the forked child: returns 0 or -errno; msg says what it found
 * (on success too: a probe's detail). */
typedef int (*check_child_fn)(const void *arg, char *msg, size_t len);

/* fn in a child of child_run() (util/child.h), bounded in time: its result
 * (0 or -errno) and its msg. A child that crashes or hangs is reported in
 * msg and returns -EIO or -ETIMEDOUT. */
int check_in_child(check_child_fn fn, const void *arg, char *msg, size_t len);

/* Kernel release at least major.minor. */
bool check_kernel_at_least(const struct check_env *env, unsigned major, unsigned minor);

/* --- probes (one file per category) --- */

#define CHECK_PROBE(fn) bool fn(struct check_env *env, const struct check_probe *p, char *detail, size_t len)

CHECK_PROBE(probe_namespace);

CHECK_PROBE(probe_cgroup_hierarchy);
CHECK_PROBE(probe_cgroup_controller);
CHECK_PROBE(probe_cgroup_freezer);
CHECK_PROBE(probe_cgroup_device_rules);
CHECK_PROBE(probe_cgroup_v2);

CHECK_PROBE(probe_net_link);
CHECK_PROBE(probe_net_nftables);
CHECK_PROBE(probe_net_ip_forward);

CHECK_PROBE(probe_seccomp);
CHECK_PROBE(probe_seccomp_notify);
CHECK_PROBE(probe_no_new_privs);
CHECK_PROBE(probe_pivot_root);
CHECK_PROBE(probe_overlayfs);
CHECK_PROBE(probe_clone3);
CHECK_PROBE(probe_pidfd_open);
CHECK_PROBE(probe_openat2);
CHECK_PROBE(probe_close_range);

CHECK_PROBE(probe_userns_max);
CHECK_PROBE(probe_userns_unprivileged);
CHECK_PROBE(probe_idmap_binary);
CHECK_PROBE(probe_subid_file);

#endif
