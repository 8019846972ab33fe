/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The monitor's state file (src/container/state.c): parse, write back and
 * parse again. Property: a record written back reads the same.
 */
#include "monitor/record.h"
#include "fuzz.h"
#include "util/strv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size), *out = NULL;
	struct container_record r, r2;

	if (container_record_parse(text, &r) == 0) {
		FUZZ_ASSERT(container_record_format(&r, &out) == 0);
		FUZZ_ASSERT(container_record_parse(out, &r2) == 0);
		FUZZ_ASSERT(r.state == r2.state && r.monitor_pid == r2.monitor_pid &&
			    r.monitor_start == r2.monitor_start && r.init_pid == r2.init_pid &&
			    r.init_start == r2.init_start && r.started_at == r2.started_at);
		for (size_t i = 0; i < TAPER_STATE_COUNT; i++)
			FUZZ_ASSERT(r.since[i] == r2.since[i]);
		FUZZ_ASSERT(strv_length(r.ipv4) == strv_length(r2.ipv4));
		for (size_t i = 0; r.ipv4 && r.ipv4[i]; i++)
			FUZZ_ASSERT(strcmp(r.ipv4[i], r2.ipv4[i]) == 0);
		container_record_clear(&r);
		container_record_clear(&r2);
	} else {
		fuzz_refused("container_record_parse", NULL);
	}
	free(out);
	free(text);
	return 0;
}
