/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * repo_queue.c - the outbound queues' SQL, written once: the notification outbox and the transfer batches are both
 * queues a delivery worker drains (service/worker.c), and both are claimed, leased and released the same way.
 *
 * A row waits while its status is 'queued'; it is due once next_attempt_at has passed, and free while lease_until
 * has. A claim selects due free rows, oldest due first (PostgreSQL: FOR UPDATE SKIP LOCKED, so nodes claiming at
 * once take different rows), then stamps them with a lease, so that once the claim commits another node leaves them
 * alone until the lease runs out (it only does when the claiming node died mid-batch). What differs from one queue
 * to another is the table, its columns and an optional extra condition; that is struct queue_table.
 */
#include <stdlib.h>
#include <string.h>

#include "store/repo_int.h"

#define DUE " WHERE status = 'queued' AND next_attempt_at <= ? AND lease_until < ?"

/* Prepares "<head> FROM <table> WHERE <due><filter><tail>" and binds now, now and the filter's text arguments. */
static enum privd_rc prepare_due(struct privd_db *db, const struct queue_table *q, const char *head, const char *tail,
                                 int64_t now, const char *const *args, struct privd_stmt **st)
{
	char sql[1024];
	enum privd_rc rc;

	if ((size_t)snprintf(sql, sizeof(sql), "%s FROM %s" DUE "%s%s", head, q->table, q->filter, tail) >= sizeof(sql))
		return PRIVD_ERR_INTERNAL;
	rc = privd_db_prepare(db, sql, st);
	if (rc == PRIVD_OK)
		rc = bind_at(*st, 1, "ii", now, now);
	for (int i = 0; rc == PRIVD_OK && i < q->nargs; i++)
		rc = privd_stmt_bind_text(*st, 3 + i, args[i]);
	return rc;
}

enum privd_rc queue_any_due(struct privd_db *db, const struct queue_table *q, int64_t now, const char *const *args,
                            bool *any)
{
	struct privd_stmt *st = NULL;
	enum privd_rc rc = prepare_due(db, q, "SELECT 1", " LIMIT 1", now, args, &st);

	if (rc == PRIVD_OK)
		rc = step_row(st);
	privd_stmt_finalize(st);
	*any = rc == PRIVD_OK;
	return rc == PRIVD_ERR_NOT_FOUND ? PRIVD_OK : rc;
}

struct claimed {
	enum privd_rc (*read)(struct privd_stmt *st, const struct walk_cb *to, bool *stop);
	const struct walk_cb *to;
	char (*ids)[40];
	size_t n;
};

/* Notes the row's id (its first column), then hands the row to the queue's own reader. */
static enum privd_rc claim_row(struct privd_stmt *st, const struct walk_cb *to, bool *stop)
{
	struct claimed *c = to->arg;

	copy_col(st, 0, c->ids[c->n++], sizeof(c->ids[0]));
	return c->read(st, c->to, stop);
}

enum privd_rc queue_claim(struct privd_db *db, const struct queue_table *q, int64_t now, const char *const *args,
                          int64_t lease_until, size_t limit,
                          enum privd_rc (*read)(struct privd_stmt *st, const struct walk_cb *to, bool *stop),
                          const struct walk_cb *to)
{
	struct claimed c = {read, to, NULL, 0};
	const struct walk_cb mine = {.arg = &c};
	struct privd_stmt *st = NULL;
	char head[512];
	enum privd_rc rc;

	if (limit == 0)
		return PRIVD_OK;
	c.ids = calloc(limit, sizeof(*c.ids));
	if (c.ids == NULL)
		return PRIVD_ERR_NOMEM;
	snprintf(head, sizeof(head), "SELECT %s", q->cols);
	rc = prepare_due(db, q, head,
	                 privd_db_engine(db) == PRIVD_DB_POSTGRES
	                     ? " ORDER BY next_attempt_at LIMIT ? FOR UPDATE SKIP LOCKED"
	                     : " ORDER BY next_attempt_at LIMIT ?",
	                 now, args, &st);
	if (rc == PRIVD_OK)
		rc = privd_stmt_bind_int64(st, 3 + q->nargs, sql_limit(limit));
	/* the rows first, then the leases: no UPDATE while the SELECT is stepped */
	rc = walk_stmt(st, rc, claim_row, &mine);
	for (size_t i = 0; rc == PRIVD_OK && i < c.n; i++)
		rc = queue_lease(db, q, c.ids[i], lease_until);
	free(c.ids);
	return rc;
}

enum privd_rc queue_lease(struct privd_db *db, const struct queue_table *q, const char *id, int64_t lease_until)
{
	char sql[256];

	snprintf(sql, sizeof(sql), "UPDATE %s SET lease_until = ? WHERE %s = ? AND status = 'queued'", q->table, q->id);
	return exec_sql(db, sql, "it", lease_until, id);
}

enum privd_rc queue_outcome(struct privd_db *db, const struct queue_table *q, const char *id,
                            enum privd_notice_status status, int64_t now, int64_t next_at, const char *error,
                            const char *keep)
{
	char sql[512];

	switch (status) {
	case PRIVD_NOTICE_SENT:
		snprintf(sql, sizeof(sql),
		         "UPDATE %s SET status = 'sent', attempts = attempts + 1, sent_at = ?, last_attempt_at = ?,"
		         " last_error = NULL, lease_until = 0, %s WHERE %s = ? AND status = 'queued'",
		         q->table, q->emptied, q->id);
		return exec_update(db, sql, "iit", now, now, id);
	case PRIVD_NOTICE_FAILED:
		snprintf(
		    sql, sizeof(sql),
		    "UPDATE %s SET status = 'failed', attempts = attempts + 1, last_attempt_at = ?, last_error = ?,"
		    " lease_until = 0, %s WHERE %s = ? AND status = 'queued'",
		    q->table, q->emptied, q->id);
		return exec_update(db, sql, "iTt", now, error, id);
	case PRIVD_NOTICE_QUEUED:
		if (q->kept != NULL && keep != NULL) {
			snprintf(sql, sizeof(sql),
			         "UPDATE %s SET attempts = attempts + 1, last_attempt_at = ?, last_error = ?,"
			         " next_attempt_at = ?, lease_until = 0, %s = ? WHERE %s = ? AND status = 'queued'",
			         q->table, q->kept, q->id);
			return exec_update(db, sql, "iTitt", now, error, next_at, keep, id);
		}
		snprintf(
		    sql, sizeof(sql),
		    "UPDATE %s SET attempts = attempts + 1, last_attempt_at = ?, last_error = ?, next_attempt_at = ?,"
		    " lease_until = 0 WHERE %s = ? AND status = 'queued'",
		    q->table, q->id);
		return exec_update(db, sql, "iTit", now, error, next_at, id);
	default:
		return PRIVD_ERR_INTERNAL;
	}
}

enum privd_rc queue_release_all(struct privd_db *db, const struct queue_table *q)
{
	char sql[256];

	snprintf(sql, sizeof(sql), "UPDATE %s SET lease_until = 0 WHERE lease_until <> 0 AND status = 'queued'",
	         q->table);
	return exec_sql(db, sql, "");
}
