/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * subjects.c - registering data subjects, reading, correcting and finding them.
 *
 * The rules a profile meets (required fields, policy version, consent to processing with the consent texts it
 * names, the age rules, what a correction may not do) are core/subject.c's; this file orchestrates: parse, rules,
 * crypto, write job. Registration is the write-bound path: validation, the age rules and all the crypto (one fresh data
 * key from the vault, wrapped by the master key, every field sealed under it; two blind indexes) run on the caller's
 * thread, and only the SQL goes to the writer, where many registrations share one group commit. The key goes to the
 * keystore in the keystore's transaction, which commits before the data's. Nothing about a person refused by the age
 * rules is stored or logged. Plain text exists only in the structs handed in and out, zeroed when done.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/log.h"
#include "core/str.h"
#include "core/subject.h"
#include "service/service_int.h"

enum privd_rc privd_subject_alive(struct privd_db *db, const char *subject_id)
{
	enum privd_subject_status status;
	enum privd_rc rc = privd_repo_subject_status(db, subject_id, &status);

	if (rc == PRIVD_OK && status == PRIVD_SUBJECT_ERASED)
		rc = PRIVD_ERR_GONE;
	return rc;
}

void privd_subject_clear(struct privd_subject *s)
{
	if (s != NULL)
		sodium_memzero(s, sizeof(*s));
}

/* The profile part of a subject, in and out of the form the rules check (core/subject.h). */
static void subject_profile(const struct privd_subject *s, struct privd_profile *p)
{
	memcpy(p->name, s->name, sizeof(p->name));
	memcpy(p->email, s->email, sizeof(p->email));
	memcpy(p->phone, s->phone, sizeof(p->phone));
	memcpy(p->ip, s->ip, sizeof(p->ip));
	memcpy(p->birth_date, s->birth_date, sizeof(p->birth_date));
	memcpy(p->residence_country, s->residence_country, sizeof(p->residence_country));
	memcpy(p->language, s->language, sizeof(p->language));
}

static void subject_set_profile(struct privd_subject *s, const struct privd_profile *p)
{
	memcpy(s->name, p->name, sizeof(s->name));
	memcpy(s->email, p->email, sizeof(s->email));
	memcpy(s->phone, p->phone, sizeof(s->phone));
	memcpy(s->ip, p->ip, sizeof(s->ip));
	memcpy(s->birth_date, p->birth_date, sizeof(s->birth_date));
	memcpy(s->residence_country, p->residence_country, sizeof(s->residence_country));
	memcpy(s->language, p->language, sizeof(s->language));
}

/* ---- sealing ---- */

#define SUBJECT_FIELDS 5

/* Lays out the PII fields of s for sealing into row (the vault seals them), and computes the blind indexes. */
static void subject_fields(struct privd_service *svc, const struct privd_subject *s, struct privd_subject_row *row,
                           struct privd_vault_sealing f[SUBJECT_FIELDS])
{
	f[0] = privd_vault_text("name", s->name, &row->name_ct);
	f[1] = privd_vault_text("email", s->email, &row->email_ct);
	f[2] = privd_vault_text("phone", s->phone, &row->phone_ct);
	f[3] = privd_vault_text("ip", s->ip, &row->ip_ct);
	f[4] = privd_vault_text("birth_date", s->birth_date, &row->birth_date_ct);
	row->email_bidx[0] = '\0';
	row->phone_bidx[0] = '\0';
	if (s->email[0] != '\0')
		privd_blind_index(svc->kr, "email", s->email, row->email_bidx);
	if (s->phone[0] != '\0')
		privd_blind_index(svc->kr, "phone", s->phone, row->phone_bidx);
}

static enum privd_rc open_subject(struct privd_service *svc, struct privd_reader *r,
                                  const struct privd_subject_row *row, struct privd_subject *s)
{
	const struct privd_vault_opening f[SUBJECT_FIELDS] = {
	    {"name", &row->name_ct, s->name, sizeof(s->name), NULL},
	    {"email", &row->email_ct, s->email, sizeof(s->email), NULL},
	    {"phone", &row->phone_ct, s->phone, sizeof(s->phone), NULL},
	    {"ip", &row->ip_ct, s->ip, sizeof(s->ip), NULL},
	    {"birth_date", &row->birth_date_ct, s->birth_date, sizeof(s->birth_date), NULL}};

	memset(s, 0, sizeof(*s));
	memcpy(s->id, row->id, sizeof(s->id));
	s->status = row->status;
	memcpy(s->residence_country, row->residence_country, sizeof(s->residence_country));
	memcpy(s->language, row->language, sizeof(s->language));
	memcpy(s->policy_version, row->policy_version, sizeof(s->policy_version));
	s->created_at = row->created_at;
	s->updated_at = row->updated_at;
	s->erase_after = row->erase_after;
	return privd_vault_open(svc->vault, r, row->id, f, SUBJECT_FIELDS);
}

/* ---- registration ---- */

#define REG_CONSENTS PRIVD_PURPOSE_COUNT

struct reg_job {
	struct privd_write_job job;
	struct privd_service *svc;
	struct privd_principal who;
	struct privd_subject subject;
	struct privd_subject_row row;
	struct privd_consent_row consents[REG_CONSENTS];
	struct privd_consent_state state;
	struct privd_wrapped_key key;
	const char *conflict_field;
	bool reserved;            /* key is the reserve's, already in the keystore (reserve.c): no keystore part */
	bool localisation_warned; /* taken against 152-FZ Art. 18 p.5, as [law] ru_localisation = warn says */
	char visitor_id[33];      /* the cookie banner's visitor registering; "" when none */
	privd_register_done done;
	void *arg;
};

static void reg_job_free(struct reg_job *j)
{
	if (j == NULL)
		return;
	privd_subject_row_clear(&j->row);
	for (size_t i = 0; i < REG_CONSENTS; i++)
		privd_blob_clear(&j->consents[i].ip_ct);
	sodium_memzero(j, sizeof(*j));
	free(j);
}

static enum privd_rc reg_ks(struct privd_db *ks, void *arg)
{
	struct reg_job *j = arg;

	return privd_vault_store(ks, &j->key);
}

static enum privd_rc reg_ks_undo(struct privd_db *ks, void *arg)
{
	struct reg_job *j = arg;

	return privd_vault_destroy(j->svc->vault, ks, j->subject.id);
}

static enum privd_rc reg_data(struct privd_db *db, void *arg)
{
	struct reg_job *j = arg;
	const char *fields[5];
	char detail[512];
	struct privd_jsonw w;
	enum privd_rc rc;
	size_t n = 0;

	/* the visitor's choice, read inside the transaction, so a choice committed just before counts */
	if (j->visitor_id[0] != '\0')
		rc = privd_cookie_registration(db, j->visitor_id, j->subject.id, j->consents, &j->state);
	else
		rc = PRIVD_OK;
	if (rc == PRIVD_OK)
		rc = privd_repo_subject_insert(db, &j->row, &j->conflict_field);
	if (rc == PRIVD_OK)
		rc = privd_repo_consent_append_all(db, j->consents, REG_CONSENTS);
	if (rc != PRIVD_OK)
		return rc;
	fields[n++] = "name";
	if (j->subject.email[0])
		fields[n++] = "email";
	if (j->subject.phone[0])
		fields[n++] = "phone";
	fields[n++] = "ip";
	fields[n++] = "birth_date";
	privd_jsonw_init(&w, detail, sizeof(detail));
	privd_jsonw_str(&w, "status", privd_subject_status_name(j->row.status));
	privd_jsonw_strs(&w, "fields", fields, n);
	privd_jsonw_object(&w, "consents");
	for (size_t i = 0; i < REG_CONSENTS; i++)
		privd_jsonw_bool(&w, j->consents[i].purpose, j->consents[i].granted);
	privd_jsonw_close(&w);
	privd_jsonw_object(&w, "texts");
	for (size_t i = 0; i < REG_CONSENTS; i++)
		if (j->consents[i].text_version[0] != '\0')
			privd_jsonw_str(&w, j->consents[i].purpose, j->consents[i].text_version);
	privd_jsonw_close(&w);
	privd_jsonw_str(&w, "language", j->consents[PRIVD_PURPOSE_PROCESSING].text_language);
	if (j->visitor_id[0] != '\0')
		privd_jsonw_bool(&w, "cookie_visitor_linked", true);
	privd_jsonw_end(&w);
	return privd_audit_append(j->svc, db, j->who.actor, "subject.create", "subject", j->subject.id, detail);
}

static void reg_done(void *arg, enum privd_rc rc)
{
	struct reg_job *j = arg;
	struct privd_err err;

	memset(&err, 0, sizeof(err));
	privd_reserve_leave(j->svc);
	/* refused by its own part (a 409, a 410: rolled back to its savepoint), nothing stored under the reserve's key;
	 * PRIVD_ERR_DB is the writer's, whose transaction may have committed (a failed COMMIT): that key is left */
	if (j->reserved && rc != PRIVD_OK && rc != PRIVD_ERR_DB)
		privd_reserve_unused(j->svc, j->subject.id);
	if (rc == PRIVD_OK) {
		privd_cache_put_state(j->svc, j->subject.id, &j->state);
		atomic_fetch_add_explicit(&j->svc->registered, 1, memory_order_relaxed);
		if (j->localisation_warned)
			privd_localisation_warned(j->svc, "subject.create");
		j->done(j->arg, rc, &j->subject, NULL);
	} else {
		if (rc == PRIVD_ERR_CONFLICT) {
			const char *f = j->conflict_field ? j->conflict_field : "email";

			privd_err_field(&err, f, "is already registered");
			privd_err_set(&err, rc, "the %s is already registered", f);
		} else {
			privd_err_set(&err, rc, "registration could not be stored");
		}
		j->done(j->arg, rc, NULL, &err);
	}
	reg_job_free(j);
}

/* The crypto of a registration the rules let in: a fresh data key, wrapped; every field and the consent records'
 * ip sealed under it; the consent state the cache starts from. */
static enum privd_rc reg_seal(struct privd_service *svc, const struct privd_registration *reg,
                              const struct privd_registration_outcome *o, const struct privd_texts_now *texts,
                              struct reg_job *j)
{
	struct privd_subject *s = &j->subject;
	struct privd_vault_sealing f[SUBJECT_FIELDS + 1];
	enum privd_rc rc;

	memcpy(j->row.id, s->id, sizeof(j->row.id));
	j->row.status = s->status;
	memcpy(j->row.residence_country, s->residence_country, sizeof(j->row.residence_country));
	memcpy(j->row.language, s->language, sizeof(j->row.language));
	memcpy(j->row.policy_version, s->policy_version, sizeof(j->row.policy_version));
	j->row.created_at = j->row.updated_at = s->created_at;
	subject_fields(svc, s, &j->row, f);
	privd_consent_state_init(&j->state, o->status);
	for (size_t p = 0; p < PRIVD_PURPOSE_COUNT; p++) {
		struct privd_consent_row *cr = &j->consents[p];
		struct privd_consent_event ev;

		memcpy(cr->subject_id, s->id, sizeof(cr->subject_id));
		privd_str_copy(cr->purpose, sizeof(cr->purpose), privd_purpose_name((enum privd_purpose)p));
		cr->granted = o->granted[p];
		memcpy(cr->policy_version, s->policy_version, sizeof(cr->policy_version));
		privd_str_copy(cr->source, sizeof(cr->source), reg->source ? reg->source : "registration");
		cr->created_at = s->created_at;
		if (o->text_version[p][0] != '\0') { /* the text shown: its version, language and SHA-256 */
			memcpy(cr->text_version, o->text_version[p], sizeof(cr->text_version));
			privd_str_copy(cr->text_language, sizeof(cr->text_language), privd_lang_name(o->language));
			memcpy(cr->text_sha256, texts->sha256[p][o->language], sizeof(cr->text_sha256));
		}
		ev = (struct privd_consent_event){cr->purpose,
		                                  cr->granted,
		                                  cr->created_at,
		                                  cr->policy_version,
		                                  cr->text_version,
		                                  cr->text_language,
		                                  0 /* not appended yet */};
		privd_consent_state_apply_event(&j->state, &ev);
	}
	/* The address every consent record of the registration keeps is the same text under the same key and the same
	 * associated data (subject id, "consent.ip"): sealed once, the ciphertext shared by the five records. */
	f[SUBJECT_FIELDS] = privd_vault_text("consent.ip", s->ip, &j->consents[0].ip_ct);
	/* one key for all the fields: the reserve's, or a fresh one */
	if (j->reserved)
		rc = privd_vault_seal_with(svc->vault, &j->key, f, SUBJECT_FIELDS + 1);
	else
		rc = privd_vault_create(svc->vault, s->id, s->created_at, f, SUBJECT_FIELDS + 1, &j->key);
	for (size_t p = 1; rc == PRIVD_OK && p < REG_CONSENTS; p++)
		rc = privd_blob_copy(&j->consents[p].ip_ct, &j->consents[0].ip_ct);
	return rc;
}

/* Everything up to the write: the registration rules (core/subject.h), then the crypto. On failure j is not
 * needed. */
static enum privd_rc reg_prepare(struct privd_service *svc, const struct privd_registration *reg, struct reg_job *j,
                                 struct privd_err *err)
{
	struct privd_registration_input in = {
	    .profile = {reg->name, reg->email, reg->phone, reg->ip, reg->birth_date, reg->residence_country,
	                reg->notice_language},
	    .policy_version = reg->policy_version,
	    .processing = reg->processing,
	    .third_party_transfer = reg->third_party_transfer,
	    .cookies = {reg->cookies[0], reg->cookies[1], reg->cookies[2]},
	    .language = reg->language,
	};
	struct privd_registration_outcome o;
	struct privd_texts_now texts;
	struct privd_subject *s = &j->subject;
	char current[PRIVD_POLICY_VERSION_MAX];
	struct privd_date today;
	enum privd_rc rc;
	bool published;
	int64_t now = privd_now_ms();

	memcpy(in.texts, reg->texts, sizeof(in.texts));
	published = privd_policy_current_version(svc, current, sizeof(current));
	privd_consent_texts_now(svc, &texts);
	privd_age_today(now, &today); /* an age is never overstated: the date in UTC-12 */
	rc = privd_registration_check(&in, published ? current : NULL, &texts.names, &svc->age, &today, &o, err);
	if (rc == PRIVD_OK)
		rc = privd_localisation_apply(svc, o.profile.residence_country, &j->localisation_warned, err);
	if (reg->visitor_id != NULL && !privd_cookie_visitor_valid(reg->visitor_id)) {
		privd_err_field(err, "visitor_id",
		                "must be the banner's visitor id: 32 lowercase hexadecimal characters");
		rc = rc == PRIVD_ERR_FORBIDDEN ? rc
		                               : privd_err_set(err, PRIVD_ERR_INVALID, "the registration is invalid");
	}
	if (rc == PRIVD_OK && reg->visitor_id != NULL)
		memcpy(j->visitor_id, reg->visitor_id, sizeof(j->visitor_id));
	if (rc == PRIVD_OK) {
		subject_set_profile(s, &o.profile);
		j->reserved = privd_reserve_take(svc, now, &j->key);
		if (j->reserved)
			privd_str_copy(s->id, sizeof(s->id), j->key.id);
		else
			privd_time_id(now, s->id);
		s->status = o.status;
		privd_str_copy(s->policy_version, sizeof(s->policy_version), current);
		s->created_at = s->updated_at = now;
		rc = reg_seal(svc, reg, &o, &texts, j);
	}
	sodium_memzero(&o, sizeof(o));
	return rc;
}

/* A registration that never reached the writer: the reserve's key it took is unused. */
static void reg_unsent(struct privd_service *svc, struct reg_job *j)
{
	if (j->reserved)
		privd_reserve_unused(svc, j->key.id);
	privd_reserve_leave(svc);
	reg_job_free(j);
}

void privd_service_subject_register_async(struct privd_service *svc, const struct privd_principal *who,
                                          const struct privd_registration *reg, privd_register_done done, void *arg)
{
	struct privd_err err;
	struct reg_job *j;
	enum privd_rc rc;

	memset(&err, 0, sizeof(err));
	j = calloc(1, sizeof(*j));
	if (j == NULL) {
		done(arg, PRIVD_ERR_NOMEM, NULL, &err);
		return;
	}
	privd_reserve_enter(svc);
	rc = reg_prepare(svc, reg, j, &err);
	if (rc != PRIVD_OK) {
		reg_unsent(svc, j);
		done(arg, rc, NULL, &err);
		return;
	}
	j->svc = svc;
	j->who = *who;
	j->done = done;
	j->arg = arg;
	j->job.ks = j->reserved ? NULL : reg_ks;
	j->job.data = reg_data;
	j->job.ks_undo = j->reserved ? NULL : reg_ks_undo;
	j->job.done = reg_done;
	j->job.arg = j;
	rc = privd_writer_submit(svc->writer, &j->job);
	if (rc != PRIVD_OK) {
		reg_unsent(svc, j);
		privd_err_set(&err, rc, "the service is shutting down");
		done(arg, rc, NULL, &err);
	}
}

struct reg_wait {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool finished;
	enum privd_rc rc;
	struct privd_subject *out;
	struct privd_err *err;
};

static void reg_wait_done(void *arg, enum privd_rc rc, const struct privd_subject *s, const struct privd_err *e)
{
	struct reg_wait *w = arg;

	pthread_mutex_lock(&w->lock);
	w->rc = rc;
	if (s != NULL && w->out != NULL)
		*w->out = *s;
	if (e != NULL && w->err != NULL)
		*w->err = *e;
	w->finished = true;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

enum privd_rc privd_service_subject_register(struct privd_service *svc, const struct privd_principal *who,
                                             const struct privd_registration *reg, struct privd_subject *out,
                                             struct privd_err *err)
{
	struct reg_wait w = {.out = out, .err = err};

	pthread_mutex_init(&w.lock, NULL);
	pthread_cond_init(&w.cond, NULL);
	privd_service_subject_register_async(svc, who, reg, reg_wait_done, &w);
	pthread_mutex_lock(&w.lock);
	while (!w.finished)
		pthread_cond_wait(&w.cond, &w.lock);
	pthread_mutex_unlock(&w.lock);
	pthread_cond_destroy(&w.cond);
	pthread_mutex_destroy(&w.lock);
	return w.rc;
}

/* ---- reading ---- */

enum privd_rc privd_subject_load(struct privd_service *svc, const char *id, struct privd_subject *out,
                                 struct privd_subject_row *row_out)
{
	struct privd_subject_row row;
	struct privd_reader *r = NULL;
	enum privd_rc rc;

	memset(&row, 0, sizeof(row));
	if (id == NULL || strlen(id) != 32)
		return PRIVD_ERR_NOT_FOUND;
	rc = privd_reader_get(svc, &r);
	if (rc != PRIVD_OK)
		return rc;
	rc = privd_repo_subject_get(r->db, id, &row);
	if (rc == PRIVD_OK && row.status == PRIVD_SUBJECT_ERASED)
		rc = PRIVD_ERR_GONE;
	if (rc == PRIVD_OK)
		rc = open_subject(svc, r, &row, out);
	privd_reader_put(svc, r, rc == PRIVD_ERR_DB);
	if (rc == PRIVD_OK && row_out != NULL)
		*row_out = row;
	else
		privd_subject_row_clear(&row);
	if (rc != PRIVD_OK)
		privd_subject_clear(out);
	return rc;
}

enum privd_rc privd_service_subject_get(struct privd_service *svc, const struct privd_principal *who, const char *id,
                                        struct privd_subject *out, struct privd_err *err)
{
	enum privd_rc rc;

	rc = privd_subject_load(svc, id, out, NULL);
	if (rc == PRIVD_ERR_NOT_FOUND)
		return privd_err_set(err, rc, "no subject has that id");
	if (rc == PRIVD_ERR_GONE)
		return privd_err_set(err, rc, "the subject's data was erased");
	if (rc != PRIVD_OK)
		return rc;
	/* No disclosure without its audit entry. */
	rc = privd_audit_record(svc, who, "subject.read", "subject", id,
	                        "{\"fields\":[\"name\",\"email\",\"phone\",\"ip\",\"birth_date\"]}");
	if (rc != PRIVD_OK)
		privd_subject_clear(out);
	return rc;
}

/* ---- PATCH ---- */

/* The audit detail of a correction: which fields it gave, never their values. */
static void update_detail(const struct privd_subject_patch *patch, char detail[256])
{
	static const char *const names[] = {"name",    "email", "phone", "ip", "birth_date", "residence_country",
	                                    "language"};
	const char *given[7] = {patch->name,    patch->email,      patch->phone,
	                        patch->ip,      patch->birth_date, patch->residence_country,
	                        patch->language};
	const char *changed[7];
	struct privd_jsonw w;
	size_t n = 0;

	for (size_t i = 0; i < 7; i++)
		if (given[i] != NULL)
			changed[n++] = names[i];
	privd_jsonw_init(&w, detail, 256);
	privd_jsonw_strs(&w, "fields", changed, n);
	privd_jsonw_str(&w, "returned", "profile");
	privd_jsonw_end(&w);
}

/* Seals the corrected profile s (its updated_at set to now) into row under the subject's key. */
static enum privd_rc update_seal(struct privd_service *svc, struct privd_subject *s, struct privd_subject_row *row)
{
	struct privd_vault_sealing f[SUBJECT_FIELDS];

	memcpy(row->id, s->id, sizeof(row->id));
	row->status = s->status;
	memcpy(row->residence_country, s->residence_country, sizeof(row->residence_country));
	memcpy(row->language, s->language, sizeof(row->language));
	memcpy(row->policy_version, s->policy_version, sizeof(row->policy_version));
	row->created_at = s->created_at;
	row->updated_at = s->updated_at = privd_now_ms();
	subject_fields(svc, s, row, f);
	return privd_vault_seal(svc->vault, NULL, s->id, f, SUBJECT_FIELDS);
}

enum privd_rc privd_subject_prepare_update(struct privd_service *svc, const char *id,
                                           const struct privd_subject_patch *patch, struct privd_subject_row *row,
                                           int64_t *expect_updated_at, char detail[256], struct privd_subject *out,
                                           struct privd_err *err)
{
	const struct privd_profile_input given = {patch->name,    patch->email,      patch->phone,
	                                          patch->ip,      patch->birth_date, patch->residence_country,
	                                          patch->language};
	struct privd_profile before, after;
	struct privd_subject cur;
	struct privd_date today;
	enum privd_rc rc;

	memset(row, 0, sizeof(*row));
	memset(&before, 0, sizeof(before));
	memset(&after, 0, sizeof(after));
	rc = privd_subject_load(svc, id, &cur, NULL);
	if (rc == PRIVD_ERR_NOT_FOUND)
		return privd_err_set(err, rc, "no subject has that id");
	if (rc == PRIVD_ERR_GONE)
		return privd_err_set(err, rc, "the subject's data was erased");
	if (rc != PRIVD_OK)
		return rc;
	if (cur.status == PRIVD_SUBJECT_REVOKED) {
		privd_subject_clear(&cur);
		privd_err_set(err, PRIVD_ERR_CONFLICT,
		              "consent to processing was revoked: the data is kept only until its destruction");
		return privd_err_problem(err, PRIVD_ERR_CONFLICT, "revoked");
	}
	*expect_updated_at = cur.updated_at;
	subject_profile(&cur, &before);
	privd_age_today(privd_now_ms(), &today);
	rc = privd_correction_check(&before, cur.status, &given, &svc->age, &today, &after, err);
	if (rc == PRIVD_OK && patch->residence_country != NULL)
		rc = privd_localisation_apply(svc, after.residence_country, NULL, err);
	if (rc == PRIVD_OK) {
		subject_set_profile(&cur, &after);
		update_detail(patch, detail);
		rc = update_seal(svc, &cur, row);
	}
	if (rc == PRIVD_OK && out != NULL)
		*out = cur;
	if (rc != PRIVD_OK)
		privd_subject_row_clear(row);
	privd_subject_clear(&cur);
	sodium_memzero(&before, sizeof(before));
	sodium_memzero(&after, sizeof(after));
	return rc;
}

struct update_job {
	struct privd_service *svc;
	const struct privd_principal *who;
	struct privd_subject_row row;
	int64_t expect_updated_at;
	const char *conflict_field;
	char detail[256];
};

static enum privd_rc update_data(struct privd_db *db, void *arg)
{
	struct update_job *j = arg;
	enum privd_rc rc;

	rc = privd_repo_subject_update(db, &j->row, j->expect_updated_at, &j->conflict_field);
	if (rc == PRIVD_OK)
		rc = privd_audit_append(j->svc, db, j->who->actor, "subject.update", "subject", j->row.id, j->detail);
	return rc;
}

enum privd_rc privd_service_subject_update(struct privd_service *svc, const struct privd_principal *who, const char *id,
                                           const struct privd_subject_patch *patch, struct privd_subject *out,
                                           struct privd_err *err)
{
	struct update_job j;
	struct privd_write_job job = {.data = update_data, .arg = &j};
	struct privd_subject result;
	enum privd_rc rc;

	memset(&j, 0, sizeof(j));
	rc = privd_subject_prepare_update(svc, id, patch, &j.row, &j.expect_updated_at, j.detail, &result, err);
	if (rc != PRIVD_OK)
		return rc;
	j.svc = svc;
	j.who = who;
	rc = privd_writer_run(svc->writer, &job);
	if (rc == PRIVD_ERR_CONFLICT && j.conflict_field != NULL) {
		privd_err_field(err, j.conflict_field, "is already registered");
		rc = privd_err_set(err, rc, "the %s is already registered", j.conflict_field);
	} else if (rc == PRIVD_ERR_CONFLICT) {
		rc = privd_err_set(err, rc, "the subject changed meanwhile; read it again and retry");
	} else if (rc == PRIVD_ERR_GONE) {
		rc = privd_err_set(err, rc, "the subject's data was erased");
	}
	if (rc == PRIVD_OK)
		*out = result;
	if (rc == PRIVD_OK && patch->residence_country != NULL)
		privd_localisation_corrected(svc, result.residence_country);
	privd_subject_row_clear(&j.row);
	privd_subject_clear(&result);
	return rc;
}

/* ---- 152-FZ Art. 18 p.5 ---- */

enum privd_rc privd_localisation_apply(struct privd_service *svc, const char *country, bool *warned,
                                       struct privd_err *err)
{
	enum privd_localisation_verdict v =
	    privd_localisation_check(svc->cfg.server_country, country, svc->localisation);

	if (warned != NULL)
		*warned = v == PRIVD_LOCALISATION_WARNED;
	if (v != PRIVD_LOCALISATION_REFUSED)
		return PRIVD_OK;
	privd_log(PRIVD_LOG_WARN, "subject.localisation_refused", "\"server_country\":\"%s\"", svc->cfg.server_country);
	privd_err_set(err, PRIVD_ERR_FORBIDDEN,
	              "the data of a person residing in Russia is recorded in Russia (152-FZ Art. 18 p.5); this "
	              "server is elsewhere");
	return privd_err_problem(err, PRIVD_ERR_FORBIDDEN, "localisation");
}

void privd_localisation_warned(struct privd_service *svc, const char *event)
{
	atomic_fetch_add_explicit(&svc->localisation_warnings, 1, memory_order_relaxed);
	privd_log(PRIVD_LOG_WARN, "subject.localisation",
	          "\"on\":\"%s\",\"server_country\":\"%s\",\"reason\":\"a person residing in RU is recorded "
	          "outside Russia (152-FZ Art. 18 p.5)\"",
	          event, svc->cfg.server_country);
}

void privd_localisation_corrected(struct privd_service *svc, const char *country)
{
	if (privd_localisation_check(svc->cfg.server_country, country, svc->localisation) == PRIVD_LOCALISATION_WARNED)
		privd_localisation_warned(svc, "subject.update");
}

/* ---- find ---- */

enum privd_rc privd_service_subject_find(struct privd_service *svc, const struct privd_principal *who, const char *kind,
                                         const char *value, char id[33], enum privd_subject_status *status,
                                         struct privd_err *err)
{
	char norm[PRIVD_EMAIL_MAX + 1], bidx[PRIVD_HASH_HEX], detail[64];
	struct privd_jsonw w;
	struct privd_reader *r = NULL;
	const char *why = NULL;
	enum privd_rc rc;

	id[0] = '\0';
	*status = PRIVD_SUBJECT_ACTIVE;
	if (kind != NULL && strcmp(kind, "email") == 0)
		rc = privd_validate_email(value ? value : "", norm, sizeof(norm), &why);
	else if (kind != NULL && strcmp(kind, "phone") == 0)
		rc = privd_validate_phone(value ? value : "", norm, sizeof(norm), &why);
	else {
		privd_err_field(err, "email", "give email or phone to search by");
		return privd_err_set(err, PRIVD_ERR_INVALID, "nothing to search by");
	}
	if (rc != PRIVD_OK) {
		privd_err_field(err, kind, why);
		return privd_err_set(err, PRIVD_ERR_INVALID, "the %s to search by is invalid", kind);
	}
	privd_blind_index(svc->kr, kind, norm, bidx);
	sodium_memzero(norm, sizeof(norm));
	rc = privd_reader_get(svc, &r);
	if (rc != PRIVD_OK)
		return rc;
	rc = privd_repo_subject_by_bidx(r->db, kind, bidx, id);
	if (rc == PRIVD_OK)
		rc = privd_repo_subject_status(r->db, id, status);
	privd_reader_put(svc, r, rc == PRIVD_ERR_DB);
	if (rc != PRIVD_OK && rc != PRIVD_ERR_NOT_FOUND)
		return rc;
	privd_jsonw_init(&w, detail, sizeof(detail));
	privd_jsonw_str(&w, "by", kind);
	privd_jsonw_bool(&w, "found", rc == PRIVD_OK);
	privd_jsonw_end(&w);
	{
		enum privd_rc arc = privd_audit_record(svc, who, "subject.find", "subject", id, detail);

		if (arc != PRIVD_OK) {
			id[0] = '\0';
			return arc;
		}
	}
	return rc;
}
