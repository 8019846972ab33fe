/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * store_open + store_list over a store of N containers, repeated: what every
 * `taper ls` pays before it looks at runtime state. Prints min/median/max.
 * Usage: bench_store_list STORE [ROUNDS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "store/store.h"
#include "util/cleanup.h"
#include "util/strv.h"

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	int rounds = argc > 2 ? atoi(argv[2]) : 200;
	double *open_us, *list_us;
	size_t n = 0;

	if (argc < 2 || rounds < 1) {
		fprintf(stderr, "usage: %s STORE [ROUNDS]\n", argv[0]);
		return 2;
	}
	open_us = calloc((size_t)rounds, sizeof(double));
	list_us = calloc((size_t)rounds, sizeof(double));
	for (int i = 0; i < rounds; i++) {
		struct taper_store *s = NULL;
		struct taper_err err = { 0 };
		char **names = NULL;
		double t0 = now_us(), t1;

		if (store_open(argv[1], "/tmp/taper-bench-run", &s, &err) < 0) {
			fprintf(stderr, "%s\n", err.msg);
			return 1;
		}
		t1 = now_us();
		if (store_list(s, &names, &err) < 0) {
			fprintf(stderr, "%s\n", err.msg);
			return 1;
		}
		list_us[i] = now_us() - t1;
		open_us[i] = t1 - t0;
		n = strv_length(names);
		strv_free(names);
		store_free(s);
	}
	qsort(open_us, (size_t)rounds, sizeof(double), cmp_double);
	qsort(list_us, (size_t)rounds, sizeof(double), cmp_double);
	printf("containers: %zu, rounds: %d\n", n, rounds);
	printf("store_open (incl. stale scan): min %.0f us, median %.0f us, max %.0f us\n", open_us[0],
	       open_us[rounds / 2], open_us[rounds - 1]);
	printf("store_list:                    min %.0f us, median %.0f us, max %.0f us\n", list_us[0],
	       list_us[rounds / 2], list_us[rounds - 1]);
	free(open_us);
	free(list_us);
	return 0;
}
