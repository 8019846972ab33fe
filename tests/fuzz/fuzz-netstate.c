/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A container's network state file (src/net/netstate.c), what cleanup
 * reads to undo its interfaces: parse, write back and parse again.
 * Property: the state written back reads the same.
 */
#include "fuzz.h"
#include "net/netsetup.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size), *out = NULL, *out2 = NULL;
	struct net_state st, st2;
	struct taper_err err = { 0 };

	if (net_state_parse(text, NULL, &st, &err) == 0) {
		FUZZ_ASSERT(st.n <= NET_STATE_MAX);
		FUZZ_ASSERT(net_state_format(&st, &out) == 0);
		FUZZ_ASSERT(net_state_parse(out, NULL, &st2, &err) == 0);
		FUZZ_ASSERT(net_state_format(&st2, &out2) == 0);
		FUZZ_ASSERT(strcmp(out, out2) == 0);
	} else {
		fuzz_refused("net_state_parse", &err);
	}
	free(out);
	free(out2);
	free(text);
	return 0;
}
