/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cli.h — the `taper` command line: one file per verb (cmd_<verb>.c), a
 * table of verbs in main.c; the charm verbs, which differ only in their
 * words, options and the one call they make, are rows of a table of their
 * own (cli_charm.c). A verb parses its flags (getopt_long), calls
 * libtaper, prints results, and returns the process exit status. Errors
 * are printed once, here, as "taper: <verb>: <context>: <strerror>".
 */
#ifndef TAPER_CLI_CLI_H
#define TAPER_CLI_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <taper.h>

/* Options that come before the verb, shared by every verb. */
struct cli_ctx {
	const char *store_path; /* --path DIR or $TAPER_PATH; NULL: default */
	bool debug;
	int argc; /* main()'s, for re-exec (taper_runtime_prepare) */
	char **argv;
};

struct cli_verb {
	const char *name;
	int (*run)(int argc, char **argv, struct cli_ctx *ctx);
	const char *summary;
};

/* Print "taper: <verb>: <err->msg>" on stderr; returns exit status 1. */
int cli_fail(const char *verb, const struct taper_err *err);
/* Print "taper: <verb>: <formatted>" on stderr; returns status. */
int cli_failf(int status, const char *verb, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Verbs, one file each. */
int cmd_version(int argc, char **argv, struct cli_ctx *ctx);
int cmd_config(int argc, char **argv, struct cli_ctx *ctx);
int cmd_run(int argc, char **argv, struct cli_ctx *ctx);
int cmd_limit(int argc, char **argv, struct cli_ctx *ctx);
int cmd_stats(int argc, char **argv, struct cli_ctx *ctx);

/* Sizes in every table: "1B", "1023B", "256MiB", "1.5GiB" (powers of
 * 1024, exact below 1 KiB and at whole units); JSON and YAML carry bytes.
 * (cli_format.c) */
void cli_human_bytes(char *buf, size_t n, uint64_t v);

/* --format of the listing verbs: a table (or "text"), JSON or YAML of one
 * jansson document (cli_format.c). */
enum cli_format {
	CLI_FORMAT_TABLE,
	CLI_FORMAT_JSON,
	CLI_FORMAT_YAML,
};
/* arg as a format; table_name is the verb's word for its own ("table",
 * "text"). 0, or 2 after "unknown format "x" (table, json, yaml)". */
int cli_format_parse(const char *verb, const char *arg, const char *table_name, enum cli_format *ret);
/* doc (NULL: out of memory) as JSON or YAML on stdout; 0 or 1 after an
 * error line. */
struct json_t;
int cli_print_doc(const char *verb, struct json_t *doc, enum cli_format fmt);

int cmd_checkconfig(int argc, char **argv, struct cli_ctx *ctx);
int cmd_create(int argc, char **argv, struct cli_ctx *ctx);
int cmd_network(int argc, char **argv, struct cli_ctx *ctx);

/* Lifecycle verbs (cmd_<verb>.c) and what they share (cli_store.c). */
int cmd_start(int argc, char **argv, struct cli_ctx *ctx);
int cmd_stop(int argc, char **argv, struct cli_ctx *ctx);
int cmd_ls(int argc, char **argv, struct cli_ctx *ctx);
int cmd_freeze(int argc, char **argv, struct cli_ctx *ctx);
int cmd_unfreeze(int argc, char **argv, struct cli_ctx *ctx);
int cmd_info(int argc, char **argv, struct cli_ctx *ctx);
int cmd_attach(int argc, char **argv, struct cli_ctx *ctx);
int cmd_console(int argc, char **argv, struct cli_ctx *ctx);
int cmd_clone(int argc, char **argv, struct cli_ctx *ctx);
int cmd_destroy(int argc, char **argv, struct cli_ctx *ctx);
int cmd_rename(int argc, char **argv, struct cli_ctx *ctx);
int cmd_autostart(int argc, char **argv, struct cli_ctx *ctx);
int cmd_wait(int argc, char **argv, struct cli_ctx *ctx);
int cmd_port(int argc, char **argv, struct cli_ctx *ctx);
int cmd_gc(int argc, char **argv, struct cli_ctx *ctx);
int cmd_snapshot(int argc, char **argv, struct cli_ctx *ctx);
int cmd_monitor(int argc, char **argv, struct cli_ctx *ctx);
int cmd_web(int argc, char **argv, struct cli_ctx *ctx);
/* Charm verbs: rows of one table (cli_charm.c). */
int cmd_deploy(int argc, char **argv, struct cli_ctx *ctx);
int cmd_add_unit(int argc, char **argv, struct cli_ctx *ctx);
int cmd_relate(int argc, char **argv, struct cli_ctx *ctx);
int cmd_unrelate(int argc, char **argv, struct cli_ctx *ctx);
int cmd_expose(int argc, char **argv, struct cli_ctx *ctx);
int cmd_unexpose(int argc, char **argv, struct cli_ctx *ctx);
int cmd_set(int argc, char **argv, struct cli_ctx *ctx);
int cmd_get(int argc, char **argv, struct cli_ctx *ctx);
int cmd_remove_unit(int argc, char **argv, struct cli_ctx *ctx);
int cmd_destroy_service(int argc, char **argv, struct cli_ctx *ctx);
int cmd_resolved(int argc, char **argv, struct cli_ctx *ctx);
int cmd_status(int argc, char **argv, struct cli_ctx *ctx);
int cmd_debug_log(int argc, char **argv, struct cli_ctx *ctx);
/* The charm environment of the store (cli_charm.c); write: the verb
 * changes the model. 0, or the exit status after printing the error. */
struct charm_env;
int cli_charm_open(struct cli_ctx *ctx, const char *verb, bool write, struct charm_env **ret);
/* 0, or the exit status after printing the error. */
int cli_open_store(struct cli_ctx *ctx, const char *verb, struct taper_store **ret);
/* Prints "Usage: taper VERB USAGE" (stderr when error); returns 2 or 0. */
int cli_usage(const char *verb, const char *usage, bool error);
/* "taper: VERB: <formatted>" then the usage line, on stderr; returns 2. */
int cli_usage_error(const char *verb, const char *usage, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The usage error for getopt_long()'s '?' (main() sets opterr = 0):
 * "unknown option "--x"" or "option "-t" needs a value"; returns 2. */
int cli_bad_option(const char *verb, const char *usage, const char *shortopts, char **argv);
/* The positional words a verb wants, by name ((const char *[]){ "NAME",
 * NULL }): 0, or 2 after "missing NAME" / "unexpected argument "x"". A
 * name in brackets ("[SERVICE]") may be left out, as may every one after
 * it; a last name ending in "..." ("UNIT...") takes one word or more. */
int cli_args(const char *verb, const char *usage, int argc, char **argv, const char *const *names);
/* A verb with --help alone: 0 (optind at the first word), -1 after
 * printing the usage, or 2 after a usage error. */
int cli_no_options(const char *verb, const char *usage, int argc, char **argv);
/* The argument lists of cli_args(). */
#define CLI_NAME ((const char *const[]){ "NAME", NULL })

#endif
