/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * kv.h — the one reader of taper's "key = value" text: a container's
 * config, the monitor's state and exit records, a running container's
 * network state, the network definitions.
 *
 * The syntax, the same for all of them:
 *  - lines end at '\n'; any '\r' right before it is dropped (CRLF files);
 *  - a line that is empty, blank, or whose first non-blank is '#' is a
 *    comment (a '#' after a key is part of the value: no trailing comments);
 *  - every other line is KEY '=' VALUE, split at the first '='; blanks
 *    (space, tab, CR) around the key and around the value are not part of
 *    them;
 *    the value is the rest of the line, '=' and inner blanks included;
 *  - no quoting and no escapes: no format needs them, and the files on
 *    disk stay as they always were;
 *  - a line is at most max_line bytes (its '\n' not counted; 0 means
 *    KV_LINE_MAX). A longer line is an error, never cut short;
 *  - the text ends at its first NUL (readers of files refuse one before).
 * What the keys and values mean is the caller's: it gets each line in
 * turn and judges it.
 *
 * Errors return -EINVAL and set err to one line that names the origin (a
 * path, or what the text is), the line number and, once known, the key:
 *   /var/lib/taper/web1/config:3: expected "key = value"
 *   /run/taper/0a1b/web1/net:2: if.0.name: line longer than 4096 bytes
 * kv_error() builds the callers' own messages in the same shape.
 */
#ifndef TAPER_UTIL_KV_H
#define TAPER_UTIL_KV_H

#include <stddef.h>

#include <taper.h>

#define KV_LINE_MAX 4096

struct kv_reader {
	const char *origin;
	const char *next; /* the rest of the text */
	size_t max_line;
	unsigned lineno; /* of the line last returned, from 1 */
	/* The line last returned, without its line end: raw as it is in the
	 * text, key and value split out of it (both NULL for a comment).
	 * They live until the next kv_next() or kv_reader_done(). */
	const char *raw;
	size_t raw_len;
	char *key, *value;
	char *buf;
	size_t cap;
};

/* Nothing is copied: text and origin must outlive the reader. */
void kv_reader_init(struct kv_reader *r, const char *text, const char *origin, size_t max_line);
void kv_reader_done(struct kv_reader *r);

/* The next line, comments included: 1 and r->raw, r->key, r->value; 0 at
 * the end of the text; -EINVAL (a malformed or overlong line, err says
 * which) or -ENOMEM. */
int kv_next(struct kv_reader *r, struct taper_err *err);

/* -EINVAL and err = "ORIGIN:LINE: KEY: " and the message (no key part on a
 * comment line), for what the caller finds wrong with the line last
 * returned. */
int kv_error(const struct kv_reader *r, struct taper_err *err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
