/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * info.c — taper_container_info(): state, usage, uptime and a summary of
 * the compiled config as one JSON object (jansson).
 */
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "container/container.h"
#include "util/cleanup.h"
#include "util/err.h"

static const char *const netif_types[] = {
	[TAPER_NETIF_EMPTY] = "empty",
	[TAPER_NETIF_VETH] = "veth",
	[TAPER_NETIF_MACVLAN] = "macvlan",
	[TAPER_NETIF_HOST] = "host",
};

static json_t *strv_json(char *const *v)
{
	json_t *a = json_array();

	for (; a && v && *v; v++)
		json_array_append_new(a, json_string(*v));
	return a;
}

static json_t *config_summary(const struct taper_spec *spec, const struct container_settings *set)
{
	json_t *net = json_array();
	json_t *o;

	for (size_t i = 0; net && i < spec->n_netifs; i++) {
		const struct taper_netif *n = &spec->netifs[i];

		json_array_append_new(net, json_pack("{s:s, s:s?, s:s?, s:s?}", "type", netif_types[n->type],
						     "name", n->name, "link", n->link, "ipv4", n->ipv4));
	}
	o = json_pack("{s:s?, s:s?, s:o, s:b, s:I, s:i, s:s?, s:i, s:o}", "rootfs", spec->rootfs, "hostname",
		      spec->hostname, "init", strv_json(spec->process.argv), "autostart", set->autostart,
		      "start_order", (json_int_t)set->start_order, "start_delay", (int)set->start_delay,
		      "stop_signal", sigabbrev_np(set->stop_signal), "stop_timeout", (int)set->stop_timeout,
		      "net", net);
	if (o && spec->limits.memory_max != TAPER_UNSET)
		json_object_set_new(o, "memory_max", json_integer(spec->limits.memory_max));
	if (o && spec->limits.pids_max != TAPER_UNSET)
		json_object_set_new(o, "pids_max", json_integer(spec->limits.pids_max));
	return o;
}

TAPER_EXPORT int taper_container_info(struct taper_store *s, const char *name, char **ret_json,
				      struct taper_err *err)
{
	_cleanup_(spec_freep) struct taper_spec *spec = NULL;
	_cleanup_(json_decrefp) json_t *o = NULL;
	struct container_settings set;
	struct taper_container_state st;
	int64_t uptime = 0;
	int r;

	if ((r = taper_container_state(s, name, &st, err)) < 0)
		return r;
	if ((r = config_load_container(s, name, &spec, &set, err)) < 0) {
		taper_container_state_clear(&st);
		return container_err(err, name);
	}
	if (st.started_at)
		uptime = (int64_t)time(NULL) - st.started_at;
	o = json_pack("{s:s, s:s, s:I, s:I, s:o, s:I, s:I, s:{s:I, s:I, s:I}, s:o}", "name", name, "state",
		      taper_state_name(st.state), "pid", (json_int_t)st.pid, "monitor_pid",
		      (json_int_t)st.monitor_pid, "ipv4", strv_json(st.ipv4), "started_at",
		      (json_int_t)st.started_at, "uptime_seconds", (json_int_t)uptime, "usage", "cpu_ns",
		      (json_int_t)st.cpu_ns, "memory_bytes", (json_int_t)st.memory_bytes, "pids",
		      (json_int_t)st.pids, "config", config_summary(spec, &set));
	if (o && st.has_exit)
		json_object_set_new(o, "last_exit",
				    json_pack("{s:i, s:i, s:b}", "code", st.exit_code, "signal",
					      st.exit_signal, "oom", st.exit_oom));
	taper_container_state_clear(&st);
	if (!o || !(*ret_json = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER)))
		return err_set(err, ENOMEM, "container \"%s\": info", name);
	return 0;
}
