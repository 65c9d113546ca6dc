/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_export.c - the access export as the HTTP layer renders it, from a struct privd_export made up here: the
 * JSON document (its members, in their order, null for what is absent) and the page (everything a person typed
 * escaped, a dash for what is absent, both languages), and the text buffer both pages and metrics are written
 * into. The black-box suite checks the same against a running server; these pin the rendering alone.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "http/http_int.h"

#define T1 1767225600000LL /* 2026-01-01T00:00:00.000Z */
#define T2 1767225601234LL /* 2026-01-01T00:00:01.234Z */

static struct privd_consent_text g_text;

static void fixture(struct privd_export *x, struct privd_consent_record *rec, struct privd_request *req,
                    struct privd_notification *note)
{
	memset(x, 0, sizeof(*x));
	memset(rec, 0, sizeof(*rec));
	memset(req, 0, sizeof(*req));
	memset(note, 0, sizeof(*note));
	x->generated_at = T2;
	strcpy(x->profile.id, "0123456789abcdef0123456789abcdef");
	x->profile.status = PRIVD_SUBJECT_ACTIVE;
	strcpy(x->profile.name, "Ольга <b> & \"Сыновья\" 'x'");
	strcpy(x->profile.phone, "+79161234567");
	strcpy(x->profile.residence_country, "RU");
	strcpy(x->profile.policy_version, "1");
	x->profile.created_at = T1;
	x->profile.updated_at = T2;
	x->consents[PRIVD_PURPOSE_PROCESSING] = (struct privd_consent_check){.granted = true, .since = T1};
	strcpy(x->consents[PRIVD_PURPOSE_PROCESSING].policy_version, "1");
	x->consents[PRIVD_PURPOSE_COOKIES_ANALYTICS].granted = true;
	rec->seq = 1;
	strcpy(rec->purpose, "processing");
	rec->granted = true;
	strcpy(rec->policy_version, "1");
	strcpy(rec->source, "registration");
	rec->created_at = T1;
	strcpy(rec->text_version, "1");
	strcpy(rec->text_language, "ru");
	memset(rec->text_sha256, 'a', 64);
	x->history = rec;
	x->nhistory = 1;
	memset(&g_text, 0, sizeof(g_text));
	g_text.purpose = PRIVD_PURPOSE_PROCESSING;
	strcpy(g_text.version, "1");
	g_text.language = PRIVD_LANG_RU;
	memset(g_text.sha256, 'a', 64);
	g_text.published_at = T1;
	g_text.text = (char *)"# Согласие\n\nОператор <script>x</script> & Co.\n";
	x->texts = &g_text;
	x->ntexts = 1;
	strcpy(req->id, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	req->type = PRIVD_REQUEST_TYPE_RECTIFY;
	req->status = PRIVD_REQUEST_STATUS_RECEIVED;
	req->details = (char *)"{\"fields\":{\"name\":\"Новое\"}}";
	req->created_at = T1;
	req->received_at = T2;
	strcpy(req->due_date, "2026-01-15");
	x->requests = req;
	x->nrequests = 1;
	strcpy(note->id, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
	note->kind = PRIVD_NOTICE_REQUEST_RECEIVED;
	strcpy(note->channel, "sms");
	note->status = PRIVD_NOTICE_QUEUED;
	note->created_at = T2;
	x->notifications = note;
	x->nnotifications = 1;
}

static void test_json(void **state)
{
	static const char *const top[] = {"generated_at",  "processing_information", "profile",   "consents",
	                                  "consent_texts", "cookie_consents",        "transfers", "requests",
	                                  "notifications"};
	struct privd_consent_record rec;
	struct privd_request req;
	struct privd_notification note;
	struct privd_export x;
	const char *key;
	json_t *root, *v, *p;
	size_t i = 0;
	char *text;

	(void)state;
	fixture(&x, &rec, &req, &note);
	text = privd_http_export_json(&x);
	assert_non_null(text);
	assert_non_null(strstr(text, "\n  \"profile\": {\n")); /* indented by two */
	root = json_loads(text, 0, NULL);
	free(text);
	assert_non_null(root);
	json_object_foreach(root, key, v) assert_string_equal(key, top[i++]);
	assert_int_equal(i, 9);
	assert_string_equal(json_string_value(json_object_get(root, "generated_at")), "2026-01-01T00:00:01.234Z");
	p = json_object_get(root, "profile");
	assert_string_equal(json_string_value(json_object_get(p, "name")), x.profile.name);
	assert_true(json_is_null(json_object_get(p, "email")));
	assert_string_equal(json_string_value(json_object_get(p, "registered_at")), "2026-01-01T00:00:00.000Z");
	v = json_object_get(json_object_get(root, "consents"), "current");
	assert_int_equal(json_object_size(v), PRIVD_PURPOSE_COUNT);
	assert_true(json_is_true(json_object_get(json_object_get(v, "processing"), "granted")));
	assert_true(json_is_null(json_object_get(json_object_get(v, "cookies.marketing"), "since")));
	v = json_object_get(root, "cookie_consents");
	assert_int_equal(json_object_size(v), 3);
	assert_true(json_is_true(json_object_get(json_object_get(v, "analytics"), "granted")));
	v = json_array_get(json_object_get(json_object_get(root, "consents"), "history"), 0);
	assert_int_equal(json_integer_value(json_object_get(v, "seq")), 1);
	assert_true(json_is_null(json_object_get(v, "ip")));
	assert_string_equal(json_string_value(json_object_get(v, "text_version")), "1");
	assert_string_equal(json_string_value(json_object_get(v, "text_language")), "ru");
	assert_int_equal(strlen(json_string_value(json_object_get(v, "text_sha256"))), 64);
	/* the text agreed to, word for word, with its page */
	v = json_array_get(json_object_get(root, "consent_texts"), 0);
	assert_string_equal(json_string_value(json_object_get(v, "purpose")), "processing");
	assert_string_equal(json_string_value(json_object_get(v, "version")), "1");
	assert_string_equal(json_string_value(json_object_get(v, "language")), "ru");
	assert_string_equal(json_string_value(json_object_get(v, "sha256")), rec.text_sha256);
	assert_string_equal(json_string_value(json_object_get(v, "text")), g_text.text);
	assert_string_equal(json_string_value(json_object_get(v, "url")), "/consent/processing?lang=ru&version=1");
	assert_int_equal(json_array_size(json_object_get(root, "transfers")), 0);
	v = json_array_get(json_object_get(root, "requests"), 0);
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(json_object_get(v, "details"), "fields"), "name")),
	    "Новое");
	assert_true(json_is_null(json_object_get(v, "reason")));
	assert_true(json_is_null(json_object_get(v, "completed_at")));
	assert_string_equal(json_string_value(json_object_get(v, "due_date")), "2026-01-15");
	v = json_array_get(json_object_get(root, "notifications"), 0);
	assert_true(json_is_null(json_object_get(v, "sent_at")));
	json_decref(root);
}

static void test_html(void **state)
{
	struct privd_consent_record rec;
	struct privd_request req;
	struct privd_notification note;
	struct privd_export x;
	char *page;

	(void)state;
	fixture(&x, &rec, &req, &note);
	page = privd_http_export_html(&x);
	assert_non_null(page);
	assert_non_null(strstr(page, "<p>Generated / Сформировано: 2026-01-01T00:00:01.234Z</p>\n"));
	assert_non_null(
	    strstr(page, "<dt>Name / ФИО</dt><dd>Ольга &lt;b&gt; &amp; &quot;Сыновья&quot; &#39;x&#39;</dd>\n"));
	assert_null(strstr(page, "<b>"));
	assert_non_null(strstr(page, "<dt>E-mail</dt><dd>—</dd>\n"));
	assert_non_null(strstr(page, "<dt>analytics</dt><dd>yes / да</dd>\n<dt>marketing</dt><dd>no / нет</dd>\n"));
	assert_non_null(strstr(page, "<tr><td>processing</td><td>yes / да</td><td>1</td><td>1 (ru)</td><td>—</td>"
	                             "<td>registration</td><td>2026-01-01T00:00:00.000Z</td></tr>\n"));
	assert_non_null(strstr(page, "<h2>Consent texts agreed to / Тексты согласий</h2>\n"));
	assert_non_null(strstr(page, "<a href=\"/consent/processing?lang=ru&amp;version=1\">"));
	assert_non_null(strstr(page,
	                       "<pre class=\"text\"># Согласие\n\nОператор &lt;script&gt;x&lt;/script&gt; &amp; Co.\n"
	                       "</pre>\n"));
	assert_null(strstr(page, "<script>"));
	assert_non_null(strstr(page, "<h2>Transfers to third parties / Передача третьим лицам</h2>\n"
	                             "<p class=\"none\">None / Нет</p>\n"));
	assert_non_null(strstr(page, "<th>Type / Вид</th><th>Status / Статус</th>"));
	assert_non_null(strstr(page, "<td>2026-01-15</td><td>—</td></tr>\n"));
	assert_non_null(strstr(page, "<th>Notice / Уведомление</th>"));
	assert_int_equal(strcmp(page + strlen(page) - 8, "</html>\n"), 0);
	free(page);
}

/* The member of processing_information named key, in the item of array whose member name is value. */
static json_t *item(json_t *array, const char *name, const char *value)
{
	size_t i;
	json_t *v;

	json_array_foreach(array, i, v) if (strcmp(json_string_value(json_object_get(v, name)), value) == 0) return v;
	return NULL;
}

/* 152-FZ Art. 14 p.7: the configured values inside the fixed wording, in both languages, and only the categories
 * of data the export holds. */
static void test_processing_info(void **state)
{
	struct privd_consent_record rec;
	struct privd_request req;
	struct privd_notification note;
	struct privd_export x;
	json_t *pi, *v;
	char *page;
	size_t i;
	const char *held[] = {"name",         "phone", "residence_country", "consent_records", "request_details",
	                      "notifications"};

	(void)state;
	fixture(&x, &rec, &req, &note);
	strcpy(x.info.operator_name, "ООО <Ромашка> & Co");
	strcpy(x.info.operator_address, "Москва");
	strcpy(x.info.cross_border_countries, "DE, KZ");
	x.info.erase_after_revoke_days = 21;
	x.info.due_working_days = 1;
	x.info.extension_working_days = 0;
	x.info.rectify_working_days = 7;
	x.info.evidence_years = 1;
	pi = privd_http_processing_info_json(&x);
	assert_non_null(pi);
	v = json_object_get(pi, "operator");
	assert_string_equal(json_string_value(json_object_get(v, "name")), "ООО <Ромашка> & Co");
	assert_true(json_is_null(json_object_get(v, "contact")));
	v = json_object_get(pi, "categories");
	assert_int_equal(json_array_size(v), sizeof(held) / sizeof(held[0]));
	for (i = 0; i < sizeof(held) / sizeof(held[0]); i++)
		assert_non_null(item(v, "category", held[i]));
	v = item(json_object_get(pi, "retention"), "data", "personal_data");
	assert_int_equal(json_integer_value(json_object_get(v, "days")), 21);
	assert_non_null(strstr(json_string_value(json_object_get(v, "ru")), "в течение 21 дня"));
	v = item(json_object_get(pi, "retention"), "data", "evidence");
	assert_int_equal(json_integer_value(json_object_get(v, "years")), 1);
	assert_non_null(strstr(json_string_value(json_object_get(v, "ru")), "хранятся 1 год "));
	v = json_object_get(json_object_get(pi, "cross_border_transfers"), "countries");
	assert_int_equal(json_array_size(v), 2);
	assert_string_equal(json_string_value(json_array_get(v, 1)), "KZ");
	v = json_object_get(pi, "how_to_exercise");
	assert_non_null(strstr(json_string_value(json_object_get(v, "ru")), "в течение 1 рабочего дня с даты"));
	/* a correction has its own deadline (152-FZ Art. 20 p.3) */
	assert_non_null(strstr(json_string_value(json_object_get(v, "en")), "inaccurate data within 7 working days"));
	assert_non_null(strstr(json_string_value(json_object_get(v, "ru")), "уточняет в течение 7 рабочих дней"));
	assert_null(strstr(json_string_value(json_object_get(v, "en")), "extended")); /* no extension configured */
	assert_null(strstr(json_string_value(json_object_get(v, "en")), " or to: ")); /* no contact configured */
	assert_int_equal(json_array_size(json_object_get(json_object_get(pi, "recipients"), "items")), 0);
	v = item(json_object_get(pi, "purposes"), "purpose", "cookies.analytics");
	assert_true(json_is_true(json_object_get(v, "granted")));
	json_decref(pi);

	page = privd_http_export_html(&x);
	assert_non_null(page);
	assert_non_null(strstr(page, "<dd>ООО &lt;Ромашка&gt; &amp; Co</dd>"));
	assert_null(strstr(page, "<Ромашка>"));
	assert_non_null(strstr(page, "<li>Full name / Фамилия, имя, отчество</li>"));
	assert_null(strstr(page, "<li>E-mail address / Адрес электронной почты</li>")); /* none held */
	free(page);
}

static void test_text(void **state)
{
	struct privd_http_text t = {0};
	size_t len;
	char *s;

	(void)state;
	for (int i = 0; i < 1000; i++)
		privd_http_text_printf(&t, "%04d;", i);
	privd_http_text_html(&t, "a<b>&\"'z");
	privd_http_text_put(&t, "xyz", 2);
	s = privd_http_text_take(&t, &len);
	assert_non_null(s);
	assert_int_equal(len, 5000 + strlen("a&lt;b&gt;&amp;&quot;&#39;z") + 2);
	assert_int_equal(strlen(s), len);
	assert_int_equal(strncmp(s, "0000;0001;", 10), 0);
	assert_string_equal(s + 4995, "0999;a&lt;b&gt;&amp;&quot;&#39;zxy");
	assert_null(t.buf);
	free(s);
	s = privd_http_text_take(&t, &len); /* nothing written: empty, not a failure */
	assert_non_null(s);
	assert_string_equal(s, "");
	assert_int_equal(len, 0);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_json),
	    cmocka_unit_test(test_html),
	    cmocka_unit_test(test_processing_info),
	    cmocka_unit_test(test_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
