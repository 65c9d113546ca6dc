/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_transfer.c - the rules of transfers to third parties: the stored names (legal bases, fields, outcomes,
 * refusals), the verdict on each person under each basis, the recipient's endpoint, and the first day a transfer
 * abroad may go (152-FZ Art. 12: 10 working days of review for a country without adequate protection).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/transfer.h"

static void test_names(void **state)
{
	static const char *const bases[] = {"consent", "court_decision", "law", "protection_of_rights"};
	static const char *const fields[] = {"name", "email", "phone", "ip", "birth_date", "residence_country"};
	static const char *const outcomes[] = {"queued", "delivered", "refused", "failed"};
	static const char *const refusals[] = {
	    "", "not_found", "erased", "revoked", "pending_guardian", "no_consent", "reconsent_required"};
	enum privd_legal_basis b;
	enum privd_transfer_field f;
	enum privd_disclosure_outcome o;
	enum privd_refusal r;

	(void)state;
	for (int i = 0; i < PRIVD_BASIS_COUNT; i++) {
		assert_string_equal(privd_legal_basis_name((enum privd_legal_basis)i), bases[i]);
		assert_int_equal(privd_legal_basis_parse(bases[i], &b), PRIVD_OK);
		assert_int_equal(b, i);
		assert_int_equal(privd_legal_basis_needs_reference(b), i != PRIVD_BASIS_CONSENT);
	}
	for (int i = 0; i < PRIVD_TFIELD_COUNT; i++) {
		assert_string_equal(privd_transfer_field_name((enum privd_transfer_field)i), fields[i]);
		assert_int_equal(privd_transfer_field_parse(fields[i], &f), PRIVD_OK);
		assert_int_equal(f, i);
	}
	for (int i = 0; i < PRIVD_DISCLOSURE_OUTCOME_COUNT; i++) {
		assert_string_equal(privd_disclosure_outcome_name((enum privd_disclosure_outcome)i), outcomes[i]);
		assert_int_equal(privd_disclosure_outcome_parse(outcomes[i], &o), PRIVD_OK);
		assert_int_equal(o, i);
	}
	for (int i = 0; i < PRIVD_REFUSAL_COUNT; i++) {
		assert_string_equal(privd_refusal_name((enum privd_refusal)i), refusals[i]);
		assert_int_equal(privd_refusal_parse(refusals[i], &r), PRIVD_OK);
		assert_int_equal(r, i);
	}
	assert_int_equal(privd_legal_basis_parse("Consent", &b), PRIVD_ERR_INVALID);
	assert_int_equal(privd_legal_basis_parse(NULL, &b), PRIVD_ERR_INVALID);
	assert_int_equal(privd_transfer_field_parse("passport", &f), PRIVD_ERR_INVALID);
	assert_string_equal(privd_legal_basis_name(PRIVD_BASIS_COUNT), "unknown");
}

static void test_fields_text(void **state)
{
	char text[PRIVD_TFIELDS_TEXT_MAX];
	unsigned mask = 0;

	(void)state;
	privd_transfer_fields_format(PRIVD_TFIELDS_ALL, text, sizeof(text));
	assert_string_equal(text, "name,email,phone,ip,birth_date,residence_country");
	assert_int_equal(privd_transfer_fields_parse(text, &mask), PRIVD_OK);
	assert_int_equal(mask, PRIVD_TFIELDS_ALL);
	privd_transfer_fields_format(0, text, sizeof(text));
	assert_string_equal(text, "");
	assert_int_equal(privd_transfer_fields_parse("", &mask), PRIVD_OK);
	assert_int_equal(mask, 0);
	assert_int_equal(privd_transfer_fields_parse("email,name", &mask), PRIVD_OK);
	assert_int_equal(mask, (1u << PRIVD_TFIELD_NAME) | (1u << PRIVD_TFIELD_EMAIL));
	mask = 7;
	assert_int_equal(privd_transfer_fields_parse("email,", &mask), PRIVD_ERR_INVALID);
	assert_int_equal(privd_transfer_fields_parse(",email", &mask), PRIVD_ERR_INVALID);
	assert_int_equal(privd_transfer_fields_parse("email,,name", &mask), PRIVD_ERR_INVALID);
	assert_int_equal(privd_transfer_fields_parse("email,inn", &mask), PRIVD_ERR_INVALID);
	assert_int_equal(mask, 7);
}

static void test_verdict(void **state)
{
	struct privd_consent_answer yes = {.granted = true}, stale = {.granted = true, .reconsent_required = true};
	struct privd_consent_answer no = {.granted = false};

	(void)state;
	/* consent: granted, current, and a living adult or a minor with a guardian's consent */
	assert_int_equal(privd_transfer_verdict(PRIVD_BASIS_CONSENT, true, PRIVD_SUBJECT_ACTIVE, &yes),
	                 PRIVD_REFUSAL_NONE);
	assert_int_equal(privd_transfer_verdict(PRIVD_BASIS_CONSENT, true, PRIVD_SUBJECT_ACTIVE, &no),
	                 PRIVD_REFUSAL_NO_CONSENT);
	assert_int_equal(privd_transfer_verdict(PRIVD_BASIS_CONSENT, true, PRIVD_SUBJECT_ACTIVE, NULL),
	                 PRIVD_REFUSAL_NO_CONSENT);
	assert_int_equal(privd_transfer_verdict(PRIVD_BASIS_CONSENT, true, PRIVD_SUBJECT_ACTIVE, &stale),
	                 PRIVD_REFUSAL_RECONSENT_REQUIRED);
	assert_int_equal(privd_transfer_verdict(PRIVD_BASIS_CONSENT, true, PRIVD_SUBJECT_REVOKED, &yes),
	                 PRIVD_REFUSAL_REVOKED);
	assert_int_equal(privd_transfer_verdict(PRIVD_BASIS_CONSENT, true, PRIVD_SUBJECT_PENDING_GUARDIAN, &yes),
	                 PRIVD_REFUSAL_PENDING_GUARDIAN);
	assert_int_equal(privd_transfer_verdict(PRIVD_BASIS_CONSENT, true, PRIVD_SUBJECT_ERASED, &yes),
	                 PRIVD_REFUSAL_ERASED);
	assert_int_equal(privd_transfer_verdict(PRIVD_BASIS_CONSENT, false, PRIVD_SUBJECT_ACTIVE, &yes),
	                 PRIVD_REFUSAL_NOT_FOUND);
	/* the other bases need no consent, only data that still exists */
	for (int b = PRIVD_BASIS_COURT_DECISION; b < PRIVD_BASIS_COUNT; b++) {
		assert_int_equal(privd_transfer_verdict((enum privd_legal_basis)b, true, PRIVD_SUBJECT_ACTIVE, &no),
		                 PRIVD_REFUSAL_NONE);
		assert_int_equal(privd_transfer_verdict((enum privd_legal_basis)b, true, PRIVD_SUBJECT_REVOKED, NULL),
		                 PRIVD_REFUSAL_NONE);
		assert_int_equal(
		    privd_transfer_verdict((enum privd_legal_basis)b, true, PRIVD_SUBJECT_PENDING_GUARDIAN, NULL),
		    PRIVD_REFUSAL_NONE);
		assert_int_equal(privd_transfer_verdict((enum privd_legal_basis)b, true, PRIVD_SUBJECT_ERASED, NULL),
		                 PRIVD_REFUSAL_ERASED);
		assert_int_equal(privd_transfer_verdict((enum privd_legal_basis)b, false, PRIVD_SUBJECT_ACTIVE, NULL),
		                 PRIVD_REFUSAL_NOT_FOUND);
	}
}

static void test_endpoint(void **state)
{
	static const char *const ok[] = {
	    "https://partner.example/privd/in",
	    "https://partner.example:8443/in?x=1",
	    "https://[2001:db8::1]:443/in",
	    "http://127.0.0.1:9000/in",
	    "http://127.1.2.3/",
	    "http://localhost:8080/in",
	    "http://[::1]:9000/in",
	};
	static const char *const bad[] = {
	    "",
	    "ftp://partner.example/",
	    "partner.example/in",
	    "http://partner.example/in",      /* plain HTTP off the machine */
	    "http://10.0.0.1/in",             /* a private address is not the loopback */
	    "http://127.0.0.1.evil.example/", /* a name that starts like the loopback */
	    "http://localhost.evil.example/",
	    "https://user:pass@partner.example/",
	    "https://partner.example/a b",
	    "https:///in",
	    "https://[::1/in",
	    "http://127.0.0.1\\@evil.example/",
	    "https://партнёр.рф/",
	};
	const char *why = NULL;
	char longer[PRIVD_ENDPOINT_MAX + 8];

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		assert_int_equal(privd_recipient_endpoint_check(ok[i], &why), PRIVD_OK);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		assert_int_equal(privd_recipient_endpoint_check(bad[i], &why), PRIVD_ERR_INVALID);
		assert_non_null(why);
	}
	assert_int_equal(privd_recipient_endpoint_check(NULL, &why), PRIVD_ERR_INVALID);
	memset(longer, 'a', sizeof(longer) - 1);
	memcpy(longer, "https://", 8);
	longer[sizeof(longer) - 1] = '\0';
	assert_int_equal(privd_recipient_endpoint_check(longer, &why), PRIVD_ERR_INVALID);
}

static void test_text(void **state)
{
	const char *why = NULL;

	(void)state;
	assert_int_equal(privd_transfer_text_check("NDA-2026/17 от 01.02.2026", 256, &why), PRIVD_OK);
	assert_int_equal(privd_transfer_text_check("", 256, &why), PRIVD_ERR_INVALID);
	assert_int_equal(privd_transfer_text_check("   ", 256, &why), PRIVD_ERR_INVALID);
	assert_int_equal(privd_transfer_text_check("a\nb", 256, &why), PRIVD_ERR_INVALID);
	assert_int_equal(privd_transfer_text_check("\xff", 256, &why), PRIVD_ERR_INVALID);
	assert_int_equal(privd_transfer_text_check("abcdef", 5, &why), PRIVD_ERR_INVALID);
	assert_int_equal(privd_transfer_text_check(NULL, 5, &why), PRIVD_ERR_INVALID);
}

static void test_cross_border(void **state)
{
	struct privd_calendar *c = privd_calendar_new();
	struct privd_date filed = {2025, 4, 28}, out, d;
	bool estimated = true;

	(void)state;
	assert_non_null(c);
	assert_false(privd_recipient_cross_border("RU"));
	assert_true(privd_recipient_cross_border("KZ"));
	assert_true(privd_recipient_cross_border("DE"));
	/* 2025: May 1, 2, 8 and 9 are days off (Decree No. 1335 of 04.10.2024) */
	assert_int_equal(privd_calendar_add_year(c, 2025), PRIVD_OK);
	for (int day = 1; day <= 9; day++) {
		if (day == 1 || day == 2 || day == 8 || day == 9) {
			d = (struct privd_date){2025, 5, day};
			assert_int_equal(privd_calendar_add_holiday(c, &d), PRIVD_OK);
		}
	}
	/* adequate: from the filing day */
	privd_cross_border_not_before(c, &filed, true, &out, &estimated);
	assert_memory_equal(&out, &filed, sizeof(out));
	assert_false(estimated);
	/* not adequate: filed Mon 28.04.2025; working days after: 29, 30 Apr, 5, 6, 7, 12, 13, 14, 15, 16 May; the
	 * review's 10th working day is Fri 16.05, so the first day is Sat 17.05 */
	privd_cross_border_not_before(c, &filed, false, &out, &estimated);
	assert_int_equal(out.year, 2025);
	assert_int_equal(out.month, 5);
	assert_int_equal(out.day, 17);
	assert_false(estimated);
	/* a year the calendar does not know: weekdays only, and said to be an estimate */
	filed = (struct privd_date){2031, 12, 26};
	privd_cross_border_not_before(c, &filed, false, &out, &estimated);
	assert_true(estimated);
	assert_int_equal(out.year, 2032);
	assert_int_equal(out.month, 1);
	assert_int_equal(out.day, 10); /* Fri 09.01.2032 is the 10th weekday after Fri 26.12.2031 */
	privd_calendar_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_names),    cmocka_unit_test(test_fields_text), cmocka_unit_test(test_verdict),
	    cmocka_unit_test(test_endpoint), cmocka_unit_test(test_text),        cmocka_unit_test(test_cross_border),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
