/* A test driver for the net/ library calls that `taper start/stop/port`
 * will make, so the black-box suite can wire a real container namespace:
 *   taper-net-helper up STORE CONTAINER PID [NETWORK]   -> state on stdout
 *   taper-net-helper ports STORE CONTAINER BRIDGE ADDR SPEC...
 *   taper-net-helper down STORE CONTAINER
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/ipam.h"
#include "net/nat.h"
#include "net/netsetup.h"
#include "store/store.h"
#include "util/cleanup.h"

static int fail(const struct taper_err *err)
{
	fprintf(stderr, "taper-net-helper: %s\n", err->msg);
	return 1;
}

int main(int argc, char **argv)
{
	struct taper_err err = { 0 };
	char owner[STORE_ID_LEN + 1], defs[4096];
	struct net_scope scope = { .owner = owner, .defs = defs };

	/* STORE is a canonical store path: its id tags, its .networks defines. */
	if (argc >= 3) {
		store_id_of_path(argv[2], owner);
		snprintf(defs, sizeof(defs), "%s/%s", argv[2], STORE_NETWORKS_DIR);
	}

	if (argc >= 5 && strcmp(argv[1], "up") == 0) {
		struct taper_netif nif = { .type = TAPER_NETIF_VETH, .link = argc > 5 ? argv[5] : NULL };
		_cleanup_free_ char *text = NULL;
		struct net_state st;

		if (net_container_up_pid(&scope, argv[3], &nif, 1, atoi(argv[4]), &st, &err) < 0)
			return fail(&err);
		if (net_state_format(&st, &text) < 0)
			return 1;
		fputs(text, stdout);
		return 0;
	}
	if (argc >= 7 && strcmp(argv[1], "ports") == 0) {
		struct nat_port ports[8];
		size_t n = 0;
		uint32_t addr;

		if (ipv4_parse(argv[5], &addr) < 0)
			return 2;
		for (int i = 6; i < argc && n < 8; i++)
			if (nat_port_parse(argv[i], &ports[n++], &err) < 0)
				return fail(&err);
		return net_ports_add(owner, argv[3], argv[4], ports, n, addr, 24, &err) < 0 ? fail(&err) : 0;
	}
	if (argc == 4 && strcmp(argv[1], "down") == 0)
		return net_container_down(owner, argv[3], &err) < 0 ? fail(&err) : 0;
	fprintf(stderr, "usage: taper-net-helper up|ports|down ...\n");
	return 2;
}
