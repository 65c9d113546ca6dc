/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * postgres.c - the PostgreSQL storage driver (libpq), for privd nodes that share one database.
 *
 * The SQL of the repositories is written once with `?` placeholders; this driver rewrites them to $1..$n
 * (skipping quoted text) and keeps a per-connection cache of named server-side prepared statements keyed by the
 * SQL text, so a hot statement is parsed and planned once per connection and then costs one round trip.
 * Parameters go as text (int64 as decimal) and blobs as binary; results come back binary so bytea round-trips
 * byte for byte and int8 needs no parsing. Engine errors are logged by SQLSTATE, constraint and, except for
 * data exceptions (whose messages quote the offending input), the primary message: never a DETAIL line, which
 * repeats row values. The keystore connection lives in its own schema, privd_keys.
 */
#include <errno.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/db_int.h"

#define PG_CACHE_MAX 96
#define PG_MAX_PARAMS 65535 /* the protocol's limit: a multi-row INSERT of a fan-out binds hundreds */

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
	bool in_use;
	int nparams;
	struct pg_param *params; /* nparams of them */
	PGresult *res;
	int row; /* -1 before the first step */
	bool executed;
	int64_t changes;
	char scratch[32]; /* col_text of an integer column */
};

struct pg_db {
	struct privd_db base;
	PGconn *conn;
	unsigned next_name;
	size_t ncache;
	struct pg_stmt *cache[PG_CACHE_MAX];
	char *orig_sql[PG_CACHE_MAX]; /* the cache key: the SQL as given */
};

static struct pg_db *PDB(struct privd_db *db)
{
	return (struct pg_db *)db;
}

static struct pg_stmt *PST(struct privd_stmt *st)
{
	return (struct pg_stmt *)st;
}

static void log_pg_result(const PGresult *res, PGconn *conn, const char *sql)
{
	const char *state = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *constraint = res != NULL ? PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME) : NULL;
	const char *primary = res != NULL ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	char msg[300];

	if (primary == NULL && res == NULL)
		primary = PQerrorMessage(conn);
	if (state != NULL && (strncmp(state, "22", 2) == 0 || strncmp(state, "23", 2) == 0))
		primary = "(message withheld: may quote values)";
	snprintf(msg, sizeof(msg), "%s%s%s", primary != NULL ? primary : "unknown error",
	         constraint != NULL ? "; constraint " : "", constraint != NULL ? constraint : "");
	privd_db_log_error("postgres", state != NULL ? state : "", msg, sql);
}

/* Checks a result; maps unique violations to PRIVD_ERR_CONFLICT and records the constraint. */
static enum privd_rc check_result(struct pg_db *d, const PGresult *res, const char *sql)
{
	ExecStatusType s = res != NULL ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	const char *state;

	if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK || s == PGRES_EMPTY_QUERY)
		return PRIVD_OK;
	state = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	if (state != NULL && strcmp(state, "23505") == 0) {
		const char *c = PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME);

		snprintf(d->base.conflict, sizeof(d->base.conflict), "%s", c != NULL ? c : "");
		return PRIVD_ERR_CONFLICT;
	}
	log_pg_result(res, d->conn, sql);
	return PRIVD_ERR_DB;
}

/* Rewrites ? to $1..$n outside quotes and comments. Returns a malloc'd string or NULL; *n is the count. */
static char *rewrite_placeholders(const char *sql, int *n)
{
	size_t cap = strlen(sql) * 4 + 16, o = 0;
	char *out = malloc(cap);
	const char *p;
	char quote = 0;
	bool comment = false;

	*n = 0;
	if (out == NULL)
		return NULL;
	for (p = sql; *p != '\0'; p++) {
		if (comment) {
			if (*p == '\n')
				comment = false;
		} else if (quote != 0) {
			if (*p == quote)
				quote = 0;
		} else if (*p == '\'' || *p == '"') {
			quote = *p;
		} else if (p[0] == '-' && p[1] == '-') {
			comment = true;
		} else if (*p == '?') {
			if (o + 12 > cap) {
				free(out);
				return NULL;
			}
			o += (size_t)snprintf(out + o, cap - o, "$%d", ++*n);
			continue;
		}
		if (o + 2 > cap) {
			free(out);
			return NULL;
		}
		out[o++] = *p;
	}
	out[o] = '\0';
	return out;
}

static void clear_params(struct pg_stmt *s)
{
	int i;

	for (i = 0; s->params != NULL && i < s->nparams; i++) {
		free(s->params[i].heap);
		memset(&s->params[i], 0, sizeof(s->params[i]));
	}
}

static void clear_result(struct pg_stmt *s)
{
	PQclear(s->res);
	s->res = NULL;
	s->row = -1;
	s->executed = false;
}

static void free_stmt(struct pg_stmt *s)
{
	clear_result(s);
	clear_params(s);
	free(s->params);
	free(s->sql);
	free(s);
}

static void pg_close(struct privd_db *db)
{
	struct pg_db *d = PDB(db);
	size_t i;

	for (i = 0; i < d->ncache; i++) {
		free_stmt(d->cache[i]);
		free(d->orig_sql[i]);
	}
	PQfinish(d->conn);
	free(d);
}

/* Runs a parameterless command. */
static enum privd_rc pg_exec(struct privd_db *db, const char *sql)
{
	struct pg_db *d = PDB(db);
	PGresult *res = PQexec(d->conn, sql);
	enum privd_rc rc = check_result(d, res, sql);

	PQclear(res);
	return rc;
}

static bool pg_in_txn(struct privd_db *db)
{
	PGTransactionStatusType s = PQtransactionStatus(PDB(db)->conn);

	return s == PQTRANS_INTRANS || s == PQTRANS_INERROR || s == PQTRANS_ACTIVE;
}

static enum privd_rc pg_prepare(struct privd_db *db, const char *sql, struct privd_stmt **out)
{
	struct pg_db *d = PDB(db);
	struct pg_stmt *s = NULL;
	PGresult *res = NULL;
	uint64_t h = privd_db_hash_sql(sql);
	enum privd_rc rc = PRIVD_OK;
	size_t i;

	for (i = 0; i < d->ncache; i++) {
		s = d->cache[i];
		if (!s->in_use && s->hash == h && strcmp(d->orig_sql[i], sql) == 0) {
			s->in_use = true;
			s->changes = 0;
			*out = &s->base;
			return PRIVD_OK;
		}
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return PRIVD_ERR_NOMEM;
	s->base.db = db;
	s->hash = h;
	s->row = -1;
	s->in_use = true;
	s->sql = rewrite_placeholders(sql, &s->nparams);
	if (s->sql == NULL) {
		rc = PRIVD_ERR_NOMEM;
		goto out;
	}
	if (s->nparams > PG_MAX_PARAMS) {
		privd_db_log_error("postgres", "", "too many parameters", sql);
		rc = PRIVD_ERR_INTERNAL;
		goto out;
	}
	s->params = calloc((size_t)(s->nparams > 0 ? s->nparams : 1), sizeof(*s->params));
	if (s->params == NULL) {
		rc = PRIVD_ERR_NOMEM;
		goto out;
	}
	if (d->ncache < PG_CACHE_MAX) {
		char *key = strdup(sql);

		if (key == NULL) {
			rc = PRIVD_ERR_NOMEM;
			goto out;
		}
		snprintf(s->name, sizeof(s->name), "privd_%u", ++d->next_name);
		res = PQprepare(d->conn, s->name, s->sql, s->nparams, NULL);
		rc = check_result(d, res, sql);
		if (rc != PRIVD_OK) {
			free(key);
			goto out;
		}
		s->cached = true;
		d->orig_sql[d->ncache] = key;
		d->cache[d->ncache++] = s;
	}
	*out = &s->base;
	s = NULL;
out:
	PQclear(res);
	if (s != NULL)
		free_stmt(s);
	return rc;
}

static void pg_finalize(struct privd_stmt *st)
{
	struct pg_stmt *s = PST(st);

	if (s->cached) {
		clear_result(s);
		clear_params(s);
		s->in_use = false;
		return;
	}
	free_stmt(s);
}

static enum privd_rc pg_reset(struct privd_stmt *st)
{
	struct pg_stmt *s = PST(st);

	clear_result(s);
	clear_params(s);
	s->changes = 0;
	return PRIVD_OK;
}

static struct pg_param *param_at(struct pg_stmt *s, int idx)
{
	struct pg_param *p;

	if (idx < 1 || idx > s->nparams)
		return NULL;
	p = &s->params[idx - 1];
	free(p->heap);
	memset(p, 0, sizeof(*p));
	return p;
}

static enum privd_rc pg_bind_copy(struct privd_stmt *st, int idx, const void *v, size_t len, int fmt)
{
	struct pg_param *p = param_at(PST(st), idx);

	if (p == NULL)
		return PRIVD_ERR_INTERNAL;
	if (len > (size_t)INT32_MAX)
		return PRIVD_ERR_TOO_LARGE;
	p->heap = malloc(len + 1);
	if (p->heap == NULL)
		return PRIVD_ERR_NOMEM;
	if (len > 0)
		memcpy(p->heap, v, len);
	p->heap[len] = '\0';
	p->len = (int)len;
	p->fmt = fmt;
	p->set = true;
	return PRIVD_OK;
}

static enum privd_rc pg_bind_text(struct privd_stmt *st, int idx, const char *s)
{
	return pg_bind_copy(st, idx, s, strlen(s), 0);
}

static enum privd_rc pg_bind_blob(struct privd_stmt *st, int idx, const void *v, size_t len)
{
	return pg_bind_copy(st, idx, v, len, 1);
}

static enum privd_rc pg_bind_int64(struct privd_stmt *st, int idx, int64_t v)
{
	struct pg_param *p = param_at(PST(st), idx);

	if (p == NULL)
		return PRIVD_ERR_INTERNAL;
	p->len = snprintf(p->small, sizeof(p->small), "%" PRId64, v);
	p->set = true;
	return PRIVD_OK;
}

static enum privd_rc pg_bind_null(struct privd_stmt *st, int idx)
{
	return param_at(PST(st), idx) != NULL ? PRIVD_OK : PRIVD_ERR_INTERNAL;
}

static int pg_execute(struct pg_stmt *s)
{
	struct pg_db *d = PDB(s->base.db);
	size_t n = (size_t)(s->nparams > 0 ? s->nparams : 1);
	const char **vals = calloc(n, sizeof(*vals));
	int *lens = calloc(n, sizeof(*lens)), *fmts = calloc(n, sizeof(*fmts));
	enum privd_rc rc;
	int i;

	if (vals == NULL || lens == NULL || fmts == NULL) {
		free(vals);
		free(lens);
		free(fmts);
		return PRIVD_ERR_NOMEM;
	}
	for (i = 0; i < s->nparams; i++) {
		struct pg_param *p = &s->params[i];

		vals[i] = !p->set ? NULL : p->heap != NULL ? p->heap : p->small;
		lens[i] = p->len;
		fmts[i] = p->fmt;
	}
	if (s->cached)
		s->res = PQexecPrepared(d->conn, s->name, s->nparams, vals, lens, fmts, 1);
	else
		s->res = PQexecParams(d->conn, s->sql, s->nparams, NULL, vals, lens, fmts, 1);
	s->executed = true;
	free(vals);
	free(lens);
	free(fmts);
	rc = check_result(d, s->res, s->sql);
	if (rc != PRIVD_OK) {
		PQclear(s->res);
		s->res = NULL;
		return (int)rc;
	}
	s->changes = strtoll(PQcmdTuples(s->res), NULL, 10);
	return PRIVD_OK;
}

static int pg_step(struct privd_stmt *st)
{
	struct pg_stmt *s = PST(st);
	int r;

	if (!s->executed) {
		r = pg_execute(s);
		if (r != PRIVD_OK)
			return r;
	}
	if (s->res == NULL || PQresultStatus(s->res) != PGRES_TUPLES_OK)
		return PRIVD_DB_DONE;
	s->row++;
	return s->row < PQntuples(s->res) ? PRIVD_DB_ROW : PRIVD_DB_DONE;
}

static bool valid_cell(struct pg_stmt *s, int col)
{
	return s->res != NULL && s->row >= 0 && s->row < PQntuples(s->res) && col >= 0 && col < PQnfields(s->res);
}

static bool pg_col_is_null(struct privd_stmt *st, int col)
{
	struct pg_stmt *s = PST(st);

	return !valid_cell(s, col) || PQgetisnull(s->res, s->row, col);
}

static int64_t be_int(const unsigned char *p, int len)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < len; i++)
		v = (v << 8) | p[i];
	if (len == 2)
		return (int16_t)v;
	if (len == 4)
		return (int32_t)v;
	return (int64_t)v;
}

static int64_t pg_col_int64(struct privd_stmt *st, int col)
{
	struct pg_stmt *s = PST(st);
	const unsigned char *v;
	int len;

	if (pg_col_is_null(st, col))
		return 0;
	v = (const unsigned char *)PQgetvalue(s->res, s->row, col);
	len = PQgetlength(s->res, s->row, col);
	switch (PQftype(s->res, col)) {
	case OID_INT8:
	case OID_INT4:
	case OID_INT2:
	case OID_OID:
		return be_int(v, len);
	case OID_BOOL:
		return len > 0 && v[0] != 0;
	default:
		return strtoll((const char *)v, NULL, 10);
	}
}

static const char *pg_col_text(struct privd_stmt *st, int col)
{
	struct pg_stmt *s = PST(st);
	Oid t;

	if (pg_col_is_null(st, col))
		return NULL;
	t = PQftype(s->res, col);
	if (t == OID_INT8 || t == OID_INT4 || t == OID_INT2 || t == OID_BOOL) {
		snprintf(s->scratch, sizeof(s->scratch), "%" PRId64, pg_col_int64(st, col));
		return s->scratch;
	}
	/* binary text is the bytes themselves, and libpq always appends a NUL */
	return PQgetvalue(s->res, s->row, col);
}

static const void *pg_col_blob(struct privd_stmt *st, int col, size_t *len)
{
	struct pg_stmt *s = PST(st);

	*len = 0;
	if (pg_col_is_null(st, col))
		return NULL;
	*len = (size_t)PQgetlength(s->res, s->row, col);
	return PQgetvalue(s->res, s->row, col);
}

static int64_t pg_changes(struct privd_stmt *st)
{
	return PST(st)->changes;
}

static enum privd_rc pg_notify(struct privd_db *db, const char *channel, const char *payload)
{
	struct privd_stmt *st = NULL;
	enum privd_rc rc = pg_prepare(db, "SELECT pg_notify(?, ?)", &st);
	int r;

	if (rc != PRIVD_OK)
		return rc;
	rc = pg_bind_text(st, 1, channel);
	if (rc == PRIVD_OK)
		rc = pg_bind_text(st, 2, payload);
	if (rc == PRIVD_OK) {
		r = pg_step(st);
		if (r != PRIVD_DB_ROW && r != PRIVD_DB_DONE)
			rc = (enum privd_rc)r;
	}
	pg_finalize(st);
	return rc;
}

static enum privd_rc pg_listen(struct privd_db *db, const char *channel)
{
	struct pg_db *d = PDB(db);
	char *id = PQescapeIdentifier(d->conn, channel, strlen(channel));
	char *sql = NULL;
	enum privd_rc rc = PRIVD_OK;

	if (id == NULL) {
		rc = PRIVD_ERR_NOMEM;
		goto out;
	}
	if (asprintf(&sql, "LISTEN %s", id) < 0) {
		sql = NULL;
		rc = PRIVD_ERR_NOMEM;
		goto out;
	}
	rc = pg_exec(db, sql);
out:
	free(sql);
	PQfreemem(id);
	return rc;
}

static int drain_notifies(struct pg_db *d, void (*cb)(void *arg, const char *channel, const char *payload), void *arg)
{
	PGnotify *n;
	int count = 0;

	while ((n = PQnotifies(d->conn)) != NULL) {
		if (cb != NULL)
			cb(arg, n->relname, n->extra);
		PQfreemem(n);
		count++;
	}
	return count;
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Returns once at least one notification was delivered, or at timeout. */
static enum privd_rc pg_wait_notify(struct privd_db *db, int timeout_ms,
                                    void (*cb)(void *arg, const char *channel, const char *payload), void *arg)
{
	struct pg_db *d = PDB(db);
	int64_t deadline = mono_ms() + (timeout_ms > 0 ? timeout_ms : 0);

	if (PQconsumeInput(d->conn) == 0)
		goto broken;
	if (drain_notifies(d, cb, arg) > 0)
		return PRIVD_OK;
	for (;;) {
		struct pollfd pfd = {.fd = PQsocket(d->conn), .events = POLLIN};
		int64_t left = deadline - mono_ms();
		int r;

		if (pfd.fd < 0)
			goto broken;
		if (left <= 0)
			return PRIVD_OK;
		r = poll(&pfd, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto broken;
		if (r == 0)
			return PRIVD_OK;
		if (PQconsumeInput(d->conn) == 0)
			goto broken;
		if (drain_notifies(d, cb, arg) > 0)
			return PRIVD_OK;
	}
broken:
	privd_db_log_error("postgres", "", "connection lost while waiting for notifications", "");
	return PRIVD_ERR_DB;
}

static enum privd_rc pg_purge(struct privd_db *db)
{
	(void)db;
	return PRIVD_OK;
}

static void quiet_notices(void *arg, const char *message)
{
	/* NOTICEs ("relation already exists, skipping") are not errors; drop them rather than print to stderr */
	(void)arg;
	(void)message;
}

static enum privd_rc pg_open(const struct privd_db_target *t, enum privd_db_which which, bool read_only,
                             struct privd_db **out, struct privd_err *err)
{
	struct pg_db *d = calloc(1, sizeof(*d));
	enum privd_rc rc = PRIVD_OK;

	if (d == NULL)
		return privd_err_set(err, PRIVD_ERR_NOMEM, "out of memory");
	d->base.ops = &privd_db_postgres_ops;
	d->base.engine = PRIVD_DB_POSTGRES;
	d->base.which = which;
	d->base.read_only = read_only;
	d->conn = PQconnectdb(t->url);
	if (d->conn == NULL || PQstatus(d->conn) != CONNECTION_OK) {
		/* libpq's connection messages name host and port, not credentials */
		rc = privd_err_set(err, PRIVD_ERR_DB, "cannot connect to postgresql: %s",
		                   d->conn != NULL ? PQerrorMessage(d->conn) : "out of memory");
		goto out;
	}
	PQsetNoticeProcessor(d->conn, quiet_notices, NULL);
	if (which == PRIVD_DB_KEYSTORE) {
		/* two processes may create the schema at once; the loser's error is harmless, so try twice */
		if (pg_exec(&d->base, "CREATE SCHEMA IF NOT EXISTS privd_keys") != PRIVD_OK &&
		    pg_exec(&d->base, "CREATE SCHEMA IF NOT EXISTS privd_keys") != PRIVD_OK) {
			rc = privd_err_set(err, PRIVD_ERR_DB, "cannot create schema privd_keys");
			goto out;
		}
		if (pg_exec(&d->base, "SET search_path TO privd_keys") != PRIVD_OK) {
			rc = privd_err_set(err, PRIVD_ERR_DB, "cannot set search_path to privd_keys");
			goto out;
		}
	}
	*out = &d->base;
	d = NULL;
out:
	if (d != NULL) {
		PQfinish(d->conn);
		free(d);
	}
	return rc;
}

const struct privd_db_ops privd_db_postgres_ops = {
    .name = "postgres",
    .open = pg_open,
    .close = pg_close,
    .exec = pg_exec,
    .in_txn = pg_in_txn,
    .prepare = pg_prepare,
    .finalize = pg_finalize,
    .reset = pg_reset,
    .bind_text = pg_bind_text,
    .bind_int64 = pg_bind_int64,
    .bind_blob = pg_bind_blob,
    .bind_null = pg_bind_null,
    .step = pg_step,
    .col_text = pg_col_text,
    .col_int64 = pg_col_int64,
    .col_blob = pg_col_blob,
    .col_is_null = pg_col_is_null,
    .changes = pg_changes,
    .notify = pg_notify,
    .listen = pg_listen,
    .wait_notify = pg_wait_notify,
    .purge = pg_purge,
};
