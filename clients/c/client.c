/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * libprivd's calls: each builds a URL from the base and validated path parts (ids are 32 lowercase hex characters,
 * purposes and types a short lowercase word, so nothing needs escaping and nothing foreign reaches the path), makes
 * one request on a fresh libcurl easy handle (so that threads share nothing but the cache), and turns the answer
 * into JSON or, for a status of 400 and up, into struct privd_client_error from the problem+json body. Personal
 * data sent or received is never written anywhere: errors carry only the problem's type, title and field names.
 */
#include "privd-client.h"

#include "cache.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct privd_client {
	char *base;
	char *auth; /* "Authorization: Bearer <key>" */
	long timeout_ms;
	struct pc_cache *cache;
};

struct buf {
	char *p;
	size_t n;
};

const char *privd_client_strerror(enum privd_client_rc rc)
{
	switch (rc) {
	case PRIVD_CLIENT_OK:
		return "ok";
	case PRIVD_CLIENT_EINVAL:
		return "invalid argument";
	case PRIVD_CLIENT_ENOMEM:
		return "out of memory";
	case PRIVD_CLIENT_ETRANSPORT:
		return "transport error";
	case PRIVD_CLIENT_EPROBLEM:
		return "privd answered with a problem";
	case PRIVD_CLIENT_EPROTOCOL:
		return "unexpected answer";
	}
	return "unknown";
}

static void err_clear(struct privd_client_error *err)
{
	if (err)
		memset(err, 0, sizeof *err);
}

static void err_title(struct privd_client_error *err, const char *title)
{
	if (err)
		snprintf(err->title, sizeof err->title, "%s", title);
}

static bool is_id(const char *s)
{
	if (!s || strlen(s) != 32)
		return false;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return false;
	return true;
}

static bool is_word(const char *s)
{
	if (!s || !*s || strlen(s) > 64)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || *s == '_' || *s == '.' || *s == '-'))
			return false;
	return true;
}

enum privd_client_rc privd_client_new(const char *base_url, const char *api_key, struct privd_client **out)
{
	if (!base_url || !api_key || !out || !*base_url || !*api_key)
		return PRIVD_CLIENT_EINVAL;
	*out = NULL;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	struct privd_client *c = calloc(1, sizeof *c);
	if (!c)
		return PRIVD_CLIENT_ENOMEM;
	size_t n = strlen(base_url);
	while (n > 0 && base_url[n - 1] == '/')
		n--;
	c->base = strndup(base_url, n);
	size_t alen = strlen(api_key) + sizeof "Authorization: Bearer ";
	c->auth = malloc(alen);
	c->cache = pc_cache_new();
	c->timeout_ms = 30000;
	if (!c->base || !c->auth || !c->cache) {
		privd_client_free(c);
		return PRIVD_CLIENT_ENOMEM;
	}
	snprintf(c->auth, alen, "Authorization: Bearer %s", api_key);
	*out = c;
	return PRIVD_CLIENT_OK;
}

void privd_client_free(struct privd_client *c)
{
	if (!c)
		return;
	free(c->base);
	if (c->auth) {
		memset(c->auth, 0, strlen(c->auth));
		free(c->auth);
	}
	pc_cache_free(c->cache);
	free(c);
}

void privd_client_set_timeout(struct privd_client *c, long timeout_ms)
{
	c->timeout_ms = timeout_ms < 0 ? 0 : timeout_ms;
}

void privd_client_set_cache_ttl(struct privd_client *c, unsigned ttl_seconds)
{
	pc_cache_set_ttl(c->cache, ttl_seconds);
}

void privd_client_cache_forget(struct privd_client *c, const char *subject_id)
{
	pc_cache_forget(c->cache, subject_id);
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct buf *b = arg;
	size_t n = size * nmemb;
	char *p = realloc(b->p, b->n + n + 1);
	if (!p)
		return 0;
	memcpy(p + b->n, data, n);
	b->n += n;
	p[b->n] = '\0';
	b->p = p;
	return n;
}

/* Fills err from a problem+json body (or from the status alone when the body is not one). */
static void read_problem(const struct buf *b, long status, struct privd_client_error *err)
{
	if (!err)
		return;
	err->status = status;
	json_t *p = b->p ? json_loadb(b->p, b->n, 0, NULL) : NULL;
	const char *type = json_string_value(json_object_get(p, "type"));
	const char *title = json_string_value(json_object_get(p, "title"));
	snprintf(err->type, sizeof err->type, "%s", type ? type : "");
	snprintf(err->title, sizeof err->title, "%s", title ? title : "HTTP error");
	json_t *errors = json_object_get(p, "errors");
	size_t i;
	json_t *e;
	json_array_foreach(errors, i, e)
	{
		const char *f = json_string_value(json_object_get(e, "field"));
		if (!f || err->nfields == PRIVD_CLIENT_MAX_FIELDS)
			continue;
		snprintf(err->fields[err->nfields++], sizeof err->fields[0], "%s", f);
	}
	json_decref(p);
}

/*
 * One call: method on base + path with an optional body of media type ctype. On a 2xx answer *out (may be NULL)
 * is its JSON body; on 400 and up err is filled and EPROBLEM returned.
 */
static enum privd_client_rc call(struct privd_client *c, const char *method, const char *path, const char *ctype,
                                 const void *body, size_t len, json_t **out, struct privd_client_error *err)
{
	enum privd_client_rc rc = PRIVD_CLIENT_ENOMEM;
	struct buf b = {0};
	struct curl_slist *h = NULL;
	char *url = NULL, ct[128];
	long status = 0;
	CURL *e = curl_easy_init();
	if (!e || asprintf(&url, "%s%s", c->base, path) < 0) {
		url = NULL;
		goto out;
	}
	snprintf(ct, sizeof ct, "Content-Type: %s", ctype ? ctype : "application/json");
	if (!(h = curl_slist_append(h, c->auth)) || !(h = curl_slist_append(h, "Accept: application/json")) ||
	    (body && !(h = curl_slist_append(h, ct))))
		goto out;
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, c->timeout_ms);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, &b);
	if (body) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	}
	CURLcode cc = curl_easy_perform(e);
	if (cc != CURLE_OK) {
		rc = PRIVD_CLIENT_ETRANSPORT;
		err_title(err, curl_easy_strerror(cc));
		goto out;
	}
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
	if (status >= 400) {
		rc = PRIVD_CLIENT_EPROBLEM;
		read_problem(&b, status, err);
		goto out;
	}
	rc = PRIVD_CLIENT_OK;
	if (out) {
		*out = b.p ? json_loadb(b.p, b.n, 0, NULL) : NULL;
		if (!*out) {
			rc = PRIVD_CLIENT_EPROTOCOL;
			if (err)
				err->status = status;
			err_title(err, "the answer is not JSON");
		}
	}
out:
	curl_slist_free_all(h);
	if (e)
		curl_easy_cleanup(e);
	free(url);
	free(b.p);
	return rc;
}

/* call() with a JSON body. */
static enum privd_client_rc call_json(struct privd_client *c, const char *method, const char *path, json_t *body,
                                      json_t **out, struct privd_client_error *err)
{
	char *s = json_dumps(body, JSON_COMPACT);
	if (!s)
		return PRIVD_CLIENT_ENOMEM;
	enum privd_client_rc rc = call(c, method, path, NULL, s, strlen(s), out, err);
	/* the body may hold personal data: do not leave it in freed memory */
	memset(s, 0, strlen(s));
	free(s);
	return rc;
}

static void set_out(json_t **dst, json_t *v)
{
	if (dst)
		*dst = v;
	else
		json_decref(v);
}

enum privd_client_rc privd_client_register(struct privd_client *c, json_t *person, json_t **subject,
                                           struct privd_client_error *err)
{
	json_t *r = NULL;
	err_clear(err);
	if (!c || !json_is_object(person))
		return PRIVD_CLIENT_EINVAL;
	enum privd_client_rc rc = call_json(c, "POST", "/v1/subjects", person, &r, err);
	if (rc == PRIVD_CLIENT_OK && !json_is_string(json_object_get(r, "id"))) {
		rc = PRIVD_CLIENT_EPROTOCOL;
		err_title(err, "the subject has no id");
		json_decref(r);
		r = NULL;
	}
	if (rc == PRIVD_CLIENT_OK)
		set_out(subject, r);
	return rc;
}

enum privd_client_rc privd_client_consent_check(struct privd_client *c, const char *subject_id, const char *purpose,
                                                bool *granted, bool *from_cache, struct privd_client_error *err)
{
	char path[160];
	json_t *r = NULL;
	err_clear(err);
	if (from_cache)
		*from_cache = false;
	if (!c || !is_id(subject_id) || !is_word(purpose) || !granted)
		return PRIVD_CLIENT_EINVAL;
	if (pc_cache_on(c->cache) && pc_cache_get(c->cache, subject_id, purpose, granted)) {
		if (from_cache)
			*from_cache = true;
		return PRIVD_CLIENT_OK;
	}
	snprintf(path, sizeof path, "/v1/subjects/%s/consents/%s", subject_id, purpose);
	enum privd_client_rc rc = call(c, "GET", path, NULL, NULL, 0, &r, err);
	if (rc != PRIVD_CLIENT_OK)
		return rc;
	json_t *g = json_object_get(r, "granted");
	if (!json_is_boolean(g)) {
		json_decref(r);
		err_title(err, "the check has no granted");
		return PRIVD_CLIENT_EPROTOCOL;
	}
	*granted = json_is_true(g);
	json_decref(r);
	pc_cache_put(c->cache, subject_id, purpose, *granted);
	return PRIVD_CLIENT_OK;
}

enum privd_client_rc privd_client_request_file(struct privd_client *c, const char *subject_id, const char *type,
                                               json_t *details, const char *question, json_t **request,
                                               struct privd_client_error *err)
{
	char path[96];
	json_t *r = NULL;
	err_clear(err);
	if (!c || !is_id(subject_id) || !is_word(type) || (details && !json_is_object(details)))
		return PRIVD_CLIENT_EINVAL;
	json_t *q = question ? json_string(question) : NULL;
	if (question && !q)
		return PRIVD_CLIENT_EINVAL; /* not UTF-8 */
	json_t *body = json_pack("{ss}", "type", type);
	if (!body || (details && json_object_set(body, "details", details) != 0) ||
	    (q && json_object_set(body, "question", q) != 0)) {
		json_decref(q);
		json_decref(body);
		return PRIVD_CLIENT_ENOMEM;
	}
	json_decref(q);
	snprintf(path, sizeof path, "/v1/subjects/%s/requests", subject_id);
	enum privd_client_rc rc = call_json(c, "POST", path, body, &r, err);
	json_decref(body);
	if (rc == PRIVD_CLIENT_OK)
		set_out(request, r);
	return rc;
}

enum privd_client_rc privd_client_request_document(struct privd_client *c, const char *request_id,
                                                   const char *media_type, const void *data, size_t len,
                                                   json_t **request, struct privd_client_error *err)
{
	char path[96];
	json_t *r = NULL;
	err_clear(err);
	if (!c || !is_id(request_id) || !media_type || strchr(media_type, '\n') || strchr(media_type, '\r') ||
	    (!data && len > 0))
		return PRIVD_CLIENT_EINVAL;
	snprintf(path, sizeof path, "/v1/requests/%s/document", request_id);
	enum privd_client_rc rc = call(c, "PUT", path, media_type, data ? data : "", len, &r, err);
	if (rc == PRIVD_CLIENT_OK)
		set_out(request, r);
	return rc;
}

enum privd_client_rc privd_client_request_get(struct privd_client *c, const char *request_id, json_t **request,
                                              struct privd_client_error *err)
{
	char path[96];
	json_t *r = NULL;
	err_clear(err);
	if (!c || !is_id(request_id))
		return PRIVD_CLIENT_EINVAL;
	snprintf(path, sizeof path, "/v1/requests/%s", request_id);
	enum privd_client_rc rc = call(c, "GET", path, NULL, NULL, 0, &r, err);
	if (rc == PRIVD_CLIENT_OK)
		set_out(request, r);
	return rc;
}
