/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * addr.h — IPv4 addresses and routes over rtnetlink.
 *
 * Contract: addresses are in_addr_t in network byte order, prefixes 0..32.
 * Every call acts in the namespace of its nl socket. Adding what is already
 * there is -EEXIST (err set); deleting what is not there is
 * -EADDRNOTAVAIL / -ESRCH with err untouched, for idempotent teardown.
 */
#ifndef TAPER_NET_ADDR_H
#define TAPER_NET_ADDR_H

#include <netinet/in.h>

#include "net/nl.h"

int addr_add_ipv4(struct nl *nl, int ifindex, in_addr_t addr, unsigned prefix, struct taper_err *err);
int addr_del_ipv4(struct nl *nl, int ifindex, in_addr_t addr, unsigned prefix, struct taper_err *err);
/* 1 when ifindex carries addr/prefix, 0 when not. */
int addr_has_ipv4(struct nl *nl, int ifindex, in_addr_t addr, unsigned prefix, struct taper_err *err);
/* The first IPv4 address of ifindex; -ENOENT when it has none. */
int addr_first_ipv4(struct nl *nl, int ifindex, in_addr_t *ret_addr, unsigned *ret_prefix,
		    struct taper_err *err);

/* Forget the neighbour (ARP) entry of addr on ifindex; none is success. */
int neigh_del_ipv4(struct nl *nl, int ifindex, in_addr_t addr, struct taper_err *err);

/* default via gateway dev ifindex (main table). */
int route_add_default_ipv4(struct nl *nl, in_addr_t gateway, int ifindex, struct taper_err *err);
/* The main table's IPv4 default route; -ENOENT when there is none. */
int route_get_default_ipv4(struct nl *nl, in_addr_t *ret_gateway, int *ret_ifindex, struct taper_err *err);

#endif
