/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_texts.c - the notices' words, every kind in Russian, English and both.
 *
 * The bilingual bodies are what the outbox has always held for these notices: they are written out here whole,
 * as the service composed them before the texts moved to notify/, so a change of a single byte is seen. The
 * subject lines are new; they are checked for shape (one line, the request named) rather than pinned.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "notify/notify.h"

#define ID "0123456789abcdef0123456789abcdef"

struct expected {
	enum privd_notice_kind kind;
	enum privd_request_type type;
	const char *ru, *en;
};

static const struct expected expected[] = {
    {PRIVD_NOTICE_REQUEST_RECEIVED, PRIVD_REQUEST_TYPE_ACCESS,
     "Ваш запрос «доступ к персональным данным» (№ " ID ") получен. Срок исполнения: до 2025-03-14.\n",
     "We have received your request (access, no. " ID "). It will be carried out by 2025-03-14.\n"},
    {PRIVD_NOTICE_REQUEST_REJECTED, PRIVD_REQUEST_TYPE_RECTIFY,
     "Ваш запрос «исправление персональных данных» (№ " ID ") отклонён. Причина: подпись не читается\n",
     "Your request (rectify, no. " ID ") was rejected. Reason: подпись не читается\n"},
    {PRIVD_NOTICE_REQUEST_EXTENDED, PRIVD_REQUEST_TYPE_TRANSFER_INFO,
     "Срок исполнения вашего запроса «сведения о передаче данных третьим лицам» (№ " ID
     ") продлён до 2025-03-14. Причина: подпись не читается\n",
     "The deadline of your request (transfer_info, no. " ID
     ") was extended to 2025-03-14. Reason: подпись не читается\n"},
    {PRIVD_NOTICE_REQUEST_COMPLETED, PRIVD_REQUEST_TYPE_REVOKE_COOKIES,
     "Ваш запрос «отзыв согласия на использование cookies» (№ " ID ") исполнен.\n",
     "Your request (revoke_cookies, no. " ID ") has been carried out.\n"},
    {PRIVD_NOTICE_REQUEST_COMPLETED, PRIVD_REQUEST_TYPE_ERASE,
     "Ваш запрос на удаление (№ " ID ") исполнен: ваши персональные данные удалены.\n",
     "Your erasure request (no. " ID ") has been carried out: your personal data has been erased.\n"},
    {PRIVD_NOTICE_REQUEST_ANSWERED, PRIVD_REQUEST_TYPE_INQUIRY,
     "Ответ на ваш вопрос (№ " ID "):\nДанные хранятся в Москве.\n",
     "The answer to your question (no. " ID "):\nДанные хранятся в Москве.\n"},
};

static struct privd_notice_vars vars(enum privd_notice_kind kind, enum privd_request_type type,
                                     enum privd_notify_lang lang)
{
	struct privd_notice_vars v = {
	    .kind = kind,
	    .type = type,
	    .lang = lang,
	    .request_id = ID,
	    .due_date = "2025-03-14",
	    .reason = "подпись не читается",
	    .answer = "Данные хранятся в Москве.",
	};

	return v;
}

static char *body_of(const struct privd_notice_vars *v)
{
	char *body = NULL;

	assert_int_equal(privd_notify_render(v, PRIVD_NOTIFY_TEXT, NULL, &body, NULL), PRIVD_OK);
	assert_non_null(body);
	return body;
}

/* Each kind in each language, and both as the outbox has always held them: Russian, a blank line, English. */
static void test_bodies(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
		const struct expected *e = &expected[i];
		struct privd_notice_vars ru = vars(e->kind, e->type, PRIVD_NOTIFY_LANG_RU);
		struct privd_notice_vars en = vars(e->kind, e->type, PRIVD_NOTIFY_LANG_EN);
		struct privd_notice_vars both = vars(e->kind, e->type, PRIVD_NOTIFY_LANG_RU_EN);
		char *b, whole[1024];

		b = body_of(&ru);
		assert_string_equal(b, e->ru);
		privd_notify_text_free(b);
		b = body_of(&en);
		assert_string_equal(b, e->en);
		privd_notify_text_free(b);
		snprintf(whole, sizeof(whole), "%s\n%s", e->ru, e->en);
		b = body_of(&both);
		assert_string_equal(b, whole);
		privd_notify_text_free(b);
	}
}

/* The texts as the service wrote them with one snprintf each before they moved here, pinned literally. */
static void test_outbox_texts_unchanged(void **state)
{
	struct privd_notice_vars v =
	    vars(PRIVD_NOTICE_REQUEST_RECEIVED, PRIVD_REQUEST_TYPE_ERASE, PRIVD_NOTIFY_LANG_RU_EN);
	char *b;

	(void)state;
	b = body_of(&v);
	assert_string_equal(
	    b, "Ваш запрос «удаление персональных данных» (№ " ID ") получен. Срок исполнения: до 2025-03-14.\n\n"
	       "We have received your request (erase, no. " ID "). It will be carried out by 2025-03-14.\n");
	privd_notify_text_free(b);
	v.kind = PRIVD_NOTICE_REQUEST_COMPLETED;
	b = body_of(&v);
	assert_string_equal(b, "Ваш запрос на удаление (№ " ID ") исполнен: ваши персональные данные удалены.\n\n"
	                       "Your erasure request (no. " ID
	                       ") has been carried out: your personal data has been erased.\n");
	privd_notify_text_free(b);
}

/* Every type is named in Russian words and by its API name in English. */
static void test_every_type(void **state)
{
	(void)state;
	for (int t = 0; t < PRIVD_REQUEST_TYPE_COUNT; t++) {
		struct privd_notice_vars ru =
		    vars(PRIVD_NOTICE_REQUEST_RECEIVED, (enum privd_request_type)t, PRIVD_NOTIFY_LANG_RU);
		struct privd_notice_vars en = ru;
		char *b, name[96];

		en.lang = PRIVD_NOTIFY_LANG_EN;
		b = body_of(&ru);
		assert_true(strncmp(b, "Ваш запрос «", strlen("Ваш запрос «")) == 0);
		assert_null(strstr(b, privd_request_type_name((enum privd_request_type)t)));
		assert_null(strstr(b, "«»"));
		privd_notify_text_free(b);
		b = body_of(&en);
		snprintf(name, sizeof(name), "(%s, no. " ID ")", privd_request_type_name((enum privd_request_type)t));
		assert_non_null(strstr(b, name));
		privd_notify_text_free(b);
	}
}

/* One line each, naming the request (the erasure's confirmation names what happened instead); both joined. */
static void test_subjects(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
		const struct expected *e = &expected[i];
		char *s[PRIVD_NOTIFY_LANG_COUNT], *b, whole[512];

		for (int l = 0; l < PRIVD_NOTIFY_LANG_COUNT; l++) {
			struct privd_notice_vars v = vars(e->kind, e->type, (enum privd_notify_lang)l);

			s[l] = NULL;
			assert_int_equal(privd_notify_render(&v, PRIVD_NOTIFY_TEXT, &s[l], &b, NULL), PRIVD_OK);
			assert_non_null(s[l]);
			assert_true(strlen(s[l]) > 0);
			assert_null(strchr(s[l], '\n'));
			assert_true(e->type == PRIVD_REQUEST_TYPE_ERASE || strstr(s[l], ID) != NULL);
			privd_notify_text_free(b);
		}
		assert_string_not_equal(s[PRIVD_NOTIFY_LANG_RU], s[PRIVD_NOTIFY_LANG_EN]);
		snprintf(whole, sizeof(whole), "%s / %s", s[PRIVD_NOTIFY_LANG_RU], s[PRIVD_NOTIFY_LANG_EN]);
		assert_string_equal(s[PRIVD_NOTIFY_LANG_RU_EN], whole);
		for (int l = 0; l < PRIVD_NOTIFY_LANG_COUNT; l++)
			privd_notify_text_free(s[l]);
	}
}

/* A text of n bytes of c (malloc'd, into *text and *member), and the body of v with it: the text must appear
 * whole, twice (in Russian and in English). The body is returned for more checks; the caller frees both. */
static char *body_with_long_text(struct privd_notice_vars *v, const char **member, size_t n, char c, char **text)
{
	char *b, *at;

	*text = malloc(n + 1);
	assert_non_null(*text);
	memset(*text, c, n);
	(*text)[n] = '\0';
	*member = *text;
	b = body_of(v);
	at = strstr(b, *text);
	assert_non_null(at);
	assert_non_null(strstr(at + n, *text));
	assert_true(strlen(b) > 2 * n);
	return b;
}

/* A reason of any length appears whole, in each language. */
static void test_long_reason(void **state)
{
	struct privd_notice_vars v =
	    vars(PRIVD_NOTICE_REQUEST_REJECTED, PRIVD_REQUEST_TYPE_ACCESS, PRIVD_NOTIFY_LANG_RU_EN);
	char *reason, *b;

	(void)state;
	b = body_with_long_text(&v, &v.reason, 5000, 'x', &reason);
	privd_notify_text_free(b);
	free(reason);
}

/* An answer of any length reaches the person whole, in each language, and only the answered notice carries it. */
static void test_long_answer(void **state)
{
	struct privd_notice_vars v =
	    vars(PRIVD_NOTICE_REQUEST_ANSWERED, PRIVD_REQUEST_TYPE_INQUIRY, PRIVD_NOTIFY_LANG_RU_EN);
	char *answer, *b;

	(void)state;
	b = body_with_long_text(&v, &v.answer, 8000, 'y', &answer);
	assert_null(strstr(b, "подпись не читается")); /* the reason is not the answer */
	privd_notify_text_free(b);
	v.kind = PRIVD_NOTICE_REQUEST_EXTENDED;
	b = body_of(&v);
	assert_null(strstr(b, answer));
	privd_notify_text_free(b);
	free(answer);
}

/* A member the kind uses but the caller left NULL is rendered empty, not "(null)". */
static void test_null_members(void **state)
{
	struct privd_notice_vars v = {.kind = PRIVD_NOTICE_REQUEST_EXTENDED, .lang = PRIVD_NOTIFY_LANG_EN};
	char *b;

	(void)state;
	b = body_of(&v);
	assert_string_equal(b, "The deadline of your request (erase, no. ) was extended to . Reason: \n");
	privd_notify_text_free(b);
	privd_notify_text_free(NULL);
}

static void test_out_of_range(void **state)
{
	struct privd_notice_vars v =
	    vars(PRIVD_NOTICE_REQUEST_RECEIVED, PRIVD_REQUEST_TYPE_ACCESS, PRIVD_NOTIFY_LANG_RU);
	struct privd_err err;
	char *s = (char *)"x", *b = (char *)"x";

	(void)state;
	memset(&err, 0, sizeof(err));
	v.kind = PRIVD_NOTICE_KIND_COUNT;
	assert_int_equal(privd_notify_render(&v, PRIVD_NOTIFY_TEXT, &s, &b, &err), PRIVD_ERR_INVALID);
	assert_null(s);
	assert_null(b);
	assert_true(err.msg[0] != '\0');
	v.kind = PRIVD_NOTICE_REQUEST_RECEIVED;
	v.type = PRIVD_REQUEST_TYPE_COUNT;
	assert_int_equal(privd_notify_render(&v, PRIVD_NOTIFY_TEXT, &s, &b, NULL), PRIVD_ERR_INVALID);
	v.type = PRIVD_REQUEST_TYPE_ACCESS;
	v.lang = PRIVD_NOTIFY_LANG_COUNT;
	assert_int_equal(privd_notify_render(&v, PRIVD_NOTIFY_TEXT, &s, &b, NULL), PRIVD_ERR_INVALID);
	v.lang = PRIVD_NOTIFY_LANG_EN;
	assert_int_equal(privd_notify_render(&v, PRIVD_NOTIFY_FORMAT_COUNT, &s, &b, NULL), PRIVD_ERR_UNSUPPORTED);
	assert_null(s);
	assert_null(b);
}

/* The operator closes every text when configured; without it the texts above are unchanged. */
static void test_operator_footer(void **state)
{
	struct privd_notice_vars v =
	    vars(PRIVD_NOTICE_REQUEST_COMPLETED, PRIVD_REQUEST_TYPE_ACCESS, PRIVD_NOTIFY_LANG_RU_EN);
	char *b;

	(void)state;
	v.operator_name = "ООО «Ромашка»";
	v.operator_contact = "privacy@romashka.example";
	b = body_of(&v);
	assert_string_equal(b, "Ваш запрос «доступ к персональным данным» (№ " ID ") исполнен.\n"
	                       "\nООО «Ромашка»\nВопросы о ваших персональных данных: privacy@romashka.example\n"
	                       "\nYour request (access, no. " ID ") has been carried out.\n"
	                       "\nООО «Ромашка»\nQuestions about your personal data: privacy@romashka.example\n");
	privd_notify_text_free(b);
}

/* HTML: a whole document in the person's language, every variable part escaped. */
static void test_html(void **state)
{
	struct privd_notice_vars v =
	    vars(PRIVD_NOTICE_REQUEST_REJECTED, PRIVD_REQUEST_TYPE_ACCESS, PRIVD_NOTIFY_LANG_EN);
	char *s = NULL, *b = NULL;

	(void)state;
	v.reason = "<script>alert('x')</script> & \"more\"";
	v.operator_name = "A & B";
	assert_int_equal(privd_notify_render(&v, PRIVD_NOTIFY_HTML, &s, &b, NULL), PRIVD_OK);
	assert_true(strncmp(b, "<!DOCTYPE html>\n<html lang=\"en\">", 32) == 0);
	assert_null(strstr(b, "<script>"));
	assert_non_null(strstr(b, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;more&quot;"));
	assert_non_null(strstr(b, "A &amp; B"));
	assert_non_null(strstr(b, "<title>Your request no. " ID " was rejected</title>"));
	assert_null(strstr(b, "lang=\"ru\""));
	privd_notify_text_free(s);
	privd_notify_text_free(b);
	v.lang = PRIVD_NOTIFY_LANG_RU_EN;
	assert_int_equal(privd_notify_render(&v, PRIVD_NOTIFY_HTML, NULL, &b, NULL), PRIVD_OK);
	assert_non_null(strstr(b, "<div lang=\"ru\">"));
	assert_non_null(strstr(b, "<hr>\n<div lang=\"en\">"));
	assert_true(strstr(b, "отклонён") < strstr(b, "was rejected"));
	privd_notify_text_free(b);
}

/* SMS: one short line per language, the operator once before it. */
static void test_sms(void **state)
{
	struct privd_notice_vars v =
	    vars(PRIVD_NOTICE_REQUEST_RECEIVED, PRIVD_REQUEST_TYPE_ACCESS, PRIVD_NOTIFY_LANG_RU);
	char *b = NULL;

	(void)state;
	assert_int_equal(privd_notify_render(&v, PRIVD_NOTIFY_SMS, NULL, &b, NULL), PRIVD_OK);
	assert_string_equal(b, "Запрос № " ID " получен, срок исполнения до 2025-03-14.");
	privd_notify_text_free(b);
	v.lang = PRIVD_NOTIFY_LANG_RU_EN;
	v.operator_name = "Ромашка";
	v.operator_contact = "+74951234567";
	assert_int_equal(privd_notify_render(&v, PRIVD_NOTIFY_SMS, NULL, &b, NULL), PRIVD_OK);
	assert_string_equal(b,
	                    "Ромашка: Запрос № " ID " получен, срок исполнения до 2025-03-14. Вопросы: +74951234567 / "
	                    "Request no. " ID " received; it will be carried out by 2025-03-14. Questions: "
	                    "+74951234567");
	assert_null(strchr(b, '\n'));
	privd_notify_text_free(b);
}

/* The important notification of a new policy: every format, the version and where to read it. */
static void test_policy(void **state)
{
	struct privd_notice_vars v = {.kind = PRIVD_NOTICE_POLICY_PUBLISHED,
	                              .type = PRIVD_REQUEST_TYPE_COUNT, /* no request: not looked at */
	                              .lang = PRIVD_NOTIFY_LANG_EN,
	                              .version = "2",
	                              .url = "https://privacy.example/privacy"};
	char *s = NULL, *b = NULL;

	(void)state;
	for (int f = 0; f < PRIVD_NOTIFY_FORMAT_COUNT; f++) {
		assert_int_equal(privd_notify_render(&v, (enum privd_notify_format)f, &s, &b, NULL), PRIVD_OK);
		assert_string_equal(s, "We have updated our privacy policy");
		assert_non_null(strstr(b, "https://privacy.example/privacy"));
		privd_notify_text_free(s);
		privd_notify_text_free(b);
	}
	v.lang = PRIVD_NOTIFY_LANG_RU;
	assert_int_equal(privd_notify_render(&v, PRIVD_NOTIFY_TEXT, NULL, &b, NULL), PRIVD_OK);
	assert_non_null(strstr(b, "(версия 2)"));
	privd_notify_text_free(b);
}

static void test_lang_names(void **state)
{
	enum privd_notify_lang l = PRIVD_NOTIFY_LANG_COUNT;

	(void)state;
	for (int i = 0; i < PRIVD_NOTIFY_LANG_COUNT; i++) {
		assert_int_equal(privd_notify_lang_parse(privd_notify_lang_name((enum privd_notify_lang)i), &l),
		                 PRIVD_OK);
		assert_int_equal(l, i);
	}
	assert_int_equal(privd_notify_lang_parse("RU", &l), PRIVD_ERR_INVALID);
	assert_int_equal(privd_notify_lang_parse(NULL, &l), PRIVD_ERR_INVALID);
	assert_null(privd_notify_lang_name(PRIVD_NOTIFY_LANG_COUNT));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bodies),       cmocka_unit_test(test_outbox_texts_unchanged),
	    cmocka_unit_test(test_every_type),   cmocka_unit_test(test_subjects),
	    cmocka_unit_test(test_long_reason),  cmocka_unit_test(test_null_members),
	    cmocka_unit_test(test_out_of_range), cmocka_unit_test(test_operator_footer),
	    cmocka_unit_test(test_html),         cmocka_unit_test(test_sms),
	    cmocka_unit_test(test_policy),       cmocka_unit_test(test_lang_names),
	    cmocka_unit_test(test_long_answer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
