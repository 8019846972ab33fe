/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * mounts.c — cgroup mounts from mountinfo (see mounts.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "cgroup/mounts.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/strv.h"

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

static int mounts_add(struct cgroup_mounts *l, size_t *cap, struct cgroup_mount m)
{
	if (l->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		struct cgroup_mount *nm = realloc(l->mounts, ncap * sizeof(*nm));

		if (!nm)
			return -ENOMEM;
		l->mounts = nm;
		*cap = ncap;
	}
	l->mounts[l->n++] = m;
	return 0;
}

int cgroup_mounts_parse(const char *mountinfo, struct cgroup_mounts *ret)
{
	_cleanup_free_ char *copy = strdup(mountinfo);
	struct cgroup_mounts l = {};
	size_t cap = 0;
	char *save = NULL;

	if (!copy)
		return -ENOMEM;
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f[64];
		size_t n = split_fields(line, f, ARRAY_SIZE(f)), sep;
		struct cgroup_mount m = {};
		unsigned maj, min;
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
		if (sep + 3 >= n || n < 6 || sscanf(f[2], "%u:%u", &maj, &min) != 2) {
			cgroup_mounts_clear(&l);
			return -EINVAL;
		}
		m.dev = makedev(maj, min);
		unescape_octal(f[4]);
		m.path = strdup(f[4]);
		m.ro = list_has_word(f[5], "ro", ',');
		if (!m.v2)
			m.controllers = v1_controllers(f[sep + 3]);
		r = (!m.path || (!m.v2 && !m.controllers)) ? -ENOMEM : mounts_add(&l, &cap, m);
		if (r < 0) {
			free(m.path);
			free(m.controllers);
			cgroup_mounts_clear(&l);
			return r;
		}
	}
	*ret = l;
	return 0;
}

void cgroup_mounts_clear(struct cgroup_mounts *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->mounts[i].path);
		free(l->mounts[i].controllers);
	}
	free(l->mounts);
	*l = (struct cgroup_mounts){};
}

enum cgroup_mode cgroup_mounts_mode(const struct cgroup_mounts *l)
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
		return CGROUP_MODE_HYBRID;
	if (v2)
		return CGROUP_MODE_V2;
	return v1 ? CGROUP_MODE_V1 : CGROUP_MODE_NONE;
}

const struct cgroup_mount *cgroup_mounts_v1(const struct cgroup_mounts *l, const char *controller)
{
	for (size_t i = 0; i < l->n; i++)
		if (!l->mounts[i].v2 && list_has_word(l->mounts[i].controllers, controller, ','))
			return &l->mounts[i];
	return NULL;
}

const struct cgroup_mount *cgroup_mounts_v2(const struct cgroup_mounts *l)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->mounts[i].v2)
			return &l->mounts[i];
	return NULL;
}

const struct cgroup_mount *cgroup_mounts_v1_dev(const struct cgroup_mounts *l, dev_t dev)
{
	for (size_t i = 0; i < l->n; i++)
		if (!l->mounts[i].v2 && l->mounts[i].dev == dev)
			return &l->mounts[i];
	return NULL;
}

int cgroup_mounts_read(struct cgroup_mounts *ret)
{
	_cleanup_free_ char *text = NULL;
	int r = read_file("/proc/self/mountinfo", 4u << 20, &text);

	return r < 0 ? r : cgroup_mounts_parse(text, ret);
}
