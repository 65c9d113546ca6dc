/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * time.c - RFC 3339 text of a UTC millisecond time, and back. The date comes from the calendar's civil-date
 * arithmetic, which floors (so 1969-12-31T23:59:59.999Z is -1 ms, not a negative millisecond field).
 */
#include "time.h"

#include <stdbool.h>
#include <string.h>

#include "calendar.h"
#include "validate.h"

/* 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z in UTC milliseconds. */
#define MS_MIN (-62167219200000LL)
#define MS_MAX (253402300799999LL)
#define MS_YEAR1 (-62135596800000LL) /* 0001-01-01T00:00:00.000Z: the first date privd_date_parse takes */
#define DAY_MS 86400000LL

static char *digits(char *p, long v, int width)
{
	for (int i = width - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return p + width;
}

void privd_time_format(int64_t ms, char out[PRIVD_TIME_LEN])
{
	struct privd_date d;
	long long in_day;
	char *p = out;

	if (ms < MS_MIN)
		ms = MS_MIN;
	if (ms > MS_MAX)
		ms = MS_MAX;
	privd_date_from_ms(ms, 0, &d);
	in_day = ms % DAY_MS;
	if (in_day < 0)
		in_day += DAY_MS;
	p = digits(p, d.year, 4);
	*p++ = '-';
	p = digits(p, d.month, 2);
	*p++ = '-';
	p = digits(p, d.day, 2);
	*p++ = 'T';
	p = digits(p, (long)(in_day / 3600000), 2);
	*p++ = ':';
	p = digits(p, (long)(in_day / 60000 % 60), 2);
	*p++ = ':';
	p = digits(p, (long)(in_day / 1000 % 60), 2);
	*p++ = '.';
	p = digits(p, (long)(in_day % 1000), 3);
	*p++ = 'Z';
	*p = '\0';
}

/* n decimal digits at s into *v; false when one is not a digit. */
static bool number(const char *s, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*v = *v * 10 + (s[i] - '0');
	}
	return true;
}

/* The offset at s ("Z", "+HH:MM", "-HH:MM", and nothing after it) in minutes east of UTC. */
static bool offset(const char *s, int *minutes)
{
	int h, m;

	if ((s[0] == 'Z' || s[0] == 'z') && s[1] == '\0') {
		*minutes = 0;
		return true;
	}
	if ((s[0] != '+' && s[0] != '-') || !number(s + 1, 2, &h) || s[3] != ':' || !number(s + 4, 2, &m) ||
	    s[6] != '\0' || h > 23 || m > 59)
		return false;
	*minutes = (s[0] == '-' ? -1 : 1) * (h * 60 + m);
	return true;
}

enum privd_rc privd_time_parse(const char *s, int64_t *ms)
{
	char day[11];
	struct privd_date d;
	int hh, mm, ss, frac = 0, digits_seen = 0, off;
	int64_t t;
	const char *p;

	if (s == NULL || strlen(s) < 20 || (s[10] != 'T' && s[10] != 't'))
		return PRIVD_ERR_INVALID;
	memcpy(day, s, 10);
	day[10] = '\0';
	if (privd_date_parse(day, &d, NULL) != PRIVD_OK || !number(s + 11, 2, &hh) || s[13] != ':' ||
	    !number(s + 14, 2, &mm) || s[16] != ':' || !number(s + 17, 2, &ss) || hh > 23 || mm > 59 || ss > 59)
		return PRIVD_ERR_INVALID;
	p = s + 19;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++, digits_seen++)
			if (digits_seen < 3)
				frac = frac * 10 + (*p - '0');
		if (digits_seen == 0 || digits_seen > 9)
			return PRIVD_ERR_INVALID;
		for (int i = digits_seen; i < 3; i++)
			frac *= 10;
	}
	if (!offset(p, &off))
		return PRIVD_ERR_INVALID;
	t = ((int64_t)privd_date_days(&d) * 86400 + hh * 3600 + mm * 60 + ss - (int64_t)off * 60) * 1000 + frac;
	if (t < MS_YEAR1 || t > MS_MAX)
		return PRIVD_ERR_INVALID; /* an offset took it out of the years privd writes */
	*ms = t;
	return PRIVD_OK;
}
