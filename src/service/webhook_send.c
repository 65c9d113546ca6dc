/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * webhook_send.c - webhook deliveries as an outbound queue, drained by the same workers as the notification outbox
 * and the transfers (worker.c): the same claims, leases, retries with backoff and jitter, and give-up.
 *
 * Each attempt is signed afresh in the Standard Webhooks format (https://www.standardwebhooks.com): webhook-id is
 * the delivery's id, the same on every attempt so that a receiver drops a repeat; webhook-timestamp is the attempt's
 * time in seconds; webhook-signature is "v1," and the base64 HMAC-SHA256, keyed by the secret's bytes (the base64
 * after "whsec_"), of "<id>.<timestamp>.<body>". The secret is opened from the keystore for the attempt and zeroed
 * after it. The body names the event and the id and type of its object only:
 *   {"type":"request.filed","timestamp":"2026-11-30T12:00:00.000Z","data":{"object":"request","id":"..."}}
 * A receiver answers 2xx when it took the event; 408, 429, 5xx or no answer is tried again later; any other status
 * gives the delivery up. A deleted subscription's deliveries fail.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/log.h"
#include "core/time.h"
#include "notify/post.h"
#include "notify/smtp.h" /* privd_notify_global_init */
#include "service/service_int.h"
#include "service/webhooks.h"
#include "store/repo_webhooks.h"

struct item {
	struct privd_webhook_delivery_row row;
};

struct conn {
	struct privd_service *svc;
	struct privd_post *post; /* to the URL it posted to last */
	long timeout;
	bool allow_http;
};

/* A few deliveries claimed at once by the one worker. */
#define CLAIM_BATCH 8

struct privd_webhooks {
	struct privd_service *svc;
	struct privd_workers *workers;
};

static int claim_copy(void *arg, const struct privd_webhook_delivery_row *row)
{
	struct privd_claiming *k = arg;
	struct item *it = privd_claiming_item(k);

	it->row = *row;
	return privd_claiming_add(k, row->id, row->attempts);
}

static enum privd_rc q_claim(struct privd_db *db, void *q, int64_t now, int64_t lease_until, struct privd_claiming *k)
{
	(void)q;
	return privd_repo_webhook_claim(db, now, lease_until, k->cap, claim_copy, k);
}

static enum privd_rc q_any_due(struct privd_db *db, void *q, int64_t now, bool *any)
{
	(void)q;
	return privd_repo_webhook_any_due(db, now, any);
}

static void q_clear(void *q, struct privd_claim *c)
{
	(void)q;
	(void)c;
}

/* The secret's bytes (the base64 after "whsec_") into key; *len how many. */
static enum privd_rc secret_key(struct privd_service *svc, const struct privd_webhook_row *w, uint8_t key[64],
                                size_t *len)
{
	char owner[40], secret[PRIVD_WEBHOOK_SECRET_MAX];
	const struct privd_vault_opening f = {"secret", &w->secret_ct, secret, sizeof(secret), NULL};
	enum privd_rc rc;

	snprintf(owner, sizeof(owner), "whk:%s", w->id);
	rc = privd_vault_open(svc->vault, NULL, owner, &f, 1);
	if (rc == PRIVD_OK &&
	    (strncmp(secret, "whsec_", 6) != 0 || sodium_base642bin(key, 64, secret + 6, strlen(secret + 6), NULL, len,
	                                                            NULL, sodium_base64_VARIANT_ORIGINAL) != 0))
		rc = PRIVD_ERR_CRYPTO;
	sodium_memzero(secret, sizeof(secret));
	return rc;
}

/* "v1," and the base64 HMAC-SHA256 of "<id>.<ts>.<body>" under key. */
static void sign(const uint8_t *key, size_t klen, const char *id, const char *ts, const char *body, char out[64])
{
	crypto_auth_hmacsha256_state st;
	unsigned char mac[crypto_auth_hmacsha256_BYTES];

	crypto_auth_hmacsha256_init(&st, key, klen);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)id, strlen(id));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)".", 1);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)ts, strlen(ts));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)".", 1);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, strlen(body));
	crypto_auth_hmacsha256_final(&st, mac);
	memcpy(out, "v1,", 3);
	sodium_bin2base64(out + 3, 61, mac, sizeof(mac), sodium_base64_VARIANT_ORIGINAL);
	sodium_memzero(&st, sizeof(st));
}

/* Signs and posts the delivery to w. */
static void post(struct conn *k, const struct privd_webhook_row *w, const struct item *it, const uint8_t *key,
                 size_t klen, struct privd_send_result *res)
{
	char when[PRIVD_TIME_LEN], body[256], ts[24], sig[64], h_id[64], h_ts[48], h_sig[96];
	const char *headers[4] = {h_id, h_ts, h_sig, "Content-Type: application/json"};
	enum privd_rc rc = PRIVD_OK;

	privd_time_format(it->row.created_at, when);
	snprintf(body, sizeof(body),
	         "{\"type\":\"%s\",\"timestamp\":\"%s\",\"data\":{\"object\":\"%s\",\"id\":\"%s\"}}", it->row.event,
	         when, it->row.object_type, it->row.object_id);
	snprintf(ts, sizeof(ts), "%lld", (long long)(privd_now_ms() / 1000));
	sign(key, klen, it->row.id, ts, body, sig);
	snprintf(h_id, sizeof(h_id), "webhook-id: %s", it->row.id);
	snprintf(h_ts, sizeof(h_ts), "webhook-timestamp: %s", ts);
	snprintf(h_sig, sizeof(h_sig), "webhook-signature: %s", sig);
	if (k->post == NULL || strcmp(privd_post_url(k->post), w->url) != 0) {
		privd_post_free(k->post);
		k->post = NULL;
		rc = privd_post_new(w->url, k->timeout, &k->post);
	}
	if (rc == PRIVD_OK) {
		privd_post_send(k->post, headers, 4, body, strlen(body), "webhook", res);
	} else {
		res->outcome = rc == PRIVD_ERR_NOMEM ? PRIVD_SEND_RETRY : PRIVD_SEND_PERMANENT;
		snprintf(res->error, sizeof(res->error), "cannot post to the webhook (%s)", privd_rc_str(rc));
	}
}

static void q_send(void *q, void *conn, struct privd_claim *c, struct privd_send_result *res)
{
	struct privd_webhooks *x = q;
	struct conn *k = conn;
	struct item *it = c->item;
	struct privd_webhook_row w;
	struct privd_reader *rd = NULL;
	const char *reason = NULL;
	uint8_t key[64];
	size_t klen = 0;
	enum privd_rc rc = privd_reader_get(x->svc, &rd);

	memset(&w, 0, sizeof(w));
	if (rc == PRIVD_OK) {
		rc = privd_repo_webhook_get(rd->db, it->row.webhook_id, &w);
		privd_reader_put(x->svc, rd, rc == PRIVD_ERR_DB);
	}
	if (rc == PRIVD_OK && !w.active)
		rc = PRIVD_ERR_GONE;
	if (rc == PRIVD_OK)
		rc = secret_key(x->svc, &w, key, &klen);
	if (rc == PRIVD_OK && privd_webhook_url_check(w.url, k->allow_http, &reason) != PRIVD_OK) {
		c->fate = PRIVD_CLAIM_FAILED;
		snprintf(c->error, sizeof(c->error), "the URL is no longer allowed: %s", reason);
	} else if (rc == PRIVD_ERR_NOT_FOUND || rc == PRIVD_ERR_GONE || rc == PRIVD_ERR_CRYPTO) {
		c->fate = PRIVD_CLAIM_FAILED;
		snprintf(c->error, sizeof(c->error), "the subscription or its secret is gone");
	} else if (rc != PRIVD_OK) {
		c->fate = PRIVD_CLAIM_RELEASE; /* the database did not answer: another time, no attempt counted */
	} else {
		post(k, &w, it, key, klen, res);
	}
	sodium_memzero(key, sizeof(key));
	privd_blob_clear(&w.secret_ct);
}

static enum privd_rc q_record(struct privd_db *db, void *q, struct privd_claim *c, int64_t now)
{
	struct privd_webhooks *x = q;
	struct item *it = c->item;
	char detail[512];
	struct privd_jsonw w;
	enum privd_rc rc = privd_repo_webhook_outcome(db, c->id,
	                                              c->fate == PRIVD_CLAIM_SENT     ? PRIVD_NOTICE_SENT
	                                              : c->fate == PRIVD_CLAIM_FAILED ? PRIVD_NOTICE_FAILED
	                                                                              : PRIVD_NOTICE_QUEUED,
	                                              now, c->next_at, c->error);

	if (rc != PRIVD_OK || c->fate != PRIVD_CLAIM_FAILED)
		return rc;
	privd_jsonw_init(&w, detail, sizeof(detail));
	privd_jsonw_str(&w, "delivery", c->id);
	privd_jsonw_str(&w, "event", it->row.event);
	privd_jsonw_int(&w, "attempts", c->attempts + 1);
	privd_jsonw_str(&w, "error", c->error);
	privd_jsonw_end(&w);
	return privd_audit_append(x->svc, db, "system", "webhook.failed", "webhook", it->row.webhook_id, detail);
}

static enum privd_rc q_open(void *q, const struct privd_config *cfg, void **out, struct privd_err *err)
{
	struct privd_webhooks *x = q;
	struct privd_worker_config wc = {.lease_ms = (int64_t)cfg->notify_lease_seconds * 1000};
	struct conn *k = calloc(1, sizeof(*k));

	if (k == NULL)
		return privd_err_set(err, PRIVD_ERR_NOMEM, "out of memory");
	k->svc = x->svc;
	k->timeout = (long)(privd_workers_timeout_ms(&wc) / 1000);
	k->allow_http = cfg->webhooks_allow_http;
	*out = k;
	return PRIVD_OK;
}

static void q_close(void *conn)
{
	struct conn *k = conn;

	if (k == NULL)
		return;
	privd_post_free(k->post);
	free(k);
}

static const struct privd_queue_ops delivery_ops = {
    .name = "webhook",
    .item_size = sizeof(struct item),
    .open = q_open,
    .close = q_close,
    .claim = q_claim,
    .lease = privd_repo_webhook_lease,
    .any_due = q_any_due,
    .release_all = privd_repo_webhook_release_all,
    .send = q_send,
    .record = q_record,
    .clear = q_clear,
};

enum privd_rc privd_webhooks_start(struct privd_service *svc, struct privd_err *err)
{
	struct privd_webhooks *x = calloc(1, sizeof(*x));
	enum privd_rc rc;

	if (x == NULL)
		return privd_err_set(err, PRIVD_ERR_NOMEM, "out of memory");
	x->svc = svc;
	rc = privd_workers_start_notify(svc, &delivery_ops, x, CLAIM_BATCH, &x->workers, err);
	if (rc != PRIVD_OK) {
		free(x);
		return rc;
	}
	svc->webhooks = x;
	return PRIVD_OK;
}

void privd_webhooks_stop(struct privd_service *svc)
{
	struct privd_webhooks *x = svc->webhooks;

	if (x == NULL)
		return;
	privd_workers_stop(x->workers);
	svc->webhooks = NULL;
	free(x);
}

enum privd_rc privd_webhooks_reload(struct privd_service *svc, const struct privd_config *next, struct privd_err *err)
{
	if (svc->webhooks == NULL)
		return PRIVD_OK;
	return privd_workers_reload_notify(svc->webhooks->workers, next, CLAIM_BATCH, err);
}
