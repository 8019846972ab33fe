/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/kv.h"

/* How much of a key a message quotes: enough to find the line. */
#define KEY_QUOTE_MAX 64

void kv_reader_init(struct kv_reader *r, const char *text, const char *origin, size_t max_line)
{
	*r = (struct kv_reader){
		.origin = origin ? origin : "text",
		.next = text ? text : "",
		.max_line = max_line ? max_line : KV_LINE_MAX,
	};
}

void kv_reader_done(struct kv_reader *r)
{
	free(r->buf);
	r->buf = NULL;
	r->cap = 0;
}

/* A CR is one too: "v\r\t" must read as "v", as "v\r\n" does, or a value
 * written back would read otherwise the second time. */
static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* [s, e) without the blanks around it. */
static void trim(const char **s, const char **e)
{
	while (*s < *e && is_blank(**s))
		(*s)++;
	while (*e > *s && is_blank((*e)[-1]))
		(*e)--;
}

int kv_next(struct kv_reader *r, struct taper_err *err)
{
	const char *p = r->next, *nl, *end, *eq, *ks, *ke, *vs, *ve;
	size_t klen, vlen;

	r->raw = NULL;
	r->raw_len = 0;
	r->key = r->value = NULL;
	if (!*p)
		return 0;
	r->lineno++;
	nl = strchr(p, '\n');
	end = nl ? nl : p + strlen(p);
	r->next = nl ? nl + 1 : end;
	while (end > p && end[-1] == '\r')
		end--;
	r->raw = p;
	r->raw_len = (size_t)(end - p);

	ks = p;
	while (ks < end && is_blank(*ks))
		ks++;
	eq = memchr(ks, '=', (size_t)(end - ks));
	if (r->raw_len > r->max_line) {
		ke = eq && *ks != '#' ? eq : ks;
		trim(&ks, &ke);
		if (ke > ks)
			return err_set(err, 0, "%s:%u: %.*s: line longer than %zu bytes", r->origin,
				       r->lineno,
				       (int)((size_t)(ke - ks) < KEY_QUOTE_MAX ? ke - ks : KEY_QUOTE_MAX), ks,
				       r->max_line);
		return err_set(err, 0, "%s:%u: line longer than %zu bytes", r->origin, r->lineno,
			       r->max_line);
	}
	if (ks == end || *ks == '#')
		return 1;
	if (!eq)
		return err_set(err, 0, "%s:%u: expected \"key = value\"", r->origin, r->lineno);
	ke = eq;
	vs = eq + 1;
	ve = end;
	trim(&ks, &ke);
	trim(&vs, &ve);
	if (ke == ks)
		return err_set(err, 0, "%s:%u: missing key before '='", r->origin, r->lineno);
	klen = (size_t)(ke - ks);
	vlen = (size_t)(ve - vs);
	if (klen + vlen + 2 > r->cap) {
		char *b = realloc(r->buf, klen + vlen + 2);

		if (!b)
			return err_set(err, ENOMEM, "%s:%u", r->origin, r->lineno);
		r->buf = b;
		r->cap = klen + vlen + 2;
	}
	memcpy(r->buf, ks, klen);
	r->buf[klen] = '\0';
	memcpy(r->buf + klen + 1, vs, vlen);
	r->buf[klen + 1 + vlen] = '\0';
	r->key = r->buf;
	r->value = r->buf + klen + 1;
	return 1;
}

int kv_error(const struct kv_reader *r, struct taper_err *err, const char *fmt, ...)
{
	char what[TAPER_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (r->key)
		return err_set(err, 0, "%s:%u: %s: %s", r->origin, r->lineno, r->key, what);
	return err_set(err, 0, "%s:%u: %s", r->origin, r->lineno, what);
}
