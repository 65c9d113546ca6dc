/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * repo.c - the repositories of repo.h: every SQL statement of privd, written once over db.h for both engines.
 *
 * Shaped by the hot paths: API key lookup on every request, consent state on every check, and the
 * registration job the writer runs thousands of times a second. Each function is a few fixed SQL strings, so
 * the drivers' prepared-statement caches turn them into one parse per connection. Repositories only see
 * ciphertext and blind indexes; absent values (empty blob, "" index) are stored as NULL so that UNIQUE on a
 * blind index allows any number of subjects without an e-mail or phone.
 */
#include "store/repo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/repo_int.h"

void privd_blob_clear(struct privd_blob *b)
{
	if (b == NULL)
		return;
	if (b->data != NULL) {
		explicit_bzero(b->data, b->len);
		free(b->data);
	}
	b->data = NULL;
	b->len = 0;
}

enum privd_rc privd_blob_copy(struct privd_blob *dst, const struct privd_blob *src)
{
	dst->data = NULL;
	dst->len = 0;
	if (src->data == NULL)
		return PRIVD_OK;
	dst->data = malloc(src->len > 0 ? src->len : 1);
	if (dst->data == NULL)
		return PRIVD_ERR_NOMEM;
	memcpy(dst->data, src->data, src->len);
	dst->len = src->len;
	return PRIVD_OK;
}

void privd_subject_row_clear(struct privd_subject_row *row)
{
	if (row == NULL)
		return;
	privd_blob_clear(&row->name_ct);
	privd_blob_clear(&row->email_ct);
	privd_blob_clear(&row->phone_ct);
	privd_blob_clear(&row->ip_ct);
	privd_blob_clear(&row->birth_date_ct);
}

/* ---- api keys ---- */

#define APIKEY_COLS "id, name, role, created_at, revoked_at, last_used_at"

static void apikey_from(struct privd_stmt *st, struct privd_apikey_row *out)
{
	memset(out, 0, sizeof(*out));
	copy_col(st, 0, out->id, sizeof(out->id));
	copy_col(st, 1, out->name, sizeof(out->name));
	copy_col(st, 2, out->role, sizeof(out->role));
	out->created_at = privd_stmt_col_int64(st, 3);
	out->revoked_at = privd_stmt_col_int64(st, 4);
	out->last_used_at = privd_stmt_col_int64(st, 5);
}

enum privd_rc privd_repo_apikey_insert(struct privd_db *db, const struct privd_apikey_row *row, const char *key_hash)
{
	return exec_sql(db,
	                "INSERT INTO api_keys(id, name, role, key_hash, created_at, revoked_at,"
	                " last_used_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
	                "ttttimm", row->id, row->name, row->role, key_hash, row->created_at, row->revoked_at,
	                row->last_used_at);
}

enum privd_rc privd_repo_apikey_by_hash(struct privd_db *db, const char *key_hash, struct privd_apikey_row *out)
{
	struct privd_stmt *st = NULL;
	enum privd_rc rc = query_one(
	    db, "SELECT " APIKEY_COLS " FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL", &st, "t", key_hash);

	if (rc == PRIVD_OK)
		apikey_from(st, out);
	privd_stmt_finalize(st);
	return rc;
}

static enum privd_rc apikey_row(struct privd_stmt *st, const struct walk_cb *to, bool *stop)
{
	struct privd_apikey_row row;

	apikey_from(st, &row);
	*stop = to->fn.apikey(to->arg, &row) != 0;
	return PRIVD_OK;
}

enum privd_rc privd_repo_apikey_list(struct privd_db *db, int (*cb)(void *arg, const struct privd_apikey_row *row),
                                     void *arg)
{
	const struct walk_cb to = {.fn.apikey = cb, .arg = arg};

	return walk_rows(db, "SELECT " APIKEY_COLS " FROM api_keys ORDER BY created_at, id", apikey_row, &to, "");
}

enum privd_rc privd_repo_apikey_revoke(struct privd_db *db, const char *id, int64_t now_ms)
{
	return exec_update(db, "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", "it", now_ms,
	                   id);
}

/* ---- subjects ---- */

/* Is bidx of kind taken by a subject other than self (self may be NULL)? */
static enum privd_rc bidx_taken(struct privd_db *db, const char *kind, const char *bidx, const char *self, bool *taken)
{
	char id[33];
	enum privd_rc rc;

	*taken = false;
	if (bidx == NULL || bidx[0] == '\0')
		return PRIVD_OK;
	rc = privd_repo_subject_by_bidx(db, kind, bidx, id);
	if (rc == PRIVD_ERR_NOT_FOUND)
		return PRIVD_OK;
	if (rc != PRIVD_OK)
		return rc;
	*taken = self == NULL || strcmp(id, self) != 0;
	return PRIVD_OK;
}

/* Names the field of a conflict: first by looking, then (for a race) by the constraint the engine named. */
static enum privd_rc check_conflicts(struct privd_db *db, const struct privd_subject_row *row, const char *self,
                                     const char **conflict_field)
{
	bool taken = false;
	enum privd_rc rc = bidx_taken(db, "email", row->email_bidx, self, &taken);

	if (rc != PRIVD_OK)
		return rc;
	if (taken) {
		*conflict_field = "email";
		return PRIVD_ERR_CONFLICT;
	}
	rc = bidx_taken(db, "phone", row->phone_bidx, self, &taken);
	if (rc != PRIVD_OK)
		return rc;
	if (taken) {
		*conflict_field = "phone";
		return PRIVD_ERR_CONFLICT;
	}
	return PRIVD_OK;
}

static const char *conflict_from_engine(struct privd_db *db)
{
	const char *c = privd_db_conflict(db);

	if (strstr(c, "email") != NULL)
		return "email";
	if (strstr(c, "phone") != NULL)
		return "phone";
	return "id";
}

/* The columns an insert and an update of a subject both write, as the first parameters: status,
 * residence_country, email_bidx, phone_bidx, the five blobs, policy_version, updated_at (bind_va types, then
 * the arguments for a row r). */
#define SUBJECT_SET_TYPES "ttTTBBBBBTiT"
#define SUBJECT_SET_ARGS(r)                                                                                            \
	privd_subject_status_name((r)->status), (r)->residence_country, (r)->email_bidx, (r)->phone_bidx,              \
	    &(r)->name_ct, &(r)->email_ct, &(r)->phone_ct, &(r)->ip_ct, &(r)->birth_date_ct, (r)->policy_version,      \
	    (r)->updated_at, (r)->language

enum privd_rc privd_repo_bidx_read(struct privd_db *db, const char *id, struct privd_stored_bidx *out)
{
	struct privd_stmt *st = NULL;
	enum privd_rc rc =
	    query_one(db, "SELECT rowid, email_bidx, phone_bidx FROM subjects WHERE subject_id = ?", &st, "t", id);

	memset(out, 0, sizeof(*out));
	if (rc == PRIVD_OK) {
		out->rowid = privd_stmt_col_int64(st, 0);
		copy_col(st, 1, out->email, sizeof(out->email));
		copy_col(st, 2, out->phone, sizeof(out->phone));
	}
	privd_stmt_finalize(st);
	return rc;
}

enum privd_rc privd_repo_bidx_note(struct privd_db *db, int64_t rowid, const struct privd_stored_bidx *was,
                                   const char *email, const char *phone)
{
	enum privd_rc rc = PRIVD_OK;

	if (was != NULL) {
		rc = privd_db_bidx_note(db, "email", was->email, rowid, false);
		if (rc == PRIVD_OK)
			rc = privd_db_bidx_note(db, "phone", was->phone, rowid, false);
	}
	if (rc == PRIVD_OK && email != NULL)
		rc = privd_db_bidx_note(db, "email", email, rowid, true);
	if (rc == PRIVD_OK && phone != NULL)
		rc = privd_db_bidx_note(db, "phone", phone, rowid, true);
	return rc;
}

enum privd_rc privd_repo_bidx_txn_begin(struct privd_db *db, bool *own)
{
	*own = privd_db_bidx(db) && !privd_db_in_txn(db);
	return *own ? privd_db_begin(db) : PRIVD_OK;
}

enum privd_rc privd_repo_bidx_txn_end(struct privd_db *db, bool own, enum privd_rc rc)
{
	if (!own)
		return rc;
	if (rc == PRIVD_OK) {
		rc = privd_db_commit(db);
		if (rc == PRIVD_OK)
			return rc;
	}
	privd_db_rollback(db);
	return rc;
}

#define SUBJECT_INSERT                                                                                                 \
	"INSERT INTO subjects(status, residence_country, email_bidx, phone_bidx, name_ct, email_ct, phone_ct, ip_ct,"  \
	" birth_date_ct, policy_version, updated_at, language, subject_id, created_at)"                                \
	" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"

static enum privd_rc subject_insert(struct privd_db *db, const struct privd_subject_row *row,
                                    const char **conflict_field)
{
	struct privd_stmt *st = NULL;
	const char *field = NULL;
	enum privd_rc rc;

	if (!privd_db_bidx(db)) {
		/* Insert first: the unique indexes decide. Only on a conflict is it worth a look at which value is
		 * taken. */
		rc = exec_sql(db, SUBJECT_INSERT, SUBJECT_SET_TYPES "ti", SUBJECT_SET_ARGS(row), row->id,
		              row->created_at);
		if (conflict_field != NULL) /* the engine names the index: email_bidx or phone_bidx */
			*conflict_field = rc == PRIVD_ERR_CONFLICT ? conflict_from_engine(db) : NULL;
		return rc;
	}
	/* SQLite keeps no unique index on the blind indexes: the set answers first, and is told the new row's */
	rc = check_conflicts(db, row, NULL, &field);
	if (rc == PRIVD_OK) {
		rc = query_one(db, SUBJECT_INSERT " RETURNING rowid", &st, SUBJECT_SET_TYPES "ti",
		               SUBJECT_SET_ARGS(row), row->id, row->created_at);
		if (rc == PRIVD_ERR_CONFLICT)
			field = conflict_from_engine(db); /* the subject id */
	}
	if (rc == PRIVD_OK)
		rc = privd_repo_bidx_note(db, privd_stmt_col_int64(st, 0), NULL, row->email_bidx, row->phone_bidx);
	privd_stmt_finalize(st);
	if (conflict_field != NULL)
		*conflict_field = rc == PRIVD_ERR_CONFLICT ? field : NULL;
	return rc;
}

enum privd_rc privd_repo_subject_insert(struct privd_db *db, const struct privd_subject_row *row,
                                        const char **conflict_field)
{
	bool own;
	enum privd_rc rc = privd_repo_bidx_txn_begin(db, &own);

	if (conflict_field != NULL)
		*conflict_field = NULL;
	if (rc == PRIVD_OK)
		rc = subject_insert(db, row, conflict_field);
	return privd_repo_bidx_txn_end(db, own, rc);
}

static enum privd_rc subject_update(struct privd_db *db, const struct privd_subject_row *row, int64_t expect_updated_at,
                                    const char **conflict_field)
{
	const char *field = NULL;
	struct privd_stored_bidx was;
	bool noted = false;
	enum privd_subject_status status;
	enum privd_rc rc = check_conflicts(db, row, row->id, &field);

	if (rc != PRIVD_OK)
		goto out;
	if (privd_db_bidx(db)) {
		rc = privd_repo_bidx_read(db, row->id, &was);
		noted = rc == PRIVD_OK;
		if (rc != PRIVD_OK && rc != PRIVD_ERR_NOT_FOUND) /* none: the UPDATE finds nothing either */
			goto out;
	}
	/* status and policy_version are not the caller's to write; a row changed (or erased) since the caller read
	 * it is left alone */
	rc =
	    exec_update(db,
	                "UPDATE subjects SET residence_country = ?, email_bidx = ?, phone_bidx = ?,"
	                " name_ct = ?, email_ct = ?, phone_ct = ?, ip_ct = ?, birth_date_ct = ?, updated_at = ?,"
	                " language = ? WHERE subject_id = ? AND updated_at = ? AND status NOT IN ('erased', 'revoked')",
	                "tTTBBBBBiTti", row->residence_country, row->email_bidx, row->phone_bidx, &row->name_ct,
	                &row->email_ct, &row->phone_ct, &row->ip_ct, &row->birth_date_ct, row->updated_at,
	                row->language, row->id, expect_updated_at);
	if (rc == PRIVD_ERR_CONFLICT)
		field = conflict_from_engine(db);
	else if (rc == PRIVD_ERR_NOT_FOUND && privd_repo_subject_status(db, row->id, &status) == PRIVD_OK)
		rc = PRIVD_ERR_CONFLICT; /* it exists: changed meanwhile; field stays NULL */
	else if (rc == PRIVD_OK && noted)
		rc = privd_repo_bidx_note(db, was.rowid, &was, row->email_bidx, row->phone_bidx);
out:
	if (conflict_field != NULL)
		*conflict_field = rc == PRIVD_ERR_CONFLICT ? field : NULL;
	return rc;
}

enum privd_rc privd_repo_subject_update(struct privd_db *db, const struct privd_subject_row *row,
                                        int64_t expect_updated_at, const char **conflict_field)
{
	bool own;
	enum privd_rc rc = privd_repo_bidx_txn_begin(db, &own);

	if (conflict_field != NULL)
		*conflict_field = NULL;
	if (rc == PRIVD_OK)
		rc = subject_update(db, row, expect_updated_at, conflict_field);
	return privd_repo_bidx_txn_end(db, own, rc);
}

enum privd_rc privd_repo_subject_get(struct privd_db *db, const char *id, struct privd_subject_row *out)
{
	struct privd_stmt *st = NULL;
	enum privd_rc rc;

	memset(out, 0, sizeof(*out));
	rc = query_one(db,
	               "SELECT subject_id, status, residence_country, email_bidx, phone_bidx,"
	               " name_ct, email_ct, phone_ct, ip_ct, birth_date_ct, policy_version,"
	               " created_at, updated_at, erase_after, language FROM subjects WHERE subject_id = ?",
	               &st, "t", id);
	if (rc != PRIVD_OK)
		goto out;
	copy_col(st, 0, out->id, sizeof(out->id));
	copy_col(st, 2, out->residence_country, sizeof(out->residence_country));
	copy_col(st, 3, out->email_bidx, sizeof(out->email_bidx));
	copy_col(st, 4, out->phone_bidx, sizeof(out->phone_bidx));
	rc = state_col(privd_subject_status_parse(privd_stmt_col_text(st, 1), &out->status));
	if (rc == PRIVD_OK)
		rc = blob_col(st, 5, &out->name_ct);
	if (rc == PRIVD_OK)
		rc = blob_col(st, 6, &out->email_ct);
	if (rc == PRIVD_OK)
		rc = blob_col(st, 7, &out->phone_ct);
	if (rc == PRIVD_OK)
		rc = blob_col(st, 8, &out->ip_ct);
	if (rc == PRIVD_OK)
		rc = blob_col(st, 9, &out->birth_date_ct);
	copy_col(st, 10, out->policy_version, sizeof(out->policy_version));
	out->created_at = privd_stmt_col_int64(st, 11);
	out->updated_at = privd_stmt_col_int64(st, 12);
	out->erase_after = privd_stmt_col_int64(st, 13);
	copy_col(st, 14, out->language, sizeof(out->language));
	if (rc != PRIVD_OK)
		privd_subject_row_clear(out);
out:
	privd_stmt_finalize(st);
	return rc;
}

enum privd_rc privd_repo_subject_status(struct privd_db *db, const char *id, enum privd_subject_status *status)
{
	char name[STATE_NAME_MAX];
	enum privd_rc rc = query_text(db, "SELECT status FROM subjects WHERE subject_id = ?", id, name, sizeof(name));

	return rc == PRIVD_OK ? state_col(privd_subject_status_parse(name, status)) : rc;
}

enum privd_rc privd_repo_subject_status_as(struct privd_db *db, const char *id, enum privd_subject_status guess,
                                           enum privd_subject_status *status)
{
	struct privd_stmt *st = NULL;
	enum privd_rc rc;

	if (!privd_db_pipelined(db))
		return privd_repo_subject_status(db, id, status);
	*status = guess;
	rc = prepare_one(db, "SELECT status FROM subjects WHERE subject_id = ?", &st, "t", id);
	if (rc == PRIVD_OK)
		rc = privd_stmt_expect(st, privd_subject_status_name(guess));
	privd_stmt_finalize(st);
	return rc;
}

/* On SQLite: the rows the set names (bidx.h), each read by rowid to be sure it holds the value. */
static enum privd_rc subject_by_bidx_set(struct privd_db *db, const char *kind, const char *bidx, char id[33])
{
	const char *sql = strcmp(kind, "email") == 0
	                      ? "SELECT subject_id FROM subjects WHERE rowid = ? AND email_bidx = ?"
	                      : "SELECT subject_id FROM subjects WHERE rowid = ? AND phone_bidx = ?";
	int64_t rowids[4];
	size_t n = privd_db_bidx_find(db, kind, bidx, rowids, sizeof(rowids) / sizeof(rowids[0]));
	enum privd_rc rc = PRIVD_ERR_NOT_FOUND;

	if (n > sizeof(rowids) / sizeof(rowids[0]))
		return PRIVD_ERR_INTERNAL; /* four rows sharing 64 bits of a keyed hash: the set is not the table's */
	for (size_t i = 0; i < n && rc == PRIVD_ERR_NOT_FOUND; i++) {
		struct privd_stmt *st = NULL;

		rc = query_one(db, sql, &st, "it", rowids[i], bidx);
		if (rc == PRIVD_OK)
			copy_col(st, 0, id, 33);
		privd_stmt_finalize(st);
	}
	return rc;
}

enum privd_rc privd_repo_subject_by_bidx(struct privd_db *db, const char *kind, const char *bidx, char id[33])
{
	const char *sql;

	id[0] = '\0';
	if (strcmp(kind, "email") == 0)
		sql = "SELECT subject_id FROM subjects WHERE email_bidx = ?";
	else if (strcmp(kind, "phone") == 0)
		sql = "SELECT subject_id FROM subjects WHERE phone_bidx = ?";
	else
		return PRIVD_ERR_INVALID;
	if (bidx == NULL || bidx[0] == '\0')
		return PRIVD_ERR_NOT_FOUND;
	if (privd_db_bidx(db))
		return subject_by_bidx_set(db, kind, bidx, id);
	return query_text(db, sql, bidx, id, 33);
}

enum privd_rc privd_repo_subject_set_status(struct privd_db *db, const char *id, enum privd_subject_status status,
                                            int64_t now_ms)
{
	return exec_update(db, "UPDATE subjects SET status = ?, updated_at = ? WHERE subject_id = ?", "tit",
	                   privd_subject_status_name(status), now_ms, id);
}

/* ---- consents ---- */

#define CONSENT_INSERT                                                                                                 \
	"INSERT INTO consents(subject_id, purpose, granted, policy_version, ip_ct, source, created_at, text_version,"  \
	" text_language, text_sha256) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"

enum privd_rc privd_repo_consent_append(struct privd_db *db, struct privd_consent_row *row)
{
	struct privd_stmt *st = NULL;
	enum privd_rc rc =
	    query_one(db, CONSENT_INSERT " RETURNING seq", &st, "ttitBtiTTT", row->subject_id, row->purpose,
	              (int64_t)(row->granted ? 1 : 0), row->policy_version, &row->ip_ct, row->source, row->created_at,
	              row->text_version, row->text_language, row->text_sha256);
	int r;

	if (rc == PRIVD_ERR_NOT_FOUND)
		rc = PRIVD_ERR_DB;
	if (rc != PRIVD_OK)
		goto out;
	row->seq = privd_stmt_col_int64(st, 0);
	r = privd_stmt_step(st);
	if (r != PRIVD_DB_DONE)
		rc = r == PRIVD_DB_ROW ? PRIVD_ERR_INTERNAL : (enum privd_rc)r;
out:
	privd_stmt_finalize(st);
	return rc;
}

enum privd_rc privd_repo_consent_append_later(struct privd_db *db, struct privd_consent_row *row)
{
	struct privd_stmt *st = NULL;
	enum privd_rc rc =
	    prepare_one(db, CONSENT_INSERT " RETURNING seq", &st, "ttitBtiTTT", row->subject_id, row->purpose,
	                (int64_t)(row->granted ? 1 : 0), row->policy_version, &row->ip_ct, row->source, row->created_at,
	                row->text_version, row->text_language, row->text_sha256);

	if (rc == PRIVD_OK)
		rc = privd_stmt_run(st, true, &row->seq);
	privd_stmt_finalize(st);
	return rc;
}

enum privd_rc privd_repo_consent_append_all(struct privd_db *db, const struct privd_consent_row *rows, size_t n)
{
	static const char head[] = "INSERT INTO consents(subject_id, purpose, granted, policy_version, ip_ct, source,"
	                           " created_at, text_version, text_language, text_sha256) VALUES ";
	static const char tuple[] = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
	char sql[sizeof(head) + PRIVD_CONSENT_BATCH_MAX * (sizeof(tuple) + 1)];
	struct privd_stmt *st = NULL;
	size_t len = sizeof(head) - 1;
	enum privd_rc rc;

	if (n == 0)
		return PRIVD_OK;
	if (n > PRIVD_CONSENT_BATCH_MAX)
		return PRIVD_ERR_INTERNAL;
	memcpy(sql, head, len);
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			sql[len++] = ',';
		memcpy(sql + len, tuple, sizeof(tuple) - 1);
		len += sizeof(tuple) - 1;
	}
	sql[len] = '\0';
	rc = privd_db_prepare(db, sql, &st);
	if (rc == PRIVD_OK)
		privd_stmt_lend(st); /* the rows outlive the statement's use of them */
	for (size_t i = 0; rc == PRIVD_OK && i < n; i++) {
		const struct privd_consent_row *row = &rows[i];

		rc = bind_at(st, (int)(i * 10) + 1, "ttitBtiTTT", row->subject_id, row->purpose,
		             (int64_t)(row->granted ? 1 : 0), row->policy_version, &row->ip_ct, row->source,
		             row->created_at, row->text_version, row->text_language, row->text_sha256);
	}
	if (rc == PRIVD_OK)
		rc = privd_stmt_run(st, false, NULL);
	privd_stmt_finalize(st);
	return rc;
}

#define CONSENT_COLS                                                                                                   \
	"seq, subject_id, purpose, granted, policy_version, ip_ct, source, created_at, text_version, text_language,"   \
	" text_sha256"

/* Reads a row of CONSENT_COLS; the IP points into the statement, valid during the callback only. */
static enum privd_rc consent_row(struct privd_stmt *st, const struct walk_cb *to, bool *stop)
{
	struct privd_consent_row row;

	memset(&row, 0, sizeof(row));
	row.seq = privd_stmt_col_int64(st, 0);
	copy_col(st, 1, row.subject_id, sizeof(row.subject_id));
	copy_col(st, 2, row.purpose, sizeof(row.purpose));
	row.granted = privd_stmt_col_int64(st, 3) != 0;
	copy_col(st, 4, row.policy_version, sizeof(row.policy_version));
	blob_view(st, 5, &row.ip_ct);
	copy_col(st, 6, row.source, sizeof(row.source));
	row.created_at = privd_stmt_col_int64(st, 7);
	copy_col(st, 8, row.text_version, sizeof(row.text_version));
	copy_col(st, 9, row.text_language, sizeof(row.text_language));
	copy_col(st, 10, row.text_sha256, sizeof(row.text_sha256));
	*stop = to->fn.consent(to->arg, &row) != 0;
	return PRIVD_OK;
}

enum privd_rc privd_repo_consent_list(struct privd_db *db, const char *subject_id,
                                      int (*cb)(void *arg, const struct privd_consent_row *row), void *arg)
{
	const struct walk_cb to = {.fn.consent = cb, .arg = arg};

	return walk_rows(db, "SELECT " CONSENT_COLS " FROM consents WHERE subject_id = ? ORDER BY seq", consent_row,
	                 &to, "t", subject_id);
}

/* Hands each stored record, oldest first, to core's derivation (privd_consent_state_apply_event), which owns
 * what a record means; the repository only reads rows. */
static int apply_consent(void *arg, const struct privd_consent_row *row)
{
	const struct privd_consent_event ev = {
	    .purpose = row->purpose,
	    .granted = row->granted,
	    .at_ms = row->created_at,
	    .policy_version = row->policy_version,
	    .text_version = row->text_version,
	    .text_language = row->text_language,
	    .seq = row->seq,
	};

	privd_consent_state_apply_event(arg, &ev);
	return 0;
}

enum privd_rc privd_repo_consent_state(struct privd_db *db, const char *subject_id, struct privd_consent_state *out)
{
	enum privd_subject_status status = PRIVD_SUBJECT_ACTIVE;
	enum privd_rc rc = privd_repo_subject_status(db, subject_id, &status);

	if (rc != PRIVD_OK)
		return rc;
	privd_consent_state_init(out, status);
	return privd_repo_consent_list(db, subject_id, apply_consent, out);
}
