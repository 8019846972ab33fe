/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * api.c — taper_check_* (include/taper.h): the probes' report as front ends
 * read it.
 *
 * A thin view over check_run(): the items point into the static probe
 * table and into the report, which the struct taper_check owns; nothing is
 * probed again and nothing is copied but the fix chosen for this kernel.
 */
#include <errno.h>
#include <stdlib.h>

#include <taper.h>

#include "check/check.h"
#include "util/cleanup-api.h"
#include "util/err.h"

struct taper_check {
	struct check_report rep;
	struct taper_check_item *items;
};

TAPER_EXPORT void taper_check_free(struct taper_check *c)
{
	if (!c)
		return;
	check_report_clear(&c->rep);
	free(c->items);
	free(c);
}

TAPER_EXPORT int taper_check_run(const char *force_fail, struct taper_check **ret, struct taper_err *err)
{
	_cleanup_(taper_check_freep) struct taper_check *c = calloc(1, sizeof(*c));
	struct check_options opts = { .force_fail = force_fail };
	int r;

	if (!c)
		return err_set(err, ENOMEM, "checkconfig");
	if ((r = check_run(&opts, &c->rep, err)) < 0)
		return r;
	c->items = calloc(c->rep.n_results ? c->rep.n_results : 1, sizeof(*c->items));
	if (!c->items)
		return err_set(err, ENOMEM, "checkconfig");
	for (size_t i = 0; i < c->rep.n_results; i++) {
		const struct check_result *res = &c->rep.results[i];
		const struct check_probe *p = res->probe;

		c->items[i] = (struct taper_check_item){
			.name = p->name,
			.category = check_category_name(p->category),
			.category_title = check_category_title(p->category),
			.purpose = p->purpose,
			.detail = res->detail,
			.fix = res->ok ? NULL : check_result_fix(&c->rep, res),
			.kconfig = p->kconfig,
			.required = p->required,
			.ok = res->ok,
			.forced = res->forced,
		};
	}
	*ret = TAKE_PTR(c);
	return 0;
}

TAPER_EXPORT size_t taper_check_count(const struct taper_check *c)
{
	return c->rep.n_results;
}

TAPER_EXPORT const struct taper_check_item *taper_check_item(const struct taper_check *c, size_t i)
{
	return i < c->rep.n_results ? &c->items[i] : NULL;
}

TAPER_EXPORT bool taper_check_ok(const struct taper_check *c)
{
	return check_report_ok(&c->rep);
}

TAPER_EXPORT const char *taper_check_cgroup_mode(const struct taper_check *c)
{
	return cgroup_mode_name(c->rep.cgroup_mode);
}

TAPER_EXPORT const char *taper_check_kconfig_source(const struct taper_check *c)
{
	return c->rep.kconfig_source;
}

TAPER_EXPORT const char *taper_check_kconfig(const struct taper_check *c, const char *option)
{
	return check_report_kconfig(&c->rep, option);
}

TAPER_EXPORT const char *taper_check_required_name(size_t i)
{
	size_t n;
	const struct check_probe *p = check_probes(&n);

	for (size_t k = 0; k < n; k++)
		if (p[k].required && i-- == 0)
			return p[k].name;
	return NULL;
}
