/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * model.h — the charm model in SQLite, <store>/.model.sqlite.
 *
 * Services, units and their machines (containers), relations and each
 * unit's settings in them, config values, opened and published ports,
 * workload and agent status, the queue of hooks still to run and the
 * hook log. WAL mode, so that `taper status` reads while a deploy writes;
 * one writer at a time (a busy timeout waits for the other). Whatever a
 * verb changes together changes in one transaction (model_begin ..
 * model_commit), so a killed taper leaves the model as it was before or
 * after, never between.
 *
 * The helpers bind their arguments by a type string: 's' text (NULL binds
 * SQL NULL), 'i' int64.
 */
#ifndef TAPER_CHARM_MODEL_H
#define TAPER_CHARM_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <taper.h>

struct model;

/* Rows of a query, every cell as text (NULL for SQL NULL). */
struct mrows {
	size_t n, ncol;
	char **cells;
};
static inline const char *mrows_get(const struct mrows *r, size_t row, size_t col)
{
	return r->cells[row * r->ncol + col];
}
void mrows_clear(struct mrows *r);

/* create: make the file (and the schema) when missing; otherwise -ENOENT
 * with "no model in STORE" when there is none. */
int model_open(const char *store_path, bool create, struct model **ret, struct taper_err *err);
void model_close(struct model *m);

int model_begin(struct model *m, struct taper_err *err); /* BEGIN IMMEDIATE */
int model_commit(struct model *m, struct taper_err *err);
void model_rollback(struct model *m);

/* Returns the number of rows changed. */
int model_exec(struct model *m, struct taper_err *err, const char *sql, const char *types, ...);
/* Fills rows; returns the number of rows. */
int model_query(struct model *m, struct mrows *rows, struct taper_err *err, const char *sql,
		const char *types, ...);
/* The first column of the first row, malloc'ed, or NULL (also when the
 * cell is NULL); -errno on failure, 0 or 1 rows found. */
int model_get(struct model *m, char **ret, struct taper_err *err, const char *sql, const char *types, ...);
int64_t model_last_id(struct model *m);

#endif
