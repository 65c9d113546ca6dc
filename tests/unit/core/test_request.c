/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_request.c - the rights-request state machine, every status against every action, and each type's rules.
 *
 * The table below is the rule book written out by hand: each (status, extended, action) that is allowed and
 * what it leads to. Everything not in it must be refused with a conflict, a reason, and the state untouched,
 * because the service relies on that to never execute, reopen or extend twice whatever the caller retries. The
 * types' deadlines are 152-FZ Art. 20 pp.1-3 and the policy's 10 working days, written out per type too.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/request.h"

#define AWAITING PRIVD_REQUEST_STATUS_AWAITING_DOCUMENT
#define RECEIVED PRIVD_REQUEST_STATUS_RECEIVED
#define ACCEPTED PRIVD_REQUEST_STATUS_ACCEPTED
#define REJECTED PRIVD_REQUEST_STATUS_REJECTED
#define COMPLETED PRIVD_REQUEST_STATUS_COMPLETED

#define ATTACH PRIVD_REQUEST_EVENT_ATTACH_DOCUMENT
#define ACCEPT PRIVD_REQUEST_EVENT_ACCEPT
#define REJECT PRIVD_REQUEST_EVENT_REJECT
#define EXTEND PRIVD_REQUEST_EVENT_EXTEND
#define EXECUTE PRIVD_REQUEST_EVENT_EXECUTE
#define ANSWER PRIVD_REQUEST_EVENT_ANSWER

struct allowed {
	enum privd_request_status from;
	bool extended;
	enum privd_request_event ev;
	enum privd_request_status to;
	bool extended_after;
};

static const struct allowed allowed[] = {
    {AWAITING, false, ATTACH, RECEIVED, false},   {AWAITING, true, ATTACH, RECEIVED, true},
    {RECEIVED, false, ATTACH, RECEIVED, false},   {RECEIVED, true, ATTACH, RECEIVED, true},
    {RECEIVED, false, ACCEPT, ACCEPTED, false},   {RECEIVED, true, ACCEPT, ACCEPTED, true},
    {RECEIVED, false, REJECT, REJECTED, false},   {RECEIVED, true, REJECT, REJECTED, true},
    {RECEIVED, false, EXTEND, RECEIVED, true},    {ACCEPTED, false, EXTEND, ACCEPTED, true},
    {ACCEPTED, false, REJECT, REJECTED, false},   {ACCEPTED, true, REJECT, REJECTED, true},
    {ACCEPTED, false, EXECUTE, COMPLETED, false}, {ACCEPTED, true, EXECUTE, COMPLETED, true},
    {RECEIVED, false, ANSWER, COMPLETED, false},  {RECEIVED, true, ANSWER, COMPLETED, true},
    {ACCEPTED, false, ANSWER, COMPLETED, false},  {ACCEPTED, true, ANSWER, COMPLETED, true},
};

#define NALLOWED (sizeof(allowed) / sizeof(allowed[0]))

static const struct allowed *find_allowed(enum privd_request_status s, bool extended, enum privd_request_event ev)
{
	for (size_t i = 0; i < NALLOWED; i++) {
		if (allowed[i].from == s && allowed[i].extended == extended && allowed[i].ev == ev)
			return &allowed[i];
	}
	return NULL;
}

static void test_type_names(void **state)
{
	static const char *const names[] = {
	    "erase",          "rectify",          "access", "transfer_info", "revoke_processing",
	    "revoke_cookies", "guardian_consent", "inquiry"};
	enum privd_request_type t;

	(void)state;
	assert_int_equal(sizeof(names) / sizeof(names[0]), PRIVD_REQUEST_TYPE_COUNT);
	for (int i = 0; i < PRIVD_REQUEST_TYPE_COUNT; i++) {
		assert_string_equal(privd_request_type_name((enum privd_request_type)i), names[i]);
		assert_int_equal(privd_request_type_parse(names[i], &t), PRIVD_OK);
		assert_int_equal(t, i);
	}
	t = PRIVD_REQUEST_TYPE_ACCESS;
	assert_int_equal(privd_request_type_parse("Erase", &t), PRIVD_ERR_INVALID);
	assert_int_equal(privd_request_type_parse("delete", &t), PRIVD_ERR_INVALID);
	assert_int_equal(privd_request_type_parse("revoke", &t), PRIVD_ERR_INVALID);
	assert_int_equal(privd_request_type_parse("erase ", &t), PRIVD_ERR_INVALID);
	assert_int_equal(privd_request_type_parse("", &t), PRIVD_ERR_INVALID);
	assert_int_equal(privd_request_type_parse(NULL, &t), PRIVD_ERR_INVALID);
	assert_int_equal(t, PRIVD_REQUEST_TYPE_ACCESS);
	assert_int_equal(privd_request_type_parse("erase", NULL), PRIVD_OK);
	assert_string_equal(privd_request_type_name(PRIVD_REQUEST_TYPE_COUNT), "unknown");
	assert_string_equal(privd_request_type_name((enum privd_request_type) - 1), "unknown");
}

static void test_status_names(void **state)
{
	static const char *const names[] = {"awaiting_document", "received", "accepted", "rejected", "completed"};
	enum privd_request_status s;

	(void)state;
	assert_int_equal(sizeof(names) / sizeof(names[0]), PRIVD_REQUEST_STATUS_COUNT);
	for (int i = 0; i < PRIVD_REQUEST_STATUS_COUNT; i++) {
		assert_string_equal(privd_request_status_name((enum privd_request_status)i), names[i]);
		assert_int_equal(privd_request_status_parse(names[i], &s), PRIVD_OK);
		assert_int_equal(s, i);
	}
	assert_int_equal(privd_request_status_parse("pending", &s), PRIVD_ERR_INVALID);
	assert_int_equal(privd_request_status_parse("Completed", &s), PRIVD_ERR_INVALID);
	assert_int_equal(privd_request_status_parse(NULL, &s), PRIVD_ERR_INVALID);
	assert_string_equal(privd_request_status_name(PRIVD_REQUEST_STATUS_COUNT), "unknown");
}

static void test_event_names(void **state)
{
	static const char *const names[] = {"attach_document", "accept", "reject", "extend", "execute", "answer"};
	enum privd_request_event ev;

	(void)state;
	assert_int_equal(sizeof(names) / sizeof(names[0]), PRIVD_REQUEST_EVENT_COUNT);
	for (int i = 0; i < PRIVD_REQUEST_EVENT_COUNT; i++) {
		assert_string_equal(privd_request_event_name((enum privd_request_event)i), names[i]);
		assert_int_equal(privd_request_event_parse(names[i], &ev), PRIVD_OK);
		assert_int_equal(ev, i);
	}
	assert_int_equal(privd_request_event_parse("approve", &ev), PRIVD_ERR_INVALID);
	assert_int_equal(privd_request_event_parse("ACCEPT", &ev), PRIVD_ERR_INVALID);
	assert_int_equal(privd_request_event_parse(NULL, &ev), PRIVD_ERR_INVALID);
	assert_string_equal(privd_request_event_name(PRIVD_REQUEST_EVENT_COUNT), "unknown");
}

/* Every type, status and event survives name then parse; a name read back that is not one is refused. */
static void test_names_round_trip(void **state)
{
	enum privd_request_type t;
	enum privd_request_status s;
	enum privd_request_event ev;

	(void)state;
	for (int i = 0; i < PRIVD_REQUEST_TYPE_COUNT; i++) {
		t = PRIVD_REQUEST_TYPE_COUNT;
		assert_int_equal(privd_request_type_parse(privd_request_type_name((enum privd_request_type)i), &t),
		                 PRIVD_OK);
		assert_int_equal(t, i);
	}
	for (int i = 0; i < PRIVD_REQUEST_STATUS_COUNT; i++) {
		s = PRIVD_REQUEST_STATUS_COUNT;
		assert_int_equal(
		    privd_request_status_parse(privd_request_status_name((enum privd_request_status)i), &s), PRIVD_OK);
		assert_int_equal(s, i);
	}
	for (int i = 0; i < PRIVD_REQUEST_EVENT_COUNT; i++) {
		ev = PRIVD_REQUEST_EVENT_COUNT;
		assert_int_equal(privd_request_event_parse(privd_request_event_name((enum privd_request_event)i), &ev),
		                 PRIVD_OK);
		assert_int_equal(ev, i);
	}
	/* "unknown", what a value outside an enum is named, is not itself a name */
	assert_int_equal(privd_request_type_parse(privd_request_type_name(PRIVD_REQUEST_TYPE_COUNT), &t),
	                 PRIVD_ERR_INVALID);
	assert_int_equal(privd_request_status_parse(privd_request_status_name(PRIVD_REQUEST_STATUS_COUNT), &s),
	                 PRIVD_ERR_INVALID);
	assert_int_equal(privd_request_event_parse(privd_request_event_name(PRIVD_REQUEST_EVENT_COUNT), &ev),
	                 PRIVD_ERR_INVALID);
	assert_string_equal(privd_request_status_name((enum privd_request_status) - 1), "unknown");
	assert_string_equal(privd_request_event_name((enum privd_request_event) - 1), "unknown");
}

static void test_init_and_open(void **state)
{
	struct privd_request_state s = {.status = COMPLETED, .extended = true};

	(void)state;
	privd_request_state_init(&s, NULL);
	assert_int_equal(s.status, AWAITING);
	assert_false(s.extended);
	assert_true(privd_request_status_is_open(AWAITING));
	assert_true(privd_request_status_is_open(RECEIVED));
	assert_true(privd_request_status_is_open(ACCEPTED));
	assert_false(privd_request_status_is_open(REJECTED));
	assert_false(privd_request_status_is_open(COMPLETED));
}

/* Every status, with and without the extension used, against every action. */
static void test_every_transition(void **state)
{
	int checked_ok = 0;

	(void)state;
	for (int s = 0; s < PRIVD_REQUEST_STATUS_COUNT; s++) {
		for (int x = 0; x < 2; x++) {
			for (int e = 0; e < PRIVD_REQUEST_EVENT_COUNT; e++) {
				const struct privd_request_state cur = {.status = (enum privd_request_status)s,
				                                        .extended = x != 0};
				struct privd_request_state next = {.status = (enum privd_request_status)99,
				                                   .extended = false};
				const struct allowed *a =
				    find_allowed(cur.status, cur.extended, (enum privd_request_event)e);
				const char *reason = "unset";
				enum privd_rc rc =
				    privd_request_transition(&cur, (enum privd_request_event)e, &next, &reason);

				print_message("%s%s + %s\n", privd_request_status_name(cur.status),
				              cur.extended ? " (extended)" : "",
				              privd_request_event_name((enum privd_request_event)e));
				if (a != NULL) {
					assert_int_equal(rc, PRIVD_OK);
					assert_null(reason);
					assert_int_equal(next.status, a->to);
					assert_int_equal(next.extended, a->extended_after);
					checked_ok++;
				} else {
					assert_int_equal(rc, PRIVD_ERR_CONFLICT);
					assert_non_null(reason);
					assert_true(strlen(reason) > 0);
					assert_int_equal(next.status, 99); /* untouched */
				}
			}
		}
	}
	assert_int_equal(checked_ok, NALLOWED);
}

static void expect_refusal(enum privd_request_status s, bool extended, enum privd_request_event ev, const char *why)
{
	const struct privd_request_state cur = {.status = s, .extended = extended};
	struct privd_request_state next = cur;
	const char *reason = NULL;

	assert_int_equal(privd_request_transition(&cur, ev, &next, &reason), PRIVD_ERR_CONFLICT);
	assert_string_equal(reason, why);
}

static void test_refusal_reasons(void **state)
{
	(void)state;
	for (int e = 0; e < PRIVD_REQUEST_EVENT_COUNT; e++) {
		expect_refusal(COMPLETED, false, (enum privd_request_event)e, "the request is already completed");
		expect_refusal(COMPLETED, true, (enum privd_request_event)e, "the request is already completed");
		expect_refusal(REJECTED, false, (enum privd_request_event)e, "the request was rejected and is closed");
	}
	expect_refusal(AWAITING, false, ACCEPT, "no document has been received yet");
	expect_refusal(AWAITING, false, REJECT, "no document has been received yet");
	expect_refusal(AWAITING, false, EXTEND, "no document has been received yet");
	expect_refusal(AWAITING, false, EXECUTE, "no document has been received yet");
	expect_refusal(AWAITING, false, ANSWER, "no document has been received yet");
	expect_refusal(RECEIVED, true, EXTEND, "the due date was already extended once");
	expect_refusal(ACCEPTED, true, EXTEND, "the due date was already extended once");
	expect_refusal(RECEIVED, false, EXECUTE, "the request has not been accepted yet");
	expect_refusal(ACCEPTED, false, ACCEPT, "the request is already accepted");
	expect_refusal(ACCEPTED, false, ATTACH,
	               "the request is already accepted; its document can no longer be replaced");
}

/* The path a real request takes, applied in place (next == cur), with reason == NULL. */
static void test_lifecycle_in_place(void **state)
{
	struct privd_request_state s;

	(void)state;
	privd_request_state_init(&s, NULL);
	assert_int_equal(privd_request_transition(&s, ATTACH, &s, NULL), PRIVD_OK);
	assert_int_equal(privd_request_transition(&s, ATTACH, &s, NULL), PRIVD_OK); /* a better scan */
	assert_int_equal(s.status, RECEIVED);
	assert_int_equal(privd_request_transition(&s, EXTEND, &s, NULL), PRIVD_OK);
	assert_int_equal(privd_request_transition(&s, EXTEND, &s, NULL), PRIVD_ERR_CONFLICT);
	assert_int_equal(privd_request_transition(&s, ACCEPT, &s, NULL), PRIVD_OK);
	assert_int_equal(privd_request_transition(&s, EXTEND, &s, NULL), PRIVD_ERR_CONFLICT);
	assert_int_equal(privd_request_transition(&s, EXECUTE, &s, NULL), PRIVD_OK);
	assert_int_equal(s.status, COMPLETED);
	assert_true(s.extended);
	assert_int_equal(privd_request_transition(&s, REJECT, &s, NULL), PRIVD_ERR_CONFLICT);
	assert_int_equal(s.status, COMPLETED);
}

static void test_out_of_range(void **state)
{
	struct privd_request_state cur = {.status = RECEIVED, .extended = false};
	struct privd_request_state next = cur;
	const char *reason = NULL;

	(void)state;
	assert_int_equal(privd_request_transition(&cur, PRIVD_REQUEST_EVENT_COUNT, &next, &reason), PRIVD_ERR_INVALID);
	assert_non_null(reason);
	assert_int_equal(privd_request_transition(&cur, (enum privd_request_event) - 1, &next, NULL),
	                 PRIVD_ERR_INVALID);
	cur.status = PRIVD_REQUEST_STATUS_COUNT;
	assert_int_equal(privd_request_transition(&cur, ACCEPT, &next, NULL), PRIVD_ERR_INVALID);
	assert_int_equal(next.status, RECEIVED);
	assert_int_equal(privd_request_transition(NULL, ACCEPT, &next, NULL), PRIVD_ERR_INVALID);
	cur.status = RECEIVED;
	assert_int_equal(privd_request_transition(&cur, ACCEPT, NULL, NULL), PRIVD_ERR_INVALID);
}

static void test_overdue(void **state)
{
	const struct privd_date due = {2025, 5, 16};
	const struct privd_date day_before = {2025, 5, 15};
	const struct privd_date day_after = {2025, 5, 17};
	const struct privd_date next_year = {2026, 1, 1};

	(void)state;
	/* Open requests: overdue from the day after the due date on; the due day itself is on time. */
	for (int s = AWAITING; s <= ACCEPTED; s++) {
		assert_false(privd_request_overdue((enum privd_request_status)s, &due, &day_before));
		assert_false(privd_request_overdue((enum privd_request_status)s, &due, &due));
		assert_true(privd_request_overdue((enum privd_request_status)s, &due, &day_after));
		assert_true(privd_request_overdue((enum privd_request_status)s, &due, &next_year));
	}
	/* Closed requests never are. */
	assert_false(privd_request_overdue(COMPLETED, &due, &day_after));
	assert_false(privd_request_overdue(REJECTED, &due, &next_year));
	/* No due date yet (awaiting its document): never overdue. */
	assert_false(privd_request_overdue(AWAITING, NULL, &next_year));
	assert_false(privd_request_overdue(RECEIVED, &due, NULL));
}

/* 152-FZ Art. 20 pp.1-3 and the policy, type by type: {due_days, extension_days, document, answered}. */
static void test_default_rules(void **state)
{
	static const struct {
		enum privd_request_type t;
		struct privd_request_rule want;
	} rules[] = {
	    {PRIVD_REQUEST_TYPE_ACCESS, {10, 5, true, false}},
	    {PRIVD_REQUEST_TYPE_TRANSFER_INFO, {10, 5, true, false}},
	    {PRIVD_REQUEST_TYPE_INQUIRY, {10, 5, false, true}},
	    {PRIVD_REQUEST_TYPE_RECTIFY, {7, 0, true, false}},
	    {PRIVD_REQUEST_TYPE_ERASE, {10, 0, true, false}},
	    {PRIVD_REQUEST_TYPE_REVOKE_PROCESSING, {10, 0, true, false}},
	    {PRIVD_REQUEST_TYPE_REVOKE_COOKIES, {10, 0, true, false}},
	    {PRIVD_REQUEST_TYPE_GUARDIAN_CONSENT, {10, 0, true, false}},
	};
	struct privd_request_rule got;

	(void)state;
	assert_int_equal(sizeof(rules) / sizeof(rules[0]), PRIVD_REQUEST_TYPE_COUNT);
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		memset(&got, 0xff, sizeof(got));
		privd_request_rule_default(rules[i].t, &got);
		print_message("%s\n", privd_request_type_name(rules[i].t));
		assert_int_equal(got.due_days, rules[i].want.due_days);
		assert_int_equal(got.extension_days, rules[i].want.extension_days);
		assert_int_equal(got.document, rules[i].want.document);
		assert_int_equal(got.answered, rules[i].want.answered);
	}
	/* outside the enum: the strictest rule */
	privd_request_rule_default(PRIVD_REQUEST_TYPE_COUNT, &got);
	assert_int_equal(got.due_days, 10);
	assert_int_equal(got.extension_days, 0);
	assert_true(got.document);
	assert_false(got.answered);
}

/* An inquiry needs no document: it starts received. Every other type waits for its scan. */
static void test_initial_status(void **state)
{
	struct privd_request_rule rule;
	struct privd_request_state s;

	(void)state;
	for (int t = 0; t < PRIVD_REQUEST_TYPE_COUNT; t++) {
		privd_request_rule_default((enum privd_request_type)t, &rule);
		privd_request_state_init(&s, &rule);
		assert_int_equal(s.status, t == PRIVD_REQUEST_TYPE_INQUIRY ? RECEIVED : AWAITING);
		assert_false(s.extended);
	}
}

static void expect_rule(const struct privd_request_rule *rule, enum privd_request_event ev,
                        const struct privd_date *due, const struct privd_date *today, enum privd_rc want_rc,
                        enum privd_request_refusal want_why)
{
	enum privd_request_refusal why = (enum privd_request_refusal)99;
	const char *reason = "unset";

	assert_int_equal(privd_request_rule_allows(rule, ev, due, today, &why, &reason), want_rc);
	assert_int_equal(why, want_why);
	if (want_rc == PRIVD_OK)
		assert_null(reason);
	else
		assert_true(reason != NULL && strlen(reason) > 0);
}

/* Art. 20 p.2: an extension only for a type that allows one, and only until the due day ends. */
static void test_extension_rules(void **state)
{
	const struct privd_date due = {2026, 12, 14}, before = {2026, 12, 11}, after = {2026, 12, 15};
	struct privd_request_rule access, rectify;

	(void)state;
	privd_request_rule_default(PRIVD_REQUEST_TYPE_ACCESS, &access);
	privd_request_rule_default(PRIVD_REQUEST_TYPE_RECTIFY, &rectify);
	expect_rule(&access, EXTEND, &due, &before, PRIVD_OK, PRIVD_REQUEST_REFUSAL_NONE);
	expect_rule(&access, EXTEND, &due, &due, PRIVD_OK,
	            PRIVD_REQUEST_REFUSAL_NONE); /* the due day is still on time */
	expect_rule(&access, EXTEND, &due, &after, PRIVD_ERR_CONFLICT, PRIVD_REQUEST_REFUSAL_DEADLINE_PASSED);
	expect_rule(&rectify, EXTEND, &due, &before, PRIVD_ERR_CONFLICT, PRIVD_REQUEST_REFUSAL_NOT_EXTENDABLE);
	/* not extendable wins over a passed deadline: the type never allowed it */
	expect_rule(&rectify, EXTEND, &due, &after, PRIVD_ERR_CONFLICT, PRIVD_REQUEST_REFUSAL_NOT_EXTENDABLE);
	for (int t = 0; t < PRIVD_REQUEST_TYPE_COUNT; t++) {
		struct privd_request_rule r;

		privd_request_rule_default((enum privd_request_type)t, &r);
		expect_rule(&r, EXTEND, &due, &before, r.extension_days > 0 ? PRIVD_OK : PRIVD_ERR_CONFLICT,
		            r.extension_days > 0 ? PRIVD_REQUEST_REFUSAL_NONE : PRIVD_REQUEST_REFUSAL_NOT_EXTENDABLE);
	}
	/* a configuration that makes rectify extendable is obeyed */
	rectify.extension_days = 3;
	expect_rule(&rectify, EXTEND, &due, &before, PRIVD_OK, PRIVD_REQUEST_REFUSAL_NONE);
	/* no due date yet: only the type decides */
	expect_rule(&access, EXTEND, NULL, &after, PRIVD_OK, PRIVD_REQUEST_REFUSAL_NONE);
}

/* An inquiry is answered, not executed, and takes no document; the others are executed, never answered. */
static void test_answer_rules(void **state)
{
	const struct privd_date today = {2026, 12, 1};
	struct privd_request_rule inquiry, erase;

	(void)state;
	privd_request_rule_default(PRIVD_REQUEST_TYPE_INQUIRY, &inquiry);
	privd_request_rule_default(PRIVD_REQUEST_TYPE_ERASE, &erase);
	expect_rule(&inquiry, ANSWER, NULL, &today, PRIVD_OK, PRIVD_REQUEST_REFUSAL_NONE);
	expect_rule(&inquiry, EXECUTE, NULL, &today, PRIVD_ERR_CONFLICT, PRIVD_REQUEST_REFUSAL_NONE);
	expect_rule(&inquiry, ATTACH, NULL, &today, PRIVD_ERR_CONFLICT, PRIVD_REQUEST_REFUSAL_NONE);
	expect_rule(&inquiry, ACCEPT, NULL, &today, PRIVD_OK, PRIVD_REQUEST_REFUSAL_NONE);
	expect_rule(&inquiry, REJECT, NULL, &today, PRIVD_OK, PRIVD_REQUEST_REFUSAL_NONE);
	expect_rule(&erase, ANSWER, NULL, &today, PRIVD_ERR_CONFLICT, PRIVD_REQUEST_REFUSAL_NONE);
	expect_rule(&erase, EXECUTE, NULL, &today, PRIVD_OK, PRIVD_REQUEST_REFUSAL_NONE);
	expect_rule(&erase, ATTACH, NULL, &today, PRIVD_OK, PRIVD_REQUEST_REFUSAL_NONE);
	assert_int_equal(privd_request_rule_allows(NULL, ANSWER, NULL, &today, NULL, NULL), PRIVD_ERR_INVALID);
	assert_int_equal(privd_request_rule_allows(&erase, PRIVD_REQUEST_EVENT_COUNT, NULL, &today, NULL, NULL),
	                 PRIVD_ERR_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_type_names),      cmocka_unit_test(test_status_names),
	    cmocka_unit_test(test_event_names),     cmocka_unit_test(test_names_round_trip),
	    cmocka_unit_test(test_init_and_open),   cmocka_unit_test(test_every_transition),
	    cmocka_unit_test(test_refusal_reasons), cmocka_unit_test(test_lifecycle_in_place),
	    cmocka_unit_test(test_out_of_range),    cmocka_unit_test(test_overdue),
	    cmocka_unit_test(test_default_rules),   cmocka_unit_test(test_initial_status),
	    cmocka_unit_test(test_extension_rules), cmocka_unit_test(test_answer_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
