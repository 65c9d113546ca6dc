/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * vault.h - the one part of the service that holds keys: it creates, unwraps, caches and destroys the data keys of
 * subjects and the message keys of notices, and seals and opens what is stored under them.
 *
 * Internal to the service layer (it speaks of readers and keystore connections); the HTTP and CLI layers never see
 * it. Callers name an owner (a subject id, or "msg:<notification id>" for a notice) and a field, hand over plain
 * bytes and get sealed blobs back, or the reverse: no key ever reaches them, so that this file could one day move
 * into a process of its own (as OpenSMTPD's ca.c did with its private keys) without the use cases changing.
 */
#ifndef PRIVD_SERVICE_VAULT_H
#define PRIVD_SERVICE_VAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/rc.h"
#include "crypto/keyring.h"
#include "service/keyset.h"
#include "store/repo.h"

struct privd_service;
struct privd_reader;
struct privd_vault;

/* ---- the vault's life ---- */

/* A vault over the master keys of keys (borrowed: they must outlive the vault) that reads keys through svc's
 * readers. Caching starts switched on when cache is true. PRIVD_ERR_NOMEM when it cannot be allocated; without
 * locked memory for the cache it works uncached. *out is the caller's (privd_vault_free). */
enum privd_rc privd_vault_new(struct privd_service *svc, struct privd_keyset *keys, bool cache,
                              struct privd_vault **out);
/* Zeroes every cached key and frees the vault; accepts NULL. No other call may run meanwhile. */
void privd_vault_free(struct privd_vault *v);

/* Switches caching on or off; either way every cached key is dropped and every unwrap in progress will not be
 * cached. Caching is safe only while this process hears of every erasure: always on SQLite (one process), on
 * PostgreSQL while the listener is connected. Cannot fail. */
void privd_vault_cache_enable(struct privd_vault *v, bool on);
/* Drops the cached key of subject_id (erased elsewhere); an unwrap of it in progress will not be cached. */
void privd_vault_forget(struct privd_vault *v, const char *subject_id);

/* ---- fields ---- */

/* One field to seal: the name it is bound to (with the owner's id, the envelope's associated data), the plain
 * bytes, and where the sealed blob goes (malloc'd; the caller clears it). Nothing to seal (len 0) is no blob. */
struct privd_vault_sealing {
	const char *field;
	const void *plain;
	size_t len;
	struct privd_blob *out;
};

/* A text to seal, without its NUL. Cannot fail. */
static inline struct privd_vault_sealing privd_vault_text(const char *field, const char *text, struct privd_blob *out)
{
	struct privd_vault_sealing f = {field, text, strlen(text), out};

	return f;
}

/* One field to open: the name it was sealed under and the blob. The plain bytes go into text (cap bytes, always
 * NUL-terminated; "" for no blob; longer than cap - 1 is PRIVD_ERR_CRYPTO) or, when text is NULL, into *copy
 * (malloc'd with a NUL after its len; no data for no blob; the caller zeroes and frees it). */
struct privd_vault_opening {
	const char *field;
	const struct privd_blob *sealed;
	char *text;
	size_t cap;
	struct privd_blob *copy;
};

/* ---- new keys ---- */

/* A key made for one owner, wrapped under the current master key: what a write job puts in the keystore. */
struct privd_wrapped_key {
	char id[40]; /* the owner: a subject id, or "msg:<notification id>" */
	int64_t created_at;
	uint8_t bytes[PRIVD_WRAPPED_KEY_BYTES];
	char kid[PRIVD_KID_HEX];   /* the master key it is wrapped under */
	struct privd_vault *vault; /* the vault that made it, which wraps it again if a rotation intervenes */
};

/* Makes a fresh key for owner id, seals the n fields under it and wraps it into *out; the key itself is zeroed
 * before returning. On failure the blobs already sealed are the caller's to clear. PRIVD_ERR_NOMEM, or
 * PRIVD_ERR_CRYPTO when the key cannot be wrapped. */
enum privd_rc privd_vault_create(struct privd_vault *v, const char *id, int64_t created_at,
                                 const struct privd_vault_sealing *fields, size_t n, struct privd_wrapped_key *out);

/* Seals the n fields under the key k holds: a key made by privd_vault_create without fields and stored since (the
 * reserve's, reserve.c). PRIVD_ERR_CRYPTO when it does not open, PRIVD_ERR_NOMEM; the blobs already sealed are then
 * the caller's to clear. */
enum privd_rc privd_vault_seal_with(struct privd_vault *v, const struct privd_wrapped_key *k,
                                    const struct privd_vault_sealing *fields, size_t n);

/* ---- the keys' rows in the keystore: write-job parts, run in the caller's keystore transaction ---- */

/* Puts k into the keystore. When a rotation made another master key current since k was wrapped, k is wrapped again
 * under that one (and this process learns it is current) before it is stored: a key is never stored under a master
 * key that is not current (see store/repo_keys.c). */
enum privd_rc privd_vault_store(struct privd_db *ks, const struct privd_wrapped_key *k);
/* Puts the n keys keys[0..n-1] into the keystore (a fan-out's message keys; insert_rows: many to a statement on
 * PostgreSQL), all with the
 * created_at of the first; when a rotation made another master key current since they were wrapped, one by one as
 * privd_vault_store does. PRIVD_ERR_NOMEM. */
enum privd_rc privd_vault_store_many(struct privd_db *ks, const struct privd_wrapped_key *const *keys, size_t n);
/* Destroys the key of id (PRIVD_OK when there was none) and drops it from the cache; an unwrap of it in progress
 * will not be cached. Until the transaction commits, the key can still be read, and so cached again: once it has
 * committed, call privd_vault_forget (a subject's data key; an erased subject's key is never cached, whatever the
 * keystore holds, so this only matters where no tombstone came first). */
enum privd_rc privd_vault_destroy(struct privd_vault *v, struct privd_db *ks, const char *id);
/* Calls cb with the owner id of every key held; non-zero stops. */
enum privd_rc privd_vault_ids(struct privd_db *ks, int (*cb)(void *arg, const char *id), void *arg);

/* ---- master keys ---- */

/* Reads the master keys the keystore ks knows (a reader's connection, or a write job's) and applies them to the
 * vault's keys (privd_keyset_sync): the current one wraps from now on, retired ones are dropped and their files
 * here destroyed. When the keystore knows none yet, records the data directory's master.key as current (the
 * first start after master keys had ids). rows (may be NULL) receives what was read, at most max of them, and *n
 * how many. PRIVD_ERR_NOT_FOUND when the current master key is not to be had here. */
enum privd_rc privd_vault_keys_sync(struct privd_vault *v, struct privd_db *ks, struct privd_master_key_row *rows,
                                    size_t max, size_t *n, struct privd_err *err);
/* A rotation's step, run in a keystore transaction: wraps again under the current master key at most limit keys
 * wrapped under kid ("" : none recorded); *done receives how many. PRIVD_ERR_CRYPTO when one does not open under
 * any key held (nothing of the batch is then written: the caller's transaction is rolled back). */
enum privd_rc privd_vault_rewrap(struct privd_vault *v, struct privd_db *ks, const char *kid, size_t limit,
                                 size_t *done);

/* ---- sealing and opening under a subject's key ----
 * Each unwraps the key once (or finds it cached), whatever n is, and zeroes it before returning. r is a reader
 * the caller holds, or NULL: the vault takes one from the pool only when it must read the keystore. PRIVD_ERR_GONE
 * when the key was destroyed (the subject erased). */

/* Seals the n fields under subject_id's key. On failure the blobs already sealed are the caller's to clear. */
enum privd_rc privd_vault_seal(struct privd_vault *v, struct privd_reader *r, const char *subject_id,
                               const struct privd_vault_sealing *fields, size_t n);
/* Opens the n fields sealed under subject_id's key. PRIVD_ERR_CRYPTO when one does not authenticate (what was
 * opened before it is the caller's to clear). */
enum privd_rc privd_vault_open(struct privd_vault *v, struct privd_reader *r, const char *subject_id,
                               const struct privd_vault_opening *fields, size_t n);

/* A subject's key lent for the length of one call, for a walk over rows sealed under it: fn runs with a handle
 * through which privd_vault_lent_open opens fields; the handle is dead and the key zeroed once fn returns.
 * Returns fn's result, or the unwrap's failure (fn is then not called). */
struct privd_vault_lent;
enum privd_rc privd_vault_lend(struct privd_vault *v, struct privd_reader *r, const char *subject_id,
                               enum privd_rc (*fn)(const struct privd_vault_lent *k, void *arg), void *arg);
/* The keys of many subjects lent one after another, for a walk over thousands (a fan-out, an aggregate export):
 * ids[0..n) in ascending order, read through r (required) many to a statement, never looked up in the cache nor
 * added to it (a walk over 100,000 subjects neither pays for it nor flushes it). fn(k, i, arg) runs for each ids[i]
 * whose key is held, in order, the key zeroed once it returns; a subject whose key is gone (erased) is passed over.
 * Returns the first failure of fn or of reading and unwrapping. */
enum privd_rc privd_vault_lend_each(struct privd_vault *v, struct privd_reader *r, const char *const *ids, size_t n,
                                    enum privd_rc (*fn)(const struct privd_vault_lent *k, size_t i, void *arg),
                                    void *arg);
/* Opens one field with a lent key; as privd_vault_open. */
enum privd_rc privd_vault_lent_open(const struct privd_vault_lent *k, const struct privd_vault_opening *field);

#endif
