/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * repo_audit.c - the audit log's queries: the chain's head, an entry appended, the entries listed, and the canonical
 * bytes of an entry that its hash is computed over.
 *
 * What shaped it is the group commit: every job of a group appends an entry, and each entry needs the one before it.
 * So the head is read (on PostgreSQL under the chain's lock, which orders the appends of every node on one database)
 * once per transaction and then remembered.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/repo.h"
#include "store/repo_int.h"

#define AUDIT_HEAD_LOCK "SELECT pg_advisory_xact_lock(7022656107000003)"

/* The chain's head as the current transaction last left it. A group commit appends one entry per job, and each
 * append needs the head; reading it (and on PostgreSQL taking the chain's lock) once per transaction instead of
 * once per entry is what keeps the audit log off the group commit's critical path. The head belongs to the audit
 * log, not to the connection, so it is kept here, in the memory the handle lends the layer above for one
 * transaction (privd_db_txn_state): the handle zeroes it at every begin, commit, rollback and rollback to a
 * savepoint, which is exactly when the head may have changed behind this cache (a savepoint rolled back takes its
 * appends with it), and otherwise knows nothing of it. Outside a transaction nothing is cached: a reader asking
 * for the head always reads it. Zeroed means unknown. */
/* The current transaction's cache (struct repo_txn_state), NULL outside one (or out of memory: then every append
 * reads the head). */
static struct audit_head_cache *audit_head_cache(struct privd_db *db)
{
	struct repo_txn_state *t = repo_txn(db);

	return t != NULL ? &t->audit : NULL;
}

static void audit_head_remember(struct audit_head_cache *c, bool known, int64_t seq, const char *hash)
{
	if (c == NULL)
		return;
	c->known = known;
	c->seq = seq;
	memcpy(c->hash, hash, sizeof(c->hash));
}

/* Takes the chain's lock (PostgreSQL only: on SQLite a writing transaction, begun IMMEDIATE, holds the whole
 * database's) and reads the head. */
static enum privd_rc audit_head_read(struct privd_db *db, int64_t *seq, char hash[65])
{
	struct privd_stmt *st = NULL;
	enum privd_rc rc = PRIVD_OK;

	if (privd_db_engine(db) == PRIVD_DB_POSTGRES) {
		rc = exec_sql(db, AUDIT_HEAD_LOCK, ""); /* in a pipeline, sent along with the read below */
		if (rc != PRIVD_OK)
			return rc;
	}
	rc = query_one(db, "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", &st, "");
	if (rc == PRIVD_OK) {
		*seq = privd_stmt_col_int64(st, 0);
		copy_col(st, 1, hash, 65);
	} else if (rc == PRIVD_ERR_NOT_FOUND) {
		rc = PRIVD_OK; /* an empty chain */
	}
	privd_stmt_finalize(st);
	return rc;
}

enum privd_rc privd_repo_audit_head(struct privd_db *db, int64_t *seq, char hash[65])
{
	struct audit_head_cache *c = audit_head_cache(db);
	enum privd_rc rc;

	*seq = 0;
	hash[0] = '\0';
	if (c != NULL && c->known) {
		/* this transaction already holds the head (and its lock) */
		*seq = c->seq;
		memcpy(hash, c->hash, 65);
		return PRIVD_OK;
	}
	rc = audit_head_read(db, seq, hash);
	if (rc == PRIVD_OK)
		audit_head_remember(c, true, *seq, hash);
	return rc;
}

enum privd_rc privd_repo_audit_insert(struct privd_db *db, const struct privd_audit_row *row)
{
	enum privd_rc rc = exec_sql(db,
	                            "INSERT INTO audit(seq, ts, actor, action, object_type, object_id, detail,"
	                            " prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
	                            "iittttttt", row->seq, row->ts, row->actor, row->action, row->object_type,
	                            row->object_id, row->detail, row->prev_hash, row->hash);

	/* the new head, or unknown after a failure */
	audit_head_remember(audit_head_cache(db), rc == PRIVD_OK, row->seq, row->hash);
	return rc;
}

/* Copies a text column whose stored bytes must be exactly what is hashed: longer than the field, or holding a NUL,
 * marks the row malformed (it was not written by privd, so it cannot verify). */
static void exact_col(struct privd_stmt *st, int col, char *dst, size_t size, bool *malformed)
{
	size_t len = 0;
	const void *p = privd_stmt_col_blob(st, col, &len);

	if (p == NULL)
		len = 0;
	if (len >= size || (len > 0 && memchr(p, '\0', len) != NULL)) {
		*malformed = true;
		len = len >= size ? size - 1 : len;
	}
	if (len > 0)
		memcpy(dst, p, len);
	dst[len] = '\0';
}

static enum privd_rc audit_row(struct privd_stmt *st, const struct walk_cb *to, bool *stop)
{
	struct privd_audit_row row;

	memset(&row, 0, sizeof(row));
	row.seq = privd_stmt_col_int64(st, 0);
	row.ts = privd_stmt_col_int64(st, 1);
	exact_col(st, 2, row.actor, sizeof(row.actor), &row.malformed);
	exact_col(st, 3, row.action, sizeof(row.action), &row.malformed);
	exact_col(st, 4, row.object_type, sizeof(row.object_type), &row.malformed);
	exact_col(st, 5, row.object_id, sizeof(row.object_id), &row.malformed);
	exact_col(st, 6, row.detail, sizeof(row.detail), &row.malformed);
	exact_col(st, 7, row.prev_hash, sizeof(row.prev_hash), &row.malformed);
	exact_col(st, 8, row.hash, sizeof(row.hash), &row.malformed);
	*stop = to->fn.audit(to->arg, &row) != 0;
	return PRIVD_OK;
}

enum privd_rc privd_repo_audit_list(struct privd_db *db, int64_t after, size_t limit,
                                    int (*cb)(void *arg, const struct privd_audit_row *row), void *arg)
{
	const struct walk_cb to = {.fn.audit = cb, .arg = arg};

	return walk_rows(db,
	                 "SELECT seq, ts, actor, action, object_type, object_id, detail, prev_hash, hash"
	                 " FROM audit WHERE seq > ? ORDER BY seq LIMIT ?",
	                 audit_row, &to, "ii", after, sql_limit(limit));
}

/* Appends a 4-byte big-endian length and the bytes; false when out is too small. */
static bool put_field(uint8_t *out, size_t outlen, size_t *o, const void *p, size_t len)
{
	if (len > UINT32_MAX || outlen - *o < 4 || outlen - *o - 4 < len)
		return false;
	out[*o] = (uint8_t)(len >> 24);
	out[*o + 1] = (uint8_t)(len >> 16);
	out[*o + 2] = (uint8_t)(len >> 8);
	out[*o + 3] = (uint8_t)len;
	if (len > 0)
		memcpy(out + *o + 4, p, len);
	*o += 4 + len;
	return true;
}

static bool put_int(uint8_t *out, size_t outlen, size_t *o, int64_t v)
{
	uint8_t b[8];
	uint64_t u = (uint64_t)v;
	int i;

	for (i = 7; i >= 0; i--) {
		b[i] = (uint8_t)u;
		u >>= 8;
	}
	return put_field(out, outlen, o, b, sizeof(b));
}

static bool put_str(uint8_t *out, size_t outlen, size_t *o, const char *s, size_t max)
{
	return put_field(out, outlen, o, s, strnlen(s, max));
}

size_t privd_audit_canonical(const struct privd_audit_row *row, uint8_t *out, size_t outlen)
{
	size_t o = 0;

	if (!put_int(out, outlen, &o, row->seq) || !put_int(out, outlen, &o, row->ts) ||
	    !put_str(out, outlen, &o, row->actor, sizeof(row->actor)) ||
	    !put_str(out, outlen, &o, row->action, sizeof(row->action)) ||
	    !put_str(out, outlen, &o, row->object_type, sizeof(row->object_type)) ||
	    !put_str(out, outlen, &o, row->object_id, sizeof(row->object_id)) ||
	    !put_str(out, outlen, &o, row->detail, sizeof(row->detail)) ||
	    !put_str(out, outlen, &o, row->prev_hash, sizeof(row->prev_hash)))
		return 0;
	return o;
}
