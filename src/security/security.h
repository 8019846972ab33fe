/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * security.h — what the executor does to a container process right before
 * execve: resource limits, capabilities, user switch, no_new_privs, seccomp,
 * and the defence of the runtime binary (CVE-2019-5736).
 *
 * Split by process:
 *  - in the PARENT, before clone: security_seccomp_prepare() parses the profile,
 *    compiles it with libseccomp and exports the raw BPF (cached on disk for
 *    the default profile). All allocation and file reading happens here.
 *  - in the CHILD, after pivot_root, as the last thing before execve:
 *    security_apply(), which runs, in this order,
 *        security_set_nondumpable        (first thing in the child, see below)
 *        security_set_rlimits
 *        [security_seccomp_load             when !no_new_privs: needs CAP_SYS_ADMIN]
 *        security_drop_bounding
 *        security_switch_user            (keeps the permitted set across setresuid)
 *        security_set_caps               (effective/permitted/inheritable, ambient)
 *        security_set_no_new_privs
 *        [security_seccomp_load             when no_new_privs: last, so the
 *                                         filter need not allow the calls above]
 *    The child functions do not allocate and read no file except
 *    /proc/sys/kernel/cap_last_cap (through spec_cap_last()).
 *
 * Non-dumpable: every runtime process that lives inside the container's
 * namespaces before execve (the cloned child, a setns'd attach helper) must
 * call security_set_nondumpable() first thing, so that a container process
 * cannot ptrace it or open its /proc/<pid>/exe, /proc/<pid>/mem or fds.
 * execve of the payload resets the flag.
 *
 * exe_ensure_sealed() is called first thing by every verb that puts a
 * taper process into a container (run, exec, attach), with main()'s argv;
 * other verbs skip it (it costs one extra execve, ~0.9 ms).
 */
#ifndef TAPER_SECURITY_SECURITY_H
#define TAPER_SECURITY_SECURITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <taper.h>

#include "spec/spec.h"

/* A compiled filter: raw BPF ready for seccomp(SECCOMP_SET_MODE_FILTER).
 * (taper_ prefix: libseccomp owns the seccomp_ namespace.) */
struct security_seccomp;

/* ---- child side ---------------------------------------------------- */

/* prctl(PR_SET_DUMPABLE, 0). */
int security_set_nondumpable(struct taper_err *err);

/* setrlimit for each p->rlimits; raising a hard limit without
 * CAP_SYS_RESOURCE fails with a message naming the limit. */
int security_set_rlimits(const struct taper_process *p, struct taper_err *err);

/* PR_CAPBSET_DROP every capability up to spec_cap_last() not in keep. */
int security_drop_bounding(uint64_t keep, struct taper_err *err);

/* setgroups(additional gids), setresgid, setresuid to p->uid/p->gid, with
 * PR_SET_KEEPCAPS so the permitted set survives a switch away from uid 0.
 * The caller re-sets the effective set afterwards (security_set_caps).
 * -EINVAL for a uid or gid of (uid_t)-1, which the calls would ignore. */
int security_switch_user(const struct taper_process *p, struct taper_err *err);

/* capset effective/permitted/inheritable, then the ambient set (cleared,
 * then raised cap by cap). */
int security_set_caps(const struct taper_caps *caps, struct taper_err *err);

/* PR_SET_NO_NEW_PRIVS when on; nothing when off. */
int security_set_no_new_privs(bool on, struct taper_err *err);

/* The whole sequence above, in the right order; filter may be NULL. */
int security_apply(const struct taper_process *p, const struct security_seccomp *filter,
		   struct taper_err *err);

/* ---- seccomp ------------------------------------------------------- */

/* profile: "default", "unconfined" (*ret = NULL, nothing to load) or the
 * path of a docker/OCI seccomp JSON profile. caps is the process's bounding
 * set (p->caps.bounding): the default profile allows capability-gated
 * syscalls (mount, unshare, setns, ptrace, ...) only when the capability is
 * granted, as moby does. in_userns: the container has its own user
 * namespace; moby's rules do not depend on it (CAP_SYS_ADMIN unlocks the
 * same calls with or without one), so today it changes nothing, and it is
 * part of the evaluation environment for rules that will. The compiled
 * default profile is cached under /var/cache/taper/seccomp (root only). */
int security_seccomp_prepare(const char *profile, uint64_t caps, bool in_userns,
			     struct security_seccomp **ret, struct taper_err *err);

/* The same for a profile given as its JSON text (OCI's linux.seccomp);
 * label names it in errors ("config.json: linux.seccomp"). */
int security_seccomp_prepare_json(const char *label, const char *json, uint64_t caps, bool in_userns,
				  struct security_seccomp **ret, struct taper_err *err);

/* p's filter: its seccomp_json when set, else its seccomp ("default"
 * when NULL), for its bounding set. */
int security_seccomp_prepare_process(const struct taper_process *p, bool in_userns,
				     struct security_seccomp **ret, struct taper_err *err);

/* One seccomp(2) call, no allocation. NULL: no-op. Without no_new_privs
 * the caller needs CAP_SYS_ADMIN. */
int security_seccomp_load(const struct security_seccomp *f, struct taper_err *err);

void security_seccomp_free(struct security_seccomp *f);

/* Size of the program in BPF instructions (for tests and benchmarks). */
size_t security_seccomp_len(const struct security_seccomp *f);

/* ---- CVE-2019-5736 ------------------------------------------------- */

/* Unless /proc/self/exe is already a sealed memfd, copy the binary into a
 * sealed memfd and fexecve it with the same argv and environ (does not
 * return on success). A container process then finds only an immutable
 * copy behind /proc/<runtime pid>/exe. */
int exe_ensure_sealed(int argc, char **argv, struct taper_err *err);

/* The program at path copied into a sealed memfd (close-on-exec), for a
 * process that puts taper code into a container without being a copy of
 * the caller (the monitor of taper_container_execute, whose init stays). */
int exe_sealed_copy(const char *path, struct taper_err *err);

#endif
