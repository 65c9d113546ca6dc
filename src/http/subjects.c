/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * subjects.c - registration, profile reads, updates and look-ups of data subjects under /v1/subjects.
 *
 * Registration is write-bound: each one waits for a durable commit, with the connection suspended meanwhile
 * (async.c), so that many registrations share one group commit. Everything here handles plain-text PII: parsed bodies
 * live in jansson strings (zeroed on free), profiles in struct privd_subject (cleared after use), responses in buffers
 * zeroed when libmicrohttpd frees them. Nothing here is logged.
 */
#include "http_int.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A registration's answer, filled by the writer's done callback (async.c holds it until the request ends). */
struct reg_result {
	enum privd_rc rc;
	struct privd_subject subject;
	struct privd_err *err; /* malloc'd when the registration failed with detail (NULL when memory was short) */
	json_t *json;          /* the parsed body: the registration's strings point into it, or */
	char *strs;            /* the strings reg_scan.c copied out of it */
	struct privd_principal who;
};

static void reg_result_free(void *p)
{
	struct reg_result *res = p;

	if (res == NULL)
		return;
	json_decref(res->json);
	privd_http_free_zero(res->strs);
	free(res->err);
	privd_subject_clear(&res->subject);
	explicit_bzero(res, sizeof(*res));
	free(res);
}

/* A member of the profile: "key": and its value (a string quoted, or null). */
struct member {
	const char *key;
	const char *str; /* NULL: a time */
	bool empty_null;
	int64_t time; /* 0: null */
};

char *privd_http_subject_text(const struct privd_subject *s, size_t *len)
{
	const struct member m[] = {
	    {"id", s->id, false, 0},
	    {"status", privd_subject_status_name(s->status), false, 0},
	    {"name", s->name, false, 0},
	    {"email", s->email, true, 0},
	    {"phone", s->phone, true, 0},
	    {"ip", s->ip, true, 0},
	    {"birth_date", s->birth_date, true, 0},
	    {"residence_country", s->residence_country, true, 0},
	    {"language", s->language, true, 0},
	    {"policy_version", s->policy_version, true, 0},
	    {"created_at", NULL, false, s->created_at},
	    {"updated_at", NULL, false, s->updated_at},
	    {"erase_after", NULL, false, s->erase_after},
	};
	size_t cap = 2, o = 0;
	char *text;

	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		cap += strlen(m[i].key) + 4 + PRIVD_HTTP_JSON_QUOTED(m[i].str ? strlen(m[i].str) : PRIVD_TIME_LEN);
	text = malloc(cap);
	if (text == NULL)
		return NULL;
	text[o++] = '{';
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		char when[PRIVD_TIME_LEN];
		const char *v = m[i].str;
		size_t k = strlen(m[i].key);

		if (v == NULL && m[i].time != 0) {
			privd_time_format(m[i].time, when);
			v = when;
		}
		if (i > 0)
			text[o++] = ',';
		text[o++] = '"';
		memcpy(text + o, m[i].key, k);
		o += k;
		text[o++] = '"';
		text[o++] = ':';
		o += privd_http_json_quote(text + o, v, m[i].empty_null);
	}
	text[o++] = '}';
	text[o] = '\0';
	*len = o;
	return text;
}

/* The profile as answered, malloc'd (the caller zeroes and frees it), with its ETag; NULL when out of memory. */
static char *subject_text(const struct privd_subject *s, char etag[48], size_t *len)
{
	char *text = privd_http_subject_text(s, len);

	if (text != NULL)
		privd_http_etag_of(text, *len, etag);
	return text;
}

/* The profile with its ETag, which PATCH takes back in If-Match. */
static void reply_subject(struct privd_http_req *r, unsigned status, const struct privd_subject *s)
{
	char etag[48];
	size_t len = 0;
	char *text = subject_text(s, etag, &len);

	if (text == NULL) {
		privd_http_reply_rc(r, PRIVD_ERR_NOMEM, NULL);
		return;
	}
	privd_http_reply_owned(r, status, "application/json", text, len);
	privd_http_reply_header(r, MHD_HTTP_HEADER_ETAG, etag);
}

/* Does If-Match, when sent, name the profile as it stands ("*" or one of its entity tags)? Otherwise leaves the
 * answer: 412 for a stale tag, or the look-up's problem. Checked just before the update (see docs/api.md). */
static bool if_match_holds(struct privd_http_req *r)
{
	const char *im = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_MATCH);
	struct privd_subject cur;
	struct privd_err e = {0};
	char etag[48], *text = NULL;
	size_t len = 0;
	bool ok = false;
	enum privd_rc rc;

	if (im == NULL)
		return true;
	memset(&cur, 0, sizeof(cur));
	rc = privd_service_subject_get(r->h->svc, &r->who, r->id, &cur, &e);
	if (rc != PRIVD_OK) {
		privd_http_reply_rc(r, rc, &e);
		goto out;
	}
	text = subject_text(&cur, etag, &len);
	if (text == NULL) {
		privd_http_reply_rc(r, PRIVD_ERR_NOMEM, NULL);
		goto out;
	}
	ok = strcmp(im, "*") == 0 || strstr(im, etag) != NULL;
	if (!ok)
		privd_http_reply_problem(r, MHD_HTTP_PRECONDITION_FAILED, "precondition-failed",
		                         "If-Match does not name the profile as it stands: read it again", NULL);
out:
	privd_http_free_zero(text);
	privd_subject_clear(&cur);
	return ok;
}

static void parse_flag(json_t *consents, const char *key, const char *field, int *out, struct privd_err *e)
{
	json_t *v = json_object_get(consents, key);

	*out = -1;
	if (v == NULL)
		return;
	if (!json_is_boolean(v)) {
		privd_err_field(e, field, "must be a boolean");
		return;
	}
	*out = json_is_true(v) ? 1 : 0;
}

/* consents.texts: the version of the consent text shown, per purpose (152-FZ Art. 9 as amended by 156-FZ). */
static void parse_texts(json_t *texts, struct privd_registration *reg, struct privd_err *e)
{
	static const char *const allowed[] = {"processing", "third_party_transfer", NULL};

	if (texts == NULL || json_is_null(texts))
		return;
	if (!json_is_object(texts)) {
		privd_err_field(e, "consents.texts", "must be an object");
		return;
	}
	privd_http_json_only(texts, allowed, "consents.texts.", e);
	privd_http_json_str(texts, "processing", "consents.texts.processing", true,
	                    &reg->texts[PRIVD_PURPOSE_PROCESSING], e);
	privd_http_json_str(texts, "third_party_transfer", "consents.texts.third_party_transfer", true,
	                    &reg->texts[PRIVD_PURPOSE_THIRD_PARTY_TRANSFER], e);
}

static void parse_consents(json_t *c, struct privd_registration *reg, struct privd_err *e)
{
	static const char *const allowed[] = {"processing", "third_party_transfer", "cookies", "texts", "language",
	                                      NULL};
	json_t *cookies, *v;
	size_t i;

	if (c == NULL || json_is_null(c))
		return;
	if (!json_is_object(c)) {
		privd_err_field(e, "consents", "must be an object");
		return;
	}
	privd_http_json_only(c, allowed, "consents.", e);
	parse_flag(c, "processing", "consents.processing", &reg->processing, e);
	parse_flag(c, "third_party_transfer", "consents.third_party_transfer", &reg->third_party_transfer, e);
	parse_texts(json_object_get(c, "texts"), reg, e);
	privd_http_json_str(c, "language", "consents.language", true, &reg->language, e);
	cookies = json_object_get(c, "cookies");
	if (cookies == NULL || json_is_null(cookies))
		return;
	if (!json_is_array(cookies)) {
		privd_err_field(e, "consents.cookies", "must be an array");
		return;
	}
	json_array_foreach(cookies, i, v)
	{
		enum privd_purpose p;

		if (!json_is_string(v)) {
			privd_err_field(e, "consents.cookies", "must be an array of strings");
			return;
		}
		if (privd_cookie_category_parse(json_string_value(v), &p) != PRIVD_OK) {
			privd_err_field(e, "consents.cookies", "must hold only preferences, analytics, marketing");
			return;
		}
		reg->cookies[p - PRIVD_PURPOSE_COOKIES_PREFERENCES] = true;
	}
}

/* Types and members only; the service validates the values. */
void privd_http_registration_parse(json_t *b, struct privd_registration *reg, struct privd_err *e)
{
	static const char *const allowed[] = {
	    "name",           "email",    "phone",    "ip",         "birth_date", "residence_country",
	    "policy_version", "consents", "language", "visitor_id", NULL};

	memset(reg, 0, sizeof(*reg));
	reg->processing = -1;
	reg->third_party_transfer = -1;
	privd_http_json_only(b, allowed, "", e);
	privd_http_json_str(b, "name", NULL, true, &reg->name, e);
	privd_http_json_str(b, "email", NULL, true, &reg->email, e);
	privd_http_json_str(b, "phone", NULL, true, &reg->phone, e);
	privd_http_json_str(b, "ip", NULL, true, &reg->ip, e);
	privd_http_json_str(b, "birth_date", NULL, true, &reg->birth_date, e);
	privd_http_json_str(b, "residence_country", NULL, true, &reg->residence_country, e);
	privd_http_json_str(b, "policy_version", NULL, true, &reg->policy_version, e);
	privd_http_json_str(b, "language", NULL, true, &reg->notice_language, e);
	privd_http_json_str(b, "visitor_id", NULL, true, &reg->visitor_id, e);
	parse_consents(json_object_get(b, "consents"), reg, e);
}

static void register_done(void *arg, enum privd_rc rc, const struct privd_subject *out, const struct privd_err *err)
{
	struct privd_http_async *a = arg;
	struct reg_result *res = privd_http_async_result(a);

	res->rc = rc;
	if (rc == PRIVD_OK && out != NULL)
		res->subject = *out;
	if (err != NULL) {
		res->err = malloc(sizeof(*res->err));
		if (res->err != NULL)
			*res->err = *err;
	}
	privd_http_async_done(a);
}

static void render_registration(struct privd_http_req *r, void *result)
{
	struct reg_result *res = result;
	const struct privd_err *err = res->err;
	char loc[64];

	if (res->rc == PRIVD_ERR_FORBIDDEN && err != NULL && err->problem[0] != '\0') {
		privd_http_reply_rc(r, res->rc, err); /* a rule that names itself: 152-FZ Art. 18 p.5 */
	} else if (res->rc == PRIVD_ERR_FORBIDDEN) {
		/* the other refusal registration has: an age rule (a role refusal never reaches the handler) */
		privd_http_reply_problem(
		    r, MHD_HTTP_FORBIDDEN, "age-restricted",
		    err != NULL && err->msg[0] ? err->msg : "registration is refused by an age rule", NULL);
	} else if (res->rc != PRIVD_OK) {
		privd_http_reply_rc(r, res->rc, err);
	} else {
		reply_subject(
		    r, res->subject.status == PRIVD_SUBJECT_PENDING_GUARDIAN ? MHD_HTTP_ACCEPTED : MHD_HTTP_CREATED,
		    &res->subject);
		snprintf(loc, sizeof(loc), "/v1/subjects/%s", res->subject.id);
		privd_http_reply_header(r, MHD_HTTP_HEADER_LOCATION, loc);
	}
	privd_subject_clear(&res->subject);
	json_decref(res->json); /* the registration's strings are no longer needed */
	res->json = NULL;
	privd_http_free_zero(res->strs);
	res->strs = NULL;
}

/* The usual body, read by reg_scan.c into reg with its strings in *strs (malloc'd); false, with nothing answered,
 * when the body is not in that form or memory is short: the caller then parses it with jansson. */
static bool registration_fast(struct privd_http_req *r, struct privd_registration *reg, char **strs)
{
	const char *ct = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);

	*strs = NULL;
	if ((ct != NULL && strcmp(ct, "application/json") != 0) || r->body_len == 0)
		return false;
	*strs = malloc(r->body_len + 1);
	if (*strs != NULL && privd_http_registration_scan(r->body, r->body_len, reg, *strs))
		return true;
	privd_http_free_zero(*strs);
	*strs = NULL;
	return false;
}

void privd_http_subject_register(struct privd_http_req *r)
{
	struct privd_registration reg;
	struct privd_err e = {0};
	struct privd_http_async *a = NULL;
	struct reg_result *res = NULL;
	json_t *body = NULL;
	char *strs = NULL;

	if (!registration_fast(r, &reg, &strs)) {
		if (!privd_http_body_object(r, &body))
			goto out;
		privd_http_registration_parse(body, &reg, &e);
	}
	if (e.nfields > 0) {
		privd_http_reply_fields(r, &e);
		goto out;
	}
	res = calloc(1, sizeof(*res));
	if (res == NULL) {
		privd_http_reply_rc(r, PRIVD_ERR_NOMEM, NULL);
		goto out;
	}
	res->json = body;
	body = NULL;
	res->strs = strs;
	strs = NULL;
	res->who = r->who;
	a = privd_http_async_begin(r, res, render_registration, reg_result_free);
	if (a == NULL)
		goto out;
	privd_service_subject_register_async(r->h->svc, &res->who, &reg, register_done, a);
	privd_http_async_wait(r);
out:
	privd_http_free_zero(strs);
	json_decref(body);
}

void privd_http_subject_get(struct privd_http_req *r)
{
	struct privd_subject s;
	struct privd_err e = {0};
	enum privd_rc rc;

	memset(&s, 0, sizeof(s));
	rc = privd_service_subject_get(r->h->svc, &r->who, r->id, &s, &e);
	if (rc != PRIVD_OK)
		privd_http_reply_rc(r, rc, &e);
	else
		reply_subject(r, MHD_HTTP_OK, &s);
	privd_subject_clear(&s);
}

/* A PATCH member: absent stays NULL; null removes e-mail or phone ("") and is refused elsewhere. */
static void patch_member(json_t *b, const char *key, bool removable, const char **out, struct privd_err *e)
{
	json_t *v = json_object_get(b, key);

	*out = NULL;
	if (v == NULL)
		return;
	if (json_is_null(v) && removable) {
		*out = "";
		return;
	}
	if (!json_is_string(v)) {
		privd_err_field(e, key, removable ? "must be a string or null" : "must be a string");
		return;
	}
	*out = json_string_value(v);
}

void privd_http_subject_patch(struct privd_http_req *r)
{
	static const char *const allowed[] = {"name",     "email", "phone", "ip", "birth_date", "residence_country",
	                                      "language", NULL};
	struct privd_subject_patch p;
	struct privd_subject s;
	struct privd_err e = {0};
	json_t *body = NULL;
	enum privd_rc rc;

	memset(&p, 0, sizeof(p));
	memset(&s, 0, sizeof(s));
	if (!privd_http_body_object(r, &body))
		goto out;
	privd_http_json_only(body, allowed, "", &e);
	patch_member(body, "name", false, &p.name, &e);
	patch_member(body, "email", true, &p.email, &e);
	patch_member(body, "phone", true, &p.phone, &e);
	patch_member(body, "ip", false, &p.ip, &e);
	patch_member(body, "birth_date", false, &p.birth_date, &e);
	patch_member(body, "residence_country", false, &p.residence_country, &e);
	patch_member(body, "language", true, &p.language, &e);
	if (e.nfields > 0) {
		privd_http_reply_fields(r, &e);
		goto out;
	}
	if (!if_match_holds(r))
		goto out;
	rc = privd_service_subject_update(r->h->svc, &r->who, r->id, &p, &s, &e);
	if (rc == PRIVD_ERR_FORBIDDEN && e.problem[0] == '\0') /* as at registration: an age rule */
		privd_http_reply_problem(r, MHD_HTTP_FORBIDDEN, "age-restricted", e.msg, NULL);
	else if (rc != PRIVD_OK)
		privd_http_reply_rc(r, rc, &e);
	else
		reply_subject(r, MHD_HTTP_OK, &s);
out:
	privd_subject_clear(&s);
	json_decref(body);
}

void privd_http_subject_find(struct privd_http_req *r)
{
	const char *email = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "email");
	const char *phone = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "phone");
	struct privd_err e = {0};
	enum privd_subject_status status = PRIVD_SUBJECT_ACTIVE;
	char id[33] = "";
	json_t *items = NULL;
	enum privd_rc rc;

	if ((email == NULL) == (phone == NULL)) {
		privd_http_reply_invalid(r, email ? "phone" : "email",
		                         email ? "give either email or phone, not both" : "email or phone is required");
		goto out;
	}
	rc = privd_service_subject_find(r->h->svc, &r->who, email ? "email" : "phone", email ? email : phone, id,
	                                &status, &e);
	items = json_array();
	if (items == NULL) {
		privd_http_reply_rc(r, PRIVD_ERR_NOMEM, NULL);
		goto out;
	}
	if (rc == PRIVD_OK)
		json_array_append_new(items,
		                      json_pack("{s:s, s:s}", "id", id, "status", privd_subject_status_name(status)));
	else if (rc == PRIVD_ERR_NOT_FOUND)
		rc = PRIVD_OK;
	if (rc != PRIVD_OK) {
		privd_http_reply_rc(r, rc, &e);
		goto out;
	}
	privd_http_reply_json(r, MHD_HTTP_OK, json_pack("{s:o}", "items", items));
	items = NULL;
out:
	json_decref(items);
}
