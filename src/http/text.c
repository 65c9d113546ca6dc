/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * text.c - bodies written piece by piece: a growing text buffer, with printf-style appends and HTML escaping,
 * for the responses that are not built as a JSON tree (the Prometheus metrics, the access export's page, the
 * destruction record's page, and the portal and console pages to come); and the choice, for a resource that is
 * both a JSON document and a page, of which one to answer with.
 *
 * What shaped it: a page may hold a person's data, so the buffer never grows by realloc, which would leave the
 * old block behind unzeroed; it copies into a new block and zeroes the old one, and a failed buffer is zeroed
 * when it is freed. A failed allocation is remembered rather than returned from every append, so that a renderer
 * writes its page straight through and checks once at the end. Everything from a person goes through the HTML
 * escaping here; no page writes its own.
 */
#include "core/validate.h"
#include "http_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

/* ---- a JSON document or its page ---- */

/* The q value the Accept header gives type/sub: its most specific matching range counts; -1 when none does.
 * Malformed ranges are skipped. */
static double accept_q(const char *accept, const char *type, const char *sub)
{
	const char *p = accept;
	double best = -1;
	int best_spec = -1;

	while (*p != '\0') {
		const char *end = p + strcspn(p, ",");
		const char *r = p, *semi, *slash, *qs;
		size_t tl, sl;
		int spec;
		double q = 1;

		p = *end == ',' ? end + 1 : end;
		while (r < end && (*r == ' ' || *r == '\t'))
			r++;
		semi = memchr(r, ';', (size_t)(end - r));
		if (semi == NULL)
			semi = end;
		slash = memchr(r, '/', (size_t)(semi - r));
		if (slash == NULL)
			continue;
		tl = (size_t)(slash - r);
		sl = strcspn(slash + 1, " \t;,");
		if (slash + 1 + sl > semi)
			sl = (size_t)(semi - slash - 1);
		if (tl == 1 && r[0] == '*')
			spec = 0;
		else if (tl != strlen(type) || strncasecmp(r, type, tl) != 0)
			continue;
		else if (sl == 1 && slash[1] == '*')
			spec = 1;
		else if (sl == strlen(sub) && strncasecmp(slash + 1, sub, sl) == 0)
			spec = 2;
		else
			continue;
		for (qs = semi; qs < end; qs++) {
			if ((qs[0] == ';' || qs[0] == ' ') && (qs[1] == 'q' || qs[1] == 'Q') && qs[2] == '=') {
				q = strtod(qs + 3, NULL);
				break;
			}
		}
		if (spec > best_spec) {
			best_spec = spec;
			best = q;
		}
	}
	return best;
}

bool privd_http_wants_page(struct privd_http_req *r, bool *html)
{
	const char *format = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "format");
	const char *accept = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);

	*html = false;
	if (format != NULL && format[0] != '\0') {
		if (strcmp(format, "html") == 0) {
			*html = true;
		} else if (strcmp(format, "json") != 0) {
			privd_http_reply_invalid(r, "format", "must be json or html");
			return false;
		}
	} else if (accept != NULL) {
		*html = accept_q(accept, "text", "html") > accept_q(accept, "application", "json");
	}
	return true;
}

void privd_http_reply_document(struct privd_http_req *r, bool html, char *text)
{
	if (text == NULL) {
		privd_http_reply_rc(r, PRIVD_ERR_NOMEM, NULL);
		return;
	}
	privd_http_reply_owned(r, MHD_HTTP_OK, html ? "text/html; charset=utf-8" : "application/json", text,
	                       strlen(text));
	privd_http_reply_header(r, MHD_HTTP_HEADER_VARY,
	                        "Accept"); /* no-store, nosniff and the page's policy: server */
}

/* ---- JSON strings as jansson writes them ---- */

/* The letter of c's two-character escape in a JSON string (\\n for a line feed), or 0 when it has none. */
static char short_escape(unsigned char c)
{
	switch (c) {
	case '"':
		return '"';
	case '\\':
		return '\\';
	case '\b':
		return 'b';
	case '\f':
		return 'f';
	case '\n':
		return 'n';
	case '\r':
		return 'r';
	case '\t':
		return 't';
	default:
		return 0;
	}
}

size_t privd_http_json_quote(char *out, const char *s, bool empty_null)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0;

	if (s == NULL || (empty_null && s[0] == '\0'))
		goto null;
	out[o++] = '"';
	while (*p != '\0') {
		size_t n = privd_utf8_decode(p, 4, NULL); /* a NUL ends a sequence before its 4 bytes are read */
		char short_form = short_escape(*p);

		if (n == 0)
			goto null;
		if (short_form != 0) {
			out[o++] = '\\';
			out[o++] = short_form;
		} else if (*p < 0x20) {
			memcpy(out + o, "\\u00", 4);
			out[o + 4] = hex[*p >> 4];
			out[o + 5] = hex[*p & 0xf];
			o += 6;
		} else {
			memcpy(out + o, p, n);
			o += n;
		}
		p += n;
	}
	out[o++] = '"';
	out[o] = '\0';
	return o;
null:
	memcpy(out, "null", 5);
	return 4;
}
