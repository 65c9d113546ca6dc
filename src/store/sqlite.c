/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * sqlite.c - the embedded storage driver: two files under the data directory, privd.db and keystore.db.
 *
 * Shaped by two workloads. Registration is write-bound: one writer thread commits groups of jobs, so every
 * commit's fsync (synchronous=FULL, WAL) is shared, and the per-job work is a handful of statements that must
 * not be re-parsed each time. Reads (consent state, API key lookup) are the hot path on many reader
 * connections. Both are served by a small per-connection cache of prepared statements keyed by SQL text: a
 * handle from privd_db_prepare is a cache slot, and finalizing it only resets it for the next caller.
 * secure_delete=ON overwrites deleted content so erased subjects do not linger in free pages; files are created
 * mode 0600.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "store/bidx.h"
#include "store/db_int.h"
#include "store/sqlite_vfs.h"

#define SQLITE_CACHE_MAX 96

struct sqlite_stmt {
	struct privd_stmt base;
	sqlite3_stmt *st;
	char *sql; /* cached slots only */
	uint64_t hash;
	bool cached;
	bool in_use;
	int64_t changes;
};

struct sqlite_db {
	struct privd_db base;
	sqlite3 *h;
	size_t ncache;
	struct sqlite_stmt *cache[SQLITE_CACHE_MAX];
	int wal_pages;  /* in the WAL after the last commit (the WAL hook's count) */
	int ckpt_pages; /* the WAL's bound (privd_db_checkpoint_due) */
};

static struct sqlite_db *SDB(struct privd_db *db)
{
	return (struct sqlite_db *)db;
}

static struct sqlite_stmt *SST(struct privd_stmt *st)
{
	return (struct sqlite_stmt *)st;
}

static void log_sqlite(sqlite3 *h, const char *sql)
{
	char code[16];

	snprintf(code, sizeof(code), "%d", sqlite3_extended_errcode(h));
	/* SQLite's messages name tables, columns and constraints, never the values involved. */
	privd_db_log_error("sqlite", code, sqlite3_errmsg(h), sql);
}

/* Maps a failed step or exec; records which constraint a unique violation hit. */
static enum privd_rc map_error(struct sqlite_db *d, const char *sql)
{
	int ext = sqlite3_extended_errcode(d->h);

	if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY) {
		const char *m = sqlite3_errmsg(d->h);
		const char *c = strstr(m, ": ");

		snprintf(d->base.conflict, sizeof(d->base.conflict), "%s", c != NULL ? c + 2 : m);
		return PRIVD_ERR_CONFLICT;
	}
	log_sqlite(d->h, sql);
	return PRIVD_ERR_DB;
}

/* ---- the blind indexes in memory (bidx.h): one set per data database file in the process ---- */

struct bidx_entry {
	struct bidx_entry *next;
	char path[PATH_MAX];
	int refs;
	struct privd_bidx *set;
};

#define BIDX_LOAD_BATCH 64

static pthread_mutex_t bidx_mu = PTHREAD_MUTEX_INITIALIZER;
static struct bidx_entry *bidx_sets;

/* Fills b from the subjects table, read outside any transaction (privd_bidx_rebuild's load). A database not yet
 * migrated has no table: an empty set. */
static enum privd_rc bidx_load(void *arg, struct privd_bidx *b)
{
	static const char sql[] = "SELECT rowid, email_bidx, phone_bidx FROM subjects"
	                          " WHERE email_bidx IS NOT NULL OR phone_bidx IS NOT NULL";
	sqlite3 *h = arg;
	sqlite3_stmt *st = NULL;
	enum privd_rc rc = PRIVD_OK;
	int r;

	r = sqlite3_prepare_v2(h, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'subjects'", -1, &st,
	                       NULL);
	if (r == SQLITE_OK)
		r = sqlite3_step(st);
	sqlite3_finalize(st);
	st = NULL;
	if (r == SQLITE_DONE)
		return PRIVD_OK;
	/* rowids are given in order, so the last is about the number of rows, each with an e-mail, a phone or both */
	if (r == SQLITE_ROW && sqlite3_prepare_v2(h, "SELECT max(rowid) FROM subjects", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW) {
		int64_t last = sqlite3_column_int64(st, 0);

		if (last > 0 && last < INT64_C(1) << 32)
			rc = privd_bidx_presize_locked(b, 2 * (size_t)last);
	}
	sqlite3_finalize(st);
	st = NULL;
	if (rc != PRIVD_OK)
		return rc;
	if (r != SQLITE_ROW || sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK) {
		log_sqlite(h, sql);
		sqlite3_finalize(st);
		return PRIVD_ERR_DB;
	}
	/* a batch of rows at a time, their text copied out of SQLite's pages: their slots are fetched together */
	do {
		char text[BIDX_LOAD_BATCH][65];
		const char *v[BIDX_LOAD_BATCH];
		int kind[BIDX_LOAD_BATCH];
		int64_t rowid[BIDX_LOAD_BATCH];
		size_t n = 0;

		while (n + 2 <= BIDX_LOAD_BATCH && (r = sqlite3_step(st)) == SQLITE_ROW)
			for (int col = 1; col <= 2; col++) {
				const char *t = (const char *)sqlite3_column_text(st, col);

				if (t == NULL)
					continue;
				snprintf(text[n], sizeof(text[n]), "%s", t);
				v[n] = text[n];
				kind[n] = col == 1 ? PRIVD_BIDX_EMAIL : PRIVD_BIDX_PHONE;
				rowid[n] = sqlite3_column_int64(st, 0);
				n++;
			}
		rc = privd_bidx_put_many_locked(b, kind, v, rowid, n);
	} while (rc == PRIVD_OK && r == SQLITE_ROW);
	if (rc == PRIVD_OK && r != SQLITE_DONE) {
		log_sqlite(h, sql);
		rc = PRIVD_ERR_DB;
	}
	sqlite3_finalize(st);
	return rc;
}

/* Gives the connection the set of its file, built from the table by the first connection to open it; a
 * connection that writes gets a log for its transactions. */
static enum privd_rc bidx_attach(struct sqlite_db *d, const char *path)
{
	char real[PATH_MAX];
	struct bidx_entry *e;
	struct timespec t0, t1;
	enum privd_rc rc = PRIVD_OK;

	if (realpath(path, real) == NULL)
		snprintf(real, sizeof(real), "%s", path);
	if (!d->base.read_only && (d->base.bidx_log = privd_bidx_log_new()) == NULL)
		return PRIVD_ERR_NOMEM;
	pthread_mutex_lock(&bidx_mu);
	for (e = bidx_sets; e != NULL && strcmp(e->path, real) != 0; e = e->next)
		;
	if (e == NULL) {
		e = calloc(1, sizeof(*e));
		if (e == NULL || (e->set = privd_bidx_new()) == NULL) {
			free(e);
			rc = PRIVD_ERR_NOMEM;
			goto out;
		}
		snprintf(e->path, sizeof(e->path), "%s", real);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		rc = privd_bidx_rebuild(e->set, bidx_load, d->h);
		if (rc != PRIVD_OK) {
			privd_bidx_free(e->set);
			free(e);
			goto out;
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		privd_log(PRIVD_LOG_INFO, "store.bidx_built", "\"entries\":%zu,\"ms\":%lld", privd_bidx_count(e->set),
		          (long long)((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000));
		e->next = bidx_sets;
		bidx_sets = e;
	}
	e->refs++;
	d->base.bidx = e->set;
out:
	pthread_mutex_unlock(&bidx_mu);
	return rc;
}

/* The last connection to a file frees its set. */
static void bidx_detach(struct sqlite_db *d)
{
	struct bidx_entry **p;

	privd_bidx_log_free(d->base.bidx_log);
	d->base.bidx_log = NULL;
	if (d->base.bidx == NULL)
		return;
	pthread_mutex_lock(&bidx_mu);
	for (p = &bidx_sets; *p != NULL && (*p)->set != d->base.bidx; p = &(*p)->next)
		;
	if (*p != NULL && --(*p)->refs == 0) {
		struct bidx_entry *e = *p;

		*p = e->next;
		privd_bidx_free(e->set);
		free(e);
	}
	pthread_mutex_unlock(&bidx_mu);
	d->base.bidx = NULL;
}

static enum privd_rc sq_bidx_rebuild(struct privd_db *db)
{
	return db->bidx != NULL ? privd_bidx_rebuild(db->bidx, bidx_load, SDB(db)->h) : PRIVD_OK;
}

static void sq_close(struct privd_db *db)
{
	struct sqlite_db *d = SDB(db);
	size_t i;

	for (i = 0; i < d->ncache; i++) {
		sqlite3_finalize(d->cache[i]->st);
		free(d->cache[i]->sql);
		free(d->cache[i]);
	}
	bidx_detach(d);
	sqlite3_close_v2(d->h);
	free(d);
}

static enum privd_rc sq_prepare(struct privd_db *db, const char *sql, struct privd_stmt **out)
{
	struct sqlite_db *d = SDB(db);
	struct sqlite_stmt *s = NULL;
	sqlite3_stmt *st = NULL;
	uint64_t h = privd_db_hash_sql(sql);
	size_t i;

	for (i = 0; i < d->ncache; i++) {
		s = d->cache[i];
		if (!s->in_use && s->hash == h && strcmp(s->sql, sql) == 0) {
			s->in_use = true;
			s->changes = 0;
			*out = &s->base;
			return PRIVD_OK;
		}
	}
	if (sqlite3_prepare_v3(d->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
		log_sqlite(d->h, sql);
		return PRIVD_ERR_DB;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		sqlite3_finalize(st);
		return PRIVD_ERR_NOMEM;
	}
	s->base.db = db;
	s->st = st;
	s->hash = h;
	s->in_use = true;
	if (d->ncache < SQLITE_CACHE_MAX) {
		s->sql = strdup(sql);
		if (s->sql != NULL) {
			s->cached = true;
			d->cache[d->ncache++] = s;
		}
	}
	*out = &s->base;
	return PRIVD_OK;
}

static void sq_finalize(struct privd_stmt *st)
{
	struct sqlite_stmt *s = SST(st);

	if (s->cached) {
		sqlite3_reset(s->st);
		sqlite3_clear_bindings(s->st);
		s->base.lent = false;
		s->in_use = false;
		return;
	}
	sqlite3_finalize(s->st);
	free(s);
}

static enum privd_rc sq_reset(struct privd_stmt *st)
{
	struct sqlite_stmt *s = SST(st);

	sqlite3_reset(s->st);
	sqlite3_clear_bindings(s->st);
	s->base.lent = false;
	s->changes = 0;
	return PRIVD_OK;
}

static int sq_step(struct privd_stmt *st)
{
	struct sqlite_stmt *s = SST(st);
	struct sqlite_db *d = SDB(st->db);
	int rc = sqlite3_step(s->st);

	if (rc == SQLITE_ROW)
		return PRIVD_DB_ROW;
	if (rc == SQLITE_DONE) {
		s->changes = sqlite3_changes64(d->h);
		return PRIVD_DB_DONE;
	}
	rc = map_error(d, sqlite3_sql(s->st));
	sqlite3_reset(s->st);
	return rc;
}

/* A single statement goes through the statement cache (BEGIN, SAVEPOINT, COMMIT run once per job); a script
 * of several statements (DDL) through sqlite3_exec. */
static enum privd_rc sq_exec(struct privd_db *db, const char *sql)
{
	struct sqlite_db *d = SDB(db);
	struct privd_stmt *st = NULL;
	const char *semi = strchr(sql, ';');
	enum privd_rc rc = PRIVD_OK;
	int r;

	if (semi != NULL && semi[strspn(semi, "; \t\r\n")] != '\0') {
		if (sqlite3_exec(d->h, sql, NULL, NULL, NULL) != SQLITE_OK)
			return map_error(d, sql);
		return PRIVD_OK;
	}
	rc = sq_prepare(db, sql, &st);
	if (rc != PRIVD_OK)
		return rc;
	do
		r = sq_step(st);
	while (r == PRIVD_DB_ROW);
	if (r != PRIVD_DB_DONE)
		rc = (enum privd_rc)r;
	sq_finalize(st);
	return rc;
}

static bool sq_in_txn(struct privd_db *db)
{
	return sqlite3_get_autocommit(SDB(db)->h) == 0;
}

static enum privd_rc bind_rc(int r)
{
	if (r == SQLITE_OK)
		return PRIVD_OK;
	return r == SQLITE_NOMEM ? PRIVD_ERR_NOMEM : PRIVD_ERR_INTERNAL;
}

static enum privd_rc sq_bind_text(struct privd_stmt *st, int idx, const char *s)
{
	return bind_rc(sqlite3_bind_text(SST(st)->st, idx, s, -1, st->lent ? SQLITE_STATIC : SQLITE_TRANSIENT));
}

static enum privd_rc sq_bind_int64(struct privd_stmt *st, int idx, int64_t v)
{
	return bind_rc(sqlite3_bind_int64(SST(st)->st, idx, v));
}

static enum privd_rc sq_bind_blob(struct privd_stmt *st, int idx, const void *p, size_t len)
{
	/* a NULL pointer would bind SQL NULL; an empty blob stays an empty blob */
	return bind_rc(sqlite3_bind_blob64(SST(st)->st, idx, p != NULL ? p : "", len,
	                                   st->lent ? SQLITE_STATIC : SQLITE_TRANSIENT));
}

static enum privd_rc sq_bind_null(struct privd_stmt *st, int idx)
{
	return bind_rc(sqlite3_bind_null(SST(st)->st, idx));
}

static const char *sq_col_text(struct privd_stmt *st, int col)
{
	return (const char *)sqlite3_column_text(SST(st)->st, col);
}

static int64_t sq_col_int64(struct privd_stmt *st, int col)
{
	return sqlite3_column_int64(SST(st)->st, col);
}

static const void *sq_col_blob(struct privd_stmt *st, int col, size_t *len)
{
	sqlite3_stmt *s = SST(st)->st;
	const void *p = sqlite3_column_blob(s, col);

	*len = (size_t)sqlite3_column_bytes(s, col);
	if (p == NULL && sqlite3_column_type(s, col) != SQLITE_NULL)
		return "";
	return p;
}

static bool sq_col_is_null(struct privd_stmt *st, int col)
{
	return sqlite3_column_type(SST(st)->st, col) == SQLITE_NULL;
}

static int64_t sq_changes(struct privd_stmt *st)
{
	return SST(st)->changes;
}

static enum privd_rc sq_notify(struct privd_db *db, const char *channel, const char *payload)
{
	(void)db;
	(void)channel;
	(void)payload;
	return PRIVD_OK;
}

static enum privd_rc sq_listen(struct privd_db *db, const char *channel)
{
	(void)db;
	(void)channel;
	return PRIVD_ERR_UNSUPPORTED;
}

static enum privd_rc sq_wait_notify(struct privd_db *db, int timeout_ms,
                                    void (*cb)(void *arg, const char *channel, const char *payload), void *arg)
{
	(void)db;
	(void)timeout_ms;
	(void)cb;
	(void)arg;
	return PRIVD_ERR_UNSUPPORTED;
}

static enum privd_rc sq_purge(struct privd_db *db)
{
	return sq_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
}

/* Called by SQLite after each commit on a writable connection; registering it turns the automatic checkpoint
 * off (sqlite3_wal_hook): sq_checkpoint does it instead, when the owner is ready to wait for it. */
static int sq_wal_hook(void *arg, sqlite3 *h, const char *name, int pages)
{
	(void)h;
	(void)name;
	((struct sqlite_db *)arg)->wal_pages = pages;
	return SQLITE_OK;
}

static bool sq_checkpoint_due(struct privd_db *db)
{
	struct sqlite_db *d = SDB(db);

	if (d->wal_pages < d->ckpt_pages)
		return false;
	d->wal_pages = 0;
	return true;
}

static enum privd_rc sq_checkpoint(struct privd_db *db, int *copied)
{
	int frames = -1;
	int r = sqlite3_wal_checkpoint_v2(SDB(db)->h, NULL, SQLITE_CHECKPOINT_PASSIVE, &frames, copied);

	if (r != SQLITE_OK)
		*copied = -1;
	/* busy: another connection checkpoints right now; the next commit's count brings this back */
	return r == SQLITE_OK || r == SQLITE_BUSY ? PRIVD_OK : PRIVD_ERR_DB;
}

static pthread_once_t global_once = PTHREAD_ONCE_INIT;

/* Before the first connection: SQLite's memory statistics (sqlite3_memory_used) take a global mutex around every
 * allocation of every connection, and nothing of privd reads them. Refused (SQLITE_MISUSE, harmless) if SQLite was
 * already initialised. */
static void global_init(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	privd_sqlite_vfs();
}

static enum privd_rc sq_open(const struct privd_db_target *t, enum privd_db_which which, bool read_only,
                             struct privd_db **out, struct privd_err *err)
{
	struct sqlite_db *d = NULL;
	char path[1100];
	int flags = SQLITE_OPEN_NOMUTEX | (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE);
	enum privd_rc rc = PRIVD_OK;
	int fd = -1;

	snprintf(path, sizeof(path), "%s/%s", t->data_dir, which == PRIVD_DB_KEYSTORE ? "keystore.db" : "privd.db");
	if (!read_only) {
		if (mkdir(t->data_dir, 0700) != 0 && errno != EEXIST) {
			rc = privd_err_set(err, PRIVD_ERR_IO, "cannot create data directory %s", t->data_dir);
			goto out;
		}
		/* Create the file ourselves so that it, and the -wal and -shm files SQLite derives from it, are 0600.
		 * Only when it does not exist yet: closing a descriptor of a file this process has open through SQLite
		 * would drop SQLite's POSIX locks on it, and another process could then delete the live WAL. */
		fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0 && errno != EEXIST) {
			rc = privd_err_set(err, PRIVD_ERR_IO, "cannot create %s", path);
			goto out;
		}
		if (fd >= 0) {
			close(fd);
			fd = -1;
		}
	}
	d = calloc(1, sizeof(*d));
	if (d == NULL) {
		rc = privd_err_set(err, PRIVD_ERR_NOMEM, "out of memory");
		goto out;
	}
	pthread_once(&global_once, global_init);
	d->base.ops = &privd_db_sqlite_ops;
	d->base.engine = PRIVD_DB_SQLITE;
	d->base.which = which;
	d->base.read_only = read_only;
	d->ckpt_pages = t->checkpoint_pages > 0 ? t->checkpoint_pages : PRIVD_DB_CHECKPOINT_PAGES;
	/* the connections that write gather each commit's WAL frames into one write (sqlite_vfs.h): synchronous=FULL
	 * below is that shim's condition */
	if (sqlite3_open_v2(path, &d->h, flags, read_only ? NULL : privd_sqlite_vfs()) != SQLITE_OK) {
		rc = privd_err_set(err, PRIVD_ERR_DB, "cannot open %s: %s", path,
		                   d->h != NULL ? sqlite3_errmsg(d->h) : "out of memory");
		goto out;
	}
	sqlite3_extended_result_codes(d->h, 1);
	sqlite3_busy_timeout(d->h, 5000);
	if (!read_only && sqlite3_exec(d->h, "PRAGMA journal_mode=WAL", NULL, NULL, NULL) != SQLITE_OK) {
		rc = privd_err_set(err, PRIVD_ERR_DB, "cannot set WAL on %s: %s", path, sqlite3_errmsg(d->h));
		goto out;
	}
	if (sqlite3_exec(d->h, "PRAGMA synchronous=FULL; PRAGMA secure_delete=ON; PRAGMA foreign_keys=ON", NULL, NULL,
	                 NULL) != SQLITE_OK) {
		rc = privd_err_set(err, PRIVD_ERR_DB, "cannot configure %s: %s", path, sqlite3_errmsg(d->h));
		goto out;
	}
	/* The writer's connection keeps more pages in memory: each group commit touches index pages all over the
	 * file, and re-reading them costs more than the memory. */
	if (!read_only && sqlite3_exec(d->h, "PRAGMA cache_size=-16384", NULL, NULL, NULL) != SQLITE_OK) {
		rc = privd_err_set(err, PRIVD_ERR_DB, "cannot configure %s: %s", path, sqlite3_errmsg(d->h));
		goto out;
	}
	if (!read_only)
		sqlite3_wal_hook(d->h, sq_wal_hook, d);
	if (which == PRIVD_DB_DATA && (rc = bidx_attach(d, path)) != PRIVD_OK) {
		privd_err_set(err, rc, "cannot read the blind indexes of %s", path);
		goto out;
	}
	*out = &d->base;
	d = NULL;
out:
	if (fd >= 0)
		close(fd);
	if (d != NULL) {
		bidx_detach(d);
		sqlite3_close_v2(d->h);
		free(d);
	}
	return rc;
}

const struct privd_db_ops privd_db_sqlite_ops = {
    .name = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .exec = sq_exec,
    .in_txn = sq_in_txn,
    .prepare = sq_prepare,
    .finalize = sq_finalize,
    .reset = sq_reset,
    .bind_text = sq_bind_text,
    .bind_int64 = sq_bind_int64,
    .bind_blob = sq_bind_blob,
    .bind_null = sq_bind_null,
    .step = sq_step,
    .col_text = sq_col_text,
    .col_int64 = sq_col_int64,
    .col_blob = sq_col_blob,
    .col_is_null = sq_col_is_null,
    .changes = sq_changes,
    .notify = sq_notify,
    .listen = sq_listen,
    .wait_notify = sq_wait_notify,
    .purge = sq_purge,
    .checkpoint = sq_checkpoint,
    .checkpoint_due = sq_checkpoint_due,
    .bidx_rebuild = sq_bidx_rebuild,
};
