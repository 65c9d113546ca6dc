/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * keyset.h - the master keys this process holds, by id, and which one wraps new keys.
 *
 * Internal to the service layer: the vault wraps and unwraps data keys through it, the rotation adds and retires
 * master keys through it. The keystore is the authority on which master key is current and which are retired
 * (keyset_sync applies what it says); the files in the data directory are where the keys come from. A key the
 * keystore names but this process has not loaded is looked for as DATA_DIR/master.key.<kid> when first needed, so
 * a server picks up the key a rotation wrote (on this node, or copied here from another) without being told.
 */
#ifndef PRIVD_SERVICE_KEYSET_H
#define PRIVD_SERVICE_KEYSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/masterkey.h"
#include "core/rc.h"
#include "crypto/keyring.h"
#include "store/repo.h"

struct privd_keyset;

/* Loads every master key file of dir (master.key, master.key.<kid>); all must belong to one installation
 * (privd_keyring_same_install). *identity receives a copy of their blind-index, audit and API-key keys, which
 * every key file of an installation shares (the caller's: privd_keyring_free). PRIVD_ERR_NOT_FOUND when dir holds
 * none, PRIVD_ERR_FORBIDDEN for a file that is no key of this installation, with the reason in err. */
enum privd_rc privd_keyset_open(const char *dir, struct privd_keyset **out, struct privd_keyring **identity,
                                struct privd_err *err);
/* Zeroes and frees every key; accepts NULL. No other call may run meanwhile. */
void privd_keyset_free(struct privd_keyset *s);

/* The id of the key the data directory's master.key holds ("" when there is none). For the first start, when
 * the keystore knows no master key yet. Cannot fail. */
void privd_keyset_initial(struct privd_keyset *s, char kid[PRIVD_KID_HEX]);
/* The id of the current master key ("" before the keystore named one). Cannot fail. */
void privd_keyset_current(struct privd_keyset *s, char kid[PRIVD_KID_HEX]);
/* Calls cb with the id of every key loaded and not retired. Cannot fail. */
void privd_keyset_each(struct privd_keyset *s, void (*cb)(void *arg, const char *kid), void *arg);

/* Applies what the keystore says (rows, n, as privd_repo_master_key_list gives them): its current key becomes
 * this process's (loaded from master.key.<kid> when it is not yet); a retired key's file in the data directory is
 * destroyed, and the key dropped from memory once a few seconds have passed (a key wrapped under it just before may
 * still be on its way to the keystore, to be wrapped again). PRIVD_ERR_NOT_FOUND, naming the missing file, when the
 * current key is not to be had; a retired key's file that cannot be destroyed is logged. */
enum privd_rc privd_keyset_sync(struct privd_keyset *s, const struct privd_master_key_row *rows, size_t n,
                                struct privd_err *err);

/* Writes a new master key (the successor of the keys held: privd_keyring_successor) into the data directory and
 * loads it; kid receives its id. It wraps nothing until the keystore makes it current. */
enum privd_rc privd_keyset_create(struct privd_keyset *s, char kid[PRIVD_KID_HEX], struct privd_err *err);
/* Loads DATA_DIR/master.key.<kid> unless it is loaded. PRIVD_ERR_NOT_FOUND when there is no such file. */
enum privd_rc privd_keyset_load(struct privd_keyset *s, const char *kid, struct privd_err *err);

/* Wraps key (of owner id) under the current master key; kid receives its id. PRIVD_ERR_CRYPTO. */
enum privd_rc privd_keyset_wrap(struct privd_keyset *s, const char *id, const uint8_t key[PRIVD_KEY_BYTES],
                                uint8_t out[PRIVD_WRAPPED_KEY_BYTES], char kid[PRIVD_KID_HEX]);
/* Unwraps a key of owner id wrapped under kid ("" : a key stored before ids, tried under every key held), loading
 * master.key.<kid> when it is not loaded yet. PRIVD_ERR_CRYPTO when it does not open, or the key is not to be had
 * (logged with the kid). key is zeroed on failure. */
enum privd_rc privd_keyset_unwrap(struct privd_keyset *s, const char *kid, const char *id, const uint8_t *wrapped,
                                  size_t len, uint8_t key[PRIVD_KEY_BYTES]);

#endif
