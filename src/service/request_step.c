/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * request_step.c - how a rights request changes state, and how its row is read and its texts sealed.
 *
 * Every change to a request (its scan attached, a decision, its execution) is a step: prepared outside the writer
 * (the row read, the transition checked on the state machine of core/request.h, the notice and any sealed text
 * made ready), then applied as one write job in which the state is checked again, so that two operators cannot
 * both act on one state, and the change, its audit entry and the notice the person must receive commit together.
 * What a request type does on execution rides in the same job through two hooks, one in the data transaction and
 * one in the keystore after it commits (erasure destroys keys only once the data side is durable). A request's
 * free texts (the correction or the question asked, a decision's reason, an inquiry's answer) and its scan are
 * sealed under the subject's key, in an envelope bound to the request, so they go with the subject's erasure.
 * Before a step, the request's type is asked too: whether it may be extended at all, and not once its due date has
 * passed; whether it is answered or executed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service/request_int.h"

/* ---- the request's sealed texts ---- */

const char *privd_request_field(char buf[64], const char *what, const char *request_id)
{
	snprintf(buf, 64, "%s/%s", what, request_id);
	return buf;
}

/* ---- reading ---- */

static bool hex_id(const char *id)
{
	if (id == NULL || strlen(id) != 32)
		return false;
	for (size_t i = 0; i < 32; i++)
		if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
			return false;
	return true;
}

void privd_request_view(struct privd_service *svc, const struct privd_request_row *row, struct privd_request *out)
{
	struct privd_date due, today;

	memset(out, 0, sizeof(*out));
	memcpy(out->id, row->id, sizeof(out->id));
	memcpy(out->subject_id, row->subject_id, sizeof(out->subject_id));
	out->type = row->type;
	out->status = row->status;
	snprintf(out->result, sizeof(out->result), "%s", row->result[0] ? row->result : "{}");
	out->created_at = row->created_at;
	out->received_at = row->received_at;
	out->decided_at = row->decided_at;
	out->completed_at = row->completed_at;
	out->updated_at = row->updated_at;
	memcpy(out->due_date, row->due_date, sizeof(out->due_date));
	out->due_estimated = row->due_estimated;
	privd_request_note(svc, row, out->calendar_note);
	out->extended = row->extended;
	memcpy(out->document_type, row->doc_type, sizeof(out->document_type));
	out->document_size = row->doc_size;
	memcpy(out->document_sha256, row->doc_sha256, sizeof(out->document_sha256));
	if (row->due_date[0] != '\0' && privd_date_parse(row->due_date, &due, NULL) == PRIVD_OK) {
		privd_today(&today);
		out->overdue = privd_request_overdue(row->status, &due, &today);
		out->working_days_left = privd_calendar_working_days_between(svc->calendar, &today, &due);
	}
}

enum privd_rc privd_request_read(struct privd_service *svc, const char *id, struct privd_request_row *row)
{
	struct privd_reader *r = NULL;
	enum privd_rc rc;

	if (!hex_id(id))
		return PRIVD_ERR_NOT_FOUND;
	rc = privd_reader_get(svc, &r);
	if (rc != PRIVD_OK)
		return rc;
	rc = privd_repo_request_get(r->db, id, row);
	privd_reader_put(svc, r, rc == PRIVD_ERR_DB);
	return rc;
}

enum privd_rc privd_request_disclose(struct privd_service *svc, const struct privd_request_row *row,
                                     struct privd_request *out)
{
	char f1[64], f2[64], f3[64];
	struct privd_blob details = {0}, reason = {0}, answer = {0};
	const struct privd_vault_opening texts[3] = {
	    {privd_request_field(f1, "request.details", row->id), &row->details_ct, NULL, 0, &details},
	    {privd_request_field(f2, "request.reason", row->id), &row->reason_ct, NULL, 0, &reason},
	    {privd_request_field(f3, "request.answer", row->id), &row->answer_ct, NULL, 0, &answer}};
	enum privd_rc rc;

	if (row->details_ct.len == 0 && row->reason_ct.len == 0 && row->answer_ct.len == 0)
		return PRIVD_OK;
	rc = privd_vault_open(svc->vault, NULL, row->subject_id, texts, 3);
	if (rc == PRIVD_ERR_GONE)
		return PRIVD_OK; /* erased: nothing left to disclose */
	out->details = (char *)details.data;
	out->reason = (char *)reason.data;
	out->answer = (char *)answer.data;
	return rc;
}

/* ---- the step ---- */

void privd_step_clear(struct privd_step *s)
{
	if (s == NULL)
		return;
	privd_request_row_clear(&s->before);
	privd_request_row_clear(&s->after);
	privd_notice_clear(&s->notice);
	privd_subject_row_clear(&s->rectified);
	privd_erasure_clear(&s->erasure);
}

static enum privd_rc step_ks(struct privd_db *ks, void *arg)
{
	struct privd_step *s = arg;

	return privd_notice_ks_put(ks, &s->notice);
}

static enum privd_rc step_ks_undo(struct privd_db *ks, void *arg)
{
	struct privd_step *s = arg;

	return privd_notice_ks_undo(s->svc, ks, &s->notice);
}

static enum privd_rc step_data(struct privd_db *db, void *arg)
{
	struct privd_step *s = arg;
	struct privd_request_row now;
	enum privd_rc rc;

	/* The state may have changed since we prepared: it must still be the one the step was decided on. */
	memset(&now, 0, sizeof(now));
	rc = privd_repo_request_get(db, s->before.id, &now);
	if (rc == PRIVD_OK && (now.status != s->before.status || now.extended != s->before.extended ||
	                       now.updated_at != s->before.updated_at))
		rc = PRIVD_ERR_CONFLICT;
	privd_request_row_clear(&now);
	/* ... and the person must still be there: nothing is added to an erased subject. */
	if (rc == PRIVD_OK)
		rc = privd_subject_alive(db, s->after.subject_id);
	if (rc != PRIVD_OK)
		return rc;
	if (s->doc_ct != NULL)
		rc = privd_repo_document_put(db, s->after.id, s->after.subject_id, s->doc_ct, s->doc_len,
		                             s->after.updated_at);
	if (rc == PRIVD_OK && s->exec_data != NULL)
		rc = s->exec_data(db, s);
	if (rc == PRIVD_OK)
		rc = privd_repo_request_update(db, &s->after);
	if (rc == PRIVD_OK)
		rc = privd_notice_insert(db, &s->notice);
	if (rc == PRIVD_OK)
		rc = privd_audit_append(s->svc, db, s->who.actor, s->action, "request", s->after.id, s->detail);
	return rc;
}

static enum privd_rc step_ks_after(struct privd_db *ks, void *arg)
{
	struct privd_step *s = arg;

	return s->exec_after != NULL ? s->exec_after(ks, s) : PRIVD_OK;
}

enum privd_rc privd_step_run(struct privd_step *s)
{
	struct privd_write_job job = {
	    .ks = step_ks, .data = step_data, .ks_undo = step_ks_undo, .ks_after = step_ks_after, .arg = s};

	return privd_writer_run(s->svc->writer, &job);
}

/* What the request's type and deadline allow of ev (core's privd_request_rule_allows); a refusal by a rule of its
 * own is named as its problem type. */
static enum privd_rc type_allows(struct privd_service *svc, const struct privd_request_row *row,
                                 enum privd_request_event ev, struct privd_err *err)
{
	static const char *const problems[] = {
	    [PRIVD_REQUEST_REFUSAL_NOT_EXTENDABLE] = "not-extendable",
	    [PRIVD_REQUEST_REFUSAL_DEADLINE_PASSED] = "deadline-passed",
	};
	struct privd_request_rule rule;
	struct privd_date due, today;
	enum privd_request_refusal why = PRIVD_REQUEST_REFUSAL_NONE;
	const char *sentence = NULL;
	bool has_due = row->due_date[0] != '\0' && privd_date_parse(row->due_date, &due, NULL) == PRIVD_OK;
	enum privd_rc rc;

	privd_request_rule(svc, row->type, &rule);
	privd_today(&today);
	rc = privd_request_rule_allows(&rule, ev, has_due ? &due : NULL, &today, &why, &sentence);
	if (rc == PRIVD_OK)
		return PRIVD_OK;
	privd_err_set(err, rc, "%s", sentence != NULL ? sentence : "not allowed for this type of request");
	if (why != PRIVD_REQUEST_REFUSAL_NONE && (size_t)why < sizeof(problems) / sizeof(problems[0]))
		privd_err_problem(err, rc, problems[why]);
	return rc;
}

/* A copy of from into to, which must be empty (malloc'd; empty stays empty). */
static enum privd_rc blob_copy(const struct privd_blob *from, struct privd_blob *to)
{
	if (from->len == 0)
		return PRIVD_OK;
	to->data = malloc(from->len);
	if (to->data == NULL)
		return PRIVD_ERR_NOMEM;
	memcpy(to->data, from->data, from->len);
	to->len = from->len;
	return PRIVD_OK;
}

enum privd_rc privd_step_begin(struct privd_service *svc, const struct privd_principal *who, const char *id,
                               enum privd_request_event ev, struct privd_step *s, struct privd_err *err)
{
	struct privd_request_state cur, next;
	const char *why = NULL;
	enum privd_rc rc;

	memset(s, 0, sizeof(*s));
	s->svc = svc;
	s->who = *who;
	s->ev = ev;
	rc = privd_request_read(svc, id, &s->before);
	if (rc == PRIVD_ERR_NOT_FOUND)
		return privd_err_set(err, rc, "no request has that id");
	if (rc != PRIVD_OK)
		return rc;
	cur.status = s->before.status;
	cur.extended = s->before.extended;
	rc = privd_request_transition(&cur, ev, &next, &why);
	if (rc != PRIVD_OK)
		return privd_err_set(err, PRIVD_ERR_CONFLICT, "%s", why ? why : "not allowed in this state");
	rc = type_allows(svc, &s->before, ev, err);
	if (rc != PRIVD_OK)
		return rc;
	/* after = before, deep-copying the blobs (none shared, even when a copy fails) */
	s->after = s->before;
	memset(&s->after.details_ct, 0, sizeof(s->after.details_ct));
	memset(&s->after.reason_ct, 0, sizeof(s->after.reason_ct));
	memset(&s->after.answer_ct, 0, sizeof(s->after.answer_ct));
	rc = blob_copy(&s->before.details_ct, &s->after.details_ct);
	if (rc == PRIVD_OK)
		rc = blob_copy(&s->before.reason_ct, &s->after.reason_ct);
	if (rc == PRIVD_OK)
		rc = blob_copy(&s->before.answer_ct, &s->after.answer_ct);
	if (rc != PRIVD_OK)
		return rc;
	s->after.status = next.status;
	s->after.extended = next.extended;
	s->after.updated_at = privd_now_ms();
	if (s->after.updated_at <= s->before.updated_at)
		s->after.updated_at = s->before.updated_at + 1;
	return PRIVD_OK;
}
