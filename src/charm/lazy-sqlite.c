/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lazy-sqlite.c — libsqlite3, bound on first use (see util/lazy.h): only
 * the charm verbs read or write the model, and every container start would
 * otherwise load it twice.
 */
#include <sqlite3.h>

#include "charm/lazy.h"
#include "util/lazy.h"

static struct lazy_lib lib = { .soname = "libsqlite3.so.0" };

int lazy_sqlite_load(struct taper_err *err)
{
	return lazy_open(&lib, err);
}

LAZY_FN(lib, int, sqlite3_open_v2, (const char *filename, sqlite3 **ppDb, int flags, const char *zVfs),
	(filename, ppDb, flags, zVfs), SQLITE_CANTOPEN)
LAZY_FN(lib, int, sqlite3_close_v2, (sqlite3 * db), (db), SQLITE_ERROR)
LAZY_FN(lib, int, sqlite3_exec,
	(sqlite3 * db, const char *sql, int (*callback)(void *, int, char **, char **), void *arg,
	 char **errmsg),
	(db, sql, callback, arg, errmsg), SQLITE_ERROR)
LAZY_FN(lib, int, sqlite3_prepare_v2,
	(sqlite3 * db, const char *zSql, int nByte, sqlite3_stmt **ppStmt, const char **pzTail),
	(db, zSql, nByte, ppStmt, pzTail), SQLITE_ERROR)
LAZY_FN(lib, int, sqlite3_step, (sqlite3_stmt * stmt), (stmt), SQLITE_ERROR)
LAZY_FN(lib, int, sqlite3_finalize, (sqlite3_stmt * stmt), (stmt), SQLITE_ERROR)
LAZY_FN(lib, int, sqlite3_bind_text, (sqlite3_stmt * stmt, int i, const char *v, int n, void (*d)(void *)),
	(stmt, i, v, n, d), SQLITE_ERROR)
LAZY_FN(lib, int, sqlite3_bind_int64, (sqlite3_stmt * stmt, int i, sqlite3_int64 v), (stmt, i, v),
	SQLITE_ERROR)
LAZY_FN(lib, int, sqlite3_bind_null, (sqlite3_stmt * stmt, int i), (stmt, i), SQLITE_ERROR)
LAZY_FN(lib, int, sqlite3_column_count, (sqlite3_stmt * stmt), (stmt), 0)
LAZY_FN(lib, const unsigned char *, sqlite3_column_text, (sqlite3_stmt * stmt, int i), (stmt, i), NULL)
LAZY_FN(lib, const char *, sqlite3_errmsg, (sqlite3 * db), (db), "cannot load libsqlite3.so.0")
LAZY_FN(lib, int, sqlite3_busy_timeout, (sqlite3 * db, int ms), (db, ms), SQLITE_ERROR)
LAZY_FN(lib, int, sqlite3_changes, (sqlite3 * db), (db), 0)
LAZY_FN(lib, sqlite3_int64, sqlite3_last_insert_rowid, (sqlite3 * db), (db), 0)
LAZY_VOID(lib, sqlite3_free, (void *p), (p))
