/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * repo_int.h - what only the repository files (repo.c, repo_requests.c) share: reading columns into the row
 * structs, binding absent values as NULL, and stepping statements to a privd_rc.
 *
 * The repositories store an absent value (empty blob, "" text, 0 time) as NULL, so that UNIQUE indexes allow
 * any number of absent values and a reader can tell "none" from "empty"; these helpers are that rule, written
 * once. Small and on every hot path, so static inline; nothing here is part of the store's interface.
 */
#ifndef PRIVD_STORE_REPO_INT_H
#define PRIVD_STORE_REPO_INT_H

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

/* Runs a one-text-parameter statement that returns no rows; *changes gets the row count. */
static inline enum privd_rc exec_text1(struct privd_db *db, const char *sql, const char *a, int64_t *changes)
{
	struct privd_stmt *st = NULL;
	enum privd_rc rc = privd_db_prepare(db, sql, &st);

	if (rc != PRIVD_OK)
		goto out;
	rc = privd_stmt_bind_text(st, 1, a);
	if (rc == PRIVD_OK)
		rc = step_done(st);
	if (rc == PRIVD_OK && changes != NULL)
		*changes = privd_stmt_changes(st);
out:
	privd_stmt_finalize(st);
	return rc;
}

#endif
