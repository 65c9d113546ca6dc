/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * backup.c - backup sets' names, ages and pairing (see backup.h).
 *
 * A set's name is its time: privd's one time format with the colons turned into hyphens, so that a listing of
 * the backup directory sorts by age and no file system or tool stumbles over a colon. Reading a name back is
 * strict: a directory an operator put beside the sets, or a set being written under a temporary name, is no set
 * and is never pruned.
 */
#include "backup.h"

#include <string.h>

#include "calendar.h"
#include "time.h"
#include "validate.h"

#define DAY_MS 86400000LL

void privd_backup_stamp(int64_t ms, char out[PRIVD_BACKUP_STAMP_LEN])
{
	privd_time_format(ms, out);
	out[13] = '-';
	out[16] = '-';
}

/* n digits of s as a number; -1 when one is not a digit. */
static long digits(const char *s, int n)
{
	long v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

bool privd_backup_stamp_parse(const char *s, int64_t *ms)
{
	struct privd_date d;
	char date[11];
	long h, m, sec, milli;
	char back[PRIVD_BACKUP_STAMP_LEN];
	int64_t t;

	if (s == NULL || strlen(s) != PRIVD_BACKUP_STAMP_LEN - 1)
		return false;
	memcpy(date, s, 10);
	date[10] = '\0';
	if (privd_date_parse(date, &d, NULL) != PRIVD_OK)
		return false;
	h = digits(s + 11, 2);
	m = digits(s + 14, 2);
	sec = digits(s + 17, 2);
	milli = digits(s + 20, 3);
	if (h < 0 || m < 0 || sec < 0 || milli < 0)
		return false;
	t = (int64_t)privd_date_to_ms(&d) + ((h * 60 + m) * 60 + sec) * 1000 + milli;
	/* what it names must be written back the same way: no 25:61, no other separators */
	privd_backup_stamp(t, back);
	if (strcmp(back, s) != 0)
		return false;
	*ms = t;
	return true;
}

bool privd_backup_expired(int64_t taken_ms, int64_t now_ms, int retention_days)
{
	return now_ms - taken_ms > (int64_t)retention_days * DAY_MS;
}

ptrdiff_t privd_backup_pick_keystore(int64_t data_ms, const int64_t *ks_ms, size_t n)
{
	ptrdiff_t best = -1;

	for (size_t i = 0; i < n; i++)
		if (ks_ms[i] >= data_ms && (best < 0 || ks_ms[i] < ks_ms[best]))
			best = (ptrdiff_t)i;
	return best;
}
