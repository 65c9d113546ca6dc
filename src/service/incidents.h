/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * incidents.h - the incident use cases (service/incidents.c): a breach of personal data recorded, its notices
 * queued, its reports to the regulator tracked and drafted.
 *
 * Apart from service.h only because that file would outgrow its size limit; the same rules hold (one job per
 * write, audited in its transaction, texts freed by the _clear function).
 */
#ifndef PRIVD_SERVICE_INCIDENTS_H
#define PRIVD_SERVICE_INCIDENTS_H

#include <stddef.h>
#include <stdint.h>

#include "core/incident.h"
#include "service/service.h"

/* ---- incidents: a breach of personal data (152-FZ Art. 21 p.3.1, GDPR Art. 33 and 34) ----
 * An operator records a breach; every person it affects whose data still exists (active, pending a guardian, or
 * revoked and awaiting destruction: the data that leaked is still held) is queued one notice in the same
 * transaction, by e-mail where they have one, otherwise by SMS ([incidents] channel_preference turns that
 * round); the erased are not contacted. The regulator's two reports are due 24 and 72 hours after detection. The
 * texts are the operator's account of the breach, not a person's data: kept as text, never logged, never in the
 * audit log (which holds ids and counts). */
struct privd_incident_texts {
	const char *causes, *harm, *measures, *results, *responsible; /* NULL: unchanged (absent at creation) */
};
struct privd_incident_input {
	int64_t detected_at; /* UTC ms; not after now (beyond PRIVD_INCIDENT_CLOCK_SKEW_MS) */
	const char *description;
	unsigned categories; /* a mask of enum privd_destruction_category, not empty */
	enum privd_incident_scope scope;
	const char *const *subject_ids; /* PRIVD_SCOPE_SUBJECTS: 1 to PRIVD_INCIDENT_IDS_MAX ids, borrowed */
	size_t nsubject_ids;
	int64_t registered_from, registered_to; /* PRIVD_SCOPE_REGISTERED: UTC ms, from <= to */
	struct privd_incident_texts texts;
};
#define PRIVD_INCIDENT_IDS_MAX 25000

/* A report owed to the regulator and where it stands. */
struct privd_incident_report {
	int64_t due;         /* detected_at + 24 h (initial) or + 72 h (followup) */
	int64_t reported_at; /* 0: not recorded */
	char reference[PRIVD_INCIDENT_REFERENCE_MAX + 1];
	enum privd_deadline_state state;
};
/* The notices of one channel, by status. */
struct privd_incident_channel {
	int64_t queued, sent, failed, cancelled;
};
enum { PRIVD_CHANNEL_EMAIL = 0, PRIVD_CHANNEL_SMS, PRIVD_CHANNEL_COUNT };

struct privd_incident {
	char id[33];
	int64_t detected_at, created_at, updated_at;
	char *description;                                      /* malloc'd; NULL in lists */
	char *causes, *harm, *measures, *results, *responsible; /* malloc'd; NULL when not given, and in lists */
	unsigned categories;
	enum privd_incident_scope scope;
	int64_t registered_from, registered_to; /* the registered scope's bounds; 0 otherwise */
	int64_t affected, affected_eu;          /* persons notified; of them EU/EEA residents */
	struct privd_incident_report reports[PRIVD_REPORT_KIND_COUNT];
	struct privd_incident_channel channels[PRIVD_CHANNEL_COUNT]; /* get only: zeroes in lists */
	int64_t last_sent_at;                                        /* get only: the last notice out; 0 none */
};
/* Frees the texts and zeroes x; accepts NULL. */
void privd_incident_clear(struct privd_incident *x);

/* Records the incident and queues its notices in one transaction, audited with counts only. PRIVD_ERR_INVALID
 * naming each field at fault ("detected_at", "description", "data_categories", "scope.subject_ids[3]",
 * "scope.registered_to", "causes", ...), with nothing stored; an unknown subject id is one. out has the
 * incident as stored, without its texts (reports due, no progress yet). */
enum privd_rc privd_service_incident_create(struct privd_service *svc, const struct privd_principal *who,
                                            const struct privd_incident_input *in, struct privd_incident *out,
                                            struct privd_err *err);
/* How many persons an incident over in's scope (the other members are not looked at) would notify now, and how
 * many of them live in the EU/EEA: the persons of the scope whose data still exists and who have an e-mail address
 * or a phone number, as privd_service_incident_create counts them. Reads only; nothing is stored or audited.
 * PRIVD_ERR_INVALID naming each scope field at fault ("scope.subject_ids[3]" for an id no subject has), as
 * privd_service_incident_create would; PRIVD_ERR_DB. */
enum privd_rc privd_service_incident_scope_count(struct privd_service *svc, const struct privd_incident_input *in,
                                                 int64_t *affected, int64_t *affected_eu, struct privd_err *err);
/* The incident with its texts, its reports and the progress of its notices. PRIVD_ERR_NOT_FOUND. */
enum privd_rc privd_service_incident_get(struct privd_service *svc, const char *id, struct privd_incident *out,
                                         struct privd_err *err);
/* Incidents created after the cursor (created_at in ms of the last one seen; 0 to start), oldest first, at most
 * limit (0: 100), without texts or progress. */
enum privd_rc privd_service_incident_list(struct privd_service *svc, int64_t after, size_t limit,
                                          int (*cb)(void *arg, const struct privd_incident *x), void *arg,
                                          struct privd_err *err);
/* Sets the non-NULL texts ("" clears one), audited with the field names. PRIVD_ERR_INVALID naming the field
 * (nothing given is "texts"), PRIVD_ERR_NOT_FOUND, PRIVD_ERR_CONFLICT when it changed meanwhile. */
enum privd_rc privd_service_incident_update(struct privd_service *svc, const struct privd_principal *who,
                                            const char *id, const struct privd_incident_texts *t,
                                            struct privd_incident *out, struct privd_err *err);
/* Records that report k was filed with the regulator at sent_at (not after now), under its reference (required),
 * audited. PRIVD_ERR_INVALID naming "sent_at" or "reference", PRIVD_ERR_NOT_FOUND, PRIVD_ERR_CONFLICT when that
 * report was recorded already. */
enum privd_rc privd_service_incident_report(struct privd_service *svc, const struct privd_principal *who,
                                            const char *id, enum privd_report_kind k, int64_t sent_at,
                                            const char *reference, struct privd_incident *out, struct privd_err *err);

/* What the draft of a report to the regulator is made of: the incident and who the operator is. */
struct privd_regulator_draft {
	enum privd_report_kind kind;
	int64_t generated_at;
	struct privd_incident incident;
	char operator_name[256], operator_contact[256];
	char contact_person[520]; /* [incidents] contact_person, or the operator's name and contact */
	char dpo_contact[520];    /* [incidents] dpo_contact, or the contact person */
};
/* Gathers the draft of report k. PRIVD_ERR_NOT_FOUND. The caller clears d->incident. */
enum privd_rc privd_service_incident_draft(struct privd_service *svc, const char *id, enum privd_report_kind k,
                                           struct privd_regulator_draft *d, struct privd_err *err);

#endif
