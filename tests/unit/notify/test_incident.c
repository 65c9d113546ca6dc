/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_incident.c - the notice a person receives after a breach: what happened (the operator's words, whole),
 * which of their data (in words, in the person's language), what they can do, whom to contact, the incident's
 * number; as e-mail text, HTML and SMS, in Russian, English and both.
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
#define WHAT "Резервная копия базы <клиентов> оказалась в открытом хранилище.\nДоступ закрыт."

static struct privd_notice_vars vars(enum privd_notify_lang lang, bool operator)
{
	struct privd_notice_vars v = {
	    .kind = PRIVD_NOTICE_INCIDENT,
	    .lang = lang,
	    .incident_id = ID,
	    .description = WHAT,
	    .data_categories = PRIVD_DESTROYED_EMAIL | PRIVD_DESTROYED_NAME,
	    .detected_at = 1764156408123LL, /* 2025-11-26 */
	};

	if (operator) {
		v.operator_name = "ООО «Ромашка»";
		v.operator_contact = "privacy@operator.example";
	}
	return v;
}

static char *render(const struct privd_notice_vars *v, enum privd_notify_format fmt, char **subject)
{
	char *body = NULL;

	assert_int_equal(privd_notify_render(v, fmt, subject, &body, NULL), PRIVD_OK);
	assert_non_null(body);
	return body;
}

static void contains(const char *hay, const char *needle)
{
	if (strstr(hay, needle) == NULL)
		fail_msg("%s\n--- does not contain ---\n%s", hay, needle);
}

static void test_text_ru_en(void **state)
{
	struct privd_notice_vars ru = vars(PRIVD_NOTIFY_LANG_RU, true), en = vars(PRIVD_NOTIFY_LANG_EN, true);
	char *subject = NULL, *b;

	(void)state;
	b = render(&ru, PRIVD_NOTIFY_TEXT, &subject);
	assert_string_equal(subject, "Инцидент с вашими персональными данными");
	contains(b, "(обнаружен 2025-11-26)");
	contains(b, "Что произошло: " WHAT "\n");
	contains(b, "Какие ваши данные затронуты: имя, адрес электронной почты.\n");
	contains(b, "Что вы можете сделать:\n- будьте осторожны");
	contains(b, "свяжитесь с нами сами по контактам ниже");
	contains(b, "Номер инцидента: " ID ".\n");
	contains(b, "ООО «Ромашка»\nВопросы о ваших персональных данных: privacy@operator.example\n");
	assert_null(strstr(b, "What happened"));
	privd_notify_text_free(subject);
	privd_notify_text_free(b);
	b = render(&en, PRIVD_NOTIFY_TEXT, &subject);
	assert_string_equal(subject, "An incident concerning your personal data");
	contains(b, "What happened: " WHAT "\n");
	contains(b, "Your data concerned: your name, your e-mail address.\n");
	contains(b, "What you can do:\n");
	contains(b, "Incident no. " ID ".\n");
	contains(b, "Questions about your personal data: privacy@operator.example");
	privd_notify_text_free(subject);
	privd_notify_text_free(b);
}

static void test_both_and_no_operator(void **state)
{
	struct privd_notice_vars v = vars(PRIVD_NOTIFY_LANG_RU_EN, false);
	char *subject = NULL, *b;

	(void)state;
	b = render(&v, PRIVD_NOTIFY_TEXT, &subject);
	assert_string_equal(subject,
	                    "Инцидент с вашими персональными данными / An incident concerning your personal data");
	assert_true(strstr(b, "Что произошло") < strstr(b, "What happened"));
	/* nobody to point to: no advice that sends the person to "the contacts below" */
	assert_null(strstr(b, "контактам ниже"));
	assert_null(strstr(b, "address below"));
	privd_notify_text_free(subject);
	privd_notify_text_free(b);
}

static void test_html_escapes(void **state)
{
	struct privd_notice_vars v = vars(PRIVD_NOTIFY_LANG_EN, true);
	char *b;

	(void)state;
	b = render(&v, PRIVD_NOTIFY_HTML, NULL);
	contains(b, "базы &lt;клиентов&gt;");
	assert_null(strstr(b, "<клиентов>"));
	contains(b, "What you can do:");
	privd_notify_text_free(b);
}

static void test_sms(void **state)
{
	struct privd_notice_vars ru = vars(PRIVD_NOTIFY_LANG_RU, true), en = vars(PRIVD_NOTIFY_LANG_EN, false);
	char *b;

	(void)state;
	b = render(&ru, PRIVD_NOTIFY_SMS, NULL);
	assert_string_equal(b, "ООО «Ромашка»: Инцидент с вашими персональными данными (обнаружен 2025-11-26): "
	                       "Резервная копия базы <клиентов> оказалась в открытом хранилище. Доступ закрыт. "
	                       "Затронуты: имя, адрес электронной почты. Никому не сообщайте пароли и коды. "
	                       "Вопросы: privacy@operator.example");
	privd_notify_text_free(b);
	b = render(&en, PRIVD_NOTIFY_SMS, NULL);
	assert_null(strchr(b, '\n'));
	contains(b, "An incident concerning your personal data (detected on 2025-11-26): ");
	contains(b, "Data concerned: your name, your e-mail address.");
	privd_notify_text_free(b);
}

/* A description as long as an operator may write comes out whole. */
static void test_long_description(void **state)
{
	struct privd_notice_vars v = vars(PRIVD_NOTIFY_LANG_RU_EN, true);
	char *what = malloc(8193), *b;

	(void)state;
	memset(what, 'x', 8192);
	what[8191] = 'y';
	what[8192] = '\0';
	v.description = what;
	b = render(&v, PRIVD_NOTIFY_TEXT, NULL);
	contains(b, what);
	assert_non_null(strstr(strstr(b, what) + 1, what)); /* twice: Russian and English */
	privd_notify_text_free(b);
	b = render(&v, PRIVD_NOTIFY_SMS, NULL);
	contains(b, what);
	privd_notify_text_free(b);
	free(what);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_text_ru_en),       cmocka_unit_test(test_both_and_no_operator),
	    cmocka_unit_test(test_html_escapes),     cmocka_unit_test(test_sms),
	    cmocka_unit_test(test_long_description),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
