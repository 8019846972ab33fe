/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The config key table: one row per key or key pattern, with the function
 * that applies its value (config_apply.c), its doc text and an example.
 * Lookup, the cross-key checks and the generated reference live here too.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config-internal.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "spec/limit-table.h"
#include "util/parse.h"

#define SPEC_OFF(field) offsetof(struct taper_spec, field)
#define SET_OFF(field) offsetof(struct container_settings, field)
#define NET_OFF(field) offsetof(struct taper_netif, field)
#define LIMIT_KEY(name)                                                             \
	{                                                                           \
		.key = name, .apply = apply_cgroup_limit, .flags = CONFIG_KEY_LIMIT \
	}

/* clang-format off */
static const struct config_key keys[] = {
	{ .key = "rootfs.path", .syntax = "path", .apply = apply_rootfs_path,
	  .doc = "Root filesystem of the container. A relative path is relative to the container's "
		 "directory. Default: `<store>/<name>/rootfs`.",
	  .example = "/srv/images/web1" },
	{ .key = "rootfs.readonly", .syntax = "bool", .apply = apply_bool,
	  .offset = SPEC_OFF(rootfs_readonly),
	  .doc = "Mount the root filesystem read-only. Default: false.", .example = "true" },
	{ .key = "rootfs.idmap", .syntax = "bool", .apply = apply_bool,
	  .offset = SPEC_OFF(rootfs_idmap),
	  .doc = "Show the root filesystem through an idmapped mount (needs `idmap`): on-disk id N "
		 "appears as container id N, so a tree owned by host root appears owned by root "
		 "inside and stays owned by host root on disk. `taper create` sets it with `idmap`. "
		 "Default: false (the rootfs must then be chowned into the mapped range).",
	  .example = "true" },
	{ .key = "uts.name", .syntax = "hostname", .apply = apply_hostname,
	  .doc = "Host name inside the container. Default: the container's name.",
	  .example = "web1.example.org" },

	{ .key = "net.N.type", .syntax = "empty|veth|macvlan|host", .apply = apply_net_type,
	  .doc = "Kind of network interface N (0 to 31): `empty` gives a private network namespace "
		 "with loopback only, `veth` a pair whose host end joins the bridge `net.N.link`, "
		 "`macvlan` a device on top of the parent `net.N.link`, `host` shares the host's "
		 "network namespace. Every net.N needs a type. Without any net.N the container "
		 "has loopback only.",
	  .example = "veth", .example_key = "net.0.type" },
	{ .key = "net.N.link", .syntax = "interface", .apply = apply_net_ifname,
	  .offset = NET_OFF(link),
	  .doc = "Bridge (veth) or parent device (macvlan) of interface N.",
	  .example = "taperbr0", .example_key = "net.0.link" },
	{ .key = "net.N.name", .syntax = "interface", .apply = apply_net_ifname,
	  .offset = NET_OFF(name),
	  .doc = "Name of interface N inside the container. Default: ethN.",
	  .example = "eth0", .example_key = "net.0.name" },
	{ .key = "net.N.veth.pair", .syntax = "interface", .apply = apply_net_ifname,
	  .offset = NET_OFF(host_name),
	  .doc = "Name of the host end of a veth pair; an interface of the host of that name that is "
		 "not the container's own veth is refused. Default: generated.",
	  .example = "veth-web1", .example_key = "net.0.veth.pair" },
	{ .key = "net.N.hwaddr", .syntax = "MAC address", .apply = apply_net_hwaddr,
	  .doc = "MAC address of interface N (unicast). Default: random.",
	  .example = "02:16:3e:00:00:01", .example_key = "net.0.hwaddr" },
	{ .key = "net.N.ipv4.address", .syntax = "a.b.c.d/prefix", .apply = apply_net_ipv4,
	  .doc = "IPv4 address of interface N, with its prefix length. Default: allocated from the "
		 "bridge's network.",
	  .example = "10.0.3.5/24", .example_key = "net.0.ipv4.address" },
	{ .key = "net.N.ipv4.gateway", .syntax = "a.b.c.d", .apply = apply_net_gateway,
	  .doc = "IPv4 default gateway through interface N.",
	  .example = "10.0.3.1", .example_key = "net.0.ipv4.gateway" },
	{ .key = "net.N.mtu", .syntax = "integer", .apply = apply_net_mtu, .min = 68, .max = 65535,
	  .doc = "MTU of interface N. Default: the link's.",
	  .example = "1400", .example_key = "net.0.mtu" },
	{ .key = "net.port", .syntax = "[HOSTIP:]HOSTPORT:CTRPORT[/tcp|udp]", .apply = apply_net_port,
	  .flags = CONFIG_KEY_LIST | CONFIG_KEY_SETTINGS,
	  .doc = "Publish a port: connections to HOSTPORT on the host (on HOSTIP only, when given; "
		 "127.0.0.1 included) go to CTRPORT at the address of the container's first veth "
		 "interface. Protocol tcp unless /udp. May repeat; a host port may be published once "
		 "per protocol and address in a store. Applied at start, removed at stop; `taper port` "
		 "edits the list and applies it to a running container at once.",
	  .example = "8080:80/tcp" },

	/* Syntax, range and docs: the limit table (spec/limit-table.h). */
	LIMIT_KEY("cgroup.memory.max"),
	LIMIT_KEY("cgroup.memory.high"),
	LIMIT_KEY("cgroup.swap.max"),
	LIMIT_KEY("cgroup.pids.max"),
	LIMIT_KEY("cgroup.cpu.weight"),
	LIMIT_KEY("cgroup.cpu.shares"),
	LIMIT_KEY("cgroup.cpu.max"),
	LIMIT_KEY("cgroup.cpuset.cpus"),
	LIMIT_KEY("cgroup.cpuset.mems"),
	LIMIT_KEY("cgroup.io.weight"),
	{ .key = "cgroup.v1.FILE", .syntax = "string", .apply = apply_cgroup_raw, .min = 1,
	  .doc = "Write a value to a cgroup v1 file of the container's cgroup, after the limits "
		 "above, e.g. cgroup.v1.memory.swappiness. Ignored on a v2 host.",
	  .example = "10", .example_key = "cgroup.v1.memory.swappiness" },
	{ .key = "cgroup.v2.FILE", .syntax = "string", .apply = apply_cgroup_raw, .min = 2,
	  .doc = "Write a value to a cgroup v2 file of the container's cgroup, after the limits "
		 "above, e.g. cgroup.v2.memory.oom.group. Ignored on a v1 host.",
	  .example = "1", .example_key = "cgroup.v2.memory.oom.group" },

	{ .key = "cgroup.devices.allow", .syntax = "a|TYPE MAJOR:MINOR ACCESS", .apply = apply_devices,
	  .flags = CONFIG_KEY_LIST,
	  .doc = "Allow access to device nodes, on top of the default list (null, zero, full, random, "
		 "urandom, tty, console, ptmx, the pts, tun and fuse; mknod of any node): TYPE c, b "
		 "or a, MAJOR and MINOR numbers or *, ACCESS some of r, w, m. The last rule that "
		 "matches an access decides; may repeat.",
	  .example = "c 10:232 rwm" },
	{ .key = "cgroup.devices.deny", .syntax = "a|TYPE MAJOR:MINOR ACCESS", .apply = apply_devices,
	  .flags = CONFIG_KEY_LIST,
	  .doc = "Deny access to device nodes, as cgroup.devices.allow allows it; `a` denies all, "
		 "default list included, so that the allow lines after it are the whole list.",
	  .example = "c 10:229 rwm" },

	{ .key = "mount.entry", .syntax = "SRC DST TYPE [OPTIONS]", .apply = apply_mount,
	  .flags = CONFIG_KEY_LIST,
	  .doc = "An extra mount, fstab-like; may repeat, mounted in order after /proc, /sys and /dev. "
		 "DST is inside the container. Bind mounts: TYPE none with option bind or rbind (SRC "
		 "an absolute host path). Options: ro, rw, nosuid, nodev, noexec, optional (skip a "
		 "missing source), create=file (the target is a file); others go to the filesystem. "
		 "A space in a path is written \\040.",
	  .example = "/srv/data /data none bind,ro" },
	{ .key = "mount.cgroup", .syntax = "none|ro|mixed", .apply = apply_cgroup_mount,
	  .doc = "What /sys/fs/cgroup shows, always from inside the container's cgroup namespace "
		 "(the container's own cgroup is the root): `none` nothing; `ro` the host's layout "
		 "(cgroup v1 hierarchies on a tmpfs plus cgroup2 at unified, or one cgroup2 mount), "
		 "read-only; `mixed` as ro, but writable where the container's init manages its own "
		 "sub-tree: a named v1 hierarchy (name=systemd) always, cgroup2 only in a user "
		 "namespace, with the group's cgroup.procs and cgroup.subtree_control handed to the "
		 "container's root. Default: mixed.",
	  .example = "ro" },
	{ .key = "idmap", .syntax = "u|g|b CONTAINER HOST COUNT", .apply = apply_idmap,
	  .flags = CONFIG_KEY_LIST,
	  .doc = "A user (u), group (g) or both (b) id range mapping; may repeat. Any idmap runs the "
		 "container in a user namespace. `taper create` and `taper clone` write one with 65536 "
		 "host ids no other container of the store maps (docs/lifecycle.md); an edit here "
		 "overrides it, and later picks avoid every range any config names.",
	  .example = "b 0 100000 65536" },
	{ .key = "cap.drop", .syntax = "capabilities", .apply = apply_caps, .flags = CONFIG_KEY_LIST,
	  .doc = "Capabilities to remove from the default set (space separated; CAP_ prefix "
		 "optional). cap.drop and cap.add apply in file order. The default set is docker's "
		 "(chown dac_override fowner fsetid kill setgid setuid setpcap net_bind_service "
		 "net_raw sys_chroot mknod audit_write setfcap); in a user namespace (`idmap`) it is "
		 "every capability but sys_module, sys_rawio, sys_time, mac_admin and mac_override, "
		 "as they then act only on what the container's namespaces own.",
	  .example = "net_raw mknod" },
	{ .key = "cap.add", .syntax = "capabilities", .apply = apply_caps, .flags = CONFIG_KEY_LIST,
	  .min = 1,
	  .doc = "Capabilities to add to the default set (space separated; CAP_ prefix optional).",
	  .example = "sys_admin net_admin" },
	{ .key = "seccomp.profile", .syntax = "default|unconfined|path", .apply = apply_seccomp,
	  .doc = "Seccomp filter: taper's default (docker's profile: an allow list, EPERM for the "
		 "rest, io_uring_setup, io_uring_enter and io_uring_register included), none, or a "
		 "profile file.",
	  .example = "unconfined" },
	{ .key = "security.no_new_privs", .syntax = "bool", .apply = apply_bool,
	  .offset = SPEC_OFF(process.no_new_privs),
	  .doc = "Set no_new_privs on the container's init (setuid binaries gain nothing). "
		 "Default: true.",
	  .example = "false" },
	{ .key = "namespaces.share.NAME", .syntax = "container|path", .apply = apply_ns_share,
	  .doc = "Join a namespace (pid, uts, ipc, net, cgroup, time) instead of creating one: "
		 "that of another running container of the store, joined from its init at start, "
		 "or one named by an absolute path (/proc/PID/ns/net, /run/netns/NAME). A shared "
		 "network namespace brings its own interfaces: no net.N keys with it.",
	  .example = "web", .example_key = "namespaces.share.net" },
	{ .key = "prlimit.NAME", .syntax = "SOFT[:HARD]", .apply = apply_prlimit,
	  .doc = "A resource limit (as, core, cpu, data, fsize, locks, memlock, msgqueue, nice, "
		 "nofile, nproc, rss, rtprio, rttime, sigpending, stack): numbers or unlimited.",
	  .example = "4096:8192", .example_key = "prlimit.nofile" },

	{ .key = "init.cmd", .syntax = "command line", .apply = apply_init_cmd,
	  .doc = "The container's first process, split at blanks ('' and \"\" group). Default: "
		 "/sbin/init.",
	  .example = "/bin/sh -c 'exec httpd -f'" },
	{ .key = "init.cwd", .syntax = "path", .apply = apply_abs_path,
	  .offset = SPEC_OFF(process.cwd),
	  .doc = "Working directory of init, inside the container. Default: /.", .example = "/srv" },
	{ .key = "init.uid", .syntax = "uid", .apply = apply_init_id,
	  .doc = "User id init runs as. Default: 0.", .example = "1000" },
	{ .key = "init.gid", .syntax = "gid", .apply = apply_init_id, .min = 1,
	  .doc = "Group id init runs as. Default: 0.", .example = "1000" },
	{ .key = "init.oom_score_adj", .syntax = "-1000-1000", .apply = apply_int, .min = -1000,
	  .max = 1000, .offset = SPEC_OFF(process.oom_score_adj),
	  .doc = "OOM killer adjustment of init and its children.", .example = "-500" },
	{ .key = "environment", .syntax = "NAME=VALUE", .apply = apply_env, .flags = CONFIG_KEY_LIST,
	  .doc = "An environment variable of init; may repeat. Default: PATH and container=taper.",
	  .example = "LANG=C.UTF-8" },

	{ .key = "start.auto", .syntax = "bool", .apply = apply_bool, .flags = CONFIG_KEY_SETTINGS,
	  .offset = SET_OFF(autostart),
	  .doc = "Start the container at boot (taper autostart). Default: false.", .example = "true" },
	{ .key = "start.order", .syntax = "integer", .apply = apply_i64, .flags = CONFIG_KEY_SETTINGS,
	  .offset = SET_OFF(start_order), .min = -1000000, .max = 1000000,
	  .doc = "Autostart order: lower starts first, stops last. Default: 0.", .example = "10" },
	{ .key = "start.delay", .syntax = "seconds", .apply = apply_u32, .flags = CONFIG_KEY_SETTINGS,
	  .offset = SET_OFF(start_delay), .min = 0, .max = 3600,
	  .doc = "Seconds to wait after autostarting this container before the next. Default: 0.",
	  .example = "5" },
	{ .key = "start.timeout", .syntax = "seconds", .apply = apply_u32, .flags = CONFIG_KEY_SETTINGS,
	  .offset = SET_OFF(start_timeout), .min = 1, .max = 3600,
	  .doc = "Seconds `taper start` waits for the container to be running; past them its monitor "
		 "(stuck on a frozen cgroup, a hung filesystem) is killed, what it set up removed, and "
		 "the start fails. Default: 60.",
	  .example = "120" },
	{ .key = "start.group", .syntax = "NAME[,NAME...]", .apply = apply_start_group,
	  .flags = CONFIG_KEY_SETTINGS | CONFIG_KEY_LIST,
	  .doc = "Autostart groups the container belongs to (lxc.group); may repeat. `taper "
		 "autostart` without -g acts on containers in no group, with -g GROUP on those of "
		 "GROUP, with -a on all. Default: none.",
	  .example = "web,db" },
	{ .key = "stop.signal", .syntax = "signal", .apply = apply_signal, .flags = CONFIG_KEY_SETTINGS,
	  .doc = "Signal asking init to shut down cleanly. Default: SIGPWR (what sysvinit, busybox "
		 "and systemd take as a power-off request).",
	  .example = "SIGRTMIN+3" },
	{ .key = "stop.timeout", .syntax = "seconds", .apply = apply_u32, .flags = CONFIG_KEY_SETTINGS,
	  .offset = SET_OFF(stop_timeout), .min = 0, .max = 86400,
	  .doc = "Seconds between the stop signal and SIGKILL. Default: 60.", .example = "30" },
	{ .key = "ephemeral", .syntax = "bool", .apply = apply_bool, .flags = CONFIG_KEY_SETTINGS,
	  .offset = SET_OFF(ephemeral),
	  .doc = "Destroy the container (snapshots included) once it stops, as lxc-copy -e does; "
		 "`taper clone --ephemeral` sets it. A crash of the host leaves it STOPPED, for "
		 "`taper destroy`. Default: false.",
	  .example = "true" },
	{ .key = "console.buffer.size", .syntax = "size", .apply = apply_size_u64,
	  .flags = CONFIG_KEY_SETTINGS, .offset = SET_OFF(console_buffer_size), .min = 0,
	  .max = 64 << 20,
	  .doc = "Bytes of console output the monitor keeps for `taper console`/`taper logs` "
		 "(at most 64M). Default: 128k.",
	  .example = "1M" },
};
/* clang-format on */

const struct config_key *config_keys(size_t *ret_n)
{
	*ret_n = ARRAY_SIZE(keys);
	return keys;
}

bool config_key_match(const char *pattern, const char *key, unsigned *ret_index, const char **ret_rest)
{
	const char *p = pattern, *k = key;

	for (;;) {
		size_t plen = strcspn(p, "."), klen = strcspn(k, ".");

		if (plen == 1 && p[0] == 'N') {
			uint64_t v;
			char num[4];

			if (klen == 0 || klen >= sizeof(num) || (klen > 1 && k[0] == '0'))
				return false;
			memcpy(num, k, klen);
			num[klen] = '\0';
			if (parse_u64_range(num, 0, CONFIG_MAX_NETS - 1, &v) < 0)
				return false;
			*ret_index = (unsigned)v;
		} else if ((plen == 4 && (strncmp(p, "FILE", 4) == 0 || strncmp(p, "NAME", 4) == 0)) &&
			   p[4] == '\0') {
			/* The rest of the key, dots included. */
			if (klen == 0)
				return false;
			*ret_rest = k;
			return true;
		} else if (plen != klen || strncmp(p, k, plen) != 0) {
			return false;
		}
		p += plen;
		k += klen;
		if (*p == '\0' || *k == '\0')
			return *p == '\0' && *k == '\0';
		p++;
		k++;
	}
}

const struct config_key *config_key_find(const char *key)
{
	unsigned index;
	const char *rest;

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		if (config_key_match(keys[i].key, key, &index, &rest))
			return &keys[i];
	return NULL;
}

void config_apply_ctx_init(struct config_apply_ctx *ctx, struct taper_spec *spec,
			   struct container_settings *settings, const char *base_dir)
{
	*ctx = (struct config_apply_ctx){ .spec = spec, .settings = settings, .base_dir = base_dir };
	for (unsigned i = 0; i < CONFIG_MAX_NETS; i++)
		ctx->net_pos[i] = -1;
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

int config_apply_finish(struct config_apply_ctx *ctx, const char *origin, struct taper_err *err)
{
	struct taper_spec *s = ctx->spec;
	struct taper_netif sorted[CONFIG_MAX_NETS];
	int pos[CONFIG_MAX_NETS];
	size_t n = 0;
	unsigned line;
	bool host = false, veth = false;

	for (unsigned i = 0; i < CONFIG_MAX_NETS; i++) {
		struct taper_netif *nif;

		if (ctx->net_pos[i] < 0)
			continue;
		nif = &s->netifs[ctx->net_pos[i]];
		if (!ctx->net_typed[i])
			return err_set(err, 0, "%s:%u: net.%u: net.%u.type is not set", origin,
				       ctx->net_line[i], i, i);
		if (nif->type == TAPER_NETIF_MACVLAN && !nif->link)
			return err_set(err, 0, "%s:%u: net.%u: a macvlan needs net.%u.link", origin,
				       ctx->net_line[i], i, i);
		host |= nif->type == TAPER_NETIF_HOST;
		veth |= nif->type == TAPER_NETIF_VETH;
		if (!nif->name && nif->type != TAPER_NETIF_HOST && nif->type != TAPER_NETIF_EMPTY &&
		    asprintf(&nif->name, "eth%u", i) < 0) {
			nif->name = NULL;
			return err_set(err, ENOMEM, "net.%u", i);
		}
		sorted[n] = *nif;
		pos[n++] = ctx->net_pos[i];
	}
	if (host && n > 1)
		return err_set(err, 0, "%s: net: type host cannot be combined with other interfaces", origin);
	/* A shared namespace comes as it is: with its interfaces, its name. */
	if (n > 0 && (line = ctx->share_line[spec_ns_index(TAPER_NS_NET)]))
		return err_set(err, 0,
			       "%s:%u: namespaces.share.net: a shared network namespace brings its own "
			       "interfaces; remove the net.N keys",
			       origin, line);
	if (ctx->hostname_line && (line = ctx->share_line[spec_ns_index(TAPER_NS_UTS)]))
		return err_set(err, 0,
			       "%s:%u: namespaces.share.uts: a shared UTS namespace brings its own host "
			       "name; remove uts.name",
			       origin, line);
	if (ctx->share_line[spec_ns_index(TAPER_NS_UTS)]) {
		free(s->hostname); /* the default one, the container's name */
		s->hostname = NULL;
	}
	if (host)
		s->namespaces &= ~(unsigned)TAPER_NS_NET;
	/* Ports are published to a veth's leased address; anything else
	 * would silently publish nothing. */
	if (ctx->port_line && !veth)
		return err_set(err, 0,
			       "%s:%u: net.port: published ports need a veth interface (net.N.type = veth)",
			       origin, ctx->port_line);
	if (s->namespaces & TAPER_NS_USER) {
		/* In a user namespace of its own the container starts from the
		 * broad set; the file's cap.add/cap.drop still win. */
		uint64_t caps = (spec_caps_userns() | ctx->cap_added) & ~ctx->cap_dropped;

		s->process.caps.bounding = caps;
		s->process.caps.effective = caps;
		s->process.caps.permitted = caps;
	}
	/* Interfaces in N order, in the slots the config's interfaces hold. */
	qsort(pos, n, sizeof(int), cmp_int);
	for (size_t i = 0; i < n; i++)
		s->netifs[pos[i]] = sorted[i];
	return 0;
}

static const char docs_intro[] =
	"A system container's settings live in `<store>/<name>/config` (the store is "
	"/var/lib/taper unless `--path` or `TAPER_PATH` names another). The file is meant to be "
	"edited by hand or with `taper config NAME KEY VALUE`:\n"
	"\n"
	"- one `key = value` per line; spaces around the key and the value are ignored;\n"
	"- lines starting with `#` and blank lines are comments, kept when taper rewrites the file;\n"
	"- there are no inline comments and no quoting: the value is the rest of the line;\n"
	"- a key may appear once, except list keys (marked *list*), which may repeat and apply in "
	"order;\n"
	"- `N` in a key is an interface index from 0 to 31; `FILE` and `NAME` stand for the rest "
	"of the key;\n"
	"- unknown keys and bad values are errors that name the file, line and key.\n"
	"\n"
	"```\n"
	"# web1: a busybox system container\n"
	"net.0.type = veth\n"
	"net.0.link = taperbr0\n"
	"cgroup.memory.max = 256M\n"
	"mount.entry = /srv/www /var/www none bind,ro\n"
	"```\n";

void config_key_docs(const struct config_key *k, const char **ret_syntax, const char **ret_doc,
		     const char **ret_example)
{
	const struct limit_opt *o = (k->flags & CONFIG_KEY_LIMIT) ? limit_opt_by_key(k->key) : NULL;

	*ret_syntax = o ? o->syntax : k->syntax;
	*ret_doc = o ? o->doc : k->doc;
	*ret_example = o ? o->example : k->example;
}

int config_keys_write(FILE *f, bool markdown)
{
	if (markdown) {
		fprintf(f,
			"<!-- Generated by `taper config --keys --format md` (make docs). "
			"Do not edit. -->\n# Container configuration\n\n%s\n## Keys\n",
			docs_intro);
	}
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		const struct config_key *k = &keys[i];
		const struct limit_opt *o = (k->flags & CONFIG_KEY_LIMIT) ? limit_opt_by_key(k->key) : NULL;
		const char *ex_key = k->example_key ? k->example_key : k->key;
		bool list = k->flags & CONFIG_KEY_LIST;
		const char *syntax, *doc, *example;
		char files[256] = "";

		config_key_docs(k, &syntax, &doc, &example);
		if (o) {
			char range[80];

			limit_opt_range(o, range, sizeof(range));
			snprintf(
				files, sizeof(files),
				" Values: %s. In cgroup v2 %s, in v1 %s; %staper limit --%s%s changes it live.",
				range, o->v2, o->v1, markdown ? "`" : "", o->option, markdown ? "`" : "");
		}
		if (markdown)
			fprintf(f, "\n### `%s`\n\n*%s*%s — %s%s\n\n```\n%s = %s\n```\n", k->key, syntax,
				list ? ", *list*" : "", doc, files, ex_key, example);
		else
			fprintf(f, "%s = %s%s\n    %s%s\n    e.g. %s = %s\n", k->key, syntax,
				list ? " (list)" : "", doc, files, ex_key, example);
	}
	return ferror(f) ? -EIO : 0;
}
