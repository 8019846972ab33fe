#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "store/store.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/strv.h"

static char dir[64];
static char store_dir[128];
static char run_dir[128];

static int setup(void **state)
{
	strcpy(dir, "/tmp/taper-test-store.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(store_dir, sizeof(store_dir), "%s/store", dir);
	snprintf(run_dir, sizeof(run_dir), "%s/run", dir);
	return 0;
}

static int teardown(void **state)
{
	return rm_rf_at(AT_FDCWD, dir);
}

static struct taper_store *open_store(void)
{
	struct taper_store *s = NULL;
	struct taper_err err = { 0 };

	assert_int_equal(store_open(store_dir, run_dir, true, &s, &err), 0);
	return s;
}

/* A container made by hand: <store>/<name>/config + rootfs/. */
static void make_container(const char *name)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s/rootfs", store_dir, name);
	assert_int_equal(mkdir_p(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/%s/config", store_dir, name);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	close(fd);
}

static bool exists(const char *rel)
{
	char p[256];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", store_dir, rel);
	return lstat(p, &st) == 0;
}

static size_t count_hidden(const char *prefix)
{
	_cleanup_closedir_ DIR *d = opendir(store_dir);
	struct dirent *de;
	size_t n = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		if (strncmp(de->d_name, prefix, strlen(prefix)) == 0)
			n++;
	return n;
}

static void test_names(void **state)
{
	static const char *const bad[] = { "",   ".",  "..",  "../x", "a/b",        ".hidden",
					   "-x", "_x", "a b", "a\n",  "caf\xc3\xa9" };
	static const char *const good[] = { "a", "web1", "A.b-c_d", "0" };
	char long_name[66];
	struct taper_err err = { 0 };
	_cleanup_(store_freep) struct taper_store *s = open_store();
	_cleanup_close_ int fd = -1;
	char *p = NULL;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_int_equal(store_check_name(bad[i], &err), -EINVAL);
		assert_non_null(strstr(err.msg, "invalid container name"));
		assert_int_equal(store_open_container(s, bad[i], &fd, &err), -EINVAL);
		assert_int_equal(store_lock(s, bad[i], false, &fd, &err), -EINVAL);
		assert_int_equal(store_container_path(s, bad[i], &p), -EINVAL);
	}
	for (size_t i = 0; i < ARRAY_SIZE(good); i++)
		assert_int_equal(store_check_name(good[i], NULL), 0);
	memset(long_name, 'a', 65);
	long_name[65] = '\0';
	assert_int_equal(store_check_name(long_name, NULL), -EINVAL);
	long_name[64] = '\0';
	assert_int_equal(store_check_name(long_name, NULL), 0);
	assert_int_equal(store_check_name("../etc", &err), -EINVAL);
	assert_string_equal(err.msg, "invalid container name \"../etc\": use 1 to 64 of "
				     "[A-Za-z0-9_.-], starting with a letter or digit");
}

static void test_store_id(void **state)
{
	char id[STORE_ID_LEN + 1], other[STORE_ID_LEN + 1], link[160];
	_cleanup_(store_freep) struct taper_store *a = open_store();
	struct taper_store *b = NULL;
	char *group = NULL;

	/* FNV-1a-64 test vectors. */
	store_id_of_path("", id);
	assert_string_equal(id, "cbf29ce484222325");
	store_id_of_path("a", id);
	assert_string_equal(id, "af63dc4c8601ec8c");

	store_id_of_path("/var/lib/taper", id);
	store_id_of_path("/var/lib/taper2", other);
	assert_string_not_equal(id, other);
	assert_int_equal(strlen(store_id(a)), STORE_ID_LEN);

	/* Same store through a symlink and a "/./": same canonical path, same id. */
	snprintf(link, sizeof(link), "%s/alias", dir);
	assert_int_equal(symlink(store_dir, link), 0);
	assert_int_equal(store_open(link, run_dir, true, &b, NULL), 0);
	assert_string_equal(store_id(a), store_id(b));
	assert_string_equal(store_path(a), store_path(b));
	store_free(b);
	snprintf(link, sizeof(link), "%s/./store/", dir);
	assert_int_equal(store_open(link, run_dir, true, &b, NULL), 0);
	assert_string_equal(store_id(a), store_id(b));
	store_free(b);
	store_id_of_path(store_path(a), id);
	assert_string_equal(store_id(a), id);

	assert_int_equal(store_cgroup_group(a, "web1", &group), 0);
	snprintf(link, sizeof(link), "%s/web1", store_id(a));
	assert_string_equal(group, link);
	free(group);
}

static void test_runtime_dir(void **state)
{
	_cleanup_(store_freep) struct taper_store *s = open_store();
	_cleanup_free_ char *p = NULL;
	char expect[256];
	struct stat st;

	assert_int_equal(store_runtime_dir(s, "web1", &p, NULL), 0);
	snprintf(expect, sizeof(expect), "%s/%s/web1", run_dir, store_id(s));
	assert_string_equal(p, expect);
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0700);
	free(p);
	p = NULL;
	assert_int_equal(store_runtime_dir(s, "web1", &p, NULL), 0); /* again: fine */
	assert_int_equal(store_runtime_dir(s, "../x", &p, NULL), -EINVAL);
}

static void test_list(void **state)
{
	_cleanup_(store_freep) struct taper_store *s = open_store();
	_cleanup_strv_free_ char **names = NULL;
	char p[256];

	make_container("b2");
	make_container("a1");
	make_container(".hidden");
	snprintf(p, sizeof(p), "%s/noconfig", store_dir); /* no config: not a container */
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/file", store_dir);
	close(open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
	snprintf(p, sizeof(p), "%s/link", store_dir); /* a symlink to a container is not one */
	assert_int_equal(symlink("a1", p), 0);
	make_container("dirconf");
	snprintf(p, sizeof(p), "%s/dirconf/config", store_dir);
	assert_int_equal(unlink(p), 0);
	assert_int_equal(mkdir(p, 0755), 0);

	assert_int_equal(store_list(s, &names, NULL), 0);
	assert_int_equal(strv_length(names), 2);
	assert_string_equal(names[0], "a1");
	assert_string_equal(names[1], "b2");
	assert_true(store_exists(s, "a1"));
	assert_false(store_exists(s, "link"));
	assert_false(store_exists(s, "noconfig"));
	assert_false(store_exists(s, "nope"));
}

static void test_create_commit(void **state)
{
	_cleanup_(store_freep) struct taper_store *s = open_store();
	struct store_create *c = NULL;
	struct taper_err err = { 0 };
	struct stat st;

	assert_int_equal(store_create_begin(s, "new1", &c, &err), 0);
	assert_non_null(strstr(store_create_path(c), "/.tmp-new1-"));
	assert_int_equal(fstatat(store_create_dirfd(c), "rootfs", &st, 0), 0);
	assert_false(store_exists(s, "new1"));
	/* No config yet: refused, nothing visible. */
	assert_int_equal(store_create_commit(c, &err), -EINVAL);
	assert_string_equal(err.msg, "create \"new1\": no config written");
	assert_int_equal(write_file_atomic_at(store_create_dirfd(c), "config", "", 0, 0600), 0);
	assert_int_equal(store_create_commit(c, &err), 0);
	store_create_free(c);
	assert_true(store_exists(s, "new1"));
	assert_int_equal(count_hidden(".tmp-"), 0);

	/* The name is taken. */
	assert_int_equal(store_create_begin(s, "new1", &c, &err), -EEXIST);
	assert_string_equal(err.msg, "container \"new1\": File exists");

	/* Taken while the create was in progress: EEXIST, tmp kept for abort. */
	assert_int_equal(store_create_begin(s, "race", &c, &err), 0);
	assert_int_equal(write_file_atomic_at(store_create_dirfd(c), "config", "", 0, 0600), 0);
	make_container("race");
	assert_int_equal(store_create_commit(c, &err), -EEXIST);
	assert_int_equal(count_hidden(".tmp-race-"), 1);
	store_create_free(c); /* abort */
	assert_int_equal(count_hidden(".tmp-race-"), 0);
}

static void test_create_crash_is_cleaned(void **state)
{
	_cleanup_(store_freep) struct taper_store *s = open_store();
	struct taper_store *s2 = NULL;
	struct store_create *live = NULL;
	_cleanup_strv_free_ char **names = NULL;
	pid_t pid;
	int status;

	/* A create that crashes half way: config written, never renamed. */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct store_create *c = NULL;

		if (store_create_begin(s, "crashed", &c, NULL) < 0 ||
		    write_file_atomic_at(store_create_dirfd(c), "config", "", 0, 0600) < 0)
			_exit(1);
		_exit(0); /* no commit, no abort */
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(count_hidden(".tmp-crashed-"), 1);
	/* And a crashed destroy. */
	make_container("dead");
	{
		char from[256], to[256];
		snprintf(from, sizeof(from), "%s/dead", store_dir);
		snprintf(to, sizeof(to), "%s/.trash-dead-abcdef", store_dir);
		assert_int_equal(rename(from, to), 0);
	}

	/* list ignores both, */
	assert_int_equal(store_list(s, &names, NULL), 0);
	assert_int_equal(strv_length(names), 0);
	assert_false(store_exists(s, "crashed"));

	/* the next store_open removes what is stale, */
	assert_int_equal(store_open(store_dir, run_dir, true, &s2, NULL), 0);
	store_free(s2);
	assert_int_equal(count_hidden(".tmp-"), 0);
	assert_int_equal(count_hidden(".trash-"), 0);

	/* and a create in progress (its flock held) survives any cleanup. */
	assert_int_equal(store_create_begin(s, "inflight", &live, NULL), 0);
	assert_int_equal(store_open(store_dir, run_dir, true, &s2, NULL), 0);
	assert_int_equal(store_clean_stale(s2, NULL), 0);
	store_free(s2);
	assert_int_equal(count_hidden(".tmp-inflight-"), 1);
	store_create_free(live);
	assert_int_equal(count_hidden(".tmp-"), 0);

	/* An entry that has just appeared, before its creator took its
	 * flock, is the creator's while the creator holds the name's lock. */
	{
		char young[256];
		int lock = -1;

		assert_int_equal(store_lock_new(s, "young", false, &lock, NULL), 0);
		snprintf(young, sizeof(young), "%s/.tmp-young-abcdef", store_dir);
		assert_int_equal(mkdir(young, 0700), 0);
		assert_int_equal(store_clean_stale(s, NULL), 0);
		assert_int_equal(count_hidden(".tmp-young-"), 1);
		store_unlock(s, "young", lock);
		assert_int_equal(store_clean_stale(s, NULL), 1);
		assert_int_equal(count_hidden(".tmp-young-"), 0);
		/* Nor does the cleanup leave a lock file for the name. */
		snprintf(young, sizeof(young), "%s/.locks/young", store_dir);
		assert_int_equal(access(young, F_OK), -1);
	}
}

static void test_lock_contention(void **state)
{
	_cleanup_(store_freep) struct taper_store *s = open_store();
	struct taper_err err = { 0 };
	int ready[2], go[2], fd = -1, fd2 = -1;
	char c = 0;
	pid_t pid;

	make_container("web1");
	make_container("web2");
	assert_int_equal(pipe2(ready, O_CLOEXEC), 0);
	assert_int_equal(pipe2(go, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int held = -1;

		if (store_lock(s, "web1", true, &held, NULL) < 0)
			_exit(1);
		(void)!write(ready[1], "x", 1);
		(void)!read(go[0], &c, 1);
		_exit(0);
	}
	assert_int_equal(read(ready[0], &c, 1), 1);
	assert_int_equal(store_lock(s, "web1", false, &fd, &err), -EBUSY);
	assert_int_equal(err.code, EBUSY);
	assert_string_equal(err.msg, "container \"web1\" is busy (locked by another command)");
	/* Another container is independent. */
	assert_int_equal(store_lock(s, "web2", false, &fd2, NULL), 0);
	store_unlock(s, "web2", fd2);
	/* Both-names form fails as a unit and holds nothing on failure. */
	assert_int_equal(store_lock2(s, "web2", "web1", false, &fd, &fd2, NULL), -EBUSY);
	assert_int_equal(store_lock(s, "web2", false, &fd2, NULL), 0);
	store_unlock(s, "web2", fd2);
	assert_int_equal(write(go[1], "x", 1), 1);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	assert_int_equal(store_lock(s, "web1", false, &fd, NULL), 0);
	store_unlock(s, "web1", fd);
	assert_int_equal(store_lock2(s, "web2", "web1", true, &fd, &fd2, NULL), 0);
	store_unlock(s, "web2", fd);
	store_unlock(s, "web1", fd2);
	close(ready[0]);
	close(ready[1]);
	close(go[0]);
	close(go[1]);
}

/* A lock file exists only while its name is a container (or a create
 * holds it); a waiter on a file its holder removed takes the lock anew. */
static void test_lock_files_go_with_their_name(void **state)
{
	_cleanup_(store_freep) struct taper_store *s = open_store();
	struct taper_err err = { 0 };
	char lock_path[512], cdir[512];
	int fd = -1, ready[2], pid_status = 0;
	char c = 0;
	pid_t pid;

	snprintf(lock_path, sizeof(lock_path), "%s/.locks/gone", store_dir);
	snprintf(cdir, sizeof(cdir), "%s/gone", store_dir);
	assert_int_equal(store_lock(s, "gone", false, &fd, &err), -ENOENT);
	assert_string_equal(err.msg, "container \"gone\" not found");
	assert_int_equal(access(lock_path, F_OK), -1);

	make_container("gone");
	assert_int_equal(store_lock(s, "gone", false, &fd, NULL), 0);
	assert_int_equal(pipe2(ready, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int held = -1;

		close(fd); /* the parent's lock, not ours to hold */
		(void)!write(ready[1], "x", 1);
		/* Waits on the file the parent removes, then finds no container. */
		_exit(store_lock(s, "gone", true, &held, NULL) == -ENOENT ? 0 : 1);
	}
	assert_int_equal(read(ready[0], &c, 1), 1);
	usleep(100000); /* let the child block on the flock (either order passes) */
	assert_int_equal(rm_rf_at(AT_FDCWD, cdir), 0);
	store_unlock(s, "gone", fd);
	assert_int_equal(access(lock_path, F_OK), -1);
	assert_int_equal(waitpid(pid, &pid_status, 0), pid);
	assert_true(WIFEXITED(pid_status) && WEXITSTATUS(pid_status) == 0);
	assert_int_equal(access(lock_path, F_OK), -1);
	close(ready[0]);
	close(ready[1]);

	/* A create's lock goes when the create does not happen. */
	assert_int_equal(store_lock_new(s, "never", false, &fd, NULL), 0);
	store_unlock(s, "never", fd);
	snprintf(lock_path, sizeof(lock_path), "%s/.locks/never", store_dir);
	assert_int_equal(access(lock_path, F_OK), -1);
}

static void test_rename_destroy(void **state)
{
	_cleanup_(store_freep) struct taper_store *s = open_store();
	struct taper_err err = { 0 };
	_cleanup_free_ char *rt = NULL;
	char p[256];

	make_container("one");
	make_container("two");
	assert_int_equal(store_runtime_dir(s, "one", &rt, NULL), 0);
	assert_int_equal(store_rename(s, "one", "two", &err), -EEXIST);
	assert_string_equal(err.msg, "rename \"one\" to \"two\": File exists");
	assert_int_equal(store_rename(s, "one", "../three", &err), -EINVAL);
	assert_int_equal(store_rename(s, "nope", "three", &err), -ENOENT);
	assert_string_equal(err.msg, "container \"nope\" not found");
	assert_int_equal(store_rename(s, "one", "three", &err), 0);
	assert_false(store_exists(s, "one"));
	assert_true(store_exists(s, "three"));
	/* The runtime directory moved along. */
	snprintf(p, sizeof(p), "%s/%s/three", run_dir, store_id(s));
	assert_int_equal(access(p, F_OK), 0);
	assert_int_equal(access(rt, F_OK), -1);

	assert_int_equal(store_destroy(s, "three", &err), 0);
	assert_false(exists("three"));
	assert_int_equal(access(p, F_OK), -1);
	assert_int_equal(count_hidden(".trash-"), 0);
	assert_int_equal(store_destroy(s, "three", &err), -ENOENT);
}

static void test_symlinked_container_is_not_followed(void **state)
{
	_cleanup_(store_freep) struct taper_store *s = open_store();
	struct taper_err err = { 0 };
	char outside[256], p[256];
	_cleanup_close_ int fd = -1;

	/* A "container" elsewhere that looks valid, reached through a symlink. */
	snprintf(outside, sizeof(outside), "%s/outside", dir);
	assert_int_equal(mkdir(outside, 0755), 0);
	snprintf(p, sizeof(p), "%s/outside/config", dir);
	close(open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
	snprintf(p, sizeof(p), "%s/outside/rootfs", dir);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/evil", store_dir);
	assert_int_equal(symlink(outside, p), 0);

	assert_false(store_exists(s, "evil"));
	assert_int_equal(store_open_container(s, "evil", &fd, &err), -ENOENT);
	assert_int_equal(store_destroy(s, "evil", &err), -ENOENT);
	assert_int_equal(store_rename(s, "evil", "good", &err), -ENOENT);
	snprintf(p, sizeof(p), "%s/outside/config", dir);
	assert_int_equal(access(p, F_OK), 0);
	assert_true(exists("evil"));
	assert_false(exists("good"));

	/* A real container whose rootfs is a symlink out: destroy removes the
	 * link, never what it points at. */
	make_container("victim");
	snprintf(p, sizeof(p), "%s/victim/rootfs", store_dir);
	assert_int_equal(rmdir(p), 0);
	assert_int_equal(symlink(outside, p), 0);
	assert_int_equal(store_destroy(s, "victim", &err), 0);
	assert_false(exists("victim"));
	snprintf(p, sizeof(p), "%s/outside/config", dir);
	assert_int_equal(access(p, F_OK), 0);
	assert_int_equal(count_hidden(".trash-"), 0);
}

static int reset(void **state)
{
	rm_rf_at(AT_FDCWD, store_dir);
	rm_rf_at(AT_FDCWD, run_dir);
	char p[128];
	snprintf(p, sizeof(p), "%s/outside", dir);
	rm_rf_at(AT_FDCWD, p);
	snprintf(p, sizeof(p), "%s/alias", dir);
	unlink(p);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_names, reset),
		cmocka_unit_test_setup(test_store_id, reset),
		cmocka_unit_test_setup(test_runtime_dir, reset),
		cmocka_unit_test_setup(test_list, reset),
		cmocka_unit_test_setup(test_create_commit, reset),
		cmocka_unit_test_setup(test_create_crash_is_cleaned, reset),
		cmocka_unit_test_setup(test_lock_contention, reset),
		cmocka_unit_test_setup(test_lock_files_go_with_their_name, reset),
		cmocka_unit_test_setup(test_rename_destroy, reset),
		cmocka_unit_test_setup(test_symlinked_container_is_not_followed, reset),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
