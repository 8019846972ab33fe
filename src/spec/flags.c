/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * flags.c — `taper run` flags compiled into a struct taper_spec (flags.h).
 *
 * A table holds one row per flag: its name, whether it takes a value, what
 * it does to the spec, its help line.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>

#include "spec/flags.h"
#include "spec/limit-table.h"
#include "spec/spec.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/parse.h"
#include "util/strv.h"

struct flag_state {
	struct taper_spec *spec;
	struct taper_run_flags *flags;
	bool userns;
	bool uidmap, gidmap;
	bool user_given;
};

typedef int (*flag_fn)(struct flag_state *st, const char *v, struct taper_err *err);

static int dup_into(char **dst, const char *v)
{
	char *c = strdup(v);

	if (!c)
		return -ENOMEM;
	free(*dst);
	*dst = c;
	return 0;
}

static int f_rootfs(struct flag_state *st, const char *v, struct taper_err *err)
{
	return dup_into(&st->spec->rootfs, v);
}

static int f_hostname(struct flag_state *st, const char *v, struct taper_err *err)
{
	if (!*v || strlen(v) > 64)
		return err_set(err, 0, "invalid hostname \"%s\"", v);
	return dup_into(&st->spec->hostname, v);
}

static int f_env(struct flag_state *st, const char *v, struct taper_err *err)
{
	if (!strchr(v, '=') || v[0] == '=')
		return err_set(err, 0, "expected KEY=VALUE, got \"%s\"", v);
	return strv_env_set(&st->spec->process.env, v);
}

static int f_cwd(struct flag_state *st, const char *v, struct taper_err *err)
{
	if (v[0] != '/')
		return err_set(err, 0, "working directory \"%s\" is not absolute", v);
	return dup_into(&st->spec->process.cwd, v);
}

static int f_user(struct flag_state *st, const char *v, struct taper_err *err)
{
	_cleanup_free_ char *u = strdup(v);
	char *colon;
	uint32_t uid, gid = 0;

	if (!u)
		return -ENOMEM;
	colon = strchr(u, ':');
	if (colon)
		*colon++ = '\0';
	if (parse_u32(u, &uid) < 0 || (colon && parse_u32(colon, &gid) < 0))
		return err_set(err, 0, "expected UID[:GID], got \"%s\"", v);
	st->spec->process.uid = uid;
	st->spec->process.gid = gid;
	st->user_given = true;
	return 0;
}

/* private: a new namespace; host: the caller's; ns:PATH: join the one
 * at PATH (/proc/PID/ns/net, /run/netns/NAME, ...), as podman's flags. */
static int ns_mode(struct flag_state *st, unsigned bit, const char *private_name, const char *v,
		   struct taper_err *err)
{
	struct taper_spec *spec = st->spec;
	char **path = &spec->ns_path[spec_ns_index(bit)];

	if (strcmp(v, private_name) == 0 || strcmp(v, "private") == 0) {
		spec->namespaces |= bit;
		free(*path);
		*path = NULL;
	} else if (strcmp(v, "host") == 0) {
		spec->namespaces &= ~bit;
		free(*path);
		*path = NULL;
	} else if (strncmp(v, "ns:", 3) == 0 && v[3] == '/') {
		spec->namespaces |= bit;
		return dup_into(path, v + 3);
	} else {
		return err_set(err, 0, "expected %s, host or ns:PATH (absolute), got \"%s\"", private_name,
			       v);
	}
	return 0;
}

static int f_net(struct flag_state *st, const char *v, struct taper_err *err)
{
	return ns_mode(st, TAPER_NS_NET, "none", v, err);
}

static int f_pid(struct flag_state *st, const char *v, struct taper_err *err)
{
	return ns_mode(st, TAPER_NS_PID, "private", v, err);
}

static int f_ipc(struct flag_state *st, const char *v, struct taper_err *err)
{
	return ns_mode(st, TAPER_NS_IPC, "private", v, err);
}

static int f_uts(struct flag_state *st, const char *v, struct taper_err *err)
{
	return ns_mode(st, TAPER_NS_UTS, "private", v, err);
}

static int f_device_rule(struct flag_state *st, const char *v, struct taper_err *err)
{
	struct taper_device_rule r;

	if (spec_parse_device_rule(v, true, &r) < 0)
		return err_set(err, 0, "expected TYPE MAJOR:MINOR ACCESS (c 10:200 rwm), got \"%s\"", v);
	return spec_add_device_rule(&st->spec->limits, &r);
}

static int f_bind(struct flag_state *st, const char *v, struct taper_err *err)
{
	_cleanup_strv_free_ char **parts = strv_split(v, ':');
	size_t n = strv_length(parts);
	unsigned flags = TAPER_MOUNT_BIND | TAPER_MOUNT_RECURSIVE;

	if (!parts)
		return -ENOMEM;
	if (n < 2 || n > 3 || parts[0][0] != '/' || parts[1][0] != '/' ||
	    (n == 3 && strcmp(parts[2], "ro") != 0 && strcmp(parts[2], "rw") != 0))
		return err_set(err, 0, "expected /SRC:/DST[:ro], got \"%s\"", v);
	if (n == 3 && strcmp(parts[2], "ro") == 0)
		flags |= TAPER_MOUNT_READONLY;
	return spec_add_mount(st->spec, parts[0], parts[1], NULL, NULL, flags);
}

/* Does the comma-separated option list opts name option key ("size")? */
static bool has_option(const char *opts, const char *key)
{
	size_t n = strlen(key);

	for (const char *o = opts; o && *o; o = strchr(o, ',') ? strchr(o, ',') + 1 : NULL)
		if (strncmp(o, key, n) == 0 && o[n] == '=')
			return true;
	return false;
}

/* A tmpfs without a size is the kernel's half of RAM, every one of them:
 * one container could pin the host's memory (tmpfs pages are freed only
 * by swap) with nothing but writes. The default is TMPFS_DEFAULT_SIZE,
 * what taper's own /dev/shm and docker's --shm-size default to, and one
 * inode per page of it, since empty files cost kernel memory the size
 * does not count. size= or nr_blocks= (and nr_inodes=) replace it. */
#define TMPFS_DEFAULT_SIZE "size=64m"
#define TMPFS_DEFAULT_INODES "nr_inodes=16k"

static int f_tmpfs(struct flag_state *st, const char *v, struct taper_err *err)
{
	_cleanup_free_ char *dst = strdup(v), *data = NULL;
	bool sized;
	char *opts;

	if (!dst)
		return -ENOMEM;
	opts = strchr(dst, ':');
	if (opts)
		*opts++ = '\0';
	if (dst[0] != '/')
		return err_set(err, 0, "expected /DST[:OPTIONS], got \"%s\"", v);
	sized = has_option(opts, "size") || has_option(opts, "nr_blocks");
	if (asprintf(&data, "%s%s%s", opts && *opts ? opts : "mode=1777", sized ? "" : "," TMPFS_DEFAULT_SIZE,
		     sized || has_option(opts, "nr_inodes") ? "" : "," TMPFS_DEFAULT_INODES) < 0)
		return -ENOMEM;
	return spec_add_mount(st->spec, "tmpfs", dst, "tmpfs", data, TAPER_MOUNT_NOSUID | TAPER_MOUNT_NODEV);
}

static int f_read_only(struct flag_state *st, const char *v, struct taper_err *err)
{
	st->spec->rootfs_readonly = true;
	return 0;
}

static int f_userns(struct flag_state *st, const char *v, struct taper_err *err)
{
	st->userns = true;
	return 0;
}

static int add_map(struct flag_state *st, bool uid, const char *v, struct taper_err *err)
{
	_cleanup_strv_free_ char **parts = strv_split(v, ':');
	uint32_t c, h, n;

	if (!parts)
		return -ENOMEM;
	if (strv_length(parts) != 3 || parse_u32(parts[0], &c) < 0 || parse_u32(parts[1], &h) < 0 ||
	    parse_u32(parts[2], &n) < 0 || n == 0)
		return err_set(err, 0, "expected CONTAINER:HOST:COUNT, got \"%s\"", v);
	st->userns = true;
	if (uid) {
		st->uidmap = true;
		return spec_add_idmap(&st->spec->uid_map, &st->spec->n_uid_map, c, h, n);
	}
	st->gidmap = true;
	return spec_add_idmap(&st->spec->gid_map, &st->spec->n_gid_map, c, h, n);
}

static int f_uidmap(struct flag_state *st, const char *v, struct taper_err *err)
{
	return add_map(st, true, v, err);
}

static int f_gidmap(struct flag_state *st, const char *v, struct taper_err *err)
{
	return add_map(st, false, v, err);
}

static int cap_flag(struct flag_state *st, const char *v, bool add, struct taper_err *err)
{
	struct taper_caps *caps = &st->spec->process.caps;
	uint64_t mask;

	if (strcasecmp(v, "ALL") == 0) {
		int last = spec_cap_last();
		mask = last >= 63 ? ~UINT64_C(0) : (UINT64_C(1) << (last + 1)) - 1;
		/* ALL is all this host can give: a capability its bounding set
		 * lacks cannot be had (capset fails), so it is left out. */
		for (int cap = 0; add && cap <= last && cap < 64; cap++)
			if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 0) {
				mask &= ~(UINT64_C(1) << cap);
				st->flags->caps_unavailable |= UINT64_C(1) << cap;
			}
	} else {
		int cap = spec_cap_from_name(v);

		if (cap < 0)
			return err_set(err, 0, "unknown capability \"%s\"", v);
		if (add && prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 0)
			return err_set(err, 0,
				       "%s is not in this host's bounding set: no process here can have it",
				       spec_cap_to_name(cap));
		mask = UINT64_C(1) << cap;
	}
	if (add)
		spec_caps_add(caps, mask);
	else
		spec_caps_drop(caps, mask);
	return 0;
}

static int f_cap_add(struct flag_state *st, const char *v, struct taper_err *err)
{
	return cap_flag(st, v, true, err);
}

static int f_cap_drop(struct flag_state *st, const char *v, struct taper_err *err)
{
	return cap_flag(st, v, false, err);
}

static int f_seccomp(struct flag_state *st, const char *v, struct taper_err *err)
{
	if (!*v)
		return err_set(err, 0, "expected default, unconfined or a profile path");
	return dup_into(&st->spec->process.seccomp, v);
}

static int f_init(struct flag_state *st, const char *v, struct taper_err *err)
{
	st->spec->init = true;
	return 0;
}

static int f_tty(struct flag_state *st, const char *v, struct taper_err *err)
{
	st->flags->tty = true;
	st->spec->process.terminal = true;
	return 0;
}

static int f_interactive(struct flag_state *st, const char *v, struct taper_err *err)
{
	st->flags->interactive = true;
	return 0;
}

static int f_help(struct flag_state *st, const char *v, struct taper_err *err)
{
	st->flags->help = true;
	return 0;
}

static const struct run_flag {
	const char *name;
	char short_name;
	const char *arg; /* NULL: a switch */
	flag_fn fn;
	const char *help;
} flag_table[] = {
	{ "rootfs", 0, "DIR", f_rootfs, "root filesystem of the container (required)" },
	{ "hostname", 'h', "NAME", f_hostname, "host name in the container's UTS namespace" },
	{ "env", 'e', "K=V", f_env, "set an environment variable (repeatable)" },
	{ "cwd", 'w', "DIR", f_cwd, "working directory inside the container" },
	{ "user", 'u', "UID[:GID]", f_user, "run the command as this user" },
	{ "net", 0, "none|host|ns:PATH", f_net, "none: own network namespace with lo (default)" },
	{ "pid", 0, "private|host|ns:PATH", f_pid, "pid namespace: own (default), host's, or join" },
	{ "ipc", 0, "private|host|ns:PATH", f_ipc, "IPC namespace: own (default), host's, or join" },
	{ "uts", 0, "private|host|ns:PATH", f_uts, "UTS namespace: own (default), host's, or join" },
	{ "device-cgroup-rule", 0, "RULE", f_device_rule, "also allow a device, e.g. 'c 10:232 rwm'" },
	{ "bind", 'v', "SRC:DST[:ro]", f_bind, "bind-mount a host path (repeatable)" },
	{ "tmpfs", 0, "DST[:OPTS]", f_tmpfs, "mount a tmpfs, 64 MiB unless OPTS give size= (repeatable)" },
	{ "read-only", 0, NULL, f_read_only, "mount the rootfs read-only" },
	{ "userns", 0, NULL, f_userns, "own user namespace, root mapped to an unprivileged range" },
	{ "uidmap", 0, "C:H:N", f_uidmap, "uid map entry (implies --userns)" },
	{ "gidmap", 0, "C:H:N", f_gidmap, "gid map entry (implies --userns)" },
	{ "cap-add", 0, "CAP", f_cap_add, "add a capability (or ALL)" },
	{ "cap-drop", 0, "CAP", f_cap_drop, "drop a capability (or ALL)" },
	{ "seccomp", 0, "PROFILE", f_seccomp, "default, unconfined or a profile file" },
	{ "init", 0, NULL, f_init, "run a tiny init as PID 1 that reaps and forwards signals" },
	{ "tty", 't', NULL, f_tty, "allocate a pseudo-terminal" },
	{ "interactive", 'i', NULL, f_interactive, "keep stdin open" },
	{ "help", 0, NULL, f_help, "show this help" },
};

static void usage_line(FILE *f, char short_name, const char *name, const char *arg, const char *help)
{
	char left[48];

	snprintf(left, sizeof(left), "%s%c%s--%s%s%s", short_name ? "-" : "", short_name ? short_name : ' ',
		 short_name ? ", " : "  ", name, arg ? " " : "", arg ? arg : "");
	fprintf(f, "  %-30s %s\n", short_name ? left : left + 1, help);
}

void spec_run_flags_usage(FILE *f)
{
	size_t n;
	const struct limit_opt *o = limit_opts(&n);

	fprintf(f, "Usage: taper run " TAPER_RUN_USAGE "\n\n"
		   "Run CMD in a fresh container and exit with its status.\n\nOptions:\n");
	for (size_t i = 0; i < ARRAY_SIZE(flag_table); i++)
		usage_line(f, flag_table[i].short_name, flag_table[i].name, flag_table[i].arg,
			   flag_table[i].help);
	fprintf(f, "\nLimits (as taper limit's; \"max\" or no flag is none):\n");
	for (size_t i = 0; i < n; i++) {
		usage_line(f, o[i].run_short, o[i].option, o[i].metavar, o[i].help);
		if (o[i].run_alias)
			usage_line(f, 0, o[i].run_alias, o[i].metavar, "the same (docker's name)");
	}
}

static int finish(struct flag_state *st, struct taper_err *err)
{
	struct taper_spec *spec = st->spec;
	uint32_t base, count;

	if (!spec->rootfs || !spec->process.argv || !spec->process.argv[0])
		st->flags->usage = true;
	if (!spec->rootfs)
		return err_set(err, 0, "--rootfs is required");
	if (!spec->process.argv || !spec->process.argv[0])
		return err_set(err, 0, "no command given");
	if (spec->hostname && !(spec->namespaces & TAPER_NS_UTS))
		return err_set(err, 0,
			       "--hostname needs a UTS namespace of the container's (not --uts host)");
	if (st->userns) {
		struct stat root;

		spec->namespaces |= TAPER_NS_USER;
		if (!st->uidmap) {
			spec_subid_range("/etc/subuid", &base, &count);
			if (spec_add_idmap(&spec->uid_map, &spec->n_uid_map, 0, base, count) < 0)
				return -ENOMEM;
		}
		if (!st->gidmap) {
			spec_subid_range("/etc/subgid", &base, &count);
			if (spec_add_idmap(&spec->gid_map, &spec->n_gid_map, 0, base, count) < 0)
				return -ENOMEM;
		}
		/* A rootfs the map does not own on disk (an unpacked image,
		 * owned by host root) is shown through an idmapped mount, as a
		 * system container's is; one already shifted into the range is
		 * shown as it is. */
		if (stat(spec->rootfs, &root) == 0 &&
		    !spec_idmap_has_host_id(spec->uid_map, spec->n_uid_map, root.st_uid))
			spec->rootfs_idmap = true;
	}
	/* As docker and podman: the container's own cgroup at /sys/fs/cgroup,
	 * read-only, from its cgroup namespace. */
	if (spec_ns_new(spec, TAPER_NS_CGROUP))
		spec->cgroup_mount = TAPER_CGROUP_MOUNT_RO;
	/* As docker: a non-root user keeps capabilities in its bounding set
	 * only; it gets none to use. */
	if (st->user_given && spec->process.uid != 0) {
		spec->process.caps.effective = 0;
		spec->process.caps.permitted = 0;
	}
	if (st->flags->tty) {
		bool has_term = false;

		for (char **e = spec->process.env; e && *e; e++)
			has_term = has_term || strncmp(*e, "TERM=", 5) == 0;
		if (!has_term && strv_env_set(&spec->process.env, "TERM=xterm") < 0)
			return -ENOMEM;
	}
	return 0;
}

/* getopt codes: 256 + a flag_table index, LIMIT_CODE + a limit table one. */
#define LIMIT_CODE 1024
#define MAX_LIMIT_FLAGS 32

/* A limit flag: the limit table's parser, as `taper limit` and the
 * config file use it; "max" leaves the new group without the limit. */
static int limit_flag(struct flag_state *st, const struct limit_opt *o, const char *v, struct taper_err *err)
{
	int r = limit_opt_parse(o, v, &st->spec->limits, err);

	if (r < 0)
		return r;
	limit_opt_unset_max(o, &st->spec->limits);
	return 0;
}

int spec_from_run_flags(int argc, char **argv, struct taper_spec **ret, struct taper_run_flags *ret_flags,
			struct taper_err *err)
{
	struct option longopts[ARRAY_SIZE(flag_table) + MAX_LIMIT_FLAGS + 1];
	char shortopts[2 * (ARRAY_SIZE(flag_table) + MAX_LIMIT_FLAGS) + 3] = "+:";
	struct taper_spec *spec = spec_new();
	struct flag_state st = { .spec = spec, .flags = ret_flags };
	size_t n_limits, nl = ARRAY_SIZE(flag_table), ns = 2;
	const struct limit_opt *lim = limit_opts(&n_limits);
	int c, idx;

	*ret = NULL;
	*ret_flags = (struct taper_run_flags){ 0 };
	if (!spec)
		return err_set(err, ENOMEM, "allocate spec");
	for (size_t i = 0; i < ARRAY_SIZE(flag_table); i++) {
		longopts[i] = (struct option){ flag_table[i].name,
					       flag_table[i].arg ? required_argument : no_argument, NULL,
					       256 + (int)i };
		if (flag_table[i].short_name) {
			shortopts[ns++] = flag_table[i].short_name;
			if (flag_table[i].arg)
				shortopts[ns++] = ':';
		}
	}
	for (size_t i = 0; i < n_limits && nl + 2 <= ARRAY_SIZE(longopts) - 1; i++) {
		longopts[nl++] =
			(struct option){ lim[i].option, required_argument, NULL, LIMIT_CODE + (int)i };
		if (lim[i].run_alias)
			longopts[nl++] = (struct option){ lim[i].run_alias, required_argument, NULL,
							  LIMIT_CODE + (int)i };
		if (lim[i].run_short) {
			shortopts[ns++] = lim[i].run_short;
			shortopts[ns++] = ':';
		}
	}
	longopts[nl] = (struct option){ 0 };
	shortopts[ns] = '\0';

	opterr = 0;
	optind = 1;
	while ((idx = -1, c = getopt_long(argc, argv, shortopts, longopts, &idx)) != -1) {
		const struct run_flag *fl = NULL;
		const struct limit_opt *lo = NULL;
		const char *name;
		int r;

		if (c == '?' || c == ':') {
			const char *bad = argv[optind - 1];

			ret_flags->usage = true;
			spec_free(spec);
			if (optopt && optopt < 256)
				return err_set(err, 0, "%s flag \"-%c\"",
					       c == ':' ? "missing value for" : "unknown", optopt);
			return err_set(err, 0, "%s flag \"%s\"", c == ':' ? "missing value for" : "unknown",
				       bad);
		}
		if (c >= LIMIT_CODE && (size_t)(c - LIMIT_CODE) < n_limits)
			lo = &lim[c - LIMIT_CODE];
		else if (c >= 256 && (size_t)(c - 256) < ARRAY_SIZE(flag_table))
			fl = &flag_table[c - 256];
		for (size_t i = 0; !fl && !lo && i < ARRAY_SIZE(flag_table); i++)
			if (flag_table[i].short_name == c)
				fl = &flag_table[i];
		for (size_t i = 0; !fl && !lo && i < n_limits; i++)
			if (lim[i].run_short == c)
				lo = &lim[i];
		/* The flag as typed (an alias is named as such). */
		name = idx >= 0 ? longopts[idx].name : lo ? lo->option : fl ? fl->name : "?";
		r = lo ? limit_flag(&st, lo, optarg, err) : fl ? fl->fn(&st, optarg, err) : -EINVAL;
		if (r < 0) {
			spec_free(spec);
			if (r == -ENOMEM)
				return err_set(err, ENOMEM, "--%s", name);
			return err_wrap(err, "--%s", name);
		}
	}
	if (ret_flags->help) {
		*ret = spec;
		return 0;
	}
	if (optind < argc) {
		spec->process.argv = strv_copy(argv + optind);
		if (!spec->process.argv) {
			spec_free(spec);
			return err_set(err, ENOMEM, "command");
		}
	}
	if ((c = finish(&st, err)) < 0) {
		spec_free(spec);
		return c;
	}
	*ret = spec;
	return 0;
}
