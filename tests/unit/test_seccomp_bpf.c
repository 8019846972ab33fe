/*
 * Our seccomp generator against libseccomp: both programs run in a small
 * classic-BPF interpreter over every arch, every syscall number in the
 * ranges that matter and argument values at each rule's boundaries, for
 * several capability sets, in and out of a user namespace, and on a kernel
 * before and after the ptrace gate; the verdicts must be identical.
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "security/seccomp-internal.h"
#include "spec/spec.h"
#include "util/cleanup.h"

#define BPF_INTERP_FAIL(...) fail_msg(__VA_ARGS__)
#include "../bpf-interp.h"

#define CAPB(c) (UINT64_C(1) << (c))
#define X32_BIT 0x40000000u

/* ---- the inputs ---- */

/* Syscall numbers: the tables of all three ABIs, the edges of x32's
 * range, and the top of the space where libseccomp's pseudo numbers
 * live. */
static size_t syscall_numbers(uint32_t *nr, size_t max)
{
	size_t n = 0;

	for (uint32_t i = 0; i < 1024; i++)
		nr[n++] = i;
	for (uint32_t i = 0; i < 1024; i++)
		nr[n++] = X32_BIT | i;
	for (uint32_t i = 0; i < 1024; i++)
		nr[n++] = UINT32_MAX - i;
	for (uint32_t i = 9900; i < 10200; i++)
		nr[n++] = (uint32_t) - (int32_t)i;
	nr[n++] = X32_BIT - 1;
	nr[n++] = 0x7fffffff;
	nr[n++] = 0x80000000;
	assert_true(n <= max);
	return n;
}

/* x86's direct syscall for a socketcall or ipc call (socket is 359), -1
 * if it has none. */
static int x86_direct(const char *name)
{
	for (int nr = 0; nr < 1024; nr++) {
		_cleanup_free_ char *n = seccomp_syscall_resolve_num_arch(SCMP_ARCH_X86, nr);

		if (n && strcmp(n, name) == 0)
			return nr;
	}
	return -1;
}

struct arch_case {
	uint32_t audit;
	uint32_t scmp; /* 0: an arch the filter does not know */
};

static const struct arch_case arches[] = {
	{ AUDIT_ARCH_X86_64, SCMP_ARCH_X86_64 },
	{ AUDIT_ARCH_X86_64, SCMP_ARCH_X32 },
	{ AUDIT_ARCH_I386, SCMP_ARCH_X86 },
	{ AUDIT_ARCH_AARCH64, 0 },
	{ 0, 0 },
};

static size_t compare_env(const struct sc_profile *p, const struct sc_env *env, size_t *ret_lib_len,
			  size_t *ret_our_len)
{
	_cleanup_free_ struct security_seccomp *lib = NULL, *ours = NULL;
	_cleanup_free_ uint32_t *nrs = calloc(8192, sizeof(*nrs));
	struct taper_err err = { 0 };
	size_t n_nrs, runs = 0;

	assert_non_null(nrs);
	assert_int_equal(sc_compile(p, env, &lib, &err), 0);
	assert_int_equal(sc_generate(p, env, &ours, &err), 0);
	n_nrs = syscall_numbers(nrs, 8192);

	/* Every number with all arguments zero and all arguments set. */
	for (size_t a = 0; a < ARRAY_SIZE(arches); a++) {
		for (size_t i = 0; i < n_nrs; i++) {
			for (int fill = 0; fill < 2; fill++) {
				struct seccomp_data d = { .nr = (int)nrs[i], .arch = arches[a].audit };

				if (fill)
					memset(d.args, 0xff, sizeof(d.args));
				if (bpf_run(lib, &d) != bpf_run(ours, &d))
					fail_msg("arch 0x%x nr 0x%x fill %d: libseccomp 0x%x, ours 0x%x",
						 d.arch, d.nr, fill, bpf_run(lib, &d), bpf_run(ours, &d));
				runs++;
			}
		}
	}

	/* Every argument-filtered name on each arch, at the boundaries. */
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct sc_rule *r = &p->rules[i];

		if (r->n_args == 0)
			continue;
		for (const char *const *n = r->names; *n; n++) {
			for (size_t a = 0; a < ARRAY_SIZE(arches); a++) {
				int nr = arches[a].scmp
						 ? seccomp_syscall_resolve_name_arch(arches[a].scmp, *n)
						 : -1;

				if (nr < 0 && arches[a].scmp == SCMP_ARCH_X86)
					nr = x86_direct(*n);
				if (nr < 0)
					continue;
				for (unsigned idx = 0; idx < SECCOMP_MAX_ARGS; idx++) {
					struct vals v = { 0 };

					arg_values(p, *n, idx, &v);
					for (size_t k = 0; k < v.n; k++) {
						for (int other = 0; other < 2; other++) {
							struct seccomp_data d = { .nr = nr,
										  .arch = arches[a].audit };

							if (other)
								memset(d.args, 0x5a, sizeof(d.args));
							d.args[idx] = v.v[k];
							if (bpf_run(lib, &d) != bpf_run(ours, &d))
								fail_msg("%s arch 0x%x arg%u=0x%llx: "
									 "libseccomp 0x%x, ours 0x%x",
									 *n, d.arch, idx,
									 (unsigned long long)v.v[k],
									 bpf_run(lib, &d), bpf_run(ours, &d));
							runs++;
						}
					}
				}
			}
		}
	}
	*ret_lib_len = lib->len;
	*ret_our_len = ours->len;
	return runs;
}

static void test_default_profile_equivalent(void **state)
{
	const uint64_t all = (UINT64_C(1) << (CAP_LAST_CAP + 1)) - 1;
	const uint64_t def = spec_caps_default();
	const uint64_t caps[] = {
		0,
		def,
		def | CAPB(CAP_SYS_ADMIN),
		def | CAPB(CAP_SYS_PTRACE),
		def | CAPB(CAP_SYS_TIME) | CAPB(CAP_SYS_NICE) | CAPB(CAP_SYS_BOOT),
		CAPB(CAP_DAC_READ_SEARCH) | CAPB(CAP_SYS_MODULE) | CAPB(CAP_SYSLOG) | CAPB(CAP_BPF),
		CAPB(CAP_PERFMON) | CAPB(CAP_SYS_RAWIO) | CAPB(CAP_SYS_PACCT) | CAPB(CAP_SYS_TTY_CONFIG),
		all,
		all & ~CAPB(CAP_SYS_ADMIN),
	};

	if (seccomp_arch_native() != SCMP_ARCH_X86_64)
		skip();
	for (size_t c = 0; c < ARRAY_SIZE(caps); c++) {
		for (int userns = 0; userns < 2; userns++) {
			for (int old_kernel = 0; old_kernel < 2; old_kernel++) {
				size_t lib_len, our_len;
				struct sc_env env;

				sc_env_init(&env, caps[c], userns);
				if (old_kernel)
					env.kernel = 4007; /* before the ptrace gate */
				assert_true(compare_env(&sc_default_profile, &env, &lib_len, &our_len) >
					    30000);
				/* The point of the generator. */
				assert_true(our_len * 2 < lib_len);
			}
		}
	}
}

/* The interpreter is only a proof if it tells programs apart: a profile
 * that differs in one syscall, in one argument value or in the errno must
 * give a different verdict somewhere. */
static const char *const rw_names[] = { "read", "write", NULL };
static const char *const read_names[] = { "read", NULL };
static const char *const personality_names[] = { "personality", NULL };

static void test_equivalence_detects_a_difference(void **state)
{
	static const struct sc_rule base_rules[] = {
		{ .names = rw_names, .action = SCMP_ACT_ALLOW },
		{ .names = personality_names,
		  .action = SCMP_ACT_ALLOW,
		  .args = { { .index = 0, .op = SCMP_CMP_EQ, .value = 8 } },
		  .n_args = 1 },
	};
	static const struct sc_rule other_rules[] = {
		{ .names = rw_names, .action = SCMP_ACT_ALLOW },
		{ .names = personality_names,
		  .action = SCMP_ACT_ALLOW,
		  .args = { { .index = 0, .op = SCMP_CMP_EQ, .value = 9 } },
		  .n_args = 1 },
	};
	const struct sc_profile base = { .default_action = SCMP_ACT_ERRNO(EPERM),
					 .rules = base_rules,
					 .n_rules = ARRAY_SIZE(base_rules) };
	const struct sc_profile other = { .default_action = SCMP_ACT_ERRNO(EPERM),
					  .rules = other_rules,
					  .n_rules = ARRAY_SIZE(other_rules) };
	_cleanup_free_ struct security_seccomp *a = NULL, *b = NULL;
	struct seccomp_data d = { .nr = 135, .arch = AUDIT_ARCH_X86_64, .args = { 8 } };
	struct sc_env env;

	if (seccomp_arch_native() != SCMP_ARCH_X86_64)
		skip();
	sc_env_init(&env, 0, false);
	assert_int_equal(sc_compile(&base, &env, &a, NULL), 0);
	assert_int_equal(sc_generate(&other, &env, &b, NULL), 0);
	assert_int_equal(bpf_run(a, &d), SCMP_ACT_ALLOW);
	assert_int_equal(bpf_run(b, &d), SCMP_ACT_ERRNO(EPERM));
	d.args[0] = 9;
	assert_int_equal(bpf_run(b, &d), SCMP_ACT_ALLOW);
	/* The same profile through both: equal on a few inputs. */
	free(TAKE_PTR(b));
	assert_int_equal(sc_generate(&base, &env, &b, NULL), 0);
	for (uint32_t nr = 0; nr < 400; nr++) {
		d.nr = (int)nr;
		assert_int_equal(bpf_run(a, &d), bpf_run(b, &d));
	}
}

/* No name of the profile is a syscall: every section is the default. */
static void test_no_known_name_equivalent(void **state)
{
	static const char *const names[] = { "no_such_call", "rt_sigrsyslog", NULL };
	static const struct sc_rule rules[] = { { .names = names, .action = SCMP_ACT_TRACE(1) } };
	const struct sc_profile p = { .default_action = SCMP_ACT_ERRNO(EPERM),
				      .rules = rules,
				      .n_rules = ARRAY_SIZE(rules) };
	size_t lib_len, our_len;
	struct sc_env env;

	if (seccomp_arch_native() != SCMP_ARCH_X86_64)
		skip();
	sc_env_init(&env, 0, false);
	assert_true(compare_env(&p, &env, &lib_len, &our_len) > 0);
}

/* A profile whose sections outgrow the 8-bit jump offsets: an argument
 * rule on every other x86_64 syscall, runs of plain ones between, and a
 * second action. */
static void test_long_sections_equivalent(void **state)
{
	enum {
		N = 320
	};
	_cleanup_free_ struct sc_rule *rules = calloc(N, sizeof(*rules));
	_cleanup_free_ char **names = calloc(N, sizeof(*names));
	_cleanup_free_ const char **lists = calloc(2 * N, sizeof(*lists));
	struct sc_profile p = { .default_action = SCMP_ACT_ERRNO(EPERM), .rules = rules };
	size_t lib_len, our_len;
	struct sc_env env;

	if (seccomp_arch_native() != SCMP_ARCH_X86_64)
		skip();
	assert_true(rules && names && lists);
	for (int nr = 0; nr < N; nr++) {
		struct sc_rule *r = &rules[p.n_rules];

		int x86;

		names[nr] = seccomp_syscall_resolve_num_arch(SCMP_ARCH_X86_64, nr);
		if (!names[nr] || nr % 7 == 3)
			continue;
		/* Not the socketcall and ipc families: their multiplexer is not
		 * allowed here, which the generator leaves to libseccomp. */
		x86 = seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86, names[nr]);
		if (x86 < 0 && x86 > -1000)
			continue;
		lists[2 * nr] = names[nr];
		r->names = &lists[2 * nr];
		r->action = nr % 5 == 0 ? SCMP_ACT_ERRNO(EACCES) : SCMP_ACT_ALLOW;
		if (nr % 2 == 0) {
			static const enum scmp_compare ops[] = { SCMP_CMP_EQ, SCMP_CMP_MASKED_EQ,
								 SCMP_CMP_NE };

			r->args[0] = (struct sc_arg){ .index = (unsigned)nr % 6,
						      .op = ops[nr / 2 % 3],
						      .value = nr % 4 ? (uint64_t)nr : UINT64_C(0xf00000f0),
						      .value_two = 0x30 };
			r->n_args = 1;
		}
		p.n_rules++;
	}
	sc_env_init(&env, 0, false);
	assert_true(compare_env(&p, &env, &lib_len, &our_len) > 10000);
	/* Long enough that a section needs JA trampolines. */
	assert_true(our_len > 3 * 256);
	for (int nr = 0; nr < N; nr++)
		free(names[nr]);
}

/* Shapes the generator does not handle go to libseccomp. */
static void test_unsupported_falls_back(void **state)
{
	static const struct sc_rule rules[] = {
		{ .names = personality_names,
		  .action = SCMP_ACT_ALLOW,
		  .args = { { .index = 0, .op = SCMP_CMP_LT, .value = 8 } },
		  .n_args = 1 },
		{ .names = read_names, .action = SCMP_ACT_ALLOW },
		{ .names = read_names, .action = SCMP_ACT_ERRNO(EACCES) },
	};
	const struct sc_profile lt = { .default_action = SCMP_ACT_ERRNO(EPERM),
				       .rules = rules,
				       .n_rules = 1 };
	const struct sc_profile mixed = { .default_action = SCMP_ACT_ERRNO(EPERM),
					  .rules = rules + 1,
					  .n_rules = 2 };
	const struct sc_profile arm = { .default_action = SCMP_ACT_ERRNO(EPERM),
					.arches = { SCMP_ARCH_AARCH64 },
					.n_arches = 1,
					.rules = rules + 1,
					.n_rules = 1 };
	_cleanup_free_ struct security_seccomp *f = NULL, *g = NULL;
	struct sc_env env;

	sc_env_init(&env, 0, false);
	assert_int_equal(sc_generate(&lt, &env, &f, NULL), -EOPNOTSUPP);
	assert_int_equal(sc_generate(&mixed, &env, &f, NULL), -EOPNOTSUPP);
	assert_int_equal(sc_generate(&arm, &env, &f, NULL), -EOPNOTSUPP);
	assert_null(f);
	assert_int_equal(sc_build(&lt, &env, &f, NULL), 0);
	assert_int_equal(sc_compile(&lt, &env, &g, NULL), 0);
	assert_int_equal(f->len, g->len);
	assert_memory_equal(f->insns, g->insns, f->len * sizeof(f->insns[0]));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_profile_equivalent),
		cmocka_unit_test(test_no_known_name_equivalent),
		cmocka_unit_test(test_long_sections_equivalent),
		cmocka_unit_test(test_equivalence_detects_a_difference),
		cmocka_unit_test(test_unsupported_falls_back),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
