/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "charm/internal.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/strv.h"

#define DEFAULT_STORE "/var/lib/taper"

void env_say(struct charm_env *e, const char *fmt, ...)
{
	_cleanup_free_ char *line = NULL;
	va_list ap;
	int n;

	if (!e->say)
		return;
	va_start(ap, fmt);
	n = vasprintf(&line, fmt, ap);
	va_end(ap);
	if (n >= 0)
		e->say(e->userdata, line);
}

char *unit_dir(struct charm_env *e, const char *container)
{
	char *p;

	return asprintf(&p, "%s/.charm/units/%s", e->store_path, container) < 0 ? NULL : p;
}

char *unit_container(const char *unit)
{
	char *c = strdup(unit), *slash;

	if (c && (slash = strchr(c, '/')))
		*slash = '-';
	return c;
}

void charm_env_close(struct charm_env *e)
{
	if (!e)
		return;
	model_close(e->m);
	if (e->store)
		taper_store_close(e->store);
	safe_close(e->lock_fd);
	free(e->store_path);
	free(e->tool_path);
	strv_free(e->charm_path);
	free(e);
}

/* A verb killed while a step ran left its unit "executing": that step
 * failed. Called with the lock held, so no other verb is running it. */
static int recover(struct charm_env *e, struct taper_err *err)
{
	return model_exec(e->m, err,
			  "UPDATE units SET agent = 'error',"
			  " agent_info = 'hook failed: \"' || coalesce(hook, '?') || '\" (interrupted)'"
			  " WHERE agent IN ('executing', 'allocating') AND hook IS NOT NULL",
			  NULL);
}

/* Units bind their files from under the store; an unprivileged unit's
 * root looks the source up as "others" on the host. */
static int check_reachable(const char *path, struct taper_err *err)
{
	_cleanup_free_ char *p = strdup(path);
	char *slash;

	if (!p)
		return -ENOMEM;
	for (;;) {
		struct stat st;

		if (stat(p[0] ? p : "/", &st) < 0)
			return err_set(err, errno, "%s", p[0] ? p : "/");
		if (!(st.st_mode & S_IXOTH))
			return err_set(
				err, EACCES,
				"store %s: %s is not searchable by others (mode %03o), so units cannot "
				"reach their files",
				path, p[0] ? p : "/", st.st_mode & 0777);
		if (!(slash = strrchr(p, '/')) || !p[0])
			return 0;
		*slash = '\0';
	}
}

int charm_env_open(const struct charm_env_opts *o, struct charm_env **ret, struct taper_err *err)
{
	_cleanup_(charm_env_closep) struct charm_env *e = NULL;
	char real[PATH_MAX];
	const char *path = o->store_path ? o->store_path : DEFAULT_STORE;
	int r;

	if (!(e = calloc(1, sizeof(*e))))
		return -ENOMEM;
	e->lock_fd = -1;
	e->say = o->say;
	e->userdata = o->userdata;
	if ((o->tool_path && !(e->tool_path = strdup(o->tool_path))) ||
	    !(e->charm_path = strv_copy(o->charm_path)))
		return -ENOMEM;
	r = o->write ? taper_store_create(path, &e->store, err) : taper_store_open(path, &e->store, err);
	if (r < 0)
		return r;
	if (!realpath(path, real) || !(e->store_path = strdup(real)))
		return err_set(err, errno, "store %s", path);
	if (o->write) {
		_cleanup_free_ char *lock = NULL, *dir = NULL;

		if (asprintf(&lock, "%s/.model.lock", e->store_path) < 0 ||
		    asprintf(&dir, "%s/.charm/units", e->store_path) < 0)
			return -ENOMEM;
		if ((r = check_reachable(e->store_path, err)) < 0)
			return r;
		if ((r = mkdir_p(dir, 0755)) < 0)
			return err_set(err, r, "%s", dir);
		e->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (e->lock_fd < 0)
			return err_set(err, errno, "%s", lock);
		while (flock(e->lock_fd, LOCK_EX) < 0)
			if (errno != EINTR)
				return err_set(err, errno, "lock %s", lock);
	}
	/* A store nothing was deployed in has no model: readers see an empty one. */
	if ((r = model_open(e->store_path, o->write, &e->m, err)) < 0 && !(r == -ENOENT && !o->write))
		return r;
	taper_err_clear(err);
	if (o->write && (r = recover(e, err)) < 0)
		return r;
	*ret = TAKE_PTR(e);
	return 0;
}

int charm_find(struct charm_env *e, const char *what, char **ret_dir, struct taper_err *err)
{
	struct stat st;

	if (strchr(what, '/') || (stat(what, &st) == 0 && S_ISDIR(st.st_mode))) {
		if (stat(what, &st) < 0 || !S_ISDIR(st.st_mode))
			return err_set(err, ENOENT, "charm %s: not a directory", what);
		return (*ret_dir = strdup(what)) ? 0 : -ENOMEM;
	}
	if (!charm_name_valid(what))
		return err_set(err, 0, "charm \"%s\": not a charm name or directory", what);
	for (char **d = e->charm_path; d && *d; d++) {
		_cleanup_free_ char *p = NULL;

		if (asprintf(&p, "%s/%s", *d, what) < 0)
			return -ENOMEM;
		if (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
			*ret_dir = TAKE_PTR(p);
			return 0;
		}
	}
	return err_set(err, ENOENT, "charm \"%s\": not found in TAPER_CHARM_PATH nor the shipped charms",
		       what);
}

static int copy_at(int sfd, int dfd, const char *name, struct taper_err *err);

static int copy_dir_at(int sfd, int dfd, struct taper_err *err)
{
	_cleanup_closedir_ DIR *d = fdopendir(sfd);
	struct dirent *de;
	int r;

	if (!d) {
		safe_close(sfd);
		return err_set(err, errno, "read directory");
	}
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0 &&
		    (r = copy_at(dirfd(d), dfd, de->d_name, err)) < 0)
			return r;
	return 0;
}

static int copy_at(int sfd, int dfd, const char *name, struct taper_err *err)
{
	struct stat st;
	int r;

	if (fstatat(sfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return err_set(err, errno, "%s", name);
	if (S_ISDIR(st.st_mode)) {
		_cleanup_close_ int sub = -1, dsub = -1;

		if (mkdirat(dfd, name, 0755) < 0 && errno != EEXIST)
			return err_set(err, errno, "%s", name);
		if ((sub = openat(sfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)) < 0 ||
		    (dsub = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)) < 0)
			return err_set(err, errno, "%s", name);
		if ((r = copy_dir_at(TAKE_FD(sub), dsub, err)) < 0)
			return err_wrap(err, "%s", name);
		return 0;
	}
	if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlinkat(sfd, name, target, sizeof(target) - 1);

		if (n < 0)
			return err_set(err, errno, "%s", name);
		target[n] = '\0';
		(void)unlinkat(dfd, name, 0);
		return symlinkat(target, dfd, name) < 0 ? err_set(err, errno, "%s", name) : 0;
	}
	if (S_ISREG(st.st_mode)) {
		_cleanup_close_ int in = -1, out = -1;

		/* Readable (and, if at all, executable) by the unit's root,
		 * which is no owner of these files in its user namespace. */
		mode_t mode = (st.st_mode & 0111) ? 0755 : 0644;

		(void)unlinkat(dfd, name, 0);
		if ((in = openat(sfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0 ||
		    (out = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)) < 0)
			return err_set(err, errno, "%s", name);
		if ((r = copy_fd(in, out)) < 0 || fchmod(out, mode) < 0)
			return err_set(err, r < 0 ? r : errno, "%s", name);
	}
	return 0;
}

int copy_tree(const char *src, const char *dst, struct taper_err *err)
{
	_cleanup_close_ int sfd = -1, dfd = -1;
	int r;

	if ((r = mkdir_p(dst, 0755)) < 0)
		return err_set(err, r, "%s", dst);
	if ((sfd = open(src, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    (dfd = open(dst, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return err_set(err, errno, "copy %s", src);
	if ((r = copy_dir_at(TAKE_FD(sfd), dfd, err)) < 0)
		return err_wrap(err, "copy %s", src);
	return 0;
}
