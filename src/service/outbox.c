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
#include <unistd.h>

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
	    set_str(o, "purpose", v->purpose) != 0 || set_str(o, "answer", v->answer) != 0 ||
	    set_str(o, "incident_id", v->incident_id) != 0)
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
	v->incident_id = get_str(o, "incident_id");
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
 * (v encoded) is given when the caller encoded it once for many notices; NULL encodes v here. id is the notice's
 * (a fan-out's, counted up), or NULL for a random one. */
static enum privd_rc notice_make(struct privd_service *svc, const char *id, const char *subject_id,
                                 const char *request_id, const char *channel, const char *recipient,
                                 const struct privd_notice_vars *v, const char *body, int64_t now,
                                 struct privd_notice *n)
{
	struct privd_notification_row *row = &n->row;
	struct privd_vault_sealing texts[2];
	char key_id[40], *own = NULL;
	enum privd_rc rc;

	memset(n, 0, sizeof(*n));
	if (id != NULL)
		snprintf(row->id, sizeof(row->id), "%s", id);
	else
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
		return notice_make(svc, NULL, to->id, request_id, "email", to->email, v, NULL, privd_now_ms(), n);
	if (to->phone[0] != '\0')
		return notice_make(svc, NULL, to->id, request_id, "sms", to->phone, v, NULL, privd_now_ms(), n);
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

/* ---- notices in bulk: one fan-out, one transaction ----
 *
 * Shaped by an incident over 100,000 people, queued within two seconds on two cores. The selection is read in one
 * walk that decides each person's channel from which contacts are stored (nothing is decrypted for that), then the
 * people are sealed on a thread per core: each thread reads its people's data keys a hundred to a statement (never
 * the cache, which it would only flush), opens the one address it needs, and makes the message key and the two
 * sealed fields. The notices' ids count up from a time-ordered start in subject id order, so the rows and keys land
 * at the end of every index they go into. What each notice says is the template encoded once per language, unless
 * the caller's fn changed it for one person. */

struct privd_outbox_bulk {
	struct privd_service *svc;
	char ref[72];
	enum privd_notice_kind kind;
	int64_t created_at;   /* every notice's; erasures from then on are looked for */
	uint8_t first_id[16]; /* the first notice's id; the others count up from it */
	struct privd_notice *notices;
	size_t n;
	size_t email, sms;
	char (*cancelled)[33]; /* erased meanwhile: cancelled in the transaction, keys destroyed after it */
	size_t ncancelled;
};

/* One person the walk selected, until their notice is made. */
struct bulk_target {
	char id[33];
	const char *channel;  /* "email", "sms" */
	struct privd_blob ct; /* their address on that channel, sealed under their data key (copied) */
	const char *body;     /* what they are told: a template's, or own */
	char *own;            /* fn changed it for them: encoded for them alone */
};

struct bulk_ctx {
	struct privd_outbox_bulk *b;
	const struct privd_outbox_selection *sel;
	const struct privd_notice_vars *tmpl;
	privd_outbox_vars_fn fn;
	void *arg;
	char *bodies[PRIVD_NOTIFY_LANG_COUNT]; /* the template encoded once per language */
	struct bulk_target *t;
	size_t n, cap;
	enum privd_rc rc;
};

/* The channel a notice to a person with these contacts goes on under the rule; NULL when it reaches nobody. */
static const char *bulk_channel(enum privd_outbox_channels rule, bool email, bool phone)
{
	if (email && (rule != PRIVD_OUTBOX_SMS_ELSE_EMAIL || !phone))
		return "email";
	if (phone && rule != PRIVD_OUTBOX_EMAIL_ONLY)
		return "sms";
	return NULL;
}

/* Whether fn left v as the template in the person's language (so the template's encoding serves). */
static bool vars_as_template(const struct privd_notice_vars *v, const struct privd_notice_vars *t)
{
	return v->kind == t->kind && v->type == t->type && v->request_id == t->request_id &&
	       v->due_date == t->due_date && v->reason == t->reason && v->answer == t->answer &&
	       v->version == t->version && v->purpose == t->purpose && v->url == t->url &&
	       v->incident_id == t->incident_id && v->description == t->description &&
	       v->data_categories == t->data_categories && v->detected_at == t->detected_at;
}

static enum privd_rc bulk_take(struct bulk_ctx *c, const struct privd_subject_contact *sc)
{
	bool email = sc->email_ct.len > 0, phone = sc->phone_ct.len > 0;
	const char *channel = bulk_channel(c->sel->channels, email, phone);
	struct privd_notice_vars v = *c->tmpl;
	struct privd_outbox_person person;
	const struct privd_blob *ct;
	struct bulk_target *t;

	if (channel == NULL)
		return PRIVD_OK;
	v.lang = privd_outbox_lang(c->b->svc, sc->language);
	person =
	    (struct privd_outbox_person){sc->id, sc->status, sc->residence_country, channel, v.lang, sc->created_at};
	if (c->fn != NULL && !c->fn(c->arg, &person, &v))
		return PRIVD_OK;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 1024;
		struct bulk_target *grown = realloc(c->t, cap * sizeof(*grown));

		if (grown == NULL)
			return PRIVD_ERR_NOMEM;
		c->t = grown;
		c->cap = cap;
	}
	t = &c->t[c->n];
	memset(t, 0, sizeof(*t));
	memcpy(t->id, sc->id, sizeof(t->id));
	t->channel = channel;
	t->body = c->bodies[v.lang];
	if (c->fn != NULL && !vars_as_template(&v, c->tmpl)) {
		t->body = t->own = privd_outbox_vars_encode(&v);
		if (t->own == NULL)
			return PRIVD_ERR_NOMEM;
	}
	ct = strcmp(channel, "email") == 0 ? &sc->email_ct : &sc->phone_ct;
	t->ct.data = malloc(ct->len);
	if (t->ct.data == NULL) {
		free(t->own);
		return PRIVD_ERR_NOMEM;
	}
	memcpy(t->ct.data, ct->data, ct->len);
	t->ct.len = ct->len;
	c->n++;
	return PRIVD_OK;
}

static int bulk_row(void *arg, const struct privd_subject_contact *sc)
{
	struct bulk_ctx *c = arg;

	if (c->rc == PRIVD_OK)
		c->rc = bulk_take(c, sc);
	return c->rc != PRIVD_OK;
}

static int target_cmp(const void *a, const void *b)
{
	return strcmp(((const struct bulk_target *)a)->id, ((const struct bulk_target *)b)->id);
}

/* The id of the i-th notice: the first id plus i, counted in its 80 random bits. */
static void bulk_id(const struct privd_outbox_bulk *b, size_t i, char out[PRIVD_ID_HEX])
{
	uint8_t id[16];
	uint64_t carry = i;

	memcpy(id, b->first_id, sizeof(id));
	for (int k = (int)sizeof(id) - 1; k >= 6 && carry != 0; k--) {
		carry += id[k];
		id[k] = (uint8_t)carry;
		carry >>= 8;
	}
	sodium_bin2hex(out, PRIVD_ID_HEX, id, sizeof(id));
}

/* One thread's share: targets [from, to), on a reader of its own. */
struct bulk_slice {
	struct privd_outbox_bulk *b;
	const struct bulk_target *t;
	bool *made;
	size_t from, to;
	enum privd_rc rc;
};

/* Notice from + i, to target from + i, whose data key is k. */
static enum privd_rc bulk_make(const struct privd_vault_lent *k, size_t i, void *arg)
{
	struct bulk_slice *s = arg;
	const struct bulk_target *t = &s->t[s->from + i];
	char to[PRIVD_EMAIL_MAX + 1], id[PRIVD_ID_HEX];
	const bool sms = strcmp(t->channel, "sms") == 0;
	const struct privd_vault_opening open = {sms ? "phone" : "email", &t->ct, to, sizeof(to), NULL};
	const struct privd_notice_vars v = {.kind = s->b->kind}; /* what it says is t->body, encoded already */
	enum privd_rc rc = privd_vault_lent_open(k, &open);

	bulk_id(s->b, s->from + i, id);
	if (rc == PRIVD_OK)
		rc = notice_make(s->b->svc, id, t->id, NULL, t->channel, to, &v, t->body, s->b->created_at,
		                 &s->b->notices[s->from + i]);
	sodium_memzero(to, sizeof(to));
	if (rc == PRIVD_OK) {
		snprintf(s->b->notices[s->from + i].row.ref, sizeof(s->b->notices[0].row.ref), "%s", s->b->ref);
		s->made[s->from + i] = true;
	}
	return rc;
}

static void *bulk_slice_run(void *arg)
{
	struct bulk_slice *s = arg;
	struct privd_reader *r = NULL;
	const char **ids = malloc((s->to - s->from + 1) * sizeof(*ids));

	s->rc = ids != NULL ? privd_reader_get(s->b->svc, &r) : PRIVD_ERR_NOMEM;
	for (size_t i = s->from; s->rc == PRIVD_OK && i < s->to; i++)
		ids[i - s->from] = s->t[i].id;
	if (s->rc == PRIVD_OK)
		s->rc = privd_vault_lend_each(s->b->svc->vault, r, ids, s->to - s->from, bulk_make, s);
	privd_reader_put(s->b->svc, r, s->rc == PRIVD_ERR_DB);
	free(ids);
	return NULL;
}

#define BULK_PER_THREAD_MIN 1024 /* fewer are not worth a thread */

/* Makes the notices of targets [0, n) on up to one thread per core, this one included; made[i] says which. */
static enum privd_rc bulk_seal(struct privd_outbox_bulk *b, const struct bulk_target *t, bool *made, size_t n)
{
	struct bulk_slice s[PRIVD_PARTS_MAX];
	size_t k = privd_parts_for(n, BULK_PER_THREAD_MIN);
	enum privd_rc rc = PRIVD_OK;

	for (size_t i = 0; i < k; i++)
		s[i] = (struct bulk_slice){b, t, made, n * i / k, n * (i + 1) / k, PRIVD_OK};
	privd_parts_run(bulk_slice_run, s, sizeof(s[0]), k);
	for (size_t i = 0; i < k && rc == PRIVD_OK; i++)
		rc = s[i].rc;
	return rc;
}

/* Keeps the notices made, in order: the others (their person erased meanwhile) go. */
static void bulk_pack(struct privd_outbox_bulk *b, const bool *made, size_t n)
{
	b->n = 0;
	for (size_t i = 0; i < n; i++) {
		if (!made[i])
			continue;
		if (b->n != i) {
			b->notices[b->n] = b->notices[i];
			sodium_memzero(&b->notices[i], sizeof(b->notices[i]));
		}
		*(strcmp(b->notices[b->n].row.channel, "email") == 0 ? &b->email : &b->sms) += 1;
		b->n++;
	}
}

/* Reads the selection into c->t, sorted by subject id. */
static enum privd_rc bulk_walk(struct privd_service *svc, struct bulk_ctx *c)
{
	const struct privd_outbox_selection *sel = c->sel;
	struct privd_subject_filter f = {sel->active_only, sel->registered_from, sel->registered_to, sel->ids,
	                                 sel->nids};
	struct privd_reader *r = NULL;
	enum privd_rc rc = privd_reader_get(svc, &r);

	if (rc == PRIVD_OK) {
		rc = privd_repo_subject_contacts(r->db, &f, bulk_row, c);
		privd_reader_put(svc, r, rc == PRIVD_ERR_DB);
	}
	if (rc == PRIVD_OK)
		rc = c->rc;
	if (rc == PRIVD_OK && c->n > 1) /* none selected: c->t is NULL, which qsort may not be given */
		qsort(c->t, c->n, sizeof(*c->t), target_cmp);
	return rc;
}

enum privd_rc privd_outbox_bulk_prepare(struct privd_service *svc, const struct privd_outbox_selection *sel,
                                        const struct privd_notice_vars *tmpl, const char *ref, privd_outbox_vars_fn fn,
                                        void *arg, struct privd_outbox_bulk **out, struct privd_err *err)
{
	struct bulk_ctx c = {.sel = sel, .tmpl = tmpl, .fn = fn, .arg = arg};
	char first[PRIVD_ID_HEX];
	bool *made = NULL;
	enum privd_rc rc = PRIVD_OK;

	*out = NULL;
	c.b = calloc(1, sizeof(*c.b));
	if (c.b == NULL)
		return privd_err_set(err, PRIVD_ERR_NOMEM, "out of memory");
	c.b->svc = svc;
	snprintf(c.b->ref, sizeof(c.b->ref), "%s", ref != NULL ? ref : "");
	c.b->kind = tmpl->kind;
	c.b->created_at = privd_now_ms();
	privd_time_id(c.b->created_at, first);
	sodium_hex2bin(c.b->first_id, sizeof(c.b->first_id), first, 32, NULL, NULL, NULL);
	for (int l = 0; l < PRIVD_NOTIFY_LANG_COUNT; l++) {
		struct privd_notice_vars v = *tmpl;

		v.lang = (enum privd_notify_lang)l;
		c.bodies[l] = privd_outbox_vars_encode(&v);
		if (c.bodies[l] == NULL)
			rc = PRIVD_ERR_NOMEM;
	}
	if (rc == PRIVD_OK)
		rc = bulk_walk(svc, &c);
	if (rc == PRIVD_OK && c.n > 0) {
		made = calloc(c.n, sizeof(*made));
		c.b->notices = calloc(c.n, sizeof(*c.b->notices));
		rc = made != NULL && c.b->notices != NULL ? bulk_seal(c.b, c.t, made, c.n) : PRIVD_ERR_NOMEM;
	}
	if (rc == PRIVD_OK && c.n > 0)
		bulk_pack(c.b, made, c.n);
	else
		c.b->n = c.n; /* every slot, made or not, to be cleared */
	for (size_t i = 0; i < c.n; i++) {
		privd_blob_clear(&c.t[i].ct);
		free(c.t[i].own);
	}
	free(c.t);
	free(made);
	for (int l = 0; l < PRIVD_NOTIFY_LANG_COUNT; l++)
		free(c.bodies[l]);
	if (rc != PRIVD_OK) {
		if (c.b->notices == NULL)
			c.b->n = 0;
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

size_t privd_outbox_bulk_cancelled(const struct privd_outbox_bulk *b)
{
	return b != NULL ? b->ncancelled : 0;
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
	const struct privd_notification_row **rows;
	enum privd_rc rc;

	if (b == NULL || b->n == 0)
		return PRIVD_OK;
	rows = malloc(b->n * sizeof(*rows));
	if (rows == NULL)
		return PRIVD_ERR_NOMEM;
	for (size_t i = 0; i < b->n; i++)
		rows[i] = &b->notices[i].row;
	rc = privd_repo_notification_insert_each(db, rows, b->n);
	free(rows);
	/* a person erased after the fan-out was prepared is not told: those notices are cancelled at once */
	b->ncancelled = 0;
	/* an erasure a clock skew before the fan-out began is looked for too: on PostgreSQL another node stamped it */
	if (rc == PRIVD_OK && b->ref[0] != '\0')
		rc = privd_repo_notification_erased(db, b->ref, b->created_at - PRIVD_INCIDENT_CLOCK_SKEW_MS,
		                                    bulk_erased, b);
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
