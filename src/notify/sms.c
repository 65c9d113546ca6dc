/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * sms.c - the SMS gateway transport (see sms.h).
 *
 * The body is built here, once, and the signature taken over exactly those bytes: a gateway that re-serialised
 * the JSON before checking would fail on a harmless difference in escaping, so the contract is "the raw body".
 * The POST itself and its verdict are post.c's, which the transfers to third parties share: a 2xx answer took the
 * message, a 4xx refused it (but a timeout and "too many requests" pass), anything else is worth another attempt.
 */
#include "sms.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonw.h"
#include "notify/post.h"

struct privd_sms {
	struct privd_post *post;
	privd_sms_sign_fn sign;
	void *sign_arg;
};

enum privd_rc privd_sms_new(const struct privd_sms_config *c, struct privd_sms **out, struct privd_err *err)
{
	struct privd_sms *s;
	enum privd_rc rc;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return privd_err_set(err, PRIVD_ERR_NOMEM, "out of memory");
	rc = privd_post_new(c->url, c->timeout_seconds, &s->post);
	if (rc != PRIVD_OK) {
		free(s);
		if (rc != PRIVD_ERR_INVALID)
			return privd_err_set(err, rc, "cannot start libcurl");
		privd_err_field(err, "sms.url", "must be an https:// URL");
		return privd_err_set(err, rc, "[sms] url is not an HTTP URL");
	}
	s->sign = c->sign;
	s->sign_arg = c->sign_arg;
	*out = s;
	return PRIVD_OK;
}

void privd_sms_free(struct privd_sms *s)
{
	if (s == NULL)
		return;
	privd_post_free(s->post);
	free(s);
}

/* Appends "key":"<escaped value>" to out at *at (room counted by the caller). */
static void member(char *out, size_t cap, size_t *at, const char *key, const char *value, bool last)
{
	*at += (size_t)snprintf(out + *at, cap - *at, "\"%s\":\"", key);
	*at += privd_json_escape(value, out + *at, cap - *at);
	*at += (size_t)snprintf(out + *at, cap - *at, "\"%s", last ? "}" : ",");
}

char *privd_sms_body(const char *id, const char *to, const char *text)
{
	size_t cap =
	    32 + privd_json_escape(id, NULL, 0) + privd_json_escape(to, NULL, 0) + privd_json_escape(text, NULL, 0);
	size_t at = 1;
	char *out = malloc(cap);

	if (out == NULL)
		return NULL;
	out[0] = '{';
	member(out, cap, &at, "id", id, false);
	member(out, cap, &at, "to", to, false);
	member(out, cap, &at, "text", text, true);
	return out;
}

void privd_sms_send(struct privd_sms *s, const char *id, const char *to, const char *text,
                    struct privd_send_result *res)
{
	char sig[64 + 65], hex[65];
	const char *headers[2] = {"Content-Type: application/json", sig};
	char *body = privd_sms_body(id, to, text);
	size_t len;

	if (body == NULL) {
		memset(res, 0, sizeof(*res));
		res->outcome = PRIVD_SEND_RETRY;
		snprintf(res->error, sizeof(res->error), "out of memory");
		return;
	}
	len = strlen(body);
	s->sign(s->sign_arg, body, len, hex);
	snprintf(sig, sizeof(sig), PRIVD_SMS_SIGNATURE_HEADER ": sha256=%s", hex);
	privd_post_send(s->post, headers, 2, body, len, "sms gateway", res);
	explicit_bzero(body, len);
	free(body);
}
