/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * template.h — filling a new container's rootfs.
 *
 * A template is a row {name, options, check, build, doc} in one table.
 * The contract:
 *  - template_parse_options() turns "--file PATH"/"--file=PATH" words into
 *    values parallel to t->options and runs t->check: every usage error
 *    (unknown option, missing required one, unreadable --file) is found
 *    here, before the store creates anything.
 *  - t->build() fills an empty directory, rootfs_fd, owned by the caller
 *    (the store's hidden temp dir). It may leave a partial tree on failure:
 *    the caller throws the whole directory away. It never writes outside
 *    rootfs_fd (archives are extracted by a child chrooted there).
 *  - it may return config lines ("key = value", caller appends them to the
 *    new container's config): init.cmd, stop.signal, environment, ...
 *  - long steps report through ctx->progress and stop early with -ECANCELED
 *    once *ctx->cancel is set (the CLI sets it from a SIGINT/SIGTERM handler
 *    installed without SA_RESTART, so blocking reads return EINTR); a
 *    child process they run is killed and reaped first.
 * Caches (debootstrap trees, unpacked OCI archives) live under
 * ctx->cache_dir, created on demand.
 */
#ifndef TAPER_TEMPLATE_TEMPLATE_H
#define TAPER_TEMPLATE_TEMPLATE_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include <taper.h>

#include "util/child.h"

#define TEMPLATE_CACHE_DEFAULT "/var/cache/taper"

/* stage: short lower-case words ("extracting", "layer 2/3", "downloading
 * libc6"); total 0 when unknown. */
typedef void (*template_progress_fn)(void *userdata, const char *stage, uint64_t done, uint64_t total);

struct template_ctx {
	const char *name;              /* the container's name (hostname, /etc/hosts) */
	const char *cache_dir;         /* TEMPLATE_CACHE_DEFAULT or $TAPER_CACHE */
	template_progress_fn progress; /* may be NULL */
	void *userdata;
	volatile sig_atomic_t *cancel; /* may be NULL */
};

struct template_def {
	const char *name;
	/* The public row (taper.h), terminated by {NULL}. */
	const struct taper_template_option *options;
	/* Optional: validate option values before any work. */
	int (*check)(char *const *values, struct taper_err *err);
	int (*build)(const struct template_ctx *ctx, int rootfs_fd, char *const *values, char ***ret_config,
		     struct taper_err *err);
	const char *doc;
};

/* The table, for help output and docs. */
const struct template_def *const *template_table(size_t *ret_n);
const struct template_def *template_find(const char *name);
size_t template_option_count(const struct template_def *t);

/* argv holds only template options. ret_values has template_option_count()
 * entries (NULL when not given, "1" for a flag given), freed with
 * template_values_free(). */
int template_parse_options(const struct template_def *t, int argc, char *const *argv, char ***ret_values,
			   struct taper_err *err);
void template_values_free(const struct template_def *t, char **values);
/* The value of option name, or NULL. */
const char *template_value(const struct template_def *t, char *const *values, const char *name);

/* Build: t->build with the context checks done for every template. */
int template_build(const struct template_def *t, const struct template_ctx *ctx, int rootfs_fd,
		   char *const *values, char ***ret_config, struct taper_err *err);

/* The cache directory to use: $TAPER_CACHE or TEMPLATE_CACHE_DEFAULT. */
const char *template_cache_dir(void);

/* --- helpers shared by the templates (template.c) --- */

static inline bool template_cancelled(const struct template_ctx *ctx)
{
	return ctx->cancel && *ctx->cancel;
}

void template_progress(const struct template_ctx *ctx, const char *stage, uint64_t done, uint64_t total);

/* Appends "key = value" to *config. */
int template_config_add(char ***config, const char *key, const char *value);

/* Writes a small file inside the rootfs (parents must exist):
 * root_write_file(), so path must be a regular file or absent; a new file
 * gets mode, an existing one keeps its own. */
int template_write(int rootfs_fd, const char *path, const char *content, mode_t mode, struct taper_err *err);

/* /etc/hostname and /etc/hosts for ctx->name. */
int template_write_identity(const struct template_ctx *ctx, int rootfs_fd, struct taper_err *err);

/*
 * Run fn(arg, report_fd) in a forked child and wait for it: child_run()
 * (util/child.h), its progress records forwarded to ctx->progress, the
 * child killed once *ctx->cancel is set (-ECANCELED).
 */
typedef child_fn template_child_fn;
int template_run_child(const struct template_ctx *ctx, template_child_fn fn, void *arg,
		       struct taper_err *err);
void template_child_progress(int report_fd, const char *stage, uint64_t done, uint64_t total);

/* The templates, one file each. */
extern const struct template_def template_busybox;
extern const struct template_def template_tarball;
extern const struct template_def template_oci;
extern const struct template_def template_debian;

#endif
