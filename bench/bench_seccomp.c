/*
 * bench_seccomp — what seccomp preparation costs per container.
 *
 *   bench_seccomp [N]   N rounds (default 200) of: building the default
 *                       profile (cold: our generator), a cache hit, and
 *                       loading the program in a forked child; the same
 *                       for libseccomp's program of the same profile.
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

/* seccomp(SET_MODE_FILTER) of f in a forked child, in us. */
static int load_in_child(const struct security_seccomp *f, double *ret)
{
	int p[2];
	pid_t pid;

	if (pipe(p) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		double t0;

		prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
		t0 = now_us();
		if (security_seccomp_load(f, NULL) < 0)
			_exit(1);
		t0 = now_us() - t0;
		_exit(write(p[1], &t0, sizeof(t0)) == sizeof(t0) ? 0 : 1);
	}
	close(p[1]);
	if (pid < 0 || read(p[0], ret, sizeof(*ret)) != sizeof(*ret))
		return -1;
	close(p[0]);
	waitpid(pid, NULL, 0);
	return 0;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 200;
	double *cold = calloc((size_t)n, sizeof(double)), *hit = calloc((size_t)n, sizeof(double));
	double *load = calloc((size_t)n, sizeof(double)), *lib_cold = calloc((size_t)n, sizeof(double));
	double *lib_load = calloc((size_t)n, sizeof(double));
	char dir[] = "/tmp/taper-bench-seccomp-XXXXXX";
	struct taper_err err = { 0 };
	uint64_t caps = spec_caps_default();
	size_t len = 0, lib_len = 0;
	struct sc_env env;

	if (n < 1 || !cold || !hit || !load || !lib_cold || !lib_load || !mkdtemp(dir))
		return 1;
	sc_env_init(&env, caps, false);
	for (int i = 0; i < n; i++) {
		struct security_seccomp *f = NULL, *lib = NULL;
		double t = now_us();

		if (sc_prepare_at("default", caps, false, NULL, &f, &err) < 0) {
			fprintf(stderr, "%s\n", err.msg);
			return 1;
		}
		cold[i] = now_us() - t;
		len = security_seccomp_len(f);
		security_seccomp_free(f);

		t = now_us();
		if (sc_compile(&sc_default_profile, &env, &lib, &err) < 0)
			return 1;
		lib_cold[i] = now_us() - t;
		lib_len = security_seccomp_len(lib);

		t = now_us();
		if (sc_prepare_at("default", caps, false, dir, &f, &err) < 0)
			return 1;
		hit[i] = now_us() - t; /* the first round is a miss + write */

		/* Alternate which goes first. */
		if (i % 2 == 0 && load_in_child(lib, &lib_load[i]) < 0)
			return 1;
		if (load_in_child(f, &load[i]) < 0)
			return 1;
		if (i % 2 == 1 && load_in_child(lib, &lib_load[i]) < 0)
			return 1;
		security_seccomp_free(f);
		security_seccomp_free(lib);
	}
	printf("default profile: %zu BPF instructions (libseccomp: %zu)\n", len, lib_len);
	printf("build (generator), median of %d:          %8.1f us\n", n, median(cold, n));
	printf("compile (libseccomp + export), median of %d: %8.1f us\n", n, median(lib_cold, n));
	printf("cache hit (open, verify, read),  median of %d: %8.1f us\n", n, median(hit, n));
	printf("seccomp(SET_MODE_FILTER) in child, median:    %8.1f us\n", median(load, n));
	printf("the same of libseccomp's program, median:     %8.1f us\n", median(lib_load, n));
	rm_rf_at(-100, dir);
	return 0;
}
