/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config-internal.h"
#include "store/store.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/kv.h"
#include "util/strv.h"

#define CONFIG_MAX_SIZE (1u << 20)

void container_settings_init(struct container_settings *s)
{
	*s = (struct container_settings){
		.start_timeout = 60,
		.stop_signal = SIGPWR,
		.stop_timeout = 60,
		.console_buffer_size = 128 << 10,
	};
}

struct taper_config *config_new(const char *origin)
{
	struct taper_config *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->origin = strdup(origin ? origin : "config");
	if (!c->origin) {
		free(c);
		return NULL;
	}
	return c;
}

static void line_clear(struct config_line *l)
{
	free(l->raw);
	free(l->key);
	free(l->value);
}

void config_free(struct taper_config *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n_lines; i++)
		line_clear(&c->lines[i]);
	free(c->lines);
	free(c->origin);
	free(c);
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static const struct config_line *find_line(const struct taper_config *c, const char *key, size_t before)
{
	for (size_t i = 0; i < before && i < c->n_lines; i++)
		if (c->lines[i].key && strcmp(c->lines[i].key, key) == 0)
			return &c->lines[i];
	return NULL;
}

/* A key line is acceptable: a known key with a value, and a scalar key at
 * most once. Messages are "origin:line: ...". */
static int check_key_line(const struct taper_config *c, size_t idx, struct taper_err *err)
{
	const struct config_line *l = &c->lines[idx], *first;
	const struct config_key *k;

	if (l->key[0] == '\0')
		return err_set(err, 0, "%s:%u: missing key before '='", c->origin, l->lineno);
	k = config_key_find(l->key);
	if (!k)
		return err_set(err, 0, "%s:%u: unknown key \"%s\"", c->origin, l->lineno, l->key);
	if (l->value[0] == '\0')
		return err_set(err, 0, "%s:%u: %s: empty value (remove the line to unset)", c->origin,
			       l->lineno, l->key);
	if (!(k->flags & CONFIG_KEY_LIST) && (first = find_line(c, l->key, idx)))
		return err_set(err, 0, "%s:%u: %s: duplicate key (first set on line %u)", c->origin,
			       l->lineno, l->key, first->lineno);
	return 0;
}

static int push_line(struct taper_config *c, struct config_line *l)
{
	struct config_line *n = realloc(c->lines, (c->n_lines + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	c->lines = n;
	c->lines[c->n_lines++] = *l;
	*l = (struct config_line){ 0 };
	return 0;
}

int config_parse(const char *text, const char *origin, struct taper_config **ret, struct taper_err *err)
{
	_cleanup_(config_freep) struct taper_config *c = config_new(origin);
	_cleanup_(kv_reader_done) struct kv_reader kv = { 0 };
	int r;

	if (!c)
		return err_set(err, ENOMEM, "%s", origin);
	/* A config line is as long as its file may be: a limit of its own
	 * would refuse configs that read today. */
	kv_reader_init(&kv, text, c->origin, CONFIG_MAX_SIZE);
	while ((r = kv_next(&kv, err)) > 0) {
		/* CRLF files read like LF files and are written back as LF: the
		 * raw line has no CR before its end, as config_set refuses a CR
		 * in a value. */
		struct config_line l = { .lineno = kv.lineno, .raw = strndup(kv.raw, kv.raw_len) };

		if (!l.raw || (kv.key && (!(l.key = strdup(kv.key)) || !(l.value = strdup(kv.value)))) ||
		    push_line(c, &l) < 0) {
			line_clear(&l);
			return err_set(err, ENOMEM, "%s", c->origin);
		}
		if (kv.key && check_key_line(c, c->n_lines - 1, err) < 0)
			return -EINVAL;
	}
	if (r < 0)
		return r;
	*ret = TAKE_PTR(c);
	return 0;
}

int config_load_at(int dirfd, const char *name, const char *origin, struct taper_config **ret,
		   struct taper_err *err)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 4096;
	struct stat st;

	/* O_NONBLOCK: a fifo put in its place is refused below, never waited on. */
	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return err_set(err, errno, "%s", origin);
	if (fstat(fd, &st) < 0)
		return err_set(err, errno, "%s", origin);
	if (!S_ISREG(st.st_mode))
		return err_set(err, 0, "%s: not a regular file", origin);
	buf = malloc(cap);
	if (!buf)
		return err_set(err, ENOMEM, "%s", origin);
	for (;;) {
		ssize_t n;

		if (len + 1 == cap) {
			char *nb;

			if (cap > CONFIG_MAX_SIZE)
				return err_set(err, EFBIG, "%s", origin);
			nb = realloc(buf, cap * 2);
			if (!nb)
				return err_set(err, ENOMEM, "%s", origin);
			buf = nb;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_set(err, errno, "%s", origin);
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	if (strlen(buf) != len)
		return err_set(err, 0, "%s: contains a NUL byte", origin);
	return config_parse(buf, origin, ret, err);
}

int config_format(const struct taper_config *c, char **ret, size_t *ret_len)
{
	size_t len = 0, off = 0;
	char *buf;

	for (size_t i = 0; i < c->n_lines; i++)
		len += strlen(c->lines[i].raw) + 1;
	buf = malloc(len + 1);
	if (!buf)
		return -ENOMEM;
	for (size_t i = 0; i < c->n_lines; i++) {
		size_t n = strlen(c->lines[i].raw);

		memcpy(buf + off, c->lines[i].raw, n);
		off += n;
		buf[off++] = '\n';
	}
	buf[off] = '\0';
	*ret = buf;
	if (ret_len)
		*ret_len = off;
	return 0;
}

int config_save_at(const struct taper_config *c, int dirfd, const char *name, struct taper_err *err)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r;

	if (config_format(c, &text, &len) < 0)
		return err_set(err, ENOMEM, "write %s", c->origin);
	r = write_file_atomic_at(dirfd, name, text, len, 0600);
	if (r < 0)
		return err_set(err, r, "write %s", c->origin);
	return 0;
}

int config_get(const struct taper_config *c, const char *key, char ***ret_values)
{
	_cleanup_strv_free_ char **v = calloc(1, sizeof(char *));

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < c->n_lines; i++)
		if (c->lines[i].key && strcmp(c->lines[i].key, key) == 0 &&
		    strv_extend(&v, c->lines[i].value) < 0)
			return -ENOMEM;
	*ret_values = TAKE_PTR(v);
	return 0;
}

/* Check key and value the way a compile would, against scratch targets. */
static int validate(const char *key, const char *value, struct taper_err *err)
{
	const struct config_key *k = config_key_find(key);
	struct container_settings settings;
	struct config_apply_ctx ctx;
	struct taper_spec *spec;
	int r;

	if (!k)
		return err_set(err, 0, "unknown key \"%s\"", key);
	if (!value[0])
		return err_set(err, 0, "%s: empty value (use --unset to remove the key)", key);
	if (strchr(value, '\n') || strchr(value, '\r'))
		return err_set(err, 0, "%s: the value must be one line", key);
	if (value[0] == ' ' || value[0] == '\t' || is_blank(value[strlen(value) - 1]))
		return err_set(err, 0, "%s: the value may not start or end with a blank", key);
	spec = spec_new();
	if (!spec)
		return err_set(err, ENOMEM, "%s", key);
	container_settings_init(&settings);
	config_apply_ctx_init(&ctx, spec, &settings, NULL);
	ctx.key = key;
	config_key_match(k->key, key, &ctx.index, &ctx.rest);
	r = k->apply(k, &ctx, value, err);
	spec_free(spec);
	if (r < 0)
		return err_wrap(err, "%s", key);
	return 0;
}

/* Line numbers as the file will have them once saved, for messages. */
static void renumber(struct taper_config *c)
{
	for (size_t i = 0; i < c->n_lines; i++)
		c->lines[i].lineno = (unsigned)i + 1;
}

int config_set(struct taper_config *c, const char *key, const char *value, struct taper_err *err)
{
	const struct config_key *k = config_key_find(key);
	struct config_line l = { 0 };
	size_t at = c->n_lines, last = 0;
	bool found = false;
	int r;

	r = validate(key, value, err);
	if (r < 0)
		return r;
	if (asprintf(&l.raw, "%s = %s", key, value) < 0) {
		l.raw = NULL;
		return err_set(err, ENOMEM, "%s", key);
	}
	l.key = strdup(key);
	l.value = strdup(value);
	if (!l.key || !l.value) {
		line_clear(&l);
		return err_set(err, ENOMEM, "%s", key);
	}
	for (size_t i = 0; i < c->n_lines; i++) {
		if (c->lines[i].key && strcmp(c->lines[i].key, key) == 0) {
			last = i;
			found = true;
			if (!(k->flags & CONFIG_KEY_LIST))
				break;
		}
	}
	if (found && !(k->flags & CONFIG_KEY_LIST)) {
		/* Replace in place: comments around it stay where they were. */
		l.lineno = c->lines[last].lineno;
		line_clear(&c->lines[last]);
		c->lines[last] = l;
		return 0;
	}
	/* A new list entry goes after the last of its kind, a new key at the end. */
	if (found)
		at = last + 1;
	if (push_line(c, &l) < 0) {
		line_clear(&l);
		return err_set(err, ENOMEM, "%s", key);
	}
	if (at < c->n_lines - 1) {
		struct config_line moved = c->lines[c->n_lines - 1];

		memmove(&c->lines[at + 1], &c->lines[at], (c->n_lines - 1 - at) * sizeof(moved));
		c->lines[at] = moved;
	}
	renumber(c);
	return 0;
}

int config_set_lines(struct taper_config *c, char *const *lines, struct taper_err *err)
{
	for (char *const *l = lines; l && *l; l++) {
		_cleanup_free_ char *key = strdup(*l);
		char *eq = key ? strstr(key, " = ") : NULL;

		if (!eq)
			return err_set(err, 0, "template config line \"%s\"", *l);
		*eq = '\0';
		if (config_set(c, key, eq + 3, err) < 0)
			return err_wrap(err, "template config");
	}
	return 0;
}

int config_replace_header(struct taper_config *c, const char *prefix, const char *comment)
{
	char *raw;

	if (c->n_lines == 0 || c->lines[0].key || strncmp(c->lines[0].raw, prefix, strlen(prefix)) != 0)
		return 0;
	if (!(raw = strdup(comment)))
		return -ENOMEM;
	free(c->lines[0].raw);
	c->lines[0].raw = raw;
	return 0;
}

int config_unset(struct taper_config *c, const char *key, struct taper_err *err)
{
	size_t out = 0;
	bool found = false;

	if (!config_key_find(key))
		return err_set(err, 0, "unknown key \"%s\"", key);
	for (size_t i = 0; i < c->n_lines; i++) {
		if (c->lines[i].key && strcmp(c->lines[i].key, key) == 0) {
			line_clear(&c->lines[i]);
			found = true;
			continue;
		}
		c->lines[out++] = c->lines[i];
	}
	c->n_lines = out;
	renumber(c);
	if (!found) {
		return err_plain(err, ENOENT, "key \"%s\" is not set", key);
	}
	return 0;
}

int config_compile(const struct taper_config *c, const char *base_dir, struct taper_spec *spec,
		   struct container_settings *settings, struct taper_err *err)
{
	struct config_apply_ctx ctx;

	config_apply_ctx_init(&ctx, spec, settings, base_dir);
	for (size_t i = 0; i < c->n_lines; i++) {
		const struct config_line *l = &c->lines[i];
		const struct config_key *k;
		int r;

		if (!l->key)
			continue;
		k = config_key_find(l->key);
		if (!k)
			return err_set(err, 0, "%s:%u: unknown key \"%s\"", c->origin, l->lineno, l->key);
		ctx.key = l->key;
		ctx.rest = NULL;
		ctx.index = 0;
		ctx.lineno = l->lineno;
		config_key_match(k->key, l->key, &ctx.index, &ctx.rest);
		r = k->apply(k, &ctx, l->value, err);
		if (r < 0)
			return err_wrap(err, "%s:%u: %s", c->origin, l->lineno, l->key);
	}
	return config_apply_finish(&ctx, c->origin, err);
}

int config_check(const struct taper_config *c, struct taper_err *err)
{
	struct taper_spec *spec = spec_new();
	struct container_settings settings;
	int r;

	if (!spec)
		return err_set(err, ENOMEM, "spec");
	container_settings_init(&settings);
	r = config_compile(c, NULL, spec, &settings, err);
	spec_free(spec);
	return r;
}

/* The defaults of a system container, before its config applies. */
static int system_defaults(struct taper_spec *spec, const struct taper_store *store, const char *name)
{
	if (!(spec->name = strdup(name)) || !(spec->hostname = strdup(name)) ||
	    store_rootfs_path(store, name, &spec->rootfs) < 0 ||
	    strv_extend(&spec->process.argv, "/sbin/init") < 0 ||
	    strv_env_set(&spec->process.env, "container=taper") < 0)
		return -ENOMEM;
	spec->cgroup_mount = TAPER_CGROUP_MOUNT_MIXED;
	return 0;
}

int config_load_container(struct taper_store *store, const char *name, struct taper_spec **ret_spec,
			  struct container_settings *ret_settings, struct taper_err *err)
{
	_cleanup_(spec_freep) struct taper_spec *spec = NULL;
	_cleanup_(config_freep) struct taper_config *c = NULL;
	_cleanup_free_ char *dir = NULL, *origin = NULL;
	_cleanup_close_ int fd = -1;
	struct container_settings settings;
	int r;

	r = store_open_container(store, name, &fd, err);
	if (r < 0)
		return r;
	if (store_container_path(store, name, &dir) < 0 ||
	    asprintf(&origin, "%s/%s", dir, STORE_CONFIG_FILE) < 0)
		return err_set(err, ENOMEM, "container \"%s\"", name);
	r = config_load_at(fd, STORE_CONFIG_FILE, origin, &c, err);
	if (r < 0)
		return r;
	spec = spec_new();
	if (!spec || system_defaults(spec, store, name) < 0)
		return err_set(err, ENOMEM, "container \"%s\"", name);
	container_settings_init(&settings);
	r = config_compile(c, dir, spec, &settings, err);
	if (r < 0)
		return r;
	*ret_spec = TAKE_PTR(spec);
	if (ret_settings)
		*ret_settings = settings;
	return 0;
}
