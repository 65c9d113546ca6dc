/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * service.h - privd's use cases: the one place that orchestrates core, crypto and store.
 *
 * http/ and cli/ call these functions and nothing below them, so the API and the command line cannot drift.
 * Each use case that writes is one job on the writer (one transaction, group-committed) and appends its audit
 * entry in that same transaction. Plain-text PII exists only in the structs passed in and out here; callers
 * zero them with the _clear functions. Every function is safe to call from many threads at once. States travel as
 * core's enums (a subject's status, a request's type, status and decision, a notice's kind and status): callers
 * parse and render them with core's privd_<x>_parse and privd_<x>_name.
 */
#ifndef PRIVD_SERVICE_SERVICE_H
#define PRIVD_SERVICE_SERVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/consent.h"
#include "core/cookie.h"
#include "core/destruction.h"
#include "core/guardian.h"
#include "core/lang.h"
#include "core/masterkey.h"
#include "core/notice.h"
#include "core/rc.h"
#include "core/request.h"
#include "core/validate.h"
#include "service/config.h"

struct privd_service;

enum privd_role {
	PRIVD_ROLE_ADMIN = 1 << 0,
	PRIVD_ROLE_OPERATOR = 1 << 1,
	PRIVD_ROLE_APP = 1 << 2,
	PRIVD_ROLE_AUDITOR = 1 << 3,
	PRIVD_ROLE_SUBJECT = 1 << 4
};
const char *privd_role_name(enum privd_role r);
enum privd_rc privd_role_parse(const char *name, enum privd_role *out); /* subject is not a key role */

/* Who is calling: from an API key, a portal session, or the command line. */
struct privd_principal {
	enum privd_role role;
	char key_id[33];     /* the key's or the portal session's id; "" for the command line */
	char actor[80];      /* "apikey:<id>", "portal:<session id>" or "cli"; goes to the audit log */
	char session_id[33]; /* the console session the call came through; "" for a bearer key */
	char subject_id[33]; /* role subject: the one subject it may read and act on; "" otherwise */
};

/* A principal for the command line: admin, audited as "cli". Cannot fail. */
void privd_principal_cli(struct privd_principal *p);

/* Opens everything: keyring (refuses a master.key readable by others), database and keystore (migrated),
 * writer thread, caches, and on PostgreSQL the LISTEN thread that invalidates caches written by other
 * processes. */
enum privd_rc privd_service_open(const struct privd_config *cfg, struct privd_service **out, struct privd_err *err);
/* Drains the writer and frees everything. Accepts NULL. */
void privd_service_close(struct privd_service *svc);

/* `privd init`: creates data_dir (refusing an initialised one), master.key, privd.conf, database and keystore,
 * installs the shipped policy templates (Russian and English) as version "1" and the shipped consent texts for
 * processing and third_party_transfer (Russian and English) as version "1", each with the operator's details from
 * cfg filled in (see docs/configuration.md: [operator], [consent]), and creates the first admin key, written to
 * admin_key (shown once). */
enum privd_rc privd_service_init(const struct privd_config *cfg, char *admin_key, size_t admin_key_len,
                                 struct privd_err *err);

/* Readiness: a trivial query on the database. */
enum privd_rc privd_service_ready(struct privd_service *svc);

/* ---- configuration at run time (reconfigure.c) ---- */
/* Applies what a running server can change of next (privd_config_key_live): the [smtp], [sms] and [notify] keys
 * but default_language, through the delivery worker between two batches, and [requests] document_limit. The other
 * keys of next are ignored. PRIVD_ERR_INVALID naming the key at fault when next cannot be used: nothing changed. */
enum privd_rc privd_service_reload(struct privd_service *svc, const struct privd_config *next, struct privd_err *err);

/* What `privd serve` would refuse at its start, found without starting: a data directory that is missing or holds
 * no usable master key (when cfg names one), a production calendar or an EU age table (with eu_per_country) that
 * does not load, a [web] dir without consent.js, SMTP and SMS settings that cannot be used. Appends one fault per
 * problem; returns how many. Reads no database. */
size_t privd_service_check_config(const struct privd_config *cfg, struct privd_config_faults *faults);

/* ---- master keys (rotation.c) ----
 * Each data key is wrapped under a master key, a file in the data directory; the keystore records which one wraps
 * which key and which is current. A rotation wraps every data key again under a new master key while privd keeps
 * serving, then destroys the old key's file: a keystore copy taken before then (a backup) opens with no key that
 * is left. See docs/operations.md. */

struct privd_master_key_info {
	char kid[PRIVD_KID_HEX];
	const char *state;  /* "current", "retiring", "retired", or "staged": a file here the keystore does not know */
	int64_t created_at; /* 0 for a staged key */
	int64_t retired_at; /* 0 unless retired */
	int64_t keys;       /* data and message keys wrapped under it */
	bool here;          /* this data directory holds its file */
};
/* Calls cb with every master key the keystore knows, oldest first, then every staged one. */
enum privd_rc privd_service_keys_status(struct privd_service *svc,
                                        void (*cb)(void *arg, const struct privd_master_key_info *k), void *arg,
                                        struct privd_err *err);

/* Stages a new master key for a rotation on several nodes: writes DATA_DIR/master.key.<kid> and tells its id,
 * without touching the keystore. Copy the file to every node's data directory, then rotate. */
enum privd_rc privd_service_keys_new(struct privd_service *svc, char kid[PRIVD_KID_HEX], struct privd_err *err);

struct privd_rotation {
	char from[4][PRIVD_KID_HEX]; /* the keys retired */
	size_t nfrom;
	char to[PRIVD_KID_HEX]; /* the current key now */
	int64_t rewrapped;      /* data and message keys wrapped again */
	bool resumed;           /* an interrupted rotation was finished, no new key made */
	bool staged;            /* the new key was a staged one (privd_service_keys_new) */
};
/* Rotates the master key online: the staged key (or, without one, a new one written into the data directory)
 * becomes current, every data and message key is wrapped again under it in batches of batch keys, each its own
 * write job, then the old key is retired (an audit entry for each step: keys.rotate, keys.retire) and its file
 * here destroyed; a serving privd drops it and destroys its own copy within a second. An interrupted rotation is
 * finished instead. PRIVD_ERR_CONFLICT when another rotation came first or several keys are staged,
 * PRIVD_ERR_CRYPTO when a key does not open under any master key held (the old key is then kept). */
enum privd_rc privd_service_keys_rotate(struct privd_service *svc, const struct privd_principal *who, size_t batch,
                                        struct privd_rotation *out, struct privd_err *err);

/* ---- backups (backup.c) ----
 * A backup is a data set and a keystore set taken at one instant, written apart (TO/data/<stamp>/ and
 * TO/keystore/<stamp>/) and pruned apart: [backup] keystore_retention_days is shorter than data_retention_days, so
 * that an erasure reaches every backup once the keystore sets older than it are gone. The master key is never
 * part of it. See docs/operations.md. */

struct privd_backup_result {
	char stamp[32];              /* the sets' name: the time they were taken */
	char kids[8][PRIVD_KID_HEX]; /* the master keys the keystore set needs */
	size_t nkids;
	int64_t audit_seq;                   /* the data set's newest audit entry */
	size_t pruned_data, pruned_keystore; /* sets removed as aged out */
};
/* Takes a backup into to (created 0700 when missing; refused inside the data directory), then prunes the sets
 * older than their retention (never the one just taken). Audited as backup.taken. */
enum privd_rc privd_service_backup(struct privd_service *svc, const struct privd_principal *who, const char *to,
                                   struct privd_backup_result *out, struct privd_err *err);

struct privd_restore_result {
	char data_stamp[32], keystore_stamp[32]; /* the sets restored */
	char kids[8][PRIVD_KID_HEX];             /* the master keys they needed */
	size_t nkids;
	int64_t audit_entries; /* the restored chain, verified */
	char audit_head[65];
	bool anchor_moved; /* an audit.anchor of the data directory was set aside */
};
/* Restores into cfg's data directory (and database) the data set stamped at (NULL: the newest) from the backup
 * directory from, with the first keystore set taken at or after it. The master keys it needs must be in the data
 * directory or in keys_dir (may be NULL), from where they are copied; none missing is checked before anything is
 * written. The configuration is the data set's (privd.conf) unless the data directory has one, with its database
 * set to cfg's. The restored audit chain is verified and the restore audited (backup.restored). PRIVD_ERR_NOT_FOUND
 * for a missing set or master key, PRIVD_ERR_CONFLICT for a target that already holds a database. */
enum privd_rc privd_service_restore(const struct privd_config *cfg, const char *from, const char *at,
                                    const char *keys_dir, struct privd_restore_result *out, struct privd_err *err);

/* ---- API keys ---- */
/* Maps a bearer key to a principal, from memory (cache of key hash -> key, invalidated on revoke, also across
 * processes on PostgreSQL). PRIVD_ERR_NOT_FOUND for a missing, unknown or revoked key. */
enum privd_rc privd_service_authenticate(struct privd_service *svc, const char *bearer, struct privd_principal *out);

/* The person's portal sessions: service/portal.h. */

struct privd_apikey_info {
	char id[33];
	char name[128];
	char role[16];
	int64_t created_at;
	int64_t revoked_at; /* 0 when active */
};
/* name: 1..100 printable characters; role: admin, operator, app, auditor. key receives the key, shown once. */
enum privd_rc privd_service_apikey_create(struct privd_service *svc, const struct privd_principal *who,
                                          const char *name, const char *role, struct privd_apikey_info *out, char *key,
                                          size_t key_len, struct privd_err *err);
enum privd_rc privd_service_apikey_list(struct privd_service *svc,
                                        int (*cb)(void *arg, const struct privd_apikey_info *k), void *arg);
/* PRIVD_ERR_NOT_FOUND when no active key has that id. The key stops working at once. */
enum privd_rc privd_service_apikey_revoke(struct privd_service *svc, const struct privd_principal *who, const char *id,
                                          struct privd_err *err);

/* ---- the operator's console (console.c) ----
 * An operator, admin or auditor exchanges their API key for a session: a cookie value and a CSRF token, both
 * random, shown once and stored only as keyed hashes. A session lasts PRIVD_CONSOLE_TTL_MS at most and ends
 * after PRIVD_CONSOLE_IDLE_MS without a call, when signed out, or when its key is revoked. */
#define PRIVD_CONSOLE_TTL_MS (12LL * 3600 * 1000)
#define PRIVD_CONSOLE_IDLE_MS (30LL * 60 * 1000)
#define PRIVD_CONSOLE_TOKEN_MAX 64
struct privd_console_session {
	char session_id[33];
	char token[PRIVD_CONSOLE_TOKEN_MAX]; /* the cookie's value */
	char csrf[PRIVD_CONSOLE_TOKEN_MAX];
	enum privd_role role;
	int64_t expires_at;
};
/* Signs in with an API key (audited: console.signin). PRIVD_ERR_NOT_FOUND for a missing, unknown or revoked key;
 * PRIVD_ERR_FORBIDDEN for an app key (the console is for operators, admins and auditors). */
enum privd_rc privd_service_console_signin(struct privd_service *svc, const char *key,
                                           struct privd_console_session *out, struct privd_err *err);
/* The principal of the session whose cookie value is token. csrf is the token the call sent, or NULL for a call
 * that changes nothing (GET, HEAD). PRIVD_ERR_NOT_FOUND for no open session (unknown, ended, expired, idle, key
 * revoked); PRIVD_ERR_FORBIDDEN when a csrf is required and does not match. */
enum privd_rc privd_service_console_authenticate(struct privd_service *svc, const char *token, const char *csrf,
                                                 bool need_csrf, struct privd_principal *out);
/* Ends who's session (audited: console.signout). PRIVD_ERR_NOT_FOUND when who came with no session. */
enum privd_rc privd_service_console_signout(struct privd_service *svc, const struct privd_principal *who);

/* ---- policies ---- */
struct privd_policy {
	char version[64];
	enum privd_lang language;
	char sha256[65];
	int64_t published_at;
	char *text;      /* Markdown, malloc'd when asked for */
	size_t notified; /* publish with notify: notices queued */
};
void privd_policy_clear(struct privd_policy *p);
/* version: 1..63 of [A-Za-z0-9._-]; language: "ru" or "en", NULL for "en" (what every policy was before there
 * were two); text: non-empty UTF-8. Publishing a version makes it the current one; publishing it again in the other
 * language adds that translation. PRIVD_ERR_CONFLICT when the version exists in that language. With notify, an
 * important notification: one notice (policy.published) to every active subject with an e-mail, queued in bulk in
 * the same transaction as the policy, out->notified of them. */
enum privd_rc privd_service_policy_publish(struct privd_service *svc, const struct privd_principal *who,
                                           const char *version, const char *language, const char *text, bool notify,
                                           struct privd_policy *out, struct privd_err *err);
/* The newest policy published (PRIVD_LANG_ANY), or the newest in a language. PRIVD_ERR_NOT_FOUND when none. */
enum privd_rc privd_service_policy_current(struct privd_service *svc, enum privd_lang language, bool with_text,
                                           struct privd_policy *out);

/* A published text made ready for a page: its Markdown rendered as an HTML fragment (cmark; raw HTML in the
 * Markdown is not passed through) and what identifies it. */
struct privd_text_page {
	char *body_html; /* malloc'd */
	char version[64];
	enum privd_lang language; /* the language shown, which may differ from the one asked for */
	char sha256[65];
	int64_t published_at;
};
void privd_text_page_clear(struct privd_text_page *p); /* frees; accepts NULL */
/* The current policy version, in want when it is published in want, otherwise in the language published last.
 * PRIVD_ERR_NOT_FOUND when no policy is published. */
enum privd_rc privd_service_policy_page(struct privd_service *svc, enum privd_lang want, struct privd_text_page *out);

/* ---- consent texts (152-FZ Art. 9 as amended by 156-FZ) ----
 * Consent to processing and consent to transfer to third parties are each a document of their own, published in
 * versions, per language; the current one of a purpose and language is the one published last. A grant names the
 * version the person was shown (privd_registration.texts, privd_consent_input.text_version), which must be the
 * current one in its language, and its record keeps the version, the language and the text's SHA-256. */
struct privd_consent_text {
	enum privd_purpose purpose;
	char version[64];
	enum privd_lang language;
	char sha256[65];
	int64_t published_at;
	char *text;      /* Markdown, malloc'd when asked for */
	size_t notified; /* publish with notify: notices queued */
};
void privd_consent_text_clear(struct privd_consent_text *t); /* frees the text; accepts NULL */
/* purpose: processing or third_party_transfer; version as a policy's; language: "ru" or "en"; text: non-empty.
 * PRIVD_ERR_INVALID naming each field at fault, PRIVD_ERR_CONFLICT when the version exists in that language. A
 * new version becomes current at once in every process, and grants that name an older one ask for reconsent. With
 * notify, an important notification (consent_text.published) to every active subject with an e-mail, queued in
 * bulk in the same transaction, out->notified of them. */
enum privd_rc privd_service_consent_text_publish(struct privd_service *svc, const struct privd_principal *who,
                                                 const char *purpose, const char *version, const char *language,
                                                 const char *text, bool notify, struct privd_consent_text *out,
                                                 struct privd_err *err);
/* The current text of purpose in language. PRIVD_ERR_NOT_FOUND when none is published. */
enum privd_rc privd_service_consent_text_current(struct privd_service *svc, enum privd_purpose purpose,
                                                 enum privd_lang language, bool with_text,
                                                 struct privd_consent_text *out);
/* The page of purpose's consent text: version (NULL: the current one) in want, or, when it is not published in
 * want, in the other language. PRIVD_ERR_NOT_FOUND when there is none. */
enum privd_rc privd_service_consent_text_page(struct privd_service *svc, enum privd_purpose purpose,
                                              enum privd_lang want, const char *version, struct privd_text_page *out);

/* ---- subjects ---- */
/* Registration input. NULL means absent. Strings are the raw input; the service validates and normalises. The
 * service copies what it keeps before privd_service_subject_register_async returns, so the caller may free the
 * input as soon as the call returns. */
struct privd_registration {
	const char *name, *email, *phone, *ip, *birth_date, *residence_country, *policy_version;
	int processing;                         /* -1 absent, 0 false, 1 true */
	int third_party_transfer;               /* -1 absent (= false), 0, 1 */
	bool cookies[3];                        /* preferences, analytics, marketing */
	const char *source;                     /* "api" unless set */
	const char *texts[PRIVD_PURPOSE_COUNT]; /* the consent text version shown, per purpose granted; NULL absent */
	const char *language;                   /* the texts' language; NULL: PRIVD_LANG_DEFAULT */
	const char *notice_language; /* "ru" or "en": what the person's notices are written in; NULL: the default */
	const char *visitor_id;      /* the cookie banner's visitor registering; NULL: none */
};

/* A subject's profile in plain text. All strings "" when absent. */
struct privd_subject {
	char id[33];
	enum privd_subject_status status;
	char name[PRIVD_NAME_MAX_BYTES + 1];
	char email[PRIVD_EMAIL_MAX + 1];
	char phone[PRIVD_PHONE_MAX + 1];
	char ip[PRIVD_IP_MAX];
	char birth_date[11];
	char residence_country[3];
	char language[3];        /* "ru", "en"; "" when the person chose none (notices then use the default) */
	char policy_version[64]; /* the version registered under */
	int64_t created_at;
	int64_t updated_at;
	int64_t erase_after; /* revoked: when the data is destroyed (UTC ms); 0 when no destruction is scheduled */
};
void privd_subject_clear(struct privd_subject *s); /* zeroes it (sodium_memzero) */

/* Registers a subject: validates (PRIVD_ERR_INVALID naming every field at fault, a grant of processing or
 * third_party_transfer without its text version among them), checks each text version named is the current one
 * (PRIVD_ERR_CONFLICT with err's problem "reconsent-required" naming the field otherwise), applies the age rules on
 * the date in UTC-12 (core/age.h: PRIVD_ERR_FORBIDDEN for an under-age person on a US server, with nothing stored;
 * status pending_guardian for an EU/EEA minor), checks policy_version is current, encrypts, and stores the subject
 * and its consent records in one transaction. With a visitor_id (refused with PRIVD_ERR_INVALID naming it when it is
 * not one), the visitor's newest cookie choice, if it made one, gives the cookie purposes instead of reg->cookies
 * (source "banner"), and the visitor is linked to the subject. PRIVD_ERR_CONFLICT when the e-mail or phone is taken
 * (err names the field). The async form calls done from the writer's answering thread (or at once on a validation
 * failure) and must be used by code that cannot block; out is valid during the call only. */
enum privd_rc privd_service_subject_register(struct privd_service *svc, const struct privd_principal *who,
                                             const struct privd_registration *reg, struct privd_subject *out,
                                             struct privd_err *err);
typedef void (*privd_register_done)(void *arg, enum privd_rc rc, const struct privd_subject *out,
                                    const struct privd_err *err);
void privd_service_subject_register_async(struct privd_service *svc, const struct privd_principal *who,
                                          const struct privd_registration *reg, privd_register_done done, void *arg);

/* Decrypted profile; the read is an audit entry. PRIVD_ERR_NOT_FOUND, PRIVD_ERR_GONE (erased). */
enum privd_rc privd_service_subject_get(struct privd_service *svc, const struct privd_principal *who, const char *id,
                                        struct privd_subject *out, struct privd_err *err);

/* PATCH: only the non-NULL fields change (name, email, phone, ip, birth_date, residence_country, language),
 * validated as at registration; setting email, phone or language to "" removes it, but an e-mail or a phone must
 * remain. out is the result.
 * PRIVD_ERR_CONFLICT with err's problem "revoked" while consent to processing is revoked (nothing is processed
 * then, corrections included). */
struct privd_subject_patch {
	const char *name, *email, *phone, *ip, *birth_date, *residence_country, *language;
};
enum privd_rc privd_service_subject_update(struct privd_service *svc, const struct privd_principal *who, const char *id,
                                           const struct privd_subject_patch *patch, struct privd_subject *out,
                                           struct privd_err *err);

/* Finds a subject by e-mail or phone (kind "email"/"phone"), through the blind index: its id and status (both
 * meaningful on PRIVD_OK only). Audited. PRIVD_ERR_NOT_FOUND when no subject has it. */
enum privd_rc privd_service_subject_find(struct privd_service *svc, const struct privd_principal *who, const char *kind,
                                         const char *value, char id[33], enum privd_subject_status *status,
                                         struct privd_err *err);

/* ---- consents ---- */
struct privd_consent_record {
	int64_t seq;
	char purpose[32];
	bool granted;
	char policy_version[64];
	char ip[PRIVD_IP_MAX]; /* decrypted; "" when not recorded */
	char source[32];
	int64_t created_at;
	char text_version[64]; /* the consent text the grant names; "" when none */
	char text_language[3]; /* its language; "" when none */
	char text_sha256[65];  /* its SHA-256; "" when none */
};
/* A consent record as given. NULL means absent. */
struct privd_consent_input {
	const char *purpose;      /* one of the five names; required */
	bool granted;             /* a grant, or a refusal or revocation */
	const char *ip;           /* validated when given; required with a grant */
	const char *source;       /* api (default), banner, portal, registration, request */
	const char *text_version; /* required with a grant of processing or third_party_transfer; none for cookies */
	const char *language;     /* the text's language, "ru" or "en"; NULL: PRIVD_LANG_DEFAULT */
};
/* Appends a record. A grant needs its evidence: the ip, and for processing or third_party_transfer the version of
 * the consent text shown (PRIVD_ERR_INVALID naming "ip" or "text_version" without it, or when no text is
 * published in the language, or for a text named with a cookie category; PRIVD_ERR_CONFLICT with err's problem
 * "reconsent-required" naming "text_version" when it is not the current version). PRIVD_ERR_NOT_FOUND /
 * PRIVD_ERR_GONE. Consent to processing carries the others (152-FZ Art. 9 p.2, Art. 21 p.5, core/consent.h): its
 * revocation withdraws every purpose still granted (a record each), makes the subject revoked and schedules its
 * destruction [requests] erase_after_revoke_days after this call (an earlier schedule is kept); while revoked, a
 * grant of processing returns the subject to the status it had and cancels the destruction, and a grant of any
 * other purpose is PRIVD_ERR_CONFLICT with err's problem "revoked". Each change of status is an audit entry of its
 * own. A pending_guardian subject's own grants are recorded and never effective (the check answers false).
 * Committed in a group; done is called once, from the writer's answering thread after the commit, or before returning
 * when refused early; out (valid during the call) only with PRIVD_OK. in and who are copied before returning. */
typedef void (*privd_consent_done)(void *arg, enum privd_rc rc, const struct privd_consent_record *out,
                                   const struct privd_err *err);
void privd_service_consent_record_async(struct privd_service *svc, const struct privd_principal *who,
                                        const char *subject_id, const struct privd_consent_input *in,
                                        privd_consent_done done, void *arg);

/* Validates the form of what a consent record is made of, without recording anything: the purpose (NULL is
 * skipped: the caller names it), ip, source, text_version and language when given. What depends on the record
 * being a grant is privd_service_consent_record_async's. PRIVD_ERR_INVALID naming each field. */
enum privd_rc privd_service_consent_validate(const struct privd_consent_input *in, struct privd_err *err);

/* The check, the hot path: from memory, no PII, no audit entry. PRIVD_ERR_NOT_FOUND for an unknown subject,
 * PRIVD_ERR_GONE for an erased one (answered not granted by the caller where it wants an answer). */
struct privd_consent_check {
	bool granted;
	int64_t since;
	char policy_version[64];
	char text_version[64];   /* the consent text the latest record names; "" when none */
	bool reconsent_required; /* under another policy version, or another text than the current one */
};
enum privd_rc privd_service_consent_check(struct privd_service *svc, const char *subject_id, enum privd_purpose purpose,
                                          struct privd_consent_check *out);

/* Current state of every purpose plus the whole history (decrypting IPs: audited). */
enum privd_rc privd_service_consent_history(struct privd_service *svc, const struct privd_principal *who,
                                            const char *subject_id,
                                            struct privd_consent_check state[PRIVD_PURPOSE_COUNT],
                                            int (*cb)(void *arg, const struct privd_consent_record *r), void *arg,
                                            struct privd_err *err);

/* ---- audit ---- */
struct privd_audit_entry {
	int64_t seq;
	int64_t ts;
	char actor[80];
	char action[48];
	char object_type[24];
	char object_id[80];
	char detail[512]; /* JSON text */
	char prev_hash[65];
	char hash[65];
};
enum privd_rc privd_service_audit_list(struct privd_service *svc, int64_t after, size_t limit,
                                       int (*cb)(void *arg, const struct privd_audit_entry *e), void *arg);
struct privd_audit_verdict {
	bool ok;
	int64_t entries;
	char head[65];     /* hash of the last entry */
	int64_t first_bad; /* seq of the first entry that does not verify; 0 when ok */
	int64_t anchored;  /* seq recorded in DATA_DIR/audit.anchor (0: no anchor yet) */
	bool truncated;    /* the chain ends before the anchored entry: entries were removed */
	bool anchor_bad;   /* audit.anchor is there but does not authenticate: it was changed */
};
/* Recomputes the whole chain, and checks it still reaches the entry last anchored: a running server writes the
 * head's seq and hash, MAC'd, to DATA_DIR/audit.anchor every second, so removing the newest entries is seen too. */
enum privd_rc privd_service_audit_verify(struct privd_service *svc, struct privd_audit_verdict *out);

/* ---- rights requests ----
 * A person exercises a right by a request with a scanned, signed document; the operator decides and carries it
 * out within its type's deadline in working days of receipt (152-FZ Art. 20; core's privd_request_rule_default,
 * [requests] <type>_days), which some types allow to be extended once with a reason. An inquiry needs no
 * document and is answered in words. Every step is an audit entry and each change the person must learn of is
 * queued in the outbox in the same transaction.
 * Types: erase, rectify, access, transfer_info, revoke_processing, revoke_cookies, guardian_consent, inquiry.
 * Statuses: awaiting_document, received, accepted, rejected, completed. */

/* The longest note on an estimated due date ("2027 calendar not published"), with its NUL. */
#define PRIVD_CALENDAR_NOTE_MAX 64

struct privd_request {
	char id[33];
	char subject_id[33];
	enum privd_request_type type;
	enum privd_request_status status;
	char *details;     /* JSON text, malloc'd; NULL when none or when not disclosed to the caller */
	char *reason;      /* the decision's reason told to the person, malloc'd; NULL when none */
	char *answer;      /* an inquiry's answer, malloc'd; NULL when none or when not disclosed to the caller */
	char result[1024]; /* non-PII JSON summary of the outcome, "{}" until completed */
	int64_t created_at, received_at, decided_at, completed_at, updated_at; /* 0 when not yet */
	char due_date[11];                                                     /* "" until received */
	bool due_estimated; /* a year counted through is provisional or missing from the calendar */
	char calendar_note[PRIVD_CALENDAR_NOTE_MAX]; /* with due_estimated, which year and why; "" otherwise */
	bool extended;
	bool overdue;
	int working_days_left; /* from today to the due date; negative when overdue; 0 when no due date */
	char document_type[32];
	int64_t document_size;
	char document_sha256[65];
};
void privd_request_clear(struct privd_request *r); /* frees and zeroes */

/* What a filer sends with a request, by type, borrowed for the call; a member is NULL when not sent. */
struct privd_request_details {
	/* rectify: what to change, as for PATCH (NULL members stay, "" removes the e-mail or the phone) */
	const struct privd_subject_patch *correction;
	/* guardian_consent: the guardian and the purposes they consent to (core/guardian.h) */
	const struct privd_guardian_input *guardian;
	/* inquiry: the person's question, 1..4000 bytes of text */
	const char *question;
};

/* Files a request of type (PRIVD_ERR_INVALID naming "type" for a value outside the enum) with its details (NULL:
 * none sent). rectify takes a correction naming at least one field: PRIVD_ERR_INVALID naming "details" for a
 * correction on another type, "details.fields" for a correction of no field (which is how a caller passes details
 * that are not a correction), "details.fields.<name>" for a value that fails registration's validation.
 * guardian_consent is for a pending_guardian subject only, filed by an operator or admin (PRIVD_ERR_FORBIDDEN for
 * any other role), and takes the guardian's details, checked by privd_guardian_check (PRIVD_ERR_INVALID naming
 * "details.guardian...", "details.consents..."). Only an inquiry takes a question, and needs one:
 * PRIVD_ERR_INVALID naming "question" otherwise. PRIVD_ERR_NOT_FOUND / PRIVD_ERR_GONE for the subject.
 * out->details is what is stored (sealed under the subject's key): {"fields":{...}} with a removal as null,
 * {"guardian":{...},"consents":{...}} normalised, or {"question":"..."}. An inquiry needs no document: it is
 * received when filed, with its due date, and the person is told so. */
enum privd_rc privd_service_request_create(struct privd_service *svc, const struct privd_principal *who,
                                           const char *subject_id, enum privd_request_type type,
                                           const struct privd_request_details *details, struct privd_request *out,
                                           struct privd_err *err);

/* Attaches the scan: content_type must be application/pdf, image/jpeg, image/png or image/tiff
 * (PRIVD_ERR_UNSUPPORTED otherwise, or when the content is of another type); the content is checked
 * (PRIVD_ERR_INVALID for an empty or broken file), capped (PRIVD_ERR_TOO_LARGE), sealed under the subject's key
 * with its SHA-256, and received_at and due_date are set. Nothing is stored on failure. */
enum privd_rc privd_service_request_attach(struct privd_service *svc, const struct privd_principal *who,
                                           const char *request_id, const char *content_type, const uint8_t *data,
                                           size_t len, struct privd_request *out, struct privd_err *err);

/* with_details: decrypt details/reason (an audited read). */
enum privd_rc privd_service_request_get(struct privd_service *svc, const struct privd_principal *who,
                                        const char *request_id, bool with_details, struct privd_request *out,
                                        struct privd_err *err);

struct privd_request_query {
	bool by_status;                   /* false: any status */
	enum privd_request_status status; /* with by_status: only this one */
	int overdue;                      /* -1 any, 1 only overdue, 0 only not overdue */
	bool estimated;                   /* true: only open requests whose due date is estimated */
	const char *due_before;           /* "YYYY-MM-DD" or NULL */
	const char *subject_id;           /* NULL: any */
	size_t limit;                     /* 0: 100 */
	int64_t after;                    /* paging cursor: created_at of the last item seen */
};
/* Lists requests without details (no PII). */
enum privd_rc privd_service_request_list(struct privd_service *svc, const struct privd_request_query *q,
                                         int (*cb)(void *arg, const struct privd_request *r), void *arg,
                                         struct privd_err *err);

/* The decrypted scan (an audited read). *data is malloc'd; the caller zeroes and frees it. */
enum privd_rc privd_service_request_document(struct privd_service *svc, const struct privd_principal *who,
                                             const char *request_id, uint8_t **data, size_t *len, char content_type[32],
                                             struct privd_err *err);

/* action: accept, reject (reason required), extend (reason required, once); any other event is PRIVD_ERR_INVALID.
 * PRIVD_ERR_CONFLICT when the request's state does not allow it; for extend also when its type cannot be extended
 * (err->problem "not-extendable") or its due date has passed ("deadline-passed"). An extension moves the due date
 * by the type's extension days and queues the reasoned notice to the person. */
enum privd_rc privd_service_request_decide(struct privd_service *svc, const struct privd_principal *who,
                                           const char *request_id, enum privd_request_event action, const char *reason,
                                           struct privd_request *out, struct privd_err *err);

/* Carries out an accepted request and completes it (see DESIGN.md and the issue for each type). revoke_processing
 * revokes as privd_service_consent_record_async does, its destruction scheduled from the moment the request's document
 * was received (received_at), and its result names {"status":"revoked","erase_after":...}; guardian_consent makes
 * the minor active with exactly the purposes the guardian chose (a record each, source "request").
 * PRIVD_ERR_CONFLICT for an inquiry, which is answered instead. */
enum privd_rc privd_service_request_execute(struct privd_service *svc, const struct privd_principal *who,
                                            const char *request_id, struct privd_request *out, struct privd_err *err);

/* Answers an inquiry (received or accepted) and completes it: text (1..10000 bytes of text, else PRIVD_ERR_INVALID
 * naming "text") is sealed under the subject's key and queued to the person whole as a notice. PRIVD_ERR_CONFLICT
 * for a request that is not an open inquiry. The answer is shown with the request to operator and admin keys
 * (out->answer); it never reaches the audit log or the logs. */
enum privd_rc privd_service_request_answer(struct privd_service *svc, const struct privd_principal *who,
                                           const char *request_id, const char *text, struct privd_request *out,
                                           struct privd_err *err);

/* ---- the access export (152-FZ Art. 14) ---- */
/* What the operator tells the person besides their data (152-FZ Art. 14 p.7), as configured; the fixed wording
 * around these values is the renderer's. Strings are "" when not configured. */
struct privd_processing_info {
	char operator_name[256];
	char operator_address[512];
	char operator_contact[256];
	char cross_border_countries[256]; /* ISO 3166-1 alpha-2 codes, comma-separated; "" for none */
	int erase_after_revoke_days;      /* calendar days from a revocation of processing to destruction */
	int due_working_days;             /* an access request's deadline, working days from receipt (Art. 20 p.1) */
	int extension_working_days;       /* its one extension, with a reasoned notice (p.2); 0: none */
	int rectify_working_days;         /* a correction's deadline, working days from receipt (Art. 20 p.3) */
	int evidence_years;               /* how long what an erasure leaves as evidence is kept */
};

/* Everything held on a person when the export was asked for, decrypted: it is PII throughout. The caller renders
 * it (JSON, a page) and frees it with privd_export_free. */
struct privd_export {
	int64_t generated_at;
	struct privd_processing_info info;
	struct privd_subject profile;
	struct privd_consent_check consents[PRIVD_PURPOSE_COUNT]; /* current state, indexed by enum privd_purpose */
	struct privd_consent_record *history;                     /* every consent record, oldest first */
	size_t nhistory;
	struct privd_consent_text *texts; /* each consent text a record of history names, with its text */
	size_t ntexts;
	struct privd_request *requests; /* the person's requests, details and reason decrypted where readable */
	size_t nrequests;
	struct privd_notification *notifications; /* every notice queued for the person (declared below) */
	size_t nnotifications;
	struct privd_disclosure *transfers; /* the person's disclosure log (declared below), oldest first */
	size_t ntransfers;
};
/* Zeroes and frees x with everything it holds. Accepts NULL. */
void privd_export_free(struct privd_export *x);

/* The format the export will be rendered in, recorded in the audit entry. */
enum privd_export_format { PRIVD_EXPORT_JSON, PRIVD_EXPORT_HTML };

/* The export of a completed access request: everything held on the person, in *out (the caller frees it with
 * privd_export_free). The export is an audit entry, and so is the read of each request's details. *out is NULL on
 * failure: PRIVD_ERR_NOT_FOUND for an unknown request, PRIVD_ERR_CONFLICT when it is not a completed access
 * request, PRIVD_ERR_GONE when the person's data was erased, PRIVD_ERR_NOMEM. */
enum privd_rc privd_service_request_export(struct privd_service *svc, const struct privd_principal *who,
                                           const char *request_id, enum privd_export_format format,
                                           struct privd_export **out, struct privd_err *err);

/* The n-th working day after from (n >= 0; from itself never counts) into out, counted as request due dates
 * are (privd_calendar_due), on the production calendar of cfg (NULL: the built-in defaults). Needs no open
 * service: the calendar file is loaded for this one count, with its warnings about incomplete years logged, and
 * like privd_service_open it sets the process's TZ to cfg's time zone, so call it only where no other thread
 * runs. note receives what a request's calendar_note would say when the date is estimated (a year counted
 * through is provisional or missing: "2027 calendar not published"), "" when it is exact. PRIVD_ERR_IO /
 * PRIVD_ERR_INVALID when the calendar cannot be loaded (err names the file and the entry), PRIVD_ERR_INVALID for
 * n < 0. */
enum privd_rc privd_service_calendar_add_working_days(const struct privd_config *cfg, const struct privd_date *from,
                                                      int n, struct privd_date *out, char note[PRIVD_CALENDAR_NOTE_MAX],
                                                      struct privd_err *err);

/* ---- outbox ----
 * What privd owes a person waits here until the delivery worker sends it (e-mail over SMTP, SMS through the
 * gateway), tries again later with a growing wait, or gives up (failed). A notice holds no PII once it is final. */
struct privd_notification {
	char id[33];
	char subject_id[33];
	char request_id[33]; /* "" when none */
	enum privd_notice_kind kind;
	char channel[8]; /* "email", "sms" */
	enum privd_notice_status status;
	int attempts;
	int64_t created_at, sent_at;
	char last_error[160]; /* why the last attempt failed, without PII; "" when none */
	char ref[72];         /* what it is about besides a request ("policy:<version>", an incident); "" when none */
	int64_t last_attempt_at; /* 0 when never tried */
	int64_t next_attempt_at; /* a queued notice tried before: not before this; 0 otherwise */
};
/* One subject's notices, oldest first. PRIVD_ERR_NOT_FOUND for an unknown subject. */
enum privd_rc privd_service_notifications(struct privd_service *svc, const struct privd_principal *who,
                                          const char *subject_id,
                                          int (*cb)(void *arg, const struct privd_notification *n), void *arg,
                                          struct privd_err *err);
/* The whole outbox, a page at a time, oldest first by (created_at, id): after the cursor of the last item seen
 * (after_created 0 and after_id "" to start). Never reads the sealed recipient or text. */
struct privd_notification_query {
	bool by_status;                  /* false: any status */
	enum privd_notice_status status; /* with by_status: only this one */
	const char *ref;                 /* NULL: any */
	size_t limit;                    /* 0: 100 */
	int64_t after_created;
	const char *after_id; /* NULL or "": from the start of after_created */
};
enum privd_rc privd_service_notification_list(struct privd_service *svc, const struct privd_notification_query *q,
                                              int (*cb)(void *arg, const struct privd_notification *n), void *arg,
                                              struct privd_err *err);

/* ---- legal hold: keeps a subject whose consent was revoked from scheduled erasure ---- */
enum privd_rc privd_service_legal_hold(struct privd_service *svc, const struct privd_principal *who,
                                       const char *subject_id, bool hold, const char *reason, struct privd_err *err);

/* ---- destruction records (RKN Order No. 179 of 28.10.2022) ----
 * Every erasure, by an executed erase request or scheduled after a revocation of consent to processing, writes a
 * record in its own transaction: what an act of destruction must hold, with no personal data (the subject by its
 * pseudonymous id). Records are kept for [retention] evidence_years, then purged with the rest of what the erasure
 * left. */
struct privd_destruction_record {
	int64_t seq; /* increasing: the paging cursor */
	char id[33];
	char subject_id[33];
	char request_id[33]; /* the erase request carried out; "" for a scheduled destruction */
	enum privd_destruction_reason reason;
	unsigned categories; /* enum privd_destruction_category bits: what was held and destroyed */
	char method[32];     /* PRIVD_DESTRUCTION_METHOD */
	char operator_name[256];
	char operator_address[512];
	char information_system[128];
	char actor[80]; /* who carried it out: "apikey:<id>", or "system" for a scheduled destruction */
	int64_t destroyed_at;
	int64_t audit_seq; /* the erasure's audit entry (subject.erase) */
	char audit_hash[65];
};

struct privd_destruction_query {
	const char *subject_id; /* NULL: any */
	size_t limit;           /* 0: 100 */
	int64_t after;          /* paging cursor: seq of the last item seen */
};
/* Oldest first. No personal data, so not an audited read. */
enum privd_rc privd_service_destruction_list(struct privd_service *svc, const struct privd_destruction_query *q,
                                             int (*cb)(void *arg, const struct privd_destruction_record *r), void *arg,
                                             struct privd_err *err);

/* The log extract of a record: the audit entries of its transaction, as they stand in the chain (the erasure's
 * entry and, for an erase request, the request's execution right after it). */
struct privd_destruction_extract {
	struct privd_audit_entry entries[2];
	size_t n;
};
/* One record and its extract. PRIVD_ERR_NOT_FOUND for an id that is not one (or no longer: purged). */
enum privd_rc privd_service_destruction_get(struct privd_service *svc, const char *id,
                                            struct privd_destruction_record *out,
                                            struct privd_destruction_extract *extract, struct privd_err *err);

/* ---- cookie consent on the website ----
 * The banner (web/consent.js) reads what to say about each category, records each visitor's choice and reads it
 * back on the next page. See core/cookie.h for the categories and the choice. */

/* The banner's configuration in force, as GET /v1/cookie-config sends it. */
struct privd_cookie_config_doc {
	char *categories;                              /* JSON: the "categories" object, malloc'd */
	char sha256[65];                               /* of categories */
	int64_t updated_at;                            /* 0: the shipped default, never stored */
	char policy_version[PRIVD_POLICY_VERSION_MAX]; /* the policy in force; "" when none is published */
};
void privd_cookie_config_doc_clear(struct privd_cookie_config_doc *d); /* frees; accepts NULL */
/* From memory. PRIVD_ERR_NOMEM only. */
enum privd_rc privd_service_cookie_config_get(struct privd_service *svc, struct privd_cookie_config_doc *out);
/* Sets the configuration from body, a JSON document {"categories":{"necessary":{...},"preferences":{...},
 * "analytics":{...},"marketing":{...}}} where each category has title and description ({"ru","en"}), services
 * ([{"name","url"}], url optional) and cookies (names or prefixes with '*'). PRIVD_ERR_MALFORMED when body is not
 * JSON; PRIVD_ERR_INVALID naming every field at fault (core/cookie.h). Stored as a new version with an audit entry
 * (cookie_config.update); out (may be NULL) receives the version in force. */
enum privd_rc privd_service_cookie_config_put(struct privd_service *svc, const struct privd_principal *who,
                                              const char *body, struct privd_cookie_config_doc *out,
                                              struct privd_err *err);

/* Called once the choice is durable (rc PRIVD_OK, recorded: the choice as stored, valid during the call), from the
 * writer's answering thread, or at once on a refusal (recorded NULL; err names the fields: visitor_id, policy_version).
 * Must not block. */
typedef void (*privd_cookie_done)(void *arg, enum privd_rc rc, const struct privd_cookie_choice *recorded,
                                  const struct privd_err *err);
/* Records a visitor's choice c (its visitor_id, granted, policy_version, gpc, sec_gpc and origin; necessary is
 * always granted, and the time is now). policy_version must be the policy in force. When the visitor is linked to
 * a subject, the choice is recorded as the subject's cookie consents too (source "banner"). */
void privd_service_cookie_consent_record_async(struct privd_service *svc, const struct privd_cookie_choice *c,
                                               privd_cookie_done done, void *arg);
/* The visitor's choice as the banner should apply it: the newest recorded; for a visitor linked to a subject, the
 * categories as the subject's consent state has them now (revoked, withdrawn, never effective for a minor awaiting
 * a guardian), with the time and policy version of the newest record. PRIVD_ERR_NOT_FOUND when there is none. */
enum privd_rc privd_service_cookie_consent_get(struct privd_service *svc, const char *visitor_id,
                                               struct privd_cookie_choice *out, struct privd_err *err);

/* ---- files served to browsers ---- */
#define PRIVD_WEB_FILES 1           /* consent.js */
#define PRIVD_WEB_INTEGRITY_MAX 100 /* "sha512-" and 88 characters of base64 */
struct privd_web_file {
	const char *name;         /* "consent.js" */
	const char *content_type; /* "text/javascript; charset=utf-8" */
	const uint8_t *data;
	size_t len;
	char etag[40];                           /* "\"<32 hex characters of its SHA-256>\"" */
	char integrity[PRIVD_WEB_INTEGRITY_MAX]; /* the Subresource Integrity hash: "sha512-<base64>" */
};
/* A file read from [web] dir at start, valid while the service is open. PRIVD_ERR_NOT_FOUND for another name. */
enum privd_rc privd_service_web_file(struct privd_service *svc, const char *name, const struct privd_web_file **out);
/* [web] dir: the directory of the files served to browsers (the console's and the portal's too, read per request). */
const char *privd_service_web_dir(const struct privd_service *svc);
/* The integrity hash of [web] dir's file name as it is on disk now, and its length (len may be NULL), for `privd
 * integrity`: needs no open service. PRIVD_ERR_IO when it cannot be read. */
enum privd_rc privd_web_integrity(const struct privd_config *cfg, const char *name,
                                  char integrity[PRIVD_WEB_INTEGRITY_MAX], size_t *len, struct privd_err *err);

/* ---- metrics ---- */
struct privd_service_stats {
	unsigned long long commits, write_jobs, write_failed;
	unsigned long long cache_hits, cache_misses;
	unsigned long long subjects_registered;
	unsigned long long keys_reserved_taken;    /* registrations whose data key was committed ahead of them */
	unsigned long long apikey_lookups;         /* API keys looked up in the database (not found in memory) */
	unsigned long long apikey_misses_cached;   /* unknown API keys answered from memory */
	unsigned long long requests_overdue;       /* open requests past their due date, counted at the last sweep */
	unsigned long long requests_due_estimated; /* open requests whose due date is estimated, likewise */
	unsigned long long localisation_warnings;  /* registrations and corrections taken against Art. 18 p.5 */
	/* delivery: counted by this process since it started, but the queue, counted every few seconds */
	bool email_configured, sms_configured;
	unsigned long long notifications_sent, notifications_failed, notifications_retried;
	unsigned long long notifications_queued;
	/* transfers to third parties: batches and people since start, batches queued counted every few seconds */
	unsigned long long transfer_batches_sent, transfer_batches_failed, transfer_batches_retried;
	unsigned long long transfer_subjects_delivered, transfer_subjects_refused;
	unsigned long long transfer_batches_queued;
};
void privd_service_stats(struct privd_service *svc, struct privd_service_stats *out);

/* Transfers to third parties and marketing exports: their own header, part of this contract. */
#include "service/transfers.h"

#endif
