/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * export.c - everything held on a person, for their access request (152-FZ Art. 14): the profile, every consent
 * record (cookie consents among them), transfers to third parties, their requests and the notifications sent to
 * them, as JSON and as a page a person can read. Built from the live data at the time it is asked for; every
 * export is an audit entry.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sodium.h>

#include "core/time.h"
#include "service/service_int.h"

static json_t *time_json(int64_t ms)
{
	char buf[PRIVD_TIME_LEN];

	if (ms == 0)
		return json_null();
	privd_time_format(ms, buf);
	return json_string(buf);
}

static json_t *str_or_null(const char *s)
{
	return s != NULL && s[0] != '\0' ? json_string(s) : json_null();
}

static int add_consent(void *arg, const struct privd_consent_record *r)
{
	json_t *arr = arg;

	json_array_append_new(arr, json_pack("{s:I, s:s, s:b, s:s, s:o, s:s, s:o}", "seq", (json_int_t)r->seq,
	                                     "purpose", r->purpose, "granted", r->granted, "policy_version",
	                                     r->policy_version, "ip", str_or_null(r->ip), "source", r->source,
	                                     "recorded_at", time_json(r->created_at)));
	return 0;
}

struct req_ctx {
	struct privd_service *svc;
	const struct privd_principal *who;
	json_t *arr;
};

static int add_request(void *arg, const struct privd_request *r)
{
	struct req_ctx *c = arg;
	struct privd_request full;
	json_t *details = NULL;

	memset(&full, 0, sizeof(full));
	if (privd_service_request_get(c->svc, c->who, r->id, true, &full, NULL) == PRIVD_OK && full.details != NULL)
		details = json_loads(full.details, 0, NULL);
	json_array_append_new(
	    c->arr, json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o}", "id", r->id, "type", r->type, "status",
	                      r->status, "details", details ? details : json_null(), "reason", str_or_null(full.reason),
	                      "filed_at", time_json(r->created_at), "received_at", time_json(r->received_at),
	                      "due_date", str_or_null(r->due_date), "completed_at", time_json(r->completed_at)));
	privd_request_clear(&full);
	return 0;
}

static int add_notification(void *arg, const struct privd_notification *n)
{
	json_t *arr = arg;

	json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s, s:o, s:o}", "id", n->id, "kind", n->kind, "channel",
	                                     n->channel, "status", n->status, "created_at", time_json(n->created_at),
	                                     "sent_at", time_json(n->sent_at)));
	return 0;
}

static json_t *build(struct privd_service *svc, const struct privd_principal *who, const char *subject_id,
                     enum privd_rc *rc, struct privd_err *err)
{
	struct privd_consent_check state[PRIVD_PURPOSE_COUNT];
	struct privd_request_query q = {.overdue = -1, .subject_id = subject_id, .limit = 10000};
	struct req_ctx rc_ctx = {svc, who, NULL};
	struct privd_subject s;
	json_t *root = NULL, *consents, *current, *cookies, *requests, *notes;

	*rc = privd_subject_load(svc, subject_id, &s, NULL);
	if (*rc == PRIVD_ERR_GONE) {
		privd_err_set(err, *rc, "the subject's data was erased");
		return NULL;
	}
	if (*rc != PRIVD_OK)
		return NULL;
	consents = json_array();
	current = json_object();
	cookies = json_object();
	requests = json_array();
	notes = json_array();
	*rc = privd_service_consent_history(svc, who, subject_id, state, add_consent, consents, err);
	for (size_t p = 0; *rc == PRIVD_OK && p < PRIVD_PURPOSE_COUNT; p++) {
		const char *name = privd_purpose_name((enum privd_purpose)p);
		json_t *v =
		    json_pack("{s:b, s:o, s:o}", "granted", state[p].granted, "since", time_json(state[p].since),
		              "policy_version", str_or_null(state[p].policy_version));

		if (strncmp(name, "cookies.", 8) == 0)
			json_object_set(cookies, name + 8, v);
		json_object_set_new(current, name, v);
	}
	rc_ctx.arr = requests;
	if (*rc == PRIVD_OK)
		*rc = privd_service_request_list(svc, &q, add_request, &rc_ctx, err);
	if (*rc == PRIVD_OK)
		*rc = privd_service_notifications(svc, who, subject_id, add_notification, notes, err);
	if (*rc == PRIVD_OK)
		root = json_pack("{s:o, s:{s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:s, s:s, s:o, s:o}, s:{s:o, s:o}, s:o, "
		                 "s:o, s:o, s:o}",
		                 "generated_at", time_json(privd_now_ms()), "profile", "id", s.id, "status", s.status,
		                 "name", str_or_null(s.name), "email", str_or_null(s.email), "phone",
		                 str_or_null(s.phone), "ip", str_or_null(s.ip), "birth_date", str_or_null(s.birth_date),
		                 "residence_country", s.residence_country, "policy_version", s.policy_version,
		                 "registered_at", time_json(s.created_at), "updated_at", time_json(s.updated_at),
		                 "consents", "current", current, "history", consents, "cookie_consents", cookies,
		                 "transfers", json_array(), "requests", requests, "notifications", notes);
	else {
		json_decref(current);
		json_decref(consents);
		json_decref(cookies);
		json_decref(requests);
		json_decref(notes);
	}
	privd_subject_clear(&s);
	if (root == NULL && *rc == PRIVD_OK)
		*rc = PRIVD_ERR_NOMEM;
	return root;
}

/* ---- HTML ---- */

struct buf {
	char *p;
	size_t len, cap;
	bool failed;
};

static void put(struct buf *b, const char *s, size_t n)
{
	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 8192;
		char *np;

		while (cap < b->len + n + 1)
			cap *= 2;
		np = malloc(cap);
		if (np == NULL) {
			b->failed = true;
			return;
		}
		if (b->p != NULL) {
			memcpy(np, b->p, b->len);
			sodium_memzero(b->p, b->cap);
			free(b->p);
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void puts_(struct buf *b, const char *s)
{
	put(b, s, strlen(s));
}

static void esc(struct buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '<':
			puts_(b, "&lt;");
			break;
		case '>':
			puts_(b, "&gt;");
			break;
		case '&':
			puts_(b, "&amp;");
			break;
		case '"':
			puts_(b, "&quot;");
			break;
		case '\'':
			puts_(b, "&#39;");
			break;
		default:
			put(b, s, 1);
		}
	}
}

static void value(struct buf *b, json_t *v)
{
	if (json_is_string(v))
		esc(b, json_string_value(v));
	else if (json_is_null(v) || v == NULL)
		puts_(b, "—");
	else if (json_is_true(v))
		puts_(b, "yes / да");
	else if (json_is_false(v))
		puts_(b, "no / нет");
	else {
		char *t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

		if (t != NULL) {
			esc(b, t);
			free(t);
		}
	}
}

/* The heading a person reads for a column of the export. */
static const char *column_label(const char *key)
{
	static const char *const labels[][2] = {
	    {"purpose", "Purpose / Цель"},
	    {"granted", "Given / Дано"},
	    {"policy_version", "Policy version / Версия политики"},
	    {"ip", "IP address / IP-адрес"},
	    {"source", "Channel / Канал"},
	    {"recorded_at", "Recorded / Записано"},
	    {"recipient", "Recipient / Получатель"},
	    {"legal_basis", "Legal basis / Основание"},
	    {"fields", "Data / Данные"},
	    {"date", "Date / Дата"},
	    {"type", "Type / Вид"},
	    {"status", "Status / Статус"},
	    {"filed_at", "Filed / Подано"},
	    {"received_at", "Received / Получено"},
	    {"due_date", "Due / Срок"},
	    {"completed_at", "Completed / Исполнено"},
	    {"kind", "Notice / Уведомление"},
	    {"channel", "Channel / Канал"},
	    {"created_at", "Queued / Создано"},
	    {"sent_at", "Sent / Отправлено"},
	};

	for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
		if (strcmp(labels[i][0], key) == 0)
			return labels[i][1];
	return key;
}

/* A table of an array of objects with the given columns. */
static void table(struct buf *b, json_t *arr, const char *const *cols, size_t ncols)
{
	size_t i;
	json_t *row;

	if (json_array_size(arr) == 0) {
		puts_(b, "<p class=\"none\">None / Нет</p>\n");
		return;
	}
	puts_(b, "<table><thead><tr>");
	for (size_t c = 0; c < ncols; c++) {
		puts_(b, "<th>");
		esc(b, column_label(cols[c]));
		puts_(b, "</th>");
	}
	puts_(b, "</tr></thead><tbody>\n");
	json_array_foreach(arr, i, row)
	{
		puts_(b, "<tr>");
		for (size_t c = 0; c < ncols; c++) {
			puts_(b, "<td>");
			value(b, json_object_get(row, cols[c]));
			puts_(b, "</td>");
		}
		puts_(b, "</tr>\n");
	}
	puts_(b, "</tbody></table>\n");
}

static char *render_html(json_t *root)
{
	static const char *const profile_fields[][2] = {
	    {"name", "Name / ФИО"},
	    {"email", "E-mail"},
	    {"phone", "Phone / Телефон"},
	    {"ip", "IP address / IP-адрес"},
	    {"birth_date", "Birth date / Дата рождения"},
	    {"residence_country", "Country of residence / Страна проживания"},
	    {"status", "Status / Статус"},
	    {"policy_version", "Policy version / Версия политики"},
	    {"registered_at", "Registered / Зарегистрирован"},
	    {"updated_at", "Updated / Изменён"}};
	static const char *const consent_cols[] = {"purpose", "granted", "policy_version",
	                                           "ip",      "source",  "recorded_at"};
	static const char *const request_cols[] = {"type",        "status",   "filed_at",
	                                           "received_at", "due_date", "completed_at"};
	static const char *const note_cols[] = {"kind", "channel", "status", "created_at", "sent_at"};
	static const char *const transfer_cols[] = {"recipient", "purpose", "legal_basis", "fields", "date"};
	json_t *profile = json_object_get(root, "profile");
	json_t *cookies = json_object_get(root, "cookie_consents");
	struct buf b = {0};
	const char *k;
	json_t *v;

	puts_(&b, "<!doctype html>\n<html lang=\"ru\">\n<head>\n<meta charset=\"utf-8\">\n"
	          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	          "<title>Your personal data / Ваши персональные данные</title>\n<style>"
	          "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;"
	          "line-height:1.5;color:#1b1b1b}table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}"
	          "th,td{border:1px solid #ccc;padding:.35rem .5rem;text-align:left;vertical-align:top}"
	          "th{background:#f3f3f3}dl{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem}"
	          "dt{font-weight:600}.none{color:#666}</style>\n</head>\n<body>\n<main>\n"
	          "<h1>Your personal data / Ваши персональные данные</h1>\n<p>Generated / Сформировано: ");
	value(&b, json_object_get(root, "generated_at"));
	puts_(&b, "</p>\n<h2>Profile / Профиль</h2>\n<dl>\n");
	for (size_t i = 0; i < sizeof(profile_fields) / sizeof(profile_fields[0]); i++) {
		puts_(&b, "<dt>");
		esc(&b, profile_fields[i][1]);
		puts_(&b, "</dt><dd>");
		value(&b, json_object_get(profile, profile_fields[i][0]));
		puts_(&b, "</dd>\n");
	}
	puts_(&b, "</dl>\n<h2>Cookie consents / Согласия на cookies</h2>\n<dl>\n");
	json_object_foreach(cookies, k, v)
	{
		puts_(&b, "<dt>");
		esc(&b, k);
		puts_(&b, "</dt><dd>");
		value(&b, json_object_get(v, "granted"));
		puts_(&b, "</dd>\n");
	}
	puts_(&b, "</dl>\n<h2>Consent records / История согласий</h2>\n");
	table(&b, json_object_get(json_object_get(root, "consents"), "history"), consent_cols, 6);
	puts_(&b, "<h2>Transfers to third parties / Передача третьим лицам</h2>\n");
	table(&b, json_object_get(root, "transfers"), transfer_cols, 5);
	puts_(&b, "<h2>Requests / Обращения</h2>\n");
	table(&b, json_object_get(root, "requests"), request_cols, 6);
	puts_(&b, "<h2>Notifications / Уведомления</h2>\n");
	table(&b, json_object_get(root, "notifications"), note_cols, 5);
	puts_(&b, "</main>\n</body>\n</html>\n");
	if (b.failed) {
		if (b.p != NULL) {
			sodium_memzero(b.p, b.cap);
			free(b.p);
		}
		return NULL;
	}
	return b.p;
}

enum privd_rc privd_service_request_export(struct privd_service *svc, const struct privd_principal *who,
                                           const char *request_id, bool html, char **out, struct privd_err *err)
{
	struct privd_request r;
	json_t *root = NULL;
	enum privd_rc rc;

	*out = NULL;
	rc = privd_service_request_get(svc, who, request_id, false, &r, err);
	if (rc != PRIVD_OK)
		return rc;
	if (strcmp(r.type, "access") != 0 || strcmp(r.status, "completed") != 0) {
		rc = privd_err_set(err, PRIVD_ERR_CONFLICT, "an export exists only for a completed access request");
		goto out;
	}
	rc = privd_audit_record(svc, who, "request.export", "request", r.id,
	                        html ? "{\"format\":\"html\"}" : "{\"format\":\"json\"}");
	if (rc != PRIVD_OK)
		goto out;
	root = build(svc, who, r.subject_id, &rc, err);
	if (root == NULL)
		goto out;
	*out = html ? render_html(root) : json_dumps(root, JSON_INDENT(2));
	if (*out == NULL)
		rc = PRIVD_ERR_NOMEM;
out:
	json_decref(root);
	privd_request_clear(&r);
	return rc;
}
