/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tools.h — the hook tools' side in taper: what relation-get,
 * relation-set, config-get, open-port, status-set and the others do for
 * the unit whose hook is running.
 *
 * Reads see the model plus what the hook has set so far; writes only go
 * into the hook's pending changes, which hook.c applies in one transaction
 * when the hook succeeds (and drops when it fails). A unit reads its own
 * settings and those its relations share, and writes its own only.
 *
 * The wire protocol (one request per connection): the client sends
 * NUL-terminated words "R=<JUJU_RELATION_ID>", "U=<JUJU_REMOTE_UNIT>", "",
 * the tool's name, its arguments, then shuts down its write side; taper
 * answers "<exit code> <length of stdout>\n<stdout><stderr>".
 */
#ifndef TAPER_CHARM_TOOLS_H
#define TAPER_CHARM_TOOLS_H

#include <stdio.h>

#include "charm/internal.h"

struct pending_set {
	int64_t relation;
	char *key;
	char *value; /* "" unsets */
};
struct pending_port {
	int port;
	char proto[4];
	bool open;
};

struct hook_ctx {
	struct charm_env *e;
	const char *unit, *service, *container, *hook;
	/* The relation and remote unit of the hook taper runs (0, NULL when
	 * none), from its queue: what only the hook's own context grants
	 * goes by these. */
	int64_t hook_relation;
	const char *hook_remote;
	/* Those of the request: the hook's, or what the hook's environment
	 * says (JUJU_RELATION_ID, JUJU_REMOTE_UNIT): defaults for -r and a
	 * unit argument, the container's to choose. */
	int64_t relation;
	const char *remote;
	struct pending_set *sets;
	size_t n_sets;
	struct pending_port *ports;
	size_t n_ports;
	char *status, *message; /* status-set, NULL when not called */
	size_t logged;          /* bytes this hook put in the log */
	size_t set_bytes;       /* bytes of its pending relation-sets */
};
void hook_ctx_clear(struct hook_ctx *h);

/* A hook's budgets in the model, which lives on the host outside the
 * unit's disk: its log (output and juju-log), the settings it sets. */
#define HOOK_LOG_MAX (1u << 20)
#define HOOK_SETTINGS_MAX (1u << 20)

/* One line of the hook's log; past HOOK_LOG_MAX one line says the rest
 * is dropped, and the rest is. */
void hook_log(struct hook_ctx *h, const char *text);

/* Handle one request (words as sent); the answer goes to out/errout.
 * Returns the tool's exit status. */
int tools_handle(struct hook_ctx *h, char **words, size_t n, FILE *out, FILE *errout);

/* Tool names, NULL-terminated (the links in a unit's bin/). */
extern const char *const tool_names[];

#endif
