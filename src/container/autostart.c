/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * autostart.c — lxc-autostart: start, stop, kill or reboot the containers
 * marked start.auto, selected by group, in start.order.
 *
 * The selection is LXC's: containers with start.auto = 1 and, without
 * groups asked for, no start.group; with groups, those in any of them
 * ("" names the containers in no group); with all, every start.auto
 * container. Starts go by start.order then name, sleeping start.delay
 * after each; stops go the other way, each with its own stop.timeout.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "container/container.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/strv.h"

TAPER_EXPORT void taper_autostart_opts_init(struct taper_autostart_opts *o)
{
	*o = (struct taper_autostart_opts){ .action = TAPER_AUTOSTART_START };
}

TAPER_EXPORT void taper_autostart_entries_free(struct taper_autostart_entry *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].name);
		strv_free(v[i].groups);
	}
	free(v);
}

static bool selected(const struct container_settings *set, const struct taper_autostart_opts *o)
{
	if (!set->autostart)
		return false;
	if (o->all)
		return true;
	if (!o->groups || !o->groups[0])
		return set->n_start_groups == 0;
	for (char *const *g = o->groups; *g; g++) {
		if (!**g && set->n_start_groups == 0)
			return true;
		for (size_t i = 0; i < set->n_start_groups; i++)
			if (strcmp(*g, set->start_groups[i]) == 0)
				return true;
	}
	return false;
}

static int entry_cmp(const void *a, const void *b)
{
	const struct taper_autostart_entry *x = a, *y = b;

	if (x->order != y->order)
		return x->order < y->order ? -1 : 1;
	return strcmp(x->name, y->name);
}

static bool stops(enum taper_autostart_action a)
{
	return a == TAPER_AUTOSTART_STOP || a == TAPER_AUTOSTART_KILL;
}

TAPER_EXPORT int taper_autostart_list(struct taper_store *s, const struct taper_autostart_opts *opts,
				      struct taper_autostart_entry **ret, size_t *ret_n,
				      struct taper_err *err)
{
	struct taper_autostart_opts defaults;
	_cleanup_strv_free_ char **names = NULL;
	struct taper_autostart_entry *v;
	size_t n = 0;
	int r;

	if (!opts) {
		taper_autostart_opts_init(&defaults);
		opts = &defaults;
	}
	if ((r = store_list(s, &names, err)) < 0)
		return err_wrap(err, "autostart");
	if (!(v = calloc(strv_length(names) + 1, sizeof(*v))))
		return err_set(err, ENOMEM, "autostart");
	for (char **p = names; *p; p++) {
		_cleanup_(spec_freep) struct taper_spec *spec = NULL;
		struct container_settings set;
		struct taper_autostart_entry *e = &v[n];

		/* A config that does not load is no candidate: start would
		 * refuse it, and nobody marked it by mistake. */
		container_settings_init(&set);
		if (config_load_container(s, *p, &spec, &set, NULL) < 0 || !selected(&set, opts))
			continue;
		*e = (struct taper_autostart_entry){ .name = strdup(*p),
						     .order = set.start_order,
						     .delay = set.start_delay,
						     .groups = calloc(1, sizeof(char *)) };
		n++;
		for (size_t i = 0; e->groups && i < set.n_start_groups; i++)
			if (strv_extend(&e->groups, set.start_groups[i]) < 0)
				e->groups = NULL;
		if (!e->name || !e->groups) {
			taper_autostart_entries_free(v, n);
			return err_set(err, ENOMEM, "autostart");
		}
	}
	qsort(v, n, sizeof(*v), entry_cmp);
	if (stops(opts->action))
		for (size_t i = 0; i < n / 2; i++) {
			struct taper_autostart_entry t = v[i];

			v[i] = v[n - 1 - i];
			v[n - 1 - i] = t;
		}
	*ret = v;
	*ret_n = n;
	return 0;
}

static void count_failure(int *failed, const struct taper_err *e, struct taper_err *err)
{
	if ((*failed)++ == 0 && err)
		*err = *e;
}

static void start_all(struct taper_store *s, struct taper_autostart_entry *v, size_t n, int *failed,
		      struct taper_err *err)
{
	for (size_t i = 0; i < n; i++) {
		struct taper_container_state st;
		struct taper_err e = { 0 };
		bool stopped;

		if (taper_container_state(s, v[i].name, &st, &e) < 0) {
			count_failure(failed, &e, err);
			continue;
		}
		stopped = st.state == TAPER_STATE_STOPPED;
		taper_container_state_clear(&st);
		if (!stopped)
			continue; /* already running: left alone */
		if (taper_container_start(s, v[i].name, NULL, &e) < 0) {
			count_failure(failed, &e, err);
			continue;
		}
		if (v[i].delay)
			sleep(v[i].delay);
	}
}

/* In the order given (reverse start order), each with its stop.timeout;
 * a container that does not run is no failure. */
static void stop_all(struct taper_store *s, struct taper_autostart_entry *v, size_t n, bool kill, int *failed,
		     struct taper_err *err)
{
	for (size_t i = 0; i < n; i++) {
		struct taper_err e = { 0 };
		int r = taper_container_stop(s, v[i].name, -1, kill, &e);

		if (r < 0 && r != -ESRCH)
			count_failure(failed, &e, err);
	}
}

TAPER_EXPORT int taper_autostart_run(struct taper_store *s, const struct taper_autostart_opts *opts,
				     struct taper_err *err)
{
	struct taper_autostart_entry *v = NULL;
	size_t n;
	int failed = 0, r;

	if ((r = taper_autostart_list(s, opts, &v, &n, err)) < 0)
		return r;
	switch (opts ? opts->action : TAPER_AUTOSTART_START) {
	case TAPER_AUTOSTART_START:
		start_all(s, v, n, &failed, err);
		break;
	case TAPER_AUTOSTART_STOP:
	case TAPER_AUTOSTART_KILL:
		stop_all(s, v, n, opts->action == TAPER_AUTOSTART_KILL, &failed, err);
		break;
	case TAPER_AUTOSTART_REBOOT:
		/* Down in reverse order, then up in order. */
		for (size_t i = 0; i < n; i++) {
			struct taper_err e = { 0 };
			int rr = taper_container_stop(s, v[n - 1 - i].name, -1, false, &e);

			if (rr < 0 && rr != -ESRCH)
				count_failure(&failed, &e, err);
		}
		start_all(s, v, n, &failed, err);
		break;
	}
	taper_autostart_entries_free(v, n);
	return failed;
}

TAPER_EXPORT int taper_autostart(struct taper_store *s, struct taper_err *err)
{
	return taper_autostart_run(s, NULL, err);
}
