/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * validate.c - validation and normalisation of registration input (see validate.h).
 *
 * Everything here reads bytes straight off the network, so every scanner walks the string once, stops at the
 * terminating NUL and never trusts a length it has not counted. Reasons are fixed strings: they name what is
 * wrong, never what was typed, because what was typed is personal data.
 */
#include "validate.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOCAL_PART_MAX 64
#define DOMAIN_MAX 253
#define LABEL_MAX 63
#define PHONE_DIGITS_MIN 8
#define PHONE_DIGITS_MAX 15

static enum privd_rc refuse(const char **reason, const char *why)
{
	if (reason != NULL)
		*reason = why;
	return PRIVD_ERR_INVALID;
}

static enum privd_rc ok(const char **reason)
{
	if (reason != NULL)
		*reason = NULL;
	return PRIVD_OK;
}

static int is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static unsigned char to_lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c - 'A' + 'a') : c;
}

static unsigned char to_upper(unsigned char c)
{
	return (c >= 'a' && c <= 'z') ? (unsigned char)(c - 'a' + 'A') : c;
}

/* Trims ASCII white space: *start points at the first kept byte, the return value is the kept length. The
 * length is counted, so an arbitrarily long input costs one pass and nothing past the NUL is read. */
static size_t trim(const char *in, const char **start)
{
	const char *b = in;
	size_t n;

	while (*b != '\0' && is_space((unsigned char)*b))
		b++;
	n = strlen(b);
	while (n > 0 && is_space((unsigned char)b[n - 1]))
		n--;
	*start = b;
	return n;
}

/* RFC 5322 atext: the characters of an unquoted local part besides '.'. */
static int is_atext(unsigned char c)
{
	return is_alpha(c) || is_digit(c) || (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* Local part as an RFC 5322 dot-atom: printable ASCII without spaces or specials, dots only between atoms.
 * Quoted local parts are refused: nobody registers with one and they break naive SMTP envelopes. */
static const char *check_local(const char *s, size_t n)
{
	size_t i;

	if (n == 0)
		return "local part is empty";
	if (n > LOCAL_PART_MAX)
		return "local part is longer than 64 bytes";
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.') {
			if (i == 0 || i == n - 1 || s[i - 1] == '.')
				return "local part has a misplaced dot";
			continue;
		}
		if (!is_atext(c))
			return "local part has a character that is not allowed";
	}
	return NULL;
}

/* Domain: dot-separated LDH labels, at least two, none empty, none starting or ending with '-', and a top-level
 * label that is not all digits (a bare IP address is not a mail domain). */
static const char *check_domain(const char *s, size_t n)
{
	size_t i, label_start = 0, labels = 0;
	int all_digits = 1;

	if (n == 0)
		return "domain is empty";
	if (n > DOMAIN_MAX)
		return "domain is longer than 253 bytes";
	for (i = 0; i <= n; i++) {
		unsigned char c = i < n ? (unsigned char)s[i] : '.';

		if (c == '.') {
			size_t len = i - label_start;

			if (len == 0)
				return "domain has an empty label";
			if (len > LABEL_MAX)
				return "domain has a label longer than 63 bytes";
			if (s[label_start] == '-' || s[i - 1] == '-')
				return "domain label starts or ends with a hyphen";
			labels++;
			if (i < n) {
				label_start = i + 1;
				all_digits = 1;
			}
			continue;
		}
		if (c >= 0x80)
			return "domain must be ASCII (use punycode)";
		if (!is_alpha(c) && !is_digit(c) && c != '-')
			return "domain has a character that is not allowed";
		if (!is_digit(c))
			all_digits = 0;
	}
	if (labels < 2)
		return "domain has no dot";
	if (all_digits)
		return "top-level domain is numeric";
	return NULL;
}

enum privd_rc privd_validate_email(const char *in, char *out, size_t outlen, const char **reason)
{
	const char *s, *at = NULL, *why;
	size_t n, i, local_len;

	if (in == NULL)
		return refuse(reason, "is required");
	n = trim(in, &s);
	if (n == 0)
		return refuse(reason, "is empty");
	if (n > PRIVD_EMAIL_MAX)
		return refuse(reason, "is longer than 254 bytes");
	for (i = 0; i < n; i++) {
		if (s[i] != '@')
			continue;
		if (at != NULL)
			return refuse(reason, "has more than one @");
		at = s + i;
	}
	if (at == NULL)
		return refuse(reason, "has no @");
	local_len = (size_t)(at - s);
	why = check_local(s, local_len);
	if (why == NULL)
		why = check_domain(at + 1, n - local_len - 1);
	if (why != NULL)
		return refuse(reason, why);
	if (out == NULL || outlen < n + 1)
		return refuse(reason, "output buffer too small");
	memcpy(out, s, local_len + 1);
	for (i = local_len + 1; i < n; i++)
		out[i] = (char)to_lower((unsigned char)s[i]);
	out[n] = '\0';
	return ok(reason);
}

enum privd_rc privd_validate_phone(const char *in, char *out, size_t outlen, const char **reason)
{
	char digits[PRIVD_PHONE_MAX + 1];
	const char *s;
	size_t n, i, nd = 0;
	int in_paren = 0;

	if (in == NULL)
		return refuse(reason, "is required");
	n = trim(in, &s);
	if (n == 0)
		return refuse(reason, "is empty");
	if (s[0] != '+')
		return refuse(reason, "must start with + and the country code");
	if (n < 2 || !is_digit((unsigned char)s[1]))
		return refuse(reason, "must have a digit right after +");
	if (s[1] == '0')
		return refuse(reason, "country code cannot start with 0");
	if (!is_digit((unsigned char)s[n - 1]))
		return refuse(reason, "must end with a digit");
	digits[nd++] = '+';
	for (i = 1; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (is_digit(c)) {
			if (nd > PHONE_DIGITS_MAX)
				return refuse(reason, "has more than 15 digits");
			digits[nd++] = (char)c;
		} else if (c == '(') {
			if (in_paren)
				return refuse(reason, "has unbalanced parentheses");
			in_paren = 1;
		} else if (c == ')') {
			if (!in_paren)
				return refuse(reason, "has unbalanced parentheses");
			in_paren = 0;
		} else if (c != ' ' && c != '-' && c != '.') {
			return refuse(reason, "has a character that is not a digit or separator");
		}
	}
	if (in_paren)
		return refuse(reason, "has unbalanced parentheses");
	if (nd - 1 < PHONE_DIGITS_MIN)
		return refuse(reason, "has fewer than 8 digits");
	digits[nd] = '\0';
	if (out == NULL || outlen < nd + 1)
		return refuse(reason, "output buffer too small");
	memcpy(out, digits, nd + 1);
	return ok(reason);
}

enum privd_rc privd_validate_ip(const char *in, char *out, size_t outlen, const char **reason)
{
	unsigned char buf[16];
	char tmp[PRIVD_IP_MAX];
	int af;
	size_t n;

	if (in == NULL)
		return refuse(reason, "is required");
	n = strnlen(in, PRIVD_IP_MAX);
	if (n == 0)
		return refuse(reason, "is empty");
	if (n >= PRIVD_IP_MAX)
		return refuse(reason, "is too long for an IP address");
	if (inet_pton(AF_INET, in, buf) == 1)
		af = AF_INET;
	else if (inet_pton(AF_INET6, in, buf) == 1)
		af = AF_INET6;
	else
		return refuse(reason, "is not an IPv4 or IPv6 address");
	if (inet_ntop(af, buf, tmp, sizeof(tmp)) == NULL)
		return refuse(reason, "is not an IPv4 or IPv6 address");
	n = strlen(tmp);
	if (out == NULL || outlen < n + 1)
		return refuse(reason, "output buffer too small");
	memcpy(out, tmp, n + 1);
	return ok(reason);
}

size_t privd_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t len, i;
	uint32_t c, min;

	if (s[0] < 0x80) {
		if (cp != NULL)
			*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xC2 && s[0] <= 0xDF) {
		len = 2;
		c = s[0] & 0x1F;
		min = 0x80;
	} else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
		len = 3;
		c = s[0] & 0x0F;
		min = 0x800;
	} else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
		len = 4;
		c = s[0] & 0x07;
		min = 0x10000;
	} else {
		return 0; /* continuation byte, 0xC0/0xC1 (always overlong) or 0xF5.. */
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	if (cp != NULL)
		*cp = c;
	return len;
}

/* The n bytes at s are valid UTF-8 without control characters (but tab and the line breaks CR and LF, in lines). */
static enum privd_rc text_chars(const char *s, size_t n, bool lines, const char **reason)
{
	size_t i = 0;

	while (i < n) {
		uint32_t cp = 0;
		size_t len = privd_utf8_decode((const unsigned char *)s + i, n - i, &cp);

		if (len == 0)
			return refuse(reason, "is not valid UTF-8");
		if ((cp < 0x20 && !(lines && (cp == '\t' || cp == '\n' || cp == '\r'))) || (cp >= 0x7F && cp <= 0x9F))
			return refuse(reason, "has a control character");
		i += len;
	}
	return ok(reason);
}

enum privd_rc privd_validate_text(const char *in, size_t max_bytes, char *out, size_t outlen, const char **reason)
{
	const char *s;
	size_t n;

	if (in == NULL)
		return refuse(reason, "is required");
	n = trim(in, &s);
	if (n == 0)
		return refuse(reason, "is empty");
	if (n > max_bytes)
		return refuse(reason, "is too long");
	if (text_chars(s, n, false, reason) != PRIVD_OK)
		return PRIVD_ERR_INVALID;
	if (out == NULL || outlen < n + 1)
		return refuse(reason, "output buffer too small");
	memcpy(out, s, n);
	out[n] = '\0';
	return ok(reason);
}

enum privd_rc privd_validate_name(const char *in, char *out, size_t outlen, const char **reason)
{
	enum privd_rc rc = privd_validate_text(in, PRIVD_NAME_MAX_BYTES, out, outlen, reason);

	if (rc != PRIVD_OK && reason != NULL && strcmp(*reason, "is too long") == 0)
		*reason = "is longer than 512 bytes";
	return rc;
}

enum privd_rc privd_validate_lines(const char *in, size_t max, const char **reason)
{
	const char *s;

	if (in == NULL)
		return refuse(reason, "is required");
	if (trim(in, &s) == 0)
		return refuse(reason, "is empty");
	if (strlen(in) > max)
		return refuse(reason, "is too long");
	return text_chars(in, strlen(in), true, reason);
}

/* ISO 3166-1 alpha-2, officially assigned codes (249), sorted for bsearch. */
static const char iso3166_alpha2[][3] = {
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ", "BA", "BB",
    "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS", "BT", "BV", "BW", "BY",
    "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN", "CO", "CR", "CU", "CV", "CW", "CX",
    "CY", "CZ", "DE", "DJ", "DK", "DM", "DO", "DZ", "EC", "EE", "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK",
    "FM", "FO", "FR", "GA", "GB", "GD", "GE", "GF", "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS",
    "GT", "GU", "GW", "GY", "HK", "HM", "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR",
    "IS", "IT", "JE", "JM", "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA",
    "LB", "LC", "LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK",
    "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA", "NC", "NE",
    "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG", "PH", "PK", "PL", "PM",
    "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW", "SA", "SB", "SC", "SD", "SE", "SG",
    "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS", "ST", "SV", "SX", "SY", "SZ", "TC", "TD", "TF",
    "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO", "TR", "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY",
    "UZ", "VA", "VC", "VE", "VG", "VI", "VN", "VU", "WF", "WS", "YE", "YT", "ZA", "ZM", "ZW",
};

/* The 27 EU member states, then the EEA's IS, LI, NO; sorted. */
static const char eea_alpha2[][3] = {
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE",
    "IS", "IT", "LI", "LT", "LU", "LV", "MT", "NL", "NO", "PL", "PT", "RO", "SE", "SI", "SK",
};

static int cmp_code(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

static int code_in(const char code[3], const char (*list)[3], size_t n)
{
	return bsearch(code, list, n, sizeof(list[0]), cmp_code) != NULL;
}

enum privd_rc privd_validate_country(const char *in, char out[3], const char **reason)
{
	char code[3];

	if (in == NULL)
		return refuse(reason, "is required");
	if (!is_alpha((unsigned char)in[0]) || !is_alpha((unsigned char)in[1]) || in[2] != '\0')
		return refuse(reason, "must be two letters (ISO 3166-1 alpha-2)");
	code[0] = (char)to_upper((unsigned char)in[0]);
	code[1] = (char)to_upper((unsigned char)in[1]);
	code[2] = '\0';
	if (!code_in(code, iso3166_alpha2, sizeof(iso3166_alpha2) / sizeof(iso3166_alpha2[0])))
		return refuse(reason, "is not an assigned ISO 3166-1 country code");
	if (out != NULL)
		memcpy(out, code, 3);
	return ok(reason);
}

bool privd_country_is_eea(const char *cc)
{
	char code[3];

	/* Case-insensitive on purpose: a lower-case code must not silently switch the GDPR rules off. */
	if (cc == NULL || !is_alpha((unsigned char)cc[0]) || !is_alpha((unsigned char)cc[1]) || cc[2] != '\0')
		return false;
	code[0] = (char)to_upper((unsigned char)cc[0]);
	code[1] = (char)to_upper((unsigned char)cc[1]);
	code[2] = '\0';
	return code_in(code, eea_alpha2, sizeof(eea_alpha2) / sizeof(eea_alpha2[0]));
}

static int is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
	static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	return (m == 2 && is_leap(y)) ? 29 : dim[m - 1];
}

static int parse_digits(const char *s, int n)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (!is_digit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

enum privd_rc privd_date_parse(const char *in, struct privd_date *out, const char **reason)
{
	int y, m, d;

	if (in == NULL)
		return refuse(reason, "is required");
	if (strnlen(in, 11) != 10 || in[4] != '-' || in[7] != '-')
		return refuse(reason, "must be a date as YYYY-MM-DD");
	y = parse_digits(in, 4);
	m = parse_digits(in + 5, 2);
	d = parse_digits(in + 8, 2);
	if (y < 0 || m < 0 || d < 0)
		return refuse(reason, "must be a date as YYYY-MM-DD");
	if (y < 1 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
		return refuse(reason, "is not a calendar date");
	if (out != NULL) {
		out->year = y;
		out->month = m;
		out->day = d;
	}
	return ok(reason);
}

void privd_date_format(const struct privd_date *d, char *out, size_t outlen)
{
	if (out == NULL || outlen == 0)
		return;
	if (d == NULL) {
		out[0] = '\0';
		return;
	}
	snprintf(out, outlen, "%04d-%02d-%02d", d->year, d->month, d->day);
}

int privd_date_cmp(const struct privd_date *a, const struct privd_date *b)
{
	if (a->year != b->year)
		return a->year < b->year ? -1 : 1;
	if (a->month != b->month)
		return a->month < b->month ? -1 : 1;
	if (a->day != b->day)
		return a->day < b->day ? -1 : 1;
	return 0;
}

/* Whole years of a person born on `birth`, with birth not after today. Comparing (month, day) pairs makes a
 * 29 February birthday fall on 1 March in common years: 28 February is still before (2, 29). */
static int full_years(const struct privd_date *birth, const struct privd_date *today)
{
	int years = today->year - birth->year;

	if (today->month < birth->month || (today->month == birth->month && today->day < birth->day))
		years--;
	return years;
}

int privd_age_years(const struct privd_date *birth, const struct privd_date *today)
{
	if (privd_date_cmp(birth, today) > 0)
		return -1 - full_years(today, birth);
	return full_years(birth, today);
}
