/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_worker.c - the wait before an outbound queue tries an item again (the outbox's notices and the transfers'
 * deliveries share it): retry_seconds doubled per attempt made, capped at 6 hours, drawn within +-50% so that what
 * failed together does not retry together.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "service/service_int.h"

#define CAP_MS (6LL * 3600 * 1000)

static void test_doubling(void **state)
{
	(void)state;
	/* the middle of the range (draw 500) is the nominal wait */
	assert_int_equal(privd_worker_backoff_ms(60, 1, 500), 60000);
	assert_int_equal(privd_worker_backoff_ms(60, 2, 500), 120000);
	assert_int_equal(privd_worker_backoff_ms(60, 3, 500), 240000);
	assert_int_equal(privd_worker_backoff_ms(1, 1, 500), 1000);
	assert_int_equal(privd_worker_backoff_ms(1, 0, 500), 1000); /* no attempt made counts as the first */
}

static void test_jitter(void **state)
{
	(void)state;
	assert_int_equal(privd_worker_backoff_ms(60, 1, 0), 30000);    /* half */
	assert_int_equal(privd_worker_backoff_ms(60, 1, 999), 89940);  /* just under one and a half */
	assert_int_equal(privd_worker_backoff_ms(60, 1, 1500), 60000); /* only the last three digits count */
	for (uint32_t d = 0; d < 3000; d += 7) {
		int64_t ms = privd_worker_backoff_ms(10, 4, d);

		assert_true(ms >= 40000 && ms < 120000);
	}
}

static void test_cap(void **state)
{
	(void)state;
	assert_int_equal(privd_worker_backoff_ms(60, 100, 500), CAP_MS);
	assert_int_equal(privd_worker_backoff_ms(86400, 1, 500), CAP_MS);
	assert_true(privd_worker_backoff_ms(86400, 50, 999) < CAP_MS * 3 / 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_doubling),
	    cmocka_unit_test(test_jitter),
	    cmocka_unit_test(test_cap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
