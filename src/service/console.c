/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * console.c - the operator's console sessions: an API key exchanged once for a cookie and a CSRF token.
 *
 * The console is a page in a browser, and a key kept by a page is a key any script on it can read. So the key
 * is sent once, here, and traded for two random tokens: the cookie's value, which the browser keeps out of
 * scripts' reach (HttpOnly), and a CSRF token the page holds and sends back in a header on every call that
 * changes something, which a page of another site cannot know. Only keyed hashes of both are stored. A session
 * authenticates as its key's role for as long as the key stays active: the lookup joins the key, and revoking
 * it ends its sessions too. Calls are read from the database each time (the console's traffic is an operator's
 * clicks); the last-seen time is written at most once a minute, which is what the idle limit needs.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "core/log.h"
#include "core/time.h"
#include "service/service_int.h"

#define TOUCH_EVERY_MS (60LL * 1000)

/* A random token "<prefix>_<43 base64url characters>". */
static void random_token(const char *prefix, char out[PRIVD_CONSOLE_TOKEN_MAX])
{
	uint8_t raw[32];
	size_t n = (size_t)snprintf(out, PRIVD_CONSOLE_TOKEN_MAX, "%s_", prefix);

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(out + n, PRIVD_CONSOLE_TOKEN_MAX - n, raw, sizeof(raw),
	                  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
}

struct signin_job {
	struct privd_service *svc;
	struct privd_console_session_row row;
	char token_hash[PRIVD_HASH_HEX];
	char actor[80];
};

static enum privd_rc signin_data(struct privd_db *db, void *arg)
{
	struct signin_job *j = arg;
	char detail[64];
	struct privd_jsonw w;
	enum privd_rc rc;

	rc = privd_repo_console_session_insert(db, &j->row, j->token_hash);
	if (rc != PRIVD_OK)
		return rc;
	privd_jsonw_init(&w, detail, sizeof(detail));
	privd_jsonw_str(&w, "role", j->row.role);
	privd_jsonw_end(&w);
	return privd_audit_append(j->svc, db, j->actor, "console.signin", "console_session", j->row.session_id, detail);
}

enum privd_rc privd_service_console_signin(struct privd_service *svc, const char *key,
                                           struct privd_console_session *out, struct privd_err *err)
{
	struct privd_principal who;
	struct signin_job j;
	struct privd_write_job job = {.data = signin_data, .arg = &j};
	enum privd_rc rc;

	memset(out, 0, sizeof(*out));
	memset(&j, 0, sizeof(j));
	rc = privd_service_authenticate(svc, key, &who);
	if (rc == PRIVD_ERR_NOT_FOUND)
		return privd_err_set(err, rc, "a valid API key is required");
	if (rc != PRIVD_OK)
		return rc;
	if ((who.role & (PRIVD_ROLE_OPERATOR | PRIVD_ROLE_ADMIN | PRIVD_ROLE_AUDITOR)) == 0)
		return privd_err_set(err, PRIVD_ERR_FORBIDDEN, "the console is for operator, admin and auditor keys");
	j.svc = svc;
	snprintf(j.actor, sizeof(j.actor), "%s", who.actor);
	privd_random_id(j.row.session_id);
	memcpy(j.row.key_id, who.key_id, sizeof(j.row.key_id));
	snprintf(j.row.role, sizeof(j.row.role), "%s", privd_role_name(who.role));
	random_token("cs", out->token);
	random_token("csrf", out->csrf);
	privd_apikey_hash(svc->kr, out->token, j.token_hash);
	privd_apikey_hash(svc->kr, out->csrf, j.row.csrf_hash);
	j.row.created_at = privd_now_ms();
	j.row.last_seen_at = j.row.created_at;
	j.row.expires_at = j.row.created_at + PRIVD_CONSOLE_TTL_MS;
	rc = privd_writer_run(svc->writer, &job);
	if (rc != PRIVD_OK) {
		sodium_memzero(out, sizeof(*out));
		return rc;
	}
	memcpy(out->session_id, j.row.session_id, sizeof(out->session_id));
	out->role = who.role;
	out->expires_at = j.row.expires_at;
	privd_log(PRIVD_LOG_INFO, "console.signin", "\"session\":\"%s\",\"key\":\"%s\"", out->session_id, who.key_id);
	return PRIVD_OK;
}

static enum privd_rc touch_data(struct privd_db *db, void *arg)
{
	const struct privd_console_session_row *row = arg;

	return privd_repo_console_session_touch(db, row->session_id, row->last_seen_at);
}

enum privd_rc privd_service_console_authenticate(struct privd_service *svc, const char *token, const char *csrf,
                                                 bool need_csrf, struct privd_principal *out)
{
	struct privd_console_session_row row;
	struct privd_reader *r = NULL;
	char hash[PRIVD_HASH_HEX];
	int64_t now = privd_now_ms();
	enum privd_rc rc;

	memset(out, 0, sizeof(*out));
	if (token == NULL || strncmp(token, "cs_", 3) != 0 || strlen(token) >= PRIVD_CONSOLE_TOKEN_MAX)
		return PRIVD_ERR_NOT_FOUND;
	privd_apikey_hash(svc->kr, token, hash);
	rc = privd_reader_get(svc, &r);
	if (rc != PRIVD_OK)
		return rc;
	rc = privd_repo_console_session_by_hash(r->db, hash, now, &row);
	privd_reader_put(svc, r, rc == PRIVD_ERR_DB);
	if (rc != PRIVD_OK)
		return rc;
	if (now - row.last_seen_at >= PRIVD_CONSOLE_IDLE_MS || privd_role_parse(row.role, &out->role) != PRIVD_OK)
		return PRIVD_ERR_NOT_FOUND;
	if (need_csrf) {
		if (csrf == NULL || strlen(csrf) >= PRIVD_CONSOLE_TOKEN_MAX)
			return PRIVD_ERR_FORBIDDEN;
		privd_apikey_hash(svc->kr, csrf, hash);
		if (sodium_memcmp(hash, row.csrf_hash, PRIVD_HASH_HEX - 1) != 0)
			return PRIVD_ERR_FORBIDDEN;
	}
	if (now - row.last_seen_at >= TOUCH_EVERY_MS) {
		struct privd_write_job job = {.data = touch_data, .arg = &row};

		row.last_seen_at = now;
		if (privd_writer_run(svc->writer, &job) != PRIVD_OK)
			privd_log(PRIVD_LOG_WARN, "console.touch_failed", "\"session\":\"%s\"", row.session_id);
	}
	memcpy(out->key_id, row.key_id, sizeof(out->key_id));
	memcpy(out->session_id, row.session_id, sizeof(out->session_id));
	snprintf(out->actor, sizeof(out->actor), "apikey:%s", out->key_id);
	return PRIVD_OK;
}

struct signout_job {
	struct privd_service *svc;
	const struct privd_principal *who;
};

static enum privd_rc signout_data(struct privd_db *db, void *arg)
{
	struct signout_job *j = arg;
	enum privd_rc rc = privd_repo_console_session_end(db, j->who->session_id, privd_now_ms());

	if (rc == PRIVD_OK)
		rc = privd_audit_append(j->svc, db, j->who->actor, "console.signout", "console_session",
		                        j->who->session_id, "{}");
	return rc;
}

enum privd_rc privd_service_console_signout(struct privd_service *svc, const struct privd_principal *who)
{
	struct signout_job j = {svc, who};
	struct privd_write_job job = {.data = signout_data, .arg = &j};

	if (who->session_id[0] == '\0')
		return PRIVD_ERR_NOT_FOUND;
	return privd_writer_run(svc->writer, &job);
}
