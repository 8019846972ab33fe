/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lazylib.h — bind a heavy shared library at its first use, not at exec.
 *
 * libarchive (with libxml2, ICU, libstdc++, liblzma, libzstd...) and
 * libnftables (with libnftnl, libxtables, libgmp...) would add some twenty
 * shared objects to every start of taper, and `taper run` starts twice (the
 * sealed-memfd re-exec against CVE-2019-5736): mapping and relocating them
 * cost more than the whole container. So the core does not link them; the
 * few functions it calls are defined in lazy_<lib>.c with the library's
 * own prototypes (the compiler checks them against its header) and resolve
 * the real function with dlopen/dlsym on first call.
 *
 * A library that is installed but cannot be loaded is as fatal as it would
 * have been to the dynamic loader at exec: one line on stderr and abort().
 * Calling a function of such a library that is not in the table is a link
 * error: add one LAZY_FN line to lazy_<lib>.c. Code that calls into the
 * library after a chroot or pivot_root calls lazy_<lib>_load() before.
 */
#ifndef TAPER_UTIL_LAZYLIB_H
#define TAPER_UTIL_LAZYLIB_H

struct lazylib {
	const char *soname; /* "libarchive.so.13" */
	void *handle;
};

/* dlopen lib unless done. */
void lazylib_load(struct lazylib *lib);
/* The address of symbol name in lib, loading lib first; never NULL. */
void *lazylib_sym(struct lazylib *lib, const char *name);

/* Load a library now, for code about to chroot or pivot away from it. */
void lazy_archive_load(void);
void lazy_nftables_load(void);

/* Define `ret name params` forwarding `args` to the real function. */
#define LAZY_FN(lib, ret, name, params, args)                                               \
	ret name params                                                                     \
	{                                                                                   \
		static ret(*lazy_fn_) params;                                               \
		ret(*lazy_f_) params = __atomic_load_n(&lazy_fn_, __ATOMIC_ACQUIRE);        \
		if (!lazy_f_) {                                                             \
			lazy_f_ = (ret(*) params)lazylib_sym(&(lib), #name);                \
			__atomic_store_n(&lazy_fn_, lazy_f_, __ATOMIC_RELEASE);             \
		}                                                                           \
		return lazy_f_ args;                                                        \
	}

#define LAZY_VOID_FN(lib, name, params, args)                                               \
	void name params                                                                    \
	{                                                                                   \
		static void(*lazy_fn_) params;                                              \
		void(*lazy_f_) params = __atomic_load_n(&lazy_fn_, __ATOMIC_ACQUIRE);       \
		if (!lazy_f_) {                                                             \
			lazy_f_ = (void(*) params)lazylib_sym(&(lib), #name);               \
			__atomic_store_n(&lazy_fn_, lazy_f_, __ATOMIC_RELEASE);             \
		}                                                                           \
		lazy_f_ args;                                                               \
	}

#endif
