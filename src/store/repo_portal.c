/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * repo_portal.c - the person's portal sessions (see repo.h).
 *
 * A row is born as a link (the hash of a single-use token the app hands the person) and becomes a session when the
 * link is opened: one UPDATE that requires the link unused and fresh, so two clicks (or two nodes) cannot both open
 * it. Only hashes are stored. A session is read together with its subject's status, so an erased person's portal
 * closes without anything deleting its rows first.
 */
#include "store/repo.h"

#include <string.h>

#include "store/repo_int.h"

enum privd_rc privd_repo_portal_insert(struct privd_db *db, const struct privd_portal_row *row, const char *link_hash)
{
	return exec_sql(db,
	                "INSERT INTO portal_sessions(subject_id, session_id, link_hash, created_at, last_seen, used)"
	                " VALUES (?, ?, ?, ?, ?, 0)",
	                "tttii", row->subject_id, row->session_id, link_hash, row->created_at, row->created_at);
}

/* Runs sql with one text key and reads its row (subject_id, session_id, created_at, last_seen) into out. */
static enum privd_rc portal_one(struct privd_db *db, const char *sql, const char *key, struct privd_portal_row *out)
{
	struct privd_stmt *st = NULL;
	enum privd_rc rc = query_one(db, sql, &st, "t", key);

	if (rc == PRIVD_OK) {
		copy_col(st, 0, out->subject_id, sizeof(out->subject_id));
		copy_col(st, 1, out->session_id, sizeof(out->session_id));
		out->created_at = privd_stmt_col_int64(st, 2);
		out->last_seen = privd_stmt_col_int64(st, 3);
	}
	privd_stmt_finalize(st);
	return rc;
}

enum privd_rc privd_repo_portal_open(struct privd_db *db, const char *link_hash, const char *token_hash,
                                     int64_t created_after, int64_t now_ms, struct privd_portal_row *out)
{
	enum privd_rc rc = exec_update(db,
	                               "UPDATE portal_sessions SET used = 1, token_hash = ?, last_seen = ?"
	                               " WHERE link_hash = ? AND used = 0 AND created_at > ?",
	                               "titi", token_hash, now_ms, link_hash, created_after);

	if (rc != PRIVD_OK)
		return rc;
	return portal_one(
	    db, "SELECT subject_id, session_id, created_at, last_seen FROM portal_sessions WHERE link_hash = ?",
	    link_hash, out);
}

enum privd_rc privd_repo_portal_by_token(struct privd_db *db, const char *token_hash, struct privd_portal_row *out)
{
	return portal_one(db,
	                  "SELECT p.subject_id, p.session_id, p.created_at, p.last_seen FROM portal_sessions p"
	                  " JOIN subjects s ON s.subject_id = p.subject_id"
	                  " WHERE p.token_hash = ? AND p.used = 1 AND s.status <> 'erased'",
	                  token_hash, out);
}

enum privd_rc privd_repo_portal_touch(struct privd_db *db, const char *session_id, int64_t now_ms)
{
	return exec_sql(db, "UPDATE portal_sessions SET last_seen = ? WHERE session_id = ? AND last_seen < ?", "iti",
	                now_ms, session_id, now_ms);
}

enum privd_rc privd_repo_portal_delete(struct privd_db *db, const char *session_id)
{
	return exec_update(db, "DELETE FROM portal_sessions WHERE session_id = ?", "t", session_id);
}

enum privd_rc privd_repo_request_subject(struct privd_db *db, const char *request_id, char subject_id[33])
{
	return query_text(db, "SELECT subject_id FROM requests WHERE request_id = ?", request_id, subject_id, 33);
}
