/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The JSON documents of an OCI image layout (see oci-json.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "template/oci-json.h"
#include "template/template.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/parse.h"

#define MT_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define REF_NAME "org.opencontainers.image.ref.name"

/* Layer media types we can apply; libarchive detects the compression. */
static const char *const layer_types[] = {
	"application/vnd.oci.image.layer.v1.tar",
	"application/vnd.oci.image.layer.v1.tar+gzip",
	"application/vnd.oci.image.layer.v1.tar+zstd",
	"application/vnd.oci.image.layer.nondistributable.v1.tar",
	"application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
	"application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
	"application/vnd.docker.image.rootfs.diff.tar.gzip",
	"application/vnd.docker.image.rootfs.diff.tar",
};

json_t *oci_json_parse(const char *buf, size_t len, const char *what, struct taper_err *err)
{
	json_error_t jerr;
	json_t *j = json_loadb(buf, len, 0, &jerr);

	if (!j || !json_is_object(j)) {
		json_decref(j);
		err_set(err, 0, "%s: invalid JSON: %s", what, j ? "not an object" : jerr.text);
		return NULL;
	}
	return j;
}

int oci_layout_check(json_t *layout, struct taper_err *err)
{
	const char *version = json_string_value(json_object_get(layout, "imageLayoutVersion"));

	if (!version || strncmp(version, "1.", 2) != 0)
		return err_set(err, 0, "unsupported imageLayoutVersion \"%s\"", version ? version : "");
	return 0;
}

static const char *media_type(json_t *j)
{
	const char *mt = json_string_value(json_object_get(j, "mediaType"));

	return mt ? mt : "";
}

json_t *oci_pick_by_tag(json_t *index, const char *tag, struct taper_err *err)
{
	json_t *manifests = json_object_get(index, "manifests"), *m;
	size_t i, n = json_array_size(manifests);

	if (n == 0) {
		err_set(err, 0, "index.json lists no image");
		return NULL;
	}
	if (!tag) {
		if (n == 1)
			return json_array_get(manifests, 0);
		err_set(err, 0, "index.json lists %zu images: name one with --image PATH:TAG", n);
		return NULL;
	}
	json_array_foreach (manifests, i, m) {
		const char *ref =
			json_string_value(json_object_get(json_object_get(m, "annotations"), REF_NAME));

		if (ref && strcmp(ref, tag) == 0)
			return m;
	}
	err_set(err, 0, "no image tagged \"%s\" in index.json", tag);
	return NULL;
}

json_t *oci_pick_platform(json_t *index, const char *arch, struct taper_err *err)
{
	json_t *m;
	size_t i;

	json_array_foreach (json_object_get(index, "manifests"), i, m) {
		json_t *p = json_object_get(m, "platform");
		const char *os = json_string_value(json_object_get(p, "os"));
		const char *a = json_string_value(json_object_get(p, "architecture"));

		if (os && a && strcmp(os, "linux") == 0 && strcmp(a, arch) == 0)
			return m;
	}
	err_set(err, 0, "no linux/%s image in the index", arch);
	return NULL;
}

bool oci_is_index(json_t *doc, json_t *desc)
{
	const char *mt = *media_type(doc) ? media_type(doc) : media_type(desc);

	return strcmp(mt, MT_INDEX) == 0 || strcmp(mt, MT_DOCKER_LIST) == 0 ||
	       json_is_array(json_object_get(doc, "manifests"));
}

int oci_desc_digest(json_t *desc, char hex[SHA256_HEX_SIZE], struct taper_err *err)
{
	const char *digest = json_string_value(json_object_get(desc, "digest"));

	if (!digest || strncmp(digest, "sha256:", 7) != 0 || strlen(digest) != 7 + 64 ||
	    strspn(digest + 7, "0123456789abcdef") != 64)
		return err_set(err, 0, "unsupported or malformed digest \"%s\"", digest ? digest : "");
	memcpy(hex, digest + 7, SHA256_HEX_SIZE);
	return 0;
}

bool oci_layer_type_ok(const char *mt)
{
	for (size_t i = 0; i < ARRAY_SIZE(layer_types); i++)
		if (strcmp(mt, layer_types[i]) == 0)
			return true;
	return false;
}

int oci_manifest_check(json_t *manifest, struct taper_err *err)
{
	json_t *layers = json_object_get(manifest, "layers"), *desc;
	char hex[SHA256_HEX_SIZE];
	size_t i;

	if (oci_desc_digest(json_object_get(manifest, "config"), hex, err) < 0)
		return err_wrap(err, "image config");
	if (!json_is_array(layers))
		return err_set(err, 0, "manifest has no layers");
	json_array_foreach (layers, i, desc) {
		if (!oci_layer_type_ok(media_type(desc)))
			return err_set(err, 0, "layer %zu: unsupported media type \"%s\"", i + 1,
				       media_type(desc));
		if (oci_desc_digest(desc, hex, err) < 0)
			return err_wrap(err, "layer %zu", i + 1);
	}
	return 0;
}

/* A word for init.cmd: bare when safe, else double-quoted with \ escapes. */
static int append_word(char **line, const char *w)
{
	size_t len = *line ? strlen(*line) : 0, n = strlen(w);
	bool bare = n > 0 && strspn(w, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
				       "_-./:=,+@%") == n;
	char *nl = realloc(*line, len + 2 * n + 4);
	char *p;

	if (!nl)
		return -ENOMEM;
	*line = nl;
	p = nl + len;
	if (len)
		*p++ = ' ';
	if (!bare)
		*p++ = '"';
	for (const char *s = w; *s; s++) {
		if (!bare && (*s == '"' || *s == '\\' || *s == '$' || *s == '`'))
			*p++ = '\\';
		*p++ = *s;
	}
	if (!bare)
		*p++ = '"';
	*p = '\0';
	return 0;
}

/* A number as is, else a name through the rootfs's file. */
static int resolve_id(oci_lookup_fn lookup, void *userdata, const char *file, const char *name, uint32_t *ret,
		      struct taper_err *err)
{
	if (parse_u32(name, ret) == 0)
		return 0;
	return lookup(userdata, file, name, ret, err);
}

int oci_config_lines(json_t *image_config, oci_lookup_fn lookup, void *userdata, char ***config,
		     struct taper_err *err)
{
	json_t *c = json_object_get(image_config, "config"), *v;
	_cleanup_free_ char *cmd = NULL;
	const char *s;
	size_t i;

	json_array_foreach (json_object_get(c, "Entrypoint"), i, v)
		if (json_is_string(v) && append_word(&cmd, json_string_value(v)) < 0)
			return err_set(err, ENOMEM, "config");
	json_array_foreach (json_object_get(c, "Cmd"), i, v)
		if (json_is_string(v) && append_word(&cmd, json_string_value(v)) < 0)
			return err_set(err, ENOMEM, "config");
	if (cmd && template_config_add(config, "init.cmd", cmd) < 0)
		return err_set(err, ENOMEM, "config");
	json_array_foreach (json_object_get(c, "Env"), i, v)
		if (json_is_string(v) && strchr(json_string_value(v), '=') &&
		    template_config_add(config, "environment", json_string_value(v)) < 0)
			return err_set(err, ENOMEM, "config");
	s = json_string_value(json_object_get(c, "WorkingDir"));
	if (s && *s && template_config_add(config, "init.cwd", s) < 0)
		return err_set(err, ENOMEM, "config");
	s = json_string_value(json_object_get(c, "User"));
	if (s && *s) {
		_cleanup_free_ char *user = strdup(s);
		char *group = user ? strchr(user, ':') : NULL, num[16];
		uint32_t id;
		int r;

		if (!user)
			return err_set(err, ENOMEM, "config");
		if (group)
			*group++ = '\0';
		r = resolve_id(lookup, userdata, "etc/passwd", user, &id, err);
		if (r < 0)
			return err_wrap(err, "image user \"%s\"", user);
		snprintf(num, sizeof(num), "%u", id);
		if (template_config_add(config, "init.uid", num) < 0)
			return err_set(err, ENOMEM, "config");
		if (group) {
			r = resolve_id(lookup, userdata, "etc/group", group, &id, err);
			if (r < 0)
				return err_wrap(err, "image group \"%s\"", group);
			snprintf(num, sizeof(num), "%u", id);
			if (template_config_add(config, "init.gid", num) < 0)
				return err_set(err, ENOMEM, "config");
		}
	}
	return 0;
}
