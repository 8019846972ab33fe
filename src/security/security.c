/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * security.c — the child's last steps before execve: rlimits, bounding
 * set, user switch, capabilities, no_new_privs, seccomp (see security.h
 * for the order and why).
 *
 * Capabilities go through the capset(2) system call rather than libcap's
 * cap_set_proc(): the child must not allocate, and a struct taper_caps is
 * already the kernel's bit mask. (taper does not link libcap: one shared
 * library less to load on each of the two execs of a container start.)
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "security/seccomp-internal.h"
#include "security/security.h"
#include "util/cleanup.h"
#include "util/err.h"

#define RLIMIT_ROW(n)                    \
	{                                \
		RLIMIT_##n, "RLIMIT_" #n \
	}
static const struct {
	int resource;
	const char *name;
} rlimit_names[] = {
	RLIMIT_ROW(CPU),      RLIMIT_ROW(FSIZE), RLIMIT_ROW(DATA),   RLIMIT_ROW(STACK),
	RLIMIT_ROW(CORE),     RLIMIT_ROW(RSS),   RLIMIT_ROW(NPROC),  RLIMIT_ROW(NOFILE),
	RLIMIT_ROW(MEMLOCK),  RLIMIT_ROW(AS),    RLIMIT_ROW(LOCKS),  RLIMIT_ROW(SIGPENDING),
	RLIMIT_ROW(MSGQUEUE), RLIMIT_ROW(NICE),  RLIMIT_ROW(RTPRIO), RLIMIT_ROW(RTTIME),
};

static const char *rlimit_name(int resource)
{
	for (size_t i = 0; i < ARRAY_SIZE(rlimit_names); i++)
		if (rlimit_names[i].resource == resource)
			return rlimit_names[i].name;
	return "RLIMIT_?";
}

int security_set_nondumpable(struct taper_err *err)
{
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return err_set(err, errno, "set non-dumpable");
	return 0;
}

int security_set_rlimits(const struct taper_process *p, struct taper_err *err)
{
	for (size_t i = 0; i < p->n_rlimits; i++) {
		const struct taper_rlimit *l = &p->rlimits[i];
		struct rlimit want = { .rlim_cur = l->soft, .rlim_max = l->hard }, cur;

		if (setrlimit(l->resource, &want) == 0)
			continue;
		if (errno == EPERM && getrlimit(l->resource, &cur) == 0 && want.rlim_max > cur.rlim_max)
			return err_set(err, EPERM,
				       "rlimit %s: raising the hard limit from %llu to %llu "
				       "needs CAP_SYS_RESOURCE",
				       rlimit_name(l->resource), (unsigned long long)cur.rlim_max,
				       (unsigned long long)want.rlim_max);
		return err_set(err, errno, "rlimit %s: soft %llu hard %llu", rlimit_name(l->resource),
			       (unsigned long long)l->soft, (unsigned long long)l->hard);
	}
	return 0;
}

int security_drop_bounding(uint64_t keep, struct taper_err *err)
{
	int last = spec_cap_last();

	for (int cap = 0; cap <= last; cap++) {
		if (keep & (UINT64_C(1) << cap))
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
			return err_set(err, errno, "drop %s from the bounding set", spec_cap_to_name(cap));
	}
	return 0;
}

/* "deny" in /proc/self/setgroups: the user namespace forbids setgroups. */
static bool setgroups_denied(void)
{
	_cleanup_close_ int fd = open("/proc/self/setgroups", O_RDONLY | O_CLOEXEC);
	char buf[8] = { 0 };

	return fd >= 0 && read(fd, buf, sizeof(buf) - 1) > 0 && strncmp(buf, "deny", 4) == 0;
}

int security_switch_user(const struct taper_process *p, struct taper_err *err)
{
	/* (uid_t)-1 is no id: to setresuid/setresgid it means "leave this one
	 * as it is", and the process would stay root. */
	if (p->uid == (uid_t)-1)
		return err_set(err, EINVAL, "user %u: not a user id", (unsigned)p->uid);
	if (p->gid == (gid_t)-1)
		return err_set(err, EINVAL, "group %u: not a group id", (unsigned)p->gid);
	/* Without KEEPCAPS, leaving uid 0 clears the permitted set. */
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return err_set(err, errno, "set keepcaps");
	/* Raw system calls, not glibc's wrappers: in a process with threads
	 * those broadcast the change to every thread (SIGSETXID), and a
	 * child sharing our memory (spawn.c) would find our threads in the
	 * list it shares. The kernel changes the calling task's only. */
	if (syscall(SYS_setgroups, p->n_additional_gids, p->additional_gids) < 0 &&
	    !(errno == EPERM && p->n_additional_gids == 0 && setgroups_denied()))
		return err_set(err, errno, "setgroups (%zu groups)", p->n_additional_gids);
	if (syscall(SYS_setresgid, p->gid, p->gid, p->gid) < 0)
		return err_set(err, errno, "setresgid %u", (unsigned)p->gid);
	if (syscall(SYS_setresuid, p->uid, p->uid, p->uid) < 0)
		return err_set(err, errno, "setresuid %u", (unsigned)p->uid);
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		return err_set(err, errno, "clear keepcaps");
	return 0;
}

int security_set_caps(const struct taper_caps *caps, struct taper_err *err)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];
	int last = spec_cap_last();

	for (int i = 0; i < 2; i++)
		data[i] = (struct __user_cap_data_struct){
			.effective = (uint32_t)(caps->effective >> (32 * i)),
			.permitted = (uint32_t)(caps->permitted >> (32 * i)),
			.inheritable = (uint32_t)(caps->inheritable >> (32 * i)),
		};
	if (syscall(SYS_capset, &hdr, data) < 0)
		return err_set(err, errno, "capset effective %#llx permitted %#llx",
			       (unsigned long long)caps->effective, (unsigned long long)caps->permitted);
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
		return err_set(err, errno, "clear the ambient set");
	for (int cap = 0; cap <= last; cap++) {
		if (!(caps->ambient & (UINT64_C(1) << cap)))
			continue;
		/* The kernel wants the cap permitted and inheritable. */
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
			return err_set(err, errno, "raise ambient %s", spec_cap_to_name(cap));
	}
	return 0;
}

int security_set_no_new_privs(bool on, struct taper_err *err)
{
	if (on && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return err_set(err, errno, "set no_new_privs");
	return 0;
}

int security_apply(const struct taper_process *p, const struct security_seccomp *filter,
		   struct taper_err *err)
{
	int r;

	r = security_set_nondumpable(err);
	if (r == 0)
		r = security_set_rlimits(p, err);
	/* Without no_new_privs, loading a filter needs CAP_SYS_ADMIN, which
	 * may be about to go: load it first (the filter must then allow the
	 * calls below, as the default profile does). */
	if (r == 0 && !p->no_new_privs)
		r = security_seccomp_load(filter, err);
	if (r == 0)
		r = security_drop_bounding(p->caps.bounding, err);
	if (r == 0)
		r = security_switch_user(p, err);
	if (r == 0)
		r = security_set_caps(&p->caps, err);
	if (r == 0)
		r = security_set_no_new_privs(p->no_new_privs, err);
	/* With no_new_privs the filter goes last, so nothing above needs it. */
	if (r == 0 && p->no_new_privs)
		r = security_seccomp_load(filter, err);
	return r;
}
