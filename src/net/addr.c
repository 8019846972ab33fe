/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/rtnetlink.h>
#include <string.h>

#include "net/addr.h"

static struct nlmsghdr *addr_msg(struct nl *nl, uint16_t type, uint16_t flags, int ifindex, in_addr_t addr,
				 unsigned prefix)
{
	struct nlmsghdr *nlh = nl_msg(nl, type, flags);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));

	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = (unsigned char)prefix;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (unsigned)ifindex;
	mnl_attr_put_u32(nlh, IFA_LOCAL, addr);
	mnl_attr_put_u32(nlh, IFA_ADDRESS, addr);
	return nlh;
}

int addr_add_ipv4(struct nl *nl, int ifindex, in_addr_t addr, unsigned prefix, struct taper_err *err)
{
	struct nlmsghdr *nlh;
	char s[INET_ADDRSTRLEN];

	if (prefix > 32)
		return err_set(err, 0, "prefix length %u", prefix);
	nlh = addr_msg(nl, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, ifindex, addr, prefix);
	if (prefix < 31) {
		in_addr_t mask = prefix ? htonl(~0u << (32 - prefix)) : 0;
		mnl_attr_put_u32(nlh, IFA_BROADCAST, addr | ~mask);
	}
	if (nl_request(nl, nlh, err) < 0)
		return err_wrap(err, "add address %s/%u", inet_ntop(AF_INET, &addr, s, sizeof(s)), prefix);
	return 0;
}

int addr_del_ipv4(struct nl *nl, int ifindex, in_addr_t addr, unsigned prefix, struct taper_err *err)
{
	struct taper_err local = { 0 };
	char s[INET_ADDRSTRLEN];
	int r = nl_request(nl, addr_msg(nl, RTM_DELADDR, 0, ifindex, addr, prefix), &local);

	if (r == -EADDRNOTAVAIL || r == -ENODEV)
		return r;
	if (r < 0) {
		if (err)
			*err = local;
		return err_wrap(err, "delete address %s/%u", inet_ntop(AF_INET, &addr, s, sizeof(s)), prefix);
	}
	return 0;
}

int neigh_del_ipv4(struct nl *nl, int ifindex, in_addr_t addr, struct taper_err *err)
{
	struct nlmsghdr *nlh = nl_msg(nl, RTM_DELNEIGH, 0);
	struct ndmsg *nd = mnl_nlmsg_put_extra_header(nlh, sizeof(*nd));
	char s[INET_ADDRSTRLEN];
	int r;

	nd->ndm_family = AF_INET;
	nd->ndm_ifindex = ifindex;
	mnl_attr_put_u32(nlh, NDA_DST, addr);
	r = nl_request(nl, nlh, err);
	if (r == -ENOENT) {
		if (err)
			*err = (struct taper_err){ 0 };
		return 0;
	}
	if (r < 0)
		return err_wrap(err, "forget neighbour %s", inet_ntop(AF_INET, &addr, s, sizeof(s)));
	return 0;
}

struct addr_walk {
	int ifindex;
	in_addr_t want; /* 0: take the first */
	unsigned prefix;
	int found;
	in_addr_t addr;
};

static int addr_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	struct addr_walk *w = data;
	const struct nlattr *a;

	if (nlh->nlmsg_type != RTM_NEWADDR || ifa->ifa_family != AF_INET ||
	    (int)ifa->ifa_index != w->ifindex || w->found)
		return MNL_CB_OK;
	mnl_attr_for_each(a, nlh, sizeof(*ifa))
	{
		in_addr_t v;

		if (mnl_attr_get_type(a) != IFA_LOCAL || mnl_attr_validate(a, MNL_TYPE_U32) < 0)
			continue;
		v = mnl_attr_get_u32(a);
		if (w->want && (v != w->want || ifa->ifa_prefixlen != w->prefix))
			continue;
		w->found = 1;
		w->addr = v;
		w->prefix = ifa->ifa_prefixlen;
	}
	return MNL_CB_OK;
}

static int addr_walk(struct nl *nl, struct addr_walk *w, struct taper_err *err)
{
	struct nlmsghdr *nlh = nl_msg(nl, RTM_GETADDR, 0);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));

	ifa->ifa_family = AF_INET;
	if (nl_dump(nl, nlh, addr_cb, w, err) < 0)
		return err_wrap(err, "list addresses");
	return 0;
}

int addr_has_ipv4(struct nl *nl, int ifindex, in_addr_t addr, unsigned prefix, struct taper_err *err)
{
	struct addr_walk w = { .ifindex = ifindex, .want = addr, .prefix = prefix };
	int r = addr_walk(nl, &w, err);

	return r < 0 ? r : w.found;
}

int addr_first_ipv4(struct nl *nl, int ifindex, in_addr_t *ret_addr, unsigned *ret_prefix,
		    struct taper_err *err)
{
	struct addr_walk w = { .ifindex = ifindex };
	int r = addr_walk(nl, &w, err);

	if (r < 0)
		return r;
	if (!w.found)
		return -ENOENT;
	*ret_addr = w.addr;
	*ret_prefix = w.prefix;
	return 0;
}

int route_add_default_ipv4(struct nl *nl, in_addr_t gateway, int ifindex, struct taper_err *err)
{
	struct nlmsghdr *nlh = nl_msg(nl, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	char s[INET_ADDRSTRLEN];

	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = 0;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_BOOT;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put_u32(nlh, RTA_GATEWAY, gateway);
	mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)ifindex);
	if (nl_request(nl, nlh, err) < 0)
		return err_wrap(err, "add default route via %s", inet_ntop(AF_INET, &gateway, s, sizeof(s)));
	return 0;
}

struct route_walk {
	int found;
	in_addr_t gateway;
	int ifindex;
};

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct route_walk *w = data;
	const struct nlattr *a;
	uint32_t table = rtm->rtm_table;

	if (nlh->nlmsg_type != RTM_NEWROUTE || rtm->rtm_family != AF_INET || rtm->rtm_dst_len != 0 ||
	    w->found)
		return MNL_CB_OK;
	mnl_attr_for_each(a, nlh, sizeof(*rtm))
	{
		if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
			continue;
		if (mnl_attr_get_type(a) == RTA_TABLE)
			table = mnl_attr_get_u32(a);
		else if (mnl_attr_get_type(a) == RTA_GATEWAY)
			w->gateway = mnl_attr_get_u32(a);
		else if (mnl_attr_get_type(a) == RTA_OIF)
			w->ifindex = (int)mnl_attr_get_u32(a);
	}
	if (table == RT_TABLE_MAIN && rtm->rtm_type == RTN_UNICAST)
		w->found = 1;
	else
		w->gateway = 0, w->ifindex = 0;
	return MNL_CB_OK;
}

int route_get_default_ipv4(struct nl *nl, in_addr_t *ret_gateway, int *ret_ifindex, struct taper_err *err)
{
	struct nlmsghdr *nlh = nl_msg(nl, RTM_GETROUTE, 0);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	struct route_walk w = { 0 };

	rtm->rtm_family = AF_INET;
	if (nl_dump(nl, nlh, route_cb, &w, err) < 0)
		return err_wrap(err, "list routes");
	if (!w.found)
		return -ENOENT;
	*ret_gateway = w.gateway;
	*ret_ifindex = w.ifindex;
	return 0;
}
