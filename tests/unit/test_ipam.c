/* IPAM, subnets, port specs, network definitions, state text, resolv.conf:
 * everything of net/ that needs no kernel network state. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "net/etcfiles.h"
#include "net/ipam.h"
#include "net/nat.h"
#include "net/netdef.h"
#include "net/netsetup.h"
#include "util/cleanup.h"
#include "util/fs.h"

static char dir[64];

static int setup(void **state)
{
	strcpy(dir, "/tmp/taper-test-ipam.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	return rm_rf_at(AT_FDCWD, dir);
}

static void test_subnet_table(void **state)
{
	static const struct {
		const char *cidr, *gw, *msg; /* msg NULL: valid */
	} rows[] = {
		{ "10.0.3.0/24", NULL, NULL },
		{ "10.0.3.0/24", "10.0.3.254", NULL },
		{ "10.0.0.0/8", NULL, NULL },
		{ "192.168.7.4/30", NULL, NULL },
		{ "10.0.3.0/33", NULL, "10.0.3.0/33: invalid prefix length" },
		{ "10.0.3.0/", NULL, "10.0.3.0/: invalid prefix length" },
		{ "10.0.3.0/31", NULL, "10.0.3.0/31: prefix length must be 8..30" },
		{ "10.0.0.0/7", NULL, "10.0.0.0/7: prefix length must be 8..30" },
		{ "10.0.3.1/24", NULL, "10.0.3.1/24: host bits set (not the network address)" },
		{ "10.0.3.0", NULL, "10.0.3.0: not an IPv4 subnet (a.b.c.d/len)" },
		{ "10.0.03.0/24", NULL, "10.0.03.0/24: not an IPv4 subnet (a.b.c.d/len)" },
		{ "10.0.256.0/24", NULL, "10.0.256.0/24: not an IPv4 subnet (a.b.c.d/len)" },
		{ "10.0.3.0/24", "10.0.4.1", "gateway 10.0.4.1: outside 10.0.3.0/24" },
		{ "10.0.3.0/24", "10.0.3.0",
		  "gateway 10.0.3.0: network or broadcast address of 10.0.3.0/24" },
		{ "10.0.3.0/24", "10.0.3.255",
		  "gateway 10.0.3.255: network or broadcast address of 10.0.3.0/24" },
		{ "10.0.3.0/24", "10.0.3", "gateway 10.0.3: not an IPv4 address" },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct taper_err err = { 0 };
		struct ipv4_net n;
		int r = ipv4_net_parse(rows[i].cidr, rows[i].gw, &n, &err);

		if (!rows[i].msg) {
			assert_int_equal(r, 0);
			continue;
		}
		assert_int_equal(r, -EINVAL);
		assert_string_equal(err.msg, rows[i].msg);
	}
}

static void test_allocate_reserve_release(void **state)
{
	struct taper_err err = { 0 };
	struct ipv4_net n;
	uint32_t a, b, want;
	char holder[IPAM_OWNER_MAX], leases[128];
	struct stat st;

	snprintf(leases, sizeof(leases), "%s/br0", dir);
	assert_int_equal(ipv4_net_parse("10.9.0.0/29", "10.9.0.3", &n, NULL), 0);
	/* Lowest free after the gateway, then wrapping below it. */
	assert_int_equal(ipam_allocate(leases, &n, "one", &a, NULL), 0);
	ipv4_parse("10.9.0.4", &want);
	assert_int_equal(a, want);
	/* The same owner gets the same address again (idempotent). */
	assert_int_equal(ipam_reserve(leases, &n, a, "one", NULL, NULL), 0);
	assert_int_equal(ipam_reserve(leases, &n, a, "taper:ctr:1:two", holder, &err), -EADDRINUSE);
	assert_string_equal(err.msg, "address 10.9.0.4 already leased to \"one\": Address already in use");
	assert_string_equal(holder, "one");
	assert_int_equal(ipam_reserve(leases, &n, n.gateway, "two", NULL, &err), -EADDRINUSE);
	assert_int_equal(ipam_reserve(leases, &n, n.network, "two", NULL, &err), -EINVAL);
	assert_int_equal(ipam_reserve(leases, &n, n.network, "a/b", NULL, &err), -EINVAL);
	ipv4_parse("10.9.1.4", &b);
	assert_int_equal(ipam_reserve(leases, &n, b, "two", NULL, &err), -EINVAL);
	assert_string_equal(err.msg, "address 10.9.1.4: outside 10.9.0.0/29");
	/* Fill: .5 .6 .1 .2 are the rest of the hosts. */
	for (int i = 0; i < 4; i++)
		assert_int_equal(ipam_allocate(leases, &n, "filler", &b, NULL), 0);
	ipv4_parse("10.9.0.2", &want);
	assert_int_equal(b, want);
	assert_int_equal(ipam_allocate(leases, &n, "late", &b, &err), -ENOSPC);
	assert_string_equal(err.msg, "no free address in 10.9.0.0/29: No space left on device");
	assert_int_equal(ipam_count(leases, NULL), 5);
	assert_int_equal(ipam_lookup(leases, "filler", &b, NULL), 0);
	ipv4_parse("10.9.0.1", &want);
	assert_int_equal(b, want);
	/* Release by someone else does nothing; by the owner frees. */
	assert_int_equal(ipam_release(leases, a, "two", NULL), 0);
	assert_int_equal(ipam_count(leases, NULL), 5);
	assert_int_equal(ipam_release(leases, a, "one", NULL), 0);
	assert_int_equal(ipam_release_owner(leases, "filler", NULL), 4);
	assert_int_equal(ipam_count(leases, NULL), 0);
	/* The last release took the directory; the next lease makes it. */
	assert_int_equal(stat(leases, &st), -1);
	assert_int_equal(ipam_allocate(leases, &n, "again", &b, NULL), 0);
	assert_int_equal(ipam_release_owner(leases, "again", NULL), 1);
	assert_int_equal(ipam_lookup(leases, "filler", &b, NULL), -ENOENT);
}

static void test_concurrent_allocations(void **state)
{
	enum {
		N = 20
	};
	char sub[128];
	struct ipv4_net n;
	int fds[2];
	uint32_t got[N];
	bool seen[256] = { 0 };

	snprintf(sub, sizeof(sub), "%s/race", dir);
	assert_int_equal(ipv4_net_parse("10.7.0.0/24", NULL, &n, NULL), 0);
	assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
	for (int i = 0; i < N; i++) {
		pid_t pid = fork();

		assert_true(pid >= 0);
		if (pid == 0) {
			char owner[16];
			uint32_t a = 0;

			snprintf(owner, sizeof(owner), "c%d", i);
			if (ipam_allocate(sub, &n, owner, &a, NULL) < 0)
				a = 0;
			_exit(write(fds[1], &a, sizeof(a)) == sizeof(a) ? 0 : 1);
		}
	}
	close(fds[1]);
	for (int i = 0; i < N; i++) {
		assert_int_equal(read(fds[0], &got[i], sizeof(got[i])), sizeof(got[i]));
		assert_int_equal(got[i] & 0xffffff00u, n.network);
		assert_false(seen[got[i] & 255]);
		seen[got[i] & 255] = true;
	}
	while (wait(NULL) > 0)
		;
	close(fds[0]);
	/* Exactly .2 .. .21: lowest-free, no holes, no duplicates. */
	for (int i = 2; i < 2 + N; i++)
		assert_true(seen[i]);
	assert_int_equal(ipam_count(sub, NULL), N);
	for (int i = 0; i < N; i++) {
		char owner[16];

		snprintf(owner, sizeof(owner), "c%d", i);
		assert_int_equal(ipam_release_owner(sub, owner, NULL), 1);
	}
	assert_int_equal(ipam_count(sub, NULL), 0);
}

/* One lease space per bridge and network namespace, whatever store asks. */
static void test_bridge_dir(void **state)
{
	_cleanup_free_ char *a = NULL, *b = NULL, *root = NULL;
	int fds[2];
	char other[128] = "";
	pid_t pid;

	assert_int_equal(ipam_bridge_dir("taperbr0", &a, NULL), 0);
	assert_int_equal(ipam_bridge_dir("taperbr0", &b, NULL), 0);
	assert_string_equal(a, b);
	assert_int_equal(strncmp(a, IPAM_RUN_DIR "/", strlen(IPAM_RUN_DIR) + 1), 0);
	assert_int_equal(ipam_bridge_dir(NULL, &root, NULL), 0);
	assert_int_equal(strncmp(a, root, strlen(root)), 0);
	assert_string_equal(a + strlen(root), "/taperbr0");
	assert_int_equal(ipam_bridge_dir("../x", &b, NULL), -EINVAL);
	/* Another network namespace, another space. */
	assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		_cleanup_free_ char *c = NULL;

		if (unshare(CLONE_NEWNET) < 0 || ipam_bridge_dir("taperbr0", &c, NULL) < 0)
			_exit(1);
		_exit(write(fds[1], c, strlen(c)) > 0 ? 0 : 1);
	}
	close(fds[1]);
	assert_true(read(fds[0], other, sizeof(other) - 1) > 0);
	close(fds[0]);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	assert_string_not_equal(other, a);
}

static void test_port_parse(void **state)
{
	static const struct {
		const char *s, *out, *msg;
	} rows[] = {
		{ "8080:80", "8080:80/tcp", NULL },
		{ "127.0.0.1:8080:80/udp", "127.0.0.1:8080:80/udp", NULL },
		{ "8080:80/sctp", NULL, "\"8080:80/sctp\": protocol must be tcp or udp" },
		{ "8080:99999", NULL, "\"8080:99999\": invalid container port 99999" },
		{ "0:80", NULL, "\"0:80\": invalid host port 0" },
		{ "1.2.3:8080:80", NULL, "\"1.2.3:8080:80\": invalid host address \"1.2.3\"" },
		{ "::80", NULL, "\"::80\": expected [HOSTIP:]HOSTPORT:CTRPORT[/tcp|udp]" },
		{ "80", NULL, "\"80\": expected [HOSTIP:]HOSTPORT:CTRPORT[/tcp|udp]" },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct taper_err err = { 0 };
		struct nat_port p;
		char buf[48];
		int r = nat_port_parse(rows[i].s, &p, &err);

		if (rows[i].out) {
			assert_int_equal(r, 0);
			nat_port_format(&p, buf);
			assert_string_equal(buf, rows[i].out);
		} else {
			assert_int_equal(r, -EINVAL);
			assert_string_equal(err.msg, rows[i].msg);
		}
	}
}

static void test_netdef_roundtrip(void **state)
{
	struct taper_err err = { 0 };
	_cleanup_strv_free_ char **names = NULL;
	_cleanup_free_ char *text = NULL;
	struct net_def d, back;

	netdef_default(&d);
	assert_string_equal(d.bridge, "taperbr0");
	assert_int_equal(netdef_load(dir, "taper", &back, NULL), 0);
	assert_true(back.builtin);
	assert_int_equal(netdef_load(dir, "nope", &back, &err), -ENOENT);
	assert_string_equal(err.msg, "network \"nope\" not found");

	snprintf(d.name, sizeof(d.name), "lab");
	netdef_bridge_name(d.name, d.bridge);
	assert_string_equal(d.bridge, "tb-lab");
	assert_int_equal(ipv4_net_parse("10.77.0.0/16", "10.77.0.254", &d.subnet, NULL), 0);
	d.nat = false;
	d.mtu = 1400;
	d.builtin = false;
	/* Overlaps the default 10.0.3.0/24? No; this one does: */
	struct net_def clash = d;
	snprintf(clash.name, sizeof(clash.name), "clash");
	snprintf(clash.bridge, sizeof(clash.bridge), "tb-clash");
	assert_int_equal(ipv4_net_parse("10.0.0.0/16", NULL, &clash.subnet, NULL), 0);
	assert_int_equal(netdef_create(dir, &clash, &err), -EEXIST);
	assert_string_equal(err.msg, "subnet 10.0.0.0/16: overlaps network taper: File exists");

	assert_int_equal(netdef_create(dir, &d, NULL), 0);
	assert_int_equal(netdef_create(dir, &d, &err), -EEXIST);
	assert_int_equal(netdef_load(dir, "lab", &back, NULL), 0);
	assert_memory_equal(&back.subnet, &d.subnet, sizeof(d.subnet));
	assert_string_equal(back.bridge, "tb-lab");
	assert_int_equal(back.mtu, 1400);
	assert_false(back.nat);
	assert_int_equal(netdef_list(dir, &names, NULL), 0);
	assert_string_equal(names[0], "lab");
	assert_string_equal(names[1], "taper");
	assert_null(names[2]);
	assert_int_equal(netdef_parse("x", NULL, "subnet = 10.0.0.0/8\ncolour = red\n", &back, &err),
			 -EINVAL);
	assert_string_equal(err.msg, "network x:2: unknown key \"colour\"");
	assert_int_equal(netdef_parse("x", NULL, "subnet = 10.0.0.0/8\nmtu = 20\n", &back, &err), -EINVAL);
	assert_int_equal(netdef_remove(dir, "lab", NULL), 0);
	assert_int_equal(netdef_load(dir, "lab", &back, NULL), -ENOENT);
	netdef_bridge_name("a-very-long-network-name", d.bridge);
	assert_int_equal(strlen(d.bridge), 11);
}

static void test_state_roundtrip(void **state)
{
	struct net_state st = { .container = "web1", .n = 1 }, back;
	_cleanup_free_ char *text = NULL, *again = NULL;

	st.ifs[0].type = TAPER_NETIF_VETH;
	strcpy(st.ifs[0].name, "eth0");
	net_veth_host_name("/var/lib/taper", "web1", 0, st.ifs[0].host_name);
	strcpy(st.ifs[0].network, "taper");
	strcpy(st.ifs[0].bridge, "taperbr0");
	ipv4_parse("10.0.3.2", &st.ifs[0].addr);
	st.ifs[0].prefix = 24;
	ipv4_parse("10.0.3.1", &st.ifs[0].gateway);
	assert_int_equal(strlen(st.ifs[0].host_name), 14);
	assert_memory_equal(st.ifs[0].host_name, "vt", 2);
	assert_int_equal(net_state_format(&st, &text), 0);
	assert_int_equal(net_state_parse(text, NULL, &back, NULL), 0);
	assert_int_equal(net_state_format(&back, &again), 0);
	assert_string_equal(text, again);
	assert_int_equal(net_state_parse("if.9.name = x\n", NULL, &back, NULL), -EINVAL);
	/* Every state names its container: one without could not be read
	 * back once written. */
	assert_int_equal(net_state_parse("", NULL, &back, NULL), -EINVAL);
	assert_int_equal(net_state_parse("if.0.name = eth0\n", NULL, &back, NULL), -EINVAL);
}

/* A value is read whole or refused with the file, line and key: never
 * cut at a length or at a blank (an "if.0.name = eth0 junk" used to read
 * as eth0, an overlong one as its first 127 bytes). */
static void test_state_long_values(void **state)
{
	_cleanup_free_ char *longv = NULL, *longline = NULL;
	struct taper_err err = { 0 };
	struct net_state back;

	assert_true(asprintf(&longv, "container = web1\nif.0.network = %0200d\n", 7) > 0);
	assert_int_equal(net_state_parse(longv, "/run/t/web1/net", &back, &err), -EINVAL);
	assert_string_equal(err.msg, "/run/t/web1/net:2: if.0.network: value too long \""
				     "0000000000000000000000000000000000000000000000000000000000000000\"");
	assert_int_equal(
		net_state_parse("container = web1\nif.0.name = eth0 junk\n", "/run/t/web1/net", &back, &err),
		-EINVAL);
	assert_string_equal(err.msg,
			    "/run/t/web1/net:2: if.0.name: not an interface or network name \"eth0 junk\"");
	assert_true(asprintf(&longline, "container = web1\nif.0.bridge = br%05000d\n", 0) > 0);
	assert_int_equal(net_state_parse(longline, "/run/t/web1/net", &back, &err), -EINVAL);
	assert_string_equal(err.msg, "/run/t/web1/net:2: if.0.bridge: line longer than 4096 bytes");
	assert_int_equal(net_state_parse("container = web1\nif.0.mtu = 1\n", NULL, &back, &err), -EINVAL);
	assert_string_equal(err.msg, "network state:2: unknown key \"if.0.mtu\"");
}

static void test_veth_names(void **state)
{
	char a[IFNAMSIZ], b[IFNAMSIZ], c[IFNAMSIZ];

	net_veth_host_name("/s1", "web1", 0, a);
	net_veth_host_name("/s2", "web1", 0, b);
	net_veth_host_name("/s1", "web1", 1, c);
	assert_string_not_equal(a, b);
	assert_memory_equal(a, c, 13); /* one prefix per container */
	assert_string_not_equal(a, c);
}

static void test_etc_files(void **state)
{
	_cleanup_free_ char *r1 = NULL, *r2 = NULL, *h = NULL;
	char *ns[] = { "9.9.9.9", NULL };
	struct net_state st = { .n = 1 };

	assert_int_equal(net_resolv_content("# host\nnameserver 127.0.0.53\nnameserver 1.1.1.1\n"
					    "search lan\noptions edns0\n",
					    NULL, &r1),
			 0);
	assert_string_equal(r1, "# host\nnameserver 1.1.1.1\nsearch lan\noptions edns0\n");
	assert_int_equal(net_resolv_content("nameserver 1.1.1.1\nsearch lan\n", ns, &r2), 0);
	assert_string_equal(r2, "nameserver 9.9.9.9\nsearch lan\n");
	ipv4_parse("10.0.3.2", &st.ifs[0].addr);
	assert_int_equal(net_hosts_content("web1", &st, &h), 0);
	assert_non_null(strstr(h, "127.0.0.1\tlocalhost\n"));
	assert_non_null(strstr(h, "10.0.3.2\tweb1\n"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_subnet_table),
		cmocka_unit_test_setup_teardown(test_allocate_reserve_release, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_allocations, setup, teardown),
		cmocka_unit_test(test_bridge_dir),
		cmocka_unit_test(test_port_parse),
		cmocka_unit_test_setup_teardown(test_netdef_roundtrip, setup, teardown),
		cmocka_unit_test(test_state_roundtrip),
		cmocka_unit_test(test_state_long_values),
		cmocka_unit_test(test_veth_names),
		cmocka_unit_test(test_etc_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
