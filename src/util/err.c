/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/err.h"

TAPER_EXPORT const char *taper_version(void)
{
	return TAPER_VERSION;
}

TAPER_EXPORT void taper_err_clear(struct taper_err *err)
{
	if (!err)
		return;
	err->code = 0;
	err->msg[0] = '\0';
}

/* ": strerror" without strerror(), which allocates for an unknown number:
 * a child sharing its parent's memory reports errors through here. */
static void append_strerror(char *buf, size_t n, int errnum)
{
	const char *desc = strerrordesc_np(errnum);

	if (desc)
		snprintf(buf, n, ": %s", desc);
	else
		snprintf(buf, n, ": Unknown error %d", errnum);
}

int err_set(struct taper_err *err, int errnum, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (errnum < 0)
		errnum = -errnum;
	if (!err)
		return errnum ? -errnum : -EINVAL;

	va_start(ap, fmt);
	n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		err->msg[0] = '\0';
	else if (errnum && (size_t)n < sizeof(err->msg))
		append_strerror(err->msg + n, sizeof(err->msg) - (size_t)n, errnum);
	err->code = errnum ? errnum : EINVAL;
	return -err->code;
}

int err_plain(struct taper_err *err, int errnum, const char *fmt, ...)
{
	va_list ap;

	if (errnum < 0)
		errnum = -errnum;
	if (!errnum)
		errnum = EINVAL;
	if (!err)
		return -errnum;
	va_start(ap, fmt);
	if (vsnprintf(err->msg, sizeof(err->msg), fmt, ap) < 0)
		err->msg[0] = '\0';
	va_end(ap);
	err->code = errnum;
	return -errnum;
}

int err_wrap(struct taper_err *err, const char *fmt, ...)
{
	char prefix[TAPER_ERR_MSG_MAX];
	char old[TAPER_ERR_MSG_MAX];
	va_list ap;

	if (!err)
		return -EINVAL;
	if (err->code <= 0)
		err->code = EINVAL;

	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);

	/* prefix + ": " + old, truncated to the buffer. */
	memcpy(old, err->msg, sizeof(old));
	old[sizeof(old) - 1] = '\0';
	size_t len = strnlen(prefix, sizeof(err->msg) - 1);
	memcpy(err->msg, prefix, len);
	if (old[0]) {
		const char *parts[] = { ": ", old };

		for (size_t i = 0; i < 2; i++) {
			size_t n = strlen(parts[i]);

			if (n > sizeof(err->msg) - 1 - len)
				n = sizeof(err->msg) - 1 - len;
			memcpy(err->msg + len, parts[i], n);
			len += n;
		}
	}
	err->msg[len] = '\0';
	return -err->code;
}
