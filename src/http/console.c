/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * console.c - POST /v1/console/sessions and DELETE /v1/console/sessions/current: the operator's console signs in
 * with an API key and out again, and the cookie a session is carried in.
 *
 * The key arrives once in the body and is zeroed with it; the answer sets the cookie (HttpOnly: no script reads
 * it; SameSite=Strict: no other site's page sends it; Secure when the request came over TLS, as the proxy in
 * front of privd says in X-Forwarded-Proto) and gives the page its CSRF token, which every call that changes
 * something sends back in X-CSRF-Token (see privd_http_authorize in router.c).
 */
#include "http_int.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define COOKIE_ATTRS "Path=/; HttpOnly; SameSite=Strict"

/* "; Secure" when r came over TLS (to privd, or to the proxy in front of it). */
static const char *secure_attr(struct privd_http_req *r)
{
	return privd_http_over_tls(r) ? "; Secure" : "";
}

void privd_http_console_signin(struct privd_http_req *r)
{
	static const char *const allowed[] = {"key", NULL};
	struct privd_console_session s;
	struct privd_err e = {0};
	const char *key = NULL;
	char cookie[PRIVD_CONSOLE_TOKEN_MAX + 128];
	json_t *body = NULL, *res;
	enum privd_rc rc;

	memset(&s, 0, sizeof(s));
	if (!privd_http_body_object(r, &body))
		goto out;
	privd_http_json_only(body, allowed, "", &e);
	privd_http_json_str(body, "key", NULL, false, &key, &e);
	if (key == NULL || key[0] == '\0')
		privd_err_field(&e, "key", "is required");
	if (e.nfields > 0) {
		privd_http_reply_fields(r, &e);
		goto out;
	}
	rc = privd_service_console_signin(r->h->svc, key, &s, &e);
	if (rc == PRIVD_ERR_NOT_FOUND) {
		privd_http_reply_problem(r, MHD_HTTP_UNAUTHORIZED, "unauthorized", "a valid API key is required", NULL);
		goto out;
	}
	if (rc != PRIVD_OK) {
		privd_http_reply_rc(r, rc, &e);
		goto out;
	}
	res = json_pack("{s:s, s:s, s:o}", "csrf", s.csrf, "role", privd_role_name(s.role), "expires_at",
	                privd_http_json_time(s.expires_at));
	privd_http_reply_json(r, MHD_HTTP_CREATED, res);
	snprintf(cookie, sizeof(cookie), PRIVD_CONSOLE_COOKIE "=%s; " COOKIE_ATTRS "; Max-Age=%lld%s", s.token,
	         PRIVD_CONSOLE_TTL_MS / 1000, secure_attr(r));
	privd_http_reply_header(r, MHD_HTTP_HEADER_SET_COOKIE, cookie);
	privd_http_reply_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	explicit_bzero(cookie, sizeof(cookie));
out:
	explicit_bzero(&s, sizeof(s));
	json_decref(body); /* jansson's allocator zeroes what it frees: the key with it */
}

void privd_http_console_signout(struct privd_http_req *r)
{
	char cookie[128];
	enum privd_rc rc = privd_service_console_signout(r->h->svc, &r->who);

	if (rc == PRIVD_ERR_NOT_FOUND) {
		privd_http_reply_problem(r, MHD_HTTP_NOT_FOUND, "not-found", "this call came with no console session",
		                         NULL);
		return;
	}
	if (rc != PRIVD_OK) {
		privd_http_reply_rc(r, rc, NULL);
		return;
	}
	privd_http_reply_empty(r, MHD_HTTP_NO_CONTENT);
	snprintf(cookie, sizeof(cookie), PRIVD_CONSOLE_COOKIE "=; " COOKIE_ATTRS "; Max-Age=0%s", secure_attr(r));
	privd_http_reply_header(r, MHD_HTTP_HEADER_SET_COOKIE, cookie);
}
