/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * config-internal.h — what config.c (file handling) and config_keys.c (the
 * key table and its apply functions) share. Not for other modules.
 */
#ifndef TAPER_CONFIG_INTERNAL_H
#define TAPER_CONFIG_INTERNAL_H

#include "config/config.h"

/* net.N: N ranges over 0..CONFIG_MAX_NETS-1. */
#define CONFIG_MAX_NETS 32

/* State of one compile: the targets, the key being applied, and what
 * cross-key checks need once every line is in. */
struct config_apply_ctx {
	struct taper_spec *spec;
	struct container_settings *settings;
	const char *base_dir; /* for a relative rootfs.path; may be NULL */

	const char *key;  /* the concrete key, "net.1.link" */
	const char *rest; /* the FILE/NAME part of a pattern key, or NULL */
	unsigned index;   /* the N of a net.N key */
	unsigned lineno;

	int net_pos[CONFIG_MAX_NETS];       /* index into spec->netifs, -1: unnamed */
	unsigned net_line[CONFIG_MAX_NETS]; /* first line naming net.N */
	bool net_typed[CONFIG_MAX_NETS];
	unsigned port_line;                  /* first net.port line, 0: none */
	unsigned hostname_line;              /* uts.name, 0: none */
	unsigned share_line[TAPER_NS_COUNT]; /* namespaces.share.TYPE, 0: none */

	/* cap.add/cap.drop in file order, as "last word wins" masks, to apply
	 * on the user-namespace default set when the namespace shows up. */
	uint64_t cap_added, cap_dropped;
};

void config_apply_ctx_init(struct config_apply_ctx *ctx, struct taper_spec *spec,
			   struct container_settings *settings, const char *base_dir);
/* Checks that need every line (each net.N has a type, ...) and sorts the
 * interfaces by N. Messages name origin and the line of the culprit. */
int config_apply_finish(struct config_apply_ctx *ctx, const char *origin, struct taper_err *err);

/* Match key against one row's pattern; fills ret_index (for "N") and
 * ret_rest (for a trailing "FILE"/"NAME"). */
bool config_key_match(const char *pattern, const char *key, unsigned *ret_index, const char **ret_rest);

/* Apply functions (config_apply.c), named after the value type they take.
 * They read k->offset (a field of the spec, of the settings with
 * CONFIG_KEY_SETTINGS, or of the interface for net.N keys) and k->min/max. */
#define CONFIG_APPLY(name)                                                                    \
	int name(const struct config_key *k, struct config_apply_ctx *ctx, const char *value, \
		 struct taper_err *err)
CONFIG_APPLY(apply_size_u64);
CONFIG_APPLY(apply_cgroup_limit);
CONFIG_APPLY(apply_i64);
CONFIG_APPLY(apply_int);
CONFIG_APPLY(apply_u32);
CONFIG_APPLY(apply_bool);
CONFIG_APPLY(apply_abs_path);
CONFIG_APPLY(apply_rootfs_path);
CONFIG_APPLY(apply_hostname);
CONFIG_APPLY(apply_net_type);
CONFIG_APPLY(apply_net_ifname);
CONFIG_APPLY(apply_net_hwaddr);
CONFIG_APPLY(apply_net_ipv4);
CONFIG_APPLY(apply_net_gateway);
CONFIG_APPLY(apply_net_mtu);
CONFIG_APPLY(apply_cgroup_raw);
CONFIG_APPLY(apply_mount);
CONFIG_APPLY(apply_idmap);
CONFIG_APPLY(apply_cgroup_mount);
CONFIG_APPLY(apply_caps);
CONFIG_APPLY(apply_seccomp);
CONFIG_APPLY(apply_init_cmd);
CONFIG_APPLY(apply_init_id);
CONFIG_APPLY(apply_env);
CONFIG_APPLY(apply_prlimit);
CONFIG_APPLY(apply_ns_share);
CONFIG_APPLY(apply_start_group);
CONFIG_APPLY(apply_devices);
CONFIG_APPLY(apply_signal);
CONFIG_APPLY(apply_net_port);

#endif
