/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* libprivd's consent-check cache (cache.c): thread-safe, entries expire ttl seconds after they are put. */
#ifndef PRIVD_CLIENT_CACHE_H
#define PRIVD_CLIENT_CACHE_H

#include <stdbool.h>

struct pc_cache;

/* An empty cache with ttl 0 (off: puts are ignored). NULL when out of memory. */
struct pc_cache *pc_cache_new(void);
void pc_cache_free(struct pc_cache *c);
/* Empties the cache and sets the TTL of the entries put from now on; 0 turns the cache off. */
void pc_cache_set_ttl(struct pc_cache *c, unsigned ttl);
/* Whether the cache is on (ttl > 0). */
bool pc_cache_on(struct pc_cache *c);
/* Drops subject's entries (every entry when subject is NULL). */
void pc_cache_forget(struct pc_cache *c, const char *subject);
/* true and *granted when a live entry for (subject, purpose) is held. */
bool pc_cache_get(struct pc_cache *c, const char *subject, const char *purpose, bool *granted);
/* Stores the answer for ttl seconds (nothing when the cache is off). */
void pc_cache_put(struct pc_cache *c, const char *subject, const char *purpose, bool granted);

#endif
