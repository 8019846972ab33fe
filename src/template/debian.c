/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * debian — a Debian system container through debootstrap.
 *
 * The first create of a (release, arch, variant, packages) runs debootstrap
 * into a staging directory under the cache (its --debian-installer
 * progress protocol on fd 3 drives the progress line), packs the result as
 * a tar and extracts that; later creates only extract the tar (seconds).
 * The mirror is the one apt on this machine uses. The init is systemd
 * (systemd-sysv); in a container it starts a getty on the console only,
 * and the units that manage hardware are masked. Stop signal: SIGRTMIN+3,
 * systemd's "halt".
 *
 * TAPER_DEBOOTSTRAP names another debootstrap (tests use a fake one).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "template/debian.h"
#include "template/template.h"
#include "template/unpack.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/sha256.h"
#include "util/strv.h"

#define DEBOOTSTRAP "/usr/sbin/debootstrap"
#define INIT_PACKAGE "systemd-sysv"

extern char **environ;

enum {
	OPT_RELEASE,
	OPT_PACKAGES,
	OPT_VARIANT,
	OPT_MIRROR
};

static const struct taper_template_option options[] = {
	[OPT_RELEASE] = { "release", "NAME", false,
			  "Debian release (default: this host's VERSION_CODENAME)" },
	[OPT_PACKAGES] = { "packages", "A,B", false,
			   "extra packages (" INIT_PACKAGE " is always installed)" },
	[OPT_VARIANT] = { "variant", "NAME", false, "debootstrap variant: minbase (default) or buildd" },
	[OPT_MIRROR] = { "mirror", "URL", false, "package mirror (default: the one apt here uses)" },
	{},
};

static const char *const variants[] = { "minbase", "buildd" };

/* Units that manage hardware or the kernel: the host does that. */
static const char *const masked_units[] = {
	"systemd-udevd.service",        "systemd-udevd-control.socket", "systemd-udevd-kernel.socket",
	"systemd-modules-load.service", "systemd-remount-fs.service",   "sys-kernel-config.mount",
	"sys-kernel-debug.mount",       "sys-kernel-tracing.mount",     "systemd-journald-audit.socket",
	"systemd-timesyncd.service",    "getty@tty1.service",           "systemd-firstboot.service",
};

static bool valid_word(const char *s, const char *extra)
{
	if (!*s || !((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')))
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || strchr(extra, *s)))
			return false;
	return true;
}

static const char *arch_name(char buf[65])
{
	static const struct {
		const char *machine, *arch;
	} map[] = { { "x86_64", "amd64" },   { "aarch64", "arm64" },   { "armv7l", "armhf" },
		    { "i686", "i386" },      { "ppc64le", "ppc64el" }, { "s390x", "s390x" },
		    { "riscv64", "riscv64" } };
	struct utsname u;

	if (uname(&u) < 0)
		return strcpy(buf, "amd64");
	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (strcmp(u.machine, map[i].machine) == 0)
			return strcpy(buf, map[i].arch);
	snprintf(buf, 65, "%s", u.machine);
	return buf;
}

int debian_release_from_os_release(const char *path, char **ret)
{
	_cleanup_free_ char *text = NULL;
	int r = read_file(path, 1 << 16, &text);

	if (r < 0)
		return r;
	for (char *save = NULL, *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *v;
		size_t n;

		if (strncmp(l, "VERSION_CODENAME=", 17) != 0)
			continue;
		v = l + 17;
		n = strlen(v);
		if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]) {
			v[n - 1] = '\0';
			v++;
		}
		if (!*v)
			return -ENOENT;
		*ret = strdup(v);
		return *ret ? 0 : -ENOMEM;
	}
	return -ENOENT;
}

static bool scheme_ok(const char *uri)
{
	return strncmp(uri, "http://", 7) == 0 || strncmp(uri, "https://", 8) == 0 ||
	       strncmp(uri, "file:/", 6) == 0;
}

static bool mirror_usable(const char *uri, const char *suites)
{
	if (!scheme_ok(uri))
		return false;
	/* The security archive only carries updates: not a bootstrap source. */
	return !strstr(uri, "security") && !(suites && strstr(suites, "-security"));
}

/* One-line format: "deb [opts] URI suite comp...". */
static int mirror_from_list(const char *path, char **ret)
{
	_cleanup_free_ char *text = NULL;

	if (read_file(path, 1 << 20, &text) < 0)
		return -ENOENT;
	for (char *save = NULL, *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *p = l + strspn(l, " \t"), *uri, *suite;

		if (strncmp(p, "deb", 3) != 0 || (p[3] != ' ' && p[3] != '\t'))
			continue;
		p += 3 + strspn(p + 3, " \t");
		if (*p == '[') {
			p = strchr(p, ']');
			if (!p)
				continue;
			p++;
			p += strspn(p, " \t");
		}
		uri = p;
		p += strcspn(p, " \t");
		if (*p)
			*p++ = '\0';
		suite = p + strspn(p, " \t");
		suite[strcspn(suite, " \t")] = '\0';
		if (mirror_usable(uri, suite)) {
			*ret = strdup(uri);
			return *ret ? 0 : -ENOMEM;
		}
	}
	return -ENOENT;
}

/* Is w one of the blank-separated words of s? ("deb deb-src") */
static bool has_word(const char *s, const char *w)
{
	size_t n = strlen(w);

	for (const char *p = s; (p = strstr(p, w)); p += n)
		if ((p == s || p[-1] == ' ' || p[-1] == '\t') &&
		    (p[n] == '\0' || p[n] == ' ' || p[n] == '\t'))
			return true;
	return false;
}

/* deb822 ".sources": paragraphs of "Field: value" (first URI used). */
static int mirror_from_sources(const char *path, char **ret)
{
	_cleanup_free_ char *text = NULL;
	char *p;

	if (read_file(path, 1 << 20, &text) < 0)
		return -ENOENT;
	p = text;
	while (*p) {
		char *end = strstr(p, "\n\n"), *types = NULL, *uris = NULL, *suites = NULL;
		bool enabled = true;

		if (end)
			*end = '\0';
		for (char *save = NULL, *l = strtok_r(p, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
			char *colon = strchr(l, ':');

			if (l[0] == '#' || l[0] == ' ' || l[0] == '\t' || !colon)
				continue;
			*colon = '\0';
			colon++;
			colon += strspn(colon, " \t");
			if (strcasecmp(l, "Types") == 0)
				types = colon;
			else if (strcasecmp(l, "URIs") == 0)
				uris = colon;
			else if (strcasecmp(l, "Suites") == 0)
				suites = colon;
			else if (strcasecmp(l, "Enabled") == 0)
				enabled = strcasecmp(colon, "no") != 0;
		}
		if (enabled && types && uris && has_word(types, "deb")) {
			uris[strcspn(uris, " \t")] = '\0';
			if (mirror_usable(uris, suites)) {
				*ret = strdup(uris);
				return *ret ? 0 : -ENOMEM;
			}
		}
		if (!end)
			break;
		p = end + 2;
	}
	return -ENOENT;
}

static int has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n > m && strcmp(s + n - m, suffix) == 0;
}

int debian_mirror_from_apt(const char *apt_dir, char **ret)
{
	_cleanup_free_ char *list = NULL, *dir = NULL;
	struct dirent **names = NULL;
	int n, r = -ENOENT;

	if (asprintf(&list, "%s/sources.list", apt_dir) < 0 ||
	    asprintf(&dir, "%s/sources.list.d", apt_dir) < 0)
		return -ENOMEM;
	if (mirror_from_list(list, ret) == 0)
		return 0;
	n = scandir(dir, &names, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		_cleanup_free_ char *path = NULL;

		if (r != 0 && asprintf(&path, "%s/%s", dir, names[i]->d_name) >= 0) {
			if (has_suffix(names[i]->d_name, ".list"))
				r = mirror_from_list(path, ret);
			else if (has_suffix(names[i]->d_name, ".sources"))
				r = mirror_from_sources(path, ret);
		}
		free(names[i]);
	}
	free(names);
	return r;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted, unique, comma-joined, with the init package. */
static int package_list(const char *packages, char **ret)
{
	_cleanup_strv_free_ char **v = packages ? strv_split(packages, ',') : calloc(1, sizeof(char *));
	size_t n, len = 0;
	char *out;

	if (!v || strv_extend(&v, INIT_PACKAGE) < 0)
		return -ENOMEM;
	n = strv_length(v);
	qsort(v, n, sizeof(char *), cmp_str);
	for (size_t i = 0; i < n; i++)
		len += strlen(v[i]) + 1;
	out = calloc(1, len + 1);
	if (!out)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && strcmp(v[i], v[i - 1]) == 0)
			continue;
		if (*out)
			strcat(out, ",");
		strcat(out, v[i]);
	}
	*ret = out;
	return 0;
}

int debian_cache_key(const char *release, const char *arch, const char *variant, const char *packages,
		     char **ret)
{
	_cleanup_free_ char *pkgs = NULL, *input = NULL;
	uint8_t d[SHA256_DIGEST_SIZE];
	char hex[SHA256_HEX_SIZE];

	if (package_list(packages, &pkgs) < 0 || asprintf(&input, "%s\n%s\n", variant, pkgs) < 0)
		return -ENOMEM;
	sha256_buf(input, strlen(input), d);
	sha256_hex(d, hex);
	return asprintf(ret, "%s-%s-%s-%.16s", release, arch, variant, hex) < 0 ? -ENOMEM : 0;
}

static int check(char *const *values, struct taper_err *err)
{
	const char *rel = values[OPT_RELEASE], *variant = values[OPT_VARIANT];
	bool ok = false;

	if (rel && !valid_word(rel, "-"))
		return err_set(err, 0, "--release \"%s\": not a release name", rel);
	if (variant) {
		for (size_t i = 0; i < ARRAY_SIZE(variants); i++)
			ok = ok || strcmp(variant, variants[i]) == 0;
		if (!ok)
			return err_set(err, 0, "--variant \"%s\": use minbase or buildd", variant);
	}
	if (values[OPT_PACKAGES]) {
		_cleanup_strv_free_ char **v = strv_split(values[OPT_PACKAGES], ',');

		if (!v)
			return err_set(err, ENOMEM, "--packages");
		for (char **p = v; *p; p++)
			if (!valid_word(*p, "+-.") || strlen(*p) < 2)
				return err_set(err, 0, "--packages: \"%s\" is not a package name", *p);
	}
	if (values[OPT_MIRROR] && !scheme_ok(values[OPT_MIRROR]))
		return err_set(err, 0, "--mirror \"%s\": use an http(s):// or file:/ URL",
			       values[OPT_MIRROR]);
	if (!rel) {
		_cleanup_free_ char *host = NULL;

		if (debian_release_from_os_release("/etc/os-release", &host) < 0)
			return err_set(err, 0, "this host names no VERSION_CODENAME: give --release");
	}
	return 0;
}

/* Detach every mount below path (debootstrap mounts /proc, /sys in the
 * target; a killed run leaves them), deepest first. */
static void umount_below(const char *path)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
	_cleanup_strv_free_ char **found = NULL;
	size_t plen = strlen(path), n;
	char line[4096];

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char mnt[PATH_MAX];

		/* id parent major:minor root mountpoint ... */
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1)
			continue;
		if (strncmp(mnt, path, plen) == 0 && mnt[plen] == '/')
			(void)strv_extend(&found, mnt);
	}
	n = strv_length(found);
	if (n == 0)
		return; /* qsort(NULL, 0, ...) is undefined */
	qsort(found, n, sizeof(char *), cmp_str);
	for (size_t i = n; i-- > 0;)
		(void)umount2(found[i], MNT_DETACH);
}

struct run_state {
	char line[4096];
	size_t len;
	char stage[64];
	char last_error[512];
};

/* --debian-installer lines: "P: NOW END NAME", "E: NAME", "EF: format",
 * "EA: arg". Progress is forwarded; the error text kept for the message. */
static void handle_line(const struct template_ctx *ctx, struct run_state *st, char *l)
{
	unsigned long long now, end;
	char name[64];

	if (sscanf(l, "P: %llu %llu %63s", &now, &end, name) == 3) {
		for (char *c = name; *c; c++)
			*c = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
		snprintf(st->stage, sizeof(st->stage), "%s", name);
		template_progress(ctx, st->stage, now, end);
	} else if (strncmp(l, "E: ", 3) == 0 || strncmp(l, "EF: ", 4) == 0 || strncmp(l, "EA: ", 4) == 0) {
		size_t have = strlen(st->last_error);

		snprintf(st->last_error + have, sizeof(st->last_error) - have, "%s%s", have ? " " : "",
			 strchr(l, ' ') + 1);
	}
}

static int run_debootstrap(const struct template_ctx *ctx, char **argv, const char *log_path,
			   struct taper_err *err)
{
	_cleanup_close_ int rfd = -1, wfd = -1, logfd = -1;
	struct run_state st = {};
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none;
	int pipefd[2], status, r;
	pid_t pid;

	logfd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (logfd < 0)
		return err_set(err, errno, "log %s", log_path);
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return err_set(err, errno, "pipe");
	rfd = pipefd[0];
	wfd = pipefd[1];
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, logfd, STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&fa, logfd, STDERR_FILENO);
	posix_spawn_file_actions_adddup2(&fa, wfd, 3);
	/* Its own process group: a cancel kills debootstrap, wget and dpkg
	 * together, and the terminal's ^C reaches only us. */
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK);
	r = posix_spawn(&pid, argv[0], &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (r != 0)
		return err_set(err, r, "run %s", argv[0]);
	wfd = safe_close(wfd);
	for (;;) {
		ssize_t n;
		char *nl;

		if (template_cancelled(ctx)) {
			kill(-pid, SIGKILL);
			while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
				;
			return err_set(err, ECANCELED, "debootstrap interrupted");
		}
		n = read(rfd, st.line + st.len, sizeof(st.line) - st.len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		st.len += (size_t)n;
		st.line[st.len] = '\0';
		while ((nl = strchr(st.line, '\n'))) {
			*nl = '\0';
			handle_line(ctx, &st, st.line);
			st.len -= (size_t)(nl + 1 - st.line);
			memmove(st.line, nl + 1, st.len + 1);
		}
		if (st.len == sizeof(st.line) - 1)
			st.len = 0; /* an absurd line: drop it */
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return err_set(err, errno, "wait for debootstrap");
		if (template_cancelled(ctx))
			kill(-pid, SIGKILL);
	}
	if (template_cancelled(ctx))
		return err_set(err, ECANCELED, "debootstrap interrupted");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return err_set(err, 0, "debootstrap failed%s%s (log: %s)", st.last_error[0] ? ": " : "",
			       st.last_error, log_path);
	return 0;
}

struct paths {
	char *dir;     /* <cache>/debian */
	char *tar;     /* <dir>/<key>.tar */
	char *staging; /* <dir>/.staging-<key> */
	char *log;     /* <dir>/<key>.log */
	char *lock;    /* <dir>/<key>.lock */
};

static void paths_clear(struct paths *p)
{
	free(p->dir);
	free(p->tar);
	free(p->staging);
	free(p->log);
	free(p->lock);
}

/* Debootstrap into staging, pack it into <key>.tar (atomically). */
static int bootstrap_to_cache(const struct template_ctx *ctx, const struct paths *p, const char *release,
			      const char *arch, const char *variant, const char *packages, const char *mirror,
			      struct taper_err *err)
{
	_cleanup_free_ char *a_variant = NULL, *a_arch = NULL, *a_include = NULL, *a_cache = NULL,
			    *debs = NULL, *tmp = NULL;
	_cleanup_close_ int staging_fd = -1, out = -1;
	const char *prog = getenv("TAPER_DEBOOTSTRAP");
	int r;

	if (asprintf(&debs, "%s/debootstrap/archives", ctx->cache_dir) < 0 ||
	    asprintf(&a_variant, "--variant=%s", variant) < 0 || asprintf(&a_arch, "--arch=%s", arch) < 0 ||
	    asprintf(&a_include, "--include=%s", packages) < 0 ||
	    asprintf(&a_cache, "--cache-dir=%s", debs) < 0 || asprintf(&tmp, "%s.tmp", p->tar) < 0)
		return err_set(err, ENOMEM, "debootstrap");
	r = mkdir_p(debs, 0755);
	if (r < 0)
		return err_set(err, r, "cache %s", debs);
	umount_below(p->staging);
	r = rm_rf_at(AT_FDCWD, p->staging);
	if (r < 0)
		return err_set(err, r, "remove stale %s", p->staging);
	if (mkdir(p->staging, 0755) < 0)
		return err_set(err, errno, "mkdir %s", p->staging);

	char *argv[] = { (char *)(prog && *prog ? prog : DEBOOTSTRAP),
			 (char *)"--debian-installer",
			 a_variant,
			 a_arch,
			 a_include,
			 a_cache,
			 (char *)release,
			 p->staging,
			 (char *)mirror,
			 NULL };
	r = run_debootstrap(ctx, argv, p->log, err);
	umount_below(p->staging);
	if (r < 0)
		return r;
	/* The .debs live in the shared cache; the tree keeps no copy. */
	staging_fd = open(p->staging, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (staging_fd < 0)
		return err_set(err, errno, "open %s", p->staging);
	out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (out < 0)
		return err_set(err, errno, "create %s", tmp);
	r = pack_tree(ctx, staging_fd, out, err);
	if (r < 0) {
		(void)unlink(tmp);
		return err_wrap(err, "pack %s", p->staging);
	}
	if (fsync(out) < 0 || rename(tmp, p->tar) < 0) {
		r = err_set(err, errno, "save %s", p->tar);
		(void)unlink(tmp);
		return r;
	}
	(void)rm_rf_at(AT_FDCWD, p->staging);
	return 0;
}

/* A machine id of its own: the cached tree carries the one debootstrap's
 * systemd made, which every container of the cache would share. */
static int write_machine_id(int rootfs_fd, struct taper_err *err)
{
	uint8_t raw[16];
	char id[34];

	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
		return err_set(err, errno ? errno : EIO, "machine id: getrandom");
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(id + 2 * i, 3, "%02x", raw[i]);
	id[32] = '\n';
	id[33] = '\0';
	if (root_unlink(rootfs_fd, "etc/machine-id", err) < 0)
		return err_wrap(err, "machine id");
	return template_write(rootfs_fd, "etc/machine-id", id, 0444, err);
}

/* What makes sense in a container: identity, no hardware units, no fstab. */
static int setup_container(const struct template_ctx *ctx, int rootfs_fd, struct taper_err *err)
{
	_cleanup_close_ int units = -1;
	int r;

	r = template_write_identity(ctx, rootfs_fd, err);
	if (r < 0)
		return r;
	r = write_machine_id(rootfs_fd, err);
	if (r < 0)
		return r;
	r = template_write(rootfs_fd, "etc/fstab", "# the container runtime mounts the filesystems\n", 0644,
			   err);
	if (r < 0)
		return r;
	/* Resolved in the root: a symlinked etc/systemd never leads out. */
	units = openat2_in_root(rootfs_fd, "etc/systemd/system", O_PATH | O_DIRECTORY, 0);
	if (units < 0)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(masked_units); i++) {
		(void)unlinkat(units, masked_units[i], 0);
		if (symlinkat("/dev/null", units, masked_units[i]) < 0)
			return err_set(err, errno, "mask %s", masked_units[i]);
	}
	return 0;
}

static int build(const struct template_ctx *ctx, int rootfs_fd, char *const *values, char ***ret_config,
		 struct taper_err *err)
{
	_cleanup_(paths_clear) struct paths p = {};
	_cleanup_free_ char *release = NULL, *mirror = NULL, *key = NULL, *pkgs = NULL;
	_cleanup_close_ int lock = -1, tar = -1;
	const char *variant = values[OPT_VARIANT] ? values[OPT_VARIANT] : "minbase";
	char arch[65];
	int r;

	arch_name(arch);
	if (values[OPT_RELEASE])
		release = strdup(values[OPT_RELEASE]);
	else if (debian_release_from_os_release("/etc/os-release", &release) < 0)
		return err_set(err, 0, "this host names no VERSION_CODENAME: give --release");
	if (!release || package_list(values[OPT_PACKAGES], &pkgs) < 0 ||
	    debian_cache_key(release, arch, variant, values[OPT_PACKAGES], &key) < 0)
		return err_set(err, ENOMEM, "debian");
	if (asprintf(&p.dir, "%s/debian", ctx->cache_dir) < 0 ||
	    asprintf(&p.tar, "%s/%s.tar", p.dir, key) < 0 ||
	    asprintf(&p.staging, "%s/.staging-%s", p.dir, key) < 0 ||
	    asprintf(&p.log, "%s/%s.log", p.dir, key) < 0 || asprintf(&p.lock, "%s/%s.lock", p.dir, key) < 0)
		return err_set(err, ENOMEM, "debian");
	r = mkdir_p(p.dir, 0755);
	if (r < 0)
		return err_set(err, r, "cache %s", p.dir);
	/* One bootstrap per key at a time; the others wait and then hit. */
	lock = open(p.lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lock < 0)
		return err_set(err, errno, "lock %s", p.lock);
	while (flock(lock, LOCK_EX) < 0) {
		if (errno != EINTR)
			return err_set(err, errno, "lock %s", p.lock);
		if (template_cancelled(ctx))
			return err_set(err, ECANCELED, "interrupted");
	}
	if (access(p.tar, F_OK) < 0) {
		if (values[OPT_MIRROR])
			mirror = strdup(values[OPT_MIRROR]);
		else if (debian_mirror_from_apt("/etc/apt", &mirror) < 0)
			mirror = strdup(DEBIAN_MIRROR_FALLBACK);
		if (!mirror)
			return err_set(err, ENOMEM, "debian");
		template_progress(ctx, "debootstrap", 0, 0);
		r = bootstrap_to_cache(ctx, &p, release, arch, variant, pkgs, mirror, err);
		if (r < 0)
			return err_wrap(err, "%s from %s", release, mirror);
	}
	tar = open(p.tar, O_RDONLY | O_CLOEXEC);
	if (tar < 0)
		return err_set(err, errno, "open %s", p.tar);
	lock = safe_close(lock);
	r = unpack_archive(ctx, rootfs_fd, tar, "extracting", 0, err);
	if (r < 0)
		return err_wrap(err, "%s", p.tar);
	r = setup_container(ctx, rootfs_fd, err);
	if (r < 0)
		return r;
	if (template_config_add(ret_config, "init.cmd", "/sbin/init") < 0 ||
	    template_config_add(ret_config, "stop.signal", "SIGRTMIN+3") < 0)
		return err_set(err, ENOMEM, "config");
	return 0;
}

const struct template_def template_debian = {
	.name = "debian",
	.options = options,
	.check = check,
	.build = build,
	.doc = "a Debian system container (debootstrap, cached per release and package set)",
};
