/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * consent_texts.c - the consent texts: consent to processing and to transfer to third parties, each a document of
 * its own (152-FZ Art. 9 as amended by 156-FZ, in force 01.09.2025), published in versions per language.
 *
 * Since 01.09.2025 consent to processing may not be part of a policy or of terms of use: it is a separate document
 * the person agrees to, and the operator must be able to show which. So every grant of processing or
 * third_party_transfer names the version of the text shown, the record keeps that version with the text's
 * SHA-256, and a newer version asks everyone who agreed to an older one to consent again. The current text of
 * each purpose and language (the one published last) is held in memory: registration and every grant compare
 * against it, and the consent check, the hot path, compares the cached record's interned version with it. Another
 * process learns of a publish through NOTIFY on PostgreSQL, as it does of a new policy.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "service/service_int.h"

void privd_consent_text_clear(struct privd_consent_text *t)
{
	if (t == NULL)
		return;
	free(t->text);
	memset(t, 0, sizeof(*t));
}

enum privd_rc privd_consent_texts_load_current(struct privd_service *svc)
{
	struct privd_text_current now[PRIVD_PURPOSE_COUNT][PRIVD_LANG_COUNT];
	struct privd_consent_text_row row;
	struct privd_reader *r = NULL;
	enum privd_rc rc;

	memset(now, 0, sizeof(now));
	rc = privd_reader_get(svc, &r);
	if (rc != PRIVD_OK)
		return rc;
	for (int p = 0; rc == PRIVD_OK && p < PRIVD_PURPOSE_COUNT; p++) {
		for (int l = 0; rc == PRIVD_OK && l < PRIVD_LANG_COUNT && privd_purpose_has_text((enum privd_purpose)p);
		     l++) {
			rc = privd_repo_consent_text_current(r->db, privd_purpose_name((enum privd_purpose)p),
			                                     privd_lang_name((enum privd_lang)l), false, &row);
			if (rc == PRIVD_ERR_NOT_FOUND) {
				rc = PRIVD_OK;
				continue;
			}
			if (rc != PRIVD_OK)
				break;
			now[p][l].version = privd_version_intern(svc, row.version);
			memcpy(now[p][l].sha256, row.sha256, sizeof(now[p][l].sha256));
		}
	}
	privd_reader_put(svc, r, rc == PRIVD_ERR_DB);
	if (rc != PRIVD_OK)
		return rc;
	pthread_rwlock_wrlock(&svc->texts_lock);
	memcpy(svc->texts, now, sizeof(now));
	pthread_rwlock_unlock(&svc->texts_lock);
	return PRIVD_OK;
}

void privd_consent_texts_now(struct privd_service *svc, struct privd_texts_now *out)
{
	struct privd_text_current now[PRIVD_PURPOSE_COUNT][PRIVD_LANG_COUNT];

	memset(out, 0, sizeof(*out));
	pthread_rwlock_rdlock(&svc->texts_lock);
	memcpy(now, svc->texts, sizeof(now));
	pthread_rwlock_unlock(&svc->texts_lock);
	for (int p = 0; p < PRIVD_PURPOSE_COUNT; p++) {
		for (int l = 0; l < PRIVD_LANG_COUNT; l++) {
			if (now[p][l].version == 0)
				continue;
			privd_version_name(svc, now[p][l].version, out->version[p][l], sizeof(out->version[p][l]));
			memcpy(out->sha256[p][l], now[p][l].sha256, sizeof(out->sha256[p][l]));
			out->names.current[p][l] = out->version[p][l];
		}
	}
}

bool privd_consent_text_current_version(struct privd_service *svc, enum privd_purpose p, enum privd_lang lang,
                                        char *out, size_t outlen)
{
	uint16_t v = 0;

	if ((unsigned)p < PRIVD_PURPOSE_COUNT && (unsigned)lang < PRIVD_LANG_COUNT) {
		pthread_rwlock_rdlock(&svc->texts_lock);
		v = svc->texts[p][lang].version;
		pthread_rwlock_unlock(&svc->texts_lock);
	}
	privd_version_name(svc, v, out, outlen);
	return v != 0;
}

/* ---- publishing ---- */

struct publish_job {
	struct privd_outbox_bulk *notices; /* first: with notify, one to every active subject with an e-mail */
	struct privd_service *svc;
	const struct privd_principal *who;
	struct privd_consent_text_row row;
};

static enum privd_rc publish_data(struct privd_db *db, void *arg)
{
	struct publish_job *j = arg;
	char detail[200];
	struct privd_jsonw w;
	enum privd_rc rc;

	rc = privd_repo_consent_text_insert(db, &j->row);
	if (rc == PRIVD_OK)
		rc = privd_outbox_bulk_insert(db, j->notices);
	if (rc != PRIVD_OK)
		return rc;
	privd_jsonw_init(&w, detail, sizeof(detail));
	privd_jsonw_str(&w, "purpose", j->row.purpose);
	privd_jsonw_str(&w, "version", j->row.version);
	privd_jsonw_str(&w, "language", j->row.language);
	privd_jsonw_str(&w, "sha256", j->row.sha256);
	if (j->notices != NULL)
		privd_jsonw_int(&w, "notified", (int64_t)privd_outbox_bulk_count(j->notices, NULL));
	privd_jsonw_end(&w);
	rc = privd_audit_append(j->svc, db, j->who->actor, "consent_text.publish", "consent_text", j->row.purpose,
	                        detail);
	if (rc == PRIVD_OK)
		rc = privd_db_notify(db, PRIVD_CHAN_TEXT, j->row.purpose);
	return rc;
}

/* The purpose and language of a text to publish, each named in err when at fault. */
static bool publish_target(const char *purpose, const char *language, enum privd_purpose *p, enum privd_lang *l,
                           struct privd_err *err)
{
	bool ok = true;

	if (purpose == NULL) {
		privd_err_field(err, "purpose", "is required");
		ok = false;
	} else if (privd_purpose_parse(purpose, p) != PRIVD_OK || !privd_purpose_has_text(*p)) {
		privd_err_field(
		    err, "purpose",
		    "must be processing or third_party_transfer (cookie categories keep the banner's texts)");
		ok = false;
	}
	if (language == NULL) {
		privd_err_field(err, "language", "is required");
		ok = false;
	} else if (privd_lang_parse(language, l) != PRIVD_OK) {
		privd_err_field(err, "language", "must be ru or en");
		ok = false;
	}
	return ok;
}

enum privd_rc privd_service_consent_text_publish(struct privd_service *svc, const struct privd_principal *who,
                                                 const char *purpose, const char *version, const char *language,
                                                 const char *text, bool notify, struct privd_consent_text *out,
                                                 struct privd_err *err)
{
	struct publish_job j;
	struct privd_write_job job = {.ks = privd_outbox_bulk_job_ks,
	                              .ks_many = true,
	                              .data = publish_data,
	                              .ks_undo = privd_outbox_bulk_job_ks_undo,
	                              .ks_after = privd_outbox_bulk_job_after,
	                              .arg = &j};
	struct privd_notice_vars tmpl = {.kind = PRIVD_NOTICE_CONSENT_TEXT_PUBLISHED};
	char ref[160];
	size_t notified;
	enum privd_purpose p = PRIVD_PURPOSE_PROCESSING;
	enum privd_lang l = PRIVD_LANG_DEFAULT;
	enum privd_rc rc;
	bool ok;

	memset(&j, 0, sizeof(j));
	ok = publish_target(purpose, language, &p, &l, err);
	if (!privd_version_ok(version)) {
		privd_err_field(err, "version", "must be 1 to 63 characters of letters, digits, '.', '_' or '-'");
		ok = false;
	}
	if (text == NULL || text[0] == '\0') {
		privd_err_field(err, "text", "must be a non-empty Markdown text");
		ok = false;
	}
	if (!ok)
		return privd_err_set(err, PRIVD_ERR_INVALID, "the consent text is invalid");
	j.svc = svc;
	j.who = who;
	snprintf(j.row.purpose, sizeof(j.row.purpose), "%s", privd_purpose_name(p));
	snprintf(j.row.version, sizeof(j.row.version), "%s", version);
	snprintf(j.row.language, sizeof(j.row.language), "%s", privd_lang_name(l));
	privd_sha256_hex((const uint8_t *)text, strlen(text), j.row.sha256);
	j.row.published_at = privd_now_ms();
	j.row.text = (char *)text;
	tmpl.version = j.row.version;
	tmpl.purpose = j.row.purpose;
	snprintf(ref, sizeof(ref), "consent_text:%s:%s:%s", j.row.purpose, j.row.version, j.row.language);
	rc = notify ? privd_outbox_bulk_important(svc, &tmpl, ref, &j.notices, err) : PRIVD_OK;
	if (rc == PRIVD_OK)
		rc = privd_writer_run(svc->writer, &job);
	notified = rc == PRIVD_OK ? privd_outbox_bulk_count(j.notices, NULL) : 0;
	privd_outbox_bulk_free(j.notices);
	if (rc == PRIVD_ERR_CONFLICT) {
		privd_err_field(err, "version", "is already published for this purpose in this language");
		return privd_err_set(err, rc, "consent text %s version %s is already published in %s", j.row.purpose,
		                     j.row.version, j.row.language);
	}
	if (rc != PRIVD_OK)
		return rc;
	/* read back what is current rather than assume it is ours (another publish may have committed after it) */
	if (privd_consent_texts_load_current(svc) != PRIVD_OK)
		privd_log(PRIVD_LOG_WARN, "consent_text.reload_failed", NULL);
	if (out != NULL) {
		memset(out, 0, sizeof(*out));
		out->purpose = p;
		memcpy(out->version, j.row.version, sizeof(out->version));
		out->language = l;
		memcpy(out->sha256, j.row.sha256, sizeof(out->sha256));
		out->published_at = j.row.published_at;
		out->notified = notified;
	}
	privd_log(PRIVD_LOG_INFO, "consent_text.published", "\"purpose\":\"%s\",\"version\":\"%s\",\"language\":\"%s\"",
	          j.row.purpose, j.row.version, j.row.language);
	return PRIVD_OK;
}

/* ---- reading ---- */

static void text_from(enum privd_purpose p, struct privd_consent_text_row *row, struct privd_consent_text *out)
{
	out->purpose = p;
	memcpy(out->version, row->version, sizeof(out->version));
	out->language = PRIVD_LANG_DEFAULT;
	privd_lang_parse(row->language, &out->language);
	memcpy(out->sha256, row->sha256, sizeof(out->sha256));
	out->published_at = row->published_at;
	out->text = row->text;
	row->text = NULL;
}

/* One text: version NULL for the current one of p in lang. */
static enum privd_rc text_read(struct privd_service *svc, enum privd_purpose p, enum privd_lang lang,
                               const char *version, bool with_text, struct privd_consent_text *out)
{
	struct privd_consent_text_row row;
	struct privd_reader *r = NULL;
	enum privd_rc rc;

	memset(out, 0, sizeof(*out));
	if (!privd_purpose_has_text(p) || (unsigned)lang >= PRIVD_LANG_COUNT)
		return PRIVD_ERR_NOT_FOUND;
	rc = privd_reader_get(svc, &r);
	if (rc != PRIVD_OK)
		return rc;
	if (version == NULL)
		rc = privd_repo_consent_text_current(r->db, privd_purpose_name(p), privd_lang_name(lang), with_text,
		                                     &row);
	else
		rc = privd_repo_consent_text_get(r->db, privd_purpose_name(p), version, privd_lang_name(lang),
		                                 with_text, &row);
	privd_reader_put(svc, r, rc == PRIVD_ERR_DB);
	if (rc == PRIVD_OK)
		text_from(p, &row, out);
	free(row.text);
	return rc;
}

enum privd_rc privd_service_consent_text_current(struct privd_service *svc, enum privd_purpose purpose,
                                                 enum privd_lang language, bool with_text,
                                                 struct privd_consent_text *out)
{
	return text_read(svc, purpose, language, NULL, with_text, out);
}

/* The text a record names, for the export: version in language. */
enum privd_rc privd_consent_text_get(struct privd_service *svc, enum privd_purpose purpose, enum privd_lang language,
                                     const char *version, struct privd_consent_text *out)
{
	return text_read(svc, purpose, language, version, true, out);
}

enum privd_rc privd_service_consent_text_page(struct privd_service *svc, enum privd_purpose purpose,
                                              enum privd_lang want, const char *version, struct privd_text_page *out)
{
	struct privd_consent_text t;
	enum privd_rc rc;

	memset(out, 0, sizeof(*out));
	rc = text_read(svc, purpose, want, version, true, &t);
	for (int l = 0; rc == PRIVD_ERR_NOT_FOUND && l < PRIVD_LANG_COUNT; l++)
		if (l != (int)want)
			rc = text_read(svc, purpose, (enum privd_lang)l, version, true, &t);
	if (rc != PRIVD_OK)
		return rc;
	memcpy(out->version, t.version, sizeof(out->version));
	out->language = t.language;
	memcpy(out->sha256, t.sha256, sizeof(out->sha256));
	out->published_at = t.published_at;
	rc = privd_markdown_fragment(t.text, out);
	privd_consent_text_clear(&t);
	return rc;
}
