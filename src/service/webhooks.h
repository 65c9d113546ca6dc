/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * webhooks.h - webhooks: an application's server told when a rights request is filed or completed, an incident
 * created, a transfer sent, by a POST signed in the Standard Webhooks format (webhook-id, webhook-timestamp,
 * webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">).
 *
 * Admins subscribe a URL to event types and get the signing secret once. An event is queued for each subscriber in
 * the same transaction as the write it is about (so none is lost and none is told of a write that did not commit),
 * and the delivery workers of the notification outbox (worker.c) send it, retried with backoff. A payload names the
 * event and the id and type of what it is about, nothing else: a receiver that needs more asks the API with its key.
 */
#ifndef PRIVD_SERVICE_WEBHOOKS_H
#define PRIVD_SERVICE_WEBHOOKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/rc.h"
#include "service/service.h"

/* "whsec_" and the base64 of 32 random bytes, with its NUL. */
#define PRIVD_WEBHOOK_SECRET_MAX 64
/* The most event types a subscription names. */
#define PRIVD_WEBHOOK_EVENTS_MAX 8

struct privd_webhook {
	char id[33];
	char url[1024];
	char events[256]; /* comma-separated */
	char actor[80];
	int64_t created_at;
};

struct privd_webhook_delivery {
	int64_t cursor; /* the list's after */
	char id[33];    /* also the webhook-id header: the same on every attempt */
	char event[40];
	char object_type[24];
	char object_id[40];
	char status[16]; /* "queued", "sent", "failed" */
	int attempts;
	int64_t created_at, next_attempt_at, last_attempt_at, sent_at;
	char last_error[256];
};

/* True for an event type privd sends: request.filed, request.completed, incident.created, transfer.sent. */
bool privd_webhook_event_known(const char *event);

/* Subscribes url (https://; http:// to the loopback host only with [webhooks] allow_http) to the n event types of
 * events (1 to PRIVD_WEBHOOK_EVENTS_MAX known ones, repeats ignored). *out is the subscription, secret its signing
 * secret (shown this once). Audited as webhook.create. PRIVD_ERR_INVALID naming "url" or "events" (err). */
enum privd_rc privd_service_webhook_create(struct privd_service *svc, const struct privd_principal *who,
                                           const char *url, const char *const *events, size_t n,
                                           struct privd_webhook *out, char secret[PRIVD_WEBHOOK_SECRET_MAX],
                                           struct privd_err *err);
/* The subscriptions, oldest first, created after after (a created_at; 0 from the start), at most limit; the
 * cursor of each is its created_at. Non-zero from cb stops. */
enum privd_rc privd_service_webhook_list(struct privd_service *svc, int64_t after, size_t limit,
                                         int (*cb)(void *arg, const struct privd_webhook *w), void *arg);
/* Deletes a subscription: nothing more is sent to it, its queued deliveries fail, its secret is destroyed.
 * Audited as webhook.delete. PRIVD_ERR_NOT_FOUND for none. */
enum privd_rc privd_service_webhook_delete(struct privd_service *svc, const struct privd_principal *who, const char *id,
                                           struct privd_err *err);
/* The delivery log of subscription id (deleted ones included), oldest first, after the cursor after, at most
 * limit, only status ("queued", "sent", "failed") when not NULL. PRIVD_ERR_NOT_FOUND for an unknown id. */
enum privd_rc privd_service_webhook_deliveries(struct privd_service *svc, const char *id, const char *status,
                                               int64_t after, size_t limit,
                                               int (*cb)(void *arg, const struct privd_webhook_delivery *d), void *arg);

#endif
