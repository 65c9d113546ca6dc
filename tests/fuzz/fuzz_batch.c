/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * fuzz_batch.c - differential fuzz target for the batch check's scanner (http/batch_scan.c) against jansson.
 *
 * The scanner reads the usual body of POST /v1/consent-checks without jansson and declines everything else, which
 * the handler then parses with jansson as before. It must never accept what jansson and the handler's own checks
 * would answer otherwise. So for every input the scanner accepts, the invariants: jansson (with
 * JSON_REJECT_DUPLICATES, as privd parses bodies) reads it; it is an object whose one member is "checks", an array
 * of as many checks as the scanner found, 1 to PRIVD_BATCH_MAX; each an object of exactly the two members
 * "subject_id" and "purpose", both strings, equal byte for byte to what the scanner points at, each slice inside
 * the input. A broken invariant aborts. Inputs the scanner declines prove nothing here: the handler's checks of
 * the general path are fuzzed by fuzz_http.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "http/http_int.h"

static void same(json_t *v, const struct privd_batch_str *s, const uint8_t *data, size_t size)
{
	const char *text = json_string_value(v);

	if (text == NULL || s->s < (const char *)data || s->s + s->len > (const char *)data + size ||
	    json_string_length(v) != s->len || memcmp(text, s->s, s->len) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct privd_batch_pair pairs[PRIVD_BATCH_MAX];
	json_error_t err;
	json_t *body, *checks, *item;
	size_t n, i;

	if (!privd_batch_scan((const char *)data, size, pairs, &n))
		return 0;
	body = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &err);
	if (body == NULL || !json_is_object(body) || json_object_size(body) != 1)
		abort();
	checks = json_object_get(body, "checks");
	if (!json_is_array(checks) || json_array_size(checks) != n || n < 1 || n > PRIVD_BATCH_MAX)
		abort();
	json_array_foreach(checks, i, item)
	{
		if (!json_is_object(item) || json_object_size(item) != 2)
			abort();
		same(json_object_get(item, "subject_id"), &pairs[i].subject_id, data, size);
		same(json_object_get(item, "purpose"), &pairs[i].purpose, data, size);
	}
	json_decref(body);
	return 0;
}
