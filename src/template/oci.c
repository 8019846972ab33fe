/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * oci — a rootfs from an OCI image layout: a directory (oci-layout,
 * index.json, blobs/sha256/...) or a tar of one (podman save --format
 * oci-archive, skopeo copy oci-archive:).
 *
 * --image PATH[:TAG] picks the manifest whose
 * org.opencontainers.image.ref.name annotation is TAG, or the only one;
 * an image index is followed to the linux/<host arch> manifest. Every blob
 * read is checked against its sha256 digest and size before use. Layers
 * (tar, tar+gzip, tar+zstd; Docker's equivalents too) are applied in order
 * with whiteouts (unpack.h), once the manifest was checked whole. The
 * image config's Entrypoint+Cmd, Env, WorkingDir and User come back as
 * config lines. This file reads and verifies; what the documents say is
 * worked out from memory in oci-json.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "template/oci-json.h"
#include "template/template.h"
#include "template/unpack.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/sha256.h"

#define JSON_BLOB_MAX (4u << 20)

enum {
	OPT_IMAGE
};

static const struct taper_template_option options[] = {
	[OPT_IMAGE] = { "image", "PATH[:TAG]", true,
			"an OCI image layout directory or archive, and the ref.name of the image in it" },
	{},
};

static const struct {
	const char *machine, *arch;
} arches[] = {
	{ "x86_64", "amd64" }, { "aarch64", "arm64" },   { "armv7l", "arm" },  { "i686", "386" },
	{ "i386", "386" },     { "ppc64le", "ppc64le" }, { "s390x", "s390x" }, { "riscv64", "riscv64" },
};

/* The OCI architecture name of this machine ("amd64"), into buf. */
static const char *host_arch(char buf[65])
{
	struct utsname u;

	if (uname(&u) < 0)
		return strcpy(buf, "amd64");
	for (size_t i = 0; i < ARRAY_SIZE(arches); i++)
		if (strcmp(u.machine, arches[i].machine) == 0)
			return strcpy(buf, arches[i].arch);
	snprintf(buf, 65, "%s", u.machine);
	return buf;
}

/* PATH[:TAG]: a path that exists as given has no tag ("a:b" dirs work). */
static int split_image(const char *spec, char **ret_path, char **ret_tag)
{
	const char *colon = strrchr(spec, ':');

	*ret_tag = NULL;
	if (access(spec, F_OK) == 0 || !colon || strchr(colon, '/')) {
		*ret_path = strdup(spec);
		return *ret_path ? 0 : -ENOMEM;
	}
	*ret_path = strndup(spec, (size_t)(colon - spec));
	*ret_tag = strdup(colon + 1);
	return *ret_path && *ret_tag ? 0 : -ENOMEM;
}

static int check(char *const *values, struct taper_err *err)
{
	_cleanup_free_ char *path = NULL, *tag = NULL;
	struct stat st;

	if (split_image(values[OPT_IMAGE], &path, &tag) < 0)
		return err_set(err, ENOMEM, "--image");
	if (stat(path, &st) < 0)
		return err_set(err, errno, "--image %s", path);
	if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
		return err_set(err, 0, "--image %s: not a directory or an archive", path);
	if (tag && !*tag)
		return err_set(err, 0, "--image %s: empty tag", values[OPT_IMAGE]);
	return 0;
}

struct layout {
	int fd;    /* the layout directory */
	char *tmp; /* unpacked archive under the cache: removed at the end */
	int cache_fd;
};

static void layout_clear(struct layout *l)
{
	safe_close(l->fd);
	if (l->tmp)
		(void)rm_rf_at(l->cache_fd, l->tmp);
	free(l->tmp);
	safe_close(l->cache_fd);
}

/* A descriptor's digest as a path under blobs/. */
static int blob_path(json_t *desc, char path[128], char hex[SHA256_HEX_SIZE], struct taper_err *err)
{
	int r = oci_desc_digest(desc, hex, err);

	if (r < 0)
		return r;
	snprintf(path, 128, "blobs/sha256/%s", hex);
	return 0;
}

/* Open a blob and check its digest and size; the fd is at offset 0. */
static int open_blob(const struct layout *l, json_t *desc, struct taper_err *err)
{
	char path[128], want[SHA256_HEX_SIZE], got[SHA256_HEX_SIZE];
	uint8_t d[SHA256_DIGEST_SIZE];
	json_t *size = json_object_get(desc, "size");
	_cleanup_close_ int fd = -1;
	uint64_t n;
	int r;

	r = blob_path(desc, path, want, err);
	if (r < 0)
		return r;
	fd = root_open_regular(l->fd, path, O_RDONLY, err);
	if (fd < 0)
		return err_wrap(err, "blob");
	r = sha256_fd(fd, d, &n);
	if (r < 0)
		return err_set(err, r, "read blob %s", path);
	sha256_hex(d, got);
	if (strcmp(got, want) != 0)
		return err_set(err, 0, "blob %s: digest mismatch (content is sha256:%s)", path, got);
	if (json_is_integer(size) && (uint64_t)json_integer_value(size) != n)
		return err_set(err, 0, "blob %s: size %" JSON_INTEGER_FORMAT " expected, %llu found", path,
			       json_integer_value(size), (unsigned long long)n);
	if (lseek(fd, 0, SEEK_SET) < 0)
		return err_set(err, errno, "blob %s", path);
	return TAKE_FD(fd);
}

/* The whole fd from offset 0, NUL-terminated, at most max bytes. */
static int read_fd_from_start(int fd, size_t max, char **ret, size_t *ret_len)
{
	if (lseek(fd, 0, SEEK_SET) < 0)
		return -errno;
	return read_fd_all(fd, max, ret, ret_len);
}

static json_t *load_json_fd(int fd, const char *what, struct taper_err *err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int r;

	r = read_fd_from_start(fd, JSON_BLOB_MAX, &buf, &len);
	if (r < 0) {
		err_set(err, r, "read %s", what);
		return NULL;
	}
	return oci_json_parse(buf, len, what, err);
}

static json_t *load_blob_json(const struct layout *l, json_t *desc, const char *what, struct taper_err *err)
{
	_cleanup_close_ int fd = open_blob(l, desc, err);

	if (fd < 0) {
		err_wrap(err, "%s", what);
		return NULL;
	}
	return load_json_fd(fd, what, err);
}

static json_t *load_layout_file(const struct layout *l, const char *name, struct taper_err *err)
{
	_cleanup_close_ int fd = root_open_regular(l->fd, name, O_RDONLY, err);

	if (fd < 0)
		return NULL;
	return load_json_fd(fd, name, err);
}

/* index.json → (index →)* manifest, each hop digest-checked. */
static json_t *resolve_manifest(const struct layout *l, const char *tag, struct taper_err *err)
{
	_cleanup_(json_decrefp) json_t *index = load_layout_file(l, "index.json", err);
	_cleanup_(json_decrefp) json_t *cur = NULL;
	char arch[65];
	json_t *desc;

	if (!index)
		return NULL;
	desc = oci_pick_by_tag(index, tag, err);
	for (int depth = 0; desc && depth < 4; depth++) {
		json_t *next = load_blob_json(l, desc, "manifest", err);

		if (!next)
			return NULL;
		json_decref(cur);
		cur = next;
		if (!oci_is_index(cur, desc))
			return oci_manifest_check(cur, err) < 0 ? NULL : TAKE_PTR(cur);
		desc = oci_pick_platform(cur, host_arch(arch), err);
	}
	if (desc)
		err_set(err, 0, "image indexes nested too deep");
	return NULL;
}

static int apply_layers(const struct template_ctx *ctx, const struct layout *l, int rootfs_fd,
			json_t *manifest, struct taper_err *err)
{
	json_t *layers = json_object_get(manifest, "layers"), *desc;
	size_t i, n = json_array_size(layers);

	/* oci_manifest_check() passed: every layer is of a type we apply. */
	json_array_foreach (layers, i, desc) {
		_cleanup_close_ int fd = -1;
		char stage[64];
		int r;

		snprintf(stage, sizeof(stage), "layer %zu/%zu", i + 1, n);
		template_progress(ctx, stage, 0, 0);
		fd = open_blob(l, desc, err);
		if (fd < 0)
			return err_wrap(err, "layer %zu", i + 1);
		r = unpack_archive(ctx, rootfs_fd, fd, stage, UNPACK_OCI_LAYER, err);
		if (r < 0)
			return err_wrap(err, "layer %zu", i + 1);
	}
	return 0;
}

/* "name" or "uid" from the rootfs's etc/passwd or etc/group: the image's
 * file, where a fifo or a device is refused, not opened. */
static int lookup_in_rootfs(void *userdata, const char *file, const char *name, uint32_t *ret,
			    struct taper_err *err)
{
	const int *rootfs_fd = userdata;

	return root_lookup_id(*rootfs_fd, file, name, ret, NULL, err);
}

/* A directory is the layout; a file is a tar of one, unpacked under the
 * cache first. */
static int open_layout(const struct template_ctx *ctx, const char *path, struct layout *l,
		       struct taper_err *err)
{
	_cleanup_close_ int archive = -1;
	struct stat st;
	int r;

	l->fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (l->fd >= 0)
		return 0;
	if (errno != ENOTDIR)
		return err_set(err, errno, "open %s", path);
	archive = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (archive < 0 || fstat(archive, &st) < 0)
		return err_set(err, errno, "open %s", path);
	r = mkdir_p(ctx->cache_dir, 0755);
	if (r < 0)
		return err_set(err, r, "cache %s", ctx->cache_dir);
	l->cache_fd = open(ctx->cache_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (l->cache_fd < 0)
		return err_set(err, errno, "cache %s", ctx->cache_dir);
	if (asprintf(&l->tmp, ".oci-%d-%llx", (int)getpid(), (unsigned long long)st.st_ino) < 0) {
		l->tmp = NULL;
		return err_set(err, ENOMEM, "cache");
	}
	(void)rm_rf_at(l->cache_fd, l->tmp);
	if (mkdirat(l->cache_fd, l->tmp, 0700) < 0)
		return err_set(err, errno, "cache %s/%s", ctx->cache_dir, l->tmp);
	l->fd = openat(l->cache_fd, l->tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (l->fd < 0)
		return err_set(err, errno, "cache %s/%s", ctx->cache_dir, l->tmp);
	r = unpack_archive(ctx, l->fd, archive, "unpacking image", 0, err);
	return r < 0 ? err_wrap(err, "%s", path) : 0;
}

static int build(const struct template_ctx *ctx, int rootfs_fd, char *const *values, char ***ret_config,
		 struct taper_err *err)
{
	_cleanup_(layout_clear) struct layout l = { -1, NULL, -1 };
	_cleanup_free_ char *path = NULL, *tag = NULL;
	_cleanup_(json_decrefp) json_t *layout_file = NULL, *manifest = NULL, *image_config = NULL;
	int r;

	if (split_image(values[OPT_IMAGE], &path, &tag) < 0)
		return err_set(err, ENOMEM, "--image");
	r = open_layout(ctx, path, &l, err);
	if (r < 0)
		return r;
	layout_file = load_layout_file(&l, "oci-layout", err);
	if (!layout_file)
		return err_wrap(err, "%s: not an OCI image layout", path);
	if (oci_layout_check(layout_file, err) < 0)
		return err_wrap(err, "%s", path);
	manifest = resolve_manifest(&l, tag, err);
	if (!manifest)
		return err_wrap(err, "%s", path);
	image_config = load_blob_json(&l, json_object_get(manifest, "config"), "image config", err);
	if (!image_config)
		return err_wrap(err, "%s", path);
	r = apply_layers(ctx, &l, rootfs_fd, manifest, err);
	if (r < 0)
		return err_wrap(err, "%s", path);
	r = oci_config_lines(image_config, lookup_in_rootfs, &rootfs_fd, ret_config, err);
	return r < 0 ? err_wrap(err, "%s", path) : 0;
}

const struct template_def template_oci = {
	.name = "oci",
	.options = options,
	.check = check,
	.build = build,
	.doc = "a rootfs from an OCI image layout (directory or oci-archive), digests verified",
};
