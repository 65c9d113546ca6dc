/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_evidence.c - the repositories of migration 6 on both engines: the categories an erasure is about to take,
 * destruction records (round trip, list, paging, filter, a stored name privd does not know), and the purge of what
 * an erasure left once the evidence period is over (only tombstones older than the cutoff; every row they left;
 * the audit log untouched).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "store/repo.h"
#include "store_test.h"

static int64_t count(const char *sql, const char *id)
{
	struct privd_stmt *st = NULL;
	int64_t v;

	assert_int_equal(privd_db_prepare(g_db, sql, &st), PRIVD_OK);
	if (id != NULL)
		assert_int_equal(privd_stmt_bind_text(st, 1, id), PRIVD_OK);
	assert_int_equal(privd_stmt_step(st), PRIVD_DB_ROW);
	v = privd_stmt_col_int64(st, 0);
	privd_stmt_finalize(st);
	return v;
}

static void blob_set(struct privd_blob *b, const char *s)
{
	b->len = strlen(s);
	b->data = malloc(b->len);
	assert_non_null(b->data);
	memcpy(b->data, s, b->len);
}

/* A subject with name and e-mail sealed (no phone, IP or birth date), created at t. */
static void subject_insert(const char *id, const char *bidx, int64_t t)
{
	struct privd_subject_row r;

	memset(&r, 0, sizeof(r));
	snprintf(r.id, sizeof(r.id), "%s", id);
	r.status = PRIVD_SUBJECT_ACTIVE;
	snprintf(r.residence_country, sizeof(r.residence_country), "RU");
	snprintf(r.email_bidx, sizeof(r.email_bidx), "%s", bidx);
	snprintf(r.policy_version, sizeof(r.policy_version), "1");
	blob_set(&r.name_ct, "\x01"
	                     "name");
	blob_set(&r.email_ct, "\x01"
	                      "mail");
	r.created_at = t;
	r.updated_at = t;
	assert_int_equal(privd_repo_subject_insert(g_db, &r, NULL), PRIVD_OK);
	privd_subject_row_clear(&r);
}

static void request_insert(const char *id, const char *subject, bool details, int64_t t)
{
	struct privd_request_row q;

	memset(&q, 0, sizeof(q));
	snprintf(q.id, sizeof(q.id), "%s", id);
	snprintf(q.subject_id, sizeof(q.subject_id), "%s", subject);
	q.type = PRIVD_REQUEST_TYPE_ERASE;
	q.status = PRIVD_REQUEST_STATUS_COMPLETED;
	if (details)
		blob_set(&q.details_ct, "\x01"
		                        "details");
	q.created_at = t;
	q.updated_at = t;
	assert_int_equal(privd_repo_request_insert(g_db, &q), PRIVD_OK);
	privd_request_row_clear(&q);
}

static void notification_insert(const char *id, const char *subject, int64_t t)
{
	struct privd_notification_row n;

	memset(&n, 0, sizeof(n));
	snprintf(n.id, sizeof(n.id), "%s", id);
	snprintf(n.subject_id, sizeof(n.subject_id), "%s", subject);
	n.kind = PRIVD_NOTICE_REQUEST_RECEIVED;
	snprintf(n.channel, sizeof(n.channel), "email");
	n.status = PRIVD_NOTICE_SENT;
	blob_set(&n.recipient_ct, "\x01"
	                          "rcpt");
	n.created_at = t;
	assert_int_equal(privd_repo_notification_insert(g_db, &n), PRIVD_OK);
	privd_notification_row_clear(&n);
}

static void record_init(struct privd_destruction_row *d, const char *id, const char *subject, int64_t at)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->id, sizeof(d->id), "%s", id);
	snprintf(d->subject_id, sizeof(d->subject_id), "%s", subject);
	d->reason = PRIVD_DESTRUCTION_CONSENT_REVOKED;
	d->categories = PRIVD_DESTROYED_NAME | PRIVD_DESTROYED_EMAIL;
	snprintf(d->method, sizeof(d->method), "%s", PRIVD_DESTRUCTION_METHOD);
	snprintf(d->operator_name, sizeof(d->operator_name), "ООО «Оператор»");
	snprintf(d->operator_address, sizeof(d->operator_address), "Москва");
	snprintf(d->information_system, sizeof(d->information_system), "privd");
	snprintf(d->actor, sizeof(d->actor), "system");
	d->destroyed_at = at;
	d->audit_seq = 42;
	snprintf(d->audit_hash, sizeof(d->audit_hash), "%064d", 7);
}

static void test_holdings(void **state)
{
	unsigned c = 99;

	(void)state;
	assert_int_equal(privd_repo_subject_holdings(g_db, "nobody", &c), PRIVD_ERR_NOT_FOUND);
	subject_insert("hold1", "hb1", 1000);
	assert_int_equal(privd_repo_subject_holdings(g_db, "hold1", &c), PRIVD_OK);
	assert_int_equal(c, PRIVD_DESTROYED_NAME | PRIVD_DESTROYED_EMAIL | PRIVD_DESTROYED_RESIDENCE_COUNTRY);
	request_insert("hreq1", "hold1", false, 1000);
	notification_insert("hn1", "hold1", 1000);
	assert_int_equal(privd_repo_document_put(g_db, "hreq1", "hold1",
	                                         (const uint8_t *)"\x01"
	                                                          "scan",
	                                         5, 1000),
	                 PRIVD_OK);
	assert_int_equal(privd_repo_subject_holdings(g_db, "hold1", &c), PRIVD_OK);
	assert_int_equal(c, PRIVD_DESTROYED_NAME | PRIVD_DESTROYED_EMAIL | PRIVD_DESTROYED_RESIDENCE_COUNTRY |
	                        PRIVD_DESTROYED_REQUEST_DOCUMENTS | PRIVD_DESTROYED_NOTIFICATIONS);
	request_insert("hreq2", "hold1", true, 1001);
	assert_int_equal(privd_repo_subject_holdings(g_db, "hold1", &c), PRIVD_OK);
	assert_true(c & PRIVD_DESTROYED_REQUEST_DETAILS);
	/* after the erasure nothing is held: the tombstone keeps no category */
	assert_int_equal(privd_repo_subject_erase(g_db, "hold1", 20000), PRIVD_OK);
	assert_int_equal(privd_repo_subject_holdings(g_db, "hold1", &c), PRIVD_OK);
	assert_int_equal(c, 0);
}

static int collect_record(void *arg, const struct privd_destruction_row *row)
{
	char(*ids)[33] = arg;

	for (int i = 0; i < 8; i++) {
		if (ids[i][0] == '\0') {
			memcpy(ids[i], row->id, 33);
			return 0;
		}
	}
	return 1;
}

static void test_records(void **state)
{
	struct privd_destruction_row d, back;
	struct privd_destruction_filter f = {0};
	char ids[8][33];

	(void)state;
	record_init(&d, "rec1", "subj-a", 5000);
	snprintf(d.request_id, sizeof(d.request_id), "req-a");
	d.reason = PRIVD_DESTRUCTION_ERASE_REQUEST;
	snprintf(d.actor, sizeof(d.actor), "apikey:0123");
	assert_int_equal(privd_repo_destruction_insert(g_db, &d), PRIVD_OK);
	assert_int_equal(privd_repo_destruction_insert(g_db, &d), PRIVD_ERR_CONFLICT); /* the id is unique */
	record_init(&d, "rec2", "subj-b", 6000);
	assert_int_equal(privd_repo_destruction_insert(g_db, &d), PRIVD_OK);
	record_init(&d, "rec3", "subj-a", 7000);
	d.categories = 0;
	assert_int_equal(privd_repo_destruction_insert(g_db, &d), PRIVD_OK);

	assert_int_equal(privd_repo_destruction_get(g_db, "rec1", &back), PRIVD_OK);
	assert_string_equal(back.subject_id, "subj-a");
	assert_string_equal(back.request_id, "req-a");
	assert_int_equal(back.reason, PRIVD_DESTRUCTION_ERASE_REQUEST);
	assert_int_equal(back.categories, PRIVD_DESTROYED_NAME | PRIVD_DESTROYED_EMAIL);
	assert_string_equal(back.method, "crypto_shredding");
	assert_string_equal(back.operator_name, "ООО «Оператор»");
	assert_string_equal(back.operator_address, "Москва");
	assert_string_equal(back.information_system, "privd");
	assert_string_equal(back.actor, "apikey:0123");
	assert_int_equal(back.destroyed_at, 5000);
	assert_int_equal(back.audit_seq, 42);
	assert_int_equal(strlen(back.audit_hash), 64);
	assert_true(back.seq > 0);
	assert_int_equal(privd_repo_destruction_get(g_db, "rec2", &back), PRIVD_OK);
	assert_string_equal(back.request_id, "");
	assert_int_equal(privd_repo_destruction_get(g_db, "rec3", &back), PRIVD_OK);
	assert_int_equal(back.categories, 0);
	assert_int_equal(privd_repo_destruction_get(g_db, "nope", &back), PRIVD_ERR_NOT_FOUND);

	memset(ids, 0, sizeof(ids));
	assert_int_equal(privd_repo_destruction_list(g_db, &f, collect_record, ids), PRIVD_OK);
	assert_string_equal(ids[0], "rec1");
	assert_string_equal(ids[1], "rec2");
	assert_string_equal(ids[2], "rec3");
	assert_string_equal(ids[3], "");
	/* paging by seq, and the filter by subject */
	assert_int_equal(privd_repo_destruction_get(g_db, "rec1", &back), PRIVD_OK);
	f.after_seq = back.seq;
	f.limit = 1;
	memset(ids, 0, sizeof(ids));
	assert_int_equal(privd_repo_destruction_list(g_db, &f, collect_record, ids), PRIVD_OK);
	assert_string_equal(ids[0], "rec2");
	assert_string_equal(ids[1], "");
	f.after_seq = 0;
	f.limit = 0;
	f.subject_id = "subj-a";
	memset(ids, 0, sizeof(ids));
	assert_int_equal(privd_repo_destruction_list(g_db, &f, collect_record, ids), PRIVD_OK);
	assert_string_equal(ids[0], "rec1");
	assert_string_equal(ids[1], "rec3");
	assert_string_equal(ids[2], "");
}

/* A stored reason or category privd does not know makes the record unreadable, never a guess. */
static void test_unknown_names(void **state)
{
	struct privd_destruction_row d, back;

	(void)state;
	record_init(&d, "bad1", "subj-c", 5000);
	assert_int_equal(privd_repo_destruction_insert(g_db, &d), PRIVD_OK);
	record_init(&d, "bad2", "subj-c", 5000);
	assert_int_equal(privd_repo_destruction_insert(g_db, &d), PRIVD_OK);
	assert_int_equal(
	    privd_db_exec(g_db, "UPDATE destruction_records SET reason = 'whim' WHERE record_id = 'bad1'", NULL),
	    PRIVD_OK);
	assert_int_equal(
	    privd_db_exec(g_db, "UPDATE destruction_records SET categories = 'name,soul' WHERE record_id = 'bad2'",
	                  NULL),
	    PRIVD_OK);
	assert_int_equal(privd_repo_destruction_get(g_db, "bad1", &back), PRIVD_ERR_DB);
	assert_int_equal(privd_repo_destruction_get(g_db, "bad2", &back), PRIVD_ERR_DB);
	assert_int_equal(privd_db_exec(g_db, "DELETE FROM destruction_records WHERE subject_id = 'subj-c'", NULL),
	                 PRIVD_OK);
}

struct ids {
	char id[8][40];
	int n;
};

static int collect_id(void *arg, const char *id)
{
	struct ids *a = arg;

	if (a->n < 8)
		snprintf(a->id[a->n++], sizeof(a->id[0]), "%s", id);
	return 0;
}

static void test_purge(void **state)
{
	struct privd_destruction_row d;
	struct ids a = {0};
	int64_t n = -1;
	int64_t audit_before;

	(void)state;
	/* old: erased at 2000; young: erased at 9000; alive: never erased (and old) */
	subject_insert("pold", "pb1", 1000);
	request_insert("pold-r", "pold", true, 1000);
	notification_insert("pold-n", "pold", 1000);
	assert_int_equal(privd_repo_subject_erase(g_db, "pold", 2000), PRIVD_OK);
	record_init(&d, "pold-rec", "pold", 2000);
	assert_int_equal(privd_repo_destruction_insert(g_db, &d), PRIVD_OK);
	subject_insert("pyoung", "pb2", 1000);
	request_insert("pyoung-r", "pyoung", false, 1000);
	assert_int_equal(privd_repo_subject_erase(g_db, "pyoung", 9000), PRIVD_OK);
	record_init(&d, "pyoung-rec", "pyoung", 9000);
	assert_int_equal(privd_repo_destruction_insert(g_db, &d), PRIVD_OK);
	subject_insert("palive", "pb3", 1000);
	request_insert("palive-r", "palive", false, 1000);
	audit_before = count("SELECT COUNT(*) FROM audit", NULL);

	assert_int_equal(privd_repo_evidence_due(g_db, 5000, 0, collect_id, &a), PRIVD_OK);
	assert_int_equal(a.n, 1);
	assert_string_equal(a.id[0], "pold");
	memset(&a, 0, sizeof(a));
	assert_int_equal(privd_repo_evidence_due(g_db, 10000, 1, collect_id, &a), PRIVD_OK);
	assert_int_equal(a.n, 1); /* the limit */

	/* not past the cutoff, not erased, or not there: nothing deleted */
	assert_int_equal(privd_repo_evidence_purge(g_db, "pyoung", 5000, &n), PRIVD_ERR_NOT_FOUND);
	assert_int_equal(privd_repo_evidence_purge(g_db, "palive", 5000, &n), PRIVD_ERR_NOT_FOUND);
	assert_int_equal(privd_repo_evidence_purge(g_db, "nobody", 5000, &n), PRIVD_ERR_NOT_FOUND);
	assert_int_equal(count("SELECT COUNT(*) FROM requests WHERE subject_id = ?", "pyoung"), 1);
	assert_int_equal(count("SELECT COUNT(*) FROM requests WHERE subject_id = ?", "palive"), 1);

	assert_int_equal(privd_repo_evidence_purge(g_db, "pold", 5000, &n), PRIVD_OK);
	assert_int_equal(n, 1);
	assert_int_equal(count("SELECT COUNT(*) FROM subjects WHERE subject_id = ?", "pold"), 0);
	assert_int_equal(count("SELECT COUNT(*) FROM requests WHERE subject_id = ?", "pold"), 0);
	assert_int_equal(count("SELECT COUNT(*) FROM notifications WHERE subject_id = ?", "pold"), 0);
	assert_int_equal(count("SELECT COUNT(*) FROM destruction_records WHERE subject_id = ?", "pold"), 0);
	/* twice: the second finds nothing */
	assert_int_equal(privd_repo_evidence_purge(g_db, "pold", 5000, &n), PRIVD_ERR_NOT_FOUND);
	/* the others and the audit log are untouched */
	assert_int_equal(count("SELECT COUNT(*) FROM destruction_records WHERE subject_id = ?", "pyoung"), 1);
	assert_int_equal(count("SELECT COUNT(*) FROM subjects WHERE subject_id = ?", "palive"), 1);
	assert_int_equal(count("SELECT COUNT(*) FROM audit", NULL), audit_before);
	memset(&a, 0, sizeof(a));
	assert_int_equal(privd_repo_evidence_due(g_db, 10000, 0, collect_id, &a), PRIVD_OK);
	assert_int_equal(a.n, 1);
	assert_string_equal(a.id[0], "pyoung");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_holdings),
	    cmocka_unit_test(test_records),
	    cmocka_unit_test(test_unknown_names),
	    cmocka_unit_test(test_purge),
	};
	STORE_RUN_BOTH_MIGRATED(tests);
}
