/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libarchive, bound at first use: see lazylib.h. One line per function the
 * core calls; the prototypes are checked against <archive.h>. */
#include <archive.h>
#include <archive_entry.h>

#include "util/lazylib.h"

static struct lazylib lib = { .soname = "libarchive.so.13" };

void lazy_archive_load(void)
{
	lazylib_load(&lib);
}

#define A struct archive *
#define E struct archive_entry *
#define R struct archive_entry_linkresolver *

LAZY_FN(lib, const char *, archive_error_string, (A a), (a))
LAZY_FN(lib, int, archive_errno, (A a), (a))
LAZY_FN(lib, la_int64_t, archive_filter_bytes, (A a, int n), (a, n))
LAZY_FN(lib, int, archive_format, (A a), (a))

LAZY_FN(lib, A, archive_read_new, (void), ())
LAZY_FN(lib, int, archive_read_free, (A a), (a))
LAZY_FN(lib, int, archive_read_support_filter_all, (A a), (a))
LAZY_FN(lib, int, archive_read_support_filter_gzip, (A a), (a))
LAZY_FN(lib, int, archive_read_support_format_raw, (A a), (a))
LAZY_FN(lib, int, archive_read_support_format_tar, (A a), (a))
LAZY_FN(lib, int, archive_read_open_fd, (A a, int fd, size_t bs), (a, fd, bs))
LAZY_FN(lib, int, archive_read_open_filename, (A a, const char *f, size_t bs), (a, f, bs))
LAZY_FN(lib, int, archive_read_next_header, (A a, E *e), (a, e))
LAZY_FN(lib, int, archive_read_next_header2, (A a, E e), (a, e))
LAZY_FN(lib, la_ssize_t, archive_read_data, (A a, void *b, size_t n), (a, b, n))
LAZY_FN(lib, int, archive_read_data_block,
	(A a, const void **b, size_t *n, la_int64_t *off), (a, b, n, off))

LAZY_FN(lib, A, archive_read_disk_new, (void), ())
LAZY_FN(lib, int, archive_read_disk_open, (A a, const char *p), (a, p))
LAZY_FN(lib, int, archive_read_disk_descend, (A a), (a))
LAZY_FN(lib, int, archive_read_disk_set_behavior, (A a, int f), (a, f))
LAZY_FN(lib, int, archive_read_disk_set_symlink_physical, (A a), (a))

LAZY_FN(lib, A, archive_write_new, (void), ())
LAZY_FN(lib, int, archive_write_free, (A a), (a))
LAZY_FN(lib, int, archive_write_close, (A a), (a))
LAZY_FN(lib, int, archive_write_set_format_pax_restricted, (A a), (a))
LAZY_FN(lib, int, archive_write_open_fd, (A a, int fd), (a, fd))
LAZY_FN(lib, int, archive_write_header, (A a, E e), (a, e))
LAZY_FN(lib, la_ssize_t, archive_write_data, (A a, const void *b, size_t n), (a, b, n))
LAZY_FN(lib, la_ssize_t, archive_write_data_block, (A a, const void *b, size_t n, la_int64_t off),
	(a, b, n, off))
LAZY_FN(lib, int, archive_write_finish_entry, (A a), (a))
LAZY_FN(lib, A, archive_write_disk_new, (void), ())
LAZY_FN(lib, int, archive_write_disk_set_options, (A a, int f), (a, f))

LAZY_FN(lib, E, archive_entry_new, (void), ())
LAZY_VOID_FN(lib, archive_entry_free, (E e), (e))
LAZY_FN(lib, E, archive_entry_clear, (E e), (e))
LAZY_FN(lib, __LA_MODE_T, archive_entry_filetype, (E e), (e))
LAZY_FN(lib, const char *, archive_entry_hardlink, (E e), (e))
LAZY_FN(lib, const char *, archive_entry_pathname, (E e), (e))
LAZY_FN(lib, const char *, archive_entry_sourcepath, (E e), (e))
LAZY_FN(lib, la_int64_t, archive_entry_size, (E e), (e))

LAZY_FN(lib, R, archive_entry_linkresolver_new, (void), ())
LAZY_VOID_FN(lib, archive_entry_linkresolver_free, (R r), (r))
LAZY_VOID_FN(lib, archive_entry_linkresolver_set_strategy, (R r, int f), (r, f))
LAZY_VOID_FN(lib, archive_entry_linkify, (R r, E *a, E *b), (r, a, b))
