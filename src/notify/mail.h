/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * mail.h - one e-mail as the bytes an SMTP server receives: the headers a receiving system checks (From, To, Date,
 * a Message-ID, MIME-Version) and a multipart/alternative body with a plain text and an HTML part.
 *
 * Everything a person reads may be Russian, so every text is UTF-8: the subject and the sender's display name go
 * into RFC 2047 encoded words, and the two parts are base64 in lines of 76, which no mail system rewrites. Pure
 * functions over strings, so the message is unit-tested byte for byte without a server.
 */
#ifndef PRIVD_NOTIFY_MAIL_H
#define PRIVD_NOTIFY_MAIL_H

#include <stddef.h>
#include <stdint.h>

#include "core/rc.h"

#define PRIVD_MAIL_ADDR_MAX 320 /* an addr-spec: 64 for the local part, @, 255 for the domain */

/* A message to build. Strings are borrowed for the call; from_name may be NULL or "". */
struct privd_mail {
	const char *from_name;  /* the sender's display name, UTF-8 */
	const char *from_addr;  /* addr-spec, ASCII */
	const char *to;         /* addr-spec, ASCII */
	const char *subject;    /* one line, UTF-8 */
	const char *text;       /* the text/plain part, UTF-8, lines ending in \n */
	const char *html;       /* the text/html part, UTF-8 */
	const char *message_id; /* the Message-ID without angle brackets: "<local>@<domain>" */
	int64_t date_ms;        /* the Date header, UTC milliseconds */
};

/* Builds m into *out (malloc'd, NUL-terminated, lines ending in CRLF; its length in *len), to be released with
 * free. PRIVD_ERR_INVALID when an address or the Message-ID holds a character that cannot appear in a header
 * (a control character, a space, angle brackets, non-ASCII) or is empty, or the subject holds a line break;
 * PRIVD_ERR_NOMEM. On failure *out is NULL. */
enum privd_rc privd_mail_build(const struct privd_mail *m, char **out, size_t *len, struct privd_err *err);

/* Splits a configured sender, "addr@domain" or "Display Name <addr@domain>", into name (cap_name bytes, "" when
 * none) and addr (PRIVD_MAIL_ADDR_MAX + 1 bytes). PRIVD_ERR_INVALID when it is neither, or the address has no @
 * with something on both sides. */
enum privd_rc privd_mail_split_from(const char *from, char *name, size_t cap_name, char addr[PRIVD_MAIL_ADDR_MAX + 1]);

/* Writes s as RFC 2047 encoded words (UTF-8, B encoding), each at most 75 characters, joined by CRLF and a space
 * (a folded header line), into out (cap bytes, NUL-terminated). Returns the length it needs, as snprintf does;
 * a UTF-8 sequence is never split across words. Cannot fail. */
size_t privd_mail_encode_words(const char *s, char *out, size_t cap);

#endif
