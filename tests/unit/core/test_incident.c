/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_incident.c - an incident's stored names (scope, report kinds) and the regulator's clocks: due 24 and 72
 * hours after detection, met only when reported by then.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/incident.h"

#define H (3600LL * 1000)

static void test_names_round_trip(void **state)
{
	static const char *const scopes[] = {"all", "subject_ids", "registered"};
	static const char *const kinds[] = {"initial", "followup"};
	enum privd_incident_scope s;
	enum privd_report_kind k;

	(void)state;
	for (int i = 0; i < PRIVD_SCOPE_COUNT; i++) {
		assert_string_equal(privd_incident_scope_name((enum privd_incident_scope)i), scopes[i]);
		assert_int_equal(privd_incident_scope_parse(scopes[i], &s), PRIVD_OK);
		assert_int_equal(s, i);
	}
	for (int i = 0; i < PRIVD_REPORT_KIND_COUNT; i++) {
		assert_string_equal(privd_report_kind_name((enum privd_report_kind)i), kinds[i]);
		assert_int_equal(privd_report_kind_parse(kinds[i], &k), PRIVD_OK);
		assert_int_equal(k, i);
	}
	k = PRIVD_REPORT_FOLLOWUP;
	assert_int_equal(privd_report_kind_parse("Initial", &k), PRIVD_ERR_INVALID);
	assert_int_equal(privd_report_kind_parse(NULL, &k), PRIVD_ERR_INVALID);
	assert_int_equal(k, PRIVD_REPORT_FOLLOWUP);
	assert_int_equal(privd_incident_scope_parse("", NULL), PRIVD_ERR_INVALID);
	assert_string_equal(privd_report_kind_name(PRIVD_REPORT_KIND_COUNT), "unknown");
}

static void test_deadlines(void **state)
{
	int64_t detected = 1764156408123LL;
	int64_t first = privd_incident_due(detected, PRIVD_REPORT_INITIAL);
	int64_t second = privd_incident_due(detected, PRIVD_REPORT_FOLLOWUP);

	(void)state;
	assert_int_equal(first - detected, 24 * H);
	assert_int_equal(second - detected, 72 * H);
	/* not reported: pending until due, missed after */
	assert_int_equal(privd_incident_deadline(first, 0, detected + H), PRIVD_DEADLINE_PENDING);
	assert_int_equal(privd_incident_deadline(first, 0, first), PRIVD_DEADLINE_PENDING);
	assert_int_equal(privd_incident_deadline(first, 0, first + 1), PRIVD_DEADLINE_MISSED);
	/* reported: met at the due millisecond, missed one after, whatever the time now */
	assert_int_equal(privd_incident_deadline(first, first, second * 2), PRIVD_DEADLINE_MET);
	assert_int_equal(privd_incident_deadline(first, first + 1, first + 2), PRIVD_DEADLINE_MISSED);
	assert_int_equal(privd_incident_deadline(second, detected + 30 * H, detected + 30 * H), PRIVD_DEADLINE_MET);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_names_round_trip),
	    cmocka_unit_test(test_deadlines),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
