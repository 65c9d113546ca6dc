/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * calendar_file.c - the production calendar's JSON file turned into a struct privd_calendar (see calendar_file.h).
 *
 * The file decides legal deadlines, so it is read strictly: every year key, every date and the weekday or weekend
 * of every entry is checked, and the first entry at fault is named ("years.2025.holidays[3]") instead of being
 * skipped. A year is published only when it says so and names its decree: any other status, or none, leaves it
 * provisional, the safe side of the two. What the file cannot know is said out loud: a provisional year and the
 * current or next year missing altogether are logged as warnings at load, and counting across them is marked
 * estimated by the core. Members the loader does not need (sources, transfers, notes) are ignored.
 *
 * The count itself is the core's; what is added here is the year to name when a date is only estimated, and, for
 * the command line, which runs without an open service, loading the configured calendar for one count.
 */
#include "service/calendar_file.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "core/log.h"
#include "core/validate.h"
#include "service/service.h"
#include "service/service_int.h"

#define YEAR_MIN 1
#define YEAR_MAX 9999

/* A year key: exactly four digits, 0001..9999. Returns the year or -1. */
static int parse_year(const char *s)
{
	int y = 0;
	size_t i;

	if (strlen(s) != 4)
		return -1;
	for (i = 0; i < 4; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		y = y * 10 + (s[i] - '0');
	}
	return y >= YEAR_MIN && y <= YEAR_MAX ? y : -1;
}

/* Records the entry at fault as a field error and in the message. Returns PRIVD_ERR_INVALID. */
static enum privd_rc entry_invalid(struct privd_err *err, const char *path, const char *where, const char *reason)
{
	privd_err_field(err, where, reason);
	return privd_err_set(err, PRIVD_ERR_INVALID, "invalid calendar %s: %s %s", path, where, reason);
}

/* Adds the dates of years.<year>.<member> (an array of "YYYY-MM-DD", optional) as holidays or working weekends. */
static enum privd_rc load_days(struct privd_calendar *c, const json_t *y, int year, const char *member, bool weekend,
                               const char *path, struct privd_err *err)
{
	const json_t *list = json_object_get(y, member);
	const json_t *v;
	struct privd_date d;
	const char *reason = NULL;
	char where[64];
	enum privd_rc rc;
	size_t i;

	if (list == NULL || json_is_null(list))
		return PRIVD_OK;
	if (!json_is_array(list)) {
		snprintf(where, sizeof(where), "years.%d.%s", year, member);
		return entry_invalid(err, path, where, "must be an array of dates");
	}
	json_array_foreach(list, i, v)
	{
		snprintf(where, sizeof(where), "years.%d.%s[%zu]", year, member, i);
		if (!json_is_string(v))
			return entry_invalid(err, path, where, "must be a date string YYYY-MM-DD");
		reason = NULL;
		if (privd_date_parse(json_string_value(v), &d, &reason) != PRIVD_OK)
			return entry_invalid(err, path, where, reason != NULL ? reason : "is not a date YYYY-MM-DD");
		if (d.year != year)
			return entry_invalid(err, path, where, "is not in the year it is listed under");
		if (weekend)
			rc = privd_calendar_add_working_weekend(c, &d);
		else
			rc = privd_calendar_add_holiday(c, &d);
		if (rc == PRIVD_ERR_INVALID)
			return entry_invalid(err, path, where,
			                     weekend ? "is not a Saturday or Sunday" : "falls on a Saturday or Sunday");
		if (rc != PRIVD_OK)
			return privd_err_set(err, rc, "cannot load calendar %s: %s", path, privd_rc_str(rc));
	}
	return PRIVD_OK;
}

/* Adds year to c as published ("status":"official" with its "decree") or provisional ("not_published",
 * "provisional" or no status); any other status is refused, and so is an official year without its decree. */
static enum privd_rc year_status(struct privd_calendar *c, const json_t *y, int year, const char *path,
                                 struct privd_err *err)
{
	const char *status = json_string_value(json_object_get(y, "status"));
	const json_t *decree = json_object_get(y, "decree");
	char where[64];
	enum privd_rc rc;

	if (status != NULL && strcmp(status, "official") == 0) {
		if (!json_is_string(decree) || json_string_length(decree) == 0) {
			snprintf(where, sizeof(where), "years.%d.decree", year);
			return entry_invalid(err, path, where, "must name the decree of an official year");
		}
		rc = privd_calendar_add_year(c, year);
	} else if (status == NULL || strcmp(status, "not_published") == 0 || strcmp(status, "provisional") == 0) {
		rc = privd_calendar_add_provisional_year(c, year);
	} else {
		snprintf(where, sizeof(where), "years.%d.status", year);
		return entry_invalid(err, path, where, "must be official, not_published or provisional");
	}
	if (rc != PRIVD_OK)
		return privd_err_set(err, rc, "cannot load calendar %s: %s", path, privd_rc_str(rc));
	return PRIVD_OK;
}

/* Loads one years.<key> object into c. */
static enum privd_rc load_year(struct privd_calendar *c, const char *key, const json_t *y, const char *path,
                               struct privd_err *err)
{
	const json_t *status = NULL;
	char where[64];
	enum privd_rc rc;
	int year = parse_year(key);

	if (year < 0) {
		snprintf(where, sizeof(where), "years.%.16s", key);
		return entry_invalid(err, path, where, "is not a year YYYY");
	}
	if (!json_is_object(y)) {
		snprintf(where, sizeof(where), "years.%d", year);
		return entry_invalid(err, path, where, "must be an object");
	}
	status = json_object_get(y, "status");
	if (status != NULL && !json_is_string(status)) {
		snprintf(where, sizeof(where), "years.%d.status", year);
		return entry_invalid(err, path, where, "must be a string");
	}
	rc = year_status(c, y, year, path, err);
	if (rc != PRIVD_OK)
		return rc;
	rc = load_days(c, y, year, "holidays", false, path, err);
	if (rc != PRIVD_OK)
		return rc;
	return load_days(c, y, year, "working_weekends", true, path, err);
}

/* Logs what the loaded file cannot tell: years without an official decree, and this or next year missing. */
static void warn_incomplete(const struct privd_calendar *c, const json_t *years, int this_year)
{
	const char *key;
	const json_t *y;
	int year;

	json_object_foreach((json_t *)years, key, y)
	{
		if (privd_calendar_year_status(c, parse_year(key)) == PRIVD_CALENDAR_YEAR_PUBLISHED)
			continue;
		privd_log(PRIVD_LOG_WARN, "calendar.incomplete",
		          "\"year\":%d,\"reason\":\"not official: only statutory holidays are known\"",
		          parse_year(key));
	}
	for (year = this_year; year <= this_year + 1; year++)
		if (year >= YEAR_MIN && year <= YEAR_MAX && !privd_calendar_covers(c, year))
			privd_log(PRIVD_LOG_WARN, "calendar.incomplete",
			          "\"year\":%d,\"reason\":\"missing: deadlines count weekdays only\"", year);
}

enum privd_rc privd_calendar_load(const char *path, int this_year, struct privd_calendar **out, struct privd_err *err)
{
	enum privd_rc rc = PRIVD_OK;
	struct privd_calendar *c = NULL;
	json_t *root = NULL;
	const json_t *years;
	json_t *y;
	json_error_t jerr;
	const char *key;

	*out = NULL;
	root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		if (json_error_code(&jerr) == json_error_cannot_open_file)
			rc = privd_err_set(err, PRIVD_ERR_IO, "cannot open calendar %s", path);
		else
			rc = privd_err_set(err, PRIVD_ERR_INVALID, "cannot parse calendar %s line %d: %s", path,
			                   jerr.line, jerr.text);
		goto out;
	}
	years = json_object_get(root, "years");
	if (!json_is_object(root) || !json_is_object(years)) {
		rc = entry_invalid(err, path, "years", "must be an object of years");
		goto out;
	}
	c = privd_calendar_new();
	if (c == NULL) {
		rc = privd_err_set(err, PRIVD_ERR_NOMEM, "cannot load calendar %s: out of memory", path);
		goto out;
	}
	json_object_foreach((json_t *)years, key, y)
	{
		rc = load_year(c, key, y, path, err);
		if (rc != PRIVD_OK)
			goto out;
	}
	warn_incomplete(c, years, this_year);
	*out = c;
	c = NULL;
out:
	privd_calendar_free(c);
	json_decref(root);
	return rc;
}

/* The first year after `from` up to `to` that c does not know in full, or 0. */
static int first_estimated_year(const struct privd_calendar *c, const struct privd_date *from,
                                const struct privd_date *to)
{
	struct privd_date next = *from;

	privd_date_next(&next);
	for (int y = next.year; y <= to->year; y++)
		if (privd_calendar_year_status(c, y) != PRIVD_CALENDAR_YEAR_PUBLISHED)
			return y;
	return 0;
}

void privd_calendar_due(const struct privd_calendar *c, const struct privd_date *from, int n, struct privd_date *out,
                        int *estimated_year)
{
	bool estimated = false;

	privd_calendar_add_working_days(c, from, n, out, &estimated);
	if (estimated_year != NULL)
		*estimated_year = estimated ? first_estimated_year(c, from, out) : 0;
}

void privd_calendar_note(const struct privd_calendar *c, int year, char out[PRIVD_CALENDAR_NOTE_MAX])
{
	if (year == 0)
		out[0] = '\0';
	else if (privd_calendar_year_status(c, year) == PRIVD_CALENDAR_YEAR_MISSING)
		snprintf(out, PRIVD_CALENDAR_NOTE_MAX, "%d not in the calendar file (weekdays only)", year);
	else
		snprintf(out, PRIVD_CALENDAR_NOTE_MAX, "%d calendar not published", year);
}

enum privd_rc privd_service_calendar_add_working_days(const struct privd_config *cfg, const struct privd_date *from,
                                                      int n, struct privd_date *out, char note[PRIVD_CALENDAR_NOTE_MAX],
                                                      struct privd_err *err)
{
	int year = 0;

	struct privd_config defaults;
	struct privd_calendar *c = NULL;
	struct privd_date today;
	enum privd_rc rc;

	if (n < 0)
		return privd_err_set(err, PRIVD_ERR_INVALID, "cannot count a negative number of working days");
	if (cfg == NULL) {
		privd_config_defaults(&defaults);
		cfg = &defaults;
	}
	/* The current year in the operator's zone, for the warnings about missing years. */
	if (cfg->timezone[0] != '\0') {
		setenv("TZ", cfg->timezone, 1);
		tzset();
	}
	privd_today(&today);
	note[0] = '\0';
	rc = privd_calendar_load(cfg->calendar_file, today.year, &c, err);
	if (rc == PRIVD_OK) {
		privd_calendar_due(c, from, n, out, &year);
		privd_calendar_note(c, year, note);
	}
	privd_calendar_free(c);
	return rc;
}
