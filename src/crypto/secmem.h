/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * secmem.h - locked memory for the data keys a thread holds for a moment.
 *
 * A person's data key is unwrapped for one operation (seal or open their fields) and zeroed at once. A buffer on
 * the stack may be paged out to swap, where the zeroing never reaches. So each thread takes its key buffers from a
 * small scratch area of its own in sodium_malloc memory: locked in RAM (mlock), fenced by guard pages, excluded
 * from core dumps, and freed (zeroed again) when the thread ends. A slot is zeroed as it is given back.
 */
#ifndef PRIVD_CRYPTO_SECMEM_H
#define PRIVD_CRYPTO_SECMEM_H

#include <stdint.h>

#include "crypto/keyring.h"

#define PRIVD_SECMEM_SLOTS 8 /* keys one thread may hold at once */

/* A PRIVD_KEY_BYTES buffer in the calling thread's locked scratch, zeroed. NULL when the thread holds
 * PRIVD_SECMEM_SLOTS already or no memory could be had: the caller answers PRIVD_ERR_NOMEM. Give it back with
 * privd_secmem_release on the same thread. */
uint8_t *privd_secmem_key(void);

/* Zeroes key and gives its slot back. Accepts NULL. Cannot fail. */
void privd_secmem_release(uint8_t *key);

#endif
