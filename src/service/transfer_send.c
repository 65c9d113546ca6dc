/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * transfer_send.c - the deliveries of transfers to third parties: the transfer batches as an outbound queue, drained
 * by the same workers as the notification outbox (worker.c), with the same claims, leases, retries and backoff.
 *
 * Sending a batch is where personal data leaves, so it is decided again at that moment, person by person: a
 * transfer may wait for a retry for hours, and a person who revoked their consent meanwhile, or was erased, does not
 * go out under consent (nor erased data under any basis). Those are refused and logged as such. The others' fields,
 * exactly those the transfer names, are read and decrypted one person at a time into one JSON document, sealed to
 * the recipient's public key (the version of the recipient the transfer was filed for), and POSTed to its endpoint
 * with an Idempotency-Key: the batch's id and a digest of the people in it, so the key stays the same when the same
 * people are sent again and changes when one of them dropped out. The plain document is zeroed as soon as it is
 * sealed. The outcome is written per person into the disclosure log, with an audit entry per batch holding ids and
 * counts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/log.h"
#include "core/time.h"
#include "crypto/seal.h"
#include "notify/recipient.h"
#include "notify/smtp.h" /* privd_notify_global_init */
#include "service/service_int.h"

#define IDS_MAX 10000

/* What the queue keeps of a claimed batch, and what sending it decided. */
struct item {
	struct privd_batch_row row; /* subject_ids copied */
	char transfer_id[33];
	char (*ids)[33];
	enum privd_refusal *verdict; /* per id: NONE for those sent */
	size_t nids, nsent, nrefused;
};

/* One worker's connection to the recipient it sent to last. */
struct conn {
	struct privd_service *svc;
	struct privd_post *post; /* NULL until the first batch */
	long timeout;
};

/* A few batches claimed at once by the one worker. */
#define CLAIM_BATCH 4

struct privd_transfers {
	struct privd_service *svc;
	struct privd_workers *workers;
	atomic_ullong delivered, refused, queued;
};

/* ---- claims ---- */

static int claim_copy(void *arg, const struct privd_batch_row *row)
{
	struct privd_claiming *k = arg;
	struct item *it = privd_claiming_item(k);

	it->row = *row;
	it->row.subject_ids = strdup(row->subject_ids != NULL ? row->subject_ids : "");
	if (it->row.subject_ids == NULL) {
		k->failed = true;
		return 1;
	}
	memcpy(it->transfer_id, row->transfer_id, sizeof(it->transfer_id));
	return privd_claiming_add(k, row->id, row->attempts);
}

static enum privd_rc q_claim(struct privd_db *db, void *q, int64_t now, int64_t lease_until, struct privd_claiming *k)
{
	(void)q;
	return privd_repo_batch_claim(db, now, lease_until, k->cap, claim_copy, k);
}

static enum privd_rc q_any_due(struct privd_db *db, void *q, int64_t now, bool *any)
{
	(void)q;
	return privd_repo_batch_any_due(db, now, any);
}

static void q_clear(void *q, struct privd_claim *c)
{
	struct item *it = c->item;

	(void)q;
	privd_batch_row_clear(&it->row);
	free(it->ids);
	free(it->verdict);
}

/* ---- sending a batch ---- */

/* Splits the batch's list of ids. */
static enum privd_rc parse_ids(struct item *it)
{
	const char *p = it->row.subject_ids;
	size_t n = *p != '\0' ? 1 : 0;

	for (const char *s = p; *s != '\0'; s++)
		n += *s == ',';
	if (n > IDS_MAX)
		return PRIVD_ERR_INTERNAL;
	it->ids = calloc(n > 0 ? n : 1, sizeof(*it->ids));
	it->verdict = calloc(n > 0 ? n : 1, sizeof(*it->verdict));
	if (it->ids == NULL || it->verdict == NULL)
		return PRIVD_ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		size_t len = strcspn(p, ",");

		if (len != 32)
			return PRIVD_ERR_INTERNAL;
		memcpy(it->ids[i], p, 32);
		p += len + (p[len] == ',');
	}
	it->nids = n;
	return PRIVD_OK;
}

/* Checks each person again and writes the records of those who go; *idem receives the delivery's key. A failure
 * to read is returned (the batch is then handed back); refusals are not failures. */
static enum privd_rc build(struct privd_service *svc, struct item *it, const struct privd_transfer_row *t,
                           const struct privd_recipient_row *r, struct privd_delivery_doc *d,
                           char idem[PRIVD_IDEMPOTENCY_KEY_MAX])
{
	char when[PRIVD_TIME_LEN], hex[33];
	const struct privd_delivery_head head = {
	    t->id, it->row.id, r->id, r->purpose, privd_legal_basis_name(t->basis), t->reference, when, t->fields};
	unsigned char digest[16];
	crypto_generichash_state st;
	enum privd_rc rc = PRIVD_OK;

	privd_time_format(privd_now_ms(), when);
	crypto_generichash_init(&st, NULL, 0, sizeof(digest));
	privd_delivery_doc_begin(d, &head);
	for (size_t i = 0; rc == PRIVD_OK && i < it->nids; i++) {
		struct privd_subject s;
		const char *values[PRIVD_TFIELD_COUNT];

		rc = privd_transfer_check_subject(svc, t->basis, it->ids[i], &it->verdict[i]);
		if (rc != PRIVD_OK || it->verdict[i] != PRIVD_REFUSAL_NONE)
			continue;
		rc = privd_subject_load(svc, it->ids[i], &s, NULL);
		if (rc == PRIVD_ERR_GONE || rc == PRIVD_ERR_NOT_FOUND) { /* erased since it was checked */
			it->verdict[i] = rc == PRIVD_ERR_GONE ? PRIVD_REFUSAL_ERASED : PRIVD_REFUSAL_NOT_FOUND;
			rc = PRIVD_OK;
			continue;
		}
		if (rc != PRIVD_OK)
			break;
		values[PRIVD_TFIELD_NAME] = s.name;
		values[PRIVD_TFIELD_EMAIL] = s.email;
		values[PRIVD_TFIELD_PHONE] = s.phone;
		values[PRIVD_TFIELD_IP] = s.ip;
		values[PRIVD_TFIELD_BIRTH_DATE] = s.birth_date;
		values[PRIVD_TFIELD_RESIDENCE_COUNTRY] = s.residence_country;
		privd_delivery_doc_add(d, values);
		privd_subject_clear(&s);
		crypto_generichash_update(&st, (const unsigned char *)it->ids[i], 32);
		it->nsent++;
	}
	crypto_generichash_final(&st, digest, sizeof(digest));
	sodium_bin2hex(hex, sizeof(hex), digest, sizeof(digest));
	snprintf(idem, PRIVD_IDEMPOTENCY_KEY_MAX, "%s-%s", it->row.id, hex);
	it->nrefused = it->nids - it->nsent;
	return rc;
}

/* The connection to r's endpoint: the one held when it goes there, a new one otherwise. */
static enum privd_rc connect_to(struct conn *k, const char *endpoint)
{
	if (k->post != NULL && strcmp(privd_post_url(k->post), endpoint) == 0)
		return PRIVD_OK;
	privd_post_free(k->post);
	k->post = NULL;
	return privd_post_new(endpoint, k->timeout, &k->post);
}

/* Seals the document to r's key and posts it. */
static void deliver(struct conn *k, const struct privd_recipient_row *r, const char *transfer_id,
                    struct privd_delivery_doc *d, const char *idem, struct privd_send_result *res)
{
	uint8_t pk[PRIVD_SEAL_KEY_BYTES], *sealed = NULL;
	const char *text = NULL;
	size_t plain = 0, len = 0;
	enum privd_rc rc = privd_delivery_doc_end(d, &text, &plain);

	if (rc == PRIVD_OK)
		rc = privd_seal_key_parse(r->public_key, pk);
	if (rc == PRIVD_OK) {
		len = plain + PRIVD_SEAL_OVERHEAD;
		sealed = malloc(len);
		rc = sealed != NULL ? privd_seal_to_recipient(pk, (const uint8_t *)text, plain, sealed)
		                    : PRIVD_ERR_NOMEM;
	}
	privd_delivery_doc_discard(d); /* the plain text goes as soon as it is sealed */
	if (rc == PRIVD_OK)
		rc = connect_to(k, r->endpoint);
	if (rc == PRIVD_OK) {
		privd_recipient_send(k->post, idem, transfer_id, sealed, len, res);
	} else {
		res->outcome = rc == PRIVD_ERR_NOMEM ? PRIVD_SEND_RETRY : PRIVD_SEND_PERMANENT;
		snprintf(res->error, sizeof(res->error), "cannot seal or post to the recipient (%s)", privd_rc_str(rc));
	}
	free(sealed);
}

static void q_send(void *q, void *conn, struct privd_claim *c, struct privd_send_result *res)
{
	struct privd_transfers *x = q;
	struct conn *k = conn;
	struct item *it = c->item;
	struct privd_transfer_row t;
	struct privd_recipient_row r;
	struct privd_reader *rd = NULL;
	struct privd_delivery_doc d;
	char idem[PRIVD_IDEMPOTENCY_KEY_MAX];
	enum privd_rc rc = privd_reader_get(x->svc, &rd);

	memset(&d, 0, sizeof(d));
	if (rc == PRIVD_OK) {
		rc = privd_repo_transfer_get(rd->db, it->transfer_id, &t);
		if (rc == PRIVD_OK)
			rc = privd_repo_recipient_get(rd->db, t.recipient_id, t.recipient_version, &r);
		privd_reader_put(x->svc, rd, rc == PRIVD_ERR_DB);
	}
	if (rc == PRIVD_OK)
		rc = parse_ids(it);
	if (rc == PRIVD_OK)
		rc = build(x->svc, it, &t, &r, &d, idem);
	if (rc == PRIVD_ERR_NOT_FOUND || rc == PRIVD_ERR_INTERNAL) {
		c->fate = PRIVD_CLAIM_FAILED;
		snprintf(c->error, sizeof(c->error), "the transfer or its recipient cannot be read (%s)",
		         privd_rc_str(rc));
	} else if (rc != PRIVD_OK) {
		c->fate = PRIVD_CLAIM_RELEASE; /* the database did not answer: another time, no attempt counted */
		it->nsent = it->nrefused = 0;
	} else if (it->nsent == 0) {
		c->fate = PRIVD_CLAIM_SENT; /* everyone refused: nothing leaves */
	} else {
		deliver(k, &r, t.id, &d, idem, res);
	}
	privd_delivery_doc_discard(&d);
}

/* ---- outcomes ---- */

/* The ids still to send after this attempt (those not refused), as the batch stores them. */
static char *remaining(const struct item *it)
{
	char *out = malloc(it->nsent * 33 + 1);
	size_t at = 0;

	if (out == NULL)
		return NULL;
	out[0] = '\0';
	for (size_t i = 0; i < it->nids; i++)
		if (it->verdict[i] == PRIVD_REFUSAL_NONE)
			at +=
			    (size_t)snprintf(out + at, it->nsent * 33 + 1 - at, "%s%s", at > 0 ? "," : "", it->ids[i]);
	return out;
}

/* The log entries of this attempt: the refused, and when the batch is final the others' outcome. */
static enum privd_rc log_outcomes(struct privd_db *db, const struct item *it, const struct privd_claim *c, int64_t now)
{
	struct privd_disclosure_row *rows = calloc(it->nids > 0 ? it->nids : 1, sizeof(*rows));
	bool final = c->fate == PRIVD_CLAIM_SENT || c->fate == PRIVD_CLAIM_FAILED;
	size_t n = 0;
	enum privd_rc rc;

	if (rows == NULL)
		return PRIVD_ERR_NOMEM;
	for (size_t i = 0; i < it->nids; i++) {
		struct privd_disclosure_row *d = &rows[n];

		if (it->verdict[i] == PRIVD_REFUSAL_NOT_FOUND || (it->verdict[i] == PRIVD_REFUSAL_NONE && !final))
			continue;
		memcpy(d->subject_id, it->ids[i], 32);
		memcpy(d->transfer_id, it->transfer_id, sizeof(d->transfer_id));
		memcpy(d->batch_id, it->row.id, sizeof(d->batch_id));
		d->outcome = it->verdict[i] != PRIVD_REFUSAL_NONE ? PRIVD_DISCLOSURE_REFUSED
		             : c->fate == PRIVD_CLAIM_SENT        ? PRIVD_DISCLOSURE_DELIVERED
		                                                  : PRIVD_DISCLOSURE_FAILED;
		d->reason = it->verdict[i];
		d->at = now;
		n++;
	}
	rc = privd_repo_disclosure_append(db, rows, n);
	free(rows);
	return rc;
}

static enum privd_rc q_record(struct privd_db *db, void *q, struct privd_claim *c, int64_t now)
{
	struct privd_transfers *x = q;
	struct item *it = c->item;
	char detail[512], *left = NULL;
	struct privd_jsonw w;
	enum privd_rc rc;

	if (c->fate == PRIVD_CLAIM_RETRY && it->nrefused > 0) {
		left = remaining(it);
		if (left == NULL)
			return PRIVD_ERR_NOMEM;
	}
	rc = privd_repo_batch_outcome(db, c->id,
	                              c->fate == PRIVD_CLAIM_SENT     ? PRIVD_NOTICE_SENT
	                              : c->fate == PRIVD_CLAIM_FAILED ? PRIVD_NOTICE_FAILED
	                                                              : PRIVD_NOTICE_QUEUED,
	                              now, c->next_at, c->error, left);
	free(left);
	if (rc == PRIVD_OK)
		rc = log_outcomes(db, it, c, now);
	if (rc != PRIVD_OK || (c->fate == PRIVD_CLAIM_RETRY && it->nrefused == 0))
		return rc;
	privd_jsonw_init(&w, detail, sizeof(detail));
	privd_jsonw_str(&w, "batch", c->id);
	privd_jsonw_int(&w, "attempts", c->attempts + 1);
	privd_jsonw_int(&w, c->fate == PRIVD_CLAIM_SENT ? "delivered" : "not_delivered", (int64_t)it->nsent);
	privd_jsonw_int(&w, "refused", (int64_t)it->nrefused);
	if (c->fate != PRIVD_CLAIM_SENT)
		privd_jsonw_str(&w, "error", c->error);
	privd_jsonw_end(&w);
	return privd_audit_append(x->svc, db, "system",
	                          c->fate == PRIVD_CLAIM_SENT     ? "transfer.delivered"
	                          : c->fate == PRIVD_CLAIM_FAILED ? "transfer.failed"
	                                                          : "transfer.refused",
	                          "transfer", it->transfer_id, detail);
}

static void q_recorded(void *q, const struct privd_claim *c)
{
	struct privd_transfers *x = q;
	const struct item *it = c->item;

	atomic_fetch_add(&x->refused, it->nrefused);
	if (c->fate == PRIVD_CLAIM_SENT)
		atomic_fetch_add(&x->delivered, it->nsent);
}

static void q_count(void *q)
{
	struct privd_transfers *x = q;
	struct privd_reader *r = NULL;
	int64_t n = 0;
	enum privd_rc rc;

	if (privd_reader_get(x->svc, &r) != PRIVD_OK)
		return;
	rc = privd_repo_batch_queued(r->db, &n);
	privd_reader_put(x->svc, r, rc == PRIVD_ERR_DB);
	if (rc == PRIVD_OK)
		atomic_store(&x->queued, (unsigned long long)n);
}

/* ---- start and stop ---- */

static enum privd_rc q_open(void *q, const struct privd_config *cfg, void **out, struct privd_err *err)
{
	struct privd_transfers *x = q;
	struct privd_worker_config wc = {.lease_ms = (int64_t)cfg->notify_lease_seconds * 1000};
	struct conn *k = calloc(1, sizeof(*k));

	if (k == NULL)
		return privd_err_set(err, PRIVD_ERR_NOMEM, "out of memory");
	k->svc = x->svc;
	k->timeout = (long)(privd_workers_timeout_ms(&wc) / 1000);
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

static const struct privd_queue_ops batch_ops = {
    .name = "transfer",
    .item_size = sizeof(struct item),
    .open = q_open,
    .close = q_close,
    .claim = q_claim,
    .lease = privd_repo_batch_lease,
    .any_due = q_any_due,
    .release_all = privd_repo_batch_release_all,
    .send = q_send,
    .record = q_record,
    .clear = q_clear,
    .count = q_count,
    .recorded = q_recorded,
};

enum privd_rc privd_transfers_start(struct privd_service *svc, struct privd_err *err)
{
	struct privd_transfers *x = calloc(1, sizeof(*x));
	enum privd_rc rc;

	if (x == NULL)
		return privd_err_set(err, PRIVD_ERR_NOMEM, "out of memory");
	x->svc = svc;
	rc = privd_workers_start_notify(svc, &batch_ops, x, CLAIM_BATCH, &x->workers, err);
	if (rc != PRIVD_OK) {
		free(x);
		return rc;
	}
	svc->transfers = x;
	return PRIVD_OK;
}

void privd_transfers_stop(struct privd_service *svc)
{
	struct privd_transfers *x = svc->transfers;

	if (x == NULL)
		return;
	privd_workers_stop(x->workers);
	svc->transfers = NULL;
	free(x);
}

enum privd_rc privd_transfers_reload(struct privd_service *svc, const struct privd_config *next, struct privd_err *err)
{
	if (svc->transfers == NULL)
		return PRIVD_OK;
	return privd_workers_reload_notify(svc->transfers->workers, next, CLAIM_BATCH, err);
}

void privd_transfers_wake(struct privd_service *svc)
{
	if (svc->transfers != NULL)
		privd_workers_wake(svc->transfers->workers);
}

void privd_transfers_stats(struct privd_service *svc, struct privd_service_stats *out)
{
	struct privd_transfers *x = svc->transfers;
	struct privd_worker_stats w;

	if (x == NULL)
		return;
	privd_workers_stats(x->workers, &w);
	out->transfer_batches_sent = w.sent;
	out->transfer_batches_failed = w.failed;
	out->transfer_batches_retried = w.retried;
	out->transfer_subjects_delivered = atomic_load(&x->delivered);
	out->transfer_subjects_refused = atomic_load(&x->refused);
	out->transfer_batches_queued = atomic_load(&x->queued);
}
