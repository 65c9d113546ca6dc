/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * cookies.c - visitors' cookie choices: recorded from the banner, read back by it, and made a subject's own when
 * the visitor registers.
 *
 * A busy site records many choices, and each must be durable before it is acknowledged: so a choice is one write
 * job that the caller does not wait on (the HTTP layer suspends the connection), and many share one group commit.
 * The job appends the visitor's record (no address: a random visitor id, the categories, the policy version, the
 * Global Privacy Control signals) and looks the visitor up among those linked to a subject. A visitor becomes
 * linked when the app registers the person with its visitor_id: the visitor's choice then becomes the subject's
 * cookie consents (cookies.preferences, analytics, marketing, source "banner"), and every later choice from that
 * browser is recorded for the subject too. Reading a linked visitor's choice answers from the subject's consent
 * state, so a revocation made elsewhere (a revoke_cookies request, the consents API, a revocation of processing) is
 * what the banner sees on its next page load. An anonymous visitor's choice is not an audit entry (it holds nothing
 * about a person); one recorded for a subject is.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service/service_int.h"

/* The three categories that need consent, in the order of their purposes. */
static const enum privd_cookie_category optional[] = {PRIVD_COOKIE_PREFERENCES, PRIVD_COOKIE_ANALYTICS,
                                                      PRIVD_COOKIE_MARKETING};
#define NOPTIONAL (sizeof(optional) / sizeof(optional[0]))

/* Inside a write job: the choice c recorded for subject_id as consent records of its own (source "banner"), one
 * per category the subject's status lets it record (a grant while processing is revoked is left out), with one
 * audit entry. A subject not found or erased records nothing. */
static enum privd_rc record_for_subject(struct privd_service *svc, struct privd_db *db, const char *subject_id,
                                        const struct privd_cookie_choice *c)
{
	enum privd_subject_status status;
	enum privd_consent_effect effect;
	char detail[160];
	struct privd_jsonw w;
	enum privd_rc rc = privd_repo_subject_status(db, subject_id, &status);

	if (rc == PRIVD_ERR_NOT_FOUND || (rc == PRIVD_OK && status == PRIVD_SUBJECT_ERASED))
		return PRIVD_OK;
	privd_jsonw_init(&w, detail, sizeof(detail));
	privd_jsonw_str(&w, "source", "banner");
	privd_jsonw_object(&w, "cookies");
	for (size_t i = 0; rc == PRIVD_OK && i < NOPTIONAL; i++) {
		struct privd_consent_row row;
		enum privd_purpose p;

		privd_cookie_category_purpose(optional[i], &p);
		if (privd_consent_effect(status, p, c->granted[optional[i]], &effect, NULL) != PRIVD_OK)
			continue;
		memset(&row, 0, sizeof(row));
		memcpy(row.subject_id, subject_id, 32);
		snprintf(row.purpose, sizeof(row.purpose), "%s", privd_purpose_name(p));
		row.granted = c->granted[optional[i]];
		memcpy(row.policy_version, c->policy_version, sizeof(row.policy_version));
		snprintf(row.source, sizeof(row.source), "banner");
		row.created_at = c->at;
		rc = privd_repo_consent_append(db, &row);
		privd_jsonw_bool(&w, privd_cookie_category_name(optional[i]), row.granted);
	}
	privd_jsonw_close(&w);
	privd_jsonw_end(&w);
	if (rc == PRIVD_OK)
		rc = privd_audit_append(svc, db, "banner", "consent.record", "subject", subject_id, detail);
	if (rc == PRIVD_OK)
		rc = privd_db_notify(db, PRIVD_CHAN_CONSENT, subject_id);
	return rc;
}

/* ---- recording a choice ---- */

struct choice_job {
	struct privd_write_job job;
	struct privd_service *svc;
	struct privd_cookie_choice c;
	char subject_id[33]; /* the subject the visitor is linked to, found inside the job; "" when none */
	privd_cookie_done done;
	void *arg;
};

static enum privd_rc choice_data(struct privd_db *db, void *arg)
{
	struct choice_job *j = arg;
	enum privd_rc rc;

	j->subject_id[0] = '\0';
	rc = privd_repo_cookie_consent_append(db, &j->c, "banner");
	if (rc == PRIVD_OK)
		rc = privd_repo_cookie_visitor_subject(db, j->c.visitor_id, j->subject_id);
	if (rc == PRIVD_ERR_NOT_FOUND)
		return PRIVD_OK;
	if (rc == PRIVD_OK)
		rc = record_for_subject(j->svc, db, j->subject_id, &j->c);
	return rc;
}

static void choice_done(void *arg, enum privd_rc rc)
{
	struct choice_job *j = arg;
	struct privd_err err = {0};

	if (j->subject_id[0] != '\0')
		privd_cache_invalidate(j->svc, j->subject_id);
	if (rc != PRIVD_OK)
		privd_err_set(&err, rc, "the choice could not be stored");
	j->done(j->arg, rc, rc == PRIVD_OK ? &j->c : NULL, rc == PRIVD_OK ? NULL : &err);
	free(j);
}

/* What the banner sent, as the rules have it: a visitor id, the policy in force, necessary always on. */
static enum privd_rc choice_check(struct privd_service *svc, struct privd_cookie_choice *c, struct privd_err *err)
{
	char current[PRIVD_POLICY_VERSION_MAX];

	if (!privd_cookie_visitor_valid(c->visitor_id))
		privd_err_field(err, "visitor_id", "must be 32 lowercase hexadecimal characters");
	if (!privd_policy_current_version(svc, current, sizeof(current)))
		privd_err_field(err, "policy_version", "no policy is published yet");
	else if (strcmp(current, c->policy_version) != 0)
		privd_err_field(err, "policy_version", "must be the policy version in force (GET /v1/cookie-config)");
	if (err->nfields > 0)
		return privd_err_set(err, PRIVD_ERR_INVALID, "the cookie choice is invalid");
	c->granted[PRIVD_COOKIE_NECESSARY] = true;
	c->at = privd_now_ms();
	return PRIVD_OK;
}

void privd_service_cookie_consent_record_async(struct privd_service *svc, const struct privd_cookie_choice *c,
                                               privd_cookie_done done, void *arg)
{
	struct privd_err err = {0};
	struct choice_job *j = calloc(1, sizeof(*j));
	enum privd_rc rc;

	if (j == NULL) {
		done(arg, PRIVD_ERR_NOMEM, NULL, &err);
		return;
	}
	j->c = *c;
	rc = choice_check(svc, &j->c, &err);
	if (rc != PRIVD_OK) {
		free(j);
		done(arg, rc, NULL, &err);
		return;
	}
	j->svc = svc;
	j->done = done;
	j->arg = arg;
	j->job.data = choice_data;
	j->job.done = choice_done;
	j->job.arg = j;
	rc = privd_writer_submit(svc->writer, &j->job);
	if (rc != PRIVD_OK) {
		free(j);
		privd_err_set(&err, rc, "the service is shutting down");
		done(arg, rc, NULL, &err);
	}
}

/* ---- reading a choice back ---- */

/* A linked visitor's choice is its subject's consent state, where the subject has recorded any. */
static bool answer_from_subject(struct privd_service *svc, const char *subject_id, struct privd_cookie_choice *out)
{
	bool any = false;

	for (size_t i = 0; i < NOPTIONAL; i++) {
		struct privd_consent_check chk;
		enum privd_purpose p;

		privd_cookie_category_purpose(optional[i], &p);
		if (privd_service_consent_check(svc, subject_id, p, &chk) != PRIVD_OK || chk.since == 0)
			continue;
		out->granted[optional[i]] = chk.granted;
		if (chk.since >= out->at) {
			out->at = chk.since;
			memcpy(out->policy_version, chk.policy_version, sizeof(out->policy_version));
		}
		any = true;
	}
	return any;
}

enum privd_rc privd_service_cookie_consent_get(struct privd_service *svc, const char *visitor_id,
                                               struct privd_cookie_choice *out, struct privd_err *err)
{
	struct privd_reader *r = NULL;
	char subject_id[33] = "";
	enum privd_rc rc, linked;

	memset(out, 0, sizeof(*out));
	if (!privd_cookie_visitor_valid(visitor_id))
		return privd_err_set(err, PRIVD_ERR_NOT_FOUND, "no choice is recorded for this visitor");
	rc = privd_reader_get(svc, &r);
	if (rc != PRIVD_OK)
		return rc;
	rc = privd_repo_cookie_consent_latest(r->db, visitor_id, out);
	linked = rc == PRIVD_OK || rc == PRIVD_ERR_NOT_FOUND
	             ? privd_repo_cookie_visitor_subject(r->db, visitor_id, subject_id)
	             : PRIVD_ERR_NOT_FOUND;
	privd_reader_put(svc, r, rc == PRIVD_ERR_DB || linked == PRIVD_ERR_DB);
	if (linked == PRIVD_ERR_DB)
		rc = PRIVD_ERR_DB;
	if (rc != PRIVD_OK && rc != PRIVD_ERR_NOT_FOUND)
		return rc;
	snprintf(out->visitor_id, sizeof(out->visitor_id), "%s", visitor_id);
	out->granted[PRIVD_COOKIE_NECESSARY] = true;
	if (linked == PRIVD_OK && answer_from_subject(svc, subject_id, out))
		rc = PRIVD_OK;
	if (rc == PRIVD_ERR_NOT_FOUND)
		return privd_err_set(err, rc, "no choice is recorded for this visitor");
	return rc;
}

/* ---- registration ---- */

enum privd_rc privd_cookie_registration(struct privd_db *db, const char *visitor_id, const char *subject_id,
                                        struct privd_consent_row *rows, struct privd_consent_state *state)
{
	struct privd_cookie_choice c;
	enum privd_rc rc = privd_repo_cookie_consent_latest(db, visitor_id, &c);

	if (rc == PRIVD_OK) {
		for (size_t i = 0; i < NOPTIONAL; i++) {
			enum privd_purpose p;

			privd_cookie_category_purpose(optional[i], &p);
			rows[p].granted = c.granted[optional[i]];
			snprintf(rows[p].source, sizeof(rows[p].source), "banner");
			privd_consent_state_apply(state, p, rows[p].granted, rows[p].created_at,
			                          rows[p].policy_version);
		}
	}
	if (rc != PRIVD_OK && rc != PRIVD_ERR_NOT_FOUND)
		return rc;
	return privd_repo_cookie_visitor_link(db, visitor_id, subject_id, rows[0].created_at);
}
