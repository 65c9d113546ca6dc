/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * transfer.h - transfers of personal data to third parties, as rules: on what legal basis data may leave, which
 * fields, who may receive it, what was decided for each person and why, and when a transfer abroad may start.
 *
 * The policy promises that data goes to trusted third parties only with the person's consent "for the purpose of
 * providing services", or where Russian law requires it (a court decision, a law, the protection of someone's
 * rights or safety), and never silently: so every person in a transfer gets a verdict of their own, and a refusal
 * names its reason. A transfer abroad is 152-FZ Art. 12's: the operator files a notification with Roskomnadzor
 * before the first transfer, and to a country without adequate protection nothing goes while Roskomnadzor reviews
 * it (10 working days). The names below are stored and shown by the API, so they are part of the data format.
 * Pure functions: the caller passes the calendar and the consent state.
 */
#ifndef PRIVD_CORE_TRANSFER_H
#define PRIVD_CORE_TRANSFER_H

#include <stdbool.h>
#include <stddef.h>

#include "calendar.h"
#include "consent.h"
#include "rc.h"
#include "validate.h"

/* Why data may leave. */
enum privd_legal_basis {
	PRIVD_BASIS_CONSENT = 0,          /* the person's consent to third_party_transfer (152-FZ Art. 6 p.1 item 1) */
	PRIVD_BASIS_COURT_DECISION,       /* a court decision (Art. 6 p.1 item 3) */
	PRIVD_BASIS_LAW,                  /* a federal law requires it (Art. 6 p.1 item 2) */
	PRIVD_BASIS_PROTECTION_OF_RIGHTS, /* someone's rights, property or safety are threatened (Art. 6 p.1 item 7) */
	PRIVD_BASIS_COUNT
};

/* "consent", "court_decision", "law", "protection_of_rights"; "unknown" outside the enum. Never NULL. */
const char *privd_legal_basis_name(enum privd_legal_basis b);
/* Parses those names exactly; PRIVD_ERR_INVALID for anything else (NULL included), *out then unchanged. */
enum privd_rc privd_legal_basis_parse(const char *name, enum privd_legal_basis *out);
/* Whether a transfer on basis b must name its reference (a court decision's number and date, the law): every basis
 * but consent. Cannot fail. */
bool privd_legal_basis_needs_reference(enum privd_legal_basis b);

/* The fields of a person a transfer may carry, as bits of a mask. */
enum privd_transfer_field {
	PRIVD_TFIELD_NAME = 0,
	PRIVD_TFIELD_EMAIL,
	PRIVD_TFIELD_PHONE,
	PRIVD_TFIELD_IP,
	PRIVD_TFIELD_BIRTH_DATE,
	PRIVD_TFIELD_RESIDENCE_COUNTRY,
	PRIVD_TFIELD_COUNT
};
#define PRIVD_TFIELDS_ALL ((1u << PRIVD_TFIELD_COUNT) - 1u)
/* Room for every field name, comma-separated, and a NUL. */
#define PRIVD_TFIELDS_TEXT_MAX 64

/* "name", "email", "phone", "ip", "birth_date", "residence_country"; "unknown" outside the enum. Never NULL. */
const char *privd_transfer_field_name(enum privd_transfer_field f);
enum privd_rc privd_transfer_field_parse(const char *name, enum privd_transfer_field *out);
/* The mask as names in the enum's order, comma-separated ("name,email"), into out (PRIVD_TFIELDS_TEXT_MAX bytes
 * suffice). Cannot fail. */
void privd_transfer_fields_format(unsigned mask, char *out, size_t outlen);
/* The reverse of privd_transfer_fields_format: "" is the empty mask. PRIVD_ERR_INVALID for a name that is not one
 * (*out then unchanged). */
enum privd_rc privd_transfer_fields_parse(const char *text, unsigned *out);

/* What became of one person in a transfer: the disclosure log's outcome. */
enum privd_disclosure_outcome {
	PRIVD_DISCLOSURE_QUEUED = 0, /* accepted: waiting for delivery */
	PRIVD_DISCLOSURE_DELIVERED,  /* the recipient took it */
	PRIVD_DISCLOSURE_REFUSED,    /* not sent, with its reason */
	PRIVD_DISCLOSURE_FAILED,     /* delivery gave up: nothing was taken */
	PRIVD_DISCLOSURE_OUTCOME_COUNT
};
/* "queued", "delivered", "refused", "failed"; "unknown" outside the enum. Never NULL. */
const char *privd_disclosure_outcome_name(enum privd_disclosure_outcome o);
enum privd_rc privd_disclosure_outcome_parse(const char *name, enum privd_disclosure_outcome *out);

/* Why a person's data was not sent. */
enum privd_refusal {
	PRIVD_REFUSAL_NONE = 0,
	PRIVD_REFUSAL_NOT_FOUND,          /* no such subject */
	PRIVD_REFUSAL_ERASED,             /* the data was destroyed */
	PRIVD_REFUSAL_REVOKED,            /* consent to processing revoked */
	PRIVD_REFUSAL_PENDING_GUARDIAN,   /* a minor whose guardian has not consented */
	PRIVD_REFUSAL_NO_CONSENT,         /* consent to third_party_transfer not given, or withdrawn */
	PRIVD_REFUSAL_RECONSENT_REQUIRED, /* given on a policy or consent text that is no longer current */
	PRIVD_REFUSAL_COUNT
};
/* "", "not_found", "erased", "revoked", "pending_guardian", "no_consent", "reconsent_required"; "unknown" outside
 * the enum. Never NULL. */
const char *privd_refusal_name(enum privd_refusal r);
enum privd_rc privd_refusal_parse(const char *name, enum privd_refusal *out);

/* The verdict on one person of a transfer on basis b. exists: the subject is known; status: its status; transfer:
 * the answer of its consent check for third_party_transfer (may be NULL for a basis other than consent). Under
 * consent the person must have consent to third_party_transfer granted and current, and be neither erased, revoked
 * nor pending a guardian; under any other basis the data only has to exist (the law does not ask for consent, and a
 * revocation does not stop processing on another basis: 152-FZ Art. 9 p.2, Art. 21 p.5). PRIVD_REFUSAL_NONE means
 * the data may go. Cannot fail. */
enum privd_refusal privd_transfer_verdict(enum privd_legal_basis b, bool exists, enum privd_subject_status status,
                                          const struct privd_consent_answer *transfer);

/* ---- recipients ---- */

/* A recipient's endpoint: an https:// URL, or http:// to the loopback host only (127.0.0.0/8, [::1], localhost: a
 * local stand-in in tests). No user name or password in it (it is stored in clear), no white space or control
 * characters, at most PRIVD_ENDPOINT_MAX - 1 bytes. PRIVD_ERR_INVALID with *reason (may be NULL) a static sentence
 * otherwise. */
#define PRIVD_ENDPOINT_MAX 1024
enum privd_rc privd_recipient_endpoint_check(const char *url, const char **reason);

/* A short text a person reads (a recipient's name and purpose, an agreement's or a court decision's reference):
 * valid UTF-8, no control characters, not empty or only spaces, at most max bytes. PRIVD_ERR_INVALID with *reason
 * (may be NULL) a static sentence otherwise. */
enum privd_rc privd_transfer_text_check(const char *s, size_t max, const char **reason);

/* Whether a recipient in country (upper-case ISO 3166-1 alpha-2) receives data across the border of Russia
 * (152-FZ Art. 12). Cannot fail. */
bool privd_recipient_cross_border(const char *country);

/* Roskomnadzor reviews a cross-border notification within 10 working days (152-FZ Art. 12). */
#define PRIVD_CROSS_BORDER_REVIEW_DAYS 10

/* The first day a transfer to a recipient abroad may go, its notification filed on filed_on: to a country with
 * adequate protection, the filing day itself; to any other, the day after the review's 10th working day after
 * filing (counted on c as request deadlines are: the filing day never counts). *estimated (may be NULL) is set
 * when the count crossed a year c does not know in full. Cannot fail. */
void privd_cross_border_not_before(const struct privd_calendar *c, const struct privd_date *filed_on, bool adequate,
                                   struct privd_date *out, bool *estimated);

#endif
