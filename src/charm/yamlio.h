/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * yamlio.h — YAML in and out through libyaml, as jansson trees.
 *
 * Reading: one document becomes a json_t whose mappings are objects and
 * whose scalars are all strings (their text as written; a type is decided
 * by whoever knows what the field means), an empty document an empty
 * object. Errors name the file and the line libyaml stopped at.
 * Writing: a json_t as block-style YAML, strings quoted where a plain
 * scalar would read back as something else ("1", "true", "").
 */
#ifndef TAPER_CHARM_YAMLIO_H
#define TAPER_CHARM_YAMLIO_H

#include <stdio.h>

#include <jansson.h>
#include <taper.h>

/* name is the file's name for messages. -EINVAL: "NAME:LINE: problem". */
int yaml_parse_text(const char *text, size_t len, const char *name, json_t **ret, struct taper_err *err);
/* -ENOENT when path is missing (err says so). */
int yaml_parse_file(const char *path, const char *name, json_t **ret, struct taper_err *err);
int yaml_emit(const json_t *root, FILE *out, struct taper_err *err);

#endif
