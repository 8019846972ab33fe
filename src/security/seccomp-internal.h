/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * seccomp-internal.h — the profile model shared by the built-in default
 * table (seccomp-table.c), the JSON reader (seccomp-json.c), the
 * libseccomp compiler (seccomp.c), our own BPF generator (seccomp-bpf.c)
 * and the BPF cache (seccomp-cache.c).
 *
 * A profile is a default action, an optional list of architectures and an
 * ordered list of rules. A rule is docker's: names, one action, up to six
 * argument comparisons, and includes/excludes conditions on the process's
 * capabilities, the native architecture and the kernel version. Conditions
 * are evaluated once per prepare against a struct sc_env; the result is
 * the set of active rules, which (with the table hash, arch and libseccomp
 * version) is also the cache key.
 */
#ifndef TAPER_SECURITY_SECCOMP_INTERNAL_H
#define TAPER_SECURITY_SECCOMP_INTERNAL_H

#include <seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <taper.h>

#include "security/security.h"
#include "util/cleanup.h"

#define SECCOMP_MAX_ARGS 6
#define SECCOMP_MAX_ARCHES 8
/* Linux's BPF_MAXINSNS. */
#define SECCOMP_MAX_INSNS 4096

struct sc_arg {
	unsigned index;
	enum scmp_compare op;
	uint64_t value;
	uint64_t value_two;
};

/* docker's "includes" / "excludes". Zero fields impose nothing. */
struct sc_cond {
	uint64_t caps;                       /* includes: all; excludes: any */
	uint32_t arches[SECCOMP_MAX_ARCHES]; /* SCMP_ARCH_* of the native arch */
	size_t n_arches;
	unsigned min_kernel; /* major * 1000 + minor, 0: none */
};

struct sc_rule {
	const char *const *names; /* NULL-terminated */
	uint32_t action;          /* SCMP_ACT_*, errno folded in */
	struct sc_arg args[SECCOMP_MAX_ARGS];
	size_t n_args;
	struct sc_cond includes;
	struct sc_cond excludes;
};

struct sc_profile {
	uint32_t default_action;
	uint32_t arches[SECCOMP_MAX_ARCHES]; /* n_arches == 0: native + compat */
	size_t n_arches;
	const struct sc_rule *rules;
	size_t n_rules;
	unsigned flags; /* SECCOMP_FILTER_FLAG_* for seccomp(2) */
};

/* What the conditions are evaluated against. */
struct sc_env {
	uint64_t caps;
	uint32_t arch;   /* native SCMP_ARCH_* */
	unsigned kernel; /* major * 1000 + minor */
	bool in_userns;
};

/* The moby-equivalent default profile. */
extern const struct sc_profile sc_default_profile;

/* The running system: native arch, uname's kernel version. */
void sc_env_init(struct sc_env *env, uint64_t caps, bool in_userns);

bool sc_rule_active(const struct sc_rule *r, const struct sc_env *env);

/* FNV-1a over every field of every rule: changes when the table does. */
uint64_t sc_profile_hash(const struct sc_profile *p);

/* The action the profile gives syscall `name` when no argument filter
 * decides; *ret_conditional is set when an active rule for the name
 * filters on arguments (its action then applies only to some calls). */
uint32_t sc_profile_verdict(const struct sc_profile *p, const struct sc_env *env, const char *name,
			    bool *ret_conditional);

/* Compatible architectures that run on native (x86_64: x86, x32). */
size_t sc_compat_arches(uint32_t native, uint32_t ret[SECCOMP_MAX_ARCHES]);

/* Arch name as docker spells it ("SCMP_ARCH_X86_64") or as Go does in
 * includes.arches ("amd64"); 0 when unknown. */
uint32_t sc_arch_from_name(const char *name);

/* ---- JSON profiles (seccomp-json.c) ---- */

/* Parse a docker/OCI profile; *ret owns its rules. Errors name the file
 * and the field. */
int sc_profile_load_json(const char *path, const struct sc_env *env, struct sc_profile **ret,
			 struct taper_err *err);
int sc_profile_parse_json(const char *label, const char *text, size_t len, const struct sc_env *env,
			  struct sc_profile **ret, struct taper_err *err);
void sc_profile_free(struct sc_profile *p);
DEFINE_CLEANUP_FUNC(struct sc_profile, sc_profile_free)

/* ---- compiled filters ---- */

struct security_seccomp {
	size_t len;     /* instructions */
	unsigned flags; /* SECCOMP_FILTER_FLAG_* */
	struct sock_filter_insn_raw {
		uint16_t code;
		uint8_t jt;
		uint8_t jf;
		uint32_t k;
	} insns[];
};

/* Compile through libseccomp and export the raw program. */
int sc_compile(const struct sc_profile *p, const struct sc_env *env, struct security_seccomp **ret,
	       struct taper_err *err);

/* Our own generator (seccomp-bpf.c): the same verdicts as sc_compile()
 * in a much shorter program, or -EOPNOTSUPP (err untouched) for a profile
 * outside the shapes it handles. */
int sc_generate(const struct sc_profile *p, const struct sc_env *env, struct security_seccomp **ret,
		struct taper_err *err);

/* sc_generate(), else sc_compile(). */
int sc_build(const struct sc_profile *p, const struct sc_env *env, struct security_seccomp **ret,
	     struct taper_err *err);

/* security_seccomp_prepare with an explicit cache directory (NULL: no cache). */
int sc_prepare_at(const char *profile, uint64_t caps, bool in_userns, const char *cache_dir,
		  struct security_seccomp **ret, struct taper_err *err);

/* ---- BPF cache (seccomp-cache.c) ---- */

struct sc_cache_key {
	char magic[8]; /* "TPRSCMP4": the layout of this key */
	/* The build id of the code holding the generator (util/buildid.h): a
	 * changed generator never loads a program an older one cached. */
	uint8_t build_id[32];
	uint32_t arch;
	uint32_t libseccomp; /* major << 16 | minor << 8 | micro */
	uint64_t profile_hash;
	uint64_t active[4]; /* bit i: rule i is active */
	uint32_t len;       /* instructions that follow */
	uint32_t reserved;
};

/* -ENOENT when this build has no build id: then nothing is cached. */
int sc_cache_key_init(struct sc_cache_key *key, const struct sc_profile *p, const struct sc_env *env);
/* 0 and *ret on a hit, -ENOENT on a miss or an entry that is not right. */
int sc_cache_read(const char *dir, const struct sc_cache_key *key, struct security_seccomp **ret);
/* Best effort: a failure only costs the next run a compile. */
int sc_cache_write(const char *dir, const struct sc_cache_key *key, const struct security_seccomp *f);

#endif
