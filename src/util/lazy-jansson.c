/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lazy-jansson.c — jansson, bound on first use (see lazy.h): JSON output
 * and OCI/seccomp profile files need it, `taper run` with the default
 * profile never does, and would otherwise load it on both of its execs.
 * Without the library every constructor returns NULL and the parsers say
 * so in their json_error_t.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "util/lazy.h"

static struct lazy_lib lib = { .soname = "libjansson.so.4" };

static json_t *load_failed(json_error_t *error)
{
	if (error) {
		memset(error, 0, sizeof(*error));
		error->line = error->column = error->position = -1;
		snprintf(error->text, sizeof(error->text), "cannot load %s", lib.soname);
	}
	return NULL;
}

json_t *json_loads(const char *input, size_t flags, json_error_t *error)
{
	static __typeof__(&json_loads) fn;

	if (!fn)
		fn = (__typeof__(&json_loads))lazy_sym(&lib, "json_loads");
	return fn ? fn(input, flags, error) : load_failed(error);
}

json_t *json_loadb(const char *buffer, size_t buflen, size_t flags, json_error_t *error)
{
	static __typeof__(&json_loadb) fn;

	if (!fn)
		fn = (__typeof__(&json_loadb))lazy_sym(&lib, "json_loadb");
	return fn ? fn(buffer, buflen, flags, error) : load_failed(error);
}

/* Variadic: forwarded to the library's va_list variant. */
json_t *json_pack(const char *fmt, ...)
{
	static __typeof__(&json_vpack_ex) fn;
	json_t *r;
	va_list ap;

	if (!fn)
		fn = (__typeof__(&json_vpack_ex))lazy_sym(&lib, "json_vpack_ex");
	if (!fn)
		return NULL;
	va_start(ap, fmt);
	r = fn(NULL, 0, fmt, ap);
	va_end(ap);
	return r;
}

/* The formatter reads the parameter lists below as expressions and
 * would write `struct foo * p`: one wrapper per line, by hand. */
/* clang-format off */
LAZY_FN(lib, json_t *, json_array, (void), (), NULL)
LAZY_FN(lib, json_t *, json_string, (const char *value), (value), NULL)
LAZY_FN(lib, json_t *, json_integer, (json_int_t value), (value), NULL)
LAZY_VOID(lib, json_delete, (json_t *json), (json))
LAZY_FN(lib, json_t *, json_object_get, (const json_t *object, const char *key), (object, key),
	NULL)
LAZY_FN(lib, int, json_object_set_new, (json_t *object, const char *key, json_t *value),
	(object, key, value), -1)
LAZY_FN(lib, void *, json_object_iter, (json_t *object), (object), NULL)
LAZY_FN(lib, void *, json_object_key_to_iter, (const char *key), (key), NULL)
LAZY_FN(lib, void *, json_object_iter_next, (json_t *object, void *iter), (object, iter), NULL)
LAZY_FN(lib, const char *, json_object_iter_key, (void *iter), (iter), NULL)
LAZY_FN(lib, json_t *, json_object_iter_value, (void *iter), (iter), NULL)
LAZY_FN(lib, size_t, json_object_size, (const json_t *object), (object), 0)
LAZY_FN(lib, size_t, json_string_length, (const json_t *string), (string), 0)
LAZY_FN(lib, size_t, json_array_size, (const json_t *array), (array), 0)
LAZY_FN(lib, json_t *, json_array_get, (const json_t *array, size_t index), (array, index), NULL)
LAZY_FN(lib, int, json_array_remove, (json_t *array, size_t index), (array, index), -1)
LAZY_FN(lib, int, json_array_append_new, (json_t *array, json_t *value), (array, value), -1)
LAZY_FN(lib, const char *, json_string_value, (const json_t *string), (string), NULL)
LAZY_FN(lib, json_int_t, json_integer_value, (const json_t *integer), (integer), 0)
LAZY_FN(lib, char *, json_dumps, (const json_t *json, size_t flags), (json, flags), NULL)
LAZY_FN(lib, json_t *, json_object, (void), (), NULL)
LAZY_FN(lib, json_t *, json_real, (double value), (value), NULL)
LAZY_FN(lib, double, json_number_value, (const json_t *json), (json), 0.0)
LAZY_FN(lib, json_t *, json_true, (void), (), NULL)
LAZY_FN(lib, json_t *, json_false, (void), (), NULL)
LAZY_FN(lib, json_t *, json_null, (void), (), NULL)
LAZY_FN(lib, int, json_dumpf, (const json_t *json, FILE *output, size_t flags),
	(json, output, flags), -1)
LAZY_FN(lib, json_t *, json_stringn, (const char *value, size_t len), (value, len), NULL)
LAZY_FN(lib, double, json_real_value, (const json_t *real), (real), 0.0)
LAZY_FN(lib, int, json_object_del, (json_t *object, const char *key), (object, key), -1)
/* clang-format on */
