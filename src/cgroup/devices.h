/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * devices.h — device access rules (struct taper_device_rule, spec/spec.h)
 * enforced on a cgroup2 directory.
 *
 * cg_devices_check() validates a rule list and touches nothing: type 'a',
 * 'c' or 'b'; access one or more of TAPER_DEV_MKNOD/READ/WRITE and nothing
 * else; major and minor TAPER_DEV_ANY or 0..UINT32_MAX, and both
 * TAPER_DEV_ANY for type 'a'; at most CG_DEVICES_MAX_RULES rules. Errors
 * name the rule by its index in the array, from 0 ("device rule 3: ...").
 *
 * cg_devices_bpf_attach() validates, compiles the list into one
 * BPF_PROG_TYPE_CGROUP_DEVICE program (devices_bpf.c) and attaches it to
 * cgroup_fd (an O_RDONLY directory fd on cgroup2) with BPF_F_ALLOW_MULTI.
 * The kernel runs it for every task in that cgroup and its descendants, on
 * each mknod and open of a device node, together with any program attached
 * to the ancestors: a request needs the consent of all of them. Nothing is
 * attached on failure. The attachment lives as long as the cgroup; no fd
 * stays open here. Needs CAP_SYS_ADMIN (or CAP_BPF) in the initial user
 * namespace.
 */
#ifndef TAPER_CGROUP_DEVICES_H
#define TAPER_CGROUP_DEVICES_H

#include <stddef.h>

#include <taper.h>

struct taper_device_rule;

/* Bounds the program's size (about ten instructions per rule). */
#define CG_DEVICES_MAX_RULES 512

/* -EINVAL, or -E2BIG past CG_DEVICES_MAX_RULES; err names the rule. */
int cg_devices_check(const struct taper_device_rule *rules, size_t n, struct taper_err *err);

int cg_devices_bpf_attach(int cgroup_fd, const struct taper_device_rule *rules, size_t n,
			  struct taper_err *err);

/* Can this kernel load a device program at all (CONFIG_CGROUP_BPF, the
 * bpf() syscall, CAP_BPF or CAP_SYS_ADMIN)? Loads one that denies every
 * request, attaches it nowhere. 0 or -errno with err filled. */
int cg_devices_bpf_probe(struct taper_err *err);

#endif
