/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * mounts.h — the cgroup filesystems this process sees, from mountinfo.
 *
 * Contract: cgroup_mounts_parse() lists every "cgroup" (v1) and "cgroup2"
 * mount of a /proc/<pid>/mountinfo text, wherever it is mounted, with the
 * controllers a v1 mount carries (its super options minus the ones that
 * are not controllers: "rw,xattr,name=systemd" carries none).
 * cgroup_mounts_mode() is the host's layout as the kernel shows it: v1
 * controller hierarchies and a cgroup2 mount are hybrid; a named v1
 * hierarchy beside cgroup2 holds no controller, so that is v2;
 * CGROUP_MODE_NONE when no cgroup filesystem is mounted.
 *
 * cgroup_manager_open() reads this to learn a real v1 hierarchy's
 * controllers; checkconfig reports from it, so that it keeps working where
 * a manager refuses the layout. Nothing here touches cgroupfs itself.
 */
#ifndef TAPER_CGROUP_MOUNTS_H
#define TAPER_CGROUP_MOUNTS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "cgroup/cgroup.h"

struct cgroup_mount {
	char *path;        /* mount point, unescaped */
	char *controllers; /* v1: "cpu,cpuacct" ("" for a named hierarchy only); v2: NULL */
	dev_t dev;         /* the filesystem's st_dev */
	bool v2;
	bool ro;
};

struct cgroup_mounts {
	struct cgroup_mount *mounts;
	size_t n;
};

/* -EINVAL on a malformed cgroup line, -ENOMEM. */
int cgroup_mounts_parse(const char *mountinfo, struct cgroup_mounts *ret);
/* cgroup_mounts_parse() of /proc/self/mountinfo; -errno. */
int cgroup_mounts_read(struct cgroup_mounts *ret);
void cgroup_mounts_clear(struct cgroup_mounts *l);

enum cgroup_mode cgroup_mounts_mode(const struct cgroup_mounts *l);
/* The first v1 mount holding controller, the first cgroup2 mount, the
 * first v1 mount of the filesystem dev; or NULL. */
const struct cgroup_mount *cgroup_mounts_v1(const struct cgroup_mounts *l, const char *controller);
const struct cgroup_mount *cgroup_mounts_v2(const struct cgroup_mounts *l);
const struct cgroup_mount *cgroup_mounts_v1_dev(const struct cgroup_mounts *l, dev_t dev);

#endif
