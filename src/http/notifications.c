/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * notifications.c - the outbox as operators see it: GET /v1/notifications, by status, a page at a time, and the
 * one JSON form of a notice that every list of notices renders.
 *
 * A notice that keeps failing ends "failed" with its last error, and an operator has to find it among possibly
 * hundreds of thousands sent by a fan-out: so the list filters by status and pages by a cursor of creation time and
 * id (a fan-out queues many notices in the same millisecond, so the time alone would not do). Nothing here is PII:
 * the recipient and the text stay sealed, and the error names protocol codes only.
 *
 * The same cursor pages the small lists walked whole in creation order (a person's notices, the API keys): the
 * page is cut from the walk here (privd_http_cut_*), so their clients page them as they page every list.
 */
#include "http_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIST_MAX 1000
#define LIST_DEFAULT 100

json_t *privd_http_notification_json(const struct privd_notification *n)
{
	return json_pack("{s:s, s:s, s:o, s:s, s:s, s:s, s:i, s:o, s:o, s:o, s:o, s:o, s:o}", "id", n->id, "subject_id",
	                 n->subject_id, "request_id", privd_http_json_str_or_null(n->request_id), "kind",
	                 privd_notice_kind_name(n->kind), "channel", n->channel, "status",
	                 privd_notice_status_name(n->status), "attempts", n->attempts, "created_at",
	                 privd_http_json_time(n->created_at), "sent_at", privd_http_json_time(n->sent_at),
	                 "last_attempt_at", privd_http_json_time(n->last_attempt_at), "next_attempt_at",
	                 privd_http_json_time(n->next_attempt_at), "last_error",
	                 privd_http_json_str_or_null(n->last_error), "ref", privd_http_json_str_or_null(n->ref));
}

struct page {
	json_t *items;
	size_t n;
	int64_t last_created;
	char last_id[33];
};

static int page_one(void *arg, const struct privd_notification *n)
{
	struct page *p = arg;

	p->n++;
	p->last_created = n->created_at;
	memcpy(p->last_id, n->id, sizeof(p->last_id));
	return json_array_append_new(p->items, privd_http_notification_json(n)) == 0 ? 0 : -1;
}

bool privd_http_cursor_parse(const char *s, int64_t *created, char id[33])
{
	char *end = NULL;
	long long t;

	errno = 0;
	t = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '-' || t < 0 || strlen(end + 1) != 32)
		return false;
	for (const char *c = end + 1; *c != '\0'; c++)
		if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f')))
			return false;
	*created = (int64_t)t;
	memcpy(id, end + 1, 33);
	return true;
}

void privd_http_notification_page(struct privd_http_req *r)
{
	const char *status = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "status");
	const char *after = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "after");
	struct privd_notification_query q = {0};
	struct page p = {json_array(), 0, 0, ""};
	struct privd_err e = {0};
	char after_id[33] = "", next[64];
	long long limit;
	enum privd_rc rc;

	if (p.items == NULL) {
		privd_http_reply_rc(r, PRIVD_ERR_NOMEM, NULL);
		return;
	}
	q.by_status = status != NULL && status[0] != '\0';
	if (q.by_status && (privd_notice_status_parse(status, &q.status) != PRIVD_OK))
		privd_err_field(&e, "status", "must be one of queued, sent, failed, cancelled");
	if (after != NULL && after[0] != '\0' && !privd_http_cursor_parse(after, &q.after_created, after_id))
		privd_err_field(&e, "after", "must be a cursor (next_after of the previous page)");
	if (!privd_http_query_int(r, "limit", 1, LIST_MAX, LIST_DEFAULT, &limit))
		privd_err_field(&e, "limit", "must be an integer from 1 to 1000");
	if (e.nfields > 0) {
		privd_http_reply_fields(r, &e);
		goto out;
	}
	q.after_id = after_id;
	q.limit = (size_t)limit;
	rc = privd_service_notification_list(r->h->svc, &q, page_one, &p, &e);
	if (rc != PRIVD_OK) {
		privd_http_reply_rc(r, rc, &e);
		goto out;
	}
	snprintf(next, sizeof(next), "%lld-%s", (long long)p.last_created, p.last_id);
	privd_http_reply_json(r, MHD_HTTP_OK,
	                      json_pack("{s:O, s:o}", "items", p.items, "next_after",
	                                p.n == (size_t)limit ? json_string(next) : json_null()));
out:
	json_decref(p.items);
}

bool privd_http_cut_query(struct privd_http_req *r, struct privd_http_cut *c, struct privd_err *e)
{
	const char *after = privd_http_query_str(r, "after");
	long long limit;

	memset(c, 0, sizeof(*c));
	c->after_created = -1;
	if (after != NULL && !privd_http_cursor_parse(after, &c->after_created, c->after_id))
		privd_err_field(e, "after", "must be a cursor (next_after of the previous page)");
	if (!privd_http_query_int(r, "limit", 1, LIST_MAX, LIST_DEFAULT, &limit))
		privd_err_field(e, "limit", "must be an integer from 1 to 1000");
	c->limit = (size_t)limit;
	c->items = json_array();
	if (c->items == NULL)
		privd_http_reply_rc(r, PRIVD_ERR_NOMEM, NULL);
	return c->items != NULL;
}

bool privd_http_cut_wants(const struct privd_http_cut *c, int64_t created, const char *id)
{
	if (c->n == c->limit || created < c->after_created)
		return false;
	return created > c->after_created || strcmp(id, c->after_id) > 0;
}

int privd_http_cut_add(struct privd_http_cut *c, int64_t created, const char *id, json_t *item)
{
	if (!privd_http_cut_wants(c, created, id)) {
		json_decref(item);
		return 1;
	}
	if (item == NULL || json_array_append_new(c->items, item) != 0)
		return -1;
	c->n++;
	c->last_created = created;
	snprintf(c->last_id, sizeof(c->last_id), "%s", id);
	return 0;
}

void privd_http_cut_reply(struct privd_http_req *r, const struct privd_http_cut *c, enum privd_rc rc,
                          const struct privd_err *err)
{
	char next[64];

	if (rc != PRIVD_OK) {
		privd_http_reply_rc(r, rc, err);
		return;
	}
	snprintf(next, sizeof(next), "%lld-%s", (long long)c->last_created, c->last_id);
	privd_http_reply_json(r, MHD_HTTP_OK,
	                      json_pack("{s:O, s:o}", "items", c->items, "next_after",
	                                c->n == c->limit ? json_string(next) : json_null()));
}
