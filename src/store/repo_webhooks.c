/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * repo_webhooks.c - webhook subscriptions and their deliveries (see repo_webhooks.h).
 *
 * The event types a subscription wants are stored as ",a,b,", so that the subscribers of an event are one LIKE
 * over a small table, read inside the transaction of the write the event is about. The deliveries are a queue of
 * repo_queue.c's kind: what differs from the outbox is only the table.
 */
#include "store/repo_webhooks.h"

#include <stdio.h>
#include <string.h>

#include "store/repo_int.h"

#define DELIVERY_COLS                                                                                                  \
	"delivery_id, seq, webhook_id, event, object_type, object_id, status, attempts, created_at, next_attempt_at,"  \
	" last_attempt_at, sent_at, last_error"

static const struct queue_table deliveries = {"webhook_deliveries", "delivery_id", DELIVERY_COLS, "", 0,
                                              "done = 1",           NULL};

enum privd_rc privd_repo_webhook_insert(struct privd_db *db, const struct privd_webhook_row *row)
{
	char events[sizeof(row->events) + 2];

	snprintf(events, sizeof(events), ",%s,", row->events);
	return exec_sql(db,
	                "INSERT INTO webhooks(webhook_id, url, events, active, actor, created_at, secret_ct)"
	                " VALUES (?, ?, ?, 1, ?, ?, ?)",
	                "ttttiB", row->id, row->url, events, row->actor, row->created_at, &row->secret_ct);
}

/* The columns of a subscription from column 0: webhook_id, url, events, active, actor, created_at, deleted_at. */
static void webhook_from(struct privd_stmt *st, struct privd_webhook_row *out)
{
	char events[sizeof(out->events) + 2];
	size_t n;

	memset(out, 0, sizeof(*out));
	copy_col(st, 0, out->id, sizeof(out->id));
	copy_col(st, 1, out->url, sizeof(out->url));
	copy_col(st, 2, events, sizeof(events));
	n = strlen(events);
	if (n >= 2 && events[0] == ',' && events[n - 1] == ',') { /* ",a,b," back to "a,b" */
		events[n - 1] = '\0';
		n -= 2;
		memcpy(out->events, events + 1, n < sizeof(out->events) ? n + 1 : 0);
	}
	out->active = privd_stmt_col_int64(st, 3) != 0;
	copy_col(st, 4, out->actor, sizeof(out->actor));
	out->created_at = privd_stmt_col_int64(st, 5);
	out->deleted_at = privd_stmt_col_int64(st, 6);
}

#define WEBHOOK_COLS "webhook_id, url, events, active, actor, created_at, deleted_at"

enum privd_rc privd_repo_webhook_get(struct privd_db *db, const char *id, struct privd_webhook_row *out)
{
	struct privd_stmt *st = NULL;
	enum privd_rc rc =
	    query_one(db, "SELECT " WEBHOOK_COLS ", secret_ct FROM webhooks WHERE webhook_id = ?", &st, "t", id);

	memset(out, 0, sizeof(*out));
	if (rc == PRIVD_OK) {
		webhook_from(st, out);
		rc = blob_col(st, 7, &out->secret_ct);
	}
	privd_stmt_finalize(st);
	return rc;
}

static enum privd_rc webhook_row(struct privd_stmt *st, const struct walk_cb *to, bool *stop)
{
	struct privd_webhook_row row;

	webhook_from(st, &row);
	*stop = to->fn.webhook(to->arg, &row) != 0;
	return PRIVD_OK;
}

enum privd_rc privd_repo_webhook_list(struct privd_db *db, int64_t after_created, size_t limit,
                                      int (*cb)(void *arg, const struct privd_webhook_row *row), void *arg)
{
	const struct walk_cb to = {.fn.webhook = cb, .arg = arg};

	return walk_rows(db,
	                 "SELECT " WEBHOOK_COLS " FROM webhooks WHERE active = 1 AND created_at > ?"
	                 " ORDER BY created_at, webhook_id LIMIT ?",
	                 webhook_row, &to, "ii", after_created, sql_limit(limit));
}

enum privd_rc privd_repo_webhook_delete(struct privd_db *db, const char *id, int64_t now)
{
	enum privd_rc rc = exec_update(
	    db, "UPDATE webhooks SET active = 0, deleted_at = ?, secret_ct = NULL WHERE webhook_id = ? AND active = 1",
	    "it", now, id);

	if (rc != PRIVD_OK)
		return rc;
	return exec_sql(db,
	                "UPDATE webhook_deliveries SET status = 'failed', last_error = 'the subscription was deleted',"
	                " lease_until = 0, done = 1 WHERE webhook_id = ? AND status = 'queued'",
	                "t", id);
}

enum privd_rc privd_repo_webhook_subscribers(struct privd_db *db, const char *event,
                                             int (*cb)(void *arg, const char *id), void *arg)
{
	const struct walk_cb to = {.fn.id = cb, .arg = arg};
	char pattern[64];

	snprintf(pattern, sizeof(pattern), "%%,%s,%%", event);
	return walk_rows(db, "SELECT webhook_id FROM webhooks WHERE active = 1 AND events LIKE ? ORDER BY webhook_id",
	                 id_row, &to, "t", pattern);
}

enum privd_rc privd_repo_webhook_delivery_insert(struct privd_db *db, const struct privd_webhook_delivery_row *row)
{
	return exec_sql(db,
	                "INSERT INTO webhook_deliveries(delivery_id, webhook_id, event, object_type, object_id, status,"
	                " attempts, created_at, next_attempt_at, lease_until, done) VALUES (?, ?, ?, ?, ?, 'queued', 0,"
	                " ?, 0, 0, 0)",
	                "ttttti", row->id, row->webhook_id, row->event, row->object_type, row->object_id,
	                row->created_at);
}

static enum privd_rc delivery_row(struct privd_stmt *st, const struct walk_cb *to, bool *stop)
{
	struct privd_webhook_delivery_row row;

	memset(&row, 0, sizeof(row));
	copy_col(st, 0, row.id, sizeof(row.id));
	row.seq = privd_stmt_col_int64(st, 1);
	copy_col(st, 2, row.webhook_id, sizeof(row.webhook_id));
	copy_col(st, 3, row.event, sizeof(row.event));
	copy_col(st, 4, row.object_type, sizeof(row.object_type));
	copy_col(st, 5, row.object_id, sizeof(row.object_id));
	copy_col(st, 6, row.status, sizeof(row.status));
	row.attempts = (int)privd_stmt_col_int64(st, 7);
	row.created_at = privd_stmt_col_int64(st, 8);
	row.next_attempt_at = privd_stmt_col_int64(st, 9);
	row.last_attempt_at = privd_stmt_col_int64(st, 10);
	row.sent_at = privd_stmt_col_int64(st, 11);
	copy_col(st, 12, row.last_error, sizeof(row.last_error));
	*stop = to->fn.webhook_delivery(to->arg, &row) != 0;
	return PRIVD_OK;
}

enum privd_rc privd_repo_webhook_deliveries(struct privd_db *db, const char *webhook_id, const char *status,
                                            int64_t after, size_t limit,
                                            int (*cb)(void *arg, const struct privd_webhook_delivery_row *row),
                                            void *arg)
{
	const struct walk_cb to = {.fn.webhook_delivery = cb, .arg = arg};

	if (status != NULL)
		return walk_rows(db,
		                 "SELECT " DELIVERY_COLS " FROM webhook_deliveries WHERE webhook_id = ? AND status = ?"
		                 " AND seq > ? ORDER BY seq LIMIT ?",
		                 delivery_row, &to, "ttii", webhook_id, status, after, sql_limit(limit));
	return walk_rows(db,
	                 "SELECT " DELIVERY_COLS " FROM webhook_deliveries WHERE webhook_id = ? AND seq > ?"
	                 " ORDER BY seq LIMIT ?",
	                 delivery_row, &to, "tii", webhook_id, after, sql_limit(limit));
}

enum privd_rc privd_repo_webhook_claim(struct privd_db *db, int64_t now, int64_t lease_until, size_t limit,
                                       int (*cb)(void *arg, const struct privd_webhook_delivery_row *row), void *arg)
{
	const struct walk_cb to = {.fn.webhook_delivery = cb, .arg = arg};

	return queue_claim(db, &deliveries, now, NULL, lease_until, limit, delivery_row, &to);
}

enum privd_rc privd_repo_webhook_lease(struct privd_db *db, const char *id, int64_t lease_until)
{
	return queue_lease(db, &deliveries, id, lease_until);
}

enum privd_rc privd_repo_webhook_any_due(struct privd_db *db, int64_t now, bool *any)
{
	return queue_any_due(db, &deliveries, now, NULL, any);
}

enum privd_rc privd_repo_webhook_release_all(struct privd_db *db)
{
	return queue_release_all(db, &deliveries);
}

enum privd_rc privd_repo_webhook_outcome(struct privd_db *db, const char *id, enum privd_notice_status status,
                                         int64_t now, int64_t next_at, const char *error)
{
	return queue_outcome(db, &deliveries, id, status, now, next_at, error, NULL);
}

enum privd_rc privd_repo_webhook_queued(struct privd_db *db, int64_t *n)
{
	struct privd_stmt *st = NULL;
	enum privd_rc rc = query_one(db, "SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'queued'", &st, "");

	*n = rc == PRIVD_OK ? privd_stmt_col_int64(st, 0) : 0;
	privd_stmt_finalize(st);
	return rc;
}
