/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * cache.c - the consent state of every subject seen, in memory: the consent check's answer.
 *
 * The check is the hot path (every page view or processing job of the application asks it), so it is answered
 * from here without touching the database or any PII. The table is split into shards, each behind a
 * reader-writer lock, keyed by the subject's random 128-bit id. Entries are compact (policy and consent text
 * versions interned) so that 100,000 subjects cost about 10 MB. A write invalidates the entry after it commits; each
 * invalidation bumps the shard's generation, and a load that raced with a write is not stored, so a stale state can
 * never outlive the write that replaced it. A consent record that changes no status is applied to the entry instead
 * (privd_cache_apply), ordered by its place in the log: reading a person's whole history again after each change
 * made a consent change cost a read that grows with every record the person has.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "service/service_int.h"

bool privd_id_parse(const char *hex, uint8_t id[16])
{
	size_t len = 0;

	if (hex == NULL || strlen(hex) != 32)
		return false;
	for (size_t i = 0; i < 32; i++) {
		char c = hex[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return false;
	}
	return sodium_hex2bin(id, 16, hex, 32, NULL, &len, NULL) == 0 && len == 16;
}

static struct privd_cache_shard *shard_of(struct privd_service *svc, const uint8_t id[16])
{
	return &svc->shards[id[15] % PRIVD_CACHE_SHARDS]; /* the last bytes are random in every id */
}

static size_t bucket_of(const struct privd_cache_shard *s, const uint8_t id[16])
{
	uint64_t h;

	memcpy(&h, id + 8, sizeof(h));
	return (size_t)(h % s->nbuckets);
}

void privd_cache_init(struct privd_service *svc)
{
	for (size_t i = 0; i < PRIVD_CACHE_SHARDS; i++) {
		pthread_rwlock_init(&svc->shards[i].lock, NULL);
		svc->shards[i].nbuckets = 0;
		svc->shards[i].buckets = NULL;
	}
}

static void shard_clear(struct privd_cache_shard *s)
{
	for (size_t b = 0; b < s->nbuckets; b++) {
		struct privd_cache_entry *e = s->buckets[b], *next;

		for (; e != NULL; e = next) {
			next = e->next;
			free(e);
		}
		s->buckets[b] = NULL;
	}
	s->count = 0;
}

void privd_cache_cleanup(struct privd_service *svc)
{
	for (size_t i = 0; i < PRIVD_CACHE_SHARDS; i++) {
		shard_clear(&svc->shards[i]);
		free(svc->shards[i].buckets);
		svc->shards[i].buckets = NULL;
		pthread_rwlock_destroy(&svc->shards[i].lock);
	}
}

static struct privd_cache_entry *find(struct privd_cache_shard *s, const uint8_t id[16])
{
	struct privd_cache_entry *e;

	if (s->nbuckets == 0)
		return NULL;
	for (e = s->buckets[bucket_of(s, id)]; e != NULL; e = e->next)
		if (memcmp(e->id, id, 16) == 0)
			return e;
	return NULL;
}

/* Grows the bucket array when the chains get long. Called with the write lock held. */
static void maybe_grow(struct privd_cache_shard *s)
{
	struct privd_cache_entry **nb;
	size_t n, old = s->nbuckets;

	if (old != 0 && s->count < old * 2)
		return;
	n = old == 0 ? 64 : old * 4;
	nb = calloc(n, sizeof(*nb));
	if (nb == NULL)
		return; /* longer chains, still correct */
	s->nbuckets = n;
	for (size_t b = 0; b < old; b++) {
		struct privd_cache_entry *e = s->buckets[b], *next;

		for (; e != NULL; e = next) {
			size_t nbk = bucket_of(s, e->id);

			next = e->next;
			e->next = nb[nbk];
			nb[nbk] = e;
		}
	}
	free(s->buckets);
	s->buckets = nb;
}

/* Inserts or replaces. Called with the write lock held. */
static void store(struct privd_cache_shard *s, const struct privd_cache_entry *src)
{
	struct privd_cache_entry *e = find(s, src->id);

	if (e != NULL) {
		struct privd_cache_entry *next = e->next;

		*e = *src;
		e->next = next;
		return;
	}
	maybe_grow(s);
	if (s->nbuckets == 0)
		return;
	e = malloc(sizeof(*e));
	if (e == NULL)
		return; /* the next check loads again */
	*e = *src;
	e->next = s->buckets[bucket_of(s, e->id)];
	s->buckets[bucket_of(s, e->id)] = e;
	s->count++;
}

static void compact_purpose(struct privd_service *svc, const struct privd_purpose_state *ps,
                            struct privd_cached_purpose *cp)
{
	cp->recorded = ps->recorded;
	cp->granted = ps->granted;
	cp->since_ms = ps->since_ms;
	cp->version = ps->recorded ? privd_version_intern(svc, ps->policy_version) : 0;
	cp->text_version = ps->recorded ? privd_version_intern(svc, ps->text_version) : 0;
	cp->text_language = (uint8_t)ps->text_language;
}

static void compact(struct privd_service *svc, const struct privd_consent_state *st, struct privd_cache_entry *e)
{
	e->status = (uint8_t)st->status;
	e->seq = st->seq;
	for (size_t p = 0; p < PRIVD_PURPOSE_COUNT; p++)
		compact_purpose(svc, &st->purpose[p], &e->purpose[p]);
}

enum privd_rc privd_cache_get(struct privd_service *svc, const char *subject_id, struct privd_cache_entry *out)
{
	struct privd_consent_state st;
	struct privd_cache_shard *s;
	struct privd_cache_entry *e, fresh;
	struct privd_reader *r = NULL;
	uint64_t gen;
	uint8_t id[16];
	enum privd_rc rc;

	if (!privd_id_parse(subject_id, id))
		return PRIVD_ERR_NOT_FOUND;
	s = shard_of(svc, id);
	pthread_rwlock_rdlock(&s->lock);
	e = find(s, id);
	if (e != NULL)
		*out = *e;
	gen = s->generation;
	pthread_rwlock_unlock(&s->lock);
	if (e != NULL) {
		atomic_fetch_add_explicit(&svc->cache_hits, 1, memory_order_relaxed);
		return PRIVD_OK;
	}
	atomic_fetch_add_explicit(&svc->cache_misses, 1, memory_order_relaxed);

	rc = privd_reader_get(svc, &r);
	if (rc != PRIVD_OK)
		return rc;
	rc = privd_repo_consent_state(r->db, subject_id, &st);
	privd_reader_put(svc, r, rc == PRIVD_ERR_DB);
	if (rc != PRIVD_OK)
		return rc;
	memset(&fresh, 0, sizeof(fresh));
	memcpy(fresh.id, id, 16);
	compact(svc, &st, &fresh);
	pthread_rwlock_wrlock(&s->lock);
	if (s->generation == gen)
		store(s, &fresh);
	pthread_rwlock_unlock(&s->lock);
	*out = fresh;
	return PRIVD_OK;
}

enum privd_rc privd_subject_require(struct privd_service *svc, const char *subject_id, struct privd_cache_entry *out,
                                    struct privd_err *err)
{
	enum privd_rc rc = privd_cache_get(svc, subject_id, out);

	if (rc == PRIVD_OK && out->status == PRIVD_SUBJECT_ERASED)
		rc = PRIVD_ERR_GONE;
	if (rc == PRIVD_ERR_NOT_FOUND)
		return privd_err_set(err, rc, "no subject has that id");
	if (rc == PRIVD_ERR_GONE)
		return privd_err_set(err, rc, "the subject's data was erased");
	return rc;
}

void privd_cache_put_state(struct privd_service *svc, const char *subject_id, const struct privd_consent_state *st)
{
	struct privd_cache_entry fresh;
	struct privd_cache_shard *s;

	memset(&fresh, 0, sizeof(fresh));
	if (!privd_id_parse(subject_id, fresh.id))
		return;
	compact(svc, st, &fresh);
	s = shard_of(svc, fresh.id);
	pthread_rwlock_wrlock(&s->lock);
	s->generation++;
	store(s, &fresh);
	pthread_rwlock_unlock(&s->lock);
}

void privd_cache_apply(struct privd_service *svc, const char *subject_id, const struct privd_consent_event *ev)
{
	struct privd_consent_state st;
	struct privd_cached_purpose cp;
	struct privd_cache_shard *s;
	struct privd_cache_entry *e;
	enum privd_purpose p;
	uint8_t id[16];

	if (ev->seq <= 0 || privd_purpose_parse(ev->purpose, &p) != PRIVD_OK) {
		privd_cache_invalidate(svc, subject_id); /* no place in the log to order it by: read it again */
		return;
	}
	if (!privd_id_parse(subject_id, id))
		return;
	/* the purpose's new state, as the derivation makes it (the status is the entry's, unchanged) */
	privd_consent_state_init(&st, PRIVD_SUBJECT_ACTIVE);
	privd_consent_state_apply_event(&st, ev);
	compact_purpose(svc, &st.purpose[p], &cp);
	s = shard_of(svc, id);
	pthread_rwlock_wrlock(&s->lock);
	s->generation++; /* a load that began before this commit was heard is not stored */
	e = find(s, id);
	if (e != NULL && e->seq < ev->seq) {
		e->purpose[p] = cp;
		e->seq = ev->seq;
	}
	pthread_rwlock_unlock(&s->lock);
}

void privd_cache_invalidate(struct privd_service *svc, const char *subject_id)
{
	struct privd_cache_shard *s;
	uint8_t id[16];

	if (!privd_id_parse(subject_id, id))
		return;
	s = shard_of(svc, id);
	pthread_rwlock_wrlock(&s->lock);
	s->generation++;
	if (s->nbuckets != 0) {
		struct privd_cache_entry **pp = &s->buckets[bucket_of(s, id)];

		for (; *pp != NULL; pp = &(*pp)->next) {
			if (memcmp((*pp)->id, id, 16) == 0) {
				struct privd_cache_entry *dead = *pp;

				*pp = dead->next;
				free(dead);
				s->count--;
				break;
			}
		}
	}
	pthread_rwlock_unlock(&s->lock);
}

void privd_cache_invalidate_all(struct privd_service *svc)
{
	for (size_t i = 0; i < PRIVD_CACHE_SHARDS; i++) {
		pthread_rwlock_wrlock(&svc->shards[i].lock);
		svc->shards[i].generation++;
		shard_clear(&svc->shards[i]);
		pthread_rwlock_unlock(&svc->shards[i].lock);
	}
}
