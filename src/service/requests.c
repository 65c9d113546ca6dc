/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * requests.c - the data subject's rights, requested with a scanned signed document and carried out for real.
 *
 * A request is filed, its scan attached (checked by content, sealed under the subject's key), decided by an
 * operator and executed within 10 working days of receipt on the production calendar (152-FZ Art. 20; once
 * extendable by 5 with a reason). Each step is one write job: the state change (checked again by the state machine
 * inside the transaction, so two operators cannot both act on one state), its audit entry and the notice the
 * person must receive commit together. Erasure is crypto-shredding: the data key is destroyed and every row
 * holding PII deleted; the confirmation is queued first, under a key of its own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "core/document.h"
#include "core/log.h"
#include "core/request.h"
#include "core/time.h"
#include "crypto/envelope.h"
#include "service/calendar_file.h"
#include "service/service_int.h"

#define SWEEP_INTERVAL_MS 1000
#define OVERDUE_EVERY 10 /* sweeps */
#define MS_PER_DAY (24LL * 3600 * 1000)

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

static bool hex_id(const char *id)
{
	if (id == NULL || strlen(id) != 32)
		return false;
	for (size_t i = 0; i < 32; i++)
		if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
			return false;
	return true;
}

/* ---- sealing of request text (details, reason) under the subject's key ---- */

static enum privd_rc seal_text(const uint8_t key[PRIVD_KEY_BYTES], const char *subject_id, const char *field,
                               const char *text, struct privd_blob *out)
{
	size_t len = strlen(text);

	out->len = len + PRIVD_ENVELOPE_OVERHEAD;
	out->data = malloc(out->len);
	if (out->data == NULL) {
		out->len = 0;
		return PRIVD_ERR_NOMEM;
	}
	privd_envelope_seal(key, subject_id, field, (const uint8_t *)text, len, out->data);
	return PRIVD_OK;
}

/* Opens a sealed text into a malloc'd string (NULL for an empty blob). */
static enum privd_rc open_text(const uint8_t key[PRIVD_KEY_BYTES], const char *subject_id, const char *field,
                               const struct privd_blob *ct, char **out)
{
	size_t n = 0;
	enum privd_rc rc;

	*out = NULL;
	if (ct->len == 0)
		return PRIVD_OK;
	if (ct->len < PRIVD_ENVELOPE_OVERHEAD)
		return PRIVD_ERR_CRYPTO;
	*out = malloc(ct->len - PRIVD_ENVELOPE_OVERHEAD + 1);
	if (*out == NULL)
		return PRIVD_ERR_NOMEM;
	rc = privd_envelope_open(key, subject_id, field, ct->data, ct->len, (uint8_t *)*out, &n);
	if (rc != PRIVD_OK) {
		free(*out);
		*out = NULL;
	}
	return rc;
}

/* The envelope field of a request's sealed text: bound to the request too, so a ciphertext cannot be moved
 * to another request of the same subject. buf holds 64 bytes. */
static const char *field_of(char buf[64], const char *what, const char *request_id)
{
	snprintf(buf, 64, "%s/%s", what, request_id);
	return buf;
}

/* ---- reading ---- */

static void today_date(struct privd_date *d)
{
	privd_today(d);
}

/* Fills the public view of a request from its row; details/reason stay NULL. */
static void request_view(struct privd_service *svc, const struct privd_request_row *row, struct privd_request *out)
{
	struct privd_date due, today;
	enum privd_request_status st = PRIVD_REQUEST_STATUS_AWAITING_DOCUMENT;

	memset(out, 0, sizeof(*out));
	memcpy(out->id, row->id, sizeof(out->id));
	memcpy(out->subject_id, row->subject_id, sizeof(out->subject_id));
	memcpy(out->type, row->type, sizeof(out->type));
	memcpy(out->status, row->status, sizeof(out->status));
	snprintf(out->result, sizeof(out->result), "%s", row->result[0] ? row->result : "{}");
	out->created_at = row->created_at;
	out->received_at = row->received_at;
	out->decided_at = row->decided_at;
	out->completed_at = row->completed_at;
	out->updated_at = row->updated_at;
	memcpy(out->due_date, row->due_date, sizeof(out->due_date));
	out->due_estimated = row->due_estimated;
	out->extended = row->extended;
	memcpy(out->document_type, row->doc_type, sizeof(out->document_type));
	out->document_size = row->doc_size;
	memcpy(out->document_sha256, row->doc_sha256, sizeof(out->document_sha256));
	privd_request_status_parse(row->status, &st);
	if (row->due_date[0] != '\0' && privd_date_parse(row->due_date, &due, NULL) == PRIVD_OK) {
		today_date(&today);
		out->overdue = privd_request_overdue(st, &due, &today);
		out->working_days_left = privd_calendar_working_days_between(svc->calendar, &today, &due);
	}
}

static enum privd_rc read_row(struct privd_service *svc, const char *id, struct privd_request_row *row)
{
	struct privd_reader *r = NULL;
	enum privd_rc rc;

	if (!hex_id(id))
		return PRIVD_ERR_NOT_FOUND;
	rc = privd_reader_get(svc, &r);
	if (rc != PRIVD_OK)
		return rc;
	rc = privd_repo_request_get(r->db, id, row);
	privd_reader_put(svc, r, rc == PRIVD_ERR_DB);
	return rc;
}

/* Decrypts details and reason into out. */
static enum privd_rc disclose(struct privd_service *svc, const struct privd_request_row *row, struct privd_request *out)
{
	char f1[64], f2[64];
	struct privd_reader *r = NULL;
	uint8_t key[PRIVD_KEY_BYTES];
	enum privd_rc rc;

	if (row->details_ct.len == 0 && row->reason_ct.len == 0)
		return PRIVD_OK;
	rc = privd_reader_get(svc, &r);
	if (rc != PRIVD_OK)
		return rc;
	rc = privd_subject_key(svc, r, row->subject_id, key);
	privd_reader_put(svc, r, rc == PRIVD_ERR_DB);
	if (rc == PRIVD_ERR_GONE)
		return PRIVD_OK; /* erased: nothing left to disclose */
	if (rc != PRIVD_OK)
		return rc;
	rc = open_text(key, row->subject_id, field_of(f1, "request.details", row->id), &row->details_ct, &out->details);
	if (rc == PRIVD_OK)
		rc = open_text(key, row->subject_id, field_of(f2, "request.reason", row->id), &row->reason_ct,
		               &out->reason);
	sodium_memzero(key, sizeof(key));
	return rc;
}

enum privd_rc privd_service_request_get(struct privd_service *svc, const struct privd_principal *who,
                                        const char *request_id, bool with_details, struct privd_request *out,
                                        struct privd_err *err)
{
	struct privd_request_row row;
	enum privd_rc rc;

	memset(&row, 0, sizeof(row));
	rc = read_row(svc, request_id, &row);
	if (rc == PRIVD_ERR_NOT_FOUND) {
		privd_err_set(err, rc, "no request has that id");
		goto out;
	}
	if (rc != PRIVD_OK)
		goto out;
	request_view(svc, &row, out);
	if (with_details && (row.details_ct.len != 0 || row.reason_ct.len != 0)) {
		rc = privd_audit_record(svc, who, "request.read", "request", row.id, "{\"fields\":[\"details\"]}");
		if (rc == PRIVD_OK)
			rc = disclose(svc, &row, out);
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

	request_view(c->svc, row, &r);
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
	enum privd_request_status st;
	char today_s[11];
	enum privd_rc rc;

	memset(&f, 0, sizeof(f));
	if (q->status != NULL && privd_request_status_parse(q->status, &st) != PRIVD_OK) {
		privd_err_field(err, "status",
		                "must be one of awaiting_document, received, accepted, rejected, completed");
		return privd_err_set(err, PRIVD_ERR_INVALID, "the query is invalid");
	}
	if (q->due_before != NULL && privd_date_parse(q->due_before, &d, NULL) != PRIVD_OK) {
		privd_err_field(err, "due_before", "must be a date YYYY-MM-DD");
		return privd_err_set(err, PRIVD_ERR_INVALID, "the query is invalid");
	}
	f.status = q->status;
	f.subject_id = q->subject_id;
	f.due_before = q->due_before;
	f.after_created = q->after;
	/* Overdue is decided against today's date: the store narrows to open requests due before today, the rest
	 * is filtered here. A limit applies after filtering only when no overdue filter is set. */
	if (q->overdue == 1) {
		struct privd_date t;

		today_date(&t);
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
	int64_t last = 0;
	enum privd_rc rc;

	/* The audit append comes first: it takes the chain's lock, which also serialises created_at across nodes,
	 * so every request gets a created_at of its own (the list's paging cursor). */
	snprintf(detail, sizeof(detail), "{\"type\":\"%s\",\"subject_id\":\"%s\"}", j->row.type, j->row.subject_id);
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

/* Validates details for the type; *canon receives the canonical JSON text to store (malloc'd, or NULL). */
static enum privd_rc check_details(enum privd_request_type type, const char *details_json, char **canon,
                                   struct privd_err *err)
{
	static const char *const allowed[] = {"name", "email", "phone", "ip", "birth_date", "residence_country"};
	json_error_t jerr;
	json_t *root = NULL, *fields, *v;
	const char *k;
	enum privd_rc rc = PRIVD_OK;

	*canon = NULL;
	if (details_json != NULL) {
		root = json_loads(details_json, JSON_REJECT_DUPLICATES, &jerr);
		if (root == NULL || !json_is_object(root)) {
			privd_err_field(err, "details", "must be an object");
			rc = privd_err_set(err, PRIVD_ERR_INVALID, "the request is invalid");
			goto out;
		}
	}
	if (type != PRIVD_REQUEST_TYPE_RECTIFY) {
		if (root != NULL && json_object_size(root) != 0) {
			privd_err_field(err, "details", "this request type takes no details");
			rc = privd_err_set(err, PRIVD_ERR_INVALID, "the request is invalid");
		}
		goto out;
	}
	fields = root ? json_object_get(root, "fields") : NULL;
	if (!json_is_object(fields) || json_object_size(fields) == 0 || json_object_size(root) != 1) {
		privd_err_field(err, "details.fields", "a correction needs {\"fields\":{...}} with at least one field");
		rc = privd_err_set(err, PRIVD_ERR_INVALID, "the request is invalid");
		goto out;
	}
	json_object_foreach(fields, k, v)
	{
		bool known = false;
		char name[64];

		for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
			known = known || strcmp(k, allowed[i]) == 0;
		snprintf(name, sizeof(name), "details.fields.%.40s", k);
		if (!known) {
			privd_err_field(err, name, "is not a field that can be corrected");
			rc = PRIVD_ERR_INVALID;
		} else if (!json_is_string(v) && !(json_is_null(v) && (!strcmp(k, "email") || !strcmp(k, "phone")))) {
			privd_err_field(err, name, "must be a string");
			rc = PRIVD_ERR_INVALID;
		}
	}
	if (rc != PRIVD_OK) {
		privd_err_set(err, rc, "the request is invalid");
		goto out;
	}
	*canon = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
	if (*canon == NULL)
		rc = PRIVD_ERR_NOMEM;
out:
	json_decref(root);
	return rc;
}

/* A rectify request's patch from its details JSON (pointers into root). */
static void patch_from(json_t *root, struct privd_subject_patch *p)
{
	json_t *f = json_object_get(root, "fields");
	json_t *v;

	memset(p, 0, sizeof(*p));
#define FIELD(n)                                                                                                       \
	v = json_object_get(f, #n);                                                                                    \
	if (v != NULL)                                                                                                 \
		p->n = json_is_string(v) ? json_string_value(v) : "";
	FIELD(name)
	FIELD(email)
	FIELD(phone)
	FIELD(ip)
	FIELD(birth_date)
	FIELD(residence_country)
#undef FIELD
}

/* Validates a rectify request's fields as registration would, without writing anything. */
static enum privd_rc dry_run_rectify(struct privd_service *svc, const char *subject_id, const char *canon,
                                     struct privd_err *err)
{
	struct privd_subject_row row;
	struct privd_subject_patch patch;
	struct privd_err inner;
	char detail[256];
	int64_t expect = 0;
	json_t *root = json_loads(canon, 0, NULL);
	enum privd_rc rc;

	if (root == NULL)
		return PRIVD_ERR_NOMEM;
	memset(&inner, 0, sizeof(inner));
	patch_from(root, &patch);
	rc = privd_subject_prepare_update(svc, subject_id, &patch, &row, &expect, detail, NULL, &inner);
	privd_subject_row_clear(&row);
	json_decref(root);
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

enum privd_rc privd_service_request_create(struct privd_service *svc, const struct privd_principal *who,
                                           const char *subject_id, const char *type, const char *details_json,
                                           struct privd_request *out, struct privd_err *err)
{
	char f1[64];
	struct create_job j;
	struct privd_write_job job = {.data = create_data, .arg = &j};
	struct privd_cache_entry e;
	struct privd_reader *r = NULL;
	enum privd_request_type t;
	uint8_t key[PRIVD_KEY_BYTES];
	char *canon = NULL;
	enum privd_rc rc;

	memset(&j, 0, sizeof(j));
	if (type == NULL || privd_request_type_parse(type, &t) != PRIVD_OK) {
		privd_err_field(err, "type",
		                "must be one of erase, rectify, access, transfer_info, revoke_processing, "
		                "revoke_cookies, guardian_consent");
		return privd_err_set(err, PRIVD_ERR_INVALID, "the request is invalid");
	}
	rc = privd_subject_require(svc, subject_id, &e, err);
	if (rc != PRIVD_OK)
		return rc;
	if (t == PRIVD_REQUEST_TYPE_GUARDIAN_CONSENT && e.status != PRIVD_SUBJECT_PENDING_GUARDIAN) {
		privd_err_field(err, "type", "a guardian's consent is only for a minor awaiting it");
		return privd_err_set(err, PRIVD_ERR_INVALID, "the request is invalid");
	}
	rc = check_details(t, details_json, &canon, err);
	if (rc == PRIVD_OK && canon != NULL)
		rc = dry_run_rectify(svc, subject_id, canon, err);
	if (rc != PRIVD_OK)
		goto out;

	j.svc = svc;
	j.who = *who;
	privd_random_id(j.row.id);
	memcpy(j.row.subject_id, subject_id, 32);
	snprintf(j.row.type, sizeof(j.row.type), "%s", privd_request_type_name(t));
	snprintf(j.row.status, sizeof(j.row.status), "awaiting_document");
	snprintf(j.row.result, sizeof(j.row.result), "{}");
	j.row.created_at = j.row.updated_at = privd_now_ms();
	if (canon != NULL) {
		rc = privd_reader_get(svc, &r);
		if (rc != PRIVD_OK)
			goto out;
		rc = privd_subject_key(svc, r, subject_id, key);
		privd_reader_put(svc, r, rc == PRIVD_ERR_DB);
		if (rc == PRIVD_OK) {
			rc = seal_text(key, subject_id, field_of(f1, "request.details", j.row.id), canon,
			               &j.row.details_ct);
			sodium_memzero(key, sizeof(key));
		}
		if (rc != PRIVD_OK)
			goto out;
	}
	rc = privd_writer_run(svc->writer, &job);
	if (rc == PRIVD_OK) {
		request_view(svc, &j.row, out);
		if (canon != NULL)
			out->details = strdup(canon); /* the filer sent them: no disclosure */
		privd_log(PRIVD_LOG_INFO, "request.created", "\"id\":\"%s\",\"type\":\"%s\"", j.row.id, j.row.type);
	}
out:
	if (canon != NULL) {
		sodium_memzero(canon, strlen(canon));
		free(canon);
	}
	privd_request_row_clear(&j.row);
	return rc;
}

/* ---- steps: attach, decide, execute ---- */

/* One step on a request: prepared outside the writer, applied inside it. */
struct step {
	struct privd_service *svc;
	struct privd_principal who;
	enum privd_request_event ev;
	struct privd_request_row before; /* as read when preparing */
	struct privd_request_row after;  /* what to store */
	struct privd_notice notice;
	const uint8_t *doc_ct; /* attach: the sealed scan */
	size_t doc_len;
	char action[40];
	char detail[1200];
	/* execute: what the type does, inside the same transactions */
	enum privd_rc (*exec_data)(struct privd_db *db, struct step *s);
	enum privd_rc (*exec_after)(struct privd_db *ks, struct step *s); /* keystore, after the data commit */
	/* exec state */
	struct privd_subject_row rectified;
	int64_t rectify_expect;
	char (*dead_keys)[40]; /* erasure: message keys of the person's cancelled notices */
	size_t ndead;
	int64_t erase_after;
	bool became_active;
	bool erased;
	bool consents_changed;
	const char *conflict_field;
};

static void step_clear(struct step *s)
{
	privd_request_row_clear(&s->before);
	privd_request_row_clear(&s->after);
	privd_notice_clear(&s->notice);
	privd_subject_row_clear(&s->rectified);
	free(s->dead_keys);
	s->dead_keys = NULL;
	s->ndead = 0;
}

static enum privd_rc step_ks(struct privd_db *ks, void *arg)
{
	struct step *s = arg;

	return privd_notice_ks_put(ks, &s->notice);
}

static enum privd_rc step_ks_undo(struct privd_db *ks, void *arg)
{
	struct step *s = arg;

	return privd_notice_ks_undo(ks, &s->notice);
}

static enum privd_rc step_data(struct privd_db *db, void *arg)
{
	struct step *s = arg;
	struct privd_request_row now;
	enum privd_rc rc;

	/* The state may have changed since we prepared: it must still be the one the step was decided on. */
	memset(&now, 0, sizeof(now));
	rc = privd_repo_request_get(db, s->before.id, &now);
	if (rc == PRIVD_OK && (strcmp(now.status, s->before.status) != 0 || now.extended != s->before.extended ||
	                       now.updated_at != s->before.updated_at))
		rc = PRIVD_ERR_CONFLICT;
	privd_request_row_clear(&now);
	/* ... and the person must still be there: nothing is added to an erased subject. */
	if (rc == PRIVD_OK)
		rc = privd_subject_alive(db, s->after.subject_id);
	if (rc != PRIVD_OK)
		return rc;
	if (s->doc_ct != NULL)
		rc = privd_repo_document_put(db, s->after.id, s->after.subject_id, s->doc_ct, s->doc_len,
		                             s->after.updated_at);
	if (rc == PRIVD_OK && s->exec_data != NULL)
		rc = s->exec_data(db, s);
	if (rc == PRIVD_OK)
		rc = privd_repo_request_update(db, &s->after);
	if (rc == PRIVD_OK)
		rc = privd_notice_insert(db, &s->notice);
	if (rc == PRIVD_OK)
		rc = privd_audit_append(s->svc, db, s->who.actor, s->action, "request", s->after.id, s->detail);
	return rc;
}

static enum privd_rc step_ks_after(struct privd_db *ks, void *arg)
{
	struct step *s = arg;

	return s->exec_after != NULL ? s->exec_after(ks, s) : PRIVD_OK;
}

static enum privd_rc step_run(struct step *s)
{
	struct privd_write_job job = {
	    .ks = step_ks, .data = step_data, .ks_undo = step_ks_undo, .ks_after = step_ks_after, .arg = s};

	return privd_writer_run(s->svc->writer, &job);
}

/* Reads the request and checks the transition; fills s->before, s->after (a copy to modify). */
static enum privd_rc step_begin(struct privd_service *svc, const struct privd_principal *who, const char *id,
                                enum privd_request_event ev, struct step *s, struct privd_err *err)
{
	struct privd_request_state cur, next;
	const char *why = NULL;
	enum privd_rc rc;

	memset(s, 0, sizeof(*s));
	s->svc = svc;
	s->who = *who;
	s->ev = ev;
	rc = read_row(svc, id, &s->before);
	if (rc == PRIVD_ERR_NOT_FOUND)
		return privd_err_set(err, rc, "no request has that id");
	if (rc != PRIVD_OK)
		return rc;
	if (privd_request_status_parse(s->before.status, &cur.status) != PRIVD_OK)
		return PRIVD_ERR_INTERNAL;
	cur.extended = s->before.extended;
	rc = privd_request_transition(&cur, ev, &next, &why);
	if (rc != PRIVD_OK)
		return privd_err_set(err, PRIVD_ERR_CONFLICT, "%s", why ? why : "not allowed in this state");
	/* after = before, deep-copying the blobs */
	s->after = s->before;
	s->after.details_ct.data = NULL;
	s->after.details_ct.len = 0;
	s->after.reason_ct.data = NULL;
	s->after.reason_ct.len = 0;
	if (s->before.details_ct.len != 0) {
		s->after.details_ct.data = malloc(s->before.details_ct.len);
		if (s->after.details_ct.data == NULL)
			return PRIVD_ERR_NOMEM;
		memcpy(s->after.details_ct.data, s->before.details_ct.data, s->before.details_ct.len);
		s->after.details_ct.len = s->before.details_ct.len;
	}
	if (s->before.reason_ct.len != 0) {
		s->after.reason_ct.data = malloc(s->before.reason_ct.len);
		if (s->after.reason_ct.data == NULL)
			return PRIVD_ERR_NOMEM;
		memcpy(s->after.reason_ct.data, s->before.reason_ct.data, s->before.reason_ct.len);
		s->after.reason_ct.len = s->before.reason_ct.len;
	}
	snprintf(s->after.status, sizeof(s->after.status), "%s", privd_request_status_name(next.status));
	s->after.extended = next.extended;
	s->after.updated_at = privd_now_ms();
	if (s->after.updated_at <= s->before.updated_at)
		s->after.updated_at = s->before.updated_at + 1;
	return PRIVD_OK;
}

static const char *type_ru(const char *type)
{
	static const struct {
		const char *type, *ru;
	} names[] = {
	    {"erase", "удаление персональных данных"},
	    {"rectify", "исправление персональных данных"},
	    {"access", "доступ к персональным данным"},
	    {"transfer_info", "сведения о передаче данных третьим лицам"},
	    {"revoke_processing", "отзыв согласия на обработку персональных данных"},
	    {"revoke_cookies", "отзыв согласия на использование cookies"},
	    {"guardian_consent", "согласие законного представителя"},
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(type, names[i].type) == 0)
			return names[i].ru;
	return type;
}

/* Prepares the notice of kind for the person the request is about (s->after). */
static enum privd_rc step_notice(struct step *s, const char *kind, const char *reason)
{
	struct privd_subject to;
	size_t cap = 1024 + 2 * (reason ? strlen(reason) : 0); /* the reason appears twice, whole */
	char *body;
	const char *t = s->after.type;
	enum privd_rc rc;

	rc = privd_subject_load(s->svc, s->after.subject_id, &to, NULL);
	if (rc == PRIVD_ERR_GONE)
		return PRIVD_OK; /* nobody left to tell */
	if (rc != PRIVD_OK)
		return rc;
	body = malloc(cap);
	if (body == NULL) {
		privd_subject_clear(&to);
		return PRIVD_ERR_NOMEM;
	}
	if (strcmp(kind, "request.received") == 0)
		snprintf(body, cap,
		         "Ваш запрос «%s» (№ %s) получен. Срок исполнения: до %s.\n\n"
		         "We have received your request (%s, no. %s). It will be carried out by %s.\n",
		         type_ru(t), s->after.id, s->after.due_date, t, s->after.id, s->after.due_date);
	else if (strcmp(kind, "request.rejected") == 0)
		snprintf(body, cap,
		         "Ваш запрос «%s» (№ %s) отклонён. Причина: %s\n\n"
		         "Your request (%s, no. %s) was rejected. Reason: %s\n",
		         type_ru(t), s->after.id, reason, t, s->after.id, reason);
	else if (strcmp(kind, "request.extended") == 0)
		snprintf(body, cap,
		         "Срок исполнения вашего запроса «%s» (№ %s) продлён до %s. Причина: %s\n\n"
		         "The deadline of your request (%s, no. %s) was extended to %s. Reason: %s\n",
		         type_ru(t), s->after.id, s->after.due_date, reason, t, s->after.id, s->after.due_date, reason);
	else if (strcmp(t, "erase") == 0)
		snprintf(body, cap,
		         "Ваш запрос на удаление (№ %s) исполнен: ваши персональные данные удалены.\n\n"
		         "Your erasure request (no. %s) has been carried out: your personal data has been erased.\n",
		         s->after.id, s->after.id);
	else
		snprintf(body, cap,
		         "Ваш запрос «%s» (№ %s) исполнен.\n\nYour request (%s, no. %s) has been carried out.\n",
		         type_ru(t), s->after.id, t, s->after.id);
	rc = privd_notice_prepare(s->svc, &to, s->after.id, kind, body, &s->notice);
	privd_subject_clear(&to);
	sodium_memzero(body, cap);
	free(body);
	return rc;
}

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

enum privd_rc privd_service_request_attach(struct privd_service *svc, const struct privd_principal *who,
                                           const char *request_id, const char *content_type, const uint8_t *data,
                                           size_t len, struct privd_request *out, struct privd_err *err)
{
	char f1[64];
	struct step s;
	struct privd_reader *r = NULL;
	enum privd_doc_type declared;
	uint8_t key[PRIVD_KEY_BYTES], *ct = NULL;
	char sha[PRIVD_HASH_HEX];
	const char *why = NULL;
	bool first;
	enum privd_rc rc;

	if (privd_doc_type_from_mime(content_type, &declared) != PRIVD_OK)
		return privd_err_set(err, PRIVD_ERR_UNSUPPORTED,
		                     "a document must be application/pdf, image/jpeg, image/png or image/tiff");
	if (len > svc->cfg.document_limit)
		return privd_err_set(err, PRIVD_ERR_TOO_LARGE, "the document is larger than %zu bytes",
		                     svc->cfg.document_limit);
	rc = privd_doc_check(data, len, declared, &why);
	if (rc == PRIVD_ERR_UNSUPPORTED)
		return privd_err_set(err, rc, "the content is not %s: %s", privd_doc_mime(declared),
		                     why ? why : "unrecognised");
	if (rc != PRIVD_OK) {
		privd_err_field(err, "document", why ? why : "is not a readable document");
		return privd_err_set(err, PRIVD_ERR_INVALID, "the document is not valid");
	}
	rc = step_begin(svc, who, request_id, PRIVD_REQUEST_EVENT_ATTACH_DOCUMENT, &s, err);
	if (rc != PRIVD_OK)
		goto out;
	first = s.before.received_at == 0;
	privd_sha256_hex(data, len, sha);
	snprintf(s.after.doc_type, sizeof(s.after.doc_type), "%s", privd_doc_mime(declared));
	s.after.doc_size = (int64_t)len;
	memcpy(s.after.doc_sha256, sha, sizeof(s.after.doc_sha256));
	if (first) {
		struct privd_date today;

		today_date(&today);
		s.after.received_at = s.after.updated_at;
		s.after.due_estimated = false;
		due_from(svc, &today, svc->cfg.due_working_days, s.after.due_date, &s.after.due_estimated);
		rc = step_notice(&s, "request.received", NULL);
		if (rc != PRIVD_OK)
			goto out;
	}
	ct = malloc(len + PRIVD_ENVELOPE_OVERHEAD);
	if (ct == NULL) {
		rc = PRIVD_ERR_NOMEM;
		goto out;
	}
	rc = privd_reader_get(svc, &r);
	if (rc != PRIVD_OK)
		goto out;
	rc = privd_subject_key(svc, r, s.after.subject_id, key);
	privd_reader_put(svc, r, rc == PRIVD_ERR_DB);
	if (rc == PRIVD_ERR_GONE) {
		privd_err_set(err, rc, "the subject's data was erased");
		goto out;
	}
	if (rc != PRIVD_OK)
		goto out;
	privd_envelope_seal(key, s.after.subject_id, field_of(f1, "request.document", s.after.id), data, len, ct);
	sodium_memzero(key, sizeof(key));
	s.doc_ct = ct;
	s.doc_len = len + PRIVD_ENVELOPE_OVERHEAD;
	snprintf(s.action, sizeof(s.action), "request.document");
	snprintf(s.detail, sizeof(s.detail), "{\"type\":\"%s\",\"size\":%zu,\"sha256\":\"%s\",\"due_date\":\"%s\"}",
	         s.after.doc_type, len, sha, s.after.due_date);
	rc = step_run(&s);
	if (rc == PRIVD_ERR_CONFLICT)
		privd_err_set(err, rc, "the request changed meanwhile; try again");
	if (rc == PRIVD_OK)
		request_view(svc, &s.after, out);
out:
	free(ct);
	step_clear(&s);
	return rc;
}

enum privd_rc privd_service_request_document(struct privd_service *svc, const struct privd_principal *who,
                                             const char *request_id, uint8_t **data, size_t *len, char content_type[32],
                                             struct privd_err *err)
{
	char f1[64];
	struct privd_request_row row;
	struct privd_blob ct = {0};
	struct privd_reader *r = NULL;
	uint8_t key[PRIVD_KEY_BYTES];
	enum privd_rc rc;

	*data = NULL;
	*len = 0;
	memset(&row, 0, sizeof(row));
	rc = read_row(svc, request_id, &row);
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
	if (rc == PRIVD_OK)
		rc = privd_subject_key(svc, r, row.subject_id, key);
	privd_reader_put(svc, r, rc == PRIVD_ERR_DB);
	if (rc == PRIVD_ERR_GONE || rc == PRIVD_ERR_NOT_FOUND) {
		rc = privd_err_set(err, PRIVD_ERR_GONE, "the document was erased with the subject's data");
		goto out;
	}
	if (rc != PRIVD_OK)
		goto out;
	rc = privd_audit_record(svc, who, "request.document.read", "request", row.id, "{}");
	if (rc != PRIVD_OK)
		goto out;
	*data = malloc(ct.len + 1);
	if (*data == NULL || ct.len < PRIVD_ENVELOPE_OVERHEAD) {
		rc = *data == NULL ? PRIVD_ERR_NOMEM : PRIVD_ERR_CRYPTO;
		goto out;
	}
	rc = privd_envelope_open(key, row.subject_id, field_of(f1, "request.document", row.id), ct.data, ct.len, *data,
	                         len);
	if (rc == PRIVD_OK)
		snprintf(content_type, 32, "%s", row.doc_type);
out:
	sodium_memzero(key, sizeof(key));
	if (rc != PRIVD_OK) {
		free(*data);
		*data = NULL;
		*len = 0;
	}
	privd_blob_clear(&ct);
	privd_request_row_clear(&row);
	return rc;
}

enum privd_rc privd_service_request_decide(struct privd_service *svc, const struct privd_principal *who,
                                           const char *request_id, const char *action, const char *reason,
                                           struct privd_request *out, struct privd_err *err)
{
	char f1[64];
	struct step s;
	struct privd_reader *r = NULL;
	enum privd_request_event ev;
	uint8_t key[PRIVD_KEY_BYTES];
	enum privd_rc rc;

	memset(&s, 0, sizeof(s));
	if (action == NULL || privd_request_event_parse(action, &ev) != PRIVD_OK ||
	    (ev != PRIVD_REQUEST_EVENT_ACCEPT && ev != PRIVD_REQUEST_EVENT_REJECT &&
	     ev != PRIVD_REQUEST_EVENT_EXTEND)) {
		privd_err_field(err, "action", "must be accept, reject or extend");
		return privd_err_set(err, PRIVD_ERR_INVALID, "the decision is invalid");
	}
	if (ev != PRIVD_REQUEST_EVENT_ACCEPT && (reason == NULL || reason[0] == '\0' || strlen(reason) > 2000)) {
		privd_err_field(err, "reason", "a reason the person is told is required (at most 2000 bytes)");
		return privd_err_set(err, PRIVD_ERR_INVALID, "the decision is invalid");
	}
	rc = step_begin(svc, who, request_id, ev, &s, err);
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
		rc = privd_reader_get(svc, &r);
		if (rc != PRIVD_OK)
			goto out;
		rc = privd_subject_key(svc, r, s.after.subject_id, key);
		privd_reader_put(svc, r, rc == PRIVD_ERR_DB);
		if (rc == PRIVD_OK) {
			privd_blob_clear(&s.after.reason_ct);
			rc = seal_text(key, s.after.subject_id, field_of(f1, "request.reason", s.after.id), reason,
			               &s.after.reason_ct);
			sodium_memzero(key, sizeof(key));
		}
		if (rc == PRIVD_OK)
			rc = step_notice(&s, ev == PRIVD_REQUEST_EVENT_REJECT ? "request.rejected" : "request.extended",
			                 reason);
		if (rc != PRIVD_OK)
			goto out;
	}
	snprintf(s.action, sizeof(s.action), "request.%s", action);
	snprintf(s.detail, sizeof(s.detail), "{\"status\":\"%s\",\"due_date\":\"%s\"}", s.after.status,
	         s.after.due_date);
	rc = step_run(&s);
	if (rc == PRIVD_ERR_CONFLICT)
		privd_err_set(err, rc, "the request changed meanwhile; try again");
	if (rc == PRIVD_OK) {
		request_view(svc, &s.after, out);
		if (reason != NULL && ev != PRIVD_REQUEST_EVENT_ACCEPT)
			out->reason = strdup(reason);
	}
out:
	step_clear(&s);
	return rc;
}

/* ---- execution, one function per type ---- */

static enum privd_rc append_consent(struct privd_service *svc, struct privd_db *db, const char *subject_id,
                                    enum privd_purpose p, bool granted)
{
	struct privd_consent_row c;

	memset(&c, 0, sizeof(c));
	memcpy(c.subject_id, subject_id, 32);
	snprintf(c.purpose, sizeof(c.purpose), "%s", privd_purpose_name(p));
	c.granted = granted;
	privd_policy_current_version(svc, c.policy_version, sizeof(c.policy_version));
	snprintf(c.source, sizeof(c.source), "request");
	c.created_at = privd_now_ms();
	return privd_repo_consent_append(db, &c);
}

static enum privd_rc exec_revoke_processing(struct privd_db *db, struct step *s)
{
	enum privd_rc rc;

	rc = append_consent(s->svc, db, s->after.subject_id, PRIVD_PURPOSE_PROCESSING, false);
	if (rc == PRIVD_OK)
		rc = privd_repo_subject_schedule_erasure(db, s->after.subject_id, s->erase_after);
	if (rc == PRIVD_OK)
		rc = privd_db_notify(db, PRIVD_CHAN_CONSENT, s->after.subject_id);
	s->consents_changed = true;
	return rc;
}

static enum privd_rc exec_revoke_cookies(struct privd_db *db, struct step *s)
{
	static const enum privd_purpose cookies[] = {PRIVD_PURPOSE_COOKIES_PREFERENCES, PRIVD_PURPOSE_COOKIES_ANALYTICS,
	                                             PRIVD_PURPOSE_COOKIES_MARKETING};
	enum privd_rc rc = PRIVD_OK;

	for (size_t i = 0; rc == PRIVD_OK && i < 3; i++)
		rc = append_consent(s->svc, db, s->after.subject_id, cookies[i], false);
	if (rc == PRIVD_OK)
		rc = privd_db_notify(db, PRIVD_CHAN_CONSENT, s->after.subject_id);
	s->consents_changed = true;
	return rc;
}

static enum privd_rc exec_guardian(struct privd_db *db, struct step *s)
{
	char status[24];
	enum privd_rc rc;

	rc = privd_repo_subject_status(db, s->after.subject_id, status);
	if (rc == PRIVD_OK && strcmp(status, "pending_guardian") != 0)
		rc = PRIVD_ERR_CONFLICT; /* only a minor awaiting a guardian becomes active this way */
	if (rc == PRIVD_OK)
		rc = privd_repo_subject_set_status(db, s->after.subject_id, "active", s->after.updated_at);
	if (rc == PRIVD_OK)
		rc = privd_db_notify(db, PRIVD_CHAN_CONSENT, s->after.subject_id);
	s->became_active = true;
	s->consents_changed = true;
	return rc;
}

static enum privd_rc exec_rectify(struct privd_db *db, struct step *s)
{
	return privd_repo_subject_update(db, &s->rectified, s->rectify_expect, &s->conflict_field);
}

static int collect_queued(void *arg, const struct privd_notification_row *row)
{
	struct step *s = arg;
	char(*grown)[40];

	if (strcmp(row->status, "queued") != 0)
		return 0;
	grown = realloc(s->dead_keys, (s->ndead + 1) * sizeof(*s->dead_keys));
	if (grown == NULL)
		return 1;
	s->dead_keys = grown;
	snprintf(s->dead_keys[s->ndead++], sizeof(s->dead_keys[0]), "msg:%s", row->id);
	return 0;
}

/* Erasure, data side: every row holding the person's data goes, their queued notices are cancelled (their
 * message keys go after the commit), the subject becomes a tombstone. The confirmation is inserted after this,
 * in the same transaction, under its own key. */
static enum privd_rc erase_data(struct privd_db *db, struct step *s)
{
	enum privd_rc rc;

	s->ndead = 0;
	rc = privd_repo_notification_list(db, s->after.subject_id, collect_queued, s);
	if (rc == PRIVD_OK)
		rc = privd_repo_subject_erase(db, s->after.subject_id, s->after.updated_at);
	if (rc == PRIVD_OK)
		rc = privd_db_notify(db, PRIVD_CHAN_CONSENT, s->after.subject_id);
	s->erased = true;
	return rc;
}

/* Erasure, keystore side, once the data side is durable: the data key and the cancelled notices' keys. */
static enum privd_rc erase_after(struct privd_db *ks, struct step *s)
{
	enum privd_rc rc = privd_repo_key_delete(ks, s->after.subject_id);

	for (size_t i = 0; rc == PRIVD_OK && i < s->ndead; i++)
		rc = privd_repo_key_delete(ks, s->dead_keys[i]);
	return rc;
}

/* Removes what is left of deleted keys and rows in the files (SQLite WAL frames). */
static void purge_files(struct privd_service *svc)
{
	struct privd_db *db = NULL;

	if (privd_db_open(&svc->target, PRIVD_DB_KEYSTORE, false, &db, NULL) != PRIVD_OK ||
	    privd_db_purge(db) != PRIVD_OK)
		privd_log(PRIVD_LOG_WARN, "erasure.purge_incomplete", "\"db\":\"keystore\"");
	privd_db_close(db);
	db = NULL;
	if (privd_db_open(&svc->target, PRIVD_DB_DATA, false, &db, NULL) != PRIVD_OK || privd_db_purge(db) != PRIVD_OK)
		privd_log(PRIVD_LOG_WARN, "erasure.purge_incomplete", "\"db\":\"data\"");
	privd_db_close(db);
}

enum privd_rc privd_service_request_execute(struct privd_service *svc, const struct privd_principal *who,
                                            const char *request_id, struct privd_request *out, struct privd_err *err)
{
	struct step s;
	enum privd_request_type t;
	json_t *root = NULL;
	char *details = NULL;
	enum privd_rc rc;

	rc = step_begin(svc, who, request_id, PRIVD_REQUEST_EVENT_EXECUTE, &s, err);
	if (rc != PRIVD_OK)
		goto out;
	privd_request_type_parse(s.after.type, &t);
	s.after.completed_at = s.after.updated_at;
	snprintf(s.action, sizeof(s.action), "request.execute");
	switch (t) {
	case PRIVD_REQUEST_TYPE_ACCESS:
		snprintf(
		    s.after.result, sizeof(s.after.result),
		    "{\"export\":\"/v1/requests/%s/export\",\"export_html\":\"/v1/requests/%s/export?format=html\"}",
		    s.after.id, s.after.id);
		break;
	case PRIVD_REQUEST_TYPE_TRANSFER_INFO:
		/* No transfers to third parties exist yet: an honest empty list. */
		snprintf(s.after.result, sizeof(s.after.result), "{\"transfers\":[]}");
		break;
	case PRIVD_REQUEST_TYPE_RECTIFY: {
		struct privd_request full;
		struct privd_subject_patch patch;
		char detail[256];

		memset(&full, 0, sizeof(full));
		rc = disclose(svc, &s.before, &full);
		details = full.details;
		full.details = NULL;
		privd_request_clear(&full);
		if (rc != PRIVD_OK)
			goto out;
		root = details ? json_loads(details, 0, NULL) : NULL;
		if (root == NULL) {
			rc = PRIVD_ERR_INTERNAL;
			goto out;
		}
		patch_from(root, &patch);
		rc = privd_subject_prepare_update(svc, s.after.subject_id, &patch, &s.rectified, &s.rectify_expect,
		                                  detail, NULL, err);
		if (rc != PRIVD_OK)
			goto out;
		s.exec_data = exec_rectify;
		{
			/* the detail is {"fields":[...],...}: the result names the same fields */
			const char *from = strchr(detail, '['), *to = strchr(detail, ']');

			snprintf(s.after.result, sizeof(s.after.result), "{\"corrected\":%.*s}",
			         from && to ? (int)(to - from + 1) : 2, from && to ? from : "[]");
		}
		break;
	}
	case PRIVD_REQUEST_TYPE_ERASE:
		s.exec_data = erase_data;
		s.exec_after = erase_after;
		snprintf(s.after.result, sizeof(s.after.result), "{\"erased\":true}");
		break;
	case PRIVD_REQUEST_TYPE_REVOKE_PROCESSING: {
		char when[PRIVD_TIME_LEN];

		s.erase_after = s.after.updated_at + (int64_t)svc->cfg.erase_after_revoke_days * MS_PER_DAY;
		if (s.erase_after <= 0)
			s.erase_after = 1;
		s.exec_data = exec_revoke_processing;
		privd_time_format(s.erase_after, when);
		snprintf(s.after.result, sizeof(s.after.result),
		         "{\"processing\":\"revoked\",\"erasure_scheduled_at\":\"%s\"}", when);
		break;
	}
	case PRIVD_REQUEST_TYPE_REVOKE_COOKIES:
		s.exec_data = exec_revoke_cookies;
		snprintf(s.after.result, sizeof(s.after.result),
		         "{\"revoked\":[\"cookies.preferences\",\"cookies.analytics\",\"cookies.marketing\"]}");
		break;
	case PRIVD_REQUEST_TYPE_GUARDIAN_CONSENT:
		s.exec_data = exec_guardian;
		snprintf(s.after.result, sizeof(s.after.result), "{\"status\":\"active\"}");
		break;
	default:
		rc = PRIVD_ERR_INTERNAL;
		goto out;
	}
	/* The confirmation is queued before anything is destroyed, under its own key. */
	rc = step_notice(&s, "request.completed", NULL);
	if (rc != PRIVD_OK)
		goto out;
	snprintf(s.detail, sizeof(s.detail), "{\"type\":\"%s\",\"result\":%s}", s.after.type, s.after.result);
	if (strlen(s.detail) >= sizeof(s.detail) - 1)
		snprintf(s.detail, sizeof(s.detail), "{\"type\":\"%s\"}", s.after.type);
	rc = step_run(&s);
	if (rc == PRIVD_ERR_CONFLICT && s.conflict_field != NULL) {
		privd_err_field(err, s.conflict_field, "is already registered");
		privd_err_set(err, rc, "the corrected %s is already registered to another subject", s.conflict_field);
	} else if (rc == PRIVD_ERR_CONFLICT) {
		privd_err_set(err, rc, "the request changed meanwhile; try again");
	}
	if (rc != PRIVD_OK)
		goto out;
	if (s.consents_changed || s.erased)
		privd_cache_invalidate(svc, s.after.subject_id);
	if (s.erased) {
		purge_files(svc);
		privd_log(PRIVD_LOG_INFO, "subject.erased", "\"request\":\"%s\"", s.after.id);
	}
	request_view(svc, &s.after, out);
out:
	json_decref(root);
	if (details != NULL) {
		sodium_memzero(details, strlen(details));
		free(details);
	}
	step_clear(&s);
	return rc;
}

/* ---- legal hold ---- */

struct hold_job {
	struct privd_service *svc;
	const struct privd_principal *who;
	const char *subject_id;
	bool hold;
	const char *reason;
};

static enum privd_rc hold_data(struct privd_db *db, void *arg)
{
	struct hold_job *j = arg;
	enum privd_rc rc;

	rc = privd_subject_alive(db, j->subject_id);
	if (rc == PRIVD_OK)
		rc = privd_repo_subject_legal_hold(db, j->subject_id, j->hold, j->reason, privd_now_ms());
	if (rc == PRIVD_OK)
		rc = privd_audit_append(j->svc, db, j->who->actor, j->hold ? "subject.hold" : "subject.release",
		                        "subject", j->subject_id, "{}");
	return rc;
}

enum privd_rc privd_service_legal_hold(struct privd_service *svc, const struct privd_principal *who,
                                       const char *subject_id, bool hold, const char *reason, struct privd_err *err)
{
	struct hold_job j = {svc, who, subject_id, hold, reason};
	struct privd_write_job job = {.data = hold_data, .arg = &j};
	struct privd_cache_entry e;
	enum privd_rc rc;

	if (hold && (reason == NULL || reason[0] == '\0' || strlen(reason) > 250)) {
		privd_err_field(err, "reason", "a legal hold needs its legal basis (at most 250 bytes)");
		return privd_err_set(err, PRIVD_ERR_INVALID, "the legal hold is invalid");
	}
	rc = privd_subject_require(svc, subject_id, &e, err);
	if (rc != PRIVD_OK)
		return rc;
	if (!hold)
		j.reason = NULL;
	return privd_writer_run(svc->writer, &job);
}

/* ---- scheduled erasure and overdue count ---- */

struct due_ctx {
	char ids[16][33];
	size_t n;
};

static int due_one(void *arg, const char *subject_id)
{
	struct due_ctx *c = arg;

	if (c->n < 16)
		snprintf(c->ids[c->n++], 33, "%s", subject_id);
	return c->n >= 16;
}

struct sched_job {
	struct privd_service *svc;
	struct step s;
};

static enum privd_rc sched_after(struct privd_db *ks, void *arg)
{
	struct sched_job *j = arg;

	return erase_after(ks, &j->s);
}

static enum privd_rc sched_data(struct privd_db *db, void *arg)
{
	struct sched_job *j = arg;
	struct privd_subject_sched sc;
	enum privd_rc rc;

	/* Still due, and no legal hold recorded meanwhile? */
	rc = privd_repo_subject_sched_get(db, j->s.after.subject_id, &sc);
	if (rc != PRIVD_OK)
		return rc;
	if (sc.legal_hold || sc.erase_after == 0 || sc.erase_after > privd_now_ms())
		return PRIVD_ERR_CONFLICT;
	rc = erase_data(db, &j->s);
	if (rc == PRIVD_OK)
		rc = privd_audit_append(j->svc, db, "system", "subject.erase", "subject", j->s.after.subject_id,
		                        "{\"basis\":\"consent to processing revoked\"}");
	return rc;
}

static void sweep_erasures(struct privd_service *svc)
{
	struct due_ctx c = {.n = 0};
	struct privd_reader *r = NULL;
	enum privd_rc rc;

	if (privd_reader_get(svc, &r) != PRIVD_OK)
		return;
	rc = privd_repo_subject_due_erasures(r->db, privd_now_ms(), 16, due_one, &c);
	privd_reader_put(svc, r, rc == PRIVD_ERR_DB);
	for (size_t i = 0; i < c.n; i++) {
		struct sched_job j;
		struct privd_write_job job = {.data = sched_data, .ks_after = sched_after, .arg = &j};

		memset(&j, 0, sizeof(j));
		j.svc = svc;
		memcpy(j.s.after.subject_id, c.ids[i], 33);
		j.s.after.updated_at = privd_now_ms();
		rc = privd_writer_run(svc->writer, &job);
		free(j.s.dead_keys);
		if (rc == PRIVD_OK) {
			privd_cache_invalidate(svc, c.ids[i]);
			purge_files(svc);
			privd_log(PRIVD_LOG_INFO, "subject.erased", "\"basis\":\"consent revoked\"");
		}
	}
}

static int count_one(void *arg, const struct privd_request *r)
{
	(void)r;
	(*(unsigned long long *)arg)++;
	return 0;
}

static void count_overdue(struct privd_service *svc)
{
	struct privd_request_query q = {.overdue = 1, .limit = 1000000};
	unsigned long long n = 0;

	if (privd_service_request_list(svc, &q, count_one, &n, NULL) == PRIVD_OK)
		atomic_store(&svc->requests_overdue, n);
}

/* Keys that nothing needs any more but that a crash (or a failed keystore follow-up) left behind: the data key of
 * an erased subject, the message key of a notice that is no longer queued. Found from the keystore's side, so the
 * work is bounded by the keys held, not by the history; destroyed once at start-up. A key whose row does not exist
 * (yet) is left alone: it may belong to a write in flight. */
struct stray {
	struct privd_reader *r;
	char (*ids)[40];
	size_t n;
};

static bool is_stray(struct privd_db *db, const char *id)
{
	char status[24];

	if (strncmp(id, "msg:", 4) == 0)
		return privd_repo_notification_status(db, id + 4, status) == PRIVD_OK && strcmp(status, "queued") != 0;
	return privd_repo_subject_status(db, id, status) == PRIVD_OK && strcmp(status, "erased") == 0;
}

static int stray_one(void *arg, const char *id)
{
	struct stray *st = arg;
	char(*grown)[40];

	if (!is_stray(st->r->db, id))
		return 0;
	grown = realloc(st->ids, (st->n + 1) * sizeof(*st->ids));
	if (grown == NULL)
		return 1;
	st->ids = grown;
	snprintf(st->ids[st->n++], sizeof(st->ids[0]), "%s", id);
	return 0;
}

static enum privd_rc stray_data(struct privd_db *db, void *arg)
{
	(void)db;
	(void)arg;
	return PRIVD_OK;
}

static enum privd_rc stray_after(struct privd_db *ks, void *arg)
{
	struct stray *st = arg;
	enum privd_rc rc = PRIVD_OK;

	for (size_t i = 0; rc == PRIVD_OK && i < st->n; i++)
		rc = privd_repo_key_delete(ks, st->ids[i]);
	return rc;
}

static void sweep_stray_keys(struct privd_service *svc)
{
	struct stray st = {NULL, NULL, 0};
	struct privd_write_job job = {.data = stray_data, .ks_after = stray_after, .arg = &st};
	enum privd_rc rc;

	if (privd_reader_get(svc, &st.r) != PRIVD_OK)
		return;
	rc = privd_repo_key_list(st.r->ks, stray_one, &st);
	privd_reader_put(svc, st.r, rc == PRIVD_ERR_DB);
	if (rc == PRIVD_OK && st.n > 0) {
		privd_writer_run(svc->writer, &job);
		privd_log(PRIVD_LOG_INFO, "keystore.stray_keys_destroyed", "\"count\":%zu", st.n);
	}
	free(st.ids);
}

static void *sweeper_main(void *arg)
{
	struct privd_service *svc = arg;
	unsigned tick = 0;

	sweep_stray_keys(svc);

	pthread_mutex_lock(&svc->sweep_lock);
	while (!atomic_load(&svc->stopping)) {
		struct timespec until;

		pthread_mutex_unlock(&svc->sweep_lock);
		sweep_erasures(svc);
		privd_audit_anchor_update(svc);
		if (tick++ % OVERDUE_EVERY == 0)
			count_overdue(svc);
		pthread_mutex_lock(&svc->sweep_lock);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += (long)SWEEP_INTERVAL_MS * 1000000L;
		until.tv_sec += until.tv_nsec / 1000000000L;
		until.tv_nsec %= 1000000000L;
		if (!atomic_load(&svc->stopping))
			pthread_cond_timedwait(&svc->sweep_cond, &svc->sweep_lock, &until);
	}
	pthread_mutex_unlock(&svc->sweep_lock);
	return NULL;
}

enum privd_rc privd_requests_start(struct privd_service *svc, struct privd_err *err)
{
	struct privd_date today;
	enum privd_rc rc;

	today_date(&today);
	rc = privd_calendar_load(svc->cfg.calendar_file, today.year, &svc->calendar, err);
	if (rc != PRIVD_OK)
		return rc;
	pthread_mutex_init(&svc->sweep_lock, NULL);
	pthread_cond_init(&svc->sweep_cond, NULL);
	if (pthread_create(&svc->sweeper, NULL, sweeper_main, svc) != 0)
		return privd_err_set(err, PRIVD_ERR_INTERNAL, "cannot start the scheduler thread");
	svc->sweeper_running = true;
	return PRIVD_OK;
}

void privd_requests_stop(struct privd_service *svc)
{
	if (svc->sweeper_running) {
		pthread_mutex_lock(&svc->sweep_lock);
		pthread_cond_broadcast(&svc->sweep_cond);
		pthread_mutex_unlock(&svc->sweep_lock);
		pthread_join(svc->sweeper, NULL);
		svc->sweeper_running = false;
		pthread_mutex_destroy(&svc->sweep_lock);
		pthread_cond_destroy(&svc->sweep_cond);
	}
	privd_calendar_free(svc->calendar);
	svc->calendar = NULL;
}
