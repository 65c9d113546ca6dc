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
	static const char *const allowed[] = {"name", "role", NULL};
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
	if (privd_http_json_only(body, allowed, "", &e) > 0) {
		privd_http_reply_fields(r, &e);
		goto out;
	}
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

/* The keys are few: the store walks them all and the page is cut here. */
static int list_cb(void *arg, const struct privd_apikey_info *k)
{
	struct privd_http_cut *c = arg;

	if (!privd_http_cut_wants(c, k->created_at, k->id))
		return 0;
	return privd_http_cut_add(c, k->created_at, k->id, key_json(k)) < 0 ? -1 : 0;
}

void privd_http_apikey_list(struct privd_http_req *r)
{
	struct privd_http_cut c;
	struct privd_err e = {0};

	if (!privd_http_cut_query(r, &c, &e))
		return;
	if (e.nfields > 0)
		privd_http_reply_fields(r, &e);
	else
		privd_http_cut_reply(r, &c, privd_service_apikey_list(r->h->svc, list_cb, &c), NULL);
	json_decref(c.items);
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
