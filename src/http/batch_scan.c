/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * batch_scan.c - the batch consent check's body read without building a JSON tree, when it has the plain shape
 * every client sends.
 *
 * A batch of 100 checks parsed by jansson is some 500 allocations (an object, a hash table and two strings per
 * check) and cost more than the 100 look-ups it asks for. Nearly every body is the same shape, written by a
 * program: {"checks":[{"subject_id":"<hex>","purpose":"<name>"}, ...]}. This scanner accepts exactly a strict
 * subset of that shape — JSON whitespace anywhere between tokens, the two members of a check in either order,
 * strings of printable ASCII without escapes and at most PRIVD_BATCH_STR_MAX bytes, 1 to PRIVD_BATCH_MAX checks —
 * and hands back where each check's two strings are in the body. Anything else, valid or not (an escape, a
 * number, another member, a duplicate, a longer string, a byte it does not expect), makes it decline, and the
 * caller parses the body with jansson as before and answers whatever that finds. So the scanner decides nothing
 * that jansson and the handler's checks would decide otherwise: every body it accepts is valid JSON, an object
 * with the one member "checks", an array of objects with exactly "subject_id" and "purpose", both strings, and
 * jansson reads the same strings from it. tests/fuzz/fuzz_batch.c holds it to that against jansson.
 */
#include "http_int.h"
#include "scan.h"

#include <string.h>

/* A string of printable ASCII without escapes, at most PRIVD_BATCH_STR_MAX bytes: its bytes in *str, *len. */
static bool string(struct privd_scan *s, const char **str, size_t *len)
{
	const char *q;

	if (!privd_scan_take(s, '"'))
		return false;
	for (q = s->p; q < s->end && *q != '"'; q++)
		if (*q < 0x20 || *q > 0x7e || *q == '\\' || q - s->p >= PRIVD_BATCH_STR_MAX)
			return false;
	if (q == s->end)
		return false;
	*str = s->p;
	*len = (size_t)(q - s->p);
	s->p = q + 1;
	return true;
}

/* "name": followed by a string; *which is 0 for subject_id, 1 for purpose. */
static bool member(struct privd_scan *s, int *which, struct privd_batch_str *out)
{
	const char *name;
	size_t n;

	if (!string(s, &name, &n) || !privd_scan_take(s, ':'))
		return false;
	if (n == 10 && memcmp(name, "subject_id", 10) == 0)
		*which = 0;
	else if (n == 7 && memcmp(name, "purpose", 7) == 0)
		*which = 1;
	else
		return false;
	return string(s, &out->s, &out->len);
}

static bool check(struct privd_scan *s, struct privd_batch_pair *pair)
{
	struct privd_batch_str v[2];
	int a, b;

	if (!privd_scan_take(s, '{') || !member(s, &a, &v[0]) || !privd_scan_take(s, ',') || !member(s, &b, &v[1]) ||
	    !privd_scan_take(s, '}') || a == b)
		return false;
	pair->subject_id = v[a];
	pair->purpose = v[b];
	return true;
}

bool privd_batch_scan(const char *body, size_t len, struct privd_batch_pair *pairs, size_t *n)
{
	struct privd_scan s = {body, body + len, NULL};
	const char *name;
	size_t nlen;

	*n = 0;
	if (!privd_scan_take(&s, '{') || !string(&s, &name, &nlen) || nlen != 6 || memcmp(name, "checks", 6) != 0 ||
	    !privd_scan_take(&s, ':') || !privd_scan_take(&s, '['))
		return false;
	do {
		if (*n == PRIVD_BATCH_MAX || !check(&s, &pairs[*n]))
			return false;
		(*n)++;
	} while (privd_scan_take(&s, ','));
	if (!privd_scan_take(&s, ']') || !privd_scan_take(&s, '}'))
		return false;
	privd_scan_ws(&s);
	return s.p == s.end;
}
