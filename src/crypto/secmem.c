/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * secmem.c - each thread's locked scratch for data keys (secmem.h says why). One sodium_malloc area a thread,
 * made on its first key and freed by the thread's end; a bit per slot says which are held.
 */
#include "crypto/secmem.h"

#include <pthread.h>
#include <sodium.h>
#include <string.h>

struct scratch {
	uint32_t held; /* bit i: keys[i] is held */
	uint8_t keys[PRIVD_SECMEM_SLOTS][PRIVD_KEY_BYTES];
};

static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;
static int scratch_ok;

static void scratch_free(void *p)
{
	sodium_free(p); /* zeroes */
}

static void scratch_init(void)
{
	scratch_ok = pthread_key_create(&scratch_key, scratch_free) == 0;
}

uint8_t *privd_secmem_key(void)
{
	struct scratch *s;

	if (pthread_once(&scratch_once, scratch_init) != 0 || !scratch_ok)
		return NULL;
	s = pthread_getspecific(scratch_key);
	if (s == NULL) {
		s = sodium_malloc(sizeof(*s)); /* locked and guarded */
		if (s == NULL)
			return NULL;
		memset(s, 0, sizeof(*s));
		if (pthread_setspecific(scratch_key, s) != 0) {
			sodium_free(s);
			return NULL;
		}
	}
	for (unsigned i = 0; i < PRIVD_SECMEM_SLOTS; i++) {
		if (!(s->held & (1u << i))) {
			s->held |= 1u << i;
			return s->keys[i];
		}
	}
	return NULL;
}

void privd_secmem_release(uint8_t *key)
{
	struct scratch *s;

	if (key == NULL)
		return;
	sodium_memzero(key, PRIVD_KEY_BYTES);
	s = pthread_getspecific(scratch_key);
	if (s != NULL && key >= s->keys[0] && key < s->keys[0] + sizeof(s->keys))
		s->held &= ~(1u << (unsigned)((size_t)(key - s->keys[0]) / PRIVD_KEY_BYTES));
}
