/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * envelope.c - seal and open one PII field under a subject's data key.
 *
 * Layout: 24-byte random nonce, then XChaCha20-Poly1305 (IETF) ciphertext and tag. A random 192-bit nonce is
 * safe for any number of fields under one key. The associated data "<subject_id>\0<field>" binds each
 * ciphertext to its row and column, so an attacker with write access to the database cannot swap an e-mail
 * into another subject's record or into the phone column and have it decrypt.
 */
#include "crypto/envelope.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#define NONCE_BYTES crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define AD_MAX 256 /* subject ids are 32 hex chars, field names are short constants */

_Static_assert(PRIVD_ENVELOPE_OVERHEAD == NONCE_BYTES + crypto_aead_xchacha20poly1305_ietf_ABYTES, "envelope layout");

/* Builds "<subject_id>\0<field>" into ad. Returns its length, or 0 when it does not fit in AD_MAX. */
static size_t build_ad(uint8_t ad[AD_MAX], const char *subject_id, const char *field)
{
	size_t slen = strlen(subject_id);
	size_t flen = strlen(field);

	if (slen >= AD_MAX || flen >= AD_MAX - slen - 1)
		return 0;
	memcpy(ad, subject_id, slen + 1);
	memcpy(ad + slen + 1, field, flen);
	return slen + 1 + flen;
}

void privd_envelope_seal(const uint8_t key[PRIVD_KEY_BYTES], const char *subject_id, const char *field,
                         const uint8_t *plain, size_t len, uint8_t *out)
{
	uint8_t ad[AD_MAX];
	size_t adlen = build_ad(ad, subject_id, field);

	/* Both parts come from our own code (a generated id, a column name), never from a request: an overlong
	 * one is a programming error, and sealing under a truncated binding would be worse than stopping. */
	if (adlen == 0)
		abort();
	randombytes_buf(out, NONCE_BYTES);
	crypto_aead_xchacha20poly1305_ietf_encrypt(out + NONCE_BYTES, NULL, plain, len, ad, adlen, NULL, out, key);
}

enum privd_rc privd_envelope_open(const uint8_t key[PRIVD_KEY_BYTES], const char *subject_id, const char *field,
                                  const uint8_t *ct, size_t ct_len, uint8_t *out, size_t *out_len)
{
	enum privd_rc rc = PRIVD_ERR_CRYPTO;
	unsigned long long mlen = 0;
	uint8_t ad[AD_MAX];
	size_t adlen = 0;

	if (out_len != NULL)
		*out_len = 0;
	if (ct_len < PRIVD_ENVELOPE_OVERHEAD)
		goto out;
	adlen = build_ad(ad, subject_id, field);
	if (adlen == 0)
		goto out;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(out, &mlen, NULL, ct + NONCE_BYTES, ct_len - NONCE_BYTES, ad,
	                                               adlen, ct, key) != 0)
		goto out;
	out[mlen] = '\0';
	if (out_len != NULL)
		*out_len = (size_t)mlen;
	rc = PRIVD_OK;
out:
	if (rc != PRIVD_OK && ct_len >= PRIVD_ENVELOPE_OVERHEAD)
		sodium_memzero(out, ct_len - PRIVD_ENVELOPE_OVERHEAD + 1);
	else if (rc != PRIVD_OK)
		out[0] = '\0';
	return rc;
}
