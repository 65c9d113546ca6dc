/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * destruction.c - destruction records under /v1/destruction-records (operator, auditor): the list, one record as a
 * JSON document with its log extract, and the same record as the act an operator prints and signs (RKN Order
 * No. 179 of 28.10.2022), in Russian with English.
 *
 * A record holds no personal data (the person is the pseudonymous subject id), so nothing here is zeroed and no
 * read is audited. The JSON keeps the stored names (reason, categories, method); the page says them in both
 * languages, with the categories in the words the access export uses (export_info.c), and ends with signature
 * lines for whoever destroyed the data and for the person responsible for organising its processing, since an act
 * in electronic form needs an electronic signature and a printed one needs ink.
 */
#include "http_int.h"

#include <stdio.h>
#include <string.h>

/* ---- JSON ---- */

static json_t *categories_json(unsigned mask)
{
	json_t *arr = json_array();

	for (int i = 0; arr != NULL && i < PRIVD_DESTRUCTION_CATEGORY_COUNT; i++) {
		if ((mask & (1u << i)) != 0 &&
		    json_array_append_new(arr, json_string(privd_destruction_category_name(i)))) {
			json_decref(arr);
			arr = NULL;
		}
	}
	return arr;
}

static json_t *record_json(const struct privd_destruction_record *d)
{
	/* each o argument is stolen, also when packing fails */
	return json_pack("{s:s, s:s, s:o, s:s, s:o, s:s, s:{s:o, s:o}, s:s, s:s, s:o, s:[{s:I, s:s}]}", "id", d->id,
	                 "subject_id", d->subject_id, "request_id", privd_http_json_str_or_null(d->request_id),
	                 "reason", privd_destruction_reason_name(d->reason), "categories",
	                 categories_json(d->categories), "method", d->method, "operator", "name",
	                 privd_http_json_str_or_null(d->operator_name), "address",
	                 privd_http_json_str_or_null(d->operator_address), "information_system", d->information_system,
	                 "actor", d->actor, "destroyed_at", privd_http_json_time(d->destroyed_at), "audit", "seq",
	                 (json_int_t)d->audit_seq, "hash", d->audit_hash);
}

static int list_cb(void *arg, const struct privd_destruction_record *d)
{
	return privd_http_page_add(arg, record_json(d), d->seq);
}

void privd_http_destruction_list(struct privd_http_req *r)
{
	struct privd_destruction_query q = {0};
	struct privd_http_page page;
	struct privd_err e = {0};
	enum privd_rc rc;

	if (!privd_http_page_query(r, &page, &e))
		return;
	q.subject_id = privd_http_query_id(r, "subject_id", &e);
	if (e.nfields > 0) {
		privd_http_reply_fields(r, &e);
		goto out;
	}
	q.limit = (size_t)page.limit;
	q.after = (int64_t)page.after;
	rc = privd_service_destruction_list(r->h->svc, &q, list_cb, &page, &e);
	privd_http_page_reply(r, &page, rc, &e);
out:
	privd_http_page_free(&page);
}

static char *document_json(const struct privd_destruction_record *d, const struct privd_destruction_extract *x)
{
	json_t *j = record_json(d), *extract = json_array();
	char *out = NULL;

	for (size_t i = 0; extract != NULL && i < x->n; i++) {
		if (json_array_append_new(extract, privd_http_audit_entry_json(&x->entries[i])) != 0) {
			json_decref(extract);
			extract = NULL;
		}
	}
	if (j != NULL && extract != NULL && json_object_set_new(j, "log_extract", extract) == 0)
		out = json_dumps(j, JSON_INDENT(2));
	else
		json_decref(extract);
	json_decref(j);
	return out;
}

/* ---- the act ---- */

static const struct privd_http_bi reasons[PRIVD_DESTRUCTION_REASON_COUNT] = {
    [PRIVD_DESTRUCTION_ERASE_REQUEST] = {"The data subject's request to destroy their personal data, carried out",
                                         "Требование субъекта персональных данных об уничтожении его персональных "
                                         "данных, исполненное оператором"},
    [PRIVD_DESTRUCTION_CONSENT_REVOKED] = {"Revocation of consent to the processing of personal data (152-FZ Art. 21 "
                                           "p.5)",
                                           "Отзыв согласия на обработку персональных данных (ч. 5 ст. 21 "
                                           "Федерального закона № 152-ФЗ)"},
};

static const struct privd_http_bi crypto_shredding = {
    "Crypto-shredding: the subject's data encryption key destroyed, and every record holding their data deleted or "
    "emptied",
    "Криптографическое уничтожение: ключ шифрования данных субъекта уничтожен, все записи с его данными удалены "
    "или очищены"};

/* One row of the act's table: the term in both languages, then the value (escaped), or its two texts. */
static void row(struct privd_http_text *t, const char *term, const char *value, const struct privd_http_bi *bi)
{
	privd_http_text_puts(t, "<tr><th>");
	privd_http_text_html(t, term);
	privd_http_text_puts(t, "</th><td>");
	if (bi != NULL) {
		privd_http_text_html(t, bi->ru);
		privd_http_text_puts(t, "<br><span lang=\"en\">");
		privd_http_text_html(t, bi->en);
		privd_http_text_puts(t, "</span>");
	} else {
		privd_http_text_html(t, value[0] != '\0' ? value : "—");
	}
	privd_http_text_puts(t, "</td></tr>\n");
}

static void categories_html(struct privd_http_text *t, unsigned mask)
{
	privd_http_text_puts(t, "<tr><th>Категории уничтоженных данных / Categories of data destroyed</th><td><ul>");
	for (int i = 0; i < PRIVD_DESTRUCTION_CATEGORY_COUNT; i++) {
		const struct privd_http_bi *l = privd_http_category_label(i);

		if ((mask & (1u << i)) == 0)
			continue;
		privd_http_text_puts(t, "<li>");
		privd_http_text_html(t, l->ru);
		privd_http_text_puts(t, " / <span lang=\"en\">");
		privd_http_text_html(t, l->en);
		privd_http_text_puts(t, "</span></li>");
	}
	if (mask == 0)
		privd_http_text_puts(t, "<li>—</li>");
	privd_http_text_puts(t, "</ul></td></tr>\n");
}

static void extract_html(struct privd_http_text *t, const struct privd_destruction_extract *x)
{
	char ts[PRIVD_TIME_LEN];

	privd_http_text_puts(t, "<h2>Выгрузка из журнала событий / Extract from the event log</h2>\n<table><thead><tr>"
	                        "<th>№ / Seq</th><th>Время (UTC) / Time (UTC)</th><th>Кто / Actor</th>"
	                        "<th>Событие / Event</th><th>Объект / Object</th><th>Хеш / Hash</th></tr></thead>"
	                        "<tbody>\n");
	for (size_t i = 0; i < x->n; i++) {
		const struct privd_audit_entry *e = &x->entries[i];

		privd_time_format(e->ts, ts);
		privd_http_text_printf(t, "<tr><td>%lld</td><td>", (long long)e->seq);
		privd_http_text_html(t, ts);
		privd_http_text_puts(t, "</td><td>");
		privd_http_text_html(t, e->actor);
		privd_http_text_puts(t, "</td><td>");
		privd_http_text_html(t, e->action);
		privd_http_text_puts(t, "</td><td>");
		privd_http_text_html(t, e->object_type);
		privd_http_text_puts(t, " ");
		privd_http_text_html(t, e->object_id);
		privd_http_text_puts(t, "</td><td><code>");
		privd_http_text_html(t, e->hash);
		privd_http_text_puts(t, "</code></td></tr>\n");
	}
	privd_http_text_puts(t, "</tbody></table>\n");
}

static void signatures_html(struct privd_http_text *t)
{
	static const char *const who[] = {
	    "Уничтожение произвёл / Destroyed by",
	    "Ответственный за организацию обработки персональных данных / Responsible for organising the processing of "
	    "personal data",
	};

	privd_http_text_puts(t, "<h2>Подписи / Signatures</h2>\n");
	for (size_t i = 0; i < sizeof(who) / sizeof(who[0]); i++) {
		privd_http_text_puts(t, "<div class=\"sign\"><p>");
		privd_http_text_html(t, who[i]);
		privd_http_text_puts(t, "</p><p>Должность / Position: ______________________________</p>"
		                        "<p>Фамилия, имя, отчество / Full name: ______________________________</p>"
		                        "<p>Подпись / Signature: ____________________ Дата / Date: ______________</p>"
		                        "</div>\n");
	}
}

static char *document_html(const struct privd_destruction_record *d, const struct privd_destruction_extract *x)
{
	struct privd_http_text t = {0};
	char when[PRIVD_TIME_LEN];
	char request[80];

	privd_time_format(d->destroyed_at, when);
	snprintf(request, sizeof(request), "%s", d->request_id[0] != '\0' ? d->request_id : "—");
	privd_http_text_puts(
	    &t, "<!doctype html>\n<html lang=\"ru\">\n<head>\n<meta charset=\"utf-8\">\n"
	        "<title>Акт об уничтожении персональных данных / Personal data destruction act</title>\n<style>"
	        "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.5;"
	        "color:#1b1b1b}table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}th,td{border:1px solid "
	        "#ccc;padding:.35rem .5rem;text-align:left;vertical-align:top}th{background:#f3f3f3;width:35%}"
	        "[lang=en]{color:#555}code{word-break:break-all}.sign{margin:2rem 0}ul{margin:0;padding-left:1.2rem}"
	        "</style>\n</head>\n<body>\n<main>\n<h1>Акт об уничтожении персональных данных<br>"
	        "<span lang=\"en\">Personal data destruction act</span></h1>\n<p>№ ");
	privd_http_text_html(&t, d->id);
	privd_http_text_puts(&t, " · Приказ Роскомнадзора от 28.10.2022 № 179 / Roskomnadzor Order No. 179 of "
	                         "28.10.2022</p>\n<table><tbody>\n");
	row(&t, "Оператор / Operator", d->operator_name, NULL);
	row(&t, "Адрес оператора / Operator's address", d->operator_address, NULL);
	row(&t, "Информационная система / Information system", d->information_system, NULL);
	row(&t,
	    "Субъект персональных данных (идентификатор в информационной системе) / Data subject (identifier in the "
	    "information system)",
	    d->subject_id, NULL);
	categories_html(&t, d->categories);
	row(&t, "Причина уничтожения / Reason", "",
	    (int)d->reason >= 0 && d->reason < PRIVD_DESTRUCTION_REASON_COUNT ? &reasons[d->reason] : NULL);
	row(&t, "Обращение / Request", request, NULL);
	row(&t, "Способ уничтожения / Method", d->method,
	    strcmp(d->method, PRIVD_DESTRUCTION_METHOD) == 0 ? &crypto_shredding : NULL);
	row(&t, "Дата и время уничтожения (UTC) / Date and time of destruction (UTC)", when, NULL);
	row(&t, "Кем выполнено / Carried out by", d->actor, NULL);
	privd_http_text_puts(&t, "</tbody></table>\n");
	extract_html(&t, x);
	signatures_html(&t);
	privd_http_text_puts(&t, "</main>\n</body>\n</html>\n");
	return privd_http_text_take(&t, NULL);
}

void privd_http_destruction_get(struct privd_http_req *r)
{
	struct privd_destruction_record d;
	struct privd_destruction_extract x;
	struct privd_err e = {0};
	bool html = false;
	enum privd_rc rc;

	if (!privd_http_wants_page(r, &html))
		return;
	rc = privd_service_destruction_get(r->h->svc, r->id, &d, &x, &e);
	if (rc != PRIVD_OK) {
		privd_http_reply_rc(r, rc, &e);
		return;
	}
	privd_http_reply_document(r, html, html ? document_html(&d, &x) : document_json(&d, &x));
}
