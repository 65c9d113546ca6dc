/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * calendar.h - working days on a production calendar (Russia by default).
 *
 * A rights request is due on a number of working days after the day of receipt (152-FZ Art. 20). Which days are
 * working comes from a calendar file (share/calendar-ru.json): per year, weekday holidays and working
 * weekends. The core holds the parsed form only; parsing JSON is the caller's job. A year is known in full only
 * once the Government's decree moving its days off is published; before that the calendar may list it as
 * provisional (the statutory holidays are certain, the transfers are not). For a provisional year, or one the
 * calendar does not cover at all (counted Monday to Friday), a count that touches it is an estimate and the
 * caller is told, so it can say so: never a silently wrong date.
 */
#ifndef PRIVD_CORE_CALENDAR_H
#define PRIVD_CORE_CALENDAR_H

#include <stdbool.h>
#include <stddef.h>

#include "rc.h"
#include "validate.h"

struct privd_calendar;

/* An empty calendar (weekdays only). NULL when out of memory. */
struct privd_calendar *privd_calendar_new(void);
void privd_calendar_free(struct privd_calendar *c); /* accepts NULL */

/* How much the calendar knows of a year. */
enum privd_calendar_year {
	PRIVD_CALENDAR_YEAR_MISSING = 0, /* not in the calendar: counted Monday to Friday */
	PRIVD_CALENDAR_YEAR_PROVISIONAL, /* listed without its decree: statutory holidays only, transfers unknown */
	PRIVD_CALENDAR_YEAR_PUBLISHED,   /* its decree is published: every day is known */
};

/* Marks `year` as covered and published (its decree known). Call before adding its days. */
enum privd_rc privd_calendar_add_year(struct privd_calendar *c, int year);
/* Marks `year` as covered but provisional: its days may be added, and counts touching it are estimates. */
enum privd_rc privd_calendar_add_provisional_year(struct privd_calendar *c, int year);
/* A weekday that is not worked. */
enum privd_rc privd_calendar_add_holiday(struct privd_calendar *c, const struct privd_date *d);
/* A Saturday or Sunday that is worked. */
enum privd_rc privd_calendar_add_working_weekend(struct privd_calendar *c, const struct privd_date *d);

/* True for a listed year, published or provisional. */
bool privd_calendar_covers(const struct privd_calendar *c, int year);
/* What c knows of year; MISSING for a NULL c. Cannot fail. */
enum privd_calendar_year privd_calendar_year_status(const struct privd_calendar *c, int year);
bool privd_calendar_is_working_day(const struct privd_calendar *c, const struct privd_date *d);

/* The n-th working day after `from` (n >= 1): day `from` itself never counts, whether or not it is a working
 * day, so receipt on a non-working day counts from the next working day. n == 0 returns from unchanged.
 * *estimated (may be NULL) is set true when any day crossed lies in a year that is not published: missing from
 * the calendar or provisional. */
void privd_calendar_add_working_days(const struct privd_calendar *c, const struct privd_date *from, int n,
                                     struct privd_date *out, bool *estimated);

/* Working days from `from` (exclusive) to `to` (inclusive); negative when to is before from. */
int privd_calendar_working_days_between(const struct privd_calendar *c, const struct privd_date *from,
                                        const struct privd_date *to);

/* Day of week, 0 = Monday .. 6 = Sunday. */
int privd_date_weekday(const struct privd_date *d);

/* The day after / before d. */
void privd_date_next(struct privd_date *d);
void privd_date_prev(struct privd_date *d);

/* Days from 1970-01-01 to d (negative before it); d must be a valid date (privd_date_parse checks one). */
long privd_date_days(const struct privd_date *d);

/* Date of a UTC millisecond time at a fixed offset east of UTC in seconds (the caller resolves the zone). */
void privd_date_from_ms(long long utc_ms, long offset_seconds, struct privd_date *out);

/* UTC milliseconds of the start (00:00 UTC) of d, a valid date. This function can't fail. */
long long privd_date_to_ms(const struct privd_date *d);

/* The same UTC instant `years` calendar years earlier (years may be 0): 29 February becomes 28 February in a year
 * without one. How long ago something must have happened to be older than a period counted in years. This
 * function can't fail. */
long long privd_years_before_ms(long long utc_ms, int years);

#endif
