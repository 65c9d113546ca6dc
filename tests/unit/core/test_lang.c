/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_lang.c - privd's two languages by name, and the choice of one from a browser's Accept-Language.
 *
 * What a reader relies on: the language they prefer most among those privd has, a region or case not getting in
 * the way, a refusal (q=0) respected, "*" meaning the operator's, and a header of any shape never failing the page.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/lang.h"

static void test_names(void **state)
{
	enum privd_lang l = PRIVD_LANG_EN;

	(void)state;
	assert_string_equal(privd_lang_name(PRIVD_LANG_RU), "ru");
	assert_string_equal(privd_lang_name(PRIVD_LANG_EN), "en");
	assert_string_equal(privd_lang_name(PRIVD_LANG_COUNT), "unknown");
	assert_string_equal(privd_lang_name(PRIVD_LANG_ANY), "unknown");
	assert_int_equal(privd_lang_parse("ru", &l), PRIVD_OK);
	assert_int_equal(l, PRIVD_LANG_RU);
	assert_int_equal(privd_lang_parse("en", &l), PRIVD_OK);
	assert_int_equal(l, PRIVD_LANG_EN);
	assert_int_equal(privd_lang_parse("RU", &l), PRIVD_ERR_INVALID);
	assert_int_equal(privd_lang_parse("ru-RU", &l), PRIVD_ERR_INVALID);
	assert_int_equal(privd_lang_parse("", &l), PRIVD_ERR_INVALID);
	assert_int_equal(privd_lang_parse(NULL, &l), PRIVD_ERR_INVALID);
	assert_int_equal(l, PRIVD_LANG_EN); /* unchanged on failure */
	assert_int_equal(PRIVD_LANG_DEFAULT, PRIVD_LANG_RU);
}

static void test_negotiate_prefers_the_highest_weight(void **state)
{
	(void)state;
	assert_int_equal(privd_lang_negotiate("en", PRIVD_LANG_RU), PRIVD_LANG_EN);
	assert_int_equal(privd_lang_negotiate("ru", PRIVD_LANG_EN), PRIVD_LANG_RU);
	assert_int_equal(privd_lang_negotiate("ru-RU,ru;q=0.9,en-US;q=0.8,en;q=0.7", PRIVD_LANG_EN), PRIVD_LANG_RU);
	assert_int_equal(privd_lang_negotiate("en-GB,en;q=0.9,ru;q=0.8", PRIVD_LANG_RU), PRIVD_LANG_EN);
	assert_int_equal(privd_lang_negotiate("ru;q=0.5, en;q=0.8", PRIVD_LANG_RU), PRIVD_LANG_EN);
	assert_int_equal(privd_lang_negotiate("EN-us", PRIVD_LANG_RU), PRIVD_LANG_EN);
	/* languages privd lacks are passed over */
	assert_int_equal(privd_lang_negotiate("de-DE,de;q=0.9,en;q=0.5", PRIVD_LANG_RU), PRIVD_LANG_EN);
	assert_int_equal(privd_lang_negotiate("fr, de", PRIVD_LANG_RU), PRIVD_LANG_RU);
	/* a tie goes to the first */
	assert_int_equal(privd_lang_negotiate("en, ru", PRIVD_LANG_RU), PRIVD_LANG_EN);
	assert_int_equal(privd_lang_negotiate("ru;q=0.5, en;q=0.500", PRIVD_LANG_EN), PRIVD_LANG_RU);
	/* "enx" and "r" are not languages of ours */
	assert_int_equal(privd_lang_negotiate("enx, r", PRIVD_LANG_RU), PRIVD_LANG_RU);
}

static void test_negotiate_star_and_refusals(void **state)
{
	(void)state;
	assert_int_equal(privd_lang_negotiate("*", PRIVD_LANG_RU), PRIVD_LANG_RU);
	assert_int_equal(privd_lang_negotiate("*", PRIVD_LANG_EN), PRIVD_LANG_EN);
	assert_int_equal(privd_lang_negotiate("de, *;q=0.1", PRIVD_LANG_EN), PRIVD_LANG_EN);
	/* q=0 refuses, also through "*" */
	assert_int_equal(privd_lang_negotiate("ru;q=0, *", PRIVD_LANG_RU), PRIVD_LANG_EN);
	assert_int_equal(privd_lang_negotiate("en;q=0", PRIVD_LANG_EN), PRIVD_LANG_EN); /* nothing left: the default */
	assert_int_equal(privd_lang_negotiate("*, en;q=0.9", PRIVD_LANG_RU), PRIVD_LANG_RU);
	/* "*" stands for what the header does not name */
	assert_int_equal(privd_lang_negotiate("ru;q=0.1, *;q=0.5", PRIVD_LANG_RU), PRIVD_LANG_EN);
}

static void test_negotiate_any_header(void **state)
{
	static const char *const junk[] = {
	    "", ",,,", ";q=1", "q=0.5", "ru;q=2", "ru;q=", "ru;q", "ru;q=0.x", " ; , ", "\t", "*;q=abc", ";;;;;;;"};

	(void)state;
	assert_int_equal(privd_lang_negotiate(NULL, PRIVD_LANG_EN), PRIVD_LANG_EN);
	for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++)
		assert_int_equal(privd_lang_negotiate(junk[i], PRIVD_LANG_EN), PRIVD_LANG_EN);
	/* a malformed item does not hide the good ones */
	assert_int_equal(privd_lang_negotiate("ru;q=2, en;q=0.3", PRIVD_LANG_RU), PRIVD_LANG_EN);
	assert_int_equal(privd_lang_negotiate("en ; q=0.3 , ru ; q=0.9", PRIVD_LANG_EN), PRIVD_LANG_RU);
	/* a default outside the enum is the operator's */
	assert_int_equal(privd_lang_negotiate(NULL, PRIVD_LANG_COUNT), PRIVD_LANG_DEFAULT);
	assert_int_equal(privd_lang_negotiate("de", PRIVD_LANG_ANY), PRIVD_LANG_DEFAULT);
	/* a long header is read in part, never beyond */
	{
		char big[4096];

		memset(big, 0, sizeof(big));
		for (size_t i = 0; i + 4 < sizeof(big); i += 4)
			memcpy(big + i, "de, ", 4);
		assert_int_equal(privd_lang_negotiate(big, PRIVD_LANG_EN), PRIVD_LANG_EN);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_negotiate_prefers_the_highest_weight),
	    cmocka_unit_test(test_negotiate_star_and_refusals),
	    cmocka_unit_test(test_negotiate_any_header),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
