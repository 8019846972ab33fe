/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A docker/OCI seccomp profile in JSON (src/security/seccomp-json.c):
 * parse it for a fixed x86_64 environment, then ask what the rest of the
 * module asks of a profile: its hash, a verdict per name, and our own BPF
 * program for it (seccomp-bpf.c). Property: a generated program is within
 * the kernel's instruction limit.
 */
#include <seccomp.h>

#include "fuzz.h"
#include "security/seccomp-internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "read", "clone", "socket", "personality", "ptrace", "bogus" };
	const struct sc_env env = { .caps = UINT64_MAX, .arch = SCMP_ARCH_X86_64, .kernel = 6001 };
	struct sc_profile *p = NULL;
	struct taper_seccomp *f = NULL;
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
	if (sc_generate(p, &env, &f, &err) == 0) {
		FUZZ_ASSERT(f->len > 0 && f->len <= SECCOMP_MAX_INSNS);
		free(f);
	} else {
		fuzz_refused("sc_generate", &err);
	}
	sc_profile_free(p);
	return 0;
}
