/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lazy-archive.c — libarchive, bound on first use (see lazy.h). One line
 * per function taper calls, with the prototype from <archive.h>.
 */
#include <archive.h>
#include <archive_entry.h>

#include "util/lazy.h"

#if ARCHIVE_VERSION_NUMBER < 3000000
#error "libarchive 3 (soname libarchive.so.13) is required"
#endif

static struct lazy_lib lib = { .soname = "libarchive.so.13" };

int lazy_archive_load(struct taper_err *err)
{
	return lazy_open(&lib, err);
}

#define A(ret, name, params, args, fail) LAZY_FN(lib, ret, name, params, args, fail)
#define AV(name, params, args) LAZY_VOID(lib, name, params, args)
#define A_INT(name, params, args) A(int, name, params, args, ARCHIVE_FATAL)
#define A_PTR(ret, name, params, args) A(ret, name, params, args, NULL)

/* The formatter reads the parameter lists below as expressions and
 * would write `struct foo * p`: one wrapper per line, by hand. */
/* clang-format off */
/* reading */
A_PTR(struct archive *, archive_read_new, (void), ())
A_INT(archive_read_free, (struct archive *a), (a))
A_INT(archive_read_support_format_tar, (struct archive *a), (a))
A_INT(archive_read_support_format_raw, (struct archive *a), (a))
A_INT(archive_read_support_filter_all, (struct archive *a), (a))
A_INT(archive_read_support_filter_gzip, (struct archive *a), (a))
A_INT(archive_read_open_filename, (struct archive *a, const char *f, size_t bs), (a, f, bs))
A_INT(archive_read_open_fd, (struct archive *a, int fd, size_t bs), (a, fd, bs))
A_INT(archive_read_next_header, (struct archive *a, struct archive_entry **e), (a, e))
A_INT(archive_read_next_header2, (struct archive *a, struct archive_entry *e), (a, e))
A(la_ssize_t, archive_read_data, (struct archive *a, void *buf, size_t n), (a, buf, n), ARCHIVE_FATAL)
A_INT(archive_read_data_block, (struct archive *a, const void **buf, size_t *n, la_int64_t *off),
      (a, buf, n, off))

/* reading from disk */
A_PTR(struct archive *, archive_read_disk_new, (void), ())
A_INT(archive_read_disk_open, (struct archive *a, const char *p), (a, p))
A_INT(archive_read_disk_descend, (struct archive *a), (a))
A_INT(archive_read_disk_set_behavior, (struct archive *a, int flags), (a, flags))
A_INT(archive_read_disk_set_symlink_physical, (struct archive *a), (a))

/* writing */
A_PTR(struct archive *, archive_write_new, (void), ())
A_PTR(struct archive *, archive_write_disk_new, (void), ())
A_INT(archive_write_disk_set_options, (struct archive *a, int flags), (a, flags))
A_INT(archive_write_set_format_pax_restricted, (struct archive *a), (a))
A_INT(archive_write_open_fd, (struct archive *a, int fd), (a, fd))
A_INT(archive_write_header, (struct archive *a, struct archive_entry *e), (a, e))
A(la_ssize_t, archive_write_data, (struct archive *a, const void *buf, size_t n), (a, buf, n),
  ARCHIVE_FATAL)
A(la_ssize_t, archive_write_data_block, (struct archive *a, const void *buf, size_t n, la_int64_t off),
  (a, buf, n, off), ARCHIVE_FATAL)
A_INT(archive_write_finish_entry, (struct archive *a), (a))
A_INT(archive_write_close, (struct archive *a), (a))
A_INT(archive_write_free, (struct archive *a), (a))

/* state */
A_INT(archive_errno, (struct archive *a), (a))
A_PTR(const char *, archive_error_string, (struct archive *a), (a))
A_INT(archive_format, (struct archive *a), (a))
A(la_int64_t, archive_filter_bytes, (struct archive *a, int n), (a, n), -1)

/* entries */
A_PTR(struct archive_entry *, archive_entry_new, (void), ())
A_PTR(struct archive_entry *, archive_entry_clear, (struct archive_entry *e), (e))
AV(archive_entry_free, (struct archive_entry *e), (e))
A_PTR(const char *, archive_entry_pathname, (struct archive_entry *e), (e))
A_PTR(const char *, archive_entry_hardlink, (struct archive_entry *e), (e))
A_PTR(const char *, archive_entry_sourcepath, (struct archive_entry *e), (e))
A(la_int64_t, archive_entry_size, (struct archive_entry *e), (e), 0)
A(__LA_MODE_T, archive_entry_filetype, (struct archive_entry *e), (e), 0)
AV(archive_entry_set_pathname, (struct archive_entry *e, const char *p), (e, p))
AV(archive_entry_set_hardlink, (struct archive_entry *e, const char *p), (e, p))
AV(archive_entry_copy_pathname, (struct archive_entry *e, const char *p), (e, p))
AV(archive_entry_copy_hardlink, (struct archive_entry *e, const char *p), (e, p))

/* hard-link detection when packing */
A_PTR(struct archive_entry_linkresolver *, archive_entry_linkresolver_new, (void), ())
AV(archive_entry_linkresolver_set_strategy, (struct archive_entry_linkresolver *r, int fmt), (r, fmt))
AV(archive_entry_linkresolver_free, (struct archive_entry_linkresolver *r), (r))
AV(archive_entry_linkify, (struct archive_entry_linkresolver *r, struct archive_entry **a,
			   struct archive_entry **b), (r, a, b))
/* clang-format on */
