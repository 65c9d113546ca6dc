/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * pg_pipe.c - a writer's transaction on PostgreSQL sent as one stream (libpq's pipeline mode).
 *
 * The writer commits a group of jobs in one transaction. Run statement by statement, each statement waits for the
 * server's answer before the next is sent: a registration cost four such round trips, a consent change six
 * (bench/README.md), while the server's own work per statement is a fraction of the wait. Inside a transaction begun
 * with privd_db_begin_pipelined this file only sends what the caller does not need back at once (privd_stmt_run,
 * privd_stmt_expect: the inserts, the NOTIFYs, a status read whose value the job already guessed) and reads their
 * results later, in the order sent: when a step needs its rows now (the stream is flushed and everything before it
 * collected) or at privd_db_sync. A failure, or a result that does not show what was asked of it (no row changed,
 * another value than guessed), is remembered and returned by privd_db_sync; the writer then rolls the group back and
 * runs it again job by job without a pipeline, where every statement answers at once. So a group costs a few round
 * trips whatever its size, and nothing is decided on a result not yet read.
 *
 * At most PIPE_MAX_PENDING results are left unread: the server's answers to them (some twenty bytes each) stay well
 * inside the socket's buffers, so the server never blocks writing them while libpq blocks sending (the pipeline's
 * one deadlock, in blocking mode).
 */
#include <stdlib.h>
#include <string.h>

#include "store/pg_int.h"

#define PIPE_MAX_PENDING 512

static void pipe_fail(struct pg_db *d, enum privd_rc rc)
{
	if (d->pipe_rc == PRIVD_OK)
		d->pipe_rc = rc;
}

/* Remembers a command just sent, whose result comes later. */
static enum privd_rc push(struct pg_db *d, const struct pg_pending *p)
{
	if (d->npending == d->cap_pending) {
		size_t cap = d->cap_pending > 0 ? d->cap_pending * 2 : 64;
		struct pg_pending *n = realloc(d->pending, cap * sizeof(*n));

		if (n == NULL)
			return PRIVD_ERR_NOMEM;
		d->pending = n;
		d->cap_pending = cap;
	}
	d->pending[d->npending++] = *p;
	return PRIVD_OK;
}

/* One command's result, and the NULL that ends it in pipeline mode; NULL when the connection gave none. */
static PGresult *take_result(struct pg_db *d)
{
	PGresult *res = PQgetResult(d->conn);
	PGresult *more = res != NULL ? PQgetResult(d->conn) : NULL;

	while (more != NULL) { /* not expected: one result per command; keep the last */
		PQclear(res);
		res = more;
		more = PQgetResult(d->conn);
	}
	return res;
}

/* Whether a successful result shows what p asked of it. */
static enum privd_rc meets(const struct pg_pending *p, PGresult *res)
{
	bool row = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) > 0 && PQnfields(res) > 0;

	if (p->need_change && strtoll(PQcmdTuples(res), NULL, 10) == 0)
		return PRIVD_ERR_NOT_FOUND;
	if (p->first != NULL)
		*p->first = row ? pg_value_int64(res, 0, 0) : 0;
	if (p->expect[0] != '\0') {
		size_t n = strlen(p->expect);

		if (!row || PQgetisnull(res, 0, 0) || (size_t)PQgetlength(res, 0, 0) != n ||
		    memcmp(PQgetvalue(res, 0, 0), p->expect, n) != 0)
			return PRIVD_ERR_CONFLICT;
	}
	return PRIVD_OK;
}

static void collect_one(struct pg_db *d, const struct pg_pending *p)
{
	PGresult *res = take_result(d);
	enum privd_rc rc = PRIVD_ERR_DB;

	/* a connection lost in a failed pipeline answers nothing more: logged once, not once per command sent */
	if (res != NULL || d->pipe_rc == PRIVD_OK)
		rc = pg_check_result(d, res, p->stmt != NULL ? p->stmt->sql : "BEGIN");

	if (p->prepare) {
		p->stmt->prep_pending = false;
		p->stmt->prepared = rc == PRIVD_OK;
	} else if (rc == PRIVD_OK) {
		rc = meets(p, res);
	}
	PQclear(res);
	if (rc != PRIVD_OK)
		pipe_fail(d, rc);
}

/* Reads the results of everything sent so far (the caller made the server send them). */
static void collect(struct pg_db *d)
{
	for (size_t i = 0; i < d->npending; i++)
		collect_one(d, &d->pending[i]);
	d->npending = 0;
}

/* Asks the server for what it has not sent yet, sends what libpq holds, and collects it all. */
static void flush_collect(struct pg_db *d)
{
	if (PQsendFlushRequest(d->conn) == 0 || PQflush(d->conn) != 0)
		pipe_fail(d, PRIVD_ERR_DB);
	collect(d);
}

/* Sends s's Parse ahead of its first run in this pipeline, when the server does not have it yet. */
static enum privd_rc send_prepare(struct pg_db *d, struct pg_stmt *s)
{
	struct pg_pending p = {.stmt = s, .prepare = true};

	if (!s->cached || s->prepared || s->prep_pending)
		return PRIVD_OK;
	if (PQsendPrepare(d->conn, s->name, s->sql, s->nparams, NULL) == 0)
		return PRIVD_ERR_DB;
	s->prep_pending = true;
	return push(d, &p);
}

/* Sends a run of s (its Parse first when needed). */
static enum privd_rc send_run(struct pg_db *d, struct pg_stmt *s)
{
	struct pg_args a = {0};
	enum privd_rc rc = send_prepare(d, s);
	int ok;

	if (rc == PRIVD_OK)
		rc = pg_args_make(s, &a);
	if (rc != PRIVD_OK)
		return rc;
	if (s->cached)
		ok = PQsendQueryPrepared(d->conn, s->name, s->nparams, a.vals, a.lens, a.fmts, 1);
	else
		ok = PQsendQueryParams(d->conn, s->sql, s->nparams, NULL, a.vals, a.lens, a.fmts, 1);
	pg_args_free(&a);
	return ok != 0 ? PRIVD_OK : PRIVD_ERR_DB;
}

enum privd_rc pg_pipe_begin(struct privd_db *db)
{
	struct pg_db *d = PDB(db);
	struct pg_pending p = {0};

	if (d->dead || PQenterPipelineMode(d->conn) == 0)
		return PRIVD_ERR_DB;
	db->pipelined = true;
	d->pipe_rc = PRIVD_OK;
	d->npending = 0;
	if (PQsendQueryParams(d->conn, "BEGIN", 0, NULL, NULL, NULL, NULL, 1) == 0 || push(d, &p) != PRIVD_OK) {
		pipe_fail(d, PRIVD_ERR_DB);
		pg_pipe_sync(db);
		return PRIVD_ERR_DB;
	}
	return PRIVD_OK;
}

enum privd_rc pg_pipe_sync(struct privd_db *db)
{
	struct pg_db *d = PDB(db);
	bool synced = false;
	enum privd_rc rc;

	if (!db->pipelined)
		return PRIVD_OK;
	if (PQpipelineSync(d->conn) == 0)
		pipe_fail(d, PRIVD_ERR_DB);
	collect(d);
	/* then the Sync's own result; a few tries, for a connection that broke on the way */
	for (int i = 0; i < 8 && !synced; i++) {
		PGresult *res = PQgetResult(d->conn);

		if (res == NULL && PQstatus(d->conn) == CONNECTION_BAD)
			break;
		synced = res != NULL && PQresultStatus(res) == PGRES_PIPELINE_SYNC;
		PQclear(res);
	}
	if (!synced || PQexitPipelineMode(d->conn) == 0) {
		pipe_fail(d, PRIVD_ERR_DB);
		d->dead = true;
	}
	db->pipelined = false;
	rc = d->pipe_rc;
	d->pipe_rc = PRIVD_OK;
	return rc;
}

enum privd_rc pg_pipe_defer(struct privd_stmt *st, bool need_change, int64_t *first, const char *expect)
{
	struct pg_stmt *s = PST(st);
	struct pg_db *d = PDB(st->db);
	struct pg_pending p = {.stmt = s, .need_change = need_change, .first = first};
	enum privd_rc rc;

	if (expect != NULL)
		memcpy(p.expect, expect, strlen(expect) + 1); /* db.c checked its length */
	if (!s->cached) { /* its text goes with it and is not kept: run it now, and judge it now */
		rc = pg_pipe_read(s);
		if (rc == PRIVD_OK)
			rc = meets(&p, s->res);
		if (rc != PRIVD_OK)
			pipe_fail(d, rc);
		return rc;
	}
	if (d->pipe_rc != PRIVD_OK)
		return PRIVD_ERR_DB;
	rc = send_run(d, s);
	if (rc == PRIVD_OK)
		rc = push(d, &p);
	if (rc != PRIVD_OK) {
		pipe_fail(d, PRIVD_ERR_DB);
		return PRIVD_ERR_DB;
	}
	s->executed = true; /* a step after this finds no rows */
	s->changes = 0;
	if (d->npending >= PIPE_MAX_PENDING)
		flush_collect(d);
	return PRIVD_OK;
}

enum privd_rc pg_pipe_read(struct pg_stmt *s)
{
	struct pg_db *d = PDB(s->base.db);
	enum privd_rc rc;

	if (d->pipe_rc != PRIVD_OK)
		return PRIVD_ERR_DB;
	rc = send_run(d, s);
	if (rc != PRIVD_OK) {
		pipe_fail(d, PRIVD_ERR_DB);
		return PRIVD_ERR_DB;
	}
	flush_collect(d);
	s->res = take_result(d);
	if (d->pipe_rc != PRIVD_OK) { /* it was skipped, or judged on a transaction that had failed */
		PQclear(s->res);
		s->res = NULL;
		s->executed = true;
		return PRIVD_ERR_DB;
	}
	rc = pg_finish(s);
	if (rc != PRIVD_OK)
		pipe_fail(d, rc);
	return rc;
}
