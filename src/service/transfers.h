/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * transfers.h - the use cases of transfers to third parties (the recipients registry, transfers, the disclosure log)
 * and of marketing-safe aggregate exports: part of service.h's contract, which includes it, kept apart so that each
 * header stays readable. The same rules hold: plain C types, states as core's enums, safe from many threads.
 */
#ifndef PRIVD_SERVICE_TRANSFERS_H
#define PRIVD_SERVICE_TRANSFERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/aggregate.h"
#include "core/consent.h"
#include "core/notice.h"
#include "core/rc.h"
#include "core/transfer.h"

struct privd_service;
struct privd_principal;

/* ---- transfers to third parties ----
 * Recipients are registered by admins with the agreement that binds them to confidentiality, the fields they may
 * receive and their X25519 public key; a recipient outside Russia also with its 152-FZ Art. 12 notification to
 * Roskomnadzor. A change makes a new version (the old ones are kept: a transfer names the version it went to), and a
 * deactivated recipient receives nothing. A transfer names its legal basis; under consent each person is checked,
 * and refused with a reason when they may not be transferred. Accepted people are delivered in batches by the
 * outbound queue workers, sealed to the recipient's key, each checked again when sent; every decision and outcome
 * goes into the person's disclosure log. */
struct privd_recipient {
	char id[33];
	int version;
	char name[256];
	char purpose[512];
	char country[3];
	char endpoint[1024];
	char public_key[64]; /* base64 */
	char confidentiality_ref[256];
	unsigned fields_allowed; /* enum privd_transfer_field bits */
	bool cross_border;
	char notice_ref[256];     /* "" unless cross-border */
	char notice_filed_on[11]; /* "YYYY-MM-DD"; "" unless cross-border */
	bool adequate_protection;
	bool active;
	char transfers_from[11]; /* cross-border: the first day a transfer may go ("" otherwise) */
	bool transfers_from_estimated;
	char actor[80];     /* who made this version */
	int64_t created_at; /* version 1 */
	int64_t updated_at; /* this version */
};

/* A recipient as given: for a creation every field (NULL: absent), for a change only those to change. The three
 * cross-border fields may be given as null (their *_null flag) to clear them. */
struct privd_recipient_input {
	const char *name, *purpose, *country, *endpoint, *public_key, *confidentiality_ref;
	const char *const *fields_allowed; /* with nfields; NULL: absent */
	size_t nfields;
	const char *notice_ref, *notice_filed_on; /* cross_border_notice_ref, cross_border_notice_filed_on */
	bool notice_ref_null, notice_filed_on_null;
	int adequate_protection; /* -1 absent or null, 0, 1 */
	int active;              /* a change only: -1 absent, 0, 1 */
};

/* Registers a recipient (admin): name (1..200 bytes), purpose (1..500), country (ISO 3166-1 alpha-2), endpoint
 * (https://, or http:// to the loopback host), public_key (base64 of an X25519 public key), confidentiality_ref
 * (1..256: required, no transfer without an agreement), fields_allowed (names of transfer fields, at least one); a
 * country other than RU needs cross_border_notice_ref, cross_border_notice_filed_on (not in the future) and
 * adequate_protection, which RU refuses. PRIVD_ERR_INVALID naming every field at fault. Audited. */
enum privd_rc privd_service_recipient_create(struct privd_service *svc, const struct privd_principal *who,
                                             const struct privd_recipient_input *in, struct privd_recipient *out,
                                             struct privd_err *err);
/* A change (admin): the fields given, checked as at creation against the result (a recipient moved to RU has its
 * cross-border fields cleared), and active (reactivation or deactivation), as a new version. An empty change is
 * PRIVD_ERR_INVALID. PRIVD_ERR_NOT_FOUND; PRIVD_ERR_CONFLICT when another change came first. Audited. */
enum privd_rc privd_service_recipient_update(struct privd_service *svc, const struct privd_principal *who,
                                             const char *id, const struct privd_recipient_input *in,
                                             struct privd_recipient *out, struct privd_err *err);
/* The current version; with history, cb also gets every version, first first. PRIVD_ERR_NOT_FOUND. */
enum privd_rc privd_service_recipient_get(struct privd_service *svc, const char *id, struct privd_recipient *out,
                                          int (*history)(void *arg, const struct privd_recipient *r), void *arg,
                                          struct privd_err *err);
/* Every recipient's current version, oldest first. */
enum privd_rc privd_service_recipient_list(struct privd_service *svc,
                                           int (*cb)(void *arg, const struct privd_recipient *r), void *arg,
                                           struct privd_err *err);

struct privd_transfer_input {
	const char *recipient_id;
	const char *const *subject_ids; /* 1 .. PRIVD_TRANSFER_SUBJECTS_MAX, each once */
	size_t nsubjects;
	const char *const *fields; /* transfer field names, at least one */
	size_t nfields;
	const char *legal_basis; /* consent, court_decision, law, protection_of_rights */
	const char *reference;   /* required but for consent; 1..256 */
};
#define PRIVD_TRANSFER_SUBJECTS_MAX 10000

struct privd_transfer_refusal {
	char subject_id[33];
	enum privd_refusal reason;
};
struct privd_transfer_batch {
	char id[33];
	int seq;
	enum privd_notice_status status; /* queued, sent, failed */
	int subjects;
	int attempts;
	char last_error[160];
	int64_t created_at, sent_at, next_attempt_at;
};
struct privd_transfer {
	char id[33];
	struct privd_recipient recipient; /* the version it went to */
	enum privd_legal_basis basis;
	char reference[256];
	unsigned fields;   /* what leaves: asked for and allowed */
	unsigned withheld; /* asked for but not allowed to this recipient (filing only) */
	char actor[80];
	int64_t created_at;
	int requested;
	int64_t outcomes[PRIVD_DISCLOSURE_OUTCOME_COUNT]; /* the disclosure log's entries by outcome */
	int refused_at_filing;   /* people refused when it was filed (unknown ids too, which have no log) */
	int64_t refused_sending; /* people refused when their batch was sent */
	struct privd_transfer_refusal *refusals; /* filing: each person refused, in the order asked */
	size_t nrefusals;
	struct privd_transfer_batch *batches; /* a read: the deliveries */
	size_t nbatches;
	char not_before[11]; /* a cross-border refusal: the first day it may go */
	bool not_before_estimated;
};
void privd_transfer_clear(struct privd_transfer *t); /* frees refusals and batches; accepts NULL */

/* Files a transfer (operator, app): PRIVD_ERR_INVALID naming the fields at fault (an unknown recipient names
 * recipient_id; none of the fields allowed names fields); PRIVD_ERR_CONFLICT with the problem "recipient-inactive"
 * for a deactivated recipient, or "cross-border-review" while Roskomnadzor reviews the notification of a recipient
 * in a country without adequate protection (out->not_before says from when it may go). Each person is checked
 * (privd_transfer_verdict) and the refused are listed in out->refusals; the accepted are queued for delivery in
 * batches of [transfers] batch, and every one of them, refused or accepted, gets an entry in the disclosure log, in
 * one transaction with the transfer's audit entry. A transfer that refuses everyone is still filed. */
enum privd_rc privd_service_transfer_create(struct privd_service *svc, const struct privd_principal *who,
                                            const struct privd_transfer_input *in, struct privd_transfer *out,
                                            struct privd_err *err);
/* A transfer with its outcomes and batches. PRIVD_ERR_NOT_FOUND. */
enum privd_rc privd_service_transfer_get(struct privd_service *svc, const char *id, struct privd_transfer *out,
                                         struct privd_err *err);

/* Which transfers a list takes; each condition optional. */
struct privd_transfer_query {
	int64_t before;           /* the cursor: those filed before it (0: from the newest) */
	const char *recipient_id; /* NULL: any */
	int status;               /* -1 any, 0 completed, 1 queued (someone still to send) */
	bool by_basis;
	enum privd_legal_basis basis;
	int64_t since, until; /* filed at or after since, before until; 0: unbounded */
	size_t limit;         /* 0: all */
};
/* The transfers q takes, newest first, each as privd_service_transfer_get has it but without its batches (ids and
 * counts, no personal data), passed to cb (valid during the call only; non-zero stops). Each transfer has a
 * created_at of its own, so created_at is the cursor. Not audited: no personal data. */
enum privd_rc privd_service_transfer_list(struct privd_service *svc, const struct privd_transfer_query *q,
                                          int (*cb)(void *arg, const struct privd_transfer *t), void *arg,
                                          struct privd_err *err);

/* One entry of a person's disclosure log. */
struct privd_disclosure {
	int64_t seq;
	char transfer_id[33];
	struct privd_recipient recipient; /* the version the transfer went to */
	enum privd_legal_basis basis;
	char reference[256];
	unsigned fields;
	enum privd_disclosure_outcome outcome;
	enum privd_refusal reason;
	int64_t at;
};
/* A person's disclosure log, oldest first, the entries after seq after (0: from the first), at most limit (0: all):
 * also after an erasure, until the evidence is purged. No personal data, so not an audited read.
 * PRIVD_ERR_NOT_FOUND for a subject that is not (or no longer) known. */
enum privd_rc privd_service_disclosures(struct privd_service *svc, const char *subject_id, int64_t after, size_t limit,
                                        int (*cb)(void *arg, const struct privd_disclosure *d), void *arg,
                                        struct privd_err *err);

/* ---- marketing-safe aggregate exports ----
 * Counts of people by group, grouped by 1 to 3 dimensions; the population is every subject with consent to
 * processing granted (active, not erased, not revoked), narrowed to those with every purpose of require granted too.
 * Groups under k, and complementary ones, are suppressed (core/aggregate.h); no total is given. */
struct privd_aggregate_query {
	enum privd_agg_dim by[PRIVD_AGG_MAX_DIMS];
	size_t nby; /* 1 .. 3, each once */
	uint32_t k; /* >= PRIVD_AGG_K_MIN */
	enum privd_purpose require[PRIVD_PURPOSE_COUNT];
	size_t nrequire; /* 0: processing alone */
};
/* One group of the export: the value of each dimension asked for, in the order asked, and its count (when
 * published). */
struct privd_aggregate_cell {
	const char *value[PRIVD_AGG_MAX_DIMS];
	uint32_t count; /* 0 when suppressed */
	bool suppressed;
};
struct privd_aggregate {
	int64_t generated_at;
	size_t ncells, nsuppressed;
	struct privd_aggregate_cell *cells; /* every combination of the dimensions' values, in order */
	char *values;                       /* what cells' values point into */
};
void privd_aggregate_free(struct privd_aggregate *a); /* accepts NULL */
/* Counts, suppresses and returns the cells (*out: the caller frees it). Audited (the query, not the counts).
 * PRIVD_ERR_INVALID for a query out of range; PRIVD_ERR_TOO_LARGE when the groups would be more than
 * PRIVD_AGGREGATE_CELLS_MAX. */
#define PRIVD_AGGREGATE_CELLS_MAX 200000
enum privd_rc privd_service_aggregate(struct privd_service *svc, const struct privd_principal *who,
                                      const struct privd_aggregate_query *q, struct privd_aggregate **out,
                                      struct privd_err *err);

#endif
