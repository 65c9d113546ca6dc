/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * random.c - a ChaCha20 generator per thread, with fast key erasure, as libsodium's randombytes.
 *
 * What shaped it: on glibc 2.36 (no getrandom in the vDSO) libsodium's default generator makes a getrandom system
 * call for every nonce and every key, nine a registration, each through the seccomp filter. Here a thread's state
 * is a 32-byte key and a buffer of output. A refill runs ChaCha20 (libsodium's crypto_stream_chacha20, nonce 0)
 * under the key for one BUF_BYTES block: its first 32 bytes replace the key at once and are wiped from the buffer,
 * the rest is handed out front to back, every byte wiped as it leaves. So nothing in memory ever reveals output
 * already given out (Bernstein's "fast-key-erasure random-number generators", 2017), and a key is never used
 * twice, so the fixed nonce is sound. A draw of more than LARGE_BYTES takes a fresh one-time key from the
 * buffer and streams the request straight into the caller's memory.
 *
 * The key comes from the kernel (libsodium's own sysrandom implementation, getrandom) on a thread's first draw,
 * is mixed with a fresh kernel seed after RESEED_BYTES of output, and is replaced in a child after fork: a
 * pthread_atfork handler bumps a generation that every draw compares with its state's (a child that a raw clone
 * made behind glibc's back and that draws before it execs would repeat its parent's output: privd makes none;
 * posix_spawn's child only execs). The state lives in sodium_malloc memory (locked, guarded, left out of core
 * dumps, zeroed when its thread ends), as the data keys it makes deserve. If that memory cannot be had, the draw
 * goes to the kernel as before.
 */
#include "crypto/random.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>

#include <sodium.h>

#define KEY_BYTES crypto_stream_chacha20_KEYBYTES
#define BUF_BYTES 1024           /* one refill: the next key, then output; 16 ChaCha20 blocks */
#define LARGE_BYTES 256          /* draws above this stream under a one-time key of their own */
#define RESEED_BYTES (1ul << 20) /* output between kernel seeds, per thread */

_Static_assert(BUF_BYTES % 64 == 0 && BUF_BYTES > KEY_BYTES + LARGE_BYTES, "refill layout");

struct rng {
	uint64_t generation; /* the fork generation it was seeded in; 0: not seeded */
	uint64_t drawn;      /* bytes of output since the last kernel seed */
	size_t pos;          /* next byte of buf to hand out; BUF_BYTES: empty */
	uint8_t key[KEY_BYTES];
	uint8_t buf[BUF_BYTES];
};

static const uint8_t zero_nonce[crypto_stream_chacha20_NONCEBYTES];
static pthread_once_t install_once = PTHREAD_ONCE_INIT;
static pthread_key_t state_key;
static enum privd_rc install_rc = PRIVD_ERR_CRYPTO;
static _Atomic uint64_t fork_generation = 1;
static _Atomic uint64_t seeds;
static _Thread_local struct rng *state;

static void after_fork_child(void)
{
	atomic_fetch_add_explicit(&fork_generation, 1, memory_order_relaxed);
}

static void state_free(void *p)
{
	state = NULL;   /* runs on the thread that ends: a later draw there starts afresh */
	sodium_free(p); /* zeroes */
}

/* Takes 32 bytes from the kernel into the key: replacing it (first draw, or a child after fork) or mixed in. */
static void seed(struct rng *s, uint64_t generation)
{
	uint8_t fresh[KEY_BYTES];

	randombytes_sysrandom_implementation.buf(fresh, sizeof(fresh));
	for (size_t i = 0; i < KEY_BYTES; i++)
		s->key[i] = s->generation == generation ? (uint8_t)(s->key[i] ^ fresh[i]) : fresh[i];
	sodium_memzero(fresh, sizeof(fresh));
	if (s->generation != generation) {
		sodium_memzero(s->buf, sizeof(s->buf)); /* the parent's unread output is not the child's */
		s->pos = BUF_BYTES;
	}
	s->generation = generation;
	s->drawn = 0;
	atomic_fetch_add_explicit(&seeds, 1, memory_order_relaxed);
}

/* The next block: its first KEY_BYTES become the key and are wiped. */
static void refill(struct rng *s)
{
	crypto_stream_chacha20(s->buf, sizeof(s->buf), zero_nonce, s->key);
	memcpy(s->key, s->buf, KEY_BYTES);
	sodium_memzero(s->buf, KEY_BYTES);
	s->pos = KEY_BYTES;
}

/* Hands out n bytes of the buffer (refilled as needed), wiping them as they go. */
static void take(struct rng *s, uint8_t *out, size_t n)
{
	while (n > 0) {
		size_t k;

		if (s->pos == BUF_BYTES)
			refill(s);
		k = BUF_BYTES - s->pos < n ? BUF_BYTES - s->pos : n;
		memcpy(out, s->buf + s->pos, k);
		sodium_memzero(s->buf + s->pos, k);
		s->pos += k;
		out += k;
		n -= k;
	}
}

/* The calling thread's state, seeded for this process and not due a reseed; NULL without locked memory. */
static struct rng *thread_state(void)
{
	uint64_t generation = atomic_load_explicit(&fork_generation, memory_order_relaxed);
	struct rng *s = state;

	if (s == NULL) {
		s = sodium_malloc(sizeof(*s));
		if (s == NULL)
			return NULL;
		memset(s, 0, sizeof(*s));
		s->pos = BUF_BYTES;
		if (pthread_setspecific(state_key, s) != 0) {
			sodium_free(s);
			return NULL;
		}
		state = s;
	}
	if (s->generation != generation || s->drawn >= RESEED_BYTES)
		seed(s, generation);
	return s;
}

static void random_buf(void *const buf, const size_t size)
{
	struct rng *s = thread_state();
	uint8_t once[KEY_BYTES];

	if (s == NULL) {
		randombytes_sysrandom_implementation.buf(buf, size);
		return;
	}
	s->drawn += size;
	if (size <= LARGE_BYTES) {
		take(s, buf, size);
		return;
	}
	take(s, once, sizeof(once));
	crypto_stream_chacha20(buf, size, zero_nonce, once);
	sodium_memzero(once, sizeof(once));
}

static uint32_t random_u32(void)
{
	uint32_t v;

	random_buf(&v, sizeof(v));
	return v;
}

static const char *random_name(void)
{
	return "privd-chacha20-fke";
}

static randombytes_implementation implementation = {
    .implementation_name = random_name,
    .random = random_u32,
    .stir = NULL,
    .uniform = NULL, /* libsodium's own, over random_u32 */
    .buf = random_buf,
    .close = NULL,
};

static void install(void)
{
	if (pthread_key_create(&state_key, state_free) != 0)
		return;
	if (pthread_atfork(NULL, NULL, after_fork_child) != 0)
		return;
	randombytes_set_implementation(&implementation);
	install_rc = PRIVD_OK;
}

enum privd_rc privd_random_install(void)
{
	if (pthread_once(&install_once, install) != 0)
		return PRIVD_ERR_CRYPTO;
	return install_rc;
}

uint64_t privd_random_seeds(void)
{
	return atomic_load_explicit(&seeds, memory_order_relaxed);
}
