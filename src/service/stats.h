/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * stats.h - the dashboard's counts (service/stats.c): consent decisions per purpose and week, requests received and
 * completed per week with the median working days to completion, for the operator's console.
 *
 * Apart from service.h only because that file would outgrow its size limit; the same rules hold (reads only,
 * counts, no personal data).
 */
#ifndef PRIVD_SERVICE_STATS_H
#define PRIVD_SERVICE_STATS_H

#include <stdint.h>

#include "service/service.h"

#define PRIVD_STATS_WEEKS_MAX 104
/* The Monday, 00:00 UTC, weeks - 1 weeks before the week of now_ms. */
int64_t privd_week_origin(int64_t now_ms, int weeks);
struct privd_consent_week {
	char purpose[32];
	int64_t week; /* 0 for the first week, 1 for the next, ... */
	int64_t granted, refused;
};
/* Consent decisions per purpose and week over the last weeks weeks (1 to PRIVD_STATS_WEEKS_MAX), the current one
 * last: *origin_ms receives the first week's Monday, and cb each purpose and week with a decision (row->week counts
 * from it). PRIVD_ERR_INVALID for weeks out of range. */
enum privd_rc privd_service_consent_weeks(struct privd_service *svc, int weeks, int64_t *origin_ms,
                                          int (*cb)(void *arg, const struct privd_consent_week *w), void *arg);
/* Requests received and completed per week over the last weeks weeks, and the median of the working days (on the
 * production calendar, from the day of receipt to the day of completion) of those completed each week. */
struct privd_request_week {
	int64_t received, completed;
	int median_working_days; /* doubled, so a half stays exact; -1 when none completed that week */
};
/* out holds weeks entries (1 to PRIVD_STATS_WEEKS_MAX); *origin_ms receives the first week's Monday. */
enum privd_rc privd_service_request_weeks(struct privd_service *svc, int weeks, int64_t *origin_ms,
                                          struct privd_request_week *out);

#endif
