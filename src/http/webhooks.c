/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * webhooks.c - webhook subscriptions under /v1/webhooks and their delivery log: subscribed and deleted by admins,
 * read by operators, admins and auditors. The signing secret is in the answer to POST only. Nothing here is
 * personal data: a delivery names an event and the id and type of its object.
 */
#include "http_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service/webhooks.h"

#define LIST_DEFAULT 100
#define LIST_MAX 1000

/* "a,b" as a JSON array; NULL when out of memory. */
static json_t *events_json(const char *events)
{
	json_t *arr = json_array();
	const char *p = events;

	while (arr != NULL && *p != '\0') {
		size_t n = strcspn(p, ",");

		if (json_array_append_new(arr, json_stringn(p, n)) != 0) {
			json_decref(arr);
			return NULL;
		}
		p += n + (p[n] == ',');
	}
	return arr;
}

static json_t *webhook_json(const struct privd_webhook *w)
{
	return json_pack("{s:s, s:s, s:o, s:o}", "id", w->id, "url", w->url, "events", events_json(w->events),
	                 "created_at", privd_http_json_time(w->created_at));
}

void privd_http_webhook_create(struct privd_http_req *r)
{
	static const char *const allowed[] = {"url", "events", NULL};
	json_t *body = NULL, *j = NULL;
	const char *url = NULL, **events = NULL;
	char secret[PRIVD_WEBHOOK_SECRET_MAX], loc[64];
	struct privd_webhook w;
	struct privd_err e = {0};
	size_t n = 0;
	enum privd_rc rc;

	if (!privd_http_body_object(r, &body))
		return;
	privd_http_json_only(body, allowed, "", &e);
	privd_http_json_str(body, "url", NULL, false, &url, &e);
	privd_http_json_strs(body, "events", PRIVD_WEBHOOK_EVENTS_MAX, &events, &n, &e);
	if (url == NULL && e.nfields == 0)
		privd_err_field(&e, "url", "is required");
	if (events == NULL && e.nfields == 0)
		privd_err_field(&e, "events", "is required");
	if (e.nfields > 0) {
		privd_http_reply_fields(r, &e);
		goto out;
	}
	rc = privd_service_webhook_create(r->h->svc, &r->who, url, events, n, &w, secret, &e);
	if (rc != PRIVD_OK) {
		privd_http_reply_rc(r, rc, &e);
		goto out;
	}
	j = webhook_json(&w);
	if (j != NULL && json_object_set_new(j, "secret", json_string(secret)) != 0) {
		json_decref(j);
		j = NULL;
	}
	explicit_bzero(secret, sizeof(secret));
	privd_http_reply_json(r, MHD_HTTP_CREATED, j);
	snprintf(loc, sizeof(loc), "/v1/webhooks/%s", w.id);
	privd_http_reply_header(r, MHD_HTTP_HEADER_LOCATION, loc);
out:
	free(events);
	json_decref(body);
}

struct list_ctx {
	json_t *items;
	size_t n;
	int64_t last;
};

static int list_cb(void *arg, const struct privd_webhook *w)
{
	struct list_ctx *c = arg;

	if (json_array_append_new(c->items, webhook_json(w)) != 0)
		return 1;
	c->n++;
	c->last = w->created_at;
	return 0;
}

static json_t *delivery_json(const struct privd_webhook_delivery *d)
{
	bool queued = strcmp(d->status, "queued") == 0;

	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:o, s:o, s:o, s:o, s:o}", "id", d->id, "event", d->event,
	                 "object_type", d->object_type, "object_id", d->object_id, "status", d->status, "attempts",
	                 d->attempts, "created_at", privd_http_json_time(d->created_at), "last_attempt_at",
	                 privd_http_json_time(d->last_attempt_at), "next_attempt_at",
	                 queued ? privd_http_json_time(d->next_attempt_at) : json_null(), "sent_at",
	                 privd_http_json_time(d->sent_at), "last_error", privd_http_json_str_or_null(d->last_error));
}

static int delivery_cb(void *arg, const struct privd_webhook_delivery *d)
{
	struct list_ctx *c = arg;

	if (json_array_append_new(c->items, delivery_json(d)) != 0)
		return 1;
	c->n++;
	c->last = d->cursor;
	return 0;
}

/* limit and after from the query; false (with a reply) when either is bad. */
static bool paging(struct privd_http_req *r, long long *limit, long long *after, struct privd_err *e)
{
	if (!privd_http_query_int(r, "limit", 1, LIST_MAX, LIST_DEFAULT, limit))
		privd_err_field(e, "limit", "must be an integer from 1 to 1000");
	if (!privd_http_query_int(r, "after", 0, INT64_MAX, 0, after))
		privd_err_field(e, "after", "must be a cursor (next_after of the previous page)");
	return e->nfields == 0;
}

static void reply_page(struct privd_http_req *r, struct list_ctx *c, long long limit)
{
	privd_http_reply_json(r, MHD_HTTP_OK,
	                      json_pack("{s:O, s:o}", "items", c->items, "next_after",
	                                c->n == (size_t)limit ? json_integer(c->last) : json_null()));
}

void privd_http_webhook_list(struct privd_http_req *r)
{
	struct list_ctx c = {json_array(), 0, 0};
	struct privd_err e = {0};
	long long limit, after;
	enum privd_rc rc;

	if (c.items == NULL) {
		privd_http_reply_rc(r, PRIVD_ERR_NOMEM, NULL);
		return;
	}
	if (!paging(r, &limit, &after, &e)) {
		privd_http_reply_fields(r, &e);
		goto out;
	}
	rc = privd_service_webhook_list(r->h->svc, (int64_t)after, (size_t)limit, list_cb, &c);
	if (rc != PRIVD_OK)
		privd_http_reply_rc(r, rc, NULL);
	else
		reply_page(r, &c, limit);
out:
	json_decref(c.items);
}

void privd_http_webhook_delete(struct privd_http_req *r)
{
	struct privd_err e = {0};
	enum privd_rc rc;

	if (!privd_http_id_valid(r->id)) {
		privd_http_reply_problem(r, MHD_HTTP_NOT_FOUND, "not-found", "no such webhook", NULL);
		return;
	}
	rc = privd_service_webhook_delete(r->h->svc, &r->who, r->id, &e);
	if (rc != PRIVD_OK)
		privd_http_reply_rc(r, rc, &e);
	else
		privd_http_reply_empty(r, MHD_HTTP_NO_CONTENT);
}

void privd_http_webhook_deliveries(struct privd_http_req *r)
{
	struct list_ctx c = {json_array(), 0, 0};
	struct privd_err e = {0};
	const char *status = privd_http_query_str(r, "status");
	long long limit, after;
	enum privd_rc rc;

	if (c.items == NULL) {
		privd_http_reply_rc(r, PRIVD_ERR_NOMEM, NULL);
		return;
	}
	if (!privd_http_id_valid(r->id)) {
		privd_http_reply_problem(r, MHD_HTTP_NOT_FOUND, "not-found", "no such webhook", NULL);
		goto out;
	}
	if (status != NULL && strcmp(status, "queued") != 0 && strcmp(status, "sent") != 0 &&
	    strcmp(status, "failed") != 0)
		privd_err_field(&e, "status", "must be queued, sent or failed");
	if (!paging(r, &limit, &after, &e)) {
		privd_http_reply_fields(r, &e);
		goto out;
	}
	rc = privd_service_webhook_deliveries(r->h->svc, r->id, status, (int64_t)after, (size_t)limit, delivery_cb, &c);
	if (rc != PRIVD_OK)
		privd_http_reply_rc(r, rc, NULL);
	else
		reply_page(r, &c, limit);
out:
	json_decref(c.items);
}
