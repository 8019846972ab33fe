/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <endian.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/nftrules.h"
#include "net/nl.h"
#include "util/cleanup.h"

/* libnftnl's user data: a list of { u8 type, u8 len, value[len] }. */
#define UDATA_RULE_COMMENT 0

static struct nlmsghdr *nft_msg(struct nl *nl, uint16_t type, uint16_t flags, uint8_t family)
{
	struct nlmsghdr *nlh = nl_msg(nl, (NFNL_SUBSYS_NFTABLES << 8) | type, flags);
	struct nfgenmsg *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));

	g->nfgen_family = family;
	g->version = NFNETLINK_V0;
	g->res_id = 0;
	return nlh;
}

static void comment_of(const uint8_t *p, size_t len, char ret[NFT_RULE_COMMENT_MAX])
{
	ret[0] = '\0';
	while (len >= 2 && (size_t)p[1] + 2 <= len) {
		uint8_t type = p[0], n = p[1];

		if (type == UDATA_RULE_COMMENT) {
			/* nft stores the terminating NUL; do not rely on it. */
			size_t s = strnlen((const char *)p + 2, n);

			snprintf(ret, NFT_RULE_COMMENT_MAX, "%.*s", (int)s, (const char *)p + 2);
			return;
		}
		p += 2 + n;
		len -= 2 + (size_t)n;
	}
}

static int rule_attr(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(a);

	if (type > NFTA_RULE_MAX)
		return MNL_CB_OK;
	tb[type] = a;
	return MNL_CB_OK;
}

static int rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nft_rules *r = data;
	const struct nlattr *tb[NFTA_RULE_MAX + 1] = { 0 };
	struct nft_rule_ref *ref, *grown;
	uint64_t handle;

	if (mnl_attr_parse(nlh, sizeof(struct nfgenmsg), rule_attr, tb) < 0)
		return MNL_CB_ERROR;
	if (!tb[NFTA_RULE_CHAIN] || !tb[NFTA_RULE_HANDLE] ||
	    mnl_attr_get_payload_len(tb[NFTA_RULE_HANDLE]) != sizeof(handle)) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	grown = reallocarray(r->rules, r->n + 1, sizeof(*r->rules));
	if (!grown) {
		errno = ENOMEM;
		return MNL_CB_ERROR;
	}
	r->rules = grown;
	ref = &r->rules[r->n++];
	memset(ref, 0, sizeof(*ref));
	memcpy(&handle, mnl_attr_get_payload(tb[NFTA_RULE_HANDLE]), sizeof(handle));
	ref->handle = be64toh(handle);
	{
		const char *chain = mnl_attr_get_payload(tb[NFTA_RULE_CHAIN]);
		size_t len = strnlen(chain, mnl_attr_get_payload_len(tb[NFTA_RULE_CHAIN]));

		if (len < sizeof(ref->chain))
			memcpy(ref->chain, chain, len);
	}
	if (tb[NFTA_RULE_USERDATA])
		comment_of(mnl_attr_get_payload(tb[NFTA_RULE_USERDATA]),
			   mnl_attr_get_payload_len(tb[NFTA_RULE_USERDATA]), ref->comment);
	return MNL_CB_OK;
}

void nft_rules_clear(struct nft_rules *r)
{
	free(r->rules);
	r->rules = NULL;
	r->n = 0;
}

int nft_rules_list(uint8_t family, const char *table, struct nft_rules *ret, struct taper_err *err)
{
	_cleanup_nl_ struct nl *nl = NULL;
	struct nlmsghdr *nlh;
	int r;

	memset(ret, 0, sizeof(*ret));
	r = nl_open_bus(NETLINK_NETFILTER, -1, &nl, err);
	if (r < 0)
		return r;
	/* A commit of anyone's during the dump interrupts it: read again. */
	for (int tries = 0;; tries++) {
		nlh = nft_msg(nl, NFT_MSG_GETRULE, 0, family);
		mnl_attr_put_strz(nlh, NFTA_RULE_TABLE, table);
		r = nl_dump(nl, nlh, rule_cb, ret, err);
		if (r != -EINTR || tries == NL_DUMP_TRIES)
			break;
		nft_rules_clear(ret);
	}
	if (r == -ENOENT)
		r = 0; /* no such table: no rules */
	if (r < 0) {
		nft_rules_clear(ret);
		return err_wrap(err, "nftables rules of table %s", table);
	}
	return 0;
}

static int gen_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg))
	{
		if (mnl_attr_get_type(a) == NFTA_GEN_ID && mnl_attr_get_payload_len(a) == sizeof(uint32_t))
			*(uint32_t *)data = be32toh(mnl_attr_get_u32(a));
	}
	return MNL_CB_OK;
}

int nft_generation(uint32_t *ret, struct taper_err *err)
{
	_cleanup_nl_ struct nl *nl = NULL;
	int r = nl_open_bus(NETLINK_NETFILTER, -1, &nl, err);

	if (r < 0)
		return r;
	*ret = 0;
	return nl_call(nl, nft_msg(nl, NFT_MSG_GETGEN, 0, AF_UNSPEC), gen_cb, ret, err);
}
