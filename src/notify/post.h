/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * post.h - one HTTP POST out of privd, with a verdict delivery can act on: the piece the SMS gateway and the
 * transfers to third parties share.
 *
 * Both hand a body to a party over HTTPS and need the same three answers: taken (2xx), worth another attempt (no
 * answer, a timeout, 408, 429, a 5xx), or refused for good (any other status). A poster keeps one libcurl handle,
 * so the connection (and its TLS session) is reused from message to message; it is used by one thread at a time.
 * Redirects are not followed: a party that moved must be registered again, not followed to wherever it points.
 */
#ifndef PRIVD_NOTIFY_POST_H
#define PRIVD_NOTIFY_POST_H

#include <stddef.h>

#include "core/rc.h"
#include "notify/send.h"

struct privd_post;

/* A poster to url (copied; http:// or https://, at most 1023 bytes) with a timeout for one message, connection
 * included (<= 0: 30 seconds). PRIVD_ERR_INVALID for another URL, PRIVD_ERR_NOMEM. privd_notify_global_init
 * (smtp.h) must have run. *out is the caller's (privd_post_free). */
enum privd_rc privd_post_new(const char *url, long timeout_seconds, struct privd_post **out);
void privd_post_free(struct privd_post *p); /* accepts NULL */
/* The URL it posts to. Never NULL. */
const char *privd_post_url(const struct privd_post *p);

/* Posts the len bytes of body with headers ("Name: value", n of them; no PII in them). 2xx is PRIVD_SEND_OK;
 * 408, 429, 5xx and no answer are PRIVD_SEND_RETRY; any other status PRIVD_SEND_PERMANENT. Never fails as a call:
 * the outcome and, when it failed, why ("<who> http 503", "curl 7: ...", never anything of the body) are in *res. */
void privd_post_send(struct privd_post *p, const char *const *headers, size_t n, const void *body, size_t len,
                     const char *who, struct privd_send_result *res);

#endif
