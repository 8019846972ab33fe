/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * seccomp.c — profile to raw BPF, and the one-syscall load in the child.
 *
 * security_seccomp_prepare() runs in the parent: it picks the profile, evaluates the
 * rule conditions, looks for the compiled program in the cache (default
 * profile only), else builds it: the default profile with our own generator
 * (seccomp-bpf.c, range checks, a third of libseccomp's size), anything the
 * generator does not handle with libseccomp, whose BPF is exported into a
 * memfd and read back into one flat allocation. security_seccomp_load() is
 * then a single seccomp(SECCOMP_SET_MODE_FILTER) in the child.
 */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "security/seccomp-internal.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/log.h"

#define SECCOMP_CACHE_DIR "/var/cache/taper/seccomp"

_Static_assert(sizeof(struct sock_filter_insn_raw) == sizeof(struct sock_filter), "raw instruction layout");

static void sc_ctx_releasep(scmp_filter_ctx *ctx)
{
	if (*ctx)
		seccomp_release(*ctx);
}

void sc_env_init(struct sc_env *env, uint64_t caps, bool in_userns)
{
	struct utsname u;
	unsigned maj = 0, min = 0;

	if (uname(&u) == 0)
		sscanf(u.release, "%u.%u", &maj, &min);
	*env = (struct sc_env){
		.caps = caps,
		.arch = seccomp_arch_native(),
		.kernel = maj * 1000 + min,
		.in_userns = in_userns,
	};
}

static bool arch_in(const struct sc_cond *c, uint32_t arch)
{
	for (size_t i = 0; i < c->n_arches; i++)
		if (c->arches[i] == arch)
			return true;
	return false;
}

/* docker's semantics: every included cap present, the native arch among
 * the included ones, the kernel at least min_kernel; and no excluded cap,
 * not an excluded arch, the kernel below an excluded min_kernel. */
bool sc_rule_active(const struct sc_rule *r, const struct sc_env *env)
{
	const struct sc_cond *in = &r->includes, *ex = &r->excludes;

	if ((env->caps & in->caps) != in->caps)
		return false;
	if (in->n_arches && !arch_in(in, env->arch))
		return false;
	if (in->min_kernel && env->kernel < in->min_kernel)
		return false;
	if (env->caps & ex->caps)
		return false;
	if (ex->n_arches && arch_in(ex, env->arch))
		return false;
	if (ex->min_kernel && env->kernel >= ex->min_kernel)
		return false;
	return true;
}

static uint64_t fnv(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * UINT64_C(0x100000001b3);
	return h;
}

#define FNV_FIELD(h, x) ((h) = fnv((h), &(x), sizeof(x)))

static uint64_t cond_hash(uint64_t h, const struct sc_cond *c)
{
	FNV_FIELD(h, c->caps);
	FNV_FIELD(h, c->n_arches);
	for (size_t i = 0; i < c->n_arches; i++)
		FNV_FIELD(h, c->arches[i]);
	FNV_FIELD(h, c->min_kernel);
	return h;
}

uint64_t sc_profile_hash(const struct sc_profile *p)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);

	FNV_FIELD(h, p->default_action);
	FNV_FIELD(h, p->n_arches);
	for (size_t i = 0; i < p->n_arches; i++)
		FNV_FIELD(h, p->arches[i]);
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct sc_rule *r = &p->rules[i];

		for (const char *const *n = r->names; *n; n++)
			h = fnv(h, *n, strlen(*n) + 1);
		FNV_FIELD(h, r->action);
		FNV_FIELD(h, r->n_args);
		for (size_t a = 0; a < r->n_args; a++) {
			FNV_FIELD(h, r->args[a].index);
			FNV_FIELD(h, r->args[a].op);
			FNV_FIELD(h, r->args[a].value);
			FNV_FIELD(h, r->args[a].value_two);
		}
		h = cond_hash(h, &r->includes);
		h = cond_hash(h, &r->excludes);
	}
	return h;
}

uint32_t sc_profile_verdict(const struct sc_profile *p, const struct sc_env *env, const char *name,
			    bool *ret_conditional)
{
	bool conditional = false;
	uint32_t action = p->default_action;

	for (size_t i = 0; i < p->n_rules; i++) {
		const struct sc_rule *r = &p->rules[i];
		bool named = false;

		for (const char *const *n = r->names; *n && !named; n++)
			named = strcmp(*n, name) == 0;
		if (!named || !sc_rule_active(r, env))
			continue;
		if (r->n_args > 0) {
			conditional = true;
			continue;
		}
		/* libseccomp keeps the first unconditional rule per syscall. */
		if (action == p->default_action)
			action = r->action;
	}
	if (ret_conditional)
		*ret_conditional = conditional;
	return action;
}

static const struct {
	uint32_t native;
	uint32_t compat[3];
} compat_table[] = {
	{ SCMP_ARCH_X86_64, { SCMP_ARCH_X86, SCMP_ARCH_X32 } },
	{ SCMP_ARCH_AARCH64, { SCMP_ARCH_ARM } },
	{ SCMP_ARCH_MIPS64, { SCMP_ARCH_MIPS, SCMP_ARCH_MIPS64N32 } },
	{ SCMP_ARCH_MIPS64N32, { SCMP_ARCH_MIPS, SCMP_ARCH_MIPS64 } },
	{ SCMP_ARCH_MIPSEL64, { SCMP_ARCH_MIPSEL, SCMP_ARCH_MIPSEL64N32 } },
	{ SCMP_ARCH_MIPSEL64N32, { SCMP_ARCH_MIPSEL, SCMP_ARCH_MIPSEL64 } },
	{ SCMP_ARCH_S390X, { SCMP_ARCH_S390 } },
	{ SCMP_ARCH_PPC64LE, { SCMP_ARCH_PPC64, SCMP_ARCH_PPC } },
};

size_t sc_compat_arches(uint32_t native, uint32_t ret[SECCOMP_MAX_ARCHES])
{
	size_t n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(compat_table); i++) {
		if (compat_table[i].native != native)
			continue;
		for (size_t j = 0; j < ARRAY_SIZE(compat_table[i].compat); j++)
			if (compat_table[i].compat[j])
				ret[n++] = compat_table[i].compat[j];
	}
	return n;
}

static const struct {
	const char *scmp;
	const char *go;
	uint32_t arch;
} arch_names[] = {
	{ "SCMP_ARCH_X86", "386", SCMP_ARCH_X86 },
	{ "SCMP_ARCH_X86_64", "amd64", SCMP_ARCH_X86_64 },
	{ "SCMP_ARCH_X32", "x32", SCMP_ARCH_X32 },
	{ "SCMP_ARCH_ARM", "arm", SCMP_ARCH_ARM },
	{ "SCMP_ARCH_AARCH64", "arm64", SCMP_ARCH_AARCH64 },
	{ "SCMP_ARCH_MIPS", "mips", SCMP_ARCH_MIPS },
	{ "SCMP_ARCH_MIPS64", "mips64", SCMP_ARCH_MIPS64 },
	{ "SCMP_ARCH_MIPS64N32", "mips64n32", SCMP_ARCH_MIPS64N32 },
	{ "SCMP_ARCH_MIPSEL", "mipsle", SCMP_ARCH_MIPSEL },
	{ "SCMP_ARCH_MIPSEL64", "mips64le", SCMP_ARCH_MIPSEL64 },
	{ "SCMP_ARCH_MIPSEL64N32", "mips64len32", SCMP_ARCH_MIPSEL64N32 },
	{ "SCMP_ARCH_PPC", "ppc", SCMP_ARCH_PPC },
	{ "SCMP_ARCH_PPC64", "ppc64", SCMP_ARCH_PPC64 },
	{ "SCMP_ARCH_PPC64LE", "ppc64le", SCMP_ARCH_PPC64LE },
	{ "SCMP_ARCH_S390", "s390", SCMP_ARCH_S390 },
	{ "SCMP_ARCH_S390X", "s390x", SCMP_ARCH_S390X },
	{ "SCMP_ARCH_RISCV64", "riscv64", SCMP_ARCH_RISCV64 },
};

uint32_t sc_arch_from_name(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(arch_names); i++)
		if (strcmp(name, arch_names[i].scmp) == 0 || strcmp(name, arch_names[i].go) == 0)
			return arch_names[i].arch;
	/* docker also accepts "x86" in includes.arches. */
	return strcmp(name, "x86") == 0 ? SCMP_ARCH_X86 : 0;
}

static int add_arches(scmp_filter_ctx ctx, const struct sc_profile *p, const struct sc_env *env,
		      struct taper_err *err)
{
	uint32_t compat[SECCOMP_MAX_ARCHES];
	const uint32_t *arches = p->arches;
	size_t n = p->n_arches;

	if (n == 0) {
		n = sc_compat_arches(env->arch, compat);
		arches = compat;
	}
	for (size_t i = 0; i < n; i++) {
		int r = seccomp_arch_add(ctx, arches[i]);

		if (r < 0 && r != -EEXIST)
			return err_set(err, -r, "add architecture 0x%x", arches[i]);
	}
	return 0;
}

static bool args_share_index(const struct sc_rule *r)
{
	for (size_t i = 0; i < r->n_args; i++)
		for (size_t j = i + 1; j < r->n_args; j++)
			if (r->args[i].index == r->args[j].index)
				return true;
	return false;
}

static int add_rule(scmp_filter_ctx ctx, const struct sc_rule *r, int nr, const char *name,
		    struct taper_err *err)
{
	struct scmp_arg_cmp cmp[SECCOMP_MAX_ARGS];
	int ret;

	for (size_t i = 0; i < r->n_args; i++)
		cmp[i] = (struct scmp_arg_cmp){ .arg = r->args[i].index,
						.op = r->args[i].op,
						.datum_a = r->args[i].value,
						.datum_b = r->args[i].value_two };
	/* Comparisons on one argument cannot be ANDed by libseccomp; like
	 * runc, read them as alternatives: one rule each. */
	if (r->n_args > 1 && args_share_index(r)) {
		for (size_t i = 0; i < r->n_args; i++) {
			ret = seccomp_rule_add_array(ctx, r->action, nr, 1, &cmp[i]);
			if (ret < 0)
				return err_set(err, -ret, "add rule for %s", name);
		}
		return 0;
	}
	ret = seccomp_rule_add_array(ctx, r->action, nr, (unsigned)r->n_args, cmp);
	if (ret < 0)
		return err_set(err, -ret, "add rule for %s", name);
	return 0;
}

static int export_bpf(scmp_filter_ctx ctx, struct security_seccomp **ret, struct taper_err *err)
{
	_cleanup_close_ int fd = memfd_create("taper-seccomp", MFD_CLOEXEC);
	_cleanup_free_ struct security_seccomp *f = NULL;
	struct stat st;
	int r;

	if (fd < 0)
		return err_set(err, errno, "export seccomp filter: memfd_create");
	r = seccomp_export_bpf(ctx, fd);
	if (r < 0)
		return err_set(err, -r, "export seccomp filter");
	if (fstat(fd, &st) < 0)
		return err_set(err, errno, "export seccomp filter: fstat");
	if (st.st_size <= 0 || st.st_size % sizeof(struct sock_filter) ||
	    st.st_size / sizeof(struct sock_filter) > SECCOMP_MAX_INSNS)
		return err_set(err, E2BIG, "export seccomp filter: %lld bytes of BPF", (long long)st.st_size);
	f = malloc(sizeof(*f) + (size_t)st.st_size);
	if (!f)
		return err_set(err, ENOMEM, "export seccomp filter");
	f->len = (size_t)st.st_size / sizeof(struct sock_filter);
	f->flags = 0;
	if (pread(fd, f->insns, (size_t)st.st_size, 0) != st.st_size)
		return err_set(err, errno ? errno : EIO, "export seccomp filter: read");
	*ret = TAKE_PTR(f);
	return 0;
}

int sc_compile(const struct sc_profile *p, const struct sc_env *env, struct security_seccomp **ret,
	       struct taper_err *err)
{
	_cleanup_(sc_ctx_releasep) scmp_filter_ctx ctx = seccomp_init(p->default_action);
	int r;

	if (!ctx)
		return err_set(err, ENOMEM, "seccomp_init");
	/* The child sets no_new_privs itself, in its own order. */
	seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	/* A binary tree over syscall numbers instead of a linear list: +30%
	 * compile time (cached anyway), but the kernel's per-syscall verdict
	 * cache emulates the filter for every syscall at load, and the tree
	 * halves that: 1.4 ms -> 0.6 ms per container (bench_seccomp). */
	seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	r = add_arches(ctx, p, env, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct sc_rule *rule = &p->rules[i];

		if (!sc_rule_active(rule, env) || rule->action == p->default_action)
			continue;
		for (const char *const *n = rule->names; *n; n++) {
			int nr = seccomp_syscall_resolve_name(*n);

			/* Unknown to this libseccomp: nothing to allow or deny. */
			if (nr == __NR_SCMP_ERROR)
				continue;
			r = add_rule(ctx, rule, nr, *n, err);
			if (r < 0)
				return r;
		}
	}
	r = export_bpf(ctx, ret, err);
	if (r < 0)
		return r;
	(*ret)->flags = p->flags;
	return 0;
}

int sc_build(const struct sc_profile *p, const struct sc_env *env, struct security_seccomp **ret,
	     struct taper_err *err)
{
	int r = sc_generate(p, env, ret, err);

	return r == -EOPNOTSUPP ? sc_compile(p, env, ret, err) : r;
}

int sc_prepare_at(const char *profile, uint64_t caps, bool in_userns, const char *cache_dir,
		  struct security_seccomp **ret, struct taper_err *err)
{
	_cleanup_(sc_profile_freep) struct sc_profile *json = NULL;
	struct sc_cache_key key;
	struct sc_env env;
	bool builtin;
	int r;

	*ret = NULL;
	if (!profile || strcmp(profile, "unconfined") == 0)
		return 0;
	sc_env_init(&env, caps, in_userns);
	builtin = strcmp(profile, "default") == 0;
	if (!builtin) {
		r = sc_profile_load_json(profile, &env, &json, err);
		if (r < 0)
			return r;
		r = sc_compile(json, &env, ret, err);
		return r < 0 ? err_wrap(err, "seccomp profile %s", profile) : 0;
	}
	/* No identity for the generator, no cache. */
	if (sc_cache_key_init(&key, &sc_default_profile, &env) < 0)
		cache_dir = NULL;
	if (cache_dir && sc_cache_read(cache_dir, &key, ret) == 0)
		return 0;
	r = sc_build(&sc_default_profile, &env, ret, err);
	if (r < 0)
		return err_wrap(err, "default seccomp profile");
	if (cache_dir && sc_cache_write(cache_dir, &key, *ret) < 0)
		log_debug("seccomp cache %s: not written", cache_dir);
	return 0;
}

int security_seccomp_prepare(const char *profile, uint64_t caps, bool in_userns,
			     struct security_seccomp **ret, struct taper_err *err)
{
	/* Only root's cache is trusted: the program runs in every container. */
	return sc_prepare_at(profile, caps, in_userns, geteuid() == 0 ? SECCOMP_CACHE_DIR : NULL, ret, err);
}

int security_seccomp_prepare_json(const char *label, const char *json, uint64_t caps, bool in_userns,
				  struct security_seccomp **ret, struct taper_err *err)
{
	_cleanup_(sc_profile_freep) struct sc_profile *p = NULL;
	struct sc_env env;
	int r;

	*ret = NULL;
	sc_env_init(&env, caps, in_userns);
	r = sc_profile_parse_json(label, json, strlen(json), &env, &p, err);
	if (r < 0)
		return r;
	r = sc_compile(p, &env, ret, err);
	return r < 0 ? err_wrap(err, "seccomp profile %s", label) : 0;
}

int security_seccomp_prepare_process(const struct taper_process *p, bool in_userns,
				     struct security_seccomp **ret, struct taper_err *err)
{
	if (p->seccomp_json)
		return security_seccomp_prepare_json(p->seccomp_label ? p->seccomp_label : "(inline)",
						     p->seccomp_json, p->caps.bounding, in_userns, ret, err);
	return security_seccomp_prepare(p->seccomp ? p->seccomp : "default", p->caps.bounding, in_userns, ret,
					err);
}

int security_seccomp_load(const struct security_seccomp *f, struct taper_err *err)
{
	struct sock_fprog prog;

	if (!f)
		return 0;
	prog = (struct sock_fprog){
		.len = (unsigned short)f->len,
		.filter = (struct sock_filter *)f->insns,
	};
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, f->flags, &prog) < 0)
		return err_set(err, errno, "load seccomp filter");
	return 0;
}

void security_seccomp_free(struct security_seccomp *f)
{
	free(f);
}

size_t security_seccomp_len(const struct security_seccomp *f)
{
	return f ? f->len : 0;
}
