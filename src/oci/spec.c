/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * spec.c — `spec` (a config.json to start from, runc's) and `features`
 * (runtime-spec features.md: what this runtime takes).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "oci/oci.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"

static const char template[] =
	"{\"ociVersion\": \"1.1.0\","
	" \"process\": {\"terminal\": true, \"user\": {\"uid\": 0, \"gid\": 0}, \"args\": [\"sh\"],"
	"  \"env\": [\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\", \"TERM=xterm\"],"
	"  \"cwd\": \"/\","
	"  \"capabilities\": {\"bounding\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"],"
	"   \"effective\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"],"
	"   \"permitted\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"]},"
	"  \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"hard\": 1024, \"soft\": 1024}],"
	"  \"noNewPrivileges\": true},"
	" \"root\": {\"path\": \"rootfs\", \"readonly\": true},"
	" \"hostname\": \"taper\","
	" \"mounts\": ["
	"  {\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"},"
	"  {\"destination\": \"/dev\", \"type\": \"tmpfs\", \"source\": \"tmpfs\","
	"   \"options\": [\"nosuid\", \"strictatime\", \"mode=755\", \"size=65536k\"]},"
	"  {\"destination\": \"/dev/pts\", \"type\": \"devpts\", \"source\": \"devpts\","
	"   \"options\": [\"nosuid\", \"noexec\", \"newinstance\", \"ptmxmode=0666\", \"mode=0620\", \"gid=5\"]},"
	"  {\"destination\": \"/dev/shm\", \"type\": \"tmpfs\", \"source\": \"shm\","
	"   \"options\": [\"nosuid\", \"noexec\", \"nodev\", \"mode=1777\", \"size=65536k\"]},"
	"  {\"destination\": \"/dev/mqueue\", \"type\": \"mqueue\", \"source\": \"mqueue\","
	"   \"options\": [\"nosuid\", \"noexec\", \"nodev\"]},"
	"  {\"destination\": \"/sys\", \"type\": \"sysfs\", \"source\": \"sysfs\","
	"   \"options\": [\"nosuid\", \"noexec\", \"nodev\", \"ro\"]},"
	"  {\"destination\": \"/sys/fs/cgroup\", \"type\": \"cgroup\", \"source\": \"cgroup\","
	"   \"options\": [\"nosuid\", \"noexec\", \"nodev\", \"relatime\", \"ro\"]}],"
	" \"linux\": {\"resources\": {\"devices\": [{\"allow\": false, \"access\": \"rwm\"}]},"
	"  \"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"network\"}, {\"type\": \"ipc\"}, {\"type\": \"uts\"},"
	"   {\"type\": \"mount\"}, {\"type\": \"cgroup\"}],"
	"  \"maskedPaths\": [\"/proc/acpi\", \"/proc/asound\", \"/proc/kcore\", \"/proc/keys\", \"/proc/latency_stats\","
	"   \"/proc/timer_list\", \"/proc/timer_stats\", \"/proc/sched_debug\", \"/sys/firmware\", \"/proc/scsi\"],"
	"  \"readonlyPaths\": [\"/proc/bus\", \"/proc/fs\", \"/proc/irq\", \"/proc/sys\", \"/proc/sysrq-trigger\"]}}";

/* runc's --rootless: a user namespace mapping the caller alone, no
 * network namespace of its own, /sys bound, no cgroup mount or rule. */
static int make_rootless(json_t *doc)
{
	json_t *lnx = json_object_get(doc, "linux"), *ns = json_array(),
	       *mounts = json_object_get(doc, "mounts");
	json_t *map_u = json_pack("[{s:i, s:i, s:i}]", "containerID", 0, "hostID", (int)geteuid(), "size", 1);
	json_t *map_g = json_pack("[{s:i, s:i, s:i}]", "containerID", 0, "hostID", (int)getegid(), "size", 1);
	const char *keep[] = { "pid", "ipc", "uts", "mount", "user" };

	if (!ns || !map_u || !map_g)
		return -ENOMEM;
	for (size_t i = 0; i < ARRAY_SIZE(keep); i++)
		json_array_append_new(ns, json_pack("{s:s}", "type", keep[i]));
	json_object_set_new(lnx, "namespaces", ns);
	json_object_set_new(lnx, "uidMappings", map_u);
	json_object_set_new(lnx, "gidMappings", map_g);
	json_object_set_new(lnx, "resources", json_object());
	/* The last two mounts: sysfs and cgroup. */
	json_array_remove(mounts, json_array_size(mounts) - 1);
	json_array_remove(mounts, json_array_size(mounts) - 1);
	json_array_append_new(mounts, json_pack("{s:s, s:s, s:s, s:[s,s,s,s,s]}", "destination", "/sys",
						"type", "none", "source", "/sys", "options", "rbind",
						"nosuid", "noexec", "nodev", "ro"));
	return 0;
}

int oci_cmd_spec(int argc, char **argv, struct oci_global *g)
{
	static const struct option opts[] = {
		{ "rootless", no_argument, NULL, 'r' },
		{ "bundle", required_argument, NULL, 'b' },
		{},
	};
	const char *bundle = ".";
	bool rootless = false;
	_cleanup_close_ int dfd = -1;
	_cleanup_free_ char *text = NULL;
	json_t *doc;
	int c, r;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+b:", opts, NULL)) != -1) {
		if (c == 'r')
			rootless = true;
		else if (c == 'b')
			bundle = optarg;
		else
			return oci_error(g, "spec: unknown option %s", argv[optind - 1]);
	}
	if (optind != argc)
		return oci_error(g, "spec: takes no argument");
	dfd = open(bundle, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return oci_error(g, "spec: bundle %s: %s", bundle, strerror(errno));
	if (faccessat(dfd, "config.json", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return oci_error(g, "spec: %s/config.json exists; remove it first", bundle);
	doc = json_loads(template, 0, NULL);
	if (!doc || (rootless && make_rootless(doc) < 0)) {
		json_decref(doc);
		return oci_error(g, "spec: out of memory");
	}
	text = json_dumps(doc, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	json_decref(doc);
	if (!text)
		return oci_error(g, "spec: out of memory");
	if ((r = write_file_atomic_at(dfd, "config.json", text, strlen(text), 0644)) < 0)
		return oci_error(g, "spec: %s/config.json: %s", bundle, strerror(-r));
	return 0;
}

int oci_cmd_features(int argc, char **argv, struct oci_global *g)
{
	static const char *const ns[] = { "cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts" };
	static const char *const actions[] = { "SCMP_ACT_ALLOW",       "SCMP_ACT_ERRNO",
					       "SCMP_ACT_KILL",        "SCMP_ACT_KILL_PROCESS",
					       "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG",
					       "SCMP_ACT_TRACE",       "SCMP_ACT_TRAP" };
	static const char *const ops[] = { "SCMP_CMP_EQ", "SCMP_CMP_GE",        "SCMP_CMP_GT", "SCMP_CMP_LE",
					   "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE" };
	json_t *doc, *mo = json_array(), *na = json_array(), *caps = json_array(), *act = json_array(),
		     *op = json_array();
	char *text;

	if (argc != 1)
		return oci_error(g, "features: takes no argument");
	for (const char *const *m = taper_oci_mount_options(); mo && *m; m++)
		json_array_append_new(mo, json_string(*m));
	for (size_t i = 0; na && i < ARRAY_SIZE(ns); i++)
		json_array_append_new(na, json_string(ns[i]));
	for (int cap = 0; caps && cap < 64; cap++)
		if (taper_cap_name(cap))
			json_array_append_new(caps, json_string(taper_cap_name(cap)));
	for (size_t i = 0; act && i < ARRAY_SIZE(actions); i++)
		json_array_append_new(act, json_string(actions[i]));
	for (size_t i = 0; op && i < ARRAY_SIZE(ops); i++)
		json_array_append_new(op, json_string(ops[i]));
	doc = json_pack(
		"{s:s, s:s, s:[ssssss], s:o, s:{s:o, s:o, s:{s:b, s:b, s:b, s:b}, s:{s:b, s:o, s:o, s:[s]},"
		" s:{s:b}, s:{s:b}, s:{s:{s:b}}}, s:{}}",
		"ociVersionMin", "1.0.0", "ociVersionMax", "1.1.0", "hooks", "prestart", "createRuntime",
		"createContainer", "startContainer", "poststart", "poststop", "mountOptions", mo, "linux",
		"namespaces", na, "capabilities", caps, "cgroup", "v1", 1, "v2", 1, "systemd", 0,
		"systemdUser", 0, "seccomp", "enabled", 1, "actions", act, "operators", op, "archs",
		"SCMP_ARCH_X86_64", "apparmor", "enabled", 0, "selinux", "enabled", 0, "mountExtensions",
		"idmap", "enabled", 1, "annotations");
	text = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	json_decref(doc);
	if (!text)
		return oci_error(g, "features: out of memory");
	printf("%s\n", text);
	free(text);
	return 0;
}
