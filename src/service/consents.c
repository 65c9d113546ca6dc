/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * consents.c - recording consent and answering whether it is given.
 *
 * Records are append-only: each names the purpose, the policy version in force, the time, the IP (sealed under
 * the subject's key), the channel, and for a grant of processing or third_party_transfer the consent text the
 * person was shown, with its SHA-256 (152-FZ Art. 9 as amended by 156-FZ). A grant carries its evidence or is
 * refused: the IP always, the text where the purpose has one, and only the text published now. The check is answered
 * from the in-memory cache (cache.c) and never decrypts anything; a new record invalidates the subject's entry after it
 * commits, here and, through NOTIFY, in every other process on the same PostgreSQL database. What a record does to its
 * subject's status (a revocation of processing, a grant of it again: core's privd_consent_effect) is decided again
 * inside the write job on the status as stored, and carried out there (revocation.c), so the record and the status
 * commit together.
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
	char current[64], text_now[PRIVD_TEXT_VERSION_MAX];
	const char *texts[PRIVD_LANG_COUNT] = {NULL};
	const struct privd_cached_purpose *cp = &e->purpose[p];

	memset(&st.purpose[p], 0, sizeof(st.purpose[p]));
	st.status = (enum privd_subject_status)e->status;
	st.purpose[p].recorded = cp->recorded;
	st.purpose[p].granted = cp->granted;
	st.purpose[p].since_ms = cp->since_ms;
	privd_version_name(svc, cp->version, st.purpose[p].policy_version, sizeof(st.purpose[p].policy_version));
	privd_version_name(svc, cp->text_version, st.purpose[p].text_version, sizeof(st.purpose[p].text_version));
	st.purpose[p].text_language = (enum privd_lang)cp->text_language;
	/* only a record that names a text is judged by the text current in its language */
	if (cp->text_version != 0 && cp->text_language < PRIVD_LANG_COUNT &&
	    privd_consent_text_current_version(svc, p, (enum privd_lang)cp->text_language, text_now, sizeof(text_now)))
		texts[cp->text_language] = text_now;
	privd_policy_current_version(svc, current, sizeof(current));
	privd_consent_state_answer(&st, p, current[0] ? current : NULL, texts, &a);
	out->granted = a.granted;
	out->since = a.since_ms;
	snprintf(out->policy_version, sizeof(out->policy_version), "%s", a.policy_version ? a.policy_version : "");
	snprintf(out->text_version, sizeof(out->text_version), "%s", a.text_version ? a.text_version : "");
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

/* A consent record on its way through the writer: made on the request's thread, run on the writer's, answered on its
 * answering thread. */
struct record_job {
	struct privd_write_job job;
	struct privd_service *svc;
	struct privd_principal who;
	enum privd_purpose purpose;
	enum privd_consent_effect effect; /* decided in the data part, on the status as stored */
	enum privd_subject_status seen;   /* the status as cached when the job was made: the data part's guess */
	struct privd_consent_row row;
	char ip[PRIVD_IP_MAX]; /* normalised, for the answer */
	privd_consent_done done;
	void *arg;
};

static enum privd_rc record_data(struct privd_db *db, void *arg)
{
	struct record_job *j = arg;
	enum privd_subject_status status;
	char detail[256];
	struct privd_jsonw w;
	enum privd_rc rc;

	/* the status as stored now decides, not the one read before the job was queued */
	j->effect = PRIVD_CONSENT_EFFECT_NONE;
	rc = privd_repo_subject_status_as(db, j->row.subject_id, j->seen, &status);
	if (rc == PRIVD_OK)
		rc = privd_consent_effect(status, j->purpose, j->row.granted, &j->effect, NULL);
	if (rc == PRIVD_OK)
		rc = privd_repo_consent_append_later(db, &j->row);
	if (rc != PRIVD_OK)
		return rc;
	privd_jsonw_init(&w, detail, sizeof(detail));
	privd_jsonw_str(&w, "purpose", j->row.purpose);
	privd_jsonw_bool(&w, "granted", j->row.granted);
	privd_jsonw_str(&w, "source", j->row.source);
	if (j->row.text_version[0] != '\0') {
		privd_jsonw_str(&w, "text_version", j->row.text_version);
		privd_jsonw_str(&w, "text_language", j->row.text_language);
	}
	privd_jsonw_end(&w);
	rc = privd_audit_append(j->svc, db, j->who.actor, "consent.record", "subject", j->row.subject_id, detail);
	if (rc == PRIVD_OK && j->effect == PRIVD_CONSENT_EFFECT_REVOKE) /* received now: this call is the receipt */
		rc = privd_revocation_apply(j->svc, db, j->who.actor, &j->row, j->row.created_at, NULL);
	if (rc == PRIVD_OK && j->effect == PRIVD_CONSENT_EFFECT_RESTORE)
		rc = privd_revocation_cancel(j->svc, db, j->who.actor, j->row.subject_id, j->row.created_at);
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

enum privd_rc privd_service_consent_validate(const struct privd_consent_input *in, struct privd_err *err)
{
	char norm_ip[PRIVD_IP_MAX];
	const char *why = NULL;
	enum privd_purpose p;
	bool ok = true;

	if (in->purpose != NULL && privd_purpose_parse(in->purpose, &p) != PRIVD_OK) {
		privd_err_field(err, "purpose",
		                "must be one of processing, third_party_transfer, cookies.preferences, "
		                "cookies.analytics, cookies.marketing");
		ok = false;
	}
	if (in->ip != NULL && privd_validate_ip(in->ip, norm_ip, sizeof(norm_ip), &why) != PRIVD_OK) {
		privd_err_field(err, "ip", why);
		ok = false;
	}
	if (in->source != NULL && !source_ok(in->source)) {
		privd_err_field(err, "source", "must be one of api, banner, portal, registration, request");
		ok = false;
	}
	if (in->text_version != NULL && !privd_version_ok(in->text_version)) {
		privd_err_field(err, "text_version", "must be 1 to 63 characters of letters, digits, '.', '_' or '-'");
		ok = false;
	}
	if (in->language != NULL && privd_lang_parse(in->language, NULL) != PRIVD_OK) {
		privd_err_field(err, "language", "must be ru or en");
		ok = false;
	}
	return ok ? PRIVD_OK : privd_err_set(err, PRIVD_ERR_INVALID, "the consent record is invalid");
}

/* The evidence a grant carries (an ip; the current consent text where the purpose has one) into the row: the
 * text's version, language and SHA-256. PRIVD_ERR_INVALID naming the field, or PRIVD_ERR_CONFLICT with the problem
 * reconsent-required naming text_version. */
static enum privd_rc grant_evidence(struct privd_service *svc, enum privd_purpose p,
                                    const struct privd_consent_input *in, struct privd_consent_row *row,
                                    struct privd_err *err)
{
	struct privd_texts_now now;
	enum privd_lang lang = PRIVD_LANG_DEFAULT;
	enum privd_text_verdict verdict;
	const char *name = privd_purpose_name(p), *current, *why = NULL;
	char buf[160];
	bool bad = false;

	if (in->language != NULL)
		privd_lang_parse(in->language, &lang);
	privd_consent_texts_now(svc, &now);
	current = now.names.current[p][lang];
	if (in->granted && in->ip == NULL) {
		privd_err_field(err, "ip", "is required with a grant: where the consent was given");
		bad = true;
	}
	verdict = privd_consent_text_verdict(p, in->granted, in->text_version, current);
	if (verdict == PRIVD_TEXT_MISSING) {
		snprintf(buf, sizeof(buf), "is required with a grant of %s: the version of the consent text shown",
		         name);
		why = buf;
	} else if (verdict == PRIVD_TEXT_NOT_APPLICABLE) {
		why = "cookie categories have no consent text: the banner carries theirs";
	} else if (verdict == PRIVD_TEXT_UNPUBLISHED) {
		snprintf(buf, sizeof(buf), "no %s consent text is published in %s", name, privd_lang_name(lang));
		why = buf;
	}
	if (why != NULL) {
		privd_err_field(err, "text_version", why);
		bad = true;
	}
	if (bad) /* what is invalid is said before what is out of date */
		return privd_err_set(err, PRIVD_ERR_INVALID, "the consent record is invalid");
	if (verdict == PRIVD_TEXT_STALE) {
		snprintf(buf, sizeof(buf),
		         "is not the current %s consent text in %s, version %s: show that and ask again", name,
		         privd_lang_name(lang), current);
		privd_err_field(err, "text_version", buf);
		privd_err_set(err, PRIVD_ERR_CONFLICT,
		              "the consent text named is not the current one: show the current text and ask again");
		return privd_err_problem(err, PRIVD_ERR_CONFLICT, PRIVD_PROBLEM_RECONSENT);
	}
	if (in->granted && privd_purpose_has_text(p)) {
		snprintf(row->text_version, sizeof(row->text_version), "%s", in->text_version);
		snprintf(row->text_language, sizeof(row->text_language), "%s", privd_lang_name(lang));
		memcpy(row->text_sha256, now.sha256[p][lang], sizeof(row->text_sha256));
	}
	return PRIVD_OK;
}

/* Everything up to the write, on the caller's thread: the record's form and evidence, the subject as cached, and the
 * IP sealed under the subject's key. On failure j is the caller's to free. */
static enum privd_rc record_prepare(struct privd_service *svc, const char *subject_id,
                                    const struct privd_consent_input *in, struct record_job *j, struct privd_err *err)
{
	struct privd_cache_entry e;
	enum privd_consent_effect effect;
	const char *why = NULL;
	enum privd_rc rc;

	if (in->purpose == NULL)
		privd_err_field(err, "purpose", "is required");
	rc = privd_service_consent_validate(in, err);
	if (rc != PRIVD_OK || in->purpose == NULL)
		return privd_err_set(err, PRIVD_ERR_INVALID, "the consent record is invalid");
	privd_purpose_parse(in->purpose, &j->purpose);
	rc = grant_evidence(svc, j->purpose, in, &j->row, err);
	if (rc != PRIVD_OK)
		return rc;
	if (in->ip != NULL)
		privd_validate_ip(in->ip, j->ip, sizeof(j->ip), &why);
	rc = privd_subject_require(svc, subject_id, &e, err);
	if (rc != PRIVD_OK)
		return rc;
	if (privd_consent_effect((enum privd_subject_status)e.status, j->purpose, in->granted, &effect, NULL) ==
	    PRIVD_ERR_CONFLICT)
		return refuse_revoked(err);
	j->seen = (enum privd_subject_status)e.status;
	memcpy(j->row.subject_id, subject_id, 32);
	snprintf(j->row.purpose, sizeof(j->row.purpose), "%s", privd_purpose_name(j->purpose));
	j->row.granted = in->granted;
	privd_policy_current_version(svc, j->row.policy_version, sizeof(j->row.policy_version));
	snprintf(j->row.source, sizeof(j->row.source), "%s", in->source != NULL ? in->source : "api");
	j->row.created_at = privd_now_ms();
	if (j->ip[0] != '\0') {
		const struct privd_vault_sealing sealing = privd_vault_text("consent.ip", j->ip, &j->row.ip_ct);

		rc = privd_vault_seal(svc->vault, NULL, subject_id, &sealing, 1);
		if (rc == PRIVD_ERR_GONE)
			return privd_err_set(err, rc, "the subject's data was erased");
	}
	return rc;
}

static void record_job_free(struct record_job *j)
{
	privd_blob_clear(&j->row.ip_ct);
	sodium_memzero(j, sizeof(*j));
	free(j);
}

/* The record as answered. */
static void record_answer(const struct record_job *j, struct privd_consent_record *out)
{
	memset(out, 0, sizeof(*out));
	out->seq = j->row.seq;
	memcpy(out->purpose, j->row.purpose, sizeof(out->purpose));
	out->granted = j->row.granted;
	memcpy(out->policy_version, j->row.policy_version, sizeof(out->policy_version));
	memcpy(out->ip, j->ip, sizeof(out->ip));
	memcpy(out->source, j->row.source, sizeof(out->source));
	out->created_at = j->row.created_at;
	memcpy(out->text_version, j->row.text_version, sizeof(out->text_version));
	memcpy(out->text_language, j->row.text_language, sizeof(out->text_language));
	memcpy(out->text_sha256, j->row.text_sha256, sizeof(out->text_sha256));
}

/* On the writer's answering thread, once the record's fate is durable. A record that changed no status is applied to
 * the subject's cached state (by its seq: a state read after it committed already has it); one that did is dropped from
 * the cache, to be read again whole. */
static void record_done(void *arg, enum privd_rc rc)
{
	struct record_job *j = arg;
	struct privd_consent_record rec;
	struct privd_err err;
	const struct privd_consent_event ev = {
	    j->row.purpose,      j->row.granted,       j->row.created_at, j->row.policy_version,
	    j->row.text_version, j->row.text_language, j->row.seq};

	memset(&err, 0, sizeof(err));
	if (rc == PRIVD_OK && j->effect == PRIVD_CONSENT_EFFECT_NONE)
		privd_cache_apply(j->svc, j->row.subject_id, &ev);
	else
		privd_cache_invalidate(j->svc, j->row.subject_id);
	if (rc == PRIVD_ERR_CONFLICT) /* revoked meanwhile */
		rc = refuse_revoked(&err);
	else if (rc == PRIVD_ERR_GONE)
		privd_err_set(&err, rc, "the subject's data was erased");
	if (rc == PRIVD_OK)
		record_answer(j, &rec);
	j->done(j->arg, rc, rc == PRIVD_OK ? &rec : NULL, &err);
	if (rc == PRIVD_OK)
		sodium_memzero(&rec, sizeof(rec));
	record_job_free(j);
}

void privd_service_consent_record_async(struct privd_service *svc, const struct privd_principal *who,
                                        const char *subject_id, const struct privd_consent_input *in,
                                        privd_consent_done done, void *arg)
{
	struct privd_err err;
	struct record_job *j = calloc(1, sizeof(*j));
	enum privd_rc rc;

	memset(&err, 0, sizeof(err));
	if (j == NULL) {
		done(arg, PRIVD_ERR_NOMEM, NULL, &err);
		return;
	}
	rc = record_prepare(svc, subject_id, in, j, &err);
	if (rc == PRIVD_OK) {
		j->svc = svc;
		j->who = *who;
		j->done = done;
		j->arg = arg;
		j->job.data = record_data;
		j->job.done = record_done;
		j->job.arg = j;
		rc = privd_writer_submit(svc->writer, &j->job);
		if (rc == PRIVD_OK)
			return; /* record_done answers */
		privd_err_set(&err, rc, "the service is shutting down");
	}
	record_job_free(j);
	done(arg, rc, NULL, &err);
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
	memcpy(rec.text_version, row->text_version, sizeof(rec.text_version));
	memcpy(rec.text_language, row->text_language, sizeof(rec.text_language));
	memcpy(rec.text_sha256, row->text_sha256, sizeof(rec.text_sha256));
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
