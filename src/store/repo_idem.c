/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * repo_idem.c - the responses kept for Idempotency-Key replays (see repo_idem.h).
 *
 * The pair (scope, key hash) is the primary key: two requests with one key, on two nodes of a cluster, cannot both
 * commit, because the second's claim is a unique violation inside its own write's transaction, which rolls that
 * write back. An expired row is deleted by the claim that reuses its pair, so a sweep that has not run yet never
 * refuses a key that has lapsed.
 */
#include "store/repo_idem.h"

#include <string.h>

#include "store/repo_int.h"

enum privd_rc privd_repo_idem_claim(struct privd_db *db, const struct privd_idem_row *row, int64_t expired_before)
{
	enum privd_rc rc =
	    exec_sql(db, "DELETE FROM idempotency_keys WHERE scope = ? AND key_hash = ? AND created_at < ?", "tti",
	             row->scope, row->key_hash, expired_before);

	if (rc != PRIVD_OK)
		return rc;
	return exec_sql(db,
	                "INSERT INTO idempotency_keys(scope, key_hash, record_id, request_hash, created_at, status)"
	                " VALUES (?, ?, ?, ?, ?, 0)",
	                "tttti", row->scope, row->key_hash, row->record_id, row->request_hash, row->created_at);
}

enum privd_rc privd_repo_idem_insert(struct privd_db *db, const struct privd_idem_row *row, int64_t expired_before)
{
	enum privd_rc rc = privd_repo_idem_claim(db, row, expired_before);

	return rc == PRIVD_OK ? privd_repo_idem_respond(db, row) : rc;
}

enum privd_rc privd_repo_idem_get(struct privd_db *db, const char *scope, const char *key_hash, int64_t not_before,
                                  struct privd_idem_row *out)
{
	struct privd_stmt *st = NULL;
	enum privd_rc rc = query_one(db,
	                             "SELECT record_id, request_hash, created_at, status, content_type, location, etag,"
	                             " sealed_by, body_ct FROM idempotency_keys"
	                             " WHERE scope = ? AND key_hash = ? AND created_at >= ?",
	                             &st, "tti", scope, key_hash, not_before);

	memset(out, 0, sizeof(*out));
	if (rc == PRIVD_OK) {
		snprintf(out->scope, sizeof(out->scope), "%s", scope);
		snprintf(out->key_hash, sizeof(out->key_hash), "%s", key_hash);
		copy_col(st, 0, out->record_id, sizeof(out->record_id));
		copy_col(st, 1, out->request_hash, sizeof(out->request_hash));
		out->created_at = privd_stmt_col_int64(st, 2);
		out->status = (int)privd_stmt_col_int64(st, 3);
		copy_col(st, 4, out->content_type, sizeof(out->content_type));
		copy_col(st, 5, out->location, sizeof(out->location));
		copy_col(st, 6, out->etag, sizeof(out->etag));
		copy_col(st, 7, out->sealed_by, sizeof(out->sealed_by));
		rc = blob_col(st, 8, &out->body);
	}
	privd_stmt_finalize(st);
	return rc;
}

enum privd_rc privd_repo_idem_respond(struct privd_db *db, const struct privd_idem_row *row)
{
	return exec_update(db,
	                   "UPDATE idempotency_keys SET status = ?, content_type = ?, location = ?, etag = ?,"
	                   " sealed_by = ?, body_ct = ? WHERE record_id = ?",
	                   "iTTTTBt", (int64_t)row->status, row->content_type, row->location, row->etag, row->sealed_by,
	                   &row->body, row->record_id);
}

enum privd_rc privd_repo_idem_expired(struct privd_db *db, int64_t expired_before, size_t max, char (*ids)[33],
                                      char (*sealed_by)[40], size_t *n)
{
	struct privd_stmt *st = NULL;
	enum privd_rc rc = privd_db_prepare(db,
	                                    "SELECT record_id, sealed_by FROM idempotency_keys WHERE created_at < ?"
	                                    " ORDER BY created_at LIMIT ?",
	                                    &st);
	int r = PRIVD_DB_DONE;

	*n = 0;
	if (rc == PRIVD_OK)
		rc = bind_at(st, 1, "ii", expired_before, (int64_t)max);
	while (rc == PRIVD_OK && *n < max && (r = privd_stmt_step(st)) == PRIVD_DB_ROW) {
		copy_col(st, 0, ids[*n], sizeof(ids[0]));
		copy_col(st, 1, sealed_by[*n], sizeof(sealed_by[0]));
		(*n)++;
	}
	if (rc == PRIVD_OK && r != PRIVD_DB_ROW && r != PRIVD_DB_DONE)
		rc = (enum privd_rc)r;
	privd_stmt_finalize(st);
	return rc;
}

enum privd_rc privd_repo_idem_delete(struct privd_db *db, const char *record_id)
{
	return exec_sql(db, "DELETE FROM idempotency_keys WHERE record_id = ?", "t", record_id);
}
