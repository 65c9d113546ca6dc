/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * transfers.c - filing a transfer of people's data to a third party, and reading transfers and disclosure logs.
 *
 * What the policy promises is checked here, before anything is queued. The legal basis is named, and every basis but
 * consent names its reference (a court decision's number and date, the law). The recipient must be active; abroad,
 * Roskomnadzor must have had its 10 working days with the notification when the country has no adequate
 * protection, or the whole transfer is refused with the day it may go. Only the fields asked for and allowed to the
 * recipient leave. Under consent each person is checked on their consent to third_party_transfer (granted and
 * current) and their status, from the consent cache; a person who may not go is refused with the reason, listed in
 * the answer and written to their disclosure log: never dropped silently. The accepted are queued in batches for
 * the transfer workers (transfer_send.c), who check each again when sending. The transfer, its batches, every
 * person's log entry and the audit entry commit in one transaction; the audit entry holds ids and counts only, and
 * the SHA-256 of the list of people accepted, which ties the log to the tamper-evident chain.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/log.h"
#include "core/time.h"
#include "service/service_int.h"

#define REF_MAX_BYTES 255

void privd_transfer_clear(struct privd_transfer *t)
{
	if (t == NULL)
		return;
	free(t->refusals);
	free(t->batches);
	t->refusals = NULL;
	t->batches = NULL;
	t->nrefusals = t->nbatches = 0;
}

/* ---- checking what is asked ---- */

static int id_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void check_subjects(const struct privd_transfer_input *in, struct privd_err *err)
{
	const char **sorted;

	if (in->subject_ids == NULL || in->nsubjects == 0) {
		privd_err_field(err, "subject_ids", "must name at least one subject");
		return;
	}
	if (in->nsubjects > PRIVD_TRANSFER_SUBJECTS_MAX) {
		privd_err_field(err, "subject_ids", "may name at most 10000 subjects");
		return;
	}
	for (size_t i = 0; i < in->nsubjects; i++) {
		uint8_t bin[16];

		if (!privd_id_parse(in->subject_ids[i], bin)) {
			privd_err_field(err, "subject_ids", "must hold only subject ids (32 lowercase hex characters)");
			return;
		}
	}
	sorted = malloc(in->nsubjects * sizeof(*sorted));
	if (sorted == NULL)
		return; /* the duplicates check is a courtesy: the log would show the person twice */
	memcpy(sorted, in->subject_ids, in->nsubjects * sizeof(*sorted));
	qsort(sorted, in->nsubjects, sizeof(*sorted), id_cmp);
	for (size_t i = 1; i < in->nsubjects; i++) {
		if (strcmp(sorted[i - 1], sorted[i]) == 0) {
			privd_err_field(err, "subject_ids", "names a subject more than once");
			break;
		}
	}
	free(sorted);
}

/* The shape of the request: everything that needs no reading. *basis and *fields receive what was asked. */
static enum privd_rc check_input(const struct privd_transfer_input *in, enum privd_legal_basis *basis, unsigned *fields,
                                 struct privd_err *err)
{
	uint8_t bin[16];
	const char *why = NULL;
	size_t before = err != NULL ? err->nfields : 0;

	if (in->recipient_id == NULL)
		privd_err_field(err, "recipient_id", "is required");
	else if (!privd_id_parse(in->recipient_id, bin))
		privd_err_field(err, "recipient_id", "is not an id");
	check_subjects(in, err);
	*fields = 0;
	for (size_t i = 0; i < in->nfields; i++) {
		enum privd_transfer_field f;

		if (privd_transfer_field_parse(in->fields[i], &f) != PRIVD_OK) {
			privd_err_field(err, "fields",
			                "must hold only name, email, phone, ip, birth_date, residence_country");
			break;
		}
		*fields |= 1u << f;
	}
	if (in->fields == NULL || in->nfields == 0)
		privd_err_field(err, "fields", "must name at least one field");
	if (in->legal_basis == NULL)
		privd_err_field(err, "legal_basis", "is required");
	else if (privd_legal_basis_parse(in->legal_basis, basis) != PRIVD_OK)
		privd_err_field(err, "legal_basis",
		                "must be one of consent, court_decision, law, protection_of_rights");
	else if (privd_legal_basis_needs_reference(*basis) && in->reference == NULL)
		privd_err_field(err, "reference",
		                "is required for this legal basis (e.g. the court decision's number and date)");
	if (in->reference != NULL && privd_transfer_text_check(in->reference, REF_MAX_BYTES, &why) != PRIVD_OK)
		privd_err_field(err, "reference", why != NULL ? why : "is not valid");
	if (err != NULL && err->nfields > before)
		return PRIVD_ERR_INVALID;
	return err == NULL || err->nfields == before ? PRIVD_OK : PRIVD_ERR_INVALID;
}

/* The recipient as it is now: active, and abroad past Roskomnadzor's review. */
static enum privd_rc check_recipient(struct privd_service *svc, const char *id, struct privd_recipient_row *row,
                                     struct privd_transfer *out, struct privd_err *err)
{
	struct privd_reader *r = NULL;
	struct privd_date today, from;
	enum privd_rc rc = privd_reader_get(svc, &r);

	if (rc != PRIVD_OK)
		return rc;
	rc = privd_repo_recipient_get(r->db, id, 0, row);
	privd_reader_put(svc, r, rc == PRIVD_ERR_DB);
	if (rc == PRIVD_ERR_NOT_FOUND) {
		privd_err_field(err, "recipient_id", "no such recipient");
		return privd_err_set(err, PRIVD_ERR_INVALID, "no such recipient");
	}
	if (rc != PRIVD_OK)
		return rc;
	privd_recipient_view(svc, row, &out->recipient);
	if (!row->active) {
		privd_err_problem(err, PRIVD_ERR_CONFLICT, "recipient-inactive");
		return privd_err_set(err, PRIVD_ERR_CONFLICT, "the recipient is deactivated: nothing goes to it");
	}
	if (!row->cross_border || out->recipient.transfers_from[0] == '\0')
		return PRIVD_OK;
	privd_today(&today);
	if (privd_date_parse(out->recipient.transfers_from, &from, NULL) != PRIVD_OK ||
	    privd_date_cmp(&today, &from) >= 0)
		return PRIVD_OK;
	memcpy(out->not_before, out->recipient.transfers_from, sizeof(out->not_before));
	out->not_before_estimated = out->recipient.transfers_from_estimated;
	privd_err_problem(err, PRIVD_ERR_CONFLICT, "cross-border-review");
	privd_err_field(err, "recipient_id", "Roskomnadzor reviews the cross-border notification (152-FZ Art. 12)");
	return privd_err_set(
	    err, PRIVD_ERR_CONFLICT,
	    "the cross-border notification is under Roskomnadzor's review: the transfer may go from %s",
	    out->not_before);
}

enum privd_rc privd_transfer_check_subject(struct privd_service *svc, enum privd_legal_basis basis, const char *id,
                                           enum privd_refusal *out)
{
	struct privd_cache_entry e;
	struct privd_consent_check chk;
	struct privd_consent_answer a = {0};
	enum privd_rc rc = privd_cache_get(svc, id, &e);

	*out = PRIVD_REFUSAL_NONE;
	if (rc == PRIVD_ERR_NOT_FOUND) {
		*out = PRIVD_REFUSAL_NOT_FOUND;
		return PRIVD_OK;
	}
	if (rc != PRIVD_OK)
		return rc;
	if (basis == PRIVD_BASIS_CONSENT && e.status != PRIVD_SUBJECT_ERASED) {
		rc = privd_service_consent_check(svc, id, PRIVD_PURPOSE_THIRD_PARTY_TRANSFER, &chk);
		if (rc != PRIVD_OK && rc != PRIVD_ERR_GONE)
			return rc;
		a.granted = chk.granted;
		a.reconsent_required = chk.reconsent_required;
	}
	*out = privd_transfer_verdict(basis, true, (enum privd_subject_status)e.status, &a);
	return PRIVD_OK;
}

/* ---- the write ---- */

struct file_job {
	struct privd_service *svc;
	const struct privd_principal *who;
	struct privd_transfer_row transfer;
	struct privd_batch_row *batches;
	size_t nbatches;
	struct privd_disclosure_row *log;
	size_t nlog;
	char detail[512];
};

/* Gives the transfer a created_at later than any other's (the list's cursor), and its batches and log the same. */
static void file_time(struct file_job *j, int64_t at)
{
	j->transfer.created_at = at;
	for (size_t i = 0; i < j->nbatches; i++)
		j->batches[i].created_at = at;
	for (size_t i = 0; i < j->nlog; i++)
		j->log[i].at = at;
}

static enum privd_rc file_data(struct privd_db *db, void *arg)
{
	struct file_job *j = arg;
	int64_t last = 0;
	/* The audit append comes first: it takes the chain's lock, which also serialises created_at across nodes. */
	enum privd_rc rc =
	    privd_audit_append(j->svc, db, j->who->actor, "transfer.create", "transfer", j->transfer.id, j->detail);

	if (rc == PRIVD_OK)
		rc = privd_repo_transfer_last_created(db, &last);
	if (rc == PRIVD_OK && j->transfer.created_at <= last)
		file_time(j, last + 1);
	if (rc == PRIVD_OK)
		rc = privd_repo_transfer_insert(db, &j->transfer);
	if (rc == PRIVD_OK)
		rc = privd_repo_batch_insert_many(db, j->batches, j->nbatches);
	if (rc == PRIVD_OK)
		rc = privd_repo_disclosure_append(db, j->log, j->nlog);
	return rc;
}

static void file_job_free(struct file_job *j)
{
	for (size_t i = 0; i < j->nbatches; i++)
		privd_batch_row_clear(&j->batches[i]);
	free(j->batches);
	free(j->log);
}

/* The accepted people in batches of [transfers] batch, each with its list of ids and a log entry per person. */
static enum privd_rc plan_batches(struct privd_service *svc, const struct privd_transfer_input *in,
                                  const enum privd_refusal *verdict, size_t accepted, struct file_job *j)
{
	size_t per = (size_t)svc->cfg.transfers_batch, at = 0;
	int64_t now = j->transfer.created_at;

	j->nbatches = (accepted + per - 1) / per;
	j->batches = calloc(j->nbatches > 0 ? j->nbatches : 1, sizeof(*j->batches));
	if (j->batches == NULL)
		return PRIVD_ERR_NOMEM;
	for (size_t b = 0; b < j->nbatches; b++) {
		struct privd_batch_row *row = &j->batches[b];
		size_t len = 0;

		privd_random_id(row->id);
		memcpy(row->transfer_id, j->transfer.id, sizeof(row->transfer_id));
		row->seq = (int)b + 1;
		row->status = PRIVD_NOTICE_QUEUED;
		row->created_at = now;
		row->subject_ids = malloc(per * 33 + 1);
		if (row->subject_ids == NULL)
			return PRIVD_ERR_NOMEM;
		row->subject_ids[0] = '\0';
		for (; at < in->nsubjects && (size_t)row->subjects < per; at++) {
			struct privd_disclosure_row *d = &j->log[j->nlog];

			if (verdict[at] != PRIVD_REFUSAL_NONE)
				continue;
			len += (size_t)snprintf(row->subject_ids + len, per * 33 + 1 - len, "%s%s", len > 0 ? "," : "",
			                        in->subject_ids[at]);
			row->subjects++;
			memset(d, 0, sizeof(*d));
			snprintf(d->subject_id, sizeof(d->subject_id), "%s", in->subject_ids[at]);
			memcpy(d->transfer_id, j->transfer.id, sizeof(d->transfer_id));
			memcpy(d->batch_id, row->id, sizeof(d->batch_id));
			d->outcome = PRIVD_DISCLOSURE_QUEUED;
			d->at = now;
			j->nlog++;
		}
	}
	return PRIVD_OK;
}

/* The log entries of the refused (a subject that does not exist has no log to write to), the refusals listed in
 * out, and the audit entry's detail. */
static enum privd_rc plan_refusals(const struct privd_transfer_input *in, const enum privd_refusal *verdict,
                                   struct file_job *j, struct privd_transfer *out)
{
	unsigned char hash[crypto_hash_sha256_BYTES];
	char hex[2 * crypto_hash_sha256_BYTES + 1], fields[PRIVD_TFIELDS_TEXT_MAX];
	crypto_hash_sha256_state st;
	struct privd_jsonw w;

	out->refusals = calloc(in->nsubjects, sizeof(*out->refusals));
	if (out->refusals == NULL)
		return PRIVD_ERR_NOMEM;
	crypto_hash_sha256_init(&st);
	for (size_t i = 0; i < in->nsubjects; i++) {
		struct privd_disclosure_row *d = &j->log[j->nlog];

		if (verdict[i] == PRIVD_REFUSAL_NONE) {
			crypto_hash_sha256_update(&st, (const unsigned char *)in->subject_ids[i], 32);
			continue;
		}
		snprintf(out->refusals[out->nrefusals].subject_id, 33, "%s", in->subject_ids[i]);
		out->refusals[out->nrefusals++].reason = verdict[i];
		if (verdict[i] == PRIVD_REFUSAL_NOT_FOUND)
			continue;
		memset(d, 0, sizeof(*d));
		snprintf(d->subject_id, sizeof(d->subject_id), "%s", in->subject_ids[i]);
		memcpy(d->transfer_id, j->transfer.id, sizeof(d->transfer_id));
		d->outcome = PRIVD_DISCLOSURE_REFUSED;
		d->reason = verdict[i];
		d->at = j->transfer.created_at;
		j->nlog++;
	}
	crypto_hash_sha256_final(&st, hash);
	sodium_bin2hex(hex, sizeof(hex), hash, sizeof(hash));
	privd_transfer_fields_format(j->transfer.fields, fields, sizeof(fields));
	privd_jsonw_init(&w, j->detail, sizeof(j->detail));
	privd_jsonw_str(&w, "recipient", j->transfer.recipient_id);
	privd_jsonw_int(&w, "recipient_version", j->transfer.recipient_version);
	privd_jsonw_str(&w, "legal_basis", privd_legal_basis_name(j->transfer.basis));
	privd_jsonw_str(&w, "fields", fields);
	privd_jsonw_int(&w, "requested", (int64_t)in->nsubjects);
	privd_jsonw_int(&w, "accepted", (int64_t)(in->nsubjects - out->nrefusals));
	privd_jsonw_int(&w, "refused", (int64_t)out->nrefusals);
	privd_jsonw_int(&w, "batches", (int64_t)j->nbatches);
	privd_jsonw_str(&w, "accepted_sha256", hex);
	return privd_jsonw_end(&w);
}

enum privd_rc privd_service_transfer_create(struct privd_service *svc, const struct privd_principal *who,
                                            const struct privd_transfer_input *in, struct privd_transfer *out,
                                            struct privd_err *err)
{
	struct file_job j = {.svc = svc, .who = who};
	struct privd_recipient_row recipient;
	struct privd_write_job job = {.data = file_data, .arg = &j};
	enum privd_refusal *verdict = NULL;
	enum privd_legal_basis basis = PRIVD_BASIS_CONSENT;
	unsigned asked = 0;
	size_t accepted = 0;
	enum privd_rc rc;

	memset(out, 0, sizeof(*out));
	rc = check_input(in, &basis, &asked, err);
	if (rc == PRIVD_OK)
		rc = check_recipient(svc, in->recipient_id, &recipient, out, err);
	if (rc != PRIVD_OK)
		goto out;
	out->fields = asked & recipient.fields_allowed;
	out->withheld = asked & ~recipient.fields_allowed;
	if (out->fields == 0) {
		privd_err_field(err, "fields", "none of the fields asked for is allowed to this recipient");
		rc = privd_err_set(err, PRIVD_ERR_INVALID, "no field may go to this recipient");
		goto out;
	}
	verdict = calloc(in->nsubjects, sizeof(*verdict));
	j.log = calloc(in->nsubjects, sizeof(*j.log));
	if (verdict == NULL || j.log == NULL) {
		rc = PRIVD_ERR_NOMEM;
		goto out;
	}
	for (size_t i = 0; rc == PRIVD_OK && i < in->nsubjects; i++) {
		rc = privd_transfer_check_subject(svc, basis, in->subject_ids[i], &verdict[i]);
		accepted += verdict[i] == PRIVD_REFUSAL_NONE;
	}
	if (rc != PRIVD_OK)
		goto out;
	privd_random_id(j.transfer.id);
	memcpy(j.transfer.recipient_id, recipient.id, sizeof(j.transfer.recipient_id));
	j.transfer.recipient_version = recipient.version;
	j.transfer.basis = basis;
	snprintf(j.transfer.reference, sizeof(j.transfer.reference), "%s", in->reference ? in->reference : "");
	j.transfer.fields = out->fields;
	j.transfer.requested = (int)in->nsubjects;
	j.transfer.refused = (int)(in->nsubjects - accepted);
	snprintf(j.transfer.actor, sizeof(j.transfer.actor), "%s", who->actor);
	j.transfer.created_at = privd_now_ms();
	rc = plan_batches(svc, in, verdict, accepted, &j);
	if (rc == PRIVD_OK)
		rc = plan_refusals(in, verdict, &j, out);
	if (rc == PRIVD_OK)
		rc = privd_writer_run(svc->writer, &job);
	if (rc != PRIVD_OK)
		goto out;
	memcpy(out->id, j.transfer.id, sizeof(out->id));
	out->basis = basis;
	memcpy(out->reference, j.transfer.reference, sizeof(out->reference));
	memcpy(out->actor, j.transfer.actor, sizeof(out->actor));
	out->created_at = j.transfer.created_at;
	out->requested = j.transfer.requested;
	out->refused_at_filing = j.transfer.refused;
	out->outcomes[PRIVD_DISCLOSURE_QUEUED] = (int64_t)accepted;
	out->outcomes[PRIVD_DISCLOSURE_REFUSED] = (int64_t)(j.nlog - accepted);
	privd_transfers_wake(svc);
	privd_log(PRIVD_LOG_INFO, "transfer.filed", "\"transfer\":\"%s\",\"accepted\":%zu,\"refused\":%zu", out->id,
	          accepted, out->nrefusals);
out:
	if (rc != PRIVD_OK) {
		char keep[11];

		memcpy(keep, out->not_before, sizeof(keep));
		privd_transfer_clear(out);
		memcpy(out->not_before, keep, sizeof(keep));
	}
	file_job_free(&j);
	free(verdict);
	return rc;
}

/* ---- reads ---- */

static int add_batch(void *arg, const struct privd_batch_row *row)
{
	struct privd_transfer *t = arg;
	struct privd_transfer_batch *b;

	if (t->nbatches % 16 == 0) {
		void *more = realloc(t->batches, (t->nbatches + 16) * sizeof(*t->batches));

		if (more == NULL)
			return 1;
		t->batches = more;
	}
	b = &t->batches[t->nbatches++];
	memset(b, 0, sizeof(*b));
	memcpy(b->id, row->id, sizeof(b->id));
	b->seq = row->seq;
	b->status = row->status;
	b->subjects = row->subjects;
	b->attempts = row->attempts;
	memcpy(b->last_error, row->last_error, sizeof(b->last_error));
	b->created_at = row->created_at;
	b->sent_at = row->sent_at;
	b->next_attempt_at = row->status == PRIVD_NOTICE_QUEUED && row->attempts > 0 ? row->next_attempt_at : 0;
	return 0;
}

enum privd_rc privd_service_transfer_get(struct privd_service *svc, const char *id, struct privd_transfer *out,
                                         struct privd_err *err)
{
	struct privd_transfer_row t;
	struct privd_recipient_row rr;
	struct privd_reader *r = NULL;
	enum privd_rc rc;

	memset(out, 0, sizeof(*out));
	rc = privd_reader_get(svc, &r);
	if (rc != PRIVD_OK)
		return rc;
	rc = privd_repo_transfer_get(r->db, id, &t);
	if (rc == PRIVD_OK)
		rc = privd_repo_recipient_get(r->db, t.recipient_id, t.recipient_version, &rr);
	if (rc == PRIVD_OK)
		rc = privd_repo_disclosure_tally(r->db, id, out->outcomes, &out->refused_sending);
	if (rc == PRIVD_OK)
		rc = privd_repo_batch_list(r->db, id, add_batch, out);
	privd_reader_put(svc, r, rc == PRIVD_ERR_DB);
	if (rc != PRIVD_OK) {
		privd_transfer_clear(out);
		return rc == PRIVD_ERR_NOT_FOUND ? privd_err_set(err, rc, "no such transfer") : rc;
	}
	memcpy(out->id, t.id, sizeof(out->id));
	privd_recipient_view(svc, &rr, &out->recipient);
	out->basis = t.basis;
	memcpy(out->reference, t.reference, sizeof(out->reference));
	out->fields = t.fields;
	memcpy(out->actor, t.actor, sizeof(out->actor));
	out->created_at = t.created_at;
	out->requested = t.requested;
	out->refused_at_filing = t.refused;
	return PRIVD_OK;
}

struct transfer_walk {
	struct privd_service *svc;
	int (*cb)(void *arg, const struct privd_transfer *t);
	void *arg;
};

static int transfer_one(void *arg, const struct privd_transfer_list_row *row)
{
	struct transfer_walk *w = arg;
	struct privd_transfer x;

	memset(&x, 0, sizeof(x));
	memcpy(x.id, row->t.id, sizeof(x.id));
	privd_recipient_view(w->svc, &row->r, &x.recipient);
	x.basis = row->t.basis;
	memcpy(x.reference, row->t.reference, sizeof(x.reference));
	x.fields = row->t.fields;
	memcpy(x.actor, row->t.actor, sizeof(x.actor));
	x.created_at = row->t.created_at;
	x.requested = row->t.requested;
	x.refused_at_filing = row->t.refused;
	x.outcomes[PRIVD_DISCLOSURE_QUEUED] = row->queued;
	x.outcomes[PRIVD_DISCLOSURE_DELIVERED] = row->delivered;
	x.outcomes[PRIVD_DISCLOSURE_FAILED] = row->failed;
	x.refused_sending = row->refused_sending;
	return w->cb(w->arg, &x);
}

enum privd_rc privd_service_transfer_list(struct privd_service *svc, const struct privd_transfer_query *q,
                                          int (*cb)(void *arg, const struct privd_transfer *t), void *arg,
                                          struct privd_err *err)
{
	struct transfer_walk w = {svc, cb, arg};
	const struct privd_transfer_filter f = {.before = q->before,
	                                        .recipient_id = q->recipient_id,
	                                        .status = q->status,
	                                        .by_basis = q->by_basis,
	                                        .basis = q->basis,
	                                        .since = q->since,
	                                        .until = q->until,
	                                        .limit = q->limit};
	struct privd_reader *r = NULL;
	enum privd_rc rc = privd_reader_get(svc, &r);

	(void)err;
	if (rc != PRIVD_OK)
		return rc;
	rc = privd_repo_transfer_list(r->db, &f, transfer_one, &w);
	privd_reader_put(svc, r, rc == PRIVD_ERR_DB);
	return rc;
}

struct disclosure_walk {
	struct privd_service *svc;
	int (*cb)(void *arg, const struct privd_disclosure *d);
	void *arg;
};

static int disclosure_one(void *arg, const struct privd_disclosure_row *d, const struct privd_transfer_row *t,
                          const struct privd_recipient_row *r)
{
	struct disclosure_walk *w = arg;
	struct privd_disclosure x;

	memset(&x, 0, sizeof(x));
	x.seq = d->seq;
	memcpy(x.transfer_id, d->transfer_id, sizeof(x.transfer_id));
	privd_recipient_view(w->svc, r, &x.recipient);
	x.basis = t->basis;
	memcpy(x.reference, t->reference, sizeof(x.reference));
	x.fields = t->fields;
	x.outcome = d->outcome;
	x.reason = d->reason;
	x.at = d->at;
	return w->cb(w->arg, &x);
}

enum privd_rc privd_service_disclosures(struct privd_service *svc, const char *subject_id, int64_t after, size_t limit,
                                        int (*cb)(void *arg, const struct privd_disclosure *d), void *arg,
                                        struct privd_err *err)
{
	struct disclosure_walk w = {svc, cb, arg};
	enum privd_subject_status status;
	struct privd_reader *r = NULL;
	enum privd_rc rc = privd_reader_get(svc, &r);

	if (rc != PRIVD_OK)
		return rc;
	rc = privd_repo_subject_status(r->db, subject_id, &status);
	if (rc == PRIVD_OK)
		rc = privd_repo_disclosure_list(r->db, subject_id, after, limit, disclosure_one, &w);
	privd_reader_put(svc, r, rc == PRIVD_ERR_DB);
	if (rc == PRIVD_ERR_NOT_FOUND)
		privd_err_set(err, rc, "no such subject");
	return rc;
}

/* ---- what a person is told of their transfers ---- */

struct latest {
	struct privd_disclosure *d; /* one per transfer, its newest entry */
	size_t n, cap;
	bool nomem;
};

static int keep_latest(void *arg, const struct privd_disclosure *d)
{
	struct latest *l = arg;

	for (size_t i = 0; i < l->n; i++) {
		if (strcmp(l->d[i].transfer_id, d->transfer_id) == 0) {
			l->d[i] = *d;
			return 0;
		}
	}
	if (l->n == l->cap) {
		size_t cap = l->cap > 0 ? l->cap * 2 : 8;
		void *more = realloc(l->d, cap * sizeof(*l->d));

		if (more == NULL) {
			l->nomem = true;
			return 1;
		}
		l->d = more;
		l->cap = cap;
	}
	l->d[l->n++] = *d;
	return 0;
}

/* One transfer as the result lists it, into buf. */
static void info_entry(const struct privd_disclosure *d, char *buf, size_t cap)
{
	char at[PRIVD_TIME_LEN];
	const char *fields[PRIVD_TFIELD_COUNT];
	size_t nf = 0;
	struct privd_jsonw w;

	for (int f = 0; f < PRIVD_TFIELD_COUNT; f++)
		if (d->fields & (1u << f))
			fields[nf++] = privd_transfer_field_name((enum privd_transfer_field)f);
	privd_time_format(d->at, at);
	privd_jsonw_init(&w, buf, cap);
	privd_jsonw_str(&w, "transfer_id", d->transfer_id);
	privd_jsonw_str(&w, "recipient", d->recipient.name);
	privd_jsonw_str(&w, "country", d->recipient.country);
	privd_jsonw_str(&w, "purpose", d->recipient.purpose);
	privd_jsonw_strs(&w, "fields", fields, nf);
	privd_jsonw_str(&w, "legal_basis", privd_legal_basis_name(d->basis));
	privd_jsonw_str(&w, "status", privd_disclosure_outcome_name(d->outcome));
	privd_jsonw_str(&w, "at", at);
	if (privd_jsonw_end(&w) != PRIVD_OK)
		buf[0] = '\0';
}

enum privd_rc privd_transfer_info(struct privd_service *svc, const char *subject_id, char *out, size_t cap)
{
	struct latest l = {0};
	char entry[1024], tail[160];
	size_t at, shown = 0, more = 0;
	enum privd_rc rc = privd_service_disclosures(svc, subject_id, 0, 0, keep_latest, &l, NULL);

	if (rc == PRIVD_OK && l.nomem)
		rc = PRIVD_ERR_NOMEM;
	if (rc != PRIVD_OK || cap < 200) {
		free(l.d);
		return rc != PRIVD_OK ? rc : PRIVD_ERR_INTERNAL;
	}
	at = (size_t)snprintf(out, cap, "{\"transfers\":[");
	for (size_t i = 0; i < l.n; i++) {
		const struct privd_disclosure *d = &l.d[i];
		size_t len;

		if (d->outcome != PRIVD_DISCLOSURE_DELIVERED && d->outcome != PRIVD_DISCLOSURE_QUEUED)
			continue; /* nothing left privd: refused, or given up on */
		info_entry(d, entry, sizeof(entry));
		len = strlen(entry);
		if (len == 0 || at + len + 2 + sizeof(tail) > cap) {
			more++;
			continue;
		}
		at += (size_t)snprintf(out + at, cap - at, "%s%s", shown > 0 ? "," : "", entry);
		shown++;
	}
	tail[0] = '\0';
	if (more > 0)
		snprintf(tail, sizeof(tail), ",\"more\":%zu,\"log\":\"/v1/subjects/%s/transfers\"", more, subject_id);
	snprintf(out + at, cap - at, "]%s}", tail);
	free(l.d);
	return PRIVD_OK;
}
