/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * destruction.c - what an erasure owes the regulator: its destruction record (RKN Order No. 179 of 28.10.2022),
 * the record's reads, and the purge of everything an erasure leaves once the evidence period is over.
 *
 * The Order proves a destruction by automated means with an act and an extract from the system's event log, both
 * kept 3 years. privd writes the act inside the erasure's own transaction (privd_erasure_data calls
 * privd_destruction_write), so an erasure cannot commit without its act nor an act without its erasure, whichever
 * path ran it: an executed erase request or the scheduled destruction after a revocation of consent. The act holds
 * no personal data: the person is named by the pseudonymous subject id, the data by category names, and the log
 * extract is a reference into the audit chain (seq and hash of the erasure's entry), read back from the chain
 * itself when the act is shown, so it is as tamper-evident as the chain. The operator's name and address are copied
 * into the act when it is written: the act states who the operator was then.
 *
 * The evidence an erasure leaves (the tombstone that answers 410, the request rows with the scan's SHA-256, the
 * outbox rows without address or text, the act) is kept [retention] evidence_years and then purged, subject by
 * subject, each purge a write job with its own audit entry. Audit entries are never deleted: they hold ids only,
 * and an entry naming a row that is gone still verifies.
 */
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "service/service_int.h"

/* ---- writing the act ---- */

enum privd_rc privd_destruction_write(struct privd_service *svc, struct privd_db *db, const struct privd_erasure *e)
{
	const char *names[PRIVD_DESTRUCTION_CATEGORY_COUNT];
	struct privd_destruction_row row;
	struct privd_jsonw w;
	char detail[512];
	size_t n = 0;
	enum privd_rc rc;

	for (int i = 0; i < PRIVD_DESTRUCTION_CATEGORY_COUNT; i++)
		if (e->categories & (1u << i))
			names[n++] = privd_destruction_category_name(i);
	privd_jsonw_init(&w, detail, sizeof(detail));
	privd_jsonw_str(&w, "reason", privd_destruction_reason_name(e->reason));
	privd_jsonw_str(&w, "record", e->record_id);
	if (e->request_id[0] != '\0')
		privd_jsonw_str(&w, "request", e->request_id);
	privd_jsonw_strs(&w, "categories", names, n);
	rc = privd_jsonw_end(&w);
	if (rc == PRIVD_OK)
		rc = privd_audit_append(svc, db, e->actor, "subject.erase", "subject", e->subject_id, detail);
	if (rc != PRIVD_OK)
		return rc;
	memset(&row, 0, sizeof(row));
	rc = privd_repo_audit_head(db, &row.audit_seq, row.audit_hash); /* the entry just appended */
	if (rc != PRIVD_OK)
		return rc;
	memcpy(row.id, e->record_id, sizeof(row.id));
	memcpy(row.subject_id, e->subject_id, sizeof(row.subject_id));
	memcpy(row.request_id, e->request_id, sizeof(row.request_id));
	row.reason = e->reason;
	row.categories = e->categories;
	snprintf(row.method, sizeof(row.method), "%s", PRIVD_DESTRUCTION_METHOD);
	snprintf(row.operator_name, sizeof(row.operator_name), "%s", svc->cfg.operator_name);
	snprintf(row.operator_address, sizeof(row.operator_address), "%s", svc->cfg.operator_address);
	snprintf(row.information_system, sizeof(row.information_system), "%s", svc->cfg.information_system);
	snprintf(row.actor, sizeof(row.actor), "%s", e->actor);
	row.destroyed_at = e->at;
	return privd_repo_destruction_insert(db, &row);
}

/* ---- reading acts ---- */

static void record_from(const struct privd_destruction_row *row, struct privd_destruction_record *out)
{
	memset(out, 0, sizeof(*out));
	out->seq = row->seq;
	memcpy(out->id, row->id, sizeof(out->id));
	memcpy(out->subject_id, row->subject_id, sizeof(out->subject_id));
	memcpy(out->request_id, row->request_id, sizeof(out->request_id));
	out->reason = row->reason;
	out->categories = row->categories;
	memcpy(out->method, row->method, sizeof(out->method));
	memcpy(out->operator_name, row->operator_name, sizeof(out->operator_name));
	memcpy(out->operator_address, row->operator_address, sizeof(out->operator_address));
	memcpy(out->information_system, row->information_system, sizeof(out->information_system));
	memcpy(out->actor, row->actor, sizeof(out->actor));
	out->destroyed_at = row->destroyed_at;
	out->audit_seq = row->audit_seq;
	memcpy(out->audit_hash, row->audit_hash, sizeof(out->audit_hash));
}

struct list_ctx {
	int (*cb)(void *arg, const struct privd_destruction_record *r);
	void *arg;
};

static int list_one(void *arg, const struct privd_destruction_row *row)
{
	struct list_ctx *c = arg;
	struct privd_destruction_record r;

	record_from(row, &r);
	return c->cb(c->arg, &r);
}

enum privd_rc privd_service_destruction_list(struct privd_service *svc, const struct privd_destruction_query *q,
                                             int (*cb)(void *arg, const struct privd_destruction_record *r), void *arg,
                                             struct privd_err *err)
{
	struct privd_destruction_filter f = {.subject_id = q->subject_id, .after_seq = q->after, .limit = q->limit};
	struct list_ctx c = {cb, arg};
	struct privd_reader *r = NULL;
	enum privd_rc rc;

	if (f.limit == 0)
		f.limit = 100;
	rc = privd_reader_get(svc, &r);
	if (rc != PRIVD_OK)
		return privd_err_set(err, rc, "the database is not available");
	rc = privd_repo_destruction_list(r->db, &f, list_one, &c);
	privd_reader_put(svc, r, rc == PRIVD_ERR_DB);
	return rc;
}

struct extract_ctx {
	const struct privd_destruction_record *rec;
	struct privd_destruction_extract *x;
};

/* The erasure's own entry, and the request's execution when it is the entry right after it (the same
 * transaction: the audit head is locked until it commits). */
static int extract_one(void *arg, const struct privd_audit_entry *e)
{
	struct extract_ctx *c = arg;
	bool own = e->seq == c->rec->audit_seq;
	bool execution = e->seq == c->rec->audit_seq + 1 && c->rec->request_id[0] != '\0' &&
	                 strcmp(e->action, "request.execute") == 0 && strcmp(e->object_id, c->rec->request_id) == 0;

	if ((own || execution) && c->x->n < sizeof(c->x->entries) / sizeof(c->x->entries[0]))
		c->x->entries[c->x->n++] = *e;
	return 0;
}

enum privd_rc privd_service_destruction_get(struct privd_service *svc, const char *id,
                                            struct privd_destruction_record *out,
                                            struct privd_destruction_extract *extract, struct privd_err *err)
{
	struct privd_destruction_row row;
	struct privd_reader *r = NULL;
	struct extract_ctx c = {out, extract};
	enum privd_rc rc;

	memset(extract, 0, sizeof(*extract));
	rc = privd_reader_get(svc, &r);
	if (rc != PRIVD_OK)
		return privd_err_set(err, rc, "the database is not available");
	rc = privd_repo_destruction_get(r->db, id, &row);
	privd_reader_put(svc, r, rc == PRIVD_ERR_DB);
	if (rc == PRIVD_ERR_NOT_FOUND)
		return privd_err_set(err, rc, "no destruction record has that id");
	if (rc != PRIVD_OK)
		return rc;
	record_from(&row, out);
	return privd_service_audit_list(svc, out->audit_seq - 1, 2, extract_one, &c);
}

/* ---- the evidence purge ---- */

struct purge_job {
	struct privd_service *svc;
	const char *subject_id;
	int64_t cutoff;
};

static enum privd_rc purge_data(struct privd_db *db, void *arg)
{
	struct purge_job *j = arg;
	struct privd_jsonw w;
	char detail[128];
	int64_t records = 0;
	enum privd_rc rc;

	/* PRIVD_ERR_NOT_FOUND when another node purged it meanwhile: nothing to record */
	rc = privd_repo_evidence_purge(db, j->subject_id, j->cutoff, &records);
	if (rc != PRIVD_OK)
		return rc;
	privd_jsonw_init(&w, detail, sizeof(detail));
	privd_jsonw_int(&w, "evidence_years", j->svc->cfg.evidence_years);
	privd_jsonw_int(&w, "destruction_records", records);
	rc = privd_jsonw_end(&w);
	if (rc == PRIVD_OK)
		rc = privd_audit_append(j->svc, db, "system", "subject.purge", "subject", j->subject_id, detail);
	if (rc == PRIVD_OK)
		rc = privd_db_notify(db, PRIVD_CHAN_CONSENT, j->subject_id);
	return rc;
}

void privd_evidence_sweep(struct privd_service *svc)
{
	struct privd_id_batch c;
	int64_t cutoff = privd_evidence_cutoff(privd_now_ms(), svc->cfg.evidence_years);
	size_t purged = 0;

	privd_id_batch_pick(svc, &c, privd_repo_evidence_due, cutoff);
	for (size_t i = 0; i < c.n; i++) {
		struct purge_job j = {svc, c.ids[i], cutoff};
		struct privd_write_job job = {.data = purge_data, .arg = &j};

		if (privd_writer_run(svc->writer, &job) != PRIVD_OK)
			continue;
		privd_cache_invalidate(svc, c.ids[i]);
		purged++;
	}
	if (purged > 0)
		privd_log(PRIVD_LOG_INFO, "evidence.purged", "\"subjects\":%zu,\"evidence_years\":%d", purged,
		          svc->cfg.evidence_years);
}
