/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A system container's config file (src/config/): parse, write back,
 * parse again, then compile onto a default spec. Properties: the text
 * written back parses to the same lines, and compiling never crashes.
 */
#include "config/config.h"
#include "fuzz.h"
#include "spec/spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size), *out = NULL, *out2 = NULL;
	struct taper_config *c = NULL, *c2 = NULL;
	struct taper_err err = { 0 };
	size_t len, len2;

	if (config_parse(text, "config", &c, &err) == 0) {
		struct container_settings settings;
		struct taper_spec *spec = spec_new();

		FUZZ_ASSERT(config_format(c, &out, &len) == 0);
		FUZZ_ASSERT(config_parse(out, "config", &c2, NULL) == 0);
		FUZZ_ASSERT(config_format(c2, &out2, &len2) == 0);
		FUZZ_ASSERT(len == len2 && memcmp(out, out2, len) == 0);
		FUZZ_ASSERT(c->n_lines == c2->n_lines);
		for (size_t i = 0; i < c->n_lines; i++) {
			const struct config_line *a = &c->lines[i], *b = &c2->lines[i];

			FUZZ_ASSERT(!a->key == !b->key);
			FUZZ_ASSERT(!a->key ||
				    (strcmp(a->key, b->key) == 0 && strcmp(a->value, b->value) == 0));
		}
		FUZZ_ASSERT(spec);
		container_settings_init(&settings);
		if (config_compile(c, "/var/lib/taper/fuzz", spec, &settings, &err) < 0)
			fuzz_refused("config_compile", &err);
		spec_free(spec);
	} else {
		fuzz_refused("config_parse", &err);
	}
	free(out);
	free(out2);
	config_free(c);
	config_free(c2);
	free(text);
	return 0;
}
