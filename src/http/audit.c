/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * audit.c - GET /v1/audit (pages of the hash-chained log) and GET /v1/audit/verify (auditor, admin).
 *
 * Entries hold ids, actors and field names, never PII values, so they are rendered as stored; the detail
 * column is JSON text and is embedded as JSON. Paging is by sequence number so that a page stays stable while
 * the log grows.
 */
#include "http_int.h"

json_t *privd_http_audit_entry_json(const struct privd_audit_entry *e)
{
	json_t *detail = json_loads(e->detail, 0, NULL);

	if (detail == NULL)
		detail = e->detail[0] ? json_string(e->detail) : json_object();
	return json_pack("{s:I, s:o, s:s, s:s, s:s, s:s, s:o, s:o, s:s}", "seq", (json_int_t)e->seq, "ts",
	                 privd_http_json_time(e->ts), "actor", e->actor, "action", e->action, "object_type",
	                 e->object_type, "object_id", e->object_id, "detail", detail ? detail : json_null(),
	                 "prev_hash", privd_http_json_str_or_null(e->prev_hash), "hash", e->hash);
}

static int list_cb(void *arg, const struct privd_audit_entry *e)
{
	return privd_http_page_add(arg, privd_http_audit_entry_json(e), e->seq);
}

void privd_http_audit_list(struct privd_http_req *r)
{
	struct privd_http_page page = {.items = json_array()};
	enum privd_rc rc;

	if (page.items == NULL) {
		privd_http_reply_rc(r, PRIVD_ERR_NOMEM, NULL);
		return;
	}
	if (!privd_http_query_int(r, "after", 0, INT64_MAX, 0, &page.after)) {
		privd_http_reply_invalid(r, "after", "must be a sequence number (0 or more)");
		goto out;
	}
	if (!privd_http_query_int(r, "limit", 1, 1000, 100, &page.limit)) {
		privd_http_reply_invalid(r, "limit", "must be an integer from 1 to 1000");
		goto out;
	}
	rc = privd_service_audit_list(r->h->svc, (int64_t)page.after, (size_t)page.limit, list_cb, &page);
	privd_http_page_reply(r, &page, rc, NULL);
out:
	privd_http_page_free(&page);
}

void privd_http_audit_verify(struct privd_http_req *r)
{
	struct privd_audit_verdict v = {0};
	enum privd_rc rc;
	json_t *j;

	rc = privd_service_audit_verify(r->h->svc, &v);
	if (rc != PRIVD_OK) {
		privd_http_reply_rc(r, rc, NULL);
		return;
	}
	j = json_pack("{s:b, s:I, s:o}", "ok", (int)v.ok, "entries", (json_int_t)v.entries, "head",
	              privd_http_json_str_or_null(v.head));
	if (j != NULL && !v.ok) {
		json_object_set_new(j, "first_bad", json_integer(v.first_bad));
		json_object_set_new(j, "reason",
		                    json_string(v.anchor_bad  ? "anchor"
		                                : v.truncated ? "truncated"
		                                              : "entry"));
	}
	privd_http_reply_json(r, MHD_HTTP_OK, j);
}
