/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * idrange.h — a host id range of its own for every new system container.
 *
 * `taper create` and `taper clone` give the new container IDRANGE_COUNT
 * host uids and as many gids that no other container of the store maps,
 * written into its config as `idmap` (one "b 0 BASE 65536" line when uid
 * and gid bases agree, else a "u" and a "g" line) with `rootfs.idmap =
 * true`, so that root of one container is never the same host user as root
 * (or any user) of another. The config stays the only record: a range is
 * taken while some config of the store maps it, in any line, by hand or
 * not, and free again once that container is destroyed.
 *
 * The pool: root's ranges in /etc/subuid (uids) and /etc/subgid (gids)
 * when the file delegates any to root ("root:" or "0:"), as LXC and LXD
 * read it; otherwise IDRANGE_POOL_FIRST up to IDRANGE_POOL_END, less every
 * range the file delegates to another user (that user's rootless
 * containers). The lowest free range wins, so a destroyed container's range
 * is the next one handed out. Ranges are disjoint within one store; two
 * stores on one host draw from the same pool.
 *
 * Picking reads every config of the store: the caller holds
 * store_lock_ids() from idrange_assign() until the new config is committed.
 */
#ifndef TAPER_CONTAINER_IDRANGE_H
#define TAPER_CONTAINER_IDRANGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "store/store.h"

#define IDRANGE_COUNT 65536u
/* Above the ranges shadow's useradd hands the first users (100000 + 65536
 * each) and above `taper run --userns`'s 100000, below 2^31 (ids past it
 * are negative to too many tools). */
#define IDRANGE_POOL_FIRST 1000000u
#define IDRANGE_POOL_END 2147483648u

/* [base, base + count) of host ids. */
struct id_range {
	uint64_t base, count;
};

/* The lowest base >= a pool range's start such that [base, base + count)
 * lies inside that pool range and meets no used range. used is sorted in
 * place. -ENOSPC when there is none. */
int idrange_first_fit(const struct id_range *pool, size_t n_pool, struct id_range *used, size_t n_used,
		      uint32_t count, uint32_t *ret_base);

/* The lines of an /etc/subuid or /etc/subgid text ("NAME:BASE:COUNT"):
 * root's ("root" or "0") into *ret_root, everyone else's into *ret_other
 * (malloc'ed arrays). Malformed lines are skipped, as shadow does. */
int idrange_subid_parse(const char *text, struct id_range **ret_root, size_t *n_root,
			struct id_range **ret_other, size_t *n_other);

/* Does c map ids the way idrange_assign() writes them (a map a clone may
 * trade for a new range) rather than by hand? */
bool idrange_is_assigned(const struct taper_config *c);

/* Pick a free range for a new container of s (see above) and write it
 * into c: its idmap lines (replacing any) and rootfs.idmap = true. The
 * caller holds store_lock_ids(). subuid/subgid name the delegation files
 * (NULL: /etc/subuid, /etc/subgid). */
int idrange_assign(struct taper_store *s, struct taper_config *c, const char *subuid, const char *subgid,
		   struct taper_err *err);

#endif
