/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * idempotency.c - Idempotency-Key: what a key's first request was answered, kept 24 hours (see idempotency.h).
 *
 * The threat that shaped it is a client that times out and sends a registration again: the second must not
 * create a second person, even if privd crashed between the write and its answer. So the key is claimed inside
 * the write's own transaction (the writer's tag), and the answer is kept, in a second small commit, before it is
 * sent: a replay either finds the answer, or finds the key taken without one (409: the first took effect) and
 * never runs the write again. Two requests with one key at once are told apart here on one node (a set of keys in
 * flight: the second gets 409 at once) and by the table's primary key across nodes (the second's write is rolled
 * back with its claim).
 *
 * What is kept may be personal data (a registration's answer echoes the person), so a body is sealed: under the
 * person's data key when it belongs to one (the erasure destroys that key with the person, in backups too), under
 * a key of its own otherwise (destroyed when the record expires). The key and the request are kept only as keyed
 * hashes, so a copy of the database cannot confirm a guess of what was sent.
 */
#include "service/idempotency.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/log.h"
#include "service/service_int.h"
#include "store/repo_idem.h"

#define SWEEP_MAX 200
#define BODY_FIELD "idempotent_response"

struct privd_idem {
	struct privd_service *svc;
	struct privd_idem_row row;
	struct privd_write_tag tag;
	struct privd_idem *next; /* in the set of keys in flight */
};

/* The keys in flight on this node, (scope, key hash) each: a handful at a time, so a list. */
static pthread_mutex_t inflight_mu = PTHREAD_MUTEX_INITIALIZER;
static struct privd_idem *inflight;

static bool inflight_add(struct privd_idem *c)
{
	struct privd_idem *p;
	bool added = true;

	pthread_mutex_lock(&inflight_mu);
	for (p = inflight; p != NULL && added; p = p->next)
		added = strcmp(p->row.scope, c->row.scope) != 0 || strcmp(p->row.key_hash, c->row.key_hash) != 0;
	if (added) {
		c->next = inflight;
		inflight = c;
	}
	pthread_mutex_unlock(&inflight_mu);
	return added;
}

static void inflight_remove(struct privd_idem *c)
{
	struct privd_idem **pp;

	pthread_mutex_lock(&inflight_mu);
	for (pp = &inflight; *pp != NULL; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	pthread_mutex_unlock(&inflight_mu);
}

bool privd_idem_scoped(const struct privd_principal *who)
{
	return who->session_id[0] != '\0' || who->key_id[0] != '\0';
}

bool privd_idem_key_valid(const char *key)
{
	size_t n = 0;

	for (; key[n] != '\0'; n++)
		if (key[n] < 0x21 || key[n] > 0x7e || n >= PRIVD_IDEM_KEY_MAX)
			return false;
	return n > 0;
}

static void scope_of(const struct privd_principal *who, char *out, size_t size)
{
	if (who->session_id[0] != '\0')
		snprintf(out, size, "session:%s", who->session_id);
	else if (who->role == PRIVD_ROLE_SUBJECT)
		snprintf(out, size, "portal:%s", who->key_id);
	else
		snprintf(out, size, "key:%s", who->key_id);
}

/* The keyed hashes of the key and of the request (method, path, body). */
static enum privd_rc hashes(struct privd_service *svc, const char *key, const char *method, const char *path,
                            const void *body, size_t len, struct privd_idem_row *row)
{
	size_t head = strlen(method) + strlen(path) + 2;
	uint8_t *buf = malloc(head + len + 1);
	char sha[PRIVD_HASH_HEX], scoped[80 + PRIVD_IDEM_KEY_MAX + 2];

	if (buf == NULL)
		return PRIVD_ERR_NOMEM;
	snprintf((char *)buf, head + 1, "%s\n%s\n", method, path);
	if (len > 0)
		memcpy(buf + head, body, len);
	privd_sha256_hex(buf, head + len, sha);
	sodium_memzero(buf, head + len);
	free(buf);
	privd_blind_index(svc->kr, "idempotency-request", sha, row->request_hash);
	snprintf(scoped, sizeof(scoped), "%s\n%s", row->scope, key);
	privd_blind_index(svc->kr, "idempotency-key", scoped, row->key_hash);
	return PRIVD_OK;
}

/* The tag's part: claims the key in the write's own transaction. */
static enum privd_rc claim(struct privd_db *db, void *arg)
{
	struct privd_idem *c = arg;

	return privd_repo_idem_claim(db, &c->row, c->row.created_at - PRIVD_IDEM_TTL_MS);
}

/* Opens a kept row's answer into *replay; PRIVD_IDEM_ERASED when the key it is sealed under is gone. */
static enum privd_rc replay_of(struct privd_service *svc, struct privd_idem_row *row, enum privd_idem_verdict *verdict,
                               struct privd_idem_response *replay)
{
	struct privd_blob plain = {0};
	const struct privd_vault_opening f = {BODY_FIELD, &row->body, NULL, 0, &plain};
	enum privd_rc rc = PRIVD_OK;

	if (row->body.len > 0) {
		rc = privd_vault_open(svc->vault, NULL, row->sealed_by, &f, 1);
		if (rc == PRIVD_ERR_GONE) {
			*verdict = PRIVD_IDEM_ERASED;
			return PRIVD_OK;
		}
		if (rc != PRIVD_OK)
			return rc;
	}
	*verdict = PRIVD_IDEM_REPLAY;
	replay->status = (unsigned)row->status;
	snprintf(replay->content_type, sizeof(replay->content_type), "%s", row->content_type);
	snprintf(replay->location, sizeof(replay->location), "%s", row->location);
	snprintf(replay->etag, sizeof(replay->etag), "%s", row->etag);
	replay->body = (char *)plain.data;
	replay->len = plain.len;
	return PRIVD_OK;
}

/* What the kept row of c's key (if any) says; PRIVD_ERR_NOT_FOUND when there is none. */
static enum privd_rc look_up(struct privd_service *svc, struct privd_idem *c, enum privd_idem_verdict *verdict,
                             struct privd_idem_response *replay)
{
	struct privd_reader *r = NULL;
	struct privd_idem_row row;
	enum privd_rc rc = privd_reader_get(svc, &r);

	memset(&row, 0, sizeof(row));
	if (rc != PRIVD_OK)
		return rc;
	rc = privd_repo_idem_get(r->db, c->row.scope, c->row.key_hash, c->row.created_at - PRIVD_IDEM_TTL_MS, &row);
	privd_reader_put(svc, r, rc != PRIVD_OK && rc != PRIVD_ERR_NOT_FOUND);
	if (rc != PRIVD_OK)
		goto out;
	if (strcmp(row.request_hash, c->row.request_hash) != 0)
		*verdict = PRIVD_IDEM_MISMATCH;
	else if (row.status == 0)
		*verdict = PRIVD_IDEM_IN_FLIGHT;
	else
		rc = replay_of(svc, &row, verdict, replay);
out:
	privd_blob_clear(&row.body);
	return rc;
}

enum privd_rc privd_idem_begin(struct privd_service *svc, const struct privd_principal *who, const char *key,
                               const char *method, const char *path, const void *body, size_t len,
                               enum privd_idem_verdict *verdict, struct privd_idem **out,
                               struct privd_idem_response *replay)
{
	struct privd_idem *c = calloc(1, sizeof(*c));
	enum privd_rc rc;

	*out = NULL;
	*verdict = PRIVD_IDEM_NEW;
	memset(replay, 0, sizeof(*replay));
	if (c == NULL)
		return PRIVD_ERR_NOMEM;
	c->svc = svc;
	c->row.created_at = privd_now_ms();
	scope_of(who, c->row.scope, sizeof(c->row.scope));
	privd_random_id(c->row.record_id);
	rc = hashes(svc, key, method, path, body, len, &c->row);
	if (rc == PRIVD_OK)
		rc = look_up(svc, c, verdict, replay);
	if (rc == PRIVD_ERR_NOT_FOUND) {
		rc = PRIVD_OK;
		*verdict = inflight_add(c) ? PRIVD_IDEM_NEW : PRIVD_IDEM_IN_FLIGHT;
	}
	if (rc != PRIVD_OK || *verdict != PRIVD_IDEM_NEW) {
		free(c);
		return rc;
	}
	c->tag.record = claim;
	c->tag.arg = c;
	atomic_init(&c->tag.state, PRIVD_TAG_ARMED);
	privd_writer_tag(&c->tag);
	*out = c;
	return PRIVD_OK;
}

void privd_idem_disarm(struct privd_idem *c)
{
	(void)c;
	privd_writer_tag(NULL);
}

/* ---- keeping the answer ---- */

struct keep {
	struct privd_idem *c;
	struct privd_service *svc;
	bool whole;   /* no write claimed the key: insert the row with its answer */
	bool own_key; /* the body is sealed under a key of its own */
	struct privd_wrapped_key key;
};

static enum privd_rc keep_ks(struct privd_db *ks, void *arg)
{
	return privd_vault_store(ks, &((struct keep *)arg)->key);
}

static enum privd_rc keep_ks_undo(struct privd_db *ks, void *arg)
{
	struct keep *k = arg;

	return privd_vault_destroy(k->svc->vault, ks, k->key.id);
}

static enum privd_rc keep_data(struct privd_db *db, void *arg)
{
	struct keep *k = arg;

	if (k->whole)
		return privd_repo_idem_insert(db, &k->c->row, k->c->row.created_at - PRIVD_IDEM_TTL_MS);
	return privd_repo_idem_respond(db, &k->c->row);
}

/* Seals resp's body into c's row: under owner's key when it has one, else under a key of its own (k->key). */
static enum privd_rc seal_body(struct privd_service *svc, struct privd_idem *c, const struct privd_idem_response *resp,
                               const char *owner, struct keep *k)
{
	struct privd_vault_sealing f = {BODY_FIELD, resp->body, resp->len, &c->row.body};
	enum privd_rc rc = PRIVD_ERR_GONE;

	if (resp->len == 0)
		return PRIVD_OK;
	if (owner != NULL && owner[0] != '\0') {
		rc = privd_vault_seal(svc->vault, NULL, owner, &f, 1);
		if (rc == PRIVD_OK)
			snprintf(c->row.sealed_by, sizeof(c->row.sealed_by), "%s", owner);
	}
	if (rc != PRIVD_ERR_GONE && rc != PRIVD_ERR_NOT_FOUND)
		return rc;
	/* no person, or one erased by this very request: a key of its own, destroyed when the record expires */
	snprintf(c->row.sealed_by, sizeof(c->row.sealed_by), "idem:%s", c->row.record_id);
	privd_blob_clear(&c->row.body);
	k->own_key = true;
	return privd_vault_create(svc->vault, c->row.sealed_by, c->row.created_at, &f, 1, &k->key);
}

enum privd_rc privd_idem_finish(struct privd_service *svc, struct privd_idem *c, const struct privd_idem_response *resp,
                                const char *owner, bool *refused)
{
	struct keep k;
	struct privd_write_job job;
	int state = atomic_load(&c->tag.state);
	enum privd_rc rc;

	*refused = state == PRIVD_TAG_REFUSED;
	if (state == PRIVD_TAG_REFUSED || state == PRIVD_TAG_TAKEN)
		return PRIVD_OK; /* refused, or the write failed: nothing took effect to be replayed */
	if (state == PRIVD_TAG_ARMED && (resp->status < 200 || resp->status > 299))
		return PRIVD_OK; /* nothing written and not a success: the client may correct it and send it again */
	memset(&k, 0, sizeof(k));
	k.c = c;
	k.svc = svc;
	k.whole = state == PRIVD_TAG_ARMED;
	c->row.status = (int)resp->status;
	snprintf(c->row.content_type, sizeof(c->row.content_type), "%s", resp->content_type);
	snprintf(c->row.location, sizeof(c->row.location), "%s", resp->location);
	snprintf(c->row.etag, sizeof(c->row.etag), "%s", resp->etag);
	rc = seal_body(svc, c, resp, owner, &k);
	if (rc == PRIVD_OK) {
		memset(&job, 0, sizeof(job));
		job.ks = k.own_key ? keep_ks : NULL;
		job.ks_undo = k.own_key ? keep_ks_undo : NULL;
		job.data = keep_data;
		job.arg = &k;
		rc = privd_writer_run(svc->writer, &job);
	}
	if (rc == PRIVD_ERR_CONFLICT && k.whole)
		rc = PRIVD_OK; /* a request that wrote nothing, answered by another with the same key meanwhile */
	sodium_memzero(&k.key, sizeof(k.key));
	privd_blob_clear(&c->row.body);
	return rc;
}

void privd_idem_end(struct privd_idem *c)
{
	if (c == NULL)
		return;
	inflight_remove(c);
	privd_blob_clear(&c->row.body);
	free(c);
}

void privd_idem_response_clear(struct privd_idem_response *r)
{
	if (r->body != NULL) {
		sodium_memzero(r->body, r->len);
		free(r->body);
	}
	memset(r, 0, sizeof(*r));
}

/* ---- the sweep ---- */

struct sweep {
	struct privd_service *svc;
	char ids[SWEEP_MAX][33];
	char sealed_by[SWEEP_MAX][40];
	size_t n;
};

static enum privd_rc sweep_data(struct privd_db *db, void *arg)
{
	struct sweep *s = arg;
	enum privd_rc rc = PRIVD_OK;
	size_t i;

	for (i = 0; i < s->n && rc == PRIVD_OK; i++)
		rc = privd_repo_idem_delete(db, s->ids[i]);
	return rc;
}

static enum privd_rc sweep_ks_after(struct privd_db *ks, void *arg)
{
	struct sweep *s = arg;
	enum privd_rc rc = PRIVD_OK;
	size_t i;

	for (i = 0; i < s->n && rc == PRIVD_OK; i++)
		if (strncmp(s->sealed_by[i], "idem:", 5) == 0)
			rc = privd_vault_destroy(s->svc->vault, ks, s->sealed_by[i]);
	return rc;
}

void privd_idem_sweep(struct privd_service *svc)
{
	struct sweep *s = calloc(1, sizeof(*s));
	struct privd_reader *r = NULL;
	struct privd_write_job job;
	enum privd_rc rc;

	if (s == NULL || privd_reader_get(svc, &r) != PRIVD_OK)
		goto out;
	s->svc = svc;
	rc = privd_repo_idem_expired(r->db, privd_now_ms() - PRIVD_IDEM_TTL_MS, SWEEP_MAX, s->ids, s->sealed_by, &s->n);
	privd_reader_put(svc, r, rc != PRIVD_OK);
	if (rc != PRIVD_OK || s->n == 0)
		goto out;
	memset(&job, 0, sizeof(job));
	job.data = sweep_data;
	job.ks_after = sweep_ks_after;
	job.arg = s;
	if (privd_writer_run(svc->writer, &job) != PRIVD_OK)
		privd_log(PRIVD_LOG_WARN, "idempotency.sweep_failed", NULL);
	else
		privd_log(PRIVD_LOG_DEBUG, "idempotency.swept", "\"records\":%zu", s->n);
out:
	free(s);
}
