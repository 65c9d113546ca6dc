/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * cookie_config.c - what the cookie banner says about each category: the stored versions, the one in force held in
 * memory, and its one encoding.
 *
 * Every page view of a site with the banner asks for the configuration, so the version in force is answered from
 * memory: its encoding, ready to send, and that encoding's SHA-256 (the ETag). An admin's PUT decodes the document
 * into core's struct, which checks every field (core/cookie.h), encodes it again in a fixed order and appends it as
 * a new version; other processes on the same PostgreSQL database hear of it and reload. The JSON is the stored
 * encoding and the API's at once (jansson is the service's for stored encodings): one codec, so what is stored is
 * what is served. Until an admin sets one, the default shipped in <share>/cookie-config.json is in force (`privd
 * init` stores it as the first version).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "service/service_int.h"

#define DEFAULT_FILE "cookie-config.json"

void privd_cookie_config_doc_clear(struct privd_cookie_config_doc *d)
{
	if (d == NULL)
		return;
	free(d->categories);
	memset(d, 0, sizeof(*d));
}

/* ---- decoding: a JSON document into core's struct, every fault named ---- */

/* Copies string member key of o into dst (size bytes): a missing member, a wrong type or a value too long is a
 * field error named field. */
static void take_str(json_t *o, const char *key, const char *field, bool required, char *dst, size_t size,
                     struct privd_err *err)
{
	json_t *v = json_object_get(o, key);

	dst[0] = '\0';
	if (v == NULL || json_is_null(v)) {
		if (required)
			privd_err_field(err, field, "is required");
		return;
	}
	if (!json_is_string(v)) {
		privd_err_field(err, field, "must be a string");
		return;
	}
	if (json_string_length(v) >= size) {
		privd_err_field(err, field, "is too long");
		return;
	}
	memcpy(dst, json_string_value(v), json_string_length(v) + 1);
}

/* Field errors for every member of o not in allowed (NULL-terminated), named by its position as the API names
 * every unknown member, prefix.#n (the n-th member, from 1, in the order sent): never by the name sent. */
static void only_members(json_t *o, const char *const *allowed, const char *prefix, struct privd_err *err)
{
	const char *k;
	json_t *v;
	size_t at = 0;

	json_object_foreach(o, k, v)
	{
		size_t i = 0;
		char field[96];

		at++;
		while (allowed[i] != NULL && strcmp(allowed[i], k) != 0)
			i++;
		if (allowed[i] != NULL)
			continue;
		snprintf(field, sizeof(field), "%s%s#%zu", prefix, prefix[0] ? "." : "", at);
		privd_err_field(err, field, "is not a known member");
	}
}

/* {"ru": "...", "en": "..."} into texts[lang]. */
static void take_texts(json_t *o, const char *key, const char *prefix, char *texts, size_t size, struct privd_err *err)
{
	static const char *const langs[] = {"ru", "en", NULL};
	json_t *v = json_object_get(o, key);
	char field[96];

	snprintf(field, sizeof(field), "%s.%s", prefix, key);
	if (v == NULL || !json_is_object(v)) {
		privd_err_field(err, field, "must be an object with the texts in ru and en");
		return;
	}
	only_members(v, langs, field, err);
	for (int l = 0; l < PRIVD_COOKIE_LANGS; l++) {
		char f[96];

		snprintf(f, sizeof(f), "%.80s.%s", field, privd_cookie_lang_name(l));
		take_str(v, privd_cookie_lang_name(l), f, true, texts + (size_t)l * size, size, err);
	}
}

/* Member key of the category at prefix as an array of at most max items (absent: none), its field name into field.
 * NULL, with the field error what (naming the items) or "may list at most N <what>", when it is not one. */
static json_t *take_array(json_t *o, const char *key, const char *prefix, size_t max, const char *what, char field[96],
                          struct privd_err *err)
{
	json_t *a = json_object_get(o, key);
	char reason[64];

	snprintf(field, 96, "%s.%s", prefix, key);
	if (a != NULL && !json_is_array(a)) {
		snprintf(reason, sizeof(reason), "must be an array of %s", what);
		privd_err_field(err, field, reason);
		return NULL;
	}
	if (json_array_size(a) > max) {
		snprintf(reason, sizeof(reason), "may list at most %zu %s", max, what);
		privd_err_field(err, field, reason);
		return NULL;
	}
	return a;
}

static void take_services(json_t *o, const char *prefix, struct privd_cookie_category_info *c, struct privd_err *err)
{
	static const char *const members[] = {"name", "url", NULL};
	char field[96], f[96];
	json_t *a = take_array(o, "services", prefix, PRIVD_COOKIE_SERVICES_MAX, "services", field, err), *s;
	size_t i;

	json_array_foreach(a, i, s)
	{
		snprintf(f, sizeof(f), "%.60s[%zu]", field, i);
		if (!json_is_object(s)) {
			privd_err_field(err, f, "must be an object with a name and a url");
			continue;
		}
		only_members(s, members, f, err);
		snprintf(f, sizeof(f), "%.60s[%zu].name", field, i);
		take_str(s, "name", f, true, c->services[i].name, sizeof(c->services[i].name), err);
		snprintf(f, sizeof(f), "%.60s[%zu].url", field, i);
		take_str(s, "url", f, false, c->services[i].url, sizeof(c->services[i].url), err);
	}
	c->nservices = json_array_size(a);
}

static void take_cookies(json_t *o, const char *prefix, struct privd_cookie_category_info *c, struct privd_err *err)
{
	char field[96], f[96];
	json_t *a = take_array(o, "cookies", prefix, PRIVD_COOKIE_NAMES_MAX, "cookie names", field, err), *s;
	size_t i;

	json_array_foreach(a, i, s)
	{
		snprintf(f, sizeof(f), "%.60s[%zu]", field, i);
		if (!json_is_string(s) || json_string_length(s) > PRIVD_COOKIE_NAME_MAX)
			privd_err_field(err, f, "must be a cookie name of at most 100 characters");
		else
			memcpy(c->cookies[i], json_string_value(s), json_string_length(s) + 1);
	}
	c->ncookies = json_array_size(a);
}

static void take_category(json_t *o, const char *name, struct privd_cookie_category_info *c, struct privd_err *err)
{
	static const char *const members[] = {"title", "description", "services", "cookies", NULL};
	char prefix[64];

	snprintf(prefix, sizeof(prefix), "categories.%s", name);
	if (o == NULL || !json_is_object(o)) {
		privd_err_field(err, prefix, "is required: an object with title, description, services and cookies");
		return;
	}
	only_members(o, members, prefix, err);
	take_texts(o, "title", prefix, &c->title[0][0], sizeof(c->title[0]), err);
	take_texts(o, "description", prefix, &c->description[0][0], sizeof(c->description[0]), err);
	take_services(o, prefix, c, err);
	take_cookies(o, prefix, c, err);
}

/* Decodes {"categories": {...}} (root) into c and checks each category given (core/cookie.h). PRIVD_ERR_INVALID
 * naming every field at fault. */
static enum privd_rc decode(json_t *root, struct privd_cookie_config *c, struct privd_err *err)
{
	static const char *const top[] = {"categories", NULL};
	static const char *const names[] = {"necessary", "preferences", "analytics", "marketing", NULL};
	json_t *cats = json_object_get(root, "categories");

	memset(c, 0, sizeof(*c));
	if (!json_is_object(root))
		return privd_err_set(err, PRIVD_ERR_MALFORMED, "the body must be a JSON object");
	only_members(root, top, "", err);
	if (cats == NULL || !json_is_object(cats)) {
		privd_err_field(err, "categories",
		                "is required: an object with necessary, preferences, analytics and "
		                "marketing");
		return privd_err_set(err, PRIVD_ERR_INVALID, "the cookie configuration is invalid");
	}
	only_members(cats, names, "categories", err);
	for (int k = 0; k < PRIVD_COOKIE_CATEGORY_COUNT; k++) {
		json_t *o = json_object_get(cats, names[k]);

		take_category(o, names[k], &c->category[k], err);
		if (json_is_object(o))
			privd_cookie_category_check(&c->category[k], (enum privd_cookie_category)k, err);
	}
	if (err->nfields > 0)
		return privd_err_set(err, PRIVD_ERR_INVALID, "the cookie configuration is invalid");
	return PRIVD_OK;
}

/* ---- encoding: the one order of members ---- */

static json_t *texts_json(const char *texts, size_t size)
{
	return json_pack("{s:s, s:s}", "ru", texts, "en", texts + size);
}

static json_t *category_json(const struct privd_cookie_category_info *c)
{
	json_t *services = json_array(), *cookies = json_array();

	for (size_t i = 0; services != NULL && i < c->nservices; i++)
		json_array_append_new(services,
		                      json_pack("{s:s, s:s}", "name", c->services[i].name, "url", c->services[i].url));
	for (size_t i = 0; cookies != NULL && i < c->ncookies; i++)
		json_array_append_new(cookies, json_string(c->cookies[i]));
	return json_pack("{s:o, s:o, s:o*, s:o*}", "title", texts_json(&c->title[0][0], sizeof(c->title[0])),
	                 "description", texts_json(&c->description[0][0], sizeof(c->description[0])), "services",
	                 services, "cookies", cookies);
}

/* The "categories" object's text, malloc'd; NULL when out of memory. */
static char *encode(const struct privd_cookie_config *c)
{
	json_t *o = json_object();
	char *s = NULL;

	for (int k = 0; o != NULL && k < PRIVD_COOKIE_CATEGORY_COUNT; k++) {
		json_t *v = category_json(&c->category[k]);

		if (v == NULL || json_object_set_new(o, privd_cookie_category_name(k), v) != 0) {
			json_decref(o);
			return NULL;
		}
	}
	if (o != NULL)
		s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	return s;
}

/* Decodes, checks and encodes the document text into *categories (malloc'd) and its SHA-256. */
static enum privd_rc canonical(const char *text, char **categories, char sha256[65], struct privd_err *err)
{
	struct privd_cookie_config *c = calloc(1, sizeof(*c));
	struct privd_err local = {0};
	json_error_t jerr;
	json_t *root = NULL;
	enum privd_rc rc = PRIVD_OK;

	*categories = NULL;
	if (err == NULL)
		err = &local; /* decode counts the faults it names */
	if (c == NULL)
		return PRIVD_ERR_NOMEM;
	root = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		rc = privd_err_set(err, PRIVD_ERR_MALFORMED, "the body is not JSON (line %d, column %d)", jerr.line,
		                   jerr.column);
		goto out;
	}
	rc = decode(root, c, err);
	if (rc != PRIVD_OK)
		goto out;
	*categories = encode(c);
	if (*categories == NULL) {
		rc = PRIVD_ERR_NOMEM;
		goto out;
	}
	privd_sha256_hex((const uint8_t *)*categories, strlen(*categories), sha256);
out:
	json_decref(root);
	free(c);
	return rc;
}

/* ---- the version in force, in memory ---- */

/* Takes categories (malloc'd) as the version in force. */
static void config_set(struct privd_service *svc, char *categories, const char *sha256, int64_t updated_at)
{
	char *old;

	pthread_rwlock_wrlock(&svc->cookie_lock);
	old = svc->cookie_config;
	svc->cookie_config = categories;
	memcpy(svc->cookie_config_sha, sha256, sizeof(svc->cookie_config_sha));
	svc->cookie_config_at = updated_at;
	pthread_rwlock_unlock(&svc->cookie_lock);
	free(old);
}

/* The shipped default, encoded (not stored). */
static enum privd_rc default_config(char **categories, char sha256[65], struct privd_err *err)
{
	char path[1100], *text;
	enum privd_rc rc;

	snprintf(path, sizeof(path), "%s/%s", privd_share_dir(), DEFAULT_FILE);
	text = privd_web_read_file(path, NULL);
	if (text == NULL)
		return privd_err_set(err, PRIVD_ERR_IO, "cannot read the cookie banner's default configuration %s",
		                     path);
	rc = canonical(text, categories, sha256, err);
	free(text);
	if (rc != PRIVD_OK && err != NULL)
		privd_err_set(err, rc, "%s is not a valid cookie configuration: %s", path,
		              err->nfields > 0 ? err->fields[0].field : "malformed");
	return rc;
}

enum privd_rc privd_cookie_config_load(struct privd_service *svc, struct privd_err *err)
{
	struct privd_reader *r = NULL;
	char sha256[65] = "", *text = NULL;
	int64_t at = 0;
	enum privd_rc rc;

	rc = privd_reader_get(svc, &r);
	if (rc != PRIVD_OK)
		return rc;
	rc = privd_repo_cookie_config_current(r->db, &text, sha256, &at);
	privd_reader_put(svc, r, rc == PRIVD_ERR_DB);
	if (rc == PRIVD_ERR_NOT_FOUND) {
		at = 0;
		rc = default_config(&text, sha256, err);
	}
	if (rc != PRIVD_OK) {
		free(text);
		return rc;
	}
	config_set(svc, text, sha256, at);
	return PRIVD_OK;
}

void privd_cookie_config_cleanup(struct privd_service *svc)
{
	free(svc->cookie_config);
	svc->cookie_config = NULL;
}

enum privd_rc privd_service_cookie_config_get(struct privd_service *svc, struct privd_cookie_config_doc *out)
{
	memset(out, 0, sizeof(*out));
	pthread_rwlock_rdlock(&svc->cookie_lock);
	if (svc->cookie_config != NULL)
		out->categories = strdup(svc->cookie_config);
	memcpy(out->sha256, svc->cookie_config_sha, sizeof(out->sha256));
	out->updated_at = svc->cookie_config_at;
	pthread_rwlock_unlock(&svc->cookie_lock);
	if (out->categories == NULL)
		return PRIVD_ERR_NOMEM;
	privd_policy_current_version(svc, out->policy_version, sizeof(out->policy_version));
	return PRIVD_OK;
}

struct put_job {
	struct privd_service *svc;
	const struct privd_principal *who;
	const char *categories;
	const char *sha256;
	int64_t at;
};

static enum privd_rc put_data(struct privd_db *db, void *arg)
{
	struct put_job *j = arg;
	char detail[128];
	struct privd_jsonw w;
	enum privd_rc rc;

	rc = privd_repo_cookie_config_insert(db, j->categories, j->sha256, j->who->actor, j->at);
	if (rc != PRIVD_OK)
		return rc;
	privd_jsonw_init(&w, detail, sizeof(detail));
	privd_jsonw_str(&w, "sha256", j->sha256);
	privd_jsonw_end(&w);
	rc = privd_audit_append(j->svc, db, j->who->actor, "cookie_config.update", "cookie_config", "current", detail);
	if (rc == PRIVD_OK)
		rc = privd_db_notify(db, PRIVD_CHAN_COOKIE_CONFIG, j->sha256);
	return rc;
}

enum privd_rc privd_service_cookie_config_put(struct privd_service *svc, const struct privd_principal *who,
                                              const char *body, struct privd_cookie_config_doc *out,
                                              struct privd_err *err)
{
	struct put_job j = {.svc = svc, .who = who};
	struct privd_write_job job = {.data = put_data, .arg = &j};
	char sha256[65] = "", *categories = NULL;
	enum privd_rc rc;

	rc = canonical(body != NULL ? body : "", &categories, sha256, err);
	if (rc != PRIVD_OK)
		return rc;
	j.categories = categories;
	j.sha256 = sha256;
	j.at = privd_now_ms();
	rc = privd_writer_run(svc->writer, &job);
	if (rc != PRIVD_OK) {
		free(categories);
		return rc;
	}
	privd_log(PRIVD_LOG_INFO, "cookie_config.updated", "\"sha256\":\"%s\"", sha256);
	config_set(svc, categories, sha256, j.at);
	return out != NULL ? privd_service_cookie_config_get(svc, out) : PRIVD_OK;
}

enum privd_rc privd_cookie_config_install_default(struct privd_service *svc, const struct privd_principal *who,
                                                  struct privd_err *err)
{
	struct put_job j = {.svc = svc, .who = who};
	struct privd_write_job job = {.data = put_data, .arg = &j};
	char sha256[65] = "", *categories = NULL;
	enum privd_rc rc;

	rc = default_config(&categories, sha256, err);
	if (rc != PRIVD_OK)
		return rc;
	j.categories = categories;
	j.sha256 = sha256;
	j.at = privd_now_ms();
	rc = privd_writer_run(svc->writer, &job);
	if (rc == PRIVD_OK)
		config_set(svc, categories, sha256, j.at);
	else
		free(categories);
	return rc;
}
