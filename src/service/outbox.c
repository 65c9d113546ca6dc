/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * outbox.c - notifications to data subjects, queued durably in the same transaction as the change they report.
 *
 * Each message gets a key of its own: the recipient's address and the text are sealed under it, and the key is
 * kept in the keystore until the message is sent or given up. That is what lets the confirmation of an erasure
 * be queued before the person's data key is destroyed without keeping their address readable afterwards.
 * Delivery (SMTP, SMS gateway) reads the outbox; until it runs, messages wait here as "queued".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "service/service_int.h"

enum privd_rc privd_notice_prepare(struct privd_service *svc, const struct privd_subject *to, const char *request_id,
                                   enum privd_notice_kind kind, const char *body, struct privd_notice *n)
{
	struct privd_notification_row *row = &n->row;
	struct privd_vault_sealing texts[2];
	char key_id[40];
	const char *recipient;
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
	row->kind = kind;
	row->status = PRIVD_NOTICE_QUEUED;
	row->created_at = privd_now_ms();
	texts[0] = privd_vault_text("recipient", recipient, &row->recipient_ct);
	texts[1] = privd_vault_text("body", body, &row->body_ct);
	rc = privd_vault_create(svc->vault, key_id, row->created_at, texts, 2, &n->key);
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

struct list_ctx {
	int (*cb)(void *arg, const struct privd_notification *n);
	void *arg;
};

static int list_one(void *arg, const struct privd_notification_row *row)
{
	struct list_ctx *c = arg;
	struct privd_notification n;

	memset(&n, 0, sizeof(n));
	memcpy(n.id, row->id, sizeof(n.id));
	memcpy(n.subject_id, row->subject_id, sizeof(n.subject_id));
	memcpy(n.request_id, row->request_id, sizeof(n.request_id));
	n.kind = row->kind;
	memcpy(n.channel, row->channel, sizeof(n.channel));
	n.status = row->status;
	n.attempts = row->attempts;
	n.created_at = row->created_at;
	n.sent_at = row->sent_at;
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
