/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util/log.h"

static enum taper_log_level log_level = TAPER_LOG_WARN;

void log_set_level(enum taper_log_level level)
{
	log_level = level;
}

enum taper_log_level log_get_level(void)
{
	return log_level;
}

void log_write(enum taper_log_level level, const char *fmt, ...)
{
	static const char *const names[] = { "error", "warning", "info", "debug" };
	char buf[2048];
	int saved = errno;
	va_list ap;
	int n;

	if (level > log_level)
		return;
	n = snprintf(buf, sizeof(buf), "taper: %s: ", names[level]);
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	strcat(buf, "\n");
	/* One write(2) so lines from parallel processes do not interleave. */
	if (write(STDERR_FILENO, buf, strlen(buf)) < 0) {
		/* nothing sensible to do */
	}
	errno = saved;
}
