/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * oci-internal.h — what the OCI config compiler's files share.
 *
 * Every object is walked against a table of {key, handler} rows; a handler
 * gets the JSON path of its value ("mounts[2].options[0]") for its errors.
 * oci-config.c holds the walker and the value readers; each top-level
 * object has a file of its own.
 */
#ifndef TAPER_SPEC_OCI_INTERNAL_H
#define TAPER_SPEC_OCI_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include <taper.h>

#include "spec/spec.h"

#define OCI_PATH_MAX 256

struct oci_ctx {
	const char *label; /* the file, for messages */
	const char *bundle;
	unsigned flags;
	struct taper_spec *spec;
	char ***ignored;
	struct taper_err *err;
	/* What later checks need to know of earlier properties. */
	unsigned ns_seen; /* TAPER_NS_* listed in linux.namespaces */
	bool has_mounts;  /* "mounts" lists any */
	/* The first idmapped mount without maps of its own ("mounts[2]"),
	 * which takes the container's user namespace's: checked once the
	 * namespaces are known. */
	char idmap_default[OCI_PATH_MAX];
};

typedef int (*oci_fn)(struct oci_ctx *c, const char *path, json_t *v);

struct oci_field {
	const char *key;
	oci_fn fn; /* NULL: refused with why */
	const char *why;
};

/* "<label>: <path>: <message>", -EINVAL. */
__attribute__((format(printf, 3, 4))) int oci_fail(struct oci_ctx *c, const char *path, const char *fmt, ...);
/* path + "." + key, or path + "[i]", into buf of OCI_PATH_MAX. */
const char *oci_key(char *buf, const char *path, const char *key);
const char *oci_idx(char *buf, const char *path, size_t i);

/* Walk obj: each key through its row of table (NULL-key terminated). */
int oci_walk(struct oci_ctx *c, const char *path, json_t *obj, const struct oci_field *table);

/* Value readers: -EINVAL naming path when v has the wrong type or range. */
int oci_string(struct oci_ctx *c, const char *path, json_t *v, const char **ret);
int oci_bool(struct oci_ctx *c, const char *path, json_t *v, bool *ret);
int oci_int(struct oci_ctx *c, const char *path, json_t *v, int64_t min, int64_t max, int64_t *ret);
/* An unsigned 64-bit value (JSON integers stop at INT64_MAX in jansson). */
int oci_u64(struct oci_ctx *c, const char *path, json_t *v, uint64_t *ret);
int oci_u32(struct oci_ctx *c, const char *path, json_t *v, uint32_t *ret);
/* An array of strings, copied (NULL-terminated; [] is an empty vector). */
int oci_strv(struct oci_ctx *c, const char *path, json_t *v, char ***ret);
/* An array (an object), or a refusal naming path. */
int oci_array(struct oci_ctx *c, const char *path, json_t *v);
int oci_object(struct oci_ctx *c, const char *path, json_t *v);
/* A property whose only accepted values are empty ones ("", [], {},
 * null), refused otherwise with why. */
int oci_refuse_unless_empty(struct oci_ctx *c, const char *path, json_t *v, const char *why);

/* obj is an object whose keys are all in known (NULL-terminated), or
 * unknown ones are treated as oci_walk() treats them: for objects whose
 * rows read several keys together. */
int oci_check_keys(struct oci_ctx *c, const char *path, json_t *obj, const char *const *known);
/* Each member of an object, in order: fn(c, member's path, key, value,
 * data); the first error ends the walk. */
typedef int (*oci_member_fn)(struct oci_ctx *c, const char *path, const char *key, json_t *v, void *data);
int oci_each(struct oci_ctx *c, const char *path, json_t *obj, oci_member_fn fn, void *data);
/* An object of strings: fn(c, member's path, key, value) for each member,
 * in order; the first error ends the walk. */
typedef int (*oci_string_fn)(struct oci_ctx *c, const char *path, const char *key, const char *value);
int oci_string_map(struct oci_ctx *c, const char *path, json_t *v, oci_string_fn fn);

/* A property no row knows, at path: refused under SPEC_OCI_STRICT,
 * else listed in c->ignored. */
int oci_unknown(struct oci_ctx *c, const char *path);

/* Members of an object at path. Each writes the member's path into sub
 * (OCI_PATH_MAX), for the caller's own errors about the value.
 * oci_member(): the member, or NULL when it is absent (or obj is no
 * object). oci_required(): "missing" when it is absent. oci_get_*(): the
 * member read as the reader of its type reads it; an absent member is
 * refused as a null would be ("not a string"). */
json_t *oci_member(json_t *obj, const char *path, const char *key, char *sub);
int oci_required(struct oci_ctx *c, const char *path, json_t *obj, const char *key, char *sub, json_t **ret);
int oci_get_string(struct oci_ctx *c, const char *path, json_t *obj, const char *key, char *sub,
		   const char **ret);
int oci_get_bool(struct oci_ctx *c, const char *path, json_t *obj, const char *key, char *sub, bool *ret);
int oci_get_int(struct oci_ctx *c, const char *path, json_t *obj, const char *key, char *sub, int64_t min,
		int64_t max, int64_t *ret);
int oci_get_u32(struct oci_ctx *c, const char *path, json_t *obj, const char *key, char *sub, uint32_t *ret);
int oci_get_u64(struct oci_ctx *c, const char *path, json_t *obj, const char *key, char *sub, uint64_t *ret);

/* An array of LinuxIDMapping objects appended to *map (linux.uidMappings,
 * a mount's gidMappings). */
int oci_idmaps(struct oci_ctx *c, const char *path, json_t *v, struct taper_idmap **map, size_t *n);

/* An absolute path (a string starting with '/', shorter than PATH_MAX). */
int oci_abs_path(struct oci_ctx *c, const char *path, json_t *v, const char **ret);
/* *dst = a copy of s (the old one freed); -ENOMEM. */
int oci_dup_str(char **dst, const char *s);

/* The handlers of the top level's objects, in their files. */
int oci_process(struct oci_ctx *c, const char *path, json_t *v);
int oci_mounts(struct oci_ctx *c, const char *path, json_t *v);
int oci_linux(struct oci_ctx *c, const char *path, json_t *v);
/* Checks across objects, after the whole walk. */
int oci_linux_finish(struct oci_ctx *c);
int oci_resources(struct oci_ctx *c, const char *path, json_t *v);
int oci_seccomp(struct oci_ctx *c, const char *path, json_t *v);

#endif
