/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * oci.h — an OCI runtime-spec 1.1 config.json compiled into a struct
 * taper_spec, the one `taper run` flags and a container's config compile
 * to: the OCI front end runs it with the same executor, no second runtime.
 *
 * Every property of the runtime-spec (1.1, and those 1.2 added) is either
 * honoured or refused with one line naming the file, the JSON path and the
 * problem: "/b/config.json: linux.resources.memory.limit: not an integer".
 * A property the spec does not define is ignored, as the spec's
 * "Extensibility" section requires, but never silently: its path is handed
 * back in *ret_ignored for the front end to warn of, and with
 * SPEC_OCI_STRICT it is refused. The compiler reads nothing on the host but
 * the bundle's config.json and a lstat of the root to check that it stays
 * in the bundle; the seccomp object is checked for shape and compiled by
 * the executor (security/), which names the same path in its errors.
 */
#ifndef TAPER_SPEC_OCI_H
#define TAPER_SPEC_OCI_H

#include <stddef.h>

#include <taper.h>

#include "spec/spec.h"

enum {
	SPEC_OCI_STRICT = 1u << 0, /* a property the spec does not define is an error */
};

/* config.json's text (len bytes, not NUL-terminated), of the bundle at the
 * absolute path bundle, named label in errors. On failure *ret is NULL.
 * ret_ignored (may be NULL): the JSON paths of ignored properties. */
int spec_oci_compile(const char *label, const char *buf, size_t len, const char *bundle, unsigned flags,
		     struct taper_spec **ret, char ***ret_ignored, struct taper_err *err);

/* <bundle>/config.json read and compiled (at most 4 MiB). */
int spec_from_oci_bundle(const char *bundle, unsigned flags, struct taper_spec **ret, char ***ret_ignored,
			 struct taper_err *err);

/* An OCI process object (runc exec --process FILE) into spec->process,
 * replacing the process the spec had but for its seccomp filter. Errors
 * name label and the JSON path under the object ("process.json: cwd:
 * missing"). */
int spec_oci_compile_process(const char *label, const char *buf, size_t len, struct taper_spec *spec,
			     struct taper_err *err);

/* The mount option names the compiler knows, NULL-terminated (static). */
const char *const *spec_oci_mount_options(void);

/* The fuzzers' entry point: spec_oci_compile() of a buffer, labelled
 * "config.json", unknown properties ignored. */
int spec_from_oci_json(const char *buf, size_t len, const char *bundle, struct taper_spec **ret,
		       struct taper_err *err);

#endif
