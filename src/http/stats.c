/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * stats.c - GET /v1/consent-stats: consent decisions per purpose and week, for the console's dashboard.
 *
 * Each item is one purpose in one week with the grants and refusals recorded in it; weeks without a decision are
 * left out, so a client fills them with zeros from "weeks" (every week's Monday, oldest first).
 */
#include "http_int.h"

#include <stdio.h>

#include "core/time.h"

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

void privd_http_consent_stats(struct privd_http_req *r)
{
	struct stats_ctx c = {json_array(), 0};
	json_t *weeks = json_array();
	long long n = 0;
	char day[11];
	enum privd_rc rc;

	if (!privd_http_query_int(r, "weeks", 1, PRIVD_STATS_WEEKS_MAX, 12, &n)) {
		privd_http_reply_invalid(r, "weeks", "must be an integer from 1 to 104");
		goto out;
	}
	if (c.items == NULL || weeks == NULL) {
		privd_http_reply_rc(r, PRIVD_ERR_NOMEM, NULL);
		goto out;
	}
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
