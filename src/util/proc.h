/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * proc.h — a process told apart from a later one with the same pid: its
 * start time (field 22 of /proc/<pid>/stat, clock ticks since boot). A
 * zombie counts as gone.
 */
#ifndef TAPER_UTIL_PROC_H
#define TAPER_UTIL_PROC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Start time of pid; -ESRCH when it is gone (or a zombie). */
int proc_start_time(pid_t pid, uint64_t *ret);
/* pid alive with that start time. */
bool proc_matches(pid_t pid, uint64_t start);

#endif
