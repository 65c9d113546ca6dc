/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * seal.c - sealed boxes to a recipient's public key (see seal.h). A thin wrapper: libsodium does the work, and
 * what is added is the parsing of the registered key and the refusal of a key nothing can be sealed to, so that a
 * bad key is refused when the recipient is registered rather than at the first transfer.
 */
#include "crypto/seal.h"

#include <string.h>

#include <sodium.h>

_Static_assert(PRIVD_SEAL_KEY_BYTES == crypto_box_PUBLICKEYBYTES, "an X25519 public key");
_Static_assert(PRIVD_SEAL_OVERHEAD == crypto_box_SEALBYTES, "the sealed box's overhead");

enum privd_rc privd_seal_key_parse(const char *b64, uint8_t pk[PRIVD_SEAL_KEY_BYTES])
{
	uint8_t key[PRIVD_SEAL_KEY_BYTES], probe[1 + PRIVD_SEAL_OVERHEAD];
	const unsigned char one = 1;
	size_t len = 0;
	const char *end = NULL;

	if (b64 == NULL || strlen(b64) >= PRIVD_SEAL_KEY_B64_MAX)
		return PRIVD_ERR_INVALID;
	if (sodium_base642bin(key, sizeof(key), b64, strlen(b64), NULL, &len, &end, sodium_base64_VARIANT_ORIGINAL) !=
	        0 ||
	    len != sizeof(key) || end == NULL || *end != '\0')
		return PRIVD_ERR_INVALID;
	if (crypto_box_seal(probe, &one, 1, key) != 0)
		return PRIVD_ERR_INVALID; /* a low-order point: no shared secret */
	memcpy(pk, key, sizeof(key));
	return PRIVD_OK;
}

enum privd_rc privd_seal_to_recipient(const uint8_t pk[PRIVD_SEAL_KEY_BYTES], const uint8_t *plain, size_t len,
                                      uint8_t *out)
{
	return crypto_box_seal(out, plain, len, pk) == 0 ? PRIVD_OK : PRIVD_ERR_CRYPTO;
}
