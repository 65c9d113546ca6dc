/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * validate.h - validation and normalisation of what a person types at registration.
 *
 * Pure functions over C strings: no allocation, no clock, no I/O. Each returns PRIVD_OK and writes the
 * normalised value into a caller buffer, or PRIVD_ERR_INVALID with a reason (never containing the input,
 * which is PII) in *reason. Input comes from the network: every function accepts any bytes, including
 * invalid UTF-8 and very long strings, without reading past the terminating NUL.
 */
#ifndef PRIVD_CORE_VALIDATE_H
#define PRIVD_CORE_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rc.h"

#define PRIVD_EMAIL_MAX 254      /* RFC 5321 path limit */
#define PRIVD_PHONE_MAX 16       /* "+" and at most 15 digits (E.164) */
#define PRIVD_IP_MAX 46          /* INET6_ADDRSTRLEN */
#define PRIVD_NAME_MAX_BYTES 512 /* UTF-8 bytes after trimming */

/* A calendar date, proleptic Gregorian. */
struct privd_date {
	int year;  /* 1..9999 */
	int month; /* 1..12 */
	int day;   /* 1..31 */
};

/* The length of the well-formed UTF-8 sequence at s (n bytes available: at least 1), its code point in *cp unless cp
 * is NULL; 0 for a truncated, overlong, surrogate or out-of-range sequence. Reads no byte after the first that
 * cannot continue it (a NUL ends a string's last sequence early). */
size_t privd_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);

/*
 * E-mail: trims surrounding white space, requires exactly one '@', a non-empty local part (at most 64 bytes,
 * printable ASCII, no spaces), a domain of dot-separated labels (letters, digits, hyphens; no label starting or
 * ending with '-'; at least one dot; internationalised domains must arrive in punycode) and lower-cases the
 * domain only. out must hold PRIVD_EMAIL_MAX + 1 bytes.
 */
enum privd_rc privd_validate_email(const char *in, char *out, size_t outlen, const char **reason);

/*
 * Phone: E.164. Accepts "+" then 8..15 digits, the first not 0; spaces, hyphens, dots and parentheses between
 * digits are dropped ("+7 (916) 123-45-67" -> "+79161234567"). A number without the leading "+" is refused.
 * out must hold PRIVD_PHONE_MAX + 1 bytes.
 */
enum privd_rc privd_validate_phone(const char *in, char *out, size_t outlen, const char **reason);

/* IPv4 or IPv6 address, written back in canonical form (inet_ntop). out must hold PRIVD_IP_MAX bytes. */
enum privd_rc privd_validate_ip(const char *in, char *out, size_t outlen, const char **reason);

/*
 * Name: any valid UTF-8 (Cyrillic included), trimmed; refuses empty, over PRIVD_NAME_MAX_BYTES, C0/C1 control
 * characters and overlong or surrogate encodings. out must hold PRIVD_NAME_MAX_BYTES + 1 bytes.
 */
enum privd_rc privd_validate_name(const char *in, char *out, size_t outlen, const char **reason);

/* Any one-line text a person reads (a title, a description): as a name, with max_bytes instead of
 * PRIVD_NAME_MAX_BYTES ("is too long" past it). out must hold max_bytes + 1 bytes. */
enum privd_rc privd_validate_text(const char *in, size_t max_bytes, char *out, size_t outlen, const char **reason);

/*
 * Free text an operator writes over lines (an incident's description): valid UTF-8, not empty nor only white
 * space, at most max bytes, no control character but tab and the line breaks CR and LF. Checks only: the text is
 * kept as sent.
 */
enum privd_rc privd_validate_lines(const char *in, size_t max, const char **reason);

/* ISO 3166-1 alpha-2, upper case, officially assigned; lower case input is upper-cased. out holds 3 bytes. */
enum privd_rc privd_validate_country(const char *in, char out[3], const char **reason);

/* True when cc (upper case alpha-2) is an EU member state or EEA (IS, LI, NO). */
bool privd_country_is_eea(const char *cc);

/* Parses "YYYY-MM-DD" strictly (a real calendar date). */
enum privd_rc privd_date_parse(const char *in, struct privd_date *out, const char **reason);

/* Writes "YYYY-MM-DD" into out (at least 11 bytes). */
void privd_date_format(const struct privd_date *d, char *out, size_t outlen);

/* <0, 0, >0 as a is before, equal to, after b. */
int privd_date_cmp(const struct privd_date *a, const struct privd_date *b);

/* Whole years of age on `today` of a person born on `birth` (a 29 February birthday counts on 1 March in
 * non-leap years). Negative when birth is after today. */
int privd_age_years(const struct privd_date *birth, const struct privd_date *today);

#endif
