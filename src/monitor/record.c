/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * record.c — the state file the monitor writes and everyone reads
 * (record.h), and the state names of include/taper.h it is written in.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "monitor/record.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/kv.h"
#include "util/parse.h"
#include "util/strv.h"

static const char *const state_names[TAPER_STATE_COUNT] = {
	[TAPER_STATE_STOPPED] = "STOPPED", [TAPER_STATE_STARTING] = "STARTING",
	[TAPER_STATE_RUNNING] = "RUNNING", [TAPER_STATE_STOPPING] = "STOPPING",
	[TAPER_STATE_FROZEN] = "FROZEN",   [TAPER_STATE_ABORTING] = "ABORTING",
};

TAPER_EXPORT const char *taper_state_name(enum taper_state s)
{
	return (unsigned)s < TAPER_STATE_COUNT ? state_names[s] : NULL;
}

TAPER_EXPORT int taper_state_from_name(const char *name, enum taper_state *ret)
{
	for (unsigned i = 0; i < TAPER_STATE_COUNT; i++)
		if (strcasecmp(name, state_names[i]) == 0) {
			*ret = (enum taper_state)i;
			return 0;
		}
	return -EINVAL;
}

void container_record_clear(struct container_record *r)
{
	strv_free(r->ipv4);
	*r = (struct container_record){ 0 };
}

int container_record_format(const struct container_record *r, char **ret)
{
	_cleanup_free_ char *ips = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&ips, &len);

	if (!f)
		return -ENOMEM;
	for (char **p = r->ipv4; p && *p; p++)
		fprintf(f, "ipv4 = %s\n", *p);
	for (unsigned i = 0; i < TAPER_STATE_COUNT; i++)
		if (r->since[i])
			fprintf(f, "since.%s = %lld\n", taper_state_name((enum taper_state)i),
				(long long)r->since[i]);
	if (fclose(f) != 0)
		return -ENOMEM;
	if (asprintf(ret,
		     "state = %s\nmonitor.pid = %d\nmonitor.start = %llu\ninit.pid = %d\n"
		     "init.start = %llu\nstarted = %lld\n%s",
		     taper_state_name(r->state), (int)r->monitor_pid, (unsigned long long)r->monitor_start,
		     (int)r->init_pid, (unsigned long long)r->init_start, (long long)r->started_at,
		     ips ? ips : "") < 0)
		return -ENOMEM;
	return 0;
}

int container_record_parse(const char *text, struct container_record *ret)
{
	_cleanup_(kv_reader_done) struct kv_reader kv = { 0 };
	struct container_record r = { 0 };
	int rc = 0;

	/* Unknown keys are a newer monitor's: skipped. A pid is a pid_t:
	 * wrapped, 2^32 + 1 would name pid 1. */
	kv_reader_init(&kv, text, CONTAINER_STATE_FILE, 0);
	while (rc == 0 && (rc = kv_next(&kv, NULL)) > 0) {
		const char *k = kv.key, *v = kv.value;
		uint64_t u;
		int64_t i;

		rc = 0;
		if (!k)
			continue;
		if (strcmp(k, "state") == 0)
			rc = taper_state_from_name(v, &r.state);
		else if (strcmp(k, "monitor.pid") == 0 && (rc = parse_u64_range(v, 0, INT_MAX, &u)) == 0)
			r.monitor_pid = (pid_t)u;
		else if (strcmp(k, "monitor.start") == 0)
			rc = parse_u64(v, &r.monitor_start);
		else if (strcmp(k, "init.pid") == 0 && (rc = parse_u64_range(v, 0, INT_MAX, &u)) == 0)
			r.init_pid = (pid_t)u;
		else if (strcmp(k, "init.start") == 0)
			rc = parse_u64(v, &r.init_start);
		else if (strcmp(k, "started") == 0 && (rc = parse_i64(v, &i)) == 0)
			r.started_at = i;
		else if (strcmp(k, "ipv4") == 0)
			rc = strv_extend(&r.ipv4, v);
		else if (strncmp(k, "since.", 6) == 0) {
			enum taper_state st;

			if (taper_state_from_name(k + 6, &st) == 0 && parse_i64(v, &i) == 0)
				r.since[st] = i;
		}
	}
	if (rc < 0) {
		container_record_clear(&r);
		return rc;
	}
	*ret = r;
	return 0;
}

int container_record_save(int rtfd, struct container_record *r, enum taper_state st)
{
	_cleanup_free_ char *text = NULL;
	int rc;

	r->state = st;
	if (!r->since[st]) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		r->since[st] = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	}
	if ((rc = container_record_format(r, &text)) < 0)
		return rc;
	return write_file_replace_at(rtfd, CONTAINER_STATE_FILE, text, strlen(text), 0600);
}
