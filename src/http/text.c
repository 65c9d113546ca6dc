/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * text.c - bodies written piece by piece: a growing text buffer, with printf-style appends and HTML escaping,
 * for the responses that are not built as a JSON tree (the Prometheus metrics, the access export's page, and the
 * portal and console pages to come).
 *
 * What shaped it: a page may hold a person's data, so the buffer never grows by realloc, which would leave the
 * old block behind unzeroed; it copies into a new block and zeroes the old one, and a failed buffer is zeroed
 * when it is freed. A failed allocation is remembered rather than returned from every append, so that a renderer
 * writes its page straight through and checks once at the end. Everything from a person goes through the HTML
 * escaping here; no page writes its own.
 */
#include "http_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEXT_MIN_CAP 4096

/* Room for n more bytes and the NUL; false (and t failed) when out of memory. */
static bool reserve(struct privd_http_text *t, size_t n)
{
	size_t cap = t->cap != 0 ? t->cap : TEXT_MIN_CAP;
	char *p;

	if (t->failed)
		return false;
	if (t->len + n + 1 <= t->cap)
		return true;
	while (cap < t->len + n + 1)
		cap *= 2;
	p = malloc(cap);
	if (p == NULL) {
		t->failed = true;
		return false;
	}
	if (t->buf != NULL)
		memcpy(p, t->buf, t->len + 1);
	privd_http_free_zero(t->buf);
	t->buf = p;
	t->cap = cap;
	return true;
}

void privd_http_text_put(struct privd_http_text *t, const char *s, size_t n)
{
	if (!reserve(t, n))
		return;
	memcpy(t->buf + t->len, s, n);
	t->len += n;
	t->buf[t->len] = '\0';
}

void privd_http_text_puts(struct privd_http_text *t, const char *s)
{
	privd_http_text_put(t, s, strlen(s));
}

void privd_http_text_printf(struct privd_http_text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		t->failed = true;
		return;
	}
	if (!reserve(t, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	t->len += (size_t)n;
}

void privd_http_text_html(struct privd_http_text *t, const char *s)
{
	const char *run = s;

	for (; *s != '\0'; s++) {
		const char *e;

		switch (*s) {
		case '<':
			e = "&lt;";
			break;
		case '>':
			e = "&gt;";
			break;
		case '&':
			e = "&amp;";
			break;
		case '"':
			e = "&quot;";
			break;
		case '\'':
			e = "&#39;";
			break;
		default:
			continue;
		}
		privd_http_text_put(t, run, (size_t)(s - run));
		privd_http_text_puts(t, e);
		run = s + 1;
	}
	privd_http_text_put(t, run, (size_t)(s - run));
}

char *privd_http_text_take(struct privd_http_text *t, size_t *len)
{
	char *out = t->buf;

	if (!t->failed && out == NULL) /* nothing was written: an empty text */
		out = calloc(1, 1);
	if (t->failed && out != NULL) {
		privd_http_free_zero(out);
		out = NULL;
	}
	if (len != NULL)
		*len = out != NULL ? t->len : 0;
	t->buf = NULL;
	t->len = t->cap = 0;
	t->failed = false;
	return out;
}
