/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ports.c — published ports of system containers (see ports.h) and the
 * public taper_container_port* calls.
 */
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "container/container.h"
#include "container/ports.h"
#include "net/nat.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/parse.h"
#include "util/strv.h"

#define PORT_KEY "net.port"

static void probe_clearp(struct container_probe *p)
{
	container_probe_clear(p);
}

/* The first veth with an address: where published ports lead. */
static const struct net_state_if *port_target(const struct net_state *net)
{
	for (size_t i = 0; net && i < net->n && i < NET_STATE_MAX; i++)
		if (net->ifs[i].type == TAPER_NETIF_VETH && net->ifs[i].addr && net->ifs[i].bridge[0])
			return &net->ifs[i];
	return NULL;
}

/* Does the config of a container of the store other than name list a port
 * that clashes with one of ports? -EADDRINUSE naming it. Only for an early,
 * clear refusal of `taper port add`: what guards a start is the check
 * against the installed rules in net_ports_add(). */
static int store_clash(struct taper_store *s, const char *name, const struct nat_port *ports, size_t n,
		       struct taper_err *err)
{
	_cleanup_strv_free_ char **names = NULL;
	int r;

	if (n == 0)
		return 0;
	if ((r = store_list(s, &names, err)) < 0)
		return r;
	for (char **o = names; *o; o++) {
		_cleanup_(spec_freep) struct taper_spec *spec = NULL;
		struct container_settings set;

		if (strcmp(*o, name) == 0 || config_load_container(s, *o, &spec, &set, NULL) < 0)
			continue;
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < set.n_ports; j++) {
				char text[48];

				if (!nat_port_clash(&ports[i], &set.ports[j]))
					continue;
				nat_port_format(&set.ports[j], text);
				return err_set(err, EADDRINUSE,
					       "%s: host port %u/%s already published by "
					       "container \"%s\" (%s)",
					       PORT_KEY, ports[i].host_port,
					       ports[i].proto == IPPROTO_UDP ? "udp" : "tcp", *o, text);
			}
	}
	return 0;
}

int container_ports_up(struct taper_store *s, const char *name, const struct container_settings *set,
		       const struct net_state *net, struct taper_err *err)
{
	const struct net_state_if *t;
	int r;

	if (set->n_ports == 0)
		return net_ports_remove(store_id(s), name, err);
	t = port_target(net);
	if (!t)
		return err_set(err, EADDRNOTAVAIL,
			       "%s: published ports need a veth interface with an IPv4 address", PORT_KEY);
	/* Refused when any rule in the table takes one of the ports, whatever
	 * store or process put it there: net_ports_add() decides under the
	 * lock it changes the table with. */
	r = net_ports_add(store_id(s), name, t->bridge, set->ports, set->n_ports, t->addr, t->prefix, err);
	if (r < 0)
		err_wrap(err, "%s", PORT_KEY);
	return r;
}

int container_net_reset(struct taper_store *s, const char *name, const struct taper_spec *spec,
			struct taper_err *err)
{
	/* Without interfaces nothing was leased: spare the start a netlink
	 * dump and an nftables listing. */
	if (spec->n_netifs == 0)
		return 0;
	return net_container_down(store_id(s), name, err);
}

/* ---- the public calls ------------------------------------------------ */

/* The settings a config compiles to. */
static int settings_of(const struct taper_config *c, struct container_settings *ret, struct taper_err *err)
{
	_cleanup_(spec_freep) struct taper_spec *spec = spec_new();

	if (!spec)
		return err_set(err, ENOMEM, "spec");
	container_settings_init(ret);
	return config_compile(c, NULL, spec, ret, err);
}

/* The net state of a running container; -ESRCH when it is not running. */
static int running_net(struct taper_store *s, const char *name, struct net_state *ret, struct taper_err *err)
{
	_cleanup_(probe_clearp) struct container_probe pr = { 0 };
	_cleanup_free_ char *text = NULL;
	_cleanup_close_ int rt = -1;
	int r;

	if ((r = container_probe(s, name, &pr)) < 0)
		return err_set(err, r, "state");
	if (!pr.init_alive || pr.state == TAPER_STATE_STOPPING || pr.state == TAPER_STATE_ABORTING)
		return -ESRCH;
	memset(ret, 0, sizeof(*ret));
	rt = container_runtime_open(s, name);
	if (rt >= 0 && read_file_at(rt, CONTAINER_NET_FILE, 65536, &text, NULL) == 0) {
		char dir[PATH_MAX], origin[PATH_MAX + sizeof("/" CONTAINER_NET_FILE)];

		if (container_runtime_path(s, name, dir, sizeof(dir)) < 0)
			snprintf(dir, sizeof(dir), "%s", name);
		snprintf(origin, sizeof(origin), "%s/%s", dir, CONTAINER_NET_FILE);
		if (net_state_parse(text, origin, ret, err) < 0)
			return -EINVAL;
	}
	return 0;
}

/* Save c and, when the container runs, publish what it now says; on a
 * failure to publish, the old file and rules come back. */
static int commit(struct taper_store *s, const char *name, int dfd, const struct taper_config *old,
		  const struct taper_config *c, struct taper_err *err)
{
	struct container_settings set, old_set;
	struct net_state net;
	int r;

	if ((r = settings_of(c, &set, err)) < 0)
		return r;
	r = running_net(s, name, &net, err);
	if (r == -ESRCH)
		return config_save_at(c, dfd, STORE_CONFIG_FILE, err);
	if (r < 0)
		return r;
	if ((r = config_save_at(c, dfd, STORE_CONFIG_FILE, err)) < 0)
		return r;
	if ((r = container_ports_up(s, name, &set, &net, err)) < 0) {
		(void)config_save_at(old, dfd, STORE_CONFIG_FILE, NULL);
		if (settings_of(old, &old_set, NULL) == 0)
			(void)container_ports_up(s, name, &old_set, &net, NULL);
		return r;
	}
	return 0;
}

static int load_locked(struct taper_store *s, const char *name, int *lock, int *dfd, struct taper_config **c,
		       struct taper_config **old, struct taper_err *err)
{
	int r;

	if ((r = store_check_name(name, err)) < 0 || (r = store_lock(s, name, true, lock, err)) < 0 ||
	    (r = store_open_container(s, name, dfd, err)) < 0 ||
	    (r = config_load_at(*dfd, STORE_CONFIG_FILE, name, c, err)) < 0 ||
	    (r = config_load_at(*dfd, STORE_CONFIG_FILE, name, old, err)) < 0)
		return r;
	return 0;
}

static int port_add(struct taper_store *s, const char *name, const char *spec, struct taper_err *err)
{
	_cleanup_(config_freep) struct taper_config *c = NULL, *old = NULL;
	_cleanup_close_ int lock = -1, dfd = -1;
	struct container_settings set;
	struct nat_port p;
	char text[48];
	int r;

	if ((r = load_locked(s, name, &lock, &dfd, &c, &old, err)) < 0)
		return r;
	if (nat_port_parse(spec, &p, err) < 0)
		return err_wrap(err, "%s", PORT_KEY);
	nat_port_format(&p, text);
	/* Against the container's own list and every other container's. */
	if ((r = settings_of(c, &set, err)) < 0)
		return r;
	for (size_t i = 0; i < set.n_ports; i++)
		if (nat_port_clash(&set.ports[i], &p)) {
			char have[48];

			nat_port_format(&set.ports[i], have);
			return err_set(err, EADDRINUSE, "%s: host port %u/%s already published (%s)",
				       PORT_KEY, p.host_port, p.proto == IPPROTO_UDP ? "udp" : "tcp", have);
		}
	if ((r = store_clash(s, name, &p, 1, err)) < 0 || (r = config_set(c, PORT_KEY, text, err)) < 0)
		return r;
	return commit(s, name, dfd, old, c, err);
}

TAPER_EXPORT int taper_container_port_add(struct taper_store *s, const char *name, const char *spec,
					  struct taper_err *err)
{
	int r = port_add(s, name, spec, err);

	return r < 0 ? container_err(err, name) : 0;
}

/* "HOSTPORT[/tcp|udp]" (tcp by default). */
static int parse_host_port(const char *spec, struct nat_port *ret)
{
	char buf[16];
	const char *slash = strchr(spec, '/');
	size_t len = slash ? (size_t)(slash - spec) : strlen(spec);

	ret->proto = IPPROTO_TCP;
	if (slash && strcmp(slash, "/udp") == 0)
		ret->proto = IPPROTO_UDP;
	else if (slash && strcmp(slash, "/tcp") != 0)
		return -EINVAL;
	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, spec, len);
	buf[len] = '\0';
	return nat_port_number(buf, &ret->host_port) < 0 ? -EINVAL : 0;
}

static int port_remove(struct taper_store *s, const char *name, const char *spec, struct taper_err *err)
{
	_cleanup_(config_freep) struct taper_config *c = NULL, *old = NULL;
	_cleanup_strv_free_ char **values = NULL;
	_cleanup_close_ int lock = -1, dfd = -1;
	struct nat_port want;
	bool full, found = false;
	int r;

	if ((r = load_locked(s, name, &lock, &dfd, &c, &old, err)) < 0)
		return r;
	full = nat_port_parse(spec, &want, NULL) == 0;
	if (!full && parse_host_port(spec, &want) < 0)
		return err_set(err, EINVAL,
			       "%s: \"%s\": expected [HOSTIP:]HOSTPORT:CTRPORT[/tcp|udp] "
			       "or HOSTPORT[/tcp|udp]",
			       PORT_KEY, spec);
	if ((r = config_get(c, PORT_KEY, &values)) < 0)
		return err_set(err, -r, "%s", PORT_KEY);
	/* Unset them all, set back the others: the lines keep their order. */
	if (values[0] && (r = config_unset(c, PORT_KEY, err)) < 0)
		return r;
	for (char **v = values; *v; v++) {
		struct nat_port p;
		bool match;

		if (nat_port_parse(*v, &p, err) < 0)
			return err_wrap(err, "%s", PORT_KEY);
		match = full ? p.host_ip == want.host_ip && p.host_port == want.host_port &&
					p.ctr_port == want.ctr_port && p.proto == want.proto
			     : p.host_port == want.host_port && p.proto == want.proto;
		found |= match;
		if (!match && (r = config_set(c, PORT_KEY, *v, err)) < 0)
			return r;
	}
	if (!found)
		return err_plain(err, ENOENT, "%s: \"%s\" is not published", PORT_KEY, spec);
	return commit(s, name, dfd, old, c, err);
}

TAPER_EXPORT int taper_container_port_remove(struct taper_store *s, const char *name, const char *spec,
					     struct taper_err *err)
{
	int r = port_remove(s, name, spec, err);

	return r < 0 ? container_err(err, name) : 0;
}

TAPER_EXPORT int taper_container_ports(struct taper_store *s, const char *name, struct taper_port **ret,
				       size_t *ret_n, struct taper_err *err)
{
	_cleanup_(spec_freep) struct taper_spec *spec = NULL;
	_cleanup_free_ struct taper_port *out = NULL;
	struct container_settings set;
	char tag[NAT_TAG_MAX];
	bool active = false;
	int r;

	if ((r = store_check_name(name, err)) < 0)
		return r;
	if ((r = config_load_container(s, name, &spec, &set, err)) < 0)
		return container_err(err, name);
	out = calloc(set.n_ports ? set.n_ports : 1, sizeof(*out));
	if (!out)
		return err_set(err, ENOMEM, "container \"%s\": ports", name);
	if (set.n_ports) {
		nat_ctr_tag(store_id(s), name, tag);
		active = nat_count_rules(tag, NULL) > 0;
	}
	for (size_t i = 0; i < set.n_ports; i++) {
		const struct nat_port *p = &set.ports[i];

		if (p->host_ip)
			ipv4_format(p->host_ip, out[i].host_ip);
		out[i].host_port = p->host_port;
		out[i].container_port = p->ctr_port;
		snprintf(out[i].proto, sizeof(out[i].proto), "%s", p->proto == IPPROTO_UDP ? "udp" : "tcp");
		out[i].active = active;
	}
	*ret = TAKE_PTR(out);
	*ret_n = set.n_ports;
	return 0;
}
