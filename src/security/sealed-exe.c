/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sealed-exe.c — run taper from a sealed memfd copy of itself.
 *
 * CVE-2019-5736: a container process that can reach the runtime's
 * /proc/<pid>/exe (by ptrace-less /proc access to a runtime process that
 * joined the container, or by making the runtime execve
 * "#!/proc/self/exe") can open the runtime binary on the host and, once it
 * is no longer busy, overwrite it. If the runtime runs from an anonymous
 * memfd sealed against every write, resize and further sealing, there is no
 * host file behind /proc/<pid>/exe to reach: opening it for writing fails
 * (EPERM on F_SEAL_WRITE), and the host's binary is never named.
 *
 * Cost: one copy of the binary (copy_file_range/sendfile into shmem, ~0.75
 * us of CPU per KiB: keep the binary small) and one extra execve with the
 * dynamic loader running again (bench/security.sh, bench/README.md).
 *
 * Changing /proc/self/exe without the exec (prctl PR_SET_MM_EXE_FILE or
 * PR_SET_MM_MAP's exe_fd) would cost ~20 us but the kernel refuses while
 * the old binary is still mapped (EBUSY), which it always is for us.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "security/security.h"
#include "util/cleanup.h"
#include "util/err.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U /* Linux 6.3: exempt from vm.memfd_noexec */
#endif

#define EXE_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

extern char **environ;

/* /proc/self/exe is already a memfd with all our seals. */
static bool exe_is_sealed(int exe_fd)
{
	int seals = fcntl(exe_fd, F_GET_SEALS);

	return seals >= 0 && (seals & EXE_SEALS) == EXE_SEALS;
}

static int copy_all(int in, int out, off_t size)
{
	off_t done = 0;

	while (done < size) {
		ssize_t n = copy_file_range(in, NULL, out, NULL, (size_t)(size - done), 0);

		/* Across filesystems (ext4 -> shmem) older kernels refuse. */
		if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP))
			n = sendfile(out, in, NULL, (size_t)(size - done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO; /* the binary shrank under us */
		done += n;
	}
	return 0;
}

static int make_sealed_copy(int exe_fd, struct taper_err *err)
{
	_cleanup_close_ int mfd = -1;
	const char *what = NULL;
	cpu_set_t mask;
	bool pinned;
	struct stat st;
	int r, cpu = -1;

	mfd = memfd_create("taper", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
	if (mfd < 0 && errno == EINVAL)
		mfd = memfd_create("taper", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mfd < 0)
		return err_set(err, errno, "sealed exe: memfd_create");
	if (fstat(exe_fd, &st) < 0)
		return err_set(err, errno, "sealed exe: stat /proc/self/exe");
	/* F_SEAL_WRITE fails with EBUSY while a page of the copy still has a
	 * reference besides the file's, and the kernel drains only the
	 * current CPU's batch of newly added pages before it looks: a copy
	 * written on another CPU (a migration between the copy and the seal,
	 * on a busy host) may have pages still held in that CPU's batch. So
	 * the thread stays on one CPU from the copy to the seal. */
	pinned = sched_getaffinity(0, sizeof(mask), &mask) == 0 && (cpu = sched_getcpu()) >= 0;
	if (pinned) {
		cpu_set_t here;

		CPU_ZERO(&here);
		CPU_SET(cpu, &here);
		pinned = sched_setaffinity(0, sizeof(here), &here) == 0;
	}
	r = copy_all(exe_fd, mfd, st.st_size);
	if (r < 0)
		what = "copy /proc/self/exe";
	else if (fcntl(mfd, F_ADD_SEALS, EXE_SEALS) < 0)
		r = -errno, what = "seal";
	if (pinned)
		(void)sched_setaffinity(0, sizeof(mask), &mask);
	if (r < 0)
		return err_set(err, r, "sealed exe: %s", what);
	return TAKE_FD(mfd);
}

int exe_sealed_copy(const char *path, struct taper_err *err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return err_set(err, errno, "sealed exe: open %s", path);
	return make_sealed_copy(fd, err);
}

int exe_ensure_sealed(int argc, char **argv, struct taper_err *err)
{
	_cleanup_close_ int exe_fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	_cleanup_close_ int mfd = -1;

	(void)argc;
	if (exe_fd < 0)
		return err_set(err, errno, "sealed exe: open /proc/self/exe");
	if (exe_is_sealed(exe_fd))
		return 0;
	mfd = make_sealed_copy(exe_fd, err);
	if (mfd < 0)
		return mfd;
	exe_fd = safe_close(exe_fd);
	/* MFD_CLOEXEC: the new image does not inherit the fd; execveat of an
	 * ELF needs no path, so close-on-exec is fine here. */
	fexecve(mfd, argv, environ);
	return err_set(err, errno, "sealed exe: fexecve");
}
