/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * snapshot.c — named snapshots of a stopped container (lxc-snapshot).
 *
 * A snapshot is a full copy of the container's rootfs (the merged view of
 * an overlay clone) and of its config, kept inside the container's
 * directory, so that it goes wherever the container goes (rename) and
 * with it (destroy):
 *
 *   <store>/<name>/snaps/<snap>/rootfs/    the tree, copied by clone.c's copier
 *   <store>/<name>/snaps/<snap>/config     the config, rootfs.path = rootfs
 *   <store>/<name>/snaps/<snap>/ts         creation time, unix seconds
 *   <store>/<name>/snaps/<snap>/comment    free text, may be absent
 *
 * Every call holds the container's lock. A snapshot is built in
 * snaps/.tmp-<snap> and renamed into place when complete; a restore in
 * place builds <name>/.restore and swaps it in with two renames: the
 * rootfs (RENAME_EXCHANGE), then the config. A crash leaves only those
 * hidden directories, which the next call on the container removes (the
 * lock says nobody else is building them); between the two renames it
 * leaves the snapshot's rootfs under the config the container had.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "container/container.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/parse.h"
#include "util/strv.h"

#define SNAPS_DIR "snaps"
#define SNAP_TMP_PREFIX ".tmp-"
#define RESTORE_DIR ".restore"
#define DIR_FLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int check_stopped(struct taper_store *s, const char *name, struct taper_err *err)
{
	struct container_probe pr;
	enum taper_state st;
	int r;

	if ((r = container_probe(s, name, &pr)) < 0)
		return err_set(err, r, "state of \"%s\"", name);
	st = pr.state;
	container_probe_clear(&pr);
	if (st != TAPER_STATE_STOPPED)
		return err_set(err, EBUSY, "container \"%s\" is %s; stop it first", name,
			       taper_state_name(st));
	return 0;
}

/* <name>/snaps, made when create; -ENOENT (fd -1, not an error) when it
 * does not exist and !create. Stale builds are removed on the way. */
static int open_snaps(int cfd, bool create, int *ret_fd, struct taper_err *err)
{
	_cleanup_closedir_ DIR *d = NULL;
	_cleanup_close_ int fd = -1;
	struct dirent *de;
	int dup_fd;

	(void)rm_rf_at(cfd, RESTORE_DIR);
	if (create && mkdirat(cfd, SNAPS_DIR, 0700) < 0 && errno != EEXIST)
		return err_set(err, errno, "mkdir %s", SNAPS_DIR);
	fd = openat(cfd, SNAPS_DIR, DIR_FLAGS);
	if (fd < 0) {
		*ret_fd = -1;
		return errno == ENOENT ? 0 : err_set(err, errno, "open %s", SNAPS_DIR);
	}
	if ((dup_fd = dup(fd)) < 0 || !(d = fdopendir(dup_fd))) {
		if (dup_fd >= 0)
			close(dup_fd);
		return err_set(err, errno, "read %s", SNAPS_DIR);
	}
	while ((de = readdir(d)))
		if (strncmp(de->d_name, SNAP_TMP_PREFIX, strlen(SNAP_TMP_PREFIX)) == 0)
			(void)rm_rf_at(fd, de->d_name);
	*ret_fd = TAKE_FD(fd);
	return 0;
}

/* Snapshot names, sorted: valid names of directories holding a config. */
static int snap_names(int sfd, char ***ret, struct taper_err *err)
{
	_cleanup_strv_free_ char **names = NULL;
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int dup_fd;

	if (!(names = calloc(1, sizeof(char *))))
		return err_set(err, ENOMEM, "snapshots");
	if (sfd < 0) {
		*ret = TAKE_PTR(names);
		return 0;
	}
	if ((dup_fd = dup(sfd)) < 0 || !(d = fdopendir(dup_fd))) {
		if (dup_fd >= 0)
			close(dup_fd);
		return err_set(err, errno, "read %s", SNAPS_DIR);
	}
	rewinddir(d); /* the dup shares the offset of whoever read sfd before */
	while ((errno = 0, de = readdir(d))) {
		char path[NAME_MAX + 16];
		struct stat st;

		if (store_check_name(de->d_name, NULL) < 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", de->d_name, STORE_CONFIG_FILE);
		if (fstatat(sfd, path, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (strv_extend(&names, de->d_name) < 0)
			return err_set(err, ENOMEM, "snapshots");
	}
	if (errno)
		return err_set(err, errno, "read %s", SNAPS_DIR);
	qsort(names, strv_length(names), sizeof(char *), cmp_str);
	*ret = TAKE_PTR(names);
	return 0;
}

/* "snapN" with N one past the highest of the existing snapN (LXC's names). */
static int next_name(char **names, char *buf, size_t n)
{
	uint64_t next = 0;

	for (char **p = names; *p; p++) {
		uint64_t v;

		if (strncmp(*p, "snap", 4) == 0 && parse_u64(*p + 4, &v) == 0 && v + 1 > next)
			next = v + 1;
	}
	return snprintf(buf, n, "snap%llu", (unsigned long long)next) >= (int)n ? -ENAMETOOLONG : 0;
}

/* The config of the container as the snapshot keeps it: its own rootfs. */
static int snap_config(int cfd, int dst, const char *name, struct taper_err *err)
{
	_cleanup_(config_freep) struct taper_config *c = NULL;
	int r;

	if ((r = config_load_at(cfd, STORE_CONFIG_FILE, name, &c, err)) < 0 ||
	    (r = config_set(c, "rootfs.path", STORE_ROOTFS_DIR, err)) < 0)
		return r;
	return config_save_at(c, dst, STORE_CONFIG_FILE, err);
}

/* Fills the hidden directory tfd: rootfs, config, ts, comment. */
static int fill_snap(struct taper_store *s, const char *name, const char *rootfs, int cfd, int tfd,
		     const char *comment, struct taper_err *err)
{
	_cleanup_close_ int rfd = -1;
	char ts[32];
	int r;

	if (mkdirat(tfd, STORE_ROOTFS_DIR, 0755) < 0 || (rfd = openat(tfd, STORE_ROOTFS_DIR, DIR_FLAGS)) < 0)
		return err_set(err, errno, "snapshot rootfs");
	if ((r = container_copy_rootfs(s, name, rootfs, rfd, err)) < 0 ||
	    (r = snap_config(cfd, tfd, name, err)) < 0)
		return r;
	snprintf(ts, sizeof(ts), "%lld\n", (long long)time(NULL));
	if ((r = write_file_atomic_at(tfd, "ts", ts, strlen(ts), 0600)) < 0 ||
	    (comment && *comment &&
	     (r = write_file_atomic_at(tfd, "comment", comment, strlen(comment), 0600)) < 0))
		return err_set(err, r, "snapshot time and comment");
	if (fsync(tfd) < 0)
		return err_set(err, errno, "snapshot sync");
	return 0;
}

static int create_locked(struct taper_store *s, const char *name, const char *snap, const char *comment,
			 char **ret_name, struct taper_err *err)
{
	_cleanup_(spec_freep) struct taper_spec *spec = NULL;
	_cleanup_strv_free_ char **names = NULL;
	_cleanup_close_ int cfd = -1, sfd = -1, tfd = -1;
	char auto_name[32], tmp[STORE_NAME_MAX + 8];
	int r;

	if ((r = store_open_container(s, name, &cfd, err)) < 0 || (r = check_stopped(s, name, err)) < 0 ||
	    (r = config_load_container(s, name, &spec, NULL, err)) < 0 ||
	    (r = open_snaps(cfd, true, &sfd, err)) < 0 || (r = snap_names(sfd, &names, err)) < 0)
		return r;
	if (!snap) {
		if (next_name(names, auto_name, sizeof(auto_name)) < 0)
			return err_set(err, ENAMETOOLONG, "snapshot name");
		snap = auto_name;
	} else if (strv_contains(names, snap)) {
		return err_set(err, EEXIST, "snapshot \"%s\" already exists", snap);
	}
	snprintf(tmp, sizeof(tmp), SNAP_TMP_PREFIX "%s", snap);
	if (mkdirat(sfd, tmp, 0700) < 0 || (tfd = openat(sfd, tmp, DIR_FLAGS)) < 0)
		return err_set(err, errno, "snapshot directory %s", tmp);
	r = fill_snap(s, name, spec->rootfs, cfd, tfd, comment, err);
	if (r == 0 && renameat2(sfd, tmp, sfd, snap, RENAME_NOREPLACE) < 0)
		r = err_set(err, errno, "snapshot %s", snap);
	if (r < 0) {
		(void)rm_rf_at(sfd, tmp);
		return r;
	}
	(void)fsync(sfd);
	if (ret_name && !(*ret_name = strdup(snap)))
		return err_set(err, ENOMEM, "snapshot");
	return 0;
}

/* Wraps a call with the container's lock; a failure names the container
 * once (container_err()), the operation is the caller's to say. */
#define LOCKED(verb, call)                                                                 \
	do {                                                                               \
		_cleanup_close_ int lock_ = -1;                                            \
		int r_;                                                                    \
		if ((r_ = store_check_name(name, err)) < 0)                                \
			return r_;                                                         \
		if ((r_ = store_lock(s, name, true, &lock_, err)) < 0)                     \
			return container_err(err, name);                                   \
		if (!store_exists(s, name))                                                \
			return err_plain(err, ENOENT, "container \"%s\" not found", name); \
		r_ = (call);                                                               \
		return r_ < 0 ? container_err(err, name) : r_;                             \
	} while (0)

TAPER_EXPORT int taper_snapshot_create(struct taper_store *s, const char *name, const char *snap,
				       const char *comment, char **ret_name, struct taper_err *err)
{
	if (snap && store_check_name(snap, err) < 0)
		return container_err(err, name);
	LOCKED("snapshot", create_locked(s, name, snap, comment, ret_name, err));
}

static int list_locked(struct taper_store *s, const char *name, struct taper_snapshot **ret, size_t *ret_n,
		       struct taper_err *err)
{
	_cleanup_strv_free_ char **names = NULL;
	_cleanup_close_ int cfd = -1, sfd = -1;
	struct taper_snapshot *v;
	size_t n;
	int r;

	if ((r = store_open_container(s, name, &cfd, err)) < 0 ||
	    (r = open_snaps(cfd, false, &sfd, err)) < 0 || (r = snap_names(sfd, &names, err)) < 0)
		return r;
	n = strv_length(names);
	if (!(v = calloc(n + 1, sizeof(*v))))
		return err_set(err, ENOMEM, "snapshots");
	for (size_t i = 0; i < n; i++) {
		_cleanup_close_ int d = openat(sfd, names[i], DIR_FLAGS);
		_cleanup_free_ char *ts = NULL;
		int64_t t;

		snprintf(v[i].name, sizeof(v[i].name), "%s", names[i]);
		if (d >= 0 && read_file_at(d, "ts", 64, &ts, NULL) == 0) {
			ts[strcspn(ts, "\n")] = '\0';
			if (parse_i64(ts, &t) == 0)
				v[i].created = t;
		}
		if (d < 0 || read_file_at(d, "comment", 65536, &v[i].comment, NULL) < 0)
			v[i].comment = strdup("");
		if (!v[i].comment) {
			taper_snapshots_free(v, n);
			return err_set(err, ENOMEM, "snapshots");
		}
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

TAPER_EXPORT int taper_snapshot_list(struct taper_store *s, const char *name, struct taper_snapshot **ret,
				     size_t *ret_n, struct taper_err *err)
{
	*ret = NULL;
	*ret_n = 0;
	LOCKED("snapshot ls", list_locked(s, name, ret, ret_n, err));
}

TAPER_EXPORT void taper_snapshots_free(struct taper_snapshot *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i].comment);
	free(v);
}

/* The snapshot's directory, or -ENOENT naming it. */
static int open_snap(int cfd, const char *snap, int *ret_sfd, int *ret_fd, struct taper_err *err)
{
	struct stat st;
	int r;

	if ((r = store_check_name(snap, err)) < 0 || (r = open_snaps(cfd, false, ret_sfd, err)) < 0)
		return r;
	if (*ret_sfd < 0 || (*ret_fd = openat(*ret_sfd, snap, DIR_FLAGS)) < 0 ||
	    fstatat(*ret_fd, STORE_CONFIG_FILE, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return err_set(err, ENOENT, "no snapshot \"%s\"", snap);
	return 0;
}

/* A new container new_name from the snapshot: a create like clone's. */
static int restore_new(struct taper_store *s, const char *name, int snap_fd, const char *snap,
		       const char *new_name, struct taper_err *err)
{
	_cleanup_(store_create_freep) struct store_create *sc = NULL;
	_cleanup_close_ int dst_root = -1, ids = -1;
	_cleanup_free_ char *src_root = NULL;
	int r;

	if (asprintf(&src_root, "%s/%s/%s/%s/%s", store_path(s), name, SNAPS_DIR, snap, STORE_ROOTFS_DIR) < 0)
		return err_set(err, ENOMEM, "restore");
	if ((r = store_create_begin(s, new_name, &sc, err)) < 0)
		return r == -EEXIST ? err_set(err, EEXIST, "container \"%s\" already exists", new_name) : r;
	dst_root = openat(store_create_dirfd(sc), STORE_ROOTFS_DIR, DIR_FLAGS);
	if (dst_root < 0)
		return err_set(err, errno, "new rootfs");
	if ((r = container_copy_rootfs(s, NULL, src_root, dst_root, err)) < 0)
		return r;
	if ((r = store_lock_ids(s, &ids, err)) < 0 ||
	    (r = container_clone_config(s, snap_fd, store_create_dirfd(sc), name, new_name, err)) < 0)
		return r;
	return store_create_commit(sc, err);
}

/* The container's rootfs and config replaced by the snapshot's. */
static int restore_in_place(struct taper_store *s, const char *name, int cfd, int snap_fd, const char *snap,
			    struct taper_err *err)
{
	_cleanup_close_ int tfd = -1, rfd = -1, ofd = -1;
	_cleanup_free_ char *src_root = NULL;
	int r;

	ofd = openat(cfd, CONTAINER_OVERLAY_DIR, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (ofd >= 0)
		return err_set(err, EOPNOTSUPP,
			       "\"%s\" is an overlay clone; restore the snapshot as a new container", name);
	if (asprintf(&src_root, "%s/%s/%s/%s/%s", store_path(s), name, SNAPS_DIR, snap, STORE_ROOTFS_DIR) < 0)
		return err_set(err, ENOMEM, "restore");
	if (mkdirat(cfd, RESTORE_DIR, 0700) < 0 || (tfd = openat(cfd, RESTORE_DIR, DIR_FLAGS)) < 0 ||
	    mkdirat(tfd, STORE_ROOTFS_DIR, 0755) < 0 || (rfd = openat(tfd, STORE_ROOTFS_DIR, DIR_FLAGS)) < 0)
		return err_set(err, errno, "restore directory");
	if ((r = container_copy_rootfs(s, NULL, src_root, rfd, err)) < 0)
		return r;
	{
		_cleanup_free_ char *text = NULL;
		size_t len;

		if ((r = read_file_at(snap_fd, STORE_CONFIG_FILE, 1u << 20, &text, &len)) < 0 ||
		    (r = write_file_atomic_at(tfd, STORE_CONFIG_FILE, text, len, 0644)) < 0)
			return err_set(err, r, "snapshot config");
	}
	if (fsync(tfd) < 0)
		return err_set(err, errno, "restore");
	/* The two renames: the rootfs swapped (the old one goes with
	 * .restore), then the config replaced. */
	if (renameat2(tfd, STORE_ROOTFS_DIR, cfd, STORE_ROOTFS_DIR, RENAME_EXCHANGE) < 0 &&
	    (errno != ENOENT ||
	     renameat2(tfd, STORE_ROOTFS_DIR, cfd, STORE_ROOTFS_DIR, RENAME_NOREPLACE) < 0))
		return err_set(err, errno, "swap in the rootfs");
	if (renameat(tfd, STORE_CONFIG_FILE, cfd, STORE_CONFIG_FILE) < 0)
		return err_set(err, errno, "replace the config");
	(void)fsync(cfd);
	return 0;
}

static int restore_locked(struct taper_store *s, const char *name, const char *snap, const char *new_name,
			  struct taper_err *err)
{
	_cleanup_close_ int cfd = -1, sfd = -1, snap_fd = -1;
	int r;

	if ((r = store_open_container(s, name, &cfd, err)) < 0 ||
	    (r = open_snap(cfd, snap, &sfd, &snap_fd, err)) < 0)
		return r;
	if (new_name)
		return restore_new(s, name, snap_fd, snap, new_name, err);
	if ((r = check_stopped(s, name, err)) < 0)
		return r;
	r = restore_in_place(s, name, cfd, snap_fd, snap, err);
	(void)rm_rf_at(cfd, RESTORE_DIR);
	return r;
}

TAPER_EXPORT int taper_snapshot_restore(struct taper_store *s, const char *name, const char *snap,
					const char *new_name, struct taper_err *err)
{
	_cleanup_close_ int lb = -1;

	if (new_name) {
		_cleanup_close_ int la = -1;
		int r;

		/* Both names locked, as clone does. */
		if ((r = store_check_name(name, err)) < 0 || (r = store_check_name(new_name, err)) < 0)
			return r;
		if (strcmp(name, new_name) == 0)
			new_name = NULL;
		else if ((r = store_lock2(s, name, new_name, true, &la, &lb, err)) < 0)
			return container_err(err, name);
		if (new_name) {
			r = store_exists(s, name)
				    ? restore_locked(s, name, snap, new_name, err)
				    : err_plain(err, ENOENT, "container \"%s\" not found", name);
			return r < 0 ? container_err(err, name) : 0;
		}
	}
	LOCKED("snapshot restore", restore_locked(s, name, snap, NULL, err));
}

static int remove_locked(struct taper_store *s, const char *name, const char *snap, struct taper_err *err)
{
	_cleanup_close_ int cfd = -1, sfd = -1, snap_fd = -1;
	char tmp[STORE_NAME_MAX + 8];
	int r;

	if ((r = store_open_container(s, name, &cfd, err)) < 0 ||
	    (r = open_snap(cfd, snap, &sfd, &snap_fd, err)) < 0)
		return r;
	/* Hidden first, so that a crash never leaves half a snapshot listed. */
	snprintf(tmp, sizeof(tmp), SNAP_TMP_PREFIX "%s", snap);
	if (renameat(sfd, snap, sfd, tmp) < 0)
		return err_set(err, errno, "remove snapshot %s", snap);
	(void)fsync(sfd);
	if ((r = rm_rf_at(sfd, tmp)) < 0)
		return err_set(err, r, "remove snapshot %s", snap);
	return 0;
}

TAPER_EXPORT int taper_snapshot_remove(struct taper_store *s, const char *name, const char *snap,
				       struct taper_err *err)
{
	LOCKED("snapshot rm", remove_locked(s, name, snap, err));
}

int container_snapshot_count(struct taper_store *s, const char *name, size_t *ret, struct taper_err *err)
{
	_cleanup_strv_free_ char **names = NULL;
	_cleanup_close_ int cfd = -1, sfd = -1;
	int r;

	if ((r = store_open_container(s, name, &cfd, err)) < 0 ||
	    (r = open_snaps(cfd, false, &sfd, err)) < 0 || (r = snap_names(sfd, &names, err)) < 0)
		return r;
	*ret = strv_length(names);
	return 0;
}
