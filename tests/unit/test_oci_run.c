/* An OCI config.json compiled and run by the one executor: what the
 * compiler added to the spec (umask, domainname, sysctl, personality,
 * scheduler and I/O priority, device nodes, mount flags and propagation,
 * the root's propagation, an inline seccomp filter, the console size) is
 * what the container sees. Real namespaces on a busybox rootfs; needs
 * root (skipped otherwise). */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "run/run.h"
#include "spec/oci.h"
#include "spec/spec.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/strv.h"

#include "busybox-root.h"

static char bundle[64];

static int setup(void **state)
{
	static const char *const applets[] = { "sh",   "cat",  "echo",  "umask", "uname", "awk",    "ionice",
					       "stat", "grep", "mkdir", "stty",  "ln",    "chroot", NULL };
	char p[128];

	if (geteuid() != 0)
		return 0;
	snprintf(bundle, sizeof(bundle), "/tmp/taper-unit-ocirun-XXXXXX");
	if (!mkdtemp(bundle))
		return -1;
	chmod(bundle, 0755);
	snprintf(p, sizeof(p), "%s/src", bundle);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/rootfs", bundle);
	return busybox_root(p, applets);
}

static int teardown(void **state)
{
	if (bundle[0])
		rm_rf_at(AT_FDCWD, bundle);
	return 0;
}

/* A config running `sh -c cmd`, with more properties in process and
 * linux and at the top level. */
static struct taper_spec *compile(const char *cmd, const char *process, const char *lnx, const char *top)
{
	_cleanup_free_ char *text = NULL;
	struct taper_spec *s = NULL;
	struct taper_err err = { 0 };

	assert_true(
		asprintf(
			&text,
			"{\"ociVersion\": \"1.1.0\", \"root\": {\"path\": \"rootfs\"},"
			" \"process\": {\"args\": [\"sh\", \"-c\", \"%s\"], \"cwd\": \"/\","
			" \"env\": [\"PATH=/bin\"]%s%s%s},"
			" \"linux\": {\"namespaces\": [{\"type\": \"mount\"}, {\"type\": \"pid\"}, {\"type\": \"uts\"},"
			" {\"type\": \"ipc\"}, {\"type\": \"network\"}]%s%s}%s%s}",
			cmd, strstr(process, "\"user\"") ? "" : ", \"user\": {\"uid\": 0, \"gid\": 0}",
			*process ? ", " : "", process, *lnx ? ", " : "", lnx, *top ? ", " : "", top) > 0);
	if (spec_from_oci_json(text, strlen(text), bundle, &s, &err) < 0)
		fail_msg("refused: %s", err.msg);
	/* No cgroup in these tests: device rules need one. */
	free(s->limits.devices);
	s->limits.devices = NULL;
	s->limits.n_devices = 0;
	return s;
}

/* Run spec with stdout and stderr into one pipe; its output, exit in ex. */
static char *run(const struct taper_spec *spec, struct run_exit *ex)
{
	struct run_child *c = NULL;
	struct taper_err err = { 0 };
	struct run_opts o;
	char *out;
	int p[2];

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	run_opts_init(&o);
	o.stdio[1] = p[1];
	o.stdio[2] = p[1];
	if (run_spawn(spec, &o, &c, &err) < 0)
		fail_msg("run_spawn: %s", err.msg);
	close(p[1]);
	out = slurp(p[0]);
	close(p[0]);
	assert_int_equal(run_wait(c, ex, &err), 0);
	run_child_free(c);
	return out;
}

static void test_process_properties(void **state)
{
	struct taper_spec *s;
	struct run_exit ex;
	char *out;

	if (geteuid() != 0)
		skip();
	s = compile("umask; uname -m; cat /proc/sys/kernel/domainname /proc/self/oom_score_adj;"
		    " awk '{print $41}' /proc/self/stat; ionice",
		    "\"user\": {\"uid\": 0, \"gid\": 0, \"umask\": 23}, \"oomScoreAdj\": 123,"
		    " \"scheduler\": {\"policy\": \"SCHED_BATCH\"},"
		    " \"ioPriority\": {\"class\": \"IOPRIO_CLASS_BE\", \"priority\": 6}",
		    "\"personality\": {\"domain\": \"LINUX32\"}", "\"domainname\": \"example.org\"");
	out = run(s, &ex);
	assert_int_equal(ex.code, 0);
	/* 3 is SCHED_BATCH. */
	assert_string_equal(out, "0027\ni686\nexample.org\n123\n3\nbest-effort: prio 6\n");
	spec_free(s);
}

static void test_sysctl_before_proc_sys_is_read_only(void **state)
{
	struct taper_spec *s;
	struct run_exit ex;
	char *out;

	if (geteuid() != 0)
		skip();
	s = compile("cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmax;"
		    " echo 0 > /proc/sys/net/ipv4/ip_forward || echo read-only",
		    "",
		    "\"sysctl\": {\"net.ipv4.ip_forward\": \"1\", \"kernel.shmmax\": \"65536\"},"
		    " \"readonlyPaths\": [\"/proc/sys\"]",
		    "");
	out = run(s, &ex);
	assert_non_null(strstr(out, "1\n65536\n"));
	assert_non_null(strstr(out, "read-only"));
	spec_free(s);
}

static void test_device_nodes(void **state)
{
	struct taper_spec *s;
	struct run_exit ex;
	char *out;

	if (geteuid() != 0)
		skip();
	s = compile(
		"stat -c '%t:%T %a %u:%g %F' /dev/mynull /dev/sub/fifo; echo x > /dev/mynull && echo wrote",
		"",
		"\"devices\": [{\"type\": \"c\", \"path\": \"/dev/mynull\", \"major\": 1, \"minor\": 3,"
		" \"fileMode\": 384, \"uid\": 0, \"gid\": 34},"
		" {\"type\": \"p\", \"path\": \"/dev/sub/fifo\", \"fileMode\": 420}]",
		"");
	out = run(s, &ex);
	assert_string_equal(out, "1:3 600 0:34 character special file\n0:0 644 0:0 fifo\nwrote\n");
	spec_free(s);
}

static void test_mount_flags_and_propagation(void **state)
{
	_cleanup_free_ char *top = NULL;
	struct taper_spec *s;
	struct run_exit ex;
	char *out;

	if (geteuid() != 0)
		skip();
	assert_true(
		asprintf(
			&top,
			"\"mounts\": ["
			"{\"destination\": \"/scratch\", \"type\": \"tmpfs\", \"source\": \"tmpfs\","
			" \"options\": [\"noatime\", \"nodev\", \"size=1m\", \"shared\"]},"
			"{\"destination\": \"/data\", \"source\": \"src\","
			" \"options\": [\"rbind\", \"ro\", \"nosymfollow\", \"strictatime\", \"private\"]}]") >
		0);
	s = compile("grep -E ' /(scratch|data) ' /proc/self/mountinfo; grep ' / rw' /proc/self/mountinfo;"
		    " ln -s /tmp /data/l 2>/dev/null || echo ro",
		    "", "\"rootfsPropagation\": \"private\"", top);
	out = run(s, &ex);
	if (!strstr(out, "/scratch rw,nodev,noatime shared:") || !strstr(out, "/data ro,nosymfollow") ||
	    !strstr(out, "ro\n"))
		fail_msg("mountinfo:\n%s", out);
	/* A private root: no "master:" tag (the default is a slave). */
	if (!strstr(out, " / rw") || strstr(strstr(out, " / rw"), "master:"))
		fail_msg("mountinfo:\n%s", out);
	spec_free(s);
}

static void test_inline_seccomp(void **state)
{
	struct taper_spec *s;
	struct run_exit ex;
	char *out;

	if (geteuid() != 0)
		skip();
	s = compile("mkdir /tmp/x || echo refused; chroot / true; echo status=$?", "",
		    "\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": ["
		    "{\"names\": [\"mkdir\", \"mkdirat\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 38},"
		    "{\"names\": [\"chroot\"], \"action\": \"SCMP_ACT_KILL_PROCESS\"}]}",
		    "");
	out = run(s, &ex);
	if (!strstr(out, "Function not implemented"))
		fail_msg("%s (exit %d signal %d)", out, ex.code, ex.signal);
	assert_non_null(strstr(out, "refused"));
	/* chroot killed its process with SIGSYS; the shell went on. */
	assert_non_null(strstr(out, "status=159"));
	assert_int_equal(ex.code, 0);
	spec_free(s);
}

static void test_inline_seccomp_error_names_the_config(void **state)
{
	struct taper_spec *s;
	struct run_child *c = NULL;
	struct taper_err err = { 0 };
	struct run_opts o;

	if (geteuid() != 0)
		skip();
	s = compile(
		"true", "",
		"\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": [\"SCMP_ARCH_FOO\"]}",
		"");
	run_opts_init(&o);
	assert_true(run_spawn(s, &o, &c, &err) < 0);
	assert_null(c);
	if (!strstr(err.msg, "config.json: linux.seccomp") || !strstr(err.msg, "architectures[0]"))
		fail_msg("%s", err.msg);
	spec_free(s);
}

static void test_console_size(void **state)
{
	struct taper_spec *s;
	struct run_child *c = NULL;
	struct taper_err err = { 0 };
	struct run_opts o;
	struct run_exit ex;
	char *out;

	if (geteuid() != 0)
		skip();
	s = compile("stty size", "\"terminal\": true, \"consoleSize\": {\"height\": 25, \"width\": 91}", "",
		    "");
	run_opts_init(&o);
	if (run_spawn(s, &o, &c, &err) < 0)
		fail_msg("run_spawn: %s", err.msg);
	out = slurp(run_child_pty_master(c));
	assert_int_equal(run_wait(c, &ex, &err), 0);
	assert_non_null(strstr(out, "25 91"));
	run_child_free(c);
	spec_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_process_properties),
		cmocka_unit_test(test_sysctl_before_proc_sys_is_read_only),
		cmocka_unit_test(test_device_nodes),
		cmocka_unit_test(test_mount_flags_and_propagation),
		cmocka_unit_test(test_inline_seccomp),
		cmocka_unit_test(test_inline_seccomp_error_names_the_config),
		cmocka_unit_test(test_console_size),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
