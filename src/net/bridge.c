/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include "net/addr.h"
#include "net/bridge.h"
#include "net/link.h"
#include "net/nat.h"

static int ensure(struct nl *nl, const struct net_def *def, struct taper_err *err)
{
	in_addr_t gw = ipv4_to_be(def->subnet.gateway);
	int r, ifindex = link_ifindex(nl, def->bridge, err);

	if (ifindex == -ENODEV) {
		r = link_add_bridge(nl, def->bridge, def->mtu, err);
		/* Lost a race with a concurrent start: the bridge is there. */
		if (r < 0 && r != -EEXIST)
			return r;
		ifindex = link_ifindex(nl, def->bridge, err);
	}
	if (ifindex < 0)
		return ifindex == -ENODEV ? err_set(err, ENODEV, "bridge %s", def->bridge) : ifindex;
	r = addr_has_ipv4(nl, ifindex, gw, def->subnet.prefix, err);
	if (r == 0) {
		r = addr_add_ipv4(nl, ifindex, gw, def->subnet.prefix, err);
		if (r == -EEXIST)
			r = 0;
	}
	if (r < 0)
		return r;
	r = link_set_up(nl, ifindex, true, err);
	if (r < 0)
		return r;
	/* The definition decides, also for a bridge that had NAT before. */
	r = def->nat ? nat_bridge_add(def->bridge, &def->subnet, err) : nat_bridge_unmasq(def->bridge, err);
	if (r < 0)
		return r;
	return ifindex;
}

int net_bridge_ensure(struct nl *nl, const struct net_def *def, struct taper_err *err)
{
	int r = ensure(nl, def, err);

	if (r < 0)
		return err_wrap(err, "network %s", def->name);
	return r;
}

int net_bridge_remove(struct nl *nl, const struct net_def *def, struct taper_err *err)
{
	int r = nat_bridge_remove(def->bridge, err);

	if (r >= 0) {
		r = link_del(nl, def->bridge, err);
		if (r == -ENODEV)
			r = 0;
	}
	if (r < 0)
		return err_wrap(err, "network %s", def->name);
	return 0;
}
