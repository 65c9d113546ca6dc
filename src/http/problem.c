/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * problem.c - responses: RFC 9457 problem+json for every error, the mapping from enum privd_rc to a status,
 * and the small JSON helpers the resource files share.
 *
 * Only this layer turns result codes into HTTP. What shaped it: an error answer must never carry what was
 * submitted (it may be PII) nor an internal message (it may quote data), so 5xx details are fixed strings,
 * parser errors give positions, not tokens, and field errors name the field and a reason only. Buffers that
 * may have held PII (bodies, jansson's strings, rendered subjects) are zeroed before they are freed.
 */
#include "http_int.h"

#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/log.h"

struct problem_kind {
	const char *slug;
	const char *title;
};

static const struct problem_kind kinds[] = {
    {"malformed", "Malformed request"},
    {"unauthorized", "Unauthorized"},
    {"forbidden", "Forbidden"},
    {"age-restricted", "Age restricted"},
    {"not-found", "Not found"},
    {"method-not-allowed", "Method not allowed"},
    {"conflict", "Conflict"},
    {"idempotency-key-reused", "Idempotency key reused"},
    {"idempotency-key-in-flight", "Idempotency key in flight"},
    {"precondition-failed", "Precondition failed"},
    {"revoked", "Consent to processing revoked"},
    {"reconsent-required", "Reconsent required"},
    {"gone", "Gone"},
    {"too-large", "Payload too large"},
    {"unsupported-media-type", "Unsupported media type"},
    {"validation", "Validation failed"},
    {"too-many-requests", "Too many requests"},
    {"unavailable", "Service unavailable"},
    {"timeout", "Request timeout"},
    {"not-implemented", "Not implemented"},
    {"internal", "Internal error"},
    {"not-extendable", "Deadline not extendable"},
    {"deadline-passed", "Deadline passed"},
    {"localisation", "Data localisation"},
    {"recipient-inactive", "Recipient deactivated"},
    {"cross-border-review", "Cross-border transfer under review"},
};

void privd_http_free_zero(void *p)
{
	if (p == NULL)
		return;
	explicit_bzero(p, malloc_usable_size(p));
	free(p);
}

void privd_http_json_alloc_init(void)
{
	json_set_alloc_funcs(malloc, privd_http_free_zero);
}

static void set_resp(struct privd_http_req *r, unsigned status, struct MHD_Response *resp, const char *ctype)
{
	if (r->resp != NULL && !r->resp_shared)
		MHD_destroy_response(r->resp);
	r->resp = resp;
	r->resp_shared = false;
	r->status = status;
	if (resp != NULL && ctype != NULL)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
}

void privd_http_reply_shared(struct privd_http_req *r, unsigned status, struct MHD_Response *resp)
{
	set_resp(r, status, resp, NULL);
	r->resp_shared = true;
}

void privd_http_reply_buf(struct privd_http_req *r, unsigned status, const char *content_type, const char *buf,
                          size_t len)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(len, (void *)buf, MHD_RESPMEM_MUST_COPY);

	privd_http_idem_capture(r, status, content_type, buf, len);
	set_resp(r, status, resp, content_type);
}

void privd_http_reply_owned(struct privd_http_req *r, unsigned status, const char *content_type, char *buf, size_t len)
{
	struct MHD_Response *resp;

	privd_http_idem_capture(r, status, content_type, buf, len);
	resp = MHD_create_response_from_buffer_with_free_callback(len, buf, privd_http_free_zero);
	if (resp == NULL)
		privd_http_free_zero(buf);
	set_resp(r, status, resp, content_type);
}

void privd_http_reply_json(struct privd_http_req *r, unsigned status, json_t *j)
{
	char *s = NULL;

	if (j != NULL)
		s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (s == NULL) {
		set_resp(r, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL, NULL);
		return;
	}
	privd_http_reply_owned(r, status, "application/json", s, strlen(s));
}

void privd_http_reply_empty(struct privd_http_req *r, unsigned status)
{
	privd_http_reply_buf(r, status, NULL, "", 0);
}

/* Pages privd renders carry no script and load nothing: a policy that allows only their inline style. A page
 * that needs more (a script of its own) sets its own Content-Security-Policy before the server queues it. */
#define PAGE_CSP                                                                                                       \
	"default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

static void header_default(struct MHD_Response *resp, const char *name, const char *value)
{
	if (MHD_get_response_header(resp, name) == NULL)
		MHD_add_response_header(resp, name, value);
}

void privd_http_secure_headers(struct MHD_Response *resp)
{
	const char *ct;

	if (resp == NULL)
		return;
	header_default(resp, "X-Content-Type-Options", "nosniff");
	header_default(resp, "Referrer-Policy", "no-referrer");
	/* nearly every answer holds personal data or a key; what may be cached says so itself */
	header_default(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	ct = MHD_get_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE);
	if (ct != NULL && strncasecmp(ct, "text/html", 9) == 0) {
		header_default(resp, "Content-Security-Policy", PAGE_CSP);
		header_default(resp, "X-Frame-Options", "DENY");
	}
}

void privd_http_reply_header(struct privd_http_req *r, const char *name, const char *value)
{
	if (r->resp != NULL && !r->resp_shared) {
		MHD_add_response_header(r->resp, name, value);
		privd_http_idem_capture_header(r, name, value);
	}
}

static const char *title_of(const char *slug)
{
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kinds[i].slug, slug) == 0)
			return kinds[i].title;
	return "Error";
}

static json_t *problem_json(const struct privd_http_req *r, unsigned status, const char *slug, const char *detail,
                            const struct privd_err *err)
{
	char type[64];
	json_t *p = json_object();
	json_t *inst;
	size_t i;

	if (p == NULL)
		return NULL;
	snprintf(type, sizeof(type), "urn:privd:problem:%s", slug);
	json_object_set_new(p, "type", json_string(type));
	json_object_set_new(p, "title", json_string(title_of(slug)));
	json_object_set_new(p, "status", json_integer(status));
	if (detail != NULL && detail[0] != '\0')
		json_object_set_new(p, "detail", json_string(detail));
	/* the route's template, never the path sent: a mistyped id may be an e-mail address */
	inst = r->path_idx < privd_http_path_count() ? json_string(privd_http_path_name(r->path_idx)) : NULL;
	if (inst != NULL)
		json_object_set_new(p, "instance", inst);
	if (err != NULL && err->nfields > 0) {
		json_t *errors = json_array();

		for (i = 0; i < err->nfields && i < PRIVD_ERR_MAX_FIELDS; i++)
			json_array_append_new(errors, json_pack("{s:s, s:s}", "field", err->fields[i].field, "reason",
			                                        err->fields[i].reason));
		json_object_set_new(p, "errors", errors);
	}
	return p;
}

char *privd_http_problem_text(const struct privd_http_req *r, unsigned status, const char *slug, const char *detail)
{
	json_t *p = problem_json(r, status, slug, detail, NULL);
	char *s = p != NULL ? json_dumps(p, JSON_COMPACT) : NULL;

	json_decref(p);
	return s;
}

void privd_http_reply_problem(struct privd_http_req *r, unsigned status, const char *slug, const char *detail,
                              const struct privd_err *err)
{
	privd_http_reply_problem_with(r, status, slug, detail, err, NULL);
}

void privd_http_reply_problem_with(struct privd_http_req *r, unsigned status, const char *slug, const char *detail,
                                   const struct privd_err *err, json_t *members)
{
	json_t *p = problem_json(r, status, slug, detail, err);
	char *s = NULL;

	/* kept to write it again on the socket, should the connection have to close at once (server.c) */
	snprintf(r->problem_slug, sizeof(r->problem_slug), "%s", slug);
	r->early_slug = r->problem_slug;
	snprintf(r->early_detail, sizeof(r->early_detail), "%s", detail != NULL ? detail : "");
	if (p != NULL && members != NULL)
		json_object_update_missing(p, members);
	s = p != NULL ? json_dumps(p, JSON_COMPACT) : NULL;
	json_decref(p);
	json_decref(members);
	if (s == NULL) {
		set_resp(r, status, NULL, NULL);
		return;
	}
	privd_http_reply_owned(r, status, "application/problem+json", s, strlen(s));
}

void privd_http_reply_invalid(struct privd_http_req *r, const char *field, const char *reason)
{
	struct privd_err e = {0};

	privd_err_field(&e, field, reason);
	privd_http_reply_problem(r, MHD_HTTP_UNPROCESSABLE_CONTENT, "validation", "1 field is invalid", &e);
}

/* A 4xx detail: the service's message (which by contract names fields, never values) or a fixed text. */
static const char *detail_of(const struct privd_err *err, const char *fallback)
{
	return (err != NULL && err->msg[0] != '\0') ? err->msg : fallback;
}

/* The problem type: the one the service named for this failure (err->problem), or rc's generic one. */
static const char *slug_of(const struct privd_err *err, const char *generic)
{
	return (err != NULL && err->problem[0] != '\0') ? err->problem : generic;
}

void privd_http_reply_rc(struct privd_http_req *r, enum privd_rc rc, const struct privd_err *err)
{
	char detail[64];

	switch (rc) {
	case PRIVD_ERR_INVALID:
		if (err != NULL && err->nfields > 0) {
			snprintf(detail, sizeof(detail), "%zu field%s invalid", err->nfields,
			         err->nfields == 1 ? " is" : "s are");
			privd_http_reply_problem(r, MHD_HTTP_UNPROCESSABLE_CONTENT, "validation", detail, err);
		} else {
			privd_http_reply_problem(r, MHD_HTTP_UNPROCESSABLE_CONTENT, "validation",
			                         detail_of(err, "the request is invalid"), err);
		}
		return;
	case PRIVD_ERR_MALFORMED:
		privd_http_reply_problem(r, MHD_HTTP_BAD_REQUEST, "malformed",
		                         detail_of(err, "the request cannot be parsed"), NULL);
		return;
	case PRIVD_ERR_NOT_FOUND:
		privd_http_reply_problem(r, MHD_HTTP_NOT_FOUND, "not-found", detail_of(err, "no such resource"), NULL);
		return;
	case PRIVD_ERR_CONFLICT:
		privd_http_reply_problem(r, MHD_HTTP_CONFLICT, slug_of(err, "conflict"),
		                         detail_of(err, "the value is already taken"), err);
		return;
	case PRIVD_ERR_FORBIDDEN:
		privd_http_reply_problem(r, MHD_HTTP_FORBIDDEN, slug_of(err, "forbidden"),
		                         detail_of(err, "not allowed"), NULL);
		return;
	case PRIVD_ERR_GONE:
		privd_http_reply_problem(r, MHD_HTTP_GONE, "gone", detail_of(err, "the resource was erased"), NULL);
		return;
	case PRIVD_ERR_TOO_LARGE:
		privd_http_reply_problem(r, MHD_HTTP_CONTENT_TOO_LARGE, "too-large",
		                         detail_of(err, "the request is too large"), NULL);
		return;
	case PRIVD_ERR_UNSUPPORTED:
		privd_http_reply_problem(r, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type",
		                         detail_of(err, "the media type is not supported"), NULL);
		return;
	case PRIVD_ERR_BUSY:
		privd_http_reply_problem(r, MHD_HTTP_SERVICE_UNAVAILABLE, "unavailable",
		                         "the service is busy or shutting down; retry later", NULL);
		privd_http_reply_header(r, MHD_HTTP_HEADER_RETRY_AFTER, "1");
		return;
	case PRIVD_ERR_DB:
		/* The database refused or could not make the write durable (down, disk full, a failed fsync): nothing
		 * was acknowledged, and the same request may succeed once the store is back. */
		privd_log(PRIVD_LOG_ERROR, "http.store_unavailable", "\"route\":\"%s\"",
		          privd_http_path_name(r->path_idx));
		privd_http_reply_problem(r, MHD_HTTP_SERVICE_UNAVAILABLE, "unavailable",
		                         "the database cannot take this request now; retry later", NULL);
		privd_http_reply_header(r, MHD_HTTP_HEADER_RETRY_AFTER, "1");
		return;
	case PRIVD_OK:
	case PRIVD_ERR_NOMEM:
	case PRIVD_ERR_IO:
	case PRIVD_ERR_CRYPTO:
	case PRIVD_ERR_INTERNAL:
		break;
	}
	privd_log(PRIVD_LOG_ERROR, "http.error", "\"route\":\"%s\",\"rc\":\"%s\"", privd_http_path_name(r->path_idx),
	          privd_rc_str(rc));
	privd_http_reply_problem(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal", "an internal error occurred", NULL);
}

static bool json_media_type(const char *ct)
{
	size_t n = strcspn(ct, ";");

	while (n > 0 && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
		n--;
	if (n == 16 && strncasecmp(ct, "application/json", 16) == 0)
		return true;
	return n > 5 && strncasecmp(ct + n - 5, "+json", 5) == 0;
}

bool privd_http_body_object(struct privd_http_req *r, json_t **out)
{
	const char *ct = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
	json_error_t jerr;
	char detail[96];
	json_t *j;

	*out = NULL;
	if (ct != NULL && !json_media_type(ct)) {
		privd_http_reply_problem(r, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type",
		                         "the body must be application/json", NULL);
		return false;
	}
	if (r->body_len == 0) {
		privd_http_reply_problem(r, MHD_HTTP_BAD_REQUEST, "malformed", "a JSON body is required", NULL);
		return false;
	}
	j = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES, &jerr);
	if (j == NULL) {
		/* jerr.text may quote the input: give the position only */
		snprintf(detail, sizeof(detail), "the body is not valid JSON (line %d, column %d)", jerr.line,
		         jerr.column);
		privd_http_reply_problem(r, MHD_HTTP_BAD_REQUEST, "malformed", detail, NULL);
		return false;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		privd_http_reply_problem(r, MHD_HTTP_BAD_REQUEST, "malformed", "the body must be a JSON object", NULL);
		return false;
	}
	*out = j;
	return true;
}

json_t *privd_http_json_time(int64_t ms)
{
	char buf[PRIVD_TIME_LEN];

	if (ms == 0)
		return json_null();
	privd_time_format(ms, buf);
	return json_string(buf);
}

json_t *privd_http_json_str_or_null(const char *s)
{
	json_t *j;

	if (s == NULL || s[0] == '\0')
		return json_null();
	j = json_string(s);
	return j != NULL ? j : json_null();
}

bool privd_http_json_str(json_t *obj, const char *key, const char *field, bool allow_null, const char **out,
                         struct privd_err *e)
{
	json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (v == NULL || (allow_null && json_is_null(v)))
		return true;
	if (!json_is_string(v)) {
		privd_err_field(e, field ? field : key, allow_null ? "must be a string or null" : "must be a string");
		return false;
	}
	*out = json_string_value(v);
	return true;
}

bool privd_http_json_bool(json_t *obj, const char *key, bool *out, struct privd_err *e)
{
	json_t *v = json_object_get(obj, key);

	*out = false;
	if (v == NULL)
		return true;
	if (!json_is_boolean(v)) {
		privd_err_field(e, key, "must be a boolean");
		return false;
	}
	*out = json_is_true(v);
	return true;
}

bool privd_http_json_strs(json_t *obj, const char *key, size_t max, const char ***out, size_t *n, struct privd_err *e)
{
	json_t *v = json_object_get(obj, key), *item;
	size_t i;

	*out = NULL;
	*n = 0;
	if (v == NULL || json_is_null(v))
		return true;
	if (!json_is_array(v) || json_array_size(v) > max) {
		privd_err_field(e, key, "must be an array of strings, not too long");
		return false;
	}
	*out = calloc(json_array_size(v) + 1, sizeof(**out));
	if (*out == NULL) {
		privd_err_field(e, key, "is too long");
		return false;
	}
	json_array_foreach(v, i, item)
	{
		if (!json_is_string(item)) {
			privd_err_field(e, key, "must be an array of strings");
			free(*out);
			*out = NULL;
			return false;
		}
		(*out)[i] = json_string_value(item);
	}
	*n = json_array_size(v);
	return true;
}

void privd_http_member_field(char *out, size_t len, const char *prefix, size_t index)
{
	snprintf(out, len, "%s#%zu", prefix, index + 1);
}

size_t privd_http_json_only(json_t *obj, const char *const *allowed, const char *prefix, struct privd_err *e)
{
	const char *key;
	json_t *v;
	char field[64];
	size_t i, at = 0, unknown = 0;

	/* jansson keeps an object's members in the order they were sent (and duplicates are refused), so the
	 * position names the member without repeating the name the client chose */
	json_object_foreach(obj, key, v)
	{
		for (i = 0; allowed[i] != NULL; i++)
			if (strcmp(key, allowed[i]) == 0)
				break;
		if (allowed[i] == NULL) {
			privd_http_member_field(field, sizeof(field), prefix, at);
			privd_err_field(e, field, "unknown member (counted from 1 in the order sent)");
			unknown++;
		}
		at++;
	}
	return unknown;
}

bool privd_http_query_int(struct privd_http_req *r, const char *name, long long min, long long max, long long def,
                          long long *out)
{
	const char *s = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
	char *end;
	long long v;

	*out = def;
	if (s == NULL || s[0] == '\0')
		return true;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return false;
	*out = v;
	return true;
}

const char *privd_http_query_str(struct privd_http_req *r, const char *name)
{
	const char *s = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);

	return (s != NULL && s[0] != '\0') ? s : NULL;
}

bool privd_http_id_valid(const char *s)
{
	size_t i;

	for (i = 0; i < 32; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return s[32] == '\0';
}

bool privd_http_page_query(struct privd_http_req *r, struct privd_http_page *p, struct privd_err *e)
{
	memset(p, 0, sizeof(*p));
	if (!privd_http_query_int(r, "limit", 1, 1000, 100, &p->limit))
		privd_err_field(e, "limit", "must be an integer from 1 to 1000");
	if (!privd_http_query_int(r, "after", 0, INT64_MAX, 0, &p->after))
		privd_err_field(e, "after", "must be a cursor (next_after of the previous page)");
	p->items = json_array();
	if (p->items == NULL)
		privd_http_reply_rc(r, PRIVD_ERR_NOMEM, NULL);
	return p->items != NULL;
}

int privd_http_page_add(struct privd_http_page *p, json_t *item, int64_t cursor)
{
	if (item == NULL || json_array_append_new(p->items, item) != 0)
		return -1;
	p->last = cursor;
	p->n++;
	return 0;
}

void privd_http_page_reply(struct privd_http_req *r, const struct privd_http_page *p, enum privd_rc rc,
                           const struct privd_err *err)
{
	if (rc != PRIVD_OK) {
		privd_http_reply_rc(r, rc, err);
		return;
	}
	privd_http_reply_json(r, MHD_HTTP_OK,
	                      json_pack("{s:O, s:o}", "items", p->items, "next_after",
	                                p->n == (size_t)p->limit ? json_integer(p->last) : json_null()));
}

void privd_http_page_free(struct privd_http_page *p)
{
	json_decref(p->items);
	p->items = NULL;
}

const char *privd_http_query_id(struct privd_http_req *r, const char *name, struct privd_err *e)
{
	const char *s = privd_http_query_str(r, name);

	if (s != NULL && !privd_http_id_valid(s))
		privd_err_field(e, name, "must be an id (32 lowercase hexadecimal characters)");
	return s;
}

void privd_http_reply_fields(struct privd_http_req *r, const struct privd_err *e)
{
	privd_http_reply_rc(r, PRIVD_ERR_INVALID, e);
}
