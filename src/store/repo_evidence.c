/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * repo_evidence.c - the repositories of what an erasure owes the regulator (repo.h, migration 6): the destruction
 * records (RKN Order 179 acts), the categories of data an erasure is about to take, and the purge of what an
 * erasure leaves behind once its evidence period is over.
 *
 * Shaped by two promises that pull against each other: an erasure must leave proof that it happened (the act, the
 * tombstone that makes the subject answer 410 rather than 404, the request rows with the scan's SHA-256), and that
 * proof may not be kept for ever. So the purge deletes every row an erasure left, in one transaction, and only
 * while the subject is still a tombstone older than the cutoff; the audit chain is never touched (it holds ids
 * only, so entries naming rows that are gone still verify). Tombstones are found through a partial index on the
 * erased rows alone, so the purge's query costs nothing on the rows of living subjects; on PostgreSQL several nodes
 * pick tombstones with SKIP LOCKED, as they pick due erasures.
 */
#include <stdio.h>
#include <string.h>

#include "store/repo_int.h"

/* ---- what an erasure is about to take ---- */

enum privd_rc privd_repo_subject_holdings(struct privd_db *db, const char *subject_id, unsigned *categories)
{
	/* One row: the sealed columns set on the subject row, and whether each other kind of row holds anything. */
	static const char sql[] =
	    "SELECT name_ct IS NOT NULL, email_ct IS NOT NULL, phone_ct IS NOT NULL, ip_ct IS NOT NULL,"
	    " birth_date_ct IS NOT NULL, residence_country <> '',"
	    " EXISTS (SELECT 1 FROM consents WHERE subject_id = ?),"
	    " EXISTS (SELECT 1 FROM request_documents WHERE subject_id = ?),"
	    " EXISTS (SELECT 1 FROM requests WHERE subject_id = ? AND"
	    " (details_ct IS NOT NULL OR reason_ct IS NOT NULL)),"
	    " EXISTS (SELECT 1 FROM notifications WHERE subject_id = ? AND"
	    " (recipient_ct IS NOT NULL OR body_ct IS NOT NULL))"
	    " FROM subjects WHERE subject_id = ?";
	struct privd_stmt *st = NULL;
	enum privd_rc rc;

	*categories = 0;
	rc = query_one(db, sql, &st, "ttttt", subject_id, subject_id, subject_id, subject_id, subject_id);
	for (int i = 0; rc == PRIVD_OK && i < PRIVD_DESTRUCTION_CATEGORY_COUNT; i++)
		if (privd_stmt_col_int64(st, i) != 0)
			*categories |= 1u << i;
	privd_stmt_finalize(st);
	return rc;
}

/* ---- destruction records ---- */

#define DESTRUCTION_COLS                                                                                               \
	"seq, record_id, subject_id, request_id, reason, categories, method, operator_name, operator_address,"         \
	" information_system, actor, destroyed_at, audit_seq, audit_hash"

enum privd_rc privd_repo_destruction_insert(struct privd_db *db, const struct privd_destruction_row *row)
{
	char categories[256];

	if (privd_destruction_categories_format(row->categories, categories, sizeof(categories)) >= sizeof(categories))
		return PRIVD_ERR_INTERNAL;
	return exec_sql(db,
	                "INSERT INTO destruction_records(subject_id, record_id, request_id, reason, categories,"
	                " method, operator_name, operator_address, information_system, actor, destroyed_at,"
	                " audit_seq, audit_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	                "ttTtttttttiit", row->subject_id, row->id, row->request_id,
	                privd_destruction_reason_name(row->reason), categories, row->method, row->operator_name,
	                row->operator_address, row->information_system, row->actor, row->destroyed_at, row->audit_seq,
	                row->audit_hash);
}

/* Fills out from a row of DESTRUCTION_COLS: PRIVD_ERR_DB when its reason or categories are not names privd
 * writes. */
static enum privd_rc destruction_from(struct privd_stmt *st, struct privd_destruction_row *out)
{
	enum privd_rc rc;

	memset(out, 0, sizeof(*out));
	out->seq = privd_stmt_col_int64(st, 0);
	copy_col(st, 1, out->id, sizeof(out->id));
	copy_col(st, 2, out->subject_id, sizeof(out->subject_id));
	copy_col(st, 3, out->request_id, sizeof(out->request_id));
	copy_col(st, 6, out->method, sizeof(out->method));
	copy_col(st, 7, out->operator_name, sizeof(out->operator_name));
	copy_col(st, 8, out->operator_address, sizeof(out->operator_address));
	copy_col(st, 9, out->information_system, sizeof(out->information_system));
	copy_col(st, 10, out->actor, sizeof(out->actor));
	out->destroyed_at = privd_stmt_col_int64(st, 11);
	out->audit_seq = privd_stmt_col_int64(st, 12);
	copy_col(st, 13, out->audit_hash, sizeof(out->audit_hash));
	rc = state_col(privd_destruction_reason_parse(privd_stmt_col_text(st, 4), &out->reason));
	if (rc == PRIVD_OK)
		rc = state_col(privd_destruction_categories_parse(privd_stmt_col_text(st, 5), &out->categories));
	return rc;
}

enum privd_rc privd_repo_destruction_get(struct privd_db *db, const char *id, struct privd_destruction_row *out)
{
	struct privd_stmt *st = NULL;
	enum privd_rc rc;

	memset(out, 0, sizeof(*out));
	rc = query_one(db, "SELECT " DESTRUCTION_COLS " FROM destruction_records WHERE record_id = ?", &st, "t", id);
	if (rc == PRIVD_OK)
		rc = destruction_from(st, out);
	privd_stmt_finalize(st);
	return rc;
}

static enum privd_rc destruction_row(struct privd_stmt *st, const struct walk_cb *to, bool *stop)
{
	struct privd_destruction_row row;
	enum privd_rc rc = destruction_from(st, &row);

	if (rc == PRIVD_OK)
		*stop = to->fn.destruction(to->arg, &row) != 0;
	return rc;
}

enum privd_rc privd_repo_destruction_list(struct privd_db *db, const struct privd_destruction_filter *f,
                                          int (*cb)(void *arg, const struct privd_destruction_row *row), void *arg)
{
	const struct walk_cb to = {.fn.destruction = cb, .arg = arg};

	if (f->subject_id != NULL)
		return walk_rows(db,
		                 "SELECT " DESTRUCTION_COLS " FROM destruction_records WHERE seq > ? AND subject_id = ?"
		                 " ORDER BY seq LIMIT ?",
		                 destruction_row, &to, "iti", f->after_seq, f->subject_id, sql_limit(f->limit));
	return walk_rows(db, "SELECT " DESTRUCTION_COLS " FROM destruction_records WHERE seq > ? ORDER BY seq LIMIT ?",
	                 destruction_row, &to, "ii", f->after_seq, sql_limit(f->limit));
}

/* ---- the evidence purge ---- */

/* Through the partial index subjects_erased; oldest first. */
#define EVIDENCE_DUE_SQL                                                                                               \
	"SELECT subject_id FROM subjects WHERE status = 'erased' AND updated_at < ? ORDER BY updated_at, subject_id"   \
	" LIMIT ?"

enum privd_rc privd_repo_evidence_due(struct privd_db *db, int64_t before_ms, size_t limit,
                                      int (*cb)(void *arg, const char *subject_id), void *arg)
{
	const struct walk_cb to = {.fn.id = cb, .arg = arg};

	return walk_rows(db,
	                 privd_db_engine(db) == PRIVD_DB_POSTGRES ? EVIDENCE_DUE_SQL " FOR UPDATE SKIP LOCKED"
	                                                          : EVIDENCE_DUE_SQL,
	                 id_row, &to, "ii", before_ms, sql_limit(limit));
}

enum privd_rc privd_repo_evidence_purge(struct privd_db *db, const char *subject_id, int64_t before_ms,
                                        int64_t *records)
{
	/* After the tombstone (which says whether there is anything to purge), every other row it left. */
	static const char *const rest[] = {
	    "DELETE FROM request_documents WHERE subject_id = ?",
	    "DELETE FROM requests WHERE subject_id = ?",
	    "DELETE FROM notifications WHERE subject_id = ?",
	    "DELETE FROM disclosures WHERE subject_id = ?",
	};
	struct privd_stmt *st = NULL;
	enum privd_rc rc;

	*records = 0;
	rc = exec_update(db, "DELETE FROM subjects WHERE subject_id = ? AND status = 'erased' AND updated_at < ?", "ti",
	                 subject_id, before_ms);
	for (size_t i = 0; rc == PRIVD_OK && i < sizeof(rest) / sizeof(rest[0]); i++)
		rc = exec_sql(db, rest[i], "t", subject_id);
	if (rc == PRIVD_OK)
		rc = privd_db_prepare(db, "DELETE FROM destruction_records WHERE subject_id = ?", &st);
	if (rc == PRIVD_OK)
		rc = bind_at(st, 1, "t", subject_id);
	if (rc == PRIVD_OK)
		rc = step_done(st);
	if (rc == PRIVD_OK)
		*records = (int64_t)privd_stmt_changes(st);
	privd_stmt_finalize(st);
	return rc;
}
