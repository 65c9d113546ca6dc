/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * sms.h - text messages out through an SMS gateway, as one signed HTTPS POST each.
 *
 * privd speaks no provider's API. It posts {"id","to","text"} as JSON to the configured URL with the header
 * X-Privd-Signature: sha256=<hex HMAC-SHA256 of the exact body under the shared secret>, a contract a small
 * adapter in front of any provider can meet and check (docs/operations.md shows how). "id" is the notice's id and
 * stays the same when a message is sent again, so the adapter can drop a repeat. The signature is computed by the
 * caller's function: this layer holds no crypto library. One sender keeps one libcurl handle, so the connection to
 * the gateway is reused; it is used by one thread at a time.
 */
#ifndef PRIVD_NOTIFY_SMS_H
#define PRIVD_NOTIFY_SMS_H

#include <stddef.h>

#include "core/rc.h"
#include "notify/send.h"

#define PRIVD_SMS_SIGNATURE_HEADER "X-Privd-Signature"

/* Writes the lowercase hex HMAC-SHA256 of the len bytes of body (64 characters and a NUL) into hex. */
typedef void (*privd_sms_sign_fn)(void *arg, const char *body, size_t len, char hex[65]);

struct privd_sms_config {
	const char *url;        /* https://... (http:// is accepted, for a gateway on the same host) */
	privd_sms_sign_fn sign; /* required */
	void *sign_arg;
	long timeout_seconds; /* for one message, connection included */
};

struct privd_sms;

/* A sender for c (copied). PRIVD_ERR_INVALID naming "sms.url" in err when the URL is not http(s)://,
 * PRIVD_ERR_NOMEM. *out is the caller's (privd_sms_free). privd_notify_global_init (smtp.h) must have run. */
enum privd_rc privd_sms_new(const struct privd_sms_config *c, struct privd_sms **out, struct privd_err *err);
void privd_sms_free(struct privd_sms *s); /* accepts NULL */

/* The JSON body of one message, {"id":...,"to":...,"text":...}, malloc'd (the caller zeroes and frees it: it
 * holds the number); NULL when out of memory. The strings are escaped as JSON requires; invalid UTF-8 is sent as
 * it is. */
char *privd_sms_body(const char *id, const char *to, const char *text);

/* Posts one message. 2xx is sent; 408, 429, 5xx and no answer are worth another attempt; any other status is a
 * refusal for good. Never fails as a call: the outcome and, when it failed, why (no PII) are in *res. */
void privd_sms_send(struct privd_sms *s, const char *id, const char *to, const char *text,
                    struct privd_send_result *res);

#endif
