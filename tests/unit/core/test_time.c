/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_time.c - the one time formatter: the text every API answer, export and notice carries, and its parser for
 * the times callers send. Expected values were computed independently (date -u -d @SECONDS).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/time.h"

static void expect(int64_t ms, const char *want)
{
	char buf[PRIVD_TIME_LEN];

	memset(buf, 'x', sizeof(buf));
	privd_time_format(ms, buf);
	assert_string_equal(buf, want);
	assert_int_equal(strlen(buf), PRIVD_TIME_LEN - 1);
}

static void test_epoch_and_now(void **state)
{
	(void)state;
	expect(0, "1970-01-01T00:00:00.000Z");
	expect(1764156408123LL, "2025-11-26T11:26:48.123Z");
	expect(1798761599999LL, "2026-12-31T23:59:59.999Z");
}

static void test_leap_days(void **state)
{
	(void)state;
	expect(951782400000LL, "2000-02-29T00:00:00.000Z");
	expect(4107542400000LL, "2100-03-01T00:00:00.000Z"); /* 2100 is not a leap year */
}

static void test_before_1970(void **state)
{
	(void)state;
	expect(-1, "1969-12-31T23:59:59.999Z");
	expect(-1000, "1969-12-31T23:59:59.000Z");
	expect(-86400001LL, "1969-12-30T23:59:59.999Z");
	expect(-2208988800000LL, "1900-01-01T00:00:00.000Z");
}

static void test_clamped(void **state)
{
	(void)state;
	expect(INT64_MIN, "0000-01-01T00:00:00.000Z");
	expect(INT64_MAX, "9999-12-31T23:59:59.999Z");
	expect(253402300800000LL, "9999-12-31T23:59:59.999Z");
}

static int64_t parsed(const char *s)
{
	int64_t ms = 42;

	assert_int_equal(privd_time_parse(s, &ms), PRIVD_OK);
	return ms;
}

static void test_parse(void **state)
{
	int64_t ms = 42;

	(void)state;
	assert_int_equal(parsed("2025-11-26T11:26:48.123Z"), 1764156408123LL);
	assert_int_equal(parsed("2025-11-26T11:26:48Z"), 1764156408000LL);
	assert_int_equal(parsed("2025-11-26t11:26:48.1z"), 1764156408100LL);
	assert_int_equal(parsed("2025-11-26T11:26:48.123456789Z"), 1764156408123LL); /* cut to milliseconds */
	assert_int_equal(parsed("2025-11-26T14:26:48.123+03:00"), 1764156408123LL);  /* Moscow */
	assert_int_equal(parsed("2025-11-26T01:26:48.123-10:00"), 1764156408123LL);
	assert_int_equal(parsed("1969-12-31T23:59:59.999Z"), -1);
	assert_int_equal(parsed("2000-02-29T00:00:00Z"), 951782400000LL);
	/* what privd writes, it reads back */
	for (int64_t t = -86400001LL; t < 4107542400000LL; t += 123456789012LL) {
		char buf[PRIVD_TIME_LEN];

		privd_time_format(t, buf);
		assert_int_equal(parsed(buf), t);
	}
	static const char *const bad[] = {
	    "",
	    "2025-11-26",
	    "2025-11-26 11:26:48Z",
	    "2025-11-26T11:26:48",
	    "2025-11-26T11:26:48.Z",
	    "2025-11-26T11:26:48.1234567890Z",
	    "2025-11-26T24:00:00Z",
	    "2025-11-26T11:60:00Z",
	    "2025-11-26T11:26:60Z",
	    "2025-02-29T11:26:48Z",
	    "2025-11-26T11:26:48+0300",
	    "2025-11-26T11:26:48+24:00",
	    "2025-11-26T11:26:48Z ",
	    "2025-11-26T11:26:48ZZ",
	    "yesterday",
	    "2025-1-26T11:26:48Z",
	    "0001-01-01T00:00:00+00:01",
	    "9999-12-31T23:59:59-00:01",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(privd_time_parse(bad[i], &ms), PRIVD_ERR_INVALID);
		assert_int_equal(ms, 42);
	}
	assert_int_equal(privd_time_parse(NULL, &ms), PRIVD_ERR_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_epoch_and_now), cmocka_unit_test(test_leap_days), cmocka_unit_test(test_before_1970),
	    cmocka_unit_test(test_clamped),       cmocka_unit_test(test_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
