/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of the cgroup layer against test trees of plain files laid out
 * as the kernel lays out cgroupfs (the same files, with contents as read on
 * a 6.x kernel): detection, the mapping of limits to files and the exact
 * bytes written, delegation on the way down, validation that writes
 * nothing, reading back, and parsing of the statistics files. The real
 * kernel is exercised by test_cgroup_real.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <cmocka.h>

#include "fake-tree.h"

#include "cgroup/cgroup-internal.h"
#include "spec/limit-table.h"
#include "cgroup/mounts.h"
#include "util/cleanup.h"
#include "util/fs.h"

/* put("<a>/<b>"), for a file in each of a list of directories. */
static void put2(const char *a, const char *b, const char *content)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", a, b);
	put(p, content);
}

static char *root(const char *sub)
{
	static char p[128];

	snprintf(p, sizeof(p), "%s/%s", dir, sub);
	return p;
}

static int setup(void **state)
{
	strcpy(dir, "/tmp/taper-test-cgroup.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	return rm_rf_at(AT_FDCWD, dir);
}

/* ---- a cgroup2 tree -------------------------------------------------------- */

static const char *const v2_levels[] = { "v2", "v2/taper", "v2/taper/s1" };

static void v2_tree(const char *controllers)
{
	for (size_t i = 0; i < ARRAY_SIZE(v2_levels); i++) {
		put2(v2_levels[i], "cgroup.controllers", controllers);
		put2(v2_levels[i], "cgroup.subtree_control", "");
		put2(v2_levels[i], "cgroup.procs", "");
	}
	put("v2/cpuset.cpus.effective", "0-3\n");
	put("v2/cpuset.mems.effective", "0\n");
	put("v2/cgroup.max.depth", "max\n");
	/* The group as the kernel creates it, left by a start that crashed. */
	put("v2/taper/s1/c1/cgroup.controllers", controllers);
	put("v2/taper/s1/c1/cgroup.subtree_control", "");
	put("v2/taper/s1/c1/cgroup.procs", "");
	put("v2/taper/s1/c1/cgroup.events", "populated 0\nfrozen 0\n");
	put("v2/taper/s1/c1/cgroup.freeze", "0\n");
	put("v2/taper/s1/c1/cgroup.kill", "");
	put("v2/taper/s1/c1/cgroup.type", "domain\n");
	put("v2/taper/s1/c1/memory.max", "max\n");
	put("v2/taper/s1/c1/memory.high", "max\n");
	put("v2/taper/s1/c1/memory.swap.max", "max\n");
	put("v2/taper/s1/c1/memory.current", "1339392\n");
	put("v2/taper/s1/c1/memory.peak", "2678784\n");
	put("v2/taper/s1/c1/memory.oom.group", "0\n");
	put("v2/taper/s1/c1/memory.events", "low 0\nhigh 0\nmax 17\noom 2\noom_kill 2\noom_group_kill 0\n");
	put("v2/taper/s1/c1/cpu.max", "max 100000\n");
	put("v2/taper/s1/c1/cpu.weight", "100\n");
	put("v2/taper/s1/c1/cpu.stat", "usage_usec 1523\nuser_usec 1000\nsystem_usec 523\nnr_periods 0\n"
				       "nr_throttled 0\nthrottled_usec 0\nnr_bursts 0\nburst_usec 0\n");
	put("v2/taper/s1/c1/pids.max", "max\n");
	put("v2/taper/s1/c1/pids.current", "3\n");
	put("v2/taper/s1/c1/io.weight", "default 100\n");
	put("v2/taper/s1/c1/io.stat", "8:0 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n"
				      "259:0 rbytes=100 wbytes=200 rios=1 wios=1 dbytes=0 dios=0\n");
	put("v2/taper/s1/c1/cpuset.cpus", "\n");
	put("v2/taper/s1/c1/cpuset.mems", "\n");
}

#define ALL_V2 "cpuset cpu io memory hugetlb pids rdma misc\n"

static struct cgroup_manager *open_mgr(const char *sub, enum cgroup_mode want)
{
	struct cgroup_manager *m = NULL;
	struct taper_err err = { 0 };

	assert_int_equal(cgroup_manager_open(root(sub), &m, &err), 0);
	assert_int_equal(cgroup_manager_mode(m), want);
	return m;
}

static void test_v2_detect(void **state)
{
	struct cgroup_manager *m;

	v2_tree(ALL_V2);
	m = open_mgr("v2", CGROUP_MODE_V2);
	assert_string_equal(cgroup_mode_name(cgroup_manager_mode(m)), "v2");
	cgroup_manager_free(m);
}

static void test_v2_create_writes(void **state)
{
	struct cgroup_manager *m;
	struct taper_cgroup *cg = NULL;
	struct taper_err err = { 0 };
	struct taper_cgroup_raw raw[] = {
		{ 2, "memory.oom.group", "1" },
		{ 1, "memory.swappiness", "10" }, /* the other version's: ignored */
	};
	struct taper_limits l;

	v2_tree(ALL_V2);
	m = open_mgr("v2", CGROUP_MODE_V2);
	limits_init(&l);
	l.memory_max = 256 << 20;
	l.memory_high = CGROUP_LIMIT_MAX;
	l.swap_max = 0;
	l.pids_max = 100;
	l.cpu_weight = 500;
	l.cpu_quota_us = 150000;
	l.cpu_period_us = 100000;
	l.io_weight = 200;
	l.cpuset_cpus = "1-2";
	l.cpuset_mems = "0";
	l.raw = raw;
	l.n_raw = ARRAY_SIZE(raw);
	assert_int_equal(cgroup_create(m, "s1/c1", &l, &cg, &err), 0);
	assert_string_equal(get("v2/taper/s1/c1/memory.max"), "268435456");
	assert_string_equal(get("v2/taper/s1/c1/memory.high"), "max");
	assert_string_equal(get("v2/taper/s1/c1/memory.swap.max"), "0");
	assert_string_equal(get("v2/taper/s1/c1/pids.max"), "100");
	assert_string_equal(get("v2/taper/s1/c1/cpu.weight"), "500");
	assert_string_equal(get("v2/taper/s1/c1/cpu.max"), "150000 100000");
	assert_string_equal(get("v2/taper/s1/c1/io.weight"), "default 200");
	assert_string_equal(get("v2/taper/s1/c1/cpuset.cpus"), "1-2");
	assert_string_equal(get("v2/taper/s1/c1/cpuset.mems"), "0");
	assert_string_equal(get("v2/taper/s1/c1/memory.oom.group"), "1");
	assert_false(access(root("v2/taper/s1/c1/memory.swappiness"), F_OK) == 0);
	/* Delegation on the way down, never in the leaf (it holds processes). */
	assert_string_equal(get("v2/cgroup.subtree_control"), "+cpu +cpuset +io +memory +pids");
	assert_string_equal(get("v2/taper/cgroup.subtree_control"), "+cpu +cpuset +io +memory +pids");
	assert_string_equal(get("v2/taper/s1/cgroup.subtree_control"), "+cpu +cpuset +io +memory +pids");
	assert_string_equal(get("v2/taper/s1/c1/cgroup.subtree_control"), "");
	assert_string_equal(cgroup_path(cg, "memory"), root("v2/taper/s1/c1"));
	assert_string_equal(cgroup_path(cg, NULL), root("v2/taper/s1/c1"));

	/* A live change: "max" and cpu.shares converted to a weight. */
	limits_init(&l);
	l.memory_max = CGROUP_LIMIT_MAX;
	l.cpu_shares = 1024;
	l.cpu_quota_us = CGROUP_LIMIT_MAX;
	assert_int_equal(cgroup_set_limits(cg, &l, &err), 0);
	assert_string_equal(get("v2/taper/s1/c1/memory.max"), "max");
	assert_string_equal(get("v2/taper/s1/c1/cpu.weight"), "100");
	assert_string_equal(get("v2/taper/s1/c1/cpu.max"), "max 100000");
	assert_int_equal(cgroup_enter(cg, 4242, &err), 0);
	assert_string_equal(get("v2/taper/s1/c1/cgroup.procs"), "4242");
	cgroup_free(cg);
	cgroup_manager_free(m);
}

/* OCI's absolute cgroupsPath: the group from the hierarchy's root, not
 * under "taper", its parents delegated on the way down. */
static void test_v2_absolute_group(void **state)
{
	static const char *const levels[] = { "v2/oci", "v2/oci/box", "v2/oci/box/c1" };
	struct cgroup_manager *m;
	struct taper_cgroup *cg = NULL;
	struct taper_err err = { 0 };
	struct taper_limits l;

	v2_tree(ALL_V2);
	for (size_t i = 0; i < ARRAY_SIZE(levels); i++) {
		put2(levels[i], "cgroup.controllers", ALL_V2);
		put2(levels[i], "cgroup.subtree_control", "");
		put2(levels[i], "cgroup.procs", "");
	}
	put("v2/oci/box/c1/cgroup.events", "populated 0\nfrozen 0\n");
	put("v2/oci/box/c1/pids.max", "max\n");
	m = open_mgr("v2", CGROUP_MODE_V2);
	limits_init(&l);
	l.pids_max = 64;
	assert_int_equal(cgroup_create(m, "/oci/box/c1", &l, &cg, &err), 0);
	assert_string_equal(get("v2/oci/box/c1/pids.max"), "64");
	assert_string_equal(get("v2/oci/cgroup.subtree_control"), "+cpu +cpuset +io +memory +pids");
	assert_string_equal(get("v2/oci/box/cgroup.subtree_control"), "+cpu +cpuset +io +memory +pids");
	assert_string_equal(get("v2/oci/box/c1/cgroup.subtree_control"), "");
	assert_string_equal(cgroup_path(cg, NULL), root("v2/oci/box/c1"));
	/* taper's own subtree untouched. */
	assert_string_equal(get("v2/taper/s1/c1/pids.max"), "max\n");
	assert_int_equal(cgroup_enter(cg, 4243, &err), 0);
	assert_string_equal(get("v2/oci/box/c1/cgroup.procs"), "4243");
	cgroup_free(cg);
	/* Reached again by the same path. */
	assert_int_equal(cgroup_open(m, "/oci/box/c1", &cg, &err), 0);
	assert_string_equal(cgroup_path(cg, "pids"), root("v2/oci/box/c1"));
	cgroup_free(cg);
	cgroup_manager_free(m);
}

/* Only the controllers the parent offers and that are not on yet. */
static void test_v2_delegation_partial(void **state)
{
	struct cgroup_manager *m;
	struct taper_cgroup *cg = NULL;
	struct taper_err err = { 0 };

	v2_tree("cpu memory hugetlb\n");
	put("v2/cgroup.subtree_control", "memory\n");
	m = open_mgr("v2", CGROUP_MODE_V2);
	assert_int_equal(cgroup_create(m, "s1/c1", NULL, &cg, &err), 0);
	assert_string_equal(get("v2/cgroup.subtree_control"), "+cpu");
	assert_string_equal(get("v2/taper/cgroup.subtree_control"), "+cpu +memory");
	cgroup_free(cg);
	cgroup_manager_free(m);
}

static void expect_refused(struct cgroup_manager *m, const struct taper_limits *l, const char *msg)
{
	struct taper_cgroup *cg = NULL;
	struct taper_err err = { 0 };

	assert_true(cgroup_validate(m, l, &err) < 0);
	assert_string_equal(err.msg, msg);
	memset(&err, 0, sizeof(err));
	assert_true(cgroup_create(m, "s1/c1", l, &cg, &err) < 0);
	assert_null(cg);
	assert_string_equal(err.msg, msg);
}

/* The same, for messages ending in a path. */
static void expect_refused_prefix(struct cgroup_manager *m, const struct taper_limits *l, const char *msg)
{
	struct taper_err err = { 0 };

	assert_true(cgroup_validate(m, l, &err) < 0);
	assert_memory_equal(err.msg, msg, strlen(msg));
}

static void test_v2_validation_writes_nothing(void **state)
{
	struct cgroup_manager *m;
	struct taper_cgroup_raw bad_raw = { 2, "../../etc/passwd", "x" };
	struct taper_cgroup_raw bad_ctrl = { 2, "net_cls.classid", "1" };
	struct taper_limits l;

	v2_tree(ALL_V2);
	m = open_mgr("v2", CGROUP_MODE_V2);
	limits_init(&l);
	l.memory_max = 1 << 20; /* valid: must not be written either */
	l.pids_max = -5;
	expect_refused(m, &l, "pids.max: invalid value -5 (an integer of at least 1, or max)");
	l.pids_max = TAPER_UNSET;
	l.cpuset_cpus = "7";
	expect_refused(m, &l, "cpuset.cpus: cpu 7 out of range (host has 0-3)");
	l.cpuset_cpus = "0-1,3-9";
	expect_refused(m, &l, "cpuset.cpus: cpu 4 out of range (host has 0-3)");
	l.cpuset_cpus = "1-x";
	expect_refused(m, &l, "cpuset.cpus: invalid list \"1-x\"");
	l.cpuset_cpus = NULL;
	l.cpuset_mems = "1";
	expect_refused(m, &l, "cpuset.mems: node 1 out of range (host has 0)");
	l.cpuset_mems = NULL;
	l.cpu_weight = 0;
	expect_refused(m, &l, "cpu.weight: invalid value 0 (an integer from 1 to 10000)");
	l.cpu_weight = 100;
	l.cpu_shares = 4096;
	expect_refused(m, &l, "cpu.shares: 4096 conflicts with cpu.weight 100");
	l.cpu_weight = l.cpu_shares = TAPER_UNSET;
	l.cpu_quota_us = 10;
	expect_refused(m, &l, "cpu.max: invalid quota 10 (at least 1000 us)");
	l.cpu_quota_us = TAPER_UNSET;
	l.io_weight = 10001;
	expect_refused(m, &l, "io.weight: invalid value 10001 (an integer from 1 to 10000)");
	l.io_weight = TAPER_UNSET;
	l.raw = &bad_raw;
	l.n_raw = 1;
	expect_refused(m, &l, "cgroup.v2.../../etc/passwd: invalid file name");
	l.raw = &bad_ctrl;
	expect_refused(m, &l, "cgroup.v2.net_cls.classid: controller \"net_cls\" not available");
	assert_string_equal(get("v2/taper/s1/c1/memory.max"), "max\n");
	assert_string_equal(get("v2/cgroup.subtree_control"), "");
	cgroup_manager_free(m);

	/* A controller the hierarchy does not offer. */
	v2_tree("hugetlb\n");
	m = open_mgr("v2", CGROUP_MODE_V2);
	l.raw = NULL;
	l.n_raw = 0;
	expect_refused_prefix(m, &l, "memory.max: memory controller not available in ");
	cgroup_manager_free(m);
}

static void test_v2_read_back_and_stats(void **state)
{
	struct cgroup_manager *m;
	struct taper_cgroup *cg = NULL;
	struct taper_err err = { 0 };
	struct cgroup_stats st;
	struct taper_limits l;

	v2_tree(ALL_V2);
	put("v2/taper/s1/c1/memory.max", "536870912\n");
	put("v2/taper/s1/c1/cpu.max", "50000 100000\n");
	put("v2/taper/s1/c1/cpu.weight", "250\n");
	put("v2/taper/s1/c1/pids.max", "64\n");
	put("v2/taper/s1/c1/cpuset.cpus", "0-1\n");
	m = open_mgr("v2", CGROUP_MODE_V2);
	assert_int_equal(cgroup_open(m, "s1/c1", &cg, &err), 0);
	limits_init(&l);
	assert_int_equal(cgroup_get_limits(cg, &l, &err), 0);
	assert_int_equal(l.memory_max, 536870912);
	assert_int_equal(l.memory_high, TAPER_UNSET);
	assert_int_equal(l.cpu_quota_us, 50000);
	assert_int_equal(l.cpu_period_us, 100000);
	assert_int_equal(l.cpu_weight, 250);
	assert_int_equal(l.pids_max, 64);
	assert_int_equal(l.io_weight, 100);
	assert_string_equal(l.cpuset_cpus, "0-1");
	assert_null(l.cpuset_mems);
	limits_clear(&l);

	assert_int_equal(cgroup_stats(cg, &st, &err), 0);
	assert_int_equal(st.cpu_usage_ns, 1523000);
	assert_int_equal(st.memory_current, 1339392);
	assert_int_equal(st.memory_peak, 2678784);
	assert_int_equal(st.memory_limit, 536870912);
	assert_int_equal(st.pids_current, 3);
	assert_int_equal(st.pids_limit, 64);
	assert_int_equal(st.io_read_bytes, 4196);
	assert_int_equal(st.io_write_bytes, 8392);
	assert_int_equal(st.oom_kills, 2);
	cgroup_free(cg);

	assert_int_equal(cgroup_open(m, "s1/nope", &cg, &err), -ENOENT);
	cgroup_manager_free(m);
}

static void test_v2_freeze_kill(void **state)
{
	struct cgroup_manager *m;
	struct taper_cgroup *cg = NULL;
	struct taper_err err = { 0 };
	bool frozen = false;

	v2_tree(ALL_V2);
	m = open_mgr("v2", CGROUP_MODE_V2);
	assert_int_equal(cgroup_open(m, "s1/c1", &cg, &err), 0);
	/* The kernel flips "frozen" once every task stopped. */
	put("v2/taper/s1/c1/cgroup.events", "populated 1\nfrozen 1\n");
	assert_int_equal(cgroup_freeze(cg, true, &err), 0);
	assert_string_equal(get("v2/taper/s1/c1/cgroup.freeze"), "1");
	assert_int_equal(cgroup_is_frozen(cg, &frozen), 0);
	assert_true(frozen);
	/* ... and a freeze that never completes is bounded. */
	put("v2/taper/s1/c1/cgroup.events", "populated 1\nfrozen 1\n");
	assert_int_equal(cgroup_freeze(cg, false, &err), -ETIMEDOUT);
	assert_non_null(strstr(err.msg, "frozen 0"));
	cgroup_free(cg);
	cgroup_manager_free(m);
}

static void test_group_names_and_stale(void **state)
{
	static const char *const bad[] = {
		"", "/", "//s1/c1", "s1/../c1", "s1//c1", "s1/c1/", "..", "s1/.c1"
	};
	struct cgroup_manager *m;
	struct taper_cgroup *cg = NULL;
	struct taper_err err = { 0 };

	v2_tree(ALL_V2);
	m = open_mgr("v2", CGROUP_MODE_V2);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(cgroup_create(m, bad[i], NULL, &cg, &err), -EINVAL);
	/* A leftover with processes is somebody's running container. */
	put("v2/taper/s1/c1/cgroup.events", "populated 1\nfrozen 0\n");
	assert_int_equal(cgroup_create(m, "s1/c1", NULL, &cg, &err), -EBUSY);
	assert_null(cg);
	cgroup_manager_free(m);
}

static void test_detect_errors(void **state)
{
	struct cgroup_manager *m = NULL;
	struct taper_err err = { 0 };

	put("empty/README", "");
	assert_int_equal(cgroup_manager_open(root("empty"), &m, &err), -ENOMEDIUM);
	assert_int_equal(cgroup_manager_open(root("missing"), &m, &err), -ENOENT);
}

/* ---- a v1 tree (hybrid: with an empty cgroup2 beside it) ------------------ */

#define V1_UNLIMITED "9223372036854771712\n"

static void v1_tree(bool unified, bool memsw, bool bfq)
{
	static const char *const hiers[] = { "blkio",   "cpu",    "cpuacct", "cpuset", "devices",
					     "freezer", "memory", "pids",    "systemd" };

	for (size_t i = 0; i < ARRAY_SIZE(hiers); i++) {
		char h[64];

		snprintf(h, sizeof(h), "v1/%s", hiers[i]);
		put2(h, "cgroup.procs", "");
		put2(h, "cgroup.clone_children", "0\n");
		put2(h, "taper/s1/c1/cgroup.procs", "");
		put2(h, "taper/s1/c1/tasks", "");
	}
	put("v1/systemd/cgroup.procs", "1\n"); /* a named hierarchy */
	put("v1/cpuset/cpuset.cpus", "0-1\n");
	put("v1/cpuset/cpuset.mems", "0\n");
	put("v1/cpuset/cpuset.effective_cpus", "0-1\n");
	put("v1/cpuset/cpuset.effective_mems", "0\n");
	put("v1/cpuset/taper/cpuset.cpus", "\n");
	put("v1/cpuset/taper/cpuset.mems", "\n");
	put("v1/cpuset/taper/s1/cpuset.cpus", "\n");
	put("v1/cpuset/taper/s1/cpuset.mems", "\n");
	put("v1/cpuset/taper/s1/c1/cpuset.cpus", "\n");
	put("v1/cpuset/taper/s1/c1/cpuset.mems", "\n");
	put("v1/memory/memory.limit_in_bytes", V1_UNLIMITED);
	if (memsw)
		put("v1/memory/memory.memsw.limit_in_bytes", V1_UNLIMITED);
	if (bfq)
		put("v1/blkio/blkio.bfq.io_service_bytes", "Total 0\n");
	put("v1/cpu/taper/s1/c1/cpu.shares", "1024\n");
	put("v1/cpu/taper/s1/c1/cpu.cfs_quota_us", "-1\n");
	put("v1/cpu/taper/s1/c1/cpu.cfs_period_us", "100000\n");
	put("v1/cpuacct/taper/s1/c1/cpuacct.usage", "123456789\n");
	put("v1/memory/taper/s1/c1/memory.limit_in_bytes", V1_UNLIMITED);
	put("v1/memory/taper/s1/c1/memory.soft_limit_in_bytes", V1_UNLIMITED);
	if (memsw)
		put("v1/memory/taper/s1/c1/memory.memsw.limit_in_bytes", V1_UNLIMITED);
	put("v1/memory/taper/s1/c1/memory.usage_in_bytes", "2211840\n");
	put("v1/memory/taper/s1/c1/memory.max_usage_in_bytes", "4423680\n");
	put("v1/memory/taper/s1/c1/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 4\n");
	put("v1/memory/taper/s1/c1/memory.swappiness", "60\n");
	put("v1/pids/taper/s1/c1/pids.max", "max\n");
	put("v1/pids/taper/s1/c1/pids.current", "2\n");
	put("v1/freezer/taper/s1/c1/freezer.state", "THAWED\n");
	if (bfq)
		put("v1/blkio/taper/s1/c1/blkio.bfq.weight", "100\n");
	put("v1/blkio/taper/s1/c1/blkio.throttle.io_service_bytes_recursive",
	    "8:0 Read 100\n8:0 Write 200\n8:0 Sync 0\n8:0 Async 300\n8:0 Discard 0\n8:0 Total 300\nTotal 300\n");
	if (unified) {
		put("v1/unified/cgroup.controllers", "hugetlb\n");
		put("v1/unified/cgroup.subtree_control", "");
		put("v1/unified/taper/s1/c1/cgroup.procs", "");
		put("v1/unified/taper/s1/c1/cgroup.events", "populated 0\nfrozen 0\n");
	}
}

static void test_v1_mapping(void **state)
{
	struct cgroup_manager *m;
	struct taper_cgroup *cg = NULL;
	struct taper_err err = { 0 };
	struct taper_cgroup_raw raw[] = {
		{ 1, "memory.swappiness", "10" },
		{ 2, "memory.oom.group", "1" }, /* the other version's: ignored */
	};
	struct taper_limits l;

	v1_tree(true, true, true);
	m = open_mgr("v1", CGROUP_MODE_HYBRID);
	assert_string_equal(cgroup_mode_name(cgroup_manager_mode(m)), "hybrid");
	limits_init(&l);
	l.memory_max = 256 << 20;
	l.swap_max = 64 << 20;
	l.memory_high = 128 << 20;
	l.pids_max = 50;
	l.cpu_weight = 100;
	l.cpu_quota_us = 50000;
	l.io_weight = 100;
	l.raw = raw;
	l.n_raw = ARRAY_SIZE(raw);
	assert_int_equal(cgroup_create(m, "s1/c1", &l, &cg, &err), 0);
	assert_string_equal(get("v1/memory/taper/s1/c1/memory.limit_in_bytes"), "268435456");
	assert_string_equal(get("v1/memory/taper/s1/c1/memory.memsw.limit_in_bytes"), "335544320");
	assert_string_equal(get("v1/memory/taper/s1/c1/memory.soft_limit_in_bytes"), "134217728");
	assert_string_equal(get("v1/memory/taper/s1/c1/memory.swappiness"), "10");
	assert_string_equal(get("v1/pids/taper/s1/c1/pids.max"), "50");
	/* The defaults meet: weight 100 is 1024 shares. */
	assert_string_equal(get("v1/cpu/taper/s1/c1/cpu.shares"), "1024");
	assert_string_equal(get("v1/cpu/taper/s1/c1/cpu.cfs_period_us"), "100000");
	assert_string_equal(get("v1/cpu/taper/s1/c1/cpu.cfs_quota_us"), "50000");
	assert_string_equal(get("v1/blkio/taper/s1/c1/blkio.bfq.weight"), "19");
	/* cpuset copied down level by level, as none was asked for. */
	assert_string_equal(get("v1/cpuset/taper/cpuset.cpus"), "0-1");
	assert_string_equal(get("v1/cpuset/taper/s1/cpuset.mems"), "0");
	assert_string_equal(get("v1/cpuset/taper/s1/c1/cpuset.cpus"), "0-1");
	assert_string_equal(cgroup_path(cg, "memory"), root("v1/memory/taper/s1/c1"));
	assert_string_equal(cgroup_path(cg, "unified"), root("v1/unified/taper/s1/c1"));
	assert_string_equal(cgroup_path(cg, "systemd"), root("v1/systemd/taper/s1/c1"));
	assert_null(cgroup_path(cg, "rdma"));

	/* Entering writes the pid in every hierarchy, the cgroup2 one too. */
	assert_int_equal(cgroup_enter(cg, 777, &err), 0);
	assert_string_equal(get("v1/freezer/taper/s1/c1/cgroup.procs"), "777");
	assert_string_equal(get("v1/unified/taper/s1/c1/cgroup.procs"), "777");
	assert_string_equal(get("v1/systemd/taper/s1/c1/cgroup.procs"), "777");

	/* A child born in the cgroup2 part moves itself into each v1 part by
	 * "0" in its tasks file; nothing goes to cgroup.procs. */
	struct cgroup_birth b;

	put("v1/memory/taper/s1/c1/cgroup.procs", "");
	assert_int_equal(cgroup_birth_open(cg, &b, &err), 0);
	assert_true(b.clone_fd >= 0);
	assert_int_equal(b.n_tasks, 9);
	assert_int_equal(cgroup_birth_join(&b), 0);
	assert_string_equal(get("v1/memory/taper/s1/c1/tasks"), "0");
	assert_string_equal(get("v1/systemd/taper/s1/c1/tasks"), "0");
	assert_string_equal(get("v1/cpuset/taper/s1/c1/tasks"), "0");
	assert_string_equal(get("v1/memory/taper/s1/c1/cgroup.procs"), "");
	cgroup_birth_close(&b);
	assert_int_equal(b.clone_fd, -1);

	/* shares given directly, "max" spelled -1, and reading back. */
	limits_init(&l);
	l.cpu_shares = 512;
	l.cpu_quota_us = CGROUP_LIMIT_MAX;
	l.pids_max = CGROUP_LIMIT_MAX;
	assert_int_equal(cgroup_set_limits(cg, &l, &err), 0);
	assert_string_equal(get("v1/cpu/taper/s1/c1/cpu.shares"), "512");
	assert_string_equal(get("v1/cpu/taper/s1/c1/cpu.cfs_quota_us"), "-1");
	assert_string_equal(get("v1/pids/taper/s1/c1/pids.max"), "max");
	put("v1/cpu/taper/s1/c1/cpu.shares", "1024\n");
	put("v1/cpu/taper/s1/c1/cpu.cfs_quota_us", "150000\n");
	assert_int_equal(cgroup_get_limits(cg, &l, &err), 0);
	assert_int_equal(l.cpu_weight, 100);
	assert_int_equal(l.cpu_shares, 1024);
	assert_int_equal(l.cpu_quota_us, 150000);
	assert_int_equal(l.cpu_period_us, 100000);
	assert_int_equal(l.memory_max, 256 << 20);
	assert_int_equal(l.swap_max, 64 << 20);
	assert_int_equal(l.memory_high, 128 << 20);
	assert_int_equal(l.pids_max, TAPER_UNSET);
	assert_string_equal(l.cpuset_cpus, "0-1");
	/* What was read back applies unchanged. */
	assert_int_equal(cgroup_set_limits(cg, &l, &err), 0);
	assert_string_equal(get("v1/cpu/taper/s1/c1/cpu.shares"), "1024");
	limits_clear(&l);
	cgroup_free(cg);
	cgroup_manager_free(m);
}

static void test_v1_stats_and_freeze(void **state)
{
	struct cgroup_manager *m;
	struct taper_cgroup *cg = NULL;
	struct taper_err err = { 0 };
	struct cgroup_stats st;

	v1_tree(false, true, false);
	m = open_mgr("v1", CGROUP_MODE_V1);
	assert_int_equal(cgroup_open(m, "s1/c1", &cg, &err), 0);
	assert_int_equal(cgroup_stats(cg, &st, &err), 0);
	assert_int_equal(st.cpu_usage_ns, 123456789);
	assert_int_equal(st.memory_current, 2211840);
	assert_int_equal(st.memory_peak, 4423680);
	assert_int_equal(st.memory_limit, TAPER_UNSET);
	assert_int_equal(st.pids_current, 2);
	assert_int_equal(st.pids_limit, TAPER_UNSET);
	assert_int_equal(st.io_read_bytes, 100);
	assert_int_equal(st.io_write_bytes, 200);
	assert_int_equal(st.oom_kills, 4);
	/* A plain file reads back FROZEN at once. */
	assert_int_equal(cgroup_freeze(cg, true, &err), 0);
	assert_string_equal(get("v1/freezer/taper/s1/c1/freezer.state"), "FROZEN");
	cgroup_free(cg);
	cgroup_manager_free(m);
}

static void test_v1_refusals(void **state)
{
	struct cgroup_manager *m;
	struct taper_limits l;

	v1_tree(false, false, false);
	m = open_mgr("v1", CGROUP_MODE_V1);
	limits_init(&l);
	l.io_weight = 500;
	expect_refused(m, &l,
		       "io.weight: not supported: the blkio controller has no weight file "
		       "(no cfq or bfq scheduler)");
	l.io_weight = TAPER_UNSET;
	l.memory_max = 1 << 20;
	l.swap_max = 0;
	expect_refused(m, &l,
		       "memory.swap.max: not supported: swap accounting is off "
		       "(no memory.memsw.limit_in_bytes)");
	l.memory_max = -2;
	expect_refused(m, &l, "memory.max: invalid value -2 (at least 1 byte, or max)");
	l.memory_max = TAPER_UNSET;
	l.swap_max = TAPER_UNSET;
	l.cpuset_cpus = "2";
	expect_refused(m, &l, "cpuset.cpus: cpu 2 out of range (host has 0-1)");
	assert_string_equal(get("v1/cpuset/taper/s1/c1/cpuset.cpus"), "\n");
	assert_string_equal(get("v1/memory/taper/s1/c1/memory.limit_in_bytes"), V1_UNLIMITED);
	cgroup_manager_free(m);

	v1_tree(false, true, false);
	m = open_mgr("v1", CGROUP_MODE_V1);
	limits_init(&l);
	l.swap_max = 1 << 20;
	expect_refused(m, &l, "memory.swap.max: needs memory.max on cgroup v1");
	cgroup_manager_free(m);
}

/* cgroup_mounts_parse(): this machine's layout: v1 controllers plus an (almost empty) cgroup2. */
static const char hybrid_mountinfo[] =
	"23 1 0:21 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw\n"
	"31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
	"32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
	"33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
	"35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
	"37 31 0:34 / /sys/fs/cgroup/freezer ro,relatime - cgroup cgroup rw,freezer\n"
	"40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd\n"
	"41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";

static void test_layout_hybrid(void **state)
{
	struct cgroup_mounts l = {};
	const struct cgroup_mount *m;

	assert_int_equal(cgroup_mounts_parse(hybrid_mountinfo, &l), 0);
	assert_int_equal(l.n, 6);
	assert_int_equal(cgroup_mounts_mode(&l), CGROUP_MODE_HYBRID);
	m = cgroup_mounts_v1(&l, "memory");
	assert_non_null(m);
	assert_string_equal(m->path, "/sys/fs/cgroup/memory");
	assert_false(m->ro);
	m = cgroup_mounts_v1(&l, "freezer");
	assert_non_null(m);
	assert_true(m->ro);
	/* A named hierarchy holds no controller. */
	assert_null(cgroup_mounts_v1(&l, "systemd"));
	assert_null(cgroup_mounts_v1(&l, "name=systemd"));
	assert_null(cgroup_mounts_v1(&l, "xattr"));
	assert_null(cgroup_mounts_v1(&l, "pids"));
	m = cgroup_mounts_v2(&l);
	assert_non_null(m);
	assert_string_equal(m->path, "/sys/fs/cgroup/unified");
	assert_true(m->v2);
	/* By filesystem, as cgroup_manager_open() looks a hierarchy up. */
	m = cgroup_mounts_v1_dev(&l, makedev(0, 32));
	assert_non_null(m);
	assert_string_equal(m->controllers, "memory");
	assert_null(cgroup_mounts_v1_dev(&l, makedev(0, 38)));
	assert_null(cgroup_mounts_v1_dev(&l, makedev(0, 21)));
	cgroup_mounts_clear(&l);
}

static void test_layout_modes(void **state)
{
	static const struct {
		const char *text;
		enum cgroup_mode mode;
	} cases[] = {
		{ "30 23 0:26 / /sys/fs/cgroup rw,nosuid shared:4 - cgroup2 cgroup2 rw,nsdelegate\n",
		  CGROUP_MODE_V2 },
		/* Co-mounted controllers, optional fields, no cgroup2. */
		{ "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw shared:9 master:2 - cgroup cgroup "
		  "rw,cpu,cpuacct\n",
		  CGROUP_MODE_V1 },
		/* A named v1 hierarchy beside cgroup2 is still v2. */
		{ "40 31 0:37 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd\n"
		  "41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n",
		  CGROUP_MODE_V2 },
		{ "23 1 0:21 / /sys rw - sysfs sysfs rw\n", CGROUP_MODE_NONE },
		{ "", CGROUP_MODE_NONE },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cgroup_mounts l = {};

		assert_int_equal(cgroup_mounts_parse(cases[i].text, &l), 0);
		assert_int_equal(cgroup_mounts_mode(&l), cases[i].mode);
		cgroup_mounts_clear(&l);
	}
}

static void test_layout_escapes_and_errors(void **state)
{
	struct cgroup_mounts l = {};

	assert_int_equal(cgroup_mounts_parse("50 31 0:40 / /mnt/my\\040cg rw - cgroup cgroup "
					     "rw,release_agent=/x,pids\n",
					     &l),
			 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.mounts[0].path, "/mnt/my cg");
	assert_string_equal(l.mounts[0].controllers, "pids");
	cgroup_mounts_clear(&l);

	/* A cgroup line cut short is an error, not a silent skip. */
	assert_int_equal(cgroup_mounts_parse("50 31 0:40 / /x rw - cgroup\n", &l), -EINVAL);
	assert_int_equal(cgroup_mounts_parse("50 31 x / /x rw - cgroup cgroup rw,pids\n", &l), -EINVAL);
	/* Non-cgroup garbage is skipped. */
	assert_int_equal(cgroup_mounts_parse("garbage\n\n1 2\n", &l), 0);
	assert_int_equal(l.n, 0);
	cgroup_mounts_clear(&l);
}

static void test_mode_names(void **state)
{
	assert_string_equal(cgroup_mode_name(CGROUP_MODE_HYBRID), "hybrid");
	assert_string_equal(cgroup_mode_name(CGROUP_MODE_V1), "v1");
	assert_string_equal(cgroup_mode_name(CGROUP_MODE_V2), "v2");
	assert_null(cgroup_mode_name(CGROUP_MODE_NONE));
}

static void test_conversions(void **state)
{
	/* Every weight survives weight -> shares -> weight, within range. */
	for (int64_t w = 1; w <= 10000; w++) {
		int64_t shares = limit_weight_to_shares(w);

		assert_true(shares >= 2 && shares <= 262144);
		assert_int_equal(limit_shares_to_weight(shares), w);
	}
	assert_int_equal(limit_weight_to_shares(1), 2);
	assert_int_equal(limit_weight_to_shares(10000), 262144);
	assert_int_equal(limit_shares_to_weight(2), 1);
	assert_int_equal(limit_shares_to_weight(262144), 10000);
	assert_int_equal(limit_weight_to_shares(100), 1024);
	assert_int_equal(limit_shares_to_weight(1024), 100);
	assert_int_equal(limit_io_weight_to_blkio(1), 10);
	assert_int_equal(limit_io_weight_to_blkio(10000), 1000);
	for (int64_t b = 10; b <= 1000; b++)
		assert_int_equal(limit_io_weight_to_blkio(limit_blkio_to_io_weight(b)), b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_v2_detect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v2_create_writes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v2_absolute_group, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v2_delegation_partial, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v2_validation_writes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v2_read_back_and_stats, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v2_freeze_kill, setup, teardown),
		cmocka_unit_test_setup_teardown(test_group_names_and_stale, setup, teardown),
		cmocka_unit_test_setup_teardown(test_detect_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v1_mapping, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v1_stats_and_freeze, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v1_refusals, setup, teardown),
		cmocka_unit_test(test_conversions),
		cmocka_unit_test(test_layout_hybrid),
		cmocka_unit_test(test_layout_modes),
		cmocka_unit_test(test_layout_escapes_and_errors),
		cmocka_unit_test(test_mode_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
