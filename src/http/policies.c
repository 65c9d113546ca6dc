/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * policies.c - POST /v1/policies (admin) and GET /v1/policies/current (public).
 *
 * Consent records name the policy version they were given under, so publishing is append-only: a version
 * that exists in a language is a 409, never an overwrite. A version is published in Russian, English or both
 * ("language", English when not given, as every policy was before there were two). With "notify":true, publishing
 * is also an important notification to every active subject with an e-mail, queued with the policy; the answer
 * says how many.
 */
#include "http_int.h"

#include "core/lang.h"

static json_t *policy_json(const struct privd_policy *p)
{
	return json_pack("{s:s, s:s, s:s, s:o}", "version", p->version, "language", privd_lang_name(p->language),
	                 "sha256", p->sha256, "published_at", privd_http_json_time(p->published_at));
}

void privd_http_policy_publish(struct privd_http_req *r)
{
	static const char *const allowed[] = {"version", "language", "text", "notify", NULL};
	struct privd_policy pol = {0};
	struct privd_err e = {0};
	json_t *j;
	const char *version = NULL, *language = NULL, *text = NULL;
	json_t *body = NULL;
	bool notify = false, notify_ok;
	enum privd_rc rc;

	if (!privd_http_body_object(r, &body))
		goto out;
	privd_http_json_str(body, "version", NULL, false, &version, &e);
	if (!privd_http_json_str(body, "language", NULL, false, &language, &e))
		language = ""; /* mistyped: refused by the service too, where NULL would mean the default */
	privd_http_json_str(body, "text", NULL, false, &text, &e);
	if (version == NULL)
		privd_err_field(&e, "version", "is required");
	if (text == NULL)
		privd_err_field(&e, "text", "is required");
	notify_ok = privd_http_json_bool(body, "notify", &notify, &e);
	if (privd_http_json_only(body, allowed, "", &e) > 0 || !notify_ok) {
		privd_http_reply_fields(r, &e);
		goto out;
	}
	/* A missing or mistyped member reaches the service as NULL, which it refuses without writing anything, after
	 * naming what else is wrong: every field at fault is named at once. */
	rc = privd_service_policy_publish(r->h->svc, &r->who, version, language, text, notify, &pol, &e);
	if (rc != PRIVD_OK) {
		privd_http_reply_rc(r, rc, &e);
		goto out;
	}
	j = policy_json(&pol);
	if (notify)
		json_object_set_new(j, "notified", json_integer((json_int_t)pol.notified));
	privd_http_reply_json(r, MHD_HTTP_CREATED, j);
out:
	privd_policy_clear(&pol);
	json_decref(body);
}

void privd_http_policy_current(struct privd_http_req *r)
{
	const char *language = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "language");
	struct privd_policy pol = {0};
	enum privd_lang l = PRIVD_LANG_ANY;
	enum privd_rc rc;

	if (language != NULL && privd_lang_parse(language, &l) != PRIVD_OK) {
		privd_http_reply_invalid(r, "language", "must be ru or en");
		return;
	}
	rc = privd_service_policy_current(r->h->svc, l, false, &pol);
	if (rc == PRIVD_ERR_NOT_FOUND)
		privd_http_reply_problem(r, MHD_HTTP_NOT_FOUND, "not-found", "no policy is published", NULL);
	else if (rc != PRIVD_OK)
		privd_http_reply_rc(r, rc, NULL);
	else
		privd_http_reply_json(r, MHD_HTTP_OK, policy_json(&pol));
	privd_policy_clear(&pol);
}
