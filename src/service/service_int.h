/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * service_int.h - what only the service's own files share: the service struct and its caches, then what each file
 * offers the others, grouped by the file that defines it. (The files of rights requests share more among
 * themselves: request_int.h.)
 */
#ifndef PRIVD_SERVICE_INT_H
#define PRIVD_SERVICE_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/age.h"
#include "core/calendar.h"
#include "core/consent.h"
#include "core/jsonw.h"
#include "core/localisation.h"
#include "crypto/keyring.h"
#include "notify/notify.h"
#include "notify/send.h"
#include "service/service.h"
#include "service/vault.h"
#include "store/db.h"
#include "store/repo.h"
#include "store/writer.h"

/* ---- the service struct and its caches (set up by service.c) ---- */

#define PRIVD_CACHE_SHARDS 64
#define PRIVD_MAX_POLICY_VERSIONS 4096

/* Channels used on PostgreSQL to tell other processes what changed. */
#define PRIVD_CHAN_CONSENT "privd_consent"             /* payload: subject id */
#define PRIVD_CHAN_APIKEY "privd_apikey"               /* payload: key id */
#define PRIVD_CHAN_POLICY "privd_policy"               /* payload: version */
#define PRIVD_CHAN_ERASED "privd_erased"               /* payload: subject id (its data key destroyed) */
#define PRIVD_CHAN_TEXT "privd_consent_text"           /* payload: purpose (a consent text published) */
#define PRIVD_CHAN_COOKIE_CONFIG "privd_cookie_config" /* payload: the new version's SHA-256 */

/* A subject's consent state in compact form: 5 purposes in ~90 bytes, so 100k subjects stay small. */
struct privd_cached_purpose {
	int64_t since_ms;
	uint16_t version;      /* index into the interned versions: the policy's; 0 = none */
	uint16_t text_version; /* the consent text's; 0 = none */
	uint8_t text_language; /* enum privd_lang of the text */
	uint8_t recorded;
	uint8_t granted;
};

struct privd_cache_entry {
	struct privd_cache_entry *next;
	uint8_t id[16];
	uint8_t status; /* enum privd_subject_status */
	struct privd_cached_purpose purpose[PRIVD_PURPOSE_COUNT];
	int64_t seq; /* the newest consent record the entry holds (privd_cache_apply); 0 when not known */
};

struct privd_cache_shard {
	pthread_rwlock_t lock;
	uint64_t generation; /* bumped by every invalidation, so a load racing a write is not cached */
	size_t nbuckets;
	size_t count;
	struct privd_cache_entry **buckets;
};

/* What the consent check and a grant need of a current consent text: its interned version and its SHA-256. */
struct privd_text_current {
	uint16_t version; /* 0: none published */
	char sha256[65];
};

struct privd_key_entry {
	struct privd_key_entry *next;
	char hash[PRIVD_HASH_HEX];
	char id[33];
	enum privd_role role;
};

/* A key that authenticated nobody, remembered for a few seconds (apikeys.c). */
struct privd_key_miss {
	char hash[PRIVD_HASH_HEX];
	int64_t until_ms; /* 0: the slot is free */
};

struct privd_reader {
	struct privd_reader *next;
	struct privd_db *db;
	struct privd_db *ks;
};

struct privd_service {
	struct privd_config cfg;
	struct privd_db_target target;
	struct privd_keyring *kr;    /* blind index, audit MAC, API key hashes: no wrapping key (keyset.h) */
	struct privd_keyset *master; /* the master keys, by id (keyset.c) */
	struct privd_vault *vault;   /* every data and message key (vault.c) */
	struct privd_writer *writer;
	struct privd_reserve *reserve; /* data keys committed ahead of registrations under load (reserve.c) */
	struct privd_age_policy age;
	struct privd_country_age *age_table;

	pthread_mutex_t readers_lock;
	struct privd_reader *readers;

	struct privd_cache_shard shards[PRIVD_CACHE_SHARDS];

	pthread_rwlock_t keys_lock;
	struct privd_key_entry *keys;
	_Atomic uint64_t
	    keys_gen; /* bumped by every invalidation (under keys_lock); read without it by key_remembered */
	/* unknown keys, so that a client sending a wrong one again and again is not a database read each time; a
	 * fixed table (PRIVD_KEY_MISSES slots, one per hash prefix), allocated at the first miss, emptied whenever a
	 * key is created or revoked anywhere */
	pthread_mutex_t misses_lock;
	struct privd_key_miss *misses;
	uint64_t misses_gen;

	/* interned policy and consent text versions; current_version indexes it */
	pthread_rwlock_t policy_lock;
	char *versions[PRIVD_MAX_POLICY_VERSIONS];
	uint16_t nversions;
	_Atomic uint16_t current_version;

	/* the current consent text of each purpose and language (consent_texts.c) */
	pthread_rwlock_t texts_lock;
	struct privd_text_current texts[PRIVD_PURPOSE_COUNT][PRIVD_LANG_COUNT];

	/* PostgreSQL: cache invalidation from other processes */
	pthread_t listener;
	bool listener_running;
	atomic_bool stopping;

	atomic_ullong cache_hits, cache_misses, registered;
	atomic_ullong key_lookups,
	    key_misses_remembered;           /* API keys read from the database; answered by the miss table */
	atomic_ullong localisation_warnings; /* 152-FZ Art. 18 p.5, [law] ru_localisation = warn */
	enum privd_localisation_mode localisation;

	/* rights requests: the production calendar (a server's only) */
	struct privd_calendar *calendar;

	/* the scheduler thread: scheduled erasures, the overdue count, the audit anchor */
	pthread_t scheduler;
	bool scheduler_running;
	pthread_mutex_t scheduler_lock;
	pthread_cond_t scheduler_cond;
	atomic_ullong requests_overdue;
	atomic_ullong requests_due_estimated;
	int64_t anchor_seq; /* last seq written to audit.anchor (scheduler thread only) */

	/* the cookie banner's configuration in force (cookie_config.c) */
	pthread_rwlock_t cookie_lock;
	char *cookie_config;        /* its encoding, the "categories" object */
	char cookie_config_sha[65]; /* SHA-256 of that encoding */
	int64_t cookie_config_at;   /* when it was stored; 0 for the shipped default */

	/* the files served to browsers, read at start (web.c) */
	struct privd_web_file web[PRIVD_WEB_FILES];

	/* the delivery workers (delivery.c) and the transfer workers (transfer_send.c): NULL for one-shot commands */
	struct privd_delivery *delivery;
	struct privd_transfers *transfers;
	struct privd_webhooks *webhooks;
};

/* ---- runtime.c: the reader pool, the clock, the id batch of background sweeps ---- */

/* Now, UTC milliseconds. */
int64_t privd_now_ms(void);
/* Today in the operator's time zone. */
void privd_today(struct privd_date *out);

/* Reader connections, one per caller at a time. */
enum privd_rc privd_reader_get(struct privd_service *svc, struct privd_reader **out);
/* Returns r to the pool, or closes it when broken; r may be NULL. */
void privd_reader_put(struct privd_service *svc, struct privd_reader *r, bool broken);
/* Closes every pooled reader (at close, before the writer). Cannot fail. */
void privd_reader_pool_close(struct privd_service *svc);

/* Work spread over the cores (a fan-out's sealing, an aggregate's population): at most PRIVD_PARTS_MAX parts, each
 * of at least min_each items, one a core, for n items; never less than 1. */
#define PRIVD_PARTS_MAX 4
size_t privd_parts_for(size_t n, size_t min_each);
/* Runs fn on each of the nparts parts (of size bytes each, from parts) at once and returns when all are done: part 0
 * on this thread, the others on threads of their own (a part whose thread cannot be made runs here after part 0). */
void privd_parts_run(void *(*fn)(void *), void *parts, size_t size, size_t nparts);

/* The subjects a background sweep works through, one write job each: at most PRIVD_ID_BATCH per tick. */
#define PRIVD_ID_BATCH 16
struct privd_id_batch {
	char ids[PRIVD_ID_BATCH][33];
	size_t n;
};
/* Fills b on a reader connection with walk, a repository function handing over the ids of subjects due at `at`
 * (privd_repo_subject_due_erasures, privd_repo_evidence_due). b->n is 0 when no reader could be had or the walk
 * failed: the next tick tries again. */
void privd_id_batch_pick(struct privd_service *svc, struct privd_id_batch *b,
                         enum privd_rc (*walk)(struct privd_db *db, int64_t at, size_t limit,
                                               int (*cb)(void *arg, const char *subject_id), void *arg),
                         int64_t at);

/* ---- reserve.c: data keys committed ahead of the registrations that take them ---- */

struct privd_reserve;
enum privd_rc privd_reserve_new(struct privd_reserve **out);
/* Accepts NULL; after privd_reserve_close. */
void privd_reserve_free(struct privd_reserve *r);
/* A registration begins and ends (every end, whatever its outcome): how many are in flight tells load. */
void privd_reserve_enter(struct privd_service *svc);
void privd_reserve_leave(struct privd_service *svc);
/* A key made and committed to the keystore for a new subject, its id in out->id, wrapped under the current master
 * key: true when one was waiting. Starts a refill when few are left and registrations are many. Cannot fail. */
bool privd_reserve_take(struct privd_service *svc, int64_t now, struct privd_wrapped_key *out);
/* The registration that took id's key surely stored nothing under it: the key is destroyed later. */
void privd_reserve_unused(struct privd_service *svc, const char *id);
/* The scheduler's: destroys the keys that waited too long. */
void privd_reserve_tick(struct privd_service *svc);
/* Destroys every key still waiting, through the writer (still running), and waits for it. */
void privd_reserve_close(struct privd_service *svc);
/* Registrations that took a key from the reserve, since the start. */
unsigned long long privd_reserve_taken(struct privd_service *svc);

/* ---- audit.c: the audit trail and its anchor ---- */

/* Appends one audit entry inside the caller's (writer) transaction. detail is JSON text without PII, written with
 * core/jsonw.h. */
enum privd_rc privd_audit_append(struct privd_service *svc, struct privd_db *db, const char *actor, const char *action,
                                 const char *object_type, const char *object_id, const char *detail);

/* A write job that only appends one audit entry (reads of PII), run synchronously. */
enum privd_rc privd_audit_record(struct privd_service *svc, const struct privd_principal *who, const char *action,
                                 const char *object_type, const char *object_id, const char *detail);

/* Writes DATA_DIR/audit.anchor when the chain has grown (called every tick by the scheduler). Errors are left
 * for the next tick. */
void privd_audit_anchor_update(struct privd_service *svc);

/* ---- erasure.c: crypto-shredding, legal hold, scheduled erasure, stray keys ---- */

/* One subject's erasure, carried from the data transaction to the keystore follow-up. */
struct privd_erasure {
	char subject_id[33];
	int64_t at; /* the tombstone's updated_at, the destruction's time */
	/* for the destruction record (set by privd_erasure_init) */
	enum privd_destruction_reason reason;
	char actor[80];        /* who carries it out: the audit actor */
	char request_id[33];   /* the erase request carried out, or "" */
	char record_id[33];    /* the destruction record's id, chosen in advance */
	unsigned categories;   /* what was held (filled by privd_erasure_data) */
	char (*dead_keys)[40]; /* message keys of the person's cancelled notices (filled by privd_erasure_data) */
	size_t ndead;
};
/* Sets e up for an erasure of subject_id at `at`, for reason, by actor, for request_id (NULL or "" for none), and
 * picks its destruction record's id. Cannot fail. */
void privd_erasure_init(struct privd_erasure *e, const char *subject_id, int64_t at,
                        enum privd_destruction_reason reason, const char *actor, const char *request_id);
/* Data side, inside a write job: the categories held noted, the rows holding the person's data deleted, their
 * queued notices cancelled (keys collected into e), the subject a tombstone, the other processes told, and the
 * erasure's audit entry (subject.erase) and destruction record written (destruction.c). */
enum privd_rc privd_erasure_data(struct privd_service *svc, struct privd_db *db, struct privd_erasure *e);
/* Keystore side, once the data side is durable: the data key and the cancelled notices' keys destroyed. */
enum privd_rc privd_erasure_keys(struct privd_service *svc, struct privd_db *ks, const struct privd_erasure *e);
/* Frees the collected keys; e may be NULL. */
void privd_erasure_clear(struct privd_erasure *e);
/* Removes what is left of deleted keys and rows in the files (SQLite WAL frames); logs what it could not. */
void privd_erasure_purge_files(struct privd_service *svc);
/* Runs the erasures that are due (at most 16 per call), each its own write job. For the scheduler. */
void privd_erasure_sweep_due(struct privd_service *svc);
/* webhooks.c and webhook_send.c: inside privd_audit_append's transaction, queues the event (if any) the audited action
 * raises for every subscriber; the URL rule; the delivery workers (a server's only), as the transfers'. */
enum privd_rc privd_webhooks_on_audit(struct privd_db *db, const char *action, const char *object_type,
                                      const char *object_id, int64_t at);
enum privd_rc privd_webhook_url_check(const char *url, bool allow_http, const char **reason);
enum privd_rc privd_webhooks_start(struct privd_service *svc, struct privd_err *err);
void privd_webhooks_stop(struct privd_service *svc);
enum privd_rc privd_webhooks_reload(struct privd_service *svc, const struct privd_config *next, struct privd_err *err);
/* idempotency.c: deletes the kept answers of Idempotency-Key older than 24 hours, and the keys of their own. */
void privd_idem_sweep(struct privd_service *svc);
/* Destroys keys nothing needs any more (an erased subject's, a notice's no longer queued). Once at start. */
void privd_erasure_sweep_stray_keys(struct privd_service *svc);
/* Seals, under each subject's key, the legal-hold reasons stored in plain text before migration 11 (at the start
 * of a server); one that cannot be sealed now stays as it is, with a warning, until the next start. */
void privd_erasure_seal_plain_reasons(struct privd_service *svc);

/* ---- revocation.c: consent to processing revoked and given again ---- */

/* Inside a write job, once the record revoking consent to processing (revocation, its row as appended) is in:
 * every other purpose still granted withdrawn by a record of its own (same time, source and sealed ip), the subject
 * revoked with its destruction scheduled erase_after_revoke_days after received_at (an earlier schedule kept:
 * privd_consent_erase_after), the change audited as "subject.revoke" by actor. *erase_after (may be NULL)
 * receives the time scheduled. The caller tells the other processes (NOTIFY) and invalidates the cache. */
enum privd_rc privd_revocation_apply(struct privd_service *svc, struct privd_db *db, const char *actor,
                                     const struct privd_consent_row *revocation, int64_t received_at,
                                     int64_t *erase_after);

/* Inside a write job, once a grant of consent to processing to a revoked subject is in: the subject back to the
 * status it had before the revocation, the scheduled destruction cancelled, audited as "subject.restore" by
 * actor. */
enum privd_rc privd_revocation_cancel(struct privd_service *svc, struct privd_db *db, const char *actor,
                                      const char *subject_id, int64_t at);

/* When a revocation received at received_at would have the data destroyed, given what is scheduled now (read on a
 * reader connection: the request's result is written before its write job runs). */
enum privd_rc privd_revocation_when(struct privd_service *svc, const char *subject_id, int64_t received_at,
                                    int64_t *erase_after);
/* ---- request_deadline.c: due dates counted again ---- */

/* Counts every open request whose due date is estimated again on the loaded calendar, from its receipt with the
 * working days it was counted with, and stores each that changed with an audit entry (request.due_recounted): a
 * newer calendar installed makes estimates exact. Errors are logged, never fatal. Called once at start. */
void privd_request_recount_estimates(struct privd_service *svc);

/* ---- destruction.c: destruction records and the evidence purge ---- */

/* Inside an erasure's write job, after its rows are gone: appends the erasure's audit entry (subject.erase, naming
 * the reason, the record and the categories) and the destruction record pointing at that entry. */
enum privd_rc privd_destruction_write(struct privd_service *svc, struct privd_db *db, const struct privd_erasure *e);
/* Purges what erasures left (tombstones, their request and outbox rows, destruction records) once it has been kept
 * [retention] evidence_years, at most 16 subjects per call, each its own write job with an audit entry
 * (subject.purge). For the scheduler. */
void privd_evidence_sweep(struct privd_service *svc);

/* ---- scheduler.c: the one background thread ---- */

/* Starts the thread (a server's only); PRIVD_ERR_INTERNAL when it cannot. */
enum privd_rc privd_scheduler_start(struct privd_service *svc, struct privd_err *err);
/* Wakes and joins it (svc->stopping must be set); a no-op when it is not running. */
void privd_scheduler_stop(struct privd_service *svc);

/* ---- listener.c: cache invalidation from other processes (PostgreSQL) ---- */

/* Starts the listener thread on PostgreSQL; nothing on SQLite or when the thread cannot start. */
void privd_listener_start(struct privd_service *svc);
/* Joins it (svc->stopping must be set); a no-op when it is not running. */
void privd_listener_stop(struct privd_service *svc);

/* ---- cache.c: the consent cache ---- */

/* Parses a subject id (32 lowercase hex characters) into its 16 bytes; false when it is not one. */
bool privd_id_parse(const char *hex, uint8_t id[16]);
void privd_cache_init(struct privd_service *svc);
void privd_cache_cleanup(struct privd_service *svc);
/* Loads on a miss; PRIVD_ERR_NOT_FOUND for an unknown subject. */
enum privd_rc privd_cache_get(struct privd_service *svc, const char *subject_id, struct privd_cache_entry *out);
void privd_cache_put_state(struct privd_service *svc, const char *subject_id, const struct privd_consent_state *s);
void privd_cache_invalidate(struct privd_service *svc, const char *subject_id);
/* A record that changed no status, committed: applied to the subject's cached entry when there is one and it does
 * not hold the record yet (by e->seq; an entry read after the commit holds it); without a seq the entry is dropped
 * instead. Called in commit order (the writer's done callbacks), so the entry moves only forwards. Cannot fail. */
void privd_cache_apply(struct privd_service *svc, const char *subject_id, const struct privd_consent_event *e);
/* The subject's cached state, for use cases that need a living subject: PRIVD_ERR_NOT_FOUND or PRIVD_ERR_GONE
 * (erased), each with its message in err. */
enum privd_rc privd_subject_require(struct privd_service *svc, const char *subject_id, struct privd_cache_entry *out,
                                    struct privd_err *err);
void privd_cache_invalidate_all(struct privd_service *svc);

/* ---- policies.c: policy versions ---- */

uint16_t privd_version_intern(struct privd_service *svc, const char *version);
/* Copies the interned string idx into out ("" for 0). */
void privd_version_name(struct privd_service *svc, uint16_t idx, char *out, size_t outlen);
/* Copies the current version into out; false when none is published. */
bool privd_policy_current_version(struct privd_service *svc, char *out, size_t outlen);
enum privd_rc privd_policy_load_current(struct privd_service *svc);
/* Renders Markdown to an HTML fragment with cmark (raw HTML is not passed through), into page->body_html.
 * PRIVD_ERR_NOMEM. */
enum privd_rc privd_markdown_fragment(const char *markdown, struct privd_text_page *page);
/* Whether v is a version name: 1..63 of [A-Za-z0-9._-]. */
bool privd_version_ok(const char *v);

/* ---- consent_texts.c: the current consent texts ---- */

/* Reads the current text of every purpose and language into svc->texts (at open, after a publish, and when another
 * process published one). */
enum privd_rc privd_consent_texts_load_current(struct privd_service *svc);
/* The current consent texts as they are now: version names and SHA-256, and core's view of the names. */
struct privd_texts_now {
	char version[PRIVD_PURPOSE_COUNT][PRIVD_LANG_COUNT][PRIVD_TEXT_VERSION_MAX];
	char sha256[PRIVD_PURPOSE_COUNT][PRIVD_LANG_COUNT][65];
	struct privd_text_versions names; /* points into version; NULL where none is published */
};
void privd_consent_texts_now(struct privd_service *svc, struct privd_texts_now *out);
/* The current version of p's text in lang into out ("" and false when none). Cannot fail. */
bool privd_consent_text_current_version(struct privd_service *svc, enum privd_purpose p, enum privd_lang lang,
                                        char *out, size_t outlen);
/* One version of p's text in language, with its text (the caller clears it). PRIVD_ERR_NOT_FOUND. */
enum privd_rc privd_consent_text_get(struct privd_service *svc, enum privd_purpose purpose, enum privd_lang language,
                                     const char *version, struct privd_consent_text *out);

/* ---- templates.c: the documents init installs ---- */

/* Publishes the shipped policy (version "1", English and Russian) and the consent texts of processing and
 * third_party_transfer (version "1", Russian and English), each filled in from cfg. PRIVD_ERR_IO naming a template
 * that cannot be read. */
enum privd_rc privd_templates_install(struct privd_service *svc, const struct privd_config *cfg,
                                      const struct privd_principal *who, struct privd_err *err);

/* ---- apikeys.c: the API key cache ---- */

void privd_keys_init(struct privd_service *svc); /* at open: the key cache's first generation */
/* Drops the cached key id (revoked) and every remembered unknown key (a key created or revoked: a key remembered as
 * unknown may be the new one). Cannot fail. */
void privd_keys_invalidate_id(struct privd_service *svc, const char *id);
void privd_keys_cleanup(struct privd_service *svc);

/* ---- subjects.c: subject helpers ---- */

/* Inside a write job: PRIVD_OK when the subject exists and is not erased, PRIVD_ERR_GONE when erased,
 * PRIVD_ERR_NOT_FOUND when absent. Guards writes prepared before an erasure committed. */
enum privd_rc privd_subject_alive(struct privd_db *db, const char *subject_id);

/* Reads and decrypts a subject (no audit entry: the caller records the read). PRIVD_ERR_GONE when erased.
 * row_out (may be NULL) receives the stored row; the caller clears it. */
enum privd_rc privd_subject_load(struct privd_service *svc, const char *id, struct privd_subject *out,
                                 struct privd_subject_row *row_out);

/* Everything of a PATCH up to the write: validation, merge, sealing. row receives the new row (caller clears),
 * *expect_updated_at the updated_at it was read at (the update applies only if still so), detail the audit detail
 * (field names only), out (may be NULL) the resulting profile. An empty patch is PRIVD_ERR_INVALID. */
enum privd_rc privd_subject_prepare_update(struct privd_service *svc, const char *id,
                                           const struct privd_subject_patch *patch, struct privd_subject_row *row,
                                           int64_t *expect_updated_at, char detail[256], struct privd_subject *out,
                                           struct privd_err *err);

/* 152-FZ Art. 18 p.5 for a person residing in country, on this server ([operator] server_country, [law]
 * ru_localisation): PRIVD_ERR_FORBIDDEN with the problem type "localisation" when refused (logged without
 * PII), else PRIVD_OK with *warned (may be NULL) true when the data is taken against the rule: the caller then
 * calls privd_localisation_warned once it is stored. */
enum privd_rc privd_localisation_apply(struct privd_service *svc, const char *country, bool *warned,
                                       struct privd_err *err);
/* Logs (no PII) and counts a person's data stored against Art. 18 p.5; event names what stored it. */
void privd_localisation_warned(struct privd_service *svc, const char *event);
/* After a correction of the residence country was stored: privd_localisation_warned when it was against the rule. */
void privd_localisation_corrected(struct privd_service *svc, const char *country);

/* ---- outbox.c: notices ---- */

/* A notification prepared outside the writer: its own message key, wrapped for the keystore, and its row with the
 * recipient and body sealed under that key. The key is destroyed once the message is sent or given up, so an
 * erased person's address does not outlive the confirmation of their erasure. */
struct privd_notice {
	bool present;
	struct privd_wrapped_key key; /* "msg:<notification id>" */
	struct privd_notification_row row;
};
/* Prepares a queued notice of v->kind about request_id (NULL: none). The recipient is the subject's e-mail (channel
 * email) or, without one, the phone (channel sms); nobody to tell is PRIVD_OK with nothing present. What the
 * notice says is sealed as its variables (privd_outbox_vars_encode), rendered when it is sent. */
enum privd_rc privd_notice_prepare(struct privd_service *svc, const struct privd_subject *to, const char *request_id,
                                   const struct privd_notice_vars *v, struct privd_notice *n);
void privd_notice_clear(struct privd_notice *n);
/* Write-job parts: the key into the keystore transaction, the row into the data transaction. No-ops when the
 * notice is not present. */
enum privd_rc privd_notice_ks_put(struct privd_db *ks, const struct privd_notice *n);
enum privd_rc privd_notice_ks_undo(struct privd_service *svc, struct privd_db *ks, const struct privd_notice *n);
enum privd_rc privd_notice_insert(struct privd_db *db, const struct privd_notice *n);

/* ---- outbox.c: notices in bulk ----
 * One notice to each person a selection names (a new policy to everyone with an e-mail, an incident to those it
 * concerns), queued in one transaction (on PostgreSQL with statements of many rows each), not one round trip per
 * person. Prepared outside the writer (each person's address opened, a message key made and the notice sealed), then
 * written by the caller's write job through the parts below, or by privd_outbox_queue_bulk as a job of its own. A
 * person erased between the two is not told: their notice is cancelled in the same transaction. */
enum privd_outbox_channels {
	PRIVD_OUTBOX_EMAIL_ONLY,     /* people without an e-mail are left out */
	PRIVD_OUTBOX_EMAIL_ELSE_SMS, /* e-mail where they have one, otherwise SMS */
	PRIVD_OUTBOX_SMS_ELSE_EMAIL  /* SMS where they have a phone, otherwise e-mail */
};
struct privd_outbox_selection {
	bool active_only;       /* only status active; otherwise every status but erased */
	const char *const *ids; /* only these subjects; NULL: every subject */
	size_t nids;
	int64_t registered_from; /* created_at >= this, UTC ms; 0: no bound */
	int64_t registered_to;   /* created_at < this; 0: no bound */
	enum privd_outbox_channels channels;
};
/* One person selected, as the callback sees them: channel is "email" or "sms", lang their language resolved. */
struct privd_outbox_person {
	const char *subject_id;
	enum privd_subject_status status;
	const char *residence_country;
	const char *channel;
	enum privd_notify_lang lang;
	int64_t registered_at;
};
/* Fills v (a copy of the template, v->lang already the person's) with what p is told; false leaves p out. A v left
 * as the template costs nothing more; one changed is encoded for p alone. */
typedef bool (*privd_outbox_vars_fn)(void *arg, const struct privd_outbox_person *p, struct privd_notice_vars *v);
struct privd_outbox_bulk;
/* Prepares the notices: tmpl for everyone (in their language), or what fn makes of it per person (fn may be NULL);
 * ref marks them all ("policy:<version>", "incident:<id>"). *out is the caller's (privd_outbox_bulk_free).
 * PRIVD_ERR_NOMEM, PRIVD_ERR_DB; err says so. */
enum privd_rc privd_outbox_bulk_prepare(struct privd_service *svc, const struct privd_outbox_selection *sel,
                                        const struct privd_notice_vars *tmpl, const char *ref, privd_outbox_vars_fn fn,
                                        void *arg, struct privd_outbox_bulk **out, struct privd_err *err);
/* Notices prepared, on channel ("email", "sms") or on both (NULL). Accepts NULL. Cannot fail. */
size_t privd_outbox_bulk_count(const struct privd_outbox_bulk *b, const char *channel);
/* Of them, those cancelled by privd_outbox_bulk_insert because their person was erased meanwhile. Accepts NULL. */
size_t privd_outbox_bulk_cancelled(const struct privd_outbox_bulk *b);
/* Write-job parts: the keys into the keystore transaction (and their undo), the rows into the data transaction
 * (with the cancellation of those erased meanwhile), and after the commit the keys of those cancelled. */
enum privd_rc privd_outbox_bulk_ks_put(struct privd_db *ks, const struct privd_outbox_bulk *b);
enum privd_rc privd_outbox_bulk_ks_undo(struct privd_db *ks, const struct privd_outbox_bulk *b);
enum privd_rc privd_outbox_bulk_insert(struct privd_db *db, struct privd_outbox_bulk *b);
enum privd_rc privd_outbox_bulk_after(struct privd_db *ks, const struct privd_outbox_bulk *b);
void privd_outbox_bulk_free(struct privd_outbox_bulk *b); /* accepts NULL */
/* The same parts as write-job functions, for a job whose arg points to a struct that begins with its
 * struct privd_outbox_bulk * (NULL: nothing to queue): .ks, .ks_undo and .ks_after of a job that publishes a
 * document with its important notification. */
enum privd_rc privd_outbox_bulk_job_ks(struct privd_db *ks, void *arg);
enum privd_rc privd_outbox_bulk_job_ks_undo(struct privd_db *ks, void *arg);
enum privd_rc privd_outbox_bulk_job_after(struct privd_db *ks, void *arg);
/* Prepares the important notification of a document just published: tmpl to every active subject with an e-mail,
 * marked ref. As privd_outbox_bulk_prepare. */
enum privd_rc privd_outbox_bulk_important(struct privd_service *svc, const struct privd_notice_vars *tmpl,
                                          const char *ref, struct privd_outbox_bulk **out, struct privd_err *err);
/* Prepares and queues in a write job of its own, with one audit entry (action on object_type object_id, detail
 * {"ref","email","sms"}). *queued (may be NULL) is how many were queued. */
enum privd_rc privd_outbox_queue_bulk(struct privd_service *svc, const struct privd_principal *who,
                                      const struct privd_outbox_selection *sel, const struct privd_notice_vars *tmpl,
                                      const char *ref, privd_outbox_vars_fn fn, void *arg, const char *action,
                                      const char *object_type, const char *object_id, size_t *queued,
                                      struct privd_err *err);

/* The language a notice to a person of language ("ru", "en", "" or NULL for none chosen) is written in: theirs, or
 * [notify] default_language. Cannot fail. */
enum privd_notify_lang privd_outbox_lang(struct privd_service *svc, const char *language);

/* A notice's variables as the JSON text sealed in its body ({"v":1,"kind":...}), malloc'd; NULL when out of
 * memory. The operator's name and contact and the policy URL are not in it: they are the configuration's when the
 * notice is sent; nor an incident's words, only its id (privd_incident_notice_vars). */
char *privd_outbox_vars_encode(const struct privd_notice_vars *v);
/* The reverse: fills v from text, its strings pointing into *hold (the caller releases it with json_decref, so the
 * type is opaque here). PRIVD_ERR_INVALID when text is not such a document. */
enum privd_rc privd_outbox_vars_decode(const char *text, struct privd_notice_vars *v, void **hold);
void privd_outbox_vars_release(void *hold);

/* ---- incidents.c ---- */

/* Fills what an incident's notice says besides its id (the description, the categories, when it was detected)
 * from the incident v->incident_id names, its strings held in *hold until privd_incident_notice_release. Called
 * when the notice is sent, so the operator's words are stored once. PRIVD_ERR_NOT_FOUND. */
enum privd_rc privd_incident_notice_vars(struct privd_service *svc, struct privd_notice_vars *v, void **hold);
/* Accepts NULL. */
void privd_incident_notice_release(void *hold);

/* ---- recipients.c ---- */

/* The view of a recipient's version, with the first day a transfer abroad may go. Cannot fail. */
void privd_recipient_view(struct privd_service *svc, const struct privd_recipient_row *row,
                          struct privd_recipient *out);

/* ---- worker.c: the workers that drain an outbound queue (the outbox, the transfer batches) ---- */

/* What became of one claimed item. */
enum privd_claim_fate {
	PRIVD_CLAIM_PENDING = 0, /* not tried yet, or tried with a result the worker judges */
	PRIVD_CLAIM_SENT,        /* taken by the other side */
	PRIVD_CLAIM_FAILED,      /* given up, with error */
	PRIVD_CLAIM_RETRY,       /* to be tried again at next_at, with error */
	PRIVD_CLAIM_RELEASE      /* not tried: handed back for another time, no attempt counted */
};

/* One claimed item as the worker sees it; what the queue keeps of it is at item (ops->item_size bytes, zeroed
 * when claimed). */
struct privd_claim {
	char id[33];
	int attempts; /* made before this one */
	int64_t lease_until;
	enum privd_claim_fate fate;
	int64_t next_at; /* RETRY: not before */
	char error[160]; /* FAILED, RETRY: why, without PII */
	bool gone;       /* no longer queued when its outcome was recorded (cancelled meanwhile) */
	void *item;
};

/* The claims a queue's claim fills: claim k->n is the next, its item zeroed; once the queue has copied what it keeps
 * into the item, privd_claiming_add records the row's id and attempts. */
struct privd_claiming {
	struct privd_claim *c;
	size_t cap, n;
	bool failed; /* an item could not be copied: the claim fails (PRIVD_ERR_NOMEM) */
};
/* The next claim's item, where the queue copies its row; NULL when k is full. Cannot fail otherwise. */
void *privd_claiming_item(struct privd_claiming *k);
/* Counts the claim whose item was just filled: its id and the attempts made before. Returns non-zero when k is
 * full (a row callback's "stop"). Cannot fail. */
int privd_claiming_add(struct privd_claiming *k, const char *id, int attempts);

/* What makes a queue a queue: each function is called by the worker threads, one item at a time. */
struct privd_queue_ops {
	const char *name; /* "notify", "transfer": in the workers' log events */
	size_t item_size;
	/* One worker's connections for the configuration cfg, made at start and on a reload: *conn NULL (and PRIVD_OK)
	 * when the queue cannot send (nothing configured): the worker then only counts. PRIVD_ERR_INVALID naming the
	 * configuration key at fault. */
	enum privd_rc (*open)(void *q, const struct privd_config *cfg, void **conn, struct privd_err *err);
	void (*close)(void *conn);
	/* Inside the claim's write job: claims at most k->cap due items, each leased until lease_until, filling each
	 * one's item and then privd_claiming_add. May run again from scratch. */
	enum privd_rc (*claim)(struct privd_db *db, void *q, int64_t now, int64_t lease_until,
	                       struct privd_claiming *k);
	enum privd_rc (*lease)(struct privd_db *db, const char *id, int64_t lease_until);
	enum privd_rc (*any_due)(struct privd_db *db, void *q, int64_t now, bool *any);
	enum privd_rc (*release_all)(struct privd_db *db);
	/* Tries c over conn: either sets c->fate itself (SENT, FAILED with c->error, RELEASE), or leaves it PENDING
	 * with the transport's verdict in *res, which the worker judges (retry with backoff, or give up). */
	void (*send)(void *q, void *conn, struct privd_claim *c, struct privd_send_result *res);
	/* Inside the record's write job: records the outcome of c (SENT, FAILED or RETRY) with its audit entry.
	 * PRIVD_ERR_NOT_FOUND when the item is no longer queued (the worker marks it gone). */
	enum privd_rc (*record)(struct privd_db *db, void *q, struct privd_claim *c, int64_t now);
	/* Optional: in a keystore transaction once the record committed (a notice's message key destroyed). */
	enum privd_rc (*after)(struct privd_db *ks, void *q, const struct privd_claim *c);
	/* Frees what the queue keeps of c (every claimed item, whatever became of it). */
	void (*clear)(void *q, struct privd_claim *c);
	/* Optional: every couple of seconds, by one worker: counts for /metrics. */
	void (*count)(void *q);
	/* Optional: once the record of c committed (counters). */
	void (*recorded)(void *q, const struct privd_claim *c);
};

struct privd_worker_config {
	size_t threads;    /* workers at once, each with its connections (1 .. 16) */
	size_t batch;      /* items claimed at once */
	int64_t lease_ms;  /* how long a claim holds its items */
	int max_attempts;  /* before an item is given up */
	int retry_seconds; /* the first wait; doubled per attempt, capped at 6 hours, +-50% jitter */
};
struct privd_workers;

/* Starts the workers of a queue (ops and q borrowed: they must outlive the workers); on SQLite releases every lease
 * first. PRIVD_ERR_INVALID from ops->open, PRIVD_ERR_NOMEM, PRIVD_ERR_INTERNAL when a thread cannot start. */
enum privd_rc privd_workers_start(struct privd_service *svc, const struct privd_queue_ops *ops, void *q,
                                  const struct privd_worker_config *cfg, struct privd_workers **out,
                                  struct privd_err *err);
/* Wakes and joins them (svc->stopping must be set) and frees them; accepts NULL. */
void privd_workers_stop(struct privd_workers *p);
/* A new configuration (SIGHUP): each worker's connections are made for next first (a failure changes nothing and
 * is returned), then swapped in, with cfg's settings, while every worker is between two batches; paused(arg), when
 * not NULL, runs then too, to copy what the workers read elsewhere. Workers that only counted start sending when
 * next lets them. Never fails once the connections are made. */
enum privd_rc privd_workers_reload(struct privd_workers *p, const struct privd_config *next,
                                   const struct privd_worker_config *cfg, void (*paused)(void *arg), void *arg,
                                   struct privd_err *err);
/* Wakes idle workers at once (something was queued). Accepts NULL. */
void privd_workers_wake(struct privd_workers *p);
/* privd_workers_start for a queue that sends as notices are sent (the transfers', the webhooks'): one worker claiming
 * batch items at a time with [notify]'s lease, retries and attempts, the notice senders' libraries made ready
 * first. The same errors. */
enum privd_rc privd_workers_start_notify(struct privd_service *svc, const struct privd_queue_ops *ops, void *q,
                                         size_t batch, struct privd_workers **out, struct privd_err *err);
/* privd_workers_reload for such a queue, with next's [notify] settings. The same errors. */
enum privd_rc privd_workers_reload_notify(struct privd_workers *p, const struct privd_config *next, size_t batch,
                                          struct privd_err *err);
/* The time one attempt may take: a third of the lease, at most a minute. Cannot fail. */
int64_t privd_workers_timeout_ms(const struct privd_worker_config *c);
/* The wait before attempt number attempt + 1: retry_seconds doubled per attempt made, capped at 6 hours, with
 * draw (any number; its last three decimal digits used) picking the jitter in [-50%, +50%). Cannot fail. */
int64_t privd_worker_backoff_ms(int retry_seconds, int attempt, uint32_t draw);
struct privd_worker_stats {
	bool sending; /* the queue can send */
	size_t threads;
	unsigned long long sent, failed, retried; /* items, since start */
};
void privd_workers_stats(struct privd_workers *p, struct privd_worker_stats *out); /* zeroes for NULL */

/* ---- delivery.c: the delivery worker ---- */

/* Starts the worker thread (a server's only). With [smtp] url or [sms] url set it sends; without either it only
 * counts the queue. PRIVD_ERR_INVALID naming the key at fault when the configuration cannot be used,
 * PRIVD_ERR_INTERNAL when the thread cannot start. */
enum privd_rc privd_delivery_start(struct privd_service *svc, struct privd_err *err);
/* Wakes and joins it (svc->stopping must be set) and frees it; a no-op when it is not running. */
void privd_delivery_stop(struct privd_service *svc);
/* Counters and the queue depth for the metrics; zeroes when there is no worker. Cannot fail. */
void privd_delivery_stats(struct privd_service *svc, struct privd_service_stats *out);

/* ---- cookie_config.c: what the cookie banner says ---- */

/* Reads the version in force into memory (the shipped default when none is stored). */
enum privd_rc privd_cookie_config_load(struct privd_service *svc, struct privd_err *err);
/* Stores the shipped default as the first version (privd init). */
enum privd_rc privd_cookie_config_install_default(struct privd_service *svc, const struct privd_principal *who,
                                                  struct privd_err *err);
void privd_cookie_config_cleanup(struct privd_service *svc);

/* ---- cookies.c: visitors' choices ---- */

/* Inside a registration's write job, for a person registering from visitor_id: the visitor's newest choice, when
 * it has one, replaces the cookie purposes of rows (indexed by purpose; source "banner") and of state, and the
 * visitor is linked to subject_id. */
enum privd_rc privd_cookie_registration(struct privd_db *db, const char *visitor_id, const char *subject_id,
                                        struct privd_consent_row *rows, struct privd_consent_state *state);

/* ---- web.c: the files served to browsers ---- */

/* The whole file at path, malloc'd and NUL-terminated (its length in *len when len is not NULL); NULL when it
 * cannot be read (errno says why). */
char *privd_web_read_file(const char *path, size_t *len);
/* Reads every file served from [web] dir, with its ETag and integrity hash. */
enum privd_rc privd_web_load(struct privd_service *svc, struct privd_err *err);
void privd_web_cleanup(struct privd_service *svc);

/* Takes the [smtp], [sms] and [notify] settings of next (but default_language): new transports are built first,
 * then swapped in between two batches. On failure (PRIVD_ERR_INVALID naming the key) nothing changes. Without a
 * worker (a one-shot command) nothing is done. */
enum privd_rc privd_delivery_reload(struct privd_service *svc, const struct privd_config *next, struct privd_err *err);
/* Whether cfg's transports can be built (the check `privd serve` makes when it starts), without sending anything.
 * PRIVD_ERR_INVALID naming the key at fault. */
enum privd_rc privd_delivery_check(const struct privd_config *cfg, struct privd_err *err);

/* ---- transfers.c and transfer_send.c: transfers to third parties ---- */

/* The verdict on one person of a transfer on basis, from the consent cache (privd_transfer_verdict): *out is
 * PRIVD_REFUSAL_NONE when their data may go. Fails only when the cache cannot load the person. */
enum privd_rc privd_transfer_check_subject(struct privd_service *svc, enum privd_legal_basis basis, const char *id,
                                           enum privd_refusal *out);
/* The result of a transfer_info request into out (cap bytes, at least 200): {"transfers":[...]} with each transfer
 * of the person's data that went, or is queued to go, to a third party (recipient, country, purpose, fields, legal
 * basis, status, time), newest state of each; what does not fit is counted in "more", with "log" the address of the
 * whole disclosure log. PRIVD_ERR_NOT_FOUND for an unknown subject. */
enum privd_rc privd_transfer_info(struct privd_service *svc, const char *subject_id, char *out, size_t cap);
/* Starts the transfer workers (a server's only). PRIVD_ERR_NOMEM, PRIVD_ERR_INTERNAL. */
enum privd_rc privd_transfers_start(struct privd_service *svc, struct privd_err *err);
/* Wakes and joins them (svc->stopping must be set); a no-op when they are not running. */
void privd_transfers_stop(struct privd_service *svc);
/* Takes the [notify] retries and lease of next (SIGHUP), as privd_delivery_reload does; fails only when a worker's
 * connection cannot be made, and then changes nothing. */
enum privd_rc privd_transfers_reload(struct privd_service *svc, const struct privd_config *next, struct privd_err *err);
/* Wakes an idle worker: a transfer was filed. */
void privd_transfers_wake(struct privd_service *svc);
/* Counters and the queue for the metrics; nothing when there are no workers. Cannot fail. */
void privd_transfers_stats(struct privd_service *svc, struct privd_service_stats *out);

/* ---- rotation.c: master keys ---- */

/* Reads the master keys the keystore knows and applies them here: a rotation's new key becomes current, a retired
 * one is dropped from memory and its file destroyed (privd_vault_keys_sync). For the scheduler, every tick; errors
 * are logged. */
void privd_keys_refresh(struct privd_service *svc);

/* ---- backup.c: backup sets (restore.c reads them) ---- */

#define PRIVD_BACKUP_SETS_MAX 8192 /* sets of one kind looked at in one backup directory */

/* A set in a backup directory: its name and the time it names. */
struct privd_backup_set {
	char stamp[32];
	int64_t taken_at;
};
/* Lists the sets of dir (TO/data or TO/keystore) into sets, at most max, in no order; 0 for a missing directory.
 * Entries that are not a set's name are left out. Cannot fail. */
size_t privd_backup_sets(const char *dir, struct privd_backup_set *sets, size_t max);
/* "a/b" into out (len bytes); false, with out "", when it does not fit. Cannot fail otherwise. */
bool privd_path_join(char *out, size_t len, const char *a, const char *b);
/* Copies src to a new file dst (0600, refusing to overwrite: PRIVD_ERR_CONFLICT), flushed; PRIVD_ERR_NOT_FOUND
 * when there is no src. */
enum privd_rc privd_backup_copy_file(const char *src, const char *dst, struct privd_err *err);
/* Removes a set's directory and its files, each overwritten first when shred. PRIVD_ERR_IO when some stays. */
enum privd_rc privd_backup_remove_set(const char *dir, bool shred);

#endif
