/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ports.h — published ports (net.port) of system containers, and the
 * network reset a start makes first.
 *
 * Contract: the ports of a container live in its config (net.port lines,
 * see config_keys.c); their DNAT rules exist exactly while it runs:
 * container_ports_up() is called by the monitor once the network is up,
 * net_container_down() (stop, failed start, cleanup) removes them with the
 * container's other network residue. A host port is published once per
 * protocol and address in a network namespace: a start (or a port added
 * to a running container) fails when a rule in the table, of any store,
 * already takes it (net_ports_add decides under the nftables lock); `taper
 * port add` also refuses early one that another container of the store
 * lists. taper_container_port_add/remove (include/taper.h) edit the config
 * under the container's lock and re-apply the list at once when the
 * container runs.
 */
#ifndef TAPER_CONTAINER_PORTS_H
#define TAPER_CONTAINER_PORTS_H

#include "config/config.h"
#include "net/netsetup.h"
#include "store/store.h"

/* Publish set->ports at the address of net's first veth interface that
 * has one (replacing rules the container had). No ports: removes any. */
int container_ports_up(struct taper_store *s, const char *name, const struct container_settings *set,
		       const struct net_state *net, struct taper_err *err);

/* What a crash may have left of name's network (leases, veths, port
 * rules) goes, before a start leases again. The caller holds the lock and
 * has seen the container stopped. */
int container_net_reset(struct taper_store *s, const char *name, const struct taper_spec *spec,
			struct taper_err *err);

#endif
