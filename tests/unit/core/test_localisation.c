/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_localisation.c - 152-FZ Art. 18 p.5: a person residing in Russia, on a server elsewhere.
 *
 * The rule applies to exactly one combination (the person in RU, the server known and not in RU), and then does
 * what the operator chose; everything else passes. The mode's names are configuration values.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/localisation.h"

static void test_verdicts(void **state)
{
	(void)state;
	/* a server abroad, a person residing in Russia: what the operator chose */
	assert_int_equal(privd_localisation_check("DE", "RU", PRIVD_LOCALISATION_REFUSE), PRIVD_LOCALISATION_REFUSED);
	assert_int_equal(privd_localisation_check("US", "RU", PRIVD_LOCALISATION_WARN), PRIVD_LOCALISATION_WARNED);
	/* a server in Russia: the rule is met */
	assert_int_equal(privd_localisation_check("RU", "RU", PRIVD_LOCALISATION_REFUSE), PRIVD_LOCALISATION_OK);
	/* a person residing elsewhere: the rule does not apply */
	assert_int_equal(privd_localisation_check("DE", "DE", PRIVD_LOCALISATION_REFUSE), PRIVD_LOCALISATION_OK);
	assert_int_equal(privd_localisation_check("DE", "BY", PRIVD_LOCALISATION_REFUSE), PRIVD_LOCALISATION_OK);
	assert_int_equal(privd_localisation_check("DE", "", PRIVD_LOCALISATION_REFUSE), PRIVD_LOCALISATION_OK);
	assert_int_equal(privd_localisation_check("DE", NULL, PRIVD_LOCALISATION_REFUSE), PRIVD_LOCALISATION_OK);
	/* a server whose country is not configured is not taken to be abroad */
	assert_int_equal(privd_localisation_check("", "RU", PRIVD_LOCALISATION_REFUSE), PRIVD_LOCALISATION_OK);
	assert_int_equal(privd_localisation_check(NULL, "RU", PRIVD_LOCALISATION_REFUSE), PRIVD_LOCALISATION_OK);
	/* codes are compared exactly (validation upper-cases them before) */
	assert_int_equal(privd_localisation_check("DE", "ru", PRIVD_LOCALISATION_REFUSE), PRIVD_LOCALISATION_OK);
}

static void test_mode_names(void **state)
{
	enum privd_localisation_mode m = PRIVD_LOCALISATION_REFUSE;

	(void)state;
	assert_string_equal(privd_localisation_mode_name(PRIVD_LOCALISATION_WARN), "warn");
	assert_string_equal(privd_localisation_mode_name(PRIVD_LOCALISATION_REFUSE), "refuse");
	assert_string_equal(privd_localisation_mode_name(PRIVD_LOCALISATION_MODE_COUNT), "unknown");
	assert_int_equal(privd_localisation_mode_parse("warn", &m), PRIVD_OK);
	assert_int_equal(m, PRIVD_LOCALISATION_WARN);
	assert_int_equal(privd_localisation_mode_parse("refuse", &m), PRIVD_OK);
	assert_int_equal(m, PRIVD_LOCALISATION_REFUSE);
	assert_int_equal(privd_localisation_mode_parse("Refuse", &m), PRIVD_ERR_INVALID);
	assert_int_equal(privd_localisation_mode_parse("", &m), PRIVD_ERR_INVALID);
	assert_int_equal(privd_localisation_mode_parse(NULL, &m), PRIVD_ERR_INVALID);
	assert_int_equal(m, PRIVD_LOCALISATION_REFUSE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_verdicts),
	    cmocka_unit_test(test_mode_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
