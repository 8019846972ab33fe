/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pty.c — a pty from the container's own devpts instance, for a process
 * attached to it, and the check the host makes of what comes back.
 *
 * pty_open_in_container() runs in a helper that has joined the container's
 * mount namespace (its root is the container's): it opens /dev/ptmx as
 * the container's own programs would, but the container's root owns that
 * /dev, so nothing there is trusted. The name is resolved inside the root
 * without magic links, must be the pty multiplexer (character device 5:2)
 * before it is opened at all (opening some other device can have effects
 * of its own), and is then opened through our own fd table rather than
 * looked up again, so that no rename in between can swap it.
 * pty_check_master() is the host's own check of the fd it is handed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>

#include "run/run-internal.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"

/* /dev/ptmx and every devpts instance's ptmx are this device: opening it
 * is ptmx_open(), whatever filesystem the node sits on. */
#define PTMX_MAJOR 5
#define PTMX_MINOR 2

static bool is_ptmx(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && major(st->st_rdev) == PTMX_MAJOR && minor(st->st_rdev) == PTMX_MINOR;
}

static const char *file_kind(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:
		return "a regular file";
	case S_IFDIR:
		return "a directory";
	case S_IFIFO:
		return "a FIFO";
	case S_IFSOCK:
		return "a socket";
	case S_IFBLK:
		return "a block device";
	case S_IFCHR:
		return "another character device";
	default:
		return "of an unknown type";
	}
}

int pty_open_in_container(int fd_dir, uid_t owner, int *ret_master, int *ret_slave, struct taper_err *err)
{
	_cleanup_close_ int root = -1, node = -1, master = -1, slave = -1;
	struct stat st;
	char name[16];
	int unlock = 0;

	root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return err_set(err, errno, "open the container's root");
	node = openat2_in_root(root, "/dev/ptmx", O_PATH, 0);
	if (node < 0)
		return err_set(err, node, "open /dev/ptmx in the container");
	if (fstat(node, &st) < 0)
		return err_set(err, errno, "stat /dev/ptmx in the container");
	if (!is_ptmx(&st))
		return err_set(err, 0, "/dev/ptmx in the container is %s, not the pty multiplexer",
			       file_kind(st.st_mode));
	/* The inode just checked: /proc/self/fd/N leads to it, not to a name. */
	snprintf(name, sizeof(name), "%d", node);
	master = openat(fd_dir, name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		return err_set(err, errno, "open /dev/ptmx in the container");
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
		return err_set(err, errno, "unlock the container's pty");
	slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		return err_set(err, errno, "open the container's pty");
	/* devpts made it the opener's (root's), with its own gid and mode
	 * (tty, 0620): the attached user must own it, as after a login. */
	if (owner != 0 && fchown(slave, owner, (gid_t)-1) < 0)
		return err_set(err, errno, "hand the pty to uid %u", (unsigned)owner);
	*ret_master = TAKE_FD(master);
	*ret_slave = TAKE_FD(slave);
	return 0;
}

int pty_check_master(int fd, struct taper_err *err)
{
	struct stat st;
	int n;

	if (fstat(fd, &st) < 0)
		return err_set(err, errno, "pty from the container");
	/* The device first: TIOCGPTN means something else to another driver. */
	if (!is_ptmx(&st) || ioctl(fd, TIOCGPTN, &n) < 0)
		return err_set(err, 0, "pty from the container is not a pty master");
	return 0;
}
