/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * err.h — building struct taper_err (see include/taper.h).
 *
 * err_set() starts an error at the place it happens and returns the
 * negative errno, so that `return err_set(err, errno, "open %s", p);`
 * is the whole failure path. err_wrap() prefixes one layer of context
 * ("create veth: " + "netlink: File exists") and returns the same code.
 * A NULL err is allowed everywhere and only the code is returned.
 */
#ifndef TAPER_UTIL_ERR_H
#define TAPER_UTIL_ERR_H

#include <taper.h>

/* errnum > 0 appends ": strerror(errnum)"; errnum == 0 means a plain
 * message, returned as -EINVAL. Negative errnum is accepted as well. */
int err_set(struct taper_err *err, int errnum, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* A condition the message states in full ("container "c1" is not
 * running"): errnum is the code callers test, and no strerror follows. */
int err_plain(struct taper_err *err, int errnum, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Prefix context to an existing error; returns -err->code (or -EINVAL). */
int err_wrap(struct taper_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* -code of an error already set, for returning after a callee filled it. */
static inline int err_ret(const struct taper_err *err)
{
	return err && err->code > 0 ? -err->code : -22 /* EINVAL */;
}

#endif
