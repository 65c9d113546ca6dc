/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * buf.c - the text buffer of notify/ (see buf.h): grows by doubling, never leaves a copy of what it held behind.
 */
#include "buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void privd_notify_buf_put(struct privd_notify_buf *b, const char *s, size_t n)
{
	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 1024;
		char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		p = malloc(cap);
		if (p == NULL) {
			b->failed = true;
			return;
		}
		if (b->p != NULL) {
			memcpy(p, b->p, b->len);
			explicit_bzero(b->p, b->cap);
			free(b->p);
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void privd_notify_buf_puts(struct privd_notify_buf *b, const char *s)
{
	privd_notify_buf_put(b, s, strlen(s));
}

void privd_notify_buf_printf(struct privd_notify_buf *b, const char *fmt, ...)
{
	char piece[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(piece, sizeof(piece), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(piece)) {
		b->failed = true;
		return;
	}
	privd_notify_buf_put(b, piece, (size_t)n);
}

void privd_notify_buf_html(struct privd_notify_buf *b, const char *s)
{
	static const char *const named[256] = {
	    ['&'] = "&amp;", ['<'] = "&lt;", ['>'] = "&gt;", ['"'] = "&quot;", ['\''] = "&#39;"};

	for (; *s != '\0'; s++) {
		const char *e = named[(unsigned char)*s];

		if (e != NULL)
			privd_notify_buf_puts(b, e);
		else if (*s == '\n')
			privd_notify_buf_puts(b, s[1] != '\0' ? "<br>\n" : "");
		else
			privd_notify_buf_put(b, s, 1);
	}
}

void privd_notify_buf_discard(struct privd_notify_buf *b)
{
	if (b->p != NULL)
		explicit_bzero(b->p, b->cap);
	free(b->p);
	memset(b, 0, sizeof(*b));
}
