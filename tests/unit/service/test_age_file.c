/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_age_file.c - the EU age table's reader: the shipped table, and its strictness.
 *
 * The table decides whether a child waits for a guardian, so a malformed entry is refused naming it rather than
 * skipped or narrowed: a lower-case code the core could never match, an age the GDPR does not allow, and an age
 * that only fits an int after wrapping (2^32 + 16 once read as 16).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "service/age_file.h"

#define SHIPPED PRIVD_SOURCE_DIR "/share/eu-consent-age.json"

static int age_of(const struct privd_country_age *t, size_t n, const char *cc)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(t[i].country, cc) == 0)
			return t[i].age;
	return -1;
}

static void test_shipped(void **state)
{
	struct privd_country_age *t = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(privd_age_file_load(SHIPPED, &t, &n, NULL), PRIVD_OK);
	assert_true(n >= 27); /* the member states, and the EEA's */
	assert_int_equal(age_of(t, n, "DE"), 16);
	assert_int_equal(age_of(t, n, "FR"), 15);
	assert_int_equal(age_of(t, n, "BE"), 13);
	free(t);
}

static void refused(const char *text, const char *named)
{
	struct privd_country_age *t = (void *)1;
	struct privd_err err = {0};
	size_t n = 7;

	assert_int_equal(privd_age_file_parse(text, strlen(text), &t, &n, &err), PRIVD_ERR_INVALID);
	assert_null(t);
	assert_int_equal(n, 0);
	assert_non_null(strstr(err.msg, named));
}

static void test_strict(void **state)
{
	(void)state;
	refused("[]", "not a JSON object");
	refused("{\"DE\":16", "not JSON");
	refused("{\"de\":16}", "two upper-case letters");
	refused("{\"DEU\":16}", "two upper-case letters");
	refused("{\"DE\":12}", "DE: the age must be an integer from 13 to 16");
	refused("{\"DE\":17}", "DE");
	refused("{\"DE\":\"16\"}", "DE");
	refused("{\"DE\":16.0}", "DE");
	refused("{\"DE\":4294967312}", "DE"); /* age-wraps-to-16-as-int */
	refused("{\"DE\":16,\"DE\":13}", "not JSON");
}

static void test_empty_and_missing(void **state)
{
	struct privd_country_age *t = NULL;
	struct privd_err err = {0};
	size_t n = 7;

	(void)state;
	assert_int_equal(privd_age_file_parse("{}", 2, &t, &n, NULL), PRIVD_OK);
	assert_non_null(t);
	assert_int_equal(n, 0);
	free(t);
	assert_int_equal(privd_age_file_load("/nonexistent/ages.json", &t, &n, &err), PRIVD_ERR_INVALID);
	assert_null(t);
	assert_non_null(strstr(err.msg, "/nonexistent/ages.json"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_shipped),
	    cmocka_unit_test(test_strict),
	    cmocka_unit_test(test_empty_and_missing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
