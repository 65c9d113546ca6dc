/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_validate.c - registration input: what a person may type, what privd keeps, and what it refuses.
 *
 * The refusals matter as much as the normalisations: every one of these strings can arrive from the network.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/validate.h"

static void assert_email(const char *in, const char *want)
{
	char out[PRIVD_EMAIL_MAX + 1];
	const char *reason = "unset";

	assert_int_equal(privd_validate_email(in, out, sizeof(out), &reason), PRIVD_OK);
	assert_string_equal(out, want);
	assert_null(reason);
}

static void assert_email_refused(const char *in)
{
	char out[PRIVD_EMAIL_MAX + 1];
	const char *reason = NULL;

	assert_int_equal(privd_validate_email(in, out, sizeof(out), &reason), PRIVD_ERR_INVALID);
	assert_non_null(reason);
	/* The reason is shown to people and logged: it must not echo the input. */
	if (in != NULL && strlen(in) > 3)
		assert_null(strstr(reason, in));
}

static void test_email_normalised(void **state)
{
	(void)state;
	assert_email(" Ivan@Example.RU ", "Ivan@example.ru");
	assert_email("\tivan.petrov+news@mail.example.com\r\n", "ivan.petrov+news@mail.example.com");
	assert_email("o'brien@EXAMPLE.IE", "o'brien@example.ie");
	assert_email("a@b.co", "a@b.co");
	assert_email("user@xn--80ak6aa92e.xn--p1ai", "user@xn--80ak6aa92e.xn--p1ai");
	assert_email("x@my-host.example.org", "x@my-host.example.org");
}

static void test_email_refused(void **state)
{
	char longlocal[80], longdomain[300], longlabel[80];

	(void)state;
	assert_email_refused(NULL);
	assert_email_refused("");
	assert_email_refused("   ");
	assert_email_refused("ivan");
	assert_email_refused("ivan.example.ru");
	assert_email_refused("@example.ru");
	assert_email_refused("ivan@");
	assert_email_refused("ivan@@example.ru");
	assert_email_refused("ivan@petrov@example.ru");
	assert_email_refused("ivan@localhost");
	assert_email_refused("ivan@example..ru");
	assert_email_refused("ivan@.example.ru");
	assert_email_refused("ivan@example.ru.");
	assert_email_refused("ivan@-example.ru");
	assert_email_refused("ivan@example-.ru");
	assert_email_refused("ivan@exa_mple.ru");
	assert_email_refused("ivan@192.168.0.1");
	assert_email_refused("iv an@example.ru");
	assert_email_refused("ivan@exa mple.ru");
	assert_email_refused(".ivan@example.ru");
	assert_email_refused("ivan.@example.ru");
	assert_email_refused("iv..an@example.ru");
	assert_email_refused("<ivan>@example.ru");
	assert_email_refused("ivan\r\nBcc: x@evil.example@example.ru");
	assert_email_refused("иван@example.ru");
	assert_email_refused("ivan@пример.рф"); /* must arrive as punycode */
	assert_email_refused("ivan@example.ru\x01");

	memset(longlocal, 'a', 65);
	strcpy(longlocal + 65, "@example.ru");
	assert_email_refused(longlocal);
	memset(longlocal, 'a', 64);
	strcpy(longlocal + 64, "@example.ru");
	assert_email(longlocal, longlocal); /* exactly 64 is fine */

	memset(longlabel, 'b', 64);
	strcpy(longlabel + 64, ".ru");
	snprintf(longdomain, sizeof(longdomain), "a@%s", longlabel);
	assert_email_refused(longdomain);

	/* 255 bytes in all: one over the limit. */
	memset(longdomain, 'c', sizeof(longdomain));
	memcpy(longdomain, "a@", 2);
	for (size_t i = 2 + 60; i < 255; i += 61)
		longdomain[i] = '.';
	longdomain[254] = 'd';
	longdomain[255] = '\0';
	assert_email_refused(longdomain);
	longdomain[254] = '\0'; /* 254 bytes: the limit itself */
	assert_email(longdomain, longdomain);
}

static void test_email_small_buffer(void **state)
{
	char out[5];

	(void)state;
	assert_int_not_equal(privd_validate_email("ivan@example.ru", out, sizeof(out), NULL), PRIVD_OK);
}

static void assert_phone(const char *in, const char *want)
{
	char out[PRIVD_PHONE_MAX + 1];
	const char *reason = "unset";

	assert_int_equal(privd_validate_phone(in, out, sizeof(out), &reason), PRIVD_OK);
	assert_string_equal(out, want);
	assert_null(reason);
}

static void assert_phone_refused(const char *in)
{
	char out[PRIVD_PHONE_MAX + 1];
	const char *reason = NULL;

	assert_int_equal(privd_validate_phone(in, out, sizeof(out), &reason), PRIVD_ERR_INVALID);
	assert_non_null(reason);
	if (in != NULL && strlen(in) > 3)
		assert_null(strstr(reason, in));
}

static void test_phone(void **state)
{
	(void)state;
	assert_phone("+7 (916) 123-45-67", "+79161234567");
	assert_phone("+79161234567", "+79161234567");
	assert_phone(" +7 916 123 45 67 ", "+79161234567");
	assert_phone("+1.202.555.0143", "+12025550143");
	assert_phone("+49 30 1234567", "+49301234567");
	assert_phone("+12345678", "+12345678");               /* 8 digits, the minimum */
	assert_phone("+123456789012345", "+123456789012345"); /* 15 digits, the maximum */

	assert_phone_refused("89161234567"); /* no + */
	assert_phone_refused("79161234567");
	assert_phone_refused("0079161234567");
	assert_phone_refused("+0 916 123 45 67");  /* country code cannot start with 0 */
	assert_phone_refused("+1234567");          /* 7 digits */
	assert_phone_refused("+1234567890123456"); /* 16 digits */
	assert_phone_refused("+7 916 123 45 67 ext 5");
	assert_phone_refused("+7 (916 123-45-67");
	assert_phone_refused("+7 916) 123-45-67");
	assert_phone_refused("+7 916 123-45-67-");
	assert_phone_refused("++79161234567");
	assert_phone_refused("+ 79161234567");
	assert_phone_refused("+7916123456７"); /* a full-width digit */
	assert_phone_refused("");
	assert_phone_refused("+");
	assert_phone_refused(NULL);
}

static void assert_ip(const char *in, const char *want)
{
	char out[PRIVD_IP_MAX];

	assert_int_equal(privd_validate_ip(in, out, sizeof(out), NULL), PRIVD_OK);
	assert_string_equal(out, want);
}

static void assert_ip_refused(const char *in)
{
	char out[PRIVD_IP_MAX];
	const char *reason = NULL;

	assert_int_equal(privd_validate_ip(in, out, sizeof(out), &reason), PRIVD_ERR_INVALID);
	assert_non_null(reason);
}

static void test_ip(void **state)
{
	(void)state;
	assert_ip("192.0.2.1", "192.0.2.1");
	assert_ip("2001:DB8::1", "2001:db8::1");
	assert_ip("2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1");
	assert_ip("::1", "::1");
	assert_ip("::ffff:192.0.2.1", "::ffff:192.0.2.1");

	assert_ip_refused("256.0.0.1");
	assert_ip_refused("192.0.2");
	assert_ip_refused("192.0.2.1.5");
	assert_ip_refused("010.0.0.1"); /* a leading zero reads as octal elsewhere */
	assert_ip_refused(" 192.0.2.1");
	assert_ip_refused("2001:db8::1::2");
	assert_ip_refused("fe80::1%eth0");
	assert_ip_refused("example.ru");
	assert_ip_refused("");
	assert_ip_refused(NULL);
	assert_ip_refused("1111:2222:3333:4444:5555:6666:7777:8888:9999:aaaa:bbbb");
}

static void assert_name(const char *in, const char *want)
{
	char out[PRIVD_NAME_MAX_BYTES + 1];

	assert_int_equal(privd_validate_name(in, out, sizeof(out), NULL), PRIVD_OK);
	assert_string_equal(out, want);
}

static void assert_name_refused(const char *in)
{
	char out[PRIVD_NAME_MAX_BYTES + 1];
	const char *reason = NULL;

	assert_int_equal(privd_validate_name(in, out, sizeof(out), &reason), PRIVD_ERR_INVALID);
	assert_non_null(reason);
}

static void test_name(void **state)
{
	char big[PRIVD_NAME_MAX_BYTES + 8];

	(void)state;
	assert_name("Иван Петров", "Иван Петров");
	assert_name("  Анна-Мария Щукина  ", "Анна-Мария Щукина");
	assert_name("José O'Neil", "José O'Neil");
	assert_name("李小龍", "李小龍");
	assert_name("Zoë 😀", "Zoë 😀"); /* 4-byte sequence */

	assert_name_refused("");
	assert_name_refused("   ");
	assert_name_refused(NULL);
	assert_name_refused("Ivan\x01Petrov");     /* C0 */
	assert_name_refused("Ivan\tPetrov");       /* C0 inside the name */
	assert_name_refused("Ivan\x7fPetrov");     /* DEL */
	assert_name_refused("Ivan\xc2\x85Petrov"); /* U+0085, C1 */
	assert_name_refused("Ivan\xc2\x9fPetrov"); /* U+009F, C1 */
	assert_name_refused("\xff\xfe");           /* not UTF-8 */
	assert_name_refused("Ivan\xd0");           /* truncated sequence */
	assert_name_refused("\x80"
	                    "abc");              /* lone continuation byte */
	assert_name_refused("\xc0\xaf");         /* overlong '/' */
	assert_name_refused("\xc1\xbf");         /* overlong */
	assert_name_refused("\xe0\x80\xaf");     /* overlong 3-byte */
	assert_name_refused("\xf0\x80\x80\xaf"); /* overlong 4-byte */
	assert_name_refused("\xed\xa0\x80");     /* U+D800, a surrogate */
	assert_name_refused("\xf4\x90\x80\x80"); /* above U+10FFFF */
	assert_name_refused("\xf8\x88\x80\x80\x80");

	/* 512 bytes is the limit after trimming. */
	memset(big, 'a', PRIVD_NAME_MAX_BYTES);
	big[PRIVD_NAME_MAX_BYTES] = '\0';
	assert_name(big, big);
	big[PRIVD_NAME_MAX_BYTES] = 'a';
	big[PRIVD_NAME_MAX_BYTES + 1] = '\0';
	assert_name_refused(big);
	/* 256 two-byte letters = 512 bytes: accepted; one more is not. */
	for (int i = 0; i < 256; i++)
		memcpy(big + 2 * i, "Ж", 2);
	big[512] = '\0';
	assert_name(big, big);
	memcpy(big + 512, "Ж", 3);
	assert_name_refused(big);
}

static void test_country(void **state)
{
	char out[3];
	const char *reason = NULL;

	(void)state;
	assert_int_equal(privd_validate_country("ru", out, NULL), PRIVD_OK);
	assert_string_equal(out, "RU");
	assert_int_equal(privd_validate_country("De", out, NULL), PRIVD_OK);
	assert_string_equal(out, "DE");
	assert_int_equal(privd_validate_country("US", out, NULL), PRIVD_OK);
	assert_int_equal(privd_validate_country("AX", out, NULL), PRIVD_OK); /* Åland */
	assert_int_equal(privd_validate_country("SS", out, NULL), PRIVD_OK); /* South Sudan, 2011 */
	assert_int_equal(privd_validate_country("ZW", out, NULL), PRIVD_OK);
	assert_int_equal(privd_validate_country("AD", out, NULL), PRIVD_OK);

	assert_int_equal(privd_validate_country("XX", out, &reason), PRIVD_ERR_INVALID);
	assert_non_null(reason);
	assert_int_equal(privd_validate_country("UK", out, NULL), PRIVD_ERR_INVALID); /* reserved, GB is assigned */
	assert_int_equal(privd_validate_country("EU", out, NULL), PRIVD_ERR_INVALID);
	assert_int_equal(privd_validate_country("EL", out, NULL), PRIVD_ERR_INVALID); /* Greece is GR */
	assert_int_equal(privd_validate_country("XK", out, NULL), PRIVD_ERR_INVALID); /* user-assigned */
	assert_int_equal(privd_validate_country("SU", out, NULL), PRIVD_ERR_INVALID);
	assert_int_equal(privd_validate_country("RUS", out, NULL), PRIVD_ERR_INVALID);
	assert_int_equal(privd_validate_country("R", out, NULL), PRIVD_ERR_INVALID);
	assert_int_equal(privd_validate_country("", out, NULL), PRIVD_ERR_INVALID);
	assert_int_equal(privd_validate_country("1A", out, NULL), PRIVD_ERR_INVALID);
	assert_int_equal(privd_validate_country(NULL, out, NULL), PRIVD_ERR_INVALID);
}

static void test_eea(void **state)
{
	static const char *const eea[] = {"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR",
	                                  "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU", "MT", "NL",
	                                  "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO"};

	(void)state;
	for (size_t i = 0; i < sizeof(eea) / sizeof(eea[0]); i++)
		assert_true(privd_country_is_eea(eea[i]));
	assert_false(privd_country_is_eea("RU"));
	assert_false(privd_country_is_eea("US"));
	assert_false(privd_country_is_eea("GB")); /* left the EU */
	assert_false(privd_country_is_eea("CH")); /* EFTA, not EEA */
	assert_false(privd_country_is_eea("EL"));
	assert_false(privd_country_is_eea(""));
	assert_false(privd_country_is_eea(NULL));
}

static void test_date_parse(void **state)
{
	struct privd_date d;
	const char *reason = NULL;
	char buf[11];

	(void)state;
	assert_int_equal(privd_date_parse("2024-02-29", &d, NULL), PRIVD_OK);
	assert_int_equal(d.year, 2024);
	assert_int_equal(d.month, 2);
	assert_int_equal(d.day, 29);
	privd_date_format(&d, buf, sizeof(buf));
	assert_string_equal(buf, "2024-02-29");
	assert_int_equal(privd_date_parse("2000-02-29", &d, NULL), PRIVD_OK); /* divisible by 400 */
	assert_int_equal(privd_date_parse("0001-01-01", &d, NULL), PRIVD_OK);
	privd_date_format(&d, buf, sizeof(buf));
	assert_string_equal(buf, "0001-01-01");
	assert_int_equal(privd_date_parse("9999-12-31", &d, NULL), PRIVD_OK);

	assert_int_equal(privd_date_parse("2025-02-29", &d, &reason), PRIVD_ERR_INVALID);
	assert_non_null(reason);
	assert_int_equal(privd_date_parse("1900-02-29", &d, NULL), PRIVD_ERR_INVALID);
	assert_int_equal(privd_date_parse("2025-04-31", &d, NULL), PRIVD_ERR_INVALID);
	assert_int_equal(privd_date_parse("2025-13-01", &d, NULL), PRIVD_ERR_INVALID);
	assert_int_equal(privd_date_parse("2025-00-10", &d, NULL), PRIVD_ERR_INVALID);
	assert_int_equal(privd_date_parse("2025-01-00", &d, NULL), PRIVD_ERR_INVALID);
	assert_int_equal(privd_date_parse("0000-01-01", &d, NULL), PRIVD_ERR_INVALID);
	assert_int_equal(privd_date_parse("2025-1-01", &d, NULL), PRIVD_ERR_INVALID);
	assert_int_equal(privd_date_parse("2025/01/01", &d, NULL), PRIVD_ERR_INVALID);
	assert_int_equal(privd_date_parse("2025-01-01T00:00", &d, NULL), PRIVD_ERR_INVALID);
	assert_int_equal(privd_date_parse(" 2025-01-01", &d, NULL), PRIVD_ERR_INVALID);
	assert_int_equal(privd_date_parse("+025-01-01", &d, NULL), PRIVD_ERR_INVALID);
	assert_int_equal(privd_date_parse("2025-01-1a", &d, NULL), PRIVD_ERR_INVALID);
	assert_int_equal(privd_date_parse("", &d, NULL), PRIVD_ERR_INVALID);
	assert_int_equal(privd_date_parse(NULL, &d, NULL), PRIVD_ERR_INVALID);
}

static void test_date_cmp(void **state)
{
	struct privd_date a = {2025, 3, 1}, b = {2025, 2, 28}, c = {2024, 12, 31}, a2 = {2025, 3, 1};

	(void)state;
	assert_true(privd_date_cmp(&a, &b) > 0);
	assert_true(privd_date_cmp(&b, &a) < 0);
	assert_true(privd_date_cmp(&c, &b) < 0);
	assert_int_equal(privd_date_cmp(&a, &a2), 0);
}

static void test_age_years(void **state)
{
	struct privd_date birth = {2010, 6, 15}, leap = {2008, 2, 29};
	struct privd_date t;

	(void)state;
	t = (struct privd_date){2023, 6, 14};
	assert_int_equal(privd_age_years(&birth, &t), 12); /* the day before the 13th birthday */
	t = (struct privd_date){2023, 6, 15};
	assert_int_equal(privd_age_years(&birth, &t), 13); /* on the birthday */
	t = (struct privd_date){2023, 12, 31};
	assert_int_equal(privd_age_years(&birth, &t), 13);
	t = (struct privd_date){2010, 6, 15};
	assert_int_equal(privd_age_years(&birth, &t), 0);

	/* Born on 29 February: in a common year the birthday counts on 1 March. */
	t = (struct privd_date){2021, 2, 28};
	assert_int_equal(privd_age_years(&leap, &t), 12);
	t = (struct privd_date){2021, 3, 1};
	assert_int_equal(privd_age_years(&leap, &t), 13);
	t = (struct privd_date){2024, 2, 28};
	assert_int_equal(privd_age_years(&leap, &t), 15);
	t = (struct privd_date){2024, 2, 29};
	assert_int_equal(privd_age_years(&leap, &t), 16); /* a leap year has the day itself */

	/* A birth date in the future is negative, even within the next calendar year. */
	t = (struct privd_date){2010, 6, 14};
	assert_true(privd_age_years(&birth, &t) < 0);
	t = (struct privd_date){2009, 12, 1};
	assert_true(privd_age_years(&birth, &t) < 0);
}

static void test_lines(void **state)
{
	const char *why = NULL;

	(void)state;
	assert_int_equal(privd_validate_lines("Утечка базы.\nПодробности — ниже.\tКонец", 100, &why), PRIVD_OK);
	assert_int_equal(privd_validate_lines("  leading and trailing space is kept  ", 100, &why), PRIVD_OK);
	assert_int_equal(privd_validate_lines(" \n\t ", 100, &why), PRIVD_ERR_INVALID);
	assert_string_equal(why, "is empty");
	assert_int_equal(privd_validate_lines("abcdef", 5, &why), PRIVD_ERR_INVALID);
	assert_string_equal(why, "is too long");
	assert_int_equal(privd_validate_lines("abcde", 5, &why), PRIVD_OK);
	assert_int_equal(privd_validate_lines("bad \xc3\x28 utf-8", 100, &why), PRIVD_ERR_INVALID);
	assert_string_equal(why, "is not valid UTF-8");
	assert_int_equal(privd_validate_lines("bell \x07", 100, &why), PRIVD_ERR_INVALID);
	assert_string_equal(why, "has a control character");
	assert_int_equal(privd_validate_lines("c1 \xc2\x85", 100, &why), PRIVD_ERR_INVALID);
	assert_int_equal(privd_validate_lines(NULL, 100, &why), PRIVD_ERR_INVALID);
	assert_string_equal(why, "is required");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_email_normalised),
	    cmocka_unit_test(test_email_refused),
	    cmocka_unit_test(test_email_small_buffer),
	    cmocka_unit_test(test_phone),
	    cmocka_unit_test(test_ip),
	    cmocka_unit_test(test_name),
	    cmocka_unit_test(test_country),
	    cmocka_unit_test(test_eea),
	    cmocka_unit_test(test_date_parse),
	    cmocka_unit_test(test_date_cmp),
	    cmocka_unit_test(test_age_years),
	    cmocka_unit_test(test_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
