/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * stats.c - GET /v1/consent-stats and GET /v1/request-stats: consent decisions per purpose and week, and requests
 * received and completed per week with the median working days to completion, for the console's dashboard.
 *
 * Each item is one purpose in one week with the grants and refusals recorded in it; weeks without a decision are
 * left out, so a client fills them with zeros from "weeks" (every week's Monday, oldest first).
 */
#include "http_int.h"

#include <stdio.h>

#include "core/time.h"
#include "service/stats.h"

#define DAY_MS 86400000LL

/* "YYYY-MM-DD" of a UTC time. */
static void day_of(int64_t ms, char out[11])
{
	char t[PRIVD_TIME_LEN];

	privd_time_format(ms, t);
	snprintf(out, 11, "%.10s", t);
}

struct stats_ctx {
	json_t *items;
	int64_t origin;
};

static int week_cb(void *arg, const struct privd_consent_week *row)
{
	struct stats_ctx *c = arg;
	char day[11];

	day_of(c->origin + row->week * 7 * DAY_MS, day);
	return json_array_append_new(c->items,
	                             json_pack("{s:s, s:s, s:I, s:I}", "week", day, "purpose", row->purpose, "granted",
	                                       (json_int_t)row->granted, "refused", (json_int_t)row->refused));
}

/* The weeks asked for (?weeks=, 1 to 104, 12 by default) into *n, with the two arrays of the answer made; false,
 * with the reply left, when weeks is out of range or an array could not be made. */
static bool weeks_asked(struct privd_http_req *r, long long *n, const json_t *a, const json_t *b)
{
	if (!privd_http_query_int(r, "weeks", 1, PRIVD_STATS_WEEKS_MAX, 12, n)) {
		privd_http_reply_invalid(r, "weeks", "must be an integer from 1 to 104");
		return false;
	}
	if (a == NULL || b == NULL) {
		privd_http_reply_rc(r, PRIVD_ERR_NOMEM, NULL);
		return false;
	}
	return true;
}

void privd_http_consent_stats(struct privd_http_req *r)
{
	struct stats_ctx c = {json_array(), 0};
	json_t *weeks = json_array();
	long long n = 0;
	char day[11];
	enum privd_rc rc;

	if (!weeks_asked(r, &n, c.items, weeks))
		goto out;
	rc = privd_service_consent_weeks(r->h->svc, (int)n, &c.origin, week_cb, &c);
	if (rc != PRIVD_OK) {
		privd_http_reply_rc(r, rc, NULL);
		goto out;
	}
	for (long long i = 0; i < n; i++) {
		day_of(c.origin + i * 7 * DAY_MS, day);
		json_array_append_new(weeks, json_string(day));
	}
	privd_http_reply_json(r, MHD_HTTP_OK, json_pack("{s:O, s:O}", "weeks", weeks, "items", c.items));
out:
	json_decref(weeks);
	json_decref(c.items);
}

/* A median kept doubled (so a half day stays exact): null when none, an integer when whole. */
static json_t *median_json(int twice)
{
	if (twice < 0)
		return json_null();
	return twice % 2 == 0 ? json_integer(twice / 2) : json_real(twice / 2.0);
}

void privd_http_request_stats(struct privd_http_req *r)
{
	struct privd_request_week out[PRIVD_STATS_WEEKS_MAX];
	json_t *weeks = json_array(), *items = json_array();
	int64_t origin = 0;
	long long n = 0;
	char day[11];
	enum privd_rc rc;

	if (!weeks_asked(r, &n, weeks, items))
		goto out;
	rc = privd_service_request_weeks(r->h->svc, (int)n, &origin, out);
	if (rc != PRIVD_OK) {
		privd_http_reply_rc(r, rc, NULL);
		goto out;
	}
	for (long long i = 0; i < n; i++) {
		const struct privd_request_week *w = &out[i];

		day_of(origin + i * 7 * DAY_MS, day);
		json_array_append_new(weeks, json_string(day));
		json_array_append_new(items, json_pack("{s:s, s:I, s:I, s:o}", "week", day, "received",
		                                       (json_int_t)w->received, "completed", (json_int_t)w->completed,
		                                       "median_working_days", median_json(w->median_working_days)));
	}
	privd_http_reply_json(r, MHD_HTTP_OK, json_pack("{s:O, s:O}", "weeks", weeks, "items", items));
out:
	json_decref(weeks);
	json_decref(items);
}
