/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The text form of struct net_state (declared in netsetup.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/netsetup.h"
#include "util/cleanup.h"
#include "util/parse.h"
#include "util/strv.h"

static const char *const types[] = {
	[TAPER_NETIF_EMPTY] = "empty",
	[TAPER_NETIF_VETH] = "veth",
	[TAPER_NETIF_MACVLAN] = "macvlan",
	[TAPER_NETIF_HOST] = "host",
};

int net_state_format(const struct net_state *st, char **ret)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return -ENOMEM;
	fprintf(f, "container = %s\n", st->container);
	for (size_t i = 0; i < st->n && i < NET_STATE_MAX; i++) {
		const struct net_state_if *s = &st->ifs[i];
		char a[IPV4_STRLEN], g[IPV4_STRLEN];

		ipv4_format(s->addr, a);
		ipv4_format(s->gateway, g);
		fprintf(f,
			"if.%zu.type = %s\nif.%zu.name = %s\nif.%zu.host = %s\nif.%zu.network = %s\n"
			"if.%zu.bridge = %s\nif.%zu.address = %s/%u\nif.%zu.gateway = %s\n",
			i, types[s->type], i, s->name, i, s->host_name, i, s->network, i, s->bridge, i, a,
			s->prefix, i, g);
	}
	if (fclose(f) != 0)
		return -ENOMEM;
	*ret = TAKE_PTR(buf);
	return 0;
}

/* One "if.N.key = value" into s. */
static int set_field(struct net_state_if *s, const char *key, const char *v)
{
	static const struct {
		const char *key;
		size_t off, size;
	} strs[] = {
		{ "name", offsetof(struct net_state_if, name), IFNAMSIZ },
		{ "host", offsetof(struct net_state_if, host_name), IFNAMSIZ },
		{ "network", offsetof(struct net_state_if, network), 65 },
		{ "bridge", offsetof(struct net_state_if, bridge), IFNAMSIZ },
	};

	for (size_t i = 0; i < ARRAY_SIZE(strs); i++)
		if (strcmp(key, strs[i].key) == 0) {
			if (strlen(v) >= strs[i].size)
				return -EINVAL;
			memcpy((char *)s + strs[i].off, v, strlen(v) + 1);
			return 0;
		}
	if (strcmp(key, "type") == 0) {
		for (size_t t = 0; t < ARRAY_SIZE(types); t++)
			if (strcmp(v, types[t]) == 0) {
				s->type = (enum taper_netif_type)t;
				return 0;
			}
		return -EINVAL;
	}
	if (strcmp(key, "address") == 0)
		return ipv4_cidr_parse(v, &s->addr, &s->prefix) < 0 ? -EINVAL : 0;
	if (strcmp(key, "gateway") == 0)
		return ipv4_parse(v, &s->gateway);
	return -EINVAL;
}

int net_state_parse(const char *text, struct net_state *ret, struct taper_err *err)
{
	_cleanup_strv_free_ char **lines = strv_split(text, '\n');
	struct net_state st = { 0 };

	if (!lines)
		return taper_err_set(err, ENOMEM, "network state");
	for (char **l = lines; *l; l++) {
		char key[64], val[128];
		unsigned idx;
		int used = 0;

		if (sscanf(*l, "%63s = %127s", key, val) != 2) {
			if (sscanf(*l, "%63s =", key) == 1 && strchr(*l, '='))
				val[0] = '\0'; /* empty value */
			else
				return taper_err_set(err, 0, "network state: line \"%s\"", *l);
		}
		if (strcmp(key, "container") == 0) {
			if (!name_is_valid(val))
				return taper_err_set(err, 0, "network state: container \"%s\"", val);
			snprintf(st.container, sizeof(st.container), "%.64s", val);
			continue;
		}
		if (sscanf(key, "if.%u.%n", &idx, &used) != 1 || !used || idx >= NET_STATE_MAX ||
		    set_field(&st.ifs[idx], key + used, val) < 0)
			return taper_err_set(err, 0, "network state: line \"%s\"", *l);
		if (idx + 1 > st.n)
			st.n = idx + 1;
	}
	/* net_state_format() always names it, and cannot write back a
	 * state that does not. */
	if (!st.container[0])
		return taper_err_set(err, 0, "network state: no container");
	*ret = st;
	return 0;
}
