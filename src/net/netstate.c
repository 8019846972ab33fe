/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The text form of struct net_state (declared in netsetup.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/netsetup.h"
#include "util/cleanup.h"
#include "util/kv.h"
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

/* One "if.N.key = value" into s; -EINVAL with the reason in why. */
static int set_field(struct net_state_if *s, const char *key, const char *v, const char **why)
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

	*why = "invalid value";
	for (size_t i = 0; i < ARRAY_SIZE(strs); i++)
		if (strcmp(key, strs[i].key) == 0) {
			if (strlen(v) >= strs[i].size) {
				*why = "value too long";
				return -EINVAL;
			}
			if (strpbrk(v, " \t/")) {
				*why = "not an interface or network name";
				return -EINVAL;
			}
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
		return ipv4_parse(v, &s->gateway) < 0 ? -EINVAL : 0;
	*why = "unknown key";
	return -ENOENT;
}

int net_state_parse(const char *text, const char *origin, struct net_state *ret, struct taper_err *err)
{
	_cleanup_(kv_reader_done) struct kv_reader kv = { 0 };
	struct net_state st = { 0 };
	int r;

	kv_reader_init(&kv, text, origin ? origin : "network state", 0);
	while ((r = kv_next(&kv, err)) > 0) {
		const char *why;
		unsigned idx;
		int used = 0;

		if (!kv.key)
			continue;
		if (strcmp(kv.key, "container") == 0) {
			if (!name_is_valid(kv.value))
				return kv_error(&kv, err, "invalid container name \"%s\"", kv.value);
			snprintf(st.container, sizeof(st.container), "%s", kv.value);
			continue;
		}
		if (sscanf(kv.key, "if.%u.%n", &idx, &used) != 1 || !used)
			return err_set(err, 0, "%s:%u: unknown key \"%s\"", kv.origin, kv.lineno, kv.key);
		if (idx >= NET_STATE_MAX)
			return kv_error(&kv, err, "more than %d interfaces", NET_STATE_MAX);
		r = set_field(&st.ifs[idx], kv.key + used, kv.value, &why);
		if (r == -ENOENT)
			return err_set(err, 0, "%s:%u: unknown key \"%s\"", kv.origin, kv.lineno, kv.key);
		if (r < 0)
			return kv_error(&kv, err, "%s \"%.64s\"", why, kv.value);
		if (idx + 1 > st.n)
			st.n = idx + 1;
	}
	if (r < 0)
		return r;
	/* net_state_format() always names it, and cannot write back a
	 * state that does not. */
	if (!st.container[0])
		return err_set(err, 0, "%s: no container", kv.origin);
	*ret = st;
	return 0;
}
