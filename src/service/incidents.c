/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * incidents.c - a breach of personal data: recording it, telling every person it affects, and keeping the
 * regulator's clocks (152-FZ Art. 21 p.3.1: 24 and 72 hours; GDPR Art. 33: 72 hours).
 *
 * Shaped by the fan-out. An incident over every subject must have its 100,000 notices queued within two seconds,
 * each with a message key of its own (outbox.c), so the persons are read in one ordered walk, each one's address
 * opened under her data key on a reader the walk holds, and everything is written by one job: keys and rows (many
 * to a statement on PostgreSQL), the incident and its audit entry in the same transaction. A notice holds only its
 * variables (the incident's id and the person's language): the operator's words are read from the incident when the
 * notice is sent, so they are stored once, not 100,000 times.
 *
 * Whom to tell: everyone in the scope whose data still exists — active, pending a guardian's consent, or revoked
 * and awaiting destruction, since the data that leaked is still held and the policy promises the notice to "the
 * user" whose data was disclosed. The erased are not contacted: nothing of them is left to reach them with.
 * The operator's texts describe the breach, not a person, so they are stored as text; they are never logged, and
 * the audit log holds the incident's id, its scope and counts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/log.h"
#include "core/validate.h"
#include "service/incidents.h"
#include "service/service_int.h"

#define LIST_DEFAULT 100

void privd_incident_clear(struct privd_incident *x)
{
	if (x == NULL)
		return;
	free(x->description);
	free(x->causes);
	free(x->harm);
	free(x->measures);
	free(x->results);
	free(x->responsible);
	memset(x, 0, sizeof(*x));
}

/* The incident a row holds, as seen at now; the row's texts move into x (the row no longer holds them). */
static void incident_view(struct privd_incident_row *row, int64_t now, struct privd_incident *x)
{
	memset(x, 0, sizeof(*x));
	memcpy(x->id, row->id, sizeof(x->id));
	x->detected_at = row->detected_at;
	x->created_at = row->created_at;
	x->updated_at = row->updated_at;
	x->description = row->description;
	x->causes = row->causes;
	x->harm = row->harm;
	x->measures = row->measures;
	x->results = row->results;
	x->responsible = row->responsible;
	row->description = row->causes = row->harm = row->measures = row->results = row->responsible = NULL;
	x->categories = row->categories;
	x->scope = row->scope;
	x->registered_from = row->registered_from;
	x->registered_to = row->registered_to;
	x->affected = row->affected;
	x->affected_eu = row->affected_eu;
	for (int k = 0; k < PRIVD_REPORT_KIND_COUNT; k++) {
		struct privd_incident_report *p = &x->reports[k];

		p->due = privd_incident_due(row->detected_at, (enum privd_report_kind)k);
		p->reported_at = row->reported_at[k];
		memcpy(p->reference, row->reference[k], sizeof(p->reference));
		p->state = privd_incident_deadline(p->due, p->reported_at, now);
	}
}

static void incident_ref(char ref[72], const char *id)
{
	snprintf(ref, 72, "incident:%s", id);
}

/* ---- checking what the operator sent ---- */

/* 32 lowercase hexadecimal characters. */
static bool hex_id(const char *id)
{
	uint8_t bin[16];

	return privd_id_parse(id, bin);
}

/* The texts given: each non-NULL one valid ("" clears one in a PATCH, and is nothing at creation). */
static void check_texts(const struct privd_incident_texts *t, struct privd_err *err)
{
	const char *const vals[] = {t->causes, t->harm, t->measures, t->results, t->responsible};
	static const char *const names[] = {"causes", "harm", "measures", "results", "responsible"};
	const char *why = NULL;

	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++)
		if (vals[i] != NULL && vals[i][0] != '\0' &&
		    privd_validate_lines(vals[i], PRIVD_INCIDENT_TEXT_MAX, &why) != PRIVD_OK)
			privd_err_field(err, names[i], why);
}

static void check_scope(const struct privd_incident_input *in, int64_t now, struct privd_err *err)
{
	char field[48];

	switch (in->scope) {
	case PRIVD_SCOPE_ALL:
		return;
	case PRIVD_SCOPE_SUBJECTS:
		if (in->nsubject_ids == 0)
			privd_err_field(err, "scope.subject_ids", "must list at least one id");
		else if (in->nsubject_ids > PRIVD_INCIDENT_IDS_MAX)
			privd_err_field(err, "scope.subject_ids", "lists more than 25000 ids");
		for (size_t i = 0; i < in->nsubject_ids && i <= PRIVD_INCIDENT_IDS_MAX; i++) {
			if (hex_id(in->subject_ids[i]))
				continue;
			snprintf(field, sizeof(field), "scope.subject_ids[%zu]", i);
			privd_err_field(err, field, "must be an id (32 lowercase hexadecimal characters)");
		}
		return;
	case PRIVD_SCOPE_REGISTERED:
		if (in->registered_to < in->registered_from)
			privd_err_field(err, "scope.registered_to", "is before registered_from");
		if (in->registered_from > now + PRIVD_INCIDENT_CLOCK_SKEW_MS)
			privd_err_field(err, "scope.registered_from", "is in the future");
		return;
	default:
		privd_err_field(err, "scope",
		                "must be {\"all\":true}, {\"subject_ids\":[...]} or "
		                "{\"registered_from\",\"registered_to\"}");
	}
}

static enum privd_rc check_input(const struct privd_incident_input *in, int64_t now, struct privd_err *err)
{
	const char *why = NULL;

	if (in->detected_at > now + PRIVD_INCIDENT_CLOCK_SKEW_MS)
		privd_err_field(err, "detected_at", "is in the future");
	if (privd_validate_lines(in->description, PRIVD_INCIDENT_TEXT_MAX, &why) != PRIVD_OK)
		privd_err_field(err, "description", why);
	if (in->categories == 0 || (in->categories & ~PRIVD_INCIDENT_CATEGORIES_ALL) != 0)
		privd_err_field(err, "data_categories", "must name at least one category");
	check_scope(in, now, err);
	check_texts(&in->texts, err);
	if (err != NULL && err->nfields > 0)
		return privd_err_set(err, PRIVD_ERR_INVALID, "the incident is invalid");
	return PRIVD_OK;
}

/* ---- whom to tell ---- */

/* One id of a subject_ids scope, with where the operator listed it. */
struct listed {
	const char *id;
	size_t at;
};

static int listed_cmp(const void *a, const void *b)
{
	return strcmp(((const struct listed *)a)->id, ((const struct listed *)b)->id);
}

struct known {
	const struct listed *listed;
	size_t n, next; /* listed[next] is the first not matched yet */
	struct privd_err *err;
};

/* Ids listed before id (or all that are left, for NULL) that no subject has: each named in the error. */
static void unknown_before(struct known *k, const char *id)
{
	char field[48];

	while (k->next < k->n && (id == NULL || strcmp(k->listed[k->next].id, id) < 0)) {
		snprintf(field, sizeof(field), "scope.subject_ids[%zu]", k->listed[k->next].at);
		privd_err_field(k->err, field, "no subject has this id");
		k->next++;
	}
	if (id != NULL && k->next < k->n && strcmp(k->listed[k->next].id, id) == 0)
		k->next++;
}

static int known_one(void *arg, const char *id)
{
	unknown_before(arg, id);
	return 0;
}

/* The listed ids sorted, each once, into *ids (malloc'd); any that no subject has (erased ones are subjects) is
 * PRIVD_ERR_INVALID naming where it was listed. */
static enum privd_rc scope_ids(struct privd_service *svc, const struct privd_incident_input *in, const char ***ids,
                               size_t *n, struct privd_err *err)
{
	struct listed *l = malloc(in->nsubject_ids * sizeof(*l));
	struct known k = {l, 0, 0, err};
	struct privd_reader *r = NULL;
	enum privd_rc rc = PRIVD_OK;

	*ids = malloc(in->nsubject_ids * sizeof(**ids));
	if (l == NULL || *ids == NULL)
		rc = PRIVD_ERR_NOMEM;
	for (size_t i = 0; rc == PRIVD_OK && i < in->nsubject_ids; i++)
		l[i] = (struct listed){in->subject_ids[i], i};
	if (rc == PRIVD_OK)
		qsort(l, in->nsubject_ids, sizeof(*l), listed_cmp);
	for (size_t i = 0; rc == PRIVD_OK && i < in->nsubject_ids; i++)
		if (k.n == 0 || strcmp(l[k.n - 1].id, l[i].id) != 0)
			l[k.n++] = l[i];
	for (size_t i = 0; rc == PRIVD_OK && i < k.n; i++)
		(*ids)[i] = l[i].id;
	*n = k.n;
	if (rc == PRIVD_OK)
		rc = privd_reader_get(svc, &r);
	if (rc == PRIVD_OK) {
		rc = privd_repo_subject_ids_known(r->db, *ids, k.n, known_one, &k);
		privd_reader_put(svc, r, rc == PRIVD_ERR_DB);
	}
	if (rc == PRIVD_OK)
		unknown_before(&k, NULL);
	if (rc == PRIVD_OK && err->nfields > 0)
		rc = privd_err_set(err, PRIVD_ERR_INVALID, "the incident is invalid");
	free(l);
	return rc;
}

/* Everyone told is counted by where they live: GDPR Art. 33 applies when EU/EEA residents are among them. */
static bool count_eu(void *arg, const struct privd_outbox_person *p, struct privd_notice_vars *v)
{
	(void)v;
	if (privd_country_is_eea(p->residence_country))
		++*(int64_t *)arg;
	return true;
}

/* ---- recording an incident ---- */

struct create_job {
	struct privd_outbox_bulk *b; /* first: the outbox's write-job parts take it from here */
	struct privd_service *svc;
	struct privd_principal who;
	struct privd_incident_row row;
	int64_t eu;
};

/* The data part: the notices, then the incident and its audit entry. May run twice (writer.h). */
static enum privd_rc create_data(struct privd_db *db, void *arg)
{
	struct create_job *j = arg;
	char detail[256];
	const char *names[PRIVD_DESTRUCTION_CATEGORY_COUNT];
	size_t n = 0;
	int64_t last = 0;
	struct privd_jsonw w;
	enum privd_rc rc = privd_outbox_bulk_insert(db, j->b);

	if (rc != PRIVD_OK)
		return rc;
	for (int c = 0; c < PRIVD_DESTRUCTION_CATEGORY_COUNT; c++)
		if (j->row.categories & (1u << c))
			names[n++] = privd_destruction_category_name(c);
	j->row.affected = (int64_t)(privd_outbox_bulk_count(j->b, NULL) - privd_outbox_bulk_cancelled(j->b));
	j->row.affected_eu = j->eu < j->row.affected ? j->eu : j->row.affected;
	privd_jsonw_init(&w, detail, sizeof(detail));
	privd_jsonw_str(&w, "scope", privd_incident_scope_name(j->row.scope));
	privd_jsonw_strs(&w, "data_categories", names, n);
	privd_jsonw_int(&w, "affected", j->row.affected);
	privd_jsonw_int(&w, "affected_eu", j->row.affected_eu);
	privd_jsonw_int(&w, "email", (int64_t)privd_outbox_bulk_count(j->b, "email"));
	privd_jsonw_int(&w, "sms", (int64_t)privd_outbox_bulk_count(j->b, "sms"));
	privd_jsonw_int(&w, "cancelled", (int64_t)privd_outbox_bulk_cancelled(j->b));
	privd_jsonw_end(&w);
	/* the audit entry first: its lock orders created_at across nodes (the list's cursor), as for requests */
	rc = privd_audit_append(j->svc, db, j->who.actor, "incident.create", "incident", j->row.id, detail);
	if (rc == PRIVD_OK)
		rc = privd_repo_incident_last_created(db, &last);
	if (rc != PRIVD_OK)
		return rc;
	j->row.created_at = j->row.updated_at = j->row.created_at > last ? j->row.created_at : last + 1;
	return privd_repo_incident_insert(db, &j->row);
}

/* The row of a new incident from what the operator sent; the texts borrowed (never freed from the row). */
static void create_row(const struct privd_incident_input *in, struct privd_incident_row *row)
{
	memset(row, 0, sizeof(*row));
	privd_random_id(row->id);
	row->detected_at = in->detected_at;
	row->created_at = privd_now_ms();
	row->description = (char *)(uintptr_t)in->description;
	row->categories = in->categories;
	row->scope = in->scope;
	if (in->scope == PRIVD_SCOPE_REGISTERED) {
		row->registered_from = in->registered_from;
		row->registered_to = in->registered_to;
	}
	row->causes = (char *)(uintptr_t)(in->texts.causes && in->texts.causes[0] ? in->texts.causes : NULL);
	row->harm = (char *)(uintptr_t)(in->texts.harm && in->texts.harm[0] ? in->texts.harm : NULL);
	row->measures = (char *)(uintptr_t)(in->texts.measures && in->texts.measures[0] ? in->texts.measures : NULL);
	row->results = (char *)(uintptr_t)(in->texts.results && in->texts.results[0] ? in->texts.results : NULL);
	row->responsible =
	    (char *)(uintptr_t)(in->texts.responsible && in->texts.responsible[0] ? in->texts.responsible : NULL);
}

/* The scope as the outbox's selection, the person's channel by the configuration; *ids (the caller frees it)
 * holds a subject_ids scope's ids, sorted, each once. PRIVD_ERR_INVALID naming an id no subject has. */
static enum privd_rc scope_selection(struct privd_service *svc, const struct privd_incident_input *in,
                                     struct privd_outbox_selection *sel, const char ***ids, struct privd_err *err)
{
	enum privd_rc rc = PRIVD_OK;

	*sel = (struct privd_outbox_selection){.channels = strcmp(svc->cfg.incident_channel, "sms") == 0
	                                                       ? PRIVD_OUTBOX_SMS_ELSE_EMAIL
	                                                       : PRIVD_OUTBOX_EMAIL_ELSE_SMS};
	*ids = NULL;
	if (in->scope == PRIVD_SCOPE_SUBJECTS) {
		rc = scope_ids(svc, in, ids, &sel->nids, err);
		sel->ids = *ids;
	} else if (in->scope == PRIVD_SCOPE_REGISTERED) {
		sel->registered_from = in->registered_from > 0 ? in->registered_from : 1;
		sel->registered_to = in->registered_to + 1; /* the selection's upper bound is exclusive */
	}
	return rc;
}

/* Prepares everyone's notice. */
static enum privd_rc create_notices(struct privd_service *svc, const struct privd_incident_input *in,
                                    struct create_job *j, struct privd_err *err)
{
	struct privd_outbox_selection sel;
	struct privd_notice_vars tmpl = {.kind = PRIVD_NOTICE_INCIDENT, .incident_id = j->row.id};
	const char **ids = NULL;
	char ref[72];
	enum privd_rc rc = scope_selection(svc, in, &sel, &ids, err);

	incident_ref(ref, j->row.id);
	if (rc == PRIVD_OK)
		rc = privd_outbox_bulk_prepare(svc, &sel, &tmpl, ref, count_eu, &j->eu, &j->b, err);
	free(ids);
	return rc;
}

enum privd_rc privd_service_incident_create(struct privd_service *svc, const struct privd_principal *who,
                                            const struct privd_incident_input *in, struct privd_incident *out,
                                            struct privd_err *err)
{
	struct privd_err local = {0};
	struct create_job j = {0};
	struct privd_write_job job = {.ks = privd_outbox_bulk_job_ks,
	                              .ks_many = true,
	                              .data = create_data,
	                              .ks_undo = privd_outbox_bulk_job_ks_undo,
	                              .ks_after = privd_outbox_bulk_job_after,
	                              .arg = &j};
	int64_t t[3] = {privd_now_ms(), 0, 0};
	enum privd_rc rc;

	memset(out, 0, sizeof(*out));
	if (err == NULL)
		err = &local;
	rc = check_input(in, t[0], err);
	if (rc != PRIVD_OK)
		return rc;
	create_row(in, &j.row);
	j.svc = svc;
	j.who = *who;
	rc = create_notices(svc, in, &j, err);
	t[1] = privd_now_ms();
	if (rc == PRIVD_OK)
		rc = privd_writer_run(svc->writer, &job);
	t[2] = privd_now_ms();
	if (rc == PRIVD_OK) {
		struct privd_incident_row kept = j.row;

		kept.description = kept.causes = kept.harm = kept.measures = kept.results = kept.responsible = NULL;
		incident_view(&kept, t[2], out);
		/* ids, counts and times only: never the operator's words */
		privd_log(PRIVD_LOG_INFO, "incident.created",
		          "\"id\":\"%s\",\"affected\":%lld,\"prepare_ms\":%lld,\"write_ms\":%lld", out->id,
		          (long long)out->affected, (long long)(t[1] - t[0]), (long long)(t[2] - t[1]));
	}
	privd_outbox_bulk_free(j.b);
	return rc;
}

/* ---- counting a scope before recording ---- */

struct scope_count {
	int64_t affected, eu;
};

/* A person is told when there is a way to reach them: an e-mail address or a phone number (bulk_take's rule). */
static int scope_count_one(void *arg, const struct privd_subject_contact *sc)
{
	struct scope_count *c = arg;

	if (sc->email_ct.len == 0 && sc->phone_ct.len == 0)
		return 0;
	c->affected++;
	if (privd_country_is_eea(sc->residence_country))
		c->eu++;
	return 0;
}

enum privd_rc privd_service_incident_scope_count(struct privd_service *svc, const struct privd_incident_input *in,
                                                 int64_t *affected, int64_t *affected_eu, struct privd_err *err)
{
	struct privd_err local = {0};
	struct privd_outbox_selection sel;
	struct privd_subject_filter f;
	struct scope_count c = {0, 0};
	struct privd_reader *r = NULL;
	const char **ids = NULL;
	enum privd_rc rc;

	*affected = *affected_eu = 0;
	if (err == NULL)
		err = &local;
	check_scope(in, privd_now_ms(), err);
	if (err->nfields > 0)
		return privd_err_set(err, PRIVD_ERR_INVALID, "the scope is invalid");
	rc = scope_selection(svc, in, &sel, &ids, err);
	f = (struct privd_subject_filter){sel.active_only, sel.registered_from, sel.registered_to, sel.ids, sel.nids};
	if (rc == PRIVD_OK)
		rc = privd_reader_get(svc, &r);
	if (rc == PRIVD_OK) {
		rc = privd_repo_subject_contacts(r->db, &f, scope_count_one, &c);
		privd_reader_put(svc, r, rc == PRIVD_ERR_DB);
		if (rc != PRIVD_OK)
			privd_err_set(err, rc, "cannot count the persons in the scope");
	}
	free(ids);
	*affected = c.affected;
	*affected_eu = c.eu;
	return rc;
}

/* ---- reading ---- */

static int tally_one(void *arg, const struct privd_notification_tally *t)
{
	struct privd_incident *x = arg;
	struct privd_incident_channel *ch =
	    &x->channels[strcmp(t->channel, "sms") == 0 ? PRIVD_CHANNEL_SMS : PRIVD_CHANNEL_EMAIL];

	switch (t->status) {
	case PRIVD_NOTICE_QUEUED:
		ch->queued += t->count;
		break;
	case PRIVD_NOTICE_SENT:
		ch->sent += t->count;
		if (t->last_sent_at > x->last_sent_at)
			x->last_sent_at = t->last_sent_at;
		break;
	case PRIVD_NOTICE_FAILED:
		ch->failed += t->count;
		break;
	default:
		ch->cancelled += t->count;
		break;
	}
	return 0;
}

/* The incident id with its texts, and with progress its notices' tally. */
static enum privd_rc incident_read(struct privd_service *svc, const char *id, bool progress, struct privd_incident *out,
                                   struct privd_err *err)
{
	struct privd_incident_row row;
	struct privd_reader *r = NULL;
	char ref[72];
	enum privd_rc rc;

	memset(out, 0, sizeof(*out));
	memset(&row, 0, sizeof(row));
	if (!hex_id(id))
		return privd_err_set(err, PRIVD_ERR_NOT_FOUND, "no incident has that id");
	rc = privd_reader_get(svc, &r);
	if (rc != PRIVD_OK)
		return rc;
	rc = privd_repo_incident_get(r->db, id, &row);
	if (rc == PRIVD_OK)
		incident_view(&row, privd_now_ms(), out);
	incident_ref(ref, id);
	if (rc == PRIVD_OK && progress)
		rc = privd_repo_notification_tally(r->db, ref, tally_one, out);
	privd_reader_put(svc, r, rc == PRIVD_ERR_DB);
	privd_incident_row_clear(&row);
	if (rc != PRIVD_OK)
		privd_incident_clear(out);
	if (rc == PRIVD_ERR_NOT_FOUND)
		privd_err_set(err, rc, "no incident has that id");
	return rc;
}

enum privd_rc privd_service_incident_get(struct privd_service *svc, const char *id, struct privd_incident *out,
                                         struct privd_err *err)
{
	return incident_read(svc, id, true, out, err);
}

struct list_ctx {
	int (*cb)(void *arg, const struct privd_incident *x);
	void *arg;
	int64_t now;
};

static int list_one(void *arg, const struct privd_incident_row *row)
{
	struct list_ctx *c = arg;
	struct privd_incident_row copy = *row; /* no texts in a list's rows */
	struct privd_incident x;

	incident_view(&copy, c->now, &x);
	return c->cb(c->arg, &x);
}

enum privd_rc privd_service_incident_list(struct privd_service *svc, int64_t after, size_t limit,
                                          int (*cb)(void *arg, const struct privd_incident *x), void *arg,
                                          struct privd_err *err)
{
	struct list_ctx c = {cb, arg, privd_now_ms()};
	struct privd_reader *r = NULL;
	enum privd_rc rc;

	(void)err;
	rc = privd_reader_get(svc, &r);
	if (rc != PRIVD_OK)
		return rc;
	rc = privd_repo_incident_list(r->db, after, limit ? limit : LIST_DEFAULT, list_one, &c);
	privd_reader_put(svc, r, rc == PRIVD_ERR_DB);
	return rc;
}

/* ---- the investigation's texts and the reports ---- */

struct change_job {
	struct privd_service *svc;
	struct privd_principal who;
	struct privd_incident_row row;
	int64_t expect_updated_at;
	enum privd_report_kind kind; /* a report: its kind */
	bool report;
	const char *reference;
	char detail[256];
};

static enum privd_rc change_data(struct privd_db *db, void *arg)
{
	struct change_job *j = arg;
	enum privd_rc rc;

	if (j->report)
		rc = privd_repo_incident_report(db, j->row.id, j->kind, j->row.reported_at[j->kind], j->reference,
		                                j->row.updated_at);
	else
		rc = privd_repo_incident_update(db, &j->row, j->expect_updated_at);
	if (rc == PRIVD_OK)
		rc = privd_audit_append(j->svc, db, j->who.actor, j->report ? "incident.report" : "incident.update",
		                        "incident", j->row.id, j->detail);
	return rc;
}

static enum privd_rc change_run(struct change_job *j)
{
	struct privd_write_job job = {.data = change_data, .arg = j};

	return privd_writer_run(j->svc->writer, &job);
}

/* The text at *slot replaced by a copy of v when v is given ("" clears it). */
static enum privd_rc text_set(char **slot, const char *v)
{
	if (v == NULL)
		return PRIVD_OK;
	free(*slot);
	*slot = v[0] != '\0' ? strdup(v) : NULL;
	return v[0] != '\0' && *slot == NULL ? PRIVD_ERR_NOMEM : PRIVD_OK;
}

/* Reads the incident to change into j->row; PRIVD_ERR_NOT_FOUND named in err. */
static enum privd_rc change_begin(struct privd_service *svc, const struct privd_principal *who, const char *id,
                                  struct change_job *j, struct privd_err *err)
{
	struct privd_reader *r = NULL;
	enum privd_rc rc;

	memset(j, 0, sizeof(*j));
	j->svc = svc;
	j->who = *who;
	if (!hex_id(id))
		return privd_err_set(err, PRIVD_ERR_NOT_FOUND, "no incident has that id");
	rc = privd_reader_get(svc, &r);
	if (rc != PRIVD_OK)
		return rc;
	rc = privd_repo_incident_get(r->db, id, &j->row);
	privd_reader_put(svc, r, rc == PRIVD_ERR_DB);
	if (rc == PRIVD_ERR_NOT_FOUND)
		privd_err_set(err, rc, "no incident has that id");
	j->expect_updated_at = j->row.updated_at;
	j->row.updated_at = privd_now_ms();
	if (j->row.updated_at <= j->expect_updated_at)
		j->row.updated_at = j->expect_updated_at + 1;
	return rc;
}

enum privd_rc privd_service_incident_update(struct privd_service *svc, const struct privd_principal *who,
                                            const char *id, const struct privd_incident_texts *t,
                                            struct privd_incident *out, struct privd_err *err)
{
	const char *const vals[] = {t->causes, t->harm, t->measures, t->results, t->responsible};
	static const char *const names[] = {"causes", "harm", "measures", "results", "responsible"};
	const char *changed[5];
	struct privd_err local = {0};
	struct change_job j;
	struct privd_jsonw w;
	size_t n = 0;
	enum privd_rc rc;

	memset(out, 0, sizeof(*out));
	if (err == NULL)
		err = &local;
	for (size_t i = 0; i < 5; i++)
		if (vals[i] != NULL)
			changed[n++] = names[i];
	if (n == 0)
		privd_err_field(err, "texts", "give at least one of causes, harm, measures, results, responsible");
	check_texts(t, err);
	if (err->nfields > 0)
		return privd_err_set(err, PRIVD_ERR_INVALID, "the change is invalid");
	rc = change_begin(svc, who, id, &j, err);
	if (rc == PRIVD_OK)
		rc = text_set(&j.row.causes, t->causes);
	if (rc == PRIVD_OK)
		rc = text_set(&j.row.harm, t->harm);
	if (rc == PRIVD_OK)
		rc = text_set(&j.row.measures, t->measures);
	if (rc == PRIVD_OK)
		rc = text_set(&j.row.results, t->results);
	if (rc == PRIVD_OK)
		rc = text_set(&j.row.responsible, t->responsible);
	privd_jsonw_init(&w, j.detail, sizeof(j.detail));
	privd_jsonw_strs(&w, "fields", changed, n);
	privd_jsonw_end(&w);
	if (rc == PRIVD_OK)
		rc = change_run(&j);
	if (rc == PRIVD_ERR_CONFLICT)
		privd_err_set(err, rc, "the incident changed meanwhile: read it again");
	privd_incident_row_clear(&j.row);
	return rc == PRIVD_OK ? incident_read(svc, id, true, out, err) : rc;
}

enum privd_rc privd_service_incident_report(struct privd_service *svc, const struct privd_principal *who,
                                            const char *id, enum privd_report_kind k, int64_t sent_at,
                                            const char *reference, struct privd_incident *out, struct privd_err *err)
{
	struct privd_err local = {0};
	struct change_job j;
	struct privd_jsonw w;
	char ref[PRIVD_INCIDENT_REFERENCE_MAX + 1]; /* the reference, trimmed */
	const char *why = NULL;
	int64_t due;
	enum privd_rc rc;

	memset(out, 0, sizeof(*out));
	if (err == NULL)
		err = &local;
	if ((unsigned)k >= PRIVD_REPORT_KIND_COUNT)
		privd_err_field(err, "kind", "must be initial or followup");
	if (sent_at > privd_now_ms() + PRIVD_INCIDENT_CLOCK_SKEW_MS)
		privd_err_field(err, "sent_at", "is in the future");
	if (privd_validate_text(reference, PRIVD_INCIDENT_REFERENCE_MAX, ref, sizeof(ref), &why) != PRIVD_OK)
		privd_err_field(err, "reference", why);
	if (err->nfields > 0)
		return privd_err_set(err, PRIVD_ERR_INVALID, "the report is invalid");
	rc = change_begin(svc, who, id, &j, err);
	if (rc == PRIVD_OK && sent_at < j.row.detected_at) {
		privd_err_field(err, "sent_at", "is before the incident was detected");
		rc = privd_err_set(err, PRIVD_ERR_INVALID, "the report is invalid");
	}
	if (rc == PRIVD_OK) {
		due = privd_incident_due(j.row.detected_at, k);
		j.report = true;
		j.kind = k;
		j.reference = ref;
		j.row.reported_at[k] = sent_at;
		privd_jsonw_init(&w, j.detail, sizeof(j.detail));
		privd_jsonw_str(&w, "kind", privd_report_kind_name(k));
		privd_jsonw_bool(&w, "met", sent_at <= due);
		privd_jsonw_end(&w);
		rc = change_run(&j);
	}
	if (rc == PRIVD_ERR_CONFLICT)
		privd_err_set(err, rc, "the %s report was recorded already", privd_report_kind_name(k));
	privd_incident_row_clear(&j.row);
	return rc == PRIVD_OK ? incident_read(svc, id, true, out, err) : rc;
}

/* ---- the draft of a report to the regulator ---- */

enum privd_rc privd_service_incident_draft(struct privd_service *svc, const char *id, enum privd_report_kind k,
                                           struct privd_regulator_draft *d, struct privd_err *err)
{
	const struct privd_config *c = &svc->cfg;
	enum privd_rc rc;

	memset(d, 0, sizeof(*d));
	d->kind = k;
	d->generated_at = privd_now_ms();
	snprintf(d->operator_name, sizeof(d->operator_name), "%s", c->operator_name);
	snprintf(d->operator_contact, sizeof(d->operator_contact), "%s", c->operator_contact);
	if (c->incident_contact_person[0] != '\0')
		snprintf(d->contact_person, sizeof(d->contact_person), "%s", c->incident_contact_person);
	else
		snprintf(d->contact_person, sizeof(d->contact_person), "%s%s%s", c->operator_name,
		         c->operator_name[0] && c->operator_contact[0] ? ", " : "", c->operator_contact);
	snprintf(d->dpo_contact, sizeof(d->dpo_contact), "%s",
	         c->incident_dpo_contact[0] != '\0' ? c->incident_dpo_contact : d->contact_person);
	rc = incident_read(svc, id, false, &d->incident, err);
	return rc;
}

/* ---- what an incident's notice says, when it is sent ---- */

enum privd_rc privd_incident_notice_vars(struct privd_service *svc, struct privd_notice_vars *v, void **hold)
{
	struct privd_incident_row *row = calloc(1, sizeof(*row));
	struct privd_reader *r = NULL;
	enum privd_rc rc = row != NULL ? PRIVD_OK : PRIVD_ERR_NOMEM;

	*hold = NULL;
	if (rc == PRIVD_OK && !hex_id(v->incident_id))
		rc = PRIVD_ERR_NOT_FOUND;
	if (rc == PRIVD_OK)
		rc = privd_reader_get(svc, &r);
	if (rc == PRIVD_OK) {
		rc = privd_repo_incident_get(r->db, v->incident_id, row);
		privd_reader_put(svc, r, rc == PRIVD_ERR_DB);
	}
	if (rc != PRIVD_OK) {
		free(row);
		return rc;
	}
	v->description = row->description;
	v->data_categories = row->categories;
	v->detected_at = row->detected_at;
	*hold = row;
	return PRIVD_OK;
}

void privd_incident_notice_release(void *hold)
{
	privd_incident_row_clear(hold);
	free(hold);
}
