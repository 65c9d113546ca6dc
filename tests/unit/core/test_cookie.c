/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_cookie.c - the cookie banner's rules: category names and purposes, visitor ids, the origins a site lists,
 * cookie name patterns, the checks of a configuration field by field, and the token bucket's arithmetic.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/cookie.h"

static void test_categories(void **state)
{
	enum privd_cookie_category c;
	enum privd_purpose p;

	(void)state;
	assert_string_equal(privd_cookie_category_name(PRIVD_COOKIE_NECESSARY), "necessary");
	assert_string_equal(privd_cookie_category_name(PRIVD_COOKIE_MARKETING), "marketing");
	assert_string_equal(privd_cookie_category_name(PRIVD_COOKIE_CATEGORY_COUNT), "unknown");
	assert_int_equal(privd_cookie_category_from("analytics", &c), PRIVD_OK);
	assert_int_equal(c, PRIVD_COOKIE_ANALYTICS);
	assert_int_equal(privd_cookie_category_from("Analytics", &c), PRIVD_ERR_INVALID);
	assert_int_equal(privd_cookie_category_from(NULL, &c), PRIVD_ERR_INVALID);
	assert_false(privd_cookie_category_purpose(PRIVD_COOKIE_NECESSARY, &p));
	assert_true(privd_cookie_category_purpose(PRIVD_COOKIE_PREFERENCES, &p));
	assert_int_equal(p, PRIVD_PURPOSE_COOKIES_PREFERENCES);
	assert_true(privd_cookie_category_purpose(PRIVD_COOKIE_MARKETING, &p));
	assert_int_equal(p, PRIVD_PURPOSE_COOKIES_MARKETING);
}

static void test_visitor(void **state)
{
	(void)state;
	assert_true(privd_cookie_visitor_valid("0123456789abcdef0123456789abcdef"));
	assert_false(privd_cookie_visitor_valid("0123456789ABCDEF0123456789abcdef"));
	assert_false(privd_cookie_visitor_valid("0123456789abcdef0123456789abcde"));
	assert_false(privd_cookie_visitor_valid("0123456789abcdef0123456789abcdef0"));
	assert_false(privd_cookie_visitor_valid(NULL));
	assert_false(privd_cookie_visitor_valid(""));
}

static void test_origins(void **state)
{
	(void)state;
	assert_true(privd_cookie_origins_valid(""));
	assert_true(privd_cookie_origins_valid("https://shop.example"));
	assert_true(
	    privd_cookie_origins_valid("https://shop.example, https://www.shop.example:8443,http://127.0.0.1:3000"));
	assert_true(privd_cookie_origins_valid("http://[::1]:8080"));
	assert_false(privd_cookie_origins_valid("https://shop.example/"));
	assert_false(privd_cookie_origins_valid("https://shop.example/path"));
	assert_false(privd_cookie_origins_valid("shop.example"));
	assert_false(privd_cookie_origins_valid("ftp://shop.example"));
	assert_false(privd_cookie_origins_valid("https://Shop.example"));
	assert_false(privd_cookie_origins_valid("https://shop.example,"));
	assert_false(privd_cookie_origins_valid("https://a.example,,https://b.example"));
	assert_false(privd_cookie_origins_valid("https://a.example:123456"));
	assert_false(privd_cookie_origins_valid("*"));
	assert_true(privd_cookie_origin_allowed("https://a.example, https://b.example", "https://b.example"));
	assert_false(privd_cookie_origin_allowed("https://a.example, https://b.example", "https://b.example.evil"));
	assert_false(privd_cookie_origin_allowed("https://a.example", "https://a.exampl"));
	assert_false(privd_cookie_origin_allowed("https://a.example", "http://a.example"));
	assert_false(privd_cookie_origin_allowed("", "https://a.example"));
	assert_false(privd_cookie_origin_allowed("https://a.example", ""));
	assert_false(privd_cookie_origin_allowed("https://a.example", NULL));
}

static void test_name_patterns(void **state)
{
	(void)state;
	assert_true(privd_cookie_name_matches("_ga", "_ga"));
	assert_false(privd_cookie_name_matches("_ga", "_ga_X1"));
	assert_true(privd_cookie_name_matches("_ga_*", "_ga_X1"));
	assert_true(privd_cookie_name_matches("_ym*", "_ym_uid"));
	assert_false(privd_cookie_name_matches("_ym*", "ym_uid"));
}

/* A configuration every check passes. */
static struct privd_cookie_config *valid_config(void)
{
	struct privd_cookie_config *c = calloc(1, sizeof(*c));

	for (int k = 0; k < PRIVD_COOKIE_CATEGORY_COUNT; k++) {
		strcpy(c->category[k].title[PRIVD_COOKIE_RU], "Аналитика");
		strcpy(c->category[k].title[PRIVD_COOKIE_EN], "Analytics");
		strcpy(c->category[k].description[PRIVD_COOKIE_RU], "Описание");
		strcpy(c->category[k].description[PRIVD_COOKIE_EN], "  A description.  ");
	}
	strcpy(c->category[PRIVD_COOKIE_ANALYTICS].services[0].name, "Matomo");
	strcpy(c->category[PRIVD_COOKIE_ANALYTICS].services[0].url, "https://matomo.org/privacy-policy/");
	c->category[PRIVD_COOKIE_ANALYTICS].nservices = 1;
	strcpy(c->category[PRIVD_COOKIE_ANALYTICS].cookies[0], "_pk_*");
	strcpy(c->category[PRIVD_COOKIE_ANALYTICS].cookies[1], "_pk_id.1.1fff");
	c->category[PRIVD_COOKIE_ANALYTICS].ncookies = 2;
	return c;
}

static bool names_field(const struct privd_err *e, const char *field)
{
	for (size_t i = 0; i < e->nfields; i++)
		if (strcmp(e->fields[i].field, field) == 0)
			return true;
	return false;
}

static void test_config_check(void **state)
{
	struct privd_cookie_config *c = valid_config();
	struct privd_err e = {0};

	(void)state;
	assert_int_equal(privd_cookie_config_check(c, &e), PRIVD_OK);
	assert_int_equal(e.nfields, 0);
	assert_string_equal(c->category[0].description[PRIVD_COOKIE_EN], "A description.");
	c->category[PRIVD_COOKIE_ANALYTICS].title[PRIVD_COOKIE_EN][0] = '\0';
	strcpy(c->category[PRIVD_COOKIE_MARKETING].description[PRIVD_COOKIE_RU], "line\nbreak");
	strcpy(c->category[PRIVD_COOKIE_ANALYTICS].services[0].url, "javascript:alert(1)");
	strcpy(c->category[PRIVD_COOKIE_ANALYTICS].cookies[1], "bad name");
	strcpy(c->category[PRIVD_COOKIE_ANALYTICS].cookies[0], "*");
	assert_int_equal(privd_cookie_config_check(c, &e), PRIVD_ERR_INVALID);
	assert_true(names_field(&e, "categories.analytics.title.en"));
	assert_true(names_field(&e, "categories.marketing.description.ru"));
	assert_true(names_field(&e, "categories.analytics.services[0].url"));
	assert_true(names_field(&e, "categories.analytics.cookies[0]"));
	assert_true(names_field(&e, "categories.analytics.cookies[1]"));
	assert_int_equal(e.nfields, 5);
	assert_int_equal(privd_cookie_config_check(c, NULL), PRIVD_ERR_INVALID);
	free(c);
}

static void test_bucket(void **state)
{
	struct privd_bucket b = {0};
	int64_t retry = 0, t = 1000;

	(void)state;
	/* a new bucket is full: burst at once, then refused */
	for (int i = 0; i < 3; i++)
		assert_true(privd_bucket_take(&b, t, 60, 3, &retry));
	assert_false(privd_bucket_take(&b, t, 60, 3, &retry));
	assert_int_equal(retry, 1000); /* 60 a minute: one a second */
	assert_false(privd_bucket_take(&b, t + 999, 60, 3, &retry));
	assert_true(privd_bucket_take(&b, t + 1000, 60, 3, &retry));
	/* a long wait refills up to burst, not beyond */
	t += 3600 * 1000;
	for (int i = 0; i < 3; i++)
		assert_true(privd_bucket_take(&b, t, 60, 3, NULL));
	assert_false(privd_bucket_take(&b, t, 60, 3, NULL));
	/* a clock that goes backwards refills nothing */
	assert_false(privd_bucket_take(&b, t - 5000, 60, 3, NULL));
	/* no refill at all, no burst at all */
	memset(&b, 0, sizeof(b));
	assert_true(privd_bucket_take(&b, 1, 0, 1, NULL));
	assert_false(privd_bucket_take(&b, 10 * 60 * 1000, 0, 1, &retry));
	assert_int_equal(retry, 60000);
	memset(&b, 0, sizeof(b));
	assert_false(privd_bucket_take(&b, 1, 60, 0, NULL));
	/* a fast rate: 6000 a minute is one every 10 ms */
	memset(&b, 0, sizeof(b));
	assert_true(privd_bucket_take(&b, 5, 6000, 1, NULL));
	assert_false(privd_bucket_take(&b, 10, 6000, 1, &retry));
	assert_int_equal(retry, 5);
	assert_true(privd_bucket_take(&b, 15, 6000, 1, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_categories),    cmocka_unit_test(test_visitor),      cmocka_unit_test(test_origins),
	    cmocka_unit_test(test_name_patterns), cmocka_unit_test(test_config_check), cmocka_unit_test(test_bucket),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
