/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * internal.h — what the charm module's files share: the environment, the
 * hook queue and the unit's files on the host.
 *
 * A unit's files live in <store>/.charm/units/<container>/ and are bound
 * read-only into its container at UNIT_MOUNT: bin/ (the hook tool under
 * every tool's name), charm/ (its copy of the charm) and sock, the socket
 * its hook tools reach taper through while one of its hooks runs.
 */
#ifndef TAPER_CHARM_INTERNAL_H
#define TAPER_CHARM_INTERNAL_H

#include <stdint.h>

#include "charm/charm.h"
#include "charm/meta.h"
#include "charm/model.h"

#define UNIT_MOUNT "/var/lib/taper-charm"
/* Steps of a unit's queue that are not charm hooks. */
#define STEP_PROVISION "(provision)"
#define STEP_REMOVE "(remove)"
/* Hooks one verb runs at most: settings that never settle stop here. */
#define MAX_HOOKS 2000

struct charm_env {
	char *store_path; /* absolute */
	struct taper_store *store;
	struct model *m;
	char *tool_path;
	char **charm_path;
	int lock_fd;
	void (*say)(void *userdata, const char *line);
	void *userdata;
};

void env_say(struct charm_env *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* <store>/.charm/units/<container> (malloc'ed). */
char *unit_dir(struct charm_env *e, const char *container);
/* "web/0" -> "web-0". */
char *unit_container(const char *unit);

/* Queue a step for unit (relation 0 and remote NULL for none), unless the
 * same one is already waiting. */
int queue_add(struct charm_env *e, const char *unit, const char *hook, int64_t relation, const char *remote,
	      struct taper_err *err);
/* Queue joined + changed on both sides for every pair of units of
 * relation id (only those involving unit, when not NULL). */
int queue_relation_joins(struct charm_env *e, int64_t id, const char *unit, struct taper_err *err);
/* Run queued steps until none is runnable. Units whose hook fails go
 * into error (their queue waits for resolved); returns -EIO (err naming
 * the first) when any did. */
int queue_run(struct charm_env *e, struct taper_err *err);

/* Run one queued step (queue row id); 0 when it succeeded, 1 when the
 * unit went into error, -errno when the model failed. */
int hook_run(struct charm_env *e, int64_t qid, struct taper_err *err);

/* Publish (or unpublish) the opened ports of unit as its service's
 * exposure says. */
int ports_sync(struct charm_env *e, const char *unit, struct taper_err *err);

/* The endpoint of service in relation id, and the units on the other side
 * (for a peer relation: the service's other units). */
int relation_endpoint(struct charm_env *e, int64_t id, const char *service, char **ret,
		      struct taper_err *err);
int relation_remote_units(struct charm_env *e, int64_t id, const char *unit, struct mrows *ret,
			  struct taper_err *err);

/* Steps of the queue that are not hooks (units.c). */
int unit_provision(struct charm_env *e, const char *unit, const char *service, const char *container,
		   struct taper_err *err);
int unit_remove(struct charm_env *e, const char *unit, const char *service, const char *container,
		struct taper_err *err);
/* Delete a service and what hangs on it from the model (in the caller's
 * transaction), and its copy of the charm. */
int service_forget(struct charm_env *e, const char *service, struct taper_err *err);
/* The hook tools' names, NULL-terminated. */
const char *const *tool_names_list(void);

/* The charm a name or directory means. */
int charm_find(struct charm_env *e, const char *what, char **ret_dir, struct taper_err *err);
/* Copy a directory tree (files, directories, symlinks). */
int copy_tree(const char *src, const char *dst, struct taper_err *err);

#endif
