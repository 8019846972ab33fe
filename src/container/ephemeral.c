/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ephemeral.c — containers destroyed once they stop (lxc-copy -e).
 *
 * taper_container_clone_ephemeral() makes an overlay clone (a full copy
 * when the source is an overlay clone itself) whose config says
 * "ephemeral = true", and starts it. When its init exits, the monitor,
 * after its teardown, calls container_ephemeral_reap(): a detached
 * process that waits for the container's lock and destroys it if it is
 * still stopped and still ephemeral. It cannot be the monitor itself: a
 * `taper stop` holds the lock until the monitor has exited, so a monitor
 * waiting for the lock would wait for itself. A crash of the host, or of
 * that process, leaves a STOPPED ephemeral container that `taper ls`
 * shows and `taper destroy` removes; started again, it is reaped again.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "container/container.h"
#include "util/cleanup.h"
#include "util/err.h"

static void reap(struct taper_store *s, const char *name)
{
	_cleanup_(spec_freep) struct taper_spec *spec = NULL;
	_cleanup_free_ char *target = NULL;
	_cleanup_close_ int lock = -1;
	struct container_settings set;
	struct container_probe pr;
	bool stopped;

	/* The monitor's mount namespace, ours too, holds an overlay clone's
	 * rootfs mounted: the destroy must not meet it (rm_rf_at never
	 * crosses a mount). */
	if (store_rootfs_path(s, name, &target) == 0)
		(void)umount2(target, MNT_DETACH);
	if (store_lock(s, name, true, &lock, NULL) < 0 || !store_exists(s, name))
		return;
	container_settings_init(&set);
	if (config_load_container(s, name, &spec, &set, NULL) < 0 || !set.ephemeral)
		return;
	if (container_probe(s, name, &pr) < 0)
		return;
	stopped = pr.state == TAPER_STATE_STOPPED;
	container_probe_clear(&pr);
	if (stopped)
		(void)container_destroy_locked(s, name, TAPER_DESTROY_FORCE | TAPER_DESTROY_SNAPSHOTS, NULL);
	store_unlock(s, name, TAKE_FD(lock));
}

void container_ephemeral_reap(struct taper_store *s, const char *name)
{
	pid_t pid = fork();

	if (pid < 0)
		return;
	if (pid > 0) {
		(void)waitpid(pid, NULL, 0);
		return;
	}
	/* Twice, as the monitor is started: nobody's child but init's, so
	 * that neither a foreground start nor the monitor waits for it. */
	if (setsid() < 0 || (pid = fork()) < 0)
		_exit(1);
	if (pid > 0)
		_exit(0);
	{
		int keep = store_dirfd(s);

		/* Only the store's fd: no console, socket or lock of the
		 * monitor's lives on here. */
		if (keep > 0)
			(void)syscall(SYS_close_range, 0, (unsigned)keep - 1, 0);
		(void)syscall(SYS_close_range, (unsigned)keep + 1, ~0u, 0);
	}
	reap(s, name);
	_exit(0);
}

TAPER_EXPORT int taper_container_clone_ephemeral(struct taper_store *s, const char *src, const char *dst,
						 struct taper_err *err)
{
	struct taper_err e2 = { 0 };
	int r;

	if ((r = container_clone(s, src, dst, CONTAINER_CLONE_OVERLAY_IF_CAN | CONTAINER_CLONE_EPHEMERAL,
				 err)) < 0)
		return r;
	if ((r = taper_container_start(s, dst, NULL, err)) < 0) {
		/* Never started: nothing of it is wanted. */
		(void)taper_container_destroy(s, dst, TAPER_DESTROY_FORCE | TAPER_DESTROY_SNAPSHOTS, &e2);
		return r;
	}
	return 0;
}
