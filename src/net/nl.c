/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "net/nl.h"
#include "util/cleanup.h"

struct nl {
	struct mnl_socket *sock;
	uint32_t portid;
	uint32_t seq;
	char buf[32768]; /* > any single rtnetlink message, dump pages included */
};

static int open_here(int bus, struct mnl_socket **ret)
{
	struct mnl_socket *s = mnl_socket_open2(bus, SOCK_CLOEXEC);
	int one = 1;

	if (!s)
		return -errno;
	/* Extended ACKs carry the kernel's reason; older kernels lack them. */
	(void)mnl_socket_setsockopt(s, NETLINK_EXT_ACK, &one, sizeof(one));
	(void)mnl_socket_setsockopt(s, NETLINK_CAP_ACK, &one, sizeof(one));
	if (mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) < 0) {
		int r = -errno;
		mnl_socket_close(s);
		return r;
	}
	*ret = s;
	return 0;
}

/* Create the socket inside netns_fd: enter it on this thread, open, return. */
static int open_in(int bus, int netns_fd, struct mnl_socket **ret, struct taper_err *err)
{
	_cleanup_close_ int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	int r;

	if (self < 0)
		return err_set(err, errno, "open /proc/thread-self/ns/net");
	if (setns(netns_fd, CLONE_NEWNET) < 0)
		return err_set(err, errno, "enter network namespace");
	r = open_here(bus, ret);
	if (setns(self, CLONE_NEWNET) < 0) {
		/* Cannot happen with the fd we hold short of a kernel bug; the
		 * caller must not go on configuring the wrong namespace. */
		if (r == 0)
			mnl_socket_close(*ret);
		return err_set(err, errno, "return to own network namespace");
	}
	if (r < 0)
		return err_set(err, r, "netlink socket");
	return 0;
}

int nl_open_bus(int bus, int netns_fd, struct nl **ret, struct taper_err *err)
{
	_cleanup_free_ struct nl *nl = calloc(1, sizeof(*nl));
	int r;

	if (!nl)
		return err_set(err, ENOMEM, "netlink socket");
	if (netns_fd >= 0) {
		r = open_in(bus, netns_fd, &nl->sock, err);
		if (r < 0)
			return r;
	} else {
		r = open_here(bus, &nl->sock);
		if (r < 0)
			return err_set(err, r, "netlink socket");
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (uint32_t)time(NULL);
	*ret = TAKE_PTR(nl);
	return 0;
}

int nl_open(int netns_fd, struct nl **ret, struct taper_err *err)
{
	return nl_open_bus(NETLINK_ROUTE, netns_fd, ret, err);
}

void nl_close(struct nl *nl)
{
	if (!nl)
		return;
	mnl_socket_close(nl->sock);
	free(nl);
}

struct nlmsghdr *nl_msg(struct nl *nl, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(nl->buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++nl->seq;
	return nlh;
}

/* The NLMSGERR_ATTR_MSG text of an error message, or NULL. */
static const char *extack_msg(const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t off = sizeof(*e);
	const struct nlattr *attr;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return NULL;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	if (off > mnl_nlmsg_get_payload_len(nlh))
		return NULL;
	mnl_attr_for_each_payload((void *)((const char *)e + off), mnl_nlmsg_get_payload_len(nlh) - off)
	{
		if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
		    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
			return mnl_attr_get_str(attr);
	}
	return NULL;
}

static int nl_error(const struct nlmsghdr *nlh, struct taper_err *err)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	const char *why;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e))
		return err_set(err, EBADMSG, "netlink: short error message");
	if (e->error == 0)
		return 0;
	why = extack_msg(nlh);
	if (why && why[0])
		return err_set(err, -e->error, "netlink: %s", why);
	return err_set(err, -e->error, "netlink");
}

/* Receive until the answer to seq is complete: the ACK (request) or
 * NLMSG_DONE (dump). Messages of other sequence numbers are skipped. A
 * dump the kernel marks NLM_F_DUMP_INTR (the set changed while it was
 * sent: entries may be missing or twice) ends in -EINTR. */
static int nl_run(struct nl *nl, uint32_t seq, mnl_cb_t cb, void *data, struct taper_err *err)
{
	bool stopped = false, intr = false;

	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl->sock, nl->buf, sizeof(nl->buf));
		struct nlmsghdr *nlh = (struct nlmsghdr *)nl->buf;
		int len = (int)n;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return err_set(err, errno, "netlink receive");
		}
		for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
			if (nlh->nlmsg_seq != seq || nlh->nlmsg_pid != nl->portid)
				continue;
			intr |= (nlh->nlmsg_flags & NLM_F_DUMP_INTR) != 0;
			if (nlh->nlmsg_type == NLMSG_ERROR)
				return nl_error(nlh, err);
			if (nlh->nlmsg_type == NLMSG_DONE)
				return intr ? err_set(err, EINTR, "netlink dump interrupted by a change") : 0;
			if (!cb || stopped || nlh->nlmsg_type < NLMSG_MIN_TYPE)
				continue;
			errno = 0;
			switch (cb(nlh, data)) {
			case MNL_CB_STOP:
				stopped = true;
				break;
			case MNL_CB_ERROR:
				return err_set(err, errno ? errno : EINVAL, "netlink dump");
			default:
				break;
			}
		}
	}
}

int nl_call(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data, struct taper_err *err)
{
	nlh->nlmsg_flags |= NLM_F_ACK;
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return err_set(err, errno, "netlink send");
	return nl_run(nl, nlh->nlmsg_seq, cb, data, err);
}

int nl_request(struct nl *nl, struct nlmsghdr *nlh, struct taper_err *err)
{
	return nl_call(nl, nlh, NULL, NULL, err);
}

int nl_dump(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data, struct taper_err *err)
{
	nlh->nlmsg_flags |= NLM_F_DUMP;
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return err_set(err, errno, "netlink send");
	return nl_run(nl, nlh->nlmsg_seq, cb, data, err);
}
