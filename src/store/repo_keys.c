/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * repo_keys.c - the keystore's queries: the wrapped data keys, and the master keys they are wrapped under.
 *
 * What shaped it is a master key rotation running while privd serves, possibly on several nodes at once. Each data
 * key row names its master key (kid). A key is stored only while its kid is the current master key, checked in the
 * INSERT itself; a rotation first makes the new key current (switch), then wraps every key of the old one again in
 * small batches (under / rewrap), then retires the old one in a statement that succeeds only when no key is left
 * under it (retire). So a key stored under the old one after the switch is refused (the caller wraps it again
 * under the new one), and none can appear under a retired one. On SQLite transactions never overlap, so that is
 * the whole argument. On PostgreSQL a transaction that stored a key under the old one may still be uncommitted
 * when the switch commits, and the batches would not see its key: so the INSERT takes a share lock on its master
 * key's row (FOR SHARE), and the switch, which updates that row, waits until every such transaction has ended.
 */
#include <stdio.h>
#include <string.h>

#include "core/str.h"
#include "store/repo.h"
#include "store/repo_int.h"

#define HOLD_SQL "SELECT state FROM master_keys WHERE kid = ?"

/* Checks that master key kid is current and holds it so until the transaction ends (on PostgreSQL a share lock on its
 * row, which a rotation's UPDATE waits for; on SQLite the writing transaction holds the whole database): once per
 * transaction, not once per key put. PRIVD_ERR_NOT_FOUND when it is not current. Inside a writer's pipeline the
 * answer is judged at the sync (a key no longer current fails the group, which then runs job by job and lands
 * here unpipelined). */
static enum privd_rc hold_current(struct privd_db *ks, const char *kid)
{
	struct repo_txn_state *t = repo_txn(ks);
	struct privd_stmt *st = NULL;
	enum privd_rc rc;

	if (t != NULL && t->key_held[0] != '\0' && strcmp(t->key_held, kid) == 0)
		return PRIVD_OK;
	rc = privd_db_prepare(ks, privd_db_engine(ks) == PRIVD_DB_POSTGRES ? HOLD_SQL " FOR SHARE" : HOLD_SQL, &st);
	if (rc == PRIVD_OK)
		rc = privd_stmt_bind_text(st, 1, kid);
	if (rc == PRIVD_OK)
		rc = privd_stmt_expect(st, "current");
	privd_stmt_finalize(st);
	if (rc == PRIVD_ERR_CONFLICT)
		rc = PRIVD_ERR_NOT_FOUND; /* retiring or retired */
	if (rc == PRIVD_OK && t != NULL)
		privd_str_copy(t->key_held, sizeof(t->key_held), kid);
	return rc;
}

enum privd_rc privd_repo_key_put(struct privd_db *ks, const char *subject_id, const uint8_t *wrapped, size_t len,
                                 int64_t now_ms, const char *kid)
{
	enum privd_rc rc = hold_current(ks, kid);

	/* a plain insert: in a writer's pipeline the group's inserts go as one statement (pg_pipe.c) */
	if (rc == PRIVD_OK)
		rc = exec_sql(ks, "INSERT INTO data_keys(subject_id, wrapped, created_at, kid) VALUES (?, ?, ?, ?)",
		              "tbit", subject_id, (const void *)wrapped, len, now_ms, kid);
	return rc;
}

enum privd_rc privd_repo_key_get(struct privd_db *ks, const char *subject_id, struct privd_blob *wrapped, char *kid)
{
	struct privd_stmt *st = NULL;
	enum privd_rc rc =
	    query_one(ks, "SELECT wrapped, kid FROM data_keys WHERE subject_id = ?", &st, "t", subject_id);

	wrapped->data = NULL;
	wrapped->len = 0;
	kid[0] = '\0';
	if (rc == PRIVD_OK)
		rc = blob_col(st, 0, wrapped);
	if (rc == PRIVD_OK && wrapped->len == 0)
		rc = PRIVD_ERR_NOT_FOUND;
	if (rc == PRIVD_OK)
		copy_col(st, 1, kid, PRIVD_KID_HEX);
	privd_stmt_finalize(st);
	return rc;
}

static enum privd_rc key_row(struct privd_stmt *st, const struct walk_cb *to, bool *stop)
{
	char id[40];
	char kid[PRIVD_KID_HEX];
	struct privd_blob w;

	copy_col(st, 0, id, sizeof(id));
	blob_view(st, 1, &w);
	copy_col(st, 2, kid, sizeof(kid));
	*stop = to->fn.key(to->arg, id, w.data, w.len, kid) != 0;
	return PRIVD_OK;
}

enum privd_rc privd_repo_key_get_many(struct privd_db *ks, const char *const *ids, size_t n,
                                      int (*cb)(void *arg, const char *id, const uint8_t *wrapped, size_t len,
                                                const char *kid),
                                      void *arg)
{
	const struct walk_cb to = {.fn.key = cb, .arg = arg};

	return walk_in_list(ks, "SELECT subject_id, wrapped, kid FROM data_keys WHERE subject_id IN (",
	                    ") ORDER BY subject_id", ids, n, key_row, &to);
}

enum privd_rc privd_repo_key_list(struct privd_db *ks, int (*cb)(void *arg, const char *id), void *arg)
{
	const struct walk_cb to = {.fn.id = cb, .arg = arg};

	return walk_rows(ks, "SELECT subject_id FROM data_keys", id_row, &to, "");
}

enum privd_rc privd_repo_key_delete(struct privd_db *ks, const char *subject_id)
{
	return exec_sql(ks, "DELETE FROM data_keys WHERE subject_id = ?", "t", subject_id);
}

enum privd_rc privd_repo_key_under(struct privd_db *ks, const char *kid, size_t limit,
                                   int (*cb)(void *arg, const char *id, const uint8_t *wrapped, size_t len), void *arg)
{
	struct privd_stmt *st = NULL;
	enum privd_rc rc;
	int r = PRIVD_DB_DONE;

	if (kid[0] == '\0')
		rc = privd_db_prepare(ks, "SELECT subject_id, wrapped FROM data_keys WHERE kid IS NULL LIMIT ?", &st);
	else
		rc = privd_db_prepare(ks, "SELECT subject_id, wrapped FROM data_keys WHERE kid = ? LIMIT ?", &st);
	if (rc == PRIVD_OK && kid[0] != '\0')
		rc = bind_at(st, 1, "ti", kid, sql_limit(limit));
	else if (rc == PRIVD_OK)
		rc = bind_at(st, 1, "i", sql_limit(limit));
	while (rc == PRIVD_OK && (r = privd_stmt_step(st)) == PRIVD_DB_ROW) {
		struct privd_blob w;

		blob_view(st, 1, &w);
		if (cb(arg, privd_stmt_col_text(st, 0), w.data, w.len) != 0)
			break;
	}
	if (rc == PRIVD_OK && r != PRIVD_DB_ROW && r != PRIVD_DB_DONE)
		rc = (enum privd_rc)r;
	privd_stmt_finalize(st);
	return rc;
}

enum privd_rc privd_repo_key_rewrap(struct privd_db *ks, const char *id, const uint8_t *wrapped, size_t len,
                                    const char *kid)
{
	return exec_sql(ks, "UPDATE data_keys SET wrapped = ?, kid = ? WHERE subject_id = ?", "btt",
	                (const void *)wrapped, len, kid, id);
}

enum privd_rc privd_repo_key_counts(struct privd_db *ks, int (*cb)(void *arg, const char *kid, int64_t n), void *arg)
{
	struct privd_stmt *st = NULL;
	enum privd_rc rc = privd_db_prepare(ks, "SELECT kid, COUNT(*) FROM data_keys GROUP BY kid ORDER BY kid", &st);
	int r = PRIVD_DB_DONE;

	while (rc == PRIVD_OK && (r = privd_stmt_step(st)) == PRIVD_DB_ROW) {
		const char *kid = privd_stmt_col_text(st, 0);

		if (cb(arg, kid != NULL ? kid : "", privd_stmt_col_int64(st, 1)) != 0)
			break;
	}
	if (rc == PRIVD_OK && r != PRIVD_DB_ROW && r != PRIVD_DB_DONE)
		rc = (enum privd_rc)r;
	privd_stmt_finalize(st);
	return rc;
}

/* ---- master keys ---- */

enum privd_rc privd_repo_master_key_list(struct privd_db *ks,
                                         int (*cb)(void *arg, const struct privd_master_key_row *row), void *arg)
{
	struct privd_stmt *st = NULL;
	enum privd_rc rc = privd_db_prepare(
	    ks, "SELECT kid, state, created_at, retired_at FROM master_keys ORDER BY created_at, kid", &st);
	int r = PRIVD_DB_DONE;

	while (rc == PRIVD_OK && (r = privd_stmt_step(st)) == PRIVD_DB_ROW) {
		struct privd_master_key_row row;

		memset(&row, 0, sizeof(row));
		copy_col(st, 0, row.kid, sizeof(row.kid));
		rc = state_col(privd_master_key_state_parse(privd_stmt_col_text(st, 1), &row.state));
		row.created_at = privd_stmt_col_int64(st, 2);
		row.retired_at = privd_stmt_col_int64(st, 3);
		if (rc == PRIVD_OK && cb(arg, &row) != 0)
			break;
	}
	if (rc == PRIVD_OK && r != PRIVD_DB_ROW && r != PRIVD_DB_DONE)
		rc = (enum privd_rc)r;
	privd_stmt_finalize(st);
	return rc;
}

enum privd_rc privd_repo_master_key_adopt(struct privd_db *ks, const char *kid, int64_t now_ms)
{
	enum privd_rc rc = exec_sql(ks,
	                            "INSERT INTO master_keys(kid, state, created_at) SELECT ?, 'current', ?"
	                            " WHERE NOT EXISTS (SELECT 1 FROM master_keys)",
	                            "ti", kid, now_ms);

	return rc == PRIVD_ERR_CONFLICT ? PRIVD_OK : rc; /* two nodes adopting the same key at once */
}

enum privd_rc privd_repo_master_key_switch(struct privd_db *ks, const char *from, const char *next, int64_t now_ms)
{
	struct repo_txn_state *t = repo_txn(ks);
	enum privd_rc rc =
	    exec_update(ks, "UPDATE master_keys SET state = 'retiring' WHERE kid = ? AND state = 'current'", "t", from);

	/* the key this transaction checked current may be current no more: a later put checks again (a writer's group
	 * can hold a switch between two registrations) */
	if (t != NULL)
		t->key_held[0] = '\0';

	if (rc == PRIVD_ERR_NOT_FOUND)
		return PRIVD_ERR_CONFLICT;
	if (rc == PRIVD_OK)
		rc = exec_sql(ks, "INSERT INTO master_keys(kid, state, created_at) VALUES (?, 'current', ?)", "ti",
		              next, now_ms);
	return rc;
}

enum privd_rc privd_repo_master_key_hold(struct privd_db *ks, const char *kid)
{
	return hold_current(ks, kid);
}

enum privd_rc privd_repo_master_key_retire(struct privd_db *ks, const char *kid, int64_t now_ms)
{
	enum privd_rc rc = exec_update(ks,
	                               "UPDATE master_keys SET state = 'retired', retired_at = ?"
	                               " WHERE kid = ? AND state = 'retiring' AND NOT EXISTS"
	                               " (SELECT 1 FROM data_keys WHERE kid = ? OR kid IS NULL)",
	                               "itt", now_ms, kid, kid);

	return rc == PRIVD_ERR_NOT_FOUND ? PRIVD_ERR_CONFLICT : rc;
}
