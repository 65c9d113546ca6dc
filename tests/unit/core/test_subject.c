/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_subject.c - the registration and correction rules of a subject's profile.
 *
 * One test per rule, each with the exact field names and messages the API answers with (clients read them):
 * every required field, an e-mail or a phone, the policy version (none published, not given, not the current
 * one), consent to processing, the consent text each grant names (152-FZ Art. 9 as amended by 156-FZ: missing,
 * unpublished in the language, not the current one), the age rules' decision (COPPA refusal, an EU minor held for a
 * guardian), and a correction that would bring in someone the age rules keep out, next to a guardian-activated minor
 * who must stay correctable. Today is fixed so that ages do not drift.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/subject.h"

static const struct privd_date today = {2025, 6, 15};

static struct privd_age_policy policy_on(const char *server)
{
	struct privd_age_policy p;

	privd_age_policy_default(&p);
	snprintf(p.server_country, sizeof(p.server_country), "%s", server);
	return p;
}

/* The consent texts published: processing "t2" in Russian and "t1" in English, third_party_transfer "t1" in
 * Russian only. */
static const struct privd_text_versions texts_now = {
    .current = {[PRIVD_PURPOSE_PROCESSING] = {[PRIVD_LANG_RU] = "t2", [PRIVD_LANG_EN] = "t1"},
                [PRIVD_PURPOSE_THIRD_PARTY_TRANSFER] = {[PRIVD_LANG_RU] = "t1"}},
};

/* A registration every rule lets in: an adult in Russia agreeing to the current policy "2025-01" and the current
 * Russian text of consent to processing, "t2". */
static struct privd_registration_input valid_input(void)
{
	struct privd_registration_input in = {
	    .profile = {"  Анна Иванова ", "Anna@Example.ORG", NULL, "192.0.2.1", "1990-05-01", "ru"},
	    .policy_version = "2025-01",
	    .processing = 1,
	    .third_party_transfer = -1,
	    .texts = {[PRIVD_PURPOSE_PROCESSING] = "t2"},
	};

	return in;
}

/* The reason err gives for field, or NULL when it names no such field. */
static const char *reason_for(const struct privd_err *err, const char *field)
{
	for (size_t i = 0; i < err->nfields; i++)
		if (strcmp(err->fields[i].field, field) == 0)
			return err->fields[i].reason;
	return NULL;
}

/* Runs a registration on an "RU" server with the current policy "2025-01". */
static enum privd_rc register_ru(const struct privd_registration_input *in, struct privd_registration_outcome *out,
                                 struct privd_err *err)
{
	struct privd_age_policy p = policy_on("RU");

	memset(err, 0, sizeof(*err));
	return privd_registration_check(in, "2025-01", &texts_now, &p, &today, out, err);
}

/* Expects exactly one field at fault, with its reason, and the count message. */
static void assert_one_field(const struct privd_registration_input *in, const char *field, const char *reason)
{
	struct privd_registration_outcome o;
	struct privd_err err;

	assert_int_equal(register_ru(in, &o, &err), PRIVD_ERR_INVALID);
	assert_int_equal(err.nfields, 1);
	assert_string_equal(err.fields[0].field, field);
	assert_string_equal(err.fields[0].reason, reason);
	assert_string_equal(err.msg, "1 field is invalid");
}

static void test_registration_valid(void **state)
{
	struct privd_registration_input in = valid_input();
	struct privd_registration_outcome o;
	struct privd_err err;

	(void)state;
	assert_int_equal(register_ru(&in, &o, &err), PRIVD_OK);
	assert_int_equal(err.nfields, 0);
	assert_int_equal(o.status, PRIVD_SUBJECT_ACTIVE);
	/* normalised as validate.h does it */
	assert_string_equal(o.profile.name, "Анна Иванова");
	assert_string_equal(o.profile.email, "Anna@example.org");
	assert_string_equal(o.profile.phone, "");
	assert_string_equal(o.profile.ip, "192.0.2.1");
	assert_string_equal(o.profile.birth_date, "1990-05-01");
	assert_string_equal(o.profile.residence_country, "RU");
	/* err may be NULL */
	assert_int_equal(
	    privd_registration_check(&in, "2025-01", &texts_now, &(struct privd_age_policy){0}, &today, &o, NULL),
	    PRIVD_OK);
}

static void test_registration_requires_each_field(void **state)
{
	struct privd_registration_input in;

	(void)state;
	in = valid_input();
	in.profile.name = NULL;
	assert_one_field(&in, "name", "is required");
	in = valid_input();
	in.profile.ip = NULL;
	assert_one_field(&in, "ip", "is required");
	in = valid_input();
	in.profile.birth_date = NULL;
	assert_one_field(&in, "birth_date", "is required");
	in = valid_input();
	in.profile.residence_country = NULL;
	assert_one_field(&in, "residence_country", "is required");
}

static void test_registration_email_or_phone(void **state)
{
	struct privd_registration_input in = valid_input();
	struct privd_registration_outcome o;
	struct privd_err err;

	(void)state;
	for (int empty = 0; empty < 2; empty++) {
		in.profile.email = empty ? "" : NULL;
		in.profile.phone = empty ? "" : NULL;
		assert_int_equal(register_ru(&in, &o, &err), PRIVD_ERR_INVALID);
		assert_int_equal(err.nfields, 2);
		assert_string_equal(reason_for(&err, "email"), "an e-mail or a phone number is required");
		assert_string_equal(reason_for(&err, "phone"), "an e-mail or a phone number is required");
		assert_string_equal(err.msg, "2 fields are invalid");
	}
	/* a phone alone will do */
	in.profile.phone = "+7 (916) 123-45-67";
	assert_int_equal(register_ru(&in, &o, &err), PRIVD_OK);
	assert_string_equal(o.profile.phone, "+79161234567");
	assert_string_equal(o.profile.email, "");
}

static void test_registration_invalid_values(void **state)
{
	struct privd_registration_input in = valid_input();
	struct privd_registration_outcome o;
	struct privd_err err;

	(void)state;
	in.profile.email = "not-an-address";
	in.profile.birth_date = "2025-06-16"; /* tomorrow */
	in.profile.residence_country = "XX";
	assert_int_equal(register_ru(&in, &o, &err), PRIVD_ERR_INVALID);
	assert_int_equal(err.nfields, 3);
	assert_non_null(reason_for(&err, "email"));
	assert_string_equal(reason_for(&err, "birth_date"), "must not be in the future");
	assert_non_null(reason_for(&err, "residence_country"));
	assert_string_equal(err.msg, "3 fields are invalid");
	/* born today is not in the future */
	in = valid_input();
	in.profile.birth_date = "2025-06-15";
	in.profile.residence_country = "US";
	assert_int_equal(register_ru(&in, &o, &err), PRIVD_OK);
}

static void test_registration_policy_version(void **state)
{
	struct privd_registration_input in = valid_input();
	struct privd_age_policy p = policy_on("RU");
	struct privd_registration_outcome o;
	struct privd_err err = {0};

	(void)state;
	/* none published */
	assert_int_equal(privd_registration_check(&in, NULL, &texts_now, &p, &today, &o, &err), PRIVD_ERR_INVALID);
	assert_int_equal(err.nfields, 1);
	assert_string_equal(reason_for(&err, "policy_version"), "no policy is published yet");
	/* not given */
	in.policy_version = NULL;
	assert_one_field(&in, "policy_version", "is required");
	/* not the current one */
	in.policy_version = "2024-12";
	assert_one_field(&in, "policy_version", "must be the current policy version (2025-01)");
}

static void test_registration_processing_not_granted(void **state)
{
	struct privd_registration_input in = valid_input();

	(void)state;
	in.processing = 0;
	assert_one_field(&in, "consents.processing", "must be true: a person is registered with consent to processing");
	in.processing = -1; /* absent */
	assert_one_field(&in, "consents.processing", "must be true: a person is registered with consent to processing");
}

static void test_registration_every_fault_at_once(void **state)
{
	struct privd_registration_input in = {.processing = -1, .third_party_transfer = -1};
	struct privd_registration_outcome o;
	struct privd_err err;

	(void)state;
	assert_int_equal(register_ru(&in, &o, &err), PRIVD_ERR_INVALID);
	/* name, email, phone, ip, birth_date, residence_country, policy_version, consents.processing */
	assert_int_equal(err.nfields, 8);
	assert_string_equal(err.fields[0].field, "name");
	assert_string_equal(err.fields[7].field, "consents.processing");
	assert_string_equal(err.msg, "8 fields are invalid");
}

static void test_registration_consents(void **state)
{
	struct privd_registration_input in = valid_input();
	struct privd_registration_outcome o;
	struct privd_err err;

	(void)state;
	assert_int_equal(register_ru(&in, &o, &err), PRIVD_OK);
	assert_true(o.granted[PRIVD_PURPOSE_PROCESSING]);
	assert_false(o.granted[PRIVD_PURPOSE_THIRD_PARTY_TRANSFER]);
	assert_false(o.granted[PRIVD_PURPOSE_COOKIES_PREFERENCES]);
	assert_false(o.granted[PRIVD_PURPOSE_COOKIES_ANALYTICS]);
	assert_false(o.granted[PRIVD_PURPOSE_COOKIES_MARKETING]);
	in.third_party_transfer = 1;
	in.texts[PRIVD_PURPOSE_THIRD_PARTY_TRANSFER] = "t1";
	in.cookies[1] = true; /* analytics */
	in.cookies[2] = true; /* marketing */
	assert_int_equal(register_ru(&in, &o, &err), PRIVD_OK);
	assert_true(o.granted[PRIVD_PURPOSE_THIRD_PARTY_TRANSFER]);
	assert_false(o.granted[PRIVD_PURPOSE_COOKIES_PREFERENCES]);
	assert_true(o.granted[PRIVD_PURPOSE_COOKIES_ANALYTICS]);
	assert_true(o.granted[PRIVD_PURPOSE_COOKIES_MARKETING]);
	in.third_party_transfer = 0;
	assert_int_equal(register_ru(&in, &o, &err), PRIVD_OK);
	assert_false(o.granted[PRIVD_PURPOSE_THIRD_PARTY_TRANSFER]);
}

static void test_registration_texts_named(void **state)
{
	struct privd_registration_input in = valid_input();
	struct privd_registration_outcome o;
	struct privd_err err;

	(void)state;
	/* the grant names the text shown: its version and language are the outcome's */
	assert_int_equal(register_ru(&in, &o, &err), PRIVD_OK);
	assert_int_equal(o.language, PRIVD_LANG_RU);
	assert_string_equal(o.text_version[PRIVD_PURPOSE_PROCESSING], "t2");
	assert_string_equal(o.text_version[PRIVD_PURPOSE_THIRD_PARTY_TRANSFER], "");
	/* a grant without its text */
	in.texts[PRIVD_PURPOSE_PROCESSING] = NULL;
	assert_one_field(&in, "consents.texts.processing",
	                 "is required with a grant of processing: the version of the consent text shown");
	/* consent to transfer, granted, needs its own; refused, it needs none */
	in = valid_input();
	in.third_party_transfer = 1;
	assert_one_field(&in, "consents.texts.third_party_transfer",
	                 "is required with a grant of third_party_transfer: the version of the consent text shown");
	in.texts[PRIVD_PURPOSE_THIRD_PARTY_TRANSFER] = "t1";
	assert_int_equal(register_ru(&in, &o, &err), PRIVD_OK);
	assert_string_equal(o.text_version[PRIVD_PURPOSE_THIRD_PARTY_TRANSFER], "t1");
	in.third_party_transfer = 0;
	assert_int_equal(register_ru(&in, &o, &err), PRIVD_OK);
	assert_string_equal(o.text_version[PRIVD_PURPOSE_THIRD_PARTY_TRANSFER], "");
	/* English: processing's current English text is "t1"; third_party_transfer has none in English */
	in = valid_input();
	in.language = "en";
	in.texts[PRIVD_PURPOSE_PROCESSING] = "t1";
	assert_int_equal(register_ru(&in, &o, &err), PRIVD_OK);
	assert_int_equal(o.language, PRIVD_LANG_EN);
	in.third_party_transfer = 1;
	in.texts[PRIVD_PURPOSE_THIRD_PARTY_TRANSFER] = "t1";
	assert_one_field(&in, "consents.texts.third_party_transfer",
	                 "no third_party_transfer consent text is published in en");
	/* a language privd does not publish in */
	in = valid_input();
	in.language = "de";
	assert_one_field(&in, "consents.language", "must be ru or en");
	/* nothing published at all */
	in = valid_input();
	memset(&err, 0, sizeof(err));
	assert_int_equal(
	    privd_registration_check(&in, "2025-01", NULL, &(struct privd_age_policy){0}, &today, &o, &err),
	    PRIVD_ERR_INVALID);
	assert_string_equal(reason_for(&err, "consents.texts.processing"),
	                    "no processing consent text is published in ru");
}

static void test_registration_text_not_current(void **state)
{
	struct privd_registration_input in = valid_input();
	struct privd_age_policy us = policy_on("US");
	struct privd_registration_outcome o;
	struct privd_err err;

	(void)state;
	/* an older Russian text: ask again, naming the field and the current version */
	in.texts[PRIVD_PURPOSE_PROCESSING] = "t1";
	assert_int_equal(register_ru(&in, &o, &err), PRIVD_ERR_CONFLICT);
	assert_string_equal(err.problem, "reconsent-required");
	assert_int_equal(err.nfields, 1);
	assert_string_equal(err.fields[0].field, "consents.texts.processing");
	assert_string_equal(err.fields[0].reason,
	                    "is not the current processing consent text in ru, version t2: show that and ask again");
	/* a version never published is not the current one either */
	in.texts[PRIVD_PURPOSE_PROCESSING] = "t9";
	assert_int_equal(register_ru(&in, &o, &err), PRIVD_ERR_CONFLICT);
	assert_string_equal(err.problem, "reconsent-required");
	/* what is invalid is answered first */
	in.profile.ip = "not-an-ip";
	assert_int_equal(register_ru(&in, &o, &err), PRIVD_ERR_INVALID);
	assert_non_null(reason_for(&err, "ip"));
	/* and the age rules last: nothing about a refused person is weighed before the form is right */
	in = valid_input();
	in.texts[PRIVD_PURPOSE_PROCESSING] = "t1";
	in.profile.birth_date = "2013-06-16";
	in.profile.residence_country = "US";
	memset(&err, 0, sizeof(err));
	assert_int_equal(privd_registration_check(&in, "2025-01", &texts_now, &us, &today, &o, &err),
	                 PRIVD_ERR_CONFLICT);
	assert_string_equal(err.problem, "reconsent-required");
	in.texts[PRIVD_PURPOSE_PROCESSING] = "t2";
	assert_int_equal(privd_registration_check(&in, "2025-01", &texts_now, &us, &today, &o, &err),
	                 PRIVD_ERR_FORBIDDEN);
}

static void test_registration_coppa_refused(void **state)
{
	struct privd_registration_input in = valid_input();
	struct privd_age_policy us = policy_on("US");
	struct privd_registration_outcome o;
	struct privd_err err = {0};

	(void)state;
	in.profile.birth_date = "2013-06-16"; /* 12, thirteen tomorrow */
	in.profile.residence_country = "US";
	assert_int_equal(privd_registration_check(&in, "2025-01", &texts_now, &us, &today, &o, &err),
	                 PRIVD_ERR_FORBIDDEN);
	assert_string_equal(err.msg, "registration refused: this service is not for persons under 13");
	assert_int_equal(err.nfields, 0);
	/* the limit is the policy's */
	us.coppa_min_age = 14;
	in.profile.birth_date = "2012-01-01";
	assert_int_equal(privd_registration_check(&in, "2025-01", &texts_now, &us, &today, &o, &err),
	                 PRIVD_ERR_FORBIDDEN);
	assert_string_equal(err.msg, "registration refused: this service is not for persons under 14");
	/* a form with a fault is answered with the fault, not the age rule */
	memset(&err, 0, sizeof(err));
	in.profile.ip = "not-an-ip";
	assert_int_equal(privd_registration_check(&in, "2025-01", &texts_now, &us, &today, &o, &err),
	                 PRIVD_ERR_INVALID);
	assert_non_null(reason_for(&err, "ip"));
	/* thirteen today: let in */
	us = policy_on("US");
	in = valid_input();
	in.profile.birth_date = "2012-06-15";
	assert_int_equal(privd_registration_check(&in, "2025-01", &texts_now, &us, &today, &o, &err), PRIVD_OK);
	assert_int_equal(o.status, PRIVD_SUBJECT_ACTIVE);
}

static void test_registration_eu_minor_pending_guardian(void **state)
{
	struct privd_registration_input in = valid_input();
	struct privd_registration_outcome o;
	struct privd_err err;

	(void)state;
	in.profile.birth_date = "2010-01-01"; /* 15 */
	in.profile.residence_country = "DE";
	assert_int_equal(register_ru(&in, &o, &err), PRIVD_OK);
	assert_int_equal(o.status, PRIVD_SUBJECT_PENDING_GUARDIAN);
	assert_true(o.granted[PRIVD_PURPOSE_PROCESSING]); /* recorded; not effective until a guardian consents */
	/* 15 outside the EU/EEA */
	in.profile.residence_country = "RU";
	assert_int_equal(register_ru(&in, &o, &err), PRIVD_OK);
	assert_int_equal(o.status, PRIVD_SUBJECT_ACTIVE);
}

/* ---- corrections ---- */

/* The profile of a registered adult in Russia, reachable by e-mail only. */
static struct privd_profile adult(void)
{
	struct privd_profile p;

	memset(&p, 0, sizeof(p));
	snprintf(p.name, sizeof(p.name), "Anna");
	snprintf(p.email, sizeof(p.email), "anna@example.org");
	snprintf(p.ip, sizeof(p.ip), "192.0.2.1");
	snprintf(p.birth_date, sizeof(p.birth_date), "1990-05-01");
	snprintf(p.residence_country, sizeof(p.residence_country), "RU");
	return p;
}

static enum privd_rc correct(const struct privd_profile *cur, enum privd_subject_status status, const char *server,
                             const struct privd_profile_input *patch, struct privd_profile *next, struct privd_err *err)
{
	struct privd_age_policy p = policy_on(server);

	memset(err, 0, sizeof(*err));
	return privd_correction_check(cur, status, patch, &p, &today, next, err);
}

static void test_correction_nothing_given(void **state)
{
	struct privd_profile cur = adult(), next;
	struct privd_profile_input patch = {0};
	struct privd_err err;

	(void)state;
	assert_int_equal(correct(&cur, PRIVD_SUBJECT_ACTIVE, "RU", &patch, &next, &err), PRIVD_ERR_INVALID);
	assert_string_equal(err.msg, "the correction changes nothing");
	assert_int_equal(err.nfields, 1);
	assert_string_equal(reason_for(&err, "name"),
	                    "give at least one of name, email, phone, ip, birth_date, residence_country, language");
}

static void test_correction_applies_what_is_given(void **state)
{
	struct privd_profile cur = adult(), next;
	struct privd_profile_input patch = {
	    .name = " Anna Petrova ", .phone = "+79161234567", .residence_country = "de"};
	struct privd_err err;

	(void)state;
	assert_int_equal(correct(&cur, PRIVD_SUBJECT_ACTIVE, "RU", &patch, &next, &err), PRIVD_OK);
	assert_string_equal(next.name, "Anna Petrova");
	assert_string_equal(next.email, "anna@example.org");
	assert_string_equal(next.phone, "+79161234567");
	assert_string_equal(next.ip, "192.0.2.1");
	assert_string_equal(next.birth_date, "1990-05-01");
	assert_string_equal(next.residence_country, "DE");
	assert_string_equal(cur.residence_country, "RU"); /* cur is left alone */
	/* "" removes the e-mail once a phone remains */
	cur = next;
	patch = (struct privd_profile_input){.email = ""};
	assert_int_equal(correct(&cur, PRIVD_SUBJECT_ACTIVE, "RU", &patch, &next, &err), PRIVD_OK);
	assert_string_equal(next.email, "");
	assert_string_equal(next.phone, "+79161234567");
}

static void test_correction_invalid_field(void **state)
{
	struct privd_profile cur = adult(), next;
	struct privd_profile_input patch = {.ip = "999.1.1.1", .birth_date = "2030-01-01"};
	struct privd_err err;

	(void)state;
	assert_int_equal(correct(&cur, PRIVD_SUBJECT_ACTIVE, "RU", &patch, &next, &err), PRIVD_ERR_INVALID);
	assert_string_equal(err.msg, "the correction is invalid");
	assert_int_equal(err.nfields, 2);
	assert_non_null(reason_for(&err, "ip"));
	assert_string_equal(reason_for(&err, "birth_date"), "must not be in the future");
}

static void test_correction_keeps_a_contact(void **state)
{
	struct privd_profile cur = adult(), next;
	struct privd_profile_input patch = {.email = ""};
	struct privd_err err;

	(void)state;
	assert_int_equal(correct(&cur, PRIVD_SUBJECT_ACTIVE, "RU", &patch, &next, &err), PRIVD_ERR_INVALID);
	assert_string_equal(err.msg, "the correction is invalid");
	assert_string_equal(reason_for(&err, "email"), "an e-mail or a phone number must remain");
	/* reachable by phone only: removing the phone names the phone */
	cur.email[0] = '\0';
	snprintf(cur.phone, sizeof(cur.phone), "+79161234567");
	patch = (struct privd_profile_input){.phone = ""};
	assert_int_equal(correct(&cur, PRIVD_SUBJECT_ACTIVE, "RU", &patch, &next, &err), PRIVD_ERR_INVALID);
	assert_string_equal(reason_for(&err, "phone"), "an e-mail or a phone number must remain");
}

static void test_correction_refuses_under_age(void **state)
{
	static const char *const msg =
	    "the correction makes the person too young for this service without a guardian's consent";
	struct privd_profile cur = adult(), next;
	struct privd_profile_input patch = {.birth_date = "2013-01-01"}; /* 12 */
	struct privd_err err;

	(void)state;
	/* under the COPPA limit on a US server */
	assert_int_equal(correct(&cur, PRIVD_SUBJECT_ACTIVE, "US", &patch, &next, &err), PRIVD_ERR_FORBIDDEN);
	assert_string_equal(err.msg, msg);
	assert_int_equal(err.nfields, 0);
	/* an active adult made an EU minor, by the birth date or by the country */
	snprintf(cur.residence_country, sizeof(cur.residence_country), "FR");
	patch = (struct privd_profile_input){.birth_date = "2010-01-01"};
	assert_int_equal(correct(&cur, PRIVD_SUBJECT_ACTIVE, "RU", &patch, &next, &err), PRIVD_ERR_FORBIDDEN);
	assert_string_equal(err.msg, msg);
	cur = adult();
	snprintf(cur.birth_date, sizeof(cur.birth_date), "2010-01-01"); /* 15 in Russia: no guardian needed */
	patch = (struct privd_profile_input){.residence_country = "DE"};
	assert_int_equal(correct(&cur, PRIVD_SUBJECT_ACTIVE, "RU", &patch, &next, &err), PRIVD_ERR_FORBIDDEN);
	assert_string_equal(err.msg, msg);
	/* the same 15-year-old staying out of the EU is correctable */
	patch = (struct privd_profile_input){.residence_country = "GB"};
	assert_int_equal(correct(&cur, PRIVD_SUBJECT_ACTIVE, "RU", &patch, &next, &err), PRIVD_OK);
}

static void test_correction_guardian_activated_minor(void **state)
{
	struct privd_profile cur = adult(), next;
	struct privd_profile_input patch = {.birth_date = "2010-03-04"};
	struct privd_err err;

	(void)state;
	/* a 15-year-old in Germany, active because a guardian consented */
	snprintf(cur.birth_date, sizeof(cur.birth_date), "2010-01-01");
	snprintf(cur.residence_country, sizeof(cur.residence_country), "DE");
	assert_int_equal(correct(&cur, PRIVD_SUBJECT_ACTIVE, "RU", &patch, &next, &err), PRIVD_OK);
	assert_string_equal(next.birth_date, "2010-03-04");
	patch = (struct privd_profile_input){.residence_country = "FR"};
	assert_int_equal(correct(&cur, PRIVD_SUBJECT_ACTIVE, "RU", &patch, &next, &err), PRIVD_OK);
	patch = (struct privd_profile_input){.name = "Anna"};
	assert_int_equal(correct(&cur, PRIVD_SUBJECT_ACTIVE, "RU", &patch, &next, &err), PRIVD_OK);
	/* one still pending a guardian stays correctable too (and stays pending) */
	patch = (struct privd_profile_input){.birth_date = "2010-03-04"};
	assert_int_equal(correct(&cur, PRIVD_SUBJECT_PENDING_GUARDIAN, "RU", &patch, &next, &err), PRIVD_OK);
	/* but COPPA refuses whatever a guardian did */
	patch = (struct privd_profile_input){.birth_date = "2013-01-01"};
	assert_int_equal(correct(&cur, PRIVD_SUBJECT_ACTIVE, "US", &patch, &next, &err), PRIVD_ERR_FORBIDDEN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_registration_valid),
	    cmocka_unit_test(test_registration_requires_each_field),
	    cmocka_unit_test(test_registration_email_or_phone),
	    cmocka_unit_test(test_registration_invalid_values),
	    cmocka_unit_test(test_registration_policy_version),
	    cmocka_unit_test(test_registration_processing_not_granted),
	    cmocka_unit_test(test_registration_every_fault_at_once),
	    cmocka_unit_test(test_registration_consents),
	    cmocka_unit_test(test_registration_texts_named),
	    cmocka_unit_test(test_registration_text_not_current),
	    cmocka_unit_test(test_registration_coppa_refused),
	    cmocka_unit_test(test_registration_eu_minor_pending_guardian),
	    cmocka_unit_test(test_correction_nothing_given),
	    cmocka_unit_test(test_correction_applies_what_is_given),
	    cmocka_unit_test(test_correction_invalid_field),
	    cmocka_unit_test(test_correction_keeps_a_contact),
	    cmocka_unit_test(test_correction_refuses_under_age),
	    cmocka_unit_test(test_correction_guardian_activated_minor),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
