/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/fs.h>
#include <stdbool.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/parse.h"

int openat2_resolve(int dirfd, const char *path, int flags, mode_t mode, uint64_t resolve)
{
	struct open_how how = {
		.flags = (uint64_t)flags | O_CLOEXEC,
		.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0,
		.resolve = resolve,
	};
	long fd;

	do
		fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
	while (fd < 0 && errno == EAGAIN);
	return fd < 0 ? -errno : (int)fd;
}

int openat2_in_root(int root_fd, const char *path, int flags, mode_t mode)
{
	return openat2_resolve(root_fd, path, flags, mode, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
}

int read_fd_all(int fd, size_t max, char **ret, size_t *ret_len)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = max < 4095 ? max + 1 : 4096;

	buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n;

		if (len + 1 >= cap) {
			char probe;
			char *nb;

			if (cap >= max + 1) {
				/* Full at max: anything more is too big. */
				n = read(fd, &probe, 1);
				if (n < 0)
					return -errno;
				if (n > 0)
					return -EFBIG;
				break;
			}
			cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			nb = realloc(buf, cap);
			if (!nb)
				return -ENOMEM;
			buf = nb;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	if (ret_len)
		*ret_len = len;
	*ret = TAKE_PTR(buf);
	return 0;
}

int read_file_at(int dirfd, const char *path, size_t max, char **ret, size_t *ret_len)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return -errno;
	return read_fd_all(fd, max, ret, ret_len);
}

int read_file(const char *path, size_t max, char **ret)
{
	return read_file_at(AT_FDCWD, path, max, ret, NULL);
}

int write_file_at(int dirfd, const char *path, const char *s)
{
	_cleanup_close_ int fd = -1;
	size_t len = strlen(s);
	ssize_t n;

	fd = openat(dirfd, path, O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	do
		n = write(fd, s, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if ((size_t)n != len)
		return -EIO;
	return 0;
}

int write_file(const char *path, const char *s)
{
	return write_file_at(AT_FDCWD, path, s);
}

int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int replace_at(int dirfd, const char *name, const void *data, size_t len, mode_t mode, bool durable)
{
	const int flags = O_WRONLY | O_CREAT | O_TRUNC | O_EXCL | O_CLOEXEC | O_NOFOLLOW;
	_cleanup_close_ int fd = -1;
	char tmp[PATH_MAX];
	int r;

	r = snprintf(tmp, sizeof(tmp), ".%s.tmp.%d", name, (int)getpid());
	if (r < 0 || (size_t)r >= sizeof(tmp) || strchr(name, '/'))
		return -EINVAL;
	/* An unnamed file while it is written: a crash (SIGKILL) before the
	 * rename leaves a name only in the window between link and rename. */
	fd = openat(dirfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, mode);
	if (fd >= 0) {
		char proc[64];

		r = write_all(fd, data, len);
		if (r < 0)
			return r;
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
		if (fchmod(fd, mode) < 0 || (durable && fsync(fd) < 0))
			return -errno;
		(void)unlinkat(dirfd, tmp, 0);
		if (linkat(AT_FDCWD, proc, dirfd, tmp, AT_SYMLINK_FOLLOW) == 0) {
			if (renameat(dirfd, tmp, dirfd, name) < 0) {
				r = -errno;
				(void)unlinkat(dirfd, tmp, 0);
				return r;
			}
			if (durable && dirfd != AT_FDCWD)
				(void)fsync(dirfd);
			return 0;
		}
		fd = safe_close(fd); /* no /proc: a named temporary file */
	}
	fd = openat(dirfd, tmp, flags, mode);
	if (fd < 0 && errno == EEXIST) {
		(void)unlinkat(dirfd, tmp, 0);
		fd = openat(dirfd, tmp, flags, mode);
	}
	if (fd < 0)
		return -errno;
	r = write_all(fd, data, len);
	if (r == 0 &&
	    (fchmod(fd, mode) < 0 || (durable && fsync(fd) < 0) || renameat(dirfd, tmp, dirfd, name) < 0))
		r = -errno;
	if (r < 0) {
		(void)unlinkat(dirfd, tmp, 0);
		return r;
	}
	if (durable && dirfd != AT_FDCWD)
		(void)fsync(dirfd);
	return 0;
}

int write_file_atomic_at(int dirfd, const char *name, const void *data, size_t len, mode_t mode)
{
	return replace_at(dirfd, name, data, len, mode, true);
}

int write_file_replace_at(int dirfd, const char *name, const void *data, size_t len, mode_t mode)
{
	return replace_at(dirfd, name, data, len, mode, false);
}

int mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int rm_rf_children(int fd, dev_t dev)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int r = 0;

	d = fdopendir(fd);
	if (!d) {
		safe_close(fd);
		return -errno;
	}
	while ((de = readdir(d))) {
		struct stat st;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno != ENOENT && r == 0)
				r = -errno;
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			int cfd;

			if (st.st_dev != dev) {
				/* A mount point: never descend into another filesystem. */
				if (r == 0)
					r = -EBUSY;
				continue;
			}
			cfd = openat(dirfd(d), de->d_name,
				     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NOATIME);
			if (cfd < 0 && errno == EPERM)
				cfd = openat(dirfd(d), de->d_name,
					     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (cfd < 0) {
				if (r == 0)
					r = -errno;
				continue;
			}
			int q = rm_rf_children(cfd, dev);
			if (q < 0 && r == 0)
				r = q;
			if (unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR) < 0 && errno != ENOENT && r == 0)
				r = -errno;
		} else if (unlinkat(dirfd(d), de->d_name, 0) < 0 && errno != ENOENT && r == 0) {
			r = -errno;
		}
	}
	return r;
}

int rm_rf_at(int dirfd, const char *name)
{
	struct stat st;
	int fd, r;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(dirfd, name, 0) < 0 && errno != ENOENT ? -errno : 0;
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = rm_rf_children(fd, st.st_dev);
	if (r < 0)
		return r;
	if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

/* Bytes [off, end) of in to the same offsets of out. */
static int copy_range(int in, int out, off_t off, off_t end)
{
	bool plain = false;

	while (off < end) {
		size_t want = end - off > (1 << 30) ? (size_t)1 << 30 : (size_t)(end - off);
		ssize_t n;

		if (!plain) {
			off_t io = off, oo = off;

			n = copy_file_range(in, &io, out, &oo, want, 0);
			if (n < 0 &&
			    (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP)) {
				plain = true;
				continue;
			}
		} else {
			char buf[65536];

			n = pread(in, buf, want < sizeof(buf) ? want : sizeof(buf), off);
			for (ssize_t done = 0; n > 0 && done < n;) {
				ssize_t w = pwrite(out, buf + done, (size_t)(n - done), off + done);

				if (w < 0 && errno != EINTR)
					return -errno;
				done += w > 0 ? w : 0;
			}
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0; /* the file shrank under us */
		off += n;
	}
	return 0;
}

static int copy_stream(int in, int out)
{
	for (;;) {
		char buf[65536];
		ssize_t n = read(in, buf, sizeof(buf));
		int r;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : 0;
		if ((r = write_all(out, buf, (size_t)n)) < 0)
			return r;
	}
	return 0;
}

int copy_fd(int in, int out)
{
	struct stat st;
	off_t off = 0;
	int r;

	/* Shared extents where the filesystem has them (btrfs, XFS). */
	if (ioctl(out, FICLONE, in) == 0)
		return 0;
	if (fstat(in, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return copy_stream(in, out);
	/* Only the data extents: a hole stays a hole, so a sparse file of
	 * 16 TiB costs what it holds, not 16 TiB of the destination's disk. */
	for (;;) {
		off_t data = lseek(in, off, SEEK_DATA), hole;

		if (data < 0 && errno == ENXIO)
			break; /* nothing but a hole from off to the end */
		if (data < 0)
			return -errno;
		hole = lseek(in, data, SEEK_HOLE);
		if (hole < 0)
			return -errno;
		if ((r = copy_range(in, out, data, hole)) < 0)
			return r;
		off = hole;
	}
	if (ftruncate(out, off > st.st_size ? off : st.st_size) < 0)
		return -errno;
	return 0;
}

/* ---- files inside a tree a container controls -------------------------- */

static const char *display_path(const char *path)
{
	while (*path == '/')
		path++;
	return path;
}

static const char *type_name(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFDIR:
		return "a directory";
	case S_IFLNK:
		return "a symlink";
	case S_IFIFO:
		return "a fifo";
	case S_IFCHR:
		return "a character device";
	case S_IFBLK:
		return "a block device";
	case S_IFSOCK:
		return "a socket";
	default:
		return "not a regular file";
	}
}

static int not_regular(const char *path, mode_t mode, struct taper_err *err)
{
	err_set(err, 0, "/%s: %s, not a regular file", display_path(path), type_name(mode));
	if (err)
		err->code = EBADFD;
	return -EBADFD;
}

int root_open_regular(int root_fd, const char *path, int flags, struct taper_err *err)
{
	_cleanup_close_ int node = -1;
	char proc[64];
	struct stat st;
	int fd;

	node = openat2_in_root(root_fd, path, O_PATH | O_NOFOLLOW, 0);
	if (node < 0)
		return err_set(err, node, "/%s", display_path(path));
	if (fstat(node, &st) < 0)
		return err_set(err, errno, "/%s", display_path(path));
	if (!S_ISREG(st.st_mode))
		return not_regular(path, st.st_mode, err);
	/* The inode fstat saw, reopened: no window for a swap of the name. */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", node);
	fd = open(proc, (flags & (O_ACCMODE | O_APPEND)) | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return err_set(err, errno, "/%s", display_path(path));
	return fd;
}

int root_lookup_id(int root_fd, const char *file, const char *name, uint32_t *ret, uint32_t *ret_group,
		   struct taper_err *err)
{
	_cleanup_free_ char *text = NULL;
	bool numeric = parse_u32(name, ret) == 0;
	int r;

	/* The tree's file: a fifo or a device there is refused, not opened. */
	r = root_read_file(root_fd, file, 4u << 20, &text, NULL, numeric ? NULL : err);
	if (r < 0)
		return numeric ? 0 : r;
	r = parse_id_file(text, name, ret, ret_group);
	if (numeric || r == 0)
		return 0; /* a number is an id, whether the file knows it or not */
	if (r == -ENOENT)
		return err_plain(err, ENOENT, "/%s: no \"%s\"", file, name);
	if (r == -EINVAL)
		return err_set(err, 0, "/%s: malformed line for \"%s\"", file, name);
	return err_set(err, r, "/%s", file);
}

int root_read_file(int root_fd, const char *path, size_t max, char **ret, size_t *ret_len,
		   struct taper_err *err)
{
	_cleanup_close_ int fd = root_open_regular(root_fd, path, O_RDONLY, err);
	int r;

	if (fd < 0)
		return fd;
	r = read_fd_all(fd, max, ret, ret_len);
	if (r < 0)
		return err_set(err, r, "read /%s", display_path(path));
	return 0;
}

int root_open_parent(int root_fd, const char *path, const char **ret_name, struct taper_err *err)
{
	const char *rel = display_path(path), *slash = strrchr(rel, '/');
	const char *name = slash ? slash + 1 : rel;
	char dir[PATH_MAX];
	int fd;

	if (!*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return err_set(err, EINVAL, "/%s", rel);
	if (slash && (size_t)(slash - rel) >= sizeof(dir))
		return err_set(err, ENAMETOOLONG, "/%s", rel);
	snprintf(dir, sizeof(dir), "/%.*s", slash ? (int)(slash - rel) : 0, rel);
	fd = openat2_in_root(root_fd, dir, O_PATH | O_DIRECTORY, 0);
	if (fd < 0)
		return err_set(err, fd, "%s", dir);
	*ret_name = name;
	return fd;
}

int root_write_file(int root_fd, const char *path, const void *data, size_t len, mode_t mode,
		    struct taper_err *err)
{
	_cleanup_close_ int dir = -1, fd = -1;
	const char *name;
	struct stat st, dst;
	bool exists;
	char tmp[NAME_MAX + 1];
	uint64_t rnd;
	int r;

	dir = root_open_parent(root_fd, path, &name, err);
	if (dir < 0)
		return dir;
	if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
		exists = true;
	else if (errno == ENOENT)
		exists = false;
	else
		return err_set(err, errno, "/%s", display_path(path));
	if (exists && !S_ISREG(st.st_mode))
		return not_regular(path, st.st_mode, err);
	if (!exists && fstat(dir, &dst) < 0)
		return err_set(err, errno, "/%s", display_path(path));
	if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
		rnd = (uint64_t)getpid() << 32 ^ (uint64_t)time(NULL);
	r = snprintf(tmp, sizeof(tmp), ".#%.200s.%016llx", name, (unsigned long long)rnd);
	if (r < 0 || (size_t)r >= sizeof(tmp))
		return err_set(err, ENAMETOOLONG, "/%s", display_path(path));
	/* O_EXCL: a name the container raced in is an error, never opened. */
	fd = openat(dir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return err_set(err, errno, "/%s", display_path(path));
	r = write_all(fd, data, len);
	if (r == 0 && fchown(fd, exists ? st.st_uid : dst.st_uid, exists ? st.st_gid : dst.st_gid) < 0)
		r = -errno;
	if (r == 0 && fchmod(fd, exists ? st.st_mode & 07777 : mode) < 0)
		r = -errno;
	/* A non-regular file swapped in since the fstatat is replaced, not
	 * opened: the rename only ever touches this directory's entries. */
	if (r == 0 && renameat(dir, tmp, dir, name) < 0)
		r = -errno;
	if (r < 0) {
		(void)unlinkat(dir, tmp, 0);
		return err_set(err, r, "write /%s", display_path(path));
	}
	return 0;
}

int root_unlink(int root_fd, const char *path, struct taper_err *err)
{
	_cleanup_close_ int dir = -1;
	const char *name;

	dir = root_open_parent(root_fd, path, &name, NULL);
	if (dir == -ENOENT)
		return 0;
	if (dir < 0)
		return err_set(err, dir, "unlink /%s", display_path(path));
	if (unlinkat(dir, name, 0) < 0 && errno != ENOENT)
		return err_set(err, errno, "unlink /%s", display_path(path));
	return 0;
}
