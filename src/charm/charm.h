/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * charm.h — charms, Juju-style, on plain local containers: the library
 * behind `taper deploy`, `relate`, `expose`, `status` and the other charm
 * verbs. A front end of libtaper like the CLI itself: it reaches
 * containers through include/taper.h only (tests/cli/test_layering.py),
 * and keeps the model (services, units, relations, settings, ports,
 * status, the hook queue and its log) in SQLite in the store
 * (<store>/.model.sqlite, src/charm/model.h). No controller and no agent:
 * the verb that changes the model runs the hooks that follow from it, one
 * at a time, in the units' containers, until none is left (or a unit is
 * in error). One such verb runs at a time per store (<store>/.model.lock);
 * `status` and `debug-log` only read.
 *
 * Every call returns 0 or -errno with err filled, as libtaper does; the
 * `say` callback gets one line per step ("web/0: install").
 */
#ifndef TAPER_CHARM_CHARM_H
#define TAPER_CHARM_CHARM_H

#include <stdbool.h>
#include <stdio.h>

#include <taper.h>

#include "util/cleanup.h"

struct charm_env;

struct charm_env_opts {
	const char *store_path;  /* NULL: /var/lib/taper */
	const char *tool_path;   /* the static hook tool copied into units */
	char *const *charm_path; /* directories searched for a charm by name */
	bool write;              /* take the store's model lock (waits) */
	void (*say)(void *userdata, const char *line);
	void *userdata;
};
int charm_env_open(const struct charm_env_opts *o, struct charm_env **ret, struct taper_err *err);
void charm_env_close(struct charm_env *e);
DEFINE_CLEANUP_FUNC(struct charm_env, charm_env_close)

struct charm_deploy_opts {
	const char *charm;   /* a directory, or a name searched in charm_path */
	const char *service; /* NULL: the charm's name */
	unsigned n_units;
	const char *config_file; /* YAML: SERVICE: {KEY: VALUE} */
	char *const *config;     /* "K=V" */
};
int charm_deploy(struct charm_env *e, const struct charm_deploy_opts *o, struct taper_err *err);
int charm_deploy_bundle(struct charm_env *e, const char *file, struct taper_err *err);
int charm_add_unit(struct charm_env *e, const char *service, unsigned n, struct taper_err *err);
int charm_remove_unit(struct charm_env *e, const char *unit, struct taper_err *err);
int charm_destroy_service(struct charm_env *e, const char *service, struct taper_err *err);
/* a, b: "SERVICE" or "SERVICE:ENDPOINT". */
int charm_relate(struct charm_env *e, const char *a, const char *b, struct taper_err *err);
int charm_unrelate(struct charm_env *e, const char *a, const char *b, struct taper_err *err);
int charm_expose(struct charm_env *e, const char *service, bool expose, struct taper_err *err);
int charm_set(struct charm_env *e, const char *service, char *const *kv, struct taper_err *err);
/* YAML, as `juju get` prints it. */
int charm_get(struct charm_env *e, const char *service, FILE *out, struct taper_err *err);
int charm_resolved(struct charm_env *e, const char *unit, bool retry, struct taper_err *err);
/* format: "yaml", "json" or "tabular". */
int charm_status(struct charm_env *e, const char *format, FILE *out, struct taper_err *err);
/* The last `lines` lines of hook output (0: all), then, with follow, new
 * ones as they come until *stop. */
int charm_debug_log(struct charm_env *e, unsigned lines, bool follow, volatile int *stop, FILE *out,
		    struct taper_err *err);

#endif
