/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * calendar_file.h - loading a production calendar from its JSON file (share/calendar-ru.json by default).
 *
 * Format: {"country":"RU","years":{"2025":{"status":"official","decree":"Government Decree No. 1335 of
 * 04.10.2024","holidays":["2025-01-01",...],"working_weekends":["2025-11-01"]},...}}. A year is published
 * ("status":"official", naming its "decree") or provisional ("not_published" or "provisional", or no status: only
 * the statutory holidays are certain until the decree moves the days off). A provisional year is loaded with a
 * warning that it is incomplete; the current and next years missing from the file are warned about too:
 * deadlines touching either count on what is known and are marked estimated, never silently wrong.
 *
 * Counting on a loaded calendar is here too, once, for every deadline the service computes: a rights request's
 * due date and `privd calendar add-working-days` (privd_service_calendar_add_working_days, service.h).
 */
#ifndef PRIVD_SERVICE_CALENDAR_FILE_H
#define PRIVD_SERVICE_CALENDAR_FILE_H

#include "core/calendar.h"
#include "core/rc.h"
#include "service/service.h"

/* Loads path into a new calendar (caller frees with privd_calendar_free). this_year is the current year in the
 * operator's time zone, used for the missing-year warnings (privd_log, event "calendar.incomplete"). Malformed
 * files, bad dates, a holiday on a weekend or a working weekend on a weekday: PRIVD_ERR_INVALID naming the entry. */
enum privd_rc privd_calendar_load(const char *path, int this_year, struct privd_calendar **out, struct privd_err *err);

/* The n-th working day after from (n >= 0; see privd_calendar_add_working_days) on c, into out. *estimated_year
 * (may be NULL) is the first year crossed that c does not know in full (provisional or missing), the date then
 * being estimated, or 0 when every year crossed is published. Cannot fail. */
void privd_calendar_due(const struct privd_calendar *c, const struct privd_date *from, int n, struct privd_date *out,
                        int *estimated_year);

/* The words for a date estimated because of year on c (see PRIVD_CALENDAR_NOTE_MAX in service.h): "2027 calendar
 * not published" for a provisional year, "2030 not in the calendar file (weekdays only)" for a missing one; ""
 * when year is 0. Cannot fail. */
void privd_calendar_note(const struct privd_calendar *c, int year, char out[PRIVD_CALENDAR_NOTE_MAX]);

#endif
