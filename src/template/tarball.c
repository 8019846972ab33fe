/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tarball — a rootfs from an archive (.tar, .tar.gz, .tar.xz, .tar.zst,
 * .tar.bz2; the compression is detected from the content, not the name).
 * Extraction is unpack_archive()'s: confined to the rootfs, hostile
 * entries fail the whole create. A single wrapping directory that holds a
 * root ("rootfs/etc", "rootfs/usr", ...) is stripped afterwards.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "template/template.h"
#include "template/unpack.h"
#include "util/cleanup.h"
#include "util/err.h"

enum {
	OPT_FILE
};

static const struct taper_template_option options[] = {
	[OPT_FILE] = { "file", "PATH", true, "the rootfs archive (tar, optionally gzip/xz/zstd/bzip2)" },
	{},
};

static int open_archive(const char *path, struct taper_err *err)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return err_set(err, errno, "--file \"%s\"", path);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		safe_close(fd);
		return err_set(err, 0, "--file \"%s\": not a regular file", path);
	}
	return fd;
}

static int check(char *const *values, struct taper_err *err)
{
	int fd = open_archive(values[OPT_FILE], err);

	if (fd < 0)
		return fd;
	safe_close(fd);
	return 0;
}

static int build(const struct template_ctx *ctx, int rootfs_fd, char *const *values, char ***ret_config,
		 struct taper_err *err)
{
	_cleanup_close_ int fd = open_archive(values[OPT_FILE], err);
	bool stripped;
	int r;

	if (fd < 0)
		return fd;
	r = unpack_archive(ctx, rootfs_fd, fd, "extracting", 0, err);
	if (r < 0)
		return err_wrap(err, "--file \"%s\"", values[OPT_FILE]);
	r = unpack_strip_wrapper(rootfs_fd, &stripped, err);
	if (r < 0)
		return err_wrap(err, "--file \"%s\"", values[OPT_FILE]);
	return 0;
}

const struct template_def template_tarball = {
	.name = "tarball",
	.options = options,
	.check = check,
	.build = build,
	.doc = "a rootfs from a tar archive, extracted confined to the rootfs",
};
