/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * request.h - the data subject's rights requests: their types, statuses and the state machine between them.
 *
 * The law gives the operator 10 working days from receipt of a duly executed document, extendable once by 5
 * (152-FZ Art. 20), and every step is something the person is told and an auditor may check later. So the
 * rules live in one pure function that says yes or no with a reason, and the service applies its answer in
 * the same transaction as the audit entry: a request can never be executed before it was accepted, reopened
 * once closed, or extended twice, whichever endpoint or command line asked. Dates are passed in; nothing here reads
 * a clock.
 *
 *   awaiting_document --attach_document--> received --accept--> accepted --execute--> completed
 *   received --attach_document--> received     (the scan replaced before any decision)
 *   received, accepted --reject--> rejected
 *   received, accepted --extend--> the same status, once
 * completed and rejected are closed: nothing leaves them.
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
	PRIVD_REQUEST_EVENT_COUNT
};

/* What the state machine needs of a request; the service stores it with the rest. */
struct privd_request_state {
	enum privd_request_status status;
	bool extended; /* the one extension of the due date has been used */
};

/* "erase", "rectify", "access", "transfer_info", "revoke_processing", "revoke_cookies", "guardian_consent";
 * "unknown" for a value outside the enum. Never NULL. */
const char *privd_request_type_name(enum privd_request_type t);

/* Parses a type name exactly (case-sensitive); PRIVD_ERR_INVALID for anything else, including NULL, and *out is
 * then left unchanged. out may be NULL. */
enum privd_rc privd_request_type_parse(const char *name, enum privd_request_type *out);

/* "awaiting_document", "received", "accepted", "rejected", "completed"; "unknown" outside the enum. */
const char *privd_request_status_name(enum privd_request_status s);

/* As privd_request_type_parse, for status names. */
enum privd_rc privd_request_status_parse(const char *name, enum privd_request_status *out);

/* "attach_document", "accept", "reject", "extend", "execute"; "unknown" outside the enum. */
const char *privd_request_event_name(enum privd_request_event ev);

/* As privd_request_type_parse, for event names. The HTTP decision endpoint accepts only accept, reject and
 * extend: restricting the set is the caller's job. */
enum privd_rc privd_request_event_parse(const char *name, enum privd_request_event *out);

/* A new request: awaiting_document, not extended. Cannot fail. */
void privd_request_state_init(struct privd_request_state *s);

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
 *   execute          accepted -> completed.
 * Returns PRIVD_OK, or PRIVD_ERR_CONFLICT for any other combination, with *next untouched and *reason (reason
 * may be NULL) pointing to a static sentence the person or operator can be shown, e.g. "the request is already
 * completed", "the due date was already extended once", "no document has been received yet". On success
 * *reason is set to NULL. A NULL cur or next, or a state or event outside its enum, gives PRIVD_ERR_INVALID.
 */
enum privd_rc privd_request_transition(const struct privd_request_state *cur, enum privd_request_event ev,
                                       struct privd_request_state *next, const char **reason);

/*
 * True when a request in `status` is open (privd_request_status_is_open) and its due date lies before today:
 * the due day itself is still on time. due may be NULL (a request awaiting its document has no due date yet),
 * and then the answer is false. today is the operator's current date, passed in. Cannot fail.
 */
bool privd_request_overdue(enum privd_request_status status, const struct privd_date *due,
                           const struct privd_date *today);

#endif
