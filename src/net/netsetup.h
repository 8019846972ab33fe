/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * netsetup.h — a container's network, up and down: the one entry point the
 * executor's prestart hook and `taper stop` call.
 *
 * Contract: net_container_up() runs in the parent, in the host's network
 * namespace, once the child exists in its new one (given by pid or netns
 * fd) and before it goes on. For each struct taper_netif of the spec:
 *   VETH     the host end "vt<hash of owner+container>-<i>" (or host_name)
 *            joins the bridge of the network named by `link` (a network
 *            name, a network's bridge name, or an existing bridge; NULL: the
 *            default network "taper"), whose bridge is ensured first; the
 *            peer is created inside the container as `name` (eth<i>);
 *            address = ipv4, else leased from the network (IPAM), default
 *            route via ipv4_gateway or the network's gateway;
 *   MACVLAN  bridge mode on the host device `link`, created inside; static
 *            ipv4 only;
 *   EMPTY    nothing but lo;     HOST    nothing at all.
 * lo is set up in every private namespace. On failure everything done so
 * far is undone. The returned struct net_state says what was made; persist
 * it with net_state_format() if you like, but net_container_down() needs
 * only the names: it deletes the container's veths by their mark, its
 * leases in every network and its published-port rules, is idempotent,
 * and works after a crash. (When the container's namespace dies its veth
 * pairs die with it; the leases and rules are what would leak.)
 *
 * The mark: the host end of every veth carries the container's tag
 * (nat_ctr_tag(), "taper:ctr:<owner>:<name>") as its alias, set right
 * after creation. Only links with that alias are ever deleted, so a host
 * interface whose name a config gives as net.N.veth.pair (eth0, a typo)
 * is never touched: a start finding a link of the host end's name that
 * is not marked as the container's own fails, naming the key.
 */
#ifndef TAPER_NET_NETSETUP_H
#define TAPER_NET_NETSETUP_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "net/ipam.h"
#include "spec/spec.h"

#define NET_STATE_MAX 8

struct net_state_if {
	enum taper_netif_type type;
	char name[IFNAMSIZ];      /* inside the container */
	char host_name[IFNAMSIZ]; /* host end of a veth, "" otherwise */
	char network[65];         /* network holding the lease, "" when none */
	char bridge[IFNAMSIZ];
	uint32_t addr; /* host order, 0: none */
	unsigned prefix;
	uint32_t gateway; /* 0: no default route through it */
};

struct net_state {
	char container[65];
	size_t n;
	struct net_state_if ifs[NET_STATE_MAX];
};

/* Whose containers a call brings up: the owner tags what is made (a
 * store's id: "taper:ctr:<owner>:<container>", nat_ctr_tag()), defs is the
 * directory of the network definitions a veth's link names (netdef.h).
 * The network layer knows no store: its caller says both. */
struct net_scope {
	const char *owner;
	const char *defs;
};

/* "vt" + 10 hex digits of a hash of owner and container + "-" + index. */
void net_veth_host_name(const char *owner, const char *container, unsigned index, char ret[IFNAMSIZ]);

int net_container_up(const struct net_scope *scope, const char *container, const struct taper_netif *ifs,
		     size_t n, int netns_fd, struct net_state *ret, struct taper_err *err);
int net_container_up_pid(const struct net_scope *scope, const char *container, const struct taper_netif *ifs,
			 size_t n, pid_t pid, struct net_state *ret, struct taper_err *err);
int net_container_down(const char *owner, const char *container, struct taper_err *err);
/* Whether the interfaces can leave anything on the host for
 * net_container_down() (a veth's host end, leases, port rules; a macvlan
 * made on the host before its move): false for EMPTY and HOST alone. */
bool net_ifs_reach_host(const struct taper_netif *ifs, size_t n);
/* 0 when name may be the host end of container's veth index: no link has
 * it, or the container's own does. -EEXIST naming the key otherwise
 * ("net.0.veth.pair: interface eth0 exists on the host and is not
 * container web's"). Looks in the caller's network namespace. */
int net_veth_pair_check(const char *owner, const char *container, unsigned index, const char *name,
			struct taper_err *err);

/* "if.0.name = eth0" ... lines, and back. */
int net_state_format(const struct net_state *st, char **ret);
/* origin names the text in errors (its path; NULL: "network state"). */
int net_state_parse(const char *text, const char *origin, struct net_state *ret, struct taper_err *err);

#endif
