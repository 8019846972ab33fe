/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lazy-mhd.c — libmicrohttpd (and GnuTLS behind it), bound on first use
 * (see util/lazy.h): only `taper web` needs it, and every container start
 * execs taper twice.
 */
#include <stdarg.h>

#include <microhttpd.h>

#include "util/lazy.h"
#include "web/web-internal.h"

static struct lazy_lib lib = { .soname = "libmicrohttpd.so.12" };

int web_mhd_load(struct taper_err *err);
int web_mhd_load(struct taper_err *err)
{
	return lazy_open(&lib, err);
}

struct MHD_Daemon *MHD_start_daemon(unsigned int flags, uint16_t port, MHD_AcceptPolicyCallback apc,
				    void *apc_cls, MHD_AccessHandlerCallback dh, void *dh_cls, ...)
{
	static __typeof__(&MHD_start_daemon_va) fn;
	struct MHD_Daemon *d;
	va_list ap;

	if (!fn)
		fn = (__typeof__(&MHD_start_daemon_va))lazy_sym(&lib, "MHD_start_daemon_va");
	if (!fn)
		return NULL;
	va_start(ap, dh_cls);
	d = fn(flags, port, apc, apc_cls, dh, dh_cls, ap);
	va_end(ap);
	return d;
}

/* clang-format off */
LAZY_VOID(lib, MHD_stop_daemon, (struct MHD_Daemon *daemon), (daemon))
LAZY_FN(lib, enum MHD_Result, MHD_run, (struct MHD_Daemon *daemon), (daemon), MHD_NO)
LAZY_FN(lib, enum MHD_Result, MHD_get_timeout, (struct MHD_Daemon *daemon, MHD_UNSIGNED_LONG_LONG *timeout),
	(daemon, timeout), MHD_NO)
LAZY_FN(lib, const union MHD_DaemonInfo *, MHD_get_daemon_info,
	(struct MHD_Daemon *daemon, enum MHD_DaemonInfoType info_type, ...), (daemon, info_type), NULL)
LAZY_FN(lib, const union MHD_ConnectionInfo *, MHD_get_connection_info,
	(struct MHD_Connection *connection, enum MHD_ConnectionInfoType info_type, ...),
	(connection, info_type), NULL)
LAZY_FN(lib, enum MHD_Result, MHD_queue_response,
	(struct MHD_Connection *connection, unsigned int status_code, struct MHD_Response *response),
	(connection, status_code, response), MHD_NO)
LAZY_FN(lib, struct MHD_Response *, MHD_create_response_from_buffer,
	(size_t size, void *buffer, enum MHD_ResponseMemoryMode mode), (size, buffer, mode), NULL)
LAZY_FN(lib, struct MHD_Response *, MHD_create_response_from_callback,
	(uint64_t size, size_t block_size, MHD_ContentReaderCallback crc, void *crc_cls,
	 MHD_ContentReaderFreeCallback crfc), (size, block_size, crc, crc_cls, crfc), NULL)
LAZY_FN(lib, struct MHD_Response *, MHD_create_response_for_upgrade,
	(MHD_UpgradeHandler upgrade_handler, void *upgrade_handler_cls),
	(upgrade_handler, upgrade_handler_cls), NULL)
LAZY_FN(lib, enum MHD_Result, MHD_upgrade_action,
	(struct MHD_UpgradeResponseHandle *urh, enum MHD_UpgradeAction action, ...), (urh, action), MHD_NO)
LAZY_VOID(lib, MHD_destroy_response, (struct MHD_Response *response), (response))
LAZY_FN(lib, enum MHD_Result, MHD_add_response_header,
	(struct MHD_Response *response, const char *header, const char *content),
	(response, header, content), MHD_NO)
LAZY_FN(lib, const char *, MHD_lookup_connection_value,
	(struct MHD_Connection *connection, enum MHD_ValueKind kind, const char *key),
	(connection, kind, key), NULL)
LAZY_VOID(lib, MHD_suspend_connection, (struct MHD_Connection *connection), (connection))
LAZY_VOID(lib, MHD_resume_connection, (struct MHD_Connection *connection), (connection))
LAZY_FN(lib, enum MHD_Result, MHD_is_feature_supported, (enum MHD_FEATURE feature), (feature), MHD_NO)
/* clang-format on */
