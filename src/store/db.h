/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * db.h - the one storage driver interface: open, prepare, bind, step, transactions.
 *
 * Two drivers implement it, sqlite.c (embedded, WAL, synchronous=FULL, secure_delete) and postgres.c (libpq).
 * Repositories and migrations are written once above it. SQL is written with `?` placeholders; the PostgreSQL
 * driver rewrites them to $1..$n. Portable SQL only: TEXT, BIGINT, BLOB (the PostgreSQL driver maps the type
 * name BLOB to bytea in DDL through privd_db_exec_ddl), INSERT ... ON CONFLICT, RETURNING.
 *
 * A handle is used by one thread at a time. Statements belong to their handle and must be finalized before it
 * is closed.
 */
#ifndef PRIVD_STORE_DB_H
#define PRIVD_STORE_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/masterkey.h"
#include "core/rc.h"

enum privd_db_engine { PRIVD_DB_SQLITE, PRIVD_DB_POSTGRES };

/* What a database is: "sqlite" (files under data_dir) or a libpq "postgresql://" / "postgres://" URI. */
struct privd_db_target {
	enum privd_db_engine engine;
	char data_dir[1024];  /* SQLite: directory holding privd.db and keystore.db */
	char url[1024];       /* PostgreSQL: the connection URI */
	int checkpoint_pages; /* SQLite: the WAL's bound (privd_db_checkpoint_due); 0: PRIVD_DB_CHECKPOINT_PAGES */
};

/* Parses `url` ("sqlite", "", NULL -> sqlite; postgres[ql]://... -> postgres). PRIVD_ERR_INVALID otherwise. */
enum privd_rc privd_db_target_parse(const char *url, const char *data_dir, struct privd_db_target *out,
                                    struct privd_err *err);

/* Which database of a target a handle opens. The keystore is kept apart from the data: on SQLite its own file
 * (keystore.db), on PostgreSQL its own schema (privd_keys, set as search_path on that connection, the schema
 * created when missing). */
enum privd_db_which { PRIVD_DB_DATA, PRIVD_DB_KEYSTORE };

struct privd_db;
struct privd_stmt;

/* Opens a connection. read_only is a hint (SQLite opens the file read-only; query_only on PostgreSQL is not set).
 * SQLite connections get WAL, synchronous=FULL, secure_delete=ON, foreign_keys=ON, busy_timeout 5 s. */
enum privd_rc privd_db_open(const struct privd_db_target *t, enum privd_db_which which, bool read_only,
                            struct privd_db **out, struct privd_err *err);
void privd_db_close(struct privd_db *db); /* accepts NULL; finalizes cached statements */

enum privd_db_engine privd_db_engine(const struct privd_db *db);

/* Runs one or more statements without parameters or results. In DDL, the word BLOB becomes bytea on PostgreSQL
 * and the word AUTOINCREMENT_PK becomes "INTEGER PRIMARY KEY AUTOINCREMENT" / "BIGSERIAL PRIMARY KEY". */
enum privd_rc privd_db_exec(struct privd_db *db, const char *sql, struct privd_err *err);

/* Transactions. begin is "BEGIN IMMEDIATE" on SQLite. Savepoints nest inside a transaction. */
enum privd_rc privd_db_begin(struct privd_db *db);
enum privd_rc privd_db_commit(struct privd_db *db);
enum privd_rc privd_db_rollback(struct privd_db *db); /* accepts a handle with no open transaction */
enum privd_rc privd_db_savepoint(struct privd_db *db, const char *name);
enum privd_rc privd_db_release(struct privd_db *db, const char *name);
enum privd_rc privd_db_rollback_to(struct privd_db *db, const char *name);

/* A transaction whose statements may be sent without waiting for each answer (PostgreSQL's pipeline mode; on SQLite
 * plain privd_db_begin): the group commit's first, optimistic run, where a group of N jobs would otherwise wait for
 * some 4N answers from the server one by one. Inside it, privd_stmt_run and privd_stmt_expect may only send their
 * statement and return PRIVD_OK at once; their failures, and results that do not show what was asked of them, are
 * returned by privd_db_sync. Any other step sends its statement and waits for it, and for everything sent before
 * it: a failure among those fails that step with PRIVD_ERR_DB, as does every step after a failure. So nothing may be
 * decided inside it on what only privd_db_sync can tell: the caller runs the transaction again without a pipeline
 * when privd_db_sync fails. privd_db_sync (or a commit, a rollback, a savepoint command, which sync first) ends the
 * pipeline; the transaction stays open. PRIVD_ERR_DB when the transaction cannot begin. */
enum privd_rc privd_db_begin_pipelined(struct privd_db *db);
/* Waits for everything sent in the pipeline: PRIVD_OK when all of it succeeded and showed what was asked, else the
 * first failure (PRIVD_ERR_CONFLICT for a unique violation or a value other than expected, PRIVD_ERR_NOT_FOUND for
 * no row changed where one had to be, PRIVD_ERR_DB). Leaves the pipeline; PRIVD_OK at once outside one. */
enum privd_rc privd_db_sync(struct privd_db *db);
/* Whether db is inside a pipelined transaction (before its privd_db_sync). Cannot fail. */
bool privd_db_pipelined(const struct privd_db *db);

/* Memory for what the layer above remembers within one transaction (the audit repository keeps the chain's head
 * there, so that a group commit reads, and on PostgreSQL locks, it once and not once per entry). Inside a
 * transaction begun with privd_db_begin, returns at least size bytes, zeroed at the first call and the same bytes
 * at later calls; outside one, or when out of memory, returns NULL and the caller does without. The handle zeroes
 * the bytes at every privd_db_begin, privd_db_commit, privd_db_rollback and privd_db_rollback_to (so what was
 * remembered inside a savepoint rolled back is forgotten; privd_db_savepoint and privd_db_release keep it) and
 * frees them in privd_db_close; it never looks inside. What is kept there must be a cache, with all bytes zero
 * meaning "nothing known": a call with a larger size than the last one starts again from zero. */
void *privd_db_txn_state(struct privd_db *db, size_t size);

/* The blind indexes held in memory (store/bidx.h): present on SQLite's data database only, where privd_db_bidx is
 * true; on PostgreSQL the engine's unique indexes do the same work. */
bool privd_db_bidx(const struct privd_db *db);
/* The rowids that may hold bidx of kind ("email" or "phone"), this transaction's changes included: at most max in
 * out, the count returned (0 when the handle has no set). The caller reads each row to be sure. */
size_t privd_db_bidx_find(struct privd_db *db, const char *kind, const char *bidx, int64_t *out, size_t max);
/* Notes that the row rowid now holds (add) or no longer holds bidx of kind, inside the transaction open on a
 * handle that writes (privd_db_begin): the set changes at its COMMIT, not at all at its ROLLBACK, and back to
 * the savepoint at ROLLBACK TO. PRIVD_OK and nothing done where the handle has no set; PRIVD_ERR_INTERNAL outside
 * a transaction. */
enum privd_rc privd_db_bidx_note(struct privd_db *db, const char *kind, const char *bidx, int64_t rowid, bool add);
/* Is a transaction begun with privd_db_begin open? Cannot fail. */
bool privd_db_in_txn(const struct privd_db *db);

/* Prepares sql. Drivers may cache prepared statements by sql text; the caller still finalizes each handle it
 * gets. On failure *out is NULL. */
enum privd_rc privd_db_prepare(struct privd_db *db, const char *sql, struct privd_stmt **out);
void privd_stmt_finalize(struct privd_stmt *st);       /* accepts NULL */
enum privd_rc privd_stmt_reset(struct privd_stmt *st); /* clears bindings too */

/* Parameters are numbered from 1. Text and blobs are copied, unless the statement was lent them (privd_stmt_lend). */
enum privd_rc privd_stmt_bind_text(struct privd_stmt *st, int idx, const char *s); /* NULL binds NULL */
enum privd_rc privd_stmt_bind_int64(struct privd_stmt *st, int idx, int64_t v);
enum privd_rc privd_stmt_bind_blob(struct privd_stmt *st, int idx, const void *p, size_t len);
enum privd_rc privd_stmt_bind_null(struct privd_stmt *st, int idx);

/* From now until the statement's next reset or finalize, the text and blobs bound to it may be used where they are
 * instead of copied (SQLite: one allocation and copy less a value): the caller keeps each unchanged and alive until
 * then. For a statement bound, run and finalized in one function. Cannot fail. */
void privd_stmt_lend(struct privd_stmt *st);

/* Steps: PRIVD_DB_ROW when a row is available, PRIVD_DB_DONE when finished. A unique-constraint violation is
 * PRIVD_ERR_CONFLICT; any other failure PRIVD_ERR_DB (the driver logs the engine's message, which must not
 * include bound values). */
#define PRIVD_DB_ROW 100
#define PRIVD_DB_DONE 101
int privd_stmt_step(struct privd_stmt *st);

/* The engine's name for what the last unique violation on this handle hit (a step that returned
 * PRIVD_ERR_CONFLICT): the column on SQLite ("subjects.email_bidx"), the constraint on PostgreSQL
 * ("subjects_email_bidx_key"); "" when there has been none. Names only, never a value. The string belongs to the
 * handle and changes at its next unique violation. Cannot fail. */
const char *privd_db_conflict(const struct privd_db *db);

/* Columns are numbered from 0 and valid until the next step, reset or finalize. NULL text reads as NULL. */
const char *privd_stmt_col_text(struct privd_stmt *st, int col);
int64_t privd_stmt_col_int64(struct privd_stmt *st, int col);
const void *privd_stmt_col_blob(struct privd_stmt *st, int col, size_t *len);
bool privd_stmt_col_is_null(struct privd_stmt *st, int col);

/* Rows changed by the last INSERT/UPDATE/DELETE step of this statement. */
int64_t privd_stmt_changes(struct privd_stmt *st);

/* Runs st (bound, not yet stepped) to its end for its effect, its rows unread but for the first column of the first
 * row, stored as an integer in *first when first is not NULL (0 when there is no row). With need_change, changing
 * no row is PRIVD_ERR_NOT_FOUND. Failures as privd_stmt_step's. Inside a pipelined transaction st is only sent and
 * PRIVD_OK returned: *first is written and the rest checked by privd_db_sync (first must stay valid until then). */
enum privd_rc privd_stmt_run(struct privd_stmt *st, bool need_change, int64_t *first);
/* Runs st (bound, not yet stepped) expecting its first row's first column to read value (at most 31 bytes):
 * PRIVD_OK when it does, PRIVD_ERR_CONFLICT when it reads otherwise, PRIVD_ERR_NOT_FOUND when there is no row.
 * Inside a pipelined transaction only sent, PRIVD_OK returned and the check left to privd_db_sync: for a value the
 * caller already guessed (a subject's status as cached) and goes on from. */
enum privd_rc privd_stmt_expect(struct privd_stmt *st, const char *value);

/* PostgreSQL only (no-ops returning PRIVD_OK on SQLite): NOTIFY channel, payload inside the current transaction
 * (delivered on commit). */
enum privd_rc privd_db_notify(struct privd_db *db, const char *channel, const char *payload);

/* PostgreSQL only: LISTEN on channel, then wait up to timeout_ms for notifications and call cb for each, with the
 * payload as given to privd_db_notify. Returns PRIVD_OK on timeout too; PRIVD_ERR_DB when the connection broke. On
 * SQLite returns PRIVD_ERR_UNSUPPORTED. */
enum privd_rc privd_db_listen(struct privd_db *db, const char *channel);
enum privd_rc privd_db_wait_notify(struct privd_db *db, int timeout_ms,
                                   void (*cb)(void *arg, const char *channel, const char *payload), void *arg);
/* From now on privd_db_wait_notify on db passes over the notifications this process sent itself (through any of its
 * connections) and calls cb only for other processes': a process that updates its own caches when its write commits
 * need not hear of it again. A no-op on SQLite. Cannot fail. */
void privd_db_listen_others(struct privd_db *db);
/* How many COMMITs failed in this process on PostgreSQL since it started (0 on SQLite): each may have committed
 * all the same, its notifications sent to the others but, per privd_db_listen_others, not to this process. A
 * listener that sees the count move treats its caches as it does after a lost connection. Cannot fail. */
unsigned long long privd_db_commits_failed(void);

/* ---- backups (backup.c) ---- */

#define PRIVD_BACKUP_KIDS_MAX 8

/* What a backup read inside the snapshot it copied. */
struct privd_db_backup_info {
	char kids[PRIVD_BACKUP_KIDS_MAX]
	         [PRIVD_KID_HEX]; /* the master keys the keystore copy needs: those not retired */
	size_t nkids;
	int64_t audit_seq; /* the data copy's newest audit entry; 0 for none */
};

/* Copies both databases of t as they were at one instant, while privd serves and writes: the data into data_dir and
 * the keystore into ks_dir (existing directories). SQLite: privd.db and keystore.db through SQLite's online backup,
 * both read transactions begun while the data database's write lock is held, so that no write commits between the
 * two snapshots. PostgreSQL: data.pgdump (every schema but privd_keys) and keystore.pgdump (privd_keys), pg_dump
 * custom-format archives of one exported snapshot (pg_dump from PATH; the password reaches it in its environment,
 * never on its command line). PRIVD_ERR_IO or PRIVD_ERR_DB with the reason in err. */
enum privd_rc privd_db_backup(const struct privd_db_target *t, const char *data_dir, const char *ks_dir,
                              struct privd_db_backup_info *info, struct privd_err *err);

/* The reverse, into a target that holds no privd database yet: SQLite checks both copies (quick_check) and copies
 * them into t's directory, refusing to overwrite a database there; PostgreSQL restores both archives with
 * pg_restore, refusing a database that already has privd's tables. PRIVD_ERR_CONFLICT when the target is not
 * empty, PRIVD_ERR_IO or PRIVD_ERR_DB otherwise, with the reason in err. */
enum privd_rc privd_db_restore(const struct privd_db_target *t, const char *data_dir, const char *ks_dir,
                               struct privd_err *err);

/* Removes what is left of deleted data in the files (SQLite: wal_checkpoint(TRUNCATE); PostgreSQL: no-op).
 * Called after erasure. */
enum privd_rc privd_db_purge(struct privd_db *db);

/* SQLite: true once the WAL written through this (writable) connection has grown past its bound (the target's
 * checkpoint_pages, PRIVD_DB_CHECKPOINT_PAGES unless a test set it) since the last time this said so. A writable SQLite
 * connection never checkpoints by itself: its owner asks this after its commits and has the WAL copied when nobody
 * waits for it (the writer hands it to a thread of its own, so that no batch waits for a copy: one after a fan-out of
 * 100,000 notices copies 100 MB, and under a stream of registrations each copy took 30-190 ms during which no commit
 * could run). PostgreSQL: always false. The bound: 32,768 pages (128 MiB of a WAL of 4 KiB pages). Each copy writes a
 * page once however many commits changed it since the copy before, so a larger bound copies less: under registrations
 * the checkpointer's CPU fell from 14-15 to 8-10 us a registration against 8,192 pages, and the rate rose by 4% on a
 * fresh data directory and 8% at a million people (alternated runs, bench/README.md). What it costs: a WAL of up to
 * about 170 MB under a steady stream, read once at the first open after a crash. */
#define PRIVD_DB_CHECKPOINT_PAGES 32768
bool privd_db_checkpoint_due(struct privd_db *db);
/* SQLite: copies the WAL into the database now, whichever connection wrote it (a PASSIVE checkpoint: it never waits
 * for a reader or a writer, and what a reader still uses stays for the next; another checkpoint running is no
 * failure). *copied (may be NULL): how many of the WAL's frames are in the database after it, counted from the WAL's
 * beginning (a copy adds what was committed since the one before; SQLite starts the WAL again from its beginning at
 * the first write that finds all of it copied); -1 when not known (another checkpoint was running). PostgreSQL:
 * nothing, *copied 0. PRIVD_ERR_DB. */
enum privd_rc privd_db_checkpoint(struct privd_db *db, int *copied);

#endif
