/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * link.h — network devices over rtnetlink: bridge, veth pair, macvlan;
 * up/down, MTU, master, MAC address, namespace; delete; look-ups.
 *
 * Contract: every call acts in the namespace of the nl socket it is given.
 * Links are named by the caller (IFNAMSIZ-1 = 15 bytes at most; a longer
 * name is -EINVAL before anything is sent). A veth's peer and a macvlan are
 * created directly inside the target namespace (IFLA_NET_NS_FD), so their
 * name there ("eth0") never meets the host's names. Deleting a missing
 * link is -ENODEV and leaves err untouched, so teardown can be idempotent.
 *
 * An alias (IFLA_IFALIAS, `ip link show`'s "alias") marks whose a link is:
 * the kernel ignores it in a creation request, so link_set_alias() follows
 * the creation; link_del_alias() deletes only links that carry it.
 */
#ifndef TAPER_NET_LINK_H
#define TAPER_NET_LINK_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "net/nl.h"

#define LINK_ALIAS_MAX 256 /* IFALIASZ */

struct link_info {
	int ifindex;
	int master;     /* ifindex of the bridge, 0 when none */
	unsigned flags; /* IFF_UP, ... */
	int mtu;
	char name[IFNAMSIZ];
	char kind[16]; /* "bridge", "veth", "macvlan", "" */
	uint8_t hwaddr[6];
	char alias[LINK_ALIAS_MAX]; /* "" when none */
};

/* New links; mtu 0 keeps the kernel default. hwaddr may be NULL. */
int link_add_bridge(struct nl *nl, const char *name, int mtu, struct taper_err *err);
/* An Ethernet device with no other end: a lower device where no veth can
 * be made (checkconfig's macvlan probe). */
int link_add_dummy(struct nl *nl, const char *name, struct taper_err *err);
int link_add_veth(struct nl *nl, const char *host_name, const char *peer_name, int peer_netns_fd, int mtu,
		  const uint8_t *peer_hwaddr, struct taper_err *err);
/* macvlan in bridge mode on parent (a device of nl's namespace), created
 * inside netns_fd (-1: nl's namespace) under name. */
int link_add_macvlan(struct nl *nl, const char *name, const char *parent, int netns_fd, int mtu,
		     const uint8_t *hwaddr, struct taper_err *err);

int link_set_up(struct nl *nl, int ifindex, bool up, struct taper_err *err);
int link_set_mtu(struct nl *nl, int ifindex, int mtu, struct taper_err *err);
/* master_ifindex 0 detaches. */
int link_set_master(struct nl *nl, int ifindex, int master_ifindex, struct taper_err *err);
int link_set_hwaddr(struct nl *nl, int ifindex, const uint8_t hwaddr[6], struct taper_err *err);
int link_set_netns(struct nl *nl, int ifindex, int netns_fd, struct taper_err *err);
int link_set_alias(struct nl *nl, int ifindex, const char *alias, struct taper_err *err);
/* Hairpin mode of a bridge port: the bridge may send a frame back out of
 * the port it came in by. */
int link_set_hairpin(struct nl *nl, int ifindex, bool on, struct taper_err *err);

/* -ENODEV (err untouched) when there is no such link. */
int link_del(struct nl *nl, const char *name, struct taper_err *err);
int link_del_index(struct nl *nl, int ifindex, struct taper_err *err);
/* Deletes every link whose alias is alias; returns how many. */
int link_del_alias(struct nl *nl, const char *alias, struct taper_err *err);

/* ifindex (> 0) or -ENODEV; err only on other failures. */
int link_ifindex(struct nl *nl, const char *name, struct taper_err *err);
int link_get(struct nl *nl, const char *name, struct link_info *ret, struct taper_err *err);
/* 1 when it exists, 0 when not, -errno. */
int link_exists(struct nl *nl, const char *name, struct taper_err *err);

/* "02:42:ac:11:00:02" -> 6 bytes. -EINVAL. */
int hwaddr_parse(const char *s, uint8_t ret[6]);

#endif
