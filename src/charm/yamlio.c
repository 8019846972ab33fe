/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "charm/lazy.h"
#include "charm/yamlio.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"

#define YAML_MAX (1024 * 1024)

static json_t *node_to_json(yaml_document_t *doc, yaml_node_t *n, int depth)
{
	json_t *j;

	if (!n || depth > 64)
		return NULL;
	switch (n->type) {
	case YAML_SCALAR_NODE:
		return json_stringn((const char *)n->data.scalar.value, n->data.scalar.length);
	case YAML_SEQUENCE_NODE:
		if (!(j = json_array()))
			return NULL;
		for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top;
		     i++) {
			json_t *v = node_to_json(doc, yaml_document_get_node(doc, *i), depth + 1);

			if (!v || json_array_append_new(j, v) < 0) {
				json_decref(j);
				return NULL;
			}
		}
		return j;
	case YAML_MAPPING_NODE:
		if (!(j = json_object()))
			return NULL;
		for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
			yaml_node_t *k = yaml_document_get_node(doc, p->key);
			json_t *v;

			if (!k || k->type != YAML_SCALAR_NODE)
				goto bad;
			v = node_to_json(doc, yaml_document_get_node(doc, p->value), depth + 1);
			if (!v || json_object_set_new(j, (const char *)k->data.scalar.value, v) < 0)
				goto bad;
		}
		return j;
	default:
		return NULL;
	}
bad:
	json_decref(j);
	return NULL;
}

int yaml_parse_text(const char *text, size_t len, const char *name, json_t **ret, struct taper_err *err)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root;
	json_t *j;
	int r;

	if ((r = lazy_yaml_load(err)) < 0)
		return r;
	if (!yaml_parser_initialize(&parser))
		return err_set(err, ENOMEM, "%s", name);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		r = err_set(err, 0, "%s:%zu: %s", name, parser.problem_mark.line + 1,
			    parser.problem ? parser.problem : "not YAML");
		yaml_parser_delete(&parser);
		return r;
	}
	root = yaml_document_get_root_node(&doc);
	j = root ? node_to_json(&doc, root, 0) : json_object();
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	if (!j)
		return err_set(err, 0, "%s: keys must be plain words, nesting at most 64 deep", name);
	*ret = j;
	return 0;
}

int yaml_parse_file(const char *path, const char *name, json_t **ret, struct taper_err *err)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	int r;

	if ((r = read_file_at(AT_FDCWD, path, YAML_MAX, &text, &len)) < 0)
		return err_set(err, r, "%s", name);
	return yaml_parse_text(text, len, name, ret, err);
}

/* Would a plain scalar of this text read back as something else? */
static bool needs_quotes(const char *s)
{
	static const char *const special[] = { "true", "false", "yes", "no", "on", "off", "null", "~",
					       "True", "False", "Yes", "No", "On", "Off", "Null", "NULL",
					       "TRUE", "FALSE", "YES", "NO", "ON", "OFF", "y",    "n" };
	char *end;

	if (!*s)
		return true;
	for (size_t i = 0; i < sizeof(special) / sizeof(special[0]); i++)
		if (strcmp(s, special[i]) == 0)
			return true;
	errno = 0;
	(void)strtod(s, &end);
	return *end == '\0';
}

static int emit_scalar(yaml_emitter_t *e, const char *s, bool quote)
{
	yaml_event_t ev;

	if (!yaml_scalar_event_initialize(&ev, NULL, NULL, (const yaml_char_t *)s, (int)strlen(s), 1, 1,
					  quote ? YAML_DOUBLE_QUOTED_SCALAR_STYLE : YAML_ANY_SCALAR_STYLE))
		return -ENOMEM;
	return yaml_emitter_emit(e, &ev) ? 0 : -EIO;
}

static int emit_node(yaml_emitter_t *e, const json_t *j)
{
	yaml_event_t ev;
	char buf[64];
	int r;

	switch (json_typeof(j)) {
	case JSON_OBJECT: {
		const char *k;
		json_t *v;

		if (!yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE) ||
		    !yaml_emitter_emit(e, &ev))
			return -EIO;
		json_object_foreach ((json_t *)j, k, v) {
			if ((r = emit_scalar(e, k, needs_quotes(k))) < 0 || (r = emit_node(e, v)) < 0)
				return r;
		}
		if (!yaml_mapping_end_event_initialize(&ev) || !yaml_emitter_emit(e, &ev))
			return -EIO;
		return 0;
	}
	case JSON_ARRAY: {
		size_t i;
		json_t *v;

		if (!yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_SEQUENCE_STYLE) ||
		    !yaml_emitter_emit(e, &ev))
			return -EIO;
		json_array_foreach (j, i, v) {
			if ((r = emit_node(e, v)) < 0)
				return r;
		}
		if (!yaml_sequence_end_event_initialize(&ev) || !yaml_emitter_emit(e, &ev))
			return -EIO;
		return 0;
	}
	case JSON_STRING:
		return emit_scalar(e, json_string_value(j), needs_quotes(json_string_value(j)));
	case JSON_INTEGER:
		snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT, json_integer_value(j));
		return emit_scalar(e, buf, false);
	case JSON_REAL:
		snprintf(buf, sizeof(buf), "%g", json_real_value(j));
		return emit_scalar(e, buf, false);
	case JSON_TRUE:
		return emit_scalar(e, "true", false);
	case JSON_FALSE:
		return emit_scalar(e, "false", false);
	default:
		return emit_scalar(e, "null", false);
	}
}

static int write_out(void *data, unsigned char *buffer, size_t size)
{
	return fwrite(buffer, 1, size, data) == size;
}

int yaml_emit(const json_t *root, FILE *out, struct taper_err *err)
{
	yaml_emitter_t e;
	yaml_event_t ev;
	int r;

	if ((r = lazy_yaml_load(err)) < 0)
		return r;
	if (!yaml_emitter_initialize(&e))
		return err_set(err, ENOMEM, "yaml");
	yaml_emitter_set_output(&e, write_out, out);
	yaml_emitter_set_unicode(&e, 1);
	yaml_emitter_set_indent(&e, 2);
	r = 0;
	if (!yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING) || !yaml_emitter_emit(&e, &ev) ||
	    !yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1) || !yaml_emitter_emit(&e, &ev) ||
	    emit_node(&e, root) < 0 || !yaml_document_end_event_initialize(&ev, 1) ||
	    !yaml_emitter_emit(&e, &ev) || !yaml_stream_end_event_initialize(&ev) ||
	    !yaml_emitter_emit(&e, &ev))
		r = err_set(err, EIO, "yaml: %s", e.problem ? e.problem : "emit");
	yaml_emitter_delete(&e);
	return r;
}
