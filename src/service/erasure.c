/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * erasure.c - crypto-shredding, and what decides when it may or must happen: the legal hold, the scheduled erasure
 * after consent to processing is revoked, and the sweep for keys left behind.
 *
 * A subject's fields are sealed under a data key of their own in the keystore, so destroying that key makes every
 * copy unreadable, backups and WAL frames included; the rows holding PII are deleted as well and the subject
 * becomes a tombstone. The two databases commit separately, so the order is fixed: the data side (rows deleted,
 * queued notices cancelled, tombstone written) commits first, then the keys go in the keystore follow-up; a crash
 * between the two leaves keys that nothing needs, which the stray-key sweep destroys at the next start. Erasure
 * runs either as an erase request (requests decide when) or, when the person revoked consent to processing and no
 * legal hold stops it, once its scheduled time has passed (the scheduler asks every tick). A legal hold records the
 * legal basis for keeping the data and holds the scheduled erasure back until it is released; its reason may name
 * the person, so it is sealed under their key and goes with it (reasons stored in plain text by older versions are
 * sealed when the server starts). Whichever way it
 * runs, the data side is one function, privd_erasure_data, which also writes the erasure's audit entry and its
 * destruction record (destruction.c) in the same transaction, so no erasure can happen without its act.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/log.h"
#include "service/service_int.h"

/* ---- crypto-shredding ---- */

static int collect_queued(void *arg, const struct privd_notification_row *row)
{
	struct privd_erasure *e = arg;
	char(*grown)[40];

	if (row->status != PRIVD_NOTICE_QUEUED)
		return 0;
	grown = realloc(e->dead_keys, (e->ndead + 1) * sizeof(*e->dead_keys));
	if (grown == NULL)
		return 1;
	e->dead_keys = grown;
	snprintf(e->dead_keys[e->ndead++], sizeof(e->dead_keys[0]), "msg:%s", row->id);
	return 0;
}

void privd_erasure_init(struct privd_erasure *e, const char *subject_id, int64_t at,
                        enum privd_destruction_reason reason, const char *actor, const char *request_id)
{
	memset(e, 0, sizeof(*e));
	snprintf(e->subject_id, sizeof(e->subject_id), "%s", subject_id);
	e->at = at;
	e->reason = reason;
	snprintf(e->actor, sizeof(e->actor), "%s", actor);
	snprintf(e->request_id, sizeof(e->request_id), "%s", request_id != NULL ? request_id : "");
	privd_random_id(e->record_id);
}

enum privd_rc privd_erasure_data(struct privd_service *svc, struct privd_db *db, struct privd_erasure *e)
{
	enum privd_rc rc;

	e->ndead = 0;
	rc = privd_repo_subject_holdings(db, e->subject_id, &e->categories);
	if (rc == PRIVD_OK)
		rc = privd_repo_notification_list(db, e->subject_id, collect_queued, e);
	if (rc == PRIVD_OK)
		rc = privd_repo_subject_erase(db, e->subject_id, e->at);
	if (rc == PRIVD_OK)
		rc = privd_db_notify(db, PRIVD_CHAN_CONSENT, e->subject_id);
	if (rc == PRIVD_OK)
		rc = privd_db_notify(db, PRIVD_CHAN_ERASED, e->subject_id);
	if (rc == PRIVD_OK)
		rc = privd_destruction_write(svc, db, e);
	return rc;
}

enum privd_rc privd_erasure_keys(struct privd_service *svc, struct privd_db *ks, const struct privd_erasure *e)
{
	enum privd_rc rc = privd_vault_destroy(svc->vault, ks, e->subject_id);

	for (size_t i = 0; rc == PRIVD_OK && i < e->ndead; i++)
		rc = privd_vault_destroy(svc->vault, ks, e->dead_keys[i]);
	return rc;
}

void privd_erasure_clear(struct privd_erasure *e)
{
	if (e == NULL)
		return;
	free(e->dead_keys);
	e->dead_keys = NULL;
	e->ndead = 0;
}

void privd_erasure_purge_files(struct privd_service *svc)
{
	struct privd_db *db = NULL;

	if (privd_db_open(&svc->target, PRIVD_DB_KEYSTORE, false, &db, NULL) != PRIVD_OK ||
	    privd_db_purge(db) != PRIVD_OK)
		privd_log(PRIVD_LOG_WARN, "erasure.purge_incomplete", "\"db\":\"keystore\"");
	privd_db_close(db);
	db = NULL;
	if (privd_db_open(&svc->target, PRIVD_DB_DATA, false, &db, NULL) != PRIVD_OK || privd_db_purge(db) != PRIVD_OK)
		privd_log(PRIVD_LOG_WARN, "erasure.purge_incomplete", "\"db\":\"data\"");
	privd_db_close(db);
}

/* ---- legal hold ---- */

#define HOLD_REASON_FIELD "legal_hold.reason"
#define HOLD_REASON_MAX 250

struct hold_job {
	struct privd_service *svc;
	const struct privd_principal *who;
	const char *subject_id;
	bool hold;
	struct privd_blob reason_ct; /* sealed under the subject's key: the reason may name them */
};

static enum privd_rc hold_data(struct privd_db *db, void *arg)
{
	struct hold_job *j = arg;
	enum privd_rc rc;

	rc = privd_subject_alive(db, j->subject_id);
	if (rc == PRIVD_OK)
		rc = privd_repo_subject_legal_hold(db, j->subject_id, j->hold, &j->reason_ct, privd_now_ms());
	if (rc == PRIVD_OK)
		rc = privd_audit_append(j->svc, db, j->who->actor, j->hold ? "subject.hold" : "subject.release",
		                        "subject", j->subject_id, "{}");
	return rc;
}

enum privd_rc privd_service_legal_hold(struct privd_service *svc, const struct privd_principal *who,
                                       const char *subject_id, bool hold, const char *reason, struct privd_err *err)
{
	struct hold_job j = {svc, who, subject_id, hold, {NULL, 0}};
	struct privd_write_job job = {.data = hold_data, .arg = &j};
	struct privd_cache_entry e;
	enum privd_rc rc;

	if (hold && (reason == NULL || reason[0] == '\0' || strlen(reason) > HOLD_REASON_MAX)) {
		privd_err_field(err, "reason", "a legal hold needs its legal basis (at most 250 bytes)");
		return privd_err_set(err, PRIVD_ERR_INVALID, "the legal hold is invalid");
	}
	rc = privd_subject_require(svc, subject_id, &e, err);
	if (rc == PRIVD_OK && hold) {
		const struct privd_vault_sealing why = privd_vault_text(HOLD_REASON_FIELD, reason, &j.reason_ct);

		rc = privd_vault_seal(svc->vault, NULL, subject_id, &why, 1);
	}
	if (rc == PRIVD_OK)
		rc = privd_writer_run(svc->writer, &job);
	privd_blob_clear(&j.reason_ct);
	return rc;
}

/* ---- reasons stored in plain text before migration 11 ---- */

struct seal_job {
	const char *subject_id;
	struct privd_blob reason_ct;
};

static enum privd_rc seal_data(struct privd_db *db, void *arg)
{
	struct seal_job *j = arg;
	enum privd_rc rc = privd_repo_subject_hold_reason_seal(db, j->subject_id, &j->reason_ct);

	return rc == PRIVD_ERR_NOT_FOUND ? PRIVD_OK : rc; /* released or erased meanwhile: nothing left to seal */
}

/* Seals one subject's plain reason; false when it could not (it stays plain, and is tried at the next start). */
static bool seal_plain_reason(struct privd_service *svc, const char *subject_id)
{
	struct seal_job j = {subject_id, {NULL, 0}};
	struct privd_write_job job = {.data = seal_data, .arg = &j};
	struct privd_vault_sealing sealing;
	struct privd_reader *r = NULL;
	char reason[HOLD_REASON_MAX + 6] = "";
	enum privd_rc rc;

	rc = privd_reader_get(svc, &r);
	if (rc != PRIVD_OK)
		return false;
	rc = privd_repo_subject_plain_hold_reason(r->db, subject_id, reason, sizeof(reason));
	if (rc == PRIVD_OK) {
		sealing = privd_vault_text(HOLD_REASON_FIELD, reason, &j.reason_ct);
		rc = privd_vault_seal(svc->vault, r, subject_id, &sealing, 1);
	}
	privd_reader_put(svc, r, rc == PRIVD_ERR_DB);
	sodium_memzero(reason, sizeof(reason));
	if (rc == PRIVD_OK)
		rc = privd_writer_run(svc->writer, &job);
	privd_blob_clear(&j.reason_ct);
	/* an erased subject's plain reason is gone with the erasure (its row is a tombstone) */
	return rc == PRIVD_OK || rc == PRIVD_ERR_NOT_FOUND || rc == PRIVD_ERR_GONE;
}

void privd_erasure_seal_plain_reasons(struct privd_service *svc)
{
	struct privd_id_batch b;
	size_t sealed = 0, left = 0;
	int64_t at = privd_now_ms();

	for (;;) {
		size_t done = 0;

		privd_id_batch_pick(svc, &b, privd_repo_subject_plain_hold_reasons, at);
		for (size_t i = 0; i < b.n; i++)
			done += seal_plain_reason(svc, b.ids[i]) ? 1 : 0;
		sealed += done;
		if (done < b.n) {
			left = b.n - done;
			break; /* the same ones would come back: leave them to the next start */
		}
		if (b.n < PRIVD_ID_BATCH)
			break;
	}
	if (sealed > 0 || left > 0)
		privd_log(left > 0 ? PRIVD_LOG_WARN : PRIVD_LOG_INFO, "legal_hold.reasons_sealed",
		          "\"sealed\":%zu,\"left\":%zu", sealed, left);
}

/* ---- scheduled erasure ---- */

struct sched_job {
	struct privd_service *svc;
	struct privd_erasure e;
};

static enum privd_rc sched_after(struct privd_db *ks, void *arg)
{
	struct sched_job *j = arg;

	return privd_erasure_keys(j->svc, ks, &j->e);
}

static enum privd_rc sched_data(struct privd_db *db, void *arg)
{
	struct sched_job *j = arg;
	struct privd_subject_sched sc;
	enum privd_rc rc;

	/* Still due, and no legal hold recorded meanwhile? */
	rc = privd_repo_subject_sched_get(db, j->e.subject_id, &sc);
	if (rc != PRIVD_OK)
		return rc;
	if (sc.legal_hold || sc.erase_after == 0 || sc.erase_after > privd_now_ms())
		return PRIVD_ERR_CONFLICT;
	return privd_erasure_data(j->svc, db, &j->e); /* with its audit entry and destruction record */
}

void privd_erasure_sweep_due(struct privd_service *svc)
{
	struct privd_id_batch c;
	enum privd_rc rc;

	privd_id_batch_pick(svc, &c, privd_repo_subject_due_erasures, privd_now_ms());
	for (size_t i = 0; i < c.n; i++) {
		struct sched_job j;
		struct privd_write_job job = {.data = sched_data, .ks_after = sched_after, .arg = &j};

		memset(&j, 0, sizeof(j));
		j.svc = svc;
		privd_erasure_init(&j.e, c.ids[i], privd_now_ms(), PRIVD_DESTRUCTION_CONSENT_REVOKED, "system", NULL);
		rc = privd_writer_run(svc->writer, &job);
		privd_erasure_clear(&j.e);
		if (rc == PRIVD_OK) {
			privd_cache_invalidate(svc, c.ids[i]);
			privd_vault_forget(svc->vault, c.ids[i]); /* now that the key's destruction committed */
			privd_erasure_purge_files(svc);
			privd_log(PRIVD_LOG_INFO, "subject.erased", "\"basis\":\"consent revoked\"");
		}
	}
}

/* ---- stray keys ---- */

/* Keys that nothing needs any more but that a crash (or a failed keystore follow-up) left behind: the data key of
 * an erased subject, the message key of a notice that is no longer queued. Found from the keystore's side, so the
 * work is bounded by the keys held, not by the history; destroyed once at start-up. A key whose row does not exist
 * (yet) is left alone: it may belong to a write in flight. */
struct stray {
	struct privd_service *svc;
	struct privd_reader *r;
	char (*ids)[40];
	size_t n;
};

static bool is_stray(struct privd_db *db, const char *id)
{
	enum privd_notice_status notice;
	enum privd_subject_status subject;

	if (strncmp(id, "msg:", 4) == 0)
		return privd_repo_notification_status(db, id + 4, &notice) == PRIVD_OK && notice != PRIVD_NOTICE_QUEUED;
	return privd_repo_subject_status(db, id, &subject) == PRIVD_OK && subject == PRIVD_SUBJECT_ERASED;
}

static int stray_one(void *arg, const char *id)
{
	struct stray *st = arg;
	char(*grown)[40];

	if (!is_stray(st->r->db, id))
		return 0;
	grown = realloc(st->ids, (st->n + 1) * sizeof(*st->ids));
	if (grown == NULL)
		return 1;
	st->ids = grown;
	snprintf(st->ids[st->n++], sizeof(st->ids[0]), "%s", id);
	return 0;
}

static enum privd_rc stray_data(struct privd_db *db, void *arg)
{
	(void)db;
	(void)arg;
	return PRIVD_OK;
}

static enum privd_rc stray_after(struct privd_db *ks, void *arg)
{
	struct stray *st = arg;
	enum privd_rc rc = PRIVD_OK;

	for (size_t i = 0; rc == PRIVD_OK && i < st->n; i++)
		rc = privd_vault_destroy(st->svc->vault, ks, st->ids[i]);
	return rc;
}

void privd_erasure_sweep_stray_keys(struct privd_service *svc)
{
	struct stray st = {svc, NULL, NULL, 0};
	struct privd_write_job job = {.data = stray_data, .ks_after = stray_after, .arg = &st};
	enum privd_rc rc;

	if (privd_reader_get(svc, &st.r) != PRIVD_OK)
		return;
	rc = privd_vault_ids(st.r->ks, stray_one, &st);
	privd_reader_put(svc, st.r, rc == PRIVD_ERR_DB);
	if (rc == PRIVD_OK && st.n > 0) {
		privd_writer_run(svc->writer, &job);
		privd_log(PRIVD_LOG_INFO, "keystore.stray_keys_destroyed", "\"count\":%zu", st.n);
	}
	free(st.ids);
}
