/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * request_exec.c - carrying out an accepted rights request: one plan per request type, and the step that runs it;
 * and answering an inquiry, the one type carried out in words.
 *
 * Executing is the last step of a request and the only one that differs by type. Each type has a plan: a small
 * function, called after the step is begun, that says what the type's result is and which parts run inside the
 * step's write job (a consent withdrawn, a correction applied, the subject erased). The plans sit in a table
 * indexed by the type, so a new type is one function and one row, and privd_service_request_execute itself is the
 * same for all: plan, queue the confirmation (before anything is destroyed, under a key of its own), run the step,
 * then what follows a commit (caches, the purge of an erasure's remnants from the files). Erasure itself lives in
 * erasure.c, which the scheduled erasure shares. An inquiry has no plan: the operator's answer completes it, sealed
 * under the person's key like the question and queued to them whole; the audit entry records that it was
 * answered and how long the answer is, never what it says.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/log.h"
#include "core/time.h"
#include "service/request_int.h"

/* ---- what the types do inside the write job ---- */

/* A consent record of the request's execution: source "request", no ip (the scan is the evidence). */
static void request_consent(struct privd_service *svc, const char *subject_id, enum privd_purpose p, bool granted,
                            struct privd_consent_row *c)
{
	memset(c, 0, sizeof(*c));
	memcpy(c->subject_id, subject_id, 32);
	snprintf(c->purpose, sizeof(c->purpose), "%s", privd_purpose_name(p));
	c->granted = granted;
	privd_policy_current_version(svc, c->policy_version, sizeof(c->policy_version));
	snprintf(c->source, sizeof(c->source), "request");
	c->created_at = privd_now_ms();
}

static enum privd_rc append_consent(struct privd_service *svc, struct privd_db *db, const char *subject_id,
                                    enum privd_purpose p, bool granted)
{
	struct privd_consent_row c;

	request_consent(svc, subject_id, p, granted, &c);
	return privd_repo_consent_append(db, &c);
}

/* The revocation as the consents API records it (revocation.c), received when the request's document was. */
static enum privd_rc exec_revoke_processing(struct privd_db *db, struct privd_step *s)
{
	struct privd_consent_row c;
	enum privd_rc rc;

	request_consent(s->svc, s->after.subject_id, PRIVD_PURPOSE_PROCESSING, false, &c);
	rc = privd_repo_consent_append(db, &c);
	if (rc == PRIVD_OK)
		rc = privd_revocation_apply(s->svc, db, s->who.actor, &c, s->before.received_at, NULL);
	if (rc == PRIVD_OK)
		rc = privd_db_notify(db, PRIVD_CHAN_CONSENT, s->after.subject_id);
	s->consents_changed = true;
	return rc;
}

static enum privd_rc exec_revoke_cookies(struct privd_db *db, struct privd_step *s)
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

/* The minor active, with a record for every purpose saying what the guardian chose: whatever the minor granted
 * themselves while pending is superseded, so only the guardian's choices become effective. */
static enum privd_rc exec_guardian(struct privd_db *db, struct privd_step *s)
{
	enum privd_subject_status status;
	enum privd_rc rc;

	rc = privd_repo_subject_status(db, s->after.subject_id, &status);
	if (rc == PRIVD_OK && status != PRIVD_SUBJECT_PENDING_GUARDIAN)
		rc = PRIVD_ERR_CONFLICT; /* only a minor awaiting a guardian becomes active this way */
	for (size_t p = 0; rc == PRIVD_OK && p < PRIVD_PURPOSE_COUNT; p++)
		rc = append_consent(s->svc, db, s->after.subject_id, (enum privd_purpose)p, s->granted[p]);
	if (rc == PRIVD_OK)
		rc = privd_repo_subject_set_status(db, s->after.subject_id, PRIVD_SUBJECT_ACTIVE, s->after.updated_at);
	if (rc == PRIVD_OK)
		rc = privd_db_notify(db, PRIVD_CHAN_CONSENT, s->after.subject_id);
	s->became_active = true;
	s->consents_changed = true;
	return rc;
}

static enum privd_rc exec_rectify(struct privd_db *db, struct privd_step *s)
{
	return privd_repo_subject_update(db, &s->rectified, s->rectify_expect, &s->conflict_field);
}

/* Erasure, data side (erasure.c): the person's rows, their queued notices cancelled, the tombstone, the audit
 * entry and the destruction record. The confirmation is inserted after this, in the same transaction, under its
 * own key. */
static enum privd_rc exec_erase(struct privd_db *db, struct privd_step *s)
{
	enum privd_rc rc;

	rc = privd_erasure_data(s->svc, db, &s->erasure);
	s->erased = true;
	return rc;
}

/* Erasure, keystore side, once the data side is durable: the data key and the cancelled notices' keys. */
static enum privd_rc exec_erase_keys(struct privd_db *ks, struct privd_step *s)
{
	return privd_erasure_keys(s->svc, ks, &s->erasure);
}

/* ---- one plan per type: the result, and the parts that run in the step ---- */

/* The result names the destruction record the erasure will write (its id is chosen now). */
static enum privd_rc plan_erase(struct privd_step *s, struct privd_err *err)
{
	(void)err;
	privd_erasure_init(&s->erasure, s->after.subject_id, s->after.updated_at, PRIVD_DESTRUCTION_ERASE_REQUEST,
	                   s->who.actor, s->after.id);
	s->exec_data = exec_erase;
	s->exec_after = exec_erase_keys;
	snprintf(s->after.result, sizeof(s->after.result), "{\"erased\":true,\"destruction_record\":\"%s\"}",
	         s->erasure.record_id);
	return PRIVD_OK;
}

/* The correction asked for, validated again against the subject as it is now and sealed like any update. */
static enum privd_rc plan_rectify(struct privd_step *s, struct privd_err *err)
{
	struct privd_request full;
	struct privd_subject_patch patch;
	struct privd_jsonw w;
	const char *fields[PRIVD_CORRECTION_FIELDS];
	char detail[256];
	json_t *root = NULL;
	char *details;
	enum privd_rc rc;

	memset(&full, 0, sizeof(full));
	rc = privd_request_disclose(s->svc, &s->before, &full);
	details = full.details;
	full.details = NULL;
	privd_request_clear(&full);
	if (rc != PRIVD_OK)
		goto out;
	rc = privd_request_correction_decode(details, &root, &patch);
	if (rc != PRIVD_OK)
		goto out;
	rc = privd_subject_prepare_update(s->svc, s->after.subject_id, &patch, &s->rectified, &s->rectify_expect,
	                                  detail, NULL, err);
	if (rc != PRIVD_OK)
		goto out;
	s->exec_data = exec_rectify;
	s->country_corrected = patch.residence_country != NULL;
	/* the result names the fields corrected, never their values */
	privd_jsonw_init(&w, s->after.result, sizeof(s->after.result));
	privd_jsonw_strs(&w, "corrected", fields, privd_request_correction_fields(&patch, fields));
	privd_jsonw_end(&w);
out:
	json_decref(root);
	if (details != NULL) {
		sodium_memzero(details, strlen(details));
		free(details);
	}
	return rc;
}

static enum privd_rc plan_access(struct privd_step *s, struct privd_err *err)
{
	(void)err;
	snprintf(s->after.result, sizeof(s->after.result),
	         "{\"export\":\"/v1/requests/%s/export\",\"export_html\":\"/v1/requests/%s/export?format=html\"}",
	         s->after.id, s->after.id);
	return PRIVD_OK;
}

/* Every transfer of the person's data that went or is queued to go, from their disclosure log. */
static enum privd_rc plan_transfer_info(struct privd_step *s, struct privd_err *err)
{
	(void)err;
	return privd_transfer_info(s->svc, s->after.subject_id, s->after.result, sizeof(s->after.result));
}

/* Consent to processing revoked, and the destruction scheduled erase_after_revoke_days after the request's
 * document was received (152-FZ Art. 21 p.5: from receipt of the revocation, not from its execution); an earlier
 * schedule is kept. The scheduler's sweep runs it unless a legal hold stops it. */
static enum privd_rc plan_revoke_processing(struct privd_step *s, struct privd_err *err)
{
	char when[PRIVD_TIME_LEN];
	struct privd_jsonw w;
	enum privd_rc rc;

	(void)err;
	rc = privd_revocation_when(s->svc, s->after.subject_id, s->before.received_at, &s->erase_after);
	if (rc != PRIVD_OK)
		return rc;
	s->exec_data = exec_revoke_processing;
	privd_time_format(s->erase_after, when);
	privd_jsonw_init(&w, s->after.result, sizeof(s->after.result));
	privd_jsonw_str(&w, "processing", "revoked");
	privd_jsonw_str(&w, "status", privd_subject_status_name(PRIVD_SUBJECT_REVOKED));
	privd_jsonw_str(&w, "erase_after", when);
	return privd_jsonw_end(&w);
}

static enum privd_rc plan_revoke_cookies(struct privd_step *s, struct privd_err *err)
{
	(void)err;
	s->exec_data = exec_revoke_cookies;
	snprintf(s->after.result, sizeof(s->after.result),
	         "{\"revoked\":[\"cookies.preferences\",\"cookies.analytics\",\"cookies.marketing\"]}");
	return PRIVD_OK;
}

/* The purposes the guardian chose, from the request's sealed details; the result names them (no PII). */
static enum privd_rc plan_guardian_consent(struct privd_step *s, struct privd_err *err)
{
	const char *granted[PRIVD_PURPOSE_COUNT];
	struct privd_request full;
	struct privd_jsonw w;
	size_t n = 0;
	enum privd_rc rc;

	memset(&full, 0, sizeof(full));
	rc = privd_request_disclose(s->svc, &s->before, &full);
	if (rc == PRIVD_OK && full.details == NULL) { /* erased with the subject, or never given */
		struct privd_cache_entry e;

		rc = privd_subject_require(s->svc, s->after.subject_id, &e, err);
	}
	if (rc == PRIVD_OK)
		rc = privd_guardian_decode(full.details, s->granted);
	privd_request_clear(&full);
	if (rc == PRIVD_ERR_CONFLICT)
		return privd_err_set(err, rc,
		                     "the request does not say what the guardian consents to: file it again "
		                     "with the guardian's details");
	if (rc != PRIVD_OK)
		return rc;
	for (size_t p = 0; p < PRIVD_PURPOSE_COUNT; p++)
		if (s->granted[p])
			granted[n++] = privd_purpose_name((enum privd_purpose)p);
	s->exec_data = exec_guardian;
	privd_jsonw_init(&w, s->after.result, sizeof(s->after.result));
	privd_jsonw_str(&w, "status", privd_subject_status_name(PRIVD_SUBJECT_ACTIVE));
	privd_jsonw_strs(&w, "granted", granted, n);
	return privd_jsonw_end(&w);
}

static enum privd_rc (*const plans[PRIVD_REQUEST_TYPE_COUNT])(struct privd_step *s, struct privd_err *err) = {
    [PRIVD_REQUEST_TYPE_ERASE] = plan_erase,
    [PRIVD_REQUEST_TYPE_RECTIFY] = plan_rectify,
    [PRIVD_REQUEST_TYPE_ACCESS] = plan_access,
    [PRIVD_REQUEST_TYPE_TRANSFER_INFO] = plan_transfer_info,
    [PRIVD_REQUEST_TYPE_REVOKE_PROCESSING] = plan_revoke_processing,
    [PRIVD_REQUEST_TYPE_REVOKE_COOKIES] = plan_revoke_cookies,
    [PRIVD_REQUEST_TYPE_GUARDIAN_CONSENT] = plan_guardian_consent,
};

/* ---- execute ---- */

/* The step's error, for a person. */
static void run_error(const struct privd_step *s, enum privd_rc rc, struct privd_err *err)
{
	if (rc == PRIVD_ERR_CONFLICT && s->conflict_field != NULL) {
		privd_err_field(err, s->conflict_field, "is already registered");
		privd_err_set(err, rc, "the corrected %s is already registered to another subject", s->conflict_field);
	} else if (rc == PRIVD_ERR_CONFLICT) {
		privd_err_set(err, rc, "the request changed meanwhile; try again");
	}
}

enum privd_rc privd_service_request_execute(struct privd_service *svc, const struct privd_principal *who,
                                            const char *request_id, struct privd_request *out, struct privd_err *err)
{
	struct privd_step s;
	struct privd_jsonw w;
	enum privd_request_type t;
	enum privd_rc rc;

	rc = privd_step_begin(svc, who, request_id, PRIVD_REQUEST_EVENT_EXECUTE, &s, err);
	if (rc != PRIVD_OK)
		goto out;
	t = s.after.type;
	s.after.completed_at = s.after.updated_at;
	snprintf(s.action, sizeof(s.action), "request.execute");
	rc = (int)t >= 0 && t < PRIVD_REQUEST_TYPE_COUNT && plans[t] != NULL ? plans[t](&s, err) : PRIVD_ERR_INTERNAL;
	/* The confirmation is queued before anything is destroyed, under its own key. */
	if (rc == PRIVD_OK)
		rc = privd_step_notice(&s, PRIVD_NOTICE_REQUEST_COMPLETED, NULL);
	if (rc != PRIVD_OK)
		goto out;
	privd_jsonw_init(&w, s.detail, sizeof(s.detail));
	privd_jsonw_str(&w, "type", privd_request_type_name(t));
	privd_jsonw_raw(&w, "result", s.after.result);
	if (privd_jsonw_end(&w) != PRIVD_OK) { /* a result too long for the entry: the type alone */
		privd_jsonw_init(&w, s.detail, sizeof(s.detail));
		privd_jsonw_str(&w, "type", privd_request_type_name(t));
		privd_jsonw_end(&w);
	}
	rc = privd_step_run(&s);
	run_error(&s, rc, err);
	if (rc != PRIVD_OK)
		goto out;
	if (s.consents_changed || s.erased)
		privd_cache_invalidate(svc, s.after.subject_id);
	if (s.country_corrected)
		privd_localisation_corrected(svc, s.rectified.residence_country);
	if (s.erased) {
		privd_vault_forget(svc->vault, s.after.subject_id); /* now that the key's destruction committed */
		privd_erasure_purge_files(svc);
		privd_log(PRIVD_LOG_INFO, "subject.erased", "\"request\":\"%s\"", s.after.id);
	}
	privd_request_view(svc, &s.after, out);
out:
	privd_step_clear(&s);
	return rc;
}

/* ---- answer ---- */

#define ANSWER_MAX 10000 /* bytes */

enum privd_rc privd_service_request_answer(struct privd_service *svc, const struct privd_principal *who,
                                           const char *request_id, const char *text, struct privd_request *out,
                                           struct privd_err *err)
{
	char f1[64];
	struct privd_step s;
	struct privd_jsonw w;
	enum privd_rc rc;

	memset(&s, 0, sizeof(s));
	if (text == NULL || text[0] == '\0' || strlen(text) > ANSWER_MAX) {
		privd_err_field(err, "text", "the answer the person is sent is required (at most 10000 bytes)");
		return privd_err_set(err, PRIVD_ERR_INVALID, "the answer is invalid");
	}
	rc = privd_step_begin(svc, who, request_id, PRIVD_REQUEST_EVENT_ANSWER, &s, err);
	if (rc != PRIVD_OK)
		goto out;
	s.after.completed_at = s.after.updated_at;
	snprintf(s.after.result, sizeof(s.after.result), "{\"answered\":true}");
	{
		const struct privd_vault_sealing answer =
		    privd_vault_text(privd_request_field(f1, "request.answer", s.after.id), text, &s.after.answer_ct);

		rc = privd_vault_seal(svc->vault, NULL, s.after.subject_id, &answer, 1);
	}
	if (rc == PRIVD_ERR_GONE)
		privd_err_set(err, rc, "the subject's data was erased");
	if (rc == PRIVD_OK)
		rc = privd_request_notice(svc, &s.after, PRIVD_NOTICE_REQUEST_ANSWERED, text, &s.notice);
	if (rc != PRIVD_OK)
		goto out;
	snprintf(s.action, sizeof(s.action), "request.answer");
	privd_jsonw_init(&w, s.detail, sizeof(s.detail));
	privd_jsonw_int(&w, "length", (int64_t)strlen(text));
	privd_jsonw_end(&w);
	rc = privd_step_run(&s);
	if (rc == PRIVD_ERR_CONFLICT)
		privd_err_set(err, rc, "the request changed meanwhile; try again");
	if (rc != PRIVD_OK)
		goto out;
	privd_request_view(svc, &s.after, out);
	out->answer = strdup(text); /* the operator sent it: no disclosure */
out:
	privd_step_clear(&s);
	return rc;
}
