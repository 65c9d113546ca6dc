/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * transfers.c - transfers to third parties and the disclosure log: POST /v1/transfers (operator, app),
 * GET /v1/transfers (newest first, by cursor and filters), GET /v1/transfers/{id} and
 * GET /v1/subjects/{id}/transfers.
 *
 * Filing answers 201 with every person refused and why, so nobody is dropped without the caller seeing it; a
 * transfer abroad still under Roskomnadzor's review is a 409 whose problem says from which day it may go
 * ("not_before"). The disclosure log of a person lists every entry: accepted, delivered, refused (with the reason)
 * or given up on, each with the recipient as it was, the fields, the legal basis and its reference. Nothing here is
 * personal data: people by their pseudonymous id, fields by name.
 */
#include "http_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/time.h"

#define FIELDS_MAX 16

/* What a transfer or a log entry says of its recipient: who, where, what for, in which version. */
static json_t *recipient_brief(const struct privd_recipient *r)
{
	return json_pack("{s:s, s:i, s:s, s:s, s:s, s:b}", "id", r->id, "version", r->version, "name", r->name,
	                 "country", r->country, "purpose", r->purpose, "cross_border", r->cross_border);
}

/* The people of a transfer by what became of them, and whether anything is still to be sent. */
static json_t *subjects_json(const struct privd_transfer *t, int64_t *pending)
{
	const int64_t *o = t->outcomes;

	*pending = o[PRIVD_DISCLOSURE_QUEUED] - o[PRIVD_DISCLOSURE_DELIVERED] - o[PRIVD_DISCLOSURE_FAILED] -
	           t->refused_sending;
	if (*pending < 0)
		*pending = 0;
	return json_pack("{s:i, s:I, s:I, s:I, s:I, s:I}", "requested", t->requested, "accepted",
	                 (json_int_t)o[PRIVD_DISCLOSURE_QUEUED], "refused",
	                 (json_int_t)(t->refused_at_filing + t->refused_sending), "delivered",
	                 (json_int_t)o[PRIVD_DISCLOSURE_DELIVERED], "failed", (json_int_t)o[PRIVD_DISCLOSURE_FAILED],
	                 "pending", (json_int_t)*pending);
}

static json_t *batch_json(const struct privd_transfer_batch *b)
{
	return json_pack("{s:s, s:i, s:s, s:i, s:i, s:o, s:o, s:o, s:o}", "id", b->id, "seq", b->seq, "status",
	                 privd_notice_status_name(b->status), "subjects", b->subjects, "attempts", b->attempts,
	                 "last_error", privd_http_json_str_or_null(b->last_error), "next_attempt_at",
	                 privd_http_json_time(b->next_attempt_at), "created_at", privd_http_json_time(b->created_at),
	                 "sent_at", privd_http_json_time(b->sent_at));
}

static json_t *transfer_json(const struct privd_transfer *t)
{
	int64_t pending = 0;
	json_t *subjects = subjects_json(t, &pending);

	/* each o argument is stolen, also when packing fails */
	return json_pack("{s:s, s:o, s:s, s:o, s:o, s:o, s:s, s:o, s:s}", "id", t->id, "recipient",
	                 recipient_brief(&t->recipient), "legal_basis", privd_legal_basis_name(t->basis), "reference",
	                 privd_http_json_str_or_null(t->reference), "fields", privd_http_fields_json(t->fields),
	                 "subjects", subjects, "status", pending > 0 ? "queued" : "completed", "created_at",
	                 privd_http_json_time(t->created_at), "actor", t->actor);
}

/* Adds what only filing says: the fields withheld and every person refused. */
static json_t *filed_json(const struct privd_transfer *t)
{
	json_t *j = transfer_json(t), *refused = json_array();

	for (size_t i = 0; refused != NULL && i < t->nrefusals; i++) {
		json_t *o = json_pack("{s:s, s:s}", "subject_id", t->refusals[i].subject_id, "reason",
		                      privd_refusal_name(t->refusals[i].reason));

		if (json_array_append_new(refused, o) != 0) {
			json_decref(refused);
			refused = NULL;
		}
	}
	if (j == NULL || refused == NULL || json_object_set_new(j, "refused", refused) != 0 ||
	    json_object_set_new(j, "fields_withheld", privd_http_fields_json(t->withheld)) != 0) {
		json_decref(j);
		return NULL;
	}
	return j;
}

void privd_http_transfer_create(struct privd_http_req *r)
{
	static const char *const allowed[] = {"recipient_id", "subject_ids", "fields",
	                                      "legal_basis",  "reference",   NULL};
	struct privd_transfer_input in;
	struct privd_transfer t;
	struct privd_err e = {0};
	const char **subjects = NULL, **fields = NULL;
	json_t *body = NULL;
	char location[64];
	enum privd_rc rc;

	memset(&in, 0, sizeof(in));
	memset(&t, 0, sizeof(t));
	if (!privd_http_body_object(r, &body))
		return;
	privd_http_json_only(body, allowed, "", &e);
	privd_http_json_str(body, "recipient_id", NULL, false, &in.recipient_id, &e);
	privd_http_json_strs(body, "subject_ids", PRIVD_TRANSFER_SUBJECTS_MAX, &subjects, &in.nsubjects, &e);
	privd_http_json_strs(body, "fields", FIELDS_MAX, &fields, &in.nfields, &e);
	privd_http_json_str(body, "legal_basis", NULL, false, &in.legal_basis, &e);
	privd_http_json_str(body, "reference", NULL, true, &in.reference, &e);
	if (e.nfields > 0) {
		privd_http_reply_fields(r, &e);
		goto out;
	}
	in.subject_ids = subjects;
	in.fields = fields;
	rc = privd_service_transfer_create(r->h->svc, &r->who, &in, &t, &e);
	if (rc == PRIVD_ERR_CONFLICT && t.not_before[0] != '\0') {
		privd_http_reply_problem_with(r, MHD_HTTP_CONFLICT, e.problem, e.msg, &e,
		                              json_pack("{s:s, s:b}", "not_before", t.not_before,
		                                        "not_before_estimated", t.not_before_estimated));
		goto out;
	}
	if (rc != PRIVD_OK) {
		privd_http_reply_rc(r, rc, &e);
		goto out;
	}
	privd_http_reply_json(r, MHD_HTTP_CREATED, filed_json(&t));
	snprintf(location, sizeof(location), "/v1/transfers/%s", t.id);
	privd_http_reply_header(r, MHD_HTTP_HEADER_LOCATION, location);
out:
	privd_transfer_clear(&t);
	free(subjects);
	free(fields);
	json_decref(body);
}

void privd_http_transfer_get(struct privd_http_req *r)
{
	struct privd_transfer t;
	struct privd_err e = {0};
	json_t *j, *batches;
	enum privd_rc rc;

	if (!privd_http_id_valid(r->id)) {
		privd_http_reply_problem(r, MHD_HTTP_NOT_FOUND, "not-found", "no such transfer", NULL);
		return;
	}
	rc = privd_service_transfer_get(r->h->svc, r->id, &t, &e);
	if (rc != PRIVD_OK) {
		privd_http_reply_rc(r, rc, &e);
		return;
	}
	j = transfer_json(&t);
	batches = json_array();
	for (size_t i = 0; batches != NULL && i < t.nbatches; i++) {
		if (json_array_append_new(batches, batch_json(&t.batches[i])) != 0) {
			json_decref(batches);
			batches = NULL;
		}
	}
	if (j != NULL && (batches == NULL || json_object_set_new(j, "batches", batches) != 0)) {
		json_decref(j);
		j = NULL;
	} else if (j == NULL) {
		json_decref(batches);
	}
	privd_http_reply_json(r, MHD_HTTP_OK, j);
	privd_transfer_clear(&t);
}

static int add_transfer(void *arg, const struct privd_transfer *t)
{
	return privd_http_page_add(arg, transfer_json(t), t->created_at);
}

/* Query parameter name as an RFC 3339 time into *ms (left alone when absent); a field error when it is not one. */
static void query_time(struct privd_http_req *r, const char *name, int64_t *ms, struct privd_err *e)
{
	const char *s = privd_http_query_str(r, name);

	if (s != NULL && privd_time_parse(s, ms) != PRIVD_OK)
		privd_err_field(e, name, "must be an RFC 3339 time (2026-11-26T11:36:48.123Z)");
}

/* The filters of the list of transfers into q; field errors into e. */
static void transfer_query(struct privd_http_req *r, struct privd_transfer_query *q, struct privd_err *e)
{
	const char *status = privd_http_query_str(r, "status"), *basis = privd_http_query_str(r, "legal_basis");

	q->recipient_id = privd_http_query_id(r, "recipient_id", e);
	q->status = -1;
	if (status != NULL && strcmp(status, "queued") == 0)
		q->status = 1;
	else if (status != NULL && strcmp(status, "completed") == 0)
		q->status = 0;
	else if (status != NULL)
		privd_err_field(e, "status", "must be queued or completed");
	q->by_basis = basis != NULL;
	if (q->by_basis && privd_legal_basis_parse(basis, &q->basis) != PRIVD_OK)
		privd_err_field(e, "legal_basis", "must be one of consent, court_decision, law, protection_of_rights");
	query_time(r, "since", &q->since, e);
	query_time(r, "until", &q->until, e);
	if (privd_http_query_str(r, "until") != NULL && q->until <= 0)
		q->until = INT64_MIN; /* before 1970: nothing (0 would mean no bound) */
	if (q->since != 0 && q->until != 0 && q->until <= q->since)
		privd_err_field(e, "until", "must be later than since");
}

void privd_http_transfer_list(struct privd_http_req *r)
{
	struct privd_transfer_query q;
	struct privd_http_page page;
	struct privd_err e = {0};
	enum privd_rc rc;

	memset(&q, 0, sizeof(q));
	if (!privd_http_page_query(r, &page, &e))
		return;
	transfer_query(r, &q, &e);
	if (e.nfields > 0) {
		privd_http_reply_fields(r, &e);
		goto out;
	}
	q.before = (int64_t)page.after;
	q.limit = (size_t)page.limit;
	rc = privd_service_transfer_list(r->h->svc, &q, add_transfer, &page, &e);
	privd_http_page_reply(r, &page, rc, &e);
out:
	privd_http_page_free(&page);
}

json_t *privd_http_disclosure_json(const struct privd_disclosure *d)
{
	return json_pack("{s:I, s:s, s:o, s:s, s:o, s:o, s:s, s:o, s:o}", "seq", (json_int_t)d->seq, "transfer_id",
	                 d->transfer_id, "recipient", recipient_brief(&d->recipient), "legal_basis",
	                 privd_legal_basis_name(d->basis), "reference", privd_http_json_str_or_null(d->reference),
	                 "fields", privd_http_fields_json(d->fields), "outcome",
	                 privd_disclosure_outcome_name(d->outcome), "reason",
	                 d->reason != PRIVD_REFUSAL_NONE ? json_string(privd_refusal_name(d->reason)) : json_null(),
	                 "at", privd_http_json_time(d->at));
}

static int add_disclosure(void *arg, const struct privd_disclosure *d)
{
	return privd_http_page_add(arg, privd_http_disclosure_json(d), d->seq);
}

void privd_http_subject_transfers(struct privd_http_req *r)
{
	struct privd_http_page page;
	struct privd_err e = {0};
	enum privd_rc rc;

	if (!privd_http_id_valid(r->id)) {
		privd_http_reply_problem(r, MHD_HTTP_NOT_FOUND, "not-found", "no such subject", NULL);
		return;
	}
	if (!privd_http_page_query(r, &page, &e))
		return;
	if (e.nfields > 0) {
		privd_http_reply_fields(r, &e);
		goto out;
	}
	rc = privd_service_disclosures(r->h->svc, r->id, (int64_t)page.after, (size_t)page.limit, add_disclosure, &page,
	                               &e);
	privd_http_page_reply(r, &page, rc, &e);
out:
	privd_http_page_free(&page);
}
