/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/parse.h"
#include "util/strv.h"

#define LOCKS_DIR ".locks"
#define TMP_PREFIX ".tmp-"
#define TRASH_PREFIX ".trash-"

struct taper_store {
	char *path;     /* canonical */
	char *run_root; /* "/run/taper" */
	char *networks; /* "<path>/.networks" */
	char id[STORE_ID_LEN + 1];
	int dirfd;
};

struct store_create {
	struct taper_store *store;
	char *name;
	char *tmp_name; /* ".tmp-<name>-XXXXXX" */
	char *tmp_path;
	int dirfd; /* holds LOCK_EX while the create is in progress */
	bool committed;
};

static const int DIR_FLAGS = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;

void store_id_of_path(const char *canonical, char ret[STORE_ID_LEN + 1])
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);

	for (const unsigned char *p = (const unsigned char *)canonical; *p; p++) {
		h ^= *p;
		h *= UINT64_C(0x100000001b3);
	}
	snprintf(ret, STORE_ID_LEN + 1, "%016llx", (unsigned long long)h);
}

int store_check_name(const char *name, struct taper_err *err)
{
	if (name_is_valid(name))
		return 0;
	return err_set(err, 0,
		       "invalid container name \"%s\": use 1 to 64 of [A-Za-z0-9_.-], "
		       "starting with a letter or digit",
		       name ? name : "");
}

void store_free(struct taper_store *s)
{
	if (!s)
		return;
	safe_close(s->dirfd);
	free(s->path);
	free(s->run_root);
	free(s->networks);
	free(s);
}

int store_open(const char *path, const char *run_root, bool create, struct taper_store **ret,
	       struct taper_err *err)
{
	_cleanup_(store_freep) struct taper_store *s = NULL;
	char canon[PATH_MAX], *networks;
	int r;

	if (!path)
		path = TAPER_STORE_DEFAULT;
	if (!run_root)
		run_root = TAPER_RUN_DEFAULT;
	if (!*path)
		return err_set(err, 0, "store path is empty");
	if (create && (r = mkdir_p(path, 0711)) < 0)
		return err_set(err, r, "create store %s", path);
	if (!realpath(path, canon)) {
		if (errno == ENOENT)
			return err_plain(err, ENOENT, "no store at %s (taper create makes one)", path);
		return err_set(err, errno, "store %s", path);
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return err_set(err, ENOMEM, "store %s", path);
	s->dirfd = -1;
	s->path = strdup(canon);
	s->run_root = strdup(run_root);
	if (!s->path || !s->run_root)
		return err_set(err, ENOMEM, "store %s", path);
	if (asprintf(&networks, "%s/%s", s->path, STORE_NETWORKS_DIR) < 0)
		return err_set(err, ENOMEM, "store %s", path);
	s->networks = networks;
	store_id_of_path(s->path, s->id);
	s->dirfd = open(s->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->dirfd < 0)
		return err_set(err, errno, "open store %s", s->path);
	/* Leftovers of a crash are not this caller's problem: a listing by a
	 * user who may not remove them still works. */
	r = store_clean_stale(s, NULL);
	if (r < 0)
		log_debug("store %s: removing stale entries: %s", s->path, strerror(-r));
	*ret = TAKE_PTR(s);
	return 0;
}

const char *store_path(const struct taper_store *s)
{
	return s->path;
}

const char *store_id(const struct taper_store *s)
{
	return s->id;
}

int store_dirfd(const struct taper_store *s)
{
	return s->dirfd;
}

/* A directory entry (by d_type when the filesystem gives it) that is a
 * real directory holding a regular "config" file. */
static bool entry_is_container(int dirfd, const char *name, unsigned char d_type)
{
	char cfg[NAME_MAX + sizeof("/" STORE_CONFIG_FILE)];
	struct stat st;

	if (!name_is_valid(name))
		return false;
	if (d_type == DT_UNKNOWN) {
		if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
			return false;
	} else if (d_type != DT_DIR) {
		return false;
	}
	/* name is a directory, not a symlink, so "name/config" resolves inside it
	 * unless it was swapped in between; opening a container re-checks with
	 * O_NOFOLLOW. */
	snprintf(cfg, sizeof(cfg), "%s/%s", name, STORE_CONFIG_FILE);
	return fstatat(dirfd, cfg, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
}

int store_open_container(struct taper_store *s, const char *name, int *ret_fd, struct taper_err *err)
{
	_cleanup_close_ int fd = -1;
	struct stat st;
	int r;

	r = store_check_name(name, err);
	if (r < 0)
		return r;
	fd = openat(s->dirfd, name, DIR_FLAGS);
	if (fd < 0) {
		/* A symlink (ELOOP) or a file (ENOTDIR) is no container. */
		if (errno == ENOENT || errno == ELOOP || errno == ENOTDIR)
			return err_plain(err, ENOENT, "container \"%s\" not found", name);
		return err_set(err, errno, "container \"%s\"", name);
	}
	if (fstatat(fd, STORE_CONFIG_FILE, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
		return err_plain(err, ENOENT, "container \"%s\" not found", name);
	*ret_fd = TAKE_FD(fd);
	return 0;
}

bool store_exists(struct taper_store *s, const char *name)
{
	_cleanup_close_ int fd = -1;

	return store_open_container(s, name, &fd, NULL) == 0;
}

int store_container_path(const struct taper_store *s, const char *name, char **ret)
{
	if (!name_is_valid(name))
		return -EINVAL;
	return asprintf(ret, "%s/%s", s->path, name) < 0 ? -ENOMEM : 0;
}

int store_rootfs_path(const struct taper_store *s, const char *name, char **ret)
{
	if (!name_is_valid(name))
		return -EINVAL;
	return asprintf(ret, "%s/%s/%s", s->path, name, STORE_ROOTFS_DIR) < 0 ? -ENOMEM : 0;
}

const char *store_networks_dir(const struct taper_store *s)
{
	return s->networks;
}

int store_cgroup_group(const struct taper_store *s, const char *name, char **ret)
{
	if (!name_is_valid(name))
		return -EINVAL;
	return asprintf(ret, "%s/%s", s->id, name) < 0 ? -ENOMEM : 0;
}

/* mkdir dirfd/name 0700, refusing anything that is not a real directory. */
static int mkdir_private_at(int dirfd, const char *name, int *ret_fd)
{
	int fd;

	if (mkdirat(dirfd, name, 0700) < 0 && errno != EEXIST)
		return -errno;
	fd = openat(dirfd, name, DIR_FLAGS);
	if (fd < 0)
		return -errno;
	*ret_fd = fd;
	return 0;
}

static int runtime_base(const struct taper_store *s, int *ret_fd)
{
	_cleanup_close_ int root = -1;
	int r;

	r = mkdir_p(s->run_root, 0711);
	if (r < 0)
		return r;
	root = open(s->run_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return -errno;
	return mkdir_private_at(root, s->id, ret_fd);
}

int store_runtime_dir(struct taper_store *s, const char *name, char **ret_path, struct taper_err *err)
{
	_cleanup_close_ int base = -1, fd = -1;
	int r;

	r = store_check_name(name, err);
	if (r < 0)
		return r;
	r = runtime_base(s, &base);
	if (r == 0)
		r = mkdir_private_at(base, name, &fd);
	if (r < 0)
		return err_set(err, r, "runtime directory %s/%s/%s", s->run_root, s->id, name);
	if (asprintf(ret_path, "%s/%s/%s", s->run_root, s->id, name) < 0)
		return err_set(err, ENOMEM, "runtime directory of \"%s\"", name);
	return 0;
}

/* The runtime base of this store if it exists, without creating it. */
static int runtime_base_existing(const struct taper_store *s)
{
	char p[PATH_MAX];

	int fd;

	if ((size_t)snprintf(p, sizeof(p), "%s/%s", s->run_root, s->id) >= sizeof(p))
		return -ENAMETOOLONG;
	fd = open(p, DIR_FLAGS);
	return fd < 0 ? -errno : fd;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int store_list(struct taper_store *s, char ***ret_names, struct taper_err *err)
{
	_cleanup_closedir_ DIR *d = NULL;
	_cleanup_strv_free_ char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	int fd;

	fd = openat(s->dirfd, ".", DIR_FLAGS);
	if (fd < 0)
		return err_set(err, errno, "list store %s", s->path);
	d = fdopendir(fd);
	if (!d) {
		safe_close(fd);
		return err_set(err, errno, "list store %s", s->path);
	}
	names = calloc(1, sizeof(char *));
	if (!names)
		return err_set(err, ENOMEM, "list store %s", s->path);
	cap = 1;
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (!de)
			break;
		if (de->d_name[0] == '.' || !entry_is_container(dirfd(d), de->d_name, de->d_type))
			continue;
		if (n + 1 >= cap) {
			char **nv = realloc(names, 2 * cap * sizeof(char *));

			if (!nv)
				return err_set(err, ENOMEM, "list store %s", s->path);
			names = nv;
			cap *= 2;
		}
		names[n] = strdup(de->d_name);
		if (!names[n])
			return err_set(err, ENOMEM, "list store %s", s->path);
		names[++n] = NULL;
	}
	if (errno)
		return err_set(err, errno, "list store %s", s->path);
	qsort(names, n, sizeof(char *), cmp_str);
	*ret_names = TAKE_PTR(names);
	return 0;
}

static int not_found(const char *name, struct taper_err *err)
{
	return err_plain(err, ENOENT, "container \"%s\" not found", name);
}

/* flock(LOCK_EX) on <store>/.locks/<file>; what names the lock in messages.
 * A lock file is unlinked only by a holder of its flock (store_unlock,
 * store_clean_locks), so a flock taken on a file that has no link any more
 * was taken on a lock nobody else will ever look at: take it again. */
static int lock_file(struct taper_store *s, const char *file, const char *what, bool wait, int *ret_fd,
		     struct taper_err *err)
{
	_cleanup_close_ int locks = -1;

	if (mkdirat(s->dirfd, LOCKS_DIR, 0700) < 0 && errno != EEXIST)
		return err_set(err, errno, "lock directory %s/%s", s->path, LOCKS_DIR);
	locks = openat(s->dirfd, LOCKS_DIR, DIR_FLAGS);
	if (locks < 0)
		return err_set(err, errno, "lock directory %s/%s", s->path, LOCKS_DIR);
	for (;;) {
		_cleanup_close_ int fd =
			openat(locks, file, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
		struct stat st;

		if (fd < 0)
			return err_set(err, errno, "lock of %s", what);
		while (flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EWOULDBLOCK)
				return err_plain(err, EBUSY, "%s is busy (locked by another command)", what);
			return err_set(err, errno, "lock %s", what);
		}
		if (fstat(fd, &st) < 0)
			return err_set(err, errno, "lock %s", what);
		if (st.st_nlink == 0)
			continue; /* removed by its last holder */
		*ret_fd = TAKE_FD(fd);
		return 0;
	}
}

/* Only create (make_new) makes a lock file for a name that is not a
 * container. */
static int lock_fd(struct taper_store *s, const char *name, bool make_new, bool wait, int *ret_fd,
		   struct taper_err *err)
{
	_cleanup_close_ int fd = -1;
	char what[STORE_NAME_MAX + 16];
	int r;

	r = store_check_name(name, err);
	if (r < 0)
		return r;
	if (!make_new && !store_exists(s, name))
		return not_found(name, err);
	snprintf(what, sizeof(what), "container \"%s\"", name);
	if ((r = lock_file(s, name, what, wait, &fd, err)) < 0)
		return r;
	/* Gone while we waited (a destroy, a rename): no lock file left. */
	if (!make_new && !store_exists(s, name)) {
		store_unlock(s, name, TAKE_FD(fd));
		return not_found(name, err);
	}
	*ret_fd = TAKE_FD(fd);
	return 0;
}

int store_lock_ids(struct taper_store *s, int *ret_fd, struct taper_err *err)
{
	/* A hidden name: no container name starts with a dot. */
	return lock_file(s, ".idmap", "the store's id ranges", true, ret_fd, err);
}

int store_lock(struct taper_store *s, const char *name, bool wait, int *ret_fd, struct taper_err *err)
{
	return lock_fd(s, name, false, wait, ret_fd, err);
}

int store_lock_new(struct taper_store *s, const char *name, bool wait, int *ret_fd, struct taper_err *err)
{
	return lock_fd(s, name, true, wait, ret_fd, err);
}

int store_lock2(struct taper_store *s, const char *a, const char *b, bool wait, int *ret_fd_a, int *ret_fd_b,
		struct taper_err *err)
{
	_cleanup_close_ int fa = -1, fb = -1;
	bool swap = strcmp(a, b) > 0;
	int r;

	if (strcmp(a, b) == 0)
		return err_set(err, 0, "container \"%s\" named twice", a);
	r = lock_fd(s, swap ? b : a, swap, wait, swap ? &fb : &fa, err);
	if (r < 0)
		return r;
	r = lock_fd(s, swap ? a : b, !swap, wait, swap ? &fa : &fb, err);
	if (r < 0) {
		store_unlock(s, swap ? b : a, swap ? TAKE_FD(fb) : TAKE_FD(fa));
		return r;
	}
	*ret_fd_a = TAKE_FD(fa);
	*ret_fd_b = TAKE_FD(fb);
	return 0;
}

void store_unlock(struct taper_store *s, const char *name, int fd)
{
	_cleanup_close_ int locks = -1;

	if (fd < 0)
		return;
	if (!store_exists(s, name) && (locks = openat(s->dirfd, LOCKS_DIR, DIR_FLAGS)) >= 0)
		(void)unlinkat(locks, name, 0);
	safe_close(fd);
}

int store_clean_locks(struct taper_store *s, bool dry_run, char ***ret_names, struct taper_err *err)
{
	_cleanup_strv_free_ char **names = NULL;
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int fd;

	if (!(names = calloc(1, sizeof(char *))))
		return err_set(err, ENOMEM, "lock files");
	fd = openat(s->dirfd, LOCKS_DIR, DIR_FLAGS);
	if (fd < 0 && errno != ENOENT)
		return err_set(err, errno, "lock directory %s/%s", s->path, LOCKS_DIR);
	if (fd >= 0 && !(d = fdopendir(fd))) {
		safe_close(fd);
		return err_set(err, errno, "lock directory %s/%s", s->path, LOCKS_DIR);
	}
	while (d && (de = readdir(d))) {
		_cleanup_close_ int held = -1;

		if (de->d_name[0] == '.' || store_exists(s, de->d_name))
			continue;
		/* Held: a create in progress, or a command on its way to "not found". */
		if (lock_fd(s, de->d_name, true, false, &held, NULL) < 0)
			continue;
		if (!dry_run && (store_exists(s, de->d_name) || unlinkat(dirfd(d), de->d_name, 0) < 0))
			continue;
		if (strv_extend(&names, de->d_name) < 0)
			return err_set(err, ENOMEM, "lock files");
	}
	*ret_names = TAKE_PTR(names);
	return 0;
}

/* "<prefix><name>-XXXXXX" with 6 random characters. */
static int random_name(const char *prefix, const char *name, char **ret)
{
	static const char chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	char suffix[7];
	uint64_t rnd = 0;

	if (getentropy(&rnd, sizeof(rnd)) < 0)
		return -errno;
	for (int i = 0; i < 6; i++, rnd /= 62)
		suffix[i] = chars[rnd % 62];
	suffix[6] = '\0';
	return asprintf(ret, "%s%s-%s", prefix, name, suffix) < 0 ? -ENOMEM : 0;
}

/* mkdtemp(3) relative to a dirfd. */
static int mkdtemp_at(int dirfd, const char *prefix, const char *name, mode_t mode, char **ret)
{
	for (int attempt = 0; attempt < 100; attempt++) {
		char *p = NULL;
		int r = random_name(prefix, name, &p);

		if (r < 0)
			return r;
		if (mkdirat(dirfd, p, mode) == 0) {
			*ret = p;
			return 0;
		}
		r = -errno;
		free(p);
		if (r != -EEXIST)
			return r;
	}
	return -EEXIST;
}

/* Opens dirfd/name and takes its flock, so that store_clean_stale leaves a
 * directory alone while its owner is alive. */
static int open_and_hold(int dirfd, const char *name, int *ret_fd)
{
	_cleanup_close_ int fd = openat(dirfd, name, DIR_FLAGS);

	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0)
		return -errno;
	*ret_fd = TAKE_FD(fd);
	return 0;
}

int store_clean_stale(struct taper_store *s, struct taper_err *err)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int fd, removed = 0, r = 0;

	fd = openat(s->dirfd, ".", DIR_FLAGS);
	if (fd < 0)
		return err_set(err, errno, "store %s", s->path);
	d = fdopendir(fd);
	if (!d) {
		safe_close(fd);
		return err_set(err, errno, "store %s", s->path);
	}
	while ((de = readdir(d))) {
		_cleanup_close_ int held = -1, name_lock = -1;
		size_t len = strlen(de->d_name), plen;
		char name[STORE_NAME_MAX + 1];
		int q;

		if (strncmp(de->d_name, TMP_PREFIX, strlen(TMP_PREFIX)) == 0)
			plen = strlen(TMP_PREFIX);
		else if (strncmp(de->d_name, TRASH_PREFIX, strlen(TRASH_PREFIX)) == 0)
			plen = strlen(TRASH_PREFIX);
		else
			continue;
		/* The entry's flock is taken only after it appears (mkdtemp,
		 * then open), so it alone cannot tell a fresh entry from a
		 * stale one; the container's lock can: every create and
		 * destroy holds it from before its entry appears. */
		if (len > plen + 7 && len - plen - 7 <= STORE_NAME_MAX) {
			memcpy(name, de->d_name + plen, len - plen - 7);
			name[len - plen - 7] = '\0';
			if (lock_fd(s, name, true, false, &name_lock, NULL) == -EBUSY)
				continue;
		}
		q = open_and_hold(dirfd(d), de->d_name, &held);
		/* EWOULDBLOCK: a create or destroy in progress; else vanished
		 * meanwhile, or not ours to judge. */
		if (q == 0 || q == -ENOTDIR || q == -ELOOP) {
			q = rm_rf_at(dirfd(d), de->d_name);
			if (q < 0 && r == 0)
				r = err_set(err, q, "remove stale %s/%s", s->path, de->d_name);
			else if (q == 0)
				removed++;
		}
		if (name_lock >= 0)
			store_unlock(s, name, TAKE_FD(name_lock));
	}
	return r < 0 ? r : removed;
}

const char *store_create_path(const struct store_create *c)
{
	return c->tmp_path;
}

int store_create_dirfd(const struct store_create *c)
{
	return c->dirfd;
}

void store_create_free(struct store_create *c)
{
	if (!c)
		return;
	if (!c->committed && c->tmp_name)
		(void)rm_rf_at(c->store->dirfd, c->tmp_name);
	safe_close(c->dirfd);
	free(c->name);
	free(c->tmp_name);
	free(c->tmp_path);
	free(c);
}

static int name_taken(struct taper_store *s, const char *name)
{
	struct stat st;

	if (fstatat(s->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return -EEXIST;
	return errno == ENOENT ? 0 : -errno;
}

int store_create_begin(struct taper_store *s, const char *name, struct store_create **ret,
		       struct taper_err *err)
{
	_cleanup_(store_create_freep) struct store_create *c = NULL;
	int r;

	r = store_check_name(name, err);
	if (r < 0)
		return r;
	r = name_taken(s, name);
	if (r == -EEXIST)
		return err_set(err, EEXIST, "container \"%s\"", name);
	if (r < 0)
		return err_set(err, r, "container \"%s\"", name);
	(void)store_clean_stale(s, NULL);
	c = calloc(1, sizeof(*c));
	if (!c || !(c->name = strdup(name)))
		return err_set(err, ENOMEM, "create \"%s\"", name);
	c->store = s;
	c->dirfd = -1;
	/* 0700: with an idmapped rootfs, what the container's root creates is
	 * host root's on disk, setuid files included; no host user but root
	 * may reach into a container's directory. */
	r = mkdtemp_at(s->dirfd, TMP_PREFIX, name, 0700, &c->tmp_name);
	if (r < 0)
		return err_set(err, r, "create temporary directory for \"%s\" in %s", name, s->path);
	r = open_and_hold(s->dirfd, c->tmp_name, &c->dirfd);
	if (r < 0)
		return err_set(err, r, "open %s/%s", s->path, c->tmp_name);
	if (mkdirat(c->dirfd, STORE_ROOTFS_DIR, 0755) < 0)
		return err_set(err, errno, "create %s/%s/%s", s->path, c->tmp_name, STORE_ROOTFS_DIR);
	if (asprintf(&c->tmp_path, "%s/%s", s->path, c->tmp_name) < 0)
		return err_set(err, ENOMEM, "create \"%s\"", name);
	*ret = TAKE_PTR(c);
	return 0;
}

int store_create_commit(struct store_create *c, struct taper_err *err)
{
	struct stat st;

	if (c->committed)
		return 0;
	if (fstatat(c->dirfd, STORE_CONFIG_FILE, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
		return err_set(err, 0, "create \"%s\": no %s written", c->name, STORE_CONFIG_FILE);
	if (fsync(c->dirfd) < 0)
		return err_set(err, errno, "create \"%s\": sync", c->name);
	if (renameat2(c->store->dirfd, c->tmp_name, c->store->dirfd, c->name, RENAME_NOREPLACE) < 0)
		return err_set(err, errno, "container \"%s\"", c->name);
	c->committed = true;
	(void)fsync(c->store->dirfd);
	return 0;
}

/* Move the runtime directory with its container; absent is fine. */
static void runtime_rename(struct taper_store *s, const char *old_name, const char *new_name)
{
	_cleanup_close_ int base = runtime_base_existing(s);

	if (base < 0)
		return;
	(void)rm_rf_at(base, new_name);
	(void)renameat2(base, old_name, base, new_name, RENAME_NOREPLACE);
}

int store_rename(struct taper_store *s, const char *old_name, const char *new_name, struct taper_err *err)
{
	_cleanup_close_ int fd = -1;
	int r;

	r = store_check_name(new_name, err);
	if (r < 0)
		return r;
	r = store_open_container(s, old_name, &fd, err);
	if (r < 0)
		return r;
	/* renameat2 renames the entry itself: had it been swapped for a symlink
	 * since the check above, the symlink is what moves, never its target. */
	if (renameat2(s->dirfd, old_name, s->dirfd, new_name, RENAME_NOREPLACE) < 0) {
		if (errno == EEXIST)
			return err_set(err, EEXIST, "rename \"%s\" to \"%s\"", old_name, new_name);
		return err_set(err, errno, "rename \"%s\" to \"%s\"", old_name, new_name);
	}
	(void)fsync(s->dirfd);
	runtime_rename(s, old_name, new_name);
	return 0;
}

int store_destroy(struct taper_store *s, const char *name, struct taper_err *err)
{
	_cleanup_close_ int fd = -1, base = -1;
	_cleanup_free_ char *trash = NULL;
	int r;

	r = store_open_container(s, name, &fd, err);
	if (r < 0)
		return r;
	/* Hold the container directory's flock: store_clean_stale leaves the
	 * trash alone while this destroy runs. */
	if (flock(fd, LOCK_EX | LOCK_NB) < 0)
		return err_set(err, errno, "destroy \"%s\"", name);
	for (int attempt = 0;; attempt++) {
		free(trash);
		trash = NULL;
		r = random_name(TRASH_PREFIX, name, &trash);
		if (r < 0)
			return err_set(err, r, "destroy \"%s\"", name);
		/* Renames the entry itself: had it been swapped for a symlink since
		 * the check, the symlink moves and rm_rf_at unlinks it. */
		if (renameat2(s->dirfd, name, s->dirfd, trash, RENAME_NOREPLACE) == 0)
			break;
		if (errno != EEXIST || attempt >= 100)
			return err_set(err, errno, "destroy \"%s\"", name);
	}
	(void)fsync(s->dirfd);
	r = rm_rf_at(s->dirfd, trash);
	if (r < 0)
		return err_set(err, r, "destroy \"%s\": remove %s/%s", name, s->path, trash);
	base = runtime_base_existing(s);
	if (base >= 0)
		(void)rm_rf_at(base, name);
	return 0;
}
