/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * lang.c - privd's two languages by name, and choosing one from a browser's Accept-Language (see lang.h).
 *
 * The header is whatever a client sends, so the parser reads it in place, bounded, and never trusts its shape: an
 * item it cannot read is skipped, not an error, since a page is always better shown in some language than
 * refused.
 */
#include "lang.h"

#include <stdbool.h>
#include <stddef.h>

#include "names.h"

static const char *const lang_names[PRIVD_LANG_COUNT] = {
    [PRIVD_LANG_RU] = "ru",
    [PRIVD_LANG_EN] = "en",
};

#define ACCEPT_ITEMS_MAX 32 /* items read from a header; the rest are ignored */

const char *privd_lang_name(enum privd_lang l)
{
	return privd_names_get(lang_names, PRIVD_LANG_COUNT, (int)l);
}

enum privd_rc privd_lang_parse(const char *name, enum privd_lang *out)
{
	int i = privd_names_find(lang_names, PRIVD_LANG_COUNT, name);

	if (i < 0)
		return PRIVD_ERR_INVALID;
	if (out != NULL)
		*out = (enum privd_lang)i;
	return PRIVD_OK;
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool space(char c)
{
	return c == ' ' || c == '\t';
}

/* One item of the list: which language it names (-1: another one, -2: "*") and its weight in thousandths. */
struct item {
	int lang;
	int q;
};

/* The weight after "q=" at s (up to end): 0..1000, or -1 when it is not one. */
static int parse_q(const char *s, const char *end)
{
	int q = 0, digits = 0;

	if (s >= end || (*s != '0' && *s != '1'))
		return -1;
	q = (*s++ - '0') * 1000;
	if (s < end && *s == '.') {
		for (s++; s < end && *s >= '0' && *s <= '9' && digits < 3; s++, digits++)
			q += (*s - '0') * (digits == 0 ? 100 : digits == 1 ? 10 : 1);
	}
	while (s < end && space(*s))
		s++;
	return s == end && q <= 1000 ? q : -1;
}

/* Which of privd's languages the range [s, end) names: its primary subtag, case aside. */
static int range_lang(const char *s, const char *end)
{
	size_t n = 0;

	while (s + n < end && s[n] != '-')
		n++;
	if (n == 1 && s[0] == '*')
		return -2;
	for (int l = 0; l < PRIVD_LANG_COUNT; l++) {
		const char *name = lang_names[l];

		if (n == 2 && lower(s[0]) == name[0] && lower(s[1]) == name[1])
			return l;
	}
	return -1;
}

/* Reads the item that starts at *p, leaving *p after its comma. False when it cannot be read. */
static bool read_item(const char **p, struct item *it)
{
	const char *s = *p, *r0, *r1;

	while (space(*s))
		s++;
	r0 = s;
	while (*s != '\0' && *s != ',' && *s != ';' && !space(*s))
		s++;
	r1 = s;
	it->q = 1000;
	while (*s != '\0' && *s != ',') {
		const char *v;

		while (space(*s) || *s == ';')
			s++;
		v = s;
		while (*s != '\0' && *s != ',' && *s != ';')
			s++;
		if (s - v >= 2 && lower(v[0]) == 'q' && v[1] == '=')
			it->q = parse_q(v + 2, s);
		else if (s > v)
			it->q = -1; /* Accept-Language has no other parameter: the item is not one */
	}
	*p = *s == ',' ? s + 1 : s;
	if (r1 == r0 || it->q < 0)
		return false;
	it->lang = range_lang(r0, r1);
	return true;
}

enum privd_lang privd_lang_negotiate(const char *accept, enum privd_lang def)
{
	struct item items[ACCEPT_ITEMS_MAX];
	bool refused[PRIVD_LANG_COUNT] = {false}, named[PRIVD_LANG_COUNT] = {false};
	int n = 0, best = -1, best_q = 0;

	if ((int)def < 0 || def >= PRIVD_LANG_COUNT)
		def = PRIVD_LANG_DEFAULT;
	for (const char *p = accept; p != NULL && *p != '\0' && n < ACCEPT_ITEMS_MAX;) {
		if (!read_item(&p, &items[n]))
			continue;
		if (items[n].lang >= 0) {
			named[items[n].lang] = true;
			refused[items[n].lang] = refused[items[n].lang] || items[n].q == 0;
		}
		n++;
	}
	for (int i = 0; i < n; i++) {
		int l = items[i].lang;

		if (l == -2) { /* "*": a language the header does not name, the default first */
			l = !named[def] ? (int)def : -1;
			for (int k = 0; l < 0 && k < PRIVD_LANG_COUNT; k++)
				if (!named[k])
					l = k;
		}
		if (l < 0 || refused[l] || items[i].q <= best_q)
			continue;
		best = l;
		best_q = items[i].q;
	}
	return best >= 0 ? (enum privd_lang)best : def;
}
