/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hooks.h — OCI hooks: a program run at a point of the container's life
 * with the container's state (runtime.md's JSON) on its stdin.
 *
 * hooks_state_body() builds, before the clone, the members of the state
 * that do not change: ociVersion, id, bundle, annotations. hooks_run() adds
 * status and pid and runs one phase's hooks in order, in whatever
 * namespaces its caller is in. It makes system calls and formats into
 * stack buffers only, so the container's child may call it too (after a
 * fork-like clone: it clones). A hook gets the state as a memfd on stdin,
 * its caller's stdout and stderr and no other fd, default signal
 * dispositions and an empty mask, its argv and env and nothing else; it is
 * SIGKILLed and reaped once its timeout passes. A hook fails when it
 * cannot be executed, exits non-zero, is killed, or times out.
 */
#ifndef TAPER_RUN_HOOKS_H
#define TAPER_RUN_HOOKS_H

#include <stdbool.h>
#include <sys/types.h>

#include <taper.h>

#include "spec/spec.h"

/* "createRuntime" for TAPER_HOOK_CREATE_RUNTIME ... (runtime-spec names). */
const char *hooks_phase_name(enum taper_hook_phase phase);

/* `"ociVersion":"1.1.0","id":...,"bundle":...,"annotations":{...}`
 * (malloc'ed), for hooks_run(); -ENOMEM. */
int hooks_state_body(const struct taper_spec *spec, char **ret);

/* Run phase's hooks with the state {body, status, pid}. all: every hook
 * runs whatever the others did, and the error names the first that failed
 * (poststart, poststop); else the first failure stops the list. err:
 * "createRuntime hook 1 (/usr/bin/x): exited with status 3". */
int hooks_run(const struct taper_spec *spec, enum taper_hook_phase phase, const char *body,
	      const char *status, pid_t pid, bool all, struct taper_err *err);

#endif
