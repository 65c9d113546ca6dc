/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * repo.h - repositories: the SQL of privd, written once over db.h, and the migrations.
 *
 * Every function takes the handle to use (a writer's connection inside its transaction, or a reader's). None
 * opens or commits a transaction. PII arrives and leaves as ciphertext only: repositories never see plain text
 * names, e-mails, phones, IPs or birth dates, only blobs sealed by crypto/envelope and blind indexes.
 * Subject-owned tables lead with subject_id. Times are UTC milliseconds.
 */
#ifndef PRIVD_STORE_REPO_H
#define PRIVD_STORE_REPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/consent.h"
#include "core/rc.h"
#include "store/db.h"

/* Brings the data database (or the keystore) to the newest schema; idempotent, safe when several processes
 * start together on PostgreSQL (advisory lock). */
enum privd_rc privd_repo_migrate(struct privd_db *db, enum privd_db_which which, struct privd_err *err);

/* A malloc'd byte string; privd_blob_clear frees and zeroes the struct. */
struct privd_blob {
	uint8_t *data;
	size_t len;
};
void privd_blob_clear(struct privd_blob *b);

/* ---- keystore (the keystore database) ---- */
enum privd_rc privd_repo_key_put(struct privd_db *ks, const char *subject_id, const uint8_t *wrapped, size_t len,
				 int64_t now_ms);
/* PRIVD_ERR_NOT_FOUND when there is no key (never created, or destroyed). */
enum privd_rc privd_repo_key_get(struct privd_db *ks, const char *subject_id, struct privd_blob *wrapped);
/* Destroys the key. PRIVD_OK when there was none. */
enum privd_rc privd_repo_key_delete(struct privd_db *ks, const char *subject_id);

/* ---- api keys ---- */
struct privd_apikey_row {
	char id[33];
	char name[128];
	char role[16];
	int64_t created_at;
	int64_t revoked_at;	/* 0 when active */
	int64_t last_used_at;	/* 0 when never (not updated on the hot path; may stay 0) */
};
enum privd_rc privd_repo_apikey_insert(struct privd_db *db, const struct privd_apikey_row *row,
				       const char *key_hash);
/* Active keys only; PRIVD_ERR_NOT_FOUND otherwise. */
enum privd_rc privd_repo_apikey_by_hash(struct privd_db *db, const char *key_hash, struct privd_apikey_row *out);
/* Calls cb for every key, active and revoked, oldest first. A non-zero return from cb stops the walk. */
enum privd_rc privd_repo_apikey_list(struct privd_db *db,
				     int (*cb)(void *arg, const struct privd_apikey_row *row), void *arg);
/* Sets revoked_at; PRIVD_ERR_NOT_FOUND when no active key has that id. */
enum privd_rc privd_repo_apikey_revoke(struct privd_db *db, const char *id, int64_t now_ms);

/* ---- policies ---- */
struct privd_policy_row {
	char version[64];
	char sha256[65];
	int64_t published_at;
	char *text;	/* malloc'd Markdown, NULL when not asked for */
};
/* PRIVD_ERR_CONFLICT when the version exists. The newest inserted policy is the current one. */
enum privd_rc privd_repo_policy_insert(struct privd_db *db, const struct privd_policy_row *row);
/* PRIVD_ERR_NOT_FOUND when none; with_text fills row->text (caller frees). */
enum privd_rc privd_repo_policy_current(struct privd_db *db, bool with_text, struct privd_policy_row *out);
/* A given version; PRIVD_ERR_NOT_FOUND when unknown. */
enum privd_rc privd_repo_policy_get(struct privd_db *db, const char *version, bool with_text,
				    struct privd_policy_row *out);

/* ---- subjects ---- */
struct privd_subject_row {
	char id[33];
	char status[24];		/* "active", "pending_guardian", "erased" */
	char residence_country[3];
	char email_bidx[65];		/* "" when no e-mail */
	char phone_bidx[65];		/* "" when no phone */
	struct privd_blob name_ct, email_ct, phone_ct, ip_ct, birth_date_ct;	/* empty blob = absent */
	char policy_version[64];	/* the policy version registered under; "" when none */
	int64_t created_at;
	int64_t updated_at;
};
void privd_subject_row_clear(struct privd_subject_row *row);	/* frees the blobs */

/* PRIVD_ERR_CONFLICT with *conflict_field set to "email" or "phone" when a blind index is taken. */
enum privd_rc privd_repo_subject_insert(struct privd_db *db, const struct privd_subject_row *row,
					const char **conflict_field);
/* Replaces every column but id and created_at; same conflict rule (ignoring the subject itself);
 * PRIVD_ERR_NOT_FOUND when absent. */
enum privd_rc privd_repo_subject_update(struct privd_db *db, const struct privd_subject_row *row,
					const char **conflict_field);
enum privd_rc privd_repo_subject_get(struct privd_db *db, const char *id, struct privd_subject_row *out);
/* kind is "email" or "phone". PRIVD_ERR_NOT_FOUND when no subject has it. */
enum privd_rc privd_repo_subject_by_bidx(struct privd_db *db, const char *kind, const char *bidx, char id[33]);
enum privd_rc privd_repo_subject_set_status(struct privd_db *db, const char *id, const char *status,
					    int64_t now_ms);

/* ---- consents (append-only) ---- */
struct privd_consent_row {
	int64_t seq;			/* assigned on insert, increasing */
	char subject_id[33];
	char purpose[32];
	bool granted;
	char policy_version[64];
	struct privd_blob ip_ct;	/* the IP sealed under the subject's key; may be empty */
	char source[32];		/* "registration", "api", "banner", "portal", "request" */
	int64_t created_at;
};
enum privd_rc privd_repo_consent_append(struct privd_db *db, struct privd_consent_row *row);	/* sets seq */
/* Every record of a subject, oldest first. The row passed to cb is valid during the call only. */
enum privd_rc privd_repo_consent_list(struct privd_db *db, const char *subject_id,
				      int (*cb)(void *arg, const struct privd_consent_row *row), void *arg);
/* The derived state: subject status plus every record applied in order. PRIVD_ERR_NOT_FOUND when the subject
 * does not exist. */
enum privd_rc privd_repo_consent_state(struct privd_db *db, const char *subject_id,
				       struct privd_consent_state *out);

/* ---- audit (append-only hash chain) ---- */
struct privd_audit_row {
	int64_t seq;		/* 1, 2, 3 ... */
	int64_t ts;
	char actor[80];		/* "apikey:<id>", "system", "cli" */
	char action[48];	/* "subject.create", "subject.read", "consent.record", ... */
	char object_type[24];
	char object_id[80];
	char detail[512];	/* field names and non-PII facts, JSON text */
	char prev_hash[65];
	char hash[65];
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

#endif
