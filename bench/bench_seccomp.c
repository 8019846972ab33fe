/*
 * bench_seccomp — what seccomp preparation costs per container.
 *
 *   bench_seccomp [N]   N rounds (default 200) of: compiling the default
 *                       profile with libseccomp (cold), a cache hit, and
 *                       loading the program in a forked child.
 * Prints medians; no pass/fail.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "security/seccomp-internal.h"
#include "spec/spec.h"
#include "util/fs.h"

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp);
	return v[n / 2];
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 200;
	double *cold = calloc((size_t)n, sizeof(double)), *hit = calloc((size_t)n, sizeof(double));
	double *load = calloc((size_t)n, sizeof(double));
	char dir[] = "/tmp/taper-bench-seccomp-XXXXXX";
	struct taper_err err = { 0 };
	uint64_t caps = taper_caps_default();
	size_t len = 0;

	if (n < 1 || !cold || !hit || !load || !mkdtemp(dir))
		return 1;
	for (int i = 0; i < n; i++) {
		struct taper_seccomp *f = NULL;
		double t = now_us();
		int p[2];
		pid_t pid;

		if (sc_prepare_at("default", caps, false, NULL, &f, &err) < 0) {
			fprintf(stderr, "%s\n", err.msg);
			return 1;
		}
		cold[i] = now_us() - t;
		len = taper_seccomp_len(f);
		taper_seccomp_free(f);

		t = now_us();
		if (sc_prepare_at("default", caps, false, dir, &f, &err) < 0)
			return 1;
		hit[i] = now_us() - t; /* the first round is a miss + write */

		if (pipe(p) < 0)
			return 1;
		pid = fork();
		if (pid == 0) {
			double t0;

			prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
			t0 = now_us();
			if (taper_seccomp_load(f, NULL) < 0)
				_exit(1);
			t0 = now_us() - t0;
			_exit(write(p[1], &t0, sizeof(t0)) == sizeof(t0) ? 0 : 1);
		}
		close(p[1]);
		if (read(p[0], &load[i], sizeof(load[i])) != sizeof(load[i]))
			return 1;
		close(p[0]);
		waitpid(pid, NULL, 0);
		taper_seccomp_free(f);
	}
	printf("default profile: %zu BPF instructions\n", len);
	printf("compile (libseccomp + export), median of %d: %8.1f us\n", n, median(cold, n));
	printf("cache hit (open, verify, read),  median of %d: %8.1f us\n", n, median(hit, n));
	printf("seccomp(SET_MODE_FILTER) in child, median:    %8.1f us\n", median(load, n));
	rm_rf_at(-100, dir);
	return 0;
}
