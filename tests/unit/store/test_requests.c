/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_requests.c - the repositories of migration 2 on both engines: rights requests (round trip, every list
 * filter, paging), their sealed scans, the notification outbox, erasure (nothing of the person left but a
 * tombstone; queued messages kept), scheduled erasure with legal holds, and SKIP LOCKED on PostgreSQL; and of
 * migration 3: a subject revoked (the status it left kept) and restored.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "store/repo.h"
#include "store_test.h"

/* ---- helpers ---- */

/* The one integer a query returns; bound text parameters a and b when not NULL. */
static int64_t query_int(struct privd_db *db, const char *sql, const char *a, const char *b)
{
	struct privd_stmt *st = NULL;
	int64_t v;

	assert_int_equal(privd_db_prepare(db, sql, &st), PRIVD_OK);
	if (a != NULL)
		assert_int_equal(privd_stmt_bind_text(st, 1, a), PRIVD_OK);
	if (b != NULL)
		assert_int_equal(privd_stmt_bind_text(st, 2, b), PRIVD_OK);
	assert_int_equal(privd_stmt_step(st), PRIVD_DB_ROW);
	v = privd_stmt_col_int64(st, 0);
	privd_stmt_finalize(st);
	return v;
}

static void blob_set(struct privd_blob *b, const char *s, size_t len)
{
	b->data = malloc(len);
	assert_non_null(b->data);
	memcpy(b->data, s, len);
	b->len = len;
}

static void subject_init(struct privd_subject_row *r, const char *id, const char *email, const char *phone)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->id, sizeof(r->id), "%s", id);
	r->status = PRIVD_SUBJECT_ACTIVE;
	snprintf(r->residence_country, sizeof(r->residence_country), "RU");
	snprintf(r->email_bidx, sizeof(r->email_bidx), "%s", email);
	snprintf(r->phone_bidx, sizeof(r->phone_bidx), "%s", phone);
	snprintf(r->policy_version, sizeof(r->policy_version), "2024-01");
	r->created_at = 1000;
	r->updated_at = 1000;
}

/* A subject with every sealed column filled. */
static void subject_insert_full(const char *id, const char *email, const char *phone)
{
	struct privd_subject_row r;

	subject_init(&r, id, email, phone);
	blob_set(&r.name_ct, "\x00name", 5);
	blob_set(&r.email_ct, "\x00mail", 5);
	blob_set(&r.phone_ct, "\x00phone", 6);
	blob_set(&r.ip_ct, "\x00ip", 3);
	blob_set(&r.birth_date_ct,
	         "\x00"
	         "bd",
	         3);
	assert_int_equal(privd_repo_subject_insert(g_db, &r, NULL), PRIVD_OK);
	privd_subject_row_clear(&r);
}

static void request_init(struct privd_request_row *r, const char *id, const char *subject,
                         enum privd_request_status status, int64_t created_at, const char *due_date)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->id, sizeof(r->id), "%s", id);
	snprintf(r->subject_id, sizeof(r->subject_id), "%s", subject);
	r->type = PRIVD_REQUEST_TYPE_ERASE;
	r->status = status;
	snprintf(r->due_date, sizeof(r->due_date), "%s", due_date);
	r->created_at = created_at;
	r->updated_at = created_at;
}

static void notification_init(struct privd_notification_row *n, const char *id, const char *subject,
                              enum privd_notice_status status, int64_t created_at)
{
	memset(n, 0, sizeof(*n));
	snprintf(n->id, sizeof(n->id), "%s", id);
	snprintf(n->subject_id, sizeof(n->subject_id), "%s", subject);
	n->kind = PRIVD_NOTICE_REQUEST_RECEIVED;
	snprintf(n->channel, sizeof(n->channel), "email");
	n->status = status;
	n->created_at = created_at;
}

/* ---- tests ---- */

static void test_migrate_idempotent(void **state)
{
	struct privd_db *other = open_db(PRIVD_DB_DATA);
	struct privd_subject_row r;
	struct privd_subject_sched s;

	(void)state;
	assert_non_null(other);
	assert_int_equal(privd_repo_migrate(g_db, PRIVD_DB_DATA, NULL), PRIVD_OK);
	assert_int_equal(privd_repo_migrate(other, PRIVD_DB_DATA, NULL), PRIVD_OK);
	assert_int_equal(privd_repo_migrate(g_ks, PRIVD_DB_KEYSTORE, NULL), PRIVD_OK);
	/* every migration once, on both databases (the keystore's have no SQL of their own since 1) */
	assert_true(query_int(g_db, "SELECT COUNT(*) FROM schema_migrations", NULL, NULL) >= 7);
	assert_true(query_int(g_db, "SELECT MAX(version) FROM schema_migrations", NULL, NULL) >= 8);
	assert_int_equal(query_int(g_ks, "SELECT COUNT(*) FROM schema_migrations", NULL, NULL),
	                 query_int(g_db, "SELECT COUNT(*) FROM schema_migrations", NULL, NULL));
	assert_int_equal(query_int(g_db, "SELECT COUNT(*) FROM requests", NULL, NULL), 0);
	assert_int_equal(query_int(g_db, "SELECT COUNT(*) FROM request_documents", NULL, NULL), 0);
	assert_int_equal(query_int(g_db, "SELECT COUNT(*) FROM notifications", NULL, NULL), 0);
	/* a subject inserted without the new columns gets their defaults */
	subject_init(&r, "mig1", "", "");
	assert_int_equal(privd_repo_subject_insert(g_db, &r, NULL), PRIVD_OK);
	assert_int_equal(privd_repo_subject_sched_get(g_db, "mig1", &s), PRIVD_OK);
	assert_int_equal(s.erase_after, 0);
	assert_false(s.legal_hold);
	assert_int_equal(
	    query_int(g_db, "SELECT COUNT(*) FROM subjects WHERE legal_hold_reason_ct IS NULL", NULL, NULL),
	    query_int(g_db, "SELECT COUNT(*) FROM subjects", NULL, NULL));
	privd_db_close(other);
}

static void test_request_roundtrip(void **state)
{
	struct privd_request_row r, out;

	(void)state;
	request_init(&r, "req1", "rsub1", PRIVD_REQUEST_STATUS_AWAITING_DOCUMENT, 1000, "");
	r.type = PRIVD_REQUEST_TYPE_RECTIFY;
	blob_set(&r.details_ct, "\x00\xff{fields}\x00", 10);
	assert_int_equal(privd_repo_request_insert(g_db, &r), PRIVD_OK);
	assert_int_equal(privd_repo_request_insert(g_db, &r), PRIVD_ERR_CONFLICT);
	privd_request_row_clear(&r);
	assert_null(r.details_ct.data);

	/* as filed: absent values read back empty, result "{}" */
	assert_int_equal(privd_repo_request_get(g_db, "req1", &out), PRIVD_OK);
	assert_string_equal(out.id, "req1");
	assert_string_equal(out.subject_id, "rsub1");
	assert_int_equal(out.type, PRIVD_REQUEST_TYPE_RECTIFY);
	assert_int_equal(out.status, PRIVD_REQUEST_STATUS_AWAITING_DOCUMENT);
	assert_int_equal(out.details_ct.len, 10);
	assert_memory_equal(out.details_ct.data, "\x00\xff{fields}\x00", 10);
	assert_int_equal(out.reason_ct.len, 0);
	assert_null(out.reason_ct.data);
	assert_string_equal(out.result, "{}");
	assert_int_equal(out.created_at, 1000);
	assert_int_equal(out.received_at, 0);
	assert_string_equal(out.due_date, "");
	assert_false(out.due_estimated);
	assert_false(out.extended);
	assert_int_equal(out.decided_at, 0);
	assert_int_equal(out.completed_at, 0);
	assert_int_equal(out.updated_at, 1000);
	assert_string_equal(out.doc_type, "");
	assert_int_equal(out.doc_size, 0);
	assert_string_equal(out.doc_sha256, "");
	assert_int_equal(out.answer_ct.len, 0);
	assert_int_equal(out.due_working_days, 0);
	assert_int_equal(out.estimated_year, 0);

	/* update replaces everything but id, subject_id, type and created_at */
	r = out;
	memset(&out, 0, sizeof(out));
	snprintf(r.subject_id, sizeof(r.subject_id), "someone-else");
	r.type = PRIVD_REQUEST_TYPE_ACCESS;
	r.created_at = 5;
	r.status = PRIVD_REQUEST_STATUS_COMPLETED;
	privd_blob_clear(&r.details_ct); /* emptied */
	blob_set(&r.reason_ct, "\x01reason", 7);
	snprintf(r.result, sizeof(r.result), "{\"applied\":[\"name\"]}");
	r.received_at = 2000;
	snprintf(r.due_date, sizeof(r.due_date), "2025-05-20");
	r.due_estimated = true;
	r.extended = true;
	r.decided_at = 3000;
	r.completed_at = 4000;
	r.updated_at = 4001;
	snprintf(r.doc_type, sizeof(r.doc_type), "application/pdf");
	r.doc_size = 12345;
	memset(r.doc_sha256, 'a', 64);
	r.doc_sha256[64] = '\0';
	blob_set(&r.answer_ct, "\x02answer", 7);
	r.due_working_days = 15;
	r.estimated_year = 2027;
	assert_int_equal(privd_repo_request_update(g_db, &r), PRIVD_OK);
	assert_int_equal(privd_repo_request_get(g_db, "req1", &out), PRIVD_OK);
	assert_string_equal(out.subject_id, "rsub1");
	assert_int_equal(out.type, PRIVD_REQUEST_TYPE_RECTIFY);
	assert_int_equal(out.created_at, 1000);
	assert_int_equal(out.status, PRIVD_REQUEST_STATUS_COMPLETED);
	assert_int_equal(out.details_ct.len, 0);
	assert_null(out.details_ct.data);
	assert_int_equal(out.reason_ct.len, 7);
	assert_memory_equal(out.reason_ct.data, "\x01reason", 7);
	assert_string_equal(out.result, "{\"applied\":[\"name\"]}");
	assert_int_equal(out.received_at, 2000);
	assert_string_equal(out.due_date, "2025-05-20");
	assert_true(out.due_estimated);
	assert_true(out.extended);
	assert_int_equal(out.decided_at, 3000);
	assert_int_equal(out.completed_at, 4000);
	assert_int_equal(out.updated_at, 4001);
	assert_string_equal(out.doc_type, "application/pdf");
	assert_int_equal(out.doc_size, 12345);
	assert_string_equal(out.doc_sha256, r.doc_sha256);
	assert_int_equal(out.answer_ct.len, 7);
	assert_memory_equal(out.answer_ct.data, "\x02answer", 7);
	assert_int_equal(out.due_working_days, 15);
	assert_int_equal(out.estimated_year, 2027);
	privd_request_row_clear(&out);
	assert_null(out.answer_ct.data);

	snprintf(r.id, sizeof(r.id), "nope");
	assert_int_equal(privd_repo_request_update(g_db, &r), PRIVD_ERR_NOT_FOUND);
	privd_request_row_clear(&r);
	assert_int_equal(privd_repo_request_get(g_db, "nope", &out), PRIVD_ERR_NOT_FOUND);
	assert_null(out.details_ct.data);
	privd_request_row_clear(NULL);
}

struct reqs {
	int n;
	char ids[16][33];
	size_t details_len;
};

static int collect_req(void *arg, const struct privd_request_row *row)
{
	struct reqs *a = arg;

	if (a->n < 16)
		snprintf(a->ids[a->n], 33, "%s", row->id);
	if (row->details_ct.len > 0 && memcmp(row->details_ct.data,
	                                      "\x00"
	                                      "d",
	                                      2) == 0)
		a->details_len = row->details_ct.len;
	a->n++;
	return 0;
}

static int stop_req(void *arg, const struct privd_request_row *row)
{
	(void)row;
	(*(int *)arg)++;
	return 1;
}

/* Lists with f and checks the ids, in order, against the space-separated want. */
static void expect_list(const struct privd_request_filter *f, const char *want)
{
	struct reqs a = {0};
	char got[16 * 34] = "";
	int i;

	assert_int_equal(privd_repo_request_list(g_db, f, collect_req, &a), PRIVD_OK);
	for (i = 0; i < a.n && i < 16; i++) {
		if (i > 0)
			strcat(got, " ");
		strcat(got, a.ids[i]);
	}
	assert_string_equal(got, want);
}

static void test_request_list(void **state)
{
	struct privd_request_row r;
	struct privd_request_filter f;
	struct reqs a = {0};
	int calls = 0;

	(void)state;
	assert_int_equal(privd_db_exec(g_db, "DELETE FROM requests", NULL), PRIVD_OK);
	/* inserted out of created_at order; l0 at time 0 */
	request_init(&r, "l3", "lsubA", PRIVD_REQUEST_STATUS_RECEIVED, 300, "2025-01-20");
	blob_set(&r.details_ct,
	         "\x00"
	         "details",
	         8);
	assert_int_equal(privd_repo_request_insert(g_db, &r), PRIVD_OK);
	privd_request_row_clear(&r);
	request_init(&r, "l1", "lsubA", PRIVD_REQUEST_STATUS_AWAITING_DOCUMENT, 100, "");
	assert_int_equal(privd_repo_request_insert(g_db, &r), PRIVD_OK);
	request_init(&r, "l2", "lsubB", PRIVD_REQUEST_STATUS_ACCEPTED, 200, "2025-01-10");
	assert_int_equal(privd_repo_request_insert(g_db, &r), PRIVD_OK);
	request_init(&r, "l4", "lsubB", PRIVD_REQUEST_STATUS_COMPLETED, 400, "2025-01-05");
	assert_int_equal(privd_repo_request_insert(g_db, &r), PRIVD_OK);
	request_init(&r, "l5", "lsubA", PRIVD_REQUEST_STATUS_REJECTED, 500, "2025-01-01");
	assert_int_equal(privd_repo_request_insert(g_db, &r), PRIVD_OK);
	request_init(&r, "l0", "lsubC", PRIVD_REQUEST_STATUS_RECEIVED, 0, "2025-02-01");
	assert_int_equal(privd_repo_request_insert(g_db, &r), PRIVD_OK);

	expect_list(NULL, "l0 l1 l2 l3 l4 l5");
	memset(&f, 0, sizeof(f));
	expect_list(&f, "l0 l1 l2 l3 l4 l5");
	assert_int_equal(privd_repo_request_list(g_db, &f, collect_req, &a), PRIVD_OK);
	assert_int_equal(a.details_len, 8); /* blobs reach the callback */

	f.by_status = true;
	f.status = PRIVD_REQUEST_STATUS_RECEIVED;
	expect_list(&f, "l0 l3");
	f.status = PRIVD_REQUEST_STATUS_AWAITING_DOCUMENT; /* the enum's first value, bound as a filter */
	expect_list(&f, "l1");
	memset(&f, 0, sizeof(f));
	f.subject_id = "lsubA";
	expect_list(&f, "l1 l3 l5");
	f.by_status = true;
	f.status = PRIVD_REQUEST_STATUS_REJECTED;
	expect_list(&f, "l5");

	memset(&f, 0, sizeof(f));
	f.due_before = "2025-01-10"; /* strictly before; no due date is never due */
	expect_list(&f, "l4 l5");
	f.due_before = "2025-01-21";
	expect_list(&f, "l2 l3 l4 l5");

	memset(&f, 0, sizeof(f));
	f.open_only = true;
	expect_list(&f, "l0 l1 l2 l3");
	f.due_before = "2025-01-21"; /* overdue: open and past due */
	expect_list(&f, "l2 l3");
	f.subject_id = "lsubB";
	expect_list(&f, "l2");

	/* estimated due dates, open ones (the gauge and the recount after a newer calendar) */
	assert_int_equal(
	    privd_db_exec(g_db, "UPDATE requests SET due_estimated = 1 WHERE request_id IN ('l0', 'l4')", NULL),
	    PRIVD_OK);
	memset(&f, 0, sizeof(f));
	f.estimated_only = true;
	expect_list(&f, "l0 l4");
	f.open_only = true;
	expect_list(&f, "l0");

	/* paging */
	memset(&f, 0, sizeof(f));
	f.limit = 2;
	expect_list(&f, "l0 l1");
	f.after_created = 100;
	expect_list(&f, "l2 l3");
	f.after_created = 300;
	expect_list(&f, "l4 l5");
	f.after_created = 500;
	expect_list(&f, "");
	f.limit = 0;
	f.after_created = 200;
	expect_list(&f, "l3 l4 l5");

	memset(&f, 0, sizeof(f));
	assert_int_equal(privd_repo_request_list(g_db, &f, stop_req, &calls), PRIVD_OK);
	assert_int_equal(calls, 1);
}

static void test_documents(void **state)
{
	static const uint8_t doc1[] = {0x25, 0x50, 0x44, 0x46, 0x00, 0xff, 0x00};
	static const uint8_t doc2[] = {0x89, 'P', 'N', 'G', 0x00};
	struct privd_blob b = {0};

	(void)state;
	assert_int_equal(privd_repo_document_get(g_db, "dreq", &b), PRIVD_ERR_NOT_FOUND);
	assert_null(b.data);
	assert_int_equal(privd_repo_document_put(g_db, "dreq", "dsub", doc1, sizeof(doc1), 100), PRIVD_OK);
	assert_int_equal(privd_repo_document_get(g_db, "dreq", &b), PRIVD_OK);
	assert_int_equal(b.len, sizeof(doc1));
	assert_memory_equal(b.data, doc1, sizeof(doc1));
	privd_blob_clear(&b);
	/* attached again: replaced, one row */
	assert_int_equal(privd_repo_document_put(g_db, "dreq", "dsub", doc2, sizeof(doc2), 200), PRIVD_OK);
	assert_int_equal(privd_repo_document_get(g_db, "dreq", &b), PRIVD_OK);
	assert_int_equal(b.len, sizeof(doc2));
	assert_memory_equal(b.data, doc2, sizeof(doc2));
	privd_blob_clear(&b);
	assert_int_equal(query_int(g_db, "SELECT COUNT(*) FROM request_documents WHERE request_id = ?", "dreq", NULL),
	                 1);
	assert_int_equal(
	    query_int(g_db, "SELECT uploaded_at FROM request_documents WHERE request_id = ?", "dreq", NULL), 200);
	/* an empty scan is not a document */
	assert_int_equal(privd_repo_document_put(g_db, "dreq2", "dsub", doc1, 0, 300), PRIVD_ERR_INVALID);
	assert_int_equal(privd_repo_document_put(g_db, "dreq2", "dsub", NULL, 0, 300), PRIVD_ERR_INVALID);
	assert_int_equal(privd_repo_document_get(g_db, "dreq2", &b), PRIVD_ERR_NOT_FOUND);
}

struct notes {
	int n;
	struct {
		char id[33], request_id[33], last_error[160];
		enum privd_notice_kind kind;
		enum privd_notice_status status;
		size_t recipient_len, body_len;
		bool recipient_ok;
		int attempts;
		int64_t created_at, sent_at;
	} r[8];
};

static int collect_note(void *arg, const struct privd_notification_row *row)
{
	struct notes *a = arg;

	if (a->n < 8) {
		snprintf(a->r[a->n].id, 33, "%s", row->id);
		snprintf(a->r[a->n].request_id, 33, "%s", row->request_id);
		a->r[a->n].kind = row->kind;
		a->r[a->n].status = row->status;
		snprintf(a->r[a->n].last_error, 160, "%s", row->last_error);
		a->r[a->n].recipient_len = row->recipient_ct.len;
		a->r[a->n].recipient_ok =
		    row->recipient_ct.len == 4 && memcmp(row->recipient_ct.data, "\x00rcp", 4) == 0;
		a->r[a->n].body_len = row->body_ct.len;
		a->r[a->n].attempts = row->attempts;
		a->r[a->n].created_at = row->created_at;
		a->r[a->n].sent_at = row->sent_at;
	}
	a->n++;
	return 0;
}

static void test_notifications(void **state)
{
	struct privd_notification_row n;
	struct notes a = {0};

	(void)state;
	notification_init(&n, "n2", "nsub", PRIVD_NOTICE_SENT, 200);
	snprintf(n.request_id, sizeof(n.request_id), "nreq");
	blob_set(&n.recipient_ct, "\x00rcp", 4);
	blob_set(&n.body_ct,
	         "\x00"
	         "body!",
	         6);
	n.attempts = 2;
	n.sent_at = 250;
	assert_int_equal(privd_repo_notification_insert(g_db, &n), PRIVD_OK);
	assert_int_equal(privd_repo_notification_insert(g_db, &n), PRIVD_ERR_CONFLICT);
	privd_notification_row_clear(&n);
	assert_null(n.recipient_ct.data);
	assert_null(n.body_ct.data);
	notification_init(&n, "n1", "nsub", PRIVD_NOTICE_FAILED, 100);
	snprintf(n.last_error, sizeof(n.last_error), "smtp 550");
	assert_int_equal(privd_repo_notification_insert(g_db, &n), PRIVD_OK);
	notification_init(&n, "n3", "nother", PRIVD_NOTICE_QUEUED, 50);
	assert_int_equal(privd_repo_notification_insert(g_db, &n), PRIVD_OK);

	assert_int_equal(privd_repo_notification_list(g_db, "nsub", collect_note, &a), PRIVD_OK);
	assert_int_equal(a.n, 2);
	assert_string_equal(a.r[0].id, "n1");
	assert_string_equal(a.r[0].request_id, "");
	assert_int_equal(a.r[0].status, PRIVD_NOTICE_FAILED);
	assert_string_equal(a.r[0].last_error, "smtp 550");
	assert_int_equal(a.r[0].recipient_len, 0);
	assert_int_equal(a.r[0].attempts, 0);
	assert_int_equal(a.r[0].sent_at, 0);
	assert_string_equal(a.r[1].id, "n2");
	assert_string_equal(a.r[1].request_id, "nreq");
	assert_int_equal(a.r[1].status, PRIVD_NOTICE_SENT);
	assert_string_equal(a.r[1].last_error, "");
	assert_true(a.r[1].recipient_ok);
	assert_int_equal(a.r[1].body_len, 6);
	assert_int_equal(a.r[1].attempts, 2);
	assert_int_equal(a.r[1].created_at, 200);
	assert_int_equal(a.r[1].sent_at, 250);
	memset(&a, 0, sizeof(a));
	assert_int_equal(privd_repo_notification_list(g_db, "nobody", collect_note, &a), PRIVD_OK);
	assert_int_equal(a.n, 0);
	privd_notification_row_clear(NULL);
}

/* The one text a query with one bound key returns. */
static void expect_text(const char *sql, const char *key, const char *want)
{
	struct privd_stmt *st = NULL;

	assert_int_equal(privd_db_prepare(g_db, sql, &st), PRIVD_OK);
	assert_int_equal(privd_stmt_bind_text(st, 1, key), PRIVD_OK);
	assert_int_equal(privd_stmt_step(st), PRIVD_DB_ROW);
	assert_string_equal(privd_stmt_col_text(st, 0), want);
	privd_stmt_finalize(st);
}

/* The rows carry enums; the tables keep the names they always held, so an existing database reads as before. */
static void test_states_stored_as_names(void **state)
{
	struct privd_request_row r;
	struct privd_notification_row n;
	enum privd_subject_status ss;
	enum privd_notice_status ns;
	struct notes a = {0};

	(void)state;
	subject_insert_full("tsub", "tbidx", "");
	expect_text("SELECT status FROM subjects WHERE subject_id = ?", "tsub", "active");
	assert_int_equal(privd_repo_subject_set_status(g_db, "tsub", PRIVD_SUBJECT_PENDING_GUARDIAN, 50), PRIVD_OK);
	expect_text("SELECT status FROM subjects WHERE subject_id = ?", "tsub", "pending_guardian");
	assert_int_equal(privd_repo_subject_status(g_db, "tsub", &ss), PRIVD_OK);
	assert_int_equal(ss, PRIVD_SUBJECT_PENDING_GUARDIAN);
	assert_int_equal(privd_repo_subject_status(g_db, "nobody", &ss), PRIVD_ERR_NOT_FOUND);

	request_init(&r, "treq", "tsub", PRIVD_REQUEST_STATUS_ACCEPTED, 100, "2025-01-10");
	r.type = PRIVD_REQUEST_TYPE_REVOKE_COOKIES;
	assert_int_equal(privd_repo_request_insert(g_db, &r), PRIVD_OK);
	expect_text("SELECT type FROM requests WHERE request_id = ?", "treq", "revoke_cookies");
	expect_text("SELECT status FROM requests WHERE request_id = ?", "treq", "accepted");
	r.status = PRIVD_REQUEST_STATUS_AWAITING_DOCUMENT;
	assert_int_equal(privd_repo_request_update(g_db, &r), PRIVD_OK);
	expect_text("SELECT status FROM requests WHERE request_id = ?", "treq", "awaiting_document");

	notification_init(&n, "tn", "tsub", PRIVD_NOTICE_CANCELLED, 100);
	n.kind = PRIVD_NOTICE_REQUEST_EXTENDED;
	assert_int_equal(privd_repo_notification_insert(g_db, &n), PRIVD_OK);
	expect_text("SELECT kind FROM notifications WHERE notification_id = ?", "tn", "request.extended");
	expect_text("SELECT status FROM notifications WHERE notification_id = ?", "tn", "cancelled");
	assert_int_equal(privd_repo_notification_status(g_db, "tn", &ns), PRIVD_OK);
	assert_int_equal(ns, PRIVD_NOTICE_CANCELLED);
	assert_int_equal(privd_repo_notification_status(g_db, "nobody", &ns), PRIVD_ERR_NOT_FOUND);
	assert_int_equal(privd_repo_notification_list(g_db, "tsub", collect_note, &a), PRIVD_OK);
	assert_int_equal(a.n, 1);
	assert_int_equal(a.r[0].kind, PRIVD_NOTICE_REQUEST_EXTENDED);
	assert_int_equal(a.r[0].status, PRIVD_NOTICE_CANCELLED);
}

/* A name privd never writes (a newer version's state, a hand edit) makes the row unreadable: an error, never a
 * state guessed at. */
static void test_unknown_state_is_an_error(void **state)
{
	const struct privd_request_filter by_subject = {.subject_id = "usub"};
	struct privd_subject_row s;
	struct privd_request_row r;
	struct privd_notification_row n;
	struct privd_consent_state cs;
	enum privd_subject_status ss;
	enum privd_notice_status ns;
	struct reqs got = {0};
	struct notes a = {0};

	(void)state;
	subject_insert_full("usub", "ubidx", "");
	request_init(&r, "ureq", "usub", PRIVD_REQUEST_STATUS_RECEIVED, 100, "2025-01-10");
	assert_int_equal(privd_repo_request_insert(g_db, &r), PRIVD_OK);
	notification_init(&n, "un", "usub", PRIVD_NOTICE_QUEUED, 100);
	assert_int_equal(privd_repo_notification_insert(g_db, &n), PRIVD_OK);

	assert_int_equal(
	    privd_db_exec(g_db, "UPDATE subjects SET status = 'suspended' WHERE subject_id = 'usub'", NULL), PRIVD_OK);
	assert_int_equal(privd_repo_subject_get(g_db, "usub", &s), PRIVD_ERR_DB);
	privd_subject_row_clear(&s);
	assert_int_equal(privd_repo_subject_status(g_db, "usub", &ss), PRIVD_ERR_DB);
	assert_int_equal(privd_repo_consent_state(g_db, "usub", &cs), PRIVD_ERR_DB);
	/* a long value is refused whole, not read as the name it starts with */
	assert_int_equal(privd_db_exec(g_db,
	                               "UPDATE subjects SET status = 'active-------------------------------------------"
	                               "--------------------------------' WHERE subject_id = 'usub'",
	                               NULL),
	                 PRIVD_OK);
	assert_int_equal(privd_repo_subject_status(g_db, "usub", &ss), PRIVD_ERR_DB);

	assert_int_equal(privd_db_exec(g_db, "UPDATE requests SET type = 'delete' WHERE request_id = 'ureq'", NULL),
	                 PRIVD_OK);
	assert_int_equal(privd_repo_request_get(g_db, "ureq", &r), PRIVD_ERR_DB);
	privd_request_row_clear(&r);
	assert_int_equal(privd_repo_request_list(g_db, &by_subject, collect_req, &got), PRIVD_ERR_DB);
	assert_int_equal(got.n, 0); /* the callback never sees the row */
	assert_int_equal(
	    privd_db_exec(g_db, "UPDATE requests SET type = 'erase', status = 'Received' WHERE request_id = 'ureq'",
	                  NULL),
	    PRIVD_OK);
	assert_int_equal(privd_repo_request_get(g_db, "ureq", &r), PRIVD_ERR_DB);
	privd_request_row_clear(&r);
	assert_int_equal(privd_repo_request_list(g_db, &by_subject, collect_req, &got), PRIVD_ERR_DB);

	assert_int_equal(
	    privd_db_exec(g_db, "UPDATE notifications SET kind = 'request.lost' WHERE notification_id = 'un'", NULL),
	    PRIVD_OK);
	assert_int_equal(privd_repo_notification_list(g_db, "usub", collect_note, &a), PRIVD_ERR_DB);
	assert_int_equal(a.n, 0);
	assert_int_equal(privd_repo_notification_status(g_db, "un", &ns), PRIVD_OK);
	assert_int_equal(privd_db_exec(g_db,
	                               "UPDATE notifications SET kind = 'request.received', status = 'bounced'"
	                               " WHERE notification_id = 'un'",
	                               NULL),
	                 PRIVD_OK);
	assert_int_equal(privd_repo_notification_status(g_db, "un", &ns), PRIVD_ERR_DB);
	assert_int_equal(privd_repo_notification_list(g_db, "usub", collect_note, &a), PRIVD_ERR_DB);
}

static void test_erase(void **state)
{
	static const uint8_t doc[] = {0x25, 0x50, 0x44, 0x46};
	struct privd_subject_row s;
	struct privd_consent_row c;
	struct privd_consent_state cs;
	struct privd_request_row r;
	struct privd_notification_row n;
	struct privd_subject_sched sched;
	struct privd_blob b = {0};
	struct notes a = {0};
	const char *field = NULL;
	char id[33];

	(void)state;
	subject_insert_full("esub", "ebidx", "pbidx");
	subject_insert_full("ekeep", "ebidx2", "");
	memset(&c, 0, sizeof(c));
	snprintf(c.subject_id, sizeof(c.subject_id), "esub");
	snprintf(c.purpose, sizeof(c.purpose), "processing");
	c.granted = true;
	snprintf(c.policy_version, sizeof(c.policy_version), "2024-01");
	snprintf(c.source, sizeof(c.source), "registration");
	c.created_at = 100;
	blob_set(&c.ip_ct, "\x00ip", 3);
	assert_int_equal(privd_repo_consent_append(g_db, &c), PRIVD_OK);
	snprintf(c.purpose, sizeof(c.purpose), "cookies.analytics");
	assert_int_equal(privd_repo_consent_append(g_db, &c), PRIVD_OK);
	snprintf(c.subject_id, sizeof(c.subject_id), "ekeep");
	assert_int_equal(privd_repo_consent_append(g_db, &c), PRIVD_OK);
	privd_blob_clear(&c.ip_ct);

	request_init(&r, "ereq1", "esub", PRIVD_REQUEST_STATUS_COMPLETED, 100, "2025-01-10");
	blob_set(&r.details_ct,
	         "\x00"
	         "details",
	         8);
	blob_set(&r.reason_ct, "\x00reason", 7);
	blob_set(&r.answer_ct, "\x00answer", 7);
	snprintf(r.doc_type, sizeof(r.doc_type), "image/png");
	r.doc_size = 4;
	assert_int_equal(privd_repo_request_insert(g_db, &r), PRIVD_OK);
	snprintf(r.id, sizeof(r.id), "ereq2");
	r.status = PRIVD_REQUEST_STATUS_ACCEPTED;
	assert_int_equal(privd_repo_request_insert(g_db, &r), PRIVD_OK);
	snprintf(r.id, sizeof(r.id), "kreq");
	snprintf(r.subject_id, sizeof(r.subject_id), "ekeep");
	assert_int_equal(privd_repo_request_insert(g_db, &r), PRIVD_OK);
	privd_request_row_clear(&r);
	assert_int_equal(privd_repo_document_put(g_db, "ereq1", "esub", doc, sizeof(doc), 100), PRIVD_OK);
	assert_int_equal(privd_repo_document_put(g_db, "ereq2", "esub", doc, sizeof(doc), 100), PRIVD_OK);
	assert_int_equal(privd_repo_document_put(g_db, "kreq", "ekeep", doc, sizeof(doc), 100), PRIVD_OK);

	notification_init(&n, "en1", "esub", PRIVD_NOTICE_SENT, 100);
	blob_set(&n.recipient_ct, "\x00rcp", 4);
	blob_set(&n.body_ct,
	         "\x00"
	         "body",
	         5);
	assert_int_equal(privd_repo_notification_insert(g_db, &n), PRIVD_OK);
	snprintf(n.id, sizeof(n.id), "en2");
	n.status = PRIVD_NOTICE_FAILED;
	n.created_at = 200;
	assert_int_equal(privd_repo_notification_insert(g_db, &n), PRIVD_OK);
	snprintf(n.id, sizeof(n.id), "en3");
	n.status = PRIVD_NOTICE_QUEUED;
	n.kind = PRIVD_NOTICE_REQUEST_COMPLETED;
	n.created_at = 300;
	assert_int_equal(privd_repo_notification_insert(g_db, &n), PRIVD_OK);
	snprintf(n.id, sizeof(n.id), "kn1");
	snprintf(n.subject_id, sizeof(n.subject_id), "ekeep");
	n.status = PRIVD_NOTICE_SENT;
	assert_int_equal(privd_repo_notification_insert(g_db, &n), PRIVD_OK);
	privd_notification_row_clear(&n);
	assert_int_equal(privd_repo_subject_schedule_erasure(g_db, "esub", 5000), PRIVD_OK);

	assert_int_equal(privd_repo_subject_erase(g_db, "nobody", 9000), PRIVD_ERR_NOT_FOUND);
	assert_int_equal(privd_repo_subject_erase(g_db, "esub", 9000), PRIVD_OK);
	/* the confirmation of the erasure is queued after it, in the same transaction, and is kept */
	notification_init(&n, "en4", "esub", PRIVD_NOTICE_QUEUED, 9000);
	blob_set(&n.recipient_ct, "\x00rcp", 4);
	blob_set(&n.body_ct,
	         "\x00"
	         "body",
	         5);
	assert_int_equal(privd_repo_notification_insert(g_db, &n), PRIVD_OK);
	privd_notification_row_clear(&n);

	/* the tombstone */
	assert_int_equal(privd_repo_subject_get(g_db, "esub", &s), PRIVD_OK);
	assert_int_equal(s.status, PRIVD_SUBJECT_ERASED);
	assert_string_equal(s.email_bidx, "");
	assert_string_equal(s.phone_bidx, "");
	assert_int_equal(s.name_ct.len + s.email_ct.len + s.phone_ct.len + s.ip_ct.len + s.birth_date_ct.len, 0);
	assert_int_equal(s.created_at, 1000);
	assert_int_equal(s.updated_at, 9000);
	privd_subject_row_clear(&s);
	assert_int_equal(query_int(g_db,
	                           "SELECT COUNT(*) FROM subjects WHERE subject_id = ? AND name_ct IS NULL AND"
	                           " email_ct IS NULL AND phone_ct IS NULL AND ip_ct IS NULL AND birth_date_ct IS NULL"
	                           " AND email_bidx IS NULL AND phone_bidx IS NULL AND erase_after IS NULL",
	                           "esub", NULL),
	                 1);
	assert_int_equal(privd_repo_subject_sched_get(g_db, "esub", &sched), PRIVD_OK);
	assert_int_equal(sched.erase_after, 0);
	assert_int_equal(privd_repo_subject_by_bidx(g_db, "email", "ebidx", id), PRIVD_ERR_NOT_FOUND);
	assert_int_equal(privd_repo_subject_by_bidx(g_db, "phone", "pbidx", id), PRIVD_ERR_NOT_FOUND);
	/* the same e-mail and phone may register again */
	subject_init(&s, "esub-again", "ebidx", "pbidx");
	assert_int_equal(privd_repo_subject_insert(g_db, &s, &field), PRIVD_OK);

	/* consents: none left, checks answer erased */
	assert_int_equal(query_int(g_db, "SELECT COUNT(*) FROM consents WHERE subject_id = ?", "esub", NULL), 0);
	assert_int_equal(privd_repo_consent_state(g_db, "esub", &cs), PRIVD_OK);
	assert_int_equal(cs.status, PRIVD_SUBJECT_ERASED);
	assert_false(cs.purpose[PRIVD_PURPOSE_PROCESSING].recorded);
	assert_false(cs.purpose[PRIVD_PURPOSE_PROCESSING].granted);

	/* requests stay as non-PII facts, their sealed columns gone; documents gone */
	assert_int_equal(privd_repo_request_get(g_db, "ereq1", &r), PRIVD_OK);
	assert_int_equal(r.status, PRIVD_REQUEST_STATUS_COMPLETED);
	assert_string_equal(r.doc_type, "image/png");
	assert_int_equal(r.details_ct.len + r.reason_ct.len + r.answer_ct.len, 0);
	privd_request_row_clear(&r);
	assert_int_equal(query_int(g_db,
	                           "SELECT COUNT(*) FROM requests WHERE subject_id = ? AND"
	                           " (details_ct IS NOT NULL OR reason_ct IS NOT NULL OR answer_ct IS NOT NULL)",
	                           "esub", NULL),
	                 0);
	assert_int_equal(query_int(g_db, "SELECT COUNT(*) FROM requests WHERE subject_id = ? AND answer_ct IS NOT NULL",
	                           "ekeep", NULL),
	                 1); /* only the erased person's */
	assert_int_equal(privd_repo_document_get(g_db, "ereq1", &b), PRIVD_ERR_NOT_FOUND);
	assert_int_equal(privd_repo_document_get(g_db, "ereq2", &b), PRIVD_ERR_NOT_FOUND);
	assert_int_equal(query_int(g_db, "SELECT COUNT(*) FROM request_documents WHERE subject_id = ?", "esub", NULL),
	                 0);

	/* notifications: every one present at erasure emptied (a queued one cancelled); the confirmation queued
	 * after it keeps its own sealed recipient */
	assert_int_equal(privd_repo_notification_list(g_db, "esub", collect_note, &a), PRIVD_OK);
	assert_int_equal(a.n, 4);
	assert_string_equal(a.r[0].id, "en1");
	assert_int_equal(a.r[0].status, PRIVD_NOTICE_SENT);
	assert_int_equal(a.r[0].recipient_len + a.r[0].body_len, 0);
	assert_string_equal(a.r[1].id, "en2");
	assert_int_equal(a.r[1].recipient_len + a.r[1].body_len, 0);
	assert_string_equal(a.r[2].id, "en3");
	assert_int_equal(a.r[2].status, PRIVD_NOTICE_CANCELLED);
	assert_int_equal(a.r[2].recipient_len + a.r[2].body_len, 0);
	assert_string_equal(a.r[3].id, "en4");
	assert_int_equal(a.r[3].status, PRIVD_NOTICE_QUEUED);
	assert_true(a.r[3].recipient_ok);
	assert_int_equal(a.r[3].body_len, 5);

	/* someone else's data is untouched */
	assert_int_equal(privd_repo_subject_get(g_db, "ekeep", &s), PRIVD_OK);
	assert_int_equal(s.status, PRIVD_SUBJECT_ACTIVE);
	assert_string_equal(s.email_bidx, "ebidx2");
	assert_int_equal(s.name_ct.len, 5);
	privd_subject_row_clear(&s);
	assert_int_equal(query_int(g_db, "SELECT COUNT(*) FROM consents WHERE subject_id = ?", "ekeep", NULL), 1);
	assert_int_equal(privd_repo_request_get(g_db, "kreq", &r), PRIVD_OK);
	assert_int_equal(r.details_ct.len, 8);
	assert_int_equal(r.reason_ct.len, 7);
	privd_request_row_clear(&r);
	assert_int_equal(privd_repo_document_get(g_db, "kreq", &b), PRIVD_OK);
	privd_blob_clear(&b);
	assert_int_equal(query_int(g_db,
	                           "SELECT COUNT(*) FROM notifications WHERE subject_id = ? AND"
	                           " recipient_ct IS NOT NULL",
	                           "ekeep", NULL),
	                 1);

	/* erasing a tombstone again is harmless */
	assert_int_equal(privd_repo_subject_erase(g_db, "esub", 9500), PRIVD_OK);
}

struct ids {
	int n;
	char id[8][33];
};

static int collect_id(void *arg, const char *subject_id)
{
	struct ids *a = arg;

	if (a->n < 8)
		snprintf(a->id[a->n], 33, "%s", subject_id);
	a->n++;
	return 0;
}

static int stop_id(void *arg, const char *subject_id)
{
	(void)subject_id;
	(*(int *)arg)++;
	return 1;
}

static void test_schedule(void **state)
{
	struct privd_subject_sched s;
	struct privd_subject_row r;
	struct ids a = {0};
	uint8_t sealed[] = {0x01, 0x02, 0x00, 0x7f};
	const struct privd_blob ct = {sealed, sizeof(sealed)};
	char reason[300];
	int calls = 0;

	(void)state;
	assert_int_equal(privd_db_exec(g_db, "UPDATE subjects SET erase_after = NULL", NULL), PRIVD_OK);
	subject_init(&r, "ssub1", "", "");
	assert_int_equal(privd_repo_subject_insert(g_db, &r, NULL), PRIVD_OK);
	subject_init(&r, "ssub2", "", "");
	assert_int_equal(privd_repo_subject_insert(g_db, &r, NULL), PRIVD_OK);
	subject_init(&r, "ssub3", "", "");
	assert_int_equal(privd_repo_subject_insert(g_db, &r, NULL), PRIVD_OK);
	subject_init(&r, "ssub4", "", "");
	assert_int_equal(privd_repo_subject_insert(g_db, &r, NULL), PRIVD_OK);

	assert_int_equal(privd_repo_subject_schedule_erasure(g_db, "ssub1", 2000), PRIVD_OK);
	assert_int_equal(privd_repo_subject_schedule_erasure(g_db, "ssub2", 1000), PRIVD_OK);
	assert_int_equal(privd_repo_subject_schedule_erasure(g_db, "ssub3", 5000), PRIVD_OK);
	assert_int_equal(privd_repo_subject_schedule_erasure(g_db, "ssub4", 1500), PRIVD_OK);
	assert_int_equal(privd_repo_subject_schedule_erasure(g_db, "nobody", 1500), PRIVD_ERR_NOT_FOUND);
	assert_int_equal(privd_repo_subject_sched_get(g_db, "ssub1", &s), PRIVD_OK);
	assert_int_equal(s.erase_after, 2000);
	assert_false(s.legal_hold);
	assert_int_equal(privd_repo_subject_sched_get(g_db, "nobody", &s), PRIVD_ERR_NOT_FOUND);

	/* due: erase_after <= now, oldest first */
	assert_int_equal(privd_repo_subject_due_erasures(g_db, 999, 0, collect_id, &a), PRIVD_OK);
	assert_int_equal(a.n, 0);
	assert_int_equal(privd_repo_subject_due_erasures(g_db, 2000, 0, collect_id, &a), PRIVD_OK);
	assert_int_equal(a.n, 3);
	assert_string_equal(a.id[0], "ssub2");
	assert_string_equal(a.id[1], "ssub4");
	assert_string_equal(a.id[2], "ssub1");
	memset(&a, 0, sizeof(a));
	assert_int_equal(privd_repo_subject_due_erasures(g_db, 9000, 2, collect_id, &a), PRIVD_OK);
	assert_int_equal(a.n, 2);
	assert_int_equal(privd_repo_subject_due_erasures(g_db, 9000, 0, stop_id, &calls), PRIVD_OK);
	assert_int_equal(calls, 1);

	/* a legal hold keeps a subject out; its reason is stored sealed, never in plain text */
	assert_int_equal(privd_repo_subject_legal_hold(g_db, "ssub4", true, &ct, 3000), PRIVD_OK);
	assert_int_equal(privd_repo_subject_legal_hold(g_db, "nobody", true, &ct, 3000), PRIVD_ERR_NOT_FOUND);
	assert_int_equal(privd_repo_subject_sched_get(g_db, "ssub4", &s), PRIVD_OK);
	assert_true(s.legal_hold);
	assert_int_equal(s.erase_after, 1500);
	assert_int_equal(
	    query_int(g_db, "SELECT length(legal_hold_reason_ct) FROM subjects WHERE subject_id = ?", "ssub4", NULL),
	    sizeof(sealed));
	assert_int_equal(
	    query_int(g_db, "SELECT COUNT(*) FROM subjects WHERE legal_hold_reason IS NOT NULL", NULL, NULL), 0);
	assert_int_equal(privd_repo_subject_get(g_db, "ssub4", &r), PRIVD_OK);
	assert_int_equal(r.updated_at, 3000);
	privd_subject_row_clear(&r);
	memset(&a, 0, sizeof(a));
	assert_int_equal(privd_repo_subject_due_erasures(g_db, 9000, 0, collect_id, &a), PRIVD_OK);
	assert_int_equal(a.n, 3);
	assert_string_equal(a.id[0], "ssub2");
	assert_string_equal(a.id[1], "ssub1");
	assert_string_equal(a.id[2], "ssub3");
	/* a reason stored in plain text before migration 11: listed, read (cut to the buffer), sealed in its place */
	memset(reason, 'r', sizeof(reason) - 1);
	reason[sizeof(reason) - 1] = '\0';
	assert_int_equal(privd_db_exec(g_db,
	                               "UPDATE subjects SET legal_hold = 1, legal_hold_reason = 'court case 12/2025',"
	                               " updated_at = 3100 WHERE subject_id = 'ssub3'",
	                               NULL),
	                 PRIVD_OK);
	memset(&a, 0, sizeof(a));
	assert_int_equal(privd_repo_subject_plain_hold_reasons(g_db, 3000, 10, collect_id, &a), PRIVD_OK);
	assert_int_equal(a.n, 0);
	assert_int_equal(privd_repo_subject_plain_hold_reasons(g_db, 3100, 10, collect_id, &a), PRIVD_OK);
	assert_int_equal(a.n, 1);
	assert_string_equal(a.id[0], "ssub3");
	assert_int_equal(privd_repo_subject_plain_hold_reason(g_db, "ssub3", reason, 6), PRIVD_OK);
	assert_string_equal(reason, "court");
	assert_int_equal(privd_repo_subject_plain_hold_reason(g_db, "ssub4", reason, sizeof(reason)),
	                 PRIVD_ERR_NOT_FOUND);
	assert_int_equal(privd_repo_subject_hold_reason_seal(g_db, "ssub3", &ct), PRIVD_OK);
	assert_int_equal(privd_repo_subject_hold_reason_seal(g_db, "ssub3", &ct), PRIVD_ERR_NOT_FOUND);
	memset(&a, 0, sizeof(a));
	assert_int_equal(privd_repo_subject_plain_hold_reasons(g_db, 9000, 10, collect_id, &a), PRIVD_OK);
	assert_int_equal(a.n, 0);
	/* lifting the hold clears its reason and brings the subject back */
	assert_int_equal(privd_repo_subject_legal_hold(g_db, "ssub4", false, &ct, 3200), PRIVD_OK);
	assert_int_equal(privd_repo_subject_legal_hold(g_db, "ssub3", false, NULL, 3200), PRIVD_OK);
	assert_int_equal(privd_repo_subject_sched_get(g_db, "ssub4", &s), PRIVD_OK);
	assert_false(s.legal_hold);
	assert_int_equal(
	    query_int(g_db, "SELECT COUNT(*) FROM subjects WHERE legal_hold_reason_ct IS NOT NULL", NULL, NULL), 0);
	/* clearing a schedule */
	assert_int_equal(privd_repo_subject_schedule_erasure(g_db, "ssub2", 0), PRIVD_OK);
	assert_int_equal(privd_repo_subject_sched_get(g_db, "ssub2", &s), PRIVD_OK);
	assert_int_equal(s.erase_after, 0);
	memset(&a, 0, sizeof(a));
	assert_int_equal(privd_repo_subject_due_erasures(g_db, 9000, 0, collect_id, &a), PRIVD_OK);
	assert_int_equal(a.n, 3);
	assert_string_equal(a.id[0], "ssub4");
	assert_string_equal(a.id[1], "ssub1");
	assert_string_equal(a.id[2], "ssub3");
	/* erasure clears the schedule: an erased subject is never due again */
	assert_int_equal(privd_repo_subject_erase(g_db, "ssub4", 9000), PRIVD_OK);
	memset(&a, 0, sizeof(a));
	assert_int_equal(privd_repo_subject_due_erasures(g_db, 9000, 0, collect_id, &a), PRIVD_OK);
	assert_int_equal(a.n, 2);
	assert_string_equal(a.id[0], "ssub1");
}

/* PostgreSQL: two nodes picking due erasures at once never get the same subject. */
static void test_due_erasures_skip_locked(void **state)
{
	struct privd_db *other = NULL;
	struct ids a = {0}, b = {0};

	(void)state;
	if (!is_pg()) {
		skip();
		return;
	}
	other = open_db(PRIVD_DB_DATA);
	assert_non_null(other);
	assert_int_equal(privd_db_begin(g_db), PRIVD_OK);
	assert_int_equal(privd_repo_subject_due_erasures(g_db, 9000, 1, collect_id, &a), PRIVD_OK);
	assert_int_equal(privd_db_begin(other), PRIVD_OK);
	assert_int_equal(privd_repo_subject_due_erasures(other, 9000, 0, collect_id, &b), PRIVD_OK);
	assert_int_equal(a.n, 1);
	assert_int_equal(b.n, 1);
	assert_string_not_equal(a.id[0], b.id[0]);
	assert_int_equal(privd_db_rollback(other), PRIVD_OK);
	assert_int_equal(privd_db_rollback(g_db), PRIVD_OK);
	privd_db_close(other);
}

/* SQLite: the scheduler's due-erasure query (every second) searches migration 18's partial index instead of reading
 * the whole subjects table. */
static void test_due_erasures_use_index(void **state)
{
	struct privd_stmt *st = NULL;
	bool indexed = false;
	int r;

	(void)state;
	if (is_pg()) {
		skip();
		return;
	}
	assert_int_equal(
	    privd_db_prepare(g_db,
	                     "EXPLAIN QUERY PLAN SELECT subject_id FROM subjects WHERE erase_after IS NOT NULL"
	                     " AND erase_after <= 9000 AND legal_hold = 0 ORDER BY erase_after, subject_id"
	                     " LIMIT 10",
	                     &st),
	    PRIVD_OK);
	while ((r = privd_stmt_step(st)) == PRIVD_DB_ROW) {
		const char *detail = privd_stmt_col_text(st, 3);

		assert_null(strstr(detail, "SCAN subjects"));
		indexed = indexed || strstr(detail, "subjects_erase_due") != NULL;
	}
	assert_int_equal(r, PRIVD_DB_DONE);
	privd_stmt_finalize(st);
	assert_true(indexed);
}

/* Consent to processing revoked and granted again: the status left is kept and returned to, the schedule set and
 * cleared, an erased subject neither revoked nor restored. */
static void test_revoke_restore(void **state)
{
	struct privd_subject_row r;
	struct privd_subject_sched s;
	enum privd_subject_status st = PRIVD_SUBJECT_ERASED;

	(void)state;
	subject_init(&r, "rsub1", "", "");
	assert_int_equal(privd_repo_subject_insert(g_db, &r, NULL), PRIVD_OK);
	subject_init(&r, "rsub2", "", "");
	r.status = PRIVD_SUBJECT_PENDING_GUARDIAN;
	assert_int_equal(privd_repo_subject_insert(g_db, &r, NULL), PRIVD_OK);

	assert_int_equal(privd_repo_subject_revoke(g_db, "rsub1", 7000, 2000), PRIVD_OK);
	assert_int_equal(privd_repo_subject_status(g_db, "rsub1", &st), PRIVD_OK);
	assert_int_equal(st, PRIVD_SUBJECT_REVOKED);
	expect_text("SELECT revoked_from FROM subjects WHERE subject_id = ?", "rsub1", "active");
	assert_int_equal(privd_repo_subject_get(g_db, "rsub1", &r), PRIVD_OK);
	assert_int_equal(r.erase_after, 7000);
	assert_int_equal(r.updated_at, 2000);
	privd_subject_row_clear(&r);
	/* revoked again: still revoked, still returning to active, the new schedule written */
	assert_int_equal(privd_repo_subject_revoke(g_db, "rsub1", 6000, 2100), PRIVD_OK);
	expect_text("SELECT revoked_from FROM subjects WHERE subject_id = ?", "rsub1", "active");
	assert_int_equal(privd_repo_subject_sched_get(g_db, "rsub1", &s), PRIVD_OK);
	assert_int_equal(s.erase_after, 6000);
	assert_int_equal(privd_repo_subject_restore(g_db, "rsub1", 2200, &st), PRIVD_OK);
	assert_int_equal(st, PRIVD_SUBJECT_ACTIVE);
	assert_int_equal(privd_repo_subject_sched_get(g_db, "rsub1", &s), PRIVD_OK);
	assert_int_equal(s.erase_after, 0);
	assert_int_equal(privd_repo_subject_restore(g_db, "rsub1", 2300, &st), PRIVD_ERR_NOT_FOUND); /* not revoked */

	/* a minor awaiting a guardian returns to awaiting one */
	assert_int_equal(privd_repo_subject_revoke(g_db, "rsub2", 8000, 2000), PRIVD_OK);
	assert_int_equal(privd_repo_subject_restore(g_db, "rsub2", 2400, &st), PRIVD_OK);
	assert_int_equal(st, PRIVD_SUBJECT_PENDING_GUARDIAN);

	/* an erased subject: nothing */
	assert_int_equal(privd_repo_subject_revoke(g_db, "rsub2", 8000, 2500), PRIVD_OK);
	assert_int_equal(privd_repo_subject_erase(g_db, "rsub2", 2600), PRIVD_OK);
	assert_int_equal(privd_repo_subject_revoke(g_db, "rsub2", 8000, 2700), PRIVD_ERR_NOT_FOUND);
	assert_int_equal(privd_repo_subject_restore(g_db, "rsub2", 2700, &st), PRIVD_ERR_NOT_FOUND);
	assert_int_equal(query_int(g_db,
	                           "SELECT COUNT(*) FROM subjects WHERE subject_id = ? AND revoked_from IS NULL"
	                           " AND erase_after IS NULL",
	                           "rsub2", NULL),
	                 1);
	assert_int_equal(privd_repo_subject_revoke(g_db, "nobody", 8000, 2700), PRIVD_ERR_NOT_FOUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_migrate_idempotent),
	    cmocka_unit_test(test_request_roundtrip),
	    cmocka_unit_test(test_request_list),
	    cmocka_unit_test(test_documents),
	    cmocka_unit_test(test_notifications),
	    cmocka_unit_test(test_states_stored_as_names),
	    cmocka_unit_test(test_unknown_state_is_an_error),
	    cmocka_unit_test(test_erase),
	    cmocka_unit_test(test_schedule),
	    cmocka_unit_test(test_due_erasures_skip_locked),
	    cmocka_unit_test(test_due_erasures_use_index),
	    cmocka_unit_test(test_revoke_restore),
	};
	STORE_RUN_BOTH_MIGRATED(tests);
}
