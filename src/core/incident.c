/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * incident.c - the names of an incident's scope and reports, and the regulator's clocks (see incident.h).
 *
 * Tables indexed by the enums, as for every typed state (names.h).
 */
#include "incident.h"

#include "names.h"

static const char *const scope_names[PRIVD_SCOPE_COUNT] = {
    [PRIVD_SCOPE_ALL] = "all",
    [PRIVD_SCOPE_SUBJECTS] = "subject_ids",
    [PRIVD_SCOPE_REGISTERED] = "registered",
};

static const char *const report_names[PRIVD_REPORT_KIND_COUNT] = {
    [PRIVD_REPORT_INITIAL] = "initial",
    [PRIVD_REPORT_FOLLOWUP] = "followup",
};

const char *privd_incident_scope_name(enum privd_incident_scope s)
{
	return privd_names_get(scope_names, PRIVD_SCOPE_COUNT, (int)s);
}

enum privd_rc privd_incident_scope_parse(const char *name, enum privd_incident_scope *out)
{
	int i = privd_names_find(scope_names, PRIVD_SCOPE_COUNT, name);

	if (i < 0)
		return PRIVD_ERR_INVALID;
	if (out != NULL)
		*out = (enum privd_incident_scope)i;
	return PRIVD_OK;
}

const char *privd_report_kind_name(enum privd_report_kind k)
{
	return privd_names_get(report_names, PRIVD_REPORT_KIND_COUNT, (int)k);
}

enum privd_rc privd_report_kind_parse(const char *name, enum privd_report_kind *out)
{
	int i = privd_names_find(report_names, PRIVD_REPORT_KIND_COUNT, name);

	if (i < 0)
		return PRIVD_ERR_INVALID;
	if (out != NULL)
		*out = (enum privd_report_kind)i;
	return PRIVD_OK;
}

int64_t privd_incident_due(int64_t detected_at, enum privd_report_kind k)
{
	int64_t hours = k == PRIVD_REPORT_INITIAL ? PRIVD_INCIDENT_INITIAL_HOURS : PRIVD_INCIDENT_FOLLOWUP_HOURS;

	return detected_at + hours * 3600 * 1000;
}

enum privd_deadline_state privd_incident_deadline(int64_t due, int64_t reported_at, int64_t now)
{
	if (reported_at != 0)
		return reported_at <= due ? PRIVD_DEADLINE_MET : PRIVD_DEADLINE_MISSED;
	return now > due ? PRIVD_DEADLINE_MISSED : PRIVD_DEADLINE_PENDING;
}
