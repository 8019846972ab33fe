/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * nl.h — a small rtnetlink client over libmnl: the encoding layer of net/.
 *
 * Contract: nl_open() returns a NETLINK_ROUTE socket bound to the network
 * namespace of the calling thread, or — given a netns fd — to that one. A
 * netlink socket stays in the namespace it was created in, so the socket is
 * opened after a temporary setns(2) on the calling thread, which then setns
 * back to its own namespace before nl_open() returns; no fork, and nothing
 * else of the thread changes. (Call it from a single-threaded process or
 * accept that only this thread moves, briefly.)
 *
 * nl_msg() starts a request in the socket's own buffer (one request at a
 * time); nl_request() sends it with NLM_F_ACK and decodes the answer into
 * -errno, with the kernel's extended ACK text when it sent one:
 * "netlink: veth: peer name exists: File exists". nl_dump() runs a
 * NLM_F_DUMP request through a libmnl callback. nl_open_bus() is the same
 * for another netlink bus (NETLINK_NETFILTER for nftrules.c).
 */
#ifndef TAPER_NET_NL_H
#define TAPER_NET_NL_H

#include <libmnl/libmnl.h>
#include <stdint.h>

#include "util/err.h"

struct nl;

int nl_open(int netns_fd, struct nl **ret, struct taper_err *err);
int nl_open_bus(int bus, int netns_fd, struct nl **ret, struct taper_err *err);
void nl_close(struct nl *nl);
static inline void nl_closep(struct nl **nl)
{
	if (*nl)
		nl_close(*nl);
}
#define _cleanup_nl_ __attribute__((cleanup(nl_closep)))

/* A new message of type with NLM_F_REQUEST|flags in the socket's buffer. */
struct nlmsghdr *nl_msg(struct nl *nl, uint16_t type, uint16_t flags);

/* Send with NLM_F_ACK, wait for the ACK. 0 or -errno; err gets
 * "netlink: <extack>: <strerror>" (or "netlink: <strerror>"). */
int nl_request(struct nl *nl, struct nlmsghdr *nlh, struct taper_err *err);
/* nl_request() that also feeds the answers before the ACK to cb (a GET of
 * one object). cb must not use nl: answers live in the same buffer. */
int nl_call(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data, struct taper_err *err);

/* Send a dump request, feed every answer to cb until NLMSG_DONE. cb
 * returns MNL_CB_OK to go on, MNL_CB_STOP to stop early (the rest of the
 * dump is drained), MNL_CB_ERROR with errno set to fail. -EINTR when the
 * kernel says the dump was interrupted by a change (NLM_F_DUMP_INTR):
 * what cb saw may be incomplete; start over. */
int nl_dump(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data, struct taper_err *err);
/* How often a caller starts an interrupted dump over before it fails. */
#define NL_DUMP_TRIES 16

#endif
