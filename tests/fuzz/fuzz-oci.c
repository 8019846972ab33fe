/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The OCI image layout readers (src/template/oci-json.c). oci.c checks
 * every blob's digest before it parses it, so a fuzzer feeding a whole
 * layout would never get past the first digest: instead the input is
 * one JSON document, read as each thing the template reads: oci-layout,
 * index.json (with and without a tag), a nested index, a manifest and an
 * image config, whose User goes through a fixed passwd and group text.
 * Input that is not a JSON object is read as a passwd file instead.
 *
 * Properties: a picked descriptor is one of the document's manifests;
 * the config lines, set into a config as create does, write back as
 * lines of the five keys an image may set and no other.
 */
#include <errno.h>

#include "config/config.h"
#include "fuzz.h"
#include "template/oci-json.h"
#include "util/parse.h"
#include "util/cleanup.h"
#include "util/strv.h"

static const char passwd[] = "root:x:0:0:root:/root:/bin/sh\n"
			     "daemon:x:1:1::/:/sbin/nologin\n"
			     "www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n"
			     "app:x:1000:1000::/home/app:/bin/sh\n";
static const char group[] = "root:x:0:\nwww-data:x:33:\napp:x:1000:\n";

static int lookup(void *userdata, const char *file, const char *name, uint32_t *ret, struct taper_err *err)
{
	return parse_id_file(strcmp(file, "etc/group") == 0 ? group : passwd, name, ret, NULL);
}

static void check_pick(json_t *index, json_t *desc)
{
	char hex[SHA256_HEX_SIZE];
	json_t *m;
	size_t i;
	bool found = false;

	if (!desc)
		return;
	json_array_foreach (json_object_get(index, "manifests"), i, m)
		found |= m == desc;
	FUZZ_ASSERT(found);
	if (oci_desc_digest(desc, hex, NULL) == 0)
		FUZZ_ASSERT(strlen(hex) == 64);
}

/* What create does with the lines: set them into the new config. */
static void check_lines(char **lines)
{
	static const char *const keys[] = { "init.cmd", "environment", "init.cwd", "init.uid", "init.gid" };
	struct taper_config *c = config_new("config");
	char *text = NULL;
	size_t len;

	FUZZ_ASSERT(c);
	if (config_set_lines(c, lines, NULL) == 0) {
		struct taper_config *c2 = NULL;

		/* Written and read back, an image sets only its five keys. */
		FUZZ_ASSERT(config_format(c, &text, &len) == 0);
		FUZZ_ASSERT(config_parse(text, "config", &c2, NULL) == 0);
		for (size_t i = 0; i < c2->n_lines; i++) {
			bool known = false;

			for (size_t k = 0; c2->lines[i].key && k < sizeof(keys) / sizeof(keys[0]); k++)
				known |= strcmp(c2->lines[i].key, keys[k]) == 0;
			FUZZ_ASSERT(known);
		}
		config_free(c2);
	}
	free(text);
	config_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct taper_err err = { 0 };
	json_t *doc = oci_json_parse((const char *)data, size, "document", &err);
	char **lines = NULL;

	if (!doc) {
		char *text = fuzz_text(data, size);
		uint32_t id;

		(void)parse_id_file(text, "root", &id, NULL);
		(void)parse_id_file(text, "app", &id, NULL);
		(void)parse_id_file(text, "", &id, NULL);
		free(text);
		return 0;
	}
	(void)oci_layout_check(doc, &err);
	check_pick(doc, oci_pick_by_tag(doc, NULL, &err));
	check_pick(doc, oci_pick_by_tag(doc, "latest", &err));
	check_pick(doc, oci_pick_platform(doc, "amd64", &err));
	(void)oci_is_index(doc, doc);
	if (oci_manifest_check(doc, &err) < 0)
		fuzz_refused("oci_manifest_check", &err);
	if (oci_config_lines(doc, lookup, NULL, &lines, &err) == 0)
		check_lines(lines);
	else
		fuzz_refused("oci_config_lines", &err);
	strv_free(lines);
	json_decref(doc);
	return 0;
}
