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
 *
 * A writer's transaction may be sent as one stream (pg_pipe.c). A NOTIFY's payload starts with this process's
 * instance id, so that a listener can leave aside what its own process sent (its caches were updated when that
 * write committed) and still hear every other process on the database.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "store/pg_int.h"

/* The payload of a NOTIFY sent here: "<instance>|<payload>", the instance 16 hex digits made at the first NOTIFY or
 * listen of the process. */
#define INSTANCE_HEX 16
static char instance[INSTANCE_HEX + 1];
static pthread_once_t instance_once = PTHREAD_ONCE_INIT;
static atomic_ullong commits_failed;

static void instance_make(void)
{
	uint64_t v = 0;

	if (getrandom(&v, sizeof(v), 0) != (ssize_t)sizeof(v))
		v = ((uint64_t)getpid() << 32) ^ (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)&v;
	snprintf(instance, sizeof(instance), "%016" PRIx64, v);
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

enum privd_rc pg_check_result(struct pg_db *d, const PGresult *res, const char *sql)
{
	ExecStatusType s = res != NULL ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	const char *state;

	if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK || s == PGRES_EMPTY_QUERY)
		return PRIVD_OK;
	if (s == PGRES_PIPELINE_ABORTED) /* skipped after an earlier failure of the pipeline, which was reported */
		return PRIVD_ERR_DB;
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

	pg_pipe_free(d); /* before the statements whose runs it may hold */
	for (i = 0; i < d->ncache; i++) {
		free_stmt(d->cache[i]);
		free(d->orig_sql[i]);
	}
	PQfinish(d->conn);
	free(d->pending);
	free(d);
}

/* Runs a parameterless command. Inside a pipeline, what was sent is collected first; a ROLLBACK runs whatever that
 * gave, anything else only when it all succeeded. A COMMIT that fails is counted (privd_db_commits_failed). */
static enum privd_rc pg_exec(struct privd_db *db, const char *sql)
{
	struct pg_db *d = PDB(db);
	PGresult *res = NULL;
	enum privd_rc rc = db->pipelined ? pg_pipe_sync(db) : PRIVD_OK;

	if (rc != PRIVD_OK && strcmp(sql, "ROLLBACK") != 0)
		return rc;
	if (d->dead)
		return PRIVD_ERR_DB;
	res = PQexec(d->conn, sql);
	rc = pg_check_result(d, res, sql);
	PQclear(res);
	if (rc != PRIVD_OK && strcmp(sql, "COMMIT") == 0)
		atomic_fetch_add(&commits_failed, 1);
	return rc;
}

unsigned long long privd_db_commits_failed(void)
{
	return atomic_load(&commits_failed);
}

static bool pg_in_txn(struct privd_db *db)
{
	PGTransactionStatusType s;

	if (db->pipelined)
		return true;
	if (PDB(db)->dead)
		return false;
	s = PQtransactionStatus(PDB(db)->conn);

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
		if (!db->pipelined) { /* else its Parse goes with its first run, in the pipeline */
			res = d->dead ? NULL : PQprepare(d->conn, s->name, s->sql, s->nparams, NULL);
			rc = pg_check_result(d, res, sql);
			if (rc != PRIVD_OK) {
				free(key);
				goto out;
			}
			s->prepared = true;
		}
		s->cached = true;
		s->orig = key;
		s->mergeable = pg_pipe_mergeable(sql);
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

enum privd_rc pg_args_from(const struct pg_param *params, int n, struct pg_args *a)
{
	size_t cap = (size_t)(n > 0 ? n : 1);

	a->vals = calloc(cap, sizeof(*a->vals));
	a->lens = calloc(cap, sizeof(*a->lens));
	a->fmts = calloc(cap, sizeof(*a->fmts));
	if (a->vals == NULL || a->lens == NULL || a->fmts == NULL) {
		pg_args_free(a);
		return PRIVD_ERR_NOMEM;
	}
	for (int i = 0; i < n; i++) {
		const struct pg_param *p = &params[i];

		a->vals[i] = !p->set ? NULL : p->heap != NULL ? p->heap : p->small;
		a->lens[i] = p->len;
		a->fmts[i] = p->fmt;
	}
	return PRIVD_OK;
}

enum privd_rc pg_args_make(const struct pg_stmt *s, struct pg_args *a)
{
	return pg_args_from(s->params, s->nparams, a);
}

void pg_args_free(struct pg_args *a)
{
	free(a->vals);
	free(a->lens);
	free(a->fmts);
	a->vals = NULL;
	a->lens = a->fmts = NULL;
}

enum privd_rc pg_finish(struct pg_stmt *s)
{
	enum privd_rc rc = pg_check_result(PDB(s->base.db), s->res, s->sql);

	s->executed = true;
	if (rc != PRIVD_OK) {
		PQclear(s->res);
		s->res = NULL;
		return rc;
	}
	s->changes = strtoll(PQcmdTuples(s->res), NULL, 10);
	return PRIVD_OK;
}

static int pg_execute(struct pg_stmt *s)
{
	struct pg_db *d = PDB(s->base.db);
	struct pg_args a = {0};
	enum privd_rc rc;

	if (d->dead)
		return PRIVD_ERR_DB;
	if (d->base.pipelined)
		return (int)pg_pipe_read(s);
	if (s->cached && !s->prepared) { /* its Parse went in a pipeline that failed */
		PGresult *res = PQprepare(d->conn, s->name, s->sql, s->nparams, NULL);

		rc = pg_check_result(d, res, s->sql);
		PQclear(res);
		if (rc != PRIVD_OK)
			return (int)rc;
		s->prepared = true;
	}
	rc = pg_args_make(s, &a);
	if (rc != PRIVD_OK)
		return (int)rc;
	if (s->cached)
		s->res = PQexecPrepared(d->conn, s->name, s->nparams, a.vals, a.lens, a.fmts, 1);
	else
		s->res = PQexecParams(d->conn, s->sql, s->nparams, NULL, a.vals, a.lens, a.fmts, 1);
	pg_args_free(&a);
	return (int)pg_finish(s);
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

int64_t pg_value_int64(const PGresult *res, int row, int col)
{
	const unsigned char *v;
	int len;

	if (PQgetisnull(res, row, col))
		return 0;
	v = (const unsigned char *)PQgetvalue(res, row, col);
	len = PQgetlength(res, row, col);
	switch (PQftype(res, col)) {
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

static int64_t pg_col_int64(struct privd_stmt *st, int col)
{
	struct pg_stmt *s = PST(st);

	return pg_col_is_null(st, col) ? 0 : pg_value_int64(s->res, s->row, col);
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

/* Sent as "<instance>|<payload>" (see the top); inside a pipeline, only sent. */
static enum privd_rc pg_notify(struct privd_db *db, const char *channel, const char *payload)
{
	struct privd_stmt *st = NULL;
	enum privd_rc rc;
	char *full = NULL;

	pthread_once(&instance_once, instance_make);
	if (asprintf(&full, "%s|%s", instance, payload) < 0)
		return PRIVD_ERR_NOMEM;
	rc = pg_prepare(db, "SELECT pg_notify(?, ?)", &st);
	if (rc == PRIVD_OK)
		rc = pg_bind_text(st, 1, channel);
	if (rc == PRIVD_OK)
		rc = pg_bind_text(st, 2, full);
	if (rc == PRIVD_OK)
		rc = privd_stmt_run(st, false, NULL);
	if (st != NULL)
		pg_finalize(st);
	free(full);
	return rc;
}

void privd_db_listen_others(struct privd_db *db)
{
	if (db->engine == PRIVD_DB_POSTGRES)
		PDB(db)->others_only = true;
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

	pthread_once(&instance_once, instance_make);
	while ((n = PQnotifies(d->conn)) != NULL) {
		const char *payload = n->extra;
		bool tagged = strlen(payload) > INSTANCE_HEX && payload[INSTANCE_HEX] == '|' &&
		              strspn(payload, "0123456789abcdef") == INSTANCE_HEX;
		bool own = tagged && strncmp(payload, instance, INSTANCE_HEX) == 0;

		if (cb != NULL && !(own && d->others_only))
			cb(arg, n->relname, tagged ? payload + INSTANCE_HEX + 1 : payload);
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
    .pipe_begin = pg_pipe_begin,
    .pipe_sync = pg_pipe_sync,
    .defer = pg_pipe_defer,
};
