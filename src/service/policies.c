/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * policies.c - publishing the privacy policy and knowing which version is current.
 *
 * Every consent record names the policy version it was given under; when a newer version is published, the
 * consent check answers reconsent_required for grants under an older one. Versions are interned into small
 * integers so the consent cache can hold them in two bytes (the consent texts' versions share the table). A
 * version is published in Russian, English or both: the version is what consents name, the languages are its
 * translations, and the policy's page shows the current version in the reader's language where it has one. The
 * Markdown becomes HTML here because cmark is linked here; the page around it is the HTTP layer's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmark.h>

#include "core/log.h"
#include "core/str.h"
#include "service/service_int.h"

uint16_t privd_version_intern(struct privd_service *svc, const char *version)
{
	uint16_t idx = 0;

	if (version == NULL || version[0] == '\0')
		return 0;
	pthread_rwlock_rdlock(&svc->policy_lock);
	for (uint16_t i = 1; i < svc->nversions; i++) {
		if (strcmp(svc->versions[i], version) == 0) {
			idx = i;
			break;
		}
	}
	pthread_rwlock_unlock(&svc->policy_lock);
	if (idx != 0)
		return idx;
	pthread_rwlock_wrlock(&svc->policy_lock);
	for (uint16_t i = 1; i < svc->nversions; i++) {
		if (strcmp(svc->versions[i], version) == 0) {
			idx = i;
			break;
		}
	}
	if (idx == 0 && svc->nversions < PRIVD_MAX_POLICY_VERSIONS) {
		svc->versions[svc->nversions] = strdup(version);
		if (svc->versions[svc->nversions] != NULL)
			idx = svc->nversions++;
	}
	pthread_rwlock_unlock(&svc->policy_lock);
	return idx;
}

void privd_version_name(struct privd_service *svc, uint16_t idx, char *out, size_t outlen)
{
	pthread_rwlock_rdlock(&svc->policy_lock);
	privd_str_copy(out, outlen, idx != 0 && idx < svc->nversions ? svc->versions[idx] : "");
	pthread_rwlock_unlock(&svc->policy_lock);
}

bool privd_policy_current_version(struct privd_service *svc, char *out, size_t outlen)
{
	uint16_t cur = atomic_load(&svc->current_version);

	privd_version_name(svc, cur, out, outlen);
	return cur != 0;
}

enum privd_rc privd_policy_load_current(struct privd_service *svc)
{
	struct privd_policy_row row;
	struct privd_reader *r = NULL;
	enum privd_rc rc;

	memset(&row, 0, sizeof(row));
	rc = privd_reader_get(svc, &r);
	if (rc != PRIVD_OK)
		return rc;
	rc = privd_repo_policy_current(r->db, NULL, false, &row);
	privd_reader_put(svc, r, rc == PRIVD_ERR_DB);
	if (rc == PRIVD_OK)
		atomic_store(&svc->current_version, privd_version_intern(svc, row.version));
	return rc;
}

void privd_policy_clear(struct privd_policy *p)
{
	if (p == NULL)
		return;
	free(p->text);
	memset(p, 0, sizeof(*p));
}

bool privd_version_ok(const char *v)
{
	size_t n = v ? strlen(v) : 0;

	if (n == 0 || n > 63)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = v[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
		      c == '_' || c == '-'))
			return false;
	}
	return true;
}

struct publish_job {
	struct privd_outbox_bulk *notices; /* first: with notify, one to every active subject with an e-mail */
	struct privd_service *svc;
	const struct privd_principal *who;
	struct privd_policy_row row;
};

static enum privd_rc publish_data(struct privd_db *db, void *arg)
{
	struct publish_job *j = arg;
	char detail[160];
	struct privd_jsonw w;
	enum privd_rc rc;

	rc = privd_repo_policy_insert(db, &j->row);
	if (rc == PRIVD_OK)
		rc = privd_outbox_bulk_insert(db, j->notices);
	if (rc != PRIVD_OK)
		return rc;
	privd_jsonw_init(&w, detail, sizeof(detail));
	privd_jsonw_str(&w, "version", j->row.version);
	privd_jsonw_str(&w, "language", j->row.language);
	privd_jsonw_str(&w, "sha256", j->row.sha256);
	if (j->notices != NULL)
		privd_jsonw_int(&w, "notified", (int64_t)privd_outbox_bulk_count(j->notices, NULL));
	privd_jsonw_end(&w);
	rc = privd_audit_append(j->svc, db, j->who->actor, "policy.publish", "policy", j->row.version, detail);
	if (rc == PRIVD_OK)
		rc = privd_db_notify(db, PRIVD_CHAN_POLICY, j->row.version);
	return rc;
}

/* The important notification of a new policy, prepared for every active subject with an e-mail. */
static enum privd_rc publish_notices(struct privd_service *svc, struct publish_job *j, struct privd_err *err)
{
	const struct privd_notice_vars tmpl = {.kind = PRIVD_NOTICE_POLICY_PUBLISHED, .version = j->row.version};
	char ref[80];

	snprintf(ref, sizeof(ref), "policy:%s", j->row.version);
	return privd_outbox_bulk_important(svc, &tmpl, ref, &j->notices, err);
}

enum privd_rc privd_service_policy_publish(struct privd_service *svc, const struct privd_principal *who,
                                           const char *version, const char *language, const char *text, bool notify,
                                           struct privd_policy *out, struct privd_err *err)
{
	struct publish_job j;
	struct privd_write_job job = {.ks = privd_outbox_bulk_job_ks,
	                              .ks_many = true,
	                              .data = publish_data,
	                              .ks_undo = privd_outbox_bulk_job_ks_undo,
	                              .ks_after = privd_outbox_bulk_job_after,
	                              .arg = &j};
	enum privd_lang lang = PRIVD_LANG_EN;
	enum privd_rc rc;
	bool bad = false;

	memset(&j, 0, sizeof(j));
	if (!privd_version_ok(version)) {
		privd_err_field(err, "version", "must be 1 to 63 characters of letters, digits, '.', '_' or '-'");
		bad = true;
	}
	if (language != NULL && privd_lang_parse(language, &lang) != PRIVD_OK) {
		privd_err_field(err, "language", "must be ru or en");
		bad = true;
	}
	if (text == NULL || text[0] == '\0') {
		privd_err_field(err, "text", "must be a non-empty Markdown text");
		bad = true;
	}
	if (bad)
		return privd_err_set(err, PRIVD_ERR_INVALID, "the policy is invalid");
	j.svc = svc;
	j.who = who;
	snprintf(j.row.version, sizeof(j.row.version), "%s", version);
	snprintf(j.row.language, sizeof(j.row.language), "%s", privd_lang_name(lang));
	privd_sha256_hex((const uint8_t *)text, strlen(text), j.row.sha256);
	j.row.published_at = privd_now_ms();
	j.row.text = (char *)text;
	rc = notify ? publish_notices(svc, &j, err) : PRIVD_OK;
	if (rc == PRIVD_OK)
		rc = privd_writer_run(svc->writer, &job);
	if (out != NULL)
		out->notified = rc == PRIVD_OK ? privd_outbox_bulk_count(j.notices, NULL) : 0;
	privd_outbox_bulk_free(j.notices);
	if (rc == PRIVD_ERR_CONFLICT) {
		privd_err_field(err, "version", "is already published in this language");
		return privd_err_set(err, rc, "policy version %s is already published in %s", j.row.version,
		                     j.row.language);
	}
	if (rc != PRIVD_OK)
		return rc;
	/* the newest published policy is current: read it back rather than assume ours is (another publish may have
	 * committed after ours) */
	if (privd_policy_load_current(svc) != PRIVD_OK)
		atomic_store(&svc->current_version, privd_version_intern(svc, version));
	if (out != NULL) {
		size_t notified = out->notified;

		memset(out, 0, sizeof(*out));
		out->notified = notified;
		memcpy(out->version, j.row.version, sizeof(out->version));
		out->language = lang;
		memcpy(out->sha256, j.row.sha256, sizeof(out->sha256));
		out->published_at = j.row.published_at;
	}
	privd_log(PRIVD_LOG_INFO, "policy.published", "\"version\":\"%s\",\"language\":\"%s\",\"notified\":%zu",
	          j.row.version, j.row.language, notify && out != NULL ? out->notified : 0);
	return PRIVD_OK;
}

/* A stored row as the service hands it out (the text moved, not copied). */
static void policy_from(struct privd_policy_row *row, struct privd_policy *out)
{
	memcpy(out->version, row->version, sizeof(out->version));
	out->language = PRIVD_LANG_EN;
	privd_lang_parse(row->language, &out->language);
	memcpy(out->sha256, row->sha256, sizeof(out->sha256));
	out->published_at = row->published_at;
	out->text = row->text;
	row->text = NULL;
}

enum privd_rc privd_service_policy_current(struct privd_service *svc, enum privd_lang language, bool with_text,
                                           struct privd_policy *out)
{
	struct privd_policy_row row;
	struct privd_reader *r = NULL;
	enum privd_rc rc;

	memset(&row, 0, sizeof(row));
	memset(out, 0, sizeof(*out));
	rc = privd_reader_get(svc, &r);
	if (rc != PRIVD_OK)
		return rc;
	rc = privd_repo_policy_current(r->db, language == PRIVD_LANG_ANY ? NULL : privd_lang_name(language), with_text,
	                               &row);
	privd_reader_put(svc, r, rc == PRIVD_ERR_DB);
	if (rc == PRIVD_OK)
		policy_from(&row, out);
	return rc;
}

void privd_text_page_clear(struct privd_text_page *p)
{
	if (p == NULL)
		return;
	free(p->body_html);
	memset(p, 0, sizeof(*p));
}

enum privd_rc privd_markdown_fragment(const char *markdown, struct privd_text_page *page)
{
	/* cmark's default is safe: raw HTML in the Markdown is not passed through. */
	page->body_html = cmark_markdown_to_html(markdown, strlen(markdown), CMARK_OPT_DEFAULT);
	return page->body_html != NULL ? PRIVD_OK : PRIVD_ERR_NOMEM;
}

enum privd_rc privd_service_policy_page(struct privd_service *svc, enum privd_lang want, struct privd_text_page *out)
{
	struct privd_policy_row row;
	struct privd_policy pol;
	struct privd_reader *r = NULL;
	enum privd_rc rc;

	memset(&row, 0, sizeof(row));
	memset(&pol, 0, sizeof(pol));
	memset(out, 0, sizeof(*out));
	rc = privd_reader_get(svc, &r);
	if (rc != PRIVD_OK)
		return rc;
	/* the version in force, in the reader's language where it has it */
	rc = privd_repo_policy_current(r->db, NULL, false, &row);
	if (rc == PRIVD_OK) {
		char version[sizeof(row.version)];

		memcpy(version, row.version, sizeof(version));
		rc = privd_repo_policy_get(r->db, version, privd_lang_name(want), true, &row);
		if (rc == PRIVD_ERR_NOT_FOUND)
			rc = privd_repo_policy_get(r->db, version, NULL, true, &row);
	}
	privd_reader_put(svc, r, rc == PRIVD_ERR_DB);
	if (rc != PRIVD_OK)
		return rc;
	policy_from(&row, &pol);
	memcpy(out->version, pol.version, sizeof(out->version));
	out->language = pol.language;
	memcpy(out->sha256, pol.sha256, sizeof(out->sha256));
	out->published_at = pol.published_at;
	rc = privd_markdown_fragment(pol.text, out);
	privd_policy_clear(&pol);
	return rc;
}
