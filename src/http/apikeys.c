/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * apikeys.c - POST/GET /v1/api-keys and DELETE /v1/api-keys/{id} (admin).
 *
 * A key is shown once, in the creation response, and stored hashed by the service; the buffer that held it
 * here is zeroed as soon as the response is rendered (the response buffer itself is zeroed when freed).
 */
#include "http_int.h"

#include <stdio.h>
#include <string.h>

static json_t *key_json(const struct privd_apikey_info *k)
{
	return json_pack("{s:s, s:s, s:s, s:o, s:o}", "id", k->id, "name", k->name, "role", k->role, "created_at",
	                 privd_http_json_time(k->created_at), "revoked_at", privd_http_json_time(k->revoked_at));
}

void privd_http_apikey_create(struct privd_http_req *r)
{
	struct privd_apikey_info info;
	struct privd_err e = {0};
	char key[256] = "";
	const char *name = NULL, *role = NULL;
	json_t *body = NULL, *res;
	enum privd_rc rc;

	memset(&info, 0, sizeof(info));
	if (!privd_http_body_object(r, &body))
		goto out;
	privd_http_json_str(body, "name", NULL, false, &name, &e);
	privd_http_json_str(body, "role", NULL, false, &role, &e);
	if (name == NULL)
		privd_err_field(&e, "name", "is required");
	if (role == NULL)
		privd_err_field(&e, "role", "is required");
	/* A missing or mistyped member reaches the service as NULL, which it refuses without writing anything, after
	 * naming what else is wrong: every field at fault is named at once. */
	rc = privd_service_apikey_create(r->h->svc, &r->who, name, role, &info, key, sizeof(key), &e);
	if (rc != PRIVD_OK) {
		privd_http_reply_rc(r, rc, &e);
		goto out;
	}
	res = json_pack("{s:s, s:s, s:s, s:s, s:o}", "id", info.id, "key", key, "name", info.name, "role", info.role,
	                "created_at", privd_http_json_time(info.created_at));
	privd_http_reply_json(r, MHD_HTTP_CREATED, res);
out:
	explicit_bzero(key, sizeof(key));
	json_decref(body);
}

/* A page of keys in creation order: those after the cursor, up to limit (the keys are few: the store walks them
 * all and the page is cut here). */
struct key_page {
	json_t *items;
	size_t n, limit;
	int64_t after_created, last_created;
	char after_id[33], last_id[33];
};

static int list_cb(void *arg, const struct privd_apikey_info *k)
{
	struct key_page *p = arg;

	if (k->created_at < p->after_created ||
	    (k->created_at == p->after_created && strcmp(k->id, p->after_id) <= 0) || p->n == p->limit)
		return 0;
	p->n++;
	p->last_created = k->created_at;
	memcpy(p->last_id, k->id, sizeof(p->last_id));
	return json_array_append_new(p->items, key_json(k)) == 0 ? 0 : -1;
}

void privd_http_apikey_list(struct privd_http_req *r)
{
	const char *after = privd_http_query_str(r, "after");
	struct key_page p = {.items = json_array(), .after_created = -1};
	struct privd_err e = {0};
	long long limit;
	char next[64];
	enum privd_rc rc;

	if (after != NULL && !privd_http_cursor_parse(after, &p.after_created, p.after_id))
		privd_err_field(&e, "after", "must be a cursor (next_after of the previous page)");
	if (!privd_http_query_int(r, "limit", 1, 1000, 100, &limit))
		privd_err_field(&e, "limit", "must be an integer from 1 to 1000");
	if (e.nfields > 0) {
		privd_http_reply_fields(r, &e);
		goto out;
	}
	if (p.items == NULL) {
		privd_http_reply_rc(r, PRIVD_ERR_NOMEM, NULL);
		goto out;
	}
	p.limit = (size_t)limit;
	rc = privd_service_apikey_list(r->h->svc, list_cb, &p);
	if (rc != PRIVD_OK) {
		privd_http_reply_rc(r, rc, NULL);
		goto out;
	}
	snprintf(next, sizeof(next), "%lld-%s", (long long)p.last_created, p.last_id);
	privd_http_reply_json(
	    r, MHD_HTTP_OK,
	    json_pack("{s:O, s:o}", "items", p.items, "next_after", p.n == p.limit ? json_string(next) : json_null()));
out:
	json_decref(p.items);
}

void privd_http_apikey_revoke(struct privd_http_req *r)
{
	struct privd_err e = {0};
	enum privd_rc rc;

	rc = privd_service_apikey_revoke(r->h->svc, &r->who, r->id, &e);
	if (rc != PRIVD_OK) {
		privd_http_reply_rc(r, rc, &e);
		return;
	}
	privd_http_reply_empty(r, MHD_HTTP_NO_CONTENT);
}
