/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * random.h - the random numbers libsodium hands out (randombytes_buf and everything built on it: nonces, data
 * keys, ids), from a generator per thread instead of a getrandom system call per draw.
 *
 * A registration draws about nine times (a data key, its wrapping nonce, a nonce per sealed field, the id), and
 * libsodium's default asks the kernel every time. Each thread here runs ChaCha20 with fast key erasure (the first 32
 * bytes of every block of output become the next key and the old key is gone), seeded from the kernel on its first
 * draw, again after RESEED_BYTES of output, and again in a child after fork. docs/security.md describes the
 * construction and why it is sound.
 */
#ifndef PRIVD_CRYPTO_RANDOM_H
#define PRIVD_CRYPTO_RANDOM_H

#include <stdint.h>

#include "core/rc.h"

/* Makes this generator libsodium's randombytes implementation, once per process (later calls do nothing). Call
 * after sodium_init (privd_crypto_init does). PRIVD_ERR_CRYPTO when the fork handler cannot be registered; the
 * kernel's generator then stays in place. */
enum privd_rc privd_random_install(void);

/* How many times, in this process, a thread's generator took a seed from the kernel (first draws, reseeds after
 * RESEED_BYTES, draws in a child after fork). For tests and metrics; cannot fail. */
uint64_t privd_random_seeds(void);

#endif
