/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * proto.h — the monitor's control socket: AF_UNIX SOCK_SEQPACKET
 * "monitor.sock" in the runtime directory (0600, root only). One struct
 * monitor_req per request, one struct monitor_resp back. After
 * MONITOR_OP_CONSOLE is answered the connection becomes a console stream:
 * each packet from the monitor is output (the ring buffer first), each
 * packet to it is input. The supervisor (supervise.c) answers it, the
 * clients (client.c) ask.
 */
#ifndef TAPER_MONITOR_PROTO_H
#define TAPER_MONITOR_PROTO_H

#include <stdint.h>

enum monitor_op {
	MONITOR_OP_PING = 1,    /* resp.status 0, resp.msg = state name */
	MONITOR_OP_STOP = 2,    /* timeout seconds (< 0: stop.timeout), kill */
	MONITOR_OP_CONSOLE = 3, /* then a stream */
};

struct monitor_req {
	uint32_t op;
	int32_t timeout;
	uint32_t kill;
};

struct monitor_resp {
	int32_t status; /* 0 or -errno */
	char msg[256];
};

#define MONITOR_IO_MAX 4096

#endif
