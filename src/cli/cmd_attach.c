/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * taper attach NAME [-t|-T] [-u USER] [-g GROUP] [--clear-env] [--env K=V]...
 *              [--cwd DIR] [-- CMD...]
 *
 * A command (default: a login shell) in the running container's
 * namespaces, cgroup and security context; the exit status is its own.
 * -t gives it a pty of the container's own (the default when stdin is a
 * terminal), -T plain stdio. --user and --group (a number, or a name of
 * the container's /etc/passwd and /etc/group) and --clear-env (PATH, TERM
 * and --env alone, not the config's environment) are lxc-attach's.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli/cli.h"
#include "util/cleanup.h"
#include "util/strv.h"

#define VERB "attach"
#define USAGE "NAME [-t|-T] [-u USER] [-g GROUP] [--clear-env] [--env K=V]... [--cwd DIR] [-- CMD [ARG...]]"

/* Options up to the first word that is not one ('+'), so that the
 * command's own options stay its own; 0, -1 after --help, or an exit
 * status. */
static int parse_opts(int argc, char **argv, struct taper_attach_opts *ao, char ***env)
{
	static const struct option opts[] = {
		{ "env", required_argument, NULL, 'e' },
		{ "cwd", required_argument, NULL, 'w' },
		{ "tty", no_argument, NULL, 't' },
		{ "no-tty", no_argument, NULL, 'T' },
		{ "user", required_argument, NULL, 'u' },
		{ "group", required_argument, NULL, 'g' },
		{ "clear-env", no_argument, NULL, 'E' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	int c;

	while ((c = getopt_long(argc, argv, "+e:w:tTu:g:h", opts, NULL)) != -1) {
		switch (c) {
		case 'u':
			if (!*optarg)
				return cli_usage_error(VERB, USAGE, "--user needs a UID or a name");
			ao->user = optarg;
			break;
		case 'g':
			if (!*optarg)
				return cli_usage_error(VERB, USAGE, "--group needs a GID or a name");
			ao->group = optarg;
			break;
		case 'E':
			ao->clear_env = true;
			break;
		case 'e':
			if (!strchr(optarg, '=') || optarg[0] == '=')
				return cli_failf(2, VERB, "--env needs K=V, not \"%s\"", optarg);
			if (strv_extend(env, optarg) < 0)
				return cli_failf(1, VERB, "out of memory");
			break;
		case 'w':
			if (optarg[0] != '/')
				return cli_failf(2, VERB, "--cwd needs an absolute path, not \"%s\"", optarg);
			ao->cwd = optarg;
			break;
		case 't':
			ao->pty = true;
			break;
		case 'T':
			ao->pty = false;
			break;
		case 'h':
			cli_usage(VERB, USAGE, false);
			return -1;
		default:
			return cli_bad_option(VERB, USAGE, "+e:w:tTu:g:h", argv);
		}
	}
	return 0;
}

int cmd_attach(int argc, char **argv, struct cli_ctx *ctx)
{
	_cleanup_(strv_freep) char **env = NULL;
	struct taper_attach_opts ao;
	struct taper_store *s = NULL;
	struct taper_err err = { 0 };
	struct termios saved;
	const char *name;
	bool raw = false;
	int r, status = TAPER_STATUS_RUNTIME_ERROR;

	taper_attach_opts_init(&ao);
	ao.ret_status = &status;
	ao.pty = isatty(STDIN_FILENO);
	/* Options before NAME, and after it up to the command or "--". */
	if ((r = parse_opts(argc, argv, &ao, &env)) != 0)
		return r < 0 ? 0 : r;
	if (optind >= argc)
		return cli_usage_error(VERB, USAGE, "missing NAME");
	name = argv[optind];
	argv += optind;
	argc -= optind;
	optind = 0; /* start over on the words after NAME (argv[0] is NAME) */
	if ((r = parse_opts(argc, argv, &ao, &env)) != 0)
		return r < 0 ? 0 : r;
	ao.env = env;
	if (optind < argc) /* getopt took a "--" */
		ao.argv = argv + optind;
	/* A process entering the container must not find this binary. */
	if (taper_runtime_prepare(ctx->argc, ctx->argv, &err) < 0)
		return cli_fail(VERB, &err), TAPER_STATUS_RUNTIME_ERROR;
	if ((r = cli_open_store(ctx, VERB, &s)) != 0)
		return r;
	if (ao.pty && isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0) {
		struct termios tio = saved;

		cfmakeraw(&tio);
		raw = tcsetattr(STDIN_FILENO, TCSANOW, &tio) == 0;
	}
	r = taper_container_attach(s, name, &ao, &err);
	if (raw)
		(void)tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	taper_store_close(s);
	if (r < 0)
		return cli_fail(VERB, &err), status;
	return r;
}
