/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * etcfiles.h — the text of a container's /etc/hosts and /etc/resolv.conf.
 *
 * Contract: these only build strings; the caller writes them into the
 * rootfs with root_write_file() (util/fs.h). resolv.conf is the host's with loopback resolvers
 * dropped (127.0.0.53 of systemd-resolved, 127.0.0.1 of dnsmasq and ::1
 * cannot answer from inside another network namespace), unless nameservers
 * are configured, which then replace the host's.
 */
#ifndef TAPER_NET_ETCFILES_H
#define TAPER_NET_ETCFILES_H

#include "net/netsetup.h"

/* localhost lines, then "<addr> <hostname>" for each address in st (st
 * may be NULL). */
int net_hosts_content(const char *hostname, const struct net_state *st, char **ret);
/* host_resolv: the host's resolv.conf text (NULL: none). nameservers:
 * NULL-terminated, replaces the host's nameserver lines when non-empty. */
int net_resolv_content(const char *host_resolv, char *const *nameservers, char **ret);

#endif
