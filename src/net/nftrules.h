/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * nftrules.h — read the rules of one nftables table over nfnetlink.
 *
 * Contract: nft_rules_list() dumps the rules of table `family name` in the
 * calling thread's network namespace in one NFT_MSG_GETRULE request over
 * libmnl: no libnftables, no fork, no transaction. Each rule comes with
 * its chain, handle and comment (the NFTNL_UDATA_RULE_COMMENT of its user
 * data, where `nft ... comment "x"` puts it; "" when it has none). A
 * missing table reads as no rules. A chain name longer than
 * NFT_RULE_CHAIN_MAX - 1 is returned as "" (no rule of taper's has one),
 * a longer comment truncated. nft_generation() is the ruleset's generation
 * id, which every committed transaction changes.
 *
 * Read-only on purpose: every change of a table goes through libnftables
 * (nat.c); this is what lets a start that finds its rules in place skip
 * loading it.
 */
#ifndef TAPER_NET_NFTRULES_H
#define TAPER_NET_NFTRULES_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define NFT_RULE_CHAIN_MAX 65
#define NFT_RULE_COMMENT_MAX 128

struct nft_rule_ref {
	char chain[NFT_RULE_CHAIN_MAX];
	uint64_t handle;
	char comment[NFT_RULE_COMMENT_MAX];
};

struct nft_rules {
	size_t n;
	struct nft_rule_ref *rules;
};

/* family: AF_INET for an `ip` table (NFPROTO_* values are AF_* values). */
int nft_rules_list(uint8_t family, const char *table, struct nft_rules *ret, struct taper_err *err);
void nft_rules_clear(struct nft_rules *r);
static inline void nft_rules_clearp(struct nft_rules *r)
{
	nft_rules_clear(r);
}
#define _cleanup_nft_rules_ __attribute__((cleanup(nft_rules_clearp)))
int nft_generation(uint32_t *ret, struct taper_err *err);

#endif
