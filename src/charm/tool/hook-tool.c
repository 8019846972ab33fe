/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hook-tool — the hook tools inside a unit (relation-get, relation-set,
 * config-get, open-port, status-set, juju-log, ...): one small static
 * program, named by argv[0] (or by its first argument), that hands its
 * words to taper over the unit's socket and prints the answer. Static and
 * libc-only, so that it runs in a busybox unit as in a Debian one.
 * Protocol: src/charm/tools.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define SOCKET_PATH "/var/lib/taper-charm/sock"

static int put(int fd, const char *s)
{
	size_t n = strlen(s) + 1;

	while (n > 0) {
		ssize_t k = write(fd, s, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		s += k;
		n -= (size_t)k;
	}
	return 0;
}

static int put_env(int fd, const char *tag, const char *name)
{
	const char *v = getenv(name);
	char buf[4096];

	snprintf(buf, sizeof(buf), "%s%s", tag, v ? v : "");
	return put(fd, buf);
}

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *name = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	const char *path = getenv("TAPER_HOOK_SOCKET") ? getenv("TAPER_HOOK_SOCKET") : SOCKET_PATH;
	char *reply = NULL, *nl;
	size_t len = 0, cap = 0, outlen;
	int fd, code;

	if (strcmp(name, "hook-tool") == 0) {
		if (argc < 2) {
			fprintf(stderr, "usage: hook-tool TOOL [ARG...]\n");
			return 2;
		}
		argv++;
		argc--;
		name = argv[0];
	}
	if (strlen(path) >= sizeof(sa.sun_path))
		return 2;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "%s: cannot reach taper at %s: %s (hook tools work only while a hook runs)\n",
			name, path, strerror(errno));
		return 1;
	}
	if (put_env(fd, "R=", "JUJU_RELATION_ID") < 0 || put_env(fd, "U=", "JUJU_REMOTE_UNIT") < 0 ||
	    put(fd, "") < 0 || put(fd, name) < 0)
		goto io;
	for (int i = 1; i < argc; i++)
		if (put(fd, argv[i]) < 0)
			goto io;
	shutdown(fd, SHUT_WR);
	for (;;) {
		ssize_t k;

		if (len == cap) {
			char *n = realloc(reply, cap ? cap * 2 : 4096);

			if (!n)
				goto io;
			reply = n;
			cap = cap ? cap * 2 : 4096;
		}
		k = read(fd, reply + len, cap - len - 1);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			goto io;
		if (k == 0)
			break;
		len += (size_t)k;
	}
	if (!reply)
		goto io;
	reply[len] = '\0';
	if (!(nl = memchr(reply, '\n', len)) || sscanf(reply, "%d %zu", &code, &outlen) != 2 ||
	    outlen > len - (size_t)(nl + 1 - reply))
		goto io;
	fwrite(nl + 1, 1, outlen, stdout);
	fwrite(nl + 1 + outlen, 1, len - (size_t)(nl + 1 - reply) - outlen, stderr);
	return code;
io:
	fprintf(stderr, "%s: no answer from taper\n", name);
	return 1;
}
