/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * stats.c - what the console's dashboard draws that the lists do not give: consent decisions per purpose and week.
 *
 * Weeks start on Monday at 00:00 UTC; the last one asked for is the current week. The counts are read in one
 * grouped query on a reader connection: the dashboard asks for them when it is opened, not on every request.
 */
#include <string.h>

#include "service/service_int.h"

#define DAY_MS 86400000LL
#define WEEK_MS (7 * DAY_MS)

int64_t privd_week_origin(int64_t now_ms, int weeks)
{
	int64_t day = now_ms / DAY_MS;          /* days since 1970-01-01, a Thursday */
	int64_t monday = day - ((day + 3) % 7); /* the Monday of that week */

	return (monday * DAY_MS) - (int64_t)(weeks - 1) * WEEK_MS;
}

struct weeks_ctx {
	int (*cb)(void *arg, const struct privd_consent_week *w);
	void *arg;
};

static int week_row(void *arg, const struct privd_consent_week_row *row)
{
	const struct weeks_ctx *c = arg;
	struct privd_consent_week w;

	memcpy(w.purpose, row->purpose, sizeof(w.purpose));
	w.week = row->week;
	w.granted = row->granted;
	w.refused = row->total - row->granted;
	return c->cb(c->arg, &w);
}

enum privd_rc privd_service_consent_weeks(struct privd_service *svc, int weeks, int64_t *origin_ms,
                                          int (*cb)(void *arg, const struct privd_consent_week *w), void *arg)
{
	struct weeks_ctx c = {cb, arg};
	struct privd_reader *r = NULL;
	enum privd_rc rc;

	if (weeks < 1 || weeks > PRIVD_STATS_WEEKS_MAX)
		return PRIVD_ERR_INVALID;
	*origin_ms = privd_week_origin(privd_now_ms(), weeks);
	rc = privd_reader_get(svc, &r);
	if (rc != PRIVD_OK)
		return rc;
	rc = privd_repo_consent_weeks(r->db, *origin_ms, week_row, &c);
	privd_reader_put(svc, r, rc == PRIVD_ERR_DB);
	return rc;
}
