/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * proc.h — a process named by its pid and its start time.
 *
 * A pid alone may have been recycled; the pair (pid, start time in clock
 * ticks since boot, field 22 of /proc/<pid>/stat) names one process for
 * the life of the machine. A zombie counts as gone: nobody but its parent
 * can do anything with it.
 */
#ifndef TAPER_UTIL_PROC_H
#define TAPER_UTIL_PROC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Start time of pid; -ESRCH when it is gone (or a zombie), -EIO. */
int proc_start_time(pid_t pid, uint64_t *ret);
/* The same for a child of the caller not reaped yet, which may already be
 * a zombie: its start time is still its own. */
int proc_child_start_time(pid_t pid, uint64_t *ret);
/* pid alive with that start time. */
bool proc_matches(pid_t pid, uint64_t start);

#endif
