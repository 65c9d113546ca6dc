/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * fuzz_calendar_json.c - fuzz target for the production-calendar loader (service/calendar_file.h).
 *
 * The calendar file decides legal deadlines and an operator may fetch it from anywhere, so its loader must
 * survive any bytes: JSON syntax, wrong member types, absurd year keys, bad dates. privd_calendar_load reads a
 * path, so each input is written to one scratch file (an anonymous memfd reached through /proc/self/fd where
 * the system has memfd_create, else a mkstemp file in TMPDIR removed at exit) and loaded from there. The
 * invariants: no crash or leak; exactly one of "PRIVD_OK with a calendar" and "an error code, no calendar and
 * a message"; in every year a loaded calendar covers, ten working days counted from 20 December end on a
 * working day that privd_calendar_working_days_between also puts ten working days away. Warnings go to a sink
 * that drops them. A broken invariant aborts.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>
#ifdef HAVE_MEMFD_CREATE
#include <sys/mman.h>
#endif

#include "core/calendar.h"
#include "core/log.h"
#include "core/validate.h"
#include "service/calendar_file.h"

#define THIS_YEAR 2025

static int scratch_fd = -1;
static char scratch_path[4096];

static void drop_log(enum privd_log_level level, const char *line)
{
	(void)level;
	(void)line;
}

#ifndef HAVE_MEMFD_CREATE
static void remove_scratch(void)
{
	unlink(scratch_path);
}
#endif

/* Opens the scratch file once; aborts when it cannot, since nothing could be tested. */
static void scratch_open(void)
{
#ifdef HAVE_MEMFD_CREATE
	scratch_fd = memfd_create("fuzz-calendar", MFD_CLOEXEC);
	if (scratch_fd < 0)
		abort();
	snprintf(scratch_path, sizeof(scratch_path), "/proc/self/fd/%d", scratch_fd);
#else
	const char *tmp = getenv("TMPDIR");

	snprintf(scratch_path, sizeof(scratch_path), "%s/fuzz-calendar-XXXXXX", tmp != NULL ? tmp : "/tmp");
	scratch_fd = mkstemp(scratch_path);
	if (scratch_fd < 0)
		abort();
	atexit(remove_scratch);
#endif
	privd_log_set_sink(drop_log);
	privd_log_set_level(PRIVD_LOG_DEBUG);
}

static void scratch_write(const uint8_t *data, size_t size)
{
	size_t done = 0;
	ssize_t n;

	if (ftruncate(scratch_fd, 0) != 0)
		abort();
	while (done < size) {
		n = pwrite(scratch_fd, data + done, size - done, (off_t)done);
		if (n <= 0)
			abort();
		done += (size_t)n;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct privd_calendar *c = (struct privd_calendar *)&scratch_fd; /* must be reset to NULL on failure */
	struct privd_err err;
	struct privd_date from;
	struct privd_date to;
	bool uncovered;
	enum privd_rc rc;
	int year;

	if (scratch_fd < 0)
		scratch_open();
	scratch_write(data, size);
	memset(&err, 0, sizeof(err));

	rc = privd_calendar_load(scratch_path, THIS_YEAR, &c, &err);
	if (rc == PRIVD_OK) {
		if (c == NULL)
			abort();
	} else if (c != NULL || err.msg[0] == '\0' || strnlen(err.msg, sizeof(err.msg)) == sizeof(err.msg)) {
		abort();
	}
	/* Whatever loaded lies in 1..9999 (a year key is four digits): ask about the turn of each covered year. */
	for (year = 1; c != NULL && year <= 9999; year++) {
		if (!privd_calendar_covers(c, year))
			continue;
		from.year = year;
		from.month = 12;
		from.day = 20;
		privd_calendar_add_working_days(c, &from, 10, &to, &uncovered);
		if (to.year == 9999 && to.month == 12 && to.day == 31)
			continue; /* counting stopped at the end of the representable calendar */
		if (privd_calendar_working_days_between(c, &from, &to) != 10 || !privd_calendar_is_working_day(c, &to))
			abort();
	}
	privd_calendar_free(c);
	return 0;
}
