/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * incidents.c - breaches of personal data under /v1/incidents: recording one (which queues a notice to everyone
 * it affects), reading its progress and the regulator's deadlines, adding what the investigation found, recording
 * the reports filed with the regulator, and drafting them (regulator.c renders the draft).
 *
 * What shaped it: the scope is a small language of its own, {"all":true}, {"subject_ids":[...]} or
 * {"registered_from","registered_to"}, exactly one of them, and a mistake in it must name the member at fault
 * ("scope.subject_ids[3]") before anything is stored, since a wrong scope means notices to the wrong people. A
 * list of ids can be long, so the route takes the batch body limit (1 MiB, about 25,000 ids). The operator's
 * texts are about the breach, not a person: they are shown to every role that reads incidents, never logged.
 * The same scope can be counted first (/v1/incident-scope-count), so the console shows whom it would reach.
 */
#include "http_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/incident.h"
#include "service/incidents.h"

#define LIST_MAX 1000
#define LIST_DEFAULT 100

static const char *const text_names[] = {"causes", "harm", "measures", "results", "responsible", NULL};
#define NTEXTS (sizeof(text_names) / sizeof(text_names[0]) - 1)

/* ---- rendering ---- */

static json_t *categories_json(unsigned set)
{
	json_t *a = json_array();

	for (int c = 0; a != NULL && c < PRIVD_DESTRUCTION_CATEGORY_COUNT; c++)
		if ((set & (1u << c)) != 0 &&
		    json_array_append_new(a, json_string(privd_destruction_category_name(c))) != 0) {
			json_decref(a);
			a = NULL;
		}
	return a;
}

static json_t *scope_json(const struct privd_incident *x)
{
	if (x->scope == PRIVD_SCOPE_REGISTERED)
		return json_pack("{s:s, s:o, s:o}", "kind", privd_incident_scope_name(x->scope), "registered_from",
		                 privd_http_json_time(x->registered_from), "registered_to",
		                 privd_http_json_time(x->registered_to));
	return json_pack("{s:s}", "kind", privd_incident_scope_name(x->scope));
}

static json_t *report_json(const struct privd_incident_report *p)
{
	json_t *met = p->state == PRIVD_DEADLINE_PENDING ? json_null() : json_boolean(p->state == PRIVD_DEADLINE_MET);

	return json_pack("{s:o, s:o, s:o, s:o}", "due", privd_http_json_time(p->due), "sent_at",
	                 privd_http_json_time(p->reported_at), "reference", privd_http_json_str_or_null(p->reference),
	                 "met", met);
}

static json_t *channel_json(const struct privd_incident_channel *c)
{
	return json_pack("{s:I, s:I, s:I, s:I}", "queued", (json_int_t)c->queued, "sent", (json_int_t)c->sent, "failed",
	                 (json_int_t)c->failed, "cancelled", (json_int_t)c->cancelled);
}

/* The incident; full adds its texts, the progress of its notices and the last one out. */
static json_t *incident_json(const struct privd_incident *x, bool full)
{
	const char *const texts[NTEXTS] = {x->causes, x->harm, x->measures, x->results, x->responsible};
	json_t *j = json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:I, s:I, s:{s:o, s:o}}", "id", x->id, "detected_at",
	                      privd_http_json_time(x->detected_at), "created_at", privd_http_json_time(x->created_at),
	                      "updated_at", privd_http_json_time(x->updated_at), "data_categories",
	                      categories_json(x->categories), "scope", scope_json(x), "affected",
	                      (json_int_t)x->affected, "affected_eu", (json_int_t)x->affected_eu, "regulator",
	                      "initial", report_json(&x->reports[PRIVD_REPORT_INITIAL]), "followup",
	                      report_json(&x->reports[PRIVD_REPORT_FOLLOWUP]));
	int bad = j == NULL;

	if (!full || bad)
		return j;
	bad |= json_object_set_new(j, "description", privd_http_json_str_or_null(x->description));
	for (size_t i = 0; i < NTEXTS; i++)
		bad |= json_object_set_new(j, text_names[i], privd_http_json_str_or_null(texts[i]));
	bad |= json_object_set_new(j, "progress",
	                           json_pack("{s:o, s:o}", "email", channel_json(&x->channels[PRIVD_CHANNEL_EMAIL]),
	                                     "sms", channel_json(&x->channels[PRIVD_CHANNEL_SMS])));
	bad |= json_object_set_new(j, "last_sent_at", privd_http_json_time(x->last_sent_at));
	if (bad) {
		json_decref(j);
		return NULL;
	}
	return j;
}

static void reply_incident(struct privd_http_req *r, enum privd_rc rc, unsigned status, const struct privd_incident *x,
                           const struct privd_err *e)
{
	if (rc != PRIVD_OK)
		privd_http_reply_rc(r, rc, e);
	else
		privd_http_reply_json(r, status, incident_json(x, true));
}

/* ---- parsing ---- */

/* Member key of obj as an RFC 3339 time into *ms; absent is "is required" when required. field names it. */
static bool json_time(json_t *obj, const char *key, const char *field, bool required, int64_t *ms, struct privd_err *e)
{
	const char *s = NULL;

	if (!privd_http_json_str(obj, key, field, false, &s, e))
		return false;
	if (s == NULL) {
		if (required)
			privd_err_field(e, field, "is required");
		return !required;
	}
	if (privd_time_parse(s, ms) != PRIVD_OK) {
		privd_err_field(e, field, "must be an RFC 3339 time (2026-11-26T11:36:48.123Z)");
		return false;
	}
	return true;
}

/* The bit number of a category's name, or -1 (NULL included). */
static int category_bit(const char *name)
{
	for (int c = 0; name != NULL && c < PRIVD_DESTRUCTION_CATEGORY_COUNT; c++)
		if (strcmp(name, privd_destruction_category_name(c)) == 0)
			return c;
	return -1;
}

static void parse_categories(json_t *body, unsigned *set, struct privd_err *e)
{
	json_t *a = json_object_get(body, "data_categories"), *v;
	char field[48];
	size_t i;

	*set = 0;
	if (a == NULL) {
		privd_err_field(e, "data_categories", "is required");
		return;
	}
	if (!json_is_array(a) || json_array_size(a) == 0) {
		privd_err_field(e, "data_categories", "must be a non-empty array of category names");
		return;
	}
	json_array_foreach(a, i, v)
	{
		int c = category_bit(json_string_value(v));

		snprintf(field, sizeof(field), "data_categories[%zu]", i);
		if (c < 0)
			privd_err_field(
			    e, field,
			    "must be one of name, email, phone, ip, birth_date, residence_country, consent_records, "
			    "request_documents, request_details, notifications");
		else if ((*set & (1u << c)) != 0)
			privd_err_field(e, field, "is listed twice");
		else
			*set |= 1u << c;
	}
}

/* The ids of {"subject_ids":[...]}, pointing into the body (*ids malloc'd). */
static void parse_ids(json_t *a, struct privd_incident_input *in, const char ***ids, struct privd_err *e)
{
	char field[48];
	json_t *v;
	size_t i, n = json_array_size(a);

	if (!json_is_array(a)) {
		privd_err_field(e, "scope.subject_ids", "must be an array of ids");
		return;
	}
	in->scope = PRIVD_SCOPE_SUBJECTS;
	if (n == 0 || n > PRIVD_INCIDENT_IDS_MAX)
		return; /* the service names what is wrong with the count */
	*ids = malloc(n * sizeof(**ids));
	if (*ids == NULL) {
		privd_err_set(e, PRIVD_ERR_NOMEM, "out of memory");
		return;
	}
	json_array_foreach(a, i, v)
	{
		(*ids)[i] = json_string_value(v);
		if ((*ids)[i] == NULL) {
			snprintf(field, sizeof(field), "scope.subject_ids[%zu]", i);
			privd_err_field(e, field, "must be an id (32 lowercase hexadecimal characters)");
			(*ids)[i] = "";
		}
	}
	in->subject_ids = *ids;
	in->nsubject_ids = n;
}

/* Exactly one of the three shapes of a scope. */
static void parse_scope(json_t *body, struct privd_incident_input *in, const char ***ids, struct privd_err *e)
{
	static const char *const allowed[] = {"all", "subject_ids", "registered_from", "registered_to", NULL};
	json_t *s = json_object_get(body, "scope"), *all, *list;
	bool range;

	in->scope = PRIVD_SCOPE_COUNT;
	if (s == NULL) {
		privd_err_field(e, "scope", "is required");
		return;
	}
	if (!json_is_object(s)) {
		privd_err_field(e, "scope", "must be an object");
		return;
	}
	privd_http_json_only(s, allowed, "scope.", e);
	all = json_object_get(s, "all");
	list = json_object_get(s, "subject_ids");
	range = json_object_get(s, "registered_from") != NULL || json_object_get(s, "registered_to") != NULL;
	if ((all != NULL) + (list != NULL) + range != 1) {
		privd_err_field(e, "scope",
		                "must be exactly one of {\"all\":true}, {\"subject_ids\":[...]} or "
		                "{\"registered_from\",\"registered_to\"}");
		return;
	}
	if (all != NULL) {
		in->scope = PRIVD_SCOPE_ALL;
		if (!json_is_true(all))
			privd_err_field(e, "scope.all", "must be true");
	} else if (list != NULL) {
		parse_ids(list, in, ids, e);
	} else {
		in->scope = PRIVD_SCOPE_REGISTERED;
		json_time(s, "registered_from", "scope.registered_from", true, &in->registered_from, e);
		json_time(s, "registered_to", "scope.registered_to", true, &in->registered_to, e);
	}
}

/* The investigation's texts: strings, or null (which clears one in a PATCH). */
static void parse_texts(json_t *body, struct privd_incident_texts *t, struct privd_err *e)
{
	const char **slots[NTEXTS] = {&t->causes, &t->harm, &t->measures, &t->results, &t->responsible};

	for (size_t i = 0; i < NTEXTS; i++) {
		json_t *v = json_object_get(body, text_names[i]);

		privd_http_json_str(body, text_names[i], NULL, true, slots[i], e);
		if (v != NULL && json_is_null(v))
			*slots[i] = "";
	}
}

/* ---- handlers ---- */

void privd_http_incident_create(struct privd_http_req *r)
{
	static const char *const allowed[] = {"detected_at", "description", "data_categories", "scope",       "causes",
	                                      "harm",        "measures",    "results",         "responsible", NULL};
	struct privd_incident_input in;
	struct privd_incident x;
	struct privd_err e = {0};
	const char **ids = NULL;
	char loc[64];
	json_t *body = NULL;
	enum privd_rc rc;

	memset(&in, 0, sizeof(in));
	memset(&x, 0, sizeof(x));
	if (!privd_http_body_object(r, &body))
		goto out;
	privd_http_json_only(body, allowed, "", &e);
	json_time(body, "detected_at", "detected_at", true, &in.detected_at, &e);
	if (privd_http_json_str(body, "description", NULL, false, &in.description, &e) && in.description == NULL)
		privd_err_field(&e, "description", "is required");
	parse_categories(body, &in.categories, &e);
	parse_scope(body, &in, &ids, &e);
	parse_texts(body, &in.texts, &e);
	if (e.nfields > 0) {
		privd_http_reply_fields(r, &e);
		goto out;
	}
	rc = privd_service_incident_create(r->h->svc, &r->who, &in, &x, &e);
	if (rc != PRIVD_OK) {
		privd_http_reply_rc(r, rc, &e);
		goto out;
	}
	privd_http_reply_json(
	    r, MHD_HTTP_CREATED,
	    json_pack("{s:s, s:I, s:o, s:o}", "id", x.id, "affected", (json_int_t)x.affected, "regulator_initial_due",
	              privd_http_json_time(x.reports[PRIVD_REPORT_INITIAL].due), "regulator_followup_due",
	              privd_http_json_time(x.reports[PRIVD_REPORT_FOLLOWUP].due)));
	snprintf(loc, sizeof(loc), "/v1/incidents/%s", x.id);
	privd_http_reply_header(r, MHD_HTTP_HEADER_LOCATION, loc);
out:
	privd_incident_clear(&x);
	free(ids);
	json_decref(body);
}

void privd_http_incident_scope_count(struct privd_http_req *r)
{
	static const char *const allowed[] = {"scope", NULL};
	struct privd_incident_input in;
	struct privd_err e = {0};
	const char **ids = NULL;
	int64_t affected = 0, eu = 0;
	json_t *body = NULL;
	enum privd_rc rc;

	memset(&in, 0, sizeof(in));
	if (!privd_http_body_object(r, &body))
		goto out;
	privd_http_json_only(body, allowed, "", &e);
	parse_scope(body, &in, &ids, &e);
	if (e.nfields > 0) {
		privd_http_reply_fields(r, &e);
		goto out;
	}
	rc = privd_service_incident_scope_count(r->h->svc, &in, &affected, &eu, &e);
	if (rc != PRIVD_OK) {
		privd_http_reply_rc(r, rc, &e);
		goto out;
	}
	privd_http_reply_json(r, MHD_HTTP_OK,
	                      json_pack("{s:I, s:I}", "affected", (json_int_t)affected, "affected_eu", (json_int_t)eu));
out:
	free(ids);
	json_decref(body);
}

void privd_http_incident_get(struct privd_http_req *r)
{
	struct privd_incident x;
	struct privd_err e = {0};
	enum privd_rc rc = privd_service_incident_get(r->h->svc, r->id, &x, &e);

	reply_incident(r, rc, MHD_HTTP_OK, &x, &e);
	privd_incident_clear(&x);
}

struct list_ctx {
	json_t *items;
	int64_t last;
	size_t n;
};

static int list_cb(void *arg, const struct privd_incident *x)
{
	struct list_ctx *c = arg;

	if (json_array_append_new(c->items, incident_json(x, false)) != 0)
		return -1;
	c->last = x->created_at;
	c->n++;
	return 0;
}

void privd_http_incident_list(struct privd_http_req *r)
{
	struct list_ctx c = {json_array(), 0, 0};
	struct privd_err e = {0};
	long long limit, after;
	enum privd_rc rc;

	if (c.items == NULL) {
		privd_http_reply_rc(r, PRIVD_ERR_NOMEM, NULL);
		return;
	}
	if (!privd_http_query_int(r, "limit", 1, LIST_MAX, LIST_DEFAULT, &limit))
		privd_err_field(&e, "limit", "must be an integer from 1 to 1000");
	if (!privd_http_query_int(r, "after", 0, INT64_MAX, 0, &after))
		privd_err_field(&e, "after", "must be a cursor (next_after of the previous page)");
	if (e.nfields > 0) {
		privd_http_reply_fields(r, &e);
		goto out;
	}
	rc = privd_service_incident_list(r->h->svc, (int64_t)after, (size_t)limit, list_cb, &c, &e);
	if (rc != PRIVD_OK) {
		privd_http_reply_rc(r, rc, &e);
		goto out;
	}
	privd_http_reply_json(r, MHD_HTTP_OK,
	                      json_pack("{s:O, s:o}", "items", c.items, "next_after",
	                                c.n == (size_t)limit ? json_integer(c.last) : json_null()));
out:
	json_decref(c.items);
}

void privd_http_incident_patch(struct privd_http_req *r)
{
	struct privd_incident_texts t = {0};
	struct privd_incident x;
	struct privd_err e = {0};
	json_t *body = NULL;
	enum privd_rc rc;

	memset(&x, 0, sizeof(x));
	if (!privd_http_body_object(r, &body))
		goto out;
	privd_http_json_only(body, text_names, "", &e);
	parse_texts(body, &t, &e);
	if (e.nfields > 0) {
		privd_http_reply_fields(r, &e);
		goto out;
	}
	rc = privd_service_incident_update(r->h->svc, &r->who, r->id, &t, &x, &e);
	reply_incident(r, rc, MHD_HTTP_OK, &x, &e);
out:
	privd_incident_clear(&x);
	json_decref(body);
}

void privd_http_incident_report(struct privd_http_req *r)
{
	static const char *const allowed[] = {"kind", "sent_at", "reference", NULL};
	struct privd_incident x;
	struct privd_err e = {0};
	const char *kind = NULL, *reference = NULL;
	enum privd_report_kind k = PRIVD_REPORT_KIND_COUNT;
	int64_t sent_at = 0;
	json_t *body = NULL;
	enum privd_rc rc;

	memset(&x, 0, sizeof(x));
	if (!privd_http_body_object(r, &body))
		goto out;
	privd_http_json_only(body, allowed, "", &e);
	if (privd_http_json_str(body, "kind", NULL, false, &kind, &e) &&
	    (kind == NULL || privd_report_kind_parse(kind, &k) != PRIVD_OK))
		privd_err_field(&e, "kind", kind == NULL ? "is required" : "must be initial or followup");
	json_time(body, "sent_at", "sent_at", true, &sent_at, &e);
	if (privd_http_json_str(body, "reference", NULL, false, &reference, &e) && reference == NULL)
		privd_err_field(&e, "reference", "is required");
	if (e.nfields > 0) {
		privd_http_reply_fields(r, &e);
		goto out;
	}
	rc = privd_service_incident_report(r->h->svc, &r->who, r->id, k, sent_at, reference, &x, &e);
	reply_incident(r, rc, MHD_HTTP_CREATED, &x, &e);
out:
	privd_incident_clear(&x);
	json_decref(body);
}

void privd_http_incident_notice(struct privd_http_req *r)
{
	const char *kind = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "kind");
	struct privd_regulator_draft d;
	struct privd_err e = {0};
	enum privd_report_kind k;
	char *text;
	enum privd_rc rc;

	if (kind == NULL || privd_report_kind_parse(kind, &k) != PRIVD_OK) {
		privd_http_reply_invalid(
		    r, "kind", kind == NULL ? "is required: initial or followup" : "must be initial or followup");
		return;
	}
	rc = privd_service_incident_draft(r->h->svc, r->id, k, &d, &e);
	if (rc != PRIVD_OK) {
		privd_http_reply_rc(r, rc, &e);
		return;
	}
	text = privd_http_regulator_notice(&d);
	privd_incident_clear(&d.incident);
	if (text == NULL) {
		privd_http_reply_rc(r, PRIVD_ERR_NOMEM, NULL);
		return;
	}
	privd_http_reply_owned(r, MHD_HTTP_OK, "text/markdown; charset=utf-8", text, strlen(text));
	privd_http_reply_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
}
