/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * busybox — a system container from the host's static busybox, in well
 * under a second: the FHS skeleton, one symlink per applet, an inittab for
 * busybox init (getty on the console, rcS at boot, rcK at shutdown) and the
 * identity files.
 *
 * Stop signal, measured with Debian's busybox-static 1.35 as PID 1 of a
 * PID namespace: SIGUSR1 and SIGPWR halt, SIGUSR2 powers off, SIGTERM
 * reboots. Each runs the ::shutdown actions, sends every process SIGTERM,
 * waits a second, sends SIGKILL and calls reboot(2), which in a PID
 * namespace ends init as if killed by SIGINT (halt, power off) or SIGHUP
 * (reboot): about 2 s from signal to exit. stop.signal = SIGPWR, taper's
 * default, therefore stops it cleanly; the template writes it anyway so
 * the config says so.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "template/template.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"

#define BUSYBOX_DEFAULT "/bin/busybox"

enum {
	OPT_BUSYBOX
};

static const struct taper_template_option options[] = {
	[OPT_BUSYBOX] = { "busybox", "PATH", false,
			  "the static busybox to copy (default " BUSYBOX_DEFAULT ")" },
	{},
};

static const char *busybox_path(char *const *values)
{
	return values[OPT_BUSYBOX] ? values[OPT_BUSYBOX] : BUSYBOX_DEFAULT;
}

/* A static executable has no PT_INTERP program header. */
static int elf_is_static(int fd, bool *ret)
{
	union {
		Elf64_Ehdr e64;
		Elf32_Ehdr e32;
	} h;
	bool is64;
	uint64_t phoff;
	unsigned phnum, phentsize;

	if (pread(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h) || memcmp(h.e64.e_ident, ELFMAG, SELFMAG) != 0)
		return -ENOEXEC;
	is64 = h.e64.e_ident[EI_CLASS] == ELFCLASS64;
	phoff = is64 ? h.e64.e_phoff : h.e32.e_phoff;
	phnum = is64 ? h.e64.e_phnum : h.e32.e_phnum;
	phentsize = is64 ? h.e64.e_phentsize : h.e32.e_phentsize;
	if (phentsize < (is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr)) || phnum > 4096)
		return -ENOEXEC;
	for (unsigned i = 0; i < phnum; i++) {
		uint32_t type;

		if (pread(fd, &type, sizeof(type), (off_t)(phoff + (uint64_t)i * phentsize)) != sizeof(type))
			return -ENOEXEC;
		if (type == PT_INTERP) {
			*ret = false;
			return 0;
		}
	}
	*ret = true;
	return 0;
}

static int check(char *const *values, struct taper_err *err)
{
	const char *path = busybox_path(values);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	bool is_static = false;
	int r;

	if (fd < 0)
		return err_set(err, errno, "busybox %s (install busybox-static)", path);
	r = elf_is_static(fd, &is_static);
	if (r < 0)
		return err_set(err, r, "busybox %s", path);
	if (!is_static)
		return err_set(err, 0,
			       "busybox %s is dynamically linked and would not run in the container "
			       "(install busybox-static)",
			       path);
	return 0;
}

/* "busybox --list-full": one applet path per line ("usr/bin/awk"). */
static int list_applets(const char *busybox, char **ret, struct taper_err *err)
{
	_cleanup_close_ int rfd = -1, wfd = -1;
	_cleanup_free_ char *out = NULL;
	size_t len = 0, cap = 0;
	posix_spawn_file_actions_t fa;
	char *argv[] = { (char *)"busybox", (char *)"--list-full", NULL };
	char *envp[] = { NULL };
	int pipefd[2], status, r;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return err_set(err, errno, "pipe");
	rfd = pipefd[0];
	wfd = pipefd[1];
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, wfd, STDOUT_FILENO);
	r = posix_spawn(&pid, busybox, &fa, NULL, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	if (r != 0)
		return err_set(err, r, "run %s --list-full", busybox);
	wfd = safe_close(wfd);
	for (;;) {
		ssize_t n;

		if (len + 4096 > cap) {
			char *nb = realloc(out, cap = cap * 2 + 8192);

			if (!nb)
				return err_set(err, ENOMEM, "applet list");
			out = nb;
		}
		n = read(rfd, out + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!out || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return err_set(err, 0, "%s --list-full failed", busybox);
	out[len] = '\0';
	*ret = TAKE_PTR(out);
	return 0;
}

static int mkdirs_at(int dfd, const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);

	if (len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	for (char *p = buf; (p = strchr(p + 1, '/'));) {
		*p = '\0';
		if (mkdirat(dfd, buf, mode) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdirat(dfd, buf, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int link_applets(int rootfs_fd, char *list, struct taper_err *err)
{
	for (char *save = NULL, *line = strtok_r(list, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *slash = strrchr(line, '/');
		int r;

		/* "linuxrc" and anything odd stay out of the tree. */
		if (!slash || line[0] == '/' || strstr(line, "..") || strcmp(line, "bin/busybox") == 0)
			continue;
		*slash = '\0';
		r = mkdirs_at(rootfs_fd, line, 0755);
		*slash = '/';
		if (r < 0)
			return err_set(err, r, "mkdir for /%s", line);
		if (symlinkat("/bin/busybox", rootfs_fd, line) < 0 && errno != EEXIST)
			return err_set(err, errno, "symlink /%s", line);
	}
	return 0;
}

static const struct {
	const char *path;
	mode_t mode;
} skeleton[] = {
	{ "bin", 0755 },  { "sbin", 0755 },       { "usr", 0755 }, { "usr/bin", 0755 }, { "usr/sbin", 0755 },
	{ "etc", 0755 },  { "etc/init.d", 0755 }, { "dev", 0755 }, { "proc", 0555 },    { "sys", 0555 },
	{ "run", 0755 },  { "tmp", 01777 },       { "var", 0755 }, { "var/log", 0755 }, { "var/tmp", 01777 },
	{ "root", 0700 }, { "home", 0755 },       { "mnt", 0755 },
};

/* getty on the console: the runtime makes /dev/console a pty. Root has an
 * empty password, so "root" at the prompt logs in: the console is only
 * reachable through taper by the host's root. */
static const char inittab[] = "# busybox init(8), written by taper's busybox template.\n"
			      "::sysinit:/etc/init.d/rcS\n"
			      "console::respawn:/sbin/getty -L 0 console vt100\n"
			      "::ctrlaltdel:/sbin/reboot\n"
			      "::shutdown:/etc/init.d/rcK\n";

/* The runtime already mounted /proc, /sys, /dev and configured the
 * interfaces it created; addresses come from taper, not udhcpc. */
static const char rcS[] = "#!/bin/sh\n"
			  "# Boot: name the host, bring up loopback, start /etc/init.d/S??*.\n"
			  "[ -r /etc/hostname ] && hostname -F /etc/hostname\n"
			  "ip link set lo up 2>/dev/null\n"
			  "for s in /etc/init.d/S??*; do\n"
			  "\t[ -x \"$s\" ] && \"$s\" start\n"
			  "done\n"
			  "exit 0\n";

static const char rcK[] = "#!/bin/sh\n"
			  "# Shutdown: stop /etc/init.d/S??* in reverse order.\n"
			  "for s in $(ls -r /etc/init.d/S??* 2>/dev/null); do\n"
			  "\t[ -x \"$s\" ] && \"$s\" stop\n"
			  "done\n"
			  "exit 0\n";

static const struct {
	const char *path;
	const char *content;
	mode_t mode;
} files[] = {
	/* Measured with Debian's busybox-static 1.35: its passwd reader finds
	 * no entry whose password field is empty (whoami: "unknown uid 0"),
	 * so root's empty password lives in /etc/shadow; and login reads that
	 * only when /etc/securetty exists (without it, busybox's getspnam_r()
	 * reports the ENOENT of that earlier lookup, and login asks for a
	 * password nothing matches). */
	{ "etc/passwd",
	  "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n", 0644 },
	{ "etc/shadow", "root::::::::\nnobody:*::::::::\n", 0600 },
	{ "etc/securetty", "console\n", 0644 },
	{ "etc/group", "root:x:0:\ntty:x:5:\nnogroup:x:65534:\n", 0644 },
	{ "etc/shells", "/bin/sh\n/bin/ash\n", 0644 },
	{ "etc/profile", "export PATH=/usr/sbin:/usr/bin:/sbin:/bin\nexport PS1='\\h:\\w\\$ '\n", 0644 },
	{ "etc/inittab", inittab, 0644 },
	{ "etc/init.d/rcS", rcS, 0755 },
	{ "etc/init.d/rcK", rcK, 0755 },
};

static int copy_busybox(int rootfs_fd, const char *path, struct taper_err *err)
{
	_cleanup_close_ int in = open(path, O_RDONLY | O_CLOEXEC), out = -1;
	int r;

	if (in < 0)
		return err_set(err, errno, "open %s", path);
	out = openat(rootfs_fd, "bin/busybox", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0755);
	if (out < 0)
		return err_set(err, errno, "create /bin/busybox");
	r = copy_fd(in, out);
	if (r < 0)
		return err_set(err, r, "copy %s", path);
	if (fchmod(out, 0755) < 0)
		return err_set(err, errno, "chmod /bin/busybox");
	return 0;
}

static int build(const struct template_ctx *ctx, int rootfs_fd, char *const *values, char ***ret_config,
		 struct taper_err *err)
{
	const char *bb = busybox_path(values);
	_cleanup_free_ char *applets = NULL;
	int r;

	template_progress(ctx, "skeleton", 0, 3);
	for (size_t i = 0; i < ARRAY_SIZE(skeleton); i++) {
		if (mkdirat(rootfs_fd, skeleton[i].path, skeleton[i].mode) < 0 && errno != EEXIST)
			return err_set(err, errno, "mkdir /%s", skeleton[i].path);
		/* mkdir honours the umask; the sticky and exact bits must hold. */
		if (fchmodat(rootfs_fd, skeleton[i].path, skeleton[i].mode, 0) < 0)
			return err_set(err, errno, "chmod /%s", skeleton[i].path);
	}
	if (symlinkat("../run", rootfs_fd, "var/run") < 0 && errno != EEXIST)
		return err_set(err, errno, "symlink /var/run");
	template_progress(ctx, "busybox", 1, 3);
	r = copy_busybox(rootfs_fd, bb, err);
	if (r < 0)
		return r;
	r = list_applets(bb, &applets, err);
	if (r < 0)
		return r;
	r = link_applets(rootfs_fd, applets, err);
	if (r < 0)
		return r;
	template_progress(ctx, "configuration", 2, 3);
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		r = template_write(rootfs_fd, files[i].path, files[i].content, files[i].mode, err);
		if (r < 0)
			return r;
	}
	r = template_write_identity(ctx, rootfs_fd, err);
	if (r < 0)
		return r;
	if (template_config_add(ret_config, "init.cmd", "/sbin/init") < 0 ||
	    template_config_add(ret_config, "stop.signal", "SIGPWR") < 0)
		return err_set(err, ENOMEM, "config");
	template_progress(ctx, "done", 3, 3);
	return 0;
}

const struct template_def template_busybox = {
	.name = "busybox",
	.options = options,
	.check = check,
	.build = build,
	.doc = "a small system container from the host's static busybox (busybox-static)",
};
