/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * child.h — run one function in a forked child and wait for it.
 *
 * For work that must not touch the calling process: a private mount
 * namespace (copying a snapshot's tree), a heavy library that should not
 * stay mapped in a long-lived process (nftables in the monitor). The
 * child's result comes back over a CLOEXEC pipe: on failure its err
 * (code and message; an empty message leaves the caller's err untouched,
 * for expected results such as -ENOENT), on success the string it put in
 * *ret_out, if the caller asked for one. The caller must be
 * single-threaded.
 */
#ifndef TAPER_UTIL_CHILD_H
#define TAPER_UTIL_CHILD_H

#include <taper.h>

typedef int (*fork_call_fn)(void *arg, char **ret_out, struct taper_err *err);

/* fn's return value, or -errno of the plumbing (err names it). ret_out
 * may be NULL; fn then gets NULL too. */
int fork_call(fork_call_fn fn, void *arg, char **ret_out, struct taper_err *err);

#endif
