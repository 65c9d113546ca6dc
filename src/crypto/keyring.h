/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * keyring.h - the master key and everything derived from it.
 *
 * The master key is a file (mode 0600) in the data directory. It never leaves this module: callers get
 * operations, not key bytes. It holds four keys: one wrapping per-subject data keys, one for the blind index of
 * e-mail and phone, one for the audit chain MAC and one for API key hashes. `privd init` writes master.key, 32
 * bytes from which the four are derived with crypto_kdf (libsodium) under distinct contexts; a rotation
 * (`privd keys rotate`) writes master.key.<kid>, 136 bytes that hold a fresh wrapping key and the other three as
 * they were, so that the e-mail lookups, the API keys and the audit chain survive it while nothing wrapped under
 * the old wrapping key opens with the new file. A stolen database without the master key yields neither PII, nor
 * lookups by e-mail, nor forgeable audit entries. All key material lives in sodium_malloc'd memory, zeroed on
 * free.
 */
#ifndef PRIVD_CRYPTO_KEYRING_H
#define PRIVD_CRYPTO_KEYRING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/masterkey.h"
#include "core/rc.h"

#define PRIVD_KEY_BYTES 32
#define PRIVD_WRAPPED_KEY_BYTES (24 + PRIVD_KEY_BYTES + 16) /* nonce + key + tag */
#define PRIVD_HASH_BYTES 32
#define PRIVD_HASH_HEX (2 * PRIVD_HASH_BYTES + 1)
#define PRIVD_ID_HEX 33                    /* 128-bit random id as 32 hex chars + NUL */
#define PRIVD_APIKEY_MAX 64                /* "pk_" + base64url(32 bytes) + NUL fits */
#define PRIVD_MASTER_KEY_FILE "master.key" /* privd init's; a rotation's is master.key.<kid> */

struct privd_keyring;

/* Call once at start-up, before anything else here: libsodium initialised, its random numbers from a generator per
 * thread (crypto/random.h). PRIVD_ERR_CRYPTO when libsodium cannot initialise or the generator cannot be installed.
 * Later calls do nothing more. */
enum privd_rc privd_crypto_init(void);

/* Writes a new random master key to path with mode 0600, refusing to overwrite (O_EXCL). */
enum privd_rc privd_keyring_create(const char *path, struct privd_err *err);

/* Loads a master key file: 32 bytes (init's) or 136 (a rotation's). Refuses (PRIVD_ERR_FORBIDDEN, message says
 * why) a file readable or writable by group or others, and anything that is neither. *out is owned by the caller
 * (privd_keyring_free). */
enum privd_rc privd_keyring_load(const char *path, struct privd_keyring **out, struct privd_err *err);
void privd_keyring_free(struct privd_keyring *kr); /* accepts NULL; zeroes */

/* The key's id: 16 hex characters of a keyed hash under its wrapping key, the same wherever the file is loaded,
 * telling nothing of the key. "" for an identity keyring (privd_keyring_identity). Cannot fail. */
const char *privd_keyring_kid(const struct privd_keyring *kr);

/* Writes the successor of kr into dir as master.key.<kid> (0600, O_EXCL, flushed with its directory): a fresh
 * wrapping key, and kr's blind-index, audit and API-key keys unchanged. kid receives its id. PRIVD_ERR_IO or
 * PRIVD_ERR_CONFLICT with the reason in err. */
enum privd_rc privd_keyring_successor(const struct privd_keyring *kr, const char *dir, char kid[PRIVD_KID_HEX],
                                      struct privd_err *err);

/* A copy of kr without its wrapping key: for the blind index, the audit MAC and API key hashes, which outlive any
 * one wrapping key; wrapping and unwrapping with it fail. *out is the caller's (privd_keyring_free).
 * PRIVD_ERR_NOMEM. */
enum privd_rc privd_keyring_identity(const struct privd_keyring *kr, struct privd_keyring **out);

/* Whether a and b belong to one installation: the same blind-index, audit and API-key keys (a key file from
 * elsewhere would make every lookup and the audit chain fail). Cannot fail. */
bool privd_keyring_same_install(const struct privd_keyring *a, const struct privd_keyring *b);

/* Destroys a master key file: overwritten with zeros and flushed, unlinked, its directory flushed. PRIVD_OK when
 * there was none. (A journaling or copy-on-write file system, or an SSD, may keep the old blocks: the unlink is
 * what a file system promises; docs/operations.md says what else to do.) */
enum privd_rc privd_keyring_destroy_file(const char *path, struct privd_err *err);

/* A fresh random data key for one subject. key is caller-allocated; zero it when done. */
void privd_datakey_generate(uint8_t key[PRIVD_KEY_BYTES]);

/* Wraps a data key under the master key, with the subject id as associated data. */
enum privd_rc privd_datakey_wrap(const struct privd_keyring *kr, const char *subject_id,
                                 const uint8_t key[PRIVD_KEY_BYTES], uint8_t out[PRIVD_WRAPPED_KEY_BYTES]);
/* PRIVD_ERR_CRYPTO when the wrapped key does not authenticate (wrong subject, tampered, other master key), or kr
 * has no wrapping key. */
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
