/* The pick of a new container's host id range: first fit, the subid files,
 * and idrange_assign() over a store of hand-made containers. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "container/idrange.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/strv.h"

static char dir[64];
static char store_dir[128];
static char run_dir[128];
static char subuid[128];
static char subgid[128];

static void test_first_fit(void **state)
{
	struct id_range pool[] = { { 1000, 10000 } };
	struct id_range used[] = { { 4000, 100 }, { 1000, 1000 }, { 1500, 1000 } };
	uint32_t base = 0;

	/* Nothing used: the start of the pool. */
	assert_int_equal(idrange_first_fit(pool, 1, NULL, 0, 1000, &base), 0);
	assert_int_equal(base, 1000);
	/* Unsorted and overlapping used ranges: the first gap that fits. */
	assert_int_equal(idrange_first_fit(pool, 1, used, 3, 1000, &base), 0);
	assert_int_equal(base, 2500);
	assert_int_equal(idrange_first_fit(pool, 1, used, 3, 1501, &base), 0);
	assert_int_equal(base, 4100);
	/* A range touching the end of the pool fits; one past it does not. */
	assert_int_equal(idrange_first_fit(pool, 1, used, 3, 6900, &base), 0);
	assert_int_equal(base, 4100);
	assert_int_equal(idrange_first_fit(pool, 1, used, 3, 6901, &base), -ENOSPC);
	/* Several pools: the lowest base in any of them. */
	{
		struct id_range pools[] = { { 50000, 1000 }, { 20000, 500 }, { 30000, 1000 } };
		struct id_range u[] = { { 30000, 10 } };

		assert_int_equal(idrange_first_fit(pools, 3, u, 1, 1000, &base), 0);
		assert_int_equal(base, 50000);
		assert_int_equal(idrange_first_fit(pools, 3, u, 1, 990, &base), 0);
		assert_int_equal(base, 30010);
	}
	/* Never past the last valid id. */
	{
		struct id_range top[] = { { 4294901760u, 65536 } };

		/* (uid_t)-1 is no id. */
		assert_int_equal(idrange_first_fit(top, 1, NULL, 0, 65536, &base), -ENOSPC);
		assert_int_equal(idrange_first_fit(top, 1, NULL, 0, 65535, &base), 0);
		assert_int_equal(base, 4294901760u);
	}
}

static void test_subid_parse(void **state)
{
	_cleanup_free_ struct id_range *root = NULL, *other = NULL;
	size_t nr = 0, no = 0;

	assert_int_equal(idrange_subid_parse("alice:100000:65536\n"
					     "root:1000000:131072\n"
					     "bad line\n"
					     "bob:x:1\n"
					     "carol:200000:0\n"
					     "0:5000000:65536\n"
					     "bob:165536:65536",
					     &root, &nr, &other, &no),
			 0);
	assert_int_equal(nr, 2);
	assert_int_equal(root[0].base, 1000000);
	assert_int_equal(root[0].count, 131072);
	assert_int_equal(root[1].base, 5000000);
	assert_int_equal(no, 2);
	assert_int_equal(other[0].base, 100000);
	assert_int_equal(other[1].base, 165536);
}

static int setup(void **state)
{
	strcpy(dir, "/tmp/taper-test-idrange.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(store_dir, sizeof(store_dir), "%s/store", dir);
	snprintf(run_dir, sizeof(run_dir), "%s/run", dir);
	snprintf(subuid, sizeof(subuid), "%s/subuid", dir);
	snprintf(subgid, sizeof(subgid), "%s/subgid", dir);
	return 0;
}

static int reset(void **state)
{
	(void)rm_rf_at(AT_FDCWD, store_dir);
	unlink(subuid);
	unlink(subgid);
	return 0;
}

static int teardown(void **state)
{
	return rm_rf_at(AT_FDCWD, dir);
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/* <store>/<name>/config with the given text. */
static void make_container(const char *name, const char *config)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s/rootfs", store_dir, name);
	assert_int_equal(mkdir_p(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/%s/config", store_dir, name);
	write_text(p, config);
}

/* idrange_assign() on an empty config: its idmap lines, joined by '|'. */
static char *assign(struct taper_store *s, struct taper_err *err, int *ret)
{
	_cleanup_(config_freep) struct taper_config *c = config_new("new");
	_cleanup_strv_free_ char **maps = NULL, **idm = NULL;
	char out[256] = "";

	assert_non_null(c);
	*ret = idrange_assign(s, c, subuid, subgid, err);
	if (*ret < 0)
		return NULL;
	assert_int_equal(config_get(c, "rootfs.idmap", &idm), 0);
	assert_string_equal(idm[0], "true");
	assert_true(idrange_is_assigned(c));
	assert_int_equal(config_get(c, "idmap", &maps), 0);
	for (size_t i = 0; maps[i]; i++) {
		if (i)
			strcat(out, "|");
		strcat(out, maps[i]);
	}
	return strdup(out);
}

static struct taper_store *open_store(void)
{
	struct taper_store *s = NULL;

	assert_int_equal(store_open(store_dir, run_dir, true, &s, NULL), 0);
	return s;
}

static void test_assign_default_pool(void **state)
{
	_cleanup_(store_freep) struct taper_store *s = NULL;
	struct taper_err err = { 0 };
	_cleanup_free_ char *a = NULL, *b = NULL, *c = NULL;
	int r;

	/* Other users' delegations are avoided; no file is no delegation. */
	write_text(subuid, "alice:1000000:65536\n");
	s = open_store();
	a = assign(s, &err, &r);
	assert_int_equal(r, 0);
	assert_string_equal(a, "u 0 1065536 65536|g 0 1000000 65536");
	unlink(subuid);
	/* Every line of every config counts, by hand or not, u, g or b. */
	make_container("one", "idmap = b 0 1000000 65536\nrootfs.idmap = true\n");
	make_container("two", "idmap = u 0 1065536 1000\nidmap = g 0 1131072 10\n");
	make_container("privileged", "rootfs.path = rootfs\n");
	b = assign(s, &err, &r);
	assert_int_equal(r, 0);
	assert_string_equal(b, "u 0 1066536 65536|g 0 1065536 65536");
	/* A container destroyed gives its range back. */
	assert_int_equal(rm_rf_at(AT_FDCWD, store_dir), 0);
	make_container("two", "idmap = b 0 1065536 65536\n");
	c = assign(s, &err, &r);
	assert_int_equal(r, 0);
	assert_string_equal(c, "b 0 1000000 65536");
}

static void test_assign_roots_delegation(void **state)
{
	_cleanup_(store_freep) struct taper_store *s = NULL;
	struct taper_err err = { 0 };
	_cleanup_free_ char *a = NULL, *none = NULL;
	int r;

	write_text(subuid, "root:200000:131072\n");
	write_text(subgid, "root:200000:131072\n");
	s = open_store();
	make_container("one", "idmap = b 0 200000 65536\n");
	a = assign(s, &err, &r);
	assert_int_equal(r, 0);
	assert_string_equal(a, "b 0 265536 65536");
	make_container("two", "idmap = b 0 265536 65536\n");
	none = assign(s, &err, &r);
	assert_null(none);
	assert_int_equal(r, -EINVAL);
	assert_true(strstr(err.msg, "id range: no free range of 65536 ids left in root's ranges of "));
	assert_true(
		strstr(err.msg, "/subuid: give root more there, destroy a container, or set idmap by hand"));
}

static void test_assign_refuses_an_unreadable_map(void **state)
{
	_cleanup_(store_freep) struct taper_store *s = NULL;
	struct taper_err err = { 0 };
	_cleanup_free_ char *a = NULL;
	int r;

	s = open_store();
	make_container("bad", "idmap = b 0 1000000\n");
	a = assign(s, &err, &r);
	assert_null(a);
	assert_true(r < 0);
	assert_true(strstr(err.msg, "/bad/config: invalid id map \"b 0 1000000\""));
}

static void test_is_assigned(void **state)
{
	static const struct {
		const char *text;
		bool assigned;
	} cases[] = {
		{ "idmap = b 0 1000000 65536\nrootfs.idmap = true\n", true },
		{ "idmap = u 0 1000000 65536\nidmap = g 0 2000000 65536\nrootfs.idmap = true\n", true },
		{ "idmap = b 0 1000000 65536\n", false }, /* ids shifted on disk */
		{ "idmap = b 0 1000000 65536\nrootfs.idmap = false\n", false },
		{ "idmap = b 0 1000000 1000\nrootfs.idmap = true\n", false }, /* hand-written */
		{ "idmap = b 1 1000000 65536\nrootfs.idmap = true\n", false },
		{ "idmap = u 0 1000000 65536\nrootfs.idmap = true\n", false }, /* no gid map */
		{ "idmap = b 0 1000000 65536\nidmap = u 65536 5000 1\nrootfs.idmap = true\n", false },
		{ "rootfs.idmap = true\n", false },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		_cleanup_(config_freep) struct taper_config *c = NULL;

		assert_int_equal(config_parse(cases[i].text, "t", &c, NULL), 0);
		if (idrange_is_assigned(c) != cases[i].assigned)
			fail_msg("case %zu: %s", i, cases[i].text);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_fit),
		cmocka_unit_test(test_subid_parse),
		cmocka_unit_test_setup(test_assign_default_pool, reset),
		cmocka_unit_test_setup(test_assign_roots_delegation, reset),
		cmocka_unit_test_setup(test_assign_refuses_an_unreadable_map, reset),
		cmocka_unit_test_setup(test_is_assigned, reset),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
