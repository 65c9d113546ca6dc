/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_bidx.c - SQLite's blind indexes in memory (store/bidx.h). The set alone: entries found by kind and value, a
 * transaction's log seen by its own look-ups only, kept at COMMIT, dropped at ROLLBACK and back to a savepoint at
 * ROLLBACK TO, a hundred thousand entries added and half removed with every one still found or gone, a set grown
 * transaction by transaction with every entry found (or gone) after each while its old table drains. Then through
 * the store on a SQLite data directory: a reader does not see a registration before its COMMIT and never after
 * its ROLLBACK or a ROLLBACK TO its savepoint, and an erasure rolled back to a savepoint leaves the value taken; two
 * registrations in one transaction cannot share an e-mail; an erasure and a correction free their values; the set is
 * built again from the table when the directory is opened afresh, and after a failed COMMIT.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/bidx.h"
#include "store/db.h"
#include "store/db_int.h"
#include "store/repo.h"

/* A blind index as privd writes it: 64 hex digits, from n and a salt. */
static void hex_of(unsigned n, unsigned salt, char out[65])
{
	uint64_t x = (uint64_t)n * UINT64_C(0x9e3779b97f4a7c15) ^ salt;

	for (int i = 0; i < 4; i++) {
		snprintf(out + 16 * i, 17, "%016llx", (unsigned long long)x);
		x = x * UINT64_C(6364136223846793005) + 1442695040888963407u;
	}
}

static size_t find1(struct privd_bidx *b, const struct privd_bidx_log *log, int kind, const char *v, int64_t *rowid)
{
	int64_t out[4];
	size_t n = privd_bidx_find(b, log, kind, v, out, 4);

	*rowid = n > 0 ? out[0] : 0;
	return n;
}

static void test_set_and_kinds(void **state)
{
	struct privd_bidx *b = privd_bidx_new();
	char e[65], p[65];
	int64_t r = 0;

	(void)state;
	hex_of(1, 0, e);
	hex_of(2, 0, p);
	assert_int_equal(privd_bidx_put(b, PRIVD_BIDX_EMAIL, e, 7), PRIVD_OK);
	assert_int_equal(privd_bidx_put(b, PRIVD_BIDX_PHONE, p, 7), PRIVD_OK);
	assert_int_equal(privd_bidx_put(b, PRIVD_BIDX_EMAIL, "", 8), PRIVD_OK); /* no value: nothing */
	assert_int_equal(privd_bidx_put(b, -1, e, 8), PRIVD_ERR_INVALID);
	assert_int_equal(privd_bidx_count(b), 2);
	assert_int_equal(find1(b, NULL, PRIVD_BIDX_EMAIL, e, &r), 1);
	assert_int_equal(r, 7);
	assert_int_equal(find1(b, NULL, PRIVD_BIDX_PHONE, p, &r), 1);
	/* the same value under the other kind is another entry */
	assert_int_equal(find1(b, NULL, PRIVD_BIDX_PHONE, e, &r), 0);
	assert_int_equal(find1(b, NULL, PRIVD_BIDX_EMAIL, "", &r), 0);
	/* text that is not a blind index still works (tests write short ones) */
	assert_int_equal(privd_bidx_put(b, PRIVD_BIDX_EMAIL, "e-0000000000000000000001", 9), PRIVD_OK);
	assert_int_equal(privd_bidx_put(b, PRIVD_BIDX_EMAIL, "e-0000000000000000000002", 10), PRIVD_OK);
	assert_int_equal(find1(b, NULL, PRIVD_BIDX_EMAIL, "e-0000000000000000000002", &r), 1);
	assert_int_equal(r, 10);
	assert_int_equal(privd_bidx_kind("email"), PRIVD_BIDX_EMAIL);
	assert_int_equal(privd_bidx_kind("phone"), PRIVD_BIDX_PHONE);
	assert_int_equal(privd_bidx_kind("name"), -1);
	privd_bidx_free(b);
}

static void test_log(void **state)
{
	struct privd_bidx *b = privd_bidx_new();
	struct privd_bidx_log *log = privd_bidx_log_new();
	char a[65], c[65], d[65];
	int64_t r = 0;

	(void)state;
	hex_of(1, 1, a);
	hex_of(2, 1, c);
	hex_of(3, 1, d);
	assert_int_equal(privd_bidx_put(b, PRIVD_BIDX_EMAIL, a, 1), PRIVD_OK);
	/* a change of the row: a out, c in; seen through the log only */
	assert_int_equal(privd_bidx_log_remove(log, PRIVD_BIDX_EMAIL, a, 1), PRIVD_OK);
	assert_int_equal(privd_bidx_log_add(log, PRIVD_BIDX_EMAIL, c, 1), PRIVD_OK);
	assert_int_equal(find1(b, log, PRIVD_BIDX_EMAIL, a, &r), 0);
	assert_int_equal(find1(b, log, PRIVD_BIDX_EMAIL, c, &r), 1);
	assert_int_equal(find1(b, NULL, PRIVD_BIDX_EMAIL, a, &r), 1);
	assert_int_equal(find1(b, NULL, PRIVD_BIDX_EMAIL, c, &r), 0);
	/* a savepoint: d added after it, then rolled back to it */
	assert_int_equal(privd_bidx_log_savepoint(log, "job"), PRIVD_OK);
	assert_int_equal(privd_bidx_log_add(log, PRIVD_BIDX_EMAIL, d, 2), PRIVD_OK);
	assert_int_equal(find1(b, log, PRIVD_BIDX_EMAIL, d, &r), 1);
	privd_bidx_log_rollback_to(log, "job");
	assert_int_equal(find1(b, log, PRIVD_BIDX_EMAIL, d, &r), 0);
	assert_int_equal(find1(b, log, PRIVD_BIDX_EMAIL, c, &r), 1); /* before the savepoint: kept */
	/* released, then added again and kept */
	assert_int_equal(privd_bidx_log_add(log, PRIVD_BIDX_EMAIL, d, 2), PRIVD_OK);
	privd_bidx_log_release(log, "job");
	privd_bidx_log_rollback_to(log, "job"); /* gone from the stack: nothing */
	assert_int_equal(find1(b, log, PRIVD_BIDX_EMAIL, d, &r), 1);
	/* COMMIT */
	assert_int_equal(privd_bidx_reserve(b, log), PRIVD_OK);
	privd_bidx_log_apply(b, log);
	assert_int_equal(find1(b, NULL, PRIVD_BIDX_EMAIL, a, &r), 0);
	assert_int_equal(find1(b, NULL, PRIVD_BIDX_EMAIL, c, &r), 1);
	assert_int_equal(r, 1);
	assert_int_equal(find1(b, NULL, PRIVD_BIDX_EMAIL, d, &r), 1);
	assert_int_equal(r, 2);
	assert_int_equal(privd_bidx_count(b), 2);
	/* ROLLBACK */
	assert_int_equal(privd_bidx_log_remove(log, PRIVD_BIDX_EMAIL, c, 1), PRIVD_OK);
	privd_bidx_log_clear(log);
	privd_bidx_log_apply(b, log);
	assert_int_equal(find1(b, NULL, PRIVD_BIDX_EMAIL, c, &r), 1);
	privd_bidx_log_free(log);
	privd_bidx_free(b);
}

static void test_many(void **state)
{
	enum { N = 100000 };
	struct privd_bidx *b = privd_bidx_new();
	struct privd_bidx_log *log = privd_bidx_log_new();
	char v[65];
	int64_t r = 0;

	(void)state;
	for (unsigned i = 0; i < N; i++) {
		hex_of(i, 2, v);
		assert_int_equal(privd_bidx_put(b, PRIVD_BIDX_PHONE, v, (int64_t)i + 1), PRIVD_OK);
	}
	/* half removed in one transaction, a tenth added in the next: tombstones, then a table built again */
	for (unsigned i = 0; i < N; i += 2) {
		hex_of(i, 2, v);
		assert_int_equal(privd_bidx_log_remove(log, PRIVD_BIDX_PHONE, v, (int64_t)i + 1), PRIVD_OK);
	}
	assert_int_equal(privd_bidx_reserve(b, log), PRIVD_OK);
	privd_bidx_log_apply(b, log);
	for (unsigned i = N; i < N + N / 10; i++) {
		hex_of(i, 2, v);
		assert_int_equal(privd_bidx_log_add(log, PRIVD_BIDX_PHONE, v, (int64_t)i + 1), PRIVD_OK);
	}
	assert_int_equal(privd_bidx_reserve(b, log), PRIVD_OK);
	privd_bidx_log_apply(b, log);
	assert_int_equal(privd_bidx_count(b), N / 2 + N / 10);
	for (unsigned i = 0; i < N + N / 10; i++) {
		size_t want = i >= N || i % 2 == 1;

		hex_of(i, 2, v);
		assert_int_equal(find1(b, NULL, PRIVD_BIDX_PHONE, v, &r), want);
		if (want)
			assert_int_equal(r, (int64_t)i + 1);
	}
	privd_bidx_log_free(log);
	privd_bidx_free(b);
}

/* A set grown as registrations grow it, a transaction of 64 entries at a time, a few of the one before removed and
 * one of them put again (it may still be in the table being drained): after each transaction every entry is found
 * or gone as it should be, and the count agrees, through every growth and the drain after it. */
static void test_grow(void **state)
{
	enum { TXN = 64, N = 190 * TXN }; /* 12,160 entries: the table grows four times */
	struct privd_bidx *b = privd_bidx_new();
	struct privd_bidx_log *log = privd_bidx_log_new();
	static bool gone[N];
	size_t live = 0;
	char v[65];
	int64_t r = 0;

	(void)state;
	for (unsigned at = 0; at < N; at += TXN) {
		for (unsigned i = at; i < at + TXN; i++) {
			hex_of(i, 3, v);
			assert_int_equal(privd_bidx_log_add(log, PRIVD_BIDX_EMAIL, v, (int64_t)i + 1), PRIVD_OK);
			live++;
		}
		for (unsigned i = at >= TXN ? at - TXN : N; i < at; i += 5) {
			hex_of(i, 3, v);
			assert_int_equal(privd_bidx_log_remove(log, PRIVD_BIDX_EMAIL, v, (int64_t)i + 1), PRIVD_OK);
			gone[i] = true;
			live--;
		}
		assert_int_equal(privd_bidx_reserve(b, log), PRIVD_OK);
		privd_bidx_log_apply(b, log);
		if (at >= TXN) { /* again, with the same rowid: nothing changes */
			hex_of(at - 1, 3, v);
			assert_int_equal(privd_bidx_put(b, PRIVD_BIDX_EMAIL, v, (int64_t)at), PRIVD_OK);
		}
		assert_int_equal(privd_bidx_count(b), live);
		for (unsigned i = 0; i < at + TXN; i++) {
			hex_of(i, 3, v);
			assert_int_equal(find1(b, NULL, PRIVD_BIDX_EMAIL, v, &r), gone[i] ? 0 : 1);
			if (!gone[i])
				assert_int_equal(r, (int64_t)i + 1);
		}
	}
	privd_bidx_log_free(log);
	privd_bidx_free(b);
}

/* ---- through the store, on a SQLite data directory ---- */

static char g_dir[256];
static struct privd_db_target g_t;

static int setup_dir(void **state)
{
	struct privd_db *db = NULL;

	(void)state;
	snprintf(g_dir, sizeof(g_dir), "/tmp/privd-bidx-test-XXXXXX");
	if (mkdtemp(g_dir) == NULL || privd_db_target_parse("sqlite", g_dir, &g_t, NULL) != PRIVD_OK)
		return -1;
	if (privd_db_open(&g_t, PRIVD_DB_DATA, false, &db, NULL) != PRIVD_OK)
		return -1;
	if (privd_repo_migrate(db, PRIVD_DB_DATA, NULL) != PRIVD_OK)
		return -1;
	privd_db_close(db);
	return 0;
}

static int teardown_dir(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
	return system(cmd) == 0 ? 0 : -1;
}

static enum privd_rc add_subject(struct privd_db *db, int n, const char *email, const char *phone, const char **field)
{
	struct privd_subject_row r;

	memset(&r, 0, sizeof(r));
	snprintf(r.id, sizeof(r.id), "%032x", n);
	r.status = PRIVD_SUBJECT_ACTIVE;
	snprintf(r.residence_country, sizeof(r.residence_country), "RU");
	snprintf(r.email_bidx, sizeof(r.email_bidx), "%s", email != NULL ? email : "");
	snprintf(r.phone_bidx, sizeof(r.phone_bidx), "%s", phone != NULL ? phone : "");
	r.created_at = r.updated_at = 1000 + n;
	return privd_repo_subject_insert(db, &r, field);
}

/* Whose e-mail is v, as a reader sees it: the id's number, or -1. */
static int owner(struct privd_db *db, const char *kind, const char *v)
{
	char id[33];

	if (privd_repo_subject_by_bidx(db, kind, v, id) != PRIVD_OK)
		return -1;
	return (int)strtol(id, NULL, 16);
}

static void test_store_transactions(void **state)
{
	struct privd_db *w = NULL, *rd = NULL;
	const char *field = NULL;
	char e1[65], e2[65], e3[65], p1[65];

	(void)state;
	hex_of(1, 3, e1);
	hex_of(2, 3, e2);
	hex_of(3, 3, e3);
	hex_of(4, 3, p1);
	assert_int_equal(privd_db_open(&g_t, PRIVD_DB_DATA, false, &w, NULL), PRIVD_OK);
	assert_int_equal(privd_db_open(&g_t, PRIVD_DB_DATA, true, &rd, NULL), PRIVD_OK);
	assert_true(privd_db_bidx(w));
	assert_true(privd_db_bidx(rd));
	/* a registration is the reader's only once committed; within the transaction its writer sees it */
	assert_int_equal(privd_db_begin(w), PRIVD_OK);
	assert_int_equal(add_subject(w, 1, e1, p1, &field), PRIVD_OK);
	assert_int_equal(owner(w, "email", e1), 1);
	assert_int_equal(owner(rd, "email", e1), -1);
	/* the same e-mail twice in one transaction */
	assert_int_equal(add_subject(w, 2, e1, NULL, &field), PRIVD_ERR_CONFLICT);
	assert_string_equal(field, "email");
	assert_int_equal(add_subject(w, 2, e2, p1, &field), PRIVD_ERR_CONFLICT);
	assert_string_equal(field, "phone");
	/* a job rolled back to its savepoint takes its values with it */
	assert_int_equal(privd_db_savepoint(w, "job"), PRIVD_OK);
	assert_int_equal(add_subject(w, 3, e3, NULL, &field), PRIVD_OK);
	assert_int_equal(owner(w, "email", e3), 3);
	assert_int_equal(privd_db_rollback_to(w, "job"), PRIVD_OK);
	assert_int_equal(privd_db_release(w, "job"), PRIVD_OK);
	assert_int_equal(owner(w, "email", e3), -1);
	/* so does an erasure rolled back: the value stays taken */
	assert_int_equal(privd_db_savepoint(w, "job"), PRIVD_OK);
	assert_int_equal(privd_repo_subject_erase(w, "00000000000000000000000000000001", 4000), PRIVD_OK);
	assert_int_equal(owner(w, "email", e1), -1);
	assert_int_equal(privd_db_rollback_to(w, "job"), PRIVD_OK);
	assert_int_equal(privd_db_release(w, "job"), PRIVD_OK);
	assert_int_equal(privd_db_commit(w), PRIVD_OK);
	assert_int_equal(add_subject(w, 5, e1, NULL, &field), PRIVD_ERR_CONFLICT);
	assert_int_equal(owner(rd, "email", e1), 1);
	assert_int_equal(owner(rd, "phone", p1), 1);
	assert_int_equal(owner(rd, "email", e3), -1);
	/* a transaction rolled back leaves nothing */
	assert_int_equal(privd_db_begin(w), PRIVD_OK);
	assert_int_equal(add_subject(w, 3, e3, NULL, &field), PRIVD_OK);
	assert_int_equal(privd_db_rollback(w), PRIVD_OK);
	assert_int_equal(owner(w, "email", e3), -1);
	assert_int_equal(add_subject(w, 3, e3, NULL, &field), PRIVD_OK); /* no transaction open: one of its own */
	assert_int_equal(owner(rd, "email", e3), 3);
	/* an erasure frees both values for someone else */
	assert_int_equal(privd_repo_subject_erase(w, "00000000000000000000000000000001", 5000), PRIVD_OK);
	assert_int_equal(owner(rd, "email", e1), -1);
	assert_int_equal(owner(rd, "phone", p1), -1);
	assert_int_equal(add_subject(w, 4, e1, p1, &field), PRIVD_OK);
	assert_int_equal(owner(rd, "phone", p1), 4);
	privd_db_close(rd);
	privd_db_close(w);
}

static void test_store_update_and_reload(void **state)
{
	struct privd_db *w = NULL, *rd = NULL;
	struct privd_subject_row row;
	const char *field = NULL;
	char e1[65], e2[65], e3[65];

	(void)state;
	hex_of(1, 4, e1);
	hex_of(2, 4, e2);
	hex_of(3, 4, e3);
	assert_int_equal(privd_db_open(&g_t, PRIVD_DB_DATA, false, &w, NULL), PRIVD_OK);
	assert_int_equal(add_subject(w, 1, e1, NULL, &field), PRIVD_OK);
	assert_int_equal(add_subject(w, 2, e2, NULL, &field), PRIVD_OK);
	/* a correction: taking another's value is a conflict; a new one frees the old */
	assert_int_equal(privd_repo_subject_get(w, "00000000000000000000000000000001", &row), PRIVD_OK);
	snprintf(row.email_bidx, sizeof(row.email_bidx), "%s", e2);
	assert_int_equal(privd_repo_subject_update(w, &row, row.updated_at, &field), PRIVD_ERR_CONFLICT);
	assert_string_equal(field, "email");
	snprintf(row.email_bidx, sizeof(row.email_bidx), "%s", e3);
	row.updated_at++;
	assert_int_equal(privd_repo_subject_update(w, &row, row.updated_at - 1, &field), PRIVD_OK);
	privd_subject_row_clear(&row);
	assert_int_equal(owner(w, "email", e1), -1);
	assert_int_equal(owner(w, "email", e3), 1);
	privd_db_close(w);
	/* every handle closed: the next open builds the set from the table */
	assert_int_equal(privd_db_open(&g_t, PRIVD_DB_DATA, true, &rd, NULL), PRIVD_OK);
	assert_int_equal(privd_bidx_count(rd->bidx), 2);
	assert_int_equal(owner(rd, "email", e3), 1);
	assert_int_equal(owner(rd, "email", e2), 2);
	assert_int_equal(owner(rd, "email", e1), -1);
	/* after a failed COMMIT the next transaction begins with the set built again */
	assert_int_equal(privd_db_open(&g_t, PRIVD_DB_DATA, false, &w, NULL), PRIVD_OK);
	assert_int_equal(privd_bidx_put(w->bidx, PRIVD_BIDX_EMAIL, e1, 99), PRIVD_OK); /* not the table's */
	privd_bidx_mark_stale(w->bidx);
	assert_int_equal(privd_db_begin(w), PRIVD_OK);
	assert_int_equal(privd_db_rollback(w), PRIVD_OK);
	assert_false(privd_bidx_stale(w->bidx));
	assert_int_equal(privd_bidx_count(w->bidx), 2);
	assert_int_equal(owner(rd, "email", e1), -1);
	privd_db_close(w);
	privd_db_close(rd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_set_and_kinds),
	    cmocka_unit_test(test_log),
	    cmocka_unit_test(test_many),
	    cmocka_unit_test(test_grow),
	    cmocka_unit_test_setup_teardown(test_store_transactions, setup_dir, teardown_dir),
	    cmocka_unit_test_setup_teardown(test_store_update_and_reload, setup_dir, teardown_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
