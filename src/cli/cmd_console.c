/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * taper console NAME — the container's console through its monitor: the
 * recent output first, then live. Ctrl-a q detaches; the terminal is in
 * raw mode meanwhile and restored on the way out.
 */
#include <getopt.h>
#include <stdio.h>
#include <termios.h>
#include <unistd.h>

#include "cli/cli.h"

#define VERB "console"
#define USAGE "NAME   (Ctrl-a q detaches)"

int cmd_console(int argc, char **argv, struct cli_ctx *ctx)
{
	struct taper_store *s = NULL;
	struct taper_err err = { 0 };
	struct termios saved;
	bool raw = false, tty = isatty(STDIN_FILENO);
	const char *name;
	int r;

	if ((r = cli_no_options(VERB, USAGE, argc, argv)) != 0)
		return r < 0 ? 0 : r;
	if ((r = cli_args(VERB, USAGE, argc - optind, argv + optind, CLI_NAME)) != 0)
		return r;
	name = argv[optind];
	if ((r = cli_open_store(ctx, VERB, &s)) != 0)
		return r;
	if (tty) {
		fprintf(stderr, "Connected to the console of %s; Ctrl-a q to detach.\r\n", name);
		if (tcgetattr(STDIN_FILENO, &saved) == 0) {
			struct termios tio = saved;

			cfmakeraw(&tio);
			raw = tcsetattr(STDIN_FILENO, TCSANOW, &tio) == 0;
		}
	}
	r = taper_container_console(s, name, STDIN_FILENO, STDOUT_FILENO, &err);
	if (raw)
		(void)tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	taper_store_close(s);
	if (tty && r >= 0)
		fprintf(stderr, "\nDetached from %s.\n", name);
	return r < 0 ? cli_fail(VERB, &err) : 0;
}
