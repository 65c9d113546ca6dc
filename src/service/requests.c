/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * requests.c - the data subject's rights, requested with a scanned signed document: the scan, the
 * operator's decision, reading, and queuing the notices the person receives (notify/ words them).
 *
 * A request is filed (request_filing.c), its scan attached (checked by content, sealed under the subject's key),
 * decided by an operator and executed within its type's working days of receipt on the production calendar
 * (152-FZ Art. 20; some types extendable once with a reason; request_deadline.c counts). Each change is a step
 * (request_step.c): the state change, its audit entry and the notice the person must receive commit together.
 * Execution, which differs by type, and an inquiry's answer are request_exec.c; erasure, which a request or the
 * scheduler may run, is erasure.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/document.h"
#include "core/log.h"
#include "service/request_int.h"

void privd_request_clear(struct privd_request *r)
{
	if (r == NULL)
		return;
	if (r->details != NULL) {
		sodium_memzero(r->details, strlen(r->details));
		free(r->details);
	}
	if (r->reason != NULL) {
		sodium_memzero(r->reason, strlen(r->reason));
		free(r->reason);
	}
	if (r->answer != NULL) {
		sodium_memzero(r->answer, strlen(r->answer));
		free(r->answer);
	}
	sodium_memzero(r, sizeof(*r));
}

/* ---- reading ---- */

enum privd_rc privd_service_request_get(struct privd_service *svc, const struct privd_principal *who,
                                        const char *request_id, bool with_details, struct privd_request *out,
                                        struct privd_err *err)
{
	struct privd_request_row row;
	enum privd_rc rc;

	memset(&row, 0, sizeof(row));
	rc = privd_request_read(svc, request_id, &row);
	if (rc == PRIVD_ERR_NOT_FOUND) {
		privd_err_set(err, rc, "no request has that id");
		goto out;
	}
	if (rc != PRIVD_OK)
		goto out;
	privd_request_view(svc, &row, out);
	if (with_details && (row.details_ct.len != 0 || row.reason_ct.len != 0 || row.answer_ct.len != 0)) {
		rc = privd_audit_record(svc, who, "request.read", "request", row.id, "{\"fields\":[\"details\"]}");
		if (rc == PRIVD_OK)
			rc = privd_request_disclose(svc, &row, out);
		if (rc != PRIVD_OK)
			privd_request_clear(out);
	}
out:
	privd_request_row_clear(&row);
	return rc;
}

struct list_ctx {
	struct privd_service *svc;
	const struct privd_request_query *q;
	int (*cb)(void *arg, const struct privd_request *r);
	void *arg;
	size_t left; /* items still wanted */
};

static int list_one(void *arg, const struct privd_request_row *row)
{
	struct list_ctx *c = arg;
	struct privd_request r;
	int stop;

	privd_request_view(c->svc, row, &r);
	if (c->q->overdue == 1 && !r.overdue)
		return 0;
	if (c->q->overdue == 0 && r.overdue)
		return 0;
	stop = c->cb(c->arg, &r);
	privd_request_clear(&r);
	return stop || --c->left == 0;
}

enum privd_rc privd_service_request_list(struct privd_service *svc, const struct privd_request_query *q,
                                         int (*cb)(void *arg, const struct privd_request *r), void *arg,
                                         struct privd_err *err)
{
	struct list_ctx c = {svc, q, cb, arg, q->limit ? q->limit : 100};
	struct privd_request_filter f;
	struct privd_reader *r = NULL;
	struct privd_date d;
	char today_s[11];
	enum privd_rc rc;

	memset(&f, 0, sizeof(f));
	if (q->by_status && ((int)q->status < 0 || q->status >= PRIVD_REQUEST_STATUS_COUNT)) {
		privd_err_field(err, "status",
		                "must be one of awaiting_document, received, accepted, rejected, completed");
		return privd_err_set(err, PRIVD_ERR_INVALID, "the query is invalid");
	}
	if (q->due_before != NULL && privd_date_parse(q->due_before, &d, NULL) != PRIVD_OK) {
		privd_err_field(err, "due_before", "must be a date YYYY-MM-DD");
		return privd_err_set(err, PRIVD_ERR_INVALID, "the query is invalid");
	}
	f.by_status = q->by_status;
	f.status = q->status;
	f.subject_id = q->subject_id;
	f.due_before = q->due_before;
	f.after_created = q->after;
	/* Overdue is decided against today's date: the store narrows to open requests due before today, the rest
	 * is filtered here. A limit applies after filtering only when no overdue filter is set. */
	if (q->overdue == 1) {
		struct privd_date t;

		privd_today(&t);
		privd_date_format(&t, today_s, sizeof(today_s));
		if (f.due_before == NULL || strcmp(today_s, f.due_before) < 0)
			f.due_before = today_s;
		f.open_only = true;
	}
	if (q->estimated) {
		f.open_only = true;
		f.estimated_only = true;
	}
	f.limit = q->overdue == 0 ? 0 : (q->limit ? q->limit : 100);
	rc = privd_reader_get(svc, &r);
	if (rc != PRIVD_OK)
		return rc;
	rc = privd_repo_request_list(r->db, &f, list_one, &c);
	privd_reader_put(svc, r, rc == PRIVD_ERR_DB);
	return rc;
}

/* ---- notices ---- */

enum privd_rc privd_request_notice(struct privd_service *svc, const struct privd_request_row *row,
                                   enum privd_notice_kind kind, const char *text, struct privd_notice *n)
{
	struct privd_notice_vars v = {.kind = kind,
	                              .type = row->type,
	                              .request_id = row->id,
	                              .due_date = row->due_date,
	                              .reason = kind == PRIVD_NOTICE_REQUEST_ANSWERED ? NULL : text,
	                              .answer = kind == PRIVD_NOTICE_REQUEST_ANSWERED ? text : NULL};
	struct privd_subject to;
	enum privd_rc rc;

	rc = privd_subject_load(svc, row->subject_id, &to, NULL);
	if (rc == PRIVD_ERR_GONE)
		return PRIVD_OK; /* nobody left to tell */
	if (rc != PRIVD_OK)
		return rc;
	v.lang = privd_outbox_lang(svc, to.language);
	rc = privd_notice_prepare(svc, &to, row->id, &v, n);
	privd_subject_clear(&to);
	return rc;
}

enum privd_rc privd_step_notice(struct privd_step *s, enum privd_notice_kind kind, const char *reason)
{
	return privd_request_notice(s->svc, &s->after, kind, reason, &s->notice);
}

/* ---- steps: attach, decide ---- */

/* The scan's declared type, size and content, checked before anything is read or written. */
static enum privd_rc check_document(struct privd_service *svc, const char *content_type, const uint8_t *data,
                                    size_t len, enum privd_doc_type *declared, struct privd_err *err)
{
	size_t limit = __atomic_load_n(&svc->cfg.document_limit, __ATOMIC_RELAXED); /* SIGHUP may change it */
	const char *why = NULL;
	enum privd_rc rc;

	if (privd_doc_type_from_mime(content_type, declared) != PRIVD_OK)
		return privd_err_set(err, PRIVD_ERR_UNSUPPORTED,
		                     "a document must be application/pdf, image/jpeg, image/png or image/tiff");
	if (len > limit)
		return privd_err_set(err, PRIVD_ERR_TOO_LARGE, "the document is larger than %zu bytes", limit);
	rc = privd_doc_check(data, len, *declared, &why);
	if (rc == PRIVD_ERR_UNSUPPORTED)
		return privd_err_set(err, rc, "the content is not %s: %s", privd_doc_mime(*declared),
		                     why ? why : "unrecognised");
	if (rc != PRIVD_OK) {
		privd_err_field(err, "document", why ? why : "is not a readable document");
		return privd_err_set(err, PRIVD_ERR_INVALID, "the document is not valid");
	}
	return PRIVD_OK;
}

enum privd_rc privd_service_request_attach(struct privd_service *svc, const struct privd_principal *who,
                                           const char *request_id, const char *content_type, const uint8_t *data,
                                           size_t len, struct privd_request *out, struct privd_err *err)
{
	char f1[64];
	struct privd_step s;
	struct privd_jsonw w;
	struct privd_blob ct = {0};
	const struct privd_vault_sealing scan = {f1, data, len, &ct};
	enum privd_doc_type declared;
	char sha[PRIVD_HASH_HEX];
	bool first;
	enum privd_rc rc;

	rc = check_document(svc, content_type, data, len, &declared, err);
	if (rc != PRIVD_OK)
		return rc;
	rc = privd_step_begin(svc, who, request_id, PRIVD_REQUEST_EVENT_ATTACH_DOCUMENT, &s, err);
	if (rc != PRIVD_OK)
		goto out;
	first = s.before.received_at == 0;
	privd_sha256_hex(data, len, sha);
	snprintf(s.after.doc_type, sizeof(s.after.doc_type), "%s", privd_doc_mime(declared));
	s.after.doc_size = (int64_t)len;
	memcpy(s.after.doc_sha256, sha, sizeof(s.after.doc_sha256));
	if (first) {
		struct privd_request_rule rule;
		struct privd_date today;

		privd_request_rule(svc, s.after.type, &rule);
		privd_today(&today);
		s.after.received_at = s.after.updated_at;
		privd_request_count_due(svc, &s.after, &today, rule.due_days);
		rc = privd_step_notice(&s, PRIVD_NOTICE_REQUEST_RECEIVED, NULL);
		if (rc != PRIVD_OK)
			goto out;
	}
	privd_request_field(f1, "request.document", s.after.id);
	rc = privd_vault_seal(svc->vault, NULL, s.after.subject_id, &scan, 1);
	if (rc == PRIVD_ERR_GONE)
		privd_err_set(err, rc, "the subject's data was erased");
	if (rc != PRIVD_OK)
		goto out;
	s.doc_ct = ct.data;
	s.doc_len = ct.len;
	snprintf(s.action, sizeof(s.action), "request.document");
	privd_jsonw_init(&w, s.detail, sizeof(s.detail));
	privd_jsonw_str(&w, "type", s.after.doc_type);
	privd_jsonw_int(&w, "size", (int64_t)len);
	privd_jsonw_str(&w, "sha256", sha);
	privd_jsonw_str(&w, "due_date", s.after.due_date);
	privd_jsonw_end(&w);
	rc = privd_step_run(&s);
	if (rc == PRIVD_ERR_CONFLICT)
		privd_err_set(err, rc, "the request changed meanwhile; try again");
	if (rc == PRIVD_OK)
		privd_request_view(svc, &s.after, out);
out:
	privd_blob_clear(&ct);
	privd_step_clear(&s);
	return rc;
}

/* A scan being read: what document_open needs, and the plain scan it fills. */
struct doc_read {
	struct privd_service *svc;
	const struct privd_principal *who;
	const struct privd_request_row *row;
	const struct privd_blob *sealed;
	struct privd_blob plain;
};

/* With the subject's key in hand (the scan not erased with it): the read recorded, then the scan opened. */
static enum privd_rc document_open(const struct privd_vault_lent *key, void *arg)
{
	struct doc_read *d = arg;
	char f1[64];
	const struct privd_vault_opening scan = {privd_request_field(f1, "request.document", d->row->id), d->sealed,
	                                         NULL, 0, &d->plain};
	enum privd_rc rc;

	rc = privd_audit_record(d->svc, d->who, "request.document.read", "request", d->row->id, "{}");
	if (rc == PRIVD_OK)
		rc = privd_vault_lent_open(key, &scan);
	if (rc == PRIVD_OK && d->plain.data == NULL)
		rc = PRIVD_ERR_CRYPTO; /* an empty scan is never stored */
	return rc;
}

enum privd_rc privd_service_request_document(struct privd_service *svc, const struct privd_principal *who,
                                             const char *request_id, uint8_t **data, size_t *len, char content_type[32],
                                             struct privd_err *err)
{
	struct privd_request_row row;
	struct privd_blob ct = {0};
	struct doc_read d = {svc, who, &row, &ct, {NULL, 0}};
	struct privd_reader *r = NULL;
	enum privd_rc rc;

	*data = NULL;
	*len = 0;
	memset(&row, 0, sizeof(row));
	rc = privd_request_read(svc, request_id, &row);
	if (rc == PRIVD_ERR_NOT_FOUND)
		privd_err_set(err, rc, "no request has that id");
	if (rc != PRIVD_OK)
		goto out;
	if (row.doc_type[0] == '\0') {
		rc = privd_err_set(err, PRIVD_ERR_NOT_FOUND, "no document has been received for this request");
		goto out;
	}
	rc = privd_reader_get(svc, &r);
	if (rc != PRIVD_OK)
		goto out;
	rc = privd_repo_document_get(r->db, row.id, &ct);
	privd_reader_put(svc, r, rc == PRIVD_ERR_DB);
	if (rc == PRIVD_OK)
		rc = privd_vault_lend(svc->vault, NULL, row.subject_id, document_open, &d);
	if (rc == PRIVD_ERR_GONE || rc == PRIVD_ERR_NOT_FOUND) {
		rc = privd_err_set(err, PRIVD_ERR_GONE, "the document was erased with the subject's data");
		goto out;
	}
	if (rc != PRIVD_OK)
		goto out;
	*data = d.plain.data;
	*len = d.plain.len;
	d.plain.data = NULL;
	snprintf(content_type, 32, "%s", row.doc_type);
out:
	privd_blob_clear(&d.plain);
	privd_blob_clear(&ct);
	privd_request_row_clear(&row);
	return rc;
}

/* An extension's due date: the type's extension days added, counted like the first due date from the day of
 * receipt (the same date as counting on from the old one), so a newer calendar can count it again. */
static void extend_due(struct privd_service *svc, struct privd_step *s)
{
	struct privd_request_rule rule;
	struct privd_date received;
	int days = s->before.due_working_days;

	privd_request_rule(svc, s->after.type, &rule);
	if (days <= 0) /* counted before the days were kept */
		days = rule.due_days;
	privd_request_date_of(s->before.received_at, &received);
	privd_request_count_due(svc, &s->after, &received, days + rule.extension_days);
	s->after.decided_at = s->before.decided_at;
}

enum privd_rc privd_service_request_decide(struct privd_service *svc, const struct privd_principal *who,
                                           const char *request_id, enum privd_request_event ev, const char *reason,
                                           struct privd_request *out, struct privd_err *err)
{
	char f1[64];
	struct privd_step s;
	struct privd_jsonw w;
	enum privd_rc rc;

	memset(&s, 0, sizeof(s));
	if (ev != PRIVD_REQUEST_EVENT_ACCEPT && ev != PRIVD_REQUEST_EVENT_REJECT && ev != PRIVD_REQUEST_EVENT_EXTEND) {
		privd_err_field(err, "action", "must be accept, reject or extend");
		return privd_err_set(err, PRIVD_ERR_INVALID, "the decision is invalid");
	}
	if (ev != PRIVD_REQUEST_EVENT_ACCEPT && (reason == NULL || reason[0] == '\0' || strlen(reason) > 2000)) {
		privd_err_field(err, "reason", "a reason the person is told is required (at most 2000 bytes)");
		return privd_err_set(err, PRIVD_ERR_INVALID, "the decision is invalid");
	}
	rc = privd_step_begin(svc, who, request_id, ev, &s, err);
	if (rc != PRIVD_OK)
		goto out;
	s.after.decided_at = s.after.updated_at;
	if (ev == PRIVD_REQUEST_EVENT_EXTEND)
		extend_due(svc, &s);
	if (ev != PRIVD_REQUEST_EVENT_ACCEPT) {
		const struct privd_vault_sealing why =
		    privd_vault_text(privd_request_field(f1, "request.reason", s.after.id), reason, &s.after.reason_ct);

		privd_blob_clear(&s.after.reason_ct);
		rc = privd_vault_seal(svc->vault, NULL, s.after.subject_id, &why, 1);
		if (rc == PRIVD_OK)
			rc = privd_step_notice(&s,
			                       ev == PRIVD_REQUEST_EVENT_REJECT ? PRIVD_NOTICE_REQUEST_REJECTED
			                                                        : PRIVD_NOTICE_REQUEST_EXTENDED,
			                       reason);
		if (rc != PRIVD_OK)
			goto out;
	}
	snprintf(s.action, sizeof(s.action), "request.%s", privd_request_event_name(ev));
	privd_jsonw_init(&w, s.detail, sizeof(s.detail));
	privd_jsonw_str(&w, "status", privd_request_status_name(s.after.status));
	privd_jsonw_str(&w, "due_date", s.after.due_date);
	privd_jsonw_end(&w);
	rc = privd_step_run(&s);
	if (rc == PRIVD_ERR_CONFLICT)
		privd_err_set(err, rc, "the request changed meanwhile; try again");
	if (rc == PRIVD_OK) {
		privd_request_view(svc, &s.after, out);
		if (reason != NULL && ev != PRIVD_REQUEST_EVENT_ACCEPT)
			out->reason = strdup(reason);
	}
out:
	privd_step_clear(&s);
	return rc;
}
