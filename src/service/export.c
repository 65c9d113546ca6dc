/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * export.c - the access export use case: everything held on a person, for their access request (152-FZ Art. 14).
 *
 * Only a completed access request has an export; every export is an audit entry naming the format asked for.
 * The data is read live at the time it is asked for and handed back decrypted, as plain structs: the profile,
 * the current consent state and every consent record, the consent texts those records name (152-FZ Art. 9: the
 * person can read what they agreed to, word for word, with the SHA-256 the record kept), the person's requests
 * (details and reason decrypted, each an audited read of its own), the notifications sent to them and their disclosure
 * log (each transfer of their data to a third party: to whom, where, why, which fields, on what basis), with what the
 * configuration says the person must also be told (152-FZ Art. 14 p.7: the operator, retention, cross-border
 * transfers). Rendering it as JSON or as a page a person can read is the HTTP layer's job (http/export.c,
 * export_info.c). What shaped it: all of it is PII, so the arrays grow by copying into a new block and zeroing the
 * old one, never by realloc, and privd_export_free zeroes everything it frees.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "service/service_int.h"

#define EXPORT_REQUESTS_MAX 10000

struct collect {
	struct privd_service *svc;
	const struct privd_principal *who;
	struct privd_export *x;
	size_t history_cap, requests_cap, notifications_cap, texts_cap, transfers_cap;
	bool nomem;
};

/* Appends item (size bytes) to arr, an array of *n elements with room for *cap, growing it by copying: the old
 * block is zeroed before it is freed. Returns the array, moved or not; NULL when out of memory (arr is then left
 * as it was). */
static void *append(void *arr, size_t *n, size_t *cap, const void *item, size_t size)
{
	char *a = arr;

	if (*n == *cap) {
		size_t ncap = *cap != 0 ? *cap * 2 : 16;

		a = calloc(ncap, size);
		if (a == NULL)
			return NULL;
		if (arr != NULL) {
			memcpy(a, arr, *n * size);
			sodium_memzero(arr, *cap * size);
			free(arr);
		}
		*cap = ncap;
	}
	memcpy(a + *n * size, item, size);
	(*n)++;
	return a;
}

static int add_consent(void *arg, const struct privd_consent_record *r)
{
	struct collect *c = arg;
	void *a = append(c->x->history, &c->x->nhistory, &c->history_cap, r, sizeof(*r));

	if (a == NULL)
		c->nomem = true;
	else
		c->x->history = a;
	return c->nomem;
}

/* A request as listed, with its details, reason and answer decrypted (an audited read); without them when that read
 * fails. */
static int add_request(void *arg, const struct privd_request *r)
{
	struct collect *c = arg;
	struct privd_request item = *r, full;
	void *a;

	item.details = NULL;
	item.reason = NULL;
	item.answer = NULL;
	memset(&full, 0, sizeof(full));
	if (privd_service_request_get(c->svc, c->who, r->id, true, &full, NULL) == PRIVD_OK) {
		item.details = full.details;
		item.reason = full.reason;
		item.answer = full.answer;
		full.details = NULL;
		full.reason = NULL;
		full.answer = NULL;
	}
	privd_request_clear(&full);
	a = append(c->x->requests, &c->x->nrequests, &c->requests_cap, &item, sizeof(item));
	if (a == NULL) {
		privd_request_clear(&item);
		c->nomem = true;
	} else {
		c->x->requests = a;
		sodium_memzero(&item, sizeof(item));
	}
	return c->nomem;
}

static int add_notification(void *arg, const struct privd_notification *n)
{
	struct collect *c = arg;
	void *a = append(c->x->notifications, &c->x->nnotifications, &c->notifications_cap, n, sizeof(*n));

	if (a == NULL)
		c->nomem = true;
	else
		c->x->notifications = a;
	return c->nomem;
}

static int add_transfer(void *arg, const struct privd_disclosure *d)
{
	struct collect *c = arg;
	void *a = append(c->x->transfers, &c->x->ntransfers, &c->transfers_cap, d, sizeof(*d));

	if (a == NULL)
		c->nomem = true;
	else
		c->x->transfers = a;
	return c->nomem;
}

/* What the configuration says the person must be told besides their data (152-FZ Art. 14 p.7). */
static void processing_info(const struct privd_config *cfg, struct privd_processing_info *info)
{
	snprintf(info->operator_name, sizeof(info->operator_name), "%s", cfg->operator_name);
	snprintf(info->operator_address, sizeof(info->operator_address), "%s", cfg->operator_address);
	snprintf(info->operator_contact, sizeof(info->operator_contact), "%s", cfg->operator_contact);
	snprintf(info->cross_border_countries, sizeof(info->cross_border_countries), "%s", cfg->cross_border_countries);
	info->erase_after_revoke_days = cfg->erase_after_revoke_days;
	info->due_working_days = cfg->due_days[PRIVD_REQUEST_TYPE_ACCESS];
	info->extension_working_days = cfg->extension_days[PRIVD_REQUEST_TYPE_ACCESS];
	info->rectify_working_days = cfg->due_days[PRIVD_REQUEST_TYPE_RECTIFY];
	info->evidence_years = cfg->evidence_years;
}

/* Each consent text a record of x's history names, once, with its text. */
static enum privd_rc add_texts(struct privd_service *svc, struct collect *c)
{
	struct privd_export *x = c->x;
	enum privd_rc rc = PRIVD_OK;

	for (size_t i = 0; rc == PRIVD_OK && i < x->nhistory; i++) {
		const struct privd_consent_record *h = &x->history[i];
		struct privd_consent_text t;
		enum privd_purpose p;
		enum privd_lang l;
		bool seen = false;
		void *a;

		if (h->text_version[0] == '\0' || privd_purpose_parse(h->purpose, &p) != PRIVD_OK ||
		    privd_lang_parse(h->text_language, &l) != PRIVD_OK)
			continue;
		for (size_t k = 0; k < x->ntexts && !seen; k++)
			seen = x->texts[k].purpose == p && x->texts[k].language == l &&
			       strcmp(x->texts[k].version, h->text_version) == 0;
		if (seen)
			continue;
		rc = privd_consent_text_get(svc, p, l, h->text_version, &t);
		if (rc == PRIVD_ERR_NOT_FOUND) { /* texts are never deleted: only a hand-edited database lacks one */
			rc = PRIVD_OK;
			continue;
		}
		if (rc != PRIVD_OK)
			break;
		a = append(x->texts, &x->ntexts, &c->texts_cap, &t, sizeof(t));
		if (a == NULL) {
			privd_consent_text_clear(&t);
			rc = PRIVD_ERR_NOMEM;
		} else {
			x->texts = a;
		}
	}
	return rc;
}

/* Reads and decrypts everything held on subject_id into x. */
static enum privd_rc collect(struct privd_service *svc, const struct privd_principal *who, const char *subject_id,
                             struct privd_export *x, struct privd_err *err)
{
	struct privd_request_query q = {.overdue = -1, .subject_id = subject_id, .limit = EXPORT_REQUESTS_MAX};
	struct collect c = {.svc = svc, .who = who, .x = x};
	enum privd_rc rc;

	x->generated_at = privd_now_ms();
	processing_info(&svc->cfg, &x->info);
	rc = privd_subject_load(svc, subject_id, &x->profile, NULL);
	if (rc == PRIVD_ERR_GONE)
		return privd_err_set(err, rc, "the subject's data was erased");
	if (rc != PRIVD_OK)
		return rc;
	rc = privd_service_consent_history(svc, who, subject_id, x->consents, add_consent, &c, err);
	if (rc == PRIVD_OK && !c.nomem)
		rc = add_texts(svc, &c);
	if (rc == PRIVD_OK && !c.nomem)
		rc = privd_service_request_list(svc, &q, add_request, &c, err);
	if (rc == PRIVD_OK && !c.nomem)
		rc = privd_service_notifications(svc, who, subject_id, add_notification, &c, err);
	if (rc == PRIVD_OK && !c.nomem)
		rc = privd_service_disclosures(svc, subject_id, 0, 0, add_transfer, &c, err);
	if (rc == PRIVD_OK && c.nomem)
		rc = PRIVD_ERR_NOMEM;
	return rc;
}

void privd_export_free(struct privd_export *x)
{
	if (x == NULL)
		return;
	privd_subject_clear(&x->profile);
	if (x->history != NULL) {
		sodium_memzero(x->history, x->nhistory * sizeof(*x->history));
		free(x->history);
	}
	for (size_t i = 0; i < x->ntexts; i++)
		privd_consent_text_clear(&x->texts[i]);
	free(x->texts);
	for (size_t i = 0; i < x->nrequests; i++)
		privd_request_clear(&x->requests[i]);
	free(x->requests);
	if (x->notifications != NULL) {
		sodium_memzero(x->notifications, x->nnotifications * sizeof(*x->notifications));
		free(x->notifications);
	}
	free(x->transfers); /* no personal data: recipients, fields by name */
	sodium_memzero(x, sizeof(*x));
	free(x);
}

enum privd_rc privd_service_request_export(struct privd_service *svc, const struct privd_principal *who,
                                           const char *request_id, enum privd_export_format format,
                                           struct privd_export **out, struct privd_err *err)
{
	struct privd_export *x = NULL;
	struct privd_request r;
	enum privd_rc rc;

	*out = NULL;
	rc = privd_service_request_get(svc, who, request_id, false, &r, err);
	if (rc != PRIVD_OK)
		return rc;
	if (r.type != PRIVD_REQUEST_TYPE_ACCESS || r.status != PRIVD_REQUEST_STATUS_COMPLETED) {
		rc = privd_err_set(err, PRIVD_ERR_CONFLICT, "an export exists only for a completed access request");
		goto out;
	}
	rc = privd_audit_record(svc, who, "request.export", "request", r.id,
	                        format == PRIVD_EXPORT_HTML ? "{\"format\":\"html\"}" : "{\"format\":\"json\"}");
	if (rc != PRIVD_OK)
		goto out;
	x = calloc(1, sizeof(*x));
	if (x == NULL) {
		rc = PRIVD_ERR_NOMEM;
		goto out;
	}
	rc = collect(svc, who, r.subject_id, x, err);
	if (rc != PRIVD_OK)
		goto out;
	*out = x;
	x = NULL;
out:
	privd_export_free(x);
	privd_request_clear(&r);
	return rc;
}
