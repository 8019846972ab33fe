/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cli_charm.c — the charm verbs, one row each in charm_verbs[]:
 *
 *   taper deploy CHARM [SERVICE] [-n UNITS] [--config FILE|K=V]...
 *   taper deploy --bundle FILE
 *   taper add-unit SERVICE [-n N]       taper remove-unit UNIT...
 *   taper destroy-service SERVICE       taper resolved UNIT [--retry]
 *   taper relate A[:EP] B[:EP]          taper unrelate A[:EP] B[:EP]
 *   taper expose SERVICE                taper unexpose SERVICE
 *   taper set SERVICE K=V...            taper get SERVICE
 *   taper status [--format yaml|json|tabular]
 *   taper debug-log [-n LINES] [-f]
 *
 * A row names the verb's words and options; one runner parses them,
 * opens the charm environment of the store (for writing when the verb
 * changes the model, after taper_runtime_prepare() when it runs hooks in
 * containers), calls the row's function of src/charm/ and prints its one
 * error line. Also here: where the hook tool and the shipped charms are
 * (beside the binary as installed, else in the build and source trees).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "charm/charm.h"
#include "cli/cli.h"
#include "util/cleanup.h"
#include "util/strv.h"

/* The directory of the running binary as the user ran it: after
 * taper_runtime_prepare() /proc/self/exe is a sealed copy, argv[0] is not. */
static char *exe_dir(const char *argv0)
{
	char real[PATH_MAX], *slash;

	if (!strchr(argv0, '/')) {
		const char *path = getenv("PATH");
		_cleanup_strv_free_ char **dirs = strv_split(path ? path : "/usr/bin:/bin", ':');

		for (char **d = dirs; d && *d; d++) {
			_cleanup_free_ char *p = NULL;

			if (asprintf(&p, "%s/%s", *d, argv0) >= 0 && access(p, X_OK) == 0 &&
			    realpath(p, real))
				goto found;
		}
		return NULL;
	}
	if (!realpath(argv0, real))
		return NULL;
found:
	if ((slash = strrchr(real, '/')))
		*slash = '\0';
	return strdup(real);
}

static char *first_existing(const char *a, const char *b)
{
	if (a && access(a, F_OK) == 0)
		return strdup(a);
	if (b && access(b, F_OK) == 0)
		return strdup(b);
	return NULL;
}

static void say(void *userdata, const char *line)
{
	(void)userdata;
	fprintf(stderr, "%s\n", line);
}

int cli_charm_open(struct cli_ctx *ctx, const char *verb, bool write, struct charm_env **ret)
{
	_cleanup_free_ char *dir = exe_dir(ctx->argv[0]), *tool = NULL, *shipped = NULL, *itool = NULL,
			    *icharms = NULL;
	_cleanup_strv_free_ char **path = NULL;
	struct charm_env_opts o = { .store_path = ctx->store_path, .write = write, .say = say };
	struct taper_err err = { 0 };
	const char *env_path = getenv("TAPER_CHARM_PATH");

	if (dir && (asprintf(&itool, "%s/../libexec/taper/taper-hook-tool", dir) < 0 ||
		    asprintf(&icharms, "%s/../share/taper/charms", dir) < 0))
		return cli_failf(1, verb, "out of memory");
	tool = getenv("TAPER_HOOK_TOOL") ? strdup(getenv("TAPER_HOOK_TOOL"))
					 : first_existing(itool, TAPER_BUILD_HOOK_TOOL);
	shipped = first_existing(icharms, TAPER_SOURCE_CHARMS);
	path = env_path && *env_path ? strv_split(env_path, ':') : calloc(1, sizeof(char *));
	if (!path || (shipped && strv_extend(&path, shipped) < 0))
		return cli_failf(1, verb, "out of memory");
	o.tool_path = tool;
	o.charm_path = path;
	if (charm_env_open(&o, ret, &err) < 0)
		return cli_fail(verb, &err);
	return 0;
}

/* ---- the verbs ------------------------------------------------------ */

/* What a verb's options and words say, for its row's functions. */
struct charm_args {
	const char *const *names; /* the words it wants (cli_args()); an option may change them */
	char **words;
	struct charm_deploy_opts deploy; /* n_units: add-unit's -n too */
	char **config;                   /* deploy --config K=V... */
	const char *bundle;
	const char *format;
	unsigned lines;
	bool retry, follow;
};

static void charm_args_clear(struct charm_args *a)
{
	strv_free(a->config);
}

enum charm_access {
	CHARM_READS,
	CHARM_WRITES,
	CHARM_RUNS_HOOKS, /* writes, and puts processes into containers */
};

struct charm_verb {
	const char *usage;
	const char *const *names;
	enum charm_access access;
	const char *shortopts; /* "h" at least */
	const struct option *opts;
	/* An option other than --help: 0, or the exit status after its error. */
	int (*option)(const char *verb, int c, const char *arg, struct charm_args *a);
	int (*run)(struct charm_env *e, struct charm_args *a, struct taper_err *err);
};

#define HELP_OPTION                            \
	{                                      \
		"help", no_argument, NULL, 'h' \
	}
#define WORDS(...) ((const char *const[]){ __VA_ARGS__, NULL })

static int parse_n(const char *verb, const char *s, unsigned *ret)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (!*s || *end || v < 1 || v > 100)
		return cli_failf(2, verb, "-n \"%s\": a number of units, 1 to 100", s);
	*ret = (unsigned)v;
	return 0;
}

/* deploy's and add-unit's options. */
static int units_option(const char *verb, int c, const char *arg, struct charm_args *a)
{
	switch (c) {
	case 'n':
		return parse_n(verb, arg, &a->deploy.n_units);
	case 'c':
		if (strchr(arg, '='))
			return strv_extend(&a->config, arg) < 0 ? cli_failf(1, verb, "out of memory") : 0;
		if (a->deploy.config_file)
			return cli_failf(2, verb, "--config: one file at most");
		a->deploy.config_file = arg;
		return 0;
	default: { /* 'b': a bundle names its charms itself */
		static const char *const none[] = { NULL };

		a->bundle = arg;
		a->names = none;
		return 0;
	}
	}
}

static int run_deploy(struct charm_env *e, struct charm_args *a, struct taper_err *err)
{
	if (a->bundle)
		return charm_deploy_bundle(e, a->bundle, err);
	a->deploy.charm = a->words[0];
	a->deploy.service = a->words[1];
	a->deploy.config = a->config;
	return charm_deploy(e, &a->deploy, err);
}

static int run_add_unit(struct charm_env *e, struct charm_args *a, struct taper_err *err)
{
	return charm_add_unit(e, a->words[0], a->deploy.n_units, err);
}

static int run_remove_unit(struct charm_env *e, struct charm_args *a, struct taper_err *err)
{
	int r = 0;

	for (char **u = a->words; *u && r >= 0; u++)
		r = charm_remove_unit(e, *u, err);
	return r;
}

static int run_destroy_service(struct charm_env *e, struct charm_args *a, struct taper_err *err)
{
	return charm_destroy_service(e, a->words[0], err);
}

static int run_relate(struct charm_env *e, struct charm_args *a, struct taper_err *err)
{
	return charm_relate(e, a->words[0], a->words[1], err);
}

static int run_unrelate(struct charm_env *e, struct charm_args *a, struct taper_err *err)
{
	return charm_unrelate(e, a->words[0], a->words[1], err);
}

static int run_expose(struct charm_env *e, struct charm_args *a, struct taper_err *err)
{
	return charm_expose(e, a->words[0], true, err);
}

static int run_unexpose(struct charm_env *e, struct charm_args *a, struct taper_err *err)
{
	return charm_expose(e, a->words[0], false, err);
}

static int run_set(struct charm_env *e, struct charm_args *a, struct taper_err *err)
{
	return charm_set(e, a->words[0], a->words + 1, err);
}

static int run_get(struct charm_env *e, struct charm_args *a, struct taper_err *err)
{
	return charm_get(e, a->words[0], stdout, err);
}

static int resolved_option(const char *verb, int c, const char *arg, struct charm_args *a)
{
	(void)verb;
	(void)c; /* 'r' */
	(void)arg;
	a->retry = true;
	return 0;
}

static int run_resolved(struct charm_env *e, struct charm_args *a, struct taper_err *err)
{
	return charm_resolved(e, a->words[0], a->retry, err);
}

static int status_option(const char *verb, int c, const char *arg, struct charm_args *a)
{
	(void)c; /* 'f' */
	if (strcmp(arg, "yaml") != 0 && strcmp(arg, "json") != 0 && strcmp(arg, "tabular") != 0)
		return cli_failf(2, verb, "--format \"%s\": yaml, json or tabular", arg);
	a->format = arg;
	return 0;
}

static int run_status(struct charm_env *e, struct charm_args *a, struct taper_err *err)
{
	return charm_status(e, a->format ? a->format : "yaml", stdout, err);
}

static volatile int stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int debug_log_option(const char *verb, int c, const char *arg, struct charm_args *a)
{
	char *end;

	if (c == 'f') {
		a->follow = true;
		return 0;
	}
	a->lines = (unsigned)strtoul(arg, &end, 10);
	if (!*arg || *end)
		return cli_failf(2, verb, "-n \"%s\": a number of lines", arg);
	return 0;
}

static int run_debug_log(struct charm_env *e, struct charm_args *a, struct taper_err *err)
{
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	return charm_debug_log(e, a->lines, a->follow, &stop, stdout, err);
}

enum {
	DEPLOY,
	ADD_UNIT,
	REMOVE_UNIT,
	DESTROY_SERVICE,
	RELATE,
	UNRELATE,
	EXPOSE,
	UNEXPOSE,
	SET,
	GET,
	RESOLVED,
	STATUS,
	DEBUG_LOG,
};

#define RELATION_USAGE "SERVICE[:ENDPOINT] SERVICE[:ENDPOINT]"
#define RELATION_WORDS WORDS("SERVICE[:ENDPOINT]", "SERVICE[:ENDPOINT]")

static const struct charm_verb charm_verbs[] = {
	[DEPLOY] = { "CHARM [SERVICE] [-n UNITS] [--config FILE|K=V]... | --bundle FILE",
		     WORDS("CHARM", "[SERVICE]"), CHARM_RUNS_HOOKS, "n:c:b:h",
		     (const struct option[]){ { "num-units", required_argument, NULL, 'n' },
					      { "config", required_argument, NULL, 'c' },
					      { "bundle", required_argument, NULL, 'b' },
					      HELP_OPTION,
					      {} },
		     units_option, run_deploy },
	[ADD_UNIT] = { "SERVICE [-n N]", WORDS("SERVICE"), CHARM_RUNS_HOOKS, "n:h",
		       (const struct option[]){
			       { "num-units", required_argument, NULL, 'n' }, HELP_OPTION, {} },
		       units_option, run_add_unit },
	[REMOVE_UNIT] = { "UNIT...", WORDS("UNIT..."), CHARM_RUNS_HOOKS, "h", NULL, NULL, run_remove_unit },
	[DESTROY_SERVICE] = { "SERVICE", WORDS("SERVICE"), CHARM_RUNS_HOOKS, "h", NULL, NULL,
			      run_destroy_service },
	[RELATE] = { RELATION_USAGE, RELATION_WORDS, CHARM_RUNS_HOOKS, "h", NULL, NULL, run_relate },
	[UNRELATE] = { RELATION_USAGE, RELATION_WORDS, CHARM_RUNS_HOOKS, "h", NULL, NULL, run_unrelate },
	[EXPOSE] = { "SERVICE", WORDS("SERVICE"), CHARM_WRITES, "h", NULL, NULL, run_expose },
	[UNEXPOSE] = { "SERVICE", WORDS("SERVICE"), CHARM_WRITES, "h", NULL, NULL, run_unexpose },
	[SET] = { "SERVICE KEY=VALUE...", WORDS("SERVICE", "KEY=VALUE..."), CHARM_RUNS_HOOKS, "h", NULL, NULL,
		  run_set },
	[GET] = { "SERVICE", WORDS("SERVICE"), CHARM_READS, "h", NULL, NULL, run_get },
	[RESOLVED] = { "UNIT [--retry]", WORDS("UNIT"), CHARM_RUNS_HOOKS, "rh",
		       (const struct option[]){ { "retry", no_argument, NULL, 'r' }, HELP_OPTION, {} },
		       resolved_option, run_resolved },
	[STATUS] = { "[--format yaml|json|tabular]", WORDS(NULL), CHARM_READS, "f:h",
		     (const struct option[]){ { "format", required_argument, NULL, 'f' }, HELP_OPTION, {} },
		     status_option, run_status },
	[DEBUG_LOG] = { "[-n LINES] [-f|--follow]", WORDS(NULL), CHARM_READS, "n:fh",
			(const struct option[]){ { "lines", required_argument, NULL, 'n' },
						 { "follow", no_argument, NULL, 'f' },
						 HELP_OPTION,
						 {} },
			debug_log_option, run_debug_log },
};

/* verb: the word the user typed (an alias too: "add-relation"). */
static int charm_verb(const struct charm_verb *v, int argc, char **argv, struct cli_ctx *ctx)
{
	static const struct option help_only[] = { HELP_OPTION, {} };
	_cleanup_(charm_args_clear) struct charm_args a = { .names = v->names, .deploy.n_units = 1 };
	const char *verb = argv[0];
	struct taper_err err = { 0 };
	struct charm_env *e = NULL;
	int c, r;

	while ((c = getopt_long(argc, argv, v->shortopts, v->opts ? v->opts : help_only, NULL)) != -1) {
		if (c == 'h')
			return cli_usage(verb, v->usage, false);
		if (c == '?' || c == ':')
			return cli_bad_option(verb, v->usage, v->shortopts, argv);
		if ((r = v->option(verb, c, optarg, &a)) != 0)
			return r;
	}
	if ((r = cli_args(verb, v->usage, argc - optind, argv + optind, a.names)) != 0)
		return r;
	a.words = argv + optind;
	if (v->access == CHARM_RUNS_HOOKS && taper_runtime_prepare(ctx->argc, ctx->argv, &err) < 0)
		return cli_fail(verb, &err);
	if ((r = cli_charm_open(ctx, verb, v->access != CHARM_READS, &e)) != 0)
		return r;
	r = v->run(e, &a, &err);
	charm_env_close(e);
	return r < 0 ? cli_fail(verb, &err) : 0;
}

#define CHARM_VERB(fn, row)                                            \
	int fn(int argc, char **argv, struct cli_ctx *ctx)             \
	{                                                              \
		return charm_verb(&charm_verbs[row], argc, argv, ctx); \
	}

CHARM_VERB(cmd_deploy, DEPLOY)
CHARM_VERB(cmd_add_unit, ADD_UNIT)
CHARM_VERB(cmd_remove_unit, REMOVE_UNIT)
CHARM_VERB(cmd_destroy_service, DESTROY_SERVICE)
CHARM_VERB(cmd_relate, RELATE)
CHARM_VERB(cmd_unrelate, UNRELATE)
CHARM_VERB(cmd_expose, EXPOSE)
CHARM_VERB(cmd_unexpose, UNEXPOSE)
CHARM_VERB(cmd_set, SET)
CHARM_VERB(cmd_get, GET)
CHARM_VERB(cmd_resolved, RESOLVED)
CHARM_VERB(cmd_status, STATUS)
CHARM_VERB(cmd_debug_log, DEBUG_LOG)
