/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_sqlite_vfs.c - the WAL-gathering shim (store/sqlite_vfs.h) against what SQLite expects of a file: a writer
 * through the shim and readers through the default VFS on the same database, each commit's rows and bytes read back
 * by a reader at once; a commit larger than the shim's buffer and than one write of the unix VFS; a transaction
 * that spills pages into the WAL and rewrites them before it commits; the WAL truncated by another connection's
 * checkpoint and begun again; the database reopened from its WAL alone; a rollback journal (not a WAL) untouched;
 * and the writes counted: fewer reach the default VFS than SQLite asked for. A checkpoint copying megabytes into the
 * database syncs it a megabyte at a time, and the database reads back whole.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite_vfs.h"

static char g_dir[256];
static char g_path[300];

static int setup(void **state)
{
	(void)state;
	snprintf(g_dir, sizeof(g_dir), "/tmp/privd-vfs-test-XXXXXX");
	if (mkdtemp(g_dir) == NULL)
		return -1;
	snprintf(g_path, sizeof(g_path), "%s/t.db", g_dir);
	return 0;
}

static int teardown(void **state)
{
	char cmd[320];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void exec(sqlite3 *h, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(h, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg != NULL ? msg : "?");
}

static int64_t one(sqlite3 *h, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int64_t v;

	assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* A connection through the shim (vfs true) or the default VFS, in WAL mode with synchronous=FULL. */
static sqlite3 *open_conn(bool vfs, const char *journal)
{
	sqlite3 *h = NULL;
	char sql[128];

	assert_int_equal(
	    sqlite3_open_v2(g_path, &h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, vfs ? privd_sqlite_vfs() : NULL),
	    SQLITE_OK);
	sqlite3_busy_timeout(h, 5000);
	snprintf(sql, sizeof(sql), "PRAGMA journal_mode=%s; PRAGMA synchronous=FULL", journal);
	exec(h, sql);
	return h;
}

/* Inserts rows rows of size bytes each, row ids from first, in one transaction; each blob's bytes depend on its id. */
static void insert(sqlite3 *h, int first, int rows, int size)
{
	sqlite3_stmt *st = NULL;
	unsigned char *b = malloc((size_t)size);

	assert_non_null(b);
	exec(h, "BEGIN");
	assert_int_equal(sqlite3_prepare_v2(h, "INSERT INTO t(id, b) VALUES (?, ?)", -1, &st, NULL), SQLITE_OK);
	for (int i = first; i < first + rows; i++) {
		for (int k = 0; k < size; k++)
			b[k] = (unsigned char)(i * 31 + k * 7);
		sqlite3_bind_int(st, 1, i);
		sqlite3_bind_blob(st, 2, b, size, SQLITE_TRANSIENT);
		assert_int_equal(sqlite3_step(st), SQLITE_DONE);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	exec(h, "COMMIT");
	free(b);
}

/* Every row's bytes are what insert wrote; returns the number of rows. */
static int64_t verify(sqlite3 *h)
{
	sqlite3_stmt *st = NULL;
	int64_t n = 0;

	assert_int_equal(sqlite3_prepare_v2(h, "SELECT id, b FROM t ORDER BY id", -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		int id = sqlite3_column_int(st, 0);
		const unsigned char *b = sqlite3_column_blob(st, 1);
		int size = sqlite3_column_bytes(st, 1);

		for (int k = 0; k < size; k++)
			if (b[k] != (unsigned char)(id * 31 + k * 7))
				fail_msg("row %d byte %d differs", id, k);
		n++;
	}
	sqlite3_finalize(st);
	return n;
}

static void test_registered(void **state)
{
	(void)state;
	assert_non_null(privd_sqlite_vfs());
	assert_string_equal(privd_sqlite_vfs(), "privd-walbuf");
	assert_non_null(sqlite3_vfs_find("privd-walbuf"));
	/* not the default: a connection that does not ask for it gets the default VFS */
	assert_ptr_not_equal(sqlite3_vfs_find(NULL), sqlite3_vfs_find("privd-walbuf"));
}

static void test_commits_read_back(void **state)
{
	struct privd_sqlite_vfs_stats s0, s1;
	sqlite3 *w = open_conn(true, "WAL");
	sqlite3 *r = open_conn(false, "WAL");

	(void)state;
	exec(w, "CREATE TABLE t(id INTEGER PRIMARY KEY, b BLOB)");
	privd_sqlite_vfs_stats(&s0);
	for (int c = 0; c < 100; c++) {
		insert(w, c * 20, 20, 300 + c * 37);
		assert_int_equal(verify(r), (c + 1) * 20);
	}
	privd_sqlite_vfs_stats(&s1);
	/* two writes a frame asked, about one a commit given */
	assert_true(s1.writes_in - s0.writes_in >= 400);
	assert_true((s1.writes_out - s0.writes_out) * 4 < s1.writes_in - s0.writes_in);
	assert_int_equal(one(w, "SELECT COUNT(*) FROM t"), 2000);
	sqlite3_close(r);
	sqlite3_close(w);
}

static void test_large_commit(void **state)
{
	sqlite3 *w = open_conn(true, "WAL");
	sqlite3 *r = open_conn(false, "WAL");

	(void)state;
	exec(w, "CREATE TABLE t(id INTEGER PRIMARY KEY, b BLOB)");
	/* 6 MiB in one commit: past the shim's 4 MiB buffer, and 48 times the unix VFS's largest write */
	insert(w, 0, 1500, 4096);
	assert_int_equal(verify(r), 1500);
	insert(w, 1500, 3, 200000); /* overflow pages */
	assert_int_equal(verify(r), 1503);
	sqlite3_close(r);
	sqlite3_close(w);
}

static void test_spill_and_rewrite(void **state)
{
	sqlite3 *w = open_conn(true, "WAL");
	sqlite3 *r = open_conn(false, "WAL");

	(void)state;
	exec(w, "CREATE TABLE t(id INTEGER PRIMARY KEY, b BLOB)");
	insert(w, 0, 10, 100);
	/* a cache of 10 pages: the transaction's dirty pages go to the WAL before it commits, are read back from it,
	 * and changed again (SQLite then rewrites their frames in place) */
	exec(w, "PRAGMA cache_size=10");
	exec(w, "BEGIN");
	exec(w, "WITH RECURSIVE n(i) AS (SELECT 10 UNION ALL SELECT i + 1 FROM n WHERE i < 409)"
	        " INSERT INTO t(id, b) SELECT i, zeroblob(3000) FROM n");
	exec(w, "UPDATE t SET b = zeroblob(10) WHERE id >= 10");
	assert_int_equal(one(w, "SELECT SUM(LENGTH(b)) FROM t"), 10 * 100 + 400 * 10);
	assert_int_equal(verify(r), 10); /* nothing of it before the commit */
	exec(w, "DELETE FROM t WHERE id >= 10");
	exec(w, "COMMIT");
	assert_int_equal(verify(r), 10);
	assert_int_equal(one(r, "SELECT COUNT(*) FROM t"), 10);
	sqlite3_close(r);
	sqlite3_close(w);
}

static void test_checkpoint_restart(void **state)
{
	sqlite3 *w = open_conn(true, "WAL");
	sqlite3 *ck = open_conn(true, "WAL");
	sqlite3 *r = open_conn(false, "WAL");

	(void)state;
	exec(w, "PRAGMA wal_autocheckpoint=0");
	exec(w, "CREATE TABLE t(id INTEGER PRIMARY KEY, b BLOB)");
	for (int c = 0; c < 6; c++) {
		insert(w, c * 50, 50, 1000);
		exec(ck, "PRAGMA wal_checkpoint(TRUNCATE)"); /* the WAL emptied: the next commit starts it again */
		assert_int_equal(verify(r), (c + 1) * 50);
	}
	assert_int_equal(one(r, "SELECT COUNT(*) FROM pragma_integrity_check WHERE integrity_check = 'ok'"), 1);
	sqlite3_close(r);
	sqlite3_close(ck);
	sqlite3_close(w);
}

static void test_checkpoint_synced_in_pieces(void **state)
{
	sqlite3 *w = open_conn(true, "WAL");
	sqlite3 *r = open_conn(false, "WAL");
	struct privd_sqlite_vfs_stats before, after;

	(void)state;
	exec(w, "PRAGMA wal_autocheckpoint=0");
	exec(w, "CREATE TABLE t(id INTEGER PRIMARY KEY, b BLOB)");
	insert(w, 0, 1200, 5000); /* about 6 MB of pages in the WAL */
	privd_sqlite_vfs_stats(&before);
	exec(w, "PRAGMA wal_checkpoint(PASSIVE)");
	privd_sqlite_vfs_stats(&after);
	/* one sync a megabyte before SQLite's own at the end (the checkpoint never writes through the reader) */
	assert_true(after.db_syncs - before.db_syncs >= 5);
	assert_true(after.db_syncs - before.db_syncs <= 8);
	assert_int_equal(verify(r), 1200);
	assert_int_equal(one(r, "SELECT COUNT(*) FROM pragma_integrity_check WHERE integrity_check = 'ok'"), 1);
	sqlite3_close(r);
	sqlite3_close(w);
}

static void test_reopen_from_wal(void **state)
{
	sqlite3 *w = open_conn(true, "WAL");
	sqlite3 *r;

	(void)state;
	exec(w, "PRAGMA wal_autocheckpoint=0");
	exec(w, "CREATE TABLE t(id INTEGER PRIMARY KEY, b BLOB)");
	insert(w, 0, 300, 2000);
	/* keep the WAL at close, as a crash would leave it: the next open recovers every commit from it */
	assert_int_equal(sqlite3_db_config(w, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL), SQLITE_OK);
	sqlite3_close(w);
	r = open_conn(false, "WAL");
	assert_int_equal(verify(r), 300);
	assert_int_equal(one(r, "SELECT COUNT(*) FROM pragma_integrity_check WHERE integrity_check = 'ok'"), 1);
	sqlite3_close(r);
}

static void test_rollback_journal(void **state)
{
	sqlite3 *w = open_conn(true, "DELETE");
	sqlite3 *r = open_conn(false, "DELETE");

	(void)state;
	exec(w, "CREATE TABLE t(id INTEGER PRIMARY KEY, b BLOB)");
	insert(w, 0, 100, 5000);
	assert_int_equal(verify(r), 100);
	sqlite3_close(r);
	sqlite3_close(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_registered, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_commits_read_back, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_large_commit, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_spill_and_rewrite, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_checkpoint_restart, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_checkpoint_synced_in_pieces, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reopen_from_wal, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rollback_journal, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
