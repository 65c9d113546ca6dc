/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* log.c - JSON line logging with a replaceable sink (see log.h). */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void default_sink(enum privd_log_level level, const char *line)
{
	(void)level;
	fprintf(stderr, "%s\n", line);
}

static privd_log_sink sink = default_sink;
static enum privd_log_level min_level = PRIVD_LOG_INFO;

void privd_log_set_sink(privd_log_sink s)
{
	sink = s ? s : default_sink;
}

void privd_log_set_level(enum privd_log_level min)
{
	min_level = min;
}

enum privd_log_level privd_log_level_parse(const char *s)
{
	if (s == NULL)
		return PRIVD_LOG_INFO;
	if (strcmp(s, "debug") == 0)
		return PRIVD_LOG_DEBUG;
	if (strcmp(s, "warn") == 0)
		return PRIVD_LOG_WARN;
	if (strcmp(s, "error") == 0)
		return PRIVD_LOG_ERROR;
	return PRIVD_LOG_INFO;
}

static const char *level_name(enum privd_log_level l)
{
	switch (l) {
	case PRIVD_LOG_DEBUG:
		return "debug";
	case PRIVD_LOG_INFO:
		return "info";
	case PRIVD_LOG_WARN:
		return "warn";
	case PRIVD_LOG_ERROR:
		return "error";
	}
	return "info";
}

void privd_log(enum privd_log_level level, const char *event, const char *members_fmt, ...)
{
	char members[1536] = "";
	char line[2048];
	va_list ap;

	if (level < min_level)
		return;
	if (members_fmt != NULL) {
		va_start(ap, members_fmt);
		vsnprintf(members, sizeof(members), members_fmt, ap);
		va_end(ap);
	}
	snprintf(line, sizeof(line), "{\"level\":\"%s\",\"event\":\"%s\"%s%s}", level_name(level), event,
	         members[0] ? "," : "", members);
	sink(level, line);
}
