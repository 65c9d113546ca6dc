/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * migrations.c - the schema of the data database and of the keystore, as numbered migrations.
 *
 * One DDL text serves both engines (db.c translates BLOB and AUTOINCREMENT_PK). Each migration runs in its own
 * transaction with its row in schema_migrations, so a crash leaves either all of a step or none. Several privd
 * nodes may start together against one PostgreSQL: a session advisory lock makes them migrate one at a time,
 * and the second finds nothing left to do. Never edit a released migration; append a new one.
 */
#include <stdio.h>
#include <time.h>

#include "store/repo.h"
#include "store/repo_int.h"

struct migration {
	int version;
	const char *data_sql;
	const char *ks_sql;
};

static const struct migration migrations[] = {
    {1,
     "CREATE TABLE api_keys(id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL,"
     " key_hash TEXT NOT NULL UNIQUE, created_at BIGINT NOT NULL, revoked_at BIGINT, last_used_at BIGINT);"
     "CREATE TABLE policies(seq AUTOINCREMENT_PK, version TEXT NOT NULL UNIQUE, sha256 TEXT NOT NULL,"
     " text TEXT NOT NULL, published_at BIGINT NOT NULL);"
     "CREATE TABLE subjects(subject_id TEXT PRIMARY KEY, status TEXT NOT NULL, residence_country TEXT NOT NULL,"
     " email_bidx TEXT UNIQUE, phone_bidx TEXT UNIQUE, name_ct BLOB, email_ct BLOB, phone_ct BLOB, ip_ct BLOB,"
     " birth_date_ct BLOB, policy_version TEXT, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);"
     "CREATE TABLE consents(seq AUTOINCREMENT_PK, subject_id TEXT NOT NULL, purpose TEXT NOT NULL,"
     " granted INTEGER NOT NULL, policy_version TEXT NOT NULL, ip_ct BLOB, source TEXT NOT NULL,"
     " created_at BIGINT NOT NULL);"
     "CREATE INDEX consents_subject_seq ON consents(subject_id, seq);"
     "CREATE TABLE audit(seq BIGINT PRIMARY KEY, ts BIGINT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,"
     " object_type TEXT NOT NULL, object_id TEXT NOT NULL, detail TEXT NOT NULL, prev_hash TEXT NOT NULL,"
     " hash TEXT NOT NULL);",
     "CREATE TABLE data_keys(subject_id TEXT PRIMARY KEY, wrapped BLOB NOT NULL, created_at BIGINT NOT NULL);"},
    /* rights requests: the requests, their sealed scans, the notification outbox, scheduled erasure */
    {2,
     "CREATE TABLE requests(request_id TEXT PRIMARY KEY, subject_id TEXT NOT NULL, type TEXT NOT NULL,"
     " status TEXT NOT NULL, details_ct BLOB, reason_ct BLOB, result TEXT NOT NULL DEFAULT '{}',"
     " created_at BIGINT NOT NULL, received_at BIGINT, due_date TEXT, due_estimated INTEGER NOT NULL DEFAULT 0,"
     " extended INTEGER NOT NULL DEFAULT 0, decided_at BIGINT, completed_at BIGINT, updated_at BIGINT NOT NULL,"
     " doc_type TEXT, doc_size BIGINT, doc_sha256 TEXT);"
     "CREATE INDEX requests_subject ON requests(subject_id);"
     "CREATE INDEX requests_status_due ON requests(status, due_date);"
     "CREATE TABLE request_documents(request_id TEXT PRIMARY KEY, subject_id TEXT NOT NULL, doc_ct BLOB NOT NULL,"
     " uploaded_at BIGINT NOT NULL);"
     "CREATE TABLE notifications(notification_id TEXT PRIMARY KEY, subject_id TEXT NOT NULL, request_id TEXT,"
     " kind TEXT NOT NULL, channel TEXT NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,"
     " recipient_ct BLOB, body_ct BLOB, created_at BIGINT NOT NULL, sent_at BIGINT, last_error TEXT);"
     "CREATE INDEX notifications_subject ON notifications(subject_id);"
     "CREATE INDEX notifications_status ON notifications(status);"
     "ALTER TABLE subjects ADD COLUMN erase_after BIGINT;"
     "ALTER TABLE subjects ADD COLUMN legal_hold INTEGER NOT NULL DEFAULT 0;"
     "ALTER TABLE subjects ADD COLUMN legal_hold_reason TEXT;",
     NULL},
    /* consent to processing revoked: the status a revoked subject returns to when processing is granted again */
    {3, "ALTER TABLE subjects ADD COLUMN revoked_from TEXT;", NULL},
    /* per-right deadlines and inquiries: an inquiry's sealed answer, the working days a due date was counted
     * with (so a newer calendar can count it again), the year that made it an estimate */
    {4,
     "ALTER TABLE requests ADD COLUMN answer_ct BLOB;"
     "ALTER TABLE requests ADD COLUMN due_working_days INTEGER;"
     "ALTER TABLE requests ADD COLUMN estimated_year INTEGER;",
     NULL},
    /* consent as a document of its own (152-FZ Art. 9 as amended by 156-FZ): the consent texts, published in
     * versions per purpose and language; each consent record names the text it was given on, with its SHA-256; and
     * the policy in more than one language, so its table is rebuilt with a language column (version and language
     * unique together; the rows published so far were the English template or the operator's own, taken as
     * English; a row's seq keeps its order) */
    {5,
     "CREATE TABLE consent_texts(seq AUTOINCREMENT_PK, purpose TEXT NOT NULL, version TEXT NOT NULL,"
     " language TEXT NOT NULL, sha256 TEXT NOT NULL, text TEXT NOT NULL, published_at BIGINT NOT NULL);"
     "CREATE UNIQUE INDEX consent_texts_key ON consent_texts(purpose, version, language);"
     "CREATE INDEX consent_texts_current ON consent_texts(purpose, language, seq);"
     "ALTER TABLE consents ADD COLUMN text_version TEXT;"
     "ALTER TABLE consents ADD COLUMN text_language TEXT;"
     "ALTER TABLE consents ADD COLUMN text_sha256 TEXT;"
     "CREATE TABLE policies_v5(seq AUTOINCREMENT_PK, version TEXT NOT NULL, language TEXT NOT NULL,"
     " sha256 TEXT NOT NULL, text TEXT NOT NULL, published_at BIGINT NOT NULL);"
     "INSERT INTO policies_v5(version, language, sha256, text, published_at)"
     " SELECT version, 'en', sha256, text, published_at FROM policies ORDER BY seq;"
     "DROP TABLE policies;"
     "ALTER TABLE policies_v5 RENAME TO policies;"
     "CREATE UNIQUE INDEX policies_key ON policies(version, language);",
     NULL},
    /* destruction records (RKN Order 179), and the tombstones the evidence purge looks for */
    {6,
     "CREATE TABLE destruction_records(subject_id TEXT NOT NULL, seq AUTOINCREMENT_PK,"
     " record_id TEXT NOT NULL UNIQUE, request_id TEXT, reason TEXT NOT NULL, categories TEXT NOT NULL,"
     " method TEXT NOT NULL, operator_name TEXT NOT NULL, operator_address TEXT NOT NULL,"
     " information_system TEXT NOT NULL, actor TEXT NOT NULL, destroyed_at BIGINT NOT NULL,"
     " audit_seq BIGINT NOT NULL, audit_hash TEXT NOT NULL);"
     "CREATE INDEX destruction_records_subject ON destruction_records(subject_id);"
     "CREATE INDEX destruction_records_at ON destruction_records(destroyed_at);"
     "CREATE INDEX subjects_erased ON subjects(updated_at) WHERE status = 'erased';",
     NULL},
    /* delivery: when a notice is tried next, the lease of the node sending it, when it was last tried, what it is
     * about besides a request (a policy version, an incident); a person's language for what they are told */
    {8,
     "ALTER TABLE notifications ADD COLUMN next_attempt_at BIGINT NOT NULL DEFAULT 0;"
     "ALTER TABLE notifications ADD COLUMN lease_until BIGINT NOT NULL DEFAULT 0;"
     "ALTER TABLE notifications ADD COLUMN last_attempt_at BIGINT;"
     "ALTER TABLE notifications ADD COLUMN ref TEXT;"
     "CREATE INDEX notifications_due ON notifications(status, next_attempt_at);"
     "CREATE INDEX notifications_list ON notifications(status, created_at, notification_id);"
     "CREATE INDEX notifications_created ON notifications(created_at, notification_id);"
     "CREATE INDEX notifications_ref ON notifications(ref);"
     "ALTER TABLE subjects ADD COLUMN language TEXT;",
     NULL},
    /* incidents: a breach, whom it affects (their notices carry its ref), the reports owed to the regulator; the
     * outbox's index on status alone goes, as (status, next_attempt_at) and (status, created_at, id) serve every
     * query by status, and a fan-out of 100,000 notices pays for each index it writes */
    {9,
     "CREATE TABLE incidents(incident_id TEXT PRIMARY KEY, detected_at BIGINT NOT NULL, created_at BIGINT NOT NULL,"
     " updated_at BIGINT NOT NULL, description TEXT NOT NULL, data_categories TEXT NOT NULL, scope TEXT NOT NULL,"
     " registered_from BIGINT, registered_to BIGINT, causes TEXT, harm TEXT, measures TEXT, results TEXT,"
     " responsible TEXT, affected BIGINT NOT NULL, affected_eu BIGINT NOT NULL, initial_sent_at BIGINT,"
     " initial_reference TEXT, followup_sent_at BIGINT, followup_reference TEXT);"
     "CREATE INDEX incidents_created ON incidents(created_at, incident_id);"
     "DROP INDEX notifications_status;",
     NULL},
    /* cookie consent on the website: each visitor's choices (append-only; a random visitor id, no address), the
     * visitors linked to the subject who registered from them, and what the banner says (each version kept) */
    {10,
     "CREATE TABLE cookie_consents(visitor_id TEXT NOT NULL, seq AUTOINCREMENT_PK, preferences INTEGER NOT NULL,"
     " analytics INTEGER NOT NULL, marketing INTEGER NOT NULL, policy_version TEXT NOT NULL, gpc INTEGER NOT NULL,"
     " sec_gpc INTEGER NOT NULL, origin TEXT, source TEXT NOT NULL, created_at BIGINT NOT NULL);"
     "CREATE INDEX cookie_consents_visitor ON cookie_consents(visitor_id, seq);"
     "CREATE TABLE cookie_visitors(subject_id TEXT NOT NULL, visitor_id TEXT PRIMARY KEY,"
     " linked_at BIGINT NOT NULL);"
     "CREATE INDEX cookie_visitors_subject ON cookie_visitors(subject_id);"
     "CREATE TABLE cookie_configs(seq AUTOINCREMENT_PK, config TEXT NOT NULL, sha256 TEXT NOT NULL,"
     " actor TEXT NOT NULL, updated_at BIGINT NOT NULL);",
     NULL},
    /* a legal hold's reason may name the person: sealed under their key from now on; a reason stored in plain
     * text before stays in legal_hold_reason until the server seals it at its next start */
    {11, "ALTER TABLE subjects ADD COLUMN legal_hold_reason_ct BLOB;", NULL},
    /* transfers to third parties: the recipients (append-only: each change a new version, the newest current), the
     * transfers, their deliveries (a queue like the outbox), and the disclosure log (append-only, per subject) */
    {12,
     "CREATE TABLE recipients(recipient_id TEXT NOT NULL, version INTEGER NOT NULL, name TEXT NOT NULL,"
     " purpose TEXT NOT NULL, country TEXT NOT NULL, endpoint TEXT NOT NULL, public_key TEXT NOT NULL,"
     " confidentiality_ref TEXT NOT NULL, fields_allowed TEXT NOT NULL, cross_border INTEGER NOT NULL,"
     " cross_border_notice_ref TEXT, cross_border_notice_filed_on TEXT, adequate_protection INTEGER NOT NULL,"
     " active INTEGER NOT NULL, actor TEXT NOT NULL, changed_at BIGINT NOT NULL, created_at BIGINT NOT NULL,"
     " PRIMARY KEY (recipient_id, version));"
     "CREATE TABLE transfers(transfer_id TEXT PRIMARY KEY, recipient_id TEXT NOT NULL,"
     " recipient_version INTEGER NOT NULL, legal_basis TEXT NOT NULL, reference TEXT, fields TEXT NOT NULL,"
     " requested INTEGER NOT NULL, refused INTEGER NOT NULL, actor TEXT NOT NULL, created_at BIGINT NOT NULL);"
     "CREATE INDEX transfers_recipient ON transfers(recipient_id, created_at);"
     "CREATE TABLE transfer_batches(batch_id TEXT PRIMARY KEY, transfer_id TEXT NOT NULL, seq INTEGER NOT NULL,"
     " status TEXT NOT NULL, subjects INTEGER NOT NULL, subject_ids TEXT, attempts INTEGER NOT NULL DEFAULT 0,"
     " next_attempt_at BIGINT NOT NULL DEFAULT 0, lease_until BIGINT NOT NULL DEFAULT 0, last_attempt_at BIGINT,"
     " last_error TEXT, created_at BIGINT NOT NULL, sent_at BIGINT);"
     "CREATE INDEX transfer_batches_due ON transfer_batches(status, next_attempt_at);"
     "CREATE INDEX transfer_batches_transfer ON transfer_batches(transfer_id, seq);"
     "CREATE TABLE disclosures(subject_id TEXT NOT NULL, seq AUTOINCREMENT_PK, transfer_id TEXT NOT NULL,"
     " batch_id TEXT, outcome TEXT NOT NULL, reason TEXT, at BIGINT NOT NULL);"
     "CREATE INDEX disclosures_subject ON disclosures(subject_id, seq);"
     "CREATE INDEX disclosures_transfer ON disclosures(transfer_id, outcome);",
     NULL},
    /* master key rotation: the master key each data key is wrapped under (NULL: the first master key, from before
     * ids), and the master keys with their states */
    {13, NULL,
     "ALTER TABLE data_keys ADD COLUMN kid TEXT;"
     "CREATE INDEX data_keys_kid ON data_keys(kid);"
     "CREATE TABLE master_keys(kid TEXT PRIMARY KEY, state TEXT NOT NULL, created_at BIGINT NOT NULL,"
     " retired_at BIGINT);"},
    /* the person's portal: a single-use link (its hash, used once) opens a session (its token's hash), scoped to one
     * subject, that lapses when idle (last_seen) */
    {14,
     "CREATE TABLE portal_sessions(subject_id TEXT NOT NULL, session_id TEXT PRIMARY KEY,"
     " link_hash TEXT NOT NULL UNIQUE, token_hash TEXT UNIQUE, created_at BIGINT NOT NULL,"
     " last_seen BIGINT NOT NULL, used INTEGER NOT NULL DEFAULT 0);"
     "CREATE INDEX portal_sessions_subject ON portal_sessions(subject_id);",
     NULL},
    /* the operator's console: a session a key was exchanged for, known by hashes of its cookie and CSRF token */
    {15,
     "CREATE TABLE console_sessions(session_id TEXT PRIMARY KEY, token_hash TEXT NOT NULL UNIQUE,"
     " key_id TEXT NOT NULL, role TEXT NOT NULL, csrf_hash TEXT NOT NULL, created_at BIGINT NOT NULL,"
     " last_seen_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, ended_at BIGINT);"
     "CREATE INDEX console_sessions_key ON console_sessions(key_id);",
     NULL},
    /* Idempotency-Key: the response a key's first request got, kept 24 hours for replays; the key and the request
     * only as keyed hashes, the body sealed (store/repo_idem.h) */
    {16,
     "CREATE TABLE idempotency_keys(scope TEXT NOT NULL, key_hash TEXT NOT NULL, record_id TEXT NOT NULL UNIQUE,"
     " request_hash TEXT NOT NULL, created_at BIGINT NOT NULL, status INTEGER NOT NULL, content_type TEXT,"
     " location TEXT, etag TEXT, sealed_by TEXT, body_ct BLOB, PRIMARY KEY (scope, key_hash));"
     "CREATE INDEX idempotency_keys_created ON idempotency_keys(created_at);",
     NULL},
    /* webhooks: the subscriptions (the signing secret sealed under a key of its own, "whk:<id>"), and their
     * deliveries, an outbound queue like the outbox (ids and types only: nothing of a person but an id) */
    {17,
     "CREATE TABLE webhooks(webhook_id TEXT PRIMARY KEY, url TEXT NOT NULL, events TEXT NOT NULL,"
     " active INTEGER NOT NULL, actor TEXT NOT NULL, created_at BIGINT NOT NULL, deleted_at BIGINT, secret_ct BLOB);"
     "CREATE TABLE webhook_deliveries(seq AUTOINCREMENT_PK, delivery_id TEXT NOT NULL UNIQUE,"
     " webhook_id TEXT NOT NULL, event TEXT NOT NULL, object_type TEXT NOT NULL, object_id TEXT NOT NULL,"
     " status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at BIGINT NOT NULL DEFAULT 0,"
     " lease_until BIGINT NOT NULL DEFAULT 0, last_attempt_at BIGINT, last_error TEXT, created_at BIGINT NOT NULL,"
     " sent_at BIGINT, done INTEGER NOT NULL DEFAULT 0);"
     "CREATE INDEX webhook_deliveries_due ON webhook_deliveries(status, next_attempt_at);"
     "CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries(webhook_id, seq);",
     NULL},
    /* the scheduler's due erasures (every second): without it each sweep read the whole subjects table, at a million
     * people half a gigabyte a second; partial, so that registrations (erase_after NULL) never touch it */
    {18, "CREATE INDEX subjects_erase_due ON subjects(erase_after, subject_id) WHERE erase_after IS NOT NULL;", NULL},
    /* SQLite: the blind indexes' uniqueness and look-ups move to a set in memory (store/bidx.h), so the table is
     * built again without its two unique indexes, each row keeping its rowid (the set's value). PostgreSQL keeps
     * them: several nodes write there. */
    {19,
     "CREATE TABLE subjects_v19(subject_id TEXT PRIMARY KEY, status TEXT NOT NULL, residence_country TEXT NOT NULL,"
     " email_bidx TEXT, phone_bidx TEXT, name_ct BLOB, email_ct BLOB, phone_ct BLOB, ip_ct BLOB, birth_date_ct BLOB,"
     " policy_version TEXT, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, erase_after BIGINT,"
     " legal_hold INTEGER NOT NULL DEFAULT 0, legal_hold_reason TEXT, revoked_from TEXT, language TEXT,"
     " legal_hold_reason_ct BLOB);"
     "INSERT INTO subjects_v19(rowid, subject_id, status, residence_country, email_bidx, phone_bidx, name_ct,"
     " email_ct, phone_ct, ip_ct, birth_date_ct, policy_version, created_at, updated_at, erase_after, legal_hold,"
     " legal_hold_reason, revoked_from, language, legal_hold_reason_ct)"
     " SELECT rowid, subject_id, status, residence_country, email_bidx, phone_bidx, name_ct, email_ct, phone_ct,"
     " ip_ct, birth_date_ct, policy_version, created_at, updated_at, erase_after, legal_hold, legal_hold_reason,"
     " revoked_from, language, legal_hold_reason_ct FROM subjects ORDER BY rowid;"
     "DROP TABLE subjects;"
     "ALTER TABLE subjects_v19 RENAME TO subjects;"
     "CREATE INDEX subjects_erased ON subjects(updated_at) WHERE status = 'erased';"
     "CREATE INDEX subjects_erase_due ON subjects(erase_after, subject_id) WHERE erase_after IS NOT NULL;",
     NULL},
};

/* Migrations recorded on PostgreSQL without running their text there. */
static bool sqlite_only(int version)
{
	return version == 19;
}

#define MIGRATE_LOCK_DATA "SELECT pg_advisory_lock(7022656107000001)"
#define MIGRATE_UNLOCK_DATA "SELECT pg_advisory_unlock(7022656107000001)"
#define MIGRATE_LOCK_KS "SELECT pg_advisory_lock(7022656107000002)"
#define MIGRATE_UNLOCK_KS "SELECT pg_advisory_unlock(7022656107000002)"

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Is version already applied? */
static enum privd_rc applied(struct privd_db *db, int version, bool *yes)
{
	struct privd_stmt *st = NULL;
	enum privd_rc rc =
	    query_one(db, "SELECT version FROM schema_migrations WHERE version = ?", &st, "i", (int64_t)version);

	privd_stmt_finalize(st);
	*yes = rc == PRIVD_OK;
	return rc == PRIVD_ERR_NOT_FOUND ? PRIVD_OK : rc;
}

static enum privd_rc record(struct privd_db *db, int version)
{
	return exec_sql(db, "INSERT INTO schema_migrations(version, applied_at) VALUES (?, ?)", "ii", (int64_t)version,
	                now_ms());
}

static enum privd_rc apply_one(struct privd_db *db, const struct migration *m, enum privd_db_which which,
                               struct privd_err *err)
{
	const char *sql = which == PRIVD_DB_KEYSTORE ? m->ks_sql : m->data_sql;
	bool done = false;
	enum privd_rc rc = privd_db_begin(db);

	if (rc != PRIVD_OK) {
		privd_err_set(err, rc, "cannot begin migration %d", m->version);
		goto out;
	}
	rc = applied(db, m->version, &done);
	if (rc != PRIVD_OK || done)
		goto out;
	if (sql != NULL && !(sqlite_only(m->version) && privd_db_engine(db) == PRIVD_DB_POSTGRES)) {
		rc = privd_db_exec(db, sql, err);
		if (rc != PRIVD_OK)
			goto out;
	}
	rc = record(db, m->version);
out:
	if (rc == PRIVD_OK)
		rc = privd_db_commit(db);
	if (rc != PRIVD_OK) {
		privd_db_rollback(db);
		if (err != NULL && err->msg[0] == '\0')
			privd_err_set(err, rc, "migration %d of the %s database failed", m->version,
			              which == PRIVD_DB_KEYSTORE ? "keystore" : "data");
	}
	return rc;
}

enum privd_rc privd_repo_migrate(struct privd_db *db, enum privd_db_which which, struct privd_err *err)
{
	bool pg = privd_db_engine(db) == PRIVD_DB_POSTGRES;
	bool locked = false;
	enum privd_rc rc = PRIVD_OK;
	size_t i;

	if (pg) {
		rc = privd_db_exec(db, which == PRIVD_DB_KEYSTORE ? MIGRATE_LOCK_KS : MIGRATE_LOCK_DATA, err);
		if (rc != PRIVD_OK)
			goto out;
		locked = true;
	}
	rc = privd_db_exec(db,
	                   "CREATE TABLE IF NOT EXISTS schema_migrations(version INTEGER PRIMARY KEY,"
	                   " applied_at BIGINT)",
	                   err);
	if (rc != PRIVD_OK)
		goto out;
	for (i = 0; i < sizeof(migrations) / sizeof(migrations[0]); i++) {
		rc = apply_one(db, &migrations[i], which, err);
		if (rc != PRIVD_OK)
			goto out;
	}
out:
	if (locked)
		privd_db_exec(db, which == PRIVD_DB_KEYSTORE ? MIGRATE_UNLOCK_KS : MIGRATE_UNLOCK_DATA, NULL);
	return rc;
}
