/* The default profile table, JSON profiles and the BPF cache. */
#include <errno.h>
#include <linux/capability.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "security/seccomp-internal.h"
#include "spec/spec.h"
#include "util/buildid.h"
#include "util/cleanup.h"
#include "util/fs.h"

#define CAPB(c) (UINT64_C(1) << (c))
#define EPERM_ACT SCMP_ACT_ERRNO(EPERM)

static uint32_t verdict(uint64_t caps, bool userns, const char *name, bool *cond)
{
	struct sc_env env;

	sc_env_init(&env, caps, userns);
	return sc_profile_verdict(&sc_default_profile, &env, name, cond);
}

static void test_default_denies_dangerous(void **state)
{
	static const char *const denied[] = {
		"keyctl",       "add_key",         "request_key", "kexec_load",        "kexec_file_load",
		"bpf",          "perf_event_open", "userfaultfd", "open_by_handle_at", "init_module",
		"finit_module", "delete_module",   "mount",       "umount2",           "unshare",
		"setns",        "swapon",          "reboot",      "clock_settime",     "ptrace_nope",
	};
	uint64_t caps = spec_caps_default();
	bool cond;

	for (size_t i = 0; i < ARRAY_SIZE(denied); i++) {
		assert_int_equal(verdict(caps, false, denied[i], &cond), EPERM_ACT);
		assert_false(cond);
	}
}

/* As moby's profile since 25.0: a ring's operations run where seccomp does
 * not look. EPERM whatever the capabilities. */
static void test_default_denies_io_uring(void **state)
{
	static const char *const denied[] = { "io_uring_setup", "io_uring_enter", "io_uring_register" };
	bool cond;

	for (size_t i = 0; i < ARRAY_SIZE(denied); i++) {
		assert_int_equal(verdict(UINT64_MAX, false, denied[i], &cond), EPERM_ACT);
		assert_int_equal(verdict(UINT64_MAX, true, denied[i], &cond), EPERM_ACT);
		assert_false(cond);
	}
}

static void test_default_allows_common(void **state)
{
	static const char *const allowed[] = { "read",       "write",      "openat",   "execve",    "mmap",
					       "futex",      "exit_group", "capset",   "setresuid", "prctl",
					       "arch_prctl", "ptrace",     "io_submit" };
	bool cond;

	for (size_t i = 0; i < ARRAY_SIZE(allowed); i++) {
		assert_int_equal(verdict(spec_caps_default(), false, allowed[i], &cond), SCMP_ACT_ALLOW);
		assert_false(cond);
	}
}

static void test_default_caps_gate(void **state)
{
	uint64_t caps = spec_caps_default();
	bool cond;

	assert_int_equal(verdict(caps, true, "mount", &cond), EPERM_ACT);
	assert_int_equal(verdict(caps | CAPB(CAP_SYS_ADMIN), true, "mount", &cond), SCMP_ACT_ALLOW);
	assert_int_equal(verdict(caps | CAPB(CAP_SYS_ADMIN), true, "unshare", &cond), SCMP_ACT_ALLOW);
	assert_int_equal(verdict(caps | CAPB(CAP_SYS_ADMIN), false, "setns", &cond), SCMP_ACT_ALLOW);
	assert_int_equal(verdict(caps | CAPB(CAP_SYS_MODULE), false, "init_module", &cond), SCMP_ACT_ALLOW);
	assert_int_equal(verdict(caps | CAPB(CAP_SYS_TIME), false, "clock_settime", &cond), SCMP_ACT_ALLOW);
	assert_int_equal(verdict(caps | CAPB(CAP_BPF), false, "bpf", &cond), SCMP_ACT_ALLOW);
	/* keyctl stays denied even for a fully privileged process. */
	assert_int_equal(verdict(~UINT64_C(0), false, "keyctl", &cond), EPERM_ACT);
}

static void test_default_clone_filtered(void **state)
{
	uint64_t caps = spec_caps_default();
	bool cond;

	/* Without CAP_SYS_ADMIN: clone only through an argument filter,
	 * clone3 says ENOSYS so that libc falls back to clone. */
	assert_int_equal(verdict(caps, false, "clone", &cond), EPERM_ACT);
	assert_true(cond);
	assert_int_equal(verdict(caps, false, "clone3", &cond), SCMP_ACT_ERRNO(ENOSYS));
	assert_int_equal(verdict(caps | CAPB(CAP_SYS_ADMIN), false, "clone", &cond), SCMP_ACT_ALLOW);
	assert_false(cond);
	assert_int_equal(verdict(caps, false, "personality", &cond), EPERM_ACT);
	assert_true(cond);
	assert_int_equal(verdict(caps, false, "socket", &cond), EPERM_ACT);
	assert_true(cond);
}

static void test_table_names_resolve(void **state)
{
	/* Every x86 name in the table is one libseccomp knows; a typo would
	 * otherwise be skipped silently at compile time. */
	size_t unknown = 0;

	for (size_t i = 0; i < sc_default_profile.n_rules; i++)
		for (const char *const *n = sc_default_profile.rules[i].names; *n; n++)
			if (seccomp_syscall_resolve_name(*n) == __NR_SCMP_ERROR &&
			    seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86, *n) == __NR_SCMP_ERROR &&
			    seccomp_syscall_resolve_name_arch(SCMP_ARCH_ARM, *n) == __NR_SCMP_ERROR &&
			    seccomp_syscall_resolve_name_arch(SCMP_ARCH_S390X, *n) == __NR_SCMP_ERROR &&
			    seccomp_syscall_resolve_name_arch(SCMP_ARCH_PPC64LE, *n) == __NR_SCMP_ERROR &&
			    seccomp_syscall_resolve_name_arch(SCMP_ARCH_RISCV64, *n) == __NR_SCMP_ERROR) {
				print_message("unknown syscall in table: %s\n", *n);
				unknown++;
			}
	/* Names newer than libseccomp 2.5.4 (futex_waitv, memfd_secret,
	 * process_mrelease, set_mempolicy_home_node, ...) are allowed to be
	 * unknown; anything beyond a handful is a typo. */
	assert_true(unknown <= 6);
}

static void test_compile_default(void **state)
{
	_cleanup_free_ struct security_seccomp *f = NULL;
	struct sc_env env;

	sc_env_init(&env, spec_caps_default(), false);
	assert_int_equal(sc_compile(&sc_default_profile, &env, &f, NULL), 0);
	assert_true(f->len > 100 && f->len < SECCOMP_MAX_INSNS);
}

/* The default profile is built by our generator (equivalent to
 * libseccomp's program, see test_seccomp_bpf) at well under half the size. */
static void test_prepare_default_generated(void **state)
{
	_cleanup_free_ struct security_seccomp *f = NULL, *gen = NULL, *lib = NULL;
	struct taper_err err = { 0 };
	struct sc_env env;

	if (seccomp_arch_native() != SCMP_ARCH_X86_64)
		skip();
	sc_env_init(&env, spec_caps_default(), false);
	assert_int_equal(sc_prepare_at("default", spec_caps_default(), false, NULL, &f, &err), 0);
	assert_int_equal(sc_generate(&sc_default_profile, &env, &gen, &err), 0);
	assert_int_equal(sc_compile(&sc_default_profile, &env, &lib, &err), 0);
	assert_int_equal(f->len, gen->len);
	assert_memory_equal(f->insns, gen->insns, f->len * sizeof(f->insns[0]));
	assert_true(f->len * 2 < lib->len);
}

static int parse(const char *json, struct sc_profile **ret, struct taper_err *err)
{
	struct sc_env env;

	sc_env_init(&env, spec_caps_default(), false);
	return sc_profile_parse_json("/x.json", json, strlen(json), &env, ret, err);
}

static void test_json_good(void **state)
{
	struct sc_profile *p = NULL;
	struct taper_err err = { 0 };
	_cleanup_free_ struct security_seccomp *f = NULL;
	struct sc_env env;
	const char *json =
		"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 38,"
		" \"archMap\": [{\"architecture\": \"SCMP_ARCH_X86_64\","
		"   \"subArchitectures\": [\"SCMP_ARCH_X86\", \"SCMP_ARCH_X32\"]},"
		"  {\"architecture\": \"SCMP_ARCH_AARCH64\", \"subArchitectures\": [\"SCMP_ARCH_ARM\"]}],"
		" \"syscalls\": ["
		"  {\"names\": [\"read\", \"write\", \"no_such_call\"], \"action\": \"SCMP_ACT_ALLOW\"},"
		"  {\"names\": [\"keyctl\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 13},"
		"  {\"name\": \"personality\", \"action\": \"SCMP_ACT_ALLOW\", \"args\": ["
		"    {\"index\": 0, \"value\": 0, \"op\": \"SCMP_CMP_EQ\"},"
		"    {\"index\": 0, \"value\": 8, \"op\": \"SCMP_CMP_EQ\"}]},"
		"  {\"names\": [\"mount\"], \"action\": \"SCMP_ACT_ALLOW\","
		"   \"includes\": {\"caps\": [\"CAP_SYS_ADMIN\"], \"minKernel\": \"4.8\"},"
		"   \"comment\": \"only with sys_admin\"}]}";

	assert_int_equal(parse(json, &p, &err), 0);
	assert_int_equal(p->default_action, SCMP_ACT_ERRNO(38));
	assert_int_equal(p->n_rules, 4);
	assert_int_equal(p->rules[1].action, SCMP_ACT_ERRNO(13));
	assert_int_equal(p->rules[2].n_args, 2);
	assert_true(p->rules[3].includes.caps == CAPB(CAP_SYS_ADMIN));
	assert_int_equal(p->rules[3].includes.min_kernel, 4008);
	if (seccomp_arch_native() == SCMP_ARCH_X86_64)
		assert_int_equal(p->n_arches, 3);
	sc_env_init(&env, 0, false);
	assert_int_equal(sc_compile(p, &env, &f, &err), 0);
	assert_true(f->len > 0);
	sc_profile_free(p);
}

static void test_json_errors(void **state)
{
	static const struct {
		const char *json;
		const char *msg;
	} cases[] = {
		{ "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"a\"], "
		  "\"action\": \"SCMP_ACT_ALLOW\"}, {\"names\": [\"a\"], \"action\": \"SCMP_ACT_ALLOW\"}, "
		  "{\"names\": [\"a\"], \"action\": \"SCMP_ACT_ALLOW\"}, {\"names\": [\"b\"], "
		  "\"action\": \"SCMP_ACT_FOO\"}]}",
		  "seccomp profile /x.json: syscalls[3].action: unknown action \"SCMP_ACT_FOO\"" },
		{ "{\"syscalls\": []}", "seccomp profile /x.json: defaultAction: missing" },
		{ "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"bogus\": 1}",
		  "seccomp profile /x.json: bogus: unknown field" },
		{ "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": [\"SCMP_ARCH_VAX\"]}",
		  "seccomp profile /x.json: architectures[0]: unknown architecture \"SCMP_ARCH_VAX\"" },
		{ "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], "
		  "\"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 7, \"op\": \"SCMP_CMP_EQ\"}]}]}",
		  "seccomp profile /x.json: syscalls[0].args[0].index: not an argument index in 0..5" },
		{ "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], "
		  "\"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 1, \"op\": \"SCMP_CMP_XX\"}]}]}",
		  "seccomp profile /x.json: syscalls[0].args[0].op: unknown operator \"SCMP_CMP_XX\"" },
		{ "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"action\": \"SCMP_ACT_ALLOW\"}]}",
		  "seccomp profile /x.json: syscalls[0].names: missing or empty" },
		{ "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], "
		  "\"action\": \"SCMP_ACT_ALLOW\", \"includes\": {\"caps\": [\"CAP_NOPE\"]}}]}",
		  "seccomp profile /x.json: syscalls[0].includes.caps[0]: unknown capability" },
		{ "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], "
		  "\"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": -1}]}",
		  "seccomp profile /x.json: syscalls[0].action: errnoRet is not a number in 0..65535" },
		{ "{\"defaultAction\": \"SCMP_ACT_NOTIFY\"}",
		  "seccomp profile /x.json: defaultAction: SCMP_ACT_NOTIFY is not supported" },
		{ "{\"defaultAction\": ", "seccomp profile /x.json: line 1 column 18: " },
		{ "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"defaultAction\": \"SCMP_ACT_LOG\"}",
		  "seccomp profile /x.json: line 1 column " },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct sc_profile *p = NULL;
		struct taper_err err = { 0 };

		assert_int_equal(parse(cases[i].json, &p, &err), -EINVAL);
		assert_null(p);
		if (strncmp(err.msg, cases[i].msg, strlen(cases[i].msg)) != 0)
			fail_msg("case %zu: got \"%s\", want \"%s\"", i, err.msg, cases[i].msg);
		assert_null(strchr(err.msg, '\n'));
	}
}

static void test_prepare_missing_file(void **state)
{
	struct security_seccomp *f = NULL;
	struct taper_err err = { 0 };

	assert_int_equal(security_seccomp_prepare("/nonexistent/p.json", 0, false, &f, &err), -ENOENT);
	assert_string_equal(err.msg, "seccomp profile /nonexistent/p.json: No such file or directory");
	assert_int_equal(security_seccomp_prepare("unconfined", 0, false, &f, &err), 0);
	assert_null(f);
}

static void test_cache_roundtrip(void **state)
{
	char dir[] = "/tmp/taper-test-seccomp-XXXXXX";
	char sub[sizeof(dir) + 16];
	_cleanup_free_ struct security_seccomp *a = NULL, *b = NULL, *c = NULL;
	struct taper_err err = { 0 };
	struct sc_cache_key key;
	struct sc_env env;

	assert_non_null(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/seccomp", dir);
	sc_env_init(&env, spec_caps_default(), false);
	assert_int_equal(sc_cache_key_init(&key, &sc_default_profile, &env), 0);
	assert_int_equal(sc_cache_read(sub, &key, &a), -ENOENT);
	assert_int_equal(sc_prepare_at("default", spec_caps_default(), false, sub, &a, &err), 0);
	/* Written on the miss, read back identical on the hit. */
	assert_int_equal(sc_cache_read(sub, &key, &b), 0);
	assert_int_equal(a->len, b->len);
	assert_memory_equal(a->insns, b->insns, a->len * sizeof(a->insns[0]));
	/* Another build of the generator is another entry. */
	key.build_id[0] ^= 1;
	assert_int_equal(sc_cache_read(sub, &key, &c), -ENOENT);
	/* Another capability set is another entry. */
	sc_env_init(&env, spec_caps_default() | CAPB(CAP_SYS_ADMIN), false);
	sc_cache_key_init(&key, &sc_default_profile, &env);
	assert_int_equal(sc_cache_read(sub, &key, &c), -ENOENT);
	/* A group-writable directory is not trusted. */
	sc_env_init(&env, spec_caps_default(), false);
	sc_cache_key_init(&key, &sc_default_profile, &env);
	assert_int_equal(chmod(sub, 0770), 0);
	assert_int_equal(sc_cache_read(sub, &key, &c), -ENOENT);
	assert_int_equal(rm_rf_at(-100, dir), 0);
}

/* The cache's key names the code that generated the program. */
static void test_build_id_names_the_code(void **state)
{
	uint8_t ours[BUILD_ID_MAX], again[BUILD_ID_MAX], libc[BUILD_ID_MAX];
	int n;

	(void)state;
	n = build_id_of((const void *)sc_cache_key_init, ours);
	assert_true(n >= 16 && n <= BUILD_ID_MAX); /* sha1: 20 bytes */
	/* Anything in the same object has the same id, another object another. */
	assert_int_equal(build_id_of((const void *)test_build_id_names_the_code, again), n);
	assert_memory_equal(ours, again, (size_t)n);
	n = build_id_of((const void *)memcpy, libc);
	assert_true(n > 0);
	assert_memory_not_equal(ours, libc, 16);
	/* No object holds the zero page. */
	assert_int_equal(build_id_of((const void *)16, libc), -ENOENT);
}

static void test_cache_rejects_truncated(void **state)
{
	char dir[] = "/tmp/taper-test-seccomp-XXXXXX";
	_cleanup_free_ struct security_seccomp *a = NULL, *b = NULL;
	struct taper_err err = { 0 };
	struct sc_cache_key key;
	struct sc_env env;
	char path[320];
	struct stat st;

	assert_non_null(mkdtemp(dir));
	assert_int_equal(sc_prepare_at("default", 0, false, dir, &a, &err), 0);
	sc_env_init(&env, 0, false);
	sc_cache_key_init(&key, &sc_default_profile, &env);
	assert_int_equal(sc_cache_read(dir, &key, &b), 0);
	free(TAKE_PTR(b));
	/* Find the one entry and cut its last instruction off. */
	_cleanup_closedir_ DIR *d = opendir(dir);
	struct dirent *de;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(truncate(path, st.st_size - 8), 0);
	assert_int_equal(sc_cache_read(dir, &key, &b), -ENOENT);
	assert_int_equal(rm_rf_at(-100, dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_denies_dangerous),
		cmocka_unit_test(test_default_denies_io_uring),
		cmocka_unit_test(test_default_allows_common),
		cmocka_unit_test(test_default_caps_gate),
		cmocka_unit_test(test_default_clone_filtered),
		cmocka_unit_test(test_table_names_resolve),
		cmocka_unit_test(test_compile_default),
		cmocka_unit_test(test_prepare_default_generated),
		cmocka_unit_test(test_json_good),
		cmocka_unit_test(test_json_errors),
		cmocka_unit_test(test_prepare_missing_file),
		cmocka_unit_test(test_cache_roundtrip),
		cmocka_unit_test(test_build_id_names_the_code),
		cmocka_unit_test(test_cache_rejects_truncated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
