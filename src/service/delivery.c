/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * delivery.c - the delivery worker: it drains the outbox, a batch at a time, through SMTP and the SMS gateway.
 *
 * [notify] connections workers run at once, each a thread with a connection of its own to the server and to the
 * gateway, kept from message to message: a message's exchange is mostly waiting for the other side, so two
 * connections deliver nearly twice as fast as one, and the claims and leases below keep them apart as they keep
 * nodes apart.
 *
 * A batch is claimed, sent, and its outcomes recorded, each claim and each record one job through the writer. The
 * claim stamps the notices with a lease (PostgreSQL: selected FOR UPDATE SKIP LOCKED), so several nodes on one
 * database share the outbox and none sends what another holds; a node that dies mid-batch leaves leases that run
 * out, and its notices go to whichever node claims next. On SQLite there is one process, so it releases every lease
 * when it starts. Delivery is therefore at least once: a crash after a message left and before its outcome was
 * recorded sends it again (the Message-ID and the SMS "id" stay the same, so a receiver can drop the repeat).
 *
 * Each notice is opened with its own message key, rendered in its person's language (notify/), and sent over a
 * connection kept from message to message. A refusal for good (an SMTP 5xx, an HTTP 4xx) fails it at once; anything
 * else is tried again after a wait that doubles from [notify] retry_seconds, with jitter so that a fan-out that
 * failed together does not retry together, until [notify] max_attempts. Once a notice is final (sent or failed) its
 * sealed recipient and text are emptied and an audit entry written in the same transaction, and its message key is
 * destroyed once that has committed: nothing of the person stays in the outbox. The error kept for operators is the
 * transport's, which names reply codes and curl's error classes, never an address.
 *
 * Without [smtp] url and [sms] url nothing is sent: notices stay queued, and the worker only counts the queue for
 * /metrics. A SIGHUP brings new transports and settings (privd_delivery_reload): they are built first, then swapped
 * in while every worker is between two batches, so a batch is sent as it was claimed and a configuration that
 * cannot be used changes nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "core/log.h"
#include "notify/sms.h"
#include "notify/smtp.h"
#include "service/service_int.h"

#define IDLE_WAIT_MS 500
#define COUNT_EVERY_MS 2000
#define RETRY_CAP_MS (6LL * 3600 * 1000)
#define RECIPIENT_MAX 400
#define SMS_SECRET_MIN 16

/* One claimed notice and what became of it. */
enum item_fate { ITEM_PENDING = 0, ITEM_SENT, ITEM_FAILED, ITEM_RETRY, ITEM_RELEASE };

struct item {
	struct privd_notification_row row; /* the sealed blobs copied */
	enum item_fate fate;
	int64_t next_at;
	char error[160];
	bool gone; /* no longer queued when the outcome was recorded: cancelled meanwhile */
};

/* One sender: its connections and the batch it holds. Several run at once, each on a connection of its own, since
 * a message's exchange with the server is mostly waiting. */
struct worker {
	struct privd_delivery *pool;
	struct privd_service *svc;
	struct privd_smtp *smtp; /* NULL: no e-mail */
	struct privd_sms *sms;   /* NULL: no SMS */
	const char *ch1, *ch2;   /* the channels claimed */
	int64_t lease_ms, timeout_ms;
	char base_url[300]; /* what documents are read under: [server] public_url */

	pthread_t thread;
	bool running;
	pthread_mutex_t run; /* held by the worker through a batch; a reload swaps its transports under it */

	struct item *items;
	size_t n, cap;
	bool copy_failed;
};

#define WORKERS_MAX 16

/* The workers, and what they share: the counters for /metrics, the condition that wakes them at stop. */
struct privd_delivery {
	struct worker workers[WORKERS_MAX];
	size_t nworkers, ninit; /* running; set up ([notify] connections) */
	atomic_bool email, sms;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	atomic_ullong sent, failed, retried, queued;
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

/* ---- items ---- */

static void items_clear(struct worker *d)
{
	for (size_t i = 0; i < d->n; i++)
		privd_notification_row_clear(&d->items[i].row);
	d->n = 0;
	d->copy_failed = false;
}

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
	struct worker *d = arg;
	struct item *it = &d->items[d->n];

	memset(it, 0, sizeof(*it));
	it->row = *row;
	if (!blob_copy(&row->recipient_ct, &it->row.recipient_ct) || !blob_copy(&row->body_ct, &it->row.body_ct)) {
		privd_notification_row_clear(&it->row);
		d->copy_failed = true;
		return 1;
	}
	d->n++;
	return d->n >= d->cap;
}

/* ---- jobs through the writer ---- */

struct claim_job {
	struct worker *d;
	struct privd_notification_due due;
	int64_t lease_until;
};

static enum privd_rc claim_data(struct privd_db *db, void *arg)
{
	struct claim_job *j = arg;
	enum privd_rc rc;

	items_clear(j->d); /* a batch the writer runs again starts afresh */
	rc = privd_repo_notification_claim(db, &j->due, j->lease_until, j->d->cap, claim_copy, j->d);
	return rc == PRIVD_OK && j->d->copy_failed ? PRIVD_ERR_NOMEM : rc;
}

static size_t claim(struct worker *d)
{
	int64_t now = privd_now_ms();
	struct claim_job j = {d, {d->ch1, d->ch2, now}, now + d->lease_ms};
	struct privd_write_job job = {.data = claim_data, .arg = &j};

	if (privd_writer_run(d->svc->writer, &job) != PRIVD_OK) {
		items_clear(d);
		return 0;
	}
	for (size_t i = 0; i < d->n; i++)
		d->items[i].row.lease_until = j.lease_until;
	return d->n;
}

struct lease_job {
	struct worker *d;
	size_t from;
	int64_t until;
};

static enum privd_rc lease_data(struct privd_db *db, void *arg)
{
	struct lease_job *j = arg;
	enum privd_rc rc = PRIVD_OK;

	for (size_t i = j->from; rc == PRIVD_OK && i < j->d->n; i++)
		rc = privd_repo_notification_lease(db, j->d->items[i].row.id, j->until);
	return rc;
}

/* Keeps the notices from the from-th on for another lease, before one of them could outlive the current one. */
static void renew(struct worker *d, size_t from)
{
	struct lease_job j = {d, from, privd_now_ms() + d->lease_ms};
	struct privd_write_job job = {.data = lease_data, .arg = &j};

	if (privd_writer_run(d->svc->writer, &job) == PRIVD_OK)
		for (size_t i = from; i < d->n; i++)
			d->items[i].row.lease_until = j.until;
}

static bool final(const struct item *it)
{
	return it->fate == ITEM_SENT || it->fate == ITEM_FAILED;
}

static enum privd_rc record_one(struct privd_service *svc, struct privd_db *db, struct item *it, int64_t now)
{
	char detail[256];
	struct privd_jsonw w;
	enum privd_rc rc;

	it->gone = false;
	if (it->fate == ITEM_RELEASE)
		return privd_repo_notification_lease(db, it->row.id, 0);
	rc = privd_repo_notification_outcome(db, it->row.id,
	                                     it->fate == ITEM_SENT     ? PRIVD_NOTICE_SENT
	                                     : it->fate == ITEM_FAILED ? PRIVD_NOTICE_FAILED
	                                                               : PRIVD_NOTICE_QUEUED,
	                                     now, it->next_at, it->error);
	if (rc == PRIVD_ERR_NOT_FOUND) {
		it->gone = true; /* cancelled by an erasure meanwhile: its key went with it */
		return PRIVD_OK;
	}
	if (rc != PRIVD_OK || !final(it))
		return rc;
	privd_jsonw_init(&w, detail, sizeof(detail));
	privd_jsonw_str(&w, "kind", privd_notice_kind_name(it->row.kind));
	privd_jsonw_str(&w, "channel", it->row.channel);
	privd_jsonw_int(&w, "attempts", it->row.attempts + 1);
	if (it->fate == ITEM_FAILED)
		privd_jsonw_str(&w, "error", it->error);
	privd_jsonw_end(&w);
	return privd_audit_append(svc, db, "system",
	                          it->fate == ITEM_SENT ? "notification.sent" : "notification.failed", "notification",
	                          it->row.id, detail);
}

static enum privd_rc record_data(struct privd_db *db, void *arg)
{
	struct worker *d = arg;
	int64_t now = privd_now_ms();
	enum privd_rc rc = PRIVD_OK;

	for (size_t i = 0; rc == PRIVD_OK && i < d->n; i++)
		rc = record_one(d->svc, db, &d->items[i], now);
	return rc;
}

/* Once the outcomes are durable: the message keys of the final notices go. */
static enum privd_rc record_keys(struct privd_db *ks, void *arg)
{
	struct worker *d = arg;
	enum privd_rc rc = PRIVD_OK;
	char id[40];

	for (size_t i = 0; rc == PRIVD_OK && i < d->n; i++) {
		if (!final(&d->items[i]) && !d->items[i].gone)
			continue;
		snprintf(id, sizeof(id), "msg:%s", d->items[i].row.id);
		rc = privd_vault_destroy(d->svc->vault, ks, id);
	}
	return rc;
}

static void record(struct worker *d)
{
	struct privd_write_job job = {.data = record_data, .ks_after = record_keys, .arg = d};
	unsigned long long sent = 0, failed = 0, retried = 0;

	if (privd_writer_run(d->svc->writer, &job) != PRIVD_OK) {
		privd_log(PRIVD_LOG_WARN, "notify.record_failed", "\"count\":%zu", d->n);
		return; /* the leases run out and the notices are sent again: at least once */
	}
	for (size_t i = 0; i < d->n; i++) {
		if (d->items[i].gone)
			continue;
		sent += d->items[i].fate == ITEM_SENT;
		failed += d->items[i].fate == ITEM_FAILED;
		retried += d->items[i].fate == ITEM_RETRY;
	}
	atomic_fetch_add(&d->pool->sent, sent);
	atomic_fetch_add(&d->pool->failed, failed);
	atomic_fetch_add(&d->pool->retried, retried);
	if (failed > 0 || retried > 0)
		privd_log(PRIVD_LOG_WARN, "notify.attempts_failed", "\"failed\":%llu,\"retried\":%llu", failed,
		          retried);
}

/* ---- sending one notice ---- */

/* The wait before attempt number attempt + 1: retry_seconds doubled per attempt made, capped, +-50% jitter. */
static int64_t backoff_ms(const struct privd_config *cfg, int attempt)
{
	int64_t ms = (int64_t)cfg->notify_retry_seconds * 1000;

	for (int i = 1; i < attempt && ms < RETRY_CAP_MS; i++)
		ms *= 2;
	if (ms > RETRY_CAP_MS)
		ms = RETRY_CAP_MS;
	return ms / 2 + (int64_t)((double)ms * randombytes_uniform(1000) / 1000.0);
}

static void judge(struct worker *d, struct item *it, const struct privd_send_result *res)
{
	int attempt = it->row.attempts + 1;

	if (res->outcome == PRIVD_SEND_OK) {
		it->fate = ITEM_SENT;
		return;
	}
	if (res->outcome == PRIVD_SEND_PERMANENT) {
		it->fate = ITEM_FAILED;
		snprintf(it->error, sizeof(it->error), "%s", res->error);
	} else if (attempt >= d->svc->cfg.notify_max_attempts) {
		it->fate = ITEM_FAILED;
		snprintf(it->error, sizeof(it->error), "gave up after %d attempts: %.120s", attempt, res->error);
	} else {
		it->fate = ITEM_RETRY;
		it->next_at = privd_now_ms() + backoff_ms(&d->svc->cfg, attempt);
		snprintf(it->error, sizeof(it->error), "%s", res->error);
	}
}

/* Renders what v says for channel and sends it to to. A notice whose body is not a vars document was queued before
 * delivery existed: its text goes as it was written. */
static void transmit(struct worker *d, const struct item *it, const char *to, const char *body,
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

static void send_one(struct worker *d, struct item *it)
{
	char key[40], to[RECIPIENT_MAX];
	struct privd_blob body = {0};
	const struct privd_vault_opening f[2] = {{"recipient", &it->row.recipient_ct, to, sizeof(to), NULL},
	                                         {"body", &it->row.body_ct, NULL, 0, &body}};
	struct privd_send_result res;
	enum privd_rc rc;

	snprintf(key, sizeof(key), "msg:%s", it->row.id);
	rc = privd_vault_open(d->svc->vault, NULL, key, f, 2);
	if (rc == PRIVD_OK && (to[0] == '\0' || body.len == 0))
		rc = PRIVD_ERR_CRYPTO;
	if (rc == PRIVD_ERR_GONE || rc == PRIVD_ERR_CRYPTO) {
		it->fate = ITEM_FAILED;
		snprintf(it->error, sizeof(it->error), "the message key or its sealed text is missing");
	} else if (rc != PRIVD_OK) {
		it->fate = ITEM_RELEASE; /* the keystore did not answer: another time, no attempt counted */
	} else {
		transmit(d, it, to, (const char *)body.data, &res);
		judge(d, it, &res);
	}
	sodium_memzero(to, sizeof(to));
	if (body.data != NULL)
		sodium_memzero(body.data, body.len);
	free(body.data);
}

/* ---- the loop ---- */

static bool stopping(struct worker *d)
{
	return atomic_load(&d->svc->stopping);
}

/* One batch: claimed, sent, recorded. Returns how many notices were claimed. */
static size_t run_batch(struct worker *d)
{
	size_t n = claim(d);

	for (size_t i = 0; i < n; i++) {
		struct item *it = &d->items[i];

		if (stopping(d)) {
			it->fate = ITEM_RELEASE;
			continue;
		}
		if (privd_now_ms() + d->timeout_ms >= it->row.lease_until)
			renew(d, i);
		send_one(d, it);
	}
	if (n > 0)
		record(d);
	items_clear(d);
	return n;
}

static void count_queue(struct worker *d)
{
	struct privd_reader *r = NULL;
	int64_t n = 0;
	enum privd_rc rc;

	if (privd_reader_get(d->svc, &r) != PRIVD_OK)
		return;
	rc = privd_repo_notification_count(r->db, PRIVD_NOTICE_QUEUED, NULL, &n);
	privd_reader_put(d->svc, r, rc == PRIVD_ERR_DB);
	if (rc == PRIVD_OK)
		atomic_store(&d->pool->queued, (unsigned long long)n);
}

static bool any_due(struct worker *d)
{
	struct privd_notification_due due = {d->ch1, d->ch2, privd_now_ms()};
	struct privd_reader *r = NULL;
	bool any = false;
	enum privd_rc rc;

	if (privd_reader_get(d->svc, &r) != PRIVD_OK)
		return false;
	rc = privd_repo_notification_any_due(r->db, &due, &any);
	privd_reader_put(d->svc, r, rc == PRIVD_ERR_DB);
	return rc == PRIVD_OK && any;
}

static enum privd_rc release_data(struct privd_db *db, void *arg)
{
	(void)arg;
	return privd_repo_notification_release_all(db);
}

static void wait_ms(struct worker *d, long ms)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_nsec += ms * 1000000L;
	until.tv_sec += until.tv_nsec / 1000000000L;
	until.tv_nsec %= 1000000000L;
	pthread_mutex_lock(&d->pool->lock);
	if (!stopping(d))
		pthread_cond_timedwait(&d->pool->cond, &d->pool->lock, &until);
	pthread_mutex_unlock(&d->pool->lock);
}

static void *delivery_main(void *arg)
{
	struct worker *d = arg;
	bool counter = d == &d->pool->workers[0]; /* one of them counts the queue */
	int64_t counted = 0;
	bool busy;

	while (!stopping(d)) {
		int64_t now = privd_now_ms();

		if (counter && now - counted >= COUNT_EVERY_MS) {
			count_queue(d);
			counted = now;
		}
		pthread_mutex_lock(&d->run);
		busy = (d->smtp != NULL || d->sms != NULL) && any_due(d) && run_batch(d) > 0;
		pthread_mutex_unlock(&d->run);
		if (!busy)
			wait_ms(d, IDLE_WAIT_MS);
	}
	return NULL;
}

/* ---- start and stop ---- */

/* The send timeout: three messages fit in a lease, and none waits more than a minute. */
static int64_t timeout_for(int64_t lease_ms)
{
	return lease_ms / 3 < 60000 ? lease_ms / 3 : 60000;
}

/* The transports cfg configures, into *smtp and *sms (NULL for a channel without a URL). sign_arg is the
 * configuration the SMS signature reads the secret from when it is sent. On failure neither is left open. */
static enum privd_rc transports_open(const struct privd_config *cfg, void *sign_arg, struct privd_smtp **smtp,
                                     struct privd_sms **sms, struct privd_err *err)
{
	long timeout = (long)(timeout_for((int64_t)cfg->notify_lease_seconds * 1000) / 1000);
	enum privd_rc rc = PRIVD_OK;

	*smtp = NULL;
	*sms = NULL;
	if (cfg->smtp_url[0] != '\0') {
		struct privd_smtp_config c = {cfg->smtp_url,  cfg->smtp_from,     cfg->operator_name,
		                              cfg->smtp_user, cfg->smtp_password, timeout};

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

/* Takes the transports and the settings of cfg. The caller holds d->run, or the worker has not started. */
static void worker_set(struct worker *d, const struct privd_config *cfg, struct privd_smtp *smtp, struct privd_sms *sms)
{
	d->smtp = smtp;
	d->sms = sms;
	d->ch1 = smtp != NULL ? "email" : "sms";
	d->ch2 = sms != NULL ? "sms" : "email";
	d->lease_ms = (int64_t)cfg->notify_lease_seconds * 1000;
	d->timeout_ms = timeout_for(d->lease_ms);
}

static void worker_free(struct worker *d)
{
	privd_smtp_free(d->smtp);
	privd_sms_free(d->sms);
	items_clear(d);
	free(d->items);
	pthread_mutex_destroy(&d->run);
}

static void delivery_free(struct privd_delivery *pool)
{
	if (pool == NULL)
		return;
	for (size_t i = 0; i < WORKERS_MAX; i++)
		worker_free(&pool->workers[i]);
	pthread_mutex_destroy(&pool->lock);
	pthread_cond_destroy(&pool->cond);
	free(pool);
}

static enum privd_rc worker_init(struct privd_delivery *pool, struct worker *d, struct privd_service *svc,
                                 struct privd_err *err)
{
	const struct privd_config *cfg = &svc->cfg;
	struct privd_smtp *smtp = NULL;
	struct privd_sms *sms = NULL;
	enum privd_rc rc;

	d->pool = pool;
	d->svc = svc;
	pthread_mutex_init(&d->run, NULL);
	d->cap = (size_t)cfg->notify_batch;
	d->items = calloc(d->cap, sizeof(*d->items));
	if (cfg->public_url[0] != '\0')
		snprintf(d->base_url, sizeof(d->base_url), "%s", cfg->public_url);
	else
		snprintf(d->base_url, sizeof(d->base_url), "http://%s", cfg->listen);
	if (d->items == NULL)
		return privd_err_set(err, PRIVD_ERR_NOMEM, "out of memory");
	rc = transports_open(cfg, &svc->cfg, &smtp, &sms, err);
	worker_set(d, cfg, smtp, sms);
	return rc;
}

static void stop_workers(struct privd_delivery *pool)
{
	pthread_mutex_lock(&pool->lock);
	pthread_cond_broadcast(&pool->cond);
	pthread_mutex_unlock(&pool->lock);
	for (size_t i = 0; i < pool->nworkers; i++)
		if (pool->workers[i].running)
			pthread_join(pool->workers[i].thread, NULL);
}

enum privd_rc privd_delivery_start(struct privd_service *svc, struct privd_err *err)
{
	struct privd_delivery *pool = calloc(1, sizeof(*pool));
	size_t n = (size_t)svc->cfg.notify_connections;
	enum privd_rc rc;

	if (pool == NULL)
		return privd_err_set(err, PRIVD_ERR_NOMEM, "out of memory");
	pthread_mutex_init(&pool->lock, NULL);
	pthread_cond_init(&pool->cond, NULL);
	rc = privd_notify_global_init();
	pool->ninit = n < WORKERS_MAX ? n : WORKERS_MAX;
	for (size_t i = 0; rc == PRIVD_OK && i < pool->ninit; i++)
		rc = worker_init(pool, &pool->workers[i], svc, err);
	atomic_store(&pool->email, pool->workers[0].smtp != NULL);
	atomic_store(&pool->sms, pool->workers[0].sms != NULL);
	if (rc == PRIVD_OK && svc->target.engine == PRIVD_DB_SQLITE) { /* one process: no lease is anyone else's */
		struct privd_write_job job = {.data = release_data, .arg = NULL};

		rc = privd_writer_run(svc->writer, &job);
	}
	/* without a channel one worker is enough: it only counts the queue */
	pool->nworkers = pool->email || pool->sms ? n : 1;
	for (size_t i = 0; rc == PRIVD_OK && i < pool->nworkers; i++) {
		if (pthread_create(&pool->workers[i].thread, NULL, delivery_main, &pool->workers[i]) != 0)
			rc = privd_err_set(err, PRIVD_ERR_INTERNAL, "cannot start the delivery threads");
		else
			pool->workers[i].running = true;
	}
	if (rc != PRIVD_OK) {
		atomic_store(&svc->stopping, true);
		stop_workers(pool);
		delivery_free(pool);
		return rc;
	}
	svc->delivery = pool;
	privd_log(PRIVD_LOG_INFO, "notify.started", "\"email\":%s,\"sms\":%s,\"connections\":%zu",
	          pool->email ? "true" : "false", pool->sms ? "true" : "false", pool->nworkers);
	return PRIVD_OK;
}

void privd_delivery_stop(struct privd_service *svc)
{
	struct privd_delivery *pool = svc->delivery;

	if (pool == NULL)
		return;
	stop_workers(pool);
	svc->delivery = NULL;
	delivery_free(pool);
}

void privd_delivery_stats(struct privd_service *svc, struct privd_service_stats *out)
{
	struct privd_delivery *pool = svc->delivery;

	if (pool == NULL)
		return;
	out->email_configured = atomic_load(&pool->email);
	out->sms_configured = atomic_load(&pool->sms);
	out->notifications_sent = atomic_load(&pool->sent);
	out->notifications_failed = atomic_load(&pool->failed);
	out->notifications_retried = atomic_load(&pool->retried);
	out->notifications_queued = atomic_load(&pool->queued);
}

/* ---- a new configuration (SIGHUP) ---- */

/* What each worker will take: its transports and its batch. */
struct fresh {
	struct privd_smtp *smtp;
	struct privd_sms *sms;
	struct item *items;
};

static void fresh_free(struct fresh *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		privd_smtp_free(f[i].smtp);
		privd_sms_free(f[i].sms);
		free(f[i].items);
	}
}

/* Copies the keys a running worker reads from next into cfg: every worker is paused. */
static void take_settings(struct privd_config *cfg, const struct privd_config *next)
{
	memcpy(cfg->smtp_url, next->smtp_url, sizeof(cfg->smtp_url));
	memcpy(cfg->smtp_from, next->smtp_from, sizeof(cfg->smtp_from));
	memcpy(cfg->smtp_user, next->smtp_user, sizeof(cfg->smtp_user));
	memcpy(cfg->smtp_password, next->smtp_password, sizeof(cfg->smtp_password));
	memcpy(cfg->sms_url, next->sms_url, sizeof(cfg->sms_url));
	memcpy(cfg->sms_secret, next->sms_secret, sizeof(cfg->sms_secret));
	cfg->notify_max_attempts = next->notify_max_attempts;
	cfg->notify_retry_seconds = next->notify_retry_seconds;
	cfg->notify_lease_seconds = next->notify_lease_seconds;
	cfg->notify_batch = next->notify_batch;
}

enum privd_rc privd_delivery_reload(struct privd_service *svc, const struct privd_config *next, struct privd_err *err)
{
	struct privd_delivery *pool = svc->delivery;
	struct fresh fresh[WORKERS_MAX];
	enum privd_rc rc = PRIVD_OK;
	size_t i, running;

	if (pool == NULL)
		return PRIVD_OK;
	memset(fresh, 0, sizeof(fresh));
	for (i = 0; rc == PRIVD_OK && i < pool->ninit; i++) {
		rc = transports_open(next, &svc->cfg, &fresh[i].smtp, &fresh[i].sms, err);
		fresh[i].items = calloc((size_t)next->notify_batch, sizeof(struct item));
		if (rc == PRIVD_OK && fresh[i].items == NULL)
			rc = privd_err_set(err, PRIVD_ERR_NOMEM, "out of memory");
	}
	if (rc != PRIVD_OK) {
		fresh_free(fresh, pool->ninit);
		return rc;
	}
	/* every worker paused between two batches (locked in order; a worker takes only its own lock) */
	for (i = 0; i < pool->ninit; i++)
		pthread_mutex_lock(&pool->workers[i].run);
	take_settings(&svc->cfg, next);
	for (i = 0; i < pool->ninit; i++) { /* each between two batches: its n is 0 */
		struct worker *d = &pool->workers[i];
		struct fresh old = {d->smtp, d->sms, d->items};

		worker_set(d, &svc->cfg, fresh[i].smtp, fresh[i].sms);
		d->items = fresh[i].items;
		d->cap = (size_t)next->notify_batch;
		fresh[i] = old;
	}
	atomic_store(&pool->email, pool->workers[0].smtp != NULL);
	atomic_store(&pool->sms, pool->workers[0].sms != NULL);
	for (i = pool->ninit; i > 0; i--)
		pthread_mutex_unlock(&pool->workers[i - 1].run);
	fresh_free(fresh, pool->ninit);
	/* a channel configured where there was none: the rest of the workers start */
	running = pool->nworkers;
	for (i = running; (atomic_load(&pool->email) || atomic_load(&pool->sms)) && i < pool->ninit; i++) {
		if (pthread_create(&pool->workers[i].thread, NULL, delivery_main, &pool->workers[i]) != 0)
			break;
		pool->workers[i].running = true;
		pool->nworkers = i + 1;
	}
	privd_log(PRIVD_LOG_INFO, "notify.reloaded", "\"email\":%s,\"sms\":%s,\"connections\":%zu",
	          atomic_load(&pool->email) ? "true" : "false", atomic_load(&pool->sms) ? "true" : "false",
	          pool->nworkers);
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
