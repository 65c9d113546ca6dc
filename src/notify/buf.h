/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * buf.h - a text written piece by piece, for what notify/ builds: an HTML notice, an e-mail's bytes.
 *
 * Internal to notify/. Both may hold a person's address or the reason they were given, so a buffer that grows is
 * copied and the old one zeroed, and privd_notify_buf_discard zeroes what was written. After a failed allocation
 * every append does nothing, and the caller checks `failed` once at the end.
 */
#ifndef PRIVD_NOTIFY_BUF_H
#define PRIVD_NOTIFY_BUF_H

#include <stdbool.h>
#include <stddef.h>

/* Start from {0}. p is NUL-terminated once anything was written. */
struct privd_notify_buf {
	char *p;
	size_t len, cap;
	bool failed;
};

/* Appends n bytes of s; s as a C string; printf-style (one piece of at most 511 bytes). */
void privd_notify_buf_put(struct privd_notify_buf *b, const char *s, size_t n);
void privd_notify_buf_puts(struct privd_notify_buf *b, const char *s);
void privd_notify_buf_printf(struct privd_notify_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s escaped for HTML text and attribute values (& < > " '), a line break but the last as <br>. */
void privd_notify_buf_html(struct privd_notify_buf *b, const char *s);
/* Zeroes and frees what was written; b is empty afterwards. */
void privd_notify_buf_discard(struct privd_notify_buf *b);

#endif
