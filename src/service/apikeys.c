/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * apikeys.c - API keys: created by an admin, shown once, stored as a keyed hash, checked on every request.
 *
 * Authentication runs on every request, the consent check included, so known keys are cached in memory by
 * hash. A revoked key leaves the cache in the same call (and, on PostgreSQL, in every other process through
 * NOTIFY), so it stops working at once. Unknown keys are remembered too, for a few seconds in a table of fixed size,
 * so that a client repeating a wrong or revoked key costs a hash and a lookup in memory, not a database read each
 * time (it answered them at 0.63x the rate of valid ones); creating or revoking a key anywhere empties that table.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/log.h"
#include "service/service_int.h"

#define PRIVD_KEY_MISSES 16384     /* slots: at most this many unknown keys remembered at once */
#define PRIVD_KEY_MISS_TTL_MS 5000 /* how long one is remembered */

/* The slot of a key's hash: its first 8 hex digits (the hash is keyed, so nobody can aim at a slot). */
static size_t miss_slot(const char *hash)
{
	size_t v = 0;

	for (int i = 0; i < 8 && hash[i] != '\0'; i++)
		v = v * 16 + (size_t)(hash[i] <= '9' ? hash[i] - '0' : (hash[i] | 0x20) - 'a' + 10);
	return v % PRIVD_KEY_MISSES;
}

/* Whether hash was found unknown less than PRIVD_KEY_MISS_TTL_MS ago; *gen receives the table's generation. */
static bool miss_lookup(struct privd_service *svc, const char *hash, int64_t now, uint64_t *gen)
{
	bool hit = false;

	pthread_mutex_lock(&svc->misses_lock);
	*gen = svc->misses_gen;
	if (svc->misses != NULL) {
		const struct privd_key_miss *m = &svc->misses[miss_slot(hash)];

		hit = m->until_ms > now && strcmp(m->hash, hash) == 0;
	}
	pthread_mutex_unlock(&svc->misses_lock);
	return hit;
}

/* Remembers hash as unknown, unless a key was created or revoked since gen was read. */
static void miss_add(struct privd_service *svc, const char *hash, int64_t now, uint64_t gen)
{
	pthread_mutex_lock(&svc->misses_lock);
	if (svc->misses == NULL)
		svc->misses = calloc(PRIVD_KEY_MISSES, sizeof(*svc->misses));
	if (svc->misses != NULL && svc->misses_gen == gen) {
		struct privd_key_miss *m = &svc->misses[miss_slot(hash)];

		snprintf(m->hash, sizeof(m->hash), "%s", hash);
		m->until_ms = now + PRIVD_KEY_MISS_TTL_MS;
	}
	pthread_mutex_unlock(&svc->misses_lock);
}

static void misses_clear(struct privd_service *svc, bool release)
{
	pthread_mutex_lock(&svc->misses_lock);
	svc->misses_gen++;
	if (svc->misses != NULL)
		memset(svc->misses, 0, PRIVD_KEY_MISSES * sizeof(*svc->misses));
	if (release) {
		free(svc->misses);
		svc->misses = NULL;
	}
	pthread_mutex_unlock(&svc->misses_lock);
}

/* Generations come from one counter for the whole process, so that a service opened again at the same address never
 * shows a generation that a thread remembered from the one before it. */
static _Atomic uint64_t generations;

static uint64_t next_generation(void)
{
	return atomic_fetch_add_explicit(&generations, 1, memory_order_relaxed) + 1;
}

void privd_keys_init(struct privd_service *svc)
{
	atomic_init(&svc->keys_gen, next_generation());
}

/* Each thread remembers the last key it authenticated and what it was: a client sends one key on a connection, and
 * one thread serves it request after request. Valid only while the key cache's generation is the one it was read
 * under, and every revocation or creation, here or on another node (the listener), bumps it before anything else
 * can see the change; the key is compared in constant time. It spares the consent check the keyed hash and the
 * shared lock's cache line (bench/README.md). Kept: the key in full, as each request carries it anyway. */
static _Thread_local struct {
	const struct privd_service *svc;
	uint64_t gen;
	size_t len;
	char key[PRIVD_APIKEY_MAX];
	struct privd_principal who;
} last_key;

static bool key_remembered(const struct privd_service *svc, const char *bearer, size_t len, struct privd_principal *out)
{
	if (last_key.svc != svc || last_key.len != len || sodium_memcmp(last_key.key, bearer, len) != 0 ||
	    last_key.gen != atomic_load_explicit(&svc->keys_gen, memory_order_acquire))
		return false;
	*out = last_key.who;
	return true;
}

static void key_remember(const struct privd_service *svc, const char *bearer, size_t len, uint64_t gen,
                         const struct privd_principal *who)
{
	last_key.svc = svc;
	last_key.gen = gen;
	last_key.len = len;
	memcpy(last_key.key, bearer, len);
	last_key.who = *who;
}

/* Looks a key up; *gen receives the cache's generation, so a miss that loads from the database adds its answer
 * only if no revocation ran meanwhile (a revoked key must never be cached back). */
static bool cache_lookup(struct privd_service *svc, const char *hash, struct privd_principal *out, uint64_t *gen)
{
	bool found = false;

	pthread_rwlock_rdlock(&svc->keys_lock);
	*gen = atomic_load_explicit(&svc->keys_gen, memory_order_relaxed);
	for (struct privd_key_entry *e = svc->keys; e != NULL; e = e->next) {
		if (strcmp(e->hash, hash) == 0) {
			out->role = e->role;
			memcpy(out->key_id, e->id, sizeof(out->key_id));
			found = true;
			break;
		}
	}
	pthread_rwlock_unlock(&svc->keys_lock);
	return found;
}

static void cache_add(struct privd_service *svc, const char *hash, const char *id, enum privd_role role, uint64_t gen)
{
	struct privd_key_entry *e = calloc(1, sizeof(*e));

	if (e == NULL)
		return;
	snprintf(e->hash, sizeof(e->hash), "%s", hash);
	snprintf(e->id, sizeof(e->id), "%s", id);
	e->role = role;
	pthread_rwlock_wrlock(&svc->keys_lock);
	if (atomic_load_explicit(&svc->keys_gen, memory_order_relaxed) == gen) {
		e->next = svc->keys;
		svc->keys = e;
		e = NULL;
	}
	pthread_rwlock_unlock(&svc->keys_lock);
	free(e);
}

void privd_keys_invalidate_id(struct privd_service *svc, const char *id)
{
	pthread_rwlock_wrlock(&svc->keys_lock);
	atomic_store_explicit(&svc->keys_gen, next_generation(), memory_order_release);
	for (struct privd_key_entry **pp = &svc->keys; *pp != NULL;) {
		if (strcmp((*pp)->id, id) == 0) {
			struct privd_key_entry *dead = *pp;

			*pp = dead->next;
			free(dead);
		} else {
			pp = &(*pp)->next;
		}
	}
	pthread_rwlock_unlock(&svc->keys_lock);
	misses_clear(svc, false);
}

void privd_keys_cleanup(struct privd_service *svc)
{
	struct privd_key_entry *e, *next;

	pthread_rwlock_wrlock(&svc->keys_lock);
	atomic_store_explicit(&svc->keys_gen, next_generation(), memory_order_release);
	for (e = svc->keys; e != NULL; e = next) {
		next = e->next;
		free(e);
	}
	svc->keys = NULL;
	pthread_rwlock_unlock(&svc->keys_lock);
	misses_clear(svc, true);
}

enum privd_rc privd_service_authenticate(struct privd_service *svc, const char *bearer, struct privd_principal *out)
{
	struct privd_apikey_row row;
	struct privd_reader *r = NULL;
	char hash[PRIVD_HASH_HEX];
	uint64_t gen = 0, miss_gen = 0;
	size_t len;
	int64_t now;
	enum privd_rc rc;

	memset(out, 0, sizeof(*out));
	if (bearer == NULL || strncmp(bearer, "pk_", 3) != 0 || (len = strlen(bearer)) >= PRIVD_APIKEY_MAX)
		return PRIVD_ERR_NOT_FOUND;
	if (key_remembered(svc, bearer, len, out))
		return PRIVD_OK;
	privd_apikey_hash(svc->kr, bearer, hash);
	if (!cache_lookup(svc, hash, out, &gen)) {
		now = privd_now_ms();
		if (miss_lookup(svc, hash, now, &miss_gen)) {
			atomic_fetch_add_explicit(&svc->key_misses_remembered, 1, memory_order_relaxed);
			return PRIVD_ERR_NOT_FOUND;
		}
		atomic_fetch_add_explicit(&svc->key_lookups, 1, memory_order_relaxed);
		rc = privd_reader_get(svc, &r);
		if (rc != PRIVD_OK)
			return rc;
		rc = privd_repo_apikey_by_hash(r->db, hash, &row);
		privd_reader_put(svc, r, rc == PRIVD_ERR_DB);
		if (rc == PRIVD_ERR_NOT_FOUND)
			miss_add(svc, hash, now, miss_gen);
		if (rc != PRIVD_OK)
			return rc;
		if (privd_role_parse(row.role, &out->role) != PRIVD_OK)
			return PRIVD_ERR_NOT_FOUND;
		memcpy(out->key_id, row.id, sizeof(out->key_id));
		cache_add(svc, hash, row.id, out->role, gen);
	}
	snprintf(out->actor, sizeof(out->actor), "apikey:%s", out->key_id);
	key_remember(svc, bearer, len, gen, out);
	return PRIVD_OK;
}

struct create_job {
	struct privd_service *svc;
	const struct privd_principal *who;
	struct privd_apikey_row row;
	char hash[PRIVD_HASH_HEX];
};

static enum privd_rc create_data(struct privd_db *db, void *arg)
{
	struct create_job *j = arg;
	char detail[64];
	struct privd_jsonw w;
	enum privd_rc rc;

	rc = privd_repo_apikey_insert(db, &j->row, j->hash);
	if (rc == PRIVD_OK) /* other nodes forget the keys they remember as unknown */
		rc = privd_db_notify(db, PRIVD_CHAN_APIKEY, j->row.id);
	if (rc != PRIVD_OK)
		return rc;
	privd_jsonw_init(&w, detail, sizeof(detail));
	privd_jsonw_str(&w, "role", j->row.role);
	privd_jsonw_end(&w);
	return privd_audit_append(j->svc, db, j->who->actor, "apikey.create", "apikey", j->row.id, detail);
}

static bool name_ok(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0 || n > 100)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			return false;
	return true;
}

enum privd_rc privd_service_apikey_create(struct privd_service *svc, const struct privd_principal *who,
                                          const char *name, const char *role, struct privd_apikey_info *out, char *key,
                                          size_t key_len, struct privd_err *err)
{
	struct create_job j;
	struct privd_write_job job = {.data = create_data, .arg = &j};
	enum privd_role r;
	char plain[PRIVD_APIKEY_MAX];
	bool bad = false;
	enum privd_rc rc;

	memset(&j, 0, sizeof(j));
	if (!name_ok(name)) {
		privd_err_field(err, "name", "must be 1 to 100 characters without control characters");
		bad = true;
	}
	if (privd_role_parse(role, &r) != PRIVD_OK) {
		privd_err_field(err, "role", "must be one of admin, operator, app, auditor");
		bad = true;
	}
	if (key_len < PRIVD_APIKEY_MAX) {
		privd_err_field(err, "key", "no room for the key");
		bad = true;
	}
	if (bad)
		return privd_err_set(err, PRIVD_ERR_INVALID, "the API key request is invalid");
	j.svc = svc;
	j.who = who;
	privd_random_id(j.row.id);
	snprintf(j.row.name, sizeof(j.row.name), "%s", name);
	snprintf(j.row.role, sizeof(j.row.role), "%s", privd_role_name(r));
	j.row.created_at = privd_now_ms();
	privd_apikey_generate(plain);
	privd_apikey_hash(svc->kr, plain, j.hash);
	rc = privd_writer_run(svc->writer, &job);
	if (rc != PRIVD_OK) {
		sodium_memzero(plain, sizeof(plain));
		return rc;
	}
	privd_keys_invalidate_id(svc, j.row.id); /* this node's unknown keys: the new one may be among them */
	snprintf(key, key_len, "%s", plain);
	sodium_memzero(plain, sizeof(plain));
	memset(out, 0, sizeof(*out));
	memcpy(out->id, j.row.id, sizeof(out->id));
	memcpy(out->name, j.row.name, sizeof(out->name));
	memcpy(out->role, j.row.role, sizeof(out->role));
	out->created_at = j.row.created_at;
	privd_log(PRIVD_LOG_INFO, "apikey.created", "\"id\":\"%s\",\"role\":\"%s\"", out->id, out->role);
	return PRIVD_OK;
}

struct list_ctx {
	int (*cb)(void *arg, const struct privd_apikey_info *k);
	void *arg;
};

static int list_one(void *arg, const struct privd_apikey_row *row)
{
	struct list_ctx *c = arg;
	struct privd_apikey_info k;

	memcpy(k.id, row->id, sizeof(k.id));
	memcpy(k.name, row->name, sizeof(k.name));
	memcpy(k.role, row->role, sizeof(k.role));
	k.created_at = row->created_at;
	k.revoked_at = row->revoked_at;
	return c->cb(c->arg, &k);
}

enum privd_rc privd_service_apikey_list(struct privd_service *svc,
                                        int (*cb)(void *arg, const struct privd_apikey_info *k), void *arg)
{
	struct list_ctx c = {cb, arg};
	struct privd_reader *r = NULL;
	enum privd_rc rc;

	rc = privd_reader_get(svc, &r);
	if (rc != PRIVD_OK)
		return rc;
	rc = privd_repo_apikey_list(r->db, list_one, &c);
	privd_reader_put(svc, r, rc == PRIVD_ERR_DB);
	return rc;
}

struct revoke_job {
	struct privd_service *svc;
	const struct privd_principal *who;
	const char *id;
};

static enum privd_rc revoke_data(struct privd_db *db, void *arg)
{
	struct revoke_job *j = arg;
	enum privd_rc rc;

	rc = privd_repo_apikey_revoke(db, j->id, privd_now_ms());
	if (rc == PRIVD_OK) /* its console sessions end with it (the lookup refuses them already; this records it) */
		rc = privd_repo_console_sessions_end_key(db, j->id, privd_now_ms());
	if (rc == PRIVD_OK)
		rc = privd_audit_append(j->svc, db, j->who->actor, "apikey.revoke", "apikey", j->id, "{}");
	if (rc == PRIVD_OK)
		rc = privd_db_notify(db, PRIVD_CHAN_APIKEY, j->id);
	return rc;
}

enum privd_rc privd_service_apikey_revoke(struct privd_service *svc, const struct privd_principal *who, const char *id,
                                          struct privd_err *err)
{
	struct revoke_job j = {svc, who, id};
	struct privd_write_job job = {.data = revoke_data, .arg = &j};
	enum privd_rc rc;

	if (id == NULL || strlen(id) != 32)
		return privd_err_set(err, PRIVD_ERR_NOT_FOUND, "no active API key has that id");
	rc = privd_writer_run(svc->writer, &job);
	if (rc == PRIVD_ERR_NOT_FOUND)
		return privd_err_set(err, rc, "no active API key has that id");
	if (rc == PRIVD_OK) {
		privd_keys_invalidate_id(svc, id);
		privd_log(PRIVD_LOG_INFO, "apikey.revoked", "\"id\":\"%s\"", id);
	}
	return rc;
}
