/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * request_filing.c - filing a rights request: what each type may carry, checked and sealed, and the write that
 * stores it.
 *
 * A request carries what its type needs and nothing else: a correction (rectify), validated as registration
 * would validate it without writing anything; a guardian's details and choices (guardian_consent), filed only by
 * an operator or admin; an inquiry's question. Whatever is carried is sealed under the subject's key before the
 * write, bound to the request, so it goes with the subject's erasure and never reaches the audit log. Most types
 * wait for their scanned document; an inquiry needs none, so it is received when filed: its due date is counted
 * and the person's notice of receipt queued in the same write.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/log.h"
#include "service/request_int.h"

/* ---- filing ---- */

struct create_job {
	struct privd_service *svc;
	struct privd_principal who;
	struct privd_request_row row;
	struct privd_notice notice; /* a request received when filed (an inquiry): the person is told */
};

static enum privd_rc create_ks(struct privd_db *ks, void *arg)
{
	return privd_notice_ks_put(ks, &((struct create_job *)arg)->notice);
}

static enum privd_rc create_ks_undo(struct privd_db *ks, void *arg)
{
	struct create_job *j = arg;

	return privd_notice_ks_undo(j->svc, ks, &j->notice);
}

static enum privd_rc create_data(struct privd_db *db, void *arg)
{
	struct create_job *j = arg;
	char detail[128];
	struct privd_jsonw w;
	int64_t last = 0;
	enum privd_rc rc;

	/* The audit append comes first: it takes the chain's lock, which also serialises created_at across nodes,
	 * so every request gets a created_at of its own (the list's paging cursor). */
	privd_jsonw_init(&w, detail, sizeof(detail));
	privd_jsonw_str(&w, "type", privd_request_type_name(j->row.type));
	privd_jsonw_str(&w, "subject_id", j->row.subject_id);
	if (j->row.due_date[0] != '\0')
		privd_jsonw_str(&w, "due_date", j->row.due_date);
	privd_jsonw_end(&w);
	rc = privd_subject_alive(db, j->row.subject_id);
	if (rc == PRIVD_OK)
		rc = privd_audit_append(j->svc, db, j->who.actor, "request.create", "request", j->row.id, detail);
	if (rc == PRIVD_OK)
		rc = privd_repo_request_last_created(db, &last);
	if (rc != PRIVD_OK)
		return rc;
	if (j->row.created_at <= last) {
		j->row.created_at = j->row.updated_at = last + 1;
		if (j->row.received_at != 0)
			j->row.received_at = j->row.created_at;
	}
	rc = privd_repo_request_insert(db, &j->row);
	if (rc == PRIVD_OK)
		rc = privd_notice_insert(db, &j->notice);
	return rc;
}

#define QUESTION_MAX 4000 /* bytes: a question, not a document */

/* Only an inquiry takes a question, and needs one: text of 1..QUESTION_MAX bytes. */
static enum privd_rc check_question(enum privd_request_type type, const char *q, struct privd_err *err)
{
	if (type != PRIVD_REQUEST_TYPE_INQUIRY && q != NULL)
		privd_err_field(err, "question", "only an inquiry takes a question");
	else if (type == PRIVD_REQUEST_TYPE_INQUIRY && (q == NULL || q[0] == '\0' || strlen(q) > QUESTION_MAX))
		privd_err_field(err, "question", "an inquiry needs its question (1 to 4000 bytes)");
	else
		return PRIVD_OK;
	return privd_err_set(err, PRIVD_ERR_INVALID, "the request is invalid");
}

/* An inquiry's stored details: {"question":"..."}, compact. *text is malloc'd. PRIVD_ERR_INVALID naming "question"
 * for text that is not UTF-8, PRIVD_ERR_NOMEM. */
static enum privd_rc question_encode(const char *q, char **text, struct privd_err *err)
{
	json_t *s = json_string(q), *root = NULL;

	*text = NULL;
	if (s == NULL) {
		privd_err_field(err, "question", "must be UTF-8 text");
		return privd_err_set(err, PRIVD_ERR_INVALID, "the request is invalid");
	}
	root = json_pack("{s:o}", "question", s);
	if (root != NULL)
		*text = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	return *text != NULL ? PRIVD_OK : PRIVD_ERR_NOMEM;
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
	rc = check_question(t, d != NULL ? d->question : NULL, err);
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
	if (rc == PRIVD_OK && t == PRIVD_REQUEST_TYPE_INQUIRY)
		rc = question_encode(d->question, canon, err);
	return rc;
}

/* A request whose type needs no document is received when filed: its due date, and the person told. */
static enum privd_rc receive_at_filing(struct privd_service *svc, struct create_job *j)
{
	struct privd_request_rule rule;
	struct privd_request_state st;
	struct privd_date today;

	privd_request_rule(svc, j->row.type, &rule);
	privd_request_state_init(&st, &rule);
	j->row.status = st.status;
	if (st.status != PRIVD_REQUEST_STATUS_RECEIVED)
		return PRIVD_OK;
	privd_today(&today);
	j->row.received_at = j->row.created_at;
	privd_request_count_due(svc, &j->row, &today, rule.due_days);
	return privd_request_notice(svc, &j->row, PRIVD_NOTICE_REQUEST_RECEIVED, NULL, &j->notice);
}

enum privd_rc privd_service_request_create(struct privd_service *svc, const struct privd_principal *who,
                                           const char *subject_id, enum privd_request_type t,
                                           const struct privd_request_details *details, struct privd_request *out,
                                           struct privd_err *err)
{
	char f1[64];
	struct create_job j;
	struct privd_write_job job = {.ks = create_ks, .data = create_data, .ks_undo = create_ks_undo, .arg = &j};
	char *canon = NULL;
	enum privd_rc rc;

	memset(&j, 0, sizeof(j));
	if ((int)t < 0 || t >= PRIVD_REQUEST_TYPE_COUNT) {
		privd_err_field(err, "type",
		                "must be one of erase, rectify, access, transfer_info, revoke_processing, "
		                "revoke_cookies, guardian_consent, inquiry");
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
	snprintf(j.row.result, sizeof(j.row.result), "{}");
	j.row.created_at = j.row.updated_at = privd_now_ms();
	if (canon != NULL) {
		const struct privd_vault_sealing details =
		    privd_vault_text(privd_request_field(f1, "request.details", j.row.id), canon, &j.row.details_ct);

		rc = privd_vault_seal(svc->vault, NULL, subject_id, &details, 1);
		if (rc != PRIVD_OK)
			goto out;
	}
	rc = receive_at_filing(svc, &j);
	if (rc == PRIVD_OK)
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
	privd_notice_clear(&j.notice);
	privd_request_row_clear(&j.row);
	return rc;
}
