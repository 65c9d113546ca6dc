/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * request_deadline.c - when a rights request is due: each type's rule with the operator's configuration applied,
 * the due date counted on the production calendar, and due dates counted again once a newer calendar is in.
 *
 * A deadline is a legal promise, so it is counted one way only: privd_calendar_due (calendar_file.c), the count
 * `privd calendar add-working-days` prints, from the day of receipt in the operator's time zone. The row keeps the
 * working days it was counted with and the year that made it an estimate, because a calendar only becomes certain
 * when the Government publishes its decree: a due date counted through a provisional or missing year is an
 * estimate, shown as one, and when the operator installs a newer calendar and restarts privd, every open request
 * still estimated is counted again from its receipt, each change an audit entry. The counts are small (a few
 * dozen days), so nothing here is cached.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "service/calendar_file.h"
#include "service/request_int.h"

#define RECOUNT_MAX 1000000 /* open estimated requests looked at in one start-up sweep */

void privd_request_rule(const struct privd_service *svc, enum privd_request_type t, struct privd_request_rule *out)
{
	privd_request_rule_default(t, out);
	if ((int)t < 0 || t >= PRIVD_REQUEST_TYPE_COUNT)
		return;
	out->due_days = svc->cfg.due_days[t];
	out->extension_days = svc->cfg.extension_days[t];
}

void privd_request_date_of(int64_t ms, struct privd_date *out)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	localtime_r(&t, &tm);
	out->year = tm.tm_year + 1900;
	out->month = tm.tm_mon + 1;
	out->day = tm.tm_mday;
}

void privd_request_count_due(struct privd_service *svc, struct privd_request_row *row, const struct privd_date *from,
                             int days)
{
	struct privd_date due;
	int year = 0;

	privd_calendar_due(svc->calendar, from, days, &due, &year);
	privd_date_format(&due, row->due_date, sizeof(row->due_date));
	row->due_working_days = days;
	row->due_estimated = year != 0;
	row->estimated_year = year;
	if (year != 0)
		privd_log(PRIVD_LOG_WARN, "calendar.estimated", "\"due_date\":\"%s\",\"year\":%d", row->due_date, year);
}

void privd_request_note(struct privd_service *svc, const struct privd_request_row *row,
                        char out[PRIVD_CALENDAR_NOTE_MAX])
{
	out[0] = '\0';
	if (!row->due_estimated)
		return;
	if (row->estimated_year != 0)
		privd_calendar_note(svc->calendar, row->estimated_year, out);
	else /* counted before the year was kept */
		snprintf(out, PRIVD_CALENDAR_NOTE_MAX, "a year counted through is not in the calendar file");
}

/* ---- counting again on a newer calendar ---- */

struct recount_job {
	struct privd_service *svc;
	struct privd_request_row before, after;
};

/* The row must still be as read: a decision meanwhile counted its own due date. Only the due date's columns and
 * updated_at change; the row is read whole here so that its sealed texts are written back as they are. */
static enum privd_rc recount_data(struct privd_db *db, void *arg)
{
	struct recount_job *j = arg;
	struct privd_request_row now;
	struct privd_jsonw w;
	char detail[256];
	enum privd_rc rc;

	memset(&now, 0, sizeof(now));
	rc = privd_repo_request_get(db, j->before.id, &now);
	if (rc == PRIVD_OK && now.updated_at != j->before.updated_at)
		rc = PRIVD_ERR_CONFLICT;
	if (rc == PRIVD_OK) {
		memcpy(now.due_date, j->after.due_date, sizeof(now.due_date));
		now.due_working_days = j->after.due_working_days;
		now.due_estimated = j->after.due_estimated;
		now.estimated_year = j->after.estimated_year;
		now.updated_at = j->after.updated_at;
		rc = privd_repo_request_update(db, &now);
	}
	privd_request_row_clear(&now);
	privd_jsonw_init(&w, detail, sizeof(detail));
	privd_jsonw_str(&w, "due_date_was", j->before.due_date);
	privd_jsonw_str(&w, "due_date", j->after.due_date);
	privd_jsonw_bool(&w, "due_estimated", j->after.due_estimated);
	if (j->after.estimated_year != 0)
		privd_jsonw_int(&w, "estimated_year", j->after.estimated_year);
	privd_jsonw_end(&w);
	if (rc == PRIVD_OK)
		rc = privd_audit_append(j->svc, db, "system", "request.due_recounted", "request", j->after.id, detail);
	return rc;
}

/* Counts one open estimated request again; writes it only when something changed. */
static enum privd_rc recount_one(struct privd_service *svc, const struct privd_request_row *row)
{
	struct recount_job j = {.svc = svc};
	struct privd_write_job job = {.data = recount_data, .arg = &j};
	struct privd_request_rule rule;
	struct privd_date received;
	int days = row->due_working_days;
	enum privd_rc rc = PRIVD_OK;

	if (row->received_at == 0)
		return PRIVD_OK;
	/* a row counted before the days were kept: its type's rule now, with the extension it had */
	privd_request_rule(svc, row->type, &rule);
	if (days <= 0)
		days = rule.due_days + (row->extended ? rule.extension_days : 0);
	j.before = *row;
	j.after = *row;
	privd_request_date_of(row->received_at, &received);
	privd_request_count_due(svc, &j.after, &received, days);
	if (strcmp(j.after.due_date, row->due_date) == 0 && j.after.due_estimated == row->due_estimated &&
	    j.after.estimated_year == row->estimated_year && days == row->due_working_days)
		return PRIVD_OK;
	j.after.updated_at = privd_now_ms();
	if (j.after.updated_at <= row->updated_at)
		j.after.updated_at = row->updated_at + 1;
	rc = privd_writer_run(svc->writer, &job);
	if (rc == PRIVD_OK)
		privd_log(PRIVD_LOG_INFO, "request.due_recounted",
		          "\"id\":\"%s\",\"due_date_was\":\"%s\",\"due_date\":\"%s\",\"due_estimated\":%s", row->id,
		          row->due_date, j.after.due_date, j.after.due_estimated ? "true" : "false");
	return rc == PRIVD_ERR_CONFLICT ? PRIVD_OK : rc;
}

struct recount_list {
	struct privd_request_row *rows;
	size_t n, cap;
};

static int collect(void *arg, const struct privd_request_row *row)
{
	struct recount_list *l = arg;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct privd_request_row *nr = realloc(l->rows, cap * sizeof(*nr));

		if (nr == NULL)
			return 1;
		l->rows = nr;
		l->cap = cap;
	}
	/* the sealed texts are not needed, and not copied: a recount never changes them (recount_data reads them) */
	l->rows[l->n] = *row;
	memset(&l->rows[l->n].details_ct, 0, sizeof(l->rows[l->n].details_ct));
	memset(&l->rows[l->n].reason_ct, 0, sizeof(l->rows[l->n].reason_ct));
	memset(&l->rows[l->n].answer_ct, 0, sizeof(l->rows[l->n].answer_ct));
	l->n++;
	return 0;
}

void privd_request_recount_estimates(struct privd_service *svc)
{
	struct privd_request_filter f = {.open_only = true, .estimated_only = true, .limit = RECOUNT_MAX};
	struct recount_list l = {0};
	struct privd_reader *r = NULL;
	size_t failed = 0;
	enum privd_rc rc;

	rc = privd_reader_get(svc, &r);
	if (rc == PRIVD_OK) {
		rc = privd_repo_request_list(r->db, &f, collect, &l);
		privd_reader_put(svc, r, rc == PRIVD_ERR_DB);
	}
	for (size_t i = 0; rc == PRIVD_OK && i < l.n; i++)
		if (recount_one(svc, &l.rows[i]) != PRIVD_OK)
			failed++;
	if (rc != PRIVD_OK || failed != 0)
		privd_log(PRIVD_LOG_ERROR, "request.due_recount_failed", "\"rc\":\"%s\",\"failed\":%zu",
		          privd_rc_str(rc), failed);
	else if (l.n != 0)
		privd_log(PRIVD_LOG_INFO, "request.due_recount", "\"estimated\":%zu", l.n);
	free(l.rows);
}
