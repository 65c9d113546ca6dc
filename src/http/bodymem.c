/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * bodymem.c - the memory of request bodies in flight: all requests together hold at most [server] body_memory, and
 * the requests of one client address at most [server] body_memory_per_ip of it.
 *
 * What shaped it: 200 uploads of 10 MiB - 1 byte that stalled took privd from 10 MB to 2 GB; bounded by a total,
 * the same attack from one address then took the whole total, and every other client's upload got 503 for as long
 * as it lasted. So there are two bounds: the total is one atomic counter (no lock on the way of a body's bytes),
 * the share of an address a small table under a mutex, touched only when a body's buffer grows (a few times per
 * request; a GET never). An address is the client's as the cookie limiter counts it (client.c): the connection's
 * peer, or behind a proxy of [http] trusted_proxies the client it forwards for; an IPv6 one by its /64, the block
 * one subscriber usually holds, so that an attacker cannot take a share per address of its block. Nothing here
 * allocates a body but through privd_http_body_reserve and privd_http_body_append, which take the room before
 * they do; server.c gives it back when it frees the body.
 */
#include "http_int.h"

#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define BODY_RESERVE_MAX ((size_t)256 * 1024) /* of a declared body, taken before its bytes arrive */

struct privd_http_ipmem {
	struct privd_http_ipmem *next;
	size_t bytes; /* held by the address's requests now; the entry goes when it is 0 */
	unsigned char len;
	unsigned char addr[16];
};

static size_t slot_of(const unsigned char *addr, unsigned char len)
{
	size_t h = 14695981039346656037u; /* FNV-1a */

	for (unsigned char i = 0; i < len; i++)
		h = (h ^ addr[i]) * 1099511628211u;
	return h % PRIVD_HTTP_IP_SLOTS;
}

/* r's client address, once, as the cookie limiter counts it (client.c): none known leaves ip_len 0. */
static void learn_ip(struct privd_http_req *r)
{
	uint8_t key[16];

	if (r->ip_known)
		return;
	r->ip_known = true;
	if (privd_http_client_key(r, key)) {
		memcpy(r->ip, key, sizeof(key));
		r->ip_len = sizeof(key);
	}
}

/* The entry of r's address (made when `make` and absent); NULL when none. Under g->ip_lock. */
static struct privd_http_ipmem *entry(struct privd_http_guard *g, const struct privd_http_req *r, bool make)
{
	struct privd_http_ipmem **slot = &g->ip_slots[slot_of(r->ip, r->ip_len)];
	struct privd_http_ipmem *e;

	for (e = *slot; e != NULL; e = e->next)
		if (e->len == r->ip_len && memcmp(e->addr, r->ip, r->ip_len) == 0)
			return e;
	if (!make || (e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	e->len = r->ip_len;
	memcpy(e->addr, r->ip, r->ip_len);
	e->next = *slot;
	*slot = e;
	return e;
}

static void forget(struct privd_http_guard *g, struct privd_http_ipmem *gone)
{
	struct privd_http_ipmem **p = &g->ip_slots[slot_of(gone->addr, gone->len)];

	while (*p != gone)
		p = &(*p)->next;
	*p = gone->next;
	free(gone);
}

/* Whether the address's share applies to r. */
static bool shared(struct privd_http_req *r)
{
	if (r->h->guard.body_memory_per_ip == 0)
		return false;
	learn_ip(r);
	return r->ip_len > 0;
}

bool privd_http_guard_fits(struct privd_http_req *r, size_t n)
{
	struct privd_http_guard *g = &r->h->guard;
	size_t held = atomic_load(&g->body_bytes);
	bool fits = held <= g->body_memory && n <= g->body_memory - held;

	if (fits && shared(r)) {
		struct privd_http_ipmem *e;

		pthread_mutex_lock(&g->ip_lock);
		e = entry(g, r, false);
		held = e != NULL ? e->bytes : 0;
		fits = held <= g->body_memory_per_ip && n <= g->body_memory_per_ip - held;
		pthread_mutex_unlock(&g->ip_lock);
	}
	if (!fits)
		atomic_fetch_add(&g->refused_memory, 1);
	return fits;
}

bool privd_http_guard_take(struct privd_http_req *r, size_t n)
{
	struct privd_http_guard *g = &r->h->guard;
	bool ok = true;

	if (atomic_fetch_add(&g->body_bytes, n) + n > g->body_memory) {
		ok = false;
	} else if (shared(r)) {
		struct privd_http_ipmem *e;

		pthread_mutex_lock(&g->ip_lock);
		e = entry(g, r, true);
		if (e == NULL || e->bytes + n > g->body_memory_per_ip) {
			ok = false;
			if (e != NULL && e->bytes == 0)
				forget(g, e);
		} else {
			e->bytes += n;
		}
		pthread_mutex_unlock(&g->ip_lock);
	}
	if (!ok) {
		atomic_fetch_sub(&g->body_bytes, n);
		atomic_fetch_add(&g->refused_memory, 1);
	}
	return ok;
}

void privd_http_guard_give(struct privd_http_req *r, size_t n)
{
	struct privd_http_guard *g = &r->h->guard;

	if (n == 0)
		return;
	atomic_fetch_sub(&g->body_bytes, n);
	if (shared(r)) {
		struct privd_http_ipmem *e;

		pthread_mutex_lock(&g->ip_lock);
		e = entry(g, r, false);
		if (e != NULL) {
			e->bytes = e->bytes > n ? e->bytes - n : 0;
			if (e->bytes == 0)
				forget(g, e);
		}
		pthread_mutex_unlock(&g->ip_lock);
	}
}

void privd_http_guard_ip_cleanup(struct privd_http_guard *g)
{
	for (size_t i = 0; i < PRIVD_HTTP_IP_SLOTS; i++) {
		while (g->ip_slots[i] != NULL) {
			struct privd_http_ipmem *e = g->ip_slots[i];

			g->ip_slots[i] = e->next;
			free(e);
		}
	}
}

/* ---- a request's body ---- */

void privd_http_body_alloc_init(void)
{
	/* glibc raises its threshold for mapping a block on its own to the largest such block freed (up to 32 MiB),
	 * after which bodies of 1 MiB come from the heap, whose freed pages it keeps: after 2,000 greedy clients privd
	 * stayed at 190 MiB of resident memory with no body held, and peaked above body_memory. Fixed, a body past
	 * 128 KiB is mapped on its own and unmapped when freed. */
	mallopt(M_MMAP_THRESHOLD, BODY_RESERVE_MAX / 2);
	/* That also fixes the threshold past which a thread's arena gives the free memory at its top back to the system
	 * at glibc's 128 KiB. Each such return is an madvise, and each flushes the address translations of every core
	 * running privd (on a virtual machine a call into the hypervisor): where the arenas' long-lived blocks happened
	 * to leave the tops free, as after a restart on 150,000 people, registration ran at half its rate (7,078-8,633
	 * a second against 13,246-14,581 before the restart; 9% of the samples in TLB flushes). Up to 1 MiB stays. */
	mallopt(M_TRIM_THRESHOLD, 1024 * 1024);
}

bool privd_http_body_append(struct privd_http_req *r, const char *data, size_t n)
{
	size_t need;

	if (r->too_large)
		return true;
	if (n > r->body_limit - r->body_len) {
		r->too_large = true;
		return true;
	}
	need = r->body_len + n + 1;
	if (need > r->body_cap) {
		size_t ncap = r->body_cap ? r->body_cap : 1024;
		char *nb;

		while (ncap < need)
			ncap *= 2;
		if (ncap > r->body_limit + 1)
			ncap = r->body_limit + 1;
		if (r->declared != SIZE_MAX && ncap > r->declared + 1 && need <= r->declared + 1)
			ncap = r->declared + 1; /* no more room than the declared length needs */
		if (!privd_http_guard_take(r, ncap - r->body_cap)) {
			r->over_budget = true;
			return true;
		}
		nb = malloc(ncap);
		if (nb == NULL) {
			privd_http_guard_give(r, ncap - r->body_cap);
			return false;
		}
		if (r->body != NULL) {
			memcpy(nb, r->body, r->body_len);
			explicit_bzero(r->body, r->body_cap);
			free(r->body);
		}
		r->body = nb;
		r->body_cap = ncap;
	}
	memcpy(r->body + r->body_len, data, n);
	r->body_len += n;
	r->body[r->body_len] = '\0';
	return true;
}

void privd_http_body_reserve(struct privd_http_req *r, size_t len)
{
	if (len == 0 || r->body != NULL)
		return;
	/* what a client declares costs it nothing: past this much, the room is taken as the bytes arrive */
	if (len > BODY_RESERVE_MAX)
		len = BODY_RESERVE_MAX;
	if (!privd_http_guard_take(r, len + 1)) {
		r->over_budget = true;
		return;
	}
	r->body = malloc(len + 1);
	if (r->body != NULL)
		r->body_cap = len + 1;
	else
		privd_http_guard_give(r, len + 1);
}
