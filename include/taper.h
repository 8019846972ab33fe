/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * taper.h — the public API of libtaper, the only header outsiders include.
 *
 * Conventions, for every function here:
 *  - a fallible call returns int: 0 (or a non-negative value) on success, a
 *    negative errno on failure;
 *  - the last argument is a caller-owned struct taper_err *, filled on failure
 *    with one line of context ("start web1: create veth: File exists");
 *  - the library never prints and never exits.
 */
#ifndef TAPER_H
#define TAPER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TAPER_EXPORT __attribute__((visibility("default")))

#define TAPER_ERR_MSG_MAX 1024

/* An error as one line of context. Lives on the caller's stack. */
struct taper_err {
	int code;                     /* positive errno, 0 when unknown */
	char msg[TAPER_ERR_MSG_MAX];  /* "context: context: strerror" */
};

/* The library's version string, e.g. "0.1.0". */
TAPER_EXPORT const char *taper_version(void);

/* Clears an error object for reuse. */
TAPER_EXPORT void taper_err_clear(struct taper_err *err);

#ifdef __cplusplus
}
#endif
#endif
