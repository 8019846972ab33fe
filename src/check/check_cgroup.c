/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The cgroup probes. The mounts and the mode come from the cgroup module's
 * mountinfo reading (cgroup/mounts.h), which works where a manager would
 * refuse the layout; /proc/cgroups (parsed here) adds what only this
 * report needs: controllers compiled in, enabled, and on which hierarchy.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup/devices.h"
#include "check/check-internal.h"
#include "util/cleanup.h"
#include "util/strv.h"

int cg_subsys_parse(const char *text, struct cg_subsys **ret, size_t *ret_n)
{
	_cleanup_free_ char *copy = strdup(text);
	_cleanup_free_ struct cg_subsys *v = NULL;
	size_t n = 0, cap = 0;
	char *save = NULL;

	if (!copy)
		return -ENOMEM;
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct cg_subsys s = {};
		unsigned hier, num, enabled;
		int used = 0;

		if (line[0] == '#')
			continue;
		if (sscanf(line, "%31s %u %u %u%n", s.name, &hier, &num, &enabled, &used) != 4 ||
		    line[used] != '\0' || enabled > 1)
			return -EINVAL;
		s.hierarchy = hier;
		s.enabled = enabled;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct cg_subsys *nv = realloc(v, ncap * sizeof(*nv));

			if (!nv)
				return -ENOMEM;
			v = nv;
			cap = ncap;
		}
		v[n++] = s;
	}
	*ret = TAKE_PTR(v);
	*ret_n = n;
	return 0;
}

/* --- probes --- */

static bool mount_usable(const struct cgroup_mount *m)
{
	return !m->ro && access(m->path, W_OK) == 0;
}

CHECK_PROBE(probe_cgroup_hierarchy)
{
	enum cgroup_mode mode = cgroup_mounts_mode(&env->cg);
	const struct cgroup_mount *v2 = cgroup_mounts_v2(&env->cg);
	size_t v1 = 0, v1_usable = 0;

	for (size_t i = 0; i < env->cg.n; i++) {
		if (env->cg.mounts[i].v2 || !env->cg.mounts[i].controllers[0])
			continue;
		v1++;
		v1_usable += mount_usable(&env->cg.mounts[i]);
	}
	switch (mode) {
	case CGROUP_MODE_NONE:
		snprintf(detail, len, "no cgroup filesystem in /proc/self/mountinfo");
		return false;
	case CGROUP_MODE_V2:
		snprintf(detail, len, "v2: cgroup2 at %s%s", v2->path,
			 mount_usable(v2) ? "" : ", not writable");
		return mount_usable(v2);
	case CGROUP_MODE_V1:
	case CGROUP_MODE_HYBRID:
		snprintf(detail, len, "%s: %zu v1 controller hierarch%s (%zu writable)%s%s",
			 cgroup_mode_name(mode), v1, v1 == 1 ? "y" : "ies", v1_usable,
			 v2 ? ", cgroup2 at " : "", v2 ? v2->path : "");
		return v1_usable > 0;
	}
	return false;
}

/* Where a v1 controller lives on cgroup v2, when the name or the
 * mechanism differs. */
static const struct {
	const char *v1;
	const char *v2;       /* its name in cgroup.controllers, or NULL */
	const char *implicit; /* always on v2 without a controller file: how */
} v2_aliases[] = {
	{ "blkio", "io", NULL },
	{ "cpuacct", "cpu", NULL },
	{ "devices", NULL, "BPF device programs" },
	{ "perf_event", NULL, "implicit" },
	{ "net_cls", NULL, NULL },
	{ "net_prio", NULL, NULL },
};

CHECK_PROBE(probe_cgroup_controller)
{
	const char *name = p->word, *v2name = p->word, *implicit = NULL;
	const struct cg_subsys *s = NULL;
	const struct cgroup_mount *m, *v2 = cgroup_mounts_v2(&env->cg);

	for (size_t i = 0; i < ARRAY_SIZE(v2_aliases); i++)
		if (strcmp(v2_aliases[i].v1, name) == 0) {
			v2name = v2_aliases[i].v2;
			implicit = v2_aliases[i].implicit;
		}
	for (size_t i = 0; i < env->n_subsys; i++)
		if (strcmp(env->subsys[i].name, name) == 0)
			s = &env->subsys[i];
	if (!s) {
		snprintf(detail, len, "not in this kernel (absent from /proc/cgroups)");
		return false;
	}
	if (!s->enabled) {
		snprintf(detail, len, "disabled on the kernel command line (cgroup_disable=%s)", name);
		return false;
	}
	m = cgroup_mounts_v1(&env->cg, name);
	if (m) {
		snprintf(detail, len, "v1 at %s%s", m->path, m->ro ? " (read-only)" : "");
		return true;
	}
	if (v2 && v2name && list_has_word(env->v2_controllers, v2name, ' ')) {
		bool delegated = list_has_word(env->v2_subtree, v2name, ' ');

		snprintf(detail, len, "v2 \"%s\" at %s, %s", v2name, v2->path,
			 delegated ? "delegated (in cgroup.subtree_control)" : "available, not delegated");
		return true;
	}
	if (v2 && implicit && s->hierarchy == 0) {
		snprintf(detail, len, "v2 at %s (%s)", v2->path, implicit);
		return true;
	}
	snprintf(detail, len, "compiled in, not mounted");
	return false;
}

CHECK_PROBE(probe_cgroup_freezer)
{
	const struct cgroup_mount *m = cgroup_mounts_v1(&env->cg, "freezer");
	const struct cgroup_mount *v2 = cgroup_mounts_v2(&env->cg);
	/* cgroup.freeze exists in every non-root v2 group since 5.2. */
	bool v2_freeze = v2 && check_kernel_at_least(env, 5, 2);
	int n = 0;

	if (m)
		n = snprintf(detail, len, "v1 freezer at %s", m->path);
	if (v2_freeze && n >= 0 && (size_t)n < len)
		snprintf(detail + n, len - (size_t)n, "%scgroup.freeze on cgroup2 at %s", n ? "; " : "",
			 v2->path);
	if (!m && !v2_freeze)
		snprintf(detail, len,
			 "no v1 freezer mounted and no cgroup2 with cgroup.freeze (kernel < 5.2)");
	return m || v2_freeze;
}

/* What taper confines devices with (cgroup/devices.c): a BPF program
 * wherever there is a cgroup2 hierarchy, else the v1 devices controller. */
CHECK_PROBE(probe_cgroup_device_rules)
{
	const struct cgroup_mount *v2 = cgroup_mounts_v2(&env->cg);
	const struct cgroup_mount *v1 = cgroup_mounts_v1(&env->cg, "devices");
	struct taper_err err = { 0 };

	if (v2 && !v2->ro) {
		if (cg_devices_bpf_probe(&err) < 0) {
			snprintf(detail, len, "cgroup2 at %s, but no device program loads: %s", v2->path,
				 err.msg);
			return false;
		}
		snprintf(detail, len, "BPF device programs on cgroup2 at %s", v2->path);
		return true;
	}
	if (v1 && !v1->ro) {
		snprintf(detail, len, "v1 devices controller at %s", v1->path);
		return true;
	}
	snprintf(detail, len, "no writable cgroup2 mount and no v1 devices controller");
	return false;
}

CHECK_PROBE(probe_cgroup_v2)
{
	const struct cgroup_mount *v2 = cgroup_mounts_v2(&env->cg);
	char avail[128], deleg[128];

	if (!v2) {
		snprintf(detail, len, "no cgroup2 mount");
		return false;
	}
	snprintf(avail, sizeof(avail), "%s", env->v2_controllers ? env->v2_controllers : "");
	snprintf(deleg, sizeof(deleg), "%s", env->v2_subtree ? env->v2_subtree : "");
	avail[strcspn(avail, "\n")] = '\0';
	deleg[strcspn(deleg, "\n")] = '\0';
	snprintf(detail, len, "at %s; controllers: %s; delegated: %s", v2->path, avail[0] ? avail : "none",
		 deleg[0] ? deleg : "none");
	return true;
}
