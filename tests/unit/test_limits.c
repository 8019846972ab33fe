/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of the limits module: the option table against the config
 * key table (a value means the same in both), refusals with the bare
 * reason, canonical formatting, the CPU percent of two snapshots, and
 * limits_set/limits_get/limits_stats end to end on a real store and a
 * cgroup2-shaped tree of plain files (the running container's group is a
 * directory there). The real kernel is exercised by tests/cli.
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
#include <unistd.h>
#include <cmocka.h>

#include "fake-tree.h"

#include "cgroup/cgroup.h"
#include "config/config.h"
#include "limits/limits.h"
#include "spec/flags.h"
#include "store/store.h"
#include "util/cleanup.h"
#include "util/fs.h"

static int setup(void **state)
{
	strcpy(dir, "/tmp/taper-test-limits.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	return rm_rf_at(AT_FDCWD, dir);
}

/* Every option parses a value into what the config file compiles it to. */
static void test_table_matches_config(void **state)
{
	static const struct {
		const char *option, *value;
	} cases[] = {
		{ "memory", "256M" },    { "memory-high", "128M" }, { "swap", "1G" },
		{ "cpus", "0.5" },       { "cpus", "1.5" },         { "cpus", "0.0001" },
		{ "cpu-weight", "200" }, { "cpu-shares", "512" },   { "cpuset", "0-1" },
		{ "cpuset-mems", "0" },  { "pids", "100" },         { "io-weight", "500" },
	};
	size_t n;
	const struct limit_opt *o = limit_opts(&n);

	for (size_t i = 0; i < n; i++) {
		assert_non_null(config_key_find(o[i].key));
		assert_ptr_equal(limit_opt_by_option(o[i].option), &o[i]);
		assert_ptr_equal(limit_opt_by_key(o[i].key), &o[i]);
	}
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct limit_opt *row = limit_opt_by_option(cases[i].option);
		struct taper_config *c = config_new("test");
		struct taper_spec *spec = spec_new();
		struct container_settings settings;
		struct taper_err err = { 0 };
		struct taper_limits l;

		assert_non_null(row);
		limits_init(&l);
		container_settings_init(&settings);
		assert_int_equal(limit_opt_parse(row, cases[i].value, &l, &err), 0);
		assert_int_equal(config_set(c, row->key, cases[i].value, &err), 0);
		assert_int_equal(config_compile(c, NULL, spec, &settings, &err), 0);
		assert_int_equal(l.memory_max, spec->limits.memory_max);
		assert_int_equal(l.memory_high, spec->limits.memory_high);
		assert_int_equal(l.swap_max, spec->limits.swap_max);
		assert_int_equal(l.pids_max, spec->limits.pids_max);
		assert_int_equal(l.cpu_weight, spec->limits.cpu_weight);
		assert_int_equal(l.cpu_shares, spec->limits.cpu_shares);
		assert_int_equal(l.cpu_quota_us, spec->limits.cpu_quota_us);
		assert_int_equal(l.cpu_period_us, spec->limits.cpu_period_us);
		assert_int_equal(l.io_weight, spec->limits.io_weight);
		if (l.cpuset_cpus || spec->limits.cpuset_cpus)
			assert_string_equal(l.cpuset_cpus, spec->limits.cpuset_cpus);
		if (l.cpuset_mems || spec->limits.cpuset_mems)
			assert_string_equal(l.cpuset_mems, spec->limits.cpuset_mems);
		assert_true(limit_opt_is_set(row, &l));
		limits_clear(&l);
		spec_free(spec);
		config_free(c);
	}
}

static void test_refusals(void **state)
{
	static const struct {
		const char *option, *value, *reason;
	} cases[] = {
		{ "memory", "-5", "invalid size \"-5\" (at least 1 byte, or max)" },
		{ "memory", "12Q", "invalid size \"12Q\" (e.g. 256M, 1G, or max)" },
		{ "memory", "0", "invalid size \"0\" (at least 1 byte, or max)" },
		{ "memory", "", "invalid size \"\" (e.g. 256M, 1G, or max)" },
		{ "memory", "8E", "invalid size \"8E\" (e.g. 256M, 1G, or max)" },
		{ "memory", "8388608T", "invalid size \"8388608T\" (too large; max is no limit)" },
		{ "memory-high", "0", "invalid size \"0\" (at least 1 byte, or max)" },
		{ "swap", "-1", "invalid size \"-1\" (at least 0 bytes, or max)" },
		{ "cpu-weight", "0", "invalid value \"0\" (an integer from 1 to 10000)" },
		{ "cpu-weight", "10001", "invalid value \"10001\" (an integer from 1 to 10000)" },
		{ "cpu-weight", "max", "invalid value \"max\" (an integer from 1 to 10000)" },
		{ "cpu-shares", "1", "invalid value \"1\" (an integer from 2 to 262144)" },
		{ "cpus", "0",
		  "invalid CPU count \"0\" (more than 0, up to 6 decimals, e.g. 0.5, 2, or max)" },
		{ "cpus", "-1",
		  "invalid CPU count \"-1\" (more than 0, up to 6 decimals, e.g. 0.5, 2, or max)" },
		{ "cpus", "0.5.1",
		  "invalid CPU count \"0.5.1\" (more than 0, up to 6 decimals, e.g. 0.5, 2, or max)" },
		{ "pids", "0", "invalid value \"0\" (an integer of at least 1, or max)" },
		{ "pids", "-3", "invalid value \"-3\" (an integer of at least 1, or max)" },
		{ "pids", "1k", "invalid value \"1k\" (an integer of at least 1, or max)" },
		{ "pids", "9223372036854775808",
		  "invalid value \"9223372036854775808\" (too large; max is no limit)" },
		{ "cpuset", "1-0", "invalid list \"1-0\" (ascending ids and ranges, e.g. 0-1,3)" },
		{ "cpuset", "max", "invalid list \"max\" (ascending ids and ranges, e.g. 0-1,3)" },
		{ "io-weight", "0", "invalid value \"0\" (an integer from 1 to 10000)" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct taper_err err = { 0 };
		struct taper_limits l;

		limits_init(&l);
		assert_int_equal(
			limit_opt_parse(limit_opt_by_option(cases[i].option), cases[i].value, &l, &err),
			-EINVAL);
		assert_string_equal(err.msg, cases[i].reason);
		assert_int_equal(l.memory_max, TAPER_UNSET);
		assert_int_equal(l.cpu_quota_us, TAPER_UNSET);
		assert_null(l.cpuset_cpus);
		limits_clear(&l);
	}
}

static void expect_format(const char *option, const char *in, const char *out)
{
	const struct limit_opt *o = limit_opt_by_option(option);
	struct taper_err err = { 0 };
	_cleanup_free_ char *s = NULL;
	struct taper_limits l;

	limits_init(&l);
	if (in)
		assert_int_equal(limit_opt_parse(o, in, &l, &err), 0);
	assert_int_equal(limit_opt_format(o, &l, &s), 0);
	if (out)
		assert_string_equal(s, out);
	else
		assert_null(s);
	limits_clear(&l);
}

static void test_format(void **state)
{
	expect_format("memory", "256M", "268435456");
	expect_format("memory", "max", "max");
	expect_format("memory", NULL, "max"); /* unset is unlimited */
	expect_format("cpus", "0.5", "0.5");
	expect_format("cpus", "2", "2");
	expect_format("cpus", "1.25", "1.25");
	expect_format("cpus", "0.0001", "0.01"); /* the kernel's 1ms minimum */
	expect_format("cpus", "max", "max");
	expect_format("cpu-weight", NULL, NULL);
	expect_format("cpu-weight", "100", "100");
	expect_format("cpuset", NULL, NULL);
	expect_format("cpuset", "0,2-3", "0,2-3");
	expect_format("pids", "100", "100");
}

static void test_cpu_percent(void **state)
{
	struct taper_stats a = { .timestamp_ns = 1000000000, .cpu_usage_ns = 5000000000 };
	struct taper_stats b = a;

	b.timestamp_ns += 2000000000; /* 2 s */
	b.cpu_usage_ns += 1000000000; /* 1 s of CPU: half a core */
	assert_true(limits_cpu_percent(&a, &b) > 49.99 && limits_cpu_percent(&a, &b) < 50.01);
	b.cpu_usage_ns = a.cpu_usage_ns + 4000000000; /* two cores busy */
	assert_true(limits_cpu_percent(&a, &b) > 199.99 && limits_cpu_percent(&a, &b) < 200.01);
	assert_true(taper_stats_cpu_percent(&a, &b) > 199.99);
	/* A restart in between resets the counter; the clock must advance. */
	b.cpu_usage_ns = 10;
	assert_true(limits_cpu_percent(&a, &b) == 0.0);
	assert_true(limits_cpu_percent(&a, &a) == 0.0);
	assert_true(limits_cpu_percent(&b, &a) == 0.0);
}

/* ---- end to end on a store and a fake cgroup2 tree -------------------------- */

struct env {
	struct taper_store *store;
	struct cgroup_manager *m;
	char group[128]; /* "v2/taper/<store-id>/c1", relative to dir */
};

#define CONFIG_TEXT "# web front end\nuts.name = c1\n# limits below\ncgroup.pids.max = 10\n"

static void env_open(struct env *e, bool running)
{
	struct taper_err err = { 0 };
	char p[256];

	put("v2/cgroup.controllers", "cpuset cpu io memory pids\n");
	put("v2/cgroup.subtree_control", "");
	put("v2/cgroup.procs", "");
	put("v2/cpuset.cpus.effective", "0-3\n");
	put("v2/cpuset.mems.effective", "0\n");
	put("store/c1/config", CONFIG_TEXT);
	snprintf(p, sizeof(p), "%s/store", dir);
	assert_int_equal(store_open(p, dir, true, &e->store, &err), 0);
	snprintf(e->group, sizeof(e->group), "v2/taper/%s/c1", store_id(e->store));
	if (running) {
		static const char *const files[][2] = {
			{ "cgroup.procs", "42\n" },
			{ "memory.max", "max\n" },
			{ "memory.high", "max\n" },
			{ "memory.swap.max", "max\n" },
			{ "memory.current", "1339392\n" },
			{ "memory.peak", "2678784\n" },
			{ "memory.events", "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n" },
			{ "cpu.max", "max 100000\n" },
			{ "cpu.weight", "100\n" },
			{ "cpu.stat", "usage_usec 1523\nuser_usec 1000\nsystem_usec 523\n" },
			{ "pids.max", "10\n" },
			{ "pids.current", "3\n" },
			{ "io.weight", "default 100\n" },
			{ "io.stat", "8:0 rbytes=4096 wbytes=8192 rios=1 wios=2\n" },
			{ "cpuset.cpus", "\n" },
			{ "cpuset.mems", "\n" },
		};

		for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
			snprintf(p, sizeof(p), "%s/%s", e->group, files[i][0]);
			put(p, files[i][1]);
		}
	}
	snprintf(p, sizeof(p), "%s/v2", dir);
	assert_int_equal(cgroup_manager_open(p, &e->m, &err), 0);
}

static void env_close(struct env *e)
{
	cgroup_manager_free(e->m);
	store_free(e->store);
}

static const char *group_file(struct env *e, const char *file)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", e->group, file);
	return get(p);
}

static void test_set_running(void **state)
{
	const struct taper_limit set[] = {
		{ "cgroup.memory.max", "256M" },
		{ "cgroup.cpu.max", "0.5" },
		{ "cgroup.cpu.shares", "512" },
	};
	const struct taper_limit bad[] = {
		{ "cgroup.memory.max", "128M" },
		{ "cgroup.cpuset.cpus", "0-7" },
	};
	const struct taper_limit remove[] = {
		{ "cgroup.memory.max", "max" },
		{ "cgroup.pids.max", "max" },
		{ "cgroup.cpu.weight", "300" },
	};
	struct taper_err err = { 0 };
	struct taper_limit_value *v = NULL;
	struct taper_stats st;
	struct env e = { 0 };
	bool running = false;
	size_t idx = 99, n = 0;
	char saved[4096];

	env_open(&e, true);
	assert_int_equal(limits_set(e.store, e.m, "c1", set, ARRAY_SIZE(set), &idx, &err), 0);
	assert_int_equal(idx, ARRAY_SIZE(set));
	assert_string_equal(group_file(&e, "memory.max"), "268435456");
	assert_string_equal(group_file(&e, "cpu.max"), "50000 100000");
	assert_string_equal(group_file(&e, "cpu.weight"),
			    "51"); /* shares 512: 1 + 510 * 99 / 1022, rounded up */
	assert_string_equal(group_file(&e, "pids.max"), "10\n"); /* untouched */
	assert_string_equal(get("store/c1/config"),
			    CONFIG_TEXT "cgroup.memory.max = 256M\ncgroup.cpu.max = 0.5\n"
					"cgroup.cpu.shares = 512\n");

	/* One refusal: nothing written, the culprit named by index. */
	snprintf(saved, sizeof(saved), "%s", get("store/c1/config"));
	assert_int_equal(limits_set(e.store, e.m, "c1", bad, ARRAY_SIZE(bad), &idx, &err), -ERANGE);
	assert_int_equal(idx, 1);
	assert_string_equal(err.msg, "cpu 4 out of range (host has 0-3)");
	assert_string_equal(get("store/c1/config"), saved);
	assert_string_equal(group_file(&e, "memory.max"), "268435456");

	/* max removes; a weight replaces the shares line. */
	assert_int_equal(limits_set(e.store, e.m, "c1", remove, ARRAY_SIZE(remove), &idx, &err), 0);
	assert_string_equal(group_file(&e, "memory.max"), "max");
	assert_string_equal(group_file(&e, "pids.max"), "max");
	assert_string_equal(group_file(&e, "cpu.weight"), "300");
	assert_string_equal(get("store/c1/config"), "# web front end\nuts.name = c1\n# limits below\n"
						    "cgroup.cpu.max = 0.5\ncgroup.cpu.weight = 300\n");

	assert_int_equal(limits_get(e.store, e.m, "c1", &v, &n, &running, &err), 0);
	assert_true(running);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(v[i].key, "cgroup.cpu.max") == 0) {
			assert_string_equal(v[i].config, "0.5");
			assert_string_equal(v[i].kernel, "0.5");
		} else if (strcmp(v[i].key, "cgroup.memory.max") == 0) {
			assert_null(v[i].config);
			assert_string_equal(v[i].kernel, "max");
		}
	}
	taper_limit_values_free(v, n);

	assert_int_equal(limits_stats(e.store, e.m, "c1", &st, &err), 0);
	assert_int_equal(st.memory_bytes, 1339392);
	assert_int_equal(st.memory_peak_bytes, 2678784);
	assert_int_equal(st.cpu_usage_ns, 1523000);
	assert_int_equal(st.pids, 3);
	assert_int_equal(st.pids_limit, -1);
	assert_int_equal(st.memory_limit_bytes, -1);
	assert_int_equal(st.io_read_bytes, 4096);
	assert_int_equal(st.io_write_bytes, 8192);
	assert_int_equal(st.oom_kills, 1);
	assert_true(st.timestamp_ns > 0);
	env_close(&e);
}

static void test_set_stopped(void **state)
{
	const struct taper_limit set[] = { { "cgroup.memory.max", "1G" } };
	const struct taper_limit unknown[] = { { "uts.name", "x" } };
	struct taper_err err = { 0 };
	struct taper_limit_value *v = NULL;
	struct taper_stats st;
	struct env e = { 0 };
	bool running = true;
	size_t idx = 99, n = 0;

	env_open(&e, false);
	assert_int_equal(limits_set(e.store, e.m, "c1", set, 1, &idx, &err), 0);
	assert_string_equal(get("store/c1/config"), CONFIG_TEXT "cgroup.memory.max = 1G\n");
	assert_string_equal(group_file(&e, "memory.max"), "<missing>");
	assert_int_equal(limits_set(e.store, e.m, "c1", unknown, 1, &idx, &err), -EINVAL);
	assert_int_equal(idx, 0);
	assert_int_equal(limits_set(e.store, e.m, "nope", set, 1, &idx, &err), -ENOENT);
	assert_int_equal(idx, 1);

	assert_int_equal(limits_get(e.store, e.m, "c1", &v, &n, &running, &err), 0);
	assert_false(running);
	for (size_t i = 0; i < n; i++)
		assert_null(v[i].kernel);
	taper_limit_values_free(v, n);
	assert_int_equal(limits_stats(e.store, e.m, "c1", &st, &err), -ESRCH);
	assert_string_equal(err.msg, "container \"c1\" is not running");
	env_close(&e);
}

/* ---- one rule per limit, on every path ---------------------------------- */

struct verdict {
	int r;
	char reason[sizeof(((struct taper_err *)0)->msg)]; /* without the key or flag in front */
	struct taper_limits l;
};

static void strip_name(struct verdict *v, const char *msg, const char *name)
{
	size_t n = strlen(name);

	if (strncmp(msg, name, n) != 0 || strncmp(msg + n, ": ", 2) != 0)
		fail_msg("\"%s\" does not name %s", msg, name);
	snprintf(v->reason, sizeof(v->reason), "%s", msg + n + 2);
}

/* `taper config c1 KEY VALUE`, then the compile a start does. */
static void via_config(const struct limit_opt *o, const char *value, struct verdict *v)
{
	struct taper_config *c = config_new("t");
	struct taper_spec *spec = spec_new();
	struct container_settings set;
	struct taper_err err = { 0 };

	container_settings_init(&set);
	v->r = config_set(c, o->key, value, &err);
	if (v->r < 0) {
		strip_name(v, err.msg, o->key);
	} else {
		assert_int_equal(config_compile(c, NULL, spec, &set, &err), 0);
		v->l = spec->limits;
		limits_init(&spec->limits); /* handed over */
	}
	spec_free(spec);
	config_free(c);
}

/* `taper run --OPTION VALUE`. */
static void via_run(const struct limit_opt *o, const char *value, struct verdict *v)
{
	char flag[64], name[64];
	char *argv[] = { "run", "--rootfs", "/r", flag, (char *)value, "true", NULL };
	struct taper_spec *spec = NULL;
	struct taper_run_flags f;
	struct taper_err err = { 0 };

	snprintf(flag, sizeof(flag), "--%s", o->option);
	snprintf(name, sizeof(name), "--%s", o->option);
	v->r = spec_from_run_flags(6, argv, &spec, &f, &err);
	if (v->r < 0) {
		strip_name(v, err.msg, name);
		return;
	}
	v->l = spec->limits;
	limits_init(&spec->limits);
	spec_free(spec);
}

/* `taper limit c1 --OPTION VALUE` on a stopped container. */
static void via_limit(struct env *e, const struct limit_opt *o, const char *value, struct verdict *v)
{
	const struct taper_limit one = { o->key, value };
	struct taper_err err = { 0 };
	size_t bad = 99;

	put("store/c1/config", CONFIG_TEXT);
	v->r = limits_set(e->store, e->m, "c1", &one, 1, &bad, &err);
	if (v->r < 0) {
		assert_int_equal(bad, 0);
		snprintf(v->reason, sizeof(v->reason), "%s", err.msg);
	}
}

/* The same values through `taper config`, `taper run` and `taper limit`:
 * each is accepted by all three or refused by all three, for the same
 * reason; what config and run accept compiles to the same limits. Values
 * the host's cgroups decide (cpusets, CPUs beyond the host's) are not
 * here: only `taper limit` (and a start) check the host. */
static void test_every_path_agrees(void **state)
{
	static const struct {
		const char *option, *value;
	} cases[] = {
		{ "memory", "0" },
		{ "memory", "-1" },
		{ "memory", "1" },
		{ "memory", "512M" },
		{ "memory", "1G" },
		{ "memory", "1GiB" },
		{ "memory", "max" },
		{ "memory", "lots" },
		{ "memory", "12Q" },
		{ "memory", "9223372036854775807" },
		{ "memory", "9223372036854775808" },
		{ "memory", "99999999999T" },
		{ "memory-high", "0" },
		{ "memory-high", "384M" },
		{ "swap", "-1" },
		{ "swap", "1X" },
		{ "pids", "0" },
		{ "pids", "-1" },
		{ "pids", "1" },
		{ "pids", "100" },
		{ "pids", "max" },
		{ "pids", "1k" },
		{ "pids", "9223372036854775807" },
		{ "pids", "9223372036854775808" },
		{ "cpus", "0" },
		{ "cpus", "-1" },
		{ "cpus", "0.5" },
		{ "cpus", "1.5" },
		{ "cpus", "0.0001" },
		{ "cpus", "0.0000001" },
		{ "cpus", "max" },
		{ "cpus", "1e3" },
		{ "cpu-weight", "0" },
		{ "cpu-weight", "1" },
		{ "cpu-weight", "10000" },
		{ "cpu-weight", "10001" },
		{ "cpu-weight", "max" },
		{ "cpu-weight", "-5" },
		{ "cpu-shares", "1" },
		{ "cpu-shares", "2" },
		{ "cpu-shares", "262144" },
		{ "cpu-shares", "262145" },
		{ "cpuset", "0-1" },
		{ "cpuset", "1-0" },
		{ "cpuset", "max" },
		{ "cpuset-mems", "x" },
		{ "io-weight", "0" },
		{ "io-weight", "500" },
		{ "io-weight", "10001" },
		{ "io-weight", "garbage" },
	};
	struct env e = { 0 };

	env_open(&e, false);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct limit_opt *o = limit_opt_by_option(cases[i].option);
		struct verdict cfg = { 0 }, run = { 0 }, lim = { 0 };

		assert_non_null(o);
		limits_init(&cfg.l);
		limits_init(&run.l);
		via_config(o, cases[i].value, &cfg);
		via_run(o, cases[i].value, &run);
		via_limit(&e, o, cases[i].value, &lim);
		if ((cfg.r < 0) != (run.r < 0) || (cfg.r < 0) != (lim.r < 0))
			fail_msg("--%s %s: config %s, run %s, limit %s", o->option, cases[i].value,
				 cfg.r < 0 ? cfg.reason : "accepts", run.r < 0 ? run.reason : "accepts",
				 lim.r < 0 ? lim.reason : "accepts");
		if (cfg.r < 0) {
			if (strcmp(cfg.reason, run.reason) != 0 || strcmp(cfg.reason, lim.reason) != 0)
				fail_msg("--%s %s: config \"%s\", run \"%s\", limit \"%s\"", o->option,
					 cases[i].value, cfg.reason, run.reason, lim.reason);
			/* The reason names the value. */
			assert_non_null(strstr(cfg.reason, cases[i].value));
		} else {
			assert_int_equal(cfg.l.memory_max, run.l.memory_max);
			assert_int_equal(cfg.l.memory_high, run.l.memory_high);
			assert_int_equal(cfg.l.swap_max, run.l.swap_max);
			assert_int_equal(cfg.l.pids_max, run.l.pids_max);
			assert_int_equal(cfg.l.cpu_quota_us, run.l.cpu_quota_us);
			assert_int_equal(cfg.l.cpu_period_us, run.l.cpu_period_us);
			assert_int_equal(cfg.l.cpu_weight, run.l.cpu_weight);
			assert_int_equal(cfg.l.cpu_shares, run.l.cpu_shares);
			assert_int_equal(cfg.l.io_weight, run.l.io_weight);
			if (cfg.l.cpuset_cpus || run.l.cpuset_cpus)
				assert_string_equal(cfg.l.cpuset_cpus, run.l.cpuset_cpus);
		}
		limits_clear(&cfg.l);
		limits_clear(&run.l);
	}
	env_close(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_matches_config),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_cpu_percent),
		cmocka_unit_test_setup_teardown(test_every_path_agrees, setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_running, setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_stopped, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
