/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * ratelimit.c - how fast one client address may record cookie choices: a token bucket per address, in memory.
 *
 * POST /v1/cookie-consents is public: anyone can send it, so one address may not fill the database. The buckets
 * live in a fixed table of 16,384 slots in sets of four, found by a keyed hash of the address (the key random per
 * process, so nobody can aim many addresses at one set); a new address takes the set's least recently used slot,
 * which can only make the limit more generous to an address pushed out, never refuse one wrongly. Nothing is
 * written anywhere: the addresses are personal data and stay in this table only while they are recent. IPv6
 * addresses count by their /64, the block one subscriber usually holds.
 */
#include "http_int.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>

#include "core/cookie.h"

#define WAYS 4
#define SETS 4096
#define LOCKS 64

struct slot {
	uint8_t addr[16];
	bool used;
	struct privd_bucket bucket;
};

struct privd_http_limiter {
	unsigned per_minute, burst;
	uint64_t seed[2];
	pthread_mutex_t locks[LOCKS];
	struct slot slots[SETS][WAYS];
};

struct privd_http_limiter *privd_http_limiter_new(unsigned per_minute, unsigned burst)
{
	struct privd_http_limiter *l = calloc(1, sizeof(*l));

	if (l == NULL)
		return NULL;
	l->per_minute = per_minute;
	l->burst = burst;
	if (getrandom(l->seed, sizeof(l->seed), 0) != (ssize_t)sizeof(l->seed))
		l->seed[0] = (uint64_t)(uintptr_t)l ^ 0x9e3779b97f4a7c15ull;
	for (int i = 0; i < LOCKS; i++)
		pthread_mutex_init(&l->locks[i], NULL);
	return l;
}

void privd_http_limiter_free(struct privd_http_limiter *l)
{
	if (l == NULL)
		return;
	for (int i = 0; i < LOCKS; i++)
		pthread_mutex_destroy(&l->locks[i]);
	explicit_bzero(l->slots, sizeof(l->slots));
	free(l);
}

/* A keyed mix of the address (not cryptographic, but unknown to a sender without the key). */
static size_t set_of(const struct privd_http_limiter *l, const uint8_t addr[16])
{
	uint64_t a, b, h;

	memcpy(&a, addr, 8);
	memcpy(&b, addr + 8, 8);
	h = (a ^ l->seed[0]) * 0xff51afd7ed558ccdull;
	h ^= (b ^ l->seed[1]) + (h >> 29);
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 32;
	return (size_t)(h % SETS);
}

bool privd_http_limiter_take(struct privd_http_limiter *l, const uint8_t addr[16], int64_t *retry_ms)
{
	struct timespec ts;
	int64_t now_ms;
	size_t set = set_of(l, addr);
	struct slot *ways = l->slots[set], *s = NULL;
	pthread_mutex_t *mu = &l->locks[set % LOCKS];
	bool ok;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + 1; /* never 0: 0 marks a new bucket */
	pthread_mutex_lock(mu);
	for (int w = 0; w < WAYS && s == NULL; w++)
		if (ways[w].used && memcmp(ways[w].addr, addr, 16) == 0)
			s = &ways[w];
	if (s == NULL) {
		s = &ways[0];
		for (int w = 1; w < WAYS; w++)
			if (!ways[w].used || (s->used && ways[w].bucket.at_ms < s->bucket.at_ms))
				s = &ways[w];
		memcpy(s->addr, addr, 16);
		s->used = true;
		memset(&s->bucket, 0, sizeof(s->bucket));
	}
	ok = privd_bucket_take(&s->bucket, now_ms, l->per_minute, l->burst, retry_ms);
	pthread_mutex_unlock(mu);
	return ok;
}
