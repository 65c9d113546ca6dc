/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * consents.c - recording consent and answering whether it is given.
 *
 * Records are append-only: each names the purpose, the policy version in force, the time, the IP (sealed under
 * the subject's key) and the channel. The check is answered from the in-memory cache (cache.c) and never
 * decrypts anything; a new record invalidates the subject's entry after it commits, here and, through NOTIFY,
 * in every other process on the same PostgreSQL database. What a record does to its subject's status (a
 * revocation of processing, a grant of it again: core's privd_consent_effect) is decided again inside the write
 * job on the status as stored, and carried out there (revocation.c), so the record and the status commit together.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "service/service_int.h"

static bool source_ok(const char *s)
{
	static const char *const ok[] = {"api", "banner", "portal", "registration", "request"};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (strcmp(s, ok[i]) == 0)
			return true;
	return false;
}

/* Fills a check answer from a cached entry. */
static void answer(struct privd_service *svc, const struct privd_cache_entry *e, enum privd_purpose p,
                   struct privd_consent_check *out)
{
	struct privd_consent_state st;
	struct privd_consent_answer a;
	char current[64];
	const struct privd_cached_purpose *cp = &e->purpose[p];

	memset(&st.purpose[p], 0, sizeof(st.purpose[p]));
	st.status = (enum privd_subject_status)e->status;
	st.purpose[p].recorded = cp->recorded;
	st.purpose[p].granted = cp->granted;
	st.purpose[p].since_ms = cp->since_ms;
	privd_version_name(svc, cp->version, st.purpose[p].policy_version, sizeof(st.purpose[p].policy_version));
	privd_policy_current_version(svc, current, sizeof(current));
	privd_consent_state_answer(&st, p, current[0] ? current : NULL, &a);
	out->granted = a.granted;
	out->since = a.since_ms;
	snprintf(out->policy_version, sizeof(out->policy_version), "%s", a.policy_version ? a.policy_version : "");
	out->reconsent_required = a.reconsent_required;
}

enum privd_rc privd_service_consent_check(struct privd_service *svc, const char *subject_id, enum privd_purpose purpose,
                                          struct privd_consent_check *out)
{
	struct privd_cache_entry e;
	enum privd_rc rc;

	memset(out, 0, sizeof(*out));
	if ((unsigned)purpose >= PRIVD_PURPOSE_COUNT)
		return PRIVD_ERR_NOT_FOUND;
	rc = privd_cache_get(svc, subject_id, &e);
	if (rc != PRIVD_OK)
		return rc;
	answer(svc, &e, purpose, out);
	return e.status == PRIVD_SUBJECT_ERASED ? PRIVD_ERR_GONE : PRIVD_OK;
}

struct record_job {
	struct privd_service *svc;
	const struct privd_principal *who;
	enum privd_purpose purpose;
	struct privd_consent_row row;
};

static enum privd_rc record_data(struct privd_db *db, void *arg)
{
	struct record_job *j = arg;
	enum privd_consent_effect effect = PRIVD_CONSENT_EFFECT_NONE;
	enum privd_subject_status status;
	char detail[128];
	struct privd_jsonw w;
	enum privd_rc rc;

	/* the status as stored now decides, not the one read before the job was queued */
	rc = privd_repo_subject_status(db, j->row.subject_id, &status);
	if (rc == PRIVD_OK)
		rc = privd_consent_effect(status, j->purpose, j->row.granted, &effect, NULL);
	if (rc == PRIVD_OK)
		rc = privd_repo_consent_append(db, &j->row);
	if (rc != PRIVD_OK)
		return rc;
	privd_jsonw_init(&w, detail, sizeof(detail));
	privd_jsonw_str(&w, "purpose", j->row.purpose);
	privd_jsonw_bool(&w, "granted", j->row.granted);
	privd_jsonw_str(&w, "source", j->row.source);
	privd_jsonw_end(&w);
	rc = privd_audit_append(j->svc, db, j->who->actor, "consent.record", "subject", j->row.subject_id, detail);
	if (rc == PRIVD_OK && effect == PRIVD_CONSENT_EFFECT_REVOKE) /* received now: this call is the receipt */
		rc = privd_revocation_apply(j->svc, db, j->who->actor, &j->row, j->row.created_at, NULL);
	if (rc == PRIVD_OK && effect == PRIVD_CONSENT_EFFECT_RESTORE)
		rc = privd_revocation_cancel(j->svc, db, j->who->actor, j->row.subject_id, j->row.created_at);
	if (rc == PRIVD_OK)
		rc = privd_db_notify(db, PRIVD_CHAN_CONSENT, j->row.subject_id);
	return rc;
}

/* The refusal of a grant while consent to processing is revoked: 409 with the problem type "revoked". */
static enum privd_rc refuse_revoked(struct privd_err *err)
{
	privd_err_set(
	    err, PRIVD_ERR_CONFLICT,
	    "consent to processing was revoked: nothing else can be granted until processing is granted again");
	return privd_err_problem(err, PRIVD_ERR_CONFLICT, "revoked");
}

enum privd_rc privd_service_consent_validate(const char *purpose, const char *ip, const char *source,
                                             struct privd_err *err)
{
	char norm_ip[PRIVD_IP_MAX];
	const char *why = NULL;
	enum privd_purpose p;
	bool ok = true;

	if (purpose != NULL && privd_purpose_parse(purpose, &p) != PRIVD_OK) {
		privd_err_field(err, "purpose",
		                "must be one of processing, third_party_transfer, cookies.preferences, "
		                "cookies.analytics, cookies.marketing");
		ok = false;
	}
	if (ip != NULL && privd_validate_ip(ip, norm_ip, sizeof(norm_ip), &why) != PRIVD_OK) {
		privd_err_field(err, "ip", why);
		ok = false;
	}
	if (source != NULL && !source_ok(source)) {
		privd_err_field(err, "source", "must be one of api, banner, portal, registration, request");
		ok = false;
	}
	return ok ? PRIVD_OK : privd_err_set(err, PRIVD_ERR_INVALID, "the consent record is invalid");
}

enum privd_rc privd_service_consent_record(struct privd_service *svc, const struct privd_principal *who,
                                           const char *subject_id, const char *purpose, bool granted, const char *ip,
                                           const char *source, struct privd_consent_record *out, struct privd_err *err)
{
	struct record_job j;
	struct privd_write_job job = {.data = record_data, .arg = &j};
	struct privd_cache_entry e;
	enum privd_purpose p;
	enum privd_consent_effect effect;
	char norm_ip[PRIVD_IP_MAX] = "";
	const char *why = NULL;
	enum privd_rc rc;

	memset(&j, 0, sizeof(j));
	if (purpose == NULL)
		privd_err_field(err, "purpose", "is required");
	rc = privd_service_consent_validate(purpose, ip, source, err);
	if (rc != PRIVD_OK || purpose == NULL)
		return privd_err_set(err, PRIVD_ERR_INVALID, "the consent record is invalid");
	privd_purpose_parse(purpose, &p);
	if (ip != NULL)
		privd_validate_ip(ip, norm_ip, sizeof(norm_ip), &why);
	if (source == NULL)
		source = "api";
	rc = privd_subject_require(svc, subject_id, &e, err);
	if (rc != PRIVD_OK)
		return rc;
	if (privd_consent_effect((enum privd_subject_status)e.status, p, granted, &effect, NULL) == PRIVD_ERR_CONFLICT)
		return refuse_revoked(err);

	j.svc = svc;
	j.who = who;
	j.purpose = p;
	memcpy(j.row.subject_id, subject_id, 32);
	snprintf(j.row.purpose, sizeof(j.row.purpose), "%s", privd_purpose_name(p));
	j.row.granted = granted;
	privd_policy_current_version(svc, j.row.policy_version, sizeof(j.row.policy_version));
	snprintf(j.row.source, sizeof(j.row.source), "%s", source);
	j.row.created_at = privd_now_ms();
	if (norm_ip[0] != '\0') {
		const struct privd_vault_sealing sealing = privd_vault_text("consent.ip", norm_ip, &j.row.ip_ct);

		rc = privd_vault_seal(svc->vault, NULL, subject_id, &sealing, 1);
		if (rc == PRIVD_ERR_GONE)
			return privd_err_set(err, rc, "the subject's data was erased");
		if (rc != PRIVD_OK)
			return rc;
	}
	rc = privd_writer_run(svc->writer, &job);
	privd_blob_clear(&j.row.ip_ct);
	privd_cache_invalidate(svc, subject_id);
	if (rc == PRIVD_ERR_CONFLICT) /* revoked meanwhile */
		return refuse_revoked(err);
	if (rc == PRIVD_ERR_GONE)
		return privd_err_set(err, rc, "the subject's data was erased");
	if (rc != PRIVD_OK)
		return rc;
	memset(out, 0, sizeof(*out));
	out->seq = j.row.seq;
	memcpy(out->purpose, j.row.purpose, sizeof(out->purpose));
	out->granted = granted;
	memcpy(out->policy_version, j.row.policy_version, sizeof(out->policy_version));
	memcpy(out->ip, norm_ip, sizeof(out->ip));
	memcpy(out->source, j.row.source, sizeof(out->source));
	out->created_at = j.row.created_at;
	return PRIVD_OK;
}

struct history_ctx {
	struct privd_reader *r;
	const char *subject_id;
	const struct privd_vault_lent *key;
	int (*cb)(void *arg, const struct privd_consent_record *r);
	void *arg;
	enum privd_rc rc;
};

static int history_one(void *arg, const struct privd_consent_row *row)
{
	struct history_ctx *c = arg;
	struct privd_consent_record rec;
	const struct privd_vault_opening ip = {"consent.ip", &row->ip_ct, rec.ip, sizeof(rec.ip), NULL};
	int stop;

	memset(&rec, 0, sizeof(rec));
	rec.seq = row->seq;
	memcpy(rec.purpose, row->purpose, sizeof(rec.purpose));
	rec.granted = row->granted;
	memcpy(rec.policy_version, row->policy_version, sizeof(rec.policy_version));
	memcpy(rec.source, row->source, sizeof(rec.source));
	rec.created_at = row->created_at;
	c->rc = privd_vault_lent_open(c->key, &ip);
	stop = c->rc != PRIVD_OK ? 1 : c->cb(c->arg, &rec);
	sodium_memzero(&rec, sizeof(rec));
	return stop;
}

/* The walk over the history, with the subject's key lent for it. */
static enum privd_rc history_walk(const struct privd_vault_lent *key, void *arg)
{
	struct history_ctx *c = arg;
	enum privd_rc rc;

	c->key = key;
	rc = privd_repo_consent_list(c->r->db, c->subject_id, history_one, c);
	return rc == PRIVD_OK ? c->rc : rc;
}

enum privd_rc privd_service_consent_history(struct privd_service *svc, const struct privd_principal *who,
                                            const char *subject_id,
                                            struct privd_consent_check state[PRIVD_PURPOSE_COUNT],
                                            int (*cb)(void *arg, const struct privd_consent_record *r), void *arg,
                                            struct privd_err *err)
{
	struct privd_cache_entry e;
	struct history_ctx c = {.subject_id = subject_id, .cb = cb, .arg = arg, .rc = PRIVD_OK};
	enum privd_rc rc;

	rc = privd_subject_require(svc, subject_id, &e, err);
	if (rc != PRIVD_OK)
		return rc;
	for (size_t p = 0; p < PRIVD_PURPOSE_COUNT; p++)
		answer(svc, &e, (enum privd_purpose)p, &state[p]);
	/* The history discloses IPs: audit first, so no disclosure goes unrecorded. */
	rc = privd_audit_record(svc, who, "consent.read", "subject", subject_id, "{\"fields\":[\"ip\"]}");
	if (rc != PRIVD_OK)
		return rc;
	rc = privd_reader_get(svc, &c.r);
	if (rc != PRIVD_OK)
		return rc;
	rc = privd_vault_lend(svc->vault, c.r, subject_id, history_walk, &c);
	privd_reader_put(svc, c.r, rc == PRIVD_ERR_DB);
	return rc;
}
