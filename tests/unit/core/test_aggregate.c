/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_aggregate.c - the groups of a marketing export (dimensions, age bands) and the suppression that keeps it
 * anonymous, tested the way an adversary would attack it.
 *
 * The adversary knows every published count and every total a coarser export could publish: each row's and each
 * column's sum and the population. For a two-dimensional table it enumerates every table of non-negative counts
 * that agrees with all of that, and the test asserts that no suppressed count holding people is pinned down to one
 * value, i.e. that subtracting published counts from totals (the plain attack), or any combination of totals, does
 * not recover it. The one exception is stated in aggregate.h: a small cell that holds every person of its row or
 * column equals that total, which is itself small (and suppressed wherever it is published).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/aggregate.h"

#define MAXC 64

static void test_names(void **state)
{
	static const char *const dims[] = {"residence_country", "age_band", "registered_month"};
	static const char *const bands[] = {"0-17", "18-24", "25-34", "35-44", "45-54", "55-64", "65+", "unknown"};
	enum privd_agg_dim d;

	(void)state;
	for (int i = 0; i < PRIVD_AGG_DIM_COUNT; i++) {
		assert_string_equal(privd_agg_dim_name((enum privd_agg_dim)i), dims[i]);
		assert_int_equal(privd_agg_dim_parse(dims[i], &d), PRIVD_OK);
		assert_int_equal(d, i);
	}
	assert_int_equal(privd_agg_dim_parse("email", &d), PRIVD_ERR_INVALID);
	assert_int_equal(privd_agg_dim_parse(NULL, &d), PRIVD_ERR_INVALID);
	for (int i = 0; i < PRIVD_AGE_BAND_COUNT; i++)
		assert_string_equal(privd_age_band_name((enum privd_age_band)i), bands[i]);
}

static void test_age_bands(void **state)
{
	struct privd_date today = {2026, 6, 15};
	struct {
		struct privd_date birth;
		enum privd_age_band band;
	} cases[] = {
	    {{2026, 1, 1}, PRIVD_AGE_BAND_0_17},    {{2008, 6, 16}, PRIVD_AGE_BAND_0_17}, /* 18 tomorrow */
	    {{2008, 6, 15}, PRIVD_AGE_BAND_18_24},  {{2001, 6, 16}, PRIVD_AGE_BAND_18_24},
	    {{2001, 6, 15}, PRIVD_AGE_BAND_25_34},  {{1991, 6, 15}, PRIVD_AGE_BAND_35_44},
	    {{1981, 6, 15}, PRIVD_AGE_BAND_45_54},  {{1971, 6, 15}, PRIVD_AGE_BAND_55_64},
	    {{1961, 6, 16}, PRIVD_AGE_BAND_55_64},  {{1961, 6, 15}, PRIVD_AGE_BAND_65_PLUS},
	    {{1920, 1, 1}, PRIVD_AGE_BAND_65_PLUS},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(privd_age_band_of(&cases[i].birth, &today), cases[i].band);
	assert_int_equal(privd_age_band_of(NULL, &today), PRIVD_AGE_BAND_UNKNOWN);
}

/* ---- the table's own rules ---- */

/* Fills the totals of t over count, suppresses for k, and checks what every table must hold: each cell under k
 * suppressed but the grand total, which never is. */
static void run(struct privd_agg_table *t, uint32_t *count, bool *sup, uint32_t k)
{
	size_t n = privd_agg_cells(t);

	t->count = count;
	t->suppressed = sup;
	privd_agg_sum(t);
	assert_int_equal(privd_agg_suppress(t, k), PRIVD_OK);
	for (size_t c = 0; c + 1 < n; c++)
		if (count[c] < k)
			assert_true(sup[c]); /* every group under k, empty ones too */
	assert_false(sup[n - 1]);
}

static void test_sum(void **state)
{
	/* 2 x 3 and its totals: row totals in column 3, column totals in row 2, the grand total last */
	uint32_t count[12] = {1, 2, 3, 0, 4, 5, 6, 0, 0, 0, 0, 0};
	struct privd_agg_table t = {.ndims = 2, .len = {2, 3}, .count = count};
	size_t at[2] = {1, 2};

	(void)state;
	assert_int_equal(privd_agg_cells(&t), 12);
	assert_int_equal(privd_agg_index(&t, at), 6);
	privd_agg_sum(&t);
	assert_int_equal(count[3], 6);
	assert_int_equal(count[7], 15);
	assert_int_equal(count[8], 5);
	assert_int_equal(count[9], 7);
	assert_int_equal(count[10], 9);
	assert_int_equal(count[11], 21);
}

static void test_one_dimension(void **state)
{
	/* KZ 3, RU 50, DE 60 and the population: KZ alone would be the population minus 110 */
	uint32_t count[4] = {3, 50, 60};
	bool sup[4];
	struct privd_agg_table t = {.ndims = 1, .len = {3}};

	(void)state;
	run(&t, count, sup, 10);
	assert_true(sup[0] && sup[1]);
	assert_false(sup[2]);
	/* nothing small: nothing suppressed */
	count[0] = 10;
	run(&t, count, sup, 10);
	assert_false(sup[0] || sup[1] || sup[2]);
	/* two small ones that together reach k hide each other */
	count[0] = 4;
	count[1] = 7;
	run(&t, count, sup, 10);
	assert_true(sup[0] && sup[1]);
	assert_false(sup[2]);
	/* two small ones that together stay under k: their sum would be a group under k, so a third goes */
	count[0] = 2;
	count[1] = 3;
	run(&t, count, sup, 10);
	assert_true(sup[0] && sup[1] && sup[2]);
	/* a primary named by the caller is suppressed whatever its count, and protected like any other */
	count[0] = 40;
	count[1] = 50;
	count[2] = 60;
	t.primary = (const bool[4]){false, true, false, false};
	run(&t, count, sup, 10);
	assert_true(sup[1] && sup[0]);
	assert_false(sup[2]);
}

static void test_row_and_column_totals(void **state)
{
	/* 3 x 3 with its totals; one small cell (row 0, column 0). Suppressed alone it would be its row's total minus
	 * the row's other cells, or its column's total minus the column's: the plain subtraction attack. */
	uint32_t count[16] = {2, 40, 30, 0, 25, 50, 35, 0, 60, 20, 45};
	bool sup[16];
	struct privd_agg_table t = {.ndims = 2, .len = {3, 3}};
	int row0 = 0, col0 = 0;

	(void)state;
	/* the base cells are at (r, c) = r * 4 + c */
	memcpy(count, (uint32_t[16]){2, 40, 30, 0, 25, 50, 35, 0, 60, 20, 45, 0, 0, 0, 0, 0}, sizeof(count));
	run(&t, count, sup, 10);
	for (int j = 0; j < 3; j++) {
		row0 += sup[j];
		col0 += sup[j * 4];
	}
	assert_true(row0 >= 2);
	assert_true(col0 >= 2);
	/* the complements are the smallest in their lines: 30 in row 0, 25 in column 0, then 35, since row 1 would
	 * otherwise hide 25 alone, and column 2 then hides 30 and 35 */
	assert_true(sup[2] && sup[4] && sup[6]);
	assert_false(sup[3] || sup[7] || sup[11] || sup[12] || sup[13] || sup[14]); /* no total needed hiding */
}

/* ---- the adversary ---- */

struct adversary {
	size_t rows, cols; /* without the totals */
	const uint32_t *count;
	const bool *sup;
	size_t hidden[MAXC], nhidden; /* the suppressed cells that are not totals */
	uint32_t lo[MAXC], hi[MAXC];  /* by cell: the values each suppressed cell took in the tables found */
	bool seen;
	long budget;
};

static size_t at(const struct adversary *a, size_t r, size_t c)
{
	return r * (a->cols + 1) + c;
}

/* Whether val (every cell, the hidden ones filled in) agrees with every published total; if so, records the
 * values of the suppressed cells and totals. */
static void judge(struct adversary *a, uint32_t *val)
{
	size_t R = a->rows, C = a->cols;

	for (size_t r = 0; r <= R; r++)
		for (size_t c = 0; c <= C; c++) {
			uint32_t sum = 0;

			if (r < R && c < C)
				continue;
			if (r == R && c == C) {
				for (size_t i = 0; i < R; i++)
					for (size_t j = 0; j < C; j++)
						sum += val[at(a, i, j)];
			} else if (r == R) {
				for (size_t i = 0; i < R; i++)
					sum += val[at(a, i, c)];
			} else {
				for (size_t j = 0; j < C; j++)
					sum += val[at(a, r, j)];
			}
			val[at(a, r, c)] = sum;
			if (!a->sup[at(a, r, c)] && sum != a->count[at(a, r, c)])
				return;
		}
	for (size_t i = 0; i <= at(a, R, C); i++) {
		if (!a->sup[i])
			continue;
		if (!a->seen || val[i] < a->lo[i])
			a->lo[i] = val[i];
		if (!a->seen || val[i] > a->hi[i])
			a->hi[i] = val[i];
	}
	a->seen = true;
}

/* Every value of the i-th hidden cell that the published totals of its row and column and the population leave
 * possible, then the next; the last hidden cell of a line with a published total takes what is left of it. */
static void search(struct adversary *a, size_t i, uint32_t *val, int64_t *row_left, int64_t *col_left, int64_t left)
{
	size_t R = a->rows, C = a->cols;

	if (a->budget-- <= 0)
		return;
	if (i == a->nhidden) {
		if (left == 0)
			judge(a, val);
		return;
	}
	size_t cell = a->hidden[i], r = cell / (C + 1), c = cell % (C + 1);
	bool row_known = !a->sup[at(a, r, C)], col_known = !a->sup[at(a, R, c)];
	bool last_row = true, last_col = true;
	int64_t max = left;

	for (size_t h = i + 1; h < a->nhidden; h++) {
		last_row = last_row && a->hidden[h] / (C + 1) != r;
		last_col = last_col && a->hidden[h] % (C + 1) != c;
	}
	if (row_known && row_left[r] < max)
		max = row_left[r];
	if (col_known && col_left[c] < max)
		max = col_left[c];
	for (int64_t v = 0; v <= max; v++) {
		if ((row_known && last_row && v != row_left[r]) || (col_known && last_col && v != col_left[c]))
			continue;
		val[cell] = (uint32_t)v;
		row_left[r] -= v;
		col_left[c] -= v;
		search(a, i + 1, val, row_left, col_left, left - v);
		row_left[r] += v;
		col_left[c] += v;
	}
}

/* The adversary knows every published cell and total, and the population; no suppressed count holding people may
 * come out pinned to one value. */
static void attack(size_t rows, size_t cols, const uint32_t *count, const bool *sup)
{
	struct adversary a = {.rows = rows, .cols = cols, .count = count, .sup = sup, .budget = 4000000};
	uint32_t val[MAXC];
	int64_t row_left[8], col_left[8], left = count[at(&a, rows, cols)];

	for (size_t r = 0; r < rows; r++)
		row_left[r] = count[at(&a, r, cols)];
	for (size_t c = 0; c < cols; c++)
		col_left[c] = count[at(&a, rows, c)];
	for (size_t r = 0; r < rows; r++)
		for (size_t c = 0; c < cols; c++) {
			val[at(&a, r, c)] = count[at(&a, r, c)];
			if (sup[at(&a, r, c)]) {
				a.hidden[a.nhidden++] = at(&a, r, c);
				continue;
			}
			left -= count[at(&a, r, c)];
			row_left[r] -= count[at(&a, r, c)];
			col_left[c] -= count[at(&a, r, c)];
		}
	search(&a, 0, val, row_left, col_left, left);
	assert_true(a.seen || a.budget <= 0); /* the true table is always among them */
	if (a.budget <= 0)
		return; /* not searched through: no verdict */
	for (size_t i = 0; i <= at(&a, rows, cols); i++)
		if (sup[i] && count[i] > 0 && a.lo[i] == a.hi[i]) {
			fprintf(stderr, "recovered cell %zu (%u) of a %zu x %zu table\n", i, count[i], rows, cols);
			fail();
		}
}

static uint32_t next(uint32_t *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return (*seed >> 16) & 0x7fff;
}

static void test_adversary_random_tables(void **state)
{
	uint32_t seed = 20260115;
	uint32_t count[MAXC];
	bool sup[MAXC];

	(void)state;
	for (int round = 0; round < 250; round++) {
		size_t rows = 2 + next(&seed) % 2, cols = 2 + next(&seed) % 3;
		uint32_t k = 5;
		struct privd_agg_table t = {.ndims = 2, .len = {rows, cols}};

		memset(count, 0, sizeof(count));
		for (size_t r = 0; r < rows; r++)
			for (size_t c = 0; c < cols; c++) {
				uint32_t x = next(&seed) % 10;

				count[r * (cols + 1) + c] = x < 3   ? 0
				                            : x < 6 ? 1 + next(&seed) % (k - 1)
				                                    : k + next(&seed) % 5;
			}
		run(&t, count, sup, k);
		attack(rows, cols, count, sup);
	}
}

static void test_adversary_fixed(void **state)
{
	/* a small cell whose row's other people sit alone in their column, and the same with a third row */
	uint32_t a[12] = {3, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
	uint32_t b[16] = {2, 0, 30, 0, 15, 40, 0, 0, 0, 20, 0};
	bool sup[16];
	struct privd_agg_table ta = {.ndims = 2, .len = {2, 3}}, tb = {.ndims = 2, .len = {3, 3}};

	(void)state;
	run(&ta, a, sup, 5);
	attack(2, 3, a, sup);
	memset(b, 0, sizeof(b));
	b[0] = 2;
	b[2] = 30;
	b[4] = 15;
	b[5] = 40;
	b[9] = 20;
	run(&tb, b, sup, 5);
	attack(3, 3, b, sup);
}

static void test_three_dimensions(void **state)
{
	uint32_t seed = 7, count[4 * 5 * 6];
	bool sup[4 * 5 * 6];
	struct privd_agg_table t = {.ndims = 3, .len = {3, 4, 5}};
	size_t stride[3] = {30, 6, 1}, len[3] = {3, 4, 5};

	(void)state;
	for (int round = 0; round < 50; round++) {
		memset(count, 0, sizeof(count));
		for (size_t i = 0; i < 3; i++)
			for (size_t j = 0; j < 4; j++)
				for (size_t l = 0; l < 5; l++)
					count[i * 30 + j * 6 + l] =
					    next(&seed) % 4 == 0 ? next(&seed) % 10 : 10 + next(&seed) % 40;
		run(&t, count, sup, 10);
		/* every line is safe: nothing hidden that holds people, or at least two entries holding people and,
		 * under a published total, k people among the hidden cells */
		for (int axis = 0; axis < 3; axis++)
			for (size_t base = 0; base < 120; base++) {
				size_t total = base + len[axis] * stride[axis], holding = 0;
				uint64_t hidden = 0;

				if (base / stride[axis] % (len[axis] + 1) != 0)
					continue;
				for (size_t j = 0; j < len[axis]; j++) {
					size_t c = base + j * stride[axis];

					hidden += sup[c] ? count[c] : 0;
					holding += sup[c] && count[c] > 0;
				}
				holding += sup[total] && count[total] > 0;
				assert_true(holding == 0 || (holding >= 2 && (sup[total] || hidden >= 10)));
			}
	}
}

static void test_malformed(void **state)
{
	uint32_t count[3] = {1, 2, 3};
	bool sup[3];
	struct privd_agg_table t = {.ndims = 0, .len = {2}, .count = count, .suppressed = sup};

	(void)state;
	assert_int_equal(privd_agg_suppress(&t, 5), PRIVD_ERR_INVALID);
	t.ndims = 4;
	assert_int_equal(privd_agg_suppress(&t, 5), PRIVD_ERR_INVALID);
	t.ndims = 1;
	t.len[0] = 0;
	assert_int_equal(privd_agg_suppress(&t, 5), PRIVD_ERR_INVALID);
	t.len[0] = 2;
	assert_int_equal(privd_agg_suppress(&t, 0), PRIVD_ERR_INVALID);
	t.len[0] = SIZE_MAX / 2;
	t.ndims = 2;
	t.len[1] = 3;
	assert_int_equal(privd_agg_cells(&t), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_age_bands),
	    cmocka_unit_test(test_sum),
	    cmocka_unit_test(test_one_dimension),
	    cmocka_unit_test(test_row_and_column_totals),
	    cmocka_unit_test(test_adversary_random_tables),
	    cmocka_unit_test(test_adversary_fixed),
	    cmocka_unit_test(test_three_dimensions),
	    cmocka_unit_test(test_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
