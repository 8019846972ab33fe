/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dlfcn.h>
#include <errno.h>

#include "util/err.h"
#include "util/lazy.h"

int lazy_open(struct lazy_lib *lib, struct taper_err *err)
{
	if (lib->state == 0) {
		lib->handle = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
		lib->state = lib->handle ? 1 : -1;
	}
	if (lib->state < 0) {
		const char *why = dlerror();
		return taper_err_set(err, 0, "load %s: %s", lib->soname, why ? why : "not found");
	}
	return 0;
}

void *lazy_sym(struct lazy_lib *lib, const char *name)
{
	if (lazy_open(lib, NULL) < 0)
		return NULL;
	return dlsym(lib->handle, name);
}
