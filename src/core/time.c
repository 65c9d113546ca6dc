/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * time.c - RFC 3339 text of a UTC millisecond time. The date comes from the calendar's civil-date arithmetic,
 * which floors (so 1969-12-31T23:59:59.999Z is -1 ms, not a negative millisecond field).
 */
#include "time.h"

#include "calendar.h"

/* 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z in UTC milliseconds. */
#define MS_MIN (-62167219200000LL)
#define MS_MAX (253402300799999LL)
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
