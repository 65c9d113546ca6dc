/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * envelope.h - one PII field sealed under a subject's data key.
 *
 * XChaCha20-Poly1305 (IETF), random 24-byte nonce stored in front of the ciphertext, associated data
 * "<subject_id>\0<field>" so a ciphertext moved to another subject or another column no longer opens.
 */
#ifndef PRIVD_CRYPTO_ENVELOPE_H
#define PRIVD_CRYPTO_ENVELOPE_H

#include <stddef.h>
#include <stdint.h>

#include "core/rc.h"
#include "crypto/keyring.h"

#define PRIVD_ENVELOPE_OVERHEAD (24 + 16)

/* Seals len bytes of plain into out, which must hold len + PRIVD_ENVELOPE_OVERHEAD bytes. Cannot fail. */
void privd_envelope_seal(const uint8_t key[PRIVD_KEY_BYTES], const char *subject_id, const char *field,
                         const uint8_t *plain, size_t len, uint8_t *out);

/* Opens a sealed field into out (holds ct_len - PRIVD_ENVELOPE_OVERHEAD bytes, plus one for a NUL that is always
 * written, so text fields come back as C strings). PRIVD_ERR_CRYPTO when it does not authenticate. */
enum privd_rc privd_envelope_open(const uint8_t key[PRIVD_KEY_BYTES], const char *subject_id, const char *field,
                                  const uint8_t *ct, size_t ct_len, uint8_t *out, size_t *out_len);

#endif
