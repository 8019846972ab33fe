/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lazy.h — the charm module's libraries, bound on first use (util/lazy.h):
 * call the loader before the first call into the library, so that a
 * missing library is one clear error.
 */
#ifndef TAPER_CHARM_LAZY_H
#define TAPER_CHARM_LAZY_H

#include <taper.h>

int lazy_sqlite_load(struct taper_err *err);
int lazy_yaml_load(struct taper_err *err);

#endif
