/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * aggregates.c - GET /v1/exports/aggregate (operator, admin): how many people per group, with every group that
 * could identify someone suppressed, for marketing ("information that cannot be used to identify our customer").
 *
 * The answer is the list of groups, each with the value of every dimension asked for and its count, or a null count
 * and "suppressed": true; it never has a total, an identifier, a name, an e-mail, a phone or an address. The query
 * says what it is grouped by, the smallest group shown (k, at least 5) and, with require, the purposes the people
 * counted must also have granted.
 */
#include "http_int.h"

#include <stdio.h>
#include <string.h>

#define K_MAX 1000000

/* Parses a comma-separated list with parse into out (at most max); false, with a field error, when an item is not
 * one or the list is longer. */
static bool list_of(const char *text, const char *field, size_t max, int (*parse)(const char *item, int *out), int *out,
                    size_t *n, struct privd_err *e)
{
	char item[40];

	*n = 0;
	for (const char *p = text; p != NULL && *p != '\0';) {
		size_t len = strcspn(p, ",");

		if (len == 0 || len >= sizeof(item) || *n == max) {
			privd_err_field(e, field, "is not a list of known names");
			return false;
		}
		memcpy(item, p, len);
		item[len] = '\0';
		if (parse(item, &out[*n]) != 0) {
			privd_err_field(e, field, "is not a list of known names");
			return false;
		}
		(*n)++;
		p += len + (p[len] == ',');
	}
	return true;
}

static int dim_item(const char *item, int *out)
{
	enum privd_agg_dim d;

	if (privd_agg_dim_parse(item, &d) != PRIVD_OK)
		return -1;
	*out = (int)d;
	return 0;
}

static int purpose_item(const char *item, int *out)
{
	enum privd_purpose p;

	if (privd_purpose_parse(item, &p) != PRIVD_OK)
		return -1;
	*out = (int)p;
	return 0;
}

static json_t *names_json(const int *items, size_t n, const char *(*name)(int v))
{
	json_t *arr = json_array();

	for (size_t i = 0; arr != NULL && i < n; i++) {
		if (json_array_append_new(arr, json_string(name(items[i]))) != 0) {
			json_decref(arr);
			arr = NULL;
		}
	}
	return arr;
}

static const char *dim_name(int v)
{
	return privd_agg_dim_name((enum privd_agg_dim)v);
}

static const char *purpose_name(int v)
{
	return privd_purpose_name((enum privd_purpose)v);
}

static json_t *cells_json(const struct privd_aggregate *a, const int *by, size_t nby)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr != NULL && i < a->ncells; i++) {
		const struct privd_aggregate_cell *c = &a->cells[i];
		json_t *o = json_object();

		for (size_t d = 0; o != NULL && d < nby; d++)
			json_object_set_new(o, dim_name(by[d]), json_string(c->value[d]));
		if (o == NULL ||
		    json_object_set_new(o, "count", c->suppressed ? json_null() : json_integer((json_int_t)c->count)) ||
		    json_object_set_new(o, "suppressed", json_boolean(c->suppressed)) ||
		    json_array_append_new(arr, o) != 0) {
			json_decref(arr);
			arr = NULL;
		}
	}
	return arr;
}

void privd_http_aggregate(struct privd_http_req *r)
{
	struct privd_aggregate_query q;
	struct privd_aggregate *a = NULL;
	struct privd_err e = {0};
	int by[PRIVD_AGG_MAX_DIMS], require[PRIVD_PURPOSE_COUNT];
	size_t nrequire = 0;
	const char *by_text = privd_http_query_str(r, "by");
	long long k = PRIVD_AGG_K_DEFAULT;
	enum privd_rc rc;

	memset(&q, 0, sizeof(q));
	if (by_text == NULL)
		privd_err_field(&e, "by", "is required: residence_country, age_band and/or registered_month");
	else
		list_of(by_text, "by", PRIVD_AGG_MAX_DIMS, dim_item, by, &q.nby, &e);
	if (!privd_http_query_int(r, "k", PRIVD_AGG_K_MIN, K_MAX, PRIVD_AGG_K_DEFAULT, &k))
		privd_err_field(&e, "k", "must be an integer of at least 5: no group smaller is shown");
	list_of(privd_http_query_str(r, "require"), "require", PRIVD_PURPOSE_COUNT, purpose_item, require, &nrequire,
	        &e);
	if (e.nfields > 0) {
		privd_http_reply_fields(r, &e);
		return;
	}
	for (size_t i = 0; i < q.nby; i++)
		q.by[i] = (enum privd_agg_dim)by[i];
	for (size_t i = 0; i < nrequire; i++)
		q.require[i] = (enum privd_purpose)require[i];
	q.nrequire = nrequire;
	q.k = (uint32_t)k;
	rc = privd_service_aggregate(r->h->svc, &r->who, &q, &a, &e);
	if (rc != PRIVD_OK) {
		privd_http_reply_rc(r, rc, &e);
		return;
	}
	privd_http_reply_json(r, MHD_HTTP_OK,
	                      json_pack("{s:o, s:i, s:o, s:o, s:o, s:I, s:I}", "by", names_json(by, q.nby, dim_name),
	                                "k", (int)q.k, "require", names_json(require, nrequire, purpose_name),
	                                "generated_at", privd_http_json_time(a->generated_at), "cells",
	                                cells_json(a, by, q.nby), "groups", (json_int_t)a->ncells, "suppressed",
	                                (json_int_t)a->nsuppressed));
	privd_aggregate_free(a);
}
