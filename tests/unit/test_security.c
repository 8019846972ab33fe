/* Real processes: fork, apply caps/rlimits/nnp/seccomp, observe the kernel. */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "security/security.h"
#include "spec/spec.h"
#include "util/cleanup.h"
#include "util/fs.h"

#define CAPB(c) (UINT64_C(1) << (c))

/* The child writes one line describing the first failed check to fd and
 * exits 1, or exits 0 silently. */
typedef int (*child_fn)(int fd, void *arg);

static void report(int fd, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0 && write(fd, buf, (size_t)n) < 0)
		_exit(3);
}

static void run_child(child_fn fn, void *arg)
{
	int p[2], status;
	char msg[512] = { 0 };
	pid_t pid;

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		_exit(fn(p[1], arg) == 0 ? 0 : 1);
	}
	close(p[1]);
	if (read(p[0], msg, sizeof(msg) - 1) < 0)
		msg[0] = '\0';
	close(p[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("child failed (status 0x%x): %s", status, msg);
}

/* "CapEff:\t0000000000000400" -> value of that line in /proc/self/status. */
static int status_field(const char *key, char *out, size_t n)
{
	char buf[4096];
	_cleanup_close_ int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	ssize_t len = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	const char *p, *e;

	if (len <= 0)
		return -1;
	buf[len] = '\0';
	p = strstr(buf, key);
	if (!p)
		return -1;
	p += strlen(key);
	while (*p == ':' || *p == '\t' || *p == ' ')
		p++;
	e = strchr(p, '\n');
	snprintf(out, n, "%.*s", (int)(e ? e - p : (ptrdiff_t)strlen(p)), p);
	return 0;
}

static int check_hex(int fd, const char *key, uint64_t want)
{
	char v[64];

	if (status_field(key, v, sizeof(v)) < 0) {
		report(fd, "no %s in /proc/self/status", key);
		return -1;
	}
	if (strtoull(v, NULL, 16) != want) {
		report(fd, "%s is %s, want %016llx", key, v, (unsigned long long)want);
		return -1;
	}
	return 0;
}

#define EXPECT_ERRNO(fd, call, want)                                                             \
	do {                                                                                     \
		errno = 0;                                                                       \
		long _r = (long)(call);                                                          \
		if (_r != -1 || errno != (want)) {                                               \
			report(fd, "%s: ret %ld errno %d (%s), want errno %d", #call, _r, errno, \
			       strerror(errno), (want));                                         \
			return -1;                                                               \
		}                                                                                \
	} while (0)

struct filter_case {
	struct security_seccomp *filter;
	bool sys_admin;
};

static int child_default_filter(int fd, void *arg)
{
	struct filter_case *c = arg;
	struct taper_err err = { 0 };
	char buf[1];

	if (security_set_no_new_privs(true, &err) < 0 || security_seccomp_load(c->filter, &err) < 0) {
		report(fd, "%s", err.msg);
		return -1;
	}
	EXPECT_ERRNO(fd, syscall(SYS_keyctl, 0, 0, 0, 0, 0), EPERM);
	EXPECT_ERRNO(fd, syscall(SYS_add_key, "user", "x", "y", 1, 0), EPERM);
	EXPECT_ERRNO(fd, syscall(SYS_userfaultfd, 0), EPERM);
	EXPECT_ERRNO(fd, personality(0x0040000 /* ADDR_NO_RANDOMIZE */), EPERM);
	EXPECT_ERRNO(fd, socket(40 /* AF_VSOCK */, SOCK_STREAM, 0), EPERM);
	EXPECT_ERRNO(fd, read(-1, buf, 1), EBADF); /* allowed: the kernel answers */
	if (c->sys_admin) {
		/* Allowed by the filter: the kernel finds no such target. */
		EXPECT_ERRNO(fd, mount("none", "/nonexistent-taper", "tmpfs", 0, NULL), ENOENT);
	} else {
		EXPECT_ERRNO(fd, mount("none", "/nonexistent-taper", "tmpfs", 0, NULL), EPERM);
		EXPECT_ERRNO(fd, unshare(CLONE_NEWUSER), EPERM);
		EXPECT_ERRNO(fd, syscall(SYS_bpf, 0, NULL, 0), EPERM);
		EXPECT_ERRNO(fd, syscall(SYS_clone3, NULL, 0), ENOSYS);
		EXPECT_ERRNO(fd, syscall(SYS_clone, CLONE_NEWNET | SIGCHLD, 0, 0, 0, 0), EPERM);
	}
	return 0;
}

static void test_default_filter_in_child(void **state)
{
	struct filter_case c = { 0 };
	struct taper_err err = { 0 };

	assert_int_equal(security_seccomp_prepare("default", spec_caps_default(), false, &c.filter, &err), 0);
	run_child(child_default_filter, &c);
	security_seccomp_free(c.filter);

	c.sys_admin = true;
	assert_int_equal(security_seccomp_prepare("default", spec_caps_default() | CAPB(CAP_SYS_ADMIN), true,
						  &c.filter, &err),
			 0);
	run_child(child_default_filter, &c);
	security_seccomp_free(c.filter);
}

struct apply_case {
	struct taper_process p;
	struct security_seccomp *filter;
	bool exec_check;
};

static int child_apply(int fd, void *arg)
{
	struct apply_case *c = arg;
	struct taper_err err = { 0 };
	char v[128];

	if (security_apply(&c->p, c->filter, &err) < 0) {
		report(fd, "security_apply: %s", err.msg);
		return -1;
	}
	if (check_hex(fd, "CapEff", c->p.caps.effective) < 0 ||
	    check_hex(fd, "CapPrm", c->p.caps.permitted) < 0 ||
	    check_hex(fd, "CapInh", c->p.caps.inheritable) < 0 ||
	    check_hex(fd, "CapBnd", c->p.caps.bounding) < 0 || check_hex(fd, "CapAmb", c->p.caps.ambient) < 0)
		return -1;
	if (status_field("NoNewPrivs", v, sizeof(v)) < 0 || strcmp(v, c->p.no_new_privs ? "1" : "0") != 0) {
		report(fd, "NoNewPrivs is %s", v);
		return -1;
	}
	if (status_field("Seccomp", v, sizeof(v)) < 0 || strcmp(v, c->filter ? "2" : "0") != 0) {
		report(fd, "Seccomp is %s", v);
		return -1;
	}
	if (getuid() != c->p.uid || geteuid() != c->p.uid || getgid() != c->p.gid) {
		report(fd, "uid %u gid %u", getuid(), getgid());
		return -1;
	}
	if (prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0) {
		report(fd, "still dumpable");
		return -1;
	}
	if (c->filter)
		EXPECT_ERRNO(fd, syscall(SYS_keyctl, 0, 0, 0, 0, 0), EPERM);
	if (c->exec_check) {
		/* Ambient caps survive execve of an unprivileged binary. */
		char cmd[160];

		snprintf(cmd, sizeof(cmd),
			 "grep -q '^CapEff:.%016llx$' /proc/self/status || "
			 "{ grep Cap /proc/self/status; exit 1; }",
			 (unsigned long long)c->p.caps.ambient);
		if (dup2(fd, 1) < 0)
			return -1;
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		report(fd, "exec /bin/sh: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static const uint64_t small_set = CAPB(CAP_CHOWN) | CAPB(CAP_NET_BIND_SERVICE) | CAPB(CAP_SETPCAP);

static void test_apply_root_default(void **state)
{
	struct apply_case c = { 0 };
	struct taper_err err = { 0 };

	c.p.no_new_privs = true;
	c.p.caps =
		(struct taper_caps){ .bounding = small_set, .effective = small_set, .permitted = small_set };
	assert_int_equal(security_seccomp_prepare("default", small_set, false, &c.filter, &err), 0);
	run_child(child_apply, &c);
	security_seccomp_free(c.filter);
}

static void test_apply_user_keeps_caps(void **state)
{
	uint64_t nbs = CAPB(CAP_NET_BIND_SERVICE);
	gid_t groups[] = { 1001, 1002 };
	struct apply_case c = { 0 };
	struct taper_err err = { 0 };

	c.p.uid = 1000;
	c.p.gid = 1000;
	c.p.additional_gids = groups;
	c.p.n_additional_gids = 2;
	c.p.no_new_privs = true;
	c.p.caps = (struct taper_caps){
		.bounding = small_set, .effective = nbs, .permitted = nbs, .inheritable = nbs, .ambient = nbs
	};
	assert_int_equal(security_seccomp_prepare("default", small_set, false, &c.filter, &err), 0);
	c.exec_check = true;
	run_child(child_apply, &c);
	c.exec_check = false;
	run_child(child_apply, &c);
	security_seccomp_free(c.filter);
}

static void test_apply_without_nnp_loads_filter_first(void **state)
{
	struct apply_case c = { 0 };
	struct taper_err err = { 0 };

	/* No CAP_SYS_ADMIN afterwards: only loading before the drop works. */
	c.p.uid = 1000;
	c.p.gid = 1000;
	c.p.caps = (struct taper_caps){ .bounding = CAPB(CAP_CHOWN) };
	assert_int_equal(security_seccomp_prepare("default", 0, false, &c.filter, &err), 0);
	run_child(child_apply, &c);
	security_seccomp_free(c.filter);

	/* And no filter at all. */
	c.filter = NULL;
	run_child(child_apply, &c);
}

static int child_rlimits(int fd, void *arg)
{
	struct taper_rlimit lim[] = { { RLIMIT_NOFILE, 100, 200 }, { RLIMIT_CORE, 0, 0 } };
	struct taper_process p = { .rlimits = lim, .n_rlimits = 2 };
	struct taper_err err = { 0 };
	struct rlimit rl;

	if (security_set_rlimits(&p, &err) < 0) {
		report(fd, "%s", err.msg);
		return -1;
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur != 100 || rl.rlim_max != 200) {
		report(fd, "RLIMIT_NOFILE is %llu/%llu", (unsigned long long)rl.rlim_cur,
		       (unsigned long long)rl.rlim_max);
		return -1;
	}
	/* Raising the hard limit needs CAP_SYS_RESOURCE, absent from this
	 * machine's bounding set; where it is present the call succeeds. */
	lim[0] = (struct taper_rlimit){ RLIMIT_NOFILE, 100, 300 };
	p.n_rlimits = 1;
	if (prctl(PR_CAPBSET_READ, CAP_SYS_RESOURCE, 0, 0, 0) == 1)
		return 0;
	if (security_set_rlimits(&p, &err) != -EPERM ||
	    strcmp(err.msg, "rlimit RLIMIT_NOFILE: raising the hard limit from 200 to 300 needs "
			    "CAP_SYS_RESOURCE: Operation not permitted") != 0) {
		report(fd, "raise: %s", err.msg);
		return -1;
	}
	return 0;
}

static void test_rlimits(void **state)
{
	run_child(child_rlimits, NULL);
}

static int child_bounding(int fd, void *arg)
{
	struct taper_err err = { 0 };
	uint64_t keep = CAPB(CAP_KILL) | CAPB(CAP_SETPCAP);

	if (security_drop_bounding(keep, &err) < 0) {
		report(fd, "%s", err.msg);
		return -1;
	}
	return check_hex(fd, "CapBnd", keep);
}

static void test_drop_bounding(void **state)
{
	run_child(child_bounding, NULL);
}

static void test_caps_error_names_sets(void **state)
{
	struct taper_caps caps = { .effective = CAPB(CAP_SYS_ADMIN) }; /* not permitted */
	struct taper_err err = { 0 };

	assert_int_equal(security_set_caps(&caps, &err), -EPERM);
	assert_string_equal(err.msg, "capset effective 0x200000 permitted 0: Operation not permitted");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_filter_in_child),
		cmocka_unit_test(test_apply_root_default),
		cmocka_unit_test(test_apply_user_keeps_caps),
		cmocka_unit_test(test_apply_without_nnp_loads_filter_first),
		cmocka_unit_test(test_rlimits),
		cmocka_unit_test(test_drop_bounding),
		cmocka_unit_test(test_caps_error_names_sets),
	};

	if (geteuid() != 0) {
		print_message("skipped: needs root\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
