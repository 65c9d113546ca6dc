/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * mail.c - an e-mail's bytes, built by hand (see mail.h).
 *
 * libcurl could assemble MIME parts, but its encoder leaves the header lines to the caller, and the header lines
 * are where mail goes wrong: a subject in Cyrillic must be RFC 2047 words no longer than 75 characters each, split
 * between whole UTF-8 characters; a Date in RFC 5322's own format; a Message-ID the server can log. Building the
 * whole message here keeps every rule in one file that a unit test reads back. Both parts are base64, so no line
 * of the body is longer than 76 characters, none starts with a dot, and the boundary ("=_" cannot occur in
 * base64) never collides with the content.
 */
#include "mail.h"

#include "buf.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define B64_LINE 76
#define WORD_BYTES 42 /* 56 base64 characters; with "=?UTF-8?B?" and "?=", 68: after "Subject: ", 77 <= 78 */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Base64 of n bytes into dst (4 * ceil(n / 3) bytes, no NUL). Returns the characters written. */
static size_t b64_encode(const unsigned char *s, size_t n, char *dst)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)s[i] << 16;

		if (i + 1 < n)
			v |= (unsigned)s[i + 1] << 8;
		if (i + 2 < n)
			v |= s[i + 2];
		dst[o++] = b64[(v >> 18) & 63];
		dst[o++] = b64[(v >> 12) & 63];
		dst[o++] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
		dst[o++] = i + 2 < n ? b64[v & 63] : '=';
	}
	return o;
}

/* A body part: base64 of s in lines of B64_LINE, each ending in CRLF. */
static void put_b64_lines(struct privd_notify_buf *o, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = strlen(s);
	char line[B64_LINE + 2];

	for (size_t i = 0; i < n; i += B64_LINE / 4 * 3) {
		size_t chunk = n - i < B64_LINE / 4 * 3 ? n - i : B64_LINE / 4 * 3;
		size_t k = b64_encode(u + i, chunk, line);

		line[k++] = '\r';
		line[k++] = '\n';
		privd_notify_buf_put(o, line, k);
	}
}

/* How many bytes of s, at most max, end on a UTF-8 character boundary (at least one character when s is not
 * empty, even an invalid one). */
static size_t utf8_cut(const unsigned char *s, size_t n, size_t max)
{
	size_t k;

	if (n <= max)
		return n;
	k = max;
	while (k > 0 && (s[k] & 0xC0) == 0x80)
		k--;
	return k > 0 ? k : max;
}

size_t privd_mail_encode_words(const char *s, char *out, size_t cap)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = strlen(s), need = 0;
	char word[3 + 10 + WORD_BYTES / 3 * 4 + 2 + 1];

	if (cap > 0)
		out[0] = '\0';
	for (size_t i = 0; i < n;) {
		size_t k = utf8_cut(u + i, n - i, WORD_BYTES), w = 0;

		if (i > 0) {
			memcpy(word, "\r\n ", 3);
			w = 3;
		}
		memcpy(word + w, "=?UTF-8?B?", 10);
		w += 10;
		w += b64_encode(u + i, k, word + w);
		memcpy(word + w, "?=", 2);
		w += 2;
		if (need + w < cap) {
			memcpy(out + need, word, w);
			out[need + w] = '\0';
		} else if (cap > 0) {
			out[need < cap ? need : cap - 1] = '\0';
		}
		need += w;
		i += k;
	}
	return need;
}

static void put_words(struct privd_notify_buf *o, const char *s)
{
	size_t need = privd_mail_encode_words(s, NULL, 0);
	char *w = malloc(need + 1);

	if (w == NULL) {
		o->failed = true;
		return;
	}
	privd_mail_encode_words(s, w, need + 1);
	privd_notify_buf_put(o, w, need);
	free(w);
}

/* An addr-spec or Message-ID fit for a header line: printable ASCII without spaces or angle brackets. */
static bool header_token(const char *s)
{
	if (s == NULL || s[0] == '\0')
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p <= ' ' || *p >= 0x7F || *p == '<' || *p == '>' || *p == '"' || *p == '\\' || *p == ',')
			return false;
	return true;
}

/* RFC 5322 date-time in UTC: "Tue, 01 Jul 2025 10:00:00 +0000". */
static void put_date(struct privd_notify_buf *o, int64_t ms)
{
	static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL) {
		o->failed = true;
		return;
	}
	privd_notify_buf_printf(o, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n", days[tm.tm_wday], tm.tm_mday,
	                        months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static void put_part(struct privd_notify_buf *o, const char *boundary, const char *type, const char *content)
{
	privd_notify_buf_printf(
	    o, "--%s\r\nContent-Type: %s; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n", boundary, type);
	put_b64_lines(o, content);
}

static void put_headers(struct privd_notify_buf *o, const struct privd_mail *m, const char *boundary)
{
	privd_notify_buf_puts(o, "From: ");
	if (m->from_name != NULL && m->from_name[0] != '\0') {
		put_words(o, m->from_name);
		privd_notify_buf_puts(o, "\r\n "); /* folded: the address on a line of its own */
	}
	privd_notify_buf_printf(o, "<%s>\r\nTo: <%s>\r\nSubject: ", m->from_addr, m->to);
	put_words(o, m->subject != NULL ? m->subject : "");
	privd_notify_buf_puts(o, "\r\n");
	put_date(o, m->date_ms);
	privd_notify_buf_printf(o, "Message-ID: <%s>\r\n", m->message_id);
	privd_notify_buf_puts(o, "MIME-Version: 1.0\r\nAuto-Submitted: auto-generated\r\n");
	privd_notify_buf_printf(o, "Content-Type: multipart/alternative;\r\n boundary=\"%s\"\r\n\r\n", boundary);
}

enum privd_rc privd_mail_build(const struct privd_mail *m, char **out, size_t *len, struct privd_err *err)
{
	struct privd_notify_buf o = {NULL, 0, 0, false};
	char boundary[96];

	*out = NULL;
	*len = 0;
	if (!header_token(m->from_addr) || !header_token(m->to) || !header_token(m->message_id) ||
	    strlen(m->message_id) > 250)
		return privd_err_set(err, PRIVD_ERR_INVALID, "an address or the message id cannot go into a header");
	if (m->subject != NULL && strpbrk(m->subject, "\r\n") != NULL)
		return privd_err_set(err, PRIVD_ERR_INVALID, "the subject holds a line break");
	if (m->from_name != NULL && strpbrk(m->from_name, "\r\n") != NULL)
		return privd_err_set(err, PRIVD_ERR_INVALID, "the sender's name holds a line break");
	snprintf(boundary, sizeof(boundary), "=_privd_%.40s", m->message_id);
	for (char *p = boundary; *p != '\0'; p++)
		if (*p == '@')
			*p = '_';
	put_headers(&o, m, boundary);
	privd_notify_buf_puts(&o, "This is a message in two formats, plain text and HTML.\r\n\r\n");
	put_part(&o, boundary, "text/plain", m->text != NULL ? m->text : "");
	put_part(&o, boundary, "text/html", m->html != NULL ? m->html : "");
	privd_notify_buf_printf(&o, "--%s--\r\n", boundary);
	if (o.failed) {
		privd_notify_buf_discard(&o);
		return privd_err_set(err, PRIVD_ERR_NOMEM, "out of memory building a message");
	}
	*out = o.p;
	*len = o.len;
	return PRIVD_OK;
}

enum privd_rc privd_mail_split_from(const char *from, char *name, size_t cap_name, char addr[PRIVD_MAIL_ADDR_MAX + 1])
{
	const char *lt = strchr(from, '<'), *gt, *at;
	size_t nlen, alen;
	const char *a = from;

	name[0] = '\0';
	addr[0] = '\0';
	alen = strlen(from);
	if (lt != NULL) {
		gt = strchr(lt, '>');
		if (gt == NULL || gt[1] != '\0')
			return PRIVD_ERR_INVALID;
		nlen = (size_t)(lt - from);
		while (nlen > 0 && from[nlen - 1] == ' ')
			nlen--;
		if (nlen >= 2 && from[0] == '"' && from[nlen - 1] == '"') {
			from++;
			nlen -= 2;
		}
		if (nlen >= cap_name)
			return PRIVD_ERR_INVALID;
		memcpy(name, from, nlen);
		name[nlen] = '\0';
		a = lt + 1;
		alen = (size_t)(gt - a);
	}
	if (alen == 0 || alen > PRIVD_MAIL_ADDR_MAX)
		return PRIVD_ERR_INVALID;
	memcpy(addr, a, alen);
	addr[alen] = '\0';
	at = strrchr(addr, '@');
	if (!header_token(addr) || at == NULL || at == addr || at[1] == '\0') {
		addr[0] = '\0';
		return PRIVD_ERR_INVALID;
	}
	return PRIVD_OK;
}
