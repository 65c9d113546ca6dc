/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * outbox.c - notifications to data subjects, queued durably in the same transaction as the change they report.
 *
 * Each message gets a key of its own: the recipient's address and what the notice says are sealed under it, and
 * the key is kept in the keystore until the message is sent or given up. That is what lets the confirmation of an
 * erasure be queued before the person's data key is destroyed without keeping their address readable afterwards.
 * What a notice says is stored as its variables (the kind, the request, the due date, the reason, the person's
 * language), not as rendered text: delivery (delivery.c) renders the e-mail's text and HTML or the SMS from them
 * when it sends, with the operator's name and contact as configured then. The operators' list of the outbox
 * (GET /v1/notifications) is here too; it never reads the sealed columns.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "service/service_int.h"

/* ---- what a notice says, sealed ---- */

enum privd_notify_lang privd_outbox_lang(struct privd_service *svc, const char *language)
{
	enum privd_notify_lang l = PRIVD_NOTIFY_LANG_RU_EN;

	if (language != NULL && language[0] != '\0' && privd_notify_lang_parse(language, &l) == PRIVD_OK)
		return l;
	if (privd_notify_lang_parse(svc->cfg.notify_language, &l) != PRIVD_OK)
		l = PRIVD_NOTIFY_LANG_RU_EN;
	return l;
}

/* Sets key to s when s is given and not empty. Returns -1 when out of memory. */
static int set_str(json_t *o, const char *key, const char *s)
{
	if (s == NULL || s[0] == '\0')
		return 0;
	return json_object_set_new(o, key, json_string(s));
}

char *privd_outbox_vars_encode(const struct privd_notice_vars *v)
{
	json_t *o = json_pack("{s:i, s:s, s:s}", "v", 1, "kind", privd_notice_kind_name(v->kind), "lang",
	                      privd_notify_lang_name(v->lang) ? privd_notify_lang_name(v->lang) : "ru+en");
	char *text = NULL;

	if (o == NULL)
		return NULL;
	if (v->kind <= PRIVD_NOTICE_REQUEST_COMPLETED && set_str(o, "type", privd_request_type_name(v->type)) != 0)
		goto out;
	if (set_str(o, "request_id", v->request_id) != 0 || set_str(o, "due_date", v->due_date) != 0 ||
	    set_str(o, "reason", v->reason) != 0 || set_str(o, "policy_version", v->policy_version) != 0)
		goto out;
	text = json_dumps(o, JSON_COMPACT);
out:
	json_decref(o);
	return text;
}

static const char *get_str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

enum privd_rc privd_outbox_vars_decode(const char *text, struct privd_notice_vars *v, void **hold)
{
	json_t *o = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
	const char *type = NULL;

	memset(v, 0, sizeof(*v));
	*hold = NULL;
	if (!json_is_object(o) || json_integer_value(json_object_get(o, "v")) != 1 ||
	    privd_notice_kind_parse(get_str(o, "kind"), &v->kind) != PRIVD_OK ||
	    privd_notify_lang_parse(get_str(o, "lang"), &v->lang) != PRIVD_OK)
		goto bad;
	type = get_str(o, "type");
	if (type != NULL && privd_request_type_parse(type, &v->type) != PRIVD_OK)
		goto bad;
	v->request_id = get_str(o, "request_id");
	v->due_date = get_str(o, "due_date");
	v->reason = get_str(o, "reason");
	v->policy_version = get_str(o, "policy_version");
	*hold = o;
	return PRIVD_OK;
bad:
	json_decref(o);
	return PRIVD_ERR_INVALID;
}

void privd_outbox_vars_release(void *hold)
{
	json_decref(hold);
}

/* ---- queueing ---- */

enum privd_rc privd_notice_prepare(struct privd_service *svc, const struct privd_subject *to, const char *request_id,
                                   const struct privd_notice_vars *v, struct privd_notice *n)
{
	struct privd_notification_row *row = &n->row;
	struct privd_vault_sealing texts[2];
	char key_id[40];
	const char *recipient;
	char *body = NULL;
	enum privd_rc rc;

	memset(n, 0, sizeof(*n));
	if (to->email[0] != '\0') {
		recipient = to->email;
		snprintf(row->channel, sizeof(row->channel), "email");
	} else if (to->phone[0] != '\0') {
		recipient = to->phone;
		snprintf(row->channel, sizeof(row->channel), "sms");
	} else {
		return PRIVD_OK; /* nobody to tell: nothing queued */
	}
	privd_random_id(row->id);
	snprintf(key_id, sizeof(key_id), "msg:%s", row->id);
	memcpy(row->subject_id, to->id, sizeof(row->subject_id));
	snprintf(row->request_id, sizeof(row->request_id), "%s", request_id ? request_id : "");
	row->kind = v->kind;
	row->status = PRIVD_NOTICE_QUEUED;
	row->created_at = privd_now_ms();
	body = privd_outbox_vars_encode(v);
	if (body == NULL) {
		privd_notice_clear(n);
		return PRIVD_ERR_NOMEM;
	}
	texts[0] = privd_vault_text("recipient", recipient, &row->recipient_ct);
	texts[1] = privd_vault_text("body", body, &row->body_ct);
	rc = privd_vault_create(svc->vault, key_id, row->created_at, texts, 2, &n->key);
	sodium_memzero(body, strlen(body));
	free(body);
	if (rc != PRIVD_OK) {
		privd_notice_clear(n);
		return rc;
	}
	n->present = true;
	return PRIVD_OK;
}

void privd_notice_clear(struct privd_notice *n)
{
	if (n == NULL)
		return;
	privd_notification_row_clear(&n->row);
	sodium_memzero(n, sizeof(*n));
}

enum privd_rc privd_notice_ks_put(struct privd_db *ks, const struct privd_notice *n)
{
	if (!n->present)
		return PRIVD_OK;
	return privd_vault_store(ks, &n->key);
}

enum privd_rc privd_notice_ks_undo(struct privd_service *svc, struct privd_db *ks, const struct privd_notice *n)
{
	if (!n->present)
		return PRIVD_OK;
	return privd_vault_destroy(svc->vault, ks, n->key.id);
}

enum privd_rc privd_notice_insert(struct privd_db *db, const struct privd_notice *n)
{
	if (!n->present)
		return PRIVD_OK;
	return privd_repo_notification_insert(db, &n->row);
}

/* ---- reading the outbox ---- */

static void notification_view(const struct privd_notification_row *row, struct privd_notification *n)
{
	memset(n, 0, sizeof(*n));
	memcpy(n->id, row->id, sizeof(n->id));
	memcpy(n->subject_id, row->subject_id, sizeof(n->subject_id));
	memcpy(n->request_id, row->request_id, sizeof(n->request_id));
	n->kind = row->kind;
	memcpy(n->channel, row->channel, sizeof(n->channel));
	n->status = row->status;
	n->attempts = row->attempts;
	n->created_at = row->created_at;
	n->sent_at = row->sent_at;
	memcpy(n->last_error, row->last_error, sizeof(n->last_error));
	memcpy(n->ref, row->ref, sizeof(n->ref));
	n->last_attempt_at = row->last_attempt_at;
	n->next_attempt_at = row->status == PRIVD_NOTICE_QUEUED ? row->next_attempt_at : 0;
}

struct list_ctx {
	int (*cb)(void *arg, const struct privd_notification *n);
	void *arg;
};

static int list_one(void *arg, const struct privd_notification_row *row)
{
	struct list_ctx *c = arg;
	struct privd_notification n;

	notification_view(row, &n);
	return c->cb(c->arg, &n);
}

enum privd_rc privd_service_notifications(struct privd_service *svc, const struct privd_principal *who,
                                          const char *subject_id,
                                          int (*cb)(void *arg, const struct privd_notification *n), void *arg,
                                          struct privd_err *err)
{
	struct list_ctx c = {cb, arg};
	struct privd_cache_entry e;
	struct privd_reader *r = NULL;
	enum privd_rc rc;

	(void)who;
	rc = privd_cache_get(svc, subject_id, &e);
	if (rc == PRIVD_ERR_NOT_FOUND)
		return privd_err_set(err, rc, "no subject has that id");
	if (rc != PRIVD_OK)
		return rc;
	rc = privd_reader_get(svc, &r);
	if (rc != PRIVD_OK)
		return rc;
	rc = privd_repo_notification_list(r->db, subject_id, list_one, &c);
	privd_reader_put(svc, r, rc == PRIVD_ERR_DB);
	return rc;
}

enum privd_rc privd_service_notification_list(struct privd_service *svc, const struct privd_notification_query *q,
                                              int (*cb)(void *arg, const struct privd_notification *n), void *arg,
                                              struct privd_err *err)
{
	struct privd_notification_filter f = {.by_status = q->by_status,
	                                      .status = q->status,
	                                      .ref = q->ref,
	                                      .after_created = q->after_created,
	                                      .after_id = q->after_id,
	                                      .limit = q->limit ? q->limit : 100};
	struct list_ctx c = {cb, arg};
	struct privd_reader *r = NULL;
	enum privd_rc rc;

	(void)err;
	rc = privd_reader_get(svc, &r);
	if (rc != PRIVD_OK)
		return rc;
	rc = privd_repo_notification_page(r->db, &f, list_one, &c);
	privd_reader_put(svc, r, rc == PRIVD_ERR_DB);
	return rc;
}
