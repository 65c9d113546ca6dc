/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * repo_int.h - what only the repository files (repo.c, repo_requests.c, repo_evidence.c, migrations.c) share: reading
 * columns into the row structs, binding absent values as NULL, stepping statements to a privd_rc, the one shape nearly
 * every repository function has (prepare, bind, step, finalize), written once as exec_sql / exec_update /
 * query_one, and the row walk of every list function, written once as walk_rows.
 *
 * The repositories store an absent value (empty blob, "" text, 0 time) as NULL, so that UNIQUE indexes allow
 * any number of absent values and a reader can tell "none" from "empty"; these helpers are that rule, written
 * once. Small and on every hot path, so static inline; nothing here is part of the store's interface.
 */
#ifndef PRIVD_STORE_REPO_INT_H
#define PRIVD_STORE_REPO_INT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/db.h"
#include "store/repo.h"
#include "store/repo_webhooks.h"

/* A subject's blind indexes as stored, and its rowid: what SQLite's set (store/bidx.h) is told a change removed. */
struct privd_stored_bidx {
	int64_t rowid;
	char email[sizeof(((struct privd_subject_row *)0)->email_bidx)];
	char phone[sizeof(((struct privd_subject_row *)0)->phone_bidx)];
};

/* Reads them for subject id: PRIVD_ERR_NOT_FOUND when there is no such row. */
enum privd_rc privd_repo_bidx_read(struct privd_db *db, const char *id, struct privd_stored_bidx *out);
/* Notes in the set's log (privd_db_bidx_note) that row rowid no longer holds was's values (was may be NULL) and
 * now holds email and phone (each may be NULL or ""). PRIVD_OK and nothing done where there is no set. */
enum privd_rc privd_repo_bidx_note(struct privd_db *db, int64_t rowid, const struct privd_stored_bidx *was,
                                   const char *email, const char *phone);
/* A change of the subjects table runs in a transaction where there is a set, so that the set changes with it:
 * the caller's, or one begun here (*own true), which privd_repo_bidx_txn_end commits when rc is PRIVD_OK and
 * rolls back otherwise; it returns rc, or the COMMIT's failure. */
enum privd_rc privd_repo_bidx_txn_begin(struct privd_db *db, bool *own);
enum privd_rc privd_repo_bidx_txn_end(struct privd_db *db, bool own, enum privd_rc rc);

static inline void copy_col(struct privd_stmt *st, int col, char *dst, size_t size)
{
	const char *s = privd_stmt_col_text(st, col);

	snprintf(dst, size, "%s", s != NULL ? s : "");
}

static inline enum privd_rc blob_col(struct privd_stmt *st, int col, struct privd_blob *out)
{
	size_t len = 0;
	const void *p = privd_stmt_col_blob(st, col, &len);

	out->data = NULL;
	out->len = 0;
	if (p == NULL || len == 0)
		return PRIVD_OK;
	out->data = malloc(len);
	if (out->data == NULL)
		return PRIVD_ERR_NOMEM;
	memcpy(out->data, p, len);
	out->len = len;
	return PRIVD_OK;
}

/* What parsing a state stored as its core name (privd_<x>_parse of a column's text) comes to for the row: a name
 * privd never writes makes the row unreadable, PRIVD_ERR_DB, rather than a state guessed at. Cannot fail
 * otherwise. */
static inline enum privd_rc state_col(enum privd_rc parsed)
{
	return parsed == PRIVD_OK ? PRIVD_OK : PRIVD_ERR_DB;
}

/* Room for a state's name read into a buffer (query_text): longer than any name, so that a longer stored value
 * cut to fit is still no name. */
#define STATE_NAME_MAX 64

/* Points b at a blob column without copying: valid until the next step, reset or finalize. Cannot fail. */
static inline void blob_view(struct privd_stmt *st, int col, struct privd_blob *b)
{
	size_t len = 0;
	const void *p = privd_stmt_col_blob(st, col, &len);

	b->data = p != NULL && len > 0 ? (uint8_t *)(uintptr_t)p : NULL;
	b->len = b->data != NULL ? len : 0;
}

static inline enum privd_rc bind_opt_blob(struct privd_stmt *st, int idx, const struct privd_blob *b)
{
	if (b == NULL || b->data == NULL || b->len == 0)
		return privd_stmt_bind_null(st, idx);
	return privd_stmt_bind_blob(st, idx, b->data, b->len);
}

static inline enum privd_rc bind_opt_text(struct privd_stmt *st, int idx, const char *s)
{
	if (s == NULL || s[0] == '\0')
		return privd_stmt_bind_null(st, idx);
	return privd_stmt_bind_text(st, idx, s);
}

static inline enum privd_rc bind_opt_time(struct privd_stmt *st, int idx, int64_t t)
{
	if (t == 0)
		return privd_stmt_bind_null(st, idx);
	return privd_stmt_bind_int64(st, idx, t);
}

/* A LIMIT parameter for a count where 0 means no limit. Cannot fail. */
static inline int64_t sql_limit(size_t limit)
{
	return limit == 0 || limit > INT64_MAX ? INT64_MAX : (int64_t)limit;
}

/* Steps a statement that returns no rows. */
static inline enum privd_rc step_done(struct privd_stmt *st)
{
	int r = privd_stmt_step(st);

	if (r == PRIVD_DB_DONE)
		return PRIVD_OK;
	if (r == PRIVD_DB_ROW)
		return PRIVD_ERR_INTERNAL;
	return (enum privd_rc)r;
}

/* Steps a statement expected to return one row: PRIVD_OK on a row, PRIVD_ERR_NOT_FOUND on none. */
static inline enum privd_rc step_row(struct privd_stmt *st)
{
	int r = privd_stmt_step(st);

	if (r == PRIVD_DB_ROW)
		return PRIVD_OK;
	if (r == PRIVD_DB_DONE)
		return PRIVD_ERR_NOT_FOUND;
	return (enum privd_rc)r;
}

/* Binds the arguments after types to parameters first, first + 1, ..., one per character of types:
 *
 *   't'  const char *                text; NULL binds NULL
 *   'T'  const char *                optional text: NULL or "" binds NULL (bind_opt_text)
 *   'i'  int64_t                     integer
 *   'm'  int64_t                     optional time (or size): 0 binds NULL (bind_opt_time)
 *   'b'  const void *, size_t        blob: two arguments, pointer and length
 *   'B'  const struct privd_blob *   optional blob: NULL or empty binds NULL (bind_opt_blob)
 *   'n'  (no argument)               NULL
 *
 * Varargs are not converted to the type read: an 'i' or 'm' argument must be an int64_t and a 'b' length a
 * size_t, so cast anything narrower at the call ((int64_t)row->attempts, (int64_t)(flag ? 1 : 0)); an int read
 * as an int64_t is undefined behaviour. Stops at the first failure; PRIVD_ERR_INTERNAL for any other character.
 */
static inline enum privd_rc bind_va(struct privd_stmt *st, int first, const char *types, va_list ap)
{
	enum privd_rc rc = PRIVD_OK;
	int idx = first;

	for (const char *t = types; rc == PRIVD_OK && *t != '\0'; t++, idx++) {
		switch (*t) {
		case 't':
			rc = privd_stmt_bind_text(st, idx, va_arg(ap, const char *));
			break;
		case 'T':
			rc = bind_opt_text(st, idx, va_arg(ap, const char *));
			break;
		case 'i':
			rc = privd_stmt_bind_int64(st, idx, va_arg(ap, int64_t));
			break;
		case 'm':
			rc = bind_opt_time(st, idx, va_arg(ap, int64_t));
			break;
		case 'b': {
			const void *p = va_arg(ap, const void *);
			size_t len = va_arg(ap, size_t);

			rc = privd_stmt_bind_blob(st, idx, p, len);
			break;
		}
		case 'B':
			rc = bind_opt_blob(st, idx, va_arg(ap, const struct privd_blob *));
			break;
		case 'n':
			rc = privd_stmt_bind_null(st, idx);
			break;
		default:
			rc = PRIVD_ERR_INTERNAL;
			break;
		}
	}
	return rc;
}

/* bind_va with the arguments given here. */
static inline enum privd_rc bind_at(struct privd_stmt *st, int first, const char *types, ...)
{
	va_list ap;
	enum privd_rc rc;

	va_start(ap, types);
	rc = bind_va(st, first, types, ap);
	va_end(ap);
	return rc;
}

/* Prepares sql into *st and binds ap from parameter 1 (bind_va). *st is NULL only when it could not be
 * prepared; the caller finalizes it whatever the result. */
static inline enum privd_rc prepare_va(struct privd_db *db, const char *sql, struct privd_stmt **st, const char *types,
                                       va_list ap)
{
	enum privd_rc rc = privd_db_prepare(db, sql, st);

	if (rc == PRIVD_OK)
		rc = bind_va(*st, 1, types, ap);
	return rc;
}

/* prepare_va with the arguments given here. */
static inline enum privd_rc prepare_one(struct privd_db *db, const char *sql, struct privd_stmt **st, const char *types,
                                        ...)
{
	va_list ap;
	enum privd_rc rc;

	va_start(ap, types);
	rc = prepare_va(db, sql, st, types, ap);
	va_end(ap);
	return rc;
}

/* Runs a statement for its effect (privd_stmt_run: inside a writer's pipeline only sent, its failure reported at the
 * sync); with one_row, PRIVD_ERR_NOT_FOUND when it changed none. */
static inline enum privd_rc exec_va(struct privd_db *db, const char *sql, bool one_row, const char *types, va_list ap)
{
	struct privd_stmt *st = NULL;
	enum privd_rc rc = privd_db_prepare(db, sql, &st);

	/* bound, run and finalized here: the arguments outlive the statement's use of them */
	if (rc == PRIVD_OK) {
		privd_stmt_lend(st);
		rc = bind_va(st, 1, types, ap);
	}
	if (rc == PRIVD_OK)
		rc = privd_stmt_run(st, one_row, NULL);
	privd_stmt_finalize(st);
	return rc;
}

/* Prepares sql, binds the arguments from parameter 1 (see bind_va for types), steps it expecting no rows and
 * finalizes it. A unique violation is PRIVD_ERR_CONFLICT, with the engine's constraint name readable through
 * privd_db_conflict; any other failure is the driver's. */
static inline enum privd_rc exec_sql(struct privd_db *db, const char *sql, const char *types, ...)
{
	va_list ap;
	enum privd_rc rc;

	va_start(ap, types);
	rc = exec_va(db, sql, false, types, ap);
	va_end(ap);
	return rc;
}

/* exec_sql for a statement meant to change one row (an UPDATE by key): PRIVD_ERR_NOT_FOUND when it changed
 * none. */
static inline enum privd_rc exec_update(struct privd_db *db, const char *sql, const char *types, ...)
{
	va_list ap;
	enum privd_rc rc;

	va_start(ap, types);
	rc = exec_va(db, sql, true, types, ap);
	va_end(ap);
	return rc;
}

/* Prepares sql, binds the arguments from parameter 1 (see bind_va) and steps to the first row: PRIVD_OK with the row
 * readable from *st, PRIVD_ERR_NOT_FOUND when there is none. The caller finalizes *st whatever the result. */
static inline enum privd_rc query_one(struct privd_db *db, const char *sql, struct privd_stmt **st, const char *types,
                                      ...)
{
	va_list ap;
	enum privd_rc rc;

	va_start(ap, types);
	rc = prepare_va(db, sql, st, types, ap);
	va_end(ap);
	if (rc == PRIVD_OK)
		rc = step_row(*st);
	return rc;
}

/* One non-empty blob selected by one text key: PRIVD_ERR_NOT_FOUND when there is no row or the blob is empty. */
static inline enum privd_rc query_blob(struct privd_db *db, const char *sql, const char *key, struct privd_blob *out)
{
	struct privd_stmt *st = NULL;
	enum privd_rc rc;

	out->data = NULL;
	out->len = 0;
	rc = query_one(db, sql, &st, "t", key);
	if (rc == PRIVD_OK)
		rc = blob_col(st, 0, out);
	if (rc == PRIVD_OK && out->len == 0)
		rc = PRIVD_ERR_NOT_FOUND;
	privd_stmt_finalize(st);
	return rc;
}

/* One text column selected by one text key, copied into dst (size bytes, cut to fit): PRIVD_ERR_NOT_FOUND, with
 * dst "", when there is no row. */
static inline enum privd_rc query_text(struct privd_db *db, const char *sql, const char *key, char *dst, size_t size)
{
	struct privd_stmt *st = NULL;
	enum privd_rc rc = query_one(db, sql, &st, "t", key);

	dst[0] = '\0';
	if (rc == PRIVD_OK)
		copy_col(st, 0, dst, size);
	privd_stmt_finalize(st);
	return rc;
}

/* ---- many rows in one INSERT ----
 *
 * A fan-out (an incident over every subject) writes hundreds of thousands of rows in one transaction; one statement
 * per row would be one round trip per row on PostgreSQL. There these write them INSERT_ROWS_MAX to a statement: head
 * ("INSERT INTO t(a, b) VALUES "), then the placeholders of one row ("(?, ?)") once per row, each row bound by
 * bind(st, its first parameter, its index, arg). The statement's text is the same for every full chunk, so the
 * drivers' caches prepare it once. SQLite takes one row a statement (insert_rows says why). */
#define INSERT_ROWS_MAX 64
#define INSERT_SQL_MAX 8192

typedef enum privd_rc (*bind_row_fn)(struct privd_stmt *st, int first, size_t i, const void *arg);

/* One INSERT of rows [from, from + n), 1 <= n <= INSERT_ROWS_MAX; PRIVD_ERR_INTERNAL when its text would not fit. */
static inline enum privd_rc insert_chunk(struct privd_db *db, const char *head, const char *one, int params,
                                         size_t from, size_t n, bind_row_fn bind, const void *arg)
{
	char sql[INSERT_SQL_MAX];
	struct privd_stmt *st = NULL;
	size_t at = (size_t)snprintf(sql, sizeof(sql), "%s", head);
	enum privd_rc rc;

	for (size_t i = 0; i < n && at < sizeof(sql); i++)
		at += (size_t)snprintf(sql + at, sizeof(sql) - at, "%s%s", i > 0 ? ", " : "", one);
	if (at >= sizeof(sql))
		return PRIVD_ERR_INTERNAL;
	rc = privd_db_prepare(db, sql, &st);
	for (size_t i = 0; rc == PRIVD_OK && i < n; i++)
		rc = bind(st, 1 + (int)i * params, from + i, arg);
	if (rc == PRIVD_OK)
		rc = privd_stmt_run(st, false, NULL); /* in a writer's pipeline, only sent */
	privd_stmt_finalize(st);
	return rc;
}

/* Rows [0, n) one at a time through one statement (SQLite, where a statement costs no round trip). */
static inline enum privd_rc insert_each(struct privd_db *db, const char *head, const char *one, size_t n,
                                        bind_row_fn bind, const void *arg)
{
	char sql[INSERT_SQL_MAX];
	struct privd_stmt *st = NULL;
	enum privd_rc rc;

	if ((size_t)snprintf(sql, sizeof(sql), "%s%s", head, one) >= sizeof(sql))
		return PRIVD_ERR_INTERNAL;
	rc = privd_db_prepare(db, sql, &st);
	for (size_t i = 0; rc == PRIVD_OK && i < n; i++) {
		rc = bind(st, 1, i, arg);
		if (rc == PRIVD_OK)
			rc = privd_stmt_run(st, false, NULL);
		if (rc == PRIVD_OK)
			rc = privd_stmt_reset(st);
	}
	privd_stmt_finalize(st);
	return rc;
}

/* Rows [0, n): on PostgreSQL in as few statements as insert_chunk allows, a round trip saved each; on SQLite one
 * row a statement. A statement of many rows may fail after its first, so SQLite keeps a journal of the pages it
 * changes, to undo it alone: past 64 KiB that journal goes to a temporary file, and a fan-out's statements of
 * 64 notices wrote it page by page (136,000 writes of 4 KiB in an incident over 100,000 people). A statement of
 * one row checks its constraints before it writes anything, and keeps none. */
static inline enum privd_rc insert_rows(struct privd_db *db, const char *head, const char *one, int params, size_t n,
                                        bind_row_fn bind, const void *arg)
{
	enum privd_rc rc = PRIVD_OK;

	if (privd_db_engine(db) == PRIVD_DB_SQLITE)
		return insert_each(db, head, one, n, bind, arg);
	for (size_t i = 0; rc == PRIVD_OK && i < n; i += INSERT_ROWS_MAX)
		rc = insert_chunk(db, head, one, params, i, n - i < INSERT_ROWS_MAX ? n - i : INSERT_ROWS_MAX, bind,
		                  arg);
	return rc;
}

/* ---- the row walk of every list function ----
 *
 * A list function hands each row to its caller's callback, whose type names the kind of row. walk_rows does the
 * part they share (prepare, bind, step, stop when asked, finalize, report a failed step or an unreadable row); a
 * small reader per kind of row turns the current row into the row struct and calls the callback, which reaches it
 * through struct walk_cb: one member per kind of row, so that no callback is ever called through a pointer of
 * another type. A reader returns PRIVD_OK and sets *stop to what the callback asked, or returns why the row cannot
 * be read (PRIVD_ERR_DB for a state privd does not know) without calling the callback. */
struct walk_cb {
	union {
		int (*id)(void *arg, const char *id);
		int (*apikey)(void *arg, const struct privd_apikey_row *row);
		int (*consent)(void *arg, const struct privd_consent_row *row);
		int (*audit)(void *arg, const struct privd_audit_row *row);
		int (*request)(void *arg, const struct privd_request_row *row);
		int (*notification)(void *arg, const struct privd_notification_row *row);
		int (*destruction)(void *arg, const struct privd_destruction_row *row);
		int (*recipient)(void *arg, const struct privd_recipient_row *row);
		int (*batch)(void *arg, const struct privd_batch_row *row);
		int (*transfer)(void *arg, const struct privd_transfer_list_row *row);
		int (*contact)(void *arg, const struct privd_subject_contact *c);
		int (*consent_week)(void *arg, const struct privd_consent_week_row *row);
		int (*incident)(void *arg, const struct privd_incident_row *row);
		int (*tally)(void *arg, const struct privd_notification_tally *t);
		int (*key)(void *arg, const char *id, const uint8_t *wrapped, size_t len, const char *kid);
		int (*webhook)(void *arg, const struct privd_webhook_row *row);
		int (*webhook_delivery)(void *arg, const struct privd_webhook_delivery_row *row);
		int (*request_times)(void *arg, const struct privd_request_times_row *row);
	} fn;
	void *arg;
};

/* Steps st through its rows, calling read for each until it fails or sets *stop, then finalizes st. rc is what
 * preparing and binding st came to: unless it is PRIVD_OK nothing is stepped (st may then be NULL). Returns rc,
 * the failure of a step, or the failure of read; a stop asked for is not a failure. */
static inline enum privd_rc
walk_stmt(struct privd_stmt *st, enum privd_rc rc,
          enum privd_rc (*read)(struct privd_stmt *st, const struct walk_cb *to, bool *stop), const struct walk_cb *to)
{
	int r = PRIVD_DB_DONE;
	bool stop = false;

	while (rc == PRIVD_OK && !stop && (r = privd_stmt_step(st)) == PRIVD_DB_ROW)
		rc = read(st, to, &stop);
	if (rc == PRIVD_OK && r != PRIVD_DB_ROW && r != PRIVD_DB_DONE)
		rc = (enum privd_rc)r;
	privd_stmt_finalize(st);
	return rc;
}

/* Prepares sql, binds the arguments after types from parameter 1 (see bind_va) and walks the rows with read
 * (walk_stmt). Returns the first failure of preparing, binding, stepping or reading a row. */
static inline enum privd_rc walk_rows(struct privd_db *db, const char *sql,
                                      enum privd_rc (*read)(struct privd_stmt *st, const struct walk_cb *to,
                                                            bool *stop),
                                      const struct walk_cb *to, const char *types, ...)
{
	struct privd_stmt *st = NULL;
	va_list ap;
	enum privd_rc rc;

	va_start(ap, types);
	rc = prepare_va(db, sql, &st, types, ap);
	va_end(ap);
	return walk_stmt(st, rc, read, to);
}

/* Walks, with read, the rows of open + "?, ?, ..." + close for ids[0..n), IN_LIST_MAX ids a statement: open ends
 * with "IN (" and close starts with ")" ("... WHERE subject_id IN (" and ") ORDER BY subject_id"). A stop asked
 * for ends one statement only: the callback keeps asking for it in the next. For lists of ids of any length. */
#define IN_LIST_MAX 100

static inline enum privd_rc
walk_in_list(struct privd_db *db, const char *open, const char *close, const char *const *ids, size_t n,
             enum privd_rc (*read)(struct privd_stmt *st, const struct walk_cb *to, bool *stop),
             const struct walk_cb *to)
{
	char sql[1024 + IN_LIST_MAX * 3];
	enum privd_rc rc = PRIVD_OK;

	for (size_t from = 0; rc == PRIVD_OK && from < n; from += IN_LIST_MAX) {
		size_t k = n - from < IN_LIST_MAX ? n - from : IN_LIST_MAX;
		size_t at = (size_t)snprintf(sql, sizeof(sql), "%s", open);
		struct privd_stmt *st = NULL;

		for (size_t i = 0; i < k && at < sizeof(sql); i++)
			at += (size_t)snprintf(sql + at, sizeof(sql) - at, "%s?", i > 0 ? ", " : "");
		if (at < sizeof(sql))
			at += (size_t)snprintf(sql + at, sizeof(sql) - at, "%s", close);
		if (at >= sizeof(sql))
			return PRIVD_ERR_INTERNAL;
		rc = privd_db_prepare(db, sql, &st);
		for (size_t i = 0; rc == PRIVD_OK && i < k; i++)
			rc = privd_stmt_bind_text(st, (int)i + 1, ids[from + i]);
		rc = walk_stmt(st, rc, read, to);
	}
	return rc;
}

/* ---- the outbound queues (repo_queue.c): the notification outbox, the transfer batches ----
 *
 * A queue is a table with the columns status ('queued' while waiting), next_attempt_at (not before), lease_until
 * (held by a node until) and a text key; these functions are its claim, lease and release, the same for every
 * queue. */
struct queue_table {
	const char *table;   /* "notifications" */
	const char *id;      /* its key column, "notification_id" */
	const char *cols;    /* the columns a claim reads, the key first */
	const char *filter;  /* "" or more conditions on the due rows (" AND channel IN (?, ?)") */
	int nargs;           /* the filter's text parameters */
	const char *emptied; /* what a final outcome empties ("recipient_ct = NULL, body_ct = NULL") */
	const char *kept;    /* NULL, or a text column a retry may replace ("subject_ids") */
};

/* Whether any row of q is due at now (and passes its filter, with its nargs text arguments): a cheap read. */
enum privd_rc queue_any_due(struct privd_db *db, const struct queue_table *q, int64_t now, const char *const *args,
                            bool *any);
/* Claims at most limit due rows of q, oldest due first: each is read by read (to is its callback; the row's blobs
 * are valid during that call only) and gets lease_until; a stop asked for by read keeps the rows read so far.
 * Inside a transaction; on PostgreSQL the rows are selected FOR UPDATE SKIP LOCKED. */
enum privd_rc queue_claim(struct privd_db *db, const struct queue_table *q, int64_t now, const char *const *args,
                          int64_t lease_until, size_t limit,
                          enum privd_rc (*read)(struct privd_stmt *st, const struct walk_cb *to, bool *stop),
                          const struct walk_cb *to);
/* Moves the lease of row id while it is queued (0 releases it). */
enum privd_rc queue_lease(struct privd_db *db, const struct queue_table *q, const char *id, int64_t lease_until);
/* Records an attempt on row id while it is queued: attempts + 1, last_attempt_at now, the lease released, and status
 * SENT (sent_at now, last_error cleared) or FAILED (last_error error), each emptying q->emptied; or QUEUED, to be
 * tried again at next_at with last_error error and, when keep is not NULL, q->kept set to keep. PRIVD_ERR_NOT_FOUND
 * when the row is no longer queued. */
enum privd_rc queue_outcome(struct privd_db *db, const struct queue_table *q, const char *id,
                            enum privd_notice_status status, int64_t now, int64_t next_at, const char *error,
                            const char *keep);
/* Releases every lease of q: at start on SQLite, where this process is the only one. */
enum privd_rc queue_release_all(struct privd_db *db, const struct queue_table *q);

/* What the repositories remember for one transaction, in the memory the handle lends for it (privd_db_txn_state:
 * zeroed at every begin, commit, rollback and rollback to a savepoint; zeroed means nothing known). One struct for all
 * of them, since the handle lends one block. */
struct audit_head_cache {
	bool known;
	int64_t seq;
	char hash[65];
};
struct repo_txn_state {
	struct audit_head_cache audit; /* the audit chain's head as this transaction left it (repo.c) */
	char key_held[PRIVD_KID_HEX];  /* the master key this transaction checked current and holds, "" none
	                                  (repo_keys.c) */
};

static inline struct repo_txn_state *repo_txn(struct privd_db *db)
{
	return privd_db_txn_state(db, sizeof(struct repo_txn_state));
}

/* The reader of a row whose first column is an id (a key's, a subject's): to->fn.id gets it. */
static inline enum privd_rc id_row(struct privd_stmt *st, const struct walk_cb *to, bool *stop)
{
	char id[40];

	copy_col(st, 0, id, sizeof(id));
	*stop = to->fn.id(to->arg, id) != 0;
	return PRIVD_OK;
}

#endif
