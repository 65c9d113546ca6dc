/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * repo_int.h - what only the repository files (repo.c, repo_requests.c) share: reading columns into the row
 * structs, binding absent values as NULL, stepping statements to a privd_rc, and the one shape nearly every
 * repository function has (prepare, bind, step, finalize), written once as exec_sql / exec_update / query_one.
 *
 * The repositories store an absent value (empty blob, "" text, 0 time) as NULL, so that UNIQUE indexes allow
 * any number of absent values and a reader can tell "none" from "empty"; these helpers are that rule, written
 * once. Small and on every hot path, so static inline; nothing here is part of the store's interface.
 */
#ifndef PRIVD_STORE_REPO_INT_H
#define PRIVD_STORE_REPO_INT_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/db.h"
#include "store/repo.h"

static inline void copy_col(struct privd_stmt *st, int col, char *dst, size_t size)
{
	const char *s = privd_stmt_col_text(st, col);

	snprintf(dst, size, "%s", s != NULL ? s : "");
}

static inline enum privd_rc blob_col(struct privd_stmt *st, int col, struct privd_blob *out)
{
	size_t len = 0;
	const void *p = privd_stmt_col_blob(st, col, &len);

	out->data = NULL;
	out->len = 0;
	if (p == NULL || len == 0)
		return PRIVD_OK;
	out->data = malloc(len);
	if (out->data == NULL)
		return PRIVD_ERR_NOMEM;
	memcpy(out->data, p, len);
	out->len = len;
	return PRIVD_OK;
}

static inline enum privd_rc bind_opt_blob(struct privd_stmt *st, int idx, const struct privd_blob *b)
{
	if (b->data == NULL || b->len == 0)
		return privd_stmt_bind_null(st, idx);
	return privd_stmt_bind_blob(st, idx, b->data, b->len);
}

static inline enum privd_rc bind_opt_text(struct privd_stmt *st, int idx, const char *s)
{
	if (s == NULL || s[0] == '\0')
		return privd_stmt_bind_null(st, idx);
	return privd_stmt_bind_text(st, idx, s);
}

static inline enum privd_rc bind_opt_time(struct privd_stmt *st, int idx, int64_t t)
{
	if (t == 0)
		return privd_stmt_bind_null(st, idx);
	return privd_stmt_bind_int64(st, idx, t);
}

/* Steps a statement that returns no rows. */
static inline enum privd_rc step_done(struct privd_stmt *st)
{
	int r = privd_stmt_step(st);

	if (r == PRIVD_DB_DONE)
		return PRIVD_OK;
	if (r == PRIVD_DB_ROW)
		return PRIVD_ERR_INTERNAL;
	return (enum privd_rc)r;
}

/* Steps a statement expected to return one row: PRIVD_OK on a row, PRIVD_ERR_NOT_FOUND on none. */
static inline enum privd_rc step_row(struct privd_stmt *st)
{
	int r = privd_stmt_step(st);

	if (r == PRIVD_DB_ROW)
		return PRIVD_OK;
	if (r == PRIVD_DB_DONE)
		return PRIVD_ERR_NOT_FOUND;
	return (enum privd_rc)r;
}

/* Binds the arguments after types to parameters first, first + 1, ..., one per character of types:
 *
 *   't'  const char *                text; NULL binds NULL
 *   'T'  const char *                optional text: NULL or "" binds NULL (bind_opt_text)
 *   'i'  int64_t                     integer
 *   'm'  int64_t                     optional time (or size): 0 binds NULL (bind_opt_time)
 *   'b'  const void *, size_t        blob: two arguments, pointer and length
 *   'B'  const struct privd_blob *   optional blob: empty binds NULL (bind_opt_blob)
 *   'n'  (no argument)               NULL
 *
 * Varargs are not converted to the type read: an 'i' or 'm' argument must be an int64_t and a 'b' length a
 * size_t, so cast anything narrower at the call ((int64_t)row->attempts, (int64_t)(flag ? 1 : 0)); an int read
 * as an int64_t is undefined behaviour. Stops at the first failure; PRIVD_ERR_INTERNAL for any other character.
 */
static inline enum privd_rc bind_va(struct privd_stmt *st, int first, const char *types, va_list ap)
{
	enum privd_rc rc = PRIVD_OK;
	int idx = first;

	for (const char *t = types; rc == PRIVD_OK && *t != '\0'; t++, idx++) {
		switch (*t) {
		case 't':
			rc = privd_stmt_bind_text(st, idx, va_arg(ap, const char *));
			break;
		case 'T':
			rc = bind_opt_text(st, idx, va_arg(ap, const char *));
			break;
		case 'i':
			rc = privd_stmt_bind_int64(st, idx, va_arg(ap, int64_t));
			break;
		case 'm':
			rc = bind_opt_time(st, idx, va_arg(ap, int64_t));
			break;
		case 'b': {
			const void *p = va_arg(ap, const void *);
			size_t len = va_arg(ap, size_t);

			rc = privd_stmt_bind_blob(st, idx, p, len);
			break;
		}
		case 'B':
			rc = bind_opt_blob(st, idx, va_arg(ap, const struct privd_blob *));
			break;
		case 'n':
			rc = privd_stmt_bind_null(st, idx);
			break;
		default:
			rc = PRIVD_ERR_INTERNAL;
			break;
		}
	}
	return rc;
}

/* bind_va with the arguments given here. */
static inline enum privd_rc bind_at(struct privd_stmt *st, int first, const char *types, ...)
{
	va_list ap;
	enum privd_rc rc;

	va_start(ap, types);
	rc = bind_va(st, first, types, ap);
	va_end(ap);
	return rc;
}

/* Prepares sql into *st and binds ap from parameter 1 (bind_va). *st is NULL only when it could not be
 * prepared; the caller finalizes it whatever the result. */
static inline enum privd_rc prepare_va(struct privd_db *db, const char *sql, struct privd_stmt **st, const char *types,
                                       va_list ap)
{
	enum privd_rc rc = privd_db_prepare(db, sql, st);

	if (rc == PRIVD_OK)
		rc = bind_va(*st, 1, types, ap);
	return rc;
}

/* Runs a statement that returns no rows; with one_row, PRIVD_ERR_NOT_FOUND when it changed none. */
static inline enum privd_rc exec_va(struct privd_db *db, const char *sql, bool one_row, const char *types, va_list ap)
{
	struct privd_stmt *st = NULL;
	enum privd_rc rc = prepare_va(db, sql, &st, types, ap);

	if (rc == PRIVD_OK)
		rc = step_done(st);
	if (rc == PRIVD_OK && one_row && privd_stmt_changes(st) == 0)
		rc = PRIVD_ERR_NOT_FOUND;
	privd_stmt_finalize(st);
	return rc;
}

/* Prepares sql, binds the arguments from parameter 1 (see bind_va for types), steps it expecting no rows and
 * finalizes it. A unique violation is PRIVD_ERR_CONFLICT, with the engine's constraint name left in
 * db->conflict; any other failure is the driver's. */
static inline enum privd_rc exec_sql(struct privd_db *db, const char *sql, const char *types, ...)
{
	va_list ap;
	enum privd_rc rc;

	va_start(ap, types);
	rc = exec_va(db, sql, false, types, ap);
	va_end(ap);
	return rc;
}

/* exec_sql for a statement meant to change one row (an UPDATE by key): PRIVD_ERR_NOT_FOUND when it changed
 * none. */
static inline enum privd_rc exec_update(struct privd_db *db, const char *sql, const char *types, ...)
{
	va_list ap;
	enum privd_rc rc;

	va_start(ap, types);
	rc = exec_va(db, sql, true, types, ap);
	va_end(ap);
	return rc;
}

/* Prepares sql into *st and binds the arguments from parameter 1 (see bind_va), for a caller that steps
 * through the rows itself. *st is NULL only when it could not be prepared; the caller finalizes it whatever the
 * result. */
static inline enum privd_rc prepare_bind(struct privd_db *db, const char *sql, struct privd_stmt **st,
                                         const char *types, ...)
{
	va_list ap;
	enum privd_rc rc;

	va_start(ap, types);
	rc = prepare_va(db, sql, st, types, ap);
	va_end(ap);
	return rc;
}

/* prepare_bind, then steps to the first row: PRIVD_OK with the row readable from *st, PRIVD_ERR_NOT_FOUND when
 * there is none. The caller finalizes *st whatever the result. */
static inline enum privd_rc query_one(struct privd_db *db, const char *sql, struct privd_stmt **st, const char *types,
                                      ...)
{
	va_list ap;
	enum privd_rc rc;

	va_start(ap, types);
	rc = prepare_va(db, sql, st, types, ap);
	va_end(ap);
	if (rc == PRIVD_OK)
		rc = step_row(*st);
	return rc;
}

/* One non-empty blob selected by one text key: PRIVD_ERR_NOT_FOUND when there is no row or the blob is empty. */
static inline enum privd_rc query_blob(struct privd_db *db, const char *sql, const char *key, struct privd_blob *out)
{
	struct privd_stmt *st = NULL;
	enum privd_rc rc;

	out->data = NULL;
	out->len = 0;
	rc = query_one(db, sql, &st, "t", key);
	if (rc == PRIVD_OK)
		rc = blob_col(st, 0, out);
	if (rc == PRIVD_OK && out->len == 0)
		rc = PRIVD_ERR_NOT_FOUND;
	privd_stmt_finalize(st);
	return rc;
}

#endif
