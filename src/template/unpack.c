/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "template/unpack.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/lazy.h"

DEFINE_CLEANUP_FUNC(struct archive, archive_read_free)
DEFINE_CLEANUP_FUNC(struct archive, archive_write_free)
DEFINE_CLEANUP_FUNC(struct archive_entry_linkresolver, archive_entry_linkresolver_free)
DEFINE_CLEANUP_FUNC(struct archive_entry, archive_entry_free)

#define WH_MARK ".wh."
#define WH_OPAQUE ".wh..wh..opq"

/* Strip "./" and leading "/" runs; "" stands for the root itself. Returns
 * -EINVAL for a ".." component: the whiteout pass must not follow one. */
static int normalize(const char *in, char *out, size_t size)
{
	size_t len = 0;
	const char *p = in;

	while (*p) {
		const char *end;
		size_t n;

		while (*p == '/')
			p++;
		end = strchrnul(p, '/');
		n = (size_t)(end - p);
		if (n == 0 || (n == 1 && p[0] == '.')) {
			p = end;
			continue;
		}
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return -EINVAL;
		if (len + n + 2 > size)
			return -ENAMETOOLONG;
		if (len)
			out[len++] = '/';
		memcpy(out + len, p, n);
		len += n;
		p = end;
	}
	out[len] = '\0';
	return 0;
}

static int archive_fail(struct archive *a, struct taper_err *err, const char *what, const char *path);
int unpack_entry_classify(const char *raw, char *ret_path, size_t size, enum unpack_entry_kind *ret_kind)
{
	char path[PATH_MAX];
	const char *base, *victim;
	size_t dirlen;
	int r = normalize(raw, path, sizeof(path));

	if (r < 0)
		return r;
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	dirlen = (size_t)(base - path);
	if (strncmp(base, WH_MARK, strlen(WH_MARK)) != 0) {
		*ret_kind = UNPACK_ENTRY_PLAIN;
		victim = base = path;
		dirlen = 0;
	} else if (strcmp(base, WH_OPAQUE) == 0) {
		*ret_kind = UNPACK_ENTRY_OPAQUE;
		/* The directory, without its final '/'. */
		dirlen = dirlen ? dirlen - 1 : 0;
		victim = "";
	} else {
		*ret_kind = UNPACK_ENTRY_WHITEOUT;
		victim = base + strlen(WH_MARK);
		if (!*victim || strcmp(victim, ".") == 0 || strcmp(victim, "..") == 0)
			return -EBADMSG;
	}
	if (dirlen + strlen(victim) >= size)
		return -ENAMETOOLONG;
	snprintf(ret_path, size, "%.*s%s", (int)dirlen, path, victim);
	return 0;
}

static struct archive *open_reader(int fd, struct taper_err *err)
{
	struct archive *a = archive_read_new();

	if (!a) {
		err_set(err, ENOMEM, "archive reader");
		return NULL;
	}
	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	if (lseek(fd, 0, SEEK_SET) < 0) {
		err_set(err, errno, "seek");
		archive_read_free(a);
		return NULL;
	}
	if (archive_read_open_fd(a, fd, 1 << 16) != ARCHIVE_OK) {
		archive_fail(a, err, NULL, NULL);
		archive_read_free(a);
		return NULL;
	}
	return a;
}

/* libarchive's own codes (archive_platform.h, not installed): EILSEQ for
 * a format it does not know, EINVAL for a misuse. */
#define ARCHIVE_ERRNO_FILE_FORMAT EILSEQ
#define ARCHIVE_ERRNO_PROGRAMMER EINVAL

/* libarchive's message, after "WHAT "PATH": " when given. Its own codes
 * add nothing to its message (the strerror of EILSEQ speaks of wide
 * characters); a system errno adds its strerror. */
static int archive_fail(struct archive *a, struct taper_err *err, const char *what, const char *path)
{
	const char *msg = archive_error_string(a) ? archive_error_string(a) : "failed";
	int e = archive_errno(a);

	if (e > 0 && e != ARCHIVE_ERRNO_FILE_FORMAT && e != ARCHIVE_ERRNO_PROGRAMMER)
		return what ? err_set(err, e, "%s \"%s\": %s", what, path, msg) : err_set(err, e, "%s", msg);
	return what ? err_plain(err, EINVAL, "%s \"%s\": %s", what, path, msg)
		    : err_plain(err, EINVAL, "%s", msg);
}

/* Empty dir of everything, keeping dir itself (an opaque marker). */
static int empty_dir(const char *dir, struct taper_err *err)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int fd;

	fd = open(*dir ? dir : ".", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT || errno == ENOTDIR ? 0 : err_set(err, errno, "open \"%s\"", dir);
	d = fdopendir(fd);
	if (!d) {
		safe_close(fd);
		return err_set(err, errno, "open \"%s\"", dir);
	}
	while ((de = readdir(d))) {
		int r;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		r = rm_rf_at(dirfd(d), de->d_name);
		if (r < 0)
			return err_set(err, r, "opaque \"%s\": remove \"%s\"", dir, de->d_name);
	}
	return 0;
}

/* Pass 1 of a layer: apply its whiteouts to what lower layers left. */
static int apply_whiteouts(int archive_fd, struct taper_err *err)
{
	_cleanup_(archive_read_freep) struct archive *a = open_reader(archive_fd, err);
	struct archive_entry *e;
	int r;

	if (!a)
		return err_ret(err);
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
		const char *raw = archive_entry_pathname(e);
		enum unpack_entry_kind kind;
		char target[PATH_MAX];

		r = unpack_entry_classify(raw, target, sizeof(target), &kind);
		if (r == -EBADMSG)
			return err_set(err, 0, "entry \"%s\": bad whiteout", raw);
		if (r < 0)
			return err_set(err, 0, "entry \"%s\": unsafe path", raw);
		if (kind == UNPACK_ENTRY_OPAQUE) {
			r = empty_dir(target, err);
		} else if (kind == UNPACK_ENTRY_WHITEOUT) {
			r = rm_rf_at(AT_FDCWD, target);
			if (r < 0)
				r = err_set(err, r, "whiteout \"%s\"", target);
		}
		if (r < 0)
			return r;
	}
	if (r != ARCHIVE_EOF)
		return archive_fail(a, err, "read", "header");
	return 0;
}

/* An OCI entry replaces a lower one of another kind: a directory over a
 * file, a file over a whole directory tree. */
static int replace_lower(struct archive_entry *e, const char *path, struct taper_err *err)
{
	struct stat st;
	bool want_dir = archive_entry_filetype(e) == AE_IFDIR && !archive_entry_hardlink(e);
	int r;

	if (!*path || lstat(path, &st) < 0)
		return 0;
	if (S_ISDIR(st.st_mode) == want_dir)
		return 0;
	r = rm_rf_at(AT_FDCWD, path);
	return r < 0 ? err_set(err, r, "replace \"%s\"", path) : 0;
}

static int copy_data(struct archive *in, struct archive *out, const char *path, struct taper_err *err)
{
	for (;;) {
		const void *buf;
		size_t size;
		la_int64_t off;
		int r = archive_read_data_block(in, &buf, &size, &off);

		if (r == ARCHIVE_EOF)
			return 0;
		if (r < ARCHIVE_WARN)
			return archive_fail(in, err, "read", path);
		if (archive_write_data_block(out, buf, size, off) < ARCHIVE_WARN)
			return archive_fail(out, err, "write", path);
	}
}

struct unpack_args {
	int rootfs_fd;
	int archive_fd;
	const char *stage;
	unsigned flags;
};

static int unpack_child(void *arg, int report_fd, struct taper_err *err)
{
	const struct unpack_args *u = arg;
	_cleanup_(archive_read_freep) struct archive *a = NULL;
	_cleanup_(archive_write_freep) struct archive *w = NULL;
	struct archive_entry *e;
	struct stat st;
	uint64_t n = 0;
	int r, opts = ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME |
		      ARCHIVE_EXTRACT_XATTR | ARCHIVE_EXTRACT_ACL | ARCHIVE_EXTRACT_SECURE_SYMLINKS |
		      ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS;

	/* The kernel is the last line: even a path libarchive got wrong
	 * resolves inside the rootfs. */
	if (fchdir(u->rootfs_fd) < 0 || chroot(".") < 0 || chdir("/") < 0)
		return err_set(err, errno, "enter rootfs");
	umask(0);
	if (fstat(u->archive_fd, &st) < 0)
		return err_set(err, errno, "stat archive");
	if (u->flags & UNPACK_OCI_LAYER) {
		r = apply_whiteouts(u->archive_fd, err);
		if (r < 0)
			return r;
		/* Later layers replace files; unlink first, never write through
		 * a hard link shared with a lower file. */
		opts |= ARCHIVE_EXTRACT_UNLINK;
	}
	a = open_reader(u->archive_fd, err);
	if (!a)
		return err_ret(err);
	w = archive_write_disk_new();
	if (!w || archive_write_disk_set_options(w, opts) != ARCHIVE_OK)
		return err_set(err, ENOMEM, "archive writer");
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
		char path[PATH_MAX];
		const char *raw = archive_entry_pathname(e);
		enum unpack_entry_kind kind;

		if (u->flags & UNPACK_OCI_LAYER) {
			/* Pass 1 refused what does not classify. */
			if (unpack_entry_classify(raw, path, sizeof(path), &kind) < 0)
				return err_set(err, 0, "entry \"%s\": unsafe path", raw);
			if (kind != UNPACK_ENTRY_PLAIN)
				continue;
			r = replace_lower(e, path, err);
			if (r < 0)
				return r;
		}
		r = archive_write_header(w, e);
		if (r < ARCHIVE_WARN)
			return archive_fail(w, err, "entry", raw);
		if (archive_entry_size(e) > 0 && !archive_entry_hardlink(e)) {
			r = copy_data(a, w, raw, err);
			if (r < 0)
				return r;
		}
		if (archive_write_finish_entry(w) < ARCHIVE_WARN)
			return archive_fail(w, err, "entry", raw);
		if (++n % 128 == 0)
			template_child_progress(report_fd, u->stage, (uint64_t)archive_filter_bytes(a, -1),
						(uint64_t)st.st_size);
	}
	if (r != ARCHIVE_EOF)
		return archive_fail(a, err, "read", "header");
	/* Deferred directory modes and times are applied here. */
	if (archive_write_close(w) < ARCHIVE_WARN)
		return archive_fail(w, err, "finish", "/");
	template_child_progress(report_fd, u->stage, (uint64_t)st.st_size, (uint64_t)st.st_size);
	return 0;
}

int unpack_archive(const struct template_ctx *ctx, int rootfs_fd, int archive_fd, const char *stage,
		   unsigned flags, struct taper_err *err)
{
	struct unpack_args u = { rootfs_fd, archive_fd, stage, flags };
	int r;

	/* Bind libarchive here: the child chroots into the rootfs first. */
	if ((r = lazy_archive_load(err)) < 0)
		return r;
	return template_run_child(ctx, unpack_child, &u, err);
}

static bool is_dir_at(int dfd, const char *name)
{
	struct stat st;

	return fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

static const char *const fhs_top[] = {
	"bin", "boot", "dev",  "etc", "home", "lib", "lib32", "lib64", "libx32", "media", "mnt",
	"opt", "proc", "root", "run", "sbin", "srv", "sys",   "tmp",   "usr",    "var",
};

int unpack_strip_wrapper(int rootfs_fd, bool *ret_stripped, struct taper_err *err)
{
	_cleanup_closedir_ DIR *d = NULL, *inner = NULL;
	_cleanup_close_ int wfd = -1;
	char wrapper[NAME_MAX + 1] = "", hidden[NAME_MAX + 16];
	struct dirent *de;
	int fd, count = 0;

	*ret_stripped = false;
	fd = openat(rootfs_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd))) {
		safe_close(fd);
		return err_set(err, errno, "open rootfs");
	}
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (++count > 1)
			return 0;
		snprintf(wrapper, sizeof(wrapper), "%s", de->d_name);
	}
	if (count != 1 || !is_dir_at(rootfs_fd, wrapper))
		return 0;
	/* A lone "usr/" or "opt/" is content, not a wrapper. */
	for (size_t i = 0; i < ARRAY_SIZE(fhs_top); i++)
		if (strcmp(wrapper, fhs_top[i]) == 0)
			return 0;
	wfd = openat(rootfs_fd, wrapper, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (wfd < 0)
		return err_set(err, errno, "open \"%s\"", wrapper);
	if (!is_dir_at(wfd, "etc") || !(is_dir_at(wfd, "bin") || is_dir_at(wfd, "usr") ||
					faccessat(wfd, "bin", F_OK, AT_SYMLINK_NOFOLLOW) == 0))
		return 0;
	/* The wrapper may contain an entry of its own name: rename the
	 * wrapper out of the way first. */
	snprintf(hidden, sizeof(hidden), ".taper-wrapper-%d", (int)getpid());
	if (renameat(rootfs_fd, wrapper, rootfs_fd, hidden) < 0)
		return err_set(err, errno, "rename \"%s\"", wrapper);
	fd = openat(wfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !(inner = fdopendir(fd))) {
		safe_close(fd);
		return err_set(err, errno, "open \"%s\"", wrapper);
	}
	while ((de = readdir(inner))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (renameat(wfd, de->d_name, rootfs_fd, de->d_name) < 0)
			return err_set(err, errno, "move \"%s/%s\"", wrapper, de->d_name);
	}
	if (unlinkat(rootfs_fd, hidden, AT_REMOVEDIR) < 0)
		return err_set(err, errno, "remove \"%s\"", wrapper);
	*ret_stripped = true;
	return 0;
}

struct pack_args {
	int dir_fd;
	int out_fd;
};

static int pack_child(void *arg, int report_fd, struct taper_err *err)
{
	const struct pack_args *p = arg;
	_cleanup_(archive_read_freep) struct archive *disk = NULL;
	_cleanup_(archive_write_freep) struct archive *w = NULL;
	_cleanup_(archive_entry_linkresolver_freep) struct archive_entry_linkresolver *links = NULL;
	_cleanup_(archive_entry_freep) struct archive_entry *entry = NULL;
	uint64_t n = 0;
	int r;

	if (fchdir(p->dir_fd) < 0)
		return err_set(err, errno, "enter tree");
	disk = archive_read_disk_new();
	w = archive_write_new();
	links = archive_entry_linkresolver_new();
	entry = archive_entry_new();
	if (!disk || !w || !links || !entry)
		return err_set(err, ENOMEM, "pack");
	archive_read_disk_set_symlink_physical(disk);
	archive_read_disk_set_behavior(disk,
				       ARCHIVE_READDISK_NO_TRAVERSE_MOUNTS | ARCHIVE_READDISK_NO_FFLAGS);
	archive_write_set_format_pax_restricted(w);
	archive_entry_linkresolver_set_strategy(links, archive_format(w));
	if (archive_write_open_fd(w, p->out_fd) != ARCHIVE_OK)
		return archive_fail(w, err, "open", "output");
	if (archive_read_disk_open(disk, ".") != ARCHIVE_OK)
		return archive_fail(disk, err, "open", ".");
	while ((r = archive_read_next_header2(disk, entry)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
		struct archive_entry *out = entry, *spare = NULL;
		const char *src = archive_entry_sourcepath(entry);

		archive_read_disk_descend(disk);
		archive_entry_linkify(links, &out, &spare);
		if (out && archive_write_header(w, out) < ARCHIVE_WARN)
			return archive_fail(w, err, "write", src);
		if (out && archive_entry_filetype(out) == AE_IFREG && archive_entry_size(out) > 0) {
			/* The entry said regular file; one swapped in since is
			 * refused, never opened (root_open_regular). */
			_cleanup_close_ int fd = root_open_regular(p->dir_fd, src, O_RDONLY, err);
			char buf[1 << 16];
			ssize_t k;

			if (fd < 0)
				return err_wrap(err, "pack");
			while ((k = read(fd, buf, sizeof(buf))) > 0)
				if (archive_write_data(w, buf, (size_t)k) < 0)
					return archive_fail(w, err, "write", src);
			if (k < 0)
				return err_set(err, errno, "read \"%s\"", src);
		}
		archive_entry_clear(entry);
		if (++n % 256 == 0)
			template_child_progress(report_fd, "packing", n, 0);
	}
	if (r != ARCHIVE_EOF)
		return archive_fail(disk, err, "read", "tree");
	if (archive_write_close(w) != ARCHIVE_OK)
		return archive_fail(w, err, "finish", "archive");
	return 0;
}

int pack_tree(const struct template_ctx *ctx, int dir_fd, int out_fd, struct taper_err *err)
{
	struct pack_args p = { dir_fd, out_fd };
	int r;

	if ((r = lazy_archive_load(err)) < 0)
		return r;
	return template_run_child(ctx, pack_child, &p, err);
}
