/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * repo_texts.c - the published texts: the privacy policy and the consent texts, each a Markdown document in
 * versions and languages (see repo.h).
 *
 * Both tables are append-only, because consent records name what they were given on: a version, once published in
 * a language, is never changed, and the newest row is the one in force. The two share their shape (version,
 * language, SHA-256, text, time), so one reader serves both; only the consent texts have a purpose.
 */
#include "store/repo.h"

#include <stdlib.h>
#include <string.h>

#include "store/repo_int.h"

/* The columns both tables are read by, in this order: version, language, sha256, published_at[, text]. */
struct text_cols {
	char *version, *language, *sha256;
	size_t version_len, language_len, sha256_len;
	int64_t *published_at;
	char **text;
};

/* Runs sql (bound by types and the arguments) and reads its first row into c. */
static enum privd_rc text_one(struct privd_db *db, const char *sql, bool with_text, const struct text_cols *c,
                              const char *types, ...)
{
	struct privd_stmt *st = NULL;
	enum privd_rc rc;
	va_list ap;

	va_start(ap, types);
	rc = prepare_va(db, sql, &st, types, ap);
	va_end(ap);
	if (rc == PRIVD_OK)
		rc = step_row(st);
	if (rc != PRIVD_OK)
		goto out;
	copy_col(st, 0, c->version, c->version_len);
	copy_col(st, 1, c->language, c->language_len);
	copy_col(st, 2, c->sha256, c->sha256_len);
	*c->published_at = privd_stmt_col_int64(st, 3);
	if (with_text) {
		const char *t = privd_stmt_col_text(st, 4);

		*c->text = strdup(t != NULL ? t : "");
		if (*c->text == NULL)
			rc = PRIVD_ERR_NOMEM;
	}
out:
	privd_stmt_finalize(st);
	return rc;
}

#define COLS_OF(row)                                                                                                   \
	{                                                                                                              \
		(row)->version, (row)->language, (row)->sha256, sizeof((row)->version), sizeof((row)->language),       \
		    sizeof((row)->sha256), &(row)->published_at, &(row)->text                                          \
	}

/* ---- the policy ---- */

#define POLICY_SELECT "SELECT version, language, sha256, published_at, text FROM policies"

enum privd_rc privd_repo_policy_insert(struct privd_db *db, const struct privd_policy_row *row)
{
	return exec_sql(
	    db, "INSERT INTO policies(version, language, sha256, text, published_at) VALUES (?, ?, ?, ?, ?)", "tttti",
	    row->version, row->language, row->sha256, row->text != NULL ? row->text : "", row->published_at);
}

enum privd_rc privd_repo_policy_current(struct privd_db *db, const char *language, bool with_text,
                                        struct privd_policy_row *out)
{
	const struct text_cols c = COLS_OF(out);

	memset(out, 0, sizeof(*out));
	if (language == NULL)
		return text_one(db, POLICY_SELECT " ORDER BY seq DESC LIMIT 1", with_text, &c, "");
	return text_one(db, POLICY_SELECT " WHERE language = ? ORDER BY seq DESC LIMIT 1", with_text, &c, "t",
	                language);
}

enum privd_rc privd_repo_policy_get(struct privd_db *db, const char *version, const char *language, bool with_text,
                                    struct privd_policy_row *out)
{
	const struct text_cols c = COLS_OF(out);

	memset(out, 0, sizeof(*out));
	if (language == NULL)
		return text_one(db, POLICY_SELECT " WHERE version = ? ORDER BY seq DESC LIMIT 1", with_text, &c, "t",
		                version);
	return text_one(db, POLICY_SELECT " WHERE version = ? AND language = ?", with_text, &c, "tt", version,
	                language);
}

/* ---- the consent texts ---- */

#define TEXT_SELECT "SELECT version, language, sha256, published_at, text FROM consent_texts"

enum privd_rc privd_repo_consent_text_insert(struct privd_db *db, const struct privd_consent_text_row *row)
{
	return exec_sql(db,
	                "INSERT INTO consent_texts(purpose, version, language, sha256, text, published_at)"
	                " VALUES (?, ?, ?, ?, ?, ?)",
	                "ttttti", row->purpose, row->version, row->language, row->sha256,
	                row->text != NULL ? row->text : "", row->published_at);
}

enum privd_rc privd_repo_consent_text_current(struct privd_db *db, const char *purpose, const char *language,
                                              bool with_text, struct privd_consent_text_row *out)
{
	const struct text_cols c = COLS_OF(out);

	memset(out, 0, sizeof(*out));
	snprintf(out->purpose, sizeof(out->purpose), "%s", purpose);
	return text_one(db, TEXT_SELECT " WHERE purpose = ? AND language = ? ORDER BY seq DESC LIMIT 1", with_text, &c,
	                "tt", purpose, language);
}

enum privd_rc privd_repo_consent_text_get(struct privd_db *db, const char *purpose, const char *version,
                                          const char *language, bool with_text, struct privd_consent_text_row *out)
{
	const struct text_cols c = COLS_OF(out);

	memset(out, 0, sizeof(*out));
	snprintf(out->purpose, sizeof(out->purpose), "%s", purpose);
	return text_one(db, TEXT_SELECT " WHERE purpose = ? AND version = ? AND language = ?", with_text, &c, "ttt",
	                purpose, version, language);
}
