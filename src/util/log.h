/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * log.h — leveled diagnostics on stderr.
 *
 * The level threshold is the single process-wide setting in taper (as
 * systemd's log_max_level): the CLI sets it from --debug; the library only
 * emits debug and warning lines through it, never the error it returns.
 */
#ifndef TAPER_UTIL_LOG_H
#define TAPER_UTIL_LOG_H

enum taper_log_level {
	TAPER_LOG_ERROR = 0,
	TAPER_LOG_WARN = 1,
	TAPER_LOG_INFO = 2,
	TAPER_LOG_DEBUG = 3,
};

void log_set_level(enum taper_log_level level);
enum taper_log_level log_get_level(void);
void log_write(enum taper_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) log_write(TAPER_LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_write(TAPER_LOG_WARN, __VA_ARGS__)
#define log_info(...) log_write(TAPER_LOG_INFO, __VA_ARGS__)
#define log_debug(...)                                           \
	do {                                                     \
		if (log_get_level() >= TAPER_LOG_DEBUG)          \
			log_write(TAPER_LOG_DEBUG, __VA_ARGS__); \
	} while (0)

#endif
