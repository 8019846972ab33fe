/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * taper limit NAME [--memory SIZE] [--cpus N] ... [--format table|json|yaml]
 *
 * With options: change the limits (taper_container_set_limits: all checked
 * first, then the live cgroup and the config). Without: show what the
 * config sets and, when the container runs, what the kernel holds. The
 * options come from the limit table (src/spec/limit-table.h).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/parse.h"

#define VERB "limit"
#define USAGE "NAME [OPTIONS] | NAME [--format FORMAT]"

enum {
	OPT_FORMAT = 1000,
	OPT_HELP,
	OPT_LIMIT_BASE = 2000
};

/* The limits as a table, for getopt. */
static int limit_table(struct taper_limit_info **ret, size_t *ret_n)
{
	struct taper_limit_info info;
	size_t n = 0;

	while (taper_limit_info_get(n, &info) == 0)
		n++;
	*ret = calloc(n ? n : 1, sizeof(**ret));
	if (!*ret)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		taper_limit_info_get(i, &(*ret)[i]);
	*ret_n = n;
	return 0;
}

static void usage(FILE *f)
{
	struct taper_limit_info o;

	fprintf(f, "Usage: taper limit NAME [OPTIONS]            change limits\n"
		   "       taper limit NAME [--format table|json|yaml] show them\n\n"
		   "Every value is checked first (against this host's cgroups too); nothing is\n"
		   "written when one is refused. The new limits go to the config file and, when\n"
		   "the container runs, to its cgroup at once. \"max\" removes a limit.\n\n"
		   "Options:\n");
	for (size_t i = 0; taper_limit_info_get(i, &o) == 0; i++) {
		char left[40];

		snprintf(left, sizeof(left), "--%s %s", o.option, o.metavar);
		fprintf(f, "  %-26s %s (%s)\n", left, o.help, o.key);
	}
	fprintf(f, "  %-26s %s\n", "--format table|json|yaml", "how to show the limits (default table)");
	fprintf(f, "\nSizes take k, M, G, T or KiB, MiB, GiB, TiB (powers of 1024).\n");
}

static void human_value(const struct taper_limit_info *o, const char *v, char *buf, size_t n)
{
	uint64_t bytes;

	if (!v) {
		snprintf(buf, n, "-");
		return;
	}
	if (o->is_size && parse_size(v, &bytes) == 0)
		cli_human_bytes(buf, n, bytes);
	else
		snprintf(buf, n, "%s", v);
}

static int show(struct taper_store *store, const char *name, enum cli_format fmt)
{
	struct taper_limit_value *v = NULL;
	struct taper_err err = { 0 };
	struct taper_limit_info o;
	bool running = false;
	size_t n = 0;
	int status = 0;

	if (taper_container_get_limits(store, name, &v, &n, &running, &err) < 0)
		return cli_fail(VERB, &err);
	if (fmt != CLI_FORMAT_TABLE) {
		_cleanup_(json_decrefp) json_t *doc = json_object();
		json_t *lims = json_object();

		json_object_set_new(doc, "name", json_string(name));
		json_object_set_new(doc, "running", json_boolean(running));
		json_object_set_new(doc, "limits", lims);
		for (size_t i = 0; i < n && taper_limit_info_get(i, &o) == 0; i++) {
			json_t *row = json_object();

			json_object_set_new(row, "key", json_string(v[i].key));
			json_object_set_new(row, "config",
					    v[i].config ? json_string(v[i].config) : json_null());
			json_object_set_new(row, "kernel",
					    v[i].kernel ? json_string(v[i].kernel) : json_null());
			json_object_set_new(lims, o.option, row);
		}
		status = cli_print_doc(VERB, doc, fmt);
	} else {
		printf("%s: %s\n", name, running ? "running" : "not running");
		printf("%-15s %-20s %-12s %s\n", "OPTION", "KEY", "CONFIG", "KERNEL");
		for (size_t i = 0; i < n && taper_limit_info_get(i, &o) == 0; i++) {
			char opt[32], k[32], cfg[32];

			snprintf(opt, sizeof(opt), "--%s", o.option);
			human_value(&o, v[i].kernel, k, sizeof(k));
			human_value(&o, v[i].config, cfg, sizeof(cfg));
			printf("%-15s %-20s %-12s %s\n", opt, v[i].key, cfg, running ? k : "-");
		}
	}
	taper_limit_values_free(v, n);
	return status;
}

int cmd_limit(int argc, char **argv, struct cli_ctx *ctx)
{
	struct taper_store *store = NULL;
	_cleanup_free_ struct option *longopts = NULL;
	_cleanup_free_ struct taper_limit *set = NULL;
	_cleanup_free_ struct taper_limit_info *o = NULL;
	struct taper_err err = { 0 };
	enum cli_format fmt = CLI_FORMAT_TABLE;
	const char *name = NULL;
	size_t nopts = 0, nset = 0, bad = 0;
	int c, r;

	if ((r = limit_table(&o, &nopts)) < 0)
		return cli_failf(1, VERB, "%s", strerror(-r));
	longopts = calloc(nopts + 3, sizeof(*longopts));
	set = calloc((size_t)argc + 1, sizeof(*set));
	if (!longopts || !set)
		return cli_failf(1, VERB, "%s", strerror(ENOMEM));
	for (size_t i = 0; i < nopts; i++)
		longopts[i] =
			(struct option){ o[i].option, required_argument, NULL, OPT_LIMIT_BASE + (int)i };
	longopts[nopts] = (struct option){ "format", required_argument, NULL, OPT_FORMAT };
	longopts[nopts + 1] = (struct option){ "help", no_argument, NULL, OPT_HELP };

	/* main() reset getopt; options and NAME come in any order. */
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (c == OPT_HELP || c == 'h') {
			usage(stdout);
			return 0;
		}
		if (c == OPT_FORMAT) {
			if ((r = cli_format_parse(VERB, optarg, "table", &fmt)) != 0)
				return r;
		} else if (c >= OPT_LIMIT_BASE && (size_t)(c - OPT_LIMIT_BASE) < nopts) {
			set[nset].key = o[c - OPT_LIMIT_BASE].key;
			set[nset].value = optarg;
			nset++;
		} else {
			return cli_bad_option(VERB, USAGE, "h", argv);
		}
	}
	if ((r = cli_args(VERB, USAGE, argc - optind, argv + optind, CLI_NAME)) != 0)
		return r;
	name = argv[optind];
	if (taper_container_name_check(name, &err) < 0 || taper_store_open(ctx->store_path, &store, &err) < 0)
		return cli_fail(VERB, &err);
	if (nset == 0) {
		r = show(store, name, fmt);
		taper_store_close(store);
		return r;
	}

	r = taper_container_set_limits(store, name, set, nset, &bad, &err);
	taper_store_close(store);
	if (r < 0 && bad < nset) {
		const char *option = set[bad].key;

		for (size_t i = 0; i < nopts; i++)
			if (strcmp(o[i].key, set[bad].key) == 0)
				option = o[i].option;
		/* The reason names the value: "invalid size \"0\" (...)". */
		return cli_failf(1, VERB, "--%s: %s", option, err.msg);
	}
	if (r < 0)
		return cli_fail(VERB, &err);
	return 0;
}
