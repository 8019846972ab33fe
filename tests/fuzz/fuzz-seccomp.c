/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A docker/OCI seccomp profile in JSON (src/security/seccomp-json.c):
 * parse it for a fixed x86_64 environment, then ask what the rest of the
 * module asks of a profile: its hash, a verdict per name, and our own BPF
 * program for it (seccomp-bpf.c).
 *
 * Properties: a generated program is within the kernel's instruction
 * limit and gives libseccomp's verdict (seccomp-bpf.c's contract) on
 * every arch, on the syscall numbers of the three x86 ABIs with the
 * arguments all clear and all set, and on each argument-filtered name at
 * its rules' boundaries: both programs run in tests/bpf-interp.h.
 */
#include <linux/audit.h>
#include <seccomp.h>

#include "fuzz.h"
#include "security/seccomp-internal.h"

#define BPF_INTERP_FAIL(...)                          \
	do {                                          \
		fprintf(stderr, "bpf: " __VA_ARGS__); \
		abort();                              \
	} while (0)
#include "../bpf-interp.h"

#define X32_BIT 0x40000000u

static const struct {
	uint32_t audit;
	uint32_t scmp; /* 0: an arch the filter does not know */
} arches[] = {
	{ AUDIT_ARCH_X86_64, SCMP_ARCH_X86_64 },
	{ AUDIT_ARCH_X86_64, SCMP_ARCH_X32 },
	{ AUDIT_ARCH_I386, SCMP_ARCH_X86 },
	{ AUDIT_ARCH_AARCH64, 0 },
};

static void same(const struct security_seccomp *lib, const struct security_seccomp *ours,
		 const struct seccomp_data *d)
{
	uint32_t a = bpf_run(lib, d), b = bpf_run(ours, d);

	if (a != b) {
		fprintf(stderr, "arch 0x%x nr 0x%x args 0x%llx 0x%llx: libseccomp 0x%x, ours 0x%x\n", d->arch,
			d->nr, (unsigned long long)d->args[0], (unsigned long long)d->args[1], a, b);
		abort();
	}
}

static void compare(const struct sc_profile *p, const struct security_seccomp *lib,
		    const struct security_seccomp *ours)
{
	for (size_t a = 0; a < sizeof(arches) / sizeof(arches[0]); a++)
		for (uint32_t i = 0; i < 470; i++)
			for (int fill = 0; fill < 2; fill++) {
				struct seccomp_data d = {
					.nr = (int)(arches[a].scmp == SCMP_ARCH_X32 ? X32_BIT | i : i),
					.arch = arches[a].audit
				};

				if (fill)
					memset(d.args, 0xff, sizeof(d.args));
				same(lib, ours, &d);
			}
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct sc_rule *r = &p->rules[i];

		for (const char *const *n = r->names; r->n_args && *n; n++)
			for (size_t a = 0; a < sizeof(arches) / sizeof(arches[0]); a++) {
				int nr = arches[a].scmp
						 ? seccomp_syscall_resolve_name_arch(arches[a].scmp, *n)
						 : -1;

				for (unsigned idx = 0; nr >= 0 && idx < SECCOMP_MAX_ARGS; idx++) {
					struct vals v = { 0 };

					arg_values(p, *n, idx, &v);
					for (size_t k = 0; k < v.n; k++) {
						struct seccomp_data d = { .nr = nr, .arch = arches[a].audit };

						d.args[idx] = v.v[k];
						same(lib, ours, &d);
					}
				}
			}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "read", "clone", "socket", "personality", "ptrace", "bogus" };
	const struct sc_env env = { .caps = UINT64_MAX, .arch = SCMP_ARCH_X86_64, .kernel = 6001 };
	struct sc_profile *p = NULL;
	struct security_seccomp *ours = NULL, *lib = NULL;
	struct taper_err err = { 0 };

	if (sc_profile_parse_json("fuzz.json", (const char *)data, size, &env, &p, &err) < 0) {
		fuzz_refused("sc_profile_parse_json", &err);
		return 0;
	}
	(void)sc_profile_hash(p);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		bool conditional;

		(void)sc_profile_verdict(p, &env, names[i], &conditional);
	}
	if (sc_generate(p, &env, &ours, &err) == 0) {
		FUZZ_ASSERT(ours->len > 0 && ours->len <= SECCOMP_MAX_INSNS);
		if (sc_compile(p, &env, &lib, &err) == 0)
			compare(p, lib, ours);
		else
			fuzz_refused("sc_compile", &err);
	} else {
		fuzz_refused("sc_generate", &err);
	}
	free(ours);
	free(lib);
	sc_profile_free(p);
	return 0;
}
