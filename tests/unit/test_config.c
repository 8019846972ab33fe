#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/resource.h>
#include <unistd.h>
#include <cmocka.h>

#include "config/config-internal.h"
#include "config/config.h"
#include "spec/limit-table.h"
#include "store/store.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/strv.h"

/* Parse and compile text; returns the code, fills err. */
static int compile(const char *text, struct taper_spec **ret_spec, struct container_settings *set,
		   struct taper_err *err)
{
	_cleanup_(config_freep) struct taper_config *c = NULL;
	struct container_settings local;
	struct taper_spec *spec;
	int r;

	taper_err_clear(err);
	r = config_parse(text, "/s/web1/config", &c, err);
	if (r < 0)
		return r;
	spec = spec_new();
	assert_non_null(spec);
	container_settings_init(set ? set : &local);
	r = config_compile(c, "/s/web1", spec, set ? set : &local, err);
	if (ret_spec)
		*ret_spec = spec;
	else
		spec_free(spec);
	return r;
}

static void assert_error(const char *text, const char *msg)
{
	struct taper_err err = { 0 };

	if (compile(text, NULL, NULL, &err) >= 0)
		fail_msg("accepted: %s", text);
	if (strcmp(err.msg, msg) != 0)
		fail_msg("for %s\n  got:  %s\n  want: %s", text, err.msg, msg);
}

static void test_syntax(void **state)
{
	_cleanup_(spec_freep) struct taper_spec *s = NULL;
	struct container_settings set;
	struct taper_err err = { 0 };

	assert_int_equal(compile("# comment\n"
				 "\n"
				 "   # indented comment\n"
				 "\t cgroup.memory.max\t=   512M  \r\n"
				 "environment = A=b=c\r\n"
				 "environment=B = 2\n"
				 "uts.name = box # not a comment? no: an error\n",
				 &s, &set, &err),
			 -EINVAL);
	assert_string_equal(err.msg, "/s/web1/config:7: uts.name: invalid host name \"box # not a "
				     "comment? no: an error\" (up to 64 of [A-Za-z0-9.-])");
	spec_free(s);
	s = NULL;
	assert_int_equal(compile("# comment\n"
				 "\n"
				 "\t cgroup.memory.max\t=   512M  \r\n"
				 "environment = A=b=c\r\n"
				 "environment=B = 2\n"
				 "uts.name = box", /* no final newline */
				 &s, &set, &err),
			 0);
	assert_int_equal(s->limits.memory_max, 512 << 20);
	assert_true(strv_contains(s->process.env, "A=b=c"));
	assert_true(strv_contains(s->process.env, "B = 2"));
	assert_string_equal(s->hostname, "box");
	assert_int_equal(compile("", NULL, NULL, &err), 0);
}

static void test_parse_errors(void **state)
{
	assert_error("a\n", "/s/web1/config:1: expected \"key = value\"");
	assert_error("# ok\n\nfoo.bar = 1\n", "/s/web1/config:3: unknown key \"foo.bar\"");
	assert_error(" = 1\n", "/s/web1/config:1: missing key before '='");
	assert_error("uts.name =\n", "/s/web1/config:1: uts.name: empty value (remove the line to unset)");
	assert_error("uts.name = a\n#\nuts.name = b\n",
		     "/s/web1/config:3: uts.name: duplicate key (first set on line 1)");
	assert_error("net.32.type = veth\n", "/s/web1/config:1: unknown key \"net.32.type\"");
	assert_error("net.01.type = veth\n", "/s/web1/config:1: unknown key \"net.01.type\"");
	assert_error("net.x.type = veth\n", "/s/web1/config:1: unknown key \"net.x.type\"");
	assert_error("cgroup.v1. = 1\n", "/s/web1/config:1: unknown key \"cgroup.v1.\"");
	assert_error("Cgroup.memory.max = 1\n", "/s/web1/config:1: unknown key \"Cgroup.memory.max\"");
}

static void test_value_errors(void **state)
{
	/* One case per line, however long the message. */
	/* clang-format off */
	static const struct {
		const char *line, *msg;
	} cases[] = {
		{ "cgroup.memory.max = 12Q", "cgroup.memory.max: invalid size \"12Q\" (e.g. 256M, 1G, or max)" },
		{ "cgroup.memory.max = -1", "cgroup.memory.max: invalid size \"-1\" (at least 1 byte, or max)" },
		{ "cgroup.memory.max = 0", "cgroup.memory.max: invalid size \"0\" (at least 1 byte, or max)" },
		{ "cgroup.memory.high = 0", "cgroup.memory.high: invalid size \"0\" (at least 1 byte, or max)" },
		{ "cgroup.swap.max = 1X", "cgroup.swap.max: invalid size \"1X\" (e.g. 256M, 1G, or max)" },
		{ "cgroup.pids.max = 0", "cgroup.pids.max: invalid value \"0\" (an integer of at least 1, or max)" },
		{ "cgroup.cpu.weight = 10001", "cgroup.cpu.weight: invalid value \"10001\" (an integer from 1 to 10000)" },
		{ "cgroup.cpu.weight = max", "cgroup.cpu.weight: invalid value \"max\" (an integer from 1 to 10000)" },
		{ "cgroup.cpu.shares = 1", "cgroup.cpu.shares: invalid value \"1\" (an integer from 2 to 262144)" },
		{ "cgroup.cpu.max = 0", "cgroup.cpu.max: invalid CPU count \"0\" (more than 0, up to 6 decimals, e.g. 0.5, 2, or max)" },
		{ "cgroup.cpu.max = 1.2345678", "cgroup.cpu.max: invalid CPU count \"1.2345678\" (more than 0, up to 6 decimals, e.g. 0.5, 2, or max)" },
		{ "cgroup.cpuset.cpus = 3-1", "cgroup.cpuset.cpus: invalid list \"3-1\" (ascending ids and ranges, e.g. 0-1,3)" },
		{ "cgroup.io.weight = x", "cgroup.io.weight: invalid value \"x\" (an integer from 1 to 10000)" },
		{ "cgroup.v1.memory/../x = 1", "cgroup.v1.memory/../x: invalid cgroup file \"memory/../x\" (controller.file)" },
		{ "cgroup.v2.tasks = 1", "cgroup.v2.tasks: invalid cgroup file \"tasks\" (controller.file)" },
		{ "rootfs.readonly = maybe", "rootfs.readonly: invalid boolean \"maybe\" (true/false, yes/no, on/off, 1/0)" },
		{ "uts.name = -x", "uts.name: invalid host name \"-x\" (up to 64 of [A-Za-z0-9.-])" },
		{ "net.0.type = bridge", "net.0.type: invalid interface type \"bridge\" (empty, veth, macvlan, host)" },
		{ "net.0.link = a/b", "net.0.link: invalid interface name \"a/b\" (1 to 15 characters, no '/', ':' or spaces)" },
		{ "net.0.name = abcdefghijklmnop", "net.0.name: invalid interface name \"abcdefghijklmnop\" (1 to 15 characters, no '/', ':' or spaces)" },
		{ "net.0.hwaddr = 01:00:00:00:00:01", "net.0.hwaddr: invalid MAC address \"01:00:00:00:00:01\" (multicast)" },
		{ "net.0.hwaddr = 02:00:00:00:00", "net.0.hwaddr: invalid MAC address \"02:00:00:00:00\" (xx:xx:xx:xx:xx:xx)" },
		{ "net.0.ipv4.address = 10.0.0.1", "net.0.ipv4.address: invalid IPv4 address \"10.0.0.1\" (a.b.c.d/prefix)" },
		{ "net.0.ipv4.address = 10.0.0.256/24", "net.0.ipv4.address: invalid IPv4 address \"10.0.0.256/24\" (a.b.c.d/prefix)" },
		{ "net.0.ipv4.address = 10.0.0.1/33", "net.0.ipv4.address: invalid IPv4 address \"10.0.0.1/33\" (a.b.c.d/prefix)" },
		{ "net.0.ipv4.gateway = 10.0.0.1/24", "net.0.ipv4.gateway: invalid IPv4 address \"10.0.0.1/24\" (a.b.c.d)" },
		{ "net.0.mtu = 67", "net.0.mtu: invalid value \"67\" (an integer from 68 to 65535)" },
		{ "mount.entry = /a /b", "mount.entry: invalid mount entry \"/a /b\" (SRC DST TYPE [OPTIONS])" },
		{ "mount.entry = /a /b none bind 0 x", "mount.entry: invalid mount entry \"/a /b none bind 0 x\" (SRC DST TYPE [OPTIONS])" },
		{ "mount.entry = a /b none bind", "mount.entry: invalid path \"a\" (absolute, without \"..\")" },
		{ "mount.entry = /a /b ext4 bind", "mount.entry: invalid mount entry \"/a /b ext4 bind\" (a bind mount has type none)" },
		{ "mount.entry = /a /b none bind,size=1m", "mount.entry: invalid mount option \"size=1m\" for a bind mount" },
		{ "mount.entry = /a ../etc none bind", "mount.entry: invalid mount target \"../etc\" (no \"..\")" },
		{ "idmap = u 0 100000", "idmap: invalid id map \"u 0 100000\" (u|g|b CONTAINER HOST COUNT)" },
		{ "idmap = x 0 100000 65536", "idmap: invalid id map \"x 0 100000 65536\" (u|g|b CONTAINER HOST COUNT)" },
		{ "idmap = u 0 4294967295 2", "idmap: invalid id map \"u 0 4294967295 2\" (u|g|b CONTAINER HOST COUNT)" },
		{ "cap.drop = net_raw bogus", "cap.drop: unknown capability \"bogus\"" },
		{ "cap.add = 12", "cap.add: unknown capability \"12\"" },
		{ "seccomp.profile = strict", "seccomp.profile: invalid seccomp profile \"strict\" (default, unconfined or an absolute path)" },
		{ "security.no_new_privs = 2", "security.no_new_privs: invalid boolean \"2\" (true/false, yes/no, on/off, 1/0)" },
		{ "namespaces.share.foo = /proc/1/ns/foo", "namespaces.share.foo: unknown namespace \"foo\" (pid, uts, ipc, net, cgroup, time)" },
		{ "namespaces.share.net = /proc/1/../ns/net", "namespaces.share.net: invalid path \"/proc/1/../ns/net\" (absolute, without \"..\")" },
		{ "namespaces.share.net = ../web", "namespaces.share.net: invalid container name \"../web\": use 1 to 64 of [A-Za-z0-9_.-], starting with a letter or digit" },
		{ "namespaces.share.user = web", "namespaces.share.user: sharing the user namespace is not supported" },
		{ "namespaces.share.mnt = /proc/1/ns/mnt", "namespaces.share.mnt: sharing the mnt namespace is not supported" },
		{ "prlimit.files = 10", "prlimit.files: unknown resource \"files\"" },
		{ "prlimit.nofile = 10:5", "prlimit.nofile: invalid limit \"10:5\" (SOFT[:HARD], numbers or unlimited)" },
		{ "init.cmd = /bin/sh -c 'oops", "init.cmd: invalid command \"/bin/sh -c 'oops\" (unbalanced quote)" },
		{ "init.cwd = srv", "init.cwd: invalid path \"srv\" (absolute, without \"..\")" },
		{ "init.cwd = /srv/../etc", "init.cwd: invalid path \"/srv/../etc\" (absolute, without \"..\")" },
		{ "init.uid = -1", "init.uid: invalid id \"-1\" (a number)" },
		{ "init.gid = 4294967295", "init.gid: invalid id \"4294967295\" (a number)" },
		{ "init.oom_score_adj = 1001", "init.oom_score_adj: invalid value \"1001\" (an integer from -1000 to 1000)" },
		{ "environment = =x", "environment: invalid environment entry \"=x\" (NAME=VALUE)" },
		{ "environment = NOVALUE", "environment: invalid environment entry \"NOVALUE\" (NAME=VALUE)" },
		{ "start.auto = sometimes", "start.auto: invalid boolean \"sometimes\" (true/false, yes/no, on/off, 1/0)" },
		{ "start.order = 1.5", "start.order: invalid value \"1.5\" (an integer from -1000000 to 1000000)" },
		{ "start.delay = 3601", "start.delay: invalid value \"3601\" (an integer from 0 to 3600)" },
		{ "stop.signal = SIGFOO", "stop.signal: invalid signal \"SIGFOO\" (a name like SIGPWR, or a number)" },
		{ "stop.signal = 0", "stop.signal: invalid signal \"0\" (a name like SIGPWR, or a number)" },
		{ "stop.timeout = -5", "stop.timeout: invalid value \"-5\" (an integer from 0 to 86400)" },
		{ "console.buffer.size = 65M", "console.buffer.size: invalid size \"65M\" (0 to 67108864 bytes)" },
		{ "net.port = 0:80", "net.port: \"0:80\": invalid host port 0" },
		{ "net.port = 8080:65536", "net.port: \"8080:65536\": invalid container port 65536" },
		{ "net.port = 8080:80/sctp", "net.port: \"8080:80/sctp\": protocol must be tcp or udp" },
		{ "net.port = 10.0.0.256:8080:80", "net.port: \"10.0.0.256:8080:80\": invalid host address \"10.0.0.256\"" },
		{ "net.port = 8080", "net.port: \"8080\": expected [HOSTIP:]HOSTPORT:CTRPORT[/tcp|udp]" },
	};
	/* clang-format on */
	char text[256], msg[512];

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		/* On line 2, after a comment, to check the line number. */
		snprintf(text, sizeof(text), "# x\n%s\n", cases[i].line);
		snprintf(msg, sizeof(msg), "/s/web1/config:2: %s", cases[i].msg);
		assert_error(text, msg);
	}
}

static void test_cross_key_errors(void **state)
{
	assert_error("# x\nnet.1.link = br0\n", "/s/web1/config:2: net.1: net.1.type is not set");
	assert_error("net.0.type = macvlan\n", "/s/web1/config:1: net.0: a macvlan needs net.0.link");
	assert_error("net.0.type = host\nnet.1.type = veth\n",
		     "/s/web1/config: net: type host cannot be combined with other interfaces");
	/* A host port once per protocol and address; every address clashes
	 * with each one. */
	assert_error("net.port = 8080:80\nnet.port = 127.0.0.1:8080:81\n",
		     "/s/web1/config:2: net.port: \"127.0.0.1:8080:81/tcp\": host port already published by "
		     "8080:80/tcp");
	/* Ports go to a veth's address: with no veth they would publish nothing. */
	assert_error("net.0.type = empty\nnet.port = 8080:80\n",
		     "/s/web1/config:2: net.port: published ports need a veth interface (net.N.type = veth)");
	assert_error("net.port = 8080:80\n",
		     "/s/web1/config:1: net.port: published ports need a veth interface (net.N.type = veth)");
	/* A shared namespace comes with what it has, whatever the line order. */
	assert_error("net.0.type = veth\nnamespaces.share.net = web\n",
		     "/s/web1/config:2: namespaces.share.net: a shared network namespace brings its own "
		     "interfaces; remove the net.N keys");
	assert_error("namespaces.share.uts = /run/uts\nuts.name = box\n",
		     "/s/web1/config:1: namespaces.share.uts: a shared UTS namespace brings its own host "
		     "name; remove uts.name");
}

static void test_ports(void **state)
{
	struct container_settings set;
	struct taper_err err = { 0 };
	_cleanup_(spec_freep) struct taper_spec *s = NULL;

	assert_int_equal(compile("net.0.type = veth\nnet.port = 8080:80\nnet.port = 8080:53/udp\n"
				 "net.port = 127.0.0.1:8081:80\nnet.port = 10.1.1.1:8081:80\n",
				 &s, &set, &err),
			 0);
	assert_int_equal(set.n_ports, 4);
	assert_int_equal(set.ports[0].host_port, 8080);
	assert_int_equal(set.ports[0].ctr_port, 80);
	assert_int_equal(set.ports[0].proto, IPPROTO_TCP);
	assert_int_equal(set.ports[1].proto, IPPROTO_UDP);
	assert_int_equal(set.ports[2].host_ip, 0x7f000001);
}

static void test_compile_values(void **state)
{
	_cleanup_(spec_freep) struct taper_spec *s = NULL;
	struct container_settings set;
	struct taper_err err = { 0 };
	const char *text = "rootfs.path = rootfs2\n"
			   "net.2.type = macvlan\n"
			   "net.2.link = eth9\n"
			   "net.0.type = veth\n"
			   "net.0.link = taperbr0\n"
			   "net.0.ipv4.address = 10.0.3.5/24\n"
			   "net.0.ipv4.gateway = 10.0.3.1\n"
			   "net.0.mtu = 1400\n"
			   "net.0.veth.pair = vweb1\n"
			   "net.0.hwaddr = 02:16:3e:00:00:01\n"
			   "cgroup.cpu.max = 1.5\n"
			   "cgroup.pids.max = max\n"
			   "cgroup.v1.memory.swappiness = 10\n"
			   "cgroup.v2.memory.oom.group = 1\n"
			   "mount.entry = /srv/a\\040b /data none rbind,ro,nosuid,optional 0 0\n"
			   "mount.entry = tmpfs run tmpfs size=64m,mode=755,noexec\n"
			   "mount.entry = /etc/resolv.conf /etc/resolv.conf none bind,create=file\n"
			   "idmap = b 0 100000 65536\n"
			   "cap.drop = NET_RAW CAP_MKNOD\n"
			   "cap.add = sys_admin\n"
			   "cap.drop = sys_admin\n"
			   "init.cmd = /bin/sh -c \"echo 'hi there'\"\n"
			   "init.uid = 1000\n"
			   "init.gid = 100\n"
			   "environment = PATH=/bin\n"
			   "prlimit.nofile = 4096:unlimited\n"
			   "namespaces.share.ipc = /proc/1/ns/ipc\n"
			   "namespaces.share.pid = db\n"
			   "start.auto = yes\n"
			   "start.order = -3\n"
			   "stop.signal = RTMIN+3\n"
			   "console.buffer.size = 1M\n";

	assert_int_equal(compile(text, &s, &set, &err), 0);
	assert_string_equal(s->rootfs, "/s/web1/rootfs2");
	/* Interfaces sorted by N, whatever the file order. */
	assert_int_equal(s->n_netifs, 2);
	assert_int_equal(s->netifs[0].type, TAPER_NETIF_VETH);
	assert_string_equal(s->netifs[0].name, "eth0");
	assert_string_equal(s->netifs[0].link, "taperbr0");
	assert_string_equal(s->netifs[0].ipv4, "10.0.3.5/24");
	assert_string_equal(s->netifs[0].ipv4_gateway, "10.0.3.1");
	assert_string_equal(s->netifs[0].host_name, "vweb1");
	assert_string_equal(s->netifs[0].hwaddr, "02:16:3e:00:00:01");
	assert_int_equal(s->netifs[0].mtu, 1400);
	assert_int_equal(s->netifs[1].type, TAPER_NETIF_MACVLAN);
	assert_string_equal(s->netifs[1].name, "eth2");
	assert_int_equal(s->limits.cpu_quota_us, 150000);
	assert_int_equal(s->limits.cpu_period_us, 100000);
	assert_int_equal(s->limits.pids_max, TAPER_UNSET);
	assert_int_equal(s->limits.n_raw, 2);
	assert_int_equal(s->limits.raw[0].version, 1);
	assert_string_equal(s->limits.raw[0].file, "memory.swappiness");
	assert_int_equal(s->limits.raw[1].version, 2);
	assert_string_equal(s->limits.raw[1].file, "memory.oom.group");
	assert_int_equal(s->n_mounts, 3);
	assert_string_equal(s->mounts[0].source, "/srv/a b");
	assert_string_equal(s->mounts[0].target, "/data");
	assert_null(s->mounts[0].fstype);
	assert_int_equal(s->mounts[0].flags, TAPER_MOUNT_BIND | TAPER_MOUNT_RECURSIVE | TAPER_MOUNT_READONLY |
						     TAPER_MOUNT_NOSUID | TAPER_MOUNT_OPTIONAL);
	assert_string_equal(s->mounts[1].target, "/run");
	assert_string_equal(s->mounts[1].fstype, "tmpfs");
	assert_string_equal(s->mounts[1].data, "size=64m,mode=755");
	assert_int_equal(s->mounts[1].flags, TAPER_MOUNT_NOEXEC);
	assert_int_equal(s->mounts[2].flags, TAPER_MOUNT_BIND | TAPER_MOUNT_CREATE_FILE);
	assert_int_equal(s->n_uid_map, 1);
	assert_int_equal(s->n_gid_map, 1);
	assert_int_equal(s->uid_map[0].host_id, 100000);
	assert_true(s->namespaces & TAPER_NS_USER);
	/* idmap: the user-namespace set, with the file's drop on top. */
	assert_true(s->process.caps.bounding ==
		    (spec_caps_userns() & ~((UINT64_C(1) << CAP_NET_RAW) | (UINT64_C(1) << CAP_MKNOD) |
					    (UINT64_C(1) << CAP_SYS_ADMIN))));
	assert_true(s->process.caps.effective == s->process.caps.bounding);
	assert_int_equal(strv_length(s->process.argv), 3);
	assert_string_equal(s->process.argv[2], "echo 'hi there'");
	assert_int_equal(s->process.uid, 1000);
	assert_int_equal(s->process.gid, 100);
	assert_true(strv_contains(s->process.env, "PATH=/bin"));
	assert_int_equal(strv_length(s->process.env), 1); /* replaced, not added */
	for (size_t i = 0; i < s->process.n_rlimits; i++)
		if (s->process.rlimits[i].resource == RLIMIT_NOFILE) {
			assert_int_equal(s->process.rlimits[i].soft, 4096);
			assert_true(s->process.rlimits[i].hard == RLIM_INFINITY);
		}
	assert_string_equal(s->ns_path[spec_ns_index(TAPER_NS_IPC)], "/proc/1/ns/ipc");
	/* A container's name is kept for the start to resolve, not as a path. */
	assert_null(s->ns_path[spec_ns_index(TAPER_NS_PID)]);
	assert_string_equal(set.share_ns[spec_ns_index(TAPER_NS_PID)], "db");
	assert_true(s->namespaces & TAPER_NS_PID);
	assert_true(set.autostart);
	assert_int_equal(set.start_order, -3);
	assert_int_equal(set.stop_signal, SIGRTMIN + 3);
	assert_int_equal(set.console_buffer_size, 1 << 20);
	assert_int_equal(set.stop_timeout, 60);

	spec_free(s);
	s = NULL;
	assert_int_equal(compile("net.0.type = host\n", &s, &set, &err), 0);
	assert_false(s->namespaces & TAPER_NS_NET);
	spec_free(s);
	s = NULL;
	assert_int_equal(compile("stop.signal = SIGTERM\n", &s, &set, &err), 0);
	assert_int_equal(set.stop_signal, SIGTERM);
	spec_free(s);
	s = NULL;
	assert_int_equal(compile("stop.signal = 10\n", &s, &set, &err), 0);
	assert_int_equal(set.stop_signal, 10);
}

/* Everything observable in a spec and settings, as text, to tell whether
 * applying a key changed anything. */
static void fp_str(FILE *f, const char *s)
{
	fprintf(f, "[%s]", s ? s : "(null)");
}

static char *fingerprint(const struct taper_spec *s, const struct container_settings *set)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	fp_str(f, s->name), fp_str(f, s->rootfs), fp_str(f, s->hostname);
	fprintf(f, "%d %u %d %d", s->rootfs_readonly, s->namespaces, s->rootfs_idmap, (int)s->cgroup_mount);
	for (int i = 0; i < TAPER_NS_COUNT; i++)
		fp_str(f, s->ns_path[i]);
	for (size_t i = 0; i < s->n_uid_map; i++)
		fprintf(f, "u%u,%u,%u", s->uid_map[i].container_id, s->uid_map[i].host_id,
			s->uid_map[i].count);
	for (size_t i = 0; i < s->n_gid_map; i++)
		fprintf(f, "g%u,%u,%u", s->gid_map[i].container_id, s->gid_map[i].host_id,
			s->gid_map[i].count);
	for (size_t i = 0; i < s->n_mounts; i++) {
		fp_str(f, s->mounts[i].source), fp_str(f, s->mounts[i].target);
		fp_str(f, s->mounts[i].fstype), fp_str(f, s->mounts[i].data);
		fprintf(f, "%u", s->mounts[i].flags);
	}
	for (char **p = s->process.argv; p && *p; p++)
		fp_str(f, *p);
	for (char **p = s->process.env; p && *p; p++)
		fp_str(f, *p);
	fp_str(f, s->process.cwd), fp_str(f, s->process.seccomp);
	fprintf(f, "%u %u %d %d", s->process.uid, s->process.gid, s->process.no_new_privs,
		s->process.oom_score_adj);
	fprintf(f, "%llx %llx %llx", (unsigned long long)s->process.caps.bounding,
		(unsigned long long)s->process.caps.effective, (unsigned long long)s->process.caps.permitted);
	for (size_t i = 0; i < s->process.n_rlimits; i++)
		fprintf(f, "r%d,%llu,%llu", s->process.rlimits[i].resource,
			(unsigned long long)s->process.rlimits[i].soft,
			(unsigned long long)s->process.rlimits[i].hard);
	const struct taper_limits *l = &s->limits;
	fprintf(f, "%lld %lld %lld %lld %lld %lld %lld %lld %lld", (long long)l->memory_max,
		(long long)l->memory_high, (long long)l->swap_max, (long long)l->pids_max,
		(long long)l->cpu_weight, (long long)l->cpu_shares, (long long)l->cpu_quota_us,
		(long long)l->cpu_period_us, (long long)l->io_weight);
	fp_str(f, l->cpuset_cpus), fp_str(f, l->cpuset_mems);
	for (size_t i = 0; i < l->n_raw; i++)
		fprintf(f, "%d", l->raw[i].version), fp_str(f, l->raw[i].file), fp_str(f, l->raw[i].value);
	for (size_t i = 0; i < s->n_netifs; i++) {
		const struct taper_netif *n = &s->netifs[i];
		fprintf(f, "n%d", n->type), fp_str(f, n->name), fp_str(f, n->link);
		fp_str(f, n->host_name), fp_str(f, n->hwaddr), fp_str(f, n->ipv4), fp_str(f, n->ipv4_gateway);
		fprintf(f, "%d", n->mtu);
	}
	fprintf(f, "%d %lld %u %u %d %u %llu %d", set->autostart, (long long)set->start_order,
		set->start_delay, set->start_timeout, set->stop_signal, set->stop_timeout,
		(unsigned long long)set->console_buffer_size, set->ephemeral);
	for (size_t i = 0; i < set->n_ports; i++)
		fprintf(f, " p%x:%u:%u/%d", set->ports[i].host_ip, set->ports[i].host_port,
			set->ports[i].ctr_port, set->ports[i].proto);
	for (size_t i = 0; i < TAPER_NS_COUNT; i++)
		fprintf(f, " s%s", set->share_ns[i]);
	for (size_t i = 0; i < set->n_start_groups; i++)
		fprintf(f, " g%s", set->start_groups[i]);
	for (size_t i = 0; i < s->limits.n_devices; i++) {
		char rule[48];

		spec_format_device_rule(&s->limits.devices[i], rule, sizeof(rule));
		fprintf(f, " d%d%s", s->limits.devices[i].allow, rule);
	}
	fclose(f);
	return buf;
}

#define CAP(c) (UINT64_C(1) << (c))

/* The capability set a file ends with: docker's, or the user-namespace
 * one once an idmap is there, whatever line order; cap.add/cap.drop in
 * file order on top of either. */
static void test_caps_and_userns(void **state)
{
	static const struct {
		const char *text;
		bool userns;
		uint64_t plus, minus;
	} cases[] = {
		{ "cap.drop = net_raw\n", false, 0, CAP(CAP_NET_RAW) },
		{ "cap.add = sys_admin\n", false, CAP(CAP_SYS_ADMIN), 0 },
		{ "idmap = b 0 100000 65536\n", true, 0, 0 },
		{ "cap.drop = sys_admin\nidmap = b 0 100000 65536\ncap.add = sys_module\n", true,
		  CAP(CAP_SYS_MODULE), CAP(CAP_SYS_ADMIN) },
		{ "cap.add = net_admin\ncap.drop = net_admin\nidmap = u 0 1000 1\nidmap = g 0 1000 1\n", true,
		  0, CAP(CAP_NET_ADMIN) },
		{ "cap.drop = mknod\ncap.add = mknod\n", false, CAP(CAP_MKNOD), 0 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_(spec_freep) struct taper_spec *s = NULL;
		struct container_settings set;
		struct taper_err err = { 0 };
		uint64_t want =
			((cases[i].userns ? spec_caps_userns() : spec_caps_default()) | cases[i].plus) &
			~cases[i].minus;

		assert_int_equal(compile(cases[i].text, &s, &set, &err), 0);
		if (s->process.caps.bounding != want || s->process.caps.effective != want ||
		    s->process.caps.permitted != want)
			fail_msg("case %zu: caps %llx, want %llx", i,
				 (unsigned long long)s->process.caps.bounding, (unsigned long long)want);
	}
	/* The user-namespace set: broad, but never what acts on the host. */
	assert_true(spec_caps_userns() & CAP(CAP_SYS_ADMIN));
	assert_true(spec_caps_userns() & CAP(CAP_NET_ADMIN));
	assert_false(spec_caps_userns() & (CAP(CAP_SYS_MODULE) | CAP(CAP_SYS_RAWIO) | CAP(CAP_SYS_TIME) |
					   CAP(CAP_MAC_ADMIN) | CAP(CAP_MAC_OVERRIDE)));
}

static void test_cgroup_mount_and_idmap(void **state)
{
	static const struct {
		const char *text;
		enum taper_cgroup_mount mode;
		bool idmap;
	} cases[] = {
		{ "mount.cgroup = none\n", TAPER_CGROUP_MOUNT_NONE, false },
		{ "mount.cgroup = ro\n", TAPER_CGROUP_MOUNT_RO, false },
		{ "mount.cgroup = mixed\nrootfs.idmap = true\n", TAPER_CGROUP_MOUNT_MIXED, true },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_(spec_freep) struct taper_spec *s = NULL;
		struct container_settings set;
		struct taper_err err = { 0 };

		assert_int_equal(compile(cases[i].text, &s, &set, &err), 0);
		assert_int_equal(s->cgroup_mount, cases[i].mode);
		assert_int_equal(s->rootfs_idmap, cases[i].idmap);
	}
	assert_error("mount.cgroup = rw\n",
		     "/s/web1/config:1: mount.cgroup: invalid cgroup mount \"rw\" (none, ro or mixed)");
}

static void test_table_walk(void **state)
{
	size_t n;
	const struct config_key *keys = config_keys(&n);

	assert_true(n >= 40);
	for (size_t i = 0; i < n; i++) {
		const struct config_key *k = &keys[i];
		const char *ex_key = k->example_key ? k->example_key : k->key;
		_cleanup_(config_freep) struct taper_config *c = config_new("t");
		_cleanup_(spec_freep) struct taper_spec *before = spec_new(), *after = spec_new();
		_cleanup_free_ char *fa = NULL, *fb = NULL;
		struct container_settings sa, sb;
		struct taper_err err = { 0 };
		char line[512];

		const char *syntax, *doc, *example;

		/* A limit's docs are its row of the limit table, and every row
		 * of that table is a key here. */
		if ((k->flags & CONFIG_KEY_LIMIT) && !limit_opt_by_key(k->key))
			fail_msg("key %s: not in the limit table", k->key);
		config_key_docs(k, &syntax, &doc, &example);
		if (!doc || strlen(doc) < 10 || !syntax || !example || !k->apply)
			fail_msg("key %s: doc, syntax, example and apply are required", k->key);
		/* Patterns need a concrete example key; plain keys must not have one. */
		if ((strchr(k->key, 'N') || strstr(k->key, "FILE") || strstr(k->key, "NAME")) !=
		    !!k->example_key)
			fail_msg("key %s: example_key is for pattern keys only", k->key);
		assert_ptr_equal(config_key_find(ex_key), k);
		for (size_t j = 0; j < i; j++)
			if (strcmp(keys[j].key, k->key) == 0)
				fail_msg("key %s: two rows", k->key);
		/* The example goes through set (validation) and compile. */
		if (config_set(c, ex_key, example, &err) < 0)
			fail_msg("key %s: example \"%s\" refused: %s", k->key, example, err.msg);
		snprintf(line, sizeof(line), "%s = %s", ex_key, example);
		assert_string_equal(c->lines[0].raw, line);
		container_settings_init(&sb);
		container_settings_init(&sa);
		fb = fingerprint(before, &sb);
		if (strncmp(ex_key, "net.", 4) == 0 && strstr(ex_key, ".type") == NULL)
			assert_int_equal(config_set(c, "net.0.type", "veth", &err), 0);
		if (config_compile(c, "/base", after, &sa, &err) < 0)
			fail_msg("key %s: example does not compile: %s", k->key, err.msg);
		fa = fingerprint(after, &sa);
		if (strcmp(fa, fb) == 0)
			fail_msg("key %s: example \"%s\" changes nothing", k->key, example);
	}
}

/* A template's "key = value" lines, as both create paths apply them. */
static void test_set_lines(void **state)
{
	char *good[] = { "uts.name = box", "mount.entry = /a /a none bind", NULL };
	char *no_eq[] = { "uts.name=box", NULL };
	char *bad_key[] = { "no.such.key = 1", NULL };
	_cleanup_(config_freep) struct taper_config *c = NULL;
	_cleanup_strv_free_ char **v = NULL;
	struct taper_err err = { 0 };

	assert_int_equal(config_parse("", "t", &c, &err), 0);
	assert_int_equal(config_set_lines(c, good, &err), 0);
	assert_int_equal(config_set_lines(c, NULL, &err), 0);
	assert_int_equal(config_get(c, "uts.name", &v), 0);
	assert_string_equal(v[0], "box");
	assert_int_equal(config_set_lines(c, no_eq, &err), -EINVAL);
	assert_string_equal(err.msg, "template config line \"uts.name=box\"");
	memset(&err, 0, sizeof(err));
	assert_true(config_set_lines(c, bad_key, &err) < 0);
	assert_true(strncmp(err.msg, "template config: ", 17) == 0);
}

static void test_round_trip(void **state)
{
	_cleanup_(config_freep) struct taper_config *c = NULL;
	_cleanup_strv_free_ char **v = NULL;
	_cleanup_free_ char *out = NULL;
	struct taper_err err = { 0 };
	const char *text;

	text = "# web1\r\n"
	       "\n"
	       "  cgroup.memory.max =  1G  \r\n"
	       "# mounts\n"
	       "mount.entry = /a /a none bind\n"
	       "mount.entry = /b /b none bind\n"
	       "# tail comment\n"
	       "uts.name = web1\n";
	assert_int_equal(config_parse(text, "t", &c, &err), 0);
	assert_int_equal(config_format(c, &out, NULL), 0);
	/* Unchanged but for CRLF. */
	assert_string_equal(out, "# web1\n\n  cgroup.memory.max =  1G  \n# mounts\n"
				 "mount.entry = /a /a none bind\nmount.entry = /b /b none bind\n"
				 "# tail comment\nuts.name = web1\n");
	free(out);
	assert_int_equal(config_get(c, "mount.entry", &v), 0);
	assert_int_equal(strv_length(v), 2);
	assert_string_equal(v[1], "/b /b none bind");
	strv_free(v);
	assert_int_equal(config_get(c, "cgroup.pids.max", &v), 0);
	assert_int_equal(strv_length(v), 0);

	assert_int_equal(config_set(c, "cgroup.memory.max", "2G", &err), 0);        /* in place */
	assert_int_equal(config_set(c, "mount.entry", "/c /c none bind", &err), 0); /* after /b */
	assert_int_equal(config_set(c, "cgroup.pids.max", "100", &err), 0);         /* at the end */
	assert_int_equal(config_set(c, "cgroup.memory.max", "12Q", &err), -EINVAL);
	assert_string_equal(err.msg, "cgroup.memory.max: invalid size \"12Q\" (e.g. 256M, 1G, or max)");
	assert_int_equal(config_set(c, "foo.bar", "1", &err), -EINVAL);
	assert_string_equal(err.msg, "unknown key \"foo.bar\"");
	assert_int_equal(config_set(c, "uts.name", "", &err), -EINVAL);
	assert_string_equal(err.msg, "uts.name: empty value (use --unset to remove the key)");
	assert_int_equal(config_set(c, "uts.name", "a\nb", &err), -EINVAL);
	assert_string_equal(err.msg, "uts.name: the value must be one line");
	assert_int_equal(config_set(c, "uts.name", " a", &err), -EINVAL);
	assert_int_equal(config_unset(c, "uts.name", &err), 0);
	assert_int_equal(config_unset(c, "uts.name", &err), -ENOENT);
	assert_string_equal(err.msg, "key \"uts.name\" is not set");
	assert_int_equal(config_unset(c, "foo", &err), -EINVAL);
	assert_string_equal(err.msg, "unknown key \"foo\"");
	assert_int_equal(config_format(c, &out, NULL), 0);
	assert_string_equal(out, "# web1\n\ncgroup.memory.max = 2G\n# mounts\n"
				 "mount.entry = /a /a none bind\nmount.entry = /b /b none bind\n"
				 "mount.entry = /c /c none bind\n# tail comment\ncgroup.pids.max = 100\n");
	free(out);
	out = NULL;
	/* What is written parses back to the same. */
	{
		_cleanup_(config_freep) struct taper_config *c2 = NULL;
		_cleanup_free_ char *out2 = NULL;

		assert_int_equal(config_format(c, &out, NULL), 0);
		assert_int_equal(config_parse(out, "t", &c2, &err), 0);
		assert_int_equal(config_format(c2, &out2, NULL), 0);
		assert_string_equal(out, out2);
	}
	assert_int_equal(config_unset(c, "mount.entry", &err), 0);
	strv_free(v);
	assert_int_equal(config_get(c, "mount.entry", &v), 0);
	assert_int_equal(strv_length(v), 0);
	strv_free(v);
	v = NULL;
	config_free(c);
	c = NULL;
	free(out);
	out = NULL;
	/* A stray CR before a line end goes with the CRLF: a value saved
	 * back (as LF) reads the same as before. */
	assert_int_equal(config_parse("uts.name = web1\r\r\n# note\r\r\n", "t", &c, &err), 0);
	assert_int_equal(config_get(c, "uts.name", &v), 0);
	assert_string_equal(v[0], "web1");
	assert_int_equal(config_format(c, &out, NULL), 0);
	assert_string_equal(out, "uts.name = web1\n# note\n");
}

static void test_load_and_save(void **state)
{
	char dir[] = "/tmp/taper-test-config.XXXXXX";
	_cleanup_(config_freep) struct taper_config *c = NULL;
	_cleanup_close_ int dfd = -1;
	_cleanup_free_ char *text = NULL;
	struct taper_err err = { 0 };
	char p[128];

	assert_non_null(mkdtemp(dir));
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_int_equal(write_file_atomic_at(dfd, "config", "# hi\nuts.name = a\n", 18, 0600), 0);
	assert_int_equal(config_load_at(dfd, "config", "x/config", &c, &err), 0);
	assert_int_equal(config_set(c, "uts.name", "b", &err), 0);
	assert_int_equal(config_save_at(c, dfd, "config", &err), 0);
	assert_int_equal(read_file_at(dfd, "config", 4096, &text, NULL), 0);
	assert_string_equal(text, "# hi\nuts.name = b\n");
	/* A symlinked config is not followed. */
	assert_int_equal(symlinkat("/etc/passwd", dfd, "evil"), 0);
	config_free(c);
	c = NULL;
	assert_int_equal(config_load_at(dfd, "evil", "x/evil", &c, &err), -ELOOP);
	assert_int_equal(write_file_atomic_at(dfd, "nul", "a\0b", 3, 0600), 0);
	assert_int_equal(config_load_at(dfd, "nul", "x/nul", &c, &err), -EINVAL);
	assert_string_equal(err.msg, "x/nul: contains a NUL byte");
	snprintf(p, sizeof(p), "%s", dir);
	assert_int_equal(rm_rf_at(AT_FDCWD, p), 0);
}

static void test_load_container(void **state)
{
	char dir[] = "/tmp/taper-test-config.XXXXXX";
	char p[256], expect[256];
	struct taper_store *store = NULL;
	_cleanup_(spec_freep) struct taper_spec *spec = NULL;
	struct container_settings set;
	struct taper_err err = { 0 };

	assert_non_null(mkdtemp(dir));
	snprintf(p, sizeof(p), "%s/store/web1/rootfs", dir);
	assert_int_equal(mkdir_p(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/store", dir);
	assert_int_equal(store_open(p, dir, true, &store, &err), 0);
	snprintf(p, sizeof(p), "%s/store/web1/config", dir);
	FILE *f = fopen(p, "we");
	fputs("# web1\ncgroup.memory.max = 64M\n\ncgroup.pids.max = 12Q\n", f);
	fclose(f);
	assert_int_equal(config_load_container(store, "web1", &spec, &set, &err), -EINVAL);
	snprintf(expect, sizeof(expect),
		 "%s/store/web1/config:4: cgroup.pids.max: invalid value \"12Q\" "
		 "(an integer of at least 1, or max)",
		 dir);
	assert_string_equal(err.msg, expect);
	f = fopen(p, "we");
	fputs("cgroup.memory.max = 64M\n", f);
	fclose(f);
	assert_int_equal(config_load_container(store, "web1", &spec, &set, &err), 0);
	assert_string_equal(spec->name, "web1");
	assert_string_equal(spec->hostname, "web1");
	snprintf(expect, sizeof(expect), "%s/store/web1/rootfs", dir);
	assert_string_equal(spec->rootfs, expect);
	assert_string_equal(spec->process.argv[0], "/sbin/init");
	assert_true(strv_contains(spec->process.env, "container=taper"));
	assert_int_equal(spec->limits.memory_max, 64 << 20);
	assert_int_equal(set.stop_signal, SIGPWR);
	assert_int_equal(config_load_container(store, "nope", &spec, &set, &err), -ENOENT);
	assert_string_equal(err.msg, "container \"nope\" not found");
	store_free(store);
	assert_int_equal(rm_rf_at(AT_FDCWD, dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_syntax),          cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_value_errors),    cmocka_unit_test(test_cross_key_errors),
		cmocka_unit_test(test_ports),           cmocka_unit_test(test_compile_values),
		cmocka_unit_test(test_caps_and_userns), cmocka_unit_test(test_cgroup_mount_and_idmap),
		cmocka_unit_test(test_table_walk),      cmocka_unit_test(test_set_lines),
		cmocka_unit_test(test_round_trip),      cmocka_unit_test(test_load_and_save),
		cmocka_unit_test(test_load_container),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
