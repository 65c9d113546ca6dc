/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * request.h - the data subject's rights requests: their types, statuses, the state machine between them, and
 * the deadline rules of each type.
 *
 * The law gives each right its own deadline (152-FZ Art. 20): information about the person's data (access, the
 * transfers, an inquiry) within 10 working days of the request, extendable once by 5 with a reasoned notice
 * (p.2); a correction within 7 working days of receiving the evidence, not extendable (p.3); and the policy
 * promises 10 working days for the rest. Every step is something the person is told and an auditor may check
 * later. So the rules live in pure functions that say yes or no with a reason, and the service applies their
 * answer in the same transaction as the audit entry: a request can never be executed before it was accepted,
 * reopened once closed, extended twice, extended when its type allows none or once its deadline has passed,
 * whichever endpoint or command line asked. Dates are passed in; nothing here reads a clock.
 *
 *   awaiting_document --attach_document--> received --accept--> accepted --execute--> completed
 *   received --attach_document--> received     (the scan replaced before any decision)
 *   received, accepted --reject--> rejected
 *   received, accepted --extend--> the same status, once
 *   received, accepted --answer--> completed   (an inquiry, answered)
 * A type that needs no document (an inquiry) starts received. completed and rejected are closed: nothing leaves
 * them.
 */
#ifndef PRIVD_CORE_REQUEST_H
#define PRIVD_CORE_REQUEST_H

#include <stdbool.h>

#include "rc.h"
#include "validate.h"

enum privd_request_type {
	PRIVD_REQUEST_TYPE_ERASE = 0,
	PRIVD_REQUEST_TYPE_RECTIFY,
	PRIVD_REQUEST_TYPE_ACCESS,
	PRIVD_REQUEST_TYPE_TRANSFER_INFO,
	PRIVD_REQUEST_TYPE_REVOKE_PROCESSING,
	PRIVD_REQUEST_TYPE_REVOKE_COOKIES,
	PRIVD_REQUEST_TYPE_GUARDIAN_CONSENT,
	PRIVD_REQUEST_TYPE_INQUIRY, /* a question about the person's data, answered in words */
	PRIVD_REQUEST_TYPE_COUNT
};

enum privd_request_status {
	PRIVD_REQUEST_STATUS_AWAITING_DOCUMENT = 0, /* filed, no scan yet: no due date */
	PRIVD_REQUEST_STATUS_RECEIVED,              /* scan attached, due date set, not decided */
	PRIVD_REQUEST_STATUS_ACCEPTED,              /* duly executed: to be carried out */
	PRIVD_REQUEST_STATUS_REJECTED,              /* closed with a reason the person is told */
	PRIVD_REQUEST_STATUS_COMPLETED,             /* carried out: closed */
	PRIVD_REQUEST_STATUS_COUNT
};

enum privd_request_event {
	PRIVD_REQUEST_EVENT_ATTACH_DOCUMENT = 0,
	PRIVD_REQUEST_EVENT_ACCEPT,
	PRIVD_REQUEST_EVENT_REJECT,
	PRIVD_REQUEST_EVENT_EXTEND,
	PRIVD_REQUEST_EVENT_EXECUTE,
	PRIVD_REQUEST_EVENT_ANSWER,
	PRIVD_REQUEST_EVENT_COUNT
};

/* What the state machine needs of a request; the service stores it with the rest. */
struct privd_request_state {
	enum privd_request_status status;
	bool extended; /* the one extension of the due date has been used */
};

/* Which of a type's rules refused an action, where the answer's problem type names it. */
enum privd_request_refusal {
	PRIVD_REQUEST_REFUSAL_NONE = 0,
	PRIVD_REQUEST_REFUSAL_NOT_EXTENDABLE,  /* the type allows no extension */
	PRIVD_REQUEST_REFUSAL_DEADLINE_PASSED, /* the due date has passed */
};

/* The deadline rules of one type of request. */
struct privd_request_rule {
	int due_days;       /* the due date is this working day after the day of receipt (>= 1) */
	int extension_days; /* working days one extension adds; 0: the type cannot be extended */
	bool document;      /* received when its scanned document arrives; false: received when filed */
	bool answered;      /* completed by an operator's answer in words, not by execution */
};

/* "erase", "rectify", "access", "transfer_info", "revoke_processing", "revoke_cookies", "guardian_consent",
 * "inquiry"; "unknown" for a value outside the enum. Never NULL. */
const char *privd_request_type_name(enum privd_request_type t);

/* Parses a type name exactly (case-sensitive); PRIVD_ERR_INVALID for anything else, including NULL, and *out is
 * then left unchanged. out may be NULL. */
enum privd_rc privd_request_type_parse(const char *name, enum privd_request_type *out);

/* "awaiting_document", "received", "accepted", "rejected", "completed"; "unknown" outside the enum. */
const char *privd_request_status_name(enum privd_request_status s);

/* As privd_request_type_parse, for status names. */
enum privd_rc privd_request_status_parse(const char *name, enum privd_request_status *out);

/* "attach_document", "accept", "reject", "extend", "execute", "answer"; "unknown" outside the enum. */
const char *privd_request_event_name(enum privd_request_event ev);

/* As privd_request_type_parse, for event names. The HTTP decision endpoint accepts only accept, reject and
 * extend: restricting the set is the caller's job. */
enum privd_rc privd_request_event_parse(const char *name, enum privd_request_event *out);

/*
 * The rules the law and the policy set for type t, before configuration changes them:
 *   access, transfer_info, inquiry                      10 working days, extendable once by 5 (Art. 20 pp.1-2);
 *   rectify                                             7 working days, not extendable (Art. 20 p.3);
 *   erase, revoke_processing, revoke_cookies,
 *   guardian_consent                                    10 working days (the policy's promise), not extendable.
 * Every type needs a scanned document except inquiry, which is also the one type answered rather than executed.
 * A type outside the enum gets the strictest rule (10 days, not extendable, a document). Cannot fail.
 */
void privd_request_rule_default(enum privd_request_type t, struct privd_request_rule *out);

/* A new request: awaiting_document, or received at once for a rule that needs no document; not extended.
 * rule may be NULL (a document is needed). Cannot fail. */
void privd_request_state_init(struct privd_request_state *s, const struct privd_request_rule *rule);

/* True while the request may still change: not completed and not rejected. Cannot fail. */
bool privd_request_status_is_open(enum privd_request_status s);

/*
 * Applies ev to cur and writes the resulting state to *next (next may be the same object as cur). Rules:
 *   attach_document  awaiting_document -> received (the caller sets received_at and the due date);
 *                    received -> received: the scan is replaced before any decision, and nothing else changes
 *                    (the caller keeps received_at and the due date);
 *   accept           received -> accepted;
 *   reject           received or accepted -> rejected;
 *   extend           received or accepted, only when not yet extended -> same status, extended = true;
 *   execute          accepted -> completed;
 *   answer           received or accepted -> completed.
 * Returns PRIVD_OK, or PRIVD_ERR_CONFLICT for any other combination, with *next untouched and *reason (reason
 * may be NULL) pointing to a static sentence the person or operator can be shown, e.g. "the request is already
 * completed", "the due date was already extended once", "no document has been received yet". On success
 * *reason is set to NULL. A NULL cur or next, or a state or event outside its enum, gives PRIVD_ERR_INVALID.
 */
enum privd_rc privd_request_transition(const struct privd_request_state *cur, enum privd_request_event ev,
                                       struct privd_request_state *next, const char **reason);

/*
 * What a request's type and deadline allow of ev, once privd_request_transition has allowed it for the state.
 * due is the current due date (NULL when none), today the operator's date. Refusals, each PRIVD_ERR_CONFLICT
 * with *why (may be NULL) naming the rule and *reason (may be NULL) a static sentence for a person:
 *   extend           a rule with extension_days 0: PRIVD_REQUEST_REFUSAL_NOT_EXTENDABLE;
 *                    today after the due date (the due day itself is still on time):
 * PRIVD_REQUEST_REFUSAL_DEADLINE_PASSED; attach_document  a rule that needs no document; execute          a rule that
 * is answered; answer           a rule that is not answered. PRIVD_OK otherwise, with *why PRIVD_REQUEST_REFUSAL_NONE
 * and *reason NULL. A NULL rule or an event outside its enum is PRIVD_ERR_INVALID.
 */
enum privd_rc privd_request_rule_allows(const struct privd_request_rule *rule, enum privd_request_event ev,
                                        const struct privd_date *due, const struct privd_date *today,
                                        enum privd_request_refusal *why, const char **reason);

/*
 * True when a request in `status` is open (privd_request_status_is_open) and its due date lies before today:
 * the due day itself is still on time. due may be NULL (a request awaiting its document has no due date yet),
 * and then the answer is false. today is the operator's current date, passed in. Cannot fail.
 */
bool privd_request_overdue(enum privd_request_status status, const struct privd_date *due,
                           const struct privd_date *today);

#endif
