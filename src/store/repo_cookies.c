/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * repo_cookies.c - the SQL of cookie consent on the website: visitors' choices, the link from a visitor to the
 * subject who registered from it, and the versions of what the banner says.
 *
 * A busy site records many choices, each its own write job in a group commit: appending one is one statement on a
 * table indexed by (visitor_id, seq), and nothing else is read on that path but the visitor's link. The choices
 * hold no address and no personal data: a random visitor id, three booleans, the policy version, the Global
 * Privacy Control signals and the site's origin.
 */
#include "store/repo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/repo_int.h"

enum privd_rc privd_repo_cookie_consent_append(struct privd_db *db, const struct privd_cookie_choice *c,
                                               const char *source)
{
	return exec_sql(db,
	                "INSERT INTO cookie_consents(visitor_id, preferences, analytics, marketing, policy_version,"
	                " gpc, sec_gpc, origin, source, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	                "tiiitiiTti", c->visitor_id, (int64_t)c->granted[PRIVD_COOKIE_PREFERENCES],
	                (int64_t)c->granted[PRIVD_COOKIE_ANALYTICS], (int64_t)c->granted[PRIVD_COOKIE_MARKETING],
	                c->policy_version, (int64_t)c->gpc, (int64_t)c->sec_gpc, c->origin, source, c->at);
}

enum privd_rc privd_repo_cookie_consent_latest(struct privd_db *db, const char *visitor_id,
                                               struct privd_cookie_choice *out)
{
	struct privd_stmt *st = NULL;
	enum privd_rc rc;

	memset(out, 0, sizeof(*out));
	rc = query_one(db,
	               "SELECT preferences, analytics, marketing, policy_version, gpc, sec_gpc, origin, created_at"
	               " FROM cookie_consents WHERE visitor_id = ? ORDER BY seq DESC LIMIT 1",
	               &st, "t", visitor_id);
	if (rc == PRIVD_OK) {
		snprintf(out->visitor_id, sizeof(out->visitor_id), "%s", visitor_id);
		out->granted[PRIVD_COOKIE_NECESSARY] = true;
		out->granted[PRIVD_COOKIE_PREFERENCES] = privd_stmt_col_int64(st, 0) != 0;
		out->granted[PRIVD_COOKIE_ANALYTICS] = privd_stmt_col_int64(st, 1) != 0;
		out->granted[PRIVD_COOKIE_MARKETING] = privd_stmt_col_int64(st, 2) != 0;
		copy_col(st, 3, out->policy_version, sizeof(out->policy_version));
		out->gpc = privd_stmt_col_int64(st, 4) != 0;
		out->sec_gpc = privd_stmt_col_int64(st, 5) != 0;
		copy_col(st, 6, out->origin, sizeof(out->origin));
		out->at = privd_stmt_col_int64(st, 7);
	}
	privd_stmt_finalize(st);
	return rc;
}

enum privd_rc privd_repo_cookie_visitor_link(struct privd_db *db, const char *visitor_id, const char *subject_id,
                                             int64_t now_ms)
{
	return exec_sql(db,
	                "INSERT INTO cookie_visitors(subject_id, visitor_id, linked_at) VALUES (?, ?, ?)"
	                " ON CONFLICT (visitor_id) DO UPDATE SET subject_id = excluded.subject_id,"
	                " linked_at = excluded.linked_at",
	                "tti", subject_id, visitor_id, now_ms);
}

enum privd_rc privd_repo_cookie_visitor_subject(struct privd_db *db, const char *visitor_id, char subject_id[33])
{
	return query_text(db, "SELECT subject_id FROM cookie_visitors WHERE visitor_id = ?", visitor_id, subject_id,
	                  33);
}

enum privd_rc privd_repo_cookie_config_insert(struct privd_db *db, const char *config, const char *sha256,
                                              const char *actor, int64_t now_ms)
{
	return exec_sql(db, "INSERT INTO cookie_configs(config, sha256, actor, updated_at) VALUES (?, ?, ?, ?)", "ttti",
	                config, sha256, actor, now_ms);
}

enum privd_rc privd_repo_cookie_config_current(struct privd_db *db, char **config, char sha256[65], int64_t *updated_at)
{
	struct privd_stmt *st = NULL;
	enum privd_rc rc;
	const char *text;

	*config = NULL;
	rc = query_one(db, "SELECT config, sha256, updated_at FROM cookie_configs ORDER BY seq DESC LIMIT 1", &st, "");
	if (rc == PRIVD_OK) {
		text = privd_stmt_col_text(st, 0);
		*config = strdup(text != NULL ? text : "");
		copy_col(st, 1, sha256, 65);
		*updated_at = privd_stmt_col_int64(st, 2);
		if (*config == NULL)
			rc = PRIVD_ERR_NOMEM;
	}
	privd_stmt_finalize(st);
	return rc;
}
