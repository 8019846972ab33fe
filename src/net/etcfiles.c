/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/etcfiles.h"
#include "util/cleanup.h"
#include "util/strv.h"

int net_hosts_content(const char *hostname, const struct net_state *st, char **ret)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return -ENOMEM;
	fputs("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n", f);
	for (size_t i = 0; hostname && st && i < st->n && i < NET_STATE_MAX; i++) {
		char a[IPV4_STRLEN];

		if (!st->ifs[i].addr)
			continue;
		ipv4_format(st->ifs[i].addr, a);
		fprintf(f, "%s\t%s\n", a, hostname);
	}
	if (hostname && (!st || st->n == 0))
		fprintf(f, "127.0.1.1\t%s\n", hostname);
	if (fclose(f) != 0)
		return -ENOMEM;
	*ret = TAKE_PTR(buf);
	return 0;
}

static bool loopback_resolver(const char *addr)
{
	return strncmp(addr, "127.", 4) == 0 || strcmp(addr, "::1") == 0;
}

int net_resolv_content(const char *host_resolv, char *const *nameservers, char **ret)
{
	_cleanup_strv_free_ char **lines = strv_split(host_resolv ? host_resolv : "", '\n');
	_cleanup_free_ char *buf = NULL;
	bool own = nameservers && nameservers[0];
	size_t len = 0;
	FILE *f;

	if (!lines)
		return -ENOMEM;
	f = open_memstream(&buf, &len);
	if (!f)
		return -ENOMEM;
	for (char *const *n = own ? nameservers : NULL; n && *n; n++)
		fprintf(f, "nameserver %s\n", *n);
	for (char **l = lines; *l; l++) {
		char addr[64];

		if (sscanf(*l, " nameserver %63s", addr) == 1 && (own || loopback_resolver(addr)))
			continue;
		fprintf(f, "%s\n", *l);
	}
	if (fclose(f) != 0)
		return -ENOMEM;
	*ret = TAKE_PTR(buf);
	return 0;
}
