/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * db.c - the storage driver interface of db.h, written once above the two drivers (sqlite.c, postgres.c).
 *
 * Everything that does not depend on the engine lives here: parsing the database target, checking arguments,
 * translating the few DDL words that differ (BLOB, AUTOINCREMENT_PK), spelling transactions and savepoints, and
 * logging engine errors without values. The calls are on every request's path, so dispatch is one indirect call
 * and nothing here allocates except DDL translation.
 */
#include "store/db_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "store/bidx.h"

enum privd_rc privd_db_target_parse(const char *url, const char *data_dir, struct privd_db_target *out,
                                    struct privd_err *err)
{
	memset(out, 0, sizeof(*out));
	if (url == NULL || url[0] == '\0' || strcmp(url, "sqlite") == 0) {
		out->engine = PRIVD_DB_SQLITE;
		if (data_dir == NULL || data_dir[0] == '\0')
			data_dir = ".";
		if (strlen(data_dir) >= sizeof(out->data_dir))
			return privd_err_set(err, PRIVD_ERR_INVALID, "data directory path too long");
		snprintf(out->data_dir, sizeof(out->data_dir), "%s", data_dir);
		return PRIVD_OK;
	}
	if (strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0) {
		out->engine = PRIVD_DB_POSTGRES;
		if (strlen(url) >= sizeof(out->url))
			return privd_err_set(err, PRIVD_ERR_INVALID, "database url too long");
		snprintf(out->url, sizeof(out->url), "%s", url);
		if (data_dir != NULL && strlen(data_dir) < sizeof(out->data_dir))
			snprintf(out->data_dir, sizeof(out->data_dir), "%s", data_dir);
		return PRIVD_OK;
	}
	return privd_err_set(err, PRIVD_ERR_INVALID, "database url must be \"sqlite\" or postgresql://...");
}

static const struct privd_db_ops *ops_for(enum privd_db_engine e)
{
	return e == PRIVD_DB_POSTGRES ? &privd_db_postgres_ops : &privd_db_sqlite_ops;
}

enum privd_rc privd_db_open(const struct privd_db_target *t, enum privd_db_which which, bool read_only,
                            struct privd_db **out, struct privd_err *err)
{
	*out = NULL;
	if (t == NULL)
		return privd_err_set(err, PRIVD_ERR_INVALID, "no database target");
	return ops_for(t->engine)->open(t, which, read_only, out, err);
}

void privd_db_close(struct privd_db *db)
{
	if (db == NULL)
		return;
	free(db->txn_state);
	db->ops->close(db);
}

enum privd_db_engine privd_db_engine(const struct privd_db *db)
{
	return db->engine;
}

static bool is_word_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* Replaces the words BLOB and AUTOINCREMENT_PK outside quotes. Returns a malloc'd string or NULL. */
static char *translate_ddl(const char *sql, enum privd_db_engine e)
{
	const char *blob = e == PRIVD_DB_POSTGRES ? "bytea" : "BLOB";
	const char *pk = e == PRIVD_DB_POSTGRES ? "BIGSERIAL PRIMARY KEY" : "INTEGER PRIMARY KEY AUTOINCREMENT";
	size_t cap = strlen(sql) * 3 + 64, o = 0;
	char *out = malloc(cap);
	char quote = 0;
	const char *p = sql;

	if (out == NULL)
		return NULL;
	while (*p != '\0') {
		const char *rep = NULL;
		size_t wlen = 0, rlen;

		if (quote != 0) {
			if (*p == quote)
				quote = 0;
		} else if (*p == '\'' || *p == '"') {
			quote = *p;
		} else if (is_word_char(*p) && (p == sql || !is_word_char(p[-1]))) {
			while (is_word_char(p[wlen]))
				wlen++;
			if (wlen == 4 && strncasecmp(p, "BLOB", 4) == 0)
				rep = blob;
			else if (wlen == 16 && strncmp(p, "AUTOINCREMENT_PK", 16) == 0)
				rep = pk;
		}
		if (rep == NULL) {
			size_t n = wlen > 0 ? wlen : 1;

			if (o + n + 1 > cap) {
				free(out);
				return NULL;
			}
			memcpy(out + o, p, n);
			o += n;
			p += n;
			continue;
		}
		rlen = strlen(rep);
		if (o + rlen + 1 > cap) {
			free(out);
			return NULL;
		}
		memcpy(out + o, rep, rlen);
		o += rlen;
		p += wlen;
	}
	out[o] = '\0';
	return out;
}

enum privd_rc privd_db_exec(struct privd_db *db, const char *sql, struct privd_err *err)
{
	enum privd_rc rc = PRIVD_OK;
	char *t = translate_ddl(sql, db->engine);

	if (t == NULL)
		return privd_err_set(err, PRIVD_ERR_NOMEM, "cannot translate sql");
	rc = db->ops->exec(db, t);
	if (rc != PRIVD_OK)
		privd_err_set(err, rc, "cannot execute sql on %s", db->ops->name);
	free(t);
	return rc;
}

/* A transaction boundary: what the layer above remembered in the transaction's state is forgotten. */
static void txn_state_reset(struct privd_db *db, bool open)
{
	db->txn_open = open;
	if (db->txn_state != NULL)
		memset(db->txn_state, 0, db->txn_state_size);
}

/* A handle that writes builds the set again before a transaction when a COMMIT failed since it was built. */
static enum privd_rc bidx_fresh(struct privd_db *db)
{
	if (db->bidx_log == NULL || !privd_bidx_stale(db->bidx) || db->ops->in_txn(db))
		return PRIVD_OK;
	return db->ops->bidx_rebuild(db);
}

enum privd_rc privd_db_begin(struct privd_db *db)
{
	enum privd_rc rc = bidx_fresh(db);

	if (rc != PRIVD_OK)
		return rc;
	if (db->engine == PRIVD_DB_SQLITE && !db->read_only)
		rc = db->ops->exec(db, "BEGIN IMMEDIATE");
	else
		rc = db->ops->exec(db, "BEGIN");
	txn_state_reset(db, rc == PRIVD_OK);
	if (db->bidx_log != NULL)
		privd_bidx_log_clear(db->bidx_log);
	return rc;
}

enum privd_rc privd_db_begin_pipelined(struct privd_db *db)
{
	enum privd_rc rc;

	if (db->ops->pipe_begin == NULL)
		return privd_db_begin(db);
	rc = db->ops->pipe_begin(db);
	txn_state_reset(db, rc == PRIVD_OK);
	return rc;
}

enum privd_rc privd_db_sync(struct privd_db *db)
{
	return db->pipelined ? db->ops->pipe_sync(db) : PRIVD_OK;
}

bool privd_db_pipelined(const struct privd_db *db)
{
	return db->pipelined;
}

enum privd_rc privd_db_commit(struct privd_db *db)
{
	struct privd_bidx_log *log = db->bidx_log;
	enum privd_rc rc;

	txn_state_reset(db, false);
	/* room for the set's new entries first: once committed, they must fit */
	if (log != NULL && (rc = privd_bidx_reserve(db->bidx, log)) != PRIVD_OK)
		return rc;
	rc = db->ops->exec(db, "COMMIT");
	if (log == NULL)
		return rc;
	if (rc == PRIVD_OK) {
		privd_bidx_log_apply(db->bidx, log);
	} else {
		privd_bidx_unreserve(db->bidx, log);
		privd_bidx_mark_stale(db->bidx);
	}
	return rc;
}

enum privd_rc privd_db_rollback(struct privd_db *db)
{
	enum privd_rc rc = PRIVD_OK;

	txn_state_reset(db, false);
	if (db->bidx_log != NULL)
		privd_bidx_log_clear(db->bidx_log);
	if (db->ops->in_txn(db))
		rc = db->ops->exec(db, "ROLLBACK");
	return rc;
}

bool privd_db_in_txn(const struct privd_db *db)
{
	return db->txn_open;
}

bool privd_db_bidx(const struct privd_db *db)
{
	return db->bidx != NULL;
}

size_t privd_db_bidx_find(struct privd_db *db, const char *kind, const char *bidx, int64_t *out, size_t max)
{
	if (db->bidx == NULL)
		return 0;
	return privd_bidx_find(db->bidx, db->txn_open ? db->bidx_log : NULL, privd_bidx_kind(kind), bidx, out, max);
}

enum privd_rc privd_db_bidx_note(struct privd_db *db, const char *kind, const char *bidx, int64_t rowid, bool add)
{
	int k = privd_bidx_kind(kind);

	if (db->bidx == NULL)
		return PRIVD_OK;
	if (k < 0)
		return PRIVD_ERR_INVALID;
	if (db->bidx_log == NULL || !db->txn_open)
		return PRIVD_ERR_INTERNAL;
	return add ? privd_bidx_log_add(db->bidx_log, k, bidx, rowid)
	           : privd_bidx_log_remove(db->bidx_log, k, bidx, rowid);
}

void *privd_db_txn_state(struct privd_db *db, size_t size)
{
	if (!db->txn_open || size == 0)
		return NULL;
	if (db->txn_state != NULL && db->txn_state_size >= size)
		return db->txn_state;
	free(db->txn_state);
	db->txn_state = calloc(1, size);
	db->txn_state_size = db->txn_state != NULL ? size : 0;
	return db->txn_state;
}

/* Runs "<verb> <name>" for a savepoint name of letters, digits and underscores. */
static enum privd_rc savepoint_cmd(struct privd_db *db, const char *verb, const char *name)
{
	char sql[128];
	size_t i;

	if (name == NULL || name[0] == '\0' || strlen(name) > 63)
		return PRIVD_ERR_INVALID;
	for (i = 0; name[i] != '\0'; i++)
		if (!is_word_char(name[i]))
			return PRIVD_ERR_INVALID;
	snprintf(sql, sizeof(sql), "%s %s", verb, name);
	return db->ops->exec(db, sql);
}

enum privd_rc privd_db_savepoint(struct privd_db *db, const char *name)
{
	enum privd_rc rc = savepoint_cmd(db, "SAVEPOINT", name);

	if (rc == PRIVD_OK && db->bidx_log != NULL && db->txn_open)
		rc = privd_bidx_log_savepoint(db->bidx_log, name);
	return rc;
}

enum privd_rc privd_db_release(struct privd_db *db, const char *name)
{
	enum privd_rc rc = savepoint_cmd(db, "RELEASE SAVEPOINT", name);

	if (rc == PRIVD_OK && db->bidx_log != NULL)
		privd_bidx_log_release(db->bidx_log, name);
	return rc;
}

enum privd_rc privd_db_rollback_to(struct privd_db *db, const char *name)
{
	enum privd_rc rc;

	txn_state_reset(db, db->txn_open);
	rc = savepoint_cmd(db, "ROLLBACK TO SAVEPOINT", name);
	if (rc == PRIVD_OK && db->bidx_log != NULL)
		privd_bidx_log_rollback_to(db->bidx_log, name);
	return rc;
}

enum privd_rc privd_db_prepare(struct privd_db *db, const char *sql, struct privd_stmt **out)
{
	*out = NULL;
	if (sql == NULL)
		return PRIVD_ERR_INVALID;
	return db->ops->prepare(db, sql, out);
}

void privd_stmt_finalize(struct privd_stmt *st)
{
	if (st == NULL)
		return;
	st->db->ops->finalize(st);
}

enum privd_rc privd_stmt_reset(struct privd_stmt *st)
{
	return st->db->ops->reset(st);
}

enum privd_rc privd_stmt_bind_text(struct privd_stmt *st, int idx, const char *s)
{
	if (s == NULL)
		return st->db->ops->bind_null(st, idx);
	return st->db->ops->bind_text(st, idx, s);
}

enum privd_rc privd_stmt_bind_int64(struct privd_stmt *st, int idx, int64_t v)
{
	return st->db->ops->bind_int64(st, idx, v);
}

enum privd_rc privd_stmt_bind_blob(struct privd_stmt *st, int idx, const void *p, size_t len)
{
	if (p == NULL && len > 0)
		return PRIVD_ERR_INVALID;
	return st->db->ops->bind_blob(st, idx, p, len);
}

void privd_stmt_lend(struct privd_stmt *st)
{
	st->lent = true;
}

enum privd_rc privd_stmt_bind_null(struct privd_stmt *st, int idx)
{
	return st->db->ops->bind_null(st, idx);
}

int privd_stmt_step(struct privd_stmt *st)
{
	return st->db->ops->step(st);
}

const char *privd_db_conflict(const struct privd_db *db)
{
	return db->conflict;
}

const char *privd_stmt_col_text(struct privd_stmt *st, int col)
{
	return st->db->ops->col_text(st, col);
}

int64_t privd_stmt_col_int64(struct privd_stmt *st, int col)
{
	return st->db->ops->col_int64(st, col);
}

const void *privd_stmt_col_blob(struct privd_stmt *st, int col, size_t *len)
{
	return st->db->ops->col_blob(st, col, len);
}

bool privd_stmt_col_is_null(struct privd_stmt *st, int col)
{
	return st->db->ops->col_is_null(st, col);
}

int64_t privd_stmt_changes(struct privd_stmt *st)
{
	return st->db->ops->changes(st);
}

enum privd_rc privd_stmt_run(struct privd_stmt *st, bool need_change, int64_t *first)
{
	int r;

	if (st->db->pipelined)
		return st->db->ops->defer(st, need_change, first, NULL);
	r = st->db->ops->step(st);
	if (first != NULL)
		*first = r == PRIVD_DB_ROW ? st->db->ops->col_int64(st, 0) : 0;
	while (r == PRIVD_DB_ROW)
		r = st->db->ops->step(st);
	if (r != PRIVD_DB_DONE)
		return (enum privd_rc)r;
	return need_change && st->db->ops->changes(st) == 0 ? PRIVD_ERR_NOT_FOUND : PRIVD_OK;
}

enum privd_rc privd_stmt_expect(struct privd_stmt *st, const char *value)
{
	const char *v;
	int r;

	if (value == NULL || strlen(value) > 31)
		return PRIVD_ERR_INTERNAL;
	if (st->db->pipelined)
		return st->db->ops->defer(st, false, NULL, value);
	r = st->db->ops->step(st);
	if (r == PRIVD_DB_DONE)
		return PRIVD_ERR_NOT_FOUND;
	if (r != PRIVD_DB_ROW)
		return (enum privd_rc)r;
	v = st->db->ops->col_text(st, 0);
	return v != NULL && strcmp(v, value) == 0 ? PRIVD_OK : PRIVD_ERR_CONFLICT;
}

enum privd_rc privd_db_notify(struct privd_db *db, const char *channel, const char *payload)
{
	if (channel == NULL)
		return PRIVD_ERR_INVALID;
	return db->ops->notify(db, channel, payload != NULL ? payload : "");
}

enum privd_rc privd_db_listen(struct privd_db *db, const char *channel)
{
	if (channel == NULL)
		return PRIVD_ERR_INVALID;
	return db->ops->listen(db, channel);
}

enum privd_rc privd_db_wait_notify(struct privd_db *db, int timeout_ms,
                                   void (*cb)(void *arg, const char *channel, const char *payload), void *arg)
{
	return db->ops->wait_notify(db, timeout_ms, cb, arg);
}

enum privd_rc privd_db_purge(struct privd_db *db)
{
	return db->ops->purge(db);
}

bool privd_db_checkpoint_due(struct privd_db *db)
{
	return db->ops->checkpoint_due != NULL && db->ops->checkpoint_due(db);
}

enum privd_rc privd_db_checkpoint(struct privd_db *db, int *copied)
{
	int none = 0;

	if (copied == NULL)
		copied = &none;
	*copied = 0;
	return db->ops->checkpoint != NULL ? db->ops->checkpoint(db, copied) : PRIVD_OK;
}

void privd_db_log_error(const char *engine, const char *code, const char *msg, const char *sql)
{
	char emsg[512], esql[512], head[161];

	snprintf(head, sizeof(head), "%s", sql != NULL ? sql : "");
	privd_json_escape(msg != NULL ? msg : "", emsg, sizeof(emsg));
	privd_json_escape(head, esql, sizeof(esql));
	privd_log(PRIVD_LOG_ERROR, "db.error", "\"engine\":\"%s\",\"code\":\"%s\",\"msg\":\"%s\",\"sql\":\"%s\"",
	          engine, code != NULL ? code : "", emsg, esql);
}

uint64_t privd_db_hash_sql(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}
