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
	/* a notice about a request names its type (every kind that has a request, the answer of an inquiry too) */
	if (v->request_id != NULL && v->request_id[0] != '\0' &&
	    set_str(o, "type", privd_request_type_name(v->type)) != 0)
		goto out;
	if (set_str(o, "request_id", v->request_id) != 0 || set_str(o, "due_date", v->due_date) != 0 ||
	    set_str(o, "reason", v->reason) != 0 || set_str(o, "version", v->version) != 0 ||
	    set_str(o, "purpose", v->purpose) != 0 || set_str(o, "answer", v->answer) != 0)
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
	v->version = get_str(o, "version");
	v->purpose = get_str(o, "purpose");
	v->answer = get_str(o, "answer");
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

/* Makes n: a fresh message key for a notice to recipient on channel, the recipient and v sealed under it. The body
 * (v encoded) is given when the caller encoded it once for many notices; NULL encodes v here. */
static enum privd_rc notice_make(struct privd_service *svc, const char *subject_id, const char *request_id,
                                 const char *channel, const char *recipient, const struct privd_notice_vars *v,
                                 const char *body, int64_t now, struct privd_notice *n)
{
	struct privd_notification_row *row = &n->row;
	struct privd_vault_sealing texts[2];
	char key_id[40], *own = NULL;
	enum privd_rc rc;

	memset(n, 0, sizeof(*n));
	privd_random_id(row->id);
	snprintf(key_id, sizeof(key_id), "msg:%s", row->id);
	snprintf(row->subject_id, sizeof(row->subject_id), "%s", subject_id);
	snprintf(row->request_id, sizeof(row->request_id), "%s", request_id ? request_id : "");
	snprintf(row->channel, sizeof(row->channel), "%s", channel);
	row->kind = v->kind;
	row->status = PRIVD_NOTICE_QUEUED;
	row->created_at = now;
	if (body == NULL) {
		body = own = privd_outbox_vars_encode(v);
		if (body == NULL)
			return PRIVD_ERR_NOMEM;
	}
	texts[0] = privd_vault_text("recipient", recipient, &row->recipient_ct);
	texts[1] = privd_vault_text("body", body, &row->body_ct);
	rc = privd_vault_create(svc->vault, key_id, row->created_at, texts, 2, &n->key);
	if (own != NULL) {
		sodium_memzero(own, strlen(own));
		free(own);
	}
	if (rc != PRIVD_OK) {
		privd_notice_clear(n);
		return rc;
	}
	n->present = true;
	return PRIVD_OK;
}

enum privd_rc privd_notice_prepare(struct privd_service *svc, const struct privd_subject *to, const char *request_id,
                                   const struct privd_notice_vars *v, struct privd_notice *n)
{
	memset(n, 0, sizeof(*n));
	if (to->email[0] != '\0')
		return notice_make(svc, to->id, request_id, "email", to->email, v, NULL, privd_now_ms(), n);
	if (to->phone[0] != '\0')
		return notice_make(svc, to->id, request_id, "sms", to->phone, v, NULL, privd_now_ms(), n);
	return PRIVD_OK; /* nobody to tell: nothing queued */
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

/* ---- notices in bulk: one fan-out, one transaction ---- */

struct privd_outbox_bulk {
	struct privd_service *svc;
	char ref[72];
	struct privd_notice *notices;
	size_t n, cap;
	size_t email, sms;
	char (*cancelled)[33]; /* erased meanwhile: cancelled in the transaction, keys destroyed after it */
	size_t ncancelled;
};

struct bulk_ctx {
	struct privd_outbox_bulk *b;
	const struct privd_outbox_selection *sel;
	const struct privd_notice_vars *tmpl;
	privd_outbox_vars_fn fn;
	void *arg;
	char *bodies[PRIVD_NOTIFY_LANG_COUNT]; /* the template encoded once per language */
	struct privd_reader *r;
	int64_t now;
	enum privd_rc rc;
};

/* The channel and address a notice to c goes to under the selection's rule; NULL when it reaches nobody. */
static const char *bulk_channel(enum privd_outbox_channels rule, const char *email, const char *phone,
                                const char **recipient)
{
	bool e = email[0] != '\0', p = phone[0] != '\0';

	if (e && (rule != PRIVD_OUTBOX_SMS_ELSE_EMAIL || !p)) {
		*recipient = email;
		return "email";
	}
	if (p && rule != PRIVD_OUTBOX_EMAIL_ONLY) {
		*recipient = phone;
		return "sms";
	}
	return NULL;
}

static bool bulk_grow(struct privd_outbox_bulk *b)
{
	size_t cap = b->cap ? b->cap * 2 : 256;
	struct privd_notice *p;

	if (b->n < b->cap)
		return true;
	p = realloc(b->notices, cap * sizeof(*p));
	if (p == NULL)
		return false;
	b->notices = p;
	b->cap = cap;
	return true;
}

static enum privd_rc bulk_one(struct bulk_ctx *c, const struct privd_subject_contact *sc)
{
	char email[PRIVD_EMAIL_MAX + 1], phone[PRIVD_PHONE_MAX + 1];
	const struct privd_vault_opening f[2] = {{"email", &sc->email_ct, email, sizeof(email), NULL},
	                                         {"phone", &sc->phone_ct, phone, sizeof(phone), NULL}};
	struct privd_outbox_person person;
	struct privd_notice_vars v = *c->tmpl;
	const char *recipient = NULL, *channel, *body;
	enum privd_rc rc;

	rc = privd_vault_open(c->b->svc->vault, c->r, sc->id, f, 2);
	if (rc == PRIVD_ERR_GONE)
		return PRIVD_OK; /* erased meanwhile: nobody to tell */
	channel = rc == PRIVD_OK ? bulk_channel(c->sel->channels, email, phone, &recipient) : NULL;
	v.lang = privd_outbox_lang(c->b->svc, sc->language);
	person =
	    (struct privd_outbox_person){sc->id, sc->status, sc->residence_country, channel, v.lang, sc->created_at};
	if (channel != NULL && (c->fn == NULL || c->fn(c->arg, &person, &v))) {
		body = c->fn == NULL ? c->bodies[v.lang] : NULL; /* the template's, or the callback's own */
		rc = bulk_grow(c->b) ? notice_make(c->b->svc, sc->id, NULL, channel, recipient, &v, body, c->now,
		                                   &c->b->notices[c->b->n])
		                     : PRIVD_ERR_NOMEM;
		if (rc == PRIVD_OK) {
			snprintf(c->b->notices[c->b->n].row.ref, sizeof(c->b->notices[0].row.ref), "%s", c->b->ref);
			c->b->n++;
			*(strcmp(channel, "email") == 0 ? &c->b->email : &c->b->sms) += 1;
		}
	}
	sodium_memzero(email, sizeof(email));
	sodium_memzero(phone, sizeof(phone));
	return rc;
}

static int bulk_row(void *arg, const struct privd_subject_contact *sc)
{
	struct bulk_ctx *c = arg;

	c->rc = bulk_one(c, sc);
	return c->rc != PRIVD_OK;
}

enum privd_rc privd_outbox_bulk_prepare(struct privd_service *svc, const struct privd_outbox_selection *sel,
                                        const struct privd_notice_vars *tmpl, const char *ref, privd_outbox_vars_fn fn,
                                        void *arg, struct privd_outbox_bulk **out, struct privd_err *err)
{
	struct privd_subject_filter f = {sel->active_only, sel->registered_from, sel->registered_to, sel->ids,
	                                 sel->nids};
	struct bulk_ctx c = {.sel = sel, .tmpl = tmpl, .fn = fn, .arg = arg, .now = privd_now_ms()};
	enum privd_rc rc = PRIVD_OK;

	*out = NULL;
	c.b = calloc(1, sizeof(*c.b));
	if (c.b == NULL)
		return privd_err_set(err, PRIVD_ERR_NOMEM, "out of memory");
	c.b->svc = svc;
	snprintf(c.b->ref, sizeof(c.b->ref), "%s", ref != NULL ? ref : "");
	for (int l = 0; fn == NULL && l < PRIVD_NOTIFY_LANG_COUNT; l++) {
		struct privd_notice_vars v = *tmpl;

		v.lang = (enum privd_notify_lang)l;
		c.bodies[l] = privd_outbox_vars_encode(&v);
		if (c.bodies[l] == NULL)
			rc = PRIVD_ERR_NOMEM;
	}
	if (rc == PRIVD_OK)
		rc = privd_reader_get(svc, &c.r);
	if (rc == PRIVD_OK) {
		c.rc = PRIVD_OK;
		rc = privd_repo_subject_contacts(c.r->db, &f, bulk_row, &c);
		if (rc == PRIVD_OK)
			rc = c.rc;
		privd_reader_put(svc, c.r, rc == PRIVD_ERR_DB);
	}
	for (int l = 0; l < PRIVD_NOTIFY_LANG_COUNT; l++)
		free(c.bodies[l]);
	if (rc != PRIVD_OK) {
		privd_outbox_bulk_free(c.b);
		return privd_err_set(err, rc, "cannot prepare the notices");
	}
	*out = c.b;
	return PRIVD_OK;
}

size_t privd_outbox_bulk_count(const struct privd_outbox_bulk *b, const char *channel)
{
	if (b == NULL)
		return 0;
	if (channel == NULL)
		return b->email + b->sms;
	return strcmp(channel, "email") == 0 ? b->email : b->sms;
}

enum privd_rc privd_outbox_bulk_ks_put(struct privd_db *ks, const struct privd_outbox_bulk *b)
{
	const struct privd_wrapped_key **keys;
	enum privd_rc rc;

	if (b == NULL || b->n == 0)
		return PRIVD_OK;
	keys = calloc(b->n, sizeof(*keys));
	if (keys == NULL)
		return PRIVD_ERR_NOMEM;
	for (size_t i = 0; i < b->n; i++)
		keys[i] = &b->notices[i].key;
	rc = privd_vault_store_many(ks, keys, b->n);
	free(keys);
	return rc;
}

enum privd_rc privd_outbox_bulk_ks_undo(struct privd_db *ks, const struct privd_outbox_bulk *b)
{
	enum privd_rc rc = PRIVD_OK;

	for (size_t i = 0; b != NULL && rc == PRIVD_OK && i < b->n; i++)
		rc = privd_notice_ks_undo(b->svc, ks, &b->notices[i]);
	return rc;
}

static int bulk_erased(void *arg, const char *id)
{
	struct privd_outbox_bulk *b = arg;
	char(*grown)[33] = realloc(b->cancelled, (b->ncancelled + 1) * sizeof(*b->cancelled));

	if (grown == NULL)
		return 1;
	b->cancelled = grown;
	snprintf(b->cancelled[b->ncancelled++], 33, "%s", id);
	return 0;
}

enum privd_rc privd_outbox_bulk_insert(struct privd_db *db, struct privd_outbox_bulk *b)
{
	struct privd_notification_row *rows;
	enum privd_rc rc;

	if (b == NULL || b->n == 0)
		return PRIVD_OK;
	rows = malloc(b->n * sizeof(*rows));
	if (rows == NULL)
		return PRIVD_ERR_NOMEM;
	for (size_t i = 0; i < b->n; i++)
		rows[i] = b->notices[i].row; /* shallow: the blobs stay the notices' */
	rc = privd_repo_notification_insert_many(db, rows, b->n);
	free(rows);
	/* a person erased after the fan-out was prepared is not told: those notices are cancelled at once */
	b->ncancelled = 0;
	if (rc == PRIVD_OK && b->ref[0] != '\0')
		rc = privd_repo_notification_erased(db, b->ref, 0, bulk_erased, b);
	for (size_t i = 0; rc == PRIVD_OK && i < b->ncancelled; i++)
		rc = privd_repo_notification_cancel(db, b->cancelled[i]);
	return rc;
}

enum privd_rc privd_outbox_bulk_after(struct privd_db *ks, const struct privd_outbox_bulk *b)
{
	enum privd_rc rc = PRIVD_OK;
	char id[40];

	for (size_t i = 0; b != NULL && rc == PRIVD_OK && i < b->ncancelled; i++) {
		snprintf(id, sizeof(id), "msg:%s", b->cancelled[i]);
		rc = privd_vault_destroy(b->svc->vault, ks, id);
	}
	return rc;
}

void privd_outbox_bulk_free(struct privd_outbox_bulk *b)
{
	if (b == NULL)
		return;
	for (size_t i = 0; i < b->n; i++)
		privd_notice_clear(&b->notices[i]);
	free(b->notices);
	free(b->cancelled);
	free(b);
}

enum privd_rc privd_outbox_bulk_job_ks(struct privd_db *ks, void *arg)
{
	return privd_outbox_bulk_ks_put(ks, *(struct privd_outbox_bulk **)arg);
}

enum privd_rc privd_outbox_bulk_job_ks_undo(struct privd_db *ks, void *arg)
{
	return privd_outbox_bulk_ks_undo(ks, *(struct privd_outbox_bulk **)arg);
}

enum privd_rc privd_outbox_bulk_job_after(struct privd_db *ks, void *arg)
{
	return privd_outbox_bulk_after(ks, *(struct privd_outbox_bulk **)arg);
}

enum privd_rc privd_outbox_bulk_important(struct privd_service *svc, const struct privd_notice_vars *tmpl,
                                          const char *ref, struct privd_outbox_bulk **out, struct privd_err *err)
{
	const struct privd_outbox_selection sel = {.active_only = true, .channels = PRIVD_OUTBOX_EMAIL_ONLY};

	return privd_outbox_bulk_prepare(svc, &sel, tmpl, ref, NULL, NULL, out, err);
}

/* The fan-out as a write job of its own, with its audit entry. */
struct bulk_job {
	struct privd_service *svc;
	const struct privd_principal *who;
	struct privd_outbox_bulk *b;
	const char *action, *object_type, *object_id;
};

static enum privd_rc bulk_ks(struct privd_db *ks, void *arg)
{
	return privd_outbox_bulk_ks_put(ks, ((struct bulk_job *)arg)->b);
}

static enum privd_rc bulk_ks_undo(struct privd_db *ks, void *arg)
{
	return privd_outbox_bulk_ks_undo(ks, ((struct bulk_job *)arg)->b);
}

static enum privd_rc bulk_data(struct privd_db *db, void *arg)
{
	struct bulk_job *j = arg;
	char detail[256];
	struct privd_jsonw w;
	enum privd_rc rc = privd_outbox_bulk_insert(db, j->b);

	privd_jsonw_init(&w, detail, sizeof(detail));
	privd_jsonw_str(&w, "ref", j->b->ref);
	privd_jsonw_int(&w, "email", (int64_t)j->b->email);
	privd_jsonw_int(&w, "sms", (int64_t)j->b->sms);
	privd_jsonw_end(&w);
	if (rc == PRIVD_OK)
		rc = privd_audit_append(j->svc, db, j->who->actor, j->action, j->object_type, j->object_id, detail);
	return rc;
}

static enum privd_rc bulk_after(struct privd_db *ks, void *arg)
{
	return privd_outbox_bulk_after(ks, ((struct bulk_job *)arg)->b);
}

enum privd_rc privd_outbox_queue_bulk(struct privd_service *svc, const struct privd_principal *who,
                                      const struct privd_outbox_selection *sel, const struct privd_notice_vars *tmpl,
                                      const char *ref, privd_outbox_vars_fn fn, void *arg, const char *action,
                                      const char *object_type, const char *object_id, size_t *queued,
                                      struct privd_err *err)
{
	struct bulk_job j = {svc, who, NULL, action, object_type, object_id};
	struct privd_write_job job = {
	    .ks = bulk_ks, .data = bulk_data, .ks_undo = bulk_ks_undo, .ks_after = bulk_after, .arg = &j};
	enum privd_rc rc = privd_outbox_bulk_prepare(svc, sel, tmpl, ref, fn, arg, &j.b, err);

	if (rc == PRIVD_OK)
		rc = privd_writer_run(svc->writer, &job);
	if (queued != NULL)
		*queued = rc == PRIVD_OK ? privd_outbox_bulk_count(j.b, NULL) - j.b->ncancelled : 0;
	privd_outbox_bulk_free(j.b);
	return rc;
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
