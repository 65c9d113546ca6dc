/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * pg_int.h - what the PostgreSQL driver's two files share: its connection and statement (postgres.c), and the
 * pipeline a writer's transaction is sent in (pg_pipe.c).
 *
 * Nothing outside src/store/postgres.c and src/store/pg_pipe.c includes this.
 */
#ifndef PRIVD_STORE_PG_INT_H
#define PRIVD_STORE_PG_INT_H

#include <libpq-fe.h>

#include "store/db_int.h"

#define PG_CACHE_MAX 160
#define PG_MAX_PARAMS 65535 /* the protocol's limit: a multi-row INSERT of a fan-out binds hundreds */

/* Runs of one INSERT held back in a pipeline to go as one statement (pg_pipe.c): at most 2^PG_MERGE_LOG2 runs in
 * one, of at most PG_MERGE_SLOTS different INSERTs held at once */
#define PG_MERGE_LOG2 6
#define PG_MERGE_SLOTS 4

/* type oids from pg_type.h (server headers are not a dependency) */
#define OID_BOOL 16
#define OID_BYTEA 17
#define OID_INT8 20
#define OID_INT2 21
#define OID_INT4 23
#define OID_OID 26

struct pg_param {
	char *heap;     /* text and blobs, malloc'd copy */
	char small[24]; /* int64 as decimal */
	int len;
	int fmt; /* 0 text, 1 binary */
	bool set;
};

struct pg_stmt {
	struct privd_stmt base;
	char *sql;     /* the rewritten SQL ($n) */
	uint64_t hash; /* of the original SQL */
	char name[16]; /* server-side name, "" for uncached handles */
	bool cached;
	bool prepared;     /* cached, and the server holds it under name */
	bool prep_pending; /* cached, its Parse sent in a pipeline and not yet answered */
	bool in_use;
	const char *orig; /* cached: the SQL as given (the cache's key) */
	/* a plain INSERT … VALUES of placeholders only: its runs in a pipeline may go as one statement (pg_pipe.c);
	 * merged[k] is the cached statement of 2^(k+1) runs, NULL until first needed */
	bool mergeable;
	struct pg_stmt *merged[PG_MERGE_LOG2];
	int nparams;
	struct pg_param *params; /* nparams of them */
	PGresult *res;
	int row; /* -1 before the first step */
	bool executed;
	int64_t changes;
	char scratch[32]; /* col_text of an integer column */
};

/* The runs of one INSERT held back (pg_pipe.c): their parameters, taken over from the statement at each run. */
struct pg_merge {
	struct pg_stmt *stmt;    /* NULL: the slot is free */
	struct pg_param *params; /* nrows × stmt->nparams */
	size_t nrows, cap;
};

/* A command sent in a pipeline whose result is read later (pg_pipe.c), with what that result must show. */
struct pg_pending {
	struct pg_stmt *stmt; /* the statement run or prepared (a cached one: it outlives the pipeline); NULL: BEGIN */
	bool prepare;         /* the Parse of stmt, not a run of it */
	bool need_change;     /* changing no row fails the pipeline */
	int64_t *first;       /* receives the first column of the first row as an integer (0 when none), or NULL */
	char expect[32];      /* "": nothing; else what the first column of the first row must read */
};

struct pg_db {
	struct privd_db base;
	PGconn *conn;
	unsigned next_name;
	size_t ncache;
	struct pg_stmt *cache[PG_CACHE_MAX];
	char *orig_sql[PG_CACHE_MAX]; /* the cache key: the SQL as given */
	bool others_only;             /* wait_notify skips what this process's own connections sent */
	bool dead;                    /* a pipeline could not be left: every call fails until the handle is closed */
	/* the pipeline (base.pipelined): results not yet read, in the order sent, and its first failure */
	struct pg_pending *pending;
	size_t npending, cap_pending;
	enum privd_rc pipe_rc;
	/* the INSERTs held back, in the order they first came */
	struct pg_merge merge[PG_MERGE_SLOTS];
	size_t nmerge;
};

static inline struct pg_db *PDB(struct privd_db *db)
{
	return (struct pg_db *)db;
}

static inline struct pg_stmt *PST(struct privd_stmt *st)
{
	return (struct pg_stmt *)st;
}

/* Checks a result (NULL: none came): PRIVD_OK for success, PRIVD_ERR_CONFLICT for a unique violation (the constraint
 * recorded for privd_db_conflict), PRIVD_ERR_DB otherwise, logged without values. */
enum privd_rc pg_check_result(struct pg_db *d, const PGresult *res, const char *sql);

/* A cell of a binary-format result as an integer (int2/4/8, oid, bool; text parsed). 0 for NULL. Cannot fail. */
int64_t pg_value_int64(const PGresult *res, int row, int col);

/* The parameters of s as libpq takes them. pg_args_make fails only with PRIVD_ERR_NOMEM; pg_args_free accepts what
 * a failed make left. */
struct pg_args {
	const char **vals;
	int *lens, *fmts;
};
enum privd_rc pg_args_make(const struct pg_stmt *s, struct pg_args *a);
enum privd_rc pg_args_from(const struct pg_param *params, int n, struct pg_args *a);
void pg_args_free(struct pg_args *a);

/* s->res checked after an execution: s->changes set, or s->res cleared and the failure returned. */
enum privd_rc pg_finish(struct pg_stmt *s);

/* ---- pg_pipe.c: the ops of a pipelined transaction (see db.h, privd_db_begin_pipelined) ---- */

/* Enters pipeline mode and sends BEGIN. PRIVD_ERR_DB when the connection cannot (it is left out of the mode). */
enum privd_rc pg_pipe_begin(struct privd_db *db);
/* Collects every result, leaves pipeline mode; the first failure or unmet expectation, PRIVD_OK when none. A
 * connection that could not leave the mode is marked dead. The transaction stays open. */
enum privd_rc pg_pipe_sync(struct privd_db *db);
/* Sends st with what its result must show, to be checked by a later read or the sync (see db.h, privd_stmt_run).
 * PRIVD_ERR_DB when the pipeline already failed or the connection would not take it. */
enum privd_rc pg_pipe_defer(struct privd_stmt *st, bool need_change, int64_t *first, const char *expect);
/* Frees what d holds back; for a connection being closed. */
void pg_pipe_free(struct pg_db *d);
/* Whether an INSERT's SQL (as given) may be merged: `INSERT INTO t(…) VALUES ` then tuples of placeholders only. */
bool pg_pipe_mergeable(const char *sql);
/* Runs s inside the pipeline for its rows now: sends it, collects everything sent before it, reads its result into
 * s->res (pg_finish). PRIVD_ERR_DB when an earlier command of the pipeline failed. */
enum privd_rc pg_pipe_read(struct pg_stmt *s);

#endif
