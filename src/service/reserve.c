/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * reserve.c - data keys made and committed ahead of the registrations that take them, while registrations come in
 * many at a time.
 *
 * A person's data key must be durable before their data (writer.h), so a batch of registrations waits for two
 * commits, the keystore's and then the data's, and the disk completes one flush at a time. Under load, keys are
 * instead made RESERVE_BATCH at a time, each for a subject id chosen with it, and committed to the keystore by a
 * write job of their own; once that job is done they wait here, and a registration that takes one has no keystore
 * part: its batch waits for the data's commit alone. The reserve holds only what the keystore holds, the wrapped
 * key, and hands a key out only while it is wrapped under the current master key.
 *
 * Ids carry their time (privd_time_id), so a key is handed out only within RESERVE_MAX_AGE_MS of its making. The
 * keys that age out here, and those of registrations refused after they took one (an e-mail already registered),
 * are destroyed by the reserve's next keystore transaction: the next refill, or the scheduler's tick, or the
 * service's close. A key a registration took whose outcome is not known (a failed COMMIT) is left alone, as the
 * writer leaves a batch's keys then. A crash leaves the keys waiting here in the keystore, owned by no one, as a
 * crash between a batch's two commits always could: harmless, nothing is sealed under them.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/log.h"
#include "core/str.h"
#include "service/service_int.h"

#define RESERVE_BATCH 256       /* keys a refill makes */
#define RESERVE_LOW 64          /* a refill is started when fewer are left ... */
#define RESERVE_BUSY 8          /* ... and at least this many registrations are in flight */
#define RESERVE_MAX_AGE_MS 1000 /* how long a key (and its id's time) may wait */
#define RESERVE_CAP (RESERVE_BATCH + RESERVE_LOW)

struct privd_reserve {
	pthread_mutex_t mu;
	pthread_cond_t idle;                        /* signalled when a job of the reserve is done */
	struct privd_wrapped_key keys[RESERVE_CAP]; /* a ring, oldest first */
	size_t head, n;
	char (*dead)[40]; /* owners of the keys to destroy */
	size_t ndead, dead_cap;
	bool busy;   /* a job of the reserve is queued or running */
	bool closed; /* privd_reserve_close began: no more keys made or handed out */
	atomic_uint inflight;
	atomic_ullong taken;
};

/* One keystore transaction of the reserve: the keys it makes, the keys it destroys. */
struct refill {
	struct privd_write_job job;
	struct privd_service *svc;
	struct privd_wrapped_key keys[RESERVE_BATCH];
	const struct privd_wrapped_key *ptr[RESERVE_BATCH];
	size_t n;
	char (*dead)[40];
	size_t ndead;
};

enum privd_rc privd_reserve_new(struct privd_reserve **out)
{
	struct privd_reserve *r = calloc(1, sizeof(*r));

	*out = r;
	if (r == NULL)
		return PRIVD_ERR_NOMEM;
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->idle, NULL);
	return PRIVD_OK;
}

void privd_reserve_free(struct privd_reserve *r)
{
	if (r == NULL)
		return;
	pthread_cond_destroy(&r->idle);
	pthread_mutex_destroy(&r->mu);
	free(r->dead);
	sodium_memzero(r, sizeof(*r));
	free(r);
}

/* Notes id's key for destruction (under r->mu). Without memory it is left in the keystore, owned by no one. */
static void dead_add(struct privd_reserve *r, const char *id)
{
	if (r->ndead == r->dead_cap) {
		size_t cap = r->dead_cap ? r->dead_cap * 2 : 64;
		char(*grown)[40] = realloc(r->dead, cap * sizeof(*grown));

		if (grown == NULL) {
			privd_log(PRIVD_LOG_WARN, "reserve.key_left", "\"reason\":\"no memory\"");
			return;
		}
		r->dead = grown;
		r->dead_cap = cap;
	}
	privd_str_copy(r->dead[r->ndead++], sizeof(r->dead[0]), id);
}

/* Takes the oldest key waiting (under r->mu). */
static void pop(struct privd_reserve *r, struct privd_wrapped_key *out)
{
	struct privd_wrapped_key *k = &r->keys[r->head];

	*out = *k;
	sodium_memzero(k, sizeof(*k));
	r->head = (r->head + 1) % RESERVE_CAP;
	r->n--;
}

/* Moves the keys that may no longer be handed out at now (all of them when every is true) to the dead. */
static void expire(struct privd_reserve *r, int64_t now, bool every)
{
	struct privd_wrapped_key k;

	while (r->n > 0 && (every || now - r->keys[r->head].created_at > RESERVE_MAX_AGE_MS)) {
		pop(r, &k);
		dead_add(r, k.id);
		sodium_memzero(&k, sizeof(k));
	}
}

static enum privd_rc refill_ks(struct privd_db *ks, void *arg)
{
	struct refill *f = arg;
	enum privd_rc rc = PRIVD_OK;

	for (size_t i = 0; rc == PRIVD_OK && i < f->ndead; i++)
		rc = privd_vault_destroy(f->svc->vault, ks, f->dead[i]);
	if (rc == PRIVD_OK)
		rc = privd_vault_store_many(ks, f->ptr, f->n);
	return rc;
}

static enum privd_rc refill_data(struct privd_db *db, void *arg)
{
	(void)db;
	(void)arg;
	return PRIVD_OK;
}

/* The reserve's job is done (or was never queued): the next may start, and a close waiting for it goes on. */
static void done_idle(struct privd_reserve *r)
{
	pthread_mutex_lock(&r->mu);
	r->busy = false;
	pthread_cond_broadcast(&r->idle);
	pthread_mutex_unlock(&r->mu);
}

static int by_id(const void *a, const void *b)
{
	return strcmp(((const struct privd_wrapped_key *)a)->id, ((const struct privd_wrapped_key *)b)->id);
}

static void refill_done(void *arg, enum privd_rc rc)
{
	struct refill *f = arg;
	struct privd_reserve *r = f->svc->reserve;

	pthread_mutex_lock(&r->mu);
	for (size_t i = 0; rc == PRIVD_OK && i < f->n; i++) {
		if (r->closed || r->n == RESERVE_CAP)
			dead_add(r, f->keys[i].id);
		else
			r->keys[(r->head + r->n++) % RESERVE_CAP] = f->keys[i];
	}
	/* not destroyed: tried again by the next transaction (keys that failed to commit are no one's) */
	for (size_t i = 0; rc != PRIVD_OK && i < f->ndead; i++)
		dead_add(r, f->dead[i]);
	if (rc != PRIVD_OK)
		privd_log(PRIVD_LOG_WARN, "reserve.refill_failed", "\"rc\":\"%s\"", privd_rc_str(rc));
	pthread_mutex_unlock(&r->mu);
	done_idle(r);
	free(f->dead);
	sodium_memzero(f, sizeof(*f));
	free(f);
}

/* Queues a keystore transaction that makes nkeys keys (at now) and destroys the dead, which it takes over; r->busy
 * is set by the caller, and cleared when the job is done (or here, when it cannot be queued). */
static void refill(struct privd_service *svc, int64_t now, size_t nkeys)
{
	struct privd_reserve *r = svc->reserve;
	struct refill *f = calloc(1, sizeof(*f));
	enum privd_rc rc = PRIVD_OK;

	if (f == NULL) {
		done_idle(r);
		return;
	}
	f->svc = svc;
	for (; rc == PRIVD_OK && f->n < nkeys; f->n++) {
		char id[PRIVD_ID_HEX];

		privd_time_id(now, id);
		rc = privd_vault_create(svc->vault, id, now, NULL, 0, &f->keys[f->n]);
	}
	if (rc != PRIVD_OK) {
		f->n = 0; /* nothing stored: dropped */
		refill_done(f, rc);
		return;
	}
	/* handed out, and stored, in the order of their ids: each B-tree they go into is written at its end */
	qsort(f->keys, f->n, sizeof(f->keys[0]), by_id);
	for (size_t i = 0; i < f->n; i++)
		f->ptr[i] = &f->keys[i];
	pthread_mutex_lock(&r->mu);
	f->dead = r->dead;
	f->ndead = r->ndead;
	r->dead = NULL;
	r->ndead = r->dead_cap = 0;
	pthread_mutex_unlock(&r->mu);
	f->job = (struct privd_write_job){.ks = refill_ks, .data = refill_data, .done = refill_done, .arg = f};
	rc = privd_writer_submit(svc->writer, &f->job);
	if (rc != PRIVD_OK)
		refill_done(f, rc);
}

void privd_reserve_enter(struct privd_service *svc)
{
	atomic_fetch_add_explicit(&svc->reserve->inflight, 1, memory_order_relaxed);
}

void privd_reserve_leave(struct privd_service *svc)
{
	atomic_fetch_sub_explicit(&svc->reserve->inflight, 1, memory_order_relaxed);
}

bool privd_reserve_take(struct privd_service *svc, int64_t now, struct privd_wrapped_key *out)
{
	struct privd_reserve *r = svc->reserve;
	char kid[PRIVD_KID_HEX];
	bool got = false, more;

	privd_keyset_current(svc->master, kid);
	pthread_mutex_lock(&r->mu);
	expire(r, now, r->closed);
	while (!got && r->n > 0) {
		pop(r, out);
		got = strcmp(out->kid, kid) == 0; /* wrapped under a master key since retired or retiring: not used */
		if (!got) {
			dead_add(r, out->id);
			sodium_memzero(out, sizeof(*out));
		}
	}
	more = !r->busy && !r->closed && r->n < RESERVE_LOW &&
	       atomic_load_explicit(&r->inflight, memory_order_relaxed) >= RESERVE_BUSY;
	r->busy = r->busy || more;
	pthread_mutex_unlock(&r->mu);
	if (more)
		refill(svc, now, RESERVE_BATCH);
	if (got)
		atomic_fetch_add_explicit(&r->taken, 1, memory_order_relaxed);
	return got;
}

void privd_reserve_unused(struct privd_service *svc, const char *id)
{
	struct privd_reserve *r = svc->reserve;

	pthread_mutex_lock(&r->mu);
	dead_add(r, id);
	pthread_mutex_unlock(&r->mu);
}

void privd_reserve_tick(struct privd_service *svc)
{
	struct privd_reserve *r = svc->reserve;
	bool sweep;

	pthread_mutex_lock(&r->mu);
	expire(r, privd_now_ms(), false);
	sweep = !r->busy && !r->closed && r->ndead > 0;
	r->busy = r->busy || sweep;
	pthread_mutex_unlock(&r->mu);
	if (sweep)
		refill(svc, 0, 0);
}

void privd_reserve_close(struct privd_service *svc)
{
	struct privd_reserve *r = svc->reserve;
	bool sweep;

	if (r == NULL || svc->writer == NULL)
		return;
	pthread_mutex_lock(&r->mu);
	r->closed = true;
	while (r->busy)
		pthread_cond_wait(&r->idle, &r->mu);
	expire(r, 0, true);
	sweep = r->ndead > 0;
	r->busy = sweep;
	pthread_mutex_unlock(&r->mu);
	if (!sweep)
		return;
	refill(svc, 0, 0);
	pthread_mutex_lock(&r->mu);
	while (r->busy)
		pthread_cond_wait(&r->idle, &r->mu);
	pthread_mutex_unlock(&r->mu);
}

unsigned long long privd_reserve_taken(struct privd_service *svc)
{
	return svc->reserve != NULL ? atomic_load(&svc->reserve->taken) : 0;
}
