/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * fuzz_validate.c - fuzz target for the registration validators (core/validate.h), the operator's free texts and
 * the times a caller sends (core/time.h).
 *
 * The input, cut at its first NUL, is what a person typed into one field; every validator gets it, from a heap
 * copy of exactly strlen + 1 bytes so a read past the NUL is caught. The invariants, checked on every PRIVD_OK:
 *   - the output is NUL-terminated within its documented size (the buffer is pre-filled with non-NUL bytes
 *     and has a guard byte past that size that must stay untouched);
 *   - normalising is idempotent: validating the output again succeeds and gives the same output;
 *   - the output fits exactly: a heap buffer of strlen(output) + 1 bytes is enough;
 *   - *reason is NULL on success and a non-empty string on failure, and only PRIVD_OK or PRIVD_ERR_INVALID
 *     come back;
 *   - a date parses to a real calendar date that formats back to the input itself;
 *   - a code privd_country_is_eea accepts is an assigned country code;
 *   - an operator's text over lines is accepted only within its limit;
 *   - a time parsed formats to a time that parses back to itself.
 * A broken invariant aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/time.h"
#include "core/validate.h"

#define FILL 0x5a
#define GUARD 0xa5

typedef enum privd_rc (*validator)(const char *in, char *out, size_t outlen, const char **reason);

static void check_reason(enum privd_rc rc, const char *reason)
{
	if (rc == PRIVD_OK ? reason != NULL : rc != PRIVD_ERR_INVALID || reason == NULL || reason[0] == '\0')
		abort();
}

/* Runs v on in with an output of `size` bytes (the documented size) and checks the invariants. */
static void check_validator(validator v, const char *in, size_t size)
{
	char out[PRIVD_NAME_MAX_BYTES + 2];
	char again[PRIVD_NAME_MAX_BYTES + 2];
	const char *reason = in;
	char *exact = NULL;
	enum privd_rc rc;
	size_t n;

	if (size + 1 > sizeof(out))
		abort();
	memset(out, FILL, size);
	out[size] = (char)GUARD;
	rc = v(in, out, size, &reason);
	check_reason(rc, reason);
	if ((unsigned char)out[size] != GUARD)
		abort();
	if (rc != PRIVD_OK)
		return;
	n = strnlen(out, size);
	if (n == size)
		abort(); /* not NUL-terminated within size */

	/* Idempotence: the normalised value is valid and normalises to itself. */
	memset(again, FILL, size);
	again[size] = (char)GUARD;
	reason = in;
	rc = v(out, again, size, &reason);
	check_reason(rc, reason);
	if (rc != PRIVD_OK || (unsigned char)again[size] != GUARD || strcmp(again, out) != 0)
		abort();

	/* The output needs strlen + 1 bytes and no more. */
	exact = malloc(n + 1);
	if (exact == NULL)
		return;
	if (v(in, exact, n + 1, NULL) != PRIVD_OK || memcmp(exact, out, n + 1) != 0)
		abort();
	free(exact);
}

static void check_country(const char *in)
{
	char out[4] = {FILL, FILL, FILL, (char)GUARD};
	char again[4] = {FILL, FILL, FILL, (char)GUARD};
	const char *reason = in;
	enum privd_rc rc;

	rc = privd_validate_country(in, out, &reason);
	check_reason(rc, reason);
	if ((unsigned char)out[3] != GUARD)
		abort();
	if (privd_country_is_eea(in) && rc != PRIVD_OK)
		abort();
	if (rc != PRIVD_OK)
		return;
	if (out[2] != '\0' || out[0] < 'A' || out[0] > 'Z' || out[1] < 'A' || out[1] > 'Z')
		abort();
	if (privd_validate_country(out, again, NULL) != PRIVD_OK || strcmp(again, out) != 0)
		abort();
	if (privd_country_is_eea(in) != privd_country_is_eea(out))
		abort();
}

static void check_date(const char *in)
{
	struct privd_date d = {0, 0, 0};
	struct privd_date e = {0, 0, 0};
	const char *reason = in;
	char text[12];
	enum privd_rc rc;

	rc = privd_date_parse(in, &d, &reason);
	check_reason(rc, reason);
	if (rc != PRIVD_OK)
		return;
	if (d.year < 1 || d.year > 9999 || d.month < 1 || d.month > 12 || d.day < 1 || d.day > 31)
		abort();
	memset(text, FILL, sizeof(text));
	privd_date_format(&d, text, 11);
	if ((unsigned char)text[11] != FILL || strcmp(text, in) != 0)
		abort(); /* the parse is strict, so the only accepted spelling is the canonical one */
	if (privd_date_parse(text, &e, NULL) != PRIVD_OK || privd_date_cmp(&d, &e) != 0)
		abort();
	if (privd_age_years(&d, &e) != 0)
		abort();
}

static void check_lines(const char *in)
{
	const char *reason = in;
	enum privd_rc rc = privd_validate_lines(in, 256, &reason);

	check_reason(rc, reason);
	if (rc == PRIVD_OK && strlen(in) > 256)
		abort();
}

static void check_time(const char *in)
{
	int64_t ms = 42, again = 43;
	char text[PRIVD_TIME_LEN];
	enum privd_rc rc = privd_time_parse(in, &ms);

	if (rc != PRIVD_OK) {
		if (rc != PRIVD_ERR_INVALID || ms != 42)
			abort();
		return;
	}
	privd_time_format(ms, text);
	if (privd_time_parse(text, &again) != PRIVD_OK || again != ms)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n = strnlen((const char *)data, size);
	char *in = malloc(n + 1);

	if (in == NULL)
		return 0;
	memcpy(in, data, n);
	in[n] = '\0';

	check_validator(privd_validate_email, in, PRIVD_EMAIL_MAX + 1);
	check_validator(privd_validate_phone, in, PRIVD_PHONE_MAX + 1);
	check_validator(privd_validate_ip, in, PRIVD_IP_MAX);
	check_validator(privd_validate_name, in, PRIVD_NAME_MAX_BYTES + 1);
	check_country(in);
	check_date(in);
	check_lines(in);
	check_time(in);

	free(in);
	return 0;
}
