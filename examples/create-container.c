/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * create-container — a container from a template through include/taper.h
 * only, with the progress and cancel hooks a panel or a charm would use:
 * Ctrl-C stops the create and leaves nothing behind.
 *
 *   cc create-container.c $(pkg-config --cflags --libs taper)
 *   ./a.out NAME TEMPLATE [--opt VALUE ...]   (store: $TAPER_PATH or the default)
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <taper.h>

static volatile sig_atomic_t cancel;

static void on_signal(int sig)
{
	cancel = sig;
}

static void progress(void *userdata, const char *stage, uint64_t done, uint64_t total)
{
	(void)userdata;
	if (total > 0)
		fprintf(stderr, "%s %llu/%llu\n", stage, (unsigned long long)done, (unsigned long long)total);
	else
		fprintf(stderr, "%s\n", stage);
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal }; /* no SA_RESTART */
	struct taper_err err = { 0 };
	struct taper_store *store = NULL;
	struct taper_create_opts opts;
	int r;

	if (argc < 3) {
		fprintf(stderr, "usage: create-container NAME TEMPLATE [--opt VALUE ...]\n");
		return 2;
	}
	/* Usage errors first, before any store is touched. */
	if (taper_container_name_check(argv[1], &err) < 0 ||
	    taper_template_check(argv[2], argv + 3, &err) < 0) {
		fprintf(stderr, "create-container: %s\n", err.msg);
		return 2;
	}
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	taper_create_opts_init(&opts);
	opts.progress = progress;
	opts.cancel = &cancel;
	r = taper_store_create(getenv("TAPER_PATH"), &store, &err);
	if (r >= 0)
		r = taper_container_create(store, argv[1], argv[2], argv + 3, &opts, &err);
	taper_store_close(store);
	if (r < 0) {
		fprintf(stderr, "create-container: %s\n", err.msg);
		return 1;
	}
	printf("created %s\n", argv[1]);
	return 0;
}
