/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * smtp.h - e-mail out through an SMTP server, over libcurl.
 *
 * One sender holds one libcurl handle and so one connection, reused from message to message: a fan-out to
 * thousands of people costs one TCP and TLS handshake and one AUTH, not one each. smtp:// upgrades with STARTTLS
 * whenever the server offers it, smtps:// is TLS from the first byte; with a user set, the sender authenticates,
 * and only over TLS: a server that does not offer STARTTLS gets no password, whoever stripped it from its reply.
 * The server's certificate is always verified, against ca_file when one is given.
 * A sender is used by one thread at a time.
 */
#ifndef PRIVD_NOTIFY_SMTP_H
#define PRIVD_NOTIFY_SMTP_H

#include <stdint.h>

#include "core/rc.h"
#include "notify/mail.h"
#include "notify/send.h"

struct privd_smtp_config {
	const char *url;       /* smtp://host[:port] or smtps://host[:port] */
	const char *from;      /* "addr@domain" or "Display Name <addr@domain>" */
	const char *from_name; /* display name used when from has none (the operator's name); may be NULL */
	const char *user;      /* "" or NULL: no AUTH */
	const char *password;  /* with user */
	const char
	    *ca_file; /* PEM certificate authorities to trust instead of the system's; "" or NULL: the system's */
	long timeout_seconds; /* for one message, connection included */
};

struct privd_smtp;

/* Once per process, before any thread sends (libcurl's global state). PRIVD_ERR_INTERNAL when libcurl cannot
 * start. */
enum privd_rc privd_notify_global_init(void);

/* A sender for c (copied). PRIVD_ERR_INVALID naming "smtp.url", "smtp.from" or "smtp.ca_file" (not readable) in
 * err when one is not usable, PRIVD_ERR_NOMEM. Nothing connects until the first message. *out is the caller's
 * (privd_smtp_free). */
enum privd_rc privd_smtp_new(const struct privd_smtp_config *c, struct privd_smtp **out, struct privd_err *err);
/* Closes the connection and frees s, its copy of the password zeroed. Accepts NULL. */
void privd_smtp_free(struct privd_smtp *s);

/* Sends one message to the addr-spec to: a multipart/alternative of text and html under subject, with the
 * Message-ID "<id>@<the sender's domain>" (so a receiving system can drop a repeat) and the Date date_ms.
 * Never fails as a call: the outcome and, when it failed, why (no PII) are in *res. */
void privd_smtp_send(struct privd_smtp *s, const char *id, const char *to, const char *subject, const char *text,
                     const char *html, int64_t date_ms, struct privd_send_result *res);

#endif
