/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Networking probes. Each runs in a forked child that first enters a new,
 * empty network namespace: links and tables are created and deleted there
 * only, and whatever is left vanishes with the namespace. The host's
 * network is never touched. The few rtnetlink messages needed are encoded
 * here with libmnl; the network module proper has its own.
 */
#include <errno.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <nftables/libnftables.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libmnl/libmnl.h>

#include "check/check-internal.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/lazy.h"

static void mnl_socket_closep(struct mnl_socket **nl)
{
	if (*nl)
		mnl_socket_close(*nl);
}

/* Send one request and wait for its acknowledgement. 0 or a positive errno. */
static int nl_talk(struct mnl_socket *nl, struct nlmsghdr *nlh)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	unsigned seq = (unsigned)time(NULL) ^ nlh->nlmsg_type;
	unsigned portid = mnl_socket_get_portid(nl);
	ssize_t n;

	nlh->nlmsg_seq = seq;
	nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return errno;
	for (;;) {
		int r;

		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0)
			return errno;
		r = mnl_cb_run(buf, (size_t)n, seq, portid, NULL, NULL);
		if (r == MNL_CB_ERROR)
			return errno ? errno : EPROTO;
		if (r == MNL_CB_STOP)
			return 0;
	}
}

static struct nlmsghdr *link_msg(char *buf, uint16_t type, uint16_t flags, const char *name)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifm;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	return nlh;
}

/* RTM_NEWLINK of kind; peer for veth, lower (ifindex) for macvlan. */
static int link_add(struct mnl_socket *nl, const char *kind, const char *name, const char *peer,
		    unsigned lower)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, name);
	struct nlattr *info;

	if (lower)
		mnl_attr_put_u32(nlh, IFLA_LINK, lower);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, kind);
	if (peer) {
		struct nlattr *data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
		struct nlattr *pa = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
		struct ifinfomsg *pifm = mnl_nlmsg_get_payload_tail(nlh);

		/* The peer is an ifinfomsg followed by its own attributes. */
		memset(pifm, 0, sizeof(*pifm));
		pifm->ifi_family = AF_UNSPEC;
		nlh->nlmsg_len += MNL_ALIGN(sizeof(*pifm));
		mnl_attr_put_strz(nlh, IFLA_IFNAME, peer);
		mnl_attr_nest_end(nlh, pa);
		mnl_attr_nest_end(nlh, data);
	}
	mnl_attr_nest_end(nlh, info);
	return nl_talk(nl, nlh);
}

static int link_set_master(struct mnl_socket *nl, const char *name, const char *master)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, 0, name);
	unsigned idx = if_nametoindex(master);

	if (!idx)
		return errno;
	mnl_attr_put_u32(nlh, IFLA_MASTER, idx);
	return nl_talk(nl, nlh);
}

static int link_del(struct mnl_socket *nl, const char *name)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];

	return nl_talk(nl, link_msg(buf, RTM_DELLINK, 0, name));
}

static int enter_netns(char *msg, size_t len)
{
	if (unshare(CLONE_NEWNET) < 0) {
		int e = errno;

		snprintf(msg, len, "unshare(CLONE_NEWNET): %s", strerror(e));
		return e;
	}
	return 0;
}

#define FAIL(e, ...)                                  \
	({                                            \
		snprintf(msg, len, __VA_ARGS__);      \
		(e);                                  \
	})

static int link_child(const void *arg, char *msg, size_t len)
{
	const char *kind = arg;
	_cleanup_(mnl_socket_closep) struct mnl_socket *nl = NULL;
	int r = enter_netns(msg, len);

	if (r)
		return r;
	nl = mnl_socket_open(NETLINK_ROUTE);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		return FAIL(errno, "netlink socket: %s", strerror(errno));

	if (strcmp(kind, "veth") == 0) {
		if ((r = link_add(nl, "veth", "tpck0", "tpck1", 0)))
			return FAIL(r, "create veth pair: %s", strerror(r));
		if ((r = link_del(nl, "tpck0")))
			return FAIL(r, "delete veth pair: %s", strerror(r));
		snprintf(msg, len, "created and deleted a veth pair in a throw-away netns");
		return 0;
	}
	if (strcmp(kind, "bridge") == 0) {
		bool port;

		if ((r = link_add(nl, "bridge", "tpckbr", NULL, 0)))
			return FAIL(r, "create bridge: %s", strerror(r));
		port = link_add(nl, "veth", "tpck0", "tpck1", 0) == 0;
		if (port && (r = link_set_master(nl, "tpck0", "tpckbr")))
			return FAIL(r, "add a veth port to the bridge: %s", strerror(r));
		if ((r = link_del(nl, "tpckbr")))
			return FAIL(r, "delete bridge: %s", strerror(r));
		snprintf(msg, len, "created a bridge%s and deleted it in a throw-away netns",
			 port ? ", added a veth port," : "");
		return 0;
	}
	/* macvlan needs an Ethernet lower device; lo is not one. */
	const char *lower_kind = "veth";

	if (link_add(nl, "veth", "tpck0", "tpck1", 0) != 0) {
		lower_kind = "dummy";
		if ((r = link_add(nl, "dummy", "tpck0", NULL, 0)))
			return FAIL(r, "create a lower device (veth or dummy): %s", strerror(r));
	}
	if ((r = link_add(nl, "macvlan", "tpckmv", NULL, if_nametoindex("tpck0"))))
		return FAIL(r, "create macvlan on a %s: %s", lower_kind, strerror(r));
	if ((r = link_del(nl, "tpckmv")))
		return FAIL(r, "delete macvlan: %s", strerror(r));
	snprintf(msg, len, "created and deleted a macvlan on a %s in a throw-away netns", lower_kind);
	return 0;
}

CHECK_PROBE(probe_net_link)
{
	int r = check_in_child(link_child, p->word, detail, len);

	return r == 0;
}

static void nft_ctx_freep(struct nft_ctx **ctx)
{
	if (*ctx)
		nft_ctx_free(*ctx);
}

static int nft_child(const void *arg, char *msg, size_t len)
{
	static const char *const cmds[] = {
		"add table inet taper_probe",
		"add chain inet taper_probe post { type nat hook postrouting priority srcnat; }",
		"add rule inet taper_probe post masquerade",
		"delete table inet taper_probe",
	};
	_cleanup_(nft_ctx_freep) struct nft_ctx *ctx = NULL;
	int r = enter_netns(msg, len);

	if (r)
		return r;
	if (lazy_nftables_load(NULL) < 0)
		return FAIL(ELIBACC, "libnftables.so.1 cannot be loaded");
	ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!ctx)
		return FAIL(ENOMEM, "libnftables: cannot create a context");
	nft_ctx_buffer_output(ctx);
	nft_ctx_buffer_error(ctx);
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (nft_run_cmd_from_buffer(ctx, cmds[i]) != 0) {
			const char *e = nft_ctx_get_error_buffer(ctx);

			return FAIL(EPROTO, "nft %s: %.*s", cmds[i], (int)strcspn(e ? e : "", "\n"),
				    e ? e : "failed");
		}
	}
	snprintf(msg, len, "created a table with a masquerade rule and deleted it, in a throw-away netns");
	return 0;
}

CHECK_PROBE(probe_net_nftables)
{
	return check_in_child(nft_child, NULL, detail, len) == 0;
}

CHECK_PROBE(probe_net_ip_forward)
{
	_cleanup_free_ char *v = NULL;
	int r = read_file("/proc/sys/net/ipv4/ip_forward", 64, &v);

	if (r < 0) {
		snprintf(detail, len, "read /proc/sys/net/ipv4/ip_forward: %s", strerror(-r));
		return false;
	}
	v[strcspn(v, "\n")] = '\0';
	snprintf(detail, len, "net.ipv4.ip_forward = %s (%s)", v,
		 strcmp(v, "1") == 0 ? "on" : "off: containers reach the host and each other only");
	return strcmp(v, "1") == 0;
}
