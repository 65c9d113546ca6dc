/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * requests.c - rights requests under /v1/requests and /v1/subjects/{id}/requests, the scanned document, the
 * operator's decision, execution and an inquiry's answer, the access export, a subject's notification outbox and
 * legal hold.
 *
 * What shaped it: the scanned document is the one body privd takes that is not JSON. It arrives raw (no
 * multipart parser, the smallest attack surface), under its own larger limit (the route is flagged
 * PRIVD_HTTP_RAW_BODY), and its Content-Type header is only a claim: the service checks the bytes. Everything
 * decrypted here is PII (a request's details, reason and answer, the scan, the export): jansson strings and
 * response buffers are zeroed when freed, the service's buffers are cleared with privd_request_clear or zeroed by
 * the response's free callback, and nothing of them is logged. Details, reasons, answers and the scan's type, size
 * and hash are shown to operator and admin keys only; an app or auditor sees the request's state and dates. A request's
 * details are parsed here into what the service takes (a rectify request's correction, struct privd_subject_patch as
 * for PATCH; a guardian's consent, struct privd_guardian_input); no JSON goes down. An inquiry's question comes as the
 * filing's "question" member and its answer as POST /v1/requests/{id}/answer {"text"}.
 */
#include "http_int.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/request.h"
#include "core/validate.h"

#define MEDIA_TYPE_MAX 32 /* as the service's content_type buffer */

/* The scan types the service accepts and the file name extension each is served with. */
static const struct {
	const char *type;
	const char *ext;
} doc_types[] = {
    {"application/pdf", "pdf"},
    {"image/jpeg", "jpg"},
    {"image/png", "png"},
    {"image/tiff", "tif"},
};

/* Operator and admin read a request's details and reason; the others see its state only. */
static bool may_read_details(const struct privd_http_req *r)
{
	return (r->who.role & (PRIVD_ROLE_OPERATOR | PRIVD_ROLE_ADMIN | PRIVD_ROLE_SUBJECT)) != 0;
}

/* JSON text from the service as a JSON value: def when absent or (a broken invariant) not parseable. */
static json_t *embed(const char *text, json_t *def)
{
	json_t *j;

	if (text == NULL || text[0] == '\0')
		return def;
	j = json_loads(text, JSON_DECODE_ANY, NULL);
	if (j == NULL)
		return def;
	json_decref(def);
	return j;
}

/* A request as JSON: with its details, reason and answer when details (what the service disclosed), with its
 * scan's type, size and SHA-256 when scan. */
static json_t *request_json(const struct privd_request *q, bool details, bool scan)
{
	json_t *doc = json_null();
	json_t *days = json_null();

	/* the scan's type, size and SHA-256 describe a person's identity document, and outlive their erasure as
	 * evidence: operator and admin (and the person themselves in their portal) only, as the details */
	if (scan && q->document_type[0] != '\0')
		doc = json_pack("{s:s, s:I, s:s}", "type", q->document_type, "size", (json_int_t)q->document_size,
		                "sha256", q->document_sha256);
	if (q->due_date[0] != '\0')
		days = json_integer(q->working_days_left);
	return json_pack(
	    "{s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:b, s:o, s:b, s:b, s:o, s:o}",
	    "id", q->id, "subject_id", q->subject_id, "type", privd_request_type_name(q->type), "status",
	    privd_request_status_name(q->status), "details", details ? embed(q->details, json_null()) : json_null(),
	    "reason", details ? privd_http_json_str_or_null(q->reason) : json_null(), "answer",
	    details ? privd_http_json_str_or_null(q->answer) : json_null(), "result", embed(q->result, json_object()),
	    "created_at", privd_http_json_time(q->created_at), "received_at", privd_http_json_time(q->received_at),
	    "decided_at", privd_http_json_time(q->decided_at), "completed_at", privd_http_json_time(q->completed_at),
	    "updated_at", privd_http_json_time(q->updated_at), "due_date", privd_http_json_str_or_null(q->due_date),
	    "due_estimated", (int)q->due_estimated, "calendar_note", privd_http_json_str_or_null(q->calendar_note),
	    "extended", (int)q->extended, "overdue", (int)q->overdue, "working_days_left", days, "document",
	    doc ? doc : json_null());
}

/* Renders the service's answer: the request, or the problem its result code maps to. */
static void reply_request(struct privd_http_req *r, enum privd_rc rc, unsigned status, const struct privd_request *q,
                          const struct privd_err *e)
{
	if (rc != PRIVD_OK)
		privd_http_reply_rc(r, rc, e);
	else
		privd_http_reply_json(r, status, request_json(q, may_read_details(r), may_read_details(r)));
}

/* One member of a correction's "fields": a field that can be corrected, a string (null removes the e-mail or the
 * phone, as in PATCH). */
static void correction_member(struct privd_subject_patch *c, const char *key, size_t at, json_t *v, struct privd_err *e)
{
	static const struct {
		const char *name;
		size_t at;
		bool removable;
	} members[] = {
	    {"name", offsetof(struct privd_subject_patch, name), false},
	    {"email", offsetof(struct privd_subject_patch, email), true},
	    {"phone", offsetof(struct privd_subject_patch, phone), true},
	    {"ip", offsetof(struct privd_subject_patch, ip), false},
	    {"birth_date", offsetof(struct privd_subject_patch, birth_date), false},
	    {"residence_country", offsetof(struct privd_subject_patch, residence_country), false},
	};
	char field[64];
	size_t i = 0;

	while (i < sizeof(members) / sizeof(members[0]) && strcmp(key, members[i].name) != 0)
		i++;
	if (i == sizeof(members) / sizeof(members[0])) {
		/* named by its position: the name is the client's */
		privd_http_member_field(field, sizeof(field), "details.fields.", at);
		privd_err_field(e, field, "is not a field that can be corrected");
		return;
	}
	snprintf(field, sizeof(field), "details.fields.%s", members[i].name);
	if (json_is_string(v))
		*(const char **)((char *)c + members[i].at) = json_string_value(v);
	else if (json_is_null(v) && members[i].removable)
		*(const char **)((char *)c + members[i].at) = "";
	else
		privd_err_field(e, field, "must be a string");
}

/* A string member of a guardian's details: absent stays NULL; another type is named in e. */
static void guardian_str(json_t *obj, const char *key, const char *prefix, const char **out, struct privd_err *e)
{
	char field[64];

	snprintf(field, sizeof(field), "%s%s", prefix, key);
	privd_http_json_str(obj, key, field, false, out, e);
}

/* details.consents of a guardian's consent: registration's shape (processing, third_party_transfer, cookies). */
static void guardian_consents(json_t *c, struct privd_guardian_input *g, struct privd_err *e)
{
	static const char *const allowed[] = {"processing", "third_party_transfer", "cookies", NULL};
	json_t *cookies = json_object_get(c, "cookies"), *v;
	size_t i;

	g->has_consents = true;
	privd_http_json_only(c, allowed, "details.consents.", e);
	for (i = 0; i < 2; i++) {
		int *flag = i == 0 ? &g->processing : &g->third_party_transfer;
		char field[64];

		v = json_object_get(c, allowed[i]);
		snprintf(field, sizeof(field), "details.consents.%s", allowed[i]);
		if (v != NULL && !json_is_boolean(v))
			privd_err_field(e, field, "must be a boolean");
		else if (v != NULL)
			*flag = json_is_true(v) ? 1 : 0;
	}
	if (cookies != NULL && !json_is_null(cookies) && !json_is_array(cookies))
		privd_err_field(e, "details.consents.cookies", "must be an array");
	json_array_foreach(cookies, i, v)
	{
		enum privd_purpose p;

		if (privd_cookie_category_parse(json_string_value(v), &p) != PRIVD_OK)
			privd_err_field(e, "details.consents.cookies",
			                "must hold only preferences, analytics, marketing");
		else
			g->cookies[p - PRIVD_PURPOSE_COOKIES_PREFERENCES] = true;
	}
}

/* A guardian_consent request's details, {"guardian":{"name","relation","email","phone"},"consents":{...}}, parsed
 * into g (pointing into d); types and members checked here (errors in e), values by the service. */
static void parse_guardian(json_t *d, struct privd_guardian_input *g, struct privd_err *e)
{
	static const char *const allowed[] = {"guardian", "consents", NULL};
	static const char *const members[] = {"name", "relation", "email", "phone", NULL};
	json_t *guardian = json_object_get(d, "guardian"), *consents = json_object_get(d, "consents");

	memset(g, 0, sizeof(*g));
	g->processing = -1;
	g->third_party_transfer = -1;
	privd_http_json_only(d, allowed, "details.", e);
	if (guardian != NULL && !json_is_object(guardian))
		privd_err_field(e, "details.guardian", "must be an object");
	else if (guardian != NULL) {
		g->has_guardian = true;
		privd_http_json_only(guardian, members, "details.guardian.", e);
		guardian_str(guardian, "name", "details.guardian.", &g->name, e);
		guardian_str(guardian, "relation", "details.guardian.", &g->relation, e);
		guardian_str(guardian, "email", "details.guardian.", &g->email, e);
		guardian_str(guardian, "phone", "details.guardian.", &g->phone, e);
	}
	if (consents != NULL && !json_is_object(consents))
		privd_err_field(e, "details.consents", "must be an object");
	else if (consents != NULL)
		guardian_consents(consents, g, e);
}

/* A filing's details as the service takes them: none when none were sent (absent, null or {}); for a rectify
 * request {"fields":{...}} parsed into c (pointing into d), each member checked (errors in e); for a guardian's
 * consent the guardian's details into g. Any other details are passed as a correction of no field, which the
 * service refuses with the reason that fits the type. */
static void parse_details(json_t *d, enum privd_request_type t, struct privd_subject_patch *c,
                          struct privd_guardian_input *g, struct privd_request_details *out, struct privd_err *e)
{
	json_t *fields = json_object_get(d, "fields"), *v;
	const char *k;
	size_t at = 0;

	memset(out, 0, sizeof(*out));
	if (t == PRIVD_REQUEST_TYPE_GUARDIAN_CONSENT && json_is_object(d)) {
		parse_guardian(d, g, e);
		out->guardian = g;
		return;
	}
	if (!json_is_object(d) || json_object_size(d) == 0)
		return;
	memset(c, 0, sizeof(*c));
	out->correction = c;
	if (t != PRIVD_REQUEST_TYPE_RECTIFY || json_object_size(d) != 1 || !json_is_object(fields))
		return;
	json_object_foreach(fields, k, v)
	{
		correction_member(c, k, at++, v, e);
	}
}

void privd_http_request_create(struct privd_http_req *r)
{
	static const char *const allowed[] = {"type", "details", "question", NULL};
	struct privd_request q;
	struct privd_subject_patch patch;
	struct privd_guardian_input guardian;
	struct privd_request_details details;
	const char *question = NULL;
	struct privd_err e = {0};
	const char *type = NULL;
	enum privd_request_type t;
	char loc[64];
	json_t *body = NULL, *d;
	enum privd_rc rc;

	memset(&q, 0, sizeof(q));
	if (!privd_http_body_object(r, &body))
		goto out;
	privd_http_json_only(body, allowed, "", &e);
	privd_http_json_str(body, "type", NULL, false, &type, &e);
	privd_http_json_str(body, "question", NULL, true, &question, &e);
	if (type == NULL && e.nfields == 0)
		privd_err_field(&e, "type", "is required");
	d = json_object_get(body, "details");
	if (d != NULL && !json_is_null(d) && !json_is_object(d))
		privd_err_field(&e, "details", "must be an object or null");
	if (e.nfields == 0 && privd_request_type_parse(type, &t) != PRIVD_OK) {
		privd_err_field(&e, "type",
		                "must be one of erase, rectify, access, transfer_info, revoke_processing, "
		                "revoke_cookies, guardian_consent, inquiry");
		privd_err_set(&e, PRIVD_ERR_INVALID, "the request is invalid");
	}
	if (e.nfields > 0) {
		privd_http_reply_fields(r, &e);
		goto out;
	}
	parse_details(d, t, &patch, &guardian, &details, &e);
	details.question = question;
	if (e.nfields > 0) {
		privd_http_reply_fields(r, &e);
		goto out;
	}
	rc = privd_service_request_create(r->h->svc, &r->who, r->id, t, &details, &q, &e);
	reply_request(r, rc, MHD_HTTP_CREATED, &q, &e);
	if (rc == PRIVD_OK) {
		snprintf(loc, sizeof(loc), "/v1/requests/%s", q.id);
		privd_http_reply_header(r, MHD_HTTP_HEADER_LOCATION, loc);
	}
out:
	privd_request_clear(&q);
	json_decref(body);
}

/* The media type of a Content-Type header, lower case, without parameters; false when absent or too long. */
static bool media_type(const char *ct, char out[MEDIA_TYPE_MAX])
{
	size_t n, i;

	if (ct == NULL)
		return false;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	n = strcspn(ct, ";");
	while (n > 0 && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
		n--;
	if (n == 0 || n >= MEDIA_TYPE_MAX)
		return false;
	for (i = 0; i < n; i++)
		out[i] = (ct[i] >= 'A' && ct[i] <= 'Z') ? (char)(ct[i] - 'A' + 'a') : ct[i];
	out[n] = '\0';
	return true;
}

void privd_http_request_attach(struct privd_http_req *r)
{
	const char *ct = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
	struct privd_request q;
	struct privd_err e = {0};
	char type[MEDIA_TYPE_MAX];
	enum privd_rc rc;

	if (!media_type(ct, type)) {
		privd_http_reply_problem(r, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type",
		                         "the document needs a Content-Type: application/pdf, image/jpeg, image/png or "
		                         "image/tiff",
		                         NULL);
		return;
	}
	memset(&q, 0, sizeof(q));
	rc = privd_service_request_attach(r->h->svc, &r->who, r->id, type,
	                                  (const uint8_t *)(r->body != NULL ? r->body : ""), r->body_len, &q, &e);
	reply_request(r, rc, MHD_HTTP_OK, &q, &e);
	privd_request_clear(&q);
}

struct list_ctx {
	struct privd_http_page page;
	bool scan; /* the caller may see the scans' type, size and hash */
};

static int list_cb(void *arg, const struct privd_request *q)
{
	struct list_ctx *c = arg;

	/* the list carries no details (no PII) whatever the service sends */
	return privd_http_page_add(&c->page, request_json(q, false, c->scan), q->created_at);
}

/* "1", "true" -> 1; "0", "false" -> 0; absent -> -1; anything else false. */
static bool query_bool(struct privd_http_req *r, const char *name, int *out)
{
	const char *s = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);

	*out = -1;
	if (s == NULL || s[0] == '\0')
		return true;
	if (strcmp(s, "1") == 0 || strcmp(s, "true") == 0)
		*out = 1;
	else if (strcmp(s, "0") == 0 || strcmp(s, "false") == 0)
		*out = 0;
	else
		return false;
	return true;
}

void privd_http_request_list(struct privd_http_req *r)
{
	struct privd_request_query q = {0};
	struct list_ctx c = {.scan = may_read_details(r)};
	struct privd_err e = {0};
	struct privd_date due;
	const char *why = NULL, *status;
	enum privd_rc rc;

	if (!privd_http_page_query(r, &c.page, &e))
		return;
	status = privd_http_query_str(r, "status");
	q.by_status = status != NULL;
	if (q.by_status && privd_request_status_parse(status, &q.status) != PRIVD_OK)
		privd_err_field(&e, "status",
		                "must be one of awaiting_document, received, accepted, rejected, completed");
	if (!query_bool(r, "overdue", &q.overdue))
		privd_err_field(&e, "overdue", "must be 1, 0, true or false");
	q.due_before = privd_http_query_str(r, "due_before");
	if (q.due_before != NULL && privd_date_parse(q.due_before, &due, &why) != PRIVD_OK)
		privd_err_field(&e, "due_before", "must be a date YYYY-MM-DD");
	q.subject_id = privd_http_query_id(r, "subject_id", &e);
	if (e.nfields > 0) {
		privd_http_reply_fields(r, &e);
		goto out;
	}
	if (r->who.role == PRIVD_ROLE_SUBJECT) {
		/* a portal session lists its own subject's requests; another subject's id does not exist for it */
		if (q.subject_id != NULL && strcmp(q.subject_id, r->who.subject_id) != 0) {
			privd_http_reply_problem(r, MHD_HTTP_NOT_FOUND, "not-found", "no such resource", NULL);
			goto out;
		}
		q.subject_id = r->who.subject_id;
	}
	q.limit = (size_t)c.page.limit;
	q.after = (int64_t)c.page.after;
	rc = privd_service_request_list(r->h->svc, &q, list_cb, &c, &e);
	privd_http_page_reply(r, &c.page, rc, &e);
out:
	privd_http_page_free(&c.page);
}

void privd_http_request_get(struct privd_http_req *r)
{
	struct privd_request q;
	struct privd_err e = {0};
	enum privd_rc rc;

	memset(&q, 0, sizeof(q));
	rc = privd_service_request_get(r->h->svc, &r->who, r->id, may_read_details(r), &q, &e);
	reply_request(r, rc, MHD_HTTP_OK, &q, &e);
	privd_request_clear(&q);
}

void privd_http_request_document(struct privd_http_req *r)
{
	struct privd_err e = {0};
	uint8_t *data = NULL;
	size_t len = 0, i;
	char type[MEDIA_TYPE_MAX] = "";
	char disp[128];
	const char *ext = "bin";
	long long in_page = 0;
	enum privd_rc rc;

	/* a download unless the console shows it in its page */
	if (!privd_http_query_int(r, "inline", 0, 1, 0, &in_page)) {
		privd_http_reply_invalid(r, "inline", "must be 0 or 1");
		return;
	}
	rc = privd_service_request_document(r->h->svc, &r->who, r->id, &data, &len, type, &e);
	if (rc != PRIVD_OK) {
		if (data != NULL) {
			explicit_bzero(data, len);
			free(data);
		}
		privd_http_reply_rc(r, rc, &e);
		return;
	}
	type[sizeof(type) - 1] = '\0';
	for (i = 0; i < sizeof(doc_types) / sizeof(doc_types[0]); i++)
		if (strcmp(type, doc_types[i].type) == 0)
			ext = doc_types[i].ext;
	if (strcmp(ext, "bin") == 0)
		snprintf(type, sizeof(type), "application/octet-stream");
	/* takes data, zeroed when the response is freed */
	privd_http_reply_owned(r, MHD_HTTP_OK, type, (char *)data, len);
	snprintf(disp, sizeof(disp), "%s; filename=\"request-%s.%s\"", in_page ? "inline" : "attachment", r->id, ext);
	privd_http_reply_header(r, MHD_HTTP_HEADER_CONTENT_DISPOSITION, disp); /* no-store and nosniff: the server */
}

void privd_http_request_decide(struct privd_http_req *r)
{
	static const char *const allowed[] = {"action", "reason", NULL};
	struct privd_request q;
	struct privd_err e = {0};
	const char *action = NULL, *reason = NULL;
	enum privd_request_event ev = PRIVD_REQUEST_EVENT_COUNT;
	json_t *body = NULL;
	enum privd_rc rc;

	memset(&q, 0, sizeof(q));
	if (!privd_http_body_object(r, &body))
		goto out;
	privd_http_json_only(body, allowed, "", &e);
	privd_http_json_str(body, "action", NULL, false, &action, &e);
	privd_http_json_str(body, "reason", NULL, true, &reason, &e);
	if (action == NULL && e.nfields == 0)
		privd_err_field(&e, "action", "is required");
	else if (action != NULL && (privd_request_event_parse(action, &ev) != PRIVD_OK ||
	                            (ev != PRIVD_REQUEST_EVENT_ACCEPT && ev != PRIVD_REQUEST_EVENT_REJECT &&
	                             ev != PRIVD_REQUEST_EVENT_EXTEND)))
		privd_err_field(&e, "action", "must be accept, reject or extend");
	if (e.nfields > 0) {
		privd_http_reply_fields(r, &e);
		goto out;
	}
	rc = privd_service_request_decide(r->h->svc, &r->who, r->id, ev, reason, &q, &e);
	reply_request(r, rc, MHD_HTTP_OK, &q, &e);
out:
	privd_request_clear(&q);
	json_decref(body);
}

void privd_http_request_answer(struct privd_http_req *r)
{
	static const char *const allowed[] = {"text", NULL};
	struct privd_request q;
	struct privd_err e = {0};
	const char *text = NULL;
	json_t *body = NULL;
	enum privd_rc rc;

	memset(&q, 0, sizeof(q));
	if (!privd_http_body_object(r, &body))
		goto out;
	privd_http_json_only(body, allowed, "", &e);
	privd_http_json_str(body, "text", NULL, false, &text, &e);
	if (text == NULL && e.nfields == 0)
		privd_err_field(&e, "text", "is required");
	if (e.nfields > 0) {
		privd_http_reply_fields(r, &e);
		goto out;
	}
	rc = privd_service_request_answer(r->h->svc, &r->who, r->id, text, &q, &e);
	reply_request(r, rc, MHD_HTTP_OK, &q, &e);
out:
	privd_request_clear(&q);
	json_decref(body);
}

void privd_http_request_execute(struct privd_http_req *r)
{
	struct privd_request q;
	struct privd_err e = {0};
	enum privd_rc rc;

	memset(&q, 0, sizeof(q));
	rc = privd_service_request_execute(r->h->svc, &r->who, r->id, &q, &e);
	reply_request(r, rc, MHD_HTTP_OK, &q, &e);
	privd_request_clear(&q);
}

void privd_http_request_export(struct privd_http_req *r)
{
	struct privd_export *x = NULL;
	struct privd_err e = {0};
	char *text;
	bool html = false;
	enum privd_rc rc;

	if (!privd_http_wants_page(r, &html))
		return;
	rc = privd_service_request_export(r->h->svc, &r->who, r->id, html ? PRIVD_EXPORT_HTML : PRIVD_EXPORT_JSON, &x,
	                                  &e);
	if (rc != PRIVD_OK) {
		privd_http_reply_rc(r, rc, &e);
		return;
	}
	text = html ? privd_http_export_html(x) : privd_http_export_json(x);
	privd_export_free(x);
	privd_http_reply_document(r, html, text); /* takes text, zeroed when the response is freed */
}

/* A person's notices are few: the store walks them all (oldest first) and the page is cut here. */
static int notification_cb(void *arg, const struct privd_notification *n)
{
	struct privd_http_cut *c = arg;

	if (!privd_http_cut_wants(c, n->created_at, n->id))
		return 0;
	return privd_http_cut_add(c, n->created_at, n->id, privd_http_notification_json(n)) < 0 ? -1 : 0;
}

void privd_http_notification_list(struct privd_http_req *r)
{
	struct privd_http_cut c;
	struct privd_err e = {0};
	enum privd_rc rc;

	if (!privd_http_cut_query(r, &c, &e))
		return;
	if (e.nfields > 0) {
		privd_http_reply_fields(r, &e);
	} else {
		rc = privd_service_notifications(r->h->svc, &r->who, r->id, notification_cb, &c, &e);
		privd_http_cut_reply(r, &c, rc, &e);
	}
	json_decref(c.items);
}

void privd_http_legal_hold(struct privd_http_req *r)
{
	static const char *const allowed[] = {"hold", "reason", NULL};
	struct privd_err e = {0};
	const char *reason = NULL;
	json_t *body = NULL, *hold;
	enum privd_rc rc;

	if (!privd_http_body_object(r, &body))
		goto out;
	privd_http_json_only(body, allowed, "", &e);
	hold = json_object_get(body, "hold");
	if (hold == NULL)
		privd_err_field(&e, "hold", "is required");
	else if (!json_is_boolean(hold))
		privd_err_field(&e, "hold", "must be a boolean");
	if (privd_http_json_str(body, "reason", NULL, true, &reason, &e) && json_is_true(hold) &&
	    (reason == NULL || reason[0] == '\0'))
		privd_err_field(&e, "reason", "is required when hold is true");
	if (e.nfields > 0) {
		privd_http_reply_fields(r, &e);
		goto out;
	}
	rc = privd_service_legal_hold(r->h->svc, &r->who, r->id, json_is_true(hold), reason, &e);
	if (rc != PRIVD_OK) {
		privd_http_reply_rc(r, rc, &e);
		goto out;
	}
	privd_http_reply_json(r, MHD_HTTP_OK,
	                      json_pack("{s:s, s:b, s:o}", "subject_id", r->id, "legal_hold", json_is_true(hold),
	                                "reason", privd_http_json_str_or_null(reason)));
out:
	json_decref(body);
}
