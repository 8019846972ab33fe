/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The OCI runtime config compiler (src/spec/oci-*.c): the input is a
 * config.json of a bundle at a path that does not exist, so that nothing
 * on the host is read but the input.
 *
 * Properties: an accepted config is a spec whose every namespace path,
 * mount target, device path and masked path is absolute; a refused one
 * leaves no spec and a one-line message naming config.json; the same
 * input gives the same answer twice (the compiler keeps no state).
 */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "spec/oci.h"
#include "spec/spec.h"

static void check_spec(const struct taper_spec *s)
{
	FUZZ_ASSERT(s->rootfs && s->rootfs[0] == '/');
	FUZZ_ASSERT(s->process.argv && s->process.argv[0] && s->process.argv[0][0]);
	FUZZ_ASSERT(s->namespaces & TAPER_NS_MNT);
	for (int i = 0; i < TAPER_NS_COUNT; i++)
		FUZZ_ASSERT(!s->ns_path[i] || s->ns_path[i][0] == '/');
	for (size_t i = 0; i < s->n_mounts; i++)
		FUZZ_ASSERT(s->mounts[i].target[0] == '/');
	for (size_t i = 0; i < s->n_dev_nodes; i++)
		FUZZ_ASSERT(strncmp(s->dev_nodes[i].path, "/dev/", 5) == 0);
	for (char **p = s->masked_paths; p && *p; p++)
		FUZZ_ASSERT(**p == '/');
	FUZZ_ASSERT(s->process.caps.ambient ==
		    (s->process.caps.ambient & s->process.caps.permitted & s->process.caps.inheritable));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct taper_spec *a = NULL, *b = NULL;
	struct taper_err e1 = { 0 }, e2 = { 0 };
	int r1 = spec_from_oci_json((const char *)data, size, "/nonexistent/bundle", &a, &e1);
	int r2 = spec_from_oci_json((const char *)data, size, "/nonexistent/bundle", &b, &e2);

	FUZZ_ASSERT(r1 == r2);
	if (r1 < 0) {
		FUZZ_ASSERT(!a && !b);
		FUZZ_ASSERT(strncmp(e1.msg, "config.json", 11) == 0 || e1.code == ENOMEM);
		FUZZ_ASSERT(!strchr(e1.msg, '\n'));
		FUZZ_ASSERT(strcmp(e1.msg, e2.msg) == 0);
		fuzz_refused("spec_from_oci_json", &e1);
		return 0;
	}
	check_spec(a);
	spec_free(a);
	spec_free(b);
	return 0;
}
