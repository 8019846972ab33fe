/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * taper console NAME — the container's console through its monitor: the
 * recent output first, then live. Ctrl-a q detaches; the terminal is in
 * raw mode meanwhile and restored on the way out.
 */
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli/cli.h"

#define VERB "console"

int cmd_console(int argc, char **argv, struct cli_ctx *ctx)
{
	struct taper_store *s = NULL;
	struct taper_err err = { 0 };
	struct termios saved;
	bool raw = false, tty = isatty(STDIN_FILENO);
	int r;

	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
		return cli_usage(VERB, "NAME   (Ctrl-a q detaches)", false);
	if (argc != 2 || argv[1][0] == '-')
		return cli_usage(VERB, "NAME   (Ctrl-a q detaches)", true);
	if ((r = cli_open_store(ctx, VERB, &s)) != 0)
		return r;
	if (tty) {
		fprintf(stderr, "Connected to the console of %s; Ctrl-a q to detach.\r\n", argv[1]);
		if (tcgetattr(STDIN_FILENO, &saved) == 0) {
			struct termios tio = saved;

			cfmakeraw(&tio);
			raw = tcsetattr(STDIN_FILENO, TCSANOW, &tio) == 0;
		}
	}
	r = taper_container_console(s, argv[1], STDIN_FILENO, STDOUT_FILENO, &err);
	if (raw)
		(void)tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	taper_store_close(s);
	if (tty && r >= 0)
		fprintf(stderr, "\nDetached from %s.\n", argv[1]);
	return r < 0 ? cli_fail(VERB, &err) : 0;
}
