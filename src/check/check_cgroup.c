/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The cgroup layout as this process sees it, from /proc/self/mountinfo and
 * /proc/cgroups alone: a small, read-only detection of its own, so that
 * checkconfig reports on exactly what the kernel shows (and keeps working
 * when the cgroup backends refuse a layout).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check/check-internal.h"
#include "util/cleanup.h"

bool list_has_word(const char *list, const char *word, char sep)
{
	size_t wl = strlen(word);

	if (!list || !wl)
		return false;
	for (const char *p = list; *p;) {
		const char *end = strchr(p, sep);
		size_t n = end ? (size_t)(end - p) : strlen(p);

		/* A v2 list may end in '\n'. */
		if (n && p[n - 1] == '\n')
			n--;
		if (n == wl && memcmp(p, word, wl) == 0)
			return true;
		if (!end)
			break;
		p = end + 1;
	}
	return false;
}

/* v1 super options that are not controllers. */
static const char *const v1_plain_opts[] = {
	"rw", "ro", "none", "all", "noprefix", "clone_children", "xattr", "cpuset_v2_mode", "favordynmods",
};
static const char *const v1_prefix_opts[] = { "name=", "release_agent=" };

static bool v1_opt_is_controller(const char *opt, size_t n)
{
	for (size_t i = 0; i < ARRAY_SIZE(v1_plain_opts); i++)
		if (strlen(v1_plain_opts[i]) == n && memcmp(opt, v1_plain_opts[i], n) == 0)
			return false;
	for (size_t i = 0; i < ARRAY_SIZE(v1_prefix_opts); i++)
		if (strncmp(opt, v1_prefix_opts[i], strlen(v1_prefix_opts[i])) == 0)
			return false;
	return n > 0;
}

/* "rw,cpu,cpuacct,name=x" -> "cpu,cpuacct" (allocated). */
static char *v1_controllers(const char *superopts)
{
	char *out = malloc(strlen(superopts) + 1);
	size_t len = 0;

	if (!out)
		return NULL;
	for (const char *p = superopts; *p;) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		if (v1_opt_is_controller(p, n)) {
			if (len)
				out[len++] = ',';
			memcpy(out + len, p, n);
			len += n;
		}
		if (!end)
			break;
		p = end + 1;
	}
	out[len] = '\0';
	return out;
}

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape_octal(char *s)
{
	char *w = s;

	for (const char *r = s; *r;) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' && r[3] >= '0' &&
		    r[3] <= '7') {
			*w++ = (char)(((r[1] - '0') << 6) | ((r[2] - '0') << 3) | (r[3] - '0'));
			r += 4;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
}

/* Split line at spaces into at most max fields; returns the count. */
static size_t split_fields(char *line, char **f, size_t max)
{
	size_t n = 0;
	char *save = NULL;

	for (char *t = strtok_r(line, " ", &save); t && n < max; t = strtok_r(NULL, " ", &save))
		f[n++] = t;
	return n;
}

static int layout_add(struct cg_layout *l, size_t *cap, struct cg_mount m)
{
	if (l->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		struct cg_mount *nm = realloc(l->mounts, ncap * sizeof(*nm));

		if (!nm)
			return -ENOMEM;
		l->mounts = nm;
		*cap = ncap;
	}
	l->mounts[l->n++] = m;
	return 0;
}

int cg_layout_parse(const char *mountinfo, struct cg_layout *ret)
{
	_cleanup_free_ char *copy = strdup(mountinfo);
	struct cg_layout l = {};
	size_t cap = 0;
	char *save = NULL;

	if (!copy)
		return -ENOMEM;
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f[64];
		size_t n = split_fields(line, f, ARRAY_SIZE(f)), sep;
		struct cg_mount m = {};
		int r;

		/* id parent maj:min root mountpoint opts [optional...] - fstype source superopts */
		for (sep = 6; sep < n && strcmp(f[sep], "-") != 0; sep++)
			;
		if (sep + 1 >= n)
			continue;
		if (strcmp(f[sep + 1], "cgroup") == 0)
			m.v2 = false;
		else if (strcmp(f[sep + 1], "cgroup2") == 0)
			m.v2 = true;
		else
			continue;
		if (sep + 3 >= n || n < 6) {
			cg_layout_clear(&l);
			return -EINVAL;
		}
		unescape_octal(f[4]);
		m.path = strdup(f[4]);
		m.ro = list_has_word(f[5], "ro", ',');
		if (!m.v2)
			m.controllers = v1_controllers(f[sep + 3]);
		r = (!m.path || (!m.v2 && !m.controllers)) ? -ENOMEM : layout_add(&l, &cap, m);
		if (r < 0) {
			free(m.path);
			free(m.controllers);
			cg_layout_clear(&l);
			return r;
		}
	}
	*ret = l;
	return 0;
}

void cg_layout_clear(struct cg_layout *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->mounts[i].path);
		free(l->mounts[i].controllers);
	}
	free(l->mounts);
	*l = (struct cg_layout){};
}

enum check_cgroup_mode cg_layout_mode(const struct cg_layout *l)
{
	bool v1 = false, v1_ctrl = false, v2 = false;

	for (size_t i = 0; i < l->n; i++) {
		if (l->mounts[i].v2) {
			v2 = true;
		} else {
			v1 = true;
			if (l->mounts[i].controllers[0])
				v1_ctrl = true;
		}
	}
	/* A named v1 hierarchy (name=systemd) beside cgroup2 holds no
	 * controller: every controller can be on v2, so that is v2. */
	if (v1_ctrl && v2)
		return CHECK_CGROUP_HYBRID;
	if (v2)
		return CHECK_CGROUP_V2;
	return v1 ? CHECK_CGROUP_V1 : CHECK_CGROUP_NONE;
}

const struct cg_mount *cg_layout_v1(const struct cg_layout *l, const char *controller)
{
	for (size_t i = 0; i < l->n; i++)
		if (!l->mounts[i].v2 && list_has_word(l->mounts[i].controllers, controller, ','))
			return &l->mounts[i];
	return NULL;
}

const struct cg_mount *cg_layout_v2(const struct cg_layout *l)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->mounts[i].v2)
			return &l->mounts[i];
	return NULL;
}

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

static bool mount_usable(const struct cg_mount *m)
{
	return !m->ro && access(m->path, W_OK) == 0;
}

CHECK_PROBE(probe_cgroup_hierarchy)
{
	enum check_cgroup_mode mode = cg_layout_mode(&env->cg);
	const struct cg_mount *v2 = cg_layout_v2(&env->cg);
	size_t v1 = 0, v1_usable = 0;

	for (size_t i = 0; i < env->cg.n; i++) {
		if (env->cg.mounts[i].v2 || !env->cg.mounts[i].controllers[0])
			continue;
		v1++;
		v1_usable += mount_usable(&env->cg.mounts[i]);
	}
	switch (mode) {
	case CHECK_CGROUP_NONE:
		snprintf(detail, len, "no cgroup filesystem in /proc/self/mountinfo");
		return false;
	case CHECK_CGROUP_V2:
		snprintf(detail, len, "v2: cgroup2 at %s%s", v2->path,
			 mount_usable(v2) ? "" : ", not writable");
		return mount_usable(v2);
	case CHECK_CGROUP_V1:
	case CHECK_CGROUP_HYBRID:
		snprintf(detail, len, "%s: %zu v1 controller hierarch%s (%zu writable)%s%s",
			 check_cgroup_mode_name(mode), v1, v1 == 1 ? "y" : "ies", v1_usable,
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
	const struct cg_mount *m, *v2 = cg_layout_v2(&env->cg);

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
	m = cg_layout_v1(&env->cg, name);
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
	const struct cg_mount *m = cg_layout_v1(&env->cg, "freezer");
	const struct cg_mount *v2 = cg_layout_v2(&env->cg);
	/* cgroup.freeze exists in every non-root v2 group since 5.2. */
	bool v2_freeze = v2 && check_kernel_at_least(env, 5, 2);
	int n = 0;

	if (m)
		n = snprintf(detail, len, "v1 freezer at %s", m->path);
	if (v2_freeze && n >= 0 && (size_t)n < len)
		snprintf(detail + n, len - (size_t)n, "%scgroup.freeze on cgroup2 at %s", n ? "; " : "",
			 v2->path);
	if (!m && !v2_freeze)
		snprintf(detail, len, "no v1 freezer mounted and no cgroup2 with cgroup.freeze (kernel < 5.2)");
	return m || v2_freeze;
}

CHECK_PROBE(probe_cgroup_v2)
{
	const struct cg_mount *v2 = cg_layout_v2(&env->cg);
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
