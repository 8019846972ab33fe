/* Links, addresses, routes, NAT and a container's network up and down, on
 * real rtnetlink and nftables. The whole process first moves into a
 * network namespace of its own; a forked child in a second one stands in
 * for the container. Nothing here touches the host's network. */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "net/addr.h"
#include "net/bridge.h"
#include "net/link.h"
#include "net/nat.h"
#include "net/netdef.h"
#include "net/netsetup.h"
#include "net/nftrules.h"
#include "util/cleanup.h"
#include "util/fs.h"

struct ctr {
	pid_t pid;
	int release; /* write end: closing it lets the child exit */
	int netns;
};

static char store[64];           /* a directory of the test's own */
static char defs[80];            /* its network definitions (none: the default) */
#define OWNER "00c0ffee00c0ffee" /* the tag of this test's containers */
#define OTHER "0123456789abcdef" /* another store's */
static const struct net_scope scope = { .owner = OWNER, .defs = defs };

/* A child in a new network namespace, parked until ctr_stop(). */
static void ctr_start(struct ctr *c)
{
	int ready[2], hold[2];
	char path[64], b;

	assert_int_equal(pipe2(ready, O_CLOEXEC), 0);
	assert_int_equal(pipe2(hold, O_CLOEXEC), 0);
	c->pid = fork();
	assert_true(c->pid >= 0);
	if (c->pid == 0) {
		close(ready[0]);
		close(hold[1]);
		if (unshare(CLONE_NEWNET) < 0 || write(ready[1], "x", 1) != 1)
			_exit(1);
		(void)!read(hold[0], &b, 1);
		_exit(0);
	}
	close(ready[1]);
	close(hold[0]);
	assert_int_equal(read(ready[0], &b, 1), 1);
	close(ready[0]);
	c->release = hold[1];
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)c->pid);
	c->netns = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(c->netns >= 0);
}

static void ctr_stop(struct ctr *c)
{
	close(c->release);
	close(c->netns);
	waitpid(c->pid, NULL, 0);
}

static int group_setup(void **state)
{
	/* Everything below lives in this private namespace, bridge included. */
	if (unshare(CLONE_NEWNET) < 0)
		return -1;
	strcpy(store, "/tmp/taper-test-net.XXXXXX");
	if (!mkdtemp(store))
		return -1;
	snprintf(defs, sizeof(defs), "%s/.networks", store);
	return 0;
}

static int group_teardown(void **state)
{
	return rm_rf_at(AT_FDCWD, store);
}

static void test_extack_and_links(void **state)
{
	_cleanup_nl_ struct nl *nl = NULL;
	struct taper_err err = { 0 };
	struct link_info li;
	uint8_t mac[6];
	int br;

	assert_int_equal(nl_open(-1, &nl, NULL), 0);
	assert_int_equal(link_add_bridge(nl, "tbr-links", 1400, NULL), 0);
	assert_int_equal(link_add_bridge(nl, "tbr-links", 0, &err), -EEXIST);
	assert_non_null(strstr(err.msg, "create bridge tbr-links: netlink"));
	assert_non_null(strstr(err.msg, "File exists"));
	assert_int_equal(link_add_bridge(nl, "a-name-far-too-long", 0, &err), -EINVAL);
	br = link_ifindex(nl, "tbr-links", NULL);
	assert_true(br > 0);
	assert_int_equal(hwaddr_parse("02:00:00:aa:bb:cc", mac), 0);
	assert_int_equal(hwaddr_parse("03:00:00:aa:bb:cc", mac), -EINVAL);
	assert_int_equal(hwaddr_parse("02:00:00:aa:bb:c", mac), -EINVAL);
	assert_int_equal(hwaddr_parse("02:00:00:aa:bb:cc", mac), 0);
	assert_int_equal(link_set_hwaddr(nl, br, mac, NULL), 0);
	assert_int_equal(link_set_mtu(nl, br, 1300, NULL), 0);
	assert_int_equal(link_set_up(nl, br, true, NULL), 0);
	assert_int_equal(link_get(nl, "tbr-links", &li, NULL), 0);
	assert_string_equal(li.kind, "bridge");
	assert_int_equal(li.mtu, 1300);
	assert_memory_equal(li.hwaddr, mac, 6);
	assert_true(li.flags & IFF_UP);
	assert_int_equal(link_exists(nl, "tbr-nothing", NULL), 0);
	assert_int_equal(link_del(nl, "tbr-nothing", &err), -ENODEV);
	assert_int_equal(link_del(nl, "tbr-links", NULL), 0);
	assert_int_equal(link_exists(nl, "tbr-links", NULL), 0);

	assert_int_equal(link_add_dummy(nl, "a-name-far-too-long", &err), -EINVAL);
	assert_non_null(strstr(err.msg, "dummy name \"a-name-far-too-long\""));
	/* A kernel without CONFIG_DUMMY refuses the kind; the error says so. */
	memset(&err, 0, sizeof(err));
	if (link_add_dummy(nl, "tdm-links", &err) == -EOPNOTSUPP) {
		assert_non_null(strstr(err.msg, "create dummy tdm-links: netlink"));
		return;
	}
	assert_int_equal(err.code, 0);
	assert_int_equal(link_get(nl, "tdm-links", &li, NULL), 0);
	assert_string_equal(li.kind, "dummy");
	assert_int_equal(link_add_dummy(nl, "tdm-links", &err), -EEXIST);
	assert_non_null(strstr(err.msg, "create dummy tdm-links: netlink"));
	assert_int_equal(link_del(nl, "tdm-links", NULL), 0);
}

static void test_veth_and_macvlan_into_child(void **state)
{
	_cleanup_nl_ struct nl *nl = NULL, *cnl = NULL;
	struct link_info li, peer;
	struct ctr c;
	in_addr_t gw, a;
	int ifindex, br;

	ctr_start(&c);
	assert_int_equal(nl_open(-1, &nl, NULL), 0);
	assert_int_equal(nl_open(c.netns, &cnl, NULL), 0);
	assert_int_equal(link_add_bridge(nl, "tbr-veth", 0, NULL), 0);
	br = link_ifindex(nl, "tbr-veth", NULL);
	/* eth0 exists in neither namespace's way: the peer is born inside. */
	assert_int_equal(link_add_veth(nl, "vt-test0", "eth0", c.netns, 1450, NULL, NULL), 0);
	assert_int_equal(link_exists(nl, "eth0", NULL), 0);
	ifindex = link_ifindex(nl, "vt-test0", NULL);
	assert_int_equal(link_set_master(nl, ifindex, br, NULL), 0);
	assert_int_equal(link_set_alias(nl, ifindex, "taper:ctr:test:c", NULL), 0);
	assert_int_equal(link_get(nl, "vt-test0", &li, NULL), 0);
	assert_int_equal(li.master, br);
	assert_string_equal(li.alias, "taper:ctr:test:c");
	assert_string_equal(li.kind, "veth");
	assert_int_equal(link_get(cnl, "eth0", &peer, NULL), 0);
	assert_int_equal(peer.mtu, 1450);

	ipv4_parse("10.5.0.2", &a), a = htonl(a);
	ipv4_parse("10.5.0.1", &gw), gw = htonl(gw);
	assert_int_equal(addr_add_ipv4(cnl, peer.ifindex, a, 24, NULL), 0);
	assert_int_equal(addr_has_ipv4(cnl, peer.ifindex, a, 24, NULL), 1);
	assert_int_equal(addr_has_ipv4(cnl, peer.ifindex, a, 16, NULL), 0);
	assert_int_equal(link_set_up(cnl, peer.ifindex, true, NULL), 0);
	assert_int_equal(route_add_default_ipv4(cnl, gw, peer.ifindex, NULL), 0);
	{
		in_addr_t got;
		int oif;

		assert_int_equal(route_get_default_ipv4(cnl, &got, &oif, NULL), 0);
		assert_int_equal(got, gw);
		assert_int_equal(oif, peer.ifindex);
		assert_int_equal(route_get_default_ipv4(nl, &got, &oif, NULL), -ENOENT);
	}
	assert_int_equal(addr_del_ipv4(cnl, peer.ifindex, a, 24, NULL), 0);
	assert_int_equal(addr_del_ipv4(cnl, peer.ifindex, a, 24, NULL), -EADDRNOTAVAIL);

	/* macvlan on the bridge, created straight into the child. */
	assert_int_equal(link_add_macvlan(nl, "mv0", "tbr-veth", c.netns, 0, NULL, NULL), 0);
	assert_int_equal(link_get(cnl, "mv0", &li, NULL), 0);
	assert_string_equal(li.kind, "macvlan");
	assert_int_equal(link_exists(nl, "mv0", NULL), 0);

	/* Deleting one end deletes the pair; only the marked link goes. */
	assert_int_equal(link_del_alias(nl, "taper:ctr:test:c", NULL), 1);
	assert_int_equal(link_exists(nl, "tbr-veth", NULL), 1);
	assert_int_equal(link_exists(cnl, "eth0", NULL), 0);
	assert_int_equal(link_del(nl, "tbr-veth", NULL), 0);
	ctr_stop(&c);
}

static int read_sysctl(const char *path)
{
	_cleanup_free_ char *s = NULL;

	return read_file(path, 64, &s) < 0 ? -1 : atoi(s);
}

static void test_container_up_down(void **state)
{
	_cleanup_nl_ struct nl *nl = NULL, *cnl = NULL;
	_cleanup_free_ char *leases = NULL;
	struct taper_netif nif = { .type = TAPER_NETIF_VETH };
	struct taper_netif stat = { .type = TAPER_NETIF_VETH, .ipv4 = "10.0.3.2/24" };
	struct taper_err err = { 0 };
	struct net_state st, st2;
	struct link_info li, host;
	struct nat_port port, port2;
	char tag[NAT_TAG_MAX], tag2[NAT_TAG_MAX];
	struct ctr c, c2;
	in_addr_t gw;
	int oif;
	char want[IPV4_STRLEN];

	ctr_start(&c);
	ctr_start(&c2);
	assert_int_equal(ipam_bridge_dir("taperbr0", &leases, NULL), 0);
	assert_int_equal(net_container_up_pid(&scope, "web1", &nif, 1, c.pid, &st, &err), 0);
	assert_int_equal(st.n, 1);
	ipv4_format(st.ifs[0].addr, want);
	assert_string_equal(want, "10.0.3.2");
	assert_string_equal(st.ifs[0].bridge, "taperbr0");
	assert_string_equal(st.ifs[0].network, "taper");

	/* Host side: bridge up with the gateway, veth enslaved and up. */
	assert_int_equal(nl_open(-1, &nl, NULL), 0);
	assert_int_equal(link_get(nl, "taperbr0", &li, NULL), 0);
	assert_true(li.flags & IFF_UP);
	ipv4_parse("10.0.3.1", &gw);
	assert_int_equal(addr_has_ipv4(nl, li.ifindex, htonl(gw), 24, NULL), 1);
	assert_int_equal(link_get(nl, st.ifs[0].host_name, &host, NULL), 0);
	assert_int_equal(host.master, li.ifindex);
	nat_ctr_tag(OWNER, "web1", tag);
	assert_string_equal(host.alias, tag); /* the mark net_container_down() goes by */
	assert_true(host.flags & IFF_UP);
	assert_int_equal(read_sysctl("/proc/sys/net/ipv4/ip_forward"), 1);
	assert_int_equal(read_sysctl("/proc/sys/net/ipv4/conf/taperbr0/route_localnet"), 1);
	assert_int_equal(nat_count_rules("taper:bridge:taperbr0", NULL), 4);

	/* Container side: eth0 addressed and up, lo up, default route. */
	assert_int_equal(nl_open(c.netns, &cnl, NULL), 0);
	assert_int_equal(link_get(cnl, "eth0", &li, NULL), 0);
	assert_true(li.flags & IFF_UP);
	assert_int_equal(addr_has_ipv4(cnl, li.ifindex, htonl(st.ifs[0].addr), 24, NULL), 1);
	assert_int_equal(route_get_default_ipv4(cnl, &gw, &oif, NULL), 0);
	assert_int_equal(ntohl(gw), st.ifs[0].gateway);
	assert_int_equal(oif, li.ifindex);
	assert_int_equal(link_get(cnl, "lo", &li, NULL), 0);
	assert_true(li.flags & IFF_UP);

	/* The same static address for a second container is refused, naming
	 * the holder, and that start leaves nothing behind. */
	assert_int_equal(net_container_up_pid(&scope, "web2", &stat, 1, c2.pid, &st2, &err), -EADDRINUSE);
	assert_non_null(strstr(err.msg, "address 10.0.3.2 already leased to container \"web1\""));
	net_veth_host_name(OWNER, "web2", 0, want);
	assert_int_equal(link_exists(nl, want, NULL), 0);
	assert_int_equal(ipam_count(leases, NULL), 1);

	/* Published ports are tagged per store and container: a second store
	 * in this namespace with a container of the same name keeps its own. */
	nat_ctr_tag(OWNER, "web1", tag);
	nat_ctr_tag(OTHER, "web1", tag2);
	assert_string_not_equal(tag, tag2);
	assert_int_equal(strncmp(tag, "taper:ctr:", 10), 0);
	assert_int_equal(nat_port_parse("8080:80", &port, NULL), 0);
	assert_int_equal(net_ports_add(OWNER, "web1", "taperbr0", &port, 1, st.ifs[0].addr, 24, NULL), 0);
	assert_int_equal(nat_count_rules(tag, NULL), 2);
	assert_int_equal(net_ports_add(OWNER, "web1", "taperbr0", &port, 1, st.ifs[0].addr, 24, NULL), 0);
	assert_int_equal(nat_count_rules(tag, NULL), 2);
	/* ... but never the same host port: the installed rules decide,
	 * whichever store put them there, and a refusal changes nothing. */
	assert_int_equal(net_ports_add(OTHER, "web1", "taperbr0", &port, 1, st.ifs[0].addr, 24, &err),
			 -EADDRINUSE);
	{
		char want_err[160];

		snprintf(want_err, sizeof(want_err),
			 "host port 8080/tcp already published by container \"web1\" of store %s", OWNER);
		assert_non_null(strstr(err.msg, want_err));
	}
	assert_int_equal(nat_count_rules(tag2, NULL), 0);
	assert_int_equal(nat_port_parse("127.0.0.1:8080:80/tcp", &port2, NULL), 0);
	assert_int_equal(net_ports_add(OTHER, "web1", "taperbr0", &port2, 1, st.ifs[0].addr, 24, NULL),
			 -EADDRINUSE);
	assert_int_equal(nat_port_parse("8080:80/udp", &port2, NULL), 0);
	assert_int_equal(net_ports_add(OTHER, "web1", "taperbr0", &port2, 1, st.ifs[0].addr, 24, NULL), 0);
	assert_int_equal(nat_count_rules(tag2, NULL), 2);
	assert_int_equal(net_ports_remove(OTHER, "web1", NULL), 0);
	assert_int_equal(nat_count_rules(tag2, NULL), 0);
	assert_int_equal(nat_count_rules(tag, NULL), 2);

	/* Down leaves no veth, no lease, no port rule; twice is fine. */
	assert_int_equal(net_container_down(OWNER, "web1", &err), 0);
	assert_int_equal(link_exists(nl, st.ifs[0].host_name, NULL), 0);
	assert_int_equal(link_exists(cnl, "eth0", NULL), 0);
	assert_int_equal(ipam_count(leases, NULL), 0);
	assert_int_equal(nat_count_rules(tag, NULL), 0);
	assert_int_equal(nat_count_rules("taper:bridge:taperbr0", NULL), 4);
	assert_int_equal(net_container_down(OWNER, "web1", &err), 0);
	assert_int_equal(link_del_alias(nl, tag, NULL), 0);

	/* The bridge's removal takes the table with it. */
	{
		struct net_def d;

		netdef_default(&d);
		assert_int_equal(net_bridge_remove(nl, &d, NULL), 0);
		assert_int_equal(link_exists(nl, "taperbr0", NULL), 0);
		assert_int_equal(nat_count_rules("taper:bridge:taperbr0", NULL), 0);
	}
	ctr_stop(&c2); /* c2's child holds a copy of c's release end */
	ctr_stop(&c);
}

static void test_down_after_crash(void **state)
{
	_cleanup_nl_ struct nl *nl = NULL;
	struct taper_netif ifs[2] = { { .type = TAPER_NETIF_VETH }, { .type = TAPER_NETIF_VETH } };
	struct net_state st;
	struct ctr c;

	/* Two interfaces on one network: two addresses, found by name later
	 * with no state at hand. */
	ctr_start(&c);
	assert_int_equal(nl_open(-1, &nl, NULL), 0);
	assert_int_equal(net_container_up(&scope, "crashy", ifs, 2, c.netns, &st, NULL), 0);
	assert_int_equal(st.n, 2);
	assert_int_not_equal(st.ifs[0].addr, st.ifs[1].addr);
	assert_string_equal(st.ifs[1].name, "eth1");
	assert_int_equal(link_exists(nl, st.ifs[1].host_name, NULL), 1);
	assert_int_equal(net_container_down(OWNER, "crashy", NULL), 0);
	assert_int_equal(link_exists(nl, st.ifs[0].host_name, NULL), 0);
	assert_int_equal(link_exists(nl, st.ifs[1].host_name, NULL), 0);
	ctr_stop(&c);
	{
		struct net_def d;

		netdef_default(&d);
		assert_int_equal(net_bridge_remove(nl, &d, NULL), 0);
	}
}

/* Concurrent publishers and removers, each on a bridge of its own, so that
 * the table empties and refills all the time: without the lock a removal
 * that listed before another's add committed deleted the table (and that
 * add's rules) with it. */
static void test_nat_concurrent(void **state)
{
	_cleanup_nl_ struct nl *nl = NULL;
	enum {
		KIDS = 6,
		ROUNDS = 30
	};
	pid_t kids[KIDS];

	assert_int_equal(nl_open(-1, &nl, NULL), 0);
	for (int k = 0; k < KIDS; k++) {
		char br[IFNAMSIZ];

		snprintf(br, sizeof(br), "tbc%d", k);
		assert_int_equal(link_add_bridge(nl, br, 0, NULL), 0);
	}
	for (int k = 0; k < KIDS; k++) {
		kids[k] = fork();
		assert_true(kids[k] >= 0);
		if (kids[k] == 0) {
			struct nat_port port = { .host_port = (uint16_t)(9000 + k),
						 .ctr_port = 80,
						 .proto = IPPROTO_TCP };
			char br[IFNAMSIZ], name[16], tag[NAT_TAG_MAX];

			snprintf(br, sizeof(br), "tbc%d", k);
			snprintf(name, sizeof(name), "c%d", k);
			nat_ctr_tag(OWNER, name, tag);
			for (int i = 0; i < ROUNDS; i++) {
				if (net_ports_add(OWNER, name, br, &port, 1, 0x0a000302, 24, NULL) < 0)
					_exit(10);
				if (nat_count_rules(tag, NULL) != 2)
					_exit(11);
				if (net_ports_remove(OWNER, name, NULL) < 0 ||
				    nat_bridge_remove(br, NULL) < 0)
					_exit(12);
			}
			_exit(0);
		}
	}
	for (int k = 0; k < KIDS; k++) {
		int status;

		assert_int_equal(waitpid(kids[k], &status, 0), kids[k]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	assert_int_equal(nat_count_rules("taper:", NULL), 0);
	for (int k = 0; k < KIDS; k++) {
		char br[IFNAMSIZ];

		snprintf(br, sizeof(br), "tbc%d", k);
		assert_int_equal(link_del(nl, br, NULL), 0);
	}
}

/* A network with nat off loses the masquerade it had, keeps the loopback
 * rules published ports need (the 127/8 masquerade and drop, the hairpin
 * masquerade). */
static void test_nat_follows_definition(void **state)
{
	_cleanup_nl_ struct nl *nl = NULL;
	struct net_def d;

	assert_int_equal(nl_open(-1, &nl, NULL), 0);
	netdef_default(&d);
	snprintf(d.bridge, sizeof(d.bridge), "tbnat");
	assert_true(d.nat);
	assert_true(net_bridge_ensure(nl, &d, NULL) > 0);
	assert_int_equal(nat_count_rules("taper:bridge:tbnat:masq", NULL), 1);
	assert_int_equal(nat_count_rules("taper:bridge:tbnat", NULL), 4);
	d.nat = false;
	assert_true(net_bridge_ensure(nl, &d, NULL) > 0);
	assert_int_equal(nat_count_rules("taper:bridge:tbnat:masq", NULL), 0);
	assert_int_equal(nat_count_rules("taper:bridge:tbnat:localnet", NULL), 1);
	assert_int_equal(nat_count_rules("taper:bridge:tbnat:hairpin", NULL), 1);
	assert_int_equal(nat_count_rules("taper:bridge:tbnat", NULL), 3);
	assert_int_equal(net_bridge_remove(nl, &d, NULL), 0);
	assert_int_equal(nat_count_rules("taper:", NULL), 0);
}

static uint32_t generation(void)
{
	uint32_t gen;

	assert_int_equal(nft_generation(&gen, NULL), 0);
	return gen;
}

/* Once a bridge's rules exist, a start on it and a start or stop without
 * published ports commit nothing to nftables (the generation stays); a
 * rule deleted by hand is put back by the next start. */
static void test_rules_in_place(void **state)
{
	_cleanup_nft_rules_ struct nft_rules rules = { 0 };
	struct taper_netif nif = { .type = TAPER_NETIF_VETH };
	struct net_state st;
	struct ctr c, c2;
	char cmd[128];
	uint32_t gen;
	bool seen = false;

	ctr_start(&c);
	ctr_start(&c2);
	assert_int_equal(net_container_up_pid(&scope, "web1", &nif, 1, c.pid, &st, NULL), 0);
	assert_int_equal(nat_count_rules("taper:bridge:taperbr0", NULL), 4);
	gen = generation();
	assert_int_equal(net_container_up_pid(&scope, "web2", &nif, 1, c2.pid, &st, NULL), 0);
	assert_int_equal(net_ports_remove(OWNER, "web2", NULL), 0);
	assert_int_equal(net_container_down(OWNER, "web2", NULL), 0);
	assert_int_equal(generation(), gen);

	/* The reader sees what nft wrote: chain, handle, comment. */
	assert_int_equal(nft_rules_list(AF_INET, NAT_TABLE, &rules, NULL), 0);
	assert_int_equal(rules.n, 4);
	for (size_t i = 0; i < rules.n; i++) {
		if (strcmp(rules.rules[i].comment, "taper:bridge:taperbr0:localnet") != 0)
			continue;
		assert_string_equal(rules.rules[i].chain, "localnet");
		snprintf(cmd, sizeof(cmd), "nft delete rule ip " NAT_TABLE " localnet handle %llu",
			 (unsigned long long)rules.rules[i].handle);
		seen = true;
	}
	assert_true(seen);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(nat_count_rules("taper:bridge:taperbr0:localnet", NULL), 0);
	assert_int_equal(net_container_up_pid(&scope, "web2", &nif, 1, c2.pid, &st, NULL), 0);
	assert_int_equal(nat_count_rules("taper:bridge:taperbr0:localnet", NULL), 1);
	assert_int_equal(nat_count_rules("taper:bridge:taperbr0", NULL), 4);

	assert_int_equal(net_container_down(OWNER, "web2", NULL), 0);
	assert_int_equal(net_container_down(OWNER, "web1", NULL), 0);
	{
		_cleanup_nl_ struct nl *nl = NULL;
		struct net_def d;

		assert_int_equal(nl_open(-1, &nl, NULL), 0);
		netdef_default(&d);
		assert_int_equal(net_bridge_remove(nl, &d, NULL), 0);
	}
	assert_int_equal(nat_count_rules("taper:bridge:taperbr0", NULL), 0);
	ctr_stop(&c2);
	ctr_stop(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_extack_and_links),  cmocka_unit_test(test_veth_and_macvlan_into_child),
		cmocka_unit_test(test_container_up_down), cmocka_unit_test(test_down_after_crash),
		cmocka_unit_test(test_nat_concurrent),    cmocka_unit_test(test_nat_follows_definition),
		cmocka_unit_test(test_rules_in_place),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
