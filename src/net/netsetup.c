/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/addr.h"
#include "net/bridge.h"
#include "net/link.h"
#include "net/nat.h"
#include "net/netdef.h"
#include "net/netsetup.h"
#include "util/cleanup.h"
#include "util/parse.h"
#include "util/strv.h"

void net_veth_host_name(const char *owner, const char *container, unsigned index, char ret[IFNAMSIZ])
{
	uint64_t h = 14695981039346656037ull; /* FNV-1a over "owner\0container" */
	const char *parts[] = { owner, container };

	for (size_t i = 0; i < ARRAY_SIZE(parts); i++)
		for (const char *p = parts[i];; p++) {
			h = (h ^ (unsigned char)*p) * 1099511628211ull;
			if (!*p)
				break;
		}
	snprintf(ret, IFNAMSIZ, "vt%010llx-%u", (unsigned long long)(h & 0xffffffffffull), index % 100);
}

/* 0: no link is named name; 1: the container's own is (its ifindex in
 * *ret_ifindex). A link of that name that does not carry the container's
 * tag as its alias is not taper's to touch: -EEXIST, naming the key. */
static int host_name_owner(struct nl *host, const char *tag, const char *container, unsigned index,
			   bool configured, const char *name, int *ret_ifindex, struct taper_err *err)
{
	struct link_info li;
	int r = link_get(host, name, &li, err);

	if (r == -ENODEV)
		return 0;
	if (r < 0)
		return r;
	*ret_ifindex = li.ifindex;
	if (strcmp(li.alias, tag) == 0)
		return 1;
	if (configured)
		return err_set(err, EEXIST,
			       "net.%u.veth.pair: interface %s exists on the host and is not "
			       "container %s's",
			       index, name, container);
	return err_set(err, EEXIST, "net.%u: host interface %s exists and is not container %s's", index, name,
		       container);
}

int net_veth_pair_check(const char *owner, const char *container, unsigned index, const char *name,
			struct taper_err *err)
{
	_cleanup_nl_ struct nl *host = NULL;
	char tag[NAT_TAG_MAX];
	int r, ifindex;

	if ((r = nl_open(-1, &host, err)) < 0)
		return r;
	nat_ctr_tag(owner, container, tag);
	r = host_name_owner(host, tag, container, index, true, name, &ifindex, err);
	return r < 0 ? r : 0;
}

/* The network a veth joins: a network name, a network's bridge, or a bare
 * existing bridge (then def->name is the bridge and nothing is ensured). */
static int resolve_network(struct nl *host, const char *defs, const char *link, struct net_def *def,
			   bool *ret_managed, struct taper_err *err)
{
	_cleanup_strv_free_ char **names = NULL;
	in_addr_t a;
	unsigned prefix;
	int r, ifindex;

	*ret_managed = true;
	if (!link)
		link = NETDEF_DEFAULT;
	if (name_is_valid(link) && netdef_load(defs, link, def, NULL) == 0)
		return 0;
	r = netdef_list(defs, &names, err);
	if (r < 0)
		return r;
	for (char **n = names; *n; n++)
		if (netdef_load(defs, *n, def, NULL) == 0 && strcmp(def->bridge, link) == 0)
			return 0;
	ifindex = link_ifindex(host, link, err);
	if (ifindex == -ENODEV)
		return err_set(err, ENOENT, "network %s: no such network or bridge", link);
	if (ifindex < 0)
		return ifindex;
	*ret_managed = false;
	memset(def, 0, sizeof(*def));
	snprintf(def->name, sizeof(def->name), "%s", link);
	snprintf(def->bridge, sizeof(def->bridge), "%s", link);
	/* Its own address, when it has one, is the gateway of its subnet. */
	if (addr_first_ipv4(host, ifindex, &a, &prefix, NULL) == 0 && prefix >= 8 && prefix <= 30) {
		def->subnet.gateway = ntohl(a);
		def->subnet.prefix = prefix;
		def->subnet.network = ntohl(a) & ipv4_mask(prefix);
	}
	return 0;
}

struct up_ctx {
	const struct net_scope *scope;
	const char *container;
	char tag[NAT_TAG_MAX]; /* alias of the container's host links */
	struct nl *host;
	struct nl *ctr;
	int netns_fd;
	bool have_route;
};

/* Address (static or leased) for one veth into s; lease kept in s->network.
 * The lease is the bridge's, whatever store asks: ipam_bridge_dir(). */
static int veth_address(struct up_ctx *c, const struct taper_netif *nif, const struct net_def *def,
			struct net_state_if *s, struct taper_err *err)
{
	_cleanup_free_ char *dir = NULL;
	bool has_subnet = def->subnet.prefix != 0;
	uint32_t a;
	unsigned prefix;
	int r;

	if (has_subnet && (r = ipam_bridge_dir(def->bridge, &dir, err)) < 0)
		return r;
	if (nif->ipv4) {
		if (ipv4_cidr_parse(nif->ipv4, &a, &prefix) < 0 || prefix < 1 || prefix > 32)
			return err_set(err, 0, "ipv4 address %s: expected a.b.c.d/len", nif->ipv4);
		if (has_subnet && (a & ipv4_mask(def->subnet.prefix)) == def->subnet.network) {
			char holder[IPAM_OWNER_MAX], who[IPAM_OWNER_MAX + 48], ip[IPV4_STRLEN];

			r = ipam_reserve(dir, &def->subnet, a, c->tag, holder, err);
			if (r == -EADDRINUSE) {
				nat_tag_owner_text(holder, c->tag, who, sizeof(who));
				ipv4_format(a, ip);
				return err_set(err, EADDRINUSE, "address %s already leased to %s", ip, who);
			}
			if (r < 0)
				return r;
			snprintf(s->network, sizeof(s->network), "%s", def->name);
			s->gateway = def->subnet.gateway;
		}
	} else {
		if (!has_subnet)
			return err_set(err, EADDRNOTAVAIL, "bridge %s has no IPv4 subnet to lease from",
				       def->bridge);
		r = ipam_allocate(dir, &def->subnet, c->tag, &a, err);
		if (r < 0)
			return r;
		prefix = def->subnet.prefix;
		snprintf(s->network, sizeof(s->network), "%s", def->name);
		s->gateway = def->subnet.gateway;
	}
	s->addr = a;
	s->prefix = prefix;
	return 0;
}

/* Address, up and default route of an interface already in the container. */
static int inside(struct up_ctx *c, const struct taper_netif *nif, struct net_state_if *s,
		  struct taper_err *err)
{
	int r, ifindex = link_ifindex(c->ctr, s->name, err);
	uint32_t gw = s->gateway;

	if (ifindex < 0)
		return ifindex == -ENODEV ? err_set(err, ENODEV, "link %s", s->name) : ifindex;
	if (s->addr) {
		r = addr_add_ipv4(c->ctr, ifindex, ipv4_to_be(s->addr), s->prefix, err);
		if (r < 0)
			return r;
	}
	r = link_set_up(c->ctr, ifindex, true, err);
	if (r < 0)
		return r;
	if (nif->ipv4_gateway && ipv4_parse(nif->ipv4_gateway, &gw) < 0)
		return err_set(err, 0, "ipv4 gateway %s: not an IPv4 address", nif->ipv4_gateway);
	s->gateway = gw;
	if (!gw || !s->addr || c->have_route)
		return 0;
	c->have_route = true;
	return route_add_default_ipv4(c->ctr, ipv4_to_be(gw), ifindex, err);
}

static int up_veth(struct up_ctx *c, const struct taper_netif *nif, unsigned i, struct net_state_if *s,
		   struct taper_err *err)
{
	struct net_def def;
	uint8_t mac[6];
	bool managed;
	int r, br, ifindex;

	if (nif->hwaddr && hwaddr_parse(nif->hwaddr, mac) < 0)
		return err_set(err, 0, "hwaddr %s: expected xx:xx:xx:xx:xx:xx (unicast)", nif->hwaddr);
	r = resolve_network(c->host, c->scope->defs, nif->link, &def, &managed, err);
	if (r < 0)
		return r;
	snprintf(s->bridge, sizeof(s->bridge), "%s", def.bridge);
	br = managed ? net_bridge_ensure(c->host, &def, err) : link_ifindex(c->host, def.bridge, err);
	if (br < 0)
		return br;
	r = link_add_veth(c->host, s->host_name, s->name, c->netns_fd, nif->mtu ? nif->mtu : def.mtu,
			  nif->hwaddr ? mac : NULL, err);
	if (r < 0)
		return r;
	r = link_ifindex(c->host, s->host_name, err);
	if (r < 0)
		return r;
	ifindex = r;
	/* Marked at once: the teardown deletes what carries the mark, and
	 * nothing else. Should marking fail, the new link goes now. */
	r = link_set_alias(c->host, ifindex, c->tag, err);
	if (r < 0) {
		(void)link_del_index(c->host, ifindex, NULL);
		return r;
	}
	r = link_set_master(c->host, ifindex, br, err);
	if (r < 0)
		return r;
	/* A published port reached through a host address from this very
	 * port: routed by the host, the answer leaves by the bridge device and
	 * needs nothing more, but when br_netfilter is loaded (docker loads
	 * it) the DNAT happens on the bridge's own path and the frame is
	 * bridged back out of the port it came in by. As docker does. */
	r = link_set_hairpin(c->host, ifindex, true, err);
	if (r < 0)
		return r;
	r = link_set_up(c->host, ifindex, true, err);
	if (r < 0)
		return r;
	r = veth_address(c, nif, &def, s, err);
	if (r < 0)
		return r;
	/* A leased address changes hands with a new MAC, and the bridge may
	 * still know the last owner's: the host would send there until the
	 * entry ages out (tens of seconds of silence after a restart). A
	 * gratuitous ARP from inside is no cure: the bridge port drops it
	 * until the link watcher has seen the new carrier. */
	r = neigh_del_ipv4(c->host, br, ipv4_to_be(s->addr), err);
	if (r < 0)
		return r;
	return inside(c, nif, s, err);
}

static int up_macvlan(struct up_ctx *c, const struct taper_netif *nif, struct net_state_if *s,
		      struct taper_err *err)
{
	uint8_t mac[6];
	int r;

	if (nif->hwaddr && hwaddr_parse(nif->hwaddr, mac) < 0)
		return err_set(err, 0, "hwaddr %s: expected xx:xx:xx:xx:xx:xx (unicast)", nif->hwaddr);
	if (!nif->link)
		return err_set(err, 0, "macvlan needs a parent device (link)");
	r = link_add_macvlan(c->host, s->name, nif->link, c->netns_fd, nif->mtu, nif->hwaddr ? mac : NULL,
			     err);
	if (r < 0)
		return r;
	if (nif->ipv4 && ipv4_cidr_parse(nif->ipv4, &s->addr, &s->prefix) < 0)
		return err_set(err, 0, "ipv4 address %s: expected a.b.c.d/len", nif->ipv4);
	return inside(c, nif, s, err);
}

static int up_all(struct up_ctx *c, const struct taper_netif *ifs, size_t n, struct net_state *st,
		  struct taper_err *err)
{
	int r, lo, ifindex;

	for (size_t i = 0; i < n; i++) {
		struct net_state_if *s = &st->ifs[st->n];
		const struct taper_netif *nif = &ifs[i];

		if (nif->type == TAPER_NETIF_HOST)
			return 0; /* the host's own namespace: nothing to do */
		if (nif->type == TAPER_NETIF_EMPTY)
			continue;
		s->type = nif->type;
		if (nif->name && (strlen(nif->name) >= IFNAMSIZ || !nif->name[0]))
			return err_set(err, 0, "interface name \"%s\"", nif->name);
		if (nif->name)
			snprintf(s->name, sizeof(s->name), "%s", nif->name);
		else
			snprintf(s->name, sizeof(s->name), "eth%u", (unsigned)i);
		st->n++;
		if (nif->type == TAPER_NETIF_VETH) {
			if (nif->host_name)
				snprintf(s->host_name, sizeof(s->host_name), "%s", nif->host_name);
			else
				net_veth_host_name(c->scope->owner, c->container, (unsigned)i, s->host_name);
			/* Free, or a leftover of this container (a crashed
			 * start whose namespace lives on), which goes. */
			r = host_name_owner(c->host, c->tag, c->container, (unsigned)i, nif->host_name,
					    s->host_name, &ifindex, err);
			if (r < 0)
				return r; /* its message names the key */
			if (r == 1 && (r = link_del_index(c->host, ifindex, err)) < 0 && r != -ENODEV)
				return err_wrap(err, "net.%zu", i);
		}
		r = nif->type == TAPER_NETIF_VETH ? up_veth(c, nif, (unsigned)i, s, err)
						  : up_macvlan(c, nif, s, err);
		if (r < 0)
			return err_wrap(err, "net.%zu", i);
	}
	lo = link_ifindex(c->ctr, "lo", err);
	if (lo < 0)
		return err_set(err, lo, "link lo");
	return link_set_up(c->ctr, lo, true, err);
}

int net_container_up(const struct net_scope *scope, const char *container, const struct taper_netif *ifs,
		     size_t n, int netns_fd, struct net_state *ret, struct taper_err *err)
{
	_cleanup_nl_ struct nl *host = NULL, *ctr = NULL;
	struct up_ctx c = { .scope = scope, .container = container, .netns_fd = netns_fd };
	int r;

	memset(ret, 0, sizeof(*ret));
	if (!name_is_valid(container))
		return err_set(err, 0, "container name \"%s\"", container ? container : "");
	if (n > NET_STATE_MAX)
		return err_set(err, E2BIG, "%zu network interfaces (at most %d)", n, NET_STATE_MAX);
	snprintf(ret->container, sizeof(ret->container), "%s", container);
	for (size_t i = 0; i < n; i++)
		if (ifs[i].type == TAPER_NETIF_HOST)
			return 0;
	if (nl_open(-1, &host, err) < 0 || nl_open(netns_fd, &ctr, err) < 0)
		return err_wrap(err, "network of %s", container);
	c.host = host;
	c.ctr = ctr;
	nat_ctr_tag(scope->owner, container, c.tag);
	r = up_all(&c, ifs, n, ret, err);
	if (r < 0) {
		(void)net_container_down(scope->owner, container, NULL);
		return err_wrap(err, "network of %s", container);
	}
	return 0;
}

int net_container_up_pid(const struct net_scope *scope, const char *container, const struct taper_netif *ifs,
			 size_t n, pid_t pid, struct net_state *ret, struct taper_err *err)
{
	_cleanup_close_ int fd = -1;
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_set(err, errno, "network of %s: open %s", container, path);
	return net_container_up(scope, container, ifs, n, fd, ret, err);
}

/* Release the container's leases on every bridge of this namespace. */
static int release_all(const char *tag, struct taper_err *err)
{
	_cleanup_free_ char *root = NULL;
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int r = ipam_bridge_dir(NULL, &root, err);

	if (r < 0)
		return r;
	d = opendir(root);
	if (!d)
		return errno == ENOENT ? 0 : err_set(err, errno, "open %s", root);
	while ((de = readdir(d))) {
		_cleanup_free_ char *dir = NULL;

		if (de->d_name[0] == '.')
			continue;
		if (asprintf(&dir, "%s/%s", root, de->d_name) < 0)
			return err_set(err, ENOMEM, "leases");
		r = ipam_release_owner(dir, tag, err);
		if (r < 0)
			return r;
	}
	/* The namespace's directory goes with its last bridge's lease. */
	(void)rmdir(root);
	return 0;
}

bool net_ifs_reach_host(const struct taper_netif *ifs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (ifs[i].type == TAPER_NETIF_VETH || ifs[i].type == TAPER_NETIF_MACVLAN)
			return true;
	return false;
}

int net_container_down(const char *owner, const char *container, struct taper_err *err)
{
	_cleanup_nl_ struct nl *host = NULL;
	char tag[NAT_TAG_MAX];
	int r;

	if (!name_is_valid(container))
		return err_set(err, 0, "container name \"%s\"", container ? container : "");
	r = nl_open(-1, &host, err);
	if (r < 0)
		return err_wrap(err, "network of %s", container);
	/* By the mark, not by name: a name may be a host interface that is
	 * not the container's (a configured veth.pair that was refused). */
	nat_ctr_tag(owner, container, tag);
	r = link_del_alias(host, tag, err);
	if (r >= 0)
		r = net_ports_remove(owner, container, err);
	if (r >= 0)
		r = release_all(tag, err);
	if (r < 0)
		return err_wrap(err, "network of %s", container);
	return 0;
}
