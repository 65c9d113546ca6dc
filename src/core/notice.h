/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * notice.h - the notices privd owes a person, as states: which notice it is (its kind) and where it stands in
 * the outbox (its status).
 *
 * A notice is queued in the same transaction as the change it reports and waits in the outbox until delivery
 * sends it or gives up; an erasure cancels what is still queued, since nobody is left to tell. The store keeps
 * kind and status as the names below, so those strings are part of the data format: existing databases hold
 * them and an export shows them, and they never change. Everything above the store compares the enums; the
 * names appear only in SQL, in rendering and in parsing.
 */
#ifndef PRIVD_CORE_NOTICE_H
#define PRIVD_CORE_NOTICE_H

#include "rc.h"

/* What a person is told. */
enum privd_notice_kind {
	PRIVD_NOTICE_REQUEST_RECEIVED = 0,   /* the scan arrived: the request runs, with its due date */
	PRIVD_NOTICE_REQUEST_REJECTED,       /* with the reason */
	PRIVD_NOTICE_REQUEST_EXTENDED,       /* the due date moved once, with the reason */
	PRIVD_NOTICE_REQUEST_COMPLETED,      /* carried out; for an erasure, the confirmation that the data is gone */
	PRIVD_NOTICE_POLICY_PUBLISHED,       /* an important notification: a new privacy policy was published */
	PRIVD_NOTICE_REQUEST_ANSWERED,       /* an inquiry's answer, whole */
	PRIVD_NOTICE_CONSENT_TEXT_PUBLISHED, /* an important notification: a new consent text was published */
	PRIVD_NOTICE_INCIDENT,               /* a breach concerned the person's data (152-FZ Art. 21, GDPR Art. 34) */
	PRIVD_NOTICE_KIND_COUNT
};

/* Where a notice stands. Only queued holds a message key and its sealed recipient and text; the others are final,
 * and once a notice is final the key is destroyed and the sealed columns emptied. */
enum privd_notice_status {
	PRIVD_NOTICE_QUEUED = 0, /* waiting for delivery */
	PRIVD_NOTICE_SENT,       /* delivered */
	PRIVD_NOTICE_FAILED,     /* given up */
	PRIVD_NOTICE_CANCELLED,  /* still queued when the person was erased */
	PRIVD_NOTICE_STATUS_COUNT
};

/* "request.received", "request.rejected", "request.extended", "request.completed", "policy.published",
 * "request.answered", "consent_text.published", "incident"; "unknown" outside the enum. Never NULL. */
const char *privd_notice_kind_name(enum privd_notice_kind k);

/* Parses a kind name exactly (case-sensitive); PRIVD_ERR_INVALID for anything else, including NULL, and *out is
 * then left unchanged. out may be NULL. */
enum privd_rc privd_notice_kind_parse(const char *name, enum privd_notice_kind *out);

/* "queued", "sent", "failed", "cancelled"; "unknown" outside the enum. Never NULL. */
const char *privd_notice_status_name(enum privd_notice_status s);

/* As privd_notice_kind_parse, for status names. */
enum privd_rc privd_notice_status_parse(const char *name, enum privd_notice_status *out);

#endif
