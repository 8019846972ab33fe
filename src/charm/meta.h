/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * meta.h — a charm directory, read and checked whole before anything is
 * made from it: metadata.yaml (name, summary, description, base, packages,
 * provides/requires/peers), config.yaml (options with type string, int,
 * float or boolean, default, description) and hooks/ (executables). Every
 * refusal names the file and the field: "web/metadata.yaml: requires.kv:
 * no interface".
 */
#ifndef TAPER_CHARM_META_H
#define TAPER_CHARM_META_H

#include <stdbool.h>
#include <stddef.h>

#include <taper.h>

#include "util/cleanup.h"

struct charm_endpoint {
	char *name;
	char *role; /* "provides", "requires", "peers" */
	char *interface;
};

struct charm_option {
	char *name;
	char *type; /* "string", "int", "float", "boolean" */
	char *def;  /* normalized default, NULL when none */
	char *description;
};

struct charm_meta {
	char *dir; /* absolute */
	char *name;
	char *summary;
	char *description;
	char *base;    /* "busybox" or "debian" */
	char *release; /* debian: the release, NULL for the host's */
	char **packages;
	struct charm_endpoint *eps;
	size_t n_eps;
	struct charm_option *opts;
	size_t n_opts;
};

int charm_meta_load(const char *dir, struct charm_meta **ret, struct taper_err *err);
void charm_meta_free(struct charm_meta *c);
DEFINE_CLEANUP_FUNC(struct charm_meta, charm_meta_free)
const struct charm_endpoint *charm_meta_endpoint(const struct charm_meta *c, const char *name);
const struct charm_option *charm_meta_option(const struct charm_meta *c, const char *name);

/* Check value against type; *ret (malloc'ed) is its normal form
 * ("true" for "yes"). -EINVAL with err as the bare reason. */
int charm_value_check(const char *type, const char *value, char **ret, struct taper_err *err);

/* [a-z][a-z0-9-]*, at most 40, no "--", not ending in '-': a charm,
 * service, endpoint or interface name. */
bool charm_name_valid(const char *s);

#endif
