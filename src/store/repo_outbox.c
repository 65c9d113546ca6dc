/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * repo_outbox.c - the notification outbox: queueing, the delivery worker's claims and outcomes, the operators'
 * pages.
 *
 * Shaped by two loads. A fan-out (a policy published with notify, an incident over every subject) queues
 * hundreds of thousands of notices inside one transaction, so rows go in many to a statement. And several privd
 * nodes on one PostgreSQL drain the same outbox: a claim selects due rows FOR UPDATE SKIP LOCKED and stamps them
 * with a lease, so that two nodes claiming at once take different rows and, once the claim has committed, a node
 * leaves alone what another holds until the lease runs out (it does only when that node died mid-batch); that SQL
 * is the queues' (repo_queue.c), which the transfer batches share. Every outcome is conditional on the notice being
 * still queued, so an erasure that cancelled it meanwhile wins.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/repo_int.h"

void privd_notification_row_clear(struct privd_notification_row *row)
{
	if (row == NULL)
		return;
	privd_blob_clear(&row->recipient_ct);
	privd_blob_clear(&row->body_ct);
}

#define INSERT_COLS                                                                                                    \
	"INSERT INTO notifications(notification_id, subject_id, request_id, kind, channel, status, attempts,"          \
	" recipient_ct, body_ct, created_at, sent_at, last_error, ref, next_attempt_at) VALUES "
#define INSERT_ONE "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
#define INSERT_PARAMS 14

static enum privd_rc bind_row(struct privd_stmt *st, int first, const struct privd_notification_row *row)
{
	return bind_at(st, first, "ttTtttiBBimTTi", row->id, row->subject_id, row->request_id,
	               privd_notice_kind_name(row->kind), row->channel, privd_notice_status_name(row->status),
	               (int64_t)row->attempts, &row->recipient_ct, &row->body_ct, row->created_at, row->sent_at,
	               row->last_error, row->ref, row->next_attempt_at);
}

enum privd_rc privd_repo_notification_insert(struct privd_db *db, const struct privd_notification_row *row)
{
	return privd_repo_notification_insert_each(db, &row, 1);
}

/* 64 rows x 14 parameters a statement on PostgreSQL (insert_rows), well under every engine's limit */
static enum privd_rc bind_pointed(struct privd_stmt *st, int first, size_t i, const void *arg)
{
	const struct privd_notification_row *const *rows = arg;

	return bind_row(st, first, rows[i]);
}

enum privd_rc privd_repo_notification_insert_each(struct privd_db *db, const struct privd_notification_row *const *rows,
                                                  size_t n)
{
	return insert_rows(db, INSERT_COLS, INSERT_ONE, INSERT_PARAMS, n, bind_pointed, rows);
}

enum privd_rc privd_repo_notification_status(struct privd_db *db, const char *id, enum privd_notice_status *status)
{
	char name[STATE_NAME_MAX];
	enum privd_rc rc =
	    query_text(db, "SELECT status FROM notifications WHERE notification_id = ?", id, name, sizeof(name));

	return rc == PRIVD_OK ? state_col(privd_notice_status_parse(name, status)) : rc;
}

#define NOTIFICATION_COLS                                                                                              \
	"notification_id, subject_id, request_id, kind, channel, status, attempts, recipient_ct, body_ct, created_at," \
	" sent_at, last_error, ref, next_attempt_at, lease_until, last_attempt_at"
/* The same columns with the sealed ones left out: what a list without PII reads. */
#define NOTIFICATION_COLS_PLAIN                                                                                        \
	"notification_id, subject_id, request_id, kind, channel, status, attempts, NULL, NULL, created_at,"            \
	" sent_at, last_error, ref, next_attempt_at, lease_until, last_attempt_at"

/* Reads a row of NOTIFICATION_COLS; the sealed blobs point into the statement, valid during the callback only. */
static enum privd_rc notification_from(struct privd_stmt *st, struct privd_notification_row *row)
{
	enum privd_rc rc;

	memset(row, 0, sizeof(*row));
	rc = state_col(privd_notice_kind_parse(privd_stmt_col_text(st, 3), &row->kind));
	if (rc == PRIVD_OK)
		rc = state_col(privd_notice_status_parse(privd_stmt_col_text(st, 5), &row->status));
	if (rc != PRIVD_OK)
		return rc;
	copy_col(st, 0, row->id, sizeof(row->id));
	copy_col(st, 1, row->subject_id, sizeof(row->subject_id));
	copy_col(st, 2, row->request_id, sizeof(row->request_id));
	copy_col(st, 4, row->channel, sizeof(row->channel));
	row->attempts = (int)privd_stmt_col_int64(st, 6);
	blob_view(st, 7, &row->recipient_ct);
	blob_view(st, 8, &row->body_ct);
	row->created_at = privd_stmt_col_int64(st, 9);
	row->sent_at = privd_stmt_col_int64(st, 10);
	copy_col(st, 11, row->last_error, sizeof(row->last_error));
	copy_col(st, 12, row->ref, sizeof(row->ref));
	row->next_attempt_at = privd_stmt_col_int64(st, 13);
	row->lease_until = privd_stmt_col_int64(st, 14);
	row->last_attempt_at = privd_stmt_col_int64(st, 15);
	return PRIVD_OK;
}

static enum privd_rc notification_row(struct privd_stmt *st, const struct walk_cb *to, bool *stop)
{
	struct privd_notification_row row;
	enum privd_rc rc = notification_from(st, &row);

	if (rc == PRIVD_OK)
		*stop = to->fn.notification(to->arg, &row) != 0;
	return rc;
}

enum privd_rc privd_repo_notification_list(struct privd_db *db, const char *subject_id,
                                           int (*cb)(void *arg, const struct privd_notification_row *row), void *arg)
{
	const struct walk_cb to = {.fn.notification = cb, .arg = arg};

	return walk_rows(db,
	                 "SELECT " NOTIFICATION_COLS
	                 " FROM notifications WHERE subject_id = ? ORDER BY created_at, notification_id",
	                 notification_row, &to, "t", subject_id);
}

/* ---- delivery: the outbox is a queue (repo_queue.c) ---- */

static const struct queue_table outbox = {"notifications",
                                          "notification_id",
                                          NOTIFICATION_COLS,
                                          " AND channel IN (?, ?)",
                                          2,
                                          "recipient_ct = NULL, body_ct = NULL",
                                          NULL};

enum privd_rc privd_repo_notification_any_due(struct privd_db *db, const struct privd_notification_due *d, bool *any)
{
	const char *const channels[2] = {d->ch1, d->ch2};

	return queue_any_due(db, &outbox, d->now, channels, any);
}

enum privd_rc privd_repo_notification_claim(struct privd_db *db, const struct privd_notification_due *d,
                                            int64_t lease_until, size_t limit,
                                            int (*cb)(void *arg, const struct privd_notification_row *row), void *arg)
{
	const char *const channels[2] = {d->ch1, d->ch2};
	const struct walk_cb to = {.fn.notification = cb, .arg = arg};

	return queue_claim(db, &outbox, d->now, channels, lease_until, limit, notification_row, &to);
}

enum privd_rc privd_repo_notification_lease(struct privd_db *db, const char *id, int64_t lease_until)
{
	return queue_lease(db, &outbox, id, lease_until);
}

enum privd_rc privd_repo_notification_release_all(struct privd_db *db)
{
	return queue_release_all(db, &outbox);
}

enum privd_rc privd_repo_notification_outcome(struct privd_db *db, const char *id, enum privd_notice_status status,
                                              int64_t now, int64_t next_at, const char *error)
{
	return queue_outcome(db, &outbox, id, status, now, next_at, error, NULL);
}

/* ---- operators' pages ---- */

enum privd_rc privd_repo_notification_page(struct privd_db *db, const struct privd_notification_filter *f,
                                           int (*cb)(void *arg, const struct privd_notification_row *row), void *arg)
{
	const struct walk_cb to = {.fn.notification = cb, .arg = arg};
	struct privd_stmt *st = NULL;
	int64_t after = f->after_created != 0 ? f->after_created : INT64_MIN;
	char sql[512];
	enum privd_rc rc;
	int idx = 4;

	snprintf(sql, sizeof(sql),
	         "SELECT " NOTIFICATION_COLS_PLAIN " FROM notifications"
	         " WHERE (created_at > ? OR (created_at = ? AND notification_id > ?))%s%s"
	         " ORDER BY created_at, notification_id LIMIT ?",
	         f->by_status ? " AND status = ?" : "", f->ref != NULL ? " AND ref = ?" : "");
	rc = privd_db_prepare(db, sql, &st);
	if (rc == PRIVD_OK)
		rc = bind_at(st, 1, "iit", after, after, f->after_id != NULL ? f->after_id : "");
	if (rc == PRIVD_OK && f->by_status)
		rc = privd_stmt_bind_text(st, idx++, privd_notice_status_name(f->status));
	if (rc == PRIVD_OK && f->ref != NULL)
		rc = privd_stmt_bind_text(st, idx++, f->ref);
	if (rc == PRIVD_OK)
		rc = privd_stmt_bind_int64(st, idx, sql_limit(f->limit));
	return walk_stmt(st, rc, notification_row, &to);
}

enum privd_rc privd_repo_notification_count(struct privd_db *db, enum privd_notice_status s, const char *ref,
                                            int64_t *n)
{
	struct privd_stmt *st = NULL;
	enum privd_rc rc = ref != NULL
	                       ? query_one(db, "SELECT COUNT(*) FROM notifications WHERE status = ? AND ref = ?", &st,
	                                   "tt", privd_notice_status_name(s), ref)
	                       : query_one(db, "SELECT COUNT(*) FROM notifications WHERE status = ?", &st, "t",
	                                   privd_notice_status_name(s));

	*n = rc == PRIVD_OK ? privd_stmt_col_int64(st, 0) : 0;
	privd_stmt_finalize(st);
	return rc;
}

/* ---- a fan-out ---- */

#define IDS_PER_QUERY 256

static enum privd_rc contact_row(struct privd_stmt *st, const struct walk_cb *to, bool *stop)
{
	struct privd_subject_contact c;
	enum privd_rc rc;

	memset(&c, 0, sizeof(c));
	rc = state_col(privd_subject_status_parse(privd_stmt_col_text(st, 1), &c.status));
	if (rc != PRIVD_OK)
		return rc;
	copy_col(st, 0, c.id, sizeof(c.id));
	copy_col(st, 2, c.residence_country, sizeof(c.residence_country));
	copy_col(st, 3, c.language, sizeof(c.language));
	blob_view(st, 4, &c.email_ct);
	blob_view(st, 5, &c.phone_ct);
	c.created_at = privd_stmt_col_int64(st, 6);
	*stop = to->fn.contact(to->arg, &c) != 0;
	return PRIVD_OK;
}

/* One query over the subjects f selects, with at most IDS_PER_QUERY of f's ids (from the first-th). */
static enum privd_rc contacts_chunk(struct privd_db *db, const struct privd_subject_filter *f, size_t first,
                                    const struct walk_cb *to)
{
	size_t nids = f->ids == NULL ? 0 : (f->nids - first < IDS_PER_QUERY ? f->nids - first : IDS_PER_QUERY);
	char sql[512 + IDS_PER_QUERY * 3];
	struct privd_stmt *st = NULL;
	size_t at;
	enum privd_rc rc;
	int idx = 1;

	at = (size_t)snprintf(sql, sizeof(sql),
	                      "SELECT subject_id, status, residence_country, language, email_ct, phone_ct, created_at"
	                      " FROM subjects WHERE %s AND created_at >= ? AND created_at < ?",
	                      f->active_only ? "status = 'active'" : "status <> 'erased'");
	if (f->ids != NULL) {
		at += (size_t)snprintf(sql + at, sizeof(sql) - at, " AND subject_id IN (");
		for (size_t i = 0; i < nids; i++)
			at += (size_t)snprintf(sql + at, sizeof(sql) - at, i > 0 ? ", ?" : "?");
		at += (size_t)snprintf(sql + at, sizeof(sql) - at, ")");
	}
	snprintf(sql + at, sizeof(sql) - at, " ORDER BY created_at, subject_id");
	rc = privd_db_prepare(db, sql, &st);
	if (rc == PRIVD_OK)
		rc = bind_at(st, idx, "ii", f->created_from, f->created_to != 0 ? f->created_to : INT64_MAX);
	idx += 2;
	for (size_t i = 0; rc == PRIVD_OK && i < nids; i++)
		rc = privd_stmt_bind_text(st, idx++, f->ids[first + i]);
	return walk_stmt(st, rc, contact_row, to);
}

enum privd_rc privd_repo_subject_contacts(struct privd_db *db, const struct privd_subject_filter *f,
                                          int (*cb)(void *arg, const struct privd_subject_contact *c), void *arg)
{
	const struct walk_cb to = {.fn.contact = cb, .arg = arg};
	enum privd_rc rc = PRIVD_OK;

	if (f->ids == NULL)
		return contacts_chunk(db, f, 0, &to);
	for (size_t i = 0; rc == PRIVD_OK && i < f->nids; i += IDS_PER_QUERY)
		rc = contacts_chunk(db, f, i, &to);
	return rc;
}

/* The keys of a fan-out as insert_rows binds them. */
struct keys_in {
	const char *const *ids;
	const uint8_t *const *keys;
	size_t len;
	int64_t now_ms;
	const char *kid;
};

static enum privd_rc bind_key(struct privd_stmt *st, int first, size_t i, const void *arg)
{
	const struct keys_in *k = arg;

	return bind_at(st, first, "tbit", k->ids[i], (const void *)k->keys[i], k->len, k->now_ms, k->kid);
}

enum privd_rc privd_repo_key_put_many(struct privd_db *ks, const char *const *ids, const uint8_t *const *keys,
                                      size_t len, size_t n, int64_t now_ms, const char *kid)
{
	const struct keys_in k = {ids, keys, len, now_ms, kid};

	return insert_rows(ks, "INSERT INTO data_keys(subject_id, wrapped, created_at, kid) VALUES ", "(?, ?, ?, ?)", 4,
	                   n, bind_key, &k);
}

enum privd_rc privd_repo_notification_erased(struct privd_db *db, const char *ref, int64_t since,
                                             int (*cb)(void *arg, const char *id), void *arg)
{
	const struct walk_cb to = {.fn.id = cb, .arg = arg};

	/* the few subjects erased since (the tombstones' index), then their notices (by subject): never a walk over the
	 * fan-out. SQLite, without statistics, would start from the fan-out's 100,000 notices of ref (or the queued
	 * ones) and look each subject up: CROSS JOIN keeps the order, and ref and status, taken as expressions, are
	 * kept out of the notices' index choice. */
	return walk_rows(db,
	                 "SELECT n.notification_id FROM subjects s CROSS JOIN notifications n"
	                 " WHERE s.status = 'erased' AND s.updated_at >= ? AND n.subject_id = s.subject_id"
	                 " AND n.ref || '' = ? AND n.status || '' = 'queued'",
	                 id_row, &to, "it", since, ref);
}

enum privd_rc privd_repo_notification_cancel(struct privd_db *db, const char *id)
{
	return exec_sql(
	    db,
	    "UPDATE notifications SET status = 'cancelled', recipient_ct = NULL, body_ct = NULL, lease_until = 0"
	    " WHERE notification_id = ? AND status = 'queued'",
	    "t", id);
}

/* ---- a fan-out's progress ---- */

static enum privd_rc tally_row(struct privd_stmt *st, const struct walk_cb *to, bool *stop)
{
	struct privd_notification_tally t;
	enum privd_rc rc;

	memset(&t, 0, sizeof(t));
	rc = state_col(privd_notice_status_parse(privd_stmt_col_text(st, 1), &t.status));
	if (rc != PRIVD_OK)
		return rc;
	copy_col(st, 0, t.channel, sizeof(t.channel));
	t.count = privd_stmt_col_int64(st, 2);
	t.last_sent_at = privd_stmt_col_int64(st, 3);
	*stop = to->fn.tally(to->arg, &t) != 0;
	return PRIVD_OK;
}

enum privd_rc privd_repo_notification_tally(struct privd_db *db, const char *ref,
                                            int (*cb)(void *arg, const struct privd_notification_tally *t), void *arg)
{
	const struct walk_cb to = {.fn.tally = cb, .arg = arg};

	return walk_rows(db,
	                 "SELECT channel, status, COUNT(*), MAX(sent_at) FROM notifications WHERE ref = ?"
	                 " GROUP BY channel, status ORDER BY channel, status",
	                 tally_row, &to, "t", ref);
}
