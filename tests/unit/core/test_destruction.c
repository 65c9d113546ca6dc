/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_destruction.c - what a destruction record is written in (reasons and categories by name, both ways, the
 * category list as stored) and the evidence period's cutoff in calendar years (RKN Order 179: 3 years).
 *
 * The names are stored in every record and shown by the API, so each one is spelt out here: a rename fails here
 * before it fails an existing database.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/destruction.h"

#define DAY_MS 86400000LL

/* UTC milliseconds of a civil date and time (1970..2100 is all this test needs). */
static int64_t utc_ms(int y, int m, int d, int hh, int mm)
{
	static const int before[12] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
	int64_t days = 0;

	for (int yy = 1970; yy < y; yy++)
		days += (yy % 4 == 0 && (yy % 100 != 0 || yy % 400 == 0)) ? 366 : 365;
	days += before[m - 1] + d - 1;
	if (m > 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
		days++;
	return days * DAY_MS + (int64_t)hh * 3600000 + (int64_t)mm * 60000;
}

static void test_reason_names(void **state)
{
	static const char *const names[PRIVD_DESTRUCTION_REASON_COUNT] = {"erase_request", "consent_revoked"};
	enum privd_destruction_reason r;

	(void)state;
	for (int i = 0; i < PRIVD_DESTRUCTION_REASON_COUNT; i++) {
		r = PRIVD_DESTRUCTION_REASON_COUNT;
		assert_string_equal(privd_destruction_reason_name((enum privd_destruction_reason)i), names[i]);
		assert_int_equal(privd_destruction_reason_parse(names[i], &r), PRIVD_OK);
		assert_int_equal(r, i);
	}
	assert_string_equal(privd_destruction_reason_name(PRIVD_DESTRUCTION_REASON_COUNT), "unknown");
	r = PRIVD_DESTRUCTION_CONSENT_REVOKED;
	assert_int_equal(privd_destruction_reason_parse("Erase_request", &r), PRIVD_ERR_INVALID);
	assert_int_equal(privd_destruction_reason_parse(NULL, &r), PRIVD_ERR_INVALID);
	assert_int_equal(privd_destruction_reason_parse("unknown", &r), PRIVD_ERR_INVALID);
	assert_int_equal(r, PRIVD_DESTRUCTION_CONSENT_REVOKED);
}

static void test_category_names(void **state)
{
	static const char *const names[PRIVD_DESTRUCTION_CATEGORY_COUNT] = {"name",
	                                                                    "email",
	                                                                    "phone",
	                                                                    "ip",
	                                                                    "birth_date",
	                                                                    "residence_country",
	                                                                    "consent_records",
	                                                                    "request_documents",
	                                                                    "request_details",
	                                                                    "notifications"};

	(void)state;
	for (int i = 0; i < PRIVD_DESTRUCTION_CATEGORY_COUNT; i++)
		assert_string_equal(privd_destruction_category_name(i), names[i]);
	assert_null(privd_destruction_category_name(-1));
	assert_null(privd_destruction_category_name(PRIVD_DESTRUCTION_CATEGORY_COUNT));
	assert_int_equal(PRIVD_DESTROYED_NOTIFICATIONS, 1u << (PRIVD_DESTRUCTION_CATEGORY_COUNT - 1));
}

static void test_categories_round_trip(void **state)
{
	char buf[160];
	unsigned all = (1u << PRIVD_DESTRUCTION_CATEGORY_COUNT) - 1, m = 0;
	size_t n;

	(void)state;
	assert_int_equal(privd_destruction_categories_format(0, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	assert_int_equal(privd_destruction_categories_parse("", &m), PRIVD_OK);
	assert_int_equal(m, 0);
	n = privd_destruction_categories_format(PRIVD_DESTROYED_EMAIL | PRIVD_DESTROYED_CONSENT_RECORDS, buf,
	                                        sizeof(buf));
	assert_string_equal(buf, "email,consent_records");
	assert_int_equal(n, strlen("email,consent_records"));
	assert_int_equal(privd_destruction_categories_parse(buf, &m), PRIVD_OK);
	assert_int_equal(m, PRIVD_DESTROYED_EMAIL | PRIVD_DESTROYED_CONSENT_RECORDS);
	n = privd_destruction_categories_format(all, buf, sizeof(buf));
	assert_true(n < sizeof(buf));
	assert_int_equal(privd_destruction_categories_parse(buf, &m), PRIVD_OK);
	assert_int_equal(m, all);
	/* bits beyond the categories are not names */
	privd_destruction_categories_format(1u << 20, buf, sizeof(buf));
	assert_string_equal(buf, "");
}

static void test_categories_format_cut(void **state)
{
	char buf[12];
	size_t n;

	(void)state;
	/* "name,email,phone" needs 16: what fits ends at a name */
	n = privd_destruction_categories_format(PRIVD_DESTROYED_NAME | PRIVD_DESTROYED_EMAIL | PRIVD_DESTROYED_PHONE,
	                                        buf, sizeof(buf));
	assert_int_equal(n, 16);
	assert_string_equal(buf, "name,email");
	n = privd_destruction_categories_format(PRIVD_DESTROYED_NAME, buf, 1);
	assert_int_equal(n, 4);
	assert_string_equal(buf, "");
}

static void test_categories_parse_refuses(void **state)
{
	static const char *const bad[] = {"nam", "name,", ",name", "name,,email", "Name", "name, email", "everything"};
	unsigned m = 7;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(privd_destruction_categories_parse(bad[i], &m), PRIVD_ERR_INVALID);
		assert_int_equal(m, 7);
	}
	assert_int_equal(privd_destruction_categories_parse(NULL, &m), PRIVD_ERR_INVALID);
}

/* RKN Order 179: kept 3 years from the destruction, counted in calendar years. */
static void test_evidence_cutoff(void **state)
{
	(void)state;
	assert_int_equal(privd_evidence_cutoff(utc_ms(2029, 3, 1, 10, 30), 3), utc_ms(2026, 3, 1, 10, 30));
	assert_int_equal(privd_evidence_cutoff(utc_ms(2026, 12, 31, 23, 59), 3), utc_ms(2023, 12, 31, 23, 59));
	/* a leap day has no twin three years earlier: the day before it counts */
	assert_int_equal(privd_evidence_cutoff(utc_ms(2028, 2, 29, 12, 0), 3), utc_ms(2025, 2, 28, 12, 0));
	assert_int_equal(privd_evidence_cutoff(utc_ms(2028, 2, 29, 12, 0), 4), utc_ms(2024, 2, 29, 12, 0));
	/* 0 years: now itself; a negative count is taken as 0 */
	assert_int_equal(privd_evidence_cutoff(utc_ms(2026, 5, 5, 5, 5), 0), utc_ms(2026, 5, 5, 5, 5));
	assert_int_equal(privd_evidence_cutoff(utc_ms(2026, 5, 5, 5, 5), -2), utc_ms(2026, 5, 5, 5, 5));
	/* milliseconds kept */
	assert_int_equal(privd_evidence_cutoff(utc_ms(2026, 5, 5, 5, 5) + 123, 1), utc_ms(2025, 5, 5, 5, 5) + 123);
	/* three years are never fewer than 1095 days */
	for (int64_t t = utc_ms(2024, 1, 1, 0, 0); t < utc_ms(2029, 1, 1, 0, 0); t += 7 * DAY_MS + 3600000)
		assert_true(t - privd_evidence_cutoff(t, 3) >= 1095 * DAY_MS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_reason_names),
	    cmocka_unit_test(test_category_names),
	    cmocka_unit_test(test_categories_round_trip),
	    cmocka_unit_test(test_categories_format_cut),
	    cmocka_unit_test(test_categories_parse_refuses),
	    cmocka_unit_test(test_evidence_cutoff),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
