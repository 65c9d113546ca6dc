/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * reg_scan.c - a registration's body (POST /v1/subjects) read without building a JSON tree, when it has the plain
 * shape an application sends.
 *
 * Parsed by jansson, the usual body is some thirty allocations (the object and its hash table, the consents and
 * the texts, every string and the cookies' array) made and freed again for a profile that is then copied and
 * sealed: a seventh of the HTTP threads' CPU for a registration. This scanner reads a strict subset of what the
 * handler accepts: an object of the members parse_registration knows (each at most once, in any order), each
 * string member a string or null, "consents" an object or null with "processing" and "third_party_transfer" as
 * true or false, "language" a string or null, "texts" an object or null of those two purposes' versions (strings or
 * null), "cookies" null or an array of the cookie categories' names; JSON whitespace between tokens; strings of
 * UTF-8 as jansson accepts it, without escapes or control characters. Anything else, valid or not (an escape, a
 * number, an unknown member, a duplicate, a category that is not one), makes it decline, and the handler parses
 * the body with jansson as before and answers whatever that finds. So the scanner decides nothing jansson and
 * parse_registration would decide otherwise: every body it accepts, they read without a fault into the same
 * struct privd_registration. tests/fuzz/fuzz_registration.c holds it to that against them.
 */
#include "core/validate.h"
#include "http_int.h"
#include "scan.h"

#include <stddef.h>
#include <string.h>

/* Consumes the literal word (true, false, null) after optional whitespace. */
static bool word(struct privd_scan *s, const char *w, size_t n)
{
	privd_scan_ws(s);
	if ((size_t)(s->end - s->p) < n || memcmp(s->p, w, n) != 0)
		return false;
	s->p += n;
	return true;
}

/* A string of UTF-8 without escapes or control characters, copied NUL-terminated into the strings' buffer. */
static bool string(struct privd_scan *s, const char **out)
{
	const unsigned char *q, *end = (const unsigned char *)s->end;
	size_t len;

	if (!privd_scan_take(s, '"'))
		return false;
	q = (const unsigned char *)s->p;
	while (q < end && *q != '"') {
		size_t n = *q < 0x80 ? 1 : privd_utf8_decode(q, (size_t)(end - q), NULL);

		if (*q < 0x20 || *q == '\\' || n == 0)
			return false;
		q += n;
	}
	if (q == end)
		return false;
	len = (size_t)((const char *)q - s->p);
	memcpy(s->strs, s->p, len);
	s->strs[len] = '\0';
	*out = s->strs;
	s->strs += len + 1;
	s->p = (const char *)q + 1;
	return true;
}

/* A string or null (*out NULL). */
static bool string_or_null(struct privd_scan *s, const char **out)
{
	*out = NULL;
	return word(s, "null", 4) || string(s, out);
}

static bool flag(struct privd_scan *s, int *out)
{
	if (word(s, "true", 4))
		*out = 1;
	else if (word(s, "false", 5))
		*out = 0;
	else
		return false;
	return true;
}

/* The members of an object, each name at most once, until its '}'; the '{' consumed. member() reads one value of
 * the name at index i of names. */
static bool members(struct privd_scan *s, const char *const *names,
                    bool (*member)(struct privd_scan *s, size_t i, void *arg), void *arg)
{
	unsigned seen = 0;

	if (privd_scan_take(s, '}'))
		return true;
	do {
		const char *name;
		char *mark = s->strs;
		size_t i;

		if (!string(s, &name) || !privd_scan_take(s, ':'))
			return false;
		for (i = 0; names[i] != NULL && strcmp(names[i], name) != 0; i++)
			;
		s->strs = mark; /* the name's copy is not kept */
		if (names[i] == NULL || (seen & (1u << i)) || !member(s, i, arg))
			return false;
		seen |= 1u << i;
	} while (privd_scan_take(s, ','));
	return privd_scan_take(s, '}');
}

static bool texts_member(struct privd_scan *s, size_t i, void *arg)
{
	struct privd_registration *reg = arg;

	return string_or_null(s, &reg->texts[i == 0 ? PRIVD_PURPOSE_PROCESSING : PRIVD_PURPOSE_THIRD_PARTY_TRANSFER]);
}

static bool cookies(struct privd_scan *s, struct privd_registration *reg)
{
	if (word(s, "null", 4))
		return true;
	if (!privd_scan_take(s, '['))
		return false;
	if (privd_scan_take(s, ']'))
		return true;
	do {
		char *mark = s->strs;
		const char *name;
		enum privd_purpose p;

		if (!string(s, &name) || privd_cookie_category_parse(name, &p) != PRIVD_OK)
			return false;
		s->strs = mark;
		reg->cookies[p - PRIVD_PURPOSE_COOKIES_PREFERENCES] = true;
	} while (privd_scan_take(s, ','));
	return privd_scan_take(s, ']');
}

static const char *const consent_names[] = {"processing", "third_party_transfer", "cookies", "texts", "language", NULL};

static bool consents_member(struct privd_scan *s, size_t i, void *arg)
{
	static const char *const text_names[] = {"processing", "third_party_transfer", NULL};
	struct privd_registration *reg = arg;

	switch (i) {
	case 0:
		return flag(s, &reg->processing);
	case 1:
		return flag(s, &reg->third_party_transfer);
	case 2:
		return cookies(s, reg);
	case 3:
		return word(s, "null", 4) || (privd_scan_take(s, '{') && members(s, text_names, texts_member, reg));
	default:
		return string_or_null(s, &reg->language);
	}
}

/* The top level's members, in parse_registration's order of its allowed list. */
static const char *const top_names[] = {
    "name",           "email",    "phone",      "ip",       "birth_date", "residence_country",
    "policy_version", "language", "visitor_id", "consents", NULL};

static bool top_member(struct privd_scan *s, size_t i, void *arg)
{
	struct privd_registration *reg = arg;
	const char **strs[] = {&reg->name,           &reg->email,
	                       &reg->phone,          &reg->ip,
	                       &reg->birth_date,     &reg->residence_country,
	                       &reg->policy_version, &reg->notice_language,
	                       &reg->visitor_id};

	if (i < sizeof(strs) / sizeof(strs[0]))
		return string_or_null(s, strs[i]);
	return word(s, "null", 4) || (privd_scan_take(s, '{') && members(s, consent_names, consents_member, reg));
}

bool privd_http_registration_scan(const char *body, size_t len, struct privd_registration *reg, char *strs)
{
	struct privd_scan s = {body, body + len, strs};

	memset(reg, 0, sizeof(*reg));
	reg->processing = -1;
	reg->third_party_transfer = -1;
	if (!privd_scan_take(&s, '{') || !members(&s, top_names, top_member, reg))
		return false;
	privd_scan_ws(&s);
	return s.p == s.end;
}
