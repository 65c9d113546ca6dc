/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * keyring.h - the master key and everything derived from it.
 *
 * The master key is a 32-byte file (mode 0600) in the data directory. It never leaves this module: callers get
 * operations, not key bytes. Subkeys are derived with crypto_kdf (libsodium) under distinct contexts:
 * wrapping per-subject data keys, the blind index of e-mail and phone, the audit chain MAC and API key hashes.
 * A stolen database without master.key yields neither PII, nor lookups by e-mail, nor forgeable audit entries.
 * All key material lives in sodium_malloc'd memory, zeroed on free.
 */
#ifndef PRIVD_CRYPTO_KEYRING_H
#define PRIVD_CRYPTO_KEYRING_H

#include <stddef.h>
#include <stdint.h>

#include "core/rc.h"

#define PRIVD_KEY_BYTES 32
#define PRIVD_WRAPPED_KEY_BYTES (24 + PRIVD_KEY_BYTES + 16) /* nonce + key + tag */
#define PRIVD_HASH_BYTES 32
#define PRIVD_HASH_HEX (2 * PRIVD_HASH_BYTES + 1)
#define PRIVD_ID_HEX 33     /* 128-bit random id as 32 hex chars + NUL */
#define PRIVD_APIKEY_MAX 64 /* "pk_" + base64url(32 bytes) + NUL fits */

struct privd_keyring;

/* Call once at start-up, before anything else here. PRIVD_ERR_CRYPTO when libsodium cannot initialise. */
enum privd_rc privd_crypto_init(void);

/* Writes a new random master key to path with mode 0600, refusing to overwrite (O_EXCL). */
enum privd_rc privd_keyring_create(const char *path, struct privd_err *err);

/* Loads the master key. Refuses (PRIVD_ERR_FORBIDDEN, message says why) a file readable or writable by group or
 * others, and anything that is not exactly 32 bytes. *out is owned by the caller (privd_keyring_free). */
enum privd_rc privd_keyring_load(const char *path, struct privd_keyring **out, struct privd_err *err);
void privd_keyring_free(struct privd_keyring *kr); /* accepts NULL; zeroes */

/* A fresh random data key for one subject. key is caller-allocated; zero it when done. */
void privd_datakey_generate(uint8_t key[PRIVD_KEY_BYTES]);

/* Wraps a data key under the master key, with the subject id as associated data. */
enum privd_rc privd_datakey_wrap(const struct privd_keyring *kr, const char *subject_id,
                                 const uint8_t key[PRIVD_KEY_BYTES], uint8_t out[PRIVD_WRAPPED_KEY_BYTES]);
/* PRIVD_ERR_CRYPTO when the wrapped key does not authenticate (wrong subject, tampered, other master key). */
enum privd_rc privd_datakey_unwrap(const struct privd_keyring *kr, const char *subject_id, const uint8_t *wrapped,
                                   size_t wrapped_len, uint8_t key[PRIVD_KEY_BYTES]);

/* Blind index: keyed BLAKE2b-256 of (kind, normalised value), hex. kind is "email" or "phone"; the same value
 * under different kinds gives different indexes. out is PRIVD_HASH_HEX bytes. Cannot fail. */
void privd_blind_index(const struct privd_keyring *kr, const char *kind, const char *value, char out[PRIVD_HASH_HEX]);

/* Audit chain link: keyed BLAKE2b-256 over prev_hash (hex, "" for the first entry) and the entry's canonical
 * bytes, hex. Cannot fail. */
void privd_audit_mac(const struct privd_keyring *kr, const char *prev_hash, const uint8_t *entry, size_t len,
                     char out[PRIVD_HASH_HEX]);

/* API keys: a new random key "pk_<43 base64url chars>" (shown once), and the keyed hash that is stored. */
void privd_apikey_generate(char out[PRIVD_APIKEY_MAX]);
void privd_apikey_hash(const struct privd_keyring *kr, const char *key, char out[PRIVD_HASH_HEX]);

/* A random 128-bit id as 32 lowercase hex characters. Cannot fail. */
void privd_random_id(char out[PRIVD_ID_HEX]);

/* A 128-bit id whose first 48 bits are the time in milliseconds and the other 80 random, as 32 hex characters:
 * ids made later sort later, so rows keyed by them are appended to the end of their indexes instead of touching
 * pages all over the file (what keeps registration fast as the table grows). Cannot fail. */
void privd_time_id(int64_t now_ms, char out[PRIVD_ID_HEX]);

/* SHA-256 of data, lowercase hex (policy texts, document checksums). Cannot fail. */
void privd_sha256_hex(const uint8_t *data, size_t len, char out[PRIVD_HASH_HEX]);

#endif
