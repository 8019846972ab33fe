/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What an unprivileged user needs for containers: room for user
 * namespaces, the distribution's switches, the shadow id-map helpers and
 * subordinate id ranges. Read-only. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "check/check-internal.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/parse.h"

static int read_sysctl(const char *path, char *buf, size_t len)
{
	_cleanup_free_ char *v = NULL;
	int r = read_file(path, 64, &v);

	if (r < 0)
		return r;
	v[strcspn(v, "\n")] = '\0';
	snprintf(buf, len, "%s", v);
	return 0;
}

CHECK_PROBE(probe_userns_max)
{
	char v[64];
	uint64_t n = 0;
	int r = read_sysctl("/proc/sys/user/max_user_namespaces", v, sizeof(v));

	if (r < 0) {
		snprintf(detail, len, "read /proc/sys/user/max_user_namespaces: %s", strerror(-r));
		return false;
	}
	if (parse_u64(v, &n) < 0) {
		snprintf(detail, len, "user.max_user_namespaces = \"%s\" is not a number", v);
		return false;
	}
	snprintf(detail, len, "user.max_user_namespaces = %" PRIu64, n);
	return n > 0;
}

/* Distribution switches that forbid unprivileged user namespaces. */
static const struct {
	const char *path;
	const char *name;
	const char *allowed; /* the value that lets users create them */
} userns_gates[] = {
	{ "/proc/sys/kernel/unprivileged_userns_clone", "kernel.unprivileged_userns_clone", "1" },
	{ "/proc/sys/kernel/apparmor_restrict_unprivileged_userns",
	  "kernel.apparmor_restrict_unprivileged_userns", "0" },
};

CHECK_PROBE(probe_userns_unprivileged)
{
	bool ok = true, any = false;

	detail[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(userns_gates); i++) {
		char v[64];
		size_t used = strlen(detail);

		if (read_sysctl(userns_gates[i].path, v, sizeof(v)) < 0)
			continue;
		any = true;
		ok &= strcmp(v, userns_gates[i].allowed) == 0;
		snprintf(detail + used, len - used, "%s%s = %s", used ? "; " : "", userns_gates[i].name, v);
	}
	if (!any)
		snprintf(detail, len, "allowed: no kernel.unprivileged_userns_clone switch on this kernel");
	return ok;
}

/* A shadow helper is only useful when it can write the maps: setuid root,
 * or file capabilities. */
CHECK_PROBE(probe_idmap_binary)
{
	static const char *const fallback = "/usr/bin:/usr/sbin:/bin:/sbin";
	const char *path = getenv("PATH");
	_cleanup_free_ char *dirs = NULL;
	char *save = NULL;

	if (asprintf(&dirs, "%s:%s", path ? path : "", fallback) < 0) {
		snprintf(detail, len, "out of memory");
		return false;
	}
	for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		char file[512];
		struct stat st;
		bool setuid, fcaps;

		if (d[0] != '/')
			continue;
		snprintf(file, sizeof(file), "%s/%s", d, p->word);
		if (stat(file, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		setuid = (st.st_mode & S_ISUID) && st.st_uid == 0;
		fcaps = getxattr(file, "security.capability", NULL, 0) > 0;
		snprintf(detail, len, "%s, %s", file,
			 setuid  ? "setuid root"
			 : fcaps ? "file capabilities"
				 : "neither setuid nor capable");
		return setuid || fcaps;
	}
	snprintf(detail, len, "%s not found in PATH or %s", p->word, fallback);
	return false;
}

/* "name:start:count" lines; comments and blank lines skipped. */
CHECK_PROBE(probe_subid_file)
{
	_cleanup_free_ char *text = NULL;
	char *save = NULL;
	size_t ranges = 0, bad = 0;
	int r = read_file(p->word, 1u << 20, &text);

	if (r < 0) {
		snprintf(detail, len, "%s: %s", p->word, strerror(-r));
		return false;
	}
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		uint64_t v;

		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (!c2 || c1 == line) {
			bad++;
			continue;
		}
		*c2 = '\0';
		if (parse_u64(c1 + 1, &v) < 0 || parse_u64(c2 + 1, &v) < 0 || v == 0)
			bad++;
		else
			ranges++;
	}
	snprintf(detail, len, "%s: %zu range%s%s", p->word, ranges, ranges == 1 ? "" : "s",
		 bad ? ", some lines malformed" : "");
	return ranges > 0;
}
