/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * strv.h — NULL-terminated string vectors (argv, envp, option lists).
 * Freed with strv_free() / _cleanup_strv_free_ from cleanup.h.
 */
#ifndef TAPER_UTIL_STRV_H
#define TAPER_UTIL_STRV_H

#include <stdbool.h>
#include <stddef.h>

size_t strv_length(char *const *v);
/* Appends s, taking ownership (freed on failure). -ENOMEM. */
int strv_push(char ***v, char *s);
/* Appends a copy of s. */
int strv_extend(char ***v, const char *s);
/* Appends the formatted string ("%s=%s"). -ENOMEM, *v unchanged. */
__attribute__((format(printf, 2, 3))) int strv_pushf(char ***v, const char *fmt, ...);
char **strv_copy(char *const *v);
bool strv_contains(char *const *v, const char *s);
/* Splits s at every sep (no empty fields kept). NULL on ENOMEM. */
char **strv_split(const char *s, char sep);
/* For environment vectors: sets KEY=VALUE (entry "K=V"), replacing K. */
int strv_env_set(char ***v, const char *entry);

/* word is one of the sep-separated items of list (NULL: none), an item
 * ending in '\n' counted without it: "cpu,cpuacct" (','), the
 * "cpu io memory\n" of cgroup.controllers (' '). False for an empty word. */
bool list_has_word(const char *list, const char *word, char sep);

#endif
