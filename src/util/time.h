/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * time.h — the monotonic clock, in the milliseconds taper's timeouts and
 * deadlines are counted in. Never the wall clock: a step of it (NTP, a
 * hand set date) must not cut a wait short or stretch it.
 */
#ifndef TAPER_UTIL_TIME_H
#define TAPER_UTIL_TIME_H

#include <stdint.h>
#include <time.h>

static inline int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#endif
