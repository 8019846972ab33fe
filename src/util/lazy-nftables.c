/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lazy-nftables.c — libnftables, bound on first use (see lazy.h): only
 * NAT and published ports need it, never the container start path.
 */
#include <nftables/libnftables.h>

#include "util/lazy.h"

static struct lazy_lib lib = { .soname = "libnftables.so.1" };

int lazy_nftables_load(struct taper_err *err)
{
	return lazy_open(&lib, err);
}

/* The formatter reads the parameter lists below as expressions and
 * would write `struct foo * p`: one wrapper per line, by hand. */
/* clang-format off */
LAZY_FN(lib, struct nft_ctx *, nft_ctx_new, (uint32_t flags), (flags), NULL)
LAZY_VOID(lib, nft_ctx_free, (struct nft_ctx *ctx), (ctx))
LAZY_FN(lib, unsigned int, nft_ctx_output_get_flags, (struct nft_ctx *ctx), (ctx), 0)
LAZY_VOID(lib, nft_ctx_output_set_flags, (struct nft_ctx *ctx, unsigned int flags), (ctx, flags))
LAZY_FN(lib, int, nft_ctx_buffer_output, (struct nft_ctx *ctx), (ctx), -1)
LAZY_FN(lib, int, nft_ctx_buffer_error, (struct nft_ctx *ctx), (ctx), -1)
LAZY_FN(lib, const char *, nft_ctx_get_output_buffer, (struct nft_ctx *ctx), (ctx), NULL)
LAZY_FN(lib, const char *, nft_ctx_get_error_buffer, (struct nft_ctx *ctx), (ctx), NULL)
LAZY_FN(lib, int, nft_run_cmd_from_buffer, (struct nft_ctx *nft, const char *buf), (nft, buf), -1)
/* clang-format on */
