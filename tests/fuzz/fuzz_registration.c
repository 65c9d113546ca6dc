/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * fuzz_registration.c - differential fuzz target for the registration's scanner (http/reg_scan.c) against jansson
 * and the handler's own parse.
 *
 * The scanner reads the usual body of POST /v1/subjects without jansson and declines everything else, which the
 * handler then parses with jansson as before. It must never accept what jansson and privd_http_registration_parse
 * would answer otherwise. So for every input the scanner accepts, the invariants: jansson (with
 * JSON_REJECT_DUPLICATES, as privd parses bodies) reads it as an object; privd_http_registration_parse finds no
 * field at fault in it; and the two struct privd_registration are the same, every string equal byte for byte (or
 * both absent), every flag and cookie equal. A broken invariant aborts. Inputs the scanner declines prove nothing
 * here: the general path is fuzzed by fuzz_http.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "http/http_int.h"

static void same_str(const char *a, const char *b)
{
	if ((a == NULL) != (b == NULL) || (a != NULL && strcmp(a, b) != 0))
		abort();
}

static void same(const struct privd_registration *a, const struct privd_registration *b)
{
	same_str(a->name, b->name);
	same_str(a->email, b->email);
	same_str(a->phone, b->phone);
	same_str(a->ip, b->ip);
	same_str(a->birth_date, b->birth_date);
	same_str(a->residence_country, b->residence_country);
	same_str(a->policy_version, b->policy_version);
	same_str(a->source, b->source);
	same_str(a->language, b->language);
	same_str(a->notice_language, b->notice_language);
	same_str(a->visitor_id, b->visitor_id);
	for (size_t i = 0; i < PRIVD_PURPOSE_COUNT; i++)
		same_str(a->texts[i], b->texts[i]);
	if (a->processing != b->processing || a->third_party_transfer != b->third_party_transfer ||
	    memcmp(a->cookies, b->cookies, sizeof(a->cookies)) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct privd_registration scanned, parsed;
	struct privd_err e = {0};
	json_error_t err;
	char *strs = malloc(size + 1);
	json_t *body;

	if (strs == NULL || !privd_http_registration_scan((const char *)data, size, &scanned, strs)) {
		free(strs);
		return 0;
	}
	body = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &err);
	if (body == NULL || !json_is_object(body))
		abort();
	privd_http_registration_parse(body, &parsed, &e);
	if (e.nfields > 0)
		abort();
	same(&scanned, &parsed);
	json_decref(body);
	free(strs);
	return 0;
}
