/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * config.h — a system container's config file, "key = value", and what it
 * compiles to.
 *
 * The file is line-based: blank lines and lines starting with '#' are
 * comments; every other line is "key = value" (spaces around both trimmed,
 * CRLF accepted). A struct taper_config keeps every line verbatim so that a
 * rewrite (config_set/config_unset + config_format) preserves comments and
 * order: set replaces the one occurrence of a scalar key in place, appends
 * a new one at the end, and appends another entry to a list key
 * (mount.entry, idmap, environment, cap.drop, cap.add); unset removes every
 * occurrence.
 *
 * Every key has one row in a table (config_keys.c): the key or pattern
 * ("net.N.type", "cgroup.v1.FILE"), its value syntax, the function that
 * applies a value to the spec, doc text and an example. Parsing, `taper
 * config` validation and docs/config.md all come from that table.
 *
 * Compiling applies the lines in order to a struct taper_spec (the
 * executor's model) and a struct container_settings (what only the
 * lifecycle layer reads). Errors name file, line and key:
 *   /var/lib/taper/web1/config:12: cgroup.memory.max: invalid size "12Q"
 *   /var/lib/taper/web1/config:3: unknown key "foo.bar"
 */
#ifndef TAPER_CONFIG_CONFIG_H
#define TAPER_CONFIG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <taper.h>

#include "net/nat.h"
#include "spec/spec.h"
#include "store/store.h"
#include "util/cleanup.h"

struct taper_store;

/* start.group names a container may have. */
#define CONFIG_MAX_GROUPS 16

/* net.port lines a container may have. */
#define CONFIG_MAX_PORTS 64

/* Settings of a system container that are not part of the executor's spec. */
struct container_settings {
	bool autostart;         /* start.auto */
	int64_t start_order;    /* start.order: lower starts first */
	uint32_t start_delay;   /* start.delay: seconds to wait after starting */
	uint32_t start_timeout; /* start.timeout: seconds for the monitor to report */
	char start_groups[CONFIG_MAX_GROUPS][STORE_NAME_MAX + 1]; /* start.group, deduplicated */
	size_t n_start_groups;
	int stop_signal;                         /* stop.signal: default SIGPWR */
	uint32_t stop_timeout;                   /* stop.timeout: seconds before SIGKILL, default 60 */
	uint64_t console_buffer_size;            /* console.buffer.size: bytes, default 128 KiB */
	bool ephemeral;                          /* ephemeral: destroyed once it stops */
	struct nat_port ports[CONFIG_MAX_PORTS]; /* net.port, in file order */
	size_t n_ports;
	/* namespaces.share.TYPE naming a container of the store (by ns bit
	 * index; "" when none): joined from its init when starting. */
	char share_ns[TAPER_NS_COUNT][STORE_NAME_MAX + 1];
};
void container_settings_init(struct container_settings *s);

/* One line of the file, as read; key/value are NULL for comments/blanks. */
struct config_line {
	char *raw; /* the line without its line ending */
	char *key;
	char *value;
	unsigned lineno;
};

struct taper_config {
	char *origin; /* file name for messages */
	struct config_line *lines;
	size_t n_lines;
};

/* Split text into lines and check the syntax and the key names (unknown
 * keys and duplicated scalar keys refused). Values are checked by
 * config_compile. origin names the file in messages. */
int config_parse(const char *text, const char *origin, struct taper_config **ret, struct taper_err *err);
/* Read dirfd/name (not following a symlink) and config_parse it. */
int config_load_at(int dirfd, const char *name, const char *origin, struct taper_config **ret,
		   struct taper_err *err);
struct taper_config *config_new(const char *origin); /* empty; NULL on ENOMEM */
void config_free(struct taper_config *c);
DEFINE_CLEANUP_FUNC(struct taper_config, config_free)

/* The file text again: every line verbatim, "\n"-terminated. */
int config_format(const struct taper_config *c, char **ret, size_t *ret_len);
/* Atomically replace dirfd/name with config_format(c) (mode 0600). */
int config_save_at(const struct taper_config *c, int dirfd, const char *name, struct taper_err *err);

/* Values of key in file order, NULL-terminated (empty vector when unset). */
int config_get(const struct taper_config *c, const char *key, char ***ret_values);
/* Validate key and value through the table, then edit c in memory. */
int config_set(struct taper_config *c, const char *key, const char *value, struct taper_err *err);
/* config_set() of each "key = value" line (a template's lines). err
 * names a line without " = "; a refused line is "template config: ...". */
int config_set_lines(struct taper_config *c, char *const *lines, struct taper_err *err);
/* The file's first line, when a comment that starts with prefix (the
 * "# NAME: created by ..." of taper_container_create()), becomes comment;
 * a file that starts otherwise is left alone. */
int config_replace_header(struct taper_config *c, const char *prefix, const char *comment);
/* Remove every occurrence; -ENOENT (err filled) when the key is not set,
 * -EINVAL for an unknown key. */
int config_unset(struct taper_config *c, const char *key, struct taper_err *err);

/* Apply every line, in order, to spec (already filled with defaults) and
 * settings (container_settings_init'ed). base_dir resolves a relative
 * rootfs.path; NULL leaves it relative. */
int config_compile(const struct taper_config *c, const char *base_dir, struct taper_spec *spec,
		   struct container_settings *settings, struct taper_err *err);

/* Does c compile as a whole (on a default spec)? For checking an edit
 * before it is saved. */
int config_check(const struct taper_config *c, struct taper_err *err);

/* The whole load of a system container, for the lifecycle verbs: spec_new()
 * defaults plus the system-container defaults (name, hostname = name,
 * rootfs = <store>/<name>/rootfs, init.cmd = /sbin/init, container=taper in
 * the environment, mount.cgroup = mixed), then <store>/<name>/config on top. */
int config_load_container(struct taper_store *store, const char *name, struct taper_spec **ret_spec,
			  struct container_settings *ret_settings, struct taper_err *err);

/* The key table, for docs, `taper config --keys` and the table walk. */
enum config_key_flags {
	CONFIG_KEY_LIST = 1u << 0,     /* may repeat; each line adds an entry */
	CONFIG_KEY_SETTINGS = 1u << 1, /* offset is into struct container_settings */
	CONFIG_KEY_LIMIT = 1u << 2,    /* a resource limit: syntax, range and docs are
					* its row of spec/limit-table.h */
};

struct config_key;
struct config_apply_ctx;
typedef int (*config_apply_fn)(const struct config_key *k, struct config_apply_ctx *ctx, const char *value,
			       struct taper_err *err);

struct config_key {
	const char *key;    /* exact, or a pattern: "N" = an index, "FILE"/"NAME" = the rest */
	const char *syntax; /* value syntax for the docs: "size", "bool", "SRC DST TYPE OPTS" */
	config_apply_fn apply;
	unsigned flags; /* enum config_key_flags */
	const char *doc;
	const char *example;     /* a value that parses and changes the spec or settings */
	const char *example_key; /* the concrete key of the example (patterns); NULL: key */
	size_t offset;           /* field offset for the generic apply functions */
	int64_t min, max;        /* range for integer keys */
};

const struct config_key *config_keys(size_t *ret_n);
/* The row for a concrete key ("net.0.type" -> "net.N.type"); NULL if unknown. */
const struct config_key *config_key_find(const char *key);
/* The syntax, doc and example of a row: its own, or for a CONFIG_KEY_LIMIT
 * row its limit's (the doc then ends with the cgroup files, see
 * config_keys_write()). */
void config_key_docs(const struct config_key *k, const char **ret_syntax, const char **ret_doc,
		     const char **ret_example);
/* Write the key reference (docs/config.md) as markdown or plain text. */
int config_keys_write(FILE *f, bool markdown);

#endif
