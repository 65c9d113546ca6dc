/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * request.c - rights-request names and state machine (see request.h).
 *
 * Two callers race for the same request in practice: an operator's decision and a retried upload, or two
 * operators at once. The service reads the state, asks privd_request_transition and writes the answer under
 * one transaction, so each rule has to be decidable from the state alone. The refusals are reasons a person
 * reads, so each names what stands in the way rather than the rule that was broken.
 */
#include "request.h"

#include <stddef.h>

#include "names.h"

static const char *const type_names[PRIVD_REQUEST_TYPE_COUNT] = {
    [PRIVD_REQUEST_TYPE_ERASE] = "erase",
    [PRIVD_REQUEST_TYPE_RECTIFY] = "rectify",
    [PRIVD_REQUEST_TYPE_ACCESS] = "access",
    [PRIVD_REQUEST_TYPE_TRANSFER_INFO] = "transfer_info",
    [PRIVD_REQUEST_TYPE_REVOKE_PROCESSING] = "revoke_processing",
    [PRIVD_REQUEST_TYPE_REVOKE_COOKIES] = "revoke_cookies",
    [PRIVD_REQUEST_TYPE_GUARDIAN_CONSENT] = "guardian_consent",
    [PRIVD_REQUEST_TYPE_INQUIRY] = "inquiry",
};

/* 152-FZ Art. 20 pp.1-3 and the policy's 10 working days: {due_days, extension_days, document, answered}. */
static const struct privd_request_rule default_rules[PRIVD_REQUEST_TYPE_COUNT] = {
    [PRIVD_REQUEST_TYPE_ERASE] = {10, 0, true, false},
    [PRIVD_REQUEST_TYPE_RECTIFY] = {7, 0, true, false},
    [PRIVD_REQUEST_TYPE_ACCESS] = {10, 5, true, false},
    [PRIVD_REQUEST_TYPE_TRANSFER_INFO] = {10, 5, true, false},
    [PRIVD_REQUEST_TYPE_REVOKE_PROCESSING] = {10, 0, true, false},
    [PRIVD_REQUEST_TYPE_REVOKE_COOKIES] = {10, 0, true, false},
    [PRIVD_REQUEST_TYPE_GUARDIAN_CONSENT] = {10, 0, true, false},
    [PRIVD_REQUEST_TYPE_INQUIRY] = {10, 5, false, true},
};

static const char *const status_names[PRIVD_REQUEST_STATUS_COUNT] = {
    [PRIVD_REQUEST_STATUS_AWAITING_DOCUMENT] = "awaiting_document",
    [PRIVD_REQUEST_STATUS_RECEIVED] = "received",
    [PRIVD_REQUEST_STATUS_ACCEPTED] = "accepted",
    [PRIVD_REQUEST_STATUS_REJECTED] = "rejected",
    [PRIVD_REQUEST_STATUS_COMPLETED] = "completed",
};

static const char *const event_names[PRIVD_REQUEST_EVENT_COUNT] = {
    [PRIVD_REQUEST_EVENT_ATTACH_DOCUMENT] = "attach_document",
    [PRIVD_REQUEST_EVENT_ACCEPT] = "accept",
    [PRIVD_REQUEST_EVENT_REJECT] = "reject",
    [PRIVD_REQUEST_EVENT_EXTEND] = "extend",
    [PRIVD_REQUEST_EVENT_EXECUTE] = "execute",
    [PRIVD_REQUEST_EVENT_ANSWER] = "answer",
};

#define NO_DOCUMENT "no document has been received yet"

static enum privd_rc refuse(const char **reason, enum privd_rc rc, const char *why)
{
	if (reason != NULL)
		*reason = why;
	return rc;
}

const char *privd_request_type_name(enum privd_request_type t)
{
	return privd_names_get(type_names, PRIVD_REQUEST_TYPE_COUNT, (int)t);
}

enum privd_rc privd_request_type_parse(const char *name, enum privd_request_type *out)
{
	int i = privd_names_find(type_names, PRIVD_REQUEST_TYPE_COUNT, name);

	if (i < 0)
		return PRIVD_ERR_INVALID;
	if (out != NULL)
		*out = (enum privd_request_type)i;
	return PRIVD_OK;
}

const char *privd_request_status_name(enum privd_request_status s)
{
	return privd_names_get(status_names, PRIVD_REQUEST_STATUS_COUNT, (int)s);
}

enum privd_rc privd_request_status_parse(const char *name, enum privd_request_status *out)
{
	int i = privd_names_find(status_names, PRIVD_REQUEST_STATUS_COUNT, name);

	if (i < 0)
		return PRIVD_ERR_INVALID;
	if (out != NULL)
		*out = (enum privd_request_status)i;
	return PRIVD_OK;
}

const char *privd_request_event_name(enum privd_request_event ev)
{
	return privd_names_get(event_names, PRIVD_REQUEST_EVENT_COUNT, (int)ev);
}

enum privd_rc privd_request_event_parse(const char *name, enum privd_request_event *out)
{
	int i = privd_names_find(event_names, PRIVD_REQUEST_EVENT_COUNT, name);

	if (i < 0)
		return PRIVD_ERR_INVALID;
	if (out != NULL)
		*out = (enum privd_request_event)i;
	return PRIVD_OK;
}

void privd_request_rule_default(enum privd_request_type t, struct privd_request_rule *out)
{
	static const struct privd_request_rule strictest = {10, 0, true, false};

	*out = (int)t >= 0 && t < PRIVD_REQUEST_TYPE_COUNT ? default_rules[t] : strictest;
}

void privd_request_state_init(struct privd_request_state *s, const struct privd_request_rule *rule)
{
	s->status =
	    rule != NULL && !rule->document ? PRIVD_REQUEST_STATUS_RECEIVED : PRIVD_REQUEST_STATUS_AWAITING_DOCUMENT;
	s->extended = false;
}

bool privd_request_status_is_open(enum privd_request_status s)
{
	return s != PRIVD_REQUEST_STATUS_COMPLETED && s != PRIVD_REQUEST_STATUS_REJECTED;
}

enum privd_rc privd_request_transition(const struct privd_request_state *cur, enum privd_request_event ev,
                                       struct privd_request_state *next, const char **reason)
{
	struct privd_request_state to;

	if (cur == NULL || next == NULL || (int)cur->status < 0 || (int)cur->status >= PRIVD_REQUEST_STATUS_COUNT ||
	    (int)ev < 0 || (int)ev >= PRIVD_REQUEST_EVENT_COUNT)
		return refuse(reason, PRIVD_ERR_INVALID, "unknown request state or action");
	to = *cur;

	/* Closed requests first: whatever is asked, the answer is the same. */
	if (cur->status == PRIVD_REQUEST_STATUS_COMPLETED)
		return refuse(reason, PRIVD_ERR_CONFLICT, "the request is already completed");
	if (cur->status == PRIVD_REQUEST_STATUS_REJECTED)
		return refuse(reason, PRIVD_ERR_CONFLICT, "the request was rejected and is closed");

	switch (ev) {
	case PRIVD_REQUEST_EVENT_ATTACH_DOCUMENT:
		if (cur->status == PRIVD_REQUEST_STATUS_ACCEPTED)
			return refuse(reason, PRIVD_ERR_CONFLICT,
			              "the request is already accepted; its document can no longer be replaced");
		to.status = PRIVD_REQUEST_STATUS_RECEIVED;
		break;
	case PRIVD_REQUEST_EVENT_ACCEPT:
		if (cur->status == PRIVD_REQUEST_STATUS_AWAITING_DOCUMENT)
			return refuse(reason, PRIVD_ERR_CONFLICT, NO_DOCUMENT);
		if (cur->status == PRIVD_REQUEST_STATUS_ACCEPTED)
			return refuse(reason, PRIVD_ERR_CONFLICT, "the request is already accepted");
		to.status = PRIVD_REQUEST_STATUS_ACCEPTED;
		break;
	case PRIVD_REQUEST_EVENT_REJECT:
		if (cur->status == PRIVD_REQUEST_STATUS_AWAITING_DOCUMENT)
			return refuse(reason, PRIVD_ERR_CONFLICT, NO_DOCUMENT);
		to.status = PRIVD_REQUEST_STATUS_REJECTED;
		break;
	case PRIVD_REQUEST_EVENT_EXTEND:
		if (cur->status == PRIVD_REQUEST_STATUS_AWAITING_DOCUMENT)
			return refuse(reason, PRIVD_ERR_CONFLICT, NO_DOCUMENT);
		if (cur->extended)
			return refuse(reason, PRIVD_ERR_CONFLICT, "the due date was already extended once");
		to.extended = true;
		break;
	case PRIVD_REQUEST_EVENT_EXECUTE:
		if (cur->status == PRIVD_REQUEST_STATUS_AWAITING_DOCUMENT)
			return refuse(reason, PRIVD_ERR_CONFLICT, NO_DOCUMENT);
		if (cur->status == PRIVD_REQUEST_STATUS_RECEIVED)
			return refuse(reason, PRIVD_ERR_CONFLICT, "the request has not been accepted yet");
		to.status = PRIVD_REQUEST_STATUS_COMPLETED;
		break;
	case PRIVD_REQUEST_EVENT_ANSWER:
		if (cur->status == PRIVD_REQUEST_STATUS_AWAITING_DOCUMENT)
			return refuse(reason, PRIVD_ERR_CONFLICT, NO_DOCUMENT);
		to.status = PRIVD_REQUEST_STATUS_COMPLETED;
		break;
	default:
		return refuse(reason, PRIVD_ERR_INVALID, "unknown request state or action");
	}
	*next = to;
	if (reason != NULL)
		*reason = NULL;
	return PRIVD_OK;
}

/* A refusal by the type's rules: the rule broken into *why, the sentence into *reason. */
static enum privd_rc refuse_rule(enum privd_request_refusal *why, const char **reason, enum privd_request_refusal rule,
                                 const char *sentence)
{
	if (why != NULL)
		*why = rule;
	return refuse(reason, PRIVD_ERR_CONFLICT, sentence);
}

enum privd_rc privd_request_rule_allows(const struct privd_request_rule *rule, enum privd_request_event ev,
                                        const struct privd_date *due, const struct privd_date *today,
                                        enum privd_request_refusal *why, const char **reason)
{
	if (why != NULL)
		*why = PRIVD_REQUEST_REFUSAL_NONE;
	if (rule == NULL || (int)ev < 0 || (int)ev >= PRIVD_REQUEST_EVENT_COUNT)
		return refuse(reason, PRIVD_ERR_INVALID, "unknown request rule or action");
	switch (ev) {
	case PRIVD_REQUEST_EVENT_EXTEND:
		if (rule->extension_days <= 0)
			return refuse_rule(why, reason, PRIVD_REQUEST_REFUSAL_NOT_EXTENDABLE,
			                   "the deadline of this type of request cannot be extended");
		if (due != NULL && today != NULL && privd_date_cmp(due, today) < 0)
			return refuse_rule(why, reason, PRIVD_REQUEST_REFUSAL_DEADLINE_PASSED,
			                   "the due date has passed; a deadline can only be extended before it ends");
		break;
	case PRIVD_REQUEST_EVENT_ATTACH_DOCUMENT:
		if (!rule->document)
			return refuse_rule(why, reason, PRIVD_REQUEST_REFUSAL_NONE,
			                   "this type of request takes no document");
		break;
	case PRIVD_REQUEST_EVENT_EXECUTE:
		if (rule->answered)
			return refuse_rule(why, reason, PRIVD_REQUEST_REFUSAL_NONE,
			                   "this type of request is completed by its answer, not executed");
		break;
	case PRIVD_REQUEST_EVENT_ANSWER:
		if (!rule->answered)
			return refuse_rule(why, reason, PRIVD_REQUEST_REFUSAL_NONE, "only an inquiry is answered");
		break;
	default:
		break;
	}
	if (reason != NULL)
		*reason = NULL;
	return PRIVD_OK;
}

bool privd_request_overdue(enum privd_request_status status, const struct privd_date *due,
                           const struct privd_date *today)
{
	if (!privd_request_status_is_open(status) || due == NULL || today == NULL)
		return false;
	return privd_date_cmp(due, today) < 0;
}
