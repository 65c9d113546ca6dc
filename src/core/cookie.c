/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * cookie.c - the cookie categories, the checks of what a site owner configures for the banner, the origins
 * allowed to record choices, and the token bucket (see cookie.h).
 *
 * Everything here reads text that arrived over the network or from a configuration file: each scanner stops at
 * the terminating NUL and counts what it reads. Field errors name the field the way the API spells it.
 */
#include "cookie.h"

#include <stdio.h>
#include <string.h>

#include "names.h"
#include "validate.h"

static const char *const category_names[PRIVD_COOKIE_CATEGORY_COUNT] = {
    [PRIVD_COOKIE_NECESSARY] = "necessary",
    [PRIVD_COOKIE_PREFERENCES] = "preferences",
    [PRIVD_COOKIE_ANALYTICS] = "analytics",
    [PRIVD_COOKIE_MARKETING] = "marketing",
};

static const char *const lang_names[PRIVD_COOKIE_LANGS] = {"ru", "en"};

const char *privd_cookie_category_name(enum privd_cookie_category c)
{
	return privd_names_get(category_names, PRIVD_COOKIE_CATEGORY_COUNT, (int)c);
}

enum privd_rc privd_cookie_category_from(const char *name, enum privd_cookie_category *out)
{
	int i = privd_names_find(category_names, PRIVD_COOKIE_CATEGORY_COUNT, name);

	if (i < 0)
		return PRIVD_ERR_INVALID;
	*out = (enum privd_cookie_category)i;
	return PRIVD_OK;
}

bool privd_cookie_category_purpose(enum privd_cookie_category c, enum privd_purpose *out)
{
	if (c == PRIVD_COOKIE_NECESSARY || (unsigned)c >= PRIVD_COOKIE_CATEGORY_COUNT)
		return false;
	return privd_cookie_category_parse(category_names[c], out) == PRIVD_OK;
}

const char *privd_cookie_lang_name(int lang)
{
	return privd_names_get(lang_names, PRIVD_COOKIE_LANGS, lang);
}

/* ---- the configuration ---- */

/* Checks text (a buffer of max + 1 bytes) as one-line text and trims it in place; a fault names field. */
static void check_text(char *text, size_t max, const char *field, struct privd_err *err)
{
	char out[PRIVD_COOKIE_DESCRIPTION_MAX + 1];
	const char *why = NULL;

	if (privd_validate_text(text, max, out, sizeof(out), &why) != PRIVD_OK) {
		privd_err_field(err, field, why);
		return;
	}
	memcpy(text, out, strlen(out) + 1);
}

static bool url_ok(const char *u)
{
	size_t skip = strncmp(u, "https://", 8) == 0 ? 8 : strncmp(u, "http://", 7) == 0 ? 7 : 0;

	if (skip == 0 || u[skip] == '\0' || u[skip] == '/')
		return false;
	for (const unsigned char *p = (const unsigned char *)u; *p != '\0'; p++)
		if (*p <= 0x20 || *p >= 0x7F || *p == '"' || *p == '<' || *p == '>' || *p == '\\')
			return false;
	return true;
}

/* A cookie-name character (RFC 6265 token), for names a site declares. */
static bool token_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c != '\0' && strchr("!#$%&'+.^_`|~-", c) != NULL);
}

static bool cookie_pattern_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || (n == 1 && s[0] == '*'))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!token_char((unsigned char)s[i]) && !(s[i] == '*' && i == n - 1))
			return false;
	return true;
}

void privd_cookie_category_check(struct privd_cookie_category_info *c, enum privd_cookie_category k,
                                 struct privd_err *err)
{
	const char *name = privd_cookie_category_name(k);
	char field[64];

	for (int l = 0; l < PRIVD_COOKIE_LANGS; l++) {
		snprintf(field, sizeof(field), "categories.%s.title.%s", name, lang_names[l]);
		check_text(c->title[l], PRIVD_COOKIE_TITLE_MAX, field, err);
		snprintf(field, sizeof(field), "categories.%s.description.%s", name, lang_names[l]);
		check_text(c->description[l], PRIVD_COOKIE_DESCRIPTION_MAX, field, err);
	}
	for (size_t i = 0; i < c->nservices && i < PRIVD_COOKIE_SERVICES_MAX; i++) {
		snprintf(field, sizeof(field), "categories.%s.services[%zu].name", name, i);
		check_text(c->services[i].name, PRIVD_COOKIE_SERVICE_MAX, field, err);
		snprintf(field, sizeof(field), "categories.%s.services[%zu].url", name, i);
		if (c->services[i].url[0] != '\0' && !url_ok(c->services[i].url))
			privd_err_field(err, field, "must be an http or https URL without spaces");
	}
	for (size_t i = 0; i < c->ncookies && i < PRIVD_COOKIE_NAMES_MAX; i++) {
		snprintf(field, sizeof(field), "categories.%s.cookies[%zu]", name, i);
		if (!cookie_pattern_ok(c->cookies[i]))
			privd_err_field(err, field, "must be a cookie name, or a prefix of one followed by '*'");
	}
}

enum privd_rc privd_cookie_config_check(struct privd_cookie_config *c, struct privd_err *err)
{
	struct privd_err local = {0};
	struct privd_err *e = err != NULL ? err : &local;
	size_t before = e->nfields;

	for (int k = 0; k < PRIVD_COOKIE_CATEGORY_COUNT; k++)
		privd_cookie_category_check(&c->category[k], (enum privd_cookie_category)k, e);
	if (e->nfields == before)
		return PRIVD_OK;
	return privd_err_set(err, PRIVD_ERR_INVALID, "the cookie configuration is invalid");
}

bool privd_cookie_name_matches(const char *pattern, const char *name)
{
	size_t n = strlen(pattern);

	if (n > 0 && pattern[n - 1] == '*')
		return strncmp(pattern, name, n - 1) == 0;
	return strcmp(pattern, name) == 0;
}

/* ---- visitors and origins ---- */

bool privd_cookie_visitor_valid(const char *id)
{
	size_t i;

	if (id == NULL)
		return false;
	for (i = 0; i < 32; i++)
		if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
			return false;
	return id[32] == '\0';
}

/* One origin of n bytes at s: "http(s)://host[:port]", lowercase host of letters, digits, '-', '.', or an IPv6
 * literal in brackets; a port of 1 to 5 digits. */
static bool origin_ok(const char *s, size_t n)
{
	size_t skip = n > 8 && strncmp(s, "https://", 8) == 0 ? 8 : n > 7 && strncmp(s, "http://", 7) == 0 ? 7 : 0;
	size_t i = skip, digits = 0;

	if (skip == 0)
		return false;
	if (s[i] == '[') {
		for (i++; i < n && s[i] != '\0' && strchr("0123456789abcdef:.", s[i]) != NULL;)
			i++;
		if (i >= n || s[i] != ']')
			return false;
		i++;
	} else {
		size_t start = i;

		while (i < n &&
		       ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '.'))
			i++;
		if (i == start)
			return false;
	}
	if (i < n && s[i] == ':') {
		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			digits++;
		if (digits == 0 || digits > 5)
			return false;
	}
	return i == n;
}

/* Calls fn with each origin of list (without the spaces around it), stopping when it returns true: true then,
 * false when fn never did. */
static bool origins_walk(const char *list, bool (*fn)(const char *s, size_t n, const void *arg), const void *arg)
{
	const char *s = list;

	while (*s != '\0') {
		size_t n;

		while (*s == ' ')
			s++;
		n = strcspn(s, ", ");
		if (fn(s, n, arg))
			return true;
		s += n;
		while (*s == ' ')
			s++;
		if (*s == ',')
			s++;
	}
	return false;
}

static bool origin_bad(const char *s, size_t n, const void *arg)
{
	(void)arg;
	return !origin_ok(s, n);
}

bool privd_cookie_origins_valid(const char *list)
{
	size_t n = strlen(list);

	/* a trailing or doubled comma leaves an empty member, which origin_ok refuses */
	if (n > 0 && list[n - 1] == ',')
		return false;
	return !origins_walk(list, origin_bad, NULL);
}

static bool origin_same(const char *s, size_t n, const void *arg)
{
	const char *origin = arg;

	return strlen(origin) == n && strncmp(s, origin, n) == 0;
}

bool privd_cookie_origin_allowed(const char *list, const char *origin)
{
	if (list == NULL || origin == NULL || origin[0] == '\0')
		return false;
	return origins_walk(list, origin_same, origin);
}

/* ---- the bucket ---- */

bool privd_bucket_take(struct privd_bucket *b, int64_t now_ms, unsigned per_minute, unsigned burst, int64_t *retry_ms)
{
	const int64_t full = (int64_t)burst * 1000;

	if (b->at_ms == 0) {
		b->millitokens = full;
		b->at_ms = now_ms;
	} else if (now_ms > b->at_ms) {
		/* per_minute tokens a minute = per_minute milli-tokens a 60 ms */
		int64_t gained = (now_ms - b->at_ms) * (int64_t)per_minute / 60;

		b->millitokens = gained >= full - b->millitokens ? full : b->millitokens + gained;
		b->at_ms = now_ms;
	}
	if (b->millitokens >= 1000) {
		b->millitokens -= 1000;
		return true;
	}
	if (retry_ms != NULL)
		*retry_ms = per_minute == 0 || burst == 0
		                ? 60000
		                : ((1000 - b->millitokens) * 60 + per_minute - 1) / per_minute;
	return false;
}
