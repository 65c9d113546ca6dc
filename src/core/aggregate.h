/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * aggregate.h - counts of people by group that cannot be used to identify anyone: the groups (country of
 * residence, age band, month of registration) and the suppression that keeps every published count safe.
 *
 * The policy lets information that "cannot be used to identify our customer" go to third parties for marketing. A
 * count of people per group identifies nobody only when no group is small: a group of one is a person. So any group
 * smaller than k is suppressed (its count is not published). And since whoever reads one export may also read
 * others (grouped more coarsely, whose counts are the totals of this one's rows and columns), a suppressed count
 * must not be recoverable by subtracting published counts from totals either. So the table privd protects is the
 * whole one with its totals: every dimension has one more value, "all", and the cell with "all" in a dimension is
 * the sum of the cells along it. An export grouped by some of the dimensions shows the cells with "all" in the
 * others; every export of a population is a view of one table protected once, so two exports can be combined no
 * better than one. Totals are cells like the others: suppressed when small, or to protect another.
 *
 * The rule, for every line of the table (the cells along one dimension with the others fixed, and the line's total,
 * which is a cell too): the cells suppressed in it hold either nobody, or people in at least two cells; and when
 * the line's total is published, the suppressed cells hold at least k people between them. Then subtracting what is
 * published from a total leaves either nothing or a sum of several hidden counts, at least k, that cannot be split:
 * no single small group and no union of groups under k is recovered. The grand total (the population) is taken as
 * known. Empty groups are suppressed like small ones, so an empty group cannot be told from a small one. Pure
 * functions, no I/O.
 */
#ifndef PRIVD_CORE_AGGREGATE_H
#define PRIVD_CORE_AGGREGATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rc.h"
#include "validate.h"

/* What people may be grouped by. */
enum privd_agg_dim {
	PRIVD_AGG_RESIDENCE_COUNTRY = 0, /* ISO 3166-1 alpha-2 */
	PRIVD_AGG_AGE_BAND,              /* enum privd_age_band's name */
	PRIVD_AGG_REGISTERED_MONTH,      /* "YYYY-MM" of registration, UTC */
	PRIVD_AGG_DIM_COUNT
};
#define PRIVD_AGG_MAX_DIMS PRIVD_AGG_DIM_COUNT

/* "residence_country", "age_band", "registered_month"; "unknown" outside the enum. Never NULL. */
const char *privd_agg_dim_name(enum privd_agg_dim d);
enum privd_rc privd_agg_dim_parse(const char *name, enum privd_agg_dim *out);

/* Age bands, in full years on the day counted. */
enum privd_age_band {
	PRIVD_AGE_BAND_0_17 = 0,
	PRIVD_AGE_BAND_18_24,
	PRIVD_AGE_BAND_25_34,
	PRIVD_AGE_BAND_35_44,
	PRIVD_AGE_BAND_45_54,
	PRIVD_AGE_BAND_55_64,
	PRIVD_AGE_BAND_65_PLUS,
	PRIVD_AGE_BAND_UNKNOWN, /* no birth date given */
	PRIVD_AGE_BAND_COUNT
};
/* "0-17", "18-24", "25-34", "35-44", "45-54", "55-64", "65+", "unknown"; "unknown" outside the enum too. */
const char *privd_age_band_name(enum privd_age_band b);
/* The band of a person born on birth (NULL: no birth date) on today. Cannot fail. */
enum privd_age_band privd_age_band_of(const struct privd_date *birth, const struct privd_date *today);

/* The smallest k an export may ask for, and its default. */
#define PRIVD_AGG_K_MIN 5
#define PRIVD_AGG_K_DEFAULT 10

/* A table of counts over ndims dimensions with their totals: len[a] values of dimension a and, at coordinate len[a],
 * its total, so (len[0] + 1) x (len[1] + 1) x ... cells in row-major order (the last dimension varies fastest).
 * count, primary and suppressed are the caller's arrays of privd_agg_cells(t) elements. */
struct privd_agg_table {
	int ndims;                      /* 1 .. PRIVD_AGG_MAX_DIMS */
	size_t len[PRIVD_AGG_MAX_DIMS]; /* values of each dimension, each >= 1, without the total */
	uint32_t *count;                /* people per cell; the totals are filled by privd_agg_sum */
	const bool *primary;            /* NULL, or cells to suppress whatever their count */
	bool *suppressed;               /* out: the cells not published */
};

/* The number of cells of t, totals included; 0 when t is malformed or the product overflows. Cannot fail
 * otherwise. */
size_t privd_agg_cells(const struct privd_agg_table *t);

/* The index of the cell at coord (coord[a] in 0 .. len[a], len[a] being the total). Cannot fail for coordinates
 * in range. */
size_t privd_agg_index(const struct privd_agg_table *t, const size_t *coord);

/* Fills every total of t (a cell with coordinate len[a] in some dimension a) with the sum of the cells it totals;
 * the other cells are the caller's. Cannot fail for a table privd_agg_cells accepts. */
void privd_agg_sum(struct privd_agg_table *t);

/* Decides which cells of t are suppressed for k (>= 1): every cell under k (empty ones included) and every cell
 * primary names, but never the grand total; then, line by line until every line is safe, the smallest published
 * cell holding people of each line that is not yet (see the top of this file), a total only when no other is left.
 * The rest are published. PRIVD_ERR_INVALID for a malformed table, PRIVD_ERR_NOMEM. */
enum privd_rc privd_agg_suppress(const struct privd_agg_table *t, uint32_t k);

#endif
