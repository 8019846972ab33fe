/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * netdef.h — named network definitions, kept in a directory (a store's).
 *
 * Contract: a network is <defs>/<name>, a key=value file
 * (subnet, gateway, nat, mtu, bridge), written atomically; its leases are
 * its bridge's, shared with every store naming that bridge
 * (ipam_bridge_dir()). The network "taper" always exists: when no file
 * defines it, it is the built-in default, bridge taperbr0, 10.0.3.0/24,
 * gateway 10.0.3.1, NAT on (as LXC's lxcbr0). defs is the directory of
 * the definitions, a store's (store_networks_dir()); it is made on the
 * first create.
 */
#ifndef TAPER_NET_NETDEF_H
#define TAPER_NET_NETDEF_H

#include <net/if.h>
#include <stdbool.h>

#include "net/ipam.h"
#include "util/err.h"

#define NETDEF_DEFAULT "taper"
#define NETDEF_DEFAULT_BRIDGE "taperbr0"
#define NETDEF_DEFAULT_SUBNET "10.0.3.0/24"

struct net_def {
	char name[65];
	char bridge[IFNAMSIZ];
	struct ipv4_net subnet;
	bool nat;
	int mtu;      /* 0: kernel default */
	bool builtin; /* the default, not from a file */
};

void netdef_default(struct net_def *ret);
/* The bridge a network gets unless told: "tb-<name>" when it fits in
 * IFNAMSIZ, else "tb-" and a hash of the name. */
void netdef_bridge_name(const char *name, char ret[IFNAMSIZ]);

/* -ENOENT (err says so) when there is no such network. */
int netdef_load(const char *defs, const char *name, struct net_def *ret, struct taper_err *err);
/* -EEXIST when a network of that name is defined already. */
int netdef_create(const char *defs, const struct net_def *def, struct taper_err *err);
int netdef_remove(const char *defs, const char *name, struct taper_err *err);
/* Names of the defined networks, sorted, the default included. */
int netdef_list(const char *defs, char ***ret, struct taper_err *err);

/* Text form, one "key = value" a line, and back. */
int netdef_format(const struct net_def *def, char **ret);
/* origin names the text in errors (its path; NULL: "network NAME"). */
int netdef_parse(const char *name, const char *origin, const char *text, struct net_def *ret,
		 struct taper_err *err);

#endif
