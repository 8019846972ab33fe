/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fs.h — file helpers that root-owned code can trust.
 *
 * All opens are O_CLOEXEC. Paths inside a container root go through
 * openat2_in_root() (RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS), so a hostile
 * symlink resolves inside the root, never onto the host. Writes that must
 * survive a crash use write_file_atomic_at(): temp file, fsync, rename,
 * fsync of the directory. rm_rf_at() never follows symlinks and never
 * crosses a mount.
 */
#ifndef TAPER_UTIL_FS_H
#define TAPER_UTIL_FS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

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

/* mkdir -p; existing directories are fine. */
int mkdir_p(const char *path, mode_t mode);

/* Remove dirfd/name recursively without following symlinks or crossing
 * into another filesystem. A missing name is success. */
int rm_rf_at(int dirfd, const char *name);

/* Copy one whole fd to another (copy_file_range, then read/write); from a
 * regular file to a regular file its holes stay holes. */
int copy_fd(int in, int out);

#endif
