/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cli_format.c — what the listing verbs share: --format parsing, the one
 * JSON and YAML writer of a jansson document, and sizes for tables.
 *
 * YAML is written in block style from the same document as the JSON, so
 * the two never disagree. Every scalar is written as jansson encodes it:
 * a JSON string is a YAML double-quoted scalar, and numbers, true, false
 * and null read the same in both (YAML 1.2 is a superset of JSON).
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "util/cleanup.h"

static const char *const format_names[] = {
	[CLI_FORMAT_TABLE] = "table",
	[CLI_FORMAT_JSON] = "json",
	[CLI_FORMAT_YAML] = "yaml",
};

int cli_format_parse(const char *verb, const char *arg, const char *table_name, enum cli_format *ret)
{
	for (size_t i = 0; i < ARRAY_SIZE(format_names); i++)
		if (strcmp(arg, i == CLI_FORMAT_TABLE ? table_name : format_names[i]) == 0) {
			*ret = (enum cli_format)i;
			return 0;
		}
	return cli_failf(2, verb, "unknown format \"%s\" (%s, json, yaml)", arg, table_name);
}

static void yaml_scalar(FILE *f, const json_t *v)
{
	char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_REAL_PRECISION(6));

	fprintf(f, "%s\n", s ? s : "null");
	free(s);
}

/* A key as it is when plain, else double-quoted. */
static void yaml_key(FILE *f, const char *k)
{
	bool plain = *k && strspn(k, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") ==
				   strlen(k);
	json_t *s;
	char *q;

	if (plain) {
		fputs(k, f);
		return;
	}
	s = json_string(k);
	q = s ? json_dumps(s, JSON_ENCODE_ANY) : NULL;
	fputs(q ? q : "\"\"", f);
	free(q);
	json_decref(s);
}

static bool is_empty_collection(const json_t *v)
{
	return (json_is_array(v) && json_array_size(v) == 0) ||
	       (json_is_object(v) && !json_object_iter((json_t *)v));
}

static void yaml_items(FILE *f, const json_t *v, int indent, bool first_inline);

/* The value after "key:" or "-": inline when a scalar or empty, else on
 * the lines below, indented. */
static void yaml_value(FILE *f, const json_t *v, int indent)
{
	if (is_empty_collection(v)) {
		fprintf(f, " %s\n", json_is_array(v) ? "[]" : "{}");
	} else if (json_is_array(v) || json_is_object(v)) {
		fputc('\n', f);
		yaml_items(f, v, indent, false);
	} else {
		fputc(' ', f);
		yaml_scalar(f, v);
	}
}

/* The entries of an array or object at indent; the first one continues
 * the current line when first_inline (an object as an array item). */
static void yaml_items(FILE *f, const json_t *v, int indent, bool first_inline)
{
	bool pad = !first_inline;
	const char *k;
	json_t *item;
	size_t i;

	if (json_is_object(v)) {
		json_object_foreach ((json_t *)v, k, item) {
			fprintf(f, "%*s", pad ? indent : 0, "");
			pad = true;
			yaml_key(f, k);
			fputc(':', f);
			yaml_value(f, item, indent + 2);
		}
		return;
	}
	json_array_foreach (v, i, item) {
		fprintf(f, "%*s-", pad ? indent : 0, "");
		pad = true;
		if (json_is_object(item) && !is_empty_collection(item)) {
			fputc(' ', f);
			yaml_items(f, item, indent + 2, true);
		} else {
			yaml_value(f, item, indent + 2);
		}
	}
}

int cli_print_doc(const char *verb, struct json_t *doc, enum cli_format fmt)
{
	if (!doc)
		return cli_failf(1, verb, "out of memory");
	if (fmt == CLI_FORMAT_YAML) {
		if (is_empty_collection(doc))
			printf("%s\n", json_is_array(doc) ? "[]" : "{}");
		else if (json_is_array(doc) || json_is_object(doc))
			yaml_items(stdout, doc, 0, false);
		else
			yaml_scalar(stdout, doc);
		return 0;
	}
	if (json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6)) < 0)
		return cli_failf(1, verb, "cannot write JSON");
	putchar('\n');
	return 0;
}

/* Powers of 1024 with IEC names; exact below 1 KiB ("1B", "1023B"), and
 * exact at a whole unit ("256MiB"), else one decimal ("1.5GiB"). */
void cli_human_bytes(char *buf, size_t n, uint64_t v)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	double d = (double)v;
	int u = -1;

	if (v < 1024) {
		snprintf(buf, n, "%" PRIu64 "B", v);
		return;
	}
	while (d >= 1024.0 && u < 5) {
		d /= 1024.0;
		u++;
	}
	if (d == (double)(uint64_t)d)
		snprintf(buf, n, "%.0f%s", d, units[u]);
	else
		snprintf(buf, n, "%.1f%s", d, units[u]);
}
