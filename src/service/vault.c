/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * vault.c - every data key and message key privd holds passes through here, and nowhere else.
 *
 * A subject's PII is sealed under a data key of its own, wrapped by the master key in the keystore; a notice's
 * recipient and text under a message key of its own. Keys are made here (fresh, wrapped, the sealing done before
 * the key is zeroed), unwrapped here, destroyed here, and the use cases see only owner ids, field names and blobs.
 * Sealing and opening take whole batches of fields, so a use case that seals five fields unwraps (or makes) one
 * key once.
 *
 * Unwrapped data keys are cached, because the paths that seal or open without the subject row in hand (a consent
 * recorded with an IP, a request's texts) would otherwise read the keystore and unwrap on every call. The cache is
 * bounded (8,192 keys in 448 KiB, 8-way set-associative, least recently used out: with 1,024 keys in 4 ways, an
 * application changing the consents of 1,000 people in turn missed on half of them, the sets their ids fell in
 * holding more than four), in memory from sodium_malloc:
 * locked where the system allows it, behind guard pages, and zeroed when an entry is dropped and when the vault is
 * freed. What shaped it is crypto-shredding: an erased subject's key must not live on in memory. So an entry is
 * dropped when its key is destroyed here, and when another process erases the subject (PostgreSQL: the listener
 * hears the erasure's NOTIFY); caching is off whenever this process could miss such news (PostgreSQL without a
 * connected listener). Two guards keep a destroyed key from coming back while it is being unwrapped. Every drop
 * bumps its set's generation, and an unwrap caches its key only if the generation it read before looking is
 * unchanged; a destruction drops the key in its transaction and again once that has committed, so an unwrap that
 * read the key before the commit cannot cache it after. And an unwrap caches only the key of a subject not erased
 * when read after that generation: an erasure commits its tombstone before its keys are destroyed and before its
 * NOTIFY is heard elsewhere, so either the unwrap sees the tombstone, or the drop comes after the generation was
 * read. Message keys ("msg:<id>") are never cached. A key held for one operation (unwrapped, or made) sits in the
 * thread's locked scratch (crypto/secmem.h), never on the stack, and is zeroed as soon as the operation is done.
 */
#include "service/vault.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/log.h"
#include "crypto/envelope.h"
#include "crypto/secmem.h"
#include "service/service_int.h"

#define CACHE_WAYS 8
#define CACHE_SETS 1024 /* 8,192 keys in 448 KiB */

struct slot {
	uint64_t used; /* the tick of its last use; 0 = empty */
	uint8_t id[16];
	uint8_t key[PRIVD_KEY_BYTES];
};

struct privd_vault {
	struct privd_service *svc; /* its readers */
	struct privd_keyset *keys; /* the master keys */
	pthread_mutex_t lock;      /* guards what follows */
	bool caching;
	uint64_t tick;
	uint64_t generation[CACHE_SETS]; /* bumped by every drop in the set */
	struct slot *slots;              /* CACHE_SETS * CACHE_WAYS, sodium_malloc'd; NULL = no cache */
};

struct privd_vault_lent {
	const uint8_t *key;
	const char *owner;
};

/* ---- the cache ---- */

static size_t set_of(const uint8_t id[16])
{
	uint64_t h;

	memcpy(&h, id + 8, sizeof(h)); /* random in every id */
	return (size_t)(h % CACHE_SETS);
}

/* The slot holding id, or NULL. Called with the lock held. */
static struct slot *slot_find(struct privd_vault *v, size_t set, const uint8_t id[16])
{
	struct slot *s = &v->slots[set * CACHE_WAYS];

	for (size_t w = 0; v->caching && w < CACHE_WAYS; w++)
		if (s[w].used != 0 && memcmp(s[w].id, id, 16) == 0)
			return &s[w];
	return NULL;
}

/* A hit copies the key into key. Otherwise *gen is what cache_put must still find, and *cacheable says whether
 * caching is on. */
static bool cache_find(struct privd_vault *v, const uint8_t id[16], uint8_t key[PRIVD_KEY_BYTES], uint64_t *gen,
                       bool *cacheable)
{
	size_t set = set_of(id);
	struct slot *s;

	pthread_mutex_lock(&v->lock);
	*cacheable = v->caching;
	*gen = v->generation[set];
	s = slot_find(v, set, id);
	if (s != NULL) {
		memcpy(key, s->key, PRIVD_KEY_BYTES);
		s->used = ++v->tick;
	}
	pthread_mutex_unlock(&v->lock);
	return s != NULL;
}

/* Caches key unless its set was dropped from since gen was read; replaces the set's least recently used entry. */
static void cache_put(struct privd_vault *v, const uint8_t id[16], const uint8_t key[PRIVD_KEY_BYTES], uint64_t gen)
{
	size_t set = set_of(id);
	struct slot *s, *ways;

	pthread_mutex_lock(&v->lock);
	if (v->caching && v->generation[set] == gen) {
		ways = &v->slots[set * CACHE_WAYS];
		s = slot_find(v, set, id);
		if (s == NULL) { /* an empty way (used 0), or the least recently used */
			s = &ways[0];
			for (size_t w = 1; w < CACHE_WAYS; w++)
				if (ways[w].used < s->used)
					s = &ways[w];
		}
		memcpy(s->id, id, 16);
		memcpy(s->key, key, PRIVD_KEY_BYTES);
		s->used = ++v->tick;
	}
	pthread_mutex_unlock(&v->lock);
}

void privd_vault_forget(struct privd_vault *v, const char *subject_id)
{
	uint8_t id[16];
	size_t set;
	struct slot *s;

	if (!privd_id_parse(subject_id, id))
		return;
	set = set_of(id);
	pthread_mutex_lock(&v->lock);
	v->generation[set]++;
	s = slot_find(v, set, id);
	if (s != NULL)
		sodium_memzero(s, sizeof(*s));
	pthread_mutex_unlock(&v->lock);
}

void privd_vault_cache_enable(struct privd_vault *v, bool on)
{
	pthread_mutex_lock(&v->lock);
	v->caching = on && v->slots != NULL;
	for (size_t i = 0; i < CACHE_SETS; i++)
		v->generation[i]++;
	if (v->slots != NULL)
		sodium_memzero(v->slots, CACHE_SETS * CACHE_WAYS * sizeof(*v->slots));
	pthread_mutex_unlock(&v->lock);
}

/* ---- life ---- */

enum privd_rc privd_vault_new(struct privd_service *svc, struct privd_keyset *keys, bool cache,
                              struct privd_vault **out)
{
	struct privd_vault *v = calloc(1, sizeof(*v));

	*out = NULL;
	if (v == NULL)
		return PRIVD_ERR_NOMEM;
	v->svc = svc;
	v->keys = keys;
	pthread_mutex_init(&v->lock, NULL);
	v->slots = sodium_malloc(CACHE_SETS * CACHE_WAYS * sizeof(*v->slots));
	if (v->slots == NULL)
		privd_log(PRIVD_LOG_WARN, "vault.uncached", "\"reason\":\"no locked memory for the key cache\"");
	privd_vault_cache_enable(v, cache);
	*out = v;
	return PRIVD_OK;
}

void privd_vault_free(struct privd_vault *v)
{
	if (v == NULL)
		return;
	sodium_free(v->slots); /* zeroes */
	pthread_mutex_destroy(&v->lock);
	free(v);
}

/* ---- keys ---- */

/* The key of owner id into key (zeroed by the caller): from the cache, or read from the keystore and unwrapped,
 * then cached when it may be. PRIVD_ERR_GONE when the key was destroyed. */
static enum privd_rc key_get(struct privd_vault *v, struct privd_reader *r, const char *id,
                             uint8_t key[PRIVD_KEY_BYTES])
{
	struct privd_blob wrapped = {0};
	struct privd_reader *own = NULL;
	char kid[PRIVD_KID_HEX];
	uint8_t bin[16];
	uint64_t gen = 0;
	bool cacheable = privd_id_parse(id, bin); /* a subject's data key, not a message key */
	enum privd_rc rc;

	if (cacheable && cache_find(v, bin, key, &gen, &cacheable))
		return PRIVD_OK;
	if (r == NULL) {
		rc = privd_reader_get(v->svc, &own);
		if (rc != PRIVD_OK)
			return rc;
		r = own;
	}
	/* After the generation was read: an erasure committed before this is seen here, one committed after it
	 * drops the generation before the key can be cached (see the top of the file). */
	if (cacheable)
		cacheable = privd_subject_alive(r->db, id) == PRIVD_OK;
	rc = privd_repo_key_get(r->ks, id, &wrapped, kid);
	if (rc == PRIVD_ERR_NOT_FOUND)
		rc = PRIVD_ERR_GONE;
	if (rc == PRIVD_OK)
		rc = privd_keyset_unwrap(v->keys, kid, id, wrapped.data, wrapped.len, key);
	if (rc == PRIVD_OK && cacheable)
		cache_put(v, bin, key, gen);
	privd_blob_clear(&wrapped);
	privd_reader_put(v->svc, own, rc == PRIVD_ERR_DB);
	return rc;
}

enum privd_rc privd_vault_store(struct privd_db *ks, const struct privd_wrapped_key *k)
{
	struct privd_wrapped_key again;
	uint8_t *key = NULL;
	enum privd_rc rc = privd_repo_key_put(ks, k->id, k->bytes, sizeof(k->bytes), k->created_at, k->kid);

	if (rc != PRIVD_ERR_NOT_FOUND || k->vault == NULL)
		return rc;
	key = privd_secmem_key();
	if (key == NULL)
		return PRIVD_ERR_NOMEM;
	/* a rotation made another master key current since k was wrapped: learn which, and wrap k again under it */
	rc = privd_vault_keys_sync(k->vault, ks, NULL, 0, NULL, NULL);
	again = *k;
	if (rc == PRIVD_OK)
		rc = privd_keyset_unwrap(k->vault->keys, k->kid, k->id, k->bytes, sizeof(k->bytes), key);
	if (rc == PRIVD_OK)
		rc = privd_keyset_wrap(k->vault->keys, k->id, key, again.bytes, again.kid);
	privd_secmem_release(key);
	if (rc == PRIVD_OK)
		rc = privd_repo_key_put(ks, again.id, again.bytes, sizeof(again.bytes), again.created_at, again.kid);
	sodium_memzero(&again, sizeof(again));
	privd_log(rc == PRIVD_OK ? PRIVD_LOG_DEBUG : PRIVD_LOG_ERROR, "keys.wrapped_again",
	          "\"from\":\"%s\",\"rc\":\"%s\"", k->kid, privd_rc_str(rc));
	return rc == PRIVD_ERR_NOT_FOUND ? PRIVD_ERR_CRYPTO : rc;
}

enum privd_rc privd_vault_store_many(struct privd_db *ks, const struct privd_wrapped_key *const *keys, size_t n)
{
	const char **ids = NULL;
	const uint8_t **bytes = NULL;
	enum privd_rc rc = PRIVD_OK;

	if (n == 0)
		return PRIVD_OK;
	ids = calloc(n, sizeof(*ids));
	bytes = calloc(n, sizeof(*bytes));
	if (ids == NULL || bytes == NULL)
		rc = PRIVD_ERR_NOMEM;
	for (size_t i = 0; rc == PRIVD_OK && i < n; i++) {
		ids[i] = keys[i]->id;
		bytes[i] = keys[i]->bytes;
		if (strcmp(keys[i]->kid, keys[0]->kid) != 0)
			rc = PRIVD_ERR_NOT_FOUND; /* a rotation came in the middle: one by one */
	}
	/* all wrapped under the current master key: checked once for the lot, as privd_repo_key_put does per key */
	if (rc == PRIVD_OK)
		rc = privd_repo_master_key_hold(ks, keys[0]->kid);
	if (rc == PRIVD_OK)
		rc = privd_repo_key_put_many(ks, ids, bytes, PRIVD_WRAPPED_KEY_BYTES, n, keys[0]->created_at,
		                             keys[0]->kid);
	else if (rc == PRIVD_ERR_NOT_FOUND) {
		rc = PRIVD_OK;
		for (size_t i = 0; rc == PRIVD_OK && i < n; i++)
			rc = privd_vault_store(ks, keys[i]);
	}
	free(ids);
	free(bytes);
	return rc;
}

enum privd_rc privd_vault_destroy(struct privd_vault *v, struct privd_db *ks, const char *id)
{
	enum privd_rc rc = privd_repo_key_delete(ks, id);

	privd_vault_forget(v, id);
	return rc;
}

enum privd_rc privd_vault_ids(struct privd_db *ks, int (*cb)(void *arg, const char *id), void *arg)
{
	return privd_repo_key_list(ks, cb, arg);
}

/* ---- master keys ---- */

#define MAX_MASTER_KEYS 64

struct key_rows {
	struct privd_master_key_row *rows;
	size_t n, max;
};

static int key_row(void *arg, const struct privd_master_key_row *row)
{
	struct key_rows *k = arg;

	if (k->n < k->max)
		k->rows[k->n++] = *row;
	return 0;
}

enum privd_rc privd_vault_keys_sync(struct privd_vault *v, struct privd_db *ks, struct privd_master_key_row *rows,
                                    size_t max, size_t *n, struct privd_err *err)
{
	struct privd_master_key_row own[MAX_MASTER_KEYS];
	struct key_rows k = {rows != NULL ? rows : own, 0, rows != NULL ? max : MAX_MASTER_KEYS};
	char initial[PRIVD_KID_HEX];
	enum privd_rc rc = privd_repo_master_key_list(ks, key_row, &k);

	if (rc == PRIVD_OK && k.n == 0) {
		privd_keyset_initial(v->keys, initial);
		if (initial[0] == '\0')
			return privd_err_set(err, PRIVD_ERR_NOT_FOUND,
			                     "the keystore names no master key and several key files are here: keep "
			                     "only %s",
			                     PRIVD_MASTER_KEY_FILE);
		rc = privd_repo_master_key_adopt(ks, initial, privd_now_ms());
		if (rc == PRIVD_OK)
			rc = privd_repo_master_key_list(ks, key_row, &k);
	}
	if (rc != PRIVD_OK)
		return privd_err_set(err, rc, "cannot read the master keys of the keystore");
	if (n != NULL)
		*n = k.n;
	return privd_keyset_sync(v->keys, k.rows, k.n, err);
}

/* The keys of one rewrap batch, read before any is written. */
struct rewrap_batch {
	size_t n, max;
	struct rewrap_key {
		char id[40];
		uint8_t bytes[PRIVD_WRAPPED_KEY_BYTES];
		size_t len;
	} * keys;
};

static int rewrap_collect(void *arg, const char *id, const uint8_t *wrapped, size_t len)
{
	struct rewrap_batch *b = arg;
	struct rewrap_key *k = &b->keys[b->n++];

	snprintf(k->id, sizeof(k->id), "%s", id != NULL ? id : "");
	k->len = len <= sizeof(k->bytes) ? len : 0; /* a length no wrapped key has fails to open, as it should */
	memcpy(k->bytes, wrapped, k->len);
	return b->n == b->max;
}

enum privd_rc privd_vault_rewrap(struct privd_vault *v, struct privd_db *ks, const char *kid, size_t limit,
                                 size_t *done)
{
	struct rewrap_batch b = {0, limit, calloc(limit > 0 ? limit : 1, sizeof(*b.keys))};
	uint8_t *key = privd_secmem_key(), out[PRIVD_WRAPPED_KEY_BYTES];
	char to[PRIVD_KID_HEX];
	enum privd_rc rc = b.keys != NULL && key != NULL ? PRIVD_OK : PRIVD_ERR_NOMEM;

	*done = 0;
	if (rc == PRIVD_OK && limit > 0)
		rc = privd_repo_key_under(ks, kid, limit, rewrap_collect, &b);
	for (size_t i = 0; rc == PRIVD_OK && i < b.n; i++) {
		rc = privd_keyset_unwrap(v->keys, kid, b.keys[i].id, b.keys[i].bytes, b.keys[i].len, key);
		if (rc != PRIVD_OK)
			privd_log(PRIVD_LOG_ERROR, "keys.rewrap_failed", "\"owner\":\"%s\",\"kid\":\"%s\"",
			          strncmp(b.keys[i].id, "msg:", 4) == 0 ? "notice" : "subject", kid);
		if (rc == PRIVD_OK)
			rc = privd_keyset_wrap(v->keys, b.keys[i].id, key, out, to);
		if (rc == PRIVD_OK)
			rc = privd_repo_key_rewrap(ks, b.keys[i].id, out, sizeof(out), to);
		sodium_memzero(key, PRIVD_KEY_BYTES);
	}
	privd_secmem_release(key);
	if (rc == PRIVD_OK)
		*done = b.n;
	if (b.keys != NULL)
		sodium_memzero(b.keys, limit * sizeof(*b.keys));
	free(b.keys);
	return rc;
}

/* ---- sealing and opening ---- */

static enum privd_rc seal_all(const uint8_t key[PRIVD_KEY_BYTES], const char *owner,
                              const struct privd_vault_sealing *fields, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct privd_vault_sealing *f = &fields[i];

		f->out->data = NULL;
		f->out->len = 0;
		if (f->len == 0)
			continue;
		f->out->data = malloc(f->len + PRIVD_ENVELOPE_OVERHEAD);
		if (f->out->data == NULL)
			return PRIVD_ERR_NOMEM;
		privd_envelope_seal(key, owner, f->field, f->plain, f->len, f->out->data);
		f->out->len = f->len + PRIVD_ENVELOPE_OVERHEAD;
	}
	return PRIVD_OK;
}

static enum privd_rc open_one(const uint8_t key[PRIVD_KEY_BYTES], const char *owner,
                              const struct privd_vault_opening *f)
{
	const struct privd_blob *ct = f->sealed;
	size_t len;
	uint8_t *buf;
	enum privd_rc rc;

	if (f->text != NULL)
		f->text[0] = '\0';
	else
		*f->copy = (struct privd_blob){NULL, 0};
	if (ct->len == 0)
		return PRIVD_OK;
	if (ct->len < PRIVD_ENVELOPE_OVERHEAD)
		return PRIVD_ERR_CRYPTO;
	len = ct->len - PRIVD_ENVELOPE_OVERHEAD;
	if (f->text != NULL) /* longer than any value sealed there: not ours */
		return len < f->cap
		           ? privd_envelope_open(key, owner, f->field, ct->data, ct->len, (uint8_t *)f->text, NULL)
		           : PRIVD_ERR_CRYPTO;
	buf = malloc(len + 1);
	if (buf == NULL)
		return PRIVD_ERR_NOMEM;
	rc = privd_envelope_open(key, owner, f->field, ct->data, ct->len, buf, &len);
	if (rc != PRIVD_OK) {
		free(buf);
		return rc;
	}
	*f->copy = (struct privd_blob){buf, len};
	return PRIVD_OK;
}

enum privd_rc privd_vault_create(struct privd_vault *v, const char *id, int64_t created_at,
                                 const struct privd_vault_sealing *fields, size_t n, struct privd_wrapped_key *out)
{
	uint8_t *key = privd_secmem_key();
	enum privd_rc rc;

	memset(out, 0, sizeof(*out));
	snprintf(out->id, sizeof(out->id), "%s", id);
	out->created_at = created_at;
	out->vault = v;
	if (key == NULL)
		return PRIVD_ERR_NOMEM;
	privd_datakey_generate(key);
	rc = privd_keyset_wrap(v->keys, id, key, out->bytes, out->kid);
	if (rc == PRIVD_OK)
		rc = seal_all(key, id, fields, n);
	privd_secmem_release(key);
	return rc;
}

enum privd_rc privd_vault_seal_with(struct privd_vault *v, const struct privd_wrapped_key *k,
                                    const struct privd_vault_sealing *fields, size_t n)
{
	uint8_t *key = privd_secmem_key();
	enum privd_rc rc = key != NULL ? privd_keyset_unwrap(v->keys, k->kid, k->id, k->bytes, sizeof(k->bytes), key)
	                               : PRIVD_ERR_NOMEM;

	if (rc == PRIVD_OK)
		rc = seal_all(key, k->id, fields, n);
	privd_secmem_release(key);
	return rc;
}

enum privd_rc privd_vault_lend(struct privd_vault *v, struct privd_reader *r, const char *subject_id,
                               enum privd_rc (*fn)(const struct privd_vault_lent *k, void *arg), void *arg)
{
	uint8_t *key = privd_secmem_key();
	const struct privd_vault_lent lent = {key, subject_id};
	enum privd_rc rc = key != NULL ? key_get(v, r, subject_id, key) : PRIVD_ERR_NOMEM;

	if (rc == PRIVD_OK)
		rc = fn(&lent, arg);
	privd_secmem_release(key);
	return rc;
}

struct each {
	struct privd_vault *v;
	const char *const *ids;
	size_t n, next; /* ids[next] is the first not passed yet */
	enum privd_rc (*fn)(const struct privd_vault_lent *k, size_t i, void *arg);
	void *arg;
	enum privd_rc rc;
};

static int each_key(void *arg, const char *id, const uint8_t *wrapped, size_t len, const char *kid)
{
	struct each *e = arg;
	uint8_t *key = NULL;
	struct privd_vault_lent lent = {NULL, id};

	if (e->rc != PRIVD_OK)
		return 1;
	while (e->next < e->n && strcmp(e->ids[e->next], id) < 0)
		e->next++; /* no key: erased */
	if (e->next == e->n || strcmp(e->ids[e->next], id) != 0)
		return 0;
	key = privd_secmem_key();
	lent.key = key;
	e->rc = key != NULL ? privd_keyset_unwrap(e->v->keys, kid, id, wrapped, len, key) : PRIVD_ERR_NOMEM;
	if (e->rc == PRIVD_OK)
		e->rc = e->fn(&lent, e->next, e->arg);
	privd_secmem_release(key);
	e->next++;
	return e->rc != PRIVD_OK;
}

enum privd_rc privd_vault_lend_each(struct privd_vault *v, struct privd_reader *r, const char *const *ids, size_t n,
                                    enum privd_rc (*fn)(const struct privd_vault_lent *k, size_t i, void *arg),
                                    void *arg)
{
	struct each e = {v, ids, n, 0, fn, arg, PRIVD_OK};
	enum privd_rc rc = privd_repo_key_get_many(r->ks, ids, n, each_key, &e);

	return rc != PRIVD_OK ? rc : e.rc;
}

enum privd_rc privd_vault_lent_open(const struct privd_vault_lent *k, const struct privd_vault_opening *field)
{
	return open_one(k->key, k->owner, field);
}

/* A batch of fields for a lent key. */
struct batch {
	const struct privd_vault_sealing *seal;
	const struct privd_vault_opening *open;
	size_t n;
};

static enum privd_rc seal_lent(const struct privd_vault_lent *k, void *arg)
{
	const struct batch *b = arg;

	return seal_all(k->key, k->owner, b->seal, b->n);
}

static enum privd_rc open_lent(const struct privd_vault_lent *k, void *arg)
{
	const struct batch *b = arg;
	enum privd_rc rc = PRIVD_OK;

	for (size_t i = 0; rc == PRIVD_OK && i < b->n; i++)
		rc = open_one(k->key, k->owner, &b->open[i]);
	return rc;
}

enum privd_rc privd_vault_seal(struct privd_vault *v, struct privd_reader *r, const char *subject_id,
                               const struct privd_vault_sealing *fields, size_t n)
{
	struct batch b = {fields, NULL, n};

	return privd_vault_lend(v, r, subject_id, seal_lent, &b);
}

enum privd_rc privd_vault_open(struct privd_vault *v, struct privd_reader *r, const char *subject_id,
                               const struct privd_vault_opening *fields, size_t n)
{
	struct batch b = {NULL, fields, n};

	return privd_vault_lend(v, r, subject_id, open_lent, &b);
}
