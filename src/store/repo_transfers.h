/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * repo_transfers.h - transfers to third parties in the store (repo_transfers.c): the recipients registry in
 * versions, the transfers and their list, their deliveries (a queue like the outbox) and the disclosure log. Part of
 * repo.h's contract, which includes it; kept apart so that each header stays readable.
 */
#ifndef PRIVD_STORE_REPO_TRANSFERS_H
#define PRIVD_STORE_REPO_TRANSFERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/notice.h"
#include "core/rc.h"
#include "core/transfer.h"
#include "store/db.h"

/* ---- the tables (migration 12) ----
 * recipients(recipient_id, version, name, purpose, country, endpoint, public_key, confidentiality_ref,
 *   fields_allowed, cross_border, cross_border_notice_ref, cross_border_notice_filed_on, adequate_protection,
 *   active, actor, changed_at, created_at; PRIMARY KEY (recipient_id, version)): append-only, a change is a new
 *   version and the newest is the current one;
 * transfers(transfer_id PK, recipient_id, recipient_version, legal_basis, reference, fields, requested, refused,
 *   actor, created_at) + index (recipient_id, created_at);
 * transfer_batches(batch_id PK, transfer_id, seq, status, subjects, subject_ids, attempts, next_attempt_at,
 *   lease_until, last_attempt_at, last_error, created_at, sent_at): a queue (repo_queue.c) like the outbox, + index
 *   (status, next_attempt_at), index (transfer_id, seq);
 * disclosures(subject_id, seq AUTOINCREMENT_PK, transfer_id, batch_id, outcome, reason, at): append-only, + index
 *   (subject_id, seq), index (transfer_id, outcome).
 * None of it holds personal data: subjects by their pseudonymous id, fields by name. */
struct privd_recipient_row {
	char id[33];
	int version; /* 1, 2, ... */
	char name[256];
	char purpose[512];
	char country[3];
	char endpoint[1024];
	char public_key[64]; /* base64 of the X25519 public key */
	char confidentiality_ref[256];
	unsigned fields_allowed; /* enum privd_transfer_field bits */
	bool cross_border;
	char notice_ref[256];     /* the Art. 12 notification; "" when none */
	char notice_filed_on[11]; /* "YYYY-MM-DD"; "" when none */
	bool adequate_protection;
	bool active;
	char actor[80];     /* who made this version */
	int64_t changed_at; /* when */
	int64_t created_at; /* when version 1 was */
};
/* Appends a version. PRIVD_ERR_CONFLICT when that version of the recipient exists (a change racing another). */
enum privd_rc privd_repo_recipient_insert(struct privd_db *db, const struct privd_recipient_row *row);
/* The given version of a recipient, or (version 0) the current one. PRIVD_ERR_NOT_FOUND when there is none;
 * PRIVD_ERR_DB when its stored fields are not field names. */
enum privd_rc privd_repo_recipient_get(struct privd_db *db, const char *id, int version,
                                       struct privd_recipient_row *out);
/* With id NULL: the current version of every recipient, oldest first. With an id: every version of it, first first.
 * The row passed to cb is valid during the call only; non-zero stops. */
enum privd_rc privd_repo_recipient_list(struct privd_db *db, const char *id,
                                        int (*cb)(void *arg, const struct privd_recipient_row *row), void *arg);

struct privd_transfer_row {
	char id[33];
	char recipient_id[33];
	int recipient_version; /* the recipient as it was when the transfer was filed */
	enum privd_legal_basis basis;
	char reference[256]; /* "" when none */
	unsigned fields;     /* enum privd_transfer_field bits: what leaves */
	int requested;       /* subjects asked for */
	int refused;         /* of them refused when filed */
	char actor[80];
	int64_t created_at;
};
enum privd_rc privd_repo_transfer_insert(struct privd_db *db, const struct privd_transfer_row *row);
/* PRIVD_ERR_NOT_FOUND when there is none; PRIVD_ERR_DB when a stored name is not one. */
enum privd_rc privd_repo_transfer_get(struct privd_db *db, const char *id, struct privd_transfer_row *out);
/* The newest created_at of any transfer (0 when none): filing reads it inside the writer's transaction, after the
 * audit entry took the chain's lock, so that each transfer gets a created_at of its own (the list's cursor). */
enum privd_rc privd_repo_transfer_last_created(struct privd_db *db, int64_t *ms);

/* Which transfers a list takes: each condition is optional. */
struct privd_transfer_filter {
	int64_t before;           /* the cursor: created_at < before (0: from the newest) */
	const char *recipient_id; /* NULL: any */
	int status;               /* -1 any, 0 completed (nothing waiting), 1 queued (someone waiting) */
	bool by_basis;
	enum privd_legal_basis basis;
	int64_t since, until; /* created_at >= since, < until; 0: unbounded */
	size_t limit;
};
/* A transfer of a list with the recipient's version it went to and its disclosure log counted: queued (accepted
 * when filed), delivered, failed, and refused when a batch was sent. */
struct privd_transfer_list_row {
	struct privd_transfer_row t;
	struct privd_recipient_row r;
	int64_t queued, delivered, failed, refused_sending;
};
/* The transfers f takes, newest first; a row passed to cb is valid during the call only; non-zero stops. A
 * transfer waits while queued - delivered - failed - refused_sending > 0 (as privd_repo_disclosure_tally counts). */
enum privd_rc privd_repo_transfer_list(struct privd_db *db, const struct privd_transfer_filter *f,
                                       int (*cb)(void *arg, const struct privd_transfer_list_row *row), void *arg);

/* One delivery of a transfer: the subjects it carries, sent in one sealed POST. */
struct privd_batch_row {
	char id[33];
	char transfer_id[33];
	int seq;                         /* 1, 2, ... within the transfer */
	enum privd_notice_status status; /* queued, sent, failed (names as a notice's) */
	int subjects;                    /* how many it carried when filed */
	char *subject_ids;               /* malloc'd "id,id,...": those still to send; NULL once final */
	int attempts;
	int64_t next_attempt_at, lease_until, last_attempt_at; /* 0 when none */
	char last_error[160];                                  /* no PII */
	int64_t created_at, sent_at;
};
void privd_batch_row_clear(struct privd_batch_row *row); /* frees subject_ids */
/* Inserts n batches. */
enum privd_rc privd_repo_batch_insert_many(struct privd_db *db, const struct privd_batch_row *rows, size_t n);
/* Whether a batch is due at now: a cheap read. */
enum privd_rc privd_repo_batch_any_due(struct privd_db *db, int64_t now, bool *any);
/* Claims at most limit due batches, oldest due first, as the outbox's claim does (repo_queue.c); each is passed to
 * cb (its subject_ids valid during the call only). */
enum privd_rc privd_repo_batch_claim(struct privd_db *db, int64_t now, int64_t lease_until, size_t limit,
                                     int (*cb)(void *arg, const struct privd_batch_row *row), void *arg);
enum privd_rc privd_repo_batch_lease(struct privd_db *db, const char *id, int64_t lease_until);
enum privd_rc privd_repo_batch_release_all(struct privd_db *db);
/* Records an attempt on a batch still queued: attempts + 1, last_attempt_at now, the lease released, and status SENT
 * (sent_at now, subject_ids emptied), FAILED (last_error error, subject_ids emptied) or QUEUED (to be tried again at
 * next_at with last_error error, and with the subjects still to send: subject_ids, NULL to keep them).
 * PRIVD_ERR_NOT_FOUND when it is no longer queued. */
enum privd_rc privd_repo_batch_outcome(struct privd_db *db, const char *id, enum privd_notice_status status,
                                       int64_t now, int64_t next_at, const char *error, const char *subject_ids);
/* How many batches are queued. */
enum privd_rc privd_repo_batch_queued(struct privd_db *db, int64_t *n);
/* A transfer's batches in order, without their subject lists. */
enum privd_rc privd_repo_batch_list(struct privd_db *db, const char *transfer_id,
                                    int (*cb)(void *arg, const struct privd_batch_row *row), void *arg);

/* One entry of the disclosure log. */
struct privd_disclosure_row {
	int64_t seq; /* assigned on insert, increasing */
	char subject_id[33];
	char transfer_id[33];
	char batch_id[33]; /* "" for a refusal when the transfer was filed */
	enum privd_disclosure_outcome outcome;
	enum privd_refusal reason; /* PRIVD_REFUSAL_NONE but for a refusal */
	int64_t at;
};
/* Appends n entries, many to a statement. */
enum privd_rc privd_repo_disclosure_append(struct privd_db *db, const struct privd_disclosure_row *rows, size_t n);
/* A subject's entries after seq after (0: from the first), oldest first, at most limit (0: all), each with its
 * transfer and the recipient's version it went to. */
enum privd_rc privd_repo_disclosure_list(struct privd_db *db, const char *subject_id, int64_t after, size_t limit,
                                         int (*cb)(void *arg, const struct privd_disclosure_row *d,
                                                   const struct privd_transfer_row *t,
                                                   const struct privd_recipient_row *r),
                                         void *arg);
/* How many entries of a transfer have each outcome, into n (indexed by enum privd_disclosure_outcome), and of the
 * refusals how many were decided when a batch was sent (*refused_sending). */
enum privd_rc privd_repo_disclosure_tally(struct privd_db *db, const char *transfer_id,
                                          int64_t n[PRIVD_DISCLOSURE_OUTCOME_COUNT], int64_t *refused_sending);

#endif
