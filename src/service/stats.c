/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * stats.c - what the console's dashboard draws that the lists do not give: consent decisions per purpose and week,
 * and requests received and completed per week with the median working days they took.
 *
 * Weeks start on Monday at 00:00 UTC; the last one asked for is the current week. The counts are read in one
 * grouped query on a reader connection: the dashboard asks for them when it is opened, not on every request. The
 * working days are counted on the production calendar, as due dates are, from the day of receipt to the day of
 * completion in the operator's time zone.
 */
#include <stdlib.h>
#include <string.h>

#include "service/request_int.h"
#include "service/service_int.h"
#include "service/stats.h"

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

struct times_ctx {
	struct privd_service *svc;
	struct privd_request_week *out;
	int weeks;
	int64_t origin;
	int *days[PRIVD_STATS_WEEKS_MAX]; /* working days to completion of the requests completed each week */
	size_t n[PRIVD_STATS_WEEKS_MAX], cap[PRIVD_STATS_WEEKS_MAX];
	bool nomem;
};

/* The week index of a time, or -1 before the origin or after the last week. */
static int week_index(const struct times_ctx *c, int64_t ms)
{
	int64_t w;

	if (ms < c->origin)
		return -1;
	w = (ms - c->origin) / WEEK_MS;
	return w < c->weeks ? (int)w : -1;
}

static int times_row(void *arg, const struct privd_request_times_row *row)
{
	struct times_ctx *c = arg;
	int wr = row->received_at > 0 ? week_index(c, row->received_at) : -1;
	int wc = row->completed_at > 0 ? week_index(c, row->completed_at) : -1;
	struct privd_date from, to;

	if (wr >= 0)
		c->out[wr].received++;
	if (wc < 0)
		return 0;
	c->out[wc].completed++;
	if (row->received_at <= 0)
		return 0;
	if (c->n[wc] == c->cap[wc]) {
		size_t cap = c->cap[wc] ? c->cap[wc] * 2 : 16;
		int *d = realloc(c->days[wc], cap * sizeof(*d));

		if (d == NULL) {
			c->nomem = true;
			return -1;
		}
		c->days[wc] = d;
		c->cap[wc] = cap;
	}
	privd_request_date_of(row->received_at, &from);
	privd_request_date_of(row->completed_at, &to);
	c->days[wc][c->n[wc]++] = privd_calendar_working_days_between(c->svc->calendar, &from, &to);
	return 0;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

enum privd_rc privd_service_request_weeks(struct privd_service *svc, int weeks, int64_t *origin_ms,
                                          struct privd_request_week *out)
{
	struct times_ctx c;
	struct privd_reader *r = NULL;
	enum privd_rc rc;

	if (weeks < 1 || weeks > PRIVD_STATS_WEEKS_MAX)
		return PRIVD_ERR_INVALID;
	memset(&c, 0, sizeof(c));
	memset(out, 0, sizeof(*out) * (size_t)weeks);
	c.svc = svc;
	c.out = out;
	c.weeks = weeks;
	c.origin = *origin_ms = privd_week_origin(privd_now_ms(), weeks);
	rc = privd_reader_get(svc, &r);
	if (rc == PRIVD_OK) {
		rc = privd_repo_request_times(r->db, c.origin, times_row, &c);
		privd_reader_put(svc, r, rc == PRIVD_ERR_DB);
	}
	if (rc == PRIVD_OK && c.nomem)
		rc = PRIVD_ERR_NOMEM;
	for (int w = 0; w < weeks; w++) {
		out[w].median_working_days = -1;
		if (rc == PRIVD_OK && c.n[w] > 0) {
			qsort(c.days[w], c.n[w], sizeof(int), cmp_int);
			out[w].median_working_days =
			    c.n[w] % 2 ? 2 * c.days[w][c.n[w] / 2] : c.days[w][c.n[w] / 2 - 1] + c.days[w][c.n[w] / 2];
		}
		free(c.days[w]);
	}
	return rc;
}
