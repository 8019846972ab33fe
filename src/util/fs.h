/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fs.h — file helpers that root-owned code can trust.
 *
 * All opens are O_CLOEXEC. Paths inside a container root go through
 * openat2_in_root() (RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS), so a hostile
 * symlink resolves inside the root, never onto the host. Writes that must
 * survive a crash use write_file_atomic_at(): temp file, fsync, rename,
 * fsync of the directory. rm_rf_at() never follows symlinks and never
 * crosses a mount. The root_*() calls are the only way the host side opens,
 * reads, writes or unlinks a file in a tree a container or an image
 * controls (see below).
 */
#ifndef TAPER_UTIL_FS_H
#define TAPER_UTIL_FS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct taper_err;

/* openat2(2) with how.resolve = resolve; returns fd or -errno. */
int openat2_resolve(int dirfd, const char *path, int flags, mode_t mode, uint64_t resolve);

/* Open path as if root_fd were "/" (RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS). */
int openat2_in_root(int root_fd, const char *path, int flags, mode_t mode);

/* Whole file into a NUL-terminated buffer (at most max bytes). -errno. */
int read_file_at(int dirfd, const char *path, size_t max, char **ret, size_t *ret_len);
int read_file(const char *path, size_t max, char **ret);
/* The rest of an open fd (a pipe, a socket) the same way. */
int read_fd_all(int fd, size_t max, char **ret, size_t *ret_len);
/* write(2) until all of data is written; -errno. */
int write_all(int fd, const void *data, size_t len);

/* One write(2) of s to an existing file (cgroupfs, procfs, sysfs). */
int write_file_at(int dirfd, const char *path, const char *s);
int write_file(const char *path, const char *s);

/* Crash-safe replace of dirfd/name with data. */
int write_file_atomic_at(int dirfd, const char *name, const void *data, size_t len, mode_t mode);
/* The same replace, atomic for every reader but not synced to disk: for a
 * runtime file (/run/taper), which means nothing after the machine's
 * crash, whose readers believe it only as far as the kernel confirms it,
 * and whose writer may not wait on a journal commit (a stop does). */
int write_file_replace_at(int dirfd, const char *name, const void *data, size_t len, mode_t mode);

/* mkdir -p; existing directories are fine. */
int mkdir_p(const char *path, mode_t mode);

/* Remove dirfd/name recursively without following symlinks or crossing
 * into another filesystem. A missing name is success. */
int rm_rf_at(int dirfd, const char *name);

/* Copy one whole fd to another, keeping holes: FICLONE when the
 * filesystem shares extents, else copy_file_range over each data extent
 * found with SEEK_DATA/SEEK_HOLE (read/write where it cannot), then
 * ftruncate to the source's size. out must be empty. */
int copy_fd(int in, int out);

/*
 * Files inside a tree that a container or an image controls (a rootfs, an
 * unpacked image layout), touched by the host side as root.
 *
 * root_fd stands for "/" (RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS): no
 * symlink leads out of it, and the last component is never followed. A
 * file is opened O_PATH first and opened for I/O (through /proc/self/fd)
 * only once fstat says it is a regular file: a FIFO cannot block the
 * caller and a device node is never opened, so no driver's open() runs
 * outside the container's device cgroup. Any other type is -EBADFD, with
 * err (may be NULL) naming the path: "/etc/hosts: a fifo, not a regular
 * file". Paths are relative to root_fd, a leading '/' is allowed.
 */
/* O_RDONLY (or O_RDWR) fd of a regular file; flags may add O_APPEND. */
int root_open_regular(int root_fd, const char *path, int flags, struct taper_err *err);
/* An id of the tree's /etc/passwd or /etc/group (file, "etc/passwd"):
 * name is a decimal id (taken as it is; a missing file is no error) or a
 * name to look up (-ENOENT, err: "/etc/passwd: no "bob""). ret_group
 * (may be NULL) gets the primary group of a passwd line found, and is
 * left alone otherwise. */
int root_lookup_id(int root_fd, const char *file, const char *name, uint32_t *ret, uint32_t *ret_group,
		   struct taper_err *err);
/* The whole regular file, NUL-terminated; larger than max is -EFBIG. */
int root_read_file(int root_fd, const char *path, size_t max, char **ret, size_t *ret_len,
		   struct taper_err *err);
/* Replace path with data: a temp file created O_EXCL beside it, renamed
 * over it, so the old inode (a hard link, whatever was opened) is never
 * written. path must be a regular file (its owner and mode are kept) or
 * absent (mode, the owner of its directory); else -EBADFD. */
int root_write_file(int root_fd, const char *path, const void *data, size_t len, mode_t mode,
		    struct taper_err *err);
/* The directory holding path, resolved in root, as an O_PATH fd; *ret_name
 * points at path's last component (never "", "." or ".."). For
 * unlinkat/symlinkat/mkdirat of that name. */
int root_open_parent(int root_fd, const char *path, const char **ret_name, struct taper_err *err);
/* unlinkat of a non-directory; a missing path is success. */
int root_unlink(int root_fd, const char *path, struct taper_err *err);

#endif
