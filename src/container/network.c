/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * network.c — the public network calls (taper_network_*): definitions in
 * the store (net/netdef.h), their bridge in the caller's network namespace
 * (net/bridge.h) and their leases (net/ipam.h).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "container/container.h"
#include "net/bridge.h"
#include "net/link.h"
#include "net/nat.h"
#include "net/netdef.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/parse.h"
#include "util/strv.h"

TAPER_EXPORT int taper_network_list(struct taper_store *s, char ***ret_names, struct taper_err *err)
{
	return netdef_list(store_networks_dir(s), ret_names, err);
}

/* Leases of the network's bridge, any store's (see ipam.h). */
static int leases_of(const struct net_def *d, struct taper_err *err)
{
	_cleanup_free_ char *dir = NULL;
	int r = ipam_bridge_dir(d->bridge, &dir, err);

	return r < 0 ? r : ipam_count(dir, err);
}

TAPER_EXPORT int taper_network_inspect(struct taper_store *s, const char *name, struct taper_network *ret,
				       struct taper_err *err)
{
	_cleanup_nl_ struct nl *nl = NULL;
	struct net_def d;
	int r;

	if ((r = netdef_load(store_networks_dir(s), name, &d, err)) < 0)
		return r;
	*ret = (struct taper_network){ .nat = d.nat, .mtu = d.mtu, .builtin = d.builtin };
	snprintf(ret->name, sizeof(ret->name), "%s", d.name);
	snprintf(ret->bridge, sizeof(ret->bridge), "%s", d.bridge);
	ipv4_net_format(&d.subnet, ret->subnet);
	ipv4_format(d.subnet.gateway, ret->gateway);
	if (nl_open(-1, &nl, NULL) == 0)
		ret->bridge_exists = link_exists(nl, d.bridge, NULL) == 1;
	ret->n_leases = leases_of(&d, NULL);
	return 0;
}

struct lease_list {
	struct taper_network_lease *v;
	size_t n;
	char own[NAT_TAG_MAX]; /* "taper:ctr:<store-id>:" */
};

static int lease_add(uint32_t addr, const char *owner, void *data)
{
	struct lease_list *l = data;
	struct taper_network_lease *v = realloc(l->v, (l->n + 1) * sizeof(*v));
	size_t n = strlen(l->own);

	if (!v)
		return -ENOMEM;
	l->v = v;
	ipv4_format(addr, v[l->n].address);
	/* A container of this store by its name, another store's by its tag. */
	snprintf(v[l->n].owner, sizeof(v[l->n].owner), "%s",
		 strncmp(owner, l->own, n) == 0 ? owner + n : owner);
	l->n++;
	return 0;
}

TAPER_EXPORT int taper_network_leases(struct taper_store *s, const char *name,
				      struct taper_network_lease **ret, size_t *ret_n, struct taper_err *err)
{
	struct lease_list l = { 0 };
	_cleanup_free_ char *dir = NULL;
	struct net_def d;
	int r;

	if ((r = netdef_load(store_networks_dir(s), name, &d, err)) < 0 ||
	    (r = ipam_bridge_dir(d.bridge, &dir, err)) < 0)
		return r;
	nat_ctr_tag(store_id(s), "", l.own);
	r = ipam_foreach(dir, lease_add, &l, err);
	if (r < 0) {
		free(l.v);
		return r == -ENOMEM ? err_set(err, ENOMEM, "network %s", d.name) : r;
	}
	*ret = l.v;
	*ret_n = l.n;
	return 0;
}

/* def as a net_def; a refused value names its field. */
static int network_def(const struct taper_network_def *def, struct net_def *d, const char **field,
		       struct taper_err *err)
{
	*d = (struct net_def){ .nat = def->nat, .mtu = def->mtu };
	if (!def->name || !name_is_valid(def->name))
		return err_set(err, 0, "network name \"%s\": use letters, digits, '_', '.', '-'",
			       def->name ? def->name : "");
	*field = "subnet";
	if (ipv4_net_parse(def->subnet, NULL, &d->subnet, err) < 0)
		return -EINVAL;
	*field = "gateway";
	if (def->gateway && ipv4_net_parse(def->subnet, def->gateway, &d->subnet, err) < 0) {
		/* "gateway X: reason" -> "X: reason": the field says gateway. */
		if (err)
			memmove(err->msg, err->msg + strlen("gateway "),
				strlen(err->msg + strlen("gateway ")) + 1);
		return -EINVAL;
	}
	*field = "bridge";
	if (def->bridge && (strlen(def->bridge) >= IFNAMSIZ || !name_is_valid(def->bridge)))
		return err_set(err, 0, "%s: invalid interface name (at most 15 characters)", def->bridge);
	*field = "mtu";
	if (def->mtu != 0 && (def->mtu < 68 || def->mtu > 65535))
		return err_set(err, 0, "%d: must be 68..65535", def->mtu);
	*field = NULL;
	snprintf(d->name, sizeof(d->name), "%s", def->name);
	if (def->bridge)
		snprintf(d->bridge, sizeof(d->bridge), "%s", def->bridge);
	else
		netdef_bridge_name(d->name, d->bridge);
	return 0;
}

TAPER_EXPORT int taper_network_create(struct taper_store *s, const struct taper_network_def *def,
				      const char **ret_field, struct taper_err *err)
{
	_cleanup_nl_ struct nl *nl = NULL;
	const char *field = NULL;
	struct net_def d;
	int r;

	if (ret_field)
		*ret_field = NULL;
	r = network_def(def, &d, &field, err);
	if (r < 0) {
		if (ret_field)
			*ret_field = field;
		return r;
	}
	if ((r = netdef_create(store_networks_dir(s), &d, err)) < 0)
		return r;
	if ((r = nl_open(-1, &nl, err)) < 0 || (r = net_bridge_ensure(nl, &d, err)) < 0) {
		netdef_remove(store_networks_dir(s), d.name, NULL);
		return r;
	}
	return 0;
}

TAPER_EXPORT int taper_network_remove(struct taper_store *s, const char *name, struct taper_err *err)
{
	_cleanup_nl_ struct nl *nl = NULL;
	struct net_def d;
	int r, n;

	if ((r = netdef_load(store_networks_dir(s), name, &d, err)) < 0)
		return r;
	n = leases_of(&d, err);
	if (n < 0)
		return n;
	if (n > 0) {
		err_set(err, 0, "network %s: in use by %d address lease(s); stop those containers first",
			d.name, n);
		return -EBUSY;
	}
	if ((r = nl_open(-1, &nl, err)) < 0 || (r = net_bridge_remove(nl, &d, err)) < 0 ||
	    (r = netdef_remove(store_networks_dir(s), d.name, err)) < 0)
		return r;
	return 0;
}
