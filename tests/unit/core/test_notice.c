/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_notice.c - a notice's kind and status by name, both ways.
 *
 * The names are what the outbox table has always held and what the API and an export show, so the test spells
 * each one out: a rename would fail here before it failed an existing database.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/notice.h"

static void test_kind_names(void **state)
{
	static const char *const names[PRIVD_NOTICE_KIND_COUNT] = {
	    "request.received", "request.rejected", "request.extended",       "request.completed",
	    "policy.published", "request.answered", "consent_text.published", "incident"};
	enum privd_notice_kind k;

	(void)state;
	for (int i = 0; i < PRIVD_NOTICE_KIND_COUNT; i++) {
		k = PRIVD_NOTICE_KIND_COUNT;
		assert_string_equal(privd_notice_kind_name((enum privd_notice_kind)i), names[i]);
		assert_int_equal(privd_notice_kind_parse(names[i], &k), PRIVD_OK);
		assert_int_equal(k, i);
	}
	assert_string_equal(privd_notice_kind_name(PRIVD_NOTICE_KIND_COUNT), "unknown");
	assert_string_equal(privd_notice_kind_name((enum privd_notice_kind) - 1), "unknown");
	assert_int_equal(privd_notice_kind_parse("request.received", NULL), PRIVD_OK);
}

static void test_kind_parse_refuses(void **state)
{
	static const char *const bad[] = {"",         "received", "Request.received", "request.received ",
	                                  "request.", "unknown"};
	enum privd_notice_kind k = PRIVD_NOTICE_REQUEST_EXTENDED;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(privd_notice_kind_parse(bad[i], &k), PRIVD_ERR_INVALID);
	assert_int_equal(privd_notice_kind_parse(NULL, &k), PRIVD_ERR_INVALID);
	assert_int_equal(k, PRIVD_NOTICE_REQUEST_EXTENDED); /* untouched */
}

static void test_status_names(void **state)
{
	static const char *const names[PRIVD_NOTICE_STATUS_COUNT] = {"queued", "sent", "failed", "cancelled"};
	enum privd_notice_status s;

	(void)state;
	for (int i = 0; i < PRIVD_NOTICE_STATUS_COUNT; i++) {
		s = PRIVD_NOTICE_STATUS_COUNT;
		assert_string_equal(privd_notice_status_name((enum privd_notice_status)i), names[i]);
		assert_int_equal(privd_notice_status_parse(names[i], &s), PRIVD_OK);
		assert_int_equal(s, i);
	}
	assert_string_equal(privd_notice_status_name(PRIVD_NOTICE_STATUS_COUNT), "unknown");
	assert_string_equal(privd_notice_status_name((enum privd_notice_status) - 1), "unknown");
	assert_int_equal(privd_notice_status_parse("sent", NULL), PRIVD_OK);
}

static void test_status_parse_refuses(void **state)
{
	static const char *const bad[] = {"", "Queued", "canceled", "queued\n", "delivered", "unknown"};
	enum privd_notice_status s = PRIVD_NOTICE_FAILED;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(privd_notice_status_parse(bad[i], &s), PRIVD_ERR_INVALID);
	assert_int_equal(privd_notice_status_parse(NULL, &s), PRIVD_ERR_INVALID);
	assert_int_equal(s, PRIVD_NOTICE_FAILED); /* untouched */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_kind_names),
	    cmocka_unit_test(test_kind_parse_refuses),
	    cmocka_unit_test(test_status_names),
	    cmocka_unit_test(test_status_parse_refuses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
