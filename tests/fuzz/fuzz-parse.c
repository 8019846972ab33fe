/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The value parsers users type into (src/util/parse.c) and the limit
 * values of the limit table (src/spec/limit-table.c), each fed
 * the input as one value. Properties: a limit value that parses is
 * written back (limit_opt_format) as text that parses to the same field;
 * a cpu list's highest id is below its limit.
 */
#include "fuzz.h"
#include "spec/limit-table.h"
#include "spec/spec.h"
#include "util/parse.h"

static void limit_roundtrip(const struct limit_opt *o, const char *value)
{
	struct taper_limits l, l2;
	char *out = NULL;

	limits_init(&l);
	limits_init(&l2);
	if (limit_opt_parse(o, value, &l, NULL) == 0) {
		FUZZ_ASSERT(limit_opt_is_set(o, &l));
		FUZZ_ASSERT(limit_opt_format(o, &l, &out) == 0 && out);
		FUZZ_ASSERT(limit_opt_parse(o, out, &l2, NULL) == 0);
		if (o->kind == LIMIT_LIST) {
			FUZZ_ASSERT(strcmp(*(char **)((char *)&l + o->offset),
					   *(char **)((char *)&l2 + o->offset)) == 0);
		} else {
			FUZZ_ASSERT(*(int64_t *)((char *)&l + o->offset) ==
				    *(int64_t *)((char *)&l2 + o->offset));
		}
		free(out);
	}
	limits_clear(&l);
	limits_clear(&l2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_text(data, size);
	unsigned char bits[(1024 + 7) / 8];
	const struct limit_opt *opts;
	uint64_t u;
	int64_t i;
	uint32_t u32;
	unsigned id;
	size_t n;
	bool b;

	(void)parse_u64(s, &u);
	(void)parse_u64_range(s, 10, 1000, &u);
	(void)parse_i64(s, &i);
	(void)parse_u32(s, &u32);
	(void)parse_size(s, &u);
	(void)parse_bool(s, &b);
	if (parse_cpus(s, &u) == 0)
		FUZZ_ASSERT(u > 0);
	if (parse_cpu_list(s, 1024, &id) == 0)
		FUZZ_ASSERT(id < 1024);
	for (unsigned flags = 0; flags <= CPU_LIST_KERNEL; flags += CPU_LIST_KERNEL) {
		int r = parse_cpu_set(s, 1024, flags, bits, &id);

		if (r == 0)
			FUZZ_ASSERT(id < 1024);
	}
	(void)name_is_valid(s);
	opts = limit_opts(&n);
	for (size_t k = 0; k < n; k++)
		limit_roundtrip(&opts[k], s);
	free(s);
	return 0;
}
