/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * export.c - the access export (152-FZ Art. 14) rendered: the JSON document of GET /v1/requests/{id}/export and
 * the page a person can read, with every heading in English and Russian.
 *
 * The service hands over everything held on the person as plain structs (struct privd_export); this file only
 * decides how it reads. What the person is told besides their data (152-FZ Art. 14 p.7) is export_info.c's, and
 * opens both the document ("processing_information") and the page. The JSON keeps the API's names and null for
 * what is absent; the page shows a dash for it, yes / да and no / нет for a consent given or not, and writes every
 * value through one escaping helper (text.c), since a name is whatever the person typed. The transfers section is
 * the person's disclosure log: each transfer of their data to a third party, to whom, in which country, for what
 * purpose, which fields, on what legal basis and what became of it. The consent texts the person agreed to
 * (152-FZ Art. 9) are in both forms word for word, as the Markdown published, with the SHA-256 their records kept
 * and a link to their page. All of it is PII: jansson's strings and the page's buffer are zeroed when freed.
 */
#include "http_int.h"

#include <stdio.h>
#include <string.h>

#include "core/lang.h"

#define NONE "—"
#define COLS_MAX 10 /* the profile's fields, the widest list rendered */
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- JSON ---- */

static json_t *profile_json(const struct privd_subject *s)
{
	return json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:s, s:s, s:o, s:o}", "id", s->id, "status",
	                 privd_subject_status_name(s->status), "name", privd_http_json_str_or_null(s->name), "email",
	                 privd_http_json_str_or_null(s->email), "phone", privd_http_json_str_or_null(s->phone), "ip",
	                 privd_http_json_str_or_null(s->ip), "birth_date", privd_http_json_str_or_null(s->birth_date),
	                 "residence_country", s->residence_country, "policy_version", s->policy_version,
	                 "registered_at", privd_http_json_time(s->created_at), "updated_at",
	                 privd_http_json_time(s->updated_at));
}

static json_t *consent_json(const void *item)
{
	const struct privd_consent_record *r = item;

	return json_pack(
	    "{s:I, s:s, s:b, s:s, s:o, s:s, s:o, s:o, s:o, s:o}", "seq", (json_int_t)r->seq, "purpose", r->purpose,
	    "granted", r->granted, "policy_version", r->policy_version, "ip", privd_http_json_str_or_null(r->ip),
	    "source", r->source, "recorded_at", privd_http_json_time(r->created_at), "text_version",
	    privd_http_json_str_or_null(r->text_version), "text_language",
	    privd_http_json_str_or_null(r->text_language), "text_sha256", privd_http_json_str_or_null(r->text_sha256));
}

/* The page of a consent text: /consent/<purpose>?lang=<language>&version=<version>. */
static void text_url(const struct privd_consent_text *t, char *out, size_t outlen)
{
	snprintf(out, outlen, "/consent/%s?lang=%s&version=%s", privd_purpose_name(t->purpose),
	         privd_lang_name(t->language), t->version);
}

static json_t *text_json(const void *item)
{
	const struct privd_consent_text *t = item;
	char url[160];

	text_url(t, url, sizeof(url));
	return json_pack("{s:s, s:s, s:s, s:s, s:o, s:s, s:o}", "purpose", privd_purpose_name(t->purpose), "version",
	                 t->version, "language", privd_lang_name(t->language), "sha256", t->sha256, "published_at",
	                 privd_http_json_time(t->published_at), "url", url, "text",
	                 privd_http_json_str_or_null(t->text != NULL ? t->text : ""));
}

static json_t *request_json(const void *item)
{
	const struct privd_request *r = item;
	json_t *details = r->details != NULL ? json_loads(r->details, 0, NULL) : NULL;

	return json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "id", r->id, "type",
	                 privd_request_type_name(r->type), "status", privd_request_status_name(r->status), "details",
	                 details != NULL ? details : json_null(), "reason", privd_http_json_str_or_null(r->reason),
	                 "answer", privd_http_json_str_or_null(r->answer), "filed_at",
	                 privd_http_json_time(r->created_at), "received_at", privd_http_json_time(r->received_at),
	                 "due_date", privd_http_json_str_or_null(r->due_date), "completed_at",
	                 privd_http_json_time(r->completed_at));
}

static json_t *notification_json(const void *item)
{
	const struct privd_notification *n = item;

	return json_pack("{s:s, s:s, s:s, s:s, s:o, s:o}", "id", n->id, "kind", privd_notice_kind_name(n->kind),
	                 "channel", n->channel, "status", privd_notice_status_name(n->status), "created_at",
	                 privd_http_json_time(n->created_at), "sent_at", privd_http_json_time(n->sent_at));
}

static json_t *transfer_json(const void *item)
{
	return privd_http_disclosure_json(item);
}

/* An array of n items of size bytes, each rendered by one; NULL when out of memory. */
static json_t *array_json(const void *items, size_t n, size_t size, json_t *(*one)(const void *item))
{
	json_t *arr = json_array();

	for (size_t i = 0; arr != NULL && i < n; i++) {
		if (json_array_append_new(arr, one((const char *)items + i * size)) != 0) {
			json_decref(arr);
			arr = NULL;
		}
	}
	return arr;
}

/* The current state of every purpose into current, and of the cookie categories (named without "cookies.")
 * into cookies as well. False when out of memory. */
static bool consent_state_json(const struct privd_export *x, json_t *current, json_t *cookies)
{
	for (size_t p = 0; p < PRIVD_PURPOSE_COUNT; p++) {
		const struct privd_consent_check *c = &x->consents[p];
		const char *name = privd_purpose_name((enum privd_purpose)p);
		json_t *v = json_pack("{s:b, s:o, s:o}", "granted", c->granted, "since", privd_http_json_time(c->since),
		                      "policy_version", privd_http_json_str_or_null(c->policy_version));

		if (v == NULL)
			return false;
		if (strncmp(name, "cookies.", 8) == 0 && json_object_set(cookies, name + 8, v) != 0) {
			json_decref(v);
			return false;
		}
		if (json_object_set_new(current, name, v) != 0)
			return false;
	}
	return true;
}

char *privd_http_export_json(const struct privd_export *x)
{
	json_t *current = json_object(), *cookies = json_object(), *root = NULL;
	char *out = NULL;

	if (current == NULL || cookies == NULL || !consent_state_json(x, current, cookies)) {
		json_decref(current);
		json_decref(cookies);
		return NULL;
	}
	/* each o argument is stolen, also when packing fails */
	root = json_pack(
	    "{s:o, s:o, s:o, s:{s:o, s:o}, s:o, s:o, s:o, s:o, s:o}", "generated_at",
	    privd_http_json_time(x->generated_at), "processing_information", privd_http_processing_info_json(x),
	    "profile", profile_json(&x->profile), "consents", "current", current, "history",
	    array_json(x->history, x->nhistory, sizeof(*x->history), consent_json), "consent_texts",
	    array_json(x->texts, x->ntexts, sizeof(*x->texts), text_json), "cookie_consents", cookies, "transfers",
	    array_json(x->transfers, x->ntransfers, sizeof(*x->transfers), transfer_json), "requests",
	    array_json(x->requests, x->nrequests, sizeof(*x->requests), request_json), "notifications",
	    array_json(x->notifications, x->nnotifications, sizeof(*x->notifications), notification_json));
	if (root != NULL)
		out = json_dumps(root, JSON_INDENT(2));
	json_decref(root);
	return out;
}

/* ---- HTML ---- */

/* The values of one row or list, as the page shows them (escaped when written); times are formatted into time. */
struct cells {
	const char *v[COLS_MAX];
	char time[COLS_MAX][PRIVD_TIME_LEN];
	char text[PRIVD_TEXT_VERSION_MAX + 8]; /* a consent text's version and language */
};

static const char *opt(const char *s)
{
	return s[0] != '\0' ? s : NONE;
}

static const char *yes_no(bool b)
{
	return b ? "yes / да" : "no / нет";
}

static const char *when(struct cells *c, size_t i, int64_t ms)
{
	if (ms == 0)
		return NONE;
	privd_time_format(ms, c->time[i]);
	return c->time[i];
}

/* The heading a person reads for a field of the export, by its JSON name. */
static const char *label(const char *key)
{
	static const char *const labels[][2] = {
	    {"name", "Name / ФИО"},
	    {"email", "E-mail"},
	    {"phone", "Phone / Телефон"},
	    {"ip", "IP address / IP-адрес"},
	    {"birth_date", "Birth date / Дата рождения"},
	    {"residence_country", "Country of residence / Страна проживания"},
	    {"registered_at", "Registered / Зарегистрирован"},
	    {"updated_at", "Updated / Изменён"},
	    {"purpose", "Purpose / Цель"},
	    {"granted", "Given / Дано"},
	    {"policy_version", "Policy version / Версия политики"},
	    {"text_version", "Consent text / Текст согласия"},
	    {"version", "Version / Версия"},
	    {"language", "Language / Язык"},
	    {"sha256", "SHA-256"},
	    {"published_at", "Published / Опубликован"},
	    {"source", "Channel / Канал"},
	    {"recorded_at", "Recorded / Записано"},
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
	    {"recipient", "Recipient / Получатель"},
	    {"country", "Country / Страна"},
	    {"fields", "Data / Данные"},
	    {"legal_basis", "Legal basis / Основание"},
	    {"reference", "Reference / Реквизиты"},
	    {"outcome", "Outcome / Результат"},
	    {"at", "When / Когда"},
	};

	for (size_t i = 0; i < COUNT(labels); i++)
		if (strcmp(labels[i][0], key) == 0)
			return labels[i][1];
	return key;
}

static const char *const profile_keys[] = {
    "name",   "email",          "phone",         "ip",        "birth_date", "residence_country",
    "status", "policy_version", "registered_at", "updated_at"};

static void profile_cells(const void *item, struct cells *c)
{
	const struct privd_subject *s = item;

	c->v[0] = opt(s->name);
	c->v[1] = opt(s->email);
	c->v[2] = opt(s->phone);
	c->v[3] = opt(s->ip);
	c->v[4] = opt(s->birth_date);
	c->v[5] = s->residence_country;
	c->v[6] = privd_subject_status_name(s->status);
	c->v[7] = s->policy_version;
	c->v[8] = when(c, 8, s->created_at);
	c->v[9] = when(c, 9, s->updated_at);
}

static const char *const consent_keys[] = {"purpose", "granted", "policy_version", "text_version",
                                           "ip",      "source",  "recorded_at"};

static void consent_cells(const void *item, struct cells *c)
{
	const struct privd_consent_record *r = item;

	c->v[0] = r->purpose;
	c->v[1] = yes_no(r->granted);
	c->v[2] = r->policy_version;
	c->v[3] = NONE;
	if (r->text_version[0] != '\0') {
		snprintf(c->text, sizeof(c->text), "%s (%s)", r->text_version, r->text_language);
		c->v[3] = c->text;
	}
	c->v[4] = opt(r->ip);
	c->v[5] = r->source;
	c->v[6] = when(c, 6, r->created_at);
}

/* One <dt>term</dt><dd>value</dd> of a definition list. */
static void definition(struct privd_http_text *t, const char *term, const char *value)
{
	privd_http_text_puts(t, "<dt>");
	privd_http_text_html(t, term);
	privd_http_text_puts(t, "</dt><dd>");
	privd_http_text_html(t, value);
	privd_http_text_puts(t, "</dd>\n");
}

/* A table of n items of size bytes with the columns keys (ncols of them), each row's values from fill; a line
 * saying there are none when n is 0. */
static void table(struct privd_http_text *t, const char *const *keys, size_t ncols, const void *items, size_t n,
                  size_t size, void (*fill)(const void *item, struct cells *c))
{
	struct cells c;

	if (n == 0) {
		privd_http_text_puts(t, "<p class=\"none\">None / Нет</p>\n");
		return;
	}
	privd_http_text_puts(t, "<table><thead><tr>");
	for (size_t k = 0; k < ncols; k++) {
		privd_http_text_puts(t, "<th>");
		privd_http_text_html(t, label(keys[k]));
		privd_http_text_puts(t, "</th>");
	}
	privd_http_text_puts(t, "</tr></thead><tbody>\n");
	for (size_t i = 0; i < n; i++) {
		fill((const char *)items + i * size, &c);
		privd_http_text_puts(t, "<tr>");
		for (size_t k = 0; k < ncols; k++) {
			privd_http_text_puts(t, "<td>");
			privd_http_text_html(t, c.v[k]);
			privd_http_text_puts(t, "</td>");
		}
		privd_http_text_puts(t, "</tr>\n");
	}
	privd_http_text_puts(t, "</tbody></table>\n");
}

static void profile_html(struct privd_http_text *t, const struct privd_export *x)
{
	struct cells c;

	profile_cells(&x->profile, &c);
	privd_http_text_puts(t, "<h2>Profile / Профиль</h2>\n<dl>\n");
	for (size_t k = 0; k < COUNT(profile_keys); k++)
		definition(t, label(profile_keys[k]), c.v[k]);
	privd_http_text_puts(t, "</dl>\n<h2>Cookie consents / Согласия на cookies</h2>\n<dl>\n");
	for (size_t p = 0; p < PRIVD_PURPOSE_COUNT; p++) {
		const char *name = privd_purpose_name((enum privd_purpose)p);

		if (strncmp(name, "cookies.", 8) == 0)
			definition(t, name + 8, yes_no(x->consents[p].granted));
	}
	privd_http_text_puts(t, "</dl>\n");
}

/* The consent texts agreed to, each with what identifies it, its page, and its words as published. */
static void texts_html(struct privd_http_text *t, const struct privd_export *x)
{
	char url[160], published[PRIVD_TIME_LEN];

	privd_http_text_puts(t, "<h2>Consent texts agreed to / Тексты согласий</h2>\n");
	if (x->ntexts == 0)
		privd_http_text_puts(t, "<p class=\"none\">None / Нет</p>\n");
	for (size_t i = 0; i < x->ntexts; i++) {
		const struct privd_consent_text *c = &x->texts[i];

		text_url(c, url, sizeof(url));
		privd_time_format(c->published_at, published);
		privd_http_text_puts(t, "<section>\n<h3>");
		privd_http_text_html(t, privd_purpose_name(c->purpose));
		privd_http_text_puts(t, "</h3>\n<dl>\n");
		definition(t, label("version"), c->version);
		definition(t, label("language"), privd_lang_name(c->language));
		definition(t, label("sha256"), c->sha256);
		definition(t, label("published_at"), published);
		privd_http_text_puts(t, "</dl>\n<p><a href=\"");
		privd_http_text_html(t, url);
		privd_http_text_puts(t, "\">");
		privd_http_text_html(t, url);
		privd_http_text_puts(t, "</a></p>\n<pre class=\"text\">");
		privd_http_text_html(t, c->text != NULL ? c->text : "");
		privd_http_text_puts(t, "</pre>\n</section>\n");
	}
}

static const char *const request_keys[] = {"type", "status", "filed_at", "received_at", "due_date", "completed_at"};

static void request_cells(const void *item, struct cells *c)
{
	const struct privd_request *r = item;

	c->v[0] = privd_request_type_name(r->type);
	c->v[1] = privd_request_status_name(r->status);
	c->v[2] = when(c, 2, r->created_at);
	c->v[3] = when(c, 3, r->received_at);
	c->v[4] = opt(r->due_date);
	c->v[5] = when(c, 5, r->completed_at);
}

static const char *const notification_keys[] = {"kind", "channel", "status", "created_at", "sent_at"};

static void notification_cells(const void *item, struct cells *c)
{
	const struct privd_notification *n = item;

	c->v[0] = privd_notice_kind_name(n->kind);
	c->v[1] = n->channel;
	c->v[2] = privd_notice_status_name(n->status);
	c->v[3] = when(c, 3, n->created_at);
	c->v[4] = when(c, 4, n->sent_at);
}

static const char *const transfer_keys[] = {"recipient",   "country",   "purpose", "fields",
                                            "legal_basis", "reference", "outcome", "at"};

static void transfer_cells(const void *item, struct cells *c)
{
	const struct privd_disclosure *d = item;

	c->v[0] = d->recipient.name;
	c->v[1] = d->recipient.country;
	c->v[2] = d->recipient.purpose;
	privd_transfer_fields_format(d->fields, c->text, sizeof(c->text));
	c->v[3] = c->text;
	c->v[4] = privd_legal_basis_name(d->basis);
	c->v[5] = opt(d->reference);
	c->v[6] =
	    d->reason != PRIVD_REFUSAL_NONE ? privd_refusal_name(d->reason) : privd_disclosure_outcome_name(d->outcome);
	c->v[7] = when(c, 7, d->at);
}

char *privd_http_export_html(const struct privd_export *x)
{
	struct privd_http_text t = {0};
	char generated[PRIVD_TIME_LEN];

	privd_time_format(x->generated_at, generated);
	privd_http_text_puts(
	    &t, "<!doctype html>\n<html lang=\"ru\">\n<head>\n<meta charset=\"utf-8\">\n"
	        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	        "<title>Your personal data / Ваши персональные данные</title>\n<style>"
	        "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;"
	        "line-height:1.5;color:#1b1b1b}table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}"
	        "th,td{border:1px solid #ccc;padding:.35rem .5rem;text-align:left;vertical-align:top}"
	        "th{background:#f3f3f3}dl{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem}"
	        "dt{font-weight:600}.none{color:#666}pre.text{white-space:pre-wrap;background:#f7f7f7;padding:.75rem}</"
	        "style>\n</head>\n<body>\n<main>\n"
	        "<h1>Your personal data / Ваши персональные данные</h1>\n<p>Generated / Сформировано: ");
	privd_http_text_html(&t, generated);
	privd_http_text_puts(&t, "</p>\n");
	privd_http_processing_info_html(&t, x);
	profile_html(&t, x);
	privd_http_text_puts(&t, "<h2>Consent records / История согласий</h2>\n");
	table(&t, consent_keys, COUNT(consent_keys), x->history, x->nhistory, sizeof(*x->history), consent_cells);
	texts_html(&t, x);
	privd_http_text_puts(&t, "<h2>Transfers to third parties / Передача третьим лицам</h2>\n");
	table(&t, transfer_keys, COUNT(transfer_keys), x->transfers, x->ntransfers, sizeof(*x->transfers),
	      transfer_cells);
	privd_http_text_puts(&t, "<h2>Requests / Обращения</h2>\n");
	table(&t, request_keys, COUNT(request_keys), x->requests, x->nrequests, sizeof(*x->requests), request_cells);
	privd_http_text_puts(&t, "<h2>Notifications / Уведомления</h2>\n");
	table(&t, notification_keys, COUNT(notification_keys), x->notifications, x->nnotifications,
	      sizeof(*x->notifications), notification_cells);
	privd_http_text_puts(&t, "</main>\n</body>\n</html>\n");
	return privd_http_text_take(&t, NULL);
}
