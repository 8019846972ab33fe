/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lazy.h — bind a heavy shared library on first use instead of at exec.
 *
 * libarchive (with libxml2, ICU and libstdc++ behind it) costs ~3 ms of
 * dynamic loading on every exec of a binary linked against it; the
 * container start path runs taper twice (once more from the sealed memfd)
 * and uses none of it. So taper is not linked against such libraries: it
 * includes their headers and defines each function it calls with the
 * header's own prototype (the compiler checks the signature), forwarding
 * to the real one resolved with dlopen(RTLD_LOCAL)/dlsym on first call.
 * A function used without a LAZY_* line fails to link: add one.
 *
 * Call lazy_<lib>_load(err) where a module starts using the library, to
 * turn "not installed" into a proper error; a wrapper called without it
 * returns the library's own failure value (NULL, -1/ARCHIVE_FATAL) when
 * the library cannot be loaded.
 */
#ifndef TAPER_UTIL_LAZY_H
#define TAPER_UTIL_LAZY_H

#include <taper.h>

struct lazy_lib {
	const char *soname;
	void *handle;
	int state; /* 0 untried, 1 loaded, -1 failed */
};

/* dlopen once; 0 or -ELIBACC with err naming the library and dlerror(). */
int lazy_open(struct lazy_lib *lib, struct taper_err *err);
/* dlsym in an opened library; NULL when missing or not loaded. */
void *lazy_sym(struct lazy_lib *lib, const char *name);

/* The library's own `name`, looked up once per call site (NULL: missing). */
#define LAZY_RESOLVE(lib, name)                                                     \
	({                                                                          \
		static __typeof__(&name) cached;                                    \
		__typeof__(&name) fn_ = __atomic_load_n(&cached, __ATOMIC_RELAXED); \
		if (!fn_) {                                                         \
			fn_ = (__typeof__(&name))lazy_sym(&(lib), #name);           \
			__atomic_store_n(&cached, fn_, __ATOMIC_RELAXED);           \
		}                                                                   \
		fn_;                                                                \
	})

/* Define `ret name params` forwarding to the library's own `name`. */
#define LAZY_FN(lib, ret, name, params, args, failval)          \
	ret name params                                         \
	{                                                       \
		__typeof__(&name) fn = LAZY_RESOLVE(lib, name); \
		if (!fn)                                        \
			return failval;                         \
		return fn args;                                 \
	}

#define LAZY_VOID(lib, name, params, args)                      \
	void name params                                        \
	{                                                       \
		__typeof__(&name) fn = LAZY_RESOLVE(lib, name); \
		if (fn)                                         \
			fn args;                                \
	}

int lazy_archive_load(struct taper_err *err);
int lazy_nftables_load(struct taper_err *err);

#endif
