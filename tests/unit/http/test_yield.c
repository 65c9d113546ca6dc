/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_yield.c - when a worker lets the others on its core go first (privd_http_yield_due, [server] yield_us): at
 * most once a period, at the first request finished after it, never when the period is 0, and the period counted
 * from the last yield, not from the last request.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "http/http_int.h"

#define US 1000u

static void test_once_a_period(void **state)
{
	uint64_t last = 0, t;
	unsigned yields = 0;

	(void)state;
	/* a request finished every 10 us for 10 ms, a period of 500 us: 20 yields, each 500 us after the one before */
	assert_true(privd_http_yield_due(1000 * US, &last, 500 * US));
	assert_int_equal(last, 1000 * US);
	for (t = 1000 * US + 10 * US; t <= 11000 * US; t += 10 * US) {
		uint64_t before = last;

		if (privd_http_yield_due(t, &last, 500 * US)) {
			yields++;
			assert_int_equal(t - before, 500 * US);
			assert_int_equal(last, t);
		} else {
			assert_int_equal(last, before);
		}
	}
	assert_int_equal(yields, 20);
}

static void test_first_request_after_the_period(void **state)
{
	uint64_t last = 5000 * US;

	(void)state;
	assert_false(privd_http_yield_due(5499 * US, &last, 500 * US));
	assert_int_equal(last, 5000 * US);
	/* the worker slept meanwhile: the first request after the period yields, once */
	assert_true(privd_http_yield_due(9000 * US, &last, 500 * US));
	assert_false(privd_http_yield_due(9001 * US, &last, 500 * US));
	assert_int_equal(last, 9000 * US);
}

static void test_zero_never(void **state)
{
	uint64_t last = 0, t;

	(void)state;
	for (t = 0; t < 100000 * US; t += 997 * US)
		assert_false(privd_http_yield_due(t, &last, 0));
	assert_int_equal(last, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_once_a_period),
	    cmocka_unit_test(test_first_request_after_the_period),
	    cmocka_unit_test(test_zero_never),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
