/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * recipients.c - the third parties data may be transferred to, under /v1/recipients: registered, changed and
 * deactivated by admins, read by every role that files or checks transfers.
 *
 * A recipient is never deleted: DELETE deactivates it (a new version, nothing goes to it any more) and the answer is
 * the recipient as it now stands; GET of one recipient carries its whole history. Nothing here is personal data.
 */
#include "http_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIELDS_MAX 16

json_t *privd_http_fields_json(unsigned mask)
{
	json_t *arr = json_array();

	for (int f = 0; arr != NULL && f < PRIVD_TFIELD_COUNT; f++) {
		if ((mask & (1u << f)) != 0 &&
		    json_array_append_new(arr, json_string(privd_transfer_field_name((enum privd_transfer_field)f))) !=
		        0) {
			json_decref(arr);
			arr = NULL;
		}
	}
	return arr;
}

json_t *privd_http_recipient_json(const struct privd_recipient *r)
{
	/* each o argument is stolen, also when packing fails */
	return json_pack("{s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:b, s:o, s:o, s:o, s:o, s:b, s:o, s:o}", "id",
	                 r->id, "version", r->version, "name", r->name, "purpose", r->purpose, "country", r->country,
	                 "endpoint", r->endpoint, "public_key", r->public_key, "confidentiality_ref",
	                 r->confidentiality_ref, "fields_allowed", privd_http_fields_json(r->fields_allowed),
	                 "cross_border", r->cross_border, "cross_border_notice_ref",
	                 privd_http_json_str_or_null(r->notice_ref), "cross_border_notice_filed_on",
	                 privd_http_json_str_or_null(r->notice_filed_on), "adequate_protection",
	                 r->cross_border ? json_boolean(r->adequate_protection) : json_null(), "transfers_from",
	                 privd_http_json_str_or_null(r->transfers_from), "active", r->active, "created_at",
	                 privd_http_json_time(r->created_at), "updated_at", privd_http_json_time(r->updated_at));
}

/* The body of a POST or PATCH into in; field errors go to e. *fields is the caller's to free. */
static void parse(json_t *body, bool change, struct privd_recipient_input *in, const char ***fields,
                  struct privd_err *e)
{
	static const char *const allowed[] = {"name",
	                                      "purpose",
	                                      "country",
	                                      "endpoint",
	                                      "public_key",
	                                      "confidentiality_ref",
	                                      "fields_allowed",
	                                      "cross_border_notice_ref",
	                                      "cross_border_notice_filed_on",
	                                      "adequate_protection",
	                                      "active",
	                                      NULL};
	json_t *v;

	memset(in, 0, sizeof(*in));
	in->adequate_protection = -1;
	in->active = -1;
	privd_http_json_only(body, allowed, "", e);
	if (!change && json_object_get(body, "active") != NULL)
		privd_err_field(e, "active", "is set by PATCH and DELETE, not at creation");
	privd_http_json_str(body, "name", NULL, false, &in->name, e);
	privd_http_json_str(body, "purpose", NULL, false, &in->purpose, e);
	privd_http_json_str(body, "country", NULL, false, &in->country, e);
	privd_http_json_str(body, "endpoint", NULL, false, &in->endpoint, e);
	privd_http_json_str(body, "public_key", NULL, false, &in->public_key, e);
	privd_http_json_str(body, "confidentiality_ref", NULL, false, &in->confidentiality_ref, e);
	privd_http_json_strs(body, "fields_allowed", FIELDS_MAX, fields, &in->nfields, e);
	in->fields_allowed = *fields; /* an empty array is given (and refused by the service) */
	privd_http_json_str(body, "cross_border_notice_ref", NULL, true, &in->notice_ref, e);
	in->notice_ref_null = json_is_null(json_object_get(body, "cross_border_notice_ref"));
	privd_http_json_str(body, "cross_border_notice_filed_on", NULL, true, &in->notice_filed_on, e);
	in->notice_filed_on_null = json_is_null(json_object_get(body, "cross_border_notice_filed_on"));
	v = json_object_get(body, "adequate_protection");
	if (v != NULL && !json_is_null(v) && !json_is_boolean(v))
		privd_err_field(e, "adequate_protection", "must be a boolean");
	else if (json_is_boolean(v))
		in->adequate_protection = json_is_true(v) ? 1 : 0;
	v = json_object_get(body, "active");
	if (change && v != NULL && !json_is_boolean(v))
		privd_err_field(e, "active", "must be a boolean");
	else if (change && v != NULL)
		in->active = json_is_true(v) ? 1 : 0;
}

/* Creates (id NULL) or changes the recipient id from r's body; answers 201 or 200 with it. */
static void write_recipient(struct privd_http_req *r, const char *id)
{
	struct privd_recipient_input in;
	struct privd_recipient out;
	struct privd_err e = {0};
	const char **fields = NULL;
	json_t *body = NULL;
	enum privd_rc rc;

	if (!privd_http_body_object(r, &body))
		return;
	parse(body, id != NULL, &in, &fields, &e);
	if (e.nfields > 0) {
		privd_http_reply_fields(r, &e);
		goto out;
	}
	rc = id == NULL ? privd_service_recipient_create(r->h->svc, &r->who, &in, &out, &e)
	                : privd_service_recipient_update(r->h->svc, &r->who, id, &in, &out, &e);
	if (rc != PRIVD_OK) {
		privd_http_reply_rc(r, rc, &e);
		goto out;
	}
	privd_http_reply_json(r, id == NULL ? MHD_HTTP_CREATED : MHD_HTTP_OK, privd_http_recipient_json(&out));
	if (id == NULL) {
		char location[64];

		snprintf(location, sizeof(location), "/v1/recipients/%s", out.id);
		privd_http_reply_header(r, MHD_HTTP_HEADER_LOCATION, location);
	}
out:
	free(fields);
	json_decref(body);
}

void privd_http_recipient_create(struct privd_http_req *r)
{
	write_recipient(r, NULL);
}

void privd_http_recipient_patch(struct privd_http_req *r)
{
	if (!privd_http_id_valid(r->id)) {
		privd_http_reply_problem(r, MHD_HTTP_NOT_FOUND, "not-found", "no such recipient", NULL);
		return;
	}
	write_recipient(r, r->id);
}

void privd_http_recipient_deactivate(struct privd_http_req *r)
{
	struct privd_recipient_input in;
	struct privd_recipient out;
	struct privd_err e = {0};
	enum privd_rc rc;

	if (!privd_http_id_valid(r->id)) {
		privd_http_reply_problem(r, MHD_HTTP_NOT_FOUND, "not-found", "no such recipient", NULL);
		return;
	}
	memset(&in, 0, sizeof(in));
	in.adequate_protection = -1;
	in.active = 0;
	rc = privd_service_recipient_update(r->h->svc, &r->who, r->id, &in, &out, &e);
	if (rc != PRIVD_OK) {
		privd_http_reply_rc(r, rc, &e);
		return;
	}
	privd_http_reply_json(r, MHD_HTTP_OK, privd_http_recipient_json(&out));
}

static int add(void *arg, const struct privd_recipient *rec)
{
	return json_array_append_new(arg, privd_http_recipient_json(rec)) != 0;
}

/* The recipients are few: the store walks them all, in creation order, and the page is cut here. */
static int list_cb(void *arg, const struct privd_recipient *rec)
{
	struct privd_http_cut *c = arg;

	if (!privd_http_cut_wants(c, rec->created_at, rec->id))
		return 0;
	return privd_http_cut_add(c, rec->created_at, rec->id, privd_http_recipient_json(rec)) < 0 ? -1 : 0;
}

void privd_http_recipient_list(struct privd_http_req *r)
{
	struct privd_http_cut c;
	struct privd_err e = {0};

	if (!privd_http_cut_query(r, &c, &e))
		return;
	if (e.nfields > 0)
		privd_http_reply_fields(r, &e);
	else
		privd_http_cut_reply(r, &c, privd_service_recipient_list(r->h->svc, list_cb, &c, &e), &e);
	json_decref(c.items);
}

void privd_http_recipient_get(struct privd_http_req *r)
{
	struct privd_recipient out;
	struct privd_err e = {0};
	json_t *history = json_array(), *j;
	enum privd_rc rc;

	if (!privd_http_id_valid(r->id)) {
		json_decref(history);
		privd_http_reply_problem(r, MHD_HTTP_NOT_FOUND, "not-found", "no such recipient", NULL);
		return;
	}
	rc = history != NULL ? privd_service_recipient_get(r->h->svc, r->id, &out, add, history, &e) : PRIVD_ERR_NOMEM;
	if (rc != PRIVD_OK) {
		json_decref(history);
		privd_http_reply_rc(r, rc, &e);
		return;
	}
	j = privd_http_recipient_json(&out);
	if (j != NULL && json_object_set_new(j, "history", history) != 0) {
		json_decref(j);
		j = NULL;
	} else if (j == NULL) {
		json_decref(history);
	}
	privd_http_reply_json(r, MHD_HTTP_OK, j);
}
