/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * jsonw.c - JSON objects into a fixed buffer, and JSON string escaping (see jsonw.h).
 *
 * Every piece is written whole or not at all: once one does not fit, the writer stops writing and only
 * remembers it, so the end can put a valid {} in place of a cut text. Escaping is the one place that knows which
 * bytes a JSON string must not hold as they are (the quote, the backslash, control characters); UTF-8 passes
 * through, as the rest of privd's JSON does.
 */
#include "jsonw.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* The escape for c, or NULL when c stands for itself. */
static const char *escape_of(unsigned char c, char buf[8])
{
	if (c == '"')
		return "\\\"";
	if (c == '\\')
		return "\\\\";
	if (c == '\n')
		return "\\n";
	if (c < 0x20) {
		snprintf(buf, 8, "\\u%04x", c);
		return buf;
	}
	return NULL;
}

size_t privd_json_escape(const char *s, char *out, size_t outlen)
{
	size_t need = 0, o = 0;
	bool full = outlen == 0;

	for (; s != NULL && *s != '\0'; s++) {
		char buf[8];
		const char *rep = escape_of((unsigned char)*s, buf);
		size_t n = rep != NULL ? strlen(rep) : 1;

		need += n;
		if (full || o + n >= outlen) {
			full = true;
			continue;
		}
		memcpy(out + o, rep != NULL ? rep : s, n);
		o += n;
	}
	if (outlen > 0)
		out[o] = '\0';
	return need;
}

/* Appends n bytes of s whole, or notes that they do not fit. */
static void put(struct privd_jsonw *w, const char *s, size_t n)
{
	if (w->over || w->len + n >= w->cap) {
		w->over = true;
		return;
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	w->buf[w->len] = '\0';
}

static void put_str(struct privd_jsonw *w, const char *s)
{
	put(w, s, strlen(s));
}

/* "s", escaped. */
static void put_quoted(struct privd_jsonw *w, const char *s)
{
	size_t n;

	put(w, "\"", 1);
	if (w->over)
		return;
	n = privd_json_escape(s, w->buf + w->len, w->cap - w->len);
	if (n >= w->cap - w->len) {
		w->buf[w->len] = '\0';
		w->over = true;
		return;
	}
	w->len += n;
	put(w, "\"", 1);
}

/* The comma before a member when it is not the object's first, then "key":. */
static void member(struct privd_jsonw *w, const char *key)
{
	unsigned bit;

	if (w->depth == 0) {
		w->over = true; /* the object was closed: a broken invariant, reported as not fitting */
		return;
	}
	bit = 1u << (w->depth - 1);
	if (w->has_member & bit)
		put(w, ",", 1);
	w->has_member |= bit;
	put_quoted(w, key);
	put(w, ":", 1);
}

void privd_jsonw_init(struct privd_jsonw *w, char *buf, size_t cap)
{
	memset(w, 0, sizeof(*w));
	w->buf = buf;
	w->cap = cap;
	if (cap > 0)
		buf[0] = '\0';
	put(w, "{", 1);
	w->depth = 1;
}

void privd_jsonw_str(struct privd_jsonw *w, const char *key, const char *val)
{
	member(w, key);
	if (val == NULL)
		put_str(w, "null");
	else
		put_quoted(w, val);
}

void privd_jsonw_int(struct privd_jsonw *w, const char *key, int64_t val)
{
	char num[24];

	member(w, key);
	put(w, num, (size_t)snprintf(num, sizeof(num), "%" PRId64, val));
}

void privd_jsonw_bool(struct privd_jsonw *w, const char *key, bool val)
{
	member(w, key);
	put_str(w, val ? "true" : "false");
}

void privd_jsonw_strs(struct privd_jsonw *w, const char *key, const char *const *vals, size_t n)
{
	member(w, key);
	put(w, "[", 1);
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			put(w, ",", 1);
		put_quoted(w, vals[i]);
	}
	put(w, "]", 1);
}

void privd_jsonw_raw(struct privd_jsonw *w, const char *key, const char *json)
{
	member(w, key);
	put_str(w, json);
}

void privd_jsonw_object(struct privd_jsonw *w, const char *key)
{
	member(w, key);
	if (w->depth >= PRIVD_JSONW_DEPTH) {
		w->over = true;
		return;
	}
	put(w, "{", 1);
	w->has_member &= ~(1u << w->depth);
	w->depth++;
}

void privd_jsonw_close(struct privd_jsonw *w)
{
	if (w->depth <= 1) {
		w->over = true; /* only privd_jsonw_end closes the outer object */
		return;
	}
	put(w, "}", 1);
	w->depth--;
}

enum privd_rc privd_jsonw_end(struct privd_jsonw *w)
{
	for (; w->depth > 0; w->depth--)
		put(w, "}", 1);
	if (!w->over)
		return PRIVD_OK;
	w->len = 0;
	if (w->cap >= 3) {
		memcpy(w->buf, "{}", 3);
		w->len = 2;
	} else if (w->cap > 0) {
		w->buf[0] = '\0';
	}
	return PRIVD_ERR_TOO_LARGE;
}
