/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * client.c — talking to a container's monitor over its control socket.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "monitor/monitor.h"
#include "monitor/record.h"
#include "util/cleanup.h"

int monitor_connect(const char *runtime_dir, int *ret_fd)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	_cleanup_close_ int fd = -1;

	if ((size_t)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", runtime_dir, CONTAINER_SOCK_FILE) >=
	    sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	*ret_fd = TAKE_FD(fd);
	return 0;
}

int monitor_call(int fd, const struct monitor_req *req, struct monitor_resp *resp)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n;

	if (send(fd, req, sizeof(*req), MSG_NOSIGNAL) != (ssize_t)sizeof(*req))
		return errno ? -errno : -EIO;
	/* A monitor answers at once; 10 s means it is wedged. */
	n = poll(&p, 1, 10000);
	if (n == 0)
		return -ETIMEDOUT;
	if (n < 0)
		return -errno;
	n = recv(fd, resp, sizeof(*resp), 0);
	if (n < 0)
		return -errno;
	if (n != (ssize_t)sizeof(*resp))
		return -ECONNRESET;
	resp->msg[sizeof(resp->msg) - 1] = '\0';
	return resp->status;
}
