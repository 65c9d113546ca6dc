/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * portal.c - the person's portal sessions over HTTP: the app asks for a link (POST
 * /v1/subjects/{id}/portal-sessions), the person opens it (GET /portal/open), which sets the session cookie and
 * sends them to the portal's page; the page asks who it is and what a scan may be (GET /v1/portal/session: the
 * server's document limit and types, which the page checks before uploading) and may sign out (DELETE).
 *
 * The cookie is HttpOnly (no script reads it), SameSite=Strict (no other site's page sends it) and Secure when privd
 * is reached over TLS ([server] public_url https://, or a proxy saying X-Forwarded-Proto: https). The link carries a
 * secret in its query, so its answers are never cached and send no referrer.
 */
#include "service/portal.h"
#include "http_int.h"

#include <stdio.h>
#include <string.h>

#define PORTAL_HOME "/portal/"

void privd_http_portal_create(struct privd_http_req *r)
{
	static const char *const none[] = {NULL};
	struct privd_err e = {0};
	char url[512];
	int64_t expires_at = 0;
	json_t *body = NULL;
	enum privd_rc rc;

	if (r->body_len > 0) {
		if (!privd_http_body_object(r, &body))
			return;
		privd_http_json_only(body, none, "", &e);
		json_decref(body);
		if (e.nfields > 0) {
			privd_http_reply_fields(r, &e);
			return;
		}
	}
	rc = privd_service_portal_create(r->h->svc, &r->who, r->id, url, sizeof(url), &expires_at, &e);
	if (rc != PRIVD_OK) {
		privd_http_reply_rc(r, rc, &e);
		return;
	}
	privd_http_reply_json(r, MHD_HTTP_CREATED,
	                      json_pack("{s:s, s:o}", "url", url, "expires_at", privd_http_json_time(expires_at)));
	privd_http_reply_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	explicit_bzero(url, sizeof(url));
}

/* Is the person reaching privd over TLS? */
static bool over_tls(struct privd_http_req *r)
{
	char base[512];

	if (privd_http_over_tls(r))
		return true;
	privd_service_base_url(r->h->svc, base, sizeof(base));
	return strncmp(base, "https://", 8) == 0;
}

/* Sets (value non-NULL) or clears the session cookie on the reply. */
static void session_cookie(struct privd_http_req *r, const char *value)
{
	char c[160];

	snprintf(c, sizeof(c), "%s=%s; Path=/; HttpOnly; SameSite=Strict%s%s", PRIVD_HTTP_PORTAL_COOKIE,
	         value != NULL ? value : "", value != NULL ? "" : "; Max-Age=0", over_tls(r) ? "; Secure" : "");
	privd_http_reply_header(r, MHD_HTTP_HEADER_SET_COOKIE, c);
	explicit_bzero(c, sizeof(c));
}

static const char link_gone[] =
    "<!doctype html><html lang=\"ru\"><head><meta charset=\"utf-8\">"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Ссылка недействительна / "
    "Link no longer valid</title><style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;"
    "padding:0 1rem;color:#1f2933}h1{font-size:1.3rem}</style></head><body>"
    "<h1>Ссылка больше не действует</h1><p>Ссылка в личный кабинет открывается один раз и действует ограниченное "
    "время. Войдите в приложение и откройте личный кабинет снова.</p>"
    "<h1 lang=\"en\">This link no longer works</h1><p lang=\"en\">A link to your privacy page opens once and for a "
    "limited time. Sign in to the application and open the page again.</p></body></html>";

void privd_http_portal_open(struct privd_http_req *r)
{
	const char *link = privd_http_query_str(r, "token");
	char token[64];
	enum privd_rc rc = privd_service_portal_open(r->h->svc, link, token);

	if (rc == PRIVD_ERR_NOT_FOUND) {
		privd_http_reply_buf(r, MHD_HTTP_NOT_FOUND, "text/html; charset=utf-8", link_gone,
		                     sizeof(link_gone) - 1);
		privd_http_reply_header(r, "Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'");
	} else if (rc != PRIVD_OK) {
		privd_http_reply_rc(r, rc, NULL);
	} else {
		privd_http_reply_empty(r, MHD_HTTP_SEE_OTHER);
		privd_http_reply_header(r, MHD_HTTP_HEADER_LOCATION, PORTAL_HOME);
		session_cookie(r, token);
	}
	privd_http_reply_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	privd_http_reply_header(r, "Referrer-Policy", "no-referrer");
	explicit_bzero(token, sizeof(token));
}

void privd_http_portal_session(struct privd_http_req *r)
{
	const char *tok = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, PRIVD_HTTP_PORTAL_COOKIE);
	struct privd_principal who;
	int64_t expires_at = 0;
	enum privd_rc rc = privd_service_portal_authenticate(r->h->svc, tok, &who, &expires_at);

	if (rc != PRIVD_OK) {
		privd_http_reply_rc(r, rc, NULL);
		return;
	}
	privd_http_reply_json(r, MHD_HTTP_OK,
	                      json_pack("{s:s, s:o, s:{s:I, s:[s,s,s,s]}}", "subject_id", who.subject_id, "expires_at",
	                                privd_http_json_time(expires_at), "document", "max_bytes",
	                                (json_int_t)r->h->document_limit, "types", "application/pdf", "image/jpeg",
	                                "image/png", "image/tiff"));
	privd_http_reply_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
}

void privd_http_portal_end(struct privd_http_req *r)
{
	enum privd_rc rc = privd_service_portal_end(r->h->svc, &r->who);

	if (rc != PRIVD_OK) {
		privd_http_reply_rc(r, rc, NULL);
		return;
	}
	privd_http_reply_empty(r, MHD_HTTP_NO_CONTENT);
	session_cookie(r, NULL);
}
