/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A network definition of the store (src/net/netdef.c): parse, write
 * back and parse again. Property: the definition written back reads the
 * same, and its bridge name fits an interface name.
 */
#include <net/if.h>

#include "fuzz.h"
#include "net/netdef.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size), *out = NULL;
	struct net_def d, d2;
	struct taper_err err = { 0 };

	if (netdef_parse("fuzz", NULL, text, &d, &err) == 0) {
		FUZZ_ASSERT(strnlen(d.bridge, IFNAMSIZ) < IFNAMSIZ);
		FUZZ_ASSERT(d.subnet.prefix <= 32);
		FUZZ_ASSERT(netdef_format(&d, &out) == 0);
		FUZZ_ASSERT(netdef_parse("fuzz", NULL, out, &d2, &err) == 0);
		FUZZ_ASSERT(strcmp(d.bridge, d2.bridge) == 0 && d.nat == d2.nat && d.mtu == d2.mtu);
		FUZZ_ASSERT(d.subnet.network == d2.subnet.network && d.subnet.prefix == d2.subnet.prefix &&
			    d.subnet.gateway == d2.subnet.gateway);
	} else {
		fuzz_refused("netdef_parse", &err);
	}
	free(out);
	free(text);
	return 0;
}
