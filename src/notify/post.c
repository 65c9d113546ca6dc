/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * post.c - one HTTP POST with a verdict (see post.h). The handle is set up once; each message sets its headers and
 * body, performs, and clears them again, so nothing of one message is left on the handle for the next.
 */
#include "post.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

struct privd_post {
	CURL *curl;
	char url[1024];
};

static size_t discard(char *buf, size_t size, size_t n, void *arg)
{
	(void)buf;
	(void)arg;
	return size * n;
}

enum privd_rc privd_post_new(const char *url, long timeout_seconds, struct privd_post **out)
{
	struct privd_post *p;
	long timeout = timeout_seconds > 0 ? timeout_seconds : 30;

	*out = NULL;
	if (url == NULL || (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0) ||
	    strlen(url) >= sizeof(p->url))
		return PRIVD_ERR_INVALID;
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return PRIVD_ERR_NOMEM;
	snprintf(p->url, sizeof(p->url), "%s", url);
	p->curl = curl_easy_init();
	if (p->curl == NULL) {
		free(p);
		return PRIVD_ERR_NOMEM;
	}
	curl_easy_setopt(p->curl, CURLOPT_URL, p->url);
	curl_easy_setopt(p->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(p->curl, CURLOPT_POST, 1L);
	curl_easy_setopt(p->curl, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(p->curl, CURLOPT_CONNECTTIMEOUT, timeout < 10 ? timeout : 10L);
	curl_easy_setopt(p->curl, CURLOPT_TIMEOUT, timeout);
	curl_easy_setopt(p->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(p->curl, CURLOPT_FOLLOWLOCATION, 0L);
	*out = p;
	return PRIVD_OK;
}

void privd_post_free(struct privd_post *p)
{
	if (p == NULL)
		return;
	if (p->curl != NULL)
		curl_easy_cleanup(p->curl);
	free(p);
}

const char *privd_post_url(const struct privd_post *p)
{
	return p->url;
}

void privd_post_send(struct privd_post *p, const char *const *headers, size_t n, const void *body, size_t len,
                     const char *who, struct privd_send_result *res)
{
	struct curl_slist *h = NULL;
	long status = 0;
	CURLcode cc;

	memset(res, 0, sizeof(*res));
	res->outcome = PRIVD_SEND_RETRY;
	for (size_t i = 0; i < n; i++) {
		struct curl_slist *more = curl_slist_append(h, headers[i]);

		if (more == NULL) {
			snprintf(res->error, sizeof(res->error), "out of memory");
			curl_slist_free_all(h);
			return;
		}
		h = more;
	}
	curl_easy_setopt(p->curl, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(p->curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(p->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	cc = curl_easy_perform(p->curl);
	curl_easy_getinfo(p->curl, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_setopt(p->curl, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(p->curl, CURLOPT_POSTFIELDS, NULL);
	if (cc != CURLE_OK) {
		snprintf(res->error, sizeof(res->error), "curl %d: %s", (int)cc, curl_easy_strerror(cc));
	} else if (status >= 200 && status < 300) {
		res->outcome = PRIVD_SEND_OK;
	} else {
		if (status >= 400 && status < 500 && status != 408 && status != 429)
			res->outcome = PRIVD_SEND_PERMANENT;
		snprintf(res->error, sizeof(res->error), "%s http %ld", who, status);
	}
	curl_slist_free_all(h);
}
