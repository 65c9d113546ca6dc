/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * repo_console.c - the operator console's sessions.
 *
 * A session row holds no secret: the cookie and the CSRF token are known only by their keyed hashes, so a copy
 * of the database opens no console. A session is valid while it has not ended, has not expired and its API key
 * is still active: the lookup joins api_keys, so a revoked key's sessions stop answering in the same request
 * that revokes it, on every node, without a cache to clear.
 */
#include "store/repo.h"

#include <string.h>

#include "store/repo_int.h"

enum privd_rc privd_repo_console_session_insert(struct privd_db *db, const struct privd_console_session_row *row,
                                                const char *token_hash)
{
	return exec_sql(db,
	                "INSERT INTO console_sessions(session_id, token_hash, key_id, role, csrf_hash, created_at,"
	                " last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
	                "tttttiii", row->session_id, token_hash, row->key_id, row->role, row->csrf_hash,
	                row->created_at, row->last_seen_at, row->expires_at);
}

enum privd_rc privd_repo_console_session_by_hash(struct privd_db *db, const char *token_hash, int64_t now_ms,
                                                 struct privd_console_session_row *out)
{
	struct privd_stmt *st = NULL;
	enum privd_rc rc = query_one(db,
	                             "SELECT s.session_id, s.key_id, s.role, s.csrf_hash, s.created_at, s.last_seen_at,"
	                             " s.expires_at FROM console_sessions s JOIN api_keys k ON k.id = s.key_id"
	                             " WHERE s.token_hash = ? AND s.ended_at IS NULL AND s.expires_at > ?"
	                             " AND k.revoked_at IS NULL",
	                             &st, "ti", token_hash, now_ms);

	if (rc == PRIVD_OK) {
		memset(out, 0, sizeof(*out));
		copy_col(st, 0, out->session_id, sizeof(out->session_id));
		copy_col(st, 1, out->key_id, sizeof(out->key_id));
		copy_col(st, 2, out->role, sizeof(out->role));
		copy_col(st, 3, out->csrf_hash, sizeof(out->csrf_hash));
		out->created_at = privd_stmt_col_int64(st, 4);
		out->last_seen_at = privd_stmt_col_int64(st, 5);
		out->expires_at = privd_stmt_col_int64(st, 6);
	}
	privd_stmt_finalize(st);
	return rc;
}

enum privd_rc privd_repo_console_session_touch(struct privd_db *db, const char *session_id, int64_t now_ms)
{
	return exec_sql(db, "UPDATE console_sessions SET last_seen_at = ? WHERE session_id = ? AND last_seen_at < ?",
	                "iti", now_ms, session_id, now_ms);
}

enum privd_rc privd_repo_console_session_end(struct privd_db *db, const char *session_id, int64_t now_ms)
{
	return exec_update(db, "UPDATE console_sessions SET ended_at = ? WHERE session_id = ? AND ended_at IS NULL",
	                   "it", now_ms, session_id);
}

enum privd_rc privd_repo_console_sessions_end_key(struct privd_db *db, const char *key_id, int64_t now_ms)
{
	return exec_sql(db, "UPDATE console_sessions SET ended_at = ? WHERE key_id = ? AND ended_at IS NULL", "it",
	                now_ms, key_id);
}
