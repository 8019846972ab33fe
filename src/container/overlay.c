/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * overlay.c — snapshots: a container whose rootfs is an overlay on another
 * container's rootfs.
 *
 * <dir>/overlay/lower names the source container; upper/ and work/ sit
 * beside it. The monitor mounts the overlay on <dir>/rootfs inside its own
 * mount namespace, so the mount exists exactly as long as the container
 * (and its monitor) do and never lingers on the host. An overlay mount
 * cannot itself be idmapped, so for a container with rootfs.idmap the
 * runtime builds the container's overlay from idmapped layers instead
 * (container_overlay_spec(), run/userns.c), and the monitor mounts its own
 * only while it writes into the rootfs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "container/container.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/strv.h"

/* The source's name, or -ENOENT when name is no snapshot. */
static int overlay_lower(struct taper_store *s, const char *name, char **ret)
{
	_cleanup_close_ int dfd = -1;
	_cleanup_free_ char *text = NULL;
	int r;

	if ((r = store_open_container(s, name, &dfd, NULL)) < 0)
		return r;
	r = read_file_at(dfd, CONTAINER_OVERLAY_DIR "/lower", 256, &text, NULL);
	if (r < 0)
		return r;
	text[strcspn(text, "\n")] = '\0';
	if (store_check_name(text, NULL) < 0)
		return -EINVAL;
	*ret = TAKE_PTR(text);
	return 0;
}

/* The source's rootfs and name's container directory; both NULL when
 * name is no snapshot. */
static int overlay_paths(struct taper_store *s, const char *name, char **ret_lower, char **ret_dir,
			 struct taper_err *err)
{
	_cleanup_free_ char *lower = NULL, *dir = NULL, *lower_root = NULL;
	struct taper_spec *lower_spec = NULL;
	int r = overlay_lower(s, name, &lower);

	*ret_lower = *ret_dir = NULL;
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return err_set(err, r, "snapshot source");
	if (!store_exists(s, lower))
		return err_plain(err, ENOENT, "snapshot source: container \"%s\" not found", lower);
	/* The source's rootfs as its config says (it may live outside). */
	if ((r = config_load_container(s, lower, &lower_spec, NULL, err)) < 0)
		return err_wrap(err, "snapshot source");
	lower_root = TAKE_PTR(lower_spec->rootfs);
	spec_free(lower_spec);
	if (store_container_path(s, name, &dir) < 0)
		return err_set(err, ENOMEM, "overlay");
	*ret_lower = TAKE_PTR(lower_root);
	*ret_dir = TAKE_PTR(dir);
	return 0;
}

int container_mount_overlay(struct taper_store *s, const char *name, struct taper_err *err)
{
	_cleanup_free_ char *lower_root = NULL, *dir = NULL, *opts = NULL, *target = NULL;
	int r = overlay_paths(s, name, &lower_root, &dir, err);

	if (r < 0 || !dir)
		return r;
	/* overlayfs splits its options at ',' and lowerdir at ':' */
	if (strpbrk(dir, ",:") || strpbrk(lower_root, ",:"))
		return err_set(err, 0, "overlay: a path holds ',' or ':'");
	if (store_rootfs_path(s, name, &target) < 0 ||
	    asprintf(&opts,
		     "lowerdir=%s,upperdir=%s/" CONTAINER_OVERLAY_DIR
		     "/upper,workdir=%s/" CONTAINER_OVERLAY_DIR "/work",
		     lower_root, dir, dir) < 0)
		return err_set(err, ENOMEM, "overlay");
	if (mount("overlay", target, "overlay", 0, opts) < 0)
		return err_set(err, errno, "mount overlay on %s", target);
	return 0;
}

int container_overlay_spec(struct taper_store *s, const char *name, struct taper_spec *spec,
			   struct taper_err *err)
{
	_cleanup_free_ char *lower_root = NULL, *dir = NULL;
	int r = overlay_paths(s, name, &lower_root, &dir, err);

	if (r < 0 || !dir)
		return r;
	free(spec->overlay_lower);
	free(spec->overlay_dir);
	spec->overlay_lower = TAKE_PTR(lower_root);
	if (asprintf(&spec->overlay_dir, "%s/" CONTAINER_OVERLAY_DIR, dir) < 0) {
		spec->overlay_dir = NULL;
		return err_set(err, ENOMEM, "overlay of \"%s\"", name);
	}
	return 1;
}

int container_snapshots_of(struct taper_store *s, const char *name, char ***ret, struct taper_err *err)
{
	_cleanup_strv_free_ char **names = NULL, **out = NULL;
	int r;

	if ((r = store_list(s, &names, err)) < 0)
		return r;
	if (!(out = calloc(1, sizeof(char *))))
		return err_set(err, ENOMEM, "snapshots");
	for (char **n = names; *n; n++) {
		_cleanup_free_ char *lower = NULL;

		if (overlay_lower(s, *n, &lower) == 0 && strcmp(lower, name) == 0 &&
		    strv_extend(&out, *n) < 0)
			return err_set(err, ENOMEM, "snapshots");
	}
	*ret = TAKE_PTR(out);
	return 0;
}
