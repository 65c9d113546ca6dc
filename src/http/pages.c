/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * pages.c - the public pages people read: the privacy policy (/privacy) and each consent text
 * (/consent/{purpose}), in Russian or English.
 *
 * Both are published Markdown the service renders (cmark); this file chooses the language and puts the page around
 * it. The reader's language is ?lang=ru|en when given, otherwise the best of Accept-Language (core/lang.h), and the
 * operator's Russian when the reader prefers neither; a document not published in that language is shown in the
 * other one, with the page's lang attribute and Content-Language saying which. The footer names the version, the
 * day it was published and the SHA-256 a consent record keeps, so a person can see that the text they read is the
 * one they agreed to. The pages look like the cookie banner (web/consent.js: its type, colours and buttons), and
 * the policy's page loads the banner in its manual mode, so that its "cookie settings" button opens it.
 */
#include "http_int.h"

#include <string.h>

#include "core/lang.h"

/* The reader's language: ?lang= or Accept-Language. False (with a 422 reply) when ?lang= is not one of ours. */
static bool page_lang(struct privd_http_req *r, enum privd_lang *out)
{
	const char *q = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "lang");

	if (q != NULL) {
		if (privd_lang_parse(q, out) == PRIVD_OK)
			return true;
		privd_http_reply_invalid(r, "lang", "must be ru or en");
		return false;
	}
	*out = privd_lang_negotiate(MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Accept-Language"),
	                            PRIVD_LANG_DEFAULT);
	return true;
}

/* The words of a page around a document. */
struct page_words {
	const char *title;
	const char *version;   /* "Policy version", ... */
	const char *published; /* "published" */
	const char *cookies;   /* the cookie settings button; NULL: none on this page */
};

/* The banner's look (web/consent.js), for a page to read. */
static const char page_style[] =
    "body{margin:0;background:#f4f4f2;color:#1b1b1b;font:16px/1.6 system-ui,-apple-system,\"Segoe UI\",Roboto,"
    "sans-serif}.page{max-width:46rem;margin:2rem auto;padding:0 1rem}main{background:#fff;border-radius:10px;"
    "padding:1.5rem 2rem;box-shadow:0 2px 12px "
    "rgba(0,0,0,.08);overflow-wrap:anywhere}h1{font-size:1.6rem;line-height:1.25;margin:.2rem 0 "
    "1rem}h2{font-size:1.2rem;margin:1.6rem 0 .5rem}h3{font-size:1.05rem}ul,ol{padding-left:1.4rem}li{margin:.3rem 0}"
    "a{color:#1f5fbf}nav{text-align:right;font-size:.9rem;margin-bottom:.75rem}footer{margin:1.25rem 0 2rem;"
    "font-size:.88rem;color:#555;display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center}footer code{"
    "word-break:break-all}.privd-cc__btn{font:inherit;font-weight:600;padding:.55rem .9rem;border:2px solid #1f5fbf;"
    "border-radius:6px;background:#1f5fbf;color:#fff;cursor:pointer}"
    ":focus-visible{outline:3px solid #f0a500;outline-offset:2px}"
    "@media (max-width:30rem){main{padding:1rem 1.1rem}h1{font-size:1.35rem} }";

/* A page with the cookie settings runs the banner's script from privd's own origin, which reads and records choices
 * there and writes its own <style>: nothing else is loaded, nothing inline runs. (Without it, the server gives the
 * stricter policy of every page, no script at all: privd_http_secure_headers.) */
#define COOKIE_PAGE_CSP                                                                                                \
	"default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; base-uri 'none'; "      \
	"form-action 'none'; frame-ancestors 'none'"

/* The page of pg, as the reply. query_version, when not NULL, is kept in the language links. */
static void page_reply(struct privd_http_req *r, const struct page_words *w, const struct privd_text_page *pg,
                       const char *query_version)
{
	struct privd_http_text t = {0};
	const char *lang = privd_lang_name(pg->language);
	char when[PRIVD_TIME_LEN];
	size_t len = 0;
	char *html;

	privd_http_text_printf(&t,
	                       "<!doctype html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
	                       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
	                       lang);
	privd_http_text_html(&t, w->title);
	privd_http_text_printf(&t, "</title>\n<style>%s</style>\n", page_style);
	if (w->cookies != NULL) /* same origin: the banner, opened only by the button */
		privd_http_text_printf(&t, "<script src=\"/consent.js\" data-lang=\"%s\" data-manual defer></script>\n",
		                       lang);
	privd_http_text_puts(&t, "</head>\n<body>\n<div class=\"page\">\n<nav>");
	for (int l = 0; l < PRIVD_LANG_COUNT; l++) {
		static const char *const names[PRIVD_LANG_COUNT] = {"Русский", "English"};

		privd_http_text_printf(&t, "%s<a href=\"?lang=%s", l ? " &middot; " : "", privd_lang_name(l));
		if (query_version != NULL) {
			privd_http_text_puts(&t, "&amp;version=");
			privd_http_text_html(&t, query_version);
		}
		privd_http_text_printf(&t, "\" hreflang=\"%s\">%s</a>", privd_lang_name(l), names[l]);
	}
	privd_http_text_puts(&t, "</nav>\n<main>\n");
	privd_http_text_puts(&t, pg->body_html);
	privd_http_text_printf(&t, "</main>\n<footer>\n<span>%s ", w->version);
	privd_http_text_html(&t, pg->version);
	privd_time_format(pg->published_at, when);
	privd_http_text_printf(&t, ", %s <time datetime=\"%.10s\">%.10s</time></span>\n<span>SHA-256 <code>",
	                       w->published, when, when);
	privd_http_text_html(&t, pg->sha256);
	privd_http_text_puts(&t, "</code></span>\n");
	if (w->cookies != NULL)
		privd_http_text_printf(
		    &t, "<button type=\"button\" class=\"privd-cc__btn\" data-privd-open>%s</button>\n", w->cookies);
	privd_http_text_puts(&t, "</footer>\n</div>\n</body>\n</html>\n");
	html = privd_http_text_take(&t, &len);
	if (html == NULL) {
		privd_http_reply_rc(r, PRIVD_ERR_NOMEM, NULL);
		return;
	}
	privd_http_reply_owned(r, MHD_HTTP_OK, "text/html; charset=utf-8", html, len);
	privd_http_reply_header(r, MHD_HTTP_HEADER_CONTENT_LANGUAGE, lang);
	privd_http_reply_header(r, MHD_HTTP_HEADER_VARY, "Accept-Language");
	if (w->cookies != NULL)
		privd_http_reply_header(r, "Content-Security-Policy", COOKIE_PAGE_CSP);
}

void privd_http_privacy(struct privd_http_req *r)
{
	static const struct page_words words[PRIVD_LANG_COUNT] = {
	    [PRIVD_LANG_RU] = {"Политика конфиденциальности", "Версия политики", "опубликована", "Настройки cookie"},
	    [PRIVD_LANG_EN] = {"Privacy Policy", "Policy version", "published", "Cookie settings"},
	};
	struct privd_text_page pg;
	enum privd_lang want;
	enum privd_rc rc;

	if (!page_lang(r, &want))
		return;
	rc = privd_service_policy_page(r->h->svc, want, &pg);
	if (rc == PRIVD_ERR_NOT_FOUND)
		privd_http_reply_problem(r, MHD_HTTP_NOT_FOUND, "not-found", "no policy is published", NULL);
	else if (rc != PRIVD_OK)
		privd_http_reply_rc(r, rc, NULL);
	else
		page_reply(r, &words[pg.language], &pg, NULL);
	privd_text_page_clear(&pg);
}

void privd_http_consent_page(struct privd_http_req *r)
{
	static const struct page_words words[2][PRIVD_LANG_COUNT] = {
	    {[PRIVD_LANG_RU] = {"Согласие на обработку персональных данных", "Версия текста согласия", "опубликована",
	                        NULL},
	     [PRIVD_LANG_EN] = {"Consent to the processing of personal data", "Consent text version", "published",
	                        NULL}},
	    {[PRIVD_LANG_RU] = {"Согласие на передачу персональных данных третьим лицам", "Версия текста согласия",
	                        "опубликована", NULL},
	     [PRIVD_LANG_EN] = {"Consent to the transfer of personal data to third parties", "Consent text version",
	                        "published", NULL}},
	};
	const char *version = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "version");
	struct privd_text_page pg;
	enum privd_purpose p;
	enum privd_lang want;
	enum privd_rc rc;

	memset(&pg, 0, sizeof(pg));
	if (privd_purpose_parse(r->purpose, &p) != PRIVD_OK || !privd_purpose_has_text(p)) {
		privd_http_reply_problem(r, MHD_HTTP_NOT_FOUND, "not-found",
		                         "consent texts exist for processing and third_party_transfer", NULL);
		return;
	}
	if (!page_lang(r, &want))
		return;
	rc = privd_service_consent_text_page(r->h->svc, p, want, version, &pg);
	if (rc == PRIVD_ERR_NOT_FOUND)
		privd_http_reply_problem(r, MHD_HTTP_NOT_FOUND, "not-found",
		                         version != NULL ? "no such version of this consent text is published"
		                                         : "no consent text is published for this purpose",
		                         NULL);
	else if (rc != PRIVD_OK)
		privd_http_reply_rc(r, rc, NULL);
	else
		page_reply(r, &words[p == PRIVD_PURPOSE_PROCESSING ? 0 : 1][pg.language], &pg, version);
	privd_text_page_clear(&pg);
}
