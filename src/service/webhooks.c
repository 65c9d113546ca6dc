/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * webhooks.c - webhook subscriptions, and the events they are told of (see webhooks.h); sending is
 * webhook_send.c's.
 *
 * Events are raised where the audit log already records what happened: privd_audit_append runs in the transaction of
 * every write, so an event queued there commits exactly with its write, and the four kinds of write that raise one
 * (a request filed, carried out or answered, an incident created, a transfer's batch delivered) need no code of
 * their own. The signing secret is the one secret of privd that must be read back (a signature needs it), so it is
 * sealed under a key of its own in the keystore, destroyed when the subscription is deleted.
 */
#include "service/webhooks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/jsonw.h"
#include "core/transfer.h"
#include "service/service_int.h"
#include "store/repo_webhooks.h"

/* What the audit log calls a write, and the event it raises. */
static const struct {
	const char *action, *event;
} raised[] = {
    {"request.create", "request.filed"},     {"request.execute", "request.completed"},
    {"request.answer", "request.completed"}, {"incident.create", "incident.created"},
    {"transfer.delivered", "transfer.sent"},
};

bool privd_webhook_event_known(const char *event)
{
	for (size_t i = 0; i < sizeof(raised) / sizeof(raised[0]); i++)
		if (strcmp(raised[i].event, event) == 0)
			return true;
	return false;
}

struct fan_out {
	struct privd_db *db;
	struct privd_webhook_delivery_row row;
	enum privd_rc rc;
};

static int queue_one(void *arg, const char *id)
{
	struct fan_out *f = arg;

	snprintf(f->row.webhook_id, sizeof(f->row.webhook_id), "%s", id);
	privd_random_id(f->row.id);
	f->rc = privd_repo_webhook_delivery_insert(f->db, &f->row);
	return f->rc != PRIVD_OK;
}

enum privd_rc privd_webhooks_on_audit(struct privd_db *db, const char *action, const char *object_type,
                                      const char *object_id, int64_t at)
{
	struct fan_out f;
	const char *event = NULL;
	enum privd_rc rc;

	for (size_t i = 0; event == NULL && i < sizeof(raised) / sizeof(raised[0]); i++)
		if (strcmp(raised[i].action, action) == 0)
			event = raised[i].event;
	if (event == NULL || object_id == NULL)
		return PRIVD_OK;
	memset(&f, 0, sizeof(f));
	f.db = db;
	snprintf(f.row.event, sizeof(f.row.event), "%s", event);
	snprintf(f.row.object_type, sizeof(f.row.object_type), "%s", object_type);
	snprintf(f.row.object_id, sizeof(f.row.object_id), "%s", object_id);
	f.row.created_at = at;
	rc = privd_repo_webhook_subscribers(db, event, queue_one, &f);
	return rc != PRIVD_OK ? rc : f.rc;
}

/* ---- subscriptions ---- */

enum privd_rc privd_webhook_url_check(const char *url, bool allow_http, const char **reason)
{
	enum privd_rc rc = privd_recipient_endpoint_check(url, reason);

	if (rc == PRIVD_OK && strncmp(url, "https://", 8) != 0 && !allow_http) {
		*reason = "must be an https:// URL (http:// to the loopback host only with [webhooks] allow_http)";
		return PRIVD_ERR_INVALID;
	}
	return rc;
}

/* The event types as stored ("a,b"), each known, repeats dropped. */
static enum privd_rc events_join(const char *const *events, size_t n, char *out, size_t cap, struct privd_err *err)
{
	size_t at = 0;

	out[0] = '\0';
	if (n == 0 || n > PRIVD_WEBHOOK_EVENTS_MAX) {
		privd_err_field(err, "events", "must name 1 to 8 event types");
		return PRIVD_ERR_INVALID;
	}
	for (size_t i = 0; i < n; i++) {
		char field[24];

		if (events[i] == NULL || !privd_webhook_event_known(events[i])) {
			snprintf(field, sizeof(field), "events[%zu]", i);
			privd_err_field(err, field,
			                "must be request.filed, request.completed, incident.created or transfer.sent");
			return PRIVD_ERR_INVALID;
		}
		bool seen = false;
		for (size_t j = 0; j < i; j++)
			seen = seen || strcmp(events[j], events[i]) == 0;
		if (!seen)
			at += (size_t)snprintf(out + at, cap - at, "%s%s", at > 0 ? "," : "", events[i]);
	}
	return PRIVD_OK;
}

struct create_job {
	struct privd_service *svc;
	const struct privd_principal *who;
	struct privd_webhook_row row;
	struct privd_wrapped_key key;
};

static enum privd_rc create_ks(struct privd_db *ks, void *arg)
{
	return privd_vault_store(ks, &((struct create_job *)arg)->key);
}

static enum privd_rc create_ks_undo(struct privd_db *ks, void *arg)
{
	struct create_job *j = arg;

	return privd_vault_destroy(j->svc->vault, ks, j->key.id);
}

static enum privd_rc create_data(struct privd_db *db, void *arg)
{
	struct create_job *j = arg;
	char detail[512];
	struct privd_jsonw w;
	enum privd_rc rc = privd_repo_webhook_insert(db, &j->row);

	if (rc != PRIVD_OK)
		return rc;
	privd_jsonw_init(&w, detail, sizeof(detail));
	privd_jsonw_str(&w, "events", j->row.events);
	privd_jsonw_end(&w);
	return privd_audit_append(j->svc, db, j->who->actor, "webhook.create", "webhook", j->row.id, detail);
}

/* A fresh secret, "whsec_" and the base64 of 32 random bytes. */
static void secret_new(char out[PRIVD_WEBHOOK_SECRET_MAX])
{
	unsigned char raw[32];

	randombytes_buf(raw, sizeof(raw));
	memcpy(out, "whsec_", 6);
	sodium_bin2base64(out + 6, PRIVD_WEBHOOK_SECRET_MAX - 6, raw, sizeof(raw), sodium_base64_VARIANT_ORIGINAL);
	sodium_memzero(raw, sizeof(raw));
}

enum privd_rc privd_service_webhook_create(struct privd_service *svc, const struct privd_principal *who,
                                           const char *url, const char *const *events, size_t n,
                                           struct privd_webhook *out, char secret[PRIVD_WEBHOOK_SECRET_MAX],
                                           struct privd_err *err)
{
	struct create_job *j = calloc(1, sizeof(*j));
	struct privd_write_job job = {.ks = create_ks, .data = create_data, .ks_undo = create_ks_undo};
	const char *reason = NULL;
	char owner[40];
	struct privd_vault_sealing f;
	enum privd_rc rc;

	secret[0] = '\0';
	if (j == NULL)
		return privd_err_set(err, PRIVD_ERR_NOMEM, "out of memory");
	if (privd_webhook_url_check(url, svc->cfg.webhooks_allow_http, &reason) != PRIVD_OK) {
		privd_err_field(err, "url", reason);
		rc = PRIVD_ERR_INVALID;
		goto out;
	}
	rc = events_join(events, n, j->row.events, sizeof(j->row.events), err);
	if (rc != PRIVD_OK)
		goto out;
	j->svc = svc;
	j->who = who;
	privd_random_id(j->row.id);
	snprintf(j->row.url, sizeof(j->row.url), "%s", url);
	snprintf(j->row.actor, sizeof(j->row.actor), "%s", who->actor);
	j->row.created_at = privd_now_ms();
	secret_new(secret);
	snprintf(owner, sizeof(owner), "whk:%s", j->row.id);
	f = privd_vault_text("secret", secret, &j->row.secret_ct);
	rc = privd_vault_create(svc->vault, owner, j->row.created_at, &f, 1, &j->key);
	if (rc == PRIVD_OK) {
		job.arg = j;
		rc = privd_writer_run(svc->writer, &job);
	}
	if (rc == PRIVD_OK) {
		memset(out, 0, sizeof(*out));
		memcpy(out->id, j->row.id, sizeof(out->id));
		memcpy(out->url, j->row.url, sizeof(out->url));
		memcpy(out->events, j->row.events, sizeof(out->events));
		memcpy(out->actor, j->row.actor, sizeof(out->actor));
		out->created_at = j->row.created_at;
	} else {
		sodium_memzero(secret, PRIVD_WEBHOOK_SECRET_MAX);
	}
out:
	privd_blob_clear(&j->row.secret_ct);
	sodium_memzero(&j->key, sizeof(j->key));
	free(j);
	return rc;
}

struct list_ctx {
	int (*cb)(void *arg, const struct privd_webhook *w);
	void *arg;
};

static int list_one(void *arg, const struct privd_webhook_row *row)
{
	struct list_ctx *l = arg;
	struct privd_webhook w;

	memset(&w, 0, sizeof(w));
	memcpy(w.id, row->id, sizeof(w.id));
	memcpy(w.url, row->url, sizeof(w.url));
	memcpy(w.events, row->events, sizeof(w.events));
	memcpy(w.actor, row->actor, sizeof(w.actor));
	w.created_at = row->created_at;
	return l->cb(l->arg, &w);
}

enum privd_rc privd_service_webhook_list(struct privd_service *svc, int64_t after, size_t limit,
                                         int (*cb)(void *arg, const struct privd_webhook *w), void *arg)
{
	struct privd_reader *r = NULL;
	struct list_ctx l = {cb, arg};
	enum privd_rc rc = privd_reader_get(svc, &r);

	if (rc != PRIVD_OK)
		return rc;
	rc = privd_repo_webhook_list(r->db, after, limit, list_one, &l);
	privd_reader_put(svc, r, rc == PRIVD_ERR_DB);
	return rc;
}

struct delete_job {
	struct privd_service *svc;
	const struct privd_principal *who;
	const char *id;
};

static enum privd_rc delete_data(struct privd_db *db, void *arg)
{
	struct delete_job *j = arg;
	enum privd_rc rc = privd_repo_webhook_delete(db, j->id, privd_now_ms());

	if (rc == PRIVD_OK)
		rc = privd_audit_append(j->svc, db, j->who->actor, "webhook.delete", "webhook", j->id, NULL);
	return rc;
}

static enum privd_rc delete_ks_after(struct privd_db *ks, void *arg)
{
	struct delete_job *j = arg;
	char owner[40];

	snprintf(owner, sizeof(owner), "whk:%s", j->id);
	return privd_vault_destroy(j->svc->vault, ks, owner);
}

enum privd_rc privd_service_webhook_delete(struct privd_service *svc, const struct privd_principal *who, const char *id,
                                           struct privd_err *err)
{
	struct delete_job j = {svc, who, id};
	struct privd_write_job job = {.data = delete_data, .ks_after = delete_ks_after, .arg = &j};
	enum privd_rc rc = privd_writer_run(svc->writer, &job);

	if (rc == PRIVD_ERR_NOT_FOUND)
		privd_err_set(err, rc, "no such webhook");
	return rc;
}

struct deliveries_ctx {
	int (*cb)(void *arg, const struct privd_webhook_delivery *d);
	void *arg;
};

static int delivery_one(void *arg, const struct privd_webhook_delivery_row *row)
{
	struct deliveries_ctx *l = arg;
	struct privd_webhook_delivery d;

	memset(&d, 0, sizeof(d));
	d.cursor = row->seq;
	memcpy(d.id, row->id, sizeof(d.id));
	memcpy(d.event, row->event, sizeof(d.event));
	memcpy(d.object_type, row->object_type, sizeof(d.object_type));
	memcpy(d.object_id, row->object_id, sizeof(d.object_id));
	memcpy(d.status, row->status, sizeof(d.status));
	d.attempts = row->attempts;
	d.created_at = row->created_at;
	d.next_attempt_at = row->next_attempt_at;
	d.last_attempt_at = row->last_attempt_at;
	d.sent_at = row->sent_at;
	memcpy(d.last_error, row->last_error, sizeof(d.last_error));
	return l->cb(l->arg, &d);
}

enum privd_rc privd_service_webhook_deliveries(struct privd_service *svc, const char *id, const char *status,
                                               int64_t after, size_t limit,
                                               int (*cb)(void *arg, const struct privd_webhook_delivery *d), void *arg)
{
	struct privd_reader *r = NULL;
	struct privd_webhook_row w;
	struct deliveries_ctx l = {cb, arg};
	enum privd_rc rc = privd_reader_get(svc, &r);

	if (rc != PRIVD_OK)
		return rc;
	rc = privd_repo_webhook_get(r->db, id, &w);
	privd_blob_clear(&w.secret_ct);
	if (rc == PRIVD_OK)
		rc = privd_repo_webhook_deliveries(r->db, id, status, after, limit, delivery_one, &l);
	privd_reader_put(svc, r, rc == PRIVD_ERR_DB);
	return rc;
}
