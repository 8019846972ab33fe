/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cmds.c — the commands on an existing container: state, kill, delete,
 * list, pause, resume, ps, update, events; and spec, features.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "oci/oci.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/parse.h"
#include "util/strv.h"

/* The one container id after the options (optind from the caller). */
static const char *one_id(int argc, char **argv, struct oci_global *g)
{
	if (optind != argc - 1) {
		oci_error(g, "%s: expected one container id", argv[0]);
		return NULL;
	}
	return argv[optind];
}

static int no_options(int argc, char **argv, struct oci_global *g)
{
	opterr = 0;
	if (getopt_long(argc, argv, "+", (const struct option[]){ {} }, NULL) != -1)
		return oci_error(g, "%s: unknown option %s", argv[0], argv[optind - 1]);
	return 0;
}

int oci_cmd_state(int argc, char **argv, struct oci_global *g)
{
	struct taper_err err = { 0 };
	struct oci_state st;
	const char *id;
	char *s;

	if (no_options(argc, argv, g) || !(id = one_id(argc, argv, g)))
		return 1;
	if (oci_state_load(g, id, &st, &err) < 0)
		return oci_error_err(g, &err);
	s = oci_state_json(&st, true);
	oci_state_clear(&st);
	if (!s)
		return oci_error(g, "state: out of memory");
	printf("%s\n", s);
	free(s);
	return 0;
}

/* A signal to pid if it is still the process that started at start_time. */
static int signal_pid(pid_t pid, uint64_t start_time, int sig)
{
	_cleanup_close_ int fd = (int)syscall(SYS_pidfd_open, pid, 0);

	if (fd < 0)
		return -errno;
	if (start_time && oci_pid_start_time(pid) != start_time)
		return -ESRCH;
	return syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0) < 0 ? -errno : 0;
}

int oci_cmd_kill(int argc, char **argv, struct oci_global *g)
{
	static const struct option opts[] = { { "all", no_argument, NULL, 'a' }, {} };
	struct taper_err err = { 0 };
	struct oci_state st;
	bool all = false;
	const char *id;
	int c, sig = SIGTERM, r;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+a", opts, NULL)) != -1) {
		if (c != 'a')
			return oci_error(g, "kill: unknown option %s", argv[optind - 1]);
		all = true;
	}
	if (optind != argc - 1 && optind != argc - 2)
		return oci_error(g, "kill: expected a container id and a signal");
	id = argv[optind];
	if (optind == argc - 2 && (sig = oci_parse_signal(argv[optind + 1])) < 0)
		return oci_error(g, "kill: unknown signal \"%s\"", argv[optind + 1]);
	if (oci_state_load(g, id, &st, &err) < 0)
		return oci_error_err(g, &err);
	if (st.status == OCI_STOPPED || st.status == OCI_CREATING) {
		oci_state_clear(&st);
		return oci_error(g, "container \"%s\" is not running", id);
	}
	if (all) {
		_cleanup_free_ pid_t *pids = NULL;
		size_t n = 0;

		if (taper_run_group_pids(g->root, st.cgroup, &pids, &n, &err) < 0) {
			oci_state_clear(&st);
			return oci_error_err(g, &err);
		}
		for (size_t i = 0; i < n; i++)
			(void)signal_pid(pids[i], 0, sig);
		/* A frozen group gets its SIGKILL only once thawed. */
		if (st.status == OCI_PAUSED && sig == SIGKILL)
			(void)taper_run_group_freeze(g->root, st.cgroup, false, NULL);
	}
	r = signal_pid(st.pid, st.start_time, sig);
	oci_state_clear(&st);
	if (r < 0 && !(all && r == -ESRCH))
		return oci_error(g, "kill %s: %s", id, strerror(-r));
	return 0;
}

static void remove_dir(struct oci_global *g, const char *id)
{
	_cleanup_close_ int root = oci_root_open(g, false, NULL);

	if (root >= 0)
		(void)rm_rf_at(root, id);
}

int oci_cmd_delete(int argc, char **argv, struct oci_global *g)
{
	static const struct option opts[] = { { "force", no_argument, NULL, 'f' }, {} };
	struct taper_err err = { 0 };
	struct oci_state st;
	bool force = false;
	const char *id;
	int c, r;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+f", opts, NULL)) != -1) {
		if (c != 'f')
			return oci_error(g, "delete: unknown option %s", argv[optind - 1]);
		force = true;
	}
	if (!(id = one_id(argc, argv, g)))
		return 1;
	r = oci_state_load(g, id, &st, &err);
	if (r == -ENOENT && force) {
		/* As runc: nothing to delete is no error when forced, and a
		 * group left behind goes. */
		(void)taper_run_group_remove(g->root, id, NULL);
		return 0;
	}
	if (r < 0)
		return oci_error_err(g, &err);
	if (st.status != OCI_STOPPED && !force) {
		r = oci_error(g, "cannot delete container \"%s\" that is %s (stop it, or --force)", id,
			      oci_status_name(st.status));
		oci_state_clear(&st);
		return r;
	}
	if (st.status != OCI_STOPPED)
		(void)signal_pid(st.pid, st.start_time, SIGKILL);
	/* Whatever is left in the group is killed with it. */
	if (taper_run_group_remove(g->root, st.cgroup ? st.cgroup : id, &err) < 0) {
		oci_state_clear(&st);
		return oci_error_err(g, &err);
	}
	/* runtime.md: poststop after the container is deleted, before the
	 * delete returns; a failure is a warning. */
	oci_run_poststop(g, &st);
	oci_state_clear(&st);
	remove_dir(g, id);
	return 0;
}

/* --root to read, checked as every command checks it; NULL when there
 * is none yet. */
static int open_root(const struct oci_global *g, DIR **ret, struct taper_err *err)
{
	_cleanup_close_ int root = oci_root_open(g, false, err), fd = -1;

	*ret = NULL;
	if (root == -ENOENT)
		return 0;
	if (root < 0)
		return root;
	fd = openat(root, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !(*ret = fdopendir(fd)))
		return err_set(err, errno, "--root %s", g->root);
	TAKE_FD(fd);
	return 0;
}

int oci_cmd_list(int argc, char **argv, struct oci_global *g)
{
	static const struct option opts[] = {
		{ "quiet", no_argument, NULL, 'q' },
		{ "format", required_argument, NULL, 'f' },
		{},
	};
	_cleanup_(closedirp) DIR *d = NULL;
	struct taper_err err = { 0 };
	bool quiet = false, json = false;
	json_t *arr = NULL;
	struct dirent *de;
	int c, r;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+qf:", opts, NULL)) != -1) {
		if (c == 'q')
			quiet = true;
		else if (c == 'f' && (strcmp(optarg, "json") == 0 || strcmp(optarg, "table") == 0))
			json = strcmp(optarg, "json") == 0;
		else if (c == 'f')
			return oci_error(g, "list: --format: \"%s\" is not table or json", optarg);
		else
			return oci_error(g, "list: unknown option %s", argv[optind - 1]);
	}
	if (optind != argc)
		return oci_error(g, "list: takes no argument");
	if ((r = open_root(g, &d, &err)) < 0)
		return oci_error_err(g, &err);
	if (json)
		arr = json_array();
	else if (!quiet)
		printf("%-24s %-8s %-10s %-40s %-30s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED",
		       "OWNER");
	while (d && (de = readdir(d))) {
		struct oci_state st;
		char *s;

		if (de->d_name[0] == '.' || oci_state_load(g, de->d_name, &st, NULL) < 0)
			continue;
		if (quiet)
			printf("%s\n", st.id);
		else if (arr && (s = oci_state_json(&st, false)))
			json_array_append_new(arr, json_loads(s, 0, NULL)), free(s);
		else if (!arr)
			printf("%-24s %-8d %-10s %-40s %-30s %s\n", st.id, (int)st.pid,
			       oci_status_name(st.status), st.bundle ? st.bundle : "",
			       st.created ? st.created : "", "root");
		oci_state_clear(&st);
	}
	if (arr) {
		char *s = json_array_size(arr) ? json_dumps(arr, JSON_COMPACT) : NULL;

		/* runc prints null for none. */
		printf("%s\n", s ? s : "null");
		free(s);
		json_decref(arr);
	}
	return 0;
}

static int freeze(int argc, char **argv, struct oci_global *g, bool frozen)
{
	struct taper_err err = { 0 };
	struct oci_state st;
	char cg[512];
	const char *id;
	int status;

	if (no_options(argc, argv, g) || !(id = one_id(argc, argv, g)))
		return 1;
	if (oci_state_load(g, id, &st, &err) < 0)
		return oci_error_err(g, &err);
	status = st.status;
	snprintf(cg, sizeof(cg), "%s", st.cgroup ? st.cgroup : id);
	oci_state_clear(&st);
	if (status != (frozen ? OCI_RUNNING : OCI_PAUSED))
		return oci_error(g, "container \"%s\" is %s, not %s", id, oci_status_name(status),
				 frozen ? "running" : "paused");
	return taper_run_group_freeze(g->root, cg, frozen, &err) < 0 ? oci_error_err(g, &err) : 0;
}

int oci_cmd_pause(int argc, char **argv, struct oci_global *g)
{
	return freeze(argc, argv, g, true);
}

int oci_cmd_resume(int argc, char **argv, struct oci_global *g)
{
	return freeze(argc, argv, g, false);
}

int oci_cmd_ps(int argc, char **argv, struct oci_global *g)
{
	static const struct option opts[] = { { "format", required_argument, NULL, 'f' }, {} };
	_cleanup_free_ pid_t *pids = NULL;
	struct taper_err err = { 0 };
	bool json = false;
	const char *id;
	char cg[512];
	size_t n = 0;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+f:", opts, NULL)) != -1) {
		if (c == 'f' && (strcmp(optarg, "json") == 0 || strcmp(optarg, "table") == 0))
			json = strcmp(optarg, "json") == 0;
		else
			return oci_error(g, "ps: bad option (--format table|json)");
	}
	/* runc passes what follows the id on to ps(1); there is nothing to
	 * pass it to here. */
	if (optind != argc - 1)
		return oci_error(g, "ps: expected one container id (no ps(1) options)");
	id = argv[optind];
	if (taper_run_group_pids(g->root, oci_cgroup_of(g, id, cg, sizeof(cg)), &pids, &n, &err) < 0)
		return oci_error_err(g, &err);
	if (json) {
		printf("[");
		for (size_t i = 0; i < n; i++)
			printf("%s%d", i ? "," : "", (int)pids[i]);
		printf("]\n");
		return 0;
	}
	printf("%-8s %-8s %s\n", "PID", "PPID", "CMD");
	for (size_t i = 0; i < n; i++) {
		char path[64], *comm = NULL, *stat = NULL, *p;
		int ppid = 0;

		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pids[i]);
		if (read_file(path, 4096, &stat) == 0 && (p = strrchr(stat, ')')))
			(void)sscanf(p + 2, "%*c %d", &ppid);
		snprintf(path, sizeof(path), "/proc/%d/comm", (int)pids[i]);
		if (read_file(path, 256, &comm) == 0)
			comm[strcspn(comm, "\n")] = '\0';
		printf("%-8d %-8d %s\n", (int)pids[i], ppid, comm ? comm : "?");
		free(comm);
		free(stat);
	}
	return 0;
}

/* One limit; the message names the flag. */
static int set_limit(struct oci_global *g, const char *id, const char *what, const char *key,
		     const char *value)
{
	struct taper_err err = { 0 };
	char cg[512];

	if (taper_run_group_set_limit(g->root, oci_cgroup_of(g, id, cg, sizeof(cg)), key, value, &err) < 0)
		return oci_error(g, "update %s: %s: %s", id, what, err.msg);
	return 0;
}

/* OCI's linux.resources (of update --resources) as limits. */
static int update_resources(struct oci_global *g, const char *id, const char *file)
{
	_cleanup_free_ char *text = NULL;
	json_t *o, *x;
	json_error_t jerr;
	char v[64];
	int r = 0;

	if (read_file(strcmp(file, "-") == 0 ? "/dev/stdin" : file, 1 << 20, &text) < 0)
		return oci_error(g, "update: cannot read %s", file);
	o = json_loads(text, 0, &jerr);
	if (!json_is_object(o)) {
		json_decref(o);
		return oci_error(g, "update: %s: line %d: %s", file, jerr.line, jerr.text);
	}
	if ((x = json_object_get(json_object_get(o, "memory"), "limit")) && json_integer_value(x) > 0) {
		snprintf(v, sizeof(v), "%lld", (long long)json_integer_value(x));
		r |= set_limit(g, id, "memory.limit", "cgroup.memory.max", v);
	}
	if ((x = json_object_get(json_object_get(o, "cpu"), "shares")) && json_integer_value(x) > 0) {
		snprintf(v, sizeof(v), "%lld", (long long)json_integer_value(x));
		r |= set_limit(g, id, "cpu.shares", "cgroup.cpu.shares", v);
	}
	if ((x = json_object_get(json_object_get(o, "cpu"), "quota")) && json_integer_value(x) != 0) {
		json_t *per = json_object_get(json_object_get(o, "cpu"), "period");
		long long q = json_integer_value(x), p = per ? json_integer_value(per) : 100000;

		if (q < 0)
			snprintf(v, sizeof(v), "max");
		else
			snprintf(v, sizeof(v), "%.6f", (double)q / (double)(p > 0 ? p : 100000));
		r |= set_limit(g, id, "cpu.quota", "cgroup.cpu.max", v);
	}
	if ((x = json_object_get(json_object_get(o, "cpu"), "cpus")) && json_string_value(x) &&
	    *json_string_value(x))
		r |= set_limit(g, id, "cpu.cpus", "cgroup.cpuset.cpus", json_string_value(x));
	if ((x = json_object_get(json_object_get(o, "cpu"), "mems")) && json_string_value(x) &&
	    *json_string_value(x))
		r |= set_limit(g, id, "cpu.mems", "cgroup.cpuset.mems", json_string_value(x));
	if ((x = json_object_get(json_object_get(o, "pids"), "limit")) && json_integer_value(x) != 0) {
		if (json_integer_value(x) < 0)
			snprintf(v, sizeof(v), "max");
		else
			snprintf(v, sizeof(v), "%lld", (long long)json_integer_value(x));
		r |= set_limit(g, id, "pids.limit", "cgroup.pids.max", v);
	}
	json_decref(o);
	return r;
}

int oci_cmd_update(int argc, char **argv, struct oci_global *g)
{
	static const struct option opts[] = {
		{ "resources", required_argument, NULL, 'r' },
		{ "memory", required_argument, NULL, 'm' },
		{ "cpu-quota", required_argument, NULL, 'q' },
		{ "cpu-period", required_argument, NULL, 'p' },
		{ "cpu-shares", required_argument, NULL, 's' },
		{ "pids-limit", required_argument, NULL, 'P' },
		{ "cpuset-cpus", required_argument, NULL, 'c' },
		{ "cpuset-mems", required_argument, NULL, 'M' },
		{},
	};
	const char *resources = NULL, *memory = NULL, *shares = NULL, *pids = NULL, *cpus = NULL,
		   *mems = NULL;
	int64_t quota = 0, period = 100000;
	struct taper_err err = { 0 };
	struct oci_state st;
	const char *id;
	char v[64];
	int c, r = 0;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+r:", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			resources = optarg;
			break;
		case 'm':
			memory = optarg;
			break;
		case 'q':
			if (parse_i64(optarg, &quota) < 0)
				return oci_error(g, "update: --cpu-quota: \"%s\" is not a number", optarg);
			break;
		case 'p':
			if (parse_i64(optarg, &period) < 0 || period <= 0)
				return oci_error(g, "update: --cpu-period: \"%s\" is not a period", optarg);
			break;
		case 's':
			shares = optarg;
			break;
		case 'P':
			pids = optarg;
			break;
		case 'c':
			cpus = optarg;
			break;
		case 'M':
			mems = optarg;
			break;
		default:
			return oci_error(g, "update: unknown option %s", argv[optind - 1]);
		}
	}
	if (!(id = one_id(argc, argv, g)))
		return 1;
	if (oci_state_load(g, id, &st, &err) < 0)
		return oci_error_err(g, &err);
	c = st.status;
	oci_state_clear(&st);
	if (c == OCI_STOPPED)
		return oci_error(g, "container \"%s\" is stopped", id);
	if (resources)
		r |= update_resources(g, id, resources);
	if (memory)
		r |= set_limit(g, id, "--memory", "cgroup.memory.max", memory);
	if (shares)
		r |= set_limit(g, id, "--cpu-shares", "cgroup.cpu.shares", shares);
	if (quota) {
		if (quota < 0)
			snprintf(v, sizeof(v), "max");
		else
			snprintf(v, sizeof(v), "%.6f", (double)quota / (double)period);
		r |= set_limit(g, id, "--cpu-quota", "cgroup.cpu.max", v);
	}
	if (pids)
		r |= set_limit(g, id, "--pids-limit", "cgroup.pids.max",
			       strcmp(pids, "-1") == 0 ? "max" : pids);
	if (cpus)
		r |= set_limit(g, id, "--cpuset-cpus", "cgroup.cpuset.cpus", cpus);
	if (mems)
		r |= set_limit(g, id, "--cpuset-mems", "cgroup.cpuset.mems", mems);
	return r ? 1 : 0;
}

/* runc's events --stats document, of the fields taper measures. */
static void print_stats(const char *id, const struct taper_stats *s)
{
	json_t *o = json_pack("{s:s, s:s, s:{s:{s:{s:I}}, s:{s:{s:I, s:I, s:I}}, s:{s:I, s:I}}}", "type",
			      "stats", "id", id, "data", "cpu", "usage", "total", (json_int_t)s->cpu_usage_ns,
			      "memory", "usage", "usage", (json_int_t)s->memory_bytes, "max",
			      (json_int_t)s->memory_peak_bytes, "limit", (json_int_t)s->memory_limit_bytes,
			      "pids", "current", (json_int_t)s->pids, "limit", (json_int_t)s->pids_limit);
	char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;

	if (text)
		printf("%s\n", text);
	fflush(stdout);
	free(text);
	json_decref(o);
}

int oci_cmd_events(int argc, char **argv, struct oci_global *g)
{
	static const struct option opts[] = {
		{ "stats", no_argument, NULL, 's' },
		{ "interval", required_argument, NULL, 'i' },
		{},
	};
	struct taper_err err = { 0 };
	bool once = false;
	double interval = 5;
	const char *id;
	char cg[512];
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		char *end;

		if (c == 's') {
			once = true;
		} else if (c == 'i') {
			interval = strtod(optarg, &end);
			if (end == optarg || interval <= 0 ||
			    (*end && strcmp(end, "s") != 0 && strcmp(end, "ms") != 0))
				return oci_error(g,
						 "events: --interval: \"%s\" is not a duration (5s, 500ms)",
						 optarg);
			if (strcmp(end, "ms") == 0)
				interval /= 1000;
		} else {
			return oci_error(g, "events: unknown option %s", argv[optind - 1]);
		}
	}
	if (!(id = one_id(argc, argv, g)))
		return 1;
	for (;;) {
		struct taper_stats s;
		struct oci_state st;
		struct timespec ts = { .tv_sec = (time_t)interval,
				       .tv_nsec = (long)((interval - (double)(time_t)interval) * 1e9) };

		if (oci_state_load(g, id, &st, &err) < 0)
			return oci_error_err(g, &err);
		c = st.status;
		snprintf(cg, sizeof(cg), "%s", st.cgroup ? st.cgroup : id);
		oci_state_clear(&st);
		if (c == OCI_STOPPED)
			return once ? oci_error(g, "container \"%s\" is stopped", id) : 0;
		if (taper_run_group_stats(g->root, cg, &s, &err) < 0)
			return oci_error_err(g, &err);
		print_stats(id, &s);
		if (once)
			return 0;
		nanosleep(&ts, NULL);
	}
}
