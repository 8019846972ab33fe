/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "charm/tools.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/strv.h"

struct tool {
	const char *name;
	int (*run)(struct hook_ctx *h, int argc, char **argv, FILE *out, FILE *eo);
};

void hook_ctx_clear(struct hook_ctx *h)
{
	for (size_t i = 0; i < h->n_sets; i++) {
		free(h->sets[i].key);
		free(h->sets[i].value);
	}
	free(h->sets);
	free(h->ports);
	free(h->status);
	free(h->message);
	h->sets = NULL;
	h->ports = NULL;
	h->status = h->message = NULL;
	h->n_sets = h->n_ports = 0;
}

void hook_log(struct hook_ctx *h, const char *text)
{
	struct taper_err err = { 0 };
	size_t n = strlen(text);

	if (h->logged > HOOK_LOG_MAX)
		return;
	h->logged += n;
	if (h->logged > HOOK_LOG_MAX)
		text = "(this hook's log is over 1 MiB: the rest is dropped)";
	(void)model_exec(h->e->m, &err, "INSERT INTO log(time, unit, hook, text) VALUES(?, ?, ?, ?)", "isss",
			 (int64_t)time(NULL), h->unit, h->hook, text);
}

/* "db:3" or "3" -> 3; 0 when not a relation id. */
static int64_t parse_relation_id(const char *s)
{
	const char *c = strrchr(s, ':');
	char *end;
	long long v;

	errno = 0;
	v = strtoll(c ? c + 1 : s, &end, 10);
	return (errno || end == (c ? c + 1 : s) || *end || v <= 0) ? 0 : v;
}

/* Is relation id one this unit's service takes part in (and alive)? */
static bool unit_in_relation(struct hook_ctx *h, int64_t id)
{
	struct taper_err err = { 0 };
	_cleanup_free_ char *x = NULL;

	return model_get(h->e->m, &x, &err,
			 "SELECT id FROM relations WHERE id = ? AND (svc1 = ? OR svc2 = ?)", "iss", id,
			 h->service, h->service) == 1;
}

/* -r ID, else the hook's own relation; 0 (after a message) when none. */
static int64_t relation_arg(struct hook_ctx *h, const char *arg, FILE *eo)
{
	int64_t id = arg ? parse_relation_id(arg) : h->relation;

	if (id == 0) {
		fprintf(eo, arg ? "invalid relation id \"%s\"\n" : "no relation id specified\n", arg);
		return 0;
	}
	if (!unit_in_relation(h, id)) {
		fprintf(eo, "relation %lld: not a relation of %s\n", (long long)id, h->unit);
		return 0;
	}
	return id;
}

static int tool_relation_ids(struct hook_ctx *h, int argc, char **argv, FILE *out, FILE *eo)
{
	_cleanup_free_ char *own = NULL;
	struct taper_err err = { 0 };
	struct mrows rows;
	const char *name;

	if (argc > 2) {
		fprintf(eo, "usage: relation-ids [ENDPOINT]\n");
		return 2;
	}
	if (argc == 2) {
		name = argv[1];
	} else {
		if (h->relation == 0 || relation_endpoint(h->e, h->relation, h->service, &own, &err) < 0 ||
		    !own) {
			fprintf(eo, "no endpoint name specified\n");
			return 2;
		}
		name = own;
	}
	if (model_query(
		    h->e->m, &rows, &err,
		    "SELECT id FROM relations WHERE dying = 0 AND ((svc1 = ?1 AND ep1 = ?2) OR (svc2 = ?1 AND ep2 = ?2))"
		    " ORDER BY id",
		    "ss", h->service, name) < 0) {
		fprintf(eo, "%s\n", err.msg);
		return 1;
	}
	for (size_t i = 0; i < rows.n; i++)
		fprintf(out, "%s:%s\n", name, mrows_get(&rows, i, 0));
	mrows_clear(&rows);
	return 0;
}

static int tool_relation_list(struct hook_ctx *h, int argc, char **argv, FILE *out, FILE *eo)
{
	struct taper_err err = { 0 };
	const char *rarg = NULL;
	struct mrows rows;
	int64_t id;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-r") == 0 && i + 1 < argc)
			rarg = argv[++i];
		else if (strncmp(argv[i], "--format", 8) != 0) {
			fprintf(eo, "usage: relation-list [-r ID]\n");
			return 2;
		}
	}
	if (!(id = relation_arg(h, rarg, eo)))
		return 2;
	if (relation_remote_units(h->e, id, h->unit, &rows, &err) < 0) {
		fprintf(eo, "%s\n", err.msg);
		return 1;
	}
	for (size_t i = 0; i < rows.n; i++)
		fprintf(out, "%s\n", mrows_get(&rows, i, 0));
	mrows_clear(&rows);
	return 0;
}

/* May this unit read unit u's settings in relation id? Its own, and
 * those of a unit on the other side (or a peer). */
static bool may_read(struct hook_ctx *h, int64_t id, const char *u)
{
	struct taper_err err = { 0 };
	struct mrows rows;
	bool ok = false;

	if (strcmp(u, h->unit) == 0)
		return true;
	if (relation_remote_units(h->e, id, h->unit, &rows, &err) < 0)
		return false;
	for (size_t i = 0; i < rows.n && !ok; i++)
		ok = strcmp(mrows_get(&rows, i, 0), u) == 0;
	mrows_clear(&rows);
	/* A departing unit's settings stay readable in -departed: that of
	 * the hook taper runs, not one the environment names. */
	return ok || (h->hook_remote && strcmp(h->hook_remote, u) == 0 && id == h->hook_relation);
}

/* The settings of u in id, with this hook's own changes on top. */
static int settings_of(struct hook_ctx *h, int64_t id, const char *u, json_t **ret)
{
	struct taper_err err = { 0 };
	struct mrows rows;
	json_t *o = json_object();

	if (!o || model_query(h->e->m, &rows, &err,
			      "SELECT key, value FROM settings WHERE relation = ? AND unit = ? ORDER BY key",
			      "is", id, u) < 0) {
		json_decref(o);
		return -EIO;
	}
	for (size_t i = 0; i < rows.n; i++)
		json_object_set_new(o, mrows_get(&rows, i, 0), json_string(mrows_get(&rows, i, 1)));
	mrows_clear(&rows);
	if (strcmp(u, h->unit) == 0)
		for (size_t i = 0; i < h->n_sets; i++) {
			if (h->sets[i].relation != id)
				continue;
			if (h->sets[i].value[0])
				json_object_set_new(o, h->sets[i].key, json_string(h->sets[i].value));
			else
				json_object_del(o, h->sets[i].key);
		}
	*ret = o;
	return 0;
}

static void print_map(json_t *o, FILE *out)
{
	const char *k;
	json_t *v;

	json_object_foreach (o, k, v) {
		fprintf(out, "%s: %s\n", k, json_string_value(v));
	}
}

static bool want_json(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--format=json") == 0 ||
		    (strcmp(argv[i], "--format") == 0 && i + 1 < argc && strcmp(argv[i + 1], "json") == 0))
			return true;
	return false;
}

/* Arguments that are not options: "-r ID" and "--format X" taken out. */
static int positional(int argc, char **argv, const char **rarg, char **pos, int max)
{
	int n = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-r") == 0 && i + 1 < argc)
			*rarg = argv[++i];
		else if (strcmp(argv[i], "--format") == 0 && i + 1 < argc)
			i++;
		else if (strncmp(argv[i], "--format=", 9) == 0)
			continue;
		else if (n < max)
			pos[n++] = argv[i];
		else
			return -1;
	}
	return n;
}

static int tool_relation_get(struct hook_ctx *h, int argc, char **argv, FILE *out, FILE *eo)
{
	const char *rarg = NULL, *key = NULL, *u;
	char *pos[2];
	json_t *o;
	int64_t id;
	int n = positional(argc, argv, &rarg, pos, 2);

	if (n < 0) {
		fprintf(eo, "usage: relation-get [-r ID] [KEY|-] [UNIT]\n");
		return 2;
	}
	if (n >= 1 && strcmp(pos[0], "-") != 0)
		key = pos[0];
	u = n == 2 ? pos[1] : h->remote;
	if (!(id = relation_arg(h, rarg, eo)))
		return 2;
	if (!u) {
		fprintf(eo, "no unit id specified\n");
		return 2;
	}
	if (!may_read(h, id, u)) {
		fprintf(eo, "unit %s: not in relation %lld\n", u, (long long)id);
		return 2;
	}
	if (settings_of(h, id, u, &o) < 0) {
		fprintf(eo, "cannot read settings\n");
		return 1;
	}
	if (key) {
		json_t *v = json_object_get(o, key);

		if (want_json(argc, argv))
			fprintf(out, "\"%s\"\n", v ? json_string_value(v) : "");
		else if (v)
			fprintf(out, "%s\n", json_string_value(v));
	} else if (want_json(argc, argv)) {
		json_dumpf(o, out, JSON_SORT_KEYS | JSON_COMPACT);
		fputc('\n', out);
	} else {
		print_map(o, out);
	}
	json_decref(o);
	return 0;
}

static int add_set(struct hook_ctx *h, int64_t id, const char *k, const char *v)
{
	size_t bytes = strlen(k) + strlen(v);
	struct pending_set *n;

	if (h->set_bytes + bytes > HOOK_SETTINGS_MAX)
		return -E2BIG;
	if (!(n = realloc(h->sets, (h->n_sets + 1) * sizeof(*n))))
		return -ENOMEM;
	h->set_bytes += bytes;
	h->sets = n;
	n[h->n_sets] = (struct pending_set){ id, strdup(k), strdup(v) };
	if (!n[h->n_sets].key || !n[h->n_sets].value)
		return -ENOMEM;
	h->n_sets++;
	return 0;
}

static int tool_relation_set(struct hook_ctx *h, int argc, char **argv, FILE *out, FILE *eo)
{
	const char *rarg = NULL;
	int64_t id;
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-r") == 0 && i + 1 < argc)
			rarg = argv[++i];
		else if (strncmp(argv[i], "--format", 8) != 0) {
			fprintf(eo, "usage: relation-set [-r ID] KEY=VALUE...\n");
			return 2;
		}
	}
	if (!(id = relation_arg(h, rarg, eo)))
		return 2;
	for (int j = i; j < argc; j++)
		if (!strchr(argv[j], '=') || argv[j][0] == '=') {
			fprintf(eo, "\"%s\": expected KEY=VALUE\n", argv[j]);
			return 2;
		}
	for (; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		int r;

		*eq = '\0';
		if ((r = add_set(h, id, argv[i], eq + 1)) < 0) {
			if (r == -E2BIG)
				fprintf(eo, "%s: this hook's settings would be over 1 MiB\n", argv[i]);
			else
				fprintf(eo, "out of memory\n");
			return 1;
		}
	}
	return 0;
}

static int tool_config_get(struct hook_ctx *h, int argc, char **argv, FILE *out, FILE *eo)
{
	struct taper_err err = { 0 };
	const char *rarg = NULL;
	struct mrows rows;
	char *pos[1];
	json_t *o;
	int n = positional(argc, argv, &rarg, pos, 1);

	if (n < 0) {
		fprintf(eo, "usage: config-get [KEY]\n");
		return 2;
	}
	if (model_query(h->e->m, &rows, &err,
			"SELECT key, type, value FROM options WHERE service = ? ORDER BY key", "s",
			h->service) < 0) {
		fprintf(eo, "%s\n", err.msg);
		return 1;
	}
	o = json_object();
	for (size_t i = 0; i < rows.n; i++) {
		const char *v = mrows_get(&rows, i, 2), *t = mrows_get(&rows, i, 1);
		json_t *j;

		if (!v)
			continue;
		if (strcmp(t, "int") == 0)
			j = json_integer(strtoll(v, NULL, 10));
		else if (strcmp(t, "float") == 0)
			j = json_real(strtod(v, NULL));
		else if (strcmp(t, "boolean") == 0)
			j = strcmp(v, "true") == 0 ? json_true() : json_false();
		else
			j = json_string(v);
		json_object_set_new(o, mrows_get(&rows, i, 0), j);
	}
	mrows_clear(&rows);
	if (n == 1) {
		json_t *v = json_object_get(o, pos[0]);

		if (v && json_is_string(v))
			fprintf(out, "%s\n", json_string_value(v));
		else if (v) {
			json_dumpf(v, out, JSON_ENCODE_ANY);
			fputc('\n', out);
		}
	} else {
		json_dumpf(o, out, JSON_SORT_KEYS | JSON_COMPACT);
		fputc('\n', out);
	}
	json_decref(o);
	return 0;
}

static int tool_unit_get(struct hook_ctx *h, int argc, char **argv, FILE *out, FILE *eo)
{
	struct taper_container_state st = { 0 };
	struct taper_err err = { 0 };

	if (argc != 2 ||
	    (strcmp(argv[1], "private-address") != 0 && strcmp(argv[1], "public-address") != 0)) {
		fprintf(eo, "usage: unit-get private-address|public-address\n");
		return 2;
	}
	if (taper_container_state(h->e->store, h->container, &st, &err) < 0) {
		fprintf(eo, "%s\n", err.msg);
		return 1;
	}
	fprintf(out, "%s\n", st.ipv4[0] ? st.ipv4[0] : "127.0.0.1");
	taper_container_state_clear(&st);
	return 0;
}

static int parse_port(const char *s, int *port, char proto[4])
{
	char *end;
	long v = strtol(s, &end, 10);

	if (end == s || v < 1 || v > 65535)
		return -EINVAL;
	*port = (int)v;
	if (!*end)
		strcpy(proto, "tcp");
	else if (strcmp(end, "/tcp") == 0 || strcmp(end, "/udp") == 0)
		strcpy(proto, end + 1);
	else
		return -EINVAL;
	return 0;
}

static int port_tool(struct hook_ctx *h, int argc, char **argv, FILE *eo, bool open)
{
	struct pending_port *n;
	char proto[4];
	int port;

	if (argc != 2 || parse_port(argv[1], &port, proto) < 0) {
		fprintf(eo, "usage: %s PORT[/tcp|/udp]\n", argv[0]);
		return 2;
	}
	if (!(n = realloc(h->ports, (h->n_ports + 1) * sizeof(*n))))
		return 1;
	h->ports = n;
	n[h->n_ports] = (struct pending_port){ .port = port, .open = open };
	strcpy(n[h->n_ports++].proto, proto);
	return 0;
}

static int tool_open_port(struct hook_ctx *h, int argc, char **argv, FILE *out, FILE *eo)
{
	return port_tool(h, argc, argv, eo, true);
}

static int tool_close_port(struct hook_ctx *h, int argc, char **argv, FILE *out, FILE *eo)
{
	return port_tool(h, argc, argv, eo, false);
}

static int tool_opened_ports(struct hook_ctx *h, int argc, char **argv, FILE *out, FILE *eo)
{
	struct taper_err err = { 0 };
	struct mrows rows;
	_cleanup_strv_free_ char **v = calloc(1, sizeof(char *));

	if (!v || model_query(h->e->m, &rows, &err, "SELECT port || '/' || proto FROM ports WHERE unit = ?",
			      "s", h->unit) < 0)
		return 1;
	for (size_t i = 0; i < rows.n; i++)
		strv_extend(&v, mrows_get(&rows, i, 0));
	mrows_clear(&rows);
	for (size_t i = 0; i < h->n_ports; i++) {
		char buf[16];

		snprintf(buf, sizeof(buf), "%d/%s", h->ports[i].port, h->ports[i].proto);
		if (h->ports[i].open && !strv_contains(v, buf))
			strv_extend(&v, buf);
		else if (!h->ports[i].open)
			for (char **p = v; *p; p++)
				if (strcmp(*p, buf) == 0) {
					free(*p);
					memmove(p, p + 1, (strv_length(p + 1) + 1) * sizeof(char *));
					break;
				}
	}
	for (char **p = v; *p; p++)
		fprintf(out, "%s\n", *p);
	return 0;
}

static const char *const workload_states[] = { "maintenance", "blocked", "waiting", "active" };

static int tool_status_set(struct hook_ctx *h, int argc, char **argv, FILE *out, FILE *eo)
{
	bool ok = false;

	if (argc < 2 || argc > 3) {
		fprintf(eo, "usage: status-set maintenance|blocked|waiting|active [MESSAGE]\n");
		return 2;
	}
	for (size_t i = 0; i < ARRAY_SIZE(workload_states); i++)
		ok |= strcmp(argv[1], workload_states[i]) == 0;
	if (!ok) {
		fprintf(eo, "invalid status \"%s\", expected one of maintenance, blocked, waiting, active\n",
			argv[1]);
		return 2;
	}
	free(h->status);
	free(h->message);
	h->status = strdup(argv[1]);
	h->message = strdup(argc == 3 ? argv[2] : "");
	return 0;
}

static int tool_status_get(struct hook_ctx *h, int argc, char **argv, FILE *out, FILE *eo)
{
	struct taper_err err = { 0 };
	struct mrows rows;

	if (h->status) {
		fprintf(out, "%s\n", h->status);
		return 0;
	}
	if (model_query(h->e->m, &rows, &err, "SELECT workload FROM units WHERE name = ?", "s", h->unit) < 0)
		return 1;
	fprintf(out, "%s\n", rows.n ? mrows_get(&rows, 0, 0) : "unknown");
	mrows_clear(&rows);
	return 0;
}

static int tool_juju_log(struct hook_ctx *h, int argc, char **argv, FILE *out, FILE *eo)
{
	_cleanup_free_ char *text = NULL;
	const char *level = "INFO";
	size_t len = 0;
	FILE *f;
	int i = 1;

	if (i + 1 < argc && (strcmp(argv[i], "-l") == 0 || strcmp(argv[i], "--log-level") == 0)) {
		level = argv[i + 1];
		i += 2;
	}
	if (!(f = open_memstream(&text, &len)))
		return 1;
	fprintf(f, "%s", level);
	for (; i < argc; i++)
		fprintf(f, " %s", argv[i]);
	fclose(f);
	hook_log(h, text);
	return 0;
}

static const struct tool tools[] = {
	{ "relation-get", tool_relation_get }, { "relation-set", tool_relation_set },
	{ "relation-ids", tool_relation_ids }, { "relation-list", tool_relation_list },
	{ "unit-get", tool_unit_get },         { "config-get", tool_config_get },
	{ "open-port", tool_open_port },       { "close-port", tool_close_port },
	{ "opened-ports", tool_opened_ports }, { "status-set", tool_status_set },
	{ "status-get", tool_status_get },     { "juju-log", tool_juju_log },
};

const char *const tool_names[] = {
	"relation-get", "relation-set", "relation-ids", "relation-list", "unit-get",
	"config-get",   "open-port",    "close-port",   "opened-ports",  "status-set",
	"status-get",   "juju-log",     NULL,
};

const char *const *tool_names_list(void)
{
	return tool_names;
}

int tools_handle(struct hook_ctx *h, char **words, size_t n, FILE *out, FILE *eo)
{
	const char *rel = NULL, *remote = NULL;
	int64_t saved_rel = h->relation;
	const char *saved_remote = h->remote;
	size_t i;
	int r = 2;

	/* The environment words first, up to the empty one. */
	for (i = 0; i < n && words[i][0]; i++) {
		if (strncmp(words[i], "R=", 2) == 0)
			rel = words[i] + 2;
		else if (strncmp(words[i], "U=", 2) == 0)
			remote = words[i] + 2;
	}
	if (++i >= n) {
		fprintf(eo, "empty request\n");
		return 2;
	}
	/* A hook may run a tool with another relation in its environment
	 * (JUJU_RELATION_ID set by hand): it counts as that one's -r. */
	if (rel && *rel)
		h->relation = parse_relation_id(rel);
	if (remote && *remote)
		h->remote = remote;
	for (size_t t = 0; t < ARRAY_SIZE(tools); t++)
		if (strcmp(words[i], tools[t].name) == 0) {
			r = tools[t].run(h, (int)(n - i), words + i, out, eo);
			goto out;
		}
	fprintf(eo, "unknown hook tool \"%s\"\n", words[i]);
out:
	h->relation = saved_rel;
	h->remote = saved_remote;
	return r;
}
