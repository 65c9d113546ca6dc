/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * calendar_file.h - loading a production calendar from its JSON file (share/calendar-ru.json by default).
 *
 * Format: {"country":"RU","years":{"2025":{"status":"official","holidays":["2025-01-01",...],
 * "working_weekends":["2025-11-01"]},...}}. A year whose status is not "official" is loaded (its holidays are
 * certain) with a warning that it is incomplete; the current and next years missing from the file are warned
 * about too: deadlines crossing them count weekdays only and are marked estimated, never silently wrong.
 *
 * Counting on a loaded calendar is here too, once, for every deadline the service computes: a rights request's
 * due date and `privd calendar add-working-days` (privd_service_calendar_add_working_days, service.h).
 */
#ifndef PRIVD_SERVICE_CALENDAR_FILE_H
#define PRIVD_SERVICE_CALENDAR_FILE_H

#include "core/calendar.h"
#include "core/rc.h"

/* Loads path into a new calendar (caller frees with privd_calendar_free). this_year is the current year in the
 * operator's time zone, used for the missing-year warnings (privd_log, event "calendar.incomplete"). Malformed
 * files, bad dates, a holiday on a weekend or a working weekend on a weekday: PRIVD_ERR_INVALID naming the entry. */
enum privd_rc privd_calendar_load(const char *path, int this_year, struct privd_calendar **out, struct privd_err *err);

/* The n-th working day after from (n >= 0; see privd_calendar_add_working_days) on c, into out. *uncovered_year
 * (may be NULL) is the first year crossed that c does not cover, the date then being estimated (weekdays only),
 * or 0 when c covers them all. Cannot fail. */
void privd_calendar_due(const struct privd_calendar *c, const struct privd_date *from, int n, struct privd_date *out,
                        int *uncovered_year);

#endif
