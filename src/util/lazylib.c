/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

#include "util/lazylib.h"

void lazylib_load(struct lazylib *lib)
{
	void *h = __atomic_load_n(&lib->handle, __ATOMIC_ACQUIRE);

	if (!h) {
		/* RTLD_LOCAL: nothing else of taper resolves against it. */
		h = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
		if (!h) {
			fprintf(stderr, "taper: cannot load %s: %s\n", lib->soname, dlerror());
			abort();
		}
		__atomic_store_n(&lib->handle, h, __ATOMIC_RELEASE);
	}
}

void *lazylib_sym(struct lazylib *lib, const char *name)
{
	void *sym;

	lazylib_load(lib);
	sym = dlsym(lib->handle, name);
	if (!sym) {
		fprintf(stderr, "taper: %s has no %s: %s\n", lib->soname, name, dlerror());
		abort();
	}
	return sym;
}
