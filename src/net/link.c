/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/link.h"
#include "util/cleanup.h"

static bool name_ok(const char *name)
{
	return name && name[0] && strlen(name) < IFNAMSIZ && !strchr(name, '/') && !strchr(name, ' ');
}

static struct nlmsghdr *link_msg(struct nl *nl, uint16_t type, uint16_t flags, int ifindex)
{
	struct nlmsghdr *nlh = nl_msg(nl, type, flags);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	return nlh;
}

static int newlink(struct nl *nl, struct nlmsghdr *nlh, const char *what, const char *name,
		   struct taper_err *err)
{
	int r = nl_request(nl, nlh, err);

	if (r < 0)
		return err_wrap(err, "create %s %s", what, name);
	return 0;
}

/* A link of a kind that needs no attributes of its own. */
static int add_plain(struct nl *nl, const char *kind, const char *name, int mtu, struct taper_err *err)
{
	struct nlmsghdr *nlh;
	struct nlattr *info;

	if (!name_ok(name))
		return err_set(err, 0, "%s name \"%s\"", kind, name ? name : "");
	nlh = link_msg(nl, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	if (mtu > 0)
		mnl_attr_put_u32(nlh, IFLA_MTU, (uint32_t)mtu);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, kind);
	mnl_attr_nest_end(nlh, info);
	return newlink(nl, nlh, kind, name, err);
}

int link_add_bridge(struct nl *nl, const char *name, int mtu, struct taper_err *err)
{
	return add_plain(nl, "bridge", name, mtu, err);
}

int link_add_dummy(struct nl *nl, const char *name, struct taper_err *err)
{
	return add_plain(nl, "dummy", name, 0, err);
}

int link_add_veth(struct nl *nl, const char *host_name, const char *peer_name, int peer_netns_fd, int mtu,
		  const uint8_t *peer_hwaddr, struct taper_err *err)
{
	struct nlmsghdr *nlh;
	struct nlattr *info, *data, *peer;
	struct ifinfomsg *pifi;

	if (!name_ok(host_name) || !name_ok(peer_name))
		return err_set(err, 0, "veth name \"%s\"/\"%s\"", host_name ? host_name : "",
			       peer_name ? peer_name : "");
	nlh = link_msg(nl, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, host_name);
	if (mtu > 0)
		mnl_attr_put_u32(nlh, IFLA_MTU, (uint32_t)mtu);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	peer = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	/* The peer is a whole ifinfomsg + attributes of its own. */
	pifi = mnl_nlmsg_get_payload_tail(nlh);
	memset(pifi, 0, sizeof(*pifi));
	pifi->ifi_family = AF_UNSPEC;
	nlh->nlmsg_len += MNL_ALIGN(sizeof(*pifi));
	mnl_attr_put_strz(nlh, IFLA_IFNAME, peer_name);
	if (peer_netns_fd >= 0)
		mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)peer_netns_fd);
	if (mtu > 0)
		mnl_attr_put_u32(nlh, IFLA_MTU, (uint32_t)mtu);
	if (peer_hwaddr)
		mnl_attr_put(nlh, IFLA_ADDRESS, 6, peer_hwaddr);
	mnl_attr_nest_end(nlh, peer);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	return newlink(nl, nlh, "veth", host_name, err);
}

int link_add_macvlan(struct nl *nl, const char *name, const char *parent, int netns_fd, int mtu,
		     const uint8_t *hwaddr, struct taper_err *err)
{
	struct nlmsghdr *nlh;
	struct nlattr *info, *data;
	int parent_index;

	if (!name_ok(name))
		return err_set(err, 0, "macvlan name \"%s\"", name ? name : "");
	parent_index = link_ifindex(nl, parent, err);
	if (parent_index == -ENODEV)
		return err_set(err, ENODEV, "macvlan parent \"%s\"", parent ? parent : "");
	if (parent_index < 0)
		return parent_index;
	nlh = link_msg(nl, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	mnl_attr_put_u32(nlh, IFLA_LINK, (uint32_t)parent_index);
	if (netns_fd >= 0)
		mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)netns_fd);
	if (mtu > 0)
		mnl_attr_put_u32(nlh, IFLA_MTU, (uint32_t)mtu);
	if (hwaddr)
		mnl_attr_put(nlh, IFLA_ADDRESS, 6, hwaddr);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "macvlan");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	mnl_attr_put_u32(nlh, IFLA_MACVLAN_MODE, MACVLAN_MODE_BRIDGE);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	return newlink(nl, nlh, "macvlan", name, err);
}

static int setlink(struct nl *nl, struct nlmsghdr *nlh, const char *what, int ifindex, struct taper_err *err)
{
	if (nl_request(nl, nlh, err) < 0)
		return err_wrap(err, "set %s of link %d", what, ifindex);
	return 0;
}

int link_set_up(struct nl *nl, int ifindex, bool up, struct taper_err *err)
{
	struct nlmsghdr *nlh = link_msg(nl, RTM_NEWLINK, 0, ifindex);
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	ifi->ifi_change = IFF_UP;
	ifi->ifi_flags = up ? IFF_UP : 0;
	return setlink(nl, nlh, up ? "up" : "down", ifindex, err);
}

int link_set_mtu(struct nl *nl, int ifindex, int mtu, struct taper_err *err)
{
	struct nlmsghdr *nlh = link_msg(nl, RTM_NEWLINK, 0, ifindex);

	mnl_attr_put_u32(nlh, IFLA_MTU, (uint32_t)mtu);
	return setlink(nl, nlh, "mtu", ifindex, err);
}

int link_set_master(struct nl *nl, int ifindex, int master_ifindex, struct taper_err *err)
{
	struct nlmsghdr *nlh = link_msg(nl, RTM_NEWLINK, 0, ifindex);

	mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)master_ifindex);
	return setlink(nl, nlh, "master", ifindex, err);
}

int link_set_hwaddr(struct nl *nl, int ifindex, const uint8_t hwaddr[6], struct taper_err *err)
{
	struct nlmsghdr *nlh = link_msg(nl, RTM_NEWLINK, 0, ifindex);

	mnl_attr_put(nlh, IFLA_ADDRESS, 6, hwaddr);
	return setlink(nl, nlh, "hwaddr", ifindex, err);
}

int link_set_netns(struct nl *nl, int ifindex, int netns_fd, struct taper_err *err)
{
	struct nlmsghdr *nlh = link_msg(nl, RTM_NEWLINK, 0, ifindex);

	mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)netns_fd);
	return setlink(nl, nlh, "netns", ifindex, err);
}

int link_set_hairpin(struct nl *nl, int ifindex, bool on, struct taper_err *err)
{
	struct nlmsghdr *nlh = link_msg(nl, RTM_SETLINK, 0, ifindex);
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct nlattr *pi;

	/* A bridge port's own settings: AF_BRIDGE, nested in IFLA_PROTINFO. */
	ifi->ifi_family = AF_BRIDGE;
	pi = mnl_attr_nest_start(nlh, IFLA_PROTINFO | NLA_F_NESTED);
	mnl_attr_put_u8(nlh, IFLA_BRPORT_MODE, on ? 1 : 0);
	mnl_attr_nest_end(nlh, pi);
	return setlink(nl, nlh, "hairpin mode", ifindex, err);
}

int link_set_alias(struct nl *nl, int ifindex, const char *alias, struct taper_err *err)
{
	struct nlmsghdr *nlh;

	if (!alias || strlen(alias) >= LINK_ALIAS_MAX)
		return err_set(err, 0, "link alias \"%s\"", alias ? alias : "");
	nlh = link_msg(nl, RTM_NEWLINK, 0, ifindex);
	mnl_attr_put_strz(nlh, IFLA_IFALIAS, alias);
	return setlink(nl, nlh, "alias", ifindex, err);
}

int link_del_index(struct nl *nl, int ifindex, struct taper_err *err)
{
	struct taper_err local = { 0 };
	int r = nl_request(nl, link_msg(nl, RTM_DELLINK, 0, ifindex), &local);

	if (r == -ENODEV)
		return r;
	if (r < 0) {
		if (err)
			*err = local;
		return err_wrap(err, "delete link %d", ifindex);
	}
	return 0;
}

int link_del(struct nl *nl, const char *name, struct taper_err *err)
{
	struct taper_err local = { 0 };
	struct nlmsghdr *nlh;
	int r;

	if (!name_ok(name))
		return err_set(err, 0, "link name \"%s\"", name ? name : "");
	nlh = link_msg(nl, RTM_DELLINK, 0, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	r = nl_request(nl, nlh, &local);
	if (r == -ENODEV)
		return r;
	if (r < 0) {
		if (err)
			*err = local;
		return err_wrap(err, "delete link %s", name);
	}
	return 0;
}

static int info_cb(const struct nlattr *a, void *data)
{
	struct link_info *li = data;

	switch (mnl_attr_get_type(a)) {
	case IFLA_IFNAME:
		if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			snprintf(li->name, sizeof(li->name), "%s", mnl_attr_get_str(a));
		break;
	case IFLA_MASTER:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			li->master = (int)mnl_attr_get_u32(a);
		break;
	case IFLA_MTU:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			li->mtu = (int)mnl_attr_get_u32(a);
		break;
	case IFLA_IFALIAS:
		if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			snprintf(li->alias, sizeof(li->alias), "%s", mnl_attr_get_str(a));
		break;
	case IFLA_ADDRESS:
		if (mnl_attr_get_payload_len(a) == 6)
			memcpy(li->hwaddr, mnl_attr_get_payload(a), 6);
		break;
	case IFLA_LINKINFO: {
		const struct nlattr *n;

		mnl_attr_for_each_nested(n, a)
		{
			if (mnl_attr_get_type(n) == IFLA_INFO_KIND &&
			    mnl_attr_validate(n, MNL_TYPE_NUL_STRING) == 0)
				snprintf(li->kind, sizeof(li->kind), "%s", mnl_attr_get_str(n));
		}
		break;
	}
	default:
		break;
	}
	return MNL_CB_OK;
}

static void parse_link(const struct nlmsghdr *nlh, struct link_info *li)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	memset(li, 0, sizeof(*li));
	li->ifindex = ifi->ifi_index;
	li->flags = ifi->ifi_flags;
	mnl_attr_parse(nlh, sizeof(*ifi), info_cb, li);
}

static int get_cb(const struct nlmsghdr *nlh, void *data)
{
	if (nlh->nlmsg_type == RTM_NEWLINK)
		parse_link(nlh, data);
	return MNL_CB_OK;
}

int link_get(struct nl *nl, const char *name, struct link_info *ret, struct taper_err *err)
{
	struct taper_err local = { 0 };
	struct nlmsghdr *nlh;
	int r;

	memset(ret, 0, sizeof(*ret));
	if (!name_ok(name))
		return -ENODEV;
	nlh = link_msg(nl, RTM_GETLINK, 0, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	r = nl_call(nl, nlh, get_cb, ret, &local);
	if (r == -ENODEV)
		return r;
	if (r < 0) {
		if (err)
			*err = local;
		return err_wrap(err, "get link %s", name);
	}
	return ret->ifindex > 0 ? 0 : -ENODEV;
}

int link_ifindex(struct nl *nl, const char *name, struct taper_err *err)
{
	struct link_info li;
	int r = link_get(nl, name, &li, err);

	return r < 0 ? r : li.ifindex;
}

int link_exists(struct nl *nl, const char *name, struct taper_err *err)
{
	int r = link_ifindex(nl, name, err);

	return r == -ENODEV ? 0 : r < 0 ? r : 1;
}

struct alias_match {
	const char *alias;
	int *ifindex;
	size_t n;
	int r;
};

static int alias_cb(const struct nlmsghdr *nlh, void *data)
{
	struct alias_match *m = data;
	struct link_info li;
	int *v;

	if (nlh->nlmsg_type != RTM_NEWLINK || m->r < 0)
		return MNL_CB_OK;
	parse_link(nlh, &li);
	if (strcmp(li.alias, m->alias) != 0)
		return MNL_CB_OK;
	v = realloc(m->ifindex, (m->n + 1) * sizeof(*v));
	if (!v) {
		m->r = -ENOMEM;
		return MNL_CB_OK;
	}
	m->ifindex = v;
	m->ifindex[m->n++] = li.ifindex;
	return MNL_CB_OK;
}

int link_del_alias(struct nl *nl, const char *alias, struct taper_err *err)
{
	struct alias_match m = { .alias = alias };
	_cleanup_free_ int *ifindex = NULL;
	struct nlmsghdr *nlh;
	int r, n = 0;

	if (!alias || !alias[0])
		return err_set(err, 0, "empty link alias");
	/* Collect first: the dump and the deletes share the socket buffer.
	 * A link made or gone during the dump interrupts it: list again. */
	for (int tries = 0;; tries++) {
		nlh = link_msg(nl, RTM_GETLINK, 0, 0);
		r = nl_dump(nl, nlh, alias_cb, &m, err);
		if (r != -EINTR || tries == NL_DUMP_TRIES)
			break;
		free(m.ifindex);
		m = (struct alias_match){ .alias = alias };
	}
	ifindex = TAKE_PTR(m.ifindex);
	if (r < 0)
		return err_wrap(err, "list links");
	if (m.r < 0)
		return err_set(err, -m.r, "list links");
	for (size_t i = 0; i < m.n; i++) {
		r = link_del_index(nl, ifindex[i], err);
		if (r == -ENODEV) /* went away with its peer meanwhile */
			continue;
		if (r < 0)
			return r;
		n++;
	}
	return n;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9'   ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
				      : -1;
}

int hwaddr_parse(const char *s, uint8_t ret[6])
{
	if (!s || strlen(s) != 17)
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		int hi = hexval(s[i * 3]), lo = hexval(s[i * 3 + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && s[i * 3 + 2] != ':'))
			return -EINVAL;
		ret[i] = (uint8_t)(hi << 4 | lo);
	}
	/* A multicast address cannot name one interface. */
	return (ret[0] & 1) ? -EINVAL : 0;
}
