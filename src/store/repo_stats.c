/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * repo_stats.c - counts the console's dashboard draws: consent decisions per purpose and week.
 *
 * The consents table is append-only, one row per decision, so a week's grants and refusals of a purpose are a
 * GROUP BY over the rows recorded since the first week asked for; no counter is kept on the write path. Weeks are
 * numbered from the origin the caller gives (a Monday at 00:00 UTC), in whole 7-day steps.
 */
#include "store/repo.h"

#include <string.h>

#include "store/repo_int.h"

static enum privd_rc consent_week_row(struct privd_stmt *st, const struct walk_cb *to, bool *stop)
{
	struct privd_consent_week_row row;

	memset(&row, 0, sizeof(row));
	copy_col(st, 0, row.purpose, sizeof(row.purpose));
	row.week = privd_stmt_col_int64(st, 1);
	row.granted = privd_stmt_col_int64(st, 2);
	row.total = privd_stmt_col_int64(st, 3);
	*stop = to->fn.consent_week(to->arg, &row) != 0;
	return PRIVD_OK;
}

enum privd_rc privd_repo_consent_weeks(struct privd_db *db, int64_t origin_ms,
                                       int (*cb)(void *arg, const struct privd_consent_week_row *row), void *arg)
{
	const struct walk_cb to = {.fn.consent_week = cb, .arg = arg};

	return walk_rows(db,
	                 "SELECT purpose, (created_at - ?) / 604800000, SUM(granted), COUNT(*) FROM consents"
	                 " WHERE created_at >= ? GROUP BY 1, 2 ORDER BY 2, 1",
	                 consent_week_row, &to, "ii", origin_ms, origin_ms);
}

static enum privd_rc request_times_row(struct privd_stmt *st, const struct walk_cb *to, bool *stop)
{
	struct privd_request_times_row row;

	row.received_at = privd_stmt_col_int64(st, 0);
	row.completed_at = privd_stmt_col_int64(st, 1);
	*stop = to->fn.request_times(to->arg, &row) != 0;
	return PRIVD_OK;
}

enum privd_rc privd_repo_request_times(struct privd_db *db, int64_t since_ms,
                                       int (*cb)(void *arg, const struct privd_request_times_row *row), void *arg)
{
	const struct walk_cb to = {.fn.request_times = cb, .arg = arg};

	return walk_rows(db,
	                 "SELECT COALESCE(received_at, 0), COALESCE(completed_at, 0) FROM requests"
	                 " WHERE received_at >= ? OR completed_at >= ?",
	                 request_times_row, &to, "ii", since_ms, since_ms);
}
