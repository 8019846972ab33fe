/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lazy-yaml.c — libyaml, bound on first use (see util/lazy.h): charms,
 * bundles and `taper status` read or write YAML; nothing else does.
 */
#include <yaml.h>

#include "charm/lazy.h"
#include "util/lazy.h"

static struct lazy_lib lib = { .soname = "libyaml-0.so.2" };

int lazy_yaml_load(struct taper_err *err)
{
	return lazy_open(&lib, err);
}

LAZY_FN(lib, int, yaml_parser_initialize, (yaml_parser_t * parser), (parser), 0)
LAZY_VOID(lib, yaml_parser_delete, (yaml_parser_t * parser), (parser))
LAZY_VOID(lib, yaml_parser_set_input_string,
	  (yaml_parser_t * parser, const unsigned char *input, size_t size), (parser, input, size))
LAZY_FN(lib, int, yaml_parser_load, (yaml_parser_t * parser, yaml_document_t *document), (parser, document),
	0)
LAZY_VOID(lib, yaml_document_delete, (yaml_document_t * document), (document))
LAZY_FN(lib, yaml_node_t *, yaml_document_get_node, (yaml_document_t * document, int index),
	(document, index), NULL)
LAZY_FN(lib, yaml_node_t *, yaml_document_get_root_node, (yaml_document_t * document), (document), NULL)
LAZY_FN(lib, int, yaml_emitter_initialize, (yaml_emitter_t * emitter), (emitter), 0)
LAZY_VOID(lib, yaml_emitter_delete, (yaml_emitter_t * emitter), (emitter))
LAZY_VOID(lib, yaml_emitter_set_output, (yaml_emitter_t * emitter, yaml_write_handler_t *handler, void *data),
	  (emitter, handler, data))
LAZY_VOID(lib, yaml_emitter_set_unicode, (yaml_emitter_t * emitter, int unicode), (emitter, unicode))
LAZY_VOID(lib, yaml_emitter_set_indent, (yaml_emitter_t * emitter, int indent), (emitter, indent))
LAZY_FN(lib, int, yaml_emitter_emit, (yaml_emitter_t * emitter, yaml_event_t *event), (emitter, event), 0)
LAZY_FN(lib, int, yaml_stream_start_event_initialize, (yaml_event_t * event, yaml_encoding_t encoding),
	(event, encoding), 0)
LAZY_FN(lib, int, yaml_stream_end_event_initialize, (yaml_event_t * event), (event), 0)
LAZY_FN(lib, int, yaml_document_start_event_initialize,
	(yaml_event_t * event, yaml_version_directive_t *version_directive,
	 yaml_tag_directive_t *tag_directives_start, yaml_tag_directive_t *tag_directives_end, int implicit),
	(event, version_directive, tag_directives_start, tag_directives_end, implicit), 0)
LAZY_FN(lib, int, yaml_document_end_event_initialize, (yaml_event_t * event, int implicit), (event, implicit),
	0)
LAZY_FN(lib, int, yaml_scalar_event_initialize,
	(yaml_event_t * event, const yaml_char_t *anchor, const yaml_char_t *tag, const yaml_char_t *value,
	 int length, int plain_implicit, int quoted_implicit, yaml_scalar_style_t style),
	(event, anchor, tag, value, length, plain_implicit, quoted_implicit, style), 0)
LAZY_FN(lib, int, yaml_sequence_start_event_initialize,
	(yaml_event_t * event, const yaml_char_t *anchor, const yaml_char_t *tag, int implicit,
	 yaml_sequence_style_t style),
	(event, anchor, tag, implicit, style), 0)
LAZY_FN(lib, int, yaml_sequence_end_event_initialize, (yaml_event_t * event), (event), 0)
LAZY_FN(lib, int, yaml_mapping_start_event_initialize,
	(yaml_event_t * event, const yaml_char_t *anchor, const yaml_char_t *tag, int implicit,
	 yaml_mapping_style_t style),
	(event, anchor, tag, implicit, style), 0)
LAZY_FN(lib, int, yaml_mapping_end_event_initialize, (yaml_event_t * event), (event), 0)
