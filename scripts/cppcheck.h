/* Force-included by scripts/lint.sh: cppcheck does not read the system
 * headers, so the few macros it must understand to parse taper's code
 * are spelled out here in a form it follows. */
#define ARCHIVE_VERSION_NUMBER 3000000
#define json_array_foreach(array, index, value) for ((index) = 0; (index) < 1 && ((value) = (array)); (index)++)
/* The key comes from the library and is never NULL inside the loop: a
 * condition on it would make cppcheck think it may be. */
#define json_object_foreach(object, key, value) \
	for ((key) = json_object_iter_key(json_object_iter(object)); ((value) = (object));)
