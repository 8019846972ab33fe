/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Networking probes. Each runs in a forked child that first enters a new,
 * empty network namespace: links and tables are created and deleted there
 * only, and whatever is left vanishes with the namespace. The host's
 * network is never touched. Links are made with the network module's own
 * calls (net/link.h), so the probe exercises what a container start uses.
 */
#include <errno.h>
#include <nftables/libnftables.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/check-internal.h"
#include "net/link.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/lazy.h"

static int enter_netns(char *msg, size_t len)
{
	if (unshare(CLONE_NEWNET) < 0) {
		int e = errno;

		snprintf(msg, len, "unshare(CLONE_NEWNET): %s", strerror(e));
		return -e;
	}
	return 0;
}

/* msg says what failed; -e for check_in_child(). */
#define FAIL(e, ...)                             \
	({                                       \
		snprintf(msg, len, __VA_ARGS__); \
		-(e);                            \
	})

/* msg = "<context>: <the net module's error>" (it names the link and the
 * netlink failure); returns r, the net module's -errno. */
static int __attribute__((format(printf, 5, 6)))
fail_net(char *msg, size_t len, int r, const struct taper_err *e, const char *fmt, ...)
{
	char ctx[64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ctx, sizeof(ctx), fmt, ap);
	va_end(ap);
	snprintf(msg, len, "%s%s%s", ctx, ctx[0] ? ": " : "", e->msg[0] ? e->msg : strerror(-r));
	return r;
}

static int add_veth(struct nl *nl, struct taper_err *err)
{
	return link_add_veth(nl, "tpck0", "tpck1", -1, 0, NULL, err);
}

/* Put link name under master; 0 or -errno. */
static int set_master(struct nl *nl, const char *name, const char *master, struct taper_err *err)
{
	int idx = link_ifindex(nl, name, err), midx = link_ifindex(nl, master, err);

	if (idx < 0 || midx < 0)
		return idx < 0 ? idx : midx;
	return link_set_master(nl, idx, midx, err);
}

static int link_child(const void *arg, char *msg, size_t len)
{
	const char *kind = arg;
	_cleanup_nl_ struct nl *nl = NULL;
	struct taper_err e = {};
	int r = enter_netns(msg, len);

	if (r)
		return r;
	if ((r = nl_open(-1, &nl, &e)) < 0)
		return fail_net(msg, len, r, &e, "%s", "");

	if (strcmp(kind, "veth") == 0) {
		if ((r = add_veth(nl, &e)) < 0)
			return fail_net(msg, len, r, &e, "veth pair");
		if ((r = link_del(nl, "tpck0", &e)) < 0)
			return fail_net(msg, len, r, &e, "veth pair");
		snprintf(msg, len, "created and deleted a veth pair in a throw-away netns");
		return 0;
	}
	if (strcmp(kind, "bridge") == 0) {
		bool port;

		if ((r = link_add_bridge(nl, "tpckbr", 0, &e)) < 0)
			return fail_net(msg, len, r, &e, "%s", "");
		port = add_veth(nl, NULL) == 0;
		if (port && (r = set_master(nl, "tpck0", "tpckbr", &e)) < 0)
			return fail_net(msg, len, r, &e, "add a veth port to the bridge");
		if ((r = link_del(nl, "tpckbr", &e)) < 0)
			return fail_net(msg, len, r, &e, "%s", "");
		snprintf(msg, len, "created a bridge%s and deleted it in a throw-away netns",
			 port ? ", added a veth port," : "");
		return 0;
	}
	/* macvlan needs an Ethernet lower device; lo is not one. */
	const char *lower_kind = "veth";

	if (add_veth(nl, NULL) < 0) {
		lower_kind = "dummy";
		if ((r = link_add_dummy(nl, "tpck0", &e)) < 0)
			return fail_net(msg, len, r, &e, "a lower device (veth or dummy)");
	}
	if ((r = link_add_macvlan(nl, "tpckmv", "tpck0", -1, 0, NULL, &e)) < 0)
		return fail_net(msg, len, r, &e, "macvlan on a %s", lower_kind);
	if ((r = link_del(nl, "tpckmv", &e)) < 0)
		return fail_net(msg, len, r, &e, "%s", "");
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
