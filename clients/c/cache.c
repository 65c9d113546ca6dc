/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * The consent-check cache: a fixed table of 256 buckets, each a chain of (subject, purpose) → granted entries
 * with their expiry on the monotonic clock, behind one mutex. A look-up drops the expired entries of its chain as
 * it walks it, so the table never holds more than what was asked for within the TTL. The answers cached are a
 * person's consent, not personal data, but the subject ids are kept only as long as the TTL all the same.
 */
#include "cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BUCKETS 256

struct entry {
	struct entry *next;
	char *key; /* "subject_id/purpose" */
	bool granted;
	double expires;
};

struct pc_cache {
	pthread_mutex_t lock;
	unsigned ttl;
	struct entry *bucket[BUCKETS];
};

static double now_mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* FNV-1a */
static unsigned hash(const char *s)
{
	unsigned h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h % BUCKETS;
}

static char *make_key(const char *subject, const char *purpose)
{
	size_t a = strlen(subject), b = strlen(purpose);
	char *k = malloc(a + b + 2);
	if (!k)
		return NULL;
	memcpy(k, subject, a);
	k[a] = '/';
	memcpy(k + a + 1, purpose, b + 1);
	return k;
}

static void free_entry(struct entry *e)
{
	free(e->key);
	free(e);
}

struct pc_cache *pc_cache_new(void)
{
	struct pc_cache *c = calloc(1, sizeof *c);
	if (c && pthread_mutex_init(&c->lock, NULL) != 0) {
		free(c);
		return NULL;
	}
	return c;
}

static void clear_locked(struct pc_cache *c, const char *subject)
{
	size_t n = subject ? strlen(subject) : 0;
	for (int i = 0; i < BUCKETS; i++) {
		struct entry **p = &c->bucket[i];
		while (*p) {
			struct entry *e = *p;
			if (!subject || (strncmp(e->key, subject, n) == 0 && e->key[n] == '/')) {
				*p = e->next;
				free_entry(e);
			} else {
				p = &e->next;
			}
		}
	}
}

void pc_cache_free(struct pc_cache *c)
{
	if (!c)
		return;
	clear_locked(c, NULL);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

void pc_cache_set_ttl(struct pc_cache *c, unsigned ttl)
{
	pthread_mutex_lock(&c->lock);
	c->ttl = ttl;
	clear_locked(c, NULL);
	pthread_mutex_unlock(&c->lock);
}

void pc_cache_forget(struct pc_cache *c, const char *subject)
{
	pthread_mutex_lock(&c->lock);
	clear_locked(c, subject);
	pthread_mutex_unlock(&c->lock);
}

bool pc_cache_get(struct pc_cache *c, const char *subject, const char *purpose, bool *granted)
{
	char *k = make_key(subject, purpose);
	bool hit = false;
	if (!k)
		return false;
	double t = now_mono();
	pthread_mutex_lock(&c->lock);
	struct entry **p = &c->bucket[hash(k)];
	while (*p) {
		struct entry *e = *p;
		if (e->expires <= t) {
			*p = e->next;
			free_entry(e);
			continue;
		}
		if (strcmp(e->key, k) == 0) {
			*granted = e->granted;
			hit = true;
		}
		p = &e->next;
	}
	pthread_mutex_unlock(&c->lock);
	free(k);
	return hit;
}

void pc_cache_put(struct pc_cache *c, const char *subject, const char *purpose, bool granted)
{
	char *k = make_key(subject, purpose);
	if (!k)
		return;
	pthread_mutex_lock(&c->lock);
	if (c->ttl == 0)
		goto out;
	struct entry **head = &c->bucket[hash(k)];
	for (struct entry *e = *head; e; e = e->next) {
		if (strcmp(e->key, k) == 0) {
			e->granted = granted;
			e->expires = now_mono() + c->ttl;
			goto out;
		}
	}
	struct entry *e = malloc(sizeof *e);
	if (!e)
		goto out;
	e->key = k;
	k = NULL;
	e->granted = granted;
	e->expires = now_mono() + c->ttl;
	e->next = *head;
	*head = e;
out:
	pthread_mutex_unlock(&c->lock);
	free(k);
}

bool pc_cache_on(struct pc_cache *c)
{
	pthread_mutex_lock(&c->lock);
	bool on = c->ttl > 0;
	pthread_mutex_unlock(&c->lock);
	return on;
}
