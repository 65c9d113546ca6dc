/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * repo_webhooks.h - webhook subscriptions and their deliveries (repo_webhooks.c).
 *
 * A subscription names a URL, the event types it wants and its signing secret, sealed by the service under a key of
 * its own. A delivery is one event for one subscription: an outbound queue like the notification outbox (claimed,
 * leased, retried through repo_queue.c), holding the event's type and the id and type of what it is about, never
 * anything of a person beyond an id.
 */
#ifndef PRIVD_STORE_REPO_WEBHOOKS_H
#define PRIVD_STORE_REPO_WEBHOOKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/rc.h"
#include "store/db.h"
#include "store/repo.h"

struct privd_webhook_row {
	char id[33];
	char url[1024];
	char events[256]; /* the event types, comma-separated */
	bool active;
	char actor[80];
	int64_t created_at, deleted_at;
	struct privd_blob secret_ct; /* sealed; read by privd_repo_webhook_get only */
};

struct privd_webhook_delivery_row {
	int64_t seq; /* the list's cursor */
	char id[33];
	char webhook_id[33];
	char event[40];
	char object_type[24];
	char object_id[40];
	char status[16]; /* "queued", "sent", "failed" */
	int attempts;
	int64_t created_at, next_attempt_at, last_attempt_at, sent_at;
	char last_error[256];
};

/* Inserts a subscription (active, with its sealed secret). */
enum privd_rc privd_repo_webhook_insert(struct privd_db *db, const struct privd_webhook_row *row);
/* A subscription, its sealed secret included (malloc'd: privd_blob_clear); PRIVD_ERR_NOT_FOUND. */
enum privd_rc privd_repo_webhook_get(struct privd_db *db, const char *id, struct privd_webhook_row *out);
/* Calls cb for each subscription not deleted, oldest first, created after after_created (0: from the start), at
 * most limit (0: all); non-zero from cb stops. No secret is read. */
enum privd_rc privd_repo_webhook_list(struct privd_db *db, int64_t after_created, size_t limit,
                                      int (*cb)(void *arg, const struct privd_webhook_row *row), void *arg);
/* Deletes a subscription: inactive, deleted_at now, its sealed secret dropped, its queued deliveries failed.
 * PRIVD_ERR_NOT_FOUND when there is no active one. */
enum privd_rc privd_repo_webhook_delete(struct privd_db *db, const char *id, int64_t now);
/* Calls cb with the id of every active subscription that wants event; non-zero from cb stops. */
enum privd_rc privd_repo_webhook_subscribers(struct privd_db *db, const char *event,
                                             int (*cb)(void *arg, const char *id), void *arg);
/* Queues a delivery: row's id, webhook_id, event, object_type, object_id and created_at (due at once). */
enum privd_rc privd_repo_webhook_delivery_insert(struct privd_db *db, const struct privd_webhook_delivery_row *row);
/* The deliveries of webhook_id after the cursor after (a seq; 0 from the start), oldest first, at most limit; only
 * those with status when status is not NULL. */
enum privd_rc privd_repo_webhook_deliveries(struct privd_db *db, const char *webhook_id, const char *status,
                                            int64_t after, size_t limit,
                                            int (*cb)(void *arg, const struct privd_webhook_delivery_row *row),
                                            void *arg);

/* ---- the queue (repo_queue.c's claim, lease, outcome) ---- */
enum privd_rc privd_repo_webhook_claim(struct privd_db *db, int64_t now, int64_t lease_until, size_t limit,
                                       int (*cb)(void *arg, const struct privd_webhook_delivery_row *row), void *arg);
enum privd_rc privd_repo_webhook_lease(struct privd_db *db, const char *id, int64_t lease_until);
enum privd_rc privd_repo_webhook_any_due(struct privd_db *db, int64_t now, bool *any);
enum privd_rc privd_repo_webhook_release_all(struct privd_db *db);
/* An attempt's outcome (queue_outcome): status "sent", "failed" or "queued" (again at next_at). */
enum privd_rc privd_repo_webhook_outcome(struct privd_db *db, const char *id, enum privd_notice_status status,
                                         int64_t now, int64_t next_at, const char *error);
/* How many deliveries wait. */
enum privd_rc privd_repo_webhook_queued(struct privd_db *db, int64_t *n);

#endif
