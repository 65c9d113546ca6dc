/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * sms.c - the SMS gateway transport (see sms.h).
 *
 * The body is built here, once, and the signature taken over exactly those bytes: a gateway that re-serialised
 * the JSON before checking would fail on a harmless difference in escaping, so the contract is "the raw body".
 * The verdict follows HTTP: a 2xx answer took the message, a 4xx refused it (but a timeout and "too many
 * requests" pass), anything else is worth another attempt.
 */
#include "sms.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "core/jsonw.h"

struct privd_sms {
	CURL *curl;
	char url[1024];
	privd_sms_sign_fn sign;
	void *sign_arg;
	long timeout;
};

static size_t discard(char *buf, size_t size, size_t n, void *arg)
{
	(void)buf;
	(void)arg;
	return size * n;
}

enum privd_rc privd_sms_new(const struct privd_sms_config *c, struct privd_sms **out, struct privd_err *err)
{
	struct privd_sms *s;

	*out = NULL;
	if (c->url == NULL || (strncmp(c->url, "https://", 8) != 0 && strncmp(c->url, "http://", 7) != 0) ||
	    strlen(c->url) >= sizeof(s->url)) {
		privd_err_field(err, "sms.url", "must be an https:// URL");
		return privd_err_set(err, PRIVD_ERR_INVALID, "[sms] url is not an HTTP URL");
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return privd_err_set(err, PRIVD_ERR_NOMEM, "out of memory");
	snprintf(s->url, sizeof(s->url), "%s", c->url);
	s->sign = c->sign;
	s->sign_arg = c->sign_arg;
	s->timeout = c->timeout_seconds > 0 ? c->timeout_seconds : 30;
	s->curl = curl_easy_init();
	if (s->curl == NULL) {
		free(s);
		return privd_err_set(err, PRIVD_ERR_NOMEM, "cannot start libcurl");
	}
	curl_easy_setopt(s->curl, CURLOPT_URL, s->url);
	curl_easy_setopt(s->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(s->curl, CURLOPT_POST, 1L);
	curl_easy_setopt(s->curl, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(s->curl, CURLOPT_CONNECTTIMEOUT, s->timeout < 10 ? s->timeout : 10L);
	curl_easy_setopt(s->curl, CURLOPT_TIMEOUT, s->timeout);
	curl_easy_setopt(s->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(s->curl, CURLOPT_FOLLOWLOCATION, 0L);
	*out = s;
	return PRIVD_OK;
}

void privd_sms_free(struct privd_sms *s)
{
	if (s == NULL)
		return;
	if (s->curl != NULL)
		curl_easy_cleanup(s->curl);
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
	struct curl_slist *h = NULL, *h2;
	char *body = privd_sms_body(id, to, text);
	long status = 0;
	size_t len;
	CURLcode cc;

	memset(res, 0, sizeof(*res));
	res->outcome = PRIVD_SEND_RETRY;
	if (body == NULL) {
		snprintf(res->error, sizeof(res->error), "out of memory");
		return;
	}
	len = strlen(body);
	s->sign(s->sign_arg, body, len, hex);
	snprintf(sig, sizeof(sig), PRIVD_SMS_SIGNATURE_HEADER ": sha256=%s", hex);
	h = curl_slist_append(NULL, "Content-Type: application/json");
	h2 = h != NULL ? curl_slist_append(h, sig) : NULL;
	if (h2 == NULL) {
		snprintf(res->error, sizeof(res->error), "out of memory");
		goto out;
	}
	h = h2;
	curl_easy_setopt(s->curl, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(s->curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(s->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	cc = curl_easy_perform(s->curl);
	curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_setopt(s->curl, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(s->curl, CURLOPT_POSTFIELDS, NULL);
	if (cc != CURLE_OK) {
		snprintf(res->error, sizeof(res->error), "curl %d: %s", (int)cc, curl_easy_strerror(cc));
	} else if (status >= 200 && status < 300) {
		res->outcome = PRIVD_SEND_OK;
	} else {
		if (status >= 400 && status < 500 && status != 408 && status != 429)
			res->outcome = PRIVD_SEND_PERMANENT;
		snprintf(res->error, sizeof(res->error), "sms gateway http %ld", status);
	}
out:
	curl_slist_free_all(h);
	explicit_bzero(body, len);
	free(body);
}
