/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_guardian.c - the check of a guardian's consent for a minor (GDPR Art. 8, COPPA).
 *
 * What a guardian_consent request's details must hold, each fault named by the field the API answers with: the
 * guardian, their name, relation and a way to reach them, and the purposes chosen, of which processing must be
 * one. And what a valid consent makes effective: the purposes the guardian chose and no other.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/guardian.h"

static struct privd_guardian_input valid(void)
{
	struct privd_guardian_input in = {
	    .has_guardian = true,
	    .name = "  Мария Иванова ",
	    .relation = "mother",
	    .email = "Maria@Example.ORG",
	    .has_consents = true,
	    .processing = 1,
	    .third_party_transfer = -1,
	    .cookies = {false, true, false},
	};

	return in;
}

static const char *reason_for(const struct privd_err *err, const char *field)
{
	for (size_t i = 0; i < err->nfields; i++)
		if (strcmp(err->fields[i].field, field) == 0)
			return err->fields[i].reason;
	return NULL;
}

static enum privd_rc check(const struct privd_guardian_input *in, struct privd_guardian *g, struct privd_err *err)
{
	memset(err, 0, sizeof(*err));
	return privd_guardian_check(in, g, err);
}

/* The guardian's choices become the purposes granted, normalised as at registration. */
static void test_valid(void **state)
{
	struct privd_guardian_input in = valid();
	struct privd_guardian g;
	struct privd_err err;

	(void)state;
	assert_int_equal(check(&in, &g, &err), PRIVD_OK);
	assert_string_equal(g.name, "Мария Иванова");
	assert_string_equal(g.relation, "mother");
	assert_string_equal(g.email, "Maria@example.org");
	assert_string_equal(g.phone, "");
	assert_true(g.granted[PRIVD_PURPOSE_PROCESSING]);
	assert_false(g.granted[PRIVD_PURPOSE_THIRD_PARTY_TRANSFER]);
	assert_false(g.granted[PRIVD_PURPOSE_COOKIES_PREFERENCES]);
	assert_true(g.granted[PRIVD_PURPOSE_COOKIES_ANALYTICS]);
	assert_false(g.granted[PRIVD_PURPOSE_COOKIES_MARKETING]);
	in.email = NULL;
	in.phone = "+7 (916) 123-45-67";
	in.third_party_transfer = 1;
	assert_int_equal(check(&in, &g, &err), PRIVD_OK);
	assert_string_equal(g.phone, "+79161234567");
	assert_string_equal(g.email, "");
	assert_true(g.granted[PRIVD_PURPOSE_THIRD_PARTY_TRANSFER]);
}

static void test_missing_everything(void **state)
{
	struct privd_guardian_input in;
	struct privd_guardian g;
	struct privd_err err;

	(void)state;
	memset(&in, 0, sizeof(in));
	assert_int_equal(check(&in, &g, &err), PRIVD_ERR_INVALID);
	assert_non_null(reason_for(&err, "details.guardian"));
	assert_non_null(reason_for(&err, "details.consents"));
	assert_string_equal(err.msg, "the guardian's consent is invalid");
}

/* Every field of the guardian at fault is named at once. */
static void test_guardian_fields(void **state)
{
	struct privd_guardian_input in = valid();
	struct privd_guardian g;
	struct privd_err err;

	(void)state;
	in.name = NULL;
	in.relation = NULL;
	in.email = NULL;
	assert_int_equal(check(&in, &g, &err), PRIVD_ERR_INVALID);
	assert_string_equal(reason_for(&err, "details.guardian.name"), "is required");
	assert_string_equal(reason_for(&err, "details.guardian.relation"), "is required");
	assert_non_null(reason_for(&err, "details.guardian.email"));
	assert_non_null(reason_for(&err, "details.guardian.phone"));
	in = valid();
	in.name = "   ";
	in.email = "not-an-address";
	in.phone = "12345";
	in.relation = "a relation far too long to be one: more than sixty-four bytes of text";
	assert_int_equal(check(&in, &g, &err), PRIVD_ERR_INVALID);
	assert_string_equal(reason_for(&err, "details.guardian.name"), "is empty");
	assert_string_equal(reason_for(&err, "details.guardian.relation"), "is longer than 64 bytes");
	assert_non_null(reason_for(&err, "details.guardian.email"));
	assert_non_null(reason_for(&err, "details.guardian.phone"));
	in = valid();
	in.relation = "mo\x01ther";
	assert_int_equal(check(&in, &g, &err), PRIVD_ERR_INVALID);
	assert_string_equal(reason_for(&err, "details.guardian.relation"), "has a control character");
	assert_int_equal(err.nfields, 1);
}

/* A guardian's consent is consent to processing; the other purposes are their choice. */
static void test_processing_required(void **state)
{
	struct privd_guardian_input in = valid();
	struct privd_guardian g;
	struct privd_err err;

	(void)state;
	in.processing = 0;
	assert_int_equal(check(&in, &g, &err), PRIVD_ERR_INVALID);
	assert_string_equal(reason_for(&err, "details.consents.processing"),
	                    "must be true: a guardian's consent is consent to processing");
	assert_int_equal(err.nfields, 1);
	in.processing = -1;
	assert_int_equal(check(&in, &g, &err), PRIVD_ERR_INVALID);
	assert_non_null(reason_for(&err, "details.consents.processing"));
}

/* No error names a value: what was submitted is PII. */
static void test_no_value_in_errors(void **state)
{
	struct privd_guardian_input in = valid();
	struct privd_guardian g;
	struct privd_err err;

	(void)state;
	in.email = "secret-person@@example.org";
	in.name = "";
	assert_int_equal(check(&in, &g, &err), PRIVD_ERR_INVALID);
	for (size_t i = 0; i < err.nfields; i++)
		assert_null(strstr(err.fields[i].reason, "secret-person"));
	assert_null(strstr(err.msg, "secret-person"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_valid),
	    cmocka_unit_test(test_missing_everything),
	    cmocka_unit_test(test_guardian_fields),
	    cmocka_unit_test(test_processing_required),
	    cmocka_unit_test(test_no_value_in_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
