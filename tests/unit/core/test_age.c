/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_age.c - the age limits of the policy: COPPA on a US server, GDPR Art. 8 for EU/EEA residents.
 *
 * Each case is a person an operator could meet: who is refused outright, who waits for a guardian, who is let
 * in, on their birthday and the day before.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/age.h"

static const struct privd_date today = {2025, 6, 15};

/* Born exactly `years` years before today: today is the birthday. */
static struct privd_date born_years_ago(int years)
{
	struct privd_date d = today;

	d.year -= years;
	return d;
}

/* One day short of `years` years old: the birthday is tomorrow. */
static struct privd_date born_day_short_of(int years)
{
	struct privd_date d = today;

	d.year -= years;
	d.day += 1;
	return d;
}

static struct privd_age_policy policy_on(const char *server)
{
	struct privd_age_policy p;

	privd_age_policy_default(&p);
	snprintf(p.server_country, sizeof(p.server_country), "%s", server);
	return p;
}

static void test_default_policy(void **state)
{
	struct privd_age_policy p;

	(void)state;
	memset(&p, 0x5a, sizeof(p));
	privd_age_policy_default(&p);
	assert_int_equal(p.coppa_min_age, 13);
	assert_int_equal(p.eu_default_age, 16);
	assert_false(p.eu_per_country);
	assert_int_equal(p.ntable, 0);
	assert_null(p.table);
}

static void test_coppa_us_server(void **state)
{
	struct privd_age_policy p = policy_on("US");
	struct privd_date b;

	(void)state;
	b = born_years_ago(12);
	assert_int_equal(privd_age_decide(&p, &b, "US", &today), PRIVD_AGE_REFUSE);
	b = born_day_short_of(13);
	assert_int_equal(privd_age_decide(&p, &b, "US", &today), PRIVD_AGE_REFUSE);
	b = born_years_ago(13);
	assert_int_equal(privd_age_decide(&p, &b, "US", &today), PRIVD_AGE_ALLOW);
	b = born_years_ago(40);
	assert_int_equal(privd_age_decide(&p, &b, "US", &today), PRIVD_AGE_ALLOW);
	/* COPPA binds the US operator whoever the child is. */
	b = born_years_ago(12);
	assert_int_equal(privd_age_decide(&p, &b, "RU", &today), PRIVD_AGE_REFUSE);
	/* An under-13 EU resident on a US server is refused, not held for a guardian: nothing is stored. */
	assert_int_equal(privd_age_decide(&p, &b, "DE", &today), PRIVD_AGE_REFUSE);
	/* 13 to 15 in the EU: stored, but pending a guardian. */
	b = born_years_ago(14);
	assert_int_equal(privd_age_decide(&p, &b, "DE", &today), PRIVD_AGE_PENDING_GUARDIAN);
	/* A birth date in the future counts as age 0. */
	b = (struct privd_date){2026, 1, 1};
	assert_int_equal(privd_age_decide(&p, &b, "US", &today), PRIVD_AGE_REFUSE);
}

static void test_coppa_not_us(void **state)
{
	struct privd_age_policy ru = policy_on("RU"), none = policy_on("");
	struct privd_date b = born_years_ago(12);

	(void)state;
	assert_int_equal(privd_age_decide(&ru, &b, "RU", &today), PRIVD_AGE_ALLOW);
	assert_int_equal(privd_age_decide(&ru, &b, "US", &today), PRIVD_AGE_ALLOW);
	assert_int_equal(privd_age_decide(&none, &b, "RU", &today), PRIVD_AGE_ALLOW);
}

static void test_coppa_off(void **state)
{
	struct privd_age_policy p = policy_on("US");
	struct privd_date b = born_years_ago(8);

	(void)state;
	p.coppa_min_age = 0;
	assert_int_equal(privd_age_decide(&p, &b, "US", &today), PRIVD_AGE_ALLOW);
}

static void test_eu_default_16(void **state)
{
	struct privd_age_policy p = policy_on("RU");
	struct privd_date b;

	(void)state;
	b = born_years_ago(15);
	assert_int_equal(privd_age_decide(&p, &b, "FR", &today), PRIVD_AGE_PENDING_GUARDIAN);
	assert_int_equal(privd_age_decide(&p, &b, "DE", &today), PRIVD_AGE_PENDING_GUARDIAN);
	assert_int_equal(privd_age_decide(&p, &b, "NO", &today), PRIVD_AGE_PENDING_GUARDIAN); /* EEA */
	assert_int_equal(privd_age_decide(&p, &b, "IS", &today), PRIVD_AGE_PENDING_GUARDIAN);
	assert_int_equal(privd_age_decide(&p, &b, "LI", &today), PRIVD_AGE_PENDING_GUARDIAN);
	b = born_day_short_of(16);
	assert_int_equal(privd_age_decide(&p, &b, "FR", &today), PRIVD_AGE_PENDING_GUARDIAN);
	b = born_years_ago(16);
	assert_int_equal(privd_age_decide(&p, &b, "FR", &today), PRIVD_AGE_ALLOW);

	/* Not an EU/EEA resident: no Art. 8 rule. */
	b = born_years_ago(15);
	assert_int_equal(privd_age_decide(&p, &b, "RU", &today), PRIVD_AGE_ALLOW);
	assert_int_equal(privd_age_decide(&p, &b, "GB", &today), PRIVD_AGE_ALLOW);
	assert_int_equal(privd_age_decide(&p, &b, "CH", &today), PRIVD_AGE_ALLOW);
	assert_int_equal(privd_age_decide(&p, &b, "", &today), PRIVD_AGE_ALLOW);
	assert_int_equal(privd_age_decide(&p, &b, NULL, &today), PRIVD_AGE_ALLOW);

	assert_int_equal(privd_age_eu_limit(&p, "FR"), 16);
	assert_int_equal(privd_age_eu_limit(&p, "RU"), 0);
}

static void test_eu_per_country(void **state)
{
	static const struct privd_country_age table[] = {{"FR", 15}, {"DE", 16}};
	struct privd_age_policy p = policy_on("RU");
	struct privd_date b = born_years_ago(15);

	(void)state;
	/* The table is ignored until per-country ages are switched on. */
	p.table = table;
	p.ntable = 2;
	assert_int_equal(privd_age_decide(&p, &b, "FR", &today), PRIVD_AGE_PENDING_GUARDIAN);

	p.eu_per_country = true;
	assert_int_equal(privd_age_decide(&p, &b, "FR", &today), PRIVD_AGE_ALLOW);
	assert_int_equal(privd_age_decide(&p, &b, "DE", &today), PRIVD_AGE_PENDING_GUARDIAN);
	/* A member state missing from the table falls back to the default age. */
	assert_int_equal(privd_age_decide(&p, &b, "IT", &today), PRIVD_AGE_PENDING_GUARDIAN);
	assert_int_equal(privd_age_eu_limit(&p, "IT"), 16);
	/* A non-EU resident is never held, table or not. */
	assert_int_equal(privd_age_decide(&p, &b, "RU", &today), PRIVD_AGE_ALLOW);
	/* The French limit is exactly 15: one day short of it is pending. */
	b = born_day_short_of(15);
	assert_int_equal(privd_age_decide(&p, &b, "FR", &today), PRIVD_AGE_PENDING_GUARDIAN);

	assert_int_equal(privd_age_eu_limit(&p, "FR"), 15);
	assert_int_equal(privd_age_eu_limit(&p, "DE"), 16);
	assert_int_equal(privd_age_eu_limit(&p, "US"), 0);
}

/* The full table of share/eu-consent-age.json, as the service would load it. */
static void test_eu_shipped_table(void **state)
{
	static const struct privd_country_age table[] = {
	    {"AT", 14}, {"BE", 13}, {"BG", 14}, {"CY", 14}, {"CZ", 15}, {"DE", 16}, {"DK", 15},
	    {"EE", 13}, {"ES", 14}, {"FI", 13}, {"FR", 15}, {"GR", 15}, {"HR", 16}, {"HU", 16},
	    {"IE", 16}, {"IT", 14}, {"LT", 14}, {"LU", 16}, {"LV", 13}, {"MT", 13}, {"NL", 16},
	    {"PL", 16}, {"PT", 13}, {"RO", 16}, {"SE", 13}, {"SI", 15}, {"SK", 16}, {"NO", 13},
	};
	struct privd_age_policy p = policy_on("RU");
	struct privd_date b13 = born_years_ago(13);

	(void)state;
	p.eu_per_country = true;
	p.table = table;
	p.ntable = sizeof(table) / sizeof(table[0]);
	for (size_t i = 0; i < p.ntable; i++) {
		struct privd_date at = born_years_ago(table[i].age), under = born_day_short_of(table[i].age);

		assert_true(privd_country_is_eea(table[i].country));
		assert_int_equal(privd_age_decide(&p, &at, table[i].country, &today), PRIVD_AGE_ALLOW);
		assert_int_equal(privd_age_decide(&p, &under, table[i].country, &today), PRIVD_AGE_PENDING_GUARDIAN);
	}
	assert_int_equal(privd_age_decide(&p, &b13, "SE", &today), PRIVD_AGE_ALLOW);
	assert_int_equal(privd_age_decide(&p, &b13, "ES", &today), PRIVD_AGE_PENDING_GUARDIAN);
	/* IS and LI are not in the table (unverified): they get the default 16. */
	assert_int_equal(privd_age_eu_limit(&p, "IS"), 16);
	assert_int_equal(privd_age_eu_limit(&p, "LI"), 16);
}

static void test_eu_off(void **state)
{
	struct privd_age_policy p = policy_on("RU");
	struct privd_date b = born_years_ago(14);

	(void)state;
	p.eu_default_age = 0;
	assert_int_equal(privd_age_decide(&p, &b, "DE", &today), PRIVD_AGE_ALLOW);
	assert_int_equal(privd_age_eu_limit(&p, "DE"), 0);
}

static void test_leap_day_child(void **state)
{
	struct privd_age_policy p = policy_on("US");
	struct privd_date b = {2012, 2, 29};
	struct privd_date feb28 = {2025, 2, 28}, mar1 = {2025, 3, 1};

	(void)state;
	/* 13 on 1 March 2025, not on 28 February. */
	assert_int_equal(privd_age_decide(&p, &b, "US", &feb28), PRIVD_AGE_REFUSE);
	assert_int_equal(privd_age_decide(&p, &b, "US", &mar1), PRIVD_AGE_ALLOW);
}

static void assert_date(const struct privd_date *d, int y, int m, int day)
{
	assert_int_equal(d->year, y);
	assert_int_equal(d->month, m);
	assert_int_equal(d->day, day);
}

/* "Today" for the age rules is the date in UTC-12: it turns at 12:00 UTC (15:00 in Moscow). */
static void test_age_today_is_utc_minus_12(void **state)
{
	struct privd_date d;

	(void)state;
	privd_age_today(1749988799999LL, &d); /* 2025-06-15T11:59:59.999Z: 14:59 in Moscow */
	assert_date(&d, 2025, 6, 14);
	privd_age_today(1749988800000LL, &d); /* 2025-06-15T12:00:00.000Z */
	assert_date(&d, 2025, 6, 15);
	privd_age_today(1750023000000LL, &d); /* 2025-06-15T21:30Z: already 16 June in Moscow */
	assert_date(&d, 2025, 6, 15);
	privd_age_today(1767265200000LL, &d); /* 2026-01-01T11:00Z: the new year has not begun in UTC-12 */
	assert_date(&d, 2025, 12, 31);
	privd_age_today(1709294399000LL, &d); /* 2024-03-01T11:59:59Z: still the leap day */
	assert_date(&d, 2024, 2, 29);
	privd_age_today(18000000LL, &d); /* 1970-01-01T05:00Z */
	assert_date(&d, 1969, 12, 31);
}

/* A birthday that has begun in Moscow but not in UTC-12 does not count yet: on a US server a person turning 13
 * is still refused, and an EU resident turning 16 still waits for a guardian. */
static void test_birthday_begun_in_moscow_not_everywhere(void **state)
{
	const struct privd_date moscow = {2025, 6, 16}; /* the date in Moscow at 2025-06-15T21:30Z */
	const struct privd_date born13 = {2012, 6, 16}, born16 = {2009, 6, 16};
	struct privd_age_policy us = policy_on("US"), ru = policy_on("RU");
	struct privd_date d;

	(void)state;
	privd_age_today(1750023000000LL, &d);
	assert_int_equal(privd_age_decide(&us, &born13, "US", &moscow), PRIVD_AGE_ALLOW); /* in Moscow: 13 */
	assert_int_equal(privd_age_decide(&us, &born13, "US", &d), PRIVD_AGE_REFUSE);
	assert_int_equal(privd_age_decide(&ru, &born16, "DE", &moscow), PRIVD_AGE_ALLOW);
	assert_int_equal(privd_age_decide(&ru, &born16, "DE", &d), PRIVD_AGE_PENDING_GUARDIAN);
	privd_age_today(1750075200000LL, &d); /* 2025-06-16T12:00Z: the birthday has begun everywhere */
	assert_int_equal(privd_age_decide(&us, &born13, "US", &d), PRIVD_AGE_ALLOW);
	assert_int_equal(privd_age_decide(&ru, &born16, "DE", &d), PRIVD_AGE_ALLOW);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_default_policy),
	    cmocka_unit_test(test_coppa_us_server),
	    cmocka_unit_test(test_coppa_not_us),
	    cmocka_unit_test(test_coppa_off),
	    cmocka_unit_test(test_eu_default_16),
	    cmocka_unit_test(test_eu_per_country),
	    cmocka_unit_test(test_eu_shipped_table),
	    cmocka_unit_test(test_eu_off),
	    cmocka_unit_test(test_leap_day_child),
	    cmocka_unit_test(test_age_today_is_utc_minus_12),
	    cmocka_unit_test(test_birthday_begun_in_moscow_not_everywhere),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
