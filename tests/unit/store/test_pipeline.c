/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_pipeline.c - the pipelined transaction of db.h (privd_db_begin_pipelined, privd_stmt_run, privd_stmt_expect,
 * privd_db_sync), run identically on SQLite (where it is a plain transaction and every answer comes at once) and
 * PostgreSQL (where the statements are only sent and their failures come at the sync): what commits, what a read in
 * the middle sees, and that every kind of failure reaches the caller by the sync at the latest, nothing having
 * committed. And a listener that leaves aside its own process's notifications. The tests run in order on one table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "store_test.h"

static struct privd_db *g_pdb;

static int setup_table(void **state)
{
	g_pdb = open_db(PRIVD_DB_DATA);
	(void)state;
	if (g_pdb == NULL)
		return -1;
	return privd_db_exec(g_pdb,
	                     "CREATE TABLE IF NOT EXISTS pt(seq AUTOINCREMENT_PK, k TEXT UNIQUE, v TEXT);"
	                     "DELETE FROM pt",
	                     NULL) == PRIVD_OK
	           ? 0
	           : -1;
}

static int open_only(void **state)
{
	(void)state;
	g_pdb = open_db(PRIVD_DB_DATA);
	return g_pdb != NULL ? 0 : -1;
}

static int teardown_table(void **state)
{
	(void)state;
	privd_db_close(g_pdb);
	g_pdb = NULL;
	return 0;
}

/* INSERT of (k, v) by privd_stmt_run; *seq (when not NULL) gets the row's seq through RETURNING. */
static enum privd_rc put(const char *k, const char *v, int64_t *seq)
{
	struct privd_stmt *st = NULL;
	enum privd_rc rc = privd_db_prepare(g_pdb,
	                                    seq != NULL ? "INSERT INTO pt(k, v) VALUES (?, ?) RETURNING seq"
	                                                : "INSERT INTO pt(k, v) VALUES (?, ?)",
	                                    &st);

	if (rc == PRIVD_OK)
		rc = privd_stmt_bind_text(st, 1, k);
	if (rc == PRIVD_OK)
		rc = privd_stmt_bind_text(st, 2, v);
	if (rc == PRIVD_OK)
		rc = privd_stmt_run(st, false, seq);
	privd_stmt_finalize(st);
	return rc;
}

/* What v the row k holds, read with a step (in a pipeline: at once, after everything sent before it). */
static enum privd_rc get(const char *k, char *v, size_t size)
{
	struct privd_stmt *st = NULL;
	enum privd_rc rc = privd_db_prepare(g_pdb, "SELECT v FROM pt WHERE k = ?", &st);
	int r;

	v[0] = '\0';
	if (rc == PRIVD_OK)
		rc = privd_stmt_bind_text(st, 1, k);
	if (rc == PRIVD_OK) {
		r = privd_stmt_step(st);
		rc = r == PRIVD_DB_ROW ? PRIVD_OK : r == PRIVD_DB_DONE ? PRIVD_ERR_NOT_FOUND : (enum privd_rc)r;
	}
	if (rc == PRIVD_OK)
		snprintf(v, size, "%s", privd_stmt_col_text(st, 0));
	privd_stmt_finalize(st);
	return rc;
}

static enum privd_rc expect_v(const char *k, const char *v)
{
	struct privd_stmt *st = NULL;
	enum privd_rc rc = privd_db_prepare(g_pdb, "SELECT v FROM pt WHERE k = ?", &st);

	if (rc == PRIVD_OK)
		rc = privd_stmt_bind_text(st, 1, k);
	if (rc == PRIVD_OK)
		rc = privd_stmt_expect(st, v);
	privd_stmt_finalize(st);
	return rc;
}

static enum privd_rc touch(const char *k)
{
	struct privd_stmt *st = NULL;
	enum privd_rc rc = privd_db_prepare(g_pdb, "UPDATE pt SET v = 'touched' WHERE k = ?", &st);

	if (rc == PRIVD_OK)
		rc = privd_stmt_bind_text(st, 1, k);
	if (rc == PRIVD_OK)
		rc = privd_stmt_run(st, true, NULL);
	privd_stmt_finalize(st);
	return rc;
}

static int64_t count_rows(void)
{
	struct privd_stmt *st = NULL;
	int64_t n = -1;

	if (privd_db_prepare(g_pdb, "SELECT COUNT(*) FROM pt", &st) == PRIVD_OK && privd_stmt_step(st) == PRIVD_DB_ROW)
		n = privd_stmt_col_int64(st, 0);
	privd_stmt_finalize(st);
	return n;
}

static void test_pipeline_commits(void **state)
{
	int64_t s1 = 0, s2 = 0;
	char v[32];

	(void)state;
	assert_int_equal(privd_db_begin_pipelined(g_pdb), PRIVD_OK);
	assert_int_equal(privd_db_pipelined(g_pdb), is_pg());
	assert_int_equal(put("a", "1", &s1), PRIVD_OK);
	assert_int_equal(put("b", "2", NULL), PRIVD_OK);
	/* a read in the middle sees what was sent before it, and the pipeline goes on */
	assert_int_equal(get("a", v, sizeof(v)), PRIVD_OK);
	assert_string_equal(v, "1");
	assert_int_equal(expect_v("b", "2"), PRIVD_OK);
	assert_int_equal(put("c", "3", &s2), PRIVD_OK);
	assert_int_equal(touch("c"), PRIVD_OK);
	assert_int_equal(privd_db_sync(g_pdb), PRIVD_OK);
	assert_false(privd_db_pipelined(g_pdb));
	/* the RETURNING values arrived by the sync */
	assert_true(s1 > 0);
	assert_true(s2 > s1);
	assert_int_equal(privd_db_commit(g_pdb), PRIVD_OK);
	assert_int_equal(count_rows(), 3);
	assert_int_equal(get("c", v, sizeof(v)), PRIVD_OK);
	assert_string_equal(v, "touched");
	/* outside a pipeline the sync is nothing, and run and expect answer at once */
	assert_int_equal(privd_db_sync(g_pdb), PRIVD_OK);
	assert_int_equal(expect_v("a", "1"), PRIVD_OK);
	assert_int_equal(expect_v("a", "9"), PRIVD_ERR_CONFLICT);
	assert_int_equal(expect_v("zz", "1"), PRIVD_ERR_NOT_FOUND);
	assert_int_equal(touch("zz"), PRIVD_ERR_NOT_FOUND);
}

/* Runs bad() inside a pipelined transaction after one good insert: the failure is the caller's by the sync (at
 * once on SQLite), the sync answers want, and after the rollback nothing of it is there. */
static void fails_by_sync(enum privd_rc (*bad)(void), enum privd_rc want)
{
	enum privd_rc rc;
	char v[32];

	assert_int_equal(privd_db_begin_pipelined(g_pdb), PRIVD_OK);
	assert_int_equal(put("fresh", "x", NULL), PRIVD_OK);
	rc = bad();
	if (is_pg()) {
		assert_int_equal(rc, PRIVD_OK); /* only sent */
		/* a read after the failure fails too, whatever it reads */
		assert_int_equal(get("a", v, sizeof(v)), PRIVD_ERR_DB);
		assert_int_equal(privd_db_sync(g_pdb), want);
	} else {
		assert_int_equal(rc, want);
		assert_int_equal(privd_db_sync(g_pdb), PRIVD_OK);
	}
	assert_int_equal(privd_db_rollback(g_pdb), PRIVD_OK);
	assert_int_equal(get("fresh", v, sizeof(v)), PRIVD_ERR_NOT_FOUND);
	assert_int_equal(count_rows(), 3);
}

static enum privd_rc dup_key(void)
{
	return put("a", "again", NULL);
}

static enum privd_rc wrong_guess(void)
{
	return expect_v("b", "not 2");
}

static enum privd_rc no_row_changed(void)
{
	return touch("nobody");
}

static void test_pipeline_failures(void **state)
{
	(void)state;
	fails_by_sync(dup_key, PRIVD_ERR_CONFLICT);
	assert_string_not_equal(privd_db_conflict(g_pdb), "");
	fails_by_sync(wrong_guess, PRIVD_ERR_CONFLICT);
	fails_by_sync(no_row_changed, PRIVD_ERR_NOT_FOUND);
	/* the connection serves on, pipelined or not */
	assert_int_equal(privd_db_begin_pipelined(g_pdb), PRIVD_OK);
	assert_int_equal(put("d", "4", NULL), PRIVD_OK);
	assert_int_equal(privd_db_sync(g_pdb), PRIVD_OK);
	assert_int_equal(privd_db_commit(g_pdb), PRIVD_OK);
	assert_int_equal(count_rows(), 4);
}

/* A rollback in the middle of a pipeline takes what was sent with it. */
static void test_pipeline_rollback(void **state)
{
	char v[32];

	(void)state;
	assert_int_equal(privd_db_begin_pipelined(g_pdb), PRIVD_OK);
	assert_int_equal(put("e", "5", NULL), PRIVD_OK);
	assert_int_equal(privd_db_rollback(g_pdb), PRIVD_OK);
	assert_false(privd_db_pipelined(g_pdb));
	assert_int_equal(get("e", v, sizeof(v)), PRIVD_ERR_NOT_FOUND);
	/* and a statement first prepared inside a pipeline that was rolled back still runs later */
	assert_int_equal(privd_db_begin_pipelined(g_pdb), PRIVD_OK);
	assert_int_equal(expect_v("a", "wrong"), is_pg() ? PRIVD_OK : PRIVD_ERR_CONFLICT);
	assert_int_equal(privd_db_rollback(g_pdb), PRIVD_OK);
	assert_int_equal(expect_v("a", "1"), PRIVD_OK);
}

/* INSERT of (k, v) with the columns the other way round: another statement, held beside put's. */
static enum privd_rc put_vk(const char *k, const char *v)
{
	struct privd_stmt *st = NULL;
	enum privd_rc rc = privd_db_prepare(g_pdb, "INSERT INTO pt(v, k) VALUES (?, ?)", &st);

	if (rc == PRIVD_OK)
		rc = privd_stmt_bind_text(st, 1, v);
	if (rc == PRIVD_OK)
		rc = privd_stmt_bind_text(st, 2, k);
	if (rc == PRIVD_OK)
		rc = privd_stmt_run(st, false, NULL);
	privd_stmt_finalize(st);
	return rc;
}

/* How many statements of many tuples of pt's insert the connection has prepared (PostgreSQL). */
static int64_t merged_prepared(void)
{
	struct privd_stmt *st = NULL;
	int64_t n = -1;

	if (privd_db_prepare(g_pdb,
	                     "SELECT COUNT(*) FROM pg_prepared_statements"
	                     " WHERE statement LIKE 'INSERT INTO pt(k, v) VALUES ($1, $2),($3, $4)%'",
	                     &st) == PRIVD_OK &&
	    privd_stmt_step(st) == PRIVD_DB_ROW)
		n = privd_stmt_col_int64(st, 0);
	privd_stmt_finalize(st);
	return n;
}

/* The inserts of a pipeline that nothing waits for go as statements of many rows (PostgreSQL): every row lands, in
 * the order sent, a read in the middle sees those sent before it, and a duplicate among them fails the lot by the
 * sync. */
static void test_pipeline_merges(void **state)
{
	char k[16], v[32];
	struct privd_stmt *st = NULL;
	int64_t before = count_rows(), i = 0;

	(void)state;
	assert_int_equal(privd_db_begin_pipelined(g_pdb), PRIVD_OK);
	for (int n = 0; n < 70; n++) {
		snprintf(k, sizeof(k), "m%03d", n);
		assert_int_equal(put(k, "m", NULL), PRIVD_OK);
		if (n % 10 == 9) { /* two statements held side by side */
			snprintf(k, sizeof(k), "w%03d", n);
			assert_int_equal(put_vk(k, "w"), PRIVD_OK);
		}
	}
	assert_int_equal(get("m069", v, sizeof(v)), PRIVD_OK);
	assert_string_equal(v, "m");
	assert_int_equal(get("w069", v, sizeof(v)), PRIVD_OK);
	for (int n = 70; n < 141; n++) { /* 71 more: sent as 64, 4, 2 and 1 */
		snprintf(k, sizeof(k), "m%03d", n);
		assert_int_equal(put(k, "m", NULL), PRIVD_OK);
	}
	assert_int_equal(privd_db_sync(g_pdb), PRIVD_OK);
	assert_int_equal(privd_db_commit(g_pdb), PRIVD_OK);
	assert_int_equal(count_rows(), before + 148);
	/* the m rows in the order they were put */
	assert_int_equal(privd_db_prepare(g_pdb, "SELECT k FROM pt WHERE v = 'm' ORDER BY seq", &st), PRIVD_OK);
	while (privd_stmt_step(st) == PRIVD_DB_ROW) {
		snprintf(k, sizeof(k), "m%03d", (int)i++);
		assert_string_equal(privd_stmt_col_text(st, 0), k);
	}
	privd_stmt_finalize(st);
	assert_int_equal(i, 141);
	if (is_pg())
		assert_true(merged_prepared() > 0);
	/* a duplicate among held rows: the whole pipeline fails by the sync, nothing of it stays */
	assert_int_equal(privd_db_begin_pipelined(g_pdb), PRIVD_OK);
	assert_int_equal(put("n1", "n", NULL), PRIVD_OK);
	if (is_pg()) {
		assert_int_equal(put("m005", "again", NULL), PRIVD_OK);
		assert_int_equal(put("n2", "n", NULL), PRIVD_OK);
		assert_int_equal(privd_db_sync(g_pdb), PRIVD_ERR_CONFLICT);
	} else {
		assert_int_equal(put("m005", "again", NULL), PRIVD_ERR_CONFLICT);
	}
	assert_int_equal(privd_db_rollback(g_pdb), PRIVD_OK);
	assert_int_equal(get("n1", v, sizeof(v)), PRIVD_ERR_NOT_FOUND);
	assert_int_equal(count_rows(), before + 148);
}

struct notes {
	int n;
	char payload[64];
};

static void on_note(void *arg, const char *channel, const char *payload)
{
	struct notes *ns = arg;

	(void)channel;
	ns->n++;
	snprintf(ns->payload, sizeof(ns->payload), "%s", payload);
}

/* A listener that asked for others' notifications only does not hear this process's, which another listener does,
 * payload as sent; a NOTIFY inside a pipeline is delivered at the commit like any other. */
static void test_listen_others(void **state)
{
	struct privd_db *all = open_db(PRIVD_DB_DATA), *others = open_db(PRIVD_DB_DATA);
	struct notes na = {0}, no = {0};

	(void)state;
	if (!is_pg())
		goto out;
	assert_int_equal(privd_db_listen(all, "privd_pt"), PRIVD_OK);
	assert_int_equal(privd_db_listen(others, "privd_pt"), PRIVD_OK);
	privd_db_listen_others(others);
	assert_int_equal(privd_db_begin_pipelined(g_pdb), PRIVD_OK);
	assert_int_equal(privd_db_notify(g_pdb, "privd_pt", "mine|with a bar"), PRIVD_OK);
	assert_int_equal(privd_db_sync(g_pdb), PRIVD_OK);
	assert_int_equal(privd_db_commit(g_pdb), PRIVD_OK);
	assert_int_equal(privd_db_wait_notify(all, 5000, on_note, &na), PRIVD_OK);
	assert_int_equal(na.n, 1);
	assert_string_equal(na.payload, "mine|with a bar");
	assert_int_equal(privd_db_wait_notify(others, 300, on_note, &no), PRIVD_OK);
	assert_int_equal(no.n, 0);
out:
	privd_db_close(all);
	privd_db_close(others);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_pipeline_commits, setup_table, teardown_table),
	    cmocka_unit_test_setup_teardown(test_pipeline_failures, open_only, teardown_table),
	    cmocka_unit_test_setup_teardown(test_pipeline_rollback, open_only, teardown_table),
	    cmocka_unit_test_setup_teardown(test_pipeline_merges, open_only, teardown_table),
	    cmocka_unit_test_setup_teardown(test_listen_others, setup_table, teardown_table),
	};

	STORE_RUN_BOTH(tests);
}
