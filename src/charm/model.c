/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "charm/lazy.h"
#include "charm/model.h"
#include "util/cleanup.h"
#include "util/err.h"

#define BUSY_TIMEOUT_MS 30000

struct model {
	sqlite3 *db;
};

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS services(name TEXT PRIMARY KEY, charm TEXT NOT NULL,"
	"  series TEXT NOT NULL, exposed INTEGER NOT NULL DEFAULT 0, next_unit INTEGER NOT NULL DEFAULT 0,"
	"  dying INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE IF NOT EXISTS endpoints(service TEXT NOT NULL, name TEXT NOT NULL, role TEXT NOT NULL,"
	"  interface TEXT NOT NULL, PRIMARY KEY(service, name));"
	"CREATE TABLE IF NOT EXISTS options(service TEXT NOT NULL, key TEXT NOT NULL, type TEXT NOT NULL,"
	"  value TEXT, def TEXT, description TEXT NOT NULL DEFAULT '', PRIMARY KEY(service, key));"
	"CREATE TABLE IF NOT EXISTS machines(id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  container TEXT NOT NULL UNIQUE, series TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS units(name TEXT PRIMARY KEY, service TEXT NOT NULL,"
	"  machine INTEGER NOT NULL, container TEXT NOT NULL,"
	"  workload TEXT NOT NULL DEFAULT 'unknown', message TEXT NOT NULL DEFAULT '',"
	"  agent TEXT NOT NULL DEFAULT 'allocating', agent_info TEXT NOT NULL DEFAULT '',"
	"  hook TEXT, output TEXT, dying INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE IF NOT EXISTS relations(id INTEGER PRIMARY KEY AUTOINCREMENT, interface TEXT NOT NULL,"
	"  svc1 TEXT NOT NULL, ep1 TEXT NOT NULL, svc2 TEXT NOT NULL, ep2 TEXT NOT NULL,"
	"  dying INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE IF NOT EXISTS settings(relation INTEGER NOT NULL, unit TEXT NOT NULL, key TEXT NOT NULL,"
	"  value TEXT NOT NULL, PRIMARY KEY(relation, unit, key));"
	"CREATE TABLE IF NOT EXISTS ports(unit TEXT NOT NULL, port INTEGER NOT NULL, proto TEXT NOT NULL,"
	"  host_port INTEGER, PRIMARY KEY(unit, port, proto));"
	"CREATE TABLE IF NOT EXISTS queue(id INTEGER PRIMARY KEY AUTOINCREMENT, unit TEXT NOT NULL,"
	"  hook TEXT NOT NULL, relation INTEGER, remote TEXT);"
	"CREATE TABLE IF NOT EXISTS log(id INTEGER PRIMARY KEY AUTOINCREMENT, time INTEGER NOT NULL,"
	"  unit TEXT NOT NULL, hook TEXT NOT NULL, text TEXT NOT NULL);";

void mrows_clear(struct mrows *r)
{
	for (size_t i = 0; r->cells && i < r->n * r->ncol; i++)
		free(r->cells[i]);
	free(r->cells);
	*r = (struct mrows){ 0 };
}

static int db_fail(struct model *m, struct taper_err *err, const char *what)
{
	return err_set(err, 0, "model: %s: %s", what, sqlite3_errmsg(m->db));
}

int model_open(const char *store_path, bool create, struct model **ret, struct taper_err *err)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_free_ struct model *m = NULL;
	char *msg = NULL;
	int r;

	if ((r = lazy_sqlite_load(err)) < 0)
		return r;
	if (asprintf(&path, "%s/.model.sqlite", store_path) < 0 || !(m = calloc(1, sizeof(*m))))
		return err_set(err, ENOMEM, "model");
	if (!create && access(path, F_OK) < 0)
		return err_set(err, ENOENT, "no model in %s", store_path);
	if (sqlite3_open_v2(path, &m->db, SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0), NULL) !=
	    SQLITE_OK) {
		r = err_set(err, 0, "model %s: %s", path, m->db ? sqlite3_errmsg(m->db) : "cannot open");
		sqlite3_close_v2(m->db);
		return r;
	}
	sqlite3_busy_timeout(m->db, BUSY_TIMEOUT_MS);
	if (sqlite3_exec(m->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;", NULL, NULL, &msg) !=
		    SQLITE_OK ||
	    (create && sqlite3_exec(m->db, schema, NULL, NULL, &msg) != SQLITE_OK)) {
		r = err_set(err, 0, "model %s: %s", path, msg ? msg : "schema");
		sqlite3_free(msg);
		sqlite3_close_v2(m->db);
		return r;
	}
	*ret = TAKE_PTR(m);
	return 0;
}

void model_close(struct model *m)
{
	if (!m)
		return;
	sqlite3_close_v2(m->db);
	free(m);
}

int model_begin(struct model *m, struct taper_err *err)
{
	return sqlite3_exec(m->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK
		       ? 0
		       : db_fail(m, err, "begin");
}

int model_commit(struct model *m, struct taper_err *err)
{
	return sqlite3_exec(m->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK ? 0 : db_fail(m, err, "commit");
}

void model_rollback(struct model *m)
{
	sqlite3_exec(m->db, "ROLLBACK", NULL, NULL, NULL);
}

static int prepare(struct model *m, sqlite3_stmt **ret, struct taper_err *err, const char *sql,
		   const char *types, va_list ap)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(m->db, sql, -1, &st, NULL) != SQLITE_OK)
		return db_fail(m, err, sql);
	for (int i = 0; types && types[i]; i++) {
		int rc;

		if (types[i] == 's') {
			const char *v = va_arg(ap, const char *);

			rc = v ? sqlite3_bind_text(st, i + 1, v, -1, SQLITE_TRANSIENT)
			       : sqlite3_bind_null(st, i + 1);
		} else {
			rc = sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
		}
		if (rc != SQLITE_OK) {
			sqlite3_finalize(st);
			return db_fail(m, err, "bind");
		}
	}
	*ret = st;
	return 0;
}

int model_exec(struct model *m, struct taper_err *err, const char *sql, const char *types, ...)
{
	sqlite3_stmt *st;
	va_list ap;
	int r;

	va_start(ap, types);
	r = prepare(m, &st, err, sql, types, ap);
	va_end(ap);
	if (r < 0)
		return r;
	r = sqlite3_step(st);
	sqlite3_finalize(st);
	if (r != SQLITE_DONE && r != SQLITE_ROW)
		return db_fail(m, err, sql);
	return sqlite3_changes(m->db);
}

static int query_v(struct model *m, struct mrows *rows, struct taper_err *err, const char *sql,
		   const char *types, va_list ap)
{
	sqlite3_stmt *st;
	size_t cap = 0;
	int r;

	*rows = (struct mrows){ 0 };
	if ((r = prepare(m, &st, err, sql, types, ap)) < 0)
		return r;
	rows->ncol = (size_t)sqlite3_column_count(st);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		if ((rows->n + 1) * rows->ncol > cap) {
			size_t ncap = cap ? cap * 2 : rows->ncol * 8;
			char **c = realloc(rows->cells, ncap * sizeof(char *));

			if (!c)
				goto oom;
			rows->cells = c;
			cap = ncap;
		}
		for (size_t i = 0; i < rows->ncol; i++) {
			const unsigned char *t = sqlite3_column_text(st, (int)i);

			rows->cells[rows->n * rows->ncol + i] = t ? strdup((const char *)t) : NULL;
		}
		rows->n++;
	}
	sqlite3_finalize(st);
	if (r != SQLITE_DONE) {
		mrows_clear(rows);
		return db_fail(m, err, sql);
	}
	return (int)rows->n;
oom:
	sqlite3_finalize(st);
	mrows_clear(rows);
	return err_set(err, ENOMEM, "model");
}

int model_query(struct model *m, struct mrows *rows, struct taper_err *err, const char *sql,
		const char *types, ...)
{
	va_list ap;
	int r;

	va_start(ap, types);
	r = query_v(m, rows, err, sql, types, ap);
	va_end(ap);
	return r;
}

int model_get(struct model *m, char **ret, struct taper_err *err, const char *sql, const char *types, ...)
{
	struct mrows rows;
	va_list ap;
	int r;

	va_start(ap, types);
	r = query_v(m, &rows, err, sql, types, ap);
	va_end(ap);
	if (r < 0)
		return r;
	*ret = NULL;
	if (rows.n > 0 && rows.ncol > 0) {
		*ret = rows.cells[0];
		rows.cells[0] = NULL;
	}
	mrows_clear(&rows);
	return r > 0;
}

int64_t model_last_id(struct model *m)
{
	return sqlite3_last_insert_rowid(m->db);
}
