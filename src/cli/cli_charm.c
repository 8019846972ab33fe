/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cli_charm.c — what the charm verbs share: where the hook tool and the
 * shipped charms are (beside the binary as installed, else in the build
 * and source trees), and opening the charm environment.
 */
#include <errno.h>
#include <limits.h>
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
