/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * unpack.h — tar archives into and out of a rootfs, safely.
 *
 * unpack_archive() extracts a tar (plain, gzip, xz, zstd, bzip2:
 * autodetected) into rootfs_fd from a forked child that first chroots into
 * the rootfs, and asks libarchive to refuse ".." components, absolute
 * paths and writing through symlinks on top of that: a hostile archive
 * ("../x", "/etc/x", "a -> /etc" then "a/x") fails and cannot reach the
 * host even through a libarchive bug. Owners, modes, times, xattrs and
 * ACLs are restored numerically (the rootfs's /etc/passwd is never
 * consulted); device nodes are created; hard links stay inside the tree.
 * File flags (chattr +i) are deliberately not restored: an immutable file
 * would make the container impossible to delete.
 *
 * UNPACK_OCI_LAYER applies OCI layer semantics: an entry replaces what a
 * lower layer left (a file over a directory removes the directory),
 * ".wh.NAME" deletes NAME and "DIR/.wh..wh..opq" empties DIR of lower
 * content. Whiteouts are applied in a first pass over the layer, so their
 * position in the tar does not matter; they never delete this layer's own
 * entries.
 */
#ifndef TAPER_TEMPLATE_UNPACK_H
#define TAPER_TEMPLATE_UNPACK_H

#include "template/template.h"

enum {
	UNPACK_OCI_LAYER = 1 << 0,
};

/* What an entry of an OCI layer asks of the rootfs, from its path alone. */
enum unpack_entry_kind {
	UNPACK_ENTRY_PLAIN,    /* put the entry at the path */
	UNPACK_ENTRY_WHITEOUT, /* ".wh.NAME": delete NAME */
	UNPACK_ENTRY_OPAQUE,   /* "DIR/.wh..wh..opq": empty DIR of lower content */
};

/* Classify an entry path: the normalized path ("./", "//" and leading
 * "/" dropped; "" is the root) for a plain entry, the path to delete or
 * to empty for the others, into ret_path (size bytes). -EINVAL for a ".."
 * component, -EBADMSG for a whiteout naming nothing, "." or "..",
 * -ENAMETOOLONG.
 * Both passes of UNPACK_OCI_LAYER decide through this; no file is read. */
int unpack_entry_classify(const char *raw, char *ret_path, size_t size, enum unpack_entry_kind *ret_kind);

/* archive_fd must be seekable (a regular file); stage names the progress. */
int unpack_archive(const struct template_ctx *ctx, int rootfs_fd, int archive_fd, const char *stage,
		   unsigned flags, struct taper_err *err);

/* If the rootfs holds exactly one directory, not named like a top-level
 * FHS directory ("usr", "opt", ...), and that directory looks like a root
 * (it has etc/ and bin/ or usr/), move its children up and remove it: "tar czf x.tgz rootfs/" works like "tar czf x.tgz -C rootfs .".
 * Sets *ret_stripped when it did. */
int unpack_strip_wrapper(int rootfs_fd, bool *ret_stripped, struct taper_err *err);

/* Write the tree at dir_fd as a pax tar to out_fd (owners, modes, xattrs,
 * ACLs, devices, hard links; never follows symlinks or crosses mounts). */
int pack_tree(const struct template_ctx *ctx, int dir_fd, int out_fd, struct taper_err *err);

#endif
