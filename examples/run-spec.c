/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * run-spec — a container built through the spec API, created, started and
 * waited for: /bin/true (or the command given) on ROOTFS, with a memory
 * limit, in a cgroup of its own. Exits with the command's status. With -c,
 * the spec is a stored container's, its command replaced (as an OCI
 * runtime adjusts the spec it compiled).
 *
 *   cc run-spec.c $(pkg-config --cflags --libs taper)
 *   ./a.out ROOTFS [CMD ARGS...]
 *   ./a.out -c STORE NAME [CMD ARGS...]
 */
#include <stdio.h>
#include <string.h>
#include <taper.h>

int main(int argc, char **argv)
{
	char *true_argv[] = { "/bin/true", NULL };
	struct taper_err err = { 0 };
	struct taper_store *store = NULL;
	struct taper_spec *spec = NULL;
	struct taper_run *run = NULL;
	struct taper_run_opts opts;
	struct taper_run_exit ex = { .code = TAPER_STATUS_RUNTIME_ERROR };
	bool stored = argc > 3 && strcmp(argv[1], "-c") == 0;
	int status = 0, cmd = stored ? 4 : 2;

	if (argc < 2 || (strcmp(argv[1], "-c") == 0 && !stored)) {
		fprintf(stderr, "usage: run-spec ROOTFS [CMD ARGS...] | -c STORE NAME [CMD ARGS...]\n");
		return 2;
	}
	taper_run_opts_init(&opts);
	opts.ret_status = &status;
	/* As `taper run` does: never let the container reach our binary. */
	if (taper_runtime_prepare(argc, argv, &err) < 0)
		goto fail;
	if (stored) {
		/* Its cgroup is then the one its start would use. */
		opts.store_path = argv[2];
		if (taper_store_open(argv[2], &store, &err) < 0 ||
		    taper_spec_from_container(store, argv[3], &spec, &err) < 0)
			goto fail;
	} else if (taper_spec_new(&spec, &err) < 0 || taper_spec_set_rootfs(spec, argv[1], false, &err) < 0 ||
		   taper_spec_set_hostname(spec, "run-spec", &err) < 0) {
		goto fail;
	}
	if (taper_spec_set_args(spec, argc > cmd ? argv + cmd : true_argv, &err) < 0 ||
	    taper_spec_set_limit(spec, "cgroup.memory.max", "64M", &err) < 0)
		goto fail;
	/* Created: namespaces, root and cgroup made, the command not yet run. */
	if (taper_run_create(spec, &opts, &run, &err) < 0)
		goto fail;
	fprintf(stderr, "run-spec: created, pid %d\n", (int)taper_run_pid(run));
	if (taper_run_start(run, &err) < 0 || taper_run_wait(run, &ex, &err) < 0)
		goto fail;
	taper_run_free(run);
	taper_spec_free(spec);
	taper_store_close(store);
	return ex.code;
fail:
	fprintf(stderr, "run-spec: %s\n", err.msg);
	taper_run_free(run);
	taper_spec_free(spec);
	taper_store_close(store);
	return status ? status : TAPER_STATUS_RUNTIME_ERROR;
}
