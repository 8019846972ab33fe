/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cleanup-api.h — _cleanup_() functions for the types of include/taper.h,
 * declared once for every front end and test: _cleanup_(taper_spec_freep).
 */
#ifndef TAPER_UTIL_CLEANUP_API_H
#define TAPER_UTIL_CLEANUP_API_H

#include <taper.h>

#include "util/cleanup.h"

DEFINE_CLEANUP_FUNC(struct taper_spec, taper_spec_free)
DEFINE_CLEANUP_FUNC(struct taper_run, taper_run_free)
DEFINE_CLEANUP_FUNC(struct taper_check, taper_check_free)

#endif
