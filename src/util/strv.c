/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"
#include "util/strv.h"

size_t strv_length(char *const *v)
{
	size_t n = 0;

	while (v && v[n])
		n++;
	return n;
}

int strv_push(char ***v, char *s)
{
	size_t n = strv_length(*v);
	char **nv;

	if (!s)
		return -ENOMEM;
	nv = realloc(*v, (n + 2) * sizeof(char *));
	if (!nv) {
		free(s);
		return -ENOMEM;
	}
	nv[n] = s;
	nv[n + 1] = NULL;
	*v = nv;
	return 0;
}

int strv_extend(char ***v, const char *s)
{
	return strv_push(v, strdup(s));
}

int strv_pushf(char ***v, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	return r < 0 ? -ENOMEM : strv_push(v, s);
}

char **strv_copy(char *const *v)
{
	size_t n = strv_length(v);
	char **c = calloc(n + 1, sizeof(char *));

	if (!c)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		c[i] = strdup(v[i]);
		if (!c[i]) {
			strv_free(c);
			return NULL;
		}
	}
	return c;
}

bool strv_contains(char *const *v, const char *s)
{
	for (size_t i = 0; v && v[i]; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

char **strv_split(const char *s, char sep)
{
	_cleanup_strv_free_ char **v = calloc(1, sizeof(char *));
	const char *p = s;

	if (!v)
		return NULL;
	while (*p) {
		const char *e = strchr(p, sep);
		size_t len = e ? (size_t)(e - p) : strlen(p);

		if (len > 0 && strv_push(&v, strndup(p, len)) < 0)
			return NULL;
		p += len;
		if (*p)
			p++;
	}
	return TAKE_PTR(v);
}

int strv_env_set(char ***v, const char *entry)
{
	const char *eq = strchr(entry, '=');
	size_t klen;
	char *copy;

	if (!eq || eq == entry)
		return -EINVAL;
	klen = (size_t)(eq - entry) + 1;
	copy = strdup(entry);
	if (!copy)
		return -ENOMEM;
	for (size_t i = 0; *v && (*v)[i]; i++) {
		if (strncmp((*v)[i], entry, klen) == 0) {
			free((*v)[i]);
			(*v)[i] = copy;
			return 0;
		}
	}
	return strv_push(v, copy);
}

bool list_has_word(const char *list, const char *word, char sep)
{
	size_t wl = strlen(word);

	if (!list || !wl)
		return false;
	for (const char *p = list; *p;) {
		const char *end = strchr(p, sep);
		size_t n = end ? (size_t)(end - p) : strlen(p);

		/* A v2 list may end in '\n'. */
		if (n && p[n - 1] == '\n')
			n--;
		if (n == wl && memcmp(p, word, wl) == 0)
			return true;
		if (!end)
			break;
		p = end + 1;
	}
	return false;
}
