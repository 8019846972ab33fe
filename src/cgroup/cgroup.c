/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cgroup.c — detection of the layout under a root, the manager, and the
 * small file helpers both backends use.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgroup/cgroup-internal.h"
#include "cgroup/mounts.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/time.h"

static const char *const ctrl_names[CG_CTRL_MAX] = {
	[CG_CPU] = "cpu",
	[CG_CPUACCT] = "cpuacct",
	[CG_CPUSET] = "cpuset",
	[CG_MEMORY] = "memory",
	[CG_DEVICES] = "devices",
	[CG_FREEZER] = "freezer",
	[CG_BLKIO] = "blkio",
	[CG_IO] = "io",
	[CG_PIDS] = "pids",
	[CG_HUGETLB] = "hugetlb",
	[CG_NET_CLS] = "net_cls",
	[CG_NET_PRIO] = "net_prio",
	[CG_PERF_EVENT] = "perf_event",
	[CG_RDMA] = "rdma",
	[CG_MISC] = "misc",
};

int cg_ctrl_from_name(const char *name, size_t len)
{
	for (size_t i = 0; i < CG_CTRL_MAX; i++)
		if (strlen(ctrl_names[i]) == len && strncmp(ctrl_names[i], name, len) == 0)
			return (int)i;
	return -1;
}

const char *cg_ctrl_name(enum cg_ctrl c)
{
	return c < CG_CTRL_MAX ? ctrl_names[c] : "?";
}

/* ---- file helpers ------------------------------------------------------ */

int cg_write(int dirfd, const char *file, const char *value)
{
	_cleanup_close_ int fd = -1;
	size_t len = strlen(value);
	ssize_t n;

	fd = openat(dirfd, file, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	do
		n = write(fd, value, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

int cg_writef(int dirfd, const char *file, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return -EINVAL;
	return cg_write(dirfd, file, buf);
}

int cg_read(int dirfd, const char *file, char **ret)
{
	return read_file_at(dirfd, file, 1 << 20, ret, NULL);
}

static char *strip(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	while (isspace((unsigned char)*s))
		s++;
	return s;
}

int cg_read_i64(int dirfd, const char *file, int64_t *ret)
{
	_cleanup_free_ char *buf = NULL;
	char *s, *end;
	long long v;
	int r;

	r = cg_read(dirfd, file, &buf);
	if (r < 0)
		return r;
	s = strip(buf);
	if (strcmp(s, "max") == 0) {
		*ret = INT64_MAX;
		return 0;
	}
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end)
		return -EINVAL;
	*ret = v;
	return 0;
}

int cg_read_keyed(int dirfd, const char *file, const char *key, uint64_t *ret)
{
	_cleanup_free_ char *buf = NULL;
	size_t klen = strlen(key);
	int r;

	r = cg_read(dirfd, file, &buf);
	if (r < 0)
		return r;
	for (char *line = buf; line && *line;) {
		char *nl = strchr(line, '\n');

		if (nl)
			*nl = '\0';
		if (strncmp(line, key, klen) == 0 && line[klen] == ' ') {
			char *end;

			errno = 0;
			*ret = strtoull(line + klen + 1, &end, 10);
			return errno || end == line + klen + 1 ? -EINVAL : 0;
		}
		line = nl ? nl + 1 : NULL;
	}
	return -ENOENT;
}

bool cg_file_exists(int dirfd, const char *file)
{
	return faccessat(dirfd, file, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

bool cg_has_word(const char *list, const char *word)
{
	size_t len = strlen(word);

	for (const char *p = list; *p;) {
		while (*p && isspace((unsigned char)*p))
			p++;
		size_t n = strcspn(p, " \t\n");
		if (n == len && strncmp(p, word, len) == 0)
			return true;
		p += n;
	}
	return false;
}

static int push_pid(pid_t **pids, size_t *n, pid_t pid)
{
	pid_t *np = realloc(*pids, (*n + 1) * sizeof(**pids));

	if (!np)
		return -ENOMEM;
	np[(*n)++] = pid;
	*pids = np;
	return 0;
}

int cg_collect_pids(int dirfd, pid_t **pids, size_t *n)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int fd, r;

	r = cg_read(dirfd, "cgroup.procs", &buf);
	if (r < 0)
		return r;
	for (char *p = buf; *p;) {
		char *end;
		long v = strtol(p, &end, 10);

		if (end == p)
			break;
		if (v > 0 && (r = push_pid(pids, n, (pid_t)v)) < 0)
			return r;
		p = end;
		while (*p == '\n')
			p++;
	}
	/* Sub-groups the container made for itself (cgroup namespace). */
	fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		safe_close(fd);
		return -errno;
	}
	while ((de = readdir(d))) {
		_cleanup_close_ int sub = -1;

		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		sub = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)
			continue; /* raced with rmdir */
		r = cg_collect_pids(sub, pids, n);
		if (r < 0 && r != -ENOENT)
			return r;
	}
	return 0;
}

int cg_wait(struct taper_cgroup *cg, int (*pred)(struct taper_cgroup *cg), int ms)
{
	int64_t deadline = now_ms() + ms;
	long step_us = 200;

	for (;;) {
		int r = pred(cg);

		if (r != 0)
			return r < 0 ? r : 0;
		if (now_ms() >= deadline)
			return -ETIMEDOUT;
		usleep((useconds_t)step_us);
		if (step_us < 20000)
			step_us *= 2;
	}
}

int cg_refuse(struct taper_err *err, int code, const char *fmt, ...)
{
	char buf[TAPER_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return err_plain(err, code, "%s", buf);
}

/* ---- detection --------------------------------------------------------- */

/* Controllers named by a v1 directory or its mount's controller list:
 * "cpu,cpuacct" -> cpu|cpuacct. */
static unsigned name_ctrls(const char *name)
{
	unsigned ctrls = 0;

	for (const char *tok = name; *tok;) {
		size_t n = strcspn(tok, ",");
		int c = cg_ctrl_from_name(tok, n);

		if (c >= 0)
			ctrls |= CG_BIT(c);
		tok += n;
		if (*tok == ',')
			tok++;
	}
	return ctrls;
}

static unsigned v2_ctrls(int fd)
{
	_cleanup_free_ char *buf = NULL;
	unsigned ctrls = 0;

	if (cg_read(fd, "cgroup.controllers", &buf) < 0)
		return 0;
	for (size_t i = 0; i < CG_CTRL_MAX; i++)
		if (cg_has_word(buf, ctrl_names[i]))
			ctrls |= CG_BIT(i);
	return ctrls;
}

static int add_hier(struct cgroup_manager *m, const char *name, int fd, unsigned ctrls, bool unified)
{
	struct cg_hier *nh = realloc(m->hiers, (m->n_hiers + 1) * sizeof(*nh));
	char *dup = strdup(name);

	if (nh)
		m->hiers = nh;
	if (!nh || !dup) {
		free(dup);
		return -ENOMEM;
	}
	nh[m->n_hiers++] = (struct cg_hier){ .name = dup, .fd = fd, .ctrls = ctrls, .unified = unified };
	return 0;
}

static int cmp_hier(const void *a, const void *b)
{
	return strcmp(((const struct cg_hier *)a)->name, ((const struct cg_hier *)b)->name);
}

static int detect(struct cgroup_manager *m, int root_fd, struct taper_err *err)
{
	_cleanup_closedir_ DIR *d = NULL;
	_cleanup_(cgroup_mounts_clear) struct cgroup_mounts mounts = {};
	struct dirent *de;
	bool have_v1 = false, have_v2 = false, have_mounts;
	int fd, r;

	if (cg_file_exists(root_fd, "cgroup.controllers")) {
		fd = openat(root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			return err_set(err, errno, "open %s", m->root);
		m->mode = CGROUP_MODE_V2;
		m->ops = &cgroup_v2_ops;
		m->ctrls = v2_ctrls(fd);
		r = add_hier(m, "unified", fd, m->ctrls, true);
		if (r < 0)
			safe_close(fd);
		return r < 0 ? err_set(err, r, "cgroup manager") : 0;
	}

	/* A real v1 mount names its controllers in mountinfo; a test tree's
	 * directories are no mounts and name them by directory. */
	have_mounts = cgroup_mounts_read(&mounts) == 0;
	fd = openat(root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd))) {
		safe_close(fd);
		return err_set(err, errno, "read %s", m->root);
	}
	while ((de = readdir(d))) {
		_cleanup_close_ int h = -1;
		const struct cgroup_mount *cm = NULL;
		unsigned ctrls = 0;
		bool unified;
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		/* O_NOFOLLOW: "cpu -> cpu,cpuacct" links are aliases, not hierarchies. */
		h = openat(root_fd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (h < 0)
			continue;
		unified = cg_file_exists(h, "cgroup.controllers");
		if (!unified && !cg_file_exists(h, "cgroup.procs"))
			continue;
		if (unified) {
			if (have_v2)
				continue;
			ctrls = v2_ctrls(h);
			have_v2 = true;
		} else {
			if (have_mounts && fstat(h, &st) == 0)
				cm = cgroup_mounts_v1_dev(&mounts, st.st_dev);
			ctrls = name_ctrls(cm ? cm->controllers : de->d_name);
			m->ctrls |= ctrls;
			have_v1 = true;
		}
		r = add_hier(m, de->d_name, h, ctrls, unified);
		if (r < 0)
			return err_set(err, r, "cgroup manager");
		h = -1;
	}
	if (!have_v1 && !have_v2)
		return err_set(err, ENOMEDIUM, "no cgroup hierarchy under %s", m->root);
	if (!have_v1)
		/* A directory holding a cgroup2 mount and nothing else. */
		return err_set(err, ENOMEDIUM, "no cgroup hierarchy at %s (cgroup2 below it)", m->root);
	qsort(m->hiers, m->n_hiers, sizeof(*m->hiers), cmp_hier);
	m->mode = have_v2 ? CGROUP_MODE_HYBRID : CGROUP_MODE_V1;
	m->ops = &cgroup_v1_ops;
	return 0;
}

int cgroup_manager_open(const char *root, struct cgroup_manager **ret, struct taper_err *err)
{
	struct cgroup_manager *m;
	_cleanup_close_ int root_fd = -1;
	int r;

	if (!root)
		root = "/sys/fs/cgroup";
	root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0)
		return err_set(err, errno, "open cgroup root %s", root);
	m = calloc(1, sizeof(*m));
	if (!m || !(m->root = strdup(root))) {
		free(m);
		return err_set(err, ENOMEM, "cgroup manager");
	}
	r = detect(m, root_fd, err);
	if (r < 0) {
		cgroup_manager_free(m);
		return r;
	}
	*ret = m;
	return 0;
}

void cgroup_manager_free(struct cgroup_manager *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n_hiers; i++) {
		safe_close(m->hiers[i].fd);
		free(m->hiers[i].name);
	}
	free(m->hiers);
	free(m->root);
	free(m);
}

enum cgroup_mode cgroup_manager_mode(const struct cgroup_manager *m)
{
	return m->mode;
}

const char *cgroup_mode_name(enum cgroup_mode mode)
{
	static const char *const names[] = {
		[CGROUP_MODE_V1] = "v1",
		[CGROUP_MODE_HYBRID] = "hybrid",
		[CGROUP_MODE_V2] = "v2",
	};

	return (size_t)mode < ARRAY_SIZE(names) ? names[mode] : NULL;
}

int cg_hier_index(const struct cgroup_manager *m, enum cg_ctrl c)
{
	for (size_t i = 0; i < m->n_hiers; i++)
		if ((m->hiers[i].unified == (m->mode == CGROUP_MODE_V2)) && (m->hiers[i].ctrls & CG_BIT(c)))
			return (int)i;
	return -1;
}

int cg_unified_index(const struct cgroup_manager *m)
{
	for (size_t i = 0; i < m->n_hiers; i++)
		if (m->hiers[i].unified)
			return (int)i;
	return -1;
}
