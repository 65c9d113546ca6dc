/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * requests.c - the data subject's rights, requested with a scanned signed document: filing, the scan, the
 * operator's decision, reading, and queuing the notices the person receives (notify/ words them).
 *
 * A request is filed, its scan attached (checked by content, sealed under the subject's key), decided by an
 * operator and executed within 10 working days of receipt on the production calendar (152-FZ Art. 20; once
 * extendable by 5 with a reason). Each change is a step (request_step.c): the state change, its audit entry and
 * the notice the person must receive commit together. Execution, which differs by type, is request_exec.c;
 * erasure, which a request or the scheduler may run, is erasure.c.
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
	if (with_details && (row.details_ct.len != 0 || row.reason_ct.len != 0)) {
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
	f.limit = q->overdue == 0 ? 0 : (q->limit ? q->limit : 100);
	rc = privd_reader_get(svc, &r);
	if (rc != PRIVD_OK)
		return rc;
	rc = privd_repo_request_list(r->db, &f, list_one, &c);
	privd_reader_put(svc, r, rc == PRIVD_ERR_DB);
	return rc;
}

/* ---- filing ---- */

struct create_job {
	struct privd_service *svc;
	struct privd_principal who;
	struct privd_request_row row;
};

static enum privd_rc create_data(struct privd_db *db, void *arg)
{
	struct create_job *j = arg;
	char detail[96];
	struct privd_jsonw w;
	int64_t last = 0;
	enum privd_rc rc;

	/* The audit append comes first: it takes the chain's lock, which also serialises created_at across nodes,
	 * so every request gets a created_at of its own (the list's paging cursor). */
	privd_jsonw_init(&w, detail, sizeof(detail));
	privd_jsonw_str(&w, "type", privd_request_type_name(j->row.type));
	privd_jsonw_str(&w, "subject_id", j->row.subject_id);
	privd_jsonw_end(&w);
	rc = privd_subject_alive(db, j->row.subject_id);
	if (rc == PRIVD_OK)
		rc = privd_audit_append(j->svc, db, j->who.actor, "request.create", "request", j->row.id, detail);
	if (rc == PRIVD_OK)
		rc = privd_repo_request_last_created(db, &last);
	if (rc != PRIVD_OK)
		return rc;
	if (j->row.created_at <= last)
		j->row.created_at = j->row.updated_at = last + 1;
	return privd_repo_request_insert(db, &j->row);
}

/* Only a rectify request takes details, and they must name a field to correct. */
static enum privd_rc check_correction(enum privd_request_type type, const struct privd_subject_patch *c,
                                      struct privd_err *err)
{
	const char *names[PRIVD_CORRECTION_FIELDS];

	if (type != PRIVD_REQUEST_TYPE_RECTIFY && c != NULL) {
		privd_err_field(err, "details", "this request type takes no details");
		return privd_err_set(err, PRIVD_ERR_INVALID, "the request is invalid");
	}
	if (type == PRIVD_REQUEST_TYPE_RECTIFY && (c == NULL || privd_request_correction_fields(c, names) == 0)) {
		privd_err_field(err, "details.fields", "a correction needs {\"fields\":{...}} with at least one field");
		return privd_err_set(err, PRIVD_ERR_INVALID, "the request is invalid");
	}
	return PRIVD_OK;
}

/* The fields of a correction, in the order of struct privd_subject_patch; e-mail and phone may be removed. */
static const char *const correction_names[PRIVD_CORRECTION_FIELDS] = {"name", "email",      "phone",
                                                                      "ip",   "birth_date", "residence_country"};

static void correction_values(const struct privd_subject_patch *c, const char *v[PRIVD_CORRECTION_FIELDS])
{
	v[0] = c->name;
	v[1] = c->email;
	v[2] = c->phone;
	v[3] = c->ip;
	v[4] = c->birth_date;
	v[5] = c->residence_country;
}

/* The stored encoding of a correction, sealed in the request's row: {"fields":{...}}, compact, keys sorted, a
 * removed e-mail or phone as null. *text is malloc'd. PRIVD_ERR_INVALID (naming the field) for a value that is not
 * UTF-8 text, PRIVD_ERR_NOMEM. */
static enum privd_rc correction_encode(const struct privd_subject_patch *c, char **text, struct privd_err *err)
{
	const char *v[PRIVD_CORRECTION_FIELDS];
	json_t *fields = json_object(), *root = NULL;
	enum privd_rc rc = PRIVD_OK;

	*text = NULL;
	correction_values(c, v);
	for (size_t i = 0; fields != NULL && rc == PRIVD_OK && i < PRIVD_CORRECTION_FIELDS; i++) {
		bool removed = v[i] != NULL && v[i][0] == '\0' && (i == 1 || i == 2); /* the e-mail or the phone */
		json_t *j;

		if (v[i] == NULL)
			continue;
		j = removed ? json_null() : json_string(v[i]);
		if (j == NULL) {
			char name[64];

			snprintf(name, sizeof(name), "details.fields.%s", correction_names[i]);
			privd_err_field(err, name, "must be a string");
			rc = privd_err_set(err, PRIVD_ERR_INVALID, "the request is invalid");
		} else if (json_object_set_new(fields, correction_names[i], j) != 0) {
			rc = PRIVD_ERR_NOMEM;
		}
	}
	if (fields == NULL)
		rc = PRIVD_ERR_NOMEM;
	if (rc == PRIVD_OK)
		root = json_pack("{s:O}", "fields", fields);
	if (root != NULL)
		*text = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
	if (rc == PRIVD_OK && *text == NULL)
		rc = PRIVD_ERR_NOMEM;
	json_decref(fields);
	json_decref(root);
	return rc;
}

size_t privd_request_correction_fields(const struct privd_subject_patch *c, const char *names[PRIVD_CORRECTION_FIELDS])
{
	const char *v[PRIVD_CORRECTION_FIELDS];
	size_t n = 0;

	correction_values(c, v);
	for (size_t i = 0; i < PRIVD_CORRECTION_FIELDS; i++)
		if (v[i] != NULL)
			names[n++] = correction_names[i];
	return n;
}

enum privd_rc privd_request_correction_decode(const char *text, json_t **root, struct privd_subject_patch *c)
{
	const char *v[PRIVD_CORRECTION_FIELDS] = {NULL};
	json_t *f, *j;

	memset(c, 0, sizeof(*c));
	*root = text != NULL ? json_loads(text, 0, NULL) : NULL;
	if (*root == NULL)
		return PRIVD_ERR_INTERNAL;
	f = json_object_get(*root, "fields");
	for (size_t i = 0; i < PRIVD_CORRECTION_FIELDS; i++) {
		j = json_object_get(f, correction_names[i]);
		if (j != NULL)
			v[i] = json_is_string(j) ? json_string_value(j) : "";
	}
	c->name = v[0];
	c->email = v[1];
	c->phone = v[2];
	c->ip = v[3];
	c->birth_date = v[4];
	c->residence_country = v[5];
	return PRIVD_OK;
}

/* Validates a rectify request's fields as registration would, without writing anything. */
static enum privd_rc dry_run_rectify(struct privd_service *svc, const char *subject_id,
                                     const struct privd_subject_patch *patch, struct privd_err *err)
{
	struct privd_subject_row row;
	struct privd_err inner;
	char detail[256];
	int64_t expect = 0;
	enum privd_rc rc;

	memset(&inner, 0, sizeof(inner));
	rc = privd_subject_prepare_update(svc, subject_id, patch, &row, &expect, detail, NULL, &inner);
	privd_subject_row_clear(&row);
	if (rc == PRIVD_ERR_INVALID && err != NULL) {
		for (size_t i = 0; i < inner.nfields; i++) {
			char name[64];

			snprintf(name, sizeof(name), "details.fields.%.40s", inner.fields[i].field);
			privd_err_field(err, name, inner.fields[i].reason);
		}
		privd_err_set(err, rc, "the correction is invalid");
	} else if (rc != PRIVD_OK && err != NULL) {
		*err = inner;
	}
	return rc;
}

/* A guardian's consent: filed by an operator or admin only (the guardian's identity and authority are checked
 * against the signed document, which an app cannot do), for a minor awaiting it, with the guardian's details
 * checked and encoded into *canon for sealing. */
static enum privd_rc check_guardian(const struct privd_principal *who, const struct privd_cache_entry *e,
                                    const struct privd_request_details *d, char **canon, struct privd_err *err)
{
	static const struct privd_guardian_input none = {.processing = -1, .third_party_transfer = -1};
	struct privd_guardian g;
	enum privd_rc rc;

	if ((who->role & (PRIVD_ROLE_OPERATOR | PRIVD_ROLE_ADMIN)) == 0)
		return privd_err_set(err, PRIVD_ERR_FORBIDDEN,
		                     "only an operator or admin may file a guardian's consent");
	if (e->status != PRIVD_SUBJECT_PENDING_GUARDIAN) {
		privd_err_field(err, "type", "a guardian's consent is only for a minor awaiting it");
		return privd_err_set(err, PRIVD_ERR_INVALID, "the request is invalid");
	}
	if (d != NULL && d->correction != NULL) {
		privd_err_field(err, "details", "a guardian's consent takes {\"guardian\":{...},\"consents\":{...}}");
		return privd_err_set(err, PRIVD_ERR_INVALID, "the request is invalid");
	}
	rc = privd_guardian_check(d != NULL && d->guardian != NULL ? d->guardian : &none, &g, err);
	if (rc == PRIVD_OK)
		rc = privd_guardian_encode(&g, canon);
	sodium_memzero(&g, sizeof(g));
	return rc;
}

/* What the filer sent, checked for the type and encoded into *canon (NULL when nothing is stored). */
static enum privd_rc check_details(struct privd_service *svc, const struct privd_principal *who, const char *subject_id,
                                   enum privd_request_type t, const struct privd_request_details *d, char **canon,
                                   struct privd_err *err)
{
	const struct privd_subject_patch *correction = d != NULL ? d->correction : NULL;
	struct privd_cache_entry e;
	enum privd_rc rc;

	*canon = NULL;
	rc = privd_subject_require(svc, subject_id, &e, err);
	if (rc != PRIVD_OK)
		return rc;
	if (t == PRIVD_REQUEST_TYPE_GUARDIAN_CONSENT)
		return check_guardian(who, &e, d, canon, err);
	if (d != NULL && d->guardian != NULL && correction == NULL) {
		privd_err_field(err, "details", "this request type takes no details");
		return privd_err_set(err, PRIVD_ERR_INVALID, "the request is invalid");
	}
	rc = check_correction(t, correction, err);
	if (rc == PRIVD_OK && correction != NULL)
		rc = dry_run_rectify(svc, subject_id, correction, err);
	if (rc == PRIVD_OK && correction != NULL)
		rc = correction_encode(correction, canon, err);
	return rc;
}

enum privd_rc privd_service_request_create(struct privd_service *svc, const struct privd_principal *who,
                                           const char *subject_id, enum privd_request_type t,
                                           const struct privd_request_details *details, struct privd_request *out,
                                           struct privd_err *err)
{
	char f1[64];
	struct create_job j;
	struct privd_write_job job = {.data = create_data, .arg = &j};
	char *canon = NULL;
	enum privd_rc rc;

	memset(&j, 0, sizeof(j));
	if ((int)t < 0 || t >= PRIVD_REQUEST_TYPE_COUNT) {
		privd_err_field(err, "type",
		                "must be one of erase, rectify, access, transfer_info, revoke_processing, "
		                "revoke_cookies, guardian_consent");
		return privd_err_set(err, PRIVD_ERR_INVALID, "the request is invalid");
	}
	rc = check_details(svc, who, subject_id, t, details, &canon, err);
	if (rc != PRIVD_OK)
		goto out;

	j.svc = svc;
	j.who = *who;
	privd_random_id(j.row.id);
	memcpy(j.row.subject_id, subject_id, 32);
	j.row.type = t;
	j.row.status = PRIVD_REQUEST_STATUS_AWAITING_DOCUMENT;
	snprintf(j.row.result, sizeof(j.row.result), "{}");
	j.row.created_at = j.row.updated_at = privd_now_ms();
	if (canon != NULL) {
		const struct privd_vault_sealing details =
		    privd_vault_text(privd_request_field(f1, "request.details", j.row.id), canon, &j.row.details_ct);

		rc = privd_vault_seal(svc->vault, NULL, subject_id, &details, 1);
		if (rc != PRIVD_OK)
			goto out;
	}
	rc = privd_writer_run(svc->writer, &job);
	if (rc == PRIVD_OK) {
		privd_request_view(svc, &j.row, out);
		if (canon != NULL)
			out->details = strdup(canon); /* the filer sent them: no disclosure */
		privd_log(PRIVD_LOG_INFO, "request.created", "\"id\":\"%s\",\"type\":\"%s\"", j.row.id,
		          privd_request_type_name(t));
	}
out:
	if (canon != NULL) {
		sodium_memzero(canon, strlen(canon));
		free(canon);
	}
	privd_request_row_clear(&j.row);
	return rc;
}

/* ---- notices ---- */

enum privd_rc privd_step_notice(struct privd_step *s, enum privd_notice_kind kind, const char *reason)
{
	struct privd_notice_vars v = {.kind = kind,
	                              .type = s->after.type,
	                              .request_id = s->after.id,
	                              .due_date = s->after.due_date,
	                              .reason = reason};
	struct privd_subject to;
	enum privd_rc rc;

	rc = privd_subject_load(s->svc, s->after.subject_id, &to, NULL);
	if (rc == PRIVD_ERR_GONE)
		return PRIVD_OK; /* nobody left to tell */
	if (rc != PRIVD_OK)
		return rc;
	v.lang = privd_outbox_lang(s->svc, NULL);
	rc = privd_notice_prepare(s->svc, &to, s->after.id, &v, &s->notice);
	privd_subject_clear(&to);
	return rc;
}

/* ---- steps: attach, decide ---- */

static enum privd_rc due_from(struct privd_service *svc, const struct privd_date *from, int n, char out[11],
                              bool *estimated)
{
	struct privd_date due;
	bool unc = false;

	privd_calendar_add_working_days(svc->calendar, from, n, &due, &unc);
	privd_date_format(&due, out, 11);
	*estimated = *estimated || unc;
	if (unc)
		privd_log(PRIVD_LOG_WARN, "calendar.estimated", "\"due_date\":\"%s\"", out);
	return PRIVD_OK;
}

/* The scan's declared type, size and content, checked before anything is read or written. */
static enum privd_rc check_document(struct privd_service *svc, const char *content_type, const uint8_t *data,
                                    size_t len, enum privd_doc_type *declared, struct privd_err *err)
{
	const char *why = NULL;
	enum privd_rc rc;

	if (privd_doc_type_from_mime(content_type, declared) != PRIVD_OK)
		return privd_err_set(err, PRIVD_ERR_UNSUPPORTED,
		                     "a document must be application/pdf, image/jpeg, image/png or image/tiff");
	if (len > svc->cfg.document_limit)
		return privd_err_set(err, PRIVD_ERR_TOO_LARGE, "the document is larger than %zu bytes",
		                     svc->cfg.document_limit);
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
		struct privd_date today;

		privd_today(&today);
		s.after.received_at = s.after.updated_at;
		s.after.due_estimated = false;
		due_from(svc, &today, svc->cfg.due_working_days, s.after.due_date, &s.after.due_estimated);
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
	if (ev == PRIVD_REQUEST_EVENT_EXTEND) {
		struct privd_date due;

		privd_date_parse(s.before.due_date, &due, NULL);
		due_from(svc, &due, svc->cfg.extension_working_days, s.after.due_date, &s.after.due_estimated);
		s.after.decided_at = s.before.decided_at;
	}
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
