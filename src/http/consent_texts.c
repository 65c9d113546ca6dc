/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * consent_texts.c - POST /v1/consent-texts (admin) and GET /v1/consent-texts/current (public): the consent
 * documents of 152-FZ Art. 9 as amended by 156-FZ, one per purpose, in versions and languages.
 *
 * An application shows a person the current text of a purpose in their language, then records the grant with that
 * text's version; so the current text is public, with its version, SHA-256 and the address of its page. Publishing
 * is append-only: a version that exists in a language is a 409, never an overwrite, since consent records name it.
 */
#include "http_int.h"

#include <stdio.h>
#include <string.h>

#include "core/lang.h"

static json_t *text_json(const struct privd_consent_text *t)
{
	char url[160];

	snprintf(url, sizeof(url), "/consent/%s?lang=%s&version=%s", privd_purpose_name(t->purpose),
	         privd_lang_name(t->language), t->version);
	return json_pack("{s:s, s:s, s:s, s:s, s:o, s:s}", "purpose", privd_purpose_name(t->purpose), "version",
	                 t->version, "language", privd_lang_name(t->language), "sha256", t->sha256, "published_at",
	                 privd_http_json_time(t->published_at), "url", url);
}

void privd_http_consent_text_publish(struct privd_http_req *r)
{
	static const char *const allowed[] = {"purpose", "version", "language", "text", "notify", NULL};
	struct privd_consent_text t;
	struct privd_err e = {0};
	const char *purpose = NULL, *version = NULL, *language = NULL, *text = NULL;
	json_t *body = NULL, *j;
	bool notify = false, notify_ok;
	enum privd_rc rc;

	memset(&t, 0, sizeof(t));
	if (!privd_http_body_object(r, &body))
		goto out;
	privd_http_json_str(body, "purpose", NULL, false, &purpose, &e);
	privd_http_json_str(body, "version", NULL, false, &version, &e);
	privd_http_json_str(body, "language", NULL, false, &language, &e);
	privd_http_json_str(body, "text", NULL, false, &text, &e);
	notify_ok = privd_http_json_bool(body, "notify", &notify, &e);
	if (privd_http_json_only(body, allowed, "", &e) > 0 || !notify_ok) {
		privd_http_reply_fields(r, &e);
		goto out;
	}
	/* a mistyped member reaches the service as NULL, and it names every field at fault at once */
	rc = privd_service_consent_text_publish(r->h->svc, &r->who, purpose, version, language, text, notify, &t, &e);
	if (rc != PRIVD_OK) {
		privd_http_reply_rc(r, rc, &e);
		goto out;
	}
	j = text_json(&t);
	if (notify) /* an important notification: how many people it goes to */
		json_object_set_new(j, "notified", json_integer((json_int_t)t.notified));
	privd_http_reply_json(r, MHD_HTTP_CREATED, j);
out:
	privd_consent_text_clear(&t);
	json_decref(body);
}

void privd_http_consent_text_current(struct privd_http_req *r)
{
	const char *purpose = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "purpose");
	const char *language = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "language");
	struct privd_consent_text t;
	struct privd_err e = {0};
	enum privd_purpose p = PRIVD_PURPOSE_PROCESSING;
	enum privd_lang l = PRIVD_LANG_DEFAULT;
	json_t *j;
	enum privd_rc rc;

	memset(&t, 0, sizeof(t));
	if (purpose == NULL)
		privd_err_field(&e, "purpose", "is required");
	else if (privd_purpose_parse(purpose, &p) != PRIVD_OK || !privd_purpose_has_text(p))
		privd_err_field(&e, "purpose", "must be processing or third_party_transfer");
	if (language != NULL && privd_lang_parse(language, &l) != PRIVD_OK)
		privd_err_field(&e, "language", "must be ru or en");
	if (e.nfields > 0) {
		privd_http_reply_fields(r, &e);
		return;
	}
	rc = privd_service_consent_text_current(r->h->svc, p, l, true, &t);
	if (rc == PRIVD_ERR_NOT_FOUND) {
		privd_http_reply_problem(r, MHD_HTTP_NOT_FOUND, "not-found",
		                         "no consent text is published for this purpose in this language", NULL);
		return;
	}
	if (rc != PRIVD_OK) {
		privd_http_reply_rc(r, rc, NULL);
		return;
	}
	j = text_json(&t);
	if (j != NULL && json_object_set_new(j, "text", json_string(t.text)) != 0) {
		json_decref(j);
		j = NULL;
	}
	privd_http_reply_json(r, MHD_HTTP_OK, j);
	privd_consent_text_clear(&t);
}
