/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * calendar.c - working days on a production calendar (see calendar.h).
 *
 * Deadlines of rights requests are counted here, so a wrong answer is a missed legal deadline. Dates are turned
 * into day numbers (days since 1970-01-01, proleptic Gregorian) and the calendar keeps sorted arrays of them: a
 * few dozen entries per year, looked up by binary search. Years without data fall back to Monday-Friday, and
 * years without a published decree count on their statutory holidays alone; either way the caller is told,
 * never left with a silently wrong date.
 */
#include "calendar.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define YEAR_MIN 1
#define YEAR_MAX 9999
#define DAY_S 86400LL
/* Time-zone offsets are within a day; anything further is clamped rather than allowed to overflow. */
#define OFFSET_MAX (7 * DAY_S)

struct day_set {
	long *v; /* sorted, unique */
	size_t n, cap;
};

struct privd_calendar {
	struct day_set years;       /* covered years (stored as years, not days) */
	struct day_set provisional; /* the covered years whose decree is not published */
	struct day_set holidays;
	struct day_set working_weekends;
};

/* Days since 1970-01-01 of a civil date (H. Hinnant's algorithm). m must be 1..12. */
static long days_from_civil(long y, int m, int d)
{
	long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(long z, struct privd_date *out)
{
	long era, doe, yoe, y, doy, mp, d, m;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	out->year = (int)(y + (m <= 2));
	out->month = (int)m;
	out->day = (int)d;
}

static bool date_valid(const struct privd_date *d)
{
	static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int max;

	if (d == NULL || d->year < YEAR_MIN || d->year > YEAR_MAX || d->month < 1 || d->month > 12 || d->day < 1)
		return false;
	max = dim[d->month - 1];
	if (d->month == 2 && ((d->year % 4 == 0 && d->year % 100 != 0) || d->year % 400 == 0))
		max = 29;
	return d->day <= max;
}

static long day_number(const struct privd_date *d)
{
	return days_from_civil(d->year, d->month, d->day);
}

long privd_date_days(const struct privd_date *d)
{
	return day_number(d);
}

/* 0 = Monday .. 6 = Sunday; 1970-01-01 was a Thursday. */
static int weekday_of(long z)
{
	return (int)(((z % 7) + 7 + 3) % 7);
}

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

static bool set_has(const struct day_set *s, long v)
{
	return s->n > 0 && bsearch(&v, s->v, s->n, sizeof(long), cmp_long) != NULL;
}

static enum privd_rc set_add(struct day_set *s, long v)
{
	size_t i;

	if (set_has(s, v))
		return PRIVD_OK;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 32;
		long *nv = realloc(s->v, cap * sizeof(long));

		if (nv == NULL)
			return PRIVD_ERR_NOMEM;
		s->v = nv;
		s->cap = cap;
	}
	i = s->n;
	while (i > 0 && s->v[i - 1] > v) {
		s->v[i] = s->v[i - 1];
		i--;
	}
	s->v[i] = v;
	s->n++;
	return PRIVD_OK;
}

struct privd_calendar *privd_calendar_new(void)
{
	return calloc(1, sizeof(struct privd_calendar));
}

void privd_calendar_free(struct privd_calendar *c)
{
	if (c == NULL)
		return;
	free(c->years.v);
	free(c->provisional.v);
	free(c->holidays.v);
	free(c->working_weekends.v);
	free(c);
}

enum privd_rc privd_calendar_add_year(struct privd_calendar *c, int year)
{
	if (c == NULL || year < YEAR_MIN || year > YEAR_MAX)
		return PRIVD_ERR_INVALID;
	return set_add(&c->years, year);
}

enum privd_rc privd_calendar_add_provisional_year(struct privd_calendar *c, int year)
{
	enum privd_rc rc = privd_calendar_add_year(c, year);

	return rc == PRIVD_OK ? set_add(&c->provisional, year) : rc;
}

bool privd_calendar_covers(const struct privd_calendar *c, int year)
{
	return c != NULL && set_has(&c->years, year);
}

enum privd_calendar_year privd_calendar_year_status(const struct privd_calendar *c, int year)
{
	if (!privd_calendar_covers(c, year))
		return PRIVD_CALENDAR_YEAR_MISSING;
	return set_has(&c->provisional, year) ? PRIVD_CALENDAR_YEAR_PROVISIONAL : PRIVD_CALENDAR_YEAR_PUBLISHED;
}

/* A day of a covered year, of the kind wanted (weekday or weekend): anything else is an error in the calendar
 * data, and is refused rather than quietly ignored. */
static enum privd_rc add_day(struct privd_calendar *c, struct day_set *s, const struct privd_date *d, bool weekend)
{
	long z;

	if (c == NULL || !date_valid(d) || !privd_calendar_covers(c, d->year))
		return PRIVD_ERR_INVALID;
	z = day_number(d);
	if ((weekday_of(z) >= 5) != weekend)
		return PRIVD_ERR_INVALID;
	return set_add(s, z);
}

enum privd_rc privd_calendar_add_holiday(struct privd_calendar *c, const struct privd_date *d)
{
	return c == NULL ? PRIVD_ERR_INVALID : add_day(c, &c->holidays, d, false);
}

enum privd_rc privd_calendar_add_working_weekend(struct privd_calendar *c, const struct privd_date *d)
{
	return c == NULL ? PRIVD_ERR_INVALID : add_day(c, &c->working_weekends, d, true);
}

static bool working_day(const struct privd_calendar *c, long z)
{
	if (c != NULL && set_has(&c->holidays, z))
		return false;
	if (c != NULL && set_has(&c->working_weekends, z))
		return true;
	return weekday_of(z) < 5;
}

bool privd_calendar_is_working_day(const struct privd_calendar *c, const struct privd_date *d)
{
	return date_valid(d) && working_day(c, day_number(d));
}

void privd_calendar_add_working_days(const struct privd_calendar *c, const struct privd_date *from, int n,
                                     struct privd_date *out, bool *estimated)
{
	const struct privd_date first = {YEAR_MIN, 1, 1}, last = {YEAR_MAX, 12, 31};
	long z, lo = day_number(&first), hi = day_number(&last);
	int step = n < 0 ? -1 : 1;
	long left = n < 0 ? -(long)n : n;
	struct privd_date cur;

	if (estimated != NULL)
		*estimated = false;
	if (!date_valid(from)) {
		/* Not a date: nothing sensible to count; hand it back and flag it. */
		if (from != NULL)
			*out = *from;
		if (estimated != NULL)
			*estimated = true;
		return;
	}
	z = day_number(from);
	while (left > 0) {
		if ((step > 0 && z >= hi) || (step < 0 && z <= lo))
			break; /* the edge of the representable calendar */
		z += step;
		civil_from_days(z, &cur);
		if (estimated != NULL && privd_calendar_year_status(c, cur.year) != PRIVD_CALENDAR_YEAR_PUBLISHED)
			*estimated = true;
		if (working_day(c, z))
			left--;
	}
	civil_from_days(z, out);
}

int privd_calendar_working_days_between(const struct privd_calendar *c, const struct privd_date *from,
                                        const struct privd_date *to)
{
	long a, b, z;
	int count = 0;

	if (!date_valid(from) || !date_valid(to))
		return 0;
	a = day_number(from);
	b = day_number(to);
	if (b < a) {
		for (z = b + 1; z <= a; z++)
			count += working_day(c, z);
		return -count;
	}
	for (z = a + 1; z <= b; z++)
		count += working_day(c, z);
	return count;
}

int privd_date_weekday(const struct privd_date *d)
{
	return weekday_of(days_from_civil(d->year, d->month < 1 ? 1 : d->month > 12 ? 12 : d->month, d->day));
}

void privd_date_next(struct privd_date *d)
{
	if (!date_valid(d))
		return;
	civil_from_days(day_number(d) + 1, d);
}

void privd_date_prev(struct privd_date *d)
{
	if (!date_valid(d))
		return;
	civil_from_days(day_number(d) - 1, d);
}

static long long floor_div(long long a, long long b)
{
	long long q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

void privd_date_from_ms(long long utc_ms, long offset_seconds, struct privd_date *out)
{
	long long secs = floor_div(utc_ms, 1000);
	long long off = offset_seconds;
	long long days;

	if (off > OFFSET_MAX)
		off = OFFSET_MAX;
	if (off < -OFFSET_MAX)
		off = -OFFSET_MAX;
	/* secs / 86400 plus (secs mod 86400 + off) / 86400: no sum can overflow. */
	days = floor_div(secs, DAY_S) + floor_div(secs - floor_div(secs, DAY_S) * DAY_S + off, DAY_S);
	civil_from_days((long)days, out);
}

long long privd_date_to_ms(const struct privd_date *d)
{
	return (long long)day_number(d) * DAY_S * 1000LL;
}

long long privd_years_before_ms(long long utc_ms, int years)
{
	long long ms_of_day = utc_ms - floor_div(utc_ms, DAY_S * 1000LL) * DAY_S * 1000LL;
	struct privd_date d;

	privd_date_from_ms(utc_ms, 0, &d);
	d.year -= years;
	if (d.month == 2 && d.day == 29 && !date_valid(&d))
		d.day = 28;
	return (long long)day_number(&d) * DAY_S * 1000LL + ms_of_day;
}
