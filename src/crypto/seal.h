/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * seal.h - what leaves privd for a third party, sealed to that party's public key.
 *
 * A transfer's payload is encrypted to the recipient's X25519 public key with libsodium's sealed box
 * (crypto_box_seal: an ephemeral key pair per message, XSalsa20-Poly1305): only the holder of the matching private
 * key can open it, privd itself cannot once it is sealed, and nothing on the way (a proxy that ends TLS, a log of
 * request bodies) sees the data. The recipient's key is registered once, as base64, and checked here: 32 bytes, and
 * a point a box can actually be sealed to.
 */
#ifndef PRIVD_CRYPTO_SEAL_H
#define PRIVD_CRYPTO_SEAL_H

#include <stddef.h>
#include <stdint.h>

#include "core/rc.h"

#define PRIVD_SEAL_KEY_BYTES 32   /* an X25519 public key */
#define PRIVD_SEAL_OVERHEAD 48    /* crypto_box_SEALBYTES: the ephemeral public key and the tag */
#define PRIVD_SEAL_KEY_B64_MAX 64 /* longer than any base64 of 32 bytes, with padding */

/* Parses a recipient's public key given as standard base64 (with its padding; white space refused) into pk.
 * PRIVD_ERR_INVALID when it is not base64 of exactly 32 bytes, or when no box can be sealed to it (a low-order
 * point, such as all zeros). privd_crypto_init must have run. */
enum privd_rc privd_seal_key_parse(const char *b64, uint8_t pk[PRIVD_SEAL_KEY_BYTES]);

/* Seals the len bytes of plain to pk into out, which must hold len + PRIVD_SEAL_OVERHEAD bytes. PRIVD_ERR_CRYPTO
 * when pk cannot be sealed to (keys from privd_seal_key_parse always can). plain is not changed; zeroing it is the
 * caller's. */
enum privd_rc privd_seal_to_recipient(const uint8_t pk[PRIVD_SEAL_KEY_BYTES], const uint8_t *plain, size_t len,
                                      uint8_t *out);

#endif
