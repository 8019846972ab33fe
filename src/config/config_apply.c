/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The apply functions of the key table (config_keys.c), one per value type.
 * Each validates completely before it changes anything, and reports the bad
 * value only ("invalid size \"12Q\""); the caller adds file, line and key.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "config/config-internal.h"
#include "spec/limit-table.h"
#include "store/store.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/parse.h"
#include "util/strv.h"

static void *field_ptr(const struct config_key *k, struct config_apply_ctx *ctx)
{
	char *base = (k->flags & CONFIG_KEY_SETTINGS) ? (char *)ctx->settings : (char *)ctx->spec;
	return base + k->offset;
}

static int replace_str(char **field, const char *value)
{
	char *c = strdup(value);

	if (!c)
		return -ENOMEM;
	free(*field);
	*field = c;
	return 0;
}

/* ---- generic value types ---- */

int apply_size_u64(const struct config_key *k, struct config_apply_ctx *ctx, const char *value,
		   struct taper_err *err)
{
	uint64_t v;

	if (parse_size(value, &v) < 0 || (int64_t)v < k->min || (int64_t)v > k->max)
		return err_set(err, 0, "invalid size \"%s\" (%lld to %lld bytes)", value, (long long)k->min,
			       (long long)k->max);
	*(uint64_t *)field_ptr(k, ctx) = v;
	return 0;
}

static int parse_int_range(const struct config_key *k, const char *value, int64_t *ret, struct taper_err *err)
{
	int64_t v;

	if (parse_i64(value, &v) < 0 || v < k->min || v > k->max) {
		/* A literal -EINVAL: the compiler cannot see that
		 * err_set() never returns >= 0, and *ret stays unset. */
		err_set(err, 0, "invalid value \"%s\" (an integer from %lld to %lld)", value,
			(long long)k->min, (long long)k->max);
		return -EINVAL;
	}
	*ret = v;
	return 0;
}

int apply_i64(const struct config_key *k, struct config_apply_ctx *ctx, const char *value,
	      struct taper_err *err)
{
	int64_t v;

	if (parse_int_range(k, value, &v, err) < 0)
		return -EINVAL;
	*(int64_t *)field_ptr(k, ctx) = v;
	return 0;
}

int apply_int(const struct config_key *k, struct config_apply_ctx *ctx, const char *value,
	      struct taper_err *err)
{
	int64_t v;

	if (parse_int_range(k, value, &v, err) < 0)
		return -EINVAL;
	*(int *)field_ptr(k, ctx) = (int)v;
	return 0;
}

int apply_u32(const struct config_key *k, struct config_apply_ctx *ctx, const char *value,
	      struct taper_err *err)
{
	int64_t v;

	if (parse_int_range(k, value, &v, err) < 0)
		return -EINVAL;
	*(uint32_t *)field_ptr(k, ctx) = (uint32_t)v;
	return 0;
}

int apply_bool(const struct config_key *k, struct config_apply_ctx *ctx, const char *value,
	       struct taper_err *err)
{
	bool b;

	if (parse_bool(value, &b) < 0)
		return err_set(err, 0, "invalid boolean \"%s\" (true/false, yes/no, on/off, 1/0)", value);
	*(bool *)field_ptr(k, ctx) = b;
	return 0;
}

static bool path_has_dotdot(const char *p)
{
	for (const char *s = p; (s = strstr(s, "..")); s += 2)
		if ((s == p || s[-1] == '/') && (s[2] == '\0' || s[2] == '/'))
			return true;
	return false;
}

static int check_abs_path(const char *value, struct taper_err *err)
{
	if (value[0] != '/' || path_has_dotdot(value))
		return err_set(err, 0, "invalid path \"%s\" (absolute, without \"..\")", value);
	return 0;
}

/* A string field holding an absolute path. */
int apply_abs_path(const struct config_key *k, struct config_apply_ctx *ctx, const char *value,
		   struct taper_err *err)
{
	if (check_abs_path(value, err) < 0)
		return -EINVAL;
	return replace_str((char **)field_ptr(k, ctx), value) < 0 ? err_set(err, ENOMEM, "%s", value) : 0;
}

/* ---- rootfs, uts ---- */

int apply_rootfs_path(const struct config_key *k, struct config_apply_ctx *ctx, const char *value,
		      struct taper_err *err)
{
	char *p = NULL;

	if (value[0] == '/' || !ctx->base_dir) {
		p = strdup(value);
	} else if (asprintf(&p, "%s/%s", ctx->base_dir, value) < 0) {
		p = NULL;
	}
	if (!p)
		return err_set(err, ENOMEM, "%s", value);
	free(ctx->spec->rootfs);
	ctx->spec->rootfs = p;
	return 0;
}

int apply_hostname(const struct config_key *k, struct config_apply_ctx *ctx, const char *value,
		   struct taper_err *err)
{
	size_t n = strlen(value);
	bool ok = n <= 64 && isalnum((unsigned char)value[0]);

	for (size_t i = 0; ok && i < n; i++)
		ok = isascii((unsigned char)value[i]) &&
		     (isalnum((unsigned char)value[i]) || value[i] == '-' || value[i] == '.');
	if (!ok)
		return err_set(err, 0, "invalid host name \"%s\" (up to 64 of [A-Za-z0-9.-])", value);
	ctx->hostname_line = ctx->lineno;
	return replace_str(&ctx->spec->hostname, value) < 0 ? err_set(err, ENOMEM, "%s", value) : 0;
}

/* ---- net.N ---- */

static const char *const netif_types[] = {
	[TAPER_NETIF_EMPTY] = "empty",
	[TAPER_NETIF_VETH] = "veth",
	[TAPER_NETIF_MACVLAN] = "macvlan",
	[TAPER_NETIF_HOST] = "host",
};

/* The interface for ctx->index, added on first mention. */
static int netif_of(struct config_apply_ctx *ctx, struct taper_netif **ret, struct taper_err *err)
{
	unsigned i = ctx->index;

	if (ctx->net_pos[i] < 0) {
		if (spec_add_netif(ctx->spec, TAPER_NETIF_EMPTY, NULL) < 0)
			return err_set(err, ENOMEM, "net.%u", i);
		ctx->net_pos[i] = (int)ctx->spec->n_netifs - 1;
		ctx->net_line[i] = ctx->lineno;
	}
	*ret = &ctx->spec->netifs[ctx->net_pos[i]];
	return 0;
}

int apply_net_type(const struct config_key *k, struct config_apply_ctx *ctx, const char *value,
		   struct taper_err *err)
{
	struct taper_netif *n = NULL;

	for (size_t t = 0; t < ARRAY_SIZE(netif_types); t++) {
		if (strcmp(value, netif_types[t]) != 0)
			continue;
		if (netif_of(ctx, &n, err) < 0)
			return -ENOMEM;
		n->type = (enum taper_netif_type)t;
		ctx->net_typed[ctx->index] = true;
		return 0;
	}
	return err_set(err, 0, "invalid interface type \"%s\" (empty, veth, macvlan, host)", value);
}

static bool ifname_is_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 15 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '/' || s[i] == ':' || isspace((unsigned char)s[i]) ||
		    !isgraph((unsigned char)s[i]))
			return false;
	return true;
}

/* A string field of the interface holding an interface name. */
int apply_net_ifname(const struct config_key *k, struct config_apply_ctx *ctx, const char *value,
		     struct taper_err *err)
{
	struct taper_netif *n = NULL;

	if (!ifname_is_valid(value))
		return err_set(err, 0,
			       "invalid interface name \"%s\" (1 to 15 characters, no '/', ':' or spaces)",
			       value);
	if (netif_of(ctx, &n, err) < 0)
		return -ENOMEM;
	return replace_str((char **)((char *)n + k->offset), value) < 0 ? err_set(err, ENOMEM, "%s", value)
									: 0;
}

int apply_net_hwaddr(const struct config_key *k, struct config_apply_ctx *ctx, const char *value,
		     struct taper_err *err)
{
	struct taper_netif *n = NULL;
	bool ok = strlen(value) == 17;

	for (int i = 0; ok && i < 17; i++)
		ok = (i % 3 == 2) ? value[i] == ':' : isxdigit((unsigned char)value[i]);
	/* The least significant bit of the first octet marks multicast. */
	if (ok && (strtoul(value, NULL, 16) & 1))
		return err_set(err, 0, "invalid MAC address \"%s\" (multicast)", value);
	if (!ok)
		return err_set(err, 0, "invalid MAC address \"%s\" (xx:xx:xx:xx:xx:xx)", value);
	if (netif_of(ctx, &n, err) < 0)
		return -ENOMEM;
	return replace_str(&n->hwaddr, value) < 0 ? err_set(err, ENOMEM, "%s", value) : 0;
}

int apply_net_ipv4(const struct config_key *k, struct config_apply_ctx *ctx, const char *value,
		   struct taper_err *err)
{
	char addr[INET_ADDRSTRLEN];
	const char *slash = strchr(value, '/');
	struct in_addr a;
	uint64_t prefix;
	struct taper_netif *n = NULL;

	if (!slash || (size_t)(slash - value) >= sizeof(addr) ||
	    parse_u64_range(slash + 1, 0, 32, &prefix) < 0)
		return err_set(err, 0, "invalid IPv4 address \"%s\" (a.b.c.d/prefix)", value);
	memcpy(addr, value, (size_t)(slash - value));
	addr[slash - value] = '\0';
	if (inet_pton(AF_INET, addr, &a) != 1)
		return err_set(err, 0, "invalid IPv4 address \"%s\" (a.b.c.d/prefix)", value);
	if (netif_of(ctx, &n, err) < 0)
		return -ENOMEM;
	return replace_str(&n->ipv4, value) < 0 ? err_set(err, ENOMEM, "%s", value) : 0;
}

int apply_net_gateway(const struct config_key *k, struct config_apply_ctx *ctx, const char *value,
		      struct taper_err *err)
{
	struct in_addr a;
	struct taper_netif *n = NULL;

	if (inet_pton(AF_INET, value, &a) != 1)
		return err_set(err, 0, "invalid IPv4 address \"%s\" (a.b.c.d)", value);
	if (netif_of(ctx, &n, err) < 0)
		return -ENOMEM;
	return replace_str(&n->ipv4_gateway, value) < 0 ? err_set(err, ENOMEM, "%s", value) : 0;
}

int apply_net_mtu(const struct config_key *k, struct config_apply_ctx *ctx, const char *value,
		  struct taper_err *err)
{
	struct taper_netif *n = NULL;
	int64_t v;

	if (parse_int_range(k, value, &v, err) < 0)
		return -EINVAL;
	if (netif_of(ctx, &n, err) < 0)
		return -ENOMEM;
	n->mtu = (int)v;
	return 0;
}

/* ---- cgroup ---- */

/* A resource limit: its row of the limit table parses it, as `taper
 * limit` and `taper run` do; "max" is no limit, which a new group has. */
int apply_cgroup_limit(const struct config_key *k, struct config_apply_ctx *ctx, const char *value,
		       struct taper_err *err)
{
	const struct limit_opt *o = limit_opt_by_key(k->key);
	int r;

	if (!o)
		return err_set(err, EINVAL, "not in the limit table");
	if ((r = limit_opt_parse(o, value, &ctx->spec->limits, err)) < 0)
		return r;
	limit_opt_unset_max(o, &ctx->spec->limits);
	return 0;
}

int apply_cgroup_raw(const struct config_key *k, struct config_apply_ctx *ctx, const char *value,
		     struct taper_err *err)
{
	const char *file = ctx->rest;
	bool ok = file && isalnum((unsigned char)file[0]) && strchr(file, '.');

	for (const char *p = file; ok && *p; p++)
		ok = isascii((unsigned char)*p) && (isalnum((unsigned char)*p) || *p == '_' || *p == '.');
	if (!ok)
		return err_set(err, 0, "invalid cgroup file \"%s\" (controller.file)", file ? file : "");
	if (spec_add_cgroup_raw(&ctx->spec->limits, (int)k->min, file, value) < 0)
		return err_set(err, ENOMEM, "%s", value);
	return 0;
}

/* ---- mounts ---- */

/* Split at blanks, undoing fstab's octal escapes (\040 for a space). */
static int split_fstab(const char *s, char ***ret)
{
	_cleanup_strv_free_ char **v = NULL;

	while (*s) {
		_cleanup_free_ char *f = NULL;
		size_t n = 0;

		while (isspace((unsigned char)*s))
			s++;
		if (!*s)
			break;
		f = malloc(strlen(s) + 1);
		if (!f)
			return -ENOMEM;
		while (*s && !isspace((unsigned char)*s)) {
			if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
			    s[3] >= '0' && s[3] <= '7') {
				f[n++] = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
				s += 4;
			} else {
				f[n++] = *s++;
			}
		}
		f[n] = '\0';
		if (strv_push(&v, TAKE_PTR(f)) < 0)
			return -ENOMEM;
	}
	if (!v && !(v = calloc(1, sizeof(char *))))
		return -ENOMEM;
	*ret = TAKE_PTR(v);
	return 0;
}

static const struct {
	const char *name;
	unsigned set, clear;
} mount_opts[] = {
	{ "defaults", 0, 0 },
	{ "bind", TAPER_MOUNT_BIND, 0 },
	{ "rbind", TAPER_MOUNT_BIND | TAPER_MOUNT_RECURSIVE, 0 },
	{ "ro", TAPER_MOUNT_READONLY, 0 },
	{ "rw", 0, TAPER_MOUNT_READONLY },
	{ "nosuid", TAPER_MOUNT_NOSUID, 0 },
	{ "suid", 0, TAPER_MOUNT_NOSUID },
	{ "nodev", TAPER_MOUNT_NODEV, 0 },
	{ "dev", 0, TAPER_MOUNT_NODEV },
	{ "noexec", TAPER_MOUNT_NOEXEC, 0 },
	{ "exec", 0, TAPER_MOUNT_NOEXEC },
	{ "optional", TAPER_MOUNT_OPTIONAL, 0 },
	{ "create=file", TAPER_MOUNT_CREATE_FILE, 0 },
	{ "create=dir", 0, TAPER_MOUNT_CREATE_FILE },
};

int apply_mount(const struct config_key *k, struct config_apply_ctx *ctx, const char *value,
		struct taper_err *err)
{
	_cleanup_strv_free_ char **f = NULL, **opts = NULL;
	_cleanup_free_ char *data = NULL, *target = NULL;
	const char *fstype;
	unsigned flags = 0;
	size_t n;

	if (split_fstab(value, &f) < 0)
		return err_set(err, ENOMEM, "%s", value);
	n = strv_length(f);
	if (n < 3 || n > 6)
		return err_set(err, 0, "invalid mount entry \"%s\" (SRC DST TYPE [OPTIONS])", value);
	for (size_t i = 4; i < n; i++)
		if (strspn(f[i], "0123456789") != strlen(f[i]))
			return err_set(err, 0, "invalid mount entry \"%s\" (SRC DST TYPE [OPTIONS])", value);
	opts = strv_split(n > 3 ? f[3] : "defaults", ',');
	if (!opts)
		return err_set(err, ENOMEM, "%s", value);
	for (char **o = opts; *o; o++) {
		size_t i;

		for (i = 0; i < ARRAY_SIZE(mount_opts); i++)
			if (strcmp(*o, mount_opts[i].name) == 0)
				break;
		if (i < ARRAY_SIZE(mount_opts)) {
			flags = (flags | mount_opts[i].set) & ~mount_opts[i].clear;
			continue;
		}
		if (data ? asprintf(&target, "%s,%s", data, *o) < 0 : !(target = strdup(*o)))
			return err_set(err, ENOMEM, "%s", value);
		free(data);
		data = TAKE_PTR(target);
	}
	if (strcmp(f[2], "bind") == 0)
		flags |= TAPER_MOUNT_BIND;
	fstype = f[2];
	if (flags & TAPER_MOUNT_BIND) {
		if (strcmp(f[2], "none") != 0 && strcmp(f[2], "bind") != 0)
			return err_set(err, 0, "invalid mount entry \"%s\" (a bind mount has type none)",
				       value);
		if (data)
			return err_set(err, 0, "invalid mount option \"%s\" for a bind mount", data);
		if (check_abs_path(f[0], err) < 0)
			return -EINVAL;
		fstype = NULL;
	}
	if (path_has_dotdot(f[1]))
		return err_set(err, 0, "invalid mount target \"%s\" (no \"..\")", f[1]);
	if (asprintf(&target, "%s%s", f[1][0] == '/' ? "" : "/", f[1]) < 0)
		return err_set(err, ENOMEM, "%s", value);
	if (spec_add_mount(ctx->spec, f[0], target, fstype, data, flags) < 0)
		return err_set(err, ENOMEM, "%s", value);
	return 0;
}

/* ---- ids, capabilities, process ---- */

int apply_idmap(const struct config_key *k, struct config_apply_ctx *ctx, const char *value,
		struct taper_err *err)
{
	_cleanup_strv_free_ char **f = strv_split(value, ' ');
	uint32_t c, h, n;
	struct taper_spec *s = ctx->spec;
	bool uid, gid;

	if (!f)
		return err_set(err, ENOMEM, "%s", value);
	if (strv_length(f) != 4 || strlen(f[0]) != 1 || !strchr("ugb", f[0][0]) || parse_u32(f[1], &c) < 0 ||
	    parse_u32(f[2], &h) < 0 || parse_u32(f[3], &n) < 0 || n == 0 || (uint64_t)c + n > UINT32_MAX ||
	    (uint64_t)h + n > UINT32_MAX)
		return err_set(err, 0, "invalid id map \"%s\" (u|g|b CONTAINER HOST COUNT)", value);
	uid = f[0][0] != 'g';
	gid = f[0][0] != 'u';
	if ((uid && spec_add_idmap(&s->uid_map, &s->n_uid_map, c, h, n) < 0) ||
	    (gid && spec_add_idmap(&s->gid_map, &s->n_gid_map, c, h, n) < 0))
		return err_set(err, ENOMEM, "%s", value);
	s->namespaces |= TAPER_NS_USER;
	return 0;
}

int apply_cgroup_mount(const struct config_key *k, struct config_apply_ctx *ctx, const char *value,
		       struct taper_err *err)
{
	static const struct {
		const char *name;
		enum taper_cgroup_mount mode;
	} modes[] = {
		{ "none", TAPER_CGROUP_MOUNT_NONE },
		{ "ro", TAPER_CGROUP_MOUNT_RO },
		{ "mixed", TAPER_CGROUP_MOUNT_MIXED },
	};

	for (size_t i = 0; i < ARRAY_SIZE(modes); i++) {
		if (strcmp(value, modes[i].name) == 0) {
			ctx->spec->cgroup_mount = modes[i].mode;
			return 0;
		}
	}
	return err_set(err, 0, "invalid cgroup mount \"%s\" (none, ro or mixed)", value);
}

int apply_caps(const struct config_key *k, struct config_apply_ctx *ctx, const char *value,
	       struct taper_err *err)
{
	_cleanup_strv_free_ char **names = strv_split(value, ' ');
	struct taper_caps *caps = &ctx->spec->process.caps;
	bool add = k->min != 0;
	uint64_t mask = 0;

	if (!names)
		return err_set(err, ENOMEM, "%s", value);
	for (char **p = names; *p; p++) {
		int cap = spec_cap_from_name(*p);

		if (cap < 0)
			return err_set(err, 0, "unknown capability \"%s\"", *p);
		mask |= UINT64_C(1) << cap;
	}
	if (add) {
		ctx->cap_added |= mask;
		ctx->cap_dropped &= ~mask;
		spec_caps_add(caps, mask);
	} else {
		ctx->cap_dropped |= mask;
		ctx->cap_added &= ~mask;
		spec_caps_drop(caps, mask);
	}
	return 0;
}

int apply_seccomp(const struct config_key *k, struct config_apply_ctx *ctx, const char *value,
		  struct taper_err *err)
{
	if (strcmp(value, "default") != 0 && strcmp(value, "unconfined") != 0 &&
	    check_abs_path(value, err) < 0)
		return err_set(err, 0,
			       "invalid seccomp profile \"%s\" (default, unconfined or an absolute path)",
			       value);
	return replace_str(&ctx->spec->process.seccomp, value) < 0 ? err_set(err, ENOMEM, "%s", value) : 0;
}

/* Split a command line at blanks; '...' and "..." group, \ escapes in "". */
static int split_command(const char *s, char ***ret)
{
	_cleanup_strv_free_ char **v = NULL;

	for (;;) {
		_cleanup_free_ char *w = NULL;
		size_t n = 0;
		char quote = 0;

		while (isspace((unsigned char)*s))
			s++;
		if (!*s)
			break;
		w = malloc(strlen(s) + 1);
		if (!w)
			return -ENOMEM;
		for (; *s && (quote || !isspace((unsigned char)*s)); s++) {
			if (quote && *s == quote)
				quote = 0;
			else if (!quote && (*s == '\'' || *s == '"'))
				quote = *s;
			else if (*s == '\\' && quote != '\'' && s[1])
				w[n++] = *++s;
			else
				w[n++] = *s;
		}
		if (quote)
			return -EINVAL;
		w[n] = '\0';
		if (strv_push(&v, TAKE_PTR(w)) < 0)
			return -ENOMEM;
	}
	if (!v)
		return -EINVAL;
	*ret = TAKE_PTR(v);
	return 0;
}

int apply_init_cmd(const struct config_key *k, struct config_apply_ctx *ctx, const char *value,
		   struct taper_err *err)
{
	char **argv = NULL;
	int r = split_command(value, &argv);

	if (r == -ENOMEM)
		return err_set(err, ENOMEM, "%s", value);
	if (r < 0)
		return err_set(err, 0, "invalid command \"%s\" (unbalanced quote)", value);
	strv_free(ctx->spec->process.argv);
	ctx->spec->process.argv = argv;
	return 0;
}

int apply_init_id(const struct config_key *k, struct config_apply_ctx *ctx, const char *value,
		  struct taper_err *err)
{
	uint32_t v;

	if (parse_u32(value, &v) < 0 || v == UINT32_MAX)
		return err_set(err, 0, "invalid id \"%s\" (a number)", value);
	if (k->min)
		ctx->spec->process.gid = v;
	else
		ctx->spec->process.uid = v;
	return 0;
}

int apply_env(const struct config_key *k, struct config_apply_ctx *ctx, const char *value,
	      struct taper_err *err)
{
	const char *eq = strchr(value, '=');

	if (!eq || eq == value || value[0] == '=' || isdigit((unsigned char)value[0]))
		return err_set(err, 0, "invalid environment entry \"%s\" (NAME=VALUE)", value);
	return strv_env_set(&ctx->spec->process.env, value) < 0 ? err_set(err, ENOMEM, "%s", value) : 0;
}

static const struct {
	const char *name;
	int resource;
} rlimits[] = {
	{ "as", RLIMIT_AS },           { "core", RLIMIT_CORE },         { "cpu", RLIMIT_CPU },
	{ "data", RLIMIT_DATA },       { "fsize", RLIMIT_FSIZE },       { "locks", RLIMIT_LOCKS },
	{ "memlock", RLIMIT_MEMLOCK }, { "msgqueue", RLIMIT_MSGQUEUE }, { "nice", RLIMIT_NICE },
	{ "nofile", RLIMIT_NOFILE },   { "nproc", RLIMIT_NPROC },       { "rss", RLIMIT_RSS },
	{ "rtprio", RLIMIT_RTPRIO },   { "rttime", RLIMIT_RTTIME },     { "sigpending", RLIMIT_SIGPENDING },
	{ "stack", RLIMIT_STACK },
};

static int parse_rlim(const char *s, uint64_t *ret)
{
	if (strcmp(s, "unlimited") == 0) {
		*ret = RLIM_INFINITY;
		return 0;
	}
	return parse_u64(s, ret);
}

int apply_prlimit(const struct config_key *k, struct config_apply_ctx *ctx, const char *value,
		  struct taper_err *err)
{
	char soft_s[32];
	const char *colon = strchr(value, ':');
	uint64_t soft, hard;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(rlimits); i++)
		if (ctx->rest && strcmp(ctx->rest, rlimits[i].name) == 0)
			break;
	if (i == ARRAY_SIZE(rlimits))
		return err_set(err, 0, "unknown resource \"%s\"", ctx->rest ? ctx->rest : "");
	if ((colon ? (size_t)(colon - value) : strlen(value)) >= sizeof(soft_s))
		return err_set(err, 0, "invalid limit \"%s\" (SOFT[:HARD])", value);
	snprintf(soft_s, sizeof(soft_s), "%.*s", colon ? (int)(colon - value) : (int)strlen(value), value);
	if (parse_rlim(soft_s, &soft) < 0 || parse_rlim(colon ? colon + 1 : soft_s, &hard) < 0 ||
	    (hard != RLIM_INFINITY && soft > hard))
		return err_set(err, 0, "invalid limit \"%s\" (SOFT[:HARD], numbers or unlimited)", value);
	return spec_set_rlimit(ctx->spec, rlimits[i].resource, soft, hard) < 0
		       ? err_set(err, ENOMEM, "%s", value)
		       : 0;
}

int apply_devices(const struct config_key *k, struct config_apply_ctx *ctx, const char *value,
		  struct taper_err *err)
{
	struct taper_device_rule r;
	bool allow = strcmp(k->key, "cgroup.devices.allow") == 0;

	if (spec_parse_device_rule(value, allow, &r) < 0)
		return err_set(err, 0,
			       "invalid device rule \"%s\" (a, or TYPE MAJOR:MINOR ACCESS: "
			       "c 1:3 rwm, b *:* m)",
			       value);
	return spec_add_device_rule(&ctx->spec->limits, &r) < 0 ? err_set(err, ENOMEM, "%s", value) : 0;
}

int apply_ns_share(const struct config_key *k, struct config_apply_ctx *ctx, const char *value,
		   struct taper_err *err)
{
	for (unsigned i = 0; i < TAPER_NS_COUNT; i++) {
		unsigned bit = 1u << i;

		if (!ctx->rest || strcmp(ctx->rest, spec_ns_name(bit)) != 0)
			continue;
		if (bit == TAPER_NS_USER || bit == TAPER_NS_MNT)
			return err_set(err, 0, "sharing the %s namespace is not supported",
				       spec_ns_name(bit));
		/* A path (/proc/PID/ns/net, /run/netns/NAME), or a container. */
		if (value[0] == '/') {
			if (check_abs_path(value, err) < 0)
				return -EINVAL;
			if (replace_str(&ctx->spec->ns_path[i], value) < 0)
				return err_set(err, ENOMEM, "%s", value);
			ctx->settings->share_ns[i][0] = '\0';
		} else {
			if (store_check_name(value, err) < 0)
				return -EINVAL;
			free(ctx->spec->ns_path[i]);
			ctx->spec->ns_path[i] = NULL;
			snprintf(ctx->settings->share_ns[i], sizeof(ctx->settings->share_ns[i]), "%s", value);
		}
		ctx->spec->namespaces |= bit;
		ctx->share_line[i] = ctx->lineno;
		return 0;
	}
	return err_set(err, 0, "unknown namespace \"%s\" (pid, uts, ipc, net, cgroup, time)",
		       ctx->rest ? ctx->rest : "");
}

/* ---- lifecycle settings ---- */

/* start.group: one name or a comma list per line (lxc.group), added to
 * the container's groups; names as container names. */
int apply_start_group(const struct config_key *k, struct config_apply_ctx *ctx, const char *value,
		      struct taper_err *err)
{
	_cleanup_strv_free_ char **parts = strv_split(value, ',');
	struct container_settings *set = ctx->settings;

	if (!parts)
		return err_set(err, ENOMEM, "%s", value);
	for (char **p = parts; *p; p++) {
		char *w = *p + strspn(*p, " \t");
		bool seen = false;

		w[strcspn(w, " \t")] = '\0';
		if (store_check_name(w, err) < 0)
			return err_set(err, 0, "invalid group \"%s\" (a name as a container's)", w);
		for (size_t i = 0; i < set->n_start_groups; i++)
			seen |= strcmp(set->start_groups[i], w) == 0;
		if (seen)
			continue;
		if (set->n_start_groups == CONFIG_MAX_GROUPS)
			return err_set(err, 0, "more than %d groups", CONFIG_MAX_GROUPS);
		snprintf(set->start_groups[set->n_start_groups++], sizeof(set->start_groups[0]), "%s", w);
	}
	return 0;
}

int apply_signal(const struct config_key *k, struct config_apply_ctx *ctx, const char *value,
		 struct taper_err *err)
{
	static const struct {
		const char *name;
		int sig;
	} sigs[] = {
		{ "HUP", SIGHUP },   { "INT", SIGINT },   { "QUIT", SIGQUIT },   { "KILL", SIGKILL },
		{ "USR1", SIGUSR1 }, { "USR2", SIGUSR2 }, { "TERM", SIGTERM },   { "PWR", SIGPWR },
		{ "CONT", SIGCONT }, { "STOP", SIGSTOP }, { "WINCH", SIGWINCH },
	};
	const char *name = strncasecmp(value, "SIG", 3) == 0 ? value + 3 : value;
	uint64_t v;

	if (strncasecmp(name, "RTMIN+", 6) == 0 &&
	    parse_u64_range(name + 6, 0, (uint64_t)(SIGRTMAX - SIGRTMIN), &v) == 0) {
		ctx->settings->stop_signal = SIGRTMIN + (int)v;
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++) {
		if (strcasecmp(name, sigs[i].name) == 0) {
			ctx->settings->stop_signal = sigs[i].sig;
			return 0;
		}
	}
	if (parse_u64_range(value, 1, (uint64_t)SIGRTMAX, &v) == 0) {
		ctx->settings->stop_signal = (int)v;
		return 0;
	}
	return err_set(err, 0, "invalid signal \"%s\" (a name like SIGPWR, or a number)", value);
}

int apply_net_port(const struct config_key *k, struct config_apply_ctx *ctx, const char *value,
		   struct taper_err *err)
{
	struct container_settings *set = ctx->settings;
	struct nat_port p;
	char text[48];

	if (nat_port_parse(value, &p, err) < 0)
		return -EINVAL;
	nat_port_format(&p, text);
	for (size_t i = 0; i < set->n_ports; i++)
		if (nat_port_clash(&set->ports[i], &p)) {
			char old[48];

			nat_port_format(&set->ports[i], old);
			return err_set(err, 0, "\"%s\": host port already published by %s", text, old);
		}
	if (set->n_ports >= CONFIG_MAX_PORTS)
		return err_set(err, E2BIG, "port %s: at most %d ports", text, CONFIG_MAX_PORTS);
	set->ports[set->n_ports++] = p;
	if (!ctx->port_line)
		ctx->port_line = ctx->lineno;
	return 0;
}
