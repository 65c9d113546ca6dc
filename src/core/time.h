/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * time.h - the one way privd writes a time: RFC 3339 in UTC with milliseconds, "2026-11-26T11:36:48.123Z".
 *
 * Times are UTC milliseconds (int64) everywhere inside privd; this is where they become text, for the API, the
 * exports, the notices and the log. It runs on the consent check's hot path, so it writes its digits itself
 * instead of going through gmtime_r and snprintf, and it is right for times before 1970 as well as after.
 */
#ifndef PRIVD_CORE_TIME_H
#define PRIVD_CORE_TIME_H

#include <stdint.h>

/* "YYYY-MM-DDTHH:MM:SS.mmmZ" and its terminating NUL. */
#define PRIVD_TIME_LEN 25

/* Writes ms (UTC milliseconds since 1970) into out, NUL-terminated. Years outside 0000..9999 are clamped to
 * 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z. This function can't fail. */
void privd_time_format(int64_t ms, char out[PRIVD_TIME_LEN]);

#endif
