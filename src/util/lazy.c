/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>

#include "util/err.h"
#include "util/lazy.h"

/* Library calls may run in several threads at once (taper.h): one dlopen
 * per library, under one lock. */
static pthread_mutex_t lazy_lock = PTHREAD_MUTEX_INITIALIZER;

int lazy_open(struct lazy_lib *lib, struct taper_err *err)
{
	int state = __atomic_load_n(&lib->state, __ATOMIC_ACQUIRE);

	if (state == 0) {
		pthread_mutex_lock(&lazy_lock);
		if ((state = lib->state) == 0) {
			lib->handle = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
			state = lib->handle ? 1 : -1;
			__atomic_store_n(&lib->state, state, __ATOMIC_RELEASE);
		}
		pthread_mutex_unlock(&lazy_lock);
	}
	if (state < 0) {
		const char *why = dlerror();
		return err_set(err, 0, "load %s: %s", lib->soname, why ? why : "not found");
	}
	return 0;
}

void *lazy_sym(struct lazy_lib *lib, const char *name)
{
	if (lazy_open(lib, NULL) < 0)
		return NULL;
	return dlsym(lib->handle, name);
}
