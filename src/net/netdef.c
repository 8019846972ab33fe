/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "net/netdef.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/kv.h"
#include "util/parse.h"
#include "util/strv.h"

void netdef_default(struct net_def *ret)
{
	memset(ret, 0, sizeof(*ret));
	snprintf(ret->name, sizeof(ret->name), "%s", NETDEF_DEFAULT);
	snprintf(ret->bridge, sizeof(ret->bridge), "%s", NETDEF_DEFAULT_BRIDGE);
	ipv4_net_parse(NETDEF_DEFAULT_SUBNET, NULL, &ret->subnet, NULL);
	ret->nat = true;
	ret->builtin = true;
}

void netdef_bridge_name(const char *name, char ret[IFNAMSIZ])
{
	uint32_t h = 2166136261u; /* FNV-1a */

	if (strlen(name) + 3 < IFNAMSIZ) {
		snprintf(ret, IFNAMSIZ, "tb-%s", name);
		return;
	}
	for (const char *p = name; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	snprintf(ret, IFNAMSIZ, "tb-%08x", h);
}

static bool bridge_name_ok(const char *s)
{
	return name_is_valid(s) && strlen(s) < IFNAMSIZ;
}

int netdef_format(const struct net_def *def, char **ret)
{
	char cidr[IPV4_CIDR_STRLEN], gw[IPV4_STRLEN];

	ipv4_net_format(&def->subnet, cidr);
	ipv4_format(def->subnet.gateway, gw);
	if (asprintf(ret, "subnet = %s\ngateway = %s\nnat = %s\nmtu = %d\nbridge = %s\n", cidr, gw,
		     def->nat ? "true" : "false", def->mtu, def->bridge) < 0)
		return -ENOMEM;
	return 0;
}

enum {
	K_SUBNET,
	K_GATEWAY,
	K_NAT,
	K_MTU,
	K_BRIDGE,
	K_COUNT
};
static const char *const keys[K_COUNT] = { "subnet", "gateway", "nat", "mtu", "bridge" };

static int key_index(const char *k)
{
	for (int i = 0; i < K_COUNT; i++)
		if (strcmp(k, keys[i]) == 0)
			return i;
	return -1;
}

static void vals_free(char *(*v)[K_COUNT])
{
	for (int i = 0; i < K_COUNT; i++)
		free((*v)[i]);
}

int netdef_parse(const char *name, const char *origin, const char *text, struct net_def *ret,
		 struct taper_err *err)
{
	_cleanup_(kv_reader_done) struct kv_reader kv = { 0 };
	_cleanup_(vals_free) char *val[K_COUNT] = { 0 };
	char where[TAPER_ERR_MSG_MAX];
	struct net_def d = { 0 };
	uint64_t mtu;
	int r;

	snprintf(where, sizeof(where), "network %s", name);
	kv_reader_init(&kv, text, origin ? origin : where, 0);
	while ((r = kv_next(&kv, err)) > 0) {
		int i;

		if (!kv.key)
			continue;
		i = key_index(kv.key);
		if (i < 0)
			return err_set(err, 0, "%s:%u: unknown key \"%s\"", kv.origin, kv.lineno, kv.key);
		free(val[i]);
		if (!(val[i] = strdup(kv.value)))
			return err_set(err, ENOMEM, "network %s", name);
	}
	if (r < 0)
		return r;
	snprintf(d.name, sizeof(d.name), "%s", name);
	if (!val[K_SUBNET])
		return err_set(err, 0, "%s: no subnet", kv.origin);
	if (ipv4_net_parse(val[K_SUBNET], val[K_GATEWAY], &d.subnet, err) < 0)
		return err_wrap(err, "%s", kv.origin);
	if (val[K_NAT] && parse_bool(val[K_NAT], &d.nat) < 0)
		return err_set(err, 0, "%s: nat = %s: not a boolean", kv.origin, val[K_NAT]);
	if (val[K_MTU] && (parse_u64_range(val[K_MTU], 0, 65535, &mtu) < 0 || (mtu && mtu < 68)))
		return err_set(err, 0, "%s: mtu = %s: must be 68..65535", kv.origin, val[K_MTU]);
	d.mtu = val[K_MTU] ? (int)mtu : 0;
	if (val[K_BRIDGE] && !bridge_name_ok(val[K_BRIDGE]))
		return err_set(err, 0, "%s: bridge = %s: invalid interface name", kv.origin, val[K_BRIDGE]);
	if (val[K_BRIDGE])
		snprintf(d.bridge, sizeof(d.bridge), "%s", val[K_BRIDGE]);
	else
		netdef_bridge_name(name, d.bridge);
	*ret = d;
	return 0;
}

int netdef_load(const char *defs, const char *name, struct net_def *ret, struct taper_err *err)
{
	_cleanup_free_ char *path = NULL, *text = NULL;
	int r;

	if (!name_is_valid(name))
		return err_set(err, 0, "network name \"%s\"", name ? name : "");
	if (asprintf(&path, "%s/%s", defs, name) < 0)
		return err_set(err, ENOMEM, "network %s", name);
	r = read_file_at(AT_FDCWD, path, 65536, &text, NULL);
	if (r == -ENOENT && strcmp(name, NETDEF_DEFAULT) == 0) {
		netdef_default(ret);
		return 0;
	}
	if (r == -ENOENT) {
		return err_plain(err, ENOENT, "network \"%s\" not found", name);
	}
	if (r < 0)
		return err_set(err, r, "read %s", path);
	return netdef_parse(name, path, text, ret, err);
}

static bool overlap(const struct ipv4_net *a, const struct ipv4_net *b)
{
	unsigned p = a->prefix < b->prefix ? a->prefix : b->prefix;

	return (a->network & ipv4_mask(p)) == (b->network & ipv4_mask(p));
}

/* Refuse a second network on the same bridge or an overlapping subnet. */
static int check_clash(const char *defs, const struct net_def *def, struct taper_err *err)
{
	_cleanup_strv_free_ char **names = NULL;
	int r = netdef_list(defs, &names, err);

	if (r < 0)
		return r;
	for (char **n = names; *n; n++) {
		struct net_def o;
		char c[IPV4_CIDR_STRLEN];

		if (strcmp(*n, def->name) == 0)
			return err_set(err, EEXIST, "network %s", def->name);
		if (netdef_load(defs, *n, &o, NULL) < 0)
			continue;
		if (strcmp(o.bridge, def->bridge) == 0)
			return err_set(err, EEXIST, "bridge %s: used by network %s", def->bridge, o.name);
		ipv4_net_format(&def->subnet, c);
		if (overlap(&o.subnet, &def->subnet))
			return err_set(err, EEXIST, "subnet %s: overlaps network %s", c, o.name);
	}
	return 0;
}

int netdef_create(const char *defs, const struct net_def *def, struct taper_err *err)
{
	const char *dir = defs;
	_cleanup_free_ char *text = NULL;
	_cleanup_close_ int dfd = -1;
	int r;

	if (!name_is_valid(def->name))
		return err_set(err, 0, "network name \"%s\"", def->name);
	if (!bridge_name_ok(def->bridge))
		return err_set(err, 0, "bridge %s: invalid interface name", def->bridge);
	if (netdef_format(def, &text) < 0)
		return err_set(err, ENOMEM, "network %s", def->name);
	r = check_clash(defs, def, err);
	if (r < 0)
		return r;
	if (mkdir_p(dir, 0755) < 0)
		return err_set(err, errno, "create %s", dir);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return err_set(err, errno, "open %s", dir);
	r = write_file_atomic_at(dfd, def->name, text, strlen(text), 0644);
	if (r < 0)
		return err_set(err, r, "write %s/%s", dir, def->name);
	return 0;
}

int netdef_remove(const char *defs, const char *name, struct taper_err *err)
{
	_cleanup_free_ char *path = NULL;

	if (!name_is_valid(name))
		return err_set(err, 0, "network name \"%s\"", name ? name : "");
	if (asprintf(&path, "%s/%s", defs, name) < 0)
		return err_set(err, ENOMEM, "network %s", name);
	if (unlink(path) < 0 && errno != ENOENT)
		return err_set(err, errno, "remove %s", path);
	return 0;
}

static int cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int netdef_list(const char *defs, char ***ret, struct taper_err *err)
{
	const char *dir = defs;
	_cleanup_strv_free_ char **names = NULL;
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;

	d = opendir(dir);
	if (!d && errno != ENOENT)
		return err_set(err, errno, "open %s", dir);
	while (d && (de = readdir(d)))
		if (name_is_valid(de->d_name) && strv_extend(&names, de->d_name) < 0)
			return err_set(err, ENOMEM, "list networks");
	if (!strv_contains(names, NETDEF_DEFAULT) && strv_extend(&names, NETDEF_DEFAULT) < 0)
		return err_set(err, ENOMEM, "list networks");
	qsort(names, strv_length(names), sizeof(char *), cmpstr);
	*ret = TAKE_PTR(names);
	return 0;
}
