/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * log.h - structured logs: one JSON object per line on stderr.
 *
 * Callers pass an event name and extra JSON members they have formatted themselves. Never log a PII value:
 * no names, e-mails, phones, IPs of data subjects, birth dates, API keys or raw query strings (a query string
 * may carry ?email=). Log ids, route patterns, statuses, counts and field names.
 */
#ifndef PRIVD_CORE_LOG_H
#define PRIVD_CORE_LOG_H

#include "jsonw.h" /* privd_json_escape, for the members a caller formats */

enum privd_log_level { PRIVD_LOG_DEBUG = 0, PRIVD_LOG_INFO, PRIVD_LOG_WARN, PRIVD_LOG_ERROR };

/* The sink writes one complete line; the default writes to stderr without a timestamp. The command line installs
 * one that adds the time. ts_ms is supplied by the sink itself. */
typedef void (*privd_log_sink)(enum privd_log_level level, const char *line);
void privd_log_set_sink(privd_log_sink sink);
void privd_log_set_level(enum privd_log_level min);
enum privd_log_level privd_log_level_parse(const char *s); /* unknown -> INFO */

/* members: extra JSON members without braces, e.g. "\"status\":404,\"route\":\"/v1/subjects/{id}\"", or NULL.
 * The line is {"level":"info","event":"<event>",<members>}. Thread-safe. */
void privd_log(enum privd_log_level level, const char *event, const char *members_fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
