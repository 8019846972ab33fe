/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * threads STORE NAME... — libtaper from several threads of one process
 * (the contract in include/taper.h): one thread per container starts it,
 * reads its state and stats and stops it, ROUNDS times; two more threads
 * read the state and stats of every container meanwhile; the last
 * container is started in the foreground (its init exits 3 by itself).
 * Then the process must be as it was: signal mask, dispositions, mount
 * namespace, cwd, umask, and no child left to reap. Exit 0 when all of
 * it holds, else 1 with one line per failure. Run by tests/cli/test_threads.py.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <taper.h>

#define ROUNDS 3

static struct taper_store *store;
static atomic_int failures;
static atomic_bool done;

#define FAIL(...)                                         \
	do {                                              \
		fprintf(stderr, "threads: " __VA_ARGS__); \
		fputc('\n', stderr);                      \
		atomic_fetch_add(&failures, 1);           \
	} while (0)

static enum taper_state state_of(const char *name)
{
	struct taper_container_state st;
	struct taper_err err = { 0 };
	enum taper_state s;

	if (taper_container_state(store, name, &st, &err) < 0) {
		FAIL("state %s: %s", name, err.msg);
		return TAPER_STATE_ABORTING;
	}
	s = st.state;
	taper_container_state_clear(&st);
	return s;
}

static void *cycle(void *arg)
{
	const char *name = arg;

	for (int i = 0; i < ROUNDS; i++) {
		struct taper_err err = { 0 };
		struct taper_stats stats;

		if (taper_container_start(store, name, NULL, &err) < 0) {
			FAIL("start %s: %s", name, err.msg);
			return NULL;
		}
		if (state_of(name) != TAPER_STATE_RUNNING)
			FAIL("%s: not RUNNING after its start", name);
		if (taper_container_stats(store, name, &stats, &err) < 0)
			FAIL("stats %s: %s", name, err.msg);
		if (taper_container_stop(store, name, 10, false, &err) < 0)
			FAIL("stop %s: %s", name, err.msg);
		if (state_of(name) != TAPER_STATE_STOPPED)
			FAIL("%s: not STOPPED after its stop", name);
	}
	return NULL;
}

static void *foreground(void *arg)
{
	struct taper_start_opts o;
	struct taper_err err = { 0 };
	int r;

	taper_start_opts_init(&o);
	o.foreground = true;
	r = taper_container_start(store, arg, &o, &err);
	if (r != 3)
		FAIL("foreground start %s: %d (%s), not the init's 3", (const char *)arg, r, err.msg);
	return NULL;
}

static void *reader(void *arg)
{
	char **names = arg;

	while (!atomic_load(&done))
		for (char **n = names; *n; n++) {
			struct taper_stats stats;
			struct taper_err err = { 0 };
			int r;

			(void)state_of(*n);
			/* -ESRCH between runs is an answer, not a failure. */
			if ((r = taper_container_stats(store, *n, &stats, &err)) < 0 && r != -ESRCH)
				FAIL("stats %s: %s", *n, err.msg);
		}
	return NULL;
}

struct proc_state {
	sigset_t mask;
	void (*handler[NSIG])(int);
	char mntns[64];
	char cwd[4096];
	mode_t umask;
};

static void snapshot(struct proc_state *p)
{
	ssize_t n;

	memset(p, 0, sizeof(*p));
	pthread_sigmask(SIG_SETMASK, NULL, &p->mask);
	for (int sig = 1; sig < NSIG; sig++) {
		struct sigaction sa;

		if (sigaction(sig, NULL, &sa) == 0)
			p->handler[sig] = sa.sa_handler;
	}
	n = readlink("/proc/self/ns/mnt", p->mntns, sizeof(p->mntns) - 1);
	if (n < 0)
		p->mntns[0] = '\0';
	if (!getcwd(p->cwd, sizeof(p->cwd)))
		p->cwd[0] = '\0';
	p->umask = umask(022);
	umask(p->umask);
}

static void compare(const struct proc_state *a, const struct proc_state *b)
{
	for (int sig = 1; sig < NSIG; sig++) {
		if (sigismember(&a->mask, sig) != sigismember(&b->mask, sig))
			FAIL("signal %d: blocked %d, then %d", sig, sigismember(&a->mask, sig),
			     sigismember(&b->mask, sig));
		if (a->handler[sig] != b->handler[sig])
			FAIL("signal %d: disposition changed", sig);
	}
	if (strcmp(a->mntns, b->mntns) != 0)
		FAIL("mount namespace %s, then %s", a->mntns, b->mntns);
	if (strcmp(a->cwd, b->cwd) != 0)
		FAIL("cwd %s, then %s", a->cwd, b->cwd);
	if (a->umask != b->umask)
		FAIL("umask %03o, then %03o", (unsigned)a->umask, (unsigned)b->umask);
}

int main(int argc, char **argv)
{
	struct taper_err err = { 0 };
	struct proc_state before, after;
	int n = argc - 3; /* cycled containers; the last is the foreground one */
	pthread_t t[64], rd[2], fg;

	if (argc < 4 || n > 64) {
		fprintf(stderr, "usage: threads STORE NAME... FOREGROUND-NAME\n");
		return 2;
	}
	snapshot(&before);
	if (taper_store_open(argv[1], &store, &err) < 0) {
		fprintf(stderr, "threads: %s\n", err.msg);
		return 1;
	}
	for (int i = 0; i < n; i++)
		pthread_create(&t[i], NULL, cycle, argv[2 + i]);
	pthread_create(&fg, NULL, foreground, argv[argc - 1]);
	for (int i = 0; i < 2; i++)
		pthread_create(&rd[i], NULL, reader, argv + 2);
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	pthread_join(fg, NULL);
	atomic_store(&done, true);
	for (int i = 0; i < 2; i++)
		pthread_join(rd[i], NULL);
	taper_store_close(store);

	snapshot(&after);
	compare(&before, &after);
	if (waitpid(-1, NULL, WNOHANG) != -1 || errno != ECHILD)
		FAIL("a child was left to reap");
	return atomic_load(&failures) ? 1 : 0;
}
