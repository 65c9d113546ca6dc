/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * repo_requests.c - the repositories of rights requests (repo.h, migration 2): requests, their sealed scans,
 * erasure and scheduled erasure (the outbox's queries are repo_outbox.c).
 *
 * Shaped by what erasure must guarantee rather than by load: requests are few and slow (days, by law), but
 * once a person is erased no row may still hold anything of theirs. So every column that can hold their data
 * is sealed under their key and named here once, in privd_repo_subject_erase, which deletes or empties all of
 * them in the caller's transaction and leaves only a tombstone and non-PII facts (types, statuses, dates) for
 * the audit trail (an inquiry's question and answer are sealed columns like the rest). Scheduled erasures are picked by
 * several nodes at once on PostgreSQL, hence SKIP LOCKED.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/repo_int.h"

void privd_request_row_clear(struct privd_request_row *row)
{
	if (row == NULL)
		return;
	privd_blob_clear(&row->details_ct);
	privd_blob_clear(&row->reason_ct);
	privd_blob_clear(&row->answer_ct);
}

/* ---- helpers ---- */

/* Reads a blob column copied (owned by the row) or viewed (valid during a callback only). */
static enum privd_rc blob_read(struct privd_stmt *st, int col, bool copy, struct privd_blob *b)
{
	if (copy)
		return blob_col(st, col, b);
	blob_view(st, col, b);
	return PRIVD_OK;
}

/* ---- requests ---- */

#define REQUEST_COLS                                                                                                   \
	"request_id, subject_id, type, status, details_ct, reason_ct, result, created_at, received_at, due_date,"      \
	" due_estimated, extended, decided_at, completed_at, updated_at, doc_type, doc_size, doc_sha256, answer_ct,"   \
	" due_working_days, estimated_year"

/* Fills out from a row of REQUEST_COLS. With copy false the blobs point into the statement, and only an unknown
 * type or status (PRIVD_ERR_DB) can fail it. */
static enum privd_rc request_from(struct privd_stmt *st, bool copy, struct privd_request_row *out)
{
	enum privd_rc rc;

	memset(out, 0, sizeof(*out));
	copy_col(st, 0, out->id, sizeof(out->id));
	copy_col(st, 1, out->subject_id, sizeof(out->subject_id));
	copy_col(st, 6, out->result, sizeof(out->result));
	out->created_at = privd_stmt_col_int64(st, 7);
	out->received_at = privd_stmt_col_int64(st, 8);
	copy_col(st, 9, out->due_date, sizeof(out->due_date));
	out->due_estimated = privd_stmt_col_int64(st, 10) != 0;
	out->extended = privd_stmt_col_int64(st, 11) != 0;
	out->decided_at = privd_stmt_col_int64(st, 12);
	out->completed_at = privd_stmt_col_int64(st, 13);
	out->updated_at = privd_stmt_col_int64(st, 14);
	copy_col(st, 15, out->doc_type, sizeof(out->doc_type));
	out->doc_size = privd_stmt_col_int64(st, 16);
	copy_col(st, 17, out->doc_sha256, sizeof(out->doc_sha256));
	out->due_working_days = (int)privd_stmt_col_int64(st, 19);
	out->estimated_year = (int)privd_stmt_col_int64(st, 20);
	rc = state_col(privd_request_type_parse(privd_stmt_col_text(st, 2), &out->type));
	if (rc == PRIVD_OK)
		rc = state_col(privd_request_status_parse(privd_stmt_col_text(st, 3), &out->status));
	if (rc == PRIVD_OK)
		rc = blob_read(st, 4, copy, &out->details_ct);
	if (rc == PRIVD_OK)
		rc = blob_read(st, 5, copy, &out->reason_ct);
	if (rc == PRIVD_OK)
		rc = blob_read(st, 18, copy, &out->answer_ct);
	if (rc != PRIVD_OK && copy)
		privd_request_row_clear(out);
	return rc;
}

/* The columns an insert and an update of a request both write, as the first parameters: status, details_ct,
 * reason_ct, result, received_at, due_date, due_estimated, extended, decided_at, completed_at, updated_at,
 * doc_type, doc_size (0, no scan, as NULL), doc_sha256, answer_ct, due_working_days and estimated_year (0 as NULL)
 * (bind_va types, then the arguments for a row r). */
#define REQUEST_SET_TYPES "tBBtmTiimmiTmTBmm"
#define REQUEST_SET_ARGS(r)                                                                                            \
	privd_request_status_name((r)->status), &(r)->details_ct, &(r)->reason_ct,                                     \
	    (r)->result[0] != '\0' ? (r)->result : "{}", (r)->received_at, (r)->due_date,                              \
	    (int64_t)((r)->due_estimated ? 1 : 0), (int64_t)((r)->extended ? 1 : 0), (r)->decided_at,                  \
	    (r)->completed_at, (r)->updated_at, (r)->doc_type, (r)->doc_size, (r)->doc_sha256, &(r)->answer_ct,        \
	    (int64_t)(r)->due_working_days, (int64_t)(r)->estimated_year

enum privd_rc privd_repo_request_insert(struct privd_db *db, const struct privd_request_row *row)
{
	return exec_sql(db,
	                "INSERT INTO requests(status, details_ct, reason_ct, result, received_at,"
	                " due_date, due_estimated, extended, decided_at, completed_at, updated_at,"
	                " doc_type, doc_size, doc_sha256, answer_ct, due_working_days, estimated_year,"
	                " request_id, subject_id, type, created_at)"
	                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	                REQUEST_SET_TYPES "ttti", REQUEST_SET_ARGS(row), row->id, row->subject_id,
	                privd_request_type_name(row->type), row->created_at);
}

enum privd_rc privd_repo_request_update(struct privd_db *db, const struct privd_request_row *row)
{
	return exec_update(db,
	                   "UPDATE requests SET status = ?, details_ct = ?, reason_ct = ?, result = ?,"
	                   " received_at = ?, due_date = ?, due_estimated = ?, extended = ?,"
	                   " decided_at = ?, completed_at = ?, updated_at = ?, doc_type = ?,"
	                   " doc_size = ?, doc_sha256 = ?, answer_ct = ?, due_working_days = ?,"
	                   " estimated_year = ? WHERE request_id = ?",
	                   REQUEST_SET_TYPES "t", REQUEST_SET_ARGS(row), row->id);
}

enum privd_rc privd_repo_request_get(struct privd_db *db, const char *id, struct privd_request_row *out)
{
	struct privd_stmt *st = NULL;
	enum privd_rc rc;

	memset(out, 0, sizeof(*out));
	rc = query_one(db, "SELECT " REQUEST_COLS " FROM requests WHERE request_id = ?", &st, "t", id);
	if (rc == PRIVD_OK)
		rc = request_from(st, true, out);
	privd_stmt_finalize(st);
	return rc;
}

enum privd_rc privd_repo_request_last_created(struct privd_db *db, int64_t *ms)
{
	struct privd_stmt *st = NULL;
	enum privd_rc rc = query_one(db, "SELECT MAX(created_at) FROM requests", &st, "");

	*ms = 0;
	if (rc == PRIVD_OK && !privd_stmt_col_is_null(st, 0))
		*ms = privd_stmt_col_int64(st, 0);
	privd_stmt_finalize(st);
	return rc;
}

/* The list query for a filter: fixed fragments only, one text per combination of the optional conditions (32
 * at most), so each is prepared once per connection like any other statement. Values are always bound. */
static void request_list_sql(const struct privd_request_filter *f, char *sql, size_t size)
{
	snprintf(sql, size,
	         "SELECT " REQUEST_COLS " FROM requests WHERE created_at > ?%s%s%s%s%s"
	         " ORDER BY created_at, request_id LIMIT ?",
	         f->by_status ? " AND status = ?" : "", f->subject_id != NULL ? " AND subject_id = ?" : "",
	         f->due_before != NULL ? " AND due_date < ?" : "",
	         f->open_only ? " AND status NOT IN ('completed', 'rejected')" : "",
	         f->estimated_only ? " AND due_estimated = 1" : "");
}

static enum privd_rc request_row(struct privd_stmt *st, const struct walk_cb *to, bool *stop)
{
	struct privd_request_row row;
	enum privd_rc rc = request_from(st, false, &row);

	if (rc == PRIVD_OK)
		*stop = to->fn.request(to->arg, &row) != 0;
	return rc;
}

enum privd_rc privd_repo_request_list(struct privd_db *db, const struct privd_request_filter *f,
                                      int (*cb)(void *arg, const struct privd_request_row *row), void *arg)
{
	static const struct privd_request_filter all = {0};
	const struct walk_cb to = {.fn.request = cb, .arg = arg};
	struct privd_stmt *st = NULL;
	char sql[768];
	enum privd_rc rc;
	int idx = 1;

	if (f == NULL)
		f = &all;
	request_list_sql(f, sql, sizeof(sql));
	rc = privd_db_prepare(db, sql, &st);
	/* 0 means from the start, which includes a row created at time 0 */
	if (rc == PRIVD_OK)
		rc = privd_stmt_bind_int64(st, idx++, f->after_created != 0 ? f->after_created : INT64_MIN);
	if (rc == PRIVD_OK && f->by_status)
		rc = privd_stmt_bind_text(st, idx++, privd_request_status_name(f->status));
	if (rc == PRIVD_OK && f->subject_id != NULL)
		rc = privd_stmt_bind_text(st, idx++, f->subject_id);
	if (rc == PRIVD_OK && f->due_before != NULL)
		rc = privd_stmt_bind_text(st, idx++, f->due_before);
	if (rc == PRIVD_OK)
		rc = privd_stmt_bind_int64(st, idx, sql_limit(f->limit));
	return walk_stmt(st, rc, request_row, &to);
}

/* ---- request documents ---- */

enum privd_rc privd_repo_document_put(struct privd_db *db, const char *request_id, const char *subject_id,
                                      const uint8_t *ct, size_t len, int64_t now_ms)
{
	if (ct == NULL || len == 0)
		return PRIVD_ERR_INVALID;
	return exec_sql(db,
	                "INSERT INTO request_documents(request_id, subject_id, doc_ct, uploaded_at)"
	                " VALUES (?, ?, ?, ?) ON CONFLICT (request_id) DO UPDATE SET"
	                " subject_id = excluded.subject_id, doc_ct = excluded.doc_ct,"
	                " uploaded_at = excluded.uploaded_at",
	                "ttbi", request_id, subject_id, (const void *)ct, len, now_ms);
}

enum privd_rc privd_repo_document_get(struct privd_db *db, const char *request_id, struct privd_blob *ct)
{
	return query_blob(db, "SELECT doc_ct FROM request_documents WHERE request_id = ?", request_id, ct);
}

/* ---- erasure ---- */

enum privd_rc privd_repo_subject_erase(struct privd_db *db, const char *subject_id, int64_t now_ms)
{
	/* After the tombstone (which says whether the subject exists), every other row holding their data. */
	static const char *const rest[] = {
	    "DELETE FROM consents WHERE subject_id = ?",
	    /* a visitor is no one until linked; once linked, its choices are the person's */
	    "DELETE FROM cookie_consents WHERE visitor_id IN (SELECT visitor_id FROM cookie_visitors WHERE subject_id "
	    "= ?)",
	    "DELETE FROM cookie_visitors WHERE subject_id = ?",
	    "DELETE FROM request_documents WHERE subject_id = ?",
	    "UPDATE requests SET details_ct = NULL, reason_ct = NULL, answer_ct = NULL WHERE subject_id = ?",
	    /* sent ones keep their record; queued ones are cancelled (their message keys are destroyed too) */
	    ("UPDATE notifications SET recipient_ct = NULL, body_ct = NULL,"
	     " status = CASE WHEN status = 'queued' THEN 'cancelled' ELSE status END WHERE subject_id = ?"),
	};
	struct privd_stored_bidx was;
	bool own, noted = false;
	enum privd_rc rc = privd_repo_bidx_txn_begin(db, &own);

	if (rc == PRIVD_OK && privd_db_bidx(db)) {
		rc = privd_repo_bidx_read(db, subject_id, &was);
		noted = rc == PRIVD_OK;
		if (rc == PRIVD_ERR_NOT_FOUND) /* the UPDATE says so */
			rc = PRIVD_OK;
	}
	if (rc != PRIVD_OK)
		return privd_repo_bidx_txn_end(db, own, rc);
	rc = exec_update(db,
	                 "UPDATE subjects SET status = 'erased', residence_country = '',"
	                 " email_bidx = NULL, phone_bidx = NULL, name_ct = NULL, email_ct = NULL,"
	                 " phone_ct = NULL, ip_ct = NULL, birth_date_ct = NULL, erase_after = NULL,"
	                 " revoked_from = NULL,"
	                 " legal_hold_reason = NULL, legal_hold_reason_ct = NULL, language = NULL,"
	                 " updated_at = ?"
	                 " WHERE subject_id = ?",
	                 "it", now_ms, subject_id);
	if (rc == PRIVD_OK && noted)
		rc = privd_repo_bidx_note(db, was.rowid, &was, NULL, NULL);
	for (size_t i = 0; rc == PRIVD_OK && i < sizeof(rest) / sizeof(rest[0]); i++)
		rc = exec_sql(db, rest[i], "t", subject_id);
	return privd_repo_bidx_txn_end(db, own, rc);
}

enum privd_rc privd_repo_subject_schedule_erasure(struct privd_db *db, const char *subject_id, int64_t erase_after)
{
	return exec_update(db, "UPDATE subjects SET erase_after = ? WHERE subject_id = ?", "mt", erase_after,
	                   subject_id);
}

enum privd_rc privd_repo_subject_revoke(struct privd_db *db, const char *subject_id, int64_t erase_after,
                                        int64_t now_ms)
{
	/* every SET expression reads the row as it was: revoked_from takes the status being left */
	return exec_update(db,
	                   "UPDATE subjects SET revoked_from = CASE WHEN status = 'revoked' THEN revoked_from"
	                   " ELSE status END, status = 'revoked', erase_after = ?, updated_at = ?"
	                   " WHERE subject_id = ? AND status <> 'erased'",
	                   "mit", erase_after, now_ms, subject_id);
}

enum privd_rc privd_repo_subject_restore(struct privd_db *db, const char *subject_id, int64_t now_ms,
                                         enum privd_subject_status *restored)
{
	enum privd_rc rc = exec_update(db,
	                               "UPDATE subjects SET status = COALESCE(revoked_from, 'active'),"
	                               " revoked_from = NULL, erase_after = NULL, updated_at = ?"
	                               " WHERE subject_id = ? AND status = 'revoked'",
	                               "it", now_ms, subject_id);

	if (rc == PRIVD_OK)
		rc = privd_repo_subject_status(db, subject_id, restored);
	return rc;
}

enum privd_rc privd_repo_subject_legal_hold(struct privd_db *db, const char *subject_id, bool hold,
                                            const struct privd_blob *reason_ct, int64_t now_ms)
{
	/* the reason is the hold's: lifting the hold clears it, and a plain one left from before migration 11 too */
	return exec_update(db,
	                   "UPDATE subjects SET legal_hold = ?, legal_hold_reason_ct = ?, legal_hold_reason = NULL,"
	                   " updated_at = ? WHERE subject_id = ?",
	                   "iBit", (int64_t)(hold ? 1 : 0), hold ? reason_ct : NULL, now_ms, subject_id);
}

enum privd_rc privd_repo_subject_plain_hold_reasons(struct privd_db *db, int64_t at, size_t limit,
                                                    int (*cb)(void *arg, const char *subject_id), void *arg)
{
	const struct walk_cb to = {.fn.id = cb, .arg = arg};

	return walk_rows(db,
	                 "SELECT subject_id FROM subjects WHERE legal_hold_reason IS NOT NULL AND updated_at <= ?"
	                 " ORDER BY subject_id LIMIT ?",
	                 id_row, &to, "ii", at, (int64_t)limit);
}

enum privd_rc privd_repo_subject_plain_hold_reason(struct privd_db *db, const char *subject_id, char *dst, size_t size)
{
	enum privd_rc rc =
	    query_text(db, "SELECT legal_hold_reason FROM subjects WHERE subject_id = ?", subject_id, dst, size);

	return rc == PRIVD_OK && dst[0] == '\0' ? PRIVD_ERR_NOT_FOUND : rc;
}

enum privd_rc privd_repo_subject_hold_reason_seal(struct privd_db *db, const char *subject_id,
                                                  const struct privd_blob *reason_ct)
{
	return exec_update(db,
	                   "UPDATE subjects SET legal_hold_reason_ct = ?, legal_hold_reason = NULL"
	                   " WHERE subject_id = ? AND legal_hold_reason IS NOT NULL",
	                   "Bt", reason_ct, subject_id);
}

enum privd_rc privd_repo_subject_sched_get(struct privd_db *db, const char *subject_id, struct privd_subject_sched *out)
{
	struct privd_stmt *st = NULL;
	enum privd_rc rc;

	memset(out, 0, sizeof(*out));
	rc = query_one(db, "SELECT erase_after, legal_hold FROM subjects WHERE subject_id = ?", &st, "t", subject_id);
	if (rc == PRIVD_OK) {
		out->erase_after = privd_stmt_col_int64(st, 0);
		out->legal_hold = privd_stmt_col_int64(st, 1) != 0;
	}
	privd_stmt_finalize(st);
	return rc;
}

/* Oldest due first. PostgreSQL locks the rows it hands out so that two nodes never erase the same subject. */
#define DUE_ERASURES_SQL                                                                                               \
	"SELECT subject_id FROM subjects WHERE erase_after IS NOT NULL AND erase_after <= ? AND legal_hold = 0"        \
	" ORDER BY erase_after, subject_id LIMIT ?"

enum privd_rc privd_repo_subject_due_erasures(struct privd_db *db, int64_t now_ms, size_t limit,
                                              int (*cb)(void *arg, const char *subject_id), void *arg)
{
	const struct walk_cb to = {.fn.id = cb, .arg = arg};

	return walk_rows(db,
	                 privd_db_engine(db) == PRIVD_DB_POSTGRES ? DUE_ERASURES_SQL " FOR UPDATE SKIP LOCKED"
	                                                          : DUE_ERASURES_SQL,
	                 id_row, &to, "ii", now_ms, sql_limit(limit));
}
