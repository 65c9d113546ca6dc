/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * delivery.c - the delivery of notices: the outbox drained through SMTP and the SMS gateway by the outbound queue
 * workers (worker.c), [notify] connections of them at once, each with a connection of its own to the server and to
 * the gateway, kept from message to message.
 *
 * The workers claim, lease, retry with backoff and record, as for every outbound queue; what is a notice's is here.
 * Each notice is opened with its own message key, rendered in its person's language (notify/), and sent. A refusal
 * for good (an SMTP 5xx, an HTTP 4xx) fails it at once; anything else is tried again after a wait that doubles from
 * [notify] retry_seconds, until [notify] max_attempts. Delivery is at least once: the Message-ID and the SMS "id"
 * stay the same when a notice is sent again, so a receiver can drop the repeat. Once a notice is final (sent or
 * failed) its sealed recipient and text are emptied and an audit entry written in the same transaction, and its
 * message key is destroyed once that has committed: nothing of the person stays in the outbox. The error kept for
 * operators is the transport's, which names reply codes and curl's error classes, never an address.
 *
 * Without [smtp] url and [sms] url nothing is sent: notices stay queued, and one worker only counts the queue for
 * /metrics. A SIGHUP brings new transports and settings (privd_delivery_reload): they are built first, then swapped
 * in while every worker is between two batches (privd_workers_reload), so a batch is sent as it was claimed and a
 * configuration that cannot be used changes nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/log.h"
#include "notify/sms.h"
#include "notify/smtp.h"
#include "service/service_int.h"

#define RECIPIENT_MAX 400
#define SMS_SECRET_MIN 16

/* What the queue keeps of a claimed notice: its row, the sealed blobs copied. */
struct item {
	struct privd_notification_row row;
};

/* One worker's connections. */
struct conn {
	struct privd_service *svc;
	struct privd_smtp *smtp; /* NULL: no e-mail */
	struct privd_sms *sms;   /* NULL: no SMS */
	char base_url[300];      /* what documents are read under: [server] public_url */
};

/* The outbox as a queue: the channels it sends on, and its depth for /metrics. */
struct privd_delivery {
	struct privd_service *svc;
	struct privd_workers *workers;
	atomic_bool email, sms;
	_Atomic(const char *) ch1, ch2; /* the channels claimed */
	atomic_ullong queued;
};

/* ---- the SMS signature ---- */

static void sms_sign(void *arg, const char *body, size_t len, char hex[65])
{
	const struct privd_config *cfg = arg;
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256_state st;

	crypto_auth_hmacsha256_init(&st, (const unsigned char *)cfg->sms_secret, strlen(cfg->sms_secret));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, len);
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_bin2hex(hex, 65, mac, sizeof(mac));
	sodium_memzero(&st, sizeof(st));
}

/* ---- claims ---- */

static bool blob_copy(const struct privd_blob *from, struct privd_blob *to)
{
	to->data = NULL;
	to->len = 0;
	if (from->len == 0)
		return true;
	to->data = malloc(from->len);
	if (to->data == NULL)
		return false;
	memcpy(to->data, from->data, from->len);
	to->len = from->len;
	return true;
}

static int claim_copy(void *arg, const struct privd_notification_row *row)
{
	struct privd_claiming *k = arg;
	struct item *it = privd_claiming_item(k);

	it->row = *row;
	if (!blob_copy(&row->recipient_ct, &it->row.recipient_ct) || !blob_copy(&row->body_ct, &it->row.body_ct)) {
		privd_notification_row_clear(&it->row);
		k->failed = true;
		return 1;
	}
	return privd_claiming_add(k, row->id, row->attempts);
}

static enum privd_rc q_claim(struct privd_db *db, void *q, int64_t now, int64_t lease_until, struct privd_claiming *k)
{
	struct privd_delivery *d = q;
	struct privd_notification_due due = {atomic_load(&d->ch1), atomic_load(&d->ch2), now};

	return privd_repo_notification_claim(db, &due, lease_until, k->cap, claim_copy, k);
}

static enum privd_rc q_any_due(struct privd_db *db, void *q, int64_t now, bool *any)
{
	struct privd_delivery *d = q;
	struct privd_notification_due due = {atomic_load(&d->ch1), atomic_load(&d->ch2), now};

	return privd_repo_notification_any_due(db, &due, any);
}

static void q_clear(void *q, struct privd_claim *c)
{
	struct item *it = c->item;

	(void)q;
	privd_notification_row_clear(&it->row);
}

/* ---- outcomes ---- */

static bool final(const struct privd_claim *c)
{
	return c->fate == PRIVD_CLAIM_SENT || c->fate == PRIVD_CLAIM_FAILED;
}

static enum privd_rc q_record(struct privd_db *db, void *q, struct privd_claim *c, int64_t now)
{
	struct privd_delivery *d = q;
	const struct item *it = c->item;
	char detail[256];
	struct privd_jsonw w;
	enum privd_rc rc;

	rc = privd_repo_notification_outcome(db, c->id,
	                                     c->fate == PRIVD_CLAIM_SENT     ? PRIVD_NOTICE_SENT
	                                     : c->fate == PRIVD_CLAIM_FAILED ? PRIVD_NOTICE_FAILED
	                                                                     : PRIVD_NOTICE_QUEUED,
	                                     now, c->next_at, c->error);
	if (rc != PRIVD_OK || !final(c))
		return rc; /* PRIVD_ERR_NOT_FOUND: cancelled by an erasure meanwhile, its key gone with it */
	privd_jsonw_init(&w, detail, sizeof(detail));
	privd_jsonw_str(&w, "kind", privd_notice_kind_name(it->row.kind));
	privd_jsonw_str(&w, "channel", it->row.channel);
	privd_jsonw_int(&w, "attempts", c->attempts + 1);
	if (c->fate == PRIVD_CLAIM_FAILED)
		privd_jsonw_str(&w, "error", c->error);
	privd_jsonw_end(&w);
	return privd_audit_append(d->svc, db, "system",
	                          c->fate == PRIVD_CLAIM_SENT ? "notification.sent" : "notification.failed",
	                          "notification", c->id, detail);
}

/* Once the outcomes are durable: the message keys of the final notices go. */
static enum privd_rc q_after(struct privd_db *ks, void *q, const struct privd_claim *c)
{
	struct privd_delivery *d = q;
	char id[40];

	if (!final(c) && !c->gone)
		return PRIVD_OK;
	snprintf(id, sizeof(id), "msg:%s", c->id);
	return privd_vault_destroy(d->svc->vault, ks, id);
}

/* ---- sending one notice ---- */

/* Renders what v says for channel and sends it to to. A notice whose body is not a vars document was queued before
 * delivery existed: its text goes as it was written. */
static void transmit(struct conn *d, const struct item *it, const char *to, const char *body,
                     struct privd_send_result *res)
{
	const struct privd_config *cfg = &d->svc->cfg;
	struct privd_notice_vars v;
	void *hold = NULL, *incident = NULL;
	char *subject = NULL, *text = NULL, *html = NULL, url[400];
	bool sms = strcmp(it->row.channel, "sms") == 0;
	enum privd_rc rc;

	memset(res, 0, sizeof(*res));
	rc = privd_outbox_vars_decode(body, &v, &hold);
	if (rc != PRIVD_OK) { /* the rendered text of a notice queued before delivery */
		memset(&v, 0, sizeof(v));
		v.kind = it->row.kind;
		v.lang = PRIVD_NOTIFY_LANG_RU_EN;
		v.request_id = it->row.request_id;
	}
	v.operator_name = cfg->operator_name;
	v.operator_contact = cfg->operator_contact;
	if (v.kind == PRIVD_NOTICE_CONSENT_TEXT_PUBLISHED)
		snprintf(url, sizeof(url), "%s/consent/%s", d->base_url, v.purpose != NULL ? v.purpose : "processing");
	else
		snprintf(url, sizeof(url), "%s/privacy", d->base_url);
	v.url = url;
	rc = v.kind == PRIVD_NOTICE_INCIDENT ? privd_incident_notice_vars(d->svc, &v, &incident) : PRIVD_OK;
	if (rc == PRIVD_OK)
		rc = privd_notify_render(&v, sms ? PRIVD_NOTIFY_SMS : PRIVD_NOTIFY_TEXT, &subject, &text, NULL);
	if (rc == PRIVD_OK && !sms)
		rc = privd_notify_render(&v, PRIVD_NOTIFY_HTML, NULL, &html, NULL);
	if (rc != PRIVD_OK) {
		/* out of memory, or the incident's words unreadable for now, is tried again */
		res->outcome = rc == PRIVD_ERR_NOMEM || rc == PRIVD_ERR_DB || rc == PRIVD_ERR_BUSY
		                   ? PRIVD_SEND_RETRY
		                   : PRIVD_SEND_PERMANENT;
		snprintf(res->error, sizeof(res->error), "cannot render the notice (%s)", privd_rc_str(rc));
	} else if (sms) {
		privd_sms_send(d->sms, it->row.id, to, hold != NULL ? text : body, res);
	} else {
		privd_smtp_send(d->smtp, it->row.id, to, subject, hold != NULL ? text : body, html, privd_now_ms(),
		                res);
	}
	privd_notify_text_free(subject);
	privd_notify_text_free(text);
	privd_notify_text_free(html);
	privd_outbox_vars_release(hold);
	privd_incident_notice_release(incident);
}

static void q_send(void *q, void *conn, struct privd_claim *c, struct privd_send_result *res)
{
	struct conn *d = conn;
	struct item *it = c->item;
	char key[40], to[RECIPIENT_MAX];
	struct privd_blob body = {0};
	const struct privd_vault_opening f[2] = {{"recipient", &it->row.recipient_ct, to, sizeof(to), NULL},
	                                         {"body", &it->row.body_ct, NULL, 0, &body}};
	enum privd_rc rc;

	(void)q;
	snprintf(key, sizeof(key), "msg:%s", it->row.id);
	rc = privd_vault_open(d->svc->vault, NULL, key, f, 2);
	if (rc == PRIVD_OK && (to[0] == '\0' || body.len == 0))
		rc = PRIVD_ERR_CRYPTO;
	if (rc == PRIVD_ERR_GONE || rc == PRIVD_ERR_CRYPTO) {
		c->fate = PRIVD_CLAIM_FAILED;
		snprintf(c->error, sizeof(c->error), "the message key or its sealed text is missing");
	} else if (rc != PRIVD_OK) {
		c->fate = PRIVD_CLAIM_RELEASE; /* the keystore did not answer: another time, no attempt counted */
	} else {
		transmit(d, it, to, (const char *)body.data, res);
	}
	sodium_memzero(to, sizeof(to));
	if (body.data != NULL)
		sodium_memzero(body.data, body.len);
	free(body.data);
}

static void q_count(void *q)
{
	struct privd_delivery *d = q;
	struct privd_reader *r = NULL;
	int64_t n = 0;
	enum privd_rc rc;

	if (privd_reader_get(d->svc, &r) != PRIVD_OK)
		return;
	rc = privd_repo_notification_count(r->db, PRIVD_NOTICE_QUEUED, NULL, &n);
	privd_reader_put(d->svc, r, rc == PRIVD_ERR_DB);
	if (rc == PRIVD_OK)
		atomic_store(&d->queued, (unsigned long long)n);
}

/* ---- start and stop ---- */

static void q_close(void *conn)
{
	struct conn *d = conn;

	if (d == NULL)
		return;
	privd_smtp_free(d->smtp);
	privd_sms_free(d->sms);
	free(d);
}

/* The transports cfg configures, into *smtp and *sms (NULL for a channel without a URL). sign_arg is the
 * configuration the SMS signature reads the secret from when it is sent. On failure neither is left open. */
static enum privd_rc transports_open(const struct privd_config *cfg, void *sign_arg, struct privd_smtp **smtp,
                                     struct privd_sms **sms, struct privd_err *err)
{
	struct privd_worker_config wc = {.lease_ms = (int64_t)cfg->notify_lease_seconds * 1000};
	long timeout = (long)(privd_workers_timeout_ms(&wc) / 1000);
	enum privd_rc rc = PRIVD_OK;

	*smtp = NULL;
	*sms = NULL;
	if (cfg->smtp_url[0] != '\0') {
		struct privd_smtp_config c = {cfg->smtp_url,  cfg->smtp_from,     cfg->operator_name,
		                              cfg->smtp_user, cfg->smtp_password, cfg->smtp_ca_file,
		                              timeout};

		rc = privd_smtp_new(&c, smtp, err);
	}
	if (rc == PRIVD_OK && cfg->sms_url[0] != '\0') {
		struct privd_sms_config c = {cfg->sms_url, sms_sign, sign_arg, timeout};

		if (strlen(cfg->sms_secret) < SMS_SECRET_MIN) {
			privd_err_field(err, "sms.secret", "is required with [sms] url, at least 16 bytes");
			rc = privd_err_set(err, PRIVD_ERR_INVALID, "[sms] secret is missing or too short");
		} else {
			rc = privd_sms_new(&c, sms, err);
		}
	}
	if (rc != PRIVD_OK) {
		privd_smtp_free(*smtp);
		privd_sms_free(*sms);
		*smtp = NULL;
		*sms = NULL;
	}
	return rc;
}

/* One worker's connections for cfg; the SMS signature reads the secret from the service's configuration, which a
 * reload updates while the workers are paused. */
static enum privd_rc q_open(void *q, const struct privd_config *cfg, void **out, struct privd_err *err)
{
	struct privd_delivery *pool = q;
	struct conn *d;
	enum privd_rc rc;

	*out = NULL;
	if (cfg->smtp_url[0] == '\0' && cfg->sms_url[0] == '\0')
		return PRIVD_OK; /* nothing to send with: the worker only counts */
	d = calloc(1, sizeof(*d));
	if (d == NULL)
		return privd_err_set(err, PRIVD_ERR_NOMEM, "out of memory");
	d->svc = pool->svc;
	if (cfg->public_url[0] != '\0')
		snprintf(d->base_url, sizeof(d->base_url), "%s", cfg->public_url);
	else
		snprintf(d->base_url, sizeof(d->base_url), "http://%s", cfg->listen);
	rc = transports_open(cfg, &pool->svc->cfg, &d->smtp, &d->sms, err);
	if (rc != PRIVD_OK) {
		free(d);
		return rc;
	}
	*out = d;
	return PRIVD_OK;
}

/* The channels cfg configures, for the claims and the metrics. */
static void channels(struct privd_delivery *pool, const struct privd_config *cfg)
{
	bool email = cfg->smtp_url[0] != '\0', sms = cfg->sms_url[0] != '\0';

	atomic_store(&pool->email, email);
	atomic_store(&pool->sms, sms);
	atomic_store(&pool->ch1, email ? "email" : "sms");
	atomic_store(&pool->ch2, sms ? "sms" : "email");
}

/* The workers' settings in cfg. */
static void worker_config(const struct privd_config *cfg, struct privd_worker_config *wc)
{
	memset(wc, 0, sizeof(*wc));
	wc->threads = (size_t)cfg->notify_connections;
	wc->batch = (size_t)cfg->notify_batch;
	wc->lease_ms = (int64_t)cfg->notify_lease_seconds * 1000;
	wc->max_attempts = cfg->notify_max_attempts;
	wc->retry_seconds = cfg->notify_retry_seconds;
}

static const struct privd_queue_ops outbox_ops = {
    .name = "notify",
    .item_size = sizeof(struct item),
    .open = q_open,
    .close = q_close,
    .claim = q_claim,
    .lease = privd_repo_notification_lease,
    .any_due = q_any_due,
    .release_all = privd_repo_notification_release_all,
    .send = q_send,
    .record = q_record,
    .after = q_after,
    .clear = q_clear,
    .count = q_count,
};

enum privd_rc privd_delivery_start(struct privd_service *svc, struct privd_err *err)
{
	const struct privd_config *cfg = &svc->cfg;
	struct privd_delivery *pool = calloc(1, sizeof(*pool));
	struct privd_worker_config wc;
	enum privd_rc rc;

	if (pool == NULL)
		return privd_err_set(err, PRIVD_ERR_NOMEM, "out of memory");
	worker_config(cfg, &wc);
	pool->svc = svc;
	channels(pool, cfg);
	rc = privd_notify_global_init();
	if (rc == PRIVD_OK)
		rc = privd_workers_start(svc, &outbox_ops, pool, &wc, &pool->workers, err);
	if (rc != PRIVD_OK) {
		free(pool);
		return rc;
	}
	svc->delivery = pool;
	privd_log(PRIVD_LOG_INFO, "notify.started", "\"email\":%s,\"sms\":%s,\"connections\":%zu",
	          atomic_load(&pool->email) ? "true" : "false", atomic_load(&pool->sms) ? "true" : "false",
	          atomic_load(&pool->email) || atomic_load(&pool->sms) ? wc.threads : (size_t)1);
	return PRIVD_OK;
}

void privd_delivery_stop(struct privd_service *svc)
{
	struct privd_delivery *pool = svc->delivery;

	if (pool == NULL)
		return;
	privd_workers_stop(pool->workers);
	svc->delivery = NULL;
	free(pool);
}

void privd_delivery_stats(struct privd_service *svc, struct privd_service_stats *out)
{
	struct privd_delivery *pool = svc->delivery;
	struct privd_worker_stats w;

	if (pool == NULL)
		return;
	privd_workers_stats(pool->workers, &w);
	out->email_configured = atomic_load(&pool->email);
	out->sms_configured = atomic_load(&pool->sms);
	out->notifications_sent = w.sent;
	out->notifications_failed = w.failed;
	out->notifications_retried = w.retried;
	out->notifications_queued = atomic_load(&pool->queued);
}

/* ---- a new configuration (SIGHUP) ---- */

struct reload {
	struct privd_delivery *pool;
	const struct privd_config *next;
};

/* Copies the keys a running worker reads from next into the service's configuration, and the channels: every
 * worker is paused. */
static void take_settings(void *arg)
{
	struct reload *r = arg;
	struct privd_config *cfg = &r->pool->svc->cfg;
	const struct privd_config *next = r->next;

	memcpy(cfg->smtp_url, next->smtp_url, sizeof(cfg->smtp_url));
	memcpy(cfg->smtp_from, next->smtp_from, sizeof(cfg->smtp_from));
	memcpy(cfg->smtp_user, next->smtp_user, sizeof(cfg->smtp_user));
	memcpy(cfg->smtp_password, next->smtp_password, sizeof(cfg->smtp_password));
	memcpy(cfg->smtp_ca_file, next->smtp_ca_file, sizeof(cfg->smtp_ca_file));
	memcpy(cfg->sms_url, next->sms_url, sizeof(cfg->sms_url));
	memcpy(cfg->sms_secret, next->sms_secret, sizeof(cfg->sms_secret));
	cfg->notify_max_attempts = next->notify_max_attempts;
	cfg->notify_retry_seconds = next->notify_retry_seconds;
	cfg->notify_lease_seconds = next->notify_lease_seconds;
	cfg->notify_batch = next->notify_batch;
	channels(r->pool, next);
}

enum privd_rc privd_delivery_reload(struct privd_service *svc, const struct privd_config *next, struct privd_err *err)
{
	struct privd_delivery *pool = svc->delivery;
	struct reload r = {pool, next};
	struct privd_worker_config wc;
	struct privd_worker_stats st;
	enum privd_rc rc;

	if (pool == NULL)
		return PRIVD_OK;
	worker_config(next, &wc);
	rc = privd_workers_reload(pool->workers, next, &wc, take_settings, &r, err);
	if (rc != PRIVD_OK)
		return rc;
	privd_workers_stats(pool->workers, &st);
	privd_log(PRIVD_LOG_INFO, "notify.reloaded", "\"email\":%s,\"sms\":%s,\"connections\":%zu",
	          atomic_load(&pool->email) ? "true" : "false", atomic_load(&pool->sms) ? "true" : "false", st.threads);
	return PRIVD_OK;
}

enum privd_rc privd_delivery_check(const struct privd_config *cfg, struct privd_err *err)
{
	struct privd_smtp *smtp = NULL;
	struct privd_sms *sms = NULL;
	enum privd_rc rc = privd_notify_global_init();

	if (rc == PRIVD_OK)
		rc = transports_open(cfg, NULL, &smtp, &sms, err);
	privd_smtp_free(smtp);
	privd_sms_free(sms);
	return rc;
}
