/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * cookies.c - the cookie banner's routes: its configuration (GET public, PUT admin) and visitors' choices (POST
 * and GET, public, from the sites in [cookies] origins), with their CORS preflights.
 *
 * The banner runs on the operator's sites and calls privd across origins, so every answer here says which origin
 * may read it: the configuration is public (any origin), a visitor's choice only for the origins configured, and a
 * request that names another origin is refused outright. Recording is public, so it is limited per client address
 * (ratelimit.c) and its body is small; each choice waits for its group commit with the connection suspended
 * (async.c), so a busy site's choices share fsyncs. A visitor id is random and no one's data, but it is a key to a
 * browser's choice: it is never logged, nor put in a metrics label.
 */
#include "http_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PREFLIGHT_MAX_AGE "7200"
#define CONFIG_MAX_AGE "public, max-age=60"

/* ---- CORS ---- */

/* Is origin privd's own (its host and port those the request was sent to)? privd's pages load the banner too. */
static bool same_origin(struct privd_http_req *r, const char *origin)
{
	const char *host = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
	const char *authority = strstr(origin, "://");

	return host != NULL && authority != NULL && strcmp(authority + 3, host) == 0;
}

/* The request's Origin when [cookies] origins lists it or it is privd's own, into origin ("" when the request names
 * none). False, with a 403 reply, when it names another. */
static bool origin_check(struct privd_http_req *r, char origin[PRIVD_COOKIE_ORIGIN_MAX + 1])
{
	const char *o = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Origin");

	origin[0] = '\0';
	if (o == NULL)
		return true;
	if (strlen(o) <= PRIVD_COOKIE_ORIGIN_MAX &&
	    (privd_cookie_origin_allowed(r->h->cookie_origins, o) || same_origin(r, o))) {
		memcpy(origin, o, strlen(o) + 1);
		return true;
	}
	privd_http_reply_problem(r, MHD_HTTP_FORBIDDEN, "forbidden",
	                         "this origin may not record or read cookie choices (see [cookies] origins)", NULL);
	return false;
}

/* The headers that let origin's pages read the reply (none without an origin). */
static void cors_reply(struct privd_http_req *r, const char *origin)
{
	privd_http_reply_header(r, MHD_HTTP_HEADER_VARY, "Origin");
	if (origin[0] != '\0')
		privd_http_reply_header(r, MHD_HTTP_HEADER_ACCESS_CONTROL_ALLOW_ORIGIN, origin);
}

void privd_http_cookie_preflight(struct privd_http_req *r)
{
	char origin[PRIVD_COOKIE_ORIGIN_MAX + 1];

	if (!origin_check(r, origin))
		return;
	privd_http_reply_empty(r, MHD_HTTP_NO_CONTENT);
	cors_reply(r, origin);
	privd_http_reply_header(r, "Access-Control-Allow-Methods", "GET, POST");
	privd_http_reply_header(r, "Access-Control-Allow-Headers", "Content-Type");
	privd_http_reply_header(r, "Access-Control-Max-Age", PREFLIGHT_MAX_AGE);
}

/* ---- the configuration ---- */

/* The ETag of a configuration as sent: its encoding and the policy version in force. */
static void config_etag(const struct privd_cookie_config_doc *d, char *out, size_t len)
{
	snprintf(out, len, "\"%.16s-%s\"", d->sha256, d->policy_version[0] ? d->policy_version : "none");
}

static void reply_config(struct privd_http_req *r, const struct privd_cookie_config_doc *d)
{
	struct privd_http_text t = {0};
	const char *inm = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
	char etag[96], at[PRIVD_TIME_LEN];
	size_t len = 0;
	char *body;

	config_etag(d, etag, sizeof(etag));
	if (r->method == PRIVD_HTTP_GET && inm != NULL && strstr(inm, etag) != NULL) {
		privd_http_reply_empty(r, MHD_HTTP_NOT_MODIFIED);
	} else {
		privd_http_text_puts(&t, "{\"policy_version\":");
		if (d->policy_version[0] != '\0')
			privd_http_text_printf(&t, "\"%s\"", d->policy_version); /* [A-Za-z0-9._-] only */
		else
			privd_http_text_puts(&t, "null");
		privd_time_format(d->updated_at, at);
		privd_http_text_printf(&t, ",\"updated_at\":%s%s%s,\"categories\":", d->updated_at ? "\"" : "",
		                       d->updated_at ? at : "null", d->updated_at ? "\"" : "");
		privd_http_text_puts(&t, d->categories);
		privd_http_text_puts(&t, "}");
		body = privd_http_text_take(&t, &len);
		if (body == NULL) {
			privd_http_reply_rc(r, PRIVD_ERR_NOMEM, NULL);
			return;
		}
		privd_http_reply_owned(r, MHD_HTTP_OK, "application/json", body, len);
	}
	privd_http_reply_header(r, MHD_HTTP_HEADER_ETAG, etag);
	privd_http_reply_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, CONFIG_MAX_AGE);
	privd_http_reply_header(r, MHD_HTTP_HEADER_ACCESS_CONTROL_ALLOW_ORIGIN, "*");
}

void privd_http_cookie_config_get(struct privd_http_req *r)
{
	struct privd_cookie_config_doc d;
	enum privd_rc rc = privd_service_cookie_config_get(r->h->svc, &d);

	if (rc != PRIVD_OK)
		privd_http_reply_rc(r, rc, NULL);
	else
		reply_config(r, &d);
	privd_cookie_config_doc_clear(&d);
}

void privd_http_cookie_config_put(struct privd_http_req *r)
{
	struct privd_cookie_config_doc d = {0};
	struct privd_err e = {0};
	json_t *body = NULL;
	enum privd_rc rc;

	if (!privd_http_body_object(r, &body))
		goto out;
	rc = privd_service_cookie_config_put(r->h->svc, &r->who, r->body, &d, &e);
	if (rc != PRIVD_OK)
		privd_http_reply_rc(r, rc, &e);
	else
		reply_config(r, &d);
	privd_http_reply_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
out:
	privd_cookie_config_doc_clear(&d);
	json_decref(body);
}

/* ---- visitors' choices ---- */

static json_t *choice_json(const struct privd_cookie_choice *c)
{
	json_t *cats = json_object();

	for (int k = 0; cats != NULL && k < PRIVD_COOKIE_CATEGORY_COUNT; k++)
		json_object_set_new(cats, privd_cookie_category_name(k), json_boolean(c->granted[k]));
	return json_pack("{s:s, s:o*, s:s, s:b, s:b, s:o}", "visitor_id", c->visitor_id, "categories", cats,
	                 "policy_version", c->policy_version, "gpc", c->gpc, "sec_gpc", c->sec_gpc, "recorded_at",
	                 privd_http_json_time(c->at));
}

/* "categories": {"preferences": bool, "analytics": bool, "marketing": bool[, "necessary": true]}. */
static void parse_categories(json_t *cats, struct privd_cookie_choice *c, struct privd_err *e)
{
	static const char *const names[] = {"necessary", "preferences", "analytics", "marketing", NULL};

	if (!json_is_object(cats)) {
		privd_err_field(e, "categories",
		                "is required: an object of preferences, analytics and marketing, each "
		                "true or false");
		return;
	}
	privd_http_json_only(cats, names, "categories.", e);
	for (int k = 0; k < PRIVD_COOKIE_CATEGORY_COUNT; k++) {
		json_t *v = json_object_get(cats, names[k]);
		char field[48];

		snprintf(field, sizeof(field), "categories.%s", names[k]);
		if (k == PRIVD_COOKIE_NECESSARY && v != NULL && !json_is_true(v))
			privd_err_field(e, field, "is always true: necessary cookies need no consent");
		else if (k != PRIVD_COOKIE_NECESSARY && !json_is_boolean(v))
			privd_err_field(e, field, "is required: true or false");
		else
			c->granted[k] = k == PRIVD_COOKIE_NECESSARY || json_is_true(v);
	}
}

/* The body of POST /v1/cookie-consents into c (types and members; the service checks the values). */
static void parse_choice(json_t *b, struct privd_cookie_choice *c, struct privd_err *e)
{
	static const char *const allowed[] = {"visitor_id", "categories", "policy_version", "gpc", NULL};
	const char *visitor = NULL, *version = NULL;
	json_t *gpc = json_object_get(b, "gpc");

	privd_http_json_only(b, allowed, "", e);
	if (privd_http_json_str(b, "visitor_id", NULL, false, &visitor, e) && visitor == NULL)
		privd_err_field(e, "visitor_id", "is required");
	if (privd_http_json_str(b, "policy_version", NULL, false, &version, e) && version == NULL)
		privd_err_field(e, "policy_version", "is required");
	snprintf(c->visitor_id, sizeof(c->visitor_id), "%.32s", visitor != NULL ? visitor : "");
	if (visitor != NULL && strlen(visitor) != 32)
		privd_err_field(e, "visitor_id", "must be 32 lowercase hexadecimal characters");
	snprintf(c->policy_version, sizeof(c->policy_version), "%s", version != NULL ? version : "");
	parse_categories(json_object_get(b, "categories"), c, e);
	if (gpc != NULL && !json_is_boolean(gpc))
		privd_err_field(e, "gpc", "must be true or false");
	c->gpc = json_is_true(gpc);
}

struct choice_result {
	enum privd_rc rc;
	struct privd_err err;
	struct privd_cookie_choice c;
	char origin[PRIVD_COOKIE_ORIGIN_MAX + 1];
};

static void choice_done(void *arg, enum privd_rc rc, const struct privd_cookie_choice *recorded,
                        const struct privd_err *err)
{
	struct privd_http_async *a = arg;
	struct choice_result *res = privd_http_async_result(a);

	res->rc = rc;
	if (recorded != NULL)
		res->c = *recorded;
	if (err != NULL)
		res->err = *err;
	privd_http_async_done(a);
}

static void render_choice(struct privd_http_req *r, void *result)
{
	struct choice_result *res = result;
	char loc[64];

	if (res->rc != PRIVD_OK) {
		privd_http_reply_rc(r, res->rc, &res->err);
	} else {
		privd_http_reply_json(r, MHD_HTTP_CREATED, choice_json(&res->c));
		snprintf(loc, sizeof(loc), "/v1/cookie-consents/%s", res->c.visitor_id);
		privd_http_reply_header(r, MHD_HTTP_HEADER_LOCATION, loc);
	}
	cors_reply(r, res->origin);
}

/* One token from the client address's bucket; false with a 429 reply when it is empty. */
static bool rate_take(struct privd_http_req *r)
{
	uint8_t key[16];
	int64_t retry_ms = 0;
	char retry[24];

	if (r->h->limiter == NULL || !privd_http_client_key(r, key))
		return true;
	if (privd_http_limiter_take(r->h->limiter, key, &retry_ms))
		return true;
	privd_http_reply_problem(r, MHD_HTTP_TOO_MANY_REQUESTS, "too-many-requests",
	                         "too many cookie choices from this address: try again later", NULL);
	snprintf(retry, sizeof(retry), "%lld", (long long)((retry_ms + 999) / 1000));
	privd_http_reply_header(r, MHD_HTTP_HEADER_RETRY_AFTER, retry);
	return false;
}

void privd_http_cookie_consent_record(struct privd_http_req *r)
{
	struct choice_result *res = calloc(1, sizeof(*res));
	struct privd_err e = {0};
	struct privd_http_async *a;
	const char *gpc_header = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Sec-GPC");
	json_t *body = NULL;

	if (res == NULL) {
		privd_http_reply_rc(r, PRIVD_ERR_NOMEM, NULL);
		return;
	}
	if (!origin_check(r, res->origin))
		goto refused;
	if (!rate_take(r) || !privd_http_body_object(r, &body))
		goto refused;
	parse_choice(body, &res->c, &e);
	json_decref(body);
	if (e.nfields > 0) {
		privd_http_reply_fields(r, &e);
		goto refused;
	}
	res->c.sec_gpc = gpc_header != NULL && strcmp(gpc_header, "1") == 0;
	res->c.gpc = res->c.gpc || res->c.sec_gpc;
	memcpy(res->c.origin, res->origin, sizeof(res->c.origin));
	a = privd_http_async_begin(r, res, render_choice, free);
	if (a == NULL)
		return;
	privd_service_cookie_consent_record_async(r->h->svc, &res->c, choice_done, a);
	privd_http_async_wait(r);
	return;
refused:
	cors_reply(r, res->origin);
	free(res);
}

void privd_http_cookie_consent_get(struct privd_http_req *r)
{
	char origin[PRIVD_COOKIE_ORIGIN_MAX + 1];
	struct privd_cookie_choice c;
	struct privd_err e = {0};
	enum privd_rc rc;

	if (!origin_check(r, origin))
		return;
	rc = privd_service_cookie_consent_get(r->h->svc, r->id, &c, &e);
	if (rc != PRIVD_OK)
		privd_http_reply_rc(r, rc, &e);
	else
		privd_http_reply_json(r, MHD_HTTP_OK, choice_json(&c));
	privd_http_reply_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	cors_reply(r, origin);
}
