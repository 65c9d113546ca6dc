/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * repo_transfers.c - transfers to third parties: the recipients registry, the transfers, their deliveries (a queue
 * like the outbox), the disclosure log; and the population an aggregate export counts.
 *
 * Shaped by history and by volume. A recipient is never edited in place: each change is a new version row, so a
 * transfer names the version it went to and the log can always say where data went and on what terms, even after
 * the endpoint, the key or the fields allowed changed, or the recipient was deactivated. The disclosure log is
 * append-only too: one row when a person is accepted into a transfer or refused, one more when their data was
 * delivered, refused at sending or given up on. A transfer of 10,000 people writes 10,000 rows or more in one
 * transaction, so rows go in many to a statement. Nothing here is personal data: people by their pseudonymous id,
 * fields by name.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/repo_int.h"

/* ---- recipients ---- */

#define RECIPIENT_COLS                                                                                                 \
	"recipient_id, version, name, purpose, country, endpoint, public_key, confidentiality_ref, fields_allowed,"    \
	" cross_border, cross_border_notice_ref, cross_border_notice_filed_on, adequate_protection, active, actor,"    \
	" changed_at, created_at"

enum privd_rc privd_repo_recipient_insert(struct privd_db *db, const struct privd_recipient_row *r)
{
	char fields[PRIVD_TFIELDS_TEXT_MAX];

	privd_transfer_fields_format(r->fields_allowed, fields, sizeof(fields));
	return exec_sql(db,
	                "INSERT INTO recipients(" RECIPIENT_COLS ")"
	                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	                "tittttttti"
	                "TTiitii",
	                r->id, (int64_t)r->version, r->name, r->purpose, r->country, r->endpoint, r->public_key,
	                r->confidentiality_ref, fields, (int64_t)(r->cross_border ? 1 : 0), r->notice_ref,
	                r->notice_filed_on, (int64_t)(r->adequate_protection ? 1 : 0), (int64_t)(r->active ? 1 : 0),
	                r->actor, r->changed_at, r->created_at);
}

/* Reads a row of RECIPIENT_COLS starting at column at. */
static enum privd_rc recipient_from(struct privd_stmt *st, int at, struct privd_recipient_row *r)
{
	memset(r, 0, sizeof(*r));
	if (privd_transfer_fields_parse(privd_stmt_col_text(st, at + 8), &r->fields_allowed) != PRIVD_OK)
		return PRIVD_ERR_DB;
	copy_col(st, at, r->id, sizeof(r->id));
	r->version = (int)privd_stmt_col_int64(st, at + 1);
	copy_col(st, at + 2, r->name, sizeof(r->name));
	copy_col(st, at + 3, r->purpose, sizeof(r->purpose));
	copy_col(st, at + 4, r->country, sizeof(r->country));
	copy_col(st, at + 5, r->endpoint, sizeof(r->endpoint));
	copy_col(st, at + 6, r->public_key, sizeof(r->public_key));
	copy_col(st, at + 7, r->confidentiality_ref, sizeof(r->confidentiality_ref));
	r->cross_border = privd_stmt_col_int64(st, at + 9) != 0;
	copy_col(st, at + 10, r->notice_ref, sizeof(r->notice_ref));
	copy_col(st, at + 11, r->notice_filed_on, sizeof(r->notice_filed_on));
	r->adequate_protection = privd_stmt_col_int64(st, at + 12) != 0;
	r->active = privd_stmt_col_int64(st, at + 13) != 0;
	copy_col(st, at + 14, r->actor, sizeof(r->actor));
	r->changed_at = privd_stmt_col_int64(st, at + 15);
	r->created_at = privd_stmt_col_int64(st, at + 16);
	return PRIVD_OK;
}

static enum privd_rc recipient_row(struct privd_stmt *st, const struct walk_cb *to, bool *stop)
{
	struct privd_recipient_row r;
	enum privd_rc rc = recipient_from(st, 0, &r);

	if (rc == PRIVD_OK)
		*stop = to->fn.recipient(to->arg, &r) != 0;
	return rc;
}

enum privd_rc privd_repo_recipient_get(struct privd_db *db, const char *id, int version,
                                       struct privd_recipient_row *out)
{
	struct privd_stmt *st = NULL;
	enum privd_rc rc =
	    version > 0
	        ? query_one(db, "SELECT " RECIPIENT_COLS " FROM recipients WHERE recipient_id = ? AND version = ?", &st,
	                    "ti", id, (int64_t)version)
	        : query_one(db,
	                    "SELECT " RECIPIENT_COLS " FROM recipients WHERE recipient_id = ?"
	                    " ORDER BY version DESC LIMIT 1",
	                    &st, "t", id);

	if (rc == PRIVD_OK)
		rc = recipient_from(st, 0, out);
	privd_stmt_finalize(st);
	return rc;
}

enum privd_rc privd_repo_recipient_list(struct privd_db *db, const char *id,
                                        int (*cb)(void *arg, const struct privd_recipient_row *row), void *arg)
{
	const struct walk_cb to = {.fn.recipient = cb, .arg = arg};

	if (id != NULL)
		return walk_rows(db,
		                 "SELECT " RECIPIENT_COLS " FROM recipients WHERE recipient_id = ? ORDER BY version",
		                 recipient_row, &to, "t", id);
	return walk_rows(db,
	                 "SELECT " RECIPIENT_COLS " FROM recipients r WHERE version ="
	                 " (SELECT MAX(version) FROM recipients v WHERE v.recipient_id = r.recipient_id)"
	                 " ORDER BY created_at, recipient_id",
	                 recipient_row, &to, "");
}

/* ---- transfers ---- */

#define TRANSFER_COLS                                                                                                  \
	"transfer_id, recipient_id, recipient_version, legal_basis, reference, fields, requested, refused, actor,"     \
	" created_at"

enum privd_rc privd_repo_transfer_insert(struct privd_db *db, const struct privd_transfer_row *t)
{
	char fields[PRIVD_TFIELDS_TEXT_MAX];

	privd_transfer_fields_format(t->fields, fields, sizeof(fields));
	return exec_sql(db, "INSERT INTO transfers(" TRANSFER_COLS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	                "ttitTtiiti", t->id, t->recipient_id, (int64_t)t->recipient_version,
	                privd_legal_basis_name(t->basis), t->reference, fields, (int64_t)t->requested,
	                (int64_t)t->refused, t->actor, t->created_at);
}

static enum privd_rc transfer_from(struct privd_stmt *st, int at, struct privd_transfer_row *t)
{
	memset(t, 0, sizeof(*t));
	if (privd_legal_basis_parse(privd_stmt_col_text(st, at + 3), &t->basis) != PRIVD_OK ||
	    privd_transfer_fields_parse(privd_stmt_col_text(st, at + 5), &t->fields) != PRIVD_OK)
		return PRIVD_ERR_DB;
	copy_col(st, at, t->id, sizeof(t->id));
	copy_col(st, at + 1, t->recipient_id, sizeof(t->recipient_id));
	t->recipient_version = (int)privd_stmt_col_int64(st, at + 2);
	copy_col(st, at + 4, t->reference, sizeof(t->reference));
	t->requested = (int)privd_stmt_col_int64(st, at + 6);
	t->refused = (int)privd_stmt_col_int64(st, at + 7);
	copy_col(st, at + 8, t->actor, sizeof(t->actor));
	t->created_at = privd_stmt_col_int64(st, at + 9);
	return PRIVD_OK;
}

enum privd_rc privd_repo_transfer_get(struct privd_db *db, const char *id, struct privd_transfer_row *out)
{
	struct privd_stmt *st = NULL;
	enum privd_rc rc = query_one(db, "SELECT " TRANSFER_COLS " FROM transfers WHERE transfer_id = ?", &st, "t", id);

	if (rc == PRIVD_OK)
		rc = transfer_from(st, 0, out);
	privd_stmt_finalize(st);
	return rc;
}

enum privd_rc privd_repo_transfer_last_created(struct privd_db *db, int64_t *ms)
{
	struct privd_stmt *st = NULL;
	enum privd_rc rc = query_one(db, "SELECT MAX(created_at) FROM transfers", &st, "");

	*ms = 0;
	if (rc == PRIVD_OK && !privd_stmt_col_is_null(st, 0))
		*ms = privd_stmt_col_int64(st, 0);
	privd_stmt_finalize(st);
	return rc;
}

/* The list: each transfer with its recipient's version and its log counted by the index (transfer_id, outcome). */
#define COUNT_OF(cond) "(SELECT COUNT(*) FROM disclosures d WHERE d.transfer_id = t.transfer_id AND " cond ")"
#define REFUSED_SENDING "d.outcome = 'refused' AND d.batch_id IS NOT NULL"
#define WAITING                                                                                                        \
	"(" COUNT_OF("d.outcome = 'queued'") " - " COUNT_OF(                                                           \
	    "(d.outcome IN ('delivered', 'failed') OR (" REFUSED_SENDING "))") ")"
#define TRANSFER_LIST                                                                                                  \
	"SELECT t.transfer_id, t.recipient_id, t.recipient_version, t.legal_basis, t.reference, t.fields, "            \
	"t.requested,"                                                                                                 \
	" t.refused, t.actor, t.created_at, r.recipient_id, r.version, r.name, r.purpose, r.country, r.endpoint,"      \
	" r.public_key, r.confidentiality_ref, r.fields_allowed, r.cross_border, r.cross_border_notice_ref,"           \
	" r.cross_border_notice_filed_on, r.adequate_protection, r.active, r.actor, r.changed_at, "                    \
	"r.created_at, " COUNT_OF("d.outcome = 'queued'") ", " COUNT_OF("d.outcome = 'delivered'") ", " COUNT_OF(      \
	    "d.outcome = 'failed'") ", " COUNT_OF(REFUSED_SENDING) " FROM transfers t JOIN recipients r"               \
	                                                           " ON r.recipient_id = t.recipient_id AND "          \
	                                                           "r.version = t.recipient_version"                   \
	                                                           " WHERE t.created_at < ?"

static enum privd_rc transfer_list_row(struct privd_stmt *st, const struct walk_cb *to, bool *stop)
{
	struct privd_transfer_list_row row;
	enum privd_rc rc = transfer_from(st, 0, &row.t);

	if (rc == PRIVD_OK)
		rc = recipient_from(st, 10, &row.r);
	if (rc != PRIVD_OK)
		return rc;
	row.queued = privd_stmt_col_int64(st, 27);
	row.delivered = privd_stmt_col_int64(st, 28);
	row.failed = privd_stmt_col_int64(st, 29);
	row.refused_sending = privd_stmt_col_int64(st, 30);
	*stop = to->fn.transfer(to->arg, &row) != 0;
	return PRIVD_OK;
}

/* Fixed fragments only, one text per combination of the conditions; values are always bound. */
enum privd_rc privd_repo_transfer_list(struct privd_db *db, const struct privd_transfer_filter *f,
                                       int (*cb)(void *arg, const struct privd_transfer_list_row *row), void *arg)
{
	const struct walk_cb to = {.fn.transfer = cb, .arg = arg};
	struct privd_stmt *st = NULL;
	char sql[4096];
	enum privd_rc rc;
	int idx = 1;

	snprintf(sql, sizeof(sql), TRANSFER_LIST "%s%s%s%s%s ORDER BY t.created_at DESC, t.transfer_id DESC LIMIT ?",
	         f->recipient_id != NULL ? " AND t.recipient_id = ?" : "", f->by_basis ? " AND t.legal_basis = ?" : "",
	         f->since != 0 ? " AND t.created_at >= ?" : "", f->until != 0 ? " AND t.created_at < ?" : "",
	         f->status == 1   ? " AND " WAITING " > 0"
	         : f->status == 0 ? " AND " WAITING " <= 0"
	                          : "");
	rc = privd_db_prepare(db, sql, &st);
	if (rc == PRIVD_OK)
		rc = privd_stmt_bind_int64(st, idx++, f->before != 0 ? f->before : INT64_MAX);
	if (rc == PRIVD_OK && f->recipient_id != NULL)
		rc = privd_stmt_bind_text(st, idx++, f->recipient_id);
	if (rc == PRIVD_OK && f->by_basis)
		rc = privd_stmt_bind_text(st, idx++, privd_legal_basis_name(f->basis));
	if (rc == PRIVD_OK && f->since != 0)
		rc = privd_stmt_bind_int64(st, idx++, f->since);
	if (rc == PRIVD_OK && f->until != 0)
		rc = privd_stmt_bind_int64(st, idx++, f->until);
	if (rc == PRIVD_OK)
		rc = privd_stmt_bind_int64(st, idx, sql_limit(f->limit));
	return walk_stmt(st, rc, transfer_list_row, &to);
}

/* ---- deliveries: the batches are a queue (repo_queue.c) ---- */

void privd_batch_row_clear(struct privd_batch_row *row)
{
	if (row == NULL)
		return;
	free(row->subject_ids);
	row->subject_ids = NULL;
}

#define BATCH_COLS                                                                                                     \
	"batch_id, transfer_id, seq, status, subjects, subject_ids, attempts, next_attempt_at, lease_until,"           \
	" last_attempt_at, last_error, created_at, sent_at"

static const struct queue_table batches = {"transfer_batches",   "batch_id",   BATCH_COLS, "", 0,
                                           "subject_ids = NULL", "subject_ids"};

static enum privd_rc bind_batch(struct privd_stmt *st, int first, size_t i, const void *arg)
{
	const struct privd_batch_row *b = (const struct privd_batch_row *)arg + i;

	return bind_at(st, first, "ttitiTiii", b->id, b->transfer_id, (int64_t)b->seq,
	               privd_notice_status_name(b->status), (int64_t)b->subjects, b->subject_ids, (int64_t)b->attempts,
	               b->next_attempt_at, b->created_at);
}

enum privd_rc privd_repo_batch_insert_many(struct privd_db *db, const struct privd_batch_row *rows, size_t n)
{
	return insert_rows(db,
	                   "INSERT INTO transfer_batches(batch_id, transfer_id, seq, status, subjects, subject_ids,"
	                   " attempts, next_attempt_at, created_at) VALUES ",
	                   "(?, ?, ?, ?, ?, ?, ?, ?, ?)", 9, n, bind_batch, rows);
}

/* Reads a row of BATCH_COLS; subject_ids points into the statement (valid during the callback only). */
static enum privd_rc batch_from(struct privd_stmt *st, struct privd_batch_row *b)
{
	memset(b, 0, sizeof(*b));
	if (privd_notice_status_parse(privd_stmt_col_text(st, 3), &b->status) != PRIVD_OK)
		return PRIVD_ERR_DB;
	copy_col(st, 0, b->id, sizeof(b->id));
	copy_col(st, 1, b->transfer_id, sizeof(b->transfer_id));
	b->seq = (int)privd_stmt_col_int64(st, 2);
	b->subjects = (int)privd_stmt_col_int64(st, 4);
	b->subject_ids = (char *)(uintptr_t)privd_stmt_col_text(st, 5);
	b->attempts = (int)privd_stmt_col_int64(st, 6);
	b->next_attempt_at = privd_stmt_col_int64(st, 7);
	b->lease_until = privd_stmt_col_int64(st, 8);
	b->last_attempt_at = privd_stmt_col_int64(st, 9);
	copy_col(st, 10, b->last_error, sizeof(b->last_error));
	b->created_at = privd_stmt_col_int64(st, 11);
	b->sent_at = privd_stmt_col_int64(st, 12);
	return PRIVD_OK;
}

static enum privd_rc batch_row(struct privd_stmt *st, const struct walk_cb *to, bool *stop)
{
	struct privd_batch_row b;
	enum privd_rc rc = batch_from(st, &b);

	if (rc == PRIVD_OK)
		*stop = to->fn.batch(to->arg, &b) != 0;
	return rc;
}

enum privd_rc privd_repo_batch_any_due(struct privd_db *db, int64_t now, bool *any)
{
	return queue_any_due(db, &batches, now, NULL, any);
}

enum privd_rc privd_repo_batch_claim(struct privd_db *db, int64_t now, int64_t lease_until, size_t limit,
                                     int (*cb)(void *arg, const struct privd_batch_row *row), void *arg)
{
	const struct walk_cb to = {.fn.batch = cb, .arg = arg};

	return queue_claim(db, &batches, now, NULL, lease_until, limit, batch_row, &to);
}

enum privd_rc privd_repo_batch_lease(struct privd_db *db, const char *id, int64_t lease_until)
{
	return queue_lease(db, &batches, id, lease_until);
}

enum privd_rc privd_repo_batch_release_all(struct privd_db *db)
{
	return queue_release_all(db, &batches);
}

enum privd_rc privd_repo_batch_outcome(struct privd_db *db, const char *id, enum privd_notice_status status,
                                       int64_t now, int64_t next_at, const char *error, const char *subject_ids)
{
	return queue_outcome(db, &batches, id, status, now, next_at, error, subject_ids);
}

enum privd_rc privd_repo_batch_queued(struct privd_db *db, int64_t *n)
{
	struct privd_stmt *st = NULL;
	enum privd_rc rc = query_one(db, "SELECT COUNT(*) FROM transfer_batches WHERE status = 'queued'", &st, "");

	*n = rc == PRIVD_OK ? privd_stmt_col_int64(st, 0) : 0;
	privd_stmt_finalize(st);
	return rc;
}

enum privd_rc privd_repo_batch_list(struct privd_db *db, const char *transfer_id,
                                    int (*cb)(void *arg, const struct privd_batch_row *row), void *arg)
{
	const struct walk_cb to = {.fn.batch = cb, .arg = arg};

	return walk_rows(db,
	                 "SELECT batch_id, transfer_id, seq, status, subjects, NULL, attempts, next_attempt_at,"
	                 " lease_until, last_attempt_at, last_error, created_at, sent_at FROM transfer_batches"
	                 " WHERE transfer_id = ? ORDER BY seq",
	                 batch_row, &to, "t", transfer_id);
}

/* ---- the disclosure log ---- */

static enum privd_rc bind_disclosure(struct privd_stmt *st, int first, size_t i, const void *arg)
{
	const struct privd_disclosure_row *d = (const struct privd_disclosure_row *)arg + i;

	return bind_at(st, first, "ttTtTi", d->subject_id, d->transfer_id, d->batch_id,
	               privd_disclosure_outcome_name(d->outcome),
	               d->reason != PRIVD_REFUSAL_NONE ? privd_refusal_name(d->reason) : NULL, d->at);
}

enum privd_rc privd_repo_disclosure_append(struct privd_db *db, const struct privd_disclosure_row *rows, size_t n)
{
	return insert_rows(db,
	                   "INSERT INTO disclosures(subject_id, transfer_id, batch_id, outcome, reason, at) VALUES ",
	                   "(?, ?, ?, ?, ?, ?)", 6, n, bind_disclosure, rows);
}

#define DISCLOSURE_JOIN                                                                                                \
	"SELECT d.seq, d.subject_id, d.transfer_id, d.batch_id, d.outcome, d.reason, d.at, t.transfer_id,"             \
	" t.recipient_id, t.recipient_version, t.legal_basis, t.reference, t.fields, t.requested, t.refused, t.actor," \
	" t.created_at, r.recipient_id, r.version, r.name, r.purpose, r.country, r.endpoint, r.public_key,"            \
	" r.confidentiality_ref, r.fields_allowed, r.cross_border, r.cross_border_notice_ref,"                         \
	" r.cross_border_notice_filed_on, r.adequate_protection, r.active, r.actor, r.changed_at, r.created_at"        \
	" FROM disclosures d JOIN transfers t ON t.transfer_id = d.transfer_id JOIN recipients r"                      \
	" ON r.recipient_id = t.recipient_id AND r.version = t.recipient_version"

typedef int (*disclosure_fn)(void *arg, const struct privd_disclosure_row *d, const struct privd_transfer_row *t,
                             const struct privd_recipient_row *r);

struct disclosure_walk {
	disclosure_fn cb;
	void *arg;
};

static enum privd_rc disclosure_row(struct privd_stmt *st, const struct walk_cb *to, bool *stop)
{
	const struct disclosure_walk *w = to->arg;
	struct privd_disclosure_row d;
	struct privd_transfer_row t;
	struct privd_recipient_row r;
	const char *reason = privd_stmt_col_text(st, 5);
	enum privd_rc rc;

	memset(&d, 0, sizeof(d));
	rc = state_col(privd_disclosure_outcome_parse(privd_stmt_col_text(st, 4), &d.outcome));
	if (rc == PRIVD_OK && reason != NULL)
		rc = state_col(privd_refusal_parse(reason, &d.reason));
	if (rc == PRIVD_OK)
		rc = transfer_from(st, 7, &t);
	if (rc == PRIVD_OK)
		rc = recipient_from(st, 17, &r);
	if (rc != PRIVD_OK)
		return rc;
	d.seq = privd_stmt_col_int64(st, 0);
	copy_col(st, 1, d.subject_id, sizeof(d.subject_id));
	copy_col(st, 2, d.transfer_id, sizeof(d.transfer_id));
	copy_col(st, 3, d.batch_id, sizeof(d.batch_id));
	d.at = privd_stmt_col_int64(st, 6);
	*stop = w->cb(w->arg, &d, &t, &r) != 0;
	return PRIVD_OK;
}

enum privd_rc privd_repo_disclosure_list(struct privd_db *db, const char *subject_id, int64_t after, size_t limit,
                                         disclosure_fn cb, void *arg)
{
	struct disclosure_walk w = {cb, arg};
	const struct walk_cb to = {.arg = &w};

	return walk_rows(db, DISCLOSURE_JOIN " WHERE d.subject_id = ? AND d.seq > ? ORDER BY d.seq LIMIT ?",
	                 disclosure_row, &to, "tii", subject_id, after, sql_limit(limit));
}

struct tally {
	int64_t *n;
	int64_t *sending; /* refusals when a batch was sent */
};

static enum privd_rc tally_row(struct privd_stmt *st, const struct walk_cb *to, bool *stop)
{
	struct tally *t = to->arg;
	enum privd_disclosure_outcome o;

	(void)stop;
	if (privd_disclosure_outcome_parse(privd_stmt_col_text(st, 0), &o) != PRIVD_OK)
		return PRIVD_ERR_DB;
	t->n[o] += privd_stmt_col_int64(st, 2);
	if (o == PRIVD_DISCLOSURE_REFUSED && privd_stmt_col_int64(st, 1) != 0)
		*t->sending += privd_stmt_col_int64(st, 2);
	return PRIVD_OK;
}

enum privd_rc privd_repo_disclosure_tally(struct privd_db *db, const char *transfer_id,
                                          int64_t n[PRIVD_DISCLOSURE_OUTCOME_COUNT], int64_t *refused_sending)
{
	struct tally t = {n, refused_sending};
	const struct walk_cb to = {.arg = &t};

	memset(n, 0, sizeof(int64_t) * PRIVD_DISCLOSURE_OUTCOME_COUNT);
	*refused_sending = 0;
	return walk_rows(db,
	                 "SELECT outcome, CASE WHEN batch_id IS NULL THEN 0 ELSE 1 END, COUNT(*) FROM disclosures"
	                 " WHERE transfer_id = ? GROUP BY outcome, CASE WHEN batch_id IS NULL THEN 0 ELSE 1 END",
	                 tally_row, &to, "t", transfer_id);
}

/* ---- the population of an aggregate export ---- */

#define BIRTH_CT_MAX 128 /* a sealed "YYYY-MM-DD" is 50 bytes */

struct population {
	int (*cb)(void *arg, const struct privd_population_row *row, const struct privd_consent_state *state);
	void *arg;
	bool have;
	struct privd_population_row row;
	struct privd_consent_state state;
	uint8_t birth[BIRTH_CT_MAX];
};

/* Hands the subject gathered so far to the callback. */
static bool population_flush(struct population *p)
{
	bool stop = p->have && p->cb(p->arg, &p->row, &p->state) != 0;

	p->have = false;
	return stop;
}

/* One row: a subject and one of its records (or none). A new subject flushes the one before. */
static enum privd_rc population_row(struct privd_stmt *st, const struct walk_cb *to, bool *stop)
{
	struct population *p = to->arg;
	const char *id = privd_stmt_col_text(st, 0);

	if (id == NULL)
		return PRIVD_ERR_DB;
	if (!p->have || strcmp(id, p->row.subject_id) != 0) {
		size_t len = 0;
		const void *ct;

		if (population_flush(p)) {
			*stop = true;
			return PRIVD_OK;
		}
		const char *country = privd_stmt_col_text(st, 2);

		memset(&p->row, 0, sizeof(p->row));
		if (privd_subject_status_parse(privd_stmt_col_text(st, 1), &p->row.status) != PRIVD_OK)
			return PRIVD_ERR_DB;
		/* 100,000 rows a pass: copied as they are, not through snprintf */
		memcpy(p->row.subject_id, id, strnlen(id, sizeof(p->row.subject_id) - 1));
		if (country != NULL)
			memcpy(p->row.residence_country, country, strnlen(country, 2));
		p->row.created_at = privd_stmt_col_int64(st, 3);
		ct = privd_stmt_col_blob(st, 4, &len);
		if (ct != NULL && len > 0 && len <= sizeof(p->birth)) { /* longer is not a date: no birth date */
			memcpy(p->birth, ct, len);
			p->row.birth_date_ct = (struct privd_blob){p->birth, len};
		}
		privd_consent_state_init(&p->state, p->row.status);
		p->have = true;
	}
	if (!privd_stmt_col_is_null(st, 5)) {
		const struct privd_consent_event ev = {
		    .purpose = privd_stmt_col_text(st, 5),
		    .granted = privd_stmt_col_int64(st, 6) != 0,
		    .at_ms = privd_stmt_col_int64(st, 7),
		    .policy_version = privd_stmt_col_text(st, 8),
		    .text_version = privd_stmt_col_text(st, 9),
		    .text_language = privd_stmt_col_text(st, 10),
		};

		privd_consent_state_apply_event(&p->state, &ev);
	}
	return PRIVD_OK;
}

enum privd_rc privd_repo_population(
    struct privd_db *db, const enum privd_purpose *purposes, size_t npurposes, const char *from, const char *until,
    int (*cb)(void *arg, const struct privd_population_row *row, const struct privd_consent_state *state), void *arg)
{
	struct population p = {.cb = cb, .arg = arg};
	const struct walk_cb to = {.arg = &p};
	struct privd_stmt *st = NULL;
	char sql[1024];
	size_t at;
	enum privd_rc rc;

	if (npurposes == 0 || npurposes > PRIVD_PURPOSE_COUNT)
		return PRIVD_ERR_INTERNAL;
	at =
	    (size_t)snprintf(sql, sizeof(sql),
	                     "SELECT s.subject_id, s.status, s.residence_country, s.created_at, s.birth_date_ct,"
	                     " c.purpose, c.granted, c.created_at, c.policy_version, c.text_version, c.text_language"
	                     " FROM subjects s LEFT JOIN consents c ON c.subject_id = s.subject_id AND c.purpose IN (");
	for (size_t i = 0; i < npurposes; i++)
		at += (size_t)snprintf(sql + at, sizeof(sql) - at, "%s?", i > 0 ? ", " : "");
	snprintf(sql + at, sizeof(sql) - at, ") WHERE s.status <> 'erased'%s%s ORDER BY s.subject_id, c.seq",
	         from != NULL ? " AND s.subject_id >= ?" : "", until != NULL ? " AND s.subject_id < ?" : "");
	rc = privd_db_prepare(db, sql, &st);
	for (size_t i = 0; rc == PRIVD_OK && i < npurposes; i++)
		rc = privd_stmt_bind_text(st, (int)i + 1, privd_purpose_name(purposes[i]));
	if (rc == PRIVD_OK && from != NULL)
		rc = privd_stmt_bind_text(st, (int)npurposes + 1, from);
	if (rc == PRIVD_OK && until != NULL)
		rc = privd_stmt_bind_text(st, (int)npurposes + (from != NULL ? 2 : 1), until);
	rc = walk_stmt(st, rc, population_row, &to);
	if (rc == PRIVD_OK)
		population_flush(&p);
	return rc;
}

enum privd_rc privd_repo_subject_cuts(struct privd_db *db, size_t k, size_t min_each, char (*cut)[33], size_t *ncut)
{
	struct privd_stmt *st = NULL;
	enum privd_rc rc = query_one(db, "SELECT COUNT(*) FROM subjects", &st, "");
	int64_t n = rc == PRIVD_OK ? privd_stmt_col_int64(st, 0) : 0;

	privd_stmt_finalize(st);
	*ncut = 0;
	while (k > 1 && n / (int64_t)k < (int64_t)min_each)
		k--;
	for (size_t i = 1; rc == PRIVD_OK && i < k; i++) {
		st = NULL;
		rc = query_one(db, "SELECT subject_id FROM subjects ORDER BY subject_id LIMIT 1 OFFSET ?", &st, "i",
		               n * (int64_t)i / (int64_t)k);
		if (rc == PRIVD_OK) {
			copy_col(st, 0, cut[*ncut], sizeof(cut[0]));
			/* a cut equal to the one before (the table changed in between) would make an empty range */
			if (cut[*ncut][0] != '\0' && (*ncut == 0 || strcmp(cut[*ncut - 1], cut[*ncut]) < 0))
				*ncut += 1;
		}
		privd_stmt_finalize(st);
		if (rc == PRIVD_ERR_NOT_FOUND) /* fewer subjects than when counted */
			rc = PRIVD_OK;
	}
	return rc;
}
