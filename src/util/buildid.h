/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * buildid.h — the identity of the code that is running.
 *
 * build_id_of() finds the loaded object (the executable or a shared
 * library) that holds addr and copies its GNU build id (the linker's
 * NT_GNU_BUILD_ID note, kept by strip): a hash of the object's contents,
 * so any change to the code gives another one, with no number to bump by
 * hand. A cache of something this code generated keys on it.
 */
#ifndef TAPER_UTIL_BUILDID_H
#define TAPER_UTIL_BUILDID_H

#include <stddef.h>
#include <stdint.h>

#define BUILD_ID_MAX 32

/* The length of the id copied into out (at most BUILD_ID_MAX bytes), or
 * -ENOENT when the object has no build id (linked with --build-id=none). */
int build_id_of(const void *addr, uint8_t out[BUILD_ID_MAX]);

#endif
