/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ipam.h — IPv4 subnets and address leases.
 *
 * Contract: a subnet is a network address with a prefix of 8..30 and a
 * gateway inside it that is neither the network nor the broadcast address.
 * Addresses here are host byte order (uint32_t) so arithmetic is plain.
 *
 * Leases live in a directory of their own, one file per address named by
 * it ("10.0.3.2") holding its owner: a string of 1..IPAM_OWNER_MAX-1
 * printable characters without '/'. A lease is taken by link(2)ing a
 * complete temp file onto that name: the kernel makes exactly one of any
 * number of concurrent takers win, whatever process or store they are,
 * with no lock and nothing half-written to read. Allocation is the lowest
 * free address after the gateway, so it is deterministic. Reserving an
 * address its owner already holds succeeds; allocating always gives a new
 * one (an owner may hold several). Releasing the last lease removes the
 * directory (and its parent when empty); a taker that finds its directory
 * gone makes it again.
 *
 * The directory of a bridge is ipam_bridge_dir(): one lease space per
 * bridge, whichever store's network names it, under /run, because a lease
 * lives exactly as long as a running container: a reboot, which ends
 * them all, ends their leases too.
 */
#ifndef TAPER_NET_IPAM_H
#define TAPER_NET_IPAM_H

#include <netinet/in.h>
#include <stdint.h>

#include "util/err.h"

#define IPV4_STRLEN 16 /* "255.255.255.255" */
#define IPAM_OWNER_MAX 128
#define IPAM_RUN_DIR "/run/taper/net"
#define IPV4_CIDR_STRLEN 19

struct ipv4_net {
	uint32_t network; /* host order */
	unsigned prefix;
	uint32_t gateway; /* host order */
};

/* "1.2.3.4" strictly (no leading zeros, no short forms). -EINVAL. */
int ipv4_parse(const char *s, uint32_t *ret);
/* "1.2.3.4/24" -> address and prefix (0..32). -EINVAL. */
int ipv4_cidr_parse(const char *s, uint32_t *ret_addr, unsigned *ret_prefix);
void ipv4_format(uint32_t addr, char buf[IPV4_STRLEN]);
static inline uint32_t ipv4_mask(unsigned prefix)
{
	return prefix ? ~0u << (32 - prefix) : 0;
}
static inline in_addr_t ipv4_to_be(uint32_t a)
{
	return htonl(a);
}

/* Subnet from "10.0.3.0/24" and an optional gateway (NULL: the first host
 * address). err names what is wrong: "10.0.3.0/33: invalid prefix length". */
int ipv4_net_parse(const char *cidr, const char *gateway, struct ipv4_net *ret, struct taper_err *err);
/* "10.0.3.0/24" */
void ipv4_net_format(const struct ipv4_net *net, char buf[IPV4_CIDR_STRLEN]);
/* addr is a usable host of net: inside, not network, broadcast or gateway. */
int ipv4_net_host_ok(const struct ipv4_net *net, uint32_t addr, struct taper_err *err);

/* "/run/taper/net/<netns>/<bridge>" (bridge NULL: without it): <netns> is
 * the cookie of the calling thread's network namespace (SO_NETNS_COOKIE),
 * which the kernel never gives twice in a boot, so a bridge of another
 * namespace, or of one gone, never shares its leases. */
int ipam_bridge_dir(const char *bridge, char **ret, struct taper_err *err);

/* Lowest free host address after the gateway, leased to owner. -ENOSPC. */
int ipam_allocate(const char *dir, const struct ipv4_net *net, const char *owner, uint32_t *ret,
		  struct taper_err *err);
/* A static address: -EADDRINUSE naming the holder when another owns it;
 * ret_holder (may be NULL) gets the holder then. */
int ipam_reserve(const char *dir, const struct ipv4_net *net, uint32_t addr, const char *owner,
		 char ret_holder[IPAM_OWNER_MAX], struct taper_err *err);
/* Drop addr if owner holds it (0 also when it was not leased). */
int ipam_release(const char *dir, uint32_t addr, const char *owner, struct taper_err *err);
/* Drop every lease of owner; returns how many. A missing dir is 0. */
int ipam_release_owner(const char *dir, const char *owner, struct taper_err *err);
/* Number of leases in dir (0 when it does not exist). */
int ipam_count(const char *dir, struct taper_err *err);
/* Calls fn(addr, owner) for each lease; a non-zero return stops the walk
 * and is returned. */
int ipam_foreach(const char *dir, int (*fn)(uint32_t addr, const char *owner, void *data), void *data,
		 struct taper_err *err);
/* The lowest address owner holds in dir; -ENOENT when none. */
int ipam_lookup(const char *dir, const char *owner, uint32_t *ret, struct taper_err *err);

#endif
