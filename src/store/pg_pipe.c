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
 *
 * The inserts of a group are many runs of a few statements (a registration: a subject, its consents, an audit
 * entry). Each run sent on its own cost the server a Bind and an Execute, an executor started and ended, its locks
 * taken again, a result sent back: about a fifth of its time under registrations (bench/README.md). So the runs of
 * a plain INSERT … VALUES whose result nothing waits for are held back, their parameters taken over, and sent as one
 * INSERT of many tuples (of 2, 4, … 64 runs, each such statement prepared once per connection) before anything else
 * is sent: a read, another kind of statement, the sync. Only inserts that follow one another are held together, so
 * the server sees every other statement in the order the jobs ran it; what changes is only the order among those
 * inserts (no table here has a trigger or a foreign key, and each table's rows keep their order). A failing row fails
 * its whole statement, which fails the group at the sync as before: the writer then runs it job by job, unpipelined.
 */
#include <stdlib.h>
#include <string.h>

#include "store/pg_int.h"

#define PIPE_MAX_PENDING 512

/* Held runs are sent once a slot holds this many, the most one statement takes (sending them sooner, at 8 or 16, so
 * that the server starts on a group while the writer still runs it, measured no faster). */
#define MERGE_SEND_AT (1u << PG_MERGE_LOG2)

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

/* ---- inserts held back (see the top) ---- */

bool pg_pipe_mergeable(const char *sql)
{
	static const char ins[] = "INSERT INTO ", values[] = ") VALUES (";
	const char *v = strstr(sql, values);
	size_t head;

	if (strncmp(sql, ins, sizeof(ins) - 1) != 0 || v == NULL)
		return false;
	/* the table and its columns, then tuples of placeholders and nothing else (no RETURNING, no ON CONFLICT) */
	head = (size_t)(v - sql) - (sizeof(ins) - 1);
	if (strspn(sql + sizeof(ins) - 1, "abcdefghijklmnopqrstuvwxyz_0123456789, (") != head)
		return false;
	v += sizeof(values) - 2;
	return v[strspn(v, "?, ()")] == '\0' && v[strlen(v) - 1] == ')';
}

/* The cached statement of 2^(k+1) runs of s as one, made at its first use; NULL when the cache has no room. */
static struct pg_stmt *merged_stmt(struct pg_db *d, struct pg_stmt *s, int k)
{
	const char *tuples;
	size_t head, len, runs = (size_t)2 << k, o;
	struct privd_stmt *m = NULL;
	char *sql;

	if (s->merged[k] != NULL)
		return s->merged[k];
	tuples = strstr(s->orig, ") VALUES (") + sizeof(") VALUES ") - 1;
	head = (size_t)(tuples - s->orig);
	len = strlen(tuples);
	sql = malloc(head + runs * (len + 1) + 1);
	if (sql == NULL)
		return NULL;
	memcpy(sql, s->orig, head);
	o = head;
	for (size_t i = 0; i < runs; i++) {
		if (i > 0)
			sql[o++] = ',';
		memcpy(sql + o, tuples, len);
		o += len;
	}
	sql[o] = '\0';
	if (privd_db_prepare(&d->base, sql, &m) == PRIVD_OK) {
		if (PST(m)->cached)
			s->merged[k] = PST(m);
		privd_stmt_finalize(m);
	}
	free(sql);
	return s->merged[k];
}

/* Sends a run of t with the n parameters given (its Parse first when needed). */
static enum privd_rc send_params(struct pg_db *d, struct pg_stmt *t, const struct pg_param *params, int n)
{
	struct pg_pending p = {.stmt = t};
	struct pg_args a = {0};
	enum privd_rc rc = send_prepare(d, t);

	if (rc == PRIVD_OK)
		rc = pg_args_from(params, n, &a);
	if (rc == PRIVD_OK && PQsendQueryPrepared(d->conn, t->name, n, a.vals, a.lens, a.fmts, 1) == 0)
		rc = PRIVD_ERR_DB;
	pg_args_free(&a);
	if (rc == PRIVD_OK)
		rc = push(d, &p);
	if (rc == PRIVD_OK && d->npending >= PIPE_MAX_PENDING)
		flush_collect(d);
	return rc;
}

/* Sends a slot's runs in as few statements as the sizes allow: 64, 32, … 1 runs. */
static enum privd_rc send_slot(struct pg_db *d, struct pg_merge *m)
{
	struct pg_stmt *s = m->stmt;
	size_t done = 0, np = (size_t)s->nparams;
	enum privd_rc rc = PRIVD_OK;

	while (rc == PRIVD_OK && done < m->nrows) {
		size_t left = m->nrows - done, runs = 1;
		struct pg_stmt *t = s;
		int k = -1;

		while (k + 1 < PG_MERGE_LOG2 && ((size_t)2 << (k + 1)) <= left &&
		       ((size_t)2 << (k + 1)) * np <= PG_MAX_PARAMS)
			k++;
		if (k >= 0 && (t = merged_stmt(d, s, k)) != NULL)
			runs = (size_t)2 << k;
		else
			t = s;
		rc = send_params(d, t, &m->params[done * np], (int)(runs * np));
		done += runs;
	}
	return rc;
}

/* Lets go of a slot's runs: their parameters freed, the slot free again (its memory kept for the next). */
static void drop_slot(struct pg_merge *m)
{
	size_t n = m->stmt != NULL ? m->nrows * (size_t)m->stmt->nparams : 0;

	for (size_t i = 0; i < n; i++)
		free(m->params[i].heap);
	m->nrows = 0;
	m->stmt = NULL;
}

/* Sends every run held back, in the order their statements first came; drops them when the pipeline failed. */
static enum privd_rc send_held(struct pg_db *d)
{
	enum privd_rc rc = d->pipe_rc != PRIVD_OK ? PRIVD_ERR_DB : PRIVD_OK;

	for (size_t i = 0; i < d->nmerge; i++) {
		if (rc == PRIVD_OK)
			rc = send_slot(d, &d->merge[i]);
		drop_slot(&d->merge[i]);
	}
	d->nmerge = 0;
	if (rc != PRIVD_OK)
		pipe_fail(d, PRIVD_ERR_DB);
	return rc;
}

/* Holds a run of s back: its parameters taken over, s left unbound. */
static enum privd_rc hold(struct pg_db *d, struct pg_stmt *s)
{
	size_t np = (size_t)s->nparams;
	struct pg_merge *m = NULL;

	for (size_t i = 0; i < d->nmerge && m == NULL; i++)
		if (d->merge[i].stmt == s)
			m = &d->merge[i];
	if (m == NULL) {
		if (d->nmerge == PG_MERGE_SLOTS && send_held(d) != PRIVD_OK)
			return PRIVD_ERR_DB;
		m = &d->merge[d->nmerge++];
		m->stmt = s;
	}
	if ((m->nrows + 1) * np > m->cap) {
		size_t cap = (m->nrows + 1) * np * 2;
		struct pg_param *p = realloc(m->params, cap * sizeof(*p));

		if (p == NULL)
			return PRIVD_ERR_NOMEM;
		m->params = p;
		m->cap = cap;
	}
	memcpy(&m->params[m->nrows * np], s->params, np * sizeof(*s->params));
	memset(s->params, 0, np * sizeof(*s->params));
	m->nrows++;
	return m->nrows >= MERGE_SEND_AT ? send_held(d) : PRIVD_OK;
}

void pg_pipe_free(struct pg_db *d)
{
	for (size_t i = 0; i < PG_MERGE_SLOTS; i++) {
		if (i < d->nmerge)
			drop_slot(&d->merge[i]);
		free(d->merge[i].params);
	}
	d->nmerge = 0;
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
	send_held(d);
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
	if (s->mergeable && !need_change && first == NULL && expect == NULL) {
		rc = hold(d, s);
		if (rc != PRIVD_OK) {
			pipe_fail(d, PRIVD_ERR_DB);
			return PRIVD_ERR_DB;
		}
		s->executed = true;
		s->changes = 0;
		return PRIVD_OK;
	}
	rc = send_held(d);
	if (rc == PRIVD_OK)
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
	rc = send_held(d);
	if (rc == PRIVD_OK)
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
