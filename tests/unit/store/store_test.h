/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * store_test.h - what the store tests share: one cmocka group per engine over the same test functions.
 *
 * SQLite always runs, in a fresh temporary directory. PostgreSQL runs when PRIVD_TEST_PG_URL is a libpq URI:
 * each test program creates its own database there (so programs and reruns cannot see each other's rows) and
 * drops it at the end. Tests reach the database through g_target only.
 */
#ifndef PRIVD_TEST_STORE_H
#define PRIVD_TEST_STORE_H

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store/db.h"
#include "store/repo.h"

static struct privd_db_target g_target;
static char g_tmpdir[256];
static char g_pg_dbname[64];

static int setup_sqlite(void **state)
{
	(void)state;
	snprintf(g_tmpdir, sizeof(g_tmpdir), "/tmp/privd-store-test-XXXXXX");
	if (mkdtemp(g_tmpdir) == NULL)
		return -1;
	return privd_db_target_parse("sqlite", g_tmpdir, &g_target, NULL) == PRIVD_OK ? 0 : -1;
}

static int teardown_sqlite(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* The admin URL with its database replaced by name. */
static void pg_url_with_db(const char *url, const char *name, char *out, size_t outlen)
{
	const char *host = strstr(url, "://");
	const char *slash, *query;

	host = host != NULL ? host + 3 : url;
	query = strchr(host, '?');
	slash = strchr(host, '/');
	if (slash != NULL && query != NULL && slash > query)
		slash = NULL;
	if (slash == NULL)
		slash = query != NULL ? query : host + strlen(host);
	snprintf(out, outlen, "%.*s/%s%s", (int)(slash - url), url, name, query != NULL ? query : "");
}

static int pg_admin(const char *sql)
{
	PGconn *c = PQconnectdb(getenv("PRIVD_TEST_PG_URL"));
	PGresult *r = NULL;
	int rc = -1;

	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "cannot connect to PRIVD_TEST_PG_URL: %s", PQerrorMessage(c));
		goto out;
	}
	r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		fprintf(stderr, "%s: %s", sql, PQerrorMessage(c));
		goto out;
	}
	rc = 0;
out:
	PQclear(r);
	PQfinish(c);
	return rc;
}

static int setup_pg(void **state)
{
	char sql[128], url[1024];

	(void)state;
	snprintf(g_pg_dbname, sizeof(g_pg_dbname), "privd_test_%ld_%ld", (long)getpid(), (long)time(NULL));
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s", g_pg_dbname);
	if (pg_admin(sql) != 0)
		return -1;
	pg_url_with_db(getenv("PRIVD_TEST_PG_URL"), g_pg_dbname, url, sizeof(url));
	return privd_db_target_parse(url, NULL, &g_target, NULL) == PRIVD_OK ? 0 : -1;
}

static int teardown_pg(void **state)
{
	char sql[128];

	(void)state;
	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", g_pg_dbname);
	return pg_admin(sql);
}

static inline bool is_pg(void)
{
	return g_target.engine == PRIVD_DB_POSTGRES;
}

static inline struct privd_db *open_db(enum privd_db_which which)
{
	struct privd_db *db = NULL;
	struct privd_err err = {0};

	if (privd_db_open(&g_target, which, false, &db, &err) != PRIVD_OK) {
		fprintf(stderr, "open: %s\n", err.msg);
		return NULL;
	}
	return db;
}

/* Runs tests on SQLite, then on PostgreSQL when PRIVD_TEST_PG_URL is set, each group between the given setup and
 * teardown of the engine. */
#define STORE_RUN_BOTH_WITH(tests, setup_s, teardown_s, setup_p, teardown_p)                                           \
	do {                                                                                                           \
		int fails_ = cmocka_run_group_tests_name("sqlite", tests, setup_s, teardown_s);                        \
		if (getenv("PRIVD_TEST_PG_URL") != NULL && getenv("PRIVD_TEST_PG_URL")[0] != '\0')                     \
			fails_ += cmocka_run_group_tests_name("postgres", tests, setup_p, teardown_p);                 \
		else                                                                                                   \
			fprintf(stderr, "postgres: skipped (PRIVD_TEST_PG_URL not set)\n");                            \
		return fails_;                                                                                         \
	} while (0)
#define STORE_RUN_BOTH(tests) STORE_RUN_BOTH_WITH(tests, setup_sqlite, teardown_sqlite, setup_pg, teardown_pg)

/* For repository tests: a data and a keystore handle on the engine, both migrated. */
static struct privd_db *g_db __attribute__((unused)), *g_ks __attribute__((unused));

static inline int setup_migrated(int (*setup)(void **), void **state)
{
	struct privd_err err = {0};

	if (setup(state) != 0)
		return -1;
	g_db = open_db(PRIVD_DB_DATA);
	g_ks = open_db(PRIVD_DB_KEYSTORE);
	if (g_db == NULL || g_ks == NULL)
		return -1;
	if (privd_repo_migrate(g_db, PRIVD_DB_DATA, &err) != PRIVD_OK ||
	    privd_repo_migrate(g_ks, PRIVD_DB_KEYSTORE, &err) != PRIVD_OK) {
		fprintf(stderr, "migrate: %s\n", err.msg);
		return -1;
	}
	return 0;
}

static inline int teardown_migrated(int (*teardown)(void **), void **state)
{
	privd_db_close(g_db);
	privd_db_close(g_ks);
	g_db = g_ks = NULL;
	return teardown(state);
}

static inline int setup_migrated_sqlite(void **s)
{
	return setup_migrated(setup_sqlite, s);
}
static inline int teardown_migrated_sqlite(void **s)
{
	return teardown_migrated(teardown_sqlite, s);
}
static inline int setup_migrated_pg(void **s)
{
	return setup_migrated(setup_pg, s);
}
static inline int teardown_migrated_pg(void **s)
{
	return teardown_migrated(teardown_pg, s);
}

#define STORE_RUN_BOTH_MIGRATED(tests)                                                                                 \
	STORE_RUN_BOTH_WITH(tests, setup_migrated_sqlite, teardown_migrated_sqlite, setup_migrated_pg,                 \
	                    teardown_migrated_pg)

#endif
