/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * portal.c - the person's portal sessions: a single-use link the app hands a signed-in person, the session it opens,
 * and the principal a session is (role subject, scoped to one subject).
 *
 * What shaped it: the person is not an API client, so the portal runs on a cookie, and a cookie-borne credential
 * must be worth little when stolen: the link works once and lapses as fast as an idle session, the session lapses
 * after [portal] idle_minutes without use, and an erased person's sessions stop with the erasure. Only keyed hashes
 * of the link and the token are stored. last_seen is written at most every twentieth of the idle time, so a page
 * that calls the API many times a minute costs a write a minute and not one per call.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "core/jsonw.h"
#include "core/log.h"
#include "service/portal.h"
#include "service/service_int.h"

#define LINK_PREFIX "pl_"
#define TOKEN_PREFIX "ps_"

/* A random secret with prefix, in the API keys' form (prefix + base64url of 32 bytes). */
static void secret_generate(const char *prefix, char out[PRIVD_APIKEY_MAX])
{
	privd_apikey_generate(out);
	memcpy(out, prefix, 3);
}

static int64_t idle_ms(const struct privd_service *svc)
{
	return (int64_t)svc->cfg.portal_idle_seconds * 1000;
}

struct link_job {
	struct privd_service *svc;
	const struct privd_principal *who;
	struct privd_portal_row row;
	char hash[PRIVD_HASH_HEX];
};

static enum privd_rc link_data(struct privd_db *db, void *arg)
{
	struct link_job *j = arg;
	char detail[80];
	struct privd_jsonw w;
	enum privd_rc rc = privd_repo_portal_insert(db, &j->row, j->hash);

	if (rc != PRIVD_OK)
		return rc;
	privd_jsonw_init(&w, detail, sizeof(detail));
	privd_jsonw_str(&w, "session", j->row.session_id);
	privd_jsonw_end(&w);
	return privd_audit_append(j->svc, db, j->who->actor, "portal.link", "subject", j->row.subject_id, detail);
}

enum privd_rc privd_service_portal_create(struct privd_service *svc, const struct privd_principal *who,
                                          const char *subject_id, char *url, size_t url_len, int64_t *expires_at,
                                          struct privd_err *err)
{
	struct link_job j;
	struct privd_write_job job = {.data = link_data, .arg = &j};
	struct privd_cache_entry e;
	char link[PRIVD_APIKEY_MAX];
	enum privd_rc rc;

	memset(&j, 0, sizeof(j));
	rc = privd_subject_require(svc, subject_id, &e, err);
	if (rc != PRIVD_OK)
		return rc;
	j.svc = svc;
	j.who = who;
	snprintf(j.row.subject_id, sizeof(j.row.subject_id), "%s", subject_id);
	privd_random_id(j.row.session_id);
	j.row.created_at = privd_now_ms();
	secret_generate(LINK_PREFIX, link);
	privd_apikey_hash(svc->kr, link, j.hash);
	rc = privd_writer_run(svc->writer, &job);
	if (rc == PRIVD_OK) {
		char base[sizeof(svc->cfg.public_url) + sizeof(svc->cfg.listen) + 8];

		privd_service_base_url(svc, base, sizeof(base));
		snprintf(url, url_len, "%s/portal/open?token=%s", base, link);
		*expires_at = j.row.created_at + idle_ms(svc);
	}
	sodium_memzero(link, sizeof(link));
	return rc;
}

struct open_job {
	struct privd_service *svc;
	char link_hash[PRIVD_HASH_HEX], token_hash[PRIVD_HASH_HEX];
	int64_t now;
	struct privd_portal_row row;
};

static enum privd_rc open_data(struct privd_db *db, void *arg)
{
	struct open_job *j = arg;
	char actor[80], detail[80];
	struct privd_jsonw w;
	enum privd_rc rc =
	    privd_repo_portal_open(db, j->link_hash, j->token_hash, j->now - idle_ms(j->svc), j->now, &j->row);

	if (rc != PRIVD_OK)
		return rc;
	snprintf(actor, sizeof(actor), "portal:%s", j->row.session_id);
	privd_jsonw_init(&w, detail, sizeof(detail));
	privd_jsonw_str(&w, "session", j->row.session_id);
	privd_jsonw_end(&w);
	return privd_audit_append(j->svc, db, actor, "portal.open", "subject", j->row.subject_id, detail);
}

enum privd_rc privd_service_portal_open(struct privd_service *svc, const char *link, char token[PRIVD_APIKEY_MAX])
{
	struct open_job j;
	struct privd_write_job job = {.data = open_data, .arg = &j};
	enum privd_rc rc;

	memset(&j, 0, sizeof(j));
	token[0] = '\0';
	if (link == NULL || strncmp(link, LINK_PREFIX, 3) != 0 || strlen(link) >= PRIVD_APIKEY_MAX)
		return PRIVD_ERR_NOT_FOUND;
	j.svc = svc;
	j.now = privd_now_ms();
	privd_apikey_hash(svc->kr, link, j.link_hash);
	secret_generate(TOKEN_PREFIX, token);
	privd_apikey_hash(svc->kr, token, j.token_hash);
	rc = privd_writer_run(svc->writer, &job);
	if (rc != PRIVD_OK)
		sodium_memzero(token, PRIVD_APIKEY_MAX);
	else
		privd_log(PRIVD_LOG_INFO, "portal.opened", "\"session\":\"%s\"", j.row.session_id);
	return rc;
}

struct touch_job {
	const char *session_id;
	int64_t now;
};

static enum privd_rc touch_data(struct privd_db *db, void *arg)
{
	struct touch_job *j = arg;

	return privd_repo_portal_touch(db, j->session_id, j->now);
}

enum privd_rc privd_service_portal_authenticate(struct privd_service *svc, const char *token,
                                                struct privd_principal *out, int64_t *expires_at)
{
	struct privd_portal_row row;
	struct privd_reader *r = NULL;
	char hash[PRIVD_HASH_HEX];
	int64_t now = privd_now_ms();
	enum privd_rc rc;

	memset(out, 0, sizeof(*out));
	if (token == NULL || strncmp(token, TOKEN_PREFIX, 3) != 0 || strlen(token) >= PRIVD_APIKEY_MAX)
		return PRIVD_ERR_NOT_FOUND;
	privd_apikey_hash(svc->kr, token, hash);
	rc = privd_reader_get(svc, &r);
	if (rc != PRIVD_OK)
		return rc;
	rc = privd_repo_portal_by_token(r->db, hash, &row);
	privd_reader_put(svc, r, rc == PRIVD_ERR_DB);
	if (rc != PRIVD_OK)
		return rc;
	if (now - row.last_seen > idle_ms(svc))
		return PRIVD_ERR_NOT_FOUND;
	if (now - row.last_seen > idle_ms(svc) / 20) {
		struct touch_job t = {row.session_id, now};
		struct privd_write_job job = {.data = touch_data, .arg = &t};

		rc = privd_writer_run(svc->writer, &job);
		if (rc != PRIVD_OK)
			return rc;
		row.last_seen = now;
	}
	out->role = PRIVD_ROLE_SUBJECT;
	memcpy(out->key_id, row.session_id, sizeof(out->key_id));
	memcpy(out->subject_id, row.subject_id, sizeof(out->subject_id));
	snprintf(out->actor, sizeof(out->actor), "portal:%s", row.session_id);
	if (expires_at != NULL)
		*expires_at = row.last_seen + idle_ms(svc);
	return PRIVD_OK;
}

void privd_service_base_url(struct privd_service *svc, char *out, size_t len)
{
	privd_config_base_url(&svc->cfg, out, len);
}

struct end_job {
	struct privd_service *svc;
	const struct privd_principal *who;
};

static enum privd_rc end_data(struct privd_db *db, void *arg)
{
	struct end_job *j = arg;
	enum privd_rc rc = privd_repo_portal_delete(db, j->who->key_id);

	if (rc != PRIVD_OK)
		return rc;
	return privd_audit_append(j->svc, db, j->who->actor, "portal.close", "subject", j->who->subject_id, "{}");
}

enum privd_rc privd_service_portal_end(struct privd_service *svc, const struct privd_principal *who)
{
	struct end_job j = {svc, who};
	struct privd_write_job job = {.data = end_data, .arg = &j};

	if (who->role != PRIVD_ROLE_SUBJECT)
		return PRIVD_ERR_NOT_FOUND;
	return privd_writer_run(svc->writer, &job);
}

bool privd_service_principal_owns(struct privd_service *svc, const struct privd_principal *who, const char *subject_id,
                                  const char *request_id)
{
	struct privd_reader *r = NULL;
	char owner[33] = "";
	enum privd_rc rc;

	if (who->role != PRIVD_ROLE_SUBJECT)
		return true;
	if (subject_id != NULL)
		return strcmp(subject_id, who->subject_id) == 0;
	if (request_id == NULL || privd_reader_get(svc, &r) != PRIVD_OK)
		return false;
	rc = privd_repo_request_subject(r->db, request_id, owner);
	privd_reader_put(svc, r, rc == PRIVD_ERR_DB);
	return rc == PRIVD_OK && strcmp(owner, who->subject_id) == 0;
}
