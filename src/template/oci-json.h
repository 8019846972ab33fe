/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * oci-json.h — the JSON documents of an OCI image layout, interpreted
 * from memory: oci-layout, index.json, image indexes, manifests and the
 * image config. No file is opened here: oci.c reads each document (a
 * blob only after its digest and size are checked) and hands over the
 * bytes or the parsed object.
 *
 * Errors say what is wrong with the document ("index.json lists no
 * image", "layer 2: unsupported media type \"x\""); the caller adds
 * which file.
 */
#ifndef TAPER_TEMPLATE_OCI_JSON_H
#define TAPER_TEMPLATE_OCI_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include <taper.h>

#include "util/sha256.h"

/* Parse len bytes as a JSON object; what names the document in errors. */
json_t *oci_json_parse(const char *buf, size_t len, const char *what, struct taper_err *err);

/* The oci-layout file: imageLayoutVersion 1.x. */
int oci_layout_check(json_t *layout, struct taper_err *err);

/* From index.json's manifests: the one whose ref.name annotation is tag,
 * or the only one when tag is NULL. Borrowed from index. */
json_t *oci_pick_by_tag(json_t *index, const char *tag, struct taper_err *err);
/* From an image index: the linux/<arch> manifest. Borrowed from index. */
json_t *oci_pick_platform(json_t *index, const char *arch, struct taper_err *err);
/* Is doc, reached through descriptor desc, an image index (else a
 * manifest)? Its own mediaType decides, else the descriptor's, else a
 * "manifests" array. */
bool oci_is_index(json_t *doc, json_t *desc);

/* A descriptor's digest, "sha256:<64 lowercase hex>", as hex. */
int oci_desc_digest(json_t *desc, char hex[SHA256_HEX_SIZE], struct taper_err *err);

/* A manifest taper can apply: a config descriptor, and a layers array
 * whose every entry has a layer media type taper applies and a sha256
 * digest. Checked whole, before the first layer is unpacked. */
int oci_manifest_check(json_t *manifest, struct taper_err *err);
bool oci_layer_type_ok(const char *media_type);

/* A user or group name of the image to an id, through the rootfs's
 * etc/passwd or etc/group (file is that path); err says what failed. */
typedef int (*oci_lookup_fn)(void *userdata, const char *file, const char *name, uint32_t *ret,
			     struct taper_err *err);

/* The image config's Entrypoint + Cmd, Env, WorkingDir and User as
 * config lines (init.cmd, environment, init.cwd, init.uid, init.gid),
 * appended to *config. */
int oci_config_lines(json_t *image_config, oci_lookup_fn lookup, void *userdata, char ***config,
		     struct taper_err *err);

#endif
