/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * time.h - the one way privd writes a time: RFC 3339 in UTC with milliseconds, "2026-11-26T11:36:48.123Z".
 *
 * Times are UTC milliseconds (int64) everywhere inside privd; this is where they become text, for the API, the
 * exports, the notices and the log. It runs on the consent check's hot path, so it writes its digits itself
 * instead of going through gmtime_r and snprintf, and it is right for times before 1970 as well as after. The
 * reverse, for the few times a caller sends (when an incident was detected, when a report was filed), takes any
 * RFC 3339 date-time, with an offset or Z, and nothing looser.
 */
#ifndef PRIVD_CORE_TIME_H
#define PRIVD_CORE_TIME_H

#include <stdint.h>

#include "rc.h"

/* "YYYY-MM-DDTHH:MM:SS.mmmZ" and its terminating NUL. */
#define PRIVD_TIME_LEN 25

/* Writes ms (UTC milliseconds since 1970) into out, NUL-terminated. Years outside 0000..9999 are clamped to
 * 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z. This function can't fail. */
void privd_time_format(int64_t ms, char out[PRIVD_TIME_LEN]);

/* Parses an RFC 3339 date-time strictly: "YYYY-MM-DDTHH:MM:SS", an optional fraction of 1 to 9 digits (cut to
 * milliseconds), then "Z" or an offset "+HH:MM"/"-HH:MM"; "T" and "Z" may be lower case; a real calendar date;
 * second 60 is refused (privd's clock knows no leap seconds), and so is a time an offset moves out of the years
 * 0001 to 9999. *ms gets the UTC milliseconds. PRIVD_ERR_INVALID
 * for anything else (s NULL included), *ms then unchanged. */
enum privd_rc privd_time_parse(const char *s, int64_t *ms);

#endif
