/* The OCI config.json compiler (src/spec/oci-*.c): a full config lands in
 * the spec field by field; every refusal is one line naming the file and
 * the JSON path; properties the spec does not define are handed back (or
 * refused when strict); the root stays in the bundle. No root needed. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "spec/oci.h"
#include "spec/spec.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/strv.h"

#define CORPUS TAPER_TESTS_DIR "/fuzz/corpus/oci-config/"

static char *fixture(const char *name, size_t *len)
{
	char *text = NULL;

	assert_int_equal(read_file_at(AT_FDCWD, name, 1 << 20, &text, len), 0);
	return text;
}

static struct taper_spec *compile_ok(const char *text, const char *bundle)
{
	struct taper_spec *s = NULL;
	struct taper_err err = { 0 };

	if (spec_from_oci_json(text, strlen(text), bundle, &s, &err) < 0)
		fail_msg("refused: %s", err.msg);
	assert_non_null(s);
	return s;
}

/* A minimal config with room for one more property in process, in linux
 * and at the top level. Not inlined: gcc 12 at -O3 then takes the string
 * for its local pointer's storage (a -Wdangling-pointer false positive). */
__attribute__((noinline)) static char *config(const char *process, const char *lnx, const char *top)
{
	char *s = NULL;

	assert_true(
		asprintf(
			&s,
			"{\"ociVersion\": \"1.1.0\", \"root\": {\"path\": \"rootfs\"},"
			" \"process\": {\"args\": [\"sh\"], \"cwd\": \"/\"%s%s%s},"
			" \"linux\": {\"namespaces\": [{\"type\": \"mount\"}, {\"type\": \"pid\"}, {\"type\": \"uts\"},"
			" {\"type\": \"ipc\"}, {\"type\": \"network\"}]%s%s}%s%s}",
			strstr(process, "\"user\"") ? "" : ", \"user\": {\"uid\": 0, \"gid\": 0}",
			*process ? ", " : "", process, *lnx ? ", " : "", lnx, *top ? ", " : "", top) > 0);
	return s;
}

/* "ambient" renamed to a property the spec does not define. */
static void drop_ambient(char *text, size_t len)
{
	size_t i;

	for (i = 0; i < len && strncmp(text + i, "\"ambient\"", 9) != 0; i++)
		;
	assert_true(i < len);
	text[i + 1] = 'x';
}

static void test_runc_spec_compiles(void **state)
{
	size_t len;
	_cleanup_free_ char *text = fixture(CORPUS "runc-spec.json", &len);
	struct taper_spec *s = NULL;
	struct taper_err err = { 0 };

	/* runc's own spec asks for ambient capabilities it does not make
	 * inheritable: runc drops them without a word, taper says so. */
	assert_true(spec_from_oci_json(text, len, "/b", &s, &err) < 0);
	assert_string_equal(err.msg,
			    "config.json: process.capabilities.ambient: CAP_KILL is not both permitted and "
			    "inheritable: it cannot be ambient");
	drop_ambient(text, len);
	if (spec_from_oci_json(text, len, "/b", &s, &err) < 0)
		fail_msg("refused: %s", err.msg);
	assert_string_equal(s->rootfs, "/b/rootfs");
	assert_true(s->rootfs_readonly);
	assert_string_equal(s->hostname, "runc");
	assert_true(s->process.terminal);
	assert_string_equal(s->process.argv[0], "sh");
	assert_int_equal(strv_length(s->process.env), 2);
	/* Its cgroup mount brings a cgroup namespace: see oci-config.c. */
	assert_int_equal(s->namespaces, TAPER_NS_PID | TAPER_NS_NET | TAPER_NS_IPC | TAPER_NS_UTS |
						TAPER_NS_MNT | TAPER_NS_CGROUP);
	assert_int_equal(s->process.caps.bounding, (1ULL << 29) | (1ULL << 5) | (1ULL << 10));
	assert_int_equal(s->process.caps.inheritable, 0);
	assert_int_equal(s->process.caps.ambient, 0);
	assert_true(s->process.no_new_privs);
	/* The runtime's own /proc, /dev, /sys... stand for the listed ones;
	 * the cgroup mount asks for the read-only view. */
	assert_int_equal(s->n_mounts, 0);
	assert_int_equal(s->cgroup_mount, TAPER_CGROUP_MOUNT_RO);
	assert_int_equal(strv_length(s->masked_paths), 10);
	assert_int_equal(strv_length(s->readonly_paths), 5);
	/* No seccomp object: no filter. */
	assert_null(s->process.seccomp);
	assert_null(s->process.seccomp_json);
	/* deny all, then the standard nodes. */
	assert_true(s->limits.n_devices > 1);
	assert_false(s->limits.devices[0].allow);
	assert_int_equal(s->limits.devices[0].type, 'a');
	assert_true(s->limits.devices[1].allow);
	spec_free(s);
}

static void test_runc_rootless_spec_compiles(void **state)
{
	size_t len;
	_cleanup_free_ char *text = fixture(CORPUS "runc-spec-rootless.json", &len);
	struct taper_spec *s = NULL;
	struct taper_err err = { 0 };

	drop_ambient(text, len);
	if (spec_from_oci_json(text, len, "/b", &s, &err) < 0)
		fail_msg("refused: %s", err.msg);
	assert_true(s->namespaces & TAPER_NS_USER);
	assert_false(s->namespaces & TAPER_NS_NET);
	assert_int_equal(s->n_uid_map, 1);
	assert_int_equal(s->uid_map[0].host_id, 0);
	spec_free(s);
}

static bool has(char **l, const char *s)
{
	return strv_contains(l, s);
}

static void test_hooks_land_in_the_spec(void **state)
{
	_cleanup_free_ char *text = config(
		"", "\"cgroupsPath\": \"system.slice:taper:c1\"",
		"\"hooks\": {\"prestart\": [{\"path\": \"/p\"}], \"createRuntime\": [{\"path\": \"/a\", \"args\": "
		"[\"a0\", \"a1\"], \"env\": [\"K=V\"], \"timeout\": 7}, {\"path\": \"/b\", \"args\": []}], "
		"\"poststop\": [{\"path\": \"/s\", \"env\": []}]}");
	struct taper_spec *s = compile_ok(text, "/bndl");

	(void)state;
	assert_string_equal(s->bundle, "/bndl");
	/* The systemd form is recorded; the front end decides (--systemd-cgroup). */
	assert_string_equal(s->cgroup_path, "system.slice:taper:c1");
	assert_int_equal(s->n_hooks[TAPER_HOOK_PRESTART], 1);
	assert_int_equal(s->n_hooks[TAPER_HOOK_CREATE_RUNTIME], 2);
	assert_int_equal(s->n_hooks[TAPER_HOOK_CREATE_CONTAINER], 0);
	assert_int_equal(s->n_hooks[TAPER_HOOK_POSTSTOP], 1);
	assert_string_equal(s->hooks[TAPER_HOOK_PRESTART][0].path, "/p");
	assert_null(s->hooks[TAPER_HOOK_PRESTART][0].args);
	assert_null(s->hooks[TAPER_HOOK_PRESTART][0].env);
	assert_int_equal(s->hooks[TAPER_HOOK_PRESTART][0].timeout, 0);
	assert_string_equal(s->hooks[TAPER_HOOK_CREATE_RUNTIME][0].args[1], "a1");
	assert_string_equal(s->hooks[TAPER_HOOK_CREATE_RUNTIME][0].env[0], "K=V");
	assert_int_equal(s->hooks[TAPER_HOOK_CREATE_RUNTIME][0].timeout, 7);
	/* No argv at all runs the path as argv[0]. */
	assert_null(s->hooks[TAPER_HOOK_CREATE_RUNTIME][1].args);
	/* An empty env is an empty environment, as a missing one. */
	assert_non_null(s->hooks[TAPER_HOOK_POSTSTOP][0].env);
	assert_null(s->hooks[TAPER_HOOK_POSTSTOP][0].env[0]);
	assert_true(spec_has_run_hooks(s));
	spec_free(s);
}

static void test_full_config_lands_in_the_spec(void **state)
{
	size_t len;
	_cleanup_free_ char *text = fixture(CORPUS "full.json", &len);
	struct taper_spec *s = NULL;
	struct taper_err err = { 0 };
	const struct taper_process *p;
	bool fuse = false;

	if (spec_from_oci_json(text, len, "/b", &s, &err) < 0)
		fail_msg("refused: %s", err.msg);
	p = &s->process;
	assert_int_equal(p->console_rows, 25);
	assert_int_equal(p->console_cols, 80);
	assert_int_equal(p->uid, 1000);
	assert_int_equal(p->gid, 100);
	assert_int_equal(p->umask, 077);
	assert_int_equal(p->n_additional_gids, 2);
	assert_int_equal(p->additional_gids[1], 10);
	assert_string_equal(p->cwd, "/home");
	assert_int_equal(p->caps.effective, 1ULL << 5);
	assert_int_equal(p->caps.inheritable, 1ULL << 0 | 1ULL << 5);
	assert_int_equal(p->n_rlimits, 2);
	assert_int_equal(p->oom_score_adj, 100);
	assert_int_equal(p->sched.policy, 3);
	assert_int_equal(p->sched.nice, 5);
	assert_int_equal(p->sched.flags, 1);
	assert_int_equal(p->io_priority, 2 << 13 | 6);
	assert_string_equal(s->domainname, "example.org");
	/* Mounts: three of the runtime's own, three extra. */
	assert_int_equal(s->n_mounts, 3);
	assert_string_equal(s->mounts[0].source, "/srv/data");
	assert_int_equal(s->mounts[0].flags, TAPER_MOUNT_BIND | TAPER_MOUNT_RECURSIVE | TAPER_MOUNT_READONLY |
						     TAPER_MOUNT_NOSUID);
	assert_int_equal(s->mounts[0].ms_flags, MS_NOATIME);
	assert_int_equal(s->mounts[0].propagation, MS_PRIVATE | MS_REC);
	assert_string_equal(s->mounts[1].source, "/b/hosts");
	assert_int_equal(s->mounts[1].flags, TAPER_MOUNT_BIND | TAPER_MOUNT_READONLY);
	assert_string_equal(s->mounts[2].fstype, "tmpfs");
	assert_string_equal(s->mounts[2].data, "size=1m,mode=1777");
	assert_int_equal(s->mounts[2].ms_flags, MS_SYNCHRONOUS);
	assert_int_equal(s->mounts[2].propagation, MS_SHARED);
	assert_true(has(s->annotations, "org.example.key=value"));
	assert_string_equal(s->ns_path[spec_ns_index(TAPER_NS_NET)], "/run/netns/n1");
	assert_true(s->namespaces & TAPER_NS_CGROUP);
	assert_int_equal(s->n_gid_map, 1);
	assert_int_equal(s->n_dev_nodes, 1);
	assert_string_equal(s->dev_nodes[0].path, "/dev/fuse");
	assert_int_equal(s->dev_nodes[0].mode, 0666);
	assert_string_equal(s->cgroup_path, "/machine/box");
	assert_int_equal(s->rootfs_propagation, MS_SLAVE | MS_REC);
	assert_true(has(s->sysctl, "net.ipv4.ip_forward=1"));
	assert_true(has(s->sysctl, "kernel.shmmax=65536"));
	assert_int_equal(s->personality, PER_LINUX32);
	/* Memory: swap is memory + swap in OCI, swap alone in the spec. */
	assert_int_equal(s->limits.memory_max, 512 << 20);
	assert_int_equal(s->limits.swap_max, 512 << 20);
	assert_int_equal(s->limits.cpu_shares, 512);
	assert_int_equal(s->limits.cpu_quota_us, 50000);
	assert_int_equal(s->limits.cpu_period_us, 100000);
	assert_string_equal(s->limits.cpuset_cpus, "0");
	assert_int_equal(s->limits.pids_max, 64);
	assert_true(s->limits.io_weight > 0);
	/* The config's rules first, the node it makes allowed after them. */
	assert_false(s->limits.devices[0].allow);
	assert_true(s->limits.devices[1].allow);
	assert_int_equal(s->limits.devices[1].access, TAPER_DEV_READ | TAPER_DEV_WRITE);
	for (size_t i = 2; i < s->limits.n_devices; i++)
		fuse |= s->limits.devices[i].major == 10 && s->limits.devices[i].minor == 229;
	assert_true(fuse);
	{
		static const struct {
			int version;
			const char *file, *value;
		} raw[] = {
			{ 1, "memory.soft_limit_in_bytes", "268435456" },
			{ 1, "memory.swappiness", "10" },
			{ 1, "blkio.throttle.read_bps_device", "8:0 1048576" },
			{ 1, "hugetlb.2MB.limit_in_bytes", "0" },
			{ 2, "memory.oom.group", "1" },
		};

		for (size_t k = 0; k < sizeof(raw) / sizeof(raw[0]); k++) {
			bool found = false;

			for (size_t i = 0; i < s->limits.n_raw; i++)
				found |= s->limits.raw[i].version == raw[k].version &&
					 strcmp(s->limits.raw[i].file, raw[k].file) == 0 &&
					 strcmp(s->limits.raw[i].value, raw[k].value) == 0;
			if (!found)
				fail_msg("no raw cgroup.v%d.%s = %s", raw[k].version, raw[k].file,
					 raw[k].value);
		}
	}
	assert_non_null(p->seccomp_json);
	assert_non_null(strstr(p->seccomp_json, "\"errnoRet\":38"));
	assert_string_equal(p->seccomp_label, "config.json: linux.seccomp");
	spec_free(s);
}

/* Each bad input: one line naming the file and the JSON path. */
static const struct bad {
	const char *process, *lnx, *top;
	const char *want;
} bad[] = {
	{ "\"terminal\": 1", "", "", "config.json: process.terminal: not true or false" },
	{ "\"consoleSize\": {\"height\": 70000}", "", "",
	  "config.json: process.consoleSize.height: 70000 out of range" },
	{ "\"commandLine\": \"sh\"", "", "",
	  "config.json: process.commandLine: a command line string is for Windows" },
	{ "\"env\": [\"NOVALUE\"]", "", "", "config.json: process.env[0]: \"NOVALUE\" is not KEY=VALUE" },
	{ "\"env\": [\"A=1\", 3]", "", "", "config.json: process.env[1]: not a string" },
	{ "\"capabilities\": {\"bounding\": [\"CAP_KILL\", \"CAP_FLY\"]}", "", "",
	  "config.json: process.capabilities.bounding[1]: unknown capability \"CAP_FLY\"" },
	{ "\"capabilities\": {\"ambient\": [\"kill\"]}", "", "",
	  "config.json: process.capabilities.ambient[0]: unknown capability \"kill\"" },
	{ "\"rlimits\": [{\"type\": \"RLIMIT_FLY\", \"soft\": 1, \"hard\": 1}]", "", "",
	  "config.json: process.rlimits[0].type: unknown rlimit \"RLIMIT_FLY\"" },
	{ "\"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"soft\": 9, \"hard\": 1}]", "", "",
	  "config.json: process.rlimits[0]: soft limit 9 above the hard one 1" },
	{ "\"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"soft\": 1}]", "", "",
	  "config.json: process.rlimits[0].hard: not an integer" },
	{ "\"apparmorProfile\": \"docker-default\"", "", "",
	  "config.json: process.apparmorProfile: AppArmor is not supported" },
	{ "\"selinuxLabel\": \"system_u:r\"", "", "",
	  "config.json: process.selinuxLabel: SELinux labels are not supported" },
	{ "\"oomScoreAdj\": 1001", "", "", "config.json: process.oomScoreAdj: 1001 out of range" },
	{ "\"scheduler\": {\"policy\": \"SCHED_ISO\"}", "", "",
	  "config.json: process.scheduler.policy: unknown or unsupported policy \"SCHED_ISO\"" },
	{ "\"scheduler\": {\"policy\": \"SCHED_DEADLINE\"}", "", "",
	  "config.json: process.scheduler: SCHED_DEADLINE needs runtime and deadline" },
	{ "\"scheduler\": {\"policy\": \"SCHED_RR\", \"flags\": [\"SCHED_FLAG_X\"]}", "", "",
	  "config.json: process.scheduler.flags[0]: unknown flag \"SCHED_FLAG_X\"" },
	{ "\"ioPriority\": {\"class\": \"IOPRIO_CLASS_BE\", \"priority\": 8}", "", "",
	  "config.json: process.ioPriority.priority: 8 out of range" },
	{ "\"ioPriority\": {\"class\": \"IOPRIO_CLASS_NONE\"}", "", "",
	  "config.json: process.ioPriority.class: unknown class \"IOPRIO_CLASS_NONE\"" },
	{ "\"execCPUAffinity\": {\"initial\": \"0\"}", "", "",
	  "config.json: process.execCPUAffinity: CPU affinity" },
	{ "\"user\": {\"uid\": -1, \"gid\": 0}", "", "", "config.json: process.user.uid: -1 out of range" },
	{ "\"user\": {\"uid\": 0, \"gid\": 0, \"umask\": 512}", "", "",
	  "config.json: process.user.umask: 512 out of range" },
	{ "\"user\": {\"uid\": 0, \"gid\": 0, \"username\": \"root\"}", "", "",
	  "config.json: process.user.username: user names are for Windows" },
	{ "\"user\": {\"uid\": 0, \"gid\": 0, \"additionalGids\": [1, \"x\"]}", "", "",
	  "config.json: process.user.additionalGids[1]: not an integer" },
	{ "", "", "\"hostname\": 3", "config.json: hostname: not a string" },
	{ "", "",
	  "\"domainname\": \"0123456789012345678901234567890123456789012345678901234567890123456789\"",
	  "config.json: domainname: longer than 64 bytes" },
	{ "", "", "\"solaris\": {\"milestone\": \"x\"}", "config.json: solaris: not a Linux container" },
	{ "", "", "\"hooks\": {\"prestart\": [{\"path\": \"true\"}]}",
	  "config.json: hooks.prestart[0].path: \"true\" is not an absolute path" },
	{ "", "", "\"hooks\": {\"poststop\": [{\"args\": [\"x\"]}]}",
	  "config.json: hooks.poststop[0].path: missing" },
	{ "", "", "\"hooks\": {\"createRuntime\": [{\"path\": \"/x\", \"timeout\": 0}]}",
	  "config.json: hooks.createRuntime[0].timeout: 0 out of range (1 to 4294967295)" },
	{ "", "", "\"hooks\": {\"poststart\": [{\"path\": \"/x\", \"env\": [\"NOEQUALS\"]}]}",
	  "config.json: hooks.poststart[0].env: \"NOEQUALS\" is not KEY=VALUE" },
	{ "", "", "\"hooks\": {\"startContainer\": {\"path\": \"/x\"}}",
	  "config.json: hooks.startContainer: not an array" },
	{ "", "", "\"annotations\": {\"a\": 1}", "config.json: annotations.a: not a string" },
	{ "", "", "\"mounts\": [{\"type\": \"tmpfs\"}]", "config.json: mounts[0].destination: missing" },
	{ "", "", "\"mounts\": [{\"destination\": \"rel\", \"type\": \"tmpfs\"}]",
	  "config.json: mounts[0].destination: \"rel\" is not an absolute path" },
	{ "", "", "\"mounts\": [{\"destination\": \"/x\"}]",
	  "config.json: mounts[0].type: missing, and no bind or rbind option" },
	{ "", "", "\"mounts\": [{\"destination\": \"/x\", \"type\": \"bind\"}]",
	  "config.json: mounts[0].source: missing for a bind mount" },
	{ "", "",
	  "\"mounts\": [{\"destination\": \"/x\", \"source\": \"/y\", \"options\": [\"bind\", \"size=1m\"]}]",
	  "config.json: mounts[0].options: \"size=1m\" is not an option of a bind mount" },
	{ "", "",
	  "\"mounts\": [{\"destination\": \"/x\", \"source\": \"/y\", \"options\": [\"rbind\", \"sync\"]}]",
	  "config.json: mounts[0].options: sync, dirsync, lazytime, mand and silent are not supported on a bind mount" },
	{ "", "",
	  "\"mounts\": [{\"destination\": \"/x\", \"source\": \"/y\", \"options\": [\"rbind\", \"idmap\"]}]",
	  "config.json: mounts[0]: idmap without uidMappings and gidMappings takes the user namespace's maps, "
	  "and the container has no user namespace" },
	{ "", "",
	  "\"mounts\": [{\"destination\": \"/x\", \"source\": \"/y\", \"options\": [\"bind\"], \"uidMappings\": "
	  "[{\"containerID\": 0, \"hostID\": 1, \"size\": 1}]}]",
	  "config.json: mounts[0].gidMappings: missing: an idmapped mount maps both uids and gids (or takes the "
	  "user namespace's maps when neither is given)" },
	{ "", "", "\"mounts\": [{\"destination\": \"/x\", \"type\": \"tmpfs\", \"options\": [\"ridmap\"]}]",
	  "config.json: mounts[0].options: idmap on a tmpfs mount: only a bind mount can be idmapped" },
	{ "", "", "\"mounts\": [{\"destination\": \"/x\", \"type\": \"ext4\", \"source\": \"/dev/sda1\"}]",
	  "config.json: mounts[0].source: a ext4 filesystem from a host path is not supported" },
	{ "", "",
	  "\"mounts\": [{\"destination\": \"/dev\", \"type\": \"tmpfs\", \"options\": [\"size=1g\"]}]",
	  "config.json: mounts[0]: the container's /dev is the runtime's own" },
	{ "", "",
	  "\"mounts\": [{\"destination\": \"/sys/fs/cgroup\", \"type\": \"cgroup\", \"options\": [\"memory\"]}]",
	  "config.json: mounts[0]: option \"memory\" of the cgroup mount is not supported" },
	{ "", "", "\"mounts\": [{\"destination\": \"/x\", \"type\": \"tmpfs\", \"options\": [\"a,b\"]}]",
	  "config.json: mounts[0].options[0]: invalid option \"a,b\"" },
	{ "", "", "\"mounts\": [{\"destination\": \"/x\", \"type\": \"tmpfs\", \"options\": [\"remount\"]}]",
	  "config.json: mounts[0].options[0]: option \"remount\" is not supported" },
	{ "", "\"uidMappings\": [{\"containerID\": 0, \"hostID\": 1000, \"size\": 0}]", "",
	  "config.json: linux.uidMappings[0].size: 0 ids do not fit" },
	{ "", "\"uidMappings\": [{\"containerID\": 0, \"hostID\": 1000, \"size\": 1}]", "",
	  "config.json: linux.uidMappings: id mappings without a user namespace" },
	{ "", "\"timeOffsets\": {\"monotonic\": {\"secs\": 1}}", "",
	  "config.json: linux.timeOffsets: time namespace offsets are not supported" },
	{ "", "\"devices\": [{\"type\": \"x\", \"path\": \"/dev/x\"}]", "",
	  "config.json: linux.devices[0].type: \"x\" is not c, b, u or p" },
	{ "", "\"devices\": [{\"type\": \"c\", \"path\": \"/etc/x\", \"major\": 1, \"minor\": 3}]", "",
	  "config.json: linux.devices[0].path: \"/etc/x\" is not a path under /dev" },
	{ "", "\"devices\": [{\"type\": \"c\", \"path\": \"/dev/../etc/x\", \"major\": 1, \"minor\": 3}]", "",
	  "config.json: linux.devices[0].path: \"/dev/../etc/x\" is not a path under /dev" },
	{ "", "\"devices\": [{\"type\": \"c\", \"path\": \"/dev/x\", \"minor\": 3}]", "",
	  "config.json: linux.devices[0].major: not an integer" },
	{ "", "\"cgroupsPath\": \"/a/../../b\"", "",
	  "config.json: linux.cgroupsPath: \"/a/../../b\" is not a cgroup path" },
	{ "", "\"cgroupsPath\": \"/a//b\"", "",
	  "config.json: linux.cgroupsPath: \"/a//b\" is not a cgroup path" },
	{ "", "\"cgroupsPath\": \"/\"", "", "config.json: linux.cgroupsPath: \"/\" is not a cgroup path" },
	{ "", "\"cgroupsPath\": \"a:b:c:d\"", "",
	  "config.json: linux.cgroupsPath: \"a:b:c:d\" is not a cgroup path" },
	{ "", "\"rootfsPropagation\": \"sideways\"", "",
	  "config.json: linux.rootfsPropagation: unknown propagation \"sideways\"" },
	{ "", "\"maskedPaths\": [\"proc/kcore\"]", "",
	  "config.json: linux.maskedPaths[0]: \"proc/kcore\" is not an absolute path" },
	{ "", "\"mountLabel\": \"system_u:object_r\"", "",
	  "config.json: linux.mountLabel: SELinux labels are not supported" },
	{ "", "\"sysctl\": {\"vm.swappiness\": \"1\"}", "",
	  "config.json: linux.sysctl.vm.swappiness: not a namespaced sysctl" },
	{ "", "\"sysctl\": {\"net.ipv4.ip_forward\": 1}", "",
	  "config.json: linux.sysctl.net.ipv4.ip_forward: not a string" },
	{ "", "\"intelRdt\": {\"closID\": \"x\"}", "",
	  "config.json: linux.intelRdt: Intel RDT (resctrl) is not supported" },
	{ "", "\"personality\": {\"domain\": \"BSD\"}", "",
	  "config.json: linux.personality.domain: unknown domain \"BSD\"" },
	{ "", "\"personality\": {\"domain\": \"LINUX\", \"flags\": [\"X\"]}", "",
	  "config.json: linux.personality.flags: no personality flag is defined by the runtime-spec" },
	{ "", "\"memoryPolicy\": {\"mode\": \"MPOL_BIND\"}", "",
	  "config.json: linux.memoryPolicy: NUMA memory policies are not supported" },
	{ "", "\"netDevices\": {\"eth1\": {}}", "", "config.json: linux.netDevices: moving network devices" },
	{ "", "\"resources\": {\"memory\": {\"limit\": \"1G\"}}", "",
	  "config.json: linux.resources.memory.limit: not an integer" },
	{ "", "\"resources\": {\"memory\": {\"kernel\": 1}}", "",
	  "config.json: linux.resources.memory.kernel: kernel memory limits are not supported" },
	{ "", "\"resources\": {\"memory\": {\"swap\": 100}}", "",
	  "config.json: linux.resources.memory.swap: a memory+swap limit needs memory.limit" },
	{ "", "\"resources\": {\"memory\": {\"limit\": 200, \"swap\": 100}}", "",
	  "config.json: linux.resources.memory.swap: 100 is below memory.limit 200" },
	{ "", "\"resources\": {\"memory\": {\"swappiness\": 101}}", "",
	  "config.json: linux.resources.memory.swappiness: 101 out of range" },
	{ "", "\"resources\": {\"cpu\": {\"shares\": -2}}", "",
	  "config.json: linux.resources.cpu.shares: -2 out of range" },
	{ "", "\"resources\": {\"cpu\": {\"cpus\": \"0-1;x\"}}", "",
	  "config.json: linux.resources.cpu.cpus: \"0-1;x\" is not a list" },
	{ "", "\"resources\": {\"pids\": {\"limit\": \"x\"}}", "",
	  "config.json: linux.resources.pids.limit: not an integer" },
	{ "", "\"resources\": {\"devices\": [{\"allow\": true, \"access\": \"rwx\"}]}", "",
	  "config.json: linux.resources.devices[0].access: \"rwx\" is not a set of r, w and m" },
	{ "", "\"resources\": {\"devices\": [{\"access\": \"r\"}]}", "",
	  "config.json: linux.resources.devices[0].allow: not true or false" },
	{ "", "\"resources\": {\"blockIO\": {\"weight\": 5}}", "",
	  "config.json: linux.resources.blockIO.weight: 5 out of range" },
	{ "", "\"resources\": {\"blockIO\": {\"throttleWriteIOPSDevice\": [{\"major\": 8, \"minor\": 0}]}}",
	  "", "config.json: linux.resources.blockIO.throttleWriteIOPSDevice[0].rate: not an integer" },
	{ "", "\"resources\": {\"hugepageLimits\": [{\"pageSize\": \"2 MB\", \"limit\": 1}]}", "",
	  "config.json: linux.resources.hugepageLimits[0].pageSize: \"2 MB\" is not a page size" },
	{ "", "\"resources\": {\"unified\": {\"../x\": \"1\"}}", "",
	  "config.json: linux.resources.unified.../x: not a controller's file" },
	{ "", "\"resources\": {\"network\": {\"priorities\": [{\"name\": \"a b\", \"priority\": 1}]}}", "",
	  "config.json: linux.resources.network.priorities[0].name: \"a b\" is not an interface name" },
	{ "", "\"seccomp\": {\"syscalls\": []}", "", "config.json: linux.seccomp.defaultAction: missing" },
	{ "", "\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"/run/agent.sock\"}",
	  "", "config.json: linux.seccomp.listenerPath: a seccomp agent (SCMP_ACT_NOTIFY) is not supported" },
	{ "",
	  "\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"x\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}",
	  "", "config.json: linux.seccomp.syscalls[0].action: SCMP_ACT_NOTIFY needs a seccomp agent" },
	{ "", "\"seccomp\": {\"defaultAction\": \"SCMP_ACT_FOO\"}", "",
	  "config.json: linux.seccomp.defaultAction: unknown action \"SCMP_ACT_FOO\"" },
	{ "", "\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"flags\": [\"SECCOMP_FILTER_FLAG_X\"]}",
	  "", "config.json: linux.seccomp.flags[0]: unknown value \"SECCOMP_FILTER_FLAG_X\"" },
	{ "",
	  "\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"x\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 6, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}]}]}",
	  "", "config.json: linux.seccomp.syscalls[0].args[0].index: 6 out of range" },
	{ "",
	  "\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"x\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_XOR\"}]}]}",
	  "", "config.json: linux.seccomp.syscalls[0].args[0].op: unknown operator \"SCMP_CMP_XOR\"" },
	{ "", "\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"comment\": \"x\"}", "",
	  "config.json: linux.seccomp.comment: unknown property of a seccomp filter" },
	{ "",
	  "\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [], \"action\": \"SCMP_ACT_LOG\"}]}",
	  "", "config.json: linux.seccomp.syscalls[0].names: empty" },
};

static void test_bad_inputs_name_their_path(void **state)
{
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		_cleanup_free_ char *text = NULL;
		struct taper_spec *s = NULL;
		struct taper_err err = { 0 };

		text = config(bad[i].process, bad[i].lnx, bad[i].top);
		if (spec_from_oci_json(text, strlen(text), "/b", &s, &err) == 0)
			fail_msg("accepted: %s", text);
		assert_null(s);
		if (!strstr(err.msg, bad[i].want) || strchr(err.msg, '\n'))
			fail_msg("for %s%s%s:\n want: %s\n got:  %s", bad[i].process, bad[i].lnx, bad[i].top,
				 bad[i].want, err.msg);
	}
}

static void expect_error(const char *text, const char *bundle, const char *want)
{
	struct taper_spec *s = NULL;
	struct taper_err err = { 0 };

	if (spec_from_oci_json(text, strlen(text), bundle, &s, &err) == 0)
		fail_msg("accepted: %s", text);
	assert_null(s);
	if (!strstr(err.msg, want))
		fail_msg("want: %s\ngot:  %s", want, err.msg);
}

static void test_structure_errors(void **state)
{
	_cleanup_free_ char *dup = config("", "", "\"ociVersion\": \"1.0.0\"");
	_cleanup_free_ char *nomnt = NULL;

	expect_error("[]", "/b", "config.json: (top level): not a JSON object");
	expect_error("{\"ociVersion\": ", "/b", "config.json: line 1 column");
	/* A key given twice is refused: which one would count? */
	expect_error(dup, "/b", "duplicate object key");
	expect_error("{\"root\": {\"path\": \"r\"}, \"process\": {}}", "/b",
		     "config.json: ociVersion: missing");
	expect_error("{\"ociVersion\": \"0.9\", \"root\": {\"path\": \"r\"}, \"process\": {}}", "/b",
		     "config.json: ociVersion: \"0.9\" is not a 1.x version");
	expect_error("{\"ociVersion\": \"1.1.0\", \"process\": {}}", "/b", "config.json: root: missing");
	expect_error(
		"{\"ociVersion\": \"1.1.0\", \"root\": {\"path\": \"r\"}, \"process\": {\"args\": [\"sh\"], "
		"\"user\": {\"uid\": 0, \"gid\": 0}}}",
		"/b", "config.json: process.cwd: missing");
	expect_error(
		"{\"ociVersion\": \"1.1.0\", \"root\": {\"path\": \"r\"}, \"process\": {\"args\": [], \"cwd\": "
		"\"/\", \"user\": {\"uid\": 0, \"gid\": 0}}}",
		"/b", "config.json: process.args: no command");
	assert_true(
		asprintf(
			&nomnt,
			"{\"ociVersion\": \"1.1.0\", \"root\": {\"path\": \"r\"}, \"process\": {\"args\": [\"sh\"], "
			"\"cwd\": \"/\", \"user\": {\"uid\": 0, \"gid\": 0}}, \"linux\": {\"namespaces\": [{\"type\": "
			"\"pid\"}]}}") > 0);
	expect_error(nomnt, "/b", "config.json: linux.namespaces: no mount namespace");
	free(nomnt);
	nomnt = config("", "", "\"hostname\": \"h\"");
	{
		/* A hostname without a uts namespace of its own. */
		char *p = strstr(nomnt, ", {\"type\": \"uts\"}");

		assert_non_null(p);
		memmove(p, p + strlen(", {\"type\": \"uts\"}"),
			strlen(p + strlen(", {\"type\": \"uts\"}")) + 1);
		expect_error(nomnt, "/b", "config.json: hostname: set without a uts namespace");
	}
}

static void test_namespaces(void **state)
{
	_cleanup_free_ char *twice = NULL, *join_user = NULL, *sysctl = NULL;

	assert_true(
		asprintf(
			&twice,
			"{\"ociVersion\": \"1.1.0\", \"root\": {\"path\": \"r\"}, \"process\": "
			"{\"args\": [\"sh\"], \"cwd\": \"/\", \"user\": {\"uid\": 0, \"gid\": 0}}, \"linux\": "
			"{\"namespaces\": [{\"type\": \"mount\"}, {\"type\": \"mount\"}]}}") > 0);
	expect_error(twice, "/b", "config.json: linux.namespaces[1].type: namespace \"mount\" listed twice");
	assert_true(
		asprintf(
			&join_user,
			"{\"ociVersion\": \"1.1.0\", \"root\": {\"path\": \"r\"}, \"process\": "
			"{\"args\": [\"sh\"], \"cwd\": \"/\", \"user\": {\"uid\": 0, \"gid\": 0}}, \"linux\": "
			"{\"namespaces\": [{\"type\": \"mount\"}, {\"type\": \"user\", \"path\": "
			"\"/proc/1/ns/user\"}], \"gidMappings\": [{\"containerID\": 0, \"hostID\": 1, "
			"\"size\": 1}]}}") > 0);
	expect_error(
		join_user, "/b",
		"config.json: linux.gidMappings: given for the user namespace joined at /proc/1/ns/user, "
		"which has its own");
	/* A sysctl of a namespace the container does not have of its own is
	 * the host's: refused, whatever the order of the keys. */
	assert_true(
		asprintf(
			&sysctl,
			"{\"ociVersion\": \"1.1.0\", \"root\": {\"path\": \"r\"}, \"process\": "
			"{\"args\": [\"sh\"], \"cwd\": \"/\", \"user\": {\"uid\": 0, \"gid\": 0}}, \"linux\": "
			"{\"sysctl\": {\"net.ipv4.ip_forward\": \"1\"}, \"namespaces\": [{\"type\": "
			"\"mount\"}]}}") > 0);
	expect_error(sysctl, "/b", "config.json: linux.sysctl.net.ipv4.ip_forward: needs a net namespace");
}

static void test_root_stays_in_the_bundle(void **state)
{
	char bundle[] = "/tmp/taper-unit-oci-XXXXXX", p[128];
	_cleanup_free_ char *up = NULL, *link = NULL, *inside = NULL;
	struct taper_spec *s;

	assert_non_null(mkdtemp(bundle));
	up = strdup(
		"{\"ociVersion\": \"1.1.0\", \"root\": {\"path\": \"rootfs/../../etc\"}, \"process\": {\"args\": "
		"[\"sh\"], \"cwd\": \"/\", \"user\": {\"uid\": 0, \"gid\": 0}}, \"linux\": {\"namespaces\": "
		"[{\"type\": \"mount\"}]}}");
	expect_error(up, bundle, "config.json: root.path: \"rootfs/../../etc\" climbs out of the bundle");
	/* Through a symlink. */
	snprintf(p, sizeof(p), "%s/rootfs", bundle);
	assert_int_equal(symlink("/etc", p), 0);
	link = strdup(
		"{\"ociVersion\": \"1.1.0\", \"root\": {\"path\": \"rootfs\"}, \"process\": {\"args\": [\"sh\"], "
		"\"cwd\": \"/\", \"user\": {\"uid\": 0, \"gid\": 0}}, \"linux\": {\"namespaces\": [{\"type\": "
		"\"mount\"}]}}");
	expect_error(link, bundle, "config.json: root.path: \"rootfs\" leads out of the bundle (to /etc)");
	unlink(p);
	assert_int_equal(mkdir(p, 0755), 0);
	s = compile_ok(link, bundle);
	snprintf(p, sizeof(p), "%s/rootfs", bundle);
	assert_string_equal(s->rootfs, p);
	spec_free(s);
	/* An absolute root is the config's to give. */
	inside = strdup(
		"{\"ociVersion\": \"1.1.0\", \"root\": {\"path\": \"/srv/root\"}, \"process\": {\"args\": "
		"[\"sh\"], \"cwd\": \"/\", \"user\": {\"uid\": 0, \"gid\": 0}}, \"linux\": {\"namespaces\": "
		"[{\"type\": \"mount\"}]}}");
	s = compile_ok(inside, bundle);
	assert_string_equal(s->rootfs, "/srv/root");
	spec_free(s);
	expect_error(inside, "relative", "config.json: the bundle path must be absolute");
	rm_rf_at(AT_FDCWD, bundle);
}

static void test_unknown_properties(void **state)
{
	_cleanup_free_ char *text =
		config("\"userr\": {}", "\"resources\": {\"memory\": {\"limitt\": 1}}", "\"x-vendor\": true");
	_cleanup_strv_free_ char **ignored = NULL;
	struct taper_spec *s = NULL;
	struct taper_err err = { 0 };

	/* Ignored, as the spec's Extensibility section asks, but named. */
	assert_int_equal(spec_oci_compile("c.json", text, strlen(text), "/b", 0, &s, &ignored, &err), 0);
	assert_true(strv_contains(ignored, "process.userr"));
	assert_true(strv_contains(ignored, "linux.resources.memory.limitt"));
	assert_true(strv_contains(ignored, "x-vendor"));
	assert_int_equal(strv_length(ignored), 3);
	spec_free(s);
	s = NULL;
	/* Strict: the first one is an error. */
	assert_true(spec_oci_compile("c.json", text, strlen(text), "/b", SPEC_OCI_STRICT, &s, NULL, &err) <
		    0);
	assert_string_equal(err.msg, "c.json: process.userr: unknown property");
	assert_null(s);
}

static void test_defaults_are_oci_not_taper(void **state)
{
	_cleanup_free_ char *text = config("", "", "");
	struct taper_spec *s = compile_ok(text, "/b");

	/* Absent means none: OCI's meaning, not spec_new()'s defaults. */
	assert_int_equal(s->process.caps.bounding, 0);
	assert_false(s->process.no_new_privs);
	assert_null(s->process.seccomp);
	assert_null(s->masked_paths);
	assert_null(s->process.env);
	assert_int_equal(s->process.n_rlimits, 0);
	assert_int_equal(s->process.umask, TAPER_UNSET);
	assert_int_equal(s->personality, TAPER_UNSET);
	assert_false(s->namespaces & TAPER_NS_CGROUP);
	assert_false(s->namespaces & TAPER_NS_USER);
	spec_free(s);
}

/* idmap, ridmap and a mount's maps land on the mount; maps alone are an
 * idmap (runtime-spec 1.1's meaning). */
static void test_idmapped_mounts_land_in_the_spec(void **state)
{
	_cleanup_free_ char *text = config(
		"", "",
		"\"mounts\": [{\"destination\": \"/a\", \"source\": \"/x\", \"options\": [\"rbind\", \"ridmap\"],"
		" \"uidMappings\": [{\"containerID\": 0, \"hostID\": 1000, \"size\": 10}],"
		" \"gidMappings\": [{\"containerID\": 0, \"hostID\": 2000, \"size\": 20}]},"
		" {\"destination\": \"/b\", \"source\": \"/y\", \"options\": [\"bind\"],"
		" \"uidMappings\": [{\"containerID\": 5, \"hostID\": 6, \"size\": 1}],"
		" \"gidMappings\": [{\"containerID\": 7, \"hostID\": 8, \"size\": 1}]},"
		" {\"destination\": \"/c\", \"source\": \"/z\", \"options\": [\"bind\"]}]");
	struct taper_spec *s = compile_ok(text, "/b");

	assert_int_equal(s->n_mounts, 3);
	assert_int_equal(s->mounts[0].idmap, TAPER_IDMAP_RECURSIVE);
	assert_int_equal(s->mounts[0].n_uid_map, 1);
	assert_int_equal(s->mounts[0].uid_map[0].host_id, 1000);
	assert_int_equal(s->mounts[0].gid_map[0].count, 20);
	assert_int_equal(s->mounts[1].idmap, TAPER_IDMAP_TOP);
	assert_int_equal(s->mounts[1].gid_map[0].container_id, 7);
	assert_int_equal(s->mounts[2].idmap, TAPER_IDMAP_NONE);
	assert_null(s->mounts[2].uid_map);
	spec_free(s);
}

/* A joined user namespace keeps no maps of the config's; a joined mount
 * namespace refuses what would mount in it. */
static void test_joined_user_and_mount_namespaces(void **state)
{
	_cleanup_free_ char *user = NULL, *mnt = NULL;
	struct taper_spec *s;

	assert_true(
		asprintf(&user,
			 "{\"ociVersion\": \"1.1.0\", \"root\": {\"path\": \"r\"}, \"process\": "
			 "{\"args\": [\"sh\"], \"cwd\": \"/\", \"user\": {\"uid\": 0, \"gid\": 0}}, "
			 "\"mounts\": [{\"destination\": \"/v\", \"source\": \"/v\", \"options\": [\"bind\", "
			 "\"idmap\"]}], \"linux\": {\"namespaces\": [{\"type\": \"mount\"}, {\"type\": "
			 "\"user\", \"path\": \"/proc/9/ns/user\"}]}}") > 0);
	s = compile_ok(user, "/b");
	assert_string_equal(s->ns_path[spec_ns_index(TAPER_NS_USER)], "/proc/9/ns/user");
	assert_int_equal(s->n_uid_map, 0);
	assert_int_equal(s->mounts[0].idmap, TAPER_IDMAP_TOP);
	spec_free(s);
	assert_true(asprintf(&mnt,
			     "{\"ociVersion\": \"1.1.0\", \"root\": {\"path\": \"r\"}, \"process\": "
			     "{\"args\": [\"sh\"], \"cwd\": \"/\", \"user\": {\"uid\": 0, \"gid\": 0}}, "
			     "\"linux\": {\"readonlyPaths\": [\"/proc/sys\"], \"namespaces\": [{\"type\": "
			     "\"mount\", \"path\": \"/proc/9/ns/mnt\"}]}}") > 0);
	expect_error(
		mnt, "/b",
		"config.json: linux.readonlyPaths: the mount namespace /proc/9/ns/mnt is joined as it is: "
		"the runtime makes no mount in it");
}

static void test_memory_and_pids_unlimited(void **state)
{
	_cleanup_free_ char *text =
		config("",
		       "\"resources\": {\"memory\": {\"limit\": -1, \"swap\": -1}, \"pids\": {\"limit\": 0}, "
		       "\"cpu\": {\"quota\": -1}}",
		       "");
	struct taper_spec *s = compile_ok(text, "/b");

	assert_int_equal(s->limits.memory_max, INT64_MAX);
	assert_int_equal(s->limits.swap_max, INT64_MAX);
	assert_int_equal(s->limits.pids_max, INT64_MAX);
	assert_int_equal(s->limits.cpu_quota_us, INT64_MAX);
	spec_free(s);
}

static void test_bundle_file(void **state)
{
	char bundle[] = "/tmp/taper-unit-oci-XXXXXX", p[128];
	_cleanup_free_ char *text = config("", "", "");
	struct taper_spec *s = NULL;
	struct taper_err err = { 0 };
	int fd;

	assert_non_null(mkdtemp(bundle));
	assert_true(spec_from_oci_bundle(bundle, 0, &s, NULL, &err) < 0);
	snprintf(p, sizeof(p), "%s/config.json: No such file or directory", bundle);
	assert_string_equal(err.msg, p);
	fd = openat(AT_FDCWD, bundle, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_int_equal(write_file_atomic_at(fd, "config.json", text, strlen(text), 0644), 0);
	close(fd);
	assert_int_equal(spec_from_oci_bundle(bundle, 0, &s, NULL, &err), 0);
	snprintf(p, sizeof(p), "%s/rootfs", bundle);
	assert_string_equal(s->rootfs, p);
	spec_free(s);
	rm_rf_at(AT_FDCWD, bundle);
}

/* Every seed of the fuzzer's corpus compiles or is refused with a line
 * naming config.json: the replay the fuzz target gets in CI. */
static void test_corpus_replays(void **state)
{
	static const char *const seeds[] = { "runc-spec.json", "runc-spec-rootless.json", "full.json" };

	for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
		char path[512];
		size_t len;
		_cleanup_free_ char *text = NULL;
		struct taper_spec *s = NULL;
		struct taper_err err = { 0 };

		snprintf(path, sizeof(path), CORPUS "%s", seeds[i]);
		text = fixture(path, &len);
		/* Every prefix: a truncated file is refused cleanly. */
		for (size_t n = 0; n < len; n += 97) {
			assert_true(spec_from_oci_json(text, n, "/b", &s, &err) < 0);
			assert_null(s);
			assert_non_null(strstr(err.msg, "config.json"));
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_runc_spec_compiles),
		cmocka_unit_test(test_runc_rootless_spec_compiles),
		cmocka_unit_test(test_full_config_lands_in_the_spec),
		cmocka_unit_test(test_hooks_land_in_the_spec),
		cmocka_unit_test(test_bad_inputs_name_their_path),
		cmocka_unit_test(test_structure_errors),
		cmocka_unit_test(test_namespaces),
		cmocka_unit_test(test_idmapped_mounts_land_in_the_spec),
		cmocka_unit_test(test_joined_user_and_mount_namespaces),
		cmocka_unit_test(test_root_stays_in_the_bundle),
		cmocka_unit_test(test_unknown_properties),
		cmocka_unit_test(test_defaults_are_oci_not_taper),
		cmocka_unit_test(test_memory_and_pids_unlimited),
		cmocka_unit_test(test_bundle_file),
		cmocka_unit_test(test_corpus_replays),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
