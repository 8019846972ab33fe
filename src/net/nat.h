/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * nat.h — masquerade and published ports through libnftables.
 *
 * Contract: taper owns one table, `ip taper`, and never touches another.
 * Its base chains are nat hooks: postrouting (srcnat), prerouting
 * (dstnat) and output (-100, for connections from the host itself), and
 * one filter hook, localnet (prerouting, -90, after dstnat). Every
 * rule carries a comment naming what it belongs to, and removal deletes
 * exactly the rules with that comment, by handle, in one transaction:
 *   "taper:bridge:<bridge>"   masquerade of the bridge's subnet leaving by
 *                              any other interface; masquerade of 127.0.0.0/8
 *                              sources leaving by the bridge; drop of what
 *                              comes in by the bridge to 127.0.0.0/8 unless
 *                              DNAT'ed (ct status dnat); masquerade of the
 *                              subnet's DNAT'ed traffic going back out by
 *                              the bridge (hairpin)
 *   "taper:ctr:<store-id>:<container>"
 *                              the container's DNAT rules; store-id as in
 *                              store.h, so two stores sharing a network
 *                              namespace never take each other's rules
 * When the last rule goes, the table goes. Every list-then-change runs
 * under an flock of NAT_LOCK_FILE, so concurrent starts and stops neither
 * lose nor double-delete rules, and a host port is given to one owner
 * only (net_ports_add). All of it acts in the calling
 * thread's network namespace, like the sysctls written here
 * (/proc/sys/net/ipv4/ip_forward, conf/<bridge>/route_localnet).
 *
 * Published ports reach the container from outside (prerouting), from the
 * host at any local address (output, `fib daddr type local`), including
 * 127.0.0.1: that needs route_localnet on the bridge, so that the kernel
 * routes a 127.0.0.1-sourced packet out of it and its replies back in, and
 * the 127/8 masquerade, so that the container answers the bridge address
 * instead of its own lo. route_localnet would also let a container reach
 * the host's loopback-only services through its gateway: the localnet drop
 * stops that (CVE-2020-8558), and is in place before route_localnet is
 * set. A port published on a 127/8 address is DNAT'ed in output only: it
 * is the host's own, out of reach of containers and neighbours alike.
 */
#ifndef TAPER_NET_NAT_H
#define TAPER_NET_NAT_H

#include <stdbool.h>
#include <stdint.h>

#include "net/ipam.h"

#define NAT_TABLE "taper"
#define NAT_RUN_DIR "/run/taper"
#define NAT_LOCK_FILE NAT_RUN_DIR "/nat.lock"
#define NAT_TAG_MAX 96

struct nat_port {
	uint32_t host_ip; /* host order; 0: every local address */
	uint16_t host_port;
	uint16_t ctr_port;
	int proto; /* IPPROTO_TCP or IPPROTO_UDP */
};

/* "[HOSTIP:]HOSTPORT:CTRPORT[/tcp|/udp]" (tcp by default). err names the
 * part: "port 80:99999: invalid container port". */
int nat_port_parse(const char *s, struct nat_port *ret, struct taper_err *err);
/* One port number, 1..65535, in plain decimal: -EINVAL, and -EDOM for a
 * leading zero ("08080": octal to some readers, decimal to others). */
int nat_port_number(const char *s, uint16_t *ret);
/* Back to text, "127.0.0.1:8080:80/tcp". */
void nat_port_format(const struct nat_port *p, char buf[48]);
/* a and b take the same connections: same protocol and host port, on the
 * same address or one of them on every address. */
bool nat_port_clash(const struct nat_port *a, const struct nat_port *b);

/* Idempotent: the bridge's masquerade rules, route_localnet on it and
 * ip_forward=1. */
int nat_bridge_add(const char *bridge, const struct ipv4_net *subnet, struct taper_err *err);
int nat_bridge_remove(const char *bridge, struct taper_err *err);
/* Drop only the subnet's masquerade (a network whose nat is off). */
int nat_bridge_unmasq(const char *bridge, struct taper_err *err);

/* The comment of a container's rules, "taper:ctr:<owner>:<container>";
 * owner is its store's id. */
void nat_ctr_tag(const char *owner, const char *container, char ret[NAT_TAG_MAX]);
/* Who a tag names, as an error says it: "container \"web\"" in the store
 * of own_tag, "container \"web\" of store <id>" in another one, "rule
 * \"<tag>\" of table ip taper" when it is no container's. */
void nat_tag_owner_text(const char *tag, const char *own_tag, char *buf, size_t size);

/* DNAT of each port to ctr_addr (host order) for container; also makes
 * 127.0.0.1 work through bridge (route_localnet + 127/8 masquerade) and
 * ctr_addr/ctr_prefix's subnet reach the ports through the host (hairpin
 * masquerade), rules that belong to the bridge. Adding again replaces the
 * old rules, in
 * the same transaction. -EADDRINUSE, and nothing changed, when a rule of
 * the table that is not container's own takes one of the ports (same
 * protocol and port, an overlapping address; see nat_port_clash): the
 * check reads the rules' matches, not their comments, and runs under the
 * lock of the change, so of concurrent publishers of one port exactly one
 * wins, across stores too. err names the holder when its comment tells:
 * "host port 8080/tcp already published by container \"web\" [of store
 * <store-id>]". */
int net_ports_add(const char *owner, const char *container, const char *bridge, const struct nat_port *ports,
		  size_t n, uint32_t ctr_addr, unsigned ctr_prefix, struct taper_err *err);
/* Deletes only container's rules; none is success. */
int net_ports_remove(const char *owner, const char *container, struct taper_err *err);

/* Number of rules carrying comment (for tests and inspect); 0 without table. */
int nat_count_rules(const char *comment, struct taper_err *err);

#endif
