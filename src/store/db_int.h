/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * db_int.h - what only the storage drivers and db.c share: the table of functions a driver provides and the
 * common head of every connection and statement.
 *
 * db.c validates arguments, translates DDL words and builds transaction statements once for both engines; a
 * driver only talks to its engine. Every driver connection starts with struct privd_db and every driver
 * statement with struct privd_stmt, so db.c dispatches through db->ops without knowing the engine.
 */
#ifndef PRIVD_STORE_DB_INT_H
#define PRIVD_STORE_DB_INT_H

#include "store/db.h"

struct privd_db_ops {
	const char *name;
	enum privd_rc (*open)(const struct privd_db_target *t, enum privd_db_which which, bool read_only,
	                      struct privd_db **out, struct privd_err *err);
	void (*close)(struct privd_db *db);
	/* Runs sql, already translated, without parameters or results. */
	enum privd_rc (*exec)(struct privd_db *db, const char *sql);
	bool (*in_txn)(struct privd_db *db);
	enum privd_rc (*prepare)(struct privd_db *db, const char *sql, struct privd_stmt **out);
	void (*finalize)(struct privd_stmt *st);
	enum privd_rc (*reset)(struct privd_stmt *st);
	enum privd_rc (*bind_text)(struct privd_stmt *st, int idx, const char *s);
	enum privd_rc (*bind_int64)(struct privd_stmt *st, int idx, int64_t v);
	enum privd_rc (*bind_blob)(struct privd_stmt *st, int idx, const void *p, size_t len);
	enum privd_rc (*bind_null)(struct privd_stmt *st, int idx);
	int (*step)(struct privd_stmt *st);
	const char *(*col_text)(struct privd_stmt *st, int col);
	int64_t (*col_int64)(struct privd_stmt *st, int col);
	const void *(*col_blob)(struct privd_stmt *st, int col, size_t *len);
	bool (*col_is_null)(struct privd_stmt *st, int col);
	int64_t (*changes)(struct privd_stmt *st);
	enum privd_rc (*notify)(struct privd_db *db, const char *channel, const char *payload);
	enum privd_rc (*listen)(struct privd_db *db, const char *channel);
	enum privd_rc (*wait_notify)(struct privd_db *db, int timeout_ms,
	                             void (*cb)(void *arg, const char *channel, const char *payload), void *arg);
	enum privd_rc (*purge)(struct privd_db *db);
	enum privd_rc (*checkpoint)(struct privd_db *db, int *copied); /* NULL: nothing to do */
	bool (*checkpoint_due)(struct privd_db *db);                   /* NULL: never */
	/* A pipelined transaction (db.h, privd_db_begin_pipelined); all three NULL where the engine has none. begin
	 * sets db->pipelined, sync clears it; defer is only called while it is set. */
	enum privd_rc (*pipe_begin)(struct privd_db *db);
	enum privd_rc (*pipe_sync)(struct privd_db *db);
	enum privd_rc (*defer)(struct privd_stmt *st, bool need_change, int64_t *first, const char *expect);
	/* Fills db->bidx again from the table, outside a transaction (after a failed COMMIT: privd_bidx_stale).
	 * NULL where the engine keeps no set. */
	enum privd_rc (*bidx_rebuild)(struct privd_db *db);
};

/* The head of every driver connection. */
struct privd_db {
	const struct privd_db_ops *ops;
	enum privd_db_engine engine;
	enum privd_db_which which;
	bool read_only;
	/* The column or constraint named by the last unique violation ("subjects.email_bidx",
	 * "subjects_email_bidx_key"), "" when none; set by the drivers, read through privd_db_conflict. Never a
	 * value. */
	char conflict[128];
	/* A transaction begun with privd_db_begin is open; then txn_state (txn_state_size bytes, NULL until asked
	 * for) is the layer above's memory for it, zeroed by db.c at every transaction boundary (privd_db_txn_state).
	 * The drivers do not touch either. */
	bool txn_open;
	void *txn_state;
	size_t txn_state_size;
	bool pipelined; /* inside a pipelined transaction, until privd_db_sync; set and cleared by the driver */
	/* SQLite's data database: the process's blind-index set (store/bidx.h), and on a handle that writes the log of
	 * its open transaction; both NULL elsewhere. The driver sets and frees them; db.c keeps the log in step with
	 * the transaction. */
	struct privd_bidx *bidx;
	struct privd_bidx_log *bidx_log;
};

/* The head of every driver statement. */
struct privd_stmt {
	struct privd_db *db;
	bool lent; /* privd_stmt_lend until the next reset or finalize; a driver may ignore it */
};

extern const struct privd_db_ops privd_db_sqlite_ops;
extern const struct privd_db_ops privd_db_postgres_ops;

/* Logs an engine failure without values: the engine's code, its message as the driver vetted it, and the start
 * of the SQL text (placeholders only, never values). */
void privd_db_log_error(const char *engine, const char *code, const char *msg, const char *sql);

/* 64-bit FNV-1a of s: the key of the drivers' prepared-statement caches. Cannot fail. */
uint64_t privd_db_hash_sql(const char *s);

#endif
