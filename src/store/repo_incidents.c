/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * repo_incidents.c - the repositories of incidents (repo.h, migration 9): the incident, its reports to the
 * regulator, and the check of the ids it lists.
 *
 * The persons an incident affects are read by the outbox's fan-out (privd_repo_subject_contacts); what is here is
 * the incident itself, its reports, and the check that every id an operator lists is a subject, a statement of
 * many ids at a time. The incident's own texts are the operator's account of the breach; they are stored as text
 * and leave this file only in the row structs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/repo_int.h"

void privd_incident_row_clear(struct privd_incident_row *row)
{
	if (row == NULL)
		return;
	free(row->description);
	free(row->causes);
	free(row->harm);
	free(row->measures);
	free(row->results);
	free(row->responsible);
	memset(row, 0, sizeof(*row));
}

enum privd_rc privd_repo_incident_insert(struct privd_db *db, const struct privd_incident_row *row)
{
	char cats[256];

	privd_destruction_categories_format(row->categories, cats, sizeof(cats));
	return exec_sql(db,
	                "INSERT INTO incidents(incident_id, detected_at, created_at, updated_at, description,"
	                " data_categories, scope, registered_from, registered_to, causes, harm, measures, results,"
	                " responsible, affected, affected_eu) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	                "tiiitttmmTTTTTii", row->id, row->detected_at, row->created_at, row->updated_at,
	                row->description, cats, privd_incident_scope_name(row->scope), row->registered_from,
	                row->registered_to, row->causes, row->harm, row->measures, row->results, row->responsible,
	                row->affected, row->affected_eu);
}

#define INCIDENT_COLS                                                                                                  \
	"incident_id, detected_at, created_at, updated_at, data_categories, scope, registered_from, registered_to,"    \
	" affected, affected_eu, initial_sent_at, initial_reference, followup_sent_at, followup_reference"
#define INCIDENT_TEXTS " description, causes, harm, measures, results, responsible"

/* A text column copied into a malloc'd string; NULL for NULL. */
static enum privd_rc text_dup(struct privd_stmt *st, int col, char **out)
{
	const char *s = privd_stmt_col_text(st, col);

	*out = NULL;
	if (s == NULL)
		return PRIVD_OK;
	*out = strdup(s);
	return *out != NULL ? PRIVD_OK : PRIVD_ERR_NOMEM;
}

/* Reads INCIDENT_COLS (and, with texts, INCIDENT_TEXTS after them) into row. */
static enum privd_rc incident_from(struct privd_stmt *st, bool texts, struct privd_incident_row *row)
{
	enum privd_rc rc;

	memset(row, 0, sizeof(*row));
	rc = state_col(privd_destruction_categories_parse(privd_stmt_col_text(st, 4), &row->categories));
	if (rc == PRIVD_OK)
		rc = state_col(privd_incident_scope_parse(privd_stmt_col_text(st, 5), &row->scope));
	if (rc != PRIVD_OK)
		return rc;
	copy_col(st, 0, row->id, sizeof(row->id));
	row->detected_at = privd_stmt_col_int64(st, 1);
	row->created_at = privd_stmt_col_int64(st, 2);
	row->updated_at = privd_stmt_col_int64(st, 3);
	row->registered_from = privd_stmt_col_int64(st, 6);
	row->registered_to = privd_stmt_col_int64(st, 7);
	row->affected = privd_stmt_col_int64(st, 8);
	row->affected_eu = privd_stmt_col_int64(st, 9);
	for (int k = 0; k < PRIVD_REPORT_KIND_COUNT; k++) {
		row->reported_at[k] = privd_stmt_col_int64(st, 10 + 2 * k);
		copy_col(st, 11 + 2 * k, row->reference[k], sizeof(row->reference[k]));
	}
	if (!texts)
		return PRIVD_OK;
	rc = text_dup(st, 14, &row->description);
	if (rc == PRIVD_OK)
		rc = text_dup(st, 15, &row->causes);
	if (rc == PRIVD_OK)
		rc = text_dup(st, 16, &row->harm);
	if (rc == PRIVD_OK)
		rc = text_dup(st, 17, &row->measures);
	if (rc == PRIVD_OK)
		rc = text_dup(st, 18, &row->results);
	if (rc == PRIVD_OK)
		rc = text_dup(st, 19, &row->responsible);
	if (rc == PRIVD_OK && row->description == NULL)
		rc = PRIVD_ERR_DB;
	if (rc != PRIVD_OK)
		privd_incident_row_clear(row);
	return rc;
}

enum privd_rc privd_repo_incident_get(struct privd_db *db, const char *id, struct privd_incident_row *out)
{
	struct privd_stmt *st = NULL;
	enum privd_rc rc;

	memset(out, 0, sizeof(*out));
	rc = query_one(db, "SELECT " INCIDENT_COLS "," INCIDENT_TEXTS " FROM incidents WHERE incident_id = ?", &st, "t",
	               id);
	if (rc == PRIVD_OK)
		rc = incident_from(st, true, out);
	privd_stmt_finalize(st);
	return rc;
}

enum privd_rc privd_repo_incident_update(struct privd_db *db, const struct privd_incident_row *row,
                                         int64_t expect_updated_at)
{
	enum privd_rc rc = exec_update(db,
	                               "UPDATE incidents SET causes = ?, harm = ?, measures = ?, results = ?,"
	                               " responsible = ?, updated_at = ? WHERE incident_id = ? AND updated_at = ?",
	                               "TTTTTiti", row->causes, row->harm, row->measures, row->results,
	                               row->responsible, row->updated_at, row->id, expect_updated_at);
	char found[40];

	if (rc == PRIVD_ERR_NOT_FOUND && query_text(db, "SELECT incident_id FROM incidents WHERE incident_id = ?",
	                                            row->id, found, sizeof(found)) == PRIVD_OK)
		rc = PRIVD_ERR_CONFLICT;
	return rc;
}

enum privd_rc privd_repo_incident_report(struct privd_db *db, const char *id, enum privd_report_kind k, int64_t sent_at,
                                         const char *reference, int64_t now_ms)
{
	static const char *const sql[PRIVD_REPORT_KIND_COUNT] = {
	    [PRIVD_REPORT_INITIAL] = "UPDATE incidents SET initial_sent_at = ?, initial_reference = ?, updated_at = ?"
	                             " WHERE incident_id = ? AND initial_sent_at IS NULL",
	    [PRIVD_REPORT_FOLLOWUP] = "UPDATE incidents SET followup_sent_at = ?, followup_reference = ?,"
	                              " updated_at = ? WHERE incident_id = ? AND followup_sent_at IS NULL",
	};
	char found[40];
	enum privd_rc rc;

	if ((unsigned)k >= PRIVD_REPORT_KIND_COUNT)
		return PRIVD_ERR_INTERNAL;
	rc = exec_update(db, sql[k], "iTit", sent_at, reference, now_ms, id);
	if (rc == PRIVD_ERR_NOT_FOUND && query_text(db, "SELECT incident_id FROM incidents WHERE incident_id = ?", id,
	                                            found, sizeof(found)) == PRIVD_OK)
		rc = PRIVD_ERR_CONFLICT;
	return rc;
}

enum privd_rc privd_repo_incident_last_created(struct privd_db *db, int64_t *ms)
{
	struct privd_stmt *st = NULL;
	enum privd_rc rc = query_one(db, "SELECT MAX(created_at) FROM incidents", &st, "");

	*ms = rc == PRIVD_OK ? privd_stmt_col_int64(st, 0) : 0;
	privd_stmt_finalize(st);
	return rc == PRIVD_ERR_NOT_FOUND ? PRIVD_OK : rc;
}

static enum privd_rc incident_row(struct privd_stmt *st, const struct walk_cb *to, bool *stop)
{
	struct privd_incident_row row;
	enum privd_rc rc = incident_from(st, false, &row);

	if (rc == PRIVD_OK)
		*stop = to->fn.incident(to->arg, &row) != 0;
	return rc;
}

enum privd_rc privd_repo_incident_list(struct privd_db *db, int64_t after_created, size_t limit,
                                       int (*cb)(void *arg, const struct privd_incident_row *row), void *arg)
{
	const struct walk_cb to = {.fn.incident = cb, .arg = arg};

	return walk_rows(
	    db, "SELECT " INCIDENT_COLS " FROM incidents WHERE created_at > ? ORDER BY created_at, incident_id LIMIT ?",
	    incident_row, &to, "ii", after_created, sql_limit(limit));
}

/* ---- the ids an incident lists ---- */

enum privd_rc privd_repo_subject_ids_known(struct privd_db *db, const char *const *ids, size_t n,
                                           int (*cb)(void *arg, const char *id), void *arg)
{
	const struct walk_cb to = {.fn.id = cb, .arg = arg};

	return walk_in_list(db, "SELECT subject_id FROM subjects WHERE subject_id IN (", ") ORDER BY subject_id", ids,
	                    n, id_row, &to);
}
