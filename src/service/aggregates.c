/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * aggregates.c - marketing-safe exports: how many people there are per country of residence, age band and month of
 * registration, with every group that could identify someone suppressed (core/aggregate.h).
 *
 * The population is read in ordered passes over ranges of subject ids, one a core, each on a reader of its own
 * (store: every subject not erased with the consent records of the purposes that matter; each range in a snapshot of
 * its own, so a person registered meanwhile is counted once or not at all), each person's consent state derived by
 * core: consent to processing granted (so active, neither revoked nor pending a guardian), and for a narrowed export
 * every purpose of require granted too. Age bands need birth dates, which are sealed under each person's own key:
 * each range's are opened in a second ordered pass, the keys read a hundred to a statement (privd_vault_lend_each),
 * one unwrap per person and nothing cached, the date read into a few bytes on the stack and zeroed at once; only the
 * band is kept. That, spread over the cores, keeps 100,000 people well under a second without storing any part of a
 * birth date in clear.
 *
 * Whatever the export is grouped by, privd counts and protects the same table: all three dimensions with their
 * totals. An export grouped by fewer shows that table's totals over the others, so two exports of one population
 * cannot be combined to undo a suppression. A narrowed export is a second population inside the first; its groups
 * that differ from the whole population's by fewer than k people (but some) are suppressed too, or subtracting one
 * export from the other would show those few people's choice.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/log.h"
#include "service/service_int.h"

#define COUNTRY_SLOTS (26 * 26)
#define DATE_TEXT 11

/* One person of the population. */
struct member {
	char id[33];
	uint16_t country; /* (c0 - 'A') * 26 + (c1 - 'A') */
	int32_t month;    /* year * 12 + month - 1 of registration, UTC */
	uint32_t ct_at;   /* the sealed birth date in the arena */
	uint8_t ct_len;   /* 0: none */
	uint8_t band;     /* enum privd_age_band */
	bool narrowed;    /* also in the narrowed population */
};

struct collect {
	const struct privd_aggregate_query *q;
	struct member *m;
	size_t n, cap;
	uint8_t *arena; /* the sealed birth dates, one after another */
	size_t arena_len, arena_cap;
	bool nomem;
	struct privd_date today; /* for the age bands */
};

/* ---- the population ---- */

static bool granted(const struct privd_consent_state *st, enum privd_purpose p)
{
	struct privd_consent_answer a;

	privd_consent_state_answer(st, p, NULL, NULL, &a);
	return a.granted;
}

static bool arena_add(struct collect *c, const struct privd_blob *ct, struct member *m)
{
	if (ct->len == 0)
		return true;
	if (c->arena_len + ct->len > c->arena_cap) {
		size_t cap = c->arena_cap > 0 ? c->arena_cap * 2 : 1 << 20;
		uint8_t *more = realloc(c->arena, cap); /* ciphertext: nothing to zero */

		if (more == NULL)
			return false;
		c->arena = more;
		c->arena_cap = cap;
	}
	memcpy(c->arena + c->arena_len, ct->data, ct->len);
	m->ct_at = (uint32_t)c->arena_len;
	m->ct_len = (uint8_t)ct->len;
	c->arena_len += ct->len;
	return true;
}

static int add_member(void *arg, const struct privd_population_row *row, const struct privd_consent_state *st)
{
	struct collect *c = arg;
	struct privd_date reg;
	struct member *m;
	const char *cc = row->residence_country;

	if (!granted(st, PRIVD_PURPOSE_PROCESSING) || cc[0] < 'A' || cc[0] > 'Z' || cc[1] < 'A' || cc[1] > 'Z')
		return 0;
	if (c->n == c->cap) {
		size_t cap = c->cap > 0 ? c->cap * 2 : 4096;
		struct member *more = realloc(c->m, cap * sizeof(*more)); /* pseudonymous ids and codes only */

		if (more == NULL) {
			c->nomem = true;
			return 1;
		}
		c->m = more;
		c->cap = cap;
	}
	m = &c->m[c->n];
	memset(m, 0, sizeof(*m));
	memcpy(m->id, row->subject_id, sizeof(m->id));
	m->country = (uint16_t)((cc[0] - 'A') * 26 + (cc[1] - 'A'));
	privd_date_from_ms(row->created_at, 0, &reg);
	m->month = reg.year * 12 + reg.month - 1;
	m->band = PRIVD_AGE_BAND_UNKNOWN;
	m->narrowed = true;
	for (size_t i = 0; i < c->q->nrequire; i++)
		m->narrowed = m->narrowed && granted(st, c->q->require[i]);
	if (row->birth_date_ct.len > 255 || !arena_add(c, &row->birth_date_ct, m)) {
		c->nomem = row->birth_date_ct.len <= 255;
		return c->nomem;
	}
	c->n++;
	return 0;
}

/* Each member's age band, from the birth date opened with their key. */
static enum privd_rc band_one(const struct privd_vault_lent *k, size_t i, void *arg)
{
	struct collect *c = arg;
	struct member *m = &c->m[i];
	struct privd_blob ct = {c->arena + m->ct_at, m->ct_len};
	char text[DATE_TEXT + 1];
	struct privd_date birth;
	const struct privd_vault_opening f = {"birth_date", &ct, text, sizeof(text), NULL};

	if (m->ct_len == 0)
		return PRIVD_OK;
	if (privd_vault_lent_open(k, &f) == PRIVD_OK && privd_date_parse(text, &birth, NULL) == PRIVD_OK)
		m->band = (uint8_t)privd_age_band_of(&birth, &c->today);
	sodium_memzero(text, sizeof(text));
	sodium_memzero(&birth, sizeof(birth));
	return PRIVD_OK;
}

static enum privd_rc bands(struct privd_service *svc, struct privd_reader *r, struct collect *c)
{
	const char **ids = malloc((c->n > 0 ? c->n : 1) * sizeof(*ids));
	enum privd_rc rc;

	if (ids == NULL)
		return PRIVD_ERR_NOMEM;
	for (size_t i = 0; i < c->n; i++)
		ids[i] = c->m[i].id; /* ascending: the population is read in subject id order */
	rc = privd_vault_lend_each(svc->vault, r, ids, c->n, band_one, c);
	free(ids);
	return rc;
}

/* One thread's share of the population: the subjects whose ids are in [from, to), read and given their bands on a
 * reader of its own. */
struct part {
	struct privd_service *svc;
	const enum privd_purpose *purposes;
	size_t npurposes;
	const char *from, *to;
	struct collect c;
	enum privd_rc rc;
};

static void *part_run(void *arg)
{
	struct part *p = arg;
	struct privd_reader *r = NULL;

	p->rc = privd_reader_get(p->svc, &r);
	if (p->rc == PRIVD_OK)
		p->rc = privd_repo_population(r->db, p->purposes, p->npurposes, p->from, p->to, add_member, &p->c);
	if (p->rc == PRIVD_OK && p->c.nomem)
		p->rc = PRIVD_ERR_NOMEM;
	if (p->rc == PRIVD_OK)
		p->rc = bands(p->svc, r, &p->c);
	privd_reader_put(p->svc, r, p->rc == PRIVD_ERR_DB);
	free(p->c.arena); /* the birth dates are read: only the bands are kept */
	p->c.arena = NULL;
	return NULL;
}

#define PART_MIN 1024 /* subjects: fewer are not worth a thread */

/* The population, in id order, into all: read in up to one range a core (this thread's included), the ranges cut
 * at ids from the subjects' key, each range on its own reader; the members of each are appended in order. */
static enum privd_rc population(struct privd_service *svc, const struct privd_aggregate_query *q,
                                const enum privd_purpose *purposes, struct collect *all)
{
	struct part p[PRIVD_PARTS_MAX];
	char cut[PRIVD_PARTS_MAX - 1][33];
	size_t ncut = 0, n = 0;
	struct privd_reader *r = NULL;
	struct privd_date today;
	enum privd_rc rc = privd_reader_get(svc, &r);

	if (rc == PRIVD_OK) {
		/* as many ranges as the cores take, counted by the store, which knows how many subjects there are */
		rc = privd_repo_subject_cuts(r->db, privd_parts_for(SIZE_MAX, 1), PART_MIN, cut, &ncut);
		privd_reader_put(svc, r, rc == PRIVD_ERR_DB);
	}
	if (rc != PRIVD_OK)
		return rc;
	privd_age_today(privd_now_ms(), &today); /* one day for every part: the bands of one table */
	for (size_t i = 0; i <= ncut; i++)
		p[i] = (struct part){svc,
		                     purposes,
		                     q->nrequire + 1,
		                     i > 0 ? cut[i - 1] : NULL,
		                     i < ncut ? cut[i] : NULL,
		                     {.q = q, .today = today},
		                     PRIVD_OK};
	privd_parts_run(part_run, p, sizeof(p[0]), ncut + 1);
	for (size_t i = 0; i <= ncut; i++) {
		if (rc == PRIVD_OK)
			rc = p[i].rc;
		n += p[i].c.n;
	}
	*all = p[0].c; /* the first range's members, followed by the others' */
	if (rc == PRIVD_OK && ncut > 0 && n > all->cap) {
		struct member *more = realloc(all->m, n * sizeof(*more));

		if (more != NULL) {
			all->m = more;
			all->cap = n;
		} else {
			rc = PRIVD_ERR_NOMEM;
		}
	}
	for (size_t i = 1; i <= ncut; i++) {
		if (rc == PRIVD_OK && p[i].c.n > 0)
			memcpy(all->m + all->n, p[i].c.m, p[i].c.n * sizeof(*all->m));
		all->n += rc == PRIVD_OK ? p[i].c.n : 0;
		free(p[i].c.m);
	}
	return rc;
}

/* ---- the table ---- */

/* The values of the three dimensions seen in the population: countries in order, every band, every month from the
 * first registration to the last. */
struct dims {
	uint16_t country_of[COUNTRY_SLOTS]; /* slot -> index + 1; 0: not seen */
	size_t ncountries;
	int32_t first_month;
	size_t nmonths;
	char (*text)[8]; /* every value's name: countries, then bands, then months */
};

static enum privd_rc dims_of(const struct collect *c, struct dims *d)
{
	int32_t last = 0;
	size_t at = 0;

	memset(d, 0, sizeof(*d));
	d->first_month = c->n > 0 ? c->m[0].month : 0;
	for (size_t i = 0; i < c->n; i++) {
		d->country_of[c->m[i].country] = 1;
		if (c->m[i].month < d->first_month)
			d->first_month = c->m[i].month;
		if (c->m[i].month > last)
			last = c->m[i].month;
	}
	d->nmonths = c->n > 0 ? (size_t)(last - d->first_month + 1) : 0;
	for (size_t s = 0; s < COUNTRY_SLOTS; s++)
		if (d->country_of[s] != 0)
			d->country_of[s] = (uint16_t)++d->ncountries;
	d->text = calloc(d->ncountries + PRIVD_AGE_BAND_COUNT + d->nmonths + 1, sizeof(*d->text));
	if (d->text == NULL)
		return PRIVD_ERR_NOMEM;
	for (size_t s = 0; s < COUNTRY_SLOTS; s++)
		if (d->country_of[s] != 0)
			snprintf(d->text[at++], 8, "%c%c", (char)('A' + s / 26), (char)('A' + s % 26));
	for (int b = 0; b < PRIVD_AGE_BAND_COUNT; b++)
		snprintf(d->text[at++], 8, "%s", privd_age_band_name((enum privd_age_band)b));
	for (size_t mth = 0; mth < d->nmonths; mth++) {
		int32_t v = d->first_month + (int32_t)mth;
		unsigned year = (unsigned)(v / 12) % 10000u, month = (unsigned)(v % 12) + 1u;

		snprintf(d->text[at++], 8, "%04u-%02u", year, month % 100u);
	}
	return PRIVD_OK;
}

/* The cell of member m in a table over dims d. */
static size_t cell_of(const struct privd_agg_table *t, const struct dims *d, const struct member *m)
{
	size_t coord[3] = {(size_t)d->country_of[m->country] - 1, m->band, (size_t)(m->month - d->first_month)};

	return privd_agg_index(t, coord);
}

/* Counts the population (narrowed: only those in the narrowed one) into t's cells and sums the totals. */
static void count(struct privd_agg_table *t, const struct dims *d, const struct collect *c, bool narrowed)
{
	for (size_t i = 0; i < c->n; i++)
		if (!narrowed || c->m[i].narrowed)
			t->count[cell_of(t, d, &c->m[i])]++;
	privd_agg_sum(t);
}

/* The export's cells: every combination of the values of the dimensions asked for, "all" in the others. */
static enum privd_rc cells(const struct privd_aggregate_query *q, const struct privd_agg_table *t, const struct dims *d,
                           struct privd_aggregate *out)
{
	size_t len[3] = {d->ncountries, PRIVD_AGE_BAND_COUNT, d->nmonths}, base[3] = {0, d->ncountries, 0};
	size_t n = 1, total[3];

	base[2] = d->ncountries + PRIVD_AGE_BAND_COUNT;
	for (size_t i = 0; i < q->nby; i++)
		n *= len[q->by[i]];
	out->cells = calloc(n > 0 ? n : 1, sizeof(*out->cells));
	if (out->cells == NULL)
		return PRIVD_ERR_NOMEM;
	for (size_t k = 0; k < 3; k++)
		total[k] = len[k];
	for (size_t i = 0; i < n; i++) {
		struct privd_aggregate_cell *cell = &out->cells[i];
		size_t coord[3] = {total[0], total[1], total[2]}, rest = i, at;

		for (size_t j = q->nby; j-- > 0;) { /* the last dimension asked for varies fastest */
			size_t dim = q->by[j];

			coord[dim] = rest % len[dim];
			rest /= len[dim];
			cell->value[j] = d->text[base[dim] + coord[dim]];
		}
		at = privd_agg_index(t, coord);
		cell->suppressed = t->suppressed[at];
		cell->count = cell->suppressed ? 0 : t->count[at];
		out->nsuppressed += cell->suppressed;
	}
	out->ncells = n;
	return PRIVD_OK;
}

/* Counts, protects and renders the table of c. */
static enum privd_rc tabulate(const struct privd_aggregate_query *q, const struct collect *c,
                              struct privd_aggregate *out)
{
	struct dims d;
	struct privd_agg_table whole = {.ndims = 3}, part = {.ndims = 3};
	bool *primary = NULL;
	size_t n;
	enum privd_rc rc = dims_of(c, &d);

	if (rc != PRIVD_OK)
		return rc;
	out->values = (char *)d.text;
	if (c->n == 0)
		return PRIVD_OK; /* nobody: no group to show */
	whole.len[0] = part.len[0] = d.ncountries;
	whole.len[1] = part.len[1] = PRIVD_AGE_BAND_COUNT;
	whole.len[2] = part.len[2] = d.nmonths;
	n = privd_agg_cells(&whole);
	if (n == 0 || n > PRIVD_AGGREGATE_CELLS_MAX)
		return PRIVD_ERR_TOO_LARGE;
	whole.count = calloc(n, sizeof(uint32_t));
	whole.suppressed = calloc(n, sizeof(bool));
	if (whole.count == NULL || whole.suppressed == NULL) {
		rc = PRIVD_ERR_NOMEM;
		goto out;
	}
	count(&whole, &d, c, false);
	if (q->nrequire > 0) {
		part.count = calloc(n, sizeof(uint32_t));
		part.suppressed = calloc(n, sizeof(bool));
		primary = calloc(n, sizeof(bool));
		if (part.count == NULL || part.suppressed == NULL || primary == NULL) {
			rc = PRIVD_ERR_NOMEM;
			goto out;
		}
		count(&part, &d, c, true);
		for (size_t i = 0; i < n; i++) /* the few outside the narrowed population, by subtraction */
			primary[i] = whole.count[i] > part.count[i] && whole.count[i] - part.count[i] < q->k;
		part.primary = primary;
	}
	rc = privd_agg_suppress(q->nrequire > 0 ? &part : &whole, q->k);
	if (rc == PRIVD_OK)
		rc = cells(q, q->nrequire > 0 ? &part : &whole, &d, out);
out:
	free(whole.count);
	free(whole.suppressed);
	free(part.count);
	free(part.suppressed);
	free(primary);
	return rc;
}

/* ---- the use case ---- */

void privd_aggregate_free(struct privd_aggregate *a)
{
	if (a == NULL)
		return;
	free(a->cells);
	free(a->values);
	free(a);
}

static enum privd_rc check_query(const struct privd_aggregate_query *q, struct privd_err *err)
{
	bool seen[PRIVD_AGG_DIM_COUNT] = {false};

	if (q->nby < 1 || q->nby > PRIVD_AGG_MAX_DIMS)
		privd_err_field(err, "by", "must name 1 to 3 of residence_country, age_band, registered_month");
	for (size_t i = 0; i < q->nby && i < PRIVD_AGG_MAX_DIMS; i++) {
		if ((unsigned)q->by[i] >= PRIVD_AGG_DIM_COUNT || seen[q->by[i]])
			privd_err_field(err, "by", "must name each dimension at most once");
		else
			seen[q->by[i]] = true;
	}
	if (q->k < PRIVD_AGG_K_MIN)
		privd_err_field(err, "k", "must be at least 5");
	for (size_t i = 0; i < q->nrequire; i++)
		if ((unsigned)q->require[i] >= PRIVD_PURPOSE_COUNT || q->require[i] == PRIVD_PURPOSE_PROCESSING)
			privd_err_field(err, "require", "must name purposes other than processing");
	return err != NULL && err->nfields > 0 ? privd_err_set(err, PRIVD_ERR_INVALID, "the query is invalid")
	                                       : PRIVD_OK;
}

static void audit_detail(const struct privd_aggregate_query *q, const struct privd_aggregate *a, char out[512])
{
	const char *by[PRIVD_AGG_MAX_DIMS], *require[PRIVD_PURPOSE_COUNT];
	struct privd_jsonw w;

	for (size_t i = 0; i < q->nby; i++)
		by[i] = privd_agg_dim_name(q->by[i]);
	for (size_t i = 0; i < q->nrequire; i++)
		require[i] = privd_purpose_name(q->require[i]);
	privd_jsonw_init(&w, out, 512);
	privd_jsonw_strs(&w, "by", by, q->nby);
	privd_jsonw_int(&w, "k", q->k);
	privd_jsonw_strs(&w, "require", require, q->nrequire);
	privd_jsonw_int(&w, "cells", (int64_t)a->ncells);
	privd_jsonw_int(&w, "suppressed", (int64_t)a->nsuppressed);
	privd_jsonw_end(&w);
}

enum privd_rc privd_service_aggregate(struct privd_service *svc, const struct privd_principal *who,
                                      const struct privd_aggregate_query *q, struct privd_aggregate **out,
                                      struct privd_err *err)
{
	enum privd_purpose purposes[PRIVD_PURPOSE_COUNT] = {PRIVD_PURPOSE_PROCESSING};
	struct collect c = {.q = q};
	struct privd_aggregate *a = NULL;
	char detail[512];
	enum privd_rc rc;

	*out = NULL;
	rc = check_query(q, err);
	if (rc != PRIVD_OK)
		return rc;
	for (size_t i = 0; i < q->nrequire; i++)
		purposes[i + 1] = q->require[i];
	a = calloc(1, sizeof(*a));
	if (a == NULL)
		return PRIVD_ERR_NOMEM;
	a->generated_at = privd_now_ms();
	rc = population(svc, q, purposes, &c);
	if (rc == PRIVD_OK)
		rc = tabulate(q, &c, a);
	if (rc == PRIVD_ERR_TOO_LARGE)
		privd_err_set(err, rc, "too many groups: group by fewer dimensions");
	if (rc != PRIVD_OK)
		goto out;
	audit_detail(q, a, detail);
	rc = privd_audit_record(svc, who, "export.aggregate", "export", "aggregate", detail);
	if (rc != PRIVD_OK)
		goto out;
	*out = a;
	a = NULL;
out:
	privd_aggregate_free(a);
	free(c.m);
	free(c.arena);
	return rc;
}
