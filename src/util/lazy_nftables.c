/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libnftables, bound at first use: see lazylib.h. One line per function
 * the core calls; the prototypes are checked against <nftables/libnftables.h>. */
#include <nftables/libnftables.h>

#include "util/lazylib.h"

static struct lazylib lib = { .soname = "libnftables.so.1" };

void lazy_nftables_load(void)
{
	lazylib_load(&lib);
}

LAZY_FN(lib, struct nft_ctx *, nft_ctx_new, (uint32_t flags), (flags))
LAZY_VOID_FN(lib, nft_ctx_free, (struct nft_ctx *c), (c))
LAZY_FN(lib, int, nft_ctx_buffer_output, (struct nft_ctx *c), (c))
LAZY_FN(lib, int, nft_ctx_buffer_error, (struct nft_ctx *c), (c))
LAZY_FN(lib, const char *, nft_ctx_get_error_buffer, (struct nft_ctx *c), (c))
LAZY_FN(lib, int, nft_run_cmd_from_buffer, (struct nft_ctx *c, const char *buf), (c, buf))
LAZY_FN(lib, const char *, nft_ctx_get_output_buffer, (struct nft_ctx *c), (c))
LAZY_VOID_FN(lib, nft_ctx_output_set_flags, (struct nft_ctx *c, unsigned int flags), (c, flags))
