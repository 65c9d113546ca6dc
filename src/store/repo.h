/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * repo.h - repositories: the SQL of privd, written once over db.h, and the migrations.
 *
 * Every function takes the handle to use (a writer's connection inside its transaction, or a reader's). None
 * opens or commits a transaction. PII arrives and leaves as ciphertext only: repositories never see plain text
 * names, e-mails, phones, IPs or birth dates, only blobs sealed by crypto/envelope and blind indexes.
 * Subject-owned tables lead with subject_id. Times are UTC milliseconds. States (a subject's status, a request's
 * type and status, a notice's kind and status) are enums in the row structs and their core names in the tables:
 * the repositories convert at the SQL and nowhere else, and a stored name privd does not know makes the row
 * unreadable (PRIVD_ERR_DB), never a guess.
 */
#ifndef PRIVD_STORE_REPO_H
#define PRIVD_STORE_REPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/consent.h"
#include "core/cookie.h"
#include "core/destruction.h"
#include "core/incident.h"
#include "core/masterkey.h"
#include "core/notice.h"
#include "core/rc.h"
#include "core/request.h"
#include "core/transfer.h"
#include "store/db.h"
#include "store/repo_transfers.h" /* recipients, transfers, deliveries, the disclosure log */

/* Brings the data database (or the keystore) to the newest schema; idempotent, safe when several processes
 * start together on PostgreSQL (advisory lock). */
enum privd_rc privd_repo_migrate(struct privd_db *db, enum privd_db_which which, struct privd_err *err);

/* A malloc'd byte string; privd_blob_clear frees and zeroes the struct. */
struct privd_blob {
	uint8_t *data;
	size_t len;
};
void privd_blob_clear(struct privd_blob *b);
/* dst (overwritten, not freed) becomes a copy of src: no data for none. PRIVD_ERR_NOMEM leaves dst empty. */
enum privd_rc privd_blob_copy(struct privd_blob *dst, const struct privd_blob *src);

/* ---- keystore: data keys and the master keys wrapping them (repo_keys.c) ----
 * A data key's kid names the master key it is wrapped under; "" stands for the keys stored before master keys had
 * ids (NULL in the table), all wrapped under the first master key. */

/* Puts a key wrapped under master key kid, but only while kid is the current master key: PRIVD_ERR_NOT_FOUND, with
 * nothing stored, when it is not (a rotation made another one current since it was wrapped: wrap it again under
 * that one). On PostgreSQL the check holds a share lock on kid's row until the transaction ends, so that a rotation
 * making another key current waits for every transaction that stored keys under the old one. */
enum privd_rc privd_repo_key_put(struct privd_db *ks, const char *subject_id, const uint8_t *wrapped, size_t len,
                                 int64_t now_ms, const char *kid);
/* The wrapped key and, into kid (PRIVD_KID_HEX bytes), its master key's id ("" for none recorded).
 * PRIVD_ERR_NOT_FOUND when there is no key (never created, or destroyed). */
enum privd_rc privd_repo_key_get(struct privd_db *ks, const char *subject_id, struct privd_blob *wrapped, char *kid);
/* The keys of ids[0..n) (any number, sorted: they come back in that order), many to a statement: cb gets each one
 * held, its wrapped bytes valid during the call only, and its master key's id ("" for none recorded); an id without
 * a key is skipped. Non-zero from cb stops. For walks over many owners, where one statement a key would be one round
 * trip (and one read lock) a key. */
enum privd_rc privd_repo_key_get_many(struct privd_db *ks, const char *const *ids, size_t n,
                                      int (*cb)(void *arg, const char *id, const uint8_t *wrapped, size_t len,
                                                const char *kid),
                                      void *arg);
/* Calls cb with the id of every key held ("<subject id>" or "msg:<notification id>"); non-zero stops. */
enum privd_rc privd_repo_key_list(struct privd_db *ks, int (*cb)(void *arg, const char *id), void *arg);
/* Destroys the key. PRIVD_OK when there was none. */
enum privd_rc privd_repo_key_delete(struct privd_db *ks, const char *subject_id);

/* Calls cb with at most limit keys wrapped under kid ("" : none recorded): the owner's id and the wrapped bytes,
 * valid during the call; non-zero stops. */
enum privd_rc privd_repo_key_under(struct privd_db *ks, const char *kid, size_t limit,
                                   int (*cb)(void *arg, const char *id, const uint8_t *wrapped, size_t len), void *arg);
/* Stores a key's new wrapping, under master key kid. PRIVD_OK when the key is gone meanwhile (destroyed). */
enum privd_rc privd_repo_key_rewrap(struct privd_db *ks, const char *id, const uint8_t *wrapped, size_t len,
                                    const char *kid);
/* Calls cb with every master key id that wraps keys ("" : none recorded) and how many; non-zero stops. */
enum privd_rc privd_repo_key_counts(struct privd_db *ks, int (*cb)(void *arg, const char *kid, int64_t n), void *arg);

/* A master key as the keystore records it. */
struct privd_master_key_row {
	char kid[PRIVD_KID_HEX];
	enum privd_master_key_state state;
	int64_t created_at;
	int64_t retired_at; /* 0 unless retired */
};
/* Calls cb with every master key, oldest first; non-zero stops. A state privd does not know is PRIVD_ERR_DB. */
enum privd_rc privd_repo_master_key_list(struct privd_db *ks,
                                         int (*cb)(void *arg, const struct privd_master_key_row *row), void *arg);
/* Records kid as the current master key when the keystore knows none yet (a new keystore, or the first start after
 * master keys had ids); PRIVD_OK either way, also when another process did it first. */
enum privd_rc privd_repo_master_key_adopt(struct privd_db *ks, const char *kid, int64_t now_ms);
/* Makes next the current master key and from, the current one until now, retiring; only while from is current:
 * PRIVD_ERR_CONFLICT otherwise (another rotation came first), nothing changed. */
enum privd_rc privd_repo_master_key_switch(struct privd_db *ks, const char *from, const char *next, int64_t now_ms);
/* PRIVD_OK while kid is the current master key, PRIVD_ERR_NOT_FOUND when it is not; on PostgreSQL the row stays
 * share-locked until the transaction ends, as privd_repo_key_put does, so keys stored after it in the same
 * transaction are seen by a rotation. */
enum privd_rc privd_repo_master_key_hold(struct privd_db *ks, const char *kid);
/* Retires kid, a retiring master key, once no key is wrapped under it nor under none recorded: PRIVD_ERR_CONFLICT
 * while some still are, nothing changed. */
enum privd_rc privd_repo_master_key_retire(struct privd_db *ks, const char *kid, int64_t now_ms);

/* ---- api keys ---- */
struct privd_apikey_row {
	char id[33];
	char name[128];
	char role[16];
	int64_t created_at;
	int64_t revoked_at;   /* 0 when active */
	int64_t last_used_at; /* 0 when never (not updated on the hot path; may stay 0) */
};
enum privd_rc privd_repo_apikey_insert(struct privd_db *db, const struct privd_apikey_row *row, const char *key_hash);
/* Active keys only; PRIVD_ERR_NOT_FOUND otherwise. */
enum privd_rc privd_repo_apikey_by_hash(struct privd_db *db, const char *key_hash, struct privd_apikey_row *out);
/* Calls cb for every key, active and revoked, oldest first. A non-zero return from cb stops the walk. */
enum privd_rc privd_repo_apikey_list(struct privd_db *db, int (*cb)(void *arg, const struct privd_apikey_row *row),
                                     void *arg);
/* Sets revoked_at; PRIVD_ERR_NOT_FOUND when no active key has that id. */
enum privd_rc privd_repo_apikey_revoke(struct privd_db *db, const char *id, int64_t now_ms);

/* ---- the dashboard's counts (repo_stats.c) ---- */
struct privd_consent_week_row {
	char purpose[32];
	int64_t week;           /* 0 for the week starting at the origin, 1 for the next, ... */
	int64_t granted, total; /* decisions recorded that week: grants, and grants and refusals together */
};
/* Calls cb for each purpose and week (from origin_ms, in 7-day steps) with a consent decision recorded, oldest week
 * first; non-zero from cb stops. */
enum privd_rc privd_repo_consent_weeks(struct privd_db *db, int64_t origin_ms,
                                       int (*cb)(void *arg, const struct privd_consent_week_row *row), void *arg);
struct privd_request_times_row {
	int64_t received_at, completed_at; /* 0 when not (yet) */
};
/* Calls cb with when each request received or completed since since_ms was received and completed. */
enum privd_rc privd_repo_request_times(struct privd_db *db, int64_t since_ms,
                                       int (*cb)(void *arg, const struct privd_request_times_row *row), void *arg);

/* ---- console sessions (repo_console.c) ---- */
struct privd_console_session_row {
	char session_id[33];
	char key_id[33];
	char role[16];
	char csrf_hash[65]; /* hex of a 32-byte keyed hash */
	int64_t created_at, last_seen_at, expires_at;
};
enum privd_rc privd_repo_console_session_insert(struct privd_db *db, const struct privd_console_session_row *row,
                                                const char *token_hash);
/* The session whose cookie hashes to token_hash, if it has not ended, has not expired at now_ms and its key is
 * not revoked; PRIVD_ERR_NOT_FOUND otherwise. */
enum privd_rc privd_repo_console_session_by_hash(struct privd_db *db, const char *token_hash, int64_t now_ms,
                                                 struct privd_console_session_row *out);
/* Sets last_seen_at (never backwards). */
enum privd_rc privd_repo_console_session_touch(struct privd_db *db, const char *session_id, int64_t now_ms);
/* Ends a session still open; PRIVD_ERR_NOT_FOUND when it has ended already. */
enum privd_rc privd_repo_console_session_end(struct privd_db *db, const char *session_id, int64_t now_ms);
/* Ends every open session of a key (it was revoked). */
enum privd_rc privd_repo_console_sessions_end_key(struct privd_db *db, const char *key_id, int64_t now_ms);

/* ---- published texts: the policy and the consent texts (repo_texts.c) ----
 * Both are append-only: a version is published once per language and never changed, since consent records name
 * it. The newest row published is the current one (of all, for the policy's version; of a purpose and language,
 * for a consent text). */
struct privd_policy_row {
	char version[64];
	char language[3]; /* "ru", "en" */
	char sha256[65];
	int64_t published_at;
	char *text; /* malloc'd Markdown, NULL when not asked for */
};
/* PRIVD_ERR_CONFLICT when the version exists in that language. */
enum privd_rc privd_repo_policy_insert(struct privd_db *db, const struct privd_policy_row *row);
/* The newest policy published (language NULL), or the newest in language. PRIVD_ERR_NOT_FOUND when none; with_text
 * fills row->text (caller frees). */
enum privd_rc privd_repo_policy_current(struct privd_db *db, const char *language, bool with_text,
                                        struct privd_policy_row *out);
/* A given version in language, or (language NULL) in the language it was published in last. PRIVD_ERR_NOT_FOUND
 * when unknown. */
enum privd_rc privd_repo_policy_get(struct privd_db *db, const char *version, const char *language, bool with_text,
                                    struct privd_policy_row *out);

/* consent_texts(seq AUTOINCREMENT_PK, purpose, version, language, sha256, text, published_at), migration 5 */
struct privd_consent_text_row {
	char purpose[32]; /* "processing", "third_party_transfer" */
	char version[64];
	char language[3];
	char sha256[65];
	int64_t published_at;
	char *text; /* malloc'd Markdown, NULL when not asked for */
};
/* PRIVD_ERR_CONFLICT when the purpose has that version in that language. */
enum privd_rc privd_repo_consent_text_insert(struct privd_db *db, const struct privd_consent_text_row *row);
/* The newest text of purpose in language; PRIVD_ERR_NOT_FOUND when none. */
enum privd_rc privd_repo_consent_text_current(struct privd_db *db, const char *purpose, const char *language,
                                              bool with_text, struct privd_consent_text_row *out);
/* One version; PRIVD_ERR_NOT_FOUND when unknown. */
enum privd_rc privd_repo_consent_text_get(struct privd_db *db, const char *purpose, const char *version,
                                          const char *language, bool with_text, struct privd_consent_text_row *out);

/* ---- subjects ---- */
struct privd_subject_row {
	char id[33];
	enum privd_subject_status status;
	char residence_country[3];
	char email_bidx[65];                                                 /* "" when no e-mail */
	char phone_bidx[65];                                                 /* "" when no phone */
	struct privd_blob name_ct, email_ct, phone_ct, ip_ct, birth_date_ct; /* empty blob = absent */
	char policy_version[64]; /* the policy version registered under; "" when none */
	char language[3];        /* "ru", "en"; "" when the person chose none (migration 8) */
	int64_t created_at;
	int64_t updated_at;
	int64_t erase_after; /* scheduled destruction (UTC ms), 0 when none; read only: insert and update ignore it */
};
void privd_subject_row_clear(struct privd_subject_row *row); /* frees the blobs */

/* PRIVD_ERR_CONFLICT with *conflict_field set to "email" or "phone" when a blind index is taken. */
enum privd_rc privd_repo_subject_insert(struct privd_db *db, const struct privd_subject_row *row,
                                        const char **conflict_field);
/* Replaces the PII columns, blind indexes, residence_country and updated_at (never status or policy_version),
 * only while the stored updated_at is still expect_updated_at and the subject is neither erased nor revoked. Same
 * conflict rule as insert (ignoring the subject itself). PRIVD_ERR_CONFLICT with *conflict_field NULL when the row
 * changed meanwhile; PRIVD_ERR_NOT_FOUND when absent. */
enum privd_rc privd_repo_subject_update(struct privd_db *db, const struct privd_subject_row *row,
                                        int64_t expect_updated_at, const char **conflict_field);
enum privd_rc privd_repo_subject_get(struct privd_db *db, const char *id, struct privd_subject_row *out);
/* kind is "email" or "phone". PRIVD_ERR_NOT_FOUND when no subject has it. */
enum privd_rc privd_repo_subject_by_bidx(struct privd_db *db, const char *kind, const char *bidx, char id[33]);
/* Only the status; PRIVD_ERR_NOT_FOUND when absent, PRIVD_ERR_DB when the stored name is not one. */
enum privd_rc privd_repo_subject_status(struct privd_db *db, const char *id, enum privd_subject_status *status);
/* The status for a write job that already guessed it (read before the job was queued): inside a pipelined
 * transaction *status is guess and the read only sent, privd_db_sync failing if the stored status is another (the
 * writer then runs the job again, where this reads it); otherwise privd_repo_subject_status. */
enum privd_rc privd_repo_subject_status_as(struct privd_db *db, const char *id, enum privd_subject_status guess,
                                           enum privd_subject_status *status);
/* PRIVD_ERR_NOT_FOUND when absent. */
enum privd_rc privd_repo_subject_set_status(struct privd_db *db, const char *id, enum privd_subject_status status,
                                            int64_t now_ms);

/* ---- consents (append-only) ---- */
struct privd_consent_row {
	int64_t seq; /* assigned on insert, increasing */
	char subject_id[33];
	char purpose[32];
	bool granted;
	char policy_version[64];
	struct privd_blob ip_ct; /* the IP sealed under the subject's key; may be empty */
	char source[32];         /* "registration", "api", "banner", "portal", "request" */
	int64_t created_at;
	char text_version[64]; /* the consent text the grant names; "" when none (migration 5) */
	char text_language[3]; /* its language; "" when none */
	char text_sha256[65];  /* its SHA-256, hex; "" when none */
};
enum privd_rc privd_repo_consent_append(struct privd_db *db, struct privd_consent_row *row); /* sets seq */
/* The same, but inside a pipelined transaction only sent: row->seq is set by privd_db_sync, so row must stay valid
 * until the transaction ends (a write job's own memory, not the stack). */
enum privd_rc privd_repo_consent_append_later(struct privd_db *db, struct privd_consent_row *row);
/* Appends n records (at most PRIVD_CONSENT_BATCH_MAX) in one statement, in order; seq is not reported. Used at
 * registration, where one statement instead of one per purpose is what the group commit feels. */
#define PRIVD_CONSENT_BATCH_MAX 8
enum privd_rc privd_repo_consent_append_all(struct privd_db *db, const struct privd_consent_row *rows, size_t n);
/* Every record of a subject, oldest first. The row passed to cb is valid during the call only. */
enum privd_rc privd_repo_consent_list(struct privd_db *db, const char *subject_id,
                                      int (*cb)(void *arg, const struct privd_consent_row *row), void *arg);
/* The subject's consent state, derived by core (privd_consent_state_init with the subject's status, then
 * privd_consent_state_apply_event for every record in order). PRIVD_ERR_NOT_FOUND when the subject does not
 * exist. */
enum privd_rc privd_repo_consent_state(struct privd_db *db, const char *subject_id, struct privd_consent_state *out);

/* ---- audit (append-only hash chain) ---- */
struct privd_audit_row {
	int64_t seq; /* 1, 2, 3 ... */
	int64_t ts;
	char actor[80];  /* "apikey:<id>", "system", "cli" */
	char action[48]; /* "subject.create", "subject.read", "consent.record", ... */
	char object_type[24];
	char object_id[80];
	char detail[512]; /* field names and non-PII facts, JSON text */
	char prev_hash[65];
	char hash[65];
	bool malformed; /* read back: a stored value is longer than its field or holds a NUL byte */
};
/* The last entry's seq and hash (0 and "" when empty). On PostgreSQL first takes a transaction-level advisory
 * lock so that concurrent processes append one at a time. */
enum privd_rc privd_repo_audit_head(struct privd_db *db, int64_t *seq, char hash[65]);
enum privd_rc privd_repo_audit_insert(struct privd_db *db, const struct privd_audit_row *row);
/* Entries with seq > after, ascending, at most limit (0 = no limit). */
enum privd_rc privd_repo_audit_list(struct privd_db *db, int64_t after, size_t limit,
                                    int (*cb)(void *arg, const struct privd_audit_row *row), void *arg);
/* Canonical bytes hashed for an entry: every field but hash, length-prefixed. Returns the length written, or
 * 0 when out is too small (1024 bytes is always enough). Cannot fail otherwise. */
size_t privd_audit_canonical(const struct privd_audit_row *row, uint8_t *out, size_t outlen);

/* ---- rights requests (migration 2) ----
 * requests(request_id TEXT PRIMARY KEY, subject_id TEXT NOT NULL, type TEXT NOT NULL, status TEXT NOT NULL,
 *   details_ct BLOB, reason_ct BLOB, result TEXT NOT NULL DEFAULT '{}', created_at BIGINT NOT NULL,
 *   received_at BIGINT, due_date TEXT, due_estimated INTEGER NOT NULL DEFAULT 0, extended INTEGER NOT NULL
 *   DEFAULT 0, decided_at BIGINT, completed_at BIGINT, updated_at BIGINT NOT NULL,
 *   doc_type TEXT, doc_size BIGINT, doc_sha256 TEXT) + index (subject_id), index (status, due_date);
 * request_documents(request_id TEXT PRIMARY KEY, subject_id TEXT NOT NULL, doc_ct BLOB NOT NULL,
 *   uploaded_at BIGINT NOT NULL);
 * notifications(notification_id TEXT PRIMARY KEY, subject_id TEXT NOT NULL, request_id TEXT, kind TEXT NOT NULL,
 *   channel TEXT NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, recipient_ct BLOB,
 *   body_ct BLOB, created_at BIGINT NOT NULL, sent_at BIGINT, last_error TEXT) + index (subject_id),
 *   index (status);
 * subjects gains: erase_after BIGINT (scheduled erasure, UTC ms), legal_hold INTEGER NOT NULL DEFAULT 0,
 *   legal_hold_reason TEXT (plain; since migration 11 only what was stored before, until it is sealed into
 *   legal_hold_reason_ct BLOB, under the subject's key as the field "legal_hold.reason").
 * Notification message keys live in the keystore's data_keys under the id "msg:<notification_id>".
 * Migration 4 adds to requests: answer_ct BLOB (an inquiry's answer, sealed like details), due_working_days
 * INTEGER (the working days from receipt the due date was counted with, an extension's included) and
 * estimated_year INTEGER (the first year counted through that the calendar did not know in full).
 */
struct privd_request_row {
	char id[33];
	char subject_id[33];
	enum privd_request_type type;
	enum privd_request_status status;
	struct privd_blob details_ct; /* sealed JSON under the subject's key; empty when none */
	struct privd_blob reason_ct;  /* sealed reason of a reject/extend decision; empty when none */
	char result[1024];            /* non-PII JSON summary of the outcome, "{}" until completed */
	int64_t created_at;
	int64_t received_at; /* 0 until a document is attached */
	char due_date[11];   /* "YYYY-MM-DD", "" until received */
	bool due_estimated;  /* the calendar did not cover a year crossed (weekdays only) */
	bool extended;
	int64_t decided_at, completed_at, updated_at; /* 0 when not yet */
	char doc_type[32];                            /* MIME type of the attached scan, "" when none */
	int64_t doc_size;
	char doc_sha256[65];
	struct privd_blob answer_ct; /* sealed answer of an inquiry; empty when none */
	int due_working_days;        /* working days after receipt the due date counts, extension included; 0: none */
	int estimated_year;          /* with due_estimated: the first year counted through not known in full; 0 */
};
void privd_request_row_clear(struct privd_request_row *row); /* frees the blobs */

enum privd_rc privd_repo_request_insert(struct privd_db *db, const struct privd_request_row *row);
/* Replaces every column but id, subject_id, type and created_at. PRIVD_ERR_NOT_FOUND when absent. */
enum privd_rc privd_repo_request_update(struct privd_db *db, const struct privd_request_row *row);
enum privd_rc privd_repo_request_get(struct privd_db *db, const char *id, struct privd_request_row *out);
/* The newest created_at of any request (0 when none). Requests take created_at = max(now, this + 1) inside the
 * writer's transaction, after the audit chain's lock, so created_at is unique and serves as the paging cursor. */
enum privd_rc privd_repo_request_last_created(struct privd_db *db, int64_t *ms);

struct privd_request_filter {
	bool by_status;                   /* false: any status */
	enum privd_request_status status; /* with by_status: only this one */
	const char *subject_id;           /* NULL: any */
	const char *due_before;           /* "YYYY-MM-DD": due_date < this; NULL: any */
	bool open_only;                   /* status not in (completed, rejected) */
	bool estimated_only;              /* due_estimated only */
	int64_t after_created;            /* paging: created_at > this (with id tie-break not needed); 0 = start */
	size_t limit;                     /* 0 = no limit */
};
/* Oldest first by created_at. The row passed to cb is valid during the call only. */
enum privd_rc privd_repo_request_list(struct privd_db *db, const struct privd_request_filter *f,
                                      int (*cb)(void *arg, const struct privd_request_row *row), void *arg);

/* The sealed scan of a request: replaced when attached again. */
enum privd_rc privd_repo_document_put(struct privd_db *db, const char *request_id, const char *subject_id,
                                      const uint8_t *ct, size_t len, int64_t now_ms);
enum privd_rc privd_repo_document_get(struct privd_db *db, const char *request_id, struct privd_blob *ct);

/* ---- the outbox (migrations 2 and 8): repo_outbox.c ----
 * Migration 8 adds to notifications: next_attempt_at BIGINT NOT NULL DEFAULT 0 (not before), lease_until BIGINT
 * NOT NULL DEFAULT 0 (claimed by a node until), last_attempt_at BIGINT, ref TEXT (what the notice is about besides a
 * request: "policy:<version>", an incident's id), with indexes (status, next_attempt_at), (status, created_at,
 * notification_id), (created_at, notification_id) and (ref); and subjects.language TEXT. */
struct privd_notification_row {
	char id[33];
	char subject_id[33];
	char request_id[33]; /* "" when none */
	enum privd_notice_kind kind;
	char channel[8]; /* "email", "sms" */
	enum privd_notice_status status;
	int attempts;
	struct privd_blob recipient_ct; /* sealed under the message's own key; emptied once sent or given up */
	struct privd_blob body_ct;      /* sealed under the same key */
	int64_t created_at, sent_at;
	char last_error[160];                                  /* no PII */
	char ref[72];                                          /* "" when none */
	int64_t next_attempt_at, lease_until, last_attempt_at; /* 0 when none */
};
void privd_notification_row_clear(struct privd_notification_row *row);
enum privd_rc privd_repo_notification_insert(struct privd_db *db, const struct privd_notification_row *row);
/* Inserts the n rows rows[0..n-1] point to (a fan-out's notices, held in place): on PostgreSQL many to a statement,
 * one round trip per hundreds of notices. */
enum privd_rc privd_repo_notification_insert_each(struct privd_db *db, const struct privd_notification_row *const *rows,
                                                  size_t n);
/* Only the status of one notification; PRIVD_ERR_NOT_FOUND when there is none, PRIVD_ERR_DB when the stored name
 * is not one. */
enum privd_rc privd_repo_notification_status(struct privd_db *db, const char *id, enum privd_notice_status *status);
/* Newest last. The row passed to cb is valid during the call only. */
enum privd_rc privd_repo_notification_list(struct privd_db *db, const char *subject_id,
                                           int (*cb)(void *arg, const struct privd_notification_row *row), void *arg);

/* Which notices may be sent: queued, on channel ch1 or ch2 (the same name twice for one channel), due
 * (next_attempt_at <= now) and not held by a node (lease_until < now). */
struct privd_notification_due {
	const char *ch1, *ch2;
	int64_t now;
};
/* Whether any notice is due: a cheap read for a reader's connection. */
enum privd_rc privd_repo_notification_any_due(struct privd_db *db, const struct privd_notification_due *d, bool *any);
/* Claims at most limit due notices, oldest due first: each gets lease_until and is passed to cb (its blobs valid
 * during the call only; a non-zero return stops, the rows passed so far claimed). Inside a transaction; on
 * PostgreSQL the rows are selected FOR UPDATE SKIP LOCKED, so nodes claiming at once take different rows, and the
 * lease keeps them apart after the claim commits. */
enum privd_rc privd_repo_notification_claim(struct privd_db *db, const struct privd_notification_due *d,
                                            int64_t lease_until, size_t limit,
                                            int (*cb)(void *arg, const struct privd_notification_row *row), void *arg);
/* Moves the lease of a notice still queued to lease_until (0 releases it). */
enum privd_rc privd_repo_notification_lease(struct privd_db *db, const char *id, int64_t lease_until);
/* Releases every lease: at start on SQLite, where this process is the only one. */
enum privd_rc privd_repo_notification_release_all(struct privd_db *db);
/* Records an attempt on a notice still queued: attempts + 1, last_attempt_at now, the lease released, and status
 * SENT (sent_at now, last_error cleared), FAILED (last_error error) or QUEUED (to be tried again at next_at, with
 * last_error error). SENT and FAILED empty the sealed columns. PRIVD_ERR_NOT_FOUND when the notice is no longer
 * queued (an erasure cancelled it meanwhile). error holds no PII. */
enum privd_rc privd_repo_notification_outcome(struct privd_db *db, const char *id, enum privd_notice_status status,
                                              int64_t now, int64_t next_at, const char *error);

/* A page of the outbox, oldest first by (created_at, id), after the cursor (after_created, after_id: 0 and "" to
 * start). Without PII: the sealed columns are not read. */
struct privd_notification_filter {
	bool by_status;
	enum privd_notice_status status;
	const char *ref; /* NULL: any */
	int64_t after_created;
	const char *after_id;
	size_t limit; /* 0 = no limit */
};
enum privd_rc privd_repo_notification_page(struct privd_db *db, const struct privd_notification_filter *f,
                                           int (*cb)(void *arg, const struct privd_notification_row *row), void *arg);
/* ---- a fan-out's reads and writes (repo_outbox.c) ---- */

/* Who a notice to many goes to: the subjects a selection names, with what reaching them takes. */
struct privd_subject_filter {
	bool active_only;       /* status active only; otherwise every status but erased */
	int64_t created_from;   /* created_at >= this (0: no bound) */
	int64_t created_to;     /* created_at < this (0: no bound) */
	const char *const *ids; /* only these subjects (NULL: any) */
	size_t nids;
};
struct privd_subject_contact {
	char id[33];
	enum privd_subject_status status;
	char residence_country[3];
	char language[3];
	struct privd_blob email_ct, phone_ct; /* sealed under the subject's key; empty when absent */
	int64_t created_at;
};
/* Calls cb for every subject f selects, oldest first (the blobs valid during the call only); non-zero stops. */
enum privd_rc privd_repo_subject_contacts(struct privd_db *db, const struct privd_subject_filter *f,
                                          int (*cb)(void *arg, const struct privd_subject_contact *c), void *arg);
/* Puts n wrapped keys (ids[i], keys[i] of len bytes each, all wrapped under master key kid) into the keystore, many
 * to a statement. The caller has made sure kid is current (privd_repo_master_key_hold). */
enum privd_rc privd_repo_key_put_many(struct privd_db *ks, const char *const *ids, const uint8_t *const *keys,
                                      size_t len, size_t n, int64_t now_ms, const char *kid);
/* The queued notices about ref whose subject was erased at or after since (its tombstone's updated_at): a fan-out
 * prepared before an erasure and committed after it. cb gets each notification id; non-zero stops. */
enum privd_rc privd_repo_notification_erased(struct privd_db *db, const char *ref, int64_t since,
                                             int (*cb)(void *arg, const char *id), void *arg);
/* Cancels a queued notice and empties its sealed columns. PRIVD_OK when it was not queued. */
enum privd_rc privd_repo_notification_cancel(struct privd_db *db, const char *id);

/* How many notices have status s (with ref, only those about it: NULL for any). */
enum privd_rc privd_repo_notification_count(struct privd_db *db, enum privd_notice_status s, const char *ref,
                                            int64_t *n);

/* A fan-out's notices (those with ref) by channel and status: cb gets each pair with its count and the newest
 * sent_at among them (0 when none). */
struct privd_notification_tally {
	char channel[8];
	enum privd_notice_status status;
	int64_t count;
	int64_t last_sent_at;
};
enum privd_rc privd_repo_notification_tally(struct privd_db *db, const char *ref,
                                            int (*cb)(void *arg, const struct privd_notification_tally *t), void *arg);

/* ---- cookie consent on the website (migration 10, repo_cookies.c) ----
 * cookie_consents(visitor_id TEXT NOT NULL, seq AUTOINCREMENT_PK, preferences, analytics, marketing INTEGER NOT
 *   NULL, policy_version TEXT NOT NULL, gpc INTEGER NOT NULL, sec_gpc INTEGER NOT NULL, origin TEXT, source TEXT
 *   NOT NULL, created_at BIGINT NOT NULL) + index (visitor_id, seq): append-only;
 * cookie_visitors(subject_id TEXT NOT NULL, visitor_id TEXT PRIMARY KEY, linked_at BIGINT NOT NULL) + index
 *   (subject_id): the visitor a subject registered from;
 * cookie_configs(seq AUTOINCREMENT_PK, config TEXT NOT NULL, sha256 TEXT NOT NULL, actor TEXT NOT NULL,
 *   updated_at BIGINT NOT NULL): every version of what the banner says; the newest is in force. */
/* Appends a visitor's choice; source is "banner" (the banner's POST). */
enum privd_rc privd_repo_cookie_consent_append(struct privd_db *db, const struct privd_cookie_choice *c,
                                               const char *source);
/* The visitor's newest choice; PRIVD_ERR_NOT_FOUND when none. */
enum privd_rc privd_repo_cookie_consent_latest(struct privd_db *db, const char *visitor_id,
                                               struct privd_cookie_choice *out);
/* Links visitor_id to subject_id (a later registration from the same browser takes the link over). */
enum privd_rc privd_repo_cookie_visitor_link(struct privd_db *db, const char *visitor_id, const char *subject_id,
                                             int64_t now_ms);
/* The subject the visitor is linked to; PRIVD_ERR_NOT_FOUND when none. */
enum privd_rc privd_repo_cookie_visitor_subject(struct privd_db *db, const char *visitor_id, char subject_id[33]);
/* Stores a version of the banner's configuration (its stored encoding and that encoding's SHA-256). */
enum privd_rc privd_repo_cookie_config_insert(struct privd_db *db, const char *config, const char *sha256,
                                              const char *actor, int64_t now_ms);
/* The newest version: *config malloc'd (the caller frees it), sha256 and updated_at. PRIVD_ERR_NOT_FOUND when none
 * was stored. */
enum privd_rc privd_repo_cookie_config_current(struct privd_db *db, char **config, char sha256[65],
                                               int64_t *updated_at);

/* ---- the population of an aggregate export (repo_transfers.c) ----
 * Every subject not erased, with its residence country, registration time, sealed birth date and the records of the
 * purposes asked for, in subject id order: the service derives each one's consent state (core) and decrypts the
 * birth date. */
struct privd_population_row {
	char subject_id[33];
	enum privd_subject_status status;
	char residence_country[3];
	int64_t created_at;
	struct privd_blob birth_date_ct; /* points into the statement: valid during the call only */
};
/* For each subject not erased whose id is in [from, until) (a NULL bound: none), in id order, cb once with its row and
 * the consent state of the purposes in purposes (npurposes of them; the others stay as privd_consent_state_init left
 * them), derived from its records in order. Non-zero stops. */
enum privd_rc privd_repo_population(
    struct privd_db *db, const enum privd_purpose *purposes, size_t npurposes, const char *from, const char *until,
    int (*cb)(void *arg, const struct privd_population_row *row, const struct privd_consent_state *state), void *arg);

/* Ids that cut the subjects (erased ones included) into up to k ranges of about as many each, and of at least
 * min_each: up to k - 1 of them, in ascending order, into cut; *ncut says how many (none for few subjects). */
enum privd_rc privd_repo_subject_cuts(struct privd_db *db, size_t k, size_t min_each, char (*cut)[33], size_t *ncut);

/* Erasure: deletes every row holding the subject's PII — consents, request documents, the sealed columns of
 * its requests (details_ct, reason_ct, answer_ct set NULL) and of every notification (queued ones become
 * "cancelled"; the caller destroys their message keys), the visitors linked to it and their cookie choices — and
 * turns the subject row into a tombstone (status "erased", every *_ct and blind index NULL, residence_country "",
 * erase_after NULL). A notification inserted after this call, in the same transaction, is untouched: that is how the
 * confirmation of the erasure is queued. */
enum privd_rc privd_repo_subject_erase(struct privd_db *db, const char *subject_id, int64_t now_ms);

/* Scheduled erasure (after consent to processing is revoked). erase_after 0 clears it. */
enum privd_rc privd_repo_subject_schedule_erasure(struct privd_db *db, const char *subject_id, int64_t erase_after);
/* Consent to processing revoked (migration 3): status "revoked", the status it leaves kept in revoked_from (a
 * subject already revoked keeps the one it had), erase_after set (0 clears it), updated_at now_ms.
 * PRIVD_ERR_NOT_FOUND when absent or erased. */
enum privd_rc privd_repo_subject_revoke(struct privd_db *db, const char *subject_id, int64_t erase_after,
                                        int64_t now_ms);
/* Consent to processing given again to a revoked subject: back to the status in revoked_from (active when none
 * is recorded), revoked_from and erase_after cleared, updated_at now_ms; *restored receives that status.
 * PRIVD_ERR_NOT_FOUND when the subject is absent or not revoked. */
enum privd_rc privd_repo_subject_restore(struct privd_db *db, const char *subject_id, int64_t now_ms,
                                         enum privd_subject_status *restored);
/* A legal hold set (with its reason sealed under the subject's key, migration 11) or lifted (the reason cleared,
 * with any plain one left from before). PRIVD_ERR_NOT_FOUND when the subject is absent. */
enum privd_rc privd_repo_subject_legal_hold(struct privd_db *db, const char *subject_id, bool hold,
                                            const struct privd_blob *reason_ct, int64_t now_ms);
/* Plain reasons from before migration 11, until sealed: ids of up to limit subjects with one, changed at or
 * before `at`; one's text (cut to size); its sealed form put in its place. PRIVD_ERR_NOT_FOUND: none (any more). */
enum privd_rc privd_repo_subject_plain_hold_reasons(struct privd_db *db, int64_t at, size_t limit,
                                                    int (*cb)(void *arg, const char *subject_id), void *arg);
enum privd_rc privd_repo_subject_plain_hold_reason(struct privd_db *db, const char *subject_id, char *dst, size_t size);
enum privd_rc privd_repo_subject_hold_reason_seal(struct privd_db *db, const char *subject_id,
                                                  const struct privd_blob *reason_ct);
struct privd_subject_sched {
	int64_t erase_after; /* 0 when none */
	bool legal_hold;
};
enum privd_rc privd_repo_subject_sched_get(struct privd_db *db, const char *subject_id,
                                           struct privd_subject_sched *out);
/* Ids of subjects whose erase_after is <= now and that have no legal hold, at most limit. On PostgreSQL the rows
 * are locked FOR UPDATE SKIP LOCKED, so call inside a transaction; two nodes never pick the same subject. */
enum privd_rc privd_repo_subject_due_erasures(struct privd_db *db, int64_t now_ms, size_t limit,
                                              int (*cb)(void *arg, const char *subject_id), void *arg);

/* ---- destruction records and the evidence an erasure leaves (migration 6) ----
 * destruction_records(subject_id TEXT NOT NULL, seq AUTOINCREMENT_PK, record_id TEXT NOT NULL UNIQUE,
 *   request_id TEXT, reason TEXT NOT NULL, categories TEXT NOT NULL, method TEXT NOT NULL,
 *   operator_name TEXT NOT NULL, operator_address TEXT NOT NULL, information_system TEXT NOT NULL,
 *   actor TEXT NOT NULL, destroyed_at BIGINT NOT NULL, audit_seq BIGINT NOT NULL, audit_hash TEXT NOT NULL)
 *   + index (subject_id), index (destroyed_at); subjects gains a partial index on updated_at of erased rows (the
 *   tombstones), for the evidence purge. A record holds no personal data: the subject's pseudonymous id, names of
 *   categories, the operator's own details and the audit entry's seq and hash. */
struct privd_destruction_row {
	int64_t seq; /* assigned on insert, increasing: the paging cursor */
	char id[33];
	char subject_id[33];
	char request_id[33]; /* "" when not by a request */
	enum privd_destruction_reason reason;
	unsigned categories; /* enum privd_destruction_category bits */
	char method[32];
	char operator_name[256];
	char operator_address[512];
	char information_system[128];
	char actor[80];
	int64_t destroyed_at;
	int64_t audit_seq; /* the erasure's audit entry */
	char audit_hash[65];
};

/* The categories of data held on the subject now (enum privd_destruction_category bits): which sealed columns of
 * its row are set, and whether it has consent records, scans, sealed request texts, or notices that still hold an
 * address or a text. Read inside an erasure's transaction, before the rows go. PRIVD_ERR_NOT_FOUND when there is
 * no such subject. */
enum privd_rc privd_repo_subject_holdings(struct privd_db *db, const char *subject_id, unsigned *categories);

enum privd_rc privd_repo_destruction_insert(struct privd_db *db, const struct privd_destruction_row *row);
/* PRIVD_ERR_NOT_FOUND when no record has that id; PRIVD_ERR_DB when a stored reason or category is not one. */
enum privd_rc privd_repo_destruction_get(struct privd_db *db, const char *id, struct privd_destruction_row *out);

struct privd_destruction_filter {
	const char *subject_id; /* NULL: any */
	int64_t after_seq;      /* paging: seq > this; 0 = start */
	size_t limit;           /* 0 = no limit */
};
/* Oldest first (by seq). The row passed to cb is valid during the call only. */
enum privd_rc privd_repo_destruction_list(struct privd_db *db, const struct privd_destruction_filter *f,
                                          int (*cb)(void *arg, const struct privd_destruction_row *row), void *arg);

/* Ids of erased subjects whose tombstone was last changed before before_ms (the erasure's time), oldest first, at
 * most limit. On PostgreSQL the rows are locked FOR UPDATE SKIP LOCKED (call inside a transaction). */
enum privd_rc privd_repo_evidence_due(struct privd_db *db, int64_t before_ms, size_t limit,
                                      int (*cb)(void *arg, const char *subject_id), void *arg);

/* Deletes all an erasure left of subject_id: the tombstone, its request rows (and any scan row), its outbox rows,
 * its disclosure log and its destruction records, counted into *records. Only while the subject is still a tombstone
 * last changed before before_ms: otherwise PRIVD_ERR_NOT_FOUND and nothing is deleted. Audit entries are never
 * touched. */
enum privd_rc privd_repo_evidence_purge(struct privd_db *db, const char *subject_id, int64_t before_ms,
                                        int64_t *records);
/* ---- incidents (migration 9): repo_incidents.c ----
 * incidents(incident_id TEXT PRIMARY KEY, detected_at BIGINT NOT NULL, created_at BIGINT NOT NULL,
 *   updated_at BIGINT NOT NULL, description TEXT NOT NULL, data_categories TEXT NOT NULL, scope TEXT NOT NULL,
 *   registered_from BIGINT, registered_to BIGINT, causes TEXT, harm TEXT, measures TEXT, results TEXT,
 *   responsible TEXT, affected BIGINT NOT NULL, affected_eu BIGINT NOT NULL, initial_sent_at BIGINT,
 *   initial_reference TEXT, followup_sent_at BIGINT, followup_reference TEXT) + index (created_at, incident_id).
 * The texts are the operator's, about the breach, not one person's data: kept as text (never logged). Which
 * persons were affected is what the outbox holds: one notice each, with ref "incident:<id>". */
struct privd_incident_row {
	char id[33];
	int64_t detected_at, created_at, updated_at;
	char *description;   /* malloc'd */
	unsigned categories; /* a mask of enum privd_destruction_category */
	enum privd_incident_scope scope;
	int64_t registered_from, registered_to;                 /* the registered scope's bounds; 0 otherwise */
	char *causes, *harm, *measures, *results, *responsible; /* malloc'd; NULL when not given */
	int64_t affected;                                       /* persons notified */
	int64_t affected_eu;                                    /* of them, EU/EEA residents */
	int64_t reported_at[PRIVD_REPORT_KIND_COUNT]; /* when each report was filed with the regulator; 0: not yet */
	char reference[PRIVD_REPORT_KIND_COUNT][PRIVD_INCIDENT_REFERENCE_MAX + 1];
};
/* Frees the texts and zeroes the row; accepts NULL. */
void privd_incident_row_clear(struct privd_incident_row *row);
enum privd_rc privd_repo_incident_insert(struct privd_db *db, const struct privd_incident_row *row);
/* PRIVD_ERR_NOT_FOUND when there is none; the texts are the caller's to free (privd_incident_row_clear). */
enum privd_rc privd_repo_incident_get(struct privd_db *db, const char *id, struct privd_incident_row *out);
/* Replaces causes, harm, measures, results, responsible and updated_at, only while updated_at is still
 * expect_updated_at: PRIVD_ERR_CONFLICT when it changed meanwhile, PRIVD_ERR_NOT_FOUND when there is no such
 * incident. */
enum privd_rc privd_repo_incident_update(struct privd_db *db, const struct privd_incident_row *row,
                                         int64_t expect_updated_at);
/* Records report k as filed at sent_at with reference, once: PRIVD_ERR_CONFLICT when it was recorded already,
 * PRIVD_ERR_NOT_FOUND when there is no such incident. */
enum privd_rc privd_repo_incident_report(struct privd_db *db, const char *id, enum privd_report_kind k, int64_t sent_at,
                                         const char *reference, int64_t now_ms);
/* The newest created_at of any incident (0 when none): as for requests, incidents take created_at = max(now, this
 * + 1) inside the writer's transaction, so that it is unique and serves as the paging cursor. */
enum privd_rc privd_repo_incident_last_created(struct privd_db *db, int64_t *ms);
/* Incidents created after after_created, oldest first, at most limit (0: no limit), without their texts (the
 * row's text pointers are NULL). The row passed to cb is valid during the call only. */
enum privd_rc privd_repo_incident_list(struct privd_db *db, int64_t after_created, size_t limit,
                                       int (*cb)(void *arg, const struct privd_incident_row *row), void *arg);

/* Which of ids[0..n) (any number, sorted) are subjects, erased or not: cb gets each one that is, in order. */
enum privd_rc privd_repo_subject_ids_known(struct privd_db *db, const char *const *ids, size_t n,
                                           int (*cb)(void *arg, const char *id), void *arg);

/* ---- the person's portal (repo_portal.c) ---- */
struct privd_portal_row {
	char subject_id[33];
	char session_id[33];
	int64_t created_at; /* when the link was made */
	int64_t last_seen;  /* when the session was last used (the link's creation until opened) */
};
/* A new, unopened link for row->subject_id, created at row->created_at. */
enum privd_rc privd_repo_portal_insert(struct privd_db *db, const struct privd_portal_row *row, const char *link_hash);
/* Opens the link once: only if it is unused and was made after created_after; it then answers to token_hash. The row
 * into *out. PRIVD_ERR_NOT_FOUND for an unknown, used or stale link. */
enum privd_rc privd_repo_portal_open(struct privd_db *db, const char *link_hash, const char *token_hash,
                                     int64_t created_after, int64_t now_ms, struct privd_portal_row *out);
/* The opened session whose token hashes to token_hash, while its subject is not erased; PRIVD_ERR_NOT_FOUND else. */
enum privd_rc privd_repo_portal_by_token(struct privd_db *db, const char *token_hash, struct privd_portal_row *out);
/* Moves last_seen forward to now_ms (never back). */
enum privd_rc privd_repo_portal_touch(struct privd_db *db, const char *session_id, int64_t now_ms);
/* Ends a session; PRIVD_ERR_NOT_FOUND when there was none. */
enum privd_rc privd_repo_portal_delete(struct privd_db *db, const char *session_id);
/* The subject a request belongs to; PRIVD_ERR_NOT_FOUND when there is no such request. */
enum privd_rc privd_repo_request_subject(struct privd_db *db, const char *request_id, char subject_id[33]);

#endif
