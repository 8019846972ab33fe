/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bridge.h — bridge policy: what a network's bridge must look like.
 *
 * Contract: net_bridge_ensure() is idempotent and safe to call on every
 * container start: it creates the bridge when missing, gives it the
 * gateway address (prefix of the subnet) when it lacks it, sets it up and,
 * for a NAT network, installs the masquerade (nat.h) and ip_forward. It acts
 * in nl's namespace, which must be the calling thread's (nftables and
 * /proc/sys/net follow the thread). net_bridge_remove() undoes all of it;
 * a missing bridge is fine.
 */
#ifndef TAPER_NET_BRIDGE_H
#define TAPER_NET_BRIDGE_H

#include "net/netdef.h"
#include "net/nl.h"

/* Returns the bridge's ifindex. */
int net_bridge_ensure(struct nl *nl, const struct net_def *def, struct taper_err *err);
int net_bridge_remove(struct nl *nl, const struct net_def *def, struct taper_err *err);

#endif
