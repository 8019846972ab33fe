/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The running kernel's build configuration: /proc/config.gz (gunzipped
 * through libarchive's raw format) or /boot/config-<release>. */
#include <archive.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check/check-internal.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/lazy.h"

#define KCONFIG_MAX (8u << 20)

static int entry_cmp(const void *a, const void *b)
{
	const struct kconfig_entry *x = a, *y = b;

	return strcmp(x->name, y->name);
}

static bool is_option_name(const char *s, size_t n)
{
	if (n <= 7 || strncmp(s, "CONFIG_", 7) != 0)
		return false;
	for (size_t i = 7; i < n; i++)
		if (!(s[i] == '_' || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9')))
			return false;
	return true;
}

int kconfig_parse(char *text, struct kconfig *ret)
{
	_cleanup_free_ char *owned = text;
	_cleanup_free_ struct kconfig_entry *entries = NULL;
	size_t n = 0, cap = 0;

	for (char *line = text; line && *line;) {
		char *nl = strchr(line, '\n');
		const char *name = NULL, *value = NULL;
		char *next = NULL;

		if (nl) {
			*nl = '\0';
			next = nl + 1;
		}
		static const char unset[] = " is not set";
		size_t len = strlen(line);

		if (strncmp(line, "# CONFIG_", 9) == 0 && len > sizeof(unset) - 1 + 2 &&
		    strcmp(line + len - (sizeof(unset) - 1), unset) == 0) {
			line[len - (sizeof(unset) - 1)] = '\0';
			if (is_option_name(line + 2, strlen(line + 2))) {
				name = line + 2;
				value = "n";
			}
		} else {
			char *eq = strchr(line, '=');

			if (eq && is_option_name(line, (size_t)(eq - line))) {
				*eq = '\0';
				name = line;
				value = eq + 1;
			}
		}
		if (name) {
			if (n == cap) {
				size_t ncap = cap ? cap * 2 : 1024;
				struct kconfig_entry *e = realloc(entries, ncap * sizeof(*e));

				if (!e)
					return -ENOMEM;
				entries = e;
				cap = ncap;
			}
			entries[n++] = (struct kconfig_entry){ name, value };
		}
		line = next;
	}
	if (n)
		qsort(entries, n, sizeof(*entries), entry_cmp);
	*ret = (struct kconfig){ .text = TAKE_PTR(owned), .entries = TAKE_PTR(entries), .n = n };
	return 0;
}

const char *kconfig_get(const struct kconfig *k, const char *name)
{
	struct kconfig_entry key = { .name = name };
	const struct kconfig_entry *e;

	if (!k->n)
		return NULL;
	e = bsearch(&key, k->entries, k->n, sizeof(key), entry_cmp);
	return e ? e->value : NULL;
}

void kconfig_clear(struct kconfig *k)
{
	free(k->entries);
	free(k->text);
	*k = (struct kconfig){};
}

static void archive_freep(struct archive **a)
{
	if (*a)
		archive_read_free(*a);
}

/* Whole gzip file, decompressed. */
static int read_gzip(const char *path, char **ret, struct taper_err *err)
{
	_cleanup_(archive_freep) struct archive *a = NULL;
	_cleanup_free_ char *buf = NULL;
	struct archive_entry *entry;
	size_t len = 0, cap = 0;

	if (lazy_archive_load(err) < 0)
		return err_ret(err);
	a = archive_read_new();
	if (!a)
		return err_set(err, ENOMEM, "read %s", path);
	if (archive_read_support_filter_gzip(a) != ARCHIVE_OK ||
	    archive_read_support_format_raw(a) != ARCHIVE_OK ||
	    archive_read_open_filename(a, path, 64 * 1024) != ARCHIVE_OK ||
	    archive_read_next_header(a, &entry) != ARCHIVE_OK)
		return err_set(err, 0, "read %s: %s", path, archive_error_string(a));
	for (;;) {
		if (cap - len < 64 * 1024 + 1) {
			if (cap >= KCONFIG_MAX)
				return err_set(err, EFBIG, "read %s", path);
			cap = cap ? cap * 2 : 256 * 1024;
			char *b = realloc(buf, cap);

			if (!b)
				return err_set(err, ENOMEM, "read %s", path);
			buf = b;
		}
		la_ssize_t n = archive_read_data(a, buf + len, cap - len - 1);

		if (n < 0)
			return err_set(err, 0, "read %s: %s", path, archive_error_string(a));
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*ret = TAKE_PTR(buf);
	return 0;
}

int kconfig_load(const char *release, struct kconfig *ret, char *ret_source, size_t source_len,
		 struct taper_err *err)
{
	char boot[160];
	char *text = NULL;
	int r;

	if (access("/proc/config.gz", R_OK) == 0) {
		r = read_gzip("/proc/config.gz", &text, err);
		if (r < 0)
			return r;
		snprintf(ret_source, source_len, "/proc/config.gz");
	} else {
		snprintf(boot, sizeof(boot), "/boot/config-%s", release);
		r = read_file(boot, KCONFIG_MAX, &text);
		if (r == -ENOENT)
			return -ENOENT;
		if (r < 0)
			return err_set(err, r, "read %s", boot);
		snprintf(ret_source, source_len, "%s", boot);
	}
	r = kconfig_parse(text, ret);
	if (r < 0)
		return err_set(err, r, "parse %s", ret_source);
	return 0;
}
