/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lazy-mnl.c — libmnl, bound on first use (see lazy.h): only the network
 * code talks netlink, never the container start path, which would
 * otherwise load the library twice per container (once per exec).
 * A failed load surfaces as mnl_socket_open() returning NULL (errno
 * ELIBACC) before any other call matters.
 */
#include <errno.h>
#include <libmnl/libmnl.h>

#include "util/lazy.h"

static struct lazy_lib lib = { .soname = "libmnl.so.0" };

struct mnl_socket *mnl_socket_open(int bus)
{
	static __typeof__(&mnl_socket_open) fn;

	if (!fn)
		fn = (__typeof__(&mnl_socket_open))lazy_sym(&lib, "mnl_socket_open");
	if (!fn) {
		errno = ELIBACC;
		return NULL;
	}
	return fn(bus);
}

struct mnl_socket *mnl_socket_open2(int bus, int flags)
{
	static __typeof__(&mnl_socket_open2) fn;

	if (!fn)
		fn = (__typeof__(&mnl_socket_open2))lazy_sym(&lib, "mnl_socket_open2");
	if (!fn) {
		errno = ELIBACC;
		return NULL;
	}
	return fn(bus, flags);
}

/* The formatter reads the parameter lists below as expressions and
 * would write `struct foo * p`: one wrapper per line, by hand. */
/* clang-format off */
LAZY_FN(lib, int, mnl_socket_bind, (struct mnl_socket *nl, unsigned int groups, pid_t pid),
	(nl, groups, pid), -1)
LAZY_FN(lib, int, mnl_socket_close, (struct mnl_socket *nl), (nl), -1)
LAZY_FN(lib, unsigned int, mnl_socket_get_portid, (const struct mnl_socket *nl), (nl), 0)
LAZY_FN(lib, ssize_t, mnl_socket_sendto, (const struct mnl_socket *nl, const void *req, size_t siz),
	(nl, req, siz), -1)
LAZY_FN(lib, ssize_t, mnl_socket_recvfrom, (const struct mnl_socket *nl, void *buf, size_t siz),
	(nl, buf, siz), -1)
LAZY_FN(lib, int, mnl_socket_setsockopt,
	(const struct mnl_socket *nl, int type, void *buf, socklen_t len), (nl, type, buf, len), -1)

LAZY_FN(lib, size_t, mnl_nlmsg_get_payload_len, (const struct nlmsghdr *nlh), (nlh), 0)
LAZY_FN(lib, struct nlmsghdr *, mnl_nlmsg_put_header, (void *buf), (buf), NULL)
LAZY_FN(lib, void *, mnl_nlmsg_put_extra_header, (struct nlmsghdr *nlh, size_t size),
	(nlh, size), NULL)
LAZY_FN(lib, bool, mnl_nlmsg_ok, (const struct nlmsghdr *nlh, int len), (nlh, len), false)
LAZY_FN(lib, struct nlmsghdr *, mnl_nlmsg_next, (const struct nlmsghdr *nlh, int *len),
	(nlh, len), NULL)
LAZY_FN(lib, void *, mnl_nlmsg_get_payload, (const struct nlmsghdr *nlh), (nlh), NULL)
LAZY_FN(lib, void *, mnl_nlmsg_get_payload_offset, (const struct nlmsghdr *nlh, size_t offset),
	(nlh, offset), NULL)
LAZY_FN(lib, void *, mnl_nlmsg_get_payload_tail, (const struct nlmsghdr *nlh), (nlh), NULL)

LAZY_FN(lib, uint16_t, mnl_attr_get_type, (const struct nlattr *attr), (attr), 0)
LAZY_FN(lib, uint16_t, mnl_attr_get_payload_len, (const struct nlattr *attr), (attr), 0)
LAZY_FN(lib, void *, mnl_attr_get_payload, (const struct nlattr *attr), (attr), NULL)
LAZY_FN(lib, uint32_t, mnl_attr_get_u32, (const struct nlattr *attr), (attr), 0)
LAZY_FN(lib, const char *, mnl_attr_get_str, (const struct nlattr *attr), (attr), NULL)
LAZY_VOID(lib, mnl_attr_put, (struct nlmsghdr *nlh, uint16_t type, size_t len, const void *data),
	  (nlh, type, len, data))
LAZY_VOID(lib, mnl_attr_put_u8, (struct nlmsghdr *nlh, uint16_t type, uint8_t data), (nlh, type, data))
LAZY_VOID(lib, mnl_attr_put_u32, (struct nlmsghdr *nlh, uint16_t type, uint32_t data),
	  (nlh, type, data))
LAZY_VOID(lib, mnl_attr_put_strz, (struct nlmsghdr *nlh, uint16_t type, const char *data),
	  (nlh, type, data))
LAZY_FN(lib, struct nlattr *, mnl_attr_nest_start, (struct nlmsghdr *nlh, uint16_t type),
	(nlh, type), NULL)
LAZY_VOID(lib, mnl_attr_nest_end, (struct nlmsghdr *nlh, struct nlattr *start), (nlh, start))
LAZY_FN(lib, int, mnl_attr_validate, (const struct nlattr *attr, enum mnl_attr_data_type type),
	(attr, type), -1)
LAZY_FN(lib, bool, mnl_attr_ok, (const struct nlattr *attr, int len), (attr, len), false)
LAZY_FN(lib, struct nlattr *, mnl_attr_next, (const struct nlattr *attr), (attr), NULL)
LAZY_FN(lib, int, mnl_attr_parse,
	(const struct nlmsghdr *nlh, unsigned int offset, mnl_attr_cb_t cb, void *data),
	(nlh, offset, cb, data), MNL_CB_ERROR)
LAZY_FN(lib, int, mnl_cb_run,
	(const void *buf, size_t numbytes, unsigned int seq, unsigned int portid, mnl_cb_t cb_data,
	 void *data),
	(buf, numbytes, seq, portid, cb_data, data), MNL_CB_ERROR)
/* clang-format on */
