/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * devices.c — which device nodes a container may create, read and write.
 *
 * This is the boundary that keeps a container's root away from the host's
 * devices: a node made with CAP_MKNOD, or shipped in a rootfs archive, is
 * only as useful as the group's device rules allow. They are set once, when
 * the group is made, before any process enters it.
 *
 * Where the group has a cgroup2 directory (a v2 host, or the cgroup2
 * hierarchy of a hybrid host, where the kernel checks its programs too),
 * the rules become a BPF program attached there (devices_bpf.c). A pure v1
 * host gets them in the devices controller: "a" written to devices.deny
 * drops the inherited allow-all, then each rule goes to devices.allow or
 * devices.deny in order, as LXC writes lxc.cgroup.devices.* lines.
 */
#include <errno.h>

#include "cgroup/cgroup-internal.h"
#include "cgroup/devices.h"
#include "util/err.h"

static int write_rule(int fd, const char *path, const struct taper_device_rule *rule, struct taper_err *err)
{
	const char *file = rule->allow ? "devices.allow" : "devices.deny";
	char line[64];
	int r;

	spec_format_device_rule(rule, line, sizeof(line));
	if ((r = cg_write(fd, file, line)) < 0)
		return err_set(err, r, "write %s to %s/%s", line, path, file);
	return 0;
}

static int apply_v1(int fd, const char *path, const struct taper_device_rule *rules, size_t n,
		    struct taper_err *err)
{
	int r = cg_write(fd, "devices.deny", "a");

	if (r < 0)
		return err_set(err, r, "write a to %s/devices.deny", path);
	for (size_t i = 0; i < n; i++) {
		struct taper_device_rule c = rules[i], b = rules[i];

		/* v1 reads "a" as every device with every access, whatever
		 * follows it: an "a" rule for less is one for c and one for b. */
		if (rules[i].type != 'a' || rules[i].access == TAPER_DEV_RWM) {
			r = write_rule(fd, path, &rules[i], err);
		} else {
			c.type = 'c';
			b.type = 'b';
			if ((r = write_rule(fd, path, &c, err)) >= 0)
				r = write_rule(fd, path, &b, err);
		}
		if (r < 0)
			return r;
	}
	return 0;
}

int cg_devices_apply(struct taper_cgroup *cg, const struct taper_device_rule *rules, size_t n,
		     struct taper_err *err)
{
	int i = cg_unified_index(cg->m);

	if (i >= 0 && cg->fds[i] >= 0)
		return cg_devices_bpf_attach(cg->fds[i], rules, n, err);
	i = cg_hier_index(cg->m, CG_DEVICES);
	if (i >= 0 && cg->fds[i] >= 0)
		return apply_v1(cg->fds[i], cg->paths[i], rules, n, err);
	return err_set(err, EOPNOTSUPP,
		       "no devices cgroup and no cgroup2 hierarchy: device access cannot be confined");
}
