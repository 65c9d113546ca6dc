/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * consents.c - consent records and checks: POST/GET /v1/subjects/{id}/consents, the single check
 * GET /v1/subjects/{id}/consents/{purpose} and the batch POST /v1/consent-checks.
 *
 * The single check is the hot path: an application asks it on every page view or processing job, and it is
 * measured against a static response of nginx. So it allocates nothing of its own: the route's parameters are
 * already in the request context, the answer comes from the service's memory, and the body is printed with
 * snprintf into a stack buffer that libmicrohttpd copies. No jansson, no PII, no audit entry on that path. The batch
 * writes each result with the same function into one growing buffer: a jansson tree of 100 results, built and
 * dumped, cost more than the checks in it.
 */
#include "http_int.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"

static json_t *check_json(enum privd_purpose p, const struct privd_consent_check *c)
{
	return json_pack("{s:s, s:b, s:o, s:o, s:o, s:b}", "purpose", privd_purpose_name(p), "granted", (int)c->granted,
	                 "since", privd_http_json_time(c->since), "policy_version",
	                 privd_http_json_str_or_null(c->policy_version), "text_version",
	                 privd_http_json_str_or_null(c->text_version), "reconsent_required",
	                 (int)c->reconsent_required);
}

/* A check's answer is written by hand into a fixed buffer: snprintf's format parsing was a tenth of a batch's cost. */
struct members {
	char *p, *end;
	bool over;
};

static void put(struct members *m, const char *s, size_t n)
{
	if (m->over || (size_t)(m->end - m->p) < n) {
		m->over = true;
		return;
	}
	memcpy(m->p, s, n);
	m->p += n;
}

#define PUT_LIT(m, lit) put((m), (lit), sizeof(lit) - 1)

static void put_str(struct members *m, const char *s)
{
	put(m, s, strlen(s));
}

/* A version as a JSON value: null, or the version quoted and escaped. */
static void put_version(struct members *m, const char *v)
{
	size_t room, need;

	if (v[0] == '\0') {
		PUT_LIT(m, "null");
		return;
	}
	PUT_LIT(m, "\"");
	room = m->over ? 0 : (size_t)(m->end - m->p);
	need = room == 0 ? 1 : privd_json_escape(v, m->p, room);
	if (need >= room) {
		m->over = true;
		return;
	}
	m->p += need;
	PUT_LIT(m, "\"");
}

/* The members of a check's answer, without the braces, into buf (cap bytes): the single check's whole body and each
 * batch result's. Returns their length, or 0 when they do not fit. */
static size_t check_members(enum privd_purpose p, struct privd_consent_check *c, char *buf, size_t cap)
{
	struct members m = {buf, buf + cap, false};
	char since[PRIVD_TIME_LEN];

	c->policy_version[sizeof(c->policy_version) - 1] = '\0';
	c->text_version[sizeof(c->text_version) - 1] = '\0';
	PUT_LIT(&m, "\"purpose\":\"");
	put_str(&m, privd_purpose_name(p));
	if (c->granted)
		PUT_LIT(&m, "\",\"granted\":true,\"since\":");
	else
		PUT_LIT(&m, "\",\"granted\":false,\"since\":");
	if (c->since != 0) {
		privd_time_format(c->since, since);
		PUT_LIT(&m, "\"");
		put(&m, since, PRIVD_TIME_LEN - 1);
		PUT_LIT(&m, "\"");
	} else {
		PUT_LIT(&m, "null");
	}
	PUT_LIT(&m, ",\"policy_version\":");
	put_version(&m, c->policy_version);
	PUT_LIT(&m, ",\"text_version\":");
	put_version(&m, c->text_version);
	if (c->reconsent_required)
		PUT_LIT(&m, ",\"reconsent_required\":true");
	else
		PUT_LIT(&m, ",\"reconsent_required\":false");
	return m.over ? 0 : (size_t)(m.p - buf);
}

void privd_http_consent_check(struct privd_http_req *r)
{
	struct privd_consent_check c;
	enum privd_purpose p;
	enum privd_rc rc;
	char buf[640];
	size_t n;

	if (privd_purpose_parse(r->purpose, &p) != PRIVD_OK) {
		privd_http_reply_problem(r, MHD_HTTP_NOT_FOUND, "not-found", "unknown purpose", NULL);
		return;
	}
	memset(&c, 0, sizeof(c));
	rc = privd_service_consent_check(r->h->svc, r->id, p, &c);
	if (rc == PRIVD_ERR_GONE) {
		/* an erased subject answers not granted */
		memset(&c, 0, sizeof(c));
	} else if (rc != PRIVD_OK) {
		privd_http_reply_rc(r, rc, NULL);
		return;
	}
	buf[0] = '{';
	n = check_members(p, &c, buf + 1, sizeof(buf) - 2);
	if (n == 0) {
		privd_http_reply_rc(r, PRIVD_ERR_INTERNAL, NULL);
		return;
	}
	buf[n + 1] = '}';
	privd_http_reply_buf(r, MHD_HTTP_OK, "application/json", buf, n + 2);
}

static json_t *record_json(const char *subject_id, const struct privd_consent_record *rec)
{
	return json_pack("{s:I, s:s, s:s, s:b, s:o, s:o, s:s, s:o, s:o, s:o, s:o}", "seq", (json_int_t)rec->seq,
	                 "subject_id", subject_id, "purpose", rec->purpose, "granted", (int)rec->granted,
	                 "policy_version", privd_http_json_str_or_null(rec->policy_version), "ip",
	                 privd_http_json_str_or_null(rec->ip), "source", rec->source, "created_at",
	                 privd_http_json_time(rec->created_at), "text_version",
	                 privd_http_json_str_or_null(rec->text_version), "text_language",
	                 privd_http_json_str_or_null(rec->text_language), "text_sha256",
	                 privd_http_json_str_or_null(rec->text_sha256));
}

/* A portal session (the person themselves) changes their cookie categories only, recorded from the address the
 * call came from and with source portal, whatever the body says: the other purposes have their own documents and
 * requests. False, with e naming the field, for anything else. */
static bool portal_consent(struct privd_http_req *r, struct privd_consent_input *in, char *ip, size_t ip_len,
                           struct privd_err *e)
{
	if (r->who.role != PRIVD_ROLE_SUBJECT)
		return true;
	if (in->purpose == NULL || strncmp(in->purpose, "cookies.", 8) != 0) {
		privd_err_field(e, "purpose",
		                "a person changes their cookie categories here; other consents by a request");
		return false;
	}
	/* the connection's address, or a trusted proxy's report of it ([http] trusted_proxies) */
	in->ip = privd_http_client_text(r, ip, ip_len) ? ip : NULL;
	in->source = "portal";
	return true;
}

/* A consent record's answer, filled by the writer's done callback (async.c holds it until the request ends). */
struct record_result {
	enum privd_rc rc;
	struct privd_consent_record rec;
	struct privd_err err;
};

static void record_result_free(void *p)
{
	if (p != NULL)
		explicit_bzero(p, sizeof(struct record_result));
	free(p);
}

static void record_done(void *arg, enum privd_rc rc, const struct privd_consent_record *rec,
                        const struct privd_err *err)
{
	struct privd_http_async *a = arg;
	struct record_result *res = privd_http_async_result(a);

	res->rc = rc;
	if (rc == PRIVD_OK && rec != NULL)
		res->rec = *rec;
	if (err != NULL)
		res->err = *err;
	privd_http_async_done(a);
}

static void render_record(struct privd_http_req *r, void *result)
{
	struct record_result *res = result;

	if (res->rc != PRIVD_OK)
		privd_http_reply_rc(r, res->rc, &res->err);
	else
		privd_http_reply_json(r, MHD_HTTP_CREATED, record_json(r->id, &res->rec));
	explicit_bzero(&res->rec, sizeof(res->rec));
}

/* Parsed and checked here; recorded by the writer in a group commit with the connection suspended (async.c), as a
 * registration is, so that many consent changes share one fsync and none holds an HTTP thread while it waits. */
void privd_http_consent_record(struct privd_http_req *r)
{
	static const char *const allowed[] = {"purpose", "granted", "ip", "source", "text_version", "language", NULL};
	struct privd_consent_input in = {0};
	struct privd_err e = {0};
	struct privd_http_async *a;
	struct record_result *res;
	char ip[INET6_ADDRSTRLEN];
	json_t *body = NULL, *granted;

	if (!privd_http_body_object(r, &body))
		goto out;
	privd_http_json_str(body, "purpose", NULL, false, &in.purpose, &e);
	if (in.purpose == NULL)
		privd_err_field(&e, "purpose", "is required");
	granted = json_object_get(body, "granted");
	if (granted == NULL)
		privd_err_field(&e, "granted", "is required");
	else if (!json_is_boolean(granted))
		privd_err_field(&e, "granted", "must be a boolean");
	in.granted = json_is_true(granted);
	privd_http_json_str(body, "ip", NULL, true, &in.ip, &e);
	privd_http_json_str(body, "source", NULL, true, &in.source, &e);
	privd_http_json_str(body, "text_version", NULL, true, &in.text_version, &e);
	privd_http_json_str(body, "language", NULL, true, &in.language, &e);
	privd_http_json_only(body, allowed, "", &e);
	if (e.nfields == 0)
		portal_consent(r, &in, ip, sizeof(ip), &e);
	if (e.nfields > 0) {
		/* name what else is wrong too */
		privd_service_consent_validate(&in, &e);
		privd_http_reply_fields(r, &e);
		goto out;
	}
	res = calloc(1, sizeof(*res));
	if (res == NULL) {
		privd_http_reply_rc(r, PRIVD_ERR_NOMEM, NULL);
		goto out;
	}
	a = privd_http_async_begin(r, res, render_record, record_result_free);
	if (a == NULL)
		goto out;
	/* the service copies what it keeps of in (strings in body) before it returns */
	privd_service_consent_record_async(r->h->svc, &r->who, r->id, &in, record_done, a);
	privd_http_async_wait(r);
out:
	json_decref(body);
}

/* A page of a subject's records, by seq: the store walks them all (a person's records are few; the current state
 * needs every one anyway) and the page is cut here. */
struct history_ctx {
	const char *subject_id;
	struct privd_http_page page;
};

static int history_cb(void *arg, const struct privd_consent_record *rec)
{
	struct history_ctx *h = arg;

	if (rec->seq <= h->page.after || h->page.n == (size_t)h->page.limit)
		return 0;
	return privd_http_page_add(&h->page, record_json(h->subject_id, rec), rec->seq);
}

void privd_http_consent_history(struct privd_http_req *r)
{
	struct privd_consent_check state[PRIVD_PURPOSE_COUNT];
	struct history_ctx hc = {r->id, {0}};
	struct privd_err e = {0};
	json_t *current = NULL;
	enum privd_rc rc;
	int p;

	memset(state, 0, sizeof(state));
	if (!privd_http_page_query(r, &hc.page, &e))
		goto out;
	if (e.nfields > 0) {
		privd_http_reply_fields(r, &e);
		goto out;
	}
	current = json_object();
	if (current == NULL) {
		privd_http_reply_rc(r, PRIVD_ERR_NOMEM, NULL);
		goto out;
	}
	rc = privd_service_consent_history(r->h->svc, &r->who, r->id, state, history_cb, &hc, &e);
	if (rc != PRIVD_OK) {
		privd_http_reply_rc(r, rc, &e);
		goto out;
	}
	for (p = 0; p < PRIVD_PURPOSE_COUNT; p++)
		json_object_set_new(current, privd_purpose_name((enum privd_purpose)p),
		                    check_json((enum privd_purpose)p, &state[p]));
	privd_http_reply_json(r, MHD_HTTP_OK,
	                      json_pack("{s:s, s:O, s:O, s:o}", "subject_id", r->id, "current", current, "history",
	                                hc.page.items, "next_after",
	                                hc.page.n == (size_t)hc.page.limit ? json_integer(hc.page.last) : json_null()));
out:
	json_decref(current);
	privd_http_page_free(&hc.page);
}

/* One batch result; NULL on out of memory. *fatal is set to a result code that fails the whole batch. */
/* Appends s as a JSON string. */
static void text_json_string(struct privd_http_text *t, const char *s)
{
	char small[80], *big = NULL;
	size_t need = privd_json_escape(s, small, sizeof(small));

	if (need >= sizeof(small)) {
		big = malloc(need + 1);
		if (big == NULL) {
			t->failed = true;
			return;
		}
		privd_json_escape(s, big, need + 1);
	}
	privd_http_text_puts(t, "\"");
	privd_http_text_puts(t, big != NULL ? big : small);
	privd_http_text_puts(t, "\"");
	free(big);
}

/* One result of a batch, appended to t: the check with its subject_id, or for an unknown subject or purpose the
 * pair with granted false and the error. False with *fatal set when the check itself failed. */
static bool batch_one(struct privd_http_req *r, const char *sid, const char *purpose, struct privd_http_text *t,
                      enum privd_rc *fatal)
{
	struct privd_consent_check c;
	enum privd_purpose p;
	enum privd_rc rc = PRIVD_ERR_NOT_FOUND;
	char buf[640];
	size_t n;

	memset(&c, 0, sizeof(c));
	if (privd_purpose_parse(purpose, &p) == PRIVD_OK)
		rc = privd_service_consent_check(r->h->svc, sid, p, &c);
	/* what is no id or no purpose is not repeated: null in its place (an e-mail typed as an id) */
	privd_http_text_puts(t, "{\"subject_id\":");
	if (privd_http_id_valid(sid))
		text_json_string(t, sid);
	else
		privd_http_text_puts(t, "null");
	if (rc == PRIVD_ERR_NOT_FOUND || rc == PRIVD_ERR_INVALID) {
		privd_http_text_puts(t, ",\"purpose\":");
		if (privd_purpose_parse(purpose, &p) == PRIVD_OK)
			text_json_string(t, purpose);
		else
			privd_http_text_puts(t, "null");
		privd_http_text_puts(t, ",\"granted\":false,\"error\":\"not found\"}");
		return true;
	}
	if (rc == PRIVD_ERR_GONE) {
		memset(&c, 0, sizeof(c));
	} else if (rc != PRIVD_OK) {
		*fatal = rc;
		return false;
	}
	n = check_members(p, &c, buf, sizeof(buf));
	if (n == 0) {
		*fatal = PRIVD_ERR_INTERNAL;
		return false;
	}
	privd_http_text_puts(t, ",");
	privd_http_text_put(t, buf, n);
	privd_http_text_puts(t, "}");
	return true;
}

/* The answer to checks items[0..n): written as the single check writes its answer, without a JSON tree (building
 * and dumping one cost more than the checks themselves). */
struct batch_item {
	const char *subject_id, *purpose;
};

static void batch_reply(struct privd_http_req *r, const struct batch_item *items, size_t n)
{
	struct privd_http_text t = {0};
	enum privd_rc fatal = PRIVD_OK;
	char *text;
	size_t len;

	privd_http_text_puts(&t, "{\"results\":[");
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			privd_http_text_puts(&t, ",");
		if (!batch_one(r, items[i].subject_id, items[i].purpose, &t, &fatal)) {
			privd_http_reply_rc(r, fatal, NULL);
			goto out;
		}
	}
	privd_http_text_puts(&t, "]}");
	text = privd_http_text_take(&t, &len);
	if (text == NULL)
		privd_http_reply_rc(r, PRIVD_ERR_NOMEM, NULL);
	else
		privd_http_reply_owned(r, MHD_HTTP_OK, "application/json", text, len);
out:
	free(privd_http_text_take(&t, NULL));
}

/* The usual body, read by batch_scan.c and answered; false, with nothing answered, when the body is not in that
 * form or memory is short: the caller then parses it with jansson. */
static bool batch_fast(struct privd_http_req *r)
{
	const char *ct = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
	struct privd_batch_pair *pairs = NULL;
	struct batch_item *items = NULL;
	char(*strs)[2][PRIVD_BATCH_STR_MAX + 1] = NULL;
	bool done = false;
	size_t n;

	if ((ct != NULL && strcmp(ct, "application/json") != 0) || r->body_len == 0)
		return false;
	pairs = malloc(PRIVD_BATCH_MAX * sizeof(*pairs));
	if (pairs == NULL || !privd_batch_scan(r->body, r->body_len, pairs, &n))
		goto out;
	items = malloc(n * sizeof(*items));
	strs = malloc(n * sizeof(*strs));
	if (items == NULL || strs == NULL)
		goto out;
	for (size_t i = 0; i < n; i++) {
		memcpy(strs[i][0], pairs[i].subject_id.s, pairs[i].subject_id.len);
		strs[i][0][pairs[i].subject_id.len] = '\0';
		memcpy(strs[i][1], pairs[i].purpose.s, pairs[i].purpose.len);
		strs[i][1][pairs[i].purpose.len] = '\0';
		items[i] = (struct batch_item){strs[i][0], strs[i][1]};
	}
	batch_reply(r, items, n);
	done = true;
out:
	free(strs);
	free(items);
	free(pairs);
	return done;
}

void privd_http_consent_batch(struct privd_http_req *r)
{
	static const char *const allowed[] = {"checks", NULL};
	static const char *const item_allowed[] = {"subject_id", "purpose", NULL};
	struct privd_err e = {0};
	struct batch_item *items = NULL;
	json_t *body = NULL, *checks, *item;
	char field[48];
	size_t i;

	if (batch_fast(r) || !privd_http_body_object(r, &body))
		goto out;
	checks = json_object_get(body, "checks");
	privd_http_json_only(body, allowed, "", &e);
	if (!json_is_array(checks) || json_array_size(checks) < 1 || json_array_size(checks) > PRIVD_BATCH_MAX) {
		privd_err_field(&e, "checks", "must be an array of 1 to 1000 checks");
		privd_http_reply_fields(r, &e);
		goto out;
	}
	json_array_foreach(checks, i, item)
	{
		json_t *sid = json_object_get(item, "subject_id"), *pur = json_object_get(item, "purpose");

		if (!json_is_object(item)) {
			snprintf(field, sizeof(field), "checks[%zu]", i);
			privd_err_field(&e, field, "must be an object");
			continue;
		}
		if (!json_is_string(sid)) {
			snprintf(field, sizeof(field), "checks[%zu].subject_id", i);
			privd_err_field(&e, field, "must be a string");
		}
		if (!json_is_string(pur)) {
			snprintf(field, sizeof(field), "checks[%zu].purpose", i);
			privd_err_field(&e, field, "must be a string");
		}
		snprintf(field, sizeof(field), "checks[%zu].", i);
		privd_http_json_only(item, item_allowed, field, &e);
	}
	if (e.nfields > 0) {
		privd_http_reply_fields(r, &e);
		goto out;
	}
	items = malloc(json_array_size(checks) * sizeof(*items));
	if (items == NULL) {
		privd_http_reply_rc(r, PRIVD_ERR_NOMEM, NULL);
		goto out;
	}
	json_array_foreach(checks, i, item) items[i] =
	    (struct batch_item){json_string_value(json_object_get(item, "subject_id")),
	                        json_string_value(json_object_get(item, "purpose"))};
	batch_reply(r, items, json_array_size(checks));
out:
	free(items);
	json_decref(body);
}
