/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * aggregate.c - the groups of an aggregate export and the complementary suppression that keeps it anonymous (see
 * aggregate.h for the rule).
 *
 * Suppression works on lines: for each dimension, every set of cells that differ only in that dimension, with their
 * total. All lines are checked once; a line that is not safe gets its smallest published cell holding people
 * suppressed (the least information lost, and among equals the first; its total only when no cell is left), and
 * every line through a newly suppressed cell is checked again, so the work follows the suppressions instead of
 * sweeping the whole table until nothing changes. Each step suppresses one more cell, so it ends. A table of
 * 100,000 cells in three dimensions is checked in milliseconds.
 */
#include "aggregate.h"

#include <stdlib.h>

#include "names.h"

static const char *const dim_names[PRIVD_AGG_DIM_COUNT] = {
    [PRIVD_AGG_RESIDENCE_COUNTRY] = "residence_country",
    [PRIVD_AGG_AGE_BAND] = "age_band",
    [PRIVD_AGG_REGISTERED_MONTH] = "registered_month",
};

static const char *const band_names[PRIVD_AGE_BAND_COUNT] = {
    [PRIVD_AGE_BAND_0_17] = "0-17",   [PRIVD_AGE_BAND_18_24] = "18-24",     [PRIVD_AGE_BAND_25_34] = "25-34",
    [PRIVD_AGE_BAND_35_44] = "35-44", [PRIVD_AGE_BAND_45_54] = "45-54",     [PRIVD_AGE_BAND_55_64] = "55-64",
    [PRIVD_AGE_BAND_65_PLUS] = "65+", [PRIVD_AGE_BAND_UNKNOWN] = "unknown",
};

const char *privd_agg_dim_name(enum privd_agg_dim d)
{
	return privd_names_get(dim_names, PRIVD_AGG_DIM_COUNT, (int)d);
}

enum privd_rc privd_agg_dim_parse(const char *name, enum privd_agg_dim *out)
{
	int i = privd_names_find(dim_names, PRIVD_AGG_DIM_COUNT, name);

	if (i < 0)
		return PRIVD_ERR_INVALID;
	*out = (enum privd_agg_dim)i;
	return PRIVD_OK;
}

const char *privd_age_band_name(enum privd_age_band b)
{
	return privd_names_get(band_names, PRIVD_AGE_BAND_COUNT, (int)b);
}

enum privd_age_band privd_age_band_of(const struct privd_date *birth, const struct privd_date *today)
{
	static const struct {
		int below;
		enum privd_age_band band;
	} bands[] = {{18, PRIVD_AGE_BAND_0_17},  {25, PRIVD_AGE_BAND_18_24}, {35, PRIVD_AGE_BAND_25_34},
	             {45, PRIVD_AGE_BAND_35_44}, {55, PRIVD_AGE_BAND_45_54}, {65, PRIVD_AGE_BAND_55_64}};
	int age;

	if (birth == NULL)
		return PRIVD_AGE_BAND_UNKNOWN;
	age = privd_age_years(birth, today);
	for (size_t i = 0; i < sizeof(bands) / sizeof(bands[0]); i++)
		if (age < bands[i].below)
			return bands[i].band;
	return PRIVD_AGE_BAND_65_PLUS;
}

size_t privd_agg_cells(const struct privd_agg_table *t)
{
	size_t n = 1;

	if (t == NULL || t->ndims < 1 || t->ndims > PRIVD_AGG_MAX_DIMS)
		return 0;
	for (int a = 0; a < t->ndims; a++) {
		if (t->len[a] == 0 || t->len[a] == SIZE_MAX || n > SIZE_MAX / (t->len[a] + 1))
			return 0;
		n *= t->len[a] + 1;
	}
	return n;
}

/* The distance between neighbours along each dimension. */
static void strides(const struct privd_agg_table *t, size_t stride[PRIVD_AGG_MAX_DIMS])
{
	stride[t->ndims - 1] = 1;
	for (int a = t->ndims - 1; a > 0; a--)
		stride[a - 1] = stride[a] * (t->len[a] + 1);
}

size_t privd_agg_index(const struct privd_agg_table *t, const size_t *coord)
{
	size_t stride[PRIVD_AGG_MAX_DIMS], i = 0;

	strides(t, stride);
	for (int a = 0; a < t->ndims; a++)
		i += coord[a] * stride[a];
	return i;
}

void privd_agg_sum(struct privd_agg_table *t)
{
	size_t stride[PRIVD_AGG_MAX_DIMS], n = privd_agg_cells(t);

	if (n == 0)
		return;
	strides(t, stride);
	/* Dimension by dimension: the totals along a of the cells that are not yet totals in a later dimension,
	 * whose own totals in earlier dimensions are already summed. */
	for (int a = 0; a < t->ndims; a++) {
		for (size_t c = 0; c < n; c++) {
			bool later = false;
			uint32_t sum = 0;

			if (c / stride[a] % (t->len[a] + 1) != t->len[a])
				continue;
			for (int b = a + 1; b < t->ndims && !later; b++)
				later = c / stride[b] % (t->len[b] + 1) == t->len[b];
			if (later)
				continue;
			for (size_t j = 0; j < t->len[a]; j++)
				sum += t->count[c - (t->len[a] - j) * stride[a]];
			t->count[c] = sum;
		}
	}
}

/* ---- suppression ---- */

struct line {
	int axis;
	size_t base; /* the line's cell with coordinate 0 on axis */
};

struct work {
	const struct privd_agg_table *t;
	uint32_t k;
	size_t n, grand;
	size_t stride[PRIVD_AGG_MAX_DIMS];
	struct line *queue; /* a ring of lines to check */
	size_t head, count, cap;
	bool *queued[PRIVD_AGG_MAX_DIMS]; /* by base: the line is in the queue */
};

static size_t coord(const struct work *w, size_t cell, int axis)
{
	return cell / w->stride[axis] % (w->t->len[axis] + 1);
}

static void push(struct work *w, int axis, size_t cell)
{
	size_t base = cell - coord(w, cell, axis) * w->stride[axis];

	if (w->queued[axis][base])
		return;
	w->queued[axis][base] = true;
	w->queue[(w->head + w->count) % w->cap] = (struct line){axis, base};
	w->count++;
}

/* The better of two candidate complements: one holding people, published, and the smaller. */
static size_t better(const struct work *w, size_t best, size_t c)
{
	const struct privd_agg_table *t = w->t;

	if (t->suppressed[c] || t->count[c] == 0 || c == w->grand)
		return best;
	return best == SIZE_MAX || t->count[c] < t->count[best] ? c : best;
}

/* Checks one line; when it is not safe, suppresses its best complement and queues the lines through it. */
static void check(struct work *w, struct line l)
{
	const struct privd_agg_table *t = w->t;
	size_t n = t->len[l.axis], total = l.base + n * w->stride[l.axis];
	size_t holding = 0, best = SIZE_MAX;
	uint64_t hidden = 0;

	for (size_t j = 0; j < n; j++) {
		size_t c = l.base + j * w->stride[l.axis];

		if (t->suppressed[c]) {
			hidden += t->count[c];
			holding += t->count[c] > 0;
		}
		best = better(w, best, c);
	}
	if (t->suppressed[total])
		holding += t->count[total] > 0;
	if (holding == 0 || (holding >= 2 && (t->suppressed[total] || hidden >= w->k)))
		return;
	if (best == SIZE_MAX)
		best = better(w, best, total); /* a total only when no cell is left */
	if (best == SIZE_MAX)
		return; /* nothing left that would make it safer */
	t->suppressed[best] = true;
	for (int b = 0; b < t->ndims; b++)
		push(w, b, best);
}

enum privd_rc privd_agg_suppress(const struct privd_agg_table *t, uint32_t k)
{
	struct work w = {.t = t, .k = k};
	enum privd_rc rc = PRIVD_OK;

	w.n = privd_agg_cells(t);
	if (w.n == 0 || t->count == NULL || t->suppressed == NULL || k == 0)
		return PRIVD_ERR_INVALID;
	strides(t, w.stride);
	w.grand = w.n - 1; /* every coordinate at its total */
	/* every line at most once in the queue: one per base and axis */
	w.cap = (size_t)t->ndims * w.n;
	w.queue = calloc(w.cap, sizeof(*w.queue));
	for (int a = 0; a < t->ndims; a++)
		w.queued[a] = calloc(w.n, sizeof(bool));
	for (int a = 0; rc == PRIVD_OK && a < t->ndims; a++)
		if (w.queue == NULL || w.queued[a] == NULL)
			rc = PRIVD_ERR_NOMEM;
	if (rc != PRIVD_OK)
		goto out;
	for (size_t c = 0; c < w.n; c++)
		t->suppressed[c] = c != w.grand && (t->count[c] < k || (t->primary != NULL && t->primary[c]));
	for (size_t c = 0; c < w.n; c++)
		for (int a = 0; a < t->ndims; a++)
			if (coord(&w, c, a) == 0)
				push(&w, a, c);
	while (w.count > 0) {
		struct line l = w.queue[w.head];

		w.head = (w.head + 1) % w.cap;
		w.count--;
		w.queued[l.axis][l.base] = false;
		check(&w, l);
	}
out:
	free(w.queue);
	for (int a = 0; a < PRIVD_AGG_MAX_DIMS; a++)
		free(w.queued[a]);
	return rc;
}
