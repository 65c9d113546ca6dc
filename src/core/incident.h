/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * incident.h - a breach of personal data as rules: who is affected (the scope), which data (the categories), and
 * the regulator's clocks.
 *
 * 152-FZ Art. 21 p.3.1 gives the operator 24 hours from detecting an incident to tell Roskomnadzor what happened,
 * its presumed causes and harm, the measures taken and a contact person, and 72 hours to report the results of
 * the internal investigation; GDPR Art. 33 gives 72 hours where EU residents are affected. The policy promises
 * each affected person a notice by e-mail or phone. What privd decides here, with no I/O and no clock of its own
 * (the caller passes "now"): the names of the scopes and report kinds stored and shown, the two due times and
 * whether a deadline was met. The names are part of the data
 * format: stored in the incidents table and sealed into every notice, they never change.
 */
#ifndef PRIVD_CORE_INCIDENT_H
#define PRIVD_CORE_INCIDENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "destruction.h"
#include "rc.h"

/* Who is affected. */
enum privd_incident_scope {
	PRIVD_SCOPE_ALL = 0,    /* every person whose data privd holds: {"all":true} */
	PRIVD_SCOPE_SUBJECTS,   /* the listed ids: {"subject_ids":[...]} */
	PRIVD_SCOPE_REGISTERED, /* registered in [from, to]: {"registered_from","registered_to"} */
	PRIVD_SCOPE_COUNT
};

/* "all", "subject_ids", "registered"; "unknown" outside the enum. Never NULL. */
const char *privd_incident_scope_name(enum privd_incident_scope s);
/* Parses a scope name exactly; PRIVD_ERR_INVALID (and *out unchanged) for anything else. out may be NULL. */
enum privd_rc privd_incident_scope_parse(const char *name, enum privd_incident_scope *out);

/* Which data an incident concerned: a mask of the categories of data privd holds on a person, the same as a
 * destruction record names (core/destruction.h: name, email, phone, ip, birth_date, residence_country,
 * consent_records, request_documents, request_details, notifications), stored and shown by those names. */
#define PRIVD_INCIDENT_CATEGORIES_ALL ((1u << PRIVD_DESTRUCTION_CATEGORY_COUNT) - 1u)

/* The two reports owed to the regulator. */
enum privd_report_kind {
	PRIVD_REPORT_INITIAL = 0, /* 24 hours: the incident, causes, harm, measures, contact (Art. 21 p.3.1) */
	PRIVD_REPORT_FOLLOWUP,    /* 72 hours: the investigation's results (Art. 21 p.3.1; GDPR Art. 33) */
	PRIVD_REPORT_KIND_COUNT
};
/* "initial", "followup"; "unknown" outside the enum. Never NULL. */
const char *privd_report_kind_name(enum privd_report_kind k);
/* Parses a report kind exactly; PRIVD_ERR_INVALID (and *out unchanged) for anything else. out may be NULL. */
enum privd_rc privd_report_kind_parse(const char *name, enum privd_report_kind *out);

#define PRIVD_INCIDENT_INITIAL_HOURS 24
#define PRIVD_INCIDENT_FOLLOWUP_HOURS 72

/* When report k is due for an incident detected at detected_at (UTC ms): 24 or 72 hours later. Cannot fail. */
int64_t privd_incident_due(int64_t detected_at, enum privd_report_kind k);

/* Where a deadline stands. */
enum privd_deadline_state {
	PRIVD_DEADLINE_PENDING = 0, /* not reported yet, and not due yet */
	PRIVD_DEADLINE_MET,         /* reported at or before the due time */
	PRIVD_DEADLINE_MISSED       /* reported late, or not reported and overdue */
};
/* The state of a deadline due at due, reported at reported_at (0: not yet), seen at now. Cannot fail. */
enum privd_deadline_state privd_incident_deadline(int64_t due, int64_t reported_at, int64_t now);

/* How far a time a caller sends may lie ahead of privd's clock (a detection, a report, a registration bound):
 * clocks differ by a little, never by five minutes. */
#define PRIVD_INCIDENT_CLOCK_SKEW_MS (5 * 60 * 1000)

/* The limits of an operator's free texts in UTF-8 bytes: the description, causes, harm, measures, results and
 * responsible (over lines: privd_validate_lines), a report's reference (one line: privd_validate_text). */
#define PRIVD_INCIDENT_TEXT_MAX 8192
#define PRIVD_INCIDENT_REFERENCE_MAX 256

#endif
