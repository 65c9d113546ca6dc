/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_consent.c - the consent check: purposes by name, and the state replayed from the append-only record.
 *
 * What an application relies on: the latest record wins, a minor waiting for a guardian has no consent, and a
 * grant under an old policy version asks for reconsent; and the derivation from the stored records, purposes by
 * name, skips a purpose it does not know.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/consent.h"

static void test_purpose_names(void **state)
{
	static const char *const names[] = {"processing", "third_party_transfer", "cookies.preferences",
	                                    "cookies.analytics", "cookies.marketing"};
	enum privd_purpose p;

	(void)state;
	for (int i = 0; i < PRIVD_PURPOSE_COUNT; i++) {
		assert_string_equal(privd_purpose_name((enum privd_purpose)i), names[i]);
		assert_int_equal(privd_purpose_parse(names[i], &p), PRIVD_OK);
		assert_int_equal(p, i);
	}
	assert_int_equal(privd_purpose_parse("Processing", &p), PRIVD_ERR_INVALID);
	assert_int_equal(privd_purpose_parse("marketing", &p), PRIVD_ERR_INVALID);
	assert_int_equal(privd_purpose_parse("cookies.", &p), PRIVD_ERR_INVALID);
	assert_int_equal(privd_purpose_parse("", &p), PRIVD_ERR_INVALID);
	assert_int_equal(privd_purpose_parse(NULL, &p), PRIVD_ERR_INVALID);
	assert_non_null(privd_purpose_name(PRIVD_PURPOSE_COUNT));
}

static void test_cookie_categories(void **state)
{
	enum privd_purpose p;

	(void)state;
	assert_int_equal(privd_cookie_category_parse("preferences", &p), PRIVD_OK);
	assert_int_equal(p, PRIVD_PURPOSE_COOKIES_PREFERENCES);
	assert_int_equal(privd_cookie_category_parse("analytics", &p), PRIVD_OK);
	assert_int_equal(p, PRIVD_PURPOSE_COOKIES_ANALYTICS);
	assert_int_equal(privd_cookie_category_parse("marketing", &p), PRIVD_OK);
	assert_int_equal(p, PRIVD_PURPOSE_COOKIES_MARKETING);
	assert_int_equal(privd_cookie_category_parse("processing", &p), PRIVD_ERR_INVALID);
	assert_int_equal(privd_cookie_category_parse("cookies.analytics", &p), PRIVD_ERR_INVALID);
	assert_int_equal(privd_cookie_category_parse("necessary", &p), PRIVD_ERR_INVALID);
	assert_int_equal(privd_cookie_category_parse(NULL, &p), PRIVD_ERR_INVALID);
}

static void test_status_names(void **state)
{
	enum privd_subject_status s;

	(void)state;
	assert_string_equal(privd_subject_status_name(PRIVD_SUBJECT_ACTIVE), "active");
	assert_string_equal(privd_subject_status_name(PRIVD_SUBJECT_PENDING_GUARDIAN), "pending_guardian");
	assert_string_equal(privd_subject_status_name(PRIVD_SUBJECT_ERASED), "erased");
	assert_string_equal(privd_subject_status_name(PRIVD_SUBJECT_REVOKED), "revoked");
	assert_int_equal(privd_subject_status_parse("revoked", &s), PRIVD_OK);
	assert_int_equal(s, PRIVD_SUBJECT_REVOKED);
	assert_int_equal(privd_subject_status_parse("pending_guardian", &s), PRIVD_OK);
	assert_int_equal(s, PRIVD_SUBJECT_PENDING_GUARDIAN);
	assert_int_equal(privd_subject_status_parse("erased", &s), PRIVD_OK);
	assert_int_equal(s, PRIVD_SUBJECT_ERASED);
	assert_int_equal(privd_subject_status_parse("active", &s), PRIVD_OK);
	assert_int_equal(s, PRIVD_SUBJECT_ACTIVE);
	assert_int_equal(privd_subject_status_parse("pending", &s), PRIVD_ERR_INVALID);
	assert_int_equal(privd_subject_status_parse(NULL, &s), PRIVD_ERR_INVALID);
}

/* Every status survives name then parse, the names are distinct, and a value outside the enum has no name. */
static void test_status_round_trip(void **state)
{
	enum privd_subject_status s;

	(void)state;
	for (int i = 0; i < PRIVD_SUBJECT_STATUS_COUNT; i++) {
		s = PRIVD_SUBJECT_STATUS_COUNT;
		assert_int_equal(
		    privd_subject_status_parse(privd_subject_status_name((enum privd_subject_status)i), &s), PRIVD_OK);
		assert_int_equal(s, i);
		for (int j = 0; j < i; j++)
			assert_string_not_equal(privd_subject_status_name((enum privd_subject_status)i),
			                        privd_subject_status_name((enum privd_subject_status)j));
	}
	assert_string_equal(privd_subject_status_name(PRIVD_SUBJECT_STATUS_COUNT), "unknown");
	assert_string_equal(privd_subject_status_name((enum privd_subject_status) - 1), "unknown");
	s = PRIVD_SUBJECT_ERASED;
	assert_int_equal(privd_subject_status_parse("unknown", &s), PRIVD_ERR_INVALID);
	assert_int_equal(privd_subject_status_parse("Active", &s), PRIVD_ERR_INVALID);
	assert_int_equal(s, PRIVD_SUBJECT_ERASED); /* untouched */
	assert_int_equal(privd_subject_status_parse("active", NULL), PRIVD_OK);
}

static void test_no_record(void **state)
{
	struct privd_consent_state s;
	struct privd_consent_answer a;

	(void)state;
	privd_consent_state_init(&s, PRIVD_SUBJECT_ACTIVE);
	privd_consent_state_answer(&s, PRIVD_PURPOSE_PROCESSING, "v1", NULL, &a);
	assert_false(a.granted);
	assert_int_equal(a.since_ms, 0);
	assert_non_null(a.policy_version);
	assert_string_equal(a.policy_version, "");
	assert_false(a.reconsent_required);
}

static void test_latest_record_wins(void **state)
{
	struct privd_consent_state s;
	struct privd_consent_answer a;

	(void)state;
	privd_consent_state_init(&s, PRIVD_SUBJECT_ACTIVE);
	privd_consent_state_apply(&s, PRIVD_PURPOSE_PROCESSING, true, 1000, "v1");
	privd_consent_state_apply(&s, PRIVD_PURPOSE_COOKIES_ANALYTICS, true, 1100, "v1");
	privd_consent_state_answer(&s, PRIVD_PURPOSE_PROCESSING, "v1", NULL, &a);
	assert_true(a.granted);
	assert_int_equal(a.since_ms, 1000);
	assert_string_equal(a.policy_version, "v1");
	assert_false(a.reconsent_required);

	/* Revocation: the later record refuses. */
	privd_consent_state_apply(&s, PRIVD_PURPOSE_PROCESSING, false, 2000, "v1");
	privd_consent_state_answer(&s, PRIVD_PURPOSE_PROCESSING, "v1", NULL, &a);
	assert_false(a.granted);
	assert_int_equal(a.since_ms, 2000);
	assert_false(a.reconsent_required);

	/* Granted again later. */
	privd_consent_state_apply(&s, PRIVD_PURPOSE_PROCESSING, true, 3000, "v1");
	privd_consent_state_answer(&s, PRIVD_PURPOSE_PROCESSING, "v1", NULL, &a);
	assert_true(a.granted);
	assert_int_equal(a.since_ms, 3000);

	/* Other purposes are independent. */
	privd_consent_state_answer(&s, PRIVD_PURPOSE_COOKIES_ANALYTICS, "v1", NULL, &a);
	assert_true(a.granted);
	assert_int_equal(a.since_ms, 1100);
	privd_consent_state_answer(&s, PRIVD_PURPOSE_THIRD_PARTY_TRANSFER, "v1", NULL, &a);
	assert_false(a.granted);
	privd_consent_state_answer(&s, PRIVD_PURPOSE_COOKIES_MARKETING, "v1", NULL, &a);
	assert_false(a.granted);
}

static void test_pending_guardian_never_granted(void **state)
{
	struct privd_consent_state s;
	struct privd_consent_answer a;

	(void)state;
	privd_consent_state_init(&s, PRIVD_SUBJECT_PENDING_GUARDIAN);
	for (int p = 0; p < PRIVD_PURPOSE_COUNT; p++)
		privd_consent_state_apply(&s, (enum privd_purpose)p, true, 1000, "v1");
	for (int p = 0; p < PRIVD_PURPOSE_COUNT; p++) {
		privd_consent_state_answer(&s, (enum privd_purpose)p, "v1", NULL, &a);
		assert_false(a.granted);
		assert_int_equal(a.since_ms, 1000); /* the record is still there */
		assert_false(a.reconsent_required);
	}
	/* The guardian's consent is approved: the subject becomes active and the records count. */
	s.status = PRIVD_SUBJECT_ACTIVE;
	privd_consent_state_answer(&s, PRIVD_PURPOSE_PROCESSING, "v1", NULL, &a);
	assert_true(a.granted);

	/* An erased subject has no consent either. */
	s.status = PRIVD_SUBJECT_ERASED;
	privd_consent_state_answer(&s, PRIVD_PURPOSE_PROCESSING, "v1", NULL, &a);
	assert_false(a.granted);
}

static void test_reconsent_on_new_version(void **state)
{
	struct privd_consent_state s;
	struct privd_consent_answer a;

	(void)state;
	privd_consent_state_init(&s, PRIVD_SUBJECT_ACTIVE);
	privd_consent_state_apply(&s, PRIVD_PURPOSE_PROCESSING, true, 1000, "v1");
	privd_consent_state_answer(&s, PRIVD_PURPOSE_PROCESSING, "v2", NULL, &a);
	assert_true(a.granted);
	assert_string_equal(a.policy_version, "v1");
	assert_true(a.reconsent_required);

	/* Without a current version there is nothing to compare against. */
	privd_consent_state_answer(&s, PRIVD_PURPOSE_PROCESSING, NULL, NULL, &a);
	assert_true(a.granted);
	assert_false(a.reconsent_required);

	/* A fresh grant under v2 settles it. */
	privd_consent_state_apply(&s, PRIVD_PURPOSE_PROCESSING, true, 2000, "v2");
	privd_consent_state_answer(&s, PRIVD_PURPOSE_PROCESSING, "v2", NULL, &a);
	assert_true(a.granted);
	assert_false(a.reconsent_required);

	/* A refusal under an old version asks for nothing: there is no grant to renew. */
	privd_consent_state_apply(&s, PRIVD_PURPOSE_COOKIES_MARKETING, false, 3000, "v1");
	privd_consent_state_answer(&s, PRIVD_PURPOSE_COOKIES_MARKETING, "v2", NULL, &a);
	assert_false(a.granted);
	assert_false(a.reconsent_required);
}

static void test_long_policy_version(void **state)
{
	/* A SHA-256 in hex is 64 characters, one more than the state keeps. */
	static const char v1[] = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
	struct privd_consent_state s;
	struct privd_consent_answer a;
	char big[300];

	(void)state;
	privd_consent_state_init(&s, PRIVD_SUBJECT_ACTIVE);
	privd_consent_state_apply(&s, PRIVD_PURPOSE_PROCESSING, true, 1000, v1);
	privd_consent_state_answer(&s, PRIVD_PURPOSE_PROCESSING, v1, NULL, &a);
	assert_true(a.granted);
	assert_false(a.reconsent_required);
	assert_int_equal(strlen(a.policy_version), PRIVD_POLICY_VERSION_MAX - 1);
	assert_memory_equal(a.policy_version, v1, PRIVD_POLICY_VERSION_MAX - 1);

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	privd_consent_state_apply(&s, PRIVD_PURPOSE_THIRD_PARTY_TRANSFER, true, 1000, big);
	privd_consent_state_answer(&s, PRIVD_PURPOSE_THIRD_PARTY_TRANSFER, "v1", NULL, &a);
	assert_true(a.granted);
	assert_true(a.reconsent_required);

	privd_consent_state_apply(&s, PRIVD_PURPOSE_COOKIES_PREFERENCES, true, 1000, NULL);
	privd_consent_state_answer(&s, PRIVD_PURPOSE_COOKIES_PREFERENCES, "v1", NULL, &a);
	assert_string_equal(a.policy_version, "");
	assert_true(a.reconsent_required);
}

static void test_bad_purpose_ignored(void **state)
{
	struct privd_consent_state s, before;
	struct privd_consent_answer a;

	(void)state;
	privd_consent_state_init(&s, PRIVD_SUBJECT_ACTIVE);
	before = s;
	privd_consent_state_apply(&s, PRIVD_PURPOSE_COUNT, true, 1000, "v1");
	assert_memory_equal(&s, &before, sizeof(s));
	privd_consent_state_answer(&s, PRIVD_PURPOSE_COUNT, "v1", NULL, &a);
	assert_false(a.granted);
	assert_string_equal(a.policy_version, "");
}

/* The derivation from stored records, as the store hands them over: in the order they were appended, the
 * purpose by name. */
static void apply_event(struct privd_consent_state *s, const char *purpose, bool granted, int64_t at,
                        const char *version)
{
	const struct privd_consent_event e = {
	    .purpose = purpose, .granted = granted, .at_ms = at, .policy_version = version};

	privd_consent_state_apply_event(s, &e);
}

static void test_events_latest_wins_per_purpose(void **state)
{
	struct privd_consent_state s;
	struct privd_consent_answer a;

	(void)state;
	privd_consent_state_init(&s, PRIVD_SUBJECT_ACTIVE);
	apply_event(&s, "processing", true, 1000, "v1");
	apply_event(&s, "cookies.analytics", true, 1100, "v1");
	apply_event(&s, "cookies.marketing", false, 1200, "v1");
	apply_event(&s, "processing", false, 2000, "v1"); /* revoked */
	privd_consent_state_answer(&s, PRIVD_PURPOSE_PROCESSING, "v1", NULL, &a);
	assert_false(a.granted);
	assert_int_equal(a.since_ms, 2000);
	assert_true(s.purpose[PRIVD_PURPOSE_PROCESSING].recorded);

	apply_event(&s, "processing", true, 3000, "v2"); /* granted again, under a newer policy */
	privd_consent_state_answer(&s, PRIVD_PURPOSE_PROCESSING, "v2", NULL, &a);
	assert_true(a.granted);
	assert_int_equal(a.since_ms, 3000);
	assert_string_equal(a.policy_version, "v2");
	assert_false(a.reconsent_required);

	/* the other purposes keep what their own latest record said */
	privd_consent_state_answer(&s, PRIVD_PURPOSE_COOKIES_ANALYTICS, "v2", NULL, &a);
	assert_true(a.granted);
	assert_int_equal(a.since_ms, 1100);
	assert_string_equal(a.policy_version, "v1");
	assert_true(a.reconsent_required);
	privd_consent_state_answer(&s, PRIVD_PURPOSE_COOKIES_MARKETING, "v2", NULL, &a);
	assert_false(a.granted);
	assert_int_equal(a.since_ms, 1200);
	assert_false(a.reconsent_required);
	assert_false(s.purpose[PRIVD_PURPOSE_THIRD_PARTY_TRANSFER].recorded);
	assert_false(s.purpose[PRIVD_PURPOSE_COOKIES_PREFERENCES].recorded);
}

static void test_events_versions(void **state)
{
	struct privd_consent_state s;
	struct privd_consent_answer a;

	(void)state;
	privd_consent_state_init(&s, PRIVD_SUBJECT_ACTIVE);
	apply_event(&s, "third_party_transfer", true, 1000, "v1");
	apply_event(&s, "third_party_transfer", true, 2000, "v3");
	apply_event(&s, "third_party_transfer", true, 3000, "v2"); /* latest by order, not by version */
	privd_consent_state_answer(&s, PRIVD_PURPOSE_THIRD_PARTY_TRANSFER, "v3", NULL, &a);
	assert_true(a.granted);
	assert_string_equal(a.policy_version, "v2");
	assert_true(a.reconsent_required);

	apply_event(&s, "cookies.preferences", true, 4000, NULL); /* recorded without a version */
	privd_consent_state_answer(&s, PRIVD_PURPOSE_COOKIES_PREFERENCES, "v3", NULL, &a);
	assert_true(a.granted);
	assert_string_equal(a.policy_version, "");
	assert_true(a.reconsent_required);
}

static void test_events_unknown_purpose_skipped(void **state)
{
	struct privd_consent_state s, before;

	(void)state;
	privd_consent_state_init(&s, PRIVD_SUBJECT_ACTIVE);
	apply_event(&s, "processing", true, 1000, "v1");
	before = s;
	apply_event(&s, "unknown_purpose", false, 2000, "v2");
	apply_event(&s, "cookies.", false, 2000, "v2");
	apply_event(&s, "Processing", false, 2000, "v2");
	apply_event(&s, "analytics", false, 2000, "v2"); /* a cookie category is not a purpose name */
	apply_event(&s, "", false, 2000, "v2");
	apply_event(&s, NULL, false, 2000, "v2");
	assert_memory_equal(&s, &before, sizeof(s));
}

static void test_events_status_decides(void **state)
{
	struct privd_consent_state s;
	struct privd_consent_answer a;

	(void)state;
	privd_consent_state_init(&s, PRIVD_SUBJECT_PENDING_GUARDIAN);
	apply_event(&s, "processing", true, 1000, "v1");
	privd_consent_state_answer(&s, PRIVD_PURPOSE_PROCESSING, "v1", NULL, &a);
	assert_false(a.granted);
	assert_int_equal(a.since_ms, 1000);
	assert_int_equal(s.status, PRIVD_SUBJECT_PENDING_GUARDIAN); /* records never change the status */
}

/* 152-FZ Art. 9 p.2, Art. 21 p.5: a revoked subject has no granted purpose, whatever its records say. */
static void test_revoked_never_granted(void **state)
{
	struct privd_consent_state s;
	struct privd_consent_answer a;

	(void)state;
	privd_consent_state_init(&s, PRIVD_SUBJECT_REVOKED);
	for (int p = 0; p < PRIVD_PURPOSE_COUNT; p++)
		privd_consent_state_apply(&s, (enum privd_purpose)p, true, 1000, "1");
	for (int p = 0; p < PRIVD_PURPOSE_COUNT; p++) {
		privd_consent_state_answer(&s, (enum privd_purpose)p, "1", NULL, &a);
		assert_false(a.granted);
		assert_false(a.reconsent_required);
	}
}

/* What a record does to its subject: a revocation of processing revokes from any living status; while revoked
 * only processing may be granted, and that grant restores. */
static void test_consent_effect(void **state)
{
	static const enum privd_subject_status living[] = {PRIVD_SUBJECT_ACTIVE, PRIVD_SUBJECT_PENDING_GUARDIAN,
	                                                   PRIVD_SUBJECT_REVOKED};
	enum privd_consent_effect e;
	const char *why = "x";

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(privd_consent_effect(living[i], PRIVD_PURPOSE_PROCESSING, false, &e, &why), PRIVD_OK);
		assert_int_equal(e, PRIVD_CONSENT_EFFECT_REVOKE);
		assert_null(why);
	}
	assert_int_equal(privd_consent_effect(PRIVD_SUBJECT_ACTIVE, PRIVD_PURPOSE_PROCESSING, true, &e, &why),
	                 PRIVD_OK);
	assert_int_equal(e, PRIVD_CONSENT_EFFECT_NONE);
	assert_int_equal(
	    privd_consent_effect(PRIVD_SUBJECT_ACTIVE, PRIVD_PURPOSE_THIRD_PARTY_TRANSFER, false, &e, NULL), PRIVD_OK);
	assert_int_equal(e, PRIVD_CONSENT_EFFECT_NONE);
	assert_int_equal(
	    privd_consent_effect(PRIVD_SUBJECT_PENDING_GUARDIAN, PRIVD_PURPOSE_COOKIES_ANALYTICS, true, &e, NULL),
	    PRIVD_OK);
	assert_int_equal(e, PRIVD_CONSENT_EFFECT_NONE);
	/* revoked */
	assert_int_equal(privd_consent_effect(PRIVD_SUBJECT_REVOKED, PRIVD_PURPOSE_PROCESSING, true, &e, &why),
	                 PRIVD_OK);
	assert_int_equal(e, PRIVD_CONSENT_EFFECT_RESTORE);
	for (int p = PRIVD_PURPOSE_THIRD_PARTY_TRANSFER; p < PRIVD_PURPOSE_COUNT; p++) {
		assert_int_equal(privd_consent_effect(PRIVD_SUBJECT_REVOKED, (enum privd_purpose)p, true, &e, &why),
		                 PRIVD_ERR_CONFLICT);
		assert_non_null(why);
		assert_int_equal(e, PRIVD_CONSENT_EFFECT_NONE);
		assert_int_equal(privd_consent_effect(PRIVD_SUBJECT_REVOKED, (enum privd_purpose)p, false, &e, &why),
		                 PRIVD_OK);
		assert_int_equal(e, PRIVD_CONSENT_EFFECT_NONE);
	}
	assert_int_equal(privd_consent_effect(PRIVD_SUBJECT_ERASED, PRIVD_PURPOSE_PROCESSING, false, &e, &why),
	                 PRIVD_ERR_GONE);
}

/* Destruction 30 calendar days after receipt; an earlier schedule is kept. */
static void test_erase_after(void **state)
{
	const int64_t day = 24LL * 3600 * 1000, received = 1750023000000LL;

	(void)state;
	assert_int_equal(privd_consent_erase_after(received, 30, 0), received + 30 * day);
	assert_int_equal(privd_consent_erase_after(received, 30, received + 5 * day), received + 5 * day);
	assert_int_equal(privd_consent_erase_after(received, 30, received + 40 * day), received + 30 * day);
	assert_int_equal(privd_consent_erase_after(received, 0, 0), received);
	assert_int_equal(privd_consent_erase_after(received, -3, 0), received);
	assert_int_equal(privd_consent_erase_after(0, 0, 0), 1);
}

/* A grant that names a consent text (152-FZ Art. 9 as amended by 156-FZ). */
static void apply_text(struct privd_consent_state *s, const char *purpose, bool granted, int64_t at,
                       const char *text_version, const char *lang)
{
	const struct privd_consent_event e = {.purpose = purpose,
	                                      .granted = granted,
	                                      .at_ms = at,
	                                      .policy_version = "v1",
	                                      .text_version = text_version,
	                                      .text_language = lang};

	privd_consent_state_apply_event(s, &e);
}

static void test_reconsent_on_new_text(void **state)
{
	const char *texts_ru_t1[PRIVD_LANG_COUNT] = {[PRIVD_LANG_RU] = "t1", [PRIVD_LANG_EN] = "t1"};
	const char *texts_ru_t2[PRIVD_LANG_COUNT] = {[PRIVD_LANG_RU] = "t2", [PRIVD_LANG_EN] = "t1"};
	struct privd_consent_state s;
	struct privd_consent_answer a;

	(void)state;
	privd_consent_state_init(&s, PRIVD_SUBJECT_ACTIVE);
	apply_text(&s, "processing", true, 1000, "t1", "ru");
	apply_text(&s, "third_party_transfer", true, 1000, "t1", "en");
	privd_consent_state_answer(&s, PRIVD_PURPOSE_PROCESSING, "v1", texts_ru_t1, &a);
	assert_true(a.granted);
	assert_string_equal(a.text_version, "t1");
	assert_false(a.reconsent_required);
	/* a newer Russian text: the Russian grant asks again, the English one does not */
	privd_consent_state_answer(&s, PRIVD_PURPOSE_PROCESSING, "v1", texts_ru_t2, &a);
	assert_true(a.granted); /* still granted: the person is asked, nothing is withdrawn */
	assert_true(a.reconsent_required);
	privd_consent_state_answer(&s, PRIVD_PURPOSE_THIRD_PARTY_TRANSFER, "v1", texts_ru_t2, &a);
	assert_false(a.reconsent_required);
	/* consenting again to the new text clears it */
	apply_text(&s, "processing", true, 2000, "t2", "ru");
	privd_consent_state_answer(&s, PRIVD_PURPOSE_PROCESSING, "v1", texts_ru_t2, &a);
	assert_false(a.reconsent_required);
	assert_string_equal(a.text_version, "t2");
	/* a revocation names no text and asks for nothing */
	apply_text(&s, "processing", false, 3000, NULL, NULL);
	privd_consent_state_answer(&s, PRIVD_PURPOSE_PROCESSING, "v1", texts_ru_t2, &a);
	assert_false(a.granted);
	assert_false(a.reconsent_required);
	assert_string_equal(a.text_version, "");
	/* a grant that names no text (before texts existed, or through a guardian's request) is judged by the policy */
	apply_event(&s, "processing", true, 4000, "v1");
	privd_consent_state_answer(&s, PRIVD_PURPOSE_PROCESSING, "v1", texts_ru_t2, &a);
	assert_false(a.reconsent_required);
	/* a text in a language privd does not know is taken as none */
	apply_text(&s, "processing", true, 5000, "t1", "de");
	assert_string_equal(s.purpose[PRIVD_PURPOSE_PROCESSING].text_version, "");
	/* and no current text, nothing to ask for */
	apply_text(&s, "processing", true, 6000, "t1", "ru");
	privd_consent_state_answer(&s, PRIVD_PURPOSE_PROCESSING, "v1", NULL, &a);
	assert_false(a.reconsent_required);
	privd_consent_state_answer(&s, PRIVD_PURPOSE_PROCESSING, "v2", texts_ru_t1, &a);
	assert_true(a.reconsent_required); /* the policy still counts */
}

static void test_text_verdict(void **state)
{
	(void)state;
	assert_true(privd_purpose_has_text(PRIVD_PURPOSE_PROCESSING));
	assert_true(privd_purpose_has_text(PRIVD_PURPOSE_THIRD_PARTY_TRANSFER));
	assert_false(privd_purpose_has_text(PRIVD_PURPOSE_COOKIES_ANALYTICS));
	assert_false(privd_purpose_has_text(PRIVD_PURPOSE_COUNT));
	assert_int_equal(privd_consent_text_verdict(PRIVD_PURPOSE_PROCESSING, true, "2", "2"), PRIVD_TEXT_OK);
	assert_int_equal(privd_consent_text_verdict(PRIVD_PURPOSE_PROCESSING, true, NULL, "2"), PRIVD_TEXT_MISSING);
	assert_int_equal(privd_consent_text_verdict(PRIVD_PURPOSE_PROCESSING, true, NULL, NULL), PRIVD_TEXT_MISSING);
	assert_int_equal(privd_consent_text_verdict(PRIVD_PURPOSE_PROCESSING, true, "1", NULL), PRIVD_TEXT_UNPUBLISHED);
	assert_int_equal(privd_consent_text_verdict(PRIVD_PURPOSE_THIRD_PARTY_TRANSFER, true, "1", "2"),
	                 PRIVD_TEXT_STALE);
	assert_int_equal(privd_consent_text_verdict(PRIVD_PURPOSE_THIRD_PARTY_TRANSFER, true, "2 ", "2"),
	                 PRIVD_TEXT_STALE);
	/* a refusal needs no text, whatever it names */
	assert_int_equal(privd_consent_text_verdict(PRIVD_PURPOSE_PROCESSING, false, NULL, "2"), PRIVD_TEXT_OK);
	assert_int_equal(privd_consent_text_verdict(PRIVD_PURPOSE_PROCESSING, false, "1", "2"), PRIVD_TEXT_OK);
	/* cookie categories have none */
	assert_int_equal(privd_consent_text_verdict(PRIVD_PURPOSE_COOKIES_MARKETING, true, NULL, NULL), PRIVD_TEXT_OK);
	assert_int_equal(privd_consent_text_verdict(PRIVD_PURPOSE_COOKIES_MARKETING, true, "1", NULL),
	                 PRIVD_TEXT_NOT_APPLICABLE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_purpose_names),
	    cmocka_unit_test(test_cookie_categories),
	    cmocka_unit_test(test_status_names),
	    cmocka_unit_test(test_status_round_trip),
	    cmocka_unit_test(test_no_record),
	    cmocka_unit_test(test_latest_record_wins),
	    cmocka_unit_test(test_pending_guardian_never_granted),
	    cmocka_unit_test(test_reconsent_on_new_version),
	    cmocka_unit_test(test_long_policy_version),
	    cmocka_unit_test(test_bad_purpose_ignored),
	    cmocka_unit_test(test_events_latest_wins_per_purpose),
	    cmocka_unit_test(test_events_versions),
	    cmocka_unit_test(test_events_unknown_purpose_skipped),
	    cmocka_unit_test(test_events_status_decides),
	    cmocka_unit_test(test_revoked_never_granted),
	    cmocka_unit_test(test_consent_effect),
	    cmocka_unit_test(test_erase_after),
	    cmocka_unit_test(test_reconsent_on_new_text),
	    cmocka_unit_test(test_text_verdict),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
