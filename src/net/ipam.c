/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "net/ipam.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/parse.h"

int ipv4_parse(const char *s, uint32_t *ret)
{
	uint32_t a = 0;

	if (!s)
		return -EINVAL;
	for (int i = 0; i < 4; i++) {
		unsigned v = 0;
		int digits = 0;

		for (; *s >= '0' && *s <= '9'; s++, digits++) {
			v = v * 10 + (unsigned)(*s - '0');
			if (digits > 2 || v > 255)
				return -EINVAL;
		}
		/* "010" would be octal to inet_aton: refuse the ambiguity. */
		if (digits == 0 || (digits > 1 && s[-digits] == '0'))
			return -EINVAL;
		if (*s != (i == 3 ? '\0' : '.'))
			return -EINVAL;
		if (i < 3)
			s++;
		a = a << 8 | v;
	}
	*ret = a;
	return 0;
}

int ipv4_cidr_parse(const char *s, uint32_t *ret_addr, unsigned *ret_prefix)
{
	char buf[IPV4_STRLEN];
	const char *slash = s ? strchr(s, '/') : NULL;
	uint64_t prefix;

	if (!slash || (size_t)(slash - s) >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, (size_t)(slash - s));
	buf[slash - s] = '\0';
	if (ipv4_parse(buf, ret_addr) < 0)
		return -EINVAL;
	if (parse_u64_range(slash + 1, 0, 32, &prefix) < 0)
		return -ERANGE;
	*ret_prefix = (unsigned)prefix;
	return 0;
}

void ipv4_format(uint32_t a, char buf[IPV4_STRLEN])
{
	snprintf(buf, IPV4_STRLEN, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
}

void ipv4_net_format(const struct ipv4_net *net, char buf[IPV4_CIDR_STRLEN])
{
	char a[IPV4_STRLEN];

	ipv4_format(net->network, a);
	snprintf(buf, IPV4_CIDR_STRLEN, "%s/%u", a, net->prefix);
}

static uint32_t broadcast(const struct ipv4_net *net)
{
	return net->network | ~ipv4_mask(net->prefix);
}

static bool inside(const struct ipv4_net *net, uint32_t a)
{
	return (a & ipv4_mask(net->prefix)) == net->network;
}

int ipv4_net_parse(const char *cidr, const char *gateway, struct ipv4_net *ret, struct taper_err *err)
{
	struct ipv4_net n = { 0 };
	uint32_t a;
	int r = ipv4_cidr_parse(cidr, &a, &n.prefix);

	if (r == -ERANGE)
		return err_set(err, 0, "%s: invalid prefix length", cidr);
	if (r < 0)
		return err_set(err, 0, "%s: not an IPv4 subnet (a.b.c.d/len)", cidr ? cidr : "");
	if (n.prefix < 8 || n.prefix > 30)
		return err_set(err, 0, "%s: prefix length must be 8..30", cidr);
	if (a & ~ipv4_mask(n.prefix))
		return err_set(err, 0, "%s: host bits set (not the network address)", cidr);
	n.network = a;
	if (!gateway) {
		n.gateway = n.network + 1;
	} else {
		if (ipv4_parse(gateway, &n.gateway) < 0)
			return err_set(err, 0, "gateway %s: not an IPv4 address", gateway);
		if (!inside(&n, n.gateway))
			return err_set(err, 0, "gateway %s: outside %s", gateway, cidr);
		if (n.gateway == n.network || n.gateway == broadcast(&n))
			return err_set(err, 0, "gateway %s: network or broadcast address of %s", gateway,
				       cidr);
	}
	*ret = n;
	return 0;
}

int ipv4_net_host_ok(const struct ipv4_net *net, uint32_t addr, struct taper_err *err)
{
	char a[IPV4_STRLEN], c[IPV4_CIDR_STRLEN];

	ipv4_format(addr, a);
	ipv4_net_format(net, c);
	if (!inside(net, addr))
		return err_set(err, 0, "address %s: outside %s", a, c);
	if (addr == net->network || addr == broadcast(net))
		return err_set(err, 0, "address %s: network or broadcast address of %s", a, c);
	if (addr == net->gateway)
		return err_set(err, EADDRINUSE, "address %s: the gateway of %s", a, c);
	return 0;
}

int ipam_bridge_dir(const char *bridge, char **ret, struct taper_err *err)
{
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	uint64_t cookie;
	socklen_t len = sizeof(cookie);

	if (bridge && (!bridge[0] || strchr(bridge, '/') || strlen(bridge) >= 16 || bridge[0] == '.'))
		return err_set(err, 0, "bridge name \"%s\"", bridge);
	if (fd < 0 || getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len) < 0)
		return err_set(err, errno, "network namespace cookie");
	if (asprintf(ret, "%s/%016llx%s%s", IPAM_RUN_DIR, (unsigned long long)cookie, bridge ? "/" : "",
		     bridge ? bridge : "") < 0)
		return err_set(err, ENOMEM, "lease directory");
	return 0;
}

static bool owner_ok(const char *owner)
{
	if (!owner || !owner[0] || strlen(owner) >= IPAM_OWNER_MAX)
		return false;
	for (const char *p = owner; *p; p++)
		if (*p == '/' || !isprint((unsigned char)*p))
			return false;
	return true;
}

static int open_dir(const char *dir, bool create, struct taper_err *err)
{
	int fd = -1;

	/* A release may remove an empty directory (and its parent) between
	 * the mkdir and the open: make it again. */
	for (int tries = 0; fd < 0 && tries < 8; tries++) {
		if (create && mkdir_p(dir, 0755) < 0 && errno != ENOENT)
			return err_set(err, errno, "create lease directory %s", dir);
		fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0 && (errno != ENOENT || !create))
			break;
	}
	if (fd < 0 && (errno != ENOENT || create))
		return err_set(err, errno, "open lease directory %s", dir);
	return fd < 0 ? -ENOENT : fd;
}

/* After a release: the directory goes when it holds no lease (and no
 * taker's temp file). */
static void remove_if_empty(const char *dir)
{
	(void)rmdir(dir);
}

/* Owner of the lease file name in dfd, into buf; -ENOENT. */
static int read_owner(int dfd, const char *name, char *buf, size_t size)
{
	_cleanup_free_ char *s = NULL;
	int r = read_file_at(dfd, name, 256, &s, NULL);

	if (r < 0)
		return r;
	s[strcspn(s, "\n")] = '\0';
	snprintf(buf, size, "%s", s);
	return 0;
}

/* 1: leased now to owner; 2: owner held it already; 0: someone else
 * holds it (ret_holder). */
static int try_lease(int dfd, uint32_t addr, const char *owner, char *ret_holder, size_t size)
{
	char name[IPV4_STRLEN], tmp[64];
	_cleanup_close_ int fd = -1;
	size_t len = strlen(owner);
	int r;

	ipv4_format(addr, name);
	snprintf(tmp, sizeof(tmp), ".tmp.%d.%s", (int)getpid(), name);
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return -errno;
	if (write(fd, owner, len) != (ssize_t)len || write(fd, "\n", 1) != 1 || fsync(fd) < 0) {
		r = errno ? -errno : -EIO;
		unlinkat(dfd, tmp, 0);
		return r;
	}
	r = linkat(dfd, tmp, dfd, name, 0) < 0 ? -errno : 1;
	unlinkat(dfd, tmp, 0);
	if (r != -EEXIST)
		return r;
	if (read_owner(dfd, name, ret_holder, size) < 0)
		snprintf(ret_holder, size, "?");
	return strcmp(ret_holder, owner) == 0 ? 2 : 0;
}

/* try_lease() in dir, open as *dfd; a directory removed meanwhile by the
 * release of its last lease is made and opened again. */
static int try_lease_at(const char *dir, int *dfd, uint32_t addr, const char *owner, char *ret_holder,
			size_t size)
{
	for (int tries = 0;; tries++) {
		int r = try_lease(*dfd, addr, owner, ret_holder, size);

		if (r != -ENOENT || tries == 8)
			return r;
		safe_close(*dfd);
		*dfd = open_dir(dir, true, NULL);
		if (*dfd < 0)
			return *dfd;
	}
}

int ipam_allocate(const char *dir, const struct ipv4_net *net, const char *owner, uint32_t *ret,
		  struct taper_err *err)
{
	_cleanup_close_ int dfd = -1;
	char c[IPV4_CIDR_STRLEN], holder[IPAM_OWNER_MAX];
	uint32_t last = broadcast(net) - 1;

	if (!owner_ok(owner))
		return err_set(err, 0, "lease owner \"%s\"", owner ? owner : "");
	dfd = open_dir(dir, true, err);
	if (dfd < 0)
		return dfd;
	/* After the gateway first, then wrap round to below it. */
	for (uint32_t i = 0, a = net->gateway + 1; i < last - net->network; i++, a++) {
		int r;

		if (a > last)
			a = net->network + 1;
		if (a == net->gateway)
			continue;
		r = try_lease_at(dir, &dfd, a, owner, holder, sizeof(holder));
		if (r < 0)
			return err_set(err, r, "lease in %s", dir);
		if (r == 1) { /* 2 is taken too: an owner may have several */
			*ret = a;
			return 0;
		}
	}
	ipv4_net_format(net, c);
	return err_set(err, ENOSPC, "no free address in %s", c);
}

int ipam_reserve(const char *dir, const struct ipv4_net *net, uint32_t addr, const char *owner,
		 char ret_holder[IPAM_OWNER_MAX], struct taper_err *err)
{
	_cleanup_close_ int dfd = -1;
	char a[IPV4_STRLEN], holder[IPAM_OWNER_MAX];
	int r;

	if (!owner_ok(owner))
		return err_set(err, 0, "lease owner \"%s\"", owner ? owner : "");
	r = ipv4_net_host_ok(net, addr, err);
	if (r < 0)
		return r;
	dfd = open_dir(dir, true, err);
	if (dfd < 0)
		return dfd;
	ipv4_format(addr, a);
	r = try_lease_at(dir, &dfd, addr, owner, holder, sizeof(holder));
	if (r < 0)
		return err_set(err, r, "lease %s in %s", a, dir);
	if (r == 0) {
		if (ret_holder)
			snprintf(ret_holder, IPAM_OWNER_MAX, "%s", holder);
		return err_set(err, EADDRINUSE, "address %s already leased to \"%s\"", a, holder);
	}
	/* r == 2: the owner's own lease, e.g. a restart: fine. */
	return 0;
}

int ipam_release(const char *dir, uint32_t addr, const char *owner, struct taper_err *err)
{
	_cleanup_close_ int dfd = open_dir(dir, false, err);
	char a[IPV4_STRLEN], holder[IPAM_OWNER_MAX];

	if (dfd == -ENOENT)
		return 0;
	if (dfd < 0)
		return dfd;
	ipv4_format(addr, a);
	if (read_owner(dfd, a, holder, sizeof(holder)) < 0 || strcmp(holder, owner) != 0)
		return 0;
	if (unlinkat(dfd, a, 0) < 0 && errno != ENOENT)
		return err_set(err, errno, "release %s in %s", a, dir);
	remove_if_empty(dir);
	return 0;
}

/* Calls fn for each lease file of dir; stops at fn's first non-zero. */
static int each_lease(const char *dir, int (*fn)(int dfd, const char *addr, const char *owner, void *data),
		      void *data, struct taper_err *err)
{
	_cleanup_close_ int dfd = open_dir(dir, false, err);
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int fd2;

	if (dfd == -ENOENT)
		return 0;
	if (dfd < 0)
		return dfd;
	fd2 = fcntl(dfd, F_DUPFD_CLOEXEC, 3);
	if (fd2 < 0 || !(d = fdopendir(fd2))) {
		safe_close(fd2);
		return err_set(err, errno, "read lease directory %s", dir);
	}
	while ((de = readdir(d))) {
		char owner[IPAM_OWNER_MAX];
		uint32_t a;
		int r;

		if (ipv4_parse(de->d_name, &a) < 0 || read_owner(dfd, de->d_name, owner, sizeof(owner)) < 0)
			continue;
		r = fn(dfd, de->d_name, owner, data);
		if (r)
			return r;
	}
	return 0;
}

struct owner_walk {
	const char *owner;
	int n;
	uint32_t first;
};

static int release_one(int dfd, const char *addr, const char *owner, void *data)
{
	struct owner_walk *w = data;

	if (strcmp(owner, w->owner) != 0)
		return 0;
	if (unlinkat(dfd, addr, 0) < 0 && errno != ENOENT)
		return -errno;
	w->n++;
	return 0;
}

int ipam_release_owner(const char *dir, const char *owner, struct taper_err *err)
{
	struct owner_walk w = { .owner = owner };
	int r = each_lease(dir, release_one, &w, err);

	if (r < 0)
		return err && err->code ? r : err_set(err, r, "release leases of %s in %s", owner, dir);
	if (w.n)
		remove_if_empty(dir);
	return w.n;
}

static int count_one(int dfd, const char *addr, const char *owner, void *data)
{
	struct owner_walk *w = data;
	uint32_t a;

	if (w->owner && strcmp(owner, w->owner) != 0)
		return 0;
	/* The lowest, so that look-ups do not depend on readdir order. */
	if (ipv4_parse(addr, &a) == 0 && (w->n == 0 || a < w->first))
		w->first = a;
	w->n++;
	return 0;
}

int ipam_count(const char *dir, struct taper_err *err)
{
	struct owner_walk w = { 0 };
	int r = each_lease(dir, count_one, &w, err);

	return r < 0 ? r : w.n;
}

int ipam_lookup(const char *dir, const char *owner, uint32_t *ret, struct taper_err *err)
{
	struct owner_walk w = { .owner = owner };
	int r = each_lease(dir, count_one, &w, err);

	if (r < 0)
		return r;
	if (!w.n)
		return -ENOENT;
	*ret = w.first;
	return 0;
}

struct foreach_walk {
	int (*fn)(uint32_t addr, const char *owner, void *data);
	void *data;
};

static int foreach_one(int dfd, const char *addr, const char *owner, void *data)
{
	struct foreach_walk *w = data;
	uint32_t a;

	return ipv4_parse(addr, &a) < 0 ? 0 : w->fn(a, owner, w->data);
}

int ipam_foreach(const char *dir, int (*fn)(uint32_t addr, const char *owner, void *data), void *data,
		 struct taper_err *err)
{
	struct foreach_walk w = { fn, data };

	return each_lease(dir, foreach_one, &w, err);
}
