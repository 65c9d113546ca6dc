/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * request_int.h - what the files of rights requests share (requests.c, request_step.c, request_exec.c): the step,
 * one write job that moves a request from one state to the next, and the reading of a request's rows and the fields
 * its texts are sealed under (the sealing itself is the vault's).
 */
#ifndef PRIVD_REQUEST_INT_H
#define PRIVD_REQUEST_INT_H

#include <jansson.h>

#include "core/notice.h"
#include "core/request.h"
#include "notify/notify.h"
#include "service/service_int.h"

/* ---- request_step.c: a request's row, its view and its sealed texts ---- */

/* The envelope field of a request's sealed text (what: "request.details", "request.reason", "request.answer",
 * "request.document"):
 * bound to the request too, so a ciphertext cannot be moved to another request of the same subject. Returns buf. */
const char *privd_request_field(char buf[64], const char *what, const char *request_id);

/* Reads a request's row; PRIVD_ERR_NOT_FOUND for an id that is not one. The caller clears row. */
enum privd_rc privd_request_read(struct privd_service *svc, const char *id, struct privd_request_row *row);

/* Fills the public view of a request from its row (due dates against today); details/reason stay NULL. Cannot
 * fail. */
void privd_request_view(struct privd_service *svc, const struct privd_request_row *row, struct privd_request *out);

/* Decrypts details, reason and answer into out (malloc'd; privd_request_clear frees them). Nothing when the
 * subject was erased. */
enum privd_rc privd_request_disclose(struct privd_service *svc, const struct privd_request_row *row,
                                     struct privd_request *out);

/* ---- request_step.c: the step ---- */

/* One step on a request: prepared outside the writer, applied inside it. */
struct privd_step {
	struct privd_service *svc;
	struct privd_principal who;
	enum privd_request_event ev;
	struct privd_request_row before; /* as read when preparing */
	struct privd_request_row after;  /* what to store */
	struct privd_notice notice;
	const uint8_t *doc_ct; /* attach: the sealed scan */
	size_t doc_len;
	char action[40];
	char detail[1200];
	/* execute: what the type does, inside the same transactions */
	enum privd_rc (*exec_data)(struct privd_db *db, struct privd_step *s);
	enum privd_rc (*exec_after)(struct privd_db *ks, struct privd_step *s); /* keystore, after the data commit */
	/* exec state */
	struct privd_subject_row rectified;
	int64_t rectify_expect;
	bool country_corrected;       /* rectify: the correction gives the residence country (152-FZ Art. 18 p.5) */
	struct privd_erasure erasure; /* erase: the subject and the message keys of their cancelled notices */
	int64_t erase_after;
	bool granted[PRIVD_PURPOSE_COUNT]; /* guardian_consent: the purposes the guardian consents to */
	bool became_active;
	bool erased;
	bool consents_changed;
	const char *conflict_field;
};

/* Reads the request and checks the transition ev; fills s->before and s->after (a deep copy to modify, with the
 * new status and updated_at). PRIVD_ERR_NOT_FOUND or PRIVD_ERR_CONFLICT with their messages in err. s must be
 * cleared by privd_step_clear whatever the result. */
enum privd_rc privd_step_begin(struct privd_service *svc, const struct privd_principal *who, const char *id,
                               enum privd_request_event ev, struct privd_step *s, struct privd_err *err);

/* Runs the step as one write job: the notice's key into the keystore; the state (still as read, the subject still
 * there), the scan, the type's data part, the row, the notice and the audit entry into the data transaction; the
 * type's keystore part after the commit. PRIVD_ERR_CONFLICT when the request changed meanwhile. */
enum privd_rc privd_step_run(struct privd_step *s);

/* Frees what the step holds; s may be NULL. */
void privd_step_clear(struct privd_step *s);

/* ---- request_deadline.c: each type's rule, due dates, and counting them again ---- */

/* Type t's rule: core's defaults with [requests] <type>_days and <type>_extension_days applied. Cannot fail. */
void privd_request_rule(const struct privd_service *svc, enum privd_request_type t, struct privd_request_rule *out);

/* The calendar day of a UTC millisecond time in the operator's time zone. Cannot fail. */
void privd_request_date_of(int64_t ms, struct privd_date *out);

/* Sets row's due date to the days-th working day after from (privd_calendar_due, the count the command line
 * prints), with due_working_days, due_estimated and estimated_year; an estimate is logged (no PII). Cannot fail. */
void privd_request_count_due(struct privd_service *svc, struct privd_request_row *row, const struct privd_date *from,
                             int days);

/* The calendar note of row (see struct privd_request): "" unless its due date is estimated. Cannot fail. */
void privd_request_note(struct privd_service *svc, const struct privd_request_row *row,
                        char out[PRIVD_CALENDAR_NOTE_MAX]);

/* ---- requests.c ---- */

/* Prepares into n the notice of kind for the person request row is about, with its due date and text in the
 * notice (the answer of PRIVD_NOTICE_REQUEST_ANSWERED, else the reason; notify.h words it). Nothing when the
 * subject was erased. */
enum privd_rc privd_request_notice(struct privd_service *svc, const struct privd_request_row *row,
                                   enum privd_notice_kind kind, const char *text, struct privd_notice *n);

/* privd_request_notice for the step's request as it will be (s->after), into s->notice. */
enum privd_rc privd_step_notice(struct privd_step *s, enum privd_notice_kind kind, const char *reason);

/* The fields a correction has: name, email, phone, ip, birth_date, residence_country. */
#define PRIVD_CORRECTION_FIELDS 6

/* The names of the fields c gives, in that order, into names; returns how many. Cannot fail. */
size_t privd_request_correction_fields(const struct privd_subject_patch *c, const char *names[PRIVD_CORRECTION_FIELDS]);

/* A rectify request's correction from its stored details (the text sealed in its row): *root receives the parsed
 * text, which c points into and the caller must json_decref after use. PRIVD_ERR_INTERNAL when text is NULL or
 * not JSON (a broken invariant). */
enum privd_rc privd_request_correction_decode(const char *text, json_t **root, struct privd_subject_patch *c);

/* ---- guardian.c: a guardian_consent request's details ---- */

/* The stored encoding of a checked guardian's consent, sealed in the request's row:
 * {"consents":{"cookies":[...],"processing":true,"third_party_transfer":false},"guardian":{"email":...,
 * "name":...,"phone":...,"relation":...}} (keys sorted, an absent e-mail or phone left out). *text is malloc'd:
 * the caller zeroes and frees it. PRIVD_ERR_NOMEM is the only failure. */
enum privd_rc privd_guardian_encode(const struct privd_guardian *g, char **text);

/* The purposes a stored guardian's consent grants, by enum privd_purpose. PRIVD_ERR_CONFLICT when text is NULL or
 * holds no consents (a request filed before guardians' details were taken). */
enum privd_rc privd_guardian_decode(const char *text, bool granted[PRIVD_PURPOSE_COUNT]);

#endif
