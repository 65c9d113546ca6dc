/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_calendar.c - working days on the Russian production calendar: rights-request deadlines.
 *
 * The calendar is built from the days listed in share/calendar-ru.json, copied here by hand (the core has no
 * JSON parser). Every expected due date below was counted on a printed month and cross-checked against the
 * JSON independently; a wrong one here would be a missed legal deadline there.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/calendar.h"

static const char *const holidays_2025[] = {
    "2025-01-01", "2025-01-02", "2025-01-03", "2025-01-06", "2025-01-07", "2025-01-08", "2025-05-01", "2025-05-02",
    "2025-05-08", "2025-05-09", "2025-06-12", "2025-06-13", "2025-11-03", "2025-11-04", "2025-12-31",
};
static const char *const working_weekends_2025[] = {"2025-11-01"};
static const char *const holidays_2026[] = {
    "2026-01-01", "2026-01-02", "2026-01-05", "2026-01-06", "2026-01-07", "2026-01-08", "2026-01-09",
    "2026-02-23", "2026-03-09", "2026-05-01", "2026-05-11", "2026-06-12", "2026-11-04", "2026-12-31",
};
static const char *const holidays_2027[] = {
    "2027-01-01", "2027-01-04", "2027-01-05", "2027-01-06", "2027-01-07",
    "2027-01-08", "2027-02-23", "2027-03-08", "2027-11-04",
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static struct privd_date D(const char *s) {
	struct privd_date d;

	assert_int_equal(privd_date_parse(s, &d, NULL), PRIVD_OK);
	return d;
}

static void
add_days(struct privd_calendar *c, const char *const *days, size_t n, bool working)
{
	for (size_t i = 0; i < n; i++) {
		struct privd_date d = D(days[i]);

		if (working)
			assert_int_equal(privd_calendar_add_working_weekend(c, &d), PRIVD_OK);
		else
			assert_int_equal(privd_calendar_add_holiday(c, &d), PRIVD_OK);
	}
}

static int setup(void **state)
{
	struct privd_calendar *c = privd_calendar_new();

	if (c == NULL)
		return -1;
	assert_int_equal(privd_calendar_add_year(c, 2025), PRIVD_OK);
	add_days(c, holidays_2025, N(holidays_2025), false);
	add_days(c, working_weekends_2025, N(working_weekends_2025), true);
	assert_int_equal(privd_calendar_add_year(c, 2026), PRIVD_OK);
	add_days(c, holidays_2026, N(holidays_2026), false);
	/* no decree for 2027 yet: its statutory holidays only, provisional */
	assert_int_equal(privd_calendar_add_provisional_year(c, 2027), PRIVD_OK);
	add_days(c, holidays_2027, N(holidays_2027), false);
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	privd_calendar_free(*state);
	return 0;
}

/* Asserts that `n` working days after `from` is `want`, and whether the calendar had to guess. */
static void assert_due(const struct privd_calendar *c, const char *from, int n, const char *want, bool guessed)
{
	struct privd_date f = D(from), out;
	bool uncovered = !guessed;
	char buf[11];

	privd_calendar_add_working_days(c, &f, n, &out, &uncovered);
	privd_date_format(&out, buf, sizeof(buf));
	assert_string_equal(buf, want);
	assert_int_equal(uncovered, guessed);
	/* Counting back gives the same number. */
	assert_int_equal(privd_calendar_working_days_between(c, &f, &out), n);
}

static void test_may_holidays_2025(void **state)
{
	/* Mon 28 Apr 2025 + 10: Apr 29, 30; May 1-2 off; 5, 6, 7; May 8-9 off; 12, 13, 14, 15, 16. */
	assert_due(*state, "2025-04-28", 10, "2025-05-16", false);
	/* Receipt on the holiday itself counts from the next working day. */
	assert_due(*state, "2025-05-01", 1, "2025-05-05", false);
}

static void test_november_working_saturday_2025(void **state)
{
	/* Mon 27 Oct 2025 + 10: 28, 29, 30, 31, Sat Nov 1 (worked), Nov 3-4 off, 5, 6, 7, 10, 11. */
	assert_due(*state, "2025-10-27", 10, "2025-11-11", false);
	assert_due(*state, "2025-10-31", 1, "2025-11-01", false);
	assert_due(*state, "2025-10-31", 2, "2025-11-05", false);
}

static void test_new_year_2025_2026(void **state)
{
	/* Fri 26 Dec 2025 + 10: Dec 29, 30; Dec 31 and Jan 1-11 2026 off; Jan 12-16, 19, 20, 21. */
	assert_due(*state, "2025-12-26", 10, "2026-01-21", false);
	assert_due(*state, "2025-12-30", 1, "2026-01-12", false);
	assert_due(*state, "2025-12-30", 2, "2026-01-13", false);
}

static void test_new_year_2026_2027(void **state)
{
	/* Mon 28 Dec 2026 + 10: Dec 29, 30; Dec 31 2026 to Jan 10 2027 off; Jan 11-15, 18, 19, 20. 2027 is
	 * provisional, so the date is an estimate. */
	assert_due(*state, "2026-12-28", 10, "2027-01-20", true);
	/* The example: Tue 22 Dec 2026 + 10 = Thu 14 Jan 2027, estimated. */
	assert_due(*state, "2026-12-22", 10, "2027-01-14", true);
	/* A count that stays in the published 2026 is exact. */
	assert_due(*state, "2026-12-22", 6, "2026-12-30", false);
}

/* A year is published, provisional or missing; only a count touching a non-published year is an estimate. */
static void test_year_status(void **state)
{
	struct privd_calendar *c = *state;

	assert_int_equal(privd_calendar_year_status(c, 2025), PRIVD_CALENDAR_YEAR_PUBLISHED);
	assert_int_equal(privd_calendar_year_status(c, 2026), PRIVD_CALENDAR_YEAR_PUBLISHED);
	assert_int_equal(privd_calendar_year_status(c, 2027), PRIVD_CALENDAR_YEAR_PROVISIONAL);
	assert_int_equal(privd_calendar_year_status(c, 2028), PRIVD_CALENDAR_YEAR_MISSING);
	assert_int_equal(privd_calendar_year_status(NULL, 2025), PRIVD_CALENDAR_YEAR_MISSING);
	assert_true(privd_calendar_covers(c, 2027));
	/* A provisional year's holidays still count: 8 March 2027 is a Monday off. */
	assert_due(c, "2027-03-05", 1, "2027-03-09", true);
	/* A year added as provisional stays so; a year outside the calendar's range is refused either way. */
	assert_int_equal(privd_calendar_add_provisional_year(c, 2029), PRIVD_OK);
	assert_int_equal(privd_calendar_year_status(c, 2029), PRIVD_CALENDAR_YEAR_PROVISIONAL);
	assert_int_equal(privd_calendar_add_provisional_year(c, 0), PRIVD_ERR_INVALID);
}

static void test_2026_moved_days(void **state)
{
	/* 23 Feb 2026 is a Monday holiday; 8 March falls on a Sunday and moves to Monday 9 March; 9 May (Sat)
	 * moves to Monday 11 May. */
	assert_due(*state, "2026-02-20", 1, "2026-02-24", false);
	assert_due(*state, "2026-03-06", 1, "2026-03-10", false);
	assert_due(*state, "2026-05-08", 1, "2026-05-12", false);
}

static void test_receipt_on_sunday(void **state)
{
	/* Sun 8 Jun 2025: counting starts on Monday 9; Jun 12-13 are off. */
	assert_due(*state, "2025-06-08", 1, "2025-06-09", false);
	assert_due(*state, "2025-06-08", 10, "2025-06-24", false);
}

static void test_uncovered_year(void **state)
{
	struct privd_date d = D("2030-01-01");

	/* Fri 1 Mar 2030 + 10: weekdays only, Mar 4-8 and 11-15; the caller is told. */
	assert_due(*state, "2030-03-01", 10, "2030-03-15", true);
	assert_false(privd_calendar_covers(*state, 2030));
	/* Falling back, 1 January 2030 (a Tuesday) is a working day: exactly why the caller must warn. */
	assert_true(privd_calendar_is_working_day(*state, &d));
	/* Crossing out of a covered year into one that is not. */
	assert_due(*state, "2027-12-30", 3, "2028-01-04", true);
	/* NULL is accepted for the flag. */
	d = D("2030-03-01");
	privd_calendar_add_working_days(*state, &d, 10, &d, NULL);
	assert_int_equal(d.day, 15);
}

static void test_zero_days(void **state)
{
	struct privd_date from = D("2025-05-01"), out;
	bool uncovered = true;

	privd_calendar_add_working_days(*state, &from, 0, &out, &uncovered);
	assert_int_equal(privd_date_cmp(&from, &out), 0);
	assert_false(uncovered);
}

static void test_is_working_day(void **state)
{
	const struct privd_calendar *c = *state;
	struct privd_date d;

	d = D("2025-11-01"); /* Saturday, worked */
	assert_true(privd_calendar_is_working_day(c, &d));
	d = D("2025-11-02"); /* Sunday */
	assert_false(privd_calendar_is_working_day(c, &d));
	d = D("2025-11-03"); /* Monday, off */
	assert_false(privd_calendar_is_working_day(c, &d));
	d = D("2025-11-05");
	assert_true(privd_calendar_is_working_day(c, &d));
	d = D("2026-01-09");
	assert_false(privd_calendar_is_working_day(c, &d));
	d = D("2026-01-12");
	assert_true(privd_calendar_is_working_day(c, &d));
	assert_true(privd_calendar_covers(c, 2025));
	assert_true(privd_calendar_covers(c, 2027));
	assert_false(privd_calendar_covers(c, 2024));
}

static void test_year_totals(void **state)
{
	/* 247 working days in 2025 and in 2026, the official totals. */
	struct privd_date a = D("2024-12-31"), b = D("2025-12-31"), c = D("2026-12-31");

	assert_int_equal(privd_calendar_working_days_between(*state, &a, &b), 247);
	assert_int_equal(privd_calendar_working_days_between(*state, &b, &c), 247);
	assert_int_equal(privd_calendar_working_days_between(*state, &c, &b), -247);
	assert_int_equal(privd_calendar_working_days_between(*state, &b, &b), 0);
}

static void test_bad_calendar_data(void **state)
{
	struct privd_calendar *c = privd_calendar_new();
	struct privd_date sat = D("2028-01-08"), mon = D("2028-01-10"), other = D("2029-01-01");

	(void)state;
	assert_non_null(c);
	/* Days of a year not yet added are refused. */
	assert_int_equal(privd_calendar_add_holiday(c, &mon), PRIVD_ERR_INVALID);
	assert_int_equal(privd_calendar_add_year(c, 2028), PRIVD_OK);
	assert_int_equal(privd_calendar_add_holiday(c, &mon), PRIVD_OK);
	assert_int_equal(privd_calendar_add_holiday(c, &mon), PRIVD_OK); /* twice is harmless */
	/* A holiday on a weekend or a working weekday is a mistake in the data. */
	assert_int_equal(privd_calendar_add_holiday(c, &sat), PRIVD_ERR_INVALID);
	assert_int_equal(privd_calendar_add_working_weekend(c, &mon), PRIVD_ERR_INVALID);
	assert_int_equal(privd_calendar_add_working_weekend(c, &sat), PRIVD_OK);
	assert_int_equal(privd_calendar_add_holiday(c, &other), PRIVD_ERR_INVALID);
	assert_int_equal(privd_calendar_add_year(c, 0), PRIVD_ERR_INVALID);
	assert_int_equal(privd_calendar_add_year(c, 10000), PRIVD_ERR_INVALID);
	assert_true(privd_calendar_is_working_day(c, &sat));
	assert_false(privd_calendar_is_working_day(c, &mon));
	privd_calendar_free(c);
	privd_calendar_free(NULL);
}

static void test_empty_calendar(void **state)
{
	struct privd_calendar *c = privd_calendar_new();
	struct privd_date from = D("2025-04-28"), out;
	bool uncovered = false;

	(void)state;
	/* No data: May 1 counts as a working day, and the caller hears about it. */
	privd_calendar_add_working_days(c, &from, 10, &out, &uncovered);
	assert_true(uncovered);
	assert_int_equal(out.month, 5);
	assert_int_equal(out.day, 12);
	privd_calendar_free(c);
}

static void test_many_years(void **state)
{
	struct privd_calendar *c = privd_calendar_new();
	struct privd_date d;

	(void)state;
	/* Grows past any initial capacity, added out of order. */
	for (int y = 2100; y >= 2000; y--)
		assert_int_equal(privd_calendar_add_year(c, y), PRIVD_OK);
	for (int y = 2000; y <= 2100; y++) {
		d = (struct privd_date){y, 1, 1};
		if (privd_date_weekday(&d) < 5)
			assert_int_equal(privd_calendar_add_holiday(c, &d), PRIVD_OK);
		assert_true(privd_calendar_covers(c, y));
	}
	d = (struct privd_date){2025, 1, 1};
	assert_false(privd_calendar_is_working_day(c, &d));
	assert_false(privd_calendar_covers(c, 2101));
	privd_calendar_free(c);
}

static void test_weekday_and_steps(void **state)
{
	struct privd_date d;
	char buf[11];

	(void)state;
	d = D("2025-04-28");
	assert_int_equal(privd_date_weekday(&d), 0);
	d = D("2025-11-01");
	assert_int_equal(privd_date_weekday(&d), 5);
	d = D("2025-06-08");
	assert_int_equal(privd_date_weekday(&d), 6);
	d = D("1970-01-01");
	assert_int_equal(privd_date_weekday(&d), 3);
	d = D("0001-01-01");
	assert_int_equal(privd_date_weekday(&d), 0);

	d = D("2024-02-28");
	privd_date_next(&d);
	privd_date_format(&d, buf, sizeof(buf));
	assert_string_equal(buf, "2024-02-29");
	privd_date_next(&d);
	privd_date_format(&d, buf, sizeof(buf));
	assert_string_equal(buf, "2024-03-01");
	d = D("2025-02-28");
	privd_date_next(&d);
	privd_date_format(&d, buf, sizeof(buf));
	assert_string_equal(buf, "2025-03-01");
	d = D("2025-12-31");
	privd_date_next(&d);
	privd_date_format(&d, buf, sizeof(buf));
	assert_string_equal(buf, "2026-01-01");
	privd_date_prev(&d);
	privd_date_format(&d, buf, sizeof(buf));
	assert_string_equal(buf, "2025-12-31");
	d = D("2024-03-01");
	privd_date_prev(&d);
	privd_date_format(&d, buf, sizeof(buf));
	assert_string_equal(buf, "2024-02-29");
}

static void test_date_from_ms(void **state)
{
	struct privd_date d;
	char buf[11];

	(void)state;
	privd_date_from_ms(0, 0, &d);
	privd_date_format(&d, buf, sizeof(buf));
	assert_string_equal(buf, "1970-01-01");
	privd_date_from_ms(-1, 0, &d);
	privd_date_format(&d, buf, sizeof(buf));
	assert_string_equal(buf, "1969-12-31");
	/* 2025-12-31T21:00:00Z is already 1 January in Moscow (UTC+3). */
	privd_date_from_ms(1767214800000LL, 0, &d);
	privd_date_format(&d, buf, sizeof(buf));
	assert_string_equal(buf, "2025-12-31");
	privd_date_from_ms(1767214800000LL, 3 * 3600, &d);
	privd_date_format(&d, buf, sizeof(buf));
	assert_string_equal(buf, "2026-01-01");
	privd_date_from_ms(1767214799999LL, 3 * 3600, &d);
	privd_date_format(&d, buf, sizeof(buf));
	assert_string_equal(buf, "2025-12-31");
	/* West of UTC: 2026-01-01T00:00Z is still 31 December in New York (UTC-5). */
	privd_date_from_ms(1767225600000LL, -5 * 3600, &d);
	privd_date_format(&d, buf, sizeof(buf));
	assert_string_equal(buf, "2025-12-31");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_may_holidays_2025, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_november_working_saturday_2025, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_new_year_2025_2026, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_new_year_2026_2027, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_year_status, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_2026_moved_days, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_receipt_on_sunday, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_uncovered_year, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_zero_days, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_is_working_day, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_year_totals, setup, teardown),
	    cmocka_unit_test(test_bad_calendar_data),
	    cmocka_unit_test(test_empty_calendar),
	    cmocka_unit_test(test_many_years),
	    cmocka_unit_test(test_weekday_and_steps),
	    cmocka_unit_test(test_date_from_ms),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
