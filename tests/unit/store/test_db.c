/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_db.c - the driver contract of db.h, run identically on SQLite and PostgreSQL: binding and reading every
 * type byte for byte, NULLs, unique violations as conflicts (and what they hit), savepoints, the memory a
 * transaction lends the layer above, DDL translation, `?` inside quotes, the statement cache under nesting,
 * NOTIFY/LISTEN, and engine errors logged without bound values.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/log.h"
#include "store_test.h"

static char g_log[8192];

static void capture_sink(enum privd_log_level level, const char *line)
{
	(void)level;
	if (strlen(g_log) + strlen(line) + 2 < sizeof(g_log)) {
		strcat(g_log, line);
		strcat(g_log, "\n");
	}
}

static void test_target_parse(void **state)
{
	struct privd_db_target t;

	(void)state;
	assert_int_equal(privd_db_target_parse(NULL, "/tmp/x", &t, NULL), PRIVD_OK);
	assert_int_equal(t.engine, PRIVD_DB_SQLITE);
	assert_string_equal(t.data_dir, "/tmp/x");
	assert_int_equal(privd_db_target_parse("", "/d", &t, NULL), PRIVD_OK);
	assert_int_equal(t.engine, PRIVD_DB_SQLITE);
	assert_int_equal(privd_db_target_parse("sqlite", "/d", &t, NULL), PRIVD_OK);
	assert_int_equal(t.engine, PRIVD_DB_SQLITE);
	assert_int_equal(privd_db_target_parse("postgresql://u@h/db", NULL, &t, NULL), PRIVD_OK);
	assert_int_equal(t.engine, PRIVD_DB_POSTGRES);
	assert_string_equal(t.url, "postgresql://u@h/db");
	assert_int_equal(privd_db_target_parse("postgres://h", NULL, &t, NULL), PRIVD_OK);
	assert_int_equal(t.engine, PRIVD_DB_POSTGRES);
	assert_int_equal(privd_db_target_parse("mysql://h", NULL, &t, NULL), PRIVD_ERR_INVALID);
}

static void test_roundtrip(void **state)
{
	struct privd_db *db = open_db(PRIVD_DB_DATA);
	struct privd_stmt *st = NULL;
	static const uint8_t bin[] = {0x00, 0xff, 0x01, 0x00, 0x7f, 0x80, 0xfe, 0xff, 0x00};
	const void *p;
	size_t len;
	int n = 0;

	(void)state;
	assert_non_null(db);
	assert_int_equal(privd_db_engine(db), g_target.engine);
	assert_int_equal(privd_db_exec(db,
	                               "CREATE TABLE rt(id AUTOINCREMENT_PK, t TEXT, i BIGINT, b BLOB, n INTEGER);"
	                               "CREATE TABLE rt2(k TEXT PRIMARY KEY)",
	                               NULL),
	                 PRIVD_OK);
	assert_int_equal(privd_db_prepare(db, "INSERT INTO rt(t, i, b, n) VALUES (?, ?, ?, ?)", &st), PRIVD_OK);
	assert_int_equal(privd_stmt_bind_text(st, 1, "héllo 'quoted' ?"), PRIVD_OK);
	assert_int_equal(privd_stmt_bind_int64(st, 2, INT64_MIN), PRIVD_OK);
	assert_int_equal(privd_stmt_bind_blob(st, 3, bin, sizeof(bin)), PRIVD_OK);
	assert_int_equal(privd_stmt_bind_int64(st, 4, -7), PRIVD_OK);
	assert_int_equal(privd_stmt_step(st), PRIVD_DB_DONE);
	assert_int_equal(privd_stmt_changes(st), 1);
	/* reset clears bindings: everything NULL now */
	assert_int_equal(privd_stmt_reset(st), PRIVD_OK);
	assert_int_equal(privd_stmt_bind_null(st, 1), PRIVD_OK);
	assert_int_equal(privd_stmt_bind_text(st, 2, NULL), PRIVD_OK);
	assert_int_equal(privd_stmt_step(st), PRIVD_DB_DONE);
	assert_int_equal(privd_stmt_reset(st), PRIVD_OK);
	assert_int_equal(privd_stmt_bind_text(st, 1, ""), PRIVD_OK);
	assert_int_equal(privd_stmt_bind_int64(st, 2, INT64_MAX), PRIVD_OK);
	assert_int_equal(privd_stmt_bind_blob(st, 3, NULL, 0), PRIVD_OK);
	assert_int_equal(privd_stmt_step(st), PRIVD_DB_DONE);
	privd_stmt_finalize(st);

	assert_int_equal(privd_db_prepare(db, "SELECT id, t, i, b, n FROM rt ORDER BY id", &st), PRIVD_OK);
	assert_int_equal(privd_stmt_step(st), PRIVD_DB_ROW);
	assert_int_equal(privd_stmt_col_int64(st, 0), 1);
	assert_string_equal(privd_stmt_col_text(st, 1), "héllo 'quoted' ?");
	assert_true(privd_stmt_col_int64(st, 2) == INT64_MIN);
	p = privd_stmt_col_blob(st, 3, &len);
	assert_int_equal(len, sizeof(bin));
	assert_memory_equal(p, bin, sizeof(bin));
	assert_int_equal(privd_stmt_col_int64(st, 4), -7);
	assert_false(privd_stmt_col_is_null(st, 3));
	assert_int_equal(privd_stmt_step(st), PRIVD_DB_ROW);
	assert_int_equal(privd_stmt_col_int64(st, 0), 2);
	assert_true(privd_stmt_col_is_null(st, 1));
	assert_null(privd_stmt_col_text(st, 1));
	assert_true(privd_stmt_col_is_null(st, 2));
	assert_true(privd_stmt_col_is_null(st, 3));
	p = privd_stmt_col_blob(st, 3, &len);
	assert_null(p);
	assert_int_equal(len, 0);
	assert_int_equal(privd_stmt_step(st), PRIVD_DB_ROW);
	assert_int_equal(privd_stmt_col_int64(st, 0), 3);
	assert_false(privd_stmt_col_is_null(st, 1));
	assert_string_equal(privd_stmt_col_text(st, 1), "");
	assert_true(privd_stmt_col_int64(st, 2) == INT64_MAX);
	assert_false(privd_stmt_col_is_null(st, 3)); /* an empty blob is not NULL */
	privd_stmt_col_blob(st, 3, &len);
	assert_int_equal(len, 0);
	while (privd_stmt_step(st) == PRIVD_DB_ROW)
		n++;
	assert_int_equal(n, 0);
	privd_stmt_finalize(st);

	/* a ? inside quotes is not a placeholder */
	assert_int_equal(privd_db_prepare(db, "SELECT COUNT(*) FROM rt WHERE t = 'a?b' OR i = ?", &st), PRIVD_OK);
	assert_int_equal(privd_stmt_bind_int64(st, 1, -7), PRIVD_OK);
	assert_int_equal(privd_stmt_step(st), PRIVD_DB_ROW);
	assert_int_equal(privd_stmt_col_int64(st, 0), 0);
	privd_stmt_finalize(st);
	privd_db_close(db);
}

/* A lent statement stores what its buffers held at the step; the loan ends with the finalize, so the same cached
 * statement, prepared again, copies: a buffer changed after its bind no longer reaches the row. */
static void test_lend(void **state)
{
	struct privd_db *db = open_db(PRIVD_DB_DATA);
	struct privd_stmt *st = NULL;
	char text[16] = "lent text";
	uint8_t blob[4] = {1, 2, 3, 4};
	const void *p;
	size_t len;

	(void)state;
	assert_non_null(db);
	assert_int_equal(privd_db_exec(db, "CREATE TABLE lend(id BIGINT PRIMARY KEY, t TEXT, b BLOB)", NULL), PRIVD_OK);
	assert_int_equal(privd_db_prepare(db, "INSERT INTO lend(id, t, b) VALUES (?, ?, ?)", &st), PRIVD_OK);
	privd_stmt_lend(st);
	assert_int_equal(privd_stmt_bind_int64(st, 1, 1), PRIVD_OK);
	assert_int_equal(privd_stmt_bind_text(st, 2, text), PRIVD_OK);
	assert_int_equal(privd_stmt_bind_blob(st, 3, blob, sizeof(blob)), PRIVD_OK);
	assert_int_equal(privd_stmt_step(st), PRIVD_DB_DONE);
	privd_stmt_finalize(st);
	assert_int_equal(privd_db_prepare(db, "INSERT INTO lend(id, t, b) VALUES (?, ?, ?)", &st), PRIVD_OK);
	assert_int_equal(privd_stmt_bind_int64(st, 1, 2), PRIVD_OK);
	assert_int_equal(privd_stmt_bind_text(st, 2, text), PRIVD_OK);
	assert_int_equal(privd_stmt_bind_blob(st, 3, blob, sizeof(blob)), PRIVD_OK);
	snprintf(text, sizeof(text), "changed");
	blob[0] = 9;
	assert_int_equal(privd_stmt_step(st), PRIVD_DB_DONE);
	privd_stmt_finalize(st);
	assert_int_equal(privd_db_prepare(db, "SELECT t, b FROM lend ORDER BY id", &st), PRIVD_OK);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(privd_stmt_step(st), PRIVD_DB_ROW);
		assert_string_equal(privd_stmt_col_text(st, 0), "lent text");
		p = privd_stmt_col_blob(st, 1, &len);
		assert_int_equal(len, 4);
		assert_memory_equal(p, "\x01\x02\x03\x04", 4);
	}
	assert_int_equal(privd_stmt_step(st), PRIVD_DB_DONE);
	privd_stmt_finalize(st);
	privd_db_close(db);
}

static void test_stmt_cache_nested(void **state)
{
	struct privd_db *db = open_db(PRIVD_DB_DATA);
	const char *sql = "SELECT k FROM rt2 WHERE k >= ? ORDER BY k";
	struct privd_stmt *a = NULL, *b = NULL;
	int i, rows = 0;

	(void)state;
	assert_non_null(db);
	for (i = 0; i < 5; i++) {
		struct privd_stmt *ins = NULL;
		char k[8];

		snprintf(k, sizeof(k), "k%d", i);
		assert_int_equal(privd_db_prepare(db, "INSERT INTO rt2(k) VALUES (?)", &ins), PRIVD_OK);
		assert_int_equal(privd_stmt_bind_text(ins, 1, k), PRIVD_OK);
		assert_int_equal(privd_stmt_step(ins), PRIVD_DB_DONE);
		privd_stmt_finalize(ins);
	}
	/* the same SQL twice at once: two independent handles */
	assert_int_equal(privd_db_prepare(db, sql, &a), PRIVD_OK);
	assert_int_equal(privd_db_prepare(db, sql, &b), PRIVD_OK);
	assert_ptr_not_equal(a, b);
	assert_int_equal(privd_stmt_bind_text(a, 1, "k0"), PRIVD_OK);
	assert_int_equal(privd_stmt_bind_text(b, 1, "k3"), PRIVD_OK);
	while (privd_stmt_step(a) == PRIVD_DB_ROW) {
		rows++;
		if (rows == 1) {
			assert_int_equal(privd_stmt_step(b), PRIVD_DB_ROW);
			assert_string_equal(privd_stmt_col_text(b, 0), "k3");
		}
	}
	assert_int_equal(rows, 5);
	privd_stmt_finalize(a);
	privd_stmt_finalize(b);
	/* a cached handle comes back clean: no leftover bindings */
	assert_int_equal(privd_db_prepare(db, sql, &a), PRIVD_OK);
	assert_int_equal(privd_stmt_step(a), PRIVD_DB_DONE);
	privd_stmt_finalize(a);
	privd_db_close(db);
}

static void test_conflict(void **state)
{
	struct privd_db *db = open_db(PRIVD_DB_DATA);
	struct privd_stmt *st = NULL;

	(void)state;
	assert_non_null(db);
	assert_string_equal(privd_db_conflict(db), "");
	assert_int_equal(privd_db_exec(db, "CREATE TABLE uq(a TEXT PRIMARY KEY, b TEXT UNIQUE)", NULL), PRIVD_OK);
	assert_int_equal(privd_db_prepare(db, "INSERT INTO uq(a, b) VALUES (?, ?)", &st), PRIVD_OK);
	assert_int_equal(privd_stmt_bind_text(st, 1, "x"), PRIVD_OK);
	assert_int_equal(privd_stmt_bind_text(st, 2, "y"), PRIVD_OK);
	assert_int_equal(privd_stmt_step(st), PRIVD_DB_DONE);
	assert_int_equal(privd_stmt_reset(st), PRIVD_OK);
	assert_int_equal(privd_stmt_bind_text(st, 1, "x2"), PRIVD_OK);
	assert_int_equal(privd_stmt_bind_text(st, 2, "y"), PRIVD_OK);
	assert_int_equal(privd_stmt_step(st), PRIVD_ERR_CONFLICT);
	/* the engine names what was hit: "uq.b" on SQLite, "uq_b_key" on PostgreSQL */
	assert_non_null(strstr(privd_db_conflict(db), "uq"));
	assert_non_null(strstr(privd_db_conflict(db), "b"));
	assert_int_equal(privd_stmt_reset(st), PRIVD_OK);
	assert_int_equal(privd_stmt_bind_text(st, 1, "x"), PRIVD_OK);
	assert_int_equal(privd_stmt_bind_text(st, 2, "z"), PRIVD_OK);
	assert_int_equal(privd_stmt_step(st), PRIVD_ERR_CONFLICT);
	assert_non_null(strstr(privd_db_conflict(db), "uq"));
	assert_null(strstr(privd_db_conflict(db), "b")); /* "uq.a" or "uq_pkey" */
	/* the statement stays usable */
	assert_int_equal(privd_stmt_reset(st), PRIVD_OK);
	assert_int_equal(privd_stmt_bind_text(st, 1, "x3"), PRIVD_OK);
	assert_int_equal(privd_stmt_bind_null(st, 2), PRIVD_OK);
	assert_int_equal(privd_stmt_step(st), PRIVD_DB_DONE);
	privd_stmt_finalize(st);
	privd_db_close(db);
}

static int64_t count(struct privd_db *db, const char *sql)
{
	struct privd_stmt *st = NULL;
	int64_t n = -1;

	if (privd_db_prepare(db, sql, &st) == PRIVD_OK && privd_stmt_step(st) == PRIVD_DB_ROW)
		n = privd_stmt_col_int64(st, 0);
	privd_stmt_finalize(st);
	return n;
}

static enum privd_rc insert_k(struct privd_db *db, const char *k)
{
	struct privd_stmt *st = NULL;
	enum privd_rc rc = privd_db_prepare(db, "INSERT INTO sp(k) VALUES (?)", &st);
	int r;

	if (rc != PRIVD_OK)
		return rc;
	privd_stmt_bind_text(st, 1, k);
	r = privd_stmt_step(st);
	privd_stmt_finalize(st);
	return r == PRIVD_DB_DONE ? PRIVD_OK : (enum privd_rc)r;
}

static void test_savepoints(void **state)
{
	struct privd_db *db = open_db(PRIVD_DB_DATA);

	(void)state;
	assert_non_null(db);
	assert_int_equal(privd_db_exec(db, "CREATE TABLE sp(k TEXT PRIMARY KEY)", NULL), PRIVD_OK);
	assert_int_equal(privd_db_rollback(db), PRIVD_OK); /* no transaction open: fine */
	assert_int_equal(privd_db_begin(db), PRIVD_OK);
	assert_int_equal(insert_k(db, "a"), PRIVD_OK);
	assert_int_equal(privd_db_savepoint(db, "s1"), PRIVD_OK);
	assert_int_equal(insert_k(db, "b"), PRIVD_OK);
	assert_int_equal(insert_k(db, "a"), PRIVD_ERR_CONFLICT);
	assert_int_equal(privd_db_rollback_to(db, "s1"), PRIVD_OK);
	assert_int_equal(privd_db_release(db, "s1"), PRIVD_OK);
	assert_int_equal(privd_db_savepoint(db, "s2"), PRIVD_OK);
	assert_int_equal(insert_k(db, "c"), PRIVD_OK);
	assert_int_equal(privd_db_release(db, "s2"), PRIVD_OK);
	assert_int_equal(privd_db_commit(db), PRIVD_OK);
	assert_int_equal(count(db, "SELECT COUNT(*) FROM sp"), 2);
	assert_int_equal(count(db, "SELECT COUNT(*) FROM sp WHERE k = 'b'"), 0);

	assert_int_equal(privd_db_begin(db), PRIVD_OK);
	assert_int_equal(insert_k(db, "d"), PRIVD_OK);
	assert_int_equal(privd_db_rollback(db), PRIVD_OK);
	assert_int_equal(count(db, "SELECT COUNT(*) FROM sp"), 2);
	assert_int_equal(privd_db_savepoint(db, "bad name"), PRIVD_ERR_INVALID);
	assert_int_equal(privd_db_savepoint(db, "x;DROP"), PRIVD_ERR_INVALID);
	privd_db_close(db);
}

/* The memory a handle lends the layer above for one transaction: there inside a transaction only, kept across
 * savepoints, zeroed at every boundary that may undo what it remembers, freed on close (ASan would see a leak). */
static void test_txn_state(void **state)
{
	struct privd_db *db = open_db(PRIVD_DB_DATA);
	static const char zero[16] = {0};
	char *m;

	(void)state;
	assert_non_null(db);
	assert_null(privd_db_txn_state(db, 16)); /* no transaction */
	assert_int_equal(privd_db_begin(db), PRIVD_OK);
	assert_null(privd_db_txn_state(db, 0));
	m = privd_db_txn_state(db, 16);
	assert_non_null(m);
	assert_memory_equal(m, zero, 16);
	memcpy(m, "remembered", 11);
	assert_ptr_equal(privd_db_txn_state(db, 16), m);
	assert_int_equal(privd_db_savepoint(db, "s1"), PRIVD_OK);
	assert_int_equal(privd_db_release(db, "s1"), PRIVD_OK);
	assert_string_equal(privd_db_txn_state(db, 16), "remembered");
	assert_int_equal(privd_db_savepoint(db, "s2"), PRIVD_OK);
	assert_int_equal(privd_db_rollback_to(db, "s2"), PRIVD_OK);
	assert_int_equal(privd_db_release(db, "s2"), PRIVD_OK);
	assert_memory_equal(privd_db_txn_state(db, 16), zero, 16);
	memcpy(privd_db_txn_state(db, 16), "again", 6);
	assert_int_equal(privd_db_commit(db), PRIVD_OK);
	assert_null(privd_db_txn_state(db, 16));

	assert_int_equal(privd_db_begin(db), PRIVD_OK);
	assert_memory_equal(privd_db_txn_state(db, 16), zero, 16);
	memcpy(privd_db_txn_state(db, 16), "more", 5);
	m = privd_db_txn_state(db, 64); /* larger: starts again from zero */
	assert_non_null(m);
	assert_memory_equal(m, zero, 16);
	memcpy(m, "last", 5);
	assert_int_equal(privd_db_rollback(db), PRIVD_OK);
	assert_null(privd_db_txn_state(db, 16));
	assert_int_equal(privd_db_begin(db), PRIVD_OK);
	assert_memory_equal(privd_db_txn_state(db, 16), zero, 16);
	privd_db_close(db); /* with the transaction open: frees the state too */
}

static void test_errors_log_no_values(void **state)
{
	struct privd_db *db = open_db(PRIVD_DB_DATA);
	struct privd_stmt *st = NULL;

	(void)state;
	assert_non_null(db);
	g_log[0] = '\0';
	privd_log_set_sink(capture_sink);
	assert_int_equal(privd_db_prepare(db, "SELEC nonsense", &st), PRIVD_ERR_DB);
	assert_null(st);
	assert_int_equal(privd_db_exec(db, "CREATE TABLE ev(i BIGINT NOT NULL CHECK (i > 0))", NULL), PRIVD_OK);
	assert_int_equal(privd_db_prepare(db, "INSERT INTO ev(i) VALUES (?)", &st), PRIVD_OK);
	assert_int_equal(privd_stmt_bind_int64(st, 1, -424242), PRIVD_OK);
	assert_int_equal(privd_stmt_step(st), PRIVD_ERR_DB);
	if (is_pg()) {
		assert_int_equal(privd_stmt_reset(st), PRIVD_OK);
		assert_int_equal(privd_stmt_bind_text(st, 1, "SECRETVALUE"), PRIVD_OK);
		assert_int_equal(privd_stmt_step(st), PRIVD_ERR_DB);
	}
	privd_stmt_finalize(st);
	privd_log_set_sink(NULL);
	assert_non_null(strstr(g_log, "db.error"));
	assert_null(strstr(g_log, "424242"));
	assert_null(strstr(g_log, "SECRETVALUE"));
	privd_db_close(db);
}

static void test_read_only_and_purge(void **state)
{
	struct privd_db *db = open_db(PRIVD_DB_DATA), *ro = NULL;

	(void)state;
	assert_non_null(db);
	assert_int_equal(privd_db_open(&g_target, PRIVD_DB_DATA, true, &ro, NULL), PRIVD_OK);
	assert_int_equal(count(ro, "SELECT COUNT(*) FROM sp"), 2);
	assert_int_equal(privd_db_begin(ro), PRIVD_OK);
	assert_int_equal(count(ro, "SELECT COUNT(*) FROM sp"), 2);
	assert_int_equal(privd_db_commit(ro), PRIVD_OK);
	assert_int_equal(privd_db_purge(db), PRIVD_OK);
	privd_db_close(ro);
	privd_db_close(db);
	privd_db_close(NULL);
	privd_stmt_finalize(NULL);
}

static void test_keystore_apart(void **state)
{
	struct privd_db *ks = open_db(PRIVD_DB_KEYSTORE), *db = open_db(PRIVD_DB_DATA);

	(void)state;
	assert_non_null(ks);
	assert_non_null(db);
	assert_int_equal(privd_db_exec(ks, "CREATE TABLE apart(x BLOB)", NULL), PRIVD_OK);
	assert_int_equal(count(ks, "SELECT COUNT(*) FROM apart"), 0);
	/* the data connection does not see keystore tables */
	assert_int_equal(count(db, "SELECT COUNT(*) FROM apart"), -1);
	privd_db_close(ks);
	privd_db_close(db);
}

struct notes {
	int n;
	char channel[64];
	char payload[64];
};

static void on_note(void *arg, const char *channel, const char *payload)
{
	struct notes *ns = arg;

	ns->n++;
	snprintf(ns->channel, sizeof(ns->channel), "%s", channel);
	snprintf(ns->payload, sizeof(ns->payload), "%s", payload);
}

static void test_notify(void **state)
{
	struct privd_db *a = open_db(PRIVD_DB_DATA), *b = open_db(PRIVD_DB_DATA);
	struct notes ns = {0};

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	if (!is_pg()) {
		assert_int_equal(privd_db_notify(a, "privd_cache", "x"), PRIVD_OK);
		assert_int_equal(privd_db_listen(b, "privd_cache"), PRIVD_ERR_UNSUPPORTED);
		assert_int_equal(privd_db_wait_notify(b, 10, on_note, &ns), PRIVD_ERR_UNSUPPORTED);
		goto out;
	}
	assert_int_equal(privd_db_listen(b, "privd_cache"), PRIVD_OK);
	/* nothing pending: times out with PRIVD_OK */
	assert_int_equal(privd_db_wait_notify(b, 50, on_note, &ns), PRIVD_OK);
	assert_int_equal(ns.n, 0);
	/* delivered on commit only */
	assert_int_equal(privd_db_begin(a), PRIVD_OK);
	assert_int_equal(privd_db_notify(a, "privd_cache", "subject:abc"), PRIVD_OK);
	assert_int_equal(privd_db_wait_notify(b, 100, on_note, &ns), PRIVD_OK);
	assert_int_equal(ns.n, 0);
	assert_int_equal(privd_db_commit(a), PRIVD_OK);
	assert_int_equal(privd_db_wait_notify(b, 5000, on_note, &ns), PRIVD_OK);
	assert_int_equal(ns.n, 1);
	assert_string_equal(ns.channel, "privd_cache");
	assert_string_equal(ns.payload, "subject:abc");
	/* outside a transaction: immediate */
	assert_int_equal(privd_db_notify(a, "privd_cache", "two"), PRIVD_OK);
	assert_int_equal(privd_db_wait_notify(b, 5000, on_note, &ns), PRIVD_OK);
	assert_int_equal(ns.n, 2);
	assert_string_equal(ns.payload, "two");
out:
	privd_db_close(a);
	privd_db_close(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_target_parse),
	    cmocka_unit_test(test_roundtrip),
	    cmocka_unit_test(test_stmt_cache_nested),
	    cmocka_unit_test(test_conflict),
	    cmocka_unit_test(test_savepoints),
	    cmocka_unit_test(test_txn_state),
	    cmocka_unit_test(test_errors_log_no_values),
	    cmocka_unit_test(test_read_only_and_purge),
	    cmocka_unit_test(test_keystore_apart),
	    cmocka_unit_test(test_notify),
	    cmocka_unit_test(test_lend),
	};

	STORE_RUN_BOTH(tests);
}
