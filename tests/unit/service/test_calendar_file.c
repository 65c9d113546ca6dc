/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_calendar_file.c - the shipped production calendar and the loader's strictness.
 *
 * Deadlines are checked against dates worked out by hand on the 2025 and 2026 decrees (May and January
 * holidays, the working Saturday 2025-11-01), a year outside the file or without its published decree (2027) must
 * come back estimated, and a malformed file must be refused naming the entry at fault rather than loaded with a
 * silently wrong day. The count request deadlines and `privd calendar add-working-days` share names the first
 * year it had to estimate, and the note says why.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "service/calendar_file.h"
#include "service/service.h"

#define SHIPPED PRIVD_SOURCE_DIR "/share/calendar-ru.json"

static char logged[8192];

static void capture_sink(enum privd_log_level level, const char *line)
{
	size_t len = strlen(logged);

	(void)level;
	snprintf(logged + len, sizeof(logged) - len, "%s\n", line);
}

static struct privd_calendar *load_shipped(int this_year)
{
	struct privd_calendar *cal = NULL;
	struct privd_err err = {0};

	assert_int_equal(privd_calendar_load(SHIPPED, this_year, &cal, &err), PRIVD_OK);
	assert_non_null(cal);
	return cal;
}

/* Asserts that the n-th working day after from is want, and whether it is estimated. */
static void check_add(const struct privd_calendar *cal, const char *from, int n, const char *want, bool estimated)
{
	struct privd_date d, out;
	const char *why = NULL;
	char got[16];
	bool uncovered = !estimated;

	assert_int_equal(privd_date_parse(from, &d, &why), PRIVD_OK);
	privd_calendar_add_working_days(cal, &d, n, &out, &uncovered);
	privd_date_format(&out, got, sizeof(got));
	if (strcmp(got, want) != 0)
		fail_msg("%s + %d working days: got %s, want %s", from, n, got, want);
	assert_int_equal(uncovered, estimated);
}

static void test_shipped_years(void **state)
{
	struct privd_calendar *cal;

	(void)state;
	cal = load_shipped(2025);
	assert_true(privd_calendar_covers(cal, 2025));
	assert_true(privd_calendar_covers(cal, 2026));
	assert_true(privd_calendar_covers(cal, 2027));
	assert_false(privd_calendar_covers(cal, 2024));
	assert_false(privd_calendar_covers(cal, 2028));
	/* 2025 and 2026 have their decrees; 2027 has none yet (LEGAL.md section 2) */
	assert_int_equal(privd_calendar_year_status(cal, 2025), PRIVD_CALENDAR_YEAR_PUBLISHED);
	assert_int_equal(privd_calendar_year_status(cal, 2026), PRIVD_CALENDAR_YEAR_PUBLISHED);
	assert_int_equal(privd_calendar_year_status(cal, 2027), PRIVD_CALENDAR_YEAR_PROVISIONAL);
	assert_int_equal(privd_calendar_year_status(cal, 2028), PRIVD_CALENDAR_YEAR_MISSING);
	privd_calendar_free(cal);
}

static void test_hand_checked_dates(void **state)
{
	struct privd_calendar *cal;

	(void)state;
	cal = load_shipped(2025);
	/* May 2025: 1, 2, 8 and 9 May off. */
	check_add(cal, "2025-04-28", 10, "2025-05-16", false);
	/* November 2025: Saturday 1 November worked, 3 and 4 November off. */
	check_add(cal, "2025-10-27", 10, "2025-11-11", false);
	check_add(cal, "2025-10-31", 1, "2025-11-01", false);
	/* New year: 31 December 2025 and 1-9 January 2026 off. */
	check_add(cal, "2025-12-26", 10, "2026-01-21", false);
	/* Receipt on a Sunday counts from Monday; 12 and 13 June 2025 off. */
	check_add(cal, "2025-06-08", 10, "2025-06-24", false);
	/* May 2026: 1 May (Friday) and 11 May (Victory Day moved from Saturday 9 May) off:
	 * 29, 30 Apr, 4, 5, 6, 7, 8, 12, 13, 14 May. */
	check_add(cal, "2026-04-28", 10, "2026-05-14", false);
	/* N = 0 is the day itself, whatever it is. */
	check_add(cal, "2026-05-09", 0, "2026-05-09", false);
	/* Beyond the file: weekdays only, and said so. */
	check_add(cal, "2030-03-01", 10, "2030-03-15", true);
	check_add(cal, "2027-12-24", 10, "2028-01-07", true);
	/* Into 2027, whose decree is not published: 23-25, 28-30 December, then 11-14 January (1-8 January are
	 * statutory holidays), an estimate. The last day of 2026 itself is certain. */
	check_add(cal, "2026-12-22", 10, "2027-01-14", true);
	check_add(cal, "2026-12-22", 6, "2026-12-30", false);
	check_add(cal, "2026-12-30", 1, "2027-01-11", true);
	privd_calendar_free(cal);
}

static void test_warnings(void **state)
{
	struct privd_calendar *cal;

	(void)state;
	logged[0] = '\0';
	privd_log_set_sink(capture_sink);
	cal = load_shipped(2027);
	privd_log_set_sink(NULL);
	privd_calendar_free(cal);
	assert_non_null(strstr(logged, "\"level\":\"warn\",\"event\":\"calendar.incomplete\",\"year\":2027,"
	                               "\"reason\":\"not official: only statutory holidays are known\""));
	assert_non_null(strstr(logged, "\"event\":\"calendar.incomplete\",\"year\":2028,"
	                               "\"reason\":\"missing: deadlines count weekdays only\""));
	assert_null(strstr(logged, "\"year\":2025"));
	assert_null(strstr(logged, "\"year\":2026"));

	/* This year and next both in the file: only the unofficial 2027 is warned about. */
	logged[0] = '\0';
	privd_log_set_sink(capture_sink);
	cal = load_shipped(2026);
	privd_log_set_sink(NULL);
	privd_calendar_free(cal);
	assert_non_null(strstr(logged, "\"year\":2027"));
	assert_null(strstr(logged, "missing"));
}

/* Writes text to a new temporary file; path receives its name. */
static void write_temp(char path[64], const char *text)
{
	FILE *fp;
	int fd;

	snprintf(path, 64, "/tmp/privd-calendar-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	fp = fdopen(fd, "w");
	assert_non_null(fp);
	assert_true(fputs(text, fp) >= 0);
	assert_int_equal(fclose(fp), 0);
}

/* Loads text as a calendar file and expects rc; field (or NULL) is the entry the error must name. */
static void check_refused(const char *text, enum privd_rc want, const char *field)
{
	struct privd_calendar *cal = NULL;
	struct privd_err err = {0};
	char path[64];
	enum privd_rc rc;

	write_temp(path, text);
	rc = privd_calendar_load(path, 2025, &cal, &err);
	unlink(path);
	if (rc != want)
		fail_msg("got %s, want %s for: %s", privd_rc_str(rc), privd_rc_str(want), text);
	assert_null(cal);
	assert_true(err.msg[0] != '\0');
	if (field != NULL) {
		assert_int_equal(err.nfields, 1);
		assert_string_equal(err.fields[0].field, field);
		assert_non_null(strstr(err.msg, field));
	}
}

static void test_malformed(void **state)
{
	(void)state;
	/* Not JSON at all, or not the shape of a calendar. */
	check_refused("this is not JSON", PRIVD_ERR_INVALID, NULL);
	check_refused("{\"years\":{\"2025\":{\"holidays\":[\"2025-01-01\"]}", PRIVD_ERR_INVALID, NULL);
	check_refused("[]", PRIVD_ERR_INVALID, "years");
	check_refused("{\"country\":\"RU\"}", PRIVD_ERR_INVALID, "years");
	check_refused("{\"years\":[]}", PRIVD_ERR_INVALID, "years");
	check_refused("{\"years\":{\"2025\":{},\"2025\":{}}}", PRIVD_ERR_INVALID, NULL);
	check_refused("{\"years\":{\"25\":{}}}", PRIVD_ERR_INVALID, "years.25");
	check_refused("{\"years\":{\"0000\":{}}}", PRIVD_ERR_INVALID, "years.0000");
	check_refused("{\"years\":{\"2025\":[]}}", PRIVD_ERR_INVALID, "years.2025");
	check_refused("{\"years\":{\"2025\":{\"status\":1}}}", PRIVD_ERR_INVALID, "years.2025.status");
	/* A status that is not one, and an official year that does not name its decree. */
	check_refused("{\"years\":{\"2025\":{\"status\":\"offical\"}}}", PRIVD_ERR_INVALID, "years.2025.status");
	check_refused("{\"years\":{\"2025\":{\"status\":\"official\"}}}", PRIVD_ERR_INVALID, "years.2025.decree");
	check_refused("{\"years\":{\"2025\":{\"status\":\"official\",\"decree\":\"\"}}}", PRIVD_ERR_INVALID,
	              "years.2025.decree");
	check_refused("{\"years\":{\"2025\":{\"status\":\"official\",\"decree\":null}}}", PRIVD_ERR_INVALID,
	              "years.2025.decree");
	check_refused("{\"years\":{\"2025\":{\"holidays\":\"2025-01-01\"}}}", PRIVD_ERR_INVALID, "years.2025.holidays");
	/* A bad date, named by its place in the file. */
	check_refused(
	    "{\"years\":{\"2025\":{\"holidays\":[\"2025-01-01\",\"2025-01-02\",\"2025-01-03\",\"2025-02-30\"]}}}",
	    PRIVD_ERR_INVALID, "years.2025.holidays[3]");
	check_refused("{\"years\":{\"2025\":{\"holidays\":[\"1 May 2025\"]}}}", PRIVD_ERR_INVALID,
	              "years.2025.holidays[0]");
	check_refused("{\"years\":{\"2025\":{\"holidays\":[20250101]}}}", PRIVD_ERR_INVALID, "years.2025.holidays[0]");
	/* A date listed under another year. */
	check_refused("{\"years\":{\"2025\":{\"holidays\":[\"2026-01-01\"]}}}", PRIVD_ERR_INVALID,
	              "years.2025.holidays[0]");
	/* A holiday on a weekend (Saturday 2025-01-04), a working weekend on a weekday (Monday 2025-11-03). */
	check_refused("{\"years\":{\"2025\":{\"holidays\":[\"2025-01-03\",\"2025-01-04\"]}}}", PRIVD_ERR_INVALID,
	              "years.2025.holidays[1]");
	check_refused("{\"years\":{\"2025\":{\"holidays\":[],\"working_weekends\":[\"2025-11-03\"]}}}",
	              PRIVD_ERR_INVALID, "years.2025.working_weekends[0]");
	/* A file that is not there. */
	{
		struct privd_calendar *cal = NULL;
		struct privd_err err = {0};

		assert_int_equal(privd_calendar_load("/nonexistent/calendar.json", 2025, &cal, &err), PRIVD_ERR_IO);
		assert_null(cal);
		assert_non_null(strstr(err.msg, "/nonexistent/calendar.json"));
	}
}

static void test_minimal_file(void **state)
{
	struct privd_calendar *cal = NULL;
	struct privd_err err = {0};
	char path[64];

	(void)state;
	/* No status: loaded as provisional and warned about as not official; null and absent lists are empty. */
	write_temp(path, "{\"years\":{\"2025\":{\"holidays\":[\"2025-05-01\"],\"working_weekends\":null}}}");
	logged[0] = '\0';
	privd_log_set_sink(capture_sink);
	assert_int_equal(privd_calendar_load(path, 2025, &cal, &err), PRIVD_OK);
	privd_log_set_sink(NULL);
	unlink(path);
	assert_true(privd_calendar_covers(cal, 2025));
	assert_int_equal(privd_calendar_year_status(cal, 2025), PRIVD_CALENDAR_YEAR_PROVISIONAL);
	check_add(cal, "2025-04-30", 1, "2025-05-02", true);
	assert_non_null(strstr(logged, "\"year\":2025,\"reason\":\"not official"));
	assert_non_null(strstr(logged, "\"year\":2026,\"reason\":\"missing"));
	privd_calendar_free(cal);
}

/* Asserts privd_calendar_due's date and the year it names as not known in full (0: none). */
static void check_due(const struct privd_calendar *cal, const char *from, int n, const char *want, int want_year)
{
	struct privd_date d, out;
	char got[16];
	int year = -1;

	assert_int_equal(privd_date_parse(from, &d, NULL), PRIVD_OK);
	privd_calendar_due(cal, &d, n, &out, &year);
	privd_date_format(&out, got, sizeof(got));
	assert_string_equal(got, want);
	assert_int_equal(year, want_year);
}

static void test_due_names_the_estimated_year(void **state)
{
	struct privd_calendar *cal;
	char note[PRIVD_CALENDAR_NOTE_MAX];

	(void)state;
	cal = load_shipped(2025);
	check_due(cal, "2025-04-28", 10, "2025-05-16", 0);
	check_due(cal, "2025-04-28", 0, "2025-04-28", 0);
	/* 2027 has no decree yet: a count through it is estimated, and says which year */
	check_due(cal, "2026-12-22", 10, "2027-01-14", 2027);
	check_due(cal, "2027-12-24", 10, "2028-01-07", 2027); /* 27-31 December, 3-7 January */
	/* the file ends with 2027: beyond it, the missing year is named */
	check_due(cal, "2028-03-01", 10, "2028-03-15", 2028);
	check_due(cal, "2030-03-01", 10, "2030-03-15", 2030);
	/* from itself never counts, so its year is not the one crossed */
	check_due(cal, "2023-12-31", 1, "2024-01-01", 2024);
	/* the notes: a provisional year is not published, a missing one not in the file */
	privd_calendar_note(cal, 2027, note);
	assert_string_equal(note, "2027 calendar not published");
	privd_calendar_note(cal, 2030, note);
	assert_string_equal(note, "2030 not in the calendar file (weekdays only)");
	privd_calendar_note(cal, 0, note);
	assert_string_equal(note, "");
	privd_calendar_free(cal);
}

/* The command line's count: no open service, the calendar of a configuration loaded for one count. */
static void test_service_add_working_days(void **state)
{
	struct privd_config cfg;
	struct privd_date from = {2025, 10, 31}, out;
	struct privd_err err = {0};
	char got[16], note[PRIVD_CALENDAR_NOTE_MAX];

	(void)state;
	privd_config_defaults(&cfg);
	snprintf(cfg.calendar_file, sizeof(cfg.calendar_file), "%s", SHIPPED);
	assert_int_equal(privd_service_calendar_add_working_days(&cfg, &from, 2, &out, note, &err), PRIVD_OK);
	privd_date_format(&out, got, sizeof(got));
	assert_string_equal(got, "2025-11-05"); /* Saturday 1 November worked, 3 and 4 off */
	assert_string_equal(note, "");
	from = (struct privd_date){2026, 12, 22};
	assert_int_equal(privd_service_calendar_add_working_days(&cfg, &from, 10, &out, note, &err), PRIVD_OK);
	privd_date_format(&out, got, sizeof(got));
	assert_string_equal(got, "2027-01-14");
	assert_string_equal(note, "2027 calendar not published");
	from = (struct privd_date){2030, 3, 1};
	assert_int_equal(privd_service_calendar_add_working_days(&cfg, &from, 10, &out, note, &err), PRIVD_OK);
	assert_string_equal(note, "2030 not in the calendar file (weekdays only)");
	assert_int_equal(privd_service_calendar_add_working_days(&cfg, &from, -1, &out, note, &err), PRIVD_ERR_INVALID);
	snprintf(cfg.calendar_file, sizeof(cfg.calendar_file), "/nonexistent/calendar.json");
	assert_int_equal(privd_service_calendar_add_working_days(&cfg, &from, 10, &out, note, &err), PRIVD_ERR_IO);
	assert_non_null(strstr(err.msg, "/nonexistent/calendar.json"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_shipped_years),
	    cmocka_unit_test(test_hand_checked_dates),
	    cmocka_unit_test(test_warnings),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_minimal_file),
	    cmocka_unit_test(test_due_names_the_estimated_year),
	    cmocka_unit_test(test_service_add_working_days),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
