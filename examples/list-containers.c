/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * list-containers — the smallest libtaper client: every container of a
 * store with its state, init pid and addresses, through include/taper.h
 * only (as a web panel or a charm would use it).
 *
 *   cc list-containers.c $(pkg-config --cflags --libs taper)
 *   ./a.out [STORE]
 */
#include <stdio.h>
#include <taper.h>

int main(int argc, char **argv)
{
	struct taper_err err = { 0 };
	struct taper_store *store = NULL;
	char **names = NULL;

	if (taper_store_open(argc > 1 ? argv[1] : NULL, &store, &err) < 0 ||
	    taper_container_list(store, &names, &err) < 0) {
		fprintf(stderr, "list-containers: %s\n", err.msg);
		taper_store_close(store);
		return 1;
	}
	for (char **n = names; *n; n++) {
		struct taper_container_state st;

		if (taper_container_state(store, *n, &st, &err) < 0) {
			fprintf(stderr, "list-containers: %s\n", err.msg);
			continue;
		}
		printf("%s %s %d", *n, taper_state_name(st.state), (int)st.pid);
		for (char **ip = st.ipv4; *ip; ip++)
			printf(" %s", *ip);
		putchar('\n');
		taper_container_state_clear(&st);
	}
	taper_strv_free(names);
	taper_store_close(store);
	return 0;
}
